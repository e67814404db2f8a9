"""`braze.compile`: ONNX model -> braze IR -> linalg -> IREE module.

The stages, in order: frontend (ONNX -> braze), the braze pass pipeline,
lowering to linalg, and iree-compile for the target. The artifact keeps the
text of each stage and a report of what the model costs.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import mlir.ir as ir
import numpy as np

from . import runtime
from ._braze import cost
from .backend import compile_to_vmfb, module_flags
from .frontend import import_model, result_dtypes
from .fusion import FusionPlan, group_dispatches, leave_failing_regions_to_iree, measure_pending
from .pipeline import Pipeline, lowering
from .report import classify
from .sparsity import SparsityOptions, SparsityReport
from .targets import Target, get_target

Progress = Callable[[str], None]

@dataclass(frozen=True)
class FusionOptions:
    """How --braze-fuse judges the fusion table's profile cells, and where
    it writes its plan (see Pipeline.fuse)."""

    oracle: str = "cost"
    profile_db: str | None = None
    plan_file: str | None = None

    def apply(self, pipeline: Pipeline, codegen: str | None = None) -> Pipeline:
        return pipeline.fuse(oracle=self.oracle, profile_db=self.profile_db,
                             plan_file=self.plan_file, codegen=codegen)


# Optimisation levels: each names the braze pass pipeline run between import
# and lowering, for a target, fusion options and `prune` (which adds pattern
# pruning, when asked, after the weights are folded and before layouts).
#   none:   nothing; the ONNX graph as imported.
#   layout: SmartMem -- batch norms folded into weights, one storage layout
#           per region.
#   all:    DNNFusion on top -- algebraic rewriting first, fusion groups last.
Prune = Callable[[Pipeline], Pipeline]
OPTIMIZATION_LEVELS: dict[str, Callable[..., Pipeline]] = {
    "none": lambda target, fusion=FusionOptions(), prune=None: Pipeline(),
    "layout": lambda target, fusion=FusionOptions(), prune=lambda p: p: (
        prune(Pipeline().fold_batch_norm()).select_layout(target.codegen)
        .canonicalize().cse()),
    "all": lambda target, fusion=FusionOptions(), prune=lambda p: p: fusion.apply(
        prune(Pipeline().rewrite().fold_batch_norm()).select_layout(target.codegen)
        .canonicalize().cse(), target.codegen),
}


@dataclass
class CompileReport:
    """What the model is and what compiling it took."""

    model: str
    target: str
    mapping_types: Counter = field(default_factory=Counter)
    ops: Counter = field(default_factory=Counter)
    flops: int = 0
    bytes_accessed: int = 0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    # Explicit layout transformations (relayout, transpose, reshape ops) as
    # imported and after the braze passes.
    layout_ops_imported: Counter = field(default_factory=Counter)
    layout_ops_optimised: Counter = field(default_factory=Counter)
    # The iree-compile flags used: the target's, then those the module asked
    # for (braze.backend.module_flags).
    iree_flags: list[str] = field(default_factory=list)
    # Matrix products given IREE CPU tile sizes by --braze-tile-contractions,
    # and the f32 vector lanes they are tiled for (None: left to IREE).
    tiled_contractions: int = 0
    vector_lanes: int | None = None
    # What --braze-fuse planned, when the pipeline fused.
    fusion: FusionPlan | None = None
    sparsity: SparsityReport | None = None

    def summary(self) -> str:
        ops = sum(self.ops.values())
        mappings = ", ".join(f"{name} {count}" for name, count in sorted(self.mapping_types.items()))
        timings = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in self.stage_seconds.items())
        layouts = ", ".join(
            f"{name} {self.layout_ops_imported[name]} -> {self.layout_ops_optimised[name]}"
            for name in LAYOUT_OPS)
        return (f"{self.model} -> {self.target}: {ops} braze ops ({mappings}); "
                f"{self.flops / 1e9:.3f} GFLOP, {self.bytes_accessed / 2**20:.1f} MiB accessed; "
                f"layout ops imported -> optimised: {layouts}; "
                + (f"{self.fusion.summary()}; " if self.fusion else "")
                + (f"{self.sparsity.summary()}; " if self.sparsity else "")
                + (f"{self.tiled_contractions} matrix products tiled for "
                   f"{self.vector_lanes}-lane vectors; " if self.vector_lanes else "")
                + f"{timings}; iree-compile {' '.join(self.iree_flags)}")


LAYOUT_OPS = ("relayout", "transpose", "reshape")

# What --braze-tile-contractions sets on the products it tiles.
TILE_ATTRIBUTE = "compilation_info = #iree_codegen.compilation_info"


def count_layout_ops(module: ir.Module) -> Counter:
    """How many braze.relayout / transpose / reshape ops `module` holds."""
    counts: Counter = Counter()

    def visit(op: ir.Operation) -> ir.WalkResult:
        dialect, _, name = op.name.partition(".")
        if dialect == "braze" and name in LAYOUT_OPS:
            counts[name] += 1
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return counts


@dataclass
class Artifact:
    """A compiled model: the IREE module, the MLIR of each stage, a report."""

    vmfb: bytes
    target: Target
    stages: dict[str, str]
    report: CompileReport
    input_names: list[str]
    output_names: list[str]
    # The model's output dtypes: the module returns uint8 outputs as int8.
    output_dtypes: list[np.dtype]

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        path.write_bytes(self.vmfb)
        return path

    def run(self, inputs: Sequence[np.ndarray], *, device: str | None = None) -> list[np.ndarray]:
        """Runs the module the way its target executes here (in process, qemu or lavapipe)."""
        outputs = runtime.run(self.vmfb, list(inputs), device=device, target=self.target)
        return with_dtypes(outputs, self.output_dtypes)


def with_dtypes(outputs: Sequence[np.ndarray], dtypes: Sequence[np.dtype]) -> list[np.ndarray]:
    """`outputs` viewed as unsigned where `dtypes` says so. Lowering stores
    braze's uiN as signless iN, which IREE hands back as signed arrays."""
    return [output.view(dtype) if dtype.kind == "u" else output
            for output, dtype in zip(outputs, dtypes)]


