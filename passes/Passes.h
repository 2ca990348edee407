//===- Passes.h - Cross-dialect conversions and pipelines -------*- C++ -*-===//
#ifndef SMELT_PASSES_PASSES_H
#define SMELT_PASSES_PASSES_H

#include "dialects/kernel/IR/KernelOps.h"
#include "dialects/plan/IR/PlanDialect.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Complex/IR/Complex.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Pass/Pass.h"

namespace smelt {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace smelt

#endif
