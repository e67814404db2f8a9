"""Per-dispatch time profile of a compiled module on this machine's CPU.

    from braze import profile
    result = profile.profile_module("m.vmfb", [x], runs=10)   # a Profile
    print(result.table(top=15))
    result.dispatches[0]   # DispatchTime(name='main_dispatch_15_matmul_like_...', kind='matmul', ...)

How: IREE's `iree-benchmark-module` calls the function `runs` times with
HAL host-execution profiling on (`--device_profiling_mode=host-execution`),
which records the host time of every dispatch that IREE's CPU drivers
(local-sync, local-task) execute; `iree-profile statistics --format=jsonl`
reduces the bundle to one row per executable function. Every call is
recorded, the first one included (a warm-up would be recorded too), and times
are given per call: a function's total over the number of command-buffer
executions recorded (one per call). Vulkan and emulated (qemu) targets cannot
be profiled this way: ProfileError says so.

Each dispatch gets a kind. From IREE's dispatch name (`main_dispatch_3_conv_...`,
`..._matmul_like_...`, `..._slow_memcpy`): conv, depthwise (a conv over five
loops: batch 1, no input-channel reduction; pooling also looks like this by
name), matmul, matvec, elementwise, reduction, softmax, transpose-like
(transpose, slow_memcpy, pack, unpack, copy), ...; with the executable
sources (`iree-compile --iree-hal-dump-executable-sources-to=DIR`),
transpose-like is decided by the data-movement rule of braze.bench.dispatches
instead, and a conv without multiplications is pooling.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import runtime
from .targets import Target

# `main_dispatch_14_conv_14x14x256x5x5_f32` -> executable, category, loop ranges.
_NAME = re.compile(r"^(?P<executable>.*?_(?:dispatch|encoding)_\d+)(?:_(?P<summary>.*))?$")
_RANGES = re.compile(r"_(\d+(?:x\d+)*)(?=_|x[a-z]|$)")

# IREE's dispatch-name categories (the word after `_dispatch_N_`) -> kind.
_KINDS = (
    ("batch_matmul", "matmul"), ("matmul", "matmul"), ("contract", "matmul"),
    ("matvec", "matvec"), ("vecmat", "matvec"),
    ("conv", "conv"), ("pooling", "pooling"),
    ("elementwise", "elementwise"), ("reduction", "reduction"), ("softmax", "softmax"),
    ("attention", "attention"), ("fill", "fill"), ("generic", "generic"),
    ("transpose", "transpose-like"), ("slow_memcpy", "transpose-like"),
    ("unpack", "transpose-like"), ("pack", "transpose-like"), ("copy", "transpose-like"),
)
TRANSPOSE_LIKE = "transpose-like"

# Runs per profile when not told otherwise.
DEFAULT_RUNS = 10
_TIMEOUT_S = 900


class ProfileError(runtime.RunError):
    """A module that cannot be profiled here, or a profiler that failed (one line for users)."""


@dataclass
class DispatchTime:
    """One executable function's time, per call of the profiled function."""

    name: str  # the function IREE dispatches, e.g. main_dispatch_3_matmul_like_112x112x32x16_f32
    executable: str  # main_dispatch_3: the executable (and its dumped source's name)
    kind: str
    count: float  # dispatches per call
    total_ms: float  # time per call, all its dispatches
    percent: float = 0.0  # of the profile's total

    @property
    def mean_ms(self) -> float:
        """Time of one dispatch."""
        return self.total_ms / self.count if self.count else 0.0


