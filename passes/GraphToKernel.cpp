//===- GraphToKernel.cpp - Graph function to kernels + host plan ------------===//
//
// Kernel formation. Each compute op of the graph function becomes one
// `kernel.func` (its body: the op's linalg lowering on tensors, read from and
// written into global buffers); the function itself becomes a host program of
// plan ops over buffers. Reshapes become views and never launch anything.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/GraphOps.h"
#include "passes/GraphToLinalg.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

using namespace mlir;
using namespace smelt;

namespace smelt {
#define GEN_PASS_DEF_GRAPHTOKERNEL
#include "passes/Passes.h.inc"
} // namespace smelt

namespace {

MemRefType hostBufferType(Type tensorType) {
  auto tensor = cast<RankedTensorType>(toSignless(tensorType));
  return MemRefType::get(tensor.getShape(), tensor.getElementType());
}

MemRefType deviceBufferType(Type tensorType) {
  auto tensor = cast<RankedTensorType>(toSignless(tensorType));
  return MemRefType::get(tensor.getShape(), tensor.getElementType(), MemRefLayoutAttrInterface(),
                         kernel::getMemorySpace(tensorType.getContext(),
                                                kernel::MemorySpace::Global));
}

bool isSplatConstant(Value value) {
  DenseElementsAttr elements;
  return matchPattern(value, m_Constant(&elements)) && elements.isSplat();
}

bool isElementwiseOp(Operation *op) {
  return op->hasTrait<OpTrait::Elementwise>() ||
         isa<graph::AddOp, graph::SubOp, graph::MulOp, graph::DivOp, graph::MaxOp,
             graph::MinOp, graph::PowOp, graph::EqualOp, graph::LessOp,
             graph::LessEqualOp, graph::GreaterOp, graph::GreaterEqualOp, graph::AndOp,
             graph::OrOp, graph::XorOp, graph::SelectOp, graph::BroadcastOp>(op);
}

/// A short, readable description of the model op behind `op`.
std::string describe(Operation *op) {
  std::string text = op->getName().getStringRef().str();
  Location loc = op->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc); fused && !fused.getLocations().empty())
    loc = fused.getLocations().front();
  if (auto name = dyn_cast<NameLoc>(loc))
    text += " '" + name.getName().str() + "'";
  return text;
}

/// Writes `value` (computed in a kernel body) into `buffer`. Reshapes at the
/// end of the computation become reshaped views of the buffer, and the
/// tensor.empty the computation would fill is replaced by the buffer itself
/// (destination passing), so bufferization writes in place.
void materialize(OpBuilder &builder, Location loc, Value value, Value buffer) {
  // Views and the destination tensor go to the top of the kernel so that the
  // whole computation can use them.
  OpBuilder top = OpBuilder::atBlockBegin(builder.getInsertionBlock());
  while (true) {
    if (auto expand = value.getDefiningOp<tensor::ExpandShapeOp>()) {
      buffer = memref::CollapseShapeOp::create(top, loc, buffer,
                                               expand.getReassociationIndices());
      value = expand.getSrc();
      continue;
    }
    if (auto collapse = value.getDefiningOp<tensor::CollapseShapeOp>()) {
      auto sourceType = collapse.getSrcType();
      auto bufferType = cast<MemRefType>(buffer.getType());
      auto expandedType = MemRefType::get(sourceType.getShape(), bufferType.getElementType(),
                                          MemRefLayoutAttrInterface(),
                                          bufferType.getMemorySpace());
      buffer = memref::ExpandShapeOp::create(top, loc, expandedType, buffer,
                                             collapse.getReassociationIndices());
      value = collapse.getSrc();
      continue;
    }
    break;
  }
  auto tensorType = cast<RankedTensorType>(value.getType());
  Value destination = bufferization::ToTensorOp::create(top, loc, tensorType, buffer,
                                                        /*restrict=*/true, /*writable=*/true);
  // Follow the chain of destination operands down to the tensor.empty.
  Value current = value;
  while (auto result = dyn_cast<OpResult>(current)) {
    auto dps = dyn_cast<DestinationStyleOpInterface>(result.getOwner());
    if (!dps)
      break;
    OpOperand *init = dps.getTiedOpOperand(result);
    if (!init)
      break;
    if (auto empty = init->get().getDefiningOp<tensor::EmptyOp>()) {
      if (empty.getType() == tensorType)
        init->set(destination);
      break;
    }
    current = init->get();
  }
  bufferization::MaterializeInDestinationOp::create(builder, loc, TypeRange{}, value, buffer,
                                                    /*restrict=*/true, /*writable=*/true);
}

