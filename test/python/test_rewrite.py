"""Compile-time rewrites keep values: --braze-fold-batch-norm and
--braze-rewrite, differentially.

Each program is compiled with and without the rewrite; both must match
onnxruntime (graph optimisations off) within 1e-4 of the output's magnitude
(range, for the real models), and the rewritten one must show the rewrite.
"""

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from onnx import TensorProto

import braze
from braze import models
from braze.compiler import OPTIMIZATION_LEVELS
from braze.targets import get_target

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
    assert folded == (optimize != "none")
    if folded:
        # Three batch norms vanished into convolutions; the fourth is x * a + b.
        assert artifact.stages["braze"].count("braze.mul") == 1
        assert artifact.stages["braze"].count("braze.add") == 1


def test_fold_batch_norm_pipeline_text():
    assert str(braze.Pipeline().fold_batch_norm()) == "builtin.module(braze-fold-batch-norm)"


def compile_and_run(dev_builds, name, **pipelines):
    """The shipped model `name` compiled with each named pipeline (None: no
    braze pass) and run on one input: the outputs and the braze IR, by name."""
    x = np.random.default_rng(5).standard_normal(
        models.MODELS[name].input_shapes["x"]).astype(np.float32)
    outputs, stages = {}, {}
    for label, pipeline in pipelines.items():
        artifact = (dev_builds.build(name, optimize="none") if pipeline is None
                    else dev_builds.build(name, pipeline=pipeline))
        outputs[label], stages[label] = artifact.run([x]), artifact.stages["braze"]
    return outputs, stages


@pytest.mark.parametrize("name", models.names())
def test_fold_batch_norm_keeps_model_outputs(name, dev_builds):
    outputs, stages = compile_and_run(dev_builds, name, kept=None,
                                      folded=braze.Pipeline().fold_batch_norm())
    for kept, folded in zip(outputs["kept"], outputs["folded"]):
        scale = max(float(np.abs(kept).max()), 1.0)
        np.testing.assert_allclose(folded, kept, rtol=0, atol=1e-4 * scale)
    assert stages["kept"].count("braze.batch_norm") > 0
    assert "braze.batch_norm" not in stages["folded"]


# ---------------------------------------------------------------------------
# --braze-rewrite: one small model per rule
# ---------------------------------------------------------------------------

@dataclass
class RewriteCase:
    """A model exercising one rule of --braze-rewrite, its inputs, and what
    its braze stage must show once rewritten."""

    model: object
    inputs: dict[str, np.ndarray]
    rewritten: Callable[[str], bool]


def f32(*values) -> np.ndarray:
    return np.array(values, np.float32)


def layer_norm_case(rng) -> RewriteCase:
    """The decomposition of torch's LayerNorm export before opset 17."""
    nodes = [
        node("ReduceMean", ["x"], ["mean"], name="mean", axes=[-1]),
        node("Sub", ["x", "mean"], ["d"], name="center"),
        node("Pow", ["d", "two"], ["sq"], name="square"),
        node("ReduceMean", ["sq"], ["var"], name="variance", axes=[-1]),
        node("Add", ["var", "eps"], ["ve"], name="shift"),
        node("Sqrt", ["ve"], ["std"], name="deviation"),
        node("Div", ["d", "std"], ["n"], name="normalize"),
        node("Mul", ["n", "gamma"], ["scaled"], name="scale"),
        node("Add", ["scaled", "beta"], ["y"], name="bias"),
    ]
    weights = {"two": f32(2.0), "eps": f32(1e-5),
               "gamma": rng.standard_normal(16).astype(np.float32),
               "beta": rng.standard_normal(16).astype(np.float32)}
    return RewriteCase(make_model(nodes, {"x": [2, 5, 16]}, ["y"], weights),
                       {"x": rng.standard_normal((2, 5, 16)).astype(np.float32)},
                       lambda stage: stage.count("braze.layer_norm") == 1
                       and "braze.reduce" not in stage)


