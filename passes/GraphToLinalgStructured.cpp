//===- GraphToLinalgStructured.cpp - General graph ops to linalg/scf -------===//
//
// The lowerings of the graph ops with StableHLO's general semantics. Ops
// whose every output element is independent (reduce, reduce_window, gather,
// pad, iota, reverse) become linalg.generic, so kernel scheduling tiles them
// like any other kernel. Ops whose elements depend on each other in order
// (scatter with duplicate indices, select_and_scatter, sort, triangular
// solve, while/if/case) become scf loops over tensors inside one kernel,
// written in place by bufferization.
//
//===----------------------------------------------------------------------===//
#include "passes/GraphToLinalgInternal.h"

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

namespace {

using Values = SmallVector<Value>;
using Lowered = FailureOr<SmallVector<Value>>;

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

/// Builds a combiner's scalar code inside a body builder; failures are
/// remembered (a body builder cannot fail) and reported by the caller.
struct Combiner {
  Region &region;
  bool failed = false;
  Values apply(OpBuilder &b, Location loc, ValueRange scalars) {
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
};

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
          conditions.push_back(compareIndex(nb, l, arith::CmpIPredicate::sge, position,
                                            constantIndex(nb, l, 0)));
          Value source = position;
          if (baseDilations[d] != 1) {
            Value dilation = constantIndex(nb, l, baseDilations[d]);
            conditions.push_back(compareIndex(nb, l, arith::CmpIPredicate::eq,
                                              arith::RemSIOp::create(nb, l, position, dilation),
                                              constantIndex(nb, l, 0)));
            source = arith::DivSIOp::create(nb, l, position, dilation);
          }
          conditions.push_back(compareIndex(nb, l, arith::CmpIPredicate::slt, source,
                                            constantIndex(nb, l, inputType.getDimSize(d))));
          coordinates.push_back(clampIndex(nb, l, source, 0, inputType.getDimSize(d) - 1));
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
SmallVector<Value> delinearizeIndex(OpBuilder &b, Location loc, Value linear,
                                    ArrayRef<int64_t> shape) {
  SmallVector<Value> coordinates(shape.size());
  for (int64_t d = shape.size() - 1; d >= 0; --d) {
    Value size = constantIndex(b, loc, std::max<int64_t>(shape[d], 1));
    coordinates[d] = arith::RemUIOp::create(b, loc, linear, size);
    linear = arith::DivUIOp::create(b, loc, linear, size);
  }
  return coordinates;
}

Lowered lowerSelectAndScatter(OpBuilder &b, SelectAndScatterOp op, ValueRange operands) {
  Location loc = op.getLoc();
  Value operand = operands[0], source = operands[1];
  RankedTensorType operandType = tensorTypeOf(operand);
  RankedTensorType sourceType = tensorTypeOf(source);
  int64_t rank = operandType.getRank();
  Type element = operandType.getElementType();
  ArrayRef<int64_t> window = op.getWindowDimensions(), strides = op.getStrides(),
                    low = op.getPaddingLow();
  int64_t windowElements = 1;
  for (int64_t size : window)
    windowElements *= size;
  Value result = filledTensor(b, loc, signlessResultType(op.getOutput()),
                              scalarOf(b, loc, operands[2]));
  Combiner select{op.getSelect()}, scatter{op.getScatter()};
  Values results = loopNest(
      b, loc, sourceType.getShape(), ValueRange{result},
      [&](OpBuilder &nb, Location l, ValueRange sourceIndex, ValueRange args) -> Values {
        // The selected position of this window: (found, value, coordinates).
        SmallVector<Value> initial = {arith::ConstantIntOp::create(nb, l, nb.getI1Type(), 0),
                                      arith::ConstantOp::create(nb, l, nb.getZeroAttr(element))};
        for (int64_t d = 0; d < rank; ++d)
          initial.push_back(constantIndex(nb, l, 0));
        auto search = scf::ForOp::create(
            nb, l, constantIndex(nb, l, 0), constantIndex(nb, l, windowElements),
            constantIndex(nb, l, 1), initial,
            [&](OpBuilder &fb, Location fl, Value linear, ValueRange state) {
              SmallVector<Value> offsets = delinearizeIndex(fb, fl, linear, window);
              SmallVector<Value> position, inside;
              for (int64_t d = 0; d < rank; ++d) {
                Value p = arith::AddIOp::create(
                    fb, fl,
                    arith::MulIOp::create(fb, fl, sourceIndex[d],
                                          constantIndex(fb, fl, strides[d])),
                    offsets[d]);
                p = arith::SubIOp::create(fb, fl, p, constantIndex(fb, fl, low[d]));
                inside.push_back(compareIndex(fb, fl, arith::CmpIPredicate::sge, p,
                                              constantIndex(fb, fl, 0)));
                inside.push_back(compareIndex(fb, fl, arith::CmpIPredicate::slt, p,
                                              constantIndex(fb, fl, operandType.getDimSize(d))));
                position.push_back(p);
              }
              auto ifInside = scf::IfOp::create(
                  fb, fl, allTrue(fb, fl, inside),
                  [&](OpBuilder &tb, Location tl) {
                    Value candidate = tensor::ExtractOp::create(tb, tl, operand, position);
                    // select(current, candidate) keeps the current pick.
                    Value keep = select.apply(tb, tl, {state[1], candidate}).front();
                    Value notFound = arith::XOrIOp::create(
                        tb, tl, state[0], arith::ConstantIntOp::create(tb, tl, tb.getI1Type(), 1));
                    Value notKept = arith::XOrIOp::create(
                        tb, tl, keep, arith::ConstantIntOp::create(tb, tl, tb.getI1Type(), 1));
                    Value take = arith::OrIOp::create(tb, tl, notFound, notKept);
                    SmallVector<Value> next = {
                        arith::ConstantIntOp::create(tb, tl, tb.getI1Type(), 1),
                        arith::SelectOp::create(tb, tl, take, candidate, state[1])};
                    for (int64_t d = 0; d < rank; ++d)
                      next.push_back(
                          arith::SelectOp::create(tb, tl, take, position[d], state[2 + d]));
                    scf::YieldOp::create(tb, tl, next);
                  },
                  [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, state); });
              scf::YieldOp::create(fb, fl, ifInside.getResults());
            });
        ValueRange found = search.getResults();
        auto ifFound = scf::IfOp::create(
            nb, l, found[0],
            [&](OpBuilder &tb, Location tl) {
              ValueRange at = found.drop_front(2);
              Value current = tensor::ExtractOp::create(tb, tl, args[0], at);
              Value contribution = tensor::ExtractOp::create(tb, tl, source, sourceIndex);
              Value combined = scatter.apply(tb, tl, {current, contribution}).front();
              scf::YieldOp::create(
                  tb, tl, tensor::InsertOp::create(tb, tl, combined, args[0], at).getResult());
            },
            [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, args[0]); });
        return {ifFound.getResult(0)};
      });
  if (select.failed || scatter.failed)
    return failure();
  return results;
}

