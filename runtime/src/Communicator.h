//===- Communicator.h - Collectives between the ranks of a job ------------===//
//
// The plan's collectives (all-reduce) run through one communicator per
// instance, chosen at first use by SMELT_COMMUNICATOR:
//   auto (default)  MPI when the process was started by an MPI launcher
//                   (mpirun sets OMPI_COMM_WORLD_SIZE / PMI_SIZE / PMIX_RANK),
//                   else a lone process;
//   mpi             MPI, an error if it cannot be loaded;
//   self            a lone process: all-reduce is a copy.
// The MPI binding dlopens Open MPI's libmpi.so.40 (found like every vendor
// library, SMELT_MPI_PATH overrides) and initialises MPI once per process if
// nobody else did; it never links MPI at build time.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_RUNTIME_COMMUNICATOR_H
#define SMELT_RUNTIME_COMMUNICATOR_H

#include "Libraries.h"
#include "smelt/plugin.h"

#include <memory>
#include <string>

namespace smelt::runtime {

class Communicator {
public:
  virtual ~Communicator() = default;
  /// Throws Error. Not reentrant: callers serialise collectives.
  virtual void allReduce(const void *source, void *destination, uint64_t count,
                         smelt_dtype_t dtype, smelt_reduction_t reduction) = 0;
  /// This process's rank and the number of ranks.
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// `bytes` at `buffer` from rank `root` to every rank. Throws Error.
  virtual void broadcast(void *buffer, uint64_t bytes, int root) = 0;
  /// "MPI (Open MPI v4.1.4), rank 0 of 2" or "a lone process (...)".
  virtual std::string describe() const = 0;
};

/// The communicator SMELT_COMMUNICATOR asks for. Throws Error.
std::unique_ptr<Communicator> createCommunicator(LibraryRegistry &libraries);

} // namespace smelt::runtime

#endif // SMELT_RUNTIME_COMMUNICATOR_H
