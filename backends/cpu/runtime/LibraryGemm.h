//===- LibraryGemm.h - GEMMs through oneDNN or OpenBLAS, bound at load time -===//
//
// The gemm library op (see smelt/plugin.h), with its epilogue (bias row,
// relu) when it has one: oneDNN (its matmul primitive,
// a constant B packed once; dnnl_sgemm where that fails) or
// cblas_sgemm, the first of the command's candidates the host finds,
// resolved with dlsym (nothing links them).
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_CPU_RUNTIME_LIBRARYGEMM_H
#define SMELT_BACKENDS_CPU_RUNTIME_LIBRARYGEMM_H

#include "smelt/plugin.h"

#include <cstdint>
#include <memory>
#include <string>

namespace smelt::cpu {

class OneDnnMatmul;

/// A GEMM bound from a vendor library: C = relu?(A * B + bias row),
/// row-major f32, through oneDNN's matmul primitive (`matmul`, the epilogue
/// as post-ops) or a library's sgemm (`function`: C starts as the bias rows,
/// then relu runs over it).
struct Gemm {
  enum class Library { None, OneDnn, OpenBlas } library = Library::None;
  std::shared_ptr<const OneDnnMatmul> matmul;
  void *function = nullptr; // dnnl_sgemm or cblas_sgemm
  bool bound() const { return matmul || function; }
  int64_t batch = 0, m = 0, n = 0, k = 0, strideB = 0;
  bool hasBias = false, relu = false;
};

/// Binds the first library of `command` (a gemm) that can compute it; says
/// what it chose (or why none) in `choice`. `constantB`, when B is a
/// constant of the plan, lets oneDNN pack it once. Unbound: !bound().
Gemm bindLibraryCall(const smelt_host_t &host, const smelt_program_command_t &command,
                     const float *constantB, std::string &choice);

/// C = relu?(A * B + bias) for each batch (`bias` null without one); an
/// error message, or empty.
std::string runGemm(const Gemm &gemm, const float *a, const float *b, const float *bias,
                    float *c);

} // namespace smelt::cpu

#endif // SMELT_BACKENDS_CPU_RUNTIME_LIBRARYGEMM_H
