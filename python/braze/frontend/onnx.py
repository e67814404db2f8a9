"""ONNX -> braze: `import_model` turns an ONNX model into a braze module.

    module = import_model("model.onnx", {"x": [1, 3, 224, 224]})

The pipeline: load the model; check its opset (11 to 18, default domain
only); give every graph input a static shape; run ONNX shape inference; then
walk the nodes the graph outputs depend on in topological order, folding
those whose outputs are known at import time (folding.py) and converting
the others into braze ops (converters.py). The result is one
`func.func @main` whose arguments are the graph inputs (initializers
excluded) and whose results are the graph outputs, in order; its
`braze.input_names` and `braze.output_names` attributes hold their ONNX names.

Every problem raises FrontendError with a one-line message; a node's
problems name the node and its op type.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import mlir.ir as ir
import onnx
from google.protobuf.message import DecodeError
from mlir.dialects import func
from onnx import defs, numpy_helper, shape_inference

from . import folding
from .converters import CONVERTERS
from .errors import ConversionError, FrontendError
from .node import Node, ValueTable
from .tensors import dtype_of, numpy_dtype, shape_of, tensor_type

MIN_OPSET, MAX_OPSET = 11, 18
_DEFAULT_DOMAINS = ("", "ai.onnx")


def import_model(model: str | os.PathLike | onnx.ModelProto,
                 input_shapes: Mapping[str, Sequence[int]] | None = None, *,
                 context: ir.Context | None = None) -> ir.Module:
    """The braze module of an ONNX model (a path or a ModelProto).

    `input_shapes` fixes the shapes of graph inputs by name; it must cover
    every input with a dynamic dimension. The module lives in `context`,
    else in the current context, else in a new one.
    """
    proto = _load(model)
    opset = _default_opset(proto)
    _fix_input_shapes(proto.graph, dict(input_shapes or {}))
    try:
        inferred = shape_inference.infer_shapes(proto, check_type=True, strict_mode=True,
                                                data_prop=True)
    except (onnx.shape_inference.InferenceError, onnx.checker.ValidationError) as error:
        raise FrontendError(f"ONNX shape inference failed: {_one_line(error)}") from None
    context = context or ir.Context.current or ir.Context()
    with context, ir.Location.unknown():
        return _GraphImporter(inferred.graph, opset).run()


def parse_input_shapes(specs: Sequence[str]) -> dict[str, list[int]]:
    """{"x": [1, 3, 224, 224]} from command-line specs like "x=1,3,224,224"."""
    shapes: dict[str, list[int]] = {}
    for spec in specs:
        name, _, dims = spec.rpartition("=")
        try:
            shape = [int(dim) for dim in dims.split(",")]
        except ValueError:
            shape = []
        if not name or not shape or min(shape) < 1:
            raise FrontendError(f"bad input shape {spec!r}: expected NAME=D1,D2,... with "
                                "positive integer dimensions, e.g. x=1,3,224,224")
        if name in shapes:
            raise FrontendError(f"input '{name}' is given two shapes")
        shapes[name] = shape
    return shapes


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


# ---------------------------------------------------------------------------
# Loading and checks on the whole model
# ---------------------------------------------------------------------------

def _load(model: str | os.PathLike | onnx.ModelProto) -> onnx.ModelProto:
    """A ModelProto the importer may modify (a copy of one passed in)."""
    if isinstance(model, onnx.ModelProto):
        proto = onnx.ModelProto()
        proto.CopyFrom(model)
        return proto
    path = os.fspath(model)
    try:
        proto = onnx.load(path)
    except OSError as error:
        raise FrontendError(f"cannot read '{path}': {error.strerror or error}") from None
    except (DecodeError, ValueError, RuntimeError) as error:
        raise FrontendError(
            f"cannot read '{path}': not a valid ONNX model ({_one_line(error)})") from None
    if not proto.HasField("graph"):
        raise FrontendError(f"cannot read '{path}': not a valid ONNX model (it has no graph)")
    return proto


def _default_opset(model: onnx.ModelProto) -> int:
    versions = [entry.version for entry in model.opset_import
                if entry.domain in _DEFAULT_DOMAINS]
    if not versions:
        raise FrontendError("the model does not import the default ONNX opset")
    if not MIN_OPSET <= versions[0] <= MAX_OPSET:
        raise FrontendError(f"the model uses ONNX opset {versions[0]}; braze supports "
                            f"opsets {MIN_OPSET} to {MAX_OPSET}")
    return versions[0]


def _graph_inputs(graph: onnx.GraphProto) -> list[onnx.ValueInfoProto]:
    """The inputs a caller feeds: initializers listed as inputs are weights."""
    initializers = {tensor.name for tensor in graph.initializer}
    return [value for value in graph.input if value.name not in initializers]


def _fix_input_shapes(graph: onnx.GraphProto, shapes: dict[str, list[int]]) -> None:
    """Writes the given shapes into the graph inputs; all must end up static."""
    inputs = {value.name: value for value in _graph_inputs(graph)}
    for name in shapes:
        if name not in inputs:
            raise FrontendError(f"--input-shape names '{name}', which is not an input of the "
                                f"model (inputs: {', '.join(inputs) or 'none'})")
    for name, value in inputs.items():
        if not value.type.HasField("tensor_type"):
            raise FrontendError(f"input '{name}' is not a tensor")
        tensor = value.type.tensor_type
        if name in shapes:
            _set_shape(name, tensor, shapes[name])
            continue
        if not tensor.HasField("shape"):
            raise FrontendError(f"input '{name}' has no shape in the model; give it with "
                                f"--input-shape {name}=D1,D2,...")
        for index, dim in enumerate(tensor.shape.dim):
            if not _is_static(dim):
                label = f" ('{dim.dim_param}')" if dim.dim_param else ""
                example = ",".join(str(d.dim_value) if _is_static(d) else "1"
                                   for d in tensor.shape.dim)
                raise FrontendError(f"input '{name}' has dynamic dimension {index}{label}; "
                                    f"fix it with --input-shape {name}={example}")


def _is_static(dim: onnx.TensorShapeProto.Dimension) -> bool:
    # Exporters write -1 (and sometimes 0) for "unknown" too.
    return dim.HasField("dim_value") and dim.dim_value > 0


def _set_shape(name: str, tensor: onnx.TypeProto.Tensor, shape: list[int]) -> None:
    if tensor.HasField("shape"):
        dims = tensor.shape.dim
        if len(dims) != len(shape):
            raise FrontendError(f"--input-shape gives input '{name}' rank {len(shape)}, "
                                f"but the model gives it rank {len(dims)}")
        for index, (dim, size) in enumerate(zip(dims, shape)):
            if _is_static(dim) and dim.dim_value != size:
                raise FrontendError(f"--input-shape gives input '{name}' size {size} in "
                                    f"dimension {index}, but the model fixes it to "
                                    f"{dim.dim_value}")
    tensor.ClearField("shape")
    for size in shape:
        tensor.shape.dim.add().dim_value = size


# ---------------------------------------------------------------------------
# Graph -> func.func
# ---------------------------------------------------------------------------

def _describe(node: onnx.NodeProto) -> str:
    if node.name:
        return f"node '{node.name}' ({node.op_type})"
    outputs = [name for name in node.output if name]
    return f"node producing '{outputs[0] if outputs else ''}' ({node.op_type})"


def _string_array(strings) -> ir.ArrayAttr:
    return ir.ArrayAttr.get([ir.StringAttr.get(string) for string in strings])


def _location_name(node: onnx.NodeProto) -> str:
    return node.name or node.output[0]


class _GraphImporter:
    def __init__(self, graph: onnx.GraphProto, opset: int):
        self.graph = graph
        self.opset = opset
        self.values = ValueTable({tensor.name: numpy_helper.to_array(tensor)
                                  for tensor in graph.initializer})
        # ONNX's view of each tensor's type, to cross-check braze's.
        self.inferred = {value.name: value.type for value in
                         [*graph.value_info, *graph.output] if value.type.HasField("tensor_type")}
        self.nodes = self._live_nodes()
        self.used = frozenset({name for node in self.nodes for name in node.input} |
                              {output.name for output in graph.output})
        # Each node's ops are located at the node's name: verifier errors
        # found after the import map back to the node.
        self.node_at = {_location_name(node): node for node in self.nodes}

    def run(self) -> ir.Module:
        module = ir.Module.create()
        argument_types = [self._input_type(value) for value in _graph_inputs(self.graph)]
        with ir.InsertionPoint(module.body):
            main = func.FuncOp("main", ir.FunctionType.get(argument_types, []))
        block = main.add_entry_block()
        for value, argument in zip(_graph_inputs(self.graph), block.arguments):
            self.values.define(value.name, argument)
        with ir.InsertionPoint(block):
            for node in self.nodes:
                self._import_node(node)
            results = [self._output(value.name) for value in self.graph.output]
            func.ReturnOp(results)
        main.attributes["function_type"] = ir.TypeAttr.get(
            ir.FunctionType.get(argument_types, [result.type for result in results]))
        # The ONNX names of the arguments and results, for runners and reports.
        main.attributes["braze.input_names"] = _string_array(
            value.name for value in _graph_inputs(self.graph))
        main.attributes["braze.output_names"] = _string_array(
            value.name for value in self.graph.output)
        self._verify(module)
        return module

    def _verify(self, module: ir.Module) -> None:
        """Operand constraints (float-only ops, say) are checked by the
        verifier, not by the builders."""
        try:
            module.operation.verify()
        except ir.MLIRError as error:
            diagnostic = error.error_diagnostics[0]
            location = diagnostic.location
            node = self.node_at.get(location.name_str) if location.is_a_name() else None
            where = _describe(node) if node else "the imported module"
            raise FrontendError(f"{where}: {_one_line(diagnostic.message)}") from None

    def _input_type(self, value: onnx.ValueInfoProto) -> ir.Type:
        tensor = value.type.tensor_type
        try:
            dtype = numpy_dtype(tensor.elem_type)
        except ConversionError as error:
            raise FrontendError(f"input '{value.name}': {error}") from None
        return tensor_type([dim.dim_value for dim in tensor.shape.dim], dtype)

    def _output(self, name: str) -> ir.Value:
        try:
            with ir.Location.name(name):
                return self.values.value(name)
        except ConversionError as error:
            raise FrontendError(f"output '{name}': {error}") from None

    def _live_nodes(self) -> list[onnx.NodeProto]:
        """The nodes the graph outputs depend on, producers before consumers."""
        producers = {name: index for index, node in enumerate(self.graph.node)
                     for name in node.output if name}
        order, visited = [], set()
        # Iterative depth-first search: real graphs are deeper than Python's stack.
        stack = [(producers[output.name], False) for output in reversed(self.graph.output)
                 if output.name in producers]
        while stack:
            index, inputs_done = stack.pop()
            if inputs_done:
                order.append(self.graph.node[index])
                continue
            if index in visited:
                continue
            visited.add(index)
            stack.append((index, True))
            stack.extend((producers[name], False) for name in reversed(self.graph.node[index].input)
                         if name in producers and producers[name] not in visited)
        return order

    def _import_node(self, proto: onnx.NodeProto) -> None:
        try:
            with ir.Location.name(_location_name(proto)):
                self._convert_or_fold(proto)
        except ConversionError as error:
            raise FrontendError(f"{_describe(proto)}: {_one_line(error)}") from None
        except ir.MLIRError as error:
            messages = "; ".join(d.message for d in error.error_diagnostics) or str(error)
            raise FrontendError(f"{_describe(proto)}: {_one_line(messages)}") from None

    def _convert_or_fold(self, proto: onnx.NodeProto) -> None:
        if proto.domain not in _DEFAULT_DOMAINS:
            raise ConversionError(f"domain '{proto.domain}' is not supported by braze")
        try:
            schema = defs.get_schema(proto.op_type, self.opset, "")
        except defs.SchemaError:
            raise ConversionError("op type is not supported by braze") from None
        if folding.is_foldable(proto, self.values):
            for name, array in folding.fold(proto, self.values, self.opset).items():
                self.values.define_constant(name, array)
            return
        convert = CONVERTERS.get(proto.op_type)
        if convert is None:
            raise ConversionError("op type is not supported by braze")
        node = Node(proto, schema, self.values, self.used)
        results = convert(node)
        results = results if isinstance(results, list) else [results]
        node.check_fully_read()
        for index, name in enumerate(proto.output):
            if index < len(results):
                self._check_inferred_type(name, results[index])
                self.values.define(name, results[index])
            elif name in self.used:
                raise ConversionError(f"output #{index} '{name}' is used, but braze computes "
                                      f"only the first {len(results)} output(s)")

    def _check_inferred_type(self, name: str, value: ir.Value) -> None:
        """Guards against converter bugs: braze's type must be ONNX's."""
        inferred = self.inferred.get(name)
        if (inferred is None or not inferred.tensor_type.elem_type
                or not inferred.tensor_type.HasField("shape")):
            return
        dims = inferred.tensor_type.shape.dim
        if not all(_is_static(dim) for dim in dims):
            return
        dtype = onnx.helper.tensor_dtype_to_np_dtype(inferred.tensor_type.elem_type)
        shape = [dim.dim_value for dim in dims]
        if shape_of(value) != shape or dtype_of(value) != dtype:
            raise ConversionError(f"braze computes {value.type} for output '{name}', but ONNX "
                                  f"infers shape {shape} of {dtype}")
