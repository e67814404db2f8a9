//===- WeightFolding.h - work folded into constants at compile time -*- C++ -*-===//
//
// Helpers of the Rewrite passes that compute new weights once at compile
// time instead of elementwise work at run time (--braze-fold-batch-norm,
// --braze-rewrite): reading and creating f32 braze.constant values, and
// scaling a convolution filter per output channel.
//
//===----------------------------------------------------------------------===//

#ifndef BRAZE_PASSES_REWRITE_WEIGHTFOLDING_H
#define BRAZE_PASSES_REWRITE_WEIGHTFOLDING_H

#include "dialects/Braze/BrazeDialect.h"

#include "mlir/IR/Builders.h"

#include <optional>
#include <string>

namespace mlir::braze {

/// The contents of an f32 braze.constant (dense or dense resource) in
/// row-major order, or nullopt when `value` is something else.
std::optional<SmallVector<double>> getF32Constant(Value value);

/// A braze.constant holding `values` (f32) with `type`'s shape. Large ones
/// become dense resources named `name`, like the weights the frontend imports.
Value createF32Constant(OpBuilder &builder, Location loc, ShapedType type,
                        ArrayRef<double> values, StringRef name);

/// A resource name for a constant folded from `op`: the ONNX node name its
/// location carries (else its mnemonic) followed by `suffix`.
std::string foldedConstantName(Operation *op, StringRef suffix);

/// Multiplies each element of `conv`'s filter, given row-major in `filter`,
/// by the factor in `channelScale` of the output channel it contributes to.
void scaleOutputChannels(Conv2DOp conv, MutableArrayRef<double> filter,
                         ArrayRef<double> channelScale);
void scaleOutputChannels(ConvTranspose2DOp conv, MutableArrayRef<double> filter,
                         ArrayRef<double> channelScale);

} // namespace mlir::braze

#endif // BRAZE_PASSES_REWRITE_WEIGHTFOLDING_H
