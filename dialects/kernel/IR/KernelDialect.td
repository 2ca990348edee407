//===- KernelDialect.td - The kernel dialect ---------------*- tablegen -*-===//
//
// One `kernel.func` is one device kernel (a fusion group). Its parallel
// strategy and the memory spaces its buffers live in are explicit, after the
// instruction-level graph IR of PowerFusion (arXiv 2307.04995).
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_KERNEL_DIALECT
#define SMELT_KERNEL_DIALECT

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Kernel_Dialect : Dialect {
  let name = "kernel";
  let cppNamespace = "::smelt::kernel";
  let summary = "Device kernels with explicit parallel strategy and memory spaces";
  let description = [{
    A kernel runs as a grid of *groups*, each of `units` cooperating units
    (thread blocks x warps on NVIDIA, workgroups x wavefronts on AMD, worker
    threads x 1 on a CPU). The body is written for one group: it reads its
    position with `kernel.group_id` and addresses its share of the work with
    affine functions of it. Buffers carry a `#kernel.space<...>` memory space:
    `global` (device memory, visible to all groups), `shared` (on-chip, one
    group), `local` (one unit: registers or stack).
  }];
  let useDefaultAttributePrinterParser = 1;
  // `kernel.scope` on reductions and broadcasts (see Kernel_ScopeAttr).
  let hasOperationAttrVerify = 1;
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

class Kernel_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kernel_Dialect, mnemonic, traits>;

class Kernel_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Kernel_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Kernel_MemorySpaceGlobal : I32EnumAttrCase<"Global", 0, "global">;
def Kernel_MemorySpaceShared : I32EnumAttrCase<"Shared", 1, "shared">;
def Kernel_MemorySpaceLocal : I32EnumAttrCase<"Local", 2, "local">;
def Kernel_MemorySpace : I32EnumAttr<"MemorySpace", "level of the memory hierarchy",
    [Kernel_MemorySpaceGlobal, Kernel_MemorySpaceShared, Kernel_MemorySpaceLocal]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::smelt::kernel";
}

def Kernel_MemorySpaceAttr : EnumAttr<Kernel_Dialect, Kernel_MemorySpace, "space"> {
  let summary = "memory space of a buffer: global, shared or local";
  let assemblyFormat = "`<` $value `>`";
}

def Kernel_ScopeUnit : I32EnumAttrCase<"Unit", 0, "unit">;
def Kernel_ScopeGroup : I32EnumAttrCase<"Group", 1, "group">;
def Kernel_ScopeGrid : I32EnumAttrCase<"Grid", 2, "grid">;
def Kernel_Scope : I32EnumAttr<"Scope", "which units take part in an operation",
    [Kernel_ScopeUnit, Kernel_ScopeGroup, Kernel_ScopeGrid]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::smelt::kernel";
}

def Kernel_ScopeAttr : EnumAttr<Kernel_Dialect, Kernel_Scope, "scope"> {
  let summary = "the units that perform an operation together: unit, group or grid";
  let description = [{
    `unit`: each unit on its own; `group`: all units of the group split the
    work and are synchronized when it is done (a barrier on a GPU; on a CPU a
    group is one worker); `grid`: every group of the kernel.

    Besides `kernel.copy`, the scheduler puts it as the `kernel.scope`
    attribute on every op of a scheduled kernel that reduces (a linalg op with
    reduction loops) or broadcasts (one that reads an operand along loops that
    do not index it): whether one unit computes and uses the whole reduced
    value (`unit`), the units of a group combine their partial results and
    share it (`group`: shuffles or shared memory and a barrier on a GPU), or
    the reduced loops are split between groups (`grid`: a second pass or
    atomics). Backends lower each scope or refuse it by name.

    ```mlir
    %sum = linalg.generic {..., iterator_types = ["parallel", "reduction"]}
        ins(%x : tensor<8x768xf32>) outs(%acc : tensor<8xf32>)
        attrs = {kernel.scope = #kernel.scope<unit>} {...}
    ```
  }];
  let assemblyFormat = "`<` $value `>`";
}

def Kernel_StrategyAttr : Kernel_Attr<"Strategy", "strategy"> {
  let summary = "parallel strategy of a kernel";
  let description = [{
    `grid`: number of groups along each grid dimension; `units`: units per
    group; `tile`: the part of the kernel's iteration space one group
    computes, per loop of its root op (0 = the whole loop). Group `g` (after
    delinearizing over `grid`) computes the tile starting at `g * tile`.
    `vector_bytes` (optional): the width of the vectors the kernel's code
    uses, which the schedule search chooses per kernel (absent: the target's
    widest).

    ```mlir
    #kernel.strategy<grid = [64, 7], units = 1, tile = [1, 1, 8, 0], vector_bytes = 32>
    ```
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$grid, "int64_t":$units,
                        ArrayRefParameter<"int64_t">:$tile,
                        OptionalParameter<"int64_t">:$vectorBytes);
  let builders = [
    AttrBuilder<(ins "llvm::ArrayRef<int64_t>":$grid, "int64_t":$units,
                     "llvm::ArrayRef<int64_t>":$tile), [{
      return $_get($_ctxt, grid, units, tile, /*vectorBytes=*/0);
    }]>
  ];
  let assemblyFormat = "`<` `grid` `=` `[` $grid `]` `,` `units` `=` $units `,` `tile` `=` `[` $tile `]` (`,` `vector_bytes` `=` $vectorBytes^)? `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Total number of groups.
    int64_t getGroupCount() const;
  }];
}

#endif
