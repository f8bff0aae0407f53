/* The stream source: setpoints from outside the control loop (another thread: a network client,
 * a teleoperation device, a planner) drive the controlled joints while a program's `stream` line
 * runs. The writer validates each setpoint against the controller's limits before it is
 * published, so the loop never sees one it must refuse; publication is a triple buffer (the
 * writer fills a buffer of its own and swaps it in, the loop swaps out the newest complete one),
 * lock-free for the loop. Each new setpoint becomes the target of the online trajectory
 * generator, whose jerk-limited tracking turns a late or jumpy stream into a smooth motion; the
 * safety layer downstream (the trajectory's limit check, collision detection, power and force
 * limiting, the servo's torque limits) treats it as any other motion.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "model/error_internal.h"
#include "runtime/runtime_internal.h"
#include "runtime/triple.h"
#include "xiaonao/dynamics.h"

enum { OWNER_STREAM, OWNER_POLICY, OWNER_BALANCE };

/* A published setpoint, tagged with the `stream` line whose joints it gives. */
typedef struct {
    xn_setpoint sp;
    int line; /* the line's instruction index, -1 for a setpoint sent while none ran */
} tagged;

struct xn_ctl_stream {
    tagged buf[3];
    xn_triple idx;           /* which of buf is whose */
    atomic_flag writer_busy; /* writers from several threads take turns (never the loop) */
    atomic_int end_requested;
    atomic_int running; /* a `stream` line runs: clients may watch this */
    atomic_int line;    /* its instruction index (the joints it claims), -1: none; set by the
                           loop before `running` */
    atomic_long accepted, rejected;
    /* the loop's side */
    int have;        /* a setpoint arrived since the line began or the last stop */
    int64_t last_ns; /* when the newest arrived (the controller's clock) */
    int64_t timeout_ns;
    int velocity_mode; /* the newest setpoint's mode */
    /* Cartesian setpoints: inverse kinematics in the sender's thread (under writer_busy) */
    xn_ik *ik;            /* for the flange frame, moving the controlled joints; NULL: none */
    xn_real *seed, *qsol; /* nq: the last pose's solution (the next one's start), scratch */
    int seed_line;        /* the line the seed is for (-2: none): each line starts from where
                             the joints are */
    int ik_line;          /* the line whose joints the inverse kinematics moves (-2: every one) */
    xn_real wanted[XN_OTG_MAX_DOFS];     /* the newest velocity setpoint */
    unsigned char held[XN_OTG_MAX_DOFS]; /* the limit guard holds this joint back */
    /* torque setpoints: the newest one drives the joints while torque_mode is set */
    int torque_mode;
    xn_real torque[XN_OTG_MAX_DOFS];
    atomic_int torque_blocked; /* the guard stopped a torque stream: torque refused until a
                                  position or velocity setpoint */
    /* who drives the joints while the line runs (set by the loop before `running`): the stream
     * itself; a walking policy, whose velocity commands the setpoints are (XN_STREAM_WALK,
     * within the range it was trained on); or the humanoid's balance, which takes none */
    atomic_int owner;
    xn_real walk_max[3];
};

xn_ctl_stream *xn_ctl_stream_create(void) {
    xn_ctl_stream *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    xn_triple_init(&s->idx);
    atomic_flag_clear(&s->writer_busy);
    atomic_init(&s->line, -1);
    s->seed_line = s->ik_line = -2;
    return s;
}

void xn_ctl_stream_free(xn_ctl_stream *s) {
    if (!s) return;
    xn_ik_free(s->ik);
    free(s->seed);
    free(s->qsol);
    free(s);
}

