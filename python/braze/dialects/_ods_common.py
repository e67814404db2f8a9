# The generated op classes import their helpers from a sibling `_ods_common`;
# re-export the `mlir` package's, private names included, so that braze's op
# classes are built on the same machinery as upstream dialects.
import mlir.dialects._ods_common as _upstream
from mlir.dialects._ods_common import *  # noqa: F401,F403

globals().update(
    {name: value for name, value in vars(_upstream).items()
     if name.startswith("_") and not name.startswith("__")}
)
