//===- GraphDialect.h - The graph dialect -----------------------*- C++ -*-===//
#ifndef SMELT_DIALECTS_GRAPH_IR_GRAPHDIALECT_H
#define SMELT_DIALECTS_GRAPH_IR_GRAPHDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/graph/IR/GraphDialect.h.inc"

#endif
