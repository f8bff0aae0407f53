/* The trajectory source: a whole timed joint trajectory from outside the control loop (a
 * planner: MoveIt's joint_trajectory_controller interface), followed from where the joints are
 * through every point at its time by cubic Hermite segments. The sender's thread checks it
 * whole before it can reach the loop: times increasing, positions within the limits, and the
 * curve within the rated velocity and acceleration from the joints' present state (in closed
 * form per segment); the
 * loop takes the newest complete one from a triple buffer (lock-free) while a `stream` line
 * runs, and hands the joints back to the trajectory generator, holding at the last point, when
 * it is over. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "model/error_internal.h"
#include "runtime/runtime_internal.h"
#include "runtime/triple.h"

struct xn_ctl_traj {
    xn_joint_trajectory buf[3]; /* every controlled joint (a stream line's others held) */
    int line[3];                /* the `stream` line whose joints each was given for */
    xn_triple idx;              /* which of buf is whose */
    atomic_flag writer_busy;
    /* the loop's side: the one being followed (buf[front]) */
    int active;
    int64_t t0_ns;
    xn_real p0[XN_OTG_MAX_DOFS], v0[XN_OTG_MAX_DOFS];  /* the state it started from */
    xn_real vel[XN_TRAJ_MAX_POINTS][XN_OTG_MAX_DOFS];  /* the points' velocities, as used */
    xn_real wvel[XN_TRAJ_MAX_POINTS][XN_OTG_MAX_DOFS]; /* the writers' (under writer_busy) */
};

xn_ctl_traj *xn_ctl_traj_create(void) {
    xn_ctl_traj *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    xn_triple_init(&t->idx);
    atomic_flag_clear(&t->writer_busy);
    return t;
}

void xn_ctl_traj_free(xn_ctl_traj *t) { free(t); }

/* The points' velocities: as given, or (not given) the slope through the neighbours, the last
 * point at rest. */
static void point_velocities(const xn_joint_trajectory *tr, int nj, const xn_real *p_start,
                             xn_real vel[][XN_OTG_MAX_DOFS]) {
    int n = tr->npoints;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < nj; k++) {
            if (tr->has_velocity) {
                vel[i][k] = tr->velocity[i][k];
                continue;
            }
            if (i == n - 1) {
                vel[i][k] = 0;
                continue;
            }
            xn_real pa = i > 0 ? tr->position[i - 1][k] : p_start[k];
            xn_real ta = i > 0 ? tr->time[i - 1] : 0;
            vel[i][k] = (tr->position[i + 1][k] - pa) / (tr->time[i + 1] - ta);
        }
}

/* Segment i of joint k's curve (from point i - 1, or the start state, to point i) as a cubic in
 * u = (t - t0) / h on [0, 1]: p = c0 + c1 u + c2 u^2 + c3 u^3, the Hermite cubic through both
 * ends' positions and velocities. The loop samples it and the sender checks its extremes: one
 * curve for both. */
typedef struct {
    xn_real t0, h, c0, c1, c2, c3;
} cubic;

static cubic segment(const xn_joint_trajectory *tr, const xn_real *p0, const xn_real *v0,
                     xn_real vel[][XN_OTG_MAX_DOFS], int i, int k) {
    cubic q;
    q.t0 = i > 0 ? tr->time[i - 1] : 0;
    q.h = tr->time[i] - q.t0;
    xn_real pa = i > 0 ? tr->position[i - 1][k] : p0[k], pb = tr->position[i][k];
    xn_real va = i > 0 ? vel[i - 1][k] : v0[k], vb = vel[i][k];
    q.c0 = pa;
    q.c1 = q.h * va;
    q.c2 = -3 * pa - 2 * q.h * va + 3 * pb - q.h * vb;
    q.c3 = 2 * pa + q.h * va - 2 * pb + q.h * vb;
    return q;
}

