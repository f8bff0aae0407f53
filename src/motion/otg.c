/* The public face of trajectory generation: problem checks, solving, and reading a trajectory.
 * SPDX-License-Identifier: Apache-2.0 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/error_internal.h"
#include "motion/otg_internal.h"

void xn_otg_problem_init(xn_otg_problem *p, int dofs) {
    memset(p, 0, sizeof *p);
    p->dofs = dofs;
    p->interface = XN_OTG_POSITION;
    p->synchronization = XN_OTG_SYNC_TIME;
    for (int i = 0; i < XN_OTG_MAX_DOFS; i++) p->enabled[i] = 1;
}

static xn_real vmin_of(const xn_otg_problem *p, int i) {
    return p->has_min_velocity ? p->min_velocity[i] : -p->max_velocity[i];
}
static xn_real amin_of(const xn_otg_problem *p, int i) {
    return p->has_min_acceleration ? p->min_acceleration[i] : -p->max_acceleration[i];
}

/* The checks of xn_otg_validate, reported as the public function `where`. */
static xn_status validate(const xn_otg_problem *p, xn_error *err, const char *where) {
    if (p->dofs < 1 || p->dofs > XN_OTG_MAX_DOFS)
        return xn_fail_at(err, XN_ERR_SIZE, where, -1, "dofs is %d; it must lie in 1..%d", p->dofs,
                          XN_OTG_MAX_DOFS);
    int vel = p->interface == XN_OTG_VELOCITY;
    if (p->interface != XN_OTG_POSITION && !vel)
        return xn_fail_at(err, XN_ERR_UNSUPPORTED, where, -1, "unknown interface %d",
                          (int)p->interface);
    if (p->synchronization != XN_OTG_SYNC_TIME && p->synchronization != XN_OTG_SYNC_NONE &&
        p->synchronization != XN_OTG_SYNC_PHASE)
        return xn_fail_at(err, XN_ERR_UNSUPPORTED, where, -1, "unknown synchronization %d",
                          (int)p->synchronization);
    if (!isfinite(p->minimum_duration) || p->minimum_duration < 0)
        return xn_fail_at(err, XN_ERR_RANGE, where, -1,
                          "minimum duration %g must be finite and >= 0", p->minimum_duration);
    for (int i = 0; i < p->dofs; i++) {
        const struct {
            const char *name;
            xn_real x;
        } v[] = {{"current position", p->current_position[i]},
                 {"current velocity", p->current_velocity[i]},
                 {"current acceleration", p->current_acceleration[i]},
                 {"target position", p->target_position[i]},
                 {"target velocity", p->target_velocity[i]},
                 {"target acceleration", p->target_acceleration[i]},
                 {"max velocity", p->max_velocity[i]},
                 {"max acceleration", p->max_acceleration[i]},
                 {"max jerk", p->max_jerk[i]},
                 {"min velocity", vmin_of(p, i)},
                 {"min acceleration", amin_of(p, i)}};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            if (!isfinite(v[k].x))
                return xn_fail_at(err, XN_ERR_RANGE, where, i, "DoF %d: %s is not finite (%g)", i,
                                  v[k].name, v[k].x);
        if (!p->enabled[i]) continue;
        if (vel) { /* no velocity limits, no target position */
            if (!(p->max_acceleration[i] > 0) || !(p->max_jerk[i] > 0))
                return xn_fail_at(err, XN_ERR_RANGE, where, i,
                                  "DoF %d: max acceleration and jerk must be > 0 (%g, %g)", i,
                                  p->max_acceleration[i], p->max_jerk[i]);
            if (!(amin_of(p, i) < 0))
                return xn_fail_at(err, XN_ERR_RANGE, where, i,
                                  "DoF %d: min acceleration must be < 0 (%g)", i, amin_of(p, i));
            if (p->target_acceleration[i] > p->max_acceleration[i] ||
                p->target_acceleration[i] < amin_of(p, i))
                return xn_fail_at(err, XN_ERR_RANGE, where, i,
                                  "DoF %d: target acceleration %g lies outside [%g, %g]", i,
                                  p->target_acceleration[i], amin_of(p, i), p->max_acceleration[i]);
            continue;
        }
        if (!(p->max_velocity[i] > 0) || !(p->max_acceleration[i] > 0) || !(p->max_jerk[i] > 0))
            return xn_fail_at(
                err, XN_ERR_RANGE, where, i,
                "DoF %d: max velocity, acceleration and jerk must be > 0 (%g, %g, %g)", i,
                p->max_velocity[i], p->max_acceleration[i], p->max_jerk[i]);
        if (!(vmin_of(p, i) < 0) || !(amin_of(p, i) < 0))
            return xn_fail_at(err, XN_ERR_RANGE, where, i,
                              "DoF %d: min velocity and acceleration must be < 0 (%g, %g)", i,
                              vmin_of(p, i), amin_of(p, i));
        if (p->target_velocity[i] > p->max_velocity[i] || p->target_velocity[i] < vmin_of(p, i))
            return xn_fail_at(err, XN_ERR_RANGE, where, i,
                              "DoF %d: target velocity %g lies outside [%g, %g]", i,
                              p->target_velocity[i], vmin_of(p, i), p->max_velocity[i]);
        if (p->target_acceleration[i] > p->max_acceleration[i] ||
            p->target_acceleration[i] < amin_of(p, i))
            return xn_fail_at(err, XN_ERR_RANGE, where, i,
                              "DoF %d: target acceleration %g lies outside [%g, %g]", i,
                              p->target_acceleration[i], amin_of(p, i), p->max_acceleration[i]);
        /* arriving with acceleration af means the velocity passed vf - af|af|/(2 jmax) just before
         * (where the acceleration was zero): that must lie within the velocity limits */
        xn_real af = p->target_acceleration[i];
        xn_real v_before = p->target_velocity[i] - af * fabs(af) / (2 * p->max_jerk[i]);
        if (v_before > p->max_velocity[i] || v_before < vmin_of(p, i))
            return xn_fail_at(
                err, XN_ERR_RANGE, where, i,
                "DoF %d: target velocity %g with acceleration %g cannot be reached within "
                "the velocity limits (just before, the velocity would be %g)",
                i, p->target_velocity[i], af, v_before);
    }
    return XN_OK;
}

