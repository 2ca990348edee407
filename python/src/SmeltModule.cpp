//===- SmeltModule.cpp - The _smelt extension module (pybind11) -----------===//
//
// Python bindings of the compiler (the same job as `smelt compile`) and of the
// runtime's C++ API. The `smelt` package (python/smelt/__init__.py) re-exports
// what is here.
//
//  - compile(model, targets, ...) -> Artifact: `model` is a path or bytes.
//  - Session(artifact_or_path, device, threads): .inputs, .outputs, .run().
//    run() releases the GIL; the runtime allows concurrent runs.
//  - Inputs may be NumPy arrays or any object with __dlpack__ (PyTorch
//    tensors): CPU tensors are read in place, without a copy. Outputs are
//    NumPy arrays, which export __dlpack__ themselves.
//  - from_dlpack(obj): a NumPy array over the memory of a DLPack producer.
//  - Failures raise smelt.Error with .code (int), .code_name and .message.
//
//===----------------------------------------------------------------------===//
#include "runtime/src/ArtifactWriter.h"
#include "smelt/runtime.hpp"
#include "tools/common/CompileModel.h"

#include <algorithm>
#include <dlpack/dlpack.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace py = pybind11;

namespace {

PyObject *errorType = nullptr; // smelt.Error

[[noreturn]] void raise(smelt_status_code_t code, const std::string &message) {
  throw smelt::Error(code, message);
}

//===------------------------------------------------------------- dtypes ===//

/// Each runtime dtype with its NumPy name and kind and its DLPack type code
/// (bf16 travels through NumPy as uint16 bits; DLPack 0.6 has no bool).
struct DtypeRow {
  smelt_dtype_t dtype;
  const char *numpy;
  char kind; // NumPy's, '\0' when NumPy has none
  int dlpack; // DLDataTypeCode, -1 when DLPack has none
};
constexpr DtypeRow kDtypes[] = {
    {SMELT_F32, "float32", 'f', kDLFloat}, {SMELT_F64, "float64", 'f', kDLFloat},
    {SMELT_F16, "float16", 'f', kDLFloat}, {SMELT_BF16, "uint16", '\0', kDLBfloat},
    {SMELT_I8, "int8", 'i', kDLInt},       {SMELT_I16, "int16", 'i', kDLInt},
    {SMELT_I32, "int32", 'i', kDLInt},     {SMELT_I64, "int64", 'i', kDLInt},
    {SMELT_U8, "uint8", 'u', kDLUInt},     {SMELT_U16, "uint16", 'u', kDLUInt},
    {SMELT_U32, "uint32", 'u', kDLUInt},   {SMELT_U64, "uint64", 'u', kDLUInt},
    {SMELT_BOOL, "bool", 'b', -1},
};

/// The NumPy dtype of a runtime dtype.
py::dtype numpyDtype(smelt_dtype_t dtype) {
  for (const DtypeRow &row : kDtypes)
    if (row.dtype == dtype)
      return py::dtype(row.numpy);
  raise(SMELT_INTERNAL, "unknown dtype");
}

/// The runtime dtype of a NumPy dtype, or false.
bool runtimeDtype(const py::dtype &dtype, smelt_dtype_t &out) {
  for (const DtypeRow &row : kDtypes)
    if (row.kind == dtype.kind() && smelt_dtype_size(row.dtype) == size_t(dtype.itemsize())) {
      out = row.dtype;
      return true;
    }
  return false;
}

/// The runtime dtype of a DLPack dtype, or false.
bool runtimeDtype(const DLDataType &type, smelt_dtype_t &out) {
  if (type.lanes != 1)
    return false;
  for (const DtypeRow &row : kDtypes)
    if (row.dlpack == type.code && 8 * smelt_dtype_size(row.dtype) == type.bits) {
      out = row.dtype;
      return true;
    }
  return false;
}

//===------------------------------------------------------------- DLPack ===//

/// Owns a consumed DLPack tensor; its deleter runs when the last view goes.
struct DlpackHolder {
  DLManagedTensor *managed = nullptr;
  ~DlpackHolder() {
    if (managed && managed->deleter)
      managed->deleter(managed);
  }
};

/// Takes the tensor out of `obj.__dlpack__()`: C-contiguous, in host memory,
/// or in the memory of `device` ("cuda:N": a CUDA tensor of device N, then
/// `onDevice` is set) when given.
std::shared_ptr<DlpackHolder> consumeDlpack(const py::object &obj, const std::string &what,
                                            const std::string &device = "",
                                            bool *onDevice = nullptr) {
  py::object capsule = obj.attr("__dlpack__")();
  auto *managed =
      static_cast<DLManagedTensor *>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
  if (!managed) {
    PyErr_Clear();
    raise(SMELT_INVALID_ARGUMENT, what + ": __dlpack__() did not return a 'dltensor' capsule");
  }
  // The capsule is consumed: rename it so its producer does not free it.
  PyCapsule_SetName(capsule.ptr(), "used_dltensor");
  PyCapsule_SetDestructor(capsule.ptr(), nullptr);
  auto holder = std::make_shared<DlpackHolder>();
  holder->managed = managed;
  const DLTensor &tensor = managed->dl_tensor;
  if (onDevice)
    *onDevice = false;
  if (tensor.device.device_type == kDLCUDA) {
    const std::string where = "cuda:" + std::to_string(tensor.device.device_id);
    if (!onDevice || where != device)
      raise(SMELT_INVALID_ARGUMENT,
            what + ": DLPack tensor lives on " + where + ", but " +
                (device.empty() ? std::string("only host tensors are taken here")
                                : "the session runs on " + device) +
                " (copy it to the host, or run a session on " + where + ")");
    *onDevice = true;
  } else if (tensor.device.device_type != kDLCPU) {
    raise(SMELT_UNSUPPORTED, what + ": DLPack tensor lives on device type " +
                                 std::to_string(int(tensor.device.device_type)) +
                                 "; tensors in host memory or on CUDA devices are taken");
  }
  if (tensor.strides) {
    int64_t expected = 1;
    for (int d = tensor.ndim - 1; d >= 0; --d) {
      if (tensor.shape[d] != 1 && tensor.strides[d] != expected)
        raise(SMELT_INVALID_ARGUMENT,
              what + ": DLPack tensor is not C-contiguous (make it contiguous first)");
      expected *= tensor.shape[d];
    }
  }
  return holder;
}

/// os.fspath(path): str, bytes paths and pathlib objects alike.
std::string fspath(const py::object &path) {
  return py::str(py::module_::import("os").attr("fspath")(path));
}

//===----------------------------------------------------------- Artifact ===//

struct Artifact {
  std::string bytes;

