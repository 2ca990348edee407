//===- Session.cpp - Load an artifact for a device and run it -------------===//
#include "Session.h"

#include "Status.h"
#include "TensorTypes.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace smelt::runtime {
namespace {

std::vector<TensorSignature> readSignatures(
    const flatbuffers::Vector<flatbuffers::Offset<artifact::TensorSignature>>
        *tensors) {
  std::vector<TensorSignature> signatures;
  if (!tensors)
    return signatures;
  for (const artifact::TensorSignature *tensor : *tensors) {
    TensorSignature signature;
    signature.name = tensor->name()->str();
    signature.dtype = static_cast<smelt_dtype_t>(tensor->dtype());
    if (tensor->shape())
      signature.shape.assign(tensor->shape()->begin(), tensor->shape()->end());
    signature.dimNames.assign(signature.shape.size(), "");
    if (tensor->dim_names() && tensor->dim_names()->size() == signature.shape.size())
      for (uint32_t d = 0; d < tensor->dim_names()->size(); ++d)
        signature.dimNames[d] = tensor->dim_names()->Get(d)->str();
    // The reader verified that the size is representable; a signature with
    // -1 dims has its sizes per plan.
    signature.byteSize = 0;
    if (std::find(signature.shape.begin(), signature.shape.end(), -1) ==
        signature.shape.end())
      checkedByteSize(signature.shape.data(), signature.shape.size(),
                      signature.dtype, signature.byteSize);
    signatures.push_back(std::move(signature));
  }
  return signatures;
}

/// "input 0 ('x')"
std::string describe(const char *what, size_t index,
                     const TensorSignature &signature) {
  return std::string(what) + " " + std::to_string(index) + " ('" +
         signature.name + "')";
}

std::string plural(size_t count, const char *noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

void checkStructSize(const smelt_tensor_t &tensor, const std::string &where) {
  // `name` came later: a struct that ends before it is still accepted.
  constexpr size_t minimum = offsetof(smelt_tensor_t, name);
  if (tensor.struct_size < minimum)
    fail(SMELT_INVALID_ARGUMENT, where + ": struct_size is " +
                                     std::to_string(tensor.struct_size) +
                                     ", expected at least " + std::to_string(minimum) +
                                     " (sizeof(smelt_tensor_t) is " +
                                     std::to_string(sizeof(smelt_tensor_t)) + ")");
}

void checkName(const smelt_tensor_t &tensor, const char *what, size_t index,
               const TensorSignature &signature) {
  if (tensor.struct_size < offsetof(smelt_tensor_t, name) + sizeof(tensor.name) ||
      !tensor.name || signature.name == tensor.name)
    return;
  fail(SMELT_INVALID_ARGUMENT, std::string(what) + " " + std::to_string(index) +
                                   ": expected '" + signature.name + "', got '" +
                                   tensor.name + "'");
}

/// "4x8 f32", or "batchx8 f32" with the names of dims the plans vary in.
std::string describeType(const TensorSignature &signature) {
  std::string text;
  for (size_t d = 0; d < signature.shape.size(); ++d) {
    if (d)
      text += "x";
    if (signature.shape[d] >= 0)
      text += std::to_string(signature.shape[d]);
    else
      text += signature.dimNames[d].empty() ? "?" : signature.dimNames[d];
  }
  return (text.empty() ? "scalar" : text) + " " + dtypeName(signature.dtype);
}

std::string describeGot(const smelt_tensor_t &tensor) {
  const int64_t dtype = rawDTypeValue(tensor.dtype);
  return formatShape(tensor.shape, static_cast<size_t>(tensor.rank)) + " " +
         (isValidDType(dtype) ? dtypeName(dtype) : "<dtype " + std::to_string(dtype) + ">");
}

/// Struct size, name, rank and dtype of an input; its sizes are matched
/// against the compiled variants afterwards.
void checkInputKind(const smelt_tensor_t &tensor, size_t index,
                    const TensorSignature &signature) {
  const std::string where = describe("input", index, signature);
  checkStructSize(tensor, where);
  checkName(tensor, "input", index, signature);
  if (tensor.rank < 0 || tensor.rank > SMELT_MAX_RANK)
    fail(SMELT_INVALID_ARGUMENT, where + ": expected shape " + describeType(signature) +
                                     ", got rank " + std::to_string(tensor.rank));
  const int64_t dtype = rawDTypeValue(tensor.dtype);
  bool matches = dtype == signature.dtype &&
                 static_cast<size_t>(tensor.rank) == signature.shape.size();
  for (size_t d = 0; matches && d < signature.shape.size(); ++d)
    matches = signature.shape[d] < 0 || signature.shape[d] == tensor.shape[d];
  if (!matches)
    fail(SMELT_INVALID_ARGUMENT, where + ": expected shape " + describeType(signature) +
                                     ", got " + describeGot(tensor));
}

/// Whether `tensor` is in the device's memory (a struct that ends before
/// `memory` is host memory).
bool onDevice(const smelt_tensor_t &tensor, const std::string &where) {
  if (tensor.struct_size < offsetof(smelt_tensor_t, memory) + sizeof(tensor.memory))
    return false;
  switch (tensor.memory) {
  case SMELT_MEMORY_HOST: return false;
  case SMELT_MEMORY_DEVICE: return true;
  }
  fail(SMELT_INVALID_ARGUMENT, where + ": unknown memory kind " +
                                   std::to_string(static_cast<int>(tensor.memory)) +
                                   " (SMELT_MEMORY_HOST or SMELT_MEMORY_DEVICE)");
}

void checkBuffer(const smelt_tensor_t &tensor, const std::string &where,
                 uint64_t needed, const std::string &type) {
  if (!tensor.data && needed > 0)
    fail(SMELT_INVALID_ARGUMENT, where + ": data is NULL");
  if (tensor.byte_size < needed)
    fail(SMELT_INVALID_ARGUMENT, where + ": byte_size is " + std::to_string(tensor.byte_size) +
                                     ", but " + type + " needs " + std::to_string(needed) +
                                     " bytes");
}

std::string errorText(const smelt_plugin_error_t &error) {
  // The driver filled a fixed array; never trust its terminator.
  return std::string(error.message,
                     strnlen(error.message, sizeof(error.message)));
}

smelt_plugin_error_t newError() {
  smelt_plugin_error_t error{};
  error.struct_size = sizeof(error);
  return error;
}

/// The C view of `plan`. Strings point into the artifact.
void buildView(const artifact::Artifact &artifact, const artifact::Plan &plan,
               ProgramView &view) {
  using namespace artifact;
  const Model &model = artifact.index();
  const uint32_t sectionCount = model.sections() ? model.sections()->size() : 0;
  for (uint32_t i = 0; i < sectionCount; ++i) {
    const Section *section = model.sections()->Get(i);
    smelt_program_section_t entry{};
    entry.struct_size = sizeof(entry);
    entry.target = section->target()->c_str();
    entry.format = section->format()->c_str();
    entry.arch = section->arch() ? section->arch()->c_str() : "";
    entry.data = artifact.sectionData(i);
    entry.size = artifact.sectionSize(i);
    view.sections.push_back(entry);
  }
  if (plan.kernels())
    for (const Kernel *kernel : *plan.kernels()) {
      smelt_program_kernel_t entry{};
      entry.struct_size = sizeof(entry);
      entry.symbol = kernel->symbol()->c_str();
      entry.grid = kernel->grid();
      entry.section = kernel->section();
      entry.description = kernel->description() ? kernel->description()->c_str() : "";
      view.kernels.push_back(entry);
    }
  if (plan.buffers())
    for (const Buffer *buffer : *plan.buffers()) {
      smelt_program_buffer_t entry{};
      entry.struct_size = sizeof(entry);
      entry.kind = static_cast<smelt_buffer_kind_t>(buffer->kind());
      entry.index = buffer->index();
      entry.offset = buffer->offset();
      entry.size = buffer->size();
      view.buffers.push_back(entry);
    }
  const uint32_t commandCount = plan.commands() ? plan.commands()->size() : 0;
  view.arguments.resize(commandCount);
  view.libraryParams.resize(commandCount);
  view.libraries.resize(commandCount);
  view.libraryArgs.resize(commandCount);
  for (uint32_t c = 0; c < commandCount; ++c) {
    const CommandEntry *command = plan.commands()->Get(c);
    smelt_program_command_t entry{};
    entry.struct_size = sizeof(entry);
    if (const Launch *launch = command->command_as_Launch()) {
      entry.kind = SMELT_COMMAND_LAUNCH;
      entry.kernel = launch->kernel();
      if (launch->args())
        view.arguments[c].assign(launch->args()->begin(), launch->args()->end());
      if (launch->library_op()) {
        entry.library_op = launch->library_op()->c_str();
        if (launch->library_params())
          view.libraryParams[c].assign(launch->library_params()->begin(),
                                       launch->library_params()->end());
        if (launch->libraries())
          for (const flatbuffers::String *library : *launch->libraries())
            view.libraries[c].push_back(library->c_str());
        if (launch->library_args())
          view.libraryArgs[c].assign(launch->library_args()->begin(),
                                     launch->library_args()->end());
      }
    } else if (const Copy *copy = command->command_as_Copy()) {
      entry.kind = SMELT_COMMAND_COPY;
      entry.source = copy->source();
      entry.destination = copy->destination();
      entry.size = copy->size();
    } else {
      const AllReduce *reduce = command->command_as_AllReduce();
      entry.kind = SMELT_COMMAND_ALL_REDUCE;
      entry.source = reduce->source();
      entry.destination = reduce->destination();
      entry.dtype = static_cast<smelt_dtype_t>(reduce->dtype());
      entry.count = reduce->count();
      entry.reduction = static_cast<smelt_reduction_t>(reduce->reduction());
    }
    view.commands.push_back(entry);
  }
  for (uint32_t c = 0; c < commandCount; ++c) {
    view.commands[c].args = view.arguments[c].data();
    view.commands[c].arg_count = static_cast<uint32_t>(view.arguments[c].size());
    view.commands[c].library_params = view.libraryParams[c].data();
    view.commands[c].library_param_count =
        static_cast<uint32_t>(view.libraryParams[c].size());
    view.commands[c].libraries = view.libraries[c].data();
    view.commands[c].library_count = static_cast<uint32_t>(view.libraries[c].size());
    view.commands[c].library_args = view.libraryArgs[c].data();
    view.commands[c].library_arg_count = static_cast<uint32_t>(view.libraryArgs[c].size());
  }

  smelt_program_t &program = view.program;
  program.struct_size = sizeof(program);
  program.sections = view.sections.data();
  program.section_count = static_cast<uint32_t>(view.sections.size());
  program.kernels = view.kernels.data();
  program.kernel_count = static_cast<uint32_t>(view.kernels.size());
  program.buffers = view.buffers.data();
  program.buffer_count = static_cast<uint32_t>(view.buffers.size());
  program.commands = view.commands.data();
  program.command_count = static_cast<uint32_t>(view.commands.size());
  program.constants = artifact.constants();
  program.constants_size = artifact.constantsSize();
  program.arena_size = plan.arena_size();
  program.input_count = model.inputs() ? model.inputs()->size() : 0;
  program.output_count = model.outputs() ? model.outputs()->size() : 0;
}

/// Empty when `driver` can run every section `plan`'s kernels use on
/// `device`; else why not.
std::string planProblem(const DriverSlot &driver, uint32_t device,
                        const ProgramView &view, const artifact::Plan &plan) {
  if (plan.target()->str() != driver.name)
    return "it is for target '" + plan.target()->str() + "'";
  std::vector<bool> checked(view.sections.size(), false);
  for (const smelt_program_kernel_t &kernel : view.kernels) {
    if (checked[kernel.section])
      continue;
    checked[kernel.section] = true;
    smelt_plugin_error_t error = newError();
    if (driver.table->check_section(driver.state, device,
                                    &view.sections[kernel.section],
                                    &error) != SMELT_OK)
      return "section " + std::to_string(kernel.section) + ": " + errorText(error);
  }
  return {};
}

} // namespace
} // namespace smelt::runtime

