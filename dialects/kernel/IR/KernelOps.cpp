//===- KernelOps.cpp - Ops and attributes of the kernel dialect -------------===//
#include "dialects/kernel/IR/KernelOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace smelt::kernel;

#include "dialects/kernel/IR/KernelDialect.cpp.inc"
#include "dialects/kernel/IR/KernelEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "dialects/kernel/IR/KernelAttrs.cpp.inc"

void KernelDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/kernel/IR/KernelAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/kernel/IR/KernelOps.cpp.inc"
      >();
}

MemorySpaceAttr smelt::kernel::getMemorySpace(MLIRContext *context, MemorySpace space) {
  return MemorySpaceAttr::get(context, space);
}

//===----------------------------------------------------------------------===//
// StrategyAttr
//===----------------------------------------------------------------------===//

LogicalResult StrategyAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   ArrayRef<int64_t> grid, int64_t units,
                                   ArrayRef<int64_t> tile, int64_t vectorBytes) {
  if (grid.empty())
    return emitError() << "a strategy needs at least one grid dimension";
  for (int64_t g : grid)
    if (g < 1)
      return emitError() << "grid sizes must be positive";
  if (units < 1)
    return emitError() << "units per group must be positive";
  for (int64_t t : tile)
    if (t < 0)
      return emitError() << "tile sizes must be non-negative";
  if (vectorBytes < 0 || (vectorBytes & (vectorBytes - 1)) != 0)
    return emitError() << "vector_bytes must be a power of two, got " << vectorBytes;
  return success();
}

//===----------------------------------------------------------------------===//
// kernel.scope
//===----------------------------------------------------------------------===//

bool smelt::kernel::reducesOrBroadcasts(linalg::LinalgOp op) {
  if (op.getNumReductionLoops() > 0)
    return true;
  // A broadcast: some operand is read along a loop (longer than one) that
  // does not index it, so each of its elements serves a whole line of
  // iterations.
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (OpOperand *input : op.getDpsInputOperands()) {
    if (!isa<ShapedType>(input->get().getType()))
      continue;
    llvm::SmallBitVector indexed(op.getNumLoops());
    for (AffineExpr expr : op.getMatchingIndexingMap(input).getResults())
      expr.walk([&](AffineExpr inner) {
        if (auto dim = dyn_cast<AffineDimExpr>(inner))
          indexed.set(dim.getPosition());
      });
    for (auto [loop, range] : llvm::enumerate(ranges))
      if (range != 1 && !indexed.test(loop))
        return true;
  }
  return false;
}

LogicalResult KernelDialect::verifyOperationAttribute(Operation *op, NamedAttribute attribute) {
  if (attribute.getName() != kScopeAttrName)
    return op->emitError("unknown kernel dialect attribute '") << attribute.getName() << "'";
  if (!isa<ScopeAttr>(attribute.getValue()))
    return op->emitError("'") << kScopeAttrName << "' must be a #kernel.scope, got "
                              << attribute.getValue();
  // Transformations after scheduling (canonicalization folding a splat
  // operand, say) may leave the mark on an op that no longer broadcasts;
  // only ops other than linalg's are wrong.
  if (!isa<linalg::LinalgOp>(op))
    return op->emitError("'") << kScopeAttrName << "' belongs on a linalg op (a reduction or "
                                                   "a broadcast), not on " << op->getName();
  return success();
}

int64_t StrategyAttr::getGroupCount() const {
  int64_t count = 1;
  for (int64_t g : getGrid())
    count *= g;
  return count;
}

//===----------------------------------------------------------------------===//
// FuncOp
//===----------------------------------------------------------------------===//

void FuncOp::build(OpBuilder &builder, OperationState &state, StringRef name,
                   FunctionType type) {
  state.addAttribute(SymbolTable::getSymbolAttrName(), builder.getStringAttr(name));
  state.addAttribute(getFunctionTypeAttrName(state.name), TypeAttr::get(type));
  Region *body = state.addRegion();
  Block *entry = new Block();
  for (Type input : type.getInputs())
    entry->addArgument(input, state.location);
  body->push_back(entry);
}

ParseResult FuncOp::parse(OpAsmParser &parser, OperationState &result) {
  auto buildFunctionType = [](Builder &builder, ArrayRef<Type> argTypes,
                              ArrayRef<Type> results, function_interface_impl::VariadicFlag,
                              std::string &) {
    return builder.getFunctionType(argTypes, results);
  };
  return function_interface_impl::parseFunctionOp(
      parser, result, /*allowVariadic=*/false, getFunctionTypeAttrName(result.name),
      buildFunctionType, getArgAttrsAttrName(result.name), getResAttrsAttrName(result.name));
}

