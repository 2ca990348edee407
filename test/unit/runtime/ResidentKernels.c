/*===- ResidentKernels.c - A kernel object that dlclose cannot unload -----===*
 *
 * Linked with -z nodelete, so the dynamic loader keeps it, under the
 * /proc/self/fd/N name it was opened by, after its session is released. A
 * later artifact whose code lands on the same fd number must still get its
 * own code (RuntimeTest.LoadsItsOwnCodeWhenAnOldObjectStaysResident).
 *===----------------------------------------------------------------------===*/
#include <stdint.h>

/* buffers: counts (grid x i32): counts[id] += 1 */
void smelt_test_count_ids_resident(void **buffers, int64_t first_id,
                                   int64_t end_id) {
  int32_t *counts = (int32_t *)buffers[0];
  for (int64_t id = first_id; id < end_id; ++id)
    counts[id] += 1;
}
