//===- CheckOps.cpp - The conformance programs' check ops -------------------===//
//
// Definitions in StablehloOps.td, parsers in StablehloOps.cpp (see
// ChloOps.cpp for why each dialect has a file).
//
//===----------------------------------------------------------------------===//
#include "frontends/stablehlo/StablehloOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace smelt;

#include "frontends/stablehlo/CheckDialect.cpp.inc"

#define GET_OP_CLASSES
#include "frontends/stablehlo/CheckOps.cpp.inc"

void smelt::check::CheckDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "frontends/stablehlo/CheckOps.cpp.inc"
      >();
}
