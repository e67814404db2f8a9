//===- LoweringUtils.cpp - shared pieces of braze -> linalg ---------------===//

#include "passes/Lowering/LoweringUtils.h"

#include "dialects/Braze/BrazeDialect.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/TypeUtilities.h"

namespace mlir::braze::lowering {

SmallVector<int64_t> storagePermutation(RankedTensorType type) {
  if (getLayout(type) == Layout::nhwc)
    return {0, 2, 3, 1};
  return llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
}

RankedTensorType storageType(RankedTensorType type) {
  SmallVector<int64_t> shape = llvm::map_to_vector(
      storagePermutation(type), [&](int64_t dim) { return type.getDimSize(dim); });
  return RankedTensorType::get(shape, signlessType(type.getElementType()));
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
  // The loop over result storage dim j walks result logical dim outPerm[j].
  SmallVector<int64_t> outPerm = storagePermutation(result);
  SmallVector<int64_t> loopOfLogical(result.getRank());
  for (auto [loop, logical] : llvm::enumerate(outPerm))
    loopOfLogical[logical] = loop;
  int64_t offset = result.getRank() - operand.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t logical : storagePermutation(operand)) {
    int64_t resultDim = offset + logical;
    bool repeated = operand.getDimSize(logical) == 1 && result.getDimSize(resultDim) != 1;
    exprs.push_back(repeated ? getAffineConstantExpr(0, context)
                             : getAffineDimExpr(loopOfLogical[resultDim], context));
  }
  return AffineMap::get(result.getRank(), 0, exprs, context);
}

Value transposeTensor(OpBuilder &builder, Location loc, Value value,
                      ArrayRef<int64_t> permutation) {
  if (llvm::equal(permutation, llvm::seq<int64_t>(0, permutation.size())))
    return value;
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape = llvm::map_to_vector(
      permutation, [&](int64_t dim) { return type.getDimSize(dim); });
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

Value buildElementwise(OpBuilder &builder, Location loc, RankedTensorType resultType,
                       ValueRange inputs, TypeRange logicalTypes, ScalarBuilder body) {
  MLIRContext *context = builder.getContext();
  SmallVector<AffineMap> maps;
  for (Type type : logicalTypes)
    maps.push_back(broadcastMap(cast<RankedTensorType>(type), resultType, context));
  RankedTensorType storage = storageType(resultType);
  maps.push_back(AffineMap::getMultiDimIdentityMap(storage.getRank(), context));
  SmallVector<utils::IteratorType> iterators(storage.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{storage}, inputs,
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

} // namespace mlir::braze::lowering
