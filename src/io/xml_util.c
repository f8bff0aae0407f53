/* XML helpers for the loaders (see xml_util.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include "io/xml_util.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void copy_name(char *dst, size_t cap, const char *src) {
    snprintf(dst, cap, "%s", src ? src : "");
}

/* libxml2 reports some problems (bad encodings, I/O) through its generic error handler, which
 * prints to stderr; a library must not print, so the handler is silenced around each parse (the
 * handler is per thread in libxml2, and restored afterwards). The error still reaches the
 * parser context, where xn_xml_read picks it up. */
static void xn_xml_silent(void *ctx, const char *msg, ...) {
    (void)ctx;
    (void)msg;
}

xmlDocPtr xn_xml_read(const char *buf, size_t len, const char *name, xn_error *err) {
    if (len > (size_t)0x7fffffff) {
        err->index = -1;
        copy_name(err->file, sizeof err->file, name);
        err->line = 0;
        snprintf(err->message, sizeof err->message, "file too large");
        return NULL;
    }
    xmlGenericErrorFunc old_handler = xmlGenericError;
    void *old_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, xn_xml_silent);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        xmlSetGenericErrorFunc(old_ctx, old_handler);
        err->index = -1;
        copy_name(err->file, sizeof err->file, name);
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    /* no network, no entity substitution (no billion-laughs), big line numbers */
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, buf, (int)len, name, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                          XML_PARSE_BIG_LINES);
    if (!doc || !xmlDocGetRootElement(doc)) {
        err->index = -1;
        copy_name(err->file, sizeof err->file, name);
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        err->line = e ? e->line : 0;
        const char *msg = e && e->message ? e->message : "empty document";
        snprintf(err->message, sizeof err->message, "malformed XML: %s", msg);
        /* drop libxml2's trailing newline */
        size_t n = strlen(err->message);
        while (n > 0 && (err->message[n - 1] == '\n' || err->message[n - 1] == '\r'))
            err->message[--n] = 0;
        if (doc) xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    xmlSetGenericErrorFunc(old_ctx, old_handler);
    return doc;
}

/* Model files are small; a larger "file" is a mistake (or /dev/zero in an include). */
#define XN_MAX_MODEL_FILE (256L << 20)

char *xn_io_read_file(const char *path, size_t *len, xn_error *err) {
    FILE *f = fopen(path, "rb");
    struct stat sb;
    const char *why = NULL;
    if (!f)
        why = strerror(errno);
    else if (fstat(fileno(f), &sb) != 0)
        why = strerror(errno);
    else if (!S_ISREG(sb.st_mode))
        why = "not a regular file";
    else if (sb.st_size > XN_MAX_MODEL_FILE)
        why = "larger than 256 MiB";
    if (why) {
        if (f) fclose(f);
        err->index = -1;
        copy_name(err->file, sizeof err->file, path);
        err->line = 0;
        snprintf(err->message, sizeof err->message, "cannot open file: %s", why);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf && n < (size_t)XN_MAX_MODEL_FILE) {
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
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        err->index = -1;
        copy_name(err->file, sizeof err->file, path);
        err->line = 0;
        snprintf(err->message, sizeof err->message, bad ? "read error" : "out of memory");
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

xn_status xn_xml_fail(const xn_xml_ctx *c, const xmlNode *node, xn_status st, const char *fmt,
                      ...) {
    if (c->err) {
        /* nodes spliced in from an <include> carry their own file name */
        const char *file = node && node->_private ? (const char *)node->_private : c->file;
        c->err->index = -1;
        copy_name(c->err->file, sizeof c->err->file, file);
        c->err->line = node ? (int)xmlGetLineNo(node) : 0;
        if (c->err->line < 0) c->err->line = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err->message, sizeof c->err->message, fmt, ap);
        va_end(ap);
    }
    return st;
}

int xn_xml_is(const xmlNode *n, const char *name) {
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

xmlNode *xn_xml_next(const xmlNode *n, const char *name) {
    for (xmlNode *s = n ? n->next : NULL; s; s = s->next)
        if (s->type == XML_ELEMENT_NODE && (!name || strcmp((const char *)s->name, name) == 0))
            return s;
    return NULL;
}

xmlNode *xn_xml_first(const xmlNode *n, const char *name) {
    for (xmlNode *s = n ? n->children : NULL; s; s = s->next)
        if (s->type == XML_ELEMENT_NODE && (!name || strcmp((const char *)s->name, name) == 0))
            return s;
    return NULL;
}

xmlNode *xn_xml_child(const xmlNode *n, const char *name) { return xn_xml_first(n, name); }

const char *xn_xml_attr(const xmlNode *n, const char *name) {
    for (xmlAttr *a = n->properties; a; a = a->next) {
        if (strcmp((const char *)a->name, name) == 0) {
            if (a->children && a->children->type == XML_TEXT_NODE && a->children->content)
                return (const char *)a->children->content;
            return "";
        }
    }
    return NULL;
}

int xn_xml_reals_var(const xn_xml_ctx *c, const xmlNode *node, const char *name, int max,
                     xn_real *out, int *count) {
    const char *s = xn_xml_attr(node, name);
    if (!s) return 1;
    int k = 0;
    const char *p = s;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ',') p++;
        if (!*p) break;
        char *end;
        errno = 0;
        double x = strtod(p, &end);
        if (end == p)
            return xn_xml_fail(c, node, XN_ERR_PARSE,
                               "<%s> attribute %s=\"%.60s\": '%.20s' is not a number",
                               (const char *)node->name, name, s, p);
        if (!isfinite(x))
            return xn_xml_fail(c, node, XN_ERR_RANGE,
                               "<%s> attribute %s=\"%.60s\": value is not finite",
                               (const char *)node->name, name, s);
        if (k >= max)
            return xn_xml_fail(c, node, XN_ERR_PARSE,
                               "<%s> attribute %s=\"%.60s\": more than %d numbers",
                               (const char *)node->name, name, s, max);
        out[k++] = x;
        p = end;
    }
    if (k == 0)
        return xn_xml_fail(c, node, XN_ERR_PARSE, "<%s> attribute %s is empty",
                           (const char *)node->name, name);
    *count = k;
    return XN_OK;
}

int xn_xml_reals(const xn_xml_ctx *c, const xmlNode *node, const char *name, int n, xn_real *out) {
    xn_real tmp[16];
    int k = 0;
    if (n > 16) n = 16;
    int st = xn_xml_reals_var(c, node, name, n, tmp, &k);
    if (st != XN_OK) {
        if (st == XN_ERR_PARSE && xn_xml_attr(node, name) && c->err &&
            strstr(c->err->message, "more than"))
            return xn_xml_fail(c, node, XN_ERR_PARSE, "<%s> attribute %s: expected %d numbers",
                               (const char *)node->name, name, n);
        return st;
    }
    if (k != n)
        return xn_xml_fail(c, node, XN_ERR_PARSE,
                           "<%s> attribute %s=\"%.60s\": expected %d numbers, got %d",
                           (const char *)node->name, name, xn_xml_attr(node, name), n, k);
    memcpy(out, tmp, sizeof(xn_real) * (size_t)n);
    return XN_OK;
}
