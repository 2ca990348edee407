//===- GraphToLinalgStructured.cpp - General graph ops to linalg/scf -------===//
//
// The lowerings of the graph ops with StableHLO's general semantics whose
// every output element is independent (reduce, reduce_window, gather, pad,
// iota, reverse, dynamic slices): linalg, so kernel scheduling tiles them
// like any other kernel. The ops whose elements depend on each other in order
// are in GraphToLinalgSequential.cpp. Also: combiner and control-flow regions,
// and the shared helpers (StructuredLowering.h).
//
//===----------------------------------------------------------------------===//
#include "passes/StructuredLowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace smelt;
using namespace smelt::graph;
using namespace smelt::lowering;
using namespace smelt::lowering::structured;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

namespace smelt::lowering::structured {

RankedTensorType tensorTypeOf(Value value) { return cast<RankedTensorType>(value.getType()); }

RankedTensorType signlessResultType(Value result) {
  return cast<RankedTensorType>(toSignless(result.getType()));
}

Value constantIndex(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// The element of a rank-0 tensor.
Value scalarOf(OpBuilder &b, Location loc, Value rank0) {
  return tensor::ExtractOp::create(b, loc, rank0, ValueRange{});
}

/// An integer scalar (signed unless `isUnsigned`) as an index.
Value toIndex(OpBuilder &b, Location loc, Value scalar, bool isUnsigned) {
  if (scalar.getType().isIndex())
    return scalar;
  if (isUnsigned)
    return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), scalar);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), scalar);
}

Value clampIndex(OpBuilder &b, Location loc, Value index, int64_t low, int64_t high) {
  Value raised = arith::MaxSIOp::create(b, loc, index, constantIndex(b, loc, low));
  return arith::MinSIOp::create(b, loc, raised, constantIndex(b, loc, high));
}

Value allTrue(OpBuilder &b, Location loc, ArrayRef<Value> conditions) {
  Value result = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
  for (Value condition : conditions)
    result = arith::AndIOp::create(b, loc, result, condition);
  return result;
}

Value compareIndex(OpBuilder &b, Location loc, arith::CmpIPredicate predicate, Value lhs,
                   Value rhs) {
  return arith::CmpIOp::create(b, loc, predicate, lhs, rhs);
}

bool isUnsignedElement(Value value) {
  return isUnsignedInteger(cast<ShapedType>(value.getType()).getElementType());
}

/// A loop nest over `shape` (row-major) carrying `iterArgs`; `body` returns
/// the next values.
Values loopNest(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, ValueRange iterArgs,
                function_ref<Values(OpBuilder &, Location, ValueRange, ValueRange)> body) {
  if (shape.empty()) {
    return body(b, loc, ValueRange{}, iterArgs);
  }
  SmallVector<Value> lower, upper, steps;
  for (int64_t size : shape) {
    lower.push_back(constantIndex(b, loc, 0));
    upper.push_back(constantIndex(b, loc, size));
    steps.push_back(constantIndex(b, loc, 1));
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lower, upper, steps, iterArgs,
      [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange args) -> scf::ValueVector {
        Values next = body(nb, l, ivs, args);
        return scf::ValueVector(next.begin(), next.end());
      });
  return Values(nest.results.begin(), nest.results.end());
}

Values Combiner::apply(OpBuilder &b, Location loc, ValueRange scalars) {
  FailureOr<Values> results = lowerCombiner(b, loc, region, scalars);
  if (mlir::failed(results)) {
    failed = true;
    // Placeholders of the right types keep the IR well formed until the
    // caller gives up.
    Values placeholders;
    for (Type type : region.front().getTerminator()->getOperandTypes())
      placeholders.push_back(arith::ConstantOp::create(
          b, loc, b.getZeroAttr(toSignless(cast<RankedTensorType>(type).getElementType()))));
    return placeholders;
  }
  return *results;
}

