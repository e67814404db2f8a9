"""Pattern sparsity end to end: --braze-prune-patterns, the sparse lowering,
the report and the CLI.

The sparse lowering's reference is the same pruned IR lowered densely (the
kernel_patterns attribute removed: the filters hold the pruned zeros), run
on the same target: host, arm64 under qemu, and vulkan-llvmpipe (lavapipe).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import mlir.ir as ir

import braze
from braze import runtime
from braze.backend import compile_to_vmfb
from braze.frontend import import_model
from braze.pipeline import lowering
from braze.runtime import RunError
from braze.sparsity import SparsityOptions, SparsityReport, compare_outputs


def relu_stack(layers, *, seed: int, input_shape, output_shape, pool_after: int | None = None):
    """An ONNX model of convolutions (channels, filters, kernel, stride), same
    padding, seeded weights and biases, a relu after all but the last and a
    2x2 max pool after layer `pool_after`."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    nodes, weights, value = [], [], "x"
    for index, (channels, filters, kernel, stride) in enumerate(layers):
        weights += [numpy_helper.from_array(
                        rng.standard_normal((filters, channels, kernel, kernel))
                        .astype(np.float32), f"w{index}"),
                    numpy_helper.from_array(rng.standard_normal(filters).astype(np.float32),
                                            f"b{index}")]
        nodes.append(helper.make_node("Conv", [value, f"w{index}", f"b{index}"], [f"c{index}"],
                                      name=f"conv{index}", kernel_shape=[kernel, kernel],
                                      pads=[kernel // 2] * 4, strides=[stride, stride]))
        value = f"c{index}"
        if index < len(layers) - 1:
            nodes.append(helper.make_node("Relu", [value], [f"r{index}"], name=f"relu{index}"))
            value = f"r{index}"
        if index == pool_after:
            nodes.append(helper.make_node("MaxPool", [value], ["p"], name="pool",
                                          kernel_shape=[2, 2], strides=[2, 2]))
            value = "p"
    graph = helper.make_graph(
        nodes, "main", [helper.make_tensor_value_info("x", TensorProto.FLOAT, input_shape)],
        [helper.make_tensor_value_info(value, TensorProto.FLOAT, output_shape)], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model


def conv_stack():
    """conv 3x3 8->16, relu, max pool, conv 3x3 16->16, relu, conv 3x3 16->16 stride 2."""
    return relu_stack([(8, 16, 3, 1), (16, 16, 3, 1), (16, 16, 3, 2)], seed=7,
                      input_shape=[1, 8, 12, 12], output_shape=[1, 16, 3, 3], pool_after=0)


def mixed_stack():
    """conv 1x1 16->32, relu, conv 3x3 32->32, relu, conv 1x1 32->32 stride 2:
    channel blocks around a pattern layer that reorders the first one."""
    return relu_stack([(16, 32, 1, 1), (32, 32, 3, 1), (32, 32, 1, 2)], seed=11,
                      input_shape=[1, 16, 12, 12], output_shape=[1, 32, 6, 6])


STACK_INPUT = np.random.default_rng(8).standard_normal((1, 8, 12, 12)).astype(np.float32)
MIXED_INPUT = np.random.default_rng(12).standard_normal((1, 16, 12, 12)).astype(np.float32)
PRUNING = SparsityOptions(patterns=4, taps=4, connectivity=0.25, min_filters=1)
# Blocks of 8 filters keeping 1 of 2 (conv0) and 2 of 4 (conv2) groups of 8 channels.
BLOCK_PRUNING = SparsityOptions(patterns=4, taps=4, min_filters=1, pointwise_keep=0.5,
                                pointwise_block=8, pointwise_group=8, pointwise_min_saving=0)
SPARSE_ATTRIBUTES = ("kernel_patterns", "channel_blocks")


def pruned_braze_ir(layout_policy: str, tmp_path, model=conv_stack,
                    options: SparsityOptions = PRUNING) -> str:
    """`model` imported, pruned (report in tmp_path) and laid out, as text."""
    with ir.Context() as context:
        context.allow_unregistered_dialects = True
        module = import_model(model(), None)
        options.apply(braze.Pipeline().fold_batch_norm(), tmp_path / "sparsity.json") \
            .select_layout(layout_policy).canonicalize().cse().run(module)
        return str(module)


def lower(text: str, *, sparse: bool) -> str:
    with ir.Context() as context:
        context.allow_unregistered_dialects = True
        module = ir.Module.parse(text)
        if not sparse:
            def strip(op):
                if op.name == "braze.conv2d":
                    for name in SPARSE_ATTRIBUTES:
                        if name in op.attributes:
                            del op.attributes[name]
                return ir.WalkResult.ADVANCE
            module.operation.walk(strip)
        lowering().run(module)
        return str(module)


def run_lowered(text: str, target: str, image: np.ndarray) -> list[np.ndarray]:
    try:
        return runtime.run(compile_to_vmfb(text, target), [image], target=target)
    except RunError as error:
        if str(error).startswith(("no Vulkan device", "cannot run")):
            pytest.skip(str(error))
        raise


# (model, options, input, {attribute: convolutions carrying it})
STACKS = {
    # conv0 reads the model input: it has no producer to reorder
    "patterns": (conv_stack, PRUNING, STACK_INPUT, {"kernel_patterns": 2}),
    "patterns-and-channel-blocks": (mixed_stack, BLOCK_PRUNING, MIXED_INPUT,
                                    {"kernel_patterns": 1, "channel_blocks": 2}),
}


# vulkan-llvmpipe takes the cpu layout policy: the sparse lowering is for
# channels-last images (the gpu policy's blocked images lower densely).
@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("target", ["host", "arm64-linux", "vulkan-llvmpipe"])
def test_sparse_lowering_equals_dense_with_pruned_weights(target, stack, tmp_path):
    model, options, image, attributes = STACKS[stack]
    pruned = pruned_braze_ir("cpu", tmp_path, model, options)
    for name in SPARSE_ATTRIBUTES:
        assert pruned.count(f"#braze.{name}<") == attributes.get(name, 0)
    sparse_linalg, dense_linalg = lower(pruned, sparse=True), lower(pruned, sparse=False)
    assert "tensor.concat" in sparse_linalg and "tensor.concat" not in dense_linalg
    sparse = run_lowered(sparse_linalg, target, image)
    dense = run_lowered(dense_linalg, target, image)
    scale = float(np.abs(dense[0]).max())
    np.testing.assert_allclose(sparse[0], dense[0], rtol=0, atol=1e-5 * scale)


def test_channel_blocks_keep_half_of_each_block_and_report_it():
    original = braze.compile(mixed_stack(), "host").run([MIXED_INPUT])
    artifact = braze.compile(mixed_stack(), "host", sparsity=BLOCK_PRUNING)
    report = artifact.report.sparsity
    assert [layer.structure for layer in report.layers] == \
        ["channel blocks", "patterns", "channel blocks"]
    for layer in (report.layers[0], report.layers[2]):
        assert layer.kept_groups_per_block == layer.filter_shape[1] // 8 // 2
        assert layer.kept_weights == pytest.approx(0.5)
        assert 0 < layer.relative_output_change < 1
    assert "| conv2 | 32x32x1x1 | sparse (channel blocks) | 50.0% |" in report.table()
    assert report.summary().startswith(
        "pattern sparsity: 3 of 3 convolutions sparse (3x3: 4-of-9 taps, 4 patterns; "
        "1x1: 2 in channel blocks); they keep")
    drift = compare_outputs("mixed", [original], [artifact.run([MIXED_INPUT])])
    assert drift.max_relative_error > 1e-3


def test_channel_blocks_stay_dense_where_gathering_costs_more():
    options = SparsityOptions(min_filters=1, pointwise_keep=0.5, pointwise_block=8,
                              pointwise_group=8)
    artifact = braze.compile(mixed_stack(), "host", sparsity=options)
    layers = artifact.report.sparsity.layers
    assert [layer.decision for layer in layers] == ["dense", "sparse", "dense"]
    assert ("keeping 2 of 4 groups in blocks of 8 saves 8.0 multiply-adds per gathered "
            "input, fewer than pointwise-min-saving=64") in layers[2].reason
    assert "channel_blocks" not in artifact.stages["braze"]


def test_pruning_changes_the_model_and_the_report_says_how_much(tmp_path):
    original = braze.compile(conv_stack(), "host").run([STACK_INPUT])
    artifact = braze.compile(conv_stack(), "host", sparsity=PRUNING)
    pruned = artifact.run([STACK_INPUT])
    report = artifact.report.sparsity
    assert [layer.decision for layer in report.layers] == ["dense", "sparse", "sparse"]
    assert "the input is a function argument" in report.layers[0].reason
    assert len(report.library) == 4 and all(mask[4] == "1" for mask in report.library)
    for layer in report.sparse_layers:
        channels = layer.filter_shape[1]
        assert layer.pruned_channels == int(0.25 * channels)
        assert sum(layer.pattern_channels.values()) == channels - layer.pruned_channels
        # 4 of 9 taps in the kept channels
        assert layer.kept_weights == pytest.approx(4 / 9 * (channels - layer.pruned_channels)
                                                   / channels)
        assert 0 < layer.relative_output_change < 1
    drift = compare_outputs("stack", [original], [pruned])
    assert drift.max_relative_error > 1e-3  # pruning without retraining moves the outputs
    assert "2 of 3 convolutions sparse" in artifact.report.summary()


def test_min_filters_keeps_small_layers_dense():
    artifact = braze.compile(conv_stack(), "host",
                             sparsity=SparsityOptions(min_filters=32))
    layers = artifact.report.sparsity.layers
    assert [layer.decision for layer in layers] == ["dense"] * 3
    assert "16 filters, fewer than min-filters=32" in layers[0].reason
    assert "kernel_patterns" not in artifact.stages["braze"]


def test_given_library_is_used(tmp_path):
    library = ("010111000", "000111010")
    artifact = braze.compile(conv_stack(), "host",
                             sparsity=SparsityOptions(library=library, min_filters=1))
    assert artifact.report.sparsity.library == list(library)
    for layer in artifact.report.sparsity.layers:
        assert set(layer.pattern_channels) <= set(library)


def test_fine_tuned_pattern_weights_lose_nothing():
    """Weights that already have 4-of-9 patterns (fine-tuned elsewhere): the
    library chosen from them is theirs and pruning changes no output."""
    import onnx
    from onnx import numpy_helper

    model = conv_stack()
    masks = [np.array([int(c) for c in m], bool).reshape(3, 3)
             for m in ("010111000", "000111010", "010110010", "010011010")]
    rng = np.random.default_rng(9)
    for init in model.graph.initializer:
        if init.name.startswith("w"):
            weights = numpy_helper.to_array(init).copy()
            for channel in range(weights.shape[1]):
                weights[:, channel] *= masks[rng.integers(len(masks))]
            init.CopyFrom(numpy_helper.from_array(weights, init.name))
    original = braze.compile(model, "host").run([STACK_INPUT])
    artifact = braze.compile(model, "host", sparsity=SparsityOptions(min_filters=1))
    assert all(layer.relative_output_change < 1e-6 for layer in artifact.report.sparsity.layers)
    drift = compare_outputs("fine-tuned", [original], [artifact.run([STACK_INPUT])])
    assert drift.max_relative_error < 1e-5


def test_report_round_trips_through_json(tmp_path):
    pruned_braze_ir("cpu", tmp_path)
    data = json.loads((tmp_path / "sparsity.json").read_text())
    report = SparsityReport.load(tmp_path / "sparsity.json")
    assert [layer.name for layer in report.layers] == [layer["name"] for layer in data["layers"]]
    assert report.layers[0].name == "conv0"
    assert "| conv0 | 16x8x3x3 | dense | 100% | 0 | input channels cannot be reordered" \
        in report.table()


def test_cli_compile_prunes_and_rejects_bad_masks(braze_cli, tmp_path):
    import onnx

    path = tmp_path / "stack.onnx"
    onnx.save(conv_stack(), str(path))
    result = braze_cli("compile", str(path), "-o", str(tmp_path / "s.vmfb"), "--prune-patterns",
                       "--sparse-min-filters", "1", "--patterns", "4")
    assert result.returncode == 0, result.stderr
    assert "2 of 3 convolutions sparse" in result.stderr
    assert "| conv1 | 16x16x3x3 | sparse (patterns) |" in result.stderr
    bad = braze_cli("compile", str(path), "--prune-patterns", "--pattern-library", "01011100")
    assert bad.returncode == 1
    assert "--pattern-library: '01011100' is not a 9-character row-major mask" in bad.stderr
    taps = braze_cli("compile", str(path), "--prune-patterns", "--pattern-library", "011111000")
    assert "keeps 5 taps, not --pattern-taps 4" in taps.stderr
    keep = braze_cli("compile", str(path), "--prune-patterns", "--pointwise-keep", "0")
    assert keep.returncode == 1
    assert "--pointwise-keep must be in (0, 1], got 0.0" in keep.stderr
    none = braze_cli("compile", str(path), "--prune-patterns", "--optimize", "none")
    assert "--prune-patterns needs --optimize layout or all" in none.stderr


def test_cli_compile_prunes_channel_blocks(braze_cli, tmp_path):
    import onnx

    path = tmp_path / "mixed.onnx"
    onnx.save(mixed_stack(), str(path))
    result = braze_cli("compile", str(path), "-o", str(tmp_path / "m.vmfb"), "--prune-patterns",
                       "--sparse-min-filters", "1", "--pointwise-keep", "0.5",
                       "--pointwise-block", "8", "--pointwise-group", "8",
                       "--pointwise-min-saving", "0")
    assert result.returncode == 0, result.stderr
    assert "| conv0 | 32x16x1x1 | sparse (channel blocks) | 50.0% |" in result.stderr


def test_cli_sparsity_reports_layers_and_drift(braze_cli, tmp_path):
    import onnx

    path = tmp_path / "stack.onnx"
    onnx.save(conv_stack(), str(path))
    result = braze_cli("sparsity", f"{path}", "--sparse-min-filters", "1", "--samples", "2",
                       "-q")
    assert result.returncode == 0, result.stderr
    assert "| conv2 | 16x16x3x3 | sparse (patterns) |" in result.stdout
    assert "2 seeded inputs, relative output error max" in result.stdout


@pytest.mark.parametrize("kernel", [3, 1])
def test_benchmark_stacks_build(kernel):
    from braze.bench.sparsity import VGG_LAYERS, conv_stack as benchmark_stack

    model = benchmark_stack(kernel=kernel, size=16)
    convs = [node for node in model.graph.node if node.op_type == "Conv"]
    assert len(convs) == len(VGG_LAYERS)
    shapes = [next(a.ints for a in node.attribute if a.name == "kernel_shape") for node in convs]
    assert all(list(shape) == [kernel, kernel] for shape in shapes)
