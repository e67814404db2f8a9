// --braze-lower-to-linalg: which channels-last 1x1 convolutions become
// linalg.matmul marked for IREE's data tiling (`iree.opt.data_tiling`):
// stride 1, at most 64 output pixels, and a result no consumer pads; with
// more pixels, a plain linalg.matmul of pixel rows where the filters fill
// whole 16-lane vectors.
// RUN: braze-opt %s --braze-lower-to-linalg --split-input-file | FileCheck %s

// 7x7 = 49 pixels: (49, 512) x (512, 256), the filter transposed into (C, M)
// at compile time.
// CHECK-LABEL: func.func @few_pixels
// CHECK:         %[[X:.*]] = linalg.transpose ins(%arg0
// CHECK:         %[[ROWS:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1, 2], [3]] : tensor<1x7x7x512xf32> into tensor<49x512xf32>
// CHECK:         %[[ACC:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2], [3]] : tensor<1x7x7x256xf32> into tensor<49x256xf32>
// CHECK:         %[[W:.*]] = arith.constant dense<5.000000e-01> : tensor<512x256xf32>
// CHECK:         %[[MM:.*]] = linalg.matmul {iree.opt.data_tiling} ins(%[[ROWS]], %[[W]] : tensor<49x512xf32>, tensor<512x256xf32>) outs(%[[ACC]] : tensor<49x256xf32>)
// CHECK:         tensor.expand_shape %[[MM]] {{\[\[}}0, 1, 2], [3]] output_shape [1, 7, 7, 256]
// CHECK-NOT:     linalg.conv_2d
func.func @few_pixels(%arg: tensor<1x512x7x7xf32>) -> tensor<1x256x7x7xf32> {
  %x = braze.relayout %arg : tensor<1x512x7x7xf32> -> tensor<1x512x7x7xf32, #braze.layout<nhwc>>
  %w = braze.constant dense<0.5> : tensor<256x512x1x1xf32>
  %b = braze.constant dense<1.0> : tensor<256xf32>
  %y = braze.conv2d %x, %w, %b : (tensor<1x512x7x7xf32, #braze.layout<nhwc>>, tensor<256x512x1x1xf32>, tensor<256xf32>) -> tensor<1x256x7x7xf32, #braze.layout<nhwc>>
  %r = braze.relayout %y : tensor<1x256x7x7xf32, #braze.layout<nhwc>> -> tensor<1x256x7x7xf32>
  return %r : tensor<1x256x7x7xf32>
}

// -----

// 14x14 = 196 pixels: packing would cost more than it saves. 64 filters, a
// whole number of 16-lane vectors: the product of the pixel rows (H*W, C)
// and the filter (C, F), as IREE would collapse it, not data-tiled.
// CHECK-LABEL: func.func @many_pixels
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<196x64xf32>, tensor<64x64xf32>) outs(%{{.*}} : tensor<196x64xf32>)
// CHECK-NOT:     iree.opt.data_tiling
func.func @many_pixels(%arg: tensor<1x64x14x14xf32>) -> tensor<1x64x14x14xf32> {
  %x = braze.relayout %arg : tensor<1x64x14x14xf32> -> tensor<1x64x14x14xf32, #braze.layout<nhwc>>
  %w = braze.constant dense<0.5> : tensor<64x64x1x1xf32>
  %y = braze.conv2d %x, %w : (tensor<1x64x14x14xf32, #braze.layout<nhwc>>, tensor<64x64x1x1xf32>) -> tensor<1x64x14x14xf32, #braze.layout<nhwc>>
  %r = braze.relayout %y : tensor<1x64x14x14xf32, #braze.layout<nhwc>> -> tensor<1x64x14x14xf32>
  return %r : tensor<1x64x14x14xf32>
}

// -----

// 12 filters, not whole vectors: the image's pixels (H, W, C) and the filter
// (C, F) in one contraction, which keeps its broadcast bias in its dispatch.
// CHECK-LABEL: func.func @many_pixels_few_filters
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<14x14x64xf32>, tensor<64x12xf32>)
// CHECK-NOT:     linalg.matmul
func.func @many_pixels_few_filters(%arg: tensor<1x64x14x14xf32>) -> tensor<1x12x14x14xf32> {
  %x = braze.relayout %arg : tensor<1x64x14x14xf32> -> tensor<1x64x14x14xf32, #braze.layout<nhwc>>
  %w = braze.constant dense<0.5> : tensor<12x64x1x1xf32>
  %b = braze.constant dense<1.0> : tensor<12xf32>
  %y = braze.conv2d %x, %w, %b : (tensor<1x64x14x14xf32, #braze.layout<nhwc>>, tensor<12x64x1x1xf32>, tensor<12xf32>) -> tensor<1x12x14x14xf32, #braze.layout<nhwc>>
  %r = braze.relayout %y : tensor<1x12x14x14xf32, #braze.layout<nhwc>> -> tensor<1x12x14x14xf32>
  return %r : tensor<1x12x14x14xf32>
}

// -----

// The result reaches a padded depthwise convolution through a relu: as a
// plain contraction its dispatch writes into the padded buffer; data-tiled,
// the padding would be a copy dispatch of its own.
// CHECK-LABEL: func.func @feeds_padded_convolution
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-NOT:     iree.opt.data_tiling
// CHECK:         linalg.depthwise_conv_2d_nhwc_hwc
func.func @feeds_padded_convolution(%arg: tensor<1x16x7x7xf32>) -> tensor<1x32x7x7xf32> {
  %x = braze.relayout %arg : tensor<1x16x7x7xf32> -> tensor<1x16x7x7xf32, #braze.layout<nhwc>>
  %w = braze.constant dense<0.5> : tensor<32x16x1x1xf32>
  %dw = braze.constant dense<0.5> : tensor<32x1x3x3xf32>
  %y = braze.conv2d %x, %w : (tensor<1x16x7x7xf32, #braze.layout<nhwc>>, tensor<32x16x1x1xf32>) -> tensor<1x32x7x7xf32, #braze.layout<nhwc>>
  %r = braze.relu %y : tensor<1x32x7x7xf32, #braze.layout<nhwc>>
  %z = braze.conv2d %r, %dw {group = 32 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x32x7x7xf32, #braze.layout<nhwc>>, tensor<32x1x3x3xf32>) -> tensor<1x32x7x7xf32, #braze.layout<nhwc>>
  %o = braze.relayout %z : tensor<1x32x7x7xf32, #braze.layout<nhwc>> -> tensor<1x32x7x7xf32>
  return %o : tensor<1x32x7x7xf32>
}

// -----

// Logical (NCHW) storage keeps linalg's NCHW convolution.
// CHECK-LABEL: func.func @logical_layout
// CHECK:         linalg.conv_2d_nchw_fchw
// CHECK-NOT:     iree.opt.data_tiling
func.func @logical_layout(%x: tensor<1x64x7x7xf32>) -> tensor<1x64x7x7xf32> {
  %w = braze.constant dense<0.5> : tensor<64x64x1x1xf32>
  %y = braze.conv2d %x, %w : (tensor<1x64x7x7xf32>, tensor<64x64x1x1xf32>) -> tensor<1x64x7x7xf32>
  return %y : tensor<1x64x7x7xf32>
}
