//===- GraphOps.td - Ops of the graph dialect --------------*- tablegen -*-===//
#ifndef SMELT_GRAPH_OPS
#define SMELT_GRAPH_OPS

include "dialects/graph/IR/GraphDialect.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Graph_FloatTensor : RankedTensorOf<[AnyFloat]>;
// Floats and complex numbers: the functions defined on both.
def Graph_FloatOrComplexTensor : RankedTensorOf<[AnyFloat, AnyComplex]>;
def Graph_IndexTensor : RankedTensorOf<[I32, I64]>;
def Graph_BoolTensor : RankedTensorOf<[I1]>;
def Graph_IndexTensorAnyWidth : RankedTensorOf<[AnyInteger]>;

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Graph_UnaryOp<string mnemonic, Type operandType, list<Trait> traits = []>
    : Graph_Op<mnemonic, !listconcat(traits,
          [Pure, Elementwise, SameOperandsAndResultType])> {
  let arguments = (ins operandType:$input);
  let results = (outs operandType:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
}

def Graph_NegOp : Graph_UnaryOp<"neg", AnyRankedTensor> {
  let summary = "elementwise negation";
}
def Graph_AbsOp : Graph_UnaryOp<"abs", AnyRankedTensor> {
  let summary = "elementwise absolute value";
}
def Graph_ReluOp : Graph_UnaryOp<"relu", AnyRankedTensor> {
  let summary = "elementwise max(x, 0)";
}
def Graph_SigmoidOp : Graph_UnaryOp<"sigmoid", Graph_FloatOrComplexTensor> {
  let summary = "elementwise 1 / (1 + exp(-x))";
}
def Graph_TanhOp : Graph_UnaryOp<"tanh", Graph_FloatOrComplexTensor> {
  let summary = "elementwise hyperbolic tangent";
}
def Graph_ExpOp : Graph_UnaryOp<"exp", Graph_FloatOrComplexTensor> {
  let summary = "elementwise e^x";
}
def Graph_LogOp : Graph_UnaryOp<"log", Graph_FloatOrComplexTensor> {
  let summary = "elementwise natural logarithm";
}
def Graph_SqrtOp : Graph_UnaryOp<"sqrt", Graph_FloatOrComplexTensor> {
  let summary = "elementwise square root";
}
def Graph_ErfOp : Graph_UnaryOp<"erf", Graph_FloatTensor> {
  let summary = "elementwise Gauss error function";
}
def Graph_ErfcOp : Graph_UnaryOp<"erfc", Graph_FloatTensor> {
  let summary = "elementwise complementary error function 1 - erf(x), accurate for large x";
}
def Graph_FloorOp : Graph_UnaryOp<"floor", Graph_FloatTensor> {
  let summary = "elementwise largest integer not greater than x";
}
def Graph_CeilOp : Graph_UnaryOp<"ceil", Graph_FloatTensor> {
  let summary = "elementwise smallest integer not less than x";
}
def Graph_RoundOp : Graph_UnaryOp<"round", Graph_FloatTensor> {
  let summary = "elementwise x rounded to the nearest integer, ties to even";
}
def Graph_SinOp : Graph_UnaryOp<"sin", Graph_FloatOrComplexTensor> {
  let summary = "elementwise sine";
}
def Graph_CosOp : Graph_UnaryOp<"cos", Graph_FloatOrComplexTensor> {
  let summary = "elementwise cosine";
}
def Graph_TanOp : Graph_UnaryOp<"tan", Graph_FloatOrComplexTensor> {
  let summary = "elementwise tangent";
}
def Graph_AsinOp : Graph_UnaryOp<"asin", Graph_FloatTensor> {
  let summary = "elementwise arcsine";
}
def Graph_AcosOp : Graph_UnaryOp<"acos", Graph_FloatTensor> {
  let summary = "elementwise arccosine";
}
def Graph_AtanOp : Graph_UnaryOp<"atan", Graph_FloatTensor> {
  let summary = "elementwise arctangent";
}
def Graph_SinhOp : Graph_UnaryOp<"sinh", Graph_FloatTensor> {
  let summary = "elementwise hyperbolic sine";
}
def Graph_CoshOp : Graph_UnaryOp<"cosh", Graph_FloatTensor> {
  let summary = "elementwise hyperbolic cosine";
}
def Graph_AsinhOp : Graph_UnaryOp<"asinh", Graph_FloatTensor> {
  let summary = "elementwise inverse hyperbolic sine";
}
def Graph_AcoshOp : Graph_UnaryOp<"acosh", Graph_FloatTensor> {
  let summary = "elementwise inverse hyperbolic cosine";
}
def Graph_AtanhOp : Graph_UnaryOp<"atanh", Graph_FloatTensor> {
  let summary = "elementwise inverse hyperbolic tangent";
}
def Graph_NotOp : Graph_UnaryOp<"not", RankedTensorOf<[AnyInteger]>> {
  let summary = "elementwise logical not (i1), bitwise complement (wider integers)";
}
def Graph_Expm1Op : Graph_UnaryOp<"expm1", Graph_FloatOrComplexTensor> {
  let summary = "elementwise e^x - 1, accurate near 0";
}
def Graph_Log1pOp : Graph_UnaryOp<"log1p", Graph_FloatOrComplexTensor> {
  let summary = "elementwise log(1 + x), accurate near 0";
}
def Graph_CbrtOp : Graph_UnaryOp<"cbrt", Graph_FloatTensor> {
  let summary = "elementwise cube root";
}
def Graph_RsqrtOp : Graph_UnaryOp<"rsqrt", Graph_FloatOrComplexTensor> {
  let summary = "elementwise 1 / sqrt(x)";
}
def Graph_RoundAwayOp : Graph_UnaryOp<"round_away", Graph_FloatTensor> {
  let summary = "elementwise x rounded to the nearest integer, ties away from zero";
}
def Graph_SignOp : Graph_UnaryOp<"sign", AnyRankedTensor> {
  let summary = "elementwise -1, 0 or 1 by the sign of x (NaN stays NaN, -0 stays -0)";
}
def Graph_PopcntOp : Graph_UnaryOp<"popcnt", RankedTensorOf<[AnyInteger]>> {
  let summary = "elementwise number of set bits";
}
def Graph_ClzOp : Graph_UnaryOp<"clz", RankedTensorOf<[AnyInteger]>> {
  let summary = "elementwise number of leading zero bits";
}
def Graph_RealOp : Graph_Op<"real", [Pure, Elementwise, SameOperandsAndResultShape]> {
  let summary = "elementwise real part of complex numbers";
  let arguments = (ins RankedTensorOf<[AnyComplex]>:$input);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
}
def Graph_ImagOp : Graph_Op<"imag", [Pure, Elementwise, SameOperandsAndResultShape]> {
  let summary = "elementwise imaginary part of complex numbers";
  let arguments = (ins RankedTensorOf<[AnyComplex]>:$input);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
}
def Graph_MagnitudeOp : Graph_Op<"magnitude", [Pure, Elementwise, SameOperandsAndResultShape]> {
  let summary = "elementwise |z| of complex numbers (without overflow in between)";
  let arguments = (ins RankedTensorOf<[AnyComplex]>:$input);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
}
def Graph_ComplexOp : Graph_Op<"complex", [Pure, Elementwise, SameOperandsAndResultShape]> {
  let summary = "elementwise complex numbers from real and imaginary parts";
  let arguments = (ins Graph_FloatTensor:$real, Graph_FloatTensor:$imaginary);
  let results = (outs RankedTensorOf<[AnyComplex]>:$output);
  let assemblyFormat = "$real `,` $imaginary attr-dict `:` functional-type(operands, results)";
}
def Graph_IsFiniteOp : Graph_Op<"is_finite", [Pure, Elementwise, SameOperandsAndResultShape]> {
  let summary = "elementwise: x is neither infinite nor NaN";
  let arguments = (ins Graph_FloatTensor:$input);
  let results = (outs Graph_BoolTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
}
def Graph_BitcastOp : Graph_Op<"bitcast", [Pure, Elementwise, SameOperandsAndResultShape]> {
  let summary = "elementwise reinterpretation of the bits as another type of the same width";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasVerifier = 1;
}

// Binary ops broadcast their operands like NumPy; the result shape is inferred.
class Graph_BinaryOp<string mnemonic, string inferFunction, list<Trait> traits = []>
    : Graph_Op<mnemonic, !listconcat(traits,
          [Pure, InferTypeOpAdaptor])> {
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      return }] # inferFunction # [{(context, location, adaptor.getLhs().getType(),
                                      adaptor.getRhs().getType(), inferred);
    }
  }];
}

