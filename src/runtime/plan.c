/* Planning the program's Cartesian motions before any of it runs, so that a pose out of reach, a
 * path through a singularity or a blend too large is refused with its line while the robot is
 * still: the program is walked from the robot's present configuration, each movel / movec chain
 * becomes a path (blends included), the path is sampled in joint space by IK, timed by TOPP, and
 * its time law is smoothed to limit jerk. A movej to a Cartesian pose gets its joint target by
 * IK here too. The control step then only reads tables.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_internal.h"
#include "xiaonao/dynamics.h"
#include "xiaonao/ik.h"

#define GRID_STEP 0.001 /* m of path between joint-space samples */
#define GRID_MIN 51
#define GRID_MAX 4001
#define MAX_RATE 50.0   /* rad per m of path: more is a singularity */
#define PFL_MARGIN 0.97 /* plan this far under a power-and-force limit */
#define PFL_SAMPLES 200 /* samples of a movej checked against the limits */
#define PFL_SPREAD 10   /* grid points (about 1 cm) a path's speed cap reaches beyond a region */

static void pose6(const xn_real v[6], xn_se3 *X) {
    xn_rot_rpy(v[3], v[4], v[5], X->R);
    memcpy(X->p, v, 3 * sizeof(xn_real));
}

static int is_path_op(xn_op op) { return op == XN_OP_MOVEL || op == XN_OP_MOVEC; }

/* The tool's pose in the base frame at q: base^-1 * flange(q) * tool. */
static void tool_pose(xn_controller *c, int flange, const xn_se3 *base, const xn_se3 *tool,
                      const xn_real *q, xn_se3 *out) {
    xn_se3 F, binv, tmp;
    xn_dyn_fk(c->m, c->d, q);
    xn_dyn_frame_placement(c->m, c->d, flange, &F);
    xn_se3_inv(&binv, base);
    xn_se3_mul(&tmp, &binv, &F);
    xn_se3_mul(out, &tmp, tool);
}

/* s(t) at every control period: the TOPP profile, then a moving average over w periods (the
 * acceleration of s then ramps over w periods instead of jumping: jerk-limited, and the path
 * itself is untouched because only the timing is filtered). */
static xn_status time_table(xn_ctl_plan *p, const xn_topp *tp, xn_real dt, int w) {
    long n = (long)ceil(tp->duration / dt) + 1;
    long total = n + w;
    xn_real *raw = malloc((size_t)total * sizeof *raw);
    p->S = malloc((size_t)total * sizeof *p->S);
    if (!raw || !p->S) {
        free(raw);
        return XN_ERR_NOMEM;
    }
    for (long k = 0; k < total; k++) {
        xn_real s, sd, sdd;
        xn_topp_at(tp, p->jp->s, (xn_real)k * dt, &s, &sd, &sdd);
        raw[k] = s;
    }
    /* causal moving average of w samples, starting from rest at s = 0 */
    for (long k = 0; k < total; k++) {
        xn_real sum = 0;
        for (int j = 0; j < w; j++) sum += k - j >= 0 ? raw[k - j] : raw[0];
        p->S[k] = sum / w;
    }
    p->S[total - 1] = raw[total - 1];
    p->nS = total;
    free(raw);
    return XN_OK;
}

