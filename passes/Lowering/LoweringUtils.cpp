//===- LoweringUtils.cpp - shared pieces of braze -> linalg ---------------===//

#include "passes/Lowering/LoweringUtils.h"

#include "dialects/Braze/BrazeDialect.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/TypeUtilities.h"

namespace mlir::braze::lowering {

SmallVector<StorageDim> storageDims(RankedTensorType type) {
  switch (getLayout(type)) {
  case Layout::nchw:
    return llvm::map_to_vector(llvm::seq<int64_t>(0, type.getRank()),
                               [](int64_t dim) { return StorageDim{dim}; });
  case Layout::nhwc:
    return {{0}, {2}, {3}, {1}};
  case Layout::nc4hw4:
    return {{0}, {1}, {2}, {3}, {1, /*lane=*/true}};
  }
  llvm_unreachable("unknown layout");
}

bool isBlocked(Type type) { return getLayout(type) == Layout::nc4hw4; }

RankedTensorType storageType(RankedTensorType type) {
  SmallVector<int64_t> shape(type.getShape());
  if (auto layout = dyn_cast_or_null<LayoutAttr>(type.getEncoding()))
    shape = layout.getPhysicalShape(type.getShape());
  return RankedTensorType::get(shape, signlessType(type.getElementType()));
}

std::array<int64_t, 2> spatialStorageDims(RankedTensorType type) {
  SmallVector<StorageDim> dims = storageDims(type);
  auto position = [&](int64_t logical) {
    return llvm::find(dims, StorageDim{logical}) - dims.begin();
  };
  return {position(2), position(3)};
}

SmallVector<int64_t> atSpatialDims(RankedTensorType type, int64_t h, int64_t w) {
  SmallVector<int64_t> result(storageDims(type).size(), 0);
  auto [hDim, wDim] = spatialStorageDims(type);
  result[hDim] = h;
  result[wDim] = w;
  return result;
}

SmallVector<ReassociationIndices> splitDimReassociation(int64_t rank, int64_t dim) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t first = d + (d > dim);
    groups.push_back(d == dim ? ReassociationIndices{first, first + 1}
                              : ReassociationIndices{first});
  }
  return groups;
}

Value splitIntoBlocks(OpBuilder &builder, Location loc, Value value, int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t size = type.getDimSize(dim), blocks = llvm::divideCeil(size, kChannelBlock);
  SmallVector<int64_t> low(type.getRank(), 0), high(type.getRank(), 0);
  high[dim] = blocks * kChannelBlock - size;
  Value padded = padTensor(builder, loc, value, low, high,
                           scalarConstant(builder, loc, type.getElementType(), 0.0));
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = blocks;
  shape.insert(shape.begin() + dim + 1, kChannelBlock);
  return tensor::ExpandShapeOp::create(builder, loc,
                                       RankedTensorType::get(shape, type.getElementType()),
                                       padded, splitDimReassociation(type.getRank(), dim));
}

Value mergeBlocks(OpBuilder &builder, Location loc, Value value, int64_t dim,
                  int64_t size) {
  auto type = cast<RankedTensorType>(value.getType());
  Value merged = tensor::CollapseShapeOp::create(
      builder, loc, value, splitDimReassociation(type.getRank() - 1, dim));
  auto mergedType = cast<RankedTensorType>(merged.getType());
  if (mergedType.getDimSize(dim) == size)
    return merged;
  SmallVector<int64_t> sizes(mergedType.getShape());
  sizes[dim] = size;
  MLIRContext *context = builder.getContext();
  return tensor::ExtractSliceOp::create(
      builder, loc, RankedTensorType::get(sizes, mergedType.getElementType()), merged,
      getAsIndexOpFoldResult(context, SmallVector<int64_t>(sizes.size(), 0)),
      getAsIndexOpFoldResult(context, sizes),
      getAsIndexOpFoldResult(context, SmallVector<int64_t>(sizes.size(), 1)));
}

