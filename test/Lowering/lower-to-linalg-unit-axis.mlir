// --braze-lower-to-linalg on channels-last convolutions and poolings that
// leave a unit spatial axis (the sequence layers of text recognisers). IREE
// folds the unit axis away and no longer sees a convolution or pooling: what
// is left runs one pixel at a time (20x slower). So a convolution sliding
// along one axis becomes one accumulating 1x1 convolution per tap, and a
// small pooling into a unit axis one elementwise op over its tap windows.
// These forms are for IREE's llvm-cpu pipeline (codegen=cpu, the default);
// codegen=gpu keeps linalg's named ops (SPIR-V miscompiled the pooling form
// fused with a reduction). Either way an input row or column that no window
// of a unit output axis reads is cut off: IREE's shape checks reject it once
// the axis is folded.
// RUN: braze-opt %s --braze-lower-to-linalg --split-input-file | FileCheck %s
// RUN: braze-opt %s --braze-lower-to-linalg=codegen=gpu --split-input-file | FileCheck %s --check-prefix=GPU
// RUN: not braze-opt %s --braze-lower-to-linalg=codegen=npu --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: error: --braze-lower-to-linalg: unknown codegen 'npu' (valid: cpu, gpu)

// A 1x3 convolution over a 1x6 row (padded to 1x8): three pointwise
// contractions, each of the tap's shifted window (pixels x channels) with
// the tap's filter (channels x filters, a constant), each accumulating onto
// the last; the first starts from the broadcast bias.
// CHECK-LABEL: func.func @row_convolution
// CHECK:         %[[PADDED:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 0] high[0, 0, 1, 0]
// CHECK:         %[[BIAS:.*]] = linalg.generic
// CHECK:         %[[TAP0:.*]] = tensor.extract_slice %[[PADDED]][0, 0, 0, 0] [1, 1, 6, 1] [1, 1, 1, 1]
// CHECK:         %[[PIXELS0:.*]] = tensor.collapse_shape %[[TAP0]]
// CHECK:         %[[INIT0:.*]] = tensor.collapse_shape %[[BIAS]]
// CHECK:         %[[W0:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 4.000000e+00]]> : tensor<1x2xf32>
// CHECK:         %[[ACC0:.*]] = linalg.generic {{.*}}"reduction"]} ins(%[[PIXELS0]], %[[W0]] : {{.*}}) outs(%[[INIT0]] :
// CHECK:         %[[SUM0:.*]] = tensor.expand_shape %[[ACC0]]
// CHECK:         %[[TAP1:.*]] = tensor.extract_slice %[[PADDED]][0, 0, 1, 0] [1, 1, 6, 1] [1, 1, 1, 1]
// CHECK:         %[[INIT1:.*]] = tensor.collapse_shape %[[SUM0]]
// CHECK:         linalg.generic {{.*}}"reduction"]} ins(%{{.*}}, %{{.*}} : {{.*}}) outs(%[[INIT1]] :
// CHECK:         %[[TAP2:.*]] = tensor.extract_slice %[[PADDED]][0, 0, 2, 0] [1, 1, 6, 1] [1, 1, 1, 1]
// CHECK:         %[[W2:.*]] = arith.constant dense<{{\[\[}}3.000000e+00, 6.000000e+00]]> : tensor<1x2xf32>
// CHECK:         linalg.generic {{.*}}"reduction"]} ins(%{{.*}}, %[[W2]] :
// CHECK-NOT:     linalg.conv_2d_nhwc_hwcf
// GPU-LABEL: func.func @row_convolution
// GPU:         linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x1x6x2xf32>

