"""The ONNX backend node tests, generated offline from the pinned onnx package.

onnx 1.23 no longer ships the node tests' data: it builds them in memory
(`onnx.backend.test.loader.load_node_model_tests`, about 10 s). `generate`
writes them once into a cache directory in the classic layout,

    <name>/model.onnx
    <name>/test_data_set_<k>/input_<j>.pb, output_<j>.pb

with an `index.json` of each test's op types, opset and whether all its
inputs and outputs are tensors; later sessions reuse the directory.
Nothing generated is ever committed.

`select` picks the tests braze can be asked to run: every op type of the
graph has a converter (or is one the frontend always folds), the values are
tensors, and the test's opset is one braze imports (11 to 18). A test of a
newer opset whose ops kept their interface since 18 (same attributes and
defaults, inputs and outputs; the usual new version only adds element
types) runs at opset 18 (likewise an older one at 11).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, defs, numpy_helper

from braze.frontend.converters import CONVERTERS
from braze.frontend.onnx import MAX_OPSET, MIN_OPSET

# Bumped when the on-disk layout changes, so old caches are not reused.
_LAYOUT_VERSION = 1
_INDEX = "index.json"
_DEFAULT_DOMAINS = ("", "ai.onnx")

# Ops the frontend evaluates at import time whatever their inputs: Shape and
# Size read only the (static) input shape, Constant has no inputs.
ALWAYS_FOLDED = frozenset({"Constant", "Shape", "Size"})
SUPPORTED_OP_TYPES = frozenset(CONVERTERS) | ALWAYS_FOLDED


@dataclass(frozen=True)
class NodeTest:
    """One generated test as the index describes it."""

    name: str
    op_types: tuple[str, ...]
    opset: int | None  # of the default domain; None if the model imports none
    data_sets: int
    tensors_only: bool


@dataclass
class NodeTestData:
    """A test's model (at the opset braze runs it at) and its data sets."""

    model: onnx.ModelProto
    data_sets: list[tuple[list[np.ndarray], list[np.ndarray]]]


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------

CACHE_NAME = "onnx-node-tests"


def cache_root(config) -> Path:
    """The session's pytest cache directory for node tests (<cache>/d/onnx-node-tests)."""
    cache = getattr(config, "cache", None)  # absent with -p no:cacheprovider
    if cache is None:
        return Path(tempfile.gettempdir()) / "braze-onnx-node-tests"
    return Path(cache.mkdir(CACHE_NAME))


def generated_directory(root: Path) -> Path:
    """The node tests of the installed onnx under `root`, generated on first use."""
    directory = Path(root) / f"onnx-{onnx.__version__}-layout{_LAYOUT_VERSION}"
    if not (directory / _INDEX).is_file():
        generate(directory)
    return directory


def generate(directory: Path) -> None:
    """Writes every node test into `directory`, atomically: into a sibling
    first, then renamed, so an interrupted run leaves no half a cache."""
    from onnx.backend.test.loader import load_node_model_tests

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the generators' numpy overflow warnings
        cases = load_node_model_tests()
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=directory.name + ".", dir=directory.parent))
    index = {}
    for case in cases:
        index[case.name] = _write_case(staging / case.name, case)
    (staging / _INDEX).write_text(json.dumps(index, indent=0, sort_keys=True))
    try:
        os.rename(staging, directory)
    except OSError:  # another session finished first: keep its copy
        shutil.rmtree(staging, ignore_errors=True)


def _write_case(directory: Path, case) -> dict:
    directory.mkdir(parents=True)
    (directory / "model.onnx").write_bytes(case.model.SerializeToString())
    tensors_only = True
    for number, (inputs, outputs) in enumerate(case.data_sets):
        data_dir = directory / f"test_data_set_{number}"
        data_dir.mkdir()
        for kind, values in (("input", inputs), ("output", outputs)):
            for position, value in enumerate(values):
                tensor = _as_tensor(value)
                if tensor is None:
                    tensors_only = False
                    continue
                (data_dir / f"{kind}_{position}.pb").write_bytes(tensor.SerializeToString())
    return {"op_types": sorted({node.op_type for node in case.model.graph.node}),
            "opset": _default_opset(case.model), "data_sets": len(case.data_sets),
            "tensors_only": tensors_only}


def _as_tensor(value) -> TensorProto | None:
    """A tensor as a TensorProto; None for sequences, maps and optionals."""
    if isinstance(value, TensorProto):
        return value
    if isinstance(value, np.ndarray):
        return numpy_helper.from_array(value)
    return None


def _default_opset(model: onnx.ModelProto) -> int | None:
    versions = [entry.version for entry in model.opset_import if entry.domain in _DEFAULT_DOMAINS]
    return versions[0] if versions else None