Value relayoutTensor(OpBuilder &builder, Location loc, Value storage,
                     RankedTensorType from, RankedTensorType to) {
  // Between a blocked and an unblocked layout, the unblocked storage is seen
  // with its C split into (block, lane) in place; then both sides list the
  // same dimensions and one transpose reorders them.
  SmallVector<StorageDim> source = storageDims(from), target = storageDims(to);
  auto splitChannels = [](SmallVector<StorageDim> &dims) {
    int64_t channels = llvm::find(dims, StorageDim{1}) - dims.begin();
    dims.insert(dims.begin() + channels + 1, StorageDim{1, /*lane=*/true});
    return channels;
  };
  std::optional<int64_t> mergeAt;
  if (isBlocked(to) && !isBlocked(from))
    storage = splitIntoBlocks(builder, loc, storage, splitChannels(source));
  else if (isBlocked(from) && !isBlocked(to))
    mergeAt = splitChannels(target);
  SmallVector<int64_t> permutation = llvm::map_to_vector(target, [&](StorageDim dim) {
    return static_cast<int64_t>(llvm::find(source, dim) - source.begin());
  });
  Value result = transposeTensor(builder, loc, storage, permutation);
  if (mergeAt)
    result = mergeBlocks(builder, loc, result, *mergeAt, from.getDimSize(1));
  return result;
}

Type signlessType(Type type) {
  if (type.isUnsignedInteger())
    return IntegerType::get(type.getContext(), type.getIntOrFloatBitWidth());
  return type;
}

bool isUnsignedElement(Type type) {
  return getElementTypeOrSelf(type).isUnsignedInteger();
}

AffineMap broadcastMap(RankedTensorType operand, RankedTensorType result,
                       MLIRContext *context) {
  // The loop over result storage dim j walks loops[j] of the result.
  SmallVector<StorageDim> loops = storageDims(result);
  int64_t offset = result.getRank() - operand.getRank();
  SmallVector<AffineExpr> exprs;
  for (StorageDim dim : storageDims(operand)) {
    int64_t resultDim = offset + dim.logical;
    bool repeated =
        operand.getDimSize(dim.logical) == 1 && result.getDimSize(resultDim) != 1;
    assert((repeated || isBlocked(operand) || !isBlocked(result) || resultDim != 1 ||
            result.getDimSize(1) == 1) &&
           "channels read into a blocked result must be blocked");
    const StorageDim *loop = llvm::find(loops, StorageDim{resultDim, dim.lane});
    assert((repeated || loop != loops.end()) && "a blocked operand needs a blocked result");
    exprs.push_back(repeated ? getAffineConstantExpr(0, context)
                             : getAffineDimExpr(loop - loops.begin(), context));
  }
  return AffineMap::get(loops.size(), 0, exprs, context);
}

/// Whether transposing `type` by `permutation` moves only dimensions of size
/// 1, leaving the elements in order.
static bool movesOnlyUnitDims(RankedTensorType type, ArrayRef<int64_t> permutation) {
  SmallVector<int64_t> nonUnit = llvm::filter_to_vector(
      permutation, [&](int64_t dim) { return type.getDimSize(dim) != 1; });
  return llvm::is_sorted(nonUnit);
}

bool lowersToReshape(Operation *op) {
  if (isa<ReshapeOp>(op))
    return true;
  if (auto transpose = dyn_cast<TransposeOp>(op))
    return movesOnlyUnitDims(transpose.getInput().getType(), transpose.getPerm());
  auto relayout = dyn_cast<RelayoutOp>(op);
  if (!relayout || isBlocked(relayout.getInput().getType()) || isBlocked(relayout.getType()))
    return false;
  SmallVector<StorageDim> source = storageDims(relayout.getInput().getType());
  SmallVector<int64_t> permutation =
      llvm::map_to_vector(storageDims(relayout.getType()), [&](StorageDim dim) {
        return static_cast<int64_t>(llvm::find(source, dim) - source.begin());
      });
  return movesOnlyUnitDims(storageType(relayout.getInput().getType()), permutation);
}

Value transposeTensor(OpBuilder &builder, Location loc, Value value,
                      ArrayRef<int64_t> permutation) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape = llvm::map_to_vector(
      permutation, [&](int64_t dim) { return type.getDimSize(dim); });
  // A reshape IREE does without a dispatch (a transpose of 1280x1x1 to
  // 1x1x1280 at the end of a classifier head would be one of its own).
  if (movesOnlyUnitDims(type, permutation))
    return reshapeTensor(builder, loc, value,
                         RankedTensorType::get(shape, type.getElementType()));
  Value init = tensor::EmptyOp::create(builder, loc, shape, type.getElementType());
  return linalg::TransposeOp::create(builder, loc, value, init, permutation).getResult()[0];
}

