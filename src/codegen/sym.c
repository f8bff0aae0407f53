/* The expression graph: folding, sharing and writing out. SPDX-License-Identifier: Apache-2.0 */
#include "codegen/sym.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t node_hash(const xs_node *n) {
    uint64_t bits;
    memcpy(&bits, &n->value, sizeof bits);
    uint64_t h = 1469598103934665603ull;
    uint64_t parts[4] = {(uint64_t)n->op, (uint64_t)(uint32_t)n->a, (uint64_t)(uint32_t)n->b, bits};
    for (int i = 0; i < 4; i++) {
        h ^= parts[i];
        h *= 1099511628211ull;
        h ^= h >> 29;
    }
    return h;
}

static int same(const xs_node *x, const xs_node *y) {
    return x->op == y->op && x->a == y->a && x->b == y->b &&
           memcmp(&x->value, &y->value, sizeof x->value) == 0;
}

static int rehash(xs_graph *g, int hcap) {
    int *h = calloc((size_t)hcap, sizeof *h);
    if (!h) return -1;
    for (int i = 0; i < g->n; i++) {
        size_t k = (size_t)(node_hash(&g->node[i]) & (uint64_t)(hcap - 1));
        while (h[k]) k = (k + 1) & (size_t)(hcap - 1);
        h[k] = i + 1;
    }
    free(g->hash);
    g->hash = h;
    g->hcap = hcap;
    return 0;
}

/* The node equal to n, recorded if new. */
static xs intern(xs_graph *g, xs_node n) {
    if (g->nomem) return 0;
    size_t mask = (size_t)(g->hcap - 1);
    size_t k = (size_t)(node_hash(&n) & (uint64_t)mask);
    while (g->hash[k]) {
        if (same(&g->node[g->hash[k] - 1], &n)) return g->hash[k] - 1;
        k = (k + 1) & mask;
    }
    if (g->n == g->cap) {
        int cap = 2 * g->cap;
        xs_node *p = realloc(g->node, (size_t)cap * sizeof *p);
        if (!p) return g->nomem = 1, 0;
        g->node = p;
        g->cap = cap;
    }
    g->node[g->n] = n;
    xs id = g->n++;
    if (2 * g->n > g->hcap) { /* keep the table at most half full */
        if (rehash(g, 2 * g->hcap) != 0) return g->nomem = 1, 0;
    } else {
        g->hash[k] = id + 1;
    }
    return id;
}

int xs_init(xs_graph *g) {
    memset(g, 0, sizeof *g);
    g->cap = 1024;
    g->hcap = 4096;
    g->node = malloc((size_t)g->cap * sizeof *g->node);
    g->hash = calloc((size_t)g->hcap, sizeof *g->hash);
    if (!g->node || !g->hash) {
        xs_free(g);
        return -1;
    }
    g->zero = xs_const(g, 0);
    g->one = xs_const(g, 1);
    return 0;
}

void xs_free(xs_graph *g) {
    free(g->node);
    free(g->hash);
    g->node = NULL;
    g->hash = NULL;
}

static xs_node mk(xs_op op, int a, int b, double v) {
    xs_node n;
    memset(&n, 0, sizeof n);
    n.op = op;
    n.a = a;
    n.b = b;
    n.value = v;
    return n;
}

xs xs_const(xs_graph *g, double v) {
    if (v == 0) v = 0; /* -0 and 0 are one constant */
    return intern(g, mk(XS_CONST, 0, 0, v));
}

xs xs_in(xs_graph *g, int array, int index) { return intern(g, mk(XS_IN, array, index, 0)); }

static int is_const(const xs_graph *g, xs x) { return g->node[x].op == XS_CONST; }
static double cval(const xs_graph *g, xs x) { return g->node[x].value; }

int xs_is(const xs_graph *g, xs x, double v) { return is_const(g, x) && cval(g, x) == v; }

xs xs_neg(xs_graph *g, xs a) {
    if (g->nomem) return 0;
    if (is_const(g, a)) return xs_const(g, -cval(g, a));
    if (g->node[a].op == XS_NEG) return g->node[a].a;
    if (g->node[a].op == XS_SUB) /* -(x - y) = y - x */
        return intern(g, mk(XS_SUB, g->node[a].b, g->node[a].a, 0));
    return intern(g, mk(XS_NEG, a, 0, 0));
}

xs xs_add(xs_graph *g, xs a, xs b) {
    if (g->nomem) return 0;
    if (is_const(g, a) && is_const(g, b)) return xs_const(g, cval(g, a) + cval(g, b));
    if (xs_is(g, a, 0)) return b;
    if (xs_is(g, b, 0)) return a;
    if (g->node[b].op == XS_NEG) return xs_sub(g, a, g->node[b].a);
    if (g->node[a].op == XS_NEG) return xs_sub(g, b, g->node[a].a);
    if (a > b) { /* commutative: one order, so that a + b and b + a are one node */
        xs t = a;
        a = b;
        b = t;
    }
    return intern(g, mk(XS_ADD, a, b, 0));
}

