//===- FusionTable.h - DNNFusion's mapping-type fusion table ----*- C++ -*-===//
//
// Which producer/consumer pairs of mapping types may fuse, and the mapping
// type of the fused group (DNNFusion, PLDI'21, Table 3; ../shared RESEARCH.md
// §1.1). Rows are the first (producer) op or group, columns the second
// (consumer).
//
//===----------------------------------------------------------------------===//

#ifndef BRAZE_PASSES_FUSION_FUSIONTABLE_H
#define BRAZE_PASSES_FUSION_FUSIONTABLE_H

#include "dialects/Braze/BrazeDialect.h"

namespace mlir::braze::fusion {

/// A table cell's verdict before any cost is looked at, from permissive to
/// strict (the stricter of two verdicts is their max).
enum class Legality {
  fuse,    // legal and always profitable ("green")
  profile, // legal; profitable or not depending on shapes: ask the oracle ("yellow")
  never,   // not fused ("red")
};

struct TableCell {
  Legality legality;
  /// The fused group's mapping type (meaningless for `never`).
  MappingType fused;
};

/// The cell for `producer` followed by `consumer`.
TableCell lookupFusionTable(MappingType producer, MappingType consumer);

StringRef stringifyLegality(Legality legality);

} // namespace mlir::braze::fusion

#endif // BRAZE_PASSES_FUSION_FUSIONTABLE_H
