//===- GraphStructuredOps.cpp - Verifiers of the general graph ops --------===//
//
// The importer builds these ops from StableHLO, whose own verifier it does
// not have; these checks keep a malformed program from reaching the
// lowering (which indexes by the dimension numbers without further checks).
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/GraphOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace smelt::graph;

namespace {

RankedTensorType tensorType(Value value) { return cast<RankedTensorType>(value.getType()); }

bool isScalar(Value value) { return tensorType(value).getRank() == 0; }

/// Every dim in `dims` lies in [0, rank) and appears once.
LogicalResult checkDims(Operation *op, StringRef what, ArrayRef<int64_t> dims, int64_t rank) {
  llvm::SmallDenseSet<int64_t> seen;
  for (int64_t dim : dims) {
    if (dim < 0 || dim >= rank)
      return op->emitOpError(what) << " dimension " << dim << " out of range for rank " << rank;
    if (!seen.insert(dim).second)
      return op->emitOpError(what) << " dimension " << dim << " repeated";
  }
  return success();
}

/// A combiner region of `op` takes `argumentCount` rank-0 tensors and yields
/// `yieldCount` values.
LogicalResult checkCombiner(Operation *op, Region &region, StringRef name, size_t argumentCount,
                            size_t yieldCount) {
  Block &block = region.front();
  if (block.getNumArguments() != argumentCount)
    return op->emitOpError("the ") << name << " region takes " << argumentCount
                                   << " arguments, has " << block.getNumArguments();
  for (BlockArgument argument : block.getArguments())
    if (auto type = dyn_cast<RankedTensorType>(argument.getType()); !type || type.getRank() != 0)
      return op->emitOpError("the ") << name << " region's arguments must be rank-0 tensors";
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield || yield.getValues().size() != yieldCount)
    return op->emitOpError("the ") << name << " region must yield " << yieldCount << " values";
  return success();
}

/// The arguments of `region` have the types of `values`.
LogicalResult checkArguments(Operation *op, Region &region, StringRef name, TypeRange types) {
  Block &block = region.front();
  if (block.getArgumentTypes() != types)
    return op->emitOpError("the ") << name << " region must take the op's values";
  return success();
}

/// The yield of `region` has `types`.
LogicalResult checkYield(Operation *op, Region &region, StringRef name, TypeRange types) {
  auto yield = dyn_cast<YieldOp>(region.front().getTerminator());
  if (!yield || TypeRange(yield.getValues().getTypes()) != types)
    return op->emitOpError("the ") << name << " region must yield the op's result types";
  return success();
}

} // namespace

LogicalResult IotaOp::verify() {
  auto type = cast<RankedTensorType>(getOutput().getType());
  if (getDimension() < 0 || getDimension() >= type.getRank())
    return emitOpError("dimension ") << getDimension() << " out of range for " << type;
  if (!type.getElementType().isIntOrFloat() && !isa<ComplexType>(type.getElementType()))
    return emitOpError("iota needs integer, float or complex elements");
  return success();
}

LogicalResult ReduceOp::verify() {
  if (getInputs().empty() || getOutputs().size() != getInputs().size())
    return emitOpError("one result per input expected");
  RankedTensorType inputType = tensorType(getInputs().front());
  if (failed(checkDims(*this, "reduced", getDimensions(), inputType.getRank())))
    return failure();
  SmallVector<int64_t> kept;
  for (int64_t d = 0; d < inputType.getRank(); ++d)
    if (!llvm::is_contained(getDimensions(), d))
      kept.push_back(inputType.getDimSize(d));
  for (auto [input, init, output] : llvm::zip(getInputs(), getInits(), getOutputs())) {
    if (tensorType(input).getShape() != inputType.getShape())
      return emitOpError("inputs must share one shape");
    if (!isScalar(init) || tensorType(init).getElementType() != tensorType(output).getElementType())
      return emitOpError("each initial value must be a rank-0 tensor of its result's type");
    if (tensorType(output).getShape() != ArrayRef<int64_t>(kept))
      return emitOpError("result shape must be the input's without the reduced dims");
  }
  return checkCombiner(*this, getBody(), "body", 2 * getInputs().size(), getInputs().size());
}

