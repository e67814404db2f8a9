// --braze-fuse: every cell of the mapping-type fusion table (DNNFusion,
// Table 3; passes/Fusion/FusionTable.cpp). Each case is `x -> A -> B ->
// relu`: the relu (One-to-One, the seed) pulls B, then A, into its group,
// so the edge A -> B is judged by the cell (type of A, type of B). A "fuse"
// cell merges; a "profile" cell asks the cost model (here: these small
// producers are cheap to recompute, so it fuses); a "never" cell keeps A
// out. The fused group's mapping type is the cell's: a One-to-One op is
// absorbed, One-to-Many or Many-to-Many decides, Reorganize + Shuffle give
// Reorganize. The two disputed cells (O2O -> O2M, O2O -> M2M) are profile.
// One profile cell is refused here by what one kernel can compute, not by
// the table: a contraction's result spread One-to-Many (a second pass).
// Per op: neg One-to-One, tile One-to-Many, matmul Many-to-Many, reshape
// Reorganize, transpose Shuffle.
// RUN: braze-opt %s --split-input-file --braze-fuse | FileCheck %s
// RUN: braze-opt %s --split-input-file --braze-fuse=remarks=true 2>&1 >/dev/null \
// RUN:   | FileCheck %s --check-prefix=EDGE

// EDGE: remark: fusion edge braze.neg -> braze.neg: cell one_to_one -> one_to_one is fuse; fused
// CHECK-LABEL: func.func @o2o_then_o2o
// CHECK:   braze.fused <one_to_one>
// CHECK-NEXT:     braze.neg
// CHECK-NEXT:     braze.neg
func.func @o2o_then_o2o(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %a = braze.neg %x : tensor<4x8xf32>
  %b = braze.neg %a : tensor<4x8xf32>
  %s = braze.relu %b : tensor<4x8xf32>
  return %s : tensor<4x8xf32>
}

// -----

// EDGE: remark: fusion edge braze.neg -> braze.tile: cell one_to_one -> one_to_many is profile; fused
// CHECK-LABEL: func.func @o2o_then_o2m
// CHECK:   braze.fused <one_to_many>
// CHECK-NEXT:     braze.neg
// CHECK-NEXT:     braze.tile
func.func @o2o_then_o2m(%x: tensor<4x8xf32>) -> tensor<8x8xf32> {
  %a = braze.neg %x : tensor<4x8xf32>
  %b = braze.tile %a repeats = [2, 1] : tensor<4x8xf32> -> tensor<8x8xf32>
  %s = braze.relu %b : tensor<8x8xf32>
  return %s : tensor<8x8xf32>
}

// -----

// EDGE: remark: fusion edge braze.neg -> braze.matmul: cell one_to_one -> many_to_many is profile; fused
// CHECK-LABEL: func.func @o2o_then_m2m
// CHECK:   braze.fused <many_to_many>
// CHECK-NEXT:     braze.neg
// CHECK-NEXT:     braze.matmul
func.func @o2o_then_m2m(%x: tensor<4x8xf32>, %w1: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %a = braze.neg %x : tensor<4x8xf32>
  %b = braze.matmul %a, %w1 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %s = braze.relu %b : tensor<4x8xf32>
  return %s : tensor<4x8xf32>
}

// -----

// EDGE: remark: fusion edge braze.neg -> braze.reshape: cell one_to_one -> reorganize is fuse; fused
// CHECK-LABEL: func.func @o2o_then_reorg
// CHECK:   braze.fused <reorganize>
// CHECK-NEXT:     braze.neg
// CHECK-NEXT:     braze.reshape
func.func @o2o_then_reorg(%x: tensor<4x8xf32>) -> tensor<8x4xf32> {
  %a = braze.neg %x : tensor<4x8xf32>
  %b = braze.reshape %a : tensor<4x8xf32> -> tensor<8x4xf32>
  %s = braze.relu %b : tensor<8x4xf32>
  return %s : tensor<8x4xf32>
}

// -----

// EDGE: remark: fusion edge braze.neg -> braze.transpose: cell one_to_one -> shuffle is fuse; fused
// CHECK-LABEL: func.func @o2o_then_shuffle
// CHECK:   braze.fused <shuffle>
// CHECK-NEXT:     braze.neg
// CHECK-NEXT:     braze.transpose
func.func @o2o_then_shuffle(%x: tensor<4x8xf32>) -> tensor<8x4xf32> {
  %a = braze.neg %x : tensor<4x8xf32>
  %b = braze.transpose %a perm = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  %s = braze.relu %b : tensor<8x4xf32>
  return %s : tensor<8x4xf32>
}

// -----

