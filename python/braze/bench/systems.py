"""The systems `braze bench` compares, and how each gets a model ready to run.

    braze:<level>  ONNX -> braze (+ the level's passes) -> linalg -> iree-compile
    iree           plain IREE: iree-import-onnx -> iree-compile, the same IREE and target flags
    ort            onnxruntime (CPU execution provider, default graph optimisations)
    mnn            MNN: ONNX -> .mnn with its converter, run with MNN's Python API

Every system starts from the same ONNX file with the benchmark's input shape
fixed in it (prepare_onnx), except braze, which is given the wheel's model and
the shape as a user of `braze compile` would. The peers are optional extras
(`pip install 'braze[bench]'`); a missing one is reported, not dropped.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .dispatches import DispatchStats, dispatch_stats
from .manifest import BenchModel

def braze_levels() -> dict[str, list[str]]:
    """braze's optimisation levels (braze.compiler.OPTIMIZATION_LEVELS, in its order)
    that differ on the host: first level name -> every level name with the same
    pipeline. Each becomes one system, `braze:<level>`; a level whose passes
    equal an earlier one's (today "all" is "layout") is measured once, under
    both names. New levels added to the compiler show up here by themselves."""
    from ..compiler import OPTIMIZATION_LEVELS

    target = _host_target()
    groups: dict[str, list[str]] = {}
    for level, factory in OPTIMIZATION_LEVELS.items():
        groups.setdefault(str(factory(target)), []).append(level)
    return {levels[0]: levels for levels in groups.values()}


# onnx.version_converter target when plain IREE rejects an older opset.
UPGRADE_OPSET = 17

Progress = Callable[[str], None]


class SetupError(Exception):
    """A system that cannot be set up here at all (a peer not installed)."""


@dataclass
class PreparedOnnx:
    """The model with the benchmark's input shapes written into it."""

    path: Path | None
    input_names: list[str]
    output_names: list[str]
    input_shapes: dict[str, tuple[int, ...]]
    input_dtypes: dict[str, np.dtype]
    opset: int


@dataclass
class Prepared:
    """One system's runnable form of one model (or why there is none)."""

    system: str
    kind: str = ""  # the worker kind: iree, ort, mnn
    path: Path | None = None
    input_names: list[str] = field(default_factory=list)
    output_names: list[str] = field(default_factory=list)
    compile_s: float | None = None
    compile_detail: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    dispatches: DispatchStats | None = None
    sources: Path | None = None  # iree-compile's executable sources (IREE-based systems)
    layout_ops: dict | None = None  # braze's explicit layout ops: {"imported": ..., "optimised": ...}
    flops: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class System:
    id: str
    label: str
    description: str
    prepare: Callable[[BenchModel, PreparedOnnx, Path, Progress], Prepared]
    requirement: str | None = None  # the pinned peer package, for the "not installed" message
    module: str | None = None  # importable when the peer is installed
    aliases: tuple[str, ...] = ()  # other names --systems accepts for it

    def check_installed(self) -> None:
        if self.module and importlib.util.find_spec(self.module) is None:
            raise SetupError(f"{self.label} is not installed: pip install '{self.requirement}' "
                             "(or pip install 'braze[bench]')")


def _dump_flag(directory: Path) -> str:
    return f"--iree-hal-dump-executable-sources-to={directory}"


def _host_target():
    from ..targets import get_target

    return get_target("host")


# ---------------------------------------------------------------- the shared ONNX

def prepare_onnx(model: BenchModel, directory: Path) -> PreparedOnnx:
    """Writes `model` with every input dimension fixed, the graph named `main`
    (plain IREE names its function after the graph), and shapes inferred."""
    import onnx

    proto, info = fixed_shape_model(model)
    directory.mkdir(parents=True, exist_ok=True)
    info.path = directory / "model.onnx"
    onnx.save(proto, str(info.path))
    return info


def fixed_shape_model(model: BenchModel):
    """(onnx.ModelProto, PreparedOnnx without a path) with the input shapes written in.
    Raises ValueError naming an input whose shape is missing or does not fit."""
    import onnx
    from onnx import shape_inference

    try:
        proto = onnx.load(str(model.path))
    except Exception as error:  # noqa: BLE001 - protobuf's DecodeError and friends
        raise ValueError(f"cannot read '{model.path}' as ONNX: {error}")
    initializers = {init.name for init in proto.graph.initializer}
    graph_inputs = [value for value in proto.graph.input if value.name not in initializers]
    unknown = set(model.input_shapes) - {value.name for value in graph_inputs}
    if unknown:
        raise ValueError(f"{model.name} has no input named {', '.join(sorted(unknown))} "
                         f"(inputs: {', '.join(v.name for v in graph_inputs)})")
    shapes, dtypes = {}, {}
    for value in graph_inputs:
        tensor = value.type.tensor_type
        dims = tensor.shape.dim
        if value.name in model.input_shapes:
            shape = model.input_shapes[value.name]
            if len(shape) != len(dims):
                raise ValueError(f"{model.name}: input {value.name} has rank {len(dims)}, "
                                 f"the shape given has {len(shape)} dimensions")
            for dim, size in zip(dims, shape):
                dim.Clear()
                dim.dim_value = size
        elif any(not dim.HasField("dim_value") or dim.dim_value <= 0 for dim in dims):
            raise ValueError(f"{model.name}: input {value.name} has dynamic dimensions: "
                             f"give its shape as {model.path}:{value.name}=D0,D1,...")
        shapes[value.name] = tuple(dim.dim_value for dim in dims)
        dtypes[value.name] = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(tensor.elem_type))
    for value in proto.graph.output:  # let shape inference fill them in
        for dim in value.type.tensor_type.shape.dim:
            if not dim.HasField("dim_value"):
                dim.Clear()
    del proto.graph.value_info[:]
    proto.graph.name = "main"
    try:
        proto = shape_inference.infer_shapes(proto, strict_mode=True)
    except Exception:  # noqa: BLE001 - keep the fixed dims even if inference is partial
        proto = shape_inference.infer_shapes(proto)
    opset = max((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), default=0)
    return proto, PreparedOnnx(None, [v.name for v in graph_inputs],
                               [v.name for v in proto.graph.output], shapes, dtypes, opset)


