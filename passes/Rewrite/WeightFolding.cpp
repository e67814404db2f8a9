//===- WeightFolding.cpp - work folded into constants at compile time ------===//

#include "passes/Rewrite/WeightFolding.h"

#include "mlir/IR/DialectResourceBlobManager.h"

namespace mlir::braze {

std::optional<SmallVector<double>> getF32Constant(Value value) {
  auto constant = value.getDefiningOp<ConstantOp>();
  if (!constant || !constant.getValue().getElementType().isF32())
    return std::nullopt;
  ElementsAttr attr = constant.getValue();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    auto values = dense.getValues<float>();
    return SmallVector<double>(values.begin(), values.end());
  }
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(attr))
    if (std::optional<ArrayRef<float>> values = resource.tryGetAsArrayRef())
      return SmallVector<double>(values->begin(), values->end());
  return std::nullopt;
}

Value createF32Constant(OpBuilder &builder, Location loc, ShapedType type,
                        ArrayRef<double> values, StringRef name) {
  SmallVector<float> data(values.begin(), values.end());
  auto tensorType = RankedTensorType::get(type.getShape(), builder.getF32Type());
  if (data.size() <= 16)
    return ConstantOp::create(builder, loc,
                              DenseElementsAttr::get(tensorType, ArrayRef<float>(data)));
  auto resource = DenseF32ResourceElementsAttr::get(
      tensorType, name, HeapAsmResourceBlob::allocateAndCopyInferAlign<float>(data));
  return ConstantOp::create(builder, loc, cast<ElementsAttr>(resource));
}

std::string foldedConstantName(Operation *op, StringRef suffix) {
  std::string name = op->getName().stripDialect().str();
  if (auto loc = dyn_cast<NameLoc>(op->getLoc()))
    name = loc.getName().str();
  return name + suffix.str();
}

/// Scales each slice of a filter along its dim 0 (row-major, `perSlice`
/// elements each) element by element, by the factor of the output channel
/// `outputChannel(slice, indexInSlice)`.
template <typename OutputChannelFn>
static void scaleFilterSlices(RankedTensorType filterType, MutableArrayRef<double> filter,
                              ArrayRef<double> channelScale, OutputChannelFn outputChannel) {
  int64_t perSlice = filterType.getNumElements() / filterType.getDimSize(0);
  for (int64_t i = 0, e = filter.size(); i < e; ++i)
    filter[i] *= channelScale[outputChannel(i / perSlice, i % perSlice)];
}

void scaleOutputChannels(Conv2DOp conv, MutableArrayRef<double> filter,
                         ArrayRef<double> channelScale) {
  // (M, C/group, kH, kW): dim 0 is the output channel.
  scaleFilterSlices(conv.getFilter().getType(), filter, channelScale,
                    [](int64_t slice, int64_t) { return slice; });
}

void scaleOutputChannels(ConvTranspose2DOp conv, MutableArrayRef<double> filter,
                         ArrayRef<double> channelScale) {
  // (C, M/group, kH, kW): input channel `slice` is in group slice / (C/group),
  // and dim 1 indexes the group's output channels.
  RankedTensorType filterType = conv.getFilter().getType();
  int64_t group = conv.getGroup();
  int64_t inPerGroup = filterType.getDimSize(0) / group;
  int64_t outPerGroup = static_cast<int64_t>(channelScale.size()) / group;
  int64_t kernel = filterType.getDimSize(2) * filterType.getDimSize(3);
  scaleFilterSlices(filterType, filter, channelScale, [&](int64_t slice, int64_t inSlice) {
    return (slice / inPerGroup) * outPerGroup + inSlice / kernel;
  });
}

} // namespace mlir::braze
