"""Every ONNX op braze imports, computed by braze (host) and by onnxruntime.

Each case is a small ModelProto built with onnx.helper and run on seeded
random inputs whose range suits the op (positive for Log and Sqrt, away from
zero for Reciprocal and Div, ...). The cases of one group are compiled as
the functions of one IREE module (batch_compile.py): one iree-compile per
group rather than one per case. Each case is still its own test.

Tolerances (numpy.testing.assert_allclose, |braze - reference| <= atol + rtol * |reference|):
  float32: rtol 1e-4, atol 1e-5
  float16: rtol 1e-2, atol 1e-3 (half precision has an 11-bit significand)
  integers and booleans: exact
A case may loosen them with a stated reason (`tolerance=`).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from batch_compile import ModelBatch
from braze.frontend.converters import CONVERTERS
from onnx_helpers import make_model, node, onnxruntime_run

FLOAT_TOLERANCES = {
    np.dtype(np.float32): {"rtol": 1e-4, "atol": 1e-5},
    np.dtype(np.float16): {"rtol": 1e-2, "atol": 1e-3},
}

ONNXRUNTIME = "onnxruntime"
# Upsample is deprecated from opset 10 and onnxruntime runs it only below
# (braze imports opsets 11 to 18): Upsample cases are checked against
# onnxruntime running the same graph at opset 9.
ONNXRUNTIME_OPSET_9 = "onnxruntime at opset 9"

INT64_MAX = np.iinfo(np.int64).max


# ---------------------------------------------------------------------------
# Seeded random tensors
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Random:
    """A tensor drawn from a case's seeded generator."""

    shape: tuple[int, ...]
    dtype: np.dtype
    draw: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        return np.asarray(self.draw(rng, self.shape)).astype(self.dtype)


def normal(*shape: int, scale: float = 1.0, dtype=np.float32) -> Random:
    return Random(shape, np.dtype(dtype), lambda rng, s: rng.standard_normal(s) * scale)


def uniform(low: float, high: float, *shape: int, dtype=np.float32) -> Random:
    return Random(shape, np.dtype(dtype), lambda rng, s: rng.uniform(low, high, s))


def away_from_zero(*shape: int, low: float = 0.5, high: float = 2.0) -> Random:
    """Values with |v| in [low, high) and random signs: safe divisors."""
    return Random(shape, np.dtype(np.float32),
                  lambda rng, s: rng.uniform(low, high, s) * rng.choice([-1.0, 1.0], s))


def integers(low: int, high: int, *shape: int, dtype=np.int64) -> Random:
    """Integers in [low, high)."""
    return Random(shape, np.dtype(dtype), lambda rng, s: rng.integers(low, high, s))


def small_whole_floats(*shape: int) -> Random:
    """Floats from {-2, ..., 2}: comparisons see equal operands often."""
    return Random(shape, np.dtype(np.float32), lambda rng, s: rng.integers(-2, 3, s))


def booleans(*shape: int) -> Random:
    return Random(shape, np.dtype(np.bool_), lambda rng, s: rng.random(s) < 0.5)


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

@dataclass
class OpCase:
    """One model, its inputs and how to check braze against the reference."""

    group: str
    name: str
    model: onnx.ModelProto
    inputs: dict[str, np.ndarray]
    reference: str = ONNXRUNTIME
    tolerance: Mapping[str, float] | None = None  # overrides FLOAT_TOLERANCES

    @property
    def id(self) -> str:
        return f"{self.group}-{self.name}"

    @property
    def op_types(self) -> set[str]:
        return {n.op_type for n in self.model.graph.node}


@dataclass
class CaseBuilder:
    """Collects the cases of one group; each case draws its tensors from a
    generator seeded by its id, so adding a case changes no other's inputs."""

    group: str
    cases: list[OpCase] = field(default_factory=list)

    def graph(self, name: str, nodes: Sequence[onnx.NodeProto], inputs: Mapping[str, Random],
              weights: Mapping[str, Random | np.ndarray] | None = None,
              outputs: Sequence[str] = ("y",), opset: int = 13, **options) -> None:
        """A case from a list of nodes; `weights` become initializers."""
        rng = np.random.default_rng(zlib.crc32(f"{self.group}-{name}".encode()))
        feeds = {key: spec.sample(rng) for key, spec in inputs.items()}
        initializers = {key: spec.sample(rng) if isinstance(spec, Random) else np.asarray(spec)
                        for key, spec in (weights or {}).items()}
        input_types = {key: (list(array.shape), helper.np_dtype_to_tensor_dtype(array.dtype))
                       for key, array in feeds.items()}
        model = make_model(list(nodes), input_types, list(outputs), initializers, opset)
        self.cases.append(OpCase(self.group, name, model, feeds, **options))

    def op(self, name: str, op_type: str, inputs: Mapping[str, Random],
           weights: Mapping[str, Random | np.ndarray] | None = None, *,
           opset: int = 13, outputs: Sequence[str] = ("y",), reference: str = ONNXRUNTIME,
           tolerance: Mapping[str, float] | None = None, **attributes) -> None:
        """A one-node case reading `inputs`, then `weights`, in order; a
        weight given as None leaves that optional input out."""
        weights = weights or {}
        names = [*inputs, *(key if spec is not None else "" for key, spec in weights.items())]
        weights = {key: spec for key, spec in weights.items() if spec is not None}
        self.graph(name, [node(op_type, names, outputs, **attributes)], inputs, weights,
                   outputs, opset, reference=reference, tolerance=tolerance)


