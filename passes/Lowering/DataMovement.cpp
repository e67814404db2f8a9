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

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinDialect.h"

namespace mlir::braze::lowering {
namespace {

SmallVector<OpFoldResult> indexValues(MLIRContext *context, ArrayRef<int64_t> values) {
  return getAsIndexOpFoldResult(context, values);
}

/// `value` with the type `type` of the same shape and element width
/// (dropping an encoding, and the signedness of uiN: the same bits as iN).
TypedAttr withType(ElementsAttr value, RankedTensorType type) {
  if (value.getType() == type)
    return cast<TypedAttr>(value);
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return dense.bitcast(type.getElementType()).reshape(type);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    return DenseResourceElementsAttr::get(type, resource.getRawHandle());
  return {};
}

/// A constant stored in another layout is its value re-laid out (a
/// transpose, with padding for blocks): a constant expression, which IREE
/// evaluates at compile time.
struct ConstantLowering : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ConstantOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto logicalType =
        RankedTensorType::get(type.getShape(), signlessType(type.getElementType()));
    TypedAttr value = withType(op.getValue(), logicalType);
    if (!value)
      return op.emitOpError("has a constant kind the lowering does not know: ")
             << op.getValue();
    Value logical = arith::ConstantOp::create(rewriter, op.getLoc(), value);
    rewriter.replaceOp(op, relayoutTensor(rewriter, op.getLoc(), logical,
                                          RankedTensorType::get(type.getShape(),
                                                                type.getElementType()),
                                          type));
    return success();
  }
};

/// Between two layouts: a transpose of the storage (with C padded and split
/// into blocks, or merged and cropped, at a blocked side).
struct RelayoutLowering : OpConversionPattern<RelayoutOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(RelayoutOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, relayoutTensor(rewriter, op.getLoc(), adaptor.getInput(),
                                          op.getInput().getType(), op.getType()));
    return success();
  }
};

// Reshape, transpose, slice, pad, gather, tile and resize see only logical
// layouts: for them storageType just drops the signedness of unsigned
// integers, and their operands come from the adaptor already stored so.

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reshapeTensor(rewriter, op.getLoc(), adaptor.getInput(),
                                         storageType(op.getType())));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, transposeTensor(rewriter, op.getLoc(), adaptor.getInput(),
                                           op.getPerm()));
    return success();
  }
};

