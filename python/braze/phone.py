"""Running a compiled module on an Android phone: the adb command lines.

    from braze import phone
    text = phone.adb_commands("m.vmfb", get_target("arm64-android"))
    phone.write_adb_commands("m.vmfb", target)   # -> m.vmfb.adb.txt

`braze compile --target arm64-android` (or a mobile `vulkan-<gpu>` target)
writes them next to the .vmfb. They push the module, the inputs and IREE's
iree-run-module / iree-benchmark-module for Android to /data/local/tmp/braze,
run the module there and pull the results back. Those two tools must be the
IREE runtime release braze compiled with (iree-base-runtime 3.13.0) built for
Android arm64 with the NDK: the README's "Running on a phone" shows how.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from pathlib import Path

import iree.runtime as ireert

from .emulation import runtime_version
from .runtime import TensorType, input_types, result_count
from .targets import Target

# Where the files go on the phone: adb's scratch area, writable without root.
DEVICE_DIR = "/data/local/tmp/braze"
SUFFIX = ".adb.txt"


def _signature(vmfb: bytes, function: str) -> tuple[list[TensorType | str], int]:
    module = ireert.VmModule.copy_buffer(ireert.VmInstance(), vmfb)
    vm_function = module.lookup_function(function)
    if vm_function is None:
        return [], 0
    return input_types(vm_function) or [], result_count(vm_function) or 0


def adb_commands(vmfb: str | os.PathLike, target: Target, *, function: str = "main",
                 input_names: Sequence[str] = (), repetitions: int = 10) -> str:
    """Shell commands (for `sh`) that run `function` of the .vmfb on a phone over adb.

    input_names: the model's input names, for comments (default: input0, ...).
    The benchmark call feeds zeros of each input's shape, so it needs no files.
    """
    path = Path(vmfb)
    inputs, results = _signature(path.read_bytes(), function)
    device = "vulkan" if target.gpu else "local-task"
    names = list(input_names) + [f"input{index}" for index in range(len(input_names), len(inputs))]
    module = path.name
    run_args = [f"--device={device}", f"--module={module}", f"--function={function}"]
    run_args += [f"--input=@input{index}.npy" for index in range(len(inputs))]
    run_args += [f"--output=@output{index}.npy" for index in range(results)]
    bench_args = [f"--device={device}", f"--module={module}", f"--function={function}"]
    bench_args += [f"--input={_zeros(kind)}" for kind in inputs]
    bench_args += [f"--benchmark_repetitions={repetitions}"]

    lines = [
        f"# braze: run {module} (target {target.name}: {target.description}) on an Android phone.",
        f"# Needs adb and IREE {runtime_version()}'s iree-run-module and iree-benchmark-module built",
        "# for Android arm64 (README, \"Running on a phone\"); set IREE_ANDROID_BIN to their directory.",
        "# Each input is a .npy file (numpy.save), in this order:",
        *[f"#   input{index}.npy: {name}: {kind}" for index, (name, kind) in enumerate(zip(names, inputs))],
        f"adb shell mkdir -p {DEVICE_DIR}",
        f"adb push {shlex.quote(str(path))} {DEVICE_DIR}/",
        f'adb push "$IREE_ANDROID_BIN/iree-run-module" "$IREE_ANDROID_BIN/iree-benchmark-module" {DEVICE_DIR}/',
        *[f"adb push input{index}.npy {DEVICE_DIR}/" for index in range(len(inputs))],
        _adb_shell("iree-run-module", run_args),
        *[f"adb pull {DEVICE_DIR}/output{index}.npy" for index in range(results)],
        _adb_shell("iree-benchmark-module", bench_args),
    ]
    return "\n".join(lines) + "\n"


def write_adb_commands(vmfb: str | os.PathLike, target: Target, **options) -> Path:
    """Writes adb_commands() to `<vmfb>.adb.txt`; returns that path."""
    path = Path(f"{vmfb}{SUFFIX}")
    path.write_text(adb_commands(vmfb, target, **options))
    return path


def _adb_shell(tool: str, arguments: Sequence[str]) -> str:
    command = f"cd {DEVICE_DIR} && ./{tool} {' '.join(arguments)}"
    return f"adb shell {shlex.quote(command)}"


def _zeros(kind: TensorType | str) -> str:
    """An iree-run-module input literal of zeros: `1x3x224x224xf32=0`."""
    if isinstance(kind, TensorType) and None not in kind.shape:
        return "x".join([*map(str, kind.shape), kind.element]) + "=0"
    return f"{kind}=0"  # a dynamic shape or scalar: the user fills in the size
