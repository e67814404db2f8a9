// --braze-lower-to-linalg: what each braze op becomes. Only constructs IREE
// 3.13 compiles appear: elementwise work is linalg.generic, never a named
// elementwise linalg op.
// RUN: braze-opt %s --braze-lower-to-linalg --split-input-file | FileCheck %s
// RUN: braze-opt %s --braze-lower-to-linalg --split-input-file | FileCheck %s --check-prefix=NO-BRAZE

// NO-BRAZE-NOT: braze.
// NO-BRAZE-NOT: linalg.add
// NO-BRAZE-NOT: linalg.exp

// Elementwise ops read operands with numpy broadcasting: a size-1 or missing
// dimension becomes a constant 0 or a dropped loop in the indexing map.
// CHECK-DAG: #[[ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[BCAST:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
// CHECK-LABEL: func.func @hard_swish_bias
// CHECK: linalg.generic {indexing_maps = [#[[ID4]], #[[BCAST]], #[[ID4]]]
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: arith.mulf
func.func @hard_swish_bias(%x: tensor<1x8x4x4xf32>, %b: tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32> {
  %0 = braze.add %x, %b : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %1 = braze.hard_swish %0 : tensor<1x8x4x4xf32>
  return %1 : tensor<1x8x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @cast_and_compare
// CHECK: arith.cmpf olt
// CHECK: arith.select
// CHECK: arith.fptosi %{{.*}} : f32 to i64
func.func @cast_and_compare(%a: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<3xi64> {
  %0 = braze.compare lt, %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %1 = braze.where %0, %a, %b : (tensor<3xi1>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %2 = braze.cast %1 : tensor<3xf32> -> tensor<3xi64>
  return %2 : tensor<3xi64>
}

// -----

// The bias is the accumulator the convolution starts from; pads become a
// tensor.pad of zeros.
// CHECK-LABEL: func.func @conv_bias_pad
// CHECK: %[[PAD:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[INIT:.*]] = linalg.generic
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
// CHECK-SAME: ins(%[[PAD]], %{{.*}} : tensor<1x3x10x10xf32>, tensor<4x3x3x3xf32>) outs(%[[INIT]]
func.func @conv_bias_pad(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = braze.conv2d %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @conv_depthwise
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<8x1x3x3xf32> into tensor<8x3x3xf32>
// CHECK: linalg.depthwise_conv_2d_nchw_chw
func.func @conv_depthwise(%x: tensor<1x8x6x6xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<1x8x4x4xf32> {
  %0 = braze.conv2d %x, %w {group = 8} : (tensor<1x8x6x6xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x4x4xf32>
  return %0 : tensor<1x8x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @conv_grouped
// CHECK: tensor.expand_shape %{{.*}} : tensor<1x8x6x6xf32> into tensor<1x2x4x6x6xf32>
// CHECK: tensor.expand_shape %{{.*}} : tensor<6x4x3x3xf32> into tensor<2x3x4x3x3xf32>
// CHECK: linalg.conv_2d_ngchw_gfchw
// CHECK: tensor.collapse_shape %{{.*}} : tensor<1x2x3x4x4xf32> into tensor<1x6x4x4xf32>
func.func @conv_grouped(%x: tensor<1x8x6x6xf32>, %w: tensor<6x4x3x3xf32>) -> tensor<1x6x4x4xf32> {
  %0 = braze.conv2d %x, %w {group = 2} : (tensor<1x8x6x6xf32>, tensor<6x4x3x3xf32>) -> tensor<1x6x4x4xf32>
  return %0 : tensor<1x6x4x4xf32>
}

// -----

// The input is spread by the stride, padded by k - 1 - pad, and convolved
// with the flipped filter, read backwards with index arithmetic in the body
// (IREE tiles only projected-permutation indexing maps).
// CHECK-LABEL: func.func @conv_transpose
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 2, 2] : tensor<1x4x4x4xf32> into tensor<1x4x7x7xf32>
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 2, 2]
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 3 : index
// CHECK: %[[FLIPPED:.*]] = arith.muli %[[I]], %c-1
// CHECK: arith.addi %[[FLIPPED]], %c2
// CHECK: tensor.extract
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK-SAME: -> tensor<1x2x8x8xf32>
func.func @conv_transpose(%x: tensor<1x4x4x4xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x2x8x8xf32> {
  %0 = braze.conv_transpose2d %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, output_padding = array<i64: 1, 1>}
      : (tensor<1x4x4x4xf32>, tensor<4x2x3x3xf32>) -> tensor<1x2x8x8xf32>
  return %0 : tensor<1x2x8x8xf32>
}

// -----

// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (0, d2, d4)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-LABEL: func.func @matmuls
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x5xf32>, tensor<5x6xf32>)
// CHECK: linalg.batch_matmul
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
func.func @matmuls(%a: tensor<4x5xf32>, %b: tensor<5x6xf32>, %c: tensor<3x4x5xf32>, %d: tensor<3x5x6xf32>,
                   %e: tensor<1x4x5xf32>, %f: tensor<2x3x5x6xf32>)
    -> (tensor<4x6xf32>, tensor<3x4x6xf32>, tensor<2x3x4x6xf32>) {
  %0 = braze.matmul %a, %b : (tensor<4x5xf32>, tensor<5x6xf32>) -> tensor<4x6xf32>
  %1 = braze.matmul %c, %d : (tensor<3x4x5xf32>, tensor<3x5x6xf32>) -> tensor<3x4x6xf32>
  %2 = braze.matmul %e, %f : (tensor<1x4x5xf32>, tensor<2x3x5x6xf32>) -> tensor<2x3x4x6xf32>
  return %0, %1, %2 : tensor<4x6xf32>, tensor<3x4x6xf32>, tensor<2x3x4x6xf32>
}

// -----

// A transposed rhs is read (..., N, K) in place: the contraction generic,
// also where the shapes would take a named op.
// CHECK-DAG: #[[Q:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[K_T:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[B_T:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @matmul_rhs_transposed
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[Q]], #[[K_T]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0, %arg1 : tensor<1x8x40x15xf32>, tensor<1x8x40x15xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B_T]], {{.*}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg2, %arg3 : tensor<4x5xf32>, tensor<6x5xf32>)
// CHECK-NOT: linalg.matmul
func.func @matmul_rhs_transposed(%q: tensor<1x8x40x15xf32>, %k: tensor<1x8x40x15xf32>,
                                 %a: tensor<4x5xf32>, %b: tensor<6x5xf32>)
    -> (tensor<1x8x40x40xf32>, tensor<4x6xf32>) {
  %0 = braze.matmul %q, %k rhs_transposed : (tensor<1x8x40x15xf32>, tensor<1x8x40x15xf32>) -> tensor<1x8x40x40xf32>
  %1 = braze.matmul %a, %b rhs_transposed : (tensor<4x5xf32>, tensor<6x5xf32>) -> tensor<4x6xf32>
  return %0, %1 : tensor<1x8x40x40xf32>, tensor<4x6xf32>
}

// -----

// Average pooling without count_include_pad divides each window by the
// number of real cells in it: a compile-time constant per output position.
// CHECK-LABEL: func.func @pools
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: linalg.pooling_nchw_max
// CHECK: linalg.pooling_nchw_sum
// CHECK: arith.constant dense<{{\[\[}}4.000000e+00, 6.000000e+00], [6.000000e+00, 9.000000e+00]]> : tensor<2x2xf32>
// CHECK: arith.divf
func.func @pools(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %0 = braze.pool2d max %x kernel = [3, 3] {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
      : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  %1 = braze.pool2d avg %x kernel = [3, 3] {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
      : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %0, %1 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_softmax
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK: arith.addf
// CHECK: tensor.expand_shape
// CHECK: arith.divf
// CHECK: linalg.softmax dimension(3)
func.func @reduce_softmax(%x: tensor<1x4x8x8xf32>) -> (tensor<1x4x1x1xf32>, tensor<1x4x8x8xf32>) {
  %0 = braze.reduce mean %x axes = [2, 3] : tensor<1x4x8x8xf32> -> tensor<1x4x1x1xf32>
  %1 = braze.softmax %x axis = 3 : tensor<1x4x8x8xf32>
  return %0, %1 : tensor<1x4x1x1xf32>, tensor<1x4x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @data_movement
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0] [2, 3] [1, 1]
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 3] [2, 3] [1, 1]
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [2, 2] [1, 2]
// CHECK: tensor.pad %{{.*}} low[1, 0] high[0, 2]
// CHECK: tensor.collapse_shape
// CHECK: tensor.expand_shape
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x3xf32>) outs(%{{.*}} : tensor<3x2xf32>) permutation = [1, 0]
func.func @data_movement(%x: tensor<2x3xf32>) -> (tensor<2x6xf32>, tensor<2x2xf32>, tensor<3x5xf32>, tensor<3x2xf32>, tensor<3x2xf32>) {
  %0 = braze.concat %x, %x axis = 1 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  %1 = braze.slice %x starts = [0, 0] sizes = [2, 2] steps = [1, 2] : tensor<2x3xf32> -> tensor<2x2xf32>
  %2 = braze.pad %x low = [1, 0] high = [0, 2] : tensor<2x3xf32> -> tensor<3x5xf32>
  %3 = braze.reshape %x : tensor<2x3xf32> -> tensor<3x2xf32>
  %4 = braze.transpose %x perm = [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0, %1, %2, %3, %4 : tensor<2x6xf32>, tensor<2x2xf32>, tensor<3x5xf32>, tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

// A negative step reads backwards: input[3 - i].
// CHECK-LABEL: func.func @reverse
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[BACK:.*]] = arith.muli %[[I]], %c-1
// CHECK: %[[AT:.*]] = arith.addi %[[BACK]], %c3
// CHECK: tensor.extract %{{.*}}[%[[AT]]]
func.func @reverse(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = braze.slice %x starts = [3] sizes = [4] steps = [-1] : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Gather, tile and resize compute where to read and use tensor.extract.
// CHECK-LABEL: func.func @indexed
// CHECK: linalg.index
// CHECK: arith.index_cast
// CHECK: arith.select
// CHECK: tensor.extract
// CHECK: arith.remui
// CHECK: tensor.extract
// CHECK: math.floor
// CHECK: tensor.extract
func.func @indexed(%x: tensor<4x3xf32>, %i: tensor<2xi64>, %img: tensor<1x1x2x2xf32>)
    -> (tensor<2x3xf32>, tensor<8x3xf32>, tensor<1x1x4x4xf32>) {
  %0 = braze.gather %x[%i] axis = 0 : (tensor<4x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  %1 = braze.tile %x repeats = [2, 1] : tensor<4x3xf32> -> tensor<8x3xf32>
  %2 = braze.resize linear %img coordinates = half_pixel : tensor<1x1x2x2xf32> -> tensor<1x1x4x4xf32>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<8x3xf32>, tensor<1x1x4x4xf32>
}

// -----

// A resize stored channels-last runs in storage order: the generic iterates
// (N, H, W, C) and reads the source pixel's same channel (the last index).
// CHECK-LABEL: func.func @channels_last_resize
// CHECK:       linalg.generic {{.*}} outs(%{{.*}} : tensor<1x4x4x3xf32>)
// CHECK:         %[[N:.*]] = linalg.index 0 : index
// CHECK:         %[[H:.*]] = linalg.index 1 : index
// CHECK:         %[[W:.*]] = linalg.index 2 : index
// CHECK:         %[[C:.*]] = linalg.index 3 : index
// CHECK:         tensor.extract %{{.*}}[%[[N]], %{{.*}}, %{{.*}}, %[[C]]] : tensor<1x2x2x3xf32>
func.func @channels_last_resize(%img: tensor<1x3x2x2xf32>) -> tensor<1x3x4x4xf32> {
  %0 = braze.relayout %img : tensor<1x3x2x2xf32> -> tensor<1x3x2x2xf32, #braze.layout<nhwc>>
  %1 = braze.resize nearest %0 coordinates = asymmetric rounding = floor : tensor<1x3x2x2xf32, #braze.layout<nhwc>> -> tensor<1x3x4x4xf32, #braze.layout<nhwc>>
  %2 = braze.relayout %1 : tensor<1x3x4x4xf32, #braze.layout<nhwc>> -> tensor<1x3x4x4xf32>
  return %2 : tensor<1x3x4x4xf32>
}

// -----

// Weights stay dense resources.
// CHECK-LABEL: func.func @weights
// CHECK: arith.constant dense_resource<w> : tensor<2xf32>
func.func @weights() -> tensor<2xf32> {
  %0 = braze.constant dense_resource<w> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Channels-last tensors lower in their storage order: NHWC convolutions with
// the filter re-laid out (HWCF / HWC: transposes of constants, folded by
// IREE), pooling over dims 1-2, elementwise maps that follow each operand's
// layout, reductions over the storage dims of the logical axes, and
// linalg.transpose for relayouts.
// CHECK-DAG: #[[NHWC_BIAS:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, 0, 0)>
// CHECK-LABEL: func.func @channels_last
// CHECK: %[[IN:.*]] = linalg.transpose ins(%{{.*}} : tensor<1x8x6x6xf32>) outs(%{{.*}} : tensor<1x6x6x8xf32>) permutation = [0, 2, 3, 1]
// CHECK: %[[PAD:.*]] = tensor.pad %[[IN]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: %[[HWCF:.*]] = linalg.transpose ins(%{{.*}} : tensor<8x8x3x3xf32>) outs(%{{.*}} : tensor<3x3x8x8xf32>) permutation = [2, 3, 1, 0]
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[PAD]], %[[HWCF]] : tensor<1x8x8x8xf32>, tensor<3x3x8x8xf32>)
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[NHWC_BIAS]], #{{.*}}]
// CHECK: linalg.transpose ins(%{{.*}} : tensor<8x3x3xf32>) outs(%{{.*}} : tensor<3x3x8xf32>) permutation = [1, 2, 0]
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc
// CHECK: linalg.pooling_nhwc_max
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction", "parallel"]
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 8] [1, 3, 3, 8] [1, 1, 1, 1] : tensor<1x3x3x8xf32> into tensor<1x3x3x16xf32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x3x3x16xf32>) outs(%{{.*}} : tensor<1x16x3x3xf32>) permutation = [0, 3, 1, 2]
func.func @channels_last(%x: tensor<1x8x6x6xf32>, %w: tensor<8x8x3x3xf32>, %dw: tensor<8x1x3x3xf32>, %b: tensor<8x1x1xf32>)
    -> (tensor<1x16x3x3xf32>, tensor<1x8x1x1xf32>) {
  %0 = braze.relayout %x : tensor<1x8x6x6xf32> -> tensor<1x8x6x6xf32, #braze.layout<nhwc>>
  %1 = braze.conv2d %0, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x6x6xf32, #braze.layout<nhwc>>, tensor<8x8x3x3xf32>) -> tensor<1x8x6x6xf32, #braze.layout<nhwc>>
  %2 = braze.add %1, %b : (tensor<1x8x6x6xf32, #braze.layout<nhwc>>, tensor<8x1x1xf32>) -> tensor<1x8x6x6xf32, #braze.layout<nhwc>>
  %3 = braze.conv2d %2, %dw {group = 8, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x6x6xf32, #braze.layout<nhwc>>, tensor<8x1x3x3xf32>) -> tensor<1x8x6x6xf32, #braze.layout<nhwc>>
  %4 = braze.pool2d max %3 kernel = [2, 2] {strides = array<i64: 2, 2>} : tensor<1x8x6x6xf32, #braze.layout<nhwc>> -> tensor<1x8x3x3xf32, #braze.layout<nhwc>>
  %5 = braze.reduce mean %4 axes = [2, 3] : tensor<1x8x3x3xf32, #braze.layout<nhwc>> -> tensor<1x8x1x1xf32, #braze.layout<nhwc>>
  %6 = braze.concat %4, %4 axis = 1 : (tensor<1x8x3x3xf32, #braze.layout<nhwc>>, tensor<1x8x3x3xf32, #braze.layout<nhwc>>) -> tensor<1x16x3x3xf32, #braze.layout<nhwc>>
  %7 = braze.relayout %6 : tensor<1x16x3x3xf32, #braze.layout<nhwc>> -> tensor<1x16x3x3xf32>
  %8 = braze.relayout %5 : tensor<1x8x1x1xf32, #braze.layout<nhwc>> -> tensor<1x8x1x1xf32>
  return %7, %8 : tensor<1x16x3x3xf32>, tensor<1x8x1x1xf32>
}

// -----

// Float pow keeps C's sign rules for negative bases with integral exponents
// (IREE expands math.powf through log |x|); integer pow is repeated squaring,
// since IREE cannot compile math.ipowi.
// CHECK-LABEL: func.func @powers
// CHECK: math.absf
// CHECK: math.powf
// CHECK: math.floor
// CHECK: arith.select
// CHECK: arith.shrui
// CHECK-NOT: math.ipowi
func.func @powers(%x: tensor<4xf32>, %y: tensor<4xf32>, %i: tensor<4xi32>, %j: tensor<4xi32>) -> (tensor<4xf32>, tensor<4xi32>) {
  %0 = braze.pow %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = braze.pow %i, %j : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0, %1 : tensor<4xf32>, tensor<4xi32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F00000040"
    }
  }
#-}

// -----

// Unsigned integers are stored signless (arith takes only signless
// integers), signatures and constants included; the ops whose semantics
// differ take their unsigned forms.
// CHECK-LABEL: func.func @unsigned
// CHECK-SAME: (%{{.*}}: tensor<4xi8>, %{{.*}}: tensor<4xi8>) -> (tensor<2x2xi8>, tensor<4xi1>, tensor<4xf32>, tensor<1xi8>)
// CHECK: arith.constant dense<[1, -56, 3, -1]> : tensor<4xi8>
// CHECK: arith.divui
// CHECK: arith.maxui
// CHECK: arith.cmpi ult
// CHECK: arith.uitofp %{{.*}} : i8 to f32
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i8
// CHECK: linalg.fill ins(%[[ZERO]] : i8)
// CHECK: arith.minui
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [2, 2] : tensor<4xi8> into tensor<2x2xi8>
// CHECK: return %{{.*}} : tensor<2x2xi8>, tensor<4xi1>, tensor<4xf32>, tensor<1xi8>
func.func @unsigned(%a: tensor<4xui8>, %b: tensor<4xui8>)
    -> (tensor<2x2xui8>, tensor<4xi1>, tensor<4xf32>, tensor<1xui8>) {
  %k = braze.constant dense<[1, 200, 3, 255]> : tensor<4xui8>
  %0 = braze.div %k, %a : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %1 = braze.max %0, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %2 = braze.compare lt, %1, %a : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  %3 = braze.cast %1 : tensor<4xui8> -> tensor<4xf32>
  %4 = braze.reduce max %1 axes = [0] : tensor<4xui8> -> tensor<1xui8>
  %5 = braze.min %4, %a : (tensor<1xui8>, tensor<4xui8>) -> tensor<4xui8>
  %6 = braze.reshape %5 : tensor<4xui8> -> tensor<2x2xui8>
  return %6, %2, %3, %4 : tensor<2x2xui8>, tensor<4xi1>, tensor<4xf32>, tensor<1xui8>
}

// -----

// Channel-blocked (nc4hw4) tensors are stored (N, ceil(C/4), H, W, 4). A
// relayout into blocks zero-pads C, splits it and transposes; out of blocks,
// one transpose, a collapse and a slice dropping the padded lanes. Dense
// convolutions are a generic over blocked dims with the filter blocked into
// 4x4 (input lane, output lane) tiles; over 3 channels a constant lane mask
// keeps the padded lane out. A [C, 1, 1] bias is blocked like an image.
// Depthwise convolutions are a generic with a (C/4, kH, kW, 4) filter;
// pooling is the NHWC pooling of N * C/4 images of 4 channels; a reduction
// over H and W runs lane by lane and leaves the blocks on its small result.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9) -> (d0, d1, d6, d3 + d7, d4 + d8, d9)>
// CHECK-DAG: #[[FILTER:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9) -> (d1, d2, d6, d7, d8, d9, d5)>
// CHECK-DAG: #[[LANES:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9) -> (d6, d9)>
// CHECK-DAG: #[[BLOCKED_BIAS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, 0, 0, d4)>
// CHECK-DAG: #[[DW_IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2 + d5, d3 + d6, d4)>
// CHECK-DAG: #[[DW_FILTER:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d5, d6, d4)>
// CHECK-LABEL: func.func @blocked
// CHECK: %[[PADDED:.*]] = tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 1, 0, 0]
// CHECK: %[[SPLIT:.*]] = tensor.expand_shape %[[PADDED]] {{\[\[}}0], [1, 2], [3], [4]] output_shape [1, 1, 4, 6, 6]
// CHECK: linalg.transpose ins(%[[SPLIT]] : tensor<1x1x4x6x6xf32>) outs(%{{.*}} : tensor<1x1x6x6x4xf32>) permutation = [0, 1, 3, 4, 2]
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x2x4x1x4x3x3xf32>) outs(%{{.*}} : tensor<1x2x1x3x3x4x4xf32>) permutation = [0, 1, 3, 5, 6, 4, 2]
// CHECK: %[[MASK:.*]] = arith.constant dense<{{\[\[}}true, true, true, false]]> : tensor<1x4xi1>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[FILTER]], #[[LANES]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "reduction"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}}, %[[MASK]] : tensor<1x1x1x8x8x4xf32>, tensor<1x2x1x3x3x4x4xf32>, tensor<1x4xi1>) outs(%{{.*}} : tensor<1x1x2x6x6x4xf32>)
// CHECK: arith.select
// A transpose that moves only unit dimensions is a reshape.
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2, 3, 4]] : tensor<1x2x4x1x1xf32> into tensor<8xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1, 2, 3, 4]] output_shape [1, 2, 1, 1, 4] : tensor<8xf32> into tensor<1x2x1x1x4xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[BLOCKED_BIAS]], #{{.*}}]
// CHECK: arith.addf
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x4x3x3xf32>) outs(%{{.*}} : tensor<2x3x3x4xf32>) permutation = [0, 2, 3, 1]
// CHECK: linalg.generic {indexing_maps = [#[[DW_IN]], #[[DW_FILTER]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3], [4]] : tensor<1x2x6x6x4xf32> into tensor<2x6x6x4xf32>
// CHECK: linalg.pooling_nhwc_max {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x6x6x4xf32>, tensor<2x2xf32>) outs(%{{.*}} : tensor<2x3x3x4xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction", "parallel"]
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2, 3, 4]] : tensor<1x2x1x1x4xf32> into tensor<8xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1, 2, 3, 4]] output_shape [1, 2, 4, 1, 1] : tensor<8xf32> into tensor<1x2x4x1x1xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 6, 1, 1] [1, 1, 1, 1] : tensor<1x8x1x1xf32> to tensor<1x6x1x1xf32>
// CHECK: %[[NHWC:.*]] = linalg.transpose ins(%{{.*}} : tensor<1x2x3x3x4xf32>) outs(%{{.*}} : tensor<1x3x3x2x4xf32>) permutation = [0, 2, 3, 1, 4]
// CHECK: %[[MERGED:.*]] = tensor.collapse_shape %[[NHWC]] {{\[\[}}0], [1], [2], [3, 4]] : tensor<1x3x3x2x4xf32> into tensor<1x3x3x8xf32>
// CHECK: tensor.extract_slice %[[MERGED]][0, 0, 0, 0] [1, 3, 3, 6] [1, 1, 1, 1] : tensor<1x3x3x8xf32> to tensor<1x3x3x6xf32>
func.func @blocked(%x: tensor<1x3x6x6xf32>, %w: tensor<6x3x3x3xf32>, %dw: tensor<6x1x3x3xf32>, %b: tensor<6x1x1xf32>)
    -> (tensor<1x6x3x3xf32>, tensor<1x6xf32>) {
  %0 = braze.relayout %x : tensor<1x3x6x6xf32> -> tensor<1x3x6x6xf32, #braze.layout<nc4hw4>>
  %1 = braze.conv2d %0, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x6x6xf32, #braze.layout<nc4hw4>>, tensor<6x3x3x3xf32>) -> tensor<1x6x6x6xf32, #braze.layout<nc4hw4>>
  %2 = braze.add %1, %b : (tensor<1x6x6x6xf32, #braze.layout<nc4hw4>>, tensor<6x1x1xf32>) -> tensor<1x6x6x6xf32, #braze.layout<nc4hw4>>
  %3 = braze.conv2d %2, %dw {group = 6, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x6x6x6xf32, #braze.layout<nc4hw4>>, tensor<6x1x3x3xf32>) -> tensor<1x6x6x6xf32, #braze.layout<nc4hw4>>
  %4 = braze.pool2d max %3 kernel = [2, 2] {strides = array<i64: 2, 2>} : tensor<1x6x6x6xf32, #braze.layout<nc4hw4>> -> tensor<1x6x3x3xf32, #braze.layout<nc4hw4>>
  %5 = braze.reduce mean %4 axes = [2, 3] {keepdims = false} : tensor<1x6x3x3xf32, #braze.layout<nc4hw4>> -> tensor<1x6xf32>
  %6 = braze.relayout %4 : tensor<1x6x3x3xf32, #braze.layout<nc4hw4>> -> tensor<1x6x3x3xf32, #braze.layout<nhwc>>
  %7 = braze.relu %6 : tensor<1x6x3x3xf32, #braze.layout<nhwc>>
  %8 = braze.relayout %7 : tensor<1x6x3x3xf32, #braze.layout<nhwc>> -> tensor<1x6x3x3xf32>
  return %8, %5 : tensor<1x6x3x3xf32>, tensor<1x6xf32>
}

// -----

// Groups that span whole blocks split the block dim into (group, blocks per
// group), no mask when C fills its blocks; a concat along C joins blocks.
// CHECK-LABEL: func.func @blocked_groups
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x1x4x1x4x1x1xf32>) outs(%{{.*}} : tensor<2x1x1x1x1x4x4xf32>)
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4], [5]] output_shape [1, 2, 1, 4, 4, 4] : tensor<1x2x4x4x4xf32> into tensor<1x2x1x4x4x4xf32>
// CHECK-NOT: i1
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x1x4x4x4xf32>, tensor<2x1x1x1x1x4x4xf32>)
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 2, 0, 0, 0] [1, 2, 4, 4, 4] [1, 1, 1, 1, 1] : tensor<1x2x4x4x4xf32> into tensor<1x4x4x4x4xf32>
func.func @blocked_groups(%x: tensor<1x8x4x4xf32>, %g: tensor<8x4x1x1xf32>) -> tensor<1x16x4x4xf32> {
  %0 = braze.relayout %x : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32, #braze.layout<nc4hw4>>
  %1 = braze.conv2d %0, %g {group = 2} : (tensor<1x8x4x4xf32, #braze.layout<nc4hw4>>, tensor<8x4x1x1xf32>) -> tensor<1x8x4x4xf32, #braze.layout<nc4hw4>>
  %2 = braze.concat %1, %0 axis = 1 : (tensor<1x8x4x4xf32, #braze.layout<nc4hw4>>, tensor<1x8x4x4xf32, #braze.layout<nc4hw4>>) -> tensor<1x16x4x4xf32, #braze.layout<nc4hw4>>
  %3 = braze.relayout %2 : tensor<1x16x4x4xf32, #braze.layout<nc4hw4>> -> tensor<1x16x4x4xf32>
  return %3 : tensor<1x16x4x4xf32>
}

// -----

// LayerNorm takes one reduction pass: the sums of x - k and of its square,
// k being each row's first element, from one generic with two results; the
// normalisation is one elementwise generic after it. Both read k from x
// through a map that pins the normalised dim to 0 (no slice, no copy).
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[FIRST:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @layer_norm_one_pass
// CHECK-SAME: (%[[IN:.*]]: tensor<1x40x120xf32>, %[[W:.*]]: tensor<120xf32>, %[[B:.*]]: tensor<120xf32>)
// CHECK-NOT: tensor.extract_slice
// CHECK: %[[SUMS:.*]]:2 = linalg.generic {indexing_maps = [#[[X]], #[[FIRST]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[IN]], %[[IN]] : tensor<1x40x120xf32>, tensor<1x40x120xf32>)
// CHECK-SAME: outs(%{{.*}}, %{{.*}} : tensor<1x40xf32>, tensor<1x40xf32>)
// CHECK: %[[CENTRED:.*]] = arith.subf
// CHECK: arith.addf %{{.*}}, %[[CENTRED]]
// CHECK: arith.mulf %[[CENTRED]], %[[CENTRED]]
// CHECK-NOT: linalg.generic {{.*}}reduction
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[FIRST]], #[[ROW]], #[[ROW]], #[[C]], #[[C]], #[[X]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[IN]], %[[IN]], %[[SUMS]]#0, %[[SUMS]]#1, %[[W]], %[[B]] :
// CHECK: arith.maximumf
// CHECK: math.sqrt
// CHECK: arith.divf
func.func @layer_norm_one_pass(%x: tensor<1x40x120xf32>, %w: tensor<120xf32>, %b: tensor<120xf32>) -> tensor<1x40x120xf32> {
  %0 = braze.layer_norm %x, %w, %b {axis = 2 : i64} : (tensor<1x40x120xf32>, tensor<120xf32>, tensor<120xf32>) -> tensor<1x40x120xf32>
  return %0 : tensor<1x40x120xf32>
}
