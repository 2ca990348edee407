/*===- smelt/plugin.h - Smelt plugin ABI (1.1) ------------------*- C -*-===*
 *
 * A plugin is one shared library that exports one C symbol,
 *
 *   const smelt_plugin_t *smelt_plugin_entry(void);
 *
 * returning a table that lives as long as the library is loaded. The runtime
 * (libsmelt_runtime.so) loads it, checks the table's ABI version, and talks to
 * it only through the function pointers below; a plugin never links the
 * runtime and never sees its C++ types. Built-in drivers (cpu) are registered
 * through exactly the same table.
 *
 * Versioning: `abi_major`/`abi_minor`. A plugin of another major is refused
 * with a message naming both versions. Minors only append fields at the end
 * of the top-level tables (smelt_plugin_t, smelt_driver_t, smelt_host_t,
 * smelt_program_t); `struct_size` says how much of a table its producer knew,
 * and a consumer never reads past it. Structs that are array elements
 * (smelt_program_section_t, ...) are frozen within a major; their struct_size
 * lets a consumer check that.
 *
 * Errors: functions that can fail return a smelt_status_code_t and, when not
 * SMELT_OK, fill the caller's smelt_plugin_error_t with a message. No C++
 * exception may leave a plugin.
 *
 * Threads: the runtime serialises calls to one driver's create/destroy and
 * program_load/program_release. program_run is called concurrently on one
 * program; a driver must support that (each call gets its own buffers). The
 * runtime serialises (per instance) the runs of programs that have ALL_REDUCE
 * commands, so that every rank issues its collectives in the same order.
 * The query calls (device_*, library_*) may be called concurrently.
 *
 * See backends/null/ for the smallest complete plugin and its README for a
 * walk-through of writing a backend.
 *===----------------------------------------------------------------------===*/
#ifndef SMELT_PLUGIN_H
#define SMELT_PLUGIN_H

#include "smelt/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SMELT_PLUGIN_ABI_MAJOR 1
#define SMELT_PLUGIN_ABI_MINOR 2
#define SMELT_PLUGIN_ENTRY_SYMBOL "smelt_plugin_entry"

#if defined(__GNUC__)
#define SMELT_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define SMELT_PLUGIN_EXPORT
#endif

#define SMELT_PLUGIN_MESSAGE_SIZE 1024

/* Filled by a plugin call that fails. */
typedef struct smelt_plugin_error_t {
  size_t struct_size;
  char message[SMELT_PLUGIN_MESSAGE_SIZE]; /* NUL-terminated */
} smelt_plugin_error_t;

/*------------------------------------------------------- services of the host */

/* Computes ids [begin, end) of a parallel launch. */
typedef void (*smelt_parallel_body_t)(void *context, int64_t begin, int64_t end);

/* A vendor library opened for a driver (see smelt_host_t.open_library). */
typedef struct smelt_host_library_t {
  size_t struct_size;
  void *handle;            /* dlopen handle, or NULL when not found */
  const char *path;        /* where it was loaded from */
  const char *version;     /* as the library reports it */
  const char *message;     /* why not found */
} smelt_host_library_t;

/* How an all-reduce combines the ranks' values. */
typedef enum smelt_reduction_t {
  SMELT_REDUCE_SUM = 0,
  SMELT_REDUCE_PROD = 1,
  SMELT_REDUCE_MIN = 2,
  SMELT_REDUCE_MAX = 3,
} smelt_reduction_t;

/* What the runtime lends every driver. Valid from create() to destroy(). */
typedef struct smelt_host_t {
  size_t struct_size;
  void *context;
  /* Host threads of the instance (its num_threads option). */
  int32_t num_threads;
  /* Runs body(body_context, b, e) over disjoint ranges covering [0, count)
   * on the instance's threads and returns when all are done. */
  void (*parallel_for)(void *context, int64_t count, smelt_parallel_body_t body,
                       void *body_context);
  /* Opens a vendor library by the name smelt_library_info_t uses ("OpenBLAS",
   * "cuBLASLt", ...), honouring SMELT_<NAME>_PATH, once per instance, and
   * reports what happened. `out` is filled in either case; strings live as long
   * as the instance. Returns SMELT_NOT_FOUND for a library the runtime does
   * not know. */
  smelt_status_code_t (*open_library)(void *context, const char *name,
                                      smelt_host_library_t *out);
  /* All-reduce of `count` elements of host memory across the job's ranks
   * through the instance's communicator (MPI between processes; a copy in a
   * lone process). `source` may equal `destination`. A driver whose data
   * lives on a device either stages through host memory or binds its own
   * communication library (NCCL, RCCL). */
  smelt_status_code_t (*all_reduce)(void *context, const void *source, void *destination,
                                    uint64_t count, smelt_dtype_t dtype,
                                    smelt_reduction_t reduction,
                                    smelt_plugin_error_t *error);
  /* ABI 1.1 (check struct_size). This process's rank and the number of
   * ranks in the instance's communicator (0 and 1 in a lone process); for a
   * driver that sets up its own communication library (NCCL, RCCL). */
  smelt_status_code_t (*job)(void *context, int32_t *rank, int32_t *size,
                             smelt_plugin_error_t *error);
  /* ABI 1.1. Sends `bytes` of host memory at `buffer` from rank `root` to
   * every rank (in place); all ranks call it together. */
  smelt_status_code_t (*broadcast)(void *context, void *buffer, uint64_t bytes, int32_t root,
                                   smelt_plugin_error_t *error);
} smelt_host_t;

