"""braze.Pipeline: the same pipeline text in Python and braze-opt."""

import re

import pytest

import mlir.ir as ir

import braze
from braze import Pipeline, PipelineError
from braze.examples import path as example_path


def test_text_of_passes_and_options():
    pipeline = Pipeline().annotate_mapping(summary=True).canonicalize(max_iterations=3).cse()
    assert str(pipeline) == (
        "builtin.module(braze-annotate-mapping{summary=true},"
        "canonicalize{max-iterations=3},cse)")
    assert str(Pipeline().annotate_mapping()) == "builtin.module(braze-annotate-mapping)"



def test_lowering_follows_the_targets_code_generator():
    assert str(braze.pipeline.lowering()) == (
        "builtin.module(braze-lower-to-linalg{codegen=cpu},canonicalize,cse)")
    assert str(braze.pipeline.lowering("gpu")) == (
        "builtin.module(braze-lower-to-linalg{codegen=gpu},canonicalize,cse)")
    assert str(braze.pipeline.lowering("cpu", 16)) == (
        "builtin.module(braze-lower-to-linalg{codegen=cpu},canonicalize,cse,"
        "braze-tile-contractions{vector-lanes=16})")


def test_option_values_and_nesting():
    pipeline = (Pipeline()
                .add("canonicalize", disable_patterns=["A", "B"], region_simplify="aggressive")
                .nest(Pipeline("func.func").cse()))
    assert str(pipeline) == (
        "builtin.module(canonicalize{disable-patterns=A,B region-simplify=aggressive},"
        "func.func(cse))")
    assert str(Pipeline().add("x", text="has space")) == "builtin.module(x{text={has space}})"


def test_run_annotates_in_place(context):
    module = ir.Module.parseFile(str(example_path("mobilenet_v3_block")))
    returned = Pipeline().annotate_mapping().run(module)
    assert returned is module
    text = str(module)
    assert text.count("braze.mapping = #braze.mapping<many_to_many>") == 4
    assert text.count("braze.mapping = #braze.mapping<reorganize>") == 1


def test_same_result_as_braze_opt(context, braze_opt):
    example = example_path("mobilenet_v3_block")
    pipeline = Pipeline().annotate_mapping().canonicalize().cse()
    module = pipeline.run(ir.Module.parseFile(str(example)))
    cli = braze_opt(str(example), f"--pass-pipeline={pipeline}")
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.strip() == str(module).strip()


def test_every_braze_pass_has_a_builder_method(braze_opt):
    help_text = braze_opt("--help").stdout
    passes = sorted(set(re.findall(r"^\s+--(braze-[a-z0-9-]+)\s", help_text, re.MULTILINE)))
    assert "braze-annotate-mapping" in passes
    for name in passes:
        method = name.removeprefix("braze-").replace("-", "_")
        assert callable(getattr(Pipeline, method, None)), f"Pipeline lacks .{method}() for --{name}"
        assert name in str(getattr(Pipeline(), method)())


def test_unknown_pass_is_a_clear_error(context):
    module = ir.Module.parse("func.func @f() { return }")
    with pytest.raises(PipelineError, match="invalid pass pipeline 'builtin.module\\(no-such-pass\\)'"):
        Pipeline().add("no-such-pass").run(module)


def test_unknown_option_is_a_clear_error(context):
    module = ir.Module.parse("func.func @f() { return }")
    with pytest.raises(PipelineError, match="no-such-option"):
        Pipeline().add("braze-annotate-mapping", no_such_option=1).run(module)


def test_public_api():
    assert braze.Pipeline is Pipeline
    assert braze.__version__