static xn_otg_dof dof_of(const xn_otg_problem *p, int i) {
    int vel = p->interface == XN_OTG_VELOCITY;
    xn_otg_dof d = {p->current_position[i],
                    p->current_velocity[i],
                    p->current_acceleration[i],
                    p->target_position[i],
                    p->target_velocity[i],
                    p->target_acceleration[i],
                    vel ? INFINITY : p->max_velocity[i],
                    vel ? -INFINITY : vmin_of(p, i),
                    p->max_acceleration[i],
                    amin_of(p, i),
                    p->max_jerk[i],
                    vel};
    return d;
}

/* x = lambda * dir for the whole vector (within 1e-9 relative)? */
static int parallel(const xn_real *x, const xn_real *dir, int n, xn_real dir2) {
    xn_real lam = 0, xx = 0;
    for (int i = 0; i < n; i++) {
        lam += x[i] * dir[i];
        xx += x[i] * x[i];
    }
    lam /= dir2;
    xn_real res = 0;
    for (int i = 0; i < n; i++) res += (x[i] - lam * dir[i]) * (x[i] - lam * dir[i]);
    return res <= 1e-18 * fmax(xx, 1e-300) || xx == 0;
}

/* Phase synchronization: when the displacement, the current and the target velocities and
 * accelerations all point along one direction in joint space (and no DoF needs a brake), every
 * DoF can follow one template profile scaled by its share of the displacement: the motion is a
 * straight line. The templates tried are the DoFs' own time-synchronized profiles, largest
 * displacement first; the first whose scaled copies keep every DoF's limits is used. Returns 1
 * when main_ was replaced, 0 when the time-synchronized profiles stay. */
static int phase_sync(const xn_otg_dof *d, int n, const xn_real *tb, xn_otg_segments *main_,
                      xn_otg_segments *scaled) {
    xn_real dir[XN_OTG_MAX_DOFS], x[5][XN_OTG_MAX_DOFS], dir2 = 0;
    for (int i = 0; i < n; i++) {
        if (tb[i] > 0 || d[i].velocity_interface) return 0;
        dir[i] = d[i].pf - d[i].p0;
        dir2 += dir[i] * dir[i];
        x[0][i] = d[i].v0;
        x[1][i] = d[i].a0;
        x[2][i] = d[i].vf;
        x[3][i] = d[i].af;
    }
    if (!(dir2 > 0)) return 0;
    for (int k = 0; k < 4; k++)
        if (!parallel(x[k], dir, n, dir2)) return 0;
    int order[XN_OTG_MAX_DOFS];
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 1; i < n; i++) /* largest displacement first */
        for (int k = i; k > 0 && fabs(dir[order[k]]) > fabs(dir[order[k - 1]]); k--) {
            int t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    for (int o = 0; o < n; o++) {
        int k = order[o];
        if (dir[k] == 0) break;
        int ok = 1;
        for (int i = 0; i < n && ok; i++) {
            xn_real r = dir[i] / dir[k];
            scaled[i] = main_[k];
            for (int s = 0; s < scaled[i].n; s++) scaled[i].j[s] *= r;
            ok = xn_otg_check(&d[i], &scaled[i]);
        }
        if (ok) {
            for (int i = 0; i < n; i++) main_[i] = scaled[i];
            return 1;
        }
    }
    return 0;
}

