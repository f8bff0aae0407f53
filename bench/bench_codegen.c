/* Generated code (xn codegen, built into this program by bench/CMakeLists.txt) beside the generic
 * library, and beside Pinocchio when CMake found an install of it (bench/peers/pinocchio_shim.cpp,
 * XN_HAVE_PINOCCHIO), in one process on the same 64 random states. Median of repeated batches,
 * ns per call. Before timing, the generated RNEA, CRBA and ABA are compared with the generic
 * ones on those states (or the bench stops), so that both time the same computation.
 * Usage: bench_codegen [--quick]
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench_states.h"
#include "bench_util.h"
#include "cg_go2.h"
#include "cg_go2_fma.h"
#include "cg_panda.h"
#include "cg_panda_fma.h"
#include "cg_talos.h"
#include "cg_ur5.h"
#include "cg_ur5_fma.h"
#include "xiaonao/xiaonao.h"

#define NCFG 64
#define MAXV 64

#ifdef XN_HAVE_PINOCCHIO
#include "peers/pinocchio_shim.h"
#endif

typedef struct {
    const char *label, *urdf, *frame;
    int floating;
    void (*rnea)(const double *, const double *, const double *, double *);
    void (*crba)(const double *, double *);
    void (*factor)(const double *, double *);
    void (*aba)(const double *, const double *, const double *, double *);
    /* the same code compiled with fused multiply-add (NULL: not built) */
    void (*rnea_fma)(const double *, const double *, const double *, double *);
    void (*crba_fma)(const double *, double *);
    void (*factor_fma)(const double *, double *);
    void (*aba_fma)(const double *, const double *, const double *, double *);
} robot;

static const robot robots[] = {
    {"Panda (nv 9)", "panda.urdf", "panda_hand", 0, cg_panda_rnea, cg_panda_crba, cg_panda_factor,
     cg_panda_aba, cg_panda_fma_rnea, cg_panda_fma_crba, cg_panda_fma_factor, cg_panda_fma_aba},
    {"UR5 (nv 6)", "ur5_robot.urdf", "tool0", 0, cg_ur5_rnea, cg_ur5_crba, cg_ur5_factor,
     cg_ur5_aba, cg_ur5_fma_rnea, cg_ur5_fma_crba, cg_ur5_fma_factor, cg_ur5_fma_aba},
    {"Go2 floating (nv 18)", "go2.urdf", "FL_foot", 1, cg_go2_rnea, cg_go2_crba, cg_go2_factor,
     cg_go2_aba, cg_go2_fma_rnea, cg_go2_fma_crba, cg_go2_fma_factor, cg_go2_fma_aba},
    {"Talos floating (nv 50)", "talos_full_v2.urdf", "left_sole_link", 1, cg_talos_rnea,
     cg_talos_crba, cg_talos_factor, cg_talos_aba, NULL, NULL, NULL, NULL},
};

enum { OP_RNEA, OP_CRBA_FACTOR, OP_ABA, NOPS };
static const char *op_names[NOPS] = {"RNEA", "CRBA + factorization", "ABA"};

