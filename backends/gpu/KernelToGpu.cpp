//===- KernelToGpu.cpp - Scheduled kernels to gpu.func kernels ------------===//
#include "backends/gpu/KernelToGpu.h"
#include "backends/gpu/LinalgOnThreads.h"

#include "dialects/kernel/IR/KernelOps.h"
#include "dialects/kernel/IR/StorageSize.h"
#include "dialects/kernel/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

#include <limits>

using namespace mlir;

namespace smelt::gpu {
namespace {

using detail::delinearize;
using detail::index;
using detail::Threads;

/// Rewrites kernel memory spaces to GPU address spaces: global (or none) to
/// global, shared and local to workgroup (a group's threads cooperate on
/// every op, so its buffers are shared by them), or to global with
/// `groupBuffersGlobal` (the group's buffers are slices of device memory).
void mapMemorySpaces(Operation *root, bool groupBuffersGlobal = false) {
  MLIRContext *context = root->getContext();
  auto global = ::mlir::gpu::AddressSpaceAttr::get(context, ::mlir::gpu::AddressSpace::Global);
  auto workgroup =
      ::mlir::gpu::AddressSpaceAttr::get(context, ::mlir::gpu::AddressSpace::Workgroup);
  AttrTypeReplacer replacer;
  replacer.addReplacement([&](MemRefType type) -> std::optional<Type> {
    if (isa_and_nonnull<::mlir::gpu::AddressSpaceAttr>(type.getMemorySpace()))
      return std::nullopt;
    Attribute space = global;
    if (auto kernelSpace = dyn_cast_or_null<kernel::MemorySpaceAttr>(type.getMemorySpace()))
      space = kernelSpace.getValue() == kernel::MemorySpace::Global || groupBuffersGlobal
                  ? global
                  : workgroup;
    return MemRefType::get(type.getShape(), type.getElementType(), type.getLayout(), space);
  });
  replacer.recursivelyReplaceElementsIn(root, /*replaceAttrs=*/true, /*replaceLocs=*/false,
                                        /*replaceTypes=*/true);
}

bool isUniformControlFlow(Operation *op) {
  return isa<scf::ForOp, scf::IfOp, scf::WhileOp, scf::IndexSwitchOp, scf::ExecuteRegionOp,
             memref::AllocaScopeOp>(op);
}

/// Splits every linalg op in `block` (and the uniform control flow in it)
/// between the block's threads.
LogicalResult distributeBlock(Block &block, const Threads &threads,
                              const GpuLoweringOptions &options, ::mlir::gpu::GPUFuncOp func,
                              StringRef kernelName) {
  for (Operation &op : llvm::make_early_inc_range(block)) {
    if (isUniformControlFlow(&op)) {
      for (Region &region : op.getRegions())
        for (Block &inner : region)
          if (failed(distributeBlock(inner, threads, options, func, kernelName)))
            return failure();
      continue;
    }
    if (auto scope = op.getAttrOfType<kernel::ScopeAttr>(kernel::kScopeAttrName)) {
      if (scope.getValue() == kernel::Scope::Grid)
        return op.emitError("GPU backend: kernel ")
               << kernelName
               << ": a reduction or broadcast across groups (#kernel.scope<grid>) is not "
                  "supported; each group must reduce its own rows";
      op.removeAttr(kernel::kScopeAttrName);
    }
    OpBuilder b(&op);
    if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
      if (failed(detail::lowerOnThreads(b, generic, threads, options, func)))
        return failure();
      ::mlir::gpu::BarrierOp::create(b, op.getLoc());
      op.erase();
      continue;
    }
    if (isa<linalg::LinalgOp>(op))
      return op.emitError("GPU backend: kernel ")
             << kernelName << ": linalg op not generalized: " << op.getName();
    if (op.getNumRegions() > 0 && !isa<memref::AllocaScopeOp>(op))
      return op.emitError("GPU backend: kernel ")
             << kernelName << ": unsupported op with regions in a group body: " << op.getName();
    // Ops that write memory at group level: thread 0 does it, and the
    // others wait for it.
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    bool writes = !effects ? !isPure(&op) && !op.hasTrait<OpTrait::IsTerminator>()
                           : effects.hasEffect<MemoryEffects::Write>();
    if (isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp>(op))
      writes = false;
    if (!writes)
      continue;
    if (op.getNumResults() > 0)
      return op.emitError("GPU backend: kernel ")
             << kernelName << ": unsupported op that writes memory and returns values: "
             << op.getName();
    Value isFirst = arith::CmpIOp::create(b, op.getLoc(), arith::CmpIPredicate::eq, threads.tid,
                                          index(b, op.getLoc(), 0));
    auto branch = scf::IfOp::create(b, op.getLoc(), isFirst, /*withElseRegion=*/false);
    op.moveBefore(branch.thenBlock()->getTerminator());
    b.setInsertionPointAfter(branch);
    ::mlir::gpu::BarrierOp::create(b, op.getLoc());
  }
  return success();
}

LogicalResult buildKernel(kernel::FuncOp kernelFunc, OpBuilder &b,
                          const GpuLoweringOptions &options) {
  MLIRContext *context = kernelFunc.getContext();
  Location loc = kernelFunc.getLoc();
  StringRef name = kernelFunc.getSymName();
  if (!kernelFunc.getBody().hasOneBlock())
    return kernelFunc.emitError("GPU backend: kernel body must be a single block");
  SmallVector<int64_t> grid = {1};
  if (auto strategy = kernelFunc.getStrategyAttr(); strategy && !strategy.getGrid().empty())
    grid.assign(strategy.getGrid().begin(), strategy.getGrid().end());
  for (Type type : kernelFunc.getArgumentTypes())
    if (auto memref = dyn_cast<MemRefType>(type);
        !memref || !memref.hasStaticShape() || !memref.getLayout().isIdentity())
      return kernelFunc.emitError("GPU backend: kernel argument of type ")
             << type << " is not a static dense buffer";

  auto func = ::mlir::gpu::GPUFuncOp::create(
      b, loc, name, FunctionType::get(context, kernelFunc.getArgumentTypes(), {}));
  func->setAttr(::mlir::gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  // The loops stride by the block size the lowering assumes: the kernel
  // must run with exactly that many threads (a known block size would only
  // bound it, and NVVM cannot have both).
  auto blockSize = b.getDenseI32ArrayAttr({int32_t(options.threadsPerBlock), 1, 1});
  if (!options.exactBlockSizeAttr.empty())
    func->setAttr(options.exactBlockSizeAttr, blockSize);
  else
    func.setKnownBlockSizeAttr(blockSize);
  Block &entry = func.getBody().front();
  OpBuilder fb = OpBuilder::atBlockBegin(&entry);
  IRMapping mapping;
  for (unsigned i = 0; i < kernelFunc.getNumArguments(); ++i) {
    mapping.map(kernelFunc.getArgument(i), entry.getArgument(i));
    func.setArgAttr(i, "llvm.noalias", b.getUnitAttr());
  }
  Threads threads;
  threads.count = options.threadsPerBlock;
  threads.subgroup = options.subgroupSize;
  threads.tid = ::mlir::gpu::ThreadIdOp::create(fb, loc, ::mlir::gpu::Dimension::x);
  threads.lane = arith::RemUIOp::create(fb, loc, threads.tid, index(fb, loc, threads.subgroup));
  threads.warp = arith::DivUIOp::create(fb, loc, threads.tid, index(fb, loc, threads.subgroup));
  Value block = ::mlir::gpu::BlockIdOp::create(fb, loc, ::mlir::gpu::Dimension::x);
  SmallVector<Value> extents;
  for (int64_t extent : grid)
    extents.push_back(index(fb, loc, extent));
  SmallVector<Value> groupIds = delinearize(fb, loc, block, extents);
  for (Operation &op : kernelFunc.getBody().front().without_terminator())
    fb.clone(op, mapping);
  ::mlir::gpu::ReturnOp::create(fb, loc);

  // Group and unit ids; transfers and copies as linalg ops.
  IRRewriter rewriter(context);
  SmallVector<Operation *> toErase;
  WalkResult walk = func.walk([&](Operation *op) -> WalkResult {
    if (auto groupId = dyn_cast<kernel::GroupIdOp>(op)) {
      if (groupId.getDimension() >= groupIds.size())
        return groupId.emitError("group dimension out of the grid"), WalkResult::interrupt();
      groupId.getResult().replaceAllUsesWith(groupIds[groupId.getDimension()]);
      toErase.push_back(op);
    } else if (auto unitId = dyn_cast<kernel::UnitIdOp>(op)) {
      unitId.getResult().replaceAllUsesWith(threads.warp);
      toErase.push_back(op);
    } else if (auto copy = dyn_cast<kernel::CopyOp>(op)) {
      OpBuilder cb(copy);
      linalg::CopyOp::create(cb, copy.getLoc(), copy.getSource(), copy.getTarget());
      toErase.push_back(op);
    } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
      OpBuilder cb(copy);
      linalg::CopyOp::create(cb, copy.getLoc(), copy.getSource(), copy.getTarget());
      toErase.push_back(op);
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  for (Operation *op : toErase)
    op->erase();
  SmallVector<linalg::LinalgOp> named;
  func.walk([&](linalg::LinalgOp op) {
    if (!isa<linalg::GenericOp>(op))
      named.push_back(op);
  });
  for (linalg::LinalgOp op : named) {
    rewriter.setInsertionPoint(op);
    if (failed(linalg::generalizeNamedOp(rewriter, op)))
      return op.emitError("GPU backend: cannot generalize ") << op->getName();
  }

  // The group's buffers and the shapes they take at most (a partial tile's
  // buffer has dynamic sizes: it gets room for the largest tile).
  SmallVector<Operation *> allocations;
  func.walk([&](Operation *op) {
    if (isa<memref::AllocOp, memref::AllocaOp>(op))
      allocations.push_back(op);
  });
  // A buffer allocated without a memory space, or in global memory (a copy
  // bufferization made), is the group's too: it and the views of it become
  // local before the spaces are mapped.
  auto local = kernel::MemorySpaceAttr::get(context, kernel::MemorySpace::Local);
  std::function<void(Value)> makeLocal = [&](Value value) {
    auto type = cast<MemRefType>(value.getType());
    auto space = dyn_cast_or_null<kernel::MemorySpaceAttr>(type.getMemorySpace());
    if (type.getMemorySpace() && (!space || space.getValue() != kernel::MemorySpace::Global))
      return;
    value.setType(MemRefType::get(type.getShape(), type.getElementType(), type.getLayout(), local));
    for (Operation *user : value.getUsers())
      if (isa<memref::SubViewOp, memref::ExpandShapeOp, memref::CollapseShapeOp,
              memref::ReinterpretCastOp, memref::CastOp, memref::TransposeOp, memref::ViewOp>(
              user))
        makeLocal(user->getResult(0));
  };
  for (Operation *alloc : allocations)
    makeLocal(alloc->getResult(0));
  SmallVector<SmallVector<int64_t>> shapes;
  int64_t groupBytes = 0;
  for (Operation *alloc : allocations) {
    auto type = cast<MemRefType>(alloc->getResult(0).getType());
    if (!type.getLayout().isIdentity())
      return alloc->emitError("GPU backend: kernel ")
             << name << ": a group buffer of type " << type << " is not dense";
    SmallVector<int64_t> shape(type.getShape());
    ValueRange dynamicSizes = alloc->getOperands();
    for (unsigned d = 0, dynamic = 0; d < shape.size(); ++d) {
      if (!ShapedType::isDynamic(shape[d]))
        continue;
      Value size = dynamicSizes[dynamic++];
      std::optional<int64_t> bound = kernel::constantUpperBound(OpFoldResult(size));
      if (!bound) {
        FailureOr<int64_t> computed = ValueBoundsConstraintSet::computeConstantBound(
            presburger::BoundType::UB, ValueBoundsConstraintSet::Variable(size), nullptr,
            /*closedUB=*/true);
        if (succeeded(computed))
          bound = *computed;
      }
      if (!bound)
        return alloc->emitError("GPU backend: kernel ")
               << name << ": a group buffer of type " << type << " has no static size bound";
      shape[d] = *bound;
    }
    groupBytes += (storageBytes(MemRefType::get(shape, type.getElementType())) + 15) / 16 * 16;
    shapes.push_back(shape);
  }
  // Buffers that do not fit the block's shared memory (leaving room for the
  // row reductions' partials) live in device memory instead: a slice per
  // group of one scratch buffer, the kernel's last argument, whose size the
  // kernel publishes as <kernel>_smelt_global_scratch.
  const bool scratch = groupBytes > options.maxSharedMemoryBytes - 1024;
  mapMemorySpaces(func, /*groupBuffersGlobal=*/scratch);
  Value scratchBuffer;
  if (scratch) {
    int64_t groups = 1;
    for (int64_t extent : grid)
      groups *= extent;
    int64_t total = groupBytes * groups;
    auto scratchType = MemRefType::get(
        {total}, b.getI8Type(), AffineMap(),
        ::mlir::gpu::AddressSpaceAttr::get(context, ::mlir::gpu::AddressSpace::Global));
    unsigned position = func.getNumArguments();
    if (failed(func.insertArgument(position, scratchType, b.getDictionaryAttr({}), loc)))
      return kernelFunc.emitError("GPU backend: cannot add the scratch argument");
    func.setArgAttr(position, "llvm.noalias", b.getUnitAttr());
    scratchBuffer = func.getArgument(position);
    OpBuilder gb(func);
    LLVM::GlobalOp::create(gb, loc, gb.getI64Type(), /*isConstant=*/true,
                           LLVM::Linkage::External, (name + "_smelt_global_scratch").str(),
                           gb.getI64IntegerAttr(total), /*alignment=*/8, /*addrSpace=*/1);
  }
  int64_t offset = 0;
  for (auto [alloc, shape] : llvm::zip(allocations, shapes)) {
    auto type = cast<MemRefType>(alloc->getResult(0).getType());
    ValueRange dynamicSizes = alloc->getOperands();
    auto bounded = MemRefType::get(shape, type.getElementType(), AffineMap(),
                                   type.getMemorySpace());
    Value buffer;
    OpBuilder ab(alloc);
    Location l = alloc->getLoc();
    if (scratch) {
      Value start = arith::AddIOp::create(
          ab, l, arith::MulIOp::create(ab, l, block, index(ab, l, groupBytes)),
          index(ab, l, offset));
      buffer = memref::ViewOp::create(ab, l, bounded, scratchBuffer, start, ValueRange{});
    } else {
      buffer = func.addWorkgroupAttribution(bounded, loc);
    }
    offset += (storageBytes(bounded) + 15) / 16 * 16;
    if (!type.hasStaticShape()) {
      SmallVector<OpFoldResult> sizes, strides(type.getRank());
      for (unsigned d = 0, dynamic = 0; d < type.getRank(); ++d)
        sizes.push_back(type.isDynamicDim(d) ? OpFoldResult(dynamicSizes[dynamic++])
                                             : OpFoldResult(ab.getIndexAttr(type.getDimSize(d))));
      OpFoldResult stride = ab.getIndexAttr(1);
      for (int64_t d = type.getRank() - 1; d >= 0; --d) {
        strides[d] = stride;
        std::optional<int64_t> a = getConstantIntValue(stride), b = getConstantIntValue(sizes[d]);
        stride = a && b ? OpFoldResult(ab.getIndexAttr(*a * *b))
                        : OpFoldResult(arith::MulIOp::create(
                              ab, l, getValueOrCreateConstantIndexOp(ab, l, stride),
                              getValueOrCreateConstantIndexOp(ab, l, sizes[d])));
      }
      buffer = memref::ReinterpretCastOp::create(ab, l, type, buffer, ab.getIndexAttr(0), sizes,
                                                 strides);
    }
    alloc->getResult(0).replaceAllUsesWith(buffer);
    alloc->erase();
  }
  SmallVector<memref::DeallocOp> deallocs;
  func.walk([&](memref::DeallocOp op) { deallocs.push_back(op); });
  for (memref::DeallocOp op : deallocs)
    op.erase();

  if (failed(distributeBlock(func.getBody().front(), threads, options, func, name)))
    return failure();
  // The row reductions' partials added attributions of their own.
  int64_t sharedBytes = 0;
  for (BlockArgument attribution : func.getWorkgroupAttributions())
    sharedBytes += (storageBytes(cast<MemRefType>(attribution.getType())) + 15) / 16 * 16;
  if (sharedBytes <= options.sharedMemoryBytes)
    return success();
  if (sharedBytes > options.maxSharedMemoryBytes)
    return kernelFunc.emitError("GPU backend: kernel ")
           << name << " needs " << sharedBytes << " bytes of shared memory per group, more than "
           << options.maxSharedMemoryBytes << " (the most one block may have on "
           << options.chip << "); its schedule's staged tiles are too large";
  // More than static shared memory allows: the buffers become views of the
  // block's dynamic shared memory, whose size the kernel publishes in the
  // global <kernel>_smelt_dynamic_shared for the driver's launch.
  Block &body = func.getBody().front();
  OpBuilder vb = OpBuilder::atBlockBegin(&body);
  auto workgroupSpace =
      ::mlir::gpu::AddressSpaceAttr::get(context, ::mlir::gpu::AddressSpace::Workgroup);
  Value dynamic = ::mlir::gpu::DynamicSharedMemoryOp::create(
      vb, loc,
      MemRefType::get({ShapedType::kDynamic}, vb.getI8Type(), AffineMap(), workgroupSpace));
  int64_t dynamicOffset = 0;
  for (BlockArgument attribution : func.getWorkgroupAttributions()) {
    auto type = cast<MemRefType>(attribution.getType());
    Value view = memref::ViewOp::create(vb, loc, type, dynamic, index(vb, loc, dynamicOffset),
                                        ValueRange{});
    attribution.replaceAllUsesWith(view);
    dynamicOffset += (storageBytes(type) + 15) / 16 * 16;
  }
  unsigned first = func.getFirstWorkgroupAttributionIndex();
  body.eraseArguments(first, func.getNumWorkgroupAttributions());
  func->setAttr(func.getNumWorkgroupAttributionsAttrName(), vb.getI64IntegerAttr(0));
  OpBuilder gb(func);
  LLVM::GlobalOp::create(gb, loc, gb.getI32Type(), /*isConstant=*/true, LLVM::Linkage::External,
                         (name + "_smelt_dynamic_shared").str(),
                         gb.getI32IntegerAttr(int32_t(dynamicOffset)), /*alignment=*/4,
                         /*addrSpace=*/1);
  return success();
}

} // namespace

FailureOr<::mlir::gpu::GPUModuleOp> buildGpuModule(ModuleOp module, ModuleOp container,
                                                   StringRef name,
                                                   const GpuLoweringOptions &options) {
  MLIRContext *context = module.getContext();
  context->loadDialect<::mlir::gpu::GPUDialect, scf::SCFDialect, memref::MemRefDialect,
                       vector::VectorDialect, arith::ArithDialect, affine::AffineDialect,
                       linalg::LinalgDialect, LLVM::LLVMDialect>();
  if (options.threadsPerBlock % options.subgroupSize != 0)
    return module.emitError("GPU backend: threads per block must be a multiple of the "
                            "subgroup size");
  OpBuilder b = OpBuilder::atBlockEnd(container.getBody());
  container->setAttr(::mlir::gpu::GPUDialect::getContainerModuleAttrName(), b.getUnitAttr());
  auto gpuModule = ::mlir::gpu::GPUModuleOp::create(b, module.getLoc(), name);
  OpBuilder mb = OpBuilder::atBlockBegin(gpuModule.getBody());
  for (auto global : module.getOps<memref::GlobalOp>())
    mb.clone(*global);
  mapMemorySpaces(gpuModule);
  for (auto kernelFunc : module.getOps<kernel::FuncOp>()) {
    mb.setInsertionPointToEnd(gpuModule.getBody());
    if (failed(buildKernel(kernelFunc, mb, options)))
      return failure();
  }
  return gpuModule;
}

LogicalResult replaceKernelsWithGpuLowering(ModuleOp module) {
  MLIRContext *context = module.getContext();
  GpuLoweringOptions options;
  options.subgroupSize = 1;
  options.threadsPerBlock = 1;
  options.sharedMemoryBytes = options.maxSharedMemoryBytes = int64_t(1) << 40;
  options.vectorBytes = 16;
  options.chip = "host";
  OwningOpRef<ModuleOp> container = ModuleOp::create(module.getLoc());
  FailureOr<::mlir::gpu::GPUModuleOp> lowered =
      buildGpuModule(module, *container, "host_check", options);
  if (failed(lowered))
    return failure();
  auto global = kernel::MemorySpaceAttr::get(context, kernel::MemorySpace::Global);
  auto local = kernel::MemorySpaceAttr::get(context, kernel::MemorySpace::Local);
  for (auto func : lowered->getOps<::mlir::gpu::GPUFuncOp>()) {
    auto kernelFunc = module.lookupSymbol<kernel::FuncOp>(func.getName());
    if (!kernelFunc || !func.getBody().hasOneBlock())
      return func.emitError("GPU lowering check: no kernel.func for ") << func.getName();
    if (func.getNumArguments() != kernelFunc.getNumArguments())
      return func.emitError("GPU lowering check: kernel ")
             << func.getName() << " needs a device scratch argument";
    Block &body = kernelFunc.getBody().front();
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
      op.erase();
    OpBuilder b = OpBuilder::atBlockBegin(&body);
    Location loc = func.getLoc();
    IRMapping mapping;
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      mapping.map(func.getArgument(i), body.getArgument(i));
    for (BlockArgument attribution : func.getWorkgroupAttributions())
      mapping.map(attribution,
                  memref::AllocOp::create(b, loc, cast<MemRefType>(attribution.getType())));
    // The linear block id from the group ids.
    SmallVector<int64_t> grid = {1};
    if (auto strategy = kernelFunc.getStrategyAttr(); strategy && !strategy.getGrid().empty())
      grid.assign(strategy.getGrid().begin(), strategy.getGrid().end());
    Value linear = index(b, loc, 0);
    for (unsigned d = 0; d < grid.size(); ++d)
      linear = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, linear, index(b, loc, grid[d])),
          kernel::GroupIdOp::create(b, loc, d));
    Value zero = index(b, loc, 0);
    for (Operation &op : func.getBody().front()) {
      if (auto threadId = dyn_cast<::mlir::gpu::ThreadIdOp>(op)) {
        mapping.map(threadId.getResult(), zero);
      } else if (auto blockId = dyn_cast<::mlir::gpu::BlockIdOp>(op)) {
        mapping.map(blockId.getResult(), linear);
      } else if (isa<::mlir::gpu::ReturnOp>(op)) {
        kernel::ReturnOp::create(b, loc);
      } else {
        b.clone(op, mapping);
      }
    }
    SmallVector<Operation *> barriers;
    kernelFunc.walk([&](Operation *op) {
      if (isa<::mlir::gpu::BarrierOp>(op))
        barriers.push_back(op);
    });
    for (Operation *op : barriers)
      op->erase();
    WalkResult leftover = kernelFunc.walk([&](Operation *op) {
      if (isa<::mlir::gpu::GPUDialect>(op->getDialect()))
        return op->emitError("GPU lowering check: ") << op->getName() << " has no host form",
               WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (leftover.wasInterrupted())
      return failure();
    // GPU address spaces back to kernel ones.
    AttrTypeReplacer replacer;
    replacer.addReplacement([&](MemRefType type) -> std::optional<Type> {
      auto space = dyn_cast_or_null<::mlir::gpu::AddressSpaceAttr>(type.getMemorySpace());
      if (!space)
        return std::nullopt;
      return MemRefType::get(type.getShape(), type.getElementType(), type.getLayout(),
                             space.getValue() == ::mlir::gpu::AddressSpace::Global
                                 ? Attribute(global)
                                 : Attribute(local));
    });
    replacer.recursivelyReplaceElementsIn(kernelFunc, /*replaceAttrs=*/true,
                                          /*replaceLocs=*/false, /*replaceTypes=*/true);
  }
  return success();
}

} // namespace smelt::gpu
