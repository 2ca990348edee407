//===- PlanOps.td - The plan dialect -----------------------*- tablegen -*-===//
//
// The host program: buffers, kernel launches, library calls and copies. It is
// written as a `func.func` whose arguments are the model's input buffers
// followed by its output buffers (caller-allocated), and lowers to the
// artifact's flat command list.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_PLAN_OPS
#define SMELT_PLAN_OPS

include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ViewLikeInterface.td"

def Plan_Dialect : Dialect {
  let name = "plan";
  let cppNamespace = "::smelt::plan";
  let summary = "Host programs: buffers, launches, library calls";
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

class Plan_Op<string mnemonic, list<Trait> traits = []>
    : Op<Plan_Dialect, mnemonic, traits>;

def Plan_ConstantOp : Plan_Op<"constant", [Pure]> {
  let summary = "a read-only buffer holding constant data";
  let description = [{
    The data is stored in the artifact's constants section, aligned for mmap.
    ```mlir
    %w = plan.constant dense<1.0> : tensor<4xf32> -> memref<4xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyStaticShapeMemRef:$buffer);
  let assemblyFormat = "$value attr-dict `->` type($buffer)";
  let hasVerifier = 1;
}

def Plan_AllocOp : Plan_Op<"alloc", [MemoryEffects<[MemAlloc]>]> {
  let summary = "a scratch buffer live for one run";
  let description = [{
    Memory planning assigns `offset`, the byte offset in the per-run arena;
    buffers whose lifetimes do not overlap may share bytes.
  }];
  let arguments = (ins OptionalAttr<I64Attr>:$offset);
  let results = (outs AnyStaticShapeMemRef:$buffer);
  let assemblyFormat = "attr-dict `:` type($buffer)";
  let hasVerifier = 1;
}

def Plan_ViewOp : Plan_Op<"view", [Pure,
    DeclareOpInterfaceMethods<ViewLikeOpInterface>]> {
  let summary = "the same bytes seen with another shape (reshape without a copy)";
  let arguments = (ins AnyStaticShapeMemRef:$source);
  let results = (outs AnyStaticShapeMemRef:$result);
  let assemblyFormat = "$source attr-dict `:` type($source) `to` type($result)";
  let hasVerifier = 1;
}

def Plan_CopyOp : Plan_Op<"copy"> {
  let summary = "copies all bytes of one buffer into another of the same size";
  let arguments = (ins Arg<AnyStaticShapeMemRef, "", [MemRead]>:$source,
                       Arg<AnyStaticShapeMemRef, "", [MemWrite]>:$destination);
  let assemblyFormat =
      "$source `,` $destination attr-dict `:` type($source) `,` type($destination)";
  let hasVerifier = 1;
}

def Plan_AllReduceOp : Plan_Op<"all_reduce"> {
  let summary = "a collective: elementwise reduction across the job's ranks";
  let description = [{
    Reads `source` on every rank and writes the `reduction` (sum, prod, min,
    max) over all ranks into `destination` (which may be the same buffer).
    The runtime runs it through the session's communicator.
    ```mlir
    plan.all_reduce %a, %b {reduction = "sum"} : memref<4xf32>, memref<4xf32>
    ```
  }];
  let arguments = (ins Arg<AnyStaticShapeMemRef, "", [MemRead]>:$source,
                       Arg<AnyStaticShapeMemRef, "", [MemWrite]>:$destination,
                       StrAttr:$reduction);
  let assemblyFormat =
      "$source `,` $destination attr-dict `:` type($source) `,` type($destination)";
  let hasVerifier = 1;
}

def Plan_LaunchOp : Plan_Op<"launch", [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "runs a kernel over its whole grid";
  let description = [{
    The grid is the callee's strategy. Operands match the kernel's arguments;
    memory spaces may differ (the host sees plain buffers).
    ```mlir
    plan.launch @k0(%x, %y) : memref<8x16xf32>, memref<8x16xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$kernel, Variadic<AnyType>:$arguments);
  let assemblyFormat = "$kernel `(` $arguments `)` attr-dict `:` type($arguments)";
}

def Plan_CallOp : Plan_Op<"call"> {
  let summary = "a library op with candidate implementations the runtime chooses from";
  let description = [{
    `candidates` lists, in order of preference, vendor library entries
    (strings such as `"onednn.matmul"`) and generated kernels (symbol
    references) that compute the same result; at load time the runtime keeps
    the first one available on the device.
    ```mlir
    plan.call "matmul"(%a, %b, %c) {candidates = ["onednn.matmul", @k3]}
        : memref<8x16xf32>, memref<16x4xf32>, memref<8x4xf32>
    ```
  }];
  let arguments = (ins StrAttr:$callee, Variadic<AnyType>:$arguments,
                       ArrayAttr:$candidates);
  let assemblyFormat = "$callee `(` $arguments `)` attr-dict `:` type($arguments)";
  let hasVerifier = 1;
}

#endif