int main(int argc, char **argv) {
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    int repeats = quick ? 5 : 41, batch = quick ? 200 : 2000;
    printf("| operation | robot | generated ns | generated, FMA ns | generic ns | generated / "
           "generic | generated, FMA / generic |");
#ifdef XN_HAVE_PINOCCHIO
    printf(
        " Pinocchio ns | generated / Pinocchio |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
#else
    printf("\n|---|---|---:|---:|---:|---:|---:|\n");
#endif
    for (size_t r = 0; r < sizeof robots / sizeof robots[0]; r++) {
        const robot *rb = &robots[r];
        char path[512];
        snprintf(path, sizeof path, "%s/urdf/%s", XN_MODELS_DIR, rb->urdf);
        xn_load_options opt = {rb->floating, 0};
        xn_model *m;
        xn_error err;
        if (xn_load_urdf(path, &opt, &m, &err)) {
            fprintf(stderr, "%s: %s\n", path, err.message);
            return 1;
        }
        xn_data *d = xn_data_create(m);
        int nv = m->nv;
        static double Q[NCFG][MAXV + 1], V[NCFG][MAXV], A[NCFG][MAXV];
        static double out[MAXV], M[MAXV * MAXV], LD[MAXV * MAXV];
        for (int c = 0; c < NCFG; c++) {
            xb_random_state(m, Q[c], V[c], A[c]);
        }
        double agree = 0; /* the same computation, or no timing */
        for (int c = 0; c < NCFG; c++) {
            rb->rnea(Q[c], V[c], A[c], out);
            xn_dyn_rnea(m, d, Q[c], V[c], A[c]);
            for (int k = 0; k < nv; k++)
                agree = xb_max(agree, fabs(out[k] - d->tau[k]) / (1 + fabs(d->tau[k])));
            rb->crba(Q[c], M);
            xn_dyn_crba(m, d, Q[c]);
            for (int k = 0; k < nv * nv; k++)
                agree = xb_max(agree, fabs(M[k] - d->M[k]) / (1 + fabs(d->M[k])));
            rb->aba(Q[c], V[c], d->tau, out);
            for (int k = 0; k < nv; k++)
                agree = xb_max(agree, fabs(out[k] - A[c][k]) / (1 + fabs(A[c][k])));
            if (!rb->rnea_fma) continue;
            rb->rnea_fma(Q[c], V[c], A[c], out);
            for (int k = 0; k < nv; k++)
                agree = xb_max(agree, fabs(out[k] - d->tau[k]) / (1 + fabs(d->tau[k])));
            rb->aba_fma(Q[c], V[c], d->tau, out);
            for (int k = 0; k < nv; k++)
                agree = xb_max(agree, fabs(out[k] - A[c][k]) / (1 + fabs(A[c][k])));
        }
        if (!(agree < 1e-9)) {
            fprintf(stderr, "%s: the generated code differs from the generic by %g\n", rb->label,
                    agree);
            return 1;
        }
        double tg[NOPS], tl[NOPS], tf[NOPS] = {0}, tp[NOPS] = {0};
#define CFG (i_ & (NCFG - 1))
        XB_TIME(tg[OP_RNEA], repeats, batch, rb->rnea(Q[CFG], V[CFG], A[CFG], out));
        XB_TIME(tg[OP_CRBA_FACTOR], repeats, batch, (rb->crba(Q[CFG], M), rb->factor(M, LD)));
        XB_TIME(tg[OP_ABA], repeats, batch, rb->aba(Q[CFG], V[CFG], A[CFG], out));
        if (rb->rnea_fma) {
            XB_TIME(tf[OP_RNEA], repeats, batch, rb->rnea_fma(Q[CFG], V[CFG], A[CFG], out));
            XB_TIME(tf[OP_CRBA_FACTOR], repeats, batch,
                    (rb->crba_fma(Q[CFG], M), rb->factor_fma(M, LD)));
            XB_TIME(tf[OP_ABA], repeats, batch, rb->aba_fma(Q[CFG], V[CFG], A[CFG], out));
        }
        XB_TIME(tl[OP_RNEA], repeats, batch, xn_dyn_rnea(m, d, Q[CFG], V[CFG], A[CFG]));
        XB_TIME(tl[OP_CRBA_FACTOR], repeats, batch,
                (xn_dyn_crba(m, d, Q[CFG]), xn_dyn_factor(m, d)));
        XB_TIME(tl[OP_ABA], repeats, batch, xn_dyn_aba(m, d, Q[CFG], V[CFG], A[CFG]));
#ifdef XN_HAVE_PINOCCHIO
        pn_robot *pn = pn_load(path, rb->floating, rb->frame);
        if (!pn || pn_nq(pn) != m->nq || pn_nv(pn) != nv) {
            fprintf(stderr, "Pinocchio: %s does not load as the same tree\n", path);
            return 1;
        }
        pn_set(pn, NCFG, &Q[0][0], MAXV + 1, &V[0][0], &A[0][0], MAXV,
               m->body_jtype[1] == XN_JOINT_FREE ? m->body_qadr[1] : -1);
        XB_TIME(tp[OP_RNEA], repeats, batch, pn_rnea(pn, CFG));
        XB_TIME(tp[OP_CRBA_FACTOR], repeats, batch, pn_crba_factor(pn, CFG));
        XB_TIME(tp[OP_ABA], repeats, batch, pn_aba(pn, CFG));
        pn_free(pn);
#endif
        for (int o = 0; o < NOPS; o++) {
            if (tf[o] > 0)
                printf("| %s | %s | %.0f | %.0f | %.0f | %.2f | %.2f |", op_names[o], rb->label,
                       tg[o], tf[o], tl[o], tg[o] / tl[o], tf[o] / tl[o]);
            else
                printf("| %s | %s | %.0f | – | %.0f | %.2f | – |", op_names[o], rb->label, tg[o],
                       tl[o], tg[o] / tl[o]);
            if (tp[o] > 0) printf(" %.0f | %.2f |", tp[o], tg[o] / tp[o]);
            printf("\n");
        }
        xn_data_free(d);
        xn_model_free(m);
    }
    return 0;
}
