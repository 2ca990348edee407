//===- NodeContext.cpp - What an op converter sees --------------------------===//
#include "frontends/onnx/NodeContext.h"

#include "dialects/graph/IR/GraphOps.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/APFloat.h"

using namespace mlir;

namespace smelt::onnx_frontend {

//===----------------------------------------------------------------------===//
// ValueTable
//===----------------------------------------------------------------------===//

void ValueTable::setValue(StringRef name, Value value) {
  Entry &entry = entries[name];
  entry.value = value;
  // Keep folding through values that came from constants we created.
  if (auto constant = value.getDefiningOp<graph::ConstantOp>())
    entry.constant = dyn_cast<DenseElementsAttr>(constant.getValue());
}

void ValueTable::setConstant(StringRef name, DenseElementsAttr constant, Location loc) {
  Entry &entry = entries[name];
  entry.value = {};
  entry.constant = constant;
  entry.loc = loc;
}

DenseElementsAttr ValueTable::getConstant(StringRef name) const {
  auto it = entries.find(name);
  return it == entries.end() ? DenseElementsAttr() : it->second.constant;
}

Value ValueTable::getValue(StringRef name) {
  Entry &entry = entries[name];
  if (!entry.value)
    entry.value = graph::ConstantOp::create(builder, entry.loc, entry.constant.getType(),
                                            entry.constant);
  return entry.value;
}

RankedTensorType ValueTable::getType(StringRef name) const {
  const Entry &entry = entries.find(name)->second;
  return cast<RankedTensorType>(entry.value ? entry.value.getType()
                                            : entry.constant.getType());
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

NodeContext::NodeContext(ValueTable &values, OpBuilder &builder,
                         const onnx::NodeProto &node, StringRef displayName, Location loc,
                         int64_t opset, const llvm::StringSet<> &usedNames)
    : node(node), name(displayName.str()), loc(loc), opset(opset), builder(builder),
      values(values), usedNames(usedNames) {}

InFlightDiagnostic NodeContext::emitError() {
  failedFlag = true;
  return mlir::emitError(loc) << opType() << " node '" << name << "': ";
}

LogicalResult NodeContext::requireInputs(int count) {
  for (int i = 0; i < count; ++i) {
    if (!hasInput(i)) {
      emitError() << "expects " << count << " input" << (count == 1 ? "" : "s")
                  << " but input " << i << " is missing";
      return failure();
    }
  }
  return success();
}

Value NodeContext::input(int i) { return values.getValue(node.input(i)); }

RankedTensorType NodeContext::inputType(int i) const {
  return values.getType(node.input(i));
}

DenseElementsAttr NodeContext::constantInput(int i) const {
  return hasInput(i) ? values.getConstant(node.input(i)) : DenseElementsAttr();
}

std::optional<HostTensor> NodeContext::hostInput(int i) const {
  return HostTensor::fromAttr(constantInput(i));
}

FailureOr<SmallVector<int64_t>> NodeContext::requireIntegerInput(int i, StringRef role) {
  if (!hasInput(i)) {
    emitError() << "the " << role << " input is missing";
    return failure();
  }
  DenseElementsAttr constant = constantInput(i);
  if (!constant) {
    emitError() << "the " << role << " (input " << i << ", '" << node.input(i)
                << "') must be a constant known at import time; it is computed from "
                   "values that are not (if it is a model input, give its value with "
                   "--constant-input="
                << node.input(i) << "=@value.npy)";
    return failure();
  }
  if (!isa<IntegerType>(constant.getElementType())) {
    emitError() << "the " << role << " (input " << i << ", '" << node.input(i)
                << "') must hold integers";
    return failure();
  }
  return readIntegers(constant);
}

const onnx::AttributeProto *NodeContext::attribute(StringRef attributeName) const {
  for (const onnx::AttributeProto &attr : node.attribute())
    if (attr.name() == attributeName)
      return &attr;
  return nullptr;
}

int64_t NodeContext::getInt(StringRef attributeName, int64_t defaultValue) {
  const onnx::AttributeProto *attr = attribute(attributeName);
  if (!attr)
    return defaultValue;
  if (attr->type() != onnx::AttributeProto::INT) {
    emitError() << "attribute '" << attributeName << "' must be an int";
    return defaultValue;
  }
  return attr->i();
}

float NodeContext::getFloat(StringRef attributeName, float defaultValue) {
  const onnx::AttributeProto *attr = attribute(attributeName);
  if (!attr)
    return defaultValue;
  // Hand-written models say `alpha = 1`; an int is as good as a float here.
  if (attr->type() == onnx::AttributeProto::INT)
    return static_cast<float>(attr->i());
  if (attr->type() != onnx::AttributeProto::FLOAT) {
    emitError() << "attribute '" << attributeName << "' must be a float";
    return defaultValue;
  }
  return attr->f();
}

std::string NodeContext::getString(StringRef attributeName, StringRef defaultValue) {
  const onnx::AttributeProto *attr = attribute(attributeName);
  if (!attr)
    return defaultValue.str();
  if (attr->type() != onnx::AttributeProto::STRING) {
    emitError() << "attribute '" << attributeName << "' must be a string";
    return defaultValue.str();
  }
  return attr->s();
}

std::optional<SmallVector<int64_t>> NodeContext::getInts(StringRef attributeName) {
  const onnx::AttributeProto *attr = attribute(attributeName);
  if (!attr)
    return std::nullopt;
  if (attr->type() != onnx::AttributeProto::INTS) {
    emitError() << "attribute '" << attributeName << "' must be a list of ints";
    return std::nullopt;
  }
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

bool NodeContext::isOutputUsed(int i) const {
  return i < numOutputs() && !node.output(i).empty() &&
         usedNames.contains(node.output(i));
}

void NodeContext::setOutput(int i, Value value) {
  if (i < numOutputs() && !node.output(i).empty())
    values.setValue(node.output(i), value);
}

const ValueTable::Sequence *NodeContext::sequenceInput(int i) {
  if (!hasInput(i) || !values.isSequence(node.input(i))) {
    emitError() << "input " << i << " must be a sequence";
    return nullptr;
  }
  return &values.getSequence(node.input(i));
}

void NodeContext::setSequenceOutput(int i, ValueTable::Sequence sequence) {
  if (i < numOutputs() && !node.output(i).empty())
    values.setSequence(node.output(i), std::move(sequence));
}

void NodeContext::setConstantOutput(int i, DenseElementsAttr constant) {
  if (i < numOutputs() && !node.output(i).empty())
    values.setConstant(node.output(i), constant, loc);
}

Value NodeContext::constant(DenseElementsAttr value) {
  return graph::ConstantOp::create(builder, loc, value.getType(), value);
}

Value NodeContext::scalar(double value, Type elementType) {
  auto type = RankedTensorType::get({}, elementType);
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    APFloat converted(value);
    bool losesInfo = false;
    converted.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                      &losesInfo);
    return constant(DenseElementsAttr::get(type, converted));
  }
  auto integer = cast<IntegerType>(elementType);
  return constant(DenseElementsAttr::get(
      type, APInt(integer.getWidth(), static_cast<uint64_t>((int64_t)value),
                  /*isSigned=*/true, /*implicitTrunc=*/true)));
}

FailureOr<Value> NodeContext::reshape(Value value, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == shape)
    return value;
  return create<graph::ReshapeOp>(type.clone(shape), value);
}

