/* A small JSON reader (see json.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include "io/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *s;
    size_t len, pos;
    char *err;
    size_t errcap;
    int failed;
} parser;

static void fail(parser *p, const char *what) {
    if (p->failed) return;
    p->failed = 1;
    int line = 1;
    for (size_t i = 0; i < p->pos && i < p->len; i++)
        if (p->s[i] == '\n') line++;
    if (p->err)
        snprintf(p->err, p->errcap, "JSON error at line %d (byte %zu): %s", line, p->pos, what);
}

static void skip_ws(parser *p) {
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            p->pos++;
        else
            break;
    }
}

static int parse_value(parser *p, xn_json *out, int depth);

/* The length of the RFC 8259 number at the start of t: [-] (0 | [1-9][0-9]*) [. [0-9]+]
 * [(e|E) [+|-] [0-9]+]; 0 when there is none. strtod alone would take "01", "1." and ".5". */
static size_t number_length(const char *t) {
    size_t i = 0;
    if (t[i] == '-') i++;
    if (t[i] == '0')
        i++;
    else if (t[i] >= '1' && t[i] <= '9')
        while (t[i] >= '0' && t[i] <= '9') i++;
    else
        return 0;
    if (t[i] == '.') {
        if (!(t[++i] >= '0' && t[i] <= '9')) return 0;
        while (t[i] >= '0' && t[i] <= '9') i++;
    }
    if (t[i] == 'e' || t[i] == 'E') {
        i++;
        if (t[i] == '+' || t[i] == '-') i++;
        if (!(t[i] >= '0' && t[i] <= '9')) return 0;
        while (t[i] >= '0' && t[i] <= '9') i++;
    }
    return i;
}

static char *parse_string_raw(parser *p) {
    /* p->s[p->pos] == '"' */
    p->pos++;
    size_t cap = 16, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fail(p, "out of memory");
        return NULL;
    }
    while (p->pos < p->len) {
        char c = p->s[p->pos++];
        if (c == '"') {
            buf[n] = 0;
            return buf;
        }
        if ((unsigned char)c < 0x20) {
            fail(p, "control character in string");
            break;
        }
        if (c == '\\') {
            if (p->pos >= p->len) break;
            char e = p->s[p->pos++];
            switch (e) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case '/': c = '/'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u': {
                if (p->pos + 4 > p->len) {
                    fail(p, "bad \\u escape");
                    free(buf);
                    return NULL;
                }
                unsigned v = 0;
                for (int i = 0; i < 4; i++) {
                    char h = p->s[p->pos++];
                    v <<= 4;
                    if (h >= '0' && h <= '9')
                        v |= (unsigned)(h - '0');
                    else if (h >= 'a' && h <= 'f')
                        v |= (unsigned)(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F')
                        v |= (unsigned)(h - 'A' + 10);
                    else {
                        fail(p, "bad \\u escape");
                        free(buf);
                        return NULL;
                    }
                }
                c = v < 0x80 ? (char)v : '?'; /* names here are ASCII; others become '?' */
                break;
            }
            default:
                fail(p, "bad escape in string");
                free(buf);
                return NULL;
            }
        }
        if (n + 2 > cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                fail(p, "out of memory");
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        buf[n++] = c;
    }
    fail(p, "unterminated string");
    free(buf);
    return NULL;
}

static int push_item(parser *p, xn_json *arr, int *cap) {
    if (arr->n >= *cap) {
        int nc = *cap ? *cap * 2 : 4;
        xn_json *ni = realloc(arr->items, sizeof(xn_json) * (size_t)nc);
        if (!ni) {
            fail(p, "out of memory");
            return -1;
        }
        arr->items = ni;
        if (arr->type == XN_JSON_OBJECT) {
            char **nk = realloc(arr->keys, sizeof(char *) * (size_t)nc);
            if (!nk) {
                fail(p, "out of memory");
                return -1;
            }
            arr->keys = nk;
        }
        *cap = nc;
    }
    memset(&arr->items[arr->n], 0, sizeof(xn_json));
    return arr->n++;
}

