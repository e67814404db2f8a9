//===- BrazeOps.cpp - shape rules, verifiers and folders -------------------===//

#include "dialects/Braze/BrazeDialect.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::braze;

namespace mlir::braze::detail {

/// Reports shape and type problems as "'<op>' op <message>" at the op's
/// location, the form Operation::emitOpError uses, so a message reads the
/// same whether the verifier or a builder found the problem. Without a
/// location (a speculative build) it only fails.
class ShapeDiagnostic {
public:
  ShapeDiagnostic(std::optional<Location> location, StringRef opName)
      : location(location), opName(opName) {}

  template <typename... Args>
  LogicalResult emit(Args &&...args) const {
    return emitOptionalError(location, "'", opName, "' op ",
                             std::forward<Args>(args)...);
  }

private:
  std::optional<Location> location;
  StringRef opName;
};

/// "1x3x224x224", the way shapes appear in tensor types.
static std::string shapeString(ArrayRef<int64_t> shape) {
  return llvm::join(llvm::map_range(shape, [](int64_t d) { return std::to_string(d); }),
                    "x");
}

/// "[2, 2]" for attribute values.
static std::string listString(ArrayRef<int64_t> values) {
  return "[" +
         llvm::join(llvm::map_range(values, [](int64_t v) { return std::to_string(v); }),
                    ", ") +
         "]";
}

bool equalIgnoringLayout(TypeRange inferred, TypeRange actual) {
  if (inferred.size() != actual.size())
    return false;
  for (auto [lhs, rhs] : llvm::zip_equal(inferred, actual)) {
    auto lhsTensor = dyn_cast<RankedTensorType>(lhs);
    auto rhsTensor = dyn_cast<RankedTensorType>(rhs);
    if (!lhsTensor || !rhsTensor) {
      if (lhs != rhs)
        return false;
      continue;
    }
    if (lhsTensor.getShape() != rhsTensor.getShape() ||
        lhsTensor.getElementType() != rhsTensor.getElementType())
      return false;
  }
  return true;
}

LogicalResult inferBroadcastType(const ShapeDiagnostic &diag, Type lhsType,
                                 Type rhsType, SmallVectorImpl<Type> &results) {
  auto lhs = dyn_cast<RankedTensorType>(lhsType);
  auto rhs = dyn_cast<RankedTensorType>(rhsType);
  if (!lhs || !rhs)
    return diag.emit("expects ranked tensor operands");
  if (lhs.getElementType() != rhs.getElementType())
    return diag.emit("operand element types differ: ", lhs.getElementType(),
                     " vs ", rhs.getElementType());
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(lhs.getShape(), rhs.getShape(), shape))
    return diag.emit("operand shapes ", shapeString(lhs.getShape()), " and ",
                     shapeString(rhs.getShape()),
                     " are not broadcast-compatible");
  results.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

LogicalResult inferConv2DType(const ShapeDiagnostic &diag, Conv2DOp::Adaptor adaptor,
                              SmallVectorImpl<Type> &results) {
  auto input = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
  auto filter = dyn_cast<RankedTensorType>(adaptor.getFilter().getType());
  if (!input || input.getRank() != 4)
    return diag.emit("expects a rank-4 (N, C, H, W) input, got ",
                     adaptor.getInput().getType());
  if (!filter || filter.getRank() != 4)
    return diag.emit("expects a rank-4 (M, C/group, kH, kW) filter, got ",
                     adaptor.getFilter().getType());
  Type elementType = input.getElementType();
  if (filter.getElementType() != elementType)
    return diag.emit("filter element type ", filter.getElementType(),
                     " differs from input element type ", elementType);

  auto valueOr = [](DenseI64ArrayAttr attr, ArrayRef<int64_t> byDefault) {
    return attr ? attr.asArrayRef() : byDefault;
  };
  ArrayRef<int64_t> strides =
      valueOr(adaptor.getStridesAttr(), Conv2DOp::kDefaultStrides);
  ArrayRef<int64_t> pads = valueOr(adaptor.getPadsAttr(), Conv2DOp::kDefaultPads);
  ArrayRef<int64_t> dilations =
      valueOr(adaptor.getDilationsAttr(), Conv2DOp::kDefaultDilations);
  IntegerAttr groupAttr = adaptor.getGroupAttr();
  int64_t group = groupAttr ? groupAttr.getInt() : Conv2DOp::kDefaultGroup;
  if (strides.size() != 2 || llvm::any_of(strides, [](int64_t s) { return s < 1; }))
    return diag.emit("expects 2 positive strides (h, w), got ", listString(strides));
  if (dilations.size() != 2 ||
      llvm::any_of(dilations, [](int64_t d) { return d < 1; }))
    return diag.emit("expects 2 positive dilations (h, w), got ",
                     listString(dilations));
  if (pads.size() != 4 || llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return diag.emit("expects 4 non-negative pads (top, left, bottom, right), got ",
                     listString(pads));
  if (group < 1)
    return diag.emit("expects group >= 1, got ", group);

  ArrayRef<int64_t> in = input.getShape(), w = filter.getShape();
  int64_t channels = in[1], filters = w[0];
  if (channels % group != 0)
    return diag.emit("input channels (", channels, ") are not divisible by group (",
                     group, ")");
  if (filters % group != 0)
    return diag.emit("filter count (", filters, ") is not divisible by group (",
                     group, ")");
  if (w[1] != channels / group)
    return diag.emit("filter has ", w[1],
                     " input channels per group, but the input has ", channels,
                     " channels in ", group, " group(s), i.e. ", channels / group,
                     " per group");
  if (Value bias = adaptor.getBias()) {
    auto biasType = dyn_cast<RankedTensorType>(bias.getType());
    if (!biasType || biasType.getShape() != ArrayRef<int64_t>{filters} ||
        biasType.getElementType() != elementType)
      return diag.emit("expects a bias of type ",
                       RankedTensorType::get({filters}, elementType),
                       " (one value per filter), got ", bias.getType());
  }

  SmallVector<int64_t> shape = {in[0], filters};
  for (int spatial = 0; spatial < 2; ++spatial) {
    int64_t extent = dilations[spatial] * (w[2 + spatial] - 1) + 1;
    int64_t padded = in[2 + spatial] + pads[spatial] + pads[spatial + 2];
    if (padded < extent)
      return diag.emit("dilated kernel ", spatial == 0 ? "height" : "width", " (",
                       extent, ") exceeds the padded input ",
                       spatial == 0 ? "height" : "width", " (", padded, ")");
    shape.push_back((padded - extent) / strides[spatial] + 1);
  }
  results.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

LogicalResult inferMatMulType(const ShapeDiagnostic &diag, Type lhsType,
                              Type rhsType, SmallVectorImpl<Type> &results) {
  auto lhs = dyn_cast<RankedTensorType>(lhsType);
  auto rhs = dyn_cast<RankedTensorType>(rhsType);
  if (!lhs || !rhs || lhs.getRank() < 1 || rhs.getRank() < 1)
    return diag.emit("expects operands of rank >= 1, got ", lhsType, " and ",
                     rhsType);
  if (lhs.getElementType() != rhs.getElementType())
    return diag.emit("operand element types differ: ", lhs.getElementType(),
                     " vs ", rhs.getElementType());
  // numpy: a vector lhs is a 1xK row, a vector rhs a Kx1 column.
  SmallVector<int64_t> l(lhs.getShape()), r(rhs.getShape());
  if (lhs.getRank() == 1)
    l.insert(l.begin(), 1);
  if (rhs.getRank() == 1)
    r.push_back(1);
  int64_t lhsK = l.back(), rhsK = r[r.size() - 2];
  if (lhsK != rhsK)
    return diag.emit("contracting dimensions differ: lhs ", shapeString(lhs.getShape()),
                     " has K = ", lhsK, ", rhs ", shapeString(rhs.getShape()),
                     " has K = ", rhsK);
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(ArrayRef(l).drop_back(2),
                                          ArrayRef(r).drop_back(2), shape))
    return diag.emit("batch dimensions of ", shapeString(lhs.getShape()), " and ",
                     shapeString(rhs.getShape()), " are not broadcast-compatible");
  if (lhs.getRank() > 1)
    shape.push_back(l[l.size() - 2]);
  if (rhs.getRank() > 1)
    shape.push_back(r.back());
  results.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

LogicalResult inferTransposeType(const ShapeDiagnostic &diag, Type inputType,
                                 ArrayRef<int64_t> perm,
                                 SmallVectorImpl<Type> &results) {
  auto input = dyn_cast<RankedTensorType>(inputType);
  if (!input)
    return diag.emit("expects a ranked tensor, got ", inputType);
  int64_t rank = input.getRank();
  SmallVector<bool> seen(rank, false);
  bool isPermutation = static_cast<int64_t>(perm.size()) == rank;
  for (int64_t dim : perm) {
    isPermutation &= dim >= 0 && dim < rank && !seen[dim];
    if (isPermutation)
      seen[dim] = true;
  }
  if (!isPermutation)
    return diag.emit("perm ", listString(perm), " is not a permutation of the ",
                     rank, " input dimensions");
  SmallVector<int64_t> shape =
      llvm::map_to_vector(perm, [&](int64_t dim) { return input.getDimSize(dim); });
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

} // namespace mlir::braze::detail

#define GET_OP_CLASSES
#include "dialects/Braze/BrazeOps.cpp.inc"

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  ElementsAttr value = adaptor.getValueAttr();
  if (!value)
    return failure();
  results.push_back(value.getType());
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValueAttr(); }

//===----------------------------------------------------------------------===//
// RelayoutOp
//===----------------------------------------------------------------------===//

LogicalResult RelayoutOp::verify() {
  if (!detail::equalIgnoringLayout(getInput().getType(), getOutput().getType()))
    return emitOpError("changes the logical type ")
           << getInput().getType() << " into " << getOutput().getType()
           << "; a relayout changes only the storage order";
  return success();
}

bool RelayoutOp::supportsLayout(Layout) { return true; }

OpFoldResult RelayoutOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // relayout(relayout(x)): only the last storage order matters.
  if (auto inner = getInput().getDefiningOp<RelayoutOp>()) {
    if (inner.getInput().getType() == getType())
      return inner.getInput();
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  auto input = getInput().getType(), output = getOutput().getType();
  if (input.getElementType() != output.getElementType())
    return emitOpError("changes the element type from ")
           << input.getElementType() << " to " << output.getElementType();
  if (input.getNumElements() != output.getNumElements())
    return emitOpError("cannot reshape ")
           << input.getNumElements() << " elements (" << input << ") into "
           << output.getNumElements() << " (" << output << ")";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // reshape(reshape(x)): only the last shape matters.
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    if (inner.getInput().getType() == getType())
      return inner.getInput();
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  bool identity = llvm::equal(getPerm(), llvm::seq<int64_t>(0, getPerm().size()));
  if (identity && getInput().getType() == getType())
    return getInput();
  return {};
}
