//===- ConstantRelayouts.cpp - weights re-laid out at compile time --------===//
//
// The lowering re-lays out weights with the same tensor ops it uses for
// activations: a filter becomes HWCF through a linalg.transpose, channel
// blocks through a tensor.pad and an expand_shape, a tap's 1x1 filter through
// a tensor.extract_slice. On constants that work is
// done here, once, into new constants. Left to IREE, it is not: IREE 3.13
// propagates a transpose of a constant into the consuming contraction's
// indexing instead of evaluating it, and a 1x1 convolution that reads its
// filter transposed runs about 1.4x slower on the host (measured: 0.28 vs
// 0.20 ms for 14x14x256 -> 256).
//
//===----------------------------------------------------------------------===//

#include "passes/Lowering/LoweringUtils.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::braze::lowering {
namespace {

/// The row-major bytes of a constant's elements (a splat repeated), when
/// each element fills whole bytes and the bytes are at hand (not an elided
/// blob).
std::optional<SmallVector<char>> elementBytes(ElementsAttr value) {
  Type element = value.getElementType();
  if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    ArrayRef<char> raw = dense.getRawData();
    if (!dense.isSplat())
      return SmallVector<char>(raw);
    SmallVector<char> repeated;
    for (int64_t i = 0, e = dense.getNumElements(); i < e; ++i)
      repeated.append(raw.begin(), raw.end());
    return repeated;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      return SmallVector<char>(blob->getData());
  return std::nullopt;
}

/// A constant of `type` holding `bytes`, of the same kind as `like`: a dense
/// resource (named after it) when `like` is one, else a dense literal.
ElementsAttr constantLike(ElementsAttr like, RankedTensorType type, ArrayRef<char> bytes) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(like)) {
    DenseResourceElementsHandle handle = resource.getRawHandle();
    auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        bytes, handle.getBlob()->getDataAlignment());
    return DenseResourceElementsAttr::get(type, (handle.getKey() + "_relaid").str(),
                                          std::move(blob));
  }
  return DenseElementsAttr::getFromRawBuffer(type, bytes);
}

/// The elements of a result of shape `shape`, row-major, each copied from
/// the source element `sourceIndex(index)` returns for its multi-index, or
/// `fill` where it returns nullopt. Elements are `width` bytes.
template <typename SourceIndexFn>
SmallVector<char> gatherElements(ArrayRef<char> source, ArrayRef<int64_t> shape, int64_t width,
                                 ArrayRef<char> fill, SourceIndexFn sourceIndex) {
  int64_t count = ShapedType::getNumElements(shape);
  SmallVector<char> result(count * width);
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t i = 0; i < count; ++i) {
    std::optional<int64_t> from = sourceIndex(index);
    const char *element = from ? source.data() + *from * width : fill.data();
    std::copy(element, element + width, result.data() + i * width);
    for (int64_t dim = shape.size() - 1; dim >= 0 && ++index[dim] == shape[dim]; --dim)
      index[dim] = 0;
  }
  return result;
}

/// Row-major strides of `shape`.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t dim = static_cast<int64_t>(shape.size()) - 2; dim >= 0; --dim)
    strides[dim] = strides[dim + 1] * shape[dim + 1];
  return strides;
}

ElementsAttr constantOperand(Value value) {
  auto constant = value.getDefiningOp<arith::ConstantOp>();
  return constant ? dyn_cast<ElementsAttr>(constant.getValue()) : ElementsAttr();
}

/// linalg.transpose of a constant: the permuted constant.
std::optional<ElementsAttr> foldTranspose(linalg::TransposeOp op) {
  ElementsAttr source = constantOperand(op.getInput());
  std::optional<SmallVector<char>> bytes = source ? elementBytes(source) : std::nullopt;
  if (!bytes)
    return std::nullopt;
  auto type = cast<RankedTensorType>(op.getResult()[0].getType());
  int64_t width = type.getElementTypeBitWidth() / 8;
  SmallVector<int64_t> sourceStrides = stridesOf(source.getShapedType().getShape());
  ArrayRef<int64_t> permutation = op.getPermutation();
  SmallVector<char> result =
      gatherElements(*bytes, type.getShape(), width, {}, [&](ArrayRef<int64_t> index) {
        int64_t from = 0;
        for (auto [dim, sourceDim] : llvm::enumerate(permutation))
          from += index[dim] * sourceStrides[sourceDim];
        return std::optional<int64_t>(from);
      });
  return constantLike(source, type, result);
}