def gelu_erf_case(rng) -> RewriteCase:
    nodes = [
        node("Div", ["x", "sqrt2"], ["t"], name="div"),
        node("Erf", ["t"], ["e"], name="erf"),
        node("Add", ["e", "one"], ["a"], name="add"),
        node("Mul", ["x", "a"], ["m"], name="mul"),
        node("Mul", ["m", "half"], ["y"], name="half"),
    ]
    weights = {"sqrt2": f32(math.sqrt(2.0)), "one": f32(1.0), "half": f32(0.5)}
    return RewriteCase(make_model(nodes, {"x": [4, 32]}, ["y"], weights),
                       {"x": 3 * rng.standard_normal((4, 32)).astype(np.float32)},
                       lambda stage: "braze.gelu" in stage and "braze.erf" not in stage)


def gelu_tanh_case(rng) -> RewriteCase:
    nodes = [
        node("Pow", ["x", "three"], ["cube"], name="cube"),
        node("Mul", ["cube", "k"], ["term"], name="term"),
        node("Add", ["x", "term"], ["sum"], name="sum"),
        node("Mul", ["sum", "c"], ["s"], name="scale"),
        node("Tanh", ["s"], ["t"], name="tanh"),
        node("Add", ["one", "t"], ["a"], name="add"),
        node("Mul", ["half", "x"], ["h"], name="half"),
        node("Mul", ["h", "a"], ["y"], name="mul"),
    ]
    weights = {"three": f32(3.0), "k": f32(0.044715), "c": f32(math.sqrt(2 / math.pi)),
               "one": f32(1.0), "half": f32(0.5)}
    return RewriteCase(make_model(nodes, {"x": [4, 32]}, ["y"], weights),
                       {"x": 3 * rng.standard_normal((4, 32)).astype(np.float32)},
                       lambda stage: "tanh_approximation = true" in stage
                       and "braze.tanh" not in stage)


def distributive_case(rng) -> RewriteCase:
    """A*B + A*C and A + A*B, B and C per channel."""
    nodes = [
        node("Mul", ["x", "b"], ["xb"], name="xb"),
        node("Mul", ["c", "x"], ["cx"], name="cx"),
        node("Add", ["xb", "cx"], ["sum"], name="sum"),
        node("Mul", ["sum", "d"], ["sd"], name="sd"),
        node("Add", ["sum", "sd"], ["y"], name="y"),
    ]
    weights = {name: rng.standard_normal((4, 1, 1)).astype(np.float32) for name in "bcd"}
    return RewriteCase(make_model(nodes, {"x": [1, 4, 6, 6]}, ["y"], weights),
                       {"x": rng.standard_normal((1, 4, 6, 6)).astype(np.float32)},
                       lambda stage: stage.count("braze.mul") == 2)


def associative_case(rng) -> RewriteCase:
    """Reciprocal(A) * Reciprocal(A*B) and (A*sqrt(B)) * (sqrt(B)*C), with
    A away from 0 and B positive."""
    nodes = [
        node("Reciprocal", ["a"], ["ra"], name="ra"),
        node("Mul", ["a", "b"], ["ab"], name="ab"),
        node("Reciprocal", ["ab"], ["rab"], name="rab"),
        node("Mul", ["ra", "rab"], ["r"], name="r"),
        node("Sqrt", ["b"], ["sb"], name="sb"),
        node("Mul", ["r", "sb"], ["rs"], name="rs"),
        node("Mul", ["sb", "c"], ["sc"], name="sc"),
        node("Mul", ["rs", "sc"], ["y"], name="y"),
    ]
    shape = [3, 8]
    return RewriteCase(make_model(nodes, {"a": shape, "b": shape, "c": shape}, ["y"]),
                       {"a": rng.uniform(0.5, 2.0, shape).astype(np.float32),
                        "b": rng.uniform(0.5, 2.0, shape).astype(np.float32),
                        "c": rng.standard_normal(shape).astype(np.float32)},
                       lambda stage: stage.count("braze.reciprocal") == 1
                       and "braze.sqrt" not in stage)


def exp_product_case(rng) -> RewriteCase:
    nodes = [node("Exp", ["x"], ["e"], name="exp"),
             node("ReduceProd", ["e"], ["y"], name="prod", axes=[1], keepdims=0)]
    return RewriteCase(make_model(nodes, {"x": [4, 8]}, ["y"]),
                       {"x": 0.5 * rng.standard_normal((4, 8)).astype(np.float32)},
                       lambda stage: "braze.reduce sum" in stage and "prod" not in stage)


