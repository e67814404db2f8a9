//===- Fuse.cpp - DNNFusion's fusion plan: seeds, growth, convexity -------===//
//
// Plans fusion groups with the mapping-type table (FusionTable.h) and forms
// a braze.fused region per group (DNNFusion, PLDI'21, Listing 1):
//   1. the seed is the not-yet-fused One-to-One op with the smallest
//      intermediate result (ties: first in program order): small results are
//      the cheapest to keep in registers and are where fusion starts well;
//   2. the group grows into its successors, then its predecessors; each
//      edge is judged by the table cell of (group's mapping type, candidate's)
//      or (candidate's, group's): `never` stops, `fuse` merges, `profile`
//      asks the oracle; a merge sets the group's type to the cell's;
//   3. a merge must keep the group convex: no path may leave the group and
//      come back into it, or the group could not run as one kernel;
//   4. repeat until no One-to-One seed is left.
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/FusionOracle.h"
#include "passes/Lowering/LoweringUtils.h"
#include "passes/Passes.h"

#include "mlir/Analysis/TopologicalSortUtils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <deque>

namespace mlir::braze {
#define GEN_PASS_DEF_BRAZEFUSE
#include "passes/Passes.h.inc"

namespace {
using fusion::FusionOracle;

constexpr StringLiteral kGroupIdAttr = "braze.fusion_group";
using fusion::Legality;
using fusion::TableCell;

/// The decision on one producer -> consumer edge, for the fusion report.
struct EdgeDecision {
  Operation *producer, *consumer;
  /// The table cell looked up: (producer side, consumer side) mapping types.
  MappingType row, column;
  Legality legality;
  bool fused;
  std::string reason;
};

struct FusionGroup {
  Operation *seed;
  MappingType type;
  /// Members in the order they joined.
  SmallVector<Operation *> members;
};

class FusionPlanner {
public:
  FusionPlanner(Block &block, FusionOracle &oracle) : oracle(oracle) {
    for (Operation &op : block)
      position[&op] = position.size();
  }

  void plan() {
    SmallVector<Operation *> seeds;
    for (auto [op, index] : position)
      if (isCandidate(op) && mappingOf(op) == MappingType::one_to_one)
        seeds.push_back(op);
    llvm::stable_sort(seeds, [&](Operation *a, Operation *b) {
      return resultBytes(a) < resultBytes(b);
    });
    for (Operation *seed : seeds) {
      if (groupOf.contains(seed))
        continue;
      FusionGroup group{seed, MappingType::one_to_one, {seed}};
      groupOf[seed] = groups.size();
      growSuccessors(group);
      growPredecessors(group);
      groups.push_back(std::move(group));
    }
  }

  ArrayRef<FusionGroup> getGroups() const { return groups; }
  ArrayRef<EdgeDecision> getDecisions() const { return decisions; }
  int64_t getPosition(Operation *op) const { return position.lookup(op); }
  /// The plan's group index of `op`, if a group of two or more holds it.
  std::optional<unsigned> getGroupOf(Operation *op) const {
    auto it = groupOf.find(op);
    if (it == groupOf.end() || groups[it->second].members.size() < 2)
      return std::nullopt;
    return it->second;
  }
  const llvm::MapVector<Operation *, unsigned> &getOps() const { return position; }

  static bool isCandidate(Operation *op) {
    return isa<MappingTypeOpInterface>(op) && !isa<FusedOp>(op);
  }
  static MappingType mappingOf(Operation *op) {
    return cast<MappingTypeOpInterface>(op).getMappingType();
  }
  static int64_t resultBytes(Operation *op) {
    int64_t bytes = 0;
    for (Type type : op->getResultTypes()) {
      auto shaped = cast<ShapedType>(type);
      bytes += shaped.getNumElements() * llvm::divideCeil(shaped.getElementTypeBitWidth(), 8);
    }
    return bytes;
  }

private:
  /// The mapping type of `use`'s owner as seen from that operand. An
  /// elementwise op that broadcasts the operand (a [1,C,1,1] scale times an
  /// image) reads each of its elements many times: One-to-Many, as an
  /// Expand followed by the elementwise op would be.
  static MappingType edgeMapping(OpOperand &use) {
    Operation *consumer = use.getOwner();
    MappingType type = mappingOf(consumer);
    if (type == MappingType::one_to_one && consumer->getNumResults() == 1 &&
        isBroadcast(cast<ShapedType>(use.get().getType()).getShape(),
                    cast<ShapedType>(consumer->getResult(0).getType()).getShape()))
      return MappingType::one_to_many;
    return type;
  }