using namespace smelt::runtime;
using smelt::checkedByteSize;
using smelt::formatShape;
using smelt::formatTensorType;

smelt_session_s::smelt_session_s(
    const smelt_device_s &device,
    std::unique_ptr<smelt::artifact::Artifact> artifact)
    : instance_(device.instance),
      driver_(&device.instance->drivers[device.record->driver]),
      deviceIndex_(device.record->index), artifact_(std::move(artifact)) {
  inputs = readSignatures(artifact_->index().inputs());
  outputs = readSignatures(artifact_->index().outputs());

  // Per set of compiled shapes, the first plan the device's driver accepts.
  auto shapesOf = [&](const auto *list, size_t count,
                      const std::vector<TensorSignature> &signatures) {
    std::vector<std::vector<int64_t>> shapes;
    for (size_t i = 0; i < count; ++i) {
      if (list && list->size() > i && list->Get(i)->dims())
        shapes.emplace_back(list->Get(i)->dims()->begin(), list->Get(i)->dims()->end());
      else
        shapes.push_back(signatures[i].shape);
    }
    return shapes;
  };
  std::string problems;
  const std::string &uri = device.record->uri;
  for (uint32_t p = 0; p < artifact_->planCount(); ++p) {
    const smelt::artifact::Plan &plan = artifact_->plan(p);
    auto inputShapes = shapesOf(plan.input_shapes(), inputs.size(), inputs);
    bool covered = false;
    for (const auto &variant : variants_)
      covered |= variant->inputShapes == inputShapes;
    if (covered)
      continue;
    auto variant = std::make_unique<Variant>();
    buildView(*artifact_, plan, variant->view);
    std::string problem = planProblem(*driver_, deviceIndex_, variant->view, plan);
    if (!problem.empty()) {
      problems += "; plan " + std::to_string(p) + ": " + problem;
      continue;
    }
    variant->plan = p;
    variant->inputShapes = std::move(inputShapes);
    variant->outputShapes = shapesOf(plan.output_shapes(), outputs.size(), outputs);
    for (size_t i = 0; i < inputs.size(); ++i) {
      uint64_t bytes = 0;
      checkedByteSize(variant->inputShapes[i].data(), variant->inputShapes[i].size(),
                      inputs[i].dtype, bytes);
      variant->inputBytes.push_back(bytes);
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
      uint64_t bytes = 0;
      checkedByteSize(variant->outputShapes[i].data(), variant->outputShapes[i].size(),
                      outputs[i].dtype, bytes);
      variant->outputBytes.push_back(bytes);
    }
    variants_.push_back(std::move(variant));
  }
  if (variants_.empty())
    fail(SMELT_UNSUPPORTED, "no plan of this artifact runs on device '" + uri +
                                "'" + problems);

  description = "device " + uri + " (driver '" + driver_->name + "', " + driver_->path + ")\n";
  for (auto &variant : variants_) {
    smelt_plugin_error_t error = newError();
    const char *driverDescription = nullptr;
    smelt_status_code_t code = driver_->table->program_load(
        driver_->state, deviceIndex_, &variant->view.program, &variant->program,
        &driverDescription, &error);
    if (code != SMELT_OK) {
      variant->program = nullptr;
      fail(code, "device '" + uri + "': " + errorText(error));
    }
    const smelt::artifact::Plan &plan = artifact_->plan(variant->plan);
    std::string sizes;
    if (variants_.size() > 1) {
      sizes = " for inputs";
      for (const auto &shape : variant->inputShapes)
        sizes += " " + formatShape(shape.data(), shape.size());
    }
    description += "plan " + std::to_string(variant->plan) + " of " +
                   std::to_string(artifact_->planCount()) + " (target '" +
                   plan.target()->str() + "')" + sizes + ": " +
                   std::to_string(variant->view.kernels.size()) + " kernels, " +
                   std::to_string(variant->view.commands.size()) + " commands, " +
                   std::to_string(plan.arena_size()) + "-byte arena\n";
    if (driverDescription)
      description += driverDescription;
    for (const smelt_program_command_t &command : variant->view.commands)
      variant->hasCollectives |= command.kind == SMELT_COMMAND_ALL_REDUCE;
    if (variant->hasCollectives && description.find("collectives:") == std::string::npos)
      description += "collectives: " + instance_->communicator().describe() +
                     "; runs with collectives are serialised per instance\n";
  }
}