/* position, velocity (per s) and acceleration (per s^2) at u */
static void cubic_at(const cubic *q, xn_real u, xn_real *p, xn_real *v, xn_real *a) {
    *p = q->c0 + u * (q->c1 + u * (q->c2 + u * q->c3));
    *v = (q->c1 + u * (2 * q->c2 + 3 * q->c3 * u)) / q->h;
    *a = (2 * q->c2 + 6 * q->c3 * u) / (q->h * q->h);
}

/* Joint k at time t (s from the start) on the curve from (0, p0, v0) through every point. */
static void sample(const xn_joint_trajectory *tr, const xn_real *p0, const xn_real *v0,
                   xn_real vel[][XN_OTG_MAX_DOFS], int k, xn_real t, xn_real *p, xn_real *v,
                   xn_real *a) {
    int n = tr->npoints, i = 0;
    if (t >= tr->time[n - 1]) {
        *p = tr->position[n - 1][k];
        *v = vel[n - 1][k];
        *a = 0;
        return;
    }
    while (i < n && tr->time[i] <= t) i++;
    cubic q = segment(tr, p0, v0, vel, i, k);
    cubic_at(&q, (t - q.t0) / q.h, p, v, a);
}

/* The points' times, values and last velocity: from point `first` on (a first point at time 0,
 * the start state, already dropped), with "point i" in the messages counted as the sender did. */
static xn_status check_points(const xn_controller *c, const xn_joint_trajectory *tr, int first,
                              xn_error *err) {
    static const char *const fn = "xn_controller_follow";
    for (int i = first; i < tr->npoints; i++) {
        xn_real prev = i > first ? tr->time[i - 1] : 0;
        if (!(tr->time[i] > prev) || !isfinite(tr->time[i]))
            return xn_fail_at(err, XN_ERR_RANGE, fn, i,
                              "point %d: time_from_start %g s does not come after %g s", i,
                              tr->time[i], prev);
        for (int k = 0; k < c->nj; k++) {
            xn_real p = tr->position[i][k], v = tr->has_velocity ? tr->velocity[i][k] : 0;
            if (!isfinite(p) || !isfinite(v))
                return xn_fail_at(err, XN_ERR_RANGE, fn, i,
                                  "point %d: joint %s has a value that is not finite", i,
                                  c->name[k]);
            if (p < c->lo[k] || p > c->hi[k])
                return xn_fail_at(err, XN_ERR_RANGE, fn, i,
                                  "point %d: joint %s at %.6g is outside its limits [%.6g, %.6g]",
                                  i, c->name[k], p, c->lo[k], c->hi[k]);
        }
    }
    if (tr->has_velocity)
        for (int k = 0; k < c->nj; k++)
            if (tr->velocity[tr->npoints - 1][k] != 0)
                return xn_fail_at(err, XN_ERR_RANGE, fn, tr->npoints - 1,
                                  "the last point must be at rest (joint %s: %g)", c->name[k],
                                  tr->velocity[tr->npoints - 1][k]);
    return XN_OK;
}

/* The whole curve from where the joints are now, checked in closed form segment by segment: on a
 * cubic the acceleration is linear (its largest at an end), the velocity quadratic (at an end or
 * its vertex), the position extreme at an end or where the velocity is zero; no sampling, so a
 * huge time_from_start costs nothing more. vel: scratch for the points' velocities. */