def weights_case(rng) -> RewriteCase:
    """Conv * a + b per channel (PP-OCRv4's learnable affine block), and
    MatMul * s per column."""
    nodes = [
        node("Conv", ["x", "w", "wb"], ["conv"], name="conv", pads=[1, 1, 1, 1]),
        node("Mul", ["conv", "a"], ["scaled"], name="a"),
        node("Add", ["bias", "scaled"], ["shifted"], name="b"),
        node("Reshape", ["shifted", "flat"], ["rows"], name="flatten"),
        node("MatMul", ["rows", "m"], ["product"], name="matmul"),
        node("Mul", ["product", "s"], ["y"], name="s"),
    ]
    weights = {"w": rng.standard_normal((4, 3, 3, 3)).astype(np.float32),
               "wb": rng.standard_normal(4).astype(np.float32),
               "a": rng.standard_normal((4, 1, 1)).astype(np.float32),
               "bias": f32(0.25),
               "flat": np.array([4, 36], np.int64),
               "m": rng.standard_normal((36, 5)).astype(np.float32),
               "s": rng.standard_normal(5).astype(np.float32)}
    return RewriteCase(make_model(nodes, {"x": [1, 3, 6, 6]}, ["y"], weights),
                       {"x": rng.standard_normal((1, 3, 6, 6)).astype(np.float32)},
                       lambda stage: "braze.mul" not in stage and "braze.add" not in stage)


def transposed_operand_case(rng) -> RewriteCase:
    """Attention's scores Q K^T with the heads as batch dims, and a
    row-vector-times-K^T that takes the broadcasting path."""
    nodes = [
        node("Transpose", ["k"], ["kt"], name="kt", perm=[0, 1, 3, 2]),
        node("MatMul", ["q", "kt"], ["y"], name="scores"),
        node("Transpose", ["k"], ["kt_row"], name="kt_row", perm=[0, 1, 3, 2]),
        node("MatMul", ["v", "kt_row"], ["z"], name="row_scores"),
    ]
    inputs = {"q": rng.standard_normal((1, 2, 5, 7)).astype(np.float32),
              "k": rng.standard_normal((1, 2, 3, 7)).astype(np.float32),
              "v": rng.standard_normal(7).astype(np.float32)}
    model = make_model(nodes, {key: list(value.shape) for key, value in inputs.items()},
                       ["y", "z"], {})
    return RewriteCase(model, inputs,
                       lambda stage: stage.count("rhs_transposed") == 2
                       and "braze.transpose" not in stage)


def scaled_columns_case(rng) -> RewriteCase:
    """SVTR's attention head split: a joint q/k/v projection reshaped,
    transposed and split, with q scaled by a scalar."""
    nodes = [
        node("MatMul", ["x", "w"], ["p"], name="qkv"),
        node("Add", ["p", "b"], ["pb"], name="qkv_bias"),
        node("Reshape", ["pb", "heads"], ["r"], name="heads"),
        node("Transpose", ["r"], ["t"], name="split_heads", perm=[2, 0, 3, 1, 4]),
        node("Split", ["t"], ["q3", "k3", "v3"], name="split", axis=0),
        node("Squeeze", ["q3", "zero"], ["q"], name="q"),
        node("Squeeze", ["k3", "zero"], ["k"], name="k"),
        node("Mul", ["q", "scale"], ["y"], name="scale"),
        node("Transpose", ["k"], ["kt"], name="kt", perm=[0, 1, 3, 2]),
        node("MatMul", ["y", "kt"], ["z"], name="scores"),
    ]
    weights = {"w": rng.standard_normal((12, 36)).astype(np.float32),
               "b": rng.standard_normal(36).astype(np.float32),
               "heads": np.array([1, 5, 3, 2, 6], np.int64),
               "zero": np.array([0], np.int64), "scale": f32(6 ** -0.5)}
    model = make_model(nodes, {"x": [1, 5, 12]}, ["z", "k3"], weights)
    return RewriteCase(model, {"x": rng.standard_normal((1, 5, 12)).astype(np.float32)},
                       lambda stage: "braze.mul" not in stage and "_scaled_columns" in stage)


