/* Shared helpers of the xn command. SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io/xml_util.h"

int xn_cli_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("xn: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

xn_model *xn_cli_load(const char *path, int floating_base, int strict) {
    xn_load_options opt = {floating_base, strict};
    xn_model *m = NULL;
    xn_error err;
    xn_status st = xn_load_model(path, &opt, &m, &err);
    if (st != XN_OK) {
        if (err.line > 0)
            fprintf(stderr, "xn: %s:%d: %s\n", err.file, err.line, err.message);
        else
            fprintf(stderr, "xn: %s: %s\n", err.file[0] ? err.file : path, err.message);
        return NULL;
    }
    return m;
}

char *xn_cli_slurp(const char *path, size_t *len) {
    xn_error err;
    char *buf = xn_io_read_file(path, len, &err);
    if (!buf) xn_cli_error("%s: %s", path, err.message);
    return buf;
}

void xn_cli_json_array(FILE *f, const double *x, int n) {
    fputc('[', f);
    for (int i = 0; i < n; i++) fprintf(f, i ? ",%.17g" : "%.17g", x[i]);
    fputc(']', f);
}
