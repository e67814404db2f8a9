//===- OutlineGroups.cpp - each fused group as a function of its own ------===//
//
// The check that a fused group is one kernel: outline every braze.fused op
// into a function of its own (its inputs become arguments, constants are
// copied along), drop the rest, and count the dispatches IREE compiles the
// module into -- one per function if every group stayed whole.
//
//===----------------------------------------------------------------------===//

#include "passes/Lowering/LoweringUtils.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::braze {
#define GEN_PASS_DEF_BRAZEOUTLINEFUSEDGROUPS
#include "passes/Passes.h.inc"

namespace {

/// `@<function>_group<index>` computing `group` from its inputs; the index
/// is the fusion plan's group number where --braze-fuse recorded it.
void outline(FusedOp group, func::FuncOp parent, unsigned index, OpBuilder &builder) {
  if (auto planned = group->getAttrOfType<IntegerAttr>("braze.fusion_group"))
    index = planned.getInt();
  llvm::SetVector<Value> inputs, constants;
  group.getBody().walk([&](Operation *member) {
    for (Value operand : member->getOperands()) {
      if (group->isAncestor(operand.getParentRegion()->getParentOp()))
        continue;
      (matchPattern(operand, m_Constant()) ? constants : inputs).insert(operand);
    }
  });
  Location loc = group.getLoc();
  auto function = func::FuncOp::create(
      builder, loc, (parent.getSymName() + "_group" + std::to_string(index)).str(),
      builder.getFunctionType(ValueRange(inputs.getArrayRef()).getTypes(), group.getResultTypes()));
  // Inputs and results keep the layout the group computes in: relayouts at
  // the boundary would add dispatches of their own.
  function->setAttr(lowering::kStorageOrderBoundaryAttr, builder.getUnitAttr());
  Block *body = function.addEntryBlock();
  OpBuilder inner = OpBuilder::atBlockEnd(body);
  IRMapping mapping;
  mapping.map(inputs.getArrayRef(), body->getArguments());
  for (Value constant : constants)
    mapping.map(constant, inner.clone(*constant.getDefiningOp())->getResult(0));
  Operation *copy = inner.clone(*group, mapping);
  func::ReturnOp::create(inner, loc, copy->getResults());
}

struct OutlineFusedGroupsPass : impl::BrazeOutlineFusedGroupsBase<OutlineFusedGroupsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> originals(module.getOps<func::FuncOp>());
    OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
    for (func::FuncOp function : originals) {
      unsigned index = 0;
      function.walk([&](FusedOp group) { outline(group, function, index++, builder); });
      function.erase();
    }
  }
};

} // namespace
} // namespace mlir::braze
