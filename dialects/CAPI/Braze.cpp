//===- Braze.cpp - C API of braze -----------------------------------------===//

#include "dialects/CAPI/Braze.h"

#include "dialects/Braze/BrazeDialect.h"
#include "mlir/CAPI/Registration.h"
#include "passes/Passes.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Braze, braze, mlir::braze::BrazeDialect)

void mlirBrazeRegisterPasses(void) {
  mlir::braze::registerBrazePassesAndPipelines();
}
