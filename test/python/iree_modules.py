"""Small hand-written linalg-on-tensors modules for the IREE backend and runtime tests.

Each is compiled for the host at most once per test session (`vmfb(name)`).
IREE 3.13 has no elementwise named linalg ops, so elementwise work is a
`linalg.generic`.
"""

import functools

from braze.backend import compile_to_vmfb

# relu(a + b): one elementwise dispatch.
ADD_RELU = """\
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<4x8xf32>
  %0 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<4x8xf32>, tensor<4x8xf32>) outs(%init : tensor<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %sum = arith.addf %x, %y : f32
    %relu = arith.maximumf %sum, %zero : f32
    linalg.yield %relu : f32
  } -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
"""

# a @ b with a zero-filled accumulator: one dispatch.
MATMUL = """\
func.func @main(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) -> tensor<8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<8x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<8x4xf32>) -> tensor<8x4xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x4xf32>) outs(%acc : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}
"""

# (2 * x, n + 1): two results, one of them a signless i32 tensor; two dispatches.
TWO_RESULTS = """\
#map2 = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0) -> (d0)>
func.func @main(%x: tensor<2x3xf32>, %n: tensor<3xi32>) -> (tensor<2x3xf32>, tensor<3xi32>) {
  %two = arith.constant 2.0 : f32
  %one = arith.constant 1 : i32
  %init_f = tensor.empty() : tensor<2x3xf32>
  %twice = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<2x3xf32>) outs(%init_f : tensor<2x3xf32>) {
  ^bb0(%v: f32, %out: f32):
    %r = arith.mulf %v, %two : f32
    linalg.yield %r : f32
  } -> tensor<2x3xf32>
  %init_i = tensor.empty() : tensor<3xi32>
  %next = linalg.generic {indexing_maps = [#map1, #map1], iterator_types = ["parallel"]}
      ins(%n : tensor<3xi32>) outs(%init_i : tensor<3xi32>) {
  ^bb0(%v: i32, %out: i32):
    %r = arith.addi %v, %one : i32
    linalg.yield %r : i32
  } -> tensor<3xi32>
  return %twice, %next : tensor<2x3xf32>, tensor<3xi32>
}
"""

MODULES = {"add_relu": ADD_RELU, "matmul": MATMUL, "two_results": TWO_RESULTS}


@functools.cache
def vmfb(name: str) -> bytes:
    """The module `name` compiled for the host (once per session)."""
    return compile_to_vmfb(MODULES[name], "host")
