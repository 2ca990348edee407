//===- Passes.td - Cross-dialect conversions and pipelines -*- tablegen -*-===//
#ifndef SMELT_PASSES
#define SMELT_PASSES

include "mlir/Pass/PassBase.td"

def GraphToLinalg : Pass<"graph-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lowers every graph op to linalg/tensor/arith/math on tensors";
  let description = [{
    The per-op lowering that kernel formation uses inside each kernel, run on
    whole functions (for tests and inspection). Unsigned element types become
    signless.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::complex::ComplexDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::scf::SCFDialect", "mlir::tensor::TensorDialect"
  ];
}

def GraphToKernel : Pass<"graph-to-kernel", "mlir::ModuleOp"> {
  let summary = "Splits the graph function into kernels and a host plan";
  let description = [{
    Rewrites `func.func @main` (graph ops on tensors) into:
    - one `kernel.func` per fusion group of compute ops (with `fuse=false`,
      per op), whose body is the ops' linalg lowering on tensors read from
      and written to `#kernel.space<global>` buffers. A producer joins its
      users' group when all its users are in it and each tile of the
      consumer needs its own slice of the producer: elementwise chains,
      matmul/conv epilogues, reductions with their elementwise inputs and
      keep-dims results (layer norm, softmax);
    - a host `func.func @main` over buffers (inputs, then outputs) holding
      `plan.constant`, `plan.alloc`, `plan.view` (for reshapes),
      `plan.launch` and `plan.copy`.
    Splat constants consumed by elementwise ops are folded into the kernel.
    With `library-calls`, a kernel that is exactly an f32 matmul becomes a
    `plan.call "gemm"` whose candidates are vendor libraries (oneDNN,
    OpenBLAS) and, last, the generated kernel; a matmul with the add of a
    bias row and/or relu (on CPUs and NVIDIA GPUs: oneDNN, OpenBLAS,
    cuBLASLt) becomes one with 7 params and `library_args`; a 2-D f32 convolution with its
    epilogue (bias, residual add, relu) becomes a `plan.call "conv2d"` with
    oneDNN as the candidate (`library_args` gives the library's operands by
    position). The runtime keeps the first candidate available at load time.
  }];
  let options = [
    Option<"fuse", "fuse", "bool", /*default=*/"true",
           "form fusion groups (false: one kernel per op)">,
    Option<"libraryCalls", "library-calls", "bool", /*default=*/"true",
           "offer vendor-library candidates for plain f32 matmuls">,
    Option<"libraryDevice", "library-device", "std::string", /*default=*/"\"cpu\"",
           "whose vendor libraries the calls name: cpu (oneDNN, OpenBLAS), cuda "
           "(cuBLAS, cuDNN) or rocm (rocBLAS, MIOpen); on GPUs pooling is a "
           "generated kernel">
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::bufferization::BufferizationDialect",
    "mlir::complex::ComplexDialect",
    "mlir::linalg::LinalgDialect", "mlir::math::MathDialect",
    "mlir::memref::MemRefDialect", "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect", "smelt::kernel::KernelDialect",
    "smelt::plan::PlanDialect"
  ];
}

def PlanMemory : Pass<"plan-memory", "mlir::ModuleOp"> {
  let summary = "Assigns arena offsets to scratch buffers by liveness";
  let description = [{
    Every `plan.alloc` of the host function gets an `offset` in one per-run
    arena; buffers whose live ranges (through views) do not overlap share
    bytes. The arena size goes into the function's `plan.arena_size`. A
    `plan.call "conv2d"` marked `residual_in_place` (its fallback kernel
    accumulates onto the residual) whose residual dies there writes its
    output over the residual: one slot for both, so a library's in-place sum
    needs no copy of the residual.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"64",
           "byte alignment of every buffer">
  ];
}

#endif
