//===- Contraction.cpp - many-to-many braze ops -> linalg ------------------===//
//
// Convolutions and pooling become linalg's named NCHW ops (after a
// tensor.pad), matrix products linalg.matmul / batch_matmul or a contraction
// linalg.generic for numpy broadcasting, softmax linalg.softmax, and
// reductions linalg.generic with reduction loops. Channels-last tensors take
// the named NHWC ops; channel-blocked (nc4hw4) convolutions, which have no
// named op, a linalg.generic over the blocked dimensions.
//
//===----------------------------------------------------------------------===//

#include "dialects/Braze/BrazeDialect.h"
#include "passes/Lowering/LoweringUtils.h"

namespace mlir::braze::lowering {
namespace {

DenseIntElementsAttr i64Vector(OpBuilder &builder, ArrayRef<int64_t> values) {
  return builder.getI64TensorAttr(values);
}

/// `bias` (M) broadcast to `type` (N, M, H, W in its layout), or zeros
/// without a bias: the accumulator a convolution starts from, so the bias
/// costs no extra pass over the output.
Value convolutionInit(OpBuilder &builder, Location loc, RankedTensorType type,
                      Value bias) {
  Type elementType = type.getElementType();
  if (!bias)
    return filledTensor(builder, loc, storageType(type),
                        scalarConstant(builder, loc, elementType, 0.0));
  auto column = RankedTensorType::get({type.getDimSize(1), 1, 1}, elementType);
  return buildElementwise(builder, loc, type, reshapeTensor(builder, loc, bias, column),
                          TypeRange{column},
                          [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

/// A convolution's result with its bias added by a separate elementwise op
/// (which IREE fuses into the convolution's dispatch as a consumer), for
/// blocked results: IREE 3.13's SPIR-V code generation fails on a blocked
/// convolution accumulating onto the broadcast bias when its input is one
/// partly padded block (measured: the squeeze-excite of ppocr-cls for
/// vulkan-valhall).
Value addBias(OpBuilder &builder, Location loc, RankedTensorType type, Value convolution,
              Value bias) {
  auto column = RankedTensorType::get({type.getDimSize(1), 1, 1}, type.getElementType());
  return buildElementwise(builder, loc, type,
                          {convolution, reshapeTensor(builder, loc, bias, column)},
                          TypeRange{type, column}, [](OpBuilder &b, Location l, ValueRange a) {
                            return buildAdd(b, l, a[0], a[1]);
                          });
}

/// The layout of the image tensors of a convolution or pooling; operand and
/// result must share it (layout selection ensures it).
FailureOr<Layout> imageLayout(Operation *op, Type input, Type output) {
  Layout layout = getLayout(input);
  if (layout != getLayout(output))
    return op->emitOpError("lowers only with the same layout for input and output, got ")
           << input << " and " << output;
  return layout;
}

/// out + lhs * rhs accumulated over a linalg.generic whose last `reductions`
/// loops are reductions; `inputs` are lhs, rhs and optionally an i1 mask,
/// `maps` index them and then out. An lhs element the mask marks false counts
/// as zero, whatever it holds.
Value multiplyAccumulate(OpBuilder &builder, Location loc, ValueRange inputs, Value init,
                         ArrayRef<AffineMap> maps, int64_t reductions) {
  int64_t loops = maps.front().getNumDims();
  SmallVector<utils::IteratorType> iterators(loops - reductions,
                                             utils::IteratorType::parallel);
  iterators.append(reductions, utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             builder, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &b, Location l, ValueRange args) {
               Value x = args[0];
               if (inputs.size() == 3)
                 x = arith::SelectOp::create(b, l, args[2], x,
                                             scalarConstant(b, l, x.getType(), 0.0));
               linalg::YieldOp::create(
                   b, l, buildAdd(b, l, args.back(), buildMul(b, l, x, args[1])));
             })
      .getResult(0);
}

/// An i1 constant (ceil(channels / 4), 4): whether each lane of blocked
/// channels holds one of the `channels`, not padding.
Value realLanes(OpBuilder &builder, Location loc, int64_t channels) {
  int64_t blocks = llvm::divideCeil(channels, kChannelBlock);
  SmallVector<bool> real(blocks * kChannelBlock, false);
  std::fill_n(real.begin(), channels, true);
  auto type = RankedTensorType::get({blocks, kChannelBlock}, builder.getI1Type());
  return arith::ConstantOp::create(builder, loc, DenseElementsAttr::get(type, real));
}

/// A convolution of blocked (N, C/4, H, W, 4) tensors. linalg has no named op
/// for it: a linalg.generic whose input map walks the windows (oh * stride +
/// kh * dilation). The filter is blocked like the images, zero-padded (a
/// constant expression, which IREE evaluates at compile time): depthwise
/// (C/4, kH, kW, 4), else per group (G, M/G/4, C/G/4, kH, kW, 4 in, 4 out),
/// so that each 4-channel input texel meets a 4x4 weight block. Group
/// boundaries fall on blocks (Conv2DOp::supportsLayout). A padded input lane
/// meets only zero weights, but it may hold anything (inf * 0 is NaN): where
/// C has padded lanes, a constant mask reads them as zero (a mask computed
/// from linalg.index in the body is miscompiled by IREE 3.13 on llvm-cpu).
Value emitBlockedConvolution(OpBuilder &builder, Location loc, Value input, Value filter,
                             Value init, ArrayRef<int64_t> strides,
                             ArrayRef<int64_t> dilations, int64_t group) {
  MLIRContext *context = builder.getContext();
  auto filterType = cast<RankedTensorType>(filter.getType());
  int64_t filters = filterType.getDimSize(0), perGroup = filterType.getDimSize(1);
  auto d = [&](unsigned position) { return getAffineDimExpr(position, context); };
  // The input row (column) a tap reads: out * stride + tap * dilation.
  auto window = [&](int spatial, AffineExpr out, AffineExpr tap) {
    return out * strides[spatial] + tap * dilations[spatial];
  };
  auto map = [&](unsigned loops, ArrayRef<AffineExpr> exprs) {
    return AffineMap::get(loops, 0, exprs, context);
  };

  if (group > 1 && perGroup == 1 && filters == group) {
    // Depthwise; loops n, c/4, oh, ow, c%4 | kh, kw.
    Value chw = tensor::CollapseShapeOp::create(builder, loc, filter,
                                                splitDimReassociation(3, 0));
    Value blocked =
        transposeTensor(builder, loc, splitIntoBlocks(builder, loc, chw, 0), {0, 2, 3, 1});
    AffineMap maps[] = {
        map(7, {d(0), d(1), window(0, d(2), d(5)), window(1, d(3), d(6)), d(4)}),
        map(7, {d(1), d(5), d(6), d(4)}), map(7, {d(0), d(1), d(2), d(3), d(4)})};
    return multiplyAccumulate(builder, loc, {input, blocked}, init, maps, 2);
  }

  // Per group; loops n, g, m/4, oh, ow, m%4 | c/4, kh, kw, c%4.
  auto splitGroups = [&](Value image) {
    auto type = cast<RankedTensorType>(image.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape[1] /= group;
    shape.insert(shape.begin() + 1, group);
    return tensor::ExpandShapeOp::create(builder, loc,
                                         RankedTensorType::get(shape, type.getElementType()),
                                         image, splitDimReassociation(5, 1));
  };
  Value grouped = tensor::ExpandShapeOp::create(
      builder, loc,
      RankedTensorType::get({group, filters / group, perGroup, filterType.getDimSize(2),
                             filterType.getDimSize(3)},
                            filterType.getElementType()),
      filter, splitDimReassociation(4, 0));
  grouped = splitIntoBlocks(builder, loc, splitIntoBlocks(builder, loc, grouped, 1), 3);
  Value blocked = transposeTensor(builder, loc, grouped, {0, 1, 3, 5, 6, 4, 2});
  SmallVector<Value> inputs = {splitGroups(input), blocked};
  SmallVector<AffineMap> maps = {
      map(10, {d(0), d(1), d(6), window(0, d(3), d(7)), window(1, d(4), d(8)), d(9)}),
      map(10, {d(1), d(2), d(6), d(7), d(8), d(9), d(5)})};
  if (perGroup % kChannelBlock) {
    inputs.push_back(realLanes(builder, loc, perGroup));
    maps.push_back(map(10, {d(6), d(9)}));
  }
  maps.push_back(map(10, {d(0), d(1), d(2), d(3), d(4), d(5)}));
  Value result = multiplyAccumulate(builder, loc, inputs, splitGroups(init), maps, 4);
  return tensor::CollapseShapeOp::create(builder, loc, init.getType(), result,
                                         splitDimReassociation(5, 1));
}

/// Rows (N * H * W) up to which a channels-last 1x1 convolution becomes a
/// linalg.matmul that asks IREE to data-tile it (pack the operands into
/// register-tile blocks, weights at compile time). With few rows IREE's conv
/// tiling leaves most of each vector tile idle; with many, packing the
/// activations costs more than it saves. Measured (1 thread, AVX-512,
/// bias + relu fused): 7x7x512 -> 512 0.50 ms as a conv, 0.26 ms data-tiled;
/// 14x14x256 -> 256 0.19 ms as a conv, 0.27 ms data-tiled.
constexpr int64_t kDataTiledPointwiseMaxRows = 64;

/// The f32 lanes of the widest CPU vectors (AVX-512) the lowering's CPU
/// choices are sized for; the 4- and 8-lane ones of NEON and AVX2 divide it.
constexpr int64_t kCpuVectorLanes = 16;

/// The discardable attribute IREE's dispatch creation reads: data-tile this
/// contraction (and, once any op carries it, only the ones that do).
constexpr StringLiteral kDataTilingHint = "iree.opt.data_tiling";

/// A channels-last 1x1 stride-1 convolution as a matrix product, data-tiled
/// where asked: (N*H*W, C) x (C, M), the filter transposed at compile time.
Value emitPointwiseMatmul(OpBuilder &builder, Location loc, Value input, Value filter,
                          Value init, bool dataTiled) {
  SmallVector<ReassociationIndices> pixelsAndChannels = {{0, 1, 2}, {3}};
  Value pixels = tensor::CollapseShapeOp::create(builder, loc, input, pixelsAndChannels);
  Value accumulator = tensor::CollapseShapeOp::create(builder, loc, init, pixelsAndChannels);
  Value filterMatrix = tensor::CollapseShapeOp::create(
      builder, loc, filter, ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
  Value weights = transposeTensor(builder, loc, filterMatrix, {1, 0});
  auto matmul = linalg::MatmulOp::create(builder, loc, TypeRange{accumulator.getType()},
                                         ValueRange{pixels, weights}, ValueRange{accumulator});
  if (dataTiled)
    matmul->setAttr(kDataTilingHint, builder.getUnitAttr());
  return tensor::ExpandShapeOp::create(builder, loc, init.getType(), matmul.getResult(0),
                                       pixelsAndChannels);
}

/// A channels-last 1x1 stride-1 convolution of one image as the contraction
/// IREE makes of it, (H, W, C) x (C, M) -> (H, W, M), with its unit batch
/// dimension dropped as IREE drops it. IREE rebuilds a convolution (and any
/// op with unit dimensions) into this form and drops its attributes on the
/// way; emitted in it, the op keeps the tiles --braze-tile-contractions
/// gives it. The pixels stay 2-D, so a padded consumer still reads the
/// result in place (collapsing them to rows would cost a copy).
Value emitPixelContraction(OpBuilder &builder, Location loc, Value input, Value filter,
                           Value init) {
  SmallVector<ReassociationIndices> dropBatch = {{0, 1}, {2}, {3}};
  Value image = tensor::CollapseShapeOp::create(builder, loc, input, dropBatch);
  Value accumulator = tensor::CollapseShapeOp::create(builder, loc, init, dropBatch);
  Value filterMatrix = tensor::CollapseShapeOp::create(
      builder, loc, filter, ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
  Value weights = transposeTensor(builder, loc, filterMatrix, {1, 0});
  MLIRContext *context = builder.getContext();
  AffineExpr h, w, m, c;
  bindDims(context, h, w, m, c);
  SmallVector<AffineMap> maps = {AffineMap::get(4, 0, {h, w, c}, context),
                                 AffineMap::get(4, 0, {c, m}, context),
                                 AffineMap::get(4, 0, {h, w, m}, context)};
  Value result =
      multiplyAccumulate(builder, loc, {image, weights}, accumulator, maps, /*reductions=*/1);
  return tensor::ExpandShapeOp::create(builder, loc, init.getType(), result, dropBatch);
}

/// The forms emitConvolution may choose besides linalg's named convolutions.
struct ConvolutionForms {
  /// For IREE's llvm-cpu pipeline: convolutions sliding along one axis tap by
  /// tap, single-image pointwise ones as pixel contractions.
  bool cpuContractions = false;
  /// Pointwise ones whose result no padded window reads in place as matrix
  /// products of pixel rows (emitPointwiseMatmul): data-tiled where small;
  /// on CPU, also where large with columns in whole 16-lane vectors. IREE
  /// collapses such a product's pixels into rows itself, and drops the
  /// tiles --braze-tile-contractions gave the pixel form on the way;
  /// emitted as rows, it keeps them. Measured (1 thread, AVX-512):
  /// ppocr-rec's 3x80 pixels x 480 -> 480 before a pooling, 3.7 ms collapsed
  /// by IREE with its own tiles of 60 columns, 1.7-1.9 ms as rows with
  /// braze's. With other column counts braze gives no tiles, and the pixel
  /// form keeps a broadcast bias in the product's dispatch (ppocr-det's
  /// 160x160 pixels x 48 -> 12 as rows: the broadcast became a dispatch).
  bool pixelRows = false;
};

Value emitConvolution(OpBuilder &builder, Location loc, Value input, Value filter,
                      Value init, ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                      int64_t group, Layout layout, ConvolutionForms forms);

/// Whether a channels-last convolution's window slides along one spatial
/// axis only: along the other, input, kernel and output are all 1 (the
/// 1 x k sequence convolutions of text recognisers).
bool slidesAlongOneAxis(RankedTensorType input, ArrayRef<int64_t> kernel,
                        RankedTensorType output) {
  auto unitAxis = [&](int64_t axis) {
    return input.getDimSize(1 + axis) == 1 && kernel[axis] == 1 &&
           output.getDimSize(1 + axis) == 1;
  };
  return (unitAxis(0) && kernel[1] > 1) || (unitAxis(1) && kernel[0] > 1);
}

/// A channels-last convolution sliding along one axis (slidesAlongOneAxis)
/// as one 1x1 convolution (a matrix product) per kernel tap, each reading
/// the tap's window of the input and accumulating onto the previous one.
/// IREE 3.13 drops the unit axis, no longer sees a convolution, and tiles
/// the contraction left over 1 pixel x 8 filters. Measured (1 thread),
/// ppocr-rec's 1x3 960 -> 60 convolution over 40 pixels: 12 ms as a
/// convolution, 0.4-0.5 ms per tap or as one product of the windows
/// concatenated (an im2col); per tap needs no copies of the input.
Value emitTapByTapConvolution(OpBuilder &builder, Location loc, Value input, Value filter,
                              Value init, ArrayRef<int64_t> strides,
                              ArrayRef<int64_t> dilations) {
  auto filterType = cast<RankedTensorType>(filter.getType()); // F, C, kH, kW
  auto initType = cast<RankedTensorType>(init.getType());
  int64_t filters = filterType.getDimSize(0), channels = filterType.getDimSize(1);
  MLIRContext *context = builder.getContext();
  auto tapFilterType = RankedTensorType::get({filters, channels, 1, 1},
                                             filterType.getElementType());
  Value accumulator = init;
  for (int64_t row = 0; row < filterType.getDimSize(2); ++row)
    for (int64_t column = 0; column < filterType.getDimSize(3); ++column) {
      Value window = tapWindow(builder, loc, input, initType.getShape().drop_back(), row,
                               column, strides, dilations, 0, channels);
      Value tapFilter = tensor::ExtractSliceOp::create(
          builder, loc, tapFilterType, filter,
          getAsIndexOpFoldResult(context, {0, 0, row, column}),
          getAsIndexOpFoldResult(context, tapFilterType.getShape()),
          getAsIndexOpFoldResult(context, {1, 1, 1, 1}));
      accumulator = emitConvolution(builder, loc, window, tapFilter, accumulator, {1, 1},
                                    {1, 1}, /*group=*/1, Layout::nhwc,
                                    ConvolutionForms{/*cpuContractions=*/true});
    }
  return accumulator;
}

/// Whether `value` reaches, through elementwise ops IREE fuses into its
/// producer, a convolution or pooling that pads it. Such a producer writes
/// straight into the padded buffer, unless it is data-tiled: then its result
/// is unpacked first and the padding becomes a copy dispatch.
bool feedsPaddedWindow(Value value) {
  return llvm::any_of(value.getUsers(), [&](Operation *user) {
    auto pads = [](ArrayRef<int64_t> pads) {
      return llvm::any_of(pads, [](int64_t pad) { return pad != 0; });
    };
    if (auto conv = dyn_cast<Conv2DOp>(user))
      return conv.getInput() == value && pads(conv.getPads());
    if (auto pool = dyn_cast<Pool2DOp>(user))
      return pool.getInput() == value && pads(pool.getPads());
    auto mapping = dyn_cast<MappingTypeOpInterface>(user);
    return mapping && mapping.getMappingType() == MappingType::one_to_one &&
           user->getNumResults() == 1 && feedsPaddedWindow(user->getResult(0));
  });
}

/// A stride-`strides`, dilation-`dilations` convolution of an already padded
/// input stored in `layout` with a logical FCHW filter in `group` groups,
/// into `init`. Channels-last convolutions take the filter re-laid out (HWCF,
/// HWC or GFHWC), blocked ones blocked: constants, which IREE folds at
/// compile time.
Value emitConvolution(OpBuilder &builder, Location loc, Value input, Value filter,
                      Value init, ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                      int64_t group, Layout layout, ConvolutionForms forms) {
  if (layout == Layout::nc4hw4)
    return emitBlockedConvolution(builder, loc, input, filter, init, strides, dilations,
                                  group);
  bool channelsLast = layout == Layout::nhwc;
  auto inputType = cast<RankedTensorType>(input.getType());
  auto filterType = cast<RankedTensorType>(filter.getType());
  auto initType = cast<RankedTensorType>(init.getType());
  Type elementType = inputType.getElementType();
  DenseIntElementsAttr stridesAttr = i64Vector(builder, strides);
  DenseIntElementsAttr dilationsAttr = i64Vector(builder, dilations);
  int64_t channelDim = channelsLast ? 3 : 1;
  int64_t channels = inputType.getDimSize(channelDim), filters = filterType.getDimSize(0);
  ArrayRef<int64_t> kernel = filterType.getShape().drop_front(2);
  bool depthwise = group == channels && filters == channels && group > 1;

  if (group == 1) {
    if (!channelsLast)
      return linalg::Conv2DNchwFchwOp::create(builder, loc, TypeRange{initType},
                                              ValueRange{input, filter}, ValueRange{init},
                                              stridesAttr, dilationsAttr)
          .getResult(0);
    if (forms.cpuContractions && slidesAlongOneAxis(inputType, kernel, initType))
      return emitTapByTapConvolution(builder, loc, input, filter, init, strides, dilations);
    int64_t rows = initType.getNumElements() / initType.getDimSize(3);
    bool pointwise = kernel == ArrayRef<int64_t>{1, 1} && strides == ArrayRef<int64_t>{1, 1};
    if (pointwise && forms.pixelRows) {
      bool few = rows <= kDataTiledPointwiseMaxRows;
      if (few || (forms.cpuContractions && filters % kCpuVectorLanes == 0))
        return emitPointwiseMatmul(builder, loc, input, filter, init, /*dataTiled=*/few);
    }
    if (pointwise && forms.cpuContractions && initType.getDimSize(0) == 1)
      return emitPixelContraction(builder, loc, input, filter, init);
    Value hwcf = transposeTensor(builder, loc, filter, {2, 3, 1, 0});
    return linalg::Conv2DNhwcHwcfOp::create(builder, loc, TypeRange{initType},
                                            ValueRange{input, hwcf}, ValueRange{init},
                                            stridesAttr, dilationsAttr)
        .getResult(0);
  }

  if (depthwise) {
    // Drop the filter's unit input-channel dimension.
    Value chw = tensor::CollapseShapeOp::create(
        builder, loc, RankedTensorType::get({channels, kernel[0], kernel[1]}, elementType),
        filter, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
    if (!channelsLast)
      return linalg::DepthwiseConv2DNchwChwOp::create(
                 builder, loc, TypeRange{initType}, ValueRange{input, chw},
                 ValueRange{init}, stridesAttr, dilationsAttr)
          .getResult(0);
    Value hwc = transposeTensor(builder, loc, chw, {1, 2, 0});
    return linalg::DepthwiseConv2DNhwcHwcOp::create(builder, loc, TypeRange{initType},
                                                    ValueRange{input, hwc}, ValueRange{init},
                                                    stridesAttr, dilationsAttr)
        .getResult(0);
  }

  // Grouped: split the channel dimensions into (group, per-group).
  ArrayRef<int64_t> in = inputType.getShape(), out = initType.getShape();
  int64_t perGroup = channels / group, filtersPerGroup = filters / group;
  auto splitChannels = [&](ArrayRef<int64_t> shape, int64_t size) {
    SmallVector<int64_t> split(shape);
    split[channelDim] = group;
    split.insert(split.begin() + channelDim + 1, size / group);
    return split;
  };
  SmallVector<ReassociationIndices> channelGroups =
      channelsLast ? SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}}
                   : SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}};
  Value groupedInput = tensor::ExpandShapeOp::create(
      builder, loc, RankedTensorType::get(splitChannels(in, channels), elementType), input,
      channelGroups);
  Value groupedFilter = tensor::ExpandShapeOp::create(
      builder, loc,
      RankedTensorType::get({group, filtersPerGroup, perGroup, kernel[0], kernel[1]},
                            elementType),
      filter, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}, {4}});
  auto groupedInitType =
      RankedTensorType::get(splitChannels(out, filters), elementType);
  Value groupedInit =
      tensor::ExpandShapeOp::create(builder, loc, groupedInitType, init, channelGroups);
  Value grouped;
  if (channelsLast) {
    Value gfhwc = transposeTensor(builder, loc, groupedFilter, {0, 1, 3, 4, 2});
    grouped = linalg::Conv2DNhwgcGfhwcOp::create(
                  builder, loc, TypeRange{groupedInitType}, ValueRange{groupedInput, gfhwc},
                  ValueRange{groupedInit}, stridesAttr, dilationsAttr)
                  .getResult(0);
  } else {
    grouped = linalg::Conv2DNgchwGfchwOp::create(
                  builder, loc, TypeRange{groupedInitType},
                  ValueRange{groupedInput, groupedFilter}, ValueRange{groupedInit},
                  stridesAttr, dilationsAttr)
                  .getResult(0);
  }
  return tensor::CollapseShapeOp::create(builder, loc, initType, grouped, channelGroups);
}

/// The channel concat `op` reads, where `op` is better computed as one
/// convolution per concatenated part, each with its slice of the filter's
/// channels, accumulating in turn: W * [a; b] = W_a * a + W_b * b. A
/// channels-last concat interleaves its parts' channels in every pixel, so
/// IREE copies each part into it with strided copies (and pads the result
/// in one more copy); the parts' convolutions read them where they are.
/// Measured (1 thread): ppocr-det's concat of four 160x160x24 maps into a
/// 3x3 96 -> 24 convolution, 40-45 ms with the 5 copies, 31 ms as four
/// accumulating convolutions. Not for convolutions computed tap by tap
/// (slidesAlongOneAxis), whose dispatches would multiply, nor inside a
/// fused group's dispatch region, nor for sparse (pruned) filters.
ConcatOp partitionedInput(Conv2DOp op, Layout layout, CodegenTarget codegen) {
  auto concat = op.getInput().getDefiningOp<ConcatOp>();
  if (!concat || concat.getAxis() != 1 || !concat->hasOneUse() || layout != Layout::nhwc ||
      codegen != CodegenTarget::cpu || op.getGroup() != 1 || op.getKernelPatternsAttr() ||
      op.getChannelBlocksAttr() || isInsideDispatchRegion(op))
    return {};
  RankedTensorType input = storageType(op.getInput().getType());
  RankedTensorType output = storageType(op.getType());
  if (slidesAlongOneAxis(input, op.getFilter().getType().getShape().drop_front(2), output))
    return {};
  return concat;
}

/// `op` (see partitionedInput) as one convolution per part of `concat`,
/// each padded where it is and multiplied by its channels of `filter`
/// (storage), accumulating onto `init`.
Value emitPartitionedConvolution(ConversionPatternRewriter &rewriter, Location loc,
                                 Conv2DOp op, ConcatOp concat, Value filter, Value init,
                                 Value zero, Layout layout, ConvolutionForms forms) {
  ArrayRef<int64_t> filterShape = op.getFilter().getType().getShape();
  MLIRContext *context = rewriter.getContext();
  Value accumulator = init;
  int64_t firstChannel = 0;
  for (Value part : concat.getInputs()) {
    auto partType = cast<RankedTensorType>(part.getType());
    int64_t channels = partType.getDimSize(1);
    Value paddedPart = padToWindowReach(rewriter, loc, rewriter.getRemappedValue(part), partType,
                                        op.getType(), op.getPads(), filterShape.drop_front(2),
                                        op.getStrides(), op.getDilations(), zero);
    auto partFilterType =
        RankedTensorType::get({filterShape[0], channels, filterShape[2], filterShape[3]},
                              op.getFilter().getType().getElementType());
    Value partFilter = tensor::ExtractSliceOp::create(
        rewriter, loc, partFilterType, filter,
        getAsIndexOpFoldResult(context, {0, firstChannel, 0, 0}),
        getAsIndexOpFoldResult(context, partFilterType.getShape()),
        getAsIndexOpFoldResult(context, {1, 1, 1, 1}));
    accumulator = emitConvolution(rewriter, loc, paddedPart, partFilter, accumulator,
                                  op.getStrides(), op.getDilations(), /*group=*/1, layout, forms);
    firstChannel += channels;
  }
  return accumulator;
}

struct Conv2DLowering : OpConversionPattern<Conv2DOp> {
  Conv2DLowering(const TypeConverter &typeConverter, MLIRContext *context,
                 CodegenTarget codegen)
      : OpConversionPattern(typeConverter, context), codegen(codegen) {}

