//===- server.cpp - smelt-serve: HTTP inference over the runtime ----------===//
//
// Loads one .smelt artifact into one smelt::Session and serves it over HTTP
// with cpp-httplib:
//
//   GET  /v1/model  the signature: inputs and outputs with dtype and shape
//   POST /v1/infer  {"inputs": {"<name>": {"shape": [...], "data": [...]}}}
//                   -> {"outputs": {"<name>": {"dtype", "shape", "data"}},
//                       "time_ms": ...}
//
// Every request runs Session::run on its own listener thread: the runtime
// allows concurrent runs on one session, each with its own tensors. Client
// mistakes (bad JSON, unknown or missing inputs, wrong shapes) are answered
// with HTTP 400 and {"error": "..."}.
//
// The JSON reader and writer are in Json.h.
//
//===----------------------------------------------------------------------===//
#include "smelt/runtime.hpp"

#include "Json.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <pthread.h>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using namespace smelt_serve;

//===----------------------------------------------------------------------===//
// Element conversion
//===----------------------------------------------------------------------===//

uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

float bitsFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

/// IEEE binary16, rounded to nearest even.
uint16_t floatToHalf(float value) {
  uint32_t bits = floatBits(value);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  uint32_t magnitude = bits & 0x7FFFFFFF;
  if (magnitude >= 0x7F800000) // inf or NaN (keep NaN quiet)
    return sign | 0x7C00 | (magnitude > 0x7F800000 ? 0x200 : 0);
  if (magnitude >= 0x477FF000) // >= 65520 rounds to infinity
    return sign | 0x7C00;
  if (magnitude < 0x38800000) { // below 2^-14: a subnormal half
    float scaled = bitsFloat(magnitude) * 16777216.0f; // exact: * 2^24
    return sign | static_cast<uint16_t>(std::nearbyint(scaled));
  }
  uint32_t rebased = magnitude - (112u << 23);
  rebased += 0xFFF + ((rebased >> 13) & 1);
  return sign | static_cast<uint16_t>(rebased >> 13);
}

