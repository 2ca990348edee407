//===- StablehloSyntax.cpp - Pretty forms of the StableHLO ops with structure -===//
//
// dot_general, reduce (`applies` and `reducer`), while, custom_call, top_k,
// the check ops, tuples, convolution (`dim_numbers`, `window`) and
// composite; the simpler forms are in StablehloOps.cpp.
//
//===----------------------------------------------------------------------===//
#include "frontends/stablehlo/StablehloOps.h"
#include "frontends/stablehlo/StablehloParsing.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace smelt;
using namespace smelt::stablehlo;
using namespace smelt::stablehlo::parsing;

/// `%a, %b, batching_dims = [0] x [0], contracting_dims = [2] x [1],
///  precision = [DEFAULT, DEFAULT], algorithm = <...> : (T, T) -> R`
ParseResult smelt::stablehlo::parseDotGeneral(OpAsmParser &parser, OperationState &result) {
  MLIRContext *context = parser.getContext();
  Operands operands;
  if (parseOperands(parser, operands, 2))
    return failure();
  SmallVector<NamedAttribute> dims;
  auto addDims = [&](StringRef name, ArrayRef<int64_t> values) {
    dims.emplace_back(StringAttr::get(context, name), DenseI64ArrayAttr::get(context, values));
  };
  while (succeeded(parser.parseOptionalComma())) {
    StringRef keyword;
    if (parser.parseKeyword(&keyword) || parser.parseEqual())
      return failure();
    if (keyword == "batching_dims" || keyword == "contracting_dims") {
      SmallVector<int64_t> lhs, rhs;
      if (parseIntegerList(parser, lhs) || parser.parseKeyword("x") ||
          parseIntegerList(parser, rhs))
        return failure();
      std::string suffix = keyword == "batching_dims" ? "batching_dimensions"
                                                      : "contracting_dimensions";
      addDims("lhs_" + suffix, lhs);
      addDims("rhs_" + suffix, rhs);
    } else if (keyword == "precision") {
      SmallVector<Attribute> values;
      if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&]() {
            StringRef value;
            if (parser.parseKeyword(&value))
              return failure();
            values.push_back(StringAttr::get(context, value));
            return success();
          }))
        return failure();
      result.addAttribute("precision_config", ArrayAttr::get(context, values));
    } else if (keyword == "algorithm") {
      Attribute algorithm = parseStructAttr(parser);
      if (!algorithm)
        return failure();
      result.addAttribute("algorithm", algorithm);
    } else {
      return parser.emitError(parser.getCurrentLocation())
             << "unexpected '" << keyword << "' in dot_general";
    }
  }
  result.addAttribute("dot_dimension_numbers", DictionaryAttr::get(context, dims));
  if (parser.parseOptionalAttrDict(result.attributes) || parser.parseColon())
    return failure();
  return parseTrailingTypes(parser, result, operands, 1);
}

/// Builds `^bb(%a: T, %b: T): %r = <op> %a, %b; stablehlo.return %r` for the
/// `applies <op>` short form of reduce.
static void buildAppliedBody(OpBuilder &builder, Region &region, StringRef opName,
                             ArrayRef<Type> elementTypes, Location loc) {
  Block *block = new Block();
  region.push_back(block);
  SmallVector<Value> lhs, rhs;
  for (Type type : elementTypes)
    lhs.push_back(block->addArgument(type, loc));
  for (Type type : elementTypes)
    rhs.push_back(block->addArgument(type, loc));
  builder.setInsertionPointToStart(block);
  SmallVector<Value> results;
  for (size_t i = 0; i < elementTypes.size(); ++i) {
    OperationState state(loc, opName);
    state.addOperands({lhs[i], rhs[i]});
    state.addTypes(elementTypes[i]);
    results.push_back(builder.create(state)->getResult(0));
  }
  OperationState ret(loc, "stablehlo.return");
  ret.addOperands(results);
  builder.create(ret);
}

