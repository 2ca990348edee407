/*===- smelt/runtime.h - Smelt runtime C API (v1) ---------------*- C -*-===*
 *
 * Loads a compiled .smelt artifact onto a device and runs it. The library
 * behind this header (libsmelt_runtime.so) depends on no MLIR/LLVM.
 *
 * Objects: Instance -> Device (by URI) -> Session (an artifact on a device)
 * -> Run.
 *
 *   smelt_instance_t *instance; smelt_device_t *device; smelt_session_t *session;
 *   smelt_instance_create(NULL, &instance);
 *   smelt_device_open(instance, "cpu", &device);
 *   smelt_session_create_from_file(device, "model.smelt", NULL, &session);
 *   smelt_session_run(session, inputs, n_in, outputs, n_out);
 *   smelt_session_release(session); smelt_device_release(device);
 *   smelt_instance_release(instance);
 *
 * Two ways to call it: link libsmelt_runtime.so and call the functions below,
 * or dlopen it and take the versioned function table from smelt_get_api().
 *
 * Conventions
 *  - Every fallible call returns a smelt_status_t: NULL means success; otherwise
 *    the caller owns the status and releases it with smelt_status_free().
 *  - Objects are created into an out_* parameter and released by
 *    smelt_<object>_release(). Releasing NULL is a no-op. A child keeps what it
 *    needs of its parent alive: a session may outlive its device and instance
 *    handles (the release is deferred until the last child goes).
 *  - Structs the caller passes or fills start with `struct_size`; set it to
 *    sizeof(the struct) as your header declares it. The runtime accepts older,
 *    smaller structs of the same major version.
 *  - Strings returned by the runtime are owned by the object they came from
 *    and live as long as it does.
 *
 * Thread-safety
 *  - smelt_session_run() may be called concurrently on one session: each call
 *    uses its own scratch memory and its own input/output tensors.
 *  - All query functions (counts, *_info) may be called concurrently.
 *  - Create/release of distinct objects may happen on any threads; an object
 *    must not be released while another thread still uses it.
 *  - Status objects are not shared; each belongs to the caller that got it.
 *===----------------------------------------------------------------------===*/
#ifndef SMELT_RUNTIME_H
#define SMELT_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SMELT_RUNTIME_API_VERSION 1

#if defined(__GNUC__)
#define SMELT_API __attribute__((visibility("default")))
#else
#define SMELT_API
#endif

/*----------------------------------------------------------------- status */
typedef enum smelt_status_code_t {
  SMELT_OK = 0,
  SMELT_INVALID_ARGUMENT = 1, /* wrong inputs, shapes, dtypes, options */
  SMELT_NOT_FOUND = 2,        /* file, device, plugin or symbol missing */
  SMELT_CORRUPT_ARTIFACT = 3, /* bad magic, checksum, truncation, index */
  SMELT_UNSUPPORTED = 4,      /* needs something this runtime/device lacks */
  SMELT_OUT_OF_MEMORY = 5,
  SMELT_INTERNAL = 6,
  SMELT_UNIMPLEMENTED = 7,    /* a driver that does not do this (yet) */
  SMELT_ABI_MISMATCH = 8,     /* a plugin built for another ABI major */
} smelt_status_code_t;

typedef struct smelt_status_s *smelt_status_t;

SMELT_API smelt_status_code_t smelt_status_code(smelt_status_t status);
/* Valid until the status is freed. Never NULL. */
SMELT_API const char *smelt_status_message(smelt_status_t status);
SMELT_API void smelt_status_free(smelt_status_t status);
/* "OK", "INVALID_ARGUMENT", ... */
SMELT_API const char *smelt_status_code_name(smelt_status_code_t code);

/*----------------------------------------------------------------- tensors */
typedef enum smelt_dtype_t {
  SMELT_F32 = 0, SMELT_F64, SMELT_F16, SMELT_BF16,
  SMELT_I8, SMELT_I16, SMELT_I32, SMELT_I64,
  SMELT_U8, SMELT_U16, SMELT_U32, SMELT_U64, SMELT_BOOL,
} smelt_dtype_t;

/* Bytes of one element of `dtype` (bool is one byte); 0 for an unknown one. */
SMELT_API size_t smelt_dtype_size(smelt_dtype_t dtype);
/* Short name: "f32", "i64", "bool", ... */
SMELT_API const char *smelt_dtype_name(smelt_dtype_t dtype);

