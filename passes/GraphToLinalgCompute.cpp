//===- GraphToLinalgCompute.cpp - matmul, conv, pooling, reductions ---------===//
//
// Contractions and window ops become one linalg.generic each, so tiling can
// fuse their producers and epilogues. Accumulation is in the element type, in
// loop order (the same summation order for every tile size).
//
//===----------------------------------------------------------------------===//
#include "passes/GraphToLinalgInternal.h"
#include "dialects/kernel/IR/KernelDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace smelt::graph;

namespace smelt::lowering {

static SmallVector<AffineMap> mapsOf(MLIRContext *context, int64_t loops,
                                     ArrayRef<SmallVector<AffineExpr>> exprs) {
  SmallVector<AffineMap> maps;
  for (const SmallVector<AffineExpr> &list : exprs)
    maps.push_back(AffineMap::get(loops, 0, list, context));
  return maps;
}

static Value multiplyAdd(OpBuilder &b, Location loc, Value accumulator, Value lhs,
                         Value rhs) {
  return addScalars(b, loc, accumulator, multiplyScalars(b, loc, lhs, rhs));
}

FailureOr<Value> lowerMatMul(OpBuilder &b, MatMulOp op, Value lhs, Value rhs) {
  Location loc = op.getLoc();
  MLIRContext *context = b.getContext();
  auto resultType = cast<RankedTensorType>(toSignless(op.getType()));
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  int64_t batch = resultType.getRank() - 2;
  int64_t loops = batch + 3; // batch..., m, n, k
  AffineExpr m = getAffineDimExpr(batch, context), n = getAffineDimExpr(batch + 1, context),
             k = getAffineDimExpr(batch + 2, context);
  auto batchExprs = [&](RankedTensorType type) {
    SmallVector<AffineExpr> exprs;
    int64_t operandBatch = type.getRank() - 2;
    for (int64_t d = 0; d < operandBatch; ++d) {
      int64_t loop = d + batch - operandBatch;
      if (type.getDimSize(d) == 1 && resultType.getDimSize(loop) != 1)
        exprs.push_back(getAffineConstantExpr(0, context));
      else
        exprs.push_back(getAffineDimExpr(loop, context));
    }
    return exprs;
  };
  SmallVector<AffineExpr> lhsExprs = batchExprs(lhsType), rhsExprs = batchExprs(rhsType),
                          outExprs;
  lhsExprs.append({m, k});
  rhsExprs.append({k, n});
  for (int64_t d = 0; d < batch; ++d)
    outExprs.push_back(getAffineDimExpr(d, context));
  outExprs.append({m, n});
  SmallVector<utils::IteratorType> iterators(loops - 1, utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  Value zero = scalarConstant(b, loc, resultType.getElementType(), 0);
  Value init = filledTensor(b, loc, resultType, zero);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{lhs, rhs}, ValueRange{init},
      mapsOf(context, loops, {lhsExprs, rhsExprs, outExprs}), iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, multiplyAdd(nb, l, args[2], args[0], args[1]));
      });
  return generic.getResult(0);
}