# ---------------------------------------------------------------------------
# Selection
# ---------------------------------------------------------------------------

def read_index(directory: Path) -> list[NodeTest]:
    index = json.loads((directory / _INDEX).read_text())
    return [NodeTest(name, tuple(entry["op_types"]), entry["opset"], entry["data_sets"],
                     entry["tensors_only"]) for name, entry in sorted(index.items())]


def braze_opset(op_types: tuple[str, ...], opset: int | None) -> int | None:
    """The opset braze runs a test at: its own if braze imports it, else the
    nearest one in braze's range at which every op has the same interface;
    None if there is none."""
    if opset is None:
        return None
    if MIN_OPSET <= opset <= MAX_OPSET:
        return opset
    wanted = {op_type: _interface(op_type, opset) for op_type in op_types}
    if None in wanted.values():
        return None
    candidates = range(MAX_OPSET, MIN_OPSET - 1, -1) if opset > MAX_OPSET else \
        range(MIN_OPSET, MAX_OPSET + 1)
    for candidate in candidates:
        if all(_interface(op_type, candidate) == interface
               for op_type, interface in wanted.items()):
            return candidate
    return None


def _interface(op_type: str, opset: int) -> tuple | None:
    """What a model can say to the op at `opset`: its attributes with their
    defaults, its inputs and outputs. ONNX gives an op a new version for any
    change to its definition, most often only more element types; versions
    with one interface mean the same for the types both allow (shape
    inference rejects the others). Not always: MaxPool 22 sizes ceil_mode
    outputs differently from MaxPool 12, and shape inference at 18 rejects
    the test's declared output shape, a skip that names the mismatch."""
    try:
        schema = defs.get_schema(op_type, opset, "")
    except defs.SchemaError:
        return None
    attributes = tuple(sorted((name, attribute.default_value.SerializeToString())
                              for name, attribute in schema.attributes.items()))
    inputs = tuple((formal.name, formal.option) for formal in schema.inputs)
    outputs = tuple((formal.name, formal.option) for formal in schema.outputs)
    return attributes, inputs, outputs


def exclusion_reason(test: NodeTest) -> str | None:
    """Why braze cannot be asked to run the test; None if it can."""
    if not set(test.op_types) <= SUPPORTED_OP_TYPES:
        return "op types braze has no converter for"
    if not test.tensors_only:
        return "non-tensor inputs or outputs"
    if test.data_sets == 0:
        return "no data set to compare with"
    if braze_opset(test.op_types, test.opset) is None:
        return f"opset outside {MIN_OPSET}..{MAX_OPSET}, ops' interface changed since"
    return None


def select(tests: list[NodeTest]) -> tuple[list[NodeTest], dict[str, int]]:
    """(the tests braze runs, how many of the others were left out and why)."""
    selected, excluded = [], {}
    for test in tests:
        reason = exclusion_reason(test)
        if reason is None:
            selected.append(test)
        else:
            excluded[reason] = excluded.get(reason, 0) + 1
    return selected, excluded


def session_selection(config) -> tuple[Path, list[NodeTest], dict[str, int]]:
    """(generated directory, selected tests, excluded counts) for a pytest session."""
    directory = generated_directory(cache_root(config))
    selected, excluded = select(read_index(directory))
    return directory, selected, excluded


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

