// --braze-fuse: how groups are planned around the table's cells -- seeds,
// growth order, convexity, what one kernel can compute, the cost model, and
// which groups IREE forms by itself.
// RUN: braze-opt %s --split-input-file --braze-fuse | FileCheck %s
// RUN: braze-opt %s --split-input-file --braze-fuse=remarks=true 2>&1 >/dev/null \
// RUN:   | FileCheck %s --check-prefix=EDGE
// RUN: braze-opt %s --split-input-file --braze-fuse=codegen=gpu | FileCheck %s --check-prefix=GPU

// Seeds go smallest result first: the 2x2 chain is planned before the 16x16
// one although it comes later. An elementwise-only group is one IREE forms
// by itself (backend_formed).
// EDGE:      remark: loc("small"): fusion edge braze.neg -> braze.relu
// EDGE-NEXT: note
// EDGE-NEXT: remark: fusion edge braze.neg -> braze.relu
// CHECK-LABEL: func.func @seed_smallest_first
// CHECK-COUNT-2: braze.fused <one_to_one> backend_formed
func.func @seed_smallest_first(%big: tensor<16x16xf32>, %small: tensor<2x2xf32>)
    -> (tensor<16x16xf32>, tensor<2x2xf32>) {
  %a = braze.neg %big : tensor<16x16xf32>
  %b = braze.relu %a : tensor<16x16xf32>
  %c = braze.neg %small : tensor<2x2xf32>
  %d = braze.relu %c : tensor<2x2xf32> loc("small")
  return %b, %d : tensor<16x16xf32>, tensor<2x2xf32>
}

// -----