/* Plan one chain of movel / movec instructions starting at index i; q_plan moves to its end. */
static xn_status plan_chain(xn_controller *c, xn_ik *ik, int flange, int i, int j,
                            const xn_se3 *base, const xn_se3 *tool, xn_real override,
                            xn_real *q_plan, xn_topp **tpp, xn_error *err) {
    const xn_program *prog = c->prog;
    int n = j - i + 2;
    xn_waypoint *wp = calloc((size_t)n, sizeof *wp);
    xn_path *path = malloc(sizeof *path);
    if (!wp || !path) {
        free(wp);
        free(path);
        return XN_ERR_NOMEM;
    }
    xn_se3 X;
    tool_pose(c, flange, base, tool, q_plan, &X);
    memcpy(wp[0].p, X.p, sizeof X.p);
    memcpy(wp[0].R, X.R, sizeof X.R);
    wp[0].line = prog->ins[i].line;
    xn_real speed = INFINITY, accel = INFINITY;
    for (int k = i; k <= j; k++) {
        const xn_instruction *in = &prog->ins[k];
        xn_waypoint *w = &wp[k - i + 1];
        pose6(in->target, &X);
        memcpy(w->p, X.p, sizeof X.p);
        memcpy(w->R, X.R, sizeof X.R);
        w->blend = k < j ? in->blend : 0;
        w->line = in->line;
        if (in->op == XN_OP_MOVEC) {
            w->is_arc = 1;
            memcpy(w->via, in->value, 3 * sizeof(xn_real));
        }
        speed = fmin(speed, in->speed);
        accel = fmin(accel, in->accel);
    }
    xn_error perr;
    xn_status st = xn_path_build(path, 3, 1, wp, n, 0, &perr);
    free(wp);
    if (st != XN_OK) {
        int k = perr.index > 0 ? i + perr.index - 1 : i;
        if (k > j) k = j;
        free(path);
        return xn_program_line_fail(err, prog, &prog->ins[k], XN_ERR_RANGE, "%s", perr.message);
    }
    int N = (int)ceil(path->length / GRID_STEP) + 1;
    N = N < GRID_MIN ? GRID_MIN : (N > GRID_MAX ? GRID_MAX : N);
    xn_ctl_plan *p = &c->interp.plans[c->interp.nplan];
    p->first = i;
    p->last = j;
    if ((st = xn_joint_path_create(N, c->m->nq, c->m->nv, 1, &p->jp, err))) {
        free(path);
        return st;
    }
    xn_error ierr;
    st = xn_path_to_joints(path, ik, base, tool, q_plan, MAX_RATE, p->jp, &ierr);
    xn_real length = path->length;
    free(path);
    if (st != XN_OK) {
        /* the instruction whose part of the chain holds the failure: by share of the length */
        xn_real fraction = ierr.index > 0 ? (xn_real)ierr.index / (N - 1) : 0;
        int k = i + (int)(fraction * (j - i + 1));
        if (k > j) k = j;
        xn_joint_path_free(p->jp);
        p->jp = NULL;
        return xn_program_line_fail(err, prog, &prog->ins[k], XN_ERR_RANGE, "%s: %s",
                                    prog->ins[k].op == XN_OP_MOVEC ? "movec" : "movel",
                                    ierr.message);
    }
    /* the time law: joint limits of the controlled joints (rated, scaled by the override),
     * torque limits with the margin, the tool's speed and acceleration */
    if (!*tpp || (*tpp)->N < N) {
        xn_topp_free(*tpp);
        if ((st = xn_topp_create(N, c->m->nv, tpp, err))) return st;
    }
    int nv = c->m->nv;
    xn_real *vmax = malloc((size_t)nv * sizeof *vmax), *amax = malloc((size_t)nv * sizeof *amax),
            *tmax = malloc((size_t)nv * sizeof *tmax);
    if (!vmax || !amax || !tmax) {
        free(vmax);
        free(amax);
        free(tmax);
        return XN_ERR_NOMEM;
    }
    for (int k = 0; k < nv; k++) vmax[k] = amax[k] = tmax[k] = INFINITY;
    xn_real jerk_time = 0.002;
    for (int k = 0; k < c->nj; k++) {
        int v = c->vadr[k];
        vmax[v] = c->cfg.max_velocity[k] * override;
        amax[v] = c->cfg.max_acceleration[k] * override * override;
        tmax[v] = c->servo->tau_max[v] * c->cfg.torque_margin;
        jerk_time = fmax(jerk_time, c->cfg.max_acceleration[k] / c->cfg.max_jerk[k]);
    }
    xn_topp_limits lim = {vmax, amax, tmax, speed * override, accel * override * override, NULL};
    xn_real *cap = NULL;
    if (c->pfl && xn_pfl_active(c->pfl)) {
        /* power and force limiting: at each grid point, the path speed at which the fastest
         * watched point reaches its limit (a margin for the smoothing of the time law) */
        cap = malloc(2 * (size_t)N * sizeof *cap);
        if (!cap) {
            free(vmax);
            free(amax);
            free(tmax);
            return XN_ERR_NOMEM;
        }
        for (int g = 0; g < N; g++) {
            xn_pfl_check ck;
            xn_pfl_check_motion(c->pfl, c->m, c->d, &p->jp->q[(size_t)g * (size_t)c->m->nq],
                                &p->jp->dq[(size_t)g * (size_t)nv], &ck);
            cap[g] = ck.point >= 0 ? PFL_MARGIN * ck.allowed / ck.speed : INFINITY;
        }
        /* the time law is smoothed over a few milliseconds after TOPP: spread each cap over
         * PFL_SPREAD grid points either way so that the smoothing cannot carry a faster speed
         * into a region (a running minimum over the window, kept in the spare half of cap) */
        xn_real *spread = cap + N;
        for (int g = 0; g < N; g++) {
            xn_real lowest = INFINITY;
            for (int h = g - PFL_SPREAD; h <= g + PFL_SPREAD; h++)
                if (h >= 0 && h < N) lowest = fmin(lowest, cap[h]);
            spread[g] = lowest;
        }
        memcpy(cap, spread, (size_t)N * sizeof *cap);
        lim.sdot_max = cap;
    }
    xn_error terr;
    st = xn_topp_solve(*tpp, c->m, c->d, p->jp, &lim, &terr);
    int where = st != XN_OK ? terr.index : -1;
    free(cap);
    free(vmax);
    free(amax);
    free(tmax);
    if (st != XN_OK) {
        xn_real at = where >= 0 ? p->jp->s[where] / length : 0;
        int k = i + (int)(at * (j - i + 1));
        if (k > j) k = j;
        xn_joint_path_free(p->jp);
        p->jp = NULL;
        return xn_program_line_fail(
            err, prog, &prog->ins[k], XN_ERR_RANGE,
            "no speed along this path keeps the joints within their torque limits "
            "(%.0f %% along it)",
            100 * at);
    }
    xn_real dt = (xn_real)c->hal->period_ns * 1e-9;
    int w = (int)ceil(jerk_time / dt);
    if (time_table(p, *tpp, dt, w < 1 ? 1 : w) != XN_OK) return XN_ERR_NOMEM;
    memcpy(q_plan, &p->jp->q[(size_t)(N - 1) * (size_t)c->m->nq],
           (size_t)c->m->nq * sizeof(xn_real));
    c->interp.plan_of[i] = c->interp.nplan++;
    return XN_OK;
}

