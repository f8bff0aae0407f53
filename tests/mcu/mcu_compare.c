/* Reads what an MCU test image printed (mcu/check/codegen_image.c: every input and result bit for
 * bit) and recomputes it with the generic library on the host:
 *   mcu_compare MODEL double|float [--floating-base] < qemu-output
 * RNEA and CRBA are compared relative to each result's largest entry, ABA by the torque its
 * difference stands for (M dqdd, as tests/codegen/codegen_check.c); double within 1e-12, float
 * within 1e-4. The instruction counts the image measured are passed through as a table row
 * ("insn" lines). Prints "N passed, N failed". SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcu/check/motion_case.h"
#include "test_util.h"
#include "xiaonao/xiaonao.h"

#define MAXN 4096

/* "name count hex..." into x (as double); the count, or -1 when the line is not that array. */
static int parse(const char *line, const char *name, int single, double *x) {
    size_t k = strlen(name);
    if (strncmp(line, name, k) != 0 || line[k] != ' ') return -1;
    char *end;
    long n = strtol(line + k + 1, &end, 10);
    if (n < 0 || n > MAXN) return -1;
    for (long i = 0; i < n; i++) {
        unsigned long long b = strtoull(end, &end, 16);
        if (single) {
            uint32_t u = (uint32_t)b;
            float f;
            memcpy(&f, &u, 4);
            x[i] = f;
        } else {
            uint64_t u = b;
            memcpy(&x[i], &u, 8);
        }
    }
    return (int)n;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: mcu_compare MODEL double|float [--floating-base] [--generic] "
                        "< output\n");
        return 2;
    }
    int single = strcmp(argv[2], "float") == 0;
    xn_load_options lo = {argc > 3 && strcmp(argv[3], "--floating-base") == 0, 0};
    xn_model *m;
    xn_error err;
    if (xn_load_model(argv[1], &lo, &m, &err) != XN_OK) {
        fprintf(stderr, "mcu_compare: %s:%d: %s\n", err.file, err.line, err.message);
        return 2;
    }
    xn_data *d = xn_data_create(m);
    int nq = m->nq, nv = m->nv, cases = 0, done = 0;
    static double q[MAXN], v[MAXN], a[MAXN], tau[MAXN], qdd[MAXN], M[MAXN];
    double e_rnea = 0, e_crba = 0, e_aba = 0, e_lib = 0, tol = single ? 1e-4 : 1e-12;
    static double Qs[8][MAXN / 8], Vs[8][MAXN / 8], imp[8][MAXN / 8], otg_t[1], otg_p[63];
    int nstates = 0, nimp = 0, have_otg = 0, want_motion = 0;
    for (int i = 3; i < argc; i++) want_motion |= strcmp(argv[i], "--motion") == 0;
    int lib_cases = 0, want_lib = argc > 3 && strcmp(argv[argc - 1], "--generic") == 0;
    static char line[1 << 17];
    int have = 0;
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "insn ", 5) == 0 || strncmp(line, "mcu: ", 5) == 0) {
            printf("%s\n", line);
            if (strcmp(line, "mcu: done") == 0) done = 1;
            continue;
        }
        int n;
        if ((n = parse(line, "otg_duration", single, otg_t)) >= 0) {
            have_otg |= n == 1 ? 1 : 0;
            continue;
        }
        if ((n = parse(line, "otg_samples", single, otg_p)) >= 0) {
            have_otg |= n == 63 ? 2 : 0;
            continue;
        }
        if ((n = parse(line, "impedance", single, imp[nimp < 8 ? nimp : 7])) >= 0) {
            if (n == nv && nimp < 8) nimp++;
            continue;
        }
        if ((n = parse(line, "q", single, q)) >= 0) {
            have = n == nq ? 1 : 0;
            if (have && nstates < 8) memcpy(Qs[nstates], q, sizeof(double) * (size_t)nq);
        } else if ((n = parse(line, "v", single, v)) >= 0) {
            have = have && n == nv ? 2 : 0;
            if (have && nstates < 8) memcpy(Vs[nstates++], v, sizeof(double) * (size_t)nv);
        } else if ((n = parse(line, "a", single, a)) >= 0)
            have = have == 2 && n == nv ? 3 : 0;
        else if ((n = parse(line, "tau", single, tau)) >= 0) {
            if (have != 3 || n != nv) continue;
            xn_dyn_rnea(m, d, q, v, a);
            e_rnea = xt_max(e_rnea, xt_err_scaled(tau, d->tau, nv, NULL));
            have = 4;
        } else if ((n = parse(line, "qdd", single, qdd)) >= 0) {
            if (have != 4 || n != nv) continue;
            xn_dyn_aba(m, d, q, v, tau); /* the same torques the image gave its ABA */
            xn_dyn_crba(m, d, q);
            double ts = 1;
            for (int i = 0; i < nv; i++) ts = xt_max(ts, fabs(tau[i]));
            for (int i = 0; i < nv; i++) {
                double s = 0;
                for (int j = 0; j < nv; j++) s += d->M[i * nv + j] * (qdd[j] - d->qdd[j]);
                e_aba = xt_max(e_aba, fabs(s) / ts);
            }
            have = 5;
        } else if ((n = parse(line, "M", single, M)) >= 0) {
            if (have != 5 || n != nv * nv) continue;
            xn_dyn_crba(m, d, q);
            e_crba = xt_max(e_crba, xt_err_scaled(M, d->M, nv * nv, NULL));
            cases++;
            have = 6;
        } else if ((n = parse(line, "tau_lib", single, tau)) >= 0) {
            /* the generic library built for the MCU, on the model its description rebuilt */
            if (have != 6 || n != nv) continue;
            xn_dyn_rnea(m, d, q, v, a);
            e_lib = xt_max(e_lib, xt_err_scaled(tau, d->tau, nv, NULL));
            have = 7;
        } else if ((n = parse(line, "qdd_lib", single, qdd)) >= 0) {
            if (have != 7 || n != nv) continue;
            xn_dyn_aba(m, d, q, v, tau);
            e_lib = xt_max(e_lib, xt_err_scaled(qdd, d->qdd, nv, NULL));
            have = 8;
        } else if ((n = parse(line, "M_lib", single, M)) >= 0) {
            if (have != 8 || n != nv * nv) continue;
            xn_dyn_crba(m, d, q);
            e_lib = xt_max(e_lib, xt_err_scaled(M, d->M, nv * nv, NULL));
            lib_cases++;
            have = 0;
        }
    }
    printf("mcu_compare: %d cases; worst error rnea %.3g, aba (M dqdd) %.3g, crba %.3g\n", cases,
           e_rnea, e_aba, e_crba);
    XT_CHECK(cases >= 8, "the image printed %d complete cases (8 expected)", cases);
    XT_CHECK(done, "the image did not finish (no 'mcu: done')");
    if (want_motion) {
        /* the image's problem, from the states it printed (mcu/check/motion_case.h) */
        xn_otg_problem p;
        xn_trajectory tr;
        xn_mcu_motion_problem(&p, Qs[0], Vs[0], Qs[1]);
        double e_otg = NAN, e_imp = 0;
        if (have_otg == 3 && nstates == 8 && xn_otg_calculate(&p, &tr, &err) == XN_OK) {
            e_otg = fabs(otg_t[0] - tr.duration) / tr.duration;
            for (int i = 0; i < 9; i++) {
                double pos[7];
                xn_trajectory_at(&tr, tr.duration * i / 8, pos, NULL, NULL, NULL);
                for (int k = 0; k < 7; k++) e_otg = xt_max(e_otg, fabs(otg_p[7 * i + k] - pos[k]));
            }
        }
        double K[MAXN / 8], D[MAXN / 8], tau_h[MAXN / 8];
        xn_mcu_impedance_gains(nv, K, D);
        for (int s = 0; s < nimp && s < nstates; s++) {
            xn_joint_impedance(m, d, Qs[s], Vs[s], Qs[(s + 1) % 8], K, D, tau_h);
            e_imp = xt_max(e_imp, xt_err_scaled(imp[s], tau_h, nv, NULL));
        }
        printf("mcu_compare: trajectory (duration and 9 samples) worst error %.3g; joint "
               "impedance over %d states %.3g\n",
               e_otg, nimp, e_imp);
        /* the trajectory's roots come from bracketed iterations: the same code on another FPU
         * agrees to their tolerance, not necessarily to the last bit */
        XT_CHECK(e_otg <= 1e-9, "the trajectory on the MCU differs by %.3g (> 1e-9)", e_otg);
        XT_CHECK(nimp == 8 && e_imp <= tol, "the impedance step (%d states) differs by %.3g", nimp,
                 e_imp);
    }
    if (want_lib) {
        printf("mcu_compare: the generic library on the MCU: %d cases, worst error %.3g\n",
               lib_cases, e_lib);
        XT_CHECK(lib_cases >= 8, "the image printed %d generic cases (8 expected)", lib_cases);
        XT_CHECK(e_lib <= tol, "the generic library on the MCU differs by %.3g (> %g)", e_lib, tol);
    }
    XT_CHECK(e_rnea <= tol, "rnea differs by %.3g (> %g)", e_rnea, tol);
    XT_CHECK(e_aba <= tol, "aba differs by %.3g (> %g)", e_aba, tol);
    XT_CHECK(e_crba <= tol, "crba differs by %.3g (> %g)", e_crba, tol);
    xn_data_free(d);
    xn_model_free(m);
    return xt_done("mcu_compare");
}
