/* Every case of every robot in tests/data/reference/dynamics (computed by Pinocchio 3.7.0) must
 * match to 1e-9, absolute or relative where the value exceeds 1: RNEA, nonlinear effects,
 * gravity, mass matrix, ABA, centre of mass, frame placements and LOCAL_WORLD_ALIGNED Jacobians. */
#include <string.h>

#include "io/json.h"
#include "test_util.h"
#include "xiaonao/xiaonao.h"

#define TOL 1e-9

typedef struct {
    const char *json, *urdf;
} robot;

static double max_err(const double *a, const double *b, int n) {
    double e = 0;
    for (int i = 0; i < n; i++) {
        double x = xt_err(a[i], b[i]);
        if (!(x <= e)) e = x; /* NaN propagates as a failure */
    }
    return e;
}

/* Pinocchio stores the free-flyer quaternion x, y, z, w; xiaonao w, x, y, z. */
static void q_from_pinocchio(const xn_model *m, const double *qp, double *q) {
    memcpy(q, qp, sizeof(double) * (size_t)m->nq);
    for (int b = 1; b < m->nbody; b++)
        if (m->body_jtype[b] == XN_JOINT_FREE) {
            int a = m->body_qadr[b];
            q[a + 3] = qp[a + 6];
            q[a + 4] = qp[a + 3];
            q[a + 5] = qp[a + 4];
            q[a + 6] = qp[a + 5];
        }
}