/* The time scale (<= 1) that keeps a movej from q_plan (at rest) to target under the power and
 * force limits: the trajectory the generator will make, sampled; slowing it by r scales every
 * speed on it by r (velocity, acceleration and jerk limits scaled by r, r^2, r^3). */
static xn_status movej_scale(xn_controller *c, const xn_instruction *in, const xn_real *q_plan,
                             const xn_real *target, xn_real override, xn_real *scale) {
    const xn_model *m = c->m;
    *scale = 1;
    xn_otg_problem pr;
    xn_otg_problem_init(&pr, c->nj);
    for (int k = 0; k < c->nj; k++) {
        pr.current_position[k] = q_plan[c->qadr[k]];
        pr.target_position[k] = target[k];
        pr.max_velocity[k] = c->cfg.max_velocity[k] * in->speed * override;
        pr.max_acceleration[k] = c->cfg.max_acceleration[k] * in->accel * override * override;
        pr.max_jerk[k] = c->cfg.max_jerk[k] * in->accel * override * override * override;
    }
    xn_trajectory *tr = malloc(sizeof *tr);
    xn_real *q = malloc(((size_t)m->nq + 1) * sizeof *q),
            *qd = calloc((size_t)m->nv + 1, sizeof *qd);
    xn_status st = XN_OK;
    if (!tr || !q || !qd) st = XN_ERR_NOMEM;
    xn_error oe;
    if (st == XN_OK && xn_otg_calculate(&pr, tr, &oe) == XN_OK) {
        memcpy(q, q_plan, (size_t)m->nq * sizeof *q);
        xn_real T = tr->duration, worst = INFINITY;
        for (int i = 1; i < PFL_SAMPLES; i++) {
            xn_real p[XN_OTG_MAX_DOFS], v[XN_OTG_MAX_DOFS];
            xn_trajectory_at(tr, T * i / PFL_SAMPLES, p, v, NULL, NULL);
            for (int k = 0; k < c->nj; k++) {
                q[c->qadr[k]] = p[k];
                qd[c->vadr[k]] = v[k];
            }
            xn_pfl_check ck;
            xn_pfl_check_motion(c->pfl, m, c->d, q, qd, &ck);
            if (ck.point >= 0) worst = fmin(worst, ck.allowed / ck.speed);
        }
        if (worst < 1) *scale = PFL_MARGIN * worst;
    }
    free(tr);
    free(q);
    free(qd);
    return st;
}

