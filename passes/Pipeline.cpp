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
  formation.libraryDevice = options.libraryDevice;
  pm.addPass(createGraphToKernel(formation));
  pm.addPass(mlir::createCanonicalizerPass());
  kernel::TargetDescription target =
      options.target ? *options.target : kernel::hostCpuDescription();
  if (options.groups > 0)
    target.groups = options.groups;
  if (options.minGroupWork > 0)
    target.minGroupWork = options.minGroupWork;
  kernel::ScheduleOptions schedule;
  schedule.search = options.scheduleSearch;
  // --vector-width fixes the width of every kernel, not only the register
  // tiles of contractions.
  if (options.vectorWidth > 0)
    schedule.vectorBytes = options.vectorWidth * 4;
  pm.addPass(kernel::createKernelSchedulePass(target, schedule));
  kernel::KernelVectorizeOptions vectorize;
  vectorize.vectorWidth = options.vectorWidth >= 0 ? options.vectorWidth : target.simdBytes / 4;
  if (options.cpuVectorize)
    pm.addPass(kernel::createKernelVectorize(vectorize));
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(kernel::createKernelBufferize());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(kernel::createKernelDistribute());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(createPlanMemory());
}
