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
// Lowering: braze -> what IREE compiles
//===----------------------------------------------------------------------===//

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
    braze.relayout); blocked layouts are rejected.
  }];
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
    channels-last (NHWC: the reduction dimension C contiguous, the form
    IREE's CPU and SPIR-V convolution pipelines compile best); the others stay
    in logical order. Reductions read channels-last input through their axes
    (index comprehension), so a region can end in a global pooling without a
    relayout. A `braze.relayout` is left only where a tensor crosses into an
    op that needs logical order (reshape, transpose, softmax, ...) or a
    function boundary, which keeps the user's layout.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "Layout policy: cpu or gpu (both channels-last for now; blocked "
           "NC4HW4 texels for gpu are planned)">,
  ];
  let statistics = [
    Statistic<"numRegions", "regions", "Layout regions found">,
    Statistic<"numChannelsLastRegions", "channels-last-regions",
              "Regions stored channels-last">,
    Statistic<"numRelayouts", "relayouts", "braze.relayout ops inserted">,
  ];
}

#endif // BRAZE_PASSES_TD
