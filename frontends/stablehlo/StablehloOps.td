//===- StablehloOps.td - StableHLO, CHLO and check ops we import -*- tablegen -*-===//
//
// Smelt's own definitions of the StableHLO ops it imports, written from the
// public StableHLO specification so that MLIR's parser reads programs as JAX
// prints them (pretty form) and in the generic form. Only what the importer
// needs is modelled: operands, results, attributes (kept loosely typed, the
// conversion to the graph dialect checks them and names what it refuses) and
// regions. Ops print in the generic form.
//
// The dialect-specific attributes (`#stablehlo.scatter<...>`,
// `#stablehlo<comparison_direction LT>`, ...) parse into builtin dictionary
// and string attributes; see StablehloOps.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_STABLEHLO_OPS
#define SMELT_STABLEHLO_OPS

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Stablehlo_Dialect : Dialect {
  let name = "stablehlo";
  let cppNamespace = "::smelt::stablehlo";
  let summary = "The StableHLO ops Smelt imports (input dialect)";
  let useDefaultAttributePrinterParser = 0;
  let hasConstantMaterializer = 0;
  let extraClassDeclaration = [{
    ::mlir::Attribute parseAttribute(::mlir::DialectAsmParser &parser,
                                     ::mlir::Type type) const override;
    void printAttribute(::mlir::Attribute attr,
                        ::mlir::DialectAsmPrinter &printer) const override;
  }];
}

def Chlo_Dialect : Dialect {
  let name = "chlo";
  let cppNamespace = "::smelt::chlo";
  let summary = "The CHLO ops (client HLO) Smelt imports";
}

def Check_Dialect : Dialect {
  let name = "check";
  let cppNamespace = "::smelt::check";
  let summary = "The StableHLO test checks (conformance runner only)";
}

// Every op parses with a C++ helper named after its syntax family and prints
// in the generic form.
class Parsed<Dialect dialect, string mnemonic, string parser, list<Trait> traits = []>
    : Op<dialect, mnemonic, traits> {
  let hasCustomAssemblyFormat = 1;
  let extraClassDefinition = [{
    ::mlir::ParseResult $cppClass::parse(::mlir::OpAsmParser &parser,
                                         ::mlir::OperationState &result) {
      return ::smelt::stablehlo::}] # parser # [{(parser, result);
    }
    void $cppClass::print(::mlir::OpAsmPrinter &printer) {
      printer.printGenericOp(getOperation());
    }
  }];
}

class SH_Op<string mnemonic, string parser, list<Trait> traits = []>
    : Parsed<Stablehlo_Dialect, mnemonic, parser, traits>;

//===----------------------------------------------------------------------===//
// Elementwise: `op %a, %b : T` or `op %a, %b : (T, T) -> R`
//===----------------------------------------------------------------------===//