@dataclass
class Profile:
    """Where one call of a function spends its time, dispatch by dispatch (slowest first)."""

    dispatches: list[DispatchTime]
    runs: int  # calls profiled
    device: str
    function: str = "main"
    execute_ms: float | None = None  # executing the command buffer(s), per call
    dropped_records: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def total_ms(self) -> float:
        """All dispatches' time per call (the sum of the rows)."""
        return sum(dispatch.total_ms for dispatch in self.dispatches)

    def by_kind(self) -> dict[str, float]:
        """Milliseconds per call spent in each kind of dispatch, largest first."""
        kinds: dict[str, float] = {}
        for dispatch in self.dispatches:
            kinds[dispatch.kind] = kinds.get(dispatch.kind, 0.0) + dispatch.total_ms
        return dict(sorted(kinds.items(), key=lambda item: -item[1]))

    def as_json(self) -> dict:
        return {"device": self.device, "function": self.function, "runs": self.runs,
                "total_ms": self.total_ms, "execute_ms": self.execute_ms,
                "dropped_records": self.dropped_records, "notes": list(self.notes),
                "by_kind_ms": self.by_kind(),
                "dispatches": [{**asdict(d), "mean_ms": d.mean_ms} for d in self.dispatches]}

    @classmethod
    def from_json(cls, data: dict) -> Profile:
        """The Profile that as_json() wrote."""
        fields = ("name", "executable", "kind", "count", "total_ms", "percent")
        return cls([DispatchTime(**{key: row[key] for key in fields}) for row in data["dispatches"]],
                   data["runs"], data["device"], data.get("function", "main"),
                   data.get("execute_ms"), data.get("dropped_records", 0),
                   list(data.get("notes", [])))

    def kinds_line(self) -> str:
        """`matmul 3.21 ms (65.2 %), depthwise 0.52 ms (10.6 %), ...`: time per call by kind."""
        total = self.total_ms
        return ", ".join(f"{kind} {ms:.2f} ms ({100.0 * ms / total if total else 0.0:.1f} %)"
                         for kind, ms in self.by_kind().items())

    def header(self) -> str:
        execute = f" (executing the command buffer: {self.execute_ms:.3f} ms)" \
            if self.execute_ms is not None else ""
        return (f"@{self.function} on {self.device}: dispatch time per call {self.total_ms:.3f} ms"
                f"{execute}, {self.runs} call{'s' if self.runs != 1 else ''} profiled "
                "(IREE host-execution profiling)")

    def rows(self, top: int) -> list[list[str]]:
        """Table rows: the `top` slowest dispatches, one `other` row for the rest, the total."""
        shown, rest = self.dispatches[:top], self.dispatches[top:]
        rows = [[str(rank), d.name, d.kind, _count(d.count), f"{d.total_ms:.3f}",
                 f"{d.mean_ms:.3f}", f"{d.percent:.1f}"] for rank, d in enumerate(shown, 1)]
        if rest:
            rest_ms = sum(d.total_ms for d in rest)
            rows.append(["", f"other ({len(rest)} executables)", "",
                         _count(sum(d.count for d in rest)), f"{rest_ms:.3f}", "",
                         f"{sum(d.percent for d in rest):.1f}"])
        rows.append(["", f"total ({len(self.dispatches)} executables)", "",
                     _count(sum(d.count for d in self.dispatches)), f"{self.total_ms:.3f}", "",
                     "100.0" if self.dispatches else "0.0"])
        return rows

    def table(self, top: int = 15, markdown: bool = False) -> str:
        """The `top` slowest dispatches, an `other` line and the total; aligned text or Markdown."""
        head = ["#", "dispatch", "kind", "count/call", "ms/call", "mean ms", "%"]
        rows = self.rows(top)
        if markdown:
            lines = ["| " + " | ".join(head) + " |", "|---|---|---|--:|--:|--:|--:|"]
            return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
        widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
        left = {1, 2}  # name and kind read left-aligned, numbers right-aligned
        return "\n".join("  ".join(cell.ljust(width) if i in left else cell.rjust(width)
                                   for i, (cell, width) in enumerate(zip(row, widths))).rstrip()
                         for row in [head, *rows])


