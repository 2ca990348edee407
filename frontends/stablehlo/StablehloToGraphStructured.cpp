//===- StablehloToGraphStructured.cpp - StableHLO ops with regions to graph -===//
//
// Reductions, windows, scatter/gather, sort and top_k, dot_general and
// convolution, and control flow. Common reductions (a single add, multiply,
// maximum or minimum from its identity) become the graph's own reduce ops,
// which fusion and vectorization know; everything else keeps its region.
// dot_general becomes (batched) matmuls and convolution the graph's conv, so
// vendor libraries serve them where they can.
//
//===----------------------------------------------------------------------===//
#include "frontends/stablehlo/StablehloConverter.h"
#include "frontends/stablehlo/StablehloOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Transforms/RegionUtils.h"

#include <cstdint>

using namespace mlir;
using namespace smelt;
using namespace smelt::stablehlo_frontend;

namespace {

/// Rank-0 tensor types of the element types of `values`.
SmallVector<Type> scalarTypes(ValueRange values) {
  SmallVector<Type> types;
  for (Value value : values)
    types.push_back(RankedTensorType::get({}, tensorType(value).getElementType()));
  return types;
}

SmallVector<Type> resultTypesOf(Operation *op) { return SmallVector<Type>(op->getResultTypes()); }

//===----------------------------------------------------------------------===//
// reduce
//===----------------------------------------------------------------------===//

/// The graph reduce op for a body that is one add/multiply/maximum/minimum of
/// its two arguments whose initial value is that op's identity.
std::optional<Value> simpleReduction(OpBuilder &b, Location loc, Region &body, Value input,
                                     Value init, ArrayRef<int64_t> dims, Type resultType) {
  Block &block = body.front();
  if (block.getNumArguments() != 2 || !llvm::hasSingleElement(block.without_terminator()))
    return std::nullopt;
  Operation &combine = block.front();
  Operation *terminator = block.getTerminator();
  if (combine.getNumOperands() != 2 || terminator->getNumOperands() != 1 ||
      terminator->getOperand(0) != combine.getResult(0))
    return std::nullopt;
  bool argumentsInOrder = combine.getOperand(0) == block.getArgument(0) &&
                          combine.getOperand(1) == block.getArgument(1);
  bool argumentsSwapped = combine.getOperand(0) == block.getArgument(1) &&
                          combine.getOperand(1) == block.getArgument(0);
  if (!argumentsInOrder && !argumentsSwapped)
    return std::nullopt;
  DenseElementsAttr initValue = constantValue(init);
  Type element = tensorType(input).getElementType();
  // Complex and other element types take the general reduce.
  if (!initValue || !initValue.isSplat() || element.isInteger(1) ||
      !(isa<FloatType>(element) || isa<IntegerType>(element)))
    return std::nullopt;
  StringRef name = combine.getName().getStringRef();
  auto isFloat = isa<FloatType>(element);
  bool identity = false;
  if (isFloat) {
    APFloat value = initValue.getSplatValue<APFloat>();
    if (name == "stablehlo.add")
      identity = value.isZero();
    else if (name == "stablehlo.multiply")
      identity = value.isExactlyValue(1.0);
    else if (name == "stablehlo.maximum")
      identity = value.isInfinity() && value.isNegative();
    else if (name == "stablehlo.minimum")
      identity = value.isInfinity() && !value.isNegative();
  } else {
    APInt value = initValue.getSplatValue<APInt>();
    bool isUnsigned = element.isUnsignedInteger();
    unsigned width = value.getBitWidth();
    if (name == "stablehlo.add")
      identity = value.isZero();
    else if (name == "stablehlo.multiply")
      identity = value.isOne();
    else if (name == "stablehlo.maximum")
      identity = value == (isUnsigned ? APInt::getMinValue(width) : APInt::getSignedMinValue(width));
    else if (name == "stablehlo.minimum")
      identity = value == (isUnsigned ? APInt::getMaxValue(width) : APInt::getSignedMaxValue(width));
  }
  if (!identity)
    return std::nullopt;
  auto axes = b.getDenseI64ArrayAttr(dims);
  auto keep = b.getBoolAttr(false);
  if (name == "stablehlo.add")
    return graph::ReduceSumOp::create(b, loc, resultType, input, axes, keep).getResult();
  if (name == "stablehlo.multiply")
    return graph::ReduceProdOp::create(b, loc, resultType, input, axes, keep).getResult();
  if (name == "stablehlo.maximum")
    return graph::ReduceMaxOp::create(b, loc, resultType, input, axes, keep).getResult();
  return graph::ReduceMinOp::create(b, loc, resultType, input, axes, keep).getResult();
}

LogicalResult convertReduce(Converter &c, Operation *op) {
  OpBuilder &b = c.builder;
  Location loc = op->getLoc();
  FailureOr<SmallVector<Value>> values = c.operands(op);
  std::optional<SmallVector<int64_t>> dims = integerAttr(op, "dimensions", {});
  if (failed(values))
    return failure();
  if (!dims)
    return op->emitError("reduce needs 'dimensions'");
  llvm::sort(*dims);
  size_t count = values->size() / 2;
  ArrayRef<Value> inputs = ArrayRef<Value>(*values).take_front(count);
  ArrayRef<Value> inits = ArrayRef<Value>(*values).drop_front(count);
  if (count == 1) {
    if (std::optional<Value> simple =
            simpleReduction(b, loc, op->getRegion(0), inputs[0], op->getOperand(1), *dims,
                            op->getResult(0).getType())) {
      c.set(op->getResult(0), *simple);
      return success();
    }
  }
  auto reduce = graph::ReduceOp::create(b, loc, resultTypesOf(op), inputs, inits,
                                        b.getDenseI64ArrayAttr(*dims));
  SmallVector<Type> argumentTypes = scalarTypes(inits);
  argumentTypes.append(scalarTypes(inits));
  if (failed(c.convertRegion(op->getRegion(0), reduce.getBody(), argumentTypes)))
    return failure();
  c.setResults(op, reduce.getResults());
  return success();
}

/// StableHLO's padding attribute ([[low, high], ...]) split in two.
LogicalResult paddingOf(Operation *op, int64_t rank, SmallVectorImpl<int64_t> &low,
                        SmallVectorImpl<int64_t> &high) {
  std::optional<SmallVector<int64_t>> padding =
      integerAttr(op, "padding", SmallVector<int64_t>(2 * rank, 0));
  if (!padding || (int64_t)padding->size() != 2 * rank)
    return op->emitError("malformed 'padding' (expected [[low, high]] per dimension)");
  for (int64_t d = 0; d < rank; ++d) {
    low.push_back((*padding)[2 * d]);
    high.push_back((*padding)[2 * d + 1]);
  }
  return success();
}

LogicalResult convertReduceWindow(Converter &c, Operation *op) {
  OpBuilder &b = c.builder;
  FailureOr<SmallVector<Value>> values = c.operands(op);
  if (failed(values))
    return failure();
  size_t count = values->size() / 2;
  ArrayRef<Value> inputs = ArrayRef<Value>(*values).take_front(count);
  ArrayRef<Value> inits = ArrayRef<Value>(*values).drop_front(count);
  int64_t rank = tensorType(inputs.front()).getRank();
  SmallVector<int64_t> ones(rank, 1);
  std::optional<SmallVector<int64_t>> window = integerAttr(op, "window_dimensions", {}),
                                      strides = integerAttr(op, "window_strides", ones),
                                      baseDilations = integerAttr(op, "base_dilations", ones),
                                      windowDilations = integerAttr(op, "window_dilations", ones);
  SmallVector<int64_t> low, high;
  if (!window || !strides || !baseDilations || !windowDilations)
    return op->emitError("malformed reduce_window attributes");
  if (failed(paddingOf(op, rank, low, high)))
    return failure();
  auto reduce = graph::ReduceWindowOp::create(
      b, op->getLoc(), resultTypesOf(op), inputs, inits, b.getDenseI64ArrayAttr(*window),
      b.getDenseI64ArrayAttr(*strides), b.getDenseI64ArrayAttr(*baseDilations),
      b.getDenseI64ArrayAttr(*windowDilations), b.getDenseI64ArrayAttr(low),
      b.getDenseI64ArrayAttr(high));
  SmallVector<Type> argumentTypes = scalarTypes(inits);
  argumentTypes.append(scalarTypes(inits));
  if (failed(c.convertRegion(op->getRegion(0), reduce.getBody(), argumentTypes)))
    return failure();
  c.setResults(op, reduce.getResults());
  return success();
}

LogicalResult convertSelectAndScatter(Converter &c, Operation *op) {
  OpBuilder &b = c.builder;
  FailureOr<SmallVector<Value>> values = c.operands(op);
  if (failed(values))
    return failure();
  int64_t rank = tensorType((*values)[0]).getRank();
  std::optional<SmallVector<int64_t>> window = integerAttr(op, "window_dimensions", {}),
                                      strides = integerAttr(op, "window_strides",
                                                            SmallVector<int64_t>(rank, 1));
  SmallVector<int64_t> low, high;
  if (!window || !strides)
    return op->emitError("malformed select_and_scatter attributes");
  if (failed(paddingOf(op, rank, low, high)))
    return failure();
  auto select = graph::SelectAndScatterOp::create(
      b, op->getLoc(), op->getResult(0).getType(), (*values)[0], (*values)[1], (*values)[2],
      b.getDenseI64ArrayAttr(*window), b.getDenseI64ArrayAttr(*strides),
      b.getDenseI64ArrayAttr(low), b.getDenseI64ArrayAttr(high));
  SmallVector<Type> operandScalar = scalarTypes((*values)[0]);
  SmallVector<Type> sourceScalar = scalarTypes((*values)[1]);
  if (failed(c.convertRegion(op->getRegion(0), select.getSelect(),
                             {operandScalar[0], operandScalar[0]})) ||
      failed(c.convertRegion(op->getRegion(1), select.getScatter(),
                             {sourceScalar[0], sourceScalar[0]})))
    return failure();
  c.set(op->getResult(0), select.getOutput());
  return success();
}

//===----------------------------------------------------------------------===//
// scatter, gather
//===----------------------------------------------------------------------===//

DictionaryAttr dimensionNumbers(Operation *op, StringRef name) {
  return dyn_cast_or_null<DictionaryAttr>(op->getAttr(name));
}

LogicalResult convertScatter(Converter &c, Operation *op) {
  OpBuilder &b = c.builder;
  FailureOr<SmallVector<Value>> values = c.operands(op);
  if (failed(values))
    return failure();
  DictionaryAttr numbers = dimensionNumbers(op, "scatter_dimension_numbers");
  if (!numbers)
    return op->emitError("scatter needs scatter_dimension_numbers");
  size_t count = (values->size() - 1) / 2;
  ArrayRef<Value> all(*values);
  auto scatter = graph::ScatterSlicesOp::create(
      b, op->getLoc(), resultTypesOf(op), all.take_front(count), all[count],
      all.drop_front(count + 1),
      b.getDenseI64ArrayAttr(listField(numbers, "update_window_dims")),
      b.getDenseI64ArrayAttr(listField(numbers, "inserted_window_dims")),
      b.getDenseI64ArrayAttr(listField(numbers, "input_batching_dims")),
      b.getDenseI64ArrayAttr(listField(numbers, "scatter_indices_batching_dims")),
      b.getDenseI64ArrayAttr(listField(numbers, "scatter_dims_to_operand_dims")),
      b.getI64IntegerAttr(integerField(numbers, "index_vector_dim")));
  SmallVector<Type> argumentTypes = scalarTypes(all.take_front(count));
  argumentTypes.append(scalarTypes(all.drop_front(count + 1)));
  if (failed(c.convertRegion(op->getRegion(0), scatter.getBody(), argumentTypes)))
    return failure();
  c.setResults(op, scatter.getResults());
  return success();
}

LogicalResult convertGather(Converter &c, Operation *op) {
  OpBuilder &b = c.builder;
  Location loc = op->getLoc();
  Value input = c.get(op->getOperand(0), op), indices = c.get(op->getOperand(1), op);
  if (!input || !indices)
    return failure();
  DictionaryAttr numbers = dimensionNumbers(op, "dimension_numbers");
  std::optional<SmallVector<int64_t>> sizes;
  if (op->getName().getStringRef() == "stablehlo.dynamic_gather") {
    DenseElementsAttr value = constantValue(op->getOperand(2));
    if (!value)
      return op->emitError("dynamic_gather's slice sizes must be a constant");
    sizes = integersOf(value);
  } else {
    sizes = integerAttr(op, "slice_sizes", {});
  }
  if (!numbers || !sizes)
    return op->emitError("gather needs dimension_numbers and slice_sizes");
  Value result = graph::GatherSlicesOp::create(
      b, loc, op->getResult(0).getType(), input, indices,
      b.getDenseI64ArrayAttr(listField(numbers, "offset_dims")),
      b.getDenseI64ArrayAttr(listField(numbers, "collapsed_slice_dims")),
      b.getDenseI64ArrayAttr(listField(numbers, "operand_batching_dims")),
      b.getDenseI64ArrayAttr(listField(numbers, "start_indices_batching_dims")),
      b.getDenseI64ArrayAttr(listField(numbers, "start_index_map")),
      b.getI64IntegerAttr(integerField(numbers, "index_vector_dim")),
      b.getDenseI64ArrayAttr(*sizes));
  c.set(op->getResult(0), result);
  return success();
}

//===----------------------------------------------------------------------===//
// sort, top_k, map
//===----------------------------------------------------------------------===//

LogicalResult convertSort(Converter &c, Operation *op) {
  OpBuilder &b = c.builder;
  FailureOr<SmallVector<Value>> values = c.operands(op);
  if (failed(values))
    return failure();
  int64_t rank = tensorType(values->front()).getRank();
  std::optional<SmallVector<int64_t>> dimension = integerAttr(op, "dimension", {-1});
  if (!dimension || dimension->size() != 1)
    return op->emitError("malformed sort 'dimension'");
  int64_t dim = dimension->front() < 0 ? dimension->front() + rank : dimension->front();
  auto sort = graph::SortOp::create(b, op->getLoc(), resultTypesOf(op), *values,
                                    b.getI64IntegerAttr(std::max<int64_t>(dim, 0)));
  SmallVector<Type> argumentTypes;
  for (Type type : scalarTypes(*values))
    argumentTypes.append({type, type});
  if (failed(c.convertRegion(op->getRegion(0), sort.getComparator(), argumentTypes)))
    return failure();
  c.setResults(op, sort.getResults());
  return success();
}

/// top_k: a stable sort of (values, their indices) along the last dim,
/// larger values first (floats in total order, NaN largest), then the first k.
LogicalResult convertTopK(Converter &c, Operation *op) {
  OpBuilder &b = c.builder;
  Location loc = op->getLoc();
  Value input = c.get(op->getOperand(0), op);
  auto k = dyn_cast_or_null<IntegerAttr>(op->getAttr("k"));
  if (!input)
    return failure();
  RankedTensorType type = tensorType(input);
  int64_t rank = type.getRank();
  if (!k || rank == 0 || k.getInt() < 0 || k.getInt() > type.getDimSize(rank - 1))
    return op->emitError("top_k needs 0 <= k <= the last dimension's size");
  auto indexType = cast<RankedTensorType>(op->getResult(1).getType()).getElementType();
  Value indices = graph::IotaOp::create(b, loc, type.clone(indexType), rank - 1);
  auto sort = graph::SortOp::create(b, loc, TypeRange{type, type.clone(indexType)},
                                    ValueRange{input, indices}, b.getI64IntegerAttr(rank - 1));
  {
    OpBuilder::InsertionGuard guard(b);
    Type scalar = RankedTensorType::get({}, type.getElementType());
    Type indexScalar = RankedTensorType::get({}, indexType);
    Block *block = b.createBlock(&sort.getComparator(), {}, {scalar, scalar, indexScalar, indexScalar},
                                 SmallVector<Location>(4, loc));
    Value first = block->getArgument(0), second = block->getArgument(1);
    if (isa<FloatType>(type.getElementType())) {
      first = totalOrderKey(b, loc, first);
      second = totalOrderKey(b, loc, second);
    }
    Value greater = graph::GreaterOp::create(b, loc, first, second);
    graph::YieldOp::create(b, loc, greater);
  }
  SmallVector<int64_t> starts(rank, 0), limits(type.getShape()), strides(rank, 1);
  limits[rank - 1] = k.getInt();
  for (unsigned i = 0; i < 2; ++i) {
    Value sliced = graph::SliceOp::create(b, loc, sort.getResult(i), b.getDenseI64ArrayAttr(starts),
                                          b.getDenseI64ArrayAttr(limits),
                                          b.getDenseI64ArrayAttr(strides));
    c.set(op->getResult(i), sliced);
  }
  return success();
}

/// map applies its scalar computation elementwise: the same ops on the whole
/// tensors (the computation is elementwise ops and constants, which
/// broadcast).
LogicalResult convertMap(Converter &c, Operation *op) {
  FailureOr<SmallVector<Value>> values = c.operands(op);
  if (failed(values))
    return failure();
  Block &block = op->getRegion(0).front();
  for (Operation &inner : block.without_terminator())
    if (inner.getNumRegions() != 0 ||
        llvm::any_of(inner.getResultTypes(), [](Type type) {
          return cast<RankedTensorType>(type).getRank() != 0;
        }))
      return op->emitError("map computations must be scalar elementwise ops");
  SmallVector<Value> returned;
  if (failed(c.convertBlock(block, *values, returned)))
    return failure();
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  Value result = returned.front();
  if (tensorType(result).getShape() != resultType.getShape())
    result = graph::BroadcastOp::create(c.builder, op->getLoc(), resultType, result);
  c.set(op->getResult(0), result);
  return success();
}

//===----------------------------------------------------------------------===//
// dot_general, convolution, triangular_solve
//===----------------------------------------------------------------------===//

/// The type a contraction computes in: the result's, but f32 for f16/bf16
/// (the accumulation is what loses precision).
Type computeType(OpBuilder &b, Type resultElement) {
  if (resultElement.isF16() || resultElement.isBF16())
    return b.getF32Type();
  return resultElement;
}

int64_t product(ArrayRef<int64_t> sizes) {
  int64_t result = 1;
  for (int64_t size : sizes)
    result *= size;
  return result;
}

/// dot_general as one batched matmul: each operand transposed to
/// [batch, free, contracting] / [batch, contracting, free] and flattened.
LogicalResult convertDotGeneral(Converter &c, Operation *op) {
  OpBuilder &b = c.builder;
  Location loc = op->getLoc();
  Value lhs = c.get(op->getOperand(0), op), rhs = c.get(op->getOperand(1), op);
  if (!lhs || !rhs)
    return failure();
  SmallVector<int64_t> lhsBatch, rhsBatch, lhsContract, rhsContract;
  if (op->getName().getStringRef() == "stablehlo.dot") {
    int64_t lhsRank = tensorType(lhs).getRank();
    if (lhsRank < 1 || lhsRank > 2 || tensorType(rhs).getRank() < 1 || tensorType(rhs).getRank() > 2)
      return op->emitError("dot takes vectors and matrices");
    lhsContract = {lhsRank - 1};
    rhsContract = {0};
  } else {
    DictionaryAttr numbers = dimensionNumbers(op, "dot_dimension_numbers");
    if (!numbers)
      return op->emitError("dot_general needs dot_dimension_numbers");
    lhsBatch = listField(numbers, "lhs_batching_dimensions");
    rhsBatch = listField(numbers, "rhs_batching_dimensions");
    lhsContract = listField(numbers, "lhs_contracting_dimensions");
    rhsContract = listField(numbers, "rhs_contracting_dimensions");
  }
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  Type element = resultType.getElementType();
  if (element.isInteger(1))
    return op->emitError("unsupported dot_general of booleans");
  Type compute = computeType(b, element);
  RankedTensorType lhsType = tensorType(lhs), rhsType = tensorType(rhs);
  auto freeDims = [](int64_t rank, ArrayRef<int64_t> batch, ArrayRef<int64_t> contract) {
    SmallVector<int64_t> dims;
    for (int64_t d = 0; d < rank; ++d)
      if (!llvm::is_contained(batch, d) && !llvm::is_contained(contract, d))
        dims.push_back(d);
    return dims;
  };
  SmallVector<int64_t> lhsFree = freeDims(lhsType.getRank(), lhsBatch, lhsContract);
  SmallVector<int64_t> rhsFree = freeDims(rhsType.getRank(), rhsBatch, rhsContract);
  auto sizes = [](RankedTensorType type, ArrayRef<int64_t> dims) {
    SmallVector<int64_t> result;
    for (int64_t d : dims)
      result.push_back(type.getDimSize(d));
    return result;
  };
  // The dimension numbers must name distinct dims of each operand, and
  // batch dims must agree.
  auto validDims = [](RankedTensorType type, ArrayRef<int64_t> first, ArrayRef<int64_t> second) {
    SmallVector<bool> seen(type.getRank(), false);
    for (ArrayRef<int64_t> dims : {first, second})
      for (int64_t d : dims) {
        if (d < 0 || d >= type.getRank() || seen[d])
          return false;
        seen[d] = true;
      }
    return true;
  };
  if (!validDims(lhsType, lhsBatch, lhsContract) || !validDims(rhsType, rhsBatch, rhsContract) ||
      lhsBatch.size() != rhsBatch.size() || lhsContract.size() != rhsContract.size() ||
      sizes(lhsType, lhsBatch) != sizes(rhsType, rhsBatch) ||
      sizes(lhsType, lhsContract) != sizes(rhsType, rhsContract))
    return op->emitError("dot_general dimension numbers do not match the operands ")
           << lhsType << " and " << rhsType;
  int64_t batch = product(sizes(lhsType, lhsBatch));
  int64_t m = product(sizes(lhsType, lhsFree)), k = product(sizes(lhsType, lhsContract));
  int64_t n = product(sizes(rhsType, rhsFree));
  if (k != product(sizes(rhsType, rhsContract)))
    return op->emitError("dot_general contracting dims of different sizes");
  SmallVector<int64_t> lhsOrder(lhsBatch), rhsOrder(rhsBatch);
  lhsOrder.append(lhsFree);
  lhsOrder.append(lhsContract);
  rhsOrder.append(rhsContract);
  rhsOrder.append(rhsFree);
  Value left = reshapeTo(b, loc, transposeTo(b, loc, castTo(b, loc, lhs, compute), lhsOrder),
                         {batch, m, k});
  Value right = reshapeTo(b, loc, transposeTo(b, loc, castTo(b, loc, rhs, compute), rhsOrder),
                          {batch, k, n});
  Value product = graph::MatMulOp::create(b, loc, left, right);
  Value result = reshapeTo(b, loc, product, resultType.getShape());
  c.set(op->getResult(0), castTo(b, loc, result, element));
  return success();
}

/// convolution as the graph's channels-first conv: operands transposed to
/// [N, C, spatial] / [O, I, spatial], input dilation and negative padding
/// done by graph.pad, the result transposed to the requested layout.
LogicalResult convertConvolution(Converter &c, Operation *op) {
  OpBuilder &b = c.builder;
  Location loc = op->getLoc();
  Value lhs = c.get(op->getOperand(0), op), rhs = c.get(op->getOperand(1), op);
  if (!lhs || !rhs)
    return failure();
  DictionaryAttr numbers = dimensionNumbers(op, "dimension_numbers");
  if (!numbers)
    return op->emitError("convolution needs dimension_numbers");
  SmallVector<int64_t> inputSpatial = listField(numbers, "input_spatial_dimensions");
  SmallVector<int64_t> kernelSpatial = listField(numbers, "kernel_spatial_dimensions");
  SmallVector<int64_t> outputSpatial = listField(numbers, "output_spatial_dimensions");
  int64_t spatial = inputSpatial.size();
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if ((int64_t)kernelSpatial.size() != spatial || (int64_t)outputSpatial.size() != spatial)
    return op->emitError("convolution dimension numbers disagree on the spatial rank");
  auto integer = [&](StringRef name) -> int64_t {
    auto value = dyn_cast_or_null<IntegerAttr>(op->getAttr(name));
    return value ? value.getInt() : 1;
  };
  int64_t featureGroups = integer("feature_group_count");
  int64_t batchGroups = integer("batch_group_count");
  SmallVector<int64_t> ones(spatial, 1);
  std::optional<SmallVector<int64_t>> strides = integerAttr(op, "window_strides", ones),
                                      lhsDilation = integerAttr(op, "lhs_dilation", ones),
                                      rhsDilation = integerAttr(op, "rhs_dilation", ones);
  std::optional<SmallVector<int64_t>> reversal =
      integerAttr(op, "window_reversal", SmallVector<int64_t>(spatial, 0));
  if (auto flags = dyn_cast_or_null<DenseBoolArrayAttr>(op->getAttr("window_reversal"))) {
    reversal = SmallVector<int64_t>();
    for (bool flag : flags.asArrayRef())
      reversal->push_back(flag);
  }
  SmallVector<int64_t> low, high;
  if (!strides || !lhsDilation || !rhsDilation || !reversal)
    return op->emitError("malformed convolution window attributes");
  for (ArrayRef<int64_t> values : {ArrayRef<int64_t>(*strides), ArrayRef<int64_t>(*lhsDilation),
                                   ArrayRef<int64_t>(*rhsDilation)})
    if (llvm::any_of(values, [](int64_t v) { return v < 1 || v > INT32_MAX; }))
      return op->emitError("convolution strides and dilations must be positive (and below 2^31)");
  if (op->getName().getStringRef() == "stablehlo.dynamic_conv") {
    // The padding is the third operand, [[low, high], ...], a constant.
    DenseElementsAttr padding = constantValue(op->getOperand(2));
    std::optional<SmallVector<int64_t>> values =
        padding ? integersOf(padding) : std::optional<SmallVector<int64_t>>();
    if (!values || (int64_t)values->size() != 2 * spatial)
      return op->emitError("dynamic_conv's padding must be a constant [[low, high], ...]");
    for (int64_t d = 0; d < spatial; ++d) {
      low.push_back((*values)[2 * d]);
      high.push_back((*values)[2 * d + 1]);
    }
  } else if (failed(paddingOf(op, spatial, low, high))) {
    return failure();
  }
  Type element = resultType.getElementType();
  if (element.isInteger(1))
    return op->emitError("unsupported convolution of booleans");
  {
    RankedTensorType lhsType = tensorType(lhs), rhsType = tensorType(rhs);
    int64_t rank = lhsType.getRank();
    auto inRange = [](ArrayRef<int64_t> dims, int64_t rank) {
      SmallVector<bool> seen(rank, false);
      for (int64_t d : dims) {
        if (d < 0 || d >= rank || seen[d])
          return false;
        seen[d] = true;
      }
      return true;
    };
    SmallVector<int64_t> inputDims = {integerField(numbers, "input_batch_dimension"),
                                      integerField(numbers, "input_feature_dimension")};
    inputDims.append(inputSpatial);
    SmallVector<int64_t> kernelDims = {integerField(numbers, "kernel_output_feature_dimension"),
                                       integerField(numbers, "kernel_input_feature_dimension")};
    kernelDims.append(kernelSpatial);
    SmallVector<int64_t> outputDims = {integerField(numbers, "output_batch_dimension"),
                                       integerField(numbers, "output_feature_dimension")};
    outputDims.append(outputSpatial);
    if (rank != 2 + spatial || rhsType.getRank() != rank || resultType.getRank() != rank ||
        !inRange(inputDims, rank) || !inRange(kernelDims, rank) ||
        !inRange(outputDims, rank) || featureGroups < 1 ||
        batchGroups < 1 || (batchGroups > 1 && featureGroups > 1) ||
        lhsType.getDimSize(inputDims[0]) % batchGroups != 0 ||
        rhsType.getDimSize(kernelDims[0]) % batchGroups != 0 ||
        lhsType.getDimSize(inputDims[1]) !=
            rhsType.getDimSize(kernelDims[1]) * featureGroups ||
        rhsType.getDimSize(kernelDims[0]) % featureGroups != 0 ||
        (int64_t)strides->size() != spatial || (int64_t)lhsDilation->size() != spatial ||
        (int64_t)rhsDilation->size() != spatial || (int64_t)reversal->size() != spatial)
      return op->emitError("convolution operands ")
             << lhsType << " and " << rhsType << " do not match its dimension numbers";
  }
  Type compute = computeType(b, element);

  SmallVector<int64_t> inputOrder = {integerField(numbers, "input_batch_dimension"),
                                     integerField(numbers, "input_feature_dimension")};
  inputOrder.append(inputSpatial);
  SmallVector<int64_t> kernelOrder = {integerField(numbers, "kernel_output_feature_dimension"),
                                      integerField(numbers, "kernel_input_feature_dimension")};
  kernelOrder.append(kernelSpatial);
  Value input = transposeTo(b, loc, castTo(b, loc, lhs, compute), inputOrder);
  Value weight = transposeTo(b, loc, castTo(b, loc, rhs, compute), kernelOrder);
  SmallVector<int64_t> reversed;
  for (int64_t d = 0; d < spatial; ++d)
    if ((*reversal)[d])
      reversed.push_back(2 + d);
  if (!reversed.empty())
    weight = graph::ReverseOp::create(b, loc, weight, b.getDenseI64ArrayAttr(reversed));

  bool dilated = llvm::any_of(*lhsDilation, [](int64_t d) { return d != 1; });
  bool negative = llvm::any_of(low, [](int64_t p) { return p < 0; }) ||
                  llvm::any_of(high, [](int64_t p) { return p < 0; });
  SmallVector<int64_t> pads(low);
  pads.append(high);
  if (dilated || negative) {
    RankedTensorType inputType = tensorType(input);
    SmallVector<int64_t> padLow = {0, 0}, padHigh = {0, 0}, interior = {0, 0};
    SmallVector<int64_t> shape = {inputType.getDimSize(0), inputType.getDimSize(1)};
    for (int64_t d = 0; d < spatial; ++d) {
      int64_t size = inputType.getDimSize(2 + d);
      padLow.push_back(low[d]);
      padHigh.push_back(high[d]);
      interior.push_back((*lhsDilation)[d] - 1);
      shape.push_back(low[d] + high[d] + (size == 0 ? 0 : size + (size - 1) * interior.back()));
    }
    input = graph::PadOp::create(b, loc, inputType.clone(shape), input, splat(b, loc, compute, 0),
                                 b.getDenseI64ArrayAttr(padLow), b.getDenseI64ArrayAttr(padHigh),
                                 b.getDenseI64ArrayAttr(interior));
    pads.assign(2 * spatial, 0);
  }
  auto convolve = [&](Value in, Value w) -> Value {
    return graph::ConvOp::create(b, loc, in, w, Value(), b.getDenseI64ArrayAttr(*strides),
                                 b.getDenseI64ArrayAttr(*rhsDilation),
                                 b.getDenseI64ArrayAttr(pads),
                                 b.getI64IntegerAttr(featureGroups));
  };
  // Batch groups: group g of the batch convolves with group g of the output
  // features; the groups' results side by side along the features.
  auto sliceDim = [&](Value value, int64_t dim, int64_t group, int64_t groups) -> Value {
    RankedTensorType type = tensorType(value);
    int64_t size = type.getDimSize(dim) / groups;
    SmallVector<int64_t> starts(type.getRank(), 0), limits(type.getShape()),
        steps(type.getRank(), 1);
    starts[dim] = group * size;
    limits[dim] = (group + 1) * size;
    return graph::SliceOp::create(b, loc, value, b.getDenseI64ArrayAttr(starts),
                                  b.getDenseI64ArrayAttr(limits), b.getDenseI64ArrayAttr(steps));
  };
  Value convolved;
  if (batchGroups == 1) {
    convolved = convolve(input, weight);
  } else {
    SmallVector<Value> parts;
    for (int64_t g = 0; g < batchGroups; ++g)
      parts.push_back(convolve(sliceDim(input, 0, g, batchGroups),
                               sliceDim(weight, 0, g, batchGroups)));
    convolved = graph::ConcatOp::create(b, loc, parts, b.getI64IntegerAttr(1));
  }
  // Result dim d of the requested layout is conv result dim perm[d].
  int64_t rank = resultType.getRank();
  SmallVector<int64_t> perm(rank);
  perm[integerField(numbers, "output_batch_dimension")] = 0;
  perm[integerField(numbers, "output_feature_dimension")] = 1;
  for (int64_t d = 0; d < spatial; ++d)
    perm[outputSpatial[d]] = 2 + d;
  Value result = castTo(b, loc, transposeTo(b, loc, convolved, perm), element);
  if (tensorType(result).getShape() != resultType.getShape())
    return op->emitError("convolution result shape ")
           << tensorType(result) << " differs from the declared " << resultType;
  c.set(op->getResult(0), result);
  return success();
}

LogicalResult convertTriangularSolve(Converter &c, Operation *op) {
  OpBuilder &b = c.builder;
  Value a = c.get(op->getOperand(0), op), rhs = c.get(op->getOperand(1), op);
  if (!a || !rhs)
    return failure();
  auto flag = [&](StringRef name) {
    auto value = dyn_cast_or_null<BoolAttr>(op->getAttr(name));
    return value && value.getValue();
  };
  auto transpose = dyn_cast_or_null<StringAttr>(op->getAttr("transpose_a"));
  Type element = tensorType(a).getElementType();
  if (!isa<FloatType, ComplexType>(element))
    return op->emitError("triangular_solve needs float or complex operands");
  bool transposed = transpose && transpose.getValue() != "NO_TRANSPOSE";
  // The adjoint of a complex matrix is its conjugate transpose.
  if (auto complex = dyn_cast<ComplexType>(element);
      complex && transpose && transpose.getValue() == "ADJOINT") {
    auto partType = tensorType(a).clone(complex.getElementType());
    Value real = graph::RealOp::create(b, op->getLoc(), partType, a);
    Value imaginary = graph::NegOp::create(
        b, op->getLoc(), graph::ImagOp::create(b, op->getLoc(), partType, a));
    a = graph::ComplexOp::create(b, op->getLoc(), a.getType(), real, imaginary);
  }
  Value result = graph::TriangularSolveOp::create(
      b, op->getLoc(), op->getResult(0).getType(), a, rhs, b.getBoolAttr(flag("left_side")),
      b.getBoolAttr(flag("lower")), b.getBoolAttr(flag("unit_diagonal")),
      b.getBoolAttr(transposed));
  c.set(op->getResult(0), result);
  return success();
}

//===----------------------------------------------------------------------===//
// Control flow
//===----------------------------------------------------------------------===//

/// Values the regions of `op` use but do not define (StableHLO regions may
/// capture them; graph control flow takes them as operands).
SmallVector<Value> capturedValues(Operation *op) {
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(op->getRegions(), captured);
  return SmallVector<Value>(captured.begin(), captured.end());
}

/// The graph values of `leading` (the op's own loop values, if any) and of
/// the values its regions capture, with their types.
struct RegionOperands {
  SmallVector<Value> captured, values;
  SmallVector<Type> types;
};
FailureOr<RegionOperands> regionOperands(Converter &c, Operation *op, ValueRange leading) {
  RegionOperands operands;
  operands.captured = capturedValues(op);
  SmallVector<Value> all(leading.begin(), leading.end());
  all.append(operands.captured);
  for (Value value : all) {
    Value mapped = c.get(value, op);
    if (!mapped)
      return failure();
    operands.values.push_back(mapped);
    operands.types.push_back(mapped.getType());
  }
  return operands;
}

LogicalResult convertWhile(Converter &c, Operation *op) {
  FailureOr<RegionOperands> operands = regionOperands(c, op, op->getOperands());
  if (failed(operands))
    return failure();
  auto loop = graph::WhileOp::create(c.builder, op->getLoc(), operands->types, operands->values);
  // Captured values ride along as loop values the body yields unchanged.
  ArrayRef<Value> captured = operands->captured;
  if (failed(c.convertRegion(op->getRegion(0), loop.getCond(), operands->types, captured)) ||
      failed(c.convertRegion(op->getRegion(1), loop.getBody(), operands->types, captured,
                             captured)))
    return failure();
  c.setResults(op, loop.getResults().take_front(op->getNumResults()));
  return success();
}

/// if and case: the predicate or index, then the captured values, which
/// every branch takes as arguments.
LogicalResult convertBranches(Converter &c, Operation *op) {
  Value selector = c.get(op->getOperand(0), op);
  FailureOr<RegionOperands> operands = regionOperands(c, op, {});
  if (!selector || failed(operands))
    return failure();
  Location loc = op->getLoc();
  Operation *branches;
  if (op->getName().getStringRef() == "stablehlo.if")
    branches = graph::IfOp::create(c.builder, loc, resultTypesOf(op), selector, operands->values);
  else
    branches = graph::CaseOp::create(c.builder, loc, resultTypesOf(op), selector,
                                     operands->values, op->getNumRegions());
  for (auto [from, to] : llvm::zip(op->getRegions(), branches->getRegions()))
    if (failed(c.convertRegion(from, to, operands->types, operands->captured)))
      return failure();
  c.setResults(op, branches->getResults());
  return success();
}

} // namespace

