"""Layout selection changes storage, never values: differential tests.

Each program runs in logical order and with its images stored channels-last
(NHWC) or channel-blocked (NC4HW4, the gpu policy); outputs must agree within
f32 reassociation noise (1e-4 of the output's magnitude).
"""

import re

import numpy as np
import pytest

import mlir.ir as ir

import braze
from braze import models, runtime
from braze.backend import compile_to_vmfb
from braze.runtime import RunError

# Every layout-aware lowering on one path: strided, depthwise, grouped and
# transposed convolutions, batch norm, a broadcast bias, pooling with
# ceil_mode, reductions with and without keepdims, a gate multiply, concat,
# a 2x2-stride-2 transposed convolution (each pixel its own output block:
# a 1x1 convolution and a depth-to-space when channels-last), nearest and
# linear resizes (an FPN's upsampling), and a convolution over a concat only
# it reads (channels-last: one convolution per part, accumulating). Its 8
# channels fill whole blocks of 4.
PROGRAM = """
func.func @main(%x: tensor<1x8x9x9xf32>, %w: tensor<8x8x3x3xf32>, %dw: tensor<8x1x3x3xf32>,
                %gw: tensor<8x4x1x1xf32>, %b: tensor<8xf32>, %c: tensor<8x1x1xf32>,
                %tw: tensor<8x4x3x3xf32>, %uw: tensor<8x4x2x2xf32>, %ub: tensor<4xf32>,
                %cw: tensor<8x16x3x3xf32>)
    -> (tensor<1x16x5x5xf32>, tensor<1x8x1x1xf32>, tensor<1x8xf32>, tensor<1x4x10x10xf32>,
        tensor<1x4x10x10xf32>, tensor<1x8x10x10xf32>, tensor<1x8x7x9xf32>,
        tensor<1x8x5x5xf32>) {
  %a = ENTER(%x, 1x8x9x9)
  %0 = braze.conv2d %a, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
      : (T<1x8x9x9>, tensor<8x8x3x3xf32>, tensor<8xf32>) -> T<1x8x5x5>
  %1 = braze.batch_norm %0, %b, %b, %b, %b {epsilon = 1.0 : f32}
      : (T<1x8x5x5>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> T<1x8x5x5>
  %2 = braze.hard_swish %1 : T<1x8x5x5>
  %3 = braze.add %2, %c : (T<1x8x5x5>, tensor<8x1x1xf32>) -> T<1x8x5x5>
  %4 = braze.conv2d %3, %dw {pads = array<i64: 1, 1, 1, 1>, group = 8} : (T<1x8x5x5>, tensor<8x1x3x3xf32>) -> T<1x8x5x5>
  %5 = braze.conv2d %4, %gw {group = 2} : (T<1x8x5x5>, tensor<8x4x1x1xf32>) -> T<1x8x5x5>
  %6 = braze.pool2d avg %5 kernel = [3, 3] {pads = array<i64: 1, 1, 1, 1>, ceil_mode = true} : T<1x8x5x5> -> T<1x8x5x5>
  %7 = braze.reduce mean %6 axes = [2, 3] : T<1x8x5x5> -> T<1x8x1x1>
  %8 = braze.mul %6, %7 : (T<1x8x5x5>, T<1x8x1x1>) -> T<1x8x5x5>
  %9 = braze.concat %8, %6 axis = 1 : (T<1x8x5x5>, T<1x8x5x5>) -> T<1x16x5x5>
  %10 = braze.reduce max %6 axes = [2, 3] {keepdims = false} : T<1x8x5x5> -> tensor<1x8xf32>
  %11 = braze.conv_transpose2d %6, %tw {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>}
      : (T<1x8x5x5>, tensor<8x4x3x3xf32>) -> T<1x4x10x10>
  %12 = braze.conv_transpose2d %6, %uw, %ub {strides = array<i64: 2, 2>}
      : (T<1x8x5x5>, tensor<8x4x2x2xf32>, tensor<4xf32>) -> T<1x4x10x10>
  %13 = braze.resize nearest %6 coordinates = asymmetric rounding = floor : T<1x8x5x5> -> T<1x8x10x10>
  %14 = braze.resize linear %8 coordinates = half_pixel : T<1x8x5x5> -> T<1x8x7x9>
  %15 = braze.concat %8, %4 axis = 1 : (T<1x8x5x5>, T<1x8x5x5>) -> T<1x16x5x5>
  %16 = braze.conv2d %15, %cw, %b {pads = array<i64: 1, 1, 1, 1>}
      : (T<1x16x5x5>, tensor<8x16x3x3xf32>, tensor<8xf32>) -> T<1x8x5x5>
  %r9 = LEAVE(%9, 1x16x5x5)
  %r7 = LEAVE(%7, 1x8x1x1)
  %r11 = LEAVE(%11, 1x4x10x10)
  %r12 = LEAVE(%12, 1x4x10x10)
  %r13 = LEAVE(%13, 1x8x10x10)
  %r14 = LEAVE(%14, 1x8x7x9)
  %r16 = LEAVE(%16, 1x8x5x5)
  return %r9, %r7, %10, %r11, %r12, %r13, %r14, %r16 : tensor<1x16x5x5xf32>,
      tensor<1x8x1x1xf32>, tensor<1x8xf32>, tensor<1x4x10x10xf32>, tensor<1x4x10x10xf32>,
      tensor<1x8x10x10xf32>, tensor<1x8x7x9xf32>, tensor<1x8x5x5xf32>
}
"""
SHAPES = [(1, 8, 9, 9), (8, 8, 3, 3), (8, 1, 3, 3), (8, 4, 1, 1), (8,), (8, 1, 1), (8, 4, 3, 3),
          (8, 4, 2, 2), (4,), (8, 16, 3, 3)]
