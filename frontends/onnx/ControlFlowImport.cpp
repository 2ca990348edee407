//===- ControlFlowImport.cpp - If, Loop and Scan, resolved at import ------===//
#include "frontends/onnx/ModelImporter.h"
#include "frontends/onnx/TensorConversion.h"

#include "dialects/graph/IR/GraphOps.h"

#include <algorithm>

using namespace mlir;

namespace smelt::onnx_frontend {
namespace {

/// The iterations' values of a scan output joined along a new `axis`.
Value stack(OpBuilder &builder, Location loc, ArrayRef<Value> parts, int64_t axis) {
  SmallVector<Value> reshaped;
  for (Value part : parts) {
    auto type = cast<RankedTensorType>(part.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape.insert(shape.begin() + axis, 1);
    reshaped.push_back(graph::ReshapeOp::create(builder, loc, type.clone(shape), part));
  }
  if (reshaped.size() == 1)
    return reshaped.front();
  return graph::ConcatOp::create(builder, loc, ValueRange(reshaped), axis).getResult();
}

} // namespace

//===----------------------------------------------------------------------===//
// Control flow: If, Loop and Scan are resolved at import time. An If with a
// condition known at import imports only the branch taken; with a runtime
// condition both branches are imported and each output selects between them
// (the branches are pure). Loop and Scan are unrolled: the trip count and
// the loop condition must be known at import time (a model input can be
// frozen with --constant-input), and so must the body's shapes.
//===----------------------------------------------------------------------===//

namespace {
/// Loops longer than this are refused rather than unrolled.
constexpr int64_t kMaxUnrolledIterations = 4096;
} // namespace

const onnx::GraphProto *ModelImporter::subgraphAttribute(const onnx::NodeProto &node,
                                                         StringRef attribute) {
  for (const onnx::AttributeProto &candidate : node.attribute())
    if (candidate.name() == attribute && candidate.has_g())
      return &candidate.g();
  return nullptr;
}

void ModelImporter::alias(StringRef to, StringRef from, Location loc) {
  if (values.isSequence(from)) {
    values.setSequence(to, values.getSequence(from));
  } else if (DenseElementsAttr constant = values.getConstant(from)) {
    values.setConstant(to, constant, loc);
  } else {
    values.setValue(to, values.getValue(from));
  }
}

LogicalResult ModelImporter::importSubgraph(const onnx::GraphProto &subgraph, StringRef owner,
                                            std::vector<std::string> &defined) {
  for (const onnx::TensorProto &tensor : subgraph.initializer()) {
    Location loc = nameLoc(tensor.name());
    FailureOr<DenseElementsAttr> value =
        convertTensor(tensor, loc, "initializer '" + tensor.name() + "' of " + owner.str());
    if (failed(value))
      return failure();
    values.setConstant(tensor.name(), *value, loc);
    defined.push_back(tensor.name());
  }
  for (auto [index, node] : llvm::enumerate(subgraph.node())) {
    if (failed(importNode(node, index)))
      return failure();
    for (const std::string &output : node.output())
      if (!output.empty())
        defined.push_back(output);
  }
  for (const onnx::ValueInfoProto &output : subgraph.output())
    if (!values.contains(output.name()))
      return emitError(nameLoc(owner)) << "output '" << output.name() << "' of " << owner
                                       << " is not produced by its body";
  return success();
}

LogicalResult ModelImporter::importIf(const onnx::NodeProto &node, StringRef name,
                                      Location loc) {
  const onnx::GraphProto *thenBranch = subgraphAttribute(node, "then_branch");
  const onnx::GraphProto *elseBranch = subgraphAttribute(node, "else_branch");
  if (!thenBranch || !elseBranch || node.input_size() < 1 || !values.contains(node.input(0)))
    return emitError(loc) << "If node '" << name
                          << "' needs a condition and then_branch/else_branch graphs";
  if (thenBranch->output_size() != node.output_size() ||
      elseBranch->output_size() != node.output_size())
    return emitError(loc) << "If node '" << name << "': the branches must have "
                          << node.output_size() << " outputs";
  std::vector<std::string> defined;
  if (DenseElementsAttr condition = values.getConstant(node.input(0))) {
    if (condition.getNumElements() != 1 || !condition.getElementType().isInteger(1))
      return emitError(loc) << "If node '" << name << "': the condition must be one bool";
    const onnx::GraphProto &taken = *condition.getValues<bool>().begin() ? *thenBranch
                                                                          : *elseBranch;
    if (failed(importSubgraph(taken, name.str() + (&taken == thenBranch ? ".then" : ".else"),
                              defined)))
      return failure();
    for (int i = 0; i < node.output_size(); ++i)
      if (!node.output(i).empty())
        alias(node.output(i), taken.output(i).name(), loc);
    return success();
  }
  // A runtime condition: both branches, then a select per output.
  if (failed(importSubgraph(*thenBranch, name.str() + ".then", defined)) ||
      failed(importSubgraph(*elseBranch, name.str() + ".else", defined)))
    return failure();
  Value condition = values.getValue(node.input(0));
  auto conditionType = cast<RankedTensorType>(condition.getType());
  if (conditionType.getNumElements() != 1 || !conditionType.getElementType().isInteger(1))
    return emitError(loc) << "If node '" << name << "': the condition must be one bool";
  builder.setInsertionPointToEnd(builder.getInsertionBlock());
  if (conditionType.getRank() != 0)
    condition = graph::ReshapeOp::create(builder, loc,
                                         RankedTensorType::get({}, builder.getI1Type()),
                                         condition);
  for (int i = 0; i < node.output_size(); ++i) {
    if (node.output(i).empty())
      continue;
    StringRef thenName = thenBranch->output(i).name(), elseName = elseBranch->output(i).name();
    if (values.isSequence(thenName) || values.isSequence(elseName))
      return emitError(loc) << "If node '" << name
                            << "': sequence outputs need a condition known at import time";
    Value thenValue = values.getValue(thenName), elseValue = values.getValue(elseName);
    if (thenValue.getType() != elseValue.getType())
      return emitError(loc) << "If node '" << name << "': with a condition known only at run "
                            << "time, both branches must give output " << i
                            << " the same type, got " << thenValue.getType() << " and "
                            << elseValue.getType();
    values.setValue(node.output(i), graph::SelectOp::create(builder, loc, thenValue.getType(),
                                                            condition, thenValue, elseValue));
  }
  return success();
}

LogicalResult ModelImporter::importLoop(const onnx::NodeProto &node, StringRef name,
                                        Location loc) {
  const onnx::GraphProto *body = subgraphAttribute(node, "body");
  if (!body || node.input_size() < 2)
    return emitError(loc) << "Loop node '" << name << "' needs M, cond and a body graph";
  const int carried = node.input_size() - 2;
  if (body->input_size() != carried + 2 || body->output_size() < carried + 1)
    return emitError(loc) << "Loop node '" << name << "': the body must take " << carried + 2
                          << " inputs and give at least " << carried + 1 << " outputs";
  const int scanned = body->output_size() - 1 - carried;

  auto constantOf = [&](const std::string &value, const char *role) -> DenseElementsAttr {
    if (value.empty())
      return {};
    DenseElementsAttr constant = values.getConstant(value);
    if (!constant)
      emitError(loc) << "Loop node '" << name << "': the " << role << " ('" << value
                     << "') must be known at import time to unroll the loop (if it is a model "
                        "input, give its value with --constant-input="
                     << value << "=@value.npy)";
    return constant;
  };
  int64_t tripCount = kMaxUnrolledIterations + 1;
  if (!node.input(0).empty()) {
    DenseElementsAttr m = constantOf(node.input(0), "trip count M");
    if (!m)
      return failure();
    tripCount = (*m.getValues<APInt>().begin()).getSExtValue();
  }
  bool condition = true;
  if (!node.input(1).empty()) {
    DenseElementsAttr c = constantOf(node.input(1), "condition");
    if (!c)
      return failure();
    condition = *c.getValues<bool>().begin();
  }

  std::vector<std::string> current; // names holding the loop-carried values
  for (int i = 0; i < carried; ++i)
    current.push_back(node.input(2 + i));
  std::vector<std::vector<Value>> scans(scanned);
  std::vector<std::string> keep; // iteration outputs kept under fresh names
  int64_t iteration = 0;
  auto i64 = RankedTensorType::get({}, builder.getI64Type());
  auto i1 = RankedTensorType::get({}, builder.getI1Type());
  for (; iteration < tripCount && condition; ++iteration) {
    if (iteration >= kMaxUnrolledIterations)
      return emitError(loc) << "Loop node '" << name << "' runs more than "
                            << kMaxUnrolledIterations << " iterations; it is not unrolled";
    std::vector<std::string> defined;
    values.setConstant(body->input(0).name(), DenseElementsAttr::get(i64, iteration), loc);
    values.setConstant(body->input(1).name(), DenseElementsAttr::get(i1, true), loc);
    defined = {body->input(0).name(), body->input(1).name()};
    for (int i = 0; i < carried; ++i) {
      alias(body->input(2 + i).name(), current[i], loc);
      defined.push_back(body->input(2 + i).name());
    }
    if (failed(importSubgraph(*body, name.str() + ".body", defined)))
      return failure();
    DenseElementsAttr next = values.getConstant(body->output(0).name());
    if (!next)
      return emitError(loc) << "Loop node '" << name << "': the body's condition output ('"
                            << body->output(0).name()
                            << "') must be known at import time to unroll the loop";
    condition = *next.getValues<bool>().begin();
    // Keep this iteration's results under names of their own, then forget
    // the body's names for the next iteration.
    for (int i = 0; i < carried; ++i) {
      std::string kept = name.str() + "#" + std::to_string(iteration) + "#" + std::to_string(i);
      alias(kept, body->output(1 + i).name(), loc);
      keep.push_back(kept);
    }
    for (int i = 0; i < scanned; ++i) {
      StringRef scan = body->output(1 + carried + i).name();
      if (values.isSequence(scan))
        return emitError(loc) << "Loop node '" << name << "': scan outputs must be tensors";
      scans[i].push_back(values.getValue(scan));
    }
    for (int i = 0; i < carried; ++i)
      current[i] = keep[keep.size() - carried + i];
    for (const std::string &forget : defined)
      values.erase(forget);
  }
  if (tripCount > kMaxUnrolledIterations && condition)
    return emitError(loc) << "Loop node '" << name << "' has no trip count and its condition "
                          << "stays true for " << kMaxUnrolledIterations
                          << " iterations; it is not unrolled";

  for (int i = 0; i < carried; ++i)
    if (!node.output(i).empty())
      alias(node.output(i), current[i], loc);
  for (int i = 0; i < scanned; ++i) {
    const std::string &output = node.output(carried + i);
    if (output.empty())
      continue;
    if (scans[i].empty())
      return emitError(loc) << "Loop node '" << name
                            << "' runs no iteration, so its scan output '" << output
                            << "' has no known shape";
    values.setValue(output, stack(builder, loc, scans[i], 0));
  }
  for (const std::string &kept : keep)
    if (llvm::find(current, kept) == current.end())
      values.erase(kept);
  return success();
}

/// Scan of opset 8: the first input is sequence_lens (empty, or every
/// sequence full length), and states and scan inputs carry a batch dim in
/// front. Each batch entry runs as an opset-9 Scan of its own slices (scan
/// axis 0, `directions` as scan_input_directions); the results are stacked
/// along a new batch dim.
LogicalResult ModelImporter::importBatchedScan(const onnx::NodeProto &node, StringRef name,
                                               Location loc) {
  int64_t scanInputs = -1;
  std::vector<int64_t> directions;
  for (const onnx::AttributeProto &attribute : node.attribute()) {
    if (attribute.name() == "num_scan_inputs")
      scanInputs = attribute.i();
    else if (attribute.name() == "directions")
      directions.assign(attribute.ints().begin(), attribute.ints().end());
  }
  const int64_t tensors = node.input_size() - 1; // states and scan inputs
  if (tensors < 1 || scanInputs < 1 || scanInputs > tensors)
    return emitError(loc) << "Scan node '" << name
                          << "' (opset 8) needs sequence_lens, its states and num_scan_inputs "
                             "scan inputs";
  int64_t batch = -1, length = -1;
  for (int64_t i = 1; i < node.input_size(); ++i) {
    if (!values.contains(node.input(i)) || values.isSequence(node.input(i)))
      return emitError(loc) << "Scan node '" << name << "': input " << i
                            << " must be a tensor";
    auto type = cast<RankedTensorType>(values.getValue(node.input(i)).getType());
    if (type.getRank() < 1 || (batch >= 0 && type.getDimSize(0) != batch))
      return emitError(loc) << "Scan node '" << name
                            << "' (opset 8): every state and scan input needs the batch dim";
    batch = type.getDimSize(0);
    if (i > tensors - scanInputs) {
      if (type.getRank() < 2)
        return emitError(loc) << "Scan node '" << name
                              << "' (opset 8): scan inputs are [batch, sequence, ...]";
      length = type.getDimSize(1);
    }
  }
  if (!node.input(0).empty()) {
    DenseElementsAttr lengths = values.getConstant(node.input(0));
    bool full = lengths && lengths.getElementType().isInteger();
    if (full)
      for (APInt value : lengths.getValues<APInt>())
        full &= value.getSExtValue() == length;
    if (!full)
      return emitError(loc) << "Scan node '" << name
                            << "' (opset 8): sequence_lens must be constant and every sequence "
                               "of the full length "
                            << length << " (shorter ones are not supported)";
  }
  // One opset-9 Scan per batch entry.
  onnx::NodeProto perBatch = node;
  perBatch.clear_input();
  perBatch.clear_output();
  perBatch.clear_attribute();
  for (const onnx::AttributeProto &attribute : node.attribute())
    if (attribute.name() != "directions")
      *perBatch.add_attribute() = attribute;
  if (!directions.empty()) {
    onnx::AttributeProto *given = perBatch.add_attribute();
    given->set_name("scan_input_directions");
    given->set_type(onnx::AttributeProto::INTS);
    for (int64_t d : directions)
      given->add_ints(d);
  }
  std::vector<std::vector<Value>> results(node.output_size());
  builder.setInsertionPointToEnd(builder.getInsertionBlock());
  const int64_t savedOpset = opset;
  for (int64_t b = 0; b < batch; ++b) {
    perBatch.clear_input();
    perBatch.clear_output();
    std::vector<std::string> temporaries;
    for (int64_t i = 1; i < node.input_size(); ++i) {
      Value source = values.getValue(node.input(i));
      auto type = cast<RankedTensorType>(source.getType());
      SmallVector<int64_t> starts(type.getRank(), 0), limits(type.getShape()),
          strides(type.getRank(), 1), shape(type.getShape());
      starts[0] = b;
      limits[0] = b + 1;
      shape[0] = 1;
      Value slice = graph::SliceOp::create(builder, loc, type.clone(shape), source, starts,
                                           limits, strides);
      shape.erase(shape.begin());
      std::string sliced = name.str() + "#batch" + std::to_string(b) + "#in" + std::to_string(i);
      values.setValue(sliced, graph::ReshapeOp::create(builder, loc, type.clone(shape), slice));
      perBatch.add_input(sliced);
      temporaries.push_back(sliced);
    }
    for (int64_t o = 0; o < node.output_size(); ++o) {
      std::string out = name.str() + "#batch" + std::to_string(b) + "#out" + std::to_string(o);
      perBatch.add_output(out);
      temporaries.push_back(out);
    }
    opset = 9;
    LogicalResult scanned = importScan(perBatch, name, loc);
    opset = savedOpset;
    if (failed(scanned))
      return failure();
    for (int64_t o = 0; o < node.output_size(); ++o)
      results[o].push_back(values.getValue(perBatch.output(o)));
    for (const std::string &temporary : temporaries)
      values.erase(temporary);
  }
  for (int64_t o = 0; o < node.output_size(); ++o)
    if (!node.output(o).empty() && !results[o].empty())
      values.setValue(node.output(o), stack(builder, loc, results[o], 0));
  return success();
}

LogicalResult ModelImporter::importScan(const onnx::NodeProto &node, StringRef name,
                                        Location loc) {
  if (opset < 9)
    return importBatchedScan(node, name, loc);
  const onnx::GraphProto *body = subgraphAttribute(node, "body");
  int64_t scanInputs = -1;
  std::vector<int64_t> inputAxes, inputDirections, outputAxes, outputDirections;
  for (const onnx::AttributeProto &attribute : node.attribute()) {
    if (attribute.name() == "num_scan_inputs")
      scanInputs = attribute.i();
    else if (attribute.name() == "scan_input_axes")
      inputAxes.assign(attribute.ints().begin(), attribute.ints().end());
    else if (attribute.name() == "scan_input_directions")
      inputDirections.assign(attribute.ints().begin(), attribute.ints().end());
    else if (attribute.name() == "scan_output_axes")
      outputAxes.assign(attribute.ints().begin(), attribute.ints().end());
    else if (attribute.name() == "scan_output_directions")
      outputDirections.assign(attribute.ints().begin(), attribute.ints().end());
  }
  const int64_t states = node.input_size() - scanInputs;
  if (!body || scanInputs < 1 || states < 0 || body->input_size() != node.input_size() ||
      body->output_size() < states)
    return emitError(loc) << "Scan node '" << name
                          << "' needs num_scan_inputs and a body matching its inputs";
  const int64_t scanOutputs = body->output_size() - states;
  for (int64_t i = 0; i < node.input_size(); ++i)
    if (!values.contains(node.input(i)) || values.isSequence(node.input(i)))
      return emitError(loc) << "Scan node '" << name << "': input " << i
                            << " must be a tensor";

  // Every scan input is sliced along its axis; all have the same length.
  int64_t length = -1;
  std::vector<Value> sources;
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < scanInputs; ++i) {
    Value source = values.getValue(node.input(states + i));
    auto type = cast<RankedTensorType>(source.getType());
    int64_t axis = i < (int64_t)inputAxes.size() ? inputAxes[i] : 0;
    if (axis < 0)
      axis += type.getRank();
    if (axis < 0 || axis >= type.getRank())
      return emitError(loc) << "Scan node '" << name << "': scan input axis out of range";
    if (length >= 0 && type.getDimSize(axis) != length)
      return emitError(loc) << "Scan node '" << name << "': scan inputs differ in length";
    length = type.getDimSize(axis);
    sources.push_back(source);
    axes.push_back(axis);
  }
  if (length > kMaxUnrolledIterations)
    return emitError(loc) << "Scan node '" << name << "' over " << length
                          << " steps is not unrolled (limit " << kMaxUnrolledIterations << ")";

