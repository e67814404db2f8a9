//===- Contraction.cpp - many-to-many braze ops -> linalg ------------------===//
//
// Convolutions and pooling become linalg's named NCHW ops (after a
// tensor.pad), matrix products linalg.matmul / batch_matmul or a contraction
// linalg.generic for numpy broadcasting, softmax linalg.softmax, and
// reductions linalg.generic with reduction loops.
//
//===----------------------------------------------------------------------===//

#include "dialects/Braze/BrazeDialect.h"
#include "passes/Lowering/LoweringUtils.h"

namespace mlir::braze::lowering {
namespace {

DenseIntElementsAttr i64Vector(OpBuilder &builder, ArrayRef<int64_t> values) {
  return builder.getI64TensorAttr(values);
}

/// `bias` (M) broadcast to `type` (N, M, H, W), or zeros without a bias: the
/// accumulator a convolution starts from, so the bias costs no extra pass.
Value convolutionInit(OpBuilder &builder, Location loc, RankedTensorType type,
                      Value bias) {
  Type elementType = type.getElementType();
  if (!bias)
    return filledTensor(builder, loc, type,
                        scalarConstant(builder, loc, elementType, 0.0));
  auto column = RankedTensorType::get({type.getDimSize(1), 1, 1}, elementType);
  return buildElementwise(builder, loc, type,
                          reshapeTensor(builder, loc, bias, column),
                          [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

/// A stride-`strides`, dilation-`dilations` convolution of an already padded
/// NCHW input with an FCHW filter in `group` groups, into `init`.
Value emitConvolution(OpBuilder &builder, Location loc, Value input, Value filter,
                      Value init, ArrayRef<int64_t> strides,
                      ArrayRef<int64_t> dilations, int64_t group) {
  auto inputType = cast<RankedTensorType>(input.getType());
  auto filterType = cast<RankedTensorType>(filter.getType());
  auto initType = cast<RankedTensorType>(init.getType());
  Type elementType = inputType.getElementType();
  DenseIntElementsAttr stridesAttr = i64Vector(builder, strides);
  DenseIntElementsAttr dilationsAttr = i64Vector(builder, dilations);
  if (group == 1)
    return linalg::Conv2DNchwFchwOp::create(builder, loc, TypeRange{initType},
                                            ValueRange{input, filter}, ValueRange{init},
                                            stridesAttr, dilationsAttr)
        .getResult(0);

  int64_t channels = inputType.getDimSize(1), filters = filterType.getDimSize(0);
  ArrayRef<int64_t> kernel = filterType.getShape().drop_front(2);
  if (group == channels && filters == channels) {
    // Depthwise: drop the filter's unit input-channel dimension.
    auto depthwiseFilterType =
        RankedTensorType::get({channels, kernel[0], kernel[1]}, elementType);
    Value depthwiseFilter = tensor::CollapseShapeOp::create(
        builder, loc, depthwiseFilterType, filter,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
    return linalg::DepthwiseConv2DNchwChwOp::create(
               builder, loc, TypeRange{initType}, ValueRange{input, depthwiseFilter},
               ValueRange{init}, stridesAttr, dilationsAttr)
        .getResult(0);
  }

  // Grouped: split the channel dimensions into (group, per-group).
  ArrayRef<int64_t> in = inputType.getShape(), out = initType.getShape();
  auto groupedInput = tensor::ExpandShapeOp::create(
      builder, loc,
      RankedTensorType::get({in[0], group, channels / group, in[2], in[3]}, elementType),
      input, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
  auto groupedFilter = tensor::ExpandShapeOp::create(
      builder, loc,
      RankedTensorType::get(
          {group, filters / group, filterType.getDimSize(1), kernel[0], kernel[1]},
          elementType),
      filter, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}, {4}});
  auto groupedInitType =
      RankedTensorType::get({out[0], group, filters / group, out[2], out[3]}, elementType);
  auto groupedInit = tensor::ExpandShapeOp::create(
      builder, loc, groupedInitType, init,
      ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
  Value grouped = linalg::Conv2DNgchwGfchwOp::create(
                      builder, loc, TypeRange{groupedInitType},
                      ValueRange{groupedInput, groupedFilter}, ValueRange{groupedInit},
                      stridesAttr, dilationsAttr)
                      .getResult(0);
  return tensor::CollapseShapeOp::create(
      builder, loc, initType, grouped,
      ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
}

struct Conv2DLowering : OpRewritePattern<Conv2DOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(Conv2DOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    ArrayRef<int64_t> pads = op.getPads();
    Value zero = scalarConstant(rewriter, loc, type.getElementType(), 0.0);
    Value padded = padTensor(rewriter, loc, op.getInput(), {0, 0, pads[0], pads[1]},
                             {0, 0, pads[2], pads[3]}, zero);
    Value init = convolutionInit(rewriter, loc, type, op.getBias());
    rewriter.replaceOp(op, emitConvolution(rewriter, loc, padded, op.getFilter(), init,
                                           op.getStrides(), op.getDilations(),
                                           op.getGroup()));
    return success();
  }
};

/// A transposed convolution is a stride-1 convolution of the input spread out
/// by the stride (zeros between elements), padded by dilation * (k - 1) minus
/// the pads, with the filter flipped spatially and its channel roles swapped.
struct ConvTranspose2DLowering : OpRewritePattern<ConvTranspose2DOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConvTranspose2DOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType(), inputType = op.getInput().getType();
    RankedTensorType filterType = op.getFilter().getType();
    Type elementType = type.getElementType();
    ArrayRef<int64_t> in = inputType.getShape(), strides = op.getStrides(),
                      pads = op.getPads(), dilations = op.getDilations(),
                      outputPadding = op.getOutputPadding();
    int64_t group = op.getGroup();
    int64_t kernel[2] = {filterType.getDimSize(2), filterType.getDimSize(3)};
    Value zero = scalarConstant(rewriter, loc, elementType, 0.0);

    // Spread the input: element (h, w) moves to (h * stride_h, w * stride_w).
    SmallVector<int64_t> spreadShape = {in[0], in[1], (in[2] - 1) * strides[0] + 1,
                                        (in[3] - 1) * strides[1] + 1};
    Value spread = filledTensor(
        rewriter, loc, RankedTensorType::get(spreadShape, elementType), zero);
    spread = tensor::InsertSliceOp::create(
        rewriter, loc, op.getInput(), spread,
        getAsIndexOpFoldResult(rewriter.getContext(), {0, 0, 0, 0}),
        getAsIndexOpFoldResult(rewriter.getContext(), in),
        getAsIndexOpFoldResult(rewriter.getContext(), {1, 1, strides[0], strides[1]}));

    // Full padding minus the pads; a negative amount crops instead.
    SmallVector<int64_t> low(4, 0), high(4, 0), cropLow(4, 0), cropHigh(4, 0);
    for (int spatial = 0; spatial < 2; ++spatial) {
      int64_t full = dilations[spatial] * (kernel[spatial] - 1);
      int64_t before = full - pads[spatial];
      int64_t after = full - pads[spatial + 2] + outputPadding[spatial];
      (before >= 0 ? low : cropLow)[2 + spatial] = std::abs(before);
      (after >= 0 ? high : cropHigh)[2 + spatial] = std::abs(after);
    }
    Value padded = padTensor(rewriter, loc, spread, low, high, zero);
    if (llvm::any_of(cropLow, [](int64_t c) { return c; }) ||
        llvm::any_of(cropHigh, [](int64_t c) { return c; })) {
      auto paddedType = cast<RankedTensorType>(padded.getType());
      SmallVector<int64_t> sizes;
      for (int64_t dim = 0; dim < 4; ++dim)
        sizes.push_back(paddedType.getDimSize(dim) - cropLow[dim] - cropHigh[dim]);
      padded = tensor::ExtractSliceOp::create(
          rewriter, loc, RankedTensorType::get(sizes, elementType), padded,
          getAsIndexOpFoldResult(rewriter.getContext(), cropLow),
          getAsIndexOpFoldResult(rewriter.getContext(), sizes),
          getAsIndexOpFoldResult(rewriter.getContext(), {1, 1, 1, 1}));
    }

    // Filter (C, M/g, kH, kW) -> (M, C/g, kH, kW), flipped: per group g,
    // out[g, m, c, i, j] = in[g, c, m, kH - 1 - i, kW - 1 - j].
    int64_t channelsPerGroup = in[1] / group, filtersPerGroup = filterType.getDimSize(1);
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
                                           dilations, group));
    return success();
  }
};

struct MatMulLowering : OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatMulOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
    Value init = filledTensor(rewriter, loc, type,
                              scalarConstant(rewriter, loc, type.getElementType(), 0.0));
    int64_t lhsRank = lhsType.getRank(), rhsRank = rhsType.getRank();
    if (lhsRank == 2 && rhsRank == 2) {
      rewriter.replaceOp(op, linalg::MatmulOp::create(rewriter, loc, TypeRange{type},
                                                      ValueRange{op.getLhs(), op.getRhs()},
                                                      ValueRange{init})
                                 .getResult(0));
      return success();
    }
    if (lhsRank == 3 && rhsRank == 3 && lhsType.getDimSize(0) == rhsType.getDimSize(0)) {
      rewriter.replaceOp(op, linalg::BatchMatmulOp::create(
                                 rewriter, loc, TypeRange{type},
                                 ValueRange{op.getLhs(), op.getRhs()}, ValueRange{init})
                                 .getResult(0));
      return success();
    }
    // numpy broadcasting of batch dims and vector operands: a contraction
    // generic, loops = result dims + K.
    MLIRContext *context = rewriter.getContext();
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
      rhsExprs.push_back(k);
      rhsExprs.push_back(getAffineDimExpr(resultRank - 1, context)); // N
    } else {
      rhsExprs.push_back(k);
    }
    SmallVector<AffineExpr> resultExprs = llvm::map_to_vector(
        llvm::seq<int64_t>(0, resultRank),
        [&](int64_t dim) { return getAffineDimExpr(dim, context); });
    SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, lhsExprs, context),
                                   AffineMap::get(loops, 0, rhsExprs, context),
                                   AffineMap::get(loops, 0, resultExprs, context)};
    SmallVector<utils::IteratorType> iterators(resultRank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{type}, ValueRange{op.getLhs(), op.getRhs()},
            ValueRange{init}, maps, iterators,
            [](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(
                  b, l, buildAdd(b, l, args[2], buildMul(b, l, args[0], args[1])));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Reduces `axes` of `input` (keeping them as size 1) with `kind`.
Value reduceKeepingDims(OpBuilder &builder, Location loc, Value input,
                        ArrayRef<int64_t> axes, ReduceKind kind) {
  auto inputType = cast<RankedTensorType>(input.getType());
  Type elementType = inputType.getElementType();
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
    identity = lowestValue(builder, loc, elementType);
    break;
  case ReduceKind::min:
    identity = highestValue(builder, loc, elementType);
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
              combined = buildMax(b, l, args[1], args[0]);
              break;
            case ReduceKind::min:
              combined = buildMin(b, l, args[1], args[0]);
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
                          [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                            if (isa<FloatType>(elementType))
                              return arith::DivFOp::create(b, l, a[0], divisor);
                            return arith::DivSIOp::create(b, l, a[0], divisor);
                          });
}

struct ReduceLowering : OpRewritePattern<ReduceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReduceOp op, PatternRewriter &rewriter) const override {
    Value kept =
        reduceKeepingDims(rewriter, op.getLoc(), op.getInput(), op.getAxes(), op.getKind());
    rewriter.replaceOp(op, reshapeTensor(rewriter, op.getLoc(), kept, op.getType()));
    return success();
  }
};

