//===- GraphToLinalgSequential.cpp - General graph ops as scf loops -------===//
//
// The general graph ops whose output elements depend on each other in order:
// scatter (duplicate indices combine in order), select_and_scatter, sort (a
// stable merge sort), triangular solve, and while/if/case. Each becomes scf
// loops over tensors inside one kernel of its own (never fused: a consumer's
// tiles would each recompute it), written in place by bufferization.
//
//===----------------------------------------------------------------------===//
#include "passes/StructuredLowering.h"

#include "mlir/Dialect/Complex/IR/Complex.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace smelt;
using namespace smelt::graph;
using namespace smelt::lowering;
using namespace smelt::lowering::structured;

namespace {

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
              Value initial = scalarConstant(rb, rl, element, 0.0);
              auto sum = scf::ForOp::create(
                  rb, rl, begin, end, one, ValueRange{initial},
                  [&](OpBuilder &sb, Location sl, Value k, ValueRange acc) {
                    Value product = multiplyScalars(
                        sb, sl, matrix(sb, sl, i, k),
                        tensor::ExtractOp::create(sb, sl, x[0], unknown(k)));
                    scf::YieldOp::create(sb, sl, addScalars(sb, sl, acc[0], product));
                  });
              Value right = tensor::ExtractOp::create(rb, rl, x[0], unknown(i));
              bool isComplex = isa<ComplexType>(element);
              Value value =
                  isComplex ? complex::SubOp::create(rb, rl, right, sum.getResult(0)).getResult()
                            : arith::SubFOp::create(rb, rl, right, sum.getResult(0)).getResult();
              if (!op.getUnitDiagonal()) {
                Value diagonal = matrix(rb, rl, i, i);
                value = isComplex ? complex::DivOp::create(rb, rl, value, diagonal).getResult()
                                  : arith::DivFOp::create(rb, rl, value, diagonal).getResult();
              }
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

std::optional<Lowered> smelt::lowering::structured::lowerSequentialOp(OpBuilder &b, Operation *op,
                                                                     ValueRange operands) {
  auto single = [](Value value) -> Lowered { return SmallVector<Value>{value}; };
  return llvm::TypeSwitch<Operation *, std::optional<Lowered>>(op)
      .Case([&](SelectAndScatterOp select) { return lowerSelectAndScatter(b, select, operands); })
      .Case([&](ScatterSlicesOp scatter) { return lowerScatterSlices(b, scatter, operands); })
      .Case([&](SortOp sort) { return lowerSort(b, sort, operands); })
      .Case([&](TriangularSolveOp solve) {
        return single(lowerTriangularSolve(b, solve, operands[0], operands[1]));
      })
      .Case([&](WhileOp loop) { return lowerWhile(b, loop, operands); })
      .Case([&](IfOp ifOp) { return lowerIf(b, ifOp, operands); })
      .Case([&](CaseOp caseOp) { return lowerCase(b, caseOp, operands); })
      .Default([](Operation *) -> std::optional<Lowered> { return std::nullopt; });
}