xn_status xn_ctl_plan_program(xn_controller *c, xn_error *err) {
    const xn_program *prog = c->prog;
    const xn_model *m = c->m;
    int need = 0;
    int pfl = 0;
    for (int i = 0; i < prog->n; i++) {
        need |= is_path_op(prog->ins[i].op) || prog->ins[i].cart;
        pfl |= prog->ins[i].op == XN_OP_SET_CONTACT || prog->ins[i].op == XN_OP_SET_COLLABORATIVE;
    }
    need |= pfl;
    c->interp.motion_scale = malloc(((size_t)prog->n + 1) * sizeof *c->interp.motion_scale);
    if (!c->interp.motion_scale) return XN_ERR_NOMEM;
    for (int i = 0; i <= prog->n; i++) c->interp.motion_scale[i] = 1;
    c->interp.plan_of = malloc(((size_t)prog->n + 1) * sizeof *c->interp.plan_of);
    c->interp.has_resolved = calloc((size_t)prog->n + 1, 1);
    c->interp.resolved =
        calloc(((size_t)prog->n + 1) * XN_OTG_MAX_DOFS, sizeof *c->interp.resolved);
    c->interp.plans = calloc((size_t)prog->n + 1, sizeof *c->interp.plans);
    if (!c->interp.plan_of || !c->interp.has_resolved || !c->interp.resolved || !c->interp.plans)
        return XN_ERR_NOMEM;
    for (int i = 0; i < prog->n; i++) c->interp.plan_of[i] = -1;
    if (!need) return XN_OK;
    const char *fname = c->cfg.flange_frame ? c->cfg.flange_frame : "flange";
    int flange = xn_model_frame_id(m, fname);
    if (flange < 0) {
        if (c->cfg.flange_frame)
            return xn_program_line_fail(err, prog, &prog->ins[0], XN_ERR_RANGE,
                                        "the model has no frame named '%s'", fname);
        for (int f = 0; f < m->nframe && flange < 0; f++)
            if (m->frame_body[f] == c->payload_body) flange = f;
    }
    xn_ik *ik = NULL;
    xn_ik_create(m, flange, &ik, NULL); /* a NULL ik is refused below */
    xn_real *q_plan = malloc(((size_t)m->nq + 1) * sizeof *q_plan),
            *q_start = malloc(((size_t)m->nq + 1) * sizeof *q_start);
    if (!ik || !q_plan || !q_start) {
        xn_ik_free(ik);
        free(q_plan);
        free(q_start);
        return XN_ERR_NOMEM;
    }
    /* IK may move only the controlled joints */
    unsigned char *active = calloc((size_t)m->nv + 1, 1);
    for (int k = 0; k < c->nj && active; k++) active[c->vadr[k]] = 1;
    xn_ik_set_active(ik, active);
    free(active);
    /* start where the robot is (a program given while the loop runs: where the loop's reference
     * was, since the robot's readings are the loop's) */
    memcpy(q_plan, c->plan_start ? c->plan_start : m->q_neutral, (size_t)m->nq * sizeof *q_plan);
    for (int i = 0; i < c->hal->njoint && !c->plan_start; i++)
        if (c->joint_qadr[i] >= 0 && isfinite(c->hal->joint[i].position))
            q_plan[c->joint_qadr[i]] = c->hal->joint[i].position;
    xn_se3 base, tool;
    xn_se3_identity(&base);
    xn_se3_identity(&tool);
    xn_real override = 1;
    xn_topp *tp = NULL;
    xn_status st = XN_OK;
    for (int i = 0; i < prog->n && st == XN_OK; i++) {
        const xn_instruction *in = &prog->ins[i];
        switch (in->op) {
        case XN_OP_SET_TOOL:
            pose6(in->value, &tool);
            if (c->pfl) xn_pfl_set_tool(c->pfl, flange, tool.p);
            break;
        case XN_OP_SET_BASE: pose6(in->value, &base); break;
        case XN_OP_SET_CONTACT: {
            if (in->value[0] < 0) {
                xn_pfl_clear_regions(c->pfl);
                break;
            }
            /* the centre in the world, kept for the run */
            xn_real *w = c->interp.resolved + (size_t)i * XN_OTG_MAX_DOFS;
            for (int r = 0; r < 3; r++)
                w[r] = base.p[r] + base.R[3 * r] * in->value[1] + base.R[3 * r + 1] * in->value[2] +
                       base.R[3 * r + 2] * in->value[3];
            c->interp.has_resolved[i] = 1;
            if (xn_pfl_add_region(c->pfl, (xn_body_region)(int)in->value[0], w, in->value[4],
                                  in->value[5] != 0, NULL))
                st = xn_program_line_fail(
                    err, prog, in, XN_ERR_RANGE,
                    "more than %d contact regions at once (clear them with 'set "
                    "contact off')",
                    XN_PFL_MAX_REGIONS);
            break;
        }
        case XN_OP_SET_COLLABORATIVE: xn_pfl_set_tool_speed_limit(c->pfl, in->value[0]); break;
        case XN_OP_SET_SPEED: override = in->value[0]; break;
        case XN_OP_MOVEJ: {
            if (in->blend > 0 && i + 1 < prog->n && is_path_op(prog->ins[i + 1].op)) {
                st = xn_program_line_fail(
                    err, prog, in, XN_ERR_RANGE,
                    "a movej cannot blend into a movel or movec (remove the blend)");
                break;
            }
            if (!in->cart) {
                if (c->pfl && xn_pfl_active(c->pfl))
                    st = movej_scale(c, in, q_plan, in->target, override,
                                     &c->interp.motion_scale[i]);
                for (int k = 0; k < c->nj && k < in->naxes; k++) q_plan[c->qadr[k]] = in->target[k];
                break;
            }
            xn_se3 P, tmp, tinv, target;
            pose6(in->target, &P);
            xn_se3_mul(&tmp, &base, &P);
            xn_se3_inv(&tinv, &tool);
            xn_se3_mul(&target, &tmp, &tinv);
            xn_ik_result r;
            unsigned long seed = 1;
            memcpy(q_start, q_plan, (size_t)m->nq * sizeof *q_plan);
            if (xn_ik_solve_multistart(ik, &target, q_plan, NULL, 20, &seed, q_plan, &r, NULL) !=
                XN_OK) {
                st = xn_program_line_fail(
                    err, prog, in, XN_ERR_RANGE,
                    "%s is out of reach (or blocked by the joint limits): the closest "
                    "pose found is %.3g m and %.3g rad away",
                    in->name[0] ? in->name : "the pose", r.err_position, r.err_rotation);
                break;
            }
            xn_real *resolved = c->interp.resolved + (size_t)i * XN_OTG_MAX_DOFS;
            for (int k = 0; k < c->nj; k++) resolved[k] = q_plan[c->qadr[k]];
            if (c->pfl && xn_pfl_active(c->pfl))
                st = movej_scale(c, in, q_start, resolved, override, &c->interp.motion_scale[i]);
            c->interp.has_resolved[i] = 1;
            break;
        }
        case XN_OP_MOVEL:
        case XN_OP_MOVEC: {
            int j = i;
            while (j + 1 < prog->n && prog->ins[j].blend > 0 && is_path_op(prog->ins[j + 1].op))
                j++;
            if (prog->ins[j].blend > 0 && j + 1 < prog->n && prog->ins[j + 1].op == XN_OP_MOVEJ) {
                st = xn_program_line_fail(
                    err, prog, &prog->ins[j], XN_ERR_RANGE,
                    "a movel or movec cannot blend into a movej (remove the blend)");
                break;
            }
            st = plan_chain(c, ik, flange, i, j, &base, &tool, override, q_plan, &tp, err);
            i = j;
            break;
        }
        default: break;
        }
    }
    xn_topp_free(tp);
    xn_ik_free(ik);
    free(q_plan);
    free(q_start);
    /* the run declares its regions and limits again as it reaches them */
    if (c->pfl) {
        xn_pfl_clear_regions(c->pfl);
        xn_pfl_set_tool_speed_limit(c->pfl, 0);
        xn_pfl_set_tool(c->pfl, flange, NULL);
    }
    return st;
}

