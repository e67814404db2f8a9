//===- PrunePatterns.cpp - PatDNN pattern + connectivity pruning ----------===//
//
// Pattern pruning keeps, in every 3x3 kernel, the taps of one pattern from a
// small library; connectivity pruning removes whole kernels. PatDNN makes
// that fast with hand-written kernels per pattern. braze compiles through
// IREE, which runs dense contractions well and nothing irregular, so the
// structure is chosen for a dense lowering: all kernels of one input channel
// (one per filter, a kernel group in RT3D's terms) share a pattern, and the
// channels are reordered so that each pattern's channels are contiguous.
// The lowering then gathers, per pattern, only its kept taps of its channels
// and does one matrix product with the kept weights (Contraction.cpp).
//
// Which layers pay: on the host (1 thread, AVX-512) the gathering costs
// about what a dense 3x3 convolution with 64 filters costs per input
// element, so it pays back only with more filters. Measured, 4-of-9
// patterns, 8 patterns, dense conv vs gathered taps + product:
//   80x80, 64 -> 64:    2.92 ms dense, 3.54 ms sparse (slower)
//   56x56, 128 -> 128:  6.52 ms dense, 4.30 ms sparse (1.5x)
//   28x28, 256 -> 256: 14.5 ms dense,  3.80 ms sparse (3.8x)
// hence min-filters = 128 by default.
//
// 1x1 convolutions have no taps to drop; their sparsity is in the input
// channels (SparseByteNN's fine-grained kind, made dense-friendly): blocks of
// consecutive filters share a mask over groups of consecutive input channels,
// so each block is one dense product over its kept channels, which the
// lowering gathers. Gathering copies, per pixel, the kept channels once per
// block; the product saves block * (1 - keep) / keep multiply-adds per copied
// element. Measured (host, 1 thread, keep 1/2 unless said; dense vs sparse):
//   56x56, 128 -> 128, blocks of 32:               1.82 ms dense, 2.26 sparse
//   56x56, 128 -> 128, blocks of 64:               1.88 ms dense, 1.56 sparse
//   56x56, 128 -> 128, blocks of 32, keep 1/4:     1.73 ms dense, 1.11 sparse
//   14x14, 512 -> 512, blocks of 128:              1.52 ms dense, 0.87 sparse
//   3x80, 480 -> 480, blocks of 120:               1.70 ms dense, 1.23 sparse
// (32, 64, 96 and 128 saved per copied element): it pays from about 64,
// pointwise-min-saving's default.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Rewrite/WeightFolding.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <cmath>
#include <map>
#include <numeric>

namespace mlir::braze {
#define GEN_PASS_DEF_BRAZEPRUNEPATTERNS
#include "passes/Passes.h.inc"

namespace {

constexpr int64_t kWindowTaps = 9;
constexpr int64_t kCentreTap = 4;

/// A pattern as a 9-bit mask over the row-major 3x3 window.
using TapMask = unsigned;

std::string maskString(TapMask mask) {
  std::string text(kWindowTaps, '0');
  for (int64_t tap = 0; tap < kWindowTaps; ++tap)
    if (mask & (1u << tap))
      text[tap] = '1';
  return text;
}

/// The mask of a kernel's `kept` largest-magnitude taps, the centre always
/// among them (ties go to the earlier tap).
TapMask largestTaps(ArrayRef<double> kernel, int64_t kept) {
  SmallVector<int64_t> others;
  for (int64_t tap = 0; tap < kWindowTaps; ++tap)
    if (tap != kCentreTap)
      others.push_back(tap);
  llvm::stable_sort(others, [&](int64_t a, int64_t b) {
    return std::abs(kernel[a]) > std::abs(kernel[b]);
  });
  TapMask mask = 1u << kCentreTap;
  for (int64_t i = 0; i < kept - 1; ++i)
    mask |= 1u << others[i];
  return mask;
}

/// A (M, C, 3, 3) filter, row-major.
struct Filter3x3 {
  SmallVector<double> values;
  int64_t filters, channels;

