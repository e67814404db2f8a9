//===- LowerToLinalg.cpp - the braze -> linalg conversion pass -------------===//

#include "dialects/Braze/BrazeDialect.h"
#include "passes/Lowering/LoweringUtils.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::braze {
#define GEN_PASS_DEF_BRAZELOWERTOLINALG
#include "passes/Passes.h.inc"

namespace {

/// Physical layouts are materialised by layout selection; until a value
/// carries one that this lowering understands, refuse it by name rather than
/// lower it as if it were stored in logical order.
LogicalResult checkLogicalLayouts(ModuleOp module) {
  WalkResult walk = module.walk([](Operation *op) {
    for (Type type : llvm::concat<const Type>(op->getOperandTypes(), op->getResultTypes()))
      if (getLayout(type) != Layout::nchw) {
        op->emitOpError("has a tensor stored as #braze.layout<")
            << stringifyLayout(getLayout(type))
            << ">, which --braze-lower-to-linalg does not lower yet";
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

struct LowerToLinalgPass : impl::BrazeLowerToLinalgBase<LowerToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(checkLogicalLayouts(module)))
      return signalPassFailure();
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    lowering::populateElementwiseLoweringPatterns(patterns);
    lowering::populateContractionLoweringPatterns(patterns);
    lowering::populateDataMovementLoweringPatterns(patterns);
    ConversionTarget target(*context);
    target.addIllegalDialect<BrazeDialect>();
    target.addLegalDialect<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect>();
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace mlir::braze