def _measure_cost(module: ir.Module, report: CompileReport) -> None:
    """Adds FLOPs and bytes of every braze op (CostOpInterface) to `report`."""

    def visit(op: ir.Operation) -> ir.WalkResult:
        # A fused group's members are counted one by one.
        counts = None if op.name == "braze.fused" else cost(op)
        if counts is not None:
            report.flops += counts[0]
            report.bytes_accessed += counts[1]
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)


def compile(
    model: str | os.PathLike | object,
    target: str | Target = "host",
    *,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    optimize: str = "all",
    fusion: FusionOptions | None = None,
    pipeline: Pipeline | None = None,
    output: str | os.PathLike | None = None,
    dump_dir: str | os.PathLike | None = None,
    progress: Progress | None = None,
    count_group_dispatches: bool = False,
    sparsity: SparsityOptions | None = None,
) -> Artifact:
    """Compiles an ONNX model (path or onnx.ModelProto) for `target`.

    `optimize` picks the braze passes run before lowering (a key of
    OPTIMIZATION_LEVELS) and `fusion` how its fusion decides; `pipeline`
    replaces them with a pipeline of one's own. `count_group_dispatches`
    adds to the report how many dispatches IREE makes of each fused group
    (a second, flow-level compile of the groups: seconds on large models).
    `sparsity` prunes 3x3 convolutions to kernel patterns (changing the
    model's numbers; the report's `sparsity` says by how much). Raises FrontendError,
    PipelineError / MLIRError, TargetError or BackendError with a message
    naming the problem."""
    target = get_target(target) if isinstance(target, str) else target
    with tempfile.TemporaryDirectory(prefix="braze-compile-") as scratch:
        plan_file = Path(scratch, "fusion-plan.json")
        sparsity_file = Path(scratch, "sparsity.json")
        if pipeline is None:
            if optimize not in OPTIMIZATION_LEVELS:
                raise ValueError(f"unknown optimisation level '{optimize}' "
                                 f"(valid: {', '.join(OPTIMIZATION_LEVELS)})")
            if sparsity and optimize == "none":
                raise ValueError("pattern pruning needs optimisation level layout or all "
                                 "(it works on the folded weights)")
            options = dataclasses.replace(fusion or FusionOptions(), plan_file=str(plan_file))
            prune = (lambda p: sparsity.apply(p, sparsity_file)) if sparsity else (lambda p: p)
            pipeline = OPTIMIZATION_LEVELS[optimize](target, options, prune)
        return _compile(model, target, pipeline, input_shapes=input_shapes, output=output,
                        dump_dir=dump_dir, progress=progress, plan_file=plan_file,
                        sparsity_file=sparsity_file,
                        count_group_dispatches=count_group_dispatches)


