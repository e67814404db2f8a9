"""Targets and the IREE backend: real iree-compile runs on small hand-written modules."""

import os
import re
import shutil
import sys

import numpy as np
import pytest

from braze import runtime
from braze.backend import BackendError, compile_to_vmfb, count_dispatches, tool_path
from braze import targets
from braze.backend import iree as iree_backend
from braze.targets import Target, TargetError, get_target, names
from iree_modules import ADD_RELU, MODULES, vmfb

# A .vmfb is a zip archive around the VM FlatBuffer (module.fb) and its executables.
ZIP_MAGIC = b"PK\x03\x04"

# linalg.add is not an op IREE 3.13 knows (line 3, column 8 below).
UNKNOWN_OP = """\
func.func @main(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.add ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}
"""


# ---------------------------------------------------------------- targets

def test_host_target_uses_the_toolchain_flags_and_runs_here():
    host = get_target("host")
    assert host.flags == ("--iree-hal-target-device=local",
                          "--iree-hal-local-target-device-backends=llvm-cpu",
                          "--iree-llvmcpu-target-cpu=host")
    assert host.drivers == ("local-sync", "local-task")
    assert host.executable


def test_unknown_target_lists_valid_names_in_one_line():
    with pytest.raises(TargetError) as caught:
        get_target("vulkan-mali-g99")
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert "\n" not in message
    assert message.startswith("unknown target 'vulkan-mali-g99' (valid: host, ")
    for name in ("host", "arm64-android", "arm64-linux", "vulkan-valhall", "vulkan-llvmpipe"):
        assert name in message


def test_only_the_mobile_gpu_targets_are_compile_only():
    # arm64 runs under qemu here, vulkan-llvmpipe on lavapipe (test_targets.py runs them).
    for name in names():
        mobile_gpu = name.startswith("vulkan-") and name != "vulkan-llvmpipe"
        assert get_target(name).executable != mobile_gpu, name


def test_arm64_takes_cpu_and_features():
    target = get_target("arm64-android+dotprod+i8mm", cpu="cortex-a78")
    assert target.name == "arm64-android+dotprod+i8mm"
    assert target.flags[-3:] == ("--iree-llvmcpu-target-triple=aarch64-linux-android34",
                                 "--iree-llvmcpu-target-cpu=cortex-a78",
                                 "--iree-llvmcpu-target-cpu-features=+dotprod,+i8mm")
    assert get_target("arm64-linux").flags[-1] == "--iree-llvmcpu-target-triple=aarch64-unknown-linux-gnu"


@pytest.mark.parametrize("name, cpu, problem", [
    ("host+avx2", None, "target 'host' takes no CPU name or +features"),
    ("vulkan-valhall", "cortex-a78", "target 'vulkan-valhall' takes no CPU name or +features"),
    ("arm64-linux+", None, "invalid CPU name or feature '' for target 'arm64-linux'"),
    ("arm64-linux", "a78;rm", "invalid CPU name or feature 'a78;rm' for target 'arm64-linux'"),
])
def test_cpu_options_are_validated(name, cpu, problem):
    with pytest.raises(TargetError, match=re.escape(problem)):
        get_target(name, cpu=cpu)


def test_registry_is_open_for_new_targets(monkeypatch):
    monkeypatch.setattr(targets, "_REGISTRY", dict(targets._REGISTRY))  # undone after the test
    custom = Target("host-o3", (*get_target("host").flags, "--iree-opt-level=O3"), ("local-sync",))
    targets.register(custom)
    assert get_target("host-o3") is custom
    assert names()[-1] == "host-o3"


# ---------------------------------------------------------------- compiling

def test_iree_compile_is_found_without_importing_iree_compiler():
    assert tool_path("iree-compile").is_file()
    assert tool_path("iree-dump-module").is_file()
    assert "iree.compiler" not in sys.modules  # it cannot share a process with `mlir`


@pytest.mark.parametrize("name", MODULES)
def test_compiles_for_host(name):
    assert vmfb(name).startswith(ZIP_MAGIC)


def test_output_and_dump_dir_keep_the_artifacts(tmp_path):
    output = tmp_path / "out" / "add_relu.vmfb"
    output.parent.mkdir()
    dump = tmp_path / "dump"
    data = compile_to_vmfb(ADD_RELU, get_target("host"), output=output, dump_dir=dump)
    assert output.read_bytes() == data
    assert (dump / "host.mlir").read_text() == ADD_RELU
    log = (dump / "host.iree-compile.log").read_text()
    assert log.startswith("$ ") and "--iree-llvmcpu-target-cpu=host" in log.splitlines()[0]