/// `(%x init: %c), (%y init: %d) applies stablehlo.add across dimensions = [1]
///  : (T..., I...) -> (R...)` optionally followed by
/// `reducer(%a: T, %b: T) (%c: U, %d: U) { ... }` instead of `applies`.
ParseResult smelt::stablehlo::parseReduce(OpAsmParser &parser, OperationState &result) {
  MLIRContext *context = parser.getContext();
  Operands inputs, inits;
  do {
    OpAsmParser::UnresolvedOperand input, init;
    if (parser.parseLParen() || parser.parseOperand(input) || parser.parseKeyword("init") ||
        parser.parseColon() || parser.parseOperand(init) || parser.parseRParen())
      return failure();
    inputs.push_back(input);
    inits.push_back(init);
  } while (succeeded(parser.parseOptionalComma()));
  std::string applied;
  if (succeeded(parser.parseOptionalKeyword("applies"))) {
    SMLoc at = parser.getCurrentLocation();
    FailureOr<OperationName> name = parser.parseCustomOperationName();
    if (failed(name))
      return parser.emitError(at) << "expected an op name after 'applies'";
    applied = name->getStringRef().str();
  }
  SmallVector<int64_t> dimensions;
  if (parser.parseKeyword("across") || parser.parseKeyword("dimensions") ||
      parser.parseEqual() || parseIntegerList(parser, dimensions) ||
      parser.parseOptionalAttrDict(result.attributes) || parser.parseColon())
    return failure();
  result.addAttribute("dimensions", DenseI64ArrayAttr::get(context, dimensions));
  Operands all(inputs);
  all.append(inits);
  if (parseTrailingTypes(parser, result, all, 1))
    return failure();
  Region *body = result.addRegion();
  if (!applied.empty()) {
    SmallVector<Type> elementTypes;
    for (size_t i = 0; i < inits.size(); ++i)
      elementTypes.push_back(result.operands[inputs.size() + i].getType());
    OpBuilder builder(context);
    buildAppliedBody(builder, *body, applied, elementTypes, result.location);
    return success();
  }
  // reducer(%lhs0: T, %rhs0: T) (%lhs1: U, %rhs1: U) ... { body }
  SmallVector<OpAsmParser::Argument> lhs, rhs;
  if (parser.parseKeyword("reducer"))
    return failure();
  for (size_t i = 0; i < inputs.size(); ++i) {
    OpAsmParser::Argument a, b;
    if (parser.parseLParen() || parser.parseArgument(a, /*allowType=*/true) ||
        parser.parseComma() || parser.parseArgument(b, /*allowType=*/true) ||
        parser.parseRParen())
      return failure();
    lhs.push_back(a);
    rhs.push_back(b);
  }
  SmallVector<OpAsmParser::Argument> arguments(lhs);
  arguments.append(rhs);
  return parser.parseRegion(*body, arguments);
}

/// `(%iterArg = %x, ...) : T, ... cond { ... } do { ... }`
ParseResult smelt::stablehlo::parseWhile(OpAsmParser &parser, OperationState &result) {
  SmallVector<OpAsmParser::Argument> arguments;
  Operands operands;
  SmallVector<Type> types;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Paren, [&]() {
        OpAsmParser::Argument argument;
        OpAsmParser::UnresolvedOperand operand;
        if (parser.parseArgument(argument) || parser.parseEqual() ||
            parser.parseOperand(operand))
          return failure();
        arguments.push_back(argument);
        operands.push_back(operand);
        return success();
      }))
    return failure();
  if (!operands.empty() && (parser.parseColon() || parser.parseTypeList(types)))
    return failure();
  if (parser.parseOptionalAttrDict(result.attributes))
    return failure();
  if (types.size() != arguments.size())
    return parser.emitError(loc) << "expected one type per loop value";
  for (size_t i = 0; i < arguments.size(); ++i)
    arguments[i].type = types[i];
  result.addTypes(types);
  if (parser.resolveOperands(operands, types, loc, result.operands))
    return failure();
  Region *cond = result.addRegion();
  Region *body = result.addRegion();
  if (parser.parseKeyword("cond") || parser.parseRegion(*cond, arguments) ||
      parser.parseKeyword("do") || parser.parseRegion(*body, arguments))
    return failure();
  return success();
}

