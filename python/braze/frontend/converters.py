"""ONNX ops -> braze ops: a registry of converters, one per op type.

A converter takes a `Node` and returns the braze value of the node's output,
or a list of values for its first outputs; the importer checks that the
outputs it leaves out are unused. Converters read every attribute and input
they honour through the Node, so the importer can reject whatever else a
node carries. Semantics follow the ONNX operator specification for opsets
11 to 18; where braze cannot express a case exactly, the converter raises
ConversionError instead of approximating.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import mlir.ir as ir
import numpy as np
from onnx import TensorProto

from braze.dialects import braze as bz

from .errors import ConversionError
from .node import Node
from .tensors import (cast, constant, dtype_of, numpy_dtype, reshape, scalar_like, shape_of,
                      tensor_type, transpose)

Converter = Callable[[Node], "ir.Value | list[ir.Value]"]
CONVERTERS: dict[str, Converter] = {}


def converts(*op_types: str) -> Callable[[Converter], Converter]:
    def register(convert: Converter) -> Converter:
        for op_type in op_types:
            CONVERTERS[op_type] = convert
        return convert
    return register


def register_family(table: dict, convert: Callable) -> None:
    """Registers `convert(table[op_type], node)` for each op type of a table."""
    for op_type, argument in table.items():
        CONVERTERS[op_type] = functools.partial(convert, argument)


# ---------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------

def normalize_axis(axis: int, rank: int) -> int:
    if not -rank <= axis < rank:
        raise ConversionError(f"axis {axis} is out of range for rank {rank}")
    return axis % rank


def normalize_axes(axes: Sequence[int], rank: int) -> list[int]:
    """Non-negative, sorted and unique, as braze ops take them."""
    return sorted({normalize_axis(int(axis), rank) for axis in axes})


def choice(node: Node, name: str, options: dict):
    """The braze counterpart of a string attribute that takes a few values."""
    return choice_of(node.attr(name), name, options)


def choice_of(value: str, name: str, options: dict):
    if value not in options:
        raise ConversionError(f"attribute {name}={value!r} is not supported by braze "
                              f"(supported: {', '.join(options)})")
    return options[value]


def scalar(array: np.ndarray, what: str) -> float:
    if array.size != 1:
        raise ConversionError(f"{what} must be a scalar, got shape {list(array.shape)}")
    return float(array.item())


def attribute_or_input(node: Node, name: str, index: int) -> Sequence[int] | None:
    """An argument that moved from an attribute to a constant input: `axes` of
    Squeeze, Unsqueeze and ReduceSum in opset 13, of the other reductions in
    18; `split` of Split in 13."""
    if name in node.schema.attributes:
        return node.attr(name)
    return node.optional_constant(index)


def ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def require_image(node: Node, value: ir.Value) -> list[int]:
    """The shape of an (N, C, H, W) input: braze's spatial ops are 2-D."""
    shape = shape_of(value)
    if len(shape) != 4:
        raise ConversionError(f"braze supports 2-D {node.op_type} only (a rank-4 input); "
                              f"the input has rank {len(shape)}")
    return shape


class Window:
    """A Conv, ConvTranspose or pooling node as braze's 2-D ops take it.

    braze's window ops are 2-D. A 1-D node, input (N, C, L), runs as the 2-D
    op on (N, C, 1, L): its tensors gain a unit H dimension (dim 2, also
    that of a (M, C/group, k) weight) and its per-dimension attributes the
    unit dimension's neutral value (kernel, stride, dilation and output
    size 1; pads and output padding 0), which leaves H at size 1.
    """

    def __init__(self, node: Node, x: ir.Value):
        rank = len(shape_of(x))
        if rank not in (3, 4):
            raise ConversionError(f"braze supports 1-D and 2-D {node.op_type} only (a rank-3 "
                                  f"or rank-4 input); the input has rank {rank}")
        self.node = node
        self.spatial_rank = rank - 2

    def to_2d(self, value: ir.Value) -> ir.Value:
        """An input or weight with the unit H dimension inserted, if 1-D."""
        if self.spatial_rank == 2:
            return value
        shape = shape_of(value)
        return reshape(value, [*shape[:2], 1, *shape[2:]])

    def from_2d(self, value: ir.Value) -> ir.Value:
        """The braze op's result without the unit H dimension, if 1-D."""
        if self.spatial_rank == 2:
            return value
        shape = shape_of(value)
        return reshape(value, [*shape[:2], *shape[3:]])

    def attr(self, name: str, neutral: int, default: list[int] | None = None) -> list[int] | None:
        """A per-dimension attribute in 2-D form, the neutral value before
        each 1-D entry: (k) -> (1, k), pads (begin, end) -> (0, begin, 0, end);
        `default`, already in 2-D form, if the node leaves it out. (ONNX shape
        inference has checked the attribute's length.)"""
        value = self.node.attr(name)
        if value is None:
            return default
        value = [int(entry) for entry in value]
        if self.spatial_rank == 2:
            return value
        return [entry for given in value for entry in (neutral, given)]

    def strides_and_dilations(self) -> tuple[list[int], list[int]]:
        return self.attr("strides", 1, [1, 1]), self.attr("dilations", 1, [1, 1])

    def pads(self) -> list[int]:
        """(top, left, bottom, right), zero if not given."""
        return self.attr("pads", 0, [0, 0, 0, 0])


