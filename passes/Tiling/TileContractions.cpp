//===- TileContractions.cpp - IREE CPU tiles for matrix products ----------===//
//
// IREE 3.13's CPU code generation tiles a matrix product's columns (N) by
// the largest divisor of N up to 64, whatever the vector width. Where that
// divisor is not a whole number of vectors (480 -> 60 on AVX-512's 16 f32
// lanes) every tile ends in a partial vector and the product runs at about
// half speed. Where a whole number of vectors divides N, this pass gives the
// product IREE's own CPU pipeline with that column tile, as the
// `compilation_info` attribute IREE honours on a dispatch's root op. It is
// written as an attribute of IREE's dialects, which braze does not load: an
// opaque attribute that prints as IREE parses it.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"

#include "llvm/Support/FormatVariadic.h"

namespace mlir::braze {
#define GEN_PASS_DEF_BRAZETILECONTRACTIONS
#include "passes/Passes.h.inc"

namespace {

/// The largest divisor of `extent` that is at most `limit` and a multiple of
/// `step`; 0 when there is none.
int64_t largestDivisor(int64_t extent, int64_t limit, int64_t step) {
  for (int64_t tile = std::min(limit, extent) / step * step; tile >= step; tile -= step)
    if (extent % tile == 0)
      return tile;
  return 0;
}

/// Whether `op` sits in a dispatch region braze formed for a fused group:
/// IREE configures such a dispatch from all its ops together.
bool isInsideDispatchRegion(Operation *op) {
  for (Operation *parent = op->getParentOp(); parent; parent = parent->getParentOp())
    if (parent->getName().getStringRef() == "flow.dispatch.region")
      return true;
  return false;
}

/// The tiles of one contraction, per loop.
struct ContractionTiles {
  SmallVector<int64_t> distribution, vectorParallel, vectorReduction;
};

/// Tiles of whole `lanes`-lane vectors for a contraction whose single
/// column (n) loop is its result's innermost dimension, when a whole number
/// of vectors divides the columns and IREE's own tiles would either split
/// vectors or hold one vector per register-tile row where two fit.
std::optional<ContractionTiles> wholeVectorTiles(linalg::LinalgOp op, int64_t lanes) {
  // IREE's column tile limit; the tiles chosen here: rows in multiples of 8
  // up to 96, columns in whole vectors up to 128, and register tiles of up
  // to 8 rows by two vectors. Measured (1 thread, AVX-512), 480x480x480:
  // IREE's 96x60 tiles 3.16 ms, 96x96 1.77 ms; 6x80 pixels x 480 -> 480,
  // register tiles 8x16 3.9 / 2.7 ms, 8x32 2.7 / 2.1 ms (two runs); 14x14
  // pixels x 256 -> 256, IREE's 7x16 0.75 / 0.71 ms, 7x32 0.55 / 0.42 ms.
  constexpr int64_t kIreeColumnTile = 64, kMaxColumnTile = 128, kMaxRowTile = 96,
                    kRowVector = 8;
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims) || !dims->batch.empty() || dims->m.empty() || dims->n.size() != 1 ||
      dims->k.empty() || !op.hasPureTensorSemantics())
    return std::nullopt;
  SmallVector<int64_t> extents = op.getStaticLoopRanges();
  if (llvm::any_of(extents, ShapedType::isDynamic))
    return std::nullopt;
  AffineMap resultMap = op.getIndexingMapMatchingResult(op->getResult(0));
  unsigned column = dims->n.front();
  if (resultMap.getNumResults() < 2 || resultMap.getResults().back() != getAffineDimExpr(column, op.getContext()))
    return std::nullopt;
  int64_t columns = extents[column];
  int64_t columnTile = largestDivisor(columns, kMaxColumnTile, lanes);
  if (columnTile == 0)
    return std::nullopt;
  // Two vectors per row of the register tile where the column tile holds
  // pairs; else one, and then only IREE's split vectors are worth fixing.
  int64_t columnVector = columnTile % (2 * lanes) == 0 ? 2 * lanes : lanes;
  if (columnVector == lanes && largestDivisor(columns, kIreeColumnTile, 1) % lanes == 0)
    return std::nullopt;
  // Rows: the result's second-innermost dimension in multiples of 8, the
  // outer row loops filling a tile up to kMaxRowTile rows.
  auto rowExpr = dyn_cast<AffineDimExpr>(resultMap.getResults()[resultMap.getNumResults() - 2]);
  if (!rowExpr || !llvm::is_contained(dims->m, rowExpr.getPosition()))
    return std::nullopt;
  unsigned row = rowExpr.getPosition();
  int64_t rowTile = largestDivisor(extents[row], kMaxRowTile, kRowVector);
  if (rowTile == 0)
    rowTile = std::min(extents[row], kMaxRowTile);
  ContractionTiles tiles;
  unsigned loops = extents.size();
  tiles.distribution.assign(loops, 0);
  tiles.vectorParallel.assign(loops, 0);
  tiles.vectorReduction.assign(loops, 0);
  int64_t outerRows = std::max<int64_t>(1, kMaxRowTile / rowTile);
  for (unsigned m : dims->m) {
    tiles.distribution[m] = m == row ? rowTile : std::min(extents[m], outerRows);
    tiles.vectorParallel[m] = m == row ? largestDivisor(rowTile, kRowVector, 1) : 1;
  }
  tiles.distribution[column] = columnTile;
  tiles.vectorParallel[column] = columnVector;
  // The innermost reduction loop in whole vectors, the others one at a time.
  unsigned innermostK = *llvm::max_element(dims->k);
  for (unsigned k : dims->k)
    tiles.vectorReduction[k] = k == innermostK ? lanes : 1;
  return tiles;
}

