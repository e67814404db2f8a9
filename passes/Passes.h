//===- Passes.h - braze passes -----------------------------------*- C++ -*-===//

#ifndef BRAZE_PASSES_PASSES_H
#define BRAZE_PASSES_PASSES_H

#include "dialects/Braze/BrazeDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::braze {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Registers braze's passes and named pipelines with the global registry, so
/// that braze-opt and `braze.Pipeline` see the same set. Idempotent.
void registerBrazePassesAndPipelines();

} // namespace mlir::braze

#endif // BRAZE_PASSES_PASSES_H
