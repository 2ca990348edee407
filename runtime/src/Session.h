//===- Session.h - An artifact loaded on a device -------------------------===//
//
// A session verifies the artifact, picks the first plan the device's driver
// accepts, hands the driver a C view of that plan (smelt_program_t), and on
// each run checks the caller's tensors against the signature before the
// driver sees them.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_RUNTIME_SESSION_H
#define SMELT_RUNTIME_SESSION_H

#include "ArtifactReader.h"
#include "Instance.h"
#include "smelt/plugin.h"
#include "smelt/runtime.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace smelt::runtime {

/// A model input or output as the C API reports it.
struct TensorSignature {
  std::string name;
  smelt_dtype_t dtype;
  std::vector<int64_t> shape;
  std::vector<std::string> dimNames; // one per dimension, "" when fixed
  uint64_t byteSize;
};

/// The C view of one plan; the vectors own the arrays the view points at.
struct ProgramView {
  smelt_program_t program{};
  std::vector<smelt_program_section_t> sections;
  std::vector<smelt_program_kernel_t> kernels;
  std::vector<smelt_program_buffer_t> buffers;
  std::vector<smelt_program_command_t> commands;
  std::vector<std::vector<uint32_t>> arguments; // per command
  std::vector<std::vector<int64_t>> libraryParams;   // per command
  std::vector<std::vector<const char *>> libraries;  // per command
  std::vector<std::vector<uint32_t>> libraryArgs;    // per command
};

/// One plan loaded on the device: the sizes it runs and the driver's program.
struct Variant {
  uint32_t plan = 0;
  std::vector<std::vector<int64_t>> inputShapes, outputShapes;
  std::vector<uint64_t> inputBytes, outputBytes;
  ProgramView view;
  void *program = nullptr;
  bool hasCollectives = false;
};

} // namespace smelt::runtime

struct smelt_session_s {
  /// Throws smelt::runtime::Error.
  smelt_session_s(const smelt_device_s &device,
                  std::unique_ptr<smelt::artifact::Artifact> artifact);
  ~smelt_session_s();

  /// Checks the caller's tensors against the signature, runs, fills the
  /// outputs' dtype/rank/shape. Throws smelt::runtime::Error. Thread-safe.
  void run(const smelt_tensor_t *inputs, size_t inputCount,
           smelt_tensor_t *outputs, size_t outputCount) const;
  /// Fills the outputs' dtype/rank/shape/byte_size for these inputs, without
  /// running. Throws smelt::runtime::Error.
  void resolveOutputs(const smelt_tensor_t *inputs, size_t inputCount,
                      smelt_tensor_t *outputs, size_t outputCount) const;

  std::vector<smelt::runtime::TensorSignature> inputs;
  std::vector<smelt::runtime::TensorSignature> outputs;
  std::string description;

private:
  std::shared_ptr<smelt::runtime::InstanceState> instance_;
  const smelt::runtime::DriverSlot *driver_;
  uint32_t deviceIndex_;
  /// The variant compiled for these inputs' shapes (checks count, rank,
  /// dtype). Throws smelt::runtime::Error.
  const smelt::runtime::Variant &select(const smelt_tensor_t *inputs, size_t inputCount) const;

  std::unique_ptr<smelt::artifact::Artifact> artifact_;
  /// One per set of compiled input shapes (a static model has one).
  std::vector<std::unique_ptr<smelt::runtime::Variant>> variants_;
};

#endif // SMELT_RUNTIME_SESSION_H
