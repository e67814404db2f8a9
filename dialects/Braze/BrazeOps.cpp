//===- BrazeOps.cpp - shape rules, verifiers and folders -------------------===//

#include "dialects/Braze/BrazeDialect.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"
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

/// A defaulted array attribute's value: generic builders (the C and Python
/// APIs) may leave the attribute unset until the op is created.
static ArrayRef<int64_t> valueOr(DenseI64ArrayAttr attr, ArrayRef<int64_t> byDefault) {
  return attr ? attr.asArrayRef() : byDefault;
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
                              Type rhsType, bool rhsTransposed,
                              SmallVectorImpl<Type> &results) {
  auto lhs = dyn_cast<RankedTensorType>(lhsType);
  auto rhs = dyn_cast<RankedTensorType>(rhsType);
  if (!lhs || !rhs || lhs.getRank() < 1 || rhs.getRank() < 1)
    return diag.emit("expects operands of rank >= 1, got ", lhsType, " and ",
                     rhsType);
  if (lhs.getElementType() != rhs.getElementType())
    return diag.emit("operand element types differ: ", lhs.getElementType(),
                     " vs ", rhs.getElementType());
  if (rhsTransposed && rhs.getRank() < 2)
    return diag.emit("rhs_transposed needs a rhs of rank >= 2, got ", rhsType);
  // numpy: a vector lhs is a 1xK row, a vector rhs a Kx1 column.
  SmallVector<int64_t> l(lhs.getShape()), r(rhs.getShape());
  if (lhs.getRank() == 1)
    l.insert(l.begin(), 1);
  if (rhs.getRank() == 1)
    r.push_back(1);
  if (rhsTransposed)
    std::swap(r[r.size() - 2], r.back());
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

/// The broadcast of `lhs` and `rhs` shapes, or an error naming both.
static FailureOr<SmallVector<int64_t>>
broadcastShapes(const ShapeDiagnostic &diag, ArrayRef<int64_t> lhs,
                ArrayRef<int64_t> rhs) {
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(lhs, rhs, shape))
    return diag.emit("operand shapes ", shapeString(lhs), " and ", shapeString(rhs),
                     " are not broadcast-compatible");
  return shape;
}

LogicalResult inferCompareType(const ShapeDiagnostic &diag, Type lhsType,
                               Type rhsType, SmallVectorImpl<Type> &results) {
  if (failed(inferBroadcastType(diag, lhsType, rhsType, results)))
    return failure();
  auto shape = cast<RankedTensorType>(results.back()).getShape();
  results.back() = RankedTensorType::get(shape, IntegerType::get(lhsType.getContext(), 1));
  return success();
}

LogicalResult inferWhereType(const ShapeDiagnostic &diag, Type conditionType,
                             Type lhsType, Type rhsType,
                             SmallVectorImpl<Type> &results) {
  if (failed(inferBroadcastType(diag, lhsType, rhsType, results)))
    return failure();
  auto values = cast<RankedTensorType>(results.back());
  auto condition = cast<RankedTensorType>(conditionType);
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(diag, condition.getShape(), values.getShape());
  if (failed(shape))
    return failure();
  results.back() = RankedTensorType::get(*shape, values.getElementType());
  return success();
}

/// Checks that `type` is a vector of `size` elements of `elementType`.
static LogicalResult checkChannelVector(const ShapeDiagnostic &diag, StringRef name,
                                        Type type, int64_t size, Type elementType) {
  auto vector = dyn_cast<RankedTensorType>(type);
  if (vector && vector.getShape() == ArrayRef<int64_t>{size} &&
      vector.getElementType() == elementType)
    return success();
  return diag.emit("expects ", name, " of type ",
                   RankedTensorType::get({size}, elementType), ", got ", type);
}

LogicalResult inferBatchNormType(const ShapeDiagnostic &diag,
                                 BatchNormOp::Adaptor adaptor,
                                 SmallVectorImpl<Type> &results) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  if (input.getRank() < 2)
    return diag.emit("expects an input of rank >= 2 (N, C, ...), got ", input);
  int64_t channels = input.getDimSize(1);
  Type elementType = input.getElementType();
  std::pair<StringRef, Value> vectors[] = {{"scale", adaptor.getScale()},
                                           {"bias", adaptor.getBias()},
                                           {"mean", adaptor.getMean()},
                                           {"variance", adaptor.getVariance()}};
  for (auto [name, value] : vectors)
    if (failed(checkChannelVector(diag, name, value.getType(), channels, elementType)))
      return failure();
  results.push_back(RankedTensorType::get(input.getShape(), elementType));
  return success();
}

