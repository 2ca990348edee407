//===- TensorConversion.h - ONNX tensors and types to MLIR ------*- C++ -*-===//
#ifndef SMELT_FRONTENDS_ONNX_TENSORCONVERSION_H
#define SMELT_FRONTENDS_ONNX_TENSORCONVERSION_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"

#include <onnx/onnx_pb.h>

#include <string>

namespace smelt::onnx_frontend {

/// The MLIR element type of an ONNX `TensorProto::DataType`, or a null type
/// for types the graph dialect has no counterpart for (string, complex, ...).
/// Unsigned ONNX integers become unsigned MLIR integers (ui8...), signed ones
/// signless (i8...), and bool becomes i1.
mlir::Type convertElementType(mlir::MLIRContext *context, int32_t onnxDataType);

/// The ONNX spelling of a data type ("float", "int64", ...), for messages.
std::string onnxTypeName(int32_t onnxDataType);

/// Converts a tensor (initializer or attribute value) to a dense attribute.
/// `what` names the tensor in diagnostics, e.g. "initializer 'w'". Rejects
/// external data, unsupported element types and data whose size does not
/// match the dimensions.
mlir::FailureOr<mlir::DenseElementsAttr>
convertTensor(const onnx::TensorProto &tensor, mlir::Location loc,
              llvm::StringRef what);

} // namespace smelt::onnx_frontend

#endif // SMELT_FRONTENDS_ONNX_TENSORCONVERSION_H
