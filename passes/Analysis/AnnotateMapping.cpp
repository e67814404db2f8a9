//===- AnnotateMapping.cpp - expose mapping types and layout groups --------===//
//
// Writes the answers of MappingTypeOpInterface and LayoutOpInterface onto the
// ops, the classification that --braze-fuse and --braze-select-layout act on.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringExtras.h"

namespace mlir::braze {
#define GEN_PASS_DEF_BRAZEANNOTATEMAPPING
#include "passes/Passes.h.inc"

namespace {

constexpr llvm::StringLiteral kMappingAttrName = "braze.mapping";
constexpr llvm::StringLiteral kLayoutGroupAttrName = "braze.layout_group";

struct AnnotateMappingPass
    : impl::BrazeAnnotateMappingBase<AnnotateMappingPass> {
  using BrazeAnnotateMappingBase::BrazeAnnotateMappingBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    getOperation()->walk([&](Operation *op) {
      // A fused group is not an op of the model; its members are.
      if (isa<FusedOp>(op))
        return;
      if (auto mapped = dyn_cast<MappingTypeOpInterface>(op))
        op->setAttr(kMappingAttrName,
                    MappingTypeAttr::get(context, mapped.getMappingType()));
      if (auto laidOut = dyn_cast<LayoutOpInterface>(op))
        op->setAttr(kLayoutGroupAttrName,
                    LayoutGroupAttr::get(context, laidOut.getLayoutGroup()));
    });
    if (summary)
      getOperation()->walk([](func::FuncOp func) { emitSummary(func); });
  }

  /// "mapping types: one_to_one 3, many_to_many 1, ..." in enum order.
  static void emitSummary(func::FuncOp func) {
    SmallVector<int64_t> counts(getMaxEnumValForMappingType() + 1, 0);
    func.walk([&](MappingTypeOpInterface op) {
      if (!isa<FusedOp>(op))
        ++counts[static_cast<uint32_t>(op.getMappingType())];
    });
    SmallVector<std::string> parts;
    for (auto [index, count] : llvm::enumerate(counts))
      parts.push_back((stringifyMappingType(static_cast<MappingType>(index)) +
                       " " + std::to_string(count))
                          .str());
    func.emitRemark() << "mapping types: " << llvm::join(parts, ", ");
  }
};

} // namespace
} // namespace mlir::braze