# ---------------------------------------------------------------- braze

def _braze(level: str, aliases: list[str]) -> System:
    def prepare(model: BenchModel, onnx_model: PreparedOnnx, work: Path,
                progress: Progress) -> Prepared:
        from ..compiler import OPTIMIZATION_LEVELS
        from ..compiler import compile as compile_model

        system = f"braze:{level}"
        directory = work / system.replace(":", "-")
        sources = directory / "executables"
        target = _host_target()
        dumping = dataclasses.replace(target, flags=(*target.flags, _dump_flag(sources)))
        vmfb = directory / "model.vmfb"
        directory.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        artifact = compile_model(model.path, dumping, input_shapes=model.input_shapes,
                                 optimize=level, output=vmfb, progress=progress)
        seconds = time.perf_counter() - start
        return Prepared(system, "iree", vmfb, artifact.input_names, artifact.output_names,
                        compile_s=seconds,
                        compile_detail={"stages_s": dict(artifact.report.stage_seconds),
                                        "pipeline": str(OPTIMIZATION_LEVELS[level](target))},
                        dispatches=dispatch_stats(vmfb, sources), sources=sources,
                        layout_ops=_layout_ops(artifact.report), flops=artifact.report.flops)

    names = "/".join(aliases)
    return System(f"braze:{level}", f"braze ({names})",
                  f"braze -> IREE 3.13, optimisation level {' = '.join(aliases)}", prepare,
                  aliases=tuple(f"braze:{alias}" for alias in aliases))


def _layout_ops(report) -> dict:
    """The compile report's relayout / transpose / reshape counts, before and after the passes."""
    from ..compiler import LAYOUT_OPS

    return {stage: {name: counts[name] for name in LAYOUT_OPS}
            for stage, counts in (("imported", report.layout_ops_imported),
                                  ("optimised", report.layout_ops_optimised))}


# ---------------------------------------------------------------- plain IREE

def _prepare_iree(model: BenchModel, onnx_model: PreparedOnnx, work: Path,
                  progress: Progress) -> Prepared:
    import onnx
    from onnx import version_converter

    from ..backend import BackendError

    directory = work / "iree"
    attempts = []
    source, opset = onnx_model.path, onnx_model.opset
    while True:
        start = time.perf_counter()
        converted_s = 0.0
        if opset != onnx_model.opset:  # the retry: upgrade, as a user would
            progress(f"plain IREE: upgrading opset {onnx_model.opset} -> {opset} "
                     "(onnx.version_converter)")
            upgraded = version_converter.convert_version(onnx.load(str(onnx_model.path)), opset)
            source = directory / f"model-opset{opset}.onnx"
            source.parent.mkdir(parents=True, exist_ok=True)
            onnx.save(upgraded, str(source))
            converted_s = time.perf_counter() - start
        try:
            vmfb, sources = _import_and_compile(source, directory / f"opset{opset}", progress)
            seconds = time.perf_counter() - start
            attempts.append({"opset": opset, "seconds": seconds, "ok": True,
                             "version_converter_s": converted_s})
            break
        except BackendError as error:
            reason = _why_iree_failed(str(error))
            attempts.append({"opset": opset, "seconds": time.perf_counter() - start, "ok": False,
                             "error": reason})
            if opset >= UPGRADE_OPSET:
                return Prepared("iree", error=f"plain IREE failed at opset {opset}: {reason}",
                                compile_detail={"attempts": attempts})
            progress(f"plain IREE: opset {opset} rejected ({reason}); retrying at opset "
                     f"{UPGRADE_OPSET}")
            opset = UPGRADE_OPSET
    notes = []
    if opset != onnx_model.opset:
        notes.append(f"plain IREE needed the model upgraded from opset {onnx_model.opset} to "
                     f"{opset} with onnx.version_converter: at opset {onnx_model.opset} "
                     f"{attempts[0]['error']}")
    return Prepared("iree", "iree", vmfb, onnx_model.input_names, onnx_model.output_names,
                    compile_s=attempts[-1]["seconds"],
                    compile_detail={"attempts": attempts, "opset": opset}, notes=notes,
                    dispatches=dispatch_stats(vmfb, sources), sources=sources)


