/* The public trajectory-generation API: problem checks (each bad input gets its reason and DoF),
 * a solved problem read back through xn_trajectory_at (boundary states, continuity, limits),
 * phase times, position extrema against dense sampling, minimum duration, no synchronization,
 * disabled DoFs, and no allocation in xn_otg_calculate. */
#include <string.h>

#include "alloc_count.h"
#include "test_util.h"
#include "xiaonao/otg.h"

static void base_problem(xn_otg_problem *p) {
    xn_otg_problem_init(p, 3);
    const double p0[3] = {0, -1, 0.5}, v0[3] = {0.2, 0, -0.3}, a0[3] = {0, 0.5, 0};
    const double pf[3] = {1.5, 2, -0.5}, vf[3] = {0, 0.3, 0}, af[3] = {0, 0, 0.2};
    for (int i = 0; i < 3; i++) {
        p->current_position[i] = p0[i];
        p->current_velocity[i] = v0[i];
        p->current_acceleration[i] = a0[i];
        p->target_position[i] = pf[i];
        p->target_velocity[i] = vf[i];
        p->target_acceleration[i] = af[i];
        p->max_velocity[i] = 1 + i;
        p->max_acceleration[i] = 2 + i;
        p->max_jerk[i] = 5 + 2 * i;
    }
}

/* The rejection must be the expected status, name the DoF in err.index and say `what`. */
static void expect(const char *label, xn_otg_problem *p, xn_status want, int dof,
                   const char *what) {
    xn_trajectory t;
    xn_error e;
    memset(&t, 0x5a, sizeof t);
    xn_trajectory before = t;
    xn_status r = xn_otg_calculate(p, &t, &e);
    XT_CHECK(r == want && e.index == dof && strstr(e.message, what) &&
                 strcmp(e.file, "xn_otg_calculate") == 0,
             "%s: %s index %d in %s (%s), want %s index %d saying '%s'", label, xn_status_str(r),
             e.index, e.file, e.message, xn_status_str(want), dof, what);
    xn_error v;
    XT_CHECK(
        xn_otg_validate(p, &v) == want && v.index == dof && strcmp(v.file, "xn_otg_validate") == 0,
        "%s: xn_otg_validate says %s index %d in %s", label, xn_status_str(want), v.index, v.file);
    XT_CHECK(memcmp(&t, &before, sizeof t) == 0, "%s: trajectory written on error", label);
    XT_CHECK(e.message[0] != 0, "%s: no message", label);
}

static void bad_input(void) {
    xn_otg_problem p;
    base_problem(&p);
    p.dofs = 0;
    expect("zero dofs", &p, XN_ERR_SIZE, -1, "dofs is 0");
    base_problem(&p);
    p.current_velocity[1] = NAN;
    expect("NaN velocity", &p, XN_ERR_RANGE, 1, "current velocity is not finite");
    base_problem(&p);
    p.target_position[2] = INFINITY;
    expect("infinite target", &p, XN_ERR_RANGE, 2, "target position is not finite");
    base_problem(&p);
    p.max_jerk[0] = 0;
    expect("zero jerk limit", &p, XN_ERR_RANGE, 0, "must be > 0");
    base_problem(&p);
    p.max_acceleration[1] = -2;
    expect("negative acceleration limit", &p, XN_ERR_RANGE, 1, "must be > 0");
    base_problem(&p);
    p.has_min_velocity = 1;
    p.min_velocity[0] = p.min_velocity[1] = p.min_velocity[2] = -1;
    p.min_velocity[2] = 0.5;
    expect("positive min velocity", &p, XN_ERR_RANGE, 2, "must be < 0");
    base_problem(&p);
    p.target_velocity[1] = 5;
    expect("target velocity outside", &p, XN_ERR_RANGE, 1, "target velocity 5 lies outside");
    base_problem(&p);
    p.target_acceleration[0] = -3;
    expect("target acceleration outside", &p, XN_ERR_RANGE, 0,
           "target acceleration -3 lies outside");
    base_problem(&p);
    p.target_velocity[0] = 0.9; /* max 1: arriving at 0.9 with acceleration 2 needs 0.9 - 4/10 */
    p.target_acceleration[0] = -2;
    expect("target unreachable within the velocity limit", &p, XN_ERR_RANGE, 0,
           "cannot be reached");
    base_problem(&p);
    p.minimum_duration = -1;
    expect("negative minimum duration", &p, XN_ERR_RANGE, -1, "minimum duration -1");
    base_problem(&p);
    p.synchronization = (xn_otg_sync)7;
    expect("unknown synchronization", &p, XN_ERR_UNSUPPORTED, -1, "unknown synchronization 7");
}

