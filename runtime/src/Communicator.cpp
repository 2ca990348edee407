//===- Communicator.cpp - Collectives between the ranks of a job ----------===//
#include "Communicator.h"

#include "Status.h"
#include "TensorTypes.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <mutex>

namespace smelt::runtime {
namespace {

class SelfCommunicator : public Communicator {
public:
  explicit SelfCommunicator(std::string why) : why_(std::move(why)) {}
  void allReduce(const void *source, void *destination, uint64_t count, smelt_dtype_t dtype,
                 smelt_reduction_t) override {
    // One rank: the reduction of one value is that value.
    if (source != destination)
      std::memmove(destination, source, count * smelt::dtypeByteSize(smelt::rawDTypeValue(dtype)));
  }
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void broadcast(void *, uint64_t, int root) override {
    if (root != 0)
      fail(SMELT_INVALID_ARGUMENT, "broadcast from rank " + std::to_string(root) +
                                       " in a lone process");
  }
  std::string describe() const override { return "a lone process (" + why_ + ")"; }

private:
  std::string why_;
};

/// Open MPI's C ABI, resolved by name: handles are addresses of predefined
/// objects (MPI_COMM_WORLD is &ompi_mpi_comm_world, ...), MPI_IN_PLACE is 1.
struct OpenMpi {
  using Handle = void *;
  int (*initialized)(int *);
  int (*finalized)(int *);
  int (*initThread)(int *, char ***, int, int *);
  int (*finalize)();
  int (*commRank)(Handle, int *);
  int (*commSize)(Handle, int *);
  int (*allreduce)(const void *, void *, int, Handle, Handle, Handle);
  int (*bcast)(void *, int, Handle, int, Handle);
  Handle world, byte, f32, f64, i32, i64, sum, prod, min, max;
};

constexpr int kMpiThreadSerialized = 2; // MPI_THREAD_SERIALIZED in Open MPI

bool resolve(void *library, OpenMpi &mpi, std::string &missing) {
  auto find = [&](const char *name) -> void * {
    void *address = ::dlsym(library, name);
    if (!address && missing.empty())
      missing = name;
    return address;
  };
  mpi.initialized = reinterpret_cast<int (*)(int *)>(find("MPI_Initialized"));
  mpi.finalized = reinterpret_cast<int (*)(int *)>(find("MPI_Finalized"));
  mpi.initThread = reinterpret_cast<int (*)(int *, char ***, int, int *)>(find("MPI_Init_thread"));
  mpi.finalize = reinterpret_cast<int (*)()>(find("MPI_Finalize"));
  mpi.commRank = reinterpret_cast<int (*)(OpenMpi::Handle, int *)>(find("MPI_Comm_rank"));
  mpi.commSize = reinterpret_cast<int (*)(OpenMpi::Handle, int *)>(find("MPI_Comm_size"));
  mpi.allreduce = reinterpret_cast<int (*)(const void *, void *, int, OpenMpi::Handle,
                                           OpenMpi::Handle, OpenMpi::Handle)>(
      find("MPI_Allreduce"));
  mpi.bcast = reinterpret_cast<int (*)(void *, int, OpenMpi::Handle, int, OpenMpi::Handle)>(
      find("MPI_Bcast"));
  mpi.world = find("ompi_mpi_comm_world");
  mpi.byte = find("ompi_mpi_byte");
  mpi.f32 = find("ompi_mpi_float");
  mpi.f64 = find("ompi_mpi_double");
  mpi.i32 = find("ompi_mpi_int32_t");
  mpi.i64 = find("ompi_mpi_int64_t");
  mpi.sum = find("ompi_mpi_op_sum");
  mpi.prod = find("ompi_mpi_op_prod");
  mpi.min = find("ompi_mpi_op_min");
  mpi.max = find("ompi_mpi_op_max");
  return missing.empty();
}

/// MPI is initialised at most once per process and finalised at exit, if
/// this runtime initialised it.
OpenMpi *processMpi = nullptr;
void finalizeAtExit() {
  int finalized = 0;
  if (processMpi && processMpi->finalized(&finalized) == 0 && !finalized)
    processMpi->finalize();
}

class MpiCommunicator : public Communicator {
public:
  MpiCommunicator(const LibraryRecord &library) : version_(library.version) {
    static std::mutex initMutex;
    static OpenMpi mpi;
    static std::string initError;
    static bool ready = false;
    std::lock_guard<std::mutex> lock(initMutex);
    if (!ready && initError.empty()) {
      std::string missing;
      if (!resolve(library.handle, mpi, missing)) {
        initError = "the MPI library at " + library.path + " lacks '" + missing +
                    "': only the Open MPI ABI (libmpi.so.40) is bound";
      } else {
        int initialized = 0;
        mpi.initialized(&initialized);
        if (!initialized) {
          int provided = 0;
          if (mpi.initThread(nullptr, nullptr, kMpiThreadSerialized, &provided) != 0)
            initError = "MPI_Init_thread failed";
          else {
            processMpi = &mpi;
            std::atexit(finalizeAtExit);
          }
        }
        ready = initError.empty();
      }
    }
    if (!ready)
      fail(SMELT_UNSUPPORTED, "cannot use MPI: " + initError);
    mpi_ = &mpi;
    mpi_->commRank(mpi_->world, &rank_);
    mpi_->commSize(mpi_->world, &size_);
  }

