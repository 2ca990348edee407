//===- RuntimeApi.cpp - The C API of smelt/runtime.h ----------------------===//
//
// Thin: argument checks, then the C++ objects in Session.h. Every function
// that can fail goes through guardApi() so no exception crosses the ABI.
//
//===----------------------------------------------------------------------===//
#include "smelt/runtime.h"

#include "ArtifactReader.h"
#include "Instance.h"
#include "Session.h"
#include "Status.h"
#include "TensorTypes.h"

#include <cstddef>
#include <cstring>
#include <map>
#include <memory>

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

/// Checks that a caller's struct is at least as large as this library's
/// first version of it.
template <typename Struct>
void requireStructSize(const Struct *value, const char *what, size_t minimum) {
  requireArgument(value, what);
  if (value->struct_size < minimum)
    fail(SMELT_INVALID_ARGUMENT,
         std::string(what) + "->struct_size is " + std::to_string(value->struct_size) +
             ", expected at least " + std::to_string(minimum) + " (sizeof of the struct)");
}

/// `index` must name one of `count` things called `what` ("driver", ...).
void requireIndex(size_t index, size_t count, const char *what) {
  if (index >= count)
    fail(SMELT_INVALID_ARGUMENT, std::string(what) + " index " + std::to_string(index) +
                                     " is out of range (there are " + std::to_string(count) +
                                     ")");
}

void fillDeviceInfo(const InstanceState &state, const DeviceRecord &record,
                    smelt_device_info_t *out) {
  out->uri = record.uri.c_str();
  out->driver = state.drivers[record.driver].name.c_str();
  out->name = record.name.c_str();
  out->arch = record.arch.c_str();
  out->memory_bytes = record.memoryBytes;
}

/// `load(error)` reads the artifact; it runs inside the guard.
template <typename Load>
smelt_status_t createSession(smelt_device_t *device,
                             const smelt_session_options_t *options,
                             smelt_session_t **outSession, Load &&load) {
  return guardApi([&] {
    requireArgument(outSession, "out_session");
    *outSession = nullptr;
    requireArgument(device, "device");
    if (options)
      requireStructSize(options, "options", sizeof(smelt_session_options_t));
    ArtifactError error;
    std::unique_ptr<Artifact> artifact = load(error);
    if (!artifact)
      fail(toStatusCode(error.code), error.message);
    *outSession = new smelt_session_s(*device, std::move(artifact));
  });
}