LogicalResult ReduceWindowOp::verify() {
  if (getInputs().empty() || getOutputs().size() != getInputs().size())
    return emitOpError("one result per input expected");
  int64_t rank = tensorType(getInputs().front()).getRank();
  for (ArrayRef<int64_t> values :
       {getWindowDimensions(), getStrides(), getBaseDilations(), getWindowDilations(),
        getPaddingLow(), getPaddingHigh()})
    if ((int64_t)values.size() != rank)
      return emitOpError("window attributes need one value per dimension (") << rank << ")";
  for (int64_t d = 0; d < rank; ++d)
    if (getWindowDimensions()[d] < 0 || getStrides()[d] < 1 || getBaseDilations()[d] < 1 ||
        getWindowDilations()[d] < 1)
      return emitOpError("window sizes must be >= 0, strides and dilations >= 1");
  for (Value init : getInits())
    if (!isScalar(init))
      return emitOpError("initial values must be rank-0 tensors");
  return checkCombiner(*this, getBody(), "body", 2 * getInputs().size(), getInputs().size());
}

LogicalResult SelectAndScatterOp::verify() {
  int64_t rank = tensorType(getOperand()).getRank();
  for (ArrayRef<int64_t> values :
       {getWindowDimensions(), getStrides(), getPaddingLow(), getPaddingHigh()})
    if ((int64_t)values.size() != rank)
      return emitOpError("window attributes need one value per dimension (") << rank << ")";
  if (tensorType(getSource()).getRank() != rank)
    return emitOpError("source must have the operand's rank");
  if (!isScalar(getInit()) || getType() != getOperand().getType())
    return emitOpError("the result has the operand's type; the initial value is rank-0");
  if (failed(checkCombiner(*this, getSelect(), "select", 2, 1)) ||
      failed(checkCombiner(*this, getScatter(), "scatter", 2, 1)))
    return failure();
  return success();
}

LogicalResult ScatterSlicesOp::verify() {
  size_t count = getInputs().size();
  if (count == 0 || getUpdates().size() != count || getOutputs().size() != count)
    return emitOpError("N inputs, N updates and N results expected");
  RankedTensorType inputType = tensorType(getInputs().front());
  RankedTensorType updateType = tensorType(getUpdates().front());
  RankedTensorType indicesType = getIndices().getType();
  int64_t rank = inputType.getRank();
  int64_t indexVectorDim = getIndexVectorDim();
  if (indexVectorDim < 0 || indexVectorDim > indicesType.getRank())
    return emitOpError("index_vector_dim out of range");
  if (failed(checkDims(*this, "update window", getUpdateWindowDims(), updateType.getRank())) ||
      failed(checkDims(*this, "inserted window", getInsertedWindowDims(), rank)) ||
      failed(checkDims(*this, "input batching", getInputBatchingDims(), rank)) ||
      failed(checkDims(*this, "scatter-to-operand", getScatterDimsToOperandDims(), rank)) ||
      failed(checkDims(*this, "indices batching", getIndicesBatchingDims(),
                       indicesType.getRank())))
    return failure();
  if ((int64_t)(getUpdateWindowDims().size() + getInsertedWindowDims().size() +
                getInputBatchingDims().size()) != rank)
    return emitOpError("update window, inserted and batching dims must cover the input's rank");
  int64_t indexDepth =
      indexVectorDim == indicesType.getRank() ? 1 : indicesType.getDimSize(indexVectorDim);
  if ((int64_t)getScatterDimsToOperandDims().size() != indexDepth)
    return emitOpError("scatter_dims_to_operand_dims needs one dim per index component (")
           << indexDepth << ")";
  // The updates' scatter dims are the indices' batch dims; their window dims
  // fit the input's dims that are neither inserted nor batching.
  SmallVector<int64_t> batchSizes, scatterSizes, windowInputDims;
  for (int64_t d = 0; d < indicesType.getRank(); ++d)
    if (d != indexVectorDim)
      batchSizes.push_back(indicesType.getDimSize(d));
  for (int64_t d = 0; d < updateType.getRank(); ++d)
    if (!llvm::is_contained(getUpdateWindowDims(), d))
      scatterSizes.push_back(updateType.getDimSize(d));
  if (scatterSizes != batchSizes)
    return emitOpError("the updates' scatter dims must be the indices' batch dims (")
           << batchSizes.size() << " of them)";
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(getInsertedWindowDims(), d) &&
        !llvm::is_contained(getInputBatchingDims(), d))
      windowInputDims.push_back(d);
  if (windowInputDims.size() != getUpdateWindowDims().size())
    return emitOpError("inserted and batching dims must be distinct");
  for (auto [window, inputDim] : llvm::zip(getUpdateWindowDims(), windowInputDims))
    if (updateType.getDimSize(window) > inputType.getDimSize(inputDim))
      return emitOpError("update window dim ") << window << " is larger than input dim "
                                                << inputDim;
  for (auto [input, update, output] : llvm::zip(getInputs(), getUpdates(), getOutputs())) {
    if (input.getType() != output.getType() ||
        tensorType(input).getShape() != inputType.getShape() ||
        tensorType(update).getShape() != updateType.getShape())
      return emitOpError("inputs (and results) and updates must share their shapes");
  }
  return checkCombiner(*this, getBody(), "body", 2 * count, count);
}

