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
                                   ArrayRef<int64_t> tile) {
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

#define GET_OP_CLASSES
#include "dialects/kernel/IR/KernelOps.cpp.inc"
