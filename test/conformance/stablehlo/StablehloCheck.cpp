//===- StablehloCheck.cpp - Runs StableHLO test programs through Smelt ------===//
//
//   smelt-stablehlo-check <file.mlir> [--split] [--case=N]
//
// For each test program (the whole file, or each `// -----` case with
// --split) prints one JSON line:
//   {"case": N, "name": "...", "status": "pass|wrong|unsupported|error",
//    "detail": "...", "ops": [...], "checks": K}
//
// A program checks its own results, with `check.expect_*` ops or
// `stablehlo.custom_call @check.expect_*`. The runner inlines the calls of the
// test function, turns every value a check looks at into an output of a new
// @main and every constant the computation starts from into an input (so
// nothing is folded away at compile time: the generated code computes it),
// compiles that program with Smelt's normal pipeline for the host CPU, runs
// it with the runtime's C API and compares the outputs with the expected
// values:
//   - expect_eq, expect_eq_const: bit-exact (any NaN equals any NaN);
//   - expect_close: at most max_ulp_difference (default 3) units in the last
//     place of the result type apart (NaNs equal, infinities exact);
//   - expect_almost_eq, expect_almost_eq_const: |actual - expected| <= tol *
//     max(1, |expected|), tol = the op's tolerance (default 1e-4), or within
//     3 ulp of the type where that is coarser (f16, bf16).
//
//===----------------------------------------------------------------------===//
#include "frontends/stablehlo/StablehloImporter.h"
#include "frontends/stablehlo/StablehloOps.h"
#include "tools/common/CompileModel.h"
#include "tools/common/Registration.h"

#include "smelt/runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstring>

using namespace mlir;
using namespace smelt;

namespace cl = llvm::cl;

static cl::opt<std::string> inputPath(cl::Positional, cl::desc("<file.mlir>"), cl::Required);
static cl::opt<bool> split("split", cl::desc("Run each '// -----' case of the file"));
static cl::opt<int> onlyCase("case", cl::desc("Run only this case (0-based)"), cl::init(-1));

