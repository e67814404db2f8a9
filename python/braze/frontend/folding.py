"""Constant folding: nodes whose outputs are known at import time.

A node folds when all its inputs are constants (initializers, Constant nodes,
earlier folds), or when it reads only its input's static shape (Shape, Size).
That turns shape subgraphs such as Shape -> Slice -> Concat -> Reshape into
the constants their consumers need. Folding runs the ONNX reference
evaluator on a one-node model at the graph's opset, so it computes exactly
what ONNX specifies.
"""

from __future__ import annotations

import numpy as np
from onnx import AttributeProto, NodeProto, helper
from onnx.reference import ReferenceEvaluator

from .errors import ConversionError
from .node import ValueTable
from .tensors import dtype_of, shape_of

# Random ops give new values on every run: folding would freeze one draw.
_NONDETERMINISTIC = frozenset({
    "Bernoulli", "Multinomial", "RandomNormal", "RandomNormalLike", "RandomUniform",
    "RandomUniformLike",
})
# Ops whose outputs depend on their input's shape only, static in braze.
_SHAPE_ONLY = frozenset({"Shape", "Size"})
_SUBGRAPH_TYPES = (AttributeProto.GRAPH, AttributeProto.GRAPHS)


def is_foldable(node: NodeProto, values: ValueTable) -> bool:
    if node.op_type in _NONDETERMINISTIC:
        return False
    # Subgraphs (If, Loop, Scan) may read values of the enclosing graph.
    if any(attribute.type in _SUBGRAPH_TYPES for attribute in node.attribute):
        return False
    if node.op_type in _SHAPE_ONLY:
        return True
    return all(values.constant(name) is not None for name in node.input if name)


def fold(node: NodeProto, values: ValueTable, opset: int) -> dict[str, np.ndarray]:
    """The node's outputs by name, computed by the ONNX reference evaluator."""
    feeds = {name: _input_array(name, values) for name in node.input if name}
    graph = helper.make_graph(
        [node], "fold",
        inputs=[helper.make_tensor_value_info(
            name, helper.np_dtype_to_tensor_dtype(array.dtype), array.shape)
            for name, array in feeds.items()],
        outputs=[helper.make_empty_tensor_value_info(name) for name in node.output if name])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    try:
        results = ReferenceEvaluator(model).run(None, feeds)
    except Exception as error:  # the reference ops raise anything from numpy
        message = " ".join(str(error).split())
        raise ConversionError(f"constant folding failed: {message}") from None
    names = [name for name in node.output if name]
    return {name: np.asarray(result) for name, result in zip(names, results)}


def _input_array(name: str, values: ValueTable) -> np.ndarray:
    array = values.constant(name)
    if array is not None:
        return array
    # A Shape/Size input: only its shape matters, and np.zeros does not touch
    # the memory it allocates.
    value = values.value(name)
    return np.zeros(shape_of(value), dtype_of(value))