class SH_Unary<string mnemonic> : SH_Op<mnemonic, "parseElementwise", [Pure]> {
  let arguments = (ins AnyTensor:$operand);
  let results = (outs AnyTensor:$result);
}
class SH_Binary<string mnemonic> : SH_Op<mnemonic, "parseElementwise", [Pure]> {
  let arguments = (ins AnyTensor:$lhs, AnyTensor:$rhs);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_AbsOp : SH_Unary<"abs">;
def Stablehlo_CbrtOp : SH_Unary<"cbrt">;
def Stablehlo_CeilOp : SH_Unary<"ceil">;
def Stablehlo_ConvertOp : SH_Unary<"convert">;
def Stablehlo_BitcastConvertOp : SH_Unary<"bitcast_convert">;
def Stablehlo_CosineOp : SH_Unary<"cosine">;
def Stablehlo_CountLeadingZerosOp : SH_Unary<"count_leading_zeros">;
def Stablehlo_ExponentialOp : SH_Unary<"exponential">;
def Stablehlo_ExponentialMinusOneOp : SH_Unary<"exponential_minus_one">;
def Stablehlo_FloorOp : SH_Unary<"floor">;
def Stablehlo_ImagOp : SH_Unary<"imag">;
def Stablehlo_IsFiniteOp : SH_Unary<"is_finite">;
def Stablehlo_LogOp : SH_Unary<"log">;
def Stablehlo_LogPlusOneOp : SH_Unary<"log_plus_one">;
def Stablehlo_LogisticOp : SH_Unary<"logistic">;
def Stablehlo_NegateOp : SH_Unary<"negate">;
def Stablehlo_NotOp : SH_Unary<"not">;
def Stablehlo_PopcntOp : SH_Unary<"popcnt">;
def Stablehlo_RealOp : SH_Unary<"real">;
def Stablehlo_RoundNearestAfzOp : SH_Unary<"round_nearest_afz">;
def Stablehlo_RoundNearestEvenOp : SH_Unary<"round_nearest_even">;
def Stablehlo_RsqrtOp : SH_Unary<"rsqrt">;
def Stablehlo_SignOp : SH_Unary<"sign">;
def Stablehlo_SineOp : SH_Unary<"sine">;
def Stablehlo_SqrtOp : SH_Unary<"sqrt">;
def Stablehlo_TanOp : SH_Unary<"tan">;
def Stablehlo_TanhOp : SH_Unary<"tanh">;
def Stablehlo_ReshapeOp : SH_Unary<"reshape">;
def Stablehlo_GetDimensionSizeOp : SH_Op<"get_dimension_size", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyAttr:$dimension);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_AddOp : SH_Binary<"add">;
def Stablehlo_AndOp : SH_Binary<"and">;
def Stablehlo_Atan2Op : SH_Binary<"atan2">;
def Stablehlo_ComplexOp : SH_Binary<"complex">;
def Stablehlo_DivideOp : SH_Binary<"divide">;
def Stablehlo_MaximumOp : SH_Binary<"maximum">;
def Stablehlo_MinimumOp : SH_Binary<"minimum">;
def Stablehlo_MultiplyOp : SH_Binary<"multiply">;
def Stablehlo_OrOp : SH_Binary<"or">;
def Stablehlo_PowerOp : SH_Binary<"power">;
def Stablehlo_RemainderOp : SH_Binary<"remainder">;
def Stablehlo_ShiftLeftOp : SH_Binary<"shift_left">;
def Stablehlo_ShiftRightArithmeticOp : SH_Binary<"shift_right_arithmetic">;
def Stablehlo_ShiftRightLogicalOp : SH_Binary<"shift_right_logical">;
def Stablehlo_SubtractOp : SH_Binary<"subtract">;
def Stablehlo_XorOp : SH_Binary<"xor">;

def Stablehlo_ClampOp : SH_Op<"clamp", "parseElementwise", [Pure]> {
  let arguments = (ins AnyTensor:$min, AnyTensor:$operand, AnyTensor:$max);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_SelectOp : SH_Op<"select", "parseSelect", [Pure]> {
  let arguments = (ins AnyTensor:$pred, AnyTensor:$on_true, AnyTensor:$on_false);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_CompareOp : SH_Op<"compare", "parseCompare", [Pure]> {
  let arguments = (ins AnyTensor:$lhs, AnyTensor:$rhs, AnyAttr:$comparison_direction,
                       OptionalAttr<AnyAttr>:$compare_type);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_RngBitGeneratorOp : SH_Op<"rng_bit_generator", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$initial_state, AnyAttr:$rng_algorithm);
  let results = (outs AnyTensor:$output_state, AnyTensor:$output);
}

def Stablehlo_FftOp : SH_Op<"fft", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyAttr:$fft_type, AnyAttr:$fft_length);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_ReducePrecisionOp : SH_Op<"reduce_precision", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyAttr:$exponent_bits,
                       AnyAttr:$mantissa_bits);
  let results = (outs AnyTensor:$result);
}

//===----------------------------------------------------------------------===//
// Constants, shapes and data movement
//===----------------------------------------------------------------------===//

def Stablehlo_ConstantOp : SH_Op<"constant", "parseConstant", [Pure]> {
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyTensor:$output);
}

def Stablehlo_IotaOp : SH_Op<"iota", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyAttr:$iota_dimension);
  let results = (outs AnyTensor:$output);
}

