"""Pattern sparsity (PatDNN): what --braze-prune-patterns did, and what it costs.

    import braze
    from braze.sparsity import SparsityOptions, output_drift
    artifact = braze.compile("model.onnx", sparsity=SparsityOptions())
    print(artifact.report.sparsity.table())   # per layer: sparse or dense and why,
                                              # kept weights, relative output change
    print(output_drift(model, SparsityOptions()).summary())  # against the dense model

Pruning without retraining costs accuracy, and the user must see how much:
per layer the kept-weight ratio and the relative output change on i.i.d.
inputs (||W - W_pruned|| / ||W||), per model the drift of the outputs against
the dense model on seeded inputs.

Weights fine-tuned elsewhere (with pattern pruning in training) load like
any ONNX model: the masks their kernels already have are then the most
frequent ones, so the library chosen from the weights is theirs and the
report shows a (near-)zero output change; `library=` fixes the masks used in
training when they should not be re-chosen.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .pipeline import Pipeline


@dataclass(frozen=True)
class SparsityOptions:
    """--braze-prune-patterns' options (see Pipeline.prune_patterns)."""

    patterns: int = 8
    taps: int = 4
    library: tuple[str, ...] = ()
    connectivity: float = 0.0
    min_filters: int = 128
    pointwise_keep: float = 1.0  # 1: 1x1 convolutions stay dense
    pointwise_block: int = 64
    pointwise_group: int = 16
    pointwise_min_saving: int = 64

    def apply(self, pipeline: Pipeline, report_file: str | os.PathLike) -> Pipeline:
        return pipeline.prune_patterns(patterns=self.patterns, taps=self.taps,
                                       library=self.library, connectivity=self.connectivity,
                                       min_filters=self.min_filters,
                                       pointwise_keep=self.pointwise_keep,
                                       pointwise_block=self.pointwise_block,
                                       pointwise_group=self.pointwise_group,
                                       pointwise_min_saving=self.pointwise_min_saving,
                                       report_file=str(report_file))

    def describe(self) -> str:
        library = f"library {','.join(self.library)}" if self.library else \
            f"{self.patterns} patterns from the weights"
        text = (f"{self.taps}-of-9 taps, {library}, connectivity {self.connectivity:g}, "
                f"min-filters {self.min_filters}")
        if self.pointwise_keep < 1.0:
            text += (f"; 1x1: blocks of {self.pointwise_block} filters keep "
                     f"{self.pointwise_keep:g} of the groups of {self.pointwise_group} "
                     f"channels")
        return text


@dataclass
class LayerSparsity:
    """One convolution's row of the pruning report."""

    name: str
    filter_shape: list[int]
    decision: str  # "sparse" or "dense"
    reason: str  # why dense ("" when sparse)
    kept_weights: float
    relative_output_change: float
    pruned_channels: int
    pattern_channels: dict[str, int] = field(default_factory=dict)
    kept_groups_per_block: int = 0  # a channel-blocked 1x1 convolution's

    @property
    def structure(self) -> str:
        """How a sparse layer is sparse: kernel patterns or channel blocks."""
        if self.decision != "sparse":
            return "dense"
        return "channel blocks" if self.kept_groups_per_block else "patterns"


@dataclass
class SparsityReport:
    """The JSON --braze-prune-patterns writes with report-file=."""

    library: list[str]
    taps: int
    connectivity: float
    layers: list[LayerSparsity]

    @classmethod
    def load(cls, path: str | os.PathLike) -> SparsityReport:
        data = json.loads(Path(path).read_text())
        return cls(data["library"], data["taps"], data["connectivity"],
                   [LayerSparsity(**layer) for layer in data["layers"]])

    @property
    def sparse_layers(self) -> list[LayerSparsity]:
        return [layer for layer in self.layers if layer.decision == "sparse"]

    def summary(self) -> str:
        sparse = self.sparse_layers
        blocked = sum(layer.structure == "channel blocks" for layer in sparse)
        kinds = []
        if len(sparse) > blocked:
            kinds.append(f"3x3: {self.taps}-of-9 taps, {len(self.library)} patterns")
        if blocked:
            kinds.append(f"1x1: {blocked} in channel blocks")
        line = (f"pattern sparsity: {len(sparse)} of {len(self.layers)} convolutions sparse"
                + (f" ({'; '.join(kinds)})" if kinds else ""))
        if sparse:
            kept = sum(layer.kept_weights * np.prod(layer.filter_shape) for layer in sparse)
            total = sum(np.prod(layer.filter_shape) for layer in sparse)
            worst = max(layer.relative_output_change for layer in sparse)
            line += (f"; they keep {kept / total:.1%} of their weights, largest relative "
                     f"output change {worst:.3f}")
        return line

    def table(self) -> str:
        """Markdown: every convolution, sparse or dense and why."""
        rows = ["| layer | filter | lowering | kept weights | rel. output change | why dense |",
                "|---|---|---|---|---|---|"]
        for layer in self.layers:
            shape = "x".join(map(str, layer.filter_shape))
            if layer.decision == "sparse":
                rows.append(f"| {layer.name} | {shape} | sparse ({layer.structure}) | "
                            f"{layer.kept_weights:.1%} | {layer.relative_output_change:.3f} | |")
            else:
                rows.append(f"| {layer.name} | {shape} | dense | 100% | 0 | {layer.reason} |")
        return "\n".join(rows)