def _import_and_compile(source: Path, directory: Path, progress: Progress) -> tuple[Path, Path]:
    from ..backend import BackendError, compile_to_vmfb

    directory.mkdir(parents=True, exist_ok=True)
    imported = directory / "model.mlir"
    result = subprocess.run([sys.executable, "-m", "iree.compiler.tools.import_onnx", str(source),
                             "-o", str(imported)], capture_output=True, text=True)
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        raise BackendError(f"iree-import-onnx failed: {lines[-1] if lines else 'no output'}")
    vmfb, sources = directory / "model.vmfb", directory / "executables"
    compile_to_vmfb(imported.read_text(), _host_target(), output=vmfb,
                    extra_flags=[_dump_flag(sources)], dump_dir=directory, progress=progress)
    return vmfb, sources


def _why_iree_failed(message: str) -> str:
    """The ONNX op IREE could not lower, if the log names one, else the first error line."""
    log = next((line.split("full log: ", 1)[1] for line in message.splitlines()
                if line.startswith("full log: ")), None)
    if log and Path(log).is_file():
        text = Path(log).read_text(errors="replace")
        ops = sorted(set(re.findall(r'name = "onnx\.(\w+)"', text)))
        if ops and "torch.operator" in text:
            return f"iree-compile cannot lower onnx.{', onnx.'.join(ops)}"
    lines = [line.strip() for line in message.splitlines()[1:] if line.strip()]
    return lines[0] if lines else message.splitlines()[0]


# ---------------------------------------------------------------- onnxruntime

def _prepare_ort(model: BenchModel, onnx_model: PreparedOnnx, work: Path,
                 progress: Progress) -> Prepared:
    # Nothing to compile: the session's graph optimisation happens when a
    # worker loads it, and its load time is reported as the compile time.
    return Prepared("ort", "ort", onnx_model.path, onnx_model.input_names, onnx_model.output_names,
                    compile_detail={"what": "InferenceSession creation (graph optimisation)"})


# ---------------------------------------------------------------- MNN

def _prepare_mnn(model: BenchModel, onnx_model: PreparedOnnx, work: Path,
                 progress: Progress) -> Prepared:
    directory = work / "mnn"
    directory.mkdir(parents=True, exist_ok=True)
    output = directory / "model.mnn"
    # The converter's C entry point, not the `mnnconvert` script: that wrapper
    # sends usage logs to a server and pip-installs a logging SDK to do so.
    command = [sys.executable, "-c", "import sys, _tools; _tools.mnnconvert(sys.argv)",
               "-f", "ONNX", "--modelFile", str(onnx_model.path), "--MNNModel", str(output),
               "--bizCode", "braze-bench"]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    log = result.stdout + result.stderr
    (directory / "mnnconvert.log").write_text(log)
    if result.returncode != 0 or "Converted Success" not in log or not output.is_file():
        lines = [line.strip() for line in log.splitlines()
                 if line.strip() and "device supports" not in line]
        error = next((line for line in lines if "rror" in line or "not support" in line),
                     lines[-1] if lines else f"exit {result.returncode}")
        return Prepared("mnn", error=f"mnnconvert failed: {error}",
                        compile_detail={"convert_s": seconds})
    return Prepared("mnn", "mnn", output, onnx_model.input_names, onnx_model.output_names,
                    compile_s=seconds, compile_detail={"convert_s": seconds})


# ---------------------------------------------------------------- registry

PEERS = {
    "iree": System("iree", "IREE", "plain IREE 3.13: iree-import-onnx -> iree-compile, "
                   "braze's host flags", _prepare_iree),
    "ort": System("ort", "onnxruntime", "onnxruntime CPU EP, default graph optimisations",
                  _prepare_ort, requirement="onnxruntime==1.31.1", module="onnxruntime"),
    "mnn": System("mnn", "MNN", "MNN: its ONNX converter, then its Python module API (CPU)",
                  _prepare_mnn, requirement="mnn==3.6.1", module="_tools"),
}


def all_systems() -> dict[str, System]:
    """Every system, braze's levels first, in the order tables list them."""
    braze = {f"braze:{level}": _braze(level, aliases) for level, aliases in braze_levels().items()}
    return {**braze, **PEERS}


def resolve(names: list[str]) -> list[System]:
    """`braze` (every level), `braze:LEVEL`, `iree`, `ort`, `mnn` -> systems in table order."""
    systems = all_systems()
    by_name = {alias: key for key, system in systems.items() for alias in (key, *system.aliases)}
    chosen: set[str] = set()
    for name in names:
        if name == "braze":
            chosen.update(s for s in systems if s.startswith("braze:"))
        elif name in by_name:
            chosen.add(by_name[name])
        else:
            raise ValueError(f"unknown system '{name}' (valid: braze, "
                             f"{', '.join(by_name)})")
    return [system for key, system in systems.items() if key in chosen]
