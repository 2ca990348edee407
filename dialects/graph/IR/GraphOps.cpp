//===- GraphOps.cpp - Ops of the graph dialect ------------------------------===//
//
// Result type inference and verifiers. Inference is the single source of
// truth for shapes: importers build ops without result types where they can,
// and the verifier of every InferTypeOpAdaptor op re-checks declared types.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/GraphOps.h"

#include "mlir/Dialect/CommonFolders.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace smelt::graph;

#include "dialects/graph/IR/GraphDialect.cpp.inc"

void GraphDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/graph/IR/GraphOps.cpp.inc"
      >();
}

Operation *GraphDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                             Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<int64_t>>
smelt::graph::broadcastShapes(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t l = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t r = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (l == 1) {
      result[i] = r;
    } else if (r == 1) {
      result[i] = l;
    } else if (ShapedType::isDynamic(l) || ShapedType::isDynamic(r)) {
      result[i] = ShapedType::isDynamic(l) ? r : l;
    } else if (l == r) {
      result[i] = l;
    } else {
      return failure();
    }
  }
  return result;
}

static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(
      shape, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << "?";
        else
          os << d;
      },
      "x");
  return text;
}

static LogicalResult inferBroadcastType(std::optional<Location> location, Type lhs,
                                        Type rhs, Type elementType,
                                        SmallVectorImpl<Type> &inferred) {
  auto lhsType = cast<RankedTensorType>(lhs);
  auto rhsType = cast<RankedTensorType>(rhs);
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(lhsType.getShape(), rhsType.getShape());
  if (failed(shape))
    return emitOptionalError(location, "operand shapes ", shapeString(lhsType.getShape()),
                             " and ", shapeString(rhsType.getShape()),
                             " do not broadcast");
  inferred.push_back(RankedTensorType::get(*shape, elementType));
  return success();
}

LogicalResult smelt::graph::inferBroadcastArithmeticType(
    MLIRContext *, std::optional<Location> location, Type lhs, Type rhs,
    SmallVectorImpl<Type> &inferred) {
  Type element = getElementTypeOrSelf(lhs);
  if (element != getElementTypeOrSelf(rhs))
    return emitOptionalError(location, "operand element types differ: ", element,
                             " vs ", getElementTypeOrSelf(rhs));
  return inferBroadcastType(location, lhs, rhs, element, inferred);
}

LogicalResult smelt::graph::inferBroadcastPredicateType(
    MLIRContext *context, std::optional<Location> location, Type lhs, Type rhs,
    SmallVectorImpl<Type> &inferred) {
  if (getElementTypeOrSelf(lhs) != getElementTypeOrSelf(rhs))
    return emitOptionalError(location, "operand element types differ: ",
                             getElementTypeOrSelf(lhs), " vs ",
                             getElementTypeOrSelf(rhs));
  return inferBroadcastType(location, lhs, rhs, IntegerType::get(context, 1),
                            inferred);
}

LogicalResult smelt::graph::inferBroadcastPowType(MLIRContext *,
                                                  std::optional<Location> location,
                                                  Type lhs, Type rhs,
                                                  SmallVectorImpl<Type> &inferred) {
  return inferBroadcastType(location, lhs, rhs, getElementTypeOrSelf(lhs), inferred);
}

LogicalResult smelt::graph::verifyReduceAxes(Operation *op, Type input,
                                             ArrayRef<int64_t> axes) {
  int64_t rank = cast<RankedTensorType>(input).getRank();
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] < 0 || axes[i] >= rank)
      return op->emitOpError("axis ") << axes[i] << " is out of range for rank " << rank;
    if (i > 0 && axes[i] <= axes[i - 1])
      return op->emitOpError("axes must be sorted and unique");
  }
  return success();
}

LogicalResult smelt::graph::inferReduceType(std::optional<Location> location,
                                            Type input, ArrayRef<int64_t> axes,
                                            bool keepDims,
                                            SmallVectorImpl<Type> &inferred) {
  auto type = cast<RankedTensorType>(input);
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    bool reduced = llvm::is_contained(axes, i);
    if (!reduced)
      shape.push_back(type.getDimSize(i));
    else if (keepDims)
      shape.push_back(1);
  }
  for (int64_t axis : axes)
    if (axis < 0 || axis >= type.getRank())
      return emitOptionalError(location, "reduction axis ", axis,
                               " is out of range for rank ", type.getRank());
  inferred.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

