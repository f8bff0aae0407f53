/* Checks code written by `xn codegen` against the generic library on random states.
 *
 *   codegen_check MODEL LIB.so PREFIX float|double FRAME [--floating-base] [--states N]
 *
 * LIB.so is the generated source compiled by the test script (tests/codegen/codegen_check.sh)
 * with the project's warnings as errors; its functions are found by name. Every generated
 * function is compared with the generic one on the same state: double to 1e-12 relative to the
 * largest entry of each result, float to the bound printed (the float code's own rounding: its
 * worst error is reported for docs/embedded.md). The generic library is the reference: it is
 * itself checked against Pinocchio (test_pinocchio_reference) and MuJoCo.
 * SPDX-License-Identifier: Apache-2.0 */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "xiaonao/xiaonao.h"

typedef struct {
    void *lib;
    const char *prefix;
    int single;
} gen_lib;

static void *sym(const gen_lib *L, const char *name) {
    char full[256];
    snprintf(full, sizeof full, "%s_%s", L->prefix, name);
    void *f = dlsym(L->lib, full);
    if (!f) {
        fprintf(stderr, "codegen_check: the generated library has no %s\n", full);
        exit(2);
    }
    return f;
}

/* Calls a generated function with up to 3 inputs and one output, converting to float when the
 * code was generated for float. */
typedef void (*fn1d)(const double *, double *);
typedef void (*fn2d)(const double *, const double *, double *);
typedef void (*fn3d)(const double *, const double *, const double *, double *);
typedef void (*fn1f)(const float *, float *);
typedef void (*fn2f)(const float *, const float *, float *);
typedef void (*fn3f)(const float *, const float *, const float *, float *);

static void call(const gen_lib *L, const char *name, int nin, const double *const *in,
                 const int *n_in, double *out, int n_out) {
    void *f = sym(L, name);
    if (!L->single) {
        if (nin == 1) ((fn1d)f)(in[0], out);
        if (nin == 2) ((fn2d)f)(in[0], in[1], out);
        if (nin == 3) ((fn3d)f)(in[0], in[1], in[2], out);
        return;
    }
    float *fin[3] = {NULL, NULL, NULL};
    float *fout = malloc((size_t)n_out * sizeof *fout);
    for (int i = 0; i < nin; i++) {
        fin[i] = malloc((size_t)n_in[i] * sizeof(float));
        for (int k = 0; k < n_in[i]; k++) fin[i][k] = (float)in[i][k];
    }
    for (int k = 0; k < n_out; k++) fout[k] = NAN; /* an entry not written stays NaN */
    if (nin == 1) ((fn1f)f)(fin[0], fout);
    if (nin == 2) ((fn2f)f)(fin[0], fin[1], fout);
    if (nin == 3) ((fn3f)f)(fin[0], fin[1], fin[2], fout);
    for (int k = 0; k < n_out; k++) out[k] = fout[k];
    for (int i = 0; i < nin; i++) free(fin[i]);
    free(fout);
}

static double urand(double lo, double hi) { return lo + (hi - lo) * (rand() / (double)RAND_MAX); }

