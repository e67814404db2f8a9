//===- Elementwise.cpp - one-to-one braze ops -> linalg.generic ------------===//
//
// Every one-to-one op becomes one linalg.generic reading its operands with
// numpy broadcasting; each op only supplies its scalar computation.
//
//===----------------------------------------------------------------------===//

#include "dialects/Braze/BrazeDialect.h"
#include "passes/Lowering/LoweringUtils.h"

#include <cmath>

namespace mlir::braze::lowering {
namespace {

Value constantLike(OpBuilder &b, Location loc, Value like, double value) {
  return scalarConstant(b, loc, like.getType(), value);
}

/// min(max(x, low), high), either bound optional.
Value clamp(OpBuilder &b, Location loc, Value x, std::optional<double> low,
            std::optional<double> high) {
  if (low)
    x = arith::MaximumFOp::create(b, loc, x, constantLike(b, loc, x, *low));
  if (high)
    x = arith::MinimumFOp::create(b, loc, x, constantLike(b, loc, x, *high));
  return x;
}

Value hardSigmoid(OpBuilder &b, Location loc, Value x, double alpha, double beta) {
  Value affine = arith::AddFOp::create(
      b, loc, arith::MulFOp::create(b, loc, x, constantLike(b, loc, x, alpha)),
      constantLike(b, loc, x, beta));
  return clamp(b, loc, affine, 0.0, 1.0);
}

// -- scalar computations, one overload per op --------------------------------

Value scalar(ReluOp, OpBuilder &b, Location loc, ValueRange a) {
  return arith::MaximumFOp::create(b, loc, a[0], constantLike(b, loc, a[0], 0.0));
}
Value scalar(SigmoidOp, OpBuilder &b, Location loc, ValueRange a) {
  Value one = constantLike(b, loc, a[0], 1.0);
  Value expNeg = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, a[0]));
  return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, expNeg));
}
Value scalar(TanhOp, OpBuilder &b, Location loc, ValueRange a) {
  return math::TanhOp::create(b, loc, a[0]);
}
Value scalar(ExpOp, OpBuilder &b, Location loc, ValueRange a) {
  return math::ExpOp::create(b, loc, a[0]);
}
Value scalar(LogOp, OpBuilder &b, Location loc, ValueRange a) {
  return math::LogOp::create(b, loc, a[0]);
}
Value scalar(SqrtOp, OpBuilder &b, Location loc, ValueRange a) {
  return math::SqrtOp::create(b, loc, a[0]);
}
Value scalar(ReciprocalOp, OpBuilder &b, Location loc, ValueRange a) {
  return arith::DivFOp::create(b, loc, constantLike(b, loc, a[0], 1.0), a[0]);
}
Value scalar(ErfOp, OpBuilder &b, Location loc, ValueRange a) {
  return math::ErfOp::create(b, loc, a[0]);
}
Value scalar(FloorOp, OpBuilder &b, Location loc, ValueRange a) {
  return math::FloorOp::create(b, loc, a[0]);
}
Value scalar(CeilOp, OpBuilder &b, Location loc, ValueRange a) {
  return math::CeilOp::create(b, loc, a[0]);
}
Value scalar(NegOp, OpBuilder &b, Location loc, ValueRange a) {
  if (isa<FloatType>(a[0].getType()))
    return arith::NegFOp::create(b, loc, a[0]);
  return arith::SubIOp::create(b, loc, constantLike(b, loc, a[0], 0), a[0]);
}
Value scalar(AbsOp op, OpBuilder &b, Location loc, ValueRange a) {
  if (isa<FloatType>(a[0].getType()))
    return math::AbsFOp::create(b, loc, a[0]);
  if (isUnsignedElement(op.getType()))
    return a[0];
  return math::AbsIOp::create(b, loc, a[0]);
}
Value scalar(HardSwishOp, OpBuilder &b, Location loc, ValueRange a) {
  return arith::MulFOp::create(b, loc, a[0], hardSigmoid(b, loc, a[0], 1.0 / 6.0, 0.5));
}
Value scalar(HardSigmoidOp op, OpBuilder &b, Location loc, ValueRange a) {
  return hardSigmoid(b, loc, a[0], op.getAlpha().convertToDouble(),
                     op.getBeta().convertToDouble());
}
Value scalar(LeakyReluOp op, OpBuilder &b, Location loc, ValueRange a) {
  Value zero = constantLike(b, loc, a[0], 0.0);
  Value scaled = arith::MulFOp::create(
      b, loc, a[0], constantLike(b, loc, a[0], op.getAlpha().convertToDouble()));
  Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, a[0], zero);
  return arith::SelectOp::create(b, loc, positive, a[0], scaled);
}
Value scalar(ClipOp op, OpBuilder &b, Location loc, ValueRange a) {
  auto bound = [](std::optional<APFloat> value) -> std::optional<double> {
    if (!value)
      return std::nullopt;
    return value->convertToDouble();
  };
  return clamp(b, loc, a[0], bound(op.getMin()), bound(op.getMax()));
}
Value scalar(GeluOp op, OpBuilder &b, Location loc, ValueRange a) {
  Value x = a[0];
  Value half = constantLike(b, loc, x, 0.5), one = constantLike(b, loc, x, 1.0);
  Value inner;
  if (op.getTanhApproximation()) {
    // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    Value cube = arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value poly = arith::AddFOp::create(
        b, loc, x,
        arith::MulFOp::create(b, loc, cube, constantLike(b, loc, x, 0.044715)));
    inner = math::TanhOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, poly,
                              constantLike(b, loc, x, std::sqrt(2.0 / M_PI))));
  } else {
    // 0.5 x (1 + erf(x / sqrt(2)))
    inner = math::ErfOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, constantLike(b, loc, x, M_SQRT1_2)));
  }
  Value scaled = arith::MulFOp::create(b, loc, half, x);
  return arith::MulFOp::create(b, loc, scaled, arith::AddFOp::create(b, loc, one, inner));
}

