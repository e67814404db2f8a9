//===- LowerToLinalg.cpp - the braze -> linalg conversion pass -------------===//

#include "dialects/Braze/BrazeDialect.h"
#include "passes/Lowering/LoweringUtils.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::braze {
#define GEN_PASS_DEF_BRAZELOWERTOLINALG
#include "passes/Passes.h.inc"

namespace {

/// Tensors travel in logical order across function boundaries (except where
/// a function says its boundary is in storage order: a fused group outlined
/// to count its dispatches), and
/// elementwise work reads blocked operands through the blocks of its result:
/// refuse other forms by name rather than guess.
LogicalResult checkLayoutsLowerable(ModuleOp module) {
  WalkResult walk = module.walk([](Operation *op) {
    if (auto func = dyn_cast<func::FuncOp>(op);
        func && !func->hasAttr(lowering::kStorageOrderBoundaryAttr)) {
      auto types = func.getFunctionType();
      for (Type type : llvm::concat<const Type>(types.getInputs(), types.getResults()))
        if (getLayout(type) != Layout::nchw) {
          func.emitOpError("takes or returns ")
              << type << "; function boundaries carry tensors in logical order";
          return WalkResult::interrupt();
        }
    }
    auto layoutOp = dyn_cast<LayoutOpInterface>(op);
    if (layoutOp && layoutOp.getLayoutGroup() == LayoutGroup::ili_variable &&
        op->getNumResults() == 1 && !lowering::isBlocked(op->getResult(0).getType()) &&
        llvm::any_of(op->getOperandTypes(), lowering::isBlocked)) {
      op->emitOpError("reads a tensor stored as #braze.layout<nc4hw4> into an "
                      "unblocked result; relayout the operand first");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

/// braze type -> the tensor type of its storage (signless: see storageType).
struct StorageTypeConverter : TypeConverter {
  StorageTypeConverter() {
    addConversion([](Type type) { return type; });
    addConversion([](RankedTensorType type) -> Type {
      return lowering::storageType(type);
    });
  }
};

struct LowerToLinalgPass : impl::BrazeLowerToLinalgBase<LowerToLinalgPass> {
  using BrazeLowerToLinalgBase::BrazeLowerToLinalgBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<lowering::CodegenTarget> codegenTarget =
        lowering::parseCodegenTarget(module, "--braze-lower-to-linalg", codegen);
    if (failed(codegenTarget))
      return signalPassFailure();
    if (failed(checkLayoutsLowerable(module)) ||
        failed(lowering::checkFusedGroupsLowerable(module)))
      return signalPassFailure();
    lowering::formDispatchRegions(module);
    MLIRContext *context = &getContext();
    StorageTypeConverter typeConverter;
    RewritePatternSet patterns(context);
    lowering::populateElementwiseLoweringPatterns(typeConverter, patterns);
    lowering::populateContractionLoweringPatterns(typeConverter, patterns, *codegenTarget);
    lowering::populateDataMovementLoweringPatterns(typeConverter, patterns);
    // Unsigned tensors in signatures (tensor<4xui8>) become their signless
    // storage too: arith and linalg only take signless integers.
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns, typeConverter);
    populateReturnOpTypeConversionPattern(patterns, typeConverter);
    ConversionTarget target(*context);
    target.addIllegalDialect<BrazeDialect>();
    target.addLegalDialect<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect>();
    lowering::addDispatchRegionLowering(typeConverter, patterns, target);
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp func) {
      return typeConverter.isSignatureLegal(func.getFunctionType()) &&
             typeConverter.isLegal(&func.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp>(
        [&](func::ReturnOp op) { return typeConverter.isLegal(op); });
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();
    lowering::hoistConstantWorkOutOfDispatchRegions(module);
    lowering::foldConstantRelayouts(module);
  }
};

} // namespace
} // namespace mlir::braze