def ints(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def floats(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float32)


def convolution_cases() -> list[OpCase]:
    c = CaseBuilder("conv")
    x = normal(1, 3, 8, 8)
    w, b = normal(4, 3, 3, 3), normal(4)
    c.op("basic", "Conv", {"x": x}, {"w": w, "b": b})
    c.op("strided_padded", "Conv", {"x": x}, {"w": w, "b": b}, strides=[2, 2], pads=[1, 1, 1, 1])
    c.op("asymmetric_pads", "Conv", {"x": x}, {"w": w}, pads=[0, 1, 2, 1])
    c.op("dilated", "Conv", {"x": x}, {"w": w, "b": b}, dilations=[2, 2], pads=[2, 2, 2, 2])
    c.op("grouped", "Conv", {"x": normal(1, 4, 7, 7)}, {"w": normal(6, 2, 3, 3), "b": normal(6)},
         group=2)
    c.op("depthwise", "Conv", {"x": normal(1, 4, 8, 8)}, {"w": normal(4, 1, 3, 3), "b": normal(4)},
         group=4, strides=[2, 2], pads=[1, 1, 1, 1])
    c.op("auto_pad_same_upper", "Conv", {"x": normal(1, 3, 7, 7)}, {"w": w}, strides=[2, 2],
         auto_pad="SAME_UPPER")
    c.op("auto_pad_same_lower", "Conv", {"x": normal(1, 3, 7, 7)}, {"w": normal(4, 3, 2, 2)},
         auto_pad="SAME_LOWER")
    c.op("auto_pad_valid", "Conv", {"x": x}, {"w": w, "b": b}, strides=[2, 2], auto_pad="VALID")
    c.op("pointwise", "Conv", {"x": normal(2, 8, 5, 5)}, {"w": normal(16, 8, 1, 1)})
    c.op("rectangular_kernel", "Conv", {"x": x}, {"w": normal(2, 3, 1, 3)}, strides=[1, 2],
         kernel_shape=[1, 3])
    # ConvTranspose weights are (C_in, C_out / group, kH, kW).
    t = normal(1, 4, 5, 5)
    c.op("transpose_strided", "ConvTranspose", {"x": t}, {"w": normal(4, 2, 3, 3), "b": normal(2)},
         strides=[2, 2])
    c.op("transpose_output_padding", "ConvTranspose", {"x": t}, {"w": normal(4, 3, 3, 3)},
         strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])
    c.op("transpose_grouped", "ConvTranspose", {"x": t}, {"w": normal(4, 3, 3, 3), "b": normal(6)},
         group=2, strides=[2, 2], pads=[0, 1, 1, 0])
    c.op("transpose_depthwise", "ConvTranspose", {"x": t}, {"w": normal(4, 1, 2, 2), "b": normal(4)},
         group=4, strides=[2, 2])
    c.op("transpose_output_shape", "ConvTranspose", {"x": t}, {"w": normal(4, 2, 3, 3)},
         strides=[2, 2], output_shape=[10, 10])
    c.op("transpose_same_upper", "ConvTranspose", {"x": t}, {"w": normal(4, 2, 4, 4)},
         strides=[2, 2], auto_pad="SAME_UPPER")
    c.op("transpose_dilated", "ConvTranspose", {"x": t}, {"w": normal(4, 2, 3, 3)},
         dilations=[2, 2], pads=[1, 2, 1, 2])
    # 1-D: braze's 2-D ops on a unit H dimension.
    signal = normal(2, 4, 11)
    c.op("1d_strided_padded_dilated", "Conv", {"x": signal}, {"w": normal(6, 4, 3), "b": normal(6)},
         strides=[2], pads=[1, 2], dilations=[2])
    c.op("1d_grouped_same_lower", "Conv", {"x": signal}, {"w": normal(4, 2, 4)}, group=2,
         auto_pad="SAME_LOWER")
    # A unit spatial axis with a kernel sliding along the other: one 1x1
    # convolution per tap in channels-last layouts.
    c.op("row_kernel_on_a_row", "Conv", {"x": normal(1, 8, 1, 10)},
         {"w": normal(6, 8, 1, 3), "b": normal(6)}, pads=[0, 1, 0, 1])
    c.op("column_kernel_on_a_column", "Conv", {"x": normal(2, 5, 9, 1)},
         {"w": normal(4, 5, 3, 1)}, strides=[2, 1], dilations=[2, 1])
    c.op("leaves_a_row_unread", "Conv", {"x": normal(1, 3, 3, 8)}, {"w": normal(4, 3, 2, 2)},
         strides=[2, 2])
    c.op("1d_transpose_output_padding", "ConvTranspose", {"x": normal(1, 4, 6)},
         {"w": normal(4, 3, 3), "b": normal(3)}, strides=[2], pads=[1, 0], output_padding=[1])
    c.op("1d_transpose_output_shape", "ConvTranspose", {"x": normal(1, 4, 6)},
         {"w": normal(4, 2, 3)}, strides=[3], output_shape=[17])
    return c.cases


