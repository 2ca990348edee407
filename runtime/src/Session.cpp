//===- Session.cpp - Load an artifact for a device and run it -------------===//
#include "Session.h"

#include "Status.h"
#include "TensorTypes.h"

#include <tbb/info.h>

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
  if (tensor.struct_size < sizeof(smelt_tensor_t))
    fail(SMELT_INVALID_ARGUMENT, where + ": struct_size is " +
                                     std::to_string(tensor.struct_size) +
                                     ", expected sizeof(smelt_tensor_t) = " +
                                     std::to_string(sizeof(smelt_tensor_t)));
}

void checkInput(const smelt_tensor_t &tensor, size_t index,
                const TensorSignature &signature) {
  const std::string where = describe("input", index, signature);
  checkStructSize(tensor, where);
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

} // namespace
} // namespace smelt::runtime

using namespace smelt::runtime;

smelt_instance_s::smelt_instance_s(int32_t requestedThreads)
    : numThreads(requestedThreads > 0 ? requestedThreads
                                      : tbb::info::default_concurrency()),
      threads(this->numThreads) {}

smelt_session_s::smelt_session_s(
    smelt_instance_s &instance,
    std::unique_ptr<smelt::artifact::Artifact> artifact,
    const std::string &device)
    : artifact_(std::move(artifact)) {
  if (device != "cpu" && device != "cpu:0")
    fail(SMELT_NOT_FOUND,
         "unknown device '" + device + "' (this runtime has only 'cpu')");
  inputs = readSignatures(artifact_->index().inputs());
  outputs = readSignatures(artifact_->index().outputs());
  executor_ = std::make_unique<CpuExecutor>(*artifact_, instance.threads);
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

  executor_->run(inputData, outputData);

  for (size_t i = 0; i < outputCount; ++i) {
    smelt_tensor_t &tensor = outputTensors[i];
    tensor.dtype = outputs[i].dtype;
    tensor.rank = static_cast<int32_t>(outputs[i].shape.size());
    std::copy(outputs[i].shape.begin(), outputs[i].shape.end(), tensor.shape);
  }
}