float halfToFloat(uint16_t half) {
  uint32_t sign = static_cast<uint32_t>(half & 0x8000) << 16;
  uint32_t exponent = (half >> 10) & 0x1F;
  uint32_t mantissa = half & 0x3FF;
  if (exponent == 0) {
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return bitsFloat(sign | floatBits(magnitude));
  }
  if (exponent == 31)
    return bitsFloat(sign | 0x7F800000 | (mantissa << 13));
  return bitsFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

uint16_t floatToBFloat(float value) {
  uint32_t bits = floatBits(value);
  if ((bits & 0x7FFFFFFF) > 0x7F800000)
    return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

float bfloatToFloat(uint16_t value) { return bitsFloat(static_cast<uint32_t>(value) << 16); }

/// Converts JSON numbers (and true/false) to the elements of one tensor.
class ElementParser {
public:
  ElementParser(const std::string &input, smelt_dtype_t dtype) : input_(input), dtype_(dtype) {}

  void store(const Json &value, size_t index, unsigned char *data) const {
    index_ = index;
    value_ = &value;
    switch (dtype_) {
    case SMELT_F32: put(data, toFloat()); break;
    case SMELT_F64: put(data, toDouble()); break;
    case SMELT_F16: put(data, floatToHalf(toFloat())); break;
    case SMELT_BF16: put(data, floatToBFloat(toFloat())); break;
    case SMELT_I8: put(data, toInteger<int8_t>()); break;
    case SMELT_I16: put(data, toInteger<int16_t>()); break;
    case SMELT_I32: put(data, toInteger<int32_t>()); break;
    case SMELT_I64: put(data, toInteger<int64_t>()); break;
    case SMELT_U8: put(data, toInteger<uint8_t>()); break;
    case SMELT_U16: put(data, toInteger<uint16_t>()); break;
    case SMELT_U32: put(data, toInteger<uint32_t>()); break;
    case SMELT_U64: put(data, toInteger<uint64_t>()); break;
    case SMELT_BOOL: put(data, static_cast<uint8_t>(toBool())); break;
    default:
      throw BadRequest("input '" + input_ + "': dtype " + smelt_dtype_name(dtype_) +
                       " is not supported by this server");
    }
  }

private:
  template <typename T> void put(unsigned char *data, T value) const {
    std::memcpy(data + index_ * sizeof(T), &value, sizeof(T));
  }

  [[noreturn]] void fail(const std::string &what) const {
    throw BadRequest("input '" + input_ + "': element " + std::to_string(index_) + ": " + what);
  }

  const std::string &number() const {
    if (value_->kind != Json::Number)
      fail(std::string("expected a number, got ") + kindName(value_->kind));
    return value_->text;
  }

  bool isSpecial(const std::string &text) const {
    return text == "NaN" || text == "Infinity" || text == "-Infinity";
  }

  float toFloat() const {
    const std::string &text = number();
    errno = 0;
    float result = std::strtof(text.c_str(), nullptr);
    if (errno == ERANGE && std::isinf(result) && !isSpecial(text))
      fail(text + " is out of range for " + smelt_dtype_name(dtype_));
    return result;
  }

  double toDouble() const {
    const std::string &text = number();
    errno = 0;
    double result = std::strtod(text.c_str(), nullptr);
    if (errno == ERANGE && std::isinf(result) && !isSpecial(text))
      fail(text + " is out of range for f64");
    return result;
  }

  template <typename T> T toInteger() const {
    const std::string &text = number();
    const std::string outOfRange = text + " is out of range for " + smelt_dtype_name(dtype_);
    bool plainInteger = text.find_first_of(".eEIN") == std::string::npos;
    if (plainInteger) {
      errno = 0;
      if constexpr (std::is_signed_v<T>) {
        long long parsed = std::strtoll(text.c_str(), nullptr, 10);
        if (errno == ERANGE || parsed < std::numeric_limits<T>::min() ||
            parsed > std::numeric_limits<T>::max())
          fail(outOfRange);
        return static_cast<T>(parsed);
      } else {
        if (text[0] == '-' && text != "-0")
          fail(outOfRange);
        unsigned long long parsed = std::strtoull(text.c_str(), nullptr, 10);
        if (errno == ERANGE || parsed > std::numeric_limits<T>::max())
          fail(outOfRange);
        return static_cast<T>(parsed);
      }
    }
    // 3.0 or 1e3: accepted when integral and exactly representable.
    double parsed = std::strtod(text.c_str(), nullptr);
    if (!std::isfinite(parsed) || parsed != std::trunc(parsed))
      fail(text + " is not an integer (" + smelt_dtype_name(dtype_) + ")");
    // 2^63 and 2^64 are exact doubles; compare against them, not T's max.
    double limit = std::ldexp(1.0, std::numeric_limits<T>::digits);
    double lowest = std::is_signed_v<T> ? -limit : 0.0;
    if (parsed < lowest || parsed >= limit)
      fail(outOfRange);
    return static_cast<T>(parsed);
  }

  bool toBool() const {
    if (value_->kind == Json::Bool)
      return value_->boolean;
    const std::string &text = number();
    double parsed = std::strtod(text.c_str(), nullptr);
    if (parsed == 0.0)
      return false;
    if (parsed == 1.0)
      return true;
    fail(text + " is not a bool (use 0/1 or false/true)");
  }

  const std::string &input_;
  smelt_dtype_t dtype_;
  mutable size_t index_ = 0;
  mutable const Json *value_ = nullptr;
};

/// Appends element `index` of `data` (of `dtype`) as a JSON number; bool as 0/1.
void writeElement(std::string &out, smelt_dtype_t dtype, const unsigned char *data, size_t index) {
  auto load = [&](auto zero) {
    decltype(zero) value;
    std::memcpy(&value, data + index * sizeof(value), sizeof(value));
    return value;
  };
  switch (dtype) {
  case SMELT_F32: writeFloat(out, load(0.0f), 9); break;
  case SMELT_F64: writeFloat(out, load(0.0), 17); break;
  case SMELT_F16: writeFloat(out, halfToFloat(load(uint16_t(0))), 9); break;
  case SMELT_BF16: writeFloat(out, bfloatToFloat(load(uint16_t(0))), 9); break;
  case SMELT_I8: out += std::to_string(load(int8_t(0))); break;
  case SMELT_I16: out += std::to_string(load(int16_t(0))); break;
  case SMELT_I32: out += std::to_string(load(int32_t(0))); break;
  case SMELT_I64: out += std::to_string(load(int64_t(0))); break;
  case SMELT_U8: out += std::to_string(load(uint8_t(0))); break;
  case SMELT_U16: out += std::to_string(load(uint16_t(0))); break;
  case SMELT_U32: out += std::to_string(load(uint32_t(0))); break;
  case SMELT_U64: out += std::to_string(load(uint64_t(0))); break;
  case SMELT_BOOL: out += load(uint8_t(0)) ? "1" : "0"; break;
  default: out += "null"; break;
  }
}

//===----------------------------------------------------------------------===//
// Requests
//===----------------------------------------------------------------------===//

/// Elements of an array, nested arrays flattened in row-major order.
void flatten(const Json &value, std::vector<const Json *> &into) {
  if (value.kind != Json::Array) {
    into.push_back(&value);
    return;
  }
  for (const Json &item : value.items)
    flatten(item, into);
}

std::string joinNames(const std::vector<smelt::TensorInfo> &infos) {
  std::string out;
  for (const smelt::TensorInfo &info : infos)
    out += (out.empty() ? "'" : ", '") + info.name + "'";
  return out.empty() ? "none" : out;
}

class Service {
public:
  explicit Service(const smelt::Session &session) : session_(session) {}

  std::string model() const {
    std::string out = "{\"inputs\": ";
    describe(out, session_.inputs());
    out += ", \"outputs\": ";
    describe(out, session_.outputs());
    out += "}\n";
    return out;
  }

  /// Throws BadRequest or smelt::Error.
  std::string infer(const std::string &body) const {
    Json request = JsonReader(body).read();
    if (request.kind != Json::Object)
      throw BadRequest("the request body must be a JSON object");
    const Json *inputs = request.find("inputs");
    if (!inputs || inputs->kind != Json::Object)
      throw BadRequest("the request needs an \"inputs\" object mapping input names to "
                       "{\"shape\": [...], \"data\": [...]}");
    const std::vector<smelt::TensorInfo> &signature = session_.inputs();
    for (const auto &member : inputs->members) {
      bool known = false;
      for (const smelt::TensorInfo &info : signature)
        known = known || info.name == member.first;
      if (!known)
        throw BadRequest("unknown input '" + member.first +
                         "' (the model's inputs: " + joinNames(signature) + ")");
    }

    std::vector<std::vector<unsigned char>> inputData(signature.size());
    std::vector<smelt::Tensor> inputTensors;
    for (size_t i = 0; i < signature.size(); ++i) {
      const smelt::TensorInfo &info = signature[i];
      const Json *entry = inputs->find(info.name);
      if (!entry)
        throw BadRequest("missing input '" + info.name + "'");
      inputTensors.push_back(bindInput(info, *entry, inputData[i]));
    }

    const std::vector<smelt::TensorInfo> &results = session_.outputs();
    std::vector<std::vector<unsigned char>> outputData(results.size());
    std::vector<smelt::Tensor> outputTensors;
    for (size_t i = 0; i < results.size(); ++i) {
      outputData[i].resize(results[i].byteSize());
      outputTensors.emplace_back(results[i].dtype, results[i].shape, outputData[i].data(),
                                 outputData[i].size());
    }

    auto start = std::chrono::steady_clock::now();
    session_.run(inputTensors, outputTensors);
    double milliseconds =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count();

    std::string out = "{\"outputs\": {";
    for (size_t i = 0; i < results.size(); ++i) {
      const smelt_tensor_t &raw = outputTensors[i].raw;
      std::vector<int64_t> shape = outputTensors[i].shape();
      size_t count = 1;
      for (int64_t extent : shape)
        count *= static_cast<size_t>(extent);
      size_t elementSize = smelt_dtype_size(raw.dtype);
      // The runtime fills the shape; never read past the buffer we bound.
      if (elementSize == 0 || count > outputData[i].size() / elementSize)
        count = elementSize ? outputData[i].size() / elementSize : 0;
      if (i)
        out += ", ";
      writeString(out, results[i].name);
      out += ": {\"dtype\": ";
      writeString(out, smelt_dtype_name(raw.dtype));
      out += ", \"shape\": ";
      writeShape(out, shape);
      out += ", \"data\": [";
      out.reserve(out.size() + count * 12);
      for (size_t e = 0; e < count; ++e) {
        if (e)
          out += ", ";
        writeElement(out, raw.dtype, outputData[i].data(), e);
      }
      out += "]}";
    }
    out += "}, \"time_ms\": ";
    writeFloat(out, milliseconds, 6);
    out += "}\n";
    return out;
  }

private:
  static void describe(std::string &out, const std::vector<smelt::TensorInfo> &infos) {
    out += '[';
    for (size_t i = 0; i < infos.size(); ++i) {
      const smelt::TensorInfo &info = infos[i];
      if (i)
        out += ", ";
      out += "{\"name\": ";
      writeString(out, info.name);
      out += ", \"dtype\": ";
      writeString(out, smelt_dtype_name(info.dtype));
      out += ", \"shape\": ";
      writeShape(out, info.shape);
      out += ", \"dim_names\": [";
      for (size_t d = 0; d < info.dimNames.size(); ++d) {
        if (d)
          out += ", ";
        if (info.dimNames[d].empty())
          out += "null";
        else
          writeString(out, info.dimNames[d]);
      }
      out += "]}";
    }
    out += ']';
  }

  /// Converts one request input into `data` and a tensor over it.
  static smelt::Tensor bindInput(const smelt::TensorInfo &info, const Json &entry,
                                 std::vector<unsigned char> &data) {
    const std::string where = "input '" + info.name + "'";
    if (entry.kind != Json::Object)
      throw BadRequest(where + " must be an object with \"shape\" and \"data\"");

    if (const Json *dtype = entry.find("dtype")) {
      if (dtype->kind != Json::String || dtype->text != smelt_dtype_name(info.dtype))
        throw BadRequest(where + ": the model takes " + smelt_dtype_name(info.dtype) +
                         (dtype->kind == Json::String ? ", not " + dtype->text : std::string()));
    }

    std::vector<int64_t> shape = info.shape;
    if (const Json *shapeValue = entry.find("shape")) {
      if (shapeValue->kind != Json::Array)
        throw BadRequest(where + ": \"shape\" must be an array of dimension sizes");
      if (shapeValue->items.size() > SMELT_MAX_RANK)
        throw BadRequest(where + ": rank " + std::to_string(shapeValue->items.size()) +
                         " exceeds " + std::to_string(SMELT_MAX_RANK));
      shape.clear();
      for (const Json &extent : shapeValue->items) {
        const std::string &text = extent.text;
        if (extent.kind != Json::Number || text.empty() ||
            text.find_first_not_of("0123456789") != std::string::npos)
          throw BadRequest(where + ": \"shape\" must hold non-negative integers");
        if (text.size() > 18)
          throw BadRequest(where + ": dimension " + text + " is too large");
        shape.push_back(std::stoll(text));
      }
    }

    const Json *values = entry.find("data");
    if (!values || values->kind != Json::Array)
      throw BadRequest(where + ": \"data\" must be an array of numbers");
    std::vector<const Json *> elements;
    flatten(*values, elements);

    // The element count, saturated: it only has to be compared with the data.
    size_t count = 1;
    bool overflow = false;
    for (int64_t extent : shape)
      overflow = __builtin_mul_overflow(count, static_cast<size_t>(extent), &count) || overflow;
    bool empty = std::find(shape.begin(), shape.end(), 0) != shape.end();
    if (empty)
      count = 0;
    if ((overflow && !empty) || count != elements.size()) {
      std::string shapeText;
      writeShape(shapeText, shape);
      throw BadRequest(where + ": shape " + shapeText + " has " +
                       (overflow && !empty ? std::string("too many") : std::to_string(count)) +
                       " elements, but \"data\" has " + std::to_string(elements.size()));
    }

    size_t elementSize = smelt_dtype_size(info.dtype);
    data.assign(count * elementSize, 0);
    ElementParser parser(info.name, info.dtype);
    for (size_t e = 0; e < count; ++e)
      parser.store(*elements[e], e, data.data());
    return smelt::Tensor(info.dtype, shape, data.data(), data.size());
  }

  const smelt::Session &session_;
};

//===----------------------------------------------------------------------===//
// Command line and main
//===----------------------------------------------------------------------===//

struct Options {
  std::string model;
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 0;
  std::string device;
};

const char *kUsage =
    "usage: smelt-serve MODEL.smelt [--port N] [--host ADDR] [--threads N] [--device URI]\n"
    "\n"
    "Serves a compiled Smelt model over HTTP:\n"
    "  GET  /v1/model  the model's inputs and outputs\n"
    "  POST /v1/infer  {\"inputs\": {\"<name>\": {\"shape\": [...], \"data\": [...]}}}\n"
    "\n"
    "  --port N      TCP port (default 8080; 0: any free port, printed at start)\n"
    "  --host ADDR   address to listen on (default 127.0.0.1)\n"
    "  --threads N   runtime host threads (default 0: all hardware threads)\n"
    "  --device URI  device to run on: cpu, cuda:1, ... (default: SMELT_DEVICE, else the\n"
    "                first accelerator, else cpu)\n";

[[noreturn]] void usageError(const std::string &message) {
  std::fprintf(stderr, "smelt-serve: error: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

int parseInt(const std::string &option, const std::string &text, int low, int high) {
  char *end = nullptr;
  errno = 0;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || value < low || value > high)
    usageError(option + " needs an integer in [" + std::to_string(low) + ", " +
               std::to_string(high) + "], got '" + text + "'");
  return static_cast<int>(value);
}

Options parseOptions(int argc, char **argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (arg.rfind("--", 0) != 0) {
      if (!options.model.empty())
        usageError("more than one model given ('" + options.model + "', '" + arg + "')");
      options.model = arg;
      continue;
    }
    // --name=value or --name value.
    std::string name = arg, value;
    size_t equals = arg.find('=');
    if (equals != std::string::npos) {
      name = arg.substr(0, equals);
      value = arg.substr(equals + 1);
    } else if (name == "--port" || name == "--host" || name == "--threads" ||
               name == "--device") {
      if (i + 1 >= argc)
        usageError(name + " needs a value");
      value = argv[++i];
    }
    if (name == "--port")
      options.port = parseInt(name, value, 0, 65535);
    else if (name == "--host")
      options.host = value;
    else if (name == "--threads")
      options.threads = parseInt(name, value, 0, 4096);
    else if (name == "--device")
      options.device = value;
    else
      usageError("unknown option '" + arg + "'");
  }
  if (options.model.empty())
    usageError("no model given");
  return options;
}

void sendJson(httplib::Response &response, int status, const std::string &body) {
  response.status = status;
  response.set_content(body, "application/json");
}

/// Runs `handler`, turning every failure into a JSON error response.
template <typename Handler> void guarded(httplib::Response &response, Handler &&handler) {
  try {
    sendJson(response, 200, handler());
  } catch (const BadRequest &error) {
    sendJson(response, 400, errorBody(error.what()));
  } catch (const smelt::Error &error) {
    // Internal failures are the server's; anything else is about the request.
    int status =
        error.code() == SMELT_INTERNAL || error.code() == SMELT_OUT_OF_MEMORY ? 500 : 400;
    sendJson(response, status, errorBody(error.what(), smelt_status_code_name(error.code())));
  } catch (const std::bad_alloc &) {
    sendJson(response, 500, errorBody("out of memory"));
  } catch (const std::exception &error) {
    sendJson(response, 500, errorBody(std::string("internal error: ") + error.what()));
  }
}

std::string urlHost(const std::string &host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

} // namespace

int main(int argc, char **argv) {
  Options options = parseOptions(argc, argv);

  // SIGINT/SIGTERM are taken by a watcher thread (sigtimedwait) rather than a
  // handler: blocked here, before any thread exists, so that every thread
  // (the runtime's and the listener's) inherits the mask. A peer that goes
  // away mid-response must not kill the process: httplib sends without
  // MSG_NOSIGNAL.
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  std::unique_ptr<smelt::Instance> instance;
  std::unique_ptr<smelt::Session> session;
  try {
    instance = std::make_unique<smelt::Instance>(options.threads);
    smelt::Device device = instance->device(options.device);
    session = std::make_unique<smelt::Session>(device, options.model);
    std::fprintf(stderr, "smelt-serve: loaded '%s' on %s (inputs: %s; outputs: %s)\n",
                 options.model.c_str(), device.uri().c_str(),
                 joinNames(session->inputs()).c_str(), joinNames(session->outputs()).c_str());
  } catch (const smelt::Error &error) {
    std::fprintf(stderr, "smelt-serve: error: cannot load '%s': %s\n", options.model.c_str(),
                 error.what());
    return 1;
  }

  Service service(*session);
  httplib::Server server;
  if (!server.is_valid()) {
    std::fprintf(stderr, "smelt-serve: error: cannot create the HTTP server\n");
    return 1;
  }
  // Bounds what one request can make the server allocate.
  server.set_payload_max_length(size_t(256) << 20);
  server.Get("/v1/model", [&](const httplib::Request &, httplib::Response &response) {
    guarded(response, [&] { return service.model(); });
  });
  server.Post("/v1/infer", [&](const httplib::Request &request, httplib::Response &response) {
    guarded(response, [&] { return service.infer(request.body); });
  });
  // Errors httplib produces itself (404, 413, ...) get a JSON body too.
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request &request, httplib::Response &response) {
        if (!response.body.empty())
          return httplib::Server::HandlerResponse::Unhandled;
        std::string message = "HTTP " + std::to_string(response.status);
        if (response.status == 404)
          message = "no such endpoint: " + request.method + " " + request.path;
        // httplib caps form-encoded bodies (what curl -d and urllib send by
        // default) at CPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH, 8 KiB.
        if (response.status == 413 &&
            request.get_header_value("Content-Type") == "application/x-www-form-urlencoded")
          message = "request body too large for Content-Type "
                    "application/x-www-form-urlencoded; send Content-Type: application/json";
        else if (response.status == 413)
          message = "request body too large";
        response.set_content(errorBody(message), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler(
      [](const httplib::Request &, httplib::Response &response, std::exception_ptr) {
        sendJson(response, 500, errorBody("internal error"));
      });

  int port = options.port;
  if (port == 0)
    port = server.bind_to_any_port(options.host);
  else if (!server.bind_to_port(options.host, port))
    port = -1;
  if (port < 0) {
    std::fprintf(stderr, "smelt-serve: error: cannot listen on %s:%d\n", options.host.c_str(),
                 options.port);
    return 1;
  }
  std::printf("listening on http://%s:%d\n", urlHost(options.host).c_str(), port);
  std::fflush(stdout);

  std::atomic<bool> finished{false};
  std::atomic<int> caught{0};
  std::thread watcher([&] {
    const timespec tick{0, 100 * 1000 * 1000};
    while (!finished) {
      int signal = sigtimedwait(&stopSignals, nullptr, &tick);
      if (signal == SIGINT || signal == SIGTERM) {
        caught = signal;
        break;
      }
    }
    // stop() does nothing until the listener runs; wait for it to start.
    while (!finished) {
      if (server.is_running()) {
        server.stop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });

  bool listened = server.listen_after_bind();
  finished = true;
  watcher.join();
  if (caught) {
    std::fprintf(stderr, "smelt-serve: stopped (%s)\n", caught == SIGINT ? "SIGINT" : "SIGTERM");
    return 0;
  }
  if (!listened) {
    std::fprintf(stderr, "smelt-serve: error: the listener failed\n");
    return 1;
  }
  return 0;
}
