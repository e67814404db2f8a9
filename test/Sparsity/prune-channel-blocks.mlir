// --braze-prune-patterns on 1x1 convolutions (pointwise-keep < 1): blocks of
// pointwise-block filters share one mask over groups of pointwise-group input
// channels, keeping the pointwise-keep fraction of the groups with the most
// weight energy (sum of squares over the block's filters); the pruned weights
// are zeroed and the mask is recorded as channel_blocks. Layers where the
// blocks save fewer than pointwise-min-saving multiply-adds per gathered
// input, with fewer than min-filters filters, or whose shape is not whole
// blocks and groups, stay dense with the reason in the report.
// RUN: braze-opt %s --braze-prune-patterns="pointwise-keep=0.5 pointwise-block=2 pointwise-group=1 pointwise-min-saving=0 min-filters=1 report-file=%t.json" --split-input-file | FileCheck %s
// RUN: cat %t.json | FileCheck %s --check-prefix=REPORT
// RUN: braze-opt %s --braze-prune-patterns="pointwise-keep=0.5 pointwise-block=2 pointwise-group=1 min-filters=1" --split-input-file | FileCheck %s --check-prefix=SAVING
// RUN: braze-opt %s --braze-prune-patterns="pointwise-keep=0.5 pointwise-block=2 pointwise-group=1 pointwise-min-saving=0" --split-input-file | FileCheck %s --check-prefix=MINFILTERS
// RUN: braze-opt %s --braze-prune-patterns="min-filters=1" --split-input-file | FileCheck %s --check-prefix=OFF

