//===- GraphDialect.td - The graph dialect -----------------*- tablegen -*-===//
//
// Framework-neutral model ops with value semantics on ranked tensors. Importers
// (ONNX, StableHLO) produce it; fusion and backends consume it.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_GRAPH_DIALECT
#define SMELT_GRAPH_DIALECT

include "mlir/IR/OpBase.td"

def Graph_Dialect : Dialect {
  let name = "graph";
  let cppNamespace = "::smelt::graph";
  let summary = "Model-level tensor ops (the importers' target)";
  let description = [{
    Ops take and return ranked tensors. Elementwise binary ops broadcast like
    NumPy. Every op infers its result type, so verifiers catch shape errors
    introduced by importers or rewrites. Locations carry the source model's
    node names.
  }];
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

class Graph_Op<string mnemonic, list<Trait> traits = []>
    : Op<Graph_Dialect, mnemonic, traits>;

#endif
