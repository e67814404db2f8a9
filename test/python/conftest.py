import subprocess
import sys

import pytest

import braze  # noqa: F401  (registers the dialect with every new Context)
import mlir.ir as ir
from braze._tools import tool_path


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
