"""Console entry points for the native tools shipped inside the package."""

import os
import sys
from pathlib import Path

_BIN = Path(__file__).resolve().parent / "bin"


def tool_path(name: str) -> Path:
    """Path of a native tool (e.g. braze-opt) shipped with this package."""
    path = _BIN / name
    if not path.exists():
        raise FileNotFoundError(
            f"{name} is missing from {_BIN}: the braze installation is incomplete "
            "(reinstall with `pip install .`)"
        )
    return path


def braze_opt() -> None:
    try:
        exe = tool_path("braze-opt")
    except FileNotFoundError as error:
        sys.exit(f"braze-opt: error: {error}")
    os.execv(exe, [str(exe)] + sys.argv[1:])