xn_status xn_ctl_stream_prepare(xn_controller *c) {
    xn_ctl_stream *s = c->stream;
    const xn_model *m = c->m;
    const char *fname = c->cfg.flange_frame ? c->cfg.flange_frame : "flange";
    int flange = xn_model_frame_id(m, fname);
    for (int f = 0; f < m->nframe && flange < 0; f++)
        if (m->frame_body[f] == c->payload_body) flange = f;
    if (flange < 0 || m->body_nv[1] == 6) return XN_OK; /* no arm: no Cartesian streaming */
    s->seed = calloc((size_t)m->nq + 1, sizeof(xn_real));
    s->qsol = calloc((size_t)m->nq + 1, sizeof(xn_real));
    unsigned char *active = calloc((size_t)m->nv + 1, 1);
    if (!s->seed || !s->qsol || !active || xn_ik_create(m, flange, &s->ik, NULL) != XN_OK) {
        free(active);
        return XN_ERR_NOMEM;
    }
    for (int k = 0; k < c->nj; k++) active[c->vadr[k]] = 1;
    xn_ik_set_active(s->ik, active);
    free(active);
    return XN_OK;
}

/* The joints' present positions as a model configuration (the others neutral), for the
 * inverse kinematics' start: from the newest cycle, which other threads may read. */
static int present(xn_controller *c, xn_real *q) {
    xn_ctl_sample smp;
    if (!xn_controller_latest(c, &smp)) return 0;
    memcpy(q, c->m->q_neutral, (size_t)c->m->nq * sizeof(xn_real));
    for (int k = 0; k < c->nj; k++) q[c->qadr[k]] = smp.q[k];
    return 1;
}

int xn_ctl_stream_selection(const xn_controller *c, int line, int *sel) {
    const unsigned char *mine =
        line >= 0 ? &c->interp.stream_claim[(size_t)line * XN_OTG_MAX_DOFS] : NULL;
    int n = 0;
    for (int k = 0; k < c->nj; k++)
        if (!mine || mine[k]) sel[n++] = k;
    return n;
}

int xn_ctl_stream_line(const xn_controller *c) { return atomic_load(&c->stream->line); }

xn_status xn_ctl_stream_size_error(const xn_controller *c, int given, int n, const char *fn,
                                   xn_error *err) {
    return xn_fail(err, XN_ERR_SIZE, fn,
                   n == c->nj ? "%d joints given; the controller commands %d"
                              : "%d joints given; the running stream line claims %d",
                   given, n);
}

int xn_controller_stream_joints(const xn_controller *c, int *idx) {
    int sel[XN_OTG_MAX_DOFS];
    int n = xn_ctl_stream_selection(c, atomic_load(&c->stream->line), sel);
    if (idx) memcpy(idx, sel, (size_t)n * sizeof *idx);
    return n;
}

/* The inverse kinematics moves the joints of line `line` only, the others held where they are
 * (the writer's thread, under writer_busy). */
static xn_status ik_joints(xn_controller *c, int line) {
    xn_ctl_stream *s = c->stream;
    if (s->ik_line == line) return XN_OK;
    int sel[XN_OTG_MAX_DOFS], n = xn_ctl_stream_selection(c, line, sel);
    unsigned char *active = calloc((size_t)c->m->nv + 1, 1);
    if (!active) return XN_ERR_NOMEM;
    for (int i = 0; i < n; i++) active[c->vadr[sel[i]]] = 1;
    xn_ik_set_active(s->ik, active);
    free(active);
    s->ik_line = line;
    return XN_OK;
}

/* A Cartesian setpoint turned into a joint one for line `line`'s joints (the caller holds
 * writer_busy). */