  /// Whether `from` is numpy-broadcast to the larger `to`: right-aligned,
  /// each dim equal or 1. (Concat's and Pad's inputs are smaller without
  /// being broadcast: each of their elements lands in one place.)
  static bool isBroadcast(ArrayRef<int64_t> from, ArrayRef<int64_t> to) {
    if (from.size() > to.size() || ShapedType::getNumElements(from) >= ShapedType::getNumElements(to))
      return false;
    return llvm::all_of(llvm::zip(llvm::reverse(from), llvm::reverse(to)), [](auto dims) {
      auto [a, b] = dims;
      return a == b || a == 1;
    });
  }

  /// The column for a producer joining `group` through `use`: the group's
  /// type, unless the member broadcasts the producer's value, which makes
  /// the edge One-to-One -> One-to-Many whatever the rest of the group is.
  /// (The fused type then still follows the group: see tryMerge.)
  static MappingType predecessorColumn(OpOperand &use, const FusionGroup &group) {
    return edgeMapping(use) == MappingType::one_to_many ? MappingType::one_to_many : group.type;
  }

  bool isFree(Operation *op) const { return isCandidate(op) && !groupOf.contains(op); }

  void growSuccessors(FusionGroup &group) {
    std::deque<Operation *> worklist(group.members.begin(), group.members.end());
    while (!worklist.empty()) {
      Operation *member = worklist.front();
      worklist.pop_front();
      for (OpOperand &use : member->getUses()) {
        Operation *user = use.getOwner();
        if (isFree(user) && position.contains(user) &&
            tryMerge(group, member, user, user, group.type, edgeMapping(use)))
          worklist.push_back(user);
      }
    }
  }

  void growPredecessors(FusionGroup &group) {
    std::deque<Operation *> worklist(group.members.begin(), group.members.end());
    while (!worklist.empty()) {
      Operation *member = worklist.front();
      worklist.pop_front();
      for (OpOperand &use : member->getOpOperands()) {
        Operation *producer = use.get().getDefiningOp();
        if (producer && isFree(producer) && position.contains(producer) &&
            tryMerge(group, producer, member, producer, mappingOf(producer),
                     predecessorColumn(use, group)))
          worklist.push_back(producer);
      }
    }
  }

  /// Merges `candidate` (the producer or the consumer of the edge) into
  /// `group` if the cell, convexity and, for profile cells, the oracle allow.
  bool tryMerge(FusionGroup &group, Operation *producer, Operation *consumer,
                Operation *candidate, MappingType row, MappingType column) {
    TableCell cell = fusion::lookupFusionTable(row, column);
    // A producer joining through a broadcast makes the group no less than
    // what the plain cell would.
    if (candidate == producer && column != group.type) {
      TableCell plain = fusion::lookupFusionTable(row, group.type);
      cell = {std::max(cell.legality, plain.legality), plain.fused};
    }
    auto decide = [&](bool fused, std::string reason) {
      decisions.push_back({producer, consumer, row, column, cell.legality, fused,
                           std::move(reason)});
      return fused;
    };
    if (cell.legality == Legality::never)
      return decide(false, "fusion table: never");
    // Concat lowers to slice insertions into its result, which IREE 3.13
    // handles by having each producer write its slice -- in dispatches it
    // forms itself; inside a given dispatch region its code generation
    // fails (measured on ppocr-rec's neck).
    if (isa<ConcatOp>(candidate))
      return decide(false, "concat stays out of groups: IREE writes its inputs in place");
    SmallPtrSet<Operation *, 16> merged(group.members.begin(), group.members.end());
    merged.insert(candidate);
    if (!staysConvex(merged))
      return decide(false, "a path would leave the group and re-enter it");
    if (std::optional<StringRef> conflict = iterationSpaceConflict(merged))
      return decide(false, conflict->str());
    if (cell.legality == Legality::profile) {
      fusion::Verdict verdict = oracle.judge({producer, consumer, cell});
      if (!decide(verdict.fuse, std::move(verdict.reason)))
        return false;
    } else {
      decide(true, "fusion table: fuse");
    }
    group.members.push_back(candidate);
    group.type = cell.fused;
    groupOf[candidate] = groups.size();
    return true;
  }