  LogicalResult matchAndRewrite(Conv2DOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType(), inputType = op.getInput().getType();
    FailureOr<Layout> layout = imageLayout(op, inputType, type);
    if (failed(layout))
      return failure();
    Location loc = op.getLoc();
    ArrayRef<int64_t> pads = op.getPads();
    Value zero = scalarConstant(rewriter, loc, type.getElementType(), 0.0);
    ConcatOp concat = partitionedInput(op, *layout, codegen);
    Value padded = concat ? Value()
                          : padToWindowReach(rewriter, loc, adaptor.getInput(), inputType, type,
                                             pads, op.getFilter().getType().getShape().drop_front(2),
                                             op.getStrides(), op.getDilations(), zero);
    bool biasAfter = op.getBias() && isBlocked(type);
    Value init = convolutionInit(rewriter, loc, type, biasAfter ? Value() : op.getBias());
    ConvolutionForms forms{codegen == CodegenTarget::cpu,
                           !feedsPaddedWindow(op.getResult()) && !isInsideDispatchRegion(op)};
    if (concat) {
      // The concat, converted before its user, is left dead.
      rewriter.replaceOp(op, emitPartitionedConvolution(rewriter, loc, op, concat,
                                                        adaptor.getFilter(), init, zero,
                                                        *layout, forms));
      return success();
    }
    Value result =
        lowersAsPatternConvolution(op, *layout)
            ? emitPatternConvolution(rewriter, loc, op, padded, init)
        : lowersAsChannelBlockConvolution(op, *layout)
            ? emitChannelBlockConvolution(rewriter, loc, op, padded, init)
            : emitConvolution(rewriter, loc, padded, op.getFilter(), init, op.getStrides(),
                              op.getDilations(), op.getGroup(), *layout, forms);
    rewriter.replaceOp(op, biasAfter ? addBias(rewriter, loc, type, result, op.getBias())
                                     : result);
    return success();
  }

