//===- GraphToLinalg.cpp - Lowering graph ops to linalg on tensors ----------===//
#include "passes/GraphToLinalgInternal.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Complex/IR/Complex.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace smelt;
using namespace smelt::graph;
using namespace smelt::lowering;

namespace smelt {
#define GEN_PASS_DEF_GRAPHTOLINALG
#include "passes/Passes.h.inc"
} // namespace smelt

Type smelt::toSignless(Type type) {
  if (auto integer = dyn_cast<IntegerType>(type); integer && !integer.isSignless())
    return IntegerType::get(type.getContext(), integer.getWidth());
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return tensor.clone(toSignless(tensor.getElementType()));
  if (auto memref = dyn_cast<MemRefType>(type))
    return memref.clone(toSignless(memref.getElementType()));
  return type;
}

SignlessTypeConverter::SignlessTypeConverter() {
  addConversion([](Type type) { return toSignless(type); });
  auto cast = [](OpBuilder &builder, Type type, ValueRange inputs, Location loc) -> Value {
    return UnrealizedConversionCastOp::create(builder, loc, type, inputs).getResult(0);
  };
  addSourceMaterialization(cast);
  addTargetMaterialization(cast);
}

static Type elementTypeOf(Value value) {
  return cast<ShapedType>(value.getType()).getElementType();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//


static Value lowerTranspose(OpBuilder &b, TransposeOp op, Value input) {
  MLIRContext *context = b.getContext();
  auto resultType = cast<RankedTensorType>(toSignless(op.getType()));
  ArrayRef<int64_t> perm = op.getPerm();
  SmallVector<AffineExpr> exprs(perm.size());
  for (auto [resultDim, inputDim] : llvm::enumerate(perm))
    exprs[inputDim] = getAffineDimExpr(resultDim, context);
  return genericOverResult(b, op.getLoc(), resultType, {input},
                           {AffineMap::get(perm.size(), 0, exprs, context)},
                           [](OpBuilder &, Location, ValueRange v) { return v[0]; });
}

/// Strided slice: tensor.extract_slice takes every dimension forwards (a
/// negative stride reads the same elements from the low end), then a copy
/// reverses the negative-stride dimensions. A single linalg.generic with
/// `d * stride + start` maps is not enough: with start 0 and stride 1 the map
/// is a plain dimension and linalg would infer the loop range from the input.
static Value lowerSlice(OpBuilder &b, SliceOp op, Value input) {
  MLIRContext *context = b.getContext();
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(toSignless(op.getType()));
  SmallVector<OpFoldResult> offsets, sizes, strides;
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < resultType.getRank(); ++d) {
    int64_t count = resultType.getDimSize(d);
    int64_t start = op.getStarts()[d], stride = op.getStrides()[d];
    bool reversed = stride < 0 && count > 0;
    offsets.push_back(b.getIndexAttr(reversed ? start + (count - 1) * stride : (count ? start : 0)));
    sizes.push_back(b.getIndexAttr(count));
    strides.push_back(b.getIndexAttr(stride < 0 ? -stride : stride));
    AffineExpr dim = getAffineDimExpr(d, context);
    exprs.push_back(reversed ? getAffineConstantExpr(count - 1, context) - dim : dim);
  }
  Value forwards = tensor::ExtractSliceOp::create(b, loc, resultType, input, offsets, sizes, strides);
  return genericOverResult(b, loc, resultType, {forwards},
                           {AffineMap::get(resultType.getRank(), 0, exprs, context)},
                           [](OpBuilder &, Location, ValueRange v) { return v[0]; });
}

