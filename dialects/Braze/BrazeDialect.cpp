//===- BrazeDialect.cpp - dialect, attributes, interfaces ------------------===//

#include "dialects/Braze/BrazeDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::braze;

#include "dialects/Braze/BrazeDialect.cpp.inc"
#include "dialects/Braze/BrazeEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Braze/BrazeAttrs.cpp.inc"

#include "dialects/Braze/BrazeInterfaces.cpp.inc"

void BrazeDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Braze/BrazeAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/Braze/BrazeOps.cpp.inc"
      >();
}

Operation *BrazeDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                             Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

//===----------------------------------------------------------------------===//
// Layouts
//===----------------------------------------------------------------------===//

LogicalResult
LayoutAttr::verifyEncoding(ArrayRef<int64_t> shape, Type elementType,
                           function_ref<InFlightDiagnostic()> emitError) const {
  if (shape.size() != 4)
    return emitError() << "#braze.layout<" << stringifyLayout(getValue())
                       << "> applies to rank-4 (N, C, H, W) tensors, not rank "
                       << shape.size();
  return success();
}

SmallVector<int64_t> LayoutAttr::getPhysicalShape(ArrayRef<int64_t> logical) const {
  assert(logical.size() == 4 && "layouts apply to rank-4 tensors");
  int64_t n = logical[0], c = logical[1], h = logical[2], w = logical[3];
  switch (getValue()) {
  case Layout::nchw:
    return {n, c, h, w};
  case Layout::nhwc:
    return {n, h, w, c};
  case Layout::nc4hw4:
    return {n, llvm::divideCeil(c, 4), h, w, 4};
  }
  llvm_unreachable("unknown layout");
}

Layout mlir::braze::getLayout(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    if (auto layout = dyn_cast_or_null<LayoutAttr>(tensor.getEncoding()))
      return layout.getValue();
  return Layout::nchw;
}

LogicalResult mlir::braze::detail::verifyLayoutOp(Operation *op) {
  auto layoutOp = cast<LayoutOpInterface>(op);
  auto check = [&](Type type, StringRef kind, unsigned index) -> LogicalResult {
    Layout layout = getLayout(type);
    if (layoutOp.supportsLayout(layout))
      return success();
    InFlightDiagnostic diag = op->emitOpError()
                              << kind << " #" << index << " is stored as #braze.layout<"
                              << stringifyLayout(layout) << ">, but the op (layout group "
                              << stringifyLayoutGroup(layoutOp.getLayoutGroup()) << ") ";
    if (layoutOp.supportsLayout(Layout::nhwc) || layoutOp.supportsLayout(Layout::nc4hw4))
      diag << "cannot work in that layout with these shapes and attributes";
    else
      diag << "works on logical nchw order only";
    return diag << "; convert with braze.relayout";
  };
  for (OpOperand &operand : op->getOpOperands())
    if (failed(check(operand.get().getType(), "operand",
                     operand.getOperandNumber())))
      return failure();
  for (OpResult result : op->getResults())
    if (failed(check(result.getType(), "result", result.getResultNumber())))
      return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// Kernel patterns
//===----------------------------------------------------------------------===//

static constexpr int64_t kWindowTaps = 9;

LogicalResult KernelPatternsAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                         ArrayAttr library, ArrayRef<int64_t> channels) {
  if (library.empty())
    return emitError() << "kernel_patterns needs at least one library pattern";
  std::optional<int64_t> keptTaps;
  llvm::SmallDenseSet<StringRef> seen;
  for (auto [index, entry] : llvm::enumerate(library)) {
    auto mask = dyn_cast<StringAttr>(entry);
    if (!mask || mask.size() != kWindowTaps ||
        !llvm::all_of(mask.getValue(), [](char c) { return c == '0' || c == '1'; }))
      return emitError() << "kernel_patterns library entry " << index
                         << " is not a 9-character mask of 0s and 1s: " << entry;
    int64_t kept = llvm::count(mask.getValue(), '1');
    if (keptTaps && kept != *keptTaps)
      return emitError() << "kernel_patterns library entry " << index << " keeps " << kept
                         << " taps, entry 0 keeps " << *keptTaps;
    keptTaps = kept;
    if (kept == 0)
      return emitError() << "kernel_patterns library entry " << index << " keeps no tap";
    if (!seen.insert(mask.getValue()).second)
      return emitError() << "kernel_patterns library entry " << index << " repeats \""
                         << mask.getValue() << "\"";
  }
  for (auto [channel, pattern] : llvm::enumerate(channels))
    if (pattern < kPrunedChannel || pattern >= static_cast<int64_t>(library.size()))
      return emitError() << "kernel_patterns channel " << channel << " uses pattern "
                         << pattern << ", not one of the " << library.size()
                         << " library patterns (or -1, pruned)";
  return success();
}

SmallVector<int64_t> KernelPatternsAttr::getTaps(int64_t pattern) const {
  StringRef mask = cast<StringAttr>(getLibrary()[pattern]).getValue();
  SmallVector<int64_t> taps;
  for (int64_t tap = 0; tap < kWindowTaps; ++tap)
    if (mask[tap] == '1')
      taps.push_back(tap);
  return taps;
}

int64_t KernelPatternsAttr::getKeptTaps() const { return getTaps(0).size(); }

//===----------------------------------------------------------------------===//
// Channel blocks
//===----------------------------------------------------------------------===//

LogicalResult ChannelBlocksAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                        int64_t block, int64_t group, ArrayRef<int64_t> kept) {
  if (block < 1 || group < 1)
    return emitError() << "channel_blocks needs block >= 1 and group >= 1, got block = " << block
                       << ", group = " << group;
  if (kept.empty())
    return emitError() << "channel_blocks keeps no input-channel group";
  if (llvm::any_of(kept, [](int64_t index) { return index < 0; }))
    return emitError() << "channel_blocks keeps a negative group index";
  return success();
}

