"""braze in the installed `mlir` package: parse, build, print, verify."""

import pytest

import mlir.ir as ir
from mlir.dialects import func

from braze.dialects import braze as bz

CONV_BLOCK = """
func.func @block(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x4x4xf32> {
  %w = braze.constant dense<1.0> : tensor<4x3x3x3xf32>
  %y = braze.conv2d %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32>
  %r = braze.relu %y : tensor<1x4x4x4xf32>
  return %r : tensor<1x4x4x4xf32>
}
"""


def f32_tensor(*shape, layout=None):
    encoding = ir.Attribute.parse(f"#braze.layout<{layout}>") if layout else None
    return ir.RankedTensorType.get(list(shape), ir.F32Type.get(), encoding=encoding)


def body_ops(module):
    return list(module.body.operations[0].regions[0].blocks[0].operations)


def test_any_new_context_parses_braze(context):
    # No explicit registration: `import braze` added the dialect to the
    # registry every mlir.ir.Context starts from.
    module = ir.Module.parse(CONV_BLOCK)
    assert module.operation.verify()
    assert "braze.conv2d" in str(module)
    ops = body_ops(module)
    assert [type(op).__name__ for op in ops] == ["ConstantOp", "Conv2DOp", "ReluOp", "ReturnOp"]
    conv = ops[1]
    assert list(conv.strides) == [2, 2]
    assert list(conv.pads) == [1, 1, 1, 1]
    assert conv.bias is None


def test_print_parse_round_trip(context):
    text = str(ir.Module.parse(CONV_BLOCK))
    assert str(ir.Module.parse(text)) == text


def test_build_with_generated_op_classes(context):
    module = ir.Module.create()
    with ir.InsertionPoint(module.body):
        @func.FuncOp.from_py_func(f32_tensor(1, 3, 8, 8), f32_tensor(8, 1, 3, 3),
                                  f32_tensor(8, 3, 1, 1), f32_tensor(8))
        def block(x, dw_filter, pw_filter, bias):
            # Result types are inferred from operands and attributes.
            widened = bz.Conv2DOp(x, pw_filter, bias=bias).result
            assert widened.type == f32_tensor(1, 8, 8, 8)
            depthwise = bz.Conv2DOp(widened, dw_filter, strides=[2, 2], pads=[1, 1, 1, 1],
                                    group=8).result
            assert depthwise.type == f32_tensor(1, 8, 4, 4)
            bias_column = bz.ReshapeOp(f32_tensor(8, 1, 1), bias).result
            shifted = bz.AddOp(depthwise, bias_column).result
            activated = bz.ReluOp(bz.MulOp(shifted, shifted).result).result
            flat = bz.ReshapeOp(f32_tensor(8, 16), activated).result
            swapped = bz.TransposeOp(flat, perm=[1, 0]).result
            assert swapped.type == f32_tensor(16, 8)
            return bz.MatMulOp(swapped, flat).result

    assert module.operation.verify()
    text = str(module)
    assert "braze.matmul" in text and "-> tensor<16x16xf32>" in text
    assert "group = 8 : i64" in text


def test_matmul_numpy_vector_rules(context):
    module = ir.Module.create()
    with ir.InsertionPoint(module.body):
        @func.FuncOp.from_py_func(f32_tensor(2, 1, 4, 5), f32_tensor(5), f32_tensor(3, 5, 6))
        def vectors(batch, vector, stack):
            assert bz.MatMulOp(batch, vector).result.type == f32_tensor(2, 1, 4)
            assert bz.MatMulOp(vector, stack).result.type == f32_tensor(3, 6)
            return bz.MatMulOp(batch, stack).result

    assert "tensor<2x3x4x6xf32>" in str(module)


def test_building_an_invalid_op_reports_the_problem(context):
    module = ir.Module.create()
    with ir.InsertionPoint(module.body):
        @func.FuncOp.from_py_func(f32_tensor(2, 3), f32_tensor(4))
        def mismatch(a, b):
            with pytest.raises(ir.MLIRError) as raised:
                bz.AddOp(a, b)
            messages = [d.message for d in raised.value.error_diagnostics]
            assert "'braze.add' op operand shapes 2x3 and 4 are not broadcast-compatible" in messages
            return a


def test_verifier_names_op_and_problem(context):
    with pytest.raises(ir.MLIRError) as raised:
        ir.Module.parse("""
        func.func @bad(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
          %y = braze.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
          return %y : tensor<1x4x6x6xf32>
        }""")
    (diagnostic,) = raised.value.error_diagnostics
    assert diagnostic.message == (
        "'braze.conv2d' op filter has 2 input channels per group, but the input has "
        "3 channels in 1 group(s), i.e. 3 per group")
    assert "3:16" in str(diagnostic.location)


def test_layout_encoding_and_enums(context):
    assert str(f32_tensor(1, 16, 8, 8, layout="nc4hw4")) == \
        "tensor<1x16x8x8xf32, #braze.layout<nc4hw4>>"
    with pytest.raises(ir.MLIRError, match="applies to rank-4 .* not rank 2"):
        f32_tensor(4, 4, layout="nhwc")
    assert [case.name for case in bz.MappingType] == [
        "one_to_one", "one_to_many", "many_to_many", "reorganize", "shuffle"]
    assert [case.name for case in bz.LayoutGroup] == [
        "ild_variable", "ild_fixed", "ili_variable", "ili_fixed"]
    assert [case.name for case in bz.Layout] == ["nchw", "nhwc", "nc4hw4"]
    assert str(ir.Attribute.parse("#braze.mapping<shuffle>")) == "#braze.mapping<shuffle>"


def test_relayout_only_changes_storage(context):
    module = ir.Module.create()
    with ir.InsertionPoint(module.body):
        @func.FuncOp.from_py_func(f32_tensor(1, 4, 2, 2))
        def relayout(x):
            nhwc = bz.RelayoutOp(f32_tensor(1, 4, 2, 2, layout="nhwc"), x).result
            return bz.ReluOp(nhwc).result

    assert module.operation.verify()
    assert "braze.relu %0 : tensor<1x4x2x2xf32, #braze.layout<nhwc>>" in str(module)