  void save(const std::string &path) const {
    std::vector<uint8_t> data(bytes.begin(), bytes.end());
    std::string error;
    if (!smelt::artifact::writeArtifactBytes(path, data, error))
      raise(SMELT_INVALID_ARGUMENT, error);
  }
};

//===------------------------------------------------------------ compile ===//

/// Collects diagnostics as lines for the exception.
class CollectingObserver : public smelt::CompileObserver {
public:
  void diagnostic(mlir::Diagnostic &diagnostic) override {
    if (!text.empty())
      text += "\n";
    text += smelt::formatDiagnostic(diagnostic);
  }
  std::string text;
};

bool toHostTensor(const py::handle &value, const std::string &name,
                  smelt::tensorio::HostTensor &tensor) {
  py::array array = py::array::ensure(value, py::array::c_style | py::array::forcecast);
  if (!array)
    return false;
  if (!runtimeDtype(array.dtype(), tensor.dtype))
    raise(SMELT_INVALID_ARGUMENT, "constant input '" + name + "' has an unsupported dtype " +
                                      std::string(py::str(array.dtype())));
  tensor.shape.assign(array.shape(), array.shape() + array.ndim());
  const auto *data = static_cast<const uint8_t *>(array.data());
  tensor.bytes.assign(data, data + array.nbytes());
  return true;
}

Artifact compileModel(const py::object &model, const std::vector<std::string> &targets,
                      const std::string &inputType, const py::dict &inputShapes,
                      const py::dict &dims,
                      const py::dict &constantInputs, bool fuse, int64_t vectorWidth,
                      bool libraryCalls, int64_t groups, const std::string &memoryLevels) {
  smelt::CompileRequest request;
  if (py::isinstance<py::bytes>(model) || py::isinstance<py::bytearray>(model)) {
    request.modelBytes = std::string(py::bytes(model));
    request.modelName = "<bytes>";
  } else {
    request.modelPath = fspath(model);
  }
  // "auto": StableHLO for .mlir files and MLIR text, ONNX otherwise.
  if (inputType != "auto" && inputType != "onnx" && inputType != "stablehlo")
    raise(SMELT_INVALID_ARGUMENT, "input_type is '" + inputType + "'; expected auto, onnx or stablehlo");
  request.inputType = inputType == "auto" ? "" : inputType;
  for (const std::string &target : targets)
    request.targets.push_back(target == "cpu" ? "cpu:host" : target);
  for (auto [key, value] : inputShapes)
    request.inputShapes[py::str(key)] = value.cast<std::vector<int64_t>>();
  for (auto [key, value] : dims)
    request.dimSizes[py::str(key)] = py::isinstance<py::int_>(value)
                                         ? std::vector<int64_t>{value.cast<int64_t>()}
                                         : value.cast<std::vector<int64_t>>();
  for (auto [key, value] : constantInputs) {
    std::string name = py::str(key);
    smelt::tensorio::HostTensor tensor;
    if (!toHostTensor(value, name, tensor))
      raise(SMELT_INVALID_ARGUMENT, "constant input '" + name + "' is not array-like");
    request.constantInputs.emplace_back(name, std::move(tensor));
  }
  request.fuse = fuse;
  request.vectorWidth = vectorWidth;
  request.libraryCalls = libraryCalls;
  request.groups = groups;
  request.memoryLevels = memoryLevels;

  CollectingObserver observer;
  smelt::CompileResult result;
  std::string error;
  bool ok;
  {
    py::gil_scoped_release release;
    ok = smelt::compileModel(request, observer, result, error);
  }
  if (!ok) {
    std::string message = observer.text;
    if (!error.empty())
      message += (message.empty() ? "" : "\n") + error;
    raise(SMELT_INVALID_ARGUMENT, message.empty() ? "compilation failed" : message);
  }
  return Artifact{std::string(result.artifact.begin(), result.artifact.end())};
}

//===------------------------------------------------------------ Session ===//

struct TensorInfo {
  std::string name;
  std::string dtype; // NumPy's name
  std::vector<int64_t> shape;
  std::vector<std::string> dimNames;
  smelt_dtype_t raw;