  double &at(int64_t f, int64_t c, int64_t tap) {
    return values[(f * channels + c) * kWindowTaps + tap];
  }
  ArrayRef<double> kernel(int64_t f, int64_t c) const {
    return ArrayRef<double>(values).slice((f * channels + c) * kWindowTaps, kWindowTaps);
  }
  /// Per input channel, the weight energy (sum of squares over the filters)
  /// at each tap: what a pattern keeps of a channel is the sum over its taps.
  SmallVector<std::array<double, kWindowTaps>> tapEnergy() const {
    SmallVector<std::array<double, kWindowTaps>> energy(channels, {});
    for (int64_t f = 0; f < filters; ++f)
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t tap = 0; tap < kWindowTaps; ++tap)
          energy[c][tap] += kernel(f, c)[tap] * kernel(f, c)[tap];
    return energy;
  }
};

/// Whether `op` computes each element of its single result from the same
/// element of its single non-scalar operand, identically for every channel:
/// then permuting the channels of its input permutes its output alike.
bool isChannelUniformElementwise(Operation *op) {
  auto mapping = dyn_cast<MappingTypeOpInterface>(op);
  if (!mapping || mapping.getMappingType() != MappingType::one_to_one ||
      op->getNumResults() != 1)
    return false;
  int64_t images = 0;
  for (Value operand : op->getOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.getType());
    if (type && type.getNumElements() == 1 && operand.getDefiningOp<ConstantOp>())
      continue;
    if (operand.getType() != op->getResult(0).getType())
      return false;
    ++images;
  }
  return images == 1;
}

/// The convolution producing `conv`'s input through channel-uniform
/// elementwise ops and pools, each value on the way used once: permuting its filters
/// permutes `conv`'s input channels. Else the reason it cannot be done.
FailureOr<Conv2DOp> reorderableProducer(Conv2DOp conv, std::string &why) {
  Value value = conv.getInput();
  while (true) {
    if (!value.hasOneUse()) {
      why = "input channels cannot be reordered: the input has other users";
      return failure();
    }
    Operation *producer = value.getDefiningOp();
    if (!producer) {
      why = "input channels cannot be reordered: the input is a function argument";
      return failure();
    }
    if (auto producerConv = dyn_cast<Conv2DOp>(producer)) {
      if (producerConv.getChannelBlocksAttr()) {
        // Its filters' order is its blocks'.
        why = "input channels cannot be reordered: the producing convolution is channel-blocked";
        return failure();
      }
      if (producerConv.getGroup() != 1 || !getF32Constant(producerConv.getFilter()) ||
          (producerConv.getBias() && !getF32Constant(producerConv.getBias()))) {
        why = "input channels cannot be reordered: the producing convolution is grouped "
              "or its weights are not f32 constants";
        return failure();
      }
      return producerConv;
    }
    if (auto pool = dyn_cast<Pool2DOp>(producer)) {
      value = pool.getInput(); // pools each channel on its own
      continue;
    }
    if (!isChannelUniformElementwise(producer)) {
      why = ("input channels cannot be reordered: produced by " +
             producer->getName().getStringRef() + ", not a convolution")
                .str();
      return failure();
    }
    value = *llvm::find_if(producer->getOperands(), [&](Value operand) {
      return operand.getType() == producer->getResult(0).getType();
    });
  }
}

/// Why `conv` is no candidate for either kind of pruning, or an empty string.
std::string commonIneligibility(Conv2DOp conv) {
  if (conv.getGroup() != 1)
    return "grouped or depthwise";
  if (conv.getKernelPatternsAttr() || conv.getChannelBlocksAttr())
    return "already pruned";
  if (!getF32Constant(conv.getFilter()))
    return "filter is not an f32 constant";
  return "";
}

/// Why the 3x3 `conv` is not a pattern candidate, or an empty string.
std::string ineligibility(Conv2DOp conv, int64_t minFilters) {
  ArrayRef<int64_t> filter = conv.getFilter().getType().getShape();
  if (filter[2] != 3 || filter[3] != 3)
    return llvm::formatv("{0}x{1} kernel, neither 3x3 nor 1x1", filter[2], filter[3]).str();
  if (std::string reason = commonIneligibility(conv); !reason.empty())
    return reason;
  if (filter[0] < minFilters)
    return llvm::formatv("{0} filters, fewer than min-filters={1}: gathering the kept taps "
                         "costs more than it saves",
                         filter[0], minFilters)
        .str();
  return "";
}

struct LayerReport {
  std::string name, decision, reason;
  SmallVector<int64_t> filterShape;
  double keptWeights = 1.0, relativeOutputChange = 0.0;
  int64_t prunedChannels = 0;
  std::map<std::string, int64_t> patternChannels;
  int64_t keptGroupsPerBlock = 0; // channel blocks of a 1x1 convolution
};

