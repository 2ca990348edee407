//===- StablehloImporter.cpp - Parsing and converting StableHLO programs ---===//
#include "frontends/stablehlo/StablehloImporter.h"

#include "dialects/graph/IR/GraphOps.h"
#include "frontends/stablehlo/StablehloConverter.h"
#include "frontends/stablehlo/StablehloOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace smelt;
using namespace smelt::stablehlo_frontend;

void smelt::stablehlo_frontend::registerStablehloDialects(DialectRegistry &registry) {
  registry.insert<stablehlo::StablehloDialect, chlo::ChloDialect, check::CheckDialect,
                  func::FuncDialect, graph::GraphDialect>();
}

std::string smelt::stablehlo_frontend::normalizeStablehloText(StringRef text) {
  std::string result;
  result.reserve(text.size());
  size_t position = 0;
  while (true) {
    size_t start = text.find("dense<\"0x", position);
    if (start == StringRef::npos)
      break;
    size_t hexBegin = start + 9;
    size_t hexEnd = text.find('"', hexBegin);
    if (hexEnd == StringRef::npos)
      break;
    // `"> : tensor<AxBxi1>`
    StringRef rest = text.substr(hexEnd + 1);
    StringRef after = rest;
    bool boolean = false;
    int64_t count = 1;
    if (after.consume_front(">")) {
      after = after.ltrim();
      if (after.consume_front(":")) {
        after = after.ltrim();
        if (after.consume_front("tensor<")) {
          StringRef shape = after.take_until([](char c) { return c == '>'; });
          if (shape.ends_with("xi1") || shape == "i1") {
            boolean = true;
            SmallVector<StringRef> dims;
            shape.drop_back(2).split(dims, 'x', -1, /*KeepEmpty=*/false);
            for (StringRef dim : dims) {
              int64_t size;
              if (dim.getAsInteger(10, size)) {
                boolean = false;
                break;
              }
              count *= size;
            }
          }
        }
      }
    }
    StringRef hex = text.slice(hexBegin, hexEnd);
    int64_t packedBytes = (count + 7) / 8;
    bool bytePerElement = boolean && count > 1 && (int64_t)hex.size() == 2 * count &&
                          packedBytes != count;
    result.append(text.slice(position, hexBegin).str());
    if (!bytePerElement) {
      result.append(hex.str());
    } else {
      std::vector<uint8_t> packed(packedBytes, 0);
      for (int64_t i = 0; i < count; ++i) {
        unsigned value = 0;
        if (hex.substr(2 * i, 2).getAsInteger(16, value))
          value = 0;
        if (value)
          packed[i / 8] |= uint8_t(1u << (i % 8));
      }
      static const char digits[] = "0123456789ABCDEF";
      for (uint8_t byte : packed) {
        result.push_back(digits[byte >> 4]);
        result.push_back(digits[byte & 15]);
      }
    }
    position = hexEnd;
  }
  result.append(text.substr(position).str());
  return result;
}

FailureOr<OwningOpRef<ModuleOp>>
smelt::stablehlo_frontend::parseStablehlo(MLIRContext &context, llvm::SourceMgr &sources) {
  context.loadDialect<stablehlo::StablehloDialect, chlo::ChloDialect, check::CheckDialect,
                      func::FuncDialect, graph::GraphDialect>();
  ParserConfig config(&context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sources, config);
  if (!module)
    return failure();
  return module;
}

func::FuncOp smelt::stablehlo_frontend::findEntry(ModuleOp program, const ImportOptions &options) {
  if (auto entry = program.lookupSymbol<func::FuncOp>(options.entry))
    return entry;
  func::FuncOp single;
  for (auto function : program.getOps<func::FuncOp>()) {
    if (!function.isPublic())
      continue;
    if (single) {
      program.emitError("no function @") << options.entry
                                         << " and several public functions to choose from";
      return {};
    }
    single = function;
  }
  if (!single)
    program.emitError("the program has no function @") << options.entry;
  return single;
}

