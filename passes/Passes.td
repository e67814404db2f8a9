//===- Passes.td - braze passes ----------------------------*- tablegen -*-===//
//
// One section per pass family; each family lives in its own folder under
// passes/ and each pass has its own lit file under test/<Family>/.
//
//===----------------------------------------------------------------------===//

#ifndef BRAZE_PASSES_TD
#define BRAZE_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Analysis: make the interfaces' answers visible in the IR
//===----------------------------------------------------------------------===//

def BrazeAnnotateMapping : Pass<"braze-annotate-mapping"> {
  let summary = "Attach each op's mapping type and layout group as attributes";
  let description = [{
    Sets `braze.mapping = #braze.mapping<...>` on every op implementing
    MappingTypeOpInterface and `braze.layout_group = #braze.layout_group<...>`
    on every op implementing LayoutOpInterface, so that the classification
    that drives fusion and layout selection can be read (and FileChecked) in
    the IR. With `summary`, also emits one remark per function counting its
    ops by mapping type.
  }];
  let options = [
    Option<"summary", "summary", "bool", /*default=*/"false",
           "Emit a remark per function with the op count of each mapping type">,
  ];
}

//===----------------------------------------------------------------------===//
// Rewrite: algebraic graph rewriting at compile time
//===----------------------------------------------------------------------===//

def BrazeFoldBatchNorm : Pass<"braze-fold-batch-norm"> {
  let summary = "Fold inference batch norms into convolutions or a multiply-add";
  let description = [{
    A batch norm whose statistics are constants is a per-channel affine map
    y = a * x + b, a = scale / sqrt(variance + epsilon), b = bias - mean * a,
    computed here once instead of a square root and a division per element
    at run time. After a single-use braze.conv2d or braze.conv_transpose2d
    with a constant filter (and bias), a and b are folded into new filter and
    bias constants and the batch norm disappears; elsewhere it becomes
    braze.mul and braze.add with constant [C, 1, ...] vectors. Only f32
    constants are folded; other batch norms are left as they are.
  }];
}

