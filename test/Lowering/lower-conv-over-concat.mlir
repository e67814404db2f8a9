// A channels-last convolution reading a channel concat that nothing else
// reads is computed part by part: one convolution per concatenated input,
// with its slice of the filter's input channels, each accumulating onto the
// previous (the first onto the bias), so the concat's strided copies and
// the copy padding its result are never made. Convolutions computed tap by
// tap, GPU code and concats with other readers keep the concat.
// RUN: braze-opt %s --braze-select-layout=target=cpu --braze-lower-to-linalg --canonicalize --split-input-file | FileCheck %s
// RUN: braze-opt %s --braze-select-layout=target=cpu --braze-lower-to-linalg=codegen=gpu --canonicalize --split-input-file | FileCheck %s --check-prefix=GPU

// CHECK-LABEL: func.func @two_parts
// CHECK:         %[[A:.*]] = linalg.generic
// CHECK:         %[[BIAS:.*]] = linalg.generic
// CHECK-NOT:     tensor.concat
// CHECK-NOT:     tensor.insert_slice
// CHECK:         %[[PA:.*]] = tensor.pad %[[A]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK:         %[[CA:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[PA]], %{{.*}} : tensor<1x6x6x2xf32>, tensor<3x3x2x4xf32>) outs(%[[BIAS]] : tensor<1x4x4x4xf32>)
// CHECK:         %[[PB:.*]] = tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK:         %[[CB:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[PB]], %{{.*}} : tensor<1x6x6x3xf32>, tensor<3x3x3x4xf32>) outs(%[[CA]] : tensor<1x4x4x4xf32>)
// CHECK:         linalg.transpose ins(%[[CB]]
// GPU-LABEL:     func.func @two_parts
// GPU:           tensor.insert_slice
// GPU:           linalg.conv_2d_nhwc_hwcf {{.*}} tensor<1x6x6x5xf32>
func.func @two_parts(%a: tensor<1x2x4x4xf32>, %b: tensor<1x3x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %ra = braze.relu %a : tensor<1x2x4x4xf32>
  %c = braze.concat %ra, %b axis = 1 : (tensor<1x2x4x4xf32>, tensor<1x3x4x4xf32>) -> tensor<1x5x4x4xf32>
  %w = braze.constant dense<1.0> : tensor<4x5x3x3xf32>
  %bias = braze.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %y = braze.conv2d %c, %w, %bias {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x5x4x4xf32>, tensor<4x5x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// The concat is also a result: it is made anyway, and the convolution reads it.
// CHECK-LABEL: func.func @concat_read_twice
// CHECK:         tensor.insert_slice
// CHECK:         linalg.conv_2d_nhwc_hwcf {{.*}} tensor<1x6x6x5xf32>
func.func @concat_read_twice(%a: tensor<1x2x4x4xf32>, %b: tensor<1x3x4x4xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x5x4x4xf32>) {
  %c = braze.concat %a, %b axis = 1 : (tensor<1x2x4x4xf32>, tensor<1x3x4x4xf32>) -> tensor<1x5x4x4xf32>
  %w = braze.constant dense<1.0> : tensor<4x5x3x3xf32>
  %y = braze.conv2d %c, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x5x4x4xf32>, tensor<4x5x3x3xf32>) -> tensor<1x4x4x4xf32>
  return %y, %c : tensor<1x4x4x4xf32>, tensor<1x5x4x4xf32>
}

// -----

// A 1 x 3 sequence convolution is computed tap by tap: splitting its input
// would double its products; the concat stays.
// CHECK-LABEL: func.func @tap_by_tap
// CHECK:         tensor.insert_slice
// CHECK-COUNT-3: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
func.func @tap_by_tap(%a: tensor<1x32x1x8xf32>, %b: tensor<1x32x1x8xf32>) -> tensor<1x16x1x8xf32> {
  %c = braze.concat %a, %b axis = 1 : (tensor<1x32x1x8xf32>, tensor<1x32x1x8xf32>) -> tensor<1x64x1x8xf32>
  %w = braze.constant dense<1.0> : tensor<16x64x1x3xf32>
  %y = braze.conv2d %c, %w {pads = array<i64: 0, 1, 0, 1>} : (tensor<1x64x1x8xf32>, tensor<16x64x1x3xf32>) -> tensor<1x16x1x8xf32>
  return %y : tensor<1x16x1x8xf32>
}
