//===- FusionOracle.cpp - cost model and profile database oracles ---------===//

#include "passes/Fusion/FusionOracle.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::braze::fusion {
namespace {

//===----------------------------------------------------------------------===//
// Cost model
//===----------------------------------------------------------------------===//

// A mobile CPU core sustains roughly 8 FLOPs in the time it moves one byte
// to or from DRAM, and a kernel launch (dispatch) costs about as much as
// 1e5 FLOPs; the verdicts depend on these ratios, not on absolute speeds.
constexpr int64_t kFlopsPerByte = 8;
constexpr int64_t kDispatchFlops = 100000;
// Contractions are tiled over their output channels / columns this wide;
// a fused producer is recomputed once per such tile.
constexpr int64_t kContractionTile = 64;

int64_t bytesOf(Value value) {
  auto shaped = cast<ShapedType>(value.getType());
  return shaped.getNumElements() * llvm::divideCeil(shaped.getElementTypeBitWidth(), 8);
}

int64_t elementsOf(Value value) { return cast<ShapedType>(value.getType()).getNumElements(); }

/// How many times `consumer`, computed with the producer fused into it,
/// recomputes each element of its operand `operand`.
int64_t recomputeFactor(Operation *consumer, Value operand) {
  auto windowReuse = [](ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides) {
    return std::max<int64_t>(1, (kernel[0] * kernel[1]) / (strides[0] * strides[1]));
  };
  if (auto conv = dyn_cast<Conv2DOp>(consumer)) {
    if (operand != conv.getInput())
      return 1;
    auto filter = conv.getFilter().getType();
    int64_t channelTiles = conv.getGroup() == 1
                               ? llvm::divideCeil(filter.getDimSize(0), kContractionTile)
                               : 1;
    return windowReuse(filter.getShape().drop_front(2), conv.getStrides()) * channelTiles;
  }
  if (auto conv = dyn_cast<ConvTranspose2DOp>(consumer)) {
    auto filter = conv.getFilter().getType();
    return operand == conv.getInput() ? filter.getDimSize(2) * filter.getDimSize(3) : 1;
  }
  if (auto pool = dyn_cast<Pool2DOp>(consumer))
    return windowReuse(pool.getKernel(), pool.getStrides());
  if (auto matmul = dyn_cast<MatMulOp>(consumer)) {
    auto output = cast<ShapedType>(matmul.getOutput().getType()).getShape();
    int64_t across = operand == matmul.getLhs() ? output.back() : output[output.size() - 2];
    return llvm::divideCeil(across, kContractionTile);
  }
  // Expand, Resize, Gather and broadcasting elementwise ops read each
  // operand element once per output element it spreads to.
  if (consumer->getNumResults() == 1)
    return std::max<int64_t>(1, elementsOf(consumer->getResult(0)) / elementsOf(operand));
}

/// A convolution or pooling with padding reads its input through a padded
/// copy that the kernel materialises (IREE pads in memory).
bool readsPaddedWindow(Operation *consumer) {
  auto padded = [](ArrayRef<int64_t> pads) {
    return llvm::any_of(pads, [](int64_t pad) { return pad != 0; });
  };
  if (auto conv = dyn_cast<Conv2DOp>(consumer))
    return padded(conv.getPads());
  if (auto pool = dyn_cast<Pool2DOp>(consumer))
    return padded(pool.getPads());
  return false;
}

/// One-to-One, Reorganize and Shuffle: each input element goes to one place.
bool isOneToOneVariant(Operation *op) {
  auto mapped = dyn_cast<MappingTypeOpInterface>(op);
  if (!mapped)
    return false;
  MappingType type = mapped.getMappingType();
  return type == MappingType::one_to_one || type == MappingType::reorganize ||
         type == MappingType::shuffle;
}

/// The contraction whose result reaches `op` through One-to-One (or
/// Reorganize, Shuffle) ops and is used by such ops only, if any: that chain
/// can fuse into the contraction as its consumer instead.
Operation *contractionFeeding(Operation *op) {
  while (true) {
    Operation *chain = nullptr;
    for (Value operand : op->getOperands()) {
      auto producer = operand.getDefiningOp<MappingTypeOpInterface>();
      if (!producer)
        continue;
      if (producer.getMappingType() == MappingType::many_to_many &&
          llvm::all_of(producer->getUsers(), isOneToOneVariant))
        return producer;
      if (isOneToOneVariant(producer) && !chain)
        chain = producer;
    }
    if (!chain)
      return nullptr;
    op = chain;
  }
}

class CostModelOracle : public FusionOracle {
public:
  Verdict judge(const FusionCandidate &candidate) override {
    Operation *producer = candidate.producer, *consumer = candidate.consumer;
    if (readsPaddedWindow(consumer))
      return {false, "cost model: the padded window reads a padded copy of its input, so "
                     "fusing saves no memory traffic"};
    auto mapping = [](Operation *op) { return cast<MappingTypeOpInterface>(op).getMappingType(); };
    if (isOneToOneVariant(producer) && mapping(consumer) == MappingType::many_to_many &&
        contractionFeeding(producer))
      return {false, "cost model: the elementwise chain fuses into the contraction producing "
                     "it with the same saving and no recomputation"};
    int64_t saved = kDispatchFlops, recomputed = 0;
    int64_t producerFlops = 0;
    if (auto cost = dyn_cast<CostOpInterface>(producer))
      producerFlops = cost.getFlops();
    for (Value result : producer->getResults()) {
      if (!llvm::is_contained(consumer->getOperands(), result))
        continue;
      // The consumer's read is saved; the producer's write too unless an op
      // outside the pair still needs the value in memory.
      bool onlyConsumer = llvm::all_of(result.getUsers(),
                                       [&](Operation *user) { return user == consumer; });
      saved += bytesOf(result) * kFlopsPerByte * (onlyConsumer ? 2 : 1);
      recomputed = std::max(recomputed, producerFlops * (recomputeFactor(consumer, result) - 1));
    }
    std::string reason;
    llvm::raw_string_ostream os(reason);
    os << "cost model: saves ~" << saved << " flop-equivalents of memory traffic and launch, "
       << "recomputes " << recomputed << " flops";
    return {saved > recomputed, reason};
  }
};

//===----------------------------------------------------------------------===//
// Profile database
//===----------------------------------------------------------------------===//

/// The candidate's structure and shapes: op names, attributes, types and
/// which operand the edge feeds. Constant values do not enter it: timing
/// depends on shapes, not on weights.
std::string candidateKey(const FusionCandidate &candidate) {
  std::string key;
  llvm::raw_string_ostream os(key);
  auto describe = [&](Operation *op) {
    os << op->getName().getStringRef();
    if (!op->getAttrDictionary().empty())
      os << op->getAttrDictionary();
    os << "(" << op->getOperandTypes() << ") -> (" << op->getResultTypes() << ")";
  };
  describe(candidate.producer);
  os << " => ";
  describe(candidate.consumer);
  for (OpOperand &use : candidate.consumer->getOpOperands())
    if (use.get().getDefiningOp() == candidate.producer)
      os << " @" << use.getOperandNumber();
  return key;
}

/// A module with one function @candidate computing the consumer from the
/// pair's inputs (constants become splats of their type: timing does not
/// depend on weight values), the pair wrapped in braze.fused or not.
std::string candidateProgram(const FusionCandidate &candidate, bool fused) {
  Operation *producer = candidate.producer, *consumer = candidate.consumer;
  MLIRContext *context = producer->getContext();
  OpBuilder builder(context);
  Location loc = producer->getLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  builder.setInsertionPointToEnd(module->getBody());

  SmallVector<Value> inputs;
  for (Operation *op : {producer, consumer})
    for (Value operand : op->getOperands())
      if (operand.getDefiningOp() != producer && !llvm::is_contained(inputs, operand) &&
          !matchPattern(operand, m_Constant()))
        inputs.push_back(operand);
  auto func = func::FuncOp::create(builder, loc, "candidate",
                                   builder.getFunctionType(ValueRange(inputs).getTypes(),
                                                           consumer->getResultTypes()));
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToEnd(body);
  IRMapping mapping;
  mapping.map(inputs, body->getArguments());
  for (Operation *op : {producer, consumer})
    for (Value operand : op->getOperands())
      if (!mapping.contains(operand) && operand.getDefiningOp() != producer) {
        auto type = cast<RankedTensorType>(operand.getType());
        Attribute one = isa<FloatType>(type.getElementType())
                            ? Attribute(builder.getFloatAttr(type.getElementType(), 0.5))
                            : Attribute(builder.getIntegerAttr(type.getElementType(), 1));
        mapping.map(operand, ConstantOp::create(builder, loc, DenseElementsAttr::get(type, one)));
      }
  auto clonePair = [&](OpBuilder &inner) {
    inner.clone(*producer, mapping);
    return inner.clone(*consumer, mapping)->getResults();
  };
  SmallVector<Value> results;
  if (fused) {
    auto group = FusedOp::create(builder, loc, consumer->getResultTypes(),
                                 candidate.cell.fused);
    OpBuilder inner = OpBuilder::atBlockEnd(&group.getBody().emplaceBlock());
    YieldOp::create(inner, loc, clonePair(inner));
    results.assign(group.getResults().begin(), group.getResults().end());
  } else {
    auto cloned = clonePair(builder);
    results.assign(cloned.begin(), cloned.end());
  }
  func::ReturnOp::create(builder, loc, results);
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return text;
}

class ProfileDatabaseOracle : public FusionOracle {
public:
  ProfileDatabaseOracle(std::string path, llvm::json::Object database,
                        std::unique_ptr<FusionOracle> fallback)
      : path(std::move(path)), database(std::move(database)), fallback(std::move(fallback)) {}