static xn_status check_curve(const xn_controller *c, const xn_joint_trajectory *tr,
                             const xn_ctl_sample *now, xn_real (*vel)[XN_OTG_MAX_DOFS],
                             xn_error *err) {
    static const char *const fn = "xn_controller_follow";
    point_velocities(tr, c->nj, now->q, vel);
    for (int i = 0; i < tr->npoints; i++)
        for (int k = 0; k < c->nj; k++) {
            cubic q = segment(tr, now->q, now->v, vel, i, k);
            xn_real c1 = q.c1, c2 = q.c2, c3 = q.c3;
            xn_real cand[5] = {0, 1, NAN, NAN, NAN};   /* u where an extreme may lie */
            if (c3 != 0) cand[2] = -c2 / (3 * c3);     /* the velocity's vertex */
            xn_real disc = 4 * c2 * c2 - 12 * c3 * c1; /* where the velocity is zero */
            if (c3 != 0 && disc >= 0) {
                cand[3] = (-2 * c2 + sqrt(disc)) / (6 * c3);
                cand[4] = (-2 * c2 - sqrt(disc)) / (6 * c3);
            } else if (c3 == 0 && c2 != 0) {
                cand[3] = -c1 / (2 * c2);
            }
            xn_real vmax = c->cfg.max_velocity[k] * (1 + 1e-9) + 1e-12,
                    amax = c->cfg.max_acceleration[k] * (1 + 1e-9) + 1e-12;
            for (int j = 0; j < 5; j++) {
                xn_real u = cand[j];
                if (!(u >= 0 && u <= 1)) continue;
                xn_real p, v, a;
                cubic_at(&q, u, &p, &v, &a);
                if (!(fabs(v) <= vmax) || !(fabs(a) <= amax) || p < c->lo[k] - 1e-12 ||
                    p > c->hi[k] + 1e-12)
                    return xn_fail_at(
                        err, XN_ERR_RANGE, fn, k,
                        "joint %s at %.3f s: %.4g rad, %.4g rad/s, %.4g rad/s^2, beyond its "
                        "limits [%.4g, %.4g] rad, %.4g rad/s, %.4g rad/s^2 (the points are too "
                        "close in time)",
                        c->name[k], q.t0 + u * q.h, p, v, a, c->lo[k], c->hi[k],
                        c->cfg.max_velocity[k], c->cfg.max_acceleration[k]);
            }
        }
    return XN_OK;
}

/* The trajectory for every controlled joint into w: tr's joints are the stream line's (sel, n
 * of them); the others hold their reference of the newest cycle (the program keeps them there
 * while the line runs). */
static void widen(const xn_controller *c, const xn_joint_trajectory *tr, const int *sel,
                  const xn_ctl_sample *now, xn_joint_trajectory *w) {
    w->n = c->nj;
    w->npoints = tr->npoints;
    w->has_velocity = tr->has_velocity;
    memcpy(w->time, tr->time, (size_t)tr->npoints * sizeof w->time[0]);
    for (int i = 0; i < tr->npoints; i++) {
        for (int k = 0; k < c->nj; k++) {
            w->position[i][k] = now->q_ref[k];
            w->velocity[i][k] = 0;
        }
        for (int j = 0; j < tr->n; j++) {
            w->position[i][sel[j]] = tr->position[i][j];
            w->velocity[i][sel[j]] = tr->velocity[i][j];
        }
    }
}

xn_status xn_controller_follow(xn_controller *c, const xn_joint_trajectory *tr, xn_error *err) {
    static const char *const fn = "xn_controller_follow";
    xn_ctl_traj *T = c->traj;
    int line = xn_ctl_stream_line(c);
    int sel[XN_OTG_MAX_DOFS], nsel = xn_ctl_stream_selection(c, line, sel);
    if (tr->n != nsel) return xn_ctl_stream_size_error(c, tr->n, nsel, fn, err);
    if (tr->npoints < 1 || tr->npoints > XN_TRAJ_MAX_POINTS)
        return xn_fail(err, XN_ERR_SIZE, fn, "%d points (1 to %d)", tr->npoints,
                       XN_TRAJ_MAX_POINTS);
    xn_ctl_sample now;
    if (!xn_controller_latest(c, &now))
        return xn_fail(err, XN_ERR_INVALID, fn, "the controller has not run a cycle yet");
    while (atomic_flag_test_and_set(&T->writer_busy)) {
    }
    xn_joint_trajectory *w = &T->buf[T->idx.back];
    if (nsel < c->nj) { /* some joints: the others held, checked as any other */
        widen(c, tr, sel, &now, w);
        tr = w;
    }
    /* a first point at time 0 is the start state, as MoveIt sends it: where the joints are
     * (within XN_TRAJ_START_TOLERANCE), then dropped; the curve starts from the joints anyway */
    int first = tr->npoints > 1 && tr->time[0] == 0;
    xn_status st = XN_OK;
    for (int k = 0; k < c->nj && first && st == XN_OK; k++) {
        xn_real off = fabs(tr->position[0][k] - now.q[k]);
        if (!(off <= XN_TRAJ_START_TOLERANCE))
            st = xn_fail_at(err, XN_ERR_RANGE, fn, 0,
                            "point 0 (time 0, the start) has joint %s %.4g from where it is "
                            "(more than %g): the trajectory would jump",
                            c->name[k], off, XN_TRAJ_START_TOLERANCE);
    }
    if (st == XN_OK) st = check_points(c, tr, first, err);
    if (st != XN_OK) {
        atomic_flag_clear(&T->writer_busy);
        return st;
    }
    if (first) { /* the points after the start state (in place when widened: i + 1 to i) */
        int n = tr->npoints - 1;
        w->n = tr->n;
        w->npoints = n;
        w->has_velocity = tr->has_velocity;
        memmove(w->time, tr->time + 1, (size_t)n * sizeof w->time[0]);
        memmove(w->position, tr->position + 1, (size_t)n * sizeof w->position[0]);
        memmove(w->velocity, tr->velocity + 1, (size_t)n * sizeof w->velocity[0]);
    } else if (tr != w) {
        *w = *tr;
    }
    T->line[T->idx.back] = line;
    st = check_curve(c, w, &now, T->wvel, err);
    if (st == XN_OK) xn_triple_publish(&T->idx);
    atomic_flag_clear(&T->writer_busy);
    return st;
}