// Arithmetic: both operands share the element type; so does the result.
class Graph_ArithmeticOp<string mnemonic, list<Trait> traits = []>
    : Graph_BinaryOp<mnemonic, "inferBroadcastArithmeticType", traits>;
// Comparison and logic: the result is i1.
class Graph_PredicateOp<string mnemonic, list<Trait> traits = []>
    : Graph_BinaryOp<mnemonic, "inferBroadcastPredicateType", traits>;

def Graph_AddOp : Graph_ArithmeticOp<"add", [Commutative]> {
  let summary = "elementwise addition";
}
def Graph_SubOp : Graph_ArithmeticOp<"sub"> {
  let summary = "elementwise subtraction";
}
def Graph_MulOp : Graph_ArithmeticOp<"mul", [Commutative]> {
  let summary = "elementwise multiplication";
}
def Graph_DivOp : Graph_ArithmeticOp<"div"> {
  let summary = "elementwise division (integer division truncates)";
}
def Graph_MaxOp : Graph_ArithmeticOp<"max", [Commutative]> {
  let summary = "elementwise maximum (NaN propagates)";
}
def Graph_MinOp : Graph_ArithmeticOp<"min", [Commutative]> {
  let summary = "elementwise minimum (NaN propagates)";
}
def Graph_ModOp : Graph_ArithmeticOp<"mod"> {
  let summary = "elementwise remainder";
  let description = [{
    With `fmod`, the remainder of truncated division (the sign of the
    dividend, as C's fmod); otherwise of floored division (the sign of the
    divisor, as Python's %), integers only.
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$fmod);
}
def Graph_PowOp : Graph_BinaryOp<"pow", "inferBroadcastPowType"> {
  let summary = "elementwise lhs^rhs; the result has lhs's element type";
}

def Graph_EqualOp : Graph_PredicateOp<"equal", [Commutative]> {
  let summary = "elementwise ==";
}
def Graph_LessOp : Graph_PredicateOp<"less"> {
  let summary = "elementwise <";
}
def Graph_LessEqualOp : Graph_PredicateOp<"less_equal"> {
  let summary = "elementwise <=";
}
def Graph_GreaterOp : Graph_PredicateOp<"greater"> {
  let summary = "elementwise >";
}
def Graph_GreaterEqualOp : Graph_PredicateOp<"greater_equal"> {
  let summary = "elementwise >=";
}
// Logic on i1, bitwise on wider integers; the result has the operands' type.
def Graph_AndOp : Graph_ArithmeticOp<"and", [Commutative]> {
  let summary = "elementwise logical (i1) or bitwise and";
}
def Graph_OrOp : Graph_ArithmeticOp<"or", [Commutative]> {
  let summary = "elementwise logical (i1) or bitwise or";
}
def Graph_XorOp : Graph_ArithmeticOp<"xor", [Commutative]> {
  let summary = "elementwise logical (i1) or bitwise exclusive or";
}
def Graph_ShiftLeftOp : Graph_ArithmeticOp<"shift_left"> {
  let summary = "elementwise lhs << rhs (0 when rhs is negative or >= the bit width)";
}
def Graph_ShiftRightLogicalOp : Graph_ArithmeticOp<"shift_right_logical"> {
  let summary = "elementwise logical lhs >> rhs (0 when rhs is negative or >= the bit width)";
}
def Graph_ShiftRightArithmeticOp : Graph_ArithmeticOp<"shift_right_arithmetic"> {
  let summary = "elementwise arithmetic lhs >> rhs (the sign fills when rhs is out of range)";
}
def Graph_Atan2Op : Graph_ArithmeticOp<"atan2"> {
  let summary = "elementwise angle of the point (rhs, lhs)";
}
def Graph_NextAfterOp : Graph_ArithmeticOp<"next_after"> {
  let summary = "elementwise the representable value after lhs in the direction of rhs";
}
def Graph_ReducePrecisionOp : Graph_Op<"reduce_precision",
    [Pure, Elementwise, SameOperandsAndResultType]> {
  let summary = "elementwise rounding to a float format with fewer exponent/mantissa bits";
  let description = [{
    The value the narrower format (`exponent_bits`, `mantissa_bits`) would
    hold, in the input's type: mantissa rounded to nearest even, overflow to
    infinity, underflow to zero; NaN stays NaN.
  }];
  let arguments = (ins Graph_FloatTensor:$input, I32Attr:$exponent_bits,
                       I32Attr:$mantissa_bits);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
}

def Graph_SelectOp : Graph_Op<"select", [Pure, InferTypeOpAdaptor]> {
  let summary = "elementwise condition ? on_true : on_false, broadcasting";
  let arguments = (ins Graph_BoolTensor:$condition, AnyRankedTensor:$on_true,
                       AnyRankedTensor:$on_false);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $condition `,` $on_true `,` $on_false attr-dict `:`
    functional-type(operands, results)
  }];
}