def layout_and_identities_case(rng) -> RewriteCase:
    """Transpose pairs, a reshape chain, and x + 0, x * 1, x / 1, x - 0,
    x ^ 1 and a float-to-float Cast."""
    nodes = [
        node("Transpose", ["x"], ["t1"], name="t1", perm=[0, 2, 1]),
        node("Transpose", ["t1"], ["t2"], name="t2", perm=[0, 2, 1]),
        node("Add", ["t2", "zero"], ["a"], name="add"),
        node("Mul", ["one", "a"], ["m"], name="mul"),
        node("Div", ["m", "one"], ["d"], name="div"),
        node("Sub", ["d", "zero"], ["s"], name="sub"),
        node("Pow", ["s", "one"], ["p"], name="pow"),
        node("Cast", ["p"], ["c"], name="cast", to=TensorProto.FLOAT),
        node("Reshape", ["c", "flat"], ["r1"], name="r1"),
        node("Reshape", ["r1", "shape"], ["r2"], name="r2"),
        node("Transpose", ["r2"], ["t3"], name="t3", perm=[1, 0]),
        node("Transpose", ["t3"], ["y"], name="t4", perm=[1, 0]),
    ]
    weights = {"zero": f32(0.0), "one": f32(1.0), "flat": np.array([24], np.int64),
               "shape": np.array([4, 6], np.int64)}
    return RewriteCase(make_model(nodes, {"x": [2, 3, 4]}, ["y"], weights),
                       {"x": rng.standard_normal((2, 3, 4)).astype(np.float32)},
                       lambda stage: stage.count("braze.reshape") == 1
                       and not any(f"braze.{op}" in stage for op in
                                   ("transpose", "add", "mul", "div", "sub", "pow", "cast")))


REWRITE_CASES = {case.__name__.removesuffix("_case"): case for case in (
    layer_norm_case, gelu_erf_case, gelu_tanh_case, distributive_case, associative_case,
    exp_product_case, weights_case, transposed_operand_case, scaled_columns_case,
    layout_and_identities_case)}


@pytest.mark.parametrize("name", REWRITE_CASES)
def test_rewrite_matches_onnxruntime(name):
    case = REWRITE_CASES[name](np.random.default_rng(7))
    expected_outputs = onnxruntime_run(case.model, case.inputs)
    stages = {}
    for label, pipeline in (("kept", braze.Pipeline()), ("rewritten", braze.Pipeline().rewrite())):
        artifact = braze.compile(case.model, "host", pipeline=pipeline)
        actual_outputs = artifact.run(list(case.inputs.values()))
        for actual, expected in zip(actual_outputs, expected_outputs, strict=True):
            tolerance = 1e-4 * max(float(np.abs(expected).max()), 1.0)
            np.testing.assert_allclose(actual, expected, rtol=0, atol=tolerance, err_msg=label)
        stages[label] = artifact.stages["braze"]
    assert not case.rewritten(stages["kept"])
    assert case.rewritten(stages["rewritten"]), stages["rewritten"]


def test_rewrite_pipeline_text():
    assert str(braze.Pipeline().rewrite()) == "builtin.module(braze-rewrite)"


def test_optimize_all_rewrites_first():
    pipeline = str(OPTIMIZATION_LEVELS["all"](get_target("host")))
    assert pipeline.startswith("builtin.module(braze-rewrite,braze-fold-batch-norm,")


@pytest.mark.slow
@pytest.mark.parametrize("name", models.names())
def test_rewrite_keeps_model_outputs(name, dev_builds):
    outputs, stages = compile_and_run(dev_builds, name, kept=None,
                                      rewritten=braze.Pipeline().rewrite())
    for kept, rewritten in zip(outputs["kept"], outputs["rewritten"]):
        output_range = max(float(kept.max() - kept.min()), np.finfo(np.float32).tiny)
        np.testing.assert_allclose(rewritten, kept, rtol=0, atol=1e-4 * output_range)
    if name == "ppocr-rec":
        # Its SVTR blocks export LayerNorm decomposed, as ReduceMean ... Add.
        assert stages["kept"].count("braze.layer_norm") == 0
        assert stages["rewritten"].count("braze.layer_norm") > 0
