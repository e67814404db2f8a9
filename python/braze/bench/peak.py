"""This machine's measured peak f32 GFLOP/s, for the roofline lower bound.

    python peak.py 2     # prints {"threads": 2, "gflops": ..., "library": ...}

The best of a large square f32 matrix product through two tuned libraries,
numpy's OpenBLAS and onnxruntime's MLAS, with the thread count fixed (run in
a process of its own: OpenBLAS reads its thread count when loaded). A model's
roofline lower bound is then FLOPs / peak: no system can run it faster on
this machine at that thread count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

SIZE = 2048
REPEATS = 5


def _best_seconds(call) -> float:
    call()
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def _numpy(threads: int) -> float:
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = (rng.random((SIZE, SIZE), dtype=np.float32) for _ in range(2))
    return 2 * SIZE**3 / _best_seconds(lambda: a @ b) / 1e9


def _onnxruntime(threads: int) -> float:
    import numpy as np
    import onnxruntime as ort
    from onnx import TensorProto, helper

    square = [SIZE, SIZE]
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "b"], ["c"])], "matmul",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, square) for n in "ab"],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, square)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feed = {n: rng.random(square, dtype=np.float32) for n in "ab"}
    return 2 * SIZE**3 / _best_seconds(lambda: session.run(None, feed)) / 1e9


def measure(threads: int) -> dict:
    """Runs this file in a fresh process with `threads` BLAS threads."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    result = subprocess.run([sys.executable, str(Path(__file__).resolve()), str(threads)],
                            capture_output=True, text=True, env=env)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["no output"]
        raise RuntimeError(f"measuring peak GFLOP/s failed: {lines[-1]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    threads = int(sys.argv[1])
    results = {"numpy (OpenBLAS) sgemm": _numpy(threads)}
    try:
        results["onnxruntime (MLAS) MatMul"] = _onnxruntime(threads)
    except ImportError:
        pass
    library = max(results, key=results.get)
    print(json.dumps({"threads": threads, "gflops": results[library], "library": library,
                      "size": SIZE, "all": results}))


if __name__ == "__main__":
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        del sys.path[0]
    main()
