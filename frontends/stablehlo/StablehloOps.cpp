//===- StablehloOps.cpp - The StableHLO dialect, attributes, simple forms ----===//
//
// The pretty syntax of the StableHLO ops we import, from the StableHLO
// specification's examples: one parser per syntax family. Every op prints in
// the generic form (which these dialects also parse), so printing never has
// to reproduce the pretty form.
//
// Dialect attributes (`#stablehlo.scatter<...>`, `#stablehlo.gather<...>`,
// `#stablehlo.dot<...>`, `#stablehlo<comparison_direction LT>`, ...) parse
// into builtin attributes: the structured ones into a DictionaryAttr of
// DenseI64ArrayAttr/IntegerAttr fields, the enumerations into a StringAttr.
//
//===----------------------------------------------------------------------===//
#include "frontends/stablehlo/StablehloOps.h"
#include "frontends/stablehlo/StablehloParsing.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace smelt;
using namespace smelt::stablehlo;
using namespace smelt::stablehlo::parsing;

#include "frontends/stablehlo/StablehloDialects.cpp.inc"

#define GET_OP_CLASSES
#include "frontends/stablehlo/StablehloOps.cpp.inc"

// Ops Smelt does not model still parse in the generic form, so the importer
// can name them in its "unsupported op" error instead of failing to parse.
void StablehloDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "frontends/stablehlo/StablehloOps.cpp.inc"
      >();
  allowUnknownOperations();
}
//===----------------------------------------------------------------------===//
// Dialect attributes
//===----------------------------------------------------------------------===//

/// `[1, 2, 3]` (possibly empty).
ParseResult smelt::stablehlo::parsing::parseIntegerList(AsmParser &parser, SmallVectorImpl<int64_t> &values) {
  return parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&]() {
    int64_t value;
    if (parser.parseInteger(value))
      return failure();
    values.push_back(value);
    return success();
  });
}

OptionalParseResult smelt::stablehlo::parsing::parseOptionalIntegerList(
    AsmParser &parser, SmallVectorImpl<int64_t> &values) {
  if (failed(parser.parseOptionalLSquare()))
    return std::nullopt;
  if (succeeded(parser.parseOptionalRSquare()))
    return success();
  do {
    int64_t value;
    if (parser.parseInteger(value))
      return failure();
    values.push_back(value);
  } while (succeeded(parser.parseOptionalComma()));
  return parser.parseRSquare();
}

OptionalParseResult smelt::stablehlo::parsing::parseOptionalIntegers(AsmParser &parser,
                                                                    Attribute &result) {
  SmallVector<int64_t> values;
  OptionalParseResult list = parseOptionalIntegerList(parser, values);
  if (list.has_value()) {
    if (succeeded(*list))
      result = DenseI64ArrayAttr::get(parser.getContext(), values);
    return list;
  }
  int64_t value;
  OptionalParseResult integer = parser.parseOptionalInteger(value);
  if (integer.has_value() && succeeded(*integer))
    result = IntegerAttr::get(IntegerType::get(parser.getContext(), 64), value);
  return integer;
}

/// `<name = [..] | integer, ...>` as a dictionary.
Attribute smelt::stablehlo::parsing::parseStructAttr(AsmParser &parser) {
  MLIRContext *context = parser.getContext();
  SmallVector<NamedAttribute> fields;
  if (parser.parseLess())
    return {};
  if (succeeded(parser.parseOptionalGreater()))
    return DictionaryAttr::get(context, fields);
  auto parseField = [&]() -> ParseResult {
    std::string name;
    if (parser.parseKeywordOrString(&name) || parser.parseEqual())
      return failure();
    Attribute number;
    OptionalParseResult parsed = parseOptionalIntegers(parser, number);
    if (parsed.has_value()) {
      if (failed(*parsed))
        return failure();
      fields.emplace_back(StringAttr::get(context, name), number);
      return success();
    }
    Attribute other;
    if (parser.parseAttribute(other))
      return failure();
    fields.emplace_back(StringAttr::get(context, name), other);
    return success();
  };
  if (parser.parseCommaSeparatedList(parseField) || parser.parseGreater())
    return {};
  return DictionaryAttr::get(context, fields);
}