/// Pads the spatial dims (from dim 2 on) with `padValue`, as a linalg.generic
/// over the padded shape that reads the input with tensor.extract at clamped
/// coordinates. Unlike tensor.pad this is an ordinary tileable producer: the
/// scheduler fuses it into each tile of the consumer without the zero-size
/// guards (scf.if) that tiling tensor.pad produces.
static Value padSpatial(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> low,
                        ArrayRef<int64_t> high, Value padValue) {
  if (llvm::all_of(low, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(high, [](int64_t p) { return p == 0; }))
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape(type.getShape());
  for (size_t i = 0; i < low.size(); ++i)
    shape[i + 2] += low[i] + high[i];
  auto paddedType = RankedTensorType::get(shape, type.getElementType());
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{paddedType}, ValueRange{}, ValueRange{init},
      SmallVector<AffineMap>{b.getMultiDimIdentityMap(rank)}, iterators,
      [&](OpBuilder &nb, Location l, ValueRange) {
        Value zero = arith::ConstantIndexOp::create(nb, l, 0);
        Value inBounds;
        SmallVector<Value> coordinates;
        for (int64_t d = 0; d < rank; ++d) {
          Value index = linalg::IndexOp::create(nb, l, d);
          if (d < 2) {
            coordinates.push_back(index);
            continue;
          }
          int64_t extent = type.getDimSize(d);
          Value source = arith::SubIOp::create(
              nb, l, index, arith::ConstantIndexOp::create(nb, l, low[d - 2]));
          Value last = arith::ConstantIndexOp::create(nb, l, extent - 1);
          Value notBelow = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, source, zero);
          Value notAbove = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sle, source, last);
          Value inside = arith::AndIOp::create(nb, l, notBelow, notAbove);
          inBounds = inBounds ? arith::AndIOp::create(nb, l, inBounds, inside).getResult() : inside;
          Value clamped = arith::MaxSIOp::create(
              nb, l, arith::MinSIOp::create(nb, l, source, last), zero);
          coordinates.push_back(clamped);
        }
        Value element = tensor::ExtractOp::create(nb, l, input, coordinates);
        Value result = arith::SelectOp::create(nb, l, inBounds, element, padValue);
        linalg::YieldOp::create(nb, l, result);
      });
  // The scheduler stages each tile of it as a fill plus a copy of the input
  // window (kernel::stagePaddedTiles).
  SmallVector<int64_t> allLow(rank, 0);
  llvm::copy(low, allLow.begin() + 2);
  generic->setAttr(smelt::kernel::kPadLowAttrName, b.getDenseI64ArrayAttr(allLow));
  return generic.getResult(0);
}

FailureOr<Value> lowerConv(OpBuilder &b, ConvOp op, Value input, Value weight, Value bias) {
  Location loc = op.getLoc();
  MLIRContext *context = b.getContext();
  auto resultType = cast<RankedTensorType>(op.getType());
  auto weightType = cast<RankedTensorType>(weight.getType());
  Type elementType = resultType.getElementType();
  int64_t spatial = resultType.getRank() - 2;
  ArrayRef<int64_t> pads = op.getPads(), strides = op.getStrides(),
                    dilations = op.getDilations();
  Value zero = scalarConstant(b, loc, elementType, 0);
  Value padded = padSpatial(b, loc, input, pads.take_front(spatial),
                            pads.drop_front(spatial), zero);

  // Loops: n, f, o_0..o_{s-1}, c, k_0..k_{s-1}.
  int64_t loops = 3 + 2 * spatial;
  AffineExpr n = getAffineDimExpr(0, context), f = getAffineDimExpr(1, context),
             c = getAffineDimExpr(2 + spatial, context);
  int64_t group = op.getGroup();
  int64_t channelsPerGroup = weightType.getDimSize(1);
  int64_t filtersPerGroup = weightType.getDimSize(0) / group;
  AffineExpr channel = group == 1 ? c : f.floorDiv(filtersPerGroup) * channelsPerGroup + c;
  SmallVector<AffineExpr> inputExprs = {n, channel}, weightExprs = {f, c}, outExprs = {n, f};
  for (int64_t i = 0; i < spatial; ++i) {
    AffineExpr o = getAffineDimExpr(2 + i, context);
    AffineExpr k = getAffineDimExpr(3 + spatial + i, context);
    inputExprs.push_back(o * strides[i] + k * dilations[i]);
    weightExprs.push_back(k);
    outExprs.push_back(o);
  }
  SmallVector<utils::IteratorType> iterators(2 + spatial, utils::IteratorType::parallel);
  iterators.append(1 + spatial, utils::IteratorType::reduction);

  // The accumulator starts at the bias, so no separate bias pass is needed.
  Value init;
  if (bias) {
    SmallVector<AffineMap> maps = {
        AffineMap::get(resultType.getRank(), 0, {getAffineDimExpr(1, context)}, context),
        AffineMap::getMultiDimIdentityMap(resultType.getRank(), context)};
    SmallVector<utils::IteratorType> parallel(resultType.getRank(),
                                              utils::IteratorType::parallel);
    init = linalg::GenericOp::create(
               b, loc, TypeRange{resultType}, ValueRange{bias},
               ValueRange{emptyTensor(b, loc, resultType)}, maps, parallel,
               [](OpBuilder &nb, Location l, ValueRange args) {
                 linalg::YieldOp::create(nb, l, args[0]);
               })
               .getResult(0);
  } else {
    init = filledTensor(b, loc, resultType, zero);
  }
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{padded, weight}, ValueRange{init},
      mapsOf(context, loops, {inputExprs, weightExprs, outExprs}), iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, multiplyAdd(nb, l, args[2], args[0], args[1]));
      });
  return generic.getResult(0);
}

