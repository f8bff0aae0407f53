/* A model built in code: a double pendulum swinging about y, checked against its closed-form
 * mass matrix, Coriolis and gravity terms (tolerance 1e-12); and the builder's checks. */
#include <string.h>

#include "model/double_pendulum.h"

static void closed_form(void) {
    const dp_params *p = &dp_default;
    const double l1 = p->l1;
    xn_model *m = dp_build(p);
    if (!m) return;
    xn_data *d = xn_data_create(m);
    XT_CHECK(m->nq == 2 && m->nv == 2 && m->nbody == 3, "sizes %d %d %d", m->nq, m->nv, m->nbody);
    double e = 0;
    for (int c = 0; c < 10; c++) {
        double q[2] = {0.3 * c - 1.2, 0.7 - 0.25 * c}, v[2] = {0.5 + 0.1 * c, -1.1 + 0.2 * c};
        double Mc[4], Cc[2], Gc[2];
        dp_dynamics(p, q, v, Mc, Cc, Gc);
        double M11 = Mc[0], M12 = Mc[1], M22 = Mc[3], G1 = Gc[0], G2 = Gc[1], C1 = Cc[0],
               C2 = Cc[1];
        xn_dyn_crba(m, d, q);
        e = xt_max(e, fabs(d->M[0] - M11) + fabs(d->M[1] - M12) + fabs(d->M[2] - M12) +
                          fabs(d->M[3] - M22));
        xn_dyn_gravity(m, d, q);
        e = xt_max(e, fabs(d->g[0] - G1) + fabs(d->g[1] - G2));
        xn_dyn_nle(m, d, q, v);
        e = xt_max(e, fabs(d->nle[0] - G1 - C1) + fabs(d->nle[1] - G2 - C2));
        /* the tip: 0.7 m below the elbow, world x = -(l1 sin q1 + 0.7 sin(q1 + q2)) */
        xn_dyn_fk(m, d, q);
        xn_se3 X;
        xn_dyn_frame_placement(m, d, xn_model_frame_id(m, "tip"), &X);
        e = xt_max(e, fabs(X.p[0] + l1 * sin(q[0]) + 0.7 * sin(q[0] + q[1])) +
                          fabs(X.p[2] + l1 * cos(q[0]) + 0.7 * cos(q[0] + q[1])));
    }
    printf("double pendulum vs closed form: max error %.1e\n", e);
    XT_CHECK(e < 1e-12, "closed-form mismatch %g", e);
    XT_CHECK(xn_model_frame_id(m, "upper") >= 0 && xn_model_frame_id(m, "elbow") >= 0 &&
                 xn_model_joint_body(m, "elbow") == 2 && xn_model_body_id(m, "lower") == 2,
             "names");
    xn_data_free(d);
    xn_model_free(m);
}

/* A builder call that must have failed with `want`, setting *id to -1 (read after the call), naming
 * `where` and saying `what`. */
static void refused(xn_status got, const int *id, const xn_error *err, xn_status want,
                    const char *where, const char *what, const char *label) {
    XT_CHECK(got == want && *id == -1 && strcmp(err->file, where) == 0 &&
                 strstr(err->message, what),
             "%s: %s, id %d, in %s: %s (want %s saying '%s')", label, xn_status_str(got), *id,
             err->file, err->message, xn_status_str(want), what);
}

