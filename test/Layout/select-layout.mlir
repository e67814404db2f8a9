// --braze-select-layout: one storage layout per region, relayouts only at the
// region's edges. target=cpu stores convolution regions channels-last (NHWC),
// target=gpu channel-blocked (NC4HW4) unless an op of the region cannot keep
// the padded channel lanes apart, then NHWC.
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
// The gpu policy blocks the same region; the 3-channel input is padded to
// one block by its relayout.
// GPU-LABEL: func.func @conv_region
// GPU-NEXT: %[[IN:.*]] = braze.relayout %{{.*}} : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32, #braze.layout<nc4hw4>>
// GPU-NEXT: %[[C:.*]] = braze.conv2d %[[IN]], %{{.*}} -> tensor<1x4x8x8xf32, #braze.layout<nc4hw4>>
// GPU-NEXT: %[[A:.*]] = braze.add %[[C]], %{{.*}} : (tensor<1x4x8x8xf32, #braze.layout<nc4hw4>>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32, #braze.layout<nc4hw4>>
// GPU-NEXT: %[[H:.*]] = braze.hard_swish %[[A]] : tensor<1x4x8x8xf32, #braze.layout<nc4hw4>>
// GPU-NEXT: braze.relayout %[[H]] : tensor<1x4x8x8xf32, #braze.layout<nc4hw4>> -> tensor<1x4x8x8xf32>
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
// Blocked, the global poolings reduce lane by lane.
// GPU-LABEL: func.func @squeeze_excite
// GPU: braze.reduce mean %{{.*}} axes = [2, 3] : tensor<1x8x4x4xf32, #braze.layout<nc4hw4>> -> tensor<1x8x1x1xf32, #braze.layout<nc4hw4>>
// GPU: braze.mul {{.*}} -> tensor<1x8x4x4xf32, #braze.layout<nc4hw4>>
// GPU-NOT: nhwc
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
// GPU-LABEL: func.func @reduce_reads_channels_last
// GPU: %[[C:.*]] = braze.conv2d {{.*}} -> tensor<1x8x4x4xf32, #braze.layout<nc4hw4>>
// GPU-NEXT: braze.reduce max %[[C]] axes = [2, 3] {keepdims = false} : tensor<1x8x4x4xf32, #braze.layout<nc4hw4>> -> tensor<1x8xf32>
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
// Softmax (here over W; over C alike) stays outside the blocked regions too.
// GPU-LABEL: func.func @fixed_op_between
// GPU: %[[A:.*]] = braze.conv2d {{.*}} -> tensor<1x4x4x4xf32, #braze.layout<nc4hw4>>
// GPU: %[[LOGICAL:.*]] = braze.relayout %[[A]] : tensor<1x4x4x4xf32, #braze.layout<nc4hw4>> -> tensor<1x4x4x4xf32>
// GPU: braze.softmax %[[LOGICAL]] axis = 3 : tensor<1x4x4x4xf32>
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

// -----

// matmul indexes logical order: a convolution result reaches it through a
// relayout, with either policy.
// CHECK-LABEL: func.func @matmul_reads_logical
// CHECK: %[[C:.*]] = braze.conv2d {{.*}} -> tensor<1x4x4x4xf32, #braze.layout<nhwc>>
// CHECK: %[[LOGICAL:.*]] = braze.relayout %[[C]] : tensor<1x4x4x4xf32, #braze.layout<nhwc>> -> tensor<1x4x4x4xf32>
// CHECK: braze.matmul %[[LOGICAL]], %{{.*}} : (tensor<1x4x4x4xf32>, tensor<4x4xf32>) -> tensor<1x4x4x4xf32>
// GPU-LABEL: func.func @matmul_reads_logical
// GPU: %[[LOGICAL:.*]] = braze.relayout %{{.*}} : tensor<1x4x4x4xf32, #braze.layout<nc4hw4>> -> tensor<1x4x4x4xf32>
// GPU: braze.matmul %[[LOGICAL]]
func.func @matmul_reads_logical(%x: tensor<1x4x4x4xf32>, %w: tensor<4x4x1x1xf32>, %m: tensor<4x4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = braze.conv2d %x, %w : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %1 = braze.matmul %0, %m : (tensor<1x4x4x4xf32>, tensor<4x4xf32>) -> tensor<1x4x4x4xf32>
  return %1 : tensor<1x4x4x4xf32>
}