def matrix_product_cases() -> list[OpCase]:
    c = CaseBuilder("matmul")
    c.op("2d", "MatMul", {"a": normal(5, 7), "b": normal(7, 3)})
    c.op("batched", "MatMul", {"a": normal(2, 5, 7), "b": normal(2, 7, 3)})
    c.op("broadcast_batch", "MatMul", {"a": normal(2, 1, 5, 7), "b": normal(3, 7, 4)})
    c.op("vector_times_matrix", "MatMul", {"a": normal(7), "b": normal(2, 7, 3)})
    c.op("matrix_times_vector", "MatMul", {"a": normal(2, 5, 7), "b": normal(7)})
    c.op("weights", "MatMul", {"x": normal(1, 6, 8)}, {"w": normal(8, 16)})
    a, b = normal(3, 5), normal(5, 4)
    c.op("gemm", "Gemm", {"a": a, "b": b}, {"c": normal(4)})
    c.op("gemm_transposed_scaled", "Gemm", {"a": normal(5, 3), "b": normal(4, 5)},
         {"c": normal(3, 4)}, transA=1, transB=1, alpha=0.5, beta=2.0)
    c.op("gemm_without_c", "Gemm", {"a": a, "b": b}, alpha=-1.5)
    c.op("gemm_column_c", "Gemm", {"a": a}, {"b": normal(4, 5), "c": normal(3, 1)}, transB=1,
         beta=0.25)
    return c.cases


def normalization_cases() -> list[OpCase]:
    c = CaseBuilder("norm")
    stats = {"scale": normal(3), "bias": normal(3), "mean": normal(3),
             "var": uniform(0.5, 2.0, 3)}
    c.op("batch_norm", "BatchNormalization", {"x": normal(2, 3, 4, 5)}, stats)
    c.op("batch_norm_epsilon", "BatchNormalization", {"x": normal(1, 3, 6, 6)}, stats,
         epsilon=0.1, opset=15)
    c.op("layer_norm_last_axis", "LayerNormalization", {"x": normal(2, 3, 8)},
         {"scale": normal(8), "bias": normal(8)}, opset=17)
    c.op("layer_norm_two_axes", "LayerNormalization", {"x": normal(2, 3, 8)},
         {"scale": normal(3, 8), "bias": normal(3, 8)}, axis=-2, epsilon=1e-3, opset=17)
    c.op("layer_norm_without_bias", "LayerNormalization", {"x": normal(4, 16, scale=3.0)},
         {"scale": normal(16)}, opset=17)
    # A mean large against the spread: braze's one-pass statistics shift by
    # each row's first element; sum(x^2)/n - mean^2 would be 0.18 off here.
    c.op("layer_norm_large_mean", "LayerNormalization", {"x": uniform(999.0, 1001.0, 4, 64)},
         {"scale": normal(64), "bias": normal(64)}, opset=17)
    # The optional outputs Mean and InvStdDev, one or both used.
    c.op("layer_norm_mean_and_inv_std_dev", "LayerNormalization",
         {"x": normal(2, 3, 4, 5, scale=2.0)}, {"scale": normal(4, 5), "bias": normal(4, 5)},
         outputs=("y", "mean", "inv_std_dev"), axis=2, epsilon=0.1, opset=17)
    c.op("layer_norm_mean_only", "LayerNormalization", {"x": normal(3, 8)},
         {"scale": normal(3, 8)}, outputs=("y", "mean"), axis=0, opset=17)
    x = normal(2, 3, 4, scale=3.0)
    c.op("softmax_13_axis_1", "Softmax", {"x": x}, axis=1)
    c.op("softmax_13_last_axis", "Softmax", {"x": x})
    # Opset 11 normalizes over all dims from `axis` on, and `axis` defaults to 1.
    c.op("softmax_11_default_axis", "Softmax", {"x": x}, opset=11)
    c.op("softmax_11_axis_0", "Softmax", {"x": x}, axis=0, opset=11)
    c.op("softmax_large_logits", "Softmax", {"x": normal(3, 10, scale=40.0)})
    return c.cases


def pooling_cases() -> list[OpCase]:
    c = CaseBuilder("pool")
    x, odd = normal(1, 2, 8, 8), normal(1, 2, 7, 7)
    c.op("max", "MaxPool", {"x": x}, kernel_shape=[2, 2], strides=[2, 2])
    c.op("max_padded_strided", "MaxPool", {"x": x}, kernel_shape=[3, 3], strides=[2, 2],
         pads=[1, 1, 1, 1])
    c.op("max_ceil_mode", "MaxPool", {"x": odd}, kernel_shape=[3, 3], strides=[2, 2],
         ceil_mode=1, opset=11)
    c.op("max_dilated", "MaxPool", {"x": x}, kernel_shape=[2, 2], dilations=[2, 2])
    c.op("max_same_upper", "MaxPool", {"x": odd}, kernel_shape=[2, 2], strides=[2, 2],
         auto_pad="SAME_UPPER")
    c.op("average", "AveragePool", {"x": x}, kernel_shape=[3, 3])
    c.op("average_pads_excluded", "AveragePool", {"x": x}, kernel_shape=[3, 3],
         strides=[2, 2], pads=[1, 1, 1, 1])
    c.op("average_pads_counted", "AveragePool", {"x": x}, kernel_shape=[3, 3],
         strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)
    c.op("average_asymmetric_pads", "AveragePool", {"x": odd}, kernel_shape=[2, 3],
         pads=[0, 1, 1, 2], count_include_pad=1)
    c.op("average_ceil_mode", "AveragePool", {"x": x}, kernel_shape=[3, 3], strides=[2, 2],
         ceil_mode=1)
    c.op("average_ceil_mode_pads_counted", "AveragePool", {"x": odd}, kernel_shape=[3, 3],
         strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1, count_include_pad=1)
    c.op("average_same_lower", "AveragePool", {"x": odd}, kernel_shape=[2, 2], strides=[2, 2],
         auto_pad="SAME_LOWER")
    signal = normal(2, 3, 9)
    c.op("max_1d_padded_dilated", "MaxPool", {"x": signal}, kernel_shape=[3], pads=[1, 2],
         dilations=[2])
    c.op("max_1d_ceil_mode", "MaxPool", {"x": signal}, kernel_shape=[2], strides=[2],
         ceil_mode=1)
    c.op("average_1d_pads_counted", "AveragePool", {"x": signal}, kernel_shape=[3],
         strides=[2], pads=[1, 1], count_include_pad=1)
    c.op("average_1d_same_upper", "AveragePool", {"x": signal}, kernel_shape=[4],
         strides=[3], auto_pad="SAME_UPPER")
    c.op("average_into_a_row", "AveragePool", {"x": normal(1, 4, 3, 8)}, kernel_shape=[3, 2],
         strides=[3, 2])
    c.op("max_into_a_column", "MaxPool", {"x": normal(1, 4, 7, 2)}, kernel_shape=[2, 2],
         strides=[2, 1], pads=[1, 0, 0, 0])
    c.op("max_leaves_a_row_unread", "MaxPool", {"x": normal(1, 4, 3, 8)}, kernel_shape=[2, 2],
         strides=[2, 2])
    c.op("global_average", "GlobalAveragePool", {"x": normal(2, 3, 5, 6)})
    c.op("global_max", "GlobalMaxPool", {"x": normal(2, 3, 5, 6)})
    return c.cases


