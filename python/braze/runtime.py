"""Running compiled modules (.vmfb): in process with iree.runtime, or under qemu.

    from braze import runtime
    outputs = runtime.run(vmfb, [x, w])                 # list of numpy arrays
    outputs = runtime.run(vmfb, [x, w], target="arm64-linux")      # qemu on x86
    outputs = runtime.run(vmfb, [x, w], target="vulkan-llvmpipe")  # lavapipe
    timing = runtime.benchmark(vmfb, [x, w], repeats=50)  # {'median_ms': ..., ...}
    inputs = runtime.load_inputs(["@x.npy", "2x3xf32=1,2,3,4,5,6"])

Unlike `iree.compiler`, `iree.runtime` lives happily beside the `mlir`
package in one process. Inputs are checked against the function's signature
(from the module's reflection metadata) so a mismatch is reported in braze's
words before IREE is called.

With `target=`, a module runs the way that target executes on this machine
(braze.targets): the host and vulkan-llvmpipe in process (devices local-sync /
local-task and vulkan), arm64-* natively on an aarch64 machine and otherwise
with the aarch64 iree-run-module under qemu (braze.emulation); the mobile-GPU
targets are compile-only here and raise RunError saying so.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import iree.runtime as ireert
import numpy as np

from . import emulation
from .targets import Target, TargetError, get_target


class RunError(ValueError):
    """A module that cannot be loaded or run, or inputs that do not fit it."""


# Element types as iree-run-module spells them -> numpy. Signless `iN` is
# stored as signed; `siN`/`uiN` name the signedness.
_ELEMENT_TYPES = {
    "f16": np.float16, "f32": np.float32, "f64": np.float64, "i1": np.bool_,
    **{f"{sign}{bits}": np.dtype(f"{'u' if sign == 'ui' else ''}int{bits}").type
       for sign in ("i", "si", "ui") for bits in (8, 16, 32, 64)},
}

_INPUT_FORMS = "@file.npy, file.npy or SHAPExTYPE=VALUES (e.g. 2x3xf32=1,2,3,4,5,6 or 1x3xf32=0.5)"


def element_name(dtype: np.dtype) -> str:
    """A numpy dtype in IREE's spelling: float32 -> f32, int8 -> i8, uint8 -> ui8, bool -> i1."""
    dtype = np.dtype(dtype)
    bits = dtype.itemsize * 8
    if dtype == np.bool_:
        return "i1"
    return {"f": f"f{bits}", "i": f"i{bits}", "u": f"ui{bits}"}.get(dtype.kind, str(dtype))


def shape_and_type(array: np.ndarray) -> str:
    """`2x3xf32`, the way IREE writes a tensor's shape and element type."""
    return "x".join([*map(str, array.shape), element_name(array.dtype)])


# ---------------------------------------------------------------- inputs

def load_inputs(specs: Sequence[str]) -> list[np.ndarray]:
    """Arrays from iree-run-module-style input specs.

    `@file.npy` or `file.npy`: an array saved with numpy.save;
    `2x3xf32=1,2,3,4,5,6`: values in row-major order (commas, spaces or
    iree-run-module's [..] rows); one value fills the whole shape (`1x3xf32=0.5`).
    Raises RunError with a one-line message for a malformed spec or a missing file.
    """
    return [_load_input(spec) for spec in specs]


def _load_input(spec: str) -> np.ndarray:
    if "=" in spec:
        return _parse_literal(spec)
    path = Path(spec[1:] if spec.startswith("@") else spec)
    if path.suffix != ".npy":
        raise RunError(f"invalid input '{spec}': expected {_INPUT_FORMS}")
    if not path.is_file():
        raise RunError(f"input file '{path}' not found")
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise RunError(f"cannot read input '{path}' as .npy: {error}")