def BrazeRewrite : Pass<"braze-rewrite"> {
  let summary = "Cost-guided algebraic graph rewriting (DNNFusion, Table 4)";
  let description = [{
    Rewrites subgraphs into cheaper equivalents. A rule fires only where the
    ops it adds cost strictly less than the ops it removes, cost being FLOPs
    plus bytes accessed from CostOpInterface; a matched intermediate counts
    as removed only when nothing but removed ops uses it, so no work is
    duplicated. Since every application lowers the total cost, rewriting
    terminates. Composite ops are recognised first, while their
    decompositions are intact; then all rules run together.
    - Composite ops: the decomposed LayerNorm of ONNX exports,
      (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps) [* gamma [+ beta]]
      with the means over trailing dims, becomes braze.layer_norm;
      x * 0.5 * (1 + erf(x / sqrt(2))) and its tanh approximation
      x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))), in any grouping
      of the product, become braze.gelu.
    - Distributive: A*B + A*C -> A*(B+C); A + A*B -> A*(B+1).
    - Associative: recip(X) * recip(Y) -> recip(X*Y), which covers Table 4's
      recip(A) * recip(A*B); two factors sqrt(B) of one product, as in
      sqrt(B) * sqrt(B) or (A*sqrt(B)) * (sqrt(B)*C), become one factor B.
      The latter is exact where sqrt(B) is defined (B >= 0); for B < 0 it
      turns the original NaN into B, a choice made for the models' domain.
    - Commutative: reduce prod(exp(A)) -> exp(reduce sum(A)).
    - Weights: a multiply by a constant per output channel (or scalar) after
      a single-use braze.conv2d / conv_transpose2d / matmul with constant
      weights scales the weights (and bias); an add of such a constant after
      a convolution with a constant (or no) bias goes into the bias; a scalar
      multiply of whole columns of x @ W [+ b] (constant W and b), read
      through reshapes, transposes and slices that no other reader of those
      columns shares, scales those columns of W and b (attention's q scale
      after a joint q/k/v projection).
    - Layout: transpose(transpose(x)) -> one transpose, or x; a matmul whose
      rhs is a computed value with its last two dims swapped (attention's
      K^T) reads it in place (rhs_transposed). Reshape chains
      and identity reshapes or transposes are removed by the ops' folders,
      which the rewrite driver applies.
    - Identities: x+0, x-0, x*1, x/1, x^1 and casts to the same type are
      removed where the constant does not broadcast x to a larger shape.
    Reassociation is not bit-exact in floating point: results agree with the
    original graph within rounding, and 1/(X*Y) may overflow where
    (1/X)*(1/Y) does not.
  }];
  let statistics = [
    Statistic<"numLayerNorms", "layer-norms", "Decomposed LayerNorms recognised">,
    Statistic<"numGelus", "gelus", "Decomposed GELUs recognised (erf or tanh form)">,
    Statistic<"numFactoredProducts", "factored-products", "A*B + A*C -> A*(B+C)">,
    Statistic<"numFactoredSums", "factored-sums", "A + A*B -> A*(B+1)">,
    Statistic<"numMergedReciprocals", "merged-reciprocals",
              "recip(X) * recip(Y) -> recip(X*Y)">,
    Statistic<"numSqrtPairs", "sqrt-pairs", "Two factors sqrt(B) of a product -> B">,
    Statistic<"numExpProducts", "exp-products",
              "reduce prod(exp(A)) -> exp(reduce sum(A))">,
    Statistic<"numFoldedScales", "folded-scales",
              "Constant multiplies folded into convolution or matmul weights">,
    Statistic<"numFoldedBiases", "folded-biases",
              "Constant adds folded into convolution biases">,
    Statistic<"numScaledColumns", "scaled-columns",
              "Scalar multiplies of moved matmul columns folded into those columns">,
    Statistic<"numComposedTransposes", "composed-transposes",
              "Transpose pairs composed into one transpose or none">,
    Statistic<"numTransposedOperands", "transposed-operands",
              "Transposes of a matmul's rhs read in place (rhs_transposed)">,
    Statistic<"numIdentities", "identities",
              "Identity arithmetic and same-type casts removed">,
    Statistic<"numRemovedReshapes", "removed-reshapes",
              "braze.reshape ops fewer after the pass (chains, identities)">,
    Statistic<"numRemovedTransposes", "removed-transposes",
              "braze.transpose ops fewer after the pass (pairs, identities)">,
  ];
}

//===----------------------------------------------------------------------===//
// Sparsity: pruning with structure the lowering turns into speed
//===----------------------------------------------------------------------===//

