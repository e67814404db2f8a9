"""--braze-fuse end to end: fused groups are one IREE dispatch each, fusion
does not change what models compute, and the plan reaches the report, the
picture and the profile oracle.

Differential tests compare optimize="all" (rewriting, layout, fusion) with
the same pipeline without fusion, on small models against onnxruntime and
on the shipped models against each other (1e-4 of the output range).
"""

import json

import numpy as np
import pytest
from onnx_helpers import make_model, node, onnxruntime_run

import braze
from braze import models
from braze.backend import compile_to_vmfb, count_dispatches
from braze.compiler import FusionOptions
from braze.fusion import FusionPlan, group_dispatches, leave_failing_regions_to_iree
from braze.pipeline import Pipeline, lowering

# A projection into attention heads: matmul, bias, split into heads, heads
# to the front. IREE alone leaves the transpose as a dispatch of its own.
# The weights are an argument: a constant's 360 columns would be padded to
# whole vector tiles and sliced (lower-to-linalg-weights.mlir), one more
# dispatch that is not what this shows.
HEADS = """func.func @main(%x: tensor<40x120xf32>, %w: tensor<120x360xf32>) -> tensor<3x8x40x15xf32> {
  %b = braze.constant dense<0.25> : tensor<360xf32>
  %r = braze.fused <many_to_many> BACKEND-> tensor<3x8x40x15xf32> attributes {braze.fusion_group = 0 : i64} {
    %m = braze.matmul %x, %w : (tensor<40x120xf32>, tensor<120x360xf32>) -> tensor<40x360xf32>
    %a = braze.add %m, %b : (tensor<40x360xf32>, tensor<360xf32>) -> tensor<40x360xf32>
    %s = braze.reshape %a : tensor<40x360xf32> -> tensor<40x3x8x15xf32>
    %t = braze.transpose %s perm = [1, 2, 0, 3] : tensor<40x3x8x15xf32> -> tensor<3x8x40x15xf32>
    braze.yield %t : tensor<3x8x40x15xf32>
  }
  return %r : tensor<3x8x40x15xf32>
}"""


def without_fusion(target: str = "host") -> Pipeline:
    """optimize="all" minus --braze-fuse."""
    return Pipeline().rewrite().fold_batch_norm().select_layout(
        "gpu" if target.startswith("vulkan") else "cpu").canonicalize().cse()


def test_fuse_pipeline_text():
    assert str(Pipeline().fuse(oracle="profile", profile_db="db.json", remarks=True)) == \
        "builtin.module(braze-fuse{oracle=profile profile-db=db.json remarks=true})"
    assert str(FusionOptions().apply(Pipeline())) == "builtin.module(braze-fuse{oracle=cost})"


def test_dispatch_region_keeps_a_group_whole():
    """The same group as a dispatch region is one dispatch; left to IREE's own
    dispatch formation (backend_formed) the transpose is a second one."""
    assert group_dispatches(HEADS.replace("BACKEND", "")) == {0: 1}
    assert group_dispatches(HEADS.replace("BACKEND", "backend_formed ")) == {0: 2}


# The last group of ppocr-det: a transposed convolution to the probability
# map, its sigmoid and the relayout back to NCHW. IREE 3.13 cannot generate
# code for it as one dispatch region (vectors too large).
UPSAMPLE = """func.func @main(%x: tensor<1x24x320x320xf32>) -> tensor<1x1x640x640xf32> {
  %w = braze.constant dense<0.5> : tensor<24x1x2x2xf32>
  %b = braze.constant dense<0.25> : tensor<1xf32>
  %xs = braze.relayout %x : tensor<1x24x320x320xf32> -> tensor<1x24x320x320xf32, #braze.layout<nhwc>>
  %r = braze.fused <many_to_many> -> tensor<1x1x640x640xf32> attributes {braze.fusion_group = 7 : i64} {
    %c = braze.conv_transpose2d %xs, %w, %b {strides = array<i64: 2, 2>} : (tensor<1x24x320x320xf32, #braze.layout<nhwc>>, tensor<24x1x2x2xf32>, tensor<1xf32>) -> tensor<1x1x640x640xf32, #braze.layout<nhwc>>
    %s = braze.sigmoid %c : tensor<1x1x640x640xf32, #braze.layout<nhwc>>
    %n = braze.relayout %s : tensor<1x1x640x640xf32, #braze.layout<nhwc>> -> tensor<1x1x640x640xf32>
    braze.yield %n : tensor<1x1x640x640xf32>
  }
  return %r : tensor<1x1x640x640xf32>
}"""


def test_region_iree_cannot_compile_is_left_to_iree():
    """The group is traced from iree-compile's error to its number, marked
    backend_formed, and the model then compiles."""
    from braze import ir
    with ir.Context() as context:
        context.allow_unregistered_dialects = True
        module = ir.Module.parse(UPSAMPLE)
        assert leave_failing_regions_to_iree(module) == [7]
        assert "backend_formed" in str(module)
        lowering().run(module)
        compile_to_vmfb(str(module), "host")


