//===- Pipeline.cpp - The compiler's pass pipeline ------------------------===//
#include "passes/Pipeline.h"

#include "dialects/kernel/Transforms/Passes.h"
#include "passes/Passes.h"

#include "mlir/Transforms/Passes.h"

void smelt::buildGraphToPlanPipeline(mlir::OpPassManager &pm, const PipelineOptions &options) {
  pm.addPass(mlir::createCanonicalizerPass());
  GraphToKernelOptions formation;
  formation.fuse = options.fuse;
  formation.libraryCalls = options.libraryCalls;
  pm.addPass(createGraphToKernel(formation));
  pm.addPass(mlir::createCanonicalizerPass());
  kernel::KernelScheduleOptions schedule;
  schedule.groups = options.groups;
  schedule.minGroupWork = options.minGroupWork;
  schedule.search = options.scheduleSearch;
  pm.addPass(kernel::createKernelSchedule(schedule));
  kernel::KernelVectorizeOptions vectorize;
  vectorize.vectorWidth = options.vectorWidth;
  pm.addPass(kernel::createKernelVectorize(vectorize));
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(kernel::createKernelBufferize());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(kernel::createKernelDistribute());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(createPlanMemory());
}
