//===- ModelImporter.h - The walk over one ONNX graph (private) -*- C++ -*-===//
//
// Shared by OnnxImporter.cpp (opset, inputs, initializers, nodes, outputs)
// and ControlFlowImport.cpp (If, Loop, Scan, whose subgraphs it imports into
// the same value table). Not part of the frontend's API.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_FRONTENDS_ONNX_MODELIMPORTER_H
#define SMELT_FRONTENDS_ONNX_MODELIMPORTER_H

#include "frontends/onnx/NodeContext.h"
#include "frontends/onnx/OnnxImporter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

namespace smelt::onnx_frontend {

class ModelImporter {
public:
  ModelImporter(mlir::MLIRContext &context, const onnx::ModelProto &model,
                const ImportOptions &options)
      : context(context), model(model), graph(model.graph()), options(options),
        fileLoc(mlir::FileLineColLoc::get(
            &context, options.sourceName.empty() ? "<onnx-model>" : options.sourceName, 0,
            0)),
        builder(&context), values(builder) {}

  mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>> run();

private:
  mlir::LogicalResult readOpset();
  mlir::LogicalResult importInitializers();
  mlir::FailureOr<mlir::RankedTensorType> importInputType(const onnx::ValueInfoProto &input);
  mlir::LogicalResult checkInputShapeOverrides(const llvm::StringSet<> &initializers);
  mlir::LogicalResult importNode(const onnx::NodeProto &node, int index);
  // Control flow, resolved at import time (ControlFlowImport.cpp).
  mlir::LogicalResult importIf(const onnx::NodeProto &node, llvm::StringRef name,
                               mlir::Location loc);
  mlir::LogicalResult importLoop(const onnx::NodeProto &node, llvm::StringRef name,
                                 mlir::Location loc);
  mlir::LogicalResult importBatchedScan(const onnx::NodeProto &node, llvm::StringRef name,
                                        mlir::Location loc);
  mlir::LogicalResult importScan(const onnx::NodeProto &node, llvm::StringRef name,
                                 mlir::Location loc);
  /// Imports the initializers and nodes of a subgraph into the current
  /// scope; the names it defines are appended to `defined`.
  mlir::LogicalResult importSubgraph(const onnx::GraphProto &subgraph, llvm::StringRef owner,
                                     std::vector<std::string> &defined);
  /// Makes `to` denote what `from` denotes (a tensor, constant or sequence).
  void alias(llvm::StringRef to, llvm::StringRef from, mlir::Location loc);
  const onnx::GraphProto *subgraphAttribute(const onnx::NodeProto &node,
                                            llvm::StringRef attribute);
  mlir::Location nameLoc(llvm::StringRef name) {
    return mlir::NameLoc::get(mlir::StringAttr::get(&context, name), fileLoc);
  }

  mlir::MLIRContext &context;
  const onnx::ModelProto &model;
  const onnx::GraphProto &graph;
  const ImportOptions &options;
  mlir::Location fileLoc;
  mlir::OpBuilder builder;
  ValueTable values;
  int64_t opset = 0;
  /// Names read by some node or graph output (unused optional outputs of
  /// unsupported kinds, e.g. MaxPool's Indices, are then harmless).
  llvm::StringSet<> usedNames;
  /// Index of the first node producing each name, to tell "produced later"
  /// (graph out of order) from "never produced" (dangling edge).
  llvm::StringMap<int> producers;
};

/// Refuses a default-domain node that contradicts its op's ONNX schema at
/// `opset` (input/output counts, empty required inputs, attribute names and
/// types, required attributes), with ONNX's reason. Opsets newer than the
/// ONNX library's schemas are not checked (SchemaCheck.cpp).
mlir::LogicalResult checkNodeAgainstSchema(const onnx::NodeProto &node, int64_t opset,
                                           llvm::StringRef name, mlir::Location loc);

} // namespace smelt::onnx_frontend

#endif // SMELT_FRONTENDS_ONNX_MODELIMPORTER_H