class KernelFormation {
public:
  KernelFormation(ModuleOp module, func::FuncOp graphFunc)
      : module(module), graphFunc(graphFunc), builder(module.getContext()) {}

  LogicalResult run();

private:
  Value bufferOf(Value value);
  LogicalResult formKernel(Operation *op);

  ModuleOp module;
  func::FuncOp graphFunc;
  OpBuilder builder;
  func::FuncOp hostFunc;
  /// Graph value -> host buffer holding it.
  DenseMap<Value, Value> buffers;
  /// Graph values returned by the function -> output buffer to write directly.
  DenseMap<Value, Value> outputBuffers;
  int kernelCount = 0;
};

Value KernelFormation::bufferOf(Value value) {
  if (Value buffer = buffers.lookup(value))
    return buffer;
  Operation *def = value.getDefiningOp();
  Value buffer;
  if (auto constant = dyn_cast_or_null<graph::ConstantOp>(def)) {
    auto elements = cast<DenseElementsAttr>(constant.getValue());
    auto type = cast<RankedTensorType>(toSignless(elements.getType()));
    if (type != elements.getType())
      elements = elements.bitcast(type.getElementType());
    buffer = plan::ConstantOp::create(builder, constant.getLoc(), hostBufferType(type), elements);
  } else if (auto reshape = dyn_cast_or_null<graph::ReshapeOp>(def)) {
    buffer = plan::ViewOp::create(builder, reshape.getLoc(), hostBufferType(reshape.getType()),
                                  bufferOf(reshape.getInput()));
  }
  buffers[value] = buffer;
  return buffer;
}

LogicalResult KernelFormation::formKernel(Operation *op) {
  MLIRContext *context = op->getContext();
  Location loc = op->getLoc();
  bool inlineSplats = isElementwiseOp(op);

  // Kernel parameters: distinct non-inlined operands, then the results.
  SmallVector<Value> inputs;
  for (Value operand : op->getOperands())
    if (!(inlineSplats && isSplatConstant(operand)) && !llvm::is_contained(inputs, operand))
      inputs.push_back(operand);
  // Nothing to compute when every result is empty (a zero-size slice or
  // split part): the results get their (empty) buffers and no kernel runs.
  if (llvm::all_of(op->getResults(), [](Value result) {
        return cast<ShapedType>(result.getType()).getNumElements() == 0;
      })) {
    for (Value result : op->getResults()) {
      Value buffer = outputBuffers.lookup(result);
      if (!buffer)
        buffer = plan::AllocOp::create(builder, loc, hostBufferType(result.getType()),
                                       IntegerAttr());
      buffers[result] = buffer;
    }
    return success();
  }

  SmallVector<Value> hostArguments;
  SmallVector<Type> parameterTypes;
  for (Value input : inputs) {
    Value buffer = bufferOf(input);
    if (!buffer)
      return op->emitError("operand has no buffer (unsupported producer)");
    hostArguments.push_back(buffer);
    parameterTypes.push_back(deviceBufferType(input.getType()));
  }
  for (Value result : op->getResults()) {
    Value buffer = outputBuffers.lookup(result);
    if (!buffer)
      buffer = plan::AllocOp::create(builder, loc, hostBufferType(result.getType()), IntegerAttr());
    buffers[result] = buffer;
    hostArguments.push_back(buffer);
    parameterTypes.push_back(deviceBufferType(result.getType()));
  }

  std::string name = "k" + std::to_string(kernelCount++) + "_" +
                     op->getName().stripDialect().str();
  OpBuilder moduleBuilder = OpBuilder::atBlockEnd(module.getBody());
  moduleBuilder.setInsertionPoint(graphFunc);
  auto kernelFunc = kernel::FuncOp::create(moduleBuilder, loc, name,
                                           FunctionType::get(context, parameterTypes, {}));
  kernelFunc.setOpsAttr(moduleBuilder.getStrArrayAttr({describe(op)}));

  Block &entry = kernelFunc.getBody().front();
  OpBuilder body = OpBuilder::atBlockBegin(&entry);
  IRMapping operandMap;
  for (auto [index, input] : llvm::enumerate(inputs)) {
    auto tensorType = cast<RankedTensorType>(toSignless(input.getType()));
    operandMap.map(input, bufferization::ToTensorOp::create(body, loc, tensorType,
                                                             entry.getArgument(index),
                                                             /*restrict=*/true));
  }
  SmallVector<Value> operands;
  for (Value operand : op->getOperands()) {
    if (!operandMap.contains(operand))
      operandMap.map(operand, body.clone(*operand.getDefiningOp())->getResult(0));
    operands.push_back(operandMap.lookup(operand));
  }
  FailureOr<SmallVector<Value>> results = lowerGraphOpToLinalg(body, op, operands);
  if (failed(results))
    return failure();
  for (auto [index, result] : llvm::enumerate(*results))
    materialize(body, loc, result, entry.getArgument(inputs.size() + index));
  kernel::ReturnOp::create(body, loc);
  // Inlined constants that the lowering turned into scalars are dead now.
  for (Operation &nested : llvm::make_early_inc_range(llvm::reverse(entry)))
    if (isa<graph::ConstantOp>(nested) && nested.use_empty())
      nested.erase();

  plan::LaunchOp::create(builder, loc, FlatSymbolRefAttr::get(kernelFunc.getSymNameAttr()),
                         hostArguments);
  return success();
}

