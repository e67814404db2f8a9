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
/// `layoutOverrides` names the LayoutOpInterface methods the op defines
/// itself instead of taking its group's answer.
class Braze_ComputeOp<string mnemonic, string mapping, string layoutGroup,
                      list<Trait> traits = [], list<string> layoutOverrides = []>
    : Braze_Op<mnemonic, traits # [Pure,
        Braze_Mapping<mapping>, Braze_MappingTypeOpInterface,
        Braze_LayoutGroupOf<layoutGroup>,
        DeclareOpInterfaceMethods<Braze_LayoutOpInterface, layoutOverrides>,
        Braze_CostOpInterface]>;

/// A compute op whose result shape and element type follow from its operands
/// and attributes. `inferResultType` is the C++ body of
///   inferReturnTypes(MLIRContext *context, std::optional<Location> location,
///                    Adaptor adaptor, SmallVectorImpl<Type> &inferredReturnTypes)
/// It reports problems through `ShapeDiagnostic`, so builders and the verifier
/// print the same message. The result's layout encoding is not inferred: it is
/// the layout selection's choice, so types are compared ignoring it.
class Braze_ShapedComputeOp<string mnemonic, string mapping, string layoutGroup,
                            list<Trait> traits = [], list<string> layoutOverrides = []>
    : Braze_ComputeOp<mnemonic, mapping, layoutGroup,
                      traits # [Braze_VerifiesInferredType,
                                InferTypeOpAdaptorWithIsCompatible],
                      layoutOverrides> {
  code inferResultType = ?;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes) {
      ::mlir::braze::detail::ShapeDiagnostic diag(location, getOperationName());
      // Builders reach here before the operand type constraints are checked.
      for (::mlir::Value operand : adaptor.getOperands())
        if (!::llvm::isa<::mlir::RankedTensorType>(operand.getType()))
          return diag.emit("expects ranked tensor operands, got ", operand.getType());
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

/// Elementwise unary op: the result has the operand's type.
class Braze_UnaryOp<string mnemonic, Type tensorType = Braze_FloatTensor,
                    list<Trait> traits = []>
    : Braze_ComputeOp<mnemonic, "one_to_one", "ili_variable",
                      traits # [SameOperandsAndResultType]> {
  let arguments = (ins tensorType:$input);
  let results = (outs tensorType:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
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

def Braze_Conv2DOp : Braze_ShapedComputeOp<"conv2d", "many_to_many", "ild_variable",
    [], ["supportsLayout"]> {
  let summary = "2-D convolution (ONNX Conv), grouped and depthwise included";
  let description = [{
    `input` is (N, C, H, W), `filter` (M, C/group, kH, kW), the optional `bias`
    (M). `pads` are (top, left, bottom, right), as in ONNX. The output is
    (N, M, oH, oW) with oH = (H + top + bottom - dilation_h * (kH - 1) - 1)
    / stride_h + 1 (floor), likewise oW. `group == C == M` is a depthwise
    convolution. Blocked (nc4hw4) images take dense and depthwise
    convolutions, and grouped ones whose groups span whole blocks of 4
    channels (C / group and M / group multiples of 4).

    `kernel_patterns` (set by --braze-prune-patterns) says which taps of the
    3x3 kernels are kept; the filter holds zeros at the others, so the op
    means the same with or without it, and the lowering may skip them.
    `channel_blocks` (likewise) says which input-channel groups each block of
    a 1x1 convolution's filters reads; the filter holds zeros at the others.

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
                       "::mlir::braze::Conv2DOp::kDefaultGroup">:$group,
                   OptionalAttr<Braze_KernelPatternsAttr>:$kernel_patterns,
                   OptionalAttr<Braze_ChannelBlocksAttr>:$channel_blocks);
  let results = (outs Braze_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let inferResultType = [{
    return ::mlir::braze::detail::inferConv2DType(diag, adaptor, inferredReturnTypes);
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    // The attributes' defaults, named so that the shape rule can apply them:
    // generic builders (the C and Python APIs) may leave the attributes unset.
    static constexpr int64_t kDefaultStrides[] = {1, 1};
    static constexpr int64_t kDefaultPads[] = {0, 0, 0, 0};
    static constexpr int64_t kDefaultDilations[] = {1, 1};
    static constexpr int64_t kDefaultGroup = 1;
  }];
}

def Braze_ConvTranspose2DOp : Braze_ShapedComputeOp<"conv_transpose2d",
    "many_to_many", "ild_variable", [], ["supportsLayout"]> {
  let summary = "transposed 2-D convolution (ONNX ConvTranspose)";
  let description = [{
    `input` (N, C, H, W), `filter` (C, M/group, kH, kW), optional `bias` (M).
    oH = stride_h * (H - 1) + output_padding_h + dilation_h * (kH - 1) + 1
    - top - bottom, likewise oW. Blocked images: as for braze.conv2d.
  }];
  let arguments = (ins Braze_FloatTensor:$input, Braze_FloatTensor:$filter,
                   Optional<Braze_FloatTensor>:$bias,
                   DefaultValuedAttr<DenseI64ArrayAttr,
                       "::mlir::braze::Conv2DOp::kDefaultStrides">:$strides,
                   DefaultValuedAttr<DenseI64ArrayAttr,
                       "::mlir::braze::Conv2DOp::kDefaultPads">:$pads,
                   DefaultValuedAttr<DenseI64ArrayAttr,
                       "::mlir::braze::Conv2DOp::kDefaultDilations">:$dilations,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$output_padding,
                   DefaultValuedAttr<I64Attr,
                       "::mlir::braze::Conv2DOp::kDefaultGroup">:$group);
  let results = (outs Braze_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let inferResultType = [{
    return ::mlir::braze::detail::inferConvTranspose2DType(diag, adaptor,
                                                           inferredReturnTypes);
  }];
}

def Braze_MatMulOp : Braze_ShapedComputeOp<"matmul", "many_to_many", "ild_variable",
    [], ["supportsLayout"]> {
  let summary = "matrix product with numpy semantics (ONNX MatMul)";
  let description = [{
    (..., M, K) x (..., K, N) -> (..., M, N) with broadcast batch dimensions;
    a rank-1 lhs is a row vector and a rank-1 rhs a column vector, whose unit
    dimension is dropped from the result. With `rhs_transposed` the rhs is
    stored (..., N, K) and read transposed: the product of attention's
    Q K^T, whose transpose would otherwise be materialised (--braze-rewrite
    folds it in). Its lowering indexes logical order, so its tensors are
    stored so (a rank-4 image is relayouted).

    ```mlir
    %s = braze.matmul %q, %k rhs_transposed
        : (tensor<1x8x40x15xf32>, tensor<1x8x40x15xf32>) -> tensor<1x8x40x40xf32>
    ```
  }];
  let arguments = (ins Braze_Tensor:$lhs, Braze_Tensor:$rhs, UnitAttr:$rhs_transposed);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs (`rhs_transposed` $rhs_transposed^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let inferResultType = [{
    return ::mlir::braze::detail::inferMatMulType(
        diag, adaptor.getLhs().getType(), adaptor.getRhs().getType(),
        static_cast<bool>(adaptor.getRhsTransposed()), inferredReturnTypes);
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

def Braze_ReluOp : Braze_UnaryOp<"relu"> { let summary = "max(x, 0) (ONNX Relu)"; }
def Braze_SigmoidOp : Braze_UnaryOp<"sigmoid"> { let summary = "1 / (1 + exp(-x))"; }
def Braze_TanhOp : Braze_UnaryOp<"tanh"> { let summary = "hyperbolic tangent"; }
def Braze_ExpOp : Braze_UnaryOp<"exp"> { let summary = "e^x"; }
def Braze_LogOp : Braze_UnaryOp<"log"> { let summary = "natural logarithm"; }
def Braze_SqrtOp : Braze_UnaryOp<"sqrt"> { let summary = "square root"; }
def Braze_ReciprocalOp : Braze_UnaryOp<"reciprocal"> { let summary = "1 / x"; }
def Braze_ErfOp : Braze_UnaryOp<"erf"> { let summary = "Gauss error function"; }
def Braze_FloorOp : Braze_UnaryOp<"floor"> { let summary = "round towards -inf"; }
def Braze_CeilOp : Braze_UnaryOp<"ceil"> { let summary = "round towards +inf"; }
def Braze_NegOp : Braze_UnaryOp<"neg", Braze_Tensor> { let summary = "-x"; }
def Braze_AbsOp : Braze_UnaryOp<"abs", Braze_Tensor> { let summary = "|x|"; }
def Braze_HardSwishOp : Braze_UnaryOp<"hard_swish"> {
  let summary = "x * max(0, min(1, x / 6 + 1 / 2)) (ONNX HardSwish)";
}

def Braze_HardSigmoidOp : Braze_UnaryOp<"hard_sigmoid"> {
  let summary = "max(0, min(1, alpha * x + beta)) (ONNX HardSigmoid)";
  let arguments = (ins Braze_FloatTensor:$input,
                   DefaultValuedAttr<F32Attr, "0.2f">:$alpha,
                   DefaultValuedAttr<F32Attr, "0.5f">:$beta);
}

def Braze_LeakyReluOp : Braze_UnaryOp<"leaky_relu"> {
  let summary = "x if x >= 0 else alpha * x (ONNX LeakyRelu)";
  let arguments = (ins Braze_FloatTensor:$input,
                   DefaultValuedAttr<F32Attr, "0.01f">:$alpha);
}

def Braze_ClipOp : Braze_UnaryOp<"clip"> {
  let summary = "min(max(x, min), max) with optional bounds (ONNX Clip)";
  let arguments = (ins Braze_FloatTensor:$input, OptionalAttr<F32Attr>:$min,
                   OptionalAttr<F32Attr>:$max);
}

def Braze_GeluOp : Braze_UnaryOp<"gelu"> {
  let summary = "x * Phi(x), exact or with the tanh approximation (ONNX Gelu)";
  let arguments = (ins Braze_FloatTensor:$input,
                   DefaultValuedAttr<BoolAttr, "false">:$tanh_approximation);
}

def Braze_CastOp : Braze_ComputeOp<"cast", "one_to_one", "ili_variable",
    [SameOperandsAndResultShape]> {
  let summary = "converts elements to another type (ONNX Cast)";
  let description = [{
    Float to integer truncates towards zero; integer to i1 is `x != 0`.
  }];
  let arguments = (ins Braze_Tensor:$input);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def Braze_SubOp : Braze_BroadcastBinaryOp<"sub"> {
  let summary = "elementwise difference with broadcasting (ONNX Sub)";
}
def Braze_DivOp : Braze_BroadcastBinaryOp<"div"> {
  let summary = "elementwise quotient with broadcasting (ONNX Div); integers truncate";
}
def Braze_PowOp : Braze_BroadcastBinaryOp<"pow"> {
  let summary = "elementwise power with broadcasting (ONNX Pow)";
}
def Braze_MaxOp : Braze_BroadcastBinaryOp<"max", [Commutative]> {
  let summary = "elementwise maximum with broadcasting (ONNX Max)";
}
def Braze_MinOp : Braze_BroadcastBinaryOp<"min", [Commutative]> {
  let summary = "elementwise minimum with broadcasting (ONNX Min)";
}

def Braze_CompareOp : Braze_ShapedComputeOp<"compare", "one_to_one", "ili_variable"> {
  let summary = "elementwise comparison with broadcasting, i1 result (ONNX Equal, Less, ...)";
  let arguments = (ins Braze_ComparePredicate:$predicate, Braze_Tensor:$lhs,
                   Braze_Tensor:$rhs);
  let results = (outs StaticShapeTensorOf<[I1]>:$output);
  let assemblyFormat = [{
    $predicate `,` $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let inferResultType = [{
    return ::mlir::braze::detail::inferCompareType(
        diag, adaptor.getLhs().getType(), adaptor.getRhs().getType(),
        inferredReturnTypes);
  }];
}

def Braze_WhereOp : Braze_ShapedComputeOp<"where", "one_to_one", "ili_variable"> {
  let summary = "condition ? lhs : rhs with three-way broadcasting (ONNX Where)";
  let arguments = (ins StaticShapeTensorOf<[I1]>:$condition, Braze_Tensor:$lhs,
                   Braze_Tensor:$rhs);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = [{
    $condition `,` $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let inferResultType = [{
    return ::mlir::braze::detail::inferWhereType(diag, adaptor.getCondition().getType(),
        adaptor.getLhs().getType(), adaptor.getRhs().getType(), inferredReturnTypes);
  }];
}

def Braze_BatchNormOp : Braze_ShapedComputeOp<"batch_norm", "one_to_one", "ili_variable"> {
  let summary = "inference batch normalization over dim 1 (ONNX BatchNormalization)";
  let description = [{
    y = scale * (x - mean) / sqrt(variance + epsilon) + bias, with the four
    per-channel vectors indexed by dim 1 of x: one-to-one per element, hence
    its mapping type, and a candidate for folding into a preceding conv.
  }];
  let arguments = (ins Braze_FloatTensor:$input, Braze_FloatTensor:$scale,
                   Braze_FloatTensor:$bias, Braze_FloatTensor:$mean,
                   Braze_FloatTensor:$variance,
                   DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon);
  let results = (outs Braze_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict `:`
    functional-type(operands, results)
  }];
  let inferResultType = [{
    return ::mlir::braze::detail::inferBatchNormType(diag, adaptor, inferredReturnTypes);
  }];
}

//===----------------------------------------------------------------------===//
// Many-to-many: reductions, normalizations, pooling
//===----------------------------------------------------------------------===//

def Braze_ReduceOp : Braze_ShapedComputeOp<"reduce", "many_to_many", "ild_fixed",
    [], ["supportsLayout"]> {
  let summary = "reduces dimensions (ONNX ReduceSum/Mean/Max/Min/Prod, global pooling)";
  let description = [{
    `axes` are non-negative, sorted and unique (the frontend normalises
    ONNX's); reduced dimensions stay as size 1 with `keepdims`. Its speed
    depends on which dimension is contiguous, hence ild. It reads any
    channels-last input by following the reduced dims into the storage
    (index comprehension); with `keepdims` its result keeps that layout.
  }];
  let arguments = (ins Braze_ReduceKind:$kind, Braze_Tensor:$input,
                   DenseI64ArrayAttr:$axes,
                   DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = [{
    $kind $input `axes` `=` $axes attr-dict `:` type($input) `->` type($output)
  }];
  let inferResultType = [{
    return ::mlir::braze::detail::inferReduceType(diag, adaptor.getInput().getType(),
        adaptor.getAxes(), adaptor.getKeepdimsAttr(), inferredReturnTypes);
  }];
}

def Braze_SoftmaxOp : Braze_ComputeOp<"softmax", "many_to_many", "ild_fixed",
    [SameOperandsAndResultType]> {
  let summary = "exp(x) / sum(exp(x)) along one axis (ONNX Softmax, opset >= 13)";
  let arguments = (ins Braze_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Braze_FloatTensor:$output);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Braze_LayerNormOp : Braze_ShapedComputeOp<"layer_norm", "many_to_many", "ild_fixed"> {
  let summary = "normalizes over dims [axis, rank) (ONNX LayerNormalization)";
  let description = [{
    y = (x - mean) / sqrt(var + epsilon) * scale + bias, the statistics over
    the trailing dimensions from `axis`; `scale` and the optional `bias`
    broadcast against those dimensions.
  }];
  let arguments = (ins Braze_FloatTensor:$input, Braze_FloatTensor:$scale,
                   Optional<Braze_FloatTensor>:$bias, I64Attr:$axis,
                   DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon);
  let results = (outs Braze_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let inferResultType = [{
    return ::mlir::braze::detail::inferLayerNormType(diag, adaptor, inferredReturnTypes);
  }];
}

def Braze_Pool2DOp : Braze_ShapedComputeOp<"pool2d", "many_to_many", "ild_variable"> {
  let summary = "max or average over sliding 2-D windows (ONNX MaxPool, AveragePool)";
  let description = [{
    Input (N, C, H, W); `pads` are (top, left, bottom, right). Padded cells
    never win a max; an average counts them only with `count_include_pad`.
    `ceil_mode` rounds the output size up (a last window may start inside
    the padded input only).
  }];
  let arguments = (ins Braze_PoolKind:$kind, Braze_FloatTensor:$input,
                   DenseI64ArrayAttr:$kernel,
                   DefaultValuedAttr<DenseI64ArrayAttr,
                       "::mlir::braze::Conv2DOp::kDefaultStrides">:$strides,
                   DefaultValuedAttr<DenseI64ArrayAttr,
                       "::mlir::braze::Conv2DOp::kDefaultPads">:$pads,
                   DefaultValuedAttr<DenseI64ArrayAttr,
                       "::mlir::braze::Conv2DOp::kDefaultDilations">:$dilations,
                   DefaultValuedAttr<BoolAttr, "false">:$count_include_pad,
                   DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
  let results = (outs Braze_FloatTensor:$output);
  let assemblyFormat = [{
    $kind $input `kernel` `=` $kernel attr-dict `:` type($input) `->` type($output)
  }];
  let inferResultType = [{
    return ::mlir::braze::detail::inferPool2DType(diag, adaptor, inferredReturnTypes);
  }];
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Braze_ConcatOp : Braze_ShapedComputeOp<"concat", "one_to_one", "ili_variable",
    [], ["supportsLayout"]> {
  let summary = "joins tensors along an axis (ONNX Concat)";
  let description = [{
    In a channel-blocked (nc4hw4) layout, a concat along C joins whole
    blocks: every input but the last must have a multiple of 4 channels.
  }];
  let arguments = (ins Variadic<Braze_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = [{
    $inputs `axis` `=` $axis attr-dict `:` functional-type($inputs, results)
  }];
  let inferResultType = [{
    return ::mlir::braze::detail::inferConcatType(diag, adaptor.getInputs().getTypes(),
        adaptor.getAxisAttr(), inferredReturnTypes);
  }];
}

def Braze_SliceOp : Braze_ShapedComputeOp<"slice", "one_to_one", "ild_fixed"> {
  let summary = "strided window of a tensor (ONNX Slice, Split)";
  let description = [{
    One (start, size, step) per dimension, already clamped by the frontend:
    output[i] = input[start + i * step] along each dimension, steps may be
    negative. The result shape is `sizes`.
  }];
  let arguments = (ins Braze_Tensor:$input, DenseI64ArrayAttr:$starts,
                   DenseI64ArrayAttr:$sizes, DenseI64ArrayAttr:$steps);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = [{
    $input `starts` `=` $starts `sizes` `=` $sizes `steps` `=` $steps attr-dict
    `:` type($input) `->` type($output)
  }];
  let inferResultType = [{
    return ::mlir::braze::detail::inferSliceType(diag, adaptor, inferredReturnTypes);
  }];
}

def Braze_PadOp : Braze_ShapedComputeOp<"pad", "one_to_one", "ild_fixed"> {
  let summary = "pads with a constant (ONNX Pad, mode constant)";
  let description = [{
    `low` and `high` give the cells added before and after each dimension.
  }];
  let arguments = (ins Braze_Tensor:$input, DenseI64ArrayAttr:$low,
                   DenseI64ArrayAttr:$high, DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = [{
    $input `low` `=` $low `high` `=` $high attr-dict `:` type($input) `->` type($output)
  }];
  let inferResultType = [{
    return ::mlir::braze::detail::inferPadType(diag, adaptor.getInput().getType(),
        adaptor.getLow(), adaptor.getHigh(), inferredReturnTypes);
  }];
}

def Braze_GatherOp : Braze_ShapedComputeOp<"gather", "one_to_many", "ild_fixed"> {
  let summary = "takes slices of data along an axis at given indices (ONNX Gather)";
  let description = [{
    output[i..., j..., k...] = data[i..., indices[j...], k...] with `axis`
    the position of the indexed dimension; negative indices count from the end.
  }];
  let arguments = (ins Braze_Tensor:$data, StaticShapeTensorOf<[I32, I64]>:$indices,
                   I64Attr:$axis);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = [{
    $data `[` $indices `]` `axis` `=` $axis attr-dict `:` functional-type(operands, results)
  }];
  let inferResultType = [{
    return ::mlir::braze::detail::inferGatherType(diag, adaptor.getData().getType(),
        adaptor.getIndices().getType(), adaptor.getAxisAttr(), inferredReturnTypes);
  }];
}

def Braze_ExpandOp : Braze_ComputeOp<"expand", "one_to_many", "ild_fixed"> {
  let summary = "broadcasts a tensor to a larger shape (ONNX Expand)";
  let arguments = (ins Braze_Tensor:$input);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Braze_TileOp : Braze_ShapedComputeOp<"tile", "one_to_many", "ild_fixed"> {
  let summary = "repeats a tensor along each dimension (ONNX Tile)";
  let arguments = (ins Braze_Tensor:$input, DenseI64ArrayAttr:$repeats);
  let results = (outs Braze_Tensor:$output);
  let assemblyFormat = [{
    $input `repeats` `=` $repeats attr-dict `:` type($input) `->` type($output)
  }];
  let inferResultType = [{
    return ::mlir::braze::detail::inferTileType(diag, adaptor.getInput().getType(),
        adaptor.getRepeats(), inferredReturnTypes);
  }];
}

def Braze_ResizeOp : Braze_ComputeOp<"resize", "one_to_many", "ili_variable"> {
  let summary = "rescales the trailing two dims of an image tensor (ONNX Resize)";
  let description = [{
    (N, C, H, W) -> (N, C, oH, oW), the result type giving oH and oW; the
    scale of each dimension is output / input size, as ONNX Resize with
    `sizes`, or with `scales` whose products are integers. Layout-independent
    with a customizable output (SmartMem's index comprehension): each output
    cell reads the same channel of its source pixels, so it runs in whatever
    layout its input is stored in and its result is stored alike.
  }];
  let arguments = (ins Braze_FloatTensor:$input, Braze_ResizeMode:$mode,
                   Braze_CoordinateTransform:$coordinate_transform,
                   DefaultValuedAttr<Braze_NearestRounding,
                       "::mlir::braze::NearestRounding::round_prefer_floor">:$nearest_rounding);
  let results = (outs Braze_FloatTensor:$output);
  let assemblyFormat = [{
    $mode $input `coordinates` `=` $coordinate_transform
    (`rounding` `=` $nearest_rounding^)? attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
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

//===----------------------------------------------------------------------===//
// Fusion
//===----------------------------------------------------------------------===//

def Braze_FusedOp : Braze_Op<"fused", [
    RecursiveMemoryEffects, RecursivelySpeculatable, NoRegionArguments,
    SingleBlockImplicitTerminator<"YieldOp">,
    DeclareOpInterfaceMethods<Braze_MappingTypeOpInterface, ["getMappingType"]>,
    DeclareOpInterfaceMethods<Braze_CostOpInterface, ["getFlops", "getBytesAccessed"]>]> {
  let summary = "one fused group of ops, computed as one kernel (DNNFusion)";
  let description = [{
    The ops of a fusion group planned by `--braze-fuse`, moved into one
    region. The body reads values from above (its inputs) and yields the
    values used after the group; `mapping` is the group's mapping type as
    the fusion table composed it from its members'. Lowering turns each
    group into one IREE dispatch region, so the group becomes one kernel,
    except a group marked `backend_formed`: one that IREE forms as one
    dispatch by itself (elementwise ops, alone or after one contraction),
    where IREE's own dispatch keeps tricks a given region loses (writing
    into a consumer's padded buffer, data tiling); its ops are lowered in
    place.

    ```mlir
    %y = braze.fused <many_to_many> -> tensor<1x16x8x8xf32> {
      %c = braze.conv2d %x, %w ...
      %r = braze.relu %c : tensor<1x16x8x8xf32>
      braze.yield %r : tensor<1x16x8x8xf32>
    }
    ```
  }];
  let arguments = (ins Braze_MappingTypeAttr:$mapping, UnitAttr:$backend_formed);
  let results = (outs Variadic<Braze_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $mapping (`backend_formed` $backend_formed^)? (`->` type($results)^)?
    attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
}

def Braze_YieldOp : Braze_Op<"yield", [Pure, Terminator,
    HasParent<"FusedOp">]> {
  let summary = "the values a fused group hands to the ops after it";
  let arguments = (ins Variadic<Braze_Tensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
  let builders = [OpBuilder<(ins), [{ build($_builder, $_state, ::mlir::ValueRange()); }]>];
}

#endif // BRAZE_OPS_TD
