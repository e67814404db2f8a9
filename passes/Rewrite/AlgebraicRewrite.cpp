//===- AlgebraicRewrite.cpp - cost-guided algebraic graph rewriting --------===//
//
// DNNFusion's rewriting by mathematical properties (its Table 4), together
// with the recognition of decomposed composite ops and the folding of
// constant scales into weights, which the same cost argument justifies.
//
// Every rule builds its replacement outside the IR first (`Replacement`) and
// applies it only where the new ops cost strictly less -- FLOPs plus bytes
// accessed, from CostOpInterface -- than the ops it makes dead. That one
// inequality keeps the rules honest about broadcasting (a replacement that
// computes on larger tensors costs more) and about shared intermediates (an
// intermediate with other users stays, so removing its user saves nothing
// of it), and it makes the rewriting terminate.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Rewrite/WeightFolding.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/MathExtras.h"

#include <array>
#include <cmath>
#include <functional>
#include <utility>

namespace mlir::braze {
#define GEN_PASS_DEF_BRAZEREWRITE
#include "passes/Passes.h.inc"

namespace {

//===----------------------------------------------------------------------===//
// Cost-guided replacement
//===----------------------------------------------------------------------===//

/// FLOPs plus bytes accessed: the elementwise work these rules remove is
/// memory-bound, so an element moved weighs about as much as an operation.
/// Ops outside the cost model (constants) are free.
int64_t cost(Operation *op) {
  auto costed = dyn_cast<CostOpInterface>(op);
  return costed ? costed.getFlops() + costed.getBytesAccessed() : 0;
}

/// The ops that would replace `root` and the matched ops feeding it. They
/// are built outside the IR, so that their cost can be compared with that of
/// the ops they make dead before anything changes, and go in before `root`
/// in the order they were created (operands first); those not committed are
/// destroyed with the replacement.
class Replacement {
public:
  /// `matched` are the other ops the rule matched; each is removed with
  /// `root` where all its users are removed.
  Replacement(Operation *root, ArrayRef<Operation *> matched)
      : root(root), matched(matched), builder(root->getContext()),
        loc(fusedLocation(root, matched)) {}
  Replacement(const Replacement &) = delete;
  Replacement &operator=(const Replacement &) = delete;
  ~Replacement() {
    for (Operation *op : created)
      op->dropAllReferences();
    for (Operation *op : created)
      op->erase();
  }

  template <typename OpTy, typename... Args>
  OpTy create(Args &&...args) {
    auto op = OpTy::create(builder, loc, std::forward<Args>(args)...);
    created.push_back(op);
    return op;
  }

  /// A new elementwise binary op, or null where an operand is null or the
  /// two do not broadcast together: a chain of them needs one check, which
  /// `commit` makes.
  template <typename OpTy>
  Value broadcast(Value lhs, Value rhs) {
    if (!lhs || !rhs || !OpTrait::util::getBroadcastedType(lhs.getType(), rhs.getType()))
      return {};
    return create<OpTy>(lhs, rhs);
  }

  /// A braze.constant of `type` whose elements are all 1.
  Value createOnes(RankedTensorType type) {
    return create<ConstantOp>(
        DenseElementsAttr::get(type, builder.getOneAttr(type.getElementType())));
  }

  Value createF32Constant(ShapedType type, ArrayRef<double> values, StringRef name) {
    Value constant = braze::createF32Constant(builder, loc, type, values, name);
    created.push_back(constant.getDefiningOp());
    return constant;
  }

  /// A copy of `op` with the same operands, to be modified.
  template <typename OpTy>
  OpTy clone(OpTy op) {
    Operation *copy = op->clone();
    created.push_back(copy);
    return cast<OpTy>(copy);
  }

  /// Replaces `root` by `result` and erases the ops that became dead, where
  /// `result` has root's type and the new ops cost less than those.
  LogicalResult commit(PatternRewriter &rewriter, Value result) {
    if (!result || result.getType() != root->getResult(0).getType())
      return rewriter.notifyMatchFailure(root, "no replacement of the result's type");
    SmallVector<Operation *> removed = removedOps();
    auto totalCost = [](ArrayRef<Operation *> ops) {
      int64_t total = 0;
      for (Operation *op : ops)
        total += cost(op);
      return total;
    };
    if (totalCost(created) >= totalCost(removed))
      return rewriter.notifyMatchFailure(root, "the rewrite would not lower the cost");
    rewriter.setInsertionPoint(root);
    for (Operation *op : created)
      rewriter.insert(op);
    created.clear();
    rewriter.replaceOp(root, result);
    for (Operation *op : llvm::drop_begin(removed))
      rewriter.eraseOp(op);
    return success();
  }

private:
  static Location fusedLocation(Operation *root, ArrayRef<Operation *> matched) {
    SmallVector<Location> locations = {root->getLoc()};
    for (Operation *op : matched)
      locations.push_back(op->getLoc());
    return FusedLoc::get(root->getContext(), locations);
  }

  /// `root` and the matched ops that only removed ops use, users first. Uses
  /// by the new ops count: an intermediate the replacement reads stays.
  SmallVector<Operation *> removedOps() const {
    SmallVector<Operation *> removed = {root};
    for (bool grew = true; grew;) {
      grew = false;
      for (Operation *op : matched) {
        if (llvm::is_contained(removed, op) ||
            !llvm::all_of(op->getUsers(),
                          [&](Operation *user) { return llvm::is_contained(removed, user); }))
          continue;
        removed.push_back(op);
        grew = true;
      }
    }
    return removed;
  }