/// The coordinates into a StableHLO index tensor of component `component`
/// for the batch position `batch` (its coordinates in the non-index-vector
/// dims, in order).
SmallVector<Value> indexVectorCoordinates(OpBuilder &b, Location loc, int64_t indicesRank,
                                          int64_t indexVectorDim, ArrayRef<Value> batch,
                                          int64_t component) {
  SmallVector<Value> coordinates;
  size_t next = 0;
  for (int64_t d = 0; d < indicesRank; ++d)
    coordinates.push_back(d == indexVectorDim ? constantIndex(b, loc, component)
                                              : batch[next++]);
  return coordinates;
}

/// The batch coordinate that indices dim `indicesDim` takes (indices dims
/// other than the index vector dim map to `batch` in order).
Value batchCoordinateOf(int64_t indicesDim, int64_t indexVectorDim, ArrayRef<Value> batch) {
  return batch[indicesDim < indexVectorDim ? indicesDim : indicesDim - 1];
}

/// Operand dims that are neither in `first` nor in `second`, ascending.
SmallVector<int64_t> remainingDims(int64_t rank, ArrayRef<int64_t> first,
                                   ArrayRef<int64_t> second) {
  SmallVector<int64_t> dims;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(first, d) && !llvm::is_contained(second, d))
      dims.push_back(d);
  return dims;
}

} // namespace smelt::lowering::structured

namespace {

/// The input coordinate of `position` in an input of `size` elements
/// dilated by `dilation` (dilation - 1 holes between elements), clamped so it
/// can always be read; `conditions` gets what makes it a real element.
Value dilatedSource(OpBuilder &b, Location l, Value position, int64_t dilation, int64_t size,
                    SmallVectorImpl<Value> &conditions) {
  conditions.push_back(
      compareIndex(b, l, arith::CmpIPredicate::sge, position, constantIndex(b, l, 0)));
  Value source = position;
  if (dilation != 1) {
    Value step = constantIndex(b, l, dilation);
    conditions.push_back(compareIndex(b, l, arith::CmpIPredicate::eq,
                                      arith::RemSIOp::create(b, l, position, step),
                                      constantIndex(b, l, 0)));
    source = arith::DivSIOp::create(b, l, position, step);
  }
  conditions.push_back(
      compareIndex(b, l, arith::CmpIPredicate::slt, source, constantIndex(b, l, size)));
  return clampIndex(b, l, source, 0, size - 1);
}

//===----------------------------------------------------------------------===//
// Reductions and windows
//===----------------------------------------------------------------------===//

Lowered lowerReduceRegion(OpBuilder &b, ReduceOp op, ValueRange operands) {
  MLIRContext *context = b.getContext();
  Location loc = op.getLoc();
  size_t count = op.getInputs().size();
  ValueRange inputs = operands.take_front(count), inits = operands.drop_front(count);
  int64_t rank = tensorTypeOf(inputs.front()).getRank();
  ArrayRef<int64_t> reduced = op.getDimensions();
  SmallVector<AffineExpr> keptExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d) {
    bool isReduced = llvm::is_contained(reduced, d);
    iterators.push_back(isReduced ? utils::IteratorType::reduction
                                  : utils::IteratorType::parallel);
    if (!isReduced)
      keptExprs.push_back(getAffineDimExpr(d, context));
  }
  SmallVector<Value> outputs;
  SmallVector<Type> resultTypes;
  for (auto [init, result] : llvm::zip(inits, op.getOutputs())) {
    RankedTensorType type = signlessResultType(result);
    resultTypes.push_back(type);
    outputs.push_back(filledTensor(b, loc, type, scalarOf(b, loc, init)));
  }
  SmallVector<AffineMap> maps(count, AffineMap::getMultiDimIdentityMap(rank, context));
  maps.append(count, AffineMap::get(rank, 0, keptExprs, context));
  Combiner combiner{op.getBody()};
  auto generic = linalg::GenericOp::create(
      b, loc, resultTypes, inputs, outputs, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        // Region arguments: accumulators, then elements.
        Values scalars(args.drop_front(count));
        llvm::append_range(scalars, args.take_front(count));
        linalg::YieldOp::create(nb, l, combiner.apply(nb, l, scalars));
      });
  if (combiner.failed)
    return failure();
  return Values(generic.getResults());
}

