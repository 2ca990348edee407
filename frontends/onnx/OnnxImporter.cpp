//===- OnnxImporter.cpp - ONNX models to the graph dialect ------------------===//
//
// Reading model files, and the walk over one graph: opset, inputs,
// initializers, nodes in order (each handed to its converter), outputs.
// Per-op conversion lives in the *Converters.cpp files, control flow in
// ControlFlowImport.cpp.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/OnnxImporter.h"

#include "frontends/onnx/ModelImporter.h"
#include "frontends/onnx/NodeContext.h"
#include "frontends/onnx/TensorConversion.h"

#include "dialects/graph/IR/GraphOps.h"
#include "dialects/kernel/IR/StorageSize.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MemoryBuffer.h"

#include <onnx/defs/parser.h>
#include <onnx/onnx_pb.h>

#include <climits>
#include <exception>
#include <functional>

using namespace mlir;

namespace smelt::onnx_frontend {

Converter lookupConverter(StringRef opType) {
  static const llvm::StringMap<Converter> converters = [] {
    llvm::StringMap<Converter> table;
    registerElementwiseConverters(table);
    registerNeuralNetworkConverters(table);
    registerShapeConverters(table);
    registerActivationConverters(table);
    registerGeneratorConverters(table);
    registerIndexingConverters(table);
    registerLossConverters(table);
    registerComposedConverters(table);
    registerResizeConverters(table);
    registerSpectralConverters(table);
    registerSequenceConverters(table);
    registerRecurrentConverters(table);
    registerQuantizationConverters(table);
    registerConvTransposeConverter(table);
    return table;
  }();
  auto it = converters.find(opType);
  return it == converters.end() ? nullptr : it->second;
}

namespace {

/// Opsets whose semantics the converters know (up to ONNX 1.16's opset 21:
/// Reduce* axes as inputs, Split's num_outputs, Pad's axes and wrap mode,
/// Resize's antialias/axes/aspect policy/half_pixel_symmetric, scatter
/// max/min, blocked quantization, the per-channel GroupNormalization of 21).
/// Later opsets add ops and types not reviewed here.
// Opsets 1-6 are accepted: the ops' semantics are those of opset 7 except for
// the legacy broadcasting attribute, which importNode rejects.
constexpr int64_t kMinOpset = 1;
constexpr int64_t kMaxOpset = 21;

bool isDefaultDomain(StringRef domain) { return domain.empty() || domain == "ai.onnx"; }

/// The first opset of ops that converters know and that arrived after
/// opset 17 (1 for the others): a model of an earlier opset cannot use them.
int64_t firstOpset(StringRef opType) {
  return llvm::StringSwitch<int64_t>(opType)
      .Cases({"BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot"}, 18)
      .Cases({"GroupNormalization", "Mish", "CenterCropPad"}, 18)
      .Case("Gelu", 20)
      .Default(1);
}

/// Why a tensor of `type` is beyond `maxBytes` (a power of two, at most
/// 2^48, so that no size computed here overflows), or nothing.
std::optional<std::string> oversizedTensor(RankedTensorType type, uint64_t maxBytes) {
  uint64_t bytes = elementStorageBytes(type.getElementType());
  for (int64_t dim : type.getShape()) {
    if (ShapedType::isDynamic(dim) || dim == 0)
      return std::nullopt;
    if (dim < 0 || bytes > (uint64_t(1) << 48) / uint64_t(dim) ||
        bytes * uint64_t(dim) > maxBytes) {
      std::string text;
      llvm::raw_string_ostream os(text);
      os << "a tensor of shape " << type << ", beyond 2^" << llvm::Log2_64(maxBytes) << " bytes";
      return text;
    }
    bytes *= uint64_t(dim);
  }
  return std::nullopt;
}

} // namespace


LogicalResult ModelImporter::readOpset() {
  bool found = false;
  for (const onnx::OperatorSetIdProto &import : model.opset_import()) {
    if (isDefaultDomain(import.domain())) {
      opset = import.version();
      found = true;
    }
  }
  if (!found)
    return emitError(fileLoc) << "the model imports no opset of the default ONNX domain";
  if (opset < kMinOpset || opset > kMaxOpset)
    return emitError(fileLoc) << "opset " << opset
                              << " of the default ONNX domain is not supported (supported: "
                              << kMinOpset << " to " << kMaxOpset << ")";
  return success();
}

LogicalResult ModelImporter::importInitializers() {
  for (const onnx::TensorProto &tensor : graph.initializer()) {
    Location loc = nameLoc(tensor.name());
    FailureOr<DenseElementsAttr> value =
        convertTensor(tensor, loc, "initializer '" + tensor.name() + "'");
    if (failed(value))
      return failure();
    values.setConstant(tensor.name(), *value, loc);
  }
  for (const auto &[name, value] : options.constantInputs) {
    const onnx::ValueInfoProto *input = nullptr;
    for (const onnx::ValueInfoProto &candidate : graph.input())
      if (candidate.name() == name)
        input = &candidate;
    if (!input)
      return emitError(fileLoc) << "--constant-input names '" << name
                                << "', which is not an input of the model";
    Location loc = nameLoc(name);
    if (input->type().has_tensor_type()) {
      const onnx::TypeProto::Tensor &declared = input->type().tensor_type();
      Type elementType = convertElementType(&context, declared.elem_type());
      auto type = cast<RankedTensorType>(value.getType());
      if (elementType && elementType != type.getElementType())
        return emitError(loc) << "--constant-input '" << name << "' has element type "
                              << type.getElementType() << " but the input is declared "
                              << onnxTypeName(declared.elem_type());
      if (declared.has_shape()) {
        bool matches = declared.shape().dim_size() == type.getRank();
        for (int d = 0; matches && d < declared.shape().dim_size(); ++d)
          if (declared.shape().dim(d).has_dim_value() &&
              declared.shape().dim(d).dim_value() != type.getDimSize(d))
            matches = false;
        if (!matches)
          return emitError(loc) << "--constant-input '" << name << "' has shape " << type
                                << ", which the input's declared shape does not allow";
      }
    }
    values.setConstant(name, value, loc);
  }
  return success();
}

FailureOr<RankedTensorType>
ModelImporter::importInputType(const onnx::ValueInfoProto &input) {
  Location loc = nameLoc(input.name());
  const std::string &name = input.name();
  if (!input.type().has_tensor_type())
    return emitError(loc) << "input '" << name << "' is not a tensor";
  const onnx::TypeProto::Tensor &tensorType = input.type().tensor_type();
  Type elementType = convertElementType(&context, tensorType.elem_type());
  if (!elementType)
    return emitError(loc) << "input '" << name << "' has unsupported element type "
                          << onnxTypeName(tensorType.elem_type());

  auto override = options.inputShapes.find(name);
  std::string hint = "give its sizes with --dim=<name>=<size>[,<size>...] or a static "
                     "shape with --input-shape=" +
                     name + ":<d0>x<d1>...";
  if (!tensorType.has_shape()) {
    if (override == options.inputShapes.end())
      return emitError(loc) << "input '" << name << "' has no declared shape; " << hint;
    return RankedTensorType::get(override->second, elementType);
  }

  SmallVector<int64_t> shape;
  std::string symbolic; // the first dim without a value
  for (const onnx::TensorShapeProto::Dimension &dim : tensorType.shape().dim()) {
    if (dim.has_dim_value() && dim.dim_value() >= 0) {
      shape.push_back(dim.dim_value());
      continue;
    }
    if (dim.has_dim_param() && override == options.inputShapes.end()) {
      auto value = options.dimValues.find(dim.dim_param());
      if (value != options.dimValues.end()) {
        shape.push_back(value->second);
        continue;
      }
    }
    if (symbolic.empty())
      symbolic = dim.has_dim_param() && !dim.dim_param().empty() ? dim.dim_param() : "?";
    shape.push_back(ShapedType::kDynamic);
  }
  if (override == options.inputShapes.end()) {
    if (!symbolic.empty())
      return emitError(loc) << "input '" << name << "' has a symbolic dimension '" << symbolic
                            << "'; " << hint;
    return RankedTensorType::get(shape, elementType);
  }

  // An override fixes symbolic dims; it may not contradict the model.
  const std::vector<int64_t> &given = override->second;
  if (given.size() != shape.size())
    return emitError(loc) << "--input-shape gives input '" << name << "' rank "
                          << given.size() << " but the model declares rank " << shape.size();
  for (size_t i = 0; i < given.size(); ++i) {
    if (given[i] < 0)
      return emitError(loc) << "--input-shape gives input '" << name
                            << "' a negative dimension";
    if (!ShapedType::isDynamic(shape[i]) && shape[i] != given[i])
      return emitError(loc) << "--input-shape gives input '" << name << "' dimension " << i
                            << " = " << given[i] << " but the model declares " << shape[i];
  }
  return RankedTensorType::get(given, elementType);
}

LogicalResult ModelImporter::checkInputShapeOverrides(const llvm::StringSet<> &initializers) {
  for (const auto &[dimName, size] : options.dimValues) {
    bool used = false;
    for (const onnx::ValueInfoProto &input : graph.input())
      if (input.type().has_tensor_type() && input.type().tensor_type().has_shape())
        for (const auto &dim : input.type().tensor_type().shape().dim())
          used |= dim.has_dim_param() && dim.dim_param() == dimName;
    if (!used)
      return emitError(fileLoc) << "--dim names '" << dimName
                                << "', which is no symbolic dimension of the model's inputs";
    if (size < 0)
      return emitError(fileLoc) << "--dim gives '" << dimName << "' a negative size";
  }
  for (const auto &[name, shape] : options.inputShapes) {
    if (initializers.contains(name))
      return emitError(fileLoc) << "--input-shape names '" << name
                                << "', which is an initializer (a constant), not an input";
    bool isInput = llvm::any_of(graph.input(), [&, &name = name](const auto &input) {
      return input.name() == name;
    });
    if (!isInput)
      return emitError(fileLoc) << "--input-shape names '" << name
                                << "', which is not an input of the model";
  }
  return success();
}

LogicalResult ModelImporter::importNode(const onnx::NodeProto &node, int index) {
  std::string name =
      node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
  Location loc = nameLoc(name);

  if (isDefaultDomain(node.domain())) {
    if (failed(checkNodeAgainstSchema(node, opset, name, loc)))
      return failure();
    if (node.op_type() == "If")
      return importIf(node, name, loc);
    if (node.op_type() == "Loop")
      return importLoop(node, name, loc);
    if (node.op_type() == "Scan")
      return importScan(node, name, loc);
  }

  // Smelt's own domain: ops with no ONNX equivalent (collectives).
  bool smeltDomain = node.domain() == "com.smelt";
  if (!isDefaultDomain(node.domain()) && !smeltDomain) {
    int64_t domainVersion = 0;
    for (const onnx::OperatorSetIdProto &import : model.opset_import())
      if (import.domain() == node.domain())
        domainVersion = import.version();
    return emitError(loc) << "unsupported ONNX op '" << node.op_type() << "' (domain '"
                          << node.domain() << "', opset " << domainVersion << ") at node '"
                          << name << "'";
  }
  for (const std::string &input : node.input()) {
    if (input.empty() || values.contains(input))
      continue;
    if (producers.count(input))
      return emitError(loc) << "node '" << name << "' uses value '" << input
                            << "' before the node that produces it (nodes must be in "
                               "topological order)";
    return emitError(loc) << "node '" << name << "' uses value '" << input
                          << "' that no node, input or initializer produces";
  }
  for (const std::string &output : node.output())
    if (!output.empty() && values.contains(output))
      return emitError(loc) << "node '" << name << "' defines value '" << output
                            << "', which is already defined";

  Converter converter =
      lookupConverter(smeltDomain ? "com.smelt:" + node.op_type() : node.op_type());
  if (converter && !isSequenceOp(node.op_type()))
    for (const std::string &input : node.input())
      if (!input.empty() && values.isSequence(input))
        return emitError(loc) << "input '" << input << "' of node '" << name << "' ("
                              << node.op_type() << ") is a sequence; " << node.op_type()
                              << " takes tensors";
  if (!converter)
    return emitError(loc) << "unsupported ONNX op '" << node.op_type() << "' (opset "
                          << opset << ") at node '" << name << "'";
  if (!smeltDomain)
    if (int64_t since = firstOpset(node.op_type()); opset < since)
      return emitError(loc) << "ONNX op '" << node.op_type() << "' exists from opset " << since
                            << " on, but the model imports opset " << opset << " (node '"
                            << name << "')";

  // Legacy broadcasting aligns B with A starting at `axis`; when that puts B's
  // dims last (or no axis is given) it is NumPy broadcasting. Gemm's legacy
  // `broadcast` of C is NumPy broadcasting too.
  if (opset < 7 && node.op_type() != "Gemm") {
    const onnx::AttributeProto *broadcast = nullptr, *axis = nullptr;
    for (const onnx::AttributeProto &attribute : node.attribute()) {
      if (attribute.name() == "broadcast")
        broadcast = &attribute;
      if (attribute.name() == "axis")
        axis = &attribute;
    }
    bool trailing = true;
    if (broadcast && broadcast->i() != 0 && axis && node.input_size() == 2 &&
        values.contains(node.input(0)) && values.contains(node.input(1))) {
      auto a = cast<RankedTensorType>(values.getValue(node.input(0)).getType());
      auto b = cast<RankedTensorType>(values.getValue(node.input(1)).getType());
      int64_t start = axis->i() < 0 ? axis->i() + a.getRank() : axis->i();
      trailing = start == a.getRank() - b.getRank();
    }
    if (!trailing)
      return emitError(loc) << "legacy broadcasting (attribute 'broadcast' of opset " << opset
                            << ") along a middle axis is not supported at node '" << name
                            << "'; re-export the model with opset 7 or later";
  }
  NodeContext ctx(values, builder, node, name, loc, opset, usedNames);
  if (failed(converter(ctx))) {
    // Never fail silently: a converter that gave up without saying why is
    // an importer bug, reported as one.
    if (!ctx.hasFailed())
      ctx.emitError() << "could not be converted (an importer bug: the converter gave no "
                         "reason; please report it with the model)";
    return failure();
  }
  if (ctx.hasFailed())
    return failure();
  for (int i = 0; i < node.output_size(); ++i) {
    if (ctx.isOutputUsed(i) && !values.contains(node.output(i)))
      return ctx.emitError() << "output " << i << " ('" << node.output(i)
                             << "') is not supported";
    if (node.output(i).empty() || !values.contains(node.output(i)) ||
        values.isSequence(node.output(i)))
      continue;
    // Attributes such as pads of 2^40 give shapes no memory holds, and their
    // byte counts would overflow later; refuse them here, naming the node. A
    // folded output is a constant the artifact may have to hold: no larger
    // than the largest one an ONNX file can carry.
    RankedTensorType type = values.getType(node.output(i));
    bool folded = static_cast<bool>(values.getConstant(node.output(i)));
    if (std::optional<std::string> problem =
            oversizedTensor(type, folded ? uint64_t(1) << 31 : uint64_t(1) << 48))
      return ctx.emitError() << "output " << i << " ('" << node.output(i) << "') would be "
                             << (folded ? "a constant: " : "") << *problem;
  }
  return success();
}

FailureOr<OwningOpRef<ModuleOp>> ModelImporter::run() {
  context.loadDialect<graph::GraphDialect, func::FuncDialect>();
  if (failed(readOpset()))
    return failure();
  // Names read anywhere, subgraphs (If/Loop/Scan bodies) included.
  std::function<void(const onnx::GraphProto &)> collectUses = [&](const onnx::GraphProto &g) {
    for (const onnx::NodeProto &node : g.node()) {
      for (const std::string &input : node.input())
        usedNames.insert(input);
      for (const onnx::AttributeProto &attribute : node.attribute()) {
        if (attribute.has_g())
          collectUses(attribute.g());
        for (const onnx::GraphProto &nested : attribute.graphs())
          collectUses(nested);
      }
    }
    for (const onnx::ValueInfoProto &output : g.output())
      usedNames.insert(output.name());
  };
  collectUses(graph);
  for (const onnx::ValueInfoProto &output : graph.output())
    usedNames.insert(output.name());
  for (auto [index, node] : llvm::enumerate(graph.node()))
    for (const std::string &output : node.output())
      producers.try_emplace(output, index);

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  if (failed(importInitializers()))
    return failure();

  // Graph inputs that are also initializers are constants with a default
  // value; the importer freezes them.
  llvm::StringSet<> initializers;
  for (const onnx::TensorProto &tensor : graph.initializer())
    initializers.insert(tensor.name());
  for (const auto &constant : options.constantInputs)
    initializers.insert(constant.first);
  if (failed(checkInputShapeOverrides(initializers)))
    return failure();
  SmallVector<const onnx::ValueInfoProto *> arguments;
  SmallVector<Type> argumentTypes;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (initializers.contains(input.name()))
      continue;
    FailureOr<RankedTensorType> type = importInputType(input);
    if (failed(type))
      return failure();
    arguments.push_back(&input);
    argumentTypes.push_back(*type);
  }