  Operation *root;
  SmallVector<Operation *> matched;
  SmallVector<Operation *> created;
  OpBuilder builder;
  Location loc;
};

/// A rule of the pass: a pattern that counts its applications in one of the
/// pass's statistics.
template <typename OpTy>
class Rule : public OpRewritePattern<OpTy> {
public:
  Rule(MLIRContext *context, Pass::Statistic &applications)
      : OpRewritePattern<OpTy>(context), applications(applications) {}

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const final {
    if (failed(apply(op, rewriter)))
      return failure();
    ++applications;
    return success();
  }

protected:
  /// Rewrites at `op` where a cheaper equivalent is found.
  virtual LogicalResult apply(OpTy op, PatternRewriter &rewriter) const = 0;

private:
  Pass::Statistic &applications;
};

//===----------------------------------------------------------------------===//
// Matching helpers
//===----------------------------------------------------------------------===//

/// Relative tolerance for constants such as sqrt(2) that exporters write
/// rounded to float or to a few digits.
constexpr double kConstantTolerance = 1e-6;

/// The value all `elements` have, as a double, or nullopt where they differ
/// or there are none.
template <typename Range, typename ToDouble>
std::optional<double> getUniformElement(Range elements, ToDouble toDouble) {
  if (elements.begin() == elements.end())
    return std::nullopt;
  double first = toDouble(*elements.begin());
  for (auto element : elements)
    if (toDouble(element) != first)
      return std::nullopt;
  return first;
}

/// The value of every element of a constant `value` filled with one value,
/// else nullopt.
std::optional<double> getUniformValue(Value value) {
  auto constant = value.getDefiningOp<ConstantOp>();
  if (!constant)
    return std::nullopt;
  ElementsAttr attr = constant.getValue();
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<float>> elements = resource.tryGetAsArrayRef();
    return elements ? getUniformElement(*elements, [](float e) -> double { return e; })
                    : std::nullopt;
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  if (isa<FloatType>(dense.getElementType()))
    return getUniformElement(dense.getValues<APFloat>(), [](const APFloat &e) {
      return FloatAttr::getValueAsDouble(e);
    });
  auto integerType = dyn_cast<IntegerType>(dense.getElementType());
  if (!integerType)
    return std::nullopt;
  bool zeroExtend = integerType.isUnsigned() || integerType.getWidth() == 1;
  return getUniformElement(dense.getValues<APInt>(), [&](const APInt &e) {
    return zeroExtend ? static_cast<double>(e.getZExtValue())
                      : static_cast<double>(e.getSExtValue());
  });
}

/// Whether `value` is a constant filled with `expected`, within a relative
/// `tolerance`.
bool isConstant(Value value, double expected, double tolerance = 0) {
  std::optional<double> uniform = getUniformValue(value);
  return uniform && std::abs(*uniform - expected) <= tolerance * std::abs(expected);
}

/// The operands of binary `op` as (lhs, rhs) and (rhs, lhs), to match the
/// commuted forms of a rule with one loop.
std::array<std::pair<Value, Value>, 2> bothOrders(Operation *op) {
  return {{{op->getOperand(0), op->getOperand(1)}, {op->getOperand(1), op->getOperand(0)}}};
}

/// The operand of binary `op` other than `operand`, or null when `operand`
/// is not one of its operands.
Value otherOperand(Operation *op, Value operand) {
  if (op->getOperand(0) == operand)
    return op->getOperand(1);
  if (op->getOperand(1) == operand)
    return op->getOperand(0);
  return {};
}

/// The only user of `value`, or null when it has more or fewer uses.
Operation *soleUser(Value value) {
  return value.hasOneUse() ? *value.user_begin() : nullptr;
}

//===----------------------------------------------------------------------===//
// Composite ops: LayerNorm and GELU
//===----------------------------------------------------------------------===//

/// For a mean over the trailing dims [axis, rank) with the dims kept, axis.
std::optional<int64_t> getTrailingMeanAxis(ReduceOp reduce) {
  ArrayRef<int64_t> axes = reduce.getAxes();
  int64_t rank = reduce.getInput().getType().getRank();
  int64_t axis = rank - static_cast<int64_t>(axes.size());
  if (reduce.getKind() != ReduceKind::mean || !reduce.getKeepdims() || axes.empty() ||
      !llvm::equal(axes, llvm::seq<int64_t>(axis, rank)))
    return std::nullopt;
  return axis;
}

/// The op computing `base` squared, as base ^ 2 or base * base, or null.
Operation *getSquareOp(Value square, Value base) {
  if (auto pow = square.getDefiningOp<PowOp>(); pow && pow.getLhs() == base &&
                                                  isConstant(pow.getRhs(), 2.0))
    return pow;
  if (auto mul = square.getDefiningOp<MulOp>();
      mul && mul.getLhs() == base && mul.getRhs() == base)
    return mul;
  return nullptr;
}

/// Whether `param` broadcasts to the normalised dims `normalized` of a
/// braze.layer_norm, as its scale or bias operand.
bool isNormalizationParameter(Value param, ArrayRef<int64_t> normalized) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(param.getType()).getShape();
  SmallVector<int64_t> broadcast;
  return shape.size() <= normalized.size() &&
         OpTrait::util::getBroadcastedShape(normalized, shape, broadcast) &&
         ArrayRef<int64_t>(broadcast) == normalized;
}

/// The sole user of `value` when it is an OpTy applying a normalisation
/// parameter (gamma or beta) to it, and that parameter.
template <typename OpTy>
std::pair<OpTy, Value> getParameterUser(Value value, ArrayRef<int64_t> normalized) {
  auto user = dyn_cast_or_null<OpTy>(soleUser(value));
  if (!user)
    return {};
  Value param = otherOperand(user, value);
  if (!isNormalizationParameter(param, normalized))
    return {};
  return {user, param};
}

/// The decomposed LayerNorm of ONNX exports (LayerNormalization before
/// opset 17) -> braze.layer_norm:
///   d = x - mean(x); y = d / sqrt(mean(d^2) + eps) [* gamma] [+ beta]
/// with both means over the same trailing dims, keeping them, and d^2 a
/// Pow by 2 or d * d. Anchored on the division; the multiply by gamma and
/// the add of beta join where each is the sole user of the value before it
/// and its parameter broadcasts to the normalised dims.
struct RecognizeLayerNorm : Rule<DivOp> {
  using Rule::Rule;

