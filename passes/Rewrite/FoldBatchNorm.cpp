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
#include "passes/Rewrite/WeightFolding.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::braze {
#define GEN_PASS_DEF_BRAZEFOLDBATCHNORM
#include "passes/Passes.h.inc"

namespace {

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
    scaleOutputChannels(conv, *filter, affine->scale);
    SmallVector<double> newBias(affine->shift);
    if (bias)
      for (int64_t m = 0; m < outChannels; ++m)
        newBias[m] += affine->scale[m] * (*bias)[m];

    Location loc = norm.getLoc();
    Value newFilter = createF32Constant(rewriter, loc, filterType, *filter,
                                        foldedConstantName(norm, "_folded_filter"));
    Value newBiasValue = createF32Constant(
        rewriter, loc, RankedTensorType::get({outChannels}, rewriter.getF32Type()), newBias,
        foldedConstantName(norm, "_folded_bias"));
    rewriter.modifyOpInPlace(conv, [&] {
      conv.getFilterMutable().assign(newFilter);
      conv.getBiasMutable().assign(newBiasValue);
    });
    rewriter.replaceOp(norm, conv.getResult());
    return success();
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
                                    foldedConstantName(norm, "_scale"));
    Value shift = createF32Constant(rewriter, loc, channelType, affine->shift,
                                    foldedConstantName(norm, "_shift"));
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
