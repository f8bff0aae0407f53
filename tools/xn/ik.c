/* xn ik: inverse kinematics of one frame of a model, for a person trying it.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAXQ 64

static int usage(FILE *f) {
    fprintf(f, "usage: xn ik MODEL FRAME --pose X,Y,Z,ROLL,PITCH,YAW [--q0 Q,..] [--starts N]\n"
               "             [--closed-form ur|panda [--q7 A]] [--floating-base]\n\n"
               "Joint angles that put FRAME at the pose (metres; roll, pitch, yaw in rad as URDF\n"
               "defines them: R = Rz(yaw) Ry(pitch) Rx(roll)), in the world.\n"
               "  --q0         start of the numerical solver (default: the middle of each range)\n"
               "  --starts N   multi-start: up to N starts (default 20)\n"
               "  --closed-form ur     all solutions of a UR-type arm\n"
               "  --closed-form panda  all solutions of a Panda-type arm with joint 7 at --q7\n"
               "                       (default 0), inside the joint limits\n");
    return f == stdout ? 0 : 1;
}

static void print_q(const xn_model *m, const double *q) {
    printf("  q =");
    for (int b = 1; b < m->nbody; b++)
        if (m->body_nq[b] == 1) printf(" %.9g", q[m->body_qadr[b]]);
    printf("\n");
}

static void print_check(const xn_model *m, xn_data *d, int frame, const double *q,
                        const xn_se3 *target) {
    xn_se3 X;
    xn_dyn_fk(m, d, q);
    xn_dyn_frame_placement(m, d, frame, &X);
    double ep = 0, Re[9], w[3];
    for (int i = 0; i < 3; i++) ep += (X.p[i] - target->p[i]) * (X.p[i] - target->p[i]);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            Re[3 * r + c] = target->R[3 * r] * X.R[3 * c] + target->R[3 * r + 1] * X.R[3 * c + 1] +
                            target->R[3 * r + 2] * X.R[3 * c + 2];
    xn_rot_log(Re, w);
    printf("    forward kinematics: position error %.2e m, rotation error %.2e rad\n", sqrt(ep),
           sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]));
}

int xn_cmd_ik(int argc, char **argv) {
    const char *model = NULL, *frame_name = NULL, *pose = NULL, *q0s = NULL, *closed = NULL;
    int floating = 0, starts = 20;
    double q7 = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) return usage(stdout);
        if (strcmp(a, "--floating-base") == 0)
            floating = 1;
        else if (a[0] == '-' && !more)
            return xn_cli_error("ik: %s needs a value", a);
        else if (strcmp(a, "--pose") == 0)
            pose = argv[++i];
        else if (strcmp(a, "--q0") == 0)
            q0s = argv[++i];
        else if (strcmp(a, "--closed-form") == 0)
            closed = argv[++i];
        else if (strcmp(a, "--starts") == 0 || strcmp(a, "--q7") == 0) {
            char *end;
            double x = strtod(argv[++i], &end);
            if (*end || !isfinite(x)) return xn_cli_error("ik: %s expects a number", a);
            if (a[2] == 's') {
                if (x < 1 || x > 10000) return xn_cli_error("ik: --starts is 1..10000");
                starts = (int)x;
            } else {
                q7 = x;
            }
        } else if (a[0] == '-')
            return xn_cli_error("ik: unknown option %s (see xn ik --help)", a);
        else if (!model)
            model = a;
        else if (!frame_name)
            frame_name = a;
        else
            return xn_cli_error("ik: unexpected argument '%s'", a);
    }
    if (!model || !frame_name || !pose) return usage(stderr);
    double pv[6];
    if (xn_cli_list(pose, pv, 6) != 6)
        return xn_cli_error("ik: --pose '%s' is not six numbers X,Y,Z,ROLL,PITCH,YAW", pose);
    if (closed && strcmp(closed, "ur") != 0 && strcmp(closed, "panda") != 0)
        return xn_cli_error("ik: --closed-form is ur or panda, not '%s'", closed);
    xn_model *m = xn_cli_load(model, floating, 0);
    if (!m) return 1;
    int rc = 1, frame = xn_model_frame_id(m, frame_name);
    xn_data *d = xn_data_create(m);
    xn_ik *ik = NULL;
    double *q = calloc((size_t)m->nq + 1, sizeof *q), *qs = calloc((size_t)m->nq + 1, sizeof *qs);
    xn_se3 target;
    xn_rot_rpy(pv[3], pv[4], pv[5], target.R);
    memcpy(target.p, pv, sizeof target.p);
    if (frame < 0) {
        xn_cli_error("ik: %s has no frame named '%s' (xn info lists them)", model, frame_name);
        goto out;
    }
    if (closed) {
        xn_error err;
        if (strcmp(closed, "ur") == 0) {
            xn_ik_ur ur;
            if (xn_ik_ur_init(m, frame, &ur, &err) != XN_OK) {
                xn_cli_error("ik: %s", err.message);
                goto out;
            }
            double sol[8][6];
            int flags, n = xn_ik_ur_solve(&ur, &target, sol, &flags);
            printf("%d closed-form solution%s%s\n", n, n == 1 ? "" : "s",
                   flags ? " (wrist singular: joint 4 chosen)" : "");
            for (int s = 0; s < n; s++) {
                memcpy(q, m->q_neutral, (size_t)m->nq * sizeof *q);
                for (int k = 0; k < 6; k++) q[ur.qadr[k]] = sol[s][k];
                print_q(m, q);
                print_check(m, d, frame, q, &target);
            }
            rc = n > 0 ? 0 : 2;
        } else {
            xn_ik_panda pk;
            if (xn_ik_panda_init(m, frame, &pk, &err) != XN_OK) {
                xn_cli_error("ik: %s", err.message);
                goto out;
            }
            double sol[8][7];
            int flags, n = xn_ik_panda_solve(&pk, &target, q7, 1, sol, &flags);
            printf("%d closed-form solution%s inside the limits with joint 7 at %g%s\n", n,
                   n == 1 ? "" : "s", q7,
                   flags ? " (a singular configuration: a free angle set to 0)" : "");
            for (int s = 0; s < n; s++) {
                memcpy(q, m->q_neutral, (size_t)m->nq * sizeof *q);
                for (int k = 0; k < 7; k++) q[pk.qadr[k]] = sol[s][k];
                print_q(m, q);
                print_check(m, d, frame, q, &target);
            }
            rc = n > 0 ? 0 : 2;
        }
        if (rc == 2) printf("no solution: the pose is out of reach\n");
        goto out;
    }
    for (int i = 0; i < m->nq; i++)
        q[i] = isfinite(m->q_lower[i]) && isfinite(m->q_upper[i])
                   ? 0.5 * (m->q_lower[i] + m->q_upper[i])
                   : m->q_neutral[i];
    if (q0s) {
        double v[MAXQ];
        int n1 = 0;
        for (int b = 1; b < m->nbody; b++) n1 += m->body_nq[b] == 1;
        int n = xn_cli_list(q0s, v, MAXQ);
        if (n != n1) {
            xn_cli_error("ik: --q0 needs %d numbers (one per 1-DoF joint), got '%s'", n1, q0s);
            goto out;
        }
        int k = 0;
        for (int b = 1; b < m->nbody; b++)
            if (m->body_nq[b] == 1) q[m->body_qadr[b]] = v[k++];
    }
    xn_ik_create(m, frame, &ik, NULL); /* frame was looked up above */
    xn_ik_result r;
    unsigned long seed = 1;
    xn_error why;
    xn_status st = xn_ik_solve_multistart(ik, &target, q, NULL, starts, &seed, qs, &r, &why);
    printf("%s after %d iterations (%d start%s): position error %.2e m, rotation error %.2e rad\n",
           st == XN_OK               ? "converged"
           : st == XN_ERR_ITERATIONS ? "iteration limit"
           : st == XN_ERR_NUMERIC    ? "stalled"
                                     : "bad input",
           r.iterations, r.starts, r.starts == 1 ? "" : "s", r.err_position, r.err_rotation);
    print_q(m, qs);
    if (st != XN_OK)
        printf("not reached (%s): the pose is probably out of reach (or blocked by the joint "
               "limits)\n",
               why.message);
    rc = st == XN_OK ? 0 : 2;
out:
    free(q);
    free(qs);
    xn_ik_free(ik);
    xn_data_free(d);
    xn_model_free(m);
    return rc;
}