static xn_status cartesian(xn_controller *c, int line, const xn_setpoint *in, xn_setpoint *out,
                           xn_error *err) {
    static const char *const fn = "xn_controller_stream";
    xn_ctl_stream *s = c->stream;
    if (!s->ik)
        return xn_fail(err, XN_ERR_INVALID, fn,
                       "Cartesian streaming needs an arm with a flange frame");
    if (ik_joints(c, line) != XN_OK) return xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
    int sel[XN_OTG_MAX_DOFS], n = xn_ctl_stream_selection(c, line, sel);
    memset(out, 0, sizeof *out);
    out->n = n;
    if (in->mode == XN_STREAM_POSE) {
        int finite = 1;
        for (int i = 0; i < 9; i++) finite &= isfinite(in->pose.R[i]);
        for (int i = 0; i < 3; i++) finite &= isfinite(in->pose.p[i]);
        if (!finite) return xn_fail(err, XN_ERR_RANGE, fn, "the pose is not finite");
        if (s->seed_line != line && !present(c, s->seed))
            return xn_fail(err, XN_ERR_INVALID, fn, "the controller has not run a cycle yet");
        s->seed_line = line; /* later poses of this line start from the last solution */
        xn_ik_result r;
        xn_ik_options o;
        xn_ik_options_init(&o);
        o.tol_position = 1e-7;
        o.tol_rotation = 1e-6;
        if (xn_ik_solve(s->ik, &in->pose, s->seed, &o, s->qsol, &r, NULL) != XN_OK)
            return xn_fail(err, XN_ERR_RANGE, fn,
                           "the pose is out of reach or blocked by a joint limit (%.3g m, "
                           "%.3g rad away)",
                           r.err_position, r.err_rotation);
        out->mode = XN_STREAM_POSITION;
        for (int i = 0; i < n; i++) out->position[i] = s->qsol[c->qadr[sel[i]]];
        return XN_OK;
    }
    for (int i = 0; i < 6; i++)
        if (!isfinite(in->twist[i]))
            return xn_fail(err, XN_ERR_RANGE, fn, "the twist is not finite");
    if (c->m->nv > 64) return xn_fail(err, XN_ERR_SIZE, fn, "twists for models of <= 64 DoFs");
    if (!present(c, s->qsol))
        return xn_fail(err, XN_ERR_INVALID, fn, "the controller has not run a cycle yet");
    xn_real qd[64];
    xn_ik_velocity(s->ik, s->qsol, in->twist, 0, 0, qd, NULL);
    xn_real scale = 1; /* every joint within its rated velocity, the direction kept */
    for (int i = 0; i < n; i++) {
        xn_real v = fabs(qd[c->vadr[sel[i]]]), vmax = c->cfg.max_velocity[sel[i]];
        if (v * scale > vmax) scale = vmax / v;
    }
    out->mode = XN_STREAM_VELOCITY;
    for (int i = 0; i < n; i++) out->velocity[i] = qd[c->vadr[sel[i]]] * scale;
    return XN_OK;
}

/* ---- the writer's side (any thread) ---- */

/* A torque setpoint: finite and within each joint's rating. */
static xn_status check_torque(const xn_controller *c, const xn_setpoint *sp, const int *sel,
                              xn_error *err) {
    static const char *const fn = "xn_controller_stream";
    if (atomic_load(&c->stream->torque_blocked))
        return xn_fail(err, XN_ERR_INVALID, fn,
                       "the torque stream was stopped at a limit: a position or velocity "
                       "setpoint must take over before torques are accepted again");
    for (int i = 0; i < sp->n; i++) {
        int k = sel[i];
        xn_real t = sp->torque[i], tmax = c->servo->tau_max[c->vadr[k]];
        if (!isfinite(t))
            return xn_fail_at(err, XN_ERR_RANGE, fn, i, "joint %s: torque %g is not finite",
                              c->name[k], t);
        if (fabs(t) > tmax)
            return xn_fail_at(err, XN_ERR_RANGE, fn, i,
                              "joint %s: torque %.6g beyond its rating %.6g", c->name[k], t, tmax);
    }
    return XN_OK;
}

/* A walking command: while a policy drives the joints, and within the range it was trained
 * on. */