xs xs_sub(xs_graph *g, xs a, xs b) {
    if (g->nomem) return 0;
    if (is_const(g, a) && is_const(g, b)) return xs_const(g, cval(g, a) - cval(g, b));
    if (xs_is(g, b, 0)) return a;
    if (xs_is(g, a, 0)) return xs_neg(g, b);
    if (a == b) return g->zero;
    if (g->node[b].op == XS_NEG) return xs_add(g, a, g->node[b].a);
    if (g->node[a].op == XS_NEG) return xs_neg(g, xs_add(g, g->node[a].a, b));
    return intern(g, mk(XS_SUB, a, b, 0));
}

xs xs_mul(xs_graph *g, xs a, xs b) {
    if (g->nomem) return 0;
    if (is_const(g, a) && is_const(g, b)) return xs_const(g, cval(g, a) * cval(g, b));
    if (is_const(g, b)) { /* the constant first */
        xs t = a;
        a = b;
        b = t;
    }
    if (is_const(g, a)) {
        double c = cval(g, a);
        if (c == 0) return g->zero;
        if (c == 1) return b;
        if (c == -1) return xs_neg(g, b);
        if (g->node[b].op == XS_NEG) return xs_mul(g, xs_const(g, -c), g->node[b].a);
        return intern(g, mk(XS_MUL, a, b, 0));
    }
    int na = g->node[a].op == XS_NEG, nb = g->node[b].op == XS_NEG;
    if (na || nb) { /* (-x) y = -(x y): the sign moves out, where a sum can absorb it */
        xs x = na ? g->node[a].a : a, y = nb ? g->node[b].a : b;
        xs p = xs_mul(g, x, y);
        return na != nb ? xs_neg(g, p) : p;
    }
    if (a > b) {
        xs t = a;
        a = b;
        b = t;
    }
    return intern(g, mk(XS_MUL, a, b, 0));
}

xs xs_div(xs_graph *g, xs a, xs b) {
    if (g->nomem) return 0;
    if (is_const(g, a) && is_const(g, b)) return xs_const(g, cval(g, a) / cval(g, b));
    if (xs_is(g, b, 1)) return a;
    if (xs_is(g, a, 0)) return g->zero;
    return intern(g, mk(XS_DIV, a, b, 0));
}

static xs unary(xs_graph *g, xs_op op, xs a, double (*fn)(double)) {
    if (g->nomem) return 0;
    if (is_const(g, a)) return xs_const(g, fn(cval(g, a)));
    return intern(g, mk(op, a, 0, 0));
}

xs xs_sqrt(xs_graph *g, xs a) { return unary(g, XS_SQRT, a, sqrt); }
xs xs_sin(xs_graph *g, xs a) { return unary(g, XS_SIN, a, sin); }
xs xs_cos(xs_graph *g, xs a) { return unary(g, XS_COS, a, cos); }

xs xs_mul_add(xs_graph *g, xs a, xs b, xs c, xs d) {
    return xs_add(g, xs_mul(g, a, b), xs_mul(g, c, d));
}

xs xs_mul_sub(xs_graph *g, xs a, xs b, xs c, xs d) {
    return xs_sub(g, xs_mul(g, a, b), xs_mul(g, c, d));
}

/* ---- writing out ---- */

/* A constant as a C literal that parses back to the same value in the generated type. */
static void literal(double v, int single, char *buf, size_t n) {
    char num[40];
    snprintf(num, sizeof num, single ? "%.9g" : "%.17g", single ? (double)(float)v : v);
    int has_point = strpbrk(num, ".eEn") != NULL; /* no "nan"/"inf": xs_emit refuses them */
    snprintf(buf, n, "%s%s%s%s%s", v < 0 ? "(" : "", num, has_point ? "" : ".0", single ? "f" : "",
             v < 0 ? ")" : "");
}

static void operand(const xs_graph *g, xs x, const xs_emit_style *st, char *buf, size_t n) {
    const xs_node *nd = &g->node[x];
    if (nd->op == XS_CONST)
        literal(nd->value, st->single, buf, n);
    else if (nd->op == XS_IN)
        snprintf(buf, n, st->may_alias ? "%s_%d" : "%s[%d]", st->inputs[nd->a], nd->b);
    else
        snprintf(buf, n, "t%d", x);
}