@dataclass
class OutputDrift:
    """Outputs of the pruned model against the dense one on seeded inputs.

    Relative error of a sample's output: max |pruned - dense| / max |dense|.
    Argmax agreement: the fraction of positions whose argmax over the last
    axis is the same (classifier labels, recogniser characters), for outputs
    of rank 2 or more."""

    model: str
    samples: int
    max_relative_error: float
    mean_relative_error: float
    argmax_agreement: float | None
    report: SparsityReport | None = None  # what the pruned compile pruned

    def summary(self) -> str:
        agreement = ("n/a" if self.argmax_agreement is None
                     else f"{self.argmax_agreement:.1%}")
        return (f"{self.model}: {self.samples} seeded inputs, relative output error max "
                f"{self.max_relative_error:.4f} mean {self.mean_relative_error:.4f}, "
                f"argmax agreement {agreement}")


def compare_outputs(model: str, dense: Sequence[Sequence[np.ndarray]],
                    pruned: Sequence[Sequence[np.ndarray]]) -> OutputDrift:
    """OutputDrift from per-sample output lists of the dense and pruned model."""
    errors, agree, positions = [], 0, 0
    for dense_outputs, pruned_outputs in zip(dense, pruned):
        for reference, value in zip(dense_outputs, pruned_outputs):
            reference = np.asarray(reference, dtype=np.float64)
            value = np.asarray(value, dtype=np.float64)
            scale = np.max(np.abs(reference)) or 1.0
            errors.append(float(np.max(np.abs(value - reference)) / scale))
            if reference.ndim >= 2 and reference.shape[-1] > 1:
                same = np.argmax(reference, axis=-1) == np.argmax(value, axis=-1)
                agree += int(same.sum())
                positions += same.size
    return OutputDrift(model, len(dense), max(errors), float(np.mean(errors)),
                       agree / positions if positions else None)


def output_drift(model: str, options: SparsityOptions = SparsityOptions(), *,
                 samples: int = 4, target: str = "host") -> OutputDrift:
    """Compiles `model` (a dev model name or PATH.onnx[:NAME=D0,...]) dense and
    pruned, runs both on `samples` seeded inputs of the model's kind (pages,
    text lines, or noise) and compares their outputs."""
    from .bench.manifest import dev_model, parse_user_model
    from .bench.systems import fixed_shape_model
    from .compiler import compile as compile_model
    from .models import MODELS

    bench_model = dev_model(model) if model in MODELS else parse_user_model(model)
    proto, prepared = fixed_shape_model(bench_model)
    dense = compile_model(proto, target, optimize="all")
    pruned = compile_model(proto, target, optimize="all", sparsity=options)
    return drift_between(bench_model, prepared, dense, pruned, samples=samples)


def drift_between(bench_model, prepared, dense, pruned, *, samples: int = 4) -> OutputDrift:
    """OutputDrift of two compiles (braze Artifacts) of a benchmark model
    (braze.bench.manifest.BenchModel, with its fixed shapes in `prepared`)."""
    from .bench import inputs as bench_inputs

    dense_outputs, pruned_outputs = [], []
    for sample in range(samples):
        arrays = bench_inputs.make_inputs(
            bench_model.input_kind, prepared.input_shapes, prepared.input_dtypes,
            seed=bench_inputs.seed_for(bench_model.name) + sample,
            normalisation=bench_model.normalisation)
        ordered = [arrays[name] for name in dense.input_names]
        dense_outputs.append(dense.run(ordered))
        pruned_outputs.append(pruned.run(ordered))
    drift = compare_outputs(bench_model.name, dense_outputs, pruned_outputs)
    drift.report = pruned.report.sparsity
    return drift
