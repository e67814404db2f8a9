"""braze tensor types, constants and the builders that converters share.

Builders use the current MLIR context, location and insertion point.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import mlir.ir as ir
import numpy as np
from onnx import TensorProto, helper

from braze.dialects import braze as bz

from .errors import ConversionError

# The element types braze handles: numpy dtype -> MLIR element type. ONNX's
# signed integers map onto signless ones (which braze ops treat as signed),
# its unsigned ones onto uiN, whose ops are unsigned (divui, cmpi ult, ...).
# DOUBLE is refused: IREE demotes f64 to f32.
ELEMENT_TYPES = {
    np.dtype(np.float32): "f32",
    np.dtype(np.float16): "f16",
    np.dtype(np.int8): "i8",
    np.dtype(np.int16): "i16",
    np.dtype(np.int32): "i32",
    np.dtype(np.int64): "i64",
    np.dtype(np.uint8): "ui8",
    np.dtype(np.uint16): "ui16",
    np.dtype(np.uint32): "ui32",
    np.dtype(np.uint64): "ui64",
    np.dtype(np.bool_): "i1",
}
_DTYPES = {name: dtype for dtype, name in ELEMENT_TYPES.items()}
SUPPORTED_TYPES_TEXT = ("float32, float16, int8, int16, int32, int64, "
                        "uint8, uint16, uint32, uint64 and bool")

# Constants with more elements than this become dense resources (stored as a
# blob, printed once at the end of the module) rather than inline literals.
RESOURCE_MIN_ELEMENTS = 8


def _unsupported_type(type_name: str) -> ConversionError:
    return ConversionError(
        f"element type {type_name} is not supported by braze ({SUPPORTED_TYPES_TEXT} are)")


def numpy_dtype(onnx_type: int) -> np.dtype:
    """The numpy dtype of an ONNX element type braze supports."""
    dtype = helper.tensor_dtype_to_np_dtype(onnx_type) if onnx_type else None
    if dtype not in ELEMENT_TYPES:
        raise _unsupported_type(TensorProto.DataType.Name(onnx_type))
    return dtype


def element_type(dtype: np.dtype) -> ir.Type:
    if dtype not in ELEMENT_TYPES:
        raise _unsupported_type(str(dtype))
    return ir.Type.parse(ELEMENT_TYPES[dtype])


def tensor_type(shape: Sequence[int], dtype: np.dtype) -> ir.RankedTensorType:
    return ir.RankedTensorType.get([int(d) for d in shape], element_type(dtype))


def shape_of(value: ir.Value) -> list[int]:
    return list(ir.RankedTensorType(value.type).shape)


def dtype_of(value: ir.Value) -> np.dtype:
    return _DTYPES[str(ir.RankedTensorType(value.type).element_type)]


def result_dtypes(function: ir.Operation) -> list[np.dtype]:
    """The numpy dtypes of a braze function's results. Lowering stores uiN
    as signless iN, which runtimes return as signed arrays: callers view
    those results with these dtypes again."""
    function_type = ir.FunctionType(ir.TypeAttr(function.attributes["function_type"]).value)
    return [_DTYPES[str(ir.RankedTensorType(type_).element_type)]
            for type_ in function_type.results]


def resource_name(tensor_name: str) -> str:
    """A resource key from an ONNX tensor name: only [A-Za-z0-9_.] survive."""
    return re.sub(r"[^A-Za-z0-9_.]", "_", tensor_name) or "constant"


def elements_attr(array: np.ndarray, name: str | None = None) -> ir.Attribute:
    """`dense<...>` for splats, small tensors and booleans (MLIR packs i1);
    `dense_resource<name>` for the rest, sharing the array's memory."""
    array = np.asarray(array, order="C")  # (np.ascontiguousarray makes scalars 1-D)
    type_ = tensor_type(array.shape, array.dtype)  # rejects unsupported dtypes
    # (A one-element bool buffer cannot stand for a splat; MLIR makes an
    # all-equal bool array a splat itself.)
    # Unsigned arrays need their element type spelled out (numpy's uint8
    # would become i8); bool arrays refuse one (MLIR packs i1 itself).
    element = {"type": type_.element_type} if array.dtype.kind == "u" else {}
    if array.size > 1 and array.dtype != np.bool_ and (array == array.flat[0]).all():
        return ir.DenseElementsAttr.get(array.reshape(-1)[:1], shape=list(array.shape),
                                        **element)
    if array.size <= RESOURCE_MIN_ELEMENTS or array.dtype == np.bool_ or name is None:
        return ir.DenseElementsAttr.get(array, **element)
    return ir.DenseResourceElementsAttr.get_from_buffer(array, resource_name(name), type_)


def constant(array: np.ndarray, name: str | None = None) -> ir.Value:
    return bz.ConstantOp(elements_attr(array, name)).result


def scalar_like(number: float, like: ir.Value) -> ir.Value:
    """A rank-0 constant of `like`'s element type holding `number` exactly."""
    dtype = dtype_of(like)
    if dtype.kind != "f" and not float(number).is_integer():
        raise ConversionError(f"{number} is not representable as {dtype}")
    return constant(np.array(number, dtype=dtype))


def reshape(value: ir.Value, shape: Sequence[int]) -> ir.Value:
    if list(shape) == shape_of(value):
        return value
    return bz.ReshapeOp(tensor_type(shape, dtype_of(value)), value).result


def transpose(value: ir.Value, perm: Sequence[int]) -> ir.Value:
    return bz.TransposeOp(value, [int(p) for p in perm]).result


def cast(value: ir.Value, dtype: np.dtype) -> ir.Value:
    if dtype_of(value) == dtype:
        return value
    return bz.CastOp(tensor_type(shape_of(value), dtype), value).result
