"""Turning MLIR diagnostics into the one-line messages braze prints."""

from __future__ import annotations

import re

import mlir.ir as ir

# loc("model.mlir":12:7) -> model.mlir:12:7
_FILE_LINE_COL = re.compile(r'loc\("([^"]*)":(\d+):(\d+)(?: to [^)]*)?\)')


def format_location(location: ir.Location) -> str:
    text = str(location)
    match = _FILE_LINE_COL.search(text)
    return f"{match.group(1)}:{match.group(2)}:{match.group(3)}" if match else text


def format_mlir_error(error: ir.MLIRError) -> str:
    """`file:line:col: message` for each error diagnostic, notes indented."""
    lines = []
    for diagnostic in error.error_diagnostics:
        lines.append(f"{format_location(diagnostic.location)}: {diagnostic.message}")
        for note in diagnostic.notes:
            if note.message.startswith("see current operation"):
                continue  # the op in generic form: noise next to file:line:col
            lines.append(f"  {format_location(note.location)}: note: {note.message}")
    return "\n".join(lines) if lines else str(error)
