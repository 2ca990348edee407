//===- PlanOps.cpp - Ops of the plan dialect --------------------------------===//
#include "dialects/plan/IR/PlanDialect.h"

#include "dialects/kernel/IR/KernelOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace smelt::plan;

#include "dialects/plan/IR/PlanDialect.cpp.inc"

void PlanDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/plan/IR/PlanOps.cpp.inc"
      >();
}

static bool isContiguous(MemRefType type) { return type.getLayout().isIdentity(); }

LogicalResult ConstantOp::verify() {
  auto valueType = cast<ShapedType>(getValue().getType());
  MemRefType bufferType = getBuffer().getType();
  if (valueType.getShape() != bufferType.getShape() ||
      valueType.getElementType() != bufferType.getElementType())
    return emitOpError("value of type ") << valueType << " does not fit buffer "
                                         << bufferType;
  return success();
}

LogicalResult AllocOp::verify() {
  if (!isContiguous(getBuffer().getType()))
    return emitOpError("scratch buffers are contiguous (identity layout)");
  if (std::optional<int64_t> offset = getOffset(); offset && *offset < 0)
    return emitOpError("arena offset must be non-negative");
  return success();
}

Value ViewOp::getViewSource() { return getSource(); }

LogicalResult ViewOp::verify() {
  MemRefType source = getSource().getType(), result = getResult().getType();
  if (!isContiguous(source) || !isContiguous(result))
    return emitOpError("views relate contiguous buffers");
  if (source.getElementType() != result.getElementType() ||
      source.getNumElements() != result.getNumElements())
    return emitOpError("a view keeps the element type and count: ")
           << source << " vs " << result;
  return success();
}

LogicalResult CopyOp::verify() {
  MemRefType source = getSource().getType(), destination = getDestination().getType();
  if (source.getElementType() != destination.getElementType() ||
      source.getNumElements() != destination.getNumElements())
    return emitOpError("copy between buffers of different size or element type: ")
           << source << " vs " << destination;
  return success();
}

LogicalResult AllReduceOp::verify() {
  MemRefType source = getSource().getType(), destination = getDestination().getType();
  if (source != destination)
    return emitOpError("reduces into a buffer of another type: ") << source << " vs "
                                                                   << destination;
  StringRef reduction = getReduction();
  if (reduction != "sum" && reduction != "prod" && reduction != "min" && reduction != "max")
    return emitOpError("reduction must be sum, prod, min or max, not '") << reduction << "'";
  return success();
}

/// Types agree up to the memory space (kernels see `#kernel.space<global>`).
static bool sameBufferType(Type host, Type device) {
  auto hostMemref = dyn_cast<MemRefType>(host);
  auto deviceMemref = dyn_cast<MemRefType>(device);
  if (!hostMemref || !deviceMemref)
    return host == device;
  return hostMemref.getShape() == deviceMemref.getShape() &&
         hostMemref.getElementType() == deviceMemref.getElementType() &&
         hostMemref.getLayout() == deviceMemref.getLayout();
}

LogicalResult LaunchOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto kernel = symbolTable.lookupNearestSymbolFrom<smelt::kernel::FuncOp>(
      *this, getKernelAttr());
  if (!kernel)
    return emitOpError("'") << getKernel() << "' is not a kernel.func";
  ArrayRef<Type> parameters = kernel.getFunctionType().getInputs();
  if (parameters.size() != getArguments().size())
    return emitOpError("kernel takes ") << parameters.size() << " arguments, got "
                                        << getArguments().size();
  for (auto [index, pair] : llvm::enumerate(llvm::zip(getArguments().getTypes(), parameters)))
    if (!sameBufferType(std::get<0>(pair), std::get<1>(pair)))
      return emitOpError("argument ") << index << " has type " << std::get<0>(pair)
                                      << " but the kernel expects " << std::get<1>(pair);
  return success();
}

LogicalResult CallOp::verify() {
  if (getCandidates().empty())
    return emitOpError("needs at least one candidate implementation");
  for (Attribute candidate : getCandidates())
    if (!isa<StringAttr, FlatSymbolRefAttr>(candidate))
      return emitOpError("candidates are library names or kernel symbols");
  return success();
}

#define GET_OP_CLASSES
#include "dialects/plan/IR/PlanOps.cpp.inc"
