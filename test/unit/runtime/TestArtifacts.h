//===- TestArtifacts.h - Small artifacts built for the runtime tests
//-------===//
#ifndef SMELT_TEST_UNIT_RUNTIME_TESTARTIFACTS_H
#define SMELT_TEST_UNIT_RUNTIME_TESTARTIFACTS_H

#include "runtime/src/ArtifactWriter.h"

#include <cstdint>
#include <string>
#include <vector>

namespace smelt::test {

inline constexpr int64_t kColumns = 8; // TestKernels.c's row width

/// The bytes of the compiled TestKernels.c shared object.
std::vector<uint8_t> readTestKernelObject();
/// The bytes of ResidentKernels.c's object (linked -z nodelete).
std::vector<uint8_t> readResidentKernelObject();

/// Inputs x, y and outputs z, w, all rows x 8 f32, a constant c and an arena
/// temporary t:  t = x + c;  z = t * y;  w = copy of t.
/// c[i] = 0.5 * i, so every result is exact in f32.
artifact::ArtifactDescription makeAddMultiplyModel(int64_t rows);
float addMultiplyConstant(int64_t i);

/// Input "start" copied to output "counts" (grid x i32), then one kernel over
/// a grid of `grid` ids adds 1 to counts[id]. The kernel is `symbol` in
/// `code` (by default TestKernels.c's smelt_test_count_ids).
artifact::ArtifactDescription
makeCountIdsModel(int64_t grid, std::vector<uint8_t> code = {},
                  std::string symbol = "smelt_test_count_ids");

/// Input x (2x2 f32) copied to output y; no code at all.
artifact::ArtifactDescription makeCopyModel();

/// writeArtifact() that fails the test on error.
std::vector<uint8_t> writeOrDie(const artifact::ArtifactDescription &model);

/// Recomputes the header's SHA-256 after a test edited the payload, so the
/// edit reaches the checks behind the checksum.
void resealChecksum(std::vector<uint8_t> &bytes);

/// A path under the test's temporary directory.
std::string temporaryPath(const std::string &name);

} // namespace smelt::test

#endif // SMELT_TEST_UNIT_RUNTIME_TESTARTIFACTS_H