  py::tuple dimNamesTuple() const {
    py::list names;
    for (const std::string &name : dimNames)
      names.append(name.empty() ? py::none() : py::object(py::str(name)));
    return py::tuple(names);
  }
  std::string repr() const {
    std::string text = "TensorInfo(name='" + name + "', dtype='" + dtype + "', shape=(";
    for (size_t i = 0; i < shape.size(); ++i) {
      const bool named = i < dimNames.size() && !dimNames[i].empty();
      text += (i ? ", " : "") +
              (shape[i] < 0 ? (named ? dimNames[i] : std::string("?"))
                            : (named ? dimNames[i] + "=" : std::string()) + std::to_string(shape[i]));
    }
    return text + (shape.size() == 1 ? ",))" : "))");
  }
};

std::mutex defaultInstanceMutex;
std::shared_ptr<smelt::Instance> defaultInstance() {
  static std::shared_ptr<smelt::Instance> instance;
  std::lock_guard<std::mutex> lock(defaultInstanceMutex);
  if (!instance)
    instance = std::make_shared<smelt::Instance>();
  return instance;
}

class Session {
public:
  Session(const py::object &artifactOrPath, const std::string &device, int32_t threads) {
    instance_ = threads ? std::make_shared<smelt::Instance>(threads) : defaultInstance();
    smelt::Device opened = instance_->device(device == "auto" ? "" : device);
    if (py::isinstance<Artifact>(artifactOrPath)) {
      const Artifact &artifact = artifactOrPath.cast<const Artifact &>();
      session_ = std::make_unique<smelt::Session>(opened, artifact.bytes.data(),
                                                  artifact.bytes.size());
    } else if (py::isinstance<py::bytes>(artifactOrPath)) {
      std::string bytes = py::bytes(artifactOrPath);
      session_ = std::make_unique<smelt::Session>(opened, bytes.data(), bytes.size());
    } else {
      std::string path = fspath(artifactOrPath);
      session_ = std::make_unique<smelt::Session>(opened, path);
    }
    deviceUri_ = opened.uri();
    for (const auto &info : session_->inputs())
      inputs_.push_back(describe(info));
    for (const auto &info : session_->outputs())
      outputs_.push_back(describe(info));
  }