/// Checks that `axes` are sorted, unique and within [0, rank).
static LogicalResult checkAxes(const ShapeDiagnostic &diag, ArrayRef<int64_t> axes,
                               int64_t rank) {
  for (auto [index, axis] : llvm::enumerate(axes))
    if (axis < 0 || axis >= rank || (index > 0 && axes[index - 1] >= axis))
      return diag.emit("axes ", listString(axes),
                       " must be sorted, unique and in [0, ", rank, ")");
  return success();
}

LogicalResult inferReduceType(const ShapeDiagnostic &diag, Type inputType,
                              ArrayRef<int64_t> axes, BoolAttr keepdimsAttr,
                              SmallVectorImpl<Type> &results) {
  auto input = cast<RankedTensorType>(inputType);
  if (failed(checkAxes(diag, axes, input.getRank())))
    return failure();
  bool keepdims = !keepdimsAttr || keepdimsAttr.getValue();
  SmallVector<int64_t> shape;
  for (auto [dim, size] : llvm::enumerate(input.getShape())) {
    if (!llvm::is_contained(axes, static_cast<int64_t>(dim)))
      shape.push_back(size);
    else if (keepdims)
      shape.push_back(1);
  }
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult inferLayerNormType(const ShapeDiagnostic &diag,
                                 LayerNormOp::Adaptor adaptor,
                                 SmallVectorImpl<Type> &results) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  IntegerAttr axisAttr = adaptor.getAxisAttr();
  if (!axisAttr)
    return diag.emit("requires attribute 'axis'");
  int64_t axis = axisAttr.getInt();
  if (axis < 0 || axis >= input.getRank())
    return diag.emit("axis ", axis, " is out of range for rank ", input.getRank());
  ArrayRef<int64_t> normalized = input.getShape().drop_front(axis);
  SmallVector<Value> params = {adaptor.getScale()};
  if (adaptor.getBias())
    params.push_back(adaptor.getBias());
  for (Value param : params) {
    auto type = cast<RankedTensorType>(param.getType());
    SmallVector<int64_t> shape;
    if (type.getElementType() != input.getElementType() ||
        !OpTrait::util::getBroadcastedShape(normalized, type.getShape(), shape) ||
        ArrayRef<int64_t>(shape) != normalized)
      return diag.emit("scale and bias must broadcast to the normalized shape ",
                       shapeString(normalized), " of ", input.getElementType(), ", got ",
                       param.getType());
  }
  results.push_back(RankedTensorType::get(input.getShape(), input.getElementType()));
  return success();
}

/// Output extent of a sliding window along one dimension.
static int64_t windowCount(int64_t padded, int64_t extent, int64_t stride,
                           bool ceilMode) {
  int64_t span = padded - extent;
  return (ceilMode ? llvm::divideCeil(span, stride) : span / stride) + 1;
}

