//===- Status.h - Status objects and the exception/C-ABI boundary ---------===//
//
// Inside the runtime, failures are thrown as smelt::runtime::Error; every C API
// function runs its body through guardApi(), which turns any exception into a
// status, so nothing is thrown across the C ABI.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_RUNTIME_STATUS_H
#define SMELT_RUNTIME_STATUS_H

#include "smelt/runtime.h"

#include <exception>
#include <new>
#include <stdexcept>
#include <string>

struct smelt_status_s {
  smelt_status_code_t code;
  std::string message;
};

namespace smelt::runtime {

class Error : public std::runtime_error {
public:
  Error(smelt_status_code_t code, const std::string &message)
      : std::runtime_error(message), code_(code) {}
  smelt_status_code_t code() const { return code_; }

private:
  smelt_status_code_t code_;
};

[[noreturn]] inline void fail(smelt_status_code_t code,
                              const std::string &message) {
  throw Error(code, message);
}

/// A new status; never fails: if even that allocation fails it returns a
/// preallocated out-of-memory status (which smelt_status_free ignores).
smelt_status_t makeStatus(smelt_status_code_t code,
                          const std::string &message) noexcept;

/// Runs `body`; returns NULL on success, else a status for what it threw.
template <typename Body> smelt_status_t guardApi(Body &&body) noexcept {
  try {
    body();
    return nullptr;
  } catch (const Error &error) {
    return makeStatus(error.code(), error.what());
  } catch (const std::bad_alloc &) {
    return makeStatus(SMELT_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception &error) {
    return makeStatus(SMELT_INTERNAL,
                      std::string("internal error: ") + error.what());
  } catch (...) {
    return makeStatus(SMELT_INTERNAL, "internal error: unknown exception");
  }
}

} // namespace smelt::runtime

#endif // SMELT_RUNTIME_STATUS_H