int64_t smelt::graph::windowOutputSize(int64_t input, int64_t kernel, int64_t stride,
                                       int64_t dilation, int64_t padBegin,
                                       int64_t padEnd, bool ceilMode) {
  if (ShapedType::isDynamic(input))
    return ShapedType::kDynamic;
  int64_t span = (kernel - 1) * dilation + 1;
  int64_t extent = input + padBegin + padEnd - span;
  if (extent < 0)
    return 0;
  int64_t count = (ceilMode ? (extent + stride - 1) / stride : extent / stride) + 1;
  // A window must start inside the input or the begin padding (PyTorch and
  // ONNX Runtime drop a last window that would start in the end padding).
  if (ceilMode && (count - 1) * stride >= input + padBegin)
    --count;
  return count;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

LogicalResult SelectOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  Type onTrue = adaptor.getOnTrue().getType();
  Type onFalse = adaptor.getOnFalse().getType();
  if (getElementTypeOrSelf(onTrue) != getElementTypeOrSelf(onFalse))
    return emitOptionalError(location, "select branches have different element types");
  auto conditionShape = cast<RankedTensorType>(adaptor.getCondition().getType()).getShape();
  FailureOr<SmallVector<int64_t>> valuesShape = broadcastShapes(
      cast<RankedTensorType>(onTrue).getShape(), cast<RankedTensorType>(onFalse).getShape());
  if (failed(valuesShape))
    return emitOptionalError(location, "select branches do not broadcast");
  FailureOr<SmallVector<int64_t>> shape = broadcastShapes(conditionShape, *valuesShape);
  if (failed(shape))
    return emitOptionalError(location, "select condition does not broadcast");
  inferred.push_back(RankedTensorType::get(*shape, getElementTypeOrSelf(onTrue)));
  return success();
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Linear algebra and convolution
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  auto lhs = cast<RankedTensorType>(adaptor.getLhs().getType());
  auto rhs = cast<RankedTensorType>(adaptor.getRhs().getType());
  if (lhs.getRank() < 2 || rhs.getRank() < 2)
    return emitOptionalError(location, "matmul operands must have rank >= 2");
  if (lhs.getElementType() != rhs.getElementType())
    return emitOptionalError(location, "matmul operand element types differ");
  int64_t k = lhs.getShape().back();
  int64_t rhsK = rhs.getDimSize(rhs.getRank() - 2);
  if (!ShapedType::isDynamic(k) && !ShapedType::isDynamic(rhsK) && k != rhsK)
    return emitOptionalError(location, "matmul contraction sizes differ: ", k,
                             " vs ", rhsK);
  FailureOr<SmallVector<int64_t>> batch = broadcastShapes(
      lhs.getShape().drop_back(2), rhs.getShape().drop_back(2));
  if (failed(batch))
    return emitOptionalError(location, "matmul batch dimensions do not broadcast");
  SmallVector<int64_t> shape = *batch;
  shape.push_back(lhs.getDimSize(lhs.getRank() - 2));
  shape.push_back(rhs.getShape().back());
  inferred.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  auto weight = cast<RankedTensorType>(adaptor.getWeight().getType());
  int64_t spatial = input.getRank() - 2;
  if (spatial < 1 || weight.getRank() != input.getRank())
    return emitOptionalError(location, "conv input and weight must have the same rank >= 3");
  ArrayRef<int64_t> strides = adaptor.getStrides(), dilations = adaptor.getDilations(),
                    pads = adaptor.getPads();
  if ((int64_t)strides.size() != spatial || (int64_t)dilations.size() != spatial ||
      (int64_t)pads.size() != 2 * spatial)
    return emitOptionalError(location, "conv needs ", spatial, " strides and dilations and ",
                             2 * spatial, " pads");
  int64_t group = adaptor.getGroup();
  if (group < 1)
    return emitOptionalError(location, "conv group must be positive");
  int64_t channels = input.getDimSize(1), filters = weight.getDimSize(0);
  if (!ShapedType::isDynamic(channels) && channels != weight.getDimSize(1) * group)
    return emitOptionalError(location, "conv input has ", channels,
                             " channels but weight expects ", weight.getDimSize(1) * group);
  if (filters % group != 0)
    return emitOptionalError(location, "conv filters (", filters,
                             ") not divisible by group (", group, ")");
  if (Value bias = adaptor.getBias()) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1 || biasType.getDimSize(0) != filters)
      return emitOptionalError(location, "conv bias must have shape [", filters, "]");
  }
  SmallVector<int64_t> shape = {input.getDimSize(0), filters};
  for (int64_t i = 0; i < spatial; ++i) {
    if (strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 || pads[i + spatial] < 0)
      return emitOptionalError(location, "conv strides/dilations must be positive and pads non-negative");
    shape.push_back(windowOutputSize(input.getDimSize(i + 2), weight.getDimSize(i + 2),
                                     strides[i], dilations[i], pads[i], pads[i + spatial],
                                     /*ceilMode=*/false));
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

static LogicalResult inferPoolType(std::optional<Location> location, Type inputType,
                                   ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                                   ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads,
                                   bool ceilMode, SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(inputType);
  int64_t spatial = input.getRank() - 2;
  if (spatial < 1)
    return emitOptionalError(location, "pooling input must have rank >= 3");
  if ((int64_t)kernel.size() != spatial || (int64_t)strides.size() != spatial ||
      (int64_t)dilations.size() != spatial || (int64_t)pads.size() != 2 * spatial)
    return emitOptionalError(location, "pooling needs ", spatial,
                             " kernel sizes, strides and dilations and ", 2 * spatial, " pads");
  SmallVector<int64_t> shape = {input.getDimSize(0), input.getDimSize(1)};
  for (int64_t i = 0; i < spatial; ++i) {
    if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 ||
        pads[i + spatial] < 0)
      return emitOptionalError(location, "pooling sizes must be positive and pads non-negative");
    shape.push_back(windowOutputSize(input.getDimSize(i + 2), kernel[i], strides[i],
                                     dilations[i], pads[i], pads[i + spatial], ceilMode));
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult MaxPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  return inferPoolType(location, adaptor.getInput().getType(), adaptor.getKernelShape(),
                       adaptor.getStrides(), adaptor.getDilations(), adaptor.getPads(),
                       adaptor.getCeilMode(), inferred);
}

LogicalResult AvgPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  SmallVector<int64_t> ones(adaptor.getKernelShape().size(), 1);
  return inferPoolType(location, adaptor.getInput().getType(), adaptor.getKernelShape(),
                       adaptor.getStrides(), ones, adaptor.getPads(), adaptor.getCeilMode(),
                       inferred);
}