  CodegenTarget codegen;
};

/// Whether each input pixel of `op` writes an output block of its own, kH x
/// kW, no two overlapping: kernel = stride, no dilation, pads or output
/// padding, one group (the 2x upsampling of segmentation heads).
bool writesDisjointBlocks(ConvTranspose2DOp op) {
  ArrayRef<int64_t> kernel = op.getFilter().getType().getShape().drop_front(2);
  auto zeros = [](ArrayRef<int64_t> values) {
    return llvm::all_of(values, [](int64_t value) { return value == 0; });
  };
  return op.getGroup() == 1 && op.getStrides() == kernel &&
         op.getDilations() == ArrayRef<int64_t>{1, 1} && zeros(op.getPads()) &&
         zeros(op.getOutputPadding());
}

/// A channels-last transposed convolution writing disjoint blocks (see
/// writesDisjointBlocks) as a 1x1 convolution to kH * kW * M channels, one
/// per (block row, block column, filter), whose channels are then moved into
/// their blocks (depth to space) by a transpose, with the bias added by an
/// elementwise op that IREE fuses with it. The spread-input form multiplies
/// kH * kW - 1 zeros per product and copies the spread input (measured on
/// ppocr-det's head: 24 -> 1 channels to 640x640, 65 ms of its 300).
Value emitDepthToSpaceConvTranspose(OpBuilder &builder, Location loc, ConvTranspose2DOp op,
                                    Value input) {
  RankedTensorType type = op.getType();
  Type elementType = type.getElementType();
  ArrayRef<int64_t> filterShape = op.getFilter().getType().getShape();
  int64_t channels = filterShape[0], filters = filterShape[1];
  int64_t blockH = filterShape[2], blockW = filterShape[3];
  // (C, M, kH, kW) -> (1, 1, C, kH * kW * M): a constant for constant filters.
  Value cHwm = transposeTensor(builder, loc, op.getFilter(), {0, 2, 3, 1});
  Value filter = reshapeTensor(
      builder, loc, cHwm,
      RankedTensorType::get({1, 1, channels, blockH * blockW * filters}, elementType));
  ArrayRef<int64_t> in = cast<RankedTensorType>(input.getType()).getShape();
  auto pixelsType =
      RankedTensorType::get({in[0], in[1], in[2], blockH * blockW * filters}, elementType);
  Value init =
      filledTensor(builder, loc, pixelsType, scalarConstant(builder, loc, elementType, 0.0));
  Value pixels = linalg::Conv2DNhwcHwcfOp::create(builder, loc, TypeRange{pixelsType},
                                                  ValueRange{input, filter}, ValueRange{init},
                                                  i64Vector(builder, {1, 1}),
                                                  i64Vector(builder, {1, 1}))
                     .getResult(0);
  // (N, H, W, kH, kW, M) -> (N, H, kH, W, kW, M) -> (N, H * kH, W * kW, M).
  Value blocks = tensor::ExpandShapeOp::create(
      builder, loc,
      RankedTensorType::get({in[0], in[1], in[2], blockH, blockW, filters}, elementType), pixels,
      ArrayRef<ReassociationIndices>{{0}, {1}, {2}, {3, 4, 5}});
  Value interleaved = transposeTensor(builder, loc, blocks, {0, 1, 3, 2, 4, 5});
  Value result = tensor::CollapseShapeOp::create(
      builder, loc, storageType(type), interleaved,
      ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3, 4}, {5}});
  return op.getBias() ? addBias(builder, loc, type, result, op.getBias()) : result;
}