const Variant &smelt_session_s::select(const smelt_tensor_t *inputTensors,
                                       size_t inputCount) const {
  if (inputCount != inputs.size())
    fail(SMELT_INVALID_ARGUMENT, "expected " + plural(inputs.size(), "input") +
                                     ", got " + std::to_string(inputCount));
  if (inputCount && !inputTensors)
    fail(SMELT_INVALID_ARGUMENT, "inputs is NULL");
  for (size_t i = 0; i < inputCount; ++i)
    checkInputKind(inputTensors[i], i, inputs[i]);
  for (const auto &variant : variants_) {
    bool matches = true;
    for (size_t i = 0; matches && i < inputCount; ++i)
      matches = std::equal(variant->inputShapes[i].begin(), variant->inputShapes[i].end(),
                           inputTensors[i].shape);
    if (matches)
      return *variant;
  }
  // Name the first input whose sizes no variant has, with the sizes compiled.
  std::string got, compiled;
  for (size_t i = 0; i < inputCount; ++i)
    got += (i ? ", " : "") + formatShape(inputTensors[i].shape, inputTensors[i].rank);
  for (const auto &variant : variants_) {
    std::string sizes;
    for (size_t i = 0; i < inputCount; ++i)
      sizes += (i ? ", " : "") +
               formatShape(variant->inputShapes[i].data(), variant->inputShapes[i].size());
    compiled += (compiled.empty() ? "(" : "; (") + sizes + ")";
  }
  fail(SMELT_INVALID_ARGUMENT, "no compiled size matches the input shapes (" + got +
                                   "); this artifact runs " + compiled +
                                   " (compile more sizes with smelt compile --dim=<name>=<sizes>)");
}