  builder.setInsertionPointToEnd(module->getBody());
  auto function = func::FuncOp::create(builder, fileLoc, "main",
                                       builder.getFunctionType(argumentTypes, {}));
  Block *body = function.addEntryBlock();
  // The model's names of symbolic dimensions travel to the artifact's
  // signature ("batch", "seq"), also when --input-shape fixed them.
  auto dimNamesOf = [&](const onnx::ValueInfoProto &value) -> ArrayAttr {
    if (!value.type().has_tensor_type() || !value.type().tensor_type().has_shape())
      return {};
    SmallVector<Attribute> names;
    bool any = false;
    for (const onnx::TensorShapeProto::Dimension &dim : value.type().tensor_type().shape().dim()) {
      bool symbolic = !dim.has_dim_value() && dim.has_dim_param() && !dim.dim_param().empty();
      any |= symbolic;
      names.push_back(builder.getStringAttr(symbolic ? dim.dim_param() : ""));
    }
    return any ? builder.getArrayAttr(names) : ArrayAttr();
  };
  for (auto [i, input] : llvm::enumerate(arguments)) {
    function.setArgAttr(i, "smelt.name", builder.getStringAttr(input->name()));
    if (ArrayAttr names = dimNamesOf(*input))
      function.setArgAttr(i, "smelt.dim_names", names);
    body->getArgument(i).setLoc(nameLoc(input->name()));
    values.setValue(input->name(), body->getArgument(i));
  }

