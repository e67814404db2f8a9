//===- PatternConvolution.cpp - pattern- and channel-block-sparse convs ----===//
//
// A braze.conv2d with kernel_patterns (--braze-prune-patterns) computes only
// its kept taps. Its channels come in runs sharing a pattern; for each run
// and each tap its pattern keeps, the tap's shifted window of the run's
// channels is one slice of the padded input. The slices, concatenated along
// channels, hold exactly the inputs the kept weights multiply, so the
// convolution becomes a 1x1 convolution (a matrix product) of that tensor
// with the compact filter: the kept weights only, one row per (run, tap,
// channel), built here at compile time. Pruned channels contribute no slice.
//
// This is the form IREE 3.13 runs fast on CPUs. Measured alternatives that
// lose (1 thread, 56x56 128 -> 128, 4-of-9 patterns): a linalg.generic
// reading the kept taps through its indexing maps (IREE does not vectorise
// it: 20x slower than dense), gathering the taps with tensor.extract, and
// one accumulating 1x1 convolution per tap.
//
// A 1x1 convolution with channel_blocks is the same construction once per
// block of filters: the block's kept channel groups (runs of consecutive
// groups as one slice) times the block's compact filter, into the block's
// channels of the result. Measured alternatives that lose (1 thread, 14x14
// 512 -> 512 and 3x80 480 -> 480, half the groups kept): all blocks'
// gathered channels in one tensor and one batched product over the blocks
// (0.96-1.07 and 1.39-1.69 ms against 0.87-0.97 and 1.23-1.38 ms per block),
// and gathering with tensor.extract (1.20 and 1.56 ms).
//
//===----------------------------------------------------------------------===//

#include "passes/Lowering/LoweringUtils.h"
#include "passes/Rewrite/WeightFolding.h"

