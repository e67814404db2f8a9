// --braze-prune-patterns refuses bad options with a message.
// RUN: not braze-opt %s --braze-prune-patterns="library=01011100 min-filters=1" 2>&1 | FileCheck %s --check-prefix=MASK
// RUN: not braze-opt %s --braze-prune-patterns="taps=2 library=010111000 min-filters=1" 2>&1 | FileCheck %s --check-prefix=TAPS
// RUN: not braze-opt %s --braze-prune-patterns="taps=10" 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not braze-opt %s --braze-prune-patterns="connectivity=1.0" 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not braze-opt %s --braze-prune-patterns="report-file=%t/missing/dir/r.json" 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: not braze-opt %s --braze-prune-patterns="pointwise-keep=0" 2>&1 | FileCheck %s --check-prefix=POINTWISE
// RUN: not braze-opt %s --braze-prune-patterns="pointwise-block=0" 2>&1 | FileCheck %s --check-prefix=POINTWISE

// MASK:   error: --braze-prune-patterns: library pattern '01011100' is not a 9-character row-major mask of 0s and 1s
// TAPS:   error: --braze-prune-patterns: library pattern '010111000' keeps 4 taps, not taps=2
// RANGE:  error: --braze-prune-patterns: taps must be in 1..9, patterns >= 1 and connectivity in [0, 1); got taps={{[0-9]+}} patterns=8 connectivity={{[0-9.e+]+}}
// POINTWISE: error: --braze-prune-patterns: pointwise-keep must be in (0, 1], pointwise-block and pointwise-group >= 1; got pointwise-keep={{[0-9.e+]+}} pointwise-block={{[0-9]+}} pointwise-group=16
// REPORT: error: cannot write the pruning report to {{.*}}missing/dir/r.json
func.func @conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %w = braze.constant dense<1.0> : tensor<1x1x3x3xf32>
  %y = braze.conv2d %x, %w : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}
