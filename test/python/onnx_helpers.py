"""Small ONNX models built with onnx.helper, and onnxruntime as the reference.

Shared by the frontend tests (which check shapes and braze ops) and the
numerics tests (which check values).
"""

from collections.abc import Mapping

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

F32 = TensorProto.FLOAT

# IR version 8 is the one of opset 18, and one onnxruntime 1.31 reads.
IR_VERSION = 8


def make_model(nodes, inputs, outputs, initializers=None, opset=13):
    """A ModelProto; `inputs` maps names to shapes (float32) or (shape,
    dtype); `outputs` lists names, their types left to shape inference."""
    def info(name, spec):
        shape, dtype = spec if isinstance(spec, tuple) else (spec, F32)
        return helper.make_tensor_value_info(name, dtype, shape)

    graph = helper.make_graph(
        nodes, "test",
        [info(name, spec) for name, spec in inputs.items()],
        [helper.make_empty_tensor_value_info(name) for name in outputs],
        initializer=[numpy_helper.from_array(np.asarray(array), name)
                     for name, array in (initializers or {}).items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             ir_version=IR_VERSION)


def node(op_type, inputs, outputs=("y",), name=None, **attributes):
    return helper.make_node(op_type, list(inputs), list(outputs),
                            name=name or f"{op_type}_0", **attributes)


def single_node_model(op_type, inputs, initializers=None, opset=13, outputs=("y",),
                      **attributes):
    """One node reading graph inputs (name -> shape) and initializers."""
    names = [*inputs, *(initializers or {})]
    return make_model([node(op_type, names, outputs, **attributes)], inputs,
                      list(outputs), initializers, opset)


def onnxruntime_run(model: onnx.ModelProto, feeds: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """The model's outputs computed by onnxruntime's CPU provider.

    Graph optimizations are off: the reference computes each node as the
    model states it, without onnxruntime's own fusions and rewrites."""
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = onnxruntime.InferenceSession(model.SerializeToString(), options,
                                           providers=["CPUExecutionProvider"])
    return session.run(None, dict(feeds))


def graph_inputs(model: onnx.ModelProto) -> list[onnx.ValueInfoProto]:
    """The inputs a caller feeds (initializers listed as inputs excluded)."""
    initializers = {tensor.name for tensor in model.graph.initializer}
    return [value for value in model.graph.input if value.name not in initializers]


def onnxruntime_outputs(model, input_shapes=None, seed=0):
    """Runs a ModelProto with onnxruntime on seeded random inputs of the
    declared shapes (or those of `input_shapes`) and types."""
    rng = np.random.default_rng(seed)
    input_shapes = input_shapes or {}
    feeds = {}
    for value in graph_inputs(model):
        tensor = value.type.tensor_type
        shape = input_shapes.get(value.name, [dim.dim_value for dim in tensor.shape.dim])
        dtype = helper.tensor_dtype_to_np_dtype(tensor.elem_type)
        feeds[value.name] = rng.standard_normal(shape).astype(dtype)
    return onnxruntime_run(model, feeds)