/* Dense walk: boundary states, continuity of p, v, a, limits. */
static void check_trajectory(const char *label, const xn_otg_problem *p, const xn_trajectory *t) {
    double P[16], V[16], A[16], Pp[16], Vp[16], Ap[16];
    xn_trajectory_at(t, 0, P, V, A, NULL);
    double e0 = 0, e1 = 0, jump = 0, excess = 0;
    for (int i = 0; i < p->dofs; i++)
        e0 = xt_max(e0, fabs(P[i] - p->current_position[i]) + fabs(V[i] - p->current_velocity[i]) +
                            fabs(A[i] - p->current_acceleration[i]));
    int N = 4000;
    double dt = t->duration / N;
    memcpy(Pp, P, sizeof P);
    memcpy(Vp, V, sizeof V);
    memcpy(Ap, A, sizeof A);
    for (int k = 1; k <= N; k++) {
        xn_trajectory_at(t, k * dt, P, V, A, NULL);
        for (int i = 0; i < p->dofs; i++) {
            /* over one small step p, v, a move by about their rate * dt: a jump would show as a
             * ratio far above 1 (the rate may peak inside the step, hence the 1 % margin) */
            jump =
                xt_max(jump, fabs(P[i] - Pp[i]) / (xt_max(fabs(V[i]), fabs(Vp[i])) * dt + 1e-12));
            jump =
                xt_max(jump, fabs(V[i] - Vp[i]) / (xt_max(fabs(A[i]), fabs(Ap[i])) * dt + 1e-12));
            jump = xt_max(jump, fabs(A[i] - Ap[i]) / (p->max_jerk[i] * dt + 1e-12));
            excess = xt_max(excess, fabs(V[i]) - p->max_velocity[i]);
            excess = xt_max(excess, fabs(A[i]) - p->max_acceleration[i]);
        }
        memcpy(Pp, P, sizeof P);
        memcpy(Vp, V, sizeof V);
        memcpy(Ap, A, sizeof A);
    }
    for (int i = 0; i < p->dofs; i++) { /* each DoF at its own arrival */
        xn_trajectory_at(t, t->dof_duration[i], P, V, A, NULL);
        e1 = xt_max(e1, fabs(P[i] - p->target_position[i]) + fabs(V[i] - p->target_velocity[i]) +
                            fabs(A[i] - p->target_acceleration[i]));
    }
    XT_CHECK(e0 < 1e-12 && e1 < 1e-8, "%s: boundary states off by %g and %g", label, e0, e1);
    XT_CHECK(jump < 1.01, "%s: p, v or a jumps (ratio %g)", label, jump);
    XT_CHECK(excess < 1e-9, "%s: a limit is exceeded by %g", label, excess);
}

/* A DoF at rest on its target while the others move is held exactly: its position the same
 * double at every step, its velocity and acceleration exactly 0 (the profiles' families would
 * let it wander by rounding residues, which a joint another source holds must not do). */