//===----------------------------------------------------------------------===//
// Indexing
//===----------------------------------------------------------------------===//

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

Lowered lowerScatterSlices(OpBuilder &b, ScatterSlicesOp op, ValueRange operands) {
  Location loc = op.getLoc();
  size_t count = op.getInputs().size();
  ValueRange inputs = operands.take_front(count);
  Value indices = operands[count];
  ValueRange updates = operands.drop_front(count + 1);
  bool unsignedIndices = isUnsignedElement(op.getIndices());
  RankedTensorType inputType = tensorTypeOf(inputs.front());
  RankedTensorType updateType = tensorTypeOf(updates.front());
  RankedTensorType indicesType = tensorTypeOf(indices);
  int64_t rank = inputType.getRank();
  int64_t indicesRank = indicesType.getRank();
  int64_t indexVectorDim = op.getIndexVectorDim();
  ArrayRef<int64_t> windowDims = op.getUpdateWindowDims();
  ArrayRef<int64_t> toOperand = op.getScatterDimsToOperandDims();
  ArrayRef<int64_t> inputBatching = op.getInputBatchingDims();
  ArrayRef<int64_t> indicesBatching = op.getIndicesBatchingDims();
  SmallVector<int64_t> scatterDims;
  for (int64_t d = 0; d < updateType.getRank(); ++d)
    if (!llvm::is_contained(windowDims, d))
      scatterDims.push_back(d);
  SmallVector<int64_t> windowOperandDims =
      remainingDims(rank, op.getInsertedWindowDims(), inputBatching);
  // The update window's extent in each operand dim (1 where a dim is
  // inserted or batched).
  SmallVector<int64_t> windowSize(rank, 1);
  for (auto [operandDim, updateDim] : llvm::zip(windowOperandDims, windowDims))
    windowSize[operandDim] = updateType.getDimSize(updateDim);

  Combiner combiner{op.getBody()};
  Values results = loopNest(
      b, loc, updateType.getShape(), inputs,
      [&](OpBuilder &nb, Location l, ValueRange updateIndex, ValueRange current) -> Values {
        SmallVector<Value> batch;
        for (int64_t d : scatterDims)
          batch.push_back(updateIndex[d]);
        SmallVector<Value> start(rank, constantIndex(nb, l, 0));
        for (auto [component, operandDim] : llvm::enumerate(toOperand)) {
          Value raw = tensor::ExtractOp::create(
              nb, l, indices,
              indexVectorCoordinates(nb, l, indicesRank, indexVectorDim, batch, component));
          start[operandDim] = toIndex(nb, l, raw, unsignedIndices);
        }
        for (auto [operandDim, indicesDim] : llvm::zip(inputBatching, indicesBatching))
          start[operandDim] = batchCoordinateOf(indicesDim, indexVectorDim, batch);
        // The whole window must fit, or it is skipped.
        SmallVector<Value> fits, target = start;
        for (int64_t d = 0; d < rank; ++d) {
          fits.push_back(compareIndex(nb, l, arith::CmpIPredicate::sge, start[d],
                                      constantIndex(nb, l, 0)));
          fits.push_back(compareIndex(
              nb, l, arith::CmpIPredicate::sle, start[d],
              constantIndex(nb, l, inputType.getDimSize(d) - windowSize[d])));
        }
        for (auto [operandDim, updateDim] : llvm::zip(windowOperandDims, windowDims))
          target[operandDim] =
              arith::AddIOp::create(nb, l, target[operandDim], updateIndex[updateDim]);
        auto ifFits = scf::IfOp::create(
            nb, l, allTrue(nb, l, fits),
            [&](OpBuilder &tb, Location tl) {
              Values scalars;
              for (Value tensor : current)
                scalars.push_back(tensor::ExtractOp::create(tb, tl, tensor, target));
              for (Value update : updates)
                scalars.push_back(tensor::ExtractOp::create(tb, tl, update, updateIndex));
              Values combined = combiner.apply(tb, tl, scalars);
              Values next;
              for (auto [value, tensor] : llvm::zip(combined, current))
                next.push_back(tensor::InsertOp::create(tb, tl, value, tensor, target));
              scf::YieldOp::create(tb, tl, next);
            },
            [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, current); });
        return Values(ifFits.getResults());
      });
  if (combiner.failed)
    return failure();
  return results;
}

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
          conditions.push_back(compareIndex(nb, l, arith::CmpIPredicate::sge, position,
                                            constantIndex(nb, l, 0)));
          Value source = position;
          if (interior[d] != 0) {
            Value step = constantIndex(nb, l, interior[d] + 1);
            conditions.push_back(compareIndex(nb, l, arith::CmpIPredicate::eq,
                                              arith::RemSIOp::create(nb, l, position, step),
                                              constantIndex(nb, l, 0)));
            source = arith::DivSIOp::create(nb, l, position, step);
          }
          conditions.push_back(compareIndex(nb, l, arith::CmpIPredicate::slt, source,
                                            constantIndex(nb, l, inputType.getDimSize(d))));
          coordinates.push_back(clampIndex(nb, l, source, 0, inputType.getDimSize(d) - 1));
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
        if (isa<FloatType>(element)) {
          Value wide = arith::IndexCastOp::create(nb, l, nb.getI64Type(), index);
          return arith::SIToFPOp::create(nb, l, element, wide);
        }
        return arith::IndexCastOp::create(nb, l, element, index);
      });
}