void xn_ctl_plan_free(xn_controller *c) {
    for (int p = 0; c->interp.plans && p < c->interp.nplan; p++) {
        xn_joint_path_free(c->interp.plans[p].jp);
        free(c->interp.plans[p].S);
    }
    free(c->interp.plans);
    free(c->interp.plan_of);
    free(c->interp.motion_scale);
    free(c->interp.resolved);
    free(c->interp.has_resolved);
}

/* s and its first two derivatives at table entry kk, from its neighbours (the table is
 * smooth); at rest at the end */
static void time_law(const xn_ctl_plan *p, long kk, xn_real dt, xn_real out[3]) {
    long k0 = kk > 0 ? kk - 1 : 0, k1 = kk + 1 < p->nS ? kk + 1 : p->nS - 1;
    out[0] = p->S[kk];
    out[1] = (p->S[k1] - p->S[k0]) / ((xn_real)(k1 - k0 > 0 ? k1 - k0 : 1) * dt);
    out[2] = k1 - k0 == 2 ? (p->S[k1] - 2 * p->S[kk] + p->S[k0]) / (dt * dt) : 0;
    if (kk == p->nS - 1) out[1] = out[2] = 0;
}

void xn_ctl_plan_sample(const xn_controller *c, const xn_ctl_plan *p, xn_real k, xn_real *q,
                        xn_real *v, xn_real *a) {
    const xn_joint_path *jp = p->jp;
    int nq = jp->nq, nv = jp->nv, N = jp->N;
    xn_real dt = (xn_real)c->hal->period_ns * 1e-9;
    /* between two entries (a paused or resuming clock): both ends' values, linearly */
    xn_real kc = k < 0 ? 0 : (k > (xn_real)(p->nS - 1) ? (xn_real)(p->nS - 1) : k);
    long kk = (long)floor(kc);
    xn_real f = kc - (xn_real)kk, lo[3], hi[3];
    time_law(p, kk, dt, lo);
    time_law(p, kk + 1 < p->nS ? kk + 1 : kk, dt, hi);
    xn_real s = lo[0] + f * (hi[0] - lo[0]), sd = lo[1] + f * (hi[1] - lo[1]),
            sdd = lo[2] + f * (hi[2] - lo[2]);
    /* cubic Hermite between grid points (uniform grid) */
    xn_real h = jp->s[N - 1] / (N - 1);
    int i = (int)(s / h);
    if (i > N - 2) i = N - 2;
    if (i < 0) i = 0;
    xn_real t = (s - jp->s[i]) / h, t2 = t * t, t3 = t2 * t;
    xn_real h00 = 2 * t3 - 3 * t2 + 1, h10 = t3 - 2 * t2 + t, h01 = -2 * t3 + 3 * t2, h11 = t3 - t2;
    xn_real d00 = (6 * t2 - 6 * t) / h, d10 = 3 * t2 - 4 * t + 1, d01 = (-6 * t2 + 6 * t) / h,
            d11 = 3 * t2 - 2 * t;
    const xn_real *qa = &jp->q[(size_t)i * nq], *qb = &jp->q[(size_t)(i + 1) * nq];
    const xn_real *da = &jp->dq[(size_t)i * nv], *db = &jp->dq[(size_t)(i + 1) * nv];
    const xn_real *ea = &jp->ddq[(size_t)i * nv], *eb = &jp->ddq[(size_t)(i + 1) * nv];
    for (int j = 0; j < nq && j < nv; j++) {
        xn_real dq = d00 * qa[j] + d10 * da[j] + d01 * qb[j] + d11 * db[j];
        xn_real ddq = (1 - t) * ea[j] + t * eb[j];
        q[j] = h00 * qa[j] + h10 * h * da[j] + h01 * qb[j] + h11 * h * db[j];
        v[j] = dq * sd;
        a[j] = dq * sdd + ddq * sd * sd;
    }
}