  /// Whether no path leaves the group `inside` through an outside op and
  /// comes back. Such a path can only pass through ops between the group's
  /// first and last member, so the search stops at the last one.
  bool staysConvex(const SmallPtrSetImpl<Operation *> &inside) const {
    unsigned last = 0;
    for (Operation *member : inside)
      last = std::max(last, position.lookup(member));
    SmallVector<Operation *> worklist;
    SmallPtrSet<Operation *, 32> visited;
    auto visitUsers = [&](Operation *op) {
      for (Operation *user : op->getUsers())
        if (!inside.contains(user) && position.lookup(user) < last && visited.insert(user).second)
          worklist.push_back(user);
    };
    for (Operation *member : inside)
      visitUsers(member);
    while (!worklist.empty()) {
      Operation *outside = worklist.pop_back_val();
      if (llvm::any_of(outside->getUsers(), [&](Operation *user) { return inside.contains(user); }))
        return false;
      visitUsers(outside);
    }
    return true;
  }

  /// A kernel computes a Many-to-Many member tile by tile over that
  /// member's own iteration space. Two things then cannot be in its group,
  /// and IREE's code generation rejects both (measured on ppocr-rec):
  ///  - a value upstream of the member that also leaves the group: it is
  ///    only ever computed per tile (an elementwise chain yielded next to the
  ///    global pooling it feeds);
  ///  - a One-to-Many read (a broadcast, an Expand) of a value downstream of
  ///    the member: a reduction's result spread back over the reduced
  ///    dimension needs the whole reduction first, a second pass (LayerNorm's
  ///    variance divided into every element).
  /// Nor can the group's results differ in shape: the kernel writes them
  /// all from the one iteration space (a transposed tensor and a slice of
  /// it, both needed after an attention projection, fail to compile).
  /// Returns which of these it is, if any.
  static std::optional<StringRef>
  iterationSpaceConflict(const SmallPtrSetImpl<Operation *> &inside) {
    SmallVector<Operation *> worklist;
    for (Operation *member : inside)
      if (mappingOf(member) == MappingType::many_to_many)
        worklist.push_back(member);
    SmallVector<Operation *> contractions(worklist);
    SmallPtrSet<Operation *, 16> upstream;
    while (!worklist.empty()) {
      for (Value operand : worklist.pop_back_val()->getOperands()) {
        Operation *producer = operand.getDefiningOp();
        if (!producer || !inside.contains(producer) || !upstream.insert(producer).second)
          continue;
        if (llvm::any_of(producer->getUsers(),
                         [&](Operation *user) { return !inside.contains(user); }))
          return "a value computed per tile of a contraction in the group is also needed "
                 "outside it";
        worklist.push_back(producer);
      }
    }
    SmallPtrSet<Operation *, 16> downstream(contractions.begin(), contractions.end());
    while (!contractions.empty()) {
      for (OpOperand &use : contractions.pop_back_val()->getUses()) {
        Operation *user = use.getOwner();
        if (!inside.contains(user))
          continue;
        if (edgeMapping(use) == MappingType::one_to_many)
          return "the result of a contraction in the group would be spread one-to-many, "
                 "which needs all of it first (a second pass)";

        if (downstream.insert(user).second)
          contractions.push_back(user);
      }
    }
    SmallVector<ArrayRef<int64_t>> resultShapes;
    for (Operation *member : inside)
      for (Value result : member->getResults())
        if (llvm::any_of(result.getUsers(), [&](Operation *user) { return !inside.contains(user); }))
          resultShapes.push_back(cast<ShapedType>(result.getType()).getShape());
    if (llvm::any_of(resultShapes, [&](ArrayRef<int64_t> shape) { return shape != resultShapes.front(); }))
      return "the group's results would differ in shape, so one kernel cannot write them all";
    return std::nullopt;
  }