//===----------------------------------------------------------------------===//
// Reductions and normalizations
//===----------------------------------------------------------------------===//

LogicalResult AllReduceOp::verify() {
  StringRef reduction = getReduction();
  if (reduction != "sum" && reduction != "prod" && reduction != "min" && reduction != "max")
    return emitOpError("reduction must be sum, prod, min or max, not '") << reduction << "'";
  Type element = getType().getElementType();
  if (!element.isF32() && !element.isF64() && !element.isSignlessInteger(32) &&
      !element.isSignlessInteger(64))
    return emitOpError("communicates f32, f64, i32 or i64 tensors, not ") << element;
  return success();
}

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getType().getRank();
  if (getAxis() < 0 || getAxis() >= rank)
    return emitOpError("axis ") << getAxis() << " is out of range for rank " << rank;
  return success();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if ((int64_t)perm.size() != input.getRank())
    return emitOptionalError(location, "transpose permutation has ", perm.size(),
                             " entries for rank ", input.getRank());
  SmallVector<bool> seen(perm.size(), false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= input.getRank() || seen[p])
      return emitOptionalError(location, "transpose permutation is not a permutation");
    seen[p] = true;
    shape.push_back(input.getDimSize(p));
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto input = getInput().getType();
  auto output = getType();
  if (input.getElementType() != output.getElementType())
    return emitOpError("reshape cannot change the element type");
  if (input.hasStaticShape() && output.hasStaticShape() &&
      input.getNumElements() != output.getNumElements())
    return emitOpError("reshape from ") << shapeString(input.getShape()) << " ("
                                        << input.getNumElements() << " elements) to "
                                        << shapeString(output.getShape()) << " ("
                                        << output.getNumElements() << " elements)";
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPerm();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return getInput();
  auto input = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
  auto resultType = cast<RankedTensorType>(getType());
  if (!input || !resultType.hasStaticShape())
    return {};
  if (input.isSplat())
    return input.resizeSplat(resultType);
  // Bit-packed booleans and oversized weights stay a runtime transpose.
  int64_t count = resultType.getNumElements();
  if (input.getElementType().isInteger(1) || count > (int64_t(1) << 26))
    return {};
  ArrayRef<char> raw = input.getRawData();
  size_t elementBytes = raw.size() / count;
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  SmallVector<int64_t> inputStrides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    inputStrides[d] = inputStrides[d + 1] * inputType.getDimSize(d + 1);
  std::vector<char> bytes(raw.size());
  SmallVector<int64_t> index(rank, 0);
  for (int64_t linear = 0; linear < count; ++linear) {
    int64_t source = 0;
    for (int64_t d = 0; d < rank; ++d)
      source += index[d] * inputStrides[perm[d]];
    std::memcpy(bytes.data() + linear * elementBytes, raw.data() + source * elementBytes,
                elementBytes);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < resultType.getDimSize(d))
        break;
      index[d] = 0;
    }
  }
  return DenseElementsAttr::getFromRawBuffer(resultType, bytes);
}