//===----------------------------------------------------------------------===//
// Sort and triangular solve
//===----------------------------------------------------------------------===//

/// A stable bottom-up merge sort of each row's permutation (pass p merges
/// runs of 2^p from one half of a [2, n] scratch tensor into the other, so
/// the scratch is updated in place), then every input gathered through it.
Lowered lowerSort(OpBuilder &b, SortOp op, ValueRange inputs) {
  Location loc = op.getLoc();
  RankedTensorType shapeType = tensorTypeOf(inputs.front());
  int64_t rank = shapeType.getRank();
  int64_t dimension = op.getDimension();
  int64_t length = rank == 0 ? 1 : shapeType.getDimSize(dimension);
  if (length <= 1 || shapeType.getNumElements() == 0)
    return Values(inputs);
  SmallVector<int64_t> batchShape;
  for (int64_t d = 0; d < rank; ++d)
    if (d != dimension)
      batchShape.push_back(shapeType.getDimSize(d));
  int64_t passes = llvm::Log2_64_Ceil(length);
  Type i64 = b.getI64Type();
  Values outputs;
  for (Value result : op.getOutputs())
    outputs.push_back(emptyTensor(b, loc, signlessResultType(result)));
  Combiner comparator{op.getComparator()};

  Values results = loopNest(
      b, loc, batchShape, outputs,
      [&](OpBuilder &nb, Location l, ValueRange batch, ValueRange current) -> Values {
        auto at = [&](Value position) {
          SmallVector<Value> coordinates(batch.begin(), batch.end());
          coordinates.insert(coordinates.begin() + dimension, position);
          return coordinates;
        };
        Value zero = constantIndex(nb, l, 0), one = constantIndex(nb, l, 1);
        Value n = constantIndex(nb, l, length);
        Value scratch = tensor::EmptyOp::create(nb, l, ArrayRef<int64_t>{2, length}, i64);
        scratch = scf::ForOp::create(
                      nb, l, zero, n, one, ValueRange{scratch},
                      [&](OpBuilder &fb, Location fl, Value i, ValueRange s) {
                        Value value = arith::IndexCastOp::create(fb, fl, i64, i);
                        scf::YieldOp::create(fb, fl,
                                             tensor::InsertOp::create(fb, fl, value, s[0],
                                                                      ValueRange{zero, i})
                                                 .getResult());
                      })
                      .getResult(0);
        auto readPermutation = [&](OpBuilder &rb, Location rl, Value s, Value half,
                                   Value position) {
          Value raw = tensor::ExtractOp::create(rb, rl, s, ValueRange{half, position});
          return arith::IndexCastOp::create(rb, rl, rb.getIndexType(), raw).getResult();
        };
        auto passLoop = scf::ForOp::create(
            nb, l, zero, constantIndex(nb, l, passes), one, ValueRange{scratch},
            [&](OpBuilder &pb, Location pl, Value pass, ValueRange passState) {
              Value from = arith::RemUIOp::create(pb, pl, pass, constantIndex(pb, pl, 2));
              Value to = arith::SubIOp::create(pb, pl, one, from);
              Value width = arith::ShLIOp::create(pb, pl, one, pass);
              Value twice = arith::ShLIOp::create(pb, pl, width, one);
              auto runLoop = scf::ForOp::create(
                  pb, pl, zero, n, twice, passState,
                  [&](OpBuilder &rb, Location rl, Value lowIndex, ValueRange runState) {
                    Value mid = arith::MinUIOp::create(
                        rb, rl, arith::AddIOp::create(rb, rl, lowIndex, width), n);
                    Value high = arith::MinUIOp::create(
                        rb, rl, arith::AddIOp::create(rb, rl, lowIndex, twice), n);
                    auto merge = scf::ForOp::create(
                        rb, rl, lowIndex, high, one,
                        ValueRange{lowIndex, mid, runState[0]},
                        [&](OpBuilder &mb, Location ml, Value k, ValueRange state) {
                          Value left = state[0], right = state[1], s = state[2];
                          Value leftValid =
                              compareIndex(mb, ml, arith::CmpIPredicate::ult, left, mid);
                          Value rightValid =
                              compareIndex(mb, ml, arith::CmpIPredicate::ult, right, high);
                          Value last = constantIndex(mb, ml, length - 1);
                          Value leftItem = readPermutation(
                              mb, ml, s, from, arith::MinUIOp::create(mb, ml, left, last));
                          Value rightItem = readPermutation(
                              mb, ml, s, from, arith::MinUIOp::create(mb, ml, right, last));
                          // Stable: the right run's element goes first only if
                          // it sorts strictly before the left one.
                          auto takeRight = scf::IfOp::create(
                              mb, ml, arith::AndIOp::create(mb, ml, leftValid, rightValid),
                              [&](OpBuilder &tb, Location tl) {
                                Values scalars;
                                for (Value input : inputs) {
                                  scalars.push_back(
                                      tensor::ExtractOp::create(tb, tl, input, at(rightItem)));
                                  scalars.push_back(
                                      tensor::ExtractOp::create(tb, tl, input, at(leftItem)));
                                }
                                scf::YieldOp::create(tb, tl,
                                                     comparator.apply(tb, tl, scalars).front());
                              },
                              [&](OpBuilder &eb, Location el) {
                                Value noLeft = arith::XOrIOp::create(
                                    eb, el, leftValid,
                                    arith::ConstantIntOp::create(eb, el, eb.getI1Type(), 1));
                                scf::YieldOp::create(eb, el, noLeft);
                              });
                          Value right1 = takeRight.getResult(0);
                          Value chosen =
                              arith::SelectOp::create(mb, ml, right1, rightItem, leftItem);
                          Value stored = tensor::InsertOp::create(
                              mb, ml, arith::IndexCastOp::create(mb, ml, i64, chosen), s,
                              ValueRange{to, k});
                          Value step = arith::IndexCastOp::create(
                              mb, ml, mb.getIndexType(),
                              arith::ExtUIOp::create(mb, ml, mb.getI64Type(), right1));
                          Value nextLeft = arith::AddIOp::create(
                              mb, ml, left, arith::SubIOp::create(mb, ml, one, step));
                          Value nextRight = arith::AddIOp::create(mb, ml, right, step);
                          scf::YieldOp::create(mb, ml, ValueRange{nextLeft, nextRight, stored});
                        });
                    scf::YieldOp::create(rb, rl, merge.getResult(2));
                  });
              scf::YieldOp::create(pb, pl, runLoop.getResults());
            });
        Value sorted = passLoop.getResult(0);
        Value finalHalf = constantIndex(nb, l, passes % 2);
        Values next;
        for (auto [input, output] : llvm::zip(inputs, current)) {
          auto gather = scf::ForOp::create(
              nb, l, zero, n, one, ValueRange{output},
              [&](OpBuilder &gb, Location gl, Value k, ValueRange state) {
                Value item = readPermutation(gb, gl, sorted, finalHalf, k);
                Value value = tensor::ExtractOp::create(gb, gl, input, at(item));
                scf::YieldOp::create(
                    gb, gl, tensor::InsertOp::create(gb, gl, value, state[0], at(k)).getResult());
              });
          next.push_back(gather.getResult(0));
        }
        return next;
      });
  if (comparator.failed)
    return failure();
  return results;
}