/// A transposed convolution is a stride-1 convolution of the input spread out
/// by the stride (zeros between elements), padded by dilation * (k - 1) minus
/// the pads, with the filter flipped spatially and its channel roles swapped.
struct ConvTranspose2DLowering : OpConversionPattern<ConvTranspose2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ConvTranspose2DOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<Layout> layout = imageLayout(op, op.getInput().getType(), op.getType());
    if (failed(layout))
      return failure();
    Location loc = op.getLoc();
    if (*layout == Layout::nhwc && writesDisjointBlocks(op)) {
      rewriter.replaceOp(op, emitDepthToSpaceConvTranspose(rewriter, loc, op, adaptor.getInput()));
      return success();
    }
    MLIRContext *context = rewriter.getContext();
    RankedTensorType type = op.getType(), inputType = op.getInput().getType();
    RankedTensorType filterType = op.getFilter().getType();
    Type elementType = type.getElementType();
    ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads(),
                      dilations = op.getDilations(), outputPadding = op.getOutputPadding();
    int64_t group = op.getGroup();
    int64_t kernel[2] = {filterType.getDimSize(2), filterType.getDimSize(3)};
    auto [hDim, wDim] = spatialStorageDims(inputType);
    Value zero = scalarConstant(rewriter, loc, elementType, 0.0);

    // Spread the input: element (h, w) moves to (h * stride_h, w * stride_w).
    RankedTensorType inputStorage = storageType(inputType);
    int64_t rank = inputStorage.getRank();
    SmallVector<int64_t> spreadShape(inputStorage.getShape());
    spreadShape[hDim] = (spreadShape[hDim] - 1) * strides[0] + 1;
    spreadShape[wDim] = (spreadShape[wDim] - 1) * strides[1] + 1;
    SmallVector<int64_t> spreadStrides = atSpatialDims(inputType, strides[0], strides[1]);
    for (int64_t &stride : spreadStrides)
      stride = std::max<int64_t>(stride, 1);
    Value spread = filledTensor(
        rewriter, loc, RankedTensorType::get(spreadShape, elementType), zero);
    spread = tensor::InsertSliceOp::create(
        rewriter, loc, adaptor.getInput(), spread,
        getAsIndexOpFoldResult(context, SmallVector<int64_t>(rank, 0)),
        getAsIndexOpFoldResult(context, inputStorage.getShape()),
        getAsIndexOpFoldResult(context, spreadStrides));

    // Full padding minus the pads; a negative amount crops instead.
    SmallVector<int64_t> low(rank, 0), high(rank, 0), cropLow(rank, 0), cropHigh(rank, 0);
    for (auto [spatial, dim] : llvm::enumerate(spatialStorageDims(inputType))) {
      int64_t full = dilations[spatial] * (kernel[spatial] - 1);
      int64_t before = full - pads[spatial];
      int64_t after = full - pads[spatial + 2] + outputPadding[spatial];
      (before >= 0 ? low : cropLow)[dim] = std::abs(before);
      (after >= 0 ? high : cropHigh)[dim] = std::abs(after);
    }
    Value padded = padTensor(rewriter, loc, spread, low, high, zero);
    if (llvm::any_of(cropLow, [](int64_t c) { return c; }) ||
        llvm::any_of(cropHigh, [](int64_t c) { return c; })) {
      auto paddedType = cast<RankedTensorType>(padded.getType());
      SmallVector<int64_t> sizes;
      for (int64_t dim = 0; dim < rank; ++dim)
        sizes.push_back(paddedType.getDimSize(dim) - cropLow[dim] - cropHigh[dim]);
      padded = tensor::ExtractSliceOp::create(
          rewriter, loc, RankedTensorType::get(sizes, elementType), padded,
          getAsIndexOpFoldResult(context, cropLow), getAsIndexOpFoldResult(context, sizes),
          getAsIndexOpFoldResult(context, SmallVector<int64_t>(rank, 1)));
    }

    // Filter (C, M/g, kH, kW) -> (M, C/g, kH, kW), flipped: per group g,
    // out[g, m, c, i, j] = in[g, c, m, kH - 1 - i, kW - 1 - j]. The flip is
    // index arithmetic in the body: IREE tiles only projected-permutation maps.
    int64_t channelsPerGroup = inputType.getDimSize(1) / group;
    int64_t filtersPerGroup = filterType.getDimSize(1);
    Value groupedFilter = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({group, channelsPerGroup, filtersPerGroup, kernel[0], kernel[1]},
                              elementType),
        op.getFilter(), ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}, {4}});
    auto flippedType = RankedTensorType::get(
        {group, filtersPerGroup, channelsPerGroup, kernel[0], kernel[1]}, elementType);
    Value flipped = buildIndexedGeneric(
        rewriter, loc, flippedType, [&](OpBuilder &b, Location l, ArrayRef<Value> out) {
          Value read[] = {out[0], out[2], out[1],
                          affineIndex(b, l, out[3], -1, kernel[0] - 1),
                          affineIndex(b, l, out[4], -1, kernel[1] - 1)};
          return tensor::ExtractOp::create(b, l, groupedFilter, read);
        });
    Value filter = tensor::CollapseShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({group * filtersPerGroup, channelsPerGroup, kernel[0], kernel[1]},
                              elementType),
        flipped, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}, {4}});

    Value init = convolutionInit(rewriter, loc, type, op.getBias());
    rewriter.replaceOp(op, emitConvolution(rewriter, loc, padded, filter, init, {1, 1},
                                           dilations, group, *layout, ConvolutionForms{}));
    return success();
  }
};

