//===- Session.cpp - Load an artifact for a device and run it -------------===//
#include "Session.h"

#include "Status.h"
#include "TensorTypes.h"

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
    // The reader verified that the size is representable.
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

void checkInput(const smelt_tensor_t &tensor, size_t index,
                const TensorSignature &signature) {
  const std::string where = describe("input", index, signature);
  checkStructSize(tensor, where);
  checkName(tensor, "input", index, signature);
  const std::string expected = formatTensorType(
      signature.shape.data(), signature.shape.size(), signature.dtype);
  if (tensor.rank < 0 || tensor.rank > SMELT_MAX_RANK)
    fail(SMELT_INVALID_ARGUMENT, where + ": expected shape " + expected +
                                     ", got rank " +
                                     std::to_string(tensor.rank));
  const size_t rank = static_cast<size_t>(tensor.rank);
  const int64_t dtype = rawDTypeValue(tensor.dtype);
  bool matches =
      dtype == signature.dtype && rank == signature.shape.size() &&
      std::equal(signature.shape.begin(), signature.shape.end(), tensor.shape);
  if (!matches) {
    std::string got =
        formatShape(tensor.shape, rank) + " " +
        (isValidDType(dtype) ? dtypeName(dtype)
                             : "<dtype " + std::to_string(dtype) + ">");
    fail(SMELT_INVALID_ARGUMENT,
         where + ": expected shape " + expected + ", got " + got);
  }
  if (!tensor.data && signature.byteSize > 0)
    fail(SMELT_INVALID_ARGUMENT, where + ": data is NULL");
  if (tensor.byte_size < signature.byteSize)
    fail(SMELT_INVALID_ARGUMENT,
         where + ": byte_size is " + std::to_string(tensor.byte_size) +
             ", but " + expected + " needs " +
             std::to_string(signature.byteSize) + " bytes");
}

void checkOutput(const smelt_tensor_t &tensor, size_t index,
                 const TensorSignature &signature) {
  const std::string where = describe("output", index, signature);
  checkStructSize(tensor, where);
  checkName(tensor, "output", index, signature);
  if (!tensor.data && signature.byteSize > 0)
    fail(SMELT_INVALID_ARGUMENT, where + ": data is NULL");
  if (tensor.byte_size < signature.byteSize)
    fail(SMELT_INVALID_ARGUMENT,
         where + ": byte_size is " + std::to_string(tensor.byte_size) +
             ", but " +
             formatTensorType(signature.shape.data(), signature.shape.size(),
                              signature.dtype) +
             " needs " + std::to_string(signature.byteSize) + " bytes");
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

smelt_session_s::smelt_session_s(
    const smelt_device_s &device,
    std::unique_ptr<smelt::artifact::Artifact> artifact)
    : instance_(device.instance),
      driver_(&device.instance->drivers[device.record->driver]),
      deviceIndex_(device.record->index), artifact_(std::move(artifact)) {
  inputs = readSignatures(artifact_->index().inputs());
  outputs = readSignatures(artifact_->index().outputs());

  // The first plan the device's driver accepts.
  std::string problems;
  int chosen = -1;
  for (uint32_t p = 0; p < artifact_->planCount() && chosen < 0; ++p) {
    ProgramView view;
    buildView(*artifact_, artifact_->plan(p), view);
    std::string problem =
        planProblem(*driver_, deviceIndex_, view, artifact_->plan(p));
    if (problem.empty())
      chosen = static_cast<int>(p);
    else
      problems += "; plan " + std::to_string(p) + ": " + problem;
  }
  const std::string &uri = device.record->uri;
  if (chosen < 0)
    fail(SMELT_UNSUPPORTED, "no plan of this artifact runs on device '" + uri +
                                "'" + problems);
  buildView(*artifact_, artifact_->plan(chosen), view_);

  smelt_plugin_error_t error = newError();
  const char *driverDescription = nullptr;
  smelt_status_code_t code = driver_->table->program_load(
      driver_->state, deviceIndex_, &view_.program, &program_,
      &driverDescription, &error);
  if (code != SMELT_OK) {
    program_ = nullptr;
    fail(code, "device '" + uri + "': " + errorText(error));
  }

  const smelt::artifact::Plan &plan = artifact_->plan(chosen);
  description = "device " + uri + " (driver '" + driver_->name + "', " +
                driver_->path + ")\nplan " + std::to_string(chosen) + " of " +
                std::to_string(artifact_->planCount()) + " (target '" +
                plan.target()->str() + "'): " +
                std::to_string(view_.kernels.size()) + " kernels, " +
                std::to_string(view_.commands.size()) + " commands, " +
                std::to_string(plan.arena_size()) + "-byte arena\n";
  if (driverDescription)
    description += driverDescription;
  for (const smelt_program_command_t &command : view_.commands)
    hasCollectives_ |= command.kind == SMELT_COMMAND_ALL_REDUCE;
  if (hasCollectives_)
    description += "collectives: " + instance_->communicator().describe() +
                   "; runs with collectives are serialised per instance\n";
}

smelt_session_s::~smelt_session_s() {
  if (program_)
    driver_->table->program_release(program_);
}

void smelt_session_s::run(const smelt_tensor_t *inputTensors, size_t inputCount,
                          smelt_tensor_t *outputTensors,
                          size_t outputCount) const {
  if (inputCount != inputs.size())
    fail(SMELT_INVALID_ARGUMENT, "expected " + plural(inputs.size(), "input") +
                                     ", got " + std::to_string(inputCount));
  if (outputCount != outputs.size())
    fail(SMELT_INVALID_ARGUMENT, "expected " +
                                     plural(outputs.size(), "output") +
                                     ", got " + std::to_string(outputCount));
  if (inputCount && !inputTensors)
    fail(SMELT_INVALID_ARGUMENT, "inputs is NULL");
  if (outputCount && !outputTensors)
    fail(SMELT_INVALID_ARGUMENT, "outputs is NULL");

  std::vector<const void *> inputData(inputCount);
  for (size_t i = 0; i < inputCount; ++i) {
    checkInput(inputTensors[i], i, inputs[i]);
    inputData[i] = inputTensors[i].data;
  }
  std::vector<void *> outputData(outputCount);
  for (size_t i = 0; i < outputCount; ++i) {
    checkOutput(outputTensors[i], i, outputs[i]);
    outputData[i] = outputTensors[i].data;
  }

  smelt_plugin_error_t error = newError();
  std::unique_lock<std::mutex> serial(instance_->collectiveRuns, std::defer_lock);
  if (hasCollectives_)
    serial.lock(); // every rank must issue its collectives in one order
  smelt_status_code_t code = driver_->table->program_run(
      program_, inputData.data(), outputData.data(), &error);
  if (code != SMELT_OK)
    fail(code, errorText(error));

  for (size_t i = 0; i < outputCount; ++i) {
    smelt_tensor_t &tensor = outputTensors[i];
    tensor.dtype = outputs[i].dtype;
    tensor.rank = static_cast<int32_t>(outputs[i].shape.size());
    std::copy(outputs[i].shape.begin(), outputs[i].shape.end(), tensor.shape);
  }
}
