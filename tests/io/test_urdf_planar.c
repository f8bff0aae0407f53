/* URDF planar joints load as x, y, theta (translations in the plane, rotation about its normal):
 * checked against the closed-form mass matrix of a body on a planar joint and against the
 * expected placement for a plane whose normal is x. Tolerance 1e-12. */
#include <string.h>

#include "test_util.h"
#include "xiaonao/xiaonao.h"

static const char *urdf_fmt =
    "<robot name=\"p\">\n"
    "<link name=\"base\"/>\n"
    "<link name=\"puck\"><inertial><origin xyz=\"%g 0 0\"/><mass value=\"%g\"/>"
    "<inertia ixx=\"0.1\" iyy=\"0.1\" izz=\"%g\" ixy=\"0\" ixz=\"0\" "
    "iyz=\"0\"/></inertial></link>\n"
    "<joint name=\"slide\" type=\"planar\"><parent link=\"base\"/><child link=\"puck\"/>"
    "<axis xyz=\"%s\"/><limit effort=\"5\" velocity=\"2\"/></joint>\n"
    "</robot>\n";

static xn_model *load(double d, double mass, double izz, const char *axis) {
    char xml[1024];
    snprintf(xml, sizeof xml, urdf_fmt, d, mass, izz, axis);
    xn_model *m = NULL;
    xn_error err;
    XT_CHECK(xn_load_urdf_string(xml, strlen(xml), "planar.urdf", NULL, &m, &err) == XN_OK, "%s",
             err.message);
    return m;
}

int main(void) {
    const double d = 0.3, mass = 2, izz = 0.05;
    xn_model *m = load(d, mass, izz, "0 0 1");
    if (!m) return xt_done("urdf_planar");
    XT_CHECK(m->nq == 3 && m->nv == 3, "nq %d nv %d", m->nq, m->nv);
    XT_CHECK(xn_model_joint_body(m, "slide_x") == 1 && xn_model_joint_body(m, "slide_y") == 2 &&
                 xn_model_joint_body(m, "slide_theta") == 3,
             "joint names");
    XT_CHECK(m->dof_effort[0] == 5 && m->dof_vmax[2] == 2, "limits carried to every DoF");
    xn_data *d_ = xn_data_create(m);
    double e = 0;
    for (int c = 0; c < 8; c++) {
        double q[3] = {0.2 * c, -0.1 * c, 0.4 * c - 1};
        xn_dyn_crba(m, d_, q);
        double s = sin(q[2]), co = cos(q[2]);
        double M[9] = {mass,
                       0,
                       -mass * d * s,
                       0,
                       mass,
                       mass * d * co,
                       -mass * d * s,
                       mass * d * co,
                       izz + mass * d * d};
        for (int i = 0; i < 9; i++) e = xt_max(e, fabs(d_->M[i] - M[i]));
        xn_dyn_fk(m, d_, q);
        xn_se3 X;
        xn_dyn_frame_placement(m, d_, xn_model_frame_id(m, "puck"), &X);
        e = xt_max(e, fabs(X.p[0] - q[0]) + fabs(X.p[1] - q[1]) + fabs(X.p[2]));
        e = xt_max(e, fabs(X.R[0] - co) + fabs(X.R[3] - s) + fabs(X.R[8] - 1));
    }
    XT_CHECK(e < 1e-12, "planar (normal z) vs closed form: %g", e);
    xn_data_free(d_);
    xn_model_free(m);
    /* a plane with normal x: local x runs along world -z, local y along world y */
    m = load(d, mass, izz, "1 0 0");
    d_ = xn_data_create(m);
    double q[3] = {0.5, 0.25, 0.3};
    xn_dyn_fk(m, d_, q);
    xn_se3 X;
    xn_dyn_frame_placement(m, d_, xn_model_frame_id(m, "puck"), &X);
    double s = sin(0.3), co = cos(0.3);
    e = fabs(X.p[0]) + fabs(X.p[1] - 0.25) + fabs(X.p[2] + 0.5);
    /* the child turns by theta about world x */
    e += fabs(X.R[0] - 1) + fabs(X.R[4] - co) + fabs(X.R[5] + s) + fabs(X.R[7] - s) +
         fabs(X.R[8] - co);
    XT_CHECK(e < 1e-12, "planar (normal x) placement error %g", e);
    xn_data_free(d_);
    xn_model_free(m);
    return xt_done("urdf_planar");
}