  LogicalResult apply(DivOp div, PatternRewriter &rewriter) const override {
    auto centered = div.getLhs().getDefiningOp<SubOp>();
    auto deviation = div.getRhs().getDefiningOp<SqrtOp>();
    auto shifted = deviation ? deviation.getInput().getDefiningOp<AddOp>() : AddOp();
    if (!centered || !shifted)
      return rewriter.notifyMatchFailure(div, "not d / sqrt(v + eps)");
    Value x = centered.getLhs();
    auto mean = centered.getRhs().getDefiningOp<ReduceOp>();
    std::optional<int64_t> axis = mean ? getTrailingMeanAxis(mean) : std::nullopt;
    if (!axis || mean.getInput() != x)
      return rewriter.notifyMatchFailure(div, "d is not x minus its mean over trailing dims");
    for (auto [varianceValue, epsilonValue] : bothOrders(shifted)) {
      auto variance = varianceValue.getDefiningOp<ReduceOp>();
      std::optional<double> epsilon = getUniformValue(epsilonValue);
      if (!variance || !epsilon || getTrailingMeanAxis(variance) != axis)
        continue;
      Operation *square = getSquareOp(variance.getInput(), centered);
      if (!square)
        continue;

      SmallVector<Operation *> matched = {centered, mean, deviation, shifted, variance, square};
      auto type = cast<RankedTensorType>(x.getType());
      ArrayRef<int64_t> normalized = type.getShape().drop_front(*axis);
      Operation *last = div;
      Value scale, bias;
      if (auto [scaling, gamma] = getParameterUser<MulOp>(div, normalized); scaling) {
        matched.push_back(std::exchange(last, scaling));
        scale = gamma;
        if (auto [shift, beta] = getParameterUser<AddOp>(scaling, normalized); shift) {
          matched.push_back(std::exchange(last, shift));
          bias = beta;
        }
      }
      Replacement replacement(last, matched);
      if (!scale)
        scale = replacement.createOnes(RankedTensorType::get({1}, type.getElementType()));
      return replacement.commit(
          rewriter, replacement.create<LayerNormOp>(x, scale, bias, static_cast<uint64_t>(*axis),
                                                    APFloat(static_cast<float>(*epsilon))));
    }
    return rewriter.notifyMatchFailure(div, "the denominator is not sqrt(mean(d^2) + eps)");
  }
};

/// x of erf's argument in exact GELU, x / sqrt(2) or x * (1 / sqrt(2)),
/// else null; the op computing the argument is added to `matched`.
Value getGeluInput(ErfOp erf, SmallVectorImpl<Operation *> &matched) {
  Value argument = erf.getInput();
  if (auto div = argument.getDefiningOp<DivOp>();
      div && isConstant(div.getRhs(), llvm::numbers::sqrt2, kConstantTolerance)) {
    matched.push_back(div);
    return div.getLhs();
  }
  if (auto mul = argument.getDefiningOp<MulOp>())
    for (auto [x, factor] : bothOrders(mul))
      if (isConstant(factor, llvm::numbers::inv_sqrt2, kConstantTolerance)) {
        matched.push_back(mul);
        return x;
      }
  return {};
}

/// The ops computing `x` cubed, as x ^ 3 or x * x^2 (the square as x * x or
/// x ^ 2) in either order; none when `cube` is neither.
SmallVector<Operation *> getCubeOps(Value cube, Value x) {
  if (auto pow = cube.getDefiningOp<PowOp>();
      pow && pow.getLhs() == x && isConstant(pow.getRhs(), 3.0))
    return {pow};
  auto mul = cube.getDefiningOp<MulOp>();
  Value square = mul ? otherOperand(mul, x) : Value();
  if (Operation *squareOp = square ? getSquareOp(square, x) : nullptr)
    return {mul, squareOp};
  return {};
}

/// x of tanh's argument in approximate GELU,
/// sqrt(2/pi) * (x + 0.044715 * x^3) with the sum and products in either
/// order, else null; the ops computing the argument are added to `matched`.
Value getGeluInput(TanhOp tanh, SmallVectorImpl<Operation *> &matched) {
  constexpr double kCubicCoefficient = 0.044715;
  const double kScale = std::sqrt(2.0 / llvm::numbers::pi);
  auto scaled = tanh.getInput().getDefiningOp<MulOp>();
  if (!scaled)
    return {};
  for (auto [polynomial, scale] : bothOrders(scaled)) {
    auto sum = polynomial.getDefiningOp<AddOp>();
    if (!sum || !isConstant(scale, kScale, kConstantTolerance))
      continue;
    for (auto [x, cubicTerm] : bothOrders(sum)) {
      auto term = cubicTerm.getDefiningOp<MulOp>();
      if (!term)
        continue;
      for (auto [cube, coefficient] : bothOrders(term)) {
        SmallVector<Operation *> cubeOps = getCubeOps(cube, x);
        if (cubeOps.empty() || !isConstant(coefficient, kCubicCoefficient, kConstantTolerance))
          continue;
        matched.append({scaled, sum, term});
        matched.append(cubeOps);
        return x;
      }
    }
  }
  return {};
}

/// The op computing x * 0.5 * `onePlus` in any grouping and order --
/// (onePlus * x) * 0.5, (onePlus * 0.5) * x or onePlus * (x * 0.5) -- else
/// null; the other multiply is added to `matched`.
Operation *getHalfProduct(Value onePlus, Value x, SmallVectorImpl<Operation *> &matched) {
  auto first = dyn_cast_or_null<MulOp>(soleUser(onePlus));
  if (!first)
    return nullptr;
  Value other = otherOperand(first, onePlus);
  if (auto half = other.getDefiningOp<MulOp>())
    for (auto [input, factor] : bothOrders(half))
      if (input == x && isConstant(factor, 0.5)) {
        matched.push_back(half);
        return first;
      }
  auto second = dyn_cast_or_null<MulOp>(soleUser(first));
  if (!second)
    return nullptr;
  Value last = otherOperand(second, first);
  if (!(other == x && isConstant(last, 0.5)) && !(isConstant(other, 0.5) && last == x))
    return nullptr;
  matched.push_back(first);
  return second;
}

/// x * 0.5 * (1 + erf(x / sqrt(2))) -> braze.gelu(x), and the tanh form
/// x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) ->
/// braze.gelu(x) {tanh_approximation}. Anchored on the erf or tanh.
template <typename InnerOp>
struct RecognizeGelu : Rule<InnerOp> {
  using Rule<InnerOp>::Rule;

