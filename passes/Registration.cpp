//===- Registration.cpp - braze pass registry --------------------------------===//

#include "passes/Passes.h"

void mlir::braze::registerBrazePassesAndPipelines() {
  static const bool registered = [] {
    registerBrazePasses();
    return true;
  }();
  (void)registered;
}