static double uniform(unsigned long long *s) { /* splitmix64 -> [0, 1) */
    unsigned long long z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

static void held_exactly(void) {
    unsigned long long seed = 7;
    int moved_trials = 0, failed = 0, unfinished = 0, trials = 100;
    for (int trial = 0; trial < trials; trial++) {
        xn_otg o;
        xn_otg_output out;
        xn_otg_problem in;
        xn_error e;
        xn_otg_problem_init(&in, 3);
        for (int i = 0; i < 3; i++) {
            in.current_position[i] = 4 * uniform(&seed) - 2;
            in.target_position[i] = i == 1 ? in.current_position[i] : 4 * uniform(&seed) - 2;
            in.max_velocity[i] = 2;
            in.max_acceleration[i] = 10;
            in.max_jerk[i] = 1000;
        }
        double held = in.current_position[1];
        xn_otg_init(&o, 0.001);
        int moved = 0;
        for (int k = 0; k < 20000; k++) {
            failed += xn_otg_update(&o, &in, &out, &e) != XN_OK;
            moved += out.position[1] != held || out.velocity[1] != 0 || out.acceleration[1] != 0;
            for (int i = 0; i < 3; i++) {
                in.current_position[i] = out.position[i];
                in.current_velocity[i] = out.velocity[i];
                in.current_acceleration[i] = out.acceleration[i];
            }
            if (out.finished) break;
        }
        unfinished += !out.finished;
        moved_trials += moved > 0;
    }
    XT_CHECK(failed == 0 && unfinished == 0 && moved_trials == 0,
             "a DoF at rest on its target is held exactly while two others move: it moved in %d "
             "of %d random motions",
             moved_trials, trials);
}

int main(void) {
    held_exactly();
    bad_input();
    xn_otg_problem p;
    base_problem(&p);
    xn_trajectory t;
    xn_error e;
    XT_CHECK(xn_otg_calculate(&p, &t, &e) == XN_OK, "solve: %s", e.message);
    check_trajectory("time sync", &p, &t);
    for (int i = 0; i < 3; i++)
        XT_CHECK(fabs(t.dof_duration[i] - t.duration) < 1e-12, "time sync: DoF %d", i);
    /* phase times: ascending, ending at the duration */
    double pt[32];
    int np = xn_trajectory_phase_times(&t, 0, pt, 32);
    int asc = np > 0 && fabs(pt[np - 1] - t.duration) < 1e-9;
    for (int k = 1; k < np; k++) asc &= pt[k] >= pt[k - 1];
    XT_CHECK(asc, "phase times");
    /* extrema against dense sampling */
    for (int i = 0; i < 3; i++) {
        double lo, hi, tlo, thi, slo = INFINITY, shi = -INFINITY, P[16];
        xn_trajectory_extrema(&t, i, &lo, &tlo, &hi, &thi);
        for (int k = 0; k <= 20000; k++) {
            xn_trajectory_at(&t, t.duration * k / 20000, P, NULL, NULL, NULL);
            slo = xt_min(slo, P[i]);
            shi = xt_max(shi, P[i]);
        }
        xn_trajectory_at(&t, tlo, P, NULL, NULL, NULL);
        double at_lo = P[i];
        xn_trajectory_at(&t, thi, P, NULL, NULL, NULL);
        XT_CHECK(lo <= slo + 1e-12 && hi >= shi - 1e-12 && slo - lo < 1e-6 && hi - shi < 1e-6 &&
                     fabs(at_lo - lo) < 1e-12 && fabs(P[i] - hi) < 1e-12,
                 "extrema DoF %d: %g %g vs sampled %g %g", i, lo, hi, slo, shi);
    }
    /* a minimum duration stretches the trajectory */
    double T = t.duration;
    p.minimum_duration = 2 * T;
    XT_CHECK(xn_otg_calculate(&p, &t, &e) == XN_OK && fabs(t.duration - 2 * T) < 1e-12,
             "minimum duration: %g", t.duration);
    check_trajectory("minimum duration", &p, &t);
    /* no synchronization: each DoF's own minimum, the longest is the duration */
    p.minimum_duration = 0;
    p.synchronization = XN_OTG_SYNC_NONE;
    XT_CHECK(xn_otg_calculate(&p, &t, &e) == XN_OK, "sync none: %s", e.message);
    double mx = 0;
    int differ = 0;
    for (int i = 0; i < 3; i++) {
        mx = xt_max(mx, t.dof_duration[i]);
        differ |= fabs(t.dof_duration[i] - t.duration) > 1e-6;
    }
    XT_CHECK(fabs(mx - T) < 1e-9 && differ, "sync none: durations %g %g %g, time-sync %g",
             t.dof_duration[0], t.dof_duration[1], t.dof_duration[2], T);
    check_trajectory("sync none", &p, &t);
    /* a disabled DoF keeps its acceleration */
    p.synchronization = XN_OTG_SYNC_TIME;
    p.enabled[1] = 0;
    XT_CHECK(xn_otg_calculate(&p, &t, &e) == XN_OK, "disabled: %s", e.message);
    double P[16], V[16], A[16], tt = 0.7;
    xn_trajectory_at(&t, tt, P, V, A, NULL);
    XT_CHECK(fabs(A[1] - 0.5) < 1e-12 && fabs(V[1] - 0.5 * tt) < 1e-12 &&
                 fabs(P[1] - (-1 + 0.25 * tt * tt)) < 1e-12,
             "disabled DoF: %g %g %g", P[1], V[1], A[1]);
    /* phase synchronization: from rest to rest the motion is a straight line in joint space, as
     * long as the time-synchronized one; with velocities that do not share the displacement's
     * direction it falls back to time synchronization */
    {
        xn_otg_problem q;
        base_problem(&q);
        for (int i = 0; i < 3; i++)
            q.current_velocity[i] = q.current_acceleration[i] = q.target_velocity[i] =
                q.target_acceleration[i] = 0;
        xn_trajectory tt, tp;
        XT_CHECK(xn_otg_calculate(&q, &tt, &e) == XN_OK, "time sync (rest): %s", e.message);
        q.synchronization = XN_OTG_SYNC_PHASE;
        XT_CHECK(xn_otg_calculate(&q, &tp, &e) == XN_OK, "phase sync: %s", e.message);
        XT_CHECK(tp.phase_synchronized == 1 && fabs(tp.duration - tt.duration) < 1e-12,
                 "phase sync applied: %d, %g vs %g", tp.phase_synchronized, tp.duration,
                 tt.duration);
        double line = 0, P[16];
        for (int k = 0; k <= 1000; k++) {
            xn_trajectory_at(&tp, tp.duration * k / 1000, P, NULL, NULL, NULL);
            double s0 =
                (P[0] - q.current_position[0]) / (q.target_position[0] - q.current_position[0]);
            for (int i = 1; i < 3; i++)
                line = xt_max(line, fabs((P[i] - q.current_position[i]) /
                                             (q.target_position[i] - q.current_position[i]) -
                                         s0));
        }
        XT_CHECK(line < 1e-12, "phase sync: off the straight line by %g", line);
        check_trajectory("phase sync", &q, &tp);
        base_problem(&q); /* velocities in other directions than the displacement */
        q.synchronization = XN_OTG_SYNC_PHASE;
        XT_CHECK(xn_otg_calculate(&q, &tp, &e) == XN_OK && tp.phase_synchronized == 0,
                 "phase fallback");
        check_trajectory("phase fallback", &q, &tp);
    }
    /* the online form in a 1 kHz loop: one calculation, then steps; a target changed mid-motion
     * gives one new calculation that starts from the state reached (no jump) */
    {
        xn_otg o;
        xn_otg_output out;
        xn_otg_problem in;
        base_problem(&in);
        xn_otg_init(&o, 0.001);
        int calcs = 0, cycles = 0, finished_at = -1, failed = 0;
        double prev[3][3] = {{0}}, worst_jump = 0;
        for (int k = 0; k < 20000 && finished_at < 0; k++) {
            if (k == 300) in.target_position[0] = 0.8; /* a new target while moving */
            failed += xn_otg_update(&o, &in, &out, &e) != XN_OK;
            calcs += out.new_calculation;
            cycles++;
            for (int i = 0; i < 3; i++) {
                if (k > 0) {
                    worst_jump = xt_max(worst_jump, fabs(out.acceleration[i] - prev[i][2]) /
                                                        (in.max_jerk[i] * 0.001));
                }
                prev[i][0] = out.position[i];
                prev[i][1] = out.velocity[i];
                prev[i][2] = out.acceleration[i];
                in.current_position[i] = out.position[i];
                in.current_velocity[i] = out.velocity[i];
                in.current_acceleration[i] = out.acceleration[i];
            }
            if (out.finished) finished_at = k;
        }
        double err_end = 0;
        for (int i = 0; i < 3; i++)
            err_end = xt_max(err_end, fabs(out.position[i] - in.target_position[i]) +
                                          fabs(out.velocity[i] - in.target_velocity[i]) +
                                          fabs(out.acceleration[i] - in.target_acceleration[i]));
        XT_CHECK(failed == 0, "online: %d updates failed", failed);
        XT_CHECK(calcs == 2, "online: %d calculations (want 2: start and the new target)", calcs);
        XT_CHECK(finished_at > 300 && err_end < 1e-3, "online: finished at cycle %d, end error %g",
                 finished_at, err_end);
        XT_CHECK(worst_jump <= 1 + 1e-6,
                 "online: acceleration changed faster than the jerk limit (%g)", worst_jump);
        printf("online 1 kHz: %d cycles, %d calculations, finished at cycle %d, end state error "
               "%.1e\n",
               cycles, calcs, finished_at, err_end);
    }
    /* no allocation */
    p.enabled[1] = 1;
    xt_allocs = 0;
    xt_counting = 1;
    for (int k = 0; k < 200; k++) {
        p.target_position[0] = 1.5 + 0.01 * k;
        xn_otg_calculate(&p, &t, &e);
        xn_trajectory_at(&t, 0.1 * k, P, V, A, NULL);
    }
    xt_counting = 0;
    XT_CHECK(xt_allocs == 0, "xn_otg_calculate allocated %ld times", xt_allocs);
    return xt_done("otg_api");
}
