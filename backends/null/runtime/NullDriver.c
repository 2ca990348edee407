/*===- NullDriver.c - A driver that has a device and runs nothing ---------===*
 *
 * The smallest complete Smelt plugin, and the starting point for a new
 * backend (see ../README.md). It is plain C and includes nothing of Smelt
 * but smelt/plugin.h. It offers one device, "null:0"; loading a program
 * answers SMELT_UNIMPLEMENTED, naming what a real driver would do there.
 *===----------------------------------------------------------------------===*/
#include "smelt/plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What create() returns; a real driver keeps its device handles here. */
typedef struct null_driver_t {
  const smelt_host_t *host;
} null_driver_t;

static void set_error(smelt_plugin_error_t *error, const char *message) {
  if (error && error->struct_size >= sizeof(smelt_plugin_error_t))
    snprintf(error->message, sizeof(error->message), "%s", message);
}

static smelt_status_code_t null_create(const smelt_host_t *host, void **out_driver,
                                       smelt_plugin_error_t *error) {
  null_driver_t *driver;
  if (!host || host->struct_size < sizeof(smelt_host_t)) {
    set_error(error, "the host table is older than this plugin");
    return SMELT_ABI_MISMATCH;
  }
  driver = (null_driver_t *)calloc(1, sizeof(*driver));
  if (!driver) {
    set_error(error, "out of memory");
    return SMELT_OUT_OF_MEMORY;
  }
  driver->host = host;
  *out_driver = driver;
  return SMELT_OK;
}

static void null_destroy(void *driver) { free(driver); }

static uint32_t null_device_count(void *driver) {
  (void)driver;
  return 1;
}

static smelt_status_code_t null_device_info(void *driver, uint32_t device,
                                            smelt_device_info_t *out,
                                            smelt_plugin_error_t *error) {
  (void)driver;
  if (device != 0) {
    set_error(error, "the null driver has one device, 0");
    return SMELT_NOT_FOUND;
  }
  out->name = "null device (runs nothing)";
  out->arch = "null";
  out->memory_bytes = 0;
  return SMELT_OK;
}

static uint32_t null_library_count(void *driver) {
  (void)driver;
  return 0;
}

static const char *null_library_name(void *driver, uint32_t index) {
  (void)driver;
  (void)index;
  return NULL;
}

static smelt_status_code_t null_check_section(void *driver, uint32_t device,
                                              const smelt_program_section_t *section,
                                              smelt_plugin_error_t *error) {
  (void)driver;
  (void)device;
  if (strcmp(section->target, "null") != 0) {
    set_error(error, "the null driver runs only sections of target 'null'");
    return SMELT_UNSUPPORTED;
  }
  return SMELT_OK;
}

static smelt_status_code_t null_program_load(void *driver, uint32_t device,
                                             const smelt_program_t *program,
                                             void **out_program,
                                             const char **out_description,
                                             smelt_plugin_error_t *error) {
  (void)driver;
  (void)device;
  (void)program;
  (void)out_program;
  (void)out_description;
  set_error(error, "the null driver is unimplemented: a real driver would load the "
                   "program's code objects onto the device here");
  return SMELT_UNIMPLEMENTED;
}

static smelt_status_code_t null_program_run(void *program, const void *const *inputs,
                                            void *const *outputs,
                                            smelt_plugin_error_t *error) {
  (void)program;
  (void)inputs;
  (void)outputs;
  set_error(error, "the null driver is unimplemented");
  return SMELT_UNIMPLEMENTED;
}

static void null_program_release(void *program) { (void)program; }

static const smelt_driver_t null_driver_table = {
    sizeof(smelt_driver_t), "null",
    null_create,            null_destroy,
    null_device_count,      null_device_info,
    null_library_count,     null_library_name,
    null_check_section,     null_program_load,
    null_program_run,       null_program_release,
};

static const smelt_plugin_t null_plugin = {
    sizeof(smelt_plugin_t), SMELT_PLUGIN_ABI_MAJOR, SMELT_PLUGIN_ABI_MINOR,
    "null",                 "0.1.0",                &null_driver_table,
};

SMELT_PLUGIN_EXPORT const smelt_plugin_t *smelt_plugin_entry(void) { return &null_plugin; }
