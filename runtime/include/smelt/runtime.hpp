//===- smelt/runtime.hpp - C++ wrapper of the runtime C API -----*- C++ -*-===//
//
// Header-only RAII over smelt/runtime.h: objects release themselves, failures
// throw smelt::Error (code + message). Needs C++17. The thread-safety rules are
// those of the C API: Session::run may be called concurrently.
//
//   smelt::Instance instance;
//   smelt::Session session(instance.device("cpu"), "model.smelt");
//   std::vector<float> x(1 * 3 * 224 * 224), y(1000);
//   session.run({smelt::Tensor::of(x.data(), {1, 3, 224, 224})},
//               {smelt::Tensor::of(y.data(), {1, 1000})});
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_RUNTIME_HPP
#define SMELT_RUNTIME_HPP

#include "smelt/runtime.h"

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace smelt {

/// A failed runtime call.
class Error : public std::runtime_error {
public:
  Error(smelt_status_code_t code, const std::string &message)
      : std::runtime_error(message), code_(code) {}
  smelt_status_code_t code() const noexcept { return code_; }

private:
  smelt_status_code_t code_;
};

namespace detail {
/// Takes ownership of `status`; throws when it is a failure.
inline void check(smelt_status_t status) {
  if (!status)
    return;
  Error error(smelt_status_code(status), smelt_status_message(status));
  smelt_status_free(status);
  throw error;
}

template <typename T, void (*Release)(T *)> struct Releaser {
  void operator()(T *object) const noexcept { Release(object); }
};
} // namespace detail

/// A view of caller-owned memory as a tensor (host memory unless marked
/// inDeviceMemory()).
struct Tensor {
  smelt_tensor_t raw{};

  Tensor() { raw.struct_size = sizeof(raw); }
  Tensor(smelt_dtype_t dtype, std::vector<int64_t> shape, void *data, size_t byteSize) {
    raw.struct_size = sizeof(raw);
    if (shape.size() > SMELT_MAX_RANK)
      throw Error(SMELT_INVALID_ARGUMENT, "rank " + std::to_string(shape.size()) +
                                              " exceeds SMELT_MAX_RANK");
    raw.dtype = dtype;
    raw.rank = static_cast<int32_t>(shape.size());
    for (size_t i = 0; i < shape.size(); ++i)
      raw.shape[i] = shape[i];
    raw.data = data;
    raw.byte_size = byteSize;
  }

  /// A tensor over `data` of `shape`, element count taken from the shape.
  template <typename T> static Tensor of(T *data, std::vector<int64_t> shape) {
    size_t count = 1;
    for (int64_t extent : shape)
      count *= static_cast<size_t>(extent);
    return Tensor(dtypeOf<T>(), std::move(shape), const_cast<void *>(static_cast<const void *>(data)),
                  count * sizeof(T));
  }

  std::vector<int64_t> shape() const { return {raw.shape, raw.shape + raw.rank}; }

  /// Marks `data` as memory of the session's device (SMELT_MEMORY_DEVICE: a
  /// CUDA device pointer on cuda:N, 256-byte aligned), read or written in
  /// place by the run.
  Tensor &inDeviceMemory() {
    raw.memory = SMELT_MEMORY_DEVICE;
    return *this;
  }

  template <typename T> static constexpr smelt_dtype_t dtypeOf() {
    if constexpr (std::is_same_v<std::remove_const_t<T>, float>) return SMELT_F32;
    else if constexpr (std::is_same_v<std::remove_const_t<T>, double>) return SMELT_F64;
    else if constexpr (std::is_same_v<std::remove_const_t<T>, int8_t>) return SMELT_I8;
    else if constexpr (std::is_same_v<std::remove_const_t<T>, int16_t>) return SMELT_I16;
    else if constexpr (std::is_same_v<std::remove_const_t<T>, int32_t>) return SMELT_I32;
    else if constexpr (std::is_same_v<std::remove_const_t<T>, int64_t>) return SMELT_I64;
    else if constexpr (std::is_same_v<std::remove_const_t<T>, uint8_t>) return SMELT_U8;
    else if constexpr (std::is_same_v<std::remove_const_t<T>, uint16_t>) return SMELT_U16;
    else if constexpr (std::is_same_v<std::remove_const_t<T>, uint32_t>) return SMELT_U32;
    else if constexpr (std::is_same_v<std::remove_const_t<T>, uint64_t>) return SMELT_U64;
    else if constexpr (std::is_same_v<std::remove_const_t<T>, bool>) return SMELT_BOOL;
    else static_assert(sizeof(T) == 0, "no smelt dtype for this C++ type");
  }
};

/// Description of an input or output; owns copies of the strings.
struct TensorInfo {
  std::string name;
  smelt_dtype_t dtype;
  std::vector<int64_t> shape;
  std::vector<std::string> dimNames; // "" for a fixed dimension
  size_t byteSize() const {
    size_t count = 1;
    for (int64_t extent : shape)
      count *= static_cast<size_t>(extent);
    return count * smelt_dtype_size(dtype);
  }
};

class Instance;

class Device {
public:
  std::string uri() const { return info().uri; }
  std::string name() const { return info().name; }
  smelt_device_t *get() const noexcept { return device_.get(); }

private:
  friend class Instance;
  explicit Device(smelt_device_t *device) : device_(device, smelt_device_release) {}
  smelt_device_info_t info() const {
    smelt_device_info_t result{};
    result.struct_size = sizeof(result);
    detail::check(smelt_device_info(device_.get(), &result));
    return result;
  }
  std::shared_ptr<smelt_device_t> device_;
};

class Instance {
public:
  /// `threads` 0: all hardware threads. `plugins`: extra plugin paths.
  /// `libraries`: "<name>=<path or off>" overrides of vendor libraries.
  explicit Instance(int32_t threads = 0, std::vector<std::string> plugins = {},
                    uint32_t flags = 0, std::vector<std::string> libraries = {}) {
    std::vector<const char *> paths, overrides;
    for (const std::string &path : plugins)
      paths.push_back(path.c_str());
    for (const std::string &library : libraries)
      overrides.push_back(library.c_str());
    smelt_instance_options_t options{};
    options.struct_size = sizeof(options);
    options.num_threads = threads;
    options.flags = flags;
    options.plugin_paths = paths.data();
    options.plugin_path_count = paths.size();
    options.library_overrides = overrides.data();
    options.library_override_count = overrides.size();
    smelt_instance_t *instance = nullptr;
    detail::check(smelt_instance_create(&options, &instance));
    instance_.reset(instance);
  }

  /// "cpu", "cuda:1", or "" for the default device (see smelt_device_open).
  Device device(const std::string &uri = "") const {
    smelt_device_t *device = nullptr;
    detail::check(smelt_device_open(instance_.get(), uri.c_str(), &device));
    return Device(device);
  }

  std::vector<std::string> deviceUris() const {
    std::vector<std::string> uris;
    for (size_t i = 0; i < smelt_instance_device_count(instance_.get()); ++i) {
      smelt_device_info_t info{};
      info.struct_size = sizeof(info);
      detail::check(smelt_instance_device_info(instance_.get(), i, &info));
      uris.emplace_back(info.uri);
    }
    return uris;
  }

  smelt_instance_t *get() const noexcept { return instance_.get(); }

private:
  std::unique_ptr<smelt_instance_t, detail::Releaser<smelt_instance_t, smelt_instance_release>>
      instance_;
};

class Session {
public:
  /// Loads the artifact at `path` onto `device`.
  Session(const Device &device, const std::string &path) {
    smelt_session_t *session = nullptr;
    detail::check(smelt_session_create_from_file(device.get(), path.c_str(), nullptr, &session));
    adopt(session);
  }
  /// Loads an artifact from memory (copied).
  Session(const Device &device, const void *data, size_t size) {
    smelt_session_t *session = nullptr;
    detail::check(smelt_session_create_from_memory(device.get(), data, size, nullptr, &session));
    adopt(session);
  }

  const std::vector<TensorInfo> &inputs() const noexcept { return inputs_; }
  const std::vector<TensorInfo> &outputs() const noexcept { return outputs_; }
  std::string describe() const { return smelt_session_describe(session_.get()); }

  /// The outputs' shapes for these inputs (an artifact compiled for several
  /// sizes has -1 dims in outputs()).
  std::vector<std::vector<int64_t>> outputShapes(const std::vector<Tensor> &inputs) const {
    std::vector<smelt_tensor_t> in, out(outputs_.size());
    for (const Tensor &tensor : inputs)
      in.push_back(tensor.raw);
    for (smelt_tensor_t &tensor : out)
      tensor.struct_size = sizeof(tensor);
    detail::check(smelt_session_resolve_outputs(session_.get(), in.data(), in.size(),
                                                out.data(), out.size()));
    std::vector<std::vector<int64_t>> shapes;
    for (const smelt_tensor_t &tensor : out)
      shapes.emplace_back(tensor.shape, tensor.shape + tensor.rank);
    return shapes;
  }

  /// Runs with caller-bound outputs; safe to call from several threads.
  void run(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs) const {
    std::vector<smelt_tensor_t> in, out;
    for (const Tensor &tensor : inputs)
      in.push_back(tensor.raw);
    for (const Tensor &tensor : outputs)
      out.push_back(tensor.raw);
    detail::check(smelt_session_run(session_.get(), in.data(), in.size(), out.data(), out.size()));
    for (size_t i = 0; i < outputs.size(); ++i)
      outputs[i].raw = out[i];
  }
  void run(const std::vector<Tensor> &inputs, std::vector<Tensor> &&outputs) const {
    run(inputs, outputs);
  }

  smelt_session_t *get() const noexcept { return session_.get(); }

private:
  void adopt(smelt_session_t *session) {
    session_.reset(session, smelt_session_release);
    auto describe = [&](size_t count, auto infoFunction, std::vector<TensorInfo> &into) {
      for (size_t i = 0; i < count; ++i) {
        smelt_tensor_info_t raw{};
        raw.struct_size = sizeof(raw);
        detail::check(infoFunction(session, i, &raw));
        TensorInfo info{raw.name, raw.dtype, {raw.shape, raw.shape + raw.rank}, {}};
        for (int32_t d = 0; d < raw.rank; ++d)
          info.dimNames.emplace_back(raw.dim_names[d] ? raw.dim_names[d] : "");
        into.push_back(std::move(info));
      }
    };
    describe(smelt_session_input_count(session), smelt_session_input_info, inputs_);
    describe(smelt_session_output_count(session), smelt_session_output_info, outputs_);
  }

  std::shared_ptr<smelt_session_t> session_;
  std::vector<TensorInfo> inputs_, outputs_;
};

} // namespace smelt

#endif // SMELT_RUNTIME_HPP
