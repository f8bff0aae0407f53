/* The one way an API call reports what went wrong: an xn_status and, when the caller passed an
 * xn_error, the function's name in `file` (line 0) and the parameter and reason in `message`.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ERROR_INTERNAL_H
#define XN_ERROR_INTERNAL_H

#include <stdarg.h>

#include "xiaonao/types.h"

/* Fills err (may be NULL; its index -1) and returns st. `where` is the public function's name. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
xn_status
xn_fail(xn_error *err, xn_status st, const char *where, const char *fmt, ...);

/* xn_fail for an error that concerns one element (a DoF, a row, a link): err->index. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
xn_status
xn_fail_at(xn_error *err, xn_status st, const char *where, int index, const char *fmt, ...);

/* The same with the message's arguments already in a va_list. */
xn_status xn_fail_v(xn_error *err, xn_status st, const char *where, int index, const char *fmt,
                    va_list ap);

#endif