static Value lowerGather(OpBuilder &b, GatherOp op, Value input, Value indices) {
  MLIRContext *context = b.getContext();
  auto resultType = cast<RankedTensorType>(toSignless(op.getType()));
  auto inputType = cast<RankedTensorType>(input.getType());
  auto indicesType = cast<RankedTensorType>(indices.getType());
  int64_t axis = op.getAxis(), indexRank = indicesType.getRank();
  SmallVector<AffineExpr> indexExprs;
  for (int64_t d = 0; d < indexRank; ++d)
    indexExprs.push_back(getAffineDimExpr(axis + d, context));
  AffineMap indexMap = AffineMap::get(resultType.getRank(), 0, indexExprs, context);
  int64_t axisSize = inputType.getDimSize(axis);
  return genericOverResult(
      b, op.getLoc(), resultType, {indices}, {indexMap},
      [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
        // Negative indices count from the end; out-of-range ones are clamped so
        // a bad index can never read outside the tensor.
        Value index = arith::IndexCastOp::create(nb, l, nb.getIndexType(), v[0]);
        Value zero = arith::ConstantIndexOp::create(nb, l, 0);
        Value size = arith::ConstantIndexOp::create(nb, l, axisSize);
        Value isNegative =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, index, zero);
        Value wrapped = arith::SelectOp::create(
            nb, l, isNegative, arith::AddIOp::create(nb, l, index, size), index);
        Value last = arith::ConstantIndexOp::create(nb, l, axisSize - 1);
        Value clamped = arith::MinSIOp::create(
            nb, l, arith::MaxSIOp::create(nb, l, wrapped, zero), last);
        SmallVector<Value> coordinates;
        for (int64_t d = 0; d < axis; ++d)
          coordinates.push_back(linalg::IndexOp::create(nb, l, d));
        coordinates.push_back(clamped);
        for (int64_t d = axis + 1; d < inputType.getRank(); ++d)
          coordinates.push_back(linalg::IndexOp::create(nb, l, d - 1 + indexRank));
        return tensor::ExtractOp::create(nb, l, input, coordinates);
      });
}

/// One loop per distinct letter (output letters first, in output order);
/// each operand's map lists its letters' loops; the body multiplies the
/// inputs and accumulates into a zero-filled output.
static Value lowerEinsum(OpBuilder &b, EinsumOp op, ValueRange inputs) {
  MLIRContext *context = b.getContext();
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(toSignless(op.getType()));
  auto [inputsText, outputText] = op.getEquation().split("->");
  SmallVector<StringRef> terms;
  inputsText.split(terms, ',');
  SmallVector<char> loops(outputText.begin(), outputText.end());
  for (StringRef term : terms)
    for (char letter : term)
      if (!llvm::is_contained(loops, letter))
        loops.push_back(letter);
  auto mapOf = [&](StringRef letters) {
    SmallVector<AffineExpr> exprs;
    for (char letter : letters)
      exprs.push_back(getAffineDimExpr(llvm::find(loops, letter) - loops.begin(), context));
    return AffineMap::get(loops.size(), 0, exprs, context);
  };
  SmallVector<AffineMap> maps;
  for (StringRef term : terms)
    maps.push_back(mapOf(term));
  maps.push_back(mapOf(outputText));
  SmallVector<utils::IteratorType> iterators;
  for (size_t i = 0; i < loops.size(); ++i)
    iterators.push_back(i < outputText.size() ? utils::IteratorType::parallel
                                              : utils::IteratorType::reduction);
  Value init = filledTensor(b, loc, resultType,
                            scalarConstant(b, loc, resultType.getElementType(), 0));
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value product = args[0];
        for (size_t i = 1; i + 1 < args.size(); ++i)
          product = multiplyScalars(nb, l, product, args[i]);
        linalg::YieldOp::create(nb, l, addScalars(nb, l, args.back(), product));
      });
  return generic.getResult(0);
}

/// Clamped, wrapped index along an axis of `size` elements.
static Value normalizeIndex(OpBuilder &b, Location l, Value raw, int64_t size) {
  Value index = arith::IndexCastOp::create(b, l, b.getIndexType(), raw);
  Value zero = arith::ConstantIndexOp::create(b, l, 0);
  Value extent = arith::ConstantIndexOp::create(b, l, size);
  Value isNegative = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, index, zero);
  Value wrapped =
      arith::SelectOp::create(b, l, isNegative, arith::AddIOp::create(b, l, index, extent), index);
  Value last = arith::ConstantIndexOp::create(b, l, size - 1);
  return arith::MinSIOp::create(b, l, arith::MaxSIOp::create(b, l, wrapped, zero), last);
}