// EDGE: remark: fusion edge braze.tile -> braze.neg: cell one_to_many -> one_to_one is fuse; fused
// CHECK-LABEL: func.func @o2m_then_o2o
// CHECK:   braze.fused <one_to_many>
// CHECK-NEXT:     braze.tile
// CHECK-NEXT:     braze.neg
func.func @o2m_then_o2o(%x: tensor<4x8xf32>) -> tensor<8x8xf32> {
  %a = braze.tile %x repeats = [2, 1] : tensor<4x8xf32> -> tensor<8x8xf32>
  %b = braze.neg %a : tensor<8x8xf32>
  %s = braze.relu %b : tensor<8x8xf32>
  return %s : tensor<8x8xf32>
}

// -----

// EDGE: remark: fusion edge braze.tile -> braze.tile: cell one_to_many -> one_to_many is profile; fused
// CHECK-LABEL: func.func @o2m_then_o2m
// CHECK:   braze.fused <one_to_many>
// CHECK-NEXT:     braze.tile
// CHECK-NEXT:     braze.tile
func.func @o2m_then_o2m(%x: tensor<4x8xf32>) -> tensor<16x8xf32> {
  %a = braze.tile %x repeats = [2, 1] : tensor<4x8xf32> -> tensor<8x8xf32>
  %b = braze.tile %a repeats = [2, 1] : tensor<8x8xf32> -> tensor<16x8xf32>
  %s = braze.relu %b : tensor<16x8xf32>
  return %s : tensor<16x8xf32>
}

// -----