  FusionOracle &oracle;
  llvm::MapVector<Operation *, unsigned> position;
  DenseMap<Operation *, unsigned> groupOf;
  SmallVector<FusionGroup> groups;
  SmallVector<EdgeDecision> decisions;
};

/// Whether `group` needs a dispatch region to stay one kernel, rather than
/// being left to IREE's own dispatch formation (backend_formed). IREE fuses
/// elementwise and reshaping work around one contraction by itself, and its
/// own dispatches keep what a given region loses (writing into a consumer's
/// padded buffer, data tiling, producers fused into a padded window). What
/// it leaves as dispatches of their own is data movement that reorders
/// elements: a transposition at the end of a group (the heads-first
/// transpose after an attention projection, measured). So a region is
/// formed for a group that ends in Reorganize/Shuffle ops, one of which
/// moves data (not just a reshape, or a transpose of unit dimensions), with
/// no other work after them and none fused in front of its contraction --
/// the form measured to compile as one dispatch. Each group's dispatch
/// count is checked in the compile report. Only for IREE's llvm-cpu
/// pipeline: its SPIR-V pipeline (3.13) cannot distribute such a region to
/// workgroups (ppocr-rec's four fail for adreno, valhall and lavapipe, each
/// after a minute and more of code generation), so GPU targets get none.
bool needsDispatchRegion(const FusionGroup &group, lowering::CodegenTarget codegen) {
  if (codegen == lowering::CodegenTarget::gpu)
    return false;
  SmallPtrSet<Operation *, 16> inside(group.members.begin(), group.members.end());
  auto reorganizes = [](Operation *op) {
    MappingType type = FusionPlanner::mappingOf(op);
    return type == MappingType::reorganize || type == MappingType::shuffle;
  };
  bool movesData = false;
  for (Operation *member : group.members) {
    if (FusionPlanner::mappingOf(member) == MappingType::many_to_many &&
        llvm::any_of(member->getOperands(), [&](Value operand) {
          return inside.contains(operand.getDefiningOp());
        }))
      return false;
    if (!reorganizes(member) || lowering::lowersToReshape(member))
      continue;
    movesData = true;
    if (llvm::any_of(member->getUsers(), [&](Operation *user) {
          return inside.contains(user) && !reorganizes(user);
        }))
      return false;
  }
  return movesData;
}

/// Moves the members of `group` into a new braze.fused op; the values used
/// after the group become its results.
FusedOp formFusedOp(const FusionGroup &group, const FusionPlanner &planner,
                    lowering::CodegenTarget codegen) {
  SmallVector<Operation *> members(group.members);
  llvm::sort(members, [&](Operation *a, Operation *b) {
    return planner.getPosition(a) < planner.getPosition(b);
  });
  SmallPtrSet<Operation *, 16> inside(members.begin(), members.end());
  SmallVector<Value> escaping;
  for (Operation *member : members)
    for (Value result : member->getResults())
      if (llvm::any_of(result.getUsers(), [&](Operation *user) { return !inside.contains(user); }))
        escaping.push_back(result);

  OpBuilder builder(members.back()->getContext());
  builder.setInsertionPointAfter(members.back());
  Location loc = builder.getFusedLoc(llvm::map_to_vector(members, [](Operation *op) {
    return op->getLoc();
  }));
  auto fused = FusedOp::create(builder, loc, ValueRange(escaping).getTypes(), group.type,
                               !needsDispatchRegion(group, codegen));
  Block &body = fused.getBody().emplaceBlock();
  builder.setInsertionPointToEnd(&body);
  auto yield = YieldOp::create(builder, loc, escaping);
  for (Operation *member : members)
    member->moveBefore(yield);
  for (auto [inner, outer] : llvm::zip(escaping, fused.getResults()))
    inner.replaceUsesWithIf(outer, [&](OpOperand &use) {
      return !fused->isAncestor(use.getOwner());
    });
  return fused;
}

/// An op's name for people: its ONNX node name if the frontend kept one.
std::string displayName(Operation *op) {
  if (auto name = dyn_cast<NameLoc>(op->getLoc()))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(op->getLoc()))
    for (Location inner : fused.getLocations())
      if (auto name = dyn_cast<NameLoc>(inner))
        return name.getName().str();
  return "";
}

/// The plan of one function as JSON: every op with its mapping type and
/// group, the data edges between them, the groups and the decision on
/// every edge considered (the fusion report and picture read it).
llvm::json::Object describePlan(func::FuncOp func, const FusionPlanner &planner) {
  llvm::json::Array nodes, edges, groups, decisions;
  for (auto [op, index] : planner.getOps()) {
    if (!FusionPlanner::isCandidate(op))
      continue;
    std::optional<unsigned> group = planner.getGroupOf(op);
    nodes.push_back(llvm::json::Object{
        {"id", index},
        {"op", op->getName().getStringRef()},
        {"name", displayName(op)},
        {"mapping", stringifyMappingType(FusionPlanner::mappingOf(op))},
        {"result_bytes", FusionPlanner::resultBytes(op)},
        {"group", group ? llvm::json::Value(*group) : llvm::json::Value(nullptr)},
    });
    for (Value operand : op->getOperands())
      if (Operation *producer = operand.getDefiningOp();
          producer && FusionPlanner::isCandidate(producer))
        edges.push_back(llvm::json::Object{{"from", planner.getPosition(producer)},
                                           {"to", index}});
  }
  for (auto [index, group] : llvm::enumerate(planner.getGroups())) {
    if (group.members.size() < 2)
      continue;
    groups.push_back(llvm::json::Object{
        {"id", index},
        {"mapping", stringifyMappingType(group.type)},
        {"seed", planner.getPosition(group.seed)},
        {"members", llvm::json::Array(llvm::map_range(group.members, [&](Operation *op) {
           return llvm::json::Value(planner.getPosition(op));
         }))},
    });
  }
  for (const EdgeDecision &decision : planner.getDecisions())
    decisions.push_back(llvm::json::Object{
        {"producer", planner.getPosition(decision.producer)},
        {"consumer", planner.getPosition(decision.consumer)},
        {"row", stringifyMappingType(decision.row)},
        {"column", stringifyMappingType(decision.column)},
        {"cell", fusion::stringifyLegality(decision.legality)},
        {"fused", decision.fused},
        {"reason", decision.reason},
    });
  return llvm::json::Object{{"function", func.getSymName()},
                            {"nodes", std::move(nodes)},
                            {"edges", std::move(edges)},
                            {"groups", std::move(groups)},
                            {"decisions", std::move(decisions)}};
}

struct FusePass : impl::BrazeFuseBase<FusePass> {
  using BrazeFuseBase::BrazeFuseBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<lowering::CodegenTarget> codegenTarget =
        lowering::parseCodegenTarget(module, "--braze-fuse", codegen);
    if (failed(codegenTarget))
      return signalPassFailure();
    FailureOr<std::unique_ptr<FusionOracle>> oracle = createOracle(module.getLoc());
    if (failed(oracle))
      return signalPassFailure();