/// Scatter: a loop nest over the updates (row-major, so later duplicates win
/// as in the ONNX reference) inserting into a copy of the data.
static Value lowerScatter(OpBuilder &b, Operation *op, Value data, Value indices,
                          Value updates) {
  Location loc = op->getLoc();
  auto dataType = cast<RankedTensorType>(data.getType());
  auto updatesType = cast<RankedTensorType>(updates.getType());
  auto indicesType = cast<RankedTensorType>(indices.getType());
  StringRef reduction = isa<ScatterElementsOp>(op) ? cast<ScatterElementsOp>(op).getReduction()
                                                   : cast<ScatterNDOp>(op).getReduction();
  // The lowered data is signless; max/min compare unsigned integers as such.
  bool unsignedData =
      cast<RankedTensorType>(op->getOperand(0).getType()).getElementType().isUnsignedInteger();
  SmallVector<Value> lower, upper, steps;
  for (int64_t d = 0; d < updatesType.getRank(); ++d) {
    lower.push_back(arith::ConstantIndexOp::create(b, loc, 0));
    upper.push_back(arith::ConstantIndexOp::create(b, loc, updatesType.getDimSize(d)));
    steps.push_back(arith::ConstantIndexOp::create(b, loc, 1));
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lower, upper, steps, ValueRange{data},
      [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange iterArgs) -> scf::ValueVector {
        SmallVector<Value> target;
        if (auto elements = dyn_cast<ScatterElementsOp>(op)) {
          int64_t axis = elements.getAxis();
          target.assign(ivs.begin(), ivs.end());
          Value raw = tensor::ExtractOp::create(nb, l, indices, ivs);
          target[axis] = normalizeIndex(nb, l, raw, dataType.getDimSize(axis));
        } else {
          int64_t tupleDims = indicesType.getRank() - 1;
          int64_t depth = indicesType.getDimSize(tupleDims);
          for (int64_t k = 0; k < depth; ++k) {
            SmallVector<Value> at(ivs.begin(), ivs.begin() + tupleDims);
            at.push_back(arith::ConstantIndexOp::create(nb, l, k));
            Value raw = tensor::ExtractOp::create(nb, l, indices, at);
            target.push_back(normalizeIndex(nb, l, raw, dataType.getDimSize(k)));
          }
          for (int64_t d = tupleDims; d < (int64_t)ivs.size(); ++d)
            target.push_back(ivs[d]);
        }
        Value update = tensor::ExtractOp::create(nb, l, updates, ivs);
        if (reduction != "none") {
          Value old = tensor::ExtractOp::create(nb, l, iterArgs[0], target);
          if (reduction == "add")
            update = addScalars(nb, l, old, update);
          else if (reduction == "mul")
            update = multiplyScalars(nb, l, old, update);
          else if (isa<FloatType>(update.getType()))
            update = reduction == "max" ? arith::MaximumFOp::create(nb, l, old, update).getResult()
                                        : arith::MinimumFOp::create(nb, l, old, update).getResult();
          else if (unsignedData)
            update = reduction == "max" ? arith::MaxUIOp::create(nb, l, old, update).getResult()
                                        : arith::MinUIOp::create(nb, l, old, update).getResult();
          else
            update = reduction == "max" ? arith::MaxSIOp::create(nb, l, old, update).getResult()
                                        : arith::MinSIOp::create(nb, l, old, update).getResult();
        }
        return {tensor::InsertOp::create(nb, l, update, iterArgs[0], target).getResult()};
      });
  return nest.results.front();
}

