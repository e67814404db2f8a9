"""Dispatch statistics of a compiled IREE module: how many, and how many only move data.

A dispatch is *transpose-like* (pure data movement) when its executable
computes nothing. The rule, applied to the executable sources that
`iree-compile --iree-hal-dump-executable-sources-to=DIR` writes (one
`module_<executable>.mlir` per executable, linalg on tensors inside the
dispatch function):

  - no `arith`/`math` operation other than constants and index arithmetic
    (results of type `index`), and
  - no `iree_linalg_ext` operation, and
  - no `linalg` operation other than `linalg.generic` (whose body, by the rule
    above, then only yields its block arguments: a transpose, a broadcast or a
    copy), `linalg.transpose`, `linalg.copy`, `linalg.broadcast`,
    `linalg.pack`/`linalg.unpack`, `linalg.index` and `linalg.yield`.

Tensor reshapes, slices, pads, concatenations and the dispatch's own
loads/stores are data movement and allowed. Such dispatches are what layout
selection (SmartMem) exists to remove: `slow_memcpy`-style copies into padded
buffers, transposes between layouts, relayouts.

Each dispatch *site* in the module's VM code is classified by the executable
it calls, so an executable dispatched twice counts twice, as in
braze.backend.count_dispatches. Sites of IREE's load-time executables
(`_initializer_N_dispatch_M`: constant expressions hoisted out of the
function; `_encoding_N`: weights packed for data tiling) run once when the
module loads, not per call; they are counted, and also counted apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..backend import BackendError, count_dispatches, dispatch_sites, is_load_time

_OPERATION = re.compile(r"\b(arith|math|linalg|iree_linalg_ext)\.([a-z_0-9]+)\b")
_DATA_MOVEMENT_LINALG = {"generic", "transpose", "copy", "broadcast", "pack", "unpack", "index",
                         "yield"}


@dataclass
class DispatchStats:
    dispatches: int
    transpose_like: int | None  # None: the executable sources could not be matched
    transpose_like_names: list[str] = field(default_factory=list)  # executables, one per site
    load_time: int = 0  # sites of load-time executables (run once, when the module loads)
    load_time_transpose_like: int = 0

    def as_json(self) -> dict:
        return {"dispatches": self.dispatches, "transpose_like": self.transpose_like,
                "transpose_like_executables": self.transpose_like_names,
                "load_time_dispatches": self.load_time,
                "load_time_transpose_like": self.load_time_transpose_like}


def is_data_movement(source: str) -> bool:
    """Whether an executable's source (hal.executable, linalg on tensors) only moves data."""
    body = source.split("builtin.module", 1)[-1]
    for line in body.splitlines():
        for dialect, name in _OPERATION.findall(_strip_attributes(line)):
            if dialect == "iree_linalg_ext":  # attention, softmax, winograd, ...: compute
                return False
            if dialect == "linalg":
                if name not in _DATA_MOVEMENT_LINALG:
                    return False
            elif name != "constant" and not line.rstrip().endswith(": index") \
                    and not (name == "index_cast" or name == "index_castui"):
                return False
    return True


def _strip_attributes(line: str) -> str:
    """The line without quoted strings (layouts, names), where op-like words may appear."""
    return re.sub(r'"[^"]*"', '""', line)


def dispatch_stats(vmfb: Path, sources_dir: Path) -> DispatchStats:
    """Dispatch count (braze.backend.count_dispatches) and the transpose-like ones among them."""
    total = count_dispatches(vmfb)
    try:
        sites = dispatch_sites(vmfb)
    except (OSError, BackendError):
        return DispatchStats(total, None)
    verdicts: dict[str, bool] = {}
    names = []
    for executable in sites:
        if executable not in verdicts:
            source = sources_dir / f"module_{executable}.mlir"
            if not source.is_file():
                return DispatchStats(total, None)
            verdicts[executable] = is_data_movement(source.read_text())
        if verdicts[executable]:
            names.append(executable)
    if len(sites) != total:
        return DispatchStats(total, None)
    return DispatchStats(total, len(names), names,
                         load_time=sum(map(is_load_time, sites)),
                         load_time_transpose_like=sum(map(is_load_time, names)))