# Inputs braze must know at import time (it compiles static shapes): shapes,
# axes, sizes, pads, bounds. Node tests often feed them as graph inputs; a
# user of braze makes them initializers, and so does `load` (as onnx-mlir's
# backend runner does with its constant-inputs mode).
PARAMETER_INPUTS = {
    "Reshape": (1,), "Expand": (1,), "Tile": (1,), "Split": (1,), "Squeeze": (1,),
    "Unsqueeze": (1,), "Slice": (1, 2, 3, 4), "Pad": (1, 2, 3), "Resize": (1, 2, 3),
    "Upsample": (1,), "Clip": (1, 2), "Dropout": (1, 2),
    **{op_type: (1,) for op_type in
       ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd")},
}
# These read only their input's shape: what feeds them stays an input.
_SHAPE_READERS = frozenset({"Shape", "Size"})


def parameter_inputs(model: onnx.ModelProto) -> set[str]:
    """The graph inputs that parameter inputs are computed from."""
    graph = model.graph
    producers = {name: node for node in graph.node for name in node.output}
    pending = [node.input[index] for node in graph.node
               for index in PARAMETER_INPUTS.get(node.op_type, ())
               if index < len(node.input) and node.input[index]]
    graph_inputs = {value.name for value in graph.input}
    found, seen = set(), set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in graph_inputs:
            found.add(name)
        producer = producers.get(name)
        if producer is not None and producer.op_type not in _SHAPE_READERS:
            pending.extend(name for name in producer.input if name)
    return found


def load(directory: Path, test: NodeTest) -> NodeTestData:
    """The test's model, at the opset braze runs it at, with its parameter
    inputs made initializers, and its data sets without those inputs."""
    test_dir = directory / test.name
    model = onnx.load(str(test_dir / "model.onnx"))
    opset = braze_opset(test.op_types, test.opset)
    for entry in model.opset_import:
        if entry.domain in _DEFAULT_DOMAINS:
            entry.version = opset
    data_sets = [(_read_tensors(test_dir / f"test_data_set_{number}", "input"),
                  _read_tensors(test_dir / f"test_data_set_{number}", "output"))
                 for number in range(test.data_sets)]
    frozen = _freeze_parameters(model, data_sets)
    data_sets = [([array for position, array in enumerate(inputs) if position not in frozen],
                  outputs) for inputs, outputs in data_sets]
    return NodeTestData(model, data_sets)


def _freeze_parameters(model: onnx.ModelProto, data_sets) -> set[int]:
    """Turns parameter inputs into initializers holding the first data set's
    values; returns their positions among the graph inputs."""
    names = parameter_inputs(model)
    if not names or not data_sets:
        return set()
    inputs = list(model.graph.input)
    frozen = {position for position, value in enumerate(inputs) if value.name in names}
    first = data_sets[0][0]
    for position in frozen:
        if any(not np.array_equal(inputs_[position], first[position]) for inputs_, _ in data_sets):
            raise ValueError(f"data sets differ in parameter input '{inputs[position].name}'")
        model.graph.initializer.append(numpy_helper.from_array(first[position],
                                                               inputs[position].name))
    del model.graph.input[:]
    model.graph.input.extend(value for position, value in enumerate(inputs)
                             if position not in frozen)
    return frozen


def _read_tensors(directory: Path, kind: str) -> list[np.ndarray]:
    arrays = []
    while (path := directory / f"{kind}_{len(arrays)}.pb").is_file():
        tensor = TensorProto()
        tensor.ParseFromString(path.read_bytes())
        arrays.append(numpy_helper.to_array(tensor))
    return arrays


def input_shapes(model: onnx.ModelProto, inputs: list[np.ndarray]) -> dict[str, list[int]]:
    """Each graph input's shape in the data: what a user gives braze with
    --input-shape (import_model's `input_shapes`) for a model whose inputs
    have symbolic dimensions. Empty inputs keep their 0 sizes: the frontend
    takes a declared 0 for a dynamic dimension, but not a given one."""
    initializers = {tensor.name for tensor in model.graph.initializer}
    names = [value.name for value in model.graph.input if value.name not in initializers]
    return {name: list(array.shape) for name, array in zip(names, inputs)}


# ---------------------------------------------------------------------------
# The session's summary
# ---------------------------------------------------------------------------

SUMMARY_FILE = "summary.txt"


class NodeTestTally:
    """Outcomes of the node tests of one pytest session (fed by conftest.py)."""

    def __init__(self):
        self.outcomes: dict[str, tuple[str, str]] = {}  # test name -> (outcome, reason)

    def record(self, report) -> None:
        """Takes a pytest TestReport of a `test_node[...]` item."""
        name = _node_test_name(report.nodeid)
        if name is None or name in self.outcomes and self.outcomes[name][0] == "failed":
            return
        if report.skipped and hasattr(report, "wasxfail"):
            self.outcomes[name] = ("failed", f"xfail: {report.wasxfail}")
        elif report.skipped:
            self.outcomes[name] = ("skipped", _skip_reason(report))
        elif report.failed:
            self.outcomes[name] = ("failed", _failure_reason(report))
        elif report.when == "call":
            self.outcomes[name] = ("passed", "")

    def count(self, outcome: str) -> int:
        return sum(1 for recorded, _ in self.outcomes.values() if recorded == outcome)

    def lines(self, selected: int, excluded: dict[str, int]) -> list[str]:
        lines = [f"ONNX node tests: {self.count('passed')} passed, {self.count('failed')} failed, "
                 f"{self.count('skipped')} skipped (of {selected} selected)"]
        lines += [f"  not selected: {count} ({reason})" for reason, count in sorted(excluded.items())]
        for outcome in ("failed", "skipped"):
            lines += [f"  {outcome.upper()} {name}: {reason}"
                      for name, (recorded, reason) in sorted(self.outcomes.items())
                      if recorded == outcome]
        return lines


def _node_test_name(nodeid: str) -> str | None:
    marker = "test_onnx_node_tests.py::test_node["
    if marker not in nodeid:
        return None
    return nodeid.split(marker, 1)[1].rstrip("]")


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return text.removeprefix("Skipped: ")


def _failure_reason(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return " ".join(text.split())[:300]
