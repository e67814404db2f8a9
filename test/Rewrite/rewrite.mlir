// --braze-rewrite: cost-guided algebraic rewriting. A rule fires only where
// the ops it adds cost less (FLOPs + bytes) than the ops it removes, and an
// intermediate is removed only when nothing else uses it.
// RUN: braze-opt %s --braze-rewrite --split-input-file | FileCheck %s
// RUN: braze-opt %s --braze-rewrite --mlir-pass-statistics -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=STATS

// Read as one module, the file reports one count per rule, summed over its
// cases below (the reshape and transpose counts are ops fewer: a reshape
// chain and an identity reshape; a composed pair, a cancelled pair, an
// identity transpose and two read in place by a matmul).
// STATS:      BrazeRewrite
// STATS-NEXT:   (S) 2 composed-transposes
// STATS-NEXT:   (S) 1 exp-products
// STATS-NEXT:   (S) 1 factored-products
// STATS-NEXT:   (S) 1 factored-sums
// STATS-NEXT:   (S) 2 folded-biases
// STATS-NEXT:   (S) 4 folded-scales
// STATS-NEXT:   (S) 5 gelus
// STATS-NEXT:   (S) 7 identities
// STATS-NEXT:   (S) 3 layer-norms
// STATS-NEXT:   (S) 1 merged-reciprocals
// STATS-NEXT:   (S) 2 removed-reshapes
// STATS-NEXT:   (S) 5 removed-transposes
// STATS-NEXT:   (S) 1 scaled-columns
// STATS-NEXT:   (S) 2 sqrt-pairs
// STATS-NEXT:   (S) 2 transposed-operands

//===----------------------------------------------------------------------===//
// LayerNorm: the decomposition of ONNX exports becomes braze.layer_norm
//===----------------------------------------------------------------------===//

// As ppocr-rec has it: Pow by 2, rank-0 constants, gamma and beta over the
// last dim. The epsilon 1e-5 is the op's default, so it is not printed.
// CHECK-LABEL: func.func @layer_norm_with_affine
// CHECK-SAME:    (%[[X:.*]]: tensor<1x40x120xf32>, %[[G:.*]]: tensor<120xf32>, %[[B:.*]]: tensor<120xf32>)
// CHECK-NEXT:    %[[Y:.*]] = braze.layer_norm %[[X]], %[[G]], %[[B]] {axis = 2 : i64} : (tensor<1x40x120xf32>, tensor<120xf32>, tensor<120xf32>) -> tensor<1x40x120xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @layer_norm_with_affine(%x: tensor<1x40x120xf32>, %gamma: tensor<120xf32>, %beta: tensor<120xf32>) -> tensor<1x40x120xf32> {
  %mean = braze.reduce mean %x axes = [2] : tensor<1x40x120xf32> -> tensor<1x40x1xf32>
  %d = braze.sub %x, %mean : (tensor<1x40x120xf32>, tensor<1x40x1xf32>) -> tensor<1x40x120xf32>
  %two = braze.constant dense<2.0> : tensor<f32>
  %sq = braze.pow %d, %two : (tensor<1x40x120xf32>, tensor<f32>) -> tensor<1x40x120xf32>
  %var = braze.reduce mean %sq axes = [2] : tensor<1x40x120xf32> -> tensor<1x40x1xf32>
  %eps = braze.constant dense<9.99999974E-6> : tensor<f32>
  %ve = braze.add %var, %eps : (tensor<1x40x1xf32>, tensor<f32>) -> tensor<1x40x1xf32>
  %std = braze.sqrt %ve : tensor<1x40x1xf32>
  %n = braze.div %d, %std : (tensor<1x40x120xf32>, tensor<1x40x1xf32>) -> tensor<1x40x120xf32>
  %scaled = braze.mul %n, %gamma : (tensor<1x40x120xf32>, tensor<120xf32>) -> tensor<1x40x120xf32>
  %y = braze.add %beta, %scaled : (tensor<120xf32>, tensor<1x40x120xf32>) -> tensor<1x40x120xf32>
  return %y : tensor<1x40x120xf32>
}

// -----

