//===- BrazeModule.cpp - braze's native Python module ----------------------===//
//
// Registers the braze dialect and passes with the installed `mlir` package.
// All MLIR code, TypeIDs included, resolves from that package's
// libMLIRPythonCAPI.so, so braze ops live in its mlir.ir.Context.
//
//===----------------------------------------------------------------------===//

#include "dialects/CAPI/Braze.h"
#include "mlir-c/IR.h"
#include "mlir/Bindings/Python/Nanobind.h"
#include "mlir/Bindings/Python/NanobindAdaptors.h"

#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>

namespace nb = nanobind;

NB_MODULE(_braze, m) {
  m.doc() = "braze native module: dialect and pass registration";
  m.def(
      "register_dialect",
      [](MlirContext context, bool load) {
        MlirDialectHandle handle = mlirGetDialectHandle__braze__();
        mlirDialectHandleRegisterDialect(handle, context);
        if (load)
          mlirDialectHandleLoadDialect(handle, context);
      },
      nb::arg("context").none() = nb::none(), nb::arg("load") = true,
      "Registers (and by default loads) the braze dialect in a context.");
  m.def(
      "insert_dialect",
      [](MlirDialectRegistry registry) {
        mlirDialectHandleInsertDialect(mlirGetDialectHandle__braze__(), registry);
      },
      nb::arg("registry"),
      "Adds the braze dialect to a dialect registry.");
  m.def("register_passes", &mlirBrazeRegisterPasses,
        "Registers braze's passes and pipelines in the global pass registry.");
  m.def(
      "cost",
      [](MlirOperation op) -> std::optional<std::pair<int64_t, int64_t>> {
        if (!mlirBrazeOperationHasCost(op))
          return std::nullopt;
        return std::make_pair(mlirBrazeOperationGetFlops(op),
                              mlirBrazeOperationGetBytesAccessed(op));
      },
      nb::arg("operation"),
      "(flops, bytes accessed) of a braze op from CostOpInterface, or None.");
}