static void check_robot(const robot *r) {
    char path[512];
    snprintf(path, sizeof path, "%s/reference/dynamics/%s", XN_DATA_DIR, r->json);
    size_t len;
    char *text = xt_slurp(path, &len);
    char msg[256];
    xn_json *ref = xn_json_parse(text, len, msg, sizeof msg);
    free(text);
    XT_CHECK(ref != NULL, "%s: %s", r->json, msg);
    if (!ref) return;
    const xn_json *fb = xn_json_get(ref, "floating_base");
    xn_load_options opt = {0};
    opt.floating_base = fb && fb->num != 0;
    snprintf(path, sizeof path, "%s/urdf/%s", XN_MODELS_DIR, r->urdf);
    xn_model *m = NULL;
    xn_error err;
    xn_status st = xn_load_urdf(path, &opt, &m, &err);
    XT_CHECK(st == XN_OK, "%s: load failed: %s:%d: %s", r->urdf, err.file, err.line, err.message);
    if (st) {
        xn_json_free(ref);
        return;
    }
    int nq = (int)xn_json_get(ref, "nq")->num, nv = (int)xn_json_get(ref, "nv")->num;
    XT_CHECK(m->nq == nq && m->nv == nv, "%s: nq %d nv %d, reference %d %d", r->json, m->nq, m->nv,
             nq, nv);
    /* joint order: Pinocchio's depth-first order must be ours */
    const xn_json *joints = xn_json_get(ref, "joints");
    int order_ok = joints->n == m->nbody - 1;
    for (int i = 0; order_ok && i < joints->n; i++) {
        const xn_json *jn = xn_json_get(&joints->items[i], "name");
        int b = xn_model_joint_body(m, jn->str);
        order_ok =
            b == i + 1 && m->body_vadr[b] == (int)xn_json_get(&joints->items[i], "idx_v")->num;
    }
    XT_CHECK(order_ok, "%s: joint order differs from Pinocchio's", r->json);
    if (m->nq != nq || !order_ok) {
        xn_model_free(m);
        xn_json_free(ref);
        return;
    }
    const xn_json *frames = xn_json_get(ref, "frames");
    int fid[16];
    for (int i = 0; i < frames->n && i < 16; i++) {
        fid[i] = xn_model_frame_id(m, frames->items[i].str);
        XT_CHECK(fid[i] >= 0, "%s: frame %s not found", r->json, frames->items[i].str);
        if (fid[i] < 0) goto out;
    }
    xn_data *d = xn_data_create(m), *d2 = xn_data_create(m);
    double *q = malloc(sizeof(double) * (size_t)nq),
           *buf = malloc(sizeof(double) * (size_t)(nv * nv + 6 * nv + nq));
    double *J = malloc(sizeof(double) * 6 * (size_t)nv);
    const xn_json *cases = xn_json_get(ref, "cases");
    double e_tau = 0, e_nle = 0, e_g = 0, e_M = 0, e_qdd = 0, e_com = 0, e_pos = 0, e_rot = 0,
           e_J = 0, e_J2 = 0, e_J3 = 0, e_solve = 0;
    for (int c = 0; c < cases->n; c++) {
        const xn_json *cs = &cases->items[c];
        double qp[64], v[64], a[64], taua[64];
        xn_json_reals(xn_json_get(cs, "q"), qp, 64);
        xn_json_reals(xn_json_get(cs, "v"), v, 64);
        xn_json_reals(xn_json_get(cs, "a"), a, 64);
        xn_json_reals(xn_json_get(cs, "tau_aba"), taua, 64);
        q_from_pinocchio(m, qp, q);
        xn_json_reals(xn_json_get(cs, "tau"), buf, nv * nv);
        xn_dyn_rnea(m, d, q, v, a);
        e_tau = xt_max(e_tau, max_err(d->tau, buf, nv));
        xn_json_reals(xn_json_get(cs, "nle"), buf, nv * nv);
        xn_dyn_nle(m, d, q, v);
        e_nle = xt_max(e_nle, max_err(d->nle, buf, nv));
        xn_json_reals(xn_json_get(cs, "gravity_torque"), buf, nv * nv);
        xn_dyn_gravity(m, d, q);
        e_g = xt_max(e_g, max_err(d->g, buf, nv));
        xn_json_reals(xn_json_get(cs, "M"), buf, nv * nv);
        xn_dyn_crba(m, d, q);
        e_M = xt_max(e_M, max_err(d->M, buf, nv * nv));
        xn_json_reals(xn_json_get(cs, "qdd"), buf, nv * nv);
        xn_dyn_aba(m, d, q, v, taua);
        e_qdd = xt_max(e_qdd, max_err(d->qdd, buf, nv));
        /* the sparse factorization solves M qdd = tau - nle to the same answer */
        double x[64];
        xn_dyn_nle(m, d, q, v);
        for (int k = 0; k < nv; k++) x[k] = taua[k] - d->nle[k];
        XT_CHECK(xn_dyn_factor(m, d) == XN_OK, "%s case %d: factor failed", r->json, c);
        xn_dyn_solve(m, d, x);
        e_solve = xt_max(e_solve, max_err(x, buf, nv));
        xn_json_reals(xn_json_get(cs, "com"), buf, 3);
        xn_dyn_com(m, d, q);
        e_com = xt_max(e_com, max_err(d->com, buf, 3));
        xn_dyn_joint_jacobians(m, d, q);
        const xn_json *fr = xn_json_get(cs, "frames");
        for (int i = 0; i < frames->n; i++) {
            const xn_json *f = xn_json_get(fr, frames->items[i].str);
            xn_se3 X;
            xn_dyn_frame_placement(m, d, fid[i], &X);
            xn_json_reals(xn_json_get(f, "pos"), buf, 3);
            e_pos = xt_max(e_pos, max_err(X.p, buf, 3));
            xn_json_reals(xn_json_get(f, "rot"), buf, 9);
            e_rot = xt_max(e_rot, max_err(X.R, buf, 9));
            xn_json_reals(xn_json_get(f, "J"), buf, 6 * nv);
            xn_dyn_frame_jacobian(m, d, fid[i], XN_LOCAL_WORLD_ALIGNED, J);
            e_J = xt_max(e_J, max_err(J, buf, 6 * nv));
            xn_dyn_frame_jacobian_from_joints(m, d, fid[i], XN_LOCAL_WORLD_ALIGNED, J);
            e_J2 = xt_max(e_J2, max_err(J, buf, 6 * nv));
            xn_dyn_frame_jacobian_at(m, d2, q, fid[i], XN_LOCAL_WORLD_ALIGNED, J);
            e_J3 = xt_max(e_J3, max_err(J, buf, 6 * nv));
        }
    }
    printf(
        "%-8s %2d cases  max error: tau %.1e nle %.1e g %.1e M %.1e qdd %.1e solve %.1e com %.1e "
        "pos %.1e rot %.1e J %.1e J(joints) %.1e\n",
        r->json, cases->n, e_tau, e_nle, e_g, e_M, e_qdd, e_solve, e_com, e_pos, e_rot, e_J, e_J2);
    XT_CHECK(e_tau <= TOL, "%s: tau error %g", r->json, e_tau);
    XT_CHECK(e_nle <= TOL, "%s: nle error %g", r->json, e_nle);
    XT_CHECK(e_g <= TOL, "%s: gravity error %g", r->json, e_g);
    XT_CHECK(e_M <= TOL, "%s: M error %g", r->json, e_M);
    XT_CHECK(e_qdd <= TOL, "%s: qdd error %g", r->json, e_qdd);
    XT_CHECK(e_solve <= TOL, "%s: LTDL solve error %g", r->json, e_solve);
    XT_CHECK(e_com <= TOL, "%s: com error %g", r->json, e_com);
    XT_CHECK(e_pos <= TOL, "%s: frame position error %g", r->json, e_pos);
    XT_CHECK(e_rot <= TOL, "%s: frame rotation error %g", r->json, e_rot);
    XT_CHECK(e_J <= TOL, "%s: frame Jacobian error %g", r->json, e_J);
    XT_CHECK(e_J2 <= TOL, "%s: frame Jacobian (from joint Jacobians) error %g", r->json, e_J2);
    XT_CHECK(e_J3 <= TOL, "%s: frame Jacobian (chain-only FK) error %g", r->json, e_J3);
    free(q);
    free(buf);
    free(J);
    xn_data_free(d);
    xn_data_free(d2);
out:
    xn_model_free(m);
    xn_json_free(ref);
}

int main(void) {
    static const robot robots[] = {
        {"panda.json", "panda.urdf"},         {"ur5.json", "ur5_robot.urdf"},
        {"talos.json", "talos_full_v2.urdf"}, {"go2.json", "go2.urdf"},
        {"solo12.json", "solo12.urdf"},       {"anymal.json", "anymal.urdf"}};
    for (size_t i = 0; i < sizeof robots / sizeof robots[0]; i++) check_robot(&robots[i]);
    return xt_done("pinocchio_reference");
}
