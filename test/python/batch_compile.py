"""Many small ONNX models compiled as the functions of one IREE module.

Every iree-compile run has a fixed cost of about a second, so compiling each
of hundreds of tiny test models on its own would dominate the test time.
`ModelBatch` imports and lowers each model in one MLIR context, renames its
`@main` to a unique symbol, clones the functions of many models into one
module and compiles that once. Sharing the context keeps `dense_resource`
weights valid across modules (the context renames a second blob that
asks for a taken name, e.g. `w` -> `w_1`). When the compile of a group
fails, the group is bisected, so one model iree-compile rejects does not
hide the others: each model ends up with its own outcome.

    batch = ModelBatch()
    batch.add("relu", relu_model)
    batch.add("conv", conv_model, {"x": [1, 3, 8, 8]})
    batch.compile()
    outputs = batch.run("conv", [x])   # raises the model's own error, if any
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import mlir.ir as ir
import numpy as np
import onnx

import braze  # noqa: F401  (registers the dialect with every new Context)
from braze import runtime
from braze.backend import BackendError, compile_to_vmfb
from braze.compiler import with_dtypes
from braze.frontend import import_model, result_dtypes
from braze.pipeline import Pipeline

TARGET = "host"

# The lowering braze.compile runs (without an optimisation pipeline).
LOWERING = Pipeline().lower_to_linalg().canonicalize().cse()

_RESOURCE_REFERENCE = re.compile(r"dense_resource<([^>]+)>")


class LoweringError(Exception):
    """--braze-lower-to-linalg (or the verifier after it) failed on an imported model."""


@dataclass
class _Entry:
    """One model of the batch: its lowered function, or why it has none yet."""

    symbol: str
    function: ir.Operation | None = None
    output_dtypes: list[np.dtype] | None = None
    vmfb: bytes | None = None
    error: Exception | None = None


def symbol_name(key: str, index: int) -> str:
    """A function name IREE exports unchanged: letters, digits and `_` only."""
    return f"m{index}_" + re.sub(r"\W", "_", key)[:60]


class ModelBatch:
    """Models by key; `compile()` compiles every model not yet compiled."""

    def __init__(self, target: str = TARGET, work_dir: Path | None = None):
        """work_dir: where each iree-compile keeps its input and log (compile<N>/);
        else a temporary directory, kept only when the compile fails."""
        self.target = target
        self.work_dir = work_dir
        self.context = ir.Context()
        self._entries: dict[str, _Entry] = {}
        # Lowered modules own the cloned functions' originals: keep them alive.
        self._modules: list[ir.Module] = []
        self.compiles = 0  # iree-compile runs so far; numbers their work directories

    def add(self, key: str, model: onnx.ModelProto,
            input_shapes: Mapping[str, Sequence[int]] | None = None) -> None:
        """Imports and lowers `model` now; an import or lowering error is kept
        as the model's outcome (FrontendError, LoweringError)."""
        if key in self._entries:
            raise KeyError(f"model '{key}' is already in the batch")
        entry = _Entry(symbol_name(key, len(self._entries)))
        self._entries[key] = entry
        try:
            entry.function, entry.output_dtypes = self._lower(model, input_shapes, entry.symbol)
        except Exception as error:  # FrontendError, LoweringError: the outcome to report
            entry.error = error

    def _lower(self, model, input_shapes,
               symbol: str) -> tuple[ir.Operation, list[np.dtype]]:
        """The lowered function and the model's output dtypes (read before
        lowering makes unsigned results signless)."""
        module = import_model(model, input_shapes, context=self.context)
        output_dtypes = result_dtypes(module.body.operations[0])
        try:
            LOWERING.run(module)
        except ir.MLIRError as error:
            messages = "; ".join(d.message for d in error.error_diagnostics) or str(error)
            raise LoweringError(" ".join(messages.split())) from None
        (function,) = module.body.operations  # the frontend makes exactly @main
        function.attributes["sym_name"] = ir.StringAttr.get(symbol, self.context)
        self._modules.append(module)
        return function, output_dtypes

    def compile(self) -> None:
        """Compiles the lowered models that have no module yet, in one
        iree-compile when it succeeds."""
        pending = [entry for entry in self._entries.values()
                   if entry.error is None and entry.vmfb is None]
        if pending:
            check_resources_are_private(pending)
            self._compile_or_bisect(pending)

    def _compile_or_bisect(self, entries: list[_Entry]) -> None:
        try:
            vmfb = self._compile(entries)
        except BackendError as error:
            if len(entries) == 1:
                entries[0].error = error
                return
            middle = len(entries) // 2
            self._compile_or_bisect(entries[:middle])
            self._compile_or_bisect(entries[middle:])
            return
        for entry in entries:
            entry.vmfb = vmfb

    def _compile(self, entries: list[_Entry]) -> bytes:
        with self.context, ir.Location.unknown():
            merged = ir.Module.create()
            for entry in entries:
                entry.function.clone(ip=ir.InsertionPoint(merged.body))
        self.compiles += 1
        dump_dir = self.work_dir / f"compile{self.compiles}" if self.work_dir else None
        return compile_to_vmfb(str(merged), self.target, dump_dir=dump_dir)

    def error(self, key: str) -> Exception | None:
        """Why the model has no compiled function (None if it has one)."""
        return self._entries[key].error

    def run(self, key: str, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        """The model's outputs; raises the model's import, lowering or compile
        error instead if it had one."""
        entry = self._entries[key]
        if entry.error is not None:
            raise entry.error
        if entry.vmfb is None:
            raise RuntimeError(f"model '{key}' has not been compiled: call compile() first")
        outputs = runtime.run(entry.vmfb, list(inputs), function=entry.symbol)
        return with_dtypes(outputs, entry.output_dtypes)


def check_resources_are_private(entries: Sequence[_Entry]) -> None:
    """Each function must reference weights of its own model only: two
    functions naming one resource would mean a blob name clash."""
    owner: dict[str, str] = {}
    for entry in entries:
        for name in set(_RESOURCE_REFERENCE.findall(str(entry.function))):
            if owner.setdefault(name, entry.symbol) != entry.symbol:
                raise AssertionError(f"resource '{name}' is referenced by both "
                                     f"@{owner[name]} and @{entry.symbol}")
