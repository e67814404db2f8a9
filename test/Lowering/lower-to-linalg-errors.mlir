// Tensors with a physical layout are refused by name, not lowered as if
// they were stored in logical order.
// RUN: braze-opt %s --braze-lower-to-linalg -verify-diagnostics

func.func @nhwc(%x: tensor<1x4x2x2xf32, #braze.layout<nhwc>>) -> tensor<1x4x2x2xf32, #braze.layout<nhwc>> {
  // expected-error @+1 {{'braze.relu' op has a tensor stored as #braze.layout<nhwc>, which --braze-lower-to-linalg does not lower yet}}
  %0 = braze.relu %x : tensor<1x4x2x2xf32, #braze.layout<nhwc>>
  return %0 : tensor<1x4x2x2xf32, #braze.layout<nhwc>>
}