LogicalResult KernelFormation::run() {
  MLIRContext *context = module.getContext();
  FunctionType graphType = graphFunc.getFunctionType();
  SmallVector<Type> hostTypes;
  for (Type input : graphType.getInputs())
    hostTypes.push_back(hostBufferType(input));
  for (Type output : graphType.getResults())
    hostTypes.push_back(hostBufferType(output));

  OpBuilder moduleBuilder(graphFunc);
  hostFunc = func::FuncOp::create(moduleBuilder, graphFunc.getLoc(), graphFunc.getSymName(),
                                  FunctionType::get(context, hostTypes, {}));
  // Arguments keep the model's names and types (with signedness) for the
  // artifact's signature.
  size_t inputCount = graphType.getNumInputs();
  for (size_t i = 0; i < hostTypes.size(); ++i) {
    bool isInput = i < inputCount;
    NamedAttrList attrs;
    DictionaryAttr original = isInput ? graphFunc.getArgAttrDict(i)
                                      : graphFunc.getResultAttrDict(i - inputCount);
    if (original)
      attrs.append(original.getValue());
    attrs.set("plan.kind", moduleBuilder.getStringAttr(isInput ? "input" : "output"));
    attrs.set("plan.type", TypeAttr::get(isInput ? graphType.getInput(i)
                                                 : graphType.getResult(i - inputCount)));
    hostFunc.setArgAttrs(i, attrs.getDictionary(context));
  }
  Block *hostEntry = hostFunc.addEntryBlock();
  builder.setInsertionPointToStart(hostEntry);

  Block &graphBody = graphFunc.getBody().front();
  for (auto [index, argument] : llvm::enumerate(graphBody.getArguments()))
    buffers[argument] = hostEntry->getArgument(index);
  auto returnOp = cast<func::ReturnOp>(graphBody.getTerminator());
  for (auto [index, value] : llvm::enumerate(returnOp.getOperands())) {
    Operation *def = value.getDefiningOp();
    bool producedByKernel = def && !isa<graph::ConstantOp, graph::ReshapeOp>(def);
    if (producedByKernel && !outputBuffers.count(value))
      outputBuffers[value] = hostEntry->getArgument(inputCount + index);
  }

  for (Operation &op : graphBody.without_terminator()) {
    if (isa<graph::ConstantOp, graph::ReshapeOp>(op))
      continue; // materialized on first use
    if (!isa<graph::GraphDialect>(op.getDialect()))
      return op.emitError("kernel formation expects only graph ops, found ") << op.getName();
    if (failed(formKernel(&op)))
      return failure();
  }
  for (auto [index, value] : llvm::enumerate(returnOp.getOperands())) {
    Value output = hostEntry->getArgument(inputCount + index);
    Value buffer = bufferOf(value);
    if (buffer != output)
      plan::CopyOp::create(builder, returnOp.getLoc(), buffer, output);
  }
  func::ReturnOp::create(builder, returnOp.getLoc());
  graphFunc.erase();
  return success();
}

struct GraphToKernelPass : public smelt::impl::GraphToKernelBase<GraphToKernelPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto graphFunc = module.lookupSymbol<func::FuncOp>("main");
    if (!graphFunc) {
      module.emitError("graph-to-kernel needs a func.func @main");
      return signalPassFailure();
    }
    KernelFormation formation(module, graphFunc);
    if (failed(formation.run()))
      signalPassFailure();
  }
};

} // namespace