POSITIVE = [4]  # the batch-norm variance

# Channel counts that leave padded lanes in the last block of 4 (3, 6, 5, 9):
# convolutions, a transposed one included, over padded input lanes, a concat
# whose last input ends in a partial block, a one-channel image broadcast over
# C, a reduction leaving the blocks, a linear resize of the partial block. The reciprocal leaves inf in its padded
# lanes (1 / 0): the convolutions after it must keep them out of real channels.
PADDED_PROGRAM = """
func.func @main(%x: tensor<1x3x9x9xf32>, %m: tensor<1x1x5x5xf32>, %w: tensor<6x3x3x3xf32>,
                %b: tensor<6xf32>, %v: tensor<6x1x1xf32>, %dw: tensor<6x1x3x3xf32>,
                %w2: tensor<5x6x1x1xf32>, %tw: tensor<6x4x3x3xf32>)
    -> (tensor<1x9x5x5xf32>, tensor<1x9xf32>, tensor<1x5x5x5xf32>, tensor<1x9x8x8xf32>) {
  %a = ENTER(%x, 1x3x9x9)
  %s = ENTER(%m, 1x1x5x5)
  %0 = braze.conv2d %a, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
      : (T<1x3x9x9>, tensor<6x3x3x3xf32>, tensor<6xf32>) -> T<1x6x5x5>
  %1 = braze.batch_norm %0, %b, %b, %b, %b
      : (T<1x6x5x5>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>) -> T<1x6x5x5>
  %2 = braze.hard_swish %1 : T<1x6x5x5>
  %3 = braze.conv2d %2, %dw {pads = array<i64: 1, 1, 1, 1>, group = 6} : (T<1x6x5x5>, tensor<6x1x3x3xf32>) -> T<1x6x5x5>
  %4 = braze.mul %3, %3 : (T<1x6x5x5>, T<1x6x5x5>) -> T<1x6x5x5>
  %5 = braze.add %4, %v : (T<1x6x5x5>, tensor<6x1x1xf32>) -> T<1x6x5x5>
  %6 = braze.reciprocal %5 : T<1x6x5x5>
  %7 = braze.conv2d %6, %w2 : (T<1x6x5x5>, tensor<5x6x1x1xf32>) -> T<1x5x5x5>
  %8 = braze.conv_transpose2d %6, %tw {pads = array<i64: 1, 1, 1, 1>} : (T<1x6x5x5>, tensor<6x4x3x3xf32>) -> T<1x4x5x5>
  %9 = braze.concat %8, %7 axis = 1 : (T<1x4x5x5>, T<1x5x5x5>) -> T<1x9x5x5>
  %10 = braze.pool2d max %9 kernel = [3, 3] {pads = array<i64: 1, 1, 1, 1>} : T<1x9x5x5> -> T<1x9x5x5>
  %11 = braze.mul %10, %s : (T<1x9x5x5>, T<1x1x5x5>) -> T<1x9x5x5>
  %12 = braze.reduce mean %11 axes = [2, 3] {keepdims = false} : T<1x9x5x5> -> tensor<1x9xf32>
  %13 = braze.resize linear %11 coordinates = align_corners : T<1x9x5x5> -> T<1x9x8x8>
  %r11 = LEAVE(%11, 1x9x5x5)
  %r7 = LEAVE(%7, 1x5x5x5)
  %r13 = LEAVE(%13, 1x9x8x8)
  return %r11, %12, %r7, %r13 : tensor<1x9x5x5xf32>, tensor<1x9xf32>, tensor<1x5x5x5xf32>,
      tensor<1x9x8x8xf32>
}
"""
PADDED_SHAPES = [(1, 3, 9, 9), (1, 1, 5, 5), (6, 3, 3, 3), (6,), (6, 1, 1), (6, 1, 3, 3),
                 (5, 6, 1, 1), (6, 4, 3, 3)]
PADDED_POSITIVE = [3, 4]  # the batch-norm variance, what keeps the reciprocal finite

PROGRAMS = {"full-blocks": (PROGRAM, SHAPES, POSITIVE),
            "padded-blocks": (PADDED_PROGRAM, PADDED_SHAPES, PADDED_POSITIVE)}