FailureOr<int64_t> NodeContext::normalizeAxis(int64_t axis, int64_t rank, StringRef what) {
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank) {
    emitError() << what << " " << axis << " is out of range for rank " << rank;
    return failure();
  }
  return normalized;
}

Type NodeContext::placeholderType() {
  return RankedTensorType::get({}, builder.getF32Type());
}

FailureOr<Value> NodeContext::finishOp(Operation *op, bool inferResultType) {
  // Collect what the dialect says so that it reaches the user prefixed with
  // the node, rather than as a bare message about an op they never wrote.
  std::string messages;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler capture(getContext(), [&](Diagnostic &diagnostic) {
      if (diagnostic.getSeverity() == DiagnosticSeverity::Error) {
        if (!messages.empty())
          messages += "; ";
        messages += diagnostic.str();
      }
      return success();
    });
    if (inferResultType) {
      SmallVector<Type> types;
      auto inference = cast<InferTypeOpInterface>(op);
      result = inference.inferReturnTypes(getContext(), loc, op->getOperands(),
                                          op->getRawDictionaryAttrs(),
                                          op->getPropertiesStorage(), op->getRegions(),
                                          types);
      if (succeeded(result))
        op->getResult(0).setType(types.front());
    }
    if (succeeded(result))
      result = mlir::verify(op);
  }
  if (failed(result)) {
    emitError() << "cannot build '" << op->getName() << "': " << messages;
    op->erase();
    return failure();
  }
  return op->getResult(0);
}

} // namespace smelt::onnx_frontend