LogicalResult inferPool2DType(const ShapeDiagnostic &diag, Pool2DOp::Adaptor adaptor,
                              SmallVectorImpl<Type> &results) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  if (input.getRank() != 4)
    return diag.emit("expects a rank-4 (N, C, H, W) input, got ", input);
  DenseI64ArrayAttr kernelAttr = adaptor.getKernelAttr();
  if (!kernelAttr || kernelAttr.size() != 2 ||
      llvm::any_of(kernelAttr.asArrayRef(), [](int64_t k) { return k < 1; }))
    return diag.emit("expects a kernel of 2 positive sizes (h, w)");
  ArrayRef<int64_t> kernel = kernelAttr.asArrayRef();
  ArrayRef<int64_t> strides =
      valueOr(adaptor.getStridesAttr(), Conv2DOp::kDefaultStrides);
  ArrayRef<int64_t> pads = valueOr(adaptor.getPadsAttr(), Conv2DOp::kDefaultPads);
  ArrayRef<int64_t> dilations =
      valueOr(adaptor.getDilationsAttr(), Conv2DOp::kDefaultDilations);
  bool ceilMode = adaptor.getCeilModeAttr() && adaptor.getCeilModeAttr().getValue();
  if (strides.size() != 2 || llvm::any_of(strides, [](int64_t v) { return v < 1; }) ||
      dilations.size() != 2 || llvm::any_of(dilations, [](int64_t v) { return v < 1; }))
    return diag.emit("expects 2 positive strides and dilations, got strides ",
                     listString(strides), " and dilations ", listString(dilations));
  if (pads.size() != 4 || llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return diag.emit("expects 4 non-negative pads (top, left, bottom, right), got ",
                     listString(pads));
  SmallVector<int64_t> shape = {input.getDimSize(0), input.getDimSize(1)};
  for (int spatial = 0; spatial < 2; ++spatial) {
    int64_t extent = dilations[spatial] * (kernel[spatial] - 1) + 1;
    int64_t padded = input.getDimSize(2 + spatial) + pads[spatial] + pads[spatial + 2];
    if (padded < extent)
      return diag.emit("window ", spatial == 0 ? "height" : "width", " (", extent,
                       ") exceeds the padded input (", padded, ")");
    int64_t count = windowCount(padded, extent, strides[spatial], ceilMode);
    // ONNX: with ceil_mode a window must start inside the input or left pad.
    if (ceilMode && (count - 1) * strides[spatial] >=
                        input.getDimSize(2 + spatial) + pads[spatial])
      --count;
    shape.push_back(count);
  }
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult inferConvTranspose2DType(const ShapeDiagnostic &diag,
                                       ConvTranspose2DOp::Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  auto filter = cast<RankedTensorType>(adaptor.getFilter().getType());
  if (input.getRank() != 4 || filter.getRank() != 4)
    return diag.emit("expects rank-4 input (N, C, H, W) and filter (C, M/group, kH, kW), got ",
                     input, " and ", filter);
  if (filter.getElementType() != input.getElementType())
    return diag.emit("filter element type ", filter.getElementType(),
                     " differs from input element type ", input.getElementType());
  static constexpr int64_t kNoOutputPadding[] = {0, 0};
  ArrayRef<int64_t> strides =
      valueOr(adaptor.getStridesAttr(), Conv2DOp::kDefaultStrides);
  ArrayRef<int64_t> pads = valueOr(adaptor.getPadsAttr(), Conv2DOp::kDefaultPads);
  ArrayRef<int64_t> dilations =
      valueOr(adaptor.getDilationsAttr(), Conv2DOp::kDefaultDilations);
  ArrayRef<int64_t> outputPadding =
      valueOr(adaptor.getOutputPaddingAttr(), kNoOutputPadding);
  int64_t group =
      adaptor.getGroupAttr() ? adaptor.getGroupAttr().getInt() : Conv2DOp::kDefaultGroup;
  if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4 ||
      outputPadding.size() != 2 || group < 1)
    return diag.emit("expects 2 strides, 2 dilations, 4 pads, 2 output_padding and "
                     "group >= 1");
  int64_t channels = input.getDimSize(1);
  if (filter.getDimSize(0) != channels || channels % group != 0)
    return diag.emit("filter ", shapeString(filter.getShape()),
                     " does not match input channels ", channels, " in ", group,
                     " group(s)");
  int64_t filters = filter.getDimSize(1) * group;
  if (Value bias = adaptor.getBias())
    if (failed(checkChannelVector(diag, "a bias", bias.getType(), filters,
                                  input.getElementType())))
      return failure();
  SmallVector<int64_t> shape = {input.getDimSize(0), filters};
  for (int spatial = 0; spatial < 2; ++spatial) {
    int64_t size = strides[spatial] * (input.getDimSize(2 + spatial) - 1) +
                   outputPadding[spatial] +
                   dilations[spatial] * (filter.getDimSize(2 + spatial) - 1) + 1 -
                   pads[spatial] - pads[spatial + 2];
    if (size < 1)
      return diag.emit("pads leave an empty output");
    shape.push_back(size);
  }
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult inferConcatType(const ShapeDiagnostic &diag, TypeRange inputTypes,
                              IntegerAttr axisAttr, SmallVectorImpl<Type> &results) {
  if (inputTypes.empty())
    return diag.emit("expects at least one input");
  if (!axisAttr)
    return diag.emit("requires attribute 'axis'");
  auto first = cast<RankedTensorType>(inputTypes.front());
  int64_t axis = axisAttr.getInt();
  if (axis < 0 || axis >= first.getRank())
    return diag.emit("axis ", axis, " is out of range for rank ", first.getRank());
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (auto [index, type] : llvm::enumerate(inputTypes)) {
    auto input = cast<RankedTensorType>(type);
    bool matches = input.getRank() == first.getRank() &&
                   input.getElementType() == first.getElementType();
    for (int64_t dim = 0; matches && dim < input.getRank(); ++dim)
      matches = dim == axis || input.getDimSize(dim) == first.getDimSize(dim);
    if (!matches)
      return diag.emit("input #", index, " ", input, " does not match input #0 ",
                       first, " outside axis ", axis);
    shape[axis] += input.getDimSize(axis);
  }
  results.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

LogicalResult inferSliceType(const ShapeDiagnostic &diag, SliceOp::Adaptor adaptor,
                             SmallVectorImpl<Type> &results) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  if (!adaptor.getStartsAttr() || !adaptor.getSizesAttr() || !adaptor.getStepsAttr())
    return diag.emit("requires attributes 'starts', 'sizes' and 'steps'");
  ArrayRef<int64_t> starts = adaptor.getStarts(), sizes = adaptor.getSizes(),
                    steps = adaptor.getSteps();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(starts.size()) != rank ||
      static_cast<int64_t>(sizes.size()) != rank ||
      static_cast<int64_t>(steps.size()) != rank)
    return diag.emit("expects one start, size and step per dimension (", rank, ")");
  for (int64_t dim = 0; dim < rank; ++dim) {
    int64_t extent = input.getDimSize(dim), start = starts[dim], size = sizes[dim],
            step = steps[dim];
    int64_t last = start + (size - 1) * step;
    bool inBounds = size == 0 || (start >= 0 && start < extent && last >= 0 &&
                                  last < extent);
    if (step == 0 || size < 0 || !inBounds)
      return diag.emit("dimension ", dim, ": start ", start, ", size ", size,
                       ", step ", step, " leave the input extent ", extent);
  }
  results.push_back(RankedTensorType::get(sizes, input.getElementType()));
  return success();
}

