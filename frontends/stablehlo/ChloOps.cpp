//===- ChloOps.cpp - The CHLO ops Smelt imports -----------------------------===//
//
// Their definitions are in StablehloOps.td and their parsers in
// StablehloOps.cpp; each dialect's generated code needs its own translation
// unit (the generated constraint helpers share names).
//
//===----------------------------------------------------------------------===//
#include "frontends/stablehlo/StablehloOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace smelt;

#include "frontends/stablehlo/ChloDialect.cpp.inc"

#define GET_OP_CLASSES
#include "frontends/stablehlo/ChloOps.cpp.inc"

void smelt::chlo::ChloDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "frontends/stablehlo/ChloOps.cpp.inc"
      >();
  allowUnknownOperations();
}
