//===- braze-opt.cpp - the braze optimizer driver ---------------------------===//
//
// mlir-opt with braze and the upstream dialects and passes that braze's
// pipelines lower into: func, arith, math, tensor, linalg, scf.
//
//===----------------------------------------------------------------------===//

#include "dialects/Braze/BrazeDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses(); // canonicalize, cse, inline, sccp, ...
  mlir::registerLinalgPasses();
  mlir::braze::registerBrazePassesAndPipelines();

  mlir::DialectRegistry registry;
  registry.insert<mlir::braze::BrazeDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::linalg::LinalgDialect,
                  mlir::math::MathDialect, mlir::scf::SCFDialect,
                  mlir::tensor::TensorDialect>();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "braze optimizer driver: braze dialect and passes\n", registry));
}