LogicalResult GatherSlicesOp::verify() {
  RankedTensorType inputType = getInput().getType();
  RankedTensorType indicesType = getIndices().getType();
  int64_t rank = inputType.getRank();
  if (getIndexVectorDim() < 0 || getIndexVectorDim() > indicesType.getRank())
    return emitOpError("index_vector_dim out of range");
  if ((int64_t)getSliceSizes().size() != rank)
    return emitOpError("slice_sizes needs one size per input dimension");
  for (int64_t d = 0; d < rank; ++d)
    if (getSliceSizes()[d] < 0 || getSliceSizes()[d] > inputType.getDimSize(d))
      return emitOpError("slice size ") << getSliceSizes()[d] << " does not fit dimension " << d;
  if (failed(checkDims(*this, "collapsed", getCollapsedSliceDims(), rank)) ||
      failed(checkDims(*this, "operand batching", getOperandBatchingDims(), rank)) ||
      failed(checkDims(*this, "start index map", getStartIndexMap(), rank)) ||
      failed(checkDims(*this, "offset", getOffsetDims(), getType().getRank())) ||
      failed(checkDims(*this, "start indices batching", getStartIndicesBatchingDims(),
                       indicesType.getRank())))
    return failure();
  int64_t indexDepth = getIndexVectorDim() == indicesType.getRank()
                           ? 1
                           : indicesType.getDimSize(getIndexVectorDim());
  if ((int64_t)getStartIndexMap().size() != indexDepth)
    return emitOpError("start_index_map needs one dim per index component (") << indexDepth
                                                                               << ")";
  int64_t batchRank =
      indicesType.getRank() - (getIndexVectorDim() == indicesType.getRank() ? 0 : 1);
  if (getType().getRank() != batchRank + (int64_t)getOffsetDims().size())
    return emitOpError("result rank must be the batch dims plus the offset dims");
  if ((int64_t)(getOffsetDims().size() + getCollapsedSliceDims().size() +
                getOperandBatchingDims().size()) != rank)
    return emitOpError("offset, collapsed and batching dims must cover the input's rank");
  // The result's batch dims are the indices' batch dims, its offset dims the
  // slice sizes of the dims neither collapsed nor batching.
  SmallVector<int64_t> batchSizes, resultBatch, windowSizes, resultWindow;
  for (int64_t d = 0; d < indicesType.getRank(); ++d)
    if (d != getIndexVectorDim())
      batchSizes.push_back(indicesType.getDimSize(d));
  for (int64_t d = 0; d < getType().getRank(); ++d)
    (llvm::is_contained(getOffsetDims(), d) ? resultWindow : resultBatch)
        .push_back(getType().getDimSize(d));
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(getCollapsedSliceDims(), d) &&
        !llvm::is_contained(getOperandBatchingDims(), d))
      windowSizes.push_back(getSliceSizes()[d]);
  if (resultBatch != batchSizes || resultWindow != windowSizes)
    return emitOpError("result shape ")
           << getType() << " does not match the indices' batch dims and the slice sizes";
  return success();
}

LogicalResult DynamicSliceOp::verify() {
  RankedTensorType inputType = getInput().getType();
  RankedTensorType resultType = getType();
  if ((int64_t)getStarts().size() != inputType.getRank() ||
      resultType.getRank() != inputType.getRank())
    return emitOpError("one start index per dimension, and the result of the input's rank");
  for (Value start : getStarts())
    if (!isScalar(start))
      return emitOpError("start indices must be rank-0 tensors");
  for (int64_t d = 0; d < inputType.getRank(); ++d)
    if (resultType.getDimSize(d) > inputType.getDimSize(d))
      return emitOpError("the slice is larger than the input in dimension ") << d;
  return success();
}

LogicalResult DynamicUpdateSliceOp::verify() {
  RankedTensorType inputType = getInput().getType();
  RankedTensorType updateType = getUpdate().getType();
  if ((int64_t)getStarts().size() != inputType.getRank() ||
      updateType.getRank() != inputType.getRank() || getType() != inputType)
    return emitOpError("one start index per dimension; update of the input's rank; result of "
                       "the input's type");
  for (Value start : getStarts())
    if (!isScalar(start))
      return emitOpError("start indices must be rank-0 tensors");
  for (int64_t d = 0; d < inputType.getRank(); ++d)
    if (updateType.getDimSize(d) > inputType.getDimSize(d))
      return emitOpError("the update is larger than the input in dimension ") << d;
  return success();
}

