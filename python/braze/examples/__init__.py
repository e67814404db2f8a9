"""Example programs bundled with braze, used by `braze annotate --example`."""

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def names() -> list[str]:
    """Names of the bundled examples (file names without .mlir)."""
    return sorted(path.stem for path in _HERE.glob("*.mlir"))


def path(name: str) -> Path:
    """The .mlir file of a bundled example."""
    if name not in names():
        raise KeyError(f"no bundled example '{name}'; available: {', '.join(names())}")
    return _HERE / f"{name}.mlir"
