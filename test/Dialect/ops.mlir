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

// CHECK-LABEL: func.func @matmul
func.func @matmul(%a: tensor<2x1x4x5xf32>, %b: tensor<3x5x6xf32>, %v: tensor<5xf32>)
    -> (tensor<2x3x4x6xf32>, tensor<2x1x4xf32>) {
  // CHECK: braze.matmul %{{.*}}, %{{.*}} : (tensor<2x1x4x5xf32>, tensor<3x5x6xf32>) -> tensor<2x3x4x6xf32>
  %0 = braze.matmul %a, %b : (tensor<2x1x4x5xf32>, tensor<3x5x6xf32>) -> tensor<2x3x4x6xf32>
  // CHECK: braze.matmul %{{.*}}, %{{.*}} : (tensor<2x1x4x5xf32>, tensor<5xf32>) -> tensor<2x1x4xf32>
  %1 = braze.matmul %a, %v : (tensor<2x1x4x5xf32>, tensor<5xf32>) -> tensor<2x1x4xf32>
  return %0, %1 : tensor<2x3x4x6xf32>, tensor<2x1x4xf32>
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

{-#
  dialect_resources: {
    builtin: {
      weights: "0x040000000000803F00000040"
    }
  }
#-}