def filter_kernel(window: Window, filter_: ir.Value) -> list[int]:
    """The spatial shape of a (2-D form) weight, checked against kernel_shape."""
    kernel = shape_of(filter_)[2:]
    declared = window.attr("kernel_shape", 1)
    if declared is not None and declared != kernel:
        raise ConversionError(f"attribute kernel_shape={window.node.attr('kernel_shape')} "
                              "does not match the weight's spatial shape "
                              f"{shape_of(filter_)[4 - window.spatial_rank:]}")
    return kernel


SAME_AUTO_PADS = ("SAME_UPPER", "SAME_LOWER")


def split_paddings(totals: Sequence[int], auto_pad: str) -> list[int]:
    """(begin..., end...) pads from the total padding of each spatial dim:
    SAME_UPPER puts an odd cell at the end, the other modes (ConvTranspose's
    output_shape without auto_pad too) at the start."""
    halves = [(total // 2, total - total // 2) for total in totals]
    if auto_pad != "SAME_UPPER":
        halves = [(larger, smaller) for smaller, larger in halves]
    return [begin for begin, _ in halves] + [end for _, end in halves]


def forward_pads(window: Window, input_size: Sequence[int], kernel: Sequence[int],
                 strides: Sequence[int], dilations: Sequence[int]) -> list[int]:
    """(top, left, bottom, right) pads of Conv and pooling, from `pads` or `auto_pad`."""
    auto_pad = window.node.attr("auto_pad")
    if auto_pad == "NOTSET":
        return window.pads()
    if window.node.has_attr("pads"):
        raise ConversionError(f"attribute pads cannot be combined with auto_pad={auto_pad!r}")
    if auto_pad == "VALID":
        return [0, 0, 0, 0]
    if auto_pad not in SAME_AUTO_PADS:
        raise ConversionError(f"attribute auto_pad={auto_pad!r} is not a valid value")
    return split_paddings([same_padding(*dim) for dim in
                           zip(input_size, kernel, strides, dilations)], auto_pad)


def same_padding(size: int, k: int, stride: int, dilation: int) -> int:
    """Total padding that leaves ceil(size / stride) windows (auto_pad SAME_*)."""
    return max(0, (ceil_div(size, stride) - 1) * stride + (k - 1) * dilation + 1 - size)


def transposed_pads(window: Window, input_size: Sequence[int], kernel: Sequence[int],
                    strides: Sequence[int], dilations: Sequence[int],
                    output_padding: Sequence[int]) -> list[int]:
    """ConvTranspose pads, from `pads`, or from `output_shape` or `auto_pad`."""
    output_shape = window.attr("output_shape", 1)
    auto_pad = window.node.attr("auto_pad")
    if output_shape is None and auto_pad == "NOTSET":
        return window.pads()
    if window.node.has_attr("pads"):
        raise ConversionError("attribute pads cannot be combined with output_shape or "
                              f"auto_pad={auto_pad!r}")
    if output_shape is None:
        if auto_pad == "VALID":
            return [0, 0, 0, 0]
        if auto_pad not in SAME_AUTO_PADS:
            raise ConversionError(f"attribute auto_pad={auto_pad!r} is not a valid value")
        output_shape = [size * stride for size, stride in zip(input_size, strides)]
    totals = [stride * (size - 1) + extra + (k - 1) * dilation + 1 - target
              for size, k, stride, dilation, extra, target in
              zip(input_size, kernel, strides, dilations, output_padding, output_shape)]
    if min(totals) < 0:
        raise ConversionError(f"output size {output_shape[2 - window.spatial_rank:]} needs "
                              "negative padding, which braze.conv_transpose2d cannot express")
    return split_paddings(totals, auto_pad)


# ---------------------------------------------------------------------------
# Convolution, matrix products, normalization, pooling
# ---------------------------------------------------------------------------

@converts("Conv")
def convert_conv(node: Node) -> ir.Value:
    window = Window(node, node.input(0))
    x, filter_ = window.to_2d(node.input(0)), window.to_2d(node.input(1))
    kernel = filter_kernel(window, filter_)
    strides, dilations = window.strides_and_dilations()
    pads = forward_pads(window, shape_of(x)[2:], kernel, strides, dilations)
    return window.from_2d(bz.Conv2DOp(x, filter_, bias=node.optional_input(2), strides=strides,
                                      pads=pads, dilations=dilations,
                                      group=node.attr("group")).result)


@converts("ConvTranspose")
def convert_conv_transpose(node: Node) -> ir.Value:
    window = Window(node, node.input(0))
    x, filter_ = window.to_2d(node.input(0)), window.to_2d(node.input(1))
    kernel = filter_kernel(window, filter_)
    strides, dilations = window.strides_and_dilations()
    output_padding = window.attr("output_padding", 0, [0, 0])
    pads = transposed_pads(window, shape_of(x)[2:], kernel, strides, dilations, output_padding)
    return window.from_2d(bz.ConvTranspose2DOp(
        x, filter_, bias=node.optional_input(2), strides=strides, pads=pads,
        dilations=dilations, output_padding=output_padding, group=node.attr("group")).result)


@converts("MatMul")
def convert_matmul(node: Node) -> ir.Value:
    return matmul(node, node.input(0), node.input(1))


def matmul(node: Node, a: ir.Value, b: ir.Value) -> ir.Value:
    # IREE crashes on a product over an empty dimension (K = 0).
    if shape_of(a)[-1] == 0:
        raise ConversionError(f"input '{node.proto.input[0]}' has shape {shape_of(a)}: a "
                              "product over an empty dimension is not supported by braze")
    return bz.MatMulOp(a, b).result


@converts("Gemm")
def convert_gemm(node: Node) -> ir.Value:
    """alpha * A' B' + beta * C as transpose, matmul, mul and add."""
    a, b = node.input(0), node.input(1)
    if len(shape_of(a)) != 2 or len(shape_of(b)) != 2:
        raise ConversionError("Gemm takes matrices (rank 2), got ranks "
                              f"{len(shape_of(a))} and {len(shape_of(b))}")
    if node.attr("transA"):
        a = transpose(a, [1, 0])
    if node.attr("transB"):
        b = transpose(b, [1, 0])
    product = matmul(node, a, b)
    alpha = node.attr("alpha")
    if alpha != 1.0:
        product = bz.MulOp(product, scalar_like(alpha, product)).result
    c = node.optional_input(2)
    if c is None:
        return product
    beta = node.attr("beta")
    if beta != 1.0:
        c = bz.MulOp(c, scalar_like(beta, c)).result
    return bz.AddOp(product, c).result


@converts("BatchNormalization")
def convert_batch_norm(node: Node) -> ir.Value:
    if node.attr("training_mode", 0):
        raise ConversionError("attribute training_mode=1 is not supported by braze, which "
                              "imports inference graphs")
    node.ignore_attributes("momentum")  # updates running statistics in training only
    return bz.BatchNormOp(*(node.input(index) for index in range(5)),
                          epsilon=node.attr("epsilon")).result


@converts("LayerNormalization")
def convert_layer_norm(node: Node) -> list[ir.Value]:
    """Y by braze.layer_norm; the optional outputs Mean and InvStdDev, when
    used, by braze ops as the operator's function body computes them: in
    float32 (stash_type 1, its default and the only value check_fully_read
    lets through), over dims [axis, rank) kept as size 1."""
    x = node.input(0)
    axis = normalize_axis(node.attr("axis"), len(shape_of(x)))
    epsilon = node.attr("epsilon")
    results = [bz.LayerNormOp(x, node.input(1), axis, bias=node.optional_input(2),
                              epsilon=epsilon).result]
    if not (node.output_used(1) or node.output_used(2)):
        return results
    stashed = cast(x, np.dtype(np.float32))
    axes = list(range(axis, len(shape_of(x))))
    mean = bz.ReduceOp(bz.ReduceKind.mean, stashed, axes, keepdims=True).result
    results.append(mean)
    if node.output_used(2):
        results.append(inverse_std_dev(stashed, mean, axes, epsilon))
    return results


def inverse_std_dev(x: ir.Value, mean: ir.Value, axes: list[int], epsilon: float) -> ir.Value:
    """1 / sqrt(ReduceMean((x - mean)^2) + epsilon), the reduced dims kept."""
    deviation = bz.SubOp(x, mean).result
    variance = bz.ReduceOp(bz.ReduceKind.mean, bz.MulOp(deviation, deviation).result, axes,
                           keepdims=True).result
    shifted = bz.AddOp(variance, scalar_like(epsilon, variance)).result
    return bz.ReciprocalOp(bz.SqrtOp(shifted).result).result


POOL_KINDS = {"MaxPool": bz.PoolKind.max, "AveragePool": bz.PoolKind.avg}


def convert_pool(kind: bz.PoolKind, node: Node) -> ir.Value:
    window = Window(node, node.input(0))
    x = window.to_2d(node.input(0))
    kernel = window.attr("kernel_shape", 1)
    if kernel is None:
        raise ConversionError("attribute kernel_shape is missing")
    strides, dilations = window.strides_and_dilations()
    pads = forward_pads(window, shape_of(x)[2:], kernel, strides, dilations)
    ceil_mode = bool(node.attr("ceil_mode"))
    if ceil_mode and node.attr("auto_pad") != "NOTSET":
        # ONNX shape inference rounds up there, onnxruntime rounds down.
        raise ConversionError("attribute ceil_mode=1 with auto_pad="
                              f"{node.attr('auto_pad')!r} is ambiguous")
    if kind == bz.PoolKind.max:
        node.ignore_attributes("storage_order")  # orders the Indices output only
        count_include_pad = False
    else:
        count_include_pad = bool(node.attr("count_include_pad"))
    return window.from_2d(bz.Pool2DOp(kind, x, kernel, strides=strides, pads=pads,
                                      dilations=dilations, count_include_pad=count_include_pad,
                                      ceil_mode=ceil_mode).result)


register_family(POOL_KINDS, convert_pool)

GLOBAL_POOL_KINDS = {"GlobalAveragePool": bz.ReduceKind.mean,
                     "GlobalMaxPool": bz.ReduceKind.max}


def convert_global_pool(kind: bz.ReduceKind, node: Node) -> ir.Value:
    x = node.input(0)
    spatial_axes = list(range(2, len(shape_of(x))))
    return bz.ReduceOp(kind, x, spatial_axes, keepdims=True).result


register_family(GLOBAL_POOL_KINDS, convert_global_pool)

REDUCE_KINDS = {"ReduceSum": bz.ReduceKind.sum, "ReduceMean": bz.ReduceKind.mean,
                "ReduceMax": bz.ReduceKind.max, "ReduceMin": bz.ReduceKind.min,
                "ReduceProd": bz.ReduceKind.prod}


def convert_reduce(kind: bz.ReduceKind, node: Node) -> ir.Value:
    x = node.input(0)
    rank = len(shape_of(x))
    axes = attribute_or_input(node, "axes", 1)
    if axes is None or len(axes) == 0:
        if node.attr("noop_with_empty_axes", 0):
            return x
        axes = range(rank)
    return bz.ReduceOp(kind, x, normalize_axes(axes, rank),
                       keepdims=bool(node.attr("keepdims"))).result


register_family(REDUCE_KINDS, convert_reduce)


@converts("Softmax")
def convert_softmax(node: Node) -> ir.Value:
    x = node.input(0)
    shape = shape_of(x)
    axis = normalize_axis(node.attr("axis"), len(shape))
    if node.schema.since_version >= 13 or axis == len(shape) - 1:
        return bz.SoftmaxOp(x, axis).result
    # Before opset 13 Softmax normalizes over all of dims [axis, rank) at once,
    # as if the input were flattened to 2-D there.
    flat = reshape(x, shape[:axis] + [math.prod(shape[axis:])])
    return reshape(bz.SoftmaxOp(flat, axis).result, shape)


# ---------------------------------------------------------------------------
# Elementwise
# ---------------------------------------------------------------------------

UNARY_OPS = {
    "Relu": bz.ReluOp, "Sigmoid": bz.SigmoidOp, "Tanh": bz.TanhOp, "Exp": bz.ExpOp,
    "Log": bz.LogOp, "Sqrt": bz.SqrtOp, "Reciprocal": bz.ReciprocalOp, "Neg": bz.NegOp,
    "Abs": bz.AbsOp, "Erf": bz.ErfOp, "Floor": bz.FloorOp, "Ceil": bz.CeilOp,
    "HardSwish": bz.HardSwishOp,
}


def convert_unary(op_class: type, node: Node) -> ir.Value:
    return op_class(node.input(0)).result


register_family(UNARY_OPS, convert_unary)


@converts("HardSigmoid")
def convert_hard_sigmoid(node: Node) -> ir.Value:
    return bz.HardSigmoidOp(node.input(0), alpha=node.attr("alpha"),
                            beta=node.attr("beta")).result


@converts("LeakyRelu")
def convert_leaky_relu(node: Node) -> ir.Value:
    return bz.LeakyReluOp(node.input(0), alpha=node.attr("alpha")).result


@converts("Clip")
def convert_clip(node: Node) -> ir.Value:
    x = node.input(0)
    low, high = (node.optional_constant(index) for index in (1, 2))
    if dtype_of(x).kind == "f":
        return bz.ClipOp(x, min=None if low is None else scalar(low, "min"),
                         max=None if high is None else scalar(high, "max")).result
    # braze.clip takes floats (its bounds are f32 attributes): integers are
    # clamped by max and min with rank-0 constants of their own type.
    for bound, name, op_class in ((low, "min", bz.MaxOp), (high, "max", bz.MinOp)):
        if bound is not None:
            scalar(bound, name)  # checks that it is one value
            x = op_class(x, constant(bound.astype(dtype_of(x)).reshape(()))).result
    return x


@converts("Identity")
def convert_identity(node: Node) -> ir.Value:
    return node.input(0)


@converts("Dropout")
def convert_dropout(node: Node) -> ir.Value | list[ir.Value]:
    # In inference Dropout passes its input through: ratio and seed do nothing.
    node.ignore_attributes("ratio", "seed")
    node.ignore_input(1)
    training_mode = node.optional_constant(2)
    if training_mode is not None and bool(training_mode):
        raise ConversionError("input 'training_mode' is true; braze imports inference graphs")
    x = node.input(0)
    if not node.output_used(1):
        return x
    # Inference drops no element: the mask is all true.
    return [x, constant(np.ones(shape_of(x), np.bool_))]


BINARY_OPS = {"Add": bz.AddOp, "Sub": bz.SubOp, "Mul": bz.MulOp, "Div": bz.DivOp}


def convert_binary(op_class: type, node: Node) -> ir.Value:
    return op_class(node.input(0), node.input(1)).result


register_family(BINARY_OPS, convert_binary)


@converts("Pow")
def convert_pow(node: Node) -> ir.Value:
    base = node.input(0)
    known = node.known_value(1)
    exponent = None if known is not None else node.input(1)
    base_dtype = dtype_of(base)
    exponent_dtype = known.dtype if known is not None else dtype_of(exponent)
    if base_dtype.kind != "f" and exponent_dtype.kind == "f":
        raise ConversionError(f"a {base_dtype} base with a {exponent_dtype} exponent is "
                              "not supported by braze")
    # ONNX lets the exponent have another type; braze.pow takes one. A
    # constant exponent is converted now rather than by a braze.cast, so the
    # lowering sees a constant: IREE evaluates powf with a constant exponent
    # exactly for negative bases too, a computed one as exp(y * log(x)).
    if known is not None:
        exponent = constant(known.astype(base_dtype), node.proto.input[1])
    return bz.PowOp(base, cast(exponent, base_dtype)).result


VARIADIC_OPS = {"Max": bz.MaxOp, "Min": bz.MinOp, "Sum": bz.AddOp}


def convert_variadic(op_class: type, node: Node) -> ir.Value:
    return functools.reduce(lambda lhs, rhs: op_class(lhs, rhs).result, node.inputs())


register_family(VARIADIC_OPS, convert_variadic)


@converts("Mean")
def convert_mean(node: Node) -> ir.Value:
    total = convert_variadic(bz.AddOp, node)
    return bz.DivOp(total, scalar_like(node.input_count, total)).result


COMPARISONS = {
    "Equal": bz.ComparePredicate.eq, "Less": bz.ComparePredicate.lt,
    "LessOrEqual": bz.ComparePredicate.le, "Greater": bz.ComparePredicate.gt,
    "GreaterOrEqual": bz.ComparePredicate.ge,
}


def convert_comparison(predicate: bz.ComparePredicate, node: Node) -> ir.Value:
    return bz.CompareOp(predicate, node.input(0), node.input(1)).result


register_family(COMPARISONS, convert_comparison)


@converts("Where")
def convert_where(node: Node) -> ir.Value:
    return bz.WhereOp(node.input(0), node.input(1), node.input(2)).result


@converts("Cast")
def convert_cast(node: Node) -> ir.Value:
    to = node.attr("to")
    try:
        dtype = numpy_dtype(to)
    except ConversionError:
        raise ConversionError(f"attribute to={TensorProto.DataType.Name(to)} is not "
                              "supported by braze") from None
    return cast(node.input(0), dtype)


# ---------------------------------------------------------------------------
# Shape changes
# ---------------------------------------------------------------------------

@converts("Reshape")
def convert_reshape(node: Node) -> ir.Value:
    x = node.input(0)
    shape = shape_of(x)
    target = [int(d) for d in node.constant(1)]
    allow_zero = node.attr("allowzero", 0)
    # 0 copies the input's dimension unless allowzero; one -1 takes the rest.
    resolved = [shape[i] if d == 0 and not allow_zero and i < len(shape) else d
                for i, d in enumerate(target)]
    if any(d < -1 for d in resolved) or resolved.count(-1) > 1 or (
            0 in resolved and not allow_zero):
        raise ConversionError(f"shape {target} is not a valid target for input shape {shape}")
    if -1 in resolved:
        known = math.prod(d for d in resolved if d != -1)
        if known == 0 or math.prod(shape) % known:
            raise ConversionError(f"cannot reshape {shape} into {target}")
        resolved[resolved.index(-1)] = math.prod(shape) // known
    return reshape(x, resolved)


@converts("Flatten")
def convert_flatten(node: Node) -> ir.Value:
    x = node.input(0)
    shape = shape_of(x)
    axis = node.attr("axis")
    if not -len(shape) <= axis <= len(shape):
        raise ConversionError(f"axis {axis} is out of range for rank {len(shape)}")
    axis += len(shape) if axis < 0 else 0
    return reshape(x, [math.prod(shape[:axis]), math.prod(shape[axis:])])


@converts("Squeeze")
def convert_squeeze(node: Node) -> ir.Value:
    x = node.input(0)
    shape = shape_of(x)
    axes = attribute_or_input(node, "axes", 1)
    if axes is None:
        axes = [dim for dim, size in enumerate(shape) if size == 1]
    axes = normalize_axes(axes, len(shape))
    if any(shape[axis] != 1 for axis in axes):
        raise ConversionError(f"cannot squeeze axes {axes} of shape {shape}")
    return reshape(x, [size for dim, size in enumerate(shape) if dim not in axes])


@converts("Unsqueeze")
def convert_unsqueeze(node: Node) -> ir.Value:
    x = node.input(0)
    shape = shape_of(x)
    axes = attribute_or_input(node, "axes", 1)
    if axes is None:
        raise ConversionError("axes are missing")
    rank = len(shape) + len(axes)
    inserted = normalize_axes(axes, rank)
    if len(inserted) != len(axes):
        raise ConversionError(f"axes {list(axes)} repeat an axis")
    sizes = iter(shape)
    return reshape(x, [1 if dim in inserted else next(sizes) for dim in range(rank)])


@converts("Transpose")
def convert_transpose(node: Node) -> ir.Value:
    x = node.input(0)
    perm = node.attr("perm", list(reversed(range(len(shape_of(x))))))
    return transpose(x, perm)


@converts("DepthToSpace")
def convert_depth_to_space(node: Node) -> ir.Value:
    x = node.input(0)
    n, c, h, w = require_image(node, x)
    b = node.attr("blocksize")
    if c % (b * b):
        raise ConversionError(f"channels ({c}) are not divisible by blocksize^2 ({b * b})")
    depth = c // (b * b)
    # DCR reads the channel as (block row, block column, depth), CRD as
    # (depth, block row, block column); the perm interleaves the blocks with H, W.
    blocks, perm = choice(node, "mode", {
        "DCR": ([n, b, b, depth, h, w], [0, 3, 4, 1, 5, 2]),
        "CRD": ([n, depth, b, b, h, w], [0, 1, 4, 2, 5, 3]),
    })
    return reshape(transpose(reshape(x, blocks), perm), [n, depth, h * b, w * b])


@converts("SpaceToDepth")
def convert_space_to_depth(node: Node) -> ir.Value:
    x = node.input(0)
    n, c, h, w = require_image(node, x)
    b = node.attr("blocksize")
    if h % b or w % b:
        raise ConversionError(f"spatial size {h}x{w} is not divisible by blocksize {b}")
    blocks = reshape(x, [n, c, h // b, b, w // b, b])
    return reshape(transpose(blocks, [0, 3, 5, 1, 2, 4]), [n, c * b * b, h // b, w // b])


# ---------------------------------------------------------------------------
# Data movement
# ---------------------------------------------------------------------------

def empty_tensor(shape: Sequence[int], dtype: np.dtype) -> ir.Value:
    return constant(np.zeros([int(size) for size in shape], dtype))


@converts("Concat")
def convert_concat(node: Node) -> ir.Value:
    inputs = node.inputs()
    axis = normalize_axis(node.attr("axis"), len(shape_of(inputs[0])))
    # Empty inputs add nothing; the lowering cannot insert one at the end of
    # the result (tensor.insert_slice rejects the out-of-bounds offset).
    pieces = [value for value in inputs if 0 not in shape_of(value)]
    if not pieces:
        shape = shape_of(inputs[0])
        shape[axis] = sum(shape_of(value)[axis] for value in inputs)
        return empty_tensor(shape, dtype_of(inputs[0]))
    return pieces[0] if len(pieces) == 1 else bz.ConcatOp(pieces, axis).result


def slice_value(x: ir.Value, starts: Sequence[int], sizes: Sequence[int],
                steps: Sequence[int]) -> ir.Value:
    # An empty slice holds no values, whatever its start: it is a constant.
    # (The lowering cannot express one that starts at the end of an axis, or
    # any slice of an empty input: tensor.extract_slice rejects the offset.)
    if 0 in sizes:
        return empty_tensor(sizes, dtype_of(x))
    return bz.SliceOp(x, [int(s) for s in starts], [int(s) for s in sizes],
                      [int(s) for s in steps]).result


@converts("Split")
def convert_split(node: Node) -> list[ir.Value]:
    x = node.input(0)
    shape = shape_of(x)
    axis = normalize_axis(node.attr("axis"), len(shape))
    results, offset = [], 0
    for size in split_sizes(node, shape[axis], len(node.proto.output)):
        starts, sizes = [0] * len(shape), list(shape)
        starts[axis], sizes[axis] = offset, size
        results.append(slice_value(x, starts, sizes, [1] * len(shape)))
        offset += size
    return results


def split_sizes(node: Node, extent: int, outputs: int) -> list[int]:
    sizes = attribute_or_input(node, "split", 1)
    if sizes is not None and len(sizes) > 0:
        sizes = [int(size) for size in sizes]
    elif node.attr("num_outputs") is not None:
        # Opset 18: equal chunks of ceil(extent / n), the last one smaller.
        chunk = ceil_div(extent, node.attr("num_outputs"))
        sizes = [chunk] * (outputs - 1) + [extent - chunk * (outputs - 1)]
    elif extent % outputs == 0:
        sizes = [extent // outputs] * outputs
    else:
        raise ConversionError(f"cannot split {extent} elements into {outputs} equal parts")
    if len(sizes) != outputs or sum(sizes) != extent or min(sizes) < 0:
        raise ConversionError(f"split sizes {sizes} do not divide {extent} elements "
                              f"into {outputs} outputs")
    return sizes


@converts("Slice")
def convert_slice(node: Node) -> ir.Value:
    x = node.input(0)
    shape = shape_of(x)
    rank = len(shape)
    starts, ends = node.constant(1), node.constant(2)
    axes = node.optional_constant(3)
    steps = node.optional_constant(4)
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise ConversionError("starts, ends, axes and steps differ in length")
    full_starts, full_sizes, full_steps = [0] * rank, list(shape), [1] * rank
    seen = set()
    for axis, start, end, step in zip(axes, starts, ends, steps):
        axis = normalize_axis(int(axis), rank)
        if axis in seen:
            raise ConversionError(f"axis {axis} is sliced twice")
        seen.add(axis)
        full_starts[axis], full_sizes[axis] = clamp_slice(int(start), int(end), int(step),
                                                          shape[axis])
        full_steps[axis] = int(step)
    return slice_value(x, full_starts, full_sizes, full_steps)


def clamp_slice(start: int, end: int, step: int, extent: int) -> tuple[int, int]:
    """(first index, element count) of ONNX Slice along one axis."""
    if step == 0:
        raise ConversionError("slice step 0 is not valid")
    start += extent if start < 0 else 0
    end += extent if end < 0 else 0
    if step > 0:
        start, end = min(max(start, 0), extent), min(max(end, 0), extent)
    else:
        start, end = min(max(start, 0), extent - 1), min(max(end, -1), extent - 1)
    return start, max(0, ceil_div(end - start, step))


@converts("Pad")
def convert_pad(node: Node) -> ir.Value:
    borders = choice(node, "mode", {"constant": None, **PAD_BORDERS})
    x = node.input(0)
    shape = shape_of(x)
    rank = len(shape)
    pads = [int(p) for p in node.constant(1)]
    value = node.optional_constant(2)
    axes = node.optional_constant(3)
    axes = list(range(rank)) if axes is None else [normalize_axis(int(a), rank) for a in axes]
    if len(pads) != 2 * len(axes) or len(set(axes)) != len(axes):
        raise ConversionError(f"pads {pads} do not give a begin and end for each of axes {axes}")
    low, high = [0] * rank, [0] * rank
    for axis, before, after in zip(axes, pads[:len(axes)], pads[len(axes):]):
        low[axis], high[axis] = before, after
    if borders is not None:
        return pad_with_copies(x, low, high, borders, node.attr("mode"))
    # Negative pads remove cells: slice them off first.
    kept = [size + min(before, 0) + min(after, 0) for size, before, after in zip(shape, low, high)]
    if min(kept) < 0:
        raise ConversionError(f"pads {pads} remove more than the input shape {shape}")
    if kept != shape:
        x = slice_value(x, [-min(before, 0) for before in low], kept, [1] * rank)
    return bz.PadOp(x, [max(p, 0) for p in low], [max(p, 0) for p in high],
                    value=0.0 if value is None else scalar(value, "constant_value")).result


# Pad modes that copy input cells: (start, count, step) of the cells placed
# before and after an axis of size `extent`, padded by (before, after). Step
# 0 repeats one cell.
PAD_BORDERS = {
    "edge": lambda extent, before, after: ((0, before, 0), (extent - 1, after, 0)),
    "reflect": lambda extent, before, after: ((before, before, -1), (extent - 2, after, -1)),
    "wrap": lambda extent, before, after: ((extent - before, before, 1), (0, after, 1)),
}


def pad_with_copies(x: ir.Value, low: list[int], high: list[int], borders: Callable,
                    mode: str) -> ir.Value:
    """Pad's edge, reflect and wrap modes: each padded axis in turn becomes
    the concat of its borders and itself, as numpy.pad (ONNX's reference)
    pads one axis after the other."""
    if min(low + high) < 0:
        raise ConversionError(f"negative pads with mode={mode!r} are not supported by braze")
    for axis, (before, after) in enumerate(zip(low, high)):
        extent = shape_of(x)[axis]
        pieces = [copied_cells(x, axis, *border, mode)
                  for border in borders(extent, before, after)]
        if pieces[0] is not None or pieces[1] is not None:
            x = bz.ConcatOp([piece for piece in (pieces[0], x, pieces[1])
                             if piece is not None], axis).result
    return x


def copied_cells(x: ir.Value, axis: int, start: int, count: int, step: int,
                 mode: str) -> ir.Value | None:
    """Cells start, start + step, ... (count of them) of x along axis; None if none."""
    if count == 0:
        return None
    shape = shape_of(x)
    last = start + (count - 1) * step
    if not (0 <= start < shape[axis] and 0 <= last < shape[axis]):
        raise ConversionError(f"mode={mode!r} cannot pad axis {axis} of size {shape[axis]} "
                              f"by {count}")
    starts, sizes, steps = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis], sizes[axis], steps[axis] = start, 1 if step == 0 else count, step or 1
    cells = slice_value(x, starts, sizes, steps)
    if step == 0 and count > 1:
        sizes[axis] = count
        cells = bz.ExpandOp(tensor_type(sizes, dtype_of(x)), cells).result
    return cells


@converts("Gather")
def convert_gather(node: Node) -> ir.Value:
    data = node.input(0)
    axis = normalize_axis(node.attr("axis"), len(shape_of(data)))
    return bz.GatherOp(data, node.input(1), axis).result


@converts("Expand")
def convert_expand(node: Node) -> ir.Value:
    x = node.input(0)
    shape = shape_of(x)
    target = [int(d) for d in node.constant(1)]
    try:
        result_shape = list(np.broadcast_shapes(tuple(shape), tuple(target)))
    except ValueError:
        raise ConversionError(f"cannot expand shape {shape} to {target}") from None
    if result_shape == shape:
        return x
    return bz.ExpandOp(tensor_type(result_shape, dtype_of(x)), x).result


@converts("Tile")
def convert_tile(node: Node) -> ir.Value:
    return bz.TileOp(node.input(0), [int(r) for r in node.constant(1)]).result


# ---------------------------------------------------------------------------
# Resize
# ---------------------------------------------------------------------------

RESIZE_MODES = {"nearest": bz.ResizeMode.nearest, "linear": bz.ResizeMode.linear}
COORDINATE_TRANSFORMS = {mode.name: mode for mode in bz.CoordinateTransform}
NEAREST_ROUNDINGS = {rounding.name: rounding for rounding in bz.NearestRounding}


@converts("Resize")
def convert_resize(node: Node) -> ir.Value:
    x = node.input(0)
    mode = choice(node, "mode", RESIZE_MODES)
    transform = choice(node, "coordinate_transformation_mode", COORDINATE_TRANSFORMS)
    rounding = choice(node, "nearest_mode", NEAREST_ROUNDINGS)
    if node.attr("antialias", 0):
        raise ConversionError("attribute antialias=1 is not supported by braze")
    # roi, cubic_coeff_a and extrapolation_value matter only for the cubic
    # mode and tf_crop_and_resize, both rejected above.
    node.ignore_input(1)
    node.ignore_attributes("cubic_coeff_a", "extrapolation_value")
    scales, sizes = node.optional_constant(2), node.optional_constant(3)
    shape = resized_shape(shape_of(x), scales, sizes, node.attr("axes"),
                          node.attr("keep_aspect_ratio_policy", "stretch"))
    return resize(x, shape, mode, transform,
                  rounding if mode == bz.ResizeMode.nearest else None)


@converts("Upsample")
def convert_upsample(node: Node) -> ir.Value:
    # Upsample is Resize with asymmetric coordinates; nearest rounds down
    # (its scales are >= 1), as the operator's examples show.
    x = node.input(0)
    mode = choice(node, "mode", RESIZE_MODES)
    shape = resized_shape(shape_of(x), node.constant(1), None, None)
    rounding = bz.NearestRounding.floor if mode == bz.ResizeMode.nearest else None
    return resize(x, shape, mode, bz.CoordinateTransform.asymmetric, rounding)


# keep_aspect_ratio_policy (opset 18): the one scale that `sizes` stands for.
ASPECT_RATIO_SCALES = {"not_larger": min, "not_smaller": max}


def resized_shape(shape: list[int], scales: np.ndarray | None, sizes: np.ndarray | None,
                  axes: Sequence[int] | None, policy: str = "stretch") -> list[int]:
    """The output shape of Resize; braze.resize implies scale = output / input."""
    axes = range(len(shape)) if axes is None else [normalize_axis(a, len(shape)) for a in axes]
    given = sizes if sizes is not None and sizes.size else scales
    if given is None or given.size == 0:
        raise ConversionError("neither scales nor sizes are given")
    if given.size != len(axes):
        raise ConversionError(f"{given.size} scales or sizes given for {len(axes)} axes")
    result = list(shape)
    if given is sizes and policy == "stretch":
        for axis, size in zip(axes, sizes):
            result[axis] = int(size)
    elif given is sizes:
        # One scale for all axes, the output sizes rounded half up from it;
        # ONNX interpolates with that scale.
        scale = choice_of(policy, "keep_aspect_ratio_policy", ASPECT_RATIO_SCALES)(
            int(size) / shape[axis] for axis, size in zip(axes, sizes))
        for axis in axes:
            result[axis] = math.floor(shape[axis] * scale + 0.5)
            require_size_ratio(axis, scale, shape[axis], result[axis])
    else:
        for axis, scale in zip(axes, scales.astype(np.float32)):
            result[axis] = math.floor(shape[axis] * float(scale))
            require_size_ratio(axis, float(scale), shape[axis], result[axis])
    if len(shape) != 4 or result[:2] != shape[:2]:
        raise ConversionError(f"resizing {shape} to {result} is not supported: braze.resize "
                              "rescales the last two dims of a rank-4 tensor")
    return result


def require_size_ratio(axis: int, scale: float, size: int, resized: int) -> None:
    """ONNX maps coordinates with the scale it is given, braze.resize with
    output size / input size: they must agree (in float32, as onnxruntime's)."""
    if np.float32(resized / size) != np.float32(scale):
        raise ConversionError(
            f"scale {scale} of axis {axis} maps size {size} to {size * scale}; braze.resize "
            "needs a scale equal to output size / input size")


def resize(x: ir.Value, shape: list[int], mode: bz.ResizeMode,
           transform: bz.CoordinateTransform,
           rounding: bz.NearestRounding | None) -> ir.Value:
    return bz.ResizeOp(tensor_type(shape, dtype_of(x)), x, mode, transform,
                       nearest_rounding=rounding).result