/// Forward or back substitution, one right-hand side at a time, in place in
/// a copy of b. For the left side, op(a) x = b column by column; for the
/// right side, x op(a) = b row by row is op(a)^T x^T = b^T.
Value lowerTriangularSolve(OpBuilder &b, TriangularSolveOp op, Value a, Value rhs) {
  Location loc = op.getLoc();
  RankedTensorType bType = tensorTypeOf(rhs);
  int64_t rank = bType.getRank();
  bool left = op.getLeftSide(), transpose = op.getTransposeA();
  int64_t m = tensorTypeOf(a).getDimSize(rank - 1);
  int64_t others = left ? bType.getDimSize(rank - 1) : bType.getDimSize(rank - 2);
  // The system's matrix L (the triangle read): L[i][k] = a[i][k] or a[k][i].
  bool readTransposed = left ? transpose : !transpose;
  bool systemLower = left ? (op.getLower() != transpose) : (op.getLower() == transpose);
  SmallVector<int64_t> outer(bType.getShape().drop_back(2));
  outer.push_back(others);
  Values results = loopNest(
      b, loc, outer, ValueRange{rhs},
      [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange state) -> Values {
        ValueRange batch = ivs.drop_back();
        Value other = ivs.back();
        auto matrix = [&](OpBuilder &mb, Location ml, Value i, Value k) {
          SmallVector<Value> coordinates(batch.begin(), batch.end());
          coordinates.push_back(readTransposed ? k : i);
          coordinates.push_back(readTransposed ? i : k);
          return tensor::ExtractOp::create(mb, ml, a, coordinates).getResult();
        };
        auto unknown = [&](Value i) {
          SmallVector<Value> coordinates(batch.begin(), batch.end());
          coordinates.push_back(left ? i : other);
          coordinates.push_back(left ? other : i);
          return coordinates;
        };
        Value zero = constantIndex(nb, l, 0), one = constantIndex(nb, l, 1);
        auto rows = scf::ForOp::create(
            nb, l, zero, constantIndex(nb, l, m), one, ValueRange{state[0]},
            [&](OpBuilder &rb, Location rl, Value t, ValueRange x) {
              Value i = systemLower ? t
                                    : arith::SubIOp::create(rb, rl, constantIndex(rb, rl, m - 1), t)
                                          .getResult();
              Value begin = systemLower ? zero : arith::AddIOp::create(rb, rl, i, one).getResult();
              Value end = systemLower ? i : constantIndex(rb, rl, m);
              Type element = bType.getElementType();
              Value initial = arith::ConstantOp::create(rb, rl, rb.getZeroAttr(element));
              auto sum = scf::ForOp::create(
                  rb, rl, begin, end, one, ValueRange{initial},
                  [&](OpBuilder &sb, Location sl, Value k, ValueRange acc) {
                    Value product = arith::MulFOp::create(
                        sb, sl, matrix(sb, sl, i, k),
                        tensor::ExtractOp::create(sb, sl, x[0], unknown(k)));
                    scf::YieldOp::create(sb, sl,
                                         arith::AddFOp::create(sb, sl, acc[0], product).getResult());
                  });
              Value value = arith::SubFOp::create(
                  rb, rl, tensor::ExtractOp::create(rb, rl, x[0], unknown(i)), sum.getResult(0));
              if (!op.getUnitDiagonal())
                value = arith::DivFOp::create(rb, rl, value, matrix(rb, rl, i, i));
              scf::YieldOp::create(
                  rb, rl, tensor::InsertOp::create(rb, rl, value, x[0], unknown(i)).getResult());
            });
        return {rows.getResult(0)};
      });
  return results.front();
}