namespace {

enum class CheckKind { Equal, Close, AlmostEqual };

/// One comparison: output `output` against `expected`, or against output
/// `expectedOutput` when the expected value is computed too.
struct Check {
  CheckKind kind;
  int output = -1;
  int expectedOutput = -1;
  DenseElementsAttr expected;
  int64_t maxUlp = 3;
  double tolerance = 1e-4;
};

struct Outcome {
  std::string status, detail, name;
  std::vector<std::string> ops;
  size_t checks = 0;
};

//===----------------------------------------------------------------------===//
// Finding and rewriting the test
//===----------------------------------------------------------------------===//

bool isCheck(Operation *op) {
  if (op->getDialect() && op->getDialect()->getNamespace() == "check")
    return true;
  if (op->getName().getStringRef() == "stablehlo.custom_call")
    if (auto target = dyn_cast_or_null<StringAttr>(op->getAttr("call_target_name")))
      return target.getValue().starts_with("check.");
  return false;
}

/// The check's name without the dialect ("expect_eq", "expect_close", ...).
std::string checkName(Operation *op) {
  if (op->getName().getStringRef() == "stablehlo.custom_call")
    return cast<StringAttr>(op->getAttr("call_target_name")).getValue().drop_front(6).str();
  return op->getName().stripDialect().str();
}

func::FuncOp findTest(ModuleOp module) {
  func::FuncOp withChecks, main;
  for (auto function : module.getOps<func::FuncOp>()) {
    if (function.getSymName() == "main")
      main = function;
    bool hasCheck = false;
    function.walk([&](Operation *op) { hasCheck |= isCheck(op); });
    if (hasCheck && !withChecks)
      withChecks = function;
  }
  return main ? main : withChecks;
}

double attributeDouble(Attribute attribute, double fallback) {
  if (auto value = dyn_cast_or_null<FloatAttr>(attribute))
    return value.getValueAsDouble();
  if (auto value = dyn_cast_or_null<DenseElementsAttr>(attribute))
    if (value.isSplat() && isa<FloatType>(value.getElementType()))
      return value.getSplatValue<APFloat>().convertToDouble();
  return fallback;
}

/// Builds the program to compile: @main(lifted constants) -> (checked
/// values), from the test function (whose calls are inlined).
LogicalResult buildProgram(func::FuncOp test, ModuleOp &program, std::vector<Check> &checks,
                           std::vector<DenseElementsAttr> &inputs, std::string &error) {
  MLIRContext *context = test.getContext();
  Block &body = test.getBody().front();
  // Which constants feed the computation (not only checks), and may become
  // inputs.
  SmallVector<Operation *> lifted;
  for (Operation &op : body) {
    auto constant = dyn_cast<stablehlo::ConstantOp>(op);
    if (!constant || !isa<DenseElementsAttr>(constant.getValue()))
      continue;
    bool computes = false, mustStay = false;
    for (OpOperand &use : constant->getUses()) {
      Operation *user = use.getOwner();
      if (isCheck(user)) {
        // A check of the constant itself (constant_op tests) reads it back.
        computes |= use.getOperandNumber() == 0;
        continue;
      }
      computes = true;
      mustStay |= stablehlo_frontend::requiresConstantOperand(user, use.getOperandNumber());
    }
    if (computes && !mustStay)
      lifted.push_back(constant);
  }

  OpBuilder builder(context);
  program = ModuleOp::create(test.getLoc());
  builder.setInsertionPointToEnd(program.getBody());
  SmallVector<Type> inputTypes;
  for (Operation *constant : lifted) {
    inputTypes.push_back(constant->getResult(0).getType());
    inputs.push_back(cast<DenseElementsAttr>(cast<stablehlo::ConstantOp>(constant).getValue()));
  }
  auto main = func::FuncOp::create(builder, test.getLoc(), "main",
                                   FunctionType::get(context, inputTypes, {}));
  Block *entry = main.addEntryBlock();
  builder.setInsertionPointToStart(entry);
  IRMapping mapping;
  for (auto [constant, argument] : llvm::zip(lifted, entry->getArguments()))
    mapping.map(constant->getResult(0), argument);

  SmallVector<Value> outputs;
  auto outputOf = [&](Value value) -> int {
    Value mapped = mapping.lookupOrDefault(value);
    for (auto [index, output] : llvm::enumerate(outputs))
      if (output == mapped)
        return index;
    outputs.push_back(mapped);
    return outputs.size() - 1;
  };
  for (Operation &op : body) {
    if (isa<func::ReturnOp>(op))
      continue;
    if (!isCheck(&op)) {
      // Checks inside regions cannot be observed from outside.
      bool nestedCheck = false;
      op.walk([&](Operation *inner) { nestedCheck |= inner != &op && isCheck(inner); });
      if (nestedCheck) {
        error = "unsupported: a check inside a region";
        return failure();
      }
      builder.clone(op, mapping);
      continue;
    }
    std::string name = checkName(&op);
    Check check;
    if (name == "expect_eq" || name == "expect_eq_const")
      check.kind = CheckKind::Equal;
    else if (name == "expect_close")
      check.kind = CheckKind::Close;
    else if (name == "expect_almost_eq" || name == "expect_almost_eq_const")
      check.kind = CheckKind::AlmostEqual;
    else {
      error = "unsupported: check." + name;
      return failure();
    }
    if (op.getNumOperands() < 1) {
      error = "check without operands";
      return failure();
    }
    if (auto ulp = dyn_cast_or_null<IntegerAttr>(op.getAttr("max_ulp_difference")))
      check.maxUlp = ulp.getInt();
    check.tolerance = attributeDouble(op.getAttr("tolerance"), check.tolerance);
    check.output = outputOf(op.getOperand(0));
    if (auto value = dyn_cast_or_null<DenseElementsAttr>(op.getAttr("value"))) {
      check.expected = value;
    } else if (op.getNumOperands() >= 2) {
      Value expected = op.getOperand(1);
      auto constant = expected.getDefiningOp<stablehlo::ConstantOp>();
      if (constant && isa<DenseElementsAttr>(constant.getValue()))
        check.expected = cast<DenseElementsAttr>(constant.getValue());
      else
        check.expectedOutput = outputOf(expected);
    } else {
      error = "check without an expected value";
      return failure();
    }
    checks.push_back(check);
  }
  func::ReturnOp::create(builder, test.getLoc(), outputs);
  SmallVector<Type> outputTypes;
  for (Value output : outputs)
    outputTypes.push_back(output.getType());
  main.setFunctionType(FunctionType::get(context, inputTypes, outputTypes));
  return success();
}

//===----------------------------------------------------------------------===//
// Tensors and comparison
//===----------------------------------------------------------------------===//

/// Complex numbers travel as their parts (a minor dim of 2): the part type.
Type travelType(Type type) {
  if (auto complex = dyn_cast<ComplexType>(type))
    return complex.getElementType();
  return type;
}

/// The shape a tensor of `type` has at the runtime's signature.
SmallVector<int64_t> travelShape(ShapedType type) {
  SmallVector<int64_t> shape(type.getShape());
  if (isa<ComplexType>(type.getElementType()))
    shape.push_back(2);
  return shape;
}

std::optional<smelt_dtype_t> dtypeOf(Type type) {
  type = travelType(type);
  if (isa<FloatType>(type) && type.getIntOrFloatBitWidth() <= 8)
    return SMELT_U8; // passed as bit patterns (see the importer)
  if (type.isF32()) return SMELT_F32;
  if (type.isF64()) return SMELT_F64;
  if (type.isF16()) return SMELT_F16;
  if (type.isBF16()) return SMELT_BF16;
  if (type.isInteger(1)) return SMELT_BOOL;
  if (auto integer = dyn_cast<IntegerType>(type)) {
    bool isUnsigned = integer.isUnsigned();
    switch (integer.getWidth()) {
    case 2: case 4: // passed as 8-bit integers (see the importer)
    case 8: return isUnsigned ? SMELT_U8 : SMELT_I8;
    case 16: return isUnsigned ? SMELT_U16 : SMELT_I16;
    case 32: return isUnsigned ? SMELT_U32 : SMELT_I32;
    case 64: return isUnsigned ? SMELT_U64 : SMELT_I64;
    default: return std::nullopt;
    }
  }
  return std::nullopt;
}

size_t elementBytes(Type type) {
  if (auto complex = dyn_cast<ComplexType>(type))
    return 2 * elementBytes(complex.getElementType());
  return type.isInteger(1) ? 1 : (type.getIntOrFloatBitWidth() + 7) / 8;
}

/// The elements of `value` as the runtime lays them out (little-endian).
std::vector<uint8_t> bytesOf(DenseElementsAttr value) {
  Type element = value.getElementType();
  size_t width = elementBytes(element);
  std::vector<uint8_t> bytes(value.getNumElements() * width);
  size_t index = 0;
  auto store = [&](const APInt &bits) {
    // Narrow signed integers travel sign-extended to a byte.
    APInt padded = element.isSignlessInteger() && !element.isInteger(1)
                       ? bits.sextOrTrunc(8 * width)
                       : bits.zextOrTrunc(8 * width);
    for (size_t b = 0; b < width; ++b)
      bytes[index * width + b] = (uint8_t)padded.extractBitsAsZExtValue(8, 8 * b);
    ++index;
  };
  if (auto complex = dyn_cast<ComplexType>(element)) {
    width = elementBytes(complex.getElementType());
    for (const std::complex<APFloat> &v : value.getValues<std::complex<APFloat>>()) {
      store(v.real().bitcastToAPInt());
      store(v.imag().bitcastToAPInt());
    }
  } else if (isa<FloatType>(element)) {
    for (const APFloat &v : value.getValues<APFloat>())
      store(v.bitcastToAPInt());
  } else {
    for (const APInt &v : value.getValues<APInt>())
      store(v);
  }
  return bytes;
}

APInt bitsAt(const uint8_t *data, Type element, int64_t index) {
  size_t width = elementBytes(element);
  uint64_t raw = 0;
  std::memcpy(&raw, data + index * width, std::min<size_t>(width, 8));
  unsigned bits = element.isInteger(1) ? 1 : element.getIntOrFloatBitWidth();
  if (element.isInteger(1))
    raw &= 1;
  return APInt(bits, raw);
}

/// Distance in units in the last place between two finite floats of one type.
uint64_t ulpDistance(const APFloat &a, const APFloat &b) {
  auto ordered = [](const APFloat &value) -> int64_t {
    APInt bits = value.bitcastToAPInt();
    unsigned width = bits.getBitWidth();
    uint64_t raw = bits.getZExtValue();
    uint64_t sign = uint64_t(1) << (width - 1);
    // Sign-magnitude to a monotone integer line.
    return (raw & sign) ? -(int64_t)(raw & ~sign) : (int64_t)raw;
  };
  int64_t x = ordered(a), y = ordered(b);
  return x > y ? uint64_t(x - y) : uint64_t(y - x);
}

std::string describe(const APInt &bits, Type element) {
  llvm::SmallString<32> text;
  if (auto floatType = dyn_cast<FloatType>(element)) {
    APFloat(floatType.getFloatSemantics(), bits).toString(text);
  } else if (element.isUnsignedInteger() || element.isInteger(1)) {
    bits.toStringUnsigned(text);
  } else {
    bits.toStringSigned(text);
  }
  return text.str().str();
}

/// Empty when `actual` satisfies `check` against `expected` (both of
/// `count` elements of `element`), else a description of the first mismatch.
std::string compare(const Check &check, Type element, const uint8_t *actual,
                    const uint8_t *expected, int64_t count) {
  auto floatType = dyn_cast<FloatType>(element);
  for (int64_t i = 0; i < count; ++i) {
    APInt a = bitsAt(actual, element, i), e = bitsAt(expected, element, i);
    bool ok = a == e;
    if (!ok && floatType) {
      APFloat x(floatType.getFloatSemantics(), a), y(floatType.getFloatSemantics(), e);
      if (x.isNaN() && y.isNaN()) {
        ok = true;
      } else if (check.kind == CheckKind::Close) {
        ok = !x.isNaN() && !y.isNaN() && !x.isInfinity() && !y.isInfinity() &&
             ulpDistance(x, y) <= (uint64_t)check.maxUlp;
      } else if (check.kind == CheckKind::AlmostEqual) {
        if (!x.isNaN() && !y.isNaN() && !x.isInfinity() && !y.isInfinity()) {
          double dx = x.convertToDouble(), dy = y.convertToDouble();
          ok = std::fabs(dx - dy) <= check.tolerance * std::max(1.0, std::fabs(dy)) ||
               ulpDistance(x, y) <= 3;
        }
      }
    }
    if (!ok)
      return "element " + std::to_string(i) + ": got " + describe(a, element) + ", expected " +
             describe(e, element);
  }
  return "";
}

//===----------------------------------------------------------------------===//
// One case
//===----------------------------------------------------------------------===//

class QuietObserver : public CompileObserver {
public:
  void diagnostic(Diagnostic &diagnostic) override {
    if (diagnostic.getSeverity() == DiagnosticSeverity::Error && first.empty())
      first = formatDiagnostic(diagnostic);
  }
  std::string first;
};

std::string statusOf(const std::string &message) {
  return message.find("unsupported") != std::string::npos ||
                 message.find("is unknown") != std::string::npos ||
                 message.find("no type parsing hook") != std::string::npos ||
                 message.find("no attribute parsing hook") != std::string::npos ||
                 message.find("not found for custom op") != std::string::npos ||
                 message.find("unregistered dialect") != std::string::npos
             ? "unsupported"
             : "error";
}

Outcome runCase(const std::string &text, const std::string &name) {
  Outcome outcome;
  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  context.disableMultithreading();
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    if (diagnostic.getSeverity() == DiagnosticSeverity::Error && diagnostics.empty())
      diagnostics = formatDiagnostic(diagnostic);
    return success();
  });
  llvm::SourceMgr sources;
  sources.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(stablehlo_frontend::normalizeStablehloText(text), name),
      llvm::SMLoc());
  FailureOr<OwningOpRef<ModuleOp>> parsed = stablehlo_frontend::parseStablehlo(context, sources);
  auto fail = [&](const std::string &message) {
    outcome.status = statusOf(message);
    outcome.detail = message;
    return outcome;
  };
  if (failed(parsed))
    return fail(diagnostics.empty() ? "parse error" : diagnostics);
  ModuleOp module = **parsed;
  llvm::StringSet<> ops;
  module.walk([&](Operation *op) {
    StringRef dialect = op->getName().getDialectNamespace();
    if ((dialect == "stablehlo" || dialect == "chlo") && !isCheck(op) &&
        op->getName().getStringRef() != "stablehlo.return")
      ops.insert(op->getName().getStringRef());
  });
  for (const auto &op : ops)
    outcome.ops.push_back(op.getKey().str());
  std::sort(outcome.ops.begin(), outcome.ops.end());

  func::FuncOp test = findTest(module);
  if (!test)
    return fail("no test function");
  outcome.name = test.getSymName().str();
  if (failed(stablehlo_frontend::inlineCalls(test, module)))
    return fail(diagnostics);
  ModuleOp program;
  std::vector<Check> checks;
  std::vector<DenseElementsAttr> inputs;
  std::string error;
  if (failed(buildProgram(test, program, checks, inputs, error)))
    return fail(error.empty() ? diagnostics : error);
  OwningOpRef<ModuleOp> owner(program);
  outcome.checks = checks.size();
  if (checks.empty())
    return fail("no checks");
  for (const DenseElementsAttr &input : inputs)
    if (!dtypeOf(input.getElementType()))
      return fail("unsupported: element type " + [&] {
        std::string type;
        llvm::raw_string_ostream os(type);
        os << input.getElementType();
        return type;
      }());

  std::string programText;
  {
    llvm::raw_string_ostream os(programText);
    // Generic form: the StableHLO ops print only that way.
    program.print(os, OpPrintingFlags().enableDebugInfo(true, /*prettyForm=*/false).printGenericOpForm());
  }
  CompileRequest request;
  request.modelBytes = programText;
  request.modelName = name;
  request.inputType = "stablehlo";
  CompileResult result;
  QuietObserver observer;
  if (!compileModel(request, observer, result, error))
    return fail(!observer.first.empty() ? observer.first : error);

  // Run it.
  static smelt_instance_t *instance = [] {
    smelt_instance_options_t options{};
    options.struct_size = sizeof(options);
    options.flags = SMELT_INSTANCE_NO_PLUGIN_DISCOVERY;
    smelt_instance_t *created = nullptr;
    if (smelt_status_t status = smelt_instance_create(&options, &created))
      smelt_status_free(status);
    return created;
  }();
  smelt_device_t *device = nullptr;
  smelt_session_t *session = nullptr;
  auto runtimeError = [&](smelt_status_t status) {
    std::string message = smelt_status_message(status);
    smelt_status_free(status);
    smelt_session_release(session);
    smelt_device_release(device);
    return fail("run error: " + message);
  };
  if (!instance)
    return fail("run error: no runtime instance");
  if (smelt_status_t status = smelt_device_open(instance, "cpu", &device))
    return runtimeError(status);
  if (smelt_status_t status = smelt_session_create_from_memory(
          device, result.artifact.data(), result.artifact.size(), nullptr, &session))
    return runtimeError(status);
  std::vector<std::vector<uint8_t>> inputBytes;
  std::vector<smelt_tensor_t> inputTensors;
  for (const DenseElementsAttr &input : inputs) {
    inputBytes.push_back(bytesOf(input));
    smelt_tensor_t tensor{};
    tensor.struct_size = sizeof(tensor);
    tensor.dtype = *dtypeOf(input.getElementType());
    SmallVector<int64_t> shape = travelShape(input.getType());
    tensor.rank = shape.size();
    for (size_t d = 0; d < shape.size(); ++d)
      tensor.shape[d] = shape[d];
    tensor.data = inputBytes.back().data();
    tensor.byte_size = inputBytes.back().size();
    inputTensors.push_back(tensor);
  }
  auto outputTypes = program.lookupSymbol<func::FuncOp>("main").getFunctionType().getResults();
  std::vector<std::vector<uint8_t>> outputBytes;
  std::vector<smelt_tensor_t> outputTensors;
  for (Type type : outputTypes) {
    auto tensorType = cast<RankedTensorType>(type);
    std::optional<smelt_dtype_t> dtype = dtypeOf(tensorType.getElementType());
    if (!dtype) {
      smelt_session_release(session);
      smelt_device_release(device);
      return fail("unsupported: output element type");
    }
    outputBytes.emplace_back(tensorType.getNumElements() * elementBytes(tensorType.getElementType()) + 1);
    smelt_tensor_t tensor{};
    tensor.struct_size = sizeof(tensor);
    tensor.dtype = *dtype;
    SmallVector<int64_t> shape = travelShape(tensorType);
    tensor.rank = shape.size();
    for (size_t d = 0; d < shape.size(); ++d)
      tensor.shape[d] = shape[d];
    tensor.data = outputBytes.back().data();
    tensor.byte_size = outputBytes.back().size();
    outputTensors.push_back(tensor);
  }
  if (smelt_status_t status = smelt_session_run(session, inputTensors.data(), inputTensors.size(),
                                                 outputTensors.data(), outputTensors.size()))
    return runtimeError(status);
  smelt_session_release(session);
  smelt_device_release(device);

  for (const Check &check : checks) {
    auto type = cast<RankedTensorType>(outputTypes[check.output]);
    std::vector<uint8_t> expected;
    if (check.expected) {
      if (check.expected.getType().getShape() != type.getShape() ||
          check.expected.getElementType() != type.getElementType())
        return fail("check compares values of different types");
      expected = bytesOf(check.expected);
    } else {
      expected = outputBytes[check.expectedOutput];
    }
    // Complex numbers compare part by part.
    int64_t parts = isa<ComplexType>(type.getElementType()) ? 2 : 1;
    std::string mismatch = compare(check, travelType(type.getElementType()),
                                   outputBytes[check.output].data(), expected.data(),
                                   parts * type.getNumElements());
    if (!mismatch.empty()) {
      outcome.status = "wrong";
      outcome.detail = "output " + std::to_string(check.output) + ", " + mismatch;
      return outcome;
    }
  }
  outcome.status = "pass";
  return outcome;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "Runs StableHLO test programs through Smelt\n");
  auto file = llvm::MemoryBuffer::getFile(inputPath);
  if (!file) {
    llvm::errs() << "smelt-stablehlo-check: cannot read " << inputPath << "\n";
    return 2;
  }
  // Cases keep their line numbers: each is preceded by as many empty lines
  // as came before it in the file.
  std::vector<std::string> cases;
  llvm::StringRef text = (*file)->getBuffer();
  if (!split) {
    cases.push_back(text.str());
  } else {
    std::string current;
    size_t line = 0, caseStart = 0;
    llvm::SmallVector<llvm::StringRef> lines;
    text.split(lines, '\n');
    for (llvm::StringRef content : lines) {
      if (content.trim() == "// -----") {
        cases.push_back(current);
        current.assign(line + 1, '\n');
        caseStart = line + 1;
      } else {
        current += content.str() + "\n";
      }
      ++line;
    }
    (void)caseStart;
    cases.push_back(current);
  }
  for (size_t index = 0; index < cases.size(); ++index) {
    if (onlyCase >= 0 && (size_t)onlyCase != index)
      continue;
    auto start = std::chrono::steady_clock::now();
    Outcome outcome = runCase(cases[index], inputPath);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    llvm::json::Array ops;
    for (const std::string &op : outcome.ops)
      ops.push_back(op);
    llvm::json::Object line{{"case", (int64_t)index},
                            {"name", outcome.name},
                            {"status", outcome.status},
                            {"detail", outcome.detail.substr(0, 400)},
                            {"ops", std::move(ops)},
                            {"checks", (int64_t)outcome.checks},
                            {"seconds", std::round(seconds * 1000) / 1000}};
    llvm::outs() << llvm::json::Value(std::move(line)) << "\n";
    llvm::outs().flush();
  }
  return 0;
}
