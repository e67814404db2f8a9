//===- DataMovement.cpp - reshape, shuffle and gather-like braze ops -------===//
//
// Constants become arith.constant (dense resources stay resources), shape
// changes tensor.collapse/expand_shape, windows tensor.extract_slice or
// tensor.pad, and index-computing ops (gather, tile, resize) a linalg.generic
// that reads its input with tensor.extract at computed indices.
//
//===----------------------------------------------------------------------===//

#include "dialects/Braze/BrazeDialect.h"
#include "passes/Lowering/LoweringUtils.h"

namespace mlir::braze::lowering {
namespace {

SmallVector<OpFoldResult> indexValues(MLIRContext *context, ArrayRef<int64_t> values) {
  return getAsIndexOpFoldResult(context, values);
}

struct ConstantLowering : OpRewritePattern<ConstantOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConstantOp op, PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, cast<TypedAttr>(op.getValue()));
    return success();
  }
};

struct ReshapeLowering : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reshapeTensor(rewriter, op.getLoc(), op.getInput(), op.getType()));
    return success();
  }
};

struct TransposeLowering : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    Value init = emptyTensor(rewriter, op.getLoc(), op.getType());
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, op.getLoc(), op.getInput(),
                                                       init, op.getPerm())
                               .getResult()[0]);
    return success();
  }
};

struct ConcatLowering : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConcatOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t axis = op.getAxis();
    Value result = emptyTensor(rewriter, loc, type);
    SmallVector<int64_t> offsets(type.getRank(), 0), strides(type.getRank(), 1);
    for (Value input : op.getInputs()) {
      ArrayRef<int64_t> sizes = cast<RankedTensorType>(input.getType()).getShape();
      result = tensor::InsertSliceOp::create(
          rewriter, loc, input, result, indexValues(rewriter.getContext(), offsets),
          indexValues(rewriter.getContext(), sizes),
          indexValues(rewriter.getContext(), strides));
      offsets[axis] += sizes[axis];
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Positive steps: tensor.extract_slice. A negative step reads backwards,
/// which extract_slice cannot: an indexed generic reading
/// input[start + step * i] (IREE tiles only projected-permutation maps, so
/// the arithmetic is in the body, not the indexing map).
struct SliceLowering : OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SliceOp op, PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    ArrayRef<int64_t> starts = op.getStarts(), steps = op.getSteps();
    MLIRContext *context = rewriter.getContext();
    if (llvm::all_of(steps, [](int64_t step) { return step > 0; })) {
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          op, type, op.getInput(), indexValues(context, starts),
          indexValues(context, type.getShape()), indexValues(context, steps));
      return success();
    }
    Value result = buildIndexedGeneric(
        rewriter, op.getLoc(), type, [&](OpBuilder &b, Location l, ArrayRef<Value> out) {
          SmallVector<Value> read;
          for (auto [dim, index] : llvm::enumerate(out))
            read.push_back(affineIndex(b, l, index, steps[dim], starts[dim]));
          return tensor::ExtractOp::create(b, l, op.getInput(), read);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct PadLowering : OpRewritePattern<PadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PadOp op, PatternRewriter &rewriter) const override {
    Value value = scalarConstant(rewriter, op.getLoc(), op.getType().getElementType(),
                                 op.getValue().convertToDouble());
    Value padded =
        padTensor(rewriter, op.getLoc(), op.getInput(), op.getLow(), op.getHigh(), value);
    rewriter.replaceOp(op, padded);
    return success();
  }
};

