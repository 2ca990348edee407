//===- GraphToKernel.cpp - Graph function to kernels + host plan ------------===//
//
// Kernel formation. The compute ops of the graph function are partitioned
// into fusion groups; each group becomes one `kernel.func` (its body: the
// ops' linalg lowerings on tensors, read from and written into global
// buffers) and the function itself becomes a host program of plan ops over
// buffers. Reshapes become views and never launch anything.
//
// A group has one root; the scheduler tiles the root and fuses the rest of
// the group into each tile, so intermediates never travel through global
// memory. A producer joins its consumers' group when all its users are in
// that group and each edge is one where a tile of the consumer needs a slice
// of the producer that no other tile needs (see fusibleEdge). A producer that
// other kernels read too may join as a side output: the kernel also stores
// it, and its own consumers take it from the tile (see sideOutputGroup).
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/GraphOps.h"
#include "dialects/kernel/IR/StorageSize.h"
#include "dialects/kernel/Transforms/Passes.h"
#include "passes/GraphToLinalg.h"
#include "passes/GraphToLinalgInternal.h"
#include "passes/LibraryCalls.h"
#include "passes/FusionRules.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

using namespace mlir;
using namespace smelt;
using smelt::library::convCall;
using smelt::library::ConvCall;
using smelt::library::epilogueOfLibraryConv;
using smelt::library::GemmCall;
using smelt::library::gemmCall;
using smelt::library::gemmParameters;
using smelt::library::poolCall;
using namespace smelt::fusion;

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

/// How many copies of one producer a fused kernel may compute (see formGroups).
constexpr int64_t kMaxPathsToRoot = 8;

bool isSplatConstant(Value value) {
  DenseElementsAttr elements;
  return matchPattern(value, m_Constant(&elements)) && elements.isSplat();
}

bool isElementwiseOp(Operation *op) { return lowering::isElementwiseGraphOp(op); }

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
bufferization::MaterializeInDestinationOp materialize(OpBuilder &builder, Location loc,
                                                      Value value, Value buffer) {
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
  kernel::writeChainInto(value, destination);
  return bufferization::MaterializeInDestinationOp::create(builder, loc, TypeRange{}, value,
                                                           buffer, /*restrict=*/true,
                                                           /*writable=*/true);
}

class KernelFormation {
public:
  KernelFormation(ModuleOp module, func::FuncOp graphFunc, bool fuse, bool libraryCalls,
                  llvm::StringRef libraryDevice)
      : module(module), graphFunc(graphFunc), fuse(fuse), libraryCalls(libraryCalls),
        gpuLibraries(libraryDevice != "cpu"), rocmLibraries(libraryDevice == "rocm"),
        gemmEpilogues(libraryDevice != "rocm"),
        builder(module.getContext()) {}

  LogicalResult run();

private:
  Value bufferOf(Value value);
  /// Partitions the compute ops into fusion groups, each in program order
  /// with its root last.
  FailureOr<std::vector<SmallVector<Operation *>>> formGroups();
  LogicalResult formKernel(ArrayRef<Operation *> group);