// A group grows into its successors first, then its predecessors. The
// contraction followed by elementwise work is again IREE's own kind of
// dispatch; the transpose makes this one braze's -- for IREE's llvm-cpu
// pipeline. Its SPIR-V pipeline cannot distribute the region, so for GPUs
// the same group is left to IREE.
// EDGE:      fusion edge braze.neg -> braze.transpose: cell one_to_one -> shuffle
// EDGE:      fusion edge braze.matmul -> braze.neg: cell many_to_many -> shuffle is profile; fused
// CHECK-LABEL: func.func @successors_then_predecessors
// CHECK:       braze.fused <many_to_many> -> tensor<8x4xf32> attributes {braze.fusion_group = 0 : i64} {
// CHECK-NEXT:    braze.matmul
// CHECK-NEXT:    braze.neg
// CHECK-NEXT:    braze.transpose
// CHECK-NEXT:    braze.yield
// GPU-LABEL: func.func @successors_then_predecessors
// GPU:       braze.fused <many_to_many> backend_formed -> tensor<8x4xf32>
func.func @successors_then_predecessors(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<8x4xf32> {
  %m = braze.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %n = braze.neg %m : tensor<4x8xf32>
  %t = braze.transpose %n perm = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  return %t : tensor<8x4xf32>
}

// -----

// Convexity: %b reads %a directly and through two matmuls that cannot both
// join (Many-to-Many -> Many-to-Many is never), so a group holding %a and %b
// would leave itself and come back. Nor can %a join the first matmul: %b
// needs %a whole, and a kernel computes it only per tile of the matmul.
// EDGE: fusion edge braze.neg -> braze.add: cell one_to_one -> one_to_one is fuse; not fused (a path would leave the group and re-enter it)
// EDGE: fusion edge braze.neg -> braze.matmul: cell one_to_one -> many_to_many is profile; not fused (a value computed per tile of a contraction in the group is also needed outside it)
// EDGE: fusion edge braze.matmul -> braze.add: cell many_to_many -> one_to_one is fuse; fused
// EDGE: fusion edge braze.matmul -> braze.matmul: cell many_to_many -> many_to_many is never; not fused (fusion table: never)
// CHECK-LABEL: func.func @convexity
// CHECK:       %[[A:.*]] = braze.neg
// CHECK:       %[[M:.*]] = braze.matmul %[[A]]
// CHECK:       braze.fused <many_to_many> backend_formed
// CHECK-NEXT:    %[[M2:.*]] = braze.matmul %[[M]]
// CHECK-NEXT:    braze.add %[[A]], %[[M2]]
func.func @convexity(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %a = braze.neg %x : tensor<4x8xf32>
  %m = braze.matmul %a, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %m2 = braze.matmul %m, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %b = braze.add %a, %m2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %b : tensor<4x8xf32>
}

// -----

// A reduction's result spread back over the reduced axis (LayerNorm's
// x - mean) needs the whole reduction first: a second pass, so the
// reduction stays out. The broadcast edge counts as One-to-Many.
// EDGE: fusion edge braze.reduce -> braze.sub: cell many_to_many -> one_to_many is profile; not fused (the result of a contraction in the group would be spread one-to-many
// CHECK-LABEL: func.func @reduction_then_broadcast
// CHECK:       braze.reduce
// CHECK:       braze.fused <one_to_one> backend_formed
// CHECK-NEXT:    braze.sub
// CHECK-NEXT:    braze.mul
func.func @reduction_then_broadcast(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %mean = braze.reduce mean %x axes = [1] : tensor<4x8xf32> -> tensor<4x1xf32>
  %d = braze.sub %x, %mean : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %sq = braze.mul %d, %d : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %sq : tensor<4x8xf32>
}

// -----

// A value leaving the group next to a contraction it feeds exists only per
// tile: the elementwise producer stays out of the pooling's group.
// EDGE: fusion edge braze.neg -> braze.reduce: cell one_to_one -> many_to_many is profile; not fused (a value computed per tile
// CHECK-LABEL: func.func @producer_needed_outside
// CHECK-NOT:   braze.fused
func.func @producer_needed_outside(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x1xf32>) {
  %a = braze.neg %x : tensor<4x8xf32>
  %r = braze.reduce sum %a axes = [1] : tensor<4x8xf32> -> tensor<4x1xf32>
  return %a, %r : tensor<4x8xf32>, tensor<4x1xf32>
}

// -----

// The results of a group must have one shape: one kernel writes them all
// from one iteration space.
// EDGE: fusion edge braze.neg -> braze.transpose: cell one_to_one -> shuffle is fuse; not fused (the group's results would differ in shape
// CHECK-LABEL: func.func @results_of_one_shape
// CHECK-NOT:   braze.fused
func.func @results_of_one_shape(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<8x4xf32>) {
  %a = braze.neg %x : tensor<4x8xf32>
  %t = braze.transpose %a perm = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  return %a, %t : tensor<4x8xf32>, tensor<8x4xf32>
}

// -----

// A value used inside and after the group is one of its results.
// CHECK-LABEL: func.func @multiple_results
// CHECK:       %[[G:.*]]:2 = braze.fused <one_to_one> backend_formed -> tensor<4x8xf32>, tensor<4x8xf32>
// CHECK:       return %[[G]]#0, %[[G]]#1
func.func @multiple_results(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %a = braze.neg %x : tensor<4x8xf32>
  %b = braze.relu %a : tensor<4x8xf32>
  return %a, %b : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Concat lowers to slice insertions that IREE fuses into its producers in
// dispatches it forms itself, so it stays out of groups.
// EDGE: fusion edge braze.neg -> braze.concat: cell one_to_one -> one_to_one is fuse; not fused (concat stays out of groups
// CHECK-LABEL: func.func @concat_stays_out
// CHECK-NOT:   braze.fused
func.func @concat_stays_out(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<8x8xf32> {
  %a = braze.neg %x : tensor<4x8xf32>
  %c = braze.concat %a, %y axis = 0 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<8x8xf32>
  return %c : tensor<8x8xf32>
}

// -----

// Cost model, profile cells. A padded convolution reads a padded copy of
// its input anyway; an elementwise chain after a contraction joins that
// contraction (no recomputation) rather than the next one; an expensive
// producer spread 128 times costs more than the memory it saves.
// EDGE: fusion edge braze.relu -> braze.conv2d: cell one_to_one -> many_to_many is profile; not fused (cost model: the padded window
// CHECK-LABEL: func.func @cost_padded_window
// CHECK:       braze.relu
// CHECK-NEXT:  braze.conv2d
func.func @cost_padded_window(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32> {
  %r = braze.relu %x : tensor<1x4x8x8xf32>
  %c = braze.conv2d %r, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %c : tensor<1x4x8x8xf32>
}

// -----

// EDGE: fusion edge braze.relu -> braze.matmul: cell one_to_one -> many_to_many is profile; not fused (cost model: the elementwise chain fuses into the contraction producing it
// CHECK-LABEL: func.func @cost_chain_joins_its_producer
// CHECK:       braze.fused <many_to_many> backend_formed
// CHECK-NEXT:    braze.matmul
// CHECK-NEXT:    braze.relu
// CHECK-NEXT:    braze.yield
// CHECK:       braze.matmul
func.func @cost_chain_joins_its_producer(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %m = braze.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %r = braze.relu %m : tensor<4x8xf32>
  %m2 = braze.matmul %r, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  return %m2 : tensor<4x8xf32>
}

// -----

// EDGE: fusion edge braze.sigmoid -> braze.tile: cell one_to_one -> one_to_many is profile; not fused (cost model: saves
// CHECK-LABEL: func.func @cost_recomputation
// CHECK-NOT:   braze.fused
func.func @cost_recomputation(%x: tensor<1x4096xf32>) -> tensor<128x4096xf32> {
  %s = braze.sigmoid %x : tensor<1x4096xf32>
  %t = braze.tile %s repeats = [128, 1] : tensor<1x4096xf32> -> tensor<128x4096xf32>
  return %t : tensor<128x4096xf32>
}
