/* The one way an API call reports what went wrong: an xn_status and, when the caller passed an
 * xn_error, the function's name in `file` (line 0) and the parameter and reason in `message`.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ERROR_INTERNAL_H
#define XN_ERROR_INTERNAL_H

#include "xiaonao/types.h"

/* Fills err (may be NULL) and returns st. `where` is the public function's name. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
xn_status
xn_fail(xn_error *err, xn_status st, const char *where, const char *fmt, ...);

#endif