  ModuleOp module;
  func::FuncOp graphFunc;
  bool fuse;
  bool libraryCalls;
  /// The calls name NVIDIA's libraries (cuBLAS) instead of the CPU's; no
  /// convolution or pooling call has a CUDA binding yet.
  /// GPU plans call vendor GEMMs (cuBLAS, rocBLAS) and convolutions (cuDNN,
  /// MIOpen); no pooling calls.
  bool gpuLibraries, rocmLibraries;
  /// A library GEMM takes a bias row and relu after it (oneDNN's post-ops,
  /// cuBLASLt's epilogues); rocBLAS has none (hipBLASLt is not bound yet).
  bool gemmEpilogues;
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

FailureOr<std::vector<SmallVector<Operation *>>> KernelFormation::formGroups() {
  Block &body = graphFunc.getBody().front();
  SmallVector<Operation *> computeOps;
  for (Operation &op : body.without_terminator())
    if (!isa<graph::ConstantOp, graph::ReshapeOp>(op))
      computeOps.push_back(&op);

  // Users are visited before their producers (reverse program order), so a
  // producer sees its users' groups. A group's first op is its root.
  DenseMap<Operation *, int> groupOf;
  DenseMap<Operation *, int64_t> pathsToRoot;
  std::vector<SmallVector<Operation *>> groups;
  std::vector<bool> hasContraction;

  // Whether a value computed by group `from` flows, directly or through
  // other ops, into group `group` (whose ops all precede its root).
  auto reaches = [&](int from, int group) {
    Operation *root = groups[group].front();
    SmallVector<Operation *> worklist(groups[from].begin(), groups[from].end());
    llvm::SmallPtrSet<Operation *, 32> seen;
    while (!worklist.empty()) {
      Operation *op = worklist.pop_back_val();
      for (Operation *user : op->getUsers()) {
        // A use inside a region (a loop body capturing the value) is a use
        // by the op that holds the region.
        user = root->getBlock()->findAncestorOpInBlock(*user);
        if (!user || root->isBeforeInBlock(user) || !seen.insert(user).second)
          continue;
        auto found = groupOf.find(user);
        if (found != groupOf.end() && found->second == group)
          return true;
        worklist.push_back(user);
      }
    }
    return false;
  };
  // A producer whose value other kernels also read may still join the group
  // of its row-local consumers as a side output: the group's kernel stores
  // the value for the other readers and uses it straight from its tile (the
  // store->load forwarding of merged kernels; a residual sum read by the
  // next layer norm and by the next residual add). The group must compute
  // every element of the value once (row-local ops, a root of the same
  // shape) and must not itself depend on one of the other readers.
  auto sideOutputGroup = [&](Operation *op) -> int {
    if (!isElementwiseOp(op))
      return -1;
    auto type = cast<RankedTensorType>(op->getResult(0).getType());
    if (!type.hasStaticShape() || type.getNumElements() == 0)
      return -1;
    SmallVector<int> candidates;
    for (OpOperand &use : op->getResult(0).getUses()) {
      auto found = groupOf.find(use.getOwner());
      if (found != groupOf.end() && fusibleEdge(op, use.getOwner(), use.get()) &&
          !llvm::is_contained(candidates, found->second))
        candidates.push_back(found->second);
    }
    // The earliest kernel first: its stores are ready for the others soonest.
    llvm::sort(candidates, [&](int a, int b) {
      return groups[a].front()->isBeforeInBlock(groups[b].front());
    });
    for (int group : candidates) {
      Operation *root = groups[group].front();
      if (hasContraction[group] || root->getNumResults() != 1 ||
          root->getResult(0).getType() != type)
        continue;
      if (!llvm::all_of(groups[group],
                        [&](Operation *member) { return isRowLocal(member, type.getRank()); }))
        continue;
      bool legal = true;
      for (OpOperand &use : op->getResult(0).getUses()) {
        auto found = groupOf.find(use.getOwner());
        bool inGroup = found != groupOf.end() && found->second == group;
        // The other readers' kernels read the value, so they must not
        // produce anything this group reads.
        if (inGroup ? !fusibleEdge(op, use.getOwner(), use.get())
                    : found != groupOf.end() && reaches(found->second, group)) {
          legal = false;
          break;
        }
      }
      if (legal)
        return group;
    }
    return -1;
  };

  for (Operation *op : llvm::reverse(computeOps)) {
    int joined = -1;
    // A collective is a host command of its own, never part of a kernel. A
    // matmul a vendor GEMM can compute stays alone when library calls are on:
    // the library beats a generated kernel by more than the epilogue's extra
    // pass over the result costs.
    // (On CPUs and NVIDIA GPUs the library takes the epilogue too: a bias
    // row and relu, see below.)
    bool libraryGemm = libraryCalls && gemmParameters(op).has_value();
    bool fusible = fuse && op->getNumResults() == 1 && !op->getResult(0).use_empty() &&
                   !isa<graph::AllReduceOp>(op) && !lowering::lowersToLoops(op) &&
                   !(libraryGemm && !gemmEpilogues);
    if (fusible) {
      for (OpOperand &use : op->getResult(0).getUses()) {
        Operation *user = use.getOwner();
        auto group = groupOf.find(user);
        if (group == groupOf.end() || !fusibleEdge(op, user, use.get()) ||
            (joined != -1 && joined != group->second)) {
          joined = -1;
          break;
        }
        joined = group->second;
      }
      if (joined == -1)
        joined = sideOutputGroup(op);
    }
    // A producer is computed once per path from the root to it (tile-and-fuse
    // fuses one copy per use): in a DAG with reuse, such as a Clenshaw
    // recurrence b_k = x * b_{k+1} - b_{k+2} + c, the copies double with every
    // level. Past a few paths the producer starts a kernel of its own.
    int64_t paths = 0;
    if (joined != -1)
      for (Operation *user : op->getResult(0).getUsers()) {
        auto group = groupOf.find(user);
        if (group != groupOf.end() && group->second == joined)
          paths += pathsToRoot.lookup(user);
      }
    if (paths > kMaxPathsToRoot)
      joined = -1;
    // One contraction (conv, matmul) per kernel: a second one that feeds the
    // same epilogue (a residual branch's downsampling conv) gets its own.
    bool contraction = isa<graph::ConvOp, graph::MatMulOp>(op);
    if (joined != -1 && contraction && hasContraction[joined])
      joined = -1;
    // With library calls, a convolution the library computes stays with at
    // most the epilogue the library fuses (bias, residual, relu): joining a
    // larger group (a global average pool after the last block) would make
    // it generated code.
    if (joined != -1 && libraryCalls && isa<graph::ConvOp>(op) && convCall({op})) {
      SmallVector<Operation *> candidate = {op};
      candidate.append(groups[joined].rbegin(), groups[joined].rend());
      if (!convCall(candidate))
        joined = -1;
    }
    // Likewise a library GEMM joins only an epilogue its library fuses
    // (bias row, relu: cuBLASLt's, oneDNN's post-ops).
    if (joined != -1 && libraryGemm) {
      SmallVector<Operation *> candidate = {op};
      candidate.append(groups[joined].rbegin(), groups[joined].rend());
      if (!gemmCall(candidate))
        joined = -1;
    }
    // Likewise a pooling the library computes keeps out a library
    // convolution's epilogue (the residual add and relu before a global
    // average pool): both stay library calls, in the library's layout.
    if (joined != -1 && libraryCalls && groups[joined].size() == 1 &&
        poolCall(groups[joined]) && epilogueOfLibraryConv(op))
      joined = -1;
    if (joined == -1) {
      joined = groups.size();
      groups.emplace_back();
      hasContraction.push_back(false);
    }
    groupOf[op] = joined;
    pathsToRoot[op] = groups[joined].empty() ? 1 : std::max<int64_t>(paths, 1);
    groups[joined].push_back(op);
    hasContraction[joined] = hasContraction[joined] || contraction;
  }
  // Program order inside each group (root last).
  for (auto &group : groups)
    std::reverse(group.begin(), group.end());
  // Across groups: by root, except that a group waits for every group whose
  // values it reads (a side output is stored by a kernel whose root may come
  // after a reader's).
  size_t count = groups.size();
  std::vector<SmallVector<int>> readers(count);
  std::vector<int> waitingFor(count, 0);
  for (size_t g = 0; g < count; ++g) {
    llvm::SmallDenseSet<int, 4> sources;
    // Operands of nested ops count too: a region may capture values.
    for (Operation *op : groups[g])
      op->walk([&](Operation *nested) {
        for (Value operand : nested->getOperands())
          if (Operation *def = computeOpOf(operand)) {
            auto found = groupOf.find(def);
            if (found != groupOf.end() && size_t(found->second) != g &&
                sources.insert(found->second).second) {
              readers[found->second].push_back(g);
              ++waitingFor[g];
            }
          }
      });
  }
  auto later = [&](int a, int b) { return groups[b].back()->isBeforeInBlock(groups[a].back()); };
  std::vector<int> ready; // a heap, earliest root on top
  for (size_t g = 0; g < count; ++g)
    if (waitingFor[g] == 0)
      ready.push_back(g);
  std::make_heap(ready.begin(), ready.end(), later);
  std::vector<SmallVector<Operation *>> ordered;
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), later);
    int g = ready.back();
    ready.pop_back();
    ordered.push_back(std::move(groups[g]));
    for (int reader : readers[g])
      if (--waitingFor[reader] == 0) {
        ready.push_back(reader);
        std::push_heap(ready.begin(), ready.end(), later);
      }
  }
  if (ordered.size() != count) {
    graphFunc.emitError("internal error: fusion groups read each other's values in a cycle");
    return failure();
  }
  return ordered;
}

