/* Peak-velocity families: the fastest velocity change from the current state to a peak (vp, 0),
 * an optional cruise at vp, and the fastest change on to the target (step 2's S1 with the cruise
 * that makes the duration T; with T = 0, no cruise, a cross-check of step 1's F2 and F3, which
 * cover the same time-optimal shapes and replaced it there).
 *
 * Between consecutive xn_otg_velocity_breaks each half keeps its shape: its direction (jerk up
 * or down first) and whether it holds an acceleration limit. A half that does not hold reaches
 * the peak acceleration U with U^2 = a_s^2 / 2 + dir J (v_e - v_s): a square root of vp, so the
 * unknown is the first such half's U (vp is then a quadratic in U, every duration a polynomial)
 * and a second one's root is removed by multiplying the residuals of its two signs. Degrees of
 * the resulting polynomial: 6 when neither half holds, 4 when one does, 2 when both do (then the
 * unknown is vp itself). SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stddef.h>

#include "motion/otg_internal.h"

typedef struct {
    const xn_otg_dof *d;
    xn_real T; /* 0: no cruise */
    int dir1, hold1, dir2, hold2;
    xn_real inv_j; /* 1 / jmax */
} peak_family;

/* The shape of the fastest change from (vs, as) to (ve, ae), as xn_otg_velocity_change decides
 * it. */
static void shape(const xn_otg_dof *d, xn_real vs, xn_real as, xn_real ve, xn_real ae, int *dir,
                  int *hold) {
    xn_real J = d->jmax, v_direct = vs + (as + ae) / 2 * fabs(ae - as) / J;
    *dir = ve >= v_direct ? 1 : -1;
    xn_real peak2 = (as * as + ae * ae) / 2 + *dir * J * (ve - vs);
    *hold = (peak2 > 0 ? sqrt(peak2) : 0) > (*dir > 0 ? d->amax : -d->amin);
}

/* Append the change from (vs, as) to (ve, ae) of the given shape, through the signed peak
 * acceleration `peak` when it does not hold. Formal: durations may come out negative (the check
 * rejects such a profile; the residual stays a polynomial across them). */
static void half(const xn_otg_dof *d, xn_real vs, xn_real as, xn_real ve, xn_real ae, int dir,
                 int hold, xn_real peak, xn_otg_segments *s) {
    xn_real J = d->jmax;
    if (hold) {
        xn_real alim = dir > 0 ? d->amax : d->amin;
        xn_real h = (ve - vs - (alim * alim - as * as) / (2 * dir * J) -
                     (alim * alim - ae * ae) / (2 * dir * J)) /
                    alim;
        xn_otg_add(s, dir * (alim - as) / J, dir * J);
        xn_otg_add(s, h, 0);
        xn_otg_add(s, dir * (alim - ae) / J, -dir * J);
    } else {
        xn_otg_add(s, dir * (peak - as) / J, dir * J);
        xn_otg_add(s, dir * (peak - ae) / J, -dir * J);
    }
}

/* The peak velocity and the halves' signed peak accelerations for the unknown u */
static xn_real peak_at(const peak_family *f, xn_real u, int sigma, xn_real *p1, xn_real *p2) {
    const xn_otg_dof *d = f->d;
    xn_real J = d->jmax, vp;
    *p1 = *p2 = 0;
    if (!f->hold1) { /* u is the first half's peak */
        *p1 = f->dir1 * u;
        vp = d->v0 + f->dir1 * (u * u - d->a0 * d->a0 / 2) * f->inv_j;
        if (!f->hold2) {
            xn_real q = d->af * d->af / 2 + f->dir2 * J * (d->vf - vp);
            *p2 = q > 0 ? f->dir2 * sigma * sqrt(q) : 0;
        }
    } else if (!f->hold2) { /* u is the second half's peak */
        *p2 = f->dir2 * u;
        vp = d->vf - f->dir2 * (u * u - d->af * d->af / 2) * f->inv_j;
    } else {
        vp = u;
    }
    return vp;
}

static int peak_profile(const void *ctx, xn_real u, int sigma, xn_otg_segments *s) {
    const peak_family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_real p1, p2, vp = peak_at(f, u, sigma, &p1, &p2);
    xn_otg_segments second = {0, {0}, {0}};
    s->n = 0;
    half(d, d->v0, d->a0, vp, 0, f->dir1, f->hold1, p1, s);
    half(d, vp, 0, d->vf, d->af, f->dir2, f->hold2, p2, &second);
    if (f->T > 0) {
        xn_real cruise = f->T;
        for (int i = 0; i < s->n; i++) cruise -= s->t[i];
        for (int i = 0; i < second.n; i++) cruise -= second.t[i];
        xn_otg_add(s, cruise, 0);
    }
    xn_otg_append(s, &second);
    return 1;
}