Value emptyTensor(OpBuilder &builder, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(builder, loc, type.getShape(), type.getElementType());
}

Value filledTensor(OpBuilder &builder, Location loc, RankedTensorType type,
                   Value value) {
  return linalg::FillOp::create(builder, loc, ValueRange{value},
                                ValueRange{emptyTensor(builder, loc, type)})
      .getResult(0);
}

/// `input`, stored as `type`, in a form the loops of a `result` storage can
/// index: itself, except where `result` is blocked and `input` carries
/// channels (size > 1) unblocked, as a per-channel vector does; then it is
/// blocked too (zero-padded), seen as an image through leading unit dims,
/// which numpy broadcasting allows. For a constant this is a constant
/// expression that IREE evaluates at compile time.
static std::pair<Value, RankedTensorType>
readableBy(OpBuilder &builder, Location loc, Value input, RankedTensorType type,
           RankedTensorType result) {
  int64_t channelDim = type.getRank() - result.getRank() + 1;
  if (!isBlocked(result) || isBlocked(type) || channelDim < 0 ||
      type.getDimSize(channelDim) == 1)
    return {input, type};
  SmallVector<int64_t> shape(result.getRank() - type.getRank(), 1);
  llvm::append_range(shape, type.getShape());
  auto image = RankedTensorType::get(shape, type.getElementType(), type.getEncoding());
  auto blocked = RankedTensorType::get(shape, type.getElementType(), result.getEncoding());
  Value imageStorage = reshapeTensor(builder, loc, input, storageType(image));
  return {relayoutTensor(builder, loc, imageStorage, image, blocked), blocked};
}