void smelt_session_s::resolveOutputs(const smelt_tensor_t *inputTensors, size_t inputCount,
                                     smelt_tensor_t *outputTensors, size_t outputCount) const {
  const Variant &variant = select(inputTensors, inputCount);
  if (outputCount != outputs.size())
    fail(SMELT_INVALID_ARGUMENT, "expected " + plural(outputs.size(), "output") + ", got " +
                                     std::to_string(outputCount));
  if (outputCount && !outputTensors)
    fail(SMELT_INVALID_ARGUMENT, "outputs is NULL");
  for (size_t i = 0; i < outputCount; ++i) {
    checkStructSize(outputTensors[i], describe("output", i, outputs[i]));
    outputTensors[i].dtype = outputs[i].dtype;
    outputTensors[i].rank = static_cast<int32_t>(variant.outputShapes[i].size());
    std::copy(variant.outputShapes[i].begin(), variant.outputShapes[i].end(),
              outputTensors[i].shape);
    outputTensors[i].byte_size = variant.outputBytes[i];
  }
}

smelt_session_s::~smelt_session_s() {
  for (auto &variant : variants_)
    if (variant->program)
      driver_->table->program_release(variant->program);
}

void smelt_session_s::run(const smelt_tensor_t *inputTensors, size_t inputCount,
                          smelt_tensor_t *outputTensors,
                          size_t outputCount) const {
  const Variant &variant = select(inputTensors, inputCount);
  if (outputCount != outputs.size())
    fail(SMELT_INVALID_ARGUMENT, "expected " +
                                     plural(outputs.size(), "output") +
                                     ", got " + std::to_string(outputCount));
  if (outputCount && !outputTensors)
    fail(SMELT_INVALID_ARGUMENT, "outputs is NULL");

  std::vector<const void *> inputData(inputCount);
  std::vector<uint8_t> inputOnDevice(inputCount), outputOnDevice(outputCount);
  bool resident = false;
  for (size_t i = 0; i < inputCount; ++i) {
    const std::string where = describe("input", i, inputs[i]);
    checkBuffer(inputTensors[i], where, variant.inputBytes[i],
                formatTensorType(variant.inputShapes[i].data(), variant.inputShapes[i].size(),
                                 inputs[i].dtype));
    inputData[i] = inputTensors[i].data;
    resident |= inputOnDevice[i] = onDevice(inputTensors[i], where);
  }
  std::vector<void *> outputData(outputCount);
  for (size_t i = 0; i < outputCount; ++i) {
    const std::string where = describe("output", i, outputs[i]);
    checkStructSize(outputTensors[i], where);
    checkName(outputTensors[i], "output", i, outputs[i]);
    checkBuffer(outputTensors[i], where, variant.outputBytes[i],
                formatTensorType(variant.outputShapes[i].data(), variant.outputShapes[i].size(),
                                 outputs[i].dtype));
    outputData[i] = outputTensors[i].data;
    resident |= outputOnDevice[i] = onDevice(outputTensors[i], where);
  }
  const smelt_driver_t &table = *driver_->table;
  const bool takesResident =
      table.struct_size >= offsetof(smelt_driver_t, program_run_resident) +
                               sizeof(table.program_run_resident) &&
      table.program_run_resident;
  if (resident && !takesResident)
    fail(SMELT_UNSUPPORTED, "the '" + driver_->name +
                                "' driver takes tensors in host memory only (SMELT_MEMORY_HOST); "
                                "device memory needs a session on a GPU device");

  smelt_plugin_error_t error = newError();
  std::unique_lock<std::mutex> serial(instance_->collectiveRuns, std::defer_lock);
  if (variant.hasCollectives)
    serial.lock(); // every rank must issue its collectives in one order
  smelt_status_code_t code =
      resident ? table.program_run_resident(variant.program, inputData.data(),
                                            outputData.data(), inputOnDevice.data(),
                                            outputOnDevice.data(), &error)
               : table.program_run(variant.program, inputData.data(), outputData.data(),
                                   &error);
  if (code != SMELT_OK)
    fail(code, errorText(error));

  for (size_t i = 0; i < outputCount; ++i) {
    smelt_tensor_t &tensor = outputTensors[i];
    tensor.dtype = outputs[i].dtype;
    tensor.rank = static_cast<int32_t>(variant.outputShapes[i].size());
    std::copy(variant.outputShapes[i].begin(), variant.outputShapes[i].end(), tensor.shape);
  }
}
