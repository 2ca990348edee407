/* A plugin built outside the Smelt tree, against the installed headers only.
 * It offers one device, "sdkdemo:0", and accepts no code. */
#include <smelt/plugin.h>

#include <stdio.h>

static smelt_status_code_t create(const smelt_host_t *host, void **out, smelt_plugin_error_t *e) {
  (void)e;
  *out = (void *)host;
  return SMELT_OK;
}
static void destroy(void *d) { (void)d; }
static uint32_t device_count(void *d) {
  (void)d;
  return 1;
}
static smelt_status_code_t device_info(void *d, uint32_t i, smelt_device_info_t *out,
                                       smelt_plugin_error_t *e) {
  (void)d;
  (void)i;
  (void)e;
  out->name = "out-of-tree demo device";
  out->arch = "sdkdemo";
  return SMELT_OK;
}
static uint32_t library_count(void *d) {
  (void)d;
  return 0;
}
static const char *library_name(void *d, uint32_t i) {
  (void)d;
  (void)i;
  return NULL;
}
static smelt_status_code_t check_section(void *d, uint32_t i, const smelt_program_section_t *s,
                                         smelt_plugin_error_t *e) {
  (void)d;
  (void)i;
  snprintf(e->message, sizeof(e->message), "sdkdemo runs no '%s' code", s->target);
  return SMELT_UNSUPPORTED;
}
static smelt_status_code_t load(void *d, uint32_t i, const smelt_program_t *p, void **out,
                                const char **text, smelt_plugin_error_t *e) {
  (void)d;
  (void)i;
  (void)p;
  (void)out;
  (void)text;
  snprintf(e->message, sizeof(e->message), "sdkdemo loads nothing");
  return SMELT_UNIMPLEMENTED;
}
static smelt_status_code_t run(void *p, const void *const *in, void *const *out,
                               smelt_plugin_error_t *e) {
  (void)p;
  (void)in;
  (void)out;
  (void)e;
  return SMELT_UNIMPLEMENTED;
}
static void release(void *p) { (void)p; }

static const smelt_driver_t driver = {sizeof(smelt_driver_t), "sdkdemo", create, destroy,
                                      device_count, device_info, library_count, library_name,
                                      check_section, load, run, release};
static const smelt_plugin_t plugin = {sizeof(smelt_plugin_t), SMELT_PLUGIN_ABI_MAJOR,
                                      SMELT_PLUGIN_ABI_MINOR, "sdkdemo", "1.0.0", &driver};

SMELT_PLUGIN_EXPORT const smelt_plugin_t *smelt_plugin_entry(void) { return &plugin; }