/// tensor.pad of a constant by a constant, with static amounts.
std::optional<ElementsAttr> foldPad(tensor::PadOp op) {
  ElementsAttr source = constantOperand(op.getSource());
  std::optional<SmallVector<char>> bytes = source ? elementBytes(source) : std::nullopt;
  Value padValue = op.getConstantPaddingValue();
  auto padAttr = padValue ? padValue.getDefiningOp<arith::ConstantOp>() : nullptr;
  if (!bytes || !padAttr || !op.getLow().empty() || !op.getHigh().empty())
    return std::nullopt;
  auto type = op.getResultType();
  int64_t width = type.getElementTypeBitWidth() / 8;
  DenseElementsAttr fill =
      DenseElementsAttr::get(RankedTensorType::get({1}, type.getElementType()),
                             padAttr.getValue());
  ArrayRef<int64_t> sourceShape = source.getShapedType().getShape();
  SmallVector<int64_t> sourceStrides = stridesOf(sourceShape);
  ArrayRef<int64_t> low = op.getStaticLow();
  SmallVector<char> result =
      gatherElements(*bytes, type.getShape(), width, fill.getRawData(),
                     [&](ArrayRef<int64_t> index) -> std::optional<int64_t> {
                       int64_t from = 0;
                       for (auto [dim, at] : llvm::enumerate(index)) {
                         int64_t sourceAt = at - low[dim];
                         if (sourceAt < 0 || sourceAt >= sourceShape[dim])
                           return std::nullopt;
                         from += sourceAt * sourceStrides[dim];
                       }
                       return from;
                     });
  return constantLike(source, type, result);
}

/// tensor.extract_slice of a constant with static offsets, sizes and strides.
std::optional<ElementsAttr> foldExtractSlice(tensor::ExtractSliceOp op) {
  ElementsAttr source = constantOperand(op.getSource());
  std::optional<SmallVector<char>> bytes = source ? elementBytes(source) : std::nullopt;
  if (!bytes || !op.getOffsets().empty() || !op.getSizes().empty() ||
      !op.getStrides().empty() ||
      op.getResultType().getRank() != op.getSourceType().getRank())
    return std::nullopt;
  RankedTensorType type = op.getResultType();
  int64_t width = type.getElementTypeBitWidth() / 8;
  SmallVector<int64_t> sourceStrides = stridesOf(source.getShapedType().getShape());
  ArrayRef<int64_t> offsets = op.getStaticOffsets(), steps = op.getStaticStrides();
  SmallVector<char> result =
      gatherElements(*bytes, type.getShape(), width, {}, [&](ArrayRef<int64_t> index) {
        int64_t from = 0;
        for (auto [dim, at] : llvm::enumerate(index))
          from += (offsets[dim] + at * steps[dim]) * sourceStrides[dim];
        return std::optional<int64_t>(from);
      });
  return constantLike(source, type, result);
}

/// expand_shape / collapse_shape of a constant: the same elements, retyped.
std::optional<ElementsAttr> foldReshape(Operation *op) {
  ElementsAttr source = constantOperand(op->getOperand(0));
  if (!source)
    return std::nullopt;
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  if (auto dense = dyn_cast<DenseElementsAttr>(source))
    return cast<ElementsAttr>(dense.reshape(type));
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(source))
    return cast<ElementsAttr>(DenseResourceElementsAttr::get(type, resource.getRawHandle()));
  return std::nullopt;
}

} // namespace

void foldConstantRelayouts(ModuleOp module) {
  // Program order: a reshape folded first leaves a constant for the
  // transpose after it.
  module.walk([](Operation *op) {
    std::optional<ElementsAttr> folded =
        llvm::TypeSwitch<Operation *, std::optional<ElementsAttr>>(op)
            .Case([](linalg::TransposeOp transpose) { return foldTranspose(transpose); })
            .Case([](tensor::PadOp pad) { return foldPad(pad); })
            .Case([](tensor::ExtractSliceOp slice) { return foldExtractSlice(slice); })
            .Case<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
                [](Operation *reshape) { return foldReshape(reshape); })
            .Default([](Operation *) { return std::nullopt; });
    if (!folded)
      return;
    OpBuilder builder(op);
    op->getResult(0).replaceAllUsesWith(
        arith::ConstantOp::create(builder, op->getLoc(), cast<TypedAttr>(*folded)));
    // The source constant and a transpose's init, once nothing else reads them.
    SmallVector<Operation *> operands = llvm::map_to_vector(
        op->getOperands(), [](Value operand) { return operand.getDefiningOp(); });
    op->erase();
    for (Operation *operand : operands)
      if (operand && operand->use_empty() && isMemoryEffectFree(operand))
        operand->erase();
  });
}

} // namespace mlir::braze::lowering