int xs_emit(xs_graph *g, const xs_out *out, int nout, const xs_emit_style *st, FILE *f,
            xs_counts *counts) {
    if (g->nomem) return -1;
    unsigned char *live = calloc((size_t)g->n, 1);
    if (!live) return -1;
    for (int i = 0; i < nout; i++) live[out[i].x] = 1;

    /* operands precede their nodes, so one backward sweep marks everything needed */
    for (int i = g->n - 1; i >= 0; i--) {
        if (!live[i]) continue;
        const xs_node *nd = &g->node[i];
        if (nd->op == XS_CONST || nd->op == XS_IN) continue;
        live[nd->a] = 1;
        if (nd->op == XS_ADD || nd->op == XS_SUB || nd->op == XS_MUL || nd->op == XS_DIV)
            live[nd->b] = 1;
    }
    for (int i = 0; i < g->n; i++) /* a literal "inf" would not compile: refuse it here */
        if (live[i] && g->node[i].op == XS_CONST && !isfinite(g->node[i].value)) {
            free(live);
            return -2;
        }
    xs_counts c;
    memset(&c, 0, sizeof c);
    const char *sfx = st->single ? "f" : "";
    /* outputs by the node that gives them (a chain through `next`), stored right after it */
    int *first = NULL, *next = NULL;
    if (!st->may_alias) {
        first = malloc((size_t)g->n * sizeof *first);
        next = malloc((size_t)(nout > 0 ? nout : 1) * sizeof *next);
        if (!first || !next) {
            free(first), free(next), free(live);
            return -1;
        }
        for (int i = 0; i < g->n; i++) first[i] = -1;
        for (int i = nout - 1; i >= 0; i--) {
            next[i] = first[out[i].x];
            first[out[i].x] = i;
        }
    }
    /* the sine and the cosine of one angle: one call gives both, at the first of them */
    int *partner = malloc((size_t)g->n * sizeof *partner), *by_angle = NULL;
    by_angle = partner ? malloc((size_t)g->n * sizeof *by_angle) : NULL;
    if (!partner || !by_angle) {
        free(partner), free(by_angle), free(first), free(next), free(live);
        return -1;
    }
    for (int i = 0; i < g->n; i++) partner[i] = by_angle[i] = -1;
    for (int i = 0; i < g->n; i++) {
        const xs_node *nd = &g->node[i];
        if (!live[i] || (nd->op != XS_SIN && nd->op != XS_COS)) continue;
        int j = by_angle[nd->a];
        if (j >= 0 && g->node[j].op != nd->op) {
            partner[i] = j;
            partner[j] = i;
        } else {
            by_angle[nd->a] = i;
        }
    }
    free(by_angle);
    for (int i = 0; st->may_alias && i < g->n; i++)
        if (live[i] && g->node[i].op == XS_IN)
            fprintf(f, "    const %s %s_%d = %s[%d];\n", st->real, st->inputs[g->node[i].a],
                    g->node[i].b, st->inputs[g->node[i].a], g->node[i].b);
    for (int i = 0; i < g->n; i++) {
        const xs_node *nd = &g->node[i];
        if (!live[i] || nd->op == XS_CONST || nd->op == XS_IN) continue;
        char a[64], b[64];
        if (nd->op == XS_SIN || nd->op == XS_COS) {
            int j = partner[i];
            if (j >= 0 && j < i) continue; /* written with its partner */
            operand(g, nd->a, st, a, sizeof a);
            int s = nd->op == XS_SIN ? i : j, co = nd->op == XS_COS ? i : j;
            fprintf(f, "    %s t%d, t%d;\n    %s(%s, &t%d, &t%d);\n", st->real,
                    s >= 0 ? s : g->n + i, co >= 0 ? co : g->n + i, st->sincos, a,
                    s >= 0 ? s : g->n + i, co >= 0 ? co : g->n + i);
            c.trig++;
            c.temps++;
            for (int m = 0; m < 2; m++) { /* outputs given by either */
                int node = m ? j : i;
                for (int k = node >= 0 && first ? first[node] : -1; k >= 0; k = next[k])
                    fprintf(f, "    %s[%d] = t%d;\n", out[k].array, out[k].index, node);
            }
            continue;
        }
        operand(g, nd->a, st, a, sizeof a);
        if (nd->op == XS_ADD || nd->op == XS_SUB || nd->op == XS_MUL || nd->op == XS_DIV)
            operand(g, nd->b, st, b, sizeof b);
        fprintf(f, "    const %s t%d = ", st->real, i);
        switch (nd->op) {
        case XS_ADD: fprintf(f, "%s + %s;\n", a, b), c.add++; break;
        case XS_SUB: fprintf(f, "%s - %s;\n", a, b), c.add++; break;
        case XS_MUL: fprintf(f, "%s * %s;\n", a, b), c.mul++; break;
        case XS_DIV: fprintf(f, "%s / %s;\n", a, b), c.div++; break;
        case XS_NEG: fprintf(f, "-%s;\n", a); break;
        case XS_SQRT: fprintf(f, "sqrt%s(%s);\n", sfx, a), c.sqrt++; break;
        default: break;
        }
        c.temps++;
        for (int k = first ? first[i] : -1; k >= 0; k = next[k]) {
            operand(g, i, st, a, sizeof a);
            fprintf(f, "    %s[%d] = %s;\n", out[k].array, out[k].index, a);
        }
    }
    for (int i = 0; i < nout; i++) { /* the rest: constants, inputs passed through, or all */
        int op = g->node[out[i].x].op;
        if (!st->may_alias && op != XS_CONST && op != XS_IN) continue;
        char a[64];
        operand(g, out[i].x, st, a, sizeof a);
        fprintf(f, "    %s[%d] = %s;\n", out[i].array, out[i].index, a);
    }
    free(partner);
    free(first);
    free(next);
    free(live);
    if (counts) *counts = c;
    return ferror(f) ? -1 : 0;
}