/* ---- the loop's side ---- */

int xn_ctl_traj_take(xn_controller *c) {
    xn_ctl_traj *T = c->traj;
    if (!xn_triple_take(&T->idx)) return 0;
    if (T->line[T->idx.front] != xn_ctl_stream_line(c)) return 0; /* another line's joints */
    const xn_joint_trajectory *tr = &T->buf[T->idx.front];
    T->active = 1;
    T->t0_ns = c->time_ns;
    memcpy(T->p0, c->output.position, sizeof T->p0);
    memcpy(T->v0, c->output.velocity, sizeof T->v0);
    point_velocities(tr, c->nj, T->p0, T->vel);
    xn_ctl_event(c, XN_EV_STREAM, -1, 3, "a trajectory of %d points over %.3f s", tr->npoints,
                 tr->time[tr->npoints - 1]);
    return 1;
}

void xn_ctl_traj_discard(xn_controller *c) {
    c->traj->active = 0;
    xn_triple_take(&c->traj->idx); /* an older trajectory is no command for a new line */
}

int xn_ctl_traj_active(const xn_controller *c) { return c->traj->active; }

void xn_ctl_traj_cancel(xn_controller *c) { c->traj->active = 0; }

int xn_ctl_traj_step(xn_controller *c) {
    xn_ctl_traj *T = c->traj;
    if (!T->active) return 0;
    const xn_joint_trajectory *tr = &T->buf[T->idx.front];
    xn_real t = (xn_real)(c->time_ns - T->t0_ns) * 1e-9 + (xn_real)c->hal->period_ns * 1e-9;
    for (int k = 0; k < c->nj; k++) {
        xn_real p, v, a;
        sample(tr, T->p0, T->v0, T->vel, k, t, &p, &v, &a);
        c->output.position[k] = c->q_ref[c->qadr[k]] = p;
        c->output.velocity[k] = c->v_ref[c->vadr[k]] = v;
        c->output.acceleration[k] = c->a_ref[c->vadr[k]] = a;
    }
    if (t >= tr->time[tr->npoints - 1]) {
        /* over: the trajectory generator holds the last point */
        T->active = 0;
        xn_otg_problem *p = &c->input;
        p->interface = XN_OTG_POSITION;
        for (int k = 0; k < c->nj; k++) {
            p->target_position[k] = tr->position[tr->npoints - 1][k];
            p->target_velocity[k] = p->target_acceleration[k] = 0;
            c->output.velocity[k] = c->output.acceleration[k] = 0;
        }
        xn_ctl_event(c, XN_EV_STREAM, -1, 4, "the trajectory ended: holding its last point");
    }
    return 1;
}