    llvm::json::Array plans;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      Block &block = func.getBody().front();
      FusionPlanner planner(block, **oracle);
      planner.plan();
      for (const EdgeDecision &decision : planner.getDecisions()) {
        if (decision.legality == Legality::profile)
          ++(decision.fused ? numProfiledFused : numProfiledRejected);
        if (remarks)
          decision.consumer->emitRemark()
              << "fusion edge " << decision.producer->getName() << " -> "
              << decision.consumer->getName() << ": cell " << stringifyMappingType(decision.row)
              << " -> " << stringifyMappingType(decision.column) << " is "
              << fusion::stringifyLegality(decision.legality) << "; "
              << (decision.fused ? "fused" : "not fused") << " (" << decision.reason << ")";
      }
      if (!planFile.empty())
        plans.push_back(describePlan(func, planner));
      for (auto [index, group] : llvm::enumerate(planner.getGroups())) {
        if (group.members.size() < 2)
          continue;
        // The plan's group number, so that reports can name the group.
        formFusedOp(group, planner, *codegenTarget)->setAttr(kGroupIdAttr, IntegerAttr::get(
                                                  IntegerType::get(&getContext(), 64), index));
        ++numGroups;
        numFusedOps += group.members.size();
      }
      // A group sits where its last member was; ops between its members that
      // use its results move after it.
      sortTopologically(&block);
    }
    if (failed((*oracle)->finish())) {
      emitError(module.getLoc()) << "cannot write the fusion profile database " << profileDb;
      return signalPassFailure();
    }
    if (!planFile.empty() && failed(writePlan(llvm::json::Object{{"functions", std::move(plans)}})))
      return signalPassFailure();
  }

  FailureOr<std::unique_ptr<FusionOracle>> createOracle(Location loc) {
    if (oracle == "cost")
      return fusion::createCostModelOracle();
    if (oracle == "profile") {
      if (profileDb.empty())
        return emitError(loc) << "--braze-fuse oracle=profile needs profile-db=<file>";
      return fusion::createProfileDatabaseOracle(profileDb, fusion::createCostModelOracle(), loc);
    }
    return emitError(loc) << "--braze-fuse: unknown oracle '" << oracle
                          << "' (valid: cost, profile)";
  }

  LogicalResult writePlan(llvm::json::Object plan) {
    std::error_code error;
    llvm::raw_fd_ostream os(planFile, error);
    if (error)
      return emitError(getOperation().getLoc())
             << "cannot write the fusion plan to " << planFile << ": " << error.message();
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(plan))) << "\n";
    return success();
  }
};

} // namespace
} // namespace mlir::braze