Lowered lowerReduceWindow(OpBuilder &b, ReduceWindowOp op, ValueRange operands) {
  MLIRContext *context = b.getContext();
  Location loc = op.getLoc();
  size_t count = op.getInputs().size();
  ValueRange inputs = operands.take_front(count), inits = operands.drop_front(count);
  RankedTensorType inputType = tensorTypeOf(inputs.front());
  int64_t rank = inputType.getRank();
  ArrayRef<int64_t> window = op.getWindowDimensions(), strides = op.getStrides(),
                    baseDilations = op.getBaseDilations(),
                    windowDilations = op.getWindowDilations(), low = op.getPaddingLow();
  // Loops: the output dims (parallel), then the window dims (reduction),
  // whose extent a window-shaped operand gives; its elements are never read.
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators.append(rank, utils::IteratorType::reduction);
  SmallVector<AffineExpr> outputExprs, windowExprs;
  for (int64_t d = 0; d < rank; ++d) {
    outputExprs.push_back(getAffineDimExpr(d, context));
    windowExprs.push_back(getAffineDimExpr(rank + d, context));
  }
  Value windowShape = tensor::EmptyOp::create(b, loc, window, b.getI8Type());
  SmallVector<Value> outputs;
  SmallVector<Type> resultTypes;
  SmallVector<Value> initScalars;
  for (auto [init, result] : llvm::zip(inits, op.getOutputs())) {
    RankedTensorType type = signlessResultType(result);
    resultTypes.push_back(type);
    initScalars.push_back(scalarOf(b, loc, init));
    outputs.push_back(filledTensor(b, loc, type, initScalars.back()));
  }
  SmallVector<AffineMap> maps = {AffineMap::get(2 * rank, 0, windowExprs, context)};
  maps.append(count, AffineMap::get(2 * rank, 0, outputExprs, context));
  bool emptyInput = inputType.getNumElements() == 0;
  Combiner combiner{op.getBody()};
  auto generic = linalg::GenericOp::create(
      b, loc, resultTypes, ValueRange{windowShape}, outputs, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        SmallVector<Value> coordinates, conditions;
        for (int64_t d = 0; d < rank && !emptyInput; ++d) {
          // Position in the dilated, padded input.
          Value outputIndex = linalg::IndexOp::create(nb, l, d);
          Value windowIndex = linalg::IndexOp::create(nb, l, rank + d);
          Value position = arith::AddIOp::create(
              nb, l,
              arith::MulIOp::create(nb, l, outputIndex, constantIndex(nb, l, strides[d])),
              arith::MulIOp::create(nb, l, windowIndex,
                                    constantIndex(nb, l, windowDilations[d])));
          position = arith::SubIOp::create(nb, l, position, constantIndex(nb, l, low[d]));
          coordinates.push_back(dilatedSource(nb, l, position, baseDilations[d],
                                              inputType.getDimSize(d), conditions));
        }
        Values scalars(args.drop_front(1));
        if (emptyInput) {
          llvm::append_range(scalars, initScalars);
        } else {
          Value valid = allTrue(nb, l, conditions);
          for (auto [input, init] : llvm::zip(inputs, initScalars)) {
            Value element = tensor::ExtractOp::create(nb, l, input, coordinates);
            scalars.push_back(arith::SelectOp::create(nb, l, valid, element, init));
          }
        }
        linalg::YieldOp::create(nb, l, combiner.apply(nb, l, scalars));
      });
  if (combiner.failed)
    return failure();
  return Values(generic.getResults());
}

