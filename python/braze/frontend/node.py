"""The node being imported: its attributes, its inputs and the values they name."""

from __future__ import annotations

from typing import Any

import mlir.ir as ir
import numpy as np
from onnx import AttributeProto, NodeProto, defs, helper, numpy_helper

from .errors import ConversionError
from .tensors import constant


class ValueTable:
    """What each ONNX tensor name stands for.

    Either an MLIR value or an array known at import time (initializers and
    folded nodes). An array becomes a `braze.constant` where its first
    converted user needs it, so constants that only feed folded shape
    computations never reach the IR.
    """

    def __init__(self, constants: dict[str, np.ndarray]):
        self._constants = dict(constants)
        self._values: dict[str, ir.Value] = {}

    def define(self, name: str, value: ir.Value) -> None:
        self._values[name] = value

    def define_constant(self, name: str, array: np.ndarray) -> None:
        self._constants[name] = array

    def constant(self, name: str) -> np.ndarray | None:
        return self._constants.get(name)

    def value(self, name: str) -> ir.Value:
        if name not in self._values:
            if name not in self._constants:
                raise ConversionError(
                    f"tensor '{name}' is not produced by any node, input or initializer")
            with ir.Location.name(name):
                self._values[name] = constant(self._constants[name], name)
        return self._values[name]


def attribute_value(attribute: AttributeProto) -> Any:
    """The Python value of an attribute: str for strings, list for repeated
    fields, numpy arrays for tensors."""
    value = helper.get_attribute_value(attribute)
    if isinstance(value, bytes):
        return value.decode()
    if attribute.type == AttributeProto.TENSOR:
        return numpy_helper.to_array(value)
    if isinstance(value, list):
        return [v.decode() if isinstance(v, bytes) else v for v in value]
    return value


def format_value(value: Any) -> str:
    """An attribute value for a one-line message."""
    if isinstance(value, np.ndarray):
        return f"<tensor {list(value.shape)} {value.dtype}>"
    return repr(value)


class Node:
    """A NodeProto as its converter sees it.

    The converter reads every attribute and input it honours through this
    class; afterwards `check_fully_read` rejects whatever else the node
    carries (an attribute away from its default, an input nobody read), so
    nothing is silently ignored.
    """

    def __init__(self, proto: NodeProto, schema: defs.OpSchema, values: ValueTable,
                 used: frozenset[str] = frozenset()):
        """`used`: the tensor names that some node or graph output reads."""
        self.proto = proto
        self.op_type = proto.op_type
        self.schema = schema
        self._values = values
        self._used = used
        self._attributes = {attribute.name: attribute for attribute in proto.attribute}
        self._read_attributes: set[str] = set()
        self._read_inputs: set[int] = set()

    # Attributes

    def attr(self, name: str, fallback: Any = None) -> Any:
        """The attribute's value, else its default in the op schema, else `fallback`."""
        self._read_attributes.add(name)
        attribute = self._attributes.get(name)
        if attribute is not None:
            return attribute_value(attribute)
        default = self._schema_default(name)
        return fallback if default is None else default

    def has_attr(self, name: str) -> bool:
        return name in self._attributes

    def ignore_attributes(self, *names: str) -> None:
        """Marks attributes that cannot change an inference result as read."""
        self._read_attributes.update(names)

    def _schema_default(self, name: str) -> Any:
        formal = self.schema.attributes.get(name)
        if formal is None or formal.default_value.type == AttributeProto.UNDEFINED:
            return None
        return attribute_value(formal.default_value)

    # Inputs

    @property
    def input_count(self) -> int:
        return len(self.proto.input)

    def has_input(self, index: int) -> bool:
        return index < len(self.proto.input) and bool(self.proto.input[index])

    def input(self, index: int) -> ir.Value:
        self._require(index)
        return self._values.value(self.proto.input[index])

    def optional_input(self, index: int) -> ir.Value | None:
        return self.input(index) if self.has_input(index) else None

    def inputs(self) -> list[ir.Value]:
        return [self.input(index) for index in range(self.input_count)]

    def constant(self, index: int) -> np.ndarray:
        """The value of an input that must be known at import time."""
        self._require(index)
        array = self._values.constant(self.proto.input[index])
        if array is None:
            raise ConversionError(f"{self._input_label(index)} must be a constant")
        return array

    def optional_constant(self, index: int) -> np.ndarray | None:
        return self.constant(index) if self.has_input(index) else None

    def known_value(self, index: int) -> np.ndarray | None:
        """The value of an input if it is known at import time, else None."""
        self._require(index)
        return self._values.constant(self.proto.input[index])

    def ignore_input(self, index: int) -> None:
        """Marks an input that cannot change an inference result as read."""
        self._read_inputs.add(index)

    def _require(self, index: int) -> None:
        if not self.has_input(index):
            raise ConversionError(f"{self._input_label(index)} is missing")
        self._read_inputs.add(index)

    def _input_label(self, index: int) -> str:
        formals = self.schema.inputs
        formal = formals[min(index, len(formals) - 1)].name
        tensor = self.proto.input[index] if index < len(self.proto.input) else ""
        return f"input '{formal}'" + (f" ('{tensor}')" if tensor else "")

    # Outputs

    def output_used(self, index: int) -> bool:
        """Whether a later node or a graph output reads output #index: a
        converter computes optional outputs (LayerNormalization's Mean, ...)
        only then."""
        return index < len(self.proto.output) and self.proto.output[index] in self._used

    # After conversion

    def check_fully_read(self) -> None:
        for name, attribute in self._attributes.items():
            if name in self._read_attributes:
                continue
            # No schema default is a tensor, so `!=` compares plain values.
            value = attribute_value(attribute)
            default = self._schema_default(name)
            if default is None or value != default:
                raise ConversionError(
                    f"attribute {name}={format_value(value)} is not supported by braze")
        for index, name in enumerate(self.proto.input):
            if name and index not in self._read_inputs:
                raise ConversionError(f"{self._input_label(index)} is not supported by braze")