static xn_status check_walk(const xn_controller *c, const xn_setpoint *sp, xn_error *err) {
    static const char *const fn = "xn_controller_stream";
    static const char *const what[3] = {"vx", "vy", "the yaw rate"};
    static const int at[3] = {0, 1, 5};
    const xn_ctl_stream *s = c->stream;
    if (atomic_load(&s->owner) != OWNER_POLICY)
        return xn_fail(err, XN_ERR_INVALID, fn,
                       "XN_STREAM_WALK commands a walking policy, and none drives the joints (a "
                       "`stream` line after `policy load`)");
    for (int i = 0; i < 3; i++) {
        xn_real v = sp->twist[at[i]];
        if (!isfinite(v))
            return xn_fail_at(err, XN_ERR_RANGE, fn, at[i], "%s %g is not finite", what[i], v);
        if (fabs(v) > s->walk_max[i])
            return xn_fail_at(err, XN_ERR_RANGE, fn, at[i],
                              "%s %.4g is beyond the %.4g the policy was trained on", what[i], v,
                              s->walk_max[i]);
    }
    return XN_OK;
}

/* A setpoint for line `line`'s joints (err->index: the setpoint's own index of a joint). */
static xn_status check(const xn_controller *c, int line, const xn_setpoint *sp, xn_error *err) {
    static const char *const fn = "xn_controller_stream";
    int owner = atomic_load(&c->stream->owner);
    if (owner == OWNER_BALANCE)
        return xn_fail(err, XN_ERR_INVALID, fn,
                       "the humanoid's balance controller drives the joints: it takes no "
                       "streamed setpoint");
    if (sp->mode == XN_STREAM_WALK) return check_walk(c, sp, err);
    if (owner == OWNER_POLICY)
        return xn_fail(err, XN_ERR_INVALID, fn,
                       "a walking policy drives the joints: it takes XN_STREAM_WALK commands only");
    if (sp->mode != XN_STREAM_POSITION && sp->mode != XN_STREAM_VELOCITY &&
        sp->mode != XN_STREAM_TORQUE)
        return xn_fail(err, XN_ERR_INVALID, fn,
                       "mode %d (XN_STREAM_POSITION, _VELOCITY, _POSE, _TWIST, _TORQUE or _WALK)",
                       (int)sp->mode);
    int sel[XN_OTG_MAX_DOFS], n = xn_ctl_stream_selection(c, line, sel);
    if (sp->n != n) return xn_ctl_stream_size_error(c, sp->n, n, fn, err);
    if (sp->mode == XN_STREAM_TORQUE) return check_torque(c, sp, sel, err);
    for (int i = 0; i < n; i++) {
        int k = sel[i];
        xn_real p = sp->position[i], v = sp->velocity[i], vmax = c->cfg.max_velocity[k];
        if (sp->mode == XN_STREAM_POSITION && !isfinite(p))
            return xn_fail_at(err, XN_ERR_RANGE, fn, i, "joint %s: position %g is not finite",
                              c->name[k], p);
        if (!isfinite(v))
            return xn_fail_at(err, XN_ERR_RANGE, fn, i, "joint %s: velocity %g is not finite",
                              c->name[k], v);
        if (sp->mode == XN_STREAM_POSITION && (p < c->lo[k] || p > c->hi[k]))
            return xn_fail_at(err, XN_ERR_RANGE, fn, i,
                              "joint %s: position %.6g outside its limits [%.6g, %.6g]", c->name[k],
                              p, c->lo[k], c->hi[k]);
        if (fabs(v) > vmax)
            return xn_fail_at(err, XN_ERR_RANGE, fn, i,
                              "joint %s: velocity %.6g beyond its rated %.6g", c->name[k], v, vmax);
        if (sp->mode == XN_STREAM_POSITION && v != 0) {
            /* arriving at the limit still moving toward it is no target: it could not stop */
            xn_real room = v > 0 ? c->hi[k] - p : p - c->lo[k];
            xn_real stop = v * v / (2 * c->cfg.max_acceleration[k]);
            if (stop > room)
                return xn_fail_at(err, XN_ERR_RANGE, fn, i,
                                  "joint %s: arriving at %.6g with %.6g it would pass its limit "
                                  "before it stopped",
                                  c->name[k], p, v);
        }
    }
    return XN_OK;
}