def BrazePrunePatterns : Pass<"braze-prune-patterns", "::mlir::ModuleOp"> {
  let summary = "Pattern and connectivity pruning of 3x3 convolutions (PatDNN), "
                "channel-block pruning of 1x1 ones";
  let description = [{
    Prunes the constant filters of dense 3x3 braze.conv2d ops to a library of
    kernel patterns and records the result as `kernel_patterns`:
    - Library: `patterns` masks keeping `taps` of the 9 taps, the centre
      always. Given with `library` (9-character row-major masks), or chosen
      from the model's own weights: the most frequent masks of each kernel's
      largest-magnitude taps over all convolutions pruned.
    - Patterns: all of an input channel's kernels (one per filter) form a
      kernel group that shares one pattern, the one keeping the most weight
      energy (sum of squares) of the group; the lowering then computes each
      pattern's channels as one dense sub-problem with only its kept taps.
    - Connectivity pruning: the `connectivity` fraction of each layer's
      kernel groups with the least kept energy is removed whole.
    - Filter-kernel reorder: the input channels are permuted so that each
      pattern's channels are contiguous, by permuting the filters (and bias)
      of the producing convolution, through elementwise ops and pools. Where the
      producer cannot be permuted (other users, no convolution) the layer is
      left dense.
    - Which layers: a convolution with fewer than `min-filters` filters stays
      dense: there the gathering of kept taps costs more than it saves
      (measured on the host, see passes/Sparsity/PrunePatterns.cpp).
    - 1x1 convolutions (with `pointwise-keep` below 1): channel-block
      sparsity in the spirit of SparseByteNN. The filters form blocks of
      `pointwise-block`, the input channels groups of `pointwise-group`;
      each block keeps the `pointwise-keep` fraction of the groups with the
      most weight energy over its filters, recorded as `channel_blocks`. The
      lowering gathers each block's kept channels and does one dense product
      per block. It pays where the multiply-adds saved per gathered input
      element, block * (1 - keep) / keep, reach `pointwise-min-saving` (64,
      measured on the host); below, and with fewer than `min-filters`
      filters, the layer stays dense.
    Pruned filters hold zeros at the pruned weights, so the IR means the pruned
    model whichever way it is lowered. `report-file` writes per layer the
    decision and its reason, the kept weights and the relative output
    change on i.i.d. inputs, ||W - W_pruned|| / ||W||, as JSON.
  }];
  let options = [
    Option<"numPatterns", "patterns", "int64_t", /*default=*/"8",
           "Patterns in the library chosen from the weights">,
    Option<"keptTaps", "taps", "int64_t", /*default=*/"4",
           "Taps of the 3x3 window each pattern keeps, the centre included">,
    ListOption<"library", "library", "std::string",
               "The pattern library as 9-character row-major masks "
               "(e.g. 010111000), instead of choosing it from the weights">,
    Option<"connectivity", "connectivity", "double", /*default=*/"0.0",
           "Fraction of each layer's kernel groups (input channels) removed whole">,
    Option<"minFilters", "min-filters", "int64_t", /*default=*/"128",
           "Convolutions with fewer filters stay dense">,
    Option<"pointwiseKeep", "pointwise-keep", "double", /*default=*/"1.0",
           "Fraction of the input-channel groups each block of a 1x1 "
           "convolution's filters keeps (1: 1x1 convolutions stay dense)">,
    Option<"pointwiseBlock", "pointwise-block", "int64_t", /*default=*/"64",
           "Filters per block sharing a 1x1 convolution's input-channel mask">,
    Option<"pointwiseGroup", "pointwise-group", "int64_t", /*default=*/"16",
           "Input channels per group of the 1x1 masks">,
    Option<"pointwiseMinSaving", "pointwise-min-saving", "int64_t", /*default=*/"64",
           "1x1 convolutions whose blocks save fewer multiply-adds per gathered "
           "input element stay dense">,
    Option<"reportFile", "report-file", "std::string", /*default=*/"\"\"",
           "Write the per-layer pruning report as JSON to this file">,
  ];
  let statistics = [
    Statistic<"numPruned", "pruned-convs", "3x3 convolutions pruned to patterns">,
    Statistic<"numBlocked", "channel-blocked-convs",
              "1x1 convolutions pruned to channel blocks">,
    Statistic<"numDense", "dense-convs", "3x3 and 1x1 convolutions left dense">,
    Statistic<"numReordered", "reordered-producers",
              "Producing convolutions whose filters were reordered">,
  ];
}

//===----------------------------------------------------------------------===//
// Lowering: braze -> what IREE compiles
//===----------------------------------------------------------------------===//