//===----------------------------------------------------------------------===//
// Control flow
//===----------------------------------------------------------------------===//

SmallVector<Type> signlessTypes(TypeRange types) {
  SmallVector<Type> result;
  for (Type type : types)
    result.push_back(toSignless(type));
  return result;
}

/// A copy of `value` in a new tensor. Loop-carried and branch values must
/// all live in one memory space; the kernel's inputs are global, what it
/// computes is local, so values that come in from outside are copied.
Value freshCopy(OpBuilder &b, Location loc, Value value) {
  Value empty = emptyTensor(b, loc, tensorTypeOf(value));
  return linalg::CopyOp::create(b, loc, value, empty).getResult(0);
}

Values freshCopies(OpBuilder &b, Location loc, ValueRange values) {
  Values copies;
  for (Value value : values)
    copies.push_back(freshCopy(b, loc, value));
  return copies;
}

Lowered lowerWhile(OpBuilder &b, WhileOp op, ValueRange operands) {
  Location loc = op.getLoc();
  bool failedRegion = false;
  auto loop = scf::WhileOp::create(
      b, loc, signlessTypes(op.getOutputs().getTypes()), freshCopies(b, loc, operands),
      [&](OpBuilder &cb, Location cl, ValueRange values) {
        FailureOr<Values> condition = lowerRegionBody(cb, op.getCond(), values);
        Value flag = failed(condition) ? arith::ConstantIntOp::create(cb, cl, cb.getI1Type(), 0)
                                       : scalarOf(cb, cl, condition->front());
        failedRegion |= failed(condition);
        scf::ConditionOp::create(cb, cl, flag, values);
      },
      [&](OpBuilder &bb, Location bl, ValueRange values) {
        FailureOr<Values> next = lowerRegionBody(bb, op.getBody(), values);
        failedRegion |= failed(next);
        if (failed(next)) {
          scf::YieldOp::create(bb, bl, values);
          return;
        }
        // The next values are written over the current ones, so the loop
        // updates its buffers in place instead of allocating new ones every
        // iteration (kernel-bufferize then releases the iteration's
        // temporaries at its end).
        Values yielded;
        for (auto [value, current] : llvm::zip(*next, values))
          yielded.push_back(value == current
                                ? value
                                : linalg::CopyOp::create(bb, bl, value, current).getResult(0));
        scf::YieldOp::create(bb, bl, yielded);
      });
  if (failedRegion)
    return failure();
  return Values(loop.getResults());
}

