/* Shared helpers of the xn command. SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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
    FILE *f = fopen(path, "rb");
    if (!f) {
        xn_cli_error("%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) break;
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) break;
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) {
        xn_cli_error("%s: out of memory", path);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

void xn_cli_json_array(FILE *f, const double *x, int n) {
    fputc('[', f);
    for (int i = 0; i < n; i++) fprintf(f, i ? ",%.17g" : "%.17g", x[i]);
    fputc(']', f);
}