def _compile(model: str | os.PathLike | object, target: Target, pipeline: Pipeline, *,
             input_shapes: Mapping[str, Sequence[int]] | None, output: str | os.PathLike | None,
             dump_dir: str | os.PathLike | None, progress: Progress | None,
             plan_file: Path, sparsity_file: Path, count_group_dispatches: bool) -> Artifact:
    say = progress or (lambda message: None)
    name = Path(model).name if isinstance(model, (str, os.PathLike)) else "<ModelProto>"
    report = CompileReport(model=name, target=target.name)
    stages: dict[str, str] = {}

    def timed(stage: str, work: Callable[[], object]) -> object:
        say(f"{stage}...")
        start = time.perf_counter()
        result = work()
        report.stage_seconds[stage] = time.perf_counter() - start
        return result

    with ir.Context() as context:
        # Fused groups lower to IREE's flow.dispatch.region, which braze
        # builds as an unregistered op (passes/Lowering/FusedGroups.cpp).
        context.allow_unregistered_dialects = True
        module = timed("import", lambda: import_model(model, input_shapes))
        main = module.body.operations[0]
        input_names = [str(name) for name in _string_list(main, "braze.input_names")]
        output_names = [str(name) for name in _string_list(main, "braze.output_names")]
        output_dtypes = result_dtypes(main)
        report.layout_ops_imported = count_layout_ops(module)
        timed("optimise", lambda: pipeline.run(module))
        report.layout_ops_optimised = count_layout_ops(module)
        if sparsity_file.exists():
            report.sparsity = SparsityReport.load(sparsity_file)
        if plan_file.exists():
            report.fusion = FusionPlan.load(plan_file)
            if report.fusion.groups:
                # A dispatch region IREE cannot generate code for is left to
                # its own dispatch formation (then, if asked, whether IREE
                # keeps each group as one dispatch). The report names both.
                report.fusion.left_to_iree = timed(
                    "check dispatch regions", lambda: leave_failing_regions_to_iree(module, target))
        stages["braze"] = str(module)
        if report.fusion and report.fusion.groups and count_group_dispatches:
            report.fusion.dispatches = timed(
                "count group dispatches", lambda: group_dispatches(stages["braze"], target))
        Pipeline().annotate_mapping().run(module)
        classification = classify(module)
        report.mapping_types, report.ops = classification.mapping_types, classification.ops
        _measure_cost(module, report)
        report.vector_lanes = target.vector_lanes
        timed("lower", lambda: lowering(target.codegen, report.vector_lanes).run(module))
        stages["linalg"] = str(module)
        report.tiled_contractions = stages["linalg"].count(TILE_ATTRIBUTE)

    report.iree_flags = [*target.flags, *module_flags(stages["linalg"], target)]

    vmfb = timed("iree-compile", lambda: compile_to_vmfb(
        stages["linalg"], target, output=Path(output) if output else None,
        dump_dir=Path(dump_dir) if dump_dir else None, progress=progress))
    if dump_dir:
        for stage, text in stages.items():
            (Path(dump_dir) / f"{stage}.mlir").write_text(text)
        if report.fusion:
            (Path(dump_dir) / "fusion-plan.json").write_text(plan_file.read_text())
            (Path(dump_dir) / "fusion-plan.html").write_text(
                report.fusion.html(f"braze fusion plan: {name} -> {target.name}"))
        if report.sparsity:
            (Path(dump_dir) / "sparsity.json").write_text(sparsity_file.read_text())
    return Artifact(vmfb=vmfb, target=target, stages=stages, report=report,
                    input_names=input_names, output_names=output_names,
                    output_dtypes=output_dtypes)


def _string_list(op: ir.OpView, attribute: str) -> list[str]:
    attributes = op.operation.attributes
    if attribute not in attributes:
        return []
    return [ir.StringAttr(item).value for item in ir.ArrayAttr(attributes[attribute])]


def run(
    module: Artifact | bytes | str | os.PathLike,
    inputs: Sequence[np.ndarray],
    *,
    device: str | None = None,
    target: str | Target | None = None,
) -> list[np.ndarray]:
    """Runs a compiled model (an Artifact or a .vmfb) on this machine, the way
    its target (an Artifact's own, or `target`) executes here; see braze.runtime.run."""
    if isinstance(module, Artifact):
        outputs = runtime.run(module.vmfb, list(inputs), device=device,
                              target=target or module.target)
        return with_dtypes(outputs, module.output_dtypes)
    vmfb = Path(module) if isinstance(module, (str, os.PathLike)) else module
    return runtime.run(vmfb, list(inputs), device=device, target=target)


def profile_fusion(
    model: str | os.PathLike | object,
    database: str | os.PathLike,
    *,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    rounds: int = 3,
    progress: Progress | None = None,
) -> int:
    """Fills the fusion profile database for `model` on the host: compiles
    it with the profile oracle, times the candidates the pass left pending
    (braze.fusion.measure_pending), and repeats while measurements change
    the plan enough to raise new candidates (at most `rounds` times).
    Returns how many candidates were measured."""
    options = FusionOptions(oracle="profile", profile_db=str(database))
    measured = 0
    for _ in range(rounds):
        compile(model, "host", input_shapes=input_shapes, fusion=options)
        count = measure_pending(database, progress)
        measured += count
        if count == 0:
            break
    return measured
