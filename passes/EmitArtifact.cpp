//===- EmitArtifact.cpp - A compiled module to a .smelt description -------===//
#include "passes/EmitArtifact.h"
#include "dialects/kernel/IR/StorageSize.h"

#include "dialects/kernel/IR/KernelOps.h"
#include "dialects/plan/IR/PlanDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinDialect.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace smelt {
namespace {

/// Constants are laid out on this boundary so kernels may load them aligned.
constexpr uint64_t kConstantAlignment = 64;

uint64_t byteSizeOf(ShapedType type) { return static_cast<uint64_t>(storageBytes(type)); }

/// The row-major bytes of a constant as the kernels read them (i1 one byte).
FailureOr<std::vector<uint8_t>> bytesOf(Operation *op, ElementsAttr value) {
  auto type = cast<ShapedType>(value.getType());
  uint64_t size = byteSizeOf(type);
  std::vector<uint8_t> bytes(size);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != size)
      return op->emitError("constant resource is missing or has the wrong size");
    std::memcpy(bytes.data(), blob->getData().data(), size);
    return bytes;
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense)
    return op->emitError("cannot serialize constant attribute ") << value;
  if (type.getElementType().isInteger(1)) {
    size_t i = 0;
    for (bool element : dense.getValues<bool>())
      bytes[i++] = element ? 1 : 0;
    return bytes;
  }
  ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat()) {
    size_t elementBytes = raw.size();
    for (uint64_t offset = 0; offset + elementBytes <= size; offset += elementBytes)
      std::memcpy(bytes.data() + offset, raw.data(), elementBytes);
    return bytes;
  }
  if (raw.size() != size)
    return op->emitError("constant has ") << raw.size() << " bytes, expected " << size;
  std::memcpy(bytes.data(), raw.data(), size);
  return bytes;
}

FailureOr<artifact::TensorDescription> describeTensor(func::FuncOp host, unsigned argument) {
  auto type = host.getArgAttrOfType<TypeAttr>(argument, "plan.type");
  auto tensorType = type ? dyn_cast<RankedTensorType>(type.getValue()) : RankedTensorType();
  if (!tensorType || !tensorType.hasStaticShape())
    return host.emitError("host argument #") << argument << " has no static plan.type";
  FailureOr<smelt_dtype_t> dtype = dtypeOf(tensorType.getElementType());
  if (failed(dtype))
    return host.emitError("element type ")
           << tensorType.getElementType() << " is not supported by the runtime";
  artifact::TensorDescription tensor;
  if (auto name = host.getArgAttrOfType<StringAttr>(argument, "smelt.name"))
    tensor.name = name.str();
  else
    tensor.name = "arg" + std::to_string(argument);
  tensor.dtype = *dtype;
  tensor.shape.assign(tensorType.getShape().begin(), tensorType.getShape().end());
  if (auto names = host.getArgAttrOfType<ArrayAttr>(argument, "smelt.dim_names"))
    if (names.size() == tensor.shape.size())
      for (Attribute name : names)
        tensor.dimNames.push_back(cast<StringAttr>(name).str());
  return tensor;
}

} // namespace

FailureOr<smelt_dtype_t> dtypeOf(Type elementType) {
  if (elementType.isF32())
    return SMELT_F32;
  if (elementType.isF64())
    return SMELT_F64;
  if (elementType.isF16())
    return SMELT_F16;
  if (elementType.isBF16())
    return SMELT_BF16;
  if (auto integer = dyn_cast<IntegerType>(elementType)) {
    bool isUnsigned = integer.isUnsigned();
    switch (integer.getWidth()) {
    case 1:
      return SMELT_BOOL;
    case 8:
      return isUnsigned ? SMELT_U8 : SMELT_I8;
    case 16:
      return isUnsigned ? SMELT_U16 : SMELT_I16;
    case 32:
      return isUnsigned ? SMELT_U32 : SMELT_I32;
    case 64:
      return isUnsigned ? SMELT_U64 : SMELT_I64;
    default:
      break;
    }
  }
  return failure();
}

