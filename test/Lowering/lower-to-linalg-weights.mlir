// --braze-lower-to-linalg on weights: the relayouts of constant filters are
// done at compile time (IREE would fold a filter transpose into the
// convolution's indexing instead, and run it 1.4x slower); upsampling
// transposed convolutions become a 1x1 convolution and a depth-to-space;
// products with many columns are padded to whole vector tiles.
// RUN: braze-opt %s --braze-lower-to-linalg --split-input-file | FileCheck %s

// FCHW (2, 3, 1, 1) -> (C, F) (3, 2) for the pointwise contraction: the
// transposed literal.
// CHECK-LABEL: func.func @filter_literal
// CHECK:         %[[W:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 4.000000e+00], [2.000000e+00, 5.000000e+00], [3.000000e+00, 6.000000e+00]]> : tensor<3x2xf32>
// CHECK:         linalg.generic {{.*}}"reduction"]} ins(%{{.*}}, %[[W]] : tensor<9x9x3xf32>, tensor<3x2xf32>)

func.func @filter_literal(%arg: tensor<1x3x9x9xf32>) -> tensor<1x2x9x9xf32> {
  %x = braze.relayout %arg : tensor<1x3x9x9xf32> -> tensor<1x3x9x9xf32, #braze.layout<nhwc>>
  %w = braze.constant dense<[[[[1.0]], [[2.0]], [[3.0]]], [[[4.0]], [[5.0]], [[6.0]]]]> : tensor<2x3x1x1xf32>
  %y = braze.conv2d %x, %w : (tensor<1x3x9x9xf32, #braze.layout<nhwc>>, tensor<2x3x1x1xf32>) -> tensor<1x2x9x9xf32, #braze.layout<nhwc>>
  %r = braze.relayout %y : tensor<1x2x9x9xf32, #braze.layout<nhwc>> -> tensor<1x2x9x9xf32>
  return %r : tensor<1x2x9x9xf32>
}

// -----

// A dense resource becomes a new resource, `<name>_relaid`, holding the
// transposed bytes: [[1, 2], [3, 4]] -> [[1, 3], [2, 4]].
// CHECK-LABEL: func.func @filter_resource
// CHECK:         %[[W:.*]] = arith.constant dense_resource<conv.w_relaid> : tensor<2x2xf32>
// CHECK:         linalg.generic {{.*}}"reduction"]} ins(%{{.*}}, %[[W]] :
// CHECK:         conv.w_relaid: "0x040000000000803F000040400000004000008040"

func.func @filter_resource(%arg: tensor<1x2x9x9xf32>) -> tensor<1x2x9x9xf32> {
  %x = braze.relayout %arg : tensor<1x2x9x9xf32> -> tensor<1x2x9x9xf32, #braze.layout<nhwc>>
  %w = braze.constant dense_resource<conv.w> : tensor<2x2x1x1xf32>
  %y = braze.conv2d %x, %w : (tensor<1x2x9x9xf32, #braze.layout<nhwc>>, tensor<2x2x1x1xf32>) -> tensor<1x2x9x9xf32, #braze.layout<nhwc>>
  %r = braze.relayout %y : tensor<1x2x9x9xf32, #braze.layout<nhwc>> -> tensor<1x2x9x9xf32>
  return %r : tensor<1x2x9x9xf32>
}

{-#
  dialect_resources: {
    builtin: {
      conv.w: "0x040000000000803F000000400000404000008040"
    }
  }
#-}

// -----

// Channel blocks: the filter padded to whole blocks of 4 input and output
// channels and blocked, all in one constant.
// CHECK-LABEL: func.func @blocked_filter
// CHECK:         %[[W:.*]] = arith.constant dense<"0x{{[0-9A-F]*}}"> : tensor<1x2x1x3x3x4x4xf32>
// CHECK-NOT:     tensor.pad %cst
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %[[W]], %{{.*}} :

func.func @blocked_filter(%arg: tensor<1x3x6x6xf32>) -> tensor<1x6x4x4xf32> {
  %x = braze.relayout %arg : tensor<1x3x6x6xf32> -> tensor<1x3x6x6xf32, #braze.layout<nc4hw4>>
  %w = braze.constant dense<0.5> : tensor<6x3x3x3xf32>
  %y = braze.conv2d %x, %w : (tensor<1x3x6x6xf32, #braze.layout<nc4hw4>>, tensor<6x3x3x3xf32>) -> tensor<1x6x4x4xf32, #braze.layout<nc4hw4>>
  %r = braze.relayout %y : tensor<1x6x4x4xf32, #braze.layout<nc4hw4>> -> tensor<1x6x4x4xf32>
  return %r : tensor<1x6x4x4xf32>
}

// -----

// kernel = stride 2x2: each input pixel writes its own 2x2 output block. A
// 1x1 convolution to 2 * 2 * M channels (filter (C, M, kH, kW) -> (C, kH,
// kW, M) at compile time), the channels moved into their blocks, the bias
// added after.
// CHECK-LABEL: func.func @upsample
// CHECK:         %[[W:.*]] = arith.constant dense<5.000000e-01> : tensor<1x1x3x8xf32>
// CHECK:         %[[PIXELS:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.*}}, %[[W]] : tensor<1x4x5x3xf32>, tensor<1x1x3x8xf32>) outs(%{{.*}} : tensor<1x4x5x8xf32>)
// CHECK:         %[[BLOCKS:.*]] = tensor.expand_shape %[[PIXELS]] {{\[\[}}0], [1], [2], [3, 4, 5]] output_shape [1, 4, 5, 2, 2, 2]
// CHECK:         %[[ROWS:.*]] = linalg.transpose ins(%[[BLOCKS]] : tensor<1x4x5x2x2x2xf32>) outs(%{{.*}} : tensor<1x4x2x5x2x2xf32>) permutation = [0, 1, 3, 2, 4, 5]
// CHECK:         %[[IMAGE:.*]] = tensor.collapse_shape %[[ROWS]] {{\[\[}}0], [1, 2], [3, 4], [5]] : tensor<1x4x2x5x2x2xf32> into tensor<1x8x10x2xf32>
// CHECK:         linalg.generic {{.*}} ins(%[[IMAGE]], %{{.*}} : tensor<1x8x10x2xf32>, tensor<2x1x1xf32>)
// CHECK:           arith.addf
// CHECK-NOT:     tensor.insert_slice

func.func @upsample(%arg: tensor<1x3x4x5xf32>, %b: tensor<2xf32>) -> tensor<1x2x8x10xf32> {
  %x = braze.relayout %arg : tensor<1x3x4x5xf32> -> tensor<1x3x4x5xf32, #braze.layout<nhwc>>
  %w = braze.constant dense<0.5> : tensor<3x2x2x2xf32>
  %y = braze.conv_transpose2d %x, %w, %b {strides = array<i64: 2, 2>} : (tensor<1x3x4x5xf32, #braze.layout<nhwc>>, tensor<3x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x8x10xf32, #braze.layout<nhwc>>
  %r = braze.relayout %y : tensor<1x2x8x10xf32, #braze.layout<nhwc>> -> tensor<1x2x8x10xf32>
  return %r : tensor<1x2x8x10xf32>
}

// -----

// 300 columns: IREE would tile them by 60, not a whole number of 16-lane
// vectors. The constant gets 20 zero columns, and the product is sliced.
// CHECK-LABEL: func.func @classifier
// CHECK:         %[[W:.*]] = arith.constant dense<"0x0000003F{{.*}}0000003F00000000{{[0]*}}"> : tensor<8x320xf32>
// CHECK:         %[[P:.*]] = linalg.matmul ins(%arg0, %[[W]] : tensor<4x8xf32>, tensor<8x320xf32>) outs(%{{.*}} : tensor<4x320xf32>)
// CHECK:         tensor.extract_slice %[[P]][0, 0] [4, 300] [1, 1] : tensor<4x320xf32> to tensor<4x300xf32>

func.func @classifier(%x: tensor<4x8xf32>) -> tensor<4x300xf32> {
  %w = braze.constant dense<0.5> : tensor<8x300xf32>
  %y = braze.matmul %x, %w : (tensor<4x8xf32>, tensor<8x300xf32>) -> tensor<4x300xf32>
  return %y : tensor<4x300xf32>
}

// -----

// 320 columns tile by 64: no padding.
// CHECK-LABEL: func.func @whole_tiles
// CHECK:         linalg.matmul ins(%arg0, %{{.*}} : tensor<4x8xf32>, tensor<8x320xf32>) outs(%{{.*}} : tensor<4x320xf32>)
// CHECK-NOT:     tensor.extract_slice

func.func @whole_tiles(%x: tensor<4x8xf32>) -> tensor<4x320xf32> {
  %w = braze.constant dense<0.5> : tensor<8x320xf32>
  %y = braze.matmul %x, %w : (tensor<4x8xf32>, tensor<8x320xf32>) -> tensor<4x320xf32>
  return %y : tensor<4x320xf32>
}

// -----

// A transpose moving only unit dimensions keeps the elements in order: a
// reshape, no data moved.
// CHECK-LABEL: func.func @unit_transpose
// CHECK:         tensor.collapse_shape %arg0 {{\[\[}}0, 1]] : tensor<1x1280xf32> into tensor<1280xf32>
// CHECK:         tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [1280, 1] : tensor<1280xf32> into tensor<1280x1xf32>
// CHECK-NOT:     linalg.transpose

func.func @unit_transpose(%x: tensor<1x1280xf32>) -> tensor<1280x1xf32> {
  %t = braze.transpose %x perm = [1, 0] : tensor<1x1280xf32> -> tensor<1280x1xf32>
  return %t : tensor<1280x1xf32>
}