def BrazeFuse : Pass<"braze-fuse", "::mlir::ModuleOp"> {
  let summary = "Plan fusion groups by mapping type and form braze.fused regions";
  let description = [{
    DNNFusion's fusion planning. Every producer/consumer pair of mapping
    types has a cell in the fusion table (passes/Fusion/FusionTable.cpp):
    `fuse`, `profile` or `never`, and the mapping type of the fused group.
    Groups start from a seed, the unfused One-to-One op with the smallest
    result, and grow into successors, then predecessors, as long as the
    table allows, the group stays convex (no path leaves it and comes back)
    and, for `profile` cells, the oracle finds fusing faster:
    - `oracle=cost` (default): a cost model weighing the memory traffic and
      kernel launch saved against the producer's recomputation;
    - `oracle=profile`: timings of the fused and unfused candidate compiled
      through IREE, from the JSON database `profile-db`. Candidates it has not
      measured are judged by the cost model and written to the database as
      pending, with programs to time; `braze profile-fusion` measures them.
    Each group of two or more ops becomes a `braze.fused` region carrying its
    mapping type; lowering makes each one IREE dispatch. For `codegen=cpu`
    (IREE's llvm-cpu pipeline, the default) a group that IREE's own dispatch
    formation would split -- a contraction whose result is transposed --
    becomes a dispatch region; `codegen=gpu` (SPIR-V) leaves every group to
    IREE, whose SPIR-V pipeline cannot distribute such regions. `plan-file` writes
    the plan as JSON: ops, edges, groups and the decision on every edge
    considered, with its reason.
  }];
  let options = [
    Option<"oracle", "oracle", "std::string", /*default=*/"\"cost\"",
           "Who decides the table's profile cells: cost (cost model) or "
           "profile (measured timings from profile-db)">,
    Option<"profileDb", "profile-db", "std::string", /*default=*/"\"\"",
           "The fusion profile database (JSON) for oracle=profile">,
    Option<"planFile", "plan-file", "std::string", /*default=*/"\"\"",
           "Write the fusion plan as JSON to this file">,
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark per edge considered: its table cell, the decision "
           "and why">,
    Option<"codegen", "codegen", "std::string", /*default=*/"\"cpu\"",
           "IREE code generator the groups are formed for: cpu (llvm-cpu: "
           "dispatch regions where IREE would split a group) or gpu (SPIR-V: "
           "none)">,
  ];
  let statistics = [
    Statistic<"numGroups", "groups", "Fused groups formed">,
    Statistic<"numFusedOps", "fused-ops", "Ops placed in fused groups">,
    Statistic<"numProfiledFused", "profiled-fused",
              "Profile-cell edges the oracle fused">,
    Statistic<"numProfiledRejected", "profiled-rejected",
              "Profile-cell edges the oracle left unfused">,
  ];
}

def BrazeOutlineFusedGroups : Pass<"braze-outline-fused-groups", "::mlir::ModuleOp"> {
  let summary = "Replace each function by one function per fused group it holds";
  let description = [{
    For checking that each group is one kernel: every `braze.fused` op of
    `@f` becomes `@f_group<i>`, taking the group's inputs as arguments (its
    constants are copied in) and returning its results, in the layout the
    group computes in (the function is marked `braze.storage_order_boundary`
    so that lowering accepts that); the original functions are removed.
    Compiled through IREE, the module should have one dispatch per function
    (braze.fusion.group_dispatches).
  }];
}

def BrazeLowerToLinalg : Pass<"braze-lower-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower braze ops to linalg, tensor, arith and math for IREE";
  let description = [{
    Emits only what IREE 3.13 compiles: elementwise work as linalg.generic
    (IREE has no elementwise named linalg ops), convolutions and pooling as
    linalg's named NCHW ops after a tensor.pad, linalg.matmul/batch_matmul or
    a contraction generic for numpy matmul, linalg.softmax, reductions as
    generics with reduction loops, data movement as tensor ops. Constants stay
    dense resources. Tensors stored as #braze.layout<nhwc> are lowered in
    that storage order (channels-last convolutions and pooling, elementwise
    indexing maps that follow each operand's layout, linalg.transpose for
    braze.relayout); NC4HW4 tensors as (N, ceil(C/4), H, W, 4).
    `codegen=cpu` adds forms IREE's llvm-cpu pipeline tiles better than the
    named ops it would otherwise fold unit axes out of: a convolution sliding
    along one axis as one pointwise contraction per tap, a pooling of a few
    taps into a unit axis as one elementwise op over the tap windows, a
    single-image pointwise convolution as a (H, W, C) x (C, F) contraction.
    `codegen=gpu` keeps the named ops (IREE's SPIR-V pipeline miscompiles the
    pooling form fused with a reduction).
  }];
  let options = [
    Option<"codegen", "codegen", "std::string", /*default=*/"\"cpu\"",
           "IREE code generator the forms are chosen for: cpu (llvm-cpu) or "
           "gpu (SPIR-V)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect",
  ];
}

