"""Frontends: models in exchange formats -> braze IR.

    from braze.frontend import import_model
    module = import_model("model.onnx", {"x": [1, 3, 224, 224]})
"""

from .errors import FrontendError
from .onnx import import_model, parse_input_shapes
from .tensors import result_dtypes

__all__ = ["FrontendError", "import_model", "parse_input_shapes", "result_dtypes"]