namespace {

/// `shape` without its unit dims.
SmallVector<int64_t> withoutUnitDims(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> dims;
  for (int64_t size : shape)
    if (size != 1)
      dims.push_back(size);
  return dims;
}

/// A reshape that only inserts unit dims (x -> x with 1s), the form
/// StableHLO's broadcast_in_dim of a reduced value takes on its way back to
/// the full shape.
bool insertsUnitDims(ReshapeOp reshape) {
  auto input = reshape.getInput().getType(), output = reshape.getType();
  return input.hasStaticShape() && output.hasStaticShape() &&
         output.getRank() > input.getRank() &&
         withoutUnitDims(input.getShape()) == withoutUnitDims(output.getShape());
}

/// reshape(reshape(x)) -> reshape(x).
struct ReshapeOfReshape : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<ReshapeOp>();
    if (!inner)
      return failure();
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), inner.getInput());
    return success();
  }
};

/// A reduction without kept dims that is reshaped to insert exactly them is a
/// reduction with keep_dims: the consumers then read it broadcast along the
/// unit dims, which fusion keeps in one kernel with the reduction (a
/// reshape is a kernel boundary).
template <typename ReduceOp>
struct KeepReducedDims : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern<ReshapeOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    auto reduce = op.getInput().template getDefiningOp<ReduceOp>();
    if (!reduce || reduce.getKeepDims() || !reduce->hasOneUse())
      return failure();
    SmallVector<Type> keptType;
    if (failed(inferReduceType(reduce.getLoc(), reduce.getInput().getType(), reduce.getAxes(),
                               /*keepDims=*/true, keptType)) ||
        keptType.front() != op.getType())
      return failure();
    rewriter.replaceOpWithNewOp<ReduceOp>(op, op.getType(), reduce.getInput(),
                                          reduce.getAxesAttr(), rewriter.getBoolAttr(true));
    return success();
  }
};

