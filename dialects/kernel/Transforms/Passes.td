//===- Passes.td - Passes on the kernel dialect ------------*- tablegen -*-===//
#ifndef SMELT_KERNEL_PASSES
#define SMELT_KERNEL_PASSES

include "mlir/Pass/PassBase.td"

def KernelSchedule : Pass<"kernel-schedule", "mlir::ModuleOp"> {
  let summary = "Chooses each kernel's parallel strategy and tiles it";
  let description = [{
    For each `kernel.func` without a strategy, a small search over
    schedules. The op that produces the kernel's output (its root) is tiled
    along its outer parallel loops into an `scf.forall` over groups, and its
    producers are fused into the tile. Candidates: grids of 4, 1, 2 and 8
    groups per processor of the target (each group keeping at least
    `min-group-work` loop iterations), each with or without a sequential loop
    over steps of 1, 8 or 64 rows inside the group (all fused ops run on one
    step's rows before the next, so re-reads stay in the inner caches; only
    where no op has loops deeper than the root's). Each candidate is applied
    to a copy of the kernel and costed by the cost model (bytes moved per
    memory level read off the IR, vector operations, waves of groups; see
    CostModel.cpp) at each vector width the target offers (its widest and
    half of that: the code generator uses no wider registers for the
    kernel); the cheapest is kept, its width recorded in the strategy's
    `vector_bytes` and its estimate in the kernel's `smelt.cost` attribute.
    Every reduction and broadcast gets its `kernel.scope`. Inside the tile, elementwise producers
    then merge into their consumers' loops where that recomputes nothing
    (every consumer loop longer than one indexes the merged operand on its
    own: reductions yes, contractions and broadcasts no), so intermediates
    stay in registers.
  }];
  let options = [
    Option<"groups", "groups", "int64_t", /*default=*/"0",
           "processors the grid should keep busy (0: this host's threads)">,
    Option<"minGroupWork", "min-group-work", "int64_t", /*default=*/"16384",
           "fewest loop iterations worth giving one group">,
    Option<"simdBytes", "simd-bytes", "int64_t", /*default=*/"0",
           "bytes of a vector register (0: the target's)">,
    Option<"widestVectorCost", "widest-vector-cost", "double", /*default=*/"0",
           "cost of an instruction on the widest vectors relative to one on half "
           "the width (0: the target's)">,
    Option<"memoryLevels", "memory-levels", "std::string", /*default=*/"\"\"",
           "memory hierarchy for the cost model, outermost first: "
           "name:capacity-bytes:bytes-per-ns[:group],... (empty: the target's)">,
    Option<"vectorBytes", "vector-bytes", "int64_t", /*default=*/"0",
           "vector width of every kernel in bytes (0: searched)">,
    Option<"search", "search", "bool", /*default=*/"true",
           "cost every candidate schedule and keep the cheapest (false: the first)">,
    Option<"report", "report", "bool", /*default=*/"false",
           "emit a remark with the estimated cost of every candidate">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::affine::AffineDialect"];
}

def KernelVectorize : Pass<"kernel-vectorize", "mlir::ModuleOp"> {
  let summary = "Tiles multiply-accumulate ops for registers and vectorizes them";
  let description = [{
    Runs on scheduled kernels (tensors). Each f32 multiply-accumulate
    `linalg.generic` (matmul, convolution) is tiled so that a block of the
    output — up to 8 rows times `vector-width` lanes — is one set of vector
    accumulators, with every reduction loop around it; the tile is vectorized,
    the accumulators are hoisted out of the reduction loops, and contractions
    become broadcast-times-vector FMAs. The reduction order of every output
    element is unchanged.

    Other float reductions: sums and products are marked reassociable (the
    target keeps one partial result per vector lane); maxima and minima along
    a long contiguous loop are split into 16 parallel lanes of partial results
    (read through expand_shape, with the remainder folded in by the original
    op) and a final reduction over the lanes, which is exact.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "f32 lanes of a vector register (0: do nothing)">
  ];
  let dependentDialects = [
    "mlir::affine::AffineDialect", "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect", "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect", "mlir::vector::VectorDialect"
  ];
}

def KernelBufferize : Pass<"kernel-bufferize", "mlir::ModuleOp"> {
  let summary = "One-Shot bufferization of kernel bodies";
  let description = [{
    Tensors inside each `kernel.func` become buffers: values read from
    arguments alias them, results are written in place into the output
    arguments, and temporaries are allocated in `#kernel.space<local>`.
  }];
  let dependentDialects = [
    "mlir::affine::AffineDialect", "mlir::arith::ArithDialect",
    "mlir::bufferization::BufferizationDialect", "mlir::linalg::LinalgDialect",
    "mlir::memref::MemRefDialect", "mlir::tensor::TensorDialect"
  ];
}

def KernelDistribute : Pass<"kernel-distribute", "mlir::ModuleOp"> {
  let summary = "Rewrites a kernel's scf.forall into code for one group";
  let description = [{
    After scheduling, a kernel's body is one `scf.forall` over its grid. The
    loop is replaced by its body, with the induction variables computed from
    `kernel.group_id`: the body becomes the code one group runs.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

#endif