/// Yields the lowered body of `region` on `values` (or `values` on failure).
void yieldRegion(OpBuilder &b, Location loc, Region &region, ValueRange values, bool &failedRegion,
                 size_t resultCount) {
  FailureOr<Values> results = lowerRegionBody(b, region, values);
  if (failed(results) || results->size() != resultCount) {
    failedRegion = true;
    scf::YieldOp::create(b, loc, Values(values.take_front(std::min(values.size(), resultCount))));
    return;
  }
  for (Value &result : *results)
    if (llvm::is_contained(values, result))
      result = freshCopy(b, loc, result);
  scf::YieldOp::create(b, loc, *results);
}

Lowered lowerIf(OpBuilder &b, IfOp op, ValueRange operands) {
  Location loc = op.getLoc();
  bool failedRegion = false;
  ValueRange values = operands.drop_front();
  size_t resultCount = op.getOutputs().size();
  auto ifOp = scf::IfOp::create(
      b, loc, signlessTypes(op.getOutputs().getTypes()), scalarOf(b, loc, operands[0]),
      /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    yieldRegion(b, loc, op.getThenBranch(), values, failedRegion, resultCount);
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    yieldRegion(b, loc, op.getElseBranch(), values, failedRegion, resultCount);
  }
  if (failedRegion)
    return op.emitError("could not lower the branches of graph.if");
  return Values(ifOp.getResults());
}

