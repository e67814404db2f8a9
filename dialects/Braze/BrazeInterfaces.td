//===- BrazeInterfaces.td - mapping-type and layout interfaces -*- tablegen -*-===//

#ifndef BRAZE_INTERFACES_TD
#define BRAZE_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Braze_MappingTypeOpInterface : OpInterface<"MappingTypeOpInterface"> {
  let description = [{
    An operator's DNNFusion mapping type: the relation between its input and
    output elements that decides with whom it may fuse. Ops declare a static
    answer with the `Braze_Mapping<...>` trait; an op whose mapping depends on
    its attributes overrides `getMappingType`.
  }];
  let cppNamespace = "::mlir::braze";
  let methods = [
    InterfaceMethod<"Returns the mapping type of this operator.",
      "::mlir::braze::MappingType", "getMappingType", (ins), [{}],
      [{ return ConcreteOp::kMappingType; }]>,
  ];
}

def Braze_LayoutOpInterface : OpInterface<"LayoutOpInterface"> {
  let description = [{
    An operator's SmartMem layout behaviour: whether its performance depends
    on the layout of its inputs, and whether its output layout can be chosen
    freely. Ops declare their group with the `Braze_LayoutGroupOf<...>` trait.
    The interface verifies that every `#braze.layout` encoding on the op's
    tensors is one the op supports.
  }];
  let cppNamespace = "::mlir::braze";
  let methods = [
    InterfaceMethod<"Returns the SmartMem layout group of this operator.",
      "::mlir::braze::LayoutGroup", "getLayoutGroup", (ins), [{}],
      [{ return ConcreteOp::kLayoutGroup; }]>,
    InterfaceMethod<"Whether the op's performance depends on its input layout.",
      "bool", "isInputLayoutDependent", (ins), [{}], [{
        auto group = $_op.getLayoutGroup();
        return group == ::mlir::braze::LayoutGroup::ild_variable ||
               group == ::mlir::braze::LayoutGroup::ild_fixed;
      }]>,
    InterfaceMethod<"Whether the op's output layout can be chosen freely.",
      "bool", "isOutputLayoutCustomizable", (ins), [{}], [{
        auto group = $_op.getLayoutGroup();
        return group == ::mlir::braze::LayoutGroup::ild_variable ||
               group == ::mlir::braze::LayoutGroup::ili_variable;
      }]>,
    InterfaceMethod<[{
        Whether the op can consume and produce tensors stored in `layout`.
        Ops with a fixed output layout work on logical (row-major) order only.
      }],
      "bool", "supportsLayout", (ins "::mlir::braze::Layout":$layout), [{}], [{
        return $_op.isOutputLayoutCustomizable() ||
               layout == ::mlir::braze::Layout::nchw;
      }]>,
  ];
  let verify = [{ return ::mlir::braze::detail::verifyLayoutOp($_op); }];
}

def Braze_CostOpInterface : OpInterface<"CostOpInterface"> {
  let description = [{
    An operator's work: floating-point (or integer) operations and bytes
    moved, as the cost models of rewriting, fusion and layout selection and
    the compile report see them. The counts live in one place,
    dialects/Braze/BrazeCost.cpp; an op overrides them only when it cannot
    be counted there.
  }];
  let cppNamespace = "::mlir::braze";
  let methods = [
    InterfaceMethod<"Arithmetic operations one execution performs (a multiply-add is 2).",
      "int64_t", "getFlops", (ins), [{}],
      [{ return ::mlir::braze::detail::countFlops($_op.getOperation()); }]>,
    InterfaceMethod<"Bytes read from the operands plus bytes written to the results.",
      "int64_t", "getBytesAccessed", (ins), [{}],
      [{ return ::mlir::braze::detail::countBytesAccessed($_op.getOperation()); }]>,
  ];
}

#endif // BRAZE_INTERFACES_TD