static Value lowerGatherND(OpBuilder &b, GatherNDOp op, Value input, Value indices) {
  auto resultType = cast<RankedTensorType>(toSignless(op.getType()));
  auto inputType = cast<RankedTensorType>(input.getType());
  auto indicesType = cast<RankedTensorType>(indices.getType());
  int64_t batch = op.getBatchDims();
  int64_t depth = indicesType.getDimSize(indicesType.getRank() - 1);
  int64_t tupleDims = indicesType.getRank() - 1; // B... and I... of the result
  return genericOverResult(
      b, op.getLoc(), resultType, {}, {}, [&](OpBuilder &nb, Location l, ValueRange) -> Value {
        SmallVector<Value> position;
        for (int64_t d = 0; d < tupleDims; ++d)
          position.push_back(linalg::IndexOp::create(nb, l, d));
        SmallVector<Value> coordinates(position.begin(), position.begin() + batch);
        for (int64_t k = 0; k < depth; ++k) {
          SmallVector<Value> at = position;
          at.push_back(arith::ConstantIndexOp::create(nb, l, k));
          Value raw = tensor::ExtractOp::create(nb, l, indices, at);
          coordinates.push_back(normalizeIndex(nb, l, raw, inputType.getDimSize(batch + k)));
        }
        for (int64_t d = batch + depth; d < inputType.getRank(); ++d)
          coordinates.push_back(linalg::IndexOp::create(nb, l, tupleDims + d - batch - depth));
        return tensor::ExtractOp::create(nb, l, input, coordinates);
      });
}

static Value lowerGatherElements(OpBuilder &b, GatherElementsOp op, Value input, Value indices) {
  MLIRContext *context = b.getContext();
  auto resultType = cast<RankedTensorType>(toSignless(op.getType()));
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t axis = op.getAxis();
  return genericOverResult(
      b, op.getLoc(), resultType, {indices},
      {AffineMap::getMultiDimIdentityMap(resultType.getRank(), context)},
      [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
        SmallVector<Value> coordinates;
        for (int64_t d = 0; d < resultType.getRank(); ++d)
          coordinates.push_back(d == axis ? normalizeIndex(nb, l, v[0], inputType.getDimSize(d))
                                          : linalg::IndexOp::create(nb, l, d).getResult());
        return tensor::ExtractOp::create(nb, l, input, coordinates);
      });
}

/// arg_max/arg_min: a reduction carrying (best value, its index). Ties keep
/// the first index, or the last with select_last_index; NaN compares false.
static Value lowerArgReduce(OpBuilder &b, Operation *op, Value input) {
  MLIRContext *context = b.getContext();
  Location loc = op->getLoc();
  bool isMax = isa<ArgMaxOp>(op);
  int64_t axis = isMax ? cast<ArgMaxOp>(op).getAxis() : cast<ArgMinOp>(op).getAxis();
  bool keepDims = isMax ? cast<ArgMaxOp>(op).getKeepDims() : cast<ArgMinOp>(op).getKeepDims();
  bool last = isMax ? cast<ArgMaxOp>(op).getSelectLastIndex()
                    : cast<ArgMinOp>(op).getSelectLastIndex();
  Type original = elementTypeOf(op->getOperand(0));
  auto inputType = cast<RankedTensorType>(input.getType());
  Type element = inputType.getElementType();
  bool isFloat = isa<FloatType>(element);
  bool isUnsigned = original.isUnsignedInteger();
  int64_t rank = inputType.getRank();

  SmallVector<int64_t> reducedShape;
  SmallVector<AffineExpr> reducedExprs;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis) {
      reducedShape.push_back(inputType.getDimSize(d));
      reducedExprs.push_back(getAffineDimExpr(d, context));
    }
  // Start from the first element's value and index 0.
  Value firstValue;
  {
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), strides(rank, b.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(b.getIndexAttr(d == axis ? 1 : inputType.getDimSize(d)));
    auto sliceType = RankedTensorType::get(reducedShape, element);
    firstValue = tensor::ExtractSliceOp::create(b, loc, sliceType, input, offsets, sizes, strides);
  }
  Value valueInit = tensor::EmptyOp::create(b, loc, reducedShape, element);
  valueInit = linalg::CopyOp::create(b, loc, firstValue, valueInit).getResult(0);
  Type i64 = b.getI64Type();
  Value indexInit = filledTensor(b, loc, RankedTensorType::get(reducedShape, i64),
                                 arith::ConstantIntOp::create(b, loc, i64, 0));

  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators[axis] = utils::IteratorType::reduction;
  AffineMap inputMap = AffineMap::getMultiDimIdentityMap(rank, context);
  AffineMap outputMap = AffineMap::get(rank, 0, reducedExprs, context);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{valueInit.getType(), indexInit.getType()}, ValueRange{input},
      ValueRange{valueInit, indexInit}, SmallVector<AffineMap>{inputMap, outputMap, outputMap},
      iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
        Value candidate = args[0], best = args[1], bestIndex = args[2];
        Value better;
        if (isFloat)
          better = arith::CmpFOp::create(
              nb, l,
              isMax ? (last ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT)
                    : (last ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT),
              candidate, best);
        else {
          using P = arith::CmpIPredicate;
          P predicate = isMax ? (last ? (isUnsigned ? P::uge : P::sge) : (isUnsigned ? P::ugt : P::sgt))
                              : (last ? (isUnsigned ? P::ule : P::sle) : (isUnsigned ? P::ult : P::slt));
          better = arith::CmpIOp::create(nb, l, predicate, candidate, best);
        }
        Value position = arith::IndexCastOp::create(nb, l, nb.getI64Type(),
                                                    linalg::IndexOp::create(nb, l, axis));
        linalg::YieldOp::create(
            nb, l,
            ValueRange{arith::SelectOp::create(nb, l, better, candidate, best),
                       arith::SelectOp::create(nb, l, better, position, bestIndex)});
      });
  Value indices = generic.getResult(1);
  if (!keepDims)
    return indices;
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  return reshapeTensor(b, loc, indices, resultType);
}