/* The distance a half covers, and its duration: over a constant-jerk segment from (va, aa) to
 * (vb, ab) lasting t the distance is t (va + vb)/2 - t^2 (ab - aa)/12. */
static xn_real half_distance(const peak_family *f, xn_real vs, xn_real as, xn_real ve, xn_real ae,
                             int dir, int hold, xn_real peak, xn_real *duration) {
    const xn_otg_dof *d = f->d;
    xn_real ij = dir * f->inv_j;
    if (hold) {
        xn_real alim = dir > 0 ? d->amax : d->amin;
        xn_real t1 = (alim - as) * ij, t3 = (alim - ae) * ij;
        xn_real v1 = vs + t1 * (as + alim) / 2;
        /* the velocity left to the hold, after both ramps */
        xn_real h = (ve - v1 - t3 * (alim + ae) / 2) / alim, v2 = v1 + alim * h;
        *duration = t1 + h + t3;
        return t1 * (vs + v1) / 2 - t1 * t1 * (alim - as) / 12 + h * (v1 + v2) / 2 +
               t3 * (v2 + ve) / 2 + t3 * t3 * (alim - ae) / 12;
    }
    xn_real t1 = (peak - as) * ij, t2 = (peak - ae) * ij;
    xn_real vm = vs + t1 * (as + peak) / 2;
    *duration = t1 + t2;
    return t1 * (vs + vm) / 2 - t1 * t1 * (peak - as) / 12 + t2 * (vm + ve) / 2 +
           t2 * t2 * (peak - ae) / 12;
}

/* The end-position residual of peak_profile(u, sigma) in closed form */
static xn_real peak_residual(const void *ctx, xn_real u, int sigma) {
    const peak_family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_real p1, p2, vp = peak_at(f, u, sigma, &p1, &p2), t1, t2;
    xn_real x = half_distance(f, d->v0, d->a0, vp, 0, f->dir1, f->hold1, p1, &t1) +
                half_distance(f, vp, 0, d->vf, d->af, f->dir2, f->hold2, p2, &t2);
    if (f->T > 0) x += vp * (f->T - t1 - t2);
    return d->p0 + x - d->pf;
}

/* peak_residual and its derivative in u. Whatever the halves' shapes, d r / d vp = cruise +
 * (tb + tc)/2, tb the first half's last ramp (its peak or limit back to 0) and tc the second
 * half's first one: moving vp moves the cruise and stretches the two ramps that meet it (each
 * half's distance minus vp times its duration changes by minus the time up to its ramp and half
 * the ramp). Then vp' = 2 dir1 u / J, -2 dir2 u / J or 1 (which peak, if any, is the unknown). */
static xn_real peak_residual_slope(const void *ctx, xn_real u, int sigma, xn_real *slope) {
    const peak_family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_real p1, p2, vp = peak_at(f, u, sigma, &p1, &p2), t1, t2;
    xn_real x = half_distance(f, d->v0, d->a0, vp, 0, f->dir1, f->hold1, p1, &t1) +
                half_distance(f, vp, 0, d->vf, d->af, f->dir2, f->hold2, p2, &t2);
    xn_real cruise = f->T - t1 - t2;
    x += vp * cruise;
    xn_real tb = f->dir1 * (f->hold1 ? (f->dir1 > 0 ? d->amax : d->amin) : p1) * f->inv_j;
    xn_real tc = f->dir2 * (f->hold2 ? (f->dir2 > 0 ? d->amax : d->amin) : p2) * f->inv_j;
    xn_real dvp = !f->hold1   ? 2 * f->dir1 * u * f->inv_j
                  : !f->hold2 ? -2 * f->dir2 * u * f->inv_j
                              : 1;
    *slope = (cruise + (tb + tc) / 2) * dvp;
    return d->p0 + x - d->pf;
}

/* peak_residual on both branches where neither half holds: the first half (and vp, w) once */
static void peak_residual_pair(const void *ctx, xn_real u, xn_real r[2], xn_real *root) {
    const peak_family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_real vp = d->v0 + f->dir1 * (u * u - d->a0 * d->a0 / 2) * f->inv_j, t1, t2;
    xn_real q = d->af * d->af / 2 + f->dir2 * d->jmax * (d->vf - vp), w = q > 0 ? sqrt(q) : 0;
    xn_real x1 = half_distance(f, d->v0, d->a0, vp, 0, f->dir1, 0, f->dir1 * u, &t1);
    for (int k = 0; k < 2; k++) {
        xn_real x = x1 + half_distance(f, vp, 0, d->vf, d->af, f->dir2, 0,
                                       (k == 0 ? 1 : -1) * f->dir2 * w, &t2);
        if (f->T > 0) x += vp * (f->T - t1 - t2);
        r[k] = d->p0 + x - d->pf;
    }
    *root = w;
}