xn_otg_workspace *xn_otg_workspace_create(void) { return malloc(sizeof(xn_otg_workspace)); }

void xn_otg_workspace_free(xn_otg_workspace *ws) { free(ws); }

xn_status xn_otg_calculate(const xn_otg_problem *p, xn_trajectory *traj, xn_error *err) {
    xn_otg_workspace ws; /* about 60 KB: callers with a small stack use xn_otg_calculate_in */
    return xn_otg_calculate_in(p, traj, err, &ws);
}

xn_status xn_otg_validate(const xn_otg_problem *p, xn_error *err) {
    return validate(p, err, "xn_otg_validate");
}

xn_status xn_otg_calculate_in(const xn_otg_problem *p, xn_trajectory *traj, xn_error *err,
                              xn_otg_workspace *ws) {
    xn_status r = validate(p, err, "xn_otg_calculate");
    if (r != XN_OK) return r;
    xn_otg_dof *d = ws->d;
    int map[XN_OTG_MAX_DOFS], slot[XN_OTG_MAX_DOFS] = {0}, n = 0; /* slot: DoF -> k, or -1 */
    for (int i = 0; i < p->dofs; i++) {
        slot[i] = -1;
        if (!p->enabled[i]) continue; /* no segments: constant acceleration */
        d[n] = dof_of(p, i);
        slot[i] = n;
        map[n++] = i;
    }
    xn_otg_segments *brake = ws->brake, *main_ = ws->main_;
    xn_real *tb = ws->tb, *Td = ws->Td, T = p->minimum_duration;
    int phase = 0;
    if (p->synchronization != XN_OTG_SYNC_NONE && n > 0) {
        T = xn_otg_synchronize(d, n, p->minimum_duration, brake, main_, tb, &ws->sync);
        if (!(T < INFINITY))
            return xn_fail_at(err, XN_ERR_NUMERIC, "xn_otg_calculate", -1,
                              "no synchronized profile found (please report)");
        for (int k = 0; k < n; k++) Td[k] = T;
        if (p->synchronization == XN_OTG_SYNC_PHASE)
            phase = phase_sync(d, n, tb, main_, ws->scaled);
    } else {
        for (int k = 0; k < n; k++) { /* each as fast as it can (but not before the minimum) */
            Td[k] = xn_otg_synchronize(&d[k], 1, p->minimum_duration, &brake[k], &main_[k], &tb[k],
                                       &ws->sync);
            if (!(Td[k] < INFINITY))
                return xn_fail_at(err, XN_ERR_NUMERIC, "xn_otg_calculate", map[k],
                                  "DoF %d: no profile found (please report)", map[k]);
            if (Td[k] > T) T = Td[k];
        }
    }
    /* Written only now, and only the problem's DoFs: a failure leaves *traj as it was, and a
     * 7-DoF solution does not pay for zeroing and copying 32 DoFs' segments. */
    traj->dofs = p->dofs;
    traj->duration = T;
    traj->phase_synchronized = phase;
    for (int i = 0; i < p->dofs; i++) {
        traj->p0[i] = p->current_position[i];
        traj->v0[i] = p->current_velocity[i];
        traj->a0[i] = p->current_acceleration[i];
        int k = slot[i];
        if (k >= 0) {
            traj->brake[i] = brake[k];
            traj->main[i] = main_[k];
            traj->dof_duration[i] = Td[k];
        } else {
            traj->brake[i].n = traj->main[i].n = 0;
            traj->dof_duration[i] = 0;
        }
    }
    return XN_OK;
}

