"""Executing compiled modules with iree.runtime, and `braze run`, against numpy.

Tolerances: elementwise float32 results are exact (rtol=0, atol=0 against the
same float32 arithmetic in numpy); the matmul is compared with a float64
numpy product at rtol=1e-5, atol=1e-5 (float32 accumulation order differs).
"""

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
