//===- Registration.cpp - Everything Smelt's tools register -----------------===//
#include "tools/common/Registration.h"

#include "dialects/graph/IR/GraphOps.h"
#include "dialects/kernel/IR/KernelOps.h"
#include "dialects/plan/IR/PlanDialect.h"
#include "frontends/stablehlo/StablehloImporter.h"
#include "passes/Passes.h"
#include "dialects/kernel/Transforms/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"

void smelt::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<graph::GraphDialect, kernel::KernelDialect, plan::PlanDialect>();
  stablehlo_frontend::registerStablehloDialects(registry);
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
}

void smelt::registerAllPasses() {
  mlir::registerAllPasses();
  registerSmeltPasses();
  kernel::registerKernelPasses();
}
