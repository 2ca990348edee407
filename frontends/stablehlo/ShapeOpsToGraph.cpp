//===- ShapeOpsToGraph.cpp - StableHLO shape ops to the graph dialect --------===//
//
// broadcast_in_dim, reshape, transpose, reverse, slice, concatenate, pad, iota
// and their dynamic forms with constant shape operands, dynamic slices,
// reduce_precision, bitcast_convert, constants; and the shape checks of the
// program that stand in for StableHLO's verifier (graph ops built from
// mismatched operands would fail their type inference).
//
//===----------------------------------------------------------------------===//
#include "frontends/stablehlo/StablehloConverter.h"
#include "frontends/stablehlo/StablehloOps.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace smelt;
using namespace smelt::stablehlo_frontend;

namespace {

/// Same-width bitcasts are graph.bitcast; a wide element into narrow ones
/// adds a minor dim (little-endian pieces), narrow ones into a wide element
/// drop it.
LogicalResult convertBitcast(Converter &c, Operation *op) {
  OpBuilder &b = c.builder;
  Location loc = op->getLoc();
  Value input = c.get(op->getOperand(0), op);
  if (!input)
    return failure();
  RankedTensorType from = tensorType(input);
  auto to = cast<RankedTensorType>(op->getResult(0).getType());
  if (isa<ComplexType>(from.getElementType()) || isa<ComplexType>(to.getElementType()))
    return op->emitError("unsupported: bitcast_convert of complex numbers");
  unsigned fromWidth = from.getElementTypeBitWidth(), toWidth = to.getElementTypeBitWidth();
  if (fromWidth == toWidth) {
    if (from == to) {
      c.set(op->getResult(0), input);
      return success();
    }
    c.set(op->getResult(0), graph::BitcastOp::create(b, loc, to, input));
    return success();
  }
  auto unsignedOf = [&](unsigned width) { return b.getIntegerType(width, /*isSigned=*/false); };
  // Booleans are single bits (i1 converts to and from integers by value).
  auto bitsOf = [&](Value value) -> Value {
    RankedTensorType type = tensorType(value);
    if (type.getElementType() == unsignedOf(type.getElementTypeBitWidth()) ||
        type.getElementType().isInteger(1))
      return value;
    return graph::BitcastOp::create(
               b, loc, type.clone(unsignedOf(type.getElementTypeBitWidth())), value)
        .getResult();
  };
  Value bits = bitsOf(input);
  if (fromWidth > toWidth) {
    int64_t pieces = fromWidth / toWidth;
    SmallVector<int64_t> pieceShape(from.getShape());
    pieceShape.push_back(1);
    SmallVector<Value> parts;
    for (int64_t k = 0; k < pieces; ++k) {
      Value shifted = graph::ShiftRightLogicalOp::create(
          b, loc, bits, splat(b, loc, unsignedOf(fromWidth), k * toWidth));
      Value piece =
          toWidth == 1
              ? castTo(b, loc,
                       graph::AndOp::create(b, loc, shifted, splat(b, loc, unsignedOf(fromWidth), 1)),
                       b.getI1Type())
              : castTo(b, loc, shifted, unsignedOf(toWidth));
      parts.push_back(reshapeTo(b, loc, piece, pieceShape));
    }
    Value joined = graph::ConcatOp::create(b, loc, parts, b.getI64IntegerAttr(from.getRank()));
    if (tensorType(joined) != to)
      joined = graph::BitcastOp::create(b, loc, to, joined);
    c.set(op->getResult(0), joined);
    return success();
  }
  int64_t pieces = toWidth / fromWidth;
  int64_t rank = from.getRank();
  if (rank == 0 || from.getDimSize(rank - 1) != pieces)
    return op->emitError("bitcast_convert to a wider type needs a last dim of ") << pieces;
  Value result;
  for (int64_t k = 0; k < pieces; ++k) {
    Value wide = castTo(b, loc, minorElement(b, loc, bits, k), unsignedOf(toWidth));
    Value placed = graph::ShiftLeftOp::create(b, loc, wide,
                                              splat(b, loc, unsignedOf(toWidth), k * fromWidth));
    result = result ? graph::OrOp::create(b, loc, result, placed).getResult() : placed;
  }
  if (tensorType(result) != to)
    result = graph::BitcastOp::create(b, loc, to, result);
  c.set(op->getResult(0), result);
  return success();
}

LogicalResult convertConstant(Converter &c, Operation *op) {
  auto constant = cast<stablehlo::ConstantOp>(op);
  auto value = dyn_cast<DenseElementsAttr>(constant.getValue());
  if (!value)
    return op->emitError("unsupported constant (dense elements only)");
  c.set(op->getResult(0), graph::ConstantOp::create(c.builder, op->getLoc(), value.getType(), value));
  return success();
}

} // namespace

