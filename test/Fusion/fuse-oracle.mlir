// --braze-fuse oracle=profile: profile cells are judged by timings from a
// JSON database. A candidate it has not measured is judged by the cost
// model and written to the database as pending, with a fused and an unfused
// program to time; once measured, the timing decides.
// RUN: rm -rf %t && mkdir -p %t
// RUN: braze-opt %s --braze-fuse="oracle=profile profile-db=%t/db.json remarks=true" \
// RUN:   2>&1 >/dev/null | FileCheck %s --check-prefix=PENDING
// RUN: FileCheck %s --check-prefix=DB --input-file=%t/db.json
// Measure it (as `braze profile-fusion` would): unfused is faster here.
// RUN: %python -c "import json, sys; db = json.load(open(sys.argv[1])); \
// RUN:   db['measurements'] = {key: {'fused_ms': 2.0, 'unfused_ms': 1.0} for key in db.pop('pending')}; \
// RUN:   json.dump(db, open(sys.argv[1], 'w'))" %t/db.json
// RUN: braze-opt %s --braze-fuse="oracle=profile profile-db=%t/db.json remarks=true" \
// RUN:   2>&1 | FileCheck %s --check-prefix=MEASURED
// A candidate that failed to compile fused is never fused.
// RUN: %python -c "import json, sys; db = json.load(open(sys.argv[1])); \
// RUN:   db['measurements'] = {key: {'unfused_ms': 1.0, 'error': 'iree-compile failed'} for key in db['measurements']}; \
// RUN:   json.dump(db, open(sys.argv[1], 'w'))" %t/db.json
// RUN: braze-opt %s --braze-fuse="oracle=profile profile-db=%t/db.json remarks=true" \
// RUN:   2>&1 >/dev/null | FileCheck %s --check-prefix=FAILED

// PENDING: fusion edge braze.neg -> braze.transpose: cell one_to_one -> shuffle is fuse; fused
// PENDING: fusion edge braze.matmul -> braze.neg: cell many_to_many -> shuffle is profile; fused (not yet measured (pending in the profile database); cost model:

// The key is the pair's structure and shapes, the programs are whole modules.
// DB:      "pending": {
// DB-NEXT:   "braze.matmul(tensor<4x8xf32>, tensor<8x8xf32>) -> (tensor<4x8xf32>) => braze.neg(tensor<4x8xf32>) -> (tensor<4x8xf32>) @0": {
// DB-NEXT:     "fused": "module {\n  func.func @candidate(%arg0: tensor<4x8xf32>, %arg1: tensor<8x8xf32>) -> tensor<4x8xf32> {\n    %0 = braze.fused <many_to_many> -> tensor<4x8xf32> {
// DB-NEXT:     "unfused": "module {\n  func.func @candidate(%arg0: tensor<4x8xf32>, %arg1: tensor<8x8xf32>) -> tensor<4x8xf32> {\n    %0 = braze.matmul

// MEASURED: fusion edge braze.matmul -> braze.neg: cell many_to_many -> shuffle is profile; not fused (measured through IREE: fused 2.0000 ms, unfused 1.0000 ms)
// MEASURED: func.func @pair
// MEASURED-NEXT: braze.matmul
// MEASURED-NEXT: braze.fused <shuffle>

// FAILED: not fused (measured: the fused kernel does not compile through IREE (iree-compile failed))
func.func @pair(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<8x4xf32> {
  %m = braze.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %n = braze.neg %m : tensor<4x8xf32>
  %t = braze.transpose %n perm = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  return %t : tensor<8x4xf32>
}
