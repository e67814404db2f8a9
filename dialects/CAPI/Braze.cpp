//===- Braze.cpp - C API of braze -----------------------------------------===//

#include "dialects/CAPI/Braze.h"

#include "dialects/Braze/BrazeDialect.h"
#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"
#include "passes/Passes.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Braze, braze, mlir::braze::BrazeDialect)

void mlirBrazeRegisterPasses(void) {
  mlir::braze::registerBrazePassesAndPipelines();
}

bool mlirBrazeOperationHasCost(MlirOperation op) {
  return llvm::isa<mlir::braze::CostOpInterface>(unwrap(op));
}

int64_t mlirBrazeOperationGetFlops(MlirOperation op) {
  return llvm::cast<mlir::braze::CostOpInterface>(unwrap(op)).getFlops();
}

int64_t mlirBrazeOperationGetBytesAccessed(MlirOperation op) {
  return llvm::cast<mlir::braze::CostOpInterface>(unwrap(op)).getBytesAccessed();
}
