//===- SelectLayout.cpp - SmartMem layout selection ------------------------===//
//
// Tensors are grouped into layout regions: values joined through ops whose
// output layout follows their input's (layout-independent ops, and the
// convolutions and poolings that choose it). Each region takes one storage
// layout, so no relayout is needed inside it; relayouts appear only at the
// edges where a value meets an op that cannot read its layout.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/EquivalenceClasses.h"

namespace mlir::braze {
#define GEN_PASS_DEF_BRAZESELECTLAYOUT
#include "passes/Passes.h.inc"

namespace {

bool isImage(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getRank() == 4;
}

/// Ops that pick their output layout and whose speed depends on the input's:
/// they anchor a region in channels-last. Their image operand (not the
/// filter) and result share the region.
bool isLayoutAnchor(Operation *op) {
  return isa<Conv2DOp, ConvTranspose2DOp, Pool2DOp>(op);
}

/// Ops whose result is stored like their image operands: layout-independent
/// work with a customizable output (elementwise, batch norm, concat) and
/// reductions that keep their dims.
bool followsOperandLayout(Operation *op) {
  if (auto reduce = dyn_cast<ReduceOp>(op))
    return reduce.getKeepdims();
  auto layoutOp = dyn_cast<LayoutOpInterface>(op);
  return layoutOp && !isa<ConstantOp>(op) &&
         layoutOp.getLayoutGroup() == LayoutGroup::ili_variable;
}

/// The image operands that share the op's region.
SmallVector<Value> regionOperands(Operation *op) {
  if (isLayoutAnchor(op))
    return {op->getOperand(0)};
  SmallVector<Value> operands;
  for (Value operand : op->getOperands())
    if (isImage(operand))
      operands.push_back(operand);
  return operands;
}

struct SelectLayoutPass : impl::BrazeSelectLayoutBase<SelectLayoutPass> {
  using BrazeSelectLayoutBase::BrazeSelectLayoutBase;

  void runOnOperation() override {
    if (target != "cpu" && target != "gpu") {
      getOperation().emitError("--braze-select-layout: unknown target '")
          << target << "' (valid: cpu, gpu)";
      return signalPassFailure();
    }
    func::FuncOp func = getOperation();

    // 1. Regions: union the image operands and results of region ops.
    llvm::EquivalenceClasses<Value> regions;
    // Results of region ops: the values this pass retypes. Other members of a
    // region (arguments, constants, results of other ops) are read through a
    // relayout instead.
    llvm::DenseSet<Value> regionResults, anchored;
    func.walk([&](Operation *op) {
      bool anchor = isLayoutAnchor(op);
      if (!(anchor || followsOperandLayout(op)) || op->getNumResults() != 1 ||
          !isImage(op->getResult(0)))
        return;
      Value result = op->getResult(0);
      regions.insert(result);
      regionResults.insert(result);
      for (Value operand : regionOperands(op))
        regions.unionSets(result, operand);
      if (anchor)
        anchored.insert(result);
    });

    // 2. One layout per region: channels-last where a convolution or pooling
    // works on it.
    llvm::DenseSet<Value> channelsLastLeaders;
    for (Value anchor : anchored)
      channelsLastLeaders.insert(regions.getLeaderValue(anchor));
    for (const auto *region : regions)
      numRegions += region->isLeader();
    numChannelsLastRegions += channelsLastLeaders.size();
    auto isChannelsLast = [&](Value value) {
      return regions.contains(value) &&
             channelsLastLeaders.contains(regions.getLeaderValue(value));
    };
    // Region ops read their region operands in the region's layout.
    auto readsChannelsLast = [&](Operation *user, Value operand) {
      return user->getNumResults() == 1 && regionResults.contains(user->getResult(0)) &&
             isChannelsLast(user->getResult(0)) &&
             llvm::is_contained(regionOperands(user), operand);
    };

    // 3. Apply in program order: retype region results, relayout operands
    // whose layout their user cannot read.
    MLIRContext *context = &getContext();
    auto nhwc = LayoutAttr::get(context, Layout::nhwc);
    DenseMap<std::pair<Value, Attribute>, Value> relayouts;
    func.walk([&](Operation *op) {
      for (OpOperand &use : op->getOpOperands())
        if (Value converted = convertIfNeeded(use, readsChannelsLast, nhwc, relayouts))
          use.set(converted);
      for (Value result : op->getResults())
        if (regionResults.contains(result) && isChannelsLast(result)) {
          auto type = cast<RankedTensorType>(result.getType());
          result.setType(RankedTensorType::get(type.getShape(), type.getElementType(), nhwc));
        }
    });
  }

  /// The value `use` should read instead of its current one, or null when its
  /// user can read it as it is stored.
  Value convertIfNeeded(OpOperand &use,
                        function_ref<bool(Operation *, Value)> readsChannelsLast,
                        LayoutAttr nhwc,
                        DenseMap<std::pair<Value, Attribute>, Value> &relayouts) {
    Operation *user = use.getOwner();
    Value value = use.get();
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type)
      return {};
    Layout stored = getLayout(type);
    Layout wanted = Layout::nchw;
    if (readsChannelsLast(user, value))
      wanted = Layout::nhwc;
    else if (auto layoutOp = dyn_cast<LayoutOpInterface>(user);
             layoutOp && layoutOp.supportsLayout(stored))
      wanted = stored;
    if (wanted == stored)
      return {};
    Attribute encoding = wanted == Layout::nhwc ? Attribute(nhwc) : Attribute();
    Value &converted = relayouts[{value, encoding}];
    if (!converted) {
      OpBuilder builder(user->getContext());
      builder.setInsertionPointAfterValue(value);
      auto wantedType =
          RankedTensorType::get(type.getShape(), type.getElementType(), encoding);
      converted = RelayoutOp::create(builder, value.getLoc(), wantedType, value);
      ++numRelayouts;
    }
    return converted;
  }
};

} // namespace
} // namespace mlir::braze