def Graph_CastOp : Graph_Op<"cast", [Pure, Elementwise, SameOperandsAndResultShape]> {
  let summary = "elementwise conversion to another element type";
  let description = [{
    Float to integer truncates toward zero; to i1 tests for non-zero;
    integer extension is signed unless the source is unsigned.
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasFolder = 1;
}

def Graph_ConstantOp : Graph_Op<"constant", [Pure, ConstantLike,
    AllTypesMatch<["value", "output"]>]> {
  let summary = "a constant tensor (model weights and literals)";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra and convolution
//===----------------------------------------------------------------------===//

def Graph_MatMulOp : Graph_Op<"matmul", [Pure, InferTypeOpAdaptor]> {
  let summary = "batched matrix product with NumPy broadcasting of batch dims";
  let description = [{
    Both operands have rank >= 2: `[..., M, K] x [..., K, N] -> [..., M, N]`,
    batch dimensions broadcast. (Importers reshape 1-D operands.)
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Graph_ConvOp : Graph_Op<"conv", [Pure, InferTypeOpAdaptor]> {
  let summary = "N-d grouped convolution, channels first";
  let description = [{
    input `[N, C, D1..Dk]`, weight `[F, C/group, K1..Kk]`, optional bias `[F]`.
    `pads` holds k begin paddings then k end paddings.
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       Optional<AnyRankedTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, I64Attr:$group);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`bias` $bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

class Graph_PoolOp<string mnemonic, Type element = Graph_FloatTensor>
    : Graph_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let results = (outs element:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Graph_MaxPoolOp : Graph_PoolOp<"max_pool", AnyRankedTensor> {
  let summary = "N-d max pooling, channels first (float or integer elements)";
  let arguments = (ins AnyRankedTensor:$input,
                       DenseI64ArrayAttr:$kernel_shape, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$dilations, DenseI64ArrayAttr:$pads,
                       BoolAttr:$ceil_mode);
}

def Graph_AvgPoolOp : Graph_PoolOp<"avg_pool"> {
  let summary = "N-d average pooling, channels first";
  let description = [{
    With `count_include_pad`, the explicit padding counts toward the divisor;
    the extra end cells of `ceil_mode` never do.
  }];
  let arguments = (ins Graph_FloatTensor:$input,
                       DenseI64ArrayAttr:$kernel_shape, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$pads, BoolAttr:$ceil_mode,
                       BoolAttr:$count_include_pad);
}

//===----------------------------------------------------------------------===//
// Reductions and normalizations
//===----------------------------------------------------------------------===//

class Graph_ReduceOp<string mnemonic> : Graph_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$axes,
                       BoolAttr:$keep_dims);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      return inferReduceType(location, adaptor.getInput().getType(),
                             adaptor.getAxes(), adaptor.getKeepDims(), inferred);
    }
    ::llvm::LogicalResult $cppClass::verify() {
      return verifyReduceAxes(getOperation(), getInput().getType(), getAxes());
    }
  }];
}

def Graph_ReduceSumOp : Graph_ReduceOp<"reduce_sum"> {
  let summary = "sum over `axes` (sorted, unique, non-negative)";
}
def Graph_ReduceMeanOp : Graph_ReduceOp<"reduce_mean"> {
  let summary = "arithmetic mean over `axes`";
}
def Graph_ReduceMaxOp : Graph_ReduceOp<"reduce_max"> {
  let summary = "maximum over `axes`";
}
def Graph_ReduceMinOp : Graph_ReduceOp<"reduce_min"> {
  let summary = "minimum over `axes`";
}
def Graph_ReduceProdOp : Graph_ReduceOp<"reduce_prod"> {
  let summary = "product over `axes`";
}

def Graph_AllReduceOp : Graph_Op<"all_reduce", [SameOperandsAndResultType]> {
  let summary = "elementwise reduction of a tensor across all ranks of a job";
  let description = [{
    Every rank contributes its `input`; every rank gets the elementwise
    `reduction` (sum, prod, min or max) of all of them. Not pure: it
    communicates. Lowered to a plan collective that the runtime runs through
    its communicator (MPI between processes; the identity in a lone process).
    ```mlir
    %s = graph.all_reduce %x {reduction = "sum"} : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       DefaultValuedAttr<StrAttr, "\"sum\"">:$reduction);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
  let hasVerifier = 1;
}

def Graph_SoftmaxOp : Graph_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "softmax along one axis (composite)";
  let description = [{
    `exp(x - max(x)) / sum(exp(x - max(x)))` along `axis`; with `log`, the
    logarithm of that. Backends without a library kernel use the
    decomposition into reductions and elementwise ops.
  }];
  let arguments = (ins Graph_FloatTensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$log);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Graph_TransposeOp : Graph_Op<"transpose", [Pure, InferTypeOpAdaptor]> {
  let summary = "permutes dimensions: output dim i is input dim perm[i]";
  let description = [{
    Folds away for the identity permutation, and to a constant for a constant
    input (weights transposed by Gemm's transB are transposed once, when
    compiling).
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Graph_ReshapeOp : Graph_Op<"reshape", [Pure]> {
  let summary = "same elements in row-major order, new shape";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Graph_BroadcastOp : Graph_Op<"broadcast", [Pure]> {
  let summary = "broadcasts to the result shape with NumPy rules";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasVerifier = 1;
}

def Graph_ConcatOp : Graph_Op<"concat", [Pure, InferTypeOpAdaptor]> {
  let summary = "joins tensors along `axis`";
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
}

def Graph_SliceOp : Graph_Op<"slice", [Pure, InferTypeOpAdaptor]> {
  let summary = "strided slice with per-dimension start, limit and stride";
  let description = [{
    For every dimension: elements `start, start + stride, ...` strictly before
    `limit` (after `limit` for a negative stride). Values are normalized:
    `0 <= start < dim` when the result is non-empty, `-1 <= limit <= dim`.
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$limits, DenseI64ArrayAttr:$strides);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Graph_GatherNDOp : Graph_Op<"gather_nd", [Pure, InferTypeOpAdaptor]> {
  let summary = "slices of `input` at index tuples (ONNX GatherND)";
  let description = [{
    `indices` is `[B..., I..., q]` where the first `batch_dims` dims match the
    input's; each q-tuple indexes the input's next q dims. The result is
    `[B..., I..., input dims after b + q]`. Negative indices count from the
    end; out-of-range ones are clamped.
  }];
  let arguments = (ins AnyRankedTensor:$input, Graph_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat =
      "$input `,` $indices attr-dict `:` functional-type(operands, results)";
}

class Graph_ScatterOp<string mnemonic> : Graph_Op<mnemonic, [Pure,
    AllTypesMatch<["data", "output"]>]> {
  let arguments = (ins AnyRankedTensor:$data, Graph_IndexTensor:$indices,
                       AnyRankedTensor:$updates,
                       DefaultValuedAttr<StrAttr, "\"none\"">:$reduction);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat =
      "$data `,` $indices `,` $updates attr-dict `:` functional-type(operands, results)";
}
def Graph_ScatterElementsOp : Graph_ScatterOp<"scatter_elements"> {
  let summary = "data with updates written at per-element indices along `axis`";
  let description = [{
    `output = data`, then for every position p of `updates`:
    `output[p with p[axis] = indices[p]] = updates[p]` (or combined with the
    element there for `reduction` = "add"/"mul"/"max"/"min"), in row-major
    order of p.
  }];
  let arguments = (ins AnyRankedTensor:$data, Graph_IndexTensor:$indices,
                       AnyRankedTensor:$updates, I64Attr:$axis,
                       DefaultValuedAttr<StrAttr, "\"none\"">:$reduction);
}
def Graph_ScatterNDOp : Graph_ScatterOp<"scatter_nd"> {
  let summary = "data with update slices written at index tuples (ONNX ScatterND)";
}

def Graph_EinsumOp : Graph_Op<"einsum", [Pure]> {
  let summary = "sum of products over the indices an explicit equation names";
  let description = [{
    `equation` is explicit and letters only ("bij,bjk->bik"): each input has
    one letter per dimension, the output lists its letters; letters missing
    from the output are summed over. A letter repeated within an input takes
    that input's diagonal.
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, StrAttr:$equation);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_GatherElementsOp : Graph_Op<"gather_elements", [Pure, InferTypeOpAdaptor]> {
  let summary = "picks input elements along `axis` at per-element indices";
  let description = [{
    `indices` has the input's rank; `output[i] = input[i with i[axis] =
    indices[i]]`. Negative indices count from the end; out-of-range ones are
    clamped.
  }];
  let arguments = (ins AnyRankedTensor:$input, Graph_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat =
      "$input `,` $indices attr-dict `:` functional-type(operands, results)";
}

class Graph_ArgReduceOp<string mnemonic> : Graph_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis, BoolAttr:$keep_dims,
                       DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs RankedTensorOf<[I64]>:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      return inferArgReduceType(location, adaptor.getInput().getType(),
                                adaptor.getAxis(), adaptor.getKeepDims(), inferred);
    }
  }];
}
def Graph_ArgMaxOp : Graph_ArgReduceOp<"arg_max"> {
  let summary = "index of the largest element along `axis` (first, or last with select_last_index)";
}
def Graph_ArgMinOp : Graph_ArgReduceOp<"arg_min"> {
  let summary = "index of the smallest element along `axis` (first, or last with select_last_index)";
}

def Graph_GatherOp : Graph_Op<"gather", [Pure, InferTypeOpAdaptor]> {
  let summary = "takes slices of `input` along `axis` at `indices`";
  let description = [{
    `output[i..., j..., k...] = input[i..., indices[j...], k...]`; negative
    indices count from the end; out-of-range indices are clamped.
  }];
  let arguments = (ins AnyRankedTensor:$input, Graph_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat =
      "$input `,` $indices attr-dict `:` functional-type(operands, results)";
}

include "dialects/graph/IR/GraphStructuredOps.td"

#endif
