/*===- smelt/runtime.h - Smelt runtime C API (v0) ---------------*- C -*-===*
 *
 * Loads a compiled .smelt artifact and runs it. The library behind this header
 * depends on no MLIR/LLVM.
 *
 * Conventions
 *  - Every fallible call returns a smelt_status_t: NULL means success; otherwise
 *    the caller owns the status and releases it with smelt_status_free().
 *  - Objects are created by smelt_<object>_create*() into an out_* parameter and
 *    released by smelt_<object>_release(). Releasing NULL is a no-op.
 *  - Structs passed in start with `struct_size` (set it to sizeof(the struct)).
 *
 * Thread-safety
 *  - smelt_session_run() may be called concurrently on one session: each call
 *    uses its own scratch memory. All other calls on one object must not race
 *    with that object's release.
 *  - Status objects are not shared; each belongs to one caller.
 *===----------------------------------------------------------------------===*/
#ifndef SMELT_RUNTIME_H
#define SMELT_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SMELT_RUNTIME_API_VERSION 0

#if defined(__GNUC__)
#define SMELT_API __attribute__((visibility("default")))
#else
#define SMELT_API
#endif

/*----------------------------------------------------------------- status */
typedef enum smelt_status_code_t {
  SMELT_OK = 0,
  SMELT_INVALID_ARGUMENT = 1, /* wrong inputs, shapes, dtypes, options */
  SMELT_NOT_FOUND = 2,        /* file, device or symbol missing */
  SMELT_CORRUPT_ARTIFACT = 3, /* bad magic, checksum, truncation, index */
  SMELT_UNSUPPORTED = 4,      /* artifact needs something this runtime lacks */
  SMELT_OUT_OF_MEMORY = 5,
  SMELT_INTERNAL = 6,
} smelt_status_code_t;

typedef struct smelt_status_s *smelt_status_t;

SMELT_API smelt_status_code_t smelt_status_code(smelt_status_t status);
/* Valid until the status is freed. Never NULL for a non-NULL status. */
SMELT_API const char *smelt_status_message(smelt_status_t status);
SMELT_API void smelt_status_free(smelt_status_t status);

/*----------------------------------------------------------------- tensors */
typedef enum smelt_dtype_t {
  SMELT_F32 = 0, SMELT_F64, SMELT_F16, SMELT_BF16,
  SMELT_I8, SMELT_I16, SMELT_I32, SMELT_I64,
  SMELT_U8, SMELT_U16, SMELT_U32, SMELT_U64, SMELT_BOOL,
} smelt_dtype_t;

/* Bytes of one element of `dtype` (bool is one byte). */
SMELT_API size_t smelt_dtype_size(smelt_dtype_t dtype);
/* Short name: "f32", "i64", "bool", ... */
SMELT_API const char *smelt_dtype_name(smelt_dtype_t dtype);

#define SMELT_MAX_RANK 16

/* A dense row-major tensor the caller owns. */
typedef struct smelt_tensor_t {
  size_t struct_size;
  smelt_dtype_t dtype;
  int32_t rank;
  int64_t shape[SMELT_MAX_RANK];
  void *data;        /* rank 0 holds one element */
  size_t byte_size;  /* size of the memory at `data` */
} smelt_tensor_t;

/* Description of a model input or output. Strings live as long as the session. */
typedef struct smelt_tensor_info_t {
  size_t struct_size;
  const char *name;
  smelt_dtype_t dtype;
  int32_t rank;
  int64_t shape[SMELT_MAX_RANK];
} smelt_tensor_info_t;

/*----------------------------------------------------------------- instance */
typedef struct smelt_instance_s smelt_instance_t;

typedef struct smelt_instance_options_t {
  size_t struct_size;
  /* Host threads for parallel kernels; 0 = all hardware threads. */
  int32_t num_threads;
} smelt_instance_options_t;

/* `options` may be NULL for defaults. */
SMELT_API smelt_status_t smelt_instance_create(const smelt_instance_options_t *options,
                                               smelt_instance_t **out_instance);
SMELT_API void smelt_instance_release(smelt_instance_t *instance);

/*----------------------------------------------------------------- session */
typedef struct smelt_session_s smelt_session_t;

/* Loads an artifact for `device` ("cpu"). The instance must outlive the
 * session. The artifact's checksum and index are verified first. */
SMELT_API smelt_status_t smelt_session_create_from_file(smelt_instance_t *instance,
                                                        const char *path,
                                                        const char *device,
                                                        smelt_session_t **out_session);
/* Same, from memory; the bytes are copied, the caller keeps its buffer. */
SMELT_API smelt_status_t smelt_session_create_from_memory(smelt_instance_t *instance,
                                                          const void *data, size_t size,
                                                          const char *device,
                                                          smelt_session_t **out_session);
SMELT_API void smelt_session_release(smelt_session_t *session);

SMELT_API size_t smelt_session_input_count(const smelt_session_t *session);
SMELT_API size_t smelt_session_output_count(const smelt_session_t *session);
/* Fills `out_info` (its struct_size must be set) for input/output `index`. */
SMELT_API smelt_status_t smelt_session_input_info(const smelt_session_t *session, size_t index,
                                                  smelt_tensor_info_t *out_info);
SMELT_API smelt_status_t smelt_session_output_info(const smelt_session_t *session, size_t index,
                                                   smelt_tensor_info_t *out_info);

/* Runs the model. `inputs` are in signature order and must match the
 * signature's dtypes and shapes exactly (the error names expected vs got).
 * `outputs` are caller-bound: each needs data of at least the output's byte
 * size; dtype/rank/shape are filled in by the call. Safe to call concurrently
 * on one session. */
SMELT_API smelt_status_t smelt_session_run(smelt_session_t *session,
                                           const smelt_tensor_t *inputs, size_t input_count,
                                           smelt_tensor_t *outputs, size_t output_count);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SMELT_RUNTIME_H */
