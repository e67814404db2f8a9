//===- LoweringUtils.h - shared pieces of braze -> linalg ------*- C++ -*-===//
//
// Builders used by the braze -> linalg/tensor/arith/math lowering. Only
// constructs IREE 3.13 compiles are emitted: elementwise work is always a
// linalg.generic (IREE has no elementwise named linalg ops), the rest uses
// named linalg ops (convolutions, pooling, softmax, transpose) and tensor ops.
//
//===----------------------------------------------------------------------===//

#ifndef BRAZE_PASSES_LOWERING_LOWERINGUTILS_H
#define BRAZE_PASSES_LOWERING_LOWERINGUTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::braze::lowering {

/// Body of an elementwise linalg.generic: scalar operands in, scalar out.
using ScalarBuilder =
    function_ref<Value(OpBuilder &builder, Location loc, ValueRange scalars)>;

/// A linalg.generic over the whole of `resultType`, every loop parallel, whose
/// operands are read with numpy broadcasting (trailing dimensions aligned,
/// size-1 dimensions repeated).
Value buildElementwise(OpBuilder &builder, Location loc, RankedTensorType resultType,
                       ValueRange inputs, ScalarBuilder body);

/// The indexing map that reads a tensor of `operandShape` broadcast to a loop
/// nest of rank `resultRank` (numpy rules).
AffineMap broadcastMap(ArrayRef<int64_t> operandShape, ArrayRef<int64_t> resultShape,
                       MLIRContext *context);

/// tensor.empty of `type`, filled with `value` when one is given.
Value emptyTensor(OpBuilder &builder, Location loc, RankedTensorType type);
Value filledTensor(OpBuilder &builder, Location loc, RankedTensorType type, Value value);

/// A scalar constant of `type` (float or integer) equal to `value`.
Value scalarConstant(OpBuilder &builder, Location loc, Type type, double value);

/// The identity of a max (lowest value) or min (highest value) for `type`.
Value lowestValue(OpBuilder &builder, Location loc, Type type);
Value highestValue(OpBuilder &builder, Location loc, Type type);

/// tensor.pad of `input` with `low`/`high` cells filled with `value`; the
/// input itself when nothing is padded.
Value padTensor(OpBuilder &builder, Location loc, Value input, ArrayRef<int64_t> low,
                ArrayRef<int64_t> high, Value value);

/// Any static reshape as collapse-to-1-D then expand (each step omitted when
/// not needed): IREE folds these into plain views of the buffer.
Value reshapeTensor(OpBuilder &builder, Location loc, Value input,
                    RankedTensorType resultType);

/// A linalg.generic over `resultType` with no tensor operands whose body
/// computes each element from the loop indices, typically with tensor.extract
/// at computed positions (gathers, tiles, reversed reads).
Value buildIndexedGeneric(
    OpBuilder &builder, Location loc, RankedTensorType resultType,
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value> indices)> body);

/// `scale * index + offset` on index values.
Value affineIndex(OpBuilder &builder, Location loc, Value index, int64_t scale,
                  int64_t offset);
Value indexConstant(OpBuilder &builder, Location loc, int64_t value);

/// Scalar ops that differ between floats and integers.
Value buildAdd(OpBuilder &builder, Location loc, Value lhs, Value rhs);
Value buildMul(OpBuilder &builder, Location loc, Value lhs, Value rhs);
Value buildMax(OpBuilder &builder, Location loc, Value lhs, Value rhs);
Value buildMin(OpBuilder &builder, Location loc, Value lhs, Value rhs);

// Pattern sets, one per kind of op.
void populateElementwiseLoweringPatterns(RewritePatternSet &patterns);
void populateContractionLoweringPatterns(RewritePatternSet &patterns);
void populateDataMovementLoweringPatterns(RewritePatternSet &patterns);

} // namespace mlir::braze::lowering

#endif // BRAZE_PASSES_LOWERING_LOWERINGUTILS_H
