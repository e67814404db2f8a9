// --braze-fold-batch-norm: a batch norm with constant statistics is folded
// into the preceding convolution's filter and bias, or else becomes a
// per-channel multiply-add; a = scale / sqrt(variance + eps), b = bias - mean * a.
// RUN: braze-opt %s --braze-fold-batch-norm --split-input-file | FileCheck %s

// a = [2/sqrt(0+1), 3/sqrt(8+1)] = [2, 1], b = [1 - 0*2, 0 - 1*1] = [1, -1]:
// filter [1, 2] -> [2, 2], bias [0.5, 1] -> [2*0.5 + 1, 1*1 - 1] = [2, 0].
// CHECK-LABEL: func.func @into_conv
// CHECK-DAG:     %[[W:.*]] = braze.constant dense<2.000000e+00> : tensor<2x1x1x1xf32>
// CHECK-DAG:     %[[B:.*]] = braze.constant dense<[2.000000e+00, 0.000000e+00]> : tensor<2xf32>
// CHECK:         %[[Y:.*]] = braze.conv2d %arg0, %[[W]], %[[B]]
// CHECK-NOT:     braze.batch_norm
// CHECK:         return %[[Y]]
func.func @into_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = braze.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %b = braze.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %scale = braze.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %bias = braze.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = braze.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %var = braze.constant dense<[0.0, 8.0]> : tensor<2xf32>
  %y = braze.conv2d %x, %w, %b : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %z = braze.batch_norm %y, %scale, %bias, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %z : tensor<1x2x4x4xf32>
}

// -----

// A convolution without bias gets b as its bias; a depthwise filter
// (C, 1, kH, kW) scales along dim 0 like any other.
// CHECK-LABEL: func.func @into_depthwise_without_bias
// CHECK-DAG:     %[[W:.*]] = braze.constant dense<{{\[\[\[\[}}2.000000e+00, 2.000000e+00]]], {{\[\[\[}}3.000000e+00, 3.000000e+00]]]]> : tensor<2x1x1x2xf32>
// CHECK-DAG:     %[[B:.*]] = braze.constant dense<[1.000000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK:         braze.conv2d %arg0, %[[W]], %[[B]] {group = 2 : i64}
// CHECK-NOT:     braze.batch_norm
func.func @into_depthwise_without_bias(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x3xf32> {
  %w = braze.constant dense<[[[[1.0, 1.0]]], [[[3.0, 3.0]]]]> : tensor<2x1x1x2xf32>
  %scale = braze.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %bias = braze.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = braze.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %var = braze.constant dense<[0.0, 8.0]> : tensor<2xf32>
  %y = braze.conv2d %x, %w {group = 2 : i64} : (tensor<1x2x4x4xf32>, tensor<2x1x1x2xf32>) -> tensor<1x2x4x3xf32>
  %z = braze.batch_norm %y, %scale, %bias, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2x4x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x3xf32>
  return %z : tensor<1x2x4x3xf32>
}

// -----

// A transposed convolution's filter is (C, M/group, kH, kW): the output
// channel is dim 1 within each group.
// CHECK-LABEL: func.func @into_conv_transpose
// CHECK-DAG:     %[[W:.*]] = braze.constant dense<{{\[\[\[\[}}2.000000e+00]], {{\[\[}}1.000000e+00]]]]> : tensor<1x2x1x1xf32>
// CHECK:         braze.conv_transpose2d %arg0, %[[W]], %{{.*}} {strides = array<i64: 2, 2>}
// CHECK-NOT:     braze.batch_norm
func.func @into_conv_transpose(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x3x3xf32> {
  %w = braze.constant dense<1.0> : tensor<1x2x1x1xf32>
  %scale = braze.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %bias = braze.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = braze.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %var = braze.constant dense<[0.0, 8.0]> : tensor<2xf32>
  %y = braze.conv_transpose2d %x, %w {strides = array<i64: 2, 2>} : (tensor<1x1x2x2xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %z = braze.batch_norm %y, %scale, %bias, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %z : tensor<1x2x3x3xf32>
}

// -----

// Large folded filters are stored as dense resources, like imported weights.
// CHECK-LABEL: func.func @large_filter_as_resource
// CHECK:         braze.constant dense_resource<bn_folded_filter> : tensor<4x4x3x3xf32>
// CHECK-NOT:     braze.batch_norm
func.func @large_filter_as_resource(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x6x6xf32> {
  %w = braze.constant dense<0.5> : tensor<4x4x3x3xf32>
  %v = braze.constant dense<1.0> : tensor<4xf32>
  %y = braze.conv2d %x, %w : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32>
  %z = braze.batch_norm %y, %v, %v, %v, %v : (tensor<1x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32> loc("bn")
  return %z : tensor<1x4x6x6xf32>
}

// -----

// Without a foldable convolution before it (here: one whose result has a
// second use), the batch norm becomes x * a + b with [C, 1, 1] constants.
// CHECK-LABEL: func.func @to_multiply_add
// CHECK-DAG:     %[[A:.*]] = braze.constant dense<{{\[\[\[}}2.000000e+00]], {{\[\[}}1.000000e+00]]]> : tensor<2x1x1xf32>
// CHECK-DAG:     %[[B:.*]] = braze.constant dense<{{\[\[\[}}1.000000e+00]], {{\[\[}}-1.000000e+00]]]> : tensor<2x1x1xf32>
// CHECK:         %[[Y:.*]] = braze.conv2d
// CHECK:         %[[M:.*]] = braze.mul %[[Y]], %[[A]] : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
// CHECK:         %[[Z:.*]] = braze.add %[[M]], %[[B]]
// CHECK:         return %[[Z]], %[[Y]]
func.func @to_multiply_add(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = braze.constant dense<1.0> : tensor<2x1x1x1xf32>
  %scale = braze.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %bias = braze.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = braze.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %var = braze.constant dense<[0.0, 8.0]> : tensor<2xf32>
  %y = braze.conv2d %x, %w : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %z = braze.batch_norm %y, %scale, %bias, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %z, %y : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Statistics known only at run time: nothing to fold.
// CHECK-LABEL: func.func @runtime_statistics
// CHECK:         braze.batch_norm %arg0, %arg1
func.func @runtime_statistics(%x: tensor<1x2x4x4xf32>, %v: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  %z = braze.batch_norm %x, %v, %v, %v, %v : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %z : tensor<1x2x4x4xf32>
}