  builder.setInsertionPointToEnd(builder.getInsertionBlock());
  std::vector<std::string> current;
  for (int64_t i = 0; i < states; ++i)
    current.push_back(node.input(i));
  std::vector<std::vector<Value>> scans(scanOutputs);
  std::vector<std::string> keep;
  for (int64_t step = 0; step < length; ++step) {
    std::vector<std::string> defined;
    for (int64_t i = 0; i < states; ++i) {
      alias(body->input(i).name(), current[i], loc);
      defined.push_back(body->input(i).name());
    }
    for (int64_t i = 0; i < scanInputs; ++i) {
      bool reverse = i < (int64_t)inputDirections.size() && inputDirections[i] != 0;
      int64_t at = reverse ? length - 1 - step : step;
      auto type = cast<RankedTensorType>(sources[i].getType());
      SmallVector<int64_t> starts(type.getRank(), 0), limits(type.getShape()),
          strides(type.getRank(), 1), shape(type.getShape());
      starts[axes[i]] = at;
      limits[axes[i]] = at + 1;
      shape[axes[i]] = 1;
      Value slice = graph::SliceOp::create(builder, loc, type.clone(shape), sources[i], starts,
                                           limits, strides);
      shape.erase(shape.begin() + axes[i]);
      values.setValue(body->input(states + i).name(),
                      graph::ReshapeOp::create(builder, loc, type.clone(shape), slice));
      defined.push_back(body->input(states + i).name());
    }
    if (failed(importSubgraph(*body, name.str() + ".body", defined)))
      return failure();
    for (int64_t i = 0; i < states; ++i) {
      std::string kept = name.str() + "#" + std::to_string(step) + "#" + std::to_string(i);
      alias(kept, body->output(i).name(), loc);
      keep.push_back(kept);
    }
    for (int64_t i = 0; i < scanOutputs; ++i)
      scans[i].push_back(values.getValue(body->output(states + i).name()));
    for (int64_t i = 0; i < states; ++i)
      current[i] = keep[keep.size() - states + i];
    for (const std::string &forget : defined)
      values.erase(forget);
  }
  for (int64_t i = 0; i < states; ++i)
    if (!node.output(i).empty())
      alias(node.output(i), current[i], loc);
  for (int64_t i = 0; i < scanOutputs; ++i) {
    const std::string &output = node.output(states + i);
    if (output.empty())
      continue;
    if (scans[i].empty())
      return emitError(loc) << "Scan node '" << name << "' has no steps, so its scan output '"
                            << output << "' has no known shape";
    bool reverse = i < (int64_t)outputDirections.size() && outputDirections[i] != 0;
    auto type = cast<RankedTensorType>(scans[i].front().getType());
    int64_t axis = i < (int64_t)outputAxes.size() ? outputAxes[i] : 0;
    if (axis < 0)
      axis += type.getRank() + 1;
    if (axis < 0 || axis > type.getRank())
      return emitError(loc) << "Scan node '" << name << "': scan output axis out of range";
    if (reverse)
      std::reverse(scans[i].begin(), scans[i].end());
    values.setValue(output, stack(builder, loc, scans[i], axis));
  }
  for (const std::string &kept : keep)
    if (llvm::find(current, kept) == current.end())
      values.erase(kept);
  return success();
}

} // namespace smelt::onnx_frontend
