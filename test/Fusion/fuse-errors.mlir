// --braze-fuse refuses bad options and databases with a message.
// RUN: rm -rf %t && mkdir -p %t
// RUN: not braze-opt %s --braze-fuse=oracle=magic 2>&1 | FileCheck %s --check-prefix=ORACLE
// RUN: not braze-opt %s --braze-fuse=oracle=profile 2>&1 | FileCheck %s --check-prefix=NODB
// RUN: not braze-opt %s --braze-fuse=codegen=npu 2>&1 | FileCheck %s --check-prefix=CODEGEN
// RUN: echo '[1, 2]' > %t/list.json
// RUN: not braze-opt %s --braze-fuse="oracle=profile profile-db=%t/list.json" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOTOBJECT
// RUN: echo '{"measurements": [' > %t/broken.json
// RUN: not braze-opt %s --braze-fuse="oracle=profile profile-db=%t/broken.json" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BROKEN
// RUN: not braze-opt %s --braze-fuse="plan-file=%t/no/such/dir/plan.json" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=PLAN

// ORACLE: error: --braze-fuse: unknown oracle 'magic' (valid: cost, profile)
// CODEGEN: error: --braze-fuse: unknown codegen 'npu' (valid: cpu, gpu)
// NODB: error: --braze-fuse oracle=profile needs profile-db=<file>
// NOTOBJECT: error: {{.*}}list.json is not a fusion profile database: expected a JSON object
// BROKEN: error: {{.*}}broken.json is not a fusion profile database: {{.*}}
// PLAN: error: cannot write the fusion plan to {{.*}}plan.json: No such file or directory
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = braze.neg %x : tensor<4xf32>
  return %a : tensor<4xf32>
}