/// Row-major coordinates of linear index `linear` in `shape`.
Value lowerGatherSlices(OpBuilder &b, GatherSlicesOp op, Value input, Value indices) {
  Location loc = op.getLoc();
  RankedTensorType resultType = signlessResultType(op.getOutput());
  RankedTensorType inputType = tensorTypeOf(input);
  int64_t rank = inputType.getRank();
  int64_t indicesRank = tensorTypeOf(indices).getRank();
  int64_t indexVectorDim = op.getIndexVectorDim();
  bool unsignedIndices = isUnsignedElement(op.getIndices());
  ArrayRef<int64_t> offsetDims = op.getOffsetDims(), sliceSizes = op.getSliceSizes();
  SmallVector<int64_t> batchDims;
  for (int64_t d = 0; d < resultType.getRank(); ++d)
    if (!llvm::is_contained(offsetDims, d))
      batchDims.push_back(d);
  SmallVector<int64_t> offsetOperandDims =
      remainingDims(rank, op.getCollapsedSliceDims(), op.getOperandBatchingDims());
  return genericOverResult(
      b, loc, resultType, {}, {}, [&](OpBuilder &nb, Location l, ValueRange) -> Value {
        SmallVector<Value> position;
        for (int64_t d = 0; d < resultType.getRank(); ++d)
          position.push_back(linalg::IndexOp::create(nb, l, d));
        SmallVector<Value> batch;
        for (int64_t d : batchDims)
          batch.push_back(position[d]);
        SmallVector<Value> coordinates(rank, constantIndex(nb, l, 0));
        for (auto [component, operandDim] : llvm::enumerate(op.getStartIndexMap())) {
          Value raw = tensor::ExtractOp::create(
              nb, l, indices,
              indexVectorCoordinates(nb, l, indicesRank, indexVectorDim, batch, component));
          // Clamped so the whole slice lies inside the input.
          coordinates[operandDim] =
              clampIndex(nb, l, toIndex(nb, l, raw, unsignedIndices), 0,
                         inputType.getDimSize(operandDim) - sliceSizes[operandDim]);
        }
        for (auto [operandDim, indicesDim] :
             llvm::zip(op.getOperandBatchingDims(), op.getStartIndicesBatchingDims()))
          coordinates[operandDim] = batchCoordinateOf(indicesDim, indexVectorDim, batch);
        for (auto [operandDim, resultDim] : llvm::zip(offsetOperandDims, offsetDims))
          coordinates[operandDim] =
              arith::AddIOp::create(nb, l, coordinates[operandDim], position[resultDim]);
        return tensor::ExtractOp::create(nb, l, input, coordinates);
      });
}

/// Start indices of a dynamic slice or update: each clamped so that a block
/// of `sizes` fits in `inputType`.
SmallVector<OpFoldResult> clampedStarts(OpBuilder &b, Location loc, ValueRange starts,
                                        ValueRange graphStarts, RankedTensorType inputType,
                                        ArrayRef<int64_t> sizes) {
  SmallVector<OpFoldResult> offsets;
  for (auto [d, start] : llvm::enumerate(starts)) {
    Value index = toIndex(b, loc, scalarOf(b, loc, start), isUnsignedElement(graphStarts[d]));
    offsets.push_back(clampIndex(b, loc, index, 0, inputType.getDimSize(d) - sizes[d]));
  }
  return offsets;
}

Value lowerDynamicSlice(OpBuilder &b, DynamicSliceOp op, ValueRange operands) {
  Location loc = op.getLoc();
  Value input = operands[0];
  RankedTensorType resultType = signlessResultType(op.getOutput());
  SmallVector<OpFoldResult> offsets =
      clampedStarts(b, loc, operands.drop_front(), op.getStarts(), tensorTypeOf(input),
                    resultType.getShape());
  SmallVector<OpFoldResult> sizes, strides(resultType.getRank(), b.getIndexAttr(1));
  for (int64_t size : resultType.getShape())
    sizes.push_back(b.getIndexAttr(size));
  return tensor::ExtractSliceOp::create(b, loc, resultType, input, offsets, sizes, strides);
}

Value lowerDynamicUpdateSlice(OpBuilder &b, DynamicUpdateSliceOp op, ValueRange operands) {
  Location loc = op.getLoc();
  Value input = operands[0], update = operands[1];
  RankedTensorType updateType = tensorTypeOf(update);
  if (updateType.getNumElements() == 0)
    return linalg::CopyOp::create(b, loc, input, emptyTensor(b, loc, tensorTypeOf(input)))
        .getResult(0);
  SmallVector<OpFoldResult> offsets =
      clampedStarts(b, loc, operands.drop_front(2), op.getStarts(), tensorTypeOf(input),
                    updateType.getShape());
  SmallVector<OpFoldResult> sizes, strides(updateType.getRank(), b.getIndexAttr(1));
  for (int64_t size : updateType.getShape())
    sizes.push_back(b.getIndexAttr(size));
  return tensor::InsertSliceOp::create(b, loc, update, input, offsets, sizes, strides);
}