  builder.setInsertionPointToEnd(body);
  for (auto [index, node] : llvm::enumerate(graph.node()))
    if (failed(importNode(node, index)))
      return failure();

  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    Location loc = nameLoc(output.name());
    if (!values.contains(output.name()))
      return emitError(loc) << "graph output '" << output.name()
                            << "' is not produced by any node, input or initializer";
    if (values.isSequence(output.name()))
      return emitError(loc) << "graph output '" << output.name()
                            << "' is a sequence; compiled models return tensors only";
    Value value = values.getValue(output.name());
    if (output.type().has_tensor_type() && output.type().tensor_type().elem_type() != 0) {
      Type declared = convertElementType(&context, output.type().tensor_type().elem_type());
      Type actual = cast<RankedTensorType>(value.getType()).getElementType();
      if (declared != actual)
        return emitError(loc) << "graph output '" << output.name() << "' is declared as "
                              << onnxTypeName(output.type().tensor_type().elem_type())
                              << " but computes " << actual;
    }
    results.push_back(value);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  function.setType(builder.getFunctionType(argumentTypes, ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(graph.output())) {
    function.setResultAttr(i, "smelt.name", builder.getStringAttr(output.name()));
    ArrayAttr names = dimNamesOf(output);
    if (names && names.size() == cast<ShapedType>(results[i].getType()).getRank())
      function.setResultAttr(i, "smelt.dim_names", names);
  }

  if (failed(mlir::verify(*module)))
    return failure();
  return module;
}

namespace {

/// Protobuf and ONNX messages may span lines; diagnostics are one line.
std::string oneLine(StringRef text) {
  std::string line;
  for (char c : text.trim())
    line += (c == '\n' || c == '\r') ? ' ' : c;
  return line;
}

} // namespace

FailureOr<OwningOpRef<ModuleOp>> importOnnxModel(MLIRContext &context,
                                                 const onnx::ModelProto &model,
                                                 const ImportOptions &options) {
  // Nothing below is expected to throw; this keeps a bad_alloc on a huge
  // model (or a throwing ONNX helper) from escaping as a crash.
  try {
    return ModelImporter(context, model, options).run();
  } catch (const std::exception &error) {
    emitError(UnknownLoc::get(&context)) << "ONNX import failed: " << error.what();
    return failure();
  }
}

FailureOr<OwningOpRef<ModuleOp>> importOnnxBuffer(MLIRContext &context, StringRef data,
                                                  StringRef name, bool isText,
                                                  const ImportOptions &options) {
  Location fileLoc = FileLineColLoc::get(&context, name, 0, 0);
  auto invalid = [&](const Twine &reason) {
    emitError(fileLoc) << "'" << name << "' is not a valid ONNX model (" << reason << ")";
    return failure();
  };
  onnx::ModelProto model;
  if (isText) {
    try {
      onnx::Common::Status status = onnx::OnnxParser::Parse(model, data.str().c_str());
      if (!status.IsOK())
        return invalid(oneLine(status.ErrorMessage()));
    } catch (const std::exception &error) {
      return invalid(oneLine(error.what()));
    }
    if (!model.has_graph())
      return invalid("it has no graph");
  } else {
    if (data.empty())
      return invalid("it is empty");
    if (data.size() > (size_t)INT_MAX)
      return invalid("protobuf models are limited to 2 GiB");
    if (!model.ParseFromArray(data.data(), static_cast<int>(data.size())))
      return invalid("not a protobuf ModelProto, or truncated");
    // Many byte strings happen to parse as some protobuf; a model has these.
    if (!model.has_ir_version() || !model.has_graph())
      return invalid("no ir_version or no graph");
  }
  ImportOptions namedOptions = options;
  namedOptions.sourceName = name.str();
  return importOnnxModel(context, model, namedOptions);
}

FailureOr<OwningOpRef<ModuleOp>> importOnnxFile(MLIRContext &context, StringRef path,
                                                const ImportOptions &options) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/true);
  if (!buffer) {
    emitError(FileLineColLoc::get(&context, path, 0, 0))
        << "'" << path << "' is not a valid ONNX model (cannot read the file: "
        << buffer.getError().message() << ")";
    return failure();
  }
  return importOnnxBuffer(context, (*buffer)->getBuffer(), path, path.ends_with(".onnxtxt"),
                          options);
}

} // namespace smelt::onnx_frontend
