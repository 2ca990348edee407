//===- Nccl.cpp - Collectives between GPUs through NCCL or RCCL -----------===//
#include "backends/gpu/runtime/Nccl.h"

#include "backends/gpu/runtime/GpuDriver.h"
#include "backends/gpu/runtime/Symbols.h"

namespace smelt::gpu {
namespace {

// ncclDataType_t and ncclRedOp_t values.
int ncclType(smelt_dtype_t dtype) {
  switch (dtype) {
  case SMELT_I8: return 0;
  case SMELT_U8: return 1;
  case SMELT_I32: return 2;
  case SMELT_U32: return 3;
  case SMELT_I64: return 4;
  case SMELT_U64: return 5;
  case SMELT_F16: return 6;
  case SMELT_F32: return 7;
  case SMELT_F64: return 8;
  case SMELT_BF16: return 9;
  default: return -1; // i16, u16, bool
  }
}

int ncclOp(smelt_reduction_t reduction) {
  switch (reduction) {
  case SMELT_REDUCE_SUM: return 0;
  case SMELT_REDUCE_PROD: return 1;
  case SMELT_REDUCE_MAX: return 2;
  case SMELT_REDUCE_MIN: return 3;
  }
  return -1;
}

} // namespace

std::unique_ptr<Nccl> Nccl::bind(void *handle, const char *name) {
  auto nccl = std::unique_ptr<Nccl>(new Nccl());
  nccl->name_ = name;
  Symbols resolve(handle);
  resolve(nccl->getUniqueId_, "ncclGetUniqueId");
  resolve(nccl->commInitRank_, "ncclCommInitRank");
  resolve(nccl->commDestroy_, "ncclCommDestroy");
  resolve(nccl->allReduce_, "ncclAllReduce");
  resolve(nccl->errorString_, "ncclGetErrorString");
  return resolve.ok() ? std::move(nccl) : nullptr;
}

void Nccl::check(int result, const char *what) const {
  if (result != 0)
    fail(SMELT_INTERNAL, name_ + ": " + what + " failed: " +
                             (errorString_ ? errorString_(result) : std::to_string(result)));
}

void *Nccl::communicator(const smelt_host_t &host, int rank, int size) {
  UniqueId id{};
  if (rank == 0)
    check(getUniqueId_(&id), "ncclGetUniqueId");
  smelt_plugin_error_t error{};
  error.struct_size = sizeof(error);
  if (smelt_status_code_t code = host.broadcast(host.context, &id, sizeof(id), 0, &error);
      code != SMELT_OK)
    fail(code, name_ + ": broadcasting the unique id failed: " + error.message);
  void *communicator = nullptr;
  check(commInitRank_(&communicator, size, id, rank), "ncclCommInitRank");
  return communicator;
}

void Nccl::destroy(void *communicator) { commDestroy_(communicator); }

bool Nccl::supports(smelt_dtype_t dtype, smelt_reduction_t reduction) {
  return ncclType(dtype) >= 0 && ncclOp(reduction) >= 0;
}

void Nccl::allReduce(const void *source, void *destination, size_t count, smelt_dtype_t dtype,
                     smelt_reduction_t reduction, void *communicator, void *stream) {
  check(allReduce_(source, destination, count, ncclType(dtype), ncclOp(reduction), communicator,
                   stream),
        "ncclAllReduce");
}

} // namespace smelt::gpu