/// Shared by both pools: a reduction over windows of the padded input. The
/// window tensor only gives linalg the extent of the window loops.
enum class PoolCombine { MaxFloat, MaxSigned, MaxUnsigned, Add };

static Value poolReduce(OpBuilder &b, Location loc, RankedTensorType resultType,
                        Value input, ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                        ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads, Value padValue,
                        Value initValue, PoolCombine combine) {
  MLIRContext *context = b.getContext();
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t spatial = resultType.getRank() - 2;
  SmallVector<int64_t> low(pads.take_front(spatial)), high(pads.drop_front(spatial));
  for (int64_t i = 0; i < spatial; ++i) {
    // ceil_mode may need cells past the end padding; they never win a max and
    // are excluded from averages by the caller.
    int64_t needed = (resultType.getDimSize(i + 2) - 1) * strides[i] +
                     (kernel[i] - 1) * dilations[i] + 1;
    high[i] = std::max(high[i], needed - inputType.getDimSize(i + 2) - low[i]);
  }
  Value padded = padSpatial(b, loc, input, low, high, padValue);
  int64_t loops = 2 + 2 * spatial;
  SmallVector<AffineExpr> inputExprs = {getAffineDimExpr(0, context),
                                        getAffineDimExpr(1, context)};
  SmallVector<AffineExpr> windowExprs, outExprs = inputExprs;
  for (int64_t i = 0; i < spatial; ++i) {
    AffineExpr o = getAffineDimExpr(2 + i, context);
    AffineExpr k = getAffineDimExpr(2 + spatial + i, context);
    inputExprs.push_back(o * strides[i] + k * dilations[i]);
    windowExprs.push_back(k);
    outExprs.push_back(o);
  }
  Value window = tensor::EmptyOp::create(b, loc, kernel, resultType.getElementType());
  SmallVector<utils::IteratorType> iterators(2 + spatial, utils::IteratorType::parallel);
  iterators.append(spatial, utils::IteratorType::reduction);
  Value init = filledTensor(b, loc, resultType, initValue);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{padded, window}, ValueRange{init},
             mapsOf(context, loops, {inputExprs, windowExprs, outExprs}), iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value combined;
               switch (combine) {
               case PoolCombine::MaxFloat:
                 combined = arith::MaximumFOp::create(nb, l, args[2], args[0]);
                 break;
               case PoolCombine::MaxSigned:
                 combined = arith::MaxSIOp::create(nb, l, args[2], args[0]);
                 break;
               case PoolCombine::MaxUnsigned:
                 combined = arith::MaxUIOp::create(nb, l, args[2], args[0]);
                 break;
               case PoolCombine::Add:
                 combined = arith::AddFOp::create(nb, l, args[2], args[0]);
                 break;
               }
               linalg::YieldOp::create(nb, l, combined);
             })
      .getResult(0);
}

