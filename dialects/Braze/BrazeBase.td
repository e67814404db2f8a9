//===- BrazeBase.td - the braze dialect --------------------*- tablegen -*-===//
//
// braze is a graph-level tensor dialect with ONNX-like semantics. Every tensor
// type keeps its *logical* shape (NCHW for images, as in ONNX); the physical
// storage order chosen by layout selection travels as a `#braze.layout`
// tensor encoding, so no layout decision ever changes what a program computes.
//
//===----------------------------------------------------------------------===//

#ifndef BRAZE_BASE_TD
#define BRAZE_BASE_TD

include "mlir/IR/OpBase.td"

def Braze_Dialect : Dialect {
  let name = "braze";
  let summary = "Graph-level tensor ops for mobile DNN compilation";
  let description = [{
    Ops carry their DNNFusion mapping type (MappingTypeOpInterface) and their
    SmartMem layout group (LayoutOpInterface); tensors carry their layout as a
    `#braze.layout<...>` encoding.
  }];
  let cppNamespace = "::mlir::braze";
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
}

class Braze_Op<string mnemonic, list<Trait> traits = []>
    : Op<Braze_Dialect, mnemonic, traits>;

// Statically shaped tensors: braze plans layouts, fusion and memory on
// static shapes; dynamic dimensions are fixed by the frontend. Integers are
// signless (read as signed) or unsigned (ui8..ui64): the signedness lives in
// the type, so ops whose semantics differ (div, compare, max, cast) read it
// from their operand types rather than from an attribute.
def Braze_Tensor : StaticShapeTensorOf<[AnyFloat, AnySignlessInteger,
                                        AnyUnsignedInteger, I1]>;
def Braze_FloatTensor : StaticShapeTensorOf<[AnyFloat]>;

#endif // BRAZE_BASE_TD