/// `[b, 0, 1, f]` (input/output) or `[0, 1, i, o]` (kernel): the position of
/// each letter and of each spatial index.
static ParseResult parseConvLayout(AsmParser &parser, StringRef first, StringRef second,
                                   int64_t &firstDim, int64_t &secondDim,
                                   SmallVectorImpl<int64_t> &spatial) {
  SmallVector<std::pair<int64_t, int64_t>> spatialAt; // (spatial index, position)
  int64_t position = 0;
  firstDim = secondDim = -1;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&]() -> ParseResult {
        int64_t index;
        OptionalParseResult integer = parser.parseOptionalInteger(index);
        if (integer.has_value()) {
          if (failed(*integer))
            return failure();
          spatialAt.push_back({index, position++});
          return success();
        }
        StringRef letter;
        if (parser.parseKeyword(&letter))
          return failure();
        if (letter == first)
          firstDim = position;
        else if (letter == second)
          secondDim = position;
        else
          return parser.emitError(parser.getCurrentLocation())
                 << "unexpected '" << letter << "' in convolution dimension numbers";
        ++position;
        return success();
      }))
    return failure();
  spatial.assign(spatialAt.size(), -1);
  for (auto [index, at] : spatialAt) {
    if (index < 0 || index >= (int64_t)spatialAt.size())
      return parser.emitError(loc) << "bad spatial dimension " << index;
    spatial[index] = at;
  }
  if (firstDim < 0 || secondDim < 0)
    return parser.emitError(loc) << "convolution dimension numbers need '" << first << "' and '"
                                 << second << "'";
  return success();
}

/// `[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]` as a dictionary of the nine
/// dimension numbers.
Attribute smelt::stablehlo::parsing::parseConvDimensionNumbers(AsmParser &parser) {
  MLIRContext *context = parser.getContext();
  int64_t inputBatch, inputFeature, kernelInput, kernelOutput, outputBatch, outputFeature;
  SmallVector<int64_t> inputSpatial, kernelSpatial, outputSpatial;
  if (parseConvLayout(parser, "b", "f", inputBatch, inputFeature, inputSpatial) ||
      parser.parseKeyword("x") ||
      parseConvLayout(parser, "i", "o", kernelInput, kernelOutput, kernelSpatial) ||
      parser.parseArrow() ||
      parseConvLayout(parser, "b", "f", outputBatch, outputFeature, outputSpatial))
    return {};
  Builder b(context);
  auto integer = [&](int64_t value) { return b.getI64IntegerAttr(value); };
  NamedAttrList fields;
  fields.append("input_batch_dimension", integer(inputBatch));
  fields.append("input_feature_dimension", integer(inputFeature));
  fields.append("input_spatial_dimensions", b.getDenseI64ArrayAttr(inputSpatial));
  fields.append("kernel_input_feature_dimension", integer(kernelInput));
  fields.append("kernel_output_feature_dimension", integer(kernelOutput));
  fields.append("kernel_spatial_dimensions", b.getDenseI64ArrayAttr(kernelSpatial));
  fields.append("output_batch_dimension", integer(outputBatch));
  fields.append("output_feature_dimension", integer(outputFeature));
  fields.append("output_spatial_dimensions", b.getDenseI64ArrayAttr(outputSpatial));
  return fields.getDictionary(context);
}

Attribute StablehloDialect::parseAttribute(DialectAsmParser &parser, Type) const {
  StringRef mnemonic;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseKeyword(&mnemonic))
    return {};
  if (mnemonic == "conv") {
    if (parser.parseLess())
      return {};
    Attribute numbers;
    if (succeeded(parser.parseOptionalKeyword("raw"))) {
      // raw input_batch_dimension = 0, ... : the struct form without '<'.
      MLIRContext *context = getContext();
      NamedAttrList fields;
      do {
        std::string name;
        if (parser.parseKeywordOrString(&name) || parser.parseEqual())
          return {};
        SmallVector<int64_t> values;
        OptionalParseResult list = parseOptionalIntegerList(parser, values);
        if (list.has_value()) {
          if (failed(*list))
            return {};
          fields.append(name, DenseI64ArrayAttr::get(context, values));
        } else {
          int64_t value;
          if (parser.parseInteger(value))
            return {};
          fields.append(name, IntegerAttr::get(IntegerType::get(context, 64), value));
        }
      } while (succeeded(parser.parseOptionalComma()));
      numbers = fields.getDictionary(context);
    } else {
      numbers = parseConvDimensionNumbers(parser);
    }
    if (!numbers || parser.parseGreater())
      return {};
    return numbers;
  }
  if (mnemonic == "scatter" || mnemonic == "gather" || mnemonic == "dot" ||
      mnemonic == "dot_algorithm" || mnemonic == "output_operand_alias" ||
      mnemonic == "result_accuracy")
    return parseStructAttr(parser);
  if (mnemonic == "comparison_direction" || mnemonic == "comparison_type" ||
      mnemonic == "precision" || mnemonic == "transpose" || mnemonic == "rng_algorithm" ||
      mnemonic == "fft_type" || mnemonic == "rng_distribution" ||
      mnemonic == "result_accuracy_mode") {
    // `#stablehlo<comparison_direction LT>`, or `#stablehlo.name<VALUE>`.
    bool bracketed = succeeded(parser.parseOptionalLess());
    StringRef value;
    if (parser.parseKeyword(&value) || (bracketed && parser.parseGreater()))
      return {};
    return StringAttr::get(getContext(), value);
  }
  parser.emitError(loc) << "unsupported StableHLO attribute '#stablehlo." << mnemonic << "'";
  return {};
}