Lowered lowerCase(OpBuilder &b, CaseOp op, ValueRange operands) {
  Location loc = op.getLoc();
  int64_t branches = op.getBranches().size();
  ValueRange values = operands.drop_front();
  size_t resultCount = op.getOutputs().size();
  // An index outside [0, N) runs the last branch.
  Value index = toIndex(b, loc, scalarOf(b, loc, operands[0]), false);
  Value last = constantIndex(b, loc, branches - 1);
  Value inRange = arith::AndIOp::create(
      b, loc, compareIndex(b, loc, arith::CmpIPredicate::sge, index, constantIndex(b, loc, 0)),
      compareIndex(b, loc, arith::CmpIPredicate::slt, index, constantIndex(b, loc, branches)));
  index = arith::SelectOp::create(b, loc, inRange, index, last);
  SmallVector<int64_t> cases;
  for (int64_t i = 0; i + 1 < branches; ++i)
    cases.push_back(i);
  auto switchOp = scf::IndexSwitchOp::create(b, loc, signlessTypes(op.getOutputs().getTypes()),
                                             index, cases, cases.size());
  bool failedRegion = false;
  {
    OpBuilder::InsertionGuard guard(b);
    for (int64_t i = 0; i < branches; ++i) {
      Region &target = i + 1 < branches ? switchOp.getCaseRegions()[i] : switchOp.getDefaultRegion();
      b.setInsertionPointToStart(&target.emplaceBlock());
      yieldRegion(b, loc, op.getBranches()[i], values, failedRegion, resultCount);
    }
  }
  if (failedRegion)
    return op.emitError("could not lower the branches of graph.case");
  return Values(switchOp.getResults());
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
  return llvm::TypeSwitch<Operation *, Result>(op)
      .Case([&](IotaOp iota) { return single(lowerIota(b, iota)); })
      .Case([&](ReduceOp reduce) { return lowerReduceRegion(b, reduce, operands); })
      .Case([&](ReduceWindowOp reduce) { return lowerReduceWindow(b, reduce, operands); })
      .Case([&](SelectAndScatterOp select) { return lowerSelectAndScatter(b, select, operands); })
      .Case([&](ScatterSlicesOp scatter) { return lowerScatterSlices(b, scatter, operands); })
      .Case([&](GatherSlicesOp gather) {
        return single(lowerGatherSlices(b, gather, operands[0], operands[1]));
      })
      .Case([&](DynamicSliceOp slice) { return single(lowerDynamicSlice(b, slice, operands)); })
      .Case([&](DynamicUpdateSliceOp update) {
        return single(lowerDynamicUpdateSlice(b, update, operands));
      })
      .Case([&](PadOp pad) { return single(lowerPad(b, pad, operands[0], operands[1])); })
      .Case([&](ReverseOp reverse) { return single(lowerReverse(b, reverse, operands[0])); })
      .Case([&](SortOp sort) { return lowerSort(b, sort, operands); })
      .Case([&](TriangularSolveOp solve) {
        return single(lowerTriangularSolve(b, solve, operands[0], operands[1]));
      })
      .Case([&](WhileOp loop) { return lowerWhile(b, loop, operands); })
      .Case([&](IfOp ifOp) { return lowerIf(b, ifOp, operands); })
      .Case([&](CaseOp caseOp) { return lowerCase(b, caseOp, operands); })
      .Default([](Operation *) -> Result { return std::nullopt; });
}
