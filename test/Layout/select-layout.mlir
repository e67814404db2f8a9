// --braze-select-layout: one storage layout per region, relayouts only at the
// region's edges.
// RUN: braze-opt %s --pass-pipeline='builtin.module(func.func(braze-select-layout),canonicalize)' --split-input-file | FileCheck %s
// RUN: braze-opt %s --pass-pipeline='builtin.module(func.func(braze-select-layout{target=gpu}))' --split-input-file | FileCheck %s --check-prefix=GPU
// RUN: not braze-opt %s --pass-pipeline='builtin.module(func.func(braze-select-layout{target=npu}))' --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: error: --braze-select-layout: unknown target 'npu' (valid: cpu, gpu)

// A convolution region is stored channels-last; the function's arguments and
// results keep the caller's layout, converted once at each boundary. A
// rank-3 bias broadcasts into the region without a conversion; the filter
// is read as it is.
// CHECK-LABEL: func.func @conv_region
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32>
// CHECK-NEXT: %[[IN:.*]] = braze.relayout %[[X]] : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32, #braze.layout<nhwc>>
// CHECK-NEXT: %[[C:.*]] = braze.conv2d %[[IN]], %[[W]] {{.*}} -> tensor<1x4x8x8xf32, #braze.layout<nhwc>>
// CHECK-NEXT: %[[A:.*]] = braze.add %[[C]], %[[B]] : (tensor<1x4x8x8xf32, #braze.layout<nhwc>>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32, #braze.layout<nhwc>>
// CHECK-NEXT: %[[H:.*]] = braze.hard_swish %[[A]] : tensor<1x4x8x8xf32, #braze.layout<nhwc>>
// CHECK-NEXT: %[[OUT:.*]] = braze.relayout %[[H]] : tensor<1x4x8x8xf32, #braze.layout<nhwc>> -> tensor<1x4x8x8xf32>
// CHECK-NEXT: return %[[OUT]]
// GPU-LABEL: func.func @conv_region
// GPU: braze.conv2d {{.*}} -> tensor<1x4x8x8xf32, #braze.layout<nhwc>>
func.func @conv_region(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32> {
  %0 = braze.conv2d %x, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = braze.add %0, %b : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %2 = braze.hard_swish %1 : tensor<1x4x8x8xf32>
  return %2 : tensor<1x4x8x8xf32>
}

// -----

// Squeeze-excite: the global pooling (a reduce that keeps its dims) reads and
// writes channels-last, so the gate never leaves the region; the classifier
// head's reshape gets the pooled 1x8x1x1 tensor, the only relayout inside.
// CHECK-LABEL: func.func @squeeze_excite
// CHECK: braze.conv2d {{.*}} -> tensor<1x8x4x4xf32, #braze.layout<nhwc>>
// CHECK: %[[POOL:.*]] = braze.reduce mean %{{.*}} axes = [2, 3] : tensor<1x8x4x4xf32, #braze.layout<nhwc>> -> tensor<1x8x1x1xf32, #braze.layout<nhwc>>
// CHECK: %[[GATE:.*]] = braze.conv2d %[[POOL]], {{.*}} -> tensor<1x8x1x1xf32, #braze.layout<nhwc>>
// CHECK: braze.hard_sigmoid %[[GATE]] : tensor<1x8x1x1xf32, #braze.layout<nhwc>>
// CHECK: %[[SCALED:.*]] = braze.mul {{.*}} -> tensor<1x8x4x4xf32, #braze.layout<nhwc>>
// CHECK: %[[HEAD:.*]] = braze.reduce mean %[[SCALED]] axes = [2, 3] : tensor<1x8x4x4xf32, #braze.layout<nhwc>> -> tensor<1x8x1x1xf32, #braze.layout<nhwc>>
// CHECK: %[[BACK:.*]] = braze.relayout %[[HEAD]] : tensor<1x8x1x1xf32, #braze.layout<nhwc>> -> tensor<1x8x1x1xf32>
// CHECK: braze.reshape %[[BACK]] : tensor<1x8x1x1xf32> -> tensor<1x8xf32>
// CHECK-NOT: braze.relayout
func.func @squeeze_excite(%x: tensor<1x8x4x4xf32>, %w: tensor<8x8x1x1xf32>) -> tensor<1x8xf32> {
  %0 = braze.conv2d %x, %w : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %1 = braze.reduce mean %0 axes = [2, 3] : tensor<1x8x4x4xf32> -> tensor<1x8x1x1xf32>
  %2 = braze.conv2d %1, %w : (tensor<1x8x1x1xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x1x1xf32>
  %3 = braze.hard_sigmoid %2 : tensor<1x8x1x1xf32>
  %4 = braze.mul %0, %3 : (tensor<1x8x4x4xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %5 = braze.reduce mean %4 axes = [2, 3] : tensor<1x8x4x4xf32> -> tensor<1x8x1x1xf32>
  %6 = braze.reshape %5 : tensor<1x8x1x1xf32> -> tensor<1x8xf32>
  return %6 : tensor<1x8xf32>
}

// -----

// A reduction without keepdims reads a channels-last tensor through its axes
// when the kept dims stay in order (index comprehension): no relayout.
// CHECK-LABEL: func.func @reduce_reads_channels_last
// CHECK: %[[C:.*]] = braze.conv2d {{.*}} -> tensor<1x8x4x4xf32, #braze.layout<nhwc>>
// CHECK-NEXT: braze.reduce max %[[C]] axes = [2, 3] {keepdims = false} : tensor<1x8x4x4xf32, #braze.layout<nhwc>> -> tensor<1x8xf32>
func.func @reduce_reads_channels_last(%x: tensor<1x8x4x4xf32>, %w: tensor<8x8x1x1xf32>) -> tensor<1x8xf32> {
  %0 = braze.conv2d %x, %w : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %1 = braze.reduce max %0 axes = [2, 3] {keepdims = false} : tensor<1x8x4x4xf32> -> tensor<1x8xf32>
  return %1 : tensor<1x8xf32>
}

// -----

// Ops that work on logical order (here a transpose) split regions; each
// conversion is made once per value and layout, however many users need it.
// CHECK-LABEL: func.func @fixed_op_between
// CHECK: %[[A:.*]] = braze.conv2d {{.*}} -> tensor<1x4x4x4xf32, #braze.layout<nhwc>>
// CHECK: %[[LOGICAL:.*]] = braze.relayout %[[A]] : tensor<1x4x4x4xf32, #braze.layout<nhwc>> -> tensor<1x4x4x4xf32>
// CHECK: %[[T:.*]] = braze.transpose %[[LOGICAL]] perm = [0, 1, 3, 2]
// CHECK: %[[T_NHWC:.*]] = braze.relayout %[[T]] : tensor<1x4x4x4xf32> -> tensor<1x4x4x4xf32, #braze.layout<nhwc>>
// CHECK: braze.conv2d %[[T_NHWC]]
// CHECK: braze.softmax %[[LOGICAL]] axis = 3 : tensor<1x4x4x4xf32>
// CHECK: return %{{.*}}, %{{.*}}, %[[LOGICAL]]
func.func @fixed_op_between(%x: tensor<1x4x4x4xf32>, %w: tensor<4x4x1x1xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) {
  %0 = braze.conv2d %x, %w : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %1 = braze.transpose %0 perm = [0, 1, 3, 2] : tensor<1x4x4x4xf32> -> tensor<1x4x4x4xf32>
  %2 = braze.conv2d %1, %w : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %3 = braze.softmax %0 axis = 3 : tensor<1x4x4x4xf32>
  return %2, %3, %0 : tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>
}

// -----

// Without a convolution or pooling there is nothing to gain: logical order,
// no relayouts.
// CHECK-LABEL: func.func @no_conv
// CHECK-NOT: braze.relayout
// CHECK-NOT: #braze.layout
func.func @no_conv(%x: tensor<1x4x4x4xf32>, %y: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = braze.add %x, %y : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %1 = braze.sigmoid %0 : tensor<1x4x4x4xf32>
  return %1 : tensor<1x4x4x4xf32>
}

// -----

// A constant in the region (a per-channel scale of image rank) is read
// through a relayout, which lowering turns into a compile-time transpose.
// CHECK-LABEL: func.func @constant_operand
// CHECK: %[[K:.*]] = braze.constant dense<2.000000e+00> : tensor<1x4x1x1xf32>
// CHECK: %[[K_NHWC:.*]] = braze.relayout %[[K]] : tensor<1x4x1x1xf32> -> tensor<1x4x1x1xf32, #braze.layout<nhwc>>
// CHECK: braze.mul %{{.*}}, %[[K_NHWC]] : (tensor<1x4x4x4xf32, #braze.layout<nhwc>>, tensor<1x4x1x1xf32, #braze.layout<nhwc>>)
func.func @constant_operand(%x: tensor<1x4x4x4xf32>, %w: tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32> {
  %k = braze.constant dense<2.0> : tensor<1x4x1x1xf32>
  %0 = braze.conv2d %x, %w : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %1 = braze.mul %0, %k : (tensor<1x4x4x4xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  return %1 : tensor<1x4x4x4xf32>
}