// Without gamma and beta, over the two trailing dims, d^2 as d * d and the
// epsilon added from the left: a layer norm with scale 1 and no bias.
// CHECK-LABEL: func.func @layer_norm_over_two_dims
// CHECK:         %[[ONE:.*]] = braze.constant dense<1.000000e+00> : tensor<1xf32>
// CHECK-NEXT:    %[[Y:.*]] = braze.layer_norm %arg0, %[[ONE]] {axis = 1 : i64, epsilon = 1.000000e-03 : f32} : (tensor<2x4x6xf32>, tensor<1xf32>) -> tensor<2x4x6xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @layer_norm_over_two_dims(%x: tensor<2x4x6xf32>) -> tensor<2x4x6xf32> {
  %mean = braze.reduce mean %x axes = [1, 2] : tensor<2x4x6xf32> -> tensor<2x1x1xf32>
  %d = braze.sub %x, %mean : (tensor<2x4x6xf32>, tensor<2x1x1xf32>) -> tensor<2x4x6xf32>
  %sq = braze.mul %d, %d : (tensor<2x4x6xf32>, tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %var = braze.reduce mean %sq axes = [1, 2] : tensor<2x4x6xf32> -> tensor<2x1x1xf32>
  %eps = braze.constant dense<1.0e-3> : tensor<1xf32>
  %ve = braze.add %eps, %var : (tensor<1xf32>, tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %std = braze.sqrt %ve : tensor<2x1x1xf32>
  %n = braze.div %d, %std : (tensor<2x4x6xf32>, tensor<2x1x1xf32>) -> tensor<2x4x6xf32>
  return %n : tensor<2x4x6xf32>
}

// -----

// A multiply whose operand does not broadcast to the normalised dims (here
// one value per row, not per column) is no gamma: the normalisation is
// recognised and the multiply stays after it.
// CHECK-LABEL: func.func @layer_norm_then_row_scale
// CHECK:         %[[N:.*]] = braze.layer_norm %arg0
// CHECK-NEXT:    %[[Y:.*]] = braze.mul %[[N]], %arg1
// CHECK-NEXT:    return %[[Y]]
func.func @layer_norm_then_row_scale(%x: tensor<4x6xf32>, %rows: tensor<4x1xf32>) -> tensor<4x6xf32> {
  %mean = braze.reduce mean %x axes = [1] : tensor<4x6xf32> -> tensor<4x1xf32>
  %d = braze.sub %x, %mean : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x6xf32>
  %two = braze.constant dense<2.0> : tensor<f32>
  %sq = braze.pow %d, %two : (tensor<4x6xf32>, tensor<f32>) -> tensor<4x6xf32>
  %var = braze.reduce mean %sq axes = [1] : tensor<4x6xf32> -> tensor<4x1xf32>
  %eps = braze.constant dense<1.0e-5> : tensor<f32>
  %ve = braze.add %var, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %std = braze.sqrt %ve : tensor<4x1xf32>
  %n = braze.div %d, %std : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x6xf32>
  %y = braze.mul %n, %rows : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x6xf32>
  return %y : tensor<4x6xf32>
}

// -----

// Statistics over a dim that is not the last one are no layer norm.
// CHECK-LABEL: func.func @no_layer_norm_over_middle_dim
// CHECK-NOT:     braze.layer_norm
// CHECK:         braze.div
func.func @no_layer_norm_over_middle_dim(%x: tensor<2x4x6xf32>) -> tensor<2x4x6xf32> {
  %mean = braze.reduce mean %x axes = [1] : tensor<2x4x6xf32> -> tensor<2x1x6xf32>
  %d = braze.sub %x, %mean : (tensor<2x4x6xf32>, tensor<2x1x6xf32>) -> tensor<2x4x6xf32>
  %sq = braze.mul %d, %d : (tensor<2x4x6xf32>, tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %var = braze.reduce mean %sq axes = [1] : tensor<2x4x6xf32> -> tensor<2x1x6xf32>
  %eps = braze.constant dense<1.0e-5> : tensor<f32>
  %ve = braze.add %var, %eps : (tensor<2x1x6xf32>, tensor<f32>) -> tensor<2x1x6xf32>
  %std = braze.sqrt %ve : tensor<2x1x6xf32>
  %n = braze.div %d, %std : (tensor<2x4x6xf32>, tensor<2x1x6xf32>) -> tensor<2x4x6xf32>
  return %n : tensor<2x4x6xf32>
}

// -----

// The mean of d^3 is not a variance.
// CHECK-LABEL: func.func @no_layer_norm_with_cube
// CHECK-NOT:     braze.layer_norm
// CHECK:         braze.pow
func.func @no_layer_norm_with_cube(%x: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %mean = braze.reduce mean %x axes = [1] : tensor<4x6xf32> -> tensor<4x1xf32>
  %d = braze.sub %x, %mean : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x6xf32>
  %three = braze.constant dense<3.0> : tensor<f32>
  %cube = braze.pow %d, %three : (tensor<4x6xf32>, tensor<f32>) -> tensor<4x6xf32>
  %var = braze.reduce mean %cube axes = [1] : tensor<4x6xf32> -> tensor<4x1xf32>
  %eps = braze.constant dense<1.0e-5> : tensor<f32>
  %ve = braze.add %var, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %std = braze.sqrt %ve : tensor<4x1xf32>
  %n = braze.div %d, %std : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x6xf32>
  return %n : tensor<4x6xf32>
}

// -----

//===----------------------------------------------------------------------===//
// GELU: x * 0.5 * (1 + erf(x / sqrt(2))) and the tanh form become braze.gelu
//===----------------------------------------------------------------------===//

// (x * (erf(x / sqrt(2)) + 1)) * 0.5, the PyTorch export.
// CHECK-LABEL: func.func @gelu_erf
// CHECK-NEXT:    %[[Y:.*]] = braze.gelu %arg0 : tensor<2x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @gelu_erf(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %sqrt2 = braze.constant dense<1.41421354> : tensor<f32>
  %t = braze.div %x, %sqrt2 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %e = braze.erf %t : tensor<2x8xf32>
  %one = braze.constant dense<1.0> : tensor<f32>
  %a = braze.add %e, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %m = braze.mul %x, %a : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %half = braze.constant dense<0.5> : tensor<f32>
  %y = braze.mul %m, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// x * ((1 + erf(x * (1 / sqrt(2)))) * 0.5): other grouping, other orders.
// CHECK-LABEL: func.func @gelu_erf_half_first
// CHECK-NEXT:    %[[Y:.*]] = braze.gelu %arg0 : tensor<8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @gelu_erf_half_first(%x: tensor<8xf32>) -> tensor<8xf32> {
  %inv_sqrt2 = braze.constant dense<0.707106769> : tensor<1xf32>
  %t = braze.mul %inv_sqrt2, %x : (tensor<1xf32>, tensor<8xf32>) -> tensor<8xf32>
  %e = braze.erf %t : tensor<8xf32>
  %one = braze.constant dense<1.0> : tensor<1xf32>
  %a = braze.add %one, %e : (tensor<1xf32>, tensor<8xf32>) -> tensor<8xf32>
  %half = braze.constant dense<0.5> : tensor<1xf32>
  %h = braze.mul %a, %half : (tensor<8xf32>, tensor<1xf32>) -> tensor<8xf32>
  %y = braze.mul %x, %h : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// (1 + erf(x / sqrt(2))) * (0.5 * x).
// CHECK-LABEL: func.func @gelu_erf_half_x
// CHECK-NEXT:    %[[Y:.*]] = braze.gelu %arg0 : tensor<8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @gelu_erf_half_x(%x: tensor<8xf32>) -> tensor<8xf32> {
  %sqrt2 = braze.constant dense<1.41421354> : tensor<f32>
  %t = braze.div %x, %sqrt2 : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e = braze.erf %t : tensor<8xf32>
  %one = braze.constant dense<1.0> : tensor<f32>
  %a = braze.add %e, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %half = braze.constant dense<0.5> : tensor<f32>
  %h = braze.mul %half, %x : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %y = braze.mul %a, %h : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))): the approximation.