std::string formatList(ArrayRef<int64_t> values) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleaveComma(values, os);
  os << ']';
  return text;
}

struct TileContractionsPass : impl::BrazeTileContractionsBase<TileContractionsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (vectorLanes <= 0)
      return;
    MLIRContext *context = &getContext();
    if (!context->allowsUnregisteredDialects()) {
      getOperation().emitError("braze-tile-contractions writes IREE attributes, which need "
                               "unregistered dialects allowed (braze-opt "
                               "--allow-unregistered-dialect)");
      return signalPassFailure();
    }
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!linalg::isaContractionOpInterface(op) || op->getNumResults() != 1 ||
          !getElementTypeOrSelf(op->getResult(0).getType()).isF32() ||
          isInsideDispatchRegion(op) || op->hasAttr(kCompilationInfo) ||
          op->hasAttr(kDataTilingHint))
        return;
      std::optional<ContractionTiles> tiles = wholeVectorTiles(op, vectorLanes);
      if (!tiles)
        return;
      std::string info = llvm::formatv(
          "compilation_info<lowering_config = #iree_cpu.lowering_config<"
          "distribution = {0}, vector_common_parallel = {1}, vector_reduction = {2}>, "
          "translation_info = #iree_codegen.translation_info<pipeline = "
          "#iree_cpu.pipeline<DoubleTilingExpert>>>",
          formatList(tiles->distribution), formatList(tiles->vectorParallel),
          formatList(tiles->vectorReduction));
      op->setAttr(kCompilationInfo, OpaqueAttr::get(StringAttr::get(context, "iree_codegen"),
                                                    info, NoneType::get(context)));
      ++numTiled;
    });
  }

  static constexpr StringLiteral kCompilationInfo = "compilation_info";
  /// A data-tiled product becomes IREE's mmt4d, which tiles by its own
  /// register blocks (passes/Lowering/Contraction.cpp sets the hint).
  static constexpr StringLiteral kDataTilingHint = "iree.opt.data_tiling";
};

} // namespace
} // namespace mlir::braze