#define SMELT_MAX_RANK 16

/* Where a tensor's `data` lives. */
typedef enum smelt_memory_t {
  SMELT_MEMORY_HOST = 0,   /* host memory (the default) */
  SMELT_MEMORY_DEVICE = 1, /* memory of the session's device (on cuda:N a CUDA
                            * device pointer of device N, 256-byte aligned as
                            * allocations are): the run reads an input and
                            * writes an output there in place, without copies
                            * through the host. The caller's writes to an
                            * input must be complete before the call (e.g.
                            * its stream synchronized); the outputs are
                            * complete when the call returns. CPU sessions
                            * refuse it. */
} smelt_memory_t;

/* A dense row-major tensor in memory that the caller owns (host memory,
 * unless `memory` says otherwise). */
typedef struct smelt_tensor_t {
  size_t struct_size;
  smelt_dtype_t dtype;
  int32_t rank;
  int64_t shape[SMELT_MAX_RANK];
  void *data;        /* rank 0 holds one element; any alignment of the element
                      * type works, and 64-byte aligned outputs let kernels that
                      * stream large outputs use non-temporal stores */
  size_t byte_size;  /* size of the memory at `data` */
  /* Optional: the input's or output's name. When set, smelt_session_run
   * checks it against the signature (tensors are still passed in signature
   * order). */
  const char *name;
  /* Optional (a struct that ends before it is host memory). */
  smelt_memory_t memory;
} smelt_tensor_t;

/* Description of a model input or output. */
typedef struct smelt_tensor_info_t {
  size_t struct_size;
  const char *name;
  smelt_dtype_t dtype;
  int32_t rank;
  /* -1 for a dimension the artifact was compiled for several sizes of. */
  int64_t shape[SMELT_MAX_RANK];
  /* Per dimension: the symbolic name the model gave it ("batch", "seq"), or
   * NULL for a dimension the model fixed. A symbolic dimension the artifact
   * was compiled for one size of has that size in `shape`. */
  const char *dim_names[SMELT_MAX_RANK];
} smelt_tensor_info_t;

/*----------------------------------------------------------------- instance */
typedef struct smelt_instance_s smelt_instance_t;

/* Do not look in SMELT_PLUGIN_PATH or <prefix>/lib/smelt/plugins/: only the
 * built-in drivers and `plugin_paths` are loaded. */
#define SMELT_INSTANCE_NO_PLUGIN_DISCOVERY 0x1u

typedef struct smelt_instance_options_t {
  size_t struct_size;
  /* Host threads for parallel kernels; 0 = all hardware threads. */
  int32_t num_threads;
  uint32_t flags; /* SMELT_INSTANCE_* */
  /* Plugins to load first, by path to the shared library. A plugin given here
   * that cannot be loaded fails smelt_instance_create (discovered ones that
   * cannot be loaded are only reported by smelt_instance_driver_info). */
  const char *const *plugin_paths;
  size_t plugin_path_count;
  /* Where to load vendor libraries from, overriding the search and
   * SMELT_<NAME>_PATH: "<name>=<path>" or "<name>=off" ("oneDNN=off",
   * "OpenBLAS=/opt/lib/libopenblas.so.0"). Names as smelt_library_info_t. */
  const char *const *library_overrides;
  size_t library_override_count;
} smelt_instance_options_t;

/* `options` may be NULL for defaults. Loads the built-in drivers (cpu), then
 * plugins: `plugin_paths`, then each entry of SMELT_PLUGIN_PATH (a plugin
 * file, or a directory whose libsmelt_plugin_*.so are loaded), then
 * <prefix>/lib/smelt/plugins/. The first driver of a name wins. */
SMELT_API smelt_status_t smelt_instance_create(const smelt_instance_options_t *options,
                                               smelt_instance_t **out_instance);
SMELT_API void smelt_instance_release(smelt_instance_t *instance);

/* A driver the instance loaded, or a plugin it could not load. */
typedef struct smelt_driver_info_t {
  size_t struct_size;
  const char *name;        /* URI scheme: "cpu", "null"; the file name if refused */
  const char *path;        /* "built-in" or the plugin's path */
  const char *version;     /* the plugin's own version string */
  uint32_t abi_major, abi_minor;
  int32_t loaded;          /* 1 = in use; 0 = refused, see `message` */
  const char *message;     /* why it was refused, or "" */
} smelt_driver_info_t;