  Verdict judge(const FusionCandidate &candidate) override {
    std::string key = candidateKey(candidate);
    if (const llvm::json::Object *entry = measurements()->getObject(key)) {
      std::optional<double> fused = entry->getNumber("fused_ms");
      std::optional<double> unfused = entry->getNumber("unfused_ms");
      std::string reason;
      llvm::raw_string_ostream os(reason);
      if (!fused || !unfused) {
        os << "measured: the fused kernel does not compile through IREE";
        if (std::optional<StringRef> error = entry->getString("error"))
          os << " (" << *error << ")";
        return {false, reason};
      }
      os << llvm::format("measured through IREE: fused %.4f ms, unfused %.4f ms", *fused,
                         *unfused);
      return {*fused < *unfused, reason};
    }
    Verdict verdict = fallback->judge(candidate);
    verdict.reason = "not yet measured (pending in the profile database); " + verdict.reason;
    if (!pending()->get(key))
      pending()->try_emplace(key, llvm::json::Object{
                                      {"fused", candidateProgram(candidate, true)},
                                      {"unfused", candidateProgram(candidate, false)},
                                  });
    return verdict;
  }

  LogicalResult finish() override {
    std::error_code error;
    llvm::raw_fd_ostream os(path, error);
    if (error)
      return failure();
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(database))) << "\n";
    return success();
  }