xn_status xn_controller_stream(xn_controller *c, const xn_setpoint *sp, xn_error *err) {
    xn_ctl_stream *s = c->stream;
    while (atomic_flag_test_and_set(&s->writer_busy)) {
        /* another writer is converting or publishing (non-real-time threads only) */
    }
    xn_setpoint joint;
    xn_status st = XN_OK;
    int line = atomic_load(&s->line); /* the joints it gives are this line's */
    if ((sp->mode == XN_STREAM_POSE || sp->mode == XN_STREAM_TWIST) &&
        atomic_load(&s->owner) == OWNER_STREAM) {
        st = cartesian(c, line, sp, &joint, err);
        sp = &joint;
    }
    if (st == XN_OK && line < 0 && atomic_load(&c->run_state) == XN_RUN_RUNNING)
        st = xn_fail(err, XN_ERR_STATE, "xn_controller_stream",
                     "a program given by xn_controller_run_program drives the joints: "
                     "setpoints are taken again after it ends");
    if (st == XN_OK) st = check(c, line, sp, err);
    if (st != XN_OK) {
        atomic_flag_clear(&s->writer_busy);
        atomic_fetch_add(&s->rejected, 1);
        return st;
    }
    if (sp->mode != XN_STREAM_TORQUE) atomic_store(&s->torque_blocked, 0); /* taken over */
    if (sp == &joint && joint.mode == XN_STREAM_POSITION) /* the next pose starts here */
        memcpy(s->seed, s->qsol, (size_t)c->m->nq * sizeof(xn_real));
    s->buf[s->idx.back].sp = *sp;
    s->buf[s->idx.back].line = line;
    xn_triple_publish(&s->idx);
    atomic_flag_clear(&s->writer_busy);
    atomic_fetch_add(&s->accepted, 1);
    return XN_OK;
}

void xn_controller_stream_end(xn_controller *c) { atomic_store(&c->stream->end_requested, 1); }

void xn_ctl_stream_abort(xn_controller *c) {
    atomic_store(&c->stream->running, 0);
    atomic_store(&c->stream->line, -1);
    atomic_store(&c->stream->owner, OWNER_STREAM);
}

int xn_controller_streaming(const xn_controller *c) {
    return atomic_load(&((xn_ctl_stream *)c->stream)->running);
}

long xn_controller_stream_count(const xn_controller *c, int rejected) {
    xn_ctl_stream *s = c->stream;
    return rejected ? atomic_load(&s->rejected) : atomic_load(&s->accepted);
}

/* ---- the loop's side ---- */

/* The newest complete setpoint for the running line's joints, or NULL when none arrived since
 * the last call (one built for another line's joints is dropped). */
static const xn_setpoint *take(xn_ctl_stream *s) {
    if (!xn_triple_take(&s->idx)) return NULL;
    const tagged *t = &s->buf[s->idx.front];
    return t->line == atomic_load(&s->line) ? &t->sp : NULL;
}

/* Every joint to rest, jerk-limited (stop category 2: the power stays on). */
static void to_rest(xn_controller *c) {
    xn_otg_problem *p = &c->input;
    p->interface = XN_OTG_VELOCITY;
    for (int k = 0; k < c->nj; k++) p->target_velocity[k] = p->target_acceleration[k] = 0;
    memset(c->stream->held, 0, sizeof c->stream->held);
    c->stream->have = 0;
    c->stream->velocity_mode = 1;
    c->stream->torque_mode = 0;
}

static void set_limits(xn_controller *c) {
    xn_otg_problem *p = &c->input;
    xn_real s = c->speed_override;
    for (int k = 0; k < c->nj; k++) {
        p->max_velocity[k] = c->cfg.max_velocity[k] * s;
        p->max_acceleration[k] = c->cfg.max_acceleration[k] * s * s;
        p->max_jerk[k] = c->cfg.max_jerk[k] * s * s * s;
    }
}