static int parse_container(parser *p, xn_json *out, int depth, int is_obj) {
    out->type = is_obj ? XN_JSON_OBJECT : XN_JSON_ARRAY;
    p->pos++;
    int cap = 0;
    skip_ws(p);
    char close = is_obj ? '}' : ']';
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return 0;
    }
    for (;;) {
        skip_ws(p);
        char *key = NULL;
        if (is_obj) {
            if (p->pos >= p->len || p->s[p->pos] != '"') {
                fail(p, "expected a string key");
                return -1;
            }
            key = parse_string_raw(p);
            if (!key) return -1;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                free(key);
                fail(p, "expected ':'");
                return -1;
            }
            p->pos++;
        }
        int i = push_item(p, out, &cap);
        if (i < 0) {
            free(key);
            return -1;
        }
        if (is_obj) out->keys[i] = key;
        if (parse_value(p, &out->items[i], depth + 1)) return -1;
        skip_ws(p);
        if (p->pos >= p->len) {
            fail(p, "unexpected end of input");
            return -1;
        }
        char c = p->s[p->pos++];
        if (c == ',') continue;
        if (c == close) return 0;
        fail(p, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
        return -1;
    }
}

static int parse_value(parser *p, xn_json *out, int depth) {
    if (depth > 256) {
        fail(p, "nesting too deep");
        return -1;
    }
    skip_ws(p);
    if (p->pos >= p->len) {
        fail(p, "unexpected end of input");
        return -1;
    }
    char c = p->s[p->pos];
    if (c == '{' || c == '[') return parse_container(p, out, depth, c == '{');
    if (c == '"') {
        out->type = XN_JSON_STRING;
        out->str = parse_string_raw(p);
        return out->str ? 0 : -1;
    }
    static const struct {
        const char *word;
        xn_json_type t;
        double v;
    } words[3] = {{"true", XN_JSON_BOOL, 1}, {"false", XN_JSON_BOOL, 0}, {"null", XN_JSON_NULL, 0}};
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(words[i].word);
        if (p->len - p->pos >= n && memcmp(p->s + p->pos, words[i].word, n) == 0) {
            out->type = words[i].t;
            out->num = words[i].v;
            p->pos += n;
            return 0;
        }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        /* copy the number's characters so strtod cannot read past the buffer */
        char tmp[64];
        size_t n = 0;
        while (p->pos + n < p->len && n < sizeof tmp - 1) {
            char d = p->s[p->pos + n];
            if ((d >= '0' && d <= '9') || d == '-' || d == '+' || d == '.' || d == 'e' || d == 'E')
                tmp[n++] = d;
            else
                break;
        }
        tmp[n] = 0;
        char *end;
        double v = strtod(tmp, &end);
        if (end == tmp || number_length(tmp) != n || (size_t)(end - tmp) != n || !isfinite(v)) {
            fail(p, "bad number");
            return -1;
        }
        out->type = XN_JSON_NUMBER;
        out->num = v;
        p->pos += (size_t)(end - tmp);
        return 0;
    }
    fail(p, "unexpected character");
    return -1;
}

static void free_inner(xn_json *j) {
    if (j->type == XN_JSON_STRING) free(j->str);
    if (j->type == XN_JSON_ARRAY || j->type == XN_JSON_OBJECT) {
        for (int i = 0; i < j->n; i++) {
            free_inner(&j->items[i]);
            if (j->keys) free(j->keys[i]);
        }
        free(j->items);
        free(j->keys);
    }
}

void xn_json_free(xn_json *j) {
    if (!j) return;
    free_inner(j);
    free(j);
}

xn_json *xn_json_parse(const char *text, size_t len, char *errbuf, size_t errcap) {
    parser p = {text, len, 0, errbuf, errcap, 0};
    xn_json *root = calloc(1, sizeof *root);
    if (!root) return NULL;
    if (parse_value(&p, root, 0) == 0) {
        skip_ws(&p);
        if (p.pos < p.len) fail(&p, "trailing characters after the value");
    }
    if (p.failed) {
        xn_json_free(root);
        return NULL;
    }
    return root;
}

const xn_json *xn_json_get(const xn_json *obj, const char *key) {
    if (!obj || obj->type != XN_JSON_OBJECT) return NULL;
    for (int i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0) return &obj->items[i];
    return NULL;
}

int xn_json_reals(const xn_json *j, double *out, int cap) {
    if (!j || j->type != XN_JSON_ARRAY) return -1;
    for (int i = 0; i < j->n; i++) {
        if (j->items[i].type != XN_JSON_NUMBER) return -1;
        if (i < cap) out[i] = j->items[i].num;
    }
    return j->n;
}