std::optional<LogicalResult> smelt::stablehlo_frontend::convertShapeOp(Converter &c,
                                                                       Operation *op) {
  OpBuilder &b = c.builder;
  Location loc = op->getLoc();
  StringRef name = op->getName().getStringRef();
  auto resultType = [&](unsigned i = 0) {
    return cast<RankedTensorType>(op->getResult(i).getType());
  };
  auto input = [&](unsigned i = 0) { return c.get(op->getOperand(i), op); };
  auto done = [&](Value value) -> LogicalResult {
    if (!value)
      return failure();
    c.set(op->getResult(0), value);
    return success();
  };
  auto attrError = [&](StringRef attribute) -> LogicalResult {
    return op->emitError("missing or malformed '") << attribute << "'";
  };
  auto constantOperand = [&](unsigned i) -> std::optional<SmallVector<int64_t>> {
    DenseElementsAttr value = constantValue(op->getOperand(i));
    if (!value) {
      op->emitError("operand ") << i << " must be a constant (it gives a shape)";
      return std::nullopt;
    }
    return integersOf(value);
  };

  if (name == "stablehlo.broadcast_in_dim" || name == "stablehlo.dynamic_broadcast_in_dim") {
    std::optional<SmallVector<int64_t>> dims = integerAttr(op, "broadcast_dimensions", {});
    Value value = input();
    if (!dims || !value)
      return value ? attrError("broadcast_dimensions") : failure();
    return done(broadcastInDim(b, loc, value, resultType(), *dims));
  }
  if (name == "stablehlo.reshape" || name == "stablehlo.dynamic_reshape") {
    Value value = input();
    if (!value)
      return failure();
    return done(reshapeTo(b, loc, value, resultType().getShape()));
  }
  if (name == "stablehlo.transpose") {
    std::optional<SmallVector<int64_t>> perm = integerAttr(op, "permutation", {});
    Value value = input();
    if (!perm || !value)
      return value ? attrError("permutation") : failure();
    return done(transposeTo(b, loc, value, *perm));
  }
  if (name == "stablehlo.reverse") {
    std::optional<SmallVector<int64_t>> dims = integerAttr(op, "dimensions", {});
    Value value = input();
    if (!dims || !value)
      return value ? attrError("dimensions") : failure();
    if (dims->empty())
      return done(value);
    return done(graph::ReverseOp::create(b, loc, value, b.getDenseI64ArrayAttr(*dims)));
  }
  if (name == "stablehlo.slice") {
    Value value = input();
    std::optional<SmallVector<int64_t>> starts = integerAttr(op, "start_indices", {}),
                                        limits = integerAttr(op, "limit_indices", {});
    if (!value)
      return failure();
    if (!starts || !limits)
      return attrError("start_indices/limit_indices");
    std::optional<SmallVector<int64_t>> strides =
        integerAttr(op, "strides", SmallVector<int64_t>(starts->size(), 1));
    if (!strides)
      return attrError("strides");
    // Normalized as graph.slice wants: an empty result starts at 0.
    for (size_t d = 0; d < starts->size(); ++d)
      if (resultType().getDimSize(d) == 0)
        (*starts)[d] = (*limits)[d] = 0;
    return done(graph::SliceOp::create(b, loc, resultType(), value,
                                       b.getDenseI64ArrayAttr(*starts),
                                       b.getDenseI64ArrayAttr(*limits),
                                       b.getDenseI64ArrayAttr(*strides)));
  }
  if (name == "stablehlo.concatenate") {
    FailureOr<SmallVector<Value>> values = c.operands(op);
    std::optional<SmallVector<int64_t>> dimension = integerAttr(op, "dimension", {});
    if (failed(values))
      return failure();
    if (!dimension || dimension->size() != 1)
      return attrError("dimension");
    if (values->size() == 1)
      return done(values->front());
    return done(graph::ConcatOp::create(b, loc, *values, b.getI64IntegerAttr(dimension->front())));
  }
  if (name == "stablehlo.pad" || name == "stablehlo.dynamic_pad") {
    Value value = input(), padding = input(1);
    if (!value || !padding)
      return failure();
    std::optional<SmallVector<int64_t>> low, high, interior;
    if (name == "stablehlo.pad") {
      low = integerAttr(op, "edge_padding_low", {});
      high = integerAttr(op, "edge_padding_high", {});
      interior = integerAttr(op, "interior_padding", {});
    } else {
      low = constantOperand(2);
      high = constantOperand(3);
      interior = constantOperand(4);
    }
    if (!low || !high || !interior)
      return attrError("padding");
    return done(graph::PadOp::create(b, loc, resultType(), value, padding,
                                     b.getDenseI64ArrayAttr(*low), b.getDenseI64ArrayAttr(*high),
                                     b.getDenseI64ArrayAttr(*interior)));
  }
  if (name == "stablehlo.iota" || name == "stablehlo.dynamic_iota") {
    std::optional<SmallVector<int64_t>> dimension = integerAttr(op, "iota_dimension", {});
    if (!dimension || dimension->size() != 1)
      return attrError("iota_dimension");
    return done(graph::IotaOp::create(b, loc, resultType(), dimension->front()));
  }
  if (name == "stablehlo.get_dimension_size") {
    std::optional<SmallVector<int64_t>> dimension = integerAttr(op, "dimension", {});
    if (!dimension || dimension->size() != 1)
      return attrError("dimension");
    RankedTensorType operandType = tensorType(op->getOperand(0));
    if (dimension->front() < 0 || dimension->front() >= operandType.getRank())
      return attrError("dimension");
    return done(splat(b, loc, resultType().getElementType(),
                      operandType.getDimSize(dimension->front())));
  }
  if (name == "stablehlo.dynamic_slice") {
    FailureOr<SmallVector<Value>> values = c.operands(op);
    if (failed(values))
      return failure();
    return done(graph::DynamicSliceOp::create(b, loc, resultType(), values->front(),
                                              ArrayRef<Value>(*values).drop_front()));
  }
  if (name == "stablehlo.dynamic_update_slice") {
    FailureOr<SmallVector<Value>> values = c.operands(op);
    if (failed(values))
      return failure();
    return done(graph::DynamicUpdateSliceOp::create(b, loc, resultType(), (*values)[0],
                                                    (*values)[1],
                                                    ArrayRef<Value>(*values).drop_front(2)));
  }
  if (name == "stablehlo.reduce_precision") {
    Value value = input();
    auto exponent = dyn_cast_or_null<IntegerAttr>(op->getAttr("exponent_bits"));
    auto mantissa = dyn_cast_or_null<IntegerAttr>(op->getAttr("mantissa_bits"));
    if (!value)
      return failure();
    if (!exponent || !mantissa)
      return attrError("exponent_bits/mantissa_bits");
    return done(graph::ReducePrecisionOp::create(b, loc, value, exponent.getInt(),
                                                 mantissa.getInt()));
  }
  if (name == "stablehlo.bitcast_convert")
    return convertBitcast(c, op);
  if (name == "stablehlo.constant")
    return convertConstant(c, op);
  if (name == "stablehlo.optimization_barrier") {
    FailureOr<SmallVector<Value>> values = c.operands(op);
    if (failed(values))
      return failure();
    c.setResults(op, *values);
    return success();
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Checks of the program (Smelt has no StableHLO verifier: graph ops built
// from mismatched operands would fail their type inference)
//===----------------------------------------------------------------------===//

static RankedTensorType rankedOrNull(Type type) { return dyn_cast<RankedTensorType>(type); }

/// Elementwise ops: every operand has the result's shape (select's predicate
/// and clamp's bounds may also be rank 0), and the value operands share one
/// element type.
LogicalResult smelt::stablehlo_frontend::checkElementwise(Operation *op) {
  StringRef name = op->getName().getStringRef();
  auto result = rankedOrNull(op->getResult(0).getType());
  if (!result)
    return op->emitError("expected a ranked tensor result");
  Type valueType;
  for (auto [index, operand] : llvm::enumerate(op->getOperands())) {
    auto type = rankedOrNull(operand.getType());
    if (!type)
      return op->emitError("operand ") << index << " is not a ranked tensor";
    bool mayBeScalar = (name == "stablehlo.select" && index == 0) || name == "stablehlo.clamp";
    if (type.getShape() != result.getShape() && !(mayBeScalar && type.getRank() == 0))
      return op->emitError("operand ") << index << " of type " << type
                                       << " does not have the result's shape " << result;
    bool isPredicate = name == "stablehlo.select" && index == 0;
    if (isPredicate) {
      if (!type.getElementType().isInteger(1))
        return op->emitError("select's predicate must be i1");
      continue;
    }
    if (!valueType)
      valueType = type.getElementType();
    else if (type.getElementType() != valueType)
      return op->emitError("operands of different element types: ")
             << valueType << " and " << type.getElementType();
  }
  return success();
}

/// Shape rules of the other ops whose graph ops infer their types.
LogicalResult smelt::stablehlo_frontend::checkShapes(Operation *op) {
  StringRef name = op->getName().getStringRef();
  auto operandType = [&](unsigned i) { return rankedOrNull(op->getOperand(i).getType()); };
  auto resultType = [&](unsigned i) { return rankedOrNull(op->getResult(i).getType()); };
  if (name == "stablehlo.transpose") {
    std::optional<SmallVector<int64_t>> perm = integerAttr(op, "permutation", {});
    RankedTensorType input = operandType(0), output = resultType(0);
    if (!perm || !input || !output || (int64_t)perm->size() != input.getRank())
      return op->emitError("permutation must list every dimension once");
    SmallVector<bool> seen(input.getRank(), false);
    for (auto [d, p] : llvm::enumerate(*perm)) {
      if (p < 0 || p >= input.getRank() || seen[p] ||
          output.getDimSize(d) != input.getDimSize(p))
        return op->emitError("permutation must list every dimension once and match the result");
      seen[p] = true;
    }
  } else if (name == "stablehlo.broadcast_in_dim") {
    std::optional<SmallVector<int64_t>> dims = integerAttr(op, "broadcast_dimensions", {});
    RankedTensorType input = operandType(0), output = resultType(0);
    if (!dims || !input || !output || (int64_t)dims->size() != input.getRank())
      return op->emitError("broadcast_dimensions needs one result dim per operand dim");
    SmallVector<bool> seen(output.getRank(), false);
    for (auto [d, target] : llvm::enumerate(*dims)) {
      if (target < 0 || target >= output.getRank() || seen[target] ||
          (input.getDimSize(d) != 1 && input.getDimSize(d) != output.getDimSize(target)))
        return op->emitError("operand dim ") << d << " cannot broadcast to result dim " << target;
      seen[target] = true;
    }
  } else if (name == "stablehlo.reshape") {
    RankedTensorType input = operandType(0), output = resultType(0);
    if (!input || !output || input.getNumElements() != output.getNumElements())
      return op->emitError("reshape must keep the number of elements");
  } else if (name == "stablehlo.concatenate") {
    std::optional<SmallVector<int64_t>> dimension = integerAttr(op, "dimension", {});
    RankedTensorType output = resultType(0);
    if (!dimension || dimension->size() != 1 || !output || dimension->front() < 0 ||
        dimension->front() >= output.getRank())
      return op->emitError("concatenate needs a dimension of the result");
    int64_t axis = dimension->front(), total = 0;
    for (Value input : op->getOperands()) {
      auto type = rankedOrNull(input.getType());
      if (!type || type.getRank() != output.getRank())
        return op->emitError("concatenated operands must have the result's rank");
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (d != axis && type.getDimSize(d) != output.getDimSize(d))
          return op->emitError("concatenated operands differ outside dimension ") << axis;
      total += type.getDimSize(axis);
    }
    if (total != output.getDimSize(axis))
      return op->emitError("concatenated sizes do not add up to the result");
  } else if (name == "stablehlo.slice") {
    RankedTensorType input = operandType(0), output = resultType(0);
    std::optional<SmallVector<int64_t>> starts = integerAttr(op, "start_indices", {}),
                                        limits = integerAttr(op, "limit_indices", {});
    if (!input || !output || !starts || !limits || (int64_t)starts->size() != input.getRank() ||
        limits->size() != starts->size())
      return op->emitError("slice needs a start and a limit per dimension");
    std::optional<SmallVector<int64_t>> strides =
        integerAttr(op, "strides", SmallVector<int64_t>(starts->size(), 1));
    if (!strides || strides->size() != starts->size())
      return op->emitError("slice needs a stride per dimension");
    for (int64_t d = 0; d < input.getRank(); ++d) {
      int64_t start = (*starts)[d], limit = (*limits)[d], stride = (*strides)[d];
      if (start < 0 || limit > input.getDimSize(d) || start > limit || stride < 1 ||
          output.getDimSize(d) != (limit - start + stride - 1) / stride)
        return op->emitError("slice bounds out of range in dimension ") << d;
    }
  } else if (name == "stablehlo.iota" || name == "stablehlo.dynamic_iota") {
    std::optional<SmallVector<int64_t>> dimension = integerAttr(op, "iota_dimension", {});
    RankedTensorType output = resultType(0);
    if (!dimension || dimension->size() != 1 || !output || dimension->front() < 0 ||
        dimension->front() >= output.getRank())
      return op->emitError("iota_dimension must be a dimension of the result");
  }
  return success();
}