  LogicalResult apply(InnerOp inner, PatternRewriter &rewriter) const override {
    SmallVector<Operation *> matched = {inner};
    Value x = getGeluInput(inner, matched);
    if (!x)
      return rewriter.notifyMatchFailure(inner, "the argument is not GELU's");
    auto onePlus = dyn_cast_or_null<AddOp>(soleUser(inner));
    if (!onePlus || !isConstant(otherOperand(onePlus, inner), 1.0))
      return rewriter.notifyMatchFailure(inner, "its only user is not 1 + it");
    matched.push_back(onePlus);
    Operation *product = getHalfProduct(onePlus, x, matched);
    if (!product)
      return rewriter.notifyMatchFailure(inner, "1 + it is not multiplied by x and 0.5");
    Replacement replacement(product, matched);
    return replacement.commit(rewriter,
                              replacement.create<GeluOp>(x, std::is_same_v<InnerOp, TanhOp>));
  }
};

//===----------------------------------------------------------------------===//
// Distributive, associative and commutative rules
//===----------------------------------------------------------------------===//

/// A*B + A*C -> A*(B+C): one multiply fewer.
struct FactorProducts : Rule<AddOp> {
  using Rule::Rule;

  LogicalResult apply(AddOp add, PatternRewriter &rewriter) const override {
    auto lhs = add.getLhs().getDefiningOp<MulOp>();
    auto rhs = add.getRhs().getDefiningOp<MulOp>();
    if (!lhs || !rhs)
      return rewriter.notifyMatchFailure(add, "not a sum of products");
    for (Value factor : lhs->getOperands()) {
      Value rest = otherOperand(rhs, factor);
      if (!rest)
        continue;
      Replacement replacement(add, {lhs, rhs});
      Value sum = replacement.broadcast<AddOp>(otherOperand(lhs, factor), rest);
      return replacement.commit(rewriter, replacement.broadcast<MulOp>(factor, sum));
    }
    return rewriter.notifyMatchFailure(add, "the products share no factor");
  }
};

/// A + A*B -> A*(B+1): the add moves to B, which is often smaller than A
/// (a constant or a per-channel vector), and A is read once.
struct FactorSum : Rule<AddOp> {
  using Rule::Rule;

  LogicalResult apply(AddOp add, PatternRewriter &rewriter) const override {
    for (auto [term, product] : bothOrders(add)) {
      auto mul = product.getDefiningOp<MulOp>();
      Value rest = mul ? otherOperand(mul, term) : Value();
      if (!rest)
        continue;
      Replacement replacement(add, {mul});
      Type elementType = cast<RankedTensorType>(rest.getType()).getElementType();
      Value one = replacement.createOnes(RankedTensorType::get({}, elementType));
      Value incremented = replacement.broadcast<AddOp>(rest, one);
      return replacement.commit(rewriter, replacement.broadcast<MulOp>(term, incremented));
    }
    return rewriter.notifyMatchFailure(add, "not A + A*B");
  }
};

/// recip(X) * recip(Y) -> recip(X*Y): one reciprocal fewer. Table 4's
/// recip(A) * recip(A*B) -> recip(A)^2 * recip(B) keeps the op count as
/// written; this form, recip(A * (A*B)) there, saves one, and reads A*B
/// where something else needs it too.
struct MergeReciprocals : Rule<MulOp> {
  using Rule::Rule;

  LogicalResult apply(MulOp mul, PatternRewriter &rewriter) const override {
    auto lhs = mul.getLhs().getDefiningOp<ReciprocalOp>();
    auto rhs = mul.getRhs().getDefiningOp<ReciprocalOp>();
    if (!lhs || !rhs)
      return rewriter.notifyMatchFailure(mul, "not a product of reciprocals");
    Replacement replacement(mul, {lhs, rhs});
    Value product = replacement.broadcast<MulOp>(lhs.getInput(), rhs.getInput());
    if (!product)
      return rewriter.notifyMatchFailure(mul, "the reciprocals' inputs do not broadcast");
    return replacement.commit(rewriter, replacement.create<ReciprocalOp>(product));
  }
};

/// A product whose factors -- the multiply's operands, looking into an
/// operand that multiplies a square root -- hold sqrt(B) twice -> the
/// product of B and the other factors: sqrt(B) * sqrt(B) -> B and
/// (A * sqrt(B)) * (sqrt(B) * C) -> (A * B) * C. Exact where sqrt(B) is
/// defined; for B < 0 the original is NaN and the rewrite gives B.
struct MultiplySqrtPairs : Rule<MulOp> {
  using Rule::Rule;