Value scalar(AddOp, OpBuilder &b, Location loc, ValueRange a) {
  return buildAdd(b, loc, a[0], a[1]);
}
Value scalar(SubOp, OpBuilder &b, Location loc, ValueRange a) {
  if (isa<FloatType>(a[0].getType()))
    return arith::SubFOp::create(b, loc, a[0], a[1]);
  return arith::SubIOp::create(b, loc, a[0], a[1]);
}
Value scalar(MulOp, OpBuilder &b, Location loc, ValueRange a) {
  return buildMul(b, loc, a[0], a[1]);
}
Value scalar(DivOp op, OpBuilder &b, Location loc, ValueRange a) {
  return buildDiv(b, loc, a[0], a[1], isUnsignedElement(op.getType()));
}
/// x^y for floats. IREE expands math.powf as exp(y * log(x)), NaN for any
/// negative x; ONNX (C's pow) defines a negative base with an integral
/// exponent, and 0^0 = 1: compute |x|^y and fix the sign and the zero case.
Value floatPower(OpBuilder &b, Location loc, Value x, Value y) {
  Value zero = constantLike(b, loc, x, 0.0), one = constantLike(b, loc, x, 1.0);
  Value two = constantLike(b, loc, x, 2.0);
  Value magnitude = math::PowFOp::create(b, loc, math::AbsFOp::create(b, loc, x), y);
  Value integral = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                         math::FloorOp::create(b, loc, y), y);
  Value halfFloor = math::FloorOp::create(b, loc, arith::DivFOp::create(b, loc, y, two));
  Value odd = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ONE,
                                    arith::MulFOp::create(b, loc, halfFloor, two), y);
  Value negativeBase = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
  Value nan = constantLike(b, loc, x, std::nan(""));
  Value signedPower = arith::SelectOp::create(
      b, loc, odd, arith::NegFOp::create(b, loc, magnitude), magnitude);
  Value negativeCase = arith::SelectOp::create(b, loc, integral, signedPower, nan);
  Value result = arith::SelectOp::create(b, loc, negativeBase, negativeCase, magnitude);
  Value zeroExponent = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, y, zero);
  return arith::SelectOp::create(b, loc, zeroExponent, one, result);
}