static void random_state(const xn_model *m, double *q, double *v, double *a) {
    for (int i = 0; i < m->nq; i++) {
        double lo = m->q_lower[i], hi = m->q_upper[i];
        q[i] = isfinite(lo) && isfinite(hi) ? urand(lo, hi) : urand(-3, 3);
    }
    for (int b = 1; b < m->nbody; b++) {
        double *qq = NULL;
        if (m->body_jtype[b] == XN_JOINT_FREE) qq = q + m->body_qadr[b] + 3;
        if (m->body_jtype[b] == XN_JOINT_BALL) qq = q + m->body_qadr[b];
        if (!qq) continue;
        double n = 0;
        for (int k = 0; k < 4; k++) {
            qq[k] = urand(-1, 1);
            n += qq[k] * qq[k];
        }
        for (int k = 0; k < 4; k++) qq[k] /= sqrt(n);
    }
    for (int k = 0; k < m->nv; k++) {
        v[k] = urand(-2, 2);
        a[k] = urand(-5, 5);
    }
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: codegen_check MODEL LIB.so PREFIX float|double FRAME "
                        "[--floating-base] [--states N]\n");
        return 2;
    }
    int floating = 0, states = 200;
    for (int i = 6; i < argc; i++) {
        if (strcmp(argv[i], "--floating-base") == 0) floating = 1;
        if (strcmp(argv[i], "--states") == 0 && i + 1 < argc) states = atoi(argv[++i]);
    }
    gen_lib L = {dlopen(argv[2], RTLD_NOW), argv[3], strcmp(argv[4], "float") == 0};
    if (!L.lib) {
        fprintf(stderr, "codegen_check: %s\n", dlerror());
        return 2;
    }
    xn_load_options lo = {floating, 0};
    xn_model *m = NULL;
    xn_error err;
    if (xn_load_model(argv[1], &lo, &m, &err) != XN_OK) {
        fprintf(stderr, "codegen_check: %s:%d: %s\n", err.file, err.line, err.message);
        return 2;
    }
    int frame = xn_model_frame_id(m, argv[5]);
    if (frame < 0) {
        fprintf(stderr, "codegen_check: no frame %s\n", argv[5]);
        return 2;
    }
    xn_data *d = xn_data_create(m);
    int nq = m->nq, nv = m->nv, nb = m->nbody;
    double *q = calloc((size_t)nq, sizeof *q), *v = calloc((size_t)nv, sizeof *v);
    double *a = calloc((size_t)nv, sizeof *a),
           *out = calloc((size_t)(12 * nb + 6 * nv + nv * nv), sizeof *out);
    double *want = calloc((size_t)(12 * nb + 6 * nv + nv * nv), sizeof *want);
    double *tau = calloc((size_t)nv, sizeof *tau);
    unsigned char *path = calloc((size_t)(nv * nv), 1);
    for (int k = 0; k < nv; k++)
        for (int t = m->dof_path_adr[k]; t < m->dof_path_adr[k + 1]; t++)
            path[k * nv + m->dof_path[t]] = 1;
    char pose_fn[200], jac_fn[200], id[128];
    snprintf(id, sizeof id, "%s", argv[5]);
    for (char *s = id; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            *s = '_';
    snprintf(pose_fn, sizeof pose_fn, "%s_pose", id);
    snprintf(jac_fn, sizeof jac_fn, "%s_jacobian", id);

    enum {
        E_FK,
        E_POSE,
        E_JAC,
        E_COM,
        E_RNEA,
        E_NLE,
        E_GRAV,
        E_CRBA,
        E_FACTOR,
        E_SOLVE,
        E_ABA,
        NE
    };
    static const char *names[NE] = {"fk",     "frame pose", "frame jacobian", "com",
                                    "rnea",   "nle",        "gravity",        "crba",
                                    "factor", "solve",      "aba (M dqdd)"};
    double e[NE], aba_raw = 0, trip_gen = 0, trip_lib = 0;
    for (int i = 0; i < NE; i++) e[i] = 0;
    srand(7);
    for (int s = 0; s < states; s++) {
        random_state(m, q, v, a);
        const double *in1[1] = {q};
        int n1[1] = {nq};
        call(&L, "fk", 1, in1, n1, out, 12 * nb);
        xn_dyn_fk(m, d, q);
        for (int b = 0; b < nb; b++) memcpy(&want[12 * b], &d->oMi[b], 12 * sizeof(double));
        if (nb > 0) { /* body 0: the identity */
            for (int i = 0; i < 12; i++) want[i] = i < 9 && i % 4 == 0 ? 1 : 0;
        }
        e[E_FK] = xt_max(e[E_FK], xt_err_scaled(out, want, 12 * nb, NULL));

        call(&L, pose_fn, 1, in1, n1, out, 12);
        xn_dyn_frames(m, d);
        memcpy(want, &d->oMf[frame], 12 * sizeof(double));
        e[E_POSE] = xt_max(e[E_POSE], xt_err_scaled(out, want, 12, NULL));

        call(&L, jac_fn, 1, in1, n1, out, 6 * nv);
        xn_dyn_frame_jacobian(m, d, frame, XN_LOCAL_WORLD_ALIGNED, want);
        e[E_JAC] = xt_max(e[E_JAC], xt_err_scaled(out, want, 6 * nv, NULL));

        call(&L, "com", 1, in1, n1, out, 3);
        xn_dyn_com(m, d, q);
        e[E_COM] = xt_max(e[E_COM], xt_err_scaled(out, d->com, 3, NULL));

        const double *in3[3] = {q, v, a};
        int n3[3] = {nq, nv, nv};
        call(&L, "rnea", 3, in3, n3, out, nv);
        xn_dyn_rnea(m, d, q, v, a);
        e[E_RNEA] = xt_max(e[E_RNEA], xt_err_scaled(out, d->tau, nv, NULL));
        memcpy(tau, d->tau, (size_t)nv * sizeof *tau);

        call(&L, "nle", 2, in3, n3, out, nv);
        xn_dyn_nle(m, d, q, v);
        e[E_NLE] = xt_max(e[E_NLE], xt_err_scaled(out, d->nle, nv, NULL));

        call(&L, "gravity", 1, in1, n1, out, nv);
        xn_dyn_gravity(m, d, q);
        e[E_GRAV] = xt_max(e[E_GRAV], xt_err_scaled(out, d->g, nv, NULL));

        call(&L, "crba", 1, in1, n1, out, nv * nv);
        xn_dyn_crba(m, d, q);
        e[E_CRBA] = xt_max(e[E_CRBA], xt_err_scaled(out, d->M, nv * nv, NULL));

        /* the factor and the solve from the generic M, so that each is judged alone */
        const double *inM[1] = {d->M};
        int nM[1] = {nv * nv};
        call(&L, "factor", 1, inM, nM, out, nv * nv);
        if (xn_dyn_factor(m, d) != XN_OK) e[E_FACTOR] = NAN;
        e[E_FACTOR] = xt_max(e[E_FACTOR], xt_err_scaled(out, d->LD, nv * nv, path));

        const double *inS[2] = {d->LD, tau};
        int nS[2] = {nv * nv, nv};
        call(&L, "solve", 2, inS, nS, out, nv);
        memcpy(want, tau, (size_t)nv * sizeof *want);
        xn_dyn_solve(m, d, want);
        e[E_SOLVE] = xt_max(e[E_SOLVE], xt_err_scaled(out, want, nv, NULL));

        /* forward dynamics of the torques RNEA gave. M is ill-conditioned where light links
         * hang on heavy ones (Talos's grippers: two correct implementations then differ in qdd
         * by cond(M) times the rounding), so the difference is judged as the torque it stands
         * for, M (qdd_generated - qdd_generic), against the torques' size; the round trip to a
         * is reported for both. */
        const double *inA[3] = {q, v, tau};
        call(&L, "aba", 3, inA, n3, out, nv);
        xn_dyn_aba(m, d, q, v, tau);
        xn_dyn_crba(m, d, q);
        for (int i = 0; i < nv; i++) {
            double s2 = 0;
            for (int j = 0; j < nv; j++) s2 += d->M[i * nv + j] * (out[j] - d->qdd[j]);
            want[i] = s2;
        }
        double tscale = 1;
        for (int i = 0; i < nv; i++) tscale = xt_max(tscale, fabs(tau[i]));
        for (int i = 0; i < nv; i++) e[E_ABA] = xt_max(e[E_ABA], fabs(want[i]) / tscale);
        aba_raw = xt_max(aba_raw, xt_err_scaled(out, d->qdd, nv, NULL));
        trip_gen = xt_max(trip_gen, xt_err_scaled(out, a, nv, NULL));
        trip_lib = xt_max(trip_lib, xt_err_scaled(d->qdd, a, nv, NULL));
    }
    /* float: 1e-4 relative, four times the worst seen on the Panda, Go2 and G1 (2.3e-5, the
     * G1's solve and ABA round trip; float's own rounding is 6e-8 per operation, grown along
     * the tree); double: 1e-12 */
    double tol = L.single ? 1e-4 : 1e-12;
    printf("  aba: accelerations differ by %.3g relative; ABA(RNEA(a)) returns a to %.3g "
           "(generated) and %.3g (generic)\n",
           aba_raw, trip_gen, trip_lib);
    for (int i = 0; i < NE; i++) {
        printf("  %-15s worst error %.3g (relative to the largest entry)\n", names[i], e[i]);
        XT_CHECK(e[i] <= tol, "%s %s: %s differs from the generic library by %.3g (> %g)", argv[1],
                 argv[4], names[i], e[i], tol);
    }
    free(q), free(v), free(a), free(out), free(want), free(tau), free(path);
    xn_data_free(d);
    xn_model_free(m);
    return xt_done("codegen_check");
}