  const std::vector<TensorInfo> &inputs() const { return inputs_; }
  const std::vector<TensorInfo> &outputs() const { return outputs_; }
  std::string device() const { return deviceUri_; }
  std::string describeText() const { return session_->describe(); }

  /// `feeds`: {name: array} or a sequence in signature order. `into`:
  /// {output name: array} the run writes instead of new arrays (C-contiguous,
  /// writable, the output's dtype and shape), for any subset of the outputs.
  py::dict run(const py::object &feeds, const py::object &into) const {
    std::vector<py::object> ordered = orderInputs(feeds);
    // Keep every source alive (and its memory pinned) until the run is over.
    std::vector<py::object> keepAlive;
    std::vector<std::shared_ptr<DlpackHolder>> dlpacks;
    std::vector<smelt::Tensor> in;
    for (size_t i = 0; i < ordered.size(); ++i) {
      const std::string what = "input " + std::to_string(i) + " ('" + inputs_[i].name + "')";
      py::object value = ordered[i];
      if (!py::isinstance<py::array>(value) && py::hasattr(value, "__dlpack__")) {
        bool resident = false;
        std::shared_ptr<DlpackHolder> holder = consumeDlpack(value, what, deviceUri_, &resident);
        const DLTensor &t = holder->managed->dl_tensor;
        smelt_dtype_t dtype;
        if (!runtimeDtype(t.dtype, dtype))
          raise(SMELT_INVALID_ARGUMENT, what + ": DLPack dtype (code " +
                                            std::to_string(t.dtype.code) + ", " +
                                            std::to_string(t.dtype.bits) + " bits) is not supported");
        std::vector<int64_t> shape(t.shape, t.shape + t.ndim);
        size_t count = 1;
        for (int64_t extent : shape)
          count *= static_cast<size_t>(extent);
        in.emplace_back(dtype, shape, static_cast<char *>(t.data) + t.byte_offset,
                        count * smelt_dtype_size(dtype));
        if (resident)
          in.back().raw.memory = SMELT_MEMORY_DEVICE;
        dlpacks.push_back(std::move(holder));
        continue;
      }
      py::array array = py::array::ensure(value, py::array::c_style);
      if (!array)
        raise(SMELT_INVALID_ARGUMENT, what + ": expected a NumPy array or a DLPack tensor");
      smelt_dtype_t dtype;
      if (!runtimeDtype(array.dtype(), dtype))
        raise(SMELT_INVALID_ARGUMENT, what + ": NumPy dtype " +
                                          std::string(py::str(array.dtype())) +
                                          " has no runtime equivalent");
      if (array.dtype().is(py::dtype("uint16")) && inputs_[i].raw == SMELT_BF16)
        dtype = SMELT_BF16; // bf16 travels as its raw bits
      in.emplace_back(dtype, std::vector<int64_t>(array.shape(), array.shape() + array.ndim()),
                      const_cast<void *>(array.data()), static_cast<size_t>(array.nbytes()));
      keepAlive.push_back(array);
    }

    std::vector<py::array> results;
    std::vector<size_t> writtenInPlace; // outputs given as DLPack tensors
    std::vector<smelt::Tensor> out;
    std::vector<std::vector<int64_t>> shapes = session_->outputShapes(in);
    py::dict given;
    if (!into.is_none()) {
      if (!py::isinstance<py::dict>(into))
        raise(SMELT_INVALID_ARGUMENT, "outputs must be a dict {output name: array}");
      given = into.cast<py::dict>();
      for (auto [key, value] : given) {
        std::string name = py::str(key);
        if (std::none_of(outputs_.begin(), outputs_.end(),
                         [&](const TensorInfo &info) { return info.name == name; }))
          raise(SMELT_INVALID_ARGUMENT, "outputs: the model has no output '" + name + "'");
      }
    }
    for (size_t o = 0; o < outputs_.size(); ++o) {
      const TensorInfo &info = outputs_[o];
      py::str name(info.name);
      if (given.contains(name)) {
        const std::string what = "output '" + info.name + "'";
        py::object value = given[name];
        if (!py::isinstance<py::array>(value) && py::hasattr(value, "__dlpack__")) {
          // A DLPack tensor the run writes: host memory, or the session's
          // device's (a CUDA tensor written in place).
          bool resident = false;
          std::shared_ptr<DlpackHolder> holder =
              consumeDlpack(value, what, deviceUri_, &resident);
          const DLTensor &t = holder->managed->dl_tensor;
          smelt_dtype_t dtype;
          std::vector<int64_t> shape(t.shape, t.shape + t.ndim);
          if (!runtimeDtype(t.dtype, dtype) || dtype != info.raw || shape != shapes[o])
            raise(SMELT_INVALID_ARGUMENT,
                  what + ": expected a DLPack tensor of " + info.dtype + " and shape " +
                      std::string(py::str(py::cast(shapes[o]))) + ", got shape " +
                      std::string(py::str(py::cast(shape))));
          size_t count = 1;
          for (int64_t extent : shape)
            count *= static_cast<size_t>(extent);
          out.emplace_back(info.raw, shapes[o], static_cast<char *>(t.data) + t.byte_offset,
                           count * smelt_dtype_size(dtype));
          if (resident)
            out.back().raw.memory = SMELT_MEMORY_DEVICE;
          dlpacks.push_back(std::move(holder));
          results.push_back(py::array()); // the caller's tensor holds the result
          writtenInPlace.push_back(o);
          continue;
        }
        if (!py::isinstance<py::array>(value))
          raise(SMELT_INVALID_ARGUMENT, what + ": expected a NumPy array or a DLPack tensor");
        py::array array = value.cast<py::array>();
        py::dtype expected =
            info.raw == SMELT_BF16 ? py::dtype("uint16") : numpyDtype(info.raw);
        std::vector<int64_t> shape(array.shape(), array.shape() + array.ndim());
        if (!array.dtype().is(expected) || shape != shapes[o])
          raise(SMELT_INVALID_ARGUMENT,
                what + ": expected " + std::string(py::str(expected)) + " of shape " +
                    std::string(py::str(py::cast(shapes[o]))) + ", got " +
                    std::string(py::str(array.dtype())) + " of shape " +
                    std::string(py::str(py::cast(shape))));
        if (!(array.flags() & py::array::c_style) || !array.writeable())
          raise(SMELT_INVALID_ARGUMENT, what + ": the array must be C-contiguous and writable");
        out.emplace_back(info.raw, shapes[o], array.mutable_data(),
                         static_cast<size_t>(array.nbytes()));
        results.push_back(array);
        continue;
      }
      py::array array(numpyDtype(info.raw), shapes[o]);
      out.emplace_back(info.raw, shapes[o], array.mutable_data(),
                       static_cast<size_t>(array.nbytes()));
      results.push_back(array);
    }
    {
      py::gil_scoped_release release; // runs may overlap, on any threads
      session_->run(in, out);
    }
    py::dict named;
    for (size_t i = 0; i < results.size(); ++i)
      named[py::str(outputs_[i].name)] =
          std::count(writtenInPlace.begin(), writtenInPlace.end(), i)
              ? py::object(given[py::str(outputs_[i].name)])
              : py::object(results[i]);
    return named;
  }

private:
  static TensorInfo describe(const smelt::TensorInfo &info) {
    TensorInfo result;
    result.name = info.name;
    result.raw = info.dtype;
    result.dtype = info.dtype == SMELT_BF16 ? "bfloat16" : std::string(py::str(numpyDtype(info.dtype)));
    result.shape = info.shape;
    result.dimNames = info.dimNames;
    return result;
  }

