// --braze-lower-to-linalg on fused groups: a group becomes IREE's
// flow.dispatch.region (built unregistered, in the generic form IREE
// parses), which IREE keeps as one dispatch; work on constants only (weight
// relayouts) moves out of it, where IREE folds it at compile time. A group
// IREE forms by itself (backend_formed) is lowered in line.
// RUN: braze-opt %s --allow-unregistered-dialect --split-input-file --braze-lower-to-linalg \
// RUN:   | FileCheck %s
// RUN: not braze-opt %s --split-input-file --braze-lower-to-linalg 2>&1 \
// RUN:   | FileCheck %s --check-prefix=REGISTRATION

// CHECK-LABEL: func.func @region
// CHECK:         %[[W:.*]] = arith.constant dense<1.000000e+00> : tensor<8x8xf32>
// CHECK:         %[[R:.*]]:2 = "flow.dispatch.region"() ({
// CHECK:           %[[M:.*]] = linalg.matmul ins(%arg0, %[[W]]
// CHECK:           %[[N:.*]] = linalg.generic {{.*}} ins(%[[M]]
// CHECK:           %[[T:.*]] = linalg.transpose ins(%[[N]]
// CHECK:           "flow.return"(%[[N]], %[[T]]) : (tensor<4x8xf32>, tensor<8x4xf32>) -> ()
// CHECK-NEXT:    }, {
// CHECK-NEXT:    }) {operandSegmentSizes = array<i32: 0, 0>} : () -> (tensor<4x8xf32>, tensor<8x4xf32>)
// CHECK:         return %[[R]]#0, %[[R]]#1
// REGISTRATION: error: 'braze.fused' op lowers to IREE's flow.dispatch.region, which braze builds unregistered: allow unregistered dialects (braze-opt --allow-unregistered-dialect; braze's compiler does)
func.func @region(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<8x4xf32>) {
  %w = braze.constant dense<1.0> : tensor<8x8xf32>
  %r:2 = braze.fused <many_to_many> -> tensor<4x8xf32>, tensor<8x4xf32> {
    %m = braze.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    %n = braze.neg %m : tensor<4x8xf32>
    %t = braze.transpose %n perm = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
    braze.yield %n, %t : tensor<4x8xf32>, tensor<8x4xf32>
  }
  return %r#0, %r#1 : tensor<4x8xf32>, tensor<8x4xf32>
}

// -----

// Channels-last storage inside the region: the region computes in storage
// types, and the results go back to logical order outside it. The filter's
// relayout to a (C, F) matrix moved out of the region and was done at
// compile time.
// CHECK-LABEL: func.func @storage_types
// CHECK:         %[[IN:.*]] = linalg.transpose ins(%arg0 : tensor<1x4x8x8xf32>)
// CHECK:         %[[W:.*]] = arith.constant dense<1.000000e+00> : tensor<4x4xf32>
// CHECK:         %[[R:.*]] = "flow.dispatch.region"() ({
// CHECK-NOT:       linalg.transpose
// CHECK:           linalg.generic {{.*}}"reduction"]} ins(%{{.*}}, %[[W]] :
// CHECK:           "flow.return"(%{{.*}}) : (tensor<1x8x8x4xf32>) -> ()
// CHECK:         }) {operandSegmentSizes = array<i32: 0, 0>} : () -> tensor<1x8x8x4xf32>
// CHECK:         linalg.transpose ins(%[[R]] : tensor<1x8x8x4xf32>)
func.func @storage_types(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %w = braze.constant dense<1.0> : tensor<4x4x1x1xf32>
  %xs = braze.relayout %x : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32, #braze.layout<nhwc>>
  %y = braze.fused <many_to_many> -> tensor<1x4x8x8xf32, #braze.layout<nhwc>> {
    %r = braze.relu %xs : tensor<1x4x8x8xf32, #braze.layout<nhwc>>
    %c = braze.conv2d %r, %w : (tensor<1x4x8x8xf32, #braze.layout<nhwc>>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32, #braze.layout<nhwc>>
    braze.yield %c : tensor<1x4x8x8xf32, #braze.layout<nhwc>>
  }
  %z = braze.relayout %y : tensor<1x4x8x8xf32, #braze.layout<nhwc>> -> tensor<1x4x8x8xf32>
  return %z : tensor<1x4x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @backend_formed
// CHECK-NOT:     flow.dispatch.region
// CHECK:         linalg.matmul
// CHECK:         linalg.generic
// CHECK-NOT:     flow.dispatch.region
func.func @backend_formed(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %r = braze.fused <many_to_many> backend_formed -> tensor<4x8xf32> {
    %m = braze.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    %n = braze.relu %m : tensor<4x8xf32>
    braze.yield %n : tensor<4x8xf32>
  }
  return %r : tensor<4x8xf32>
}
