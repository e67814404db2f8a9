//===- FusedGroups.cpp - braze.fused -> one IREE dispatch region ----------===//
//
// IREE forms its dispatches (kernels) itself, but it keeps a
// `flow.dispatch.region` it finds in its input as one dispatch: measured
// with IREE 3.13, a region holding a matmul, a transpose and a reduction,
// which IREE alone splits in two, compiles to one dispatch. So a fused group
// becomes such a region, its yield a `flow.return`. braze does not link
// IREE: the two ops are built unregistered, in the generic form IREE parses,
//
//   %r = "flow.dispatch.region"() ({ ... "flow.return"(%v) : (...) -> () },
//                                   { }) {operandSegmentSizes = array<i32: 0, 0>}
//
// (no dynamic result dims, no workload; the second region, the workgroup
// count, is left for IREE to fill). Printing it needs a context that allows
// unregistered dialects, as braze's compiler uses for lowered modules.
//
//===----------------------------------------------------------------------===//

#include "dialects/Braze/BrazeDialect.h"
#include "passes/Lowering/LoweringUtils.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::braze::lowering {
namespace {

constexpr StringLiteral kDispatchRegion = "flow.dispatch.region";
constexpr StringLiteral kDispatchReturn = "flow.return";
constexpr StringLiteral kGroupIdAttr = "braze.fusion_group";

/// The region's results take their storage types; its body moves over.
struct DispatchRegionLowering : ConversionPattern {
  DispatchRegionLowering(const TypeConverter &typeConverter, MLIRContext *context)
      : ConversionPattern(typeConverter, kDispatchRegion, /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value>,
                                ConversionPatternRewriter &rewriter) const override {
    OperationState state(op->getLoc(), op->getName());
    if (failed(getTypeConverter()->convertTypes(op->getResultTypes(), state.types)))
      return failure();
    state.addAttributes(op->getAttrs());
    for (unsigned i = 0; i < op->getNumRegions(); ++i)
      state.addRegion();
    Operation *lowered = rewriter.create(state);
    for (auto [from, to] : llvm::zip(op->getRegions(), lowered->getRegions()))
      rewriter.inlineRegionBefore(from, to, to.end());
    rewriter.replaceOp(op, lowered->getResults());
    return success();
  }
};

/// The region's terminator returns the lowered values.
struct DispatchReturnLowering : ConversionPattern {
  DispatchReturnLowering(const TypeConverter &typeConverter, MLIRContext *context)
      : ConversionPattern(typeConverter, kDispatchReturn, /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.modifyOpInPlace(op, [&] { op->setOperands(operands); });
    return success();
  }
};

/// Whether `value` is computed from constants only, by side-effect-free ops
/// (a constant, or a reshape of one).
bool isConstantExpression(Value value) {
  Operation *producer = value.getDefiningOp();
  if (!producer)
    return false;
  if (matchPattern(value, m_Constant()))
    return true;
  return isMemoryEffectFree(producer) && producer->getNumRegions() == 0 &&
         producer->getNumOperands() > 0 &&
         llvm::all_of(producer->getOperands(), isConstantExpression);
}

/// Whether `value` is a constant expression computed before `region`.
bool isConstantBefore(Value value, Operation *region) {
  Operation *producer = value.getDefiningOp();
  return producer && !region->isAncestor(producer) && isConstantExpression(value);
}

} // namespace

LogicalResult checkFusedGroupsLowerable(ModuleOp module) {
  if (module->getContext()->allowsUnregisteredDialects())
    return success();
  WalkResult walk = module.walk([](FusedOp op) {
    op.emitOpError("lowers to IREE's ") << kDispatchRegion
        << ", which braze builds unregistered: allow unregistered dialects "
           "(braze-opt --allow-unregistered-dialect; braze's compiler does)";
    return WalkResult::interrupt();
  });
  return failure(walk.wasInterrupted());
}

