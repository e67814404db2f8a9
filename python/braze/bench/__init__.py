"""`braze bench`: braze against plain IREE, onnxruntime and MNN on the same machine.

    braze bench                      # the four dev models, every system, 1 and 2 threads
    braze bench --quick --out /tmp/b # a smoke run (CI): structure and numerics only
    braze bench --models my.onnx:x=1,3,224,224 --systems braze,iree,ort

    from braze.bench import runner
    result = runner.run(runner.Settings(models=["ppocr-cls"], systems=["braze", "ort"]), print)

Modules: manifest (which models, which inputs), systems (how each system
gets a model ready; braze's optimisation levels), worker (one process per
system and thread count), dispatches (dispatch and transpose-like dispatch
counts), peak (this machine's peak GFLOP/s), runner (the interleaved
measurement, then braze (all)'s per-dispatch profile with braze.profile),
report (results.json, results.md, latency.png).

This is a benchmark, not a test: nothing here asserts on timings.
"""