void xn_ctl_stream_begin(xn_controller *c, const xn_instruction *in) {
    xn_ctl_stream *s = c->stream;
    xn_real timeout = in->value[0] > 0 ? in->value[0] : c->cfg.stream_timeout;
    s->timeout_ns = (int64_t)llround(timeout * 1e9);
    s->have = 0;
    s->velocity_mode = 0;
    s->torque_mode = 0;
    atomic_store(&s->torque_blocked, 0); /* a new line: torques welcome again */
    atomic_store(&s->end_requested, 0);
    take(s); /* a setpoint or trajectory older than the line is not a command for it */
    xn_ctl_traj_discard(c);
    const xn_policy_hook *h = c->cfg.policy_hook;
    if (c->policy_active && h) h->command_range(h->self, c->policy_current, s->walk_max);
    atomic_store(&s->owner, c->policy_active          ? OWNER_POLICY
                            : c->hum_active || c->bal ? OWNER_BALANCE
                                                      : OWNER_STREAM);
    atomic_store(&s->line, c->interp.pc); /* the joints setpoints give from now on */
    atomic_store(&s->running, 1);
    set_limits(c);
    c->interp.act = ACT_STREAM;
    xn_ctl_event(c, XN_EV_STREAM, -1, 1, "waiting for streamed setpoints (timeout %g s)", timeout);
}

/* The fastest a joint may move toward a limit `room` away and still stop before it: braking
 * from v at the acceleration a and jerk j takes about v^2 / (2 a) + v a / j, kept under the
 * room with a factor 1.5 and 0.1 mm to spare. */
static xn_real allowed_speed(xn_real room, xn_real a, xn_real j) {
    xn_real A = 0.75 / a, B = 1.5 * a / j, R = room - 1e-4;
    return R > 0 ? (-B + sqrt(B * B + 4 * A * R)) / (2 * A) : 0;
}

/* A velocity stream's guard: each joint's streamed velocity held to what lets it stop before
 * the limit it moves toward; reported once each time a joint comes under it. */
static void guard_limits(xn_controller *c, const xn_real *wanted) {
    xn_ctl_stream *s = c->stream;
    xn_otg_problem *p = &c->input;
    for (int k = 0; k < c->nj; k++) {
        xn_real v = wanted[k],
                room = v > 0 ? c->hi[k] - c->output.position[k] : c->output.position[k] - c->lo[k];
        xn_real cap = allowed_speed(room, p->max_acceleration[k], p->max_jerk[k]);
        int held = fabs(v) > cap;
        p->target_velocity[k] = held ? (v > 0 ? cap : -cap) : v;
        if (held && !s->held[k])
            xn_ctl_event(c, XN_EV_LIMIT_STOP, k, c->output.position[k],
                         "joint %s: the streamed velocity is held short of its limit", c->name[k]);
        s->held[k] = (unsigned char)held;
    }
}

/* A torque stream's guard, on the measured state: a joint beyond its rated velocity, or moving
 * toward a limit faster than it could stop before it, ends the torque stream (every joint to
 * rest, jerk-limited from where it is, and torques refused until a position or velocity
 * setpoint takes over). 1 when it tripped. */
static int guard_torque(xn_controller *c) {
    xn_ctl_stream *s = c->stream;
    const xn_otg_problem *p = &c->input;
    for (int k = 0; k < c->nj; k++) {
        xn_real q = c->q[c->qadr[k]], v = c->v[c->vadr[k]];
        xn_real room = v > 0 ? c->hi[k] - q : q - c->lo[k];
        xn_real cap = allowed_speed(room, p->max_acceleration[k], p->max_jerk[k]);
        const char *why = NULL;
        if (fabs(v) > c->cfg.max_velocity[k])
            why = "beyond its rated velocity";
        else if (fabs(v) > cap)
            why = "too fast to stop before its limit";
        if (!why) continue;
        xn_ctl_event(c, XN_EV_LIMIT_STOP, k, q,
                     "joint %s: %.3g rad/s at %.4g, %s: the torque stream ends (stop category 2)",
                     c->name[k], v, q, why);
        atomic_store(&s->torque_blocked, 1);
        to_rest(c);
        return 1;
    }
    return 0;
}

int xn_ctl_stream_torque(const xn_controller *c) {
    return c->interp.act == ACT_STREAM && c->state == XN_CTL_RUNNING && c->stream->torque_mode;
}