func.func @row_convolution(%arg: tensor<1x1x1x6xf32>) -> tensor<1x2x1x6xf32> {
  %x = braze.relayout %arg : tensor<1x1x1x6xf32> -> tensor<1x1x1x6xf32, #braze.layout<nhwc>>
  %w = braze.constant dense<[[[[1.0, 2.0, 3.0]]], [[[4.0, 5.0, 6.0]]]]> : tensor<2x1x1x3xf32>
  %b = braze.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %y = braze.conv2d %x, %w, %b {pads = array<i64: 0, 1, 0, 1>} : (tensor<1x1x1x6xf32, #braze.layout<nhwc>>, tensor<2x1x1x3xf32>, tensor<2xf32>) -> tensor<1x2x1x6xf32, #braze.layout<nhwc>>
  %r = braze.relayout %y : tensor<1x2x1x6xf32, #braze.layout<nhwc>> -> tensor<1x2x1x6xf32>
  return %r : tensor<1x2x1x6xf32>
}

// -----

// Along a column, strided: taps step the rows, windows are strided.
// CHECK-LABEL: func.func @strided_column_convolution
// CHECK:         tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 3, 1, 4] [1, 2, 1, 1]
// CHECK:         linalg.generic {{.*}}"reduction"]}
// CHECK:         tensor.extract_slice %{{.*}}[0, 1, 0, 0] [1, 3, 1, 4] [1, 2, 1, 1]
// CHECK:         linalg.generic {{.*}}"reduction"]}
// CHECK-NOT:     linalg.conv_2d_nhwc_hwcf

func.func @strided_column_convolution(%arg: tensor<1x4x6x1xf32>, %w: tensor<8x4x2x1xf32>) -> tensor<1x8x3x1xf32> {
  %x = braze.relayout %arg : tensor<1x4x6x1xf32> -> tensor<1x4x6x1xf32, #braze.layout<nhwc>>
  %y = braze.conv2d %x, %w {strides = array<i64: 2, 1>} : (tensor<1x4x6x1xf32, #braze.layout<nhwc>>, tensor<8x4x2x1xf32>) -> tensor<1x8x3x1xf32, #braze.layout<nhwc>>
  %r = braze.relayout %y : tensor<1x8x3x1xf32, #braze.layout<nhwc>> -> tensor<1x8x3x1xf32>
  return %r : tensor<1x8x3x1xf32>
}

// -----

// Rows and columns both larger than 1: a convolution stays one.
// CHECK-LABEL: func.func @image_convolution
// CHECK:         linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x2x2x8xf32>
// CHECK-NOT:     linalg.conv_2d_nhwc_hwcf

func.func @image_convolution(%arg: tensor<1x2x4x4xf32>, %w: tensor<8x2x3x3xf32>) -> tensor<1x8x2x2xf32> {
  %x = braze.relayout %arg : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32, #braze.layout<nhwc>>
  %y = braze.conv2d %x, %w : (tensor<1x2x4x4xf32, #braze.layout<nhwc>>, tensor<8x2x3x3xf32>) -> tensor<1x8x2x2xf32, #braze.layout<nhwc>>
  %r = braze.relayout %y : tensor<1x8x2x2xf32, #braze.layout<nhwc>> -> tensor<1x8x2x2xf32>
  return %r : tensor<1x8x2x2xf32>
}

// -----

// A 3x2 average pool of 3 rows into one: the six stride-(3, 2) tap windows
// summed onto the zero init in one elementwise op, then divided by 6.
// CHECK-LABEL: func.func @pool_to_row
// CHECK:         %[[T0:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 1, 4, 5] [1, 3, 2, 1]
// CHECK:         %[[T1:.*]] = tensor.extract_slice %{{.*}}[0, 0, 1, 0] [1, 1, 4, 5] [1, 3, 2, 1]
// CHECK:         %[[T2:.*]] = tensor.extract_slice %{{.*}}[0, 1, 0, 0] [1, 1, 4, 5] [1, 3, 2, 1]
// CHECK:         %[[T3:.*]] = tensor.extract_slice %{{.*}}[0, 1, 1, 0] [1, 1, 4, 5] [1, 3, 2, 1]
// CHECK:         %[[T4:.*]] = tensor.extract_slice %{{.*}}[0, 2, 0, 0] [1, 1, 4, 5] [1, 3, 2, 1]
// CHECK:         %[[T5:.*]] = tensor.extract_slice %{{.*}}[0, 2, 1, 0] [1, 1, 4, 5] [1, 3, 2, 1]
// CHECK:         linalg.generic {{.*}} ins(%{{[^,]*}}, %[[T0]], %[[T1]], %[[T2]], %[[T3]], %[[T4]], %[[T5]] :
// CHECK-COUNT-6:   arith.addf
// CHECK:         linalg.generic
// CHECK:           arith.divf
// CHECK-NOT:     linalg.pooling_nhwc_sum
// GPU-LABEL: func.func @pool_to_row
// GPU:         linalg.pooling_nhwc_sum {{.*}} -> tensor<1x1x4x5xf32>

func.func @pool_to_row(%arg: tensor<1x5x3x8xf32>) -> tensor<1x5x1x4xf32> {
  %x = braze.relayout %arg : tensor<1x5x3x8xf32> -> tensor<1x5x3x8xf32, #braze.layout<nhwc>>
  %y = braze.pool2d avg %x kernel = [3, 2] {strides = array<i64: 3, 2>} : tensor<1x5x3x8xf32, #braze.layout<nhwc>> -> tensor<1x5x1x4xf32, #braze.layout<nhwc>>
  %r = braze.relayout %y : tensor<1x5x1x4xf32, #braze.layout<nhwc>> -> tensor<1x5x1x4xf32>
  return %r : tensor<1x5x1x4xf32>
}

// -----

// Max pooling likewise takes the maximum of the windows; a pooling into a
// 2x2 output stays linalg's.
// CHECK-LABEL: func.func @max_pools
// CHECK:         linalg.generic
// CHECK-COUNT-2:   arith.maximumf
// CHECK:         linalg.pooling_nhwc_max {{.*}} -> tensor<1x2x2x3xf32>

func.func @max_pools(%arg: tensor<1x3x1x4xf32>, %arg_image: tensor<1x3x4x4xf32>) -> (tensor<1x3x1x2xf32>, tensor<1x3x2x2xf32>) {
  %x = braze.relayout %arg : tensor<1x3x1x4xf32> -> tensor<1x3x1x4xf32, #braze.layout<nhwc>>
  %image = braze.relayout %arg_image : tensor<1x3x4x4xf32> -> tensor<1x3x4x4xf32, #braze.layout<nhwc>>
  %y = braze.pool2d max %x kernel = [1, 2] {strides = array<i64: 1, 2>} : tensor<1x3x1x4xf32, #braze.layout<nhwc>> -> tensor<1x3x1x2xf32, #braze.layout<nhwc>>
  %z = braze.pool2d max %image kernel = [2, 2] {strides = array<i64: 2, 2>} : tensor<1x3x4x4xf32, #braze.layout<nhwc>> -> tensor<1x3x2x2xf32, #braze.layout<nhwc>>
  %ry = braze.relayout %y : tensor<1x3x1x2xf32, #braze.layout<nhwc>> -> tensor<1x3x1x2xf32>
  %rz = braze.relayout %z : tensor<1x3x2x2xf32, #braze.layout<nhwc>> -> tensor<1x3x2x2xf32>
  return %ry, %rz : tensor<1x3x1x2xf32>, tensor<1x3x2x2xf32>
}

// -----

// A 2x2 pooling, stride (3, 2), of 3 rows (one padded below) into one: the bottom
// padding and the third row are read by no window. The padding goes; the
// row is cut off.
// CHECK-LABEL: func.func @pool_leaves_rows_unread
// CHECK-NOT:     tensor.pad
// CHECK:         linalg.generic
// CHECK-COUNT-4:   arith.maximumf
// GPU-LABEL: func.func @pool_leaves_rows_unread
// GPU-NOT:     tensor.pad
// GPU:         %[[CUT:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 2, 8, 3] [1, 1, 1, 1] : tensor<1x3x8x3xf32> to tensor<1x2x8x3xf32>
// GPU:         linalg.pooling_nhwc_max {{.*}} ins(%[[CUT]], %{{.*}} : tensor<1x2x8x3xf32>, tensor<2x2xf32>) {{.*}} -> tensor<1x1x4x3xf32>

func.func @pool_leaves_rows_unread(%arg: tensor<1x3x3x8xf32>) -> tensor<1x3x1x4xf32> {
  %x = braze.relayout %arg : tensor<1x3x3x8xf32> -> tensor<1x3x3x8xf32, #braze.layout<nhwc>>
  %y = braze.pool2d max %x kernel = [2, 2] {pads = array<i64: 0, 0, 1, 0>, strides = array<i64: 3, 2>} : tensor<1x3x3x8xf32, #braze.layout<nhwc>> -> tensor<1x3x1x4xf32, #braze.layout<nhwc>>
  %r = braze.relayout %y : tensor<1x3x1x4xf32, #braze.layout<nhwc>> -> tensor<1x3x1x4xf32>
  return %r : tensor<1x3x1x4xf32>
}
