/* Inverse kinematics on 10,000 random reachable poses per robot (Panda, UR5, Talos's left arm):
 * success rate (pose within 1e-6 m and 1e-6 rad) and median / 99th-percentile time of the
 * numerical solver from the current pose (a tracking-size step), from one random start, and
 * with multi-start; the UR closed form. Poses are made by forward kinematics of random
 * configurations inside the joint limits, so every one is reachable. No peer IK runs in this
 * process (MuJoCo has none): the times stand alone. Usage: bench_ik [POSES]
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "xiaonao/xiaonao.h"

#define PI 3.14159265358979323846

static unsigned long rng = 2026;
static double urand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * (1.0 / 9007199254740992.0);
}
static double gauss(void) {
    double u = urand() + 1e-300, v = urand();
    return sqrt(-2 * log(u)) * cos(2 * PI * v);
}

static double pct(double *t, int n, double p) {
    if (n == 0) return NAN;
    qsort(t, (size_t)n, sizeof *t, xb_cmp);
    int k = (int)(p * (n - 1) + 0.5);
    return t[k];
}

typedef struct {
    int ok, n;
    double *times;
} tally;

static void report(const char *robot, const char *mode, tally *t) {
    printf("| %s | %s | %.2f %% | %.1f | %.1f |\n", robot, mode, 100.0 * t->ok / t->n,
           pct(t->times, t->n, 0.5) * 1e-3, pct(t->times, t->n, 0.99) * 1e-3);
}

static int reached(const xn_model *m, xn_data *d, int f, const double *q, const xn_se3 *target) {
    xn_se3 X;
    xn_dyn_fk(m, d, q);
    xn_dyn_frame_placement(m, d, f, &X);
    double ep = 0, Re[9], w[3];
    for (int i = 0; i < 3; i++) ep += (X.p[i] - target->p[i]) * (X.p[i] - target->p[i]);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            Re[3 * r + c] = target->R[3 * r] * X.R[3 * c] + target->R[3 * r + 1] * X.R[3 * c + 1] +
                            target->R[3 * r + 2] * X.R[3 * c + 2];
    xn_rot_log(Re, w);
    return sqrt(ep) < 1e-6 && sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]) < 1e-6;
}

static void run_robot(const char *name, const char *file, const char *frame, const char *prefix,
                      int poses) {
    xn_model *m = NULL;
    xn_error err;
    if (xn_load_model(file, NULL, &m, &err) != XN_OK) {
        fprintf(stderr, "%s: %s\n", file, err.message);
        exit(1);
    }
    int f = xn_model_frame_id(m, frame);
    xn_ik *ik = NULL;
    xn_ik_create(m, f, &ik, NULL);
    xn_data *d = xn_data_create(m);
    unsigned char *active = calloc((size_t)m->nv, 1);
    int nact = 0;
    for (int b = 1; b < m->nbody; b++)
        if (m->body_nv[b] == 1 &&
            (!prefix || strncmp(m->joint_name[b], prefix, strlen(prefix)) == 0)) {
            active[m->body_vadr[b]] = 1;
            nact++;
        }
    xn_ik_set_active(ik, active);
    double *q = calloc((size_t)m->nq, sizeof *q), *q0 = calloc((size_t)m->nq, sizeof *q0),
           *qs = calloc((size_t)m->nq, sizeof *qs);
    tally near = {0, 0, calloc((size_t)poses, sizeof(double))},
          one = {0, 0, calloc((size_t)poses, sizeof(double))},
          multi = {0, 0, calloc((size_t)poses, sizeof(double))};
    unsigned long seed = 7;
    for (int t = 0; t < poses; t++) {
        for (int i = 0; i < m->nq; i++) q[i] = 0;
        for (int b = 1; b < m->nbody; b++) {
            if (m->body_nv[b] != 1 || !active[m->body_vadr[b]]) continue;
            int i = m->body_qadr[b];
            double lo = isfinite(m->q_lower[i]) ? m->q_lower[i] : -PI;
            double hi = isfinite(m->q_upper[i]) ? m->q_upper[i] : PI;
            q[i] = lo + (hi - lo) * urand();
        }
        xn_se3 target;
        xn_dyn_fk(m, d, q);
        xn_dyn_frame_placement(m, d, f, &target);
        /* from the current pose: the joints 0.01 rad (1 sigma) away, as one control period of a
         * fast motion leaves them */
        for (int i = 0; i < m->nq; i++) q0[i] = q[i];
        for (int b = 1; b < m->nbody; b++) {
            if (m->body_nv[b] != 1 || !active[m->body_vadr[b]]) continue;
            int i = m->body_qadr[b];
            q0[i] = fmin(fmax(q[i] + 0.01 * gauss(), m->q_lower[i]), m->q_upper[i]);
        }
        xn_ik_result r;
        double t0 = xb_now_ns();
        xn_ik_solve(ik, &target, q0, NULL, qs, &r, NULL);
        near.times[near.n++] = xb_now_ns() - t0;
        near.ok += reached(m, d, f, qs, &target);
        /* from a random start: one start, then multi-start (up to 50) */
        for (int b = 1; b < m->nbody; b++) {
            if (m->body_nv[b] != 1 || !active[m->body_vadr[b]]) continue;
            int i = m->body_qadr[b];
            double lo = isfinite(m->q_lower[i]) ? m->q_lower[i] : -PI;
            double hi = isfinite(m->q_upper[i]) ? m->q_upper[i] : PI;
            q0[i] = lo + (hi - lo) * urand();
        }
        t0 = xb_now_ns();
        xn_ik_solve(ik, &target, q0, NULL, qs, &r, NULL);
        one.times[one.n++] = xb_now_ns() - t0;
        one.ok += reached(m, d, f, qs, &target);
        t0 = xb_now_ns();
        xn_ik_solve_multistart(ik, &target, q0, NULL, 50, &seed, qs, &r, NULL);
        multi.times[multi.n++] = xb_now_ns() - t0;
        multi.ok += reached(m, d, f, qs, &target);
    }
    char label[128];
    snprintf(label, sizeof label, "%s (%d DoF)", name, nact);
    report(label, "from the current pose (0.01 rad away)", &near);
    report(label, "from one random start", &one);
    report(label, "multi-start (up to 50 starts)", &multi);
    free(near.times);
    free(one.times);
    free(multi.times);
    free(q);
    free(q0);
    free(qs);
    free(active);
    xn_ik_free(ik);
    xn_data_free(d);
    xn_model_free(m);
}

