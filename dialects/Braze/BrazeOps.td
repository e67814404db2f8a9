//===- BrazeOps.td - braze operations ----------------------*- tablegen -*-===//
//
// Semantics follow ONNX on logical shapes (images are N, C, H, W). Every
// compute op declares its DNNFusion mapping type and SmartMem layout group
// with the two traits below; the interfaces read them.
//
//===----------------------------------------------------------------------===//

#ifndef BRAZE_OPS_TD
#define BRAZE_OPS_TD

include "dialects/Braze/BrazeBase.td"
include "dialects/Braze/BrazeAttrs.td"
include "dialects/Braze/BrazeInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Op classes
//===----------------------------------------------------------------------===//

/// Declares the op's static DNNFusion mapping type (`kMappingType`).
class Braze_Mapping<string kind>
    : ParamNativeOpTrait<"HasMappingType", "::mlir::braze::MappingType::" # kind> {
  let cppNamespace = "::mlir::braze";
}

/// Declares the op's static SmartMem layout group (`kLayoutGroup`).
class Braze_LayoutGroupOf<string group>
    : ParamNativeOpTrait<"HasLayoutGroup", "::mlir::braze::LayoutGroup::" # group> {
  let cppNamespace = "::mlir::braze";
}

/// Verifies result types against inferReturnTypes with braze's messages;
/// must precede InferTypeOpInterface in an op's trait list.
def Braze_VerifiesInferredType : NativeOpTrait<"VerifiesInferredType"> {
  let cppNamespace = "::mlir::braze";
}

/// A side-effect-free tensor op with a mapping type and a layout group.
class Braze_ComputeOp<string mnemonic, string mapping, string layoutGroup,
                      list<Trait> traits = []>
    : Braze_Op<mnemonic, traits # [Pure,
        Braze_Mapping<mapping>, Braze_MappingTypeOpInterface,
        Braze_LayoutGroupOf<layoutGroup>, Braze_LayoutOpInterface]>;

/// A compute op whose result shape and element type follow from its operands
/// and attributes. `inferResultType` is the C++ body of
///   inferReturnTypes(MLIRContext *context, std::optional<Location> location,
///                    Adaptor adaptor, SmallVectorImpl<Type> &inferredReturnTypes)
/// It reports problems through `ShapeDiagnostic`, so builders and the verifier
/// print the same message. The result's layout encoding is not inferred: it is
/// the layout selection's choice, so types are compared ignoring it.
class Braze_ShapedComputeOp<string mnemonic, string mapping, string layoutGroup,
                            list<Trait> traits = []>
    : Braze_ComputeOp<mnemonic, mapping, layoutGroup,
                      traits # [Braze_VerifiesInferredType,
                                InferTypeOpAdaptorWithIsCompatible]> {
  code inferResultType = ?;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes) {
      ::mlir::braze::detail::ShapeDiagnostic diag(location, getOperationName());
  }] # inferResultType # [{
    }
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange inferred,
                                            ::mlir::TypeRange actual) {
      return ::mlir::braze::detail::equalIgnoringLayout(inferred, actual);
    }
  }];
}

/// Elementwise binary op with ONNX (numpy) multidirectional broadcasting.
class Braze_BroadcastBinaryOp<string mnemonic, list<Trait> traits = []>
    : Braze_ShapedComputeOp<mnemonic, "one_to_one", "ili_variable", traits> {
  let arguments = (ins Braze_Tensor:$lhs, Braze_Tensor:$rhs);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let inferResultType = [{
    return ::mlir::braze::detail::inferBroadcastType(
        diag, adaptor.getLhs().getType(), adaptor.getRhs().getType(),
        inferredReturnTypes);
  }];
}

//===----------------------------------------------------------------------===//
// Constants and layout changes
//===----------------------------------------------------------------------===//