/// `lhs` x `rhs` (braze.matmul's numpy semantics; `rhs` stored (..., N, K)
/// where `rhsTransposed`) into a zero tensor of `type` (storage).
Value emitMatMul(OpBuilder &builder, Location loc, Value lhs, Value rhs, bool rhsTransposed,
                 RankedTensorType type) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  Value init =
      filledTensor(builder, loc, type, scalarConstant(builder, loc, type.getElementType(), 0.0));
  int64_t lhsRank = lhsType.getRank(), rhsRank = rhsType.getRank();
  if (lhsRank == 2 && rhsRank == 2 && !rhsTransposed)
    return linalg::MatmulOp::create(builder, loc, TypeRange{type}, ValueRange{lhs, rhs},
                                    ValueRange{init})
        .getResult(0);
  if (lhsRank == 3 && rhsRank == 3 && lhsType.getDimSize(0) == rhsType.getDimSize(0) &&
      !rhsTransposed)
    return linalg::BatchMatmulOp::create(builder, loc, TypeRange{type}, ValueRange{lhs, rhs},
                                         ValueRange{init})
        .getResult(0);
  // numpy broadcasting of batch dims, vector operands and a transposed rhs:
  // a contraction generic, loops = result dims + K.
  MLIRContext *context = builder.getContext();
  int64_t resultRank = type.getRank(), loops = resultRank + 1;
  int64_t batchRank = resultRank - (lhsRank > 1) - (rhsRank > 1);
  AffineExpr k = getAffineDimExpr(resultRank, context);
  auto batchExprs = [&](RankedTensorType operand, int64_t operandBatchRank) {
    SmallVector<AffineExpr> exprs;
    int64_t offset = batchRank - operandBatchRank;
    for (int64_t dim = 0; dim < operandBatchRank; ++dim) {
      bool repeated = operand.getDimSize(dim) == 1 && type.getDimSize(offset + dim) != 1;
      exprs.push_back(repeated ? getAffineConstantExpr(0, context)
                               : getAffineDimExpr(offset + dim, context));
    }
    return exprs;
  };
  SmallVector<AffineExpr> lhsExprs, rhsExprs;
  if (lhsRank > 1) {
    lhsExprs = batchExprs(lhsType, lhsRank - 2);
    lhsExprs.push_back(getAffineDimExpr(batchRank, context)); // M
  }
  lhsExprs.push_back(k);
  if (rhsRank > 1) {
    rhsExprs = batchExprs(rhsType, rhsRank - 2);
    AffineExpr n = getAffineDimExpr(resultRank - 1, context);
    rhsExprs.append(rhsTransposed ? SmallVector<AffineExpr>{n, k} : SmallVector<AffineExpr>{k, n});
  } else {
    rhsExprs.push_back(k);
  }
  SmallVector<AffineExpr> resultExprs = llvm::map_to_vector(
      llvm::seq<int64_t>(0, resultRank),
      [&](int64_t dim) { return getAffineDimExpr(dim, context); });
  SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, lhsExprs, context),
                                 AffineMap::get(loops, 0, rhsExprs, context),
                                 AffineMap::get(loops, 0, resultExprs, context)};
  return multiplyAccumulate(builder, loc, ValueRange{lhs, rhs}, init, maps, /*reductions=*/1);
}

