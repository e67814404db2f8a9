// --braze-outline-fused-groups: each fused group becomes a function of its
// own, its inputs the arguments (constants copied in), its boundary in the
// layout the group computes in; the original functions go.
// RUN: braze-opt %s --braze-outline-fused-groups | FileCheck %s

// CHECK-NOT:   func.func @main(
// CHECK-LABEL: func.func @main_group0(%arg0: tensor<1x4x8x8xf32, #braze.layout<nhwc>>)
// CHECK-SAME:      -> tensor<1x4x8x8xf32, #braze.layout<nhwc>> attributes {braze.storage_order_boundary}
// CHECK:         %[[W:.*]] = braze.constant dense<1.000000e+00> : tensor<4x4x1x1xf32>
// CHECK:         %[[G:.*]] = braze.fused <many_to_many>
// CHECK:           %[[R:.*]] = braze.relu %arg0
// CHECK:           braze.conv2d %[[R]], %[[W]]
// CHECK:         return %[[G]]
// CHECK-LABEL: func.func @main_group1(%arg0: tensor<1x4x8x8xf32, #braze.layout<nhwc>>, %arg1: tensor<1x4x8x8xf32, #braze.layout<nhwc>>)
// CHECK:         braze.fused <one_to_one> backend_formed
// CHECK-NEXT:      braze.add %arg0, %arg1
func.func @main(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %w = braze.constant dense<1.0> : tensor<4x4x1x1xf32>
  %xs = braze.relayout %x : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32, #braze.layout<nhwc>>
  %y = braze.fused <many_to_many> -> tensor<1x4x8x8xf32, #braze.layout<nhwc>> {
    %r = braze.relu %xs : tensor<1x4x8x8xf32, #braze.layout<nhwc>>
    %c = braze.conv2d %r, %w : (tensor<1x4x8x8xf32, #braze.layout<nhwc>>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32, #braze.layout<nhwc>>
    braze.yield %c : tensor<1x4x8x8xf32, #braze.layout<nhwc>>
  }
  %s = braze.fused <one_to_one> backend_formed -> tensor<1x4x8x8xf32, #braze.layout<nhwc>> {
    %a = braze.add %xs, %y : (tensor<1x4x8x8xf32, #braze.layout<nhwc>>, tensor<1x4x8x8xf32, #braze.layout<nhwc>>) -> tensor<1x4x8x8xf32, #braze.layout<nhwc>>
    %n = braze.neg %a : tensor<1x4x8x8xf32, #braze.layout<nhwc>>
    braze.yield %n : tensor<1x4x8x8xf32, #braze.layout<nhwc>>
  }
  %z = braze.relayout %s : tensor<1x4x8x8xf32, #braze.layout<nhwc>> -> tensor<1x4x8x8xf32>
  return %z : tensor<1x4x8x8xf32>
}
