"""The `braze` and `braze-opt` commands as a user runs them."""

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


def test_braze_opt_diagnoses_invalid_ir(braze_opt):
    result = braze_opt("-", input="func.func @f(%x: tensor<2x3xf32>) -> tensor<2x2x3xf32> {\n"
                                  "  %0 = braze.transpose %x perm = [0, 0] : tensor<2x3xf32> -> tensor<2x2x3xf32>\n"
                                  "  return %0 : tensor<2x2x3xf32>\n}\n")
    assert result.returncode == 1
    assert "<stdin>:2:8: error: 'braze.transpose' op perm [0, 0] is not a permutation " \
           "of the 2 input dimensions" in result.stderr