/// The column count a product with a constant (K, N) right-hand side is
/// computed with, where it differs from N. IREE 3.13's CPU code generation tiles N by its largest
/// divisor up to 64; where that is not a whole number of 16-lane vectors
/// (AVX-512; 4- and 8-lane ones divide it), every tile ends in a scalar
/// remainder. Measured (1 thread, AVX-512): ppocr-rec's 40x120 x 120x6625
/// classifier, tiled by 53, 3.0 ms; padded to 6656 columns (zeros, sliced
/// off), tiles of 64, 1.3 ms. Only large N is padded: it costs N' - N
/// columns. Not in a fused group's dispatch region, which the slice would
/// split. A transposed constant is a hand-written form --braze-rewrite does
/// not make; it keeps N.
std::optional<int64_t> paddedColumns(MatMulOp op) {
  constexpr int64_t kMaxTile = 64;
  RankedTensorType rhsType = op.getRhs().getType();
  if (rhsType.getRank() != 2 || !op.getRhs().getDefiningOp<ConstantOp>() ||
      op.getRhsTransposed() || isInsideDispatchRegion(op))
    return std::nullopt;
  int64_t columns = rhsType.getDimSize(1);
  if (columns <= 4 * kMaxTile)
    return std::nullopt;
  int64_t tile = kMaxTile;
  while (columns % tile)
    --tile;
  if (tile % kCpuVectorLanes == 0)
    return std::nullopt;
  return llvm::alignTo(columns, kMaxTile);
}

struct MatMulLowering : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = storageType(op.getType());
    std::optional<int64_t> computed = paddedColumns(op);
    if (!computed) {
      rewriter.replaceOp(op, emitMatMul(rewriter, loc, adaptor.getLhs(), adaptor.getRhs(),
                                        op.getRhsTransposed(), type));
      return success();
    }
    int64_t columns = type.getShape().back();
    // Zero columns appended to the (constant) right-hand side, and cut off
    // the product.
    Value zero = scalarConstant(rewriter, loc, type.getElementType(), 0.0);
    Value rhs = padTensor(rewriter, loc, adaptor.getRhs(), {0, 0}, {0, *computed - columns}, zero);
    SmallVector<int64_t> computedShape(type.getShape());
    computedShape.back() = *computed;
    Value product = emitMatMul(rewriter, loc, adaptor.getLhs(), rhs, /*rhsTransposed=*/false,
                               RankedTensorType::get(computedShape, type.getElementType()));
    int64_t rank = type.getRank();
    MLIRContext *context = getContext();
    rewriter.replaceOp(op, tensor::ExtractSliceOp::create(
                               rewriter, loc, type, product,
                               getAsIndexOpFoldResult(context, SmallVector<int64_t>(rank, 0)),
                               getAsIndexOpFoldResult(context, type.getShape()),
                               getAsIndexOpFoldResult(context, SmallVector<int64_t>(rank, 1))));
    return success();
  }
};

/// Reduces `axes` of `input` (keeping them as size 1) with `kind`. `input` is
/// storage (signless); `logicalElementType` says whether its integers are
/// unsigned, which max, min and mean depend on.
Value reduceKeepingDims(OpBuilder &builder, Location loc, Value input,
                        ArrayRef<int64_t> axes, ReduceKind kind, Type logicalElementType) {
  auto inputType = cast<RankedTensorType>(input.getType());
  Type elementType = inputType.getElementType();
  bool isUnsigned = logicalElementType.isUnsignedInteger();
  MLIRContext *context = builder.getContext();
  SmallVector<int64_t> keptShape, reducedShape;
  SmallVector<AffineExpr> keptExprs;
  SmallVector<utils::IteratorType> iterators;
  int64_t count = 1;
  for (auto [dim, size] : llvm::enumerate(inputType.getShape())) {
    bool reduced = llvm::is_contained(axes, static_cast<int64_t>(dim));
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
    reducedShape.push_back(reduced ? 1 : size);
    if (reduced) {
      count *= size;
      continue;
    }
    keptShape.push_back(size);
    keptExprs.push_back(getAffineDimExpr(dim, context));
  }
  Value identity;
  switch (kind) {
  case ReduceKind::sum:
  case ReduceKind::mean:
    identity = scalarConstant(builder, loc, elementType, 0.0);
    break;
  case ReduceKind::prod:
    identity = scalarConstant(builder, loc, elementType, 1.0);
    break;
  case ReduceKind::max:
    identity = lowestValue(builder, loc, logicalElementType);
    break;
  case ReduceKind::min:
    identity = highestValue(builder, loc, logicalElementType);
    break;
  }
  auto keptType = RankedTensorType::get(keptShape, elementType);
  int64_t rank = inputType.getRank();
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, context),
                                 AffineMap::get(rank, 0, keptExprs, context)};
  Value reduced =
      linalg::GenericOp::create(
          builder, loc, TypeRange{keptType}, ValueRange{input},
          ValueRange{filledTensor(builder, loc, keptType, identity)}, maps, iterators,
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value combined;
            switch (kind) {
            case ReduceKind::sum:
            case ReduceKind::mean:
              combined = buildAdd(b, l, args[1], args[0]);
              break;
            case ReduceKind::prod:
              combined = buildMul(b, l, args[1], args[0]);
              break;
            case ReduceKind::max:
              combined = buildMax(b, l, args[1], args[0], isUnsigned);
              break;
            case ReduceKind::min:
              combined = buildMin(b, l, args[1], args[0], isUnsigned);
              break;
            }
            linalg::YieldOp::create(b, l, combined);
          })
          .getResult(0);
  auto resultType = RankedTensorType::get(reducedShape, elementType);
  Value result = reshapeTensor(builder, loc, reduced, resultType);
  if (kind != ReduceKind::mean)
    return result;
  Value divisor = scalarConstant(builder, loc, elementType, count);
  return buildElementwise(builder, loc, resultType, result,
                          [&](OpBuilder &b, Location l, ValueRange a) {
                            return buildDiv(b, l, a[0], divisor, isUnsigned);
                          });
}

