/* Helpers for the XML loaders: element iteration, attribute parsing with exact error reports
 * (file, line, reason), document loading with libxml2's network access off.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_XML_UTIL_H
#define XN_XML_UTIL_H

#include <libxml/tree.h>

#include "xiaonao/types.h"

typedef struct {
    const char *file; /* current file, for messages */
    xn_error *err;
} xn_xml_ctx;

/* Parse a document from memory; on failure fill err with the line and libxml2's message. */
xmlDocPtr xn_xml_read(const char *buf, size_t len, const char *name, xn_error *err);
/* Read a whole regular file (at most 256 MiB) into a new NUL-terminated buffer (caller frees).
 * NULL + err (file and reason) on failure. Used by the loaders and by the xn command. */
char *xn_io_read_file(const char *path, size_t *len, xn_error *err);

/* Record an error at a node's line; returns st. */
xn_status xn_xml_fail(const xn_xml_ctx *c, const xmlNode *node, xn_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Element-name test (local name, namespaces ignored). */
int xn_xml_is(const xmlNode *n, const char *name);
/* First element child with that name, or NULL. */
xmlNode *xn_xml_child(const xmlNode *n, const char *name);
/* Next element sibling after n with that name (NULL name: any element), or NULL. */
xmlNode *xn_xml_next(const xmlNode *n, const char *name);
/* First element child (NULL name: any). */
xmlNode *xn_xml_first(const xmlNode *n, const char *name);
/* Attribute value (owned by the document), or NULL. */
const char *xn_xml_attr(const xmlNode *n, const char *name);

/* Parse exactly `n` finite reals from attribute `name`. Returns XN_OK when present and valid,
 * 1 when absent (out untouched), or a negative status with the error recorded. */
int xn_xml_reals(const xn_xml_ctx *c, const xmlNode *node, const char *name, int n, xn_real *out);
/* Parse between 1 and `max` reals; *count receives how many. Same returns as xn_xml_reals. */
int xn_xml_reals_var(const xn_xml_ctx *c, const xmlNode *node, const char *name, int max,
                     xn_real *out, int *count);

#endif
