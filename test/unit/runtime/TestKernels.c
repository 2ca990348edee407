/*===- TestKernels.c - Kernels for the runtime tests ----------------------===*
 *
 * Stand-ins for compiler output: the kernel entry ABI
 *   void kernel(void **buffers, int64_t first_id, int64_t end_id)
 * where each parallel id handles one row of kTestColumns floats. Built into a
 * shared object whose bytes the tests put into an artifact's CPU section.
 *===----------------------------------------------------------------------===*/
#include <stdint.h>

enum { kTestColumns = 8 };

/* buffers: a, b, out (rows x 8 f32): out = a + b */
void smelt_test_add_rows(void **buffers, int64_t first_id, int64_t end_id) {
  const float *a = (const float *)buffers[0];
  const float *b = (const float *)buffers[1];
  float *out = (float *)buffers[2];
  for (int64_t row = first_id; row < end_id; ++row)
    for (int64_t column = 0; column < kTestColumns; ++column) {
      int64_t i = row * kTestColumns + column;
      out[i] = a[i] + b[i];
    }
}

/* buffers: a, b, out (rows x 8 f32): out = a * b */
void smelt_test_multiply_rows(void **buffers, int64_t first_id,
                              int64_t end_id) {
  const float *a = (const float *)buffers[0];
  const float *b = (const float *)buffers[1];
  float *out = (float *)buffers[2];
  for (int64_t row = first_id; row < end_id; ++row)
    for (int64_t column = 0; column < kTestColumns; ++column) {
      int64_t i = row * kTestColumns + column;
      out[i] = a[i] * b[i];
    }
}

/* buffers: counts (grid x i32): counts[id] += 1, so a test can see that every
 * id of the grid ran exactly once however the range was split. */
void smelt_test_count_ids(void **buffers, int64_t first_id, int64_t end_id) {
  int32_t *counts = (int32_t *)buffers[0];
  for (int64_t id = first_id; id < end_id; ++id)
    counts[id] += 1;
}
