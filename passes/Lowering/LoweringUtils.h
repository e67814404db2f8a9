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

#include "dialects/Braze/BrazeDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::braze::lowering {

/// Body of an elementwise linalg.generic: scalar operands in, scalar out.
using ScalarBuilder =
    function_ref<Value(OpBuilder &builder, Location loc, ValueRange scalars)>;

// Layouts. A braze tensor type is logical (N, C, H, W for images) and may
// carry a #braze.layout encoding; the lowering works on its *storage*: the
// same elements in the order the layout stores them, as a plain tensor. A
// channel-blocked (nc4hw4) storage is (N, ceil(C/4), H, W, 4): C is split
// into a block and a lane dimension, and the lanes past C in the last block
// are padding. Padded lanes hold values of no meaning (zeros when a relayout
// or a convolution writes them, anything once an elementwise op has run on
// them): each op keeps them out of the real lanes (see
// emitBlockedConvolution in Contraction.cpp).

/// Channels per block of a blocked layout.
constexpr int64_t kChannelBlock = 4;

/// One dimension of a tensor's storage: the logical dimension it walks and,
/// in a blocked layout, whether it walks the channel's lane (c % 4) rather
/// than its block (c / 4).
struct StorageDim {
  int64_t logical;
  bool lane = false;
  bool operator==(const StorageDim &other) const {
    return logical == other.logical && lane == other.lane;
  }
};

/// The dimensions of the storage of a tensor of `type`, outermost first.
SmallVector<StorageDim> storageDims(RankedTensorType type);

/// Whether tensors of `type` are stored channel-blocked (#braze.layout<nc4hw4>).
bool isBlocked(Type type);

/// `type` in storage order, without encoding, with a signless element type.
RankedTensorType storageType(RankedTensorType type);

/// The storage dimensions holding H and W of an image of `type`.
std::array<int64_t, 2> spatialStorageDims(RankedTensorType type);

/// Per storage dimension of `type`: `h` and `w` at its spatial dimensions, 0
/// elsewhere (pads, strides of a window over the storage).
SmallVector<int64_t> atSpatialDims(RankedTensorType type, int64_t h, int64_t w);

/// `storage`, the storage of a tensor of logical type `from`, re-laid out as
/// the storage of `to` (the same logical type in another layout): one
/// linalg.transpose, after a zero tensor.pad of C and an expand_shape into
/// blocks when entering a blocked layout, before a collapse_shape and an
/// extract_slice dropping the padding when leaving one.
Value relayoutTensor(OpBuilder &builder, Location loc, Value storage,
                     RankedTensorType from, RankedTensorType to);

/// Dimension `dim` of `value` zero-padded to a multiple of 4 and split into
/// (blocks, 4); and the inverse, which merges `dim` and `dim + 1` and keeps
/// the first `size` elements.
Value splitIntoBlocks(OpBuilder &builder, Location loc, Value value, int64_t dim);
Value mergeBlocks(OpBuilder &builder, Location loc, Value value, int64_t dim,
                  int64_t size);

/// The reassociation of a reshape between rank `rank` and rank + 1 that
/// splits (or merges) dimension `dim` into (`dim`, `dim` + 1).
SmallVector<ReassociationIndices> splitDimReassociation(int64_t rank, int64_t dim);

// Signedness. braze integers may be unsigned (ui8); arith and linalg only
// take signless integers, which the lowering stores them as. Ops whose
// semantics differ read the signedness from their braze (logical) types.

/// The element type `type` with `uiN` replaced by `iN`.
Type signlessType(Type type);

/// Whether the elements of `type` (an element or tensor type) are unsigned.
bool isUnsignedElement(Type type);

/// A linalg.generic over the storage of `resultType`, every loop parallel,
/// whose operands are read with numpy broadcasting on their *logical* shapes
/// (trailing dimensions aligned, size-1 dimensions repeated). `inputs` are
/// values in storage order; `logicalTypes` their braze types (with layout
/// encodings), which decide how each is indexed. Into a blocked result, an
/// unblocked operand with channels (a [C, 1, 1] bias) is blocked first.
Value buildElementwise(OpBuilder &builder, Location loc, RankedTensorType resultType,
                       ValueRange inputs, TypeRange logicalTypes, ScalarBuilder body);