// -----

// Blocks keep their padded lanes apart where channels are not multiples of
// 4: a grouped convolution whose groups fill whole blocks (8 channels in 2
// groups), depthwise ones, and a concat along C whose inputs but the last
// fill whole blocks (4 + 6) all stay blocked.
// GPU-LABEL: func.func @blocked_when_lanes_stay_apart
// GPU: braze.conv2d {{.*}}group = 2 {{.*}} -> tensor<1x8x4x4xf32, #braze.layout<nc4hw4>>
// GPU: braze.conv2d {{.*}}group = 6 {{.*}} -> tensor<1x6x4x4xf32, #braze.layout<nc4hw4>>
// GPU: braze.concat {{.*}} -> tensor<1x10x4x4xf32, #braze.layout<nc4hw4>>
// GPU-NOT: nhwc
func.func @blocked_when_lanes_stay_apart(%x: tensor<1x8x4x4xf32>, %g: tensor<8x4x1x1xf32>, %w: tensor<6x8x1x1xf32>,
                                         %dw: tensor<6x1x3x3xf32>, %v: tensor<4x8x1x1xf32>) -> tensor<1x10x4x4xf32> {
  %0 = braze.conv2d %x, %g {group = 2} : (tensor<1x8x4x4xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x4x4xf32>
  %1 = braze.conv2d %0, %w : (tensor<1x8x4x4xf32>, tensor<6x8x1x1xf32>) -> tensor<1x6x4x4xf32>
  %2 = braze.conv2d %1, %dw {group = 6, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x6x4x4xf32>, tensor<6x1x3x3xf32>) -> tensor<1x6x4x4xf32>
  %3 = braze.conv2d %0, %v : (tensor<1x8x4x4xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x4x4xf32>
  %4 = braze.concat %3, %2 axis = 1 : (tensor<1x4x4x4xf32>, tensor<1x6x4x4xf32>) -> tensor<1x10x4x4xf32>
  return %4 : tensor<1x10x4x4xf32>
}

// -----

// An op that would mix padded lanes into real channels keeps its whole region
// channels-last with the gpu policy, with no relayout inside: a reduction
// over C, a concat along C after a partial block (6 + 4), a grouped
// convolution whose groups split blocks (6 channels in 2 groups of 3). The
// region without such an op is blocked.
// GPU-LABEL: func.func @reduce_over_channels
// GPU: braze.conv2d {{.*}} -> tensor<1x8x4x4xf32, #braze.layout<nhwc>>
// GPU-NEXT: braze.reduce mean %{{.*}} axes = [1] : tensor<1x8x4x4xf32, #braze.layout<nhwc>> -> tensor<1x1x4x4xf32, #braze.layout<nhwc>>
// GPU-NEXT: braze.mul {{.*}} -> tensor<1x8x4x4xf32, #braze.layout<nhwc>>
// GPU-NOT: nc4hw4
// GPU-LABEL: func.func @unaligned_concat
// GPU: braze.concat {{.*}} -> tensor<1x10x4x4xf32, #braze.layout<nhwc>>
// GPU-LABEL: func.func @unaligned_groups
// GPU: braze.conv2d {{.*}}group = 2 {{.*}} -> tensor<1x6x4x4xf32, #braze.layout<nhwc>>
// GPU-NOT: braze.relayout
// GPU: braze.relayout {{.*}} -> tensor<1x6x4x4xf32>
// GPU: braze.reshape
// GPU: braze.relayout {{.*}} -> tensor<1x6x4x4xf32, #braze.layout<nc4hw4>>
// GPU: braze.conv2d {{.*}} -> tensor<1x6x4x4xf32, #braze.layout<nc4hw4>>
func.func @reduce_over_channels(%x: tensor<1x8x4x4xf32>, %w: tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32> {
  %0 = braze.conv2d %x, %w : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %1 = braze.reduce mean %0 axes = [1] : tensor<1x8x4x4xf32> -> tensor<1x1x4x4xf32>
  %2 = braze.mul %0, %1 : (tensor<1x8x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %2 : tensor<1x8x4x4xf32>
}
func.func @unaligned_concat(%x: tensor<1x8x4x4xf32>, %w: tensor<6x8x1x1xf32>, %v: tensor<4x8x1x1xf32>) -> tensor<1x10x4x4xf32> {
  %0 = braze.conv2d %x, %w : (tensor<1x8x4x4xf32>, tensor<6x8x1x1xf32>) -> tensor<1x6x4x4xf32>
  %1 = braze.conv2d %x, %v : (tensor<1x8x4x4xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x4x4xf32>
  %2 = braze.concat %0, %1 axis = 1 : (tensor<1x6x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x10x4x4xf32>
  return %2 : tensor<1x10x4x4xf32>
}
func.func @unaligned_groups(%x: tensor<1x6x4x4xf32>, %g: tensor<6x3x1x1xf32>, %w: tensor<6x6x1x1xf32>) -> tensor<1x6x4x4xf32> {
  %0 = braze.conv2d %x, %g {group = 2} : (tensor<1x6x4x4xf32>, tensor<6x3x1x1xf32>) -> tensor<1x6x4x4xf32>
  %1 = braze.relu %0 : tensor<1x6x4x4xf32>
  %2 = braze.reshape %1 : tensor<1x6x4x4xf32> -> tensor<1x6x4x4xf32>
  %3 = braze.conv2d %2, %w : (tensor<1x6x4x4xf32>, tensor<6x6x1x1xf32>) -> tensor<1x6x4x4xf32>
  return %3 : tensor<1x6x4x4xf32>
}

// -----

// An FPN's upsampling: a resize reads each output pixel's source pixel with
// the channels passing through, so it joins the region (index comprehension)
// and the upsampled map meets the lateral one without a relayout.
// CHECK-LABEL: func.func @upsample_in_region
// CHECK:     %[[LOW:.*]] = braze.conv2d {{.*}} -> tensor<1x4x4x4xf32, #braze.layout<nhwc>>
// CHECK:     %[[UP:.*]] = braze.resize nearest %[[LOW]] coordinates = asymmetric rounding = floor : tensor<1x4x4x4xf32, #braze.layout<nhwc>> -> tensor<1x4x8x8xf32, #braze.layout<nhwc>>
// CHECK:     %[[LATERAL:.*]] = braze.conv2d {{.*}} -> tensor<1x4x8x8xf32, #braze.layout<nhwc>>
// CHECK:     braze.add %[[UP]], %[[LATERAL]] : (tensor<1x4x8x8xf32, #braze.layout<nhwc>>, tensor<1x4x8x8xf32, #braze.layout<nhwc>>)
// CHECK-COUNT-1: braze.relayout {{.*}} -> tensor<1x4x8x8xf32>
// CHECK-NOT: braze.relayout
// GPU-LABEL: func.func @upsample_in_region
// GPU:       braze.resize nearest {{.*}} : tensor<1x4x4x4xf32, #braze.layout<nc4hw4>> -> tensor<1x4x8x8xf32, #braze.layout<nc4hw4>>
func.func @upsample_in_region(%low: tensor<1x4x4x4xf32>, %high: tensor<1x4x8x8xf32>, %w: tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32> {
  %0 = braze.conv2d %low, %w : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %1 = braze.resize nearest %0 coordinates = asymmetric rounding = floor : tensor<1x4x4x4xf32> -> tensor<1x4x8x8xf32>
  %2 = braze.conv2d %high, %w : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %3 = braze.add %1, %2 : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %3 : tensor<1x4x8x8xf32>
}
