"""The ONNX backend node tests braze supports, run through braze on the host.

The tests are generated from the pinned onnx package into the pytest cache
(onnx_node_tests.py) and selected by op type: every test whose ops all have
a braze converter, `_expanded` function-body variants included, at an opset
braze imports (see onnx_node_tests.select). They run in batches of
BATCH_SIZE models per IREE module (batch_compile.py).

braze compiles static shapes, so each test is given as a braze user would
give it: the input shapes of its data (`--input-shape`), and the inputs that
braze needs at import time (shape, axes, pads, sizes, ...; see
onnx_node_tests.PARAMETER_INPUTS) as initializers holding the test's values.

Outcomes: a test braze refuses with a FrontendError (an unsupported
attribute value, element type, ...) is skipped with braze's reason; any other
error (lowering, iree-compile, runtime) or a wrong value is a failure. The
terminal summary (conftest.py) prints
`ONNX node tests: N passed, M failed, K skipped (of T selected)` and the
reasons, and writes them to `<pytest cache>/d/onnx-node-tests/summary.txt`.

Tolerance, as the ONNX backend runner compares (numpy.testing.assert_allclose):
float outputs rtol 1e-3, atol 1e-4; integer and boolean outputs exact;
NaNs must be where the reference has them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import onnx_node_tests
from batch_compile import ModelBatch
from braze.frontend import FrontendError

RTOL, ATOL = 1e-3, 1e-4
BATCH_SIZE = 50


def pytest_generate_tests(metafunc):
    if "node_test" not in metafunc.fixturenames:
        return
    _, selected, _ = onnx_node_tests.session_selection(metafunc.config)
    metafunc.parametrize("node_test", selected, ids=[test.name for test in selected])


class NodeTestBatches:
    """The selected tests in batches of BATCH_SIZE, each compiled into one
    module when one of its tests first runs."""

    def __init__(self, directory: Path, selected: list[onnx_node_tests.NodeTest],
                 work_dir: Path):
        self.directory = directory
        self.work_dir = work_dir
        self._batch_of = {test.name: index // BATCH_SIZE for index, test in enumerate(selected)}
        self._selected = selected
        self._batches: dict[int, ModelBatch] = {}
        self._data: dict[str, onnx_node_tests.NodeTestData] = {}

    def batch(self, test: onnx_node_tests.NodeTest) -> ModelBatch:
        number = self._batch_of[test.name]
        if number not in self._batches:
            self._batches[number] = self._compile(number)
        return self._batches[number]

    def data(self, test: onnx_node_tests.NodeTest) -> onnx_node_tests.NodeTestData:
        self.batch(test)
        return self._data[test.name]

    def _compile(self, number: int) -> ModelBatch:
        members = self._selected[number * BATCH_SIZE:(number + 1) * BATCH_SIZE]
        batch = ModelBatch(work_dir=self.work_dir / f"batch{number}")
        for member in members:
            data = onnx_node_tests.load(self.directory, member)
            self._data[member.name] = data
            batch.add(member.name, data.model,
                      onnx_node_tests.input_shapes(data.model, data.data_sets[0][0]))
        batch.compile()
        return batch


@pytest.fixture(scope="module")
def node_batches(request, tmp_path_factory):
    directory, selected, _ = onnx_node_tests.session_selection(request.config)
    return NodeTestBatches(directory, selected, tmp_path_factory.mktemp("node-tests-iree"))


def assert_matches_reference(actual: list[np.ndarray], expected: list[np.ndarray]) -> None:
    assert len(actual) == len(expected), f"{len(actual)} outputs, expected {len(expected)}"
    for index, (got, want) in enumerate(zip(actual, expected)):
        where = f"output {index}"
        assert got.shape == want.shape, f"{where}: shape {got.shape}, expected {want.shape}"
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype}, expected {want.dtype}"
        if want.dtype.kind == "f":
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=where)
        else:
            np.testing.assert_array_equal(got, want, err_msg=where)


def test_node(node_test, node_batches):
    batch = node_batches.batch(node_test)
    error = batch.error(node_test.name)
    if isinstance(error, FrontendError):
        pytest.skip(f"braze refuses: {error}")
    for inputs, expected in node_batches.data(node_test).data_sets:
        assert_matches_reference(batch.run(node_test.name, inputs), expected)


def test_selection_covers_converters_and_expanded_variants(request):
    """The selection is not empty by accident: it holds tests of most
    converted op types, `_expanded` variants among them."""
    _, selected, _ = onnx_node_tests.session_selection(request.config)
    covered = set().union(*(test.op_types for test in selected))
    assert len(covered & set(onnx_node_tests.CONVERTERS)) >= 40
    assert any(test.name.endswith("_expanded") for test in selected)
