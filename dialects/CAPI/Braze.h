//===- Braze.h - C API of braze ------------------------------------*- C -*-===//
//
// What the Python bindings need from C++: the dialect handle and the pass
// registration. Everything else goes through the generic MLIR C API.
//
//===----------------------------------------------------------------------===//

#ifndef BRAZE_C_BRAZE_H
#define BRAZE_C_BRAZE_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Braze, braze);

/// Registers braze's passes and pipelines in the global registry (idempotent).
MLIR_CAPI_EXPORTED void mlirBrazeRegisterPasses(void);

/// Whether `op` implements braze's CostOpInterface.
MLIR_CAPI_EXPORTED bool mlirBrazeOperationHasCost(MlirOperation op);

/// CostOpInterface::getFlops / getBytesAccessed of an op that has a cost.
MLIR_CAPI_EXPORTED int64_t mlirBrazeOperationGetFlops(MlirOperation op);
MLIR_CAPI_EXPORTED int64_t mlirBrazeOperationGetBytesAccessed(MlirOperation op);

#ifdef __cplusplus
}
#endif

#endif // BRAZE_C_BRAZE_H