def _parse_literal(spec: str) -> np.ndarray:
    type_text, values_text = spec.split("=", 1)
    *dims, element = type_text.split("x")
    if element not in _ELEMENT_TYPES:
        raise RunError(f"invalid input '{spec}': unknown element type '{element}' "
                       f"(valid: {', '.join(_ELEMENT_TYPES)})")
    if not all(dim.isdigit() for dim in dims):
        raise RunError(f"invalid input '{spec}': expected {_INPUT_FORMS}")
    shape = tuple(int(dim) for dim in dims)
    tokens = [token for token in re.split(r"[\s,\[\]]+", values_text) if token]
    count = int(np.prod(shape))
    if len(tokens) not in (1, count):
        raise RunError(f"invalid input '{spec}': {type_text} needs {count} values "
                       f"(or 1 to fill it), got {len(tokens)}")
    try:
        values = _parse_values(tokens, element)
    except (ValueError, OverflowError) as error:
        raise RunError(f"invalid input '{spec}': {error}")
    if len(tokens) == 1:
        return np.full(shape, values[0], dtype=values.dtype)
    return values.reshape(shape)


def _parse_values(tokens: list[str], element: str) -> np.ndarray:
    dtype = _ELEMENT_TYPES[element]
    if element.startswith("f"):
        return np.array([float(token) for token in tokens]).astype(dtype)
    integers = [int(token, 0) for token in tokens]
    if element == "i1":
        return np.array(integers) != 0
    return np.array(integers, dtype=dtype)


# ---------------------------------------------------------------- signature

@dataclass(frozen=True)
class TensorType:
    """A function argument's tensor type; None in `shape` is a dynamic dimension."""

    shape: tuple[int | None, ...]
    element: str

    def __str__(self) -> str:
        dims = ["?" if dim is None else str(dim) for dim in self.shape]
        return f"tensor<{'x'.join([*dims, self.element])}>"

    def accepts(self, array: np.ndarray) -> bool:
        if len(self.shape) != array.ndim:
            return False
        if any(want not in (None, have) for want, have in zip(self.shape, array.shape)):
            return False
        return self._accepts_dtype(array.dtype)

    def _accepts_dtype(self, dtype: np.dtype) -> bool:
        expected = _ELEMENT_TYPES.get(self.element)
        if expected is None:
            return True  # no numpy equivalent (bf16, complex, ...): IREE itself checks
        if re.fullmatch(r"i(8|16|32|64)", self.element):  # signless: either signedness
            return dtype.kind in "iu" and dtype.itemsize == np.dtype(expected).itemsize
        return dtype == expected


# `sync func @main(%input0: tensor<1x3xf32>, %input1: i32) -> (%output0: tensor<3xf32>)`
_DECLARATION = re.compile(r"func @\S+?\((?P<inputs>.*?)\)\s*->")
_ARGUMENT_NAME = re.compile(r"(?:^|,\s*)%[^:\s]+:\s*")
_TENSOR = re.compile(r"tensor<(?P<dims>(?:[0-9?]+x)*)(?P<element>[^x>]+)>")


def input_types(function: ireert.VmFunction) -> list[TensorType | str] | None:
    """The function's argument types from its reflection metadata.

    A tensor argument becomes a TensorType, any other (a scalar, a buffer) its
    type text; None when the module carries no parsable declaration.
    """
    declaration = _DECLARATION.search(function.reflection.get("iree.abi.declaration", ""))
    if declaration is None:
        return None
    arguments = [text.strip() for text in _ARGUMENT_NAME.split(declaration["inputs"]) if text.strip()]
    return [_tensor_type(argument) or argument for argument in arguments]


def result_count(function: ireert.VmFunction) -> int | None:
    """How many results the function returns, from its reflection metadata (None: unknown)."""
    declaration = function.reflection.get("iree.abi.declaration", "")
    if _DECLARATION.search(declaration) is None:
        return None
    results = declaration.split(")", 1)[1].split("->", 1)[1].strip()
    if results.startswith("(") and results.endswith(")"):
        results = results[1:-1]
    return len([text for text in _ARGUMENT_NAME.split(results) if text.strip()])