/// reshape(elementwise(a, b)) -> elementwise(reshape(a), reshape(b)) for a
/// reshape that inserts unit dims, so it moves up to the reduction it came
/// from (KeepReducedDims). Only for an elementwise op used once whose
/// operands have its shape or are rank 0.
struct UnitDimsThroughElementwise : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    Operation *def = op.getInput().getDefiningOp();
    if (!def || !insertsUnitDims(op) || def->getNumResults() != 1 || !def->hasOneUse() ||
        def->getNumRegions() != 0 || !isa<GraphDialect>(def->getDialect()) ||
        !(def->hasTrait<OpTrait::Elementwise>() ||
          isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp, ModOp, EqualOp, LessOp,
              LessEqualOp, GreaterOp, GreaterEqualOp, AndOp, OrOp, XorOp, SelectOp>(def)))
      return failure();
    auto inputShape = op.getInput().getType().getShape();
    bool broadcasts = !def->hasTrait<OpTrait::Elementwise>();
    for (Value operand : def->getOperands()) {
      auto type = cast<RankedTensorType>(operand.getType());
      if (type.getShape() != inputShape && !(broadcasts && type.getRank() == 0))
        return failure();
    }
    // Operands of the op's shape are reshaped with it; rank-0 operands of a
    // broadcasting op stay scalars.
    SmallVector<Value> operands;
    for (Value operand : def->getOperands()) {
      auto type = cast<RankedTensorType>(operand.getType());
      operands.push_back(type.getShape() != inputShape
                             ? operand
                             : ReshapeOp::create(rewriter, op.getLoc(),
                                                 op.getType().clone(type.getElementType()),
                                                 operand)
                                   .getResult());
    }
    Operation *moved = rewriter.clone(*def);
    moved->setOperands(operands);
    moved->getResult(0).setType(op.getType());
    rewriter.replaceOp(op, moved->getResults());
    return success();
  }
};

} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &patterns, MLIRContext *context) {
  patterns.add<ReshapeOfReshape, UnitDimsThroughElementwise, KeepReducedDims<ReduceSumOp>,
               KeepReducedDims<ReduceMeanOp>, KeepReducedDims<ReduceMaxOp>,
               KeepReducedDims<ReduceMinOp>, KeepReducedDims<ReduceProdOp>>(context);
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto elements = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return elements.reshape(getType());
  return {};
}

LogicalResult BroadcastOp::verify() {
  auto input = getInput().getType();
  auto output = getType();
  if (input.getElementType() != output.getElementType())
    return emitOpError("broadcast cannot change the element type");
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(input.getShape(), output.getShape());
  if (input.getRank() > output.getRank() || failed(shape) ||
      ArrayRef<int64_t>(*shape) != output.getShape())
    return emitOpError("cannot broadcast ")
           << shapeString(input.getShape()) << " to " << shapeString(output.getShape());
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  if (adaptor.getInputs().empty())
    return emitOptionalError(location, "concat needs at least one input");
  auto first = cast<RankedTensorType>(adaptor.getInputs()[0].getType());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= first.getRank())
    return emitOptionalError(location, "concat axis ", axis, " is out of range");
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value input : adaptor.getInputs()) {
    auto type = cast<RankedTensorType>(input.getType());
    if (type.getRank() != first.getRank() || type.getElementType() != first.getElementType())
      return emitOptionalError(location, "concat inputs differ in rank or element type");
    for (int64_t i = 0; i < type.getRank(); ++i) {
      if (i == axis)
        continue;
      if (type.getDimSize(i) != first.getDimSize(i))
        return emitOptionalError(location, "concat inputs differ in dimension ", i);
    }
    if (ShapedType::isDynamic(type.getDimSize(axis)) || ShapedType::isDynamic(shape[axis]))
      shape[axis] = ShapedType::kDynamic;
    else
      shape[axis] += type.getDimSize(axis);
  }
  inferred.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> starts = adaptor.getStarts(), limits = adaptor.getLimits(),
                    strides = adaptor.getStrides();
  int64_t rank = input.getRank();
  if ((int64_t)starts.size() != rank || (int64_t)limits.size() != rank ||
      (int64_t)strides.size() != rank)
    return emitOptionalError(location, "slice needs ", rank,
                             " starts, limits and strides");
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t stride = strides[i];
    if (stride == 0)
      return emitOptionalError(location, "slice stride must not be zero");
    int64_t size = stride > 0 ? (limits[i] - starts[i] + stride - 1) / stride
                              : (starts[i] - limits[i] - stride - 1) / -stride;
    size = std::max<int64_t>(size, 0);
    int64_t dim = input.getDimSize(i);
    if (size > 0 && !ShapedType::isDynamic(dim) &&
        (starts[i] < 0 || starts[i] >= dim || starts[i] + (size - 1) * stride < 0 ||
         starts[i] + (size - 1) * stride >= dim))
      return emitOptionalError(location, "slice of dimension ", i, " is out of bounds");
    shape.push_back(size);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult EinsumOp::verify() {
  StringRef equation = getEquation();
  auto [inputsText, outputText] = equation.split("->");
  if (!equation.contains("->"))
    return emitOpError("equation must be explicit (contain '->')");
  SmallVector<StringRef> terms;
  inputsText.split(terms, ',');
  if (terms.size() != getInputs().size())
    return emitOpError("equation names ") << terms.size() << " inputs, op has "
                                          << getInputs().size();
  llvm::DenseMap<char, int64_t> extents;
  auto bind = [&](StringRef letters, ShapedType type) -> LogicalResult {
    if ((int64_t)letters.size() != type.getRank())
      return emitOpError("term '") << letters << "' does not match rank of " << type;
    for (auto [letter, extent] : llvm::zip(letters, type.getShape())) {
      if (!llvm::isAlpha(letter))
        return emitOpError("equation letters must be a-z or A-Z");
      auto [it, inserted] = extents.try_emplace(letter, extent);
      if (!inserted && it->second != extent)
        return emitOpError("index '") << letter << "' has extents " << it->second << " and "
                                      << extent;
    }
    return success();
  };
  for (auto [term, input] : llvm::zip(terms, getInputs()))
    if (failed(bind(term, cast<ShapedType>(input.getType()))))
      return failure();
  for (char letter : outputText)
    if (!extents.count(letter))
      return emitOpError("output index '") << letter << "' appears in no input";
  return bind(outputText, getType());
}

