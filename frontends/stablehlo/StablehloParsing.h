//===- StablehloParsing.h - Shared pieces of the StableHLO parsers -*- C++ -*-===//
#ifndef SMELT_FRONTENDS_STABLEHLO_STABLEHLOPARSING_H
#define SMELT_FRONTENDS_STABLEHLO_STABLEHLOPARSING_H

#include "mlir/IR/OpImplementation.h"

namespace smelt::stablehlo::parsing {

using Operands = llvm::SmallVector<mlir::OpAsmParser::UnresolvedOperand>;

/// `[1, 2, 3]` (possibly empty).
mlir::ParseResult parseIntegerList(mlir::AsmParser &parser, llvm::SmallVectorImpl<int64_t> &values);
/// `[1, 2, 3]` when the next token opens a list, else nothing.
mlir::OptionalParseResult parseOptionalIntegerList(mlir::AsmParser &parser,
                                                   llvm::SmallVectorImpl<int64_t> &values);
/// `[1, 2]` as a DenseI64ArrayAttr or `3` as an i64 IntegerAttr, when the
/// next token starts one.
mlir::OptionalParseResult parseOptionalIntegers(mlir::AsmParser &parser, mlir::Attribute &result);
/// `<name = [..] | integer | attribute, ...>` as a dictionary.
mlir::Attribute parseStructAttr(mlir::AsmParser &parser);
/// `[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]` as a dictionary of the nine
/// convolution dimension numbers.
mlir::Attribute parseConvDimensionNumbers(mlir::AsmParser &parser);
/// Exactly `count` comma-separated operands.
mlir::ParseResult parseOperands(mlir::OpAsmParser &parser, Operands &operands, int count);
/// The types after `:` for `operands` (a function type, or a type list with an
/// optional `-> results`), resolving the operands; `resultCount` results
/// when not spelled out (-1: one per operand, with its type).
mlir::ParseResult parseTrailingTypes(mlir::OpAsmParser &parser, mlir::OperationState &result,
                                     const Operands &operands, int resultCount);

} // namespace smelt::stablehlo::parsing

#endif