def heads_model():
    rng = np.random.default_rng(0)
    return make_model(
        [node("MatMul", ["x", "w"], ["m"]), node("Add", ["m", "b"], ["a"]),
         node("Reshape", ["a", "shape"], ["s"]), node("Transpose", ["s"], ["y"], perm=[2, 0, 3, 1, 4])],
        {"x": [1, 40, 120]}, ["y"],
        {"w": rng.standard_normal((120, 360)).astype(np.float32),
         "b": rng.standard_normal(360).astype(np.float32),
         "shape": np.array([1, 40, 3, 8, 15], dtype=np.int64)})


def test_fused_model_matches_onnxruntime_without_more_dispatches():
    model = heads_model()
    x = np.random.default_rng(1).standard_normal((1, 40, 120)).astype(np.float32)
    expected = onnxruntime_run(model, {"x": x})[0]
    fused = braze.compile(model, "host", optimize="all", count_group_dispatches=True)
    unfused = braze.compile(model, "host", pipeline=without_fusion())
    for artifact in (fused, unfused):
        np.testing.assert_allclose(artifact.run([x])[0], expected, rtol=1e-4, atol=1e-4)
    plan = fused.report.fusion
    assert plan is not None and plan.groups and not plan.split_groups()
    assert count_dispatches(fused.vmfb) <= count_dispatches(unfused.vmfb)
    assert "fusion: " in fused.report.summary()


def test_plan_picture_and_dump(tmp_path):
    artifact = braze.compile(heads_model(), "host", dump_dir=tmp_path)
    plan = FusionPlan.load(tmp_path / "fusion-plan.json")
    assert plan.groups == artifact.report.fusion.groups
    page = (tmp_path / "fusion-plan.html").read_text()
    assert page.count("<rect") == len(plan.nodes)
    assert "<h3>Groups</h3>" in page and plan.groups[0]["mapping"] in page


def test_cli_fusion_options(tmp_path, capsys):
    from braze.cli import main
    onnx_path = tmp_path / "heads.onnx"
    onnx_path.write_bytes(heads_model().SerializeToString())
    picture = tmp_path / "plan.html"
    assert main(["compile", str(onnx_path), "-o", str(tmp_path / "m.vmfb"),
                 "--fusion-plan", str(picture)]) == 0
    assert picture.read_text().startswith("<!doctype html>")
    assert main(["compile", str(onnx_path), "--fusion-oracle", "profile"]) == 1
    assert "--fusion-oracle profile needs --fusion-db" in capsys.readouterr().err
    assert main(["compile", str(onnx_path), "--optimize", "layout", "-o", str(tmp_path / "l.vmfb"),
                 "--fusion-plan", str(picture)]) == 1
    assert "does not fuse" in capsys.readouterr().err


def test_profile_oracle_measures_through_iree(tmp_path):
    """braze profile-fusion times each pending candidate fused and unfused;
    compiling with the database then decides by those timings."""
    from braze.compiler import profile_fusion
    model = heads_model()
    database = tmp_path / "fusion.json"
    measured = profile_fusion(model, database)
    data = json.loads(database.read_text())
    assert measured == len(data["measurements"]) > 0 and data["pending"] == {}
    for entry in data["measurements"].values():
        assert entry["unfused_ms"] > 0 and (entry.get("fused_ms", 0) > 0 or "error" in entry)
    artifact = braze.compile(model, "host",
                             fusion=FusionOptions(oracle="profile", profile_db=str(database)))
    reasons = [d["reason"] for d in artifact.report.fusion.decisions if d["cell"] == "profile"]
    assert reasons and all(reason.startswith("measured") for reason in reasons)


@pytest.mark.slow
@pytest.mark.parametrize("name", models.names())
def test_fusion_keeps_model_outputs(name, dev_builds):
    """optimize="all" with and without --braze-fuse: equal outputs (1e-4 of
    the range), and every group that IREE splits is named in the report."""
    shipped = models.MODELS[name]
    fused = dev_builds.build(name)
    unfused = dev_builds.build(name, pipeline=without_fusion())
    rng = np.random.default_rng(0)
    inputs = [rng.random(shape, dtype=np.float32) for shape in shipped.input_shapes.values()]
    for got, want in zip(fused.run(inputs), unfused.run(inputs)):
        scale = float(np.ptp(want)) or 1.0
        assert float(np.abs(got - want).max()) <= 1e-4 * scale
    plan = fused.report.fusion
    assert plan.groups and len(plan.dispatches) == len(plan.groups)
    for group in plan.split_groups():
        assert f"group {group} (" in fused.report.summary()
