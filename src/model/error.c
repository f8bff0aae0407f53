/* See error_internal.h. SPDX-License-Identifier: Apache-2.0 */
#include "model/error_internal.h"

#include <stdarg.h>
#include <stdio.h>

xn_status xn_fail(xn_error *err, xn_status st, const char *where, const char *fmt, ...) {
    if (err) {
        snprintf(err->file, sizeof err->file, "%s", where);
        err->line = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return st;
}