Value buildElementwise(OpBuilder &builder, Location loc, RankedTensorType resultType,
                       ValueRange inputs, TypeRange logicalTypes, ScalarBuilder body) {
  MLIRContext *context = builder.getContext();
  SmallVector<Value> operands;
  SmallVector<AffineMap> maps;
  for (auto [input, type] : llvm::zip_equal(inputs, logicalTypes)) {
    auto [operand, readType] =
        readableBy(builder, loc, input, cast<RankedTensorType>(type), resultType);
    operands.push_back(operand);
    maps.push_back(broadcastMap(readType, resultType, context));
  }
  RankedTensorType storage = storageType(resultType);
  maps.push_back(AffineMap::getMultiDimIdentityMap(storage.getRank(), context));
  SmallVector<utils::IteratorType> iterators(storage.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{storage}, operands,
      ValueRange{emptyTensor(builder, loc, storage)}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args.drop_back());
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

Value buildElementwise(OpBuilder &builder, Location loc, RankedTensorType resultType,
                       ValueRange inputs, ScalarBuilder body) {
  return buildElementwise(builder, loc, resultType, inputs, inputs.getTypes(), body);
}

Value scalarConstant(OpBuilder &builder, Location loc, Type type, double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(builder, loc, builder.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(
      builder, loc, builder.getIntegerAttr(type, static_cast<int64_t>(value)));
}

Value lowestValue(OpBuilder &builder, Location loc, Type type) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        builder, loc,
        builder.getFloatAttr(floatType,
                             APFloat::getInf(floatType.getFloatSemantics(), true)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt lowest = type.isUnsignedInteger() ? APInt::getMinValue(width)
                                          : APInt::getSignedMinValue(width);
  return arith::ConstantOp::create(
      builder, loc, builder.getIntegerAttr(signlessType(type), lowest));
}

Value highestValue(OpBuilder &builder, Location loc, Type type) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        builder, loc,
        builder.getFloatAttr(floatType,
                             APFloat::getInf(floatType.getFloatSemantics(), false)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt highest = type.isUnsignedInteger() ? APInt::getMaxValue(width)
                                           : APInt::getSignedMaxValue(width);
  return arith::ConstantOp::create(
      builder, loc, builder.getIntegerAttr(signlessType(type), highest));
}

Value padTensor(OpBuilder &builder, Location loc, Value input, ArrayRef<int64_t> low,
                ArrayRef<int64_t> high, Value value) {
  auto isZero = [](int64_t p) { return p == 0; };
  if (llvm::all_of(low, isZero) && llvm::all_of(high, isZero))
    return input;
  auto inputType = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape;
  for (auto [size, before, after] : llvm::zip_equal(inputType.getShape(), low, high))
    shape.push_back(size + before + after);
  auto resultType = RankedTensorType::get(shape, inputType.getElementType());
  return tensor::PadOp::create(builder, loc, resultType, input,
                               getAsIndexOpFoldResult(builder.getContext(), low),
                               getAsIndexOpFoldResult(builder.getContext(), high),
                               value);
}

Value padToWindowReach(OpBuilder &builder, Location loc, Value input,
                       RankedTensorType inputType, RankedTensorType outputType,
                       ArrayRef<int64_t> pads, ArrayRef<int64_t> kernel,
                       ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations, Value value) {
  int64_t high[2], cut[2];
  for (int spatial = 0; spatial < 2; ++spatial) {
    int64_t extent = dilations[spatial] * (kernel[spatial] - 1) + 1;
    int64_t reach = (outputType.getDimSize(2 + spatial) - 1) * strides[spatial] + extent;
    int64_t padded = inputType.getDimSize(2 + spatial) + pads[spatial] + pads[spatial + 2];
    int64_t unread = outputType.getDimSize(2 + spatial) == 1 ? padded - reach : 0;
    high[spatial] = pads[spatial + 2] + std::max<int64_t>(0, reach - padded) -
                    std::clamp<int64_t>(unread, 0, pads[spatial + 2]);
    cut[spatial] = std::max<int64_t>(0, unread - pads[spatial + 2]);
  }
  Value padded = padTensor(builder, loc, input, atSpatialDims(inputType, pads[0], pads[1]),
                           atSpatialDims(inputType, high[0], high[1]), value);
  if (cut[0] == 0 && cut[1] == 0)
    return padded;
  auto paddedType = cast<RankedTensorType>(padded.getType());
  SmallVector<int64_t> sizes(paddedType.getShape());
  for (auto [size, dropped] : llvm::zip_equal(sizes, atSpatialDims(inputType, cut[0], cut[1])))
    size -= dropped;
  MLIRContext *context = builder.getContext();
  return tensor::ExtractSliceOp::create(
      builder, loc, RankedTensorType::get(sizes, paddedType.getElementType()), padded,
      getAsIndexOpFoldResult(context, SmallVector<int64_t>(sizes.size(), 0)),
      getAsIndexOpFoldResult(context, sizes),
      getAsIndexOpFoldResult(context, SmallVector<int64_t>(sizes.size(), 1)));
}

Value tapWindow(OpBuilder &builder, Location loc, Value padded, ArrayRef<int64_t> pixels,
                int64_t row, int64_t column, ArrayRef<int64_t> strides,
                ArrayRef<int64_t> dilations, int64_t firstChannel, int64_t channels) {
  MLIRContext *context = builder.getContext();
  SmallVector<int64_t> offsets = {0, row * dilations[0], column * dilations[1], firstChannel};
  SmallVector<int64_t> sizes = {pixels[0], pixels[1], pixels[2], channels};
  SmallVector<int64_t> steps = {1, strides[0], strides[1], 1};
  Type elementType = cast<RankedTensorType>(padded.getType()).getElementType();
  return tensor::ExtractSliceOp::create(
      builder, loc, RankedTensorType::get(sizes, elementType), padded,
      getAsIndexOpFoldResult(context, offsets), getAsIndexOpFoldResult(context, sizes),
      getAsIndexOpFoldResult(context, steps));
}

Value reshapeTensor(OpBuilder &builder, Location loc, Value input,
                    RankedTensorType resultType) {
  auto inputType = cast<RankedTensorType>(input.getType());
  if (inputType.getShape() == resultType.getShape())
    return input;
  // A rank-0 tensor is one element: it expands to, or collapses from, any
  // all-ones shape without reassociation groups.
  if (inputType.getRank() == 0)
    return tensor::ExpandShapeOp::create(builder, loc, resultType, input,
                                         ArrayRef<ReassociationIndices>{});
  if (resultType.getRank() == 0)
    return tensor::CollapseShapeOp::create(builder, loc, resultType, input,
                                           ArrayRef<ReassociationIndices>{});
  auto oneGroup = [](int64_t rank) {
    return SmallVector<ReassociationIndices>{
        llvm::to_vector(llvm::seq<int64_t>(0, rank))};
  };
  Value flat = input;
  if (inputType.getRank() != 1)
    flat = tensor::CollapseShapeOp::create(
        builder, loc,
        RankedTensorType::get({inputType.getNumElements()}, inputType.getElementType()),
        input, oneGroup(inputType.getRank()));
  if (resultType.getRank() == 1)
    return flat;
  return tensor::ExpandShapeOp::create(builder, loc, resultType, flat,
                                       oneGroup(resultType.getRank()));
}

Value buildIndexedGeneric(
    OpBuilder &builder, Location loc, RankedTensorType resultType,
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value> indices)> body) {
  int64_t rank = resultType.getRank();
  return linalg::GenericOp::create(
             builder, loc, TypeRange{resultType}, ValueRange{},
             ValueRange{emptyTensor(builder, loc, resultType)},
             ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, builder.getContext())},
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &b, Location l, ValueRange) {
               SmallVector<Value> indices;
               for (int64_t dim = 0; dim < rank; ++dim)
                 indices.push_back(linalg::IndexOp::create(b, l, dim));
               linalg::YieldOp::create(b, l, body(b, l, indices));
             })
      .getResult(0);
}