/// Rewrites `sum = contraction + residual` (an elementwise add, the
/// contraction's only use) so that the contraction accumulates onto
/// `init + residual` instead. Each residual element is then read where that
/// output element starts, and never after the output is written, so the plan
/// may give the output the residual's buffer (the conv2d library op's
/// in-place sum). The sum's rounding order changes (residual before the
/// products, as oneDNN's sum post-op). Returns whether it did.
bool accumulateOntoResidual(Value contraction, Value sum) {
  auto conv = contraction.getDefiningOp<linalg::LinalgOp>();
  auto add = sum.getDefiningOp<linalg::GenericOp>();
  if (!conv || !add || !contraction.hasOneUse() || conv->getNumResults() != 1 ||
      conv.getNumDpsInits() != 1 || conv.getNumReductionLoops() == 0 ||
      add.getNumDpsInputs() != 2 || add.getNumDpsInits() != 1 ||
      add.getNumReductionLoops() != 0 || sum.getType() != contraction.getType() ||
      !llvm::all_of(add.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return false;
  // The contraction adds onto its init: its body yields `out + ...`.
  Block *body = conv.getBlock();
  auto combine = body->getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  Value out = body->getArguments().back();
  if (!combine || (combine.getLhs() != out && combine.getRhs() != out))
    return false;
  // The add is one addf of its two inputs.
  Block &addBody = add.getRegion().front();
  auto addf = dyn_cast<arith::AddFOp>(addBody.front());
  if (!addf || addBody.getOperations().size() != 2 ||
      addBody.getTerminator()->getOperand(0) != addf.getResult() ||
      !llvm::is_contained({addf.getLhs(), addf.getRhs()}, addBody.getArgument(0)) ||
      !llvm::is_contained({addf.getLhs(), addf.getRhs()}, addBody.getArgument(1)))
    return false;
  unsigned convIndex = add.getDpsInputOperand(0)->get() == contraction ? 0 : 1;
  add.getDpsInputOperand(convIndex)->set(conv.getDpsInitOperand(0)->get());
  if (Operation *empty = add.getDpsInitOperand(0)->get().getDefiningOp())
    if (empty->getBlock() == conv->getBlock() && conv->isBeforeInBlock(empty))
      empty->moveBefore(conv);
  add->moveBefore(conv);
  sum.replaceAllUsesWith(contraction);
  conv.getDpsInitOperand(0)->set(sum);
  return true;
}

LogicalResult KernelFormation::formKernel(ArrayRef<Operation *> group) {
  MLIRContext *context = graphFunc.getContext();
  Operation *root = group.back();
  Location loc = root->getLoc();
  llvm::SmallPtrSet<Operation *, 8> members(group.begin(), group.end());

  // Nothing to compute when the result is empty (a zero-size slice or split
  // part): it gets its (empty) buffer and no kernel runs.
  if (llvm::all_of(root->getResults(), [](Value result) {
        return cast<ShapedType>(result.getType()).getNumElements() == 0;
      })) {
    for (Value result : root->getResults()) {
      Value buffer = outputBuffers.lookup(result);
      if (!buffer)
        buffer = plan::AllocOp::create(builder, loc, hostBufferType(result.getType()),
                                       IntegerAttr());
      buffers[result] = buffer;
    }
    return success();
  }

  if (auto allReduce = dyn_cast<graph::AllReduceOp>(root)) {
    Value source = bufferOf(allReduce.getInput());
    if (!source)
      return root->emitError("operand has no buffer (unsupported producer)");
    Value destination = outputBuffers.lookup(allReduce.getResult());
    if (!destination)
      destination = plan::AllocOp::create(builder, loc, hostBufferType(allReduce.getType()),
                                          IntegerAttr());
    buffers[allReduce.getResult()] = destination;
    plan::AllReduceOp::create(builder, loc, source, destination, allReduce.getReductionAttr());
    return success();
  }

  // Kernel parameters: values from outside the group (splat constants read
  // only by elementwise ops are inlined instead), then the root's results.
  auto inlinable = [&](Value value) {
    return isSplatConstant(value) && llvm::all_of(value.getUsers(), [&](Operation *user) {
             return !members.contains(user) || isElementwiseOp(user);
           });
  };
  SmallVector<Value> inputs;
  for (Operation *op : group)
    for (Value operand : op->getOperands()) {
      Operation *def = operand.getDefiningOp();
      if ((def && members.contains(def)) || inlinable(operand) ||
          llvm::is_contained(inputs, operand))
        continue;
      // An empty tensor holds nothing to read: the kernel makes its own.
      if (cast<ShapedType>(operand.getType()).getNumElements() == 0)
        continue;
      inputs.push_back(operand);
    }
  SmallVector<Value> hostArguments;
  SmallVector<Type> parameterTypes;
  for (Value input : inputs) {
    Value buffer = bufferOf(input);
    if (!buffer)
      return root->emitError("operand has no buffer (unsupported producer)");
    hostArguments.push_back(buffer);
    parameterTypes.push_back(deviceBufferType(input.getType()));
  }
  // Outputs: the root's results, then the side outputs (members that
  // something outside the group reads).
  SmallVector<Value> outputs(root->getResults());
  size_t rootOutputs = outputs.size();
  for (Operation *op : group)
    if (op != root && llvm::any_of(op->getUsers(), [&](Operation *user) {
          return !members.contains(user);
        }))
      outputs.push_back(op->getResult(0));
  for (Value result : outputs) {
    Value buffer = outputBuffers.lookup(result);
    if (!buffer)
      buffer = plan::AllocOp::create(builder, loc, hostBufferType(result.getType()), IntegerAttr());
    buffers[result] = buffer;
    hostArguments.push_back(buffer);
    parameterTypes.push_back(deviceBufferType(result.getType()));
  }

  std::string name = "k" + std::to_string(kernelCount++) + "_" +
                     root->getName().stripDialect().str();
  OpBuilder moduleBuilder = OpBuilder::atBlockEnd(module.getBody());
  moduleBuilder.setInsertionPoint(graphFunc);
  auto kernelFunc = kernel::FuncOp::create(moduleBuilder, loc, name,
                                           FunctionType::get(context, parameterTypes, {}));
  SmallVector<std::string> descriptions;
  for (Operation *op : group)
    descriptions.push_back(describe(op));
  kernelFunc.setOpsAttr(moduleBuilder.getStrArrayAttr(
      SmallVector<StringRef>(descriptions.begin(), descriptions.end())));
  // What the group's ops would move through memory as kernels of their own
  // (every operand read, every result written; inlined splats are free), for
  // the fusion report (smelt compile --dump-dir).
  auto bytesOf = [](Type type) { return storageBytes(cast<ShapedType>(type)); };
  int64_t unfusedBytes = 0;
  for (Operation *op : group) {
    for (Value operand : op->getOperands())
      if (!isSplatConstant(operand))
        unfusedBytes += bytesOf(operand.getType());
    for (Value result : op->getResults())
      unfusedBytes += bytesOf(result.getType());
  }
  kernelFunc->setAttr("smelt.unfused_bytes", moduleBuilder.getI64IntegerAttr(unfusedBytes));

  Block &entry = kernelFunc.getBody().front();
  OpBuilder body = OpBuilder::atBlockBegin(&entry);
  IRMapping operandMap;
  for (auto [index, input] : llvm::enumerate(inputs)) {
    auto tensorType = cast<RankedTensorType>(toSignless(input.getType()));
    operandMap.map(input, bufferization::ToTensorOp::create(body, loc, tensorType,
                                                             entry.getArgument(index),
                                                             /*restrict=*/true));
  }
  for (Operation *op : group) {
    SmallVector<Value> operands;
    for (Value operand : op->getOperands()) {
      if (!operandMap.contains(operand) &&
          cast<ShapedType>(operand.getType()).getNumElements() == 0)
        operandMap.map(operand,
                       tensor::EmptyOp::create(
                           body, loc, cast<RankedTensorType>(toSignless(operand.getType())).getShape(),
                           cast<RankedTensorType>(toSignless(operand.getType())).getElementType()));
      if (!operandMap.contains(operand))
        operandMap.map(operand, body.clone(*operand.getDefiningOp())->getResult(0));
      operands.push_back(operandMap.lookup(operand));
    }
    FailureOr<SmallVector<Value>> results = lowerGraphOpToLinalg(body, op, operands);
    if (failed(results))
      return failure();
    for (auto [result, lowered] : llvm::zip_equal(op->getResults(), *results))
      operandMap.map(result, lowered);
  }
  for (auto [index, result] : llvm::enumerate(outputs)) {
    auto output = materialize(body, loc, operandMap.lookup(result),
                              entry.getArgument(inputs.size() + index));
    if (index >= rootOutputs)
      output->setAttr(kernel::kSideOutputAttrName, body.getUnitAttr());
  }
  // A library convolution with a residual: the generated kernel (its
  // fallback) accumulates onto the residual, so the output may take the
  // residual's buffer.
  std::optional<ConvCall> conv = libraryCalls ? convCall(group) : std::nullopt;
  bool residualInPlace = conv && conv->params[19] != 0 && outputs.size() == 1 &&
                         accumulateOntoResidual(operandMap.lookup(group[0]->getResult(0)),
                                                operandMap.lookup(group[1]->getResult(0)));
  kernel::ReturnOp::create(body, loc);
  // Inlined constants that the lowering turned into scalars are dead now.
  for (Operation &nested : llvm::make_early_inc_range(llvm::reverse(entry)))
    if (isa<graph::ConstantOp>(nested) && nested.use_empty())
      nested.erase();

  auto kernelSymbol = FlatSymbolRefAttr::get(kernelFunc.getSymNameAttr());
  if (libraryCalls && group.size() == 1 && hostArguments.size() == 3) {
    if (std::optional<SmallVector<int64_t>> gemm = gemmParameters(root)) {
      // Vendor libraries first, the generated kernel as the fallback.
      SmallVector<Attribute> candidates;
      if (rocmLibraries)
        candidates = {builder.getStringAttr("rocBLAS"), kernelSymbol};
      else if (gpuLibraries)
        candidates = {builder.getStringAttr("cuBLAS"), kernelSymbol};
      else
        candidates = {builder.getStringAttr("oneDNN"), builder.getStringAttr("OpenBLAS"),
                      kernelSymbol};
      auto call = plan::CallOp::create(builder, loc, "gemm", hostArguments,
                                       builder.getArrayAttr(candidates));
      call->setAttr("params", builder.getDenseI64ArrayAttr(*gemm));
      return success();
    }
  }
  // The library's operands by position among the kernel's, then the output
  // (the kernel's first); none when the kernel inlined one (a splat
  // constant), which rules the library call out.
  auto libraryPositions =
      [&](ArrayRef<Value> operands) -> std::optional<SmallVector<int64_t>> {
    SmallVector<int64_t> positions;
    for (Value operand : operands) {
      auto found = llvm::find(inputs, operand);
      if (found == inputs.end())
        return std::nullopt;
      positions.push_back(found - inputs.begin());
    }
    positions.push_back(inputs.size());
    return positions;
  };
  // A GEMM with its epilogue (bias row, relu): oneDNN's matmul with
  // post-ops (OpenBLAS's sgemm onto the bias rows, then relu) on CPUs,
  // cuBLASLt on NVIDIA GPUs.
  if (libraryCalls && gemmEpilogues && group.size() > 1 && outputs.size() == 1) {
    if (std::optional<GemmCall> gemm = gemmCall(group)) {
      if (std::optional<SmallVector<int64_t>> positions = libraryPositions(gemm->operands)) {
        SmallVector<Attribute> candidates;
        if (gpuLibraries)
          candidates = {builder.getStringAttr("cuBLASLt"), kernelSymbol};
        else
          candidates = {builder.getStringAttr("oneDNN"), builder.getStringAttr("OpenBLAS"),
                        kernelSymbol};
        auto call = plan::CallOp::create(builder, loc, "gemm", hostArguments,
                                         builder.getArrayAttr(candidates));
        call->setAttr("params", builder.getDenseI64ArrayAttr(gemm->params));
        call->setAttr("library_args", builder.getDenseI64ArrayAttr(*positions));
        return success();
      }
    }
  }
  // Convolutions: oneDNN on CPUs, cuDNN on NVIDIA and MIOpen on AMD GPUs.
  if (libraryCalls) {
    if (conv) {
      std::optional<SmallVector<int64_t>> positions = libraryPositions(conv->operands);
      if (positions && root->getNumResults() == 1) {
        Attribute candidates[] = {
            builder.getStringAttr(rocmLibraries ? "MIOpen" : gpuLibraries ? "cuDNN" : "oneDNN"),
            kernelSymbol};
        auto call = plan::CallOp::create(builder, loc, "conv2d", hostArguments,
                                         builder.getArrayAttr(candidates));
        call->setAttr("params", builder.getDenseI64ArrayAttr(conv->params));
        call->setAttr("library_args", builder.getDenseI64ArrayAttr(*positions));
        if (residualInPlace)
          call->setAttr("residual_in_place", builder.getUnitAttr());
        return success();
      }
    }
  }
  if (libraryCalls && !gpuLibraries && hostArguments.size() == 2) {
    if (std::optional<SmallVector<int64_t>> pool = poolCall(group)) {
      // oneDNN's pooling takes the layout the convolutions around it keep.
      Attribute candidates[] = {builder.getStringAttr("oneDNN"), kernelSymbol};
      auto call = plan::CallOp::create(builder, loc, "pool2d", hostArguments,
                                       builder.getArrayAttr(candidates));
      call->setAttr("params", builder.getDenseI64ArrayAttr(*pool));
      call->setAttr("library_args", builder.getDenseI64ArrayAttr({0, 1}));
      return success();
    }
  }
  plan::LaunchOp::create(builder, loc, kernelSymbol, hostArguments);
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

  for (Operation &op : graphBody.without_terminator())
    if (!isa<graph::GraphDialect>(op.getDialect()))
      return op.emitError("kernel formation expects only graph ops, found ") << op.getName();
  FailureOr<std::vector<SmallVector<Operation *>>> groups = formGroups();
  if (failed(groups))
    return failure();
  for (const SmallVector<Operation *> &group : *groups)
    if (failed(formKernel(group)))
      return failure();
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
  using GraphToKernelBase::GraphToKernelBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto graphFunc = module.lookupSymbol<func::FuncOp>("main");
    if (!graphFunc) {
      module.emitError("graph-to-kernel needs a func.func @main");
      return signalPassFailure();
    }
    if (libraryDevice != "cpu" && libraryDevice != "cuda" && libraryDevice != "rocm") {
      module.emitError("graph-to-kernel: unknown library-device '")
          << libraryDevice << "' (expected cpu, cuda or rocm)";
      return signalPassFailure();
    }
    KernelFormation formation(module, graphFunc, fuse, libraryCalls, libraryDevice);
    if (failed(formation.run()))
      signalPassFailure();
  }
};

} // namespace