/// Zeroes the entries of `values` that `keep` rejects and records in
/// `report` the fraction kept and the relative output change (the square
/// root of the energy lost over the energy there was).
template <typename KeepFn>
void zeroPruned(MutableArrayRef<double> values, KeepFn keep, LayerReport &report) {
  double total = 0, lost = 0;
  int64_t kept = 0;
  for (auto [index, weight] : llvm::enumerate(values)) {
    total += weight * weight;
    if (keep(index)) {
      ++kept;
    } else {
      lost += weight * weight;
      weight = 0.0;
    }
  }
  report.keptWeights = static_cast<double>(kept) / values.size();
  report.relativeOutputChange = total > 0 ? std::sqrt(lost / total) : 0.0;
}

/// A convolution to prune, the convolution whose filters reorder its input
/// channels, its filter, and its row in the report.
struct Candidate {
  Conv2DOp conv, producer;
  Filter3x3 filter;
  size_t report;
};

/// Input-channel groups each block of a 1x1 convolution with `groups`
/// groups keeps at `keep`: the nearest count, at least one.
int64_t keptGroups(int64_t groups, double keep) {
  return std::clamp<int64_t>(std::llround(keep * groups), 1, groups);
}

struct PrunePatternsPass : impl::BrazePrunePatternsBase<PrunePatternsPass> {
  using BrazePrunePatternsBase::BrazePrunePatternsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (keptTaps < 1 || keptTaps > kWindowTaps || numPatterns < 1 || connectivity < 0.0 ||
        connectivity >= 1.0) {
      module.emitError() << "--braze-prune-patterns: taps must be in 1..9, patterns >= 1 "
                            "and connectivity in [0, 1); got taps="
                         << keptTaps.getValue() << " patterns=" << numPatterns.getValue()
                         << " connectivity=" << connectivity.getValue();
      return signalPassFailure();
    }
    if (!(pointwiseKeep > 0.0 && pointwiseKeep <= 1.0) || pointwiseBlock < 1 ||
        pointwiseGroup < 1) {
      module.emitError() << "--braze-prune-patterns: pointwise-keep must be in (0, 1], "
                            "pointwise-block and pointwise-group >= 1; got pointwise-keep="
                         << pointwiseKeep.getValue()
                         << " pointwise-block=" << pointwiseBlock.getValue()
                         << " pointwise-group=" << pointwiseGroup.getValue();
      return signalPassFailure();
    }

    SmallVector<LayerReport> reports;
    SmallVector<Candidate> candidates;
    SmallVector<std::pair<Conv2DOp, size_t>> pointwise;
    module.walk([&](Conv2DOp conv) {
      LayerReport report;
      report.name = foldedConstantName(conv, "");
      report.filterShape.assign(conv.getFilter().getType().getShape().begin(),
                                conv.getFilter().getType().getShape().end());
      report.decision = "dense";
      if (isPointwise(conv)) {
        report.reason = pointwiseIneligibility(conv);
        if (report.reason.empty()) {
          report.decision = "sparse";
          pointwise.push_back({conv, reports.size()});
        }
      } else {
        report.reason = ineligibility(conv, minFilters);
        FailureOr<Conv2DOp> producer = failure();
        if (report.reason.empty())
          producer = reorderableProducer(conv, report.reason);
        if (succeeded(producer)) {
          report.decision = "sparse";
          candidates.push_back({conv, *producer, readFilter(conv), reports.size()});
        }
      }
      if (report.decision == "dense")
        ++numDense;
      reports.push_back(std::move(report));
    });