  std::vector<py::object> orderInputs(const py::object &feeds) const {
    std::vector<py::object> ordered;
    if (py::isinstance<py::dict>(feeds)) {
      py::dict dict = feeds.cast<py::dict>();
      for (auto [key, value] : dict) {
        std::string name = py::str(key);
        bool known = false;
        for (const TensorInfo &info : inputs_)
          known |= info.name == name;
        if (!known) {
          std::string names;
          for (const TensorInfo &info : inputs_)
            names += (names.empty() ? "'" : ", '") + info.name + "'";
          raise(SMELT_INVALID_ARGUMENT,
                "unknown input '" + name + "'; the model's inputs are " + names);
        }
      }
      for (const TensorInfo &info : inputs_) {
        py::str key(info.name);
        if (!dict.contains(key))
          raise(SMELT_INVALID_ARGUMENT, "missing input '" + info.name + "'");
        ordered.push_back(dict[key]);
      }
      return ordered;
    }
    if (py::isinstance<py::list>(feeds) || py::isinstance<py::tuple>(feeds)) {
      for (py::handle value : feeds)
        ordered.push_back(py::reinterpret_borrow<py::object>(value));
      if (ordered.size() != inputs_.size())
        raise(SMELT_INVALID_ARGUMENT, "expected " + std::to_string(inputs_.size()) +
                                          " inputs, got " + std::to_string(ordered.size()));
      return ordered;
    }
    raise(SMELT_INVALID_ARGUMENT, "run() takes a dict {name: array} or a list of arrays");
  }