SMELT_API size_t smelt_instance_driver_count(const smelt_instance_t *instance);
SMELT_API smelt_status_t smelt_instance_driver_info(const smelt_instance_t *instance,
                                                    size_t index,
                                                    smelt_driver_info_t *out_info);

typedef struct smelt_device_info_t {
  size_t struct_size;
  const char *uri;         /* "cpu:0", "cuda:1", "null:0" */
  const char *driver;      /* "cpu" */
  const char *name;        /* "AMD EPYC 7B13 (2 threads)" */
  const char *arch;        /* what the compiler targets: "x86_64:znver3:+avx2,..." */
  uint64_t memory_bytes;   /* 0 if unknown */
} smelt_device_info_t;

SMELT_API size_t smelt_instance_device_count(const smelt_instance_t *instance);
SMELT_API smelt_status_t smelt_instance_device_info(const smelt_instance_t *instance,
                                                    size_t index,
                                                    smelt_device_info_t *out_info);

/* A vendor library the runtime looked for (oneDNN, OpenBLAS, cuBLASLt, cuDNN,
 * NCCL, hipBLASLt, rocBLAS, MIOpen, RCCL, MPI). Looking is lazy: listing
 * them here loads each one once. The instance option library_overrides, else
 * SMELT_<NAME>_PATH, overrides the search; the value "off" disables it. */
typedef struct smelt_library_info_t {
  size_t struct_size;
  const char *name;        /* "OpenBLAS" */
  const char *purpose;     /* "GEMM on CPU" */
  int32_t found;           /* 1 = loaded and usable */
  const char *path;        /* where it was loaded from, or "" */
  const char *version;     /* "0.3.21", or "" */
  const char *message;     /* why not found, or how it was chosen */
} smelt_library_info_t;

SMELT_API size_t smelt_instance_library_count(const smelt_instance_t *instance);
SMELT_API smelt_status_t smelt_instance_library_info(smelt_instance_t *instance, size_t index,
                                                     smelt_library_info_t *out_info);

/*----------------------------------------------------------------- device */
typedef struct smelt_device_s smelt_device_t;

/* `uri` is "<driver>[:<index>]" ("cpu", "cuda:1"), or NULL/"" /"auto" for
 * the device named by SMELT_DEVICE if set, else device 0 of the first
 * non-CPU driver that has one, else "cpu:0". */
SMELT_API smelt_status_t smelt_device_open(smelt_instance_t *instance, const char *uri,
                                           smelt_device_t **out_device);
SMELT_API void smelt_device_release(smelt_device_t *device);
SMELT_API smelt_status_t smelt_device_info(const smelt_device_t *device,
                                           smelt_device_info_t *out_info);

/*----------------------------------------------------------------- session */
typedef struct smelt_session_s smelt_session_t;

typedef struct smelt_session_options_t {
  size_t struct_size;
  uint32_t reserved; /* 0 */
} smelt_session_options_t;

/* Loads an artifact for `device`. The file's checksum and index are verified
 * before anything in it is used. A fat artifact carries one plan per target;
 * the first plan the device's driver accepts is loaded. `options` may be NULL.
 * The file is mapped, not copied; it may be deleted afterwards. */
SMELT_API smelt_status_t smelt_session_create_from_file(smelt_device_t *device,
                                                        const char *path,
                                                        const smelt_session_options_t *options,
                                                        smelt_session_t **out_session);
/* Same, from memory; the bytes are copied, the caller keeps its buffer. */
SMELT_API smelt_status_t smelt_session_create_from_memory(smelt_device_t *device,
                                                          const void *data, size_t size,
                                                          const smelt_session_options_t *options,
                                                          smelt_session_t **out_session);
SMELT_API void smelt_session_release(smelt_session_t *session);

SMELT_API size_t smelt_session_input_count(const smelt_session_t *session);
SMELT_API size_t smelt_session_output_count(const smelt_session_t *session);
/* Fills `out_info` (its struct_size must be set) for input/output `index`. */
SMELT_API smelt_status_t smelt_session_input_info(const smelt_session_t *session, size_t index,
                                                  smelt_tensor_info_t *out_info);