    FailureOr<SmallVector<TapMask>> patterns = chooseLibrary(candidates);
    if (failed(patterns))
      return signalPassFailure();
    for (Candidate &candidate : candidates) {
      prune(candidate, *patterns, reports[candidate.report]);
      ++numPruned;
    }
    // After the patterns: their reorder may permute a 1x1 convolution's
    // filters, which would scatter its blocks.
    for (auto [conv, report] : pointwise) {
      pruneChannelBlocks(conv, reports[report]);
      ++numBlocked;
    }
    if (!reportFile.empty() && failed(writeReport(reports, *patterns)))
      return signalPassFailure();
  }

  /// The user's library, or the `patterns` most frequent largest-tap masks
  /// of the candidates' kernels (ties: the smaller mask first).
  FailureOr<SmallVector<TapMask>> chooseLibrary(ArrayRef<Candidate> candidates) {
    SmallVector<TapMask> chosen;
    if (!library.empty()) {
      for (const std::string &text : library) {
        TapMask mask = 0;
        if (text.size() != kWindowTaps ||
            !llvm::all_of(text, [](char c) { return c == '0' || c == '1'; })) {
          getOperation().emitError() << "--braze-prune-patterns: library pattern '" << text
                                     << "' is not a 9-character row-major mask of 0s and 1s";
          return failure();
        }
        for (int64_t tap = 0; tap < kWindowTaps; ++tap)
          if (text[tap] == '1')
            mask |= 1u << tap;
        if (llvm::popcount(mask) != keptTaps) {
          getOperation().emitError() << "--braze-prune-patterns: library pattern '" << text
                                     << "' keeps " << llvm::popcount(mask)
                                     << " taps, not taps=" << keptTaps.getValue();
          return failure();
        }
        if (!llvm::is_contained(chosen, mask))
          chosen.push_back(mask);
      }
      return chosen;
    }
    std::map<TapMask, int64_t> frequency;
    for (const Candidate &candidate : candidates) {
      const Filter3x3 &filter = candidate.filter;
      for (int64_t f = 0; f < filter.filters; ++f)
        for (int64_t c = 0; c < filter.channels; ++c)
          ++frequency[largestTaps(filter.kernel(f, c), keptTaps)];
    }
    SmallVector<std::pair<TapMask, int64_t>> ranked(frequency.begin(), frequency.end());
    llvm::stable_sort(ranked, [](auto a, auto b) { return a.second > b.second; });
    for (TapMask mask : llvm::make_first_range(ranked))
      if (static_cast<int64_t>(chosen.size()) < numPatterns)
        chosen.push_back(mask);
    return chosen;
  }

  static bool isPointwise(Conv2DOp conv) {
    ArrayRef<int64_t> filter = conv.getFilter().getType().getShape();
    return filter[2] == 1 && filter[3] == 1;
  }

  /// Why the 1x1 `conv` is not a channel-block candidate, or an empty string.
  std::string pointwiseIneligibility(Conv2DOp conv) {
    if (pointwiseKeep >= 1.0)
      return "1x1 kernel, pointwise-keep=1 keeps every input channel";
    if (std::string reason = commonIneligibility(conv); !reason.empty())
      return reason;
    if (llvm::any_of(conv.getPads(), [](int64_t pad) { return pad != 0; }))
      return "padded 1x1 convolution";
    ArrayRef<int64_t> filter = conv.getFilter().getType().getShape();
    if (filter[0] < minFilters)
      return llvm::formatv("{0} filters, fewer than min-filters={1}: the products are too "
                           "small to pay for gathering their channels",
                           filter[0], minFilters)
          .str();
    if (filter[0] % pointwiseBlock != 0 || filter[1] % pointwiseGroup != 0)
      return llvm::formatv("{0} filters and {1} channels are not whole blocks of "
                           "pointwise-block={2} and groups of pointwise-group={3}",
                           filter[0], filter[1], pointwiseBlock, pointwiseGroup)
          .str();
    int64_t groups = filter[1] / pointwiseGroup, kept = keptGroups(groups, pointwiseKeep);
    if (kept == groups)
      return llvm::formatv("pointwise-keep={0} keeps all {1} input-channel groups",
                           pointwiseKeep, groups)
          .str();
    double saved = pointwiseBlock * static_cast<double>(groups - kept) / kept;
    if (saved < pointwiseMinSaving)
      return llvm::formatv("keeping {0} of {1} groups in blocks of {2} saves {3:f1} "
                           "multiply-adds per gathered input, fewer than "
                           "pointwise-min-saving={4}: gathering costs more than it saves",
                           kept, groups, pointwiseBlock, saved, pointwiseMinSaving)
          .str();
    return "";
  }

  /// Keeps, for each block of filters of the 1x1 `conv`, the input-channel
  /// groups with the most weight energy over the block, and zeroes the rest.
  void pruneChannelBlocks(Conv2DOp conv, LayerReport &report) {
    ArrayRef<int64_t> shape = conv.getFilter().getType().getShape();
    int64_t filters = shape[0], channels = shape[1];
    int64_t groups = channels / pointwiseGroup, kept = keptGroups(groups, pointwiseKeep);
    SmallVector<double> filter = *getF32Constant(conv.getFilter());
    SmallVector<int64_t> keptIndices;
    SmallVector<bool> keepGroup(filters / pointwiseBlock * groups, false);
    for (int64_t block = 0; block < filters / pointwiseBlock; ++block) {
      SmallVector<double> energy(groups, 0.0);
      for (int64_t f = block * pointwiseBlock; f < (block + 1) * pointwiseBlock; ++f)
        for (int64_t c = 0; c < channels; ++c)
          energy[c / pointwiseGroup] += filter[f * channels + c] * filter[f * channels + c];
      SmallVector<int64_t> order(groups);
      std::iota(order.begin(), order.end(), 0);
      llvm::stable_sort(order, [&](int64_t a, int64_t b) { return energy[a] > energy[b]; });
      SmallVector<int64_t> chosen(order.begin(), order.begin() + kept);
      llvm::sort(chosen);
      for (int64_t group : chosen)
        keepGroup[block * groups + group] = true;
      llvm::append_range(keptIndices, chosen);
    }
    zeroPruned(
        filter,
        [&](int64_t index) {
          int64_t f = index / channels, c = index % channels;
          return keepGroup[f / pointwiseBlock * groups + c / pointwiseGroup];
        },
        report);
    report.keptGroupsPerBlock = kept;
    OpBuilder builder(conv);
    conv.getFilterMutable().assign(createF32Constant(builder, conv.getLoc(),
                                                     conv.getFilter().getType(), filter,
                                                     foldedConstantName(conv, "_channel_blocked")));
    conv.setChannelBlocksAttr(
        ChannelBlocksAttr::get(conv.getContext(), pointwiseBlock, pointwiseGroup, keptIndices));
  }

  static Filter3x3 readFilter(Conv2DOp conv) {
    ArrayRef<int64_t> shape = conv.getFilter().getType().getShape();
    return Filter3x3{*getF32Constant(conv.getFilter()), shape[0], shape[1]};
  }

  /// Assigns each input channel of `conv` its pattern, removes the weakest
  /// kernel groups, zeroes the pruned taps, and permutes the channels so
  /// that each pattern's are contiguous (the producer's filters alike).
  void prune(Candidate &candidate, ArrayRef<TapMask> patterns, LayerReport &report) {
    Conv2DOp conv = candidate.conv;
    Filter3x3 &filter = candidate.filter;
    int64_t channels = filter.channels;
    SmallVector<std::array<double, kWindowTaps>> tapEnergy = filter.tapEnergy();
    auto keptEnergy = [&](int64_t c, TapMask mask) {
      double energy = 0;
      for (int64_t tap = 0; tap < kWindowTaps; ++tap)
        if (mask & (1u << tap))
          energy += tapEnergy[c][tap];
      return energy;
    };
    SmallVector<int64_t> channelPattern(channels);
    SmallVector<double> channelEnergy(channels);
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t p = 0, e = patterns.size(); p < e; ++p) {
        double energy = keptEnergy(c, patterns[p]);
        if (p == 0 || energy > channelEnergy[c]) {
          channelPattern[c] = p;
          channelEnergy[c] = energy;
        }
      }
    }
    // Connectivity pruning: the weakest kernel groups go, at least one stays.
    int64_t removed = std::min<int64_t>(std::floor(connectivity * channels), channels - 1);
    SmallVector<int64_t> byEnergy(channels);
    std::iota(byEnergy.begin(), byEnergy.end(), 0);
    llvm::stable_sort(byEnergy, [&](int64_t a, int64_t b) {
      return channelEnergy[a] < channelEnergy[b];
    });
    for (int64_t i = 0; i < removed; ++i)
      channelPattern[byEnergy[i]] = KernelPatternsAttr::kPrunedChannel;

    zeroPruned(
        filter.values,
        [&](int64_t index) {
          int64_t c = index / kWindowTaps % channels, tap = index % kWindowTaps;
          return channelPattern[c] != KernelPatternsAttr::kPrunedChannel &&
                 (patterns[channelPattern[c]] & (1u << tap));
        },
        report);
    report.prunedChannels = removed;
    for (int64_t pattern : channelPattern)
      if (pattern != KernelPatternsAttr::kPrunedChannel)
        ++report.patternChannels[maskString(patterns[pattern])];

    // Filter-kernel reorder: channel order sorted by pattern, pruned last.
    SmallVector<int64_t> order(channels);
    std::iota(order.begin(), order.end(), 0);
    auto rank = [&](int64_t c) {
      return channelPattern[c] == KernelPatternsAttr::kPrunedChannel
                 ? static_cast<int64_t>(patterns.size())
                 : channelPattern[c];
    };
    llvm::stable_sort(order, [&](int64_t a, int64_t b) { return rank(a) < rank(b); });
    bool identity = llvm::equal(order, llvm::seq<int64_t>(0, channels));

    OpBuilder builder(conv);
    Filter3x3 reordered = filter;
    SmallVector<int64_t> reorderedPattern(channels);
    for (int64_t position = 0; position < channels; ++position) {
      reorderedPattern[position] = channelPattern[order[position]];
      for (int64_t f = 0; f < filter.filters; ++f)
        for (int64_t tap = 0; tap < kWindowTaps; ++tap)
          reordered.at(f, position, tap) = filter.at(f, order[position], tap);
    }
    conv.getFilterMutable().assign(
        createF32Constant(builder, conv.getLoc(), conv.getFilter().getType(),
                          reordered.values, foldedConstantName(conv, "_pattern_pruned")));
    if (!identity) {
      permuteOutputChannels(candidate.producer, order);
      ++numReordered;
    }
    SmallVector<Attribute> masks = llvm::to_vector(llvm::map_range(
        patterns, [&](TapMask mask) -> Attribute { return builder.getStringAttr(maskString(mask)); }));
    conv.setKernelPatternsAttr(KernelPatternsAttr::get(
        conv.getContext(), builder.getArrayAttr(masks), reorderedPattern));
  }

  /// Output channel `position` of `conv` becomes its old channel `order[position]`.
  static void permuteOutputChannels(Conv2DOp conv, ArrayRef<int64_t> order) {
    OpBuilder builder(conv);
    SmallVector<double> filter = *getF32Constant(conv.getFilter());
    int64_t perFilter = filter.size() / order.size();
    SmallVector<double> permuted(filter.size());
    for (auto [position, old] : llvm::enumerate(order))
      std::copy_n(filter.begin() + old * perFilter, perFilter,
                  permuted.begin() + position * perFilter);
    conv.getFilterMutable().assign(createF32Constant(builder, conv.getLoc(),
                                                     conv.getFilter().getType(), permuted,
                                                     foldedConstantName(conv, "_reordered")));
    if (!conv.getBias())
      return;
    SmallVector<double> bias = *getF32Constant(conv.getBias());
    SmallVector<double> permutedBias(bias.size());
    for (auto [position, old] : llvm::enumerate(order))
      permutedBias[position] = bias[old];
    conv.getBiasMutable().assign(createF32Constant(builder, conv.getLoc(),
                                                   conv.getBias().getType(), permutedBias,
                                                   foldedConstantName(conv, "_bias_reordered")));
  }

  LogicalResult writeReport(ArrayRef<LayerReport> reports, ArrayRef<TapMask> patterns) {
    llvm::json::Array layers;
    for (const LayerReport &report : reports) {
      llvm::json::Object patternChannels;
      for (auto &[mask, count] : report.patternChannels)
        patternChannels[mask] = count;
      layers.push_back(llvm::json::Object{
          {"name", report.name},
          {"filter_shape", llvm::json::Array(report.filterShape)},
          {"decision", report.decision},
          {"reason", report.reason},
          {"kept_weights", report.keptWeights},
          {"relative_output_change", report.relativeOutputChange},
          {"pruned_channels", report.prunedChannels},
          {"pattern_channels", std::move(patternChannels)},
          {"kept_groups_per_block", report.keptGroupsPerBlock},
      });
    }
    llvm::json::Array masks;
    for (TapMask mask : patterns)
      masks.push_back(maskString(mask));
    std::error_code error;
    llvm::raw_fd_ostream os(reportFile, error);
    if (error)
      return getOperation().emitError()
             << "cannot write the pruning report to " << reportFile << ": " << error.message();
    os << llvm::formatv("{0:2}", llvm::json::Value(llvm::json::Object{
                                     {"library", std::move(masks)},
                                     {"taps", keptTaps.getValue()},
                                     {"connectivity", connectivity.getValue()},
                                     {"pointwise_keep", pointwiseKeep.getValue()},
                                     {"pointwise_block", pointwiseBlock.getValue()},
                                     {"pointwise_group", pointwiseGroup.getValue()},
                                     {"layers", std::move(layers)}}))
       << "\n";
    return success();
  }
};

} // namespace
} // namespace mlir::braze