Value lowerPad(OpBuilder &b, PadOp op, Value input, Value padValue) {
  Location loc = op.getLoc();
  RankedTensorType resultType = signlessResultType(op.getOutput());
  RankedTensorType inputType = tensorTypeOf(input);
  Value value = scalarOf(b, loc, padValue);
  if (inputType.getNumElements() == 0)
    return filledTensor(b, loc, resultType, value);
  ArrayRef<int64_t> low = op.getLow(), interior = op.getInterior();
  return genericOverResult(
      b, loc, resultType, {}, {}, [&](OpBuilder &nb, Location l, ValueRange) -> Value {
        SmallVector<Value> coordinates, conditions;
        for (int64_t d = 0; d < resultType.getRank(); ++d) {
          Value position = arith::SubIOp::create(nb, l, linalg::IndexOp::create(nb, l, d),
                                                 constantIndex(nb, l, low[d]));
          coordinates.push_back(dilatedSource(nb, l, position, interior[d] + 1,
                                              inputType.getDimSize(d), conditions));
        }
        Value element = tensor::ExtractOp::create(nb, l, input, coordinates);
        return arith::SelectOp::create(nb, l, allTrue(nb, l, conditions), element, value);
      });
}

Value lowerReverse(OpBuilder &b, ReverseOp op, Value input) {
  MLIRContext *context = b.getContext();
  RankedTensorType resultType = signlessResultType(op.getOutput());
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < resultType.getRank(); ++d) {
    AffineExpr dim = getAffineDimExpr(d, context);
    exprs.push_back(llvm::is_contained(op.getDims(), d)
                        ? getAffineConstantExpr(resultType.getDimSize(d) - 1, context) - dim
                        : dim);
  }
  return genericOverResult(b, op.getLoc(), resultType, {input},
                           {AffineMap::get(resultType.getRank(), 0, exprs, context)},
                           [](OpBuilder &, Location, ValueRange v) { return v[0]; });
}

Value lowerIota(OpBuilder &b, IotaOp op) {
  RankedTensorType resultType = signlessResultType(op.getOutput());
  Type element = resultType.getElementType();
  int64_t dimension = op.getDimension();
  return genericOverResult(
      b, op.getLoc(), resultType, {}, {}, [&](OpBuilder &nb, Location l, ValueRange) -> Value {
        Value index = linalg::IndexOp::create(nb, l, dimension);
        if (isa<FloatType, ComplexType>(element)) {
          Value wide = arith::IndexCastOp::create(nb, l, nb.getI64Type(), index);
          return convertScalar(nb, l, wide, nb.getI64Type(), element);
        }
        return arith::IndexCastOp::create(nb, l, element, index);
      });
}

} // namespace


//===----------------------------------------------------------------------===//
// Regions
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<Value>> smelt::lowering::lowerCombiner(OpBuilder &b, Location loc,
                                                              Region &region,
                                                              ValueRange scalars) {
  Block &block = region.front();
  IRMapping mapping;
  for (auto [argument, scalar] : llvm::zip(block.getArguments(), scalars))
    mapping.map(argument, scalar);
  auto lookup = [&](Value value) -> Value {
    if (Value mapped = mapping.lookupOrNull(value))
      return mapped;
    // A splat constant from outside the region is a scalar too.
    return splatScalar(b, loc, value);
  };
  for (Operation &op : block) {
    if (auto yield = dyn_cast<YieldOp>(op)) {
      SmallVector<Value> results;
      for (Value value : yield.getValues()) {
        Value scalar = lookup(value);
        if (!scalar)
          return yield.emitError("combiner region yields a value it cannot compute");
        results.push_back(scalar);
      }
      return results;
    }
    if (auto constant = dyn_cast<ConstantOp>(op)) {
      Value scalar = splatScalar(b, op.getLoc(), constant.getResult());
      if (!scalar)
        return op.emitError("combiner regions compute on scalars; found a non-splat constant");
      mapping.map(constant.getResult(), scalar);
      continue;
    }
    if (isa<ReshapeOp>(op)) {
      if (tensorTypeOf(op.getResult(0)).getNumElements() != 1)
        return op.emitError("combiner regions compute on scalars");
      mapping.map(op.getResult(0), lookup(op.getOperand(0)));
      continue;
    }
    if (!isElementwiseGraphOp(&op))
      return op.emitError("unsupported op in a combiner region: ") << op.getName();
    SmallVector<Value> operands;
    for (Value operand : op.getOperands()) {
      Value scalar = lookup(operand);
      if (!scalar)
        return op.emitError("a combiner region may only use its arguments and constants");
      operands.push_back(scalar);
    }
    FailureOr<Value> result = lowerElementwiseScalar(b, op.getLoc(), &op, operands);
    if (failed(result))
      return failure();
    mapping.map(op.getResult(0), *result);
  }
  return region.getParentOp()->emitError("combiner region has no graph.yield");
}

