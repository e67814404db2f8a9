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
    dense resources. Tensors with a non-logical #braze.layout are rejected.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect",
  ];
}

#endif // BRAZE_PASSES_TD