std::optional<LogicalResult> smelt::stablehlo_frontend::convertStructured(Converter &c,
                                                                          Operation *op) {
  StringRef name = op->getName().getStringRef();
  if (name == "stablehlo.reduce")
    return convertReduce(c, op);
  if (name == "stablehlo.reduce_window")
    return convertReduceWindow(c, op);
  if (name == "stablehlo.select_and_scatter")
    return convertSelectAndScatter(c, op);
  if (name == "stablehlo.scatter")
    return convertScatter(c, op);
  if (name == "stablehlo.gather" || name == "stablehlo.dynamic_gather")
    return convertGather(c, op);
  if (name == "stablehlo.sort")
    return convertSort(c, op);
  if (name == "chlo.top_k")
    return convertTopK(c, op);
  if (name == "stablehlo.map")
    return convertMap(c, op);
  return std::nullopt;
}

std::optional<LogicalResult> smelt::stablehlo_frontend::convertLinearAlgebra(Converter &c,
                                                                             Operation *op) {
  StringRef name = op->getName().getStringRef();
  if (name == "stablehlo.dot_general" || name == "stablehlo.dot")
    return convertDotGeneral(c, op);
  if (name == "stablehlo.convolution" || name == "stablehlo.dynamic_conv")
    return convertConvolution(c, op);
  if (name == "stablehlo.triangular_solve")
    return convertTriangularSolve(c, op);
  return std::nullopt;
}

std::optional<LogicalResult> smelt::stablehlo_frontend::convertControlFlow(Converter &c,
                                                                           Operation *op) {
  StringRef name = op->getName().getStringRef();
  if (name == "stablehlo.while")
    return convertWhile(c, op);
  if (name == "stablehlo.if" || name == "stablehlo.case")
    return convertBranches(c, op);
  return std::nullopt;
}