void FuncOp::print(OpAsmPrinter &printer) {
  function_interface_impl::printFunctionOp(printer, *this, /*isVariadic=*/false,
                                           getFunctionTypeAttrName(), getArgAttrsAttrName(),
                                           getResAttrsAttrName());
}

LogicalResult FuncOp::verify() {
  if (!getFunctionType().getResults().empty())
    return emitOpError("kernels return nothing; they write into argument buffers");
  for (auto [index, type] : llvm::enumerate(getFunctionType().getInputs())) {
    if (auto memref = dyn_cast<MemRefType>(type)) {
      Attribute space = memref.getMemorySpace();
      if (space && !isa<MemorySpaceAttr>(space))
        return emitOpError("argument ") << index
                                        << " must be in a #kernel.space memory space";
      if (auto kernelSpace = dyn_cast_or_null<MemorySpaceAttr>(space);
          kernelSpace && kernelSpace.getValue() != MemorySpace::Global)
        return emitOpError("argument ") << index
                                        << " must live in global memory: only global "
                                           "buffers are visible to every group";
      continue;
    }
    if (!type.isIndex() && !type.isInteger())
      return emitOpError("argument ") << index << " must be a memref or an integer, got "
                                      << type;
  }
  if (getBody().empty())
    return emitOpError("kernels need a body");
  return success();
}

//===----------------------------------------------------------------------===//
// GroupIdOp / UnitIdOp
//===----------------------------------------------------------------------===//

LogicalResult GroupIdOp::verify() {
  auto func = (*this)->getParentOfType<FuncOp>();
  if (!func)
    return emitOpError("must be inside a kernel.func");
  StrategyAttr strategy = func.getStrategyAttr();
  if (!strategy)
    return emitOpError("needs the enclosing kernel to have a strategy");
  if (getDimension() < 0 || getDimension() >= (int64_t)strategy.getGrid().size())
    return emitOpError("dimension ") << getDimension() << " is outside the grid of rank "
                                     << strategy.getGrid().size();
  return success();
}

LogicalResult UnitIdOp::verify() {
  auto func = (*this)->getParentOfType<FuncOp>();
  if (!func || !func.getStrategyAttr())
    return emitOpError("must be inside a kernel.func that has a strategy");
  return success();
}

//===----------------------------------------------------------------------===//
// CopyOp
//===----------------------------------------------------------------------===//

/// The level a buffer lives in (no memory space: global).
static FailureOr<MemorySpace> levelOf(MemRefType type) {
  Attribute space = type.getMemorySpace();
  if (!space)
    return MemorySpace::Global;
  if (auto kernelSpace = dyn_cast<MemorySpaceAttr>(space))
    return kernelSpace.getValue();
  return failure();
}

LogicalResult CopyOp::verify() {
  auto source = cast<MemRefType>(getSource().getType());
  auto target = cast<MemRefType>(getTarget().getType());
  if (source.getElementType() != target.getElementType())
    return emitOpError("copies between buffers of one element type, got ")
           << source.getElementType() << " and " << target.getElementType();
  if (source.getRank() != target.getRank())
    return emitOpError("source and target must have the same rank, got ")
           << source.getRank() << " and " << target.getRank();
  for (int64_t dim = 0; dim < source.getRank(); ++dim)
    if (!source.isDynamicDim(dim) && !target.isDynamicDim(dim) &&
        source.getDimSize(dim) != target.getDimSize(dim))
      return emitOpError("source and target differ in dim ")
             << dim << ": " << source.getDimSize(dim) << " vs " << target.getDimSize(dim);
  FailureOr<MemorySpace> from = levelOf(source), to = levelOf(target);
  if (failed(from) || failed(to))
    return emitOpError("source and target must be in #kernel.space memory spaces");
  if (*from == *to)
    return emitOpError("moves data between two memory levels; both buffers are in ")
           << stringifyMemorySpace(*from) << " memory (use memref.copy)";
  return success();
}

void CopyOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  effects.emplace_back(MemoryEffects::Read::get(), &getSourceMutable(),
                       SideEffects::DefaultResource::get());
  effects.emplace_back(MemoryEffects::Write::get(), &getTargetMutable(),
                       SideEffects::DefaultResource::get());
}

#define GET_OP_CLASSES
#include "dialects/kernel/IR/KernelOps.cpp.inc"