  LogicalResult apply(MulOp mul, PatternRewriter &rewriter) const override {
    auto isSqrt = [](Value value) { return value.getDefiningOp<SqrtOp>() != nullptr; };
    SmallVector<Value> factors;
    SmallVector<Operation *> matched;
    for (Value operand : mul->getOperands()) {
      auto product = operand.getDefiningOp<MulOp>();
      if (product && llvm::any_of(product->getOperands(), isSqrt)) {
        llvm::append_range(factors, product->getOperands());
        matched.push_back(product);
      } else {
        factors.push_back(operand);
      }
    }
    for (size_t i = 0; i < factors.size(); ++i) {
      auto first = factors[i].getDefiningOp<SqrtOp>();
      if (!first)
        continue;
      auto *second = llvm::find_if(llvm::drop_begin(factors, i + 1), [&](Value factor) {
        auto sqrt = factor.getDefiningOp<SqrtOp>();
        return sqrt && sqrt.getInput() == first.getInput();
      });
      if (second == factors.end())
        continue;
      matched.append({first, second->getDefiningOp()});
      factors.erase(second);
      factors[i] = first.getInput();
      Replacement replacement(mul, matched);
      Value product = factors.front();
      for (Value factor : llvm::drop_begin(factors))
        product = replacement.broadcast<MulOp>(product, factor);
      return replacement.commit(rewriter, product);
    }
    return rewriter.notifyMatchFailure(mul, "no square root appears twice among the factors");
  }
};

/// reduce prod(exp(A)) -> exp(reduce sum(A)): one exponential per result
/// element instead of one per reduced element.
struct SumExponents : Rule<ReduceOp> {
  using Rule::Rule;

  LogicalResult apply(ReduceOp reduce, PatternRewriter &rewriter) const override {
    auto exp = reduce.getInput().getDefiningOp<ExpOp>();
    if (reduce.getKind() != ReduceKind::prod || !exp)
      return rewriter.notifyMatchFailure(reduce, "not a product of exponentials");
    Replacement replacement(reduce, {exp});
    Value sum = replacement.create<ReduceOp>(ReduceKind::sum, exp.getInput(), reduce.getAxes(),
                                             reduce.getKeepdims());
    return replacement.commit(rewriter, replacement.create<ExpOp>(sum));
  }
};

//===----------------------------------------------------------------------===//
// Scales and biases folded into weights
//===----------------------------------------------------------------------===//

/// The values of an f32 constant `operand` of an elementwise op on `result`
/// that does not broadcast `result` to a larger shape and varies only along
/// its dim `channelDim`: one value per index of that dim (a single value
/// repeated). Nullopt for any other operand.
std::optional<SmallVector<double>> getChannelValues(Value operand, RankedTensorType result,
                                                    int64_t channelDim) {
  std::optional<SmallVector<double>> values = getF32Constant(operand);
  ArrayRef<int64_t> shape = cast<RankedTensorType>(operand.getType()).getShape();
  int64_t offset = result.getRank() - static_cast<int64_t>(shape.size());
  if (!values || offset < 0 || channelDim < 0 || channelDim >= result.getRank())
    return std::nullopt;
  int64_t channels = result.getDimSize(channelDim);
  for (auto [dim, size] : llvm::enumerate(shape))
    if (size != 1 && !(offset + static_cast<int64_t>(dim) == channelDim && size == channels))
      return std::nullopt;
  if (values->size() == 1)
    return SmallVector<double>(channels, values->front());
  return values;
}

/// A copy of `conv` scaled per output channel: its filter and bias are
/// replaced by scaled constants. Null where they are not f32 constants.
template <typename ConvOp>
ConvOp createScaled(ConvOp conv, ArrayRef<double> channelScale, Replacement &replacement) {
  std::optional<SmallVector<double>> filter = getF32Constant(conv.getFilter());
  std::optional<SmallVector<double>> bias;
  if (!filter || (conv.getBias() && !(bias = getF32Constant(conv.getBias()))))
    return {};
  scaleOutputChannels(conv, *filter, channelScale);
  Value scaledFilter = replacement.createF32Constant(
      conv.getFilter().getType(), *filter, foldedConstantName(conv, "_scaled_filter"));
  Value scaledBias;
  if (bias) {
    for (auto [value, scale] : llvm::zip_equal(*bias, channelScale))
      value *= scale;
    scaledBias = replacement.createF32Constant(conv.getBias().getType(), *bias,
                                               foldedConstantName(conv, "_scaled_bias"));
  }
  ConvOp scaled = replacement.clone(conv);
  scaled.getFilterMutable().assign(scaledFilter);
  if (scaledBias)
    scaled.getBiasMutable().assign(scaledBias);
  return scaled;
}

/// A copy of `matmul` scaled per output column: its constant (..., K, N)
/// right operand ((..., N, K) where transposed) is replaced by a scaled one.
/// Null where that is not an f32 constant of rank 2 or more.
MatMulOp createScaled(MatMulOp matmul, ArrayRef<double> columnScale,
                      Replacement &replacement) {
  auto type = cast<RankedTensorType>(matmul.getRhs().getType());
  std::optional<SmallVector<double>> weights = getF32Constant(matmul.getRhs());
  if (!weights || type.getRank() < 2)
    return {};
  // Consecutive elements run along N, or along K where transposed.
  int64_t columnStride = matmul.getRhsTransposed() ? type.getShape().back() : 1;
  for (auto [index, value] : llvm::enumerate(*weights))
    value *= columnScale[(index / columnStride) % columnScale.size()];
  Value scaledWeights = replacement.createF32Constant(
      type, *weights, foldedConstantName(matmul, "_scaled_weights"));
  MatMulOp scaled = replacement.clone(matmul);
  scaled.getRhsMutable().assign(scaledWeights);
  return scaled;
}

/// y * s -> y' where y is a single-use braze.conv2d, conv_transpose2d or
/// matmul with constant weights and s a constant per output channel (dim 1
/// of a convolution's result, the last dim of a matmul's) or a scalar: s
/// goes into the weights (and bias).
template <typename WeightedOp>
struct FoldScaleIntoWeights : Rule<MulOp> {
  using Rule::Rule;