def reduction_cases() -> list[OpCase]:
    c = CaseBuilder("reduce")
    x = normal(2, 3, 4)
    # axes: an input of ReduceSum from opset 13, of the others from opset 18.
    c.op("sum_keepdims", "ReduceSum", {"x": x}, {"axes": ints(1)})
    c.op("sum_no_keepdims", "ReduceSum", {"x": x}, {"axes": ints(0, -1)}, keepdims=0)
    c.op("sum_all_axes", "ReduceSum", {"x": x}, keepdims=0)
    c.op("sum_empty_axes_noop", "ReduceSum", {"x": x}, noop_with_empty_axes=1)
    c.op("mean_axes_attribute", "ReduceMean", {"x": x}, axes=[-1])
    c.op("mean_axes_input_no_keepdims", "ReduceMean", {"x": x}, {"axes": ints(1, 2)},
         keepdims=0, opset=18)
    c.op("max_no_keepdims", "ReduceMax", {"x": x}, axes=[1, 2], keepdims=0)
    c.op("min_all_axes", "ReduceMin", {"x": x})
    c.op("prod", "ReduceProd", {"x": uniform(0.5, 1.5, 2, 3, 4)}, axes=[1])
    c.op("sum_int64", "ReduceSum", {"x": integers(-50, 50, 3, 5)}, {"axes": ints(1)})
    return c.cases


def unary_cases() -> list[OpCase]:
    c = CaseBuilder("unary")
    x = normal(2, 3, 4, scale=2.0)
    for op_type in ("Relu", "Sigmoid", "Tanh", "Neg", "Abs", "Erf", "Floor", "Ceil", "Identity"):
        c.op(op_type.lower(), op_type, {"x": x})
    c.op("hardswish", "HardSwish", {"x": x}, opset=14)  # new in opset 14
    c.op("exp", "Exp", {"x": uniform(-5, 5, 2, 3, 4)})
    c.op("log", "Log", {"x": uniform(0.01, 10, 2, 3, 4)})
    c.op("sqrt", "Sqrt", {"x": uniform(0, 10, 2, 3, 4)})
    c.op("reciprocal", "Reciprocal", {"x": away_from_zero(2, 3, 4)})
    c.op("neg_int64", "Neg", {"x": integers(-100, 100, 6)})
    c.op("abs_int32", "Abs", {"x": integers(-100, 100, 6, dtype=np.int32)})
    c.op("hard_sigmoid", "HardSigmoid", {"x": x})
    c.op("hard_sigmoid_alpha_beta", "HardSigmoid", {"x": x}, alpha=1 / 6, beta=0.5)
    c.op("leaky_relu", "LeakyRelu", {"x": x}, alpha=0.1)
    c.op("dropout_inference", "Dropout", {"x": x}, opset=13)
    c.op("dropout_ratio_ignored", "Dropout", {"x": x}, {"ratio": np.array(0.5, np.float32)},
         opset=13)
    # Clip: bounds are optional inputs from opset 11; "" leaves one out.
    c.op("clip_both", "Clip", {"x": x}, {"min": np.array(-1, np.float32),
                                        "max": np.array(1.5, np.float32)})
    c.op("clip_min_only", "Clip", {"x": x}, {"min": np.array(0, np.float32)})
    c.op("clip_max_only", "Clip", {"x": x}, {"min": None, "max": np.array(6, np.float32)})
    c.op("clip_unbounded", "Clip", {"x": x})
    c.op("dropout_mask", "Dropout", {"x": x}, outputs=("y", "mask"), opset=13)
    return c.cases


