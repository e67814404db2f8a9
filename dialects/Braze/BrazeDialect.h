//===- BrazeDialect.h - the braze dialect ------------------------*- C++ -*-===//
//
// The one header to include for braze's dialect, attributes, interfaces and
// ops.
//
//===----------------------------------------------------------------------===//

#ifndef BRAZE_DIALECT_BRAZE_BRAZEDIALECT_H
#define BRAZE_DIALECT_BRAZE_BRAZEDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/TensorEncoding.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Braze/BrazeDialect.h.inc"
#include "dialects/Braze/BrazeEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Braze/BrazeAttrs.h.inc"

namespace mlir::braze {

/// Op trait behind `Braze_Mapping<kind>`: the op's static mapping type.
template <MappingType kind>
struct HasMappingType {
  template <typename ConcreteOp>
  class Impl : public OpTrait::TraitBase<ConcreteOp, Impl> {
  public:
    static constexpr MappingType kMappingType = kind;
  };
};

/// Op trait behind `Braze_LayoutGroupOf<group>`: the op's static layout group.
template <LayoutGroup group>
struct HasLayoutGroup {
  template <typename ConcreteOp>
  class Impl : public OpTrait::TraitBase<ConcreteOp, Impl> {
  public:
    static constexpr LayoutGroup kLayoutGroup = group;
  };
};

namespace detail {
template <typename ConcreteOp>
LogicalResult verifyInferredResultType(Operation *op);
} // namespace detail

/// Op trait behind `Braze_VerifiesInferredType`: checks the result types
/// against the op's inferReturnTypes with its precise messages. Listed before
/// InferTypeOpInterface, it stops verification at the first, precise error
/// instead of the interface's generic "failed to infer returned types".
template <typename ConcreteOp>
class VerifiesInferredType
    : public OpTrait::TraitBase<ConcreteOp, VerifiesInferredType> {
public:
  static LogicalResult verifyTrait(Operation *op) {
    return detail::verifyInferredResultType<ConcreteOp>(op);
  }
};

/// The layout a tensor is stored in: its `#braze.layout` encoding, or nchw
/// (logical order) for tensors without one.
Layout getLayout(Type type);

namespace detail {
/// Verifies that an op implementing LayoutOpInterface supports the layout of
/// each of its tensor operands and results.
LogicalResult verifyLayoutOp(Operation *op);

/// The cost model behind CostOpInterface (BrazeCost.cpp).
int64_t countFlops(Operation *op);
int64_t countBytesAccessed(Operation *op);
} // namespace detail

} // namespace mlir::braze

#include "dialects/Braze/BrazeInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/Braze/BrazeOps.h.inc"

namespace mlir::braze::detail {
template <typename ConcreteOp>
LogicalResult verifyInferredResultType(Operation *op) {
  SmallVector<Type, 1> inferred;
  if (failed(ConcreteOp::inferReturnTypes(
          op->getContext(), op->getLoc(), op->getOperands(),
          op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
          op->getRegions(), inferred)))
    return failure();
  if (!ConcreteOp::isCompatibleReturnTypes(inferred, op->getResultTypes()))
    return op->emitOpError("expected result type ")
           << TypeRange(inferred) << " (from the operands and attributes), got "
           << op->getResultTypes();
  return success();
}
} // namespace mlir::braze::detail

#endif // BRAZE_DIALECT_BRAZE_BRAZEDIALECT_H
