/* See error_internal.h. SPDX-License-Identifier: Apache-2.0 */
#include "model/error_internal.h"

#include <stdio.h>

xn_status xn_fail_v(xn_error *err, xn_status st, const char *where, int index, const char *fmt,
                    va_list ap) {
    if (err) {
        snprintf(err->file, sizeof err->file, "%s", where);
        err->line = 0;
        err->index = index;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    }
    return st;
}

xn_status xn_fail(xn_error *err, xn_status st, const char *where, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    xn_fail_v(err, st, where, -1, fmt, ap);
    va_end(ap);
    return st;
}

xn_status xn_fail_at(xn_error *err, xn_status st, const char *where, int index, const char *fmt,
                     ...) {
    va_list ap;
    va_start(ap, fmt);
    xn_fail_v(err, st, where, index, fmt, ap);
    va_end(ap);
    return st;
}
