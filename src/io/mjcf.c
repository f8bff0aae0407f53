#include "xiaonao/io.h"
xn_status xn_load_mjcf_string(const char *xml, size_t len, const char *name, const char *base_dir,
                              const xn_load_options *opt, xn_model **out, xn_error *err) {
    (void)xml; (void)len; (void)name; (void)base_dir; (void)opt; (void)err; *out = 0;
    return XN_ERR_UNSUPPORTED;
}
xn_status xn_load_mjcf(const char *path, const xn_load_options *opt, xn_model **out, xn_error *err) {
    return xn_load_model(path, opt, out, err);
}