def binary_cases() -> list[OpCase]:
    c = CaseBuilder("binary")
    c.op("add_broadcast", "Add", {"a": normal(2, 3, 4), "b": normal(4)})
    c.op("sub_broadcast_both", "Sub", {"a": normal(2, 1, 4), "b": normal(3, 1)})
    c.op("mul_scalar_weight", "Mul", {"a": normal(2, 3)}, {"b": np.array(2.5, np.float32)})
    c.op("div", "Div", {"a": normal(2, 3, 4), "b": away_from_zero(3, 1)})
    c.op("add_int64", "Add", {"a": integers(-1000, 1000, 3, 4), "b": integers(-1000, 1000, 4)})
    # Integer Div truncates towards zero, so negative operands matter.
    c.op("div_int32", "Div", {"a": integers(-100, 100, 12, dtype=np.int32),
                              "b": integers(1, 9, 12, dtype=np.int32)})
    c.op("mul_int32", "Mul", {"a": integers(-100, 100, 5, dtype=np.int32),
                              "b": integers(-100, 100, 5, dtype=np.int32)})
    c.op("pow_float_exponent", "Pow", {"a": uniform(0.1, 3, 2, 3), "b": uniform(-2, 2, 2, 3)})
    c.op("pow_int_exponent", "Pow", {"a": normal(2, 3)}, {"b": ints(3)})
    c.op("pow_negative_base_computed_whole_exponent", "Pow",
         {"a": normal(2, 3), "b": integers(0, 4, 2, 3, dtype=np.float32)})
    c.op("pow_square_root", "Pow", {"a": uniform(0, 4, 6)}, {"b": np.array(0.5, np.float32)})
    c.op("max_three", "Max", {"a": normal(2, 3), "b": normal(3), "c": normal(2, 1)})
    c.op("min_three", "Min", {"a": normal(2, 3), "b": normal(3), "c": normal(2, 1)})
    c.op("max_int32", "Max", {"a": integers(-9, 9, 4, dtype=np.int32),
                              "b": integers(-9, 9, 4, dtype=np.int32)})
    c.op("sum_three", "Sum", {"a": normal(2, 3), "b": normal(3), "c": normal(2, 1)})
    c.op("mean_two", "Mean", {"a": normal(2, 3), "b": normal(1, 3)})
    for op_type in ("Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual"):
        c.op(op_type.lower(), op_type, {"a": small_whole_floats(3, 4),
                                        "b": small_whole_floats(4)})
    c.op("equal_int64", "Equal", {"a": integers(0, 3, 8), "b": integers(0, 3, 8)})
    c.op("where_broadcast", "Where", {"c": booleans(2, 1), "a": normal(3), "b": normal(2, 3)})
    c.op("where_int64", "Where", {"c": booleans(5), "a": integers(0, 9, 5),
                                  "b": integers(-9, 0, 5)})
    c.graph("where_of_comparison",
            [node("Less", ["a", "b"], ["less"]), node("Where", ["less", "a", "b"])],
            {"a": normal(3, 4), "b": normal(3, 4)})
    return c.cases


def small_integer_cases() -> list[OpCase]:
    """int8 and int16: signed, wrapping like onnxruntime's kernels."""
    c = CaseBuilder("small_int")
    int8, int16 = np.int8, np.int16
    c.op("add_int8_wraps", "Add", {"a": integers(-128, 128, 12, dtype=int8),
                                   "b": integers(-128, 128, 12, dtype=int8)}, opset=14)
    c.op("sub_int16_broadcast", "Sub", {"a": integers(-300, 300, 3, 4, dtype=int16),
                                        "b": integers(-300, 300, 4, dtype=int16)}, opset=14)
    c.op("mul_int16_wraps", "Mul", {"a": integers(-400, 400, 12, dtype=int16),
                                    "b": integers(-400, 400, 12, dtype=int16)}, opset=14)
    # Div truncates towards zero.
    c.op("div_int8", "Div", {"a": integers(-128, 128, 12, dtype=int8),
                             "b": integers(1, 9, 12, dtype=int8)}, opset=14)
    c.op("max_int8", "Max", {"a": integers(-128, 128, 3, 4, dtype=int8),
                             "b": integers(-128, 128, 4, dtype=int8)})
    c.op("less_int16", "Less", {"a": integers(-3, 3, 3, 4, dtype=int16),
                                "b": integers(-3, 3, 4, dtype=int16)})
    c.op("equal_int8", "Equal", {"a": integers(-3, 3, 8, dtype=int8),
                                 "b": integers(-3, 3, 8, dtype=int8)})
    c.op("clip_int8", "Clip", {"x": integers(-128, 128, 12, dtype=int8)},
         {"min": np.array(-5, int8), "max": np.array(100, int8)})
    c.op("abs_int16", "Abs", {"x": integers(-300, 300, 6, dtype=int16)})
    c.op("neg_int8", "Neg", {"x": integers(-127, 128, 6, dtype=int8)})
    c.op("where_int8", "Where", {"c": booleans(5), "a": integers(-128, 128, 5, dtype=int8),
                                 "b": integers(-128, 128, 5, dtype=int8)}, opset=16)
    c.op("transpose_int8", "Transpose", {"x": integers(-128, 128, 2, 3, dtype=int8)})
    c.op("concat_int16", "Concat", {"a": integers(-300, 300, 2, 3, dtype=int16),
                                    "b": integers(-300, 300, 2, 1, dtype=int16)}, axis=1)
    c.op("cast_int8_to_f32", "Cast", {"x": integers(-128, 128, 6, dtype=int8)},
         to=TensorProto.FLOAT)
    c.op("cast_int16_to_int8_wraps", "Cast", {"x": integers(-300, 300, 6, dtype=int16)},
         to=TensorProto.INT8)
    c.op("cast_f32_to_int16", "Cast", {"x": uniform(-1000, 1000, 6)}, to=TensorProto.INT16)
    c.op("cast_int8_to_int64", "Cast", {"x": integers(-128, 128, 6, dtype=int8)},
         to=TensorProto.INT64)
    return c.cases