  LogicalResult apply(MulOp mul, PatternRewriter &rewriter) const override {
    for (auto [product, scale] : bothOrders(mul)) {
      // A copy of a shared producer would compute it twice.
      auto producer = product.template getDefiningOp<WeightedOp>();
      if (!producer || !producer->hasOneUse())
        continue;
      auto type = cast<RankedTensorType>(producer.getType());
      int64_t channelDim = std::is_same_v<WeightedOp, MatMulOp> ? type.getRank() - 1 : 1;
      std::optional<SmallVector<double>> channelScale =
          getChannelValues(scale, type, channelDim);
      if (!channelScale)
        continue;
      Replacement replacement(mul, {producer.getOperation()});
      if (WeightedOp scaled = createScaled(producer, *channelScale, replacement))
        return replacement.commit(rewriter, scaled);
    }
    return rewriter.notifyMatchFailure(mul, "not a constant-weight op times a channel constant");
  }
};

/// conv + b -> conv' where conv has no other use, b is a constant per output
/// channel (or scalar) and the bias a constant or absent: b goes into the
/// bias.
template <typename ConvOp>
struct FoldBiasIntoConvolution : Rule<AddOp> {
  using Rule::Rule;

  LogicalResult apply(AddOp add, PatternRewriter &rewriter) const override {
    for (auto [sum, shift] : bothOrders(add)) {
      auto conv = sum.template getDefiningOp<ConvOp>();
      std::optional<SmallVector<double>> channelShift =
          conv && conv->hasOneUse() ? getChannelValues(shift, conv.getType(), 1)
                                    : std::nullopt;
      if (!channelShift)
        continue;
      std::optional<SmallVector<double>> bias =
          conv.getBias() ? getF32Constant(conv.getBias())
                         : SmallVector<double>(channelShift->size(), 0.0);
      if (!bias)
        continue;
      for (auto [value, channel] : llvm::zip_equal(*bias, *channelShift))
        value += channel;
      Replacement replacement(add, {conv.getOperation()});
      auto biasType = RankedTensorType::get({static_cast<int64_t>(bias->size())},
                                            rewriter.getF32Type());
      Value shiftedBias = replacement.createF32Constant(
          biasType, *bias, foldedConstantName(conv, "_shifted_bias"));
      ConvOp shifted = replacement.clone(conv);
      shifted.getBiasMutable().assign(shiftedBias);
      return replacement.commit(rewriter, shifted);
    }
    return rewriter.notifyMatchFailure(add, "not a convolution plus a channel constant");
  }
};

/// For each element of a reshape's, transpose's or slice's result in
/// row-major order, the element of its input it holds, given as what
/// `input` holds for each input element; nullopt for any other op.
std::optional<SmallVector<int64_t>> movedElements(Operation *op, ArrayRef<int64_t> input) {
  if (isa<ReshapeOp>(op))
    return SmallVector<int64_t>(input);
  if (!isa<TransposeOp, SliceOp>(op))
    return std::nullopt;
  ArrayRef<int64_t> inputShape = cast<RankedTensorType>(op->getOperand(0).getType()).getShape();
  ArrayRef<int64_t> shape = cast<RankedTensorType>(op->getResult(0).getType()).getShape();
  SmallVector<int64_t> inputStrides = computeStrides(inputShape);
  // A result position reads the input at base + sum(position[d] * strides[d]).
  int64_t base = 0;
  SmallVector<int64_t> strides;
  if (auto transpose = dyn_cast<TransposeOp>(op)) {
    for (int64_t dim : transpose.getPerm())
      strides.push_back(inputStrides[dim]);
  } else {
    auto slice = cast<SliceOp>(op);
    for (auto [start, step, stride] :
         llvm::zip_equal(slice.getStarts(), slice.getSteps(), inputStrides)) {
      base += start * stride;
      strides.push_back(step * stride);
    }
  }
  SmallVector<int64_t> moved;
  SmallVector<int64_t> position(shape.size(), 0);
  for (int64_t count = computeProduct(shape); count > 0; --count) {
    int64_t offset = base;
    for (auto [index, stride] : llvm::zip_equal(position, strides))
      offset += index * stride;
    moved.push_back(input[offset]);
    for (int64_t dim = static_cast<int64_t>(shape.size()) - 1; dim >= 0; --dim) {
      if (++position[dim] < shape[dim])
        break;
      position[dim] = 0;
    }
  }
  return moved;
}

/// s * y where y is, through reshapes, transposes and slices, whole output
/// columns of x @ W [+ b] -- W a constant (K, N) matrix, b a constant per
/// column -- that no other reader of the product touches, and s a constant
/// scalar: s goes into those columns of W and b. Attention's q * d^-1/2
/// after a joint q/k/v projection (ppocr-rec's SVTR blocks), which would
/// otherwise be an elementwise pass, a dispatch of its own. The product's
/// other readers (k and v) see the columns they read unchanged, so nothing
/// is recomputed: the rewrite removes the multiply and adds no work.
struct FoldScaleIntoProductColumns : Rule<MulOp> {
  using Rule::Rule;