  std::shared_ptr<smelt::Instance> instance_;
  std::unique_ptr<smelt::Session> session_;
  std::vector<TensorInfo> inputs_, outputs_;
  std::string deviceUri_;
};

//===------------------------------------------------------------ devices ===//

py::dict devices() {
  std::shared_ptr<smelt::Instance> instance = defaultInstance();
  smelt_instance_t *raw = instance->get();
  py::list drivers, deviceList, libraries;
  for (size_t i = 0; i < smelt_instance_driver_count(raw); ++i) {
    smelt_driver_info_t info{};
    info.struct_size = sizeof(info);
    smelt::detail::check(smelt_instance_driver_info(raw, i, &info));
    py::dict entry;
    entry["name"] = info.name;
    entry["path"] = info.path;
    entry["version"] = info.version;
    entry["abi"] = py::make_tuple(info.abi_major, info.abi_minor);
    entry["loaded"] = bool(info.loaded);
    entry["message"] = info.message;
    drivers.append(entry);
  }
  for (size_t i = 0; i < smelt_instance_device_count(raw); ++i) {
    smelt_device_info_t info{};
    info.struct_size = sizeof(info);
    smelt::detail::check(smelt_instance_device_info(raw, i, &info));
    py::dict entry;
    entry["uri"] = info.uri;
    entry["driver"] = info.driver;
    entry["name"] = info.name;
    entry["arch"] = info.arch;
    entry["memory_bytes"] = info.memory_bytes;
    deviceList.append(entry);
  }
  for (size_t i = 0; i < smelt_instance_library_count(raw); ++i) {
    smelt_library_info_t info{};
    info.struct_size = sizeof(info);
    smelt::detail::check(smelt_instance_library_info(raw, i, &info));
    py::dict entry;
    entry["name"] = info.name;
    entry["purpose"] = info.purpose;
    entry["found"] = bool(info.found);
    entry["path"] = info.path;
    entry["version"] = info.version;
    entry["message"] = info.message;
    libraries.append(entry);
  }
  py::dict result;
  result["drivers"] = drivers;
  result["devices"] = deviceList;
  result["libraries"] = libraries;
  return result;
}

/// A NumPy array over the memory of a DLPack producer (no copy).
py::array fromDlpack(const py::object &obj) {
  std::shared_ptr<DlpackHolder> holder = consumeDlpack(obj, "from_dlpack");
  const DLTensor &t = holder->managed->dl_tensor;
  smelt_dtype_t dtype;
  if (!runtimeDtype(t.dtype, dtype))
    raise(SMELT_INVALID_ARGUMENT, "from_dlpack: DLPack dtype (code " +
                                      std::to_string(t.dtype.code) + ", " +
                                      std::to_string(t.dtype.bits) + " bits) is not supported");
  std::vector<int64_t> shape(t.shape, t.shape + t.ndim);
  // The capsule owning the holder keeps the producer's memory alive.
  auto *owner = new std::shared_ptr<DlpackHolder>(holder);
  py::capsule base(owner, [](void *pointer) {
    delete static_cast<std::shared_ptr<DlpackHolder> *>(pointer);
  });
  return py::array(numpyDtype(dtype), shape, static_cast<char *>(t.data) + t.byte_offset, base);
}

} // namespace