def unsigned_integer_cases() -> list[OpCase]:
    """uint8..uint64: stored signless, with unsigned division, comparisons,
    max/min and casts. Values above the signed range tell them apart."""
    c = CaseBuilder("uint")
    uint8, uint16, uint32, uint64 = np.uint8, np.uint16, np.uint32, np.uint64
    c.op("add_uint8_wraps", "Add", {"a": integers(0, 256, 12, dtype=uint8),
                                    "b": integers(0, 256, 12, dtype=uint8)}, opset=14)
    c.op("mul_uint16_wraps", "Mul", {"a": integers(0, 2**16, 12, dtype=uint16),
                                     "b": integers(0, 2**16, 12, dtype=uint16)}, opset=14)
    c.op("div_uint8", "Div", {"a": integers(0, 256, 12, dtype=uint8),
                              "b": integers(1, 256, 12, dtype=uint8)}, opset=14)
    c.op("div_uint32", "Div", {"a": integers(0, 2**32, 12, dtype=uint32),
                               "b": integers(1, 2**32, 12, dtype=uint32)})
    c.op("add_uint8_constant", "Add", {"a": integers(0, 256, 10, dtype=uint8)},
         {"b": np.arange(246, 256, dtype=np.uint8)}, opset=14)
    c.op("max_uint8", "Max", {"a": integers(0, 256, 3, 4, dtype=uint8),
                              "b": integers(0, 256, 4, dtype=uint8)})
    any_uint64 = Random((8,), np.dtype(uint64),
                        lambda rng, s: rng.integers(0, 2**64, s, dtype=uint64))
    c.op("min_uint64", "Min", {"a": any_uint64, "b": any_uint64})
    c.op("less_uint8", "Less", {"a": integers(0, 256, 3, 4, dtype=uint8),
                                "b": integers(0, 256, 4, dtype=uint8)})
    c.op("greater_uint32", "Greater", {"a": integers(0, 2**32, 8, dtype=uint32),
                                       "b": integers(0, 2**32, 8, dtype=uint32)})
    c.op("cast_uint8_to_f32", "Cast", {"x": integers(0, 256, 6, dtype=uint8)},
         to=TensorProto.FLOAT)
    c.op("cast_f32_to_uint8", "Cast", {"x": uniform(0, 256, 6)}, to=TensorProto.UINT8)
    c.op("cast_uint8_to_int32", "Cast", {"x": integers(0, 256, 6, dtype=uint8)},
         to=TensorProto.INT32)
    c.op("reduce_max_uint8", "ReduceMax", {"x": integers(0, 256, 3, 4, dtype=uint8)},
         axes=[1])
    c.op("gather_uint8", "Gather", {"x": integers(0, 256, 4, 3, dtype=uint8)},
         {"indices": ints(3, 0, -1)}, axis=0)
    c.op("transpose_uint8", "Transpose", {"x": integers(0, 256, 2, 3, dtype=uint8)})
    c.op("concat_uint8", "Concat", {"a": integers(0, 256, 2, 3, dtype=uint8),
                                    "b": integers(0, 256, 2, 1, dtype=uint8)}, axis=1)
    return c.cases


def cast_cases() -> list[OpCase]:
    c = CaseBuilder("cast")
    # Float to integer truncates towards zero; keep values inside every range.
    fractional = uniform(-100, 100, 3, 5)
    combos = [
        ("f32_to_i32", fractional, TensorProto.INT32),
        ("f32_to_i64", fractional, TensorProto.INT64),
        ("f32_to_f16", fractional, TensorProto.FLOAT16),
        ("f32_to_bool", small_whole_floats(3, 5), TensorProto.BOOL),
        ("f16_to_f32", uniform(-100, 100, 3, 5, dtype=np.float16), TensorProto.FLOAT),
        ("i64_to_f32", integers(-10**6, 10**6, 3, 5), TensorProto.FLOAT),
        ("i32_to_i64", integers(-10**6, 10**6, 3, 5, dtype=np.int32), TensorProto.INT64),
        ("i64_to_i32", integers(-10**6, 10**6, 3, 5), TensorProto.INT32),
        ("i64_to_bool", integers(-2, 3, 3, 5), TensorProto.BOOL),
        ("bool_to_f32", booleans(3, 5), TensorProto.FLOAT),
        ("bool_to_i32", booleans(3, 5), TensorProto.INT32),
        ("f32_to_f32", fractional, TensorProto.FLOAT),
    ]
    for name, x, to in combos:
        c.op(name, "Cast", {"x": x}, to=to)
    return c.cases


def shape_cases() -> list[OpCase]:
    c = CaseBuilder("shape")
    x = normal(2, 3, 4)
    c.op("reshape_zero_and_minus_one", "Reshape", {"x": x}, {"shape": ints(0, -1, 2)})
    c.op("reshape_allowzero_off", "Reshape", {"x": x}, {"shape": ints(4, 0, 2)}, opset=14)
    c.op("flatten_axis_2", "Flatten", {"x": x}, axis=2)
    c.op("flatten_axis_0", "Flatten", {"x": x}, axis=0)
    c.op("flatten_negative_axis", "Flatten", {"x": x}, axis=-1)
    unit = normal(1, 3, 1, 4)
    c.op("squeeze_11_attribute", "Squeeze", {"x": unit}, axes=[0, -2], opset=11)
    c.op("squeeze_13_input", "Squeeze", {"x": unit}, {"axes": ints(2)})
    c.op("squeeze_all_units", "Squeeze", {"x": unit})
    c.op("unsqueeze_11_attribute", "Unsqueeze", {"x": x}, axes=[0, 4], opset=11)
    c.op("unsqueeze_13_negative_axes", "Unsqueeze", {"x": x}, {"axes": ints(-1, 1)})
    c.op("transpose_perm", "Transpose", {"x": normal(2, 3, 4, 5)}, perm=[0, 2, 3, 1])
    c.op("transpose_default_perm", "Transpose", {"x": x})
    image = normal(1, 8, 3, 2)
    c.op("depth_to_space_dcr", "DepthToSpace", {"x": image}, blocksize=2, mode="DCR")
    c.op("depth_to_space_crd", "DepthToSpace", {"x": image}, blocksize=2, mode="CRD")
    c.op("space_to_depth", "SpaceToDepth", {"x": normal(1, 2, 4, 6)}, blocksize=2)
    return c.cases