FailureOr<Value> lowerMaxPool(OpBuilder &b, MaxPoolOp op, Value input) {
  Location loc = op.getLoc();
  Type original = op.getType().getElementType();
  bool isUnsigned = original.isUnsignedInteger();
  auto resultType = cast<RankedTensorType>(toSignless(op.getType()));
  Value lowest = lowestValue(b, loc, resultType.getElementType(), isUnsigned);
  PoolCombine combine = isa<FloatType>(original) ? PoolCombine::MaxFloat
                        : isUnsigned             ? PoolCombine::MaxUnsigned
                                                 : PoolCombine::MaxSigned;
  return poolReduce(b, loc, resultType, input, op.getKernelShape(), op.getStrides(),
                    op.getDilations(), op.getPads(), lowest, lowest, combine);
}

FailureOr<Value> lowerAvgPool(OpBuilder &b, AvgPoolOp op, Value input) {
  Location loc = op.getLoc();
  MLIRContext *context = b.getContext();
  auto resultType = cast<RankedTensorType>(op.getType());
  auto inputType = cast<RankedTensorType>(input.getType());
  Type elementType = resultType.getElementType();
  int64_t spatial = resultType.getRank() - 2;
  ArrayRef<int64_t> kernel = op.getKernelShape(), strides = op.getStrides(),
                    pads = op.getPads();
  SmallVector<int64_t> ones(spatial, 1);
  Value zero = scalarConstant(b, loc, elementType, 0);
  Value sums = poolReduce(b, loc, resultType, input, kernel, strides, ones, pads, zero, zero,
                          PoolCombine::Add);
  // Divide each sum by the number of cells its window covers: the input (and
  // with count_include_pad the explicit padding), never ceil_mode's overhang.
  bool includePad = op.getCountIncludePad();
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> maps(2, AffineMap::getMultiDimIdentityMap(rank, context));
  SmallVector<utils::IteratorType> parallel(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{sums},
             ValueRange{emptyTensor(b, loc, resultType)}, maps, parallel,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value count = arith::ConstantIndexOp::create(nb, l, 1);
               for (int64_t i = 0; i < spatial; ++i) {
                 int64_t size = inputType.getDimSize(i + 2);
                 int64_t lowLimit = includePad ? -pads[i] : 0;
                 int64_t highLimit = includePad ? size + pads[i + spatial] : size;
                 Value position = linalg::IndexOp::create(nb, l, 2 + i);
                 Value start = arith::SubIOp::create(
                     nb, l,
                     arith::MulIOp::create(nb, l, position,
                                           arith::ConstantIndexOp::create(nb, l, strides[i])),
                     arith::ConstantIndexOp::create(nb, l, pads[i]));
                 Value end = arith::AddIOp::create(
                     nb, l, start, arith::ConstantIndexOp::create(nb, l, kernel[i]));
                 Value first = arith::MaxSIOp::create(
                     nb, l, start, arith::ConstantIndexOp::create(nb, l, lowLimit));
                 Value last = arith::MinSIOp::create(
                     nb, l, end, arith::ConstantIndexOp::create(nb, l, highLimit));
                 Value cells = arith::SubIOp::create(nb, l, last, first);
                 count = arith::MulIOp::create(nb, l, count, cells);
               }
               Value count64 = arith::IndexCastOp::create(nb, l, nb.getI64Type(), count);
               Value divisor = arith::SIToFPOp::create(nb, l, elementType, count64);
               linalg::YieldOp::create(nb, l,
                                       arith::DivFOp::create(nb, l, args[0], divisor).getResult());
             })
      .getResult(0);
}

