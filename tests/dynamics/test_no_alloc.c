/* The compute functions allocate nothing: every allocation call is counted (the test links with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free... see CMakeLists) around 10,000
 * calls of each function on a floating-base humanoid and on an arm. */
#include <stddef.h>
#include <string.h>

#include "alloc_count.h"
#include "test_util.h"
#include "xiaonao/xiaonao.h"

#define N 10000
#define CHECK_NO_ALLOC(label, call)                                                                \
    do {                                                                                           \
        xt_allocs = 0;                                                                             \
        xt_counting = 1;                                                                           \
        for (int i_ = 0; i_ < N; i_++) {                                                           \
            call;                                                                                  \
        }                                                                                          \
        xt_counting = 0;                                                                           \
        XT_CHECK(xt_allocs == 0, "%s: %s allocated %ld times", label, #call, xt_allocs);           \
    } while (0)

static void run(const char *label, const char *path, int floating) {
    xn_load_options opt = {floating, 0};
    xn_model *m;
    xn_error err;
    if (xn_load_model(path, &opt, &m, &err) != XN_OK) {
        XT_CHECK(0, "%s: %s", label, err.message);
        return;
    }
    xn_data *d = xn_data_create(m);
    int nv = m->nv, f = m->nframe - 1;
    double *q = calloc((size_t)m->nq, 8), *v = calloc((size_t)nv, 8), *a = calloc((size_t)nv, 8),
           *x = calloc((size_t)nv, 8), *J = calloc(6 * (size_t)nv, 8),
           *q2 = calloc((size_t)m->nq, 8);
    memcpy(q, m->q_neutral, sizeof(double) * (size_t)m->nq);
    for (int k = 0; k < nv; k++) {
        v[k] = 0.1 * k;
        a[k] = 0.2;
    }
    double out6[6], T, V;
    double *fext = calloc(6 * (size_t)m->nbody, 8);
    xn_se3 X;
    CHECK_NO_ALLOC(label, xn_dyn_fk(m, d, q));
    CHECK_NO_ALLOC(label, xn_dyn_fk_vel(m, d, q, v));
    CHECK_NO_ALLOC(label, xn_dyn_fk_acc(m, d, q, v, a));
    CHECK_NO_ALLOC(label, xn_dyn_frames(m, d));
    CHECK_NO_ALLOC(label, xn_dyn_frame_placement(m, d, f, &X));
    CHECK_NO_ALLOC(label, xn_dyn_frame_velocity(m, d, f, XN_LOCAL, out6));
    CHECK_NO_ALLOC(label, xn_dyn_frame_jacobian(m, d, f, XN_LOCAL_WORLD_ALIGNED, J));
    CHECK_NO_ALLOC(label, xn_dyn_joint_jacobians(m, d, q));
    CHECK_NO_ALLOC(label, xn_dyn_frame_jacobian_at(m, d, q, f, XN_LOCAL, J));
    CHECK_NO_ALLOC(label, xn_dyn_frame_jacobian_from_joints(m, d, f, XN_WORLD, J));
    CHECK_NO_ALLOC(label, xn_dyn_frame_drift(m, d, q, v, f, XN_LOCAL_WORLD_ALIGNED, out6));
    CHECK_NO_ALLOC(label, xn_dyn_rnea(m, d, q, v, a));
    CHECK_NO_ALLOC(label, xn_dyn_gravity(m, d, q));
    CHECK_NO_ALLOC(label, xn_dyn_nle(m, d, q, v));
    CHECK_NO_ALLOC(label, xn_dyn_passive(m, v, x));
    CHECK_NO_ALLOC(label, xn_dyn_crba(m, d, q));
    CHECK_NO_ALLOC(label, xn_dyn_factor(m, d));
    CHECK_NO_ALLOC(label, xn_dyn_solve(m, d, x));
    CHECK_NO_ALLOC(label, xn_dyn_aba(m, d, q, v, a));
    CHECK_NO_ALLOC(label, xn_dyn_rnea_ext(m, d, q, v, a, fext));
    CHECK_NO_ALLOC(label, xn_dyn_aba_ext(m, d, q, v, a, fext));
    CHECK_NO_ALLOC(label, xn_dyn_centroidal_map(m, d, q));
    CHECK_NO_ALLOC(label, xn_dyn_centroidal_momentum(m, d, q, v, out6));
    CHECK_NO_ALLOC(label, xn_dyn_com(m, d, q));
    CHECK_NO_ALLOC(label, xn_dyn_com_jacobian(m, d, q));
    CHECK_NO_ALLOC(label, xn_dyn_energy(m, d, q, v, &T, &V));
    CHECK_NO_ALLOC(label, xn_lie_integrate(m, q, v, 1e-3, q2));
    CHECK_NO_ALLOC(label, xn_lie_difference(m, q, q2, x));
    CHECK_NO_ALLOC(label, xn_lie_normalize(m, q2));
    double *Y = calloc((size_t)nv * (size_t)xn_dyn_regressor_cols(m), 8);
    CHECK_NO_ALLOC(label, xn_dyn_regressor(m, d, q, v, a, Y));
    free(Y);
    free(q);
    free(v);
    free(a);
    free(x);
    free(J);
    free(q2);
    free(fext);
    xn_data_free(d);
    xn_model_free(m);
}

/* inverse kinematics: the numerical solver (with the secondary task and limits), the velocity
 * form, and the UR closed form */
static void ik(void) {
    xn_model *m = NULL, *ur5 = NULL;
    xn_error err;
    xn_load_model(XN_MODELS_DIR "/urdf/panda.urdf", NULL, &m, &err);
    xn_load_model(XN_MODELS_DIR "/urdf/ur5_robot.urdf", NULL, &ur5, &err);
    if (!m || !ur5) {
        XT_CHECK(0, "ik models: %s", err.message);
        return;
    }
    int f = xn_model_frame_id(m, "panda_hand");
    xn_ik *solver = NULL;
    xn_ik_create(m, f, &solver, NULL);
    xn_data *d = xn_data_create(m);
    double q[9] = {0.1, -0.3, 0.2, -2.0, 0.1, 1.8, 0.7, 0.01, 0.01}, q0[9], qs[9], qd[9];
    double twist[6] = {0.1, 0, 0, 0, 0.2, 0};
    xn_dyn_fk(m, d, q);
    xn_se3 target;
    xn_dyn_frame_placement(m, d, f, &target);
    for (int i = 0; i < 9; i++) q0[i] = q[i] + 0.02;
    xn_ik_options o;
    xn_ik_options_init(&o);
    o.posture_gain = 0.1;
    o.limit_gain = 0.1;
    xn_ik_result r;
    unsigned long seed = 1;
    CHECK_NO_ALLOC("ik", xn_ik_solve(solver, &target, q0, &o, qs, &r, NULL));
    CHECK_NO_ALLOC("ik", xn_ik_solve_multistart(solver, &target, q0, NULL, 3, &seed, qs, &r, NULL));
    CHECK_NO_ALLOC("ik", xn_ik_velocity(solver, q, twist, 0, 0, qd, NULL));
    xn_ik_ur ur;
    xn_ik_ur_init(ur5, xn_model_frame_id(ur5, "tool0"), &ur, &err);
    double sol[8][6], sol7[8][7];
    CHECK_NO_ALLOC("ik", xn_ik_ur_solve(&ur, &target, sol, NULL));
    xn_ik_panda pk;
    xn_ik_panda_init(m, f, &pk, &err);
    CHECK_NO_ALLOC("ik", xn_ik_panda_solve(&pk, &target, 0.7, 1, sol7, NULL));
    xn_data_free(d);
    xn_ik_free(solver);
    xn_model_free(ur5);
    xn_model_free(m);
}

int main(void) {
    ik();
    run("talos", XN_MODELS_DIR "/urdf/talos_full_v2.urdf", 1);
    run("panda", XN_MODELS_DIR "/urdf/panda.urdf", 0);
    run("mjcf ball", XN_DATA_DIR "/mjcf/floating.xml", 0);
    /* the wrapper itself must see allocations, or the test could not fail */
    xt_allocs = 0;
    xt_counting = 1;
    void *(*volatile alloc)(size_t) = malloc; /* through a pointer: -O3 may drop a bare pair */
    void *p = alloc(16);
    xt_counting = 0;
    free(p);
    XT_CHECK(xt_allocs == 1, "the malloc wrapper did not count (%ld)", xt_allocs);
    return xt_done("no_alloc");
}
