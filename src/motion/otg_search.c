/* The bounded search shared by steps 1 and 2: a candidate family is a function from one unknown
 * to a profile; its roots (end position = target) are bracketed by sampling, piece by piece
 * between known breakpoints, and refined by bisection; each root's profile is checked, and the
 * shortest valid one kept. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>

#include "math/sort_inline.h"
#include "motion/otg_internal.h"

void xn_otg_search_init(xn_otg_search *sr, xn_real *valid, xn_otg_segments *valid_profiles,
                        int cap) {
    sr->duration = INFINITY;
    sr->best.n = 0;
    sr->valid = valid;
    sr->valid_profiles = valid_profiles;
    sr->nvalid = 0;
    sr->capvalid = cap;
}

void xn_otg_consider(const xn_otg_dof *d, const xn_otg_segments *s, xn_otg_search *sr) {
    xn_real T = 0;
    for (int i = 0; i < s->n; i++) T += s->t[i];
    if (!(T < sr->duration) && !sr->valid) return;
    if (!xn_otg_check(d, s)) return;
    if (T < sr->duration) {
        sr->duration = T;
        sr->best = *s;
    }
    if (sr->valid) {
        for (int i = 0; i < sr->nvalid; i++)
            if (fabs(sr->valid[i] - T) <= 1e-9 * xn_otg_max(1, T)) return;
        if (sr->nvalid < sr->capvalid) {
            if (sr->valid_profiles) sr->valid_profiles[sr->nvalid] = *s;
            sr->valid[sr->nvalid++] = T;
        }
    }
}

static xn_real residual(const xn_otg_dof *d, xn_otg_family f, const void *ctx, xn_real x) {
    xn_otg_segments s;
    if (!f(ctx, x, &s)) return NAN;
    return xn_otg_residual(d, &s);
}

static void scan(const xn_otg_dof *d, xn_otg_family f, const void *ctx, xn_real lo, xn_real hi,
                 int samples, xn_otg_search *sr) {
    xn_real xp = lo, fp = residual(d, f, ctx, lo);
    for (int i = 1; i <= samples; i++) {
        xn_real x = lo + (hi - lo) * i / samples, fx = residual(d, f, ctx, x);
        xn_real root = NAN;
        if (fp == 0) {
            root = xp;
        } else if (isfinite(fp) && isfinite(fx) && (fp < 0) != (fx < 0)) {
            xn_real a = xp, b = x, fa = fp;
            for (int it = 0; it < XN_OTG_ROOT_BISECTIONS && b - a > 1e-15 * xn_otg_max(1, fabs(a));
                 it++) {
                xn_real mid = 0.5 * (a + b), fm = residual(d, f, ctx, mid);
                if (!isfinite(fm)) break;
                if ((fm < 0) == (fa < 0)) {
                    a = mid;
                    fa = fm;
                } else {
                    b = mid;
                }
            }
            root = 0.5 * (a + b);
        }
        if (!isnan(root)) {
            xn_otg_segments s;
            if (f(ctx, root, &s)) xn_otg_consider(d, &s, sr);
        }
        xp = x;
        fp = fx;
    }
}

/* Piece by piece between breakpoints where the residual has a kink or a square-root
 * singularity (half a profile switching direction or starting to hold an acceleration limit): a
 * narrow excursion next to such a point would slip between uniform samples, not past a sample on
 * the point itself. */
int xn_otg_cut(xn_real lo, xn_real hi, const xn_real *breaks, int nb, int cap, xn_real *pts) {
    int n = 0;
    pts[n++] = lo;
    for (int i = 0; i < nb && n < cap - 1; i++)
        if (breaks[i] > lo && breaks[i] < hi) pts[n++] = breaks[i];
    pts[n++] = hi;
    xn_sort_ascending(pts, n);
    return n;
}

void xn_otg_scan(const xn_otg_dof *d, xn_otg_family f, const void *ctx, xn_real lo, xn_real hi,
                 const xn_real *breaks, int nb, xn_otg_search *sr) {
    xn_real pts[16];
    int n = xn_otg_cut(lo, hi, breaks, nb, 16, pts);
    for (int i = 0; i + 1 < n; i++) { /* samples in proportion to each piece's length */
        if (!(pts[i + 1] > pts[i])) continue;
        int per = (int)(XN_OTG_ROOT_SAMPLES * (pts[i + 1] - pts[i]) / (hi - lo));
        scan(d, f, ctx, pts[i], pts[i + 1], per < 16 ? 16 : per, sr);
    }
}

int xn_otg_velocity_breaks(const xn_otg_dof *d, xn_real breaks[6]) {
    xn_real J = d->jmax, a0 = d->a0, af = d->af;
    breaks[0] = d->v0 + a0 * fabs(a0) / (2 * J);               /* first half switches direction */
    breaks[1] = d->vf - af * fabs(af) / (2 * J);               /* second half switches direction */
    breaks[2] = d->v0 + (d->amax * d->amax - a0 * a0 / 2) / J; /* first half holds amax */
    breaks[3] = d->v0 - (d->amin * d->amin - a0 * a0 / 2) / J; /* first half holds amin */
    breaks[4] = d->vf - (d->amax * d->amax - af * af / 2) / J; /* second half holds amax */
    breaks[5] = d->vf + (d->amin * d->amin - af * af / 2) / J; /* second half holds amin */
    return 6;
}