/// The same, for operands whose storage is their logical order.
Value buildElementwise(OpBuilder &builder, Location loc, RankedTensorType resultType,
                       ValueRange inputs, ScalarBuilder body);

/// The indexing map, over the loops of `result`'s storage, that reads the
/// storage of `operand` broadcast to `result` (numpy rules on logical dims).
/// Into a blocked result, an operand whose channels are not broadcast must
/// be blocked too.
AffineMap broadcastMap(RankedTensorType operand, RankedTensorType result,
                       MLIRContext *context);

/// Whether `op` lowers to a reshape, moving no data: a braze.reshape, or a
/// transpose or relayout (between unblocked layouts) whose permutation moves
/// only dimensions of size 1.
bool lowersToReshape(Operation *op);

/// linalg.transpose of `value` by `permutation` (result dim i = input dim
/// permutation[i]), or a reshape where only unit dimensions move (the value
/// itself for the identity).
Value transposeTensor(OpBuilder &builder, Location loc, Value value,
                      ArrayRef<int64_t> permutation);

/// tensor.empty of `type`, filled with `value` when one is given.
Value emptyTensor(OpBuilder &builder, Location loc, RankedTensorType type);
Value filledTensor(OpBuilder &builder, Location loc, RankedTensorType type, Value value);

/// A scalar constant of `type` (float or integer) equal to `value`.
Value scalarConstant(OpBuilder &builder, Location loc, Type type, double value);

/// The identity of a max (lowest value) or min (highest value) for the
/// logical element type `type`, as a constant of its storage type.
Value lowestValue(OpBuilder &builder, Location loc, Type type);
Value highestValue(OpBuilder &builder, Location loc, Type type);

/// tensor.pad of `input` with `low`/`high` cells filled with `value`; the
/// input itself when nothing is padded.
Value padTensor(OpBuilder &builder, Location loc, Value input, ArrayRef<int64_t> low,
                ArrayRef<int64_t> high, Value value);

/// `input` (a convolution's or pooling's, of braze type `inputType`) padded
/// by `pads` (top, left, bottom, right) with `value`, extended at the bottom
/// and right where ceil_mode's last window reaches past it. Along a unit
/// output axis it is also cut to what the one window reads (less bottom or
/// right padding, else a slice): IREE folds that axis away and its shape
/// checks then reject the rows or columns no window reads.
Value padToWindowReach(OpBuilder &builder, Location loc, Value input,
                       RankedTensorType inputType, RankedTensorType outputType,
                       ArrayRef<int64_t> pads, ArrayRef<int64_t> kernel,
                       ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations, Value value);

/// What kernel tap (`row`, `column`) of a channels-last convolution reads for
/// every output pixel: the window of `padded` (N, H, W, C) shifted by the tap
/// and strided, over output `pixels` (N, oH, oW), channels [`firstChannel`,
/// `firstChannel` + `channels`). Concatenated along channels, such windows
/// turn a convolution into one matrix product (an im2col of those taps).
Value tapWindow(OpBuilder &builder, Location loc, Value padded, ArrayRef<int64_t> pixels,
                int64_t row, int64_t column, ArrayRef<int64_t> strides,
                ArrayRef<int64_t> dilations, int64_t firstChannel, int64_t channels);

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

/// Scalar ops that differ between floats and integers (and, for max/min/div,
/// between signed and unsigned integers).
Value buildAdd(OpBuilder &builder, Location loc, Value lhs, Value rhs);
Value buildMul(OpBuilder &builder, Location loc, Value lhs, Value rhs);
Value buildMax(OpBuilder &builder, Location loc, Value lhs, Value rhs, bool isUnsigned);
Value buildMin(OpBuilder &builder, Location loc, Value lhs, Value rhs, bool isUnsigned);
Value buildDiv(OpBuilder &builder, Location loc, Value lhs, Value rhs, bool isUnsigned);