static Value lowerConcat(OpBuilder &b, ConcatOp op, ValueRange inputs) {
  auto resultType = cast<RankedTensorType>(toSignless(op.getType()));
  int64_t axis = op.getAxis();
  SmallVector<int64_t> ends;
  int64_t end = 0;
  for (Value input : inputs) {
    end += cast<RankedTensorType>(input.getType()).getDimSize(axis);
    ends.push_back(end);
  }
  Type elementType = resultType.getElementType();
  return genericOverResult(
      b, op.getLoc(), resultType, {}, {}, [&](OpBuilder &nb, Location l, ValueRange) {
        SmallVector<Value> coordinates;
        for (int64_t d = 0; d < resultType.getRank(); ++d)
          coordinates.push_back(linalg::IndexOp::create(nb, l, d));
        Value position = coordinates[axis];
        // Chooses the input holding `position` with a chain of scf.if, so
        // only one input is ever read.
        std::function<Value(OpBuilder &, size_t)> pick = [&](OpBuilder &ib,
                                                             size_t index) -> Value {
          auto read = [&](OpBuilder &rb) -> Value {
            SmallVector<Value> local(coordinates);
            int64_t start = index == 0 ? 0 : ends[index - 1];
            local[axis] = arith::SubIOp::create(rb, l, position,
                                                arith::ConstantIndexOp::create(rb, l, start));
            return tensor::ExtractOp::create(rb, l, inputs[index], local);
          };
          if (index + 1 == inputs.size())
            return read(ib);
          Value inThis = arith::CmpIOp::create(
              ib, l, arith::CmpIPredicate::slt, position,
              arith::ConstantIndexOp::create(ib, l, ends[index]));
          auto ifOp = scf::IfOp::create(
              ib, l, inThis,
              [&](OpBuilder &tb, Location tl) { scf::YieldOp::create(tb, tl, read(tb)); },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, pick(eb, index + 1));
              });
          (void)elementType;
          return ifOp.getResult(0);
        };
        return pick(nb, 0);
      });
}

static Value lowerConstant(OpBuilder &b, ConstantOp op) {
  auto elements = cast<DenseElementsAttr>(op.getValue());
  auto type = cast<RankedTensorType>(toSignless(elements.getType()));
  if (type != elements.getType())
    elements = elements.bitcast(type.getElementType());
  return arith::ConstantOp::create(b, op.getLoc(), elements);
}

