//===- CpuCompiler.cpp - Scheduled kernels to a host shared object --------===//
#include "backends/cpu/compiler/CpuCompiler.h"
#include "backends/cpu/compiler/Prefetch.h"
#include "backends/cpu/compiler/StreamingStores.h"
#include "backends/cpu/compiler/Transcendentals.h"
#include "dialects/kernel/IR/StorageSize.h"

#include "dialects/kernel/IR/KernelOps.h"
#include "dialects/kernel/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

using namespace mlir;

namespace smelt::cpu {
namespace {

/// Local buffers up to this size live on the worker's stack (oneTBB workers
/// have megabytes of stack); larger ones are heap-allocated per group.
constexpr int64_t kMaxStackBufferBytes = 128 * 1024;

/// The lowering after the kernels are plain functions over memrefs. Kernel
/// entry points take bare pointers: every buffer is static and dense.
constexpr const char *kLoweringPipeline =
    "func.func(convert-linalg-to-loops,canonicalize,cse,loop-invariant-code-motion),"
    "convert-vector-to-scf{full-unroll=1},"
    "fold-memref-alias-ops,expand-strided-metadata,lower-affine,"
    "convert-complex-to-standard,"
    "convert-scf-to-cf,convert-math-to-funcs,convert-math-to-llvm,convert-math-to-libm,"
    "arith-emulate-unsupported-floats{source-types=bf16 target-type=f32},"
    "arith-expand{include-bf16=1},finalize-memref-to-llvm,"
    "convert-vector-to-llvm{vector-contract-lowering=outerproduct},convert-ub-to-llvm,"
    "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},"
    "convert-complex-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,convert-cf-to-llvm,"
    "reconcile-unrealized-casts,canonicalize";

std::string bodyName(StringRef kernel) { return (kernel + "_body").str(); }

/// A float maximum or minimum whose flags say neither NaNs nor the order of
/// signed zeros matter (nnan, nsz: a softmax's row maximum) becomes a compare
/// and a select, which LLVM matches to one vmaxps/vminps. arith-expand would
/// expand it, flags or not, into the NaN-propagating compare, NaN test and
/// blend of arith.maximumf. The select is defined for every input: it returns
/// the second operand when either is NaN.
void lowerNaNFreeMinMax(Operation *root) {
  const auto required = arith::FastMathFlags::nnan | arith::FastMathFlags::nsz;
  auto lower = [&](Operation *op, arith::CmpFPredicate predicate) {
    auto flags = cast<arith::ArithFastMathInterface>(op).getFastMathFlagsAttr().getValue();
    if ((flags & required) != required)
      return;
    OpBuilder b(op);
    Value x = op->getOperand(0), y = op->getOperand(1);
    Value pick = arith::CmpFOp::create(b, op->getLoc(), predicate, x, y);
    op->replaceAllUsesWith(arith::SelectOp::create(b, op->getLoc(), pick, x, y));
    op->erase();
  };
  root->walk([&](Operation *op) {
    if (isa<arith::MaximumFOp>(op))
      lower(op, arith::CmpFPredicate::OGT);
    else if (isa<arith::MinimumFOp>(op))
      lower(op, arith::CmpFPredicate::OLT);
  });
}

/// Drops kernel memory spaces from memref types: on the host every level is
/// ordinary memory (local buffers are placed on the stack separately).
void stripMemorySpaces(Operation *root) {
  AttrTypeReplacer replacer;
  replacer.addReplacement([](MemRefType type) -> std::optional<Type> {
    if (!isa_and_nonnull<kernel::MemorySpaceAttr>(type.getMemorySpace()))
      return std::nullopt;
    return MemRefType::get(type.getShape(), type.getElementType(), type.getLayout());
  });
  replacer.recursivelyReplaceElementsIn(root, /*replaceAttrs=*/true,
                                        /*replaceLocs=*/false, /*replaceTypes=*/true);
}

/// Group coordinates of linear group id `linear` over `grid` (row-major, the
/// last grid dimension fastest).
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear,
                               ArrayRef<int64_t> grid) {
  SmallVector<Value> ids(grid.size());
  Value rest = linear;
  for (int64_t d = static_cast<int64_t>(grid.size()) - 1; d >= 0; --d) {
    if (d == 0) {
      ids[d] = rest;
      break;
    }
    Value extent = arith::ConstantIndexOp::create(b, loc, grid[d]);
    ids[d] = arith::RemUIOp::create(b, loc, rest, extent);
    rest = arith::DivUIOp::create(b, loc, rest, extent);
  }
  return ids;
}

/// Contractions (matmul, conv, pooling: a reduction over two or more inputs)
/// come out of linalg with their reduction loops innermost, which LLVM cannot
/// vectorize without reassociating floating-point sums. Moving the output's
/// innermost parallel loop inside the reductions keeps every sum in the same
/// order and gives LLVM a unit-stride inner loop over the output row.
void interchangeForUnitStride(func::FuncOp func) {
  SmallVector<linalg::GenericOp> generics;
  func.walk([&](linalg::GenericOp generic) { generics.push_back(generic); });
  IRRewriter rewriter(func.getContext());
  for (linalg::GenericOp generic : generics) {
    if (generic.getNumDpsInputs() < 2 || generic.getNumDpsInits() != 1 ||
        generic.getNumReductionLoops() == 0)
      continue;
    SmallVector<utils::IteratorType> iterators = generic.getIteratorTypesArray();
    AffineMap outputMap = generic.getMatchingIndexingMap(generic.getDpsInitOperand(0));
    if (outputMap.getNumResults() == 0)
      continue;
    auto innermost = dyn_cast<AffineDimExpr>(outputMap.getResults().back());
    if (!innermost || iterators[innermost.getPosition()] != utils::IteratorType::parallel)
      continue;
    unsigned moved = innermost.getPosition();
    if (moved == iterators.size() - 1)
      continue;
    // A long reduction that already runs along every operand's contiguous
    // dim (a softmax's row maximum over scores and mask) vectorizes as it
    // is; moving a row loop inside it would read the rows with a stride.
    unsigned last = iterators.size() - 1;
    if (iterators[last] == utils::IteratorType::reduction &&
        generic.getStaticLoopRanges()[last] >= 16 && kernel::unitStrideAlong(generic, last))
      continue;
    SmallVector<unsigned> order;
    for (unsigned loop = 0; loop < iterators.size(); ++loop)
      if (loop != moved && iterators[loop] == utils::IteratorType::parallel)
        order.push_back(loop);
    for (unsigned loop = 0; loop < iterators.size(); ++loop)
      if (iterators[loop] == utils::IteratorType::reduction)
        order.push_back(loop);
    order.push_back(moved);
    rewriter.setInsertionPoint(generic);
    (void)linalg::interchangeGenericOp(rewriter, generic, order);
  }
}

/// Releases the stack buffers `block` allocates when it ends (every iteration
/// of a loop): a stack save at its start, a restore before its terminator.
/// Only when the terminator keeps no buffer made inside (the loop updates its
/// loop-carried buffers in place). (A memref.alloca_scope cannot hold the
/// loop bodies' control flow once scf is lowered to blocks.)
void releaseStackPerIteration(Block &block) {
  Operation *terminator = block.getTerminator();
  for (Value operand : terminator->getOperands())
    if (Operation *def = operand.getDefiningOp();
        def && def->getBlock() == &block && isa<BaseMemRefType>(operand.getType()))
      return;
  if (block.without_terminator().empty())
    return;
  OpBuilder builder = OpBuilder::atBlockBegin(&block);
  Location loc = terminator->getLoc();
  Value saved =
      LLVM::StackSaveOp::create(builder, loc, LLVM::LLVMPointerType::get(block.getParent()->getContext()));
  builder.setInsertionPoint(terminator);
  LLVM::StackRestoreOp::create(builder, loc, saved);
}

/// kernel.func @k(args) -> func.func private @k_body(args, %first, %end) that
/// loops over its groups; each iteration's stack buffers are released by an
/// alloca scope.
/// `streamingVectorBytes`: the target's vector width where kernels marked
/// smelt.streaming_stores may use non-temporal stores (x86), else 0.
LogicalResult buildBody(kernel::FuncOp kernelFunc, ModuleOp code, int64_t streamingVectorBytes) {
  MLIRContext *context = kernelFunc.getContext();
  Location loc = kernelFunc.getLoc();
  if (!kernelFunc.getBody().hasOneBlock())
    return kernelFunc.emitError("CPU backend: kernel body must be a single block");
  SmallVector<int64_t> grid = {1};
  if (auto strategy = kernelFunc.getStrategyAttr())
    grid.assign(strategy.getGrid().begin(), strategy.getGrid().end());
  if (grid.empty())
    grid = {1};

  SmallVector<Type> argumentTypes(kernelFunc.getArgumentTypes());
  for (Type type : argumentTypes)
    if (auto memref = dyn_cast<MemRefType>(type);
        memref && (!memref.hasStaticShape() || !memref.getLayout().isIdentity()))
      return kernelFunc.emitError("CPU backend: kernel argument of type ")
             << type << " is not a static dense buffer";
  IndexType index = IndexType::get(context);
  argumentTypes.append({index, index});

  OpBuilder b(context);
  b.setInsertionPointToEnd(code.getBody());
  auto func = func::FuncOp::create(b, loc, bodyName(kernelFunc.getSymName()),
                                   FunctionType::get(context, argumentTypes, {}));
  func.setPrivate();
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  size_t bufferCount = kernelFunc.getArgumentTypes().size();
  Value first = entry->getArgument(bufferCount);
  Value end = entry->getArgument(bufferCount + 1);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(b, loc, first, end, one);
  func::ReturnOp::create(b, loc);

  b.setInsertionPoint(loop.getBody()->getTerminator());
  auto scope = memref::AllocaScopeOp::create(b, loc, TypeRange{});
  Block *scopeBlock = b.createBlock(&scope.getBodyRegion());
  b.setInsertionPointToStart(scopeBlock);
  SmallVector<Value> groupIds = delinearize(b, loc, loop.getInductionVar(), grid);

  IRMapping mapping;
  for (size_t i = 0; i < bufferCount; ++i)
    mapping.map(kernelFunc.getArgument(i), entry->getArgument(i));
  for (Operation &op : kernelFunc.getBody().front().without_terminator())
    b.clone(op, mapping);
  memref::AllocaScopeReturnOp::create(b, loc);

  // Group and unit ids. A CPU group is one worker task with one unit.
  WalkResult walk = func.walk([&](Operation *op) -> WalkResult {
    if (auto groupId = dyn_cast<kernel::GroupIdOp>(op)) {
      uint64_t dimension = groupId.getDimension();
      if (dimension >= groupIds.size())
        return groupId.emitError("group dimension out of the grid"), WalkResult::interrupt();
      groupId.getResult().replaceAllUsesWith(groupIds[dimension]);
      groupId.erase();
    } else if (auto unitId = dyn_cast<kernel::UnitIdOp>(op)) {
      OpBuilder ub(unitId);
      unitId.getResult().replaceAllUsesWith(arith::ConstantIndexOp::create(ub, loc, 0));
      unitId.erase();
    } else if (auto scope = op->getAttrOfType<kernel::ScopeAttr>(kernel::kScopeAttrName)) {
      // A group is one unit: unit- and group-scope reductions and
      // broadcasts are the same loop. Reductions split between groups
      // would need a second pass, which this backend does not generate.
      if (scope.getValue() == kernel::Scope::Grid)
        return op->emitError("CPU backend: kernel ")
                   << kernelFunc.getSymName()
                   << ": a reduction or broadcast across groups (#kernel.scope<grid>) is not "
                      "supported; each group must reduce its own rows",
               WalkResult::interrupt();
      op->removeAttr(kernel::kScopeAttrName);
    } else if (auto copy = dyn_cast<kernel::CopyOp>(op)) {
      // A group's transfer between levels: the group's one worker copies
      // with a loop LLVM vectorizes.
      OpBuilder cb(copy);
      linalg::CopyOp::create(cb, copy.getLoc(), copy.getSource(), copy.getTarget());
      copy.erase();
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();

  stripMemorySpaces(func);
  interchangeForUnitStride(func);
  prefetchNextSteps(func);
  if (streamingVectorBytes > 0 && kernelFunc->hasAttr(kernel::kStreamingStoresAttrName)) {
    int64_t vectorBytes = streamingVectorBytes;
    if (auto strategy = kernelFunc.getStrategyAttr(); strategy && strategy.getVectorBytes() > 0)
      vectorBytes = std::min<int64_t>(vectorBytes, strategy.getVectorBytes());
    streamOutputStores(func, vectorBytes);
  }
  // Buffers passed to one launch never overlap where one of them is written
  // (the memory plan gives live values disjoint bytes).
  for (size_t i = 0; i < bufferCount; ++i)
    func.setArgAttr(i, "llvm.noalias", UnitAttr::get(context));

  // Local buffers: small ones on the stack, large ones on the heap, freed at
  // the end of the block that allocates them.
  SmallVector<memref::AllocOp> allocations;
  func.walk([&](memref::AllocOp alloc) { allocations.push_back(alloc); });
  for (memref::AllocOp alloc : allocations) {
    MemRefType type = alloc.getType();
    OpBuilder ab(alloc);
    int64_t bytes = type.hasStaticShape() ? storageBytes(type) : kMaxStackBufferBytes + 1;
    if (bytes <= kMaxStackBufferBytes) {
      auto alloca = memref::AllocaOp::create(ab, alloc.getLoc(), type, alloc.getDynamicSizes(),
                                             alloc.getSymbolOperands(),
                                             alloc.getAlignmentAttr());
      alloc.getResult().replaceAllUsesWith(alloca.getResult());
      alloc.erase();
    } else {
      ab.setInsertionPoint(alloc->getBlock()->getTerminator());
      memref::DeallocOp::create(ab, alloc.getLoc(), alloc.getResult());
    }
  }

  // A while loop's stack buffers die with each iteration (the loop updates
  // its loop-carried buffers in place); otherwise every iteration would grow
  // the stack.
  SmallVector<scf::WhileOp> loops;
  func.walk([&](scf::WhileOp loop) { loops.push_back(loop); });
  for (scf::WhileOp loop : loops) {
    releaseStackPerIteration(loop.getBefore().front());
    releaseStackPerIteration(loop.getAfter().front());
  }

  // memref.copy of strided views would call a support library at run time;
  // as linalg.copy it becomes plain loops.
  SmallVector<memref::CopyOp> copies;
  func.walk([&](memref::CopyOp copy) { copies.push_back(copy); });
  for (memref::CopyOp copy : copies) {
    OpBuilder cb(copy);
    linalg::CopyOp::create(cb, copy.getLoc(), copy.getSource(), copy.getTarget());
    copy.erase();
  }
  return success();
}

/// llvm.func @k(ptr buffers, i64 first, i64 end): loads the buffer pointers
/// and calls the body.
LogicalResult buildEntry(ModuleOp code, StringRef kernelName, size_t bufferCount) {
  MLIRContext *context = code.getContext();
  auto body = code.lookupSymbol<LLVM::LLVMFuncOp>(bodyName(kernelName));
  if (!body)
    return code.emitError("CPU backend: lowered body of kernel '") << kernelName
                                                                   << "' is missing";
  body.setLinkage(LLVM::Linkage::Internal);
  Location loc = body.getLoc();
  auto pointer = LLVM::LLVMPointerType::get(context);
  auto i64 = IntegerType::get(context, 64);
  OpBuilder b(context);
  b.setInsertionPointToEnd(code.getBody());
  auto entry = LLVM::LLVMFuncOp::create(
      b, loc, kernelName,
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context), {pointer, i64, i64}));
  Block *block = entry.addEntryBlock(b);
  b.setInsertionPointToStart(block);
  SmallVector<Value> operands;
  for (size_t i = 0; i < bufferCount; ++i) {
    Value address = LLVM::GEPOp::create(b, loc, pointer, pointer, block->getArgument(0),
                                        ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
    operands.push_back(LLVM::LoadOp::create(b, loc, pointer, address));
  }
  operands.push_back(block->getArgument(1));
  operands.push_back(block->getArgument(2));
  if (body.getFunctionType().getNumParams() != operands.size())
    return body.emitError("CPU backend: unexpected signature of the lowered kernel");
  LLVM::CallOp::create(b, loc, body, operands);
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  return success();
}

void initializeLLVMTargets() {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
}

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const CpuTarget &target,
                                                         std::string &error) {
  initializeLLVMTargets();
  llvm::Triple triple(target.triple);
  const llvm::Target *llvmTarget = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return nullptr;
  llvm::TargetOptions options;
  return std::unique_ptr<llvm::TargetMachine>(llvmTarget->createTargetMachine(
      triple, target.cpu, target.features, options, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
}

} // namespace

std::string findLld() {
  llvm::ErrorOr<std::string> linker =
      llvm::sys::findProgramByName("ld.lld", {"/usr/lib/llvm-22/bin"});
  if (!linker)
    linker = llvm::sys::findProgramByName("ld.lld-22");
  return linker ? *linker : std::string();
}

FailureOr<std::vector<uint8_t>> linkWithLld(StringRef object, ArrayRef<StringRef> extra,
                                            std::string &error) {
  std::string linker = findLld();
  if (linker.empty()) {
    error = "cannot find the linker ld.lld (install lld-22)";
    return failure();
  }
  SmallString<128> objectPath, libraryPath;
  int objectFd;
  if (llvm::sys::fs::createTemporaryFile("smelt-kernels", "o", objectFd, objectPath)) {
    error = "cannot create a temporary file";
    return failure();
  }
  {
    llvm::raw_fd_ostream out(objectFd, /*shouldClose=*/true);
    out << object;
  }
  if (llvm::sys::fs::createTemporaryFile("smelt-kernels", "so", libraryPath)) {
    llvm::sys::fs::remove(objectPath);
    error = "cannot create a temporary file";
    return failure();
  }
  SmallVector<StringRef> arguments = {linker, "-shared", "-o", libraryPath, objectPath};
  arguments.append(extra.begin(), extra.end());
  std::string message;
  int status = llvm::sys::ExecuteAndWait(linker, arguments, std::nullopt, {}, 0, 0, &message);
  llvm::sys::fs::remove(objectPath);
  if (status != 0) {
    llvm::sys::fs::remove(libraryPath);
    error = "linking the kernels failed (ld.lld exit " + std::to_string(status) + ") " + message;
    return failure();
  }
  auto buffer = llvm::MemoryBuffer::getFile(libraryPath, /*IsText=*/false);
  llvm::sys::fs::remove(libraryPath);
  if (!buffer) {
    error = "cannot read the linked kernels";
    return failure();
  }
  StringRef bytes = (*buffer)->getBuffer();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

namespace {

/// Links `object` into a shared object with ld.lld.
FailureOr<std::vector<uint8_t>> linkSharedObject(ModuleOp module, StringRef object) {
  SmallVector<StringRef> extra = {"--hash-style=gnu"};
  // libm for erf/tanh/...; named explicitly so the kernels do not depend on
  // what the embedding process happens to have loaded.
  for (StringRef libm : {"/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6"})
    if (llvm::sys::fs::exists(libm)) {
      extra.push_back(libm);
      break;
    }
  std::string error;
  FailureOr<std::vector<uint8_t>> linked = linkWithLld(object, extra, error);
  if (failed(linked))
    return module.emitError("CPU backend: ") << error;
  return linked;
}

} // namespace

std::string CpuTarget::architectureTag() const {
  // The vector extensions the code may use, which the runtime checks before
  // loading it (an AVX-512 kernel on an AVX2 machine would die of SIGILL).
  std::string tag = llvm::Triple(triple).getArchName().str() + ":" + cpu;
  std::string required;
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(*this, error);
  if (machine) {
    const llvm::MCSubtargetInfo *info = machine->getMCSubtargetInfo();
    for (const char *feature :
         {"sse4.2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"})
      if (info->checkFeatures(std::string("+") + feature))
        required += std::string(required.empty() ? "" : ",") + "+" + feature;
  }
  return required.empty() ? tag : tag + ":" + required;
}

/// The widest vectors of `target`'s CPU in bytes: 64 with AVX-512, 32 with
/// AVX, 16 otherwise; 0 where LLVM has no target machine for it.
static int64_t widestVectorBytes(const CpuTarget &target) {
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(target, error);
  if (!machine)
    return 0;
  const llvm::MCSubtargetInfo *info = machine->getMCSubtargetInfo();
  return info->checkFeatures("+avx512f") ? 64 : info->checkFeatures("+avx") ? 32 : 16;
}

kernel::TargetDescription describeTarget(const CpuTarget &target) {
  kernel::TargetDescription description = kernel::hostCpuDescription();
  if (int64_t bytes = widestVectorBytes(target)) {
    description.simdBytes = bytes;
    // LLVM's tuning prefers 256-bit vectors on many AVX-512 CPUs (for the
    // clock they lose on 512-bit code), but on the machine the benchmarks
    // ran on (which LLVM names rocketlake) 512-bit kernels were faster for
    // every compute-heavy subgraph (softmax, GELU: 10-25%), so the widest
    // vectors are costed at full rate (widestVectorCost 1) and the choice
    // between the two widths comes down to the rows' tails.
  }
  return description;
}

FailureOr<CpuTarget> resolveCpuTarget(StringRef cpuName, std::string &error) {
  initializeLLVMTargets();
  CpuTarget target;
  target.triple = llvm::sys::getDefaultTargetTriple();
  if (cpuName.empty() || cpuName == "host") {
    target.cpu = llvm::sys::getHostCPUName().str();
    llvm::StringMap<bool> hostFeatures = llvm::sys::getHostCPUFeatures();
    std::vector<std::string> features;
    for (const auto &feature : hostFeatures)
      features.push_back((feature.second ? "+" : "-") + feature.first().str());
    std::sort(features.begin(), features.end());
    target.features = llvm::join(features, ",");
    return target;
  }
  target.cpu = cpuName.str();
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(target, error);
  if (!machine)
    return failure();
  if (!machine->getMCSubtargetInfo()->isCPUStringValid(target.cpu)) {
    error = "unknown CPU '" + target.cpu + "' for " + target.triple +
            " (try host, x86-64-v2, x86-64-v3, x86-64-v4, skylake-avx512, znver3)";
    return failure();
  }
  return target;
}

FailureOr<OwningOpRef<ModuleOp>> lowerKernelsToLLVMDialect(ModuleOp module,
                                                           const CpuTarget &target) {
  MLIRContext *context = module.getContext();
  context->loadDialect<func::FuncDialect, scf::SCFDialect, memref::MemRefDialect,
                       vector::VectorDialect, math::MathDialect,
                       linalg::LinalgDialect, LLVM::LLVMDialect, arith::ArithDialect>();
  OwningOpRef<ModuleOp> code = ModuleOp::create(UnknownLoc::get(context));
  // Constant tensors inside kernel bodies (a control-flow branch's literals)
  // bufferized to module-level globals; the kernels' code needs them.
  {
    OpBuilder globals = OpBuilder::atBlockEnd(code->getBody());
    for (auto global : module.getOps<memref::GlobalOp>())
      globals.clone(*global);
    stripMemorySpaces(*code);
  }
  SmallVector<std::pair<std::string, size_t>> kernels;
  const int64_t simdBytes = widestVectorBytes(target);
  const int64_t streamingVectorBytes = llvm::Triple(target.triple).isX86() ? simdBytes : 0;
  for (auto kernelFunc : module.getOps<kernel::FuncOp>()) {
    if (failed(buildBody(kernelFunc, *code, streamingVectorBytes)))
      return failure();
    kernels.emplace_back(kernelFunc.getSymName().str(), kernelFunc.getArgumentTypes().size());
  }
  approximateTranscendentals(*code, /*hasAvx512=*/simdBytes == 64);
  lowerNaNFreeMinMax(*code);

  PassManager pm(context);
  std::string pipelineError;
  llvm::raw_string_ostream errorStream(pipelineError);
  if (failed(parsePassPipeline(kLoweringPipeline, pm, errorStream)))
    return module.emitError("CPU backend: bad lowering pipeline: ") << pipelineError;
  if (failed(pm.run(*code)))
    return module.emitError("CPU backend: lowering the kernels to LLVM failed");

  for (auto &[name, bufferCount] : kernels)
    if (failed(buildEntry(*code, name, bufferCount)))
      return failure();
  return code;
}

/// --dump-dir: the optimized LLVM IR and the assembly LLVM generates from it.
static LogicalResult dumpCode(ModuleOp module, llvm::Module &llvmModule,
                              llvm::TargetMachine &machine, StringRef dumpDir) {
  auto write = [&](StringRef name, llvm::function_ref<void(llvm::raw_pwrite_stream &)> body) {
    SmallString<128> path(dumpDir);
    llvm::sys::path::append(path, name);
    std::error_code code;
    llvm::raw_fd_ostream stream(path, code, llvm::sys::fs::OF_Text);
    if (code)
      return module.emitError("cannot write '") << path << "': " << code.message(), failure();
    body(stream);
    return success();
  };
  if (failed(write("kernels.ll", [&](llvm::raw_pwrite_stream &s) { llvmModule.print(s, nullptr); })))
    return failure();
  // Code generation changes the module, so the assembly comes from a copy.
  std::unique_ptr<llvm::Module> copy = llvm::CloneModule(llvmModule);
  return write("kernels.s", [&](llvm::raw_pwrite_stream &s) {
    llvm::legacy::PassManager codegen;
    if (!machine.addPassesToEmitFile(codegen, s, nullptr, llvm::CodeGenFileType::AssemblyFile))
      codegen.run(*copy);
  });
}

/// f32 -> bf16 (round to nearest even, NaNs kept quiet) as
/// `__truncsfbf2`, the runtime function the x86 back end calls where the CPU
/// has no bf16 instructions and a bf16 value is legalized through f32 (a
/// select of two bf16 values). Nothing the kernels are linked with provides
/// it (libgcc of GCC 12 does not), so the shared object carries its own.
static void defineTruncSfBf2(llvm::Module &module) {
  llvm::LLVMContext &context = module.getContext();
  auto *type = llvm::FunctionType::get(llvm::Type::getBFloatTy(context),
                                       {llvm::Type::getFloatTy(context)}, false);
  llvm::Function *function = module.getFunction("__truncsfbf2");
  if (function && !function->isDeclaration())
    return;
  if (!function)
    function = llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage, "__truncsfbf2",
                                      module);
  function->setVisibility(llvm::GlobalValue::HiddenVisibility);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", function));
  llvm::Value *bits = b.CreateBitCast(function->getArg(0), b.getInt32Ty());
  llvm::Value *lsb = b.CreateAnd(b.CreateLShr(bits, 16), 1);
  llvm::Value *rounded = b.CreateLShr(b.CreateAdd(bits, b.CreateAdd(lsb, b.getInt32(0x7fff))), 16);
  llvm::Value *quiet = b.CreateOr(b.CreateLShr(bits, 16), 0x40);
  llvm::Value *isNaN = b.CreateICmpUGT(b.CreateAnd(bits, 0x7fffffff), b.getInt32(0x7f800000));
  llvm::Value *result = b.CreateTrunc(b.CreateSelect(isNaN, quiet, rounded), b.getInt16Ty());
  b.CreateRet(b.CreateBitCast(result, llvm::Type::getBFloatTy(context)));
  llvm::appendToCompilerUsed(module, {function});
}

FailureOr<std::vector<uint8_t>> compileKernels(ModuleOp module, const CpuTarget &target,
                                               StringRef dumpDir) {
  FailureOr<OwningOpRef<ModuleOp>> code = lowerKernelsToLLVMDialect(module, target);
  if (failed(code))
    return failure();

  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  module.getContext()->appendDialectRegistry(registry);

  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(target, error);
  if (!machine)
    return module.emitError("CPU backend: ") << error;

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(code->get(), llvmContext, "smelt_kernels");
  if (!llvmModule)
    return module.emitError("CPU backend: translation to LLVM IR failed");
  llvmModule->setTargetTriple(llvm::Triple(target.triple));
  llvmModule->setDataLayout(machine->createDataLayout());
  if (llvm::Triple(target.triple).isX86())
    defineTruncSfBf2(*llvmModule);
  // The vector width each kernel's schedule chose: LLVM's vectorizer and
  // the X86 back end use no wider registers in its functions.
  llvm::StringMap<int64_t> vectorBits;
  for (auto kernelFunc : module.getOps<kernel::FuncOp>())
    if (kernel::StrategyAttr strategy = kernelFunc.getStrategyAttr();
        strategy && strategy.getVectorBytes() > 0) {
      vectorBits[kernelFunc.getSymName()] = strategy.getVectorBytes() * 8;
      vectorBits[bodyName(kernelFunc.getSymName())] = strategy.getVectorBytes() * 8;
    }
  for (llvm::Function &function : *llvmModule) {
    if (function.isDeclaration())
      continue;
    function.addFnAttr("target-cpu", target.cpu);
    if (!target.features.empty())
      function.addFnAttr("target-features", target.features);
    // Both attributes: the vectorizer's width, and the widest registers
    // the back end may use for vectors the IR already has (without it, a
    // 512-bit vector type would still take a zmm register).
    if (auto bits = vectorBits.find(function.getName()); bits != vectorBits.end()) {
      function.addFnAttr("prefer-vector-width", std::to_string(bits->second));
      function.addFnAttr("min-legal-vector-width", std::to_string(bits->second));
    }
  }

  auto optimize = makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0, machine.get());
  if (llvm::Error optimizeError = optimize(llvmModule.get()))
    return module.emitError("CPU backend: LLVM optimization failed: ")
           << llvm::toString(std::move(optimizeError));
  if (!dumpDir.empty() && failed(dumpCode(module, *llvmModule, *machine, dumpDir)))
    return failure();

  SmallString<0> object;
  {
    llvm::raw_svector_ostream objectStream(object);
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, objectStream, nullptr,
                                     llvm::CodeGenFileType::ObjectFile))
      return module.emitError("CPU backend: the target cannot emit object files");
    codegen.run(*llvmModule);
  }
  return linkSharedObject(module, object.str());
}

} // namespace smelt::cpu