// EDGE: remark: fusion edge braze.tile -> braze.matmul: cell one_to_many -> many_to_many is never; not fused (fusion table: never)
// CHECK-LABEL: func.func @o2m_then_m2m
// CHECK:   braze.tile
// CHECK:   braze.fused
func.func @o2m_then_m2m(%x: tensor<4x8xf32>, %w1: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %a = braze.tile %x repeats = [2, 1] : tensor<4x8xf32> -> tensor<8x8xf32>
  %b = braze.matmul %a, %w1 : (tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
  %s = braze.relu %b : tensor<8x8xf32>
  return %s : tensor<8x8xf32>
}

// -----

// EDGE: remark: fusion edge braze.tile -> braze.reshape: cell one_to_many -> reorganize is profile; fused
// CHECK-LABEL: func.func @o2m_then_reorg
// CHECK:   braze.fused <one_to_many>
// CHECK-NEXT:     braze.tile
// CHECK-NEXT:     braze.reshape
func.func @o2m_then_reorg(%x: tensor<4x8xf32>) -> tensor<16x4xf32> {
  %a = braze.tile %x repeats = [2, 1] : tensor<4x8xf32> -> tensor<8x8xf32>
  %b = braze.reshape %a : tensor<8x8xf32> -> tensor<16x4xf32>
  %s = braze.relu %b : tensor<16x4xf32>
  return %s : tensor<16x4xf32>
}

// -----

// EDGE: remark: fusion edge braze.tile -> braze.transpose: cell one_to_many -> shuffle is profile; fused
// CHECK-LABEL: func.func @o2m_then_shuffle
// CHECK:   braze.fused <one_to_many>
// CHECK-NEXT:     braze.tile
// CHECK-NEXT:     braze.transpose
func.func @o2m_then_shuffle(%x: tensor<4x8xf32>) -> tensor<8x8xf32> {
  %a = braze.tile %x repeats = [2, 1] : tensor<4x8xf32> -> tensor<8x8xf32>
  %b = braze.transpose %a perm = [1, 0] : tensor<8x8xf32> -> tensor<8x8xf32>
  %s = braze.relu %b : tensor<8x8xf32>
  return %s : tensor<8x8xf32>
}

// -----

// EDGE: remark: fusion edge braze.matmul -> braze.neg: cell many_to_many -> one_to_one is fuse; fused
// CHECK-LABEL: func.func @m2m_then_o2o
// CHECK:   braze.fused <many_to_many>
// CHECK-NEXT:     braze.matmul
// CHECK-NEXT:     braze.neg
func.func @m2m_then_o2o(%x: tensor<4x8xf32>, %w1: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %a = braze.matmul %x, %w1 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %b = braze.neg %a : tensor<4x8xf32>
  %s = braze.relu %b : tensor<4x8xf32>
  return %s : tensor<4x8xf32>
}

// -----

// EDGE: remark: fusion edge braze.matmul -> braze.tile: cell many_to_many -> one_to_many is profile; not fused (the result of a contraction in the group would be spread one-to-many
// CHECK-LABEL: func.func @m2m_then_o2m
// CHECK:   braze.matmul
// CHECK:   braze.fused <one_to_many>
func.func @m2m_then_o2m(%x: tensor<4x8xf32>, %w1: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %a = braze.matmul %x, %w1 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %b = braze.tile %a repeats = [2, 1] : tensor<4x8xf32> -> tensor<8x8xf32>
  %s = braze.relu %b : tensor<8x8xf32>
  return %s : tensor<8x8xf32>
}

// -----

// EDGE: remark: fusion edge braze.matmul -> braze.matmul: cell many_to_many -> many_to_many is never; not fused (fusion table: never)
// CHECK-LABEL: func.func @m2m_then_m2m
// CHECK:   braze.matmul
// CHECK:   braze.fused
func.func @m2m_then_m2m(%x: tensor<4x8xf32>, %w1: tensor<8x8xf32>, %w2: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %a = braze.matmul %x, %w1 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %b = braze.matmul %a, %w2 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %s = braze.relu %b : tensor<4x8xf32>
  return %s : tensor<4x8xf32>
}

// -----

// EDGE: remark: fusion edge braze.matmul -> braze.reshape: cell many_to_many -> reorganize is profile; fused
// CHECK-LABEL: func.func @m2m_then_reorg
// CHECK:   braze.fused <many_to_many>
// CHECK-NEXT:     braze.matmul
// CHECK-NEXT:     braze.reshape
func.func @m2m_then_reorg(%x: tensor<4x8xf32>, %w1: tensor<8x8xf32>) -> tensor<8x4xf32> {
  %a = braze.matmul %x, %w1 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %b = braze.reshape %a : tensor<4x8xf32> -> tensor<8x4xf32>
  %s = braze.relu %b : tensor<8x4xf32>
  return %s : tensor<8x4xf32>
}

// -----

// EDGE: remark: fusion edge braze.matmul -> braze.transpose: cell many_to_many -> shuffle is profile; fused
// CHECK-LABEL: func.func @m2m_then_shuffle
// CHECK:   braze.fused <many_to_many>
// CHECK-NEXT:     braze.matmul
// CHECK-NEXT:     braze.transpose
func.func @m2m_then_shuffle(%x: tensor<4x8xf32>, %w1: tensor<8x8xf32>) -> tensor<8x4xf32> {
  %a = braze.matmul %x, %w1 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %b = braze.transpose %a perm = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  %s = braze.relu %b : tensor<8x4xf32>
  return %s : tensor<8x4xf32>
}

// -----

// EDGE: remark: fusion edge braze.reshape -> braze.neg: cell reorganize -> one_to_one is fuse; fused
// CHECK-LABEL: func.func @reorg_then_o2o
// CHECK:   braze.fused <reorganize>
// CHECK-NEXT:     braze.reshape
// CHECK-NEXT:     braze.neg
func.func @reorg_then_o2o(%x: tensor<4x8xf32>) -> tensor<8x4xf32> {
  %a = braze.reshape %x : tensor<4x8xf32> -> tensor<8x4xf32>
  %b = braze.neg %a : tensor<8x4xf32>
  %s = braze.relu %b : tensor<8x4xf32>
  return %s : tensor<8x4xf32>
}

// -----

// EDGE: remark: fusion edge braze.reshape -> braze.tile: cell reorganize -> one_to_many is profile; fused
// CHECK-LABEL: func.func @reorg_then_o2m
// CHECK:   braze.fused <one_to_many>
// CHECK-NEXT:     braze.reshape
// CHECK-NEXT:     braze.tile
func.func @reorg_then_o2m(%x: tensor<4x8xf32>) -> tensor<16x4xf32> {
  %a = braze.reshape %x : tensor<4x8xf32> -> tensor<8x4xf32>
  %b = braze.tile %a repeats = [2, 1] : tensor<8x4xf32> -> tensor<16x4xf32>
  %s = braze.relu %b : tensor<16x4xf32>
  return %s : tensor<16x4xf32>
}

// -----

// EDGE: remark: fusion edge braze.reshape -> braze.matmul: cell reorganize -> many_to_many is profile; fused
// CHECK-LABEL: func.func @reorg_then_m2m
// CHECK:   braze.fused <many_to_many>
// CHECK-NEXT:     braze.reshape
// CHECK-NEXT:     braze.matmul
func.func @reorg_then_m2m(%x: tensor<4x8xf32>, %w1: tensor<4x4xf32>) -> tensor<8x4xf32> {
  %a = braze.reshape %x : tensor<4x8xf32> -> tensor<8x4xf32>
  %b = braze.matmul %a, %w1 : (tensor<8x4xf32>, tensor<4x4xf32>) -> tensor<8x4xf32>
  %s = braze.relu %b : tensor<8x4xf32>
  return %s : tensor<8x4xf32>
}

// -----

// EDGE: remark: fusion edge braze.reshape -> braze.reshape: cell reorganize -> reorganize is fuse; fused
// CHECK-LABEL: func.func @reorg_then_reorg
// CHECK:   braze.fused <reorganize>
// CHECK-NEXT:     braze.reshape
// CHECK-NEXT:     braze.reshape
func.func @reorg_then_reorg(%x: tensor<4x8xf32>) -> tensor<16x2xf32> {
  %a = braze.reshape %x : tensor<4x8xf32> -> tensor<8x4xf32>
  %b = braze.reshape %a : tensor<8x4xf32> -> tensor<16x2xf32>
  %s = braze.relu %b : tensor<16x2xf32>
  return %s : tensor<16x2xf32>
}

// -----

// EDGE: remark: fusion edge braze.reshape -> braze.transpose: cell reorganize -> shuffle is fuse; fused
// CHECK-LABEL: func.func @reorg_then_shuffle
// CHECK:   braze.fused <reorganize>
// CHECK-NEXT:     braze.reshape
// CHECK-NEXT:     braze.transpose
func.func @reorg_then_shuffle(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %a = braze.reshape %x : tensor<4x8xf32> -> tensor<8x4xf32>
  %b = braze.transpose %a perm = [1, 0] : tensor<8x4xf32> -> tensor<4x8xf32>
  %s = braze.relu %b : tensor<4x8xf32>
  return %s : tensor<4x8xf32>
}

// -----

// EDGE: remark: fusion edge braze.transpose -> braze.neg: cell shuffle -> one_to_one is fuse; fused
// CHECK-LABEL: func.func @shuffle_then_o2o
// CHECK:   braze.fused <shuffle>
// CHECK-NEXT:     braze.transpose
// CHECK-NEXT:     braze.neg
func.func @shuffle_then_o2o(%x: tensor<4x8xf32>) -> tensor<8x4xf32> {
  %a = braze.transpose %x perm = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  %b = braze.neg %a : tensor<8x4xf32>
  %s = braze.relu %b : tensor<8x4xf32>
  return %s : tensor<8x4xf32>
}

// -----

// EDGE: remark: fusion edge braze.transpose -> braze.tile: cell shuffle -> one_to_many is profile; fused
// CHECK-LABEL: func.func @shuffle_then_o2m
// CHECK:   braze.fused <one_to_many>
// CHECK-NEXT:     braze.transpose
// CHECK-NEXT:     braze.tile
func.func @shuffle_then_o2m(%x: tensor<4x8xf32>) -> tensor<16x4xf32> {
  %a = braze.transpose %x perm = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  %b = braze.tile %a repeats = [2, 1] : tensor<8x4xf32> -> tensor<16x4xf32>
  %s = braze.relu %b : tensor<16x4xf32>
  return %s : tensor<16x4xf32>
}

// -----

// EDGE: remark: fusion edge braze.transpose -> braze.matmul: cell shuffle -> many_to_many is profile; fused
// CHECK-LABEL: func.func @shuffle_then_m2m
// CHECK:   braze.fused <many_to_many>
// CHECK-NEXT:     braze.transpose
// CHECK-NEXT:     braze.matmul
func.func @shuffle_then_m2m(%x: tensor<4x8xf32>, %w1: tensor<4x4xf32>) -> tensor<8x4xf32> {
  %a = braze.transpose %x perm = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  %b = braze.matmul %a, %w1 : (tensor<8x4xf32>, tensor<4x4xf32>) -> tensor<8x4xf32>
  %s = braze.relu %b : tensor<8x4xf32>
  return %s : tensor<8x4xf32>
}

// -----

// EDGE: remark: fusion edge braze.transpose -> braze.reshape: cell shuffle -> reorganize is fuse; fused
// CHECK-LABEL: func.func @shuffle_then_reorg
// CHECK:   braze.fused <reorganize>
// CHECK-NEXT:     braze.transpose
// CHECK-NEXT:     braze.reshape
func.func @shuffle_then_reorg(%x: tensor<4x8xf32>) -> tensor<16x2xf32> {
  %a = braze.transpose %x perm = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  %b = braze.reshape %a : tensor<8x4xf32> -> tensor<16x2xf32>
  %s = braze.relu %b : tensor<16x2xf32>
  return %s : tensor<16x2xf32>
}

// -----

// EDGE: remark: fusion edge braze.transpose -> braze.transpose: cell shuffle -> shuffle is fuse; fused
// CHECK-LABEL: func.func @shuffle_then_shuffle
// CHECK:   braze.fused <shuffle>
// CHECK-NEXT:     braze.transpose
// CHECK-NEXT:     braze.transpose
func.func @shuffle_then_shuffle(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %a = braze.transpose %x perm = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  %b = braze.transpose %a perm = [1, 0] : tensor<8x4xf32> -> tensor<4x8xf32>
  %s = braze.relu %b : tensor<4x8xf32>
  return %s : tensor<4x8xf32>
}
