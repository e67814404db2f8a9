// --braze-annotate-mapping writes each op's DNNFusion mapping type and
// SmartMem layout group, read through MappingTypeOpInterface and
// LayoutOpInterface.
// RUN: braze-opt %s --braze-annotate-mapping | FileCheck %s
// RUN: braze-opt %s --braze-annotate-mapping=summary=true 2>&1 >/dev/null | FileCheck %s --check-prefix=SUMMARY
// RUN: braze-opt %s --pass-pipeline='builtin.module(braze-annotate-mapping{summary=true})' 2>&1 >/dev/null | FileCheck %s --check-prefix=SUMMARY

// SUMMARY: remark: mapping types: one_to_one 3, one_to_many 0, many_to_many 3, reorganize 3, shuffle 3

// CHECK-LABEL: func.func @every_op
func.func @every_op(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x1x1xf32>) -> tensor<8x32xf32> {
  // Constants have a layout (weights are re-laid out for free) but no mapping type.
  // CHECK: braze.constant {braze.layout_group = #braze.layout_group<ili_variable>}
  // CHECK-NOT: braze.mapping
  // CHECK-SAME: dense<
  %b = braze.constant dense<0.5> : tensor<4x1x1xf32>
  // CHECK: braze.conv2d
  // CHECK-SAME: braze.layout_group = #braze.layout_group<ild_variable>
  // CHECK-SAME: braze.mapping = #braze.mapping<many_to_many>
  %c = braze.conv2d %x, %w : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: braze.add
  // CHECK-SAME: braze.layout_group = #braze.layout_group<ili_variable>
  // CHECK-SAME: braze.mapping = #braze.mapping<one_to_one>
  %a = braze.add %c, %b : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: braze.mul
  // CHECK-SAME: braze.mapping = #braze.mapping<one_to_one>
  %m = braze.mul %a, %a : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: braze.relu
  // CHECK-SAME: braze.layout_group = #braze.layout_group<ili_variable>
  // CHECK-SAME: braze.mapping = #braze.mapping<one_to_one>
  %r = braze.relu %m : tensor<1x4x8x8xf32>
  // CHECK: braze.relayout
  // CHECK-SAME: braze.layout_group = #braze.layout_group<ild_fixed>
  // CHECK-SAME: braze.mapping = #braze.mapping<shuffle>
  %n = braze.relayout %r : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32, #braze.layout<nhwc>>
  %back = braze.relayout %n : tensor<1x4x8x8xf32, #braze.layout<nhwc>> -> tensor<1x4x8x8xf32>
  // CHECK: braze.reshape
  // CHECK-SAME: braze.layout_group = #braze.layout_group<ild_fixed>
  // CHECK-SAME: braze.mapping = #braze.mapping<reorganize>
  %f = braze.reshape %back : tensor<1x4x8x8xf32> -> tensor<32x8xf32>
  // CHECK: braze.transpose
  // CHECK-SAME: braze.layout_group = #braze.layout_group<ild_fixed>
  // CHECK-SAME: braze.mapping = #braze.mapping<shuffle>
  %t = braze.transpose %f perm = [1, 0] : tensor<32x8xf32> -> tensor<8x32xf32>
  // CHECK: braze.matmul
  // CHECK-SAME: braze.layout_group = #braze.layout_group<ild_variable>
  // CHECK-SAME: braze.mapping = #braze.mapping<many_to_many>
  %p = braze.matmul %t, %f : (tensor<8x32xf32>, tensor<32x8xf32>) -> tensor<8x8xf32>
  %o = braze.reshape %p : tensor<8x8xf32> -> tensor<64xf32>
  %z = braze.reshape %o : tensor<64xf32> -> tensor<8x8xf32>
  %q = braze.matmul %z, %t : (tensor<8x8xf32>, tensor<8x32xf32>) -> tensor<8x32xf32>
  // Ops of other dialects are left alone.
  // CHECK: return
  // CHECK-NOT: braze.mapping
  return %q : tensor<8x32xf32>
}