def Braze_ConstantOp : Braze_Op<"constant", [ConstantLike, Pure,
    Braze_VerifiesInferredType, InferTypeOpAdaptor, Braze_LayoutGroupOf<"ili_variable">,
    Braze_LayoutOpInterface]> {
  let summary = "a constant tensor (weights, biases, shapes)";
  let description = [{
    Weights are re-laid out at compile time, so a constant's layout is free
    (layout group ili_variable). Large weights are kept as dense resources:

    ```mlir
    %w = braze.constant dense_resource<conv1_w> : tensor<16x3x3x3xf32>
    %b = braze.constant dense<0.0> : tensor<16xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

def Braze_RelayoutOp : Braze_Op<"relayout", [Pure,
    Braze_Mapping<"shuffle">, Braze_MappingTypeOpInterface,
    Braze_LayoutGroupOf<"ild_fixed">,
    DeclareOpInterfaceMethods<Braze_LayoutOpInterface, ["supportsLayout"]>]> {
  let summary = "an explicit change of a tensor's physical layout";
  let description = [{
    Copies a tensor into another storage order; the logical value is
    unchanged. This is the layout transformation that layout selection
    exists to remove: it is left only where no layout choice avoids it.

    ```mlir
    %y = braze.relayout %x : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32, #braze.layout<nhwc>>
    ```
  }];
  let arguments = (ins Braze_Tensor:$input);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Many-to-many: convolution and matrix multiplication
//===----------------------------------------------------------------------===//

def Braze_Conv2DOp : Braze_ShapedComputeOp<"conv2d", "many_to_many", "ild_variable"> {
  let summary = "2-D convolution (ONNX Conv), grouped and depthwise included";
  let description = [{
    `input` is (N, C, H, W), `filter` (M, C/group, kH, kW), the optional `bias`
    (M). `pads` are (top, left, bottom, right), as in ONNX. The output is
    (N, M, oH, oW) with oH = (H + top + bottom - dilation_h * (kH - 1) - 1)
    / stride_h + 1 (floor), likewise oW. `group == C == M` is a depthwise
    convolution.

    ```mlir
    %y = braze.conv2d %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
        : (tensor<1x3x224x224xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x16x112x112xf32>
    ```
  }];
  let arguments = (ins Braze_FloatTensor:$input, Braze_FloatTensor:$filter,
                   Optional<Braze_FloatTensor>:$bias,
                   DefaultValuedAttr<DenseI64ArrayAttr,
                       "::mlir::braze::Conv2DOp::kDefaultStrides">:$strides,
                   DefaultValuedAttr<DenseI64ArrayAttr,
                       "::mlir::braze::Conv2DOp::kDefaultPads">:$pads,
                   DefaultValuedAttr<DenseI64ArrayAttr,
                       "::mlir::braze::Conv2DOp::kDefaultDilations">:$dilations,
                   DefaultValuedAttr<I64Attr,
                       "::mlir::braze::Conv2DOp::kDefaultGroup">:$group);
  let results = (outs Braze_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let inferResultType = [{
    return ::mlir::braze::detail::inferConv2DType(diag, adaptor, inferredReturnTypes);
  }];
  let extraClassDeclaration = [{
    // The attributes' defaults, named so that the shape rule can apply them:
    // generic builders (the C and Python APIs) may leave the attributes unset.
    static constexpr int64_t kDefaultStrides[] = {1, 1};
    static constexpr int64_t kDefaultPads[] = {0, 0, 0, 0};
    static constexpr int64_t kDefaultDilations[] = {1, 1};
    static constexpr int64_t kDefaultGroup = 1;
  }];
}

def Braze_MatMulOp : Braze_ShapedComputeOp<"matmul", "many_to_many", "ild_variable"> {
  let summary = "matrix product with numpy semantics (ONNX MatMul)";
  let description = [{
    (..., M, K) x (..., K, N) -> (..., M, N) with broadcast batch dimensions;
    a rank-1 lhs is a row vector and a rank-1 rhs a column vector, whose unit
    dimension is dropped from the result.
  }];
  let arguments = (ins Braze_Tensor:$lhs, Braze_Tensor:$rhs);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let inferResultType = [{
    return ::mlir::braze::detail::inferMatMulType(
        diag, adaptor.getLhs().getType(), adaptor.getRhs().getType(),
        inferredReturnTypes);
  }];
}

//===----------------------------------------------------------------------===//
// One-to-one: elementwise
//===----------------------------------------------------------------------===//

def Braze_AddOp : Braze_BroadcastBinaryOp<"add", [Commutative]> {
  let summary = "elementwise sum with broadcasting (ONNX Add)";
}

def Braze_MulOp : Braze_BroadcastBinaryOp<"mul", [Commutative]> {
  let summary = "elementwise product with broadcasting (ONNX Mul)";
}

def Braze_ReluOp : Braze_ComputeOp<"relu", "one_to_one", "ili_variable",
    [SameOperandsAndResultType]> {
  let summary = "max(x, 0) (ONNX Relu)";
  let arguments = (ins Braze_FloatTensor:$input);
  let results = (outs Braze_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Reorganize and shuffle
//===----------------------------------------------------------------------===//

def Braze_ReshapeOp : Braze_ComputeOp<"reshape", "reorganize", "ild_fixed"> {
  let summary = "same elements in the same order, another shape (ONNX Reshape)";
  let description = [{
    The target shape is the result type: the frontend resolves ONNX's 0 and
    -1 entries. Free on a row-major tensor; on any other layout it moves data,
    hence its layout group (ild_fixed).
  }];
  let arguments = (ins Braze_Tensor:$input);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Braze_TransposeOp : Braze_ShapedComputeOp<"transpose", "shuffle", "ild_fixed"> {
  let summary = "permutes dimensions: output dim i is input dim perm[i] (ONNX Transpose)";
  let arguments = (ins Braze_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = "$input `perm` `=` $perm attr-dict `:` type($input) `->` type($output)";
  let inferResultType = [{
    return ::mlir::braze::detail::inferTransposeType(
        diag, adaptor.getInput().getType(), adaptor.getPerm(), inferredReturnTypes);
  }];
  let hasFolder = 1;
}

#endif // BRAZE_OPS_TD
