"""braze: an MLIR compiler that makes DNN models fast on mobile CPUs and GPUs.

Importing braze registers the braze dialect with every `mlir.ir.Context`
created afterwards (through the `mlir` package's dialect registry) and braze's
passes with MLIR's global pass registry, so braze IR parses, prints and runs
through passes with the installed `mlir` package: one copy of MLIR per process.

    import braze, mlir.ir as ir
    with ir.Context():
        module = ir.Module.parse(text)
        braze.Pipeline().annotate_mapping().run(module)
"""

# Loads the `mlir` package's libMLIRPythonCAPI.so before our native module,
# which resolves all of MLIR from it.
import mlir.ir as _ir  # noqa: F401
from mlir._mlir_libs import _mlir as _cext
from mlir._mlir_libs import get_dialect_registry as _get_dialect_registry

from ._braze import register_dialect, register_passes
from ._braze import insert_dialect as _insert_dialect

# Generated op classes live in braze.dialects.braze; let the `mlir` package
# find them (it searches only mlir.dialects.<namespace> by default).
if "braze.dialects" not in _cext.globals.dialect_search_modules:
    _cext.globals.append_dialect_search_prefix("braze.dialects")
_insert_dialect(_get_dialect_registry())
register_passes()

from .pipeline import Pipeline, PipelineError  # noqa: E402

__version__ = "0.1.0"
__all__ = ["Pipeline", "PipelineError", "compile", "run", "register_dialect",
           "register_passes"]


def __getattr__(name: str):
    # compile/run pull in the ONNX frontend and IREE: load them on first use,
    # so that `import braze` stays cheap for IR work.
    if name in ("compile", "run"):
        from . import compiler

        return getattr(compiler, name)
    raise AttributeError(f"module 'braze' has no attribute '{name}'")