/* State of one DoF at time t: through its segments, then holding (zero jerk). */
static void dof_at(const xn_trajectory *tr, int i, xn_real t, xn_real *p, xn_real *v, xn_real *a,
                   xn_real *j) {
    xn_real pp = tr->p0[i], vv = tr->v0[i], aa = tr->a0[i], jj = 0;
    if (t < 0) t = 0;
    /* At or after the DoF's arrival (within the rounding of the time itself: at a million
     * seconds, 2e-10 s) every segment runs to its full length, so the state there is the target
     * exactly as planned, not off by the jerk times the time's rounding. */
    int whole = t >= tr->dof_duration[i] - 4 * DBL_EPSILON * tr->dof_duration[i];
    xn_real scale = fabs(aa);
    const xn_otg_segments *segs[2] = {&tr->brake[i], &tr->main[i]};
    for (int g = 0; g < 2 && (t > 0 || whole); g++)
        for (int k = 0; k < segs[g]->n && (t > 0 || whole); k++) {
            xn_real dt = whole || segs[g]->t[k] < t ? segs[g]->t[k] : t;
            xn_otg_integrate_s(&pp, &vv, &aa, dt, segs[g]->j[k], scale);
            scale = fmax(scale, fabs(aa));
            jj = segs[g]->j[k];
            t -= dt;
        }
    if (t > 0 && !whole) {
        xn_otg_integrate_s(&pp, &vv, &aa, t, 0, scale);
        jj = 0;
    } else if (whole && t > 0) { /* after arrival: on at the target acceleration */
        xn_otg_integrate_s(&pp, &vv, &aa, t, 0, scale);
        jj = 0;
    }
    if (p) *p = pp;
    if (v) *v = vv;
    if (a) *a = aa;
    if (j) *j = jj;
}

void xn_trajectory_at(const xn_trajectory *traj, xn_real t, xn_real *p, xn_real *v, xn_real *a,
                      xn_real *j) {
    for (int i = 0; i < traj->dofs; i++)
        dof_at(traj, i, t, p ? &p[i] : NULL, v ? &v[i] : NULL, a ? &a[i] : NULL, j ? &j[i] : NULL);
}

int xn_trajectory_phase_times(const xn_trajectory *traj, int dof, xn_real *times, int cap) {
    int n = 0;
    xn_real t = 0;
    const xn_otg_segments *segs[2] = {&traj->brake[dof], &traj->main[dof]};
    for (int g = 0; g < 2; g++)
        for (int k = 0; k < segs[g]->n; k++) {
            t += segs[g]->t[k];
            if (n < cap) times[n] = t;
            n++;
        }
    return n;
}

void xn_trajectory_extrema(const xn_trajectory *traj, int dof, xn_real *pmin, xn_real *t_pmin,
                           xn_real *pmax, xn_real *t_pmax) {
    xn_real p = traj->p0[dof], v = traj->v0[dof], a = traj->a0[dof], t = 0, scale = fabs(a);
    xn_real lo = p, hi = p, tlo = 0, thi = 0;
    const xn_otg_segments *segs[2] = {&traj->brake[dof], &traj->main[dof]};
    for (int g = 0; g < 2; g++)
        for (int k = 0; k < segs[g]->n; k++) {
            xn_real T = segs[g]->t[k], j = segs[g]->j[k];
            /* interior extrema where v + a s + j s^2 / 2 = 0 */
            xn_real roots[2];
            int nr = 0;
            if (j != 0) {
                xn_real disc = a * a - 2 * j * v;
                if (disc >= 0) {
                    roots[nr++] = (-a + sqrt(disc)) / j;
                    roots[nr++] = (-a - sqrt(disc)) / j;
                }
            } else if (a != 0) {
                roots[nr++] = -v / a;
            }
            for (int r = 0; r < nr; r++) {
                xn_real s = roots[r];
                if (!(s > 0 && s < T)) continue;
                xn_real ps = p + s * (v + s * (a / 2 + s * j / 6));
                if (ps < lo) {
                    lo = ps;
                    tlo = t + s;
                }
                if (ps > hi) {
                    hi = ps;
                    thi = t + s;
                }
            }
            xn_otg_integrate_s(&p, &v, &a, T, j, scale);
            scale = fmax(scale, fabs(a));
            t += T;
            if (p < lo) {
                lo = p;
                tlo = t;
            }
            if (p > hi) {
                hi = p;
                thi = t;
            }
        }
    if (pmin) *pmin = lo;
    if (t_pmin) *t_pmin = tlo;
    if (pmax) *pmax = hi;
    if (t_pmax) *t_pmax = thi;
}