smelt_status_t fillInfo(const smelt_session_t *session, size_t index,
                        smelt_tensor_info_t *outInfo, bool isInput) {
  return guardApi([&] {
    requireArgument(session, "session");
    requireStructSize(outInfo, "out_info", sizeof(smelt_tensor_info_t));
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
    for (size_t d = 0; d < SMELT_MAX_RANK; ++d)
      outInfo->dim_names[d] = d < signature.dimNames.size() && !signature.dimNames[d].empty()
                                  ? signature.dimNames[d].c_str()
                                  : nullptr;
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

const char *smelt_status_code_name(smelt_status_code_t code) {
  switch (code) {
  case SMELT_OK: return "OK";
  case SMELT_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
  case SMELT_NOT_FOUND: return "NOT_FOUND";
  case SMELT_CORRUPT_ARTIFACT: return "CORRUPT_ARTIFACT";
  case SMELT_UNSUPPORTED: return "UNSUPPORTED";
  case SMELT_OUT_OF_MEMORY: return "OUT_OF_MEMORY";
  case SMELT_INTERNAL: return "INTERNAL";
  case SMELT_UNIMPLEMENTED: return "UNIMPLEMENTED";
  case SMELT_ABI_MISMATCH: return "ABI_MISMATCH";
  }
  return "UNKNOWN";
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
    uint32_t flags = 0;
    std::vector<std::string> pluginPaths;
    std::map<std::string, std::string> libraryOverrides;
    if (options) {
      requireStructSize(options, "options",
                        offsetof(smelt_instance_options_t, library_overrides));
      if (options->num_threads < 0)
        fail(SMELT_INVALID_ARGUMENT,
             "num_threads is " + std::to_string(options->num_threads) +
                 "; use 0 for all hardware threads or a positive count");
      numThreads = options->num_threads;
      flags = options->flags;
      if (flags & ~SMELT_INSTANCE_NO_PLUGIN_DISCOVERY)
        fail(SMELT_INVALID_ARGUMENT, "unknown instance flags " + std::to_string(flags));
      if (options->plugin_path_count)
        requireArgument(options->plugin_paths, "options->plugin_paths");
      for (size_t i = 0; i < options->plugin_path_count; ++i) {
        requireArgument(options->plugin_paths[i], "options->plugin_paths[i]");
        pluginPaths.emplace_back(options->plugin_paths[i]);
      }
      // library_overrides came after plugin_paths: older callers' structs end
      // before it.
      if (options->struct_size >= offsetof(smelt_instance_options_t, library_override_count) +
                                      sizeof(size_t)) {
        if (options->library_override_count)
          requireArgument(options->library_overrides, "options->library_overrides");
        LibraryRegistry known;
        for (size_t i = 0; i < options->library_override_count; ++i) {
          requireArgument(options->library_overrides[i], "options->library_overrides[i]");
          std::string text = options->library_overrides[i];
          size_t equals = text.find('=');
          std::string name = text.substr(0, equals);
          if (equals == std::string::npos || equals + 1 == text.size() || known.find(name) < 0) {
            std::string names;
            for (size_t l = 0; l < known.size(); ++l)
              names += (names.empty() ? "" : ", ") + known.probeName(l);
            fail(SMELT_INVALID_ARGUMENT, "library override '" + text +
                                             "' is not <name>=<path or off> with a name of: " +
                                             names);
          }
          libraryOverrides[name] = text.substr(equals + 1);
        }
      }
    }
    auto instance = std::make_unique<smelt_instance_s>();
    instance->state =
        std::make_shared<InstanceState>(numThreads, flags, pluginPaths, libraryOverrides);
    *out_instance = instance.release();
  });
}

void smelt_instance_release(smelt_instance_t *instance) { delete instance; }

size_t smelt_instance_driver_count(const smelt_instance_t *instance) {
  return instance ? instance->state->drivers.size() : 0;
}

smelt_status_t smelt_instance_driver_info(const smelt_instance_t *instance, size_t index,
                                          smelt_driver_info_t *out_info) {
  return guardApi([&] {
    requireArgument(instance, "instance");
    requireStructSize(out_info, "out_info", sizeof(smelt_driver_info_t));
    const auto &drivers = instance->state->drivers;
    requireIndex(index, drivers.size(), "driver");
    const DriverSlot &slot = drivers[index];
    out_info->name = slot.name.c_str();
    out_info->path = slot.path.c_str();
    out_info->version = slot.version.c_str();
    out_info->abi_major = slot.abiMajor;
    out_info->abi_minor = slot.abiMinor;
    out_info->loaded = slot.loaded() ? 1 : 0;
    out_info->message = slot.message.c_str();
  });
}

size_t smelt_instance_device_count(const smelt_instance_t *instance) {
  return instance ? instance->state->devices.size() : 0;
}

smelt_status_t smelt_instance_device_info(const smelt_instance_t *instance, size_t index,
                                          smelt_device_info_t *out_info) {
  return guardApi([&] {
    requireArgument(instance, "instance");
    requireStructSize(out_info, "out_info", sizeof(smelt_device_info_t));
    const auto &devices = instance->state->devices;
    requireIndex(index, devices.size(), "device");
    fillDeviceInfo(*instance->state, devices[index], out_info);
  });
}

size_t smelt_instance_library_count(const smelt_instance_t *instance) {
  return instance ? instance->state->libraries.size() : 0;
}

smelt_status_t smelt_instance_library_info(smelt_instance_t *instance, size_t index,
                                           smelt_library_info_t *out_info) {
  return guardApi([&] {
    requireArgument(instance, "instance");
    requireStructSize(out_info, "out_info", sizeof(smelt_library_info_t));
    LibraryRegistry &libraries = instance->state->libraries;
    requireIndex(index, libraries.size(), "library");
    const LibraryRecord &record = libraries.probe(index);
    out_info->name = record.name.c_str();
    out_info->purpose = record.purpose.c_str();
    out_info->found = record.handle ? 1 : 0;
    out_info->path = record.path.c_str();
    out_info->version = record.version.c_str();
    out_info->message = record.message.c_str();
  });
}

//===------------------------------------------------------------- device ===//

smelt_status_t smelt_device_open(smelt_instance_t *instance, const char *uri,
                                 smelt_device_t **out_device) {
  return guardApi([&] {
    requireArgument(out_device, "out_device");
    *out_device = nullptr;
    requireArgument(instance, "instance");
    const DeviceRecord &record = instance->state->findDevice(uri ? uri : "");
    *out_device = new smelt_device_s{instance->state, &record};
  });
}

void smelt_device_release(smelt_device_t *device) { delete device; }

smelt_status_t smelt_device_info(const smelt_device_t *device, smelt_device_info_t *out_info) {
  return guardApi([&] {
    requireArgument(device, "device");
    requireStructSize(out_info, "out_info", sizeof(smelt_device_info_t));
    fillDeviceInfo(*device->instance, *device->record, out_info);
  });
}

//===------------------------------------------------------------ session ===//

smelt_status_t smelt_session_create_from_file(smelt_device_t *device, const char *path,
                                              const smelt_session_options_t *options,
                                              smelt_session_t **out_session) {
  return createSession(device, options, out_session, [&](ArtifactError &error) {
    requireArgument(path, "path");
    return Artifact::fromFile(path, error);
  });
}

smelt_status_t smelt_session_create_from_memory(smelt_device_t *device, const void *data,
                                                size_t size,
                                                const smelt_session_options_t *options,
                                                smelt_session_t **out_session) {
  return createSession(device, options, out_session, [&](ArtifactError &error) {
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

smelt_status_t smelt_session_input_info(const smelt_session_t *session, size_t index,
                                        smelt_tensor_info_t *out_info) {
  return fillInfo(session, index, out_info, /*isInput=*/true);
}

smelt_status_t smelt_session_output_info(const smelt_session_t *session, size_t index,
                                         smelt_tensor_info_t *out_info) {
  return fillInfo(session, index, out_info, /*isInput=*/false);
}

const char *smelt_session_describe(const smelt_session_t *session) {
  return session ? session->description.c_str() : "";
}

smelt_status_t smelt_session_resolve_outputs(const smelt_session_t *session,
                                             const smelt_tensor_t *inputs, size_t input_count,
                                             smelt_tensor_t *outputs, size_t output_count) {
  return guardApi([&] {
    requireArgument(session, "session");
    session->resolveOutputs(inputs, input_count, outputs, output_count);
  });
}

smelt_status_t smelt_session_run(smelt_session_t *session, const smelt_tensor_t *inputs,
                                 size_t input_count, smelt_tensor_t *outputs,
                                 size_t output_count) {
  return guardApi([&] {
    requireArgument(session, "session");
    session->run(inputs, input_count, outputs, output_count);
  });
}

//===-------------------------------------------------------------- table ===//

const void *smelt_get_api(uint32_t version) {
  static const smelt_api_v1_t v1 = {
      sizeof(smelt_api_v1_t),
      1,
      smelt_status_code,
      smelt_status_message,
      smelt_status_free,
      smelt_status_code_name,
      smelt_dtype_size,
      smelt_dtype_name,
      smelt_instance_create,
      smelt_instance_release,
      smelt_instance_driver_count,
      smelt_instance_driver_info,
      smelt_instance_device_count,
      smelt_instance_device_info,
      smelt_instance_library_count,
      smelt_instance_library_info,
      smelt_device_open,
      smelt_device_release,
      smelt_device_info,
      smelt_session_create_from_file,
      smelt_session_create_from_memory,
      smelt_session_release,
      smelt_session_input_count,
      smelt_session_output_count,
      smelt_session_input_info,
      smelt_session_output_info,
      smelt_session_describe,
      smelt_session_run,
      smelt_session_resolve_outputs,
  };
  return version == 1 ? &v1 : nullptr;
}

} // extern "C"