def program(layout: str | None, name: str = "full-blocks") -> str:
    """PROGRAMS[name] with its image tensors stored as `layout` (None: logical)."""
    encoding = f", #braze.layout<{layout}>" if layout else ""
    text = re.sub(r"T<(\w+)>", rf"tensor<\1xf32{encoding}>", PROGRAMS[name][0])

    def boundary(match: re.Match, entering: bool) -> str:
        value, shape = match.group(1), match.group(2)
        logical, stored = f"tensor<{shape}xf32>", f"tensor<{shape}xf32{encoding}>"
        if not layout:  # a no-op keeps the two programs' structure alike
            return f"braze.reshape {value} : {logical} -> {logical}"
        source, result = (logical, stored) if entering else (stored, logical)
        return f"braze.relayout {value} : {source} -> {result}"

    text = re.sub(r"ENTER\((%\w+), (\w+)\)", lambda m: boundary(m, True), text)
    return re.sub(r"LEAVE\((%\w+), (\w+)\)", lambda m: boundary(m, False), text)


def program_inputs(name: str) -> list[np.ndarray]:
    _, shapes, positive = PROGRAMS[name]
    rng = np.random.default_rng(7)
    inputs = [rng.standard_normal(shape).astype(np.float32) for shape in shapes]
    for index in positive:
        inputs[index] = np.abs(inputs[index]) + 0.5
    return inputs


def select_layout(text: str, policy: str) -> str:
    """`text` after --braze-select-layout{target=policy}."""
    with ir.Context():
        module = ir.Module.parse(text)
        braze.Pipeline().select_layout(policy).canonicalize().run(module)
        return str(module)


def run_program(text: str, inputs: list[np.ndarray], target: str = "host") -> list[np.ndarray]:
    with ir.Context():
        module = ir.Module.parse(text)
        braze.Pipeline().lower_to_linalg().run(module)
        return runtime.run(compile_to_vmfb(str(module), target), inputs, target=target)


def assert_close(expected: list[np.ndarray], actual: list[np.ndarray]) -> None:
    assert len(expected) == len(actual)
    for want, got in zip(expected, actual):
        assert want.shape == got.shape
        scale = max(float(np.abs(want).max()), 1.0)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-4 * scale)


@pytest.mark.parametrize("name, layout", [("full-blocks", "nhwc"), ("full-blocks", "nc4hw4"),
                                          ("padded-blocks", "nc4hw4")])
def test_stored_layout_lowering_equals_logical(name, layout):
    inputs = program_inputs(name)
    assert_close(run_program(program(None, name), inputs),
                 run_program(program(layout, name), inputs))


@pytest.mark.parametrize("name", PROGRAMS)
def test_gpu_policy_blocks_every_image_and_keeps_values(name):
    selected = select_layout(program(None, name), "gpu")
    assert "#braze.layout<nc4hw4>" in selected and "nhwc" not in selected
    inputs = program_inputs(name)
    assert_close(run_program(program(None, name), inputs), run_program(selected, inputs))


def test_gpu_policy_on_lavapipe_equals_logical_on_host():
    inputs = program_inputs("padded-blocks")
    expected = run_program(program(None, "padded-blocks"), inputs)
    selected = select_layout(program(None, "padded-blocks"), "gpu")
    try:
        actual = run_program(selected, inputs, target="vulkan-llvmpipe")
    except RunError as error:
        if str(error).startswith("no Vulkan device"):
            pytest.skip(str(error))
        raise
    assert_close(expected, actual)


def _model_input(model: models.ShippedModel) -> np.ndarray:
    shape = model.input_shapes["x"]
    return np.random.default_rng(3).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("name", models.names())
def test_select_layout_keeps_model_outputs(name, dev_builds):
    x = _model_input(models.MODELS[name])
    outputs, linalg = {}, {}
    for level in ("none", "layout"):
        artifact = dev_builds.build(name, optimize=level)
        outputs[level] = artifact.run([x])
        linalg[level] = artifact.stages["linalg"]
    assert_close(outputs["none"], outputs["layout"])
    # The two builds differ where it matters: convolutions went channels-last.
    assert "_nchw_" in linalg["none"] and "_nhwc_" not in linalg["none"]
    assert "_nhwc_" in linalg["layout"] and "conv_2d_nchw" not in linalg["layout"]


def test_report_counts_layout_ops_before_and_after():
    # A conv region between a function argument and a reshape: selection adds
    # exactly one relayout in and one out of the channels-last region.
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((4, 4, 1, 1), np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["c"]),
         helper.make_node("Relu", ["c"], ["r"]),
         helper.make_node("Flatten", ["r"], ["y"])],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 3, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 36])], initializer=[weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    report = braze.compile(model, "host").report
    assert report.layout_ops_imported == {"reshape": 1}
    assert report.layout_ops_optimised == {"relayout": 2, "reshape": 1}
    assert "relayout 0 -> 2, transpose 0 -> 0, reshape 1 -> 1" in report.summary()
