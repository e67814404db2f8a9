//===- SelectLayout.cpp - SmartMem layout selection ------------------------===//
//
// Tensors are grouped into layout regions: values joined through ops whose
// output layout follows their input's (layout-independent ops, and the
// convolutions and poolings that choose it). Each region takes one storage
// layout, so no relayout is needed inside it; relayouts appear only at the
// edges where a value meets an op that cannot read its layout.
//
// The layout of a region with a convolution or pooling depends on the target:
//  - cpu: channels-last (NHWC), the form of linalg's named NHWC convolutions
//    and pooling that IREE's CPU pipeline vectorizes best.
//  - gpu: channel-blocked NC4HW4, (N, ceil(C/4), H, W, 4), with C padded up
//    to a multiple of 4. Each pixel's channels come in 4-vectors: one texel
//    (RGBA) of an image, one vec4 load or store, a 4x4 weight block per
//    multiply-accumulate step. Mobile GPU engines store activations so (MNN's
//    NC4HW4, TFLite GPU's PHWC4), since mobile GPUs read and write 4-wide
//    vectors and textures best. The padded lanes are never read into real
//    channels (their lowering keeps them apart), which some ops cannot do: a
//    reduction over C, a concat along C whose inputs but the last do not fill
//    whole blocks, a grouped convolution whose groups do not span whole
//    blocks. Each op says so through LayoutOpInterface::supportsLayout; a
//    region holding such an op is stored NHWC instead, whole, so that no
//    relayout appears inside it. Softmax, layer norm and the other
//    logical-order ops are outside regions anyway: they read through a
//    relayout in either layout.
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

    // 2. One layout per region where a convolution or pooling works on it
    // (see the file header); the others stay in logical order.
    DenseMap<Value, Layout> leaderLayouts;
    Layout anchoredLayout = target == "gpu" ? Layout::nc4hw4 : Layout::nhwc;
    for (Value anchor : anchored)
      leaderLayouts[regions.getLeaderValue(anchor)] = anchoredLayout;
    for (Value result : regionResults) {
      auto found = leaderLayouts.find(regions.getLeaderValue(result));
      if (found != leaderLayouts.end() && found->second == Layout::nc4hw4 &&
          !cast<LayoutOpInterface>(result.getDefiningOp()).supportsLayout(Layout::nc4hw4))
        found->second = Layout::nhwc;
    }
    for (const auto *region : regions)
      numRegions += region->isLeader();
    for (auto [leader, layout] : leaderLayouts)
      ++(layout == Layout::nhwc ? numChannelsLastRegions : numBlockedRegions);
    auto regionLayout = [&](Value value) {
      if (!regions.contains(value))
        return Layout::nchw;
      return leaderLayouts.lookup_or(regions.getLeaderValue(value), Layout::nchw);
    };
    // Region ops read their region operands in the region's layout.
    auto layoutRead = [&](Operation *user, Value operand) -> std::optional<Layout> {
      if (user->getNumResults() != 1 || !regionResults.contains(user->getResult(0)) ||
          !llvm::is_contained(regionOperands(user), operand))
        return std::nullopt;
      Layout layout = regionLayout(user->getResult(0));
      return layout == Layout::nchw ? std::nullopt : std::optional(layout);
    };

    // 3. Apply in program order: retype region results, relayout operands
    // whose layout their user cannot read.
    DenseMap<std::pair<Value, Layout>, Value> relayouts;
    func.walk([&](Operation *op) {
      for (OpOperand &use : op->getOpOperands())
        if (Value converted = convertIfNeeded(use, layoutRead, relayouts))
          use.set(converted);
      for (Value result : op->getResults())
        if (regionResults.contains(result) && regionLayout(result) != Layout::nchw)
          result.setType(withLayout(result.getType(), regionLayout(result)));
    });
  }

  /// `type` stored in `layout` (no encoding for the logical nchw).
  static RankedTensorType withLayout(Type type, Layout layout) {
    auto tensor = cast<RankedTensorType>(type);
    Attribute encoding;
    if (layout != Layout::nchw)
      encoding = LayoutAttr::get(type.getContext(), layout);
    return RankedTensorType::get(tensor.getShape(), tensor.getElementType(), encoding);
  }

  /// The value `use` should read instead of its current one, or null when its
  /// user can read it as it is stored. `layoutRead` gives the layout in
  /// which a region op reads its region operands.
  Value convertIfNeeded(
      OpOperand &use,
      function_ref<std::optional<Layout>(Operation *, Value)> layoutRead,
      DenseMap<std::pair<Value, Layout>, Value> &relayouts) {
    Operation *user = use.getOwner();
    Value value = use.get();
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type)
      return {};
    Layout stored = getLayout(type);
    Layout wanted = Layout::nchw;
    if (std::optional<Layout> read = layoutRead(user, value))
      wanted = *read;
    else if (auto layoutOp = dyn_cast<LayoutOpInterface>(user);
             layoutOp && layoutOp.supportsLayout(stored))
      wanted = stored;
    if (wanted == stored)
      return {};
    Value &converted = relayouts[{value, wanted}];
    if (!converted) {
      OpBuilder builder(user->getContext());
      builder.setInsertionPointAfterValue(value);
      converted =
          RelayoutOp::create(builder, value.getLoc(), withLayout(type, wanted), value);
      ++numRelayouts;
    }
    return converted;
  }
};

} // namespace
} // namespace mlir::braze