void StablehloDialect::printAttribute(Attribute attr, DialectAsmPrinter &printer) const {
  // parseAttribute returns builtin attributes only.
  printer << "<unexpected>";
}

//===----------------------------------------------------------------------===//
// Shared pieces of the pretty forms
//===----------------------------------------------------------------------===//


/// Exactly `count` comma-separated operands (a trailing `, KEYWORD` or
/// `, name = value` belongs to the op, not to the operand list).
ParseResult smelt::stablehlo::parsing::parseOperands(OpAsmParser &parser, Operands &operands, int count) {
  for (int i = 0; i < count; ++i) {
    OpAsmParser::UnresolvedOperand operand;
    if ((i > 0 && parser.parseComma()) || parser.parseOperand(operand))
      return failure();
    operands.push_back(operand);
  }
  return success();
}

/// The types after `->`: `(R...)` (possibly empty) or a single type.
static ParseResult parseResultTypes(OpAsmParser &parser, SmallVectorImpl<Type> &types) {
  if (succeeded(parser.parseOptionalLParen())) {
    if (succeeded(parser.parseOptionalRParen()))
      return success();
    return failure(parser.parseTypeList(types) || parser.parseRParen());
  }
  Type single;
  if (parser.parseType(single))
    return failure();
  types.push_back(single);
  return success();
}

/// Types after `:` for `operands`: a function type `(T...) -> R` / `(T...) ->
/// (R...)`, or a list `T1, T2` (one type per operand, or one type for all)
/// optionally followed by `-> R` / `-> (R...)`. Without results spelled out,
/// the single result has the last type given (`resultCount` results in all;
/// -1: as many results as operands, with their types).
ParseResult smelt::stablehlo::parsing::parseTrailingTypes(OpAsmParser &parser, OperationState &result,
                                      const Operands &operands, int resultCount) {
  SMLoc loc = parser.getCurrentLocation();
  SmallVector<Type> operandTypes, resultTypes;
  Type first;
  if (succeeded(parser.parseOptionalLParen())) {
    // A function type (or a parenthesized operand type list).
    if (failed(parser.parseOptionalRParen())) {
      if (parser.parseTypeList(operandTypes) || parser.parseRParen())
        return failure();
    }
    if (parser.parseArrow() || parseResultTypes(parser, resultTypes))
      return failure();
  } else {
    if (parser.parseTypeList(operandTypes))
      return failure();
    if (succeeded(parser.parseOptionalArrow())) {
      if (parseResultTypes(parser, resultTypes))
        return failure();
    } else if (resultCount == -1) {
      resultTypes = operandTypes;
    } else if (resultCount > 0) {
      resultTypes.assign(resultCount, operandTypes.back());
    }
    if (operandTypes.size() == 1 && operands.size() > 1)
      operandTypes.assign(operands.size(), operandTypes.front());
  }
  if (operands.empty() && operandTypes.size() == 1 && resultTypes.empty())
    resultTypes.push_back(operandTypes.front());
  if (operands.empty())
    operandTypes.clear();
  if (operandTypes.size() != operands.size())
    return parser.emitError(loc) << "expected " << operands.size() << " operand types, got "
                                 << operandTypes.size();
  result.addTypes(resultTypes);
  return parser.resolveOperands(operands, operandTypes, loc, result.operands);
}

static ParseResult parseOperandsAndTypes(OpAsmParser &parser, OperationState &result,
                                         int resultCount) {
  Operands operands;
  if (parser.parseOperandList(operands) || parser.parseOptionalAttrDict(result.attributes) ||
      parser.parseColon())
    return failure();
  return parseTrailingTypes(parser, result, operands, resultCount);
}