/// `@target(%a, %b) {attrs} : (T, T) -> R`
ParseResult smelt::stablehlo::parseCustomCall(OpAsmParser &parser, OperationState &result) {
  StringAttr target;
  Operands operands;
  if (parser.parseSymbolName(target) ||
      parser.parseOperandList(operands, AsmParser::Delimiter::Paren) ||
      parser.parseOptionalAttrDict(result.attributes) || parser.parseColon())
    return failure();
  result.addAttribute("call_target_name", target);
  return parseTrailingTypes(parser, result, operands, 0);
}

ParseResult smelt::stablehlo::parseGenericOnly(OpAsmParser &parser, OperationState &result) {
  return parser.emitError(parser.getCurrentLocation())
         << "'" << result.name.getStringRef()
         << "' is read in MLIR's generic form only (\"" << result.name.getStringRef()
         << "\"(...) <{...}> ...)";
}

/// `(%x, k = 2) : T -> (T, I)`
ParseResult smelt::stablehlo::parseTopK(OpAsmParser &parser, OperationState &result) {
  OpAsmParser::UnresolvedOperand operand;
  int64_t k;
  if (parser.parseLParen() || parser.parseOperand(operand) || parser.parseComma() ||
      parser.parseKeyword("k") || parser.parseEqual() || parser.parseInteger(k) ||
      parser.parseRParen() || parser.parseOptionalAttrDict(result.attributes) ||
      parser.parseColon())
    return failure();
  result.addAttribute("k", IntegerAttr::get(IntegerType::get(parser.getContext(), 64), k));
  return parseTrailingTypes(parser, result, Operands{operand}, 2);
}

/// `%x, dense<...> : T {tolerance = ...}`
ParseResult smelt::stablehlo::parseCheckConst(OpAsmParser &parser, OperationState &result) {
  OpAsmParser::UnresolvedOperand operand;
  Attribute value;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseOperand(operand) || parser.parseComma() || parser.parseAttribute(value))
    return failure();
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements)
    return parser.emitError(loc) << "expected a dense elements attribute";
  result.addAttribute("value", value);
  if (parser.parseOptionalAttrDict(result.attributes))
    return failure();
  return parser.resolveOperand(operand, elements.getType(), result.operands);
}

/// `%a, %b(, tolerance = 0.1)?(, max_ulp_difference = 3)? : T(, T)?`
ParseResult smelt::stablehlo::parseCheck(OpAsmParser &parser, OperationState &result) {
  Operands operands;
  if (parseOperands(parser, operands, 2))
    return failure();
  while (succeeded(parser.parseOptionalComma())) {
    StringRef keyword;
    Attribute value;
    if (parser.parseKeyword(&keyword) || parser.parseEqual())
      return failure();
    // Typed explicitly: the `: T` that follows belongs to the operands.
    Builder b(parser.getContext());
    Type type = keyword == "tolerance" ? Type(b.getF64Type()) : Type(b.getI64Type());
    if (parser.parseAttribute(value, type))
      return failure();
    result.addAttribute(keyword, value);
  }
  if (parser.parseOptionalAttrDict(result.attributes) || parser.parseColon())
    return failure();
  return parseTrailingTypes(parser, result, operands, 0);
}

/// `%a, %b : tuple<A, B>`
ParseResult smelt::stablehlo::parseTuple(OpAsmParser &parser, OperationState &result) {
  Operands operands;
  Type type;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseOperandList(operands) || parser.parseOptionalAttrDict(result.attributes) ||
      parser.parseColonType(type))
    return failure();
  auto tuple = dyn_cast<TupleType>(type);
  if (!tuple || tuple.size() != operands.size())
    return parser.emitError(loc) << "expected a tuple type with one element per operand";
  result.addTypes(type);
  return parser.resolveOperands(operands, tuple.getTypes(), loc, result.operands);
}