static void run_ur_closed_form(int poses) {
    xn_model *m = NULL;
    xn_error err;
    xn_load_model(XN_MODELS_DIR "/urdf/ur5_robot.urdf", NULL, &m, &err);
    int f = xn_model_frame_id(m, "tool0");
    xn_ik_ur ur;
    xn_ik_ur_init(m, f, &ur, &err);
    xn_data *d = xn_data_create(m);
    double *times = calloc((size_t)poses, sizeof(double)), q[6], sol[8][6];
    /* d: only to check the answers */
    int ok = 0;
    for (int t = 0; t < poses; t++) {
        for (int i = 0; i < 6; i++) q[i] = (2 * urand() - 1) * PI;
        xn_se3 target;
        xn_dyn_fk(m, d, q);
        xn_dyn_frame_placement(m, d, f, &target);
        double t0 = xb_now_ns();
        int n = xn_ik_ur_solve(&ur, &target, sol, NULL);
        times[t] = xb_now_ns() - t0;
        int all = n > 0;
        for (int s = 0; s < n; s++) all &= reached(m, d, f, sol[s], &target);
        ok += all;
    }
    printf("| UR5 (6 DoF) | closed form, all solutions | %.2f %% | %.1f | %.1f |\n",
           100.0 * ok / poses, pct(times, poses, 0.5) * 1e-3, pct(times, poses, 0.99) * 1e-3);
    free(times);
    xn_data_free(d);
    xn_model_free(m);
}

static void run_panda_closed_form(int poses) {
    xn_model *m = NULL;
    xn_error err;
    xn_load_model(XN_MODELS_DIR "/urdf/panda.urdf", NULL, &m, &err);
    int f = xn_model_frame_id(m, "panda_hand");
    xn_ik_panda pk;
    xn_ik_panda_init(m, f, &pk, &err);
    xn_data *d = xn_data_create(m);
    double *times = calloc((size_t)poses, sizeof(double)), q[9] = {0}, sol[8][7];
    int ok = 0;
    for (int t = 0; t < poses; t++) {
        for (int i = 0; i < 7; i++)
            q[i] = m->q_lower[i] + (m->q_upper[i] - m->q_lower[i]) * urand();
        xn_se3 target;
        xn_dyn_fk(m, d, q);
        xn_dyn_frame_placement(m, d, f, &target);
        double t0 = xb_now_ns();
        int n = xn_ik_panda_solve(&pk, &target, q[6], 1, sol, NULL);
        times[t] = xb_now_ns() - t0;
        int all = n > 0;
        for (int s = 0; s < n; s++) {
            double qq[9] = {0};
            memcpy(qq, sol[s], sizeof sol[s]);
            all &= reached(m, d, f, qq, &target);
        }
        ok += all;
    }
    printf(
        "| Panda (7 DoF) | closed form, q7 given, solutions in limits | %.2f %% | %.1f | %.1f |\n",
        100.0 * ok / poses, pct(times, poses, 0.5) * 1e-3, pct(times, poses, 0.99) * 1e-3);
    free(times);
    xn_data_free(d);
    xn_model_free(m);
}

int main(int argc, char **argv) {
    int poses = argc > 1 ? atoi(argv[1]) : 10000;
    if (poses < 10) poses = 10;
    printf("%d random reachable poses per robot; success = within 1e-6 m and 1e-6 rad.\n\n", poses);
    printf("| robot | solver | success | median (us) | p99 (us) |\n|---|---|---|---|---|\n");
    run_robot("Panda", XN_MODELS_DIR "/urdf/panda.urdf", "panda_hand", "panda_joint", poses);
    run_robot("UR5", XN_MODELS_DIR "/urdf/ur5_robot.urdf", "tool0", NULL, poses);
    run_robot("Talos left arm", XN_MODELS_DIR "/urdf/talos_full_v2.urdf", "gripper_left_base_link",
              "arm_left_", poses);
    run_ur_closed_form(poses);
    run_panda_closed_form(poses);
    return 0;
}
