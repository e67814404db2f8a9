// --braze-tile-contractions: matrix products get tiles of whole vectors, as
// IREE's compilation_info, where IREE's own column tile (the largest divisor
// of N up to 64) would split vectors, or where register tiles of two vectors
// per row fit the column tile (IREE's hold one); all others are left to IREE.
// RUN: braze-opt %s --allow-unregistered-dialect --braze-tile-contractions --split-input-file | FileCheck %s
// RUN: braze-opt %s --allow-unregistered-dialect --braze-tile-contractions=vector-lanes=4 --split-input-file | FileCheck %s --check-prefix=NEON
// RUN: not braze-opt %s --braze-tile-contractions --split-input-file 2>&1 | FileCheck %s --check-prefix=UNREGISTERED

// 480 columns: IREE would tile them by 60 (three vectors and 12 lanes);
// 96 = 6 vectors of 16 divides 480, rows in tiles of 96 (a multiple of 8),
// register tiles of 8 rows by two vectors. With 4-lane vectors the column
// tile is 120 = 15 pairs of vectors: 8 rows by two vectors of 4.
// CHECK-LABEL: func.func @columns_480
// CHECK:         linalg.matmul {compilation_info = #iree_codegen.compilation_info<lowering_config = #iree_cpu.lowering_config<distribution = [96, 96, 0], vector_common_parallel = [8, 32, 0], vector_reduction = [0, 0, 16]>, translation_info = #iree_codegen.translation_info<pipeline = #iree_cpu.pipeline<DoubleTilingExpert>>>}
// NEON-LABEL:  func.func @columns_480
// NEON:          distribution = [96, 120, 0], vector_common_parallel = [8, 8, 0], vector_reduction = [0, 0, 4]
// UNREGISTERED: error: braze-tile-contractions writes IREE attributes, which need unregistered dialects allowed
func.func @columns_480(%a: tensor<480x240xf32>, %b: tensor<240x480xf32>, %c: tensor<480x480xf32>) -> tensor<480x480xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<480x240xf32>, tensor<240x480xf32>) outs(%c : tensor<480x480xf32>) -> tensor<480x480xf32>
  return %r : tensor<480x480xf32>
}

// -----

// A pointwise convolution's pixel contraction (H, W, F, C): 240 columns in
// tiles of 80 (five vectors: one per register-tile row), a row of 80 pixels
// per tile, one image row at a time.
// CHECK-LABEL: func.func @pixel_contraction
// CHECK:         linalg.generic {{.*}} attrs = {compilation_info = #iree_codegen.compilation_info<lowering_config = #iree_cpu.lowering_config<distribution = [1, 80, 80, 0], vector_common_parallel = [1, 8, 16, 0], vector_reduction = [0, 0, 0, 16]>
func.func @pixel_contraction(%x: tensor<12x80x128xf32>, %w: tensor<128x240xf32>, %init: tensor<12x80x240xf32>) -> tensor<12x80x240xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(h, w, f, c) -> (h, w, c)>, affine_map<(h, w, f, c) -> (c, f)>, affine_map<(h, w, f, c) -> (h, w, f)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %w : tensor<12x80x128xf32>, tensor<128x240xf32>) outs(%init : tensor<12x80x240xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<12x80x240xf32>
  return %r : tensor<12x80x240xf32>
}

// -----

// 512 columns: IREE's tiles of 64 are whole vectors, but one per register
// row; tiles of 128 columns take two. 14x14 pixels: register rows of 7.
// CHECK-LABEL: func.func @pairs_of_vectors
// CHECK:         distribution = [64, 128, 0], vector_common_parallel = [8, 32, 0]
// CHECK:         distribution = [6, 14, 128, 0], vector_common_parallel = [1, 7, 32, 0], vector_reduction = [0, 0, 0, 16]
func.func @pairs_of_vectors(%a: tensor<64x64xf32>, %b: tensor<64x512xf32>, %c: tensor<64x512xf32>,
                            %x: tensor<14x14x256xf32>, %w: tensor<256x256xf32>, %init: tensor<14x14x256xf32>)
    -> (tensor<64x512xf32>, tensor<14x14x256xf32>) {
  %0 = linalg.matmul ins(%a, %b : tensor<64x64xf32>, tensor<64x512xf32>) outs(%c : tensor<64x512xf32>) -> tensor<64x512xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(h, w, f, c) -> (h, w, c)>, affine_map<(h, w, f, c) -> (c, f)>, affine_map<(h, w, f, c) -> (h, w, f)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %w : tensor<14x14x256xf32>, tensor<256x256xf32>) outs(%init : tensor<14x14x256xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<14x14x256xf32>
  return %0, %1 : tensor<64x512xf32>, tensor<14x14x256xf32>
}

// -----

// Left to IREE: 48 columns (no pair of vectors fits, and IREE's tile of 48
// is whole vectors), 60 columns (no whole number of vectors divides them), a
// data-tiled product (IREE packs it into its own register blocks), a
// product inside a fused group's dispatch region (IREE configures the
// region's ops together), and a product whose columns are not the result's
// innermost dimension.
// CHECK-LABEL: func.func @left_to_iree
// CHECK-NOT:     compilation_info
func.func @left_to_iree(%a: tensor<64x64xf32>, %b48: tensor<64x48xf32>, %c48: tensor<64x48xf32>,
                        %b60: tensor<64x60xf32>, %c60: tensor<64x60xf32>,
                        %b480: tensor<64x480xf32>, %c480: tensor<64x480xf32>, %t: tensor<480x64xf32>)
    -> (tensor<64x48xf32>, tensor<64x60xf32>, tensor<64x480xf32>, tensor<64x480xf32>, tensor<480x64xf32>) {
  %0 = linalg.matmul ins(%a, %b48 : tensor<64x64xf32>, tensor<64x48xf32>) outs(%c48 : tensor<64x48xf32>) -> tensor<64x48xf32>
  %1 = linalg.matmul ins(%a, %b60 : tensor<64x64xf32>, tensor<64x60xf32>) outs(%c60 : tensor<64x60xf32>) -> tensor<64x60xf32>
  %2 = linalg.matmul {iree.opt.data_tiling} ins(%a, %b480 : tensor<64x64xf32>, tensor<64x480xf32>) outs(%c480 : tensor<64x480xf32>) -> tensor<64x480xf32>
  %3 = "flow.dispatch.region"() ({
    %m = linalg.matmul ins(%a, %b480 : tensor<64x64xf32>, tensor<64x480xf32>) outs(%c480 : tensor<64x480xf32>) -> tensor<64x480xf32>
    "flow.return"(%m) : (tensor<64x480xf32>) -> ()
  }) : () -> tensor<64x480xf32>
  %4 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (n, m)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b480 : tensor<64x64xf32>, tensor<64x480xf32>) outs(%t : tensor<480x64xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<480x64xf32>
  return %0, %1, %2, %3, %4 : tensor<64x48xf32>, tensor<64x60xf32>, tensor<64x480xf32>, tensor<64x480xf32>, tensor<480x64xf32>
}