// Pattern sets, one per kind of op. Ops that accept layout encodings are
// converted with `typeConverter` (braze type -> storage type).
/// Whether `conv` lowers computing only the taps its kernel_patterns keep:
/// it has them, channels-last images and an f32 constant filter.
bool lowersAsPatternConvolution(braze::Conv2DOp conv, Layout layout);

/// `conv` (see lowersAsPatternConvolution) of its `padded` channels-last
/// input into `init`: its kept taps gathered, times the compact filter.
Value emitPatternConvolution(OpBuilder &builder, Location loc, braze::Conv2DOp conv, Value padded,
                             Value init);

/// Whether `conv` lowers reading only the channel groups its channel_blocks
/// keep: it has them, channels-last images and an f32 constant filter.
bool lowersAsChannelBlockConvolution(braze::Conv2DOp conv, Layout layout);

/// `conv` (see lowersAsChannelBlockConvolution) of its `padded`
/// channels-last input into `init`: per block of filters, its kept channels
/// gathered times its compact filter.
Value emitChannelBlockConvolution(OpBuilder &builder, Location loc, braze::Conv2DOp conv,
                                  Value padded, Value init);

/// The IREE code generator the lowered ops are for. Some forms suit IREE's
/// llvm-cpu pipeline only: convolutions and small poolings into a unit axis
/// tap by tap, single-image pointwise convolutions as pixel contractions.
/// IREE's SPIR-V pipeline (3.13) miscompiles the poolings for lavapipe when
/// it fuses them with a following reduction, and the others were only timed
/// on CPUs, so GPU targets keep linalg's named convolutions and poolings.
enum class CodegenTarget { cpu, gpu };

/// The CodegenTarget a pass option names (`cpu` or `gpu`); otherwise an
/// error on `op`: "<pass>: unknown codegen '<name>' (valid: cpu, gpu)".
FailureOr<CodegenTarget> parseCodegenTarget(Operation *op, StringRef pass, StringRef name);

void populateElementwiseLoweringPatterns(const TypeConverter &typeConverter,
                                         RewritePatternSet &patterns);
void populateContractionLoweringPatterns(const TypeConverter &typeConverter,
                                         RewritePatternSet &patterns, CodegenTarget codegen);
void populateDataMovementLoweringPatterns(const TypeConverter &typeConverter,
                                          RewritePatternSet &patterns);

/// Marks a function whose arguments and results are passed in their storage
/// layout (a fused group outlined by --braze-outline-fused-groups).
constexpr llvm::StringLiteral kStorageOrderBoundaryAttr = "braze.storage_order_boundary";

/// braze.fused -> flow.dispatch.region, before the conversion lowers the ops
/// inside (FusedGroups.cpp).
void formDispatchRegions(ModuleOp module);
/// Whether `op` belongs to a fused group's dispatch region. IREE data-tiles
/// only the contractions it places in dispatches itself.
bool isInsideDispatchRegion(Operation *op);
/// The conversion of the regions' result and returned types to storage.
void addDispatchRegionLowering(const TypeConverter &typeConverter, RewritePatternSet &patterns,
                               ConversionTarget &target);
/// braze.fused lowers to an unregistered op (FusedGroups.cpp): fails with a
/// message unless the context allows that.
LogicalResult checkFusedGroupsLowerable(ModuleOp module);
/// Moves work on constants only (weight relayouts) out of the dispatch
/// regions of fused groups, where IREE would run it on every call.
void hoistConstantWorkOutOfDispatchRegions(ModuleOp module);
/// Replaces transposes, pads and reshapes of constants (weight relayouts) by
/// the constants they compute (ConstantRelayouts.cpp).
void foldConstantRelayouts(ModuleOp module);

} // namespace mlir::braze::lowering

#endif // BRAZE_PASSES_LOWERING_LOWERINGUTILS_H
