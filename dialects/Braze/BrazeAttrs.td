//===- BrazeAttrs.td - braze enums and attributes ----------*- tablegen -*-===//

#ifndef BRAZE_ATTRS_TD
#define BRAZE_ATTRS_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/TensorEncoding.td"
include "dialects/Braze/BrazeBase.td"

//===----------------------------------------------------------------------===//
// Mapping type (DNNFusion, PLDI'21, Table 2): how each output element depends
// on the input elements. Fusion legality and profitability follow from the
// pair of mapping types of a producer and its consumer.
//===----------------------------------------------------------------------===//

def Braze_MappingType : I32EnumAttr<"MappingType",
    "DNNFusion mapping type of an operator", [
  I32EnumAttrCase<"one_to_one", 0>,    // Add, Relu: out[i] = f(in[i])
  I32EnumAttrCase<"one_to_many", 1>,   // Expand, Gather, Resize: an input element feeds many outputs
  I32EnumAttrCase<"many_to_many", 2>,  // Conv, MatMul, reductions: an output reads many inputs
  I32EnumAttrCase<"reorganize", 3>,    // Reshape: same elements, new shape, same order
  I32EnumAttrCase<"shuffle", 4>,       // Transpose: same elements, permuted order
]> {
  let cppNamespace = "::mlir::braze";
  let genSpecializedAttr = 0;
}