ParseResult smelt::stablehlo::parseElementwise(OpAsmParser &parser, OperationState &result) {
  StringRef name = result.name.getStringRef();
  if (name == "stablehlo.complex") {
    // `%re, %im : tensor<...xcomplex<T>>`: the one type is the result's.
    Operands operands;
    Type type;
    SMLoc loc = parser.getCurrentLocation();
    if (parseOperands(parser, operands, 2) || parser.parseOptionalAttrDict(result.attributes) ||
        parser.parseColon())
      return failure();
    if (succeeded(parser.parseOptionalLParen())) {
      SmallVector<Type> operandTypes;
      if (parser.parseTypeList(operandTypes) || parser.parseRParen() || parser.parseArrow() ||
          parser.parseType(type))
        return failure();
      result.addTypes(type);
      return parser.resolveOperands(operands, operandTypes, loc, result.operands);
    }
    if (parser.parseType(type))
      return failure();
    auto shaped = dyn_cast<ShapedType>(type);
    auto complex = shaped ? dyn_cast<ComplexType>(shaped.getElementType()) : ComplexType();
    if (!complex)
      return parser.emitError(loc) << "expected a complex tensor type";
    result.addTypes(type);
    Type part = shaped.clone(complex.getElementType());
    return parser.resolveOperands(operands, {part, part}, loc, result.operands);
  }
  bool variadicResults = name == "stablehlo.optimization_barrier";
  return parseOperandsAndTypes(parser, result, variadicResults ? -1 : 1);
}

ParseResult smelt::stablehlo::parseReturn(OpAsmParser &parser, OperationState &result) {
  Operands operands;
  if (parser.parseOperandList(operands) || parser.parseOptionalAttrDict(result.attributes))
    return failure();
  if (operands.empty())
    return success();
  SmallVector<Type> types;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseColonTypeList(types))
    return failure();
  return parser.resolveOperands(operands, types, loc, result.operands);
}

/// `%pred, %a, %b : tensor<i1>, tensor<..>` or a function type.
ParseResult smelt::stablehlo::parseSelect(OpAsmParser &parser, OperationState &result) {
  Operands operands;
  SMLoc loc = parser.getCurrentLocation();
  if (parseOperands(parser, operands, 3) || parser.parseOptionalAttrDict(result.attributes) ||
      parser.parseColon())
    return failure();
  if (succeeded(parser.parseOptionalLParen())) {
    SmallVector<Type> operandTypes;
    Type resultType;
    if (parser.parseTypeList(operandTypes) || parser.parseRParen() || parser.parseArrow() ||
        parser.parseType(resultType))
      return failure();
    result.addTypes(resultType);
    return parser.resolveOperands(operands, operandTypes, loc, result.operands);
  }
  Type predType, valueType;
  if (parser.parseType(predType) || parser.parseComma() || parser.parseType(valueType))
    return failure();
  result.addTypes(valueType);
  return parser.resolveOperands(operands, {predType, valueType, valueType}, loc,
                                result.operands);
}

/// `LT, %a, %b(, FLOAT)? : (T, T) -> R`
ParseResult smelt::stablehlo::parseCompare(OpAsmParser &parser, OperationState &result) {
  MLIRContext *context = parser.getContext();
  StringRef direction;
  Operands operands;
  if (parser.parseKeyword(&direction) || parser.parseComma() ||
      parseOperands(parser, operands, 2))
    return failure();
  result.addAttribute("comparison_direction", StringAttr::get(context, direction));
  if (succeeded(parser.parseOptionalComma())) {
    StringRef kind;
    if (parser.parseKeyword(&kind))
      return failure();
    result.addAttribute("compare_type", StringAttr::get(context, kind));
  }
  if (parser.parseOptionalAttrDict(result.attributes) || parser.parseColon())
    return failure();
  return parseTrailingTypes(parser, result, operands, 1);
}

/// The attribute name a keyword of the pretty form stands for.
static std::string attributeNameFor(StringRef op, StringRef keyword) {
  if (keyword == "dims") {
    if (op == "stablehlo.broadcast_in_dim")
      return "broadcast_dimensions";
    if (op == "stablehlo.transpose")
      return "permutation";
    return "dimensions";
  }
  if (keyword == "dim")
    return op == "stablehlo.iota" || op == "stablehlo.dynamic_iota" ? "iota_dimension"
                                                                     : "dimension";
  return llvm::StringSwitch<std::string>(keyword)
      .Case("sizes", "slice_sizes")
      .Case("low", "edge_padding_low")
      .Case("high", "edge_padding_high")
      .Case("interior", "interior_padding")
      .Case("algorithm", "rng_algorithm")
      .Case("type", "fft_type")
      .Case("length", "fft_length")
      .Default(keyword.str());
}

