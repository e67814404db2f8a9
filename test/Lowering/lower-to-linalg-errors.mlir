// What --braze-lower-to-linalg refuses, by name, rather than guess.
// RUN: braze-opt %s --braze-lower-to-linalg -split-input-file -verify-diagnostics

// expected-error @+1 {{'func.func' op takes or returns 'tensor<1x4x2x2xf32, #braze.layout<nhwc>>'; function boundaries carry tensors in logical order}}
func.func @boundary(%x: tensor<1x4x2x2xf32, #braze.layout<nhwc>>) -> tensor<1x4x2x2xf32, #braze.layout<nhwc>> {
  %0 = braze.relu %x : tensor<1x4x2x2xf32, #braze.layout<nhwc>>
  return %0 : tensor<1x4x2x2xf32, #braze.layout<nhwc>>
}

// -----

func.func @blocked_into_unblocked(%x: tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32> {
  %0 = braze.relayout %x : tensor<1x4x2x2xf32> -> tensor<1x4x2x2xf32, #braze.layout<nc4hw4>>
  // expected-error @+1 {{'braze.add' op reads a tensor stored as #braze.layout<nc4hw4> into an unblocked result; relayout the operand first}}
  %1 = braze.add %0, %x : (tensor<1x4x2x2xf32, #braze.layout<nc4hw4>>, tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  return %1 : tensor<1x4x2x2xf32>
}

// -----

func.func @mixed_conv(%x: tensor<1x4x2x2xf32>, %w: tensor<4x4x1x1xf32>) -> tensor<1x4x2x2xf32> {
  %0 = braze.relayout %x : tensor<1x4x2x2xf32> -> tensor<1x4x2x2xf32, #braze.layout<nhwc>>
  // expected-error @+2 {{'braze.conv2d' op lowers only with the same layout for input and output}}
  // expected-error @+1 {{failed to legalize operation 'braze.conv2d'}}
  %1 = braze.conv2d %0, %w : (tensor<1x4x2x2xf32, #braze.layout<nhwc>>, tensor<4x4x1x1xf32>) -> tensor<1x4x2x2xf32>
  return %1 : tensor<1x4x2x2xf32>
}
