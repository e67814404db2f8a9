// Lowering of channel-blocked 1x1 convolutions (channel_blocks): channels-
// last, each block of filters gathers its kept channel groups (consecutive
// kept groups as one slice) into one tensor and multiplies it by its compact
// filter (the block's kept weights only) in a 1x1 convolution into the
// block's channels of the initial value (the bias); the blocks' results are
// concatenated along channels. Logical-order (NCHW) images lower densely:
// the filter holds zeros.
// RUN: braze-opt %s --braze-select-layout=target=cpu --braze-lower-to-linalg --split-input-file | FileCheck %s
// RUN: braze-opt %s --braze-lower-to-linalg --split-input-file | FileCheck %s --check-prefix=DENSE

// Block 0 (filters 0-1) keeps groups 0 and 2 (channels 0-1, 4-5): two
// slices; block 1 (filters 2-3) keeps groups 1 and 2 (channels 2-5): one.
// CHECK-LABEL: func.func @blocks_and_runs
// CHECK:         %[[X:.*]] = linalg.transpose ins(%arg0 : tensor<1x6x2x2xf32>)
// CHECK:         %[[INIT:.*]] = linalg.generic
// CHECK-DAG:     %[[S0:.*]] = tensor.extract_slice %[[X]][0, 0, 0, 0] [1, 2, 2, 2] [1, 1, 1, 1]
// CHECK-DAG:     %[[S1:.*]] = tensor.extract_slice %[[X]][0, 0, 0, 4] [1, 2, 2, 2] [1, 1, 1, 1]
// CHECK-DAG:     %[[I0:.*]] = tensor.extract_slice %[[INIT]][0, 0, 0, 0] [1, 2, 2, 2] [1, 1, 1, 1]
// CHECK:         %[[G0:.*]] = tensor.concat dim(3) %[[S0]], %[[S1]] : {{.*}} -> tensor<1x2x2x4xf32>
// CHECK:         %[[W0:.*]] = arith.constant dense<{{\[\[\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00], [7.000000e+00, 8.000000e+00]]]]> : tensor<1x1x4x2xf32>
// CHECK:         %[[B0:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[G0]], %[[W0]] : tensor<1x2x2x4xf32>, tensor<1x1x4x2xf32>) outs(%[[I0]] : tensor<1x2x2x2xf32>)
// CHECK-DAG:     %[[S2:.*]] = tensor.extract_slice %[[X]][0, 0, 0, 2] [1, 2, 2, 4] [1, 1, 1, 1]
// CHECK-DAG:     %[[I1:.*]] = tensor.extract_slice %[[INIT]][0, 0, 0, 2] [1, 2, 2, 2] [1, 1, 1, 1]
// CHECK-NOT:     tensor.concat dim(3) %[[S2]]
// CHECK:         %[[B1:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[S2]], %{{.*}} : tensor<1x2x2x4xf32>, tensor<1x1x4x2xf32>) outs(%[[I1]] : tensor<1x2x2x2xf32>)
// CHECK:         tensor.concat dim(3) %[[B0]], %[[B1]] : {{.*}} -> tensor<1x2x2x4xf32>
// DENSE-LABEL:   func.func @blocks_and_runs
// DENSE-NOT:     tensor.concat
// DENSE:         linalg.conv_2d_nchw_fchw
func.func @blocks_and_runs(%x: tensor<1x6x2x2xf32>) -> tensor<1x4x2x2xf32> {
  %w = braze.constant dense<[[[[1.0]], [[3.0]], [[0.0]], [[0.0]], [[5.0]], [[7.0]]],
                             [[[2.0]], [[4.0]], [[0.0]], [[0.0]], [[6.0]], [[8.0]]],
                             [[[0.0]], [[0.0]], [[1.0]], [[2.0]], [[3.0]], [[4.0]]],
                             [[[0.0]], [[0.0]], [[5.0]], [[6.0]], [[7.0]], [[8.0]]]]> : tensor<4x6x1x1xf32>
  %b = braze.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %y = braze.conv2d %x, %w, %b {channel_blocks = #braze.channel_blocks<block = 2, group = 2, kept = [0, 2, 1, 2]>} : (tensor<1x6x2x2xf32>, tensor<4x6x1x1xf32>, tensor<4xf32>) -> tensor<1x4x2x2xf32>
  return %y : tensor<1x4x2x2xf32>
}

// -----

// Stride 2 steps the slices; one block needs no result concat.
// CHECK-LABEL: func.func @stride_one_block
// CHECK:         %[[S:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 1] [1, 2, 2, 1] [1, 2, 2, 1]
// CHECK:         %[[C:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[S]], %{{.*}} : tensor<1x2x2x1xf32>, tensor<1x1x1x2xf32>)
// CHECK-NOT:     tensor.concat
// CHECK:         linalg.transpose ins(%[[C]]
func.func @stride_one_block(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %w = braze.constant dense<[[[[0.0]], [[2.0]]], [[[0.0]], [[3.0]]]]> : tensor<2x2x1x1xf32>
  %y = braze.conv2d %x, %w {channel_blocks = #braze.channel_blocks<block = 2, group = 1, kept = [1]>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}