FailureOr<artifact::ArtifactDescription> describeArtifact(ModuleOp module) {
  auto host = module.lookupSymbol<func::FuncOp>("main");
  if (!host || host.getBody().empty())
    return module.emitError("no host plan func.func @main to serialize");
  artifact::ArtifactDescription description;
  artifact::PlanDescription &plan = description.plans.emplace_back();
  if (auto arena = host->getAttrOfType<IntegerAttr>("plan.arena_size"))
    plan.arenaSize = arena.getInt();
  else
    return host.emitError("the plan has no arena size (run plan-memory first)");

  // Kernels, in module order.
  llvm::StringMap<uint32_t> kernelIds;
  for (auto kernelFunc : module.getOps<kernel::FuncOp>()) {
    artifact::KernelDescription kernel;
    kernel.symbol = kernelFunc.getSymName().str();
    if (auto strategy = kernelFunc.getStrategyAttr())
      kernel.grid = strategy.getGroupCount();
    if (auto ops = kernelFunc.getOpsAttr()) {
      SmallVector<StringRef> names;
      for (Attribute name : ops)
        names.push_back(cast<StringAttr>(name).getValue());
      kernel.description = llvm::join(names, "+");
    }
    kernelIds[kernel.symbol] = plan.kernels.size();
    plan.kernels.push_back(std::move(kernel));
  }

  // Buffers: signature first, then what the plan creates.
  DenseMap<Value, uint32_t> bufferIds;
  Block &entry = host.getBody().front();
  uint32_t inputIndex = 0, outputIndex = 0;
  for (BlockArgument argument : entry.getArguments()) {
    unsigned position = argument.getArgNumber();
    auto kind = host.getArgAttrOfType<StringAttr>(position, "plan.kind");
    if (!kind || (kind.getValue() != "input" && kind.getValue() != "output"))
      return host.emitError("host argument #") << position << " has no plan.kind";
    FailureOr<artifact::TensorDescription> tensor = describeTensor(host, position);
    if (failed(tensor))
      return failure();
    bool isInput = kind.getValue() == "input";
    artifact::BufferDescription buffer;
    buffer.kind = isInput ? artifact::BufferKindDescription::Input
                          : artifact::BufferKindDescription::Output;
    buffer.index = isInput ? inputIndex++ : outputIndex++;
    buffer.size = byteSizeOf(cast<ShapedType>(argument.getType()));
    bufferIds[argument] = plan.buffers.size();
    plan.buffers.push_back(buffer);
    (isInput ? description.inputs : description.outputs).push_back(std::move(*tensor));
  }

  auto bufferOf = [&](Operation *user, Value value) -> FailureOr<uint32_t> {
    auto found = bufferIds.find(value);
    if (found == bufferIds.end())
      return user->emitError("operand is not a buffer of the plan");
    return found->second;
  };

  for (Operation &op : entry) {
    LogicalResult result =
        llvm::TypeSwitch<Operation *, LogicalResult>(&op)
            .Case<plan::ConstantOp>([&](plan::ConstantOp constant) -> LogicalResult {
              FailureOr<std::vector<uint8_t>> bytes = bytesOf(constant, constant.getValue());
              if (failed(bytes))
                return failure();
              uint64_t offset = (description.constants.size() + kConstantAlignment - 1) /
                                kConstantAlignment * kConstantAlignment;
              description.constants.resize(offset);
              description.constants.insert(description.constants.end(), bytes->begin(),
                                           bytes->end());
              artifact::BufferDescription buffer;
              buffer.kind = artifact::BufferKindDescription::Constant;
              buffer.offset = offset;
              buffer.size = bytes->size();
              bufferIds[constant.getResult()] = plan.buffers.size();
              plan.buffers.push_back(buffer);
              return success();
            })
            .Case<plan::AllocOp>([&](plan::AllocOp alloc) -> LogicalResult {
              if (!alloc.getOffset())
                return alloc.emitError("allocation has no arena offset (run plan-memory)");
              artifact::BufferDescription buffer;
              buffer.kind = artifact::BufferKindDescription::Arena;
              buffer.offset = *alloc.getOffset();
              buffer.size = byteSizeOf(cast<ShapedType>(alloc.getType()));
              bufferIds[alloc.getResult()] = plan.buffers.size();
              plan.buffers.push_back(buffer);
              return success();
            })
            .Case<plan::ViewOp>([&](plan::ViewOp view) -> LogicalResult {
              // Same bytes, another shape: the kernels know the shape.
              FailureOr<uint32_t> source = bufferOf(view, view.getSource());
              if (failed(source))
                return failure();
              bufferIds[view.getResult()] = *source;
              return success();
            })
            .Case<plan::LaunchOp>([&](plan::LaunchOp launch) -> LogicalResult {
              auto kernel = kernelIds.find(launch.getKernel());
              if (kernel == kernelIds.end())
                return launch.emitError("launch of unknown kernel @") << launch.getKernel();
              artifact::LaunchDescription command;
              command.kernel = kernel->second;
              for (Value argument : launch.getArguments()) {
                FailureOr<uint32_t> id = bufferOf(launch, argument);
                if (failed(id))
                  return failure();
                command.args.push_back(*id);
              }
              plan.commands.push_back(std::move(command));
              return success();
            })
            .Case<plan::CallOp>([&](plan::CallOp call) -> LogicalResult {
              // The generated kernel is the launch; the libraries are its
              // alternatives.
              artifact::LaunchDescription command;
              bool haveKernel = false;
              for (Attribute candidate : call.getCandidates()) {
                if (auto symbol = dyn_cast<FlatSymbolRefAttr>(candidate)) {
                  auto kernel = kernelIds.find(symbol.getValue());
                  if (kernel == kernelIds.end())
                    return call.emitError("candidate of unknown kernel ") << symbol;
                  command.kernel = kernel->second;
                  haveKernel = true;
                } else {
                  command.libraries.push_back(cast<StringAttr>(candidate).str());
                }
              }
              if (!haveKernel)
                return call.emitError("needs a generated kernel among its candidates");
              command.libraryOp = call.getCallee().str();
              if (auto params = call->getAttrOfType<DenseI64ArrayAttr>("params"))
                command.libraryParams.assign(params.asArrayRef().begin(),
                                             params.asArrayRef().end());
              for (Value argument : call.getArguments()) {
                FailureOr<uint32_t> id = bufferOf(call, argument);
                if (failed(id))
                  return failure();
                command.args.push_back(*id);
              }
              if (auto positions = call->getAttrOfType<DenseI64ArrayAttr>("library_args"))
                for (int64_t position : positions.asArrayRef()) {
                  if (position < 0 || position >= (int64_t)command.args.size())
                    return call.emitError("library_args position out of range");
                  command.libraryArgs.push_back(command.args[position]);
                }
              plan.commands.push_back(std::move(command));
              return success();
            })
            .Case<plan::CopyOp>([&](plan::CopyOp copy) -> LogicalResult {
              FailureOr<uint32_t> source = bufferOf(copy, copy.getSource());
              FailureOr<uint32_t> destination = bufferOf(copy, copy.getDestination());
              if (failed(source) || failed(destination))
                return failure();
              plan.commands.push_back(artifact::CopyDescription{
                  *source, *destination,
                  byteSizeOf(cast<ShapedType>(copy.getSource().getType()))});
              return success();
            })
            .Case<plan::AllReduceOp>([&](plan::AllReduceOp reduce) -> LogicalResult {
              FailureOr<uint32_t> source = bufferOf(reduce, reduce.getSource());
              FailureOr<uint32_t> destination = bufferOf(reduce, reduce.getDestination());
              MemRefType type = reduce.getSource().getType();
              FailureOr<smelt_dtype_t> dtype = dtypeOf(type.getElementType());
              if (failed(source) || failed(destination) || failed(dtype))
                return failure();
              artifact::AllReduceDescription command;
              command.source = *source;
              command.destination = *destination;
              command.dtype = *dtype;
              command.count = type.getNumElements();
              StringRef reduction = reduce.getReduction();
              command.reduction = reduction == "sum"    ? artifact::ReductionDescription::Sum
                                  : reduction == "prod" ? artifact::ReductionDescription::Prod
                                  : reduction == "min"  ? artifact::ReductionDescription::Min
                                                        : artifact::ReductionDescription::Max;
              plan.commands.push_back(command);
              return success();
            })
            .Case<func::ReturnOp>([](auto) { return success(); })
            .Default([](Operation *other) {
              return other->emitError("cannot serialize host op ") << other->getName();
            });
    if (failed(result))
      return failure();
  }
  return description;
}

} // namespace smelt