static void builder_checks(void) {
    xn_builder *b = xn_builder_create();
    xn_real c[3] = {0, 0, 0}, I[6] = {1, 1, 1, 0, 0, 0}, bad[6] = {1, 1, -3, 0, 0, 0};
    xn_error e;
    int id, a, l2, f;
    const char *add_link = "xn_builder_add_link", *add_joint = "xn_builder_add_joint";
    refused(xn_builder_add_link(b, "a", -1, c, I, &id, &e), &id, &e, XN_ERR_RANGE, add_link,
            "mass -1", "negative mass");
    refused(xn_builder_add_link(b, "a", 1, c, bad, &id, &e), &id, &e, XN_ERR_RANGE, add_link,
            "not positive semi-definite", "indefinite inertia");
    xn_real nanc[3] = {NAN, 0, 0};
    refused(xn_builder_add_link(b, "a", 1, nanc, I, &id, &e), &id, &e, XN_ERR_RANGE, add_link,
            "centre of mass is not finite", "NaN centre of mass");
    XT_CHECK(xn_builder_add_link(b, "a", 1, c, I, &a, &e) == XN_OK &&
                 xn_builder_add_link(b, "b", 1, c, I, &l2, NULL) == XN_OK && a == 1 && l2 == 2,
             "links added: ids %d, %d", a, l2);
    refused(xn_builder_add_link(b, "a", 1, c, I, &id, &e), &id, &e, XN_ERR_INVALID, add_link,
            "duplicate link name 'a'", "duplicate link");
    xn_se3 X;
    xn_se3_identity(&X);
    xn_joint_spec s = xn_joint_spec_default(XN_JOINT_REVOLUTE);
    refused(xn_builder_add_joint(b, "j", 0, 99, &X, &s, &id, &e), &id, &e, XN_ERR_NOT_FOUND,
            add_joint, "child link does not exist", "missing child");
    s.lower = 1;
    s.upper = -1;
    refused(xn_builder_add_joint(b, "j", 0, a, &X, &s, &id, &e), &id, &e, XN_ERR_RANGE, add_joint,
            "are not a range", "empty range");
    s = xn_joint_spec_default(XN_JOINT_REVOLUTE);
    s.type = (xn_joint_type)99; /* a type from a newer header or garbage: refused, not used */
    refused(xn_builder_add_joint(b, "j", 0, a, &X, &s, &id, &e), &id, &e, XN_ERR_UNSUPPORTED,
            add_joint, "unknown joint type", "type 99");
    s.type = (xn_joint_type)-1;
    refused(xn_builder_add_joint(b, "j", 0, a, &X, &s, &id, &e), &id, &e, XN_ERR_UNSUPPORTED,
            add_joint, "unknown joint type", "type -1");
    s = xn_joint_spec_default(XN_JOINT_REVOLUTE);
    xn_se3 Y = X;
    Y.R[0] = 2;
    refused(xn_builder_add_joint(b, "j", 0, a, &Y, &s, &id, &e), &id, &e, XN_ERR_RANGE, add_joint,
            "not a rotation", "non-rotation");
    refused(xn_builder_add_frame(b, "tip", 7, &X, &id, &e), &id, &e, XN_ERR_NOT_FOUND,
            "xn_builder_add_frame", "link does not exist", "frame on a missing link");
    XT_CHECK(xn_builder_add_frame(b, "tip", a, &X, &f, NULL) == XN_OK && f == 0, "frame added");
    XT_CHECK(xn_builder_add_joint(b, "j", l2, a, &X, &s, &id, NULL) == XN_OK && id == 0, "a -> b");
    XT_CHECK(xn_builder_add_joint(b, "k", a, l2, &X, &s, &id, NULL) == XN_OK && id == 1,
             "b -> a (a cycle)");
    xn_model *m = (xn_model *)1;
    xn_error err;
    XT_CHECK(xn_builder_compile(b, &m, &err) == XN_ERR_INVALID && m == NULL &&
                 strstr(err.message, "cycle"),
             "cycle: %s", err.message);
    xn_builder_free(b);
    /* an empty model (the world alone) is valid */
    b = xn_builder_create();
    XT_CHECK(xn_builder_compile(b, &m, &err) == XN_OK && m->nv == 0 && m->nbody == 1,
             "empty model");
    xn_data *d = xn_data_create(m);
    xn_dyn_crba(m, d, NULL);
    xn_dyn_fk(m, d, NULL);
    xn_data_free(d);
    xn_model_free(m);
    xn_builder_free(b);
}

int main(void) {
    closed_form();
    builder_checks();
    return xt_done("builder");
}
