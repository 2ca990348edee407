//===- KernelOps.td - Ops of the kernel dialect ------------*- tablegen -*-===//
#ifndef SMELT_KERNEL_OPS
#define SMELT_KERNEL_OPS

include "dialects/kernel/IR/KernelDialect.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/Interfaces/CallInterfaces.td"
include "mlir/Interfaces/FunctionInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

def Kernel_FuncOp : Kernel_Op<"func", [FunctionOpInterface, IsolatedFromAbove,
    AutomaticAllocationScope, OpAsmOpInterface]> {
  let summary = "one device kernel";
  let description = [{
    Arguments are buffers (memrefs, normally in `#kernel.space<global>`) and
    index scalars; a kernel returns nothing and writes its results into
    argument buffers. `strategy` is set by scheduling; before that the body
    describes the whole computation, after it the body is written for one
    group (see `kernel.group_id`). `ops` names the model ops the kernel
    implements, for reports and traces.

    ```mlir
    kernel.func @k0(%x: memref<8x16xf32, #kernel.space<global>>,
                    %y: memref<8x16xf32, #kernel.space<global>>)
        attributes {strategy = #kernel.strategy<grid = [8], units = 1, tile = [1, 0]>} {
      ...
      kernel.return
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<FunctionType>:$function_type,
                       OptionalAttr<DictArrayAttr>:$arg_attrs,
                       OptionalAttr<DictArrayAttr>:$res_attrs,
                       OptionalAttr<Kernel_StrategyAttr>:$strategy,
                       OptionalAttr<StrArrayAttr>:$ops);
  let regions = (region AnyRegion:$body);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "llvm::StringRef":$name, "mlir::FunctionType":$type)>
  ];
  let extraClassDeclaration = [{
    /// FunctionOpInterface.
    mlir::Region *getCallableRegion() { return &getBody(); }
    llvm::ArrayRef<mlir::Type> getArgumentTypes() { return getFunctionType().getInputs(); }
    llvm::ArrayRef<mlir::Type> getResultTypes() { return getFunctionType().getResults(); }
    /// OpAsmOpInterface: kernels nest in modules, no default dialect.
    static llvm::StringRef getDefaultDialect() { return ""; }
  }];
}

def Kernel_ReturnOp : Kernel_Op<"return", [Pure, HasParent<"FuncOp">, Terminator,
    ReturnLike]> {
  let summary = "ends a kernel";
  let assemblyFormat = "attr-dict";
}

def Kernel_GroupIdOp : Kernel_Op<"group_id", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "the position of the running group along one grid dimension";
  let description = [{
    In `[0, grid[dimension])` of the enclosing kernel's strategy.
  }];
  let arguments = (ins I64Attr:$dimension);
  let results = (outs Index:$result);
  let assemblyFormat = "$dimension attr-dict";
  let hasVerifier = 1;
}

def Kernel_UnitIdOp : Kernel_Op<"unit_id", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "the position of the running unit inside its group";
  let description = [{ In `[0, units)` of the enclosing kernel's strategy. }];
  let results = (outs Index:$result);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def Kernel_CopyOp : Kernel_Op<"copy", [
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "moves a tile between two levels of the memory hierarchy";
  let description = [{
    Copies `source` into `target`, two buffers of the same shape and element
    type in different memory spaces (`#kernel.space<...>`; no space means
    `global`): staging a tile into on-chip memory (`global` to `local` or
    `shared`) or writing one back. The scheduler creates these for the data
    a group stages, so that each backend sees every transfer between levels
    as one op: a CPU lowers it to a vectorized loop, a GPU to cooperative
    loads of the group's threads, an NPU to a DMA transfer. `scope` says which
    units take part (`group`: all units of the group share the transfer and
    wait for it to finish).

    ```mlir
    kernel.copy %window, %staged {scope = #kernel.scope<group>}
        : memref<4x112x112xf32, strided<[12544, 112, 1], offset: ?>, #kernel.space<global>>
          to memref<4x112x112xf32, strided<[12996, 114, 1], offset: 115>, #kernel.space<local>>
    ```
  }];
  let arguments = (ins AnyMemRef:$source, AnyMemRef:$target, Kernel_ScopeAttr:$scope);
  let assemblyFormat = "$source `,` $target attr-dict `:` type($source) `to` type($target)";
  let hasVerifier = 1;
}

#endif