Value indexConstant(OpBuilder &builder, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(builder, loc, value);
}

Value affineIndex(OpBuilder &builder, Location loc, Value index, int64_t scale,
                  int64_t offset) {
  Value scaled = scale == 1 ? index
                            : Value(arith::MulIOp::create(
                                  builder, loc, index, indexConstant(builder, loc, scale)));
  return offset == 0 ? scaled
                     : Value(arith::AddIOp::create(builder, loc, scaled,
                                                   indexConstant(builder, loc, offset)));
}

Value buildAdd(OpBuilder &builder, Location loc, Value lhs, Value rhs) {
  if (isa<FloatType>(lhs.getType()))
    return arith::AddFOp::create(builder, loc, lhs, rhs);
  return arith::AddIOp::create(builder, loc, lhs, rhs);
}

Value buildMul(OpBuilder &builder, Location loc, Value lhs, Value rhs) {
  if (isa<FloatType>(lhs.getType()))
    return arith::MulFOp::create(builder, loc, lhs, rhs);
  return arith::MulIOp::create(builder, loc, lhs, rhs);
}

Value buildMax(OpBuilder &builder, Location loc, Value lhs, Value rhs, bool isUnsigned) {
  if (isa<FloatType>(lhs.getType()))
    return arith::MaximumFOp::create(builder, loc, lhs, rhs);
  if (isUnsigned)
    return arith::MaxUIOp::create(builder, loc, lhs, rhs);
  return arith::MaxSIOp::create(builder, loc, lhs, rhs);
}

Value buildMin(OpBuilder &builder, Location loc, Value lhs, Value rhs, bool isUnsigned) {
  if (isa<FloatType>(lhs.getType()))
    return arith::MinimumFOp::create(builder, loc, lhs, rhs);
  if (isUnsigned)
    return arith::MinUIOp::create(builder, loc, lhs, rhs);
  return arith::MinSIOp::create(builder, loc, lhs, rhs);
}

Value buildDiv(OpBuilder &builder, Location loc, Value lhs, Value rhs, bool isUnsigned) {
  if (isa<FloatType>(lhs.getType()))
    return arith::DivFOp::create(builder, loc, lhs, rhs);
  if (isUnsigned)
    return arith::DivUIOp::create(builder, loc, lhs, rhs);
  return arith::DivSIOp::create(builder, loc, lhs, rhs);
}

FailureOr<CodegenTarget> parseCodegenTarget(Operation *op, StringRef pass, StringRef name) {
  if (name == "cpu")
    return CodegenTarget::cpu;
  if (name == "gpu")
    return CodegenTarget::gpu;
  return op->emitError(pass) << ": unknown codegen '" << name << "' (valid: cpu, gpu)";
}

} // namespace mlir::braze::lowering
