//===- FoldBatchNorm.cpp - inference batch norm at compile time ------------===//
//
// An inference batch norm with constant statistics is an affine map per
// channel, y = a * x + b with a = scale / sqrt(variance + epsilon) and
// b = bias - mean * a. Computing a and b once here, instead of a square root
// and a division per element at run time, is the folding DNNFusion and every
// mobile engine do:
//
//  - after a convolution whose filter (and bias) are constants, a and b go
//    into the filter and bias: the batch norm disappears;
//  - anywhere else it becomes braze.mul and braze.add with constant [C,1,..]
//    vectors, which fuse with their neighbours as plain elementwise work.
//
// Values are computed in double and stored in the tensors' element type;
// only f32 constants are folded (other float types keep their batch norm,
// which stays correct).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::braze {
#define GEN_PASS_DEF_BRAZEFOLDBATCHNORM
#include "passes/Passes.h.inc"

namespace {

/// The contents of an f32 braze.constant (dense or dense resource), or
/// nullopt when `value` is something else.
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

/// A braze.constant holding `values` (f32) with `type`'s shape. Large ones
/// become dense resources, like the weights the frontend imports.
Value createF32Constant(PatternRewriter &rewriter, Location loc, ShapedType type,
                        ArrayRef<double> values, StringRef name) {
  SmallVector<float> data(values.begin(), values.end());
  auto tensorType = RankedTensorType::get(type.getShape(), rewriter.getF32Type());
  if (data.size() <= 16)
    return ConstantOp::create(rewriter, loc,
                              DenseElementsAttr::get(tensorType, ArrayRef<float>(data)));
  auto resource = DenseF32ResourceElementsAttr::get(
      tensorType, name, HeapAsmResourceBlob::allocateAndCopyInferAlign<float>(data));
  return ConstantOp::create(rewriter, loc, cast<ElementsAttr>(resource));
}

/// The per-channel affine map (a, b) of a batch norm with constant operands.
struct ChannelAffine {
  SmallVector<double> scale, shift;
};

std::optional<ChannelAffine> getChannelAffine(BatchNormOp norm) {
  auto scale = getF32Constant(norm.getScale());
  auto bias = getF32Constant(norm.getBias());
  auto mean = getF32Constant(norm.getMean());
  auto variance = getF32Constant(norm.getVariance());
  if (!scale || !bias || !mean || !variance)
    return std::nullopt;
  double epsilon = norm.getEpsilon().convertToDouble();
  ChannelAffine affine;
  for (size_t c = 0, e = scale->size(); c < e; ++c) {
    double a = (*scale)[c] / std::sqrt((*variance)[c] + epsilon);
    affine.scale.push_back(a);
    affine.shift.push_back((*bias)[c] - (*mean)[c] * a);
  }
  return affine;
}

/// A name for a folded constant's resource blob, from the batch norm's
/// location when it carries the ONNX node name.
std::string foldedName(BatchNormOp norm, StringRef suffix) {
  std::string name = "batch_norm";
  if (auto loc = dyn_cast<NameLoc>(norm.getLoc()))
    name = loc.getName().str();
  return name + suffix.str();
}

/// batch_norm(conv(x, W, b)) -> conv(x, W', b'): each filter element is
/// scaled by a of its output channel, b' = a * b + shift. Conv2D filters are
/// (M, C/group, kH, kW); ConvTranspose2D filters (C, M/group, kH, kW).
template <typename ConvOp>
struct FoldIntoConvolution : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp norm, PatternRewriter &rewriter) const override {
    auto conv = norm.getInput().template getDefiningOp<ConvOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(norm, "input is not a single-use convolution");
    std::optional<SmallVector<double>> filter = getF32Constant(conv.getFilter());
    std::optional<SmallVector<double>> bias;
    if (conv.getBias() && !(bias = getF32Constant(conv.getBias())))
      return rewriter.notifyMatchFailure(norm, "convolution bias is not a constant");
    std::optional<ChannelAffine> affine = getChannelAffine(norm);
    if (!filter || !affine)
      return rewriter.notifyMatchFailure(norm, "filter or statistics are not f32 constants");