def Braze_MappingTypeAttr : EnumAttr<Braze_Dialect, Braze_MappingType, "mapping"> {
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Layout group (SmartMem, ASPLOS'24): is an operator's performance dependent
// on its input layout (ILD) or independent of it (ILI), and is its output
// layout customizable (variable) or fixed by its semantics.
//===----------------------------------------------------------------------===//

def Braze_LayoutGroup : I32EnumAttr<"LayoutGroup",
    "SmartMem layout group of an operator", [
  I32EnumAttrCase<"ild_variable", 0>,  // Conv, MatMul: layout matters, output layout free
  I32EnumAttrCase<"ild_fixed", 1>,     // Reshape, Transpose: layout matters, output layout fixed
  I32EnumAttrCase<"ili_variable", 2>,  // elementwise: any layout, output follows the choice
  I32EnumAttrCase<"ili_fixed", 3>,     // layout-free work with a fixed output layout
]> {
  let cppNamespace = "::mlir::braze";
  let genSpecializedAttr = 0;
}

def Braze_LayoutGroupAttr : EnumAttr<Braze_Dialect, Braze_LayoutGroup, "layout_group"> {
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Layouts: the physical storage order of a logically-NCHW tensor.
//===----------------------------------------------------------------------===//

def Braze_Layout : I32EnumAttr<"Layout", "physical layout of an image tensor", [
  I32EnumAttrCase<"nchw", 0>,    // row-major logical order (the default: no encoding)
  I32EnumAttrCase<"nhwc", 1>,    // channels last (CPU convolutions)
  I32EnumAttrCase<"nc4hw4", 2>,  // channels blocked by 4, innermost (GPU texels)
]> {
  let cppNamespace = "::mlir::braze";
  let genSpecializedAttr = 0;
}

def Braze_LayoutAttr : EnumAttr<Braze_Dialect, Braze_Layout, "layout", [
    DeclareAttrInterfaceMethods<VerifiableTensorEncoding>]> {
  let summary = "physical layout of a tensor, used as a tensor encoding";
  let description = [{
    `tensor<1x16x56x56xf32, #braze.layout<nhwc>>` is a tensor whose logical
    dimensions are (N, C, H, W) and whose elements are stored channels-last.
    The encoding applies to rank-4 tensors; a tensor without encoding is
    stored in its logical (row-major) order.
  }];
  let assemblyFormat = "`<` $value `>`";
  let extraClassDeclaration = [{
    /// The shape in storage order for a tensor of the given logical (N, C,
    /// H, W) shape: (N, H, W, C) for nhwc, (N, ceil(C/4), H, W, 4) for nc4hw4.
    ::llvm::SmallVector<int64_t> getPhysicalShape(::llvm::ArrayRef<int64_t> logicalShape) const;
  }];
}

//===----------------------------------------------------------------------===//
// Pattern sparsity (PatDNN, ASPLOS'20; RT3D's kernel groups, AAAI'21) and
// channel-block sparsity of 1x1 convolutions (SparseByteNN, 2023)
//===----------------------------------------------------------------------===//

def Braze_KernelPatternsAttr : AttrDef<Braze_Dialect, "KernelPatterns"> {
  let mnemonic = "kernel_patterns";
  let summary = "which taps of a 3x3 convolution's kernels are kept";
  let description = [{
    The pattern sparsity of a braze.conv2d with a 3x3 filter. `library`
    holds the patterns, each a 9-character row-major mask of the 3x3 window
    ("010111000" keeps the top, middle-row and centre taps), all keeping the
    same number of taps. `channels` gives, per input channel, the index of
    the library pattern every filter uses on that channel, or -1 when the
    channel's kernels are pruned (connectivity pruning). A channel's kernels
    across all filters form one kernel group sharing its pattern, so that
    each pattern's channels are a dense sub-problem.

    ```mlir
    #braze.kernel_patterns<library = ["010111000", "000111010"], channels = [0, 1, -1, 0]>
    ```
  }];
  let parameters = (ins "::mlir::ArrayAttr":$library,
                        ArrayRefParameter<"int64_t">:$channels);
  let assemblyFormat = [{
    `<` `library` `=` $library `,` `channels` `=` `[` $channels `]` `>`
  }];
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    static constexpr int64_t kPrunedChannel = -1;
    /// The kept taps (row-major 0..8) of library pattern `pattern`.
    ::llvm::SmallVector<int64_t> getTaps(int64_t pattern) const;
    /// Taps each pattern keeps.
    int64_t getKeptTaps() const;
  }];
}

def Braze_ChannelBlocksAttr : AttrDef<Braze_Dialect, "ChannelBlocks"> {
  let mnemonic = "channel_blocks";
  let summary = "which input channels each block of a 1x1 convolution's filters reads";
  let description = [{
    The fine-grained sparsity of a braze.conv2d with a 1x1 filter, in the
    spirit of SparseByteNN: the filters come in blocks of `block` consecutive
    filters, the input channels in groups of `group` consecutive channels,
    and every filter of a block keeps the same input-channel groups. `kept`
    lists, block after block, the kept group indices of each block in
    ascending order; every block keeps the same number of groups, so each
    block is a dense sub-problem of the same size.

    ```mlir
    // 2 blocks of 64 filters over 4 groups of 16 channels, each keeping 2
    #braze.channel_blocks<block = 64, group = 16, kept = [0, 2, 1, 2]>
    ```
  }];
  let parameters = (ins "int64_t":$block, "int64_t":$group,
                        ArrayRefParameter<"int64_t">:$kept);
  let assemblyFormat = [{
    `<` `block` `=` $block `,` `group` `=` $group `,` `kept` `=` `[` $kept `]` `>`
  }];
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// Op-specific enums (printed as bare keywords in the ops' assembly)
//===----------------------------------------------------------------------===//

def Braze_ReduceKind : I32EnumAttr<"ReduceKind", "reduction of braze.reduce", [
  I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"mean", 1>, I32EnumAttrCase<"max", 2>,
  I32EnumAttrCase<"min", 3>, I32EnumAttrCase<"prod", 4>,
]> {
  let cppNamespace = "::mlir::braze";
}

def Braze_PoolKind : I32EnumAttr<"PoolKind", "window reduction of braze.pool2d", [
  I32EnumAttrCase<"max", 0>, I32EnumAttrCase<"avg", 1>,
]> {
  let cppNamespace = "::mlir::braze";
}

def Braze_ComparePredicate : I32EnumAttr<"ComparePredicate",
    "elementwise comparison of braze.compare", [
  I32EnumAttrCase<"eq", 0>, I32EnumAttrCase<"lt", 1>, I32EnumAttrCase<"le", 2>,
  I32EnumAttrCase<"gt", 3>, I32EnumAttrCase<"ge", 4>,
]> {
  let cppNamespace = "::mlir::braze";
}

def Braze_ResizeMode : I32EnumAttr<"ResizeMode", "interpolation of braze.resize", [
  I32EnumAttrCase<"nearest", 0>, I32EnumAttrCase<"linear", 1>,
]> {
  let cppNamespace = "::mlir::braze";
}

// ONNX Resize's coordinate_transformation_mode: output coordinate -> input coordinate.
def Braze_CoordinateTransform : I32EnumAttr<"CoordinateTransform",
    "output-to-input coordinate mapping of braze.resize", [
  I32EnumAttrCase<"half_pixel", 0>, I32EnumAttrCase<"pytorch_half_pixel", 1>,
  I32EnumAttrCase<"align_corners", 2>, I32EnumAttrCase<"asymmetric", 3>,
]> {
  let cppNamespace = "::mlir::braze";
}

// ONNX Resize's nearest_mode: how a fractional input coordinate rounds.
def Braze_NearestRounding : I32EnumAttr<"NearestRounding",
    "rounding of braze.resize in nearest mode", [
  I32EnumAttrCase<"round_prefer_floor", 0>, I32EnumAttrCase<"round_prefer_ceil", 1>,
  I32EnumAttrCase<"floor", 2>, I32EnumAttrCase<"ceil", 3>,
]> {
  let cppNamespace = "::mlir::braze";
}

#endif // BRAZE_ATTRS_TD
