/* xiaonao: basic types shared by every module: the real type, status codes, error records.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_TYPES_H
#define XIAONAO_TYPES_H

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

/** The floating-point type of every computation: double precision, or single where the
 * library is built with XN_REAL_FLOAT defined (for a microcontroller whose FPU has only single
 * precision, e.g. a Cortex-M4F; docs/embedded.md says what is built and checked that way). The
 * whole library and every program using it must agree on it. */
#ifdef XN_REAL_FLOAT
typedef float xn_real;
#else
typedef double xn_real;
#endif

/** Status of a call that can fail: 0 is success, negative values are errors. */
typedef enum {
    XN_OK = 0,
    XN_ERR_IO = -1,          /**< a file could not be opened or read */
    XN_ERR_PARSE = -2,       /**< malformed text (XML, JSON, number) */
    XN_ERR_INVALID = -3,     /**< well-formed but physically or logically invalid input */
    XN_ERR_NOMEM = -4,       /**< an allocation failed (only at load or creation time) */
    XN_ERR_UNSUPPORTED = -5, /**< a feature this library does not implement */
    XN_ERR_RANGE = -6,       /**< a value outside its allowed range (NaN, negative mass, ...) */
    XN_ERR_NOT_FOUND = -7,   /**< a named entity (frame, joint, file) does not exist */
    XN_ERR_SIZE = -8,        /**< an array of the wrong length */
    XN_ERR_NUMERIC = -9,     /**< a numerical failure (matrix not positive definite, ...) */
    XN_ERR_TIMEOUT = -10,    /**< a device did not act within the time allowed */
    XN_ERR_INFEASIBLE = -11, /**< the constraints admit no solution (a QP, a motion) */
    XN_ERR_ITERATIONS = -12, /**< an iterative solver stopped at its iteration limit */
    XN_ERR_STATE = -13       /**< not now: the object's state does not allow the call (a
                                  program given while another runs, or with no `stream` line) */
} xn_status;

/** A short English name of a status code, e.g. "parse error". Never NULL. */
const char *xn_status_str(xn_status s);

/** Where and why a call failed. Loaders name the file and line; other calls (creators, checks of
 * a configuration, solvers) put their own function's name in `file`, with `line` 0, and name the
 * offending parameter in `message`. Functions that take an xn_error* accept NULL and write it
 * only when they fail.
 *
 * The convention of the whole API: every function that can fail returns an xn_status (XN_OK or
 * a negative code) and fills an xn_error; a creator returns its object through an out pointer.
 * The exceptions are creators whose only failure is memory (xn_data_create, xn_builder_create,
 * xn_otg_workspace_create, xn_locomotion_hook_create): they return NULL for it. */
typedef struct {
    char file[256];    /**< the file the error is in (may be an included file), or the function */
    int line;          /**< 1-based line in that file, 0 if unknown */
    int index;         /**< the element it concerns when there is one (a trajectory's DoF, a
                            constraint's row, a builder's link), else -1 */
    char message[512]; /**< what is wrong, in words a person can act on */
} xn_error;

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
