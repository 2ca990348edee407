//===- StablehloOps.cpp - Parsing StableHLO's pretty forms ------------------===//
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

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace smelt;
using namespace smelt::stablehlo;

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
static ParseResult parseIntegerList(AsmParser &parser, SmallVectorImpl<int64_t> &values) {
  return parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&]() {
    int64_t value;
    if (parser.parseInteger(value))
      return failure();
    values.push_back(value);
    return success();
  });
}

/// `<name = [..] | integer, ...>` as a dictionary.
static Attribute parseStructAttr(AsmParser &parser) {
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
    if (succeeded(parser.parseOptionalLSquare())) {
      SmallVector<int64_t> values;
      if (failed(parser.parseOptionalRSquare())) {
        do {
          int64_t value;
          if (parser.parseInteger(value))
            return failure();
          values.push_back(value);
        } while (succeeded(parser.parseOptionalComma()));
        if (parser.parseRSquare())
          return failure();
      }
      fields.emplace_back(StringAttr::get(context, name),
                          DenseI64ArrayAttr::get(context, values));
      return success();
    }
    int64_t value;
    OptionalParseResult integer = parser.parseOptionalInteger(value);
    if (integer.has_value()) {
      if (failed(*integer))
        return failure();
      fields.emplace_back(StringAttr::get(context, name),
                          IntegerAttr::get(IntegerType::get(context, 64), value));
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
static Attribute parseConvDimensionNumbers(AsmParser &parser) {
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
        if (succeeded(parser.parseOptionalLSquare())) {
          if (failed(parser.parseOptionalRSquare())) {
            do {
              int64_t value;
              if (parser.parseInteger(value))
                return {};
              values.push_back(value);
            } while (succeeded(parser.parseOptionalComma()));
            if (parser.parseRSquare())
              return {};
          }
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
      mnemonic == "dot_algorithm" || mnemonic == "output_operand_alias")
    return parseStructAttr(parser);
  if (mnemonic == "comparison_direction" || mnemonic == "comparison_type" ||
      mnemonic == "precision" || mnemonic == "transpose" || mnemonic == "rng_algorithm" ||
      mnemonic == "fft_type" || mnemonic == "rng_distribution" ||
      mnemonic == "result_accuracy_mode") {
    StringRef value;
    if (parser.parseKeyword(&value))
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

namespace {
using Operands = SmallVector<OpAsmParser::UnresolvedOperand>;
}

/// Exactly `count` comma-separated operands (a trailing `, KEYWORD` or
/// `, name = value` belongs to the op, not to the operand list).
static ParseResult parseOperands(OpAsmParser &parser, Operands &operands, int count) {
  for (int i = 0; i < count; ++i) {
    OpAsmParser::UnresolvedOperand operand;
    if ((i > 0 && parser.parseComma()) || parser.parseOperand(operand))
      return failure();
    operands.push_back(operand);
  }
  return success();
}

/// Types after `:` for `operands`: a function type `(T...) -> R` / `(T...) ->
/// (R...)`, or a list `T1, T2` (one type per operand, or one type for all)
/// optionally followed by `-> R` / `-> (R...)`. Without results spelled out,
/// the single result has the last type given (`resultCount` results in all;
/// -1: as many results as operands, with their types).
static ParseResult parseTrailingTypes(OpAsmParser &parser, OperationState &result,
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
    if (parser.parseArrow())
      return failure();
    if (succeeded(parser.parseOptionalLParen())) {
      if (failed(parser.parseOptionalRParen()))
        if (parser.parseTypeList(resultTypes) || parser.parseRParen())
          return failure();
    } else {
      Type single;
      if (parser.parseType(single))
        return failure();
      resultTypes.push_back(single);
    }
  } else {
    if (parser.parseTypeList(operandTypes))
      return failure();
    if (succeeded(parser.parseOptionalArrow())) {
      if (succeeded(parser.parseOptionalLParen())) {
        if (parser.parseTypeList(resultTypes) || parser.parseRParen())
          return failure();
      } else {
        Type single;
        if (parser.parseType(single))
          return failure();
        resultTypes.push_back(single);
      }
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
  auto i64 = IntegerType::get(context, 64);
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
    if (succeeded(parser.parseOptionalLSquare())) {
      SmallVector<int64_t> values;
      if (failed(parser.parseOptionalRSquare())) {
        do {
          int64_t value;
          if (parser.parseInteger(value))
            return failure();
          values.push_back(value);
        } while (succeeded(parser.parseOptionalComma()));
        if (parser.parseRSquare())
          return failure();
      }
      result.addAttribute(name, DenseI64ArrayAttr::get(context, values));
      return success();
    }
    int64_t value;
    OptionalParseResult integer = parser.parseOptionalInteger(value);
    if (integer.has_value()) {
      if (failed(*integer))
        return failure();
      result.addAttribute(name, IntegerAttr::get(i64, value));
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
