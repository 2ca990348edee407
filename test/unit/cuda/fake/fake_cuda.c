/* A stand-in for libcuda.so.1 with one "GPU" (sm_90) that runs nothing: for
 * testing the CUDA driver plugin's decisions on machines without a GPU (which
 * code it loads, which vendor library it binds or why not, what it reports).
 * Memory is host memory, launches do nothing, so results are meaningless and
 * the tests built on it never look at them, except where a plan only copies
 * (cuMemcpy* are real copies). FAKE_CUDA_CUBIN_REFUSED=1 makes it refuse
 * cubins as a driver older than the ptxas that made them does;
 * FAKE_CUDA_TRACE=1 prints each copy between host and device on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int Result;
typedef unsigned long long Pointer;

static int flag(const char *name) {
  const char *value = getenv(name);
  return value && value[0] == '1';
}

Result cuInit(unsigned flags) { (void)flags; return 0; }
Result cuDriverGetVersion(int *version) { *version = 12080; return 0; }
Result cuDeviceGetCount(int *count) { *count = 1; return 0; }
Result cuDeviceGet(int *device, int ordinal) { *device = ordinal; return 0; }
Result cuDeviceGetName(char *name, int length, int device) {
  (void)device;
  snprintf(name, length, "Fake GPU (test double)");
  return 0;
}
/* 75/76: compute capability major/minor. */
Result cuDeviceGetAttribute(int *value, int attribute, int device) {
  (void)device;
  *value = attribute == 75 ? 9 : 0;
  return 0;
}
Result cuDeviceTotalMem_v2(size_t *bytes, int device) { (void)device; *bytes = 1ull << 34; return 0; }
static int context;
Result cuDevicePrimaryCtxRetain(void **ctx, int device) { (void)device; *ctx = &context; return 0; }
Result cuDevicePrimaryCtxRelease_v2(int device) { (void)device; return 0; }
Result cuCtxSetCurrent(void *ctx) { (void)ctx; return 0; }
Result cuModuleLoadDataEx(void **module, const void *image, unsigned count, int *options,
                          void **values) {
  (void)count; (void)options;
  int cubin = memcmp(image, "\177ELF", 4) == 0;
  if (cubin && flag("FAKE_CUDA_CUBIN_REFUSED")) {
    strcpy((char *)values[0], "fake: this cubin is newer than the driver");
    return 222; /* CUDA_ERROR_UNSUPPORTED_PTX_VERSION */
  }
  *module = malloc(1);
  return 0;
}
Result cuModuleUnload(void *module) { free(module); return 0; }
Result cuModuleGetFunction(void **function, void *module, const char *name) {
  (void)module; (void)name;
  *function = (void *)1;
  return 0;
}
Result cuFuncGetAttribute(int *value, int attribute, void *function) {
  (void)attribute; (void)function;
  *value = 256;
  return 0;
}
Result cuFuncSetAttribute(void *function, int attribute, int value) {
  (void)function; (void)attribute; (void)value;
  return 0;
}
Result cuModuleGetGlobal_v2(Pointer *pointer, size_t *bytes, void *module, const char *name) {
  (void)pointer; (void)bytes; (void)module; (void)name;
  return 500; /* CUDA_ERROR_NOT_FOUND */
}
Result cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                      unsigned by, unsigned bz, unsigned shared, void *stream, void **params,
                      void **extra) {
  (void)function; (void)gx; (void)gy; (void)gz; (void)bx; (void)by; (void)bz; (void)shared;
  (void)stream; (void)params; (void)extra;
  return 0;
}
Result cuMemAlloc_v2(Pointer *pointer, size_t bytes) {
  *pointer = (Pointer)calloc(1, bytes);
  return 0;
}
Result cuMemFree_v2(Pointer pointer) { free((void *)pointer); return 0; }
static void trace(const char *what, size_t bytes) {
  if (flag("FAKE_CUDA_TRACE"))
    fprintf(stderr, "[fake-cuda] %s %zu bytes\n", what, bytes);
}
Result cuMemcpyHtoDAsync_v2(Pointer to, const void *from, size_t bytes, void *stream) {
  (void)stream;
  trace("host to device", bytes);
  memcpy((void *)to, from, bytes);
  return 0;
}
Result cuMemcpyDtoHAsync_v2(void *to, Pointer from, size_t bytes, void *stream) {
  (void)stream;
  trace("device to host", bytes);
  memcpy(to, (void *)from, bytes);
  return 0;
}
Result cuMemcpyDtoDAsync_v2(Pointer to, Pointer from, size_t bytes, void *stream) {
  (void)stream;
  memmove((void *)to, (void *)from, bytes);
  return 0;
}
Result cuStreamCreate(void **stream, unsigned flags) { (void)flags; *stream = malloc(1); return 0; }
Result cuStreamDestroy_v2(void *stream) { free(stream); return 0; }
Result cuStreamSynchronize(void *stream) { (void)stream; return 0; }
Result cuEventCreate(void **event, unsigned flags) { (void)flags; *event = malloc(1); return 0; }
Result cuEventRecord(void *event, void *stream) { (void)event; (void)stream; return 0; }
Result cuEventElapsedTime(float *ms, void *start, void *end) {
  (void)start; (void)end;
  *ms = 1.0f;
  return 0;
}
Result cuEventDestroy_v2(void *event) { free(event); return 0; }
Result cuGetErrorName(Result result, const char **name) {
  *name = result == 222 ? "CUDA_ERROR_UNSUPPORTED_PTX_VERSION" : "CUDA_ERROR_UNKNOWN";
  return 0;
}
Result cuGetErrorString(Result result, const char **text) {
  (void)result;
  *text = "fake driver";
  return 0;
}