def _tensor_type(text: str) -> TensorType | None:
    match = _TENSOR.fullmatch(text)
    if match is None:
        return None
    dims = [dim for dim in match["dims"].split("x") if dim]
    return TensorType(tuple(None if dim == "?" else int(dim) for dim in dims), match["element"])


def _check_inputs(inputs: Sequence[np.ndarray], expected: list[TensorType | str] | None,
                  function: str) -> None:
    if expected is None:
        return  # IREE reports the mismatch when the function is called
    if len(inputs) != len(expected):
        types = ", ".join(map(str, expected)) or "none"
        raise RunError(f"@{function} takes {len(expected)} input(s) ({types}), got {len(inputs)}")
    for index, (array, want) in enumerate(zip(inputs, expected)):
        if isinstance(want, TensorType) and not want.accepts(array):
            raise RunError(f"input {index} of @{function} must be {want}, got {shape_and_type(array)}")


# ---------------------------------------------------------------- execution

class _LoadedFunction:
    """One function of a module loaded on a device, ready to call."""

    def __init__(self, vmfb: bytes | Path, function: str, device: str):
        config = _config(device)
        module = _vm_module(config, vmfb)
        vm_function = module.lookup_function(function)
        if vm_function is None:
            public = [name for name in module.function_names if not name.startswith("__")]
            raise RunError(f"the module has no function '{function}' (functions: {', '.join(public)})")
        context = ireert.SystemContext(config=config)
        try:
            context.add_vm_module(module)
        except (ValueError, RuntimeError) as error:
            raise RunError(_load_failure(error, device))
        self.name = function
        self.device = config.device
        self.input_types = input_types(vm_function)
        self._invoke = context.modules[module.name][function]

    def __call__(self, inputs: Sequence) -> list[np.ndarray]:
        try:
            results = self._invoke(*inputs)
        except (ValueError, TypeError, RuntimeError) as error:
            raise RunError(f"@{self.name} failed: {_first_line(error)}")
        if results is None:
            return []
        return [_to_numpy(result) for result in (results if isinstance(results, tuple) else (results,))]


# Installing Mesa's CPU Vulkan driver (lavapipe) and the Vulkan loader.
VULKAN_INSTALL = "apt-get install mesa-vulkan-drivers libvulkan1"


def _config(device: str) -> ireert.Config:
    try:
        return ireert.Config(device)
    except (ValueError, RuntimeError) as error:
        if device.split(":")[0] == "vulkan":
            cause = error.__cause__ or error  # iree.runtime wraps the driver's status
            raise RunError(f"no Vulkan device on this machine ({_first_line(cause)}): "
                           f"install Mesa's lavapipe with `{VULKAN_INSTALL}`")
        drivers = ", ".join(ireert.query_available_drivers())
        raise RunError(f"cannot open device '{device}': {_first_line(error)} "
                       f"(drivers in this iree.runtime: {drivers})")


def _load_failure(error: Exception, device: str) -> str:
    """Why a module does not load on `device`, with the target that does run it."""
    text = str(error)
    if "embedded-elf-arm_64" in text:
        hint = "it was compiled for aarch64: run it with target arm64-linux or arm64-android"
    elif "vulkan" in text and not device.startswith("vulkan"):
        hint = "it was compiled for Vulkan: run it with target vulkan-llvmpipe (device vulkan)"
    else:
        hint = _first_line(error)
    return f"the module cannot run on device '{device}': {hint}"


def _vm_module(config: ireert.Config, vmfb: bytes | Path) -> ireert.VmModule:
    if isinstance(vmfb, (str, Path)):
        if not Path(vmfb).is_file():
            raise RunError(f"cannot read '{vmfb}': no such file")
        vmfb = Path(vmfb).read_bytes()
    try:
        return ireert.VmModule.copy_buffer(config.vm_instance, vmfb)
    except (ValueError, RuntimeError) as error:
        raise RunError(f"not an IREE module (.vmfb): {_first_line(error)}")


