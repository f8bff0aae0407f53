/* Kinematics and dynamics speed: xiaonao beside MuJoCo 2.2.2 in the same process, on the same
 * URDF files, and beside Pinocchio when CMake found an install of it (find_package(pinocchio):
 * bench/peers/pinocchio_shim.cpp, XN_HAVE_PINOCCHIO). Median of repeated batches, ns per call,
 * over 64 random configurations. Pinocchio's RNEA torques are compared with xiaonao's on the same
 * configurations first, so that the two time the same model. No time of a peer is ever typed in.
 * MuJoCo loads a URDF with a fixed base, so for the humanoid and the quadruped its column is the
 * fixed-base tree; its FK, Jacobian, RNEA and CRBA include the mj_kinematics / mj_comPos /
 * mj_comVel passes they need. Usage: bench_dynamics [--quick]   (--quick: fewer repeats, for CI
 * smoke runs) */
#include <mujoco/mujoco.h>
#include <stdio.h>
#include <string.h>

#include "bench_states.h"
#include "bench_util.h"
#include "xiaonao/xiaonao.h"

#define NCFG 64

#ifdef XN_HAVE_PINOCCHIO
#include "peers/pinocchio_shim.h"
#endif

enum { OP_FK, OP_FK_FRAMES, OP_JACS, OP_FRAME_JAC, OP_RNEA, OP_CRBA, OP_CRBA_FACTOR, OP_ABA, NOPS };
static const char *op_names[NOPS] = {"FK (all joints)",
                                     "FK + all frames",
                                     "all joint Jacobians",
                                     "one frame Jacobian (incl. FK)",
                                     "RNEA",
                                     "CRBA",
                                     "CRBA + factorization",
                                     "ABA (MuJoCo: mj_forward)"};

typedef struct {
    const char *label, *urdf, *frame, *mj_body;
    int floating;
} robot;

static const robot robots[] = {
    {"Panda (nv 9)", "panda.urdf", "panda_hand", "panda_link7", 0},
    {"UR5 (nv 6)", "ur5_robot.urdf", "tool0", "wrist_3_link", 0},
    {"Talos floating (nv 50)", "talos_full_v2.urdf", "left_sole_link", "leg_left_6_link", 1},
    {"Go2 floating (nv 18)", "go2.urdf", "FL_foot", "FL_calf", 1},
};