def Stablehlo_BroadcastInDimOp : SH_Op<"broadcast_in_dim", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyAttr:$broadcast_dimensions);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_TransposeOp : SH_Op<"transpose", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyAttr:$permutation);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_ReverseOp : SH_Op<"reverse", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyAttr:$dimensions);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_ConcatenateOp : SH_Op<"concatenate", "parseNamedAttrs", [Pure]> {
  let arguments = (ins Variadic<AnyTensor>:$inputs, AnyAttr:$dimension);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_PadOp : SH_Op<"pad", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyTensor:$padding_value,
                       AnyAttr:$edge_padding_low, AnyAttr:$edge_padding_high,
                       AnyAttr:$interior_padding);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_SliceOp : SH_Op<"slice", "parseSlice", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyAttr:$start_indices,
                       AnyAttr:$limit_indices, AnyAttr:$strides);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_DynamicSliceOp : SH_Op<"dynamic_slice", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$operand, Variadic<AnyTensor>:$start_indices,
                       AnyAttr:$slice_sizes);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_DynamicUpdateSliceOp
    : SH_Op<"dynamic_update_slice", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyTensor:$update,
                       Variadic<AnyTensor>:$start_indices);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_GatherOp : SH_Op<"gather", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyTensor:$start_indices,
                       AnyAttr:$dimension_numbers, AnyAttr:$slice_sizes,
                       OptionalAttr<AnyAttr>:$indices_are_sorted);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_DynamicIotaOp : SH_Op<"dynamic_iota", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$output_shape, AnyAttr:$iota_dimension);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_DynamicReshapeOp : SH_Op<"dynamic_reshape", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyTensor:$output_shape);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_DynamicPadOp : SH_Op<"dynamic_pad", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyTensor:$padding_value, AnyTensor:$edge_padding_low,
                       AnyTensor:$edge_padding_high, AnyTensor:$interior_padding);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_DynamicBroadcastInDimOp
    : SH_Op<"dynamic_broadcast_in_dim", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyTensor:$output_dimensions,
                       AnyAttr:$broadcast_dimensions,
                       OptionalAttr<AnyAttr>:$known_expanding_dimensions,
                       OptionalAttr<AnyAttr>:$known_nonexpanding_dimensions);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_DynamicGatherOp : SH_Op<"dynamic_gather", "parseGenericOnly", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyTensor:$start_indices, AnyTensor:$slice_sizes,
                       AnyAttr:$dimension_numbers, OptionalAttr<AnyAttr>:$indices_are_sorted);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_TupleOp : SH_Op<"tuple", "parseTuple", [Pure]> {
  let arguments = (ins Variadic<AnyType>:$val);
  let results = (outs AnyType:$result);
}

def Stablehlo_GetTupleElementOp : SH_Op<"get_tuple_element", "parseGetTupleElement", [Pure]> {
  let arguments = (ins AnyType:$operand, AnyAttr:$index);
  let results = (outs AnyType:$result);
}

