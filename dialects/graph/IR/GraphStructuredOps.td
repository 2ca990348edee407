//===- GraphStructuredOps.td - General graph ops with regions -*- tablegen -*-===//
//
// Ops with StableHLO's general semantics that the model-level ops above do
// not cover: reductions, windows, scatter and sort with a combiner region,
// general gather/pad/slicing, and structured control flow.
//
// Combiner regions (reduce, reduce_window, scatter, sort, select_and_scatter)
// compute on rank-0 tensors with elementwise graph ops and constants only,
// and end in graph.yield; they are lowered to scalar code inside the loops.
// Control-flow regions (while, if, case) hold any graph ops and take every
// value they use as an operand (the importer makes captured values explicit),
// so kernel formation sees all their inputs.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_GRAPH_STRUCTURED_OPS
#define SMELT_GRAPH_STRUCTURED_OPS

include "mlir/Interfaces/ControlFlowInterfaces.td"

def Graph_YieldOp : Graph_Op<"yield", [Pure, Terminator, ReturnLike]> {
  let summary = "ends a region of a structured graph op with its values";
  let arguments = (ins Variadic<AnyRankedTensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

def Graph_IotaOp : Graph_Op<"iota", [Pure]> {
  let summary = "the index along `dimension` of every element";
  let arguments = (ins I64Attr:$dimension);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "attr-dict `:` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Reductions and windows
//===----------------------------------------------------------------------===//

def Graph_ReduceOp : Graph_Op<"reduce", [Pure, SameVariadicOperandSize]> {
  let summary = "reduces N tensors over `dimensions` with a combiner region";
  let description = [{
    Operands: N inputs of one shape, then N rank-0 initial values. The region
    takes (accumulator_0..N-1, element_0..N-1) and yields the N new
    accumulators; every result starts from its initial value and folds the
    elements in in row-major order. Results drop the reduced dims.
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs,
                       Variadic<AnyRankedTensor>:$inits, DenseI64ArrayAttr:$dimensions);
  let results = (outs Variadic<AnyRankedTensor>:$outputs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $inputs `)` `init` `(` $inits `)` attr-dict `:`
    functional-type(operands, results) $body
  }];
  let hasVerifier = 1;
}

def Graph_ReduceWindowOp : Graph_Op<"reduce_window", [Pure, SameVariadicOperandSize]> {
  let summary = "reduces windows of N tensors with a combiner region (pooling, cumulative sums)";
  let description = [{
    Every output element folds the window at `output_index * strides -
    padding_low`, window element k at `+ k * window_dilations`, over the
    inputs dilated by `base_dilations` and padded: positions outside the
    inputs or in dilation holes take the initial values (StableHLO pads with
    them). The region takes (accumulators, elements) like graph.reduce.
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, Variadic<AnyRankedTensor>:$inits,
                       DenseI64ArrayAttr:$window_dimensions, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$base_dilations, DenseI64ArrayAttr:$window_dilations,
                       DenseI64ArrayAttr:$padding_low, DenseI64ArrayAttr:$padding_high);
  let results = (outs Variadic<AnyRankedTensor>:$outputs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $inputs `)` `init` `(` $inits `)` attr-dict `:`
    functional-type(operands, results) $body
  }];
  let hasVerifier = 1;
}

def Graph_SelectAndScatterOp : Graph_Op<"select_and_scatter", [Pure]> {
  let summary = "scatters `source` into the positions each window of `operand` selects";
  let description = [{
    The result starts as `init` everywhere. For every window of `operand`
    (window k of the `source` index space, at `k * strides - padding_low`),
    the `select` region (a, b) -> i1 picks one element in row-major order
    (the current pick is kept while select(current, candidate) is true;
    padding is never picked), and `scatter` (current, source) combines the
    source element into the result at that position.
  }];
  let arguments = (ins AnyRankedTensor:$operand, AnyRankedTensor:$source,
                       AnyRankedTensor:$init, DenseI64ArrayAttr:$window_dimensions,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$padding_low,
                       DenseI64ArrayAttr:$padding_high);
  let results = (outs AnyRankedTensor:$output);
  let regions = (region SizedRegion<1>:$select, SizedRegion<1>:$scatter);
  let assemblyFormat = [{
    $operand `,` $source `,` $init attr-dict `:` functional-type(operands, results)
    $select $scatter
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Indexing
//===----------------------------------------------------------------------===//

def Graph_ScatterSlicesOp : Graph_Op<"scatter_slices", [Pure, AttrSizedOperandSegments]> {
  let summary = "combines update windows into N tensors at start indices (StableHLO scatter)";
  let description = [{
    The dimension numbers are StableHLO's. Update windows are applied in
    row-major order of the updates' scatter dims; a window that does not fit
    inside the inputs at its start index is skipped whole. The region takes
    (current_0..N-1, update_0..N-1) and yields the N new values.
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs,
                       RankedTensorOf<[AnyInteger]>:$indices,
                       Variadic<AnyRankedTensor>:$updates,
                       DenseI64ArrayAttr:$update_window_dims,
                       DenseI64ArrayAttr:$inserted_window_dims,
                       DenseI64ArrayAttr:$input_batching_dims,
                       DenseI64ArrayAttr:$indices_batching_dims,
                       DenseI64ArrayAttr:$scatter_dims_to_operand_dims,
                       I64Attr:$index_vector_dim);
  let results = (outs Variadic<AnyRankedTensor>:$outputs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $inputs `)` `at` $indices `updates` `(` $updates `)` attr-dict `:`
    functional-type(operands, results) $body
  }];
  let hasVerifier = 1;
}

def Graph_GatherSlicesOp : Graph_Op<"gather_slices", [Pure]> {
  let summary = "slices of `input` at start indices (StableHLO gather)";
  let description = [{
    The dimension numbers are StableHLO's. Start indices are clamped so that
    every slice lies inside the input.
  }];
  let arguments = (ins AnyRankedTensor:$input, RankedTensorOf<[AnyInteger]>:$indices,
                       DenseI64ArrayAttr:$offset_dims, DenseI64ArrayAttr:$collapsed_slice_dims,
                       DenseI64ArrayAttr:$operand_batching_dims,
                       DenseI64ArrayAttr:$start_indices_batching_dims,
                       DenseI64ArrayAttr:$start_index_map, I64Attr:$index_vector_dim,
                       DenseI64ArrayAttr:$slice_sizes);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $input `,` $indices attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Graph_DynamicSliceOp : Graph_Op<"dynamic_slice", [Pure]> {
  let summary = "a slice of the result's shape at run-time start indices (clamped to fit)";
  let arguments = (ins AnyRankedTensor:$input,
                       Variadic<RankedTensorOf<[AnyInteger]>>:$starts);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input `[` $starts `]` attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_DynamicUpdateSliceOp : Graph_Op<"dynamic_update_slice", [Pure]> {
  let summary = "`input` with `update` written at run-time start indices (clamped to fit)";
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$update,
                       Variadic<RankedTensorOf<[AnyInteger]>>:$starts);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $input `,` $update `[` $starts `]` attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Graph_PadOp : Graph_Op<"pad", [Pure]> {
  let summary = "edge (possibly negative) and interior padding with a rank-0 value";
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$value,
                       DenseI64ArrayAttr:$low, DenseI64ArrayAttr:$high,
                       DenseI64ArrayAttr:$interior);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $input `,` $value attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Graph_ReverseOp : Graph_Op<"reverse", [Pure, AllTypesMatch<["input", "output"]>]> {
  let summary = "reverses the order of elements along `dims`";
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$dims);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
}

//===----------------------------------------------------------------------===//
// Sorting and linear algebra
//===----------------------------------------------------------------------===//

def Graph_SortOp : Graph_Op<"sort", [Pure]> {
  let summary = "sorts tensors together along `dimension` by a comparator region";
  let description = [{
    The region takes (a_0, b_0, a_1, b_1, ...) and yields a rank-0 i1:
    whether element a goes before element b. The sort is stable (a merge
    sort): elements the comparator does not order keep their order.
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$dimension);
  let results = (outs Variadic<AnyRankedTensor>:$outputs);
  let regions = (region SizedRegion<1>:$comparator);
  let assemblyFormat = [{
    $inputs attr-dict `:` functional-type(operands, results) $comparator
  }];
  let hasVerifier = 1;
}

def Graph_TriangularSolveOp : Graph_Op<"triangular_solve",
    [Pure, AllTypesMatch<["b", "output"]>]> {
  let summary = "solves op(a) x = b (left_side) or x op(a) = b for triangular a";
  let description = [{
    `a` is `[..., M, M]` and `b` `[..., M, N]` (left) or `[..., N, M]`; only
    the `lower` or upper triangle of `a` is read, with ones on the diagonal
    when `unit_diagonal`; op(a) is a or its transpose (`transpose_a`).
  }];
  let arguments = (ins Graph_FloatOrComplexTensor:$a, Graph_FloatOrComplexTensor:$b,
                       BoolAttr:$left_side, BoolAttr:$lower, BoolAttr:$unit_diagonal,
                       BoolAttr:$transpose_a);
  let results = (outs Graph_FloatOrComplexTensor:$output);
  let assemblyFormat = "$a `,` $b attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Control flow
//===----------------------------------------------------------------------===//

def Graph_WhileOp : Graph_Op<"while", [AllTypesMatch<["values", "outputs"]>]> {
  let summary = "loops while `cond` yields true, `body` updating the loop values";
  let description = [{
    Both regions take the loop values; `cond` yields a rank-0 i1, `body` the
    next values. Values the loop only reads are loop values that `body`
    yields unchanged.
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$values);
  let results = (outs Variadic<AnyRankedTensor>:$outputs);
  let regions = (region SizedRegion<1>:$cond, SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $values `)` attr-dict `:` type($values) `cond` $cond `do` $body
  }];
  let hasVerifier = 1;
}

def Graph_IfOp : Graph_Op<"if"> {
  let summary = "runs `then` or `else` on `values` by a rank-0 i1";
  let arguments = (ins Graph_BoolTensor:$condition, Variadic<AnyRankedTensor>:$values);
  let results = (outs Variadic<AnyRankedTensor>:$outputs);
  let regions = (region SizedRegion<1>:$then_branch, SizedRegion<1>:$else_branch);
  let assemblyFormat = [{
    $condition `(` $values `)` attr-dict `:` functional-type(operands, results)
    $then_branch `else` $else_branch
  }];
  let hasVerifier = 1;
}

def Graph_CaseOp : Graph_Op<"case"> {
  let summary = "runs branch `index` (the last one when out of range) on `values`";
  let arguments = (ins RankedTensorOf<[I32]>:$index, Variadic<AnyRankedTensor>:$values);
  let results = (outs Variadic<AnyRankedTensor>:$outputs);
  let regions = (region VariadicRegion<SizedRegion<1>>:$branches);
  let assemblyFormat = [{
    $index `(` $values `)` attr-dict `:` functional-type(operands, results) $branches
  }];
  let hasVerifier = 1;
}

#endif
