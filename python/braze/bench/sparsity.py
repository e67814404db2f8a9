"""`braze bench-sparsity`: what pattern sparsity buys and costs, in one run.

Speed: a VGG-style stack of 3x3 convolutions (built here, seeded weights;
the dev models are MobileNet-like, almost without dense 3x3 convolutions)
compiled by braze dense and with --braze-prune-patterns at the given
setting; with --pointwise-keep below 1, also the same stack with 1x1
convolutions for the channel blocks. The whole model is timed
(iree-benchmark-module, 1 thread, median) and profiled per dispatch (IREE
host-execution profiling); the pruned layers' time is the time of the
dispatches that differ between the two compiles (the dispatches the two
share, the unpruned layers and pools, are the same work). Dense braze
compiles the unpruned weights: a dense convolution costs the same whatever
its weights hold.

Accuracy: for the stacks and every dev model, the per-layer report (which
layers went sparse, kept weights, relative output change) and the output
drift against the dense model on seeded inputs.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..sparsity import (OutputDrift, SparsityOptions, SparsityReport, drift_between,
                        output_drift)

# The stacks' kernel sizes: 3x3 for the patterns, 1x1 for the channel blocks.
STACKS = {"vgg-stack": 3, "pointwise-stack": 1}
# (filters, pool after): convolutions with relu, stride 1, same padding, on a 56x56 input.
VGG_LAYERS = [(64, False), (128, False), (128, True), (256, False), (256, True),
              (512, False), (512, False)]


def conv_stack(*, kernel: int = 3, size: int = 56, seed: int = 0):
    """A VGG-style classifier of kernel x kernel convolutions as an
    onnx.ModelProto (He-initialised)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    nodes, initializers = [], []
    channels, value = 3, "image"
    pad = kernel // 2
    for index, (filters, pool) in enumerate(VGG_LAYERS):
        weight = (rng.standard_normal((filters, channels, kernel, kernel))
                  * np.sqrt(2.0 / (kernel * kernel * channels)))
        bias = rng.standard_normal(filters) * 0.01
        initializers += [numpy_helper.from_array(weight.astype(np.float32), f"conv{index}.w"),
                         numpy_helper.from_array(bias.astype(np.float32), f"conv{index}.b")]
        nodes.append(helper.make_node("Conv", [value, f"conv{index}.w", f"conv{index}.b"],
                                      [f"conv{index}"], name=f"conv{index}",
                                      kernel_shape=[kernel, kernel], pads=[pad] * 4))
        nodes.append(helper.make_node("Relu", [f"conv{index}"], [f"relu{index}"],
                                      name=f"relu{index}"))
        value = f"relu{index}"
        if pool:
            nodes.append(helper.make_node("MaxPool", [value], [f"pool{index}"],
                                          name=f"pool{index}", kernel_shape=[2, 2],
                                          strides=[2, 2]))
            value = f"pool{index}"
        channels = filters
    classes = 10
    initializers += [
        numpy_helper.from_array(
            (rng.standard_normal((channels, classes)) / np.sqrt(channels)).astype(np.float32),
            "fc.w"),
        numpy_helper.from_array(np.zeros(classes, np.float32), "fc.b")]
    nodes += [helper.make_node("GlobalAveragePool", [value], ["gap"], name="gap"),
              helper.make_node("Flatten", ["gap"], ["flat"], name="flatten"),
              helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], name="fc")]
    graph = helper.make_graph(
        nodes, "main",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, classes])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model


@dataclass
class SpeedResult:
    stack: str  # a key of STACKS
    dense_ms: float  # whole model, median
    sparse_ms: float
    dense_layers_ms: float  # the pruned layers' dispatches, per call
    sparse_layers_ms: float
    report: SparsityReport
    drift: OutputDrift

    def table(self) -> str:
        kernel = STACKS[self.stack]
        return "\n".join([
            f"| {self.stack} (1 thread, host) | dense braze ms | sparse braze ms | speed-up |",
            "|---|---|---|---|",
            f"| pruned {kernel}x{kernel} layers ({len(self.report.sparse_layers)}) | "
            f"{self.dense_layers_ms:.2f} | {self.sparse_layers_ms:.2f} | "
            f"{self.dense_layers_ms / self.sparse_layers_ms:.2f}x |",
            f"| whole model | {self.dense_ms:.2f} | {self.sparse_ms:.2f} | "
            f"{self.dense_ms / self.sparse_ms:.2f}x |"])


def _dispatch_signature(name: str) -> str:
    """A dispatch's work without its position: main_dispatch_7_conv_... -> conv_..."""
    return re.sub(r"^.*?_dispatch_\d+_?", "", name)


def measure_speed(options: SparsityOptions, stack: str = "vgg-stack", *, repeats: int = 20,
                  progress: Callable[[str], None] = lambda message: None) -> SpeedResult:
    import onnx

    from .. import profile
    from ..compiler import compile as compile_model
    from ..runtime import benchmark
    from .manifest import parse_user_model
    from .systems import fixed_shape_model

    with tempfile.TemporaryDirectory(prefix="braze-sparsity-") as scratch:
        path = Path(scratch, f"{stack}.onnx")
        onnx.save(conv_stack(kernel=STACKS[stack]), str(path))
        bench_model = parse_user_model(str(path))
        model, prepared = fixed_shape_model(bench_model)
    progress(f"{stack}: compiling dense and pruned")
    dense = compile_model(model, "host", optimize="all")
    pruned = compile_model(model, "host", optimize="all", sparsity=options)
    image = np.random.default_rng(1).standard_normal((1, 3, 56, 56)).astype(np.float32)
    timings, profiles = {}, {}
    for label, artifact in (("dense", dense), ("sparse", pruned)):
        progress(f"{stack}: timing {label}")
        timings[label] = benchmark(artifact.vmfb, [image], device="local-sync",
                                   repeats=repeats)["median_ms"]
        profiles[label] = profile.profile_module(artifact.vmfb, [image], runs=repeats,
                                                 device="local-sync")
    shared = ({_dispatch_signature(d.name) for d in profiles["dense"].dispatches}
              & {_dispatch_signature(d.name) for d in profiles["sparse"].dispatches})
    layers = {label: sum(d.total_ms for d in result.dispatches
                         if _dispatch_signature(d.name) not in shared)
              for label, result in profiles.items()}
    progress(f"{stack}: output drift")
    drift = drift_between(bench_model, prepared, dense, pruned)
    return SpeedResult(stack, timings["dense"], timings["sparse"], layers["dense"],
                       layers["sparse"], pruned.report.sparsity, drift)


def run_benchmark(options: SparsityOptions, *, models: list[str] | None = None,
                  repeats: int = 20,
                  progress: Callable[[str], None] = lambda message: None) -> str:
    """The speed table and every model's accuracy report, as markdown."""
    from ..models import MODELS, installed

    stacks = ["vgg-stack"] + (["pointwise-stack"] if options.pointwise_keep < 1.0 else [])
    speeds = [measure_speed(options, stack, repeats=repeats, progress=progress)
              for stack in stacks]
    sections = [f"# Pattern sparsity ({options.describe()})", ""]
    for speed in speeds:
        sections += [speed.table(), ""]
    for speed in speeds:
        sections += [f"## {speed.stack}", "", speed.report.summary(), "",
                     speed.report.table(), "", speed.drift.summary(), ""]
    for name in models or [name for name in MODELS if installed(name)]:
        progress(f"{name}: output drift")
        drift = output_drift(name, options)
        sections += [f"## {name}", "", drift.report.summary(), "", drift.report.table(), "",
                     drift.summary(), ""]
    return "\n".join(sections)
