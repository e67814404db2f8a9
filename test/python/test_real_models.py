"""The shipped real models (braze.models) compiled for the host, against onnxruntime.

Criterion, per output: max |braze - onnxruntime| <= 1e-3 * (max - min of
the onnxruntime output). The measured errors are recorded
(`record_property("numerics", ...)`) and printed in the terminal summary.

Inputs are seeded and realistic: all four are OCR-side models, so each gets
a synthetic text image (dark strokes in lines on a light, slightly noisy
background) normalized as PP-OCR does, (x / 255 - 0.5) / 0.5. Random normal
noise would not do for the detector: its probability map stays near 0
everywhere (range ~2e-3), and the criterion would then measure nothing.
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from braze.models import MODELS, ModelNotInstalled
from onnx_helpers import onnxruntime_run

SEED = 0
RELATIVE_TOLERANCE = 1e-3  # of each output's range


# ---------------------------------------------------------------------------
# A synthetic text image
# ---------------------------------------------------------------------------

def text_image(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Grey levels (0..255) of lines of made-up glyphs on paper."""
    page = np.clip(235.0 + rng.normal(0.0, 6.0, (height, width)), 0, 255)
    line_height = max(12, height // 12 if height > 100 else height // 2)
    top = int(rng.integers(2, max(3, line_height // 2)))
    while top + line_height <= height - 2:
        draw_text_line(page, top, line_height, rng)
        top += int(line_height * rng.uniform(1.5, 2.5))
    return page


def draw_text_line(page: np.ndarray, top: int, line_height: int, rng: np.random.Generator) -> None:
    """Glyphs from the left margin to a random line end."""
    width = page.shape[1]
    x, end = int(rng.integers(2, 12)), int(rng.integers(width // 2, width - 2))
    while x + line_height // 2 < end:
        glyph_width = int(line_height * rng.uniform(0.4, 0.9))
        draw_glyph(page, top, x, line_height, glyph_width, rng)
        x += glyph_width + int(rng.integers(1, 4))


def draw_glyph(page: np.ndarray, top: int, left: int, height: int, width: int,
               rng: np.random.Generator) -> None:
    """Two to four dark horizontal or vertical strokes in the glyph's box."""
    for _ in range(rng.integers(2, 5)):
        thickness = int(rng.integers(1, 3))
        ink = rng.uniform(10, 60)
        if rng.random() < 0.5:
            y = top + int(rng.integers(0, height - thickness))
            x = left + int(rng.integers(0, width // 2 + 1))
            page[y:y + thickness, x:x + int(rng.integers(width // 2, width + 1))] = ink
        else:
            x = left + int(rng.integers(0, width - thickness))
            y = top + int(rng.integers(0, height // 2))
            page[y:y + int(rng.integers(height // 2, height)), x:x + thickness] = ink


def model_input(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """An (N, C, H, W) batch of the text image, normalized as PP-OCR does."""
    grey = text_image(shape[2], shape[3], rng)
    normalized = (grey / 255.0 - 0.5) / 0.5
    return np.ascontiguousarray(np.broadcast_to(normalized, shape), dtype=np.float32)


def test_text_image_is_a_light_page_with_dark_strokes():
    page = text_image(640, 640, np.random.default_rng(SEED))
    ink = page < 100
    assert 0.01 < ink.mean() < 0.2  # some text, mostly paper
    assert np.median(page) > 200


# ---------------------------------------------------------------------------
# The models
# ---------------------------------------------------------------------------

def relative_errors(actual: list[np.ndarray], expected: list[np.ndarray]) -> list[tuple]:
    """(max abs error, output range) of each output."""
    errors = []
    for got, want in zip(actual, expected):
        assert got.shape == want.shape and got.dtype == want.dtype, \
            f"braze gives {got.shape} {got.dtype}, onnxruntime {want.shape} {want.dtype}"
        difference = np.abs(got.astype(np.float64) - want.astype(np.float64))
        errors.append((float(difference.max()), float(want.max() - want.min())))
    return errors


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MODELS))
def test_model_matches_onnxruntime(name, dev_builds, record_property):
    try:
        path = MODELS[name].path()
    except ModelNotInstalled as missing:
        pytest.skip(str(missing))
    (input_name, shape), = MODELS[name].input_shapes.items()
    x = model_input(shape, np.random.default_rng(SEED))
    artifact = dev_builds.build(name)
    actual = artifact.run([x])
    expected = onnxruntime_run(onnx.load(str(path)), {input_name: x})
    assert len(actual) == len(expected)
    errors = relative_errors(actual, expected)
    record_property("numerics", "; ".join(
        f"{output}: max abs error {error:.3g}, range {span:.3g}, "
        f"error/range {error / span:.2g} (limit {RELATIVE_TOLERANCE:g})"
        for output, (error, span) in zip(artifact.output_names, errors)))
    for output, (error, span) in zip(artifact.output_names, errors):
        assert span > 0, f"output '{output}' is constant: the criterion would measure nothing"
        assert error <= RELATIVE_TOLERANCE * span, \
            f"output '{output}': max abs error {error:.3g} > {RELATIVE_TOLERANCE:g} x range {span:.3g}"