def test_progress_reports_elapsed_time(monkeypatch):
    monkeypatch.setattr(iree_backend, "PROGRESS_INTERVAL_S", 0.05)
    messages = []
    compile_to_vmfb(ADD_RELU, "host", progress=messages.append)
    assert messages[-1].startswith("iree-compile host: done in ")
    assert all(re.fullmatch(r"iree-compile host: (done in )?\d+\.\d s", m) for m in messages), messages


@pytest.mark.parametrize("name, cpu", [("arm64-android+dotprod", "cortex-a78"), ("vulkan-valhall", None)])
def test_cross_targets_compile(name, cpu):
    module = compile_to_vmfb(ADD_RELU, get_target(name, cpu=cpu))
    assert module.startswith(ZIP_MAGIC)
    assert count_dispatches(module) == 1


def test_invalid_mlir_names_the_error_line_in_the_saved_input(tmp_path):
    with pytest.raises(BackendError) as caught:
        compile_to_vmfb(UNKNOWN_OP, "host", dump_dir=tmp_path)
    lines = str(caught.value).splitlines()
    assert lines[0] == "iree-compile failed for target 'host' (exit 1):"
    assert lines[1] == f"  {tmp_path / 'host.mlir'}:3:8: error: custom op 'linalg.add' is unknown"
    assert lines[2] == f"full log: {tmp_path / 'host.iree-compile.log'}"
    assert "Traceback" not in str(caught.value)


def test_failure_without_dump_dir_keeps_input_and_log():
    with pytest.raises(BackendError) as caught:
        compile_to_vmfb(UNKNOWN_OP, "host")
    log_path = str(caught.value).splitlines()[-1].removeprefix("full log: ")
    with open(log_path) as log:
        assert "custom op 'linalg.add' is unknown" in log.read()
    with open(log_path.replace(".iree-compile.log", ".mlir")) as source:
        assert source.read() == UNKNOWN_OP
    shutil.rmtree(os.path.dirname(log_path))  # kept by braze for the user; not needed here


def test_bad_extra_flag_reports_iree_compile_message(tmp_path):
    with pytest.raises(BackendError, match="Unknown command line argument '--no-such-flag'"):
        compile_to_vmfb(ADD_RELU, "host", extra_flags=["--no-such-flag"], dump_dir=tmp_path)


def test_unknown_target_is_rejected_before_iree_compile():
    # iree-compile crashes on an unknown --iree-vulkan-target: never reach it.
    with pytest.raises(TargetError, match="unknown target 'vulkan-bogus'"):
        compile_to_vmfb(ADD_RELU, "vulkan-bogus")


# ---------------------------------------------------------------- dispatches

@pytest.mark.parametrize("name, dispatches", [("add_relu", 1), ("matmul", 1), ("two_results", 2)])
def test_count_dispatches(name, dispatches):
    assert count_dispatches(vmfb(name)) == dispatches


def test_count_dispatches_of_a_file(tmp_path):
    path = tmp_path / "two.vmfb"
    path.write_bytes(vmfb("two_results"))
    assert count_dispatches(path) == 2


def test_count_dispatches_of_garbage_is_a_backend_error():
    with pytest.raises(BackendError, match="iree-dump-module cannot read the module: .*FlatBuffer"):
        count_dispatches(b"not a module")


DATA_TILED_MATMUL = """
func.func @main(%a: tensor<49x64xf32>, %b: tensor<64x32xf32>) -> tensor<49x32xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<49x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<49x32xf32>) -> tensor<49x32xf32>
  %c = linalg.matmul {iree.opt.data_tiling} ins(%a, %b : tensor<49x64xf32>, tensor<64x32xf32>)
      outs(%acc : tensor<49x32xf32>) -> tensor<49x32xf32>
  return %c : tensor<49x32xf32>
}
"""


def test_data_tiling_is_enabled_only_where_the_module_asks_for_it(tmp_path):
    host, gpu = get_target("host"), get_target("vulkan-llvmpipe")
    assert iree_backend.module_flags(DATA_TILED_MATMUL, host) == ["--iree-opt-data-tiling"]
    assert iree_backend.module_flags(DATA_TILED_MATMUL, gpu) == []
    assert iree_backend.module_flags(MODULES["add_relu"], host) == []
    compile_to_vmfb(DATA_TILED_MATMUL, host, dump_dir=tmp_path)
    assert "--iree-opt-data-tiling" in (tmp_path / "host.iree-compile.log").read_text()
    a = np.random.default_rng(0).standard_normal((49, 64)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((64, 32)).astype(np.float32)
    (c,) = runtime.run((tmp_path / "host.vmfb").read_bytes(), [a, b])
    np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)