void formDispatchRegions(ModuleOp module) {
  module.walk([](FusedOp group) {
    auto yield = cast<YieldOp>(group.getBody().front().getTerminator());
    if (group.getBackendFormed()) {
      // IREE forms this dispatch itself: the members go back in line.
      group.replaceAllUsesWith(yield.getValues());
      Block &body = group.getBody().front();
      group->getBlock()->getOperations().splice(group->getIterator(), body.getOperations(),
                                                 body.begin(), yield->getIterator());
      group.erase();
      return;
    }
    OpBuilder builder(group);
    OperationState regionState(group.getLoc(), kDispatchRegion);
    regionState.addTypes(group.getResultTypes());
    // The plan's group number travels along, so that a region IREE fails to
    // compile can be traced to its group.
    if (Attribute id = group->getDiscardableAttr(kGroupIdAttr))
      regionState.addAttribute(kGroupIdAttr, id);
    regionState.addAttribute("operandSegmentSizes", builder.getDenseI32ArrayAttr({0, 0}));
    regionState.addRegion()->takeBody(group.getBody());
    regionState.addRegion(); // the workgroup count: IREE's to fill
    Operation *region = builder.create(regionState);

    builder.setInsertionPoint(yield);
    OperationState returnState(yield.getLoc(), kDispatchReturn);
    returnState.addOperands(yield.getValues());
    builder.create(returnState);
    yield.erase();
    group.replaceAllUsesWith(region->getResults());
    group.erase();
  });
}

bool isInsideDispatchRegion(Operation *op) {
  Operation *parent = op->getParentOp();
  return parent && parent->getName().getStringRef() == kDispatchRegion;
}

void addDispatchRegionLowering(const TypeConverter &typeConverter, RewritePatternSet &patterns,
                               ConversionTarget &target) {
  MLIRContext *context = patterns.getContext();
  for (StringLiteral name : {kDispatchRegion, kDispatchReturn})
    target.addDynamicallyLegalOp(OperationName(name, context), [&typeConverter](Operation *op) {
      return typeConverter.isLegal(op);
    });
  patterns.add<DispatchRegionLowering, DispatchReturnLowering>(typeConverter, context);
}

void hoistConstantWorkOutOfDispatchRegions(ModuleOp module) {
  // Weight relayouts (transposes of constants) that the lowering of a
  // group's convolutions placed inside its region: IREE evaluates them at
  // compile time only outside dispatches, and inside one they would run on
  // every call.
  module.walk([](Operation *region) {
    if (region->getName().getStringRef() != kDispatchRegion)
      return;
    Block &body = region->getRegion(0).front();
    DenseSet<Value> hoisted;
    for (Operation &op : llvm::make_early_inc_range(body.without_terminator())) {
      if (!isMemoryEffectFree(&op) || isa<tensor::EmptyOp>(op))
        continue;
      bool readsConstant = false, onlyConstants = true;
      // Operands, and values its regions read from above (a generic that
      // gathers filter taps with tensor.extract).
      SetVector<Value> used(op.getOperands().begin(), op.getOperands().end());
      getUsedValuesDefinedAbove(op.getRegions(), used);
      for (Value operand : used) {
        bool constant = isConstantBefore(operand, region) || hoisted.contains(operand);
        readsConstant |= constant;
        onlyConstants &= constant || operand.getDefiningOp<tensor::EmptyOp>();
      }
      if (!readsConstant || !onlyConstants)
        continue;
      OpBuilder builder(region);
      for (OpOperand &operand : op.getOpOperands())
        if (auto empty = operand.get().getDefiningOp<tensor::EmptyOp>();
            empty && region->isAncestor(empty))
          operand.set(builder.clone(*empty)->getResult(0));
      op.moveBefore(region);
      hoisted.insert(op.getResults().begin(), op.getResults().end());
    }
  });
}

} // namespace mlir::braze::lowering