namespace mlir::braze::lowering {

namespace {

/// Channels [begin, end) sharing library pattern `pattern`.
struct ChannelRun {
  int64_t begin, end, pattern;
};

SmallVector<ChannelRun> channelRuns(ArrayRef<int64_t> channelPatterns) {
  SmallVector<ChannelRun> runs;
  for (auto [channel, pattern] : llvm::enumerate(channelPatterns)) {
    int64_t c = channel;
    if (pattern == KernelPatternsAttr::kPrunedChannel)
      continue;
    if (!runs.empty() && runs.back().end == c && runs.back().pattern == pattern)
      ++runs.back().end;
    else
      runs.push_back({c, c + 1, pattern});
  }
  return runs;
}

/// The 1x1 convolution of `slices`, concatenated along channels, with the
/// (rows, filters) row-major `compact` filter, into `init`.
Value multiplyGathered(OpBuilder &builder, Location loc, ArrayRef<Value> slices,
                       ArrayRef<float> compact, Value init) {
  auto initType = cast<RankedTensorType>(init.getType());
  int64_t filters = initType.getShape().back(), rows = compact.size() / filters;
  Value gathered = slices.size() == 1
                       ? slices.front()
                       : tensor::ConcatOp::create(builder, loc, /*dim=*/3, slices).getResult();
  auto compactType = RankedTensorType::get({1, 1, rows, filters}, builder.getF32Type());
  Value weights =
      arith::ConstantOp::create(builder, loc, DenseElementsAttr::get(compactType, compact));
  DenseIntElementsAttr ones = DenseIntElementsAttr::get(
      RankedTensorType::get({2}, builder.getI64Type()), ArrayRef<int64_t>{1, 1});
  return linalg::Conv2DNhwcHwcfOp::create(builder, loc, TypeRange{initType},
                                          ValueRange{gathered, weights}, ValueRange{init}, ones,
                                          ones)
      .getResult(0);
}

} // namespace

bool lowersAsPatternConvolution(braze::Conv2DOp conv, Layout layout) {
  return conv.getKernelPatternsAttr() && layout == Layout::nhwc &&
         getF32Constant(conv.getFilter()).has_value();
}

Value emitPatternConvolution(OpBuilder &builder, Location loc, braze::Conv2DOp conv, Value padded,
                             Value init) {
  KernelPatternsAttr patterns = conv.getKernelPatternsAttr();
  SmallVector<double> filter = *getF32Constant(conv.getFilter());
  ArrayRef<int64_t> filterShape = conv.getFilter().getType().getShape();
  int64_t filters = filterShape[0], channels = filterShape[1];
  auto initType = cast<RankedTensorType>(init.getType());
  ArrayRef<int64_t> out = initType.getShape(); // (N, oH, oW, M)
  ArrayRef<int64_t> strides = conv.getStrides(), dilations = conv.getDilations();
  SmallVector<Value> slices;
  SmallVector<float> compact; // (rows, M) row-major
  for (ChannelRun run : channelRuns(patterns.getChannels())) {
    for (int64_t tap : patterns.getTaps(run.pattern)) {
      slices.push_back(tapWindow(builder, loc, padded, out.drop_back(), tap / 3, tap % 3,
                                 strides, dilations, run.begin, run.end - run.begin));
      for (int64_t c = run.begin; c < run.end; ++c)
        for (int64_t f = 0; f < filters; ++f)
          compact.push_back(filter[(f * channels + c) * 9 + tap]);
    }
  }
  if (compact.empty()) // every channel pruned: the convolution is its bias
    return init;
  return multiplyGathered(builder, loc, slices, compact, init);
}

bool lowersAsChannelBlockConvolution(braze::Conv2DOp conv, Layout layout) {
  return conv.getChannelBlocksAttr() && layout == Layout::nhwc &&
         getF32Constant(conv.getFilter()).has_value();
}

Value emitChannelBlockConvolution(OpBuilder &builder, Location loc, braze::Conv2DOp conv,
                                  Value padded, Value init) {
  ChannelBlocksAttr blocks = conv.getChannelBlocksAttr();
  SmallVector<double> filter = *getF32Constant(conv.getFilter());
  ArrayRef<int64_t> filterShape = conv.getFilter().getType().getShape();
  int64_t channels = filterShape[1], block = blocks.getBlock(), group = blocks.getGroup();
  int64_t blockCount = filterShape[0] / block;
  int64_t perBlock = blocks.getKept().size() / blockCount;
  auto initType = cast<RankedTensorType>(init.getType());
  ArrayRef<int64_t> out = initType.getShape(); // (N, oH, oW, M)
  SmallVector<int64_t> blockShape(out);
  blockShape.back() = block;
  SmallVector<int64_t> unitStrides(out.size(), 1);
  SmallVector<Value> results;
  for (int64_t b = 0; b < blockCount; ++b) {
    // Runs of consecutive kept groups, as channel ranges [begin, end).
    SmallVector<std::pair<int64_t, int64_t>> runs;
    for (int64_t kept : blocks.getKept().slice(b * perBlock, perBlock)) {
      if (!runs.empty() && runs.back().second == kept * group)
        runs.back().second += group;
      else
        runs.push_back({kept * group, (kept + 1) * group});
    }
    SmallVector<Value> slices;
    SmallVector<float> compact; // (kept channels, block) row-major
    for (auto [begin, end] : runs) {
      slices.push_back(tapWindow(builder, loc, padded, out.drop_back(), 0, 0, conv.getStrides(),
                                 conv.getDilations(), begin, end - begin));
      for (int64_t c = begin; c < end; ++c)
        for (int64_t f = b * block; f < (b + 1) * block; ++f)
          compact.push_back(filter[f * channels + c]);
    }
    SmallVector<int64_t> offsets(out.size(), 0);
    offsets.back() = b * block;
    MLIRContext *context = builder.getContext();
    Value blockInit = tensor::ExtractSliceOp::create(
        builder, loc, RankedTensorType::get(blockShape, initType.getElementType()), init,
        getAsIndexOpFoldResult(context, offsets), getAsIndexOpFoldResult(context, blockShape),
        getAsIndexOpFoldResult(context, unitStrides));
    results.push_back(multiplyGathered(builder, loc, slices, compact, blockInit));
  }
  return results.size() == 1 ? results.front()
                             : tensor::ConcatOp::create(builder, loc, /*dim=*/3, results)
                                   .getResult();
}

} // namespace mlir::braze::lowering