//===----------------------------------------------------------------------===//
// Layout: SmartMem's layout selection
//===----------------------------------------------------------------------===//

def BrazeSelectLayout : Pass<"braze-select-layout", "::mlir::func::FuncOp"> {
  let summary = "Choose a storage layout per tensor so that few relayouts remain";
  let description = [{
    SmartMem's layout selection on the classes LayoutOpInterface gives:
    tensors that flow between layout-dependent ops with a customizable output
    layout (convolutions, pooling) and layout-independent ones (elementwise,
    batch norm, concat, reductions that keep dims) form regions that take one
    layout together -- a global choice per region, so that no conversion is
    forced later inside it. A region with a convolution or pooling is stored
    in the target's layout; the others stay in logical order.
    - `target=cpu`: channels-last (NHWC: the reduction dimension C
      contiguous, the form of linalg's named NHWC convolutions, which IREE's
      CPU pipeline vectorizes best).
    - `target=gpu`: channel-blocked NC4HW4, storage (N, ceil(C/4), H, W, 4)
      with C zero-padded to a multiple of 4: each pixel's channels as
      4-vectors, the texel-like layout of mobile GPU engines (MNN's NC4HW4,
      TFLite GPU's PHWC4), read and written as vec4s and multiplied by 4x4
      weight blocks. Padded lanes must never reach real channels, so a region
      holding an op that cannot keep them apart (LayoutOpInterface::
      supportsLayout: a reduction over C, a concat along C whose inputs but
      the last are not multiples of 4 channels, a grouped convolution whose
      groups do not span whole blocks of 4) is stored NHWC instead.
    Reductions read the region's storage through their axes (index
    comprehension), so a region can end in a global pooling without a
    relayout. A `braze.relayout` is left only where a tensor crosses into an
    op that needs logical order (reshape, transpose, softmax, matmul, ...) or
    a function boundary, which keeps the user's layout.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "Layout policy: cpu (channels-last NHWC) or gpu (channel-blocked "
           "NC4HW4 where every op of the region supports it, else NHWC)">,
  ];
  let statistics = [
    Statistic<"numRegions", "regions", "Layout regions found">,
    Statistic<"numChannelsLastRegions", "channels-last-regions",
              "Regions stored channels-last">,
    Statistic<"numBlockedRegions", "blocked-regions",
              "Regions stored channel-blocked (NC4HW4)">,
    Statistic<"numRelayouts", "relayouts", "braze.relayout ops inserted">,
  ];
}

//===----------------------------------------------------------------------===//
// Tiling: what braze tells IREE's code generation
//===----------------------------------------------------------------------===//

def BrazeTileContractions : Pass<"braze-tile-contractions", "::mlir::ModuleOp"> {
  let summary = "Give IREE CPU tile sizes for matrix products whose default "
                "column tiles split vectors";
  let description = [{
    Runs on linalg (after --braze-lower-to-linalg), for llvm-cpu targets.
    IREE 3.13 tiles a matrix product's N columns by the largest divisor of N
    up to 64. Where that is not a multiple of `vector-lanes` (the target's
    f32 lanes: 16 with AVX-512, 8 with AVX2, 4 with NEON) and a multiple
    divides N, the product gets IREE's CPU pipeline (DoubleTilingExpert) with
    column tiles of whole vectors, through IREE's `compilation_info`
    attribute: e.g. 480 columns in tiles of 96, not 60. Products inside a
    fused group's dispatch region and data-tiled ones (IREE's mmt4d tiles by
    its register blocks) are left to IREE. Needs unregistered
    dialects allowed (the attribute is IREE's).
  }];
  let options = [
    Option<"vectorLanes", "vector-lanes", "int64_t", /*default=*/"16",
           "f32 lanes of the target's vectors; 0 leaves every product to IREE">,
  ];
  let statistics = [
    Statistic<"numTiled", "tiled", "Matrix products given tile sizes">,
  ];
}

#endif // BRAZE_PASSES_TD