/// Reduces the storage dims that hold the logical `axes`; dropping the
/// reduced unit dims then leaves the kept ones in storage order, which must be
/// their logical order (true for keepdims, and for nhwc when C stays last). A
/// blocked input never has C reduced (ReduceOp::supportsLayout); into another
/// layout, the reduced tensor leaves its blocks first.
struct ReduceLowering : OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType inputType = op.getInput().getType();
    SmallVector<int64_t> storageAxes, keptOrder;
    for (auto [storageDim, dim] : llvm::enumerate(storageDims(inputType))) {
      if (!dim.lane && llvm::is_contained(op.getAxes(), dim.logical))
        storageAxes.push_back(storageDim);
      else
        keptOrder.push_back(dim.logical);
    }
    bool sameLayout = getLayout(op.getType()) == getLayout(inputType);
    bool leavesBlocks = isBlocked(inputType) && !sameLayout;
    if (!leavesBlocks && !(op.getKeepdims() && sameLayout) && !llvm::is_sorted(keptOrder))
      return op.emitOpError("cannot drop reduced dims of a ")
             << stringifyLayout(getLayout(inputType)) << " tensor in logical order";
    Location loc = op.getLoc();
    Value kept = reduceKeepingDims(rewriter, loc, adaptor.getInput(), storageAxes,
                                   op.getKind(), inputType.getElementType());
    if (leavesBlocks) {
      SmallVector<int64_t> shape(inputType.getShape());
      for (int64_t axis : op.getAxes())
        shape[axis] = 1;
      Type elementType = inputType.getElementType();
      kept = relayoutTensor(
          rewriter, loc, kept,
          RankedTensorType::get(shape, elementType, inputType.getEncoding()),
          RankedTensorType::get(shape, elementType));
    }
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, kept, storageType(op.getType())));
    return success();
  }
};

struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = storageType(op.getType());
    rewriter.replaceOp(op, linalg::SoftmaxOp::create(
                               rewriter, op.getLoc(), TypeRange{type}, adaptor.getInput(),
                               emptyTensor(rewriter, op.getLoc(), type),
                               static_cast<uint64_t>(op.getAxis()))
                               .getResult()[0]);
    return success();
  }
};

/// LayerNorm from one reduction pass: the shifted sums s = sum(x - k) and
/// q = sum((x - k)^2) over the normalised axes, k being each row's first
/// element; then mean = k + s/n and variance = q/n - (s/n)^2. Both sums come
/// from one linalg.generic, so IREE makes one reduction dispatch per
/// LayerNorm where a mean and then a variance of the centred values made two
/// (ppocr-rec has five LayerNorms), and fuses the normalisation into the
/// consumer. Shifting by a value of the row keeps the variance free of the
/// cancellation that sum(x^2)/n - mean^2 suffers when the mean is large
/// against the spread. Both generics read k from x itself, through an
/// indexing map that pins the normalised dims to 0: a slice of x would be a
/// copy dispatch of its own.
struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    RankedTensorType type = storageType(op.getType());
    Type elementType = type.getElementType();
    int64_t rank = type.getRank(), axis = op.getAxis();
    Value x = adaptor.getInput();

    // Loops over x's dims; a row is indexed by the dims before `axis`.
    SmallVector<AffineExpr> rowExprs, shiftExprs;
    int64_t count = 1;
    for (int64_t dim = 0; dim < rank; ++dim) {
      if (dim < axis) {
        rowExprs.push_back(getAffineDimExpr(dim, context));
        shiftExprs.push_back(getAffineDimExpr(dim, context));
        continue;
      }
      count *= type.getDimSize(dim);
      shiftExprs.push_back(getAffineConstantExpr(0, context));
    }
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
    AffineMap row = AffineMap::get(rank, 0, rowExprs, context);
    AffineMap shift = AffineMap::get(rank, 0, shiftExprs, context);

    auto rowType = RankedTensorType::get(type.getShape().take_front(axis), elementType);
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    std::fill(iterators.begin() + axis, iterators.end(), utils::IteratorType::reduction);
    Value zero = scalarConstant(rewriter, loc, elementType, 0.0);
    Value zeros = filledTensor(rewriter, loc, rowType, zero);
    auto sums = linalg::GenericOp::create(
        rewriter, loc, TypeRange{rowType, rowType}, ValueRange{x, x}, ValueRange{zeros, zeros},
        SmallVector<AffineMap>{identity, shift, row, row}, iterators,
        [](OpBuilder &b, Location l, ValueRange args) {
          Value centred = arith::SubFOp::create(b, l, args[0], args[1]);
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::AddFOp::create(b, l, args[2], centred),
                         arith::AddFOp::create(b, l, args[3],
                                               arith::MulFOp::create(b, l, centred, centred))});
        });

    SmallVector<Value> inputs = {x, x, sums.getResult(0), sums.getResult(1)};
    SmallVector<AffineMap> maps = {identity, shift, row, row};
    for (Value affine : {adaptor.getScale(), adaptor.getBias()}) {
      if (!affine)
        continue;
      inputs.push_back(affine);
      maps.push_back(broadcastMap(cast<RankedTensorType>(affine.getType()), type, context));
    }
    maps.push_back(identity);
    Value n = scalarConstant(rewriter, loc, elementType, count);
    Value epsilon = scalarConstant(rewriter, loc, elementType, op.getEpsilon().convertToDouble());
    bool hasBias = static_cast<bool>(adaptor.getBias());
    auto normalised = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, inputs, ValueRange{emptyTensor(rewriter, loc, type)}, maps,
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value shiftedMean = arith::DivFOp::create(b, l, a[2], n);
          Value mean = arith::AddFOp::create(b, l, a[1], shiftedMean);
          Value variance = arith::MaximumFOp::create(
              b, l,
              arith::SubFOp::create(b, l, arith::DivFOp::create(b, l, a[3], n),
                                    arith::MulFOp::create(b, l, shiftedMean, shiftedMean)),
              zero);
          Value stddev = math::SqrtOp::create(b, l, arith::AddFOp::create(b, l, variance, epsilon));
          Value scaled = arith::MulFOp::create(
              b, l, arith::DivFOp::create(b, l, arith::SubFOp::create(b, l, a[0], mean), stddev),
              a[4]);
          Value result = hasBias ? Value(arith::AddFOp::create(b, l, scaled, a[5])) : scaled;
          linalg::YieldOp::create(b, l, result);
        });
    rewriter.replaceOp(op, normalised.getResult(0));
    return success();
  }
};

struct Pool2DLowering : OpConversionPattern<Pool2DOp> {
  Pool2DLowering(const TypeConverter &typeConverter, MLIRContext *context,
                 CodegenTarget codegen)
      : OpConversionPattern(typeConverter, context), codegen(codegen) {}