/// `%t[1] : (tuple<A, B>) -> B`
ParseResult smelt::stablehlo::parseGetTupleElement(OpAsmParser &parser, OperationState &result) {
  OpAsmParser::UnresolvedOperand operand;
  int64_t index;
  if (parser.parseOperand(operand) || parser.parseLSquare() || parser.parseInteger(index) ||
      parser.parseRSquare() || parser.parseOptionalAttrDict(result.attributes) ||
      parser.parseColon())
    return failure();
  result.addAttribute("index", IntegerAttr::get(IntegerType::get(parser.getContext(), 32), index));
  return parseTrailingTypes(parser, result, Operands{operand}, 1);
}

/// `(%lhs, %rhs) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f],
///  window = {stride = [..], pad = [[lo, hi], ..], lhs_dilate = [..],
///  rhs_dilate = [..], reverse = [..]} {attrs} : (L, R) -> T`
ParseResult smelt::stablehlo::parseConvolution(OpAsmParser &parser, OperationState &result) {
  MLIRContext *context = parser.getContext();
  Builder b(context);
  Operands operands;
  if (parser.parseOperandList(operands, 2, AsmParser::Delimiter::Paren) ||
      parser.parseKeyword("dim_numbers") || parser.parseEqual())
    return failure();
  Attribute numbers = parseConvDimensionNumbers(parser);
  if (!numbers)
    return failure();
  result.addAttribute("dimension_numbers", numbers);
  if (succeeded(parser.parseOptionalComma())) {
    if (parser.parseKeyword("window") || parser.parseEqual() || parser.parseLBrace())
      return failure();
    if (failed(parser.parseOptionalRBrace())) {
      do {
        StringRef key;
        SMLoc at = parser.getCurrentLocation();
        if (parser.parseKeyword(&key) || parser.parseEqual())
          return failure();
        if (key == "pad") {
          SmallVector<int64_t> flat;
          int64_t rows = 0;
          if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&]() {
                int64_t low, high;
                if (parser.parseLSquare() || parser.parseInteger(low) || parser.parseComma() ||
                    parser.parseInteger(high) || parser.parseRSquare())
                  return failure();
                flat.append({low, high});
                ++rows;
                return success();
              }))
            return failure();
          auto type = RankedTensorType::get({rows, 2}, b.getI64Type());
          result.addAttribute("padding", DenseIntElementsAttr::get(type, flat));
          continue;
        }
        SmallVector<int64_t> values;
        SmallVector<bool> flags;
        if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&]() {
              int64_t value;
              OptionalParseResult integer = parser.parseOptionalInteger(value);
              if (integer.has_value()) {
                if (failed(*integer))
                  return failure();
                values.push_back(value);
                flags.push_back(value != 0);
                return success();
              }
              StringRef word;
              if (parser.parseKeyword(&word) || (word != "true" && word != "false"))
                return failure();
              flags.push_back(word == "true");
              values.push_back(word == "true");
              return success();
            }))
          return failure();
        if (key == "stride")
          result.addAttribute("window_strides", b.getDenseI64ArrayAttr(values));
        else if (key == "lhs_dilate")
          result.addAttribute("lhs_dilation", b.getDenseI64ArrayAttr(values));
        else if (key == "rhs_dilate")
          result.addAttribute("rhs_dilation", b.getDenseI64ArrayAttr(values));
        else if (key == "reverse")
          result.addAttribute("window_reversal", b.getDenseBoolArrayAttr(flags));
        else
          return parser.emitError(at) << "unknown convolution window field '" << key << "'";
      } while (succeeded(parser.parseOptionalComma()));
      if (parser.parseRBrace())
        return failure();
    }
  }
  if (parser.parseOptionalAttrDict(result.attributes) || parser.parseColon())
    return failure();
  return parseTrailingTypes(parser, result, operands, 1);
}

/// `"name" %a, %b {composite_attributes = {..}, decomposition = @f} : (..) -> ..`
ParseResult smelt::stablehlo::parseComposite(OpAsmParser &parser, OperationState &result) {
  std::string name;
  Operands operands;
  if (parser.parseString(&name) || parser.parseOperandList(operands) ||
      parser.parseOptionalAttrDict(result.attributes) || parser.parseColon())
    return failure();
  result.addAttribute("name", StringAttr::get(parser.getContext(), name));
  return parseTrailingTypes(parser, result, operands, 1);
}