// CHECK-LABEL: func.func @gelu_tanh
// CHECK-NEXT:    %[[Y:.*]] = braze.gelu %arg0 {tanh_approximation = true} : tensor<8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @gelu_tanh(%x: tensor<8xf32>) -> tensor<8xf32> {
  %three = braze.constant dense<3.0> : tensor<f32>
  %cube = braze.pow %x, %three : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %k = braze.constant dense<0.044715> : tensor<f32>
  %term = braze.mul %cube, %k : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %sum = braze.add %x, %term : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %c = braze.constant dense<0.797884583> : tensor<f32>
  %s = braze.mul %c, %sum : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %t = braze.tanh %s : tensor<8xf32>
  %one = braze.constant dense<1.0> : tensor<f32>
  %a = braze.add %t, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %m = braze.mul %a, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %half = braze.constant dense<0.5> : tensor<f32>
  %y = braze.mul %half, %m : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// x * x * x as the cube, the square first.
// CHECK-LABEL: func.func @gelu_tanh_cube_by_multiplies
// CHECK-NEXT:    braze.gelu %arg0 {tanh_approximation = true}
func.func @gelu_tanh_cube_by_multiplies(%x: tensor<8xf32>) -> tensor<8xf32> {
  %sq = braze.mul %x, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %cube = braze.mul %sq, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %k = braze.constant dense<0.044715> : tensor<f32>
  %term = braze.mul %k, %cube : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %sum = braze.add %term, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %c = braze.constant dense<0.797884583> : tensor<f32>
  %s = braze.mul %sum, %c : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %t = braze.tanh %s : tensor<8xf32>
  %one = braze.constant dense<1.0> : tensor<f32>
  %a = braze.add %t, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %m = braze.mul %x, %a : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %half = braze.constant dense<0.5> : tensor<f32>
  %y = braze.mul %m, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// erf(x / 1.5) is not GELU's.
// CHECK-LABEL: func.func @no_gelu_wrong_constant
// CHECK-NOT:     braze.gelu
// CHECK:         braze.erf
func.func @no_gelu_wrong_constant(%x: tensor<8xf32>) -> tensor<8xf32> {
  %c = braze.constant dense<1.5> : tensor<f32>
  %t = braze.div %x, %c : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e = braze.erf %t : tensor<8xf32>
  %one = braze.constant dense<1.0> : tensor<f32>
  %a = braze.add %e, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %m = braze.mul %x, %a : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %half = braze.constant dense<0.5> : tensor<f32>
  %y = braze.mul %m, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// 1 + erf(...) is also returned: the product is not all of its uses.
// CHECK-LABEL: func.func @no_gelu_shared_term
// CHECK-NOT:     braze.gelu
// CHECK:         braze.erf
func.func @no_gelu_shared_term(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %sqrt2 = braze.constant dense<1.41421354> : tensor<f32>
  %t = braze.div %x, %sqrt2 : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e = braze.erf %t : tensor<8xf32>
  %one = braze.constant dense<1.0> : tensor<f32>
  %a = braze.add %e, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %m = braze.mul %x, %a : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %half = braze.constant dense<0.5> : tensor<f32>
  %y = braze.mul %m, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %y, %a : tensor<8xf32>, tensor<8xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Distributive: A*B + A*C -> A*(B+C); A + A*B -> A*(B+1)
//===----------------------------------------------------------------------===//

// Per-channel constants B and C: their sum is [4,1,1], and one full-size
// multiply is saved. The factor may be on either side of each product.
// CHECK-LABEL: func.func @factor_products
// CHECK-SAME:    (%[[A:.*]]: tensor<1x4x8x8xf32>, %[[B:.*]]: tensor<4x1x1xf32>, %[[C:.*]]: tensor<4x1x1xf32>)
// CHECK-NEXT:    %[[S:.*]] = braze.add %[[B]], %[[C]] : (tensor<4x1x1xf32>, tensor<4x1x1xf32>) -> tensor<4x1x1xf32>
// CHECK-NEXT:    %[[Y:.*]] = braze.mul %[[A]], %[[S]] : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @factor_products(%a: tensor<1x4x8x8xf32>, %b: tensor<4x1x1xf32>, %c: tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32> {
  %ab = braze.mul %a, %b : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %ca = braze.mul %c, %a : (tensor<4x1x1xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %y = braze.add %ab, %ca : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

// Both products are used elsewhere, so they stay: A*(B+C) would be two more
// full-size ops instead of one fewer.
// CHECK-LABEL: func.func @no_factoring_of_shared_products
// CHECK:         %[[AB:.*]] = braze.mul %arg0, %arg1
// CHECK-NEXT:    %[[AC:.*]] = braze.mul %arg0, %arg2
// CHECK-NEXT:    %[[Y:.*]] = braze.add %[[AB]], %[[AC]]
// CHECK-NEXT:    return %[[Y]], %[[AB]], %[[AC]]
func.func @no_factoring_of_shared_products(%a: tensor<16xf32>, %b: tensor<16xf32>, %c: tensor<16xf32>) -> (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) {
  %ab = braze.mul %a, %b : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %ac = braze.mul %a, %c : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %y = braze.add %ab, %ac : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  return %y, %ab, %ac : tensor<16xf32>, tensor<16xf32>, tensor<16xf32>
}

// -----

// A + A*B -> A*(B+1): the add moves to the per-channel B.
// CHECK-LABEL: func.func @factor_sum
// CHECK-SAME:    (%[[A:.*]]: tensor<1x4x8x8xf32>, %[[B:.*]]: tensor<4x1x1xf32>)
// CHECK-NEXT:    %[[ONE:.*]] = braze.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %[[S:.*]] = braze.add %[[B]], %[[ONE]] : (tensor<4x1x1xf32>, tensor<f32>) -> tensor<4x1x1xf32>
// CHECK-NEXT:    %[[Y:.*]] = braze.mul %[[A]], %[[S]]
// CHECK-NEXT:    return %[[Y]]
func.func @factor_sum(%a: tensor<1x4x8x8xf32>, %b: tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32> {
  %ab = braze.mul %b, %a : (tensor<4x1x1xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %y = braze.add %ab, %a : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

// The product is returned too and B is as large as A: A*(B+1) would be two
// full-size ops in place of one add.
// CHECK-LABEL: func.func @no_factor_sum_of_shared_product
// CHECK:         %[[AB:.*]] = braze.mul %arg0, %arg1
// CHECK-NEXT:    %[[Y:.*]] = braze.add %arg0, %[[AB]]
// CHECK-NEXT:    return %[[Y]], %[[AB]]
func.func @no_factor_sum_of_shared_product(%a: tensor<16xf32>, %b: tensor<16xf32>) -> (tensor<16xf32>, tensor<16xf32>) {
  %ab = braze.mul %a, %b : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %y = braze.add %a, %ab : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  return %y, %ab : tensor<16xf32>, tensor<16xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Associative: recip(X) * recip(Y) -> recip(X*Y); sqrt(B) twice -> B
//===----------------------------------------------------------------------===//

// Table 4's recip(A) * recip(A*B): recip(A * (A*B)), one op fewer.
// CHECK-LABEL: func.func @merge_reciprocals
// CHECK-SAME:    (%[[A:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK-NEXT:    %[[AB:.*]] = braze.mul %[[A]], %[[B]]
// CHECK-NEXT:    %[[AAB:.*]] = braze.mul %[[A]], %[[AB]]
// CHECK-NEXT:    %[[Y:.*]] = braze.reciprocal %[[AAB]]
// CHECK-NEXT:    return %[[Y]]
func.func @merge_reciprocals(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
  %ra = braze.reciprocal %a : tensor<8xf32>
  %ab = braze.mul %a, %b : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %rab = braze.reciprocal %ab : tensor<8xf32>
  %y = braze.mul %ra, %rab : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// Both reciprocals are used elsewhere: merging would add a multiply and a
// reciprocal to remove one multiply.
// CHECK-LABEL: func.func @no_merge_of_shared_reciprocals
// CHECK:         %[[RA:.*]] = braze.reciprocal %arg0
// CHECK-NEXT:    %[[RB:.*]] = braze.reciprocal %arg1
// CHECK-NEXT:    %[[Y:.*]] = braze.mul %[[RA]], %[[RB]]
// CHECK-NEXT:    return %[[Y]], %[[RA]], %[[RB]]
func.func @no_merge_of_shared_reciprocals(%a: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %ra = braze.reciprocal %a : tensor<8xf32>
  %rb = braze.reciprocal %b : tensor<8xf32>
  %y = braze.mul %ra, %rb : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y, %ra, %rb : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// sqrt(B) * sqrt(B) -> B (exact for B >= 0; a negative B gives B, not NaN).
// CHECK-LABEL: func.func @sqrt_squared
// CHECK-NEXT:    return %arg0
func.func @sqrt_squared(%b: tensor<8xf32>) -> tensor<8xf32> {
  %s = braze.sqrt %b : tensor<8xf32>
  %y = braze.mul %s, %s : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// (A * sqrt(B)) * (sqrt(B) * C) -> (A * B) * C, with two square root ops
// of the same B.
// CHECK-LABEL: func.func @sqrt_pair_in_products
// CHECK-SAME:    (%[[A:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>, %[[C:.*]]: tensor<8xf32>)
// CHECK-NEXT:    %[[AB:.*]] = braze.mul %[[A]], %[[B]]
// CHECK-NEXT:    %[[Y:.*]] = braze.mul %[[AB]], %[[C]]
// CHECK-NEXT:    return %[[Y]]
func.func @sqrt_pair_in_products(%a: tensor<8xf32>, %b: tensor<8xf32>, %c: tensor<8xf32>) -> tensor<8xf32> {
  %s1 = braze.sqrt %b : tensor<8xf32>
  %s2 = braze.sqrt %b : tensor<8xf32>
  %as = braze.mul %a, %s1 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %sc = braze.mul %s2, %c : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %y = braze.mul %as, %sc : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// sqrt(B) * sqrt(C) of different values: nothing to pair.
// CHECK-LABEL: func.func @no_sqrt_pair
// CHECK-COUNT-2: braze.sqrt
// CHECK:         braze.mul
func.func @no_sqrt_pair(%b: tensor<8xf32>, %c: tensor<8xf32>) -> tensor<8xf32> {
  %s1 = braze.sqrt %b : tensor<8xf32>
  %s2 = braze.sqrt %c : tensor<8xf32>
  %y = braze.mul %s1, %s2 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// Both partial products are returned too: (A * B) * C would be two
// multiplies in place of one.
// CHECK-LABEL: func.func @no_sqrt_pair_in_shared_products
// CHECK:         %[[S:.*]] = braze.sqrt %arg1
// CHECK-NEXT:    %[[AS:.*]] = braze.mul %arg0, %[[S]]
// CHECK-NEXT:    %[[SC:.*]] = braze.mul %[[S]], %arg2
// CHECK-NEXT:    %[[Y:.*]] = braze.mul %[[AS]], %[[SC]]
// CHECK-NEXT:    return %[[Y]], %[[AS]], %[[SC]]
func.func @no_sqrt_pair_in_shared_products(%a: tensor<8xf32>, %b: tensor<8xf32>, %c: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %s = braze.sqrt %b : tensor<8xf32>
  %as = braze.mul %a, %s : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %sc = braze.mul %s, %c : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %y = braze.mul %as, %sc : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y, %as, %sc : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Commutative: reduce prod(exp(A)) -> exp(reduce sum(A))
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @exp_product
// CHECK-NEXT:    %[[S:.*]] = braze.reduce sum %arg0 axes = [1] {keepdims = false} : tensor<4x16xf32> -> tensor<4xf32>
// CHECK-NEXT:    %[[Y:.*]] = braze.exp %[[S]] : tensor<4xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @exp_product(%a: tensor<4x16xf32>) -> tensor<4xf32> {
  %e = braze.exp %a : tensor<4x16xf32>
  %y = braze.reduce prod %e axes = [1] {keepdims = false} : tensor<4x16xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// exp(A) is returned as well: a reduce sum and an exp would add to it.
// CHECK-LABEL: func.func @no_exp_product_of_shared_exp
// CHECK:         %[[E:.*]] = braze.exp %arg0
// CHECK-NEXT:    braze.reduce prod %[[E]]
func.func @no_exp_product_of_shared_exp(%a: tensor<4x16xf32>) -> (tensor<4x1xf32>, tensor<4x16xf32>) {
  %e = braze.exp %a : tensor<4x16xf32>
  %y = braze.reduce prod %e axes = [1] : tensor<4x16xf32> -> tensor<4x1xf32>
  return %y, %e : tensor<4x1xf32>, tensor<4x16xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Constant scales and biases folded into convolution and matmul weights
//===----------------------------------------------------------------------===//

// conv * s with s per output channel: the filter rows [1, 2] and the bias
// [1, 1] scaled by s = [3, 0.5] -> [3, 1] and [3, 0.5].
// CHECK-LABEL: func.func @scale_into_conv
// CHECK-DAG:     %[[W:.*]] = braze.constant dense<{{\[\[\[\[}}3.000000e+00]]], {{\[\[\[}}1.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG:     %[[B:.*]] = braze.constant dense<[3.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK:         %[[Y:.*]] = braze.conv2d %arg0, %[[W]], %[[B]]
// CHECK-NOT:     braze.mul
// CHECK:         return %[[Y]]
func.func @scale_into_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = braze.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %b = braze.constant dense<1.0> : tensor<2xf32>
  %y = braze.conv2d %x, %w, %b : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %s = braze.constant dense<[[[3.0]], [[0.5]]]> : tensor<2x1x1xf32>
  %z = braze.mul %s, %y : (tensor<2x1x1xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %z : tensor<1x2x4x4xf32>
}

// -----

// A transposed convolution's filter is (C, M/group, kH, kW): output channel
// m is dim 1, scaled by s[m].
// CHECK-LABEL: func.func @scale_into_conv_transpose
// CHECK:         %[[W:.*]] = braze.constant dense<{{\[\[\[\[}}2.000000e+00]], {{\[\[}}3.000000e+00]]]]> : tensor<1x2x1x1xf32>
// CHECK-NEXT:    %[[Y:.*]] = braze.conv_transpose2d %arg0, %[[W]] {strides = array<i64: 2, 2>}
// CHECK-NEXT:    return %[[Y]]
func.func @scale_into_conv_transpose(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x3x3xf32> {
  %w = braze.constant dense<1.0> : tensor<1x2x1x1xf32>
  %y = braze.conv_transpose2d %x, %w {strides = array<i64: 2, 2>} : (tensor<1x1x2x2xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %s = braze.constant dense<[[[[2.0]], [[3.0]]]]> : tensor<1x2x1x1xf32>
  %z = braze.mul %y, %s : (tensor<1x2x3x3xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  return %z : tensor<1x2x3x3xf32>
}

// -----

// conv + b with a scalar b, after a convolution without bias: the bias is b.
// CHECK-LABEL: func.func @bias_into_conv
// CHECK:         %[[B:.*]] = braze.constant dense<-2.500000e-01> : tensor<2xf32>
// CHECK:         %[[Y:.*]] = braze.conv2d %arg0, %{{.*}}, %[[B]]
// CHECK-NOT:     braze.add
// CHECK:         return %[[Y]]
func.func @bias_into_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = braze.constant dense<1.0> : tensor<2x1x1x1xf32>
  %y = braze.conv2d %x, %w : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %b = braze.constant dense<-0.25> : tensor<1xf32>
  %z = braze.add %y, %b : (tensor<1x2x4x4xf32>, tensor<1xf32>) -> tensor<1x2x4x4xf32>
  return %z : tensor<1x2x4x4xf32>
}

// -----

// The learnable affine block of PP-OCRv4 (conv * a + b, scalars a and b):
// both fold, the scale first.
// CHECK-LABEL: func.func @scale_and_bias_into_conv
// CHECK-DAG:     %[[W:.*]] = braze.constant dense<2.000000e+00> : tensor<2x1x1x1xf32>
// CHECK-DAG:     %[[B:.*]] = braze.constant dense<3.000000e+00> : tensor<2xf32>
// CHECK:         %[[Y:.*]] = braze.conv2d %arg0, %[[W]], %[[B]]
// CHECK-NEXT:    return %[[Y]]
func.func @scale_and_bias_into_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = braze.constant dense<1.0> : tensor<2x1x1x1xf32>
  %b = braze.constant dense<1.0> : tensor<2xf32>
  %y = braze.conv2d %x, %w, %b : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %a = braze.constant dense<2.0> : tensor<1xf32>
  %scaled = braze.mul %a, %y : (tensor<1xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %shift = braze.constant dense<1.0> : tensor<1xf32>
  %z = braze.add %scaled, %shift : (tensor<1x2x4x4xf32>, tensor<1xf32>) -> tensor<1x2x4x4xf32>
  return %z : tensor<1x2x4x4xf32>
}

// -----

// matmul * s with s per column: column j of the (K, N) weights times s[j].
// CHECK-LABEL: func.func @scale_into_matmul
// CHECK:         %[[W:.*]] = braze.constant dense<{{\[\[}}2.000000e+00, 3.000000e+00], [2.000000e+00, 3.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT:    %[[Y:.*]] = braze.matmul %arg0, %[[W]]
// CHECK-NEXT:    return %[[Y]]
func.func @scale_into_matmul(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = braze.constant dense<1.0> : tensor<2x2xf32>
  %y = braze.matmul %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %s = braze.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %z = braze.mul %y, %s : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %z : tensor<3x2xf32>
}

// -----

// A scale known only at run time cannot go into the weights.
// CHECK-LABEL: func.func @no_fold_of_runtime_scale
// CHECK:         braze.conv2d
// CHECK-NEXT:    braze.mul
func.func @no_fold_of_runtime_scale(%x: tensor<1x1x4x4xf32>, %s: tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %w = braze.constant dense<1.0> : tensor<2x1x1x1xf32>
  %y = braze.conv2d %x, %w : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %z = braze.mul %y, %s : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %z : tensor<1x2x4x4xf32>
}

// -----

// A scale that varies along the rows is not per channel.
// CHECK-LABEL: func.func @no_fold_of_spatial_scale
// CHECK:         braze.conv2d
// CHECK-NEXT:    braze.mul
func.func @no_fold_of_spatial_scale(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = braze.constant dense<1.0> : tensor<2x1x1x1xf32>
  %y = braze.conv2d %x, %w : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %s = braze.constant dense<[[1.0], [2.0], [3.0], [4.0]]> : tensor<4x1xf32>
  %z = braze.mul %y, %s : (tensor<1x2x4x4xf32>, tensor<4x1xf32>) -> tensor<1x2x4x4xf32>
  return %z : tensor<1x2x4x4xf32>
}

// -----

// A joint q/k/v projection: q = columns 0-1 of x @ W + b, read through a
// reshape, a transpose and a slice, is scaled; k and v read the other
// columns. The scale goes into q's columns of W and b.
// CHECK-LABEL: func.func @scale_into_product_columns
// CHECK-DAG:     %[[W:.*]] = braze.constant dense<{{\[\[}}5.000000e-01, 5.000000e-01, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00], [5.000000e-01, 5.000000e-01, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00]]> : tensor<2x6xf32>
// CHECK-DAG:     %[[B:.*]] = braze.constant dense<[5.000000e-01, 5.000000e-01, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00]> : tensor<6xf32>
// CHECK:         %[[P:.*]] = braze.matmul %arg0, %[[W]]
// CHECK-NEXT:    %[[PB:.*]] = braze.add %[[P]], %[[B]]
// CHECK-NOT:     braze.mul
// CHECK:         return
func.func @scale_into_product_columns(%x: tensor<2x2xf32>)
    -> (tensor<1x2x2xf32>, tensor<1x2x2xf32>, tensor<1x2x2xf32>) {
  %w = braze.constant dense<1.0> : tensor<2x6xf32>
  %b = braze.constant dense<1.0> : tensor<6xf32>
  %p = braze.matmul %x, %w : (tensor<2x2xf32>, tensor<2x6xf32>) -> tensor<2x6xf32>
  %pb = braze.add %p, %b : (tensor<2x6xf32>, tensor<6xf32>) -> tensor<2x6xf32>
  %r = braze.reshape %pb : tensor<2x6xf32> -> tensor<2x3x2xf32>
  %t = braze.transpose %r perm = [1, 0, 2] : tensor<2x3x2xf32> -> tensor<3x2x2xf32>
  %q = braze.slice %t starts = [0, 0, 0] sizes = [1, 2, 2] steps = [1, 1, 1] : tensor<3x2x2xf32> -> tensor<1x2x2xf32>
  %k = braze.slice %t starts = [1, 0, 0] sizes = [1, 2, 2] steps = [1, 1, 1] : tensor<3x2x2xf32> -> tensor<1x2x2xf32>
  %v = braze.slice %t starts = [2, 0, 0] sizes = [1, 2, 2] steps = [1, 1, 1] : tensor<3x2x2xf32> -> tensor<1x2x2xf32>
  %s = braze.constant dense<0.5> : tensor<1xf32>
  %qs = braze.mul %q, %s : (tensor<1x2x2xf32>, tensor<1xf32>) -> tensor<1x2x2xf32>
  return %qs, %k, %v : tensor<1x2x2xf32>, tensor<1x2x2xf32>, tensor<1x2x2xf32>
}

// -----

// Not folded: another reader shares q's columns (%r is returned); a slice
// of some rows only (the other rows of those columns would be scaled too);
// a scale that is not one scalar.
// CHECK-LABEL: func.func @no_scale_into_product_columns
// CHECK-COUNT-3: braze.mul
// CHECK-NOT:     _scaled_columns
func.func @no_scale_into_product_columns(%x: tensor<2x2xf32>, %y: tensor<2x2xf32>, %z: tensor<2x2xf32>)
    -> (tensor<1x2x2xf32>, tensor<2x3x2xf32>, tensor<1x6xf32>, tensor<1x2x2xf32>) {
  %w = braze.constant dense<1.0> : tensor<2x6xf32>
  %s = braze.constant dense<0.5> : tensor<1xf32>
  %p = braze.matmul %x, %w : (tensor<2x2xf32>, tensor<2x6xf32>) -> tensor<2x6xf32>
  %r = braze.reshape %p : tensor<2x6xf32> -> tensor<2x3x2xf32>
  %t = braze.transpose %r perm = [1, 0, 2] : tensor<2x3x2xf32> -> tensor<3x2x2xf32>
  %q = braze.slice %t starts = [0, 0, 0] sizes = [1, 2, 2] steps = [1, 1, 1] : tensor<3x2x2xf32> -> tensor<1x2x2xf32>
  %qs = braze.mul %q, %s : (tensor<1x2x2xf32>, tensor<1xf32>) -> tensor<1x2x2xf32>
  %p2 = braze.matmul %y, %w : (tensor<2x2xf32>, tensor<2x6xf32>) -> tensor<2x6xf32>
  %row = braze.slice %p2 starts = [0, 0] sizes = [1, 6] steps = [1, 1] : tensor<2x6xf32> -> tensor<1x6xf32>
  %rows = braze.mul %row, %s : (tensor<1x6xf32>, tensor<1xf32>) -> tensor<1x6xf32>
  %p3 = braze.matmul %z, %w : (tensor<2x2xf32>, tensor<2x6xf32>) -> tensor<2x6xf32>
  %r3 = braze.reshape %p3 : tensor<2x6xf32> -> tensor<2x3x2xf32>
  %t3 = braze.transpose %r3 perm = [1, 0, 2] : tensor<2x3x2xf32> -> tensor<3x2x2xf32>
  %q3 = braze.slice %t3 starts = [0, 0, 0] sizes = [1, 2, 2] steps = [1, 1, 1] : tensor<3x2x2xf32> -> tensor<1x2x2xf32>
  %two = braze.constant dense<[0.5, 2.0]> : tensor<2xf32>
  %q3s = braze.mul %q3, %two : (tensor<1x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2xf32>
  return %qs, %r, %rows, %q3s : tensor<1x2x2xf32>, tensor<2x3x2xf32>, tensor<1x6xf32>, tensor<1x2x2xf32>
}

// -----

// The convolution's result is also returned: folding would compute it twice.
// CHECK-LABEL: func.func @no_fold_into_shared_conv
// CHECK:         %[[Y:.*]] = braze.conv2d
// CHECK-NEXT:    %[[Z:.*]] = braze.mul %[[Y]]
// CHECK-NEXT:    return %[[Z]], %[[Y]]
func.func @no_fold_into_shared_conv(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = braze.constant dense<1.0> : tensor<2x1x1x1xf32>
  %y = braze.conv2d %x, %w : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %s = braze.constant dense<2.0> : tensor<1xf32>
  %z = braze.mul %y, %s : (tensor<1x2x4x4xf32>, tensor<1xf32>) -> tensor<1x2x4x4xf32>
  return %z, %y : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Layout ops: transposes composed; reshape chains and identity reshapes or
// transposes folded (ReshapeOp's and TransposeOp's folders)
//===----------------------------------------------------------------------===//

// Output dim i of the pair is x's dim inner[outer[i]].
// CHECK-LABEL: func.func @compose_transposes
// CHECK-NEXT:    %[[Y:.*]] = braze.transpose %arg0 perm = [1, 2, 0] : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @compose_transposes(%x: tensor<2x3x4xf32>) -> tensor<3x4x2xf32> {
  %t = braze.transpose %x perm = [1, 0, 2] : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  %y = braze.transpose %t perm = [0, 2, 1] : tensor<3x2x4xf32> -> tensor<3x4x2xf32>
  return %y : tensor<3x4x2xf32>
}

// -----

// A transpose and its inverse cancel, even where the first is used again.
// CHECK-LABEL: func.func @cancel_transposes
// CHECK-NEXT:    %[[T:.*]] = braze.transpose %arg0 perm = [0, 2, 3, 1]
// CHECK-NEXT:    return %arg0, %[[T]]
func.func @cancel_transposes(%x: tensor<1x8x4x4xf32>) -> (tensor<1x8x4x4xf32>, tensor<1x4x4x8xf32>) {
  %t = braze.transpose %x perm = [0, 2, 3, 1] : tensor<1x8x4x4xf32> -> tensor<1x4x4x8xf32>
  %y = braze.transpose %t perm = [0, 3, 1, 2] : tensor<1x4x4x8xf32> -> tensor<1x8x4x4xf32>
  return %y, %t : tensor<1x8x4x4xf32>, tensor<1x4x4x8xf32>
}

// -----

// The first transpose is used again and the pair does not cancel: one
// transpose would replace another at the same cost.
// CHECK-LABEL: func.func @no_composition_of_shared_transpose
// CHECK-NEXT:    %[[T:.*]] = braze.transpose %arg0 perm = [1, 0, 2]
// CHECK-NEXT:    %[[Y:.*]] = braze.transpose %[[T]] perm = [0, 2, 1]
// CHECK-NEXT:    return %[[Y]], %[[T]]
func.func @no_composition_of_shared_transpose(%x: tensor<2x3x4xf32>) -> (tensor<3x4x2xf32>, tensor<3x2x4xf32>) {
  %t = braze.transpose %x perm = [1, 0, 2] : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  %y = braze.transpose %t perm = [0, 2, 1] : tensor<3x2x4xf32> -> tensor<3x4x2xf32>
  return %y, %t : tensor<3x4x2xf32>, tensor<3x2x4xf32>
}

// -----

// Attention's Q K^T: the swap of K's last two dims is read in place.
// CHECK-LABEL: func.func @transpose_into_matmul
// CHECK-NEXT:    %[[S:.*]] = braze.matmul %arg0, %arg1 rhs_transposed : (tensor<1x8x40x15xf32>, tensor<1x8x40x15xf32>) -> tensor<1x8x40x40xf32>
// CHECK-NEXT:    return %[[S]]
func.func @transpose_into_matmul(%q: tensor<1x8x40x15xf32>, %k: tensor<1x8x40x15xf32>) -> tensor<1x8x40x40xf32> {
  %kt = braze.transpose %k perm = [0, 1, 3, 2] : tensor<1x8x40x15xf32> -> tensor<1x8x15x40xf32>
  %s = braze.matmul %q, %kt : (tensor<1x8x40x15xf32>, tensor<1x8x15x40xf32>) -> tensor<1x8x40x40xf32>
  return %s : tensor<1x8x40x40xf32>
}

// -----

// A transposed rhs transposed again is the plain product.
// CHECK-LABEL: func.func @transpose_into_transposed_matmul
// CHECK-NEXT:    %[[P:.*]] = braze.matmul %arg0, %arg1 : (tensor<4x5xf32>, tensor<5x6xf32>) -> tensor<4x6xf32>
// CHECK-NEXT:    return %[[P]]
func.func @transpose_into_transposed_matmul(%a: tensor<4x5xf32>, %b: tensor<5x6xf32>) -> tensor<4x6xf32> {
  %t = braze.transpose %b perm = [1, 0] : tensor<5x6xf32> -> tensor<6x5xf32>
  %p = braze.matmul %a, %t rhs_transposed : (tensor<4x5xf32>, tensor<6x5xf32>) -> tensor<4x6xf32>
  return %p : tensor<4x6xf32>
}

// -----

// Not folded: a transpose that moves a batch dim; a transpose used again
// (the matmul would cost the same, the transpose stays); a transposed
// constant (folded at compile time, and the plain form keeps linalg.matmul).
// CHECK-LABEL: func.func @no_transpose_into_matmul
// CHECK-NOT:     rhs_transposed
// CHECK:         return
func.func @no_transpose_into_matmul(%q: tensor<2x3x4x5xf32>, %k: tensor<3x2x5x4xf32>,
                                    %a: tensor<4x5xf32>, %b: tensor<6x5xf32>)
    -> (tensor<2x3x4x4xf32>, tensor<4x6xf32>, tensor<5x6xf32>, tensor<4x6xf32>) {
  %kt = braze.transpose %k perm = [1, 0, 2, 3] : tensor<3x2x5x4xf32> -> tensor<2x3x5x4xf32>
  %s = braze.matmul %q, %kt : (tensor<2x3x4x5xf32>, tensor<2x3x5x4xf32>) -> tensor<2x3x4x4xf32>
  %bt = braze.transpose %b perm = [1, 0] : tensor<6x5xf32> -> tensor<5x6xf32>
  %p = braze.matmul %a, %bt : (tensor<4x5xf32>, tensor<5x6xf32>) -> tensor<4x6xf32>
  %w = braze.constant dense<1.0> : tensor<6x5xf32>
  %wt = braze.transpose %w perm = [1, 0] : tensor<6x5xf32> -> tensor<5x6xf32>
  %c = braze.matmul %a, %wt : (tensor<4x5xf32>, tensor<5x6xf32>) -> tensor<4x6xf32>
  return %s, %p, %bt, %c : tensor<2x3x4x4xf32>, tensor<4x6xf32>, tensor<5x6xf32>, tensor<4x6xf32>
}

// -----

// CHECK-LABEL: func.func @layout_identities_folded
// CHECK-NEXT:    %[[R:.*]] = braze.reshape %arg0 : tensor<2x12xf32> -> tensor<4x6xf32>
// CHECK-NEXT:    return %[[R]], %arg0
func.func @layout_identities_folded(%x: tensor<2x12xf32>) -> (tensor<4x6xf32>, tensor<2x12xf32>) {
  %r1 = braze.reshape %x : tensor<2x12xf32> -> tensor<24xf32>
  %r2 = braze.reshape %r1 : tensor<24xf32> -> tensor<4x6xf32>
  %same = braze.reshape %x : tensor<2x12xf32> -> tensor<2x12xf32>
  %t = braze.transpose %same perm = [0, 1] : tensor<2x12xf32> -> tensor<2x12xf32>
  return %r2, %t : tensor<4x6xf32>, tensor<2x12xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Identities: x + 0, x - 0, x * 1, x / 1, x ^ 1, same-type casts
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @identities
// CHECK-NOT:     braze.add
// CHECK-NOT:     braze.sub
// CHECK-NOT:     braze.mul
// CHECK-NOT:     braze.div
// CHECK-NOT:     braze.pow
// CHECK-NOT:     braze.cast
// CHECK:         return %arg0, %arg1
func.func @identities(%x: tensor<8xf32>, %i: tensor<8xi32>) -> (tensor<8xf32>, tensor<8xi32>) {
  %zero = braze.constant dense<0.0> : tensor<1xf32>
  %one = braze.constant dense<1.0> : tensor<f32>
  %ones = braze.constant dense<[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]> : tensor<8xf32>
  %a = braze.add %zero, %x : (tensor<1xf32>, tensor<8xf32>) -> tensor<8xf32>
  %b = braze.sub %a, %zero : (tensor<8xf32>, tensor<1xf32>) -> tensor<8xf32>
  %c = braze.mul %b, %ones : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %d = braze.div %c, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e = braze.pow %d, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %f = braze.cast %e : tensor<8xf32> -> tensor<8xf32>
  %izero = braze.constant dense<0> : tensor<i32>
  %j = braze.add %i, %izero : (tensor<8xi32>, tensor<i32>) -> tensor<8xi32>
  return %f, %j : tensor<8xf32>, tensor<8xi32>
}

// -----

// 0 - x is not x; x + 0 with a wider 0 broadcasts x; 1.0001 is not 1; a
// cast to another type converts.
// CHECK-LABEL: func.func @no_identities
// CHECK:         braze.sub
// CHECK:         braze.add
// CHECK:         braze.mul
// CHECK:         braze.cast
func.func @no_identities(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<2x8xf32>, tensor<8xf32>, tensor<8xf16>) {
  %zero = braze.constant dense<0.0> : tensor<f32>
  %wide_zero = braze.constant dense<0.0> : tensor<2x8xf32>
  %almost_one = braze.constant dense<1.0001> : tensor<f32>
  %a = braze.sub %zero, %x : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %b = braze.add %x, %wide_zero : (tensor<8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %c = braze.mul %x, %almost_one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %d = braze.cast %x : tensor<8xf32> -> tensor<8xf16>
  return %a, %b, %c, %d : tensor<8xf32>, tensor<2x8xf32>, tensor<8xf32>, tensor<8xf16>
}