// Filters 0-1 (block 0) weigh most on channels 0 and 2, filters 2-3 (block
// 1) on channels 1 and 3: kept = [0, 2, 1, 3], the other weights zeroed; the
// bias is untouched.
// CHECK-LABEL: func.func @block_masks
// CHECK:         %[[W:.*]] = braze.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}0.000000e+00]], {{\[\[}}2.000000e+00]], {{\[\[}}0.000000e+00]]], {{\[\[\[}}3.000000e+00]], {{\[\[}}0.000000e+00]], {{\[\[}}4.000000e+00]], {{\[\[}}0.000000e+00]]], {{\[\[\[}}0.000000e+00]], {{\[\[}}5.000000e+00]], {{\[\[}}0.000000e+00]], {{\[\[}}6.000000e+00]]], {{\[\[\[}}0.000000e+00]], {{\[\[}}7.000000e+00]], {{\[\[}}0.000000e+00]], {{\[\[}}8.000000e+00]]]]> : tensor<4x4x1x1xf32>
// CHECK:         braze.conv2d %arg0, %[[W]], %{{.*}} {channel_blocks = #braze.channel_blocks<block = 2, group = 1, kept = [0, 2, 1, 3]>}
// SAVING-LABEL:  func.func @block_masks
// SAVING-NOT:    channel_blocks
// MINFILTERS-LABEL: func.func @block_masks
// MINFILTERS-NOT:   channel_blocks
// OFF-LABEL:     func.func @block_masks
// OFF-NOT:       channel_blocks
func.func @block_masks(%x: tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32> {
  %w = braze.constant dense<[[[[1.0]], [[0.1]], [[2.0]], [[0.2]]],
                             [[[3.0]], [[0.3]], [[4.0]], [[0.1]]],
                             [[[0.1]], [[5.0]], [[0.2]], [[6.0]]],
                             [[[0.2]], [[7.0]], [[0.1]], [[8.0]]]]> : tensor<4x4x1x1xf32>
  %b = braze.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %y = braze.conv2d %x, %w, %b : (tensor<1x4x2x2xf32>, tensor<4x4x1x1xf32>, tensor<4xf32>) -> tensor<1x4x2x2xf32>
  return %y : tensor<1x4x2x2xf32>
}

// -----

// A 3x3 pattern layer reorders its producer's filters first; the producer's
// blocks are then chosen on the reordered filters. The 3x3 kernels of
// channels 1 and 3 share a pattern, so the producer's filters become
// (1, 3, 0, 2): block 0 (old filters 1, 3) keeps channel 1, block 1 (old
// filters 0, 2) channel 0. Unreordered, both blocks would keep channel 1.
// Pattern pruning needs a producing convolution, channel blocks do not: the
// 1x1 convolution reading the function argument is pruned.
// CHECK-LABEL: func.func @after_the_reorder
// CHECK:         %[[W1:.*]] = braze.constant dense<{{\[\[\[\[}}0.000000e+00]], {{\[\[}}3.000000e+00]]], {{\[\[\[}}0.000000e+00]], {{\[\[}}5.000000e+00]]], {{\[\[\[}}1.000000e+00]], {{\[\[}}0.000000e+00]]], {{\[\[\[}}2.000000e+00]], {{\[\[}}0.000000e+00]]]]> : tensor<4x2x1x1xf32>
// CHECK:         %[[P:.*]] = braze.conv2d %arg0, %[[W1]] {channel_blocks = #braze.channel_blocks<block = 2, group = 1, kept = [1, 0]>}
// CHECK:         braze.conv2d %[[P]], %{{.*}} {kernel_patterns = #braze.kernel_patterns<library = [{{.*}}], channels = [0, 0, 1, 1]>, pads = array<i64: 1, 1, 1, 1>}
func.func @after_the_reorder(%x: tensor<1x2x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w1 = braze.constant dense<[[[[1.0]], [[0.1]]], [[[0.1]], [[3.0]]], [[[2.0]], [[0.2]]], [[[0.2]], [[5.0]]]]> : tensor<4x2x1x1xf32>
  %p = braze.conv2d %x, %w1 : (tensor<1x2x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x4x4xf32>
  %w2 = braze.constant dense<[[[[0.0, 0.0, 0.0], [0.0, 1.0, 5.0], [0.0, 0.0, 0.0]],
                               [[0.0, 6.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]],
                               [[0.0, 0.0, 0.0], [0.0, 3.0, 7.0], [0.0, 0.0, 0.0]],
                               [[0.0, 8.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 0.0]]]]> : tensor<1x4x3x3xf32>
  %y = braze.conv2d %p, %w2 {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x4xf32>, tensor<1x4x3x3xf32>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

// Dense, each with its reason: 3 filters are not whole blocks of 2, a
// padded 1x1 convolution, and, as when the pass runs on its own output, a
// channel-blocked 1x1 convolution and the 3x3 one it feeds: its filter order
// is its blocks', so it cannot reorder the 3x3 layer's channels.
// CHECK-LABEL: func.func @stay_dense
// CHECK-NOT:     kernel_patterns
// CHECK:         braze.conv2d %arg1, %{{.*}} {channel_blocks = #braze.channel_blocks<block = 2, group = 1, kept = [0, 1]>}
// CHECK-NOT:     kernel_patterns
// SAVING-LABEL:  func.func @stay_dense
// MINFILTERS-LABEL: func.func @stay_dense
// OFF-LABEL:     func.func @stay_dense
// REPORT:        "layers": [
// REPORT:          "decision": "dense",
// REPORT:          "reason": "3 filters and 4 channels are not whole blocks of pointwise-block=2 and groups of pointwise-group=1",
// REPORT:          "decision": "dense",
// REPORT:          "reason": "padded 1x1 convolution",
// REPORT:          "decision": "dense",
// REPORT:          "reason": "already pruned",
// REPORT:          "decision": "dense",
// REPORT:          "reason": "input channels cannot be reordered: the producing convolution is channel-blocked",
// REPORT:        "pointwise_block": 2,
// REPORT:        "pointwise_group": 1,
// REPORT:        "pointwise_keep": 0.5,
func.func @stay_dense(%x: tensor<1x4x2x2xf32>, %x2: tensor<1x2x4x4xf32>)
    -> (tensor<1x3x2x2xf32>, tensor<1x4x4x4xf32>, tensor<1x1x4x4xf32>) {
  %w = braze.constant dense<1.0> : tensor<3x4x1x1xf32>
  %y = braze.conv2d %x, %w : (tensor<1x4x2x2xf32>, tensor<3x4x1x1xf32>) -> tensor<1x3x2x2xf32>
  %w2 = braze.constant dense<1.0> : tensor<4x4x1x1xf32>
  %z = braze.conv2d %x, %w2 {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x2x2xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %w3 = braze.constant dense<[[[[1.0]], [[0.0]]], [[[2.0]], [[0.0]]], [[[0.0]], [[3.0]]], [[[0.0]], [[5.0]]]]> : tensor<4x2x1x1xf32>
  %p = braze.conv2d %x2, %w3 {channel_blocks = #braze.channel_blocks<block = 2, group = 1, kept = [0, 1]>} : (tensor<1x2x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x4x4xf32>
  %w4 = braze.constant dense<[[[[0.0, 0.0, 0.0], [0.0, 1.0, 5.0], [0.0, 0.0, 0.0]],
                               [[0.0, 6.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]],
                               [[0.0, 0.0, 0.0], [0.0, 3.0, 7.0], [0.0, 0.0, 0.0]],
                               [[0.0, 8.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 0.0]]]]> : tensor<1x4x3x3xf32>
  %q = braze.conv2d %p, %w4 {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x4xf32>, tensor<1x4x3x3xf32>) -> tensor<1x1x4x4xf32>
  return %y, %z, %q : tensor<1x3x2x2xf32>, tensor<1x4x4x4xf32>, tensor<1x1x4x4xf32>
}