/* The torque source's command: the model's gravity, Coriolis and viscous friction torques plus
 * the streamed ones, the drives in torque mode (the safety layer clamps whatever exceeds a
 * rating). A streamed zero lets the arm float. */
void xn_ctl_stream_command(xn_controller *c) {
    xn_dyn_rnea(c->m, c->d, c->q, c->v, NULL);
    for (int k = 0; k < c->nj; k++) {
        if (c->claim[k] != XN_SOURCE_STREAM) continue; /* the servo's, holding it */
        int v = c->vadr[k];
        c->tau[v] = c->d->tau[v] + c->m->dof_damping[v] * c->v[v] + c->stream->torque[k];
        xn_joint_command *cmd = &c->hal->command[c->hal_of[k]];
        cmd->mode = XN_MODE_CST;
        cmd->torque = c->tau[v];
        cmd->position = c->q[c->qadr[k]];
        cmd->velocity = c->v[v];
    }
}

/* The newest setpoint is a velocity of zero for every joint: it asked for rest. */
static int asks_rest(const xn_ctl_stream *s) {
    if (!s->velocity_mode) return 0;
    for (int k = 0; k < XN_OTG_MAX_DOFS; k++)
        if (s->wanted[k] != 0) return 0;
    return 1;
}

/* The client has sent setpoints and then fallen silent for longer than the line's timeout. A
 * stream that asked for rest has it: its silence is not a lapse (a jog released with an
 * explicit zero is over, not timed out). */
static int silent(const xn_ctl_stream *s, int64_t now_ns) {
    return s->have && now_ns - s->last_ns > s->timeout_ns && !asks_rest(s);
}

/* The walking policy's side of a `stream` line: each command handed to it; silence or the
 * stream's end makes it stand (a zero command). 1 once the client ended the stream. */
static int walk_step(xn_controller *c) {
    xn_ctl_stream *s = c->stream;
    const xn_policy_hook *h = c->cfg.policy_hook;
    if (atomic_load(&s->end_requested)) {
        h->command(h->self, 0, 0, 0);
        atomic_store(&s->line, -1);
        atomic_store(&s->running, 0);
        atomic_store(&s->owner, OWNER_STREAM);
        xn_ctl_event(c, XN_EV_STREAM, -1, 0,
                     "the stream ended: the policy stands; the program "
                     "goes on");
        return 1;
    }
    const xn_setpoint *sp = take(s);
    if (sp) {
        h->command(h->self, sp->twist[0], sp->twist[1], sp->twist[5]);
        if (!s->have)
            xn_ctl_event(c, XN_EV_STREAM, -1, 2, "streamed velocity commands drive the policy");
        s->have = 1;
        s->last_ns = c->time_ns;
    } else if (silent(s, c->time_ns)) {
        xn_ctl_event(c, XN_EV_STREAM_TIMEOUT, -1, (double)(c->time_ns - s->last_ns) * 1e-9,
                     "no command for %.3g s: the policy stands",
                     (double)(c->time_ns - s->last_ns) * 1e-9);
        h->command(h->self, 0, 0, 0);
        s->have = 0;
    }
    return 0;
}

int xn_ctl_stream_idle(const xn_controller *c) {
    const xn_ctl_stream *s = c->stream;
    if (atomic_load(&s->owner) != OWNER_STREAM || xn_ctl_traj_active(c) || s->torque_mode ||
        !c->output.finished)
        return 0;
    for (int k = 0; k < c->nj; k++)
        if (c->output.velocity[k] != 0) return 0;
    return !s->have || asks_rest(s); /* a position setpoint reached: its client may go on */
}

void xn_ctl_stream_yield(xn_controller *c) {
    xn_ctl_stream *s = c->stream;
    atomic_store(&s->line, -1);
    atomic_store(&s->running, 0);
    s->have = 0;
}