LogicalResult GatherNDOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                           Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  auto indices = cast<RankedTensorType>(adaptor.getIndices().getType());
  int64_t batch = adaptor.getBatchDims();
  if (indices.getRank() < 1 || batch < 0 || batch >= indices.getRank() ||
      batch > input.getRank())
    return emitOptionalError(location, "gather_nd: bad batch_dims or indices rank");
  int64_t depth = indices.getDimSize(indices.getRank() - 1);
  if (ShapedType::isDynamic(depth) || batch + depth > input.getRank())
    return emitOptionalError(location, "gather_nd: index tuples of ", depth,
                             " exceed the input's rank");
  for (int64_t d = 0; d < batch; ++d)
    if (indices.getDimSize(d) != input.getDimSize(d))
      return emitOptionalError(location, "gather_nd: batch dim ", d, " differs");
  SmallVector<int64_t> shape(indices.getShape().drop_back());
  llvm::append_range(shape, input.getShape().drop_front(batch + depth));
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult GatherElementsOp::inferReturnTypes(MLIRContext *,
                                                 std::optional<Location> location,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  auto indices = cast<RankedTensorType>(adaptor.getIndices().getType());
  int64_t axis = adaptor.getAxis();
  if (indices.getRank() != input.getRank())
    return emitOptionalError(location, "gather_elements indices must have the input's rank");
  if (axis < 0 || axis >= input.getRank())
    return emitOptionalError(location, "gather_elements axis ", axis, " is out of range");
  inferred.push_back(RankedTensorType::get(indices.getShape(), input.getElementType()));
  return success();
}

LogicalResult smelt::graph::inferArgReduceType(std::optional<Location> location, Type input,
                                               int64_t axis, bool keepDims,
                                               SmallVectorImpl<Type> &inferred) {
  auto type = cast<RankedTensorType>(input);
  if (axis < 0 || axis >= type.getRank())
    return emitOptionalError(location, "axis ", axis, " is out of range for ", type);
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (d != axis)
      shape.push_back(type.getDimSize(d));
    else if (keepDims)
      shape.push_back(1);
  }
  inferred.push_back(RankedTensorType::get(shape, IntegerType::get(type.getContext(), 64)));
  return success();
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  auto indices = cast<RankedTensorType>(adaptor.getIndices().getType());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= input.getRank())
    return emitOptionalError(location, "gather axis ", axis, " is out of range");
  SmallVector<int64_t> shape(input.getShape().take_front(axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, input.getShape().drop_front(axis + 1));
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

#define GET_OP_CLASSES
#include "dialects/graph/IR/GraphOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Elementwise ops with a verifier
//===----------------------------------------------------------------------===//

LogicalResult BitcastOp::verify() {
  Type from = getInput().getType().getElementType();
  Type to = getOutput().getType().getElementType();
  if (from.getIntOrFloatBitWidth() != to.getIntOrFloatBitWidth())
    return emitOpError("bitcast needs element types of one width, got ") << from << " and " << to;
  return success();
}

