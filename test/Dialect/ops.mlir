// Round trip: every braze op prints in its custom form and reparses to the
// same IR, also through the generic form.
// RUN: braze-opt %s | braze-opt | FileCheck %s
// RUN: braze-opt %s --mlir-print-op-generic | braze-opt | FileCheck %s

// CHECK-LABEL: func.func @constant
func.func @constant() -> (tensor<4xf32>, tensor<2x2xi64>) {
  // CHECK: braze.constant dense<1.500000e+00> : tensor<4xf32>
  %0 = braze.constant dense<1.5> : tensor<4xf32>
  // CHECK: braze.constant dense<{{\[\[}}1, 2], [3, 4]]> : tensor<2x2xi64>
  %1 = braze.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  return %0, %1 : tensor<4xf32>, tensor<2x2xi64>
}

// CHECK-LABEL: func.func @constant_resource
func.func @constant_resource() -> tensor<2xf32> {
  // CHECK: braze.constant dense_resource<weights> : tensor<2xf32>
  %0 = braze.constant dense_resource<weights> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// CHECK-LABEL: func.func @conv2d
func.func @conv2d(%x: tensor<1x3x224x224xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<16xf32>)
    -> tensor<1x16x112x112xf32> {
  // CHECK: braze.conv2d %{{.*}}, %{{.*}}, %{{.*}} {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  // CHECK-SAME: (tensor<1x3x224x224xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x16x112x112xf32>
  %0 = braze.conv2d %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
      : (tensor<1x3x224x224xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x16x112x112xf32>
  return %0 : tensor<1x16x112x112xf32>
}

// Depthwise (group == channels), dilated, no bias; default attributes are
// not printed.
// CHECK-LABEL: func.func @conv2d_depthwise_dilated
func.func @conv2d_depthwise_dilated(%x: tensor<1x8x10x10xf32>, %w: tensor<8x1x3x3xf32>)
    -> tensor<1x8x6x6xf32> {
  // CHECK: braze.conv2d %{{.*}}, %{{.*}} {dilations = array<i64: 2, 2>, group = 8 : i64}
  // CHECK-SAME: (tensor<1x8x10x10xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x6x6xf32>
  %0 = braze.conv2d %x, %w {dilations = array<i64: 2, 2>, group = 8, strides = array<i64: 1, 1>}
      : (tensor<1x8x10x10xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x6x6xf32>
  return %0 : tensor<1x8x6x6xf32>
}

// Sparsity attributes (--braze-prune-patterns) round-trip.
// CHECK-LABEL: func.func @conv2d_sparsity
func.func @conv2d_sparsity(%x: tensor<1x4x6x6xf32>, %w3: tensor<4x4x3x3xf32>, %w1: tensor<4x4x1x1xf32>)
    -> tensor<1x4x6x6xf32> {
  // CHECK: braze.conv2d %{{.*}}, %{{.*}} {kernel_patterns = #braze.kernel_patterns<library = ["010111000"], channels = [0, 0, -1, 0]>, pads = array<i64: 1, 1, 1, 1>}
  %0 = braze.conv2d %x, %w3 {kernel_patterns = #braze.kernel_patterns<library = ["010111000"], channels = [0, 0, -1, 0]>, pads = array<i64: 1, 1, 1, 1>}
      : (tensor<1x4x6x6xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32>
  // CHECK: braze.conv2d %{{.*}}, %{{.*}} {channel_blocks = #braze.channel_blocks<block = 2, group = 2, kept = [0, 1]>}
  %1 = braze.conv2d %0, %w1 {channel_blocks = #braze.channel_blocks<block = 2, group = 2, kept = [0, 1]>}
      : (tensor<1x4x6x6xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x6x6xf32>
  return %1 : tensor<1x4x6x6xf32>
}

// CHECK-LABEL: func.func @matmul
func.func @matmul(%a: tensor<2x1x4x5xf32>, %b: tensor<3x5x6xf32>, %v: tensor<5xf32>)
    -> (tensor<2x3x4x6xf32>, tensor<2x1x4xf32>) {
  // CHECK: braze.matmul %{{.*}}, %{{.*}} : (tensor<2x1x4x5xf32>, tensor<3x5x6xf32>) -> tensor<2x3x4x6xf32>
  %0 = braze.matmul %a, %b : (tensor<2x1x4x5xf32>, tensor<3x5x6xf32>) -> tensor<2x3x4x6xf32>
  // CHECK: braze.matmul %{{.*}}, %{{.*}} : (tensor<2x1x4x5xf32>, tensor<5xf32>) -> tensor<2x1x4xf32>
  %1 = braze.matmul %a, %v : (tensor<2x1x4x5xf32>, tensor<5xf32>) -> tensor<2x1x4xf32>
  return %0, %1 : tensor<2x3x4x6xf32>, tensor<2x1x4xf32>
}

// The rhs is stored (..., N, K): 3x6x5 is the 3x5x6 rhs above, transposed.
// CHECK-LABEL: func.func @matmul_rhs_transposed
func.func @matmul_rhs_transposed(%a: tensor<2x1x4x5xf32>, %b: tensor<3x6x5xf32>)
    -> tensor<2x3x4x6xf32> {
  // CHECK: braze.matmul %{{.*}}, %{{.*}} rhs_transposed : (tensor<2x1x4x5xf32>, tensor<3x6x5xf32>) -> tensor<2x3x4x6xf32>
  %0 = braze.matmul %a, %b rhs_transposed : (tensor<2x1x4x5xf32>, tensor<3x6x5xf32>) -> tensor<2x3x4x6xf32>
  return %0 : tensor<2x3x4x6xf32>
}

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%x: tensor<1x16x8x8xf32>, %bias: tensor<16x1x1xf32>, %i: tensor<3xi32>)
    -> (tensor<1x16x8x8xf32>, tensor<3xi32>) {
  // CHECK: braze.add %{{.*}}, %{{.*}} : (tensor<1x16x8x8xf32>, tensor<16x1x1xf32>) -> tensor<1x16x8x8xf32>
  %0 = braze.add %x, %bias : (tensor<1x16x8x8xf32>, tensor<16x1x1xf32>) -> tensor<1x16x8x8xf32>
  // CHECK: braze.mul %{{.*}}, %{{.*}} : (tensor<16x1x1xf32>, tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %1 = braze.mul %bias, %0 : (tensor<16x1x1xf32>, tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  // CHECK: braze.relu %{{.*}} : tensor<1x16x8x8xf32>
  %2 = braze.relu %1 : tensor<1x16x8x8xf32>
  // CHECK: braze.add %{{.*}}, %{{.*}} : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  %3 = braze.add %i, %i : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  return %2, %3 : tensor<1x16x8x8xf32>, tensor<3xi32>
}

// CHECK-LABEL: func.func @reorganize_and_shuffle
func.func @reorganize_and_shuffle(%x: tensor<1x16x8x8xf32>) -> (tensor<1x1024xf32>, tensor<1x8x8x16xf32>) {
  // CHECK: braze.reshape %{{.*}} : tensor<1x16x8x8xf32> -> tensor<1x1024xf32>
  %0 = braze.reshape %x : tensor<1x16x8x8xf32> -> tensor<1x1024xf32>
  // CHECK: braze.transpose %{{.*}} perm = [0, 2, 3, 1] : tensor<1x16x8x8xf32> -> tensor<1x8x8x16xf32>
  %1 = braze.transpose %x perm = [0, 2, 3, 1] : tensor<1x16x8x8xf32> -> tensor<1x8x8x16xf32>
  return %0, %1 : tensor<1x1024xf32>, tensor<1x8x8x16xf32>
}

// Layouts travel as tensor encodings; relayout changes only the storage order.
// CHECK-LABEL: func.func @layouts
func.func @layouts(%x: tensor<1x6x8x8xf32>, %w: tensor<6x6x1x1xf32>)
    -> tensor<1x6x8x8xf32, #braze.layout<nc4hw4>> {
  // CHECK: braze.relayout %{{.*}} : tensor<1x6x8x8xf32> -> tensor<1x6x8x8xf32, #braze.layout<nhwc>>
  %0 = braze.relayout %x : tensor<1x6x8x8xf32> -> tensor<1x6x8x8xf32, #braze.layout<nhwc>>
  // CHECK: braze.conv2d {{.*}} -> tensor<1x6x8x8xf32, #braze.layout<nhwc>>
  %1 = braze.conv2d %0, %w : (tensor<1x6x8x8xf32, #braze.layout<nhwc>>, tensor<6x6x1x1xf32>)
      -> tensor<1x6x8x8xf32, #braze.layout<nhwc>>
  // CHECK: braze.relu %{{.*}} : tensor<1x6x8x8xf32, #braze.layout<nhwc>>
  %2 = braze.relu %1 : tensor<1x6x8x8xf32, #braze.layout<nhwc>>
  // CHECK: braze.relayout %{{.*}} : tensor<1x6x8x8xf32, #braze.layout<nhwc>> -> tensor<1x6x8x8xf32, #braze.layout<nc4hw4>>
  %3 = braze.relayout %2 : tensor<1x6x8x8xf32, #braze.layout<nhwc>> -> tensor<1x6x8x8xf32, #braze.layout<nc4hw4>>
  return %3 : tensor<1x6x8x8xf32, #braze.layout<nc4hw4>>
}

// CHECK-LABEL: func.func @unary_family
func.func @unary_family(%x: tensor<2x3xf32>, %i: tensor<3xi32>) -> tensor<3xi32> {
  // CHECK: braze.sigmoid %{{.*}} : tensor<2x3xf32>
  %0 = braze.sigmoid %x : tensor<2x3xf32>
  // CHECK: braze.tanh
  %1 = braze.tanh %0 : tensor<2x3xf32>
  // CHECK: braze.exp
  %2 = braze.exp %1 : tensor<2x3xf32>
  // CHECK: braze.log
  %3 = braze.log %2 : tensor<2x3xf32>
  // CHECK: braze.sqrt
  %4 = braze.sqrt %3 : tensor<2x3xf32>
  // CHECK: braze.reciprocal
  %5 = braze.reciprocal %4 : tensor<2x3xf32>
  // CHECK: braze.erf
  %6 = braze.erf %5 : tensor<2x3xf32>
  // CHECK: braze.floor
  %7 = braze.floor %6 : tensor<2x3xf32>
  // CHECK: braze.ceil
  %8 = braze.ceil %7 : tensor<2x3xf32>
  // CHECK: braze.neg
  %9 = braze.neg %8 : tensor<2x3xf32>
  // CHECK: braze.abs %{{.*}} : tensor<3xi32>
  %10 = braze.abs %i : tensor<3xi32>
  // CHECK: braze.hard_swish
  %11 = braze.hard_swish %9 : tensor<2x3xf32>
  // CHECK: braze.hard_sigmoid %{{.*}} {alpha = 0.166666672 : f32} : tensor<2x3xf32>
  %12 = braze.hard_sigmoid %11 {alpha = 0.16666667 : f32} : tensor<2x3xf32>
  // CHECK: braze.leaky_relu %{{.*}} {alpha = 1.000000e-01 : f32}
  %13 = braze.leaky_relu %12 {alpha = 0.1 : f32} : tensor<2x3xf32>
  // CHECK: braze.clip %{{.*}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32}
  %14 = braze.clip %13 {min = 0.0 : f32, max = 6.0 : f32} : tensor<2x3xf32>
  // CHECK: braze.clip %{{.*}} {max = 1.000000e+00 : f32} : tensor<2x3xf32>
  %15 = braze.clip %14 {max = 1.0 : f32} : tensor<2x3xf32>
  // CHECK: braze.gelu %{{.*}} {tanh_approximation = true}
  %16 = braze.gelu %15 {tanh_approximation = true} : tensor<2x3xf32>
  return %10 : tensor<3xi32>
}

// CHECK-LABEL: func.func @binary_family
func.func @binary_family(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x3xi1>) -> tensor<2x3xi64> {
  // CHECK: braze.sub %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %0 = braze.sub %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: braze.div
  %1 = braze.div %0, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: braze.pow
  %2 = braze.pow %1, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: braze.max
  %3 = braze.max %2, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: braze.min
  %4 = braze.min %3, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: braze.compare ge, %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %5 = braze.compare ge, %4, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: braze.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %6 = braze.where %5, %4, %b : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: braze.cast %{{.*}} : tensor<2x3xf32> -> tensor<2x3xi64>
  %7 = braze.cast %6 : tensor<2x3xf32> -> tensor<2x3xi64>
  return %7 : tensor<2x3xi64>
}

// Unsigned integers are braze tensors too; the signedness is in the type.
// CHECK-LABEL: func.func @unsigned
func.func @unsigned(%a: tensor<4xui8>, %b: tensor<4xui8>) -> (tensor<4xi1>, tensor<4xf32>) {
  // CHECK: braze.div %{{.*}}, %{{.*}} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %0 = braze.div %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  // CHECK: braze.compare lt, %{{.*}}, %{{.*}} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  %1 = braze.compare lt, %0, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  // CHECK: braze.cast %{{.*}} : tensor<4xui8> -> tensor<4xf32>
  %2 = braze.cast %0 : tensor<4xui8> -> tensor<4xf32>
  return %1, %2 : tensor<4xi1>, tensor<4xf32>
}

// CHECK-LABEL: func.func @normalizations_and_pooling
func.func @normalizations_and_pooling(%x: tensor<1x4x8x8xf32>, %v: tensor<4xf32>, %w: tensor<8xf32>)
    -> (tensor<1x4x8x8xf32>, tensor<1x4x1x1xf32>, tensor<1x4xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x5x5xf32>) {
  // CHECK: braze.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f32}
  %0 = braze.batch_norm %x, %v, %v, %v, %v {epsilon = 1.0e-3 : f32}
      : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: braze.reduce mean %{{.*}} axes = [2, 3] : tensor<1x4x8x8xf32> -> tensor<1x4x1x1xf32>
  %1 = braze.reduce mean %x axes = [2, 3] : tensor<1x4x8x8xf32> -> tensor<1x4x1x1xf32>
  // CHECK: braze.reduce max %{{.*}} axes = [2, 3] {keepdims = false} : tensor<1x4x8x8xf32> -> tensor<1x4xf32>
  %2 = braze.reduce max %x axes = [2, 3] {keepdims = false} : tensor<1x4x8x8xf32> -> tensor<1x4xf32>
  // CHECK: braze.softmax %{{.*}} axis = 3 : tensor<1x4x8x8xf32>
  %3 = braze.softmax %x axis = 3 : tensor<1x4x8x8xf32>
  // CHECK: braze.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {axis = 3 : i64}
  %4 = braze.layer_norm %x, %w, %w {axis = 3 : i64}
      : (tensor<1x4x8x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: braze.pool2d avg %{{.*}} kernel = [3, 3] {ceil_mode = true, count_include_pad = true, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  %5 = braze.pool2d avg %x kernel = [3, 3] {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, ceil_mode = true, count_include_pad = true}
      : tensor<1x4x8x8xf32> -> tensor<1x4x5x5xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<1x4x8x8xf32>, tensor<1x4x1x1xf32>, tensor<1x4xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x5x5xf32>
}

// CHECK-LABEL: func.func @conv_transpose
func.func @conv_transpose(%x: tensor<1x4x8x8xf32>, %w: tensor<4x2x3x3xf32>, %b: tensor<2xf32>) -> tensor<1x2x16x16xf32> {
  // CHECK: braze.conv_transpose2d %{{.*}}, %{{.*}}, %{{.*}} {output_padding = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  %0 = braze.conv_transpose2d %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, output_padding = array<i64: 1, 1>}
      : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x16x16xf32>
  return %0 : tensor<1x2x16x16xf32>
}

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%x: tensor<1x4x8x8xf32>, %v: tensor<4xf32>, %i: tensor<2xi64>) {
  // CHECK: braze.concat %{{.*}}, %{{.*}} axis = 1 : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x8x8x8xf32>
  %0 = braze.concat %x, %x axis = 1 : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x8x8x8xf32>
  // CHECK: braze.slice %{{.*}} starts = [0, 3, 0, 7] sizes = [1, 2, 8, 4] steps = [1, -1, 1, -2]
  %1 = braze.slice %x starts = [0, 3, 0, 7] sizes = [1, 2, 8, 4] steps = [1, -1, 1, -2] : tensor<1x4x8x8xf32> -> tensor<1x2x8x4xf32>
  // CHECK: braze.pad %{{.*}} low = [0, 0, 1, 1] high = [0, 0, 2, 2] {value = 1.000000e+00 : f64}
  %2 = braze.pad %x low = [0, 0, 1, 1] high = [0, 0, 2, 2] {value = 1.0} : tensor<1x4x8x8xf32> -> tensor<1x4x11x11xf32>
  // CHECK: braze.gather %{{.*}}[%{{.*}}] axis = 1 : (tensor<1x4x8x8xf32>, tensor<2xi64>) -> tensor<1x2x8x8xf32>
  %3 = braze.gather %x[%i] axis = 1 : (tensor<1x4x8x8xf32>, tensor<2xi64>) -> tensor<1x2x8x8xf32>
  // CHECK: braze.expand %{{.*}} : tensor<4xf32> -> tensor<2x4xf32>
  %4 = braze.expand %v : tensor<4xf32> -> tensor<2x4xf32>
  // CHECK: braze.tile %{{.*}} repeats = [3] : tensor<4xf32> -> tensor<12xf32>
  %5 = braze.tile %v repeats = [3] : tensor<4xf32> -> tensor<12xf32>
  // CHECK: braze.resize nearest %{{.*}} coordinates = asymmetric rounding = floor : tensor<1x4x8x8xf32> -> tensor<1x4x16x16xf32>
  %6 = braze.resize nearest %x coordinates = asymmetric rounding = floor : tensor<1x4x8x8xf32> -> tensor<1x4x16x16xf32>
  // CHECK: braze.resize linear %{{.*}} coordinates = half_pixel : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  %7 = braze.resize linear %x coordinates = half_pixel : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  return
}

{-#
  dialect_resources: {
    builtin: {
      weights: "0x040000000000803F00000040"
    }
  }
#-}

// CHECK-LABEL: func.func @fused
func.func @fused(%x: tensor<4xf32>, %w: tensor<4x4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  // CHECK: %{{.*}}:2 = braze.fused <many_to_many> -> tensor<4xf32>, tensor<4xf32> {
  // CHECK:   braze.yield %{{.*}}, %{{.*}} : tensor<4xf32>, tensor<4xf32>
  %0:2 = braze.fused <many_to_many> -> tensor<4xf32>, tensor<4xf32> {
    %m = braze.matmul %w, %x : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %r = braze.relu %m : tensor<4xf32>
    braze.yield %m, %r : tensor<4xf32>, tensor<4xf32>
  }
  // CHECK: braze.fused <one_to_one> backend_formed -> tensor<4xf32> {
  %1 = braze.fused <one_to_one> backend_formed -> tensor<4xf32> {
    %n = braze.neg %0#1 : tensor<4xf32>
    braze.yield %n : tensor<4xf32>
  }
  return %0#0, %1 : tensor<4xf32>, tensor<4xf32>
}
