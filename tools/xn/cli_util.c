/* Shared helpers of the xn command. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "io/json.h"
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

int xn_cli_reserve(void **arr, long *cap, long n, size_t size, long first) {
    if (n < *cap) return 0;
    long nc = *cap ? 2 * *cap : first;
    void *p = realloc(*arr, size * (size_t)nc);
    if (!p) return -1;
    *arr = p;
    *cap = nc;
    return 0;
}

void xn_cli_json_array(FILE *f, const double *x, int n) {
    fputc('[', f);
    for (int i = 0; i < n; i++) fprintf(f, i ? ",%.17g" : "%.17g", x[i]);
    fputc(']', f);
}

int xn_cli_json_lines(char *text, const char *file,
                      int (*fn)(void *ctx, const struct xn_json *j, const char *where), void *ctx) {
    int rc = 0, lineno = 0;
    char where[600], msg[256];
    for (char *line = text; !rc && line && *line;) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        lineno++;
        size_t k = 0;
        while (k < n && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r')) k++;
        if (k < n) { /* parse each line on its own, so errors name it */
            snprintf(where, sizeof where, "%s:%d", file, lineno);
            xn_json *j = xn_json_parse(line, n, msg, sizeof msg);
            if (!j)
                rc = xn_cli_error("%s: %s", where, msg);
            else {
                rc = fn(ctx, j, where);
                xn_json_free(j);
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    return rc;
}

int xn_cli_list(const char *s, double *out, int cap) {
    int n = 0;
    const char *p = s;
    while (*p && n < cap) {
        char *end;
        double x = strtod(p, &end);
        if (end == p || !isfinite(x)) return -1;
        out[n++] = x;
        p = end;
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return *p ? -1 : n;
}

xn_json *xn_cli_json_file(const char *path) {
    size_t len;
    char *text = xn_cli_slurp(path, &len);
    if (!text) return NULL;
    char msg[256];
    xn_json *j = xn_json_parse(text, len, msg, sizeof msg);
    free(text);
    if (!j) xn_cli_error("%s: %s", path, msg);
    return j;
}

/* Read the limits file: 0 when it is absent and optional, 1 when read, -1 on an error (printed). */
int xn_cli_read_limits(const char *path, int required, xn_rated_limits *rl) {
    memset(rl, 0, sizeof *rl);
    if (!required && access(path, R_OK) != 0) return 0;
    xn_json *j = xn_cli_json_file(path);
    if (!j) return -1;
    const xn_json *joints = xn_json_get(j, "joints");
    const xn_json *src = xn_json_get(j, "source");
    if (src && src->type == XN_JSON_STRING) snprintf(rl->source, sizeof rl->source, "%s", src->str);
    int rc = 1;
    if (!joints || joints->type != XN_JSON_OBJECT || joints->n > XN_OTG_MAX_DOFS) {
        xn_cli_error("%s: expected an object \"joints\" mapping up to %d joint names to limits",
                     path, XN_OTG_MAX_DOFS);
        rc = -1;
    }
    static const char *const keys[3] = {"velocity", "acceleration", "jerk"};
    for (int i = 0; rc > 0 && i < joints->n; i++) {
        snprintf(rl->name[i], sizeof rl->name[i], "%s", joints->keys[i]);
        for (int f = 0; f < 3 && rc > 0; f++) {
            const xn_json *x = xn_json_get(&joints->items[i], keys[f]);
            if (!x) continue;
            if (x->type != XN_JSON_NUMBER || !(x->num > 0) || !isfinite(x->num)) {
                xn_cli_error("%s: joint \"%s\": \"%s\" must be a number > 0", path, joints->keys[i],
                             keys[f]);
                rc = -1;
            }
            rl->value[i][f] = x->num;
        }
        rl->n = i + 1;
    }
    xn_json_free(j);
    return rc;
}
