"""One system at one thread count, in a process of its own, for `braze bench`.

    python worker.py '{"kind": "iree", "path": "m.vmfb", "threads": 1, "inputs": "in.npz",
                       "input_names": ["x"], "input_keys": ["input0"]}'

Each (system, thread count) runs in its own process so that its peak memory
(VmHWM, see _rss_mib) is its own: IREE, onnxruntime and MNN never share a process, and
the bench driver (which holds MLIR and braze's compiler) is not counted. The
worker stays alive while a model is measured and takes commands, one JSON
object a line on stdin, so the driver can interleave systems (A B A B ...):

    {"op": "outputs", "path": "out.npz"}  -> {"count": N}     one call, results saved
    {"op": "time", "warmup": 1, "runs": 4} -> {"times_ms": [...]}
    {"op": "exit"}                        -> {"peak_rss_mib": ..., "cpu_s": ...}

It first answers {"ready": true, "load_s": ..., "base_rss_mib": ...} once the
model is loaded (base_rss_mib: Python, numpy and the inputs, before the
system's library and model), or {"error": "..."}. Answers go to the process's
original stdout; whatever the libraries print (MNN announces the CPU's
features) is sent to stderr.

This file runs as a script, not as `python -m braze.bench.worker`: importing
the `braze` package would load MLIR and braze's native module (~80 MiB) into
every worker. The IREE worker imports braze.runtime alone (see
_import_braze_runtime), so braze's modules and plain IREE's run through the
same code.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time
import types
from pathlib import Path

# Run as a script, Python puts this folder first on sys.path, where names like
# `inputs` or `report` would shadow other packages' imports.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]


def _rss_mib() -> float:
    """This process's peak resident memory so far, MiB.

    VmHWM, the high-water mark of this process image. Not ru_maxrss: Linux
    carries that across fork and execve, so every worker would report at
    least the bench driver's own peak (MLIR, the compiler: ~250 MiB)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _import_braze_runtime():
    """braze.runtime without running braze/__init__.py (which loads MLIR)."""
    if "braze" not in sys.modules:
        package = types.ModuleType("braze")
        package.__path__ = [str(Path(__file__).resolve().parents[1])]
        sys.modules["braze"] = package
    return importlib.import_module("braze.runtime")


def _load_iree(spec: dict, inputs: list):
    import iree.runtime as ireert

    runtime = _import_braze_runtime()
    threads = int(spec["threads"])
    # local-sync runs on the calling thread; local-task on a pool of workers.
    device = "local-sync" if threads == 1 else "local-task"
    if threads > 1:
        ireert.flags.parse_flags(f"--task_topology_group_count={threads}")
    # The same steps as braze.runtime.benchmark: load, check the inputs against
    # the signature, place them on the device once; each call brings every
    # result back to the host.
    loaded, arrays = runtime._prepare(Path(spec["path"]), inputs, spec.get("function", "main"), device)
    device_inputs = [ireert.asdevicearray(loaded.device, array) for array in arrays]
    return lambda: loaded(device_inputs)


def _load_ort(spec: dict, inputs: list):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = int(spec["threads"])
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if spec.get("optimise") is False:  # the numerical reference: the graph as written
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(spec["path"], options, providers=["CPUExecutionProvider"])
    feed = dict(zip(spec["input_names"], inputs))
    return lambda: session.run(None, feed)


def _load_mnn(spec: dict, inputs: list):
    import MNN.expr as F
    import MNN.nn as nn
    import numpy as np

    config = {"backend": "CPU", "numThread": int(spec["threads"]), "precision": "normal"}
    manager = nn.create_runtime_manager((config,))
    module = nn.load_module_from_file(spec["path"], spec["input_names"], spec["output_names"],
                                      runtime_manager=manager)
    variables = [F.const(array, list(array.shape), F.NCHW) for array in inputs]

    def call():
        results = []
        for output in module.forward(variables):
            if output.data_format == F.NC4HW4:
                output = F.convert(output, F.NCHW)
            results.append(np.array(output.read(), copy=True))
        return results

    return call


_LOADERS = {"iree": _load_iree, "ort": _load_ort, "mnn": _load_mnn}


def main() -> int:
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # library chatter on fd 1 goes to stderr, not into the protocol

    def answer(message: dict) -> None:
        answers.write(json.dumps(message) + "\n")

    try:
        import numpy as np

        spec = json.loads(sys.argv[1])
        with np.load(spec["inputs"]) as archive:
            inputs = [archive[key] for key in spec.get("input_keys", spec["input_names"])]
        _LOADERS[spec["kind"]]  # a KeyError names an unknown kind
        base_rss = _rss_mib()
        start = time.perf_counter()
        call = _LOADERS[spec["kind"]](spec, inputs)
        load_s = time.perf_counter() - start
    except Exception as error:  # reported to the driver, which names the system
        answer({"error": f"cannot load: {type(error).__name__}: {error}"})
        return 1
    answer({"ready": True, "load_s": load_s, "base_rss_mib": base_rss})

    for line in sys.stdin:
        command = json.loads(line)
        try:
            if command["op"] == "outputs":
                results = [np.asarray(result) for result in call()]
                np.savez(command["path"], *results)
                answer({"count": len(results)})
            elif command["op"] == "time":
                for _ in range(int(command.get("warmup", 0))):
                    call()
                times = []
                for _ in range(int(command["runs"])):
                    start = time.perf_counter()
                    call()
                    times.append((time.perf_counter() - start) * 1e3)
                answer({"times_ms": times})
            elif command["op"] == "exit":
                usage = resource.getrusage(resource.RUSAGE_SELF)
                answer({"peak_rss_mib": _rss_mib(), "cpu_s": usage.ru_utime + usage.ru_stime})
                return 0
            else:
                answer({"error": f"unknown command {command['op']!r}"})
        except Exception as error:
            answer({"error": f"{type(error).__name__}: {error}"})
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