PYBIND11_MODULE(_smelt, m) {
  m.doc() = "Smelt: compile ONNX models to fused kernels and run them (native module)";

  errorType = PyErr_NewExceptionWithDoc(
      "smelt.Error",
      "A failed Smelt call. Attributes: code (int, the runtime's status code), code_name "
      "(e.g. 'INVALID_ARGUMENT'), message.",
      PyExc_RuntimeError, nullptr);
  m.add_object("Error", py::handle(errorType));
  py::register_exception_translator([](std::exception_ptr pointer) {
    try {
      if (pointer)
        std::rethrow_exception(pointer);
    } catch (const smelt::Error &error) {
      py::object instance = py::reinterpret_borrow<py::object>(errorType)(error.what());
      instance.attr("code") = py::int_(int(error.code()));
      instance.attr("code_name") = py::str(smelt_status_code_name(error.code()));
      instance.attr("message") = py::str(error.what());
      PyErr_SetObject(errorType, instance.ptr());
    }
  });

  py::class_<Artifact>(m, "Artifact", "A compiled model (.smelt bytes).")
      .def_property_readonly("bytes", [](const Artifact &a) { return py::bytes(a.bytes); })
      .def(
          "save", [](const Artifact &a, const py::object &path) { a.save(fspath(path)); },
          py::arg("path"), "Writes the artifact to `path`.")
      .def_static(
          "load",
          [](const py::object &where) {
            std::string path = fspath(where);
            std::ifstream file(path, std::ios::binary);
            if (!file)
              raise(SMELT_NOT_FOUND, "cannot open '" + path + "'");
            return Artifact{std::string(std::istreambuf_iterator<char>(file), {})};
          },
          py::arg("path"))
      .def("__len__", [](const Artifact &a) { return a.bytes.size(); })
      .def("__repr__", [](const Artifact &a) {
        return "<smelt.Artifact of " + std::to_string(a.bytes.size()) + " bytes>";
      });

  m.def("_compile", &compileModel, py::arg("model"), py::arg("targets"), py::arg("input_type"),
        py::arg("input_shapes"), py::arg("dims"), py::arg("constant_inputs"), py::arg("fuse"),
        py::arg("vector_width"), py::arg("library_calls"), py::arg("groups"),
        py::arg("memory_levels"));

  py::class_<TensorInfo>(m, "TensorInfo", "A model input or output.")
      .def_readonly("name", &TensorInfo::name)
      .def_readonly("dtype", &TensorInfo::dtype)
      .def_property_readonly("shape",
                             [](const TensorInfo &t) { return py::tuple(py::cast(t.shape)); })
      .def_property_readonly("dim_names", &TensorInfo::dimNamesTuple)
      .def("__repr__", &TensorInfo::repr);

  py::class_<Session>(m, "Session", "A compiled model loaded on a device.")
      .def(py::init<const py::object &, const std::string &, int32_t>(),
           py::arg("artifact"), py::arg("device") = "cpu", py::arg("threads") = 0)
      .def_property_readonly("inputs", &Session::inputs)
      .def_property_readonly("outputs", &Session::outputs)
      .def_property_readonly("device", &Session::device)
      .def("describe", &Session::describeText)
      .def("run", &Session::run, py::arg("inputs"), py::arg("outputs") = py::none(),
           "Runs the model: {name: array} (or a list in signature order) -> {name: ndarray}. "
           "outputs: {name: array} to write instead of new arrays (C-contiguous, writable, "
           "the output's dtype and shape). Releases the GIL; may be called from several "
           "threads at once.");

  m.def("devices", &devices, "Drivers, devices and vendor libraries, as `smelt devices -v`.");
  m.def("from_dlpack", &fromDlpack, py::arg("tensor"),
        "A NumPy array over the memory of a DLPack producer (CPU), without a copy.");
}