/// `%a, %b, key = [..], key = 3, format = e5m10 : types`
ParseResult smelt::stablehlo::parseNamedAttrs(OpAsmParser &parser, OperationState &result) {
  MLIRContext *context = parser.getContext();
  StringRef opName = result.name.getStringRef();
  Operands operands;
  auto parseKeyValueAfter = [&](StringRef keyword) -> ParseResult {
    if (parser.parseEqual())
      return failure();
    if (keyword == "format") {
      // e<exponent bits>m<mantissa bits>
      StringRef format;
      SMLoc at = parser.getCurrentLocation();
      if (parser.parseKeyword(&format))
        return failure();
      int64_t exponent, mantissa;
      auto [e, m] = format.drop_front().split('m');
      if (!format.starts_with("e") || e.getAsInteger(10, exponent) ||
          m.getAsInteger(10, mantissa))
        return parser.emitError(at) << "expected a format like e5m10";
      result.addAttribute("exponent_bits", IntegerAttr::get(IntegerType::get(context, 32), exponent));
      result.addAttribute("mantissa_bits", IntegerAttr::get(IntegerType::get(context, 32), mantissa));
      return success();
    }
    std::string name = attributeNameFor(opName, keyword);
    Attribute number;
    OptionalParseResult parsed = parseOptionalIntegers(parser, number);
    if (parsed.has_value()) {
      if (failed(*parsed))
        return failure();
      result.addAttribute(name, number);
      return success();
    }
    // An enumeration (algorithm = THREE_FRY, type = FFT).
    StringRef word;
    if (parser.parseKeyword(&word))
      return failure();
    result.addAttribute(name, StringAttr::get(context, word));
    return success();
  };
  auto parseKeyValue = [&]() -> ParseResult {
    StringRef keyword;
    if (parser.parseKeyword(&keyword))
      return failure();
    return parseKeyValueAfter(keyword);
  };
  // Operands, then `key = value` pairs, all comma-separated (iota has no
  // operands: `dim = 0 : T`; replica_id has neither).
  bool first = true;
  while (true) {
    if (!first && failed(parser.parseOptionalComma()))
      break;
    OpAsmParser::UnresolvedOperand operand;
    OptionalParseResult parsedOperand = parser.parseOptionalOperand(operand);
    if (parsedOperand.has_value()) {
      if (failed(*parsedOperand))
        return failure();
      operands.push_back(operand);
      first = false;
      continue;
    }
    StringRef peeked;
    if (first && failed(parser.parseOptionalKeyword(&peeked))) {
      break;
    }
    if (first) {
      // The keyword was consumed: finish its `= value`.
      if (parseKeyValueAfter(peeked))
        return failure();
    } else if (parseKeyValue()) {
      return failure();
    }
    first = false;
  }
  if (parser.parseOptionalAttrDict(result.attributes) || parser.parseColon())
    return failure();
  return parseTrailingTypes(parser, result, operands, 1);
}

/// `dense<...> : tensor<...>` (the attribute carries the type).
ParseResult smelt::stablehlo::parseConstant(OpAsmParser &parser, OperationState &result) {
  if (parser.parseOptionalAttrDict(result.attributes))
    return failure();
  Attribute value;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseAttribute(value))
    return failure();
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements)
    return parser.emitError(loc) << "expected a dense elements attribute";
  result.addAttribute("value", value);
  result.addTypes(elements.getType());
  return success();
}

/// `%x [0:2, 1:4:2] : (T) -> R`
ParseResult smelt::stablehlo::parseSlice(OpAsmParser &parser, OperationState &result) {
  MLIRContext *context = parser.getContext();
  OpAsmParser::UnresolvedOperand operand;
  SmallVector<int64_t> starts, limits, strides;
  if (parser.parseOperand(operand))
    return failure();
  auto parseDim = [&]() -> ParseResult {
    int64_t start, limit, stride = 1;
    if (parser.parseInteger(start) || parser.parseColon() || parser.parseInteger(limit))
      return failure();
    if (succeeded(parser.parseOptionalColon()) && parser.parseInteger(stride))
      return failure();
    starts.push_back(start);
    limits.push_back(limit);
    strides.push_back(stride);
    return success();
  };
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, parseDim) ||
      parser.parseOptionalAttrDict(result.attributes) || parser.parseColon())
    return failure();
  result.addAttribute("start_indices", DenseI64ArrayAttr::get(context, starts));
  result.addAttribute("limit_indices", DenseI64ArrayAttr::get(context, limits));
  result.addAttribute("strides", DenseI64ArrayAttr::get(context, strides));
  return parseTrailingTypes(parser, result, Operands{operand}, 1);
}