/* the second half's peak magnitude when the unknown is the first's */
static xn_real peak_root(const void *ctx, xn_real u) {
    const peak_family *f = ctx;
    const xn_otg_dof *d = f->d;
    xn_real vp = d->v0 + f->dir1 * (u * u - d->a0 * d->a0 / 2) * f->inv_j;
    xn_real q = d->af * d->af / 2 + f->dir2 * d->jmax * (d->vf - vp);
    return q > 0 ? sqrt(q) : 0;
}

/* the unknown for vp on this piece */
static xn_real unknown(const peak_family *f, xn_real vp) {
    const xn_otg_dof *d = f->d;
    xn_real sq;
    if (!f->hold1)
        sq = d->a0 * d->a0 / 2 + f->dir1 * d->jmax * (vp - d->v0);
    else if (!f->hold2)
        sq = d->af * d->af / 2 + f->dir2 * d->jmax * (d->vf - vp);
    else
        return vp;
    return sq > 0 ? sqrt(sq) : 0;
}

void xn_otg_peak_scan(const xn_otg_dof *d, xn_real T, xn_real lo, xn_real hi, xn_otg_search *sr) {
    xn_real pts[8], breaks[6];
    int nb = xn_otg_velocity_breaks(d, breaks), n = xn_otg_cut(lo, hi, breaks, nb, 8, pts);
    /* Step 2 wants any profile of duration T: pieces in order of their distance from the mean
     * velocity (pf - p0) / T, where a long cruise lies, and the first valid profile ends it. */
    int order[8], np = n - 1;
    for (int i = 0; i < np; i++) order[i] = i;
    if (T > 0) {
        xn_real vmean = (d->pf - d->p0) / T, dist[8];
        for (int i = 0; i < np; i++)
            dist[i] = vmean < pts[i] ? pts[i] - vmean : vmean > pts[i + 1] ? vmean - pts[i + 1] : 0;
        for (int i = 1; i < np; i++)
            for (int k = i; k > 0 && dist[order[k]] < dist[order[k - 1]]; k--) {
                int t = order[k];
                order[k] = order[k - 1];
                order[k - 1] = t;
            }
    }
    for (int o = 0; o < np; o++) {
        int i = order[o];
        if (!(pts[i + 1] > pts[i])) continue;
        if (T > 0 && sr->duration < INFINITY) return;
        xn_real mid = 0.5 * (pts[i] + pts[i + 1]);
        peak_family f = {d, T, 0, 0, 0, 0, 1 / d->jmax};
        shape(d, d->v0, d->a0, mid, 0, &f.dir1, &f.hold1);
        shape(d, mid, 0, d->vf, d->af, &f.dir2, &f.hold2);
        int holds = f.hold1 + f.hold2;
        xn_otg_polyfam pf = {.profile = peak_profile,
                             .residual = peak_residual,
                             .root = peak_root,
                             .residual_slope = T > 0 ? peak_residual_slope : NULL,
                             .residual_pair = holds == 0 ? peak_residual_pair : NULL,
                             .ctx = &f,
                             .degree = holds == 0   ? 6
                                       : holds == 1 ? 4
                                                    : 2,
                             .product = holds == 0,
                             .branches = 1};
        xn_real ua = unknown(&f, pts[i]), ub = unknown(&f, pts[i + 1]);
        xn_real lo_u = ua < ub ? ua : ub, hi_u = ua < ub ? ub : ua;
        /* step 2, the piece holding the mean velocity: the cruise there is usually long and the
         * residual monotone, so regula falsi from the mean velocity finds a profile without
         * the polynomial; the full scan follows where it does not */
        if (T > 0 && o == 0) {
            xn_real vmean = (d->pf - d->p0) / T;
            if (vmean > pts[i] && vmean < pts[i + 1] &&
                xn_otg_poly_bracket(d, &pf, lo_u, hi_u, unknown(&f, vmean), sr) &&
                sr->duration < INFINITY)
                return;
        }
        xn_otg_poly_scan(d, &pf, lo_u, hi_u, sr);
    }
}
