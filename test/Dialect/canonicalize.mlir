// Folders of the braze ops, driven by --canonicalize.
// RUN: braze-opt %s --canonicalize | FileCheck %s

// reshape(reshape(x)) keeps only the last shape; back to the input's shape it vanishes.
// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[R:.*]] = braze.reshape %[[X]] : tensor<2x3x4xf32> -> tensor<4x6xf32>
// CHECK-NEXT: return %[[R]], %[[X]]
func.func @reshape_chain(%x: tensor<2x3x4xf32>) -> (tensor<4x6xf32>, tensor<2x3x4xf32>) {
  %0 = braze.reshape %x : tensor<2x3x4xf32> -> tensor<24xf32>
  %1 = braze.reshape %0 : tensor<24xf32> -> tensor<4x6xf32>
  %2 = braze.reshape %1 : tensor<4x6xf32> -> tensor<2x3x4xf32>
  return %1, %2 : tensor<4x6xf32>, tensor<2x3x4xf32>
}

// An identity transpose is the input; any other permutation stays.
// CHECK-LABEL: func.func @transpose_identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[T:.*]] = braze.transpose %[[X]] perm = [1, 0]
// CHECK-NEXT: return %[[X]], %[[T]]
func.func @transpose_identity(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<3x2xf32>) {
  %0 = braze.transpose %x perm = [0, 1] : tensor<2x3xf32> -> tensor<2x3xf32>
  %1 = braze.transpose %x perm = [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<3x2xf32>
}

// relayout(relayout(x)) keeps only the last storage order; a round trip and a
// relayout to the same layout vanish.
// CHECK-LABEL: func.func @relayout_chain
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x2x2xf32>)
// CHECK-NEXT: %[[B:.*]] = braze.relayout %[[X]] : tensor<1x4x2x2xf32> -> tensor<1x4x2x2xf32, #braze.layout<nc4hw4>>
// CHECK-NEXT: return %[[X]], %[[B]], %[[X]]
func.func @relayout_chain(%x: tensor<1x4x2x2xf32>)
    -> (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32, #braze.layout<nc4hw4>>, tensor<1x4x2x2xf32>) {
  %0 = braze.relayout %x : tensor<1x4x2x2xf32> -> tensor<1x4x2x2xf32, #braze.layout<nhwc>>
  %1 = braze.relayout %0 : tensor<1x4x2x2xf32, #braze.layout<nhwc>> -> tensor<1x4x2x2xf32>
  %2 = braze.relayout %0 : tensor<1x4x2x2xf32, #braze.layout<nhwc>> -> tensor<1x4x2x2xf32, #braze.layout<nc4hw4>>
  %3 = braze.relayout %x : tensor<1x4x2x2xf32> -> tensor<1x4x2x2xf32>
  return %1, %2, %3 : tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32, #braze.layout<nc4hw4>>, tensor<1x4x2x2xf32>
}

// Unused constants and pure ops go away; used constants are deduplicated.
// CHECK-LABEL: func.func @constants
// CHECK-NEXT: %[[C:.*]] = braze.constant dense<2.000000e+00> : tensor<3xf32>
// CHECK-NEXT: return %[[C]], %[[C]]
func.func @constants(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %0 = braze.constant dense<2.0> : tensor<3xf32>
  %1 = braze.constant dense<2.0> : tensor<3xf32>
  %2 = braze.constant dense<7.0> : tensor<3xf32>
  %3 = braze.relu %x : tensor<3xf32>
  return %0, %1 : tensor<3xf32>, tensor<3xf32>
}