def Stablehlo_OptimizationBarrierOp
    : SH_Op<"optimization_barrier", "parseElementwise"> {
  let arguments = (ins Variadic<AnyTensor>:$operand);
  let results = (outs Variadic<AnyTensor>:$result);
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def Stablehlo_DotGeneralOp : SH_Op<"dot_general", "parseDotGeneral", [Pure]> {
  let arguments = (ins AnyTensor:$lhs, AnyTensor:$rhs, AnyAttr:$dot_dimension_numbers,
                       OptionalAttr<AnyAttr>:$precision_config,
                       OptionalAttr<AnyAttr>:$algorithm);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_DotOp : SH_Op<"dot", "parseNamedAttrs", [Pure]> {
  let arguments = (ins AnyTensor:$lhs, AnyTensor:$rhs,
                       OptionalAttr<AnyAttr>:$precision_config);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_ConvolutionOp : SH_Op<"convolution", "parseConvolution", [Pure]> {
  let arguments = (ins AnyTensor:$lhs, AnyTensor:$rhs,
                       OptionalAttr<AnyAttr>:$window_strides, OptionalAttr<AnyAttr>:$padding,
                       OptionalAttr<AnyAttr>:$lhs_dilation, OptionalAttr<AnyAttr>:$rhs_dilation,
                       OptionalAttr<AnyAttr>:$window_reversal,
                       AnyAttr:$dimension_numbers, AnyAttr:$feature_group_count,
                       AnyAttr:$batch_group_count, OptionalAttr<AnyAttr>:$precision_config);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_DynamicConvOp : SH_Op<"dynamic_conv", "parseGenericOnly", [Pure]> {
  let arguments = (ins AnyTensor:$lhs, AnyTensor:$rhs, AnyTensor:$padding,
                       OptionalAttr<AnyAttr>:$window_strides,
                       OptionalAttr<AnyAttr>:$lhs_dilation, OptionalAttr<AnyAttr>:$rhs_dilation,
                       OptionalAttr<AnyAttr>:$window_reversal,
                       AnyAttr:$dimension_numbers, AnyAttr:$feature_group_count,
                       AnyAttr:$batch_group_count, OptionalAttr<AnyAttr>:$precision_config);
  let results = (outs AnyTensor:$result);
}

def Stablehlo_TriangularSolveOp : SH_Op<"triangular_solve", "parseGenericOnly", [Pure]> {
  let arguments = (ins AnyTensor:$a, AnyTensor:$b, AnyAttr:$left_side, AnyAttr:$lower,
                       AnyAttr:$unit_diagonal, AnyAttr:$transpose_a);
  let results = (outs AnyTensor:$result);
}

//===----------------------------------------------------------------------===//
// Ops with regions
//===----------------------------------------------------------------------===//

def Stablehlo_ReturnOp : SH_Op<"return", "parseReturn", [Pure, Terminator]> {
  let arguments = (ins Variadic<AnyType>:$results);
}

def Stablehlo_ReduceOp : SH_Op<"reduce", "parseReduce", [Pure]> {
  let arguments = (ins Variadic<AnyTensor>:$inputs, AnyAttr:$dimensions);
  let results = (outs Variadic<AnyTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
}

def Stablehlo_ReduceWindowOp : SH_Op<"reduce_window", "parseGenericOnly", [Pure]> {
  let arguments = (ins Variadic<AnyTensor>:$inputs, AnyAttr:$window_dimensions,
                       OptionalAttr<AnyAttr>:$window_strides,
                       OptionalAttr<AnyAttr>:$base_dilations,
                       OptionalAttr<AnyAttr>:$window_dilations,
                       OptionalAttr<AnyAttr>:$padding);
  let results = (outs Variadic<AnyTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
}

def Stablehlo_ScatterOp : SH_Op<"scatter", "parseGenericOnly", [Pure]> {
  let arguments = (ins Variadic<AnyTensor>:$inputs,
                       AnyAttr:$scatter_dimension_numbers,
                       OptionalAttr<AnyAttr>:$indices_are_sorted,
                       OptionalAttr<AnyAttr>:$unique_indices);
  let results = (outs Variadic<AnyTensor>:$results);
  let regions = (region SizedRegion<1>:$update_computation);
}

def Stablehlo_SortOp : SH_Op<"sort", "parseGenericOnly", [Pure]> {
  let arguments = (ins Variadic<AnyTensor>:$inputs, OptionalAttr<AnyAttr>:$dimension,
                       OptionalAttr<AnyAttr>:$is_stable);
  let results = (outs Variadic<AnyTensor>:$results);
  let regions = (region SizedRegion<1>:$comparator);
}

def Stablehlo_SelectAndScatterOp
    : SH_Op<"select_and_scatter", "parseGenericOnly", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyTensor:$source, AnyTensor:$init_value,
                       OptionalAttr<AnyAttr>:$window_dimensions,
                       OptionalAttr<AnyAttr>:$window_strides,
                       OptionalAttr<AnyAttr>:$padding);
  let results = (outs AnyTensor:$result);
  let regions = (region SizedRegion<1>:$select, SizedRegion<1>:$scatter);
}

def Stablehlo_WhileOp : SH_Op<"while", "parseWhile"> {
  let arguments = (ins Variadic<AnyType>:$operand);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$cond, SizedRegion<1>:$body);
}

def Stablehlo_CaseOp : SH_Op<"case", "parseGenericOnly"> {
  let arguments = (ins AnyTensor:$index);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region VariadicRegion<SizedRegion<1>>:$branches);
}

def Stablehlo_MapOp : SH_Op<"map", "parseGenericOnly", [Pure]> {
  let arguments = (ins Variadic<AnyTensor>:$inputs, AnyAttr:$dimensions);
  let results = (outs AnyTensor:$result);
  let regions = (region SizedRegion<1>:$computation);
}

def Stablehlo_CompositeOp : SH_Op<"composite", "parseComposite"> {
  let arguments = (ins Variadic<AnyType>:$inputs, AnyAttr:$name,
                       OptionalAttr<AnyAttr>:$composite_attributes, AnyAttr:$decomposition,
                       OptionalAttr<AnyAttr>:$version);
  let results = (outs Variadic<AnyType>:$results);
}

def Stablehlo_IfOp : SH_Op<"if", "parseGenericOnly"> {
  let arguments = (ins AnyTensor:$pred);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$true_branch, SizedRegion<1>:$false_branch);
}

def Stablehlo_CustomCallOp : SH_Op<"custom_call", "parseCustomCall"> {
  let arguments = (ins Variadic<AnyType>:$inputs, AnyAttr:$call_target_name,
                       OptionalAttr<AnyAttr>:$has_side_effect,
                       OptionalAttr<AnyAttr>:$backend_config,
                       OptionalAttr<AnyAttr>:$api_version);
  let results = (outs Variadic<AnyType>:$results);
}

//===----------------------------------------------------------------------===//
// CHLO
//===----------------------------------------------------------------------===//

class CHLO_Unary<string mnemonic> : Parsed<Chlo_Dialect, mnemonic, "parseElementwise", [Pure]> {
  let arguments = (ins AnyTensor:$operand);
  let results = (outs AnyTensor:$result);
}
def Chlo_AcosOp : CHLO_Unary<"acos">;
def Chlo_AcoshOp : CHLO_Unary<"acosh">;
def Chlo_AsinOp : CHLO_Unary<"asin">;
def Chlo_AsinhOp : CHLO_Unary<"asinh">;
def Chlo_AtanOp : CHLO_Unary<"atan">;
def Chlo_AtanhOp : CHLO_Unary<"atanh">;
def Chlo_CoshOp : CHLO_Unary<"cosh">;
def Chlo_SinhOp : CHLO_Unary<"sinh">;
def Chlo_TanOp : CHLO_Unary<"tan">;
def Chlo_ErfOp : CHLO_Unary<"erf">;
def Chlo_ErfcOp : CHLO_Unary<"erfc">;
def Chlo_LgammaOp : CHLO_Unary<"lgamma">;
def Chlo_DigammaOp : CHLO_Unary<"digamma">;
def Chlo_IsInfOp : CHLO_Unary<"is_inf">;
def Chlo_BesselI1eOp : CHLO_Unary<"bessel_i1e">;
def Chlo_ErfInvOp : CHLO_Unary<"erf_inv">;
def Chlo_IsNegInfOp : CHLO_Unary<"is_neg_inf">;
def Chlo_IsPosInfOp : CHLO_Unary<"is_pos_inf">;
def Chlo_NextAfterOp : Parsed<Chlo_Dialect, "next_after", "parseElementwise", [Pure]> {
  let arguments = (ins AnyTensor:$x, AnyTensor:$y);
  let results = (outs AnyTensor:$result);
}
def Chlo_MulhiOp : Parsed<Chlo_Dialect, "mulhi", "parseElementwise", [Pure]> {
  let arguments = (ins AnyTensor:$lhs, AnyTensor:$rhs);
  let results = (outs AnyTensor:$result);
}
def Chlo_TopKOp : Parsed<Chlo_Dialect, "top_k", "parseTopK", [Pure]> {
  let arguments = (ins AnyTensor:$operand, AnyAttr:$k);
  let results = (outs AnyTensor:$values, AnyTensor:$indices);
}

//===----------------------------------------------------------------------===//
// check: the conformance programs' expectations
//===----------------------------------------------------------------------===//

class Check_Op<string mnemonic, string parser> : Parsed<Check_Dialect, mnemonic, parser>;

def Check_ExpectEqConstOp : Check_Op<"expect_eq_const", "parseCheckConst"> {
  let arguments = (ins AnyTensor:$lhs, ElementsAttr:$value);
}
def Check_ExpectAlmostEqConstOp : Check_Op<"expect_almost_eq_const", "parseCheckConst"> {
  let arguments = (ins AnyTensor:$lhs, ElementsAttr:$value, OptionalAttr<AnyAttr>:$tolerance);
}
def Check_ExpectEqOp : Check_Op<"expect_eq", "parseCheck"> {
  let arguments = (ins AnyTensor:$lhs, AnyTensor:$rhs);
}
def Check_ExpectAlmostEqOp : Check_Op<"expect_almost_eq", "parseCheck"> {
  let arguments = (ins AnyTensor:$lhs, AnyTensor:$rhs, OptionalAttr<AnyAttr>:$tolerance);
}
def Check_ExpectCloseOp : Check_Op<"expect_close", "parseCheck"> {
  let arguments = (ins AnyTensor:$actual, AnyTensor:$expected,
                       OptionalAttr<AnyAttr>:$min_ulp_difference,
                       OptionalAttr<AnyAttr>:$max_ulp_difference);
}

#endif