  /// The product's elements are enumerated at compile time: bounded.
  static constexpr int64_t kMaxProductElements = int64_t{1} << 22;

  LogicalResult apply(MulOp mul, PatternRewriter &rewriter) const override {
    for (auto [moved, scale] : bothOrders(mul)) {
      std::optional<double> factor = getUniformValue(scale);
      if (!factor || moved.getType() != mul.getType())
        continue;
      Value product = moved;
      while (Operation *def = product.getDefiningOp()) {
        if (!isa<ReshapeOp, TransposeOp, SliceOp>(def))
          break;
        product = def->getOperand(0);
      }
      // A scale of the product itself is FoldScaleIntoWeights's.
      if (product != moved && succeeded(fold(mul, moved, product, *factor, rewriter)))
        return success();
    }
    return rewriter.notifyMatchFailure(mul, "not a scalar times moved columns of a product");
  }

private:
  LogicalResult fold(MulOp mul, Value moved, Value product, double factor,
                     PatternRewriter &rewriter) const {
    // x @ W, or x @ W + b with the product read by the add only.
    auto matmul = product.getDefiningOp<MatMulOp>();
    auto add = product.getDefiningOp<AddOp>();
    Value bias;
    if (add) {
      for (auto [sum, shift] : bothOrders(add)) {
        auto candidate = sum.getDefiningOp<MatMulOp>();
        if (candidate && candidate->hasOneUse() && candidate.getType() == add.getType()) {
          matmul = candidate;
          bias = shift;
          break;
        }
      }
    }
    auto productType = dyn_cast<RankedTensorType>(product.getType());
    if (!matmul || matmul.getRhsTransposed() || matmul.getRhs().getType().getRank() != 2 ||
        !productType || productType.getNumElements() > kMaxProductElements)
      return failure();
    int64_t columns = productType.getShape().back();
    std::optional<SmallVector<double>> weights = getF32Constant(matmul.getRhs());
    std::optional<SmallVector<double>> biasValues =
        bias ? getChannelValues(bias, productType, productType.getRank() - 1)
             : std::optional<SmallVector<double>>(SmallVector<double>{});
    if (!weights || !biasValues)
      return failure();

    // The columns the multiply reads and those any other reader reads.
    llvm::SmallDenseSet<int64_t> scaledColumns, otherColumns;
    int64_t scaledElements = 0;
    std::function<void(Value, ArrayRef<int64_t>)> visit = [&](Value value,
                                                              ArrayRef<int64_t> elements) {
      for (Operation *user : value.getUsers()) {
        bool scaled = user == mul.getOperation() && value == moved;
        std::optional<SmallVector<int64_t>> next =
            scaled ? std::nullopt : movedElements(user, elements);
        if (next) {
          visit(user->getResult(0), *next);
          continue;
        }
        for (int64_t element : elements)
          (scaled ? scaledColumns : otherColumns).insert(element % columns);
        scaledElements += scaled ? elements.size() : 0;
      }
    };
    visit(product, llvm::to_vector(llvm::seq<int64_t>(0, productType.getNumElements())));
    int64_t rows = productType.getNumElements() / columns;
    if (scaledColumns.empty() ||
        scaledElements != rows * static_cast<int64_t>(scaledColumns.size()) ||
        llvm::any_of(scaledColumns, [&](int64_t column) { return otherColumns.contains(column); }))
      return failure();

    for (auto [index, weight] : llvm::enumerate(*weights))
      if (scaledColumns.contains(index % columns))
        weight *= factor;
    rewriter.setInsertionPoint(matmul);
    Value scaledWeights =
        createF32Constant(rewriter, matmul.getLoc(), matmul.getRhs().getType(), *weights,
                          foldedConstantName(matmul, "_scaled_columns"));
    rewriter.modifyOpInPlace(matmul, [&] { matmul.getRhsMutable().assign(scaledWeights); });
    if (add) {
      for (auto [column, value] : llvm::enumerate(*biasValues))
        if (scaledColumns.contains(column))
          value *= factor;
      Value scaledBias = createF32Constant(
          rewriter, add.getLoc(), RankedTensorType::get({columns}, rewriter.getF32Type()),
          *biasValues, foldedConstantName(add, "_scaled_columns"));
      rewriter.modifyOpInPlace(add, [&] {
        add->setOperand(add.getLhs() == bias ? 0 : 1, scaledBias);
      });
    }
    rewriter.replaceOp(mul, moved);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Layout ops and identities
//===----------------------------------------------------------------------===//

/// transpose(transpose(x)) -> one transpose of x, or x itself where the two
/// cancel.
struct ComposeTransposes : Rule<TransposeOp> {
  using Rule::Rule;

  LogicalResult apply(TransposeOp outer, PatternRewriter &rewriter) const override {
    auto inner = outer.getInput().getDefiningOp<TransposeOp>();
    if (!inner)
      return rewriter.notifyMatchFailure(outer, "the input is not a transpose");
    // Output dim i is the inner result's dim outer[i], which is x's dim
    // inner[outer[i]].
    SmallVector<int64_t> perm = llvm::map_to_vector(
        outer.getPerm(), [&](int64_t dim) { return inner.getPerm()[dim]; });
    Replacement replacement(outer, {inner});
    if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
      return replacement.commit(rewriter, inner.getInput());
    return replacement.commit(rewriter, replacement.create<TransposeOp>(inner.getInput(), perm));
  }
};

/// matmul(a, transpose(b)) with the transpose swapping b's last two dims ->
/// matmul(a, b) reading b transposed (rhs_transposed toggled): attention's
/// Q K^T without K^T materialised. A constant b is left alone: its transpose
/// is folded at compile time anyway, and the plain form keeps the named
/// matmul lowering.
struct FoldTransposeIntoMatMul : Rule<MatMulOp> {
  using Rule::Rule;

  LogicalResult apply(MatMulOp matmul, PatternRewriter &rewriter) const override {
    auto transpose = matmul.getRhs().getDefiningOp<TransposeOp>();
    if (!transpose || transpose.getInput().getDefiningOp<ConstantOp>())
      return rewriter.notifyMatchFailure(matmul, "the rhs is not a transpose of a computed value");
    ArrayRef<int64_t> perm = transpose.getPerm();
    int64_t rank = perm.size();
    bool swapsLastTwo = rank >= 2 && perm[rank - 2] == rank - 1 && perm[rank - 1] == rank - 2 &&
                        llvm::equal(perm.drop_back(2), llvm::seq<int64_t>(0, rank - 2));
    if (!swapsLastTwo)
      return rewriter.notifyMatchFailure(matmul, "the transpose does not swap the last two dims");
    Replacement replacement(matmul, {transpose});
    MatMulOp folded = replacement.clone(matmul);
    folded.getRhsMutable().assign(transpose.getInput());
    folded.setRhsTransposed(!matmul.getRhsTransposed());
    return replacement.commit(rewriter, folded);
  }
};

/// x op c -> x where c is a constant filled with op's neutral element and
/// x already has the result's type: x + 0, x - 0, x * 1, x / 1, x ^ 1 (and
/// 0 + x, 1 * x for the commutative ops).
template <typename OpTy, int kNeutral>
struct RemoveNeutralOperand : Rule<OpTy> {
  using Rule<OpTy>::Rule;

  LogicalResult apply(OpTy op, PatternRewriter &rewriter) const override {
    std::array<std::pair<Value, Value>, 2> orders = bothOrders(op);
    size_t candidates = OpTy::template hasTrait<OpTrait::IsCommutative>() ? 2 : 1;
    for (auto [kept, neutral] : ArrayRef(orders).take_front(candidates))
      if (kept.getType() == op.getType() && isConstant(neutral, kNeutral))
        return Replacement(op, {}).commit(rewriter, kept);
    return rewriter.notifyMatchFailure(op, "no neutral operand");
  }
};

/// cast(x) -> x where the cast keeps the type.
struct RemoveSameTypeCast : Rule<CastOp> {
  using Rule::Rule;

  LogicalResult apply(CastOp cast, PatternRewriter &rewriter) const override {
    if (cast.getInput().getType() != cast.getType())
      return rewriter.notifyMatchFailure(cast, "the cast changes the type");
    return Replacement(cast, {}).commit(rewriter, cast.getInput());
  }
};

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

template <typename OpTy>
int64_t countOps(Operation *root) {
  int64_t count = 0;
  root->walk([&](OpTy) { ++count; });
  return count;
}

struct RewritePass : impl::BrazeRewriteBase<RewritePass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    Operation *root = getOperation();
    int64_t reshapes = countOps<ReshapeOp>(root), transposes = countOps<TransposeOp>(root);

    // Composite ops go first, before the algebraic rules take their
    // decompositions apart.
    RewritePatternSet composites(context);
    addCompositeRules(composites);
    RewritePatternSet rules(context);
    addCompositeRules(rules);
    rules.add<FactorProducts>(context, numFactoredProducts);
    rules.add<FactorSum>(context, numFactoredSums);
    rules.add<MergeReciprocals>(context, numMergedReciprocals);
    rules.add<MultiplySqrtPairs>(context, numSqrtPairs);
    rules.add<SumExponents>(context, numExpProducts);
    rules.add<FoldScaleIntoWeights<Conv2DOp>, FoldScaleIntoWeights<ConvTranspose2DOp>,
              FoldScaleIntoWeights<MatMulOp>>(context, numFoldedScales);
    rules.add<FoldBiasIntoConvolution<Conv2DOp>, FoldBiasIntoConvolution<ConvTranspose2DOp>>(
        context, numFoldedBiases);
    rules.add<FoldScaleIntoProductColumns>(context, numScaledColumns);
    rules.add<ComposeTransposes>(context, numComposedTransposes);
    rules.add<FoldTransposeIntoMatMul>(context, numTransposedOperands);
    rules.add<RemoveNeutralOperand<AddOp, 0>, RemoveNeutralOperand<SubOp, 0>,
              RemoveNeutralOperand<MulOp, 1>, RemoveNeutralOperand<DivOp, 1>,
              RemoveNeutralOperand<PowOp, 1>, RemoveSameTypeCast>(context, numIdentities);
    if (failed(applyPatternsGreedily(root, std::move(composites))) ||
        failed(applyPatternsGreedily(root, std::move(rules))))
      return signalPassFailure();

    // Reshape chains and identity reshapes and transposes are the ops'
    // folders' work, which the driver applies; counted here by their effect.
    numRemovedReshapes = reshapes - countOps<ReshapeOp>(root);
    numRemovedTransposes = transposes - countOps<TransposeOp>(root);
  }

  void addCompositeRules(RewritePatternSet &patterns) {
    patterns.add<RecognizeLayerNorm>(&getContext(), numLayerNorms);
    patterns.add<RecognizeGelu<ErfOp>, RecognizeGelu<TanhOp>>(&getContext(), numGelus);
  }
};

} // namespace
} // namespace mlir::braze
