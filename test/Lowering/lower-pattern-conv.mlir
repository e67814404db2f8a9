// Lowering of pattern-pruned convolutions (kernel_patterns): channels-last,
// each run of channels sharing a pattern contributes one slice of the padded
// input per kept tap; the slices are concatenated along channels and
// multiplied by the compact filter (kept weights only, one row per run, tap
// and channel) in one 1x1 convolution. Pruned channels (-1) contribute
// nothing. Logical-order (NCHW) images lower densely: the filter holds zeros.
// RUN: braze-opt %s --braze-select-layout=target=cpu --braze-lower-to-linalg --split-input-file | FileCheck %s
// RUN: braze-opt %s --braze-lower-to-linalg --split-input-file | FileCheck %s --check-prefix=DENSE

// Channels 0-1 keep taps 4 (centre) and 5 (right), channel 2 taps 1 (top) and 4.
// CHECK-LABEL: func.func @runs_and_taps
// CHECK:         %[[P:.*]] = tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK:         %[[S0:.*]] = tensor.extract_slice %[[P]][0, 1, 1, 0] [1, 4, 4, 2] [1, 1, 1, 1]
// CHECK:         %[[S1:.*]] = tensor.extract_slice %[[P]][0, 1, 2, 0] [1, 4, 4, 2] [1, 1, 1, 1]
// CHECK:         %[[S2:.*]] = tensor.extract_slice %[[P]][0, 0, 1, 2] [1, 4, 4, 1] [1, 1, 1, 1]
// CHECK:         %[[S3:.*]] = tensor.extract_slice %[[P]][0, 1, 1, 2] [1, 4, 4, 1] [1, 1, 1, 1]
// CHECK:         %[[G:.*]] = tensor.concat dim(3) %[[S0]], %[[S1]], %[[S2]], %[[S3]] : {{.*}} -> tensor<1x4x4x6xf32>
// CHECK:         %[[W:.*]] = arith.constant dense<{{\[\[\[\[}}1.000000e+00], [3.000000e+00], [5.000000e+00], [7.000000e+00], [6.000000e+00], [2.000000e+00]]]]> : tensor<1x1x6x1xf32>
// CHECK:         linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[G]], %[[W]] : tensor<1x4x4x6xf32>, tensor<1x1x6x1xf32>)
// DENSE-LABEL:   func.func @runs_and_taps
// DENSE-NOT:     tensor.concat
// DENSE:         linalg.conv_2d_nchw_fchw
func.func @runs_and_taps(%x: tensor<1x3x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w = braze.constant dense<[[[[0.0, 0.0, 0.0], [0.0, 1.0, 5.0], [0.0, 0.0, 0.0]],
                              [[0.0, 0.0, 0.0], [0.0, 3.0, 7.0], [0.0, 0.0, 0.0]],
                              [[0.0, 6.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]]]]> : tensor<1x3x3x3xf32>
  %y = braze.conv2d %x, %w {kernel_patterns = #braze.kernel_patterns<library = ["000011000", "010010000"], channels = [0, 0, 1]>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x4x4xf32>, tensor<1x3x3x3xf32>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

// Stride 2 steps the slices; the pruned channel 1 has no slice and no row.
// CHECK-LABEL: func.func @stride_and_pruned_channel
// CHECK:         %[[S0:.*]] = tensor.extract_slice %{{.*}}[0, 0, 1, 0] [1, 2, 2, 1] [1, 2, 2, 1]
// CHECK:         %[[S1:.*]] = tensor.extract_slice %{{.*}}[0, 1, 1, 0] [1, 2, 2, 1] [1, 2, 2, 1]
// CHECK:         %[[G:.*]] = tensor.concat dim(3) %[[S0]], %[[S1]] : {{.*}} -> tensor<1x2x2x2xf32>
// CHECK:         arith.constant dense<{{\[\[\[\[}}4.000000e+00, 8.000000e+00], [2.000000e+00, 3.000000e+00]]]]> : tensor<1x1x2x2xf32>
func.func @stride_and_pruned_channel(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %w = braze.constant dense<[[[[0.0, 4.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
                             [[[0.0, 8.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]]> : tensor<2x2x3x3xf32>
  %y = braze.conv2d %x, %w {kernel_patterns = #braze.kernel_patterns<library = ["010010000"], channels = [0, -1]>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}
