//===- BrazeCost.cpp - the FLOP and byte counts of braze ops ---------------===//
//
// One table for the whole dialect, so that every cost-guided decision and
// the compile report count work the same way. Counts are per execution of
// the op on its static shapes.
//
//===----------------------------------------------------------------------===//

#include "dialects/Braze/BrazeDialect.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::braze;

static int64_t elementCount(Value value) {
  return cast<ShapedType>(value.getType()).getNumElements();
}

static int64_t byteCount(Type type) {
  auto shaped = cast<ShapedType>(type);
  return shaped.getNumElements() *
         llvm::divideCeil(shaped.getElementTypeBitWidth(), 8);
}

/// Multiply-adds of a convolution producing `output` with `filter` in
/// `group` groups, counted as 2 operations each.
static int64_t convolutionFlops(Value output, RankedTensorType filter,
                                int64_t reducedChannels) {
  return 2 * elementCount(output) * reducedChannels * filter.getDimSize(2) *
         filter.getDimSize(3);
}

int64_t mlir::braze::detail::countFlops(Operation *op) {
  return TypeSwitch<Operation *, int64_t>(op)
      .Case<Conv2DOp>([](Conv2DOp conv) {
        return convolutionFlops(conv.getOutput(), conv.getFilter().getType(),
                                conv.getFilter().getType().getDimSize(1));
      })
      .Case<ConvTranspose2DOp>([](ConvTranspose2DOp conv) {
        // Each input element scatters into M/group * kH * kW outputs.
        RankedTensorType filter = conv.getFilter().getType();
        return 2 * elementCount(conv.getInput()) * filter.getDimSize(1) *
               filter.getDimSize(2) * filter.getDimSize(3);
      })
      .Case<MatMulOp>([](MatMulOp matmul) {
        auto lhs = cast<RankedTensorType>(matmul.getLhs().getType());
        return 2 * elementCount(matmul.getOutput()) * lhs.getShape().back();
      })
      .Case<Pool2DOp>([](Pool2DOp pool) {
        return elementCount(pool.getOutput()) * pool.getKernel()[0] * pool.getKernel()[1];
      })
      .Case<ReduceOp>([](ReduceOp reduce) { return elementCount(reduce.getInput()); })
      // max, subtract, exp, sum, divide per element.
      .Case<SoftmaxOp>([](SoftmaxOp softmax) { return 5 * elementCount(softmax.getInput()); })
      // mean, subtract, square, variance, normalise, scale, shift.
      .Case<LayerNormOp>([](LayerNormOp norm) { return 7 * elementCount(norm.getInput()); })
      .Case<BatchNormOp>([](BatchNormOp norm) { return 4 * elementCount(norm.getInput()); })
      .Case<HardSwishOp, HardSigmoidOp, GeluOp, SigmoidOp>(
          [](Operation *unary) { return 4 * elementCount(unary->getResult(0)); })
      .Case<ResizeOp>([](ResizeOp resize) {
        // A bilinear sample blends four neighbours: three lerps of 2 ops.
        int64_t perElement = resize.getMode() == ResizeMode::linear ? 6 : 0;
        return perElement * elementCount(resize.getOutput());
      })
      .Default([](Operation *other) -> int64_t {
        // Elementwise work costs one operation per output element; moving
        // data (reshape, transpose, slice, gather, ...) costs none.
        auto mapped = dyn_cast<MappingTypeOpInterface>(other);
        if (!mapped || mapped.getMappingType() != MappingType::one_to_one ||
            isa<ConcatOp, SliceOp, PadOp, CastOp>(other))
          return 0;
        return elementCount(other->getResult(0));
      });
}

int64_t mlir::braze::detail::countBytesAccessed(Operation *op) {
  int64_t bytes = 0;
  for (Type type : llvm::concat<const Type>(op->getOperandTypes(), op->getResultTypes()))
    if (isa<ShapedType>(type))
      bytes += byteCount(type);
  return bytes;
}