LogicalResult PadOp::verify() {
  RankedTensorType inputType = getInput().getType();
  int64_t rank = inputType.getRank();
  if (!isScalar(getValue()) || tensorType(getValue()).getElementType() != inputType.getElementType())
    return emitOpError("the padding value must be a rank-0 tensor of the input's element type");
  if ((int64_t)getLow().size() != rank || (int64_t)getHigh().size() != rank ||
      (int64_t)getInterior().size() != rank)
    return emitOpError("low, high and interior need one value per dimension");
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = inputType.getDimSize(d);
    if (getInterior()[d] < 0)
      return emitOpError("interior padding must be >= 0");
    int64_t expected = getLow()[d] + getHigh()[d] +
                       (size == 0 ? 0 : size + (size - 1) * getInterior()[d]);
    if (expected < 0 || getType().getDimSize(d) != expected)
      return emitOpError("result dimension ") << d << " must be " << expected;
  }
  return success();
}

LogicalResult SortOp::verify() {
  if (getInputs().empty() || getOutputs().size() != getInputs().size())
    return emitOpError("one result per input expected");
  RankedTensorType first = tensorType(getInputs().front());
  if (getDimension() < 0 || getDimension() >= std::max<int64_t>(first.getRank(), 1))
    return emitOpError("dimension ") << getDimension() << " out of range";
  for (auto [input, output] : llvm::zip(getInputs(), getOutputs()))
    if (input.getType() != output.getType() || tensorType(input).getShape() != first.getShape())
      return emitOpError("inputs must share one shape; results have the inputs' types");
  return checkCombiner(*this, getComparator(), "comparator", 2 * getInputs().size(), 1);
}

LogicalResult TriangularSolveOp::verify() {
  RankedTensorType a = getA().getType(), b = getB().getType();
  if (a.getRank() < 2 || b.getRank() != a.getRank() ||
      a.getElementType() != b.getElementType())
    return emitOpError("a and b must have one rank >= 2 and one element type");
  int64_t m = a.getDimSize(a.getRank() - 1);
  if (a.getDimSize(a.getRank() - 2) != m)
    return emitOpError("a must be square in its last two dims");
  int64_t side = getLeftSide() ? b.getDimSize(b.getRank() - 2) : b.getDimSize(b.getRank() - 1);
  if (side != m)
    return emitOpError("b's ") << (getLeftSide() ? "rows" : "columns") << " must match a";
  if (a.getShape().drop_back(2) != b.getShape().drop_back(2))
    return emitOpError("a and b must share their batch dims");
  return success();
}

LogicalResult WhileOp::verify() {
  TypeRange types = getValues().getTypes();
  if (failed(checkArguments(*this, getCond(), "cond", types)) ||
      failed(checkArguments(*this, getBody(), "body", types)) ||
      failed(checkYield(*this, getBody(), "body", types)))
    return failure();
  auto yield = dyn_cast<YieldOp>(getCond().front().getTerminator());
  if (!yield || yield.getValues().size() != 1 || !isScalar(yield.getValues().front()) ||
      !tensorType(yield.getValues().front()).getElementType().isInteger(1))
    return emitOpError("the cond region must yield one rank-0 i1");
  return success();
}

LogicalResult IfOp::verify() {
  if (!isScalar(getCondition()))
    return emitOpError("the condition must be a rank-0 i1");
  TypeRange types = getValues().getTypes();
  for (auto [region, name] :
       {std::pair<Region *, StringRef>{&getThenBranch(), "then"}, {&getElseBranch(), "else"}})
    if (failed(checkArguments(*this, *region, name, types)) ||
        failed(checkYield(*this, *region, name, getOutputs().getTypes())))
      return failure();
  return success();
}

LogicalResult CaseOp::verify() {
  if (!isScalar(getIndex()))
    return emitOpError("the index must be a rank-0 i32");
  if (getBranches().empty())
    return emitOpError("needs at least one branch");
  TypeRange types = getValues().getTypes();
  for (Region &region : getBranches())
    if (failed(checkArguments(*this, region, "branch", types)) ||
        failed(checkYield(*this, region, "branch", getOutputs().getTypes())))
      return failure();
  return success();
}
