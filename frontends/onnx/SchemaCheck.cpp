//===- SchemaCheck.cpp - A node against its ONNX operator schema ----------===//
//
// Converters read inputs and attributes by position and type. A node that
// contradicts its op's schema (a required input left empty, an INT attribute
// given as a FLOAT, a required attribute missing, an attribute the op does not
// have) is refused here, with ONNX's own reason, before any converter sees it.
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/ModelImporter.h"
#include <onnx/defs/schema.h>
#include <exception>

using namespace mlir;

namespace smelt::onnx_frontend {

LogicalResult checkNodeAgainstSchema(const onnx::NodeProto &node, int64_t opset,
                                     StringRef name, Location loc) {
  // The schemas the ONNX library holds end at its own latest opset; a later
  // model's op may have changed since, so it is not judged by an older schema.
  const auto &ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  auto range = ranges.find(onnx::ONNX_DOMAIN);
  if (range == ranges.end() || opset > range->second.second)
    return success();
  const onnx::OpSchema *schema =
      onnx::OpSchemaRegistry::Schema(node.op_type(), static_cast<int>(opset), onnx::ONNX_DOMAIN);
  // Not an ONNX op of this opset: the converter lookup says so. A deprecated
  // op (Upsample after opset 9) is left to its converter, which may take it.
  if (!schema || schema->deprecated())
    return success();
  // ONNX's message for a wrongly typed attribute names neither type.
  for (const onnx::AttributeProto &attribute : node.attribute()) {
    auto known = schema->attributes().find(attribute.name());
    if (known == schema->attributes().end() ||
        attribute.type() == onnx::AttributeProto::UNDEFINED ||
        attribute.type() == known->second.type)
      continue;
    return emitError(loc) << node.op_type() << " node '" << name << "': attribute '"
                          << attribute.name() << "' is "
                          << onnx::AttributeProto::AttributeType_Name(attribute.type()) << ", but "
                          << node.op_type() << "-" << schema->since_version() << " takes "
                          << onnx::AttributeProto::AttributeType_Name(known->second.type);
  }
  try {
    schema->Verify(node);
  } catch (const std::exception &error) {
    return emitError(loc) << node.op_type() << " node '" << name << "' does not match the "
                          << "schema of " << node.op_type() << "-" << schema->since_version()
                          << " (opset " << opset << "): " << error.what();
  }
  // ONNX's own check lets a variadic input be empty; no op takes that.
  const std::vector<onnx::OpSchema::FormalParameter> &formals = schema->inputs();
  if (!formals.empty() && formals.back().GetOption() == onnx::OpSchema::Variadic)
    for (int i = static_cast<int>(formals.size()) - 1; i < node.input_size(); ++i)
      if (node.input(i).empty())
        return emitError(loc) << node.op_type() << " node '" << name << "': input " << i
                              << " is empty, but it is one of the variadic inputs '"
                              << formals.back().GetName() << "', which cannot be left out";
  return success();
}

} // namespace smelt::onnx_frontend