FailureOr<OwningOpRef<ModuleOp>>
smelt::stablehlo_frontend::convertToGraph(ModuleOp program, const ImportOptions &options) {
  MLIRContext *context = program.getContext();
  func::FuncOp entry = findEntry(program, options);
  if (!entry)
    return failure();
  if (entry.isExternal())
    return entry.emitError("the entry function has no body");
  FunctionType type = entry.getFunctionType();
  for (Type input : type.getInputs())
    if (failed(Converter::convertType(entry.getLoc(), input)))
      return failure();
  for (Type result : type.getResults())
    if (failed(Converter::convertType(entry.getLoc(), result)))
      return failure();

  // Integers narrower than a byte (i2, i4, ui4, ...) compute as themselves
  // but cross the signature as 8-bit integers of their signedness, extended
  // on the way out (the runtime's tensors have whole-byte elements).
  // Floats of 8 bits and fewer cross it as their bit patterns (ui8).
  // Complex numbers cross it as their real type with a minor dim of 2
  // (real, imaginary), the same bytes.
  auto storageOf = [&](Type value) -> Type {
    auto tensor = cast<RankedTensorType>(value);
    if (auto complex = dyn_cast<ComplexType>(tensor.getElementType())) {
      SmallVector<int64_t> shape(tensor.getShape());
      shape.push_back(2);
      return RankedTensorType::get(shape, complex.getElementType());
    }
    if (isNarrowFloat(tensor.getElementType()))
      return tensor.clone(IntegerType::get(context, 8, IntegerType::Unsigned));
    auto integer = dyn_cast<IntegerType>(tensor.getElementType());
    if (!integer || integer.getWidth() == 1 || integer.getWidth() >= 8)
      return value;
    return tensor.clone(IntegerType::get(context, 8, integer.getSignedness()));
  };
  SmallVector<Type> inputs, results;
  for (Type input : type.getInputs())
    inputs.push_back(storageOf(input));
  for (Type result : type.getResults())
    results.push_back(storageOf(result));
  OpBuilder builder(context);
  OwningOpRef<ModuleOp> module = ModuleOp::create(program.getLoc());
  builder.setInsertionPointToEnd(module->getBody());
  auto main = func::FuncOp::create(builder, entry.getLoc(), "main",
                                   FunctionType::get(context, inputs, results));
  // Between a narrow float and its storage: the bits as an unsigned integer
  // of the float's width, widened (or narrowed) to a byte.
  Location loc = entry.getLoc();
  auto toStorage = [&](Value value, Type storage) -> Value {
    auto type = cast<RankedTensorType>(value.getType());
    if (auto complex = dyn_cast<ComplexType>(type.getElementType())) {
      auto partType = type.clone(complex.getElementType());
      SmallVector<int64_t> column(type.getShape());
      column.push_back(1);
      Value parts[] = {
          reshapeTo(builder, loc, graph::RealOp::create(builder, loc, partType, value), column),
          reshapeTo(builder, loc, graph::ImagOp::create(builder, loc, partType, value), column)};
      return graph::ConcatOp::create(builder, loc, parts, builder.getI64IntegerAttr(type.getRank()));
    }
    if (!isNarrowFloat(type.getElementType()))
      return graph::CastOp::create(builder, entry.getLoc(), storage, value);
    auto bits = type.clone(IntegerType::get(context, type.getElementTypeBitWidth(),
                                            IntegerType::Unsigned));
    Value raw = graph::BitcastOp::create(builder, entry.getLoc(), bits, value);
    return bits == storage ? raw : graph::CastOp::create(builder, entry.getLoc(), storage, raw);
  };
  auto fromStorage = [&](Value value, Type original) -> Value {
    auto type = cast<RankedTensorType>(original);
    if (auto complex = dyn_cast<ComplexType>(type.getElementType())) {
      return graph::ComplexOp::create(builder, loc, type, minorElement(builder, loc, value, 0),
                                      minorElement(builder, loc, value, 1));
    }
    if (!isNarrowFloat(type.getElementType()))
      return graph::CastOp::create(builder, entry.getLoc(), original, value);
    auto bits = type.clone(IntegerType::get(context, type.getElementTypeBitWidth(),
                                            IntegerType::Unsigned));
    if (value.getType() != bits)
      value = graph::CastOp::create(builder, entry.getLoc(), bits, value);
    return graph::BitcastOp::create(builder, entry.getLoc(), original, value);
  };

  for (unsigned i = 0; i < type.getNumInputs(); ++i)
    main.setArgAttr(i, "smelt.name", builder.getStringAttr("arg" + std::to_string(i)));
  for (unsigned i = 0; i < type.getNumResults(); ++i)
    main.setResultAttr(i, "smelt.name", builder.getStringAttr("output" + std::to_string(i)));
  Block *body = main.addEntryBlock();
  builder.setInsertionPointToStart(body);
  Converter converter(builder, program);
  SmallVector<Value> arguments, returned;
  for (auto [argument, original] : llvm::zip(body->getArguments(), type.getInputs()))
    arguments.push_back(argument.getType() == original ? Value(argument)
                                                       : fromStorage(argument, original));
  if (failed(converter.convertBlock(entry.getBody().front(), arguments, returned)))
    return failure();
  for (size_t i = 0; i < returned.size() && i < results.size(); ++i)
    if (returned[i].getType() != results[i])
      returned[i] = toStorage(returned[i], results[i]);
  func::ReturnOp::create(builder, entry.getLoc(), returned);
  if (failed(verify(*module)))
    return entry.emitError("the imported graph does not verify (an importer bug)");
  return module;
}