Value buildReduction(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
                     Value initValue, ScalarFunction combine, bool keepDims) {
  MLIRContext *context = b.getContext();
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  // Loops follow the input's dims. With keepDims each reduced dim also gets a
  // unit parallel loop just before its reduction loop, which indexes the
  // result's size-1 dim: the result has its final shape with plain
  // (projected-permutation) maps, so a consumer's tile fuses the reduction
  // directly (a reshape in between would stop tile-and-fuse).
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> inExprs, outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    if (reduced && keepDims) {
      outExprs.push_back(getAffineDimExpr(iterators.size(), context));
      iterators.push_back(utils::IteratorType::parallel);
      shape.push_back(1);
    }
    inExprs.push_back(getAffineDimExpr(iterators.size(), context));
    if (reduced) {
      iterators.push_back(utils::IteratorType::reduction);
      continue;
    }
    outExprs.push_back(getAffineDimExpr(iterators.size(), context));
    iterators.push_back(utils::IteratorType::parallel);
    shape.push_back(inputType.getDimSize(d));
  }
  auto resultType = RankedTensorType::get(shape, inputType.getElementType());
  Value init = filledTensor(b, loc, resultType, initValue);
  unsigned loops = iterators.size();
  SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, inExprs, context),
                                 AffineMap::get(loops, 0, outExprs, context)};
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{input}, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, combine(nb, l, {args[1], args[0]}));
             })
      .getResult(0);
}

FailureOr<Value> lowerReduce(OpBuilder &b, Operation *op, Value input) {
  Location loc = op->getLoc();
  auto resultType = cast<RankedTensorType>(toSignless(op->getResult(0).getType()));
  Type originalElement = cast<RankedTensorType>(op->getOperand(0).getType()).getElementType();
  Type elementType = resultType.getElementType();
  bool isFloat = isa<FloatType>(elementType);
  bool isUnsigned = isUnsignedInteger(originalElement);
  ArrayRef<int64_t> axes = cast<DenseI64ArrayAttr>(op->getAttr("axes")).asArrayRef();
  auto inputType = cast<RankedTensorType>(input.getType());

  Value init;
  std::function<Value(OpBuilder &, Location, ValueRange)> combine;
  if (isa<ReduceSumOp, ReduceMeanOp>(op)) {
    init = scalarConstant(b, loc, elementType, 0);
    combine = [](OpBuilder &nb, Location l, ValueRange v) { return addScalars(nb, l, v[0], v[1]); };
  } else if (isa<ReduceProdOp>(op)) {
    init = scalarConstant(b, loc, elementType, 1);
    combine = [](OpBuilder &nb, Location l, ValueRange v) {
      return multiplyScalars(nb, l, v[0], v[1]);
    };
  } else if (isa<ReduceMaxOp>(op)) {
    init = lowestValue(b, loc, elementType, isUnsigned);
    combine = [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
      if (isFloat)
        return arith::MaximumFOp::create(nb, l, v[0], v[1]);
      return isUnsigned ? arith::MaxUIOp::create(nb, l, v[0], v[1]).getResult()
                        : arith::MaxSIOp::create(nb, l, v[0], v[1]).getResult();
    };
  } else if (isa<ReduceMinOp>(op)) {
    init = highestValue(b, loc, elementType, isUnsigned);
    combine = [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
      if (isFloat)
        return arith::MinimumFOp::create(nb, l, v[0], v[1]);
      return isUnsigned ? arith::MinUIOp::create(nb, l, v[0], v[1]).getResult()
                        : arith::MinSIOp::create(nb, l, v[0], v[1]).getResult();
    };
  } else {
    return op->emitError("no linalg lowering for this reduction");
  }
  bool keepDims = resultType.getRank() == inputType.getRank() && !axes.empty();
  Value reduced = buildReduction(b, loc, input, axes, init, combine, keepDims);
  if (isa<ReduceMeanOp>(op)) {
    int64_t count = 1;
    for (int64_t axis : axes)
      count *= inputType.getDimSize(axis);
    auto reducedType = cast<RankedTensorType>(reduced.getType());
    Value divisor = scalarConstant(b, loc, elementType, (double)count);
    reduced = buildElementwise(
        b, loc, reducedType, ValueRange{reduced},
        [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
          if (isFloat)
            return arith::DivFOp::create(nb, l, v[0], divisor);
          return isUnsigned ? arith::DivUIOp::create(nb, l, v[0], divisor).getResult()
                            : arith::DivSIOp::create(nb, l, v[0], divisor).getResult();
        });
  }
  if (reduced.getType() != resultType)
    return op->emitError("reduction lowered to ") << reduced.getType() << ", expected "
                                                  << resultType;
  return reduced;
}