/// x^y for integers by repeated squaring, one step per exponent bit (IREE
/// cannot compile math.ipowi). A negative (signed) exponent gives 0, except
/// for bases 1 and -1, as integer division of 1 by x^-y would.
Value integerPower(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  Value zero = constantLike(b, loc, x, 0), one = constantLike(b, loc, x, 1);
  Value result = one, base = x, exponent = y;
  for (unsigned bit = 0; bit < x.getType().getIntOrFloatBitWidth(); ++bit) {
    Value set = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                      arith::AndIOp::create(b, loc, exponent, one), zero);
    result = arith::SelectOp::create(b, loc, set, arith::MulIOp::create(b, loc, result, base),
                                     result);
    base = arith::MulIOp::create(b, loc, base, base);
    exponent = arith::ShRUIOp::create(b, loc, exponent, one);
  }
  if (isUnsigned)
    return result;
  Value minusOne = constantLike(b, loc, x, -1);
  Value odd = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                    arith::AndIOp::create(b, loc, y, one), zero);
  Value unitPower = arith::SelectOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, one), one,
      arith::SelectOp::create(
          b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, minusOne),
          arith::SelectOp::create(b, loc, odd, minusOne, one), zero));
  Value negativeExponent = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, y, zero);
  return arith::SelectOp::create(b, loc, negativeExponent, unitPower, result);
}

Value scalar(PowOp op, OpBuilder &b, Location loc, ValueRange a) {
  if (isa<FloatType>(a[0].getType()))
    return floatPower(b, loc, a[0], a[1]);
  return integerPower(b, loc, a[0], a[1], isUnsignedElement(op.getType()));
}
Value scalar(MaxOp op, OpBuilder &b, Location loc, ValueRange a) {
  return buildMax(b, loc, a[0], a[1], isUnsignedElement(op.getType()));
}
Value scalar(MinOp op, OpBuilder &b, Location loc, ValueRange a) {
  return buildMin(b, loc, a[0], a[1], isUnsignedElement(op.getType()));
}
Value scalar(CompareOp op, OpBuilder &b, Location loc, ValueRange a) {
  if (isa<FloatType>(a[0].getType())) {
    arith::CmpFPredicate predicates[] = {
        arith::CmpFPredicate::OEQ, arith::CmpFPredicate::OLT, arith::CmpFPredicate::OLE,
        arith::CmpFPredicate::OGT, arith::CmpFPredicate::OGE};
    return arith::CmpFOp::create(
        b, loc, predicates[static_cast<int>(op.getPredicate())], a[0], a[1]);
  }
  arith::CmpIPredicate signedPredicates[] = {
      arith::CmpIPredicate::eq, arith::CmpIPredicate::slt, arith::CmpIPredicate::sle,
      arith::CmpIPredicate::sgt, arith::CmpIPredicate::sge};
  arith::CmpIPredicate unsignedPredicates[] = {
      arith::CmpIPredicate::eq, arith::CmpIPredicate::ult, arith::CmpIPredicate::ule,
      arith::CmpIPredicate::ugt, arith::CmpIPredicate::uge};
  auto &predicates =
      isUnsignedElement(op.getLhs().getType()) ? unsignedPredicates : signedPredicates;
  return arith::CmpIOp::create(b, loc, predicates[static_cast<int>(op.getPredicate())],
                               a[0], a[1]);
}
Value scalar(WhereOp, OpBuilder &b, Location loc, ValueRange a) {
  return arith::SelectOp::create(b, loc, a[0], a[1], a[2]);
}
Value scalar(ExpandOp, OpBuilder &, Location, ValueRange a) { return a[0]; }

