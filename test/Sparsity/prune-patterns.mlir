// --braze-prune-patterns: PatDNN pattern pruning of dense 3x3 convolutions.
// All kernels of one input channel share the pattern keeping the most weight
// energy; the library is the most frequent largest-tap masks unless given;
// connectivity pruning removes the weakest channels' kernels; the producing
// convolution's filters are reordered so each pattern's channels are contiguous.
// RUN: braze-opt %s --braze-prune-patterns="patterns=2 taps=2 min-filters=1 report-file=%t.json" --split-input-file | FileCheck %s
// RUN: cat %t.json | FileCheck %s --check-prefix=REPORT
// (report-file holds the last split's report)
// RUN: braze-opt %s --braze-prune-patterns="taps=2 library=010010000,000011000 min-filters=1" --split-input-file | FileCheck %s --check-prefix=LIBRARY
// RUN: braze-opt %s --braze-prune-patterns="patterns=2 taps=2 min-filters=2" --split-input-file | FileCheck %s --check-prefix=MINFILTERS

// Channel 0 and 2 keep their right tap (5) with the centre, channel 1 its top
// tap (1): library ["000011000" x2, "010010000" x1]. Reordered channel order
// is (0, 2, 1): the producer's filters [1, 2, 3] and bias [10, 20, 30] become
// [1, 3, 2] and [10, 30, 20], through the relu.
// CHECK-LABEL: func.func @library_from_weights_and_reorder
// CHECK-DAG:     %[[W1:.*]] = braze.constant dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}3.000000e+00]]], {{\[\[\[}}2.000000e+00]]]]> : tensor<3x1x1x1xf32>
// CHECK-DAG:     %[[B1:.*]] = braze.constant dense<[1.000000e+01, 3.000000e+01, 2.000000e+01]> : tensor<3xf32>
// CHECK:         %[[P:.*]] = braze.conv2d %arg0, %[[W1]], %[[B1]]
// CHECK:         %[[R:.*]] = braze.relu %[[P]]
// CHECK:         braze.conv2d %[[R]], %{{.*}} {kernel_patterns = #braze.kernel_patterns<library = ["000011000", "010010000"], channels = [0, 0, 1]>, pads = array<i64: 1, 1, 1, 1>}
// LIBRARY-LABEL: func.func @library_from_weights_and_reorder
// LIBRARY:       kernel_patterns = #braze.kernel_patterns<library = ["010010000", "000011000"], channels = [0, 1, 1]>
// MINFILTERS-LABEL: func.func @library_from_weights_and_reorder
// MINFILTERS-NOT:   kernel_patterns
func.func @library_from_weights_and_reorder(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w1 = braze.constant dense<[[[[1.0]]], [[[2.0]]], [[[3.0]]]]> : tensor<3x1x1x1xf32>
  %b1 = braze.constant dense<[10.0, 20.0, 30.0]> : tensor<3xf32>
  %p = braze.conv2d %x, %w1, %b1 : (tensor<1x1x4x4xf32>, tensor<3x1x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %r = braze.relu %p : tensor<1x3x4x4xf32>
  %w2 = braze.constant dense<[[[[0.1, 0.0, 0.0], [0.0, 1.0, 5.0], [0.0, 0.2, 0.0]],
                               [[0.0, 6.0, 0.0], [0.3, 2.0, 0.0], [0.0, 0.0, 0.1]],
                               [[0.0, 0.0, 0.0], [0.5, 3.0, 7.0], [0.0, 0.0, 0.0]]]]> : tensor<1x3x3x3xf32>
  %y = braze.conv2d %r, %w2 {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x4x4xf32>, tensor<1x3x3x3xf32>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

// The pruned taps are zeroed; with one channel the filter stays a readable
// dense constant. Pools pass the reorder through (they work per channel).
// CHECK-LABEL: func.func @zeroes_pruned_taps_through_pool
// CHECK:         %[[W:.*]] = braze.constant dense<{{\[\[\[\[}}0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00, 5.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00]]]]> : tensor<1x1x3x3xf32>
// CHECK:         braze.conv2d %{{.*}}, %[[W]] {kernel_patterns = #braze.kernel_patterns<library = ["000011000"], channels = [0]>
func.func @zeroes_pruned_taps_through_pool(%x: tensor<1x1x8x8xf32>) -> tensor<1x1x2x2xf32> {
  %w1 = braze.constant dense<1.0> : tensor<1x1x1x1xf32>
  %p = braze.conv2d %x, %w1 : (tensor<1x1x8x8xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x8x8xf32>
  %q = braze.pool2d max %p kernel = [2, 2] {strides = array<i64: 2, 2>} : tensor<1x1x8x8xf32> -> tensor<1x1x4x4xf32>
  %w2 = braze.constant dense<[[[[0.1, 0.0, 0.3], [0.0, 1.0, 5.0], [0.0, 0.2, 0.0]]]]> : tensor<1x1x3x3xf32>
  %y = braze.conv2d %q, %w2 : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

// A convolution reading a function argument, or a value with other users,
// cannot have its channels reordered: it stays dense.
// CHECK-LABEL: func.func @not_reorderable
// CHECK-NOT:     kernel_patterns
// REPORT:        "layers": [
// REPORT:          "decision": "dense",
// REPORT:          "reason": "input channels cannot be reordered: the input has other users",
// REPORT:          "decision": "dense",
// REPORT:          "reason": "1x1 kernel, pointwise-keep=1 keeps every input channel",
// REPORT:          "decision": "dense",
// REPORT:          "reason": "input channels cannot be reordered: the input has other users",
// REPORT:        "library": [],
func.func @not_reorderable(%x: tensor<1x2x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x2x4x4xf32>) {
  %w = braze.constant dense<1.0> : tensor<1x2x3x3xf32>
  %y = braze.conv2d %x, %w : (tensor<1x2x4x4xf32>, tensor<1x2x3x3xf32>) -> tensor<1x1x2x2xf32>
  %w1 = braze.constant dense<1.0> : tensor<2x2x1x1xf32>
  %p = braze.conv2d %x, %w1 : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %z = braze.conv2d %p, %w : (tensor<1x2x4x4xf32>, tensor<1x2x3x3xf32>) -> tensor<1x1x2x2xf32>
  %s = braze.add %y, %z : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %s, %p : tensor<1x1x2x2xf32>, tensor<1x2x4x4xf32>
}