int xn_ctl_stream_step(xn_controller *c) {
    xn_ctl_stream *s = c->stream;
    xn_otg_problem *p = &c->input;
    int owner = atomic_load(&s->owner);
    if (owner == OWNER_POLICY) return walk_step(c);
    if (owner == OWNER_BALANCE) { /* the balance goes on; only the client's end ends the line */
        if (!atomic_load(&s->end_requested)) return 0;
        atomic_store(&s->line, -1);
        atomic_store(&s->running, 0);
        atomic_store(&s->owner, OWNER_STREAM);
        xn_ctl_event(c, XN_EV_STREAM, -1, 0, "the stream ended: the program goes on");
        return 1;
    }
    if (atomic_load(&s->end_requested)) {
        if (xn_ctl_traj_active(c)) { /* cut short: brought to rest from where it is */
            xn_ctl_traj_cancel(c);
            s->have = 1;
        }
        if (s->have || s->velocity_mode) to_rest(c);
        int rest = 1;
        for (int k = 0; k < c->nj; k++) rest &= c->output.velocity[k] == 0;
        if (!rest || !c->output.finished) return 0;
        atomic_store(&s->line, -1);
        atomic_store(&s->running, 0);
        xn_ctl_event(c, XN_EV_STREAM, -1, 0, "the stream ended: the program goes on");
        return 1;
    }
    if (xn_ctl_traj_take(c)) s->have = 0; /* a whole trajectory: no timeout while it runs */
    int sel[XN_OTG_MAX_DOFS], n = xn_ctl_stream_selection(c, atomic_load(&s->line), sel);
    const xn_setpoint *sp = take(s);
    if (sp && sp->mode == XN_STREAM_TORQUE && atomic_load(&s->torque_blocked))
        sp = NULL; /* sent before the guard tripped: no longer a command */
    if (sp && sp->mode == XN_STREAM_TORQUE) {
        xn_ctl_traj_cancel(c);
        set_limits(c); /* for the guard, and for the stop it may begin */
        if (!s->have) xn_ctl_event(c, XN_EV_STREAM, -1, 2, "streamed torques drive the joints");
        s->torque_mode = s->have = 1;
        s->velocity_mode = 0;
        memset(s->torque, 0, sizeof s->torque);
        for (int i = 0; i < n; i++) s->torque[sel[i]] = sp->torque[i];
        /* the trajectory generator keeps the joints the stream does not claim at rest */
        p->interface = XN_OTG_VELOCITY;
        for (int k = 0; k < c->nj; k++) p->target_velocity[k] = p->target_acceleration[k] = 0;
        s->last_ns = c->time_ns;
    } else if (sp) {
        xn_ctl_traj_cancel(c); /* the newest command wins */
        s->torque_mode = 0;
        set_limits(c);
        s->velocity_mode = sp->mode == XN_STREAM_VELOCITY;
        p->interface = s->velocity_mode ? XN_OTG_VELOCITY : XN_OTG_POSITION;
        for (int k = 0; k < c->nj; k++) /* the others held where they are */
            p->target_velocity[k] = p->target_acceleration[k] = s->wanted[k] = 0;
        for (int i = 0; i < n; i++) {
            int k = sel[i];
            if (!s->velocity_mode) p->target_position[k] = sp->position[i];
            p->target_velocity[k] = s->wanted[k] = sp->velocity[i];
        }
        if (!s->have) xn_ctl_event(c, XN_EV_STREAM, -1, 2, "streamed setpoints drive the joints");
        s->have = 1;
        s->last_ns = c->time_ns;
    } else if (silent(s, c->time_ns)) {
        xn_ctl_event(c, XN_EV_STREAM_TIMEOUT, -1, (double)(c->time_ns - s->last_ns) * 1e-9,
                     "no setpoint for %.3g s: every joint brought to rest (stop category 2)",
                     (double)(c->time_ns - s->last_ns) * 1e-9);
        to_rest(c);
    }
    if (s->torque_mode) guard_torque(c);
    if (s->velocity_mode && s->have) guard_limits(c, s->wanted);
    return 0;
}