def _count(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


# ---------------------------------------------------------------- kinds

def dispatch_kind(name: str, source: str | None = None) -> str:
    """The kind of a dispatch from IREE's name for it, refined by its executable source if given.

    With `source`, transpose-like is exactly braze.bench.dispatches' data-movement rule
    (so profiles agree with the bench's transpose-like counts), and a conv whose
    convolution has no multiplication is pooling.
    """
    kind = _kind_from_name(name)
    if source is None:
        return kind
    from .bench.dispatches import is_data_movement

    if is_data_movement(source):
        return TRANSPOSE_LIKE
    if kind == TRANSPOSE_LIKE:  # named transpose, but it computes (e.g. a fused scale)
        return "elementwise"
    if kind in ("conv", "depthwise") and not _convolution_multiplies(source):
        return "pooling"
    return kind


def _kind_from_name(name: str) -> str:
    match = _NAME.match(name)
    summary = (match["summary"] or "") if match else name
    for prefix, kind in _KINDS:
        if summary.startswith(prefix):
            if kind == "conv" and _loop_count(summary) == 5:
                return "depthwise"
            return kind
    return summary.split("_", 1)[0] or "other"


def _loop_count(summary: str) -> int:
    """How many loop ranges IREE wrote into the name (`conv_112x112x16x3x3_f32` -> 5)."""
    ranges = _RANGES.search(summary)
    return len(ranges.group(1).split("x")) if ranges else 0


def _convolution_multiplies(source: str) -> bool:
    """Whether the first linalg.generic's body (the convolution) has a multiplication."""
    body = source.split("linalg.generic", 1)[-1].split("} -> tensor<", 1)[0]
    return bool(re.search(r"\barith\.mul[fi]\b", body))


# ---------------------------------------------------------------- parsing

def parse_statistics(jsonl: str, *, device: str = "local-sync", function: str = "main",
                     iterations: int | None = None,
                     sources: Path | None = None) -> Profile:
    """A Profile from `iree-profile statistics --format=jsonl` output.

    Calls are counted by `iterations`, the benchmark's own count; the
    command-buffer executions recorded stand in without it (a call may
    execute more than one: ppocr-det's executes two).
    `sources`: a directory of `module_<executable>.mlir` files for the kinds.
    """
    functions: dict[str, dict] = {}
    executions, execute_ns, dropped = 0, 0, 0
    for line in jsonl.splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("type") == "statistics_summary":
            dropped = int(row.get("dropped_record_count") or 0)
        if row.get("type") != "statistics_row":
            continue
        if row.get("row_type") == "host_execution_function" and row.get("function_name"):
            entry = functions.setdefault(row["function_name"], {"count": 0, "ns": 0})
            entry["count"] += int(row["sample_count"])
            entry["ns"] += int(row["total_duration_ns"])
        elif row.get("row_type") == "host_execution_queue_operation" \
                and row.get("event_name") == "execute":
            executions += int(row["sample_count"])
            execute_ns += int(row["total_duration_ns"])
    runs = iterations or executions
    if runs < 1:
        raise ProfileError("the profile recorded no call of the function "
                           "(no command-buffer execution in iree-profile's statistics)")
    dispatches = []
    for name, entry in functions.items():
        match = _NAME.match(name)
        executable = match["executable"] if match else name
        source = _source(sources, executable)
        dispatches.append(DispatchTime(name, executable, dispatch_kind(name, source),
                                       entry["count"] / runs, entry["ns"] / runs / 1e6))
    dispatches.sort(key=lambda d: (-d.total_ms, d.name))
    total = sum(d.total_ms for d in dispatches)
    for dispatch in dispatches:
        dispatch.percent = 100.0 * dispatch.total_ms / total if total else 0.0
    notes = []
    if dropped:
        notes.append(f"the profiler dropped {dropped} records: times are incomplete")
    if executions and iterations and executions != iterations:
        notes.append(f"{executions} command-buffer executions for {iterations} calls")
    return Profile(dispatches, runs, device, function,
                   execute_ms=execute_ns / runs / 1e6 if executions else None,
                   dropped_records=dropped, notes=notes)


def _source(sources: Path | None, executable: str) -> str | None:
    if sources is None:
        return None
    path = Path(sources) / f"module_{executable}.mlir"
    return path.read_text() if path.is_file() else None


# ---------------------------------------------------------------- running

def check_profilable(target: Target | str | None, device: str | None) -> tuple[Target | None, str]:
    """The target and device a profile runs on (as runtime.resolve), or ProfileError
    for targets whose modules do not run on IREE's CPU drivers in this process."""
    target, device = runtime.resolve(target, device)
    name = f"target '{target.name}'" if target is not None else f"device '{device}'"
    if target is not None and target.emulated():
        raise ProfileError(f"cannot profile {name} here: it runs under qemu, whose speed says "
                           "nothing about an ARM CPU (profile it on the device with "
                           "iree-benchmark-module --device_profiling_mode=host-execution)")
    if device.split(":")[0] not in ("local-sync", "local-task"):
        raise ProfileError(f"cannot profile {name}: per-dispatch profiling times the host CPU's "
                           "dispatches (devices local-sync and local-task); IREE's "
                           f"{device.split(':')[0]} driver does not support host-execution "
                           "profiling")
    return target, device


def profile_module(vmfb: bytes | Path, inputs: Sequence[np.ndarray], *, function: str = "main",
                   device: str | None = None, target: Target | str | None = None,
                   runs: int = DEFAULT_RUNS, threads: int | None = None,
                   sources: Path | None = None) -> Profile:
    """Profiles `runs` calls of `function` with iree-benchmark-module; see the module docstring.

    device: local-sync (the default: one thread) or local-task (`threads`
    workers; default: IREE's choice). target: as for braze.runtime.run; a
    Vulkan or emulated target raises ProfileError. sources: the executable
    sources iree-compile dumped, for the transpose-like rule.
    Raises RunError (ProfileError) with a one-line message.
    """
    if runs < 1:
        raise ProfileError(f"profiling needs runs >= 1, got {runs}")
    target, device = check_profilable(target, device)
    _, arrays = runtime._prepare(vmfb, inputs, function, device)  # checks module and inputs
    from .backend import BackendError, tool_path

    try:
        benchmark, profiler = tool_path("iree-benchmark-module"), tool_path("iree-profile")
    except BackendError as error:
        raise ProfileError(str(error))
    with tempfile.TemporaryDirectory(prefix="braze-profile-") as scratch:
        work = Path(scratch)
        if isinstance(vmfb, (bytes, bytearray)):
            module = work / "module.vmfb"
            module.write_bytes(vmfb)
        else:
            module = Path(vmfb)
        command = [str(benchmark), f"--module={module}", f"--device={device}",
                   f"--function={function}", f"--benchmark_min_time={runs}x",
                   "--benchmark_repetitions=1", "--device_profiling_mode=host-execution",
                   f"--device_profiling_output={work / 'profile.ireeprof'}",
                   f"--benchmark_out={work / 'benchmark.json'}", "--benchmark_out_format=json"]
        if threads is not None and device.startswith("local-task"):
            command.append(f"--task_topology_group_count={threads}")
        for index, array in enumerate(arrays):
            path = work / f"input{index}.npy"
            np.save(path, array)
            command.append(f"--input=@{path}")
        _run(command, "iree-benchmark-module")
        statistics = _run([str(profiler), "statistics", "--format=jsonl",
                           str(work / "profile.ireeprof")], "iree-profile")
        iterations = _iterations(work / "benchmark.json")
    return parse_statistics(statistics, device=device, function=function,
                            iterations=iterations, sources=sources)


def _run(command: list[str], tool: str) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ProfileError(f"{tool} did not finish in {_TIMEOUT_S} s")
    if result.returncode != 0:
        lines = [line.strip() for line in (result.stderr + result.stdout).splitlines()
                 if line.strip()]
        detail = next((line for line in reversed(lines) if "error" in line.lower()
                       or ";" in line), lines[-1] if lines else f"exit {result.returncode}")
        raise ProfileError(f"{tool} failed: {runtime._first_line(Exception(detail))}")
    return result.stdout


def _iterations(path: Path) -> int | None:
    try:
        benchmarks = json.loads(path.read_text()).get("benchmarks", [])
    except (OSError, ValueError):
        return None
    return sum(int(b.get("iterations", 0)) for b in benchmarks) or None
