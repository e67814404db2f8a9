"""The pass pipeline builder.

A `Pipeline` composes braze and upstream passes with their options. Its text,
`str(pipeline)`, is exactly what `braze-opt --pass-pipeline=...` takes, so a
pipeline built in Python can be replayed on the command line and back:

    >>> str(Pipeline().annotate_mapping(summary=True).canonicalize().cse())
    'builtin.module(braze-annotate-mapping{summary=true},canonicalize,cse)'

Every braze pass has a method here, named after the pass without its
`braze-` prefix.
"""

from __future__ import annotations

from typing import Iterable, Union

import mlir.ir as ir
from mlir.passmanager import PassManager

OptionValue = Union[bool, int, float, str, Iterable[Union[bool, int, float, str]]]


class PipelineError(ValueError):
    """The pipeline text names an unknown pass or option, or a pass failed."""


def _format_scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # Braces let a value carry the separators of the pipeline syntax.
    return "{" + text + "}" if any(c in text for c in " ,{}=") else text


def _format_value(value: OptionValue) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(_format_scalar(item) for item in value)
    return _format_scalar(value)


def format_pass(name: str, options: dict[str, OptionValue | None]) -> str:
    """`name{opt-a=1 opt-b=x}` from Python keyword options (None is left out)."""
    given = [
        f"{key.replace('_', '-')}={_format_value(value)}"
        for key, value in options.items()
        if value is not None
    ]
    return f"{name}{{{' '.join(given)}}}" if given else name


