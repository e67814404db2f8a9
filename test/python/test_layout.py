"""Layout selection changes storage, never values: differential tests.

Each program runs with and without channels-last layouts; outputs must agree
within f32 reassociation noise (rtol 1e-4 of the output's magnitude).
"""

import re

import numpy as np
import pytest

import mlir.ir as ir

import braze
from braze import models, runtime
from braze.backend import compile_to_vmfb

# Every layout-aware lowering on one path: strided, depthwise, grouped and
# transposed convolutions, batch norm, a broadcast bias, pooling with
# ceil_mode, reductions with and without keepdims, a gate multiply, concat.
PROGRAM = """
func.func @main(%x: tensor<1x8x9x9xf32>, %w: tensor<8x8x3x3xf32>, %dw: tensor<8x1x3x3xf32>,
                %gw: tensor<8x4x1x1xf32>, %b: tensor<8xf32>, %c: tensor<8x1x1xf32>,
                %tw: tensor<8x4x3x3xf32>)
    -> (tensor<1x16x5x5xf32>, tensor<1x8x1x1xf32>, tensor<1x8xf32>, tensor<1x4x10x10xf32>) {
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
  %r9 = LEAVE(%9, 1x16x5x5)
  %r7 = LEAVE(%7, 1x8x1x1)
  %r11 = LEAVE(%11, 1x4x10x10)
  return %r9, %r7, %10, %r11 : tensor<1x16x5x5xf32>, tensor<1x8x1x1xf32>, tensor<1x8xf32>, tensor<1x4x10x10xf32>
}
"""


def program(layout: str | None) -> str:
    """PROGRAM with its image tensors stored as `layout` (None: logical)."""
    encoding = f", #braze.layout<{layout}>" if layout else ""
    text = re.sub(r"T<(\w+)>", rf"tensor<\1xf32{encoding}>", PROGRAM)

    def boundary(match: re.Match, entering: bool) -> str:
        value, shape = match.group(1), match.group(2)
        logical, stored = f"tensor<{shape}xf32>", f"tensor<{shape}xf32{encoding}>"
        if not layout:  # a no-op keeps the two programs' structure alike
            return f"braze.reshape {value} : {logical} -> {logical}"
        source, result = (logical, stored) if entering else (stored, logical)
        return f"braze.relayout {value} : {source} -> {result}"

    text = re.sub(r"ENTER\((%\w+), (\w+)\)", lambda m: boundary(m, True), text)
    return re.sub(r"LEAVE\((%\w+), (\w+)\)", lambda m: boundary(m, False), text)


def run_program(text: str, inputs: list[np.ndarray]) -> list[np.ndarray]:
    with ir.Context():
        module = ir.Module.parse(text)
        braze.Pipeline().lower_to_linalg().run(module)
        return runtime.run(compile_to_vmfb(str(module), "host"), inputs)


def assert_close(expected: list[np.ndarray], actual: list[np.ndarray]) -> None:
    assert len(expected) == len(actual)
    for want, got in zip(expected, actual):
        assert want.shape == got.shape
        scale = max(float(np.abs(want).max()), 1.0)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-4 * scale)


def test_channels_last_lowering_equals_logical():
    rng = np.random.default_rng(7)
    shapes = [(1, 8, 9, 9), (8, 8, 3, 3), (8, 1, 3, 3), (8, 4, 1, 1), (8,), (8, 1, 1), (8, 4, 3, 3)]
    inputs = [rng.standard_normal(shape).astype(np.float32) for shape in shapes]
    inputs[4] = np.abs(inputs[4]) + 0.5  # the batch-norm variance
    assert_close(run_program(program(None), inputs), run_program(program("nhwc"), inputs))


def _model_input(model: models.ShippedModel) -> np.ndarray:
    shape = model.input_shapes["x"]
    return np.random.default_rng(3).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("name", models.names())
def test_select_layout_keeps_model_outputs(name):
    model = models.MODELS[name]
    if not models.installed(name):
        pytest.skip(f"{model.requirement} is not installed")
    x = _model_input(model)
    outputs, linalg = {}, {}
    for level in ("none", "layout"):
        artifact = braze.compile(model.path(), "host", input_shapes=model.input_shapes,
                                 optimize=level)
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