/*---------------------------------------------------- a program to run (plan) */

/* Where a buffer of the plan lives during a run. */
typedef enum smelt_buffer_kind_t {
  SMELT_BUFFER_INPUT = 0,    /* the caller's input `index` */
  SMELT_BUFFER_OUTPUT = 1,   /* the caller's output `index` */
  SMELT_BUFFER_CONSTANT = 2, /* `offset` bytes into program.constants */
  SMELT_BUFFER_ARENA = 3,    /* `offset` bytes into this run's scratch arena */
} smelt_buffer_kind_t;

typedef struct smelt_program_buffer_t {
  size_t struct_size;
  smelt_buffer_kind_t kind;
  uint32_t index;
  uint64_t offset;
  uint64_t size; /* bytes */
} smelt_program_buffer_t;

/* A code object of the plan, for one target. */
typedef struct smelt_program_section_t {
  size_t struct_size;
  const char *target;  /* "cpu", "cuda", ... */
  const char *format;  /* "elf-shared-object", "ptx", ... */
  const char *arch;    /* "x86_64:znver3:+avx2,+fma", "sm_90", ... */
  const void *data;
  uint64_t size;
} smelt_program_section_t;

/* A compiled kernel: `symbol` in section `section`, over parallel ids
 * [0, grid). */
typedef struct smelt_program_kernel_t {
  size_t struct_size;
  const char *symbol;
  uint64_t grid;
  uint32_t section;
  const char *description; /* the op(s) it implements */
} smelt_program_kernel_t;

typedef enum smelt_command_kind_t {
  SMELT_COMMAND_LAUNCH = 0,     /* kernel over its grid with buffers args[] */
  SMELT_COMMAND_COPY = 1,       /* `size` bytes from buffer source to destination */
  SMELT_COMMAND_ALL_REDUCE = 2, /* `count` `dtype` elements from source into
                                   destination, reduced across ranks */
} smelt_command_kind_t;

typedef struct smelt_program_command_t {
  size_t struct_size;
  smelt_command_kind_t kind;
  uint32_t kernel;          /* LAUNCH */
  const uint32_t *args;     /* LAUNCH: buffer ids */
  uint32_t arg_count;
  uint32_t source;          /* COPY, ALL_REDUCE */
  uint32_t destination;     /* COPY, ALL_REDUCE */
  uint64_t size;            /* COPY: bytes */
  smelt_dtype_t dtype;      /* ALL_REDUCE */
  uint64_t count;           /* ALL_REDUCE: elements */
  smelt_reduction_t reduction; /* ALL_REDUCE */
  /* LAUNCH: an optional alternative to the kernel: the op `library_op`
   * ("gemm") computed by one of `libraries` (vendor library names as
   * smelt_host_t.open_library knows them, most preferred first). A driver
   * uses the first it can bind, else the kernel. "gemm": args are A, B, C
   * (f32, row-major), params [batch, M, N, K, batch stride of B]; with an
   * epilogue, params [batch, M, N, K, batch stride of B, hasBias, relu] and
   * library_args A, B, [bias (N elements)], C: C = relu?(A * B + bias
   * broadcast over the rows). The runtime has checked that the buffers
   * have exactly those sizes. */
  const char *library_op;             /* NULL when none */
  const int64_t *library_params;
  uint32_t library_param_count;
  const char *const *libraries;
  uint32_t library_count;
  /* The buffers the library op takes, when they are not `args` (count 0).
   * "conv2d": input, weight, [bias], [residual], output, with params [N, C,
   * H, W, K, R, S, OH, OW, strideH, strideW, dilationH, dilationW, padTop,
   * padLeft, padBottom, padRight, groups, hasBias, hasResidual, relu];
   * the residual and the output may be the same buffer (the plan places a
   * residual that dies there under the output; the kernel reads each
   * residual element before it writes that output element).
   * "pool2d": input, output (NCHW f32), with params [N, C, H, W, OH, OW, KH,
   * KW, strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom,
   * padRight, kind] where kind is 0 max, 1 average over the cells inside
   * the input, 2 average over the window with the padding counted; the pads
   * are those the windows reach (OH = (H + padTop + padBottom - (KH - 1) *
   * dilationH - 1) / strideH + 1, likewise OW). */
  const uint32_t *library_args;
  uint32_t library_arg_count;
} smelt_program_command_t;