def data_movement_cases() -> list[OpCase]:
    c = CaseBuilder("data")
    c.op("concat_axis_1", "Concat", {"a": normal(2, 1, 3), "b": normal(2, 4, 3),
                                     "c": normal(2, 2, 3)}, axis=1)
    c.op("concat_negative_axis", "Concat", {"a": integers(0, 9, 2, 3), "b": integers(0, 9, 2, 2)},
         axis=-1)
    x = normal(2, 6, 3)
    c.op("split_equal", "Split", {"x": x}, outputs=("y0", "y1", "y2"), axis=1)
    c.op("split_sizes_input", "Split", {"x": x}, {"split": ints(1, 3, 2)},
         outputs=("y0", "y1", "y2"), axis=1)
    c.op("split_11_attribute", "Split", {"x": x}, outputs=("y0", "y1"), split=[2, 1], axis=-1,
         opset=11)
    c.op("split_18_uneven", "Split", {"x": normal(2, 7)}, outputs=("y0", "y1", "y2"),
         axis=1, num_outputs=3, opset=18)
    # Empty results are empty constants (no slice at the end of the axis).
    c.op("split_empty_last_piece", "Split", {"x": x}, {"split": ints(6, 0)},
         outputs=("y0", "y1"), axis=1)
    c.op("concat_empty_last_input", "Concat", {"a": normal(2, 3)},
         {"b": np.zeros((2, 0), np.float32)}, axis=1)
    s = normal(4, 6, 5)
    c.op("slice", "Slice", {"x": s}, {"starts": ints(1, 0), "ends": ints(3, 4)})
    c.op("slice_axes_steps", "Slice", {"x": s}, {"starts": ints(1, 0), "ends": ints(5, 6),
                                                 "axes": ints(2, 1), "steps": ints(2, 3)})
    c.op("slice_negative_bounds", "Slice", {"x": s}, {"starts": ints(-3), "ends": ints(-1),
                                                      "axes": ints(1)})
    c.op("slice_reverse", "Slice", {"x": s}, {"starts": ints(-1), "ends": ints(-INT64_MAX),
                                              "axes": ints(1), "steps": ints(-1)})
    c.op("slice_negative_step_2", "Slice", {"x": s}, {"starts": ints(4, 10), "ends": ints(0, -10),
                                                      "axes": ints(2, 0), "steps": ints(-2, -1)})
    c.op("slice_start_past_the_end", "Slice", {"x": s}, {"starts": ints(10), "ends": ints(20),
                                                         "axes": ints(1)})
    c.op("slice_clamped_ends", "Slice", {"x": s}, {"starts": ints(2), "ends": ints(INT64_MAX),
                                                   "axes": ints(-1)})
    p = normal(1, 2, 3, 4)
    c.op("pad_constant_value", "Pad", {"x": p}, {"pads": ints(0, 0, 1, 2, 0, 0, 2, 1),
                                                 "value": np.array(1.5, np.float32)})
    c.op("pad_default_zero", "Pad", {"x": p}, {"pads": ints(0, 1, 0, 0, 0, 0, 0, 3)}, opset=11)
    c.op("pad_negative", "Pad", {"x": p}, {"pads": ints(0, 0, -1, 1, 0, 0, 1, -2)})
    for mode in ("edge", "reflect", "wrap"):
        c.op(f"pad_{mode}", "Pad", {"x": p}, {"pads": ints(0, 1, 2, 3, 0, 0, 1, 2)}, mode=mode)
    c.op("pad_18_axes", "Pad", {"x": p}, {"pads": ints(1, 2, 3, 0), "value": np.array(-1, np.float32),
                                          "axes": ints(-1, 2)}, opset=18)
    data = normal(5, 4)
    c.op("gather_negative_indices", "Gather", {"x": data}, {"i": ints(0, -1, 2, -5)})
    c.op("gather_axis_1_matrix_indices", "Gather", {"x": data}, {"i": ints(3, -2, 0, 1)
                                                                .reshape(2, 2)}, axis=1)
    c.op("gather_scalar_index", "Gather", {"x": data}, {"i": np.array(-2, np.int64)})
    c.op("gather_runtime_indices", "Gather", {"x": data, "i": integers(-5, 5, 3, 2)})
    c.op("expand", "Expand", {"x": normal(3, 1)}, {"shape": ints(2, 3, 4)})
    c.op("expand_lower_rank_shape", "Expand", {"x": normal(3, 1)}, {"shape": ints(1, 4)})
    c.op("tile", "Tile", {"x": normal(2, 1, 3)}, {"repeats": ints(2, 3, 1)})
    c.op("tile_int64", "Tile", {"x": integers(0, 9, 2, 2)}, {"repeats": ints(1, 3)})
    return c.cases