  LogicalResult matchAndRewrite(Pool2DOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType(), inputType = op.getInput().getType();
    FailureOr<Layout> layout = imageLayout(op, inputType, type);
    if (failed(layout))
      return failure();
    Location loc = op.getLoc();
    Type elementType = type.getElementType();
    ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                      pads = op.getPads(), dilations = op.getDilations();
    bool isMax = op.getKind() == PoolKind::max;

    Value padValue = isMax ? lowestValue(rewriter, loc, elementType)
                           : scalarConstant(rewriter, loc, elementType, 0.0);
    Value padded = padToWindowReach(rewriter, loc, adaptor.getInput(), inputType, type, pads,
                                    kernel, strides, dilations, padValue);
    Value init = filledTensor(rewriter, loc, storageType(type), padValue);
    Value pooled = emitPooling(rewriter, loc, padded, init, kernel, strides, dilations,
                               isMax, *layout, codegen);
    rewriter.replaceOp(op, isMax ? pooled : divideByWindowCounts(rewriter, loc, op, pooled));
    return success();
  }

  /// linalg's named max or sum pooling of `input` stored in `layout` into
  /// `init`. A blocked (N, C/4, H, W, 4) tensor is pooled as what it also is:
  /// an NHWC tensor of N * C/4 images with 4 channels.
  static Value emitPooling(OpBuilder &builder, Location loc, Value input, Value init,
                           ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                           ArrayRef<int64_t> dilations, bool isMax, Layout layout,
                           CodegenTarget codegen) {
    if (layout == Layout::nc4hw4) {
      SmallVector<ReassociationIndices> images = {{0, 1}, {2}, {3}, {4}};
      Value pooled = emitPooling(
          builder, loc, tensor::CollapseShapeOp::create(builder, loc, input, images),
          tensor::CollapseShapeOp::create(builder, loc, init, images), kernel, strides,
          dilations, isMax, Layout::nhwc, codegen);
      return tensor::ExpandShapeOp::create(builder, loc, init.getType(), pooled, images);
    }
    auto type = cast<RankedTensorType>(init.getType());
    bool channelsLast = layout == Layout::nhwc;
    if (codegen == CodegenTarget::cpu && channelsLast && poolsToUnitAxis(type, kernel))
      return combineTapWindows(builder, loc, input, init, kernel, strides, dilations, isMax);
    Value window = tensor::EmptyOp::create(builder, loc, kernel, type.getElementType());
    DenseIntElementsAttr stridesAttr = i64Vector(builder, strides);
    DenseIntElementsAttr dilationsAttr = i64Vector(builder, dilations);
    SmallVector<Value> ins = {input, window};
    if (isMax && channelsLast)
      return linalg::PoolingNhwcMaxOp::create(builder, loc, TypeRange{type}, ins,
                                              ValueRange{init}, stridesAttr, dilationsAttr)
          .getResult(0);
    if (isMax)
      return linalg::PoolingNchwMaxOp::create(builder, loc, TypeRange{type}, ins,
                                              ValueRange{init}, stridesAttr, dilationsAttr)
          .getResult(0);
    if (channelsLast)
      return linalg::PoolingNhwcSumOp::create(builder, loc, TypeRange{type}, ins,
                                              ValueRange{init}, stridesAttr, dilationsAttr)
          .getResult(0);
    return linalg::PoolingNchwSumOp::create(builder, loc, TypeRange{type}, ins,
                                            ValueRange{init}, stridesAttr, dilationsAttr)
        .getResult(0);
  }

  /// Whether a channels-last pooling of a few taps leaves a unit spatial
  /// axis: IREE 3.13 folds that axis away, no longer sees a pooling, and
  /// reduces what is left one pixel at a time. Measured (1 thread), the 3x2
  /// average pool of ppocr-rec into 1x40x480: 0.8 ms; as one elementwise
  /// sum of its 6 tap windows, 0.03 ms.
  static bool poolsToUnitAxis(RankedTensorType output, ArrayRef<int64_t> kernel) {
    constexpr int64_t kMaxTaps = 9;
    int64_t taps = kernel[0] * kernel[1];
    return (output.getDimSize(1) == 1 || output.getDimSize(2) == 1) && taps > 1 &&
           taps <= kMaxTaps;
  }

  /// `init` combined (max or sum) with each kernel tap's window of `input`,
  /// in one elementwise op.
  static Value combineTapWindows(OpBuilder &builder, Location loc, Value input, Value init,
                                 ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                                 ArrayRef<int64_t> dilations, bool isMax) {
    auto type = cast<RankedTensorType>(init.getType());
    SmallVector<Value> windows = {init};
    for (int64_t row = 0; row < kernel[0]; ++row)
      for (int64_t column = 0; column < kernel[1]; ++column)
        windows.push_back(tapWindow(builder, loc, input, type.getShape().drop_back(), row,
                                    column, strides, dilations, 0, type.getDimSize(3)));
    return buildElementwise(builder, loc, type, windows,
                            [&](OpBuilder &b, Location l, ValueRange cells) {
                              Value combined = cells.front();
                              for (Value cell : cells.drop_front())
                                combined = isMax ? buildMax(b, l, combined, cell, false)
                                                 : buildAdd(b, l, combined, cell);
                              return combined;
                            });
  }

  /// Divides window sums by the number of cells each window counts: all of
  /// them with count_include_pad (but never the cells ceil_mode adds), else
  /// only those inside the input. Counts are compile-time constants.
  static Value divideByWindowCounts(OpBuilder &builder, Location loc, Pool2DOp op,
                                    Value sums) {
    RankedTensorType type = op.getType(), inputType = op.getInput().getType();
    ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                      pads = op.getPads(), dilations = op.getDilations();
    SmallVector<SmallVector<int64_t>> counts(2);
    for (int spatial = 0; spatial < 2; ++spatial) {
      int64_t begin = op.getCountIncludePad() ? -pads[spatial] : 0;
      int64_t end = inputType.getDimSize(2 + spatial) +
                    (op.getCountIncludePad() ? pads[spatial + 2] : 0);
      for (int64_t out = 0; out < type.getDimSize(2 + spatial); ++out) {
        int64_t count = 0;
        for (int64_t tap = 0; tap < kernel[spatial]; ++tap) {
          int64_t position = out * strides[spatial] - pads[spatial] + tap * dilations[spatial];
          count += position >= begin && position < end;
        }
        counts[spatial].push_back(count);
      }
    }
    Type elementType = type.getElementType();
    SmallVector<Attribute> cells;
    for (int64_t rows : counts[0])
      for (int64_t columns : counts[1])
        cells.push_back(builder.getFloatAttr(elementType, rows * columns));
    auto countsType =
        RankedTensorType::get({type.getDimSize(2), type.getDimSize(3)}, elementType);
    Value countsTensor = arith::ConstantOp::create(
        builder, loc, DenseElementsAttr::get(countsType, cells));
    return buildElementwise(builder, loc, type, ValueRange{sums, countsTensor},
                            SmallVector<Type>{type, countsType},
                            [](OpBuilder &b, Location l, ValueRange a) {
                              return arith::DivFOp::create(b, l, a[0], a[1]);
                            });
  }

  CodegenTarget codegen;
};

} // namespace

void populateContractionLoweringPatterns(const TypeConverter &typeConverter,
                                         RewritePatternSet &patterns, CodegenTarget codegen) {
  MLIRContext *context = patterns.getContext();
  patterns.add<Conv2DLowering, Pool2DLowering>(typeConverter, context, codegen);
  patterns.add<ConvTranspose2DLowering, ReduceLowering, MatMulLowering, SoftmaxLowering,
               LayerNormLowering>(typeConverter, context);
}

} // namespace mlir::braze::lowering