/// All inputs share the result's layout: insert each into the storage, along
/// the storage dim that holds the logical axis (for blocked channels, the
/// block dim: every input but the last fills whole blocks, which
/// ConcatOp::supportsLayout ensures).
struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    for (Type input : op.getInputs().getTypes())
      if (getLayout(input) != getLayout(type))
        return op.emitOpError("lowers only with one layout for inputs and result, got ")
               << input << " and " << type;
    SmallVector<StorageDim> dims = storageDims(type);
    int64_t axis = llvm::find(dims, StorageDim{op.getAxis()}) - dims.begin();
    RankedTensorType storage = storageType(type);
    Value result = emptyTensor(rewriter, loc, storage);
    SmallVector<int64_t> offsets(storage.getRank(), 0), strides(storage.getRank(), 1);
    for (Value input : adaptor.getInputs()) {
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
struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = storageType(op.getType());
    ArrayRef<int64_t> starts = op.getStarts(), steps = op.getSteps();
    MLIRContext *context = rewriter.getContext();
    if (llvm::all_of(steps, [](int64_t step) { return step > 0; })) {
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          op, type, adaptor.getInput(), indexValues(context, starts),
          indexValues(context, type.getShape()), indexValues(context, steps));
      return success();
    }
    Value result = buildIndexedGeneric(
        rewriter, op.getLoc(), type, [&](OpBuilder &b, Location l, ArrayRef<Value> out) {
          SmallVector<Value> read;
          for (auto [dim, index] : llvm::enumerate(out))
            read.push_back(affineIndex(b, l, index, steps[dim], starts[dim]));
          return tensor::ExtractOp::create(b, l, adaptor.getInput(), read);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct PadLowering : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(PadOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value value = scalarConstant(rewriter, op.getLoc(),
                                 storageType(op.getType()).getElementType(),
                                 op.getValue().convertToDouble());
    Value padded = padTensor(rewriter, op.getLoc(), adaptor.getInput(), op.getLow(),
                             op.getHigh(), value);
    rewriter.replaceOp(op, padded);
    return success();
  }
};

struct GatherLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = storageType(op.getType()), dataType = op.getData().getType();
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    int64_t axis = op.getAxis(), indicesRank = indicesType.getRank();
    Value result = buildIndexedGeneric(
        rewriter, loc, type, [&](OpBuilder &b, Location l, ArrayRef<Value> out) {
          // out = (data dims before axis, index dims, data dims after axis)
          ArrayRef<Value> indexPosition = out.slice(axis, indicesRank);
          Value raw = tensor::ExtractOp::create(b, l, adaptor.getIndices(), indexPosition);
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
          return tensor::ExtractOp::create(b, l, adaptor.getData(), read);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct TileLowering : OpConversionPattern<TileOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(TileOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType inputType = op.getInput().getType();
    Value result = buildIndexedGeneric(
        rewriter, op.getLoc(), storageType(op.getType()),
        [&](OpBuilder &b, Location l, ArrayRef<Value> out) {
          SmallVector<Value> read;
          for (auto [dim, index] : llvm::enumerate(out))
            read.push_back(arith::RemUIOp::create(
                b, l, index, indexConstant(b, l, inputType.getDimSize(dim))));
          return tensor::ExtractOp::create(b, l, adaptor.getInput(), read);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// ONNX Resize on the spatial dims, in the storage order of its result (the
/// channels pass through: each output cell reads the same cell of its source
/// pixels, so input and result share any layout). Coordinates are computed
/// in f32 as onnxruntime does: x_in = f(x_out, scale = out / in).
struct ResizeLowering : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType(), inputType = op.getInput().getType();
    if (getLayout(inputType) != getLayout(type))
      return rewriter.notifyMatchFailure(op, "input and result stored differently");
    Value input = adaptor.getInput();
    std::array<int64_t, 2> spatialDims = spatialStorageDims(type);
    Value result = buildIndexedGeneric(
        rewriter, op.getLoc(), storageType(type),
        [&](OpBuilder &b, Location l, ArrayRef<Value> out) {
          SmallVector<Value> coordinates;
          for (int spatial = 0; spatial < 2; ++spatial)
            coordinates.push_back(inputCoordinate(
                b, l, op, out[spatialDims[spatial]], inputType.getDimSize(2 + spatial),
                type.getDimSize(2 + spatial)));
          if (op.getMode() == ResizeMode::nearest)
            return sampleNearest(b, l, op, input, out, spatialDims, coordinates, inputType);
          return sampleLinear(b, l, op, input, out, spatialDims, coordinates, inputType);
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

  static Value sampleNearest(OpBuilder &b, Location l, ResizeOp op, Value input,
                             ArrayRef<Value> out, std::array<int64_t, 2> spatialDims,
                             ArrayRef<Value> coordinates, RankedTensorType inputType) {
    SmallVector<Value> read(out);
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
      read[spatialDims[spatial]] =
          clampedIndex(b, l, rounded, inputType.getDimSize(2 + spatial));
    }
    return tensor::ExtractOp::create(b, l, input, read);
  }

  static Value sampleLinear(OpBuilder &b, Location l, ResizeOp op, Value input,
                            ArrayRef<Value> out, std::array<int64_t, 2> spatialDims,
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
      SmallVector<Value> read(out);
      read[spatialDims[0]] = row;
      read[spatialDims[1]] = column;
      Value value = tensor::ExtractOp::create(b, l, input, read);
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

void populateDataMovementLoweringPatterns(const TypeConverter &typeConverter,
                                          RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  patterns.add<ConstantLowering, RelayoutLowering, ConcatLowering, ReshapeLowering,
               TransposeLowering, SliceLowering, PadLowering, GatherLowering, TileLowering,
               ResizeLowering>(typeConverter, context);
}

} // namespace mlir::braze::lowering
