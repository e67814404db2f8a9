"""Compile-time rewrites keep values: --braze-fold-batch-norm, differentially.

Each program is compiled with and without the rewrite; both must match
onnxruntime (graph optimisations off) within 1e-4 of the output's magnitude,
and the rewritten one must have lost its batch norms.
"""

import numpy as np
import pytest

import braze
from braze import models
from onnx_helpers import make_model, node, onnxruntime_run


def batch_norm_params(prefix: str, channels: int, rng: np.random.Generator) -> dict:
    return {f"{prefix}_scale": rng.standard_normal(channels).astype(np.float32),
            f"{prefix}_bias": rng.standard_normal(channels).astype(np.float32),
            f"{prefix}_mean": rng.standard_normal(channels).astype(np.float32),
            f"{prefix}_var": rng.uniform(0.1, 2.0, channels).astype(np.float32)}


def batch_norm(source: str, prefix: str, output: str):
    return node("BatchNormalization", [source] + [f"{prefix}_{p}" for p in
                                                  ("scale", "bias", "mean", "var")],
                [output], name=f"{prefix}_node", epsilon=1e-3)


def conv_bn_model(rng):
    """Conv with bias -> BN; grouped Conv without bias -> BN; ConvTranspose
    (2 groups) -> BN; Relu -> BN (nothing to fold into: a multiply-add)."""
    weights = {
        "w": rng.standard_normal((8, 4, 3, 3)).astype(np.float32),
        "b": rng.standard_normal(8).astype(np.float32),
        "gw": rng.standard_normal((8, 4, 1, 1)).astype(np.float32),
        "tw": rng.standard_normal((8, 3, 2, 2)).astype(np.float32),
        **batch_norm_params("bn0", 8, rng), **batch_norm_params("bn1", 8, rng),
        **batch_norm_params("bn2", 6, rng), **batch_norm_params("bn3", 6, rng),
    }
    nodes = [
        node("Conv", ["x", "w", "b"], ["c0"], name="conv0", pads=[1, 1, 1, 1]),
        batch_norm("c0", "bn0", "n0"),
        node("Conv", ["n0", "gw"], ["c1"], name="conv1", group=2),
        batch_norm("c1", "bn1", "n1"),
        node("ConvTranspose", ["n1", "tw"], ["c2"], name="deconv", group=2, strides=[2, 2]),
        batch_norm("c2", "bn2", "n2"),
        node("Relu", ["n2"], ["r"], name="relu"),
        batch_norm("r", "bn3", "y"),
    ]
    return make_model(nodes, {"x": [1, 4, 6, 6]}, ["y"], weights)


@pytest.mark.parametrize("optimize", ["none", "layout", "all"])
def test_fold_batch_norm_matches_onnxruntime(optimize):
    rng = np.random.default_rng(11)
    model = conv_bn_model(rng)
    x = rng.standard_normal((1, 4, 6, 6)).astype(np.float32)
    (expected,) = onnxruntime_run(model, {"x": x})
    artifact = braze.compile(model, "host", optimize=optimize)
    (actual,) = artifact.run([x])
    np.testing.assert_allclose(actual, expected, rtol=0,
                               atol=1e-4 * max(float(np.abs(expected).max()), 1.0))
    folded = "braze.batch_norm" not in artifact.stages["braze"]
    assert folded == (optimize == "all")
    if folded:
        # Three batch norms vanished into convolutions; the fourth is x * a + b.
        assert artifact.stages["braze"].count("braze.mul") == 1
        assert artifact.stages["braze"].count("braze.add") == 1


def test_fold_batch_norm_pipeline_text():
    assert str(braze.Pipeline().fold_batch_norm()) == "builtin.module(braze-fold-batch-norm)"


@pytest.mark.parametrize("name", models.names())
def test_fold_batch_norm_keeps_model_outputs(name):
    model = models.MODELS[name]
    if not models.installed(name):
        pytest.skip(f"{model.requirement} is not installed")
    x = np.random.default_rng(5).standard_normal(model.input_shapes["x"]).astype(np.float32)
    outputs, stages = {}, {}
    for label, pipeline in (("kept", braze.Pipeline()),
                            ("folded", braze.Pipeline().fold_batch_norm())):
        artifact = braze.compile(model.path(), "host", input_shapes=model.input_shapes,
                                 pipeline=pipeline)
        outputs[label], stages[label] = artifact.run([x]), artifact.stages["braze"]
    for kept, folded in zip(outputs["kept"], outputs["folded"]):
        scale = max(float(np.abs(kept).max()), 1.0)
        np.testing.assert_allclose(folded, kept, rtol=0, atol=1e-4 * scale)
    assert stages["kept"].count("braze.batch_norm") > 0
    assert "braze.batch_norm" not in stages["folded"]