//===----------------------------------------------------------------------===//
// Dispatch and pass
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<Value>> smelt::lowerGraphOpToLinalg(OpBuilder &b, Operation *op,
                                                          ValueRange operands) {
  auto single = [](FailureOr<Value> value) -> FailureOr<SmallVector<Value>> {
    if (failed(value))
      return failure();
    return SmallVector<Value>{*value};
  };
  if (isElementwiseGraphOp(op))
    return single(lowerElementwise(b, op, operands));
  if (auto structured = lowerStructuredOp(b, op, operands))
    return *structured;
  return llvm::TypeSwitch<Operation *, FailureOr<SmallVector<Value>>>(op)
      .Case([&](ConstantOp constant) { return single(lowerConstant(b, constant)); })
      .Case<ScatterElementsOp, ScatterNDOp>([&](Operation *scatter) {
        return single(lowerScatter(b, scatter, operands[0], operands[1], operands[2]));
      })
      .Case([&](GatherNDOp gather) {
        return single(lowerGatherND(b, gather, operands[0], operands[1]));
      })
      .Case([&](EinsumOp einsum) { return single(lowerEinsum(b, einsum, operands)); })
      .Case([&](GatherElementsOp gather) {
        return single(lowerGatherElements(b, gather, operands[0], operands[1]));
      })
      .Case<ArgMaxOp, ArgMinOp>(
          [&](Operation *arg) { return single(lowerArgReduce(b, arg, operands[0])); })
      .Case([&](MatMulOp matmul) {
        return single(lowerMatMul(b, matmul, operands[0], operands[1]));
      })
      .Case([&](ConvOp conv) {
        return single(lowerConv(b, conv, operands[0], operands[1],
                                operands.size() > 2 ? operands[2] : Value()));
      })
      .Case([&](MaxPoolOp pool) { return single(lowerMaxPool(b, pool, operands[0])); })
      .Case([&](AvgPoolOp pool) { return single(lowerAvgPool(b, pool, operands[0])); })
      .Case<ReduceSumOp, ReduceMeanOp, ReduceMaxOp, ReduceMinOp, ReduceProdOp>(
          [&](Operation *reduce) { return single(lowerReduce(b, reduce, operands[0])); })
      .Case([&](SoftmaxOp softmax) { return single(lowerSoftmax(b, softmax, operands[0])); })
      .Case([&](TransposeOp transpose) {
        return single(lowerTranspose(b, transpose, operands[0]));
      })
      .Case([&](ReshapeOp reshape) {
        return single(reshapeTensor(b, reshape.getLoc(), operands[0],
                                    cast<RankedTensorType>(toSignless(reshape.getType()))));
      })
      .Case([&](SliceOp slice) { return single(lowerSlice(b, slice, operands[0])); })
      .Case([&](GatherOp gather) {
        return single(lowerGather(b, gather, operands[0], operands[1]));
      })
      .Case([&](ConcatOp concat) { return single(lowerConcat(b, concat, operands)); })
      .Default([&](Operation *) -> FailureOr<SmallVector<Value>> {
        return op->emitError("no linalg lowering for ") << op->getName();
      });
}

namespace {
struct LowerGraphOp : public ConversionPattern {
  LowerGraphOp(const TypeConverter &converter, MLIRContext *context)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isa<GraphDialect>(op->getDialect()))
      return failure();
    FailureOr<SmallVector<Value>> results = lowerGraphOpToLinalg(rewriter, op, operands);
    if (failed(results))
      return failure();
    rewriter.replaceOp(op, *results);
    return success();
  }
};

struct GraphToLinalgPass : public smelt::impl::GraphToLinalgBase<GraphToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    SignlessTypeConverter converter;
    ConversionTarget target(*context);
    target.addIllegalDialect<GraphDialect>();
    target.addLegalDialect<arith::ArithDialect, complex::ComplexDialect, linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect, tensor::TensorDialect>();
    target.addDynamicallyLegalOp<func::FuncOp>(
        [&](func::FuncOp func) { return converter.isSignatureLegal(func.getFunctionType()); });
    target.addDynamicallyLegalOp<func::ReturnOp>(
        [&](func::ReturnOp ret) { return converter.isLegal(ret.getOperandTypes()); });
    RewritePatternSet patterns(context);
    populateGraphToLinalgPatterns(converter, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void smelt::populateGraphToLinalgPatterns(const TypeConverter &converter,
                                          RewritePatternSet &patterns) {
  patterns.add<LowerGraphOp>(converter, patterns.getContext());
}
