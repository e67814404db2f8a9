//===- FusionTable.cpp - DNNFusion's mapping-type fusion table ------------===//
//
// The 25 cells follow the paper's Table 3, with one documented departure:
// the two cells One-to-One -> One-to-Many and One-to-One -> Many-to-Many,
// which transcriptions of the paper disagree on (green in its text, yellow
// in its table), are `profile` here. The paper's argument for green is that
// a One-to-One producer can always be computed on the fly inside its
// consumer. That is true, but on the fly means once per *read*: an Expand,
// Resize or Gather reads each input element several times, a k x k
// convolution k*k times per output-channel tile, a matmul once per column
// tile. Fusing then recomputes the producer as often, which pays for a cheap
// producer (a bias add, a ReLU) and does not for an expensive one over a
// large tensor (a Sigmoid feeding a 7x7 convolution). So the cost oracle
// weighs the recomputation against the memory round trip saved.
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/FusionTable.h"

namespace mlir::braze::fusion {
namespace {

constexpr Legality G = Legality::fuse, Y = Legality::profile, R = Legality::never;
constexpr MappingType O2O = MappingType::one_to_one, O2M = MappingType::one_to_many,
                      M2M = MappingType::many_to_many, Reorg = MappingType::reorganize,
                      Shuffle = MappingType::shuffle;

// kTable[producer][consumer], in MappingType's enum order
// (one_to_one, one_to_many, many_to_many, reorganize, shuffle).
constexpr TableCell kTable[5][5] = {
    // One-to-One: absorbed by whatever follows it.
    {{G, O2O}, {Y, O2M}, {Y, M2M}, {G, Reorg}, {G, Shuffle}},
    // One-to-Many: an expanded tensor feeding a contraction is recomputed
    // per read and loses the contraction's data reuse ("unprofitable").
    {{G, O2M}, {Y, O2M}, {R, O2M}, {Y, O2M}, {Y, O2M}},
    // Many-to-Many: two contractions in one kernel need each other's halo
    // and tiling ("too complicated"); IREE 3.13's CPU code generation
    // indeed refuses such dispatches (an untiled second root).
    {{G, M2M}, {Y, M2M}, {R, M2M}, {Y, M2M}, {Y, M2M}},
    // Reorganize and Shuffle are One-to-One with another index function.
    {{G, Reorg}, {Y, O2M}, {Y, M2M}, {G, Reorg}, {G, Reorg}},
    {{G, Shuffle}, {Y, O2M}, {Y, M2M}, {G, Reorg}, {G, Shuffle}},
};

} // namespace

TableCell lookupFusionTable(MappingType producer, MappingType consumer) {
  return kTable[static_cast<unsigned>(producer)][static_cast<unsigned>(consumer)];
}

StringRef stringifyLegality(Legality legality) {
  switch (legality) {
  case Legality::fuse:
    return "fuse";
  case Legality::profile:
    return "profile";
  case Legality::never:
    return "never";
  }
  llvm_unreachable("unknown legality");
}

} // namespace mlir::braze::fusion