SMELT_API smelt_status_t smelt_session_output_info(const smelt_session_t *session, size_t index,
                                                   smelt_tensor_info_t *out_info);
/* Which plan of the artifact was loaded and what the driver chose for it,
 * one line per decision ("plan 0 (cpu x86_64:...)", "kernel 3: generated");
 * owned by the session. */
SMELT_API const char *smelt_session_describe(const smelt_session_t *session);

/* For an artifact compiled for several sizes of its symbolic dims (the
 * signature then has -1 there, see smelt_tensor_info_t.dim_names): fills each
 * output's dtype, rank, shape and byte_size (the bytes it will need) for
 * these inputs, without running. Also works for static models. */
SMELT_API smelt_status_t smelt_session_resolve_outputs(const smelt_session_t *session,
                                                       const smelt_tensor_t *inputs,
                                                       size_t input_count,
                                                       smelt_tensor_t *outputs,
                                                       size_t output_count);

/* Runs the model. `inputs` are in signature order and must match the
 * signature's dtypes and shapes (a -1 dim takes any size the artifact was
 * compiled for; the error names expected vs got).
 * `outputs` are bound by the caller, in signature order: each needs `data` of
 * at least the output's byte size; dtype/rank/shape are filled in by the
 * call. Safe to call concurrently on one session. */
SMELT_API smelt_status_t smelt_session_run(smelt_session_t *session,
                                           const smelt_tensor_t *inputs, size_t input_count,
                                           smelt_tensor_t *outputs, size_t output_count);

/*----------------------------------------------------------------- table */
/* Every function above, for callers that dlopen the library. New functions
 * are only appended; `struct_size` tells how many this library has. */
typedef struct smelt_api_v1_t {
  size_t struct_size;
  uint32_t version; /* 1 */
  smelt_status_code_t (*status_code)(smelt_status_t);
  const char *(*status_message)(smelt_status_t);
  void (*status_free)(smelt_status_t);
  const char *(*status_code_name)(smelt_status_code_t);
  size_t (*dtype_size)(smelt_dtype_t);
  const char *(*dtype_name)(smelt_dtype_t);
  smelt_status_t (*instance_create)(const smelt_instance_options_t *, smelt_instance_t **);
  void (*instance_release)(smelt_instance_t *);
  size_t (*instance_driver_count)(const smelt_instance_t *);
  smelt_status_t (*instance_driver_info)(const smelt_instance_t *, size_t, smelt_driver_info_t *);
  size_t (*instance_device_count)(const smelt_instance_t *);
  smelt_status_t (*instance_device_info)(const smelt_instance_t *, size_t, smelt_device_info_t *);
  size_t (*instance_library_count)(const smelt_instance_t *);
  smelt_status_t (*instance_library_info)(smelt_instance_t *, size_t, smelt_library_info_t *);
  smelt_status_t (*device_open)(smelt_instance_t *, const char *, smelt_device_t **);
  void (*device_release)(smelt_device_t *);
  smelt_status_t (*device_info)(const smelt_device_t *, smelt_device_info_t *);
  smelt_status_t (*session_create_from_file)(smelt_device_t *, const char *,
                                             const smelt_session_options_t *, smelt_session_t **);
  smelt_status_t (*session_create_from_memory)(smelt_device_t *, const void *, size_t,
                                               const smelt_session_options_t *,
                                               smelt_session_t **);
  void (*session_release)(smelt_session_t *);
  size_t (*session_input_count)(const smelt_session_t *);
  size_t (*session_output_count)(const smelt_session_t *);
  smelt_status_t (*session_input_info)(const smelt_session_t *, size_t, smelt_tensor_info_t *);
  smelt_status_t (*session_output_info)(const smelt_session_t *, size_t, smelt_tensor_info_t *);
  const char *(*session_describe)(const smelt_session_t *);
  smelt_status_t (*session_run)(smelt_session_t *, const smelt_tensor_t *, size_t,
                                smelt_tensor_t *, size_t);
  smelt_status_t (*session_resolve_outputs)(const smelt_session_t *, const smelt_tensor_t *,
                                            size_t, smelt_tensor_t *, size_t);
} smelt_api_v1_t;

/* The function table of API `version`, or NULL when this library does not
 * provide that version (it provides SMELT_RUNTIME_API_VERSION only). */
SMELT_API const void *smelt_get_api(uint32_t version);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SMELT_RUNTIME_H */