Value scalar(CastOp op, OpBuilder &b, Location loc, ValueRange a) {
  Value x = a[0];
  Type from = x.getType();
  Type to = signlessType(op.getType().getElementType());
  if (from == to) // (also iN <-> uiN: the same bits)
    return x;
  if (to.isInteger(1)) // ONNX: any non-zero value is true.
    return isa<FloatType>(from)
               ? Value(arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x,
                                             constantLike(b, loc, x, 0.0)))
               : Value(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x,
                                             constantLike(b, loc, x, 0)));
  bool fromFloat = isa<FloatType>(from), toFloat = isa<FloatType>(to);
  unsigned fromWidth = from.getIntOrFloatBitWidth(), toWidth = to.getIntOrFloatBitWidth();
  if (fromFloat && toFloat)
    return fromWidth < toWidth ? Value(arith::ExtFOp::create(b, loc, to, x))
                               : Value(arith::TruncFOp::create(b, loc, to, x));
  if (fromFloat)
    return isUnsignedElement(op.getType()) ? Value(arith::FPToUIOp::create(b, loc, to, x))
                                           : Value(arith::FPToSIOp::create(b, loc, to, x));
  // Booleans (true is 1, not -1) and uiN are unsigned; iN are signed.
  bool fromUnsigned = from.isInteger(1) || isUnsignedElement(op.getInput().getType());
  if (toFloat)
    return fromUnsigned ? Value(arith::UIToFPOp::create(b, loc, to, x))
                        : Value(arith::SIToFPOp::create(b, loc, to, x));
  if (fromWidth < toWidth)
    return fromUnsigned ? Value(arith::ExtUIOp::create(b, loc, to, x))
                        : Value(arith::ExtSIOp::create(b, loc, to, x));
  return arith::TruncIOp::create(b, loc, to, x);
}

/// Any layout: operands are read through their own layouts' indexing maps.
template <typename OpTy>
struct ElementwiseLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpConversionPattern<OpTy>::OpAdaptor;

  LogicalResult matchAndRewrite(OpTy op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), resultType, adaptor.getOperands(), op->getOperandTypes(),
        [&](OpBuilder &b, Location loc, ValueRange scalars) {
          return scalar(op, b, loc, scalars);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The per-channel vectors index dim 1 of the input: they are read as
/// (C, 1, ..., 1) so that numpy broadcasting lines them up, in any layout.
struct BatchNormLowering : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    SmallVector<int64_t> channelShape(type.getRank() - 1, 1);
    channelShape[0] = type.getDimSize(1);
    auto channelType = RankedTensorType::get(channelShape, type.getElementType());
    SmallVector<Value> operands = {adaptor.getInput()};
    SmallVector<Type> logicalTypes = {type};
    for (Value vector : {op.getScale(), op.getBias(), op.getMean(), op.getVariance()}) {
      operands.push_back(reshapeTensor(rewriter, loc, vector, channelType));
      logicalTypes.push_back(channelType);
    }
    double epsilon = op.getEpsilon().convertToDouble();
    Value result = buildElementwise(
        rewriter, loc, type, operands, logicalTypes,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value x = a[0], scale = a[1], bias = a[2], mean = a[3], variance = a[4];
          Value stddev = math::SqrtOp::create(
              b, l, arith::AddFOp::create(b, l, variance, constantLike(b, l, x, epsilon)));
          Value normalized = arith::DivFOp::create(
              b, l, arith::SubFOp::create(b, l, x, mean), stddev);
          return arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, normalized, scale),
                                       bias);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateElementwiseLoweringPatterns(const TypeConverter &typeConverter,
                                         RewritePatternSet &patterns) {
  patterns.add<
      ElementwiseLowering<ReluOp>, ElementwiseLowering<SigmoidOp>,
      ElementwiseLowering<TanhOp>, ElementwiseLowering<ExpOp>,
      ElementwiseLowering<LogOp>, ElementwiseLowering<SqrtOp>,
      ElementwiseLowering<ReciprocalOp>, ElementwiseLowering<ErfOp>,
      ElementwiseLowering<FloorOp>, ElementwiseLowering<CeilOp>,
      ElementwiseLowering<NegOp>, ElementwiseLowering<AbsOp>,
      ElementwiseLowering<HardSwishOp>, ElementwiseLowering<HardSigmoidOp>,
      ElementwiseLowering<LeakyReluOp>, ElementwiseLowering<ClipOp>,
      ElementwiseLowering<GeluOp>, ElementwiseLowering<CastOp>,
      ElementwiseLowering<AddOp>, ElementwiseLowering<SubOp>,
      ElementwiseLowering<MulOp>, ElementwiseLowering<DivOp>,
      ElementwiseLowering<PowOp>, ElementwiseLowering<MaxOp>,
      ElementwiseLowering<MinOp>, ElementwiseLowering<CompareOp>,
      ElementwiseLowering<WhereOp>, ElementwiseLowering<ExpandOp>, BatchNormLowering>(
      typeConverter, patterns.getContext());
}

} // namespace mlir::braze::lowering