struct SoftmaxLowering : OpRewritePattern<SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SoftmaxOp op, PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    rewriter.replaceOp(op, linalg::SoftmaxOp::create(
                               rewriter, op.getLoc(), TypeRange{type}, op.getInput(),
                               emptyTensor(rewriter, op.getLoc(), type),
                               static_cast<uint64_t>(op.getAxis()))
                               .getResult()[0]);
    return success();
  }
};

struct LayerNormLowering : OpRewritePattern<LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LayerNormOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type elementType = type.getElementType();
    SmallVector<int64_t> axes =
        llvm::to_vector(llvm::seq<int64_t>(op.getAxis(), type.getRank()));
    Value x = op.getInput();
    Value mean = reduceKeepingDims(rewriter, loc, x, axes, ReduceKind::mean);
    Value centered = buildElementwise(rewriter, loc, type, {x, mean},
                                      [](OpBuilder &b, Location l, ValueRange a) {
                                        return arith::SubFOp::create(b, l, a[0], a[1]);
                                      });
    Value squares = buildElementwise(rewriter, loc, type, centered,
                                     [](OpBuilder &b, Location l, ValueRange a) {
                                       return arith::MulFOp::create(b, l, a[0], a[0]);
                                     });
    Value variance = reduceKeepingDims(rewriter, loc, squares, axes, ReduceKind::mean);
    Value epsilon = scalarConstant(rewriter, loc, elementType,
                                   op.getEpsilon().convertToDouble());
    SmallVector<Value> operands = {centered, variance, op.getScale()};
    if (op.getBias())
      operands.push_back(op.getBias());
    Value result = buildElementwise(
        rewriter, loc, type, operands, [&](OpBuilder &b, Location l, ValueRange a) {
          Value stddev =
              math::SqrtOp::create(b, l, arith::AddFOp::create(b, l, a[1], epsilon));
          Value scaled = arith::MulFOp::create(
              b, l, arith::DivFOp::create(b, l, a[0], stddev), a[2]);
          return a.size() > 3 ? Value(arith::AddFOp::create(b, l, scaled, a[3])) : scaled;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct Pool2DLowering : OpRewritePattern<Pool2DOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(Pool2DOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType(), inputType = op.getInput().getType();
    Type elementType = type.getElementType();
    ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                      pads = op.getPads(), dilations = op.getDilations();
    bool isMax = op.getKind() == PoolKind::max;

    // ceil_mode may place a last window past the padded input: pad for it.
    SmallVector<int64_t> low = {0, 0, pads[0], pads[1]}, high = {0, 0, pads[2], pads[3]};
    for (int spatial = 0; spatial < 2; ++spatial) {
      int64_t extent = dilations[spatial] * (kernel[spatial] - 1) + 1;
      int64_t needed = (type.getDimSize(2 + spatial) - 1) * strides[spatial] + extent;
      int64_t padded = inputType.getDimSize(2 + spatial) + pads[spatial] + pads[spatial + 2];
      high[2 + spatial] += std::max<int64_t>(0, needed - padded);
    }
    Value padValue = isMax ? lowestValue(rewriter, loc, elementType)
                           : scalarConstant(rewriter, loc, elementType, 0.0);
    Value padded = padTensor(rewriter, loc, op.getInput(), low, high, padValue);
    Value window = tensor::EmptyOp::create(rewriter, loc, kernel, elementType);
    Value init = filledTensor(rewriter, loc, type, padValue);
    DenseIntElementsAttr stridesAttr = i64Vector(rewriter, strides);
    DenseIntElementsAttr dilationsAttr = i64Vector(rewriter, dilations);
    if (isMax) {
      rewriter.replaceOp(op, linalg::PoolingNchwMaxOp::create(
                                 rewriter, loc, TypeRange{type}, ValueRange{padded, window},
                                 ValueRange{init}, stridesAttr, dilationsAttr)
                                 .getResult(0));
      return success();
    }
    Value sums = linalg::PoolingNchwSumOp::create(rewriter, loc, TypeRange{type},
                                                  ValueRange{padded, window},
                                                  ValueRange{init}, stridesAttr, dilationsAttr)
                     .getResult(0);
    rewriter.replaceOp(op, divideByWindowCounts(rewriter, loc, op, sums));
    return success();
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
    return buildElementwise(builder, loc, type, {sums, countsTensor},
                            [](OpBuilder &b, Location l, ValueRange a) {
                              return arith::DivFOp::create(b, l, a[0], a[1]);
                            });
  }
};

} // namespace

void populateContractionLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2DLowering, ConvTranspose2DLowering, MatMulLowering, ReduceLowering,
               SoftmaxLowering, LayerNormLowering, Pool2DLowering>(patterns.getContext());
}

} // namespace mlir::braze::lowering