    auto filterType = cast<RankedTensorType>(conv.getFilter().getType());
    int64_t outChannels = affine->scale.size();
    int64_t perSlice = filterType.getNumElements() / filterType.getDimSize(0);
    for (int64_t i = 0, e = filter->size(); i < e; ++i)
      (*filter)[i] *= affine->scale[outputChannel(conv, filterType, outChannels, i / perSlice,
                                                  i % perSlice)];
    SmallVector<double> newBias(affine->shift);
    if (bias)
      for (int64_t m = 0; m < outChannels; ++m)
        newBias[m] += affine->scale[m] * (*bias)[m];

    Location loc = norm.getLoc();
    Value newFilter = createF32Constant(rewriter, loc, filterType, *filter,
                                        foldedName(norm, "_folded_filter"));
    Value newBiasValue = createF32Constant(
        rewriter, loc, RankedTensorType::get({outChannels}, rewriter.getF32Type()), newBias,
        foldedName(norm, "_folded_bias"));
    rewriter.modifyOpInPlace(conv, [&] {
      conv.getFilterMutable().assign(newFilter);
      conv.getBiasMutable().assign(newBiasValue);
    });
    rewriter.replaceOp(norm, conv.getResult());
    return success();
  }

  /// The output channel that filter slice `slice` (index along dim 0),
  /// element `inSlice` within it, contributes to.
  static int64_t outputChannel(ConvOp conv, RankedTensorType filterType, int64_t outChannels,
                               int64_t slice, int64_t inSlice) {
    if constexpr (std::is_same_v<ConvOp, Conv2DOp>) {
      return slice;
    } else {
      // (C, M/group, kH, kW): input channel `slice` is in group
      // slice / (C/group), and dim 1 indexes the group's output channels.
      int64_t group = conv.getGroup();
      int64_t inPerGroup = filterType.getDimSize(0) / group;
      int64_t outPerGroup = outChannels / group;
      int64_t kernel = filterType.getDimSize(2) * filterType.getDimSize(3);
      return (slice / inPerGroup) * outPerGroup + inSlice / kernel;
    }
  }
};

/// batch_norm(x) with constant statistics -> x * a + b.
struct BatchNormToAffine : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp norm, PatternRewriter &rewriter) const override {
    std::optional<ChannelAffine> affine = getChannelAffine(norm);
    if (!affine)
      return rewriter.notifyMatchFailure(norm, "statistics are not f32 constants");
    // [C, 1, ...]: broadcasts against (N, C, ...) from the right.
    RankedTensorType type = norm.getType();
    SmallVector<int64_t> channelShape(type.getRank() - 1, 1);
    channelShape[0] = type.getDimSize(1);
    auto channelType = RankedTensorType::get(channelShape, rewriter.getF32Type());
    Location loc = norm.getLoc();
    Value scale = createF32Constant(rewriter, loc, channelType, affine->scale,
                                    foldedName(norm, "_scale"));
    Value shift = createF32Constant(rewriter, loc, channelType, affine->shift,
                                    foldedName(norm, "_shift"));
    Value scaled = MulOp::create(rewriter, loc, norm.getInput(), scale);
    rewriter.replaceOpWithNewOp<AddOp>(norm, scaled, shift);
    return success();
  }
};

struct FoldBatchNormPass : impl::BrazeFoldBatchNormBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Folding into a convolution removes the op; only where none precedes
    // it does the batch norm become elementwise work.
    patterns.add<FoldIntoConvolution<Conv2DOp>, FoldIntoConvolution<ConvTranspose2DOp>>(
        &getContext(), /*benefit=*/2);
    patterns.add<BatchNormToAffine>(&getContext(), /*benefit=*/1);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace mlir::braze