def _first_line(error: Exception) -> str:
    """IREE's status text (`INVALID_ARGUMENT; ...`), without the wrapper
    message and C source location that precede it."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return re.sub(r"^.*?\S+\.c:\d+: ", "", text)


def _to_numpy(result) -> np.ndarray:
    """A function result on the host. iree-runtime 3.13's DeviceArray.to_host()
    imports an unaligned numpy buffer, which some drivers (Vulkan) refuse with
    a ValueError; then the result is copied through a mapped staging buffer."""
    if not isinstance(result, ireert.DeviceArray):
        return np.asarray(result)  # a scalar result
    try:
        return result.to_host()
    except ValueError:
        return _copy_through_staging(result)


def _copy_through_staging(array: ireert.DeviceArray) -> np.ndarray:
    device = array._device
    source = array._buffer_view.get_buffer()
    staging = device.allocator.allocate_buffer(
        memory_type=int(ireert.MemoryType.HOST_LOCAL | ireert.MemoryType.DEVICE_VISIBLE),
        allowed_usage=int(ireert.BufferUsage.TRANSFER_TARGET | ireert.BufferUsage.MAPPING_SCOPED),
        allocation_size=source.byte_length())
    semaphore = device.create_semaphore(0)
    device.queue_copy(source, staging, wait_semaphores=ireert.HalFence.create_at(semaphore, 0),
                      signal_semaphores=ireert.HalFence.create_at(semaphore, 1))
    ireert.HalFence.create_at(semaphore, 1).wait()
    dtype = ireert.HalElementType.map_to_dtype(array._buffer_view.element_type)
    return np.array(staging.map().asarray(array._buffer_view.shape, dtype))


def _prepare(vmfb: bytes | Path, inputs: Sequence[np.ndarray], function: str,
             device: str) -> tuple[_LoadedFunction, list[np.ndarray]]:
    loaded = _LoadedFunction(vmfb, function, device)
    arrays = [np.asarray(array, order="C") for array in inputs]  # keeps 0-d arrays 0-d
    _check_inputs(arrays, loaded.input_types, function)
    return loaded, arrays


def resolve(target: Target | str | None, device: str | None) -> tuple[Target | None, str]:
    """The target (None: none given) and the IREE device that runs its modules here.

    Raises RunError for an unknown target name, a compile-only target, or a
    device the target does not run on.
    """
    if target is None:
        return None, device or "local-sync"
    if isinstance(target, str):
        try:
            target = get_target(target)
        except TargetError as error:
            raise RunError(str(error))
    if not target.executable:
        raise RunError(f"target '{target.name}' is compile-only on this machine: "
                       f"{target.compile_only_reason or 'nothing here runs its modules'}")
    if device is None:
        return target, target.drivers[0]
    if device.split(":")[0] not in target.drivers:
        raise RunError(f"target '{target.name}' runs on device {' or '.join(target.drivers)}, "
                       f"not '{device}'")
    return target, device


def run(vmfb: bytes | Path, inputs: Sequence[np.ndarray], *, function: str = "main",
        device: str | None = None, target: Target | str | None = None) -> list[np.ndarray]:
    """Calls `function` of a compiled module; returns its results on the host.

    target: the Target (or name) the module was compiled for; it decides how
            the module runs here (see the module docstring). Without it, the
            module runs in process on `device`.
    device: an IREE device: `local-sync` (one thread, the default without a
            target), `local-task`, or `vulkan`; with a target, one of its drivers.
    Raises RunError for a missing or invalid module, an unknown function,
    target or device, inputs that do not match the signature, a failing call,
    or a target that cannot run here (compile-only, or qemu / Vulkan missing:
    the message says what to install).
    """
    target, device = resolve(target, device)
    if target is not None and target.emulated():
        return _run_emulated(vmfb, inputs, function, device)
    loaded, arrays = _prepare(vmfb, inputs, function, device)
    return loaded(arrays)


def _run_emulated(vmfb: bytes | Path, inputs: Sequence[np.ndarray], function: str,
                  device: str) -> list[np.ndarray]:
    """Runs an aarch64 module under qemu, after checking the inputs against its signature."""
    if isinstance(vmfb, (str, Path)) and not Path(vmfb).is_file():
        raise RunError(f"cannot read '{vmfb}': no such file")
    data = Path(vmfb).read_bytes() if isinstance(vmfb, (str, Path)) else vmfb
    try:
        module = ireert.VmModule.copy_buffer(ireert.VmInstance(), data)
    except (ValueError, RuntimeError) as error:
        raise RunError(f"not an IREE module (.vmfb): {_first_line(error)}")
    vm_function = module.lookup_function(function)
    if vm_function is None:
        public = [name for name in module.function_names if not name.startswith("__")]
        raise RunError(f"the module has no function '{function}' (functions: {', '.join(public)})")
    arrays = [np.asarray(array, order="C") for array in inputs]  # keeps 0-d arrays 0-d
    _check_inputs(arrays, input_types(vm_function), function)
    count = result_count(vm_function)
    if count is None:
        raise RunError(f"@{function} carries no signature (iree.abi.declaration): "
                       "cannot run it under emulation")
    try:
        return emulation.run_module(vmfb if isinstance(vmfb, (str, Path)) else data, arrays,
                                    num_results=count, function=function, device=device)
    except emulation.EmulationError as error:
        raise RunError(str(error))


def benchmark(vmfb: bytes | Path, inputs: Sequence[np.ndarray], *, function: str = "main",
              device: str | None = None, warmup: int = 3, repeats: int = 20,
              target: Target | str | None = None) -> dict:
    """Wall-clock latency of `function`: {'median_ms', 'min_ms', 'max_ms', 'repeats', 'warmup'}.

    Inputs are placed on the device once; each timed call includes bringing
    every result back to the host, so asynchronous devices are measured to
    completion. `target` and `device` as for run(); an emulated target
    (arm64-* on a non-ARM machine) is refused: qemu's speed says nothing
    about an ARM CPU.
    """
    if repeats < 1 or warmup < 0:
        raise RunError(f"benchmark needs repeats >= 1 and warmup >= 0 (got {repeats}, {warmup})")
    target, device = resolve(target, device)
    if target is not None and target.emulated():
        raise RunError(f"not timing target '{target.name}' under qemu: emulation speed says nothing "
                       "about an ARM CPU (time it on the device with iree-benchmark-module, "
                       "see `braze compile --target arm64-android`)")
    loaded, arrays = _prepare(vmfb, inputs, function, device)
    device_inputs = [ireert.asdevicearray(loaded.device, array) for array in arrays]
    for _ in range(warmup):
        loaded(device_inputs)
    times_ms = []
    for _ in range(repeats):
        start = time.perf_counter()
        loaded(device_inputs)
        times_ms.append((time.perf_counter() - start) * 1e3)
    return {"median_ms": statistics.median(times_ms), "min_ms": min(times_ms),
            "max_ms": max(times_ms), "repeats": repeats, "warmup": warmup}


# ---------------------------------------------------------------- printing

def format_array(array: np.ndarray, max_elements: int = 32) -> str:
    """iree-run-module's text form, `2x3xf32=[1 2 3][4 5 6]`, eliding after `max_elements` values."""
    array = np.asarray(array)
    if array.ndim == 0:
        return f"{shape_and_type(array)}={_scalar_text(array[()])}"
    return f"{shape_and_type(array)}={_nested_text(array, [max_elements])}"


def _nested_text(array: np.ndarray, budget: list[int]) -> str:
    """Rows in brackets below the top level; `budget` counts the values still to print."""
    if array.ndim == 1:
        shown = array[:max(budget[0], 0)]
        budget[0] -= len(shown)
        return " ".join(map(_scalar_text, shown)) + ("..." if len(shown) < len(array) else "")
    parts = []
    for row in array:
        if budget[0] <= 0:
            parts.append("...")
            break
        parts.append(f"[{_nested_text(row, budget)}]")
    return "".join(parts)


def _scalar_text(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return str(value)