FailureOr<SmallVector<Value>> smelt::lowering::lowerRegionBody(OpBuilder &b, Region &region,
                                                                ValueRange arguments) {
  Block &block = region.front();
  IRMapping mapping;
  for (auto [argument, value] : llvm::zip(block.getArguments(), arguments))
    mapping.map(argument, value);
  // Values from outside the region: only constants (canonicalization hoists
  // them out of regions), computed again here.
  auto lookup = [&](Value value, Operation *user) -> FailureOr<Value> {
    if (Value mapped = mapping.lookupOrNull(value))
      return mapped;
    if (auto constant = value.getDefiningOp<ConstantOp>()) {
      FailureOr<SmallVector<Value>> lowered = lowerGraphOpToLinalg(b, constant, {});
      if (failed(lowered))
        return failure();
      mapping.map(value, lowered->front());
      return lowered->front();
    }
    return user->emitError("control-flow regions must take the values they use as operands");
  };
  for (Operation &op : block) {
    SmallVector<Value> operands;
    for (Value operand : op.getOperands()) {
      FailureOr<Value> mapped = lookup(operand, &op);
      if (failed(mapped))
        return failure();
      operands.push_back(*mapped);
    }
    if (isa<YieldOp>(op))
      return operands;
    FailureOr<SmallVector<Value>> results = lowerGraphOpToLinalg(b, &op, operands);
    if (failed(results))
      return failure();
    for (auto [result, lowered] : llvm::zip(op.getResults(), *results))
      mapping.map(result, lowered);
  }
  return region.getParentOp()->emitError("region has no graph.yield");
}

bool smelt::lowering::lowersToLoops(Operation *op) {
  return isa<ScatterSlicesOp, SelectAndScatterOp, SortOp, TriangularSolveOp, WhileOp, IfOp,
             CaseOp, ScatterElementsOp, ScatterNDOp, DynamicUpdateSliceOp>(op);
}

std::optional<FailureOr<SmallVector<Value>>>
smelt::lowering::lowerStructuredOp(OpBuilder &b, Operation *op, ValueRange operands) {
  auto single = [](Value value) -> FailureOr<SmallVector<Value>> {
    return SmallVector<Value>{value};
  };
  using Result = std::optional<FailureOr<SmallVector<Value>>>;
  if (std::optional<Lowered> sequential = lowerSequentialOp(b, op, operands))
    return *sequential;
  return llvm::TypeSwitch<Operation *, Result>(op)
      .Case([&](IotaOp iota) { return single(lowerIota(b, iota)); })
      .Case([&](ReduceOp reduce) { return lowerReduceRegion(b, reduce, operands); })
      .Case([&](ReduceWindowOp reduce) { return lowerReduceWindow(b, reduce, operands); })
      .Case([&](GatherSlicesOp gather) {
        return single(lowerGatherSlices(b, gather, operands[0], operands[1]));
      })
      .Case([&](DynamicSliceOp slice) { return single(lowerDynamicSlice(b, slice, operands)); })
      .Case([&](DynamicUpdateSliceOp update) {
        return single(lowerDynamicUpdateSlice(b, update, operands));
      })
      .Case([&](PadOp pad) { return single(lowerPad(b, pad, operands[0], operands[1])); })
      .Case([&](ReverseOp reverse) { return single(lowerReverse(b, reverse, operands[0])); })
      .Default([](Operation *) -> Result { return std::nullopt; });
}