private:
  llvm::json::Object *measurements() { return database.getObject("measurements"); }
  llvm::json::Object *pending() { return database.getObject("pending"); }

  std::string path;
  llvm::json::Object database;
  std::unique_ptr<FusionOracle> fallback;
};

} // namespace

std::unique_ptr<FusionOracle> createCostModelOracle() {
  return std::make_unique<CostModelOracle>();
}

FailureOr<std::unique_ptr<FusionOracle>>
createProfileDatabaseOracle(StringRef path, std::unique_ptr<FusionOracle> fallback,
                            Location diagnosticLoc) {
  llvm::json::Object database;
  if (llvm::sys::fs::exists(path)) {
    auto buffer = llvm::MemoryBuffer::getFile(path);
    if (!buffer)
      return emitError(diagnosticLoc) << "cannot read the fusion profile database " << path;
    llvm::Expected<llvm::json::Value> parsed = llvm::json::parse((*buffer)->getBuffer());
    if (!parsed) {
      return emitError(diagnosticLoc)
             << path << " is not a fusion profile database: "
             << llvm::toString(parsed.takeError());
    }
    if (!parsed->getAsObject())
      return emitError(diagnosticLoc) << path << " is not a fusion profile database: "
                                      << "expected a JSON object";
    database = std::move(*parsed->getAsObject());
  }
  for (StringRef section : {"measurements", "pending"}) {
    if (!database.get(section))
      database[section] = llvm::json::Object();
    else if (!database.getObject(section))
      return emitError(diagnosticLoc) << path << " is not a fusion profile database: \""
                                      << section << "\" must be a JSON object";
  }
  return std::unique_ptr<FusionOracle>(std::make_unique<ProfileDatabaseOracle>(
      path.str(), std::move(database), std::move(fallback)));
}

} // namespace mlir::braze::fusion