int main(int argc, char **argv) {
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    int repeats = quick ? 5 : 41, batch = quick ? 200 : 2000;
    const char *dir = XN_MODELS_DIR "/urdf";
#ifdef XN_HAVE_PINOCCHIO
    printf("| operation | robot | xiaonao ns | MuJoCo ns | xiaonao / MuJoCo | Pinocchio ns | "
           "xiaonao / Pinocchio |\n");
    printf("|---|---|---:|---:|---:|---:|---:|\n");
#else
    printf("| operation | robot | xiaonao ns | MuJoCo ns | xiaonao / MuJoCo |\n");
    printf("|---|---|---:|---:|---:|\n");
#endif
    for (size_t r = 0; r < sizeof robots / sizeof robots[0]; r++) {
        const robot *rb = &robots[r];
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, rb->urdf);
        xn_load_options opt = {rb->floating, 0};
        xn_model *m;
        xn_error err;
        if (xn_load_urdf(path, &opt, &m, &err)) {
            fprintf(stderr, "%s: %s\n", path, err.message);
            return 1;
        }
        char mjerr[1000];
        mjModel *mm = mj_loadXML(path, NULL, mjerr, sizeof mjerr);
        if (!mm) {
            fprintf(stderr, "MuJoCo: %s: %s\n", path, mjerr);
            return 1;
        }
        mjData *md = mj_makeData(mm);
        xn_data *d = xn_data_create(m);
        int nv = m->nv, fid = xn_model_frame_id(m, rb->frame);
        int mjb = mj_name2id(mm, mjOBJ_BODY, rb->mj_body);
        if (fid < 0 || mjb < 0) {
            fprintf(stderr, "%s: frame %s / body %s not found\n", rb->urdf, rb->frame, rb->mj_body);
            return 1;
        }
        static double Q[NCFG][128], V[NCFG][128], A[NCFG][128], MQ[NCFG][128], MV[NCFG][128];
        for (int c = 0; c < NCFG; c++) {
            xb_random_state(m, Q[c], V[c], A[c]);
            for (int k = 0; k < mm->nq; k++) MQ[c][k] = xb_urand(-1, 1);
            for (int k = 0; k < mm->nv; k++) MV[c][k] = xb_urand(-2, 2);
        }
        double *J = calloc(6 * (size_t)nv, sizeof *J),
               *mjJ = calloc(6 * (size_t)mm->nv, sizeof *mjJ);
        double t[NOPS], tm[NOPS];
#define CFG (i_ & (NCFG - 1))
        XB_TIME(t[OP_FK], repeats, batch, xn_dyn_fk(m, d, Q[CFG]));
        XB_TIME(t[OP_FK_FRAMES], repeats, batch, (xn_dyn_fk(m, d, Q[CFG]), xn_dyn_frames(m, d)));
        XB_TIME(t[OP_JACS], repeats, batch, xn_dyn_joint_jacobians(m, d, Q[CFG]));
        XB_TIME(t[OP_FRAME_JAC], repeats, batch,
                xn_dyn_frame_jacobian_at(m, d, Q[CFG], fid, XN_LOCAL_WORLD_ALIGNED, J));
        XB_TIME(t[OP_RNEA], repeats, batch, xn_dyn_rnea(m, d, Q[CFG], V[CFG], A[CFG]));
        XB_TIME(t[OP_CRBA], repeats, batch, xn_dyn_crba(m, d, Q[CFG]));
        XB_TIME(t[OP_CRBA_FACTOR], repeats, batch,
                (xn_dyn_crba(m, d, Q[CFG]), xn_dyn_factor(m, d)));
        XB_TIME(t[OP_ABA], repeats, batch, xn_dyn_aba(m, d, Q[CFG], V[CFG], A[CFG]));
        size_t nqb = sizeof(mjtNum) * (size_t)mm->nq, nvb = sizeof(mjtNum) * (size_t)mm->nv;
#define MJSET (memcpy(md->qpos, MQ[CFG], nqb), memcpy(md->qvel, MV[CFG], nvb))
        XB_TIME(tm[OP_FK], repeats, batch, (MJSET, mj_kinematics(mm, md), mj_comPos(mm, md)));
        tm[OP_FK_FRAMES] = tm[OP_JACS] = 0;
        XB_TIME(tm[OP_FRAME_JAC], repeats, batch,
                (MJSET, mj_kinematics(mm, md), mj_comPos(mm, md),
                 mj_jacBody(mm, md, mjJ, mjJ + 3 * mm->nv, mjb)));
        XB_TIME(tm[OP_RNEA], repeats, batch,
                (MJSET, memcpy(md->qacc, MV[CFG], nvb), mj_kinematics(mm, md), mj_comPos(mm, md),
                 mj_comVel(mm, md), mj_rne(mm, md, 1, md->qfrc_inverse)));
        XB_TIME(tm[OP_CRBA], repeats, batch,
                (MJSET, mj_kinematics(mm, md), mj_comPos(mm, md), mj_crb(mm, md)));
        XB_TIME(
            tm[OP_CRBA_FACTOR], repeats, batch,
            (MJSET, mj_kinematics(mm, md), mj_comPos(mm, md), mj_crb(mm, md), mj_factorM(mm, md)));
        XB_TIME(tm[OP_ABA], repeats, batch, (MJSET, mj_forward(mm, md)));
        double tp[NOPS] = {0};
#ifdef XN_HAVE_PINOCCHIO
        pn_robot *pn = pn_load(path, rb->floating, rb->frame);
        if (!pn || pn_nq(pn) != m->nq || pn_nv(pn) != nv) {
            fprintf(stderr, "Pinocchio: %s does not load as the same tree\n", path);
            return 1;
        }
        pn_set(pn, NCFG, &Q[0][0], 128, &V[0][0], &A[0][0], 128,
               m->body_jtype[1] == XN_JOINT_FREE ? m->body_qadr[1] : -1);
        double agree = 0;
        for (int c = 0; c < NCFG; c++) {
            pn_rnea(pn, c);
            xn_dyn_rnea(m, d, Q[c], V[c], A[c]);
            for (int k = 0; k < nv; k++)
                agree = xb_max(agree, fabs(pn_tau(pn)[k] - d->tau[k]) / (1 + fabs(d->tau[k])));
        }
        if (!(agree < 1e-9)) {
            fprintf(stderr, "%s: Pinocchio's RNEA differs from xiaonao's by %g\n", rb->label,
                    agree);
            return 1;
        }
        XB_TIME(tp[OP_FK], repeats, batch, pn_fk(pn, CFG));
        XB_TIME(tp[OP_FK_FRAMES], repeats, batch, pn_fk_frames(pn, CFG));
        XB_TIME(tp[OP_JACS], repeats, batch, pn_joint_jacobians(pn, CFG));
        XB_TIME(tp[OP_FRAME_JAC], repeats, batch, pn_frame_jacobian(pn, CFG));
        XB_TIME(tp[OP_RNEA], repeats, batch, pn_rnea(pn, CFG));
        XB_TIME(tp[OP_CRBA], repeats, batch, pn_crba(pn, CFG));
        XB_TIME(tp[OP_CRBA_FACTOR], repeats, batch, pn_crba_factor(pn, CFG));
        XB_TIME(tp[OP_ABA], repeats, batch, pn_aba(pn, CFG));
        pn_free(pn);
#endif
        for (int o = 0; o < NOPS; o++) {
            printf("| %s | %s | %.0f | ", op_names[o], rb->label, t[o]);
            if (tm[o] > 0)
                printf("%.0f | %.2f |", tm[o], t[o] / tm[o]);
            else
                printf("– | – |");
            if (tp[o] > 0) printf(" %.0f | %.2f |", tp[o], t[o] / tp[o]);
            printf("\n");
        }
        free(J);
        free(mjJ);
        xn_data_free(d);
        xn_model_free(m);
        mj_deleteData(md);
        mj_deleteModel(mm);
    }
    return 0;
}
