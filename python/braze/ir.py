"""`mlir.ir`, under the name that generated dialect modules import.

mlir-tblgen's Python enum bindings do `from ..ir import ...` relative to the
package that holds them (braze.dialects), as they would inside `mlir`.
"""

from mlir.ir import *  # noqa: F401,F403
from mlir.ir import register_attribute_builder  # noqa: F401