/* One plan of an artifact, already verified by the runtime: every id is in
 * range and every buffer lies inside its region. The memory stays valid
 * until program_release. */
typedef struct smelt_program_t {
  size_t struct_size;
  const smelt_program_section_t *sections;
  uint32_t section_count;
  const smelt_program_kernel_t *kernels;
  uint32_t kernel_count;
  const smelt_program_buffer_t *buffers;
  uint32_t buffer_count;
  const smelt_program_command_t *commands;
  uint32_t command_count;
  const void *constants; /* 64-byte aligned */
  uint64_t constants_size;
  uint64_t arena_size;   /* bytes of scratch each run needs */
  uint32_t input_count;
  uint32_t output_count;
} smelt_program_t;

/*------------------------------------------------------------------ a driver */

typedef struct smelt_driver_t {
  size_t struct_size;
  /* URI scheme of its devices: "cpu", "cuda", "null". */
  const char *name;

  smelt_status_code_t (*create)(const smelt_host_t *host, void **out_driver,
                                smelt_plugin_error_t *error);
  void (*destroy)(void *driver);

  uint32_t (*device_count)(void *driver);
  /* Strings in `out` live as long as the driver. `uri` and `driver` are
   * filled in by the runtime. */
  smelt_status_code_t (*device_info)(void *driver, uint32_t device,
                                     smelt_device_info_t *out,
                                     smelt_plugin_error_t *error);

  /* Vendor libraries this driver uses, for `smelt devices -v`. */
  uint32_t (*library_count)(void *driver);
  /* The name of library `index` as smelt_host_t.open_library knows it. */
  const char *(*library_name)(void *driver, uint32_t index);

  /* SMELT_OK when `device` can run code of `section`; otherwise the reason.
   * The runtime uses it to pick a plan out of a fat artifact. */
  smelt_status_code_t (*check_section)(void *driver, uint32_t device,
                                       const smelt_program_section_t *section,
                                       smelt_plugin_error_t *error);

  /* Prepares `program` on `device`. The runtime keeps `program`'s memory alive
   * until program_release. `out_description` (may be left NULL) is text of
   * the choices made, owned by the program. */
  smelt_status_code_t (*program_load)(void *driver, uint32_t device,
                                      const smelt_program_t *program,
                                      void **out_program,
                                      const char **out_description,
                                      smelt_plugin_error_t *error);
  /* One run: `inputs`/`outputs` are host pointers in signature order, already
   * checked against the signature. Called concurrently. */
  smelt_status_code_t (*program_run)(void *program, const void *const *inputs,
                                     void *const *outputs,
                                     smelt_plugin_error_t *error);
  void (*program_release)(void *program);
  /* Optional (ABI 1.2; NULL or past struct_size: the driver takes host
   * memory only): program_run where input/output i is a pointer into the
   * device's own memory when input_on_device[i]/output_on_device[i] is
   * non-zero (a CUDA device pointer on a CUDA device), read or written in
   * place; the others are host pointers as for program_run. */
  smelt_status_code_t (*program_run_resident)(void *program, const void *const *inputs,
                                              void *const *outputs,
                                              const uint8_t *input_on_device,
                                              const uint8_t *output_on_device,
                                              smelt_plugin_error_t *error);
} smelt_driver_t;

typedef struct smelt_plugin_t {
  size_t struct_size;
  uint32_t abi_major; /* SMELT_PLUGIN_ABI_MAJOR of the header it was built with */
  uint32_t abi_minor;
  const char *name;    /* "null" */
  const char *version; /* the plugin's own version, "0.1.0" */
  const smelt_driver_t *driver; /* NULL for a plugin without a runtime half */
} smelt_plugin_t;

typedef const smelt_plugin_t *(*smelt_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SMELT_PLUGIN_H */
