/* A small JSON reader (RFC 8259) for the command-line tools and tests: reference data, JSON-lines
 * case files. Builds a tree; not for the control path.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_JSON_H
#define XN_JSON_H

#include <stddef.h>

typedef enum {
    XN_JSON_NULL,
    XN_JSON_BOOL,
    XN_JSON_NUMBER,
    XN_JSON_STRING,
    XN_JSON_ARRAY,
    XN_JSON_OBJECT
} xn_json_type;

typedef struct xn_json {
    xn_json_type type;
    double num;            /* NUMBER, and BOOL as 0/1 */
    char *str;             /* STRING */
    int n;                 /* ARRAY / OBJECT: number of items */
    struct xn_json *items; /* ARRAY / OBJECT items */
    char **keys;           /* OBJECT keys, parallel to items */
} xn_json;

/* Parse text of length len. Returns NULL on error, with a message naming the byte offset (and
 * line) in errbuf. Nesting deeper than 256 is an error. */
xn_json *xn_json_parse(const char *text, size_t len, char *errbuf, size_t errcap);
void xn_json_free(xn_json *j);
/* Member of an object, or NULL. */
const xn_json *xn_json_get(const xn_json *obj, const char *key);
/* Copy an array of numbers into out (at most cap); returns the array's length, or -1 if j is not
 * an array of numbers. */
int xn_json_reals(const xn_json *j, double *out, int cap);

#endif
