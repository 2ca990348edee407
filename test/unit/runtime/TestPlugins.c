/* Broken and odd plugins for PluginTest.cpp, one per TEST_PLUGIN_KIND:
 *   1 built for plugin ABI 2.0            2 exports no entry point
 *   3 driver table lacks program_run      4 a second driver named "cpu"
 *   5 create() fails                      6 a well-formed "echo" driver whose
 *                                           device accepts target "echo" and
 *                                           copies input 0 to output 0
 *   7 the "echo" driver, whose create() asks the host for its rank (job) and
 *     receives a broadcast from rank 0, and names its device after both
 *   8 the "echo" driver named "echo11", its driver table as ABI 1.1 had it
 *     (without program_run_resident)
 * The others take device-resident tensors too (program_run_resident, ABI
 * 1.2), treating device memory as host memory. */
#include "smelt/plugin.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static void say(smelt_plugin_error_t *error, const char *message) {
  snprintf(error->message, sizeof(error->message), "%s", message);
}

static int driver_state;
static char device_name[128] = "echo device zero";

static smelt_status_code_t create(const smelt_host_t *host, void **out,
                                  smelt_plugin_error_t *error) {
  (void)host;
#if TEST_PLUGIN_KIND == 5
  (void)out;
  say(error, "no such hardware here (test)");
  return SMELT_NOT_FOUND;
#elif TEST_PLUGIN_KIND == 7
  int32_t rank = -1, size = 0;
  char text[64] = {0};
  smelt_status_code_t code;
  if (host->struct_size < offsetof(smelt_host_t, broadcast) + sizeof(host->broadcast)) {
    say(error, "the host has no job/broadcast (ABI 1.0)");
    return SMELT_ABI_MISMATCH;
  }
  if ((code = host->job(host->context, &rank, &size, error)) != SMELT_OK)
    return code;
  if (rank == 0)
    snprintf(text, sizeof(text), "hello from rank 0 of %d", (int)size);
  if ((code = host->broadcast(host->context, text, sizeof(text), 0, error)) != SMELT_OK)
    return code;
  snprintf(device_name, sizeof(device_name), "rank %d of %d got '%s'", (int)rank, (int)size,
           text);
  *out = &driver_state;
  return SMELT_OK;
#else
  (void)error;
  *out = &driver_state;
  return SMELT_OK;
#endif
}
static void destroy(void *driver) { (void)driver; }
static uint32_t device_count(void *driver) {
  (void)driver;
  return 2;
}
static smelt_status_code_t device_info(void *driver, uint32_t device, smelt_device_info_t *out,
                                       smelt_plugin_error_t *error) {
  (void)driver;
  (void)error;
  out->name = device == 0 ? device_name : "echo device one";
  out->arch = "echo";
  out->memory_bytes = 1024;
  return SMELT_OK;
}
static uint32_t library_count(void *driver) {
  (void)driver;
  return 0;
}
static const char *library_name(void *driver, uint32_t index) {
  (void)driver;
  (void)index;
  return NULL;
}
static smelt_status_code_t check_section(void *driver, uint32_t device,
                                         const smelt_program_section_t *section,
                                         smelt_plugin_error_t *error) {
  (void)driver;
  (void)device;
  if (strcmp(section->target, "echo") != 0) {
    say(error, "echo runs only target 'echo'");
    return SMELT_UNSUPPORTED;
  }
  return SMELT_OK;
}

typedef struct echo_program_t {
  uint64_t bytes;
} echo_program_t;
static echo_program_t the_program;

static smelt_status_code_t program_load(void *driver, uint32_t device,
                                        const smelt_program_t *program, void **out,
                                        const char **description, smelt_plugin_error_t *error) {
  uint32_t i;
  (void)driver;
  (void)device;
  (void)error;
  the_program.bytes = 0;
  for (i = 0; i < program->buffer_count; ++i)
    if (program->buffers[i].kind == SMELT_BUFFER_INPUT && program->buffers[i].index == 0)
      the_program.bytes = program->buffers[i].size;
  *out = &the_program;
  *description = "echo: copies input 0 to output 0\n";
  return SMELT_OK;
}
static smelt_status_code_t program_run(void *program, const void *const *inputs,
                                       void *const *outputs, smelt_plugin_error_t *error) {
  (void)error;
  memcpy(outputs[0], inputs[0], ((echo_program_t *)program)->bytes);
  return SMELT_OK;
}
/* Device memory is host memory to echo: it copies when both tensors are "on
 * the device" and otherwise reports the flags it was given. */
static smelt_status_code_t program_run_resident(void *program, const void *const *inputs,
                                                void *const *outputs,
                                                const uint8_t *input_on_device,
                                                const uint8_t *output_on_device,
                                                smelt_plugin_error_t *error) {
  if (!input_on_device[0] || !output_on_device[0]) {
    snprintf(error->message, sizeof(error->message),
             "echo: input on device %d, output on device %d", input_on_device[0],
             output_on_device[0]);
    return SMELT_UNSUPPORTED;
  }
  memcpy(outputs[0], inputs[0], ((echo_program_t *)program)->bytes);
  return SMELT_OK;
}
static void program_release(void *program) { (void)program; }

static const smelt_driver_t driver = {
#if TEST_PLUGIN_KIND == 8
    offsetof(smelt_driver_t, program_run_resident), /* an ABI 1.0/1.1 table */
#else
    sizeof(smelt_driver_t),
#endif
#if TEST_PLUGIN_KIND == 4
    "cpu",
#elif TEST_PLUGIN_KIND == 7
    "job",
#elif TEST_PLUGIN_KIND == 8
    "echo11",
#else
    "echo",
#endif
    create, destroy, device_count, device_info, library_count, library_name, check_section,
    program_load,
#if TEST_PLUGIN_KIND == 3
    NULL,
#else
    program_run,
#endif
    program_release,
    program_run_resident,
};

static const smelt_plugin_t plugin = {
    sizeof(smelt_plugin_t),
#if TEST_PLUGIN_KIND == 1
    2, 0,
#else
    SMELT_PLUGIN_ABI_MAJOR, SMELT_PLUGIN_ABI_MINOR,
#endif
    "test", "9.9.9", &driver,
};

#if TEST_PLUGIN_KIND != 2
SMELT_PLUGIN_EXPORT const smelt_plugin_t *smelt_plugin_entry(void) { return &plugin; }
#else
SMELT_PLUGIN_EXPORT const smelt_plugin_t *not_the_entry_point(void) { return &plugin; }
#endif
