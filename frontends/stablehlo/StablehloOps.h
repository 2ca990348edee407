//===- StablehloOps.h - StableHLO, CHLO and check ops -----------*- C++ -*-===//
#ifndef SMELT_FRONTENDS_STABLEHLO_STABLEHLOOPS_H
#define SMELT_FRONTENDS_STABLEHLO_STABLEHLOOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace smelt::stablehlo {
// Parsers of the pretty forms, one per syntax family (StablehloOps.cpp).
mlir::ParseResult parseElementwise(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseSelect(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseCompare(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseNamedAttrs(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseConstant(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseSlice(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseDotGeneral(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseReturn(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseReduce(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseWhile(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseCustomCall(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseGenericOnly(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseTopK(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseCheckConst(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseCheck(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseTuple(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseGetTupleElement(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseConvolution(mlir::OpAsmParser &parser, mlir::OperationState &result);
mlir::ParseResult parseComposite(mlir::OpAsmParser &parser, mlir::OperationState &result);
} // namespace smelt::stablehlo

#include "frontends/stablehlo/StablehloDialects.h.inc"
#include "frontends/stablehlo/ChloDialect.h.inc"
#include "frontends/stablehlo/CheckDialect.h.inc"

#define GET_OP_CLASSES
#include "frontends/stablehlo/StablehloOps.h.inc"
#define GET_OP_CLASSES
#include "frontends/stablehlo/ChloOps.h.inc"
#define GET_OP_CLASSES
#include "frontends/stablehlo/CheckOps.h.inc"

#endif