class Pipeline:
    """An ordered list of passes anchored on an op (by default the module)."""

    def __init__(self, anchor: str = "builtin.module") -> None:
        self.anchor = anchor
        self._entries: list[str] = []

    # -- composition ---------------------------------------------------------

    def add(self, pass_name: str, **options: OptionValue | None) -> Pipeline:
        """Appends any registered pass by name; keyword options become
        `pass{key=value}` (underscores in keys become dashes)."""
        self._entries.append(format_pass(pass_name, options))
        return self

    def nest(self, inner: Pipeline) -> Pipeline:
        """Appends a nested pipeline, e.g. `Pipeline("func.func").cse()`."""
        self._entries.append(str(inner))
        return self

    # -- braze passes ----------------------------------------------------------

    def annotate_mapping(self, *, summary: bool | None = None) -> Pipeline:
        """--braze-annotate-mapping: mapping type and layout group as attributes."""
        return self.add("braze-annotate-mapping", summary=summary)

    def rewrite(self) -> Pipeline:
        """--braze-rewrite: cost-guided algebraic rewriting (DNNFusion):
        decomposed LayerNorm/GELU recognised, distributive and associative
        rules, constant scales and biases into weights, transpose pairs and
        identity ops removed."""
        return self.add("braze-rewrite")

    def fold_batch_norm(self) -> Pipeline:
        """--braze-fold-batch-norm: constant batch norms into the preceding
        convolution's weights, or else into a multiply-add."""
        return self.add("braze-fold-batch-norm")

    def prune_patterns(self, *, patterns: int | None = None, taps: int | None = None,
                       library: Iterable[str] | None = None,
                       connectivity: float | None = None, min_filters: int | None = None,
                       pointwise_keep: float | None = None,
                       pointwise_block: int | None = None,
                       pointwise_group: int | None = None,
                       pointwise_min_saving: int | None = None,
                       report_file: str | None = None) -> Pipeline:
        """--braze-prune-patterns: PatDNN pattern pruning of 3x3 convolutions
        (`patterns` masks keeping `taps` of 9, chosen from the weights unless
        `library` gives them as 9-character masks), connectivity pruning of
        the `connectivity` fraction of kernel groups, and channel-block
        pruning of 1x1 convolutions (blocks of `pointwise_block` filters each
        keeping the `pointwise_keep` fraction of the groups of
        `pointwise_group` input channels, where that saves at least
        `pointwise_min_saving` multiply-adds per gathered input), for the
        convolutions with at least `min_filters` filters; `report_file` gets
        the per-layer report as JSON."""
        return self.add("braze-prune-patterns", patterns=patterns, taps=taps,
                        library=list(library) if library else None,
                        connectivity=connectivity, min_filters=min_filters,
                        pointwise_keep=pointwise_keep, pointwise_block=pointwise_block,
                        pointwise_group=pointwise_group,
                        pointwise_min_saving=pointwise_min_saving,
                        report_file=report_file)

    def select_layout(self, target: str | None = None) -> Pipeline:
        """--braze-select-layout: one storage layout per region (SmartMem);
        channels-last (cpu) or channel-blocked NC4HW4 (gpu) where convolutions
        work. Runs on each function."""
        return self.nest(Pipeline("func.func").add("braze-select-layout", target=target))

    def fuse(self, *, oracle: str | None = None, profile_db: str | None = None,
             plan_file: str | None = None, remarks: bool | None = None,
             codegen: str | None = None) -> Pipeline:
        """--braze-fuse: DNNFusion's fusion plan as braze.fused groups. `oracle`
        judges the table's profile cells: "cost" (cost model, the default) or
        "profile" (IREE timings from the JSON `profile_db`, which `braze
        profile-fusion` fills); `plan_file` receives the plan as JSON;
        `codegen` ("cpu", the default, or "gpu": Target.codegen) says whether
        groups IREE would split get dispatch regions (cpu only)."""
        return self.add("braze-fuse", oracle=oracle, profile_db=profile_db,
                        plan_file=plan_file, remarks=remarks, codegen=codegen)

    def outline_fused_groups(self) -> Pipeline:
        """--braze-outline-fused-groups: one function per fused group, to count
        the dispatches IREE makes of each (braze.fusion.group_dispatches)."""
        return self.add("braze-outline-fused-groups")

    def lower_to_linalg(self, codegen: str | None = None) -> Pipeline:
        """--braze-lower-to-linalg: braze -> linalg/tensor/arith/math for IREE,
        in forms chosen for IREE's `codegen` ("cpu", the default, or "gpu")."""
        return self.add("braze-lower-to-linalg", codegen=codegen)

    def tile_contractions(self, *, vector_lanes: int | None = None) -> Pipeline:
        """--braze-tile-contractions: IREE CPU tile sizes of whole
        `vector_lanes`-lane vectors for matrix products whose default column
        tiles would split them (runs on linalg, after lower_to_linalg)."""
        return self.add("braze-tile-contractions", vector_lanes=vector_lanes)

    # -- upstream passes braze pipelines use -----------------------------------

    def canonicalize(self, **options: OptionValue | None) -> Pipeline:
        return self.add("canonicalize", **options)

    def cse(self) -> Pipeline:
        return self.add("cse")

    # -- text and execution -----------------------------------------------------

    def __str__(self) -> str:
        return f"{self.anchor}({','.join(self._entries)})"

    def __repr__(self) -> str:
        return f"Pipeline({str(self)!r})"

    def run(self, module: ir.Module) -> ir.Module:
        """Runs the pipeline on `module` in place and returns it.

        Raises PipelineError when the text does not parse (unknown pass or
        option) and `mlir.ir.MLIRError`, with the diagnostics, when a pass or
        the verifier fails."""
        try:
            manager = PassManager.parse(str(self), context=module.context)
        except (ValueError, ir.MLIRError) as error:
            raise PipelineError(f"invalid pass pipeline '{self}': {error}") from None
        manager.run(module.operation)
        return module


def lowering(codegen: str = "cpu", vector_lanes: int | None = None) -> Pipeline:
    """braze -> linalg for IREE, as braze.compile runs it for a target whose
    code generator is `codegen` (Target.codegen); for a CPU target with
    `vector_lanes` f32 lanes (Target.vector_lanes), matrix products get tiles
    of whole vectors."""
    pipeline = Pipeline().lower_to_linalg(codegen).canonicalize().cse()
    return pipeline.tile_contractions(vector_lanes=vector_lanes) if vector_lanes else pipeline
