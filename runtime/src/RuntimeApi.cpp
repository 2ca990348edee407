//===- RuntimeApi.cpp - The C API of smelt/runtime.h ----------------------===//
//
// Thin: argument checks, then the C++ objects in Session.h. Every function
// that can fail goes through guardApi() so no exception crosses the ABI.
//
//===----------------------------------------------------------------------===//
#include "smelt/runtime.h"

#include "ArtifactReader.h"
#include "Session.h"
#include "Status.h"
#include "TensorTypes.h"

#include <cstring>

using namespace smelt::runtime;
using smelt::artifact::Artifact;
using smelt::artifact::ArtifactError;
using smelt::artifact::ArtifactErrorCode;

namespace smelt::runtime {
namespace {
// Returned when not even a status can be allocated; never freed.
smelt_status_s outOfMemoryStatus{SMELT_OUT_OF_MEMORY, "out of memory"};

smelt_status_code_t toStatusCode(ArtifactErrorCode code) {
  switch (code) {
  case ArtifactErrorCode::NotFound:
    return SMELT_NOT_FOUND;
  case ArtifactErrorCode::Io:
    return SMELT_INVALID_ARGUMENT;
  case ArtifactErrorCode::Corrupt:
    return SMELT_CORRUPT_ARTIFACT;
  case ArtifactErrorCode::UnsupportedVersion:
    return SMELT_UNSUPPORTED;
  case ArtifactErrorCode::OutOfMemory:
    return SMELT_OUT_OF_MEMORY;
  }
  return SMELT_INTERNAL;
}

void requireArgument(bool present, const char *what) {
  if (!present)
    fail(SMELT_INVALID_ARGUMENT, std::string(what) + " is NULL");
}

/// `load(error)` reads the artifact; it runs inside the guard.
template <typename Load>
smelt_status_t createSession(smelt_instance_t *instance, const char *device,
                             smelt_session_t **outSession, Load &&load) {
  return guardApi([&] {
    requireArgument(outSession, "out_session");
    *outSession = nullptr;
    requireArgument(instance, "instance");
    requireArgument(device, "device");
    ArtifactError error;
    std::unique_ptr<Artifact> artifact = load(error);
    if (!artifact)
      fail(toStatusCode(error.code), error.message);
    *outSession = new smelt_session_s(*instance, std::move(artifact), device);
  });
}

smelt_status_t fillInfo(const smelt_session_t *session, size_t index,
                        smelt_tensor_info_t *outInfo, bool isInput) {
  return guardApi([&] {
    requireArgument(session, "session");
    requireArgument(outInfo, "out_info");
    if (outInfo->struct_size < sizeof(smelt_tensor_info_t))
      fail(SMELT_INVALID_ARGUMENT,
           "out_info->struct_size is " + std::to_string(outInfo->struct_size) +
               ", expected sizeof(smelt_tensor_info_t) = " +
               std::to_string(sizeof(smelt_tensor_info_t)));
    const auto &signatures = isInput ? session->inputs : session->outputs;
    const char *what = isInput ? "input" : "output";
    if (index >= signatures.size())
      fail(SMELT_INVALID_ARGUMENT, std::string(what) + " index " +
                                       std::to_string(index) +
                                       " is out of range (the model has " +
                                       std::to_string(signatures.size()) + ")");
    const TensorSignature &signature = signatures[index];
    outInfo->name = signature.name.c_str();
    outInfo->dtype = signature.dtype;
    outInfo->rank = static_cast<int32_t>(signature.shape.size());
    std::copy(signature.shape.begin(), signature.shape.end(), outInfo->shape);
  });
}
} // namespace

smelt_status_t makeStatus(smelt_status_code_t code,
                          const std::string &message) noexcept {
  try {
    return new smelt_status_s{code, message};
  } catch (...) {
    return &outOfMemoryStatus;
  }
}
} // namespace smelt::runtime

extern "C" {

//===------------------------------------------------------------- status ===//

smelt_status_code_t smelt_status_code(smelt_status_t status) {
  return status ? status->code : SMELT_OK;
}

const char *smelt_status_message(smelt_status_t status) {
  return status ? status->message.c_str() : "OK";
}

void smelt_status_free(smelt_status_t status) {
  if (status != &outOfMemoryStatus)
    delete status;
}

//===------------------------------------------------------------ tensors ===//

size_t smelt_dtype_size(smelt_dtype_t dtype) {
  return smelt::dtypeByteSize(smelt::rawDTypeValue(dtype));
}

const char *smelt_dtype_name(smelt_dtype_t dtype) {
  return smelt::dtypeName(smelt::rawDTypeValue(dtype));
}

//===----------------------------------------------------------- instance ===//

smelt_status_t smelt_instance_create(const smelt_instance_options_t *options,
                                     smelt_instance_t **out_instance) {
  return guardApi([&] {
    requireArgument(out_instance, "out_instance");
    *out_instance = nullptr;
    int32_t numThreads = 0;
    if (options) {
      if (options->struct_size < sizeof(smelt_instance_options_t))
        fail(SMELT_INVALID_ARGUMENT,
             "options->struct_size is " + std::to_string(options->struct_size) +
                 ", expected sizeof(smelt_instance_options_t) = " +
                 std::to_string(sizeof(smelt_instance_options_t)));
      if (options->num_threads < 0)
        fail(SMELT_INVALID_ARGUMENT,
             "num_threads is " + std::to_string(options->num_threads) +
                 "; use 0 for all hardware threads or a positive count");
      numThreads = options->num_threads;
    }
    *out_instance = new smelt_instance_s(numThreads);
  });
}

void smelt_instance_release(smelt_instance_t *instance) { delete instance; }

//===------------------------------------------------------------ session ===//

smelt_status_t smelt_session_create_from_file(smelt_instance_t *instance,
                                              const char *path,
                                              const char *device,
                                              smelt_session_t **out_session) {
  return createSession(instance, device, out_session,
                       [&](ArtifactError &error) {
                         requireArgument(path, "path");
                         return Artifact::fromFile(path, error);
                       });
}

smelt_status_t smelt_session_create_from_memory(smelt_instance_t *instance,
                                                const void *data, size_t size,
                                                const char *device,
                                                smelt_session_t **out_session) {
  return createSession(instance, device, out_session,
                       [&](ArtifactError &error) {
                         if (size > 0)
                           requireArgument(data, "data");
                         return Artifact::fromMemory(data, size, error);
                       });
}

void smelt_session_release(smelt_session_t *session) { delete session; }

size_t smelt_session_input_count(const smelt_session_t *session) {
  return session ? session->inputs.size() : 0;
}

size_t smelt_session_output_count(const smelt_session_t *session) {
  return session ? session->outputs.size() : 0;
}

smelt_status_t smelt_session_input_info(const smelt_session_t *session,
                                        size_t index,
                                        smelt_tensor_info_t *out_info) {
  return fillInfo(session, index, out_info, /*isInput=*/true);
}

smelt_status_t smelt_session_output_info(const smelt_session_t *session,
                                         size_t index,
                                         smelt_tensor_info_t *out_info) {
  return fillInfo(session, index, out_info, /*isInput=*/false);
}

smelt_status_t smelt_session_run(smelt_session_t *session,
                                 const smelt_tensor_t *inputs,
                                 size_t input_count, smelt_tensor_t *outputs,
                                 size_t output_count) {
  return guardApi([&] {
    requireArgument(session, "session");
    session->run(inputs, input_count, outputs, output_count);
  });
}

} // extern "C"
