/* A stand-in for libcublas (see fake_cuda.c): computes nothing.
 * FAKE_CUBLAS_NO_HANDLE=1 makes cublasCreate fail as a cuBLAS newer than the
 * driver does (CUBLAS_STATUS_NOT_INITIALIZED). */
#include <stdlib.h>

static int handle;
int cublasCreate_v2(void **h) {
  const char *refuse = getenv("FAKE_CUBLAS_NO_HANDLE");
  if (refuse && refuse[0] == '1')
    return 1;
  *h = &handle;
  return 0;
}
int cublasDestroy_v2(void *h) { (void)h; return 0; }
int cublasSetStream_v2(void *h, void *stream) { (void)h; (void)stream; return 0; }
int cublasSgemmStridedBatched(void) { return 0; }