  void allReduce(const void *source, void *destination, uint64_t count, smelt_dtype_t dtype,
                 smelt_reduction_t reduction) override {
    OpenMpi::Handle type = dtype == SMELT_F32   ? mpi_->f32
                           : dtype == SMELT_F64 ? mpi_->f64
                           : dtype == SMELT_I32 ? mpi_->i32
                           : dtype == SMELT_I64 ? mpi_->i64
                                                : nullptr;
    if (!type)
      fail(SMELT_UNSUPPORTED, std::string("MPI all-reduce of ") + smelt::dtypeName(smelt::rawDTypeValue(dtype)) +
                                  " is not bound (f32, f64, i32, i64 are)");
    OpenMpi::Handle op = reduction == SMELT_REDUCE_SUM    ? mpi_->sum
                         : reduction == SMELT_REDUCE_PROD ? mpi_->prod
                         : reduction == SMELT_REDUCE_MIN  ? mpi_->min
                                                          : mpi_->max;
    const size_t elementBytes = smelt::dtypeByteSize(smelt::rawDTypeValue(dtype));
    const void *send = source == destination ? reinterpret_cast<const void *>(1) // IN_PLACE
                                             : source;
    // MPI counts are int: large tensors go in chunks.
    const uint64_t chunk = uint64_t(1) << 30;
    for (uint64_t done = 0; done < count; done += chunk) {
      int n = static_cast<int>(std::min<uint64_t>(chunk, count - done));
      const void *from = send == reinterpret_cast<const void *>(1)
                             ? send
                             : static_cast<const char *>(source) + done * elementBytes;
      void *to = static_cast<char *>(destination) + done * elementBytes;
      if (mpi_->allreduce(from, to, n, type, op, mpi_->world) != 0)
        fail(SMELT_INTERNAL, "MPI_Allreduce failed");
    }
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void broadcast(void *buffer, uint64_t bytes, int root) override {
    if (root < 0 || root >= size_)
      fail(SMELT_INVALID_ARGUMENT, "broadcast from rank " + std::to_string(root) + " of " +
                                       std::to_string(size_));
    const uint64_t chunk = uint64_t(1) << 30;
    for (uint64_t done = 0; done < bytes; done += chunk) {
      int n = static_cast<int>(std::min<uint64_t>(chunk, bytes - done));
      if (mpi_->bcast(static_cast<char *>(buffer) + done, n, mpi_->byte, root, mpi_->world) != 0)
        fail(SMELT_INTERNAL, "MPI_Bcast failed");
    }
  }

  std::string describe() const override {
    return "MPI (" + (version_.empty() ? std::string("version unknown") : version_) +
           "), rank " + std::to_string(rank_) + " of " + std::to_string(size_);
  }

private:
  OpenMpi *mpi_ = nullptr;
  std::string version_;
  int rank_ = 0, size_ = 1;
};

bool launchedByMpi() {
  for (const char *variable : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(variable))
      return true;
  return false;
}

} // namespace

std::unique_ptr<Communicator> createCommunicator(LibraryRegistry &libraries) {
  const char *setting = std::getenv("SMELT_COMMUNICATOR");
  std::string choice = setting && *setting ? setting : "auto";
  if (choice != "auto" && choice != "mpi" && choice != "self")
    fail(SMELT_INVALID_ARGUMENT,
         "SMELT_COMMUNICATOR is '" + choice + "'; expected auto, mpi or self");
  if (choice == "self")
    return std::make_unique<SelfCommunicator>("SMELT_COMMUNICATOR=self");
  if (choice == "auto" && !launchedByMpi())
    return std::make_unique<SelfCommunicator>("not started by an MPI launcher");
  const LibraryRecord &mpi = libraries.probe(libraries.find("MPI"));
  if (!mpi.handle)
    fail(SMELT_UNSUPPORTED, "the model has collectives and " +
                                std::string(choice == "mpi" ? "SMELT_COMMUNICATOR=mpi"
                                                            : "the process was started by "
                                                              "an MPI launcher") +
                                ", but MPI is " + mpi.message);
  return std::make_unique<MpiCommunicator>(mpi);
}

} // namespace smelt::runtime