FailureOr<OwningOpRef<ModuleOp>>
smelt::stablehlo_frontend::importStablehloBuffer(MLIRContext &context, StringRef text,
                                                 StringRef name, const ImportOptions &options) {
  llvm::SourceMgr sources;
  sources.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(normalizeStablehloText(text), name), llvm::SMLoc());
  FailureOr<OwningOpRef<ModuleOp>> program = parseStablehlo(context, sources);
  if (failed(program))
    return failure();
  return convertToGraph(**program, options);
}

FailureOr<OwningOpRef<ModuleOp>>
smelt::stablehlo_frontend::importStablehloFile(MLIRContext &context, StringRef path,
                                               const ImportOptions &options) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file = llvm::MemoryBuffer::getFile(path);
  if (!file)
    return emitError(FileLineColLoc::get(&context, path, 0, 0))
           << "cannot read the program: " << file.getError().message();
  llvm::SourceMgr sources;
  sources.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(normalizeStablehloText((*file)->getBuffer()), path),
      llvm::SMLoc());
  FailureOr<OwningOpRef<ModuleOp>> program = parseStablehlo(context, sources);
  if (failed(program))
    return failure();
  return convertToGraph(**program, options);
}

LogicalResult smelt::stablehlo_frontend::inlineCalls(func::FuncOp function, ModuleOp program) {
  SmallVector<Operation *> calls;
  function.walk([&](Operation *op) {
    if (isa<func::CallOp>(op) || op->getName().getStringRef() == "stablehlo.composite")
      calls.push_back(op);
  });
  for (Operation *call : calls) {
    StringRef callee;
    if (auto direct = dyn_cast<func::CallOp>(call))
      callee = direct.getCallee();
    else if (auto symbol = dyn_cast_or_null<FlatSymbolRefAttr>(call->getAttr("decomposition")))
      callee = symbol.getValue();
    auto target = program.lookupSymbol<func::FuncOp>(callee);
    if (!target || target.isExternal() || target == function)
      return call->emitError("cannot inline the call to @") << callee;
    if (failed(inlineCalls(target, program)))
      return failure();
    Block &body = target.getBody().front();
    IRMapping mapping;
    for (auto [argument, operand] : llvm::zip(body.getArguments(), call->getOperands()))
      mapping.map(argument, operand);
    OpBuilder builder(call);
    for (Operation &op : body.without_terminator())
      builder.clone(op, mapping);
    for (auto [result, returned] : llvm::zip(call->getResults(), body.getTerminator()->getOperands()))
      result.replaceAllUsesWith(mapping.lookupOrDefault(returned));
    call->erase();
  }
  return success();
}

bool smelt::stablehlo_frontend::requiresConstantOperand(Operation *op, unsigned index) {
  StringRef name = op->getName().getStringRef();
  if (name == "stablehlo.dynamic_pad")
    return index >= 2;
  if (name == "stablehlo.dynamic_gather" || name == "stablehlo.dynamic_conv")
    return index == 2;
  if (name == "stablehlo.dynamic_iota")
    return index == 0;
  if (name == "stablehlo.dynamic_reshape" || name == "stablehlo.dynamic_broadcast_in_dim")
    return index == 1;
  if (name == "stablehlo.reduce")
    // The initial value decides whether a reduction is a graph reduce op.
    return index >= op->getNumOperands() / 2;
  return false;
}

bool smelt::stablehlo_frontend::looksLikeMlirText(StringRef text) {
  StringRef start = text.ltrim();
  while (start.starts_with("//")) {
    start = start.drop_until([](char c) { return c == '\n'; }).ltrim();
  }
  return start.starts_with("module") || start.starts_with("func.func") ||
         start.starts_with("#") || start.starts_with("\"builtin.module\"");
}