def resize_cases() -> list[OpCase]:
    c = CaseBuilder("resize")
    x = normal(1, 2, 4, 5)
    doubled = floats(1, 1, 2, 2)
    no_roi = np.zeros(0, np.float32)
    # Opset 11 takes (x, roi, scales[, sizes]); from 13 roi and scales may be left out.
    c.op("nearest_asymmetric_floor", "Resize", {"x": x}, {"roi": no_roi, "scales": doubled},
         mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor",
         opset=11)
    c.op("nearest_half_pixel_round_prefer_floor", "Resize", {"x": x},
         {"roi": None, "scales": floats(1, 1, 3, 2)}, mode="nearest")
    c.op("nearest_round_prefer_ceil_sizes_down", "Resize", {"x": normal(1, 2, 8, 9)},
         {"roi": None, "scales": None, "sizes": ints(1, 2, 5, 4)}, mode="nearest",
         nearest_mode="round_prefer_ceil")
    c.op("nearest_ceil_align_corners", "Resize", {"x": x}, {"roi": None, "scales": doubled},
         mode="nearest", nearest_mode="ceil", coordinate_transformation_mode="align_corners")
    c.op("linear_half_pixel_up", "Resize", {"x": x}, {"roi": None, "scales": doubled},
         mode="linear")
    c.op("linear_half_pixel_down", "Resize", {"x": normal(1, 2, 8, 10)},
         {"roi": None, "scales": floats(1, 1, 0.5, 0.5)}, mode="linear")
    c.op("linear_align_corners", "Resize", {"x": x}, {"roi": None, "scales": floats(1, 1, 2, 3)},
         mode="linear", coordinate_transformation_mode="align_corners")
    c.op("linear_asymmetric", "Resize", {"x": x}, {"roi": None, "scales": doubled}, mode="linear",
         coordinate_transformation_mode="asymmetric")
    c.op("linear_pytorch_half_pixel_sizes", "Resize", {"x": normal(1, 2, 6, 5)},
         {"roi": None, "scales": None, "sizes": ints(1, 2, 1, 7)}, mode="linear",
         coordinate_transformation_mode="pytorch_half_pixel")
    # keep_aspect_ratio_policy: one scale, here equal to output / input.
    c.op("nearest_18_not_larger", "Resize", {"x": normal(1, 2, 4, 6)},
         {"roi": None, "scales": None, "sizes": ints(8, 20)}, mode="nearest", axes=[2, 3],
         keep_aspect_ratio_policy="not_larger", opset=18)
    c.op("linear_18_axes", "Resize", {"x": x}, {"roi": None, "scales": None, "sizes": ints(7, 3)},
         mode="linear", axes=[2, 3], opset=18)
    c.op("upsample_nearest", "Upsample", {"x": x}, {"scales": floats(1, 1, 2, 3)},
         mode="nearest", opset=11, reference=ONNXRUNTIME_OPSET_9)
    c.op("upsample_linear", "Upsample", {"x": x}, {"scales": doubled}, mode="linear",
         opset=11, reference=ONNXRUNTIME_OPSET_9)
    return c.cases


CASES: list[OpCase] = [
    *convolution_cases(), *matrix_product_cases(), *normalization_cases(), *pooling_cases(),
    *reduction_cases(), *unary_cases(), *binary_cases(), *small_integer_cases(),
    *unsigned_integer_cases(), *cast_cases(), *shape_cases(),
    *data_movement_cases(), *resize_cases(),
]


# ---------------------------------------------------------------------------
# Compiling (one module per group) and comparing
# ---------------------------------------------------------------------------

class GroupBatches:
    """One ModelBatch per group, built and compiled when a case of the group
    first needs it."""

    def __init__(self, work_dir_factory: Callable[[str], object]):
        self._work_dir = work_dir_factory
        self._batches: dict[str, ModelBatch] = {}

    def outputs(self, case: OpCase) -> list[np.ndarray]:
        batch = self._batches.get(case.group)
        if batch is None:
            batch = ModelBatch(work_dir=self._work_dir(case.group))
            for member in CASES:
                if member.group == case.group:
                    batch.add(member.id, member.model)
            batch.compile()
            self._batches[case.group] = batch
        return batch.run(case.id, [case.inputs[name] for name in case.inputs])


@pytest.fixture(scope="module")
def group_batches(tmp_path_factory):
    return GroupBatches(lambda group: tmp_path_factory.mktemp(f"iree-{group}"))


def reference_outputs(case: OpCase) -> list[np.ndarray]:
    model = case.model
    if case.reference == ONNXRUNTIME_OPSET_9:
        model = onnx.ModelProto()
        model.CopyFrom(case.model)
        model.opset_import[0].version = 9
    return onnxruntime_run(model, case.inputs)


def assert_matches(actual: Sequence[np.ndarray], expected: Sequence[np.ndarray],
                   tolerance: Mapping[str, float] | None = None) -> None:
    """Same count, shapes and dtypes; values within the float tolerance, or equal."""
    assert len(actual) == len(expected), f"{len(actual)} outputs, expected {len(expected)}"
    for index, (got, want) in enumerate(zip(actual, expected)):
        got, want = np.asarray(got), np.asarray(want)
        where = f"output {index}"
        assert got.shape == want.shape, f"{where}: shape {got.shape}, expected {want.shape}"
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype}, expected {want.dtype}"
        if want.dtype in FLOAT_TOLERANCES:
            np.testing.assert_allclose(got, want, err_msg=where,
                                       **(tolerance or FLOAT_TOLERANCES[want.dtype]))
        else:
            np.testing.assert_array_equal(got, want, err_msg=where)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_op_matches_reference(case, group_batches):
    expected = reference_outputs(case)
    assert_matches(group_batches.outputs(case), expected, case.tolerance)


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


def test_every_supported_op_has_a_case():
    covered = set().union(*(case.op_types for case in CASES))
    assert set(CONVERTERS) - covered == set()