struct GatherLowering : OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GatherOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType(), dataType = op.getData().getType();
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    int64_t axis = op.getAxis(), indicesRank = indicesType.getRank();
    Value result = buildIndexedGeneric(
        rewriter, loc, type, [&](OpBuilder &b, Location l, ArrayRef<Value> out) {
          // out = (data dims before axis, index dims, data dims after axis)
          ArrayRef<Value> indexPosition = out.slice(axis, indicesRank);
          Value raw = tensor::ExtractOp::create(b, l, op.getIndices(), indexPosition);
          Value index = arith::IndexCastOp::create(b, l, b.getIndexType(), raw);
          // Negative indices count from the end.
          Value size = indexConstant(b, l, dataType.getDimSize(axis));
          Value negative = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, index,
                                                 indexConstant(b, l, 0));
          index = arith::SelectOp::create(b, l, negative,
                                          arith::AddIOp::create(b, l, index, size), index);
          SmallVector<Value> read(out.take_front(axis));
          read.push_back(index);
          llvm::append_range(read, out.drop_front(axis + indicesRank));
          return tensor::ExtractOp::create(b, l, op.getData(), read);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct TileLowering : OpRewritePattern<TileOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TileOp op, PatternRewriter &rewriter) const override {
    RankedTensorType inputType = op.getInput().getType();
    Value result = buildIndexedGeneric(
        rewriter, op.getLoc(), op.getType(),
        [&](OpBuilder &b, Location l, ArrayRef<Value> out) {
          SmallVector<Value> read;
          for (auto [dim, index] : llvm::enumerate(out))
            read.push_back(arith::RemUIOp::create(
                b, l, index, indexConstant(b, l, inputType.getDimSize(dim))));
          return tensor::ExtractOp::create(b, l, op.getInput(), read);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// ONNX Resize on the trailing two dims. Coordinates are computed in f32 as
/// onnxruntime does: x_in = f(x_out, scale = out / in).
struct ResizeLowering : OpRewritePattern<ResizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ResizeOp op, PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType(), inputType = op.getInput().getType();
    Value result = buildIndexedGeneric(
        rewriter, op.getLoc(), type, [&](OpBuilder &b, Location l, ArrayRef<Value> out) {
          SmallVector<Value> coordinates;
          for (int spatial = 0; spatial < 2; ++spatial)
            coordinates.push_back(inputCoordinate(
                b, l, op, out[2 + spatial], inputType.getDimSize(2 + spatial),
                type.getDimSize(2 + spatial)));
          if (op.getMode() == ResizeMode::nearest)
            return sampleNearest(b, l, op, out, coordinates, inputType);
          return sampleLinear(b, l, op, out, coordinates, inputType);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  static Value f32(OpBuilder &b, Location l, double value) {
    return arith::ConstantOp::create(b, l, b.getF32FloatAttr(value));
  }

  static Value inputCoordinate(OpBuilder &b, Location l, ResizeOp op, Value outIndex,
                               int64_t inSize, int64_t outSize) {
    Value out = arith::UIToFPOp::create(
        b, l, b.getF32Type(),
        arith::IndexCastUIOp::create(b, l, b.getI64Type(), outIndex));
    float scale = static_cast<float>(outSize) / static_cast<float>(inSize);
    auto halfPixel = [&] {
      Value shifted = arith::AddFOp::create(b, l, out, f32(b, l, 0.5));
      return arith::SubFOp::create(b, l, arith::DivFOp::create(b, l, shifted, f32(b, l, scale)),
                                   f32(b, l, 0.5));
    };
    switch (op.getCoordinateTransform()) {
    case CoordinateTransform::half_pixel:
      return halfPixel();
    case CoordinateTransform::pytorch_half_pixel:
      return outSize > 1 ? Value(halfPixel()) : f32(b, l, 0.0);
    case CoordinateTransform::align_corners:
      return arith::MulFOp::create(
          b, l, out,
          f32(b, l, outSize > 1 ? double(inSize - 1) / double(outSize - 1) : 0.0));
    case CoordinateTransform::asymmetric:
      return arith::DivFOp::create(b, l, out, f32(b, l, scale));
    }
    llvm_unreachable("unknown coordinate transform");
  }

  /// An f32 coordinate rounded down and clamped to [0, size - 1], as index.
  static Value clampedIndex(OpBuilder &b, Location l, Value coordinate, int64_t size) {
    Value clamped = arith::MinimumFOp::create(
        b, l, arith::MaximumFOp::create(b, l, coordinate, f32(b, l, 0.0)),
        f32(b, l, double(size - 1)));
    Value integer = arith::FPToSIOp::create(b, l, b.getI64Type(),
                                            math::FloorOp::create(b, l, clamped));
    return arith::IndexCastOp::create(b, l, b.getIndexType(), integer);
  }

  static Value sampleNearest(OpBuilder &b, Location l, ResizeOp op, ArrayRef<Value> out,
                             ArrayRef<Value> coordinates, RankedTensorType inputType) {
    SmallVector<Value> read(out.take_front(2));
    for (int spatial = 0; spatial < 2; ++spatial) {
      Value x = coordinates[spatial];
      Value rounded;
      switch (op.getNearestRounding()) {
      case NearestRounding::round_prefer_floor:
        rounded = math::CeilOp::create(b, l, arith::SubFOp::create(b, l, x, f32(b, l, 0.5)));
        break;
      case NearestRounding::round_prefer_ceil:
        rounded = math::FloorOp::create(b, l, arith::AddFOp::create(b, l, x, f32(b, l, 0.5)));
        break;
      case NearestRounding::floor:
        rounded = math::FloorOp::create(b, l, x);
        break;
      case NearestRounding::ceil:
        rounded = math::CeilOp::create(b, l, x);
        break;
      }
      read.push_back(clampedIndex(b, l, rounded, inputType.getDimSize(2 + spatial)));
    }
    return tensor::ExtractOp::create(b, l, op.getInput(), read);
  }

  static Value sampleLinear(OpBuilder &b, Location l, ResizeOp op, ArrayRef<Value> out,
                            ArrayRef<Value> coordinates, RankedTensorType inputType) {
    // Per dim: lower/upper neighbours and the weight of the upper one.
    SmallVector<Value> lower, upper, weight;
    for (int spatial = 0; spatial < 2; ++spatial) {
      int64_t size = inputType.getDimSize(2 + spatial);
      Value x = arith::MinimumFOp::create(
          b, l, arith::MaximumFOp::create(b, l, coordinates[spatial], f32(b, l, 0.0)),
          f32(b, l, double(size - 1)));
      Value floor = math::FloorOp::create(b, l, x);
      lower.push_back(clampedIndex(b, l, floor, size));
      upper.push_back(clampedIndex(b, l, arith::AddFOp::create(b, l, floor, f32(b, l, 1.0)),
                                   size));
      weight.push_back(arith::SubFOp::create(b, l, x, floor));
    }
    Type elementType = inputType.getElementType();
    auto sample = [&](Value row, Value column) -> Value {
      Value value =
          tensor::ExtractOp::create(b, l, op.getInput(), ValueRange{out[0], out[1], row, column});
      return elementType.isF32() ? value
                                 : Value(arith::ExtFOp::create(b, l, b.getF32Type(), value));
    };
    auto lerp = [&](Value from, Value to, Value t) -> Value {
      return arith::AddFOp::create(
          b, l, from, arith::MulFOp::create(b, l, arith::SubFOp::create(b, l, to, from), t));
    };
    Value top = lerp(sample(lower[0], lower[1]), sample(lower[0], upper[1]), weight[1]);
    Value bottom = lerp(sample(upper[0], lower[1]), sample(upper[0], upper[1]), weight[1]);
    Value blended = lerp(top, bottom, weight[0]);
    return elementType.isF32() ? blended
                               : Value(arith::TruncFOp::create(b, l, elementType, blended));
  }
};

} // namespace

void populateDataMovementLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<ConstantLowering, ReshapeLowering, TransposeLowering, ConcatLowering,
               SliceLowering, PadLowering, GatherLowering, TileLowering, ResizeLowering>(
      patterns.getContext());
}

} // namespace mlir::braze::lowering