LogicalResult inferPadType(const ShapeDiagnostic &diag, Type inputType,
                           ArrayRef<int64_t> low, ArrayRef<int64_t> high,
                           SmallVectorImpl<Type> &results) {
  auto input = cast<RankedTensorType>(inputType);
  if (static_cast<int64_t>(low.size()) != input.getRank() ||
      static_cast<int64_t>(high.size()) != input.getRank() ||
      llvm::any_of(low, [](int64_t p) { return p < 0; }) ||
      llvm::any_of(high, [](int64_t p) { return p < 0; }))
    return diag.emit("expects one non-negative low and high pad per dimension (",
                     input.getRank(), "), got low ", listString(low), " and high ",
                     listString(high));
  SmallVector<int64_t> shape;
  for (auto [size, before, after] : llvm::zip_equal(input.getShape(), low, high))
    shape.push_back(size + before + after);
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult inferGatherType(const ShapeDiagnostic &diag, Type dataType,
                              Type indicesType, IntegerAttr axisAttr,
                              SmallVectorImpl<Type> &results) {
  auto data = cast<RankedTensorType>(dataType);
  auto indices = cast<RankedTensorType>(indicesType);
  if (!axisAttr)
    return diag.emit("requires attribute 'axis'");
  int64_t axis = axisAttr.getInt();
  if (axis < 0 || axis >= data.getRank())
    return diag.emit("axis ", axis, " is out of range for rank ", data.getRank());
  SmallVector<int64_t> shape(data.getShape().take_front(axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, data.getShape().drop_front(axis + 1));
  results.push_back(RankedTensorType::get(shape, data.getElementType()));
  return success();
}

LogicalResult inferTileType(const ShapeDiagnostic &diag, Type inputType,
                            ArrayRef<int64_t> repeats, SmallVectorImpl<Type> &results) {
  auto input = cast<RankedTensorType>(inputType);
  if (static_cast<int64_t>(repeats.size()) != input.getRank() ||
      llvm::any_of(repeats, [](int64_t r) { return r < 0; }))
    return diag.emit("expects one non-negative repeat per dimension (", input.getRank(),
                     "), got ", listString(repeats));
  SmallVector<int64_t> shape;
  for (auto [size, repeat] : llvm::zip_equal(input.getShape(), repeats))
    shape.push_back(size * repeat);
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

} // namespace mlir::braze::detail

#define GET_OP_CLASSES
#include "dialects/Braze/BrazeOps.cpp.inc"

/// Folds an op that only changes its input's type (reshape, relayout): it
/// vanishes when the type stays, and in a chain of them only the last type
/// matters.
template <typename TypeChangeOp>
static OpFoldResult foldTypeChange(TypeChangeOp op) {
  if (op.getInput().getType() == op.getType())
    return op.getInput();
  if (auto inner = op.getInput().template getDefiningOp<TypeChangeOp>()) {
    if (inner.getInput().getType() == op.getType())
      return inner.getInput();
    op.getInputMutable().assign(inner.getInput());
    return op.getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// Layout support of the ops with a customizable output layout
//===----------------------------------------------------------------------===//

/// Whether a convolution of `channels` into `filters` in `group` groups has a
/// blocked (nc4hw4) form: dense, depthwise, or groups that span whole blocks.
static bool hasBlockedConvolution(int64_t channels, int64_t filters, int64_t group) {
  bool depthwise = group == channels && filters == channels;
  return group == 1 || depthwise ||
         (channels / group % 4 == 0 && filters / group % 4 == 0);
}

bool Conv2DOp::supportsLayout(Layout layout) {
  return layout != Layout::nc4hw4 ||
         hasBlockedConvolution(getInput().getType().getDimSize(1),
                               getType().getDimSize(1), getGroup());
}

bool ConvTranspose2DOp::supportsLayout(Layout layout) {
  return layout != Layout::nc4hw4 ||
         hasBlockedConvolution(getInput().getType().getDimSize(1),
                               getType().getDimSize(1), getGroup());
}

bool MatMulOp::supportsLayout(Layout layout) { return layout == Layout::nchw; }

bool ConcatOp::supportsLayout(Layout layout) {
  if (layout != Layout::nc4hw4 || getAxis() != 1)
    return true;
  return llvm::all_of(getInputs().drop_back(), [](Value input) {
    return cast<RankedTensorType>(input.getType()).getDimSize(1) % 4 == 0;
  });
}

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
// Conv2DOp
//===----------------------------------------------------------------------===//

LogicalResult Conv2DOp::verify() {
  ArrayRef<int64_t> filter = getFilter().getType().getShape();
  if (ChannelBlocksAttr blocks = getChannelBlocksAttr()) {
    if (filter[2] != 1 || filter[3] != 1 || getGroup() != 1)
      return emitOpError("has channel_blocks but is not a dense 1x1 convolution (filter ")
             << filter[2] << "x" << filter[3] << ", group " << getGroup() << ")";
    if (filter[0] % blocks.getBlock() != 0 || filter[1] % blocks.getGroup() != 0)
      return emitOpError("channel_blocks of ")
             << blocks.getBlock() << " filters and " << blocks.getGroup()
             << " channels do not divide the filter's " << filter[0] << " filters and "
             << filter[1] << " channels";
    int64_t blockCount = filter[0] / blocks.getBlock();
    int64_t groups = filter[1] / blocks.getGroup();
    ArrayRef<int64_t> kept = blocks.getKept();
    if (kept.size() % blockCount != 0)
      return emitOpError("channel_blocks keeps ")
             << kept.size() << " groups in all, not the same number in each of the "
             << blockCount << " blocks";
    int64_t perBlock = kept.size() / blockCount;
    for (int64_t block = 0; block < blockCount; ++block) {
      ArrayRef<int64_t> blockKept = kept.slice(block * perBlock, perBlock);
      for (auto [index, group] : llvm::enumerate(blockKept))
        if (group >= groups || (index > 0 && group <= blockKept[index - 1]))
          return emitOpError("channel_blocks block ")
                 << block << " keeps groups ["
                 << llvm::make_range(blockKept.begin(), blockKept.end())
                 << "], not ascending indices of the " << groups << " groups";
    }
  }
  KernelPatternsAttr patterns = getKernelPatternsAttr();
  if (!patterns)
    return success();
  if (filter[2] != 3 || filter[3] != 3 || getGroup() != 1)
    return emitOpError("has kernel_patterns but is not a dense 3x3 convolution (filter ")
           << filter[2] << "x" << filter[3] << ", group " << getGroup() << ")";
  if (static_cast<int64_t>(patterns.getChannels().size()) != filter[1])
    return emitOpError("kernel_patterns gives patterns for ")
           << patterns.getChannels().size() << " input channels, the filter has "
           << filter[1];
  return success();
}

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

OpFoldResult RelayoutOp::fold(FoldAdaptor) { return foldTypeChange(*this); }

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

OpFoldResult ReshapeOp::fold(FoldAdaptor) { return foldTypeChange(*this); }

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  bool identity = llvm::equal(getPerm(), llvm::seq<int64_t>(0, getPerm().size()));
  if (identity && getInput().getType() == getType())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// ReduceOp
//===----------------------------------------------------------------------===//

bool ReduceOp::supportsLayout(Layout layout) {
  if (layout == Layout::nchw)
    return true;
  // Blocked channels reduce only lane by lane: summing C would add the
  // padded lanes in.
  if (layout == Layout::nc4hw4)
    return !llvm::is_contained(getAxes(), 1);
  if (getKeepdims())
    return true;
  // Dropping the reduced dims leaves the kept ones in storage order (N, H, W,
  // C): that is their logical order unless C is kept together with H or W.
  ArrayRef<int64_t> axes = getAxes();
  bool keepsChannels = !llvm::is_contained(axes, 1);
  bool keepsSpatial = !llvm::is_contained(axes, 2) || !llvm::is_contained(axes, 3);
  return !(keepsChannels && keepsSpatial);
}

//===----------------------------------------------------------------------===//
// SoftmaxOp, ExpandOp, ResizeOp
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getInput().getType().getRank();
  if (getAxis() < 0 || getAxis() >= rank)
    return emitOpError("axis ") << getAxis() << " is out of range for rank " << rank;
  return success();
}

LogicalResult ExpandOp::verify() {
  auto input = getInput().getType(), output = getOutput().getType();
  SmallVector<int64_t> shape;
  if (input.getElementType() != output.getElementType() ||
      !OpTrait::util::getBroadcastedShape(input.getShape(), output.getShape(), shape) ||
      ArrayRef<int64_t>(shape) != output.getShape())
    return emitOpError("cannot broadcast ") << input << " to " << output;
  return success();
}

LogicalResult ResizeOp::verify() {
  auto input = getInput().getType(), output = getOutput().getType();
  if (input.getRank() != 4 || output.getRank() != 4 ||
      input.getElementType() != output.getElementType() ||
      input.getShape().take_front(2) != output.getShape().take_front(2))
    return emitOpError("resizes the last two dims of a rank-4 tensor; got ")
           << input << " -> " << output;
  if (getLayout(input) != getLayout(output))
    return emitOpError("stores its result as ")
           << stringifyLayout(getLayout(output)) << " but reads "
           << stringifyLayout(getLayout(input))
           << "; a resize keeps its input's layout (convert with braze.relayout)";
  return success();
}

//===----------------------------------------------------------------------===//
// FusedOp
//===----------------------------------------------------------------------===//

LogicalResult FusedOp::verify() {
  auto yield = cast<YieldOp>(getBody().front().getTerminator());
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ") << yield.getValues().getTypes()
                                  << " but the group's results are " << getResultTypes();
  if (getBody().front().without_terminator().empty())
    return emitOpError("holds no ops; a fused group has at least one member");
  for (Operation &member : getBody().front().without_terminator())
    if (!isa<MappingTypeOpInterface>(member) || isa<FusedOp>(member))
      return member.emitOpError("cannot be a member of a fused group: members are "
                                "braze ops with a mapping type, and groups do not nest");
  return success();
}

MappingType FusedOp::getMappingType() { return getMapping(); }

int64_t FusedOp::getFlops() {
  int64_t flops = 0;
  for (Operation &member : getBody().front().without_terminator())
    if (auto cost = dyn_cast<CostOpInterface>(member))
      flops += cost.getFlops();
  return flops;
}

/// Only the group's inputs and results reach memory: that is fusion's point.
int64_t FusedOp::getBytesAccessed() {
  llvm::SetVector<Value> inputs;
  getBody().walk([&](Operation *member) {
    for (Value operand : member->getOperands())
      if (!getBody().isAncestor(operand.getParentRegion()))
        inputs.insert(operand);
  });
  int64_t bytes = 0;
  for (Value value : llvm::concat<Value>(inputs.getArrayRef(), getResults())) {
    auto shaped = cast<ShapedType>(value.getType());
    bytes += shaped.getNumElements() * llvm::divideCeil(shaped.getElementTypeBitWidth(), 8);
  }
  return bytes;
}
