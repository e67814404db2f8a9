//===- FusionOracle.h - profitability of the fusion table's yellow cells -*- C++ -*-===//
//
// The fusion table says *whether* a producer/consumer pair may fuse; for its
// `profile` cells, whether fusing pays depends on the shapes, and an oracle
// decides. Two oracles stand behind one interface: a cost model (the
// default, no tools needed), and measured timings of the fused and unfused
// candidate compiled through IREE, kept in an on-disk profile database that
// braze's Python driver fills (braze.fusion_profile).
//
//===----------------------------------------------------------------------===//

#ifndef BRAZE_PASSES_FUSION_FUSIONORACLE_H
#define BRAZE_PASSES_FUSION_FUSIONORACLE_H

#include "passes/Fusion/FusionTable.h"

#include <memory>
#include <string>

namespace mlir::braze::fusion {

/// One edge of the graph whose table cell is `profile`: `consumer` reads a
/// result of `producer`.
struct FusionCandidate {
  Operation *producer;
  Operation *consumer;
  TableCell cell;
};

struct Verdict {
  bool fuse;
  /// Why, in words for the fusion report.
  std::string reason;
};

class FusionOracle {
public:
  virtual ~FusionOracle() = default;
  virtual Verdict judge(const FusionCandidate &candidate) = 0;
  /// Called once after planning, e.g. to save what the oracle learned.
  virtual LogicalResult finish() { return success(); }
};

/// Fuses where the memory traffic and kernel launch saved outweigh the
/// producer's recomputation (the consumer re-reads, and so recomputes, each
/// producer element once per tile or window that needs it).
std::unique_ptr<FusionOracle> createCostModelOracle();

/// Judges by measured timings in the JSON database at `path`. A candidate it
/// has no measurement for is judged by `fallback` and recorded as pending,
/// with a self-contained fused and unfused program to time, when finish()
/// writes the database back. Fails with a message if the file exists but is
/// not a profile database.
FailureOr<std::unique_ptr<FusionOracle>>
createProfileDatabaseOracle(StringRef path, std::unique_ptr<FusionOracle> fallback,
                            Location diagnosticLoc);

} // namespace mlir::braze::fusion

#endif // BRAZE_PASSES_FUSION_FUSIONORACLE_H