FailureOr<Value> lowerSoftmax(OpBuilder &b, SoftmaxOp op, Value input) {
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  int64_t axis = op.getAxis();
  MLIRContext *context = b.getContext();
  // The row maximum only shifts the exponents, and any shift gives the same
  // result for a row of numbers; a NaN element makes its row's sum, and so
  // every output of the row, NaN whatever the maximum is. So the maximum
  // need not propagate NaNs or order signed zeros (nnan, nsz), which lets the
  // CPU backend lower it to one vmaxps instead of a compare, a NaN test, and
  // a blend per vector.
  Value maximum = buildReduction(
      b, loc, input, {axis}, lowestValue(b, loc, elementType, false),
      [](OpBuilder &nb, Location l, ValueRange v) -> Value {
        return arith::MaximumFOp::create(nb, l, v[0], v[1],
                                         arith::FastMathFlags::nnan | arith::FastMathFlags::nsz);
      });
  // A map from the full iteration space to the reduced (axis-less) tensor.
  SmallVector<AffineExpr> reducedExprs;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (d != axis)
      reducedExprs.push_back(getAffineDimExpr(d, context));
  AffineMap full = AffineMap::getMultiDimIdentityMap(type.getRank(), context);
  AffineMap reducedMap = AffineMap::get(type.getRank(), 0, reducedExprs, context);
  SmallVector<utils::IteratorType> parallel(type.getRank(), utils::IteratorType::parallel);
  auto mapped = [&](ValueRange inputs, ArrayRef<AffineMap> inputMaps, ScalarFunction fn) {
    SmallVector<AffineMap> maps(inputMaps);
    maps.push_back(full);
    return linalg::GenericOp::create(
               b, loc, TypeRange{type}, inputs, ValueRange{emptyTensor(b, loc, type)}, maps,
               parallel,
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 linalg::YieldOp::create(nb, l, fn(nb, l, args.drop_back()));
               })
        .getResult(0);
  };
  Value exponentials = mapped({input, maximum}, {full, reducedMap},
                              [](OpBuilder &nb, Location l, ValueRange v) -> Value {
                                Value shifted = arith::SubFOp::create(nb, l, v[0], v[1]);
                                return math::ExpOp::create(nb, l, shifted);
                              });
  Value sum = buildReduction(b, loc, exponentials, {axis},
                             scalarConstant(b, loc, elementType, 0),
                             [](OpBuilder &nb, Location l, ValueRange v) -> Value {
                               return arith::AddFOp::create(nb, l, v[0], v[1]);
                             });
  if (op.getLog())
    return mapped({input, maximum, sum}, {full, reducedMap, reducedMap},
                  [](OpBuilder &nb, Location l, ValueRange v) -> Value {
                    Value shifted = arith::SubFOp::create(nb, l, v[0], v[1]);
                    return arith::SubFOp::create(nb, l, shifted,
                                                 math::LogOp::create(nb, l, v[2]));
                  });
  // Normalized by the sum's reciprocal (once per row after LLVM hoists it)
  // rather than by a division per element, which costs several
  // multiplications' throughput; one more rounding (about one ulp), as in
  // ONNX Runtime's and PyTorch's softmax kernels.
  return mapped({exponentials, sum}, {full, reducedMap},
                [elementType](OpBuilder &nb, Location l, ValueRange v) -> Value {
                  Value one = arith::ConstantOp::create(nb, l, nb.getFloatAttr(elementType, 1.0));
                  Value reciprocal = arith::DivFOp::create(nb, l, one, v[1]);
                  return arith::MulFOp::create(nb, l, v[0], reciprocal);
                });
}

} // namespace smelt::lowering
