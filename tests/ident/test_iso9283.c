/* ISO 9283 characteristics (xiaonao/iso9283.h) on data sets small enough to work out by hand;
 * the expected values are written with their arithmetic beside them.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "test_util.h"
#include "xiaonao/iso9283.h"

#define MM 1e-3

static void pose(void) {
    xn_iso_pose p;
    xn_error err;
    /* three poses 1 mm along each axis from the command at the origin: mean (1/3, 1/3, 1/3) mm,
     * AP = sqrt(3)/3 mm; each l_j = sqrt(4/9 + 1/9 + 1/9) = sqrt(6)/3 mm, S_l = 0, RP = l */
    double c[3] = {0, 0, 0}, a[9] = {MM, 0, 0, 0, MM, 0, 0, 0, MM};
    XT_CHECK(xn_iso9283_pose(c, a, 3, &p, &err) == XN_OK, "%s", err.message);
    XT_CHECK(fabs(p.ap - sqrt(3) / 3 * MM) < 1e-15, "AP %.17g", p.ap);
    XT_CHECK(fabs(p.ap_axis[0] - MM / 3) < 1e-15, "AP_x %.17g", p.ap_axis[0]);
    XT_CHECK(fabs(p.rp - sqrt(6) / 3 * MM) < 1e-15 && fabs(p.s_l) < 1e-15, "RP %.17g", p.rp);
    /* four poses with l = 1, 1, 3, 3 mm about the mean at the origin: mean(l) = 2 mm,
     * S_l = sqrt((1 + 1 + 1 + 1) / 3) = sqrt(4/3) mm, RP = 2 + 3 sqrt(4/3) = 5.4641 mm; the
     * command 1 mm off in z: AP = 1 mm */
    double c2[3] = {0, 0, -MM}, b[12] = {MM, 0, 0, -MM, 0, 0, 0, 0, 3 * MM, 0, 0, -3 * MM};
    XT_CHECK(xn_iso9283_pose(c2, b, 4, &p, &err) == XN_OK, "%s", err.message);
    XT_CHECK(fabs(p.rp - (2 + 3 * sqrt(4.0 / 3)) * MM) < 1e-15, "RP %.17g", p.rp);
    XT_CHECK(fabs(p.ap - MM) < 1e-15 && fabs(p.ap_axis[2] - MM) < 1e-15, "AP %.17g", p.ap);
    b[4] = NAN;
    XT_CHECK(xn_iso9283_pose(c2, b, 4, &p, &err) == XN_ERR_RANGE, "a NaN accepted");
    XT_CHECK(xn_iso9283_pose(c2, b, 1, &p, &err) == XN_ERR_SIZE, "one pose accepted");
}

static void orientation(void) {
    xn_error err;
    double ap[3], rp[3];
    /* a: 0.1 and 0.3 about a command of 0: AP_a = 0.2, S = sqrt(0.01 + 0.01) = 0.1414,
     * RP_a = 0.4243; c: the command at pi - 0.05, attained -pi + 0.05 and -pi + 0.15: the
     * differences wrap to 0.1 and 0.2, AP_c = 0.15, RP_c = 3 sqrt(0.005) */
    double pi = 3.14159265358979323846;
    double c[3] = {0, 0, pi - 0.05}, a[6] = {0.1, 0, -pi + 0.05, 0.3, 0, -pi + 0.15};
    XT_CHECK(xn_iso9283_orientation(c, a, 2, ap, rp, &err) == XN_OK, "%s", err.message);
    XT_CHECK(fabs(ap[0] - 0.2) < 1e-14 && fabs(rp[0] - 3 * sqrt(0.02)) < 1e-14, "a: %.17g %.17g",
             ap[0], rp[0]);
    XT_CHECK(fabs(ap[1]) < 1e-15 && fabs(rp[1]) < 1e-15, "b: %g %g", ap[1], rp[1]);
    XT_CHECK(fabs(ap[2] - 0.15) < 1e-12 && fabs(rp[2] - 3 * sqrt(0.005)) < 1e-12,
             "c across +-pi: %.17g %.17g", ap[2], rp[2]);
}

static void distance(void) {
    xn_error err;
    /* commanded 1 m apart; attained 1.001, 0.999, 1.003 m: mean 1.001, AD = 0.001 m;
     * S_D = sqrt((0 + 0.002^2 + 0.002^2) / 2) = 0.002, RD = 0.006 m */
    double c1[3] = {0, 0, 0}, c2[3] = {1, 0, 0};
    double a1[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0}, a2[9] = {1.001, 0, 0, 0.999, 0, 0, 1.003, 0, 0};
    double ad, rd;
    XT_CHECK(xn_iso9283_distance(c1, c2, a1, a2, 3, &ad, &rd, &err) == XN_OK, "%s", err.message);
    XT_CHECK(fabs(ad - 0.001) < 1e-12 && fabs(rd - 0.006) < 1e-12, "AD %.17g RD %.17g", ad, rd);
}

static void stabilization(void) {
    xn_error err;
    /* x at t = 0, 0.1, ... 1.0 s: 3, 1, -0.5, 0.15, -0.05, then 0 (mm); band 0.2 mm: last outside
     * at 0.2 s, inside from 0.3 s: 0.3 s; the overshoot after first entering the band: 0.15 mm */
    double t[11], pos[33] = {0}, x[11] = {3, 1, -0.5, 0.15, -0.05, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 11; i++) t[i] = 0.1 * i, pos[3 * i] = x[i] * MM;
    double time, ov;
    XT_CHECK(xn_iso9283_stabilization(t, pos, 11, 0, 0.35, 0.2 * MM, &time, &ov, &err) == XN_OK,
             "%s", err.message);
    XT_CHECK(fabs(time - 0.3) < 1e-12 && fabs(ov - 0.15 * MM) < 1e-15, "time %g overshoot %g", time,
             ov);
    pos[30] = 1 * MM; /* the last 0.25 s: 0, 0, 1 mm, mean 1/3 mm: the last sample 2/3 mm out */
    XT_CHECK(xn_iso9283_stabilization(t, pos, 11, 0, 0.25, 0.2 * MM, &time, &ov, &err) ==
                 XN_ERR_RANGE,
             "a position that never settles accepted");
}

static void path(void) {
    xn_error err;
    /* along x from 0 to 1 m; two attained paths 1 mm and 3 mm to the side (y): the barycentre
     * 2 mm off, AT = 2 mm; each 1 mm from it, S = 0, RT = 1 mm */
    double cmd[6] = {0, 0, 0, 1, 0, 0}, pa[303], pb[303];
    for (int i = 0; i <= 100; i++) {
        pa[3 * i] = pb[3 * i] = 0.01 * i;
        pa[3 * i + 1] = 1 * MM, pb[3 * i + 1] = 3 * MM;
        pa[3 * i + 2] = pb[3 * i + 2] = 0;
    }
    const double *paths[2] = {pa, pb};
    int npts[2] = {101, 101};
    double at, rt;
    XT_CHECK(xn_iso9283_path(cmd, 2, paths, npts, 2, 5, 0.01, &at, &rt, &err) == XN_OK, "%s",
             err.message);
    XT_CHECK(fabs(at - 2 * MM) < 1e-15 && fabs(rt - 1 * MM) < 1e-15, "AT %.17g RT %.17g", at, rt);
    /* a path that stops half way does not cross the later planes */
    npts[1] = 40;
    XT_CHECK(xn_iso9283_path(cmd, 2, paths, npts, 2, 5, 0.01, &at, &rt, &err) == XN_ERR_RANGE &&
                 strstr(err.message, "attained path 1"),
             "a short path: %s", err.message);
}

static void corner(void) {
    xn_error err;
    /* along +x to the corner (1, 0, 0), then +y. Rounded by an arc of 10 mm about (0.99, 0.01):
     * the closest approach is sqrt(2) 10 - 10 = 4.1421 mm, nothing beyond the new line (CO 0) */
    double c[3] = {1, 0, 0}, out[3] = {0, 1, 0}, p[3 * 120];
    int m = 0;
    for (int i = 0; i < 50; i++, m++)
        p[3 * m] = 0.5 + 0.0098 * i, p[3 * m + 1] = 0, p[3 * m + 2] = 0;
    for (int i = 0; i <= 40; i++, m++) {
        double a = -3.14159265358979 / 2 + (3.14159265358979 / 2) * i / 40;
        p[3 * m] = 0.99 + 0.01 * cos(a), p[3 * m + 1] = 0.01 + 0.01 * sin(a), p[3 * m + 2] = 0;
    }
    for (int i = 1; i < 20; i++, m++)
        p[3 * m] = 1, p[3 * m + 1] = 0.01 + 0.01 * i, p[3 * m + 2] = 0;
    double cr, co;
    XT_CHECK(xn_iso9283_corner(c, out, p, m, &cr, &co, &err) == XN_OK, "%s", err.message);
    /* the arc is sampled by chords: the closest approach within the chord's sagitta */
    XT_CHECK(fabs(cr - (sqrt(2) * 10 - 10) * MM) < 1e-6 && co == 0, "rounded: CR %.9g CO %g", cr,
             co);
    /* overshooting: through the corner on to x = 1.002 m, then up along it: CR = 0 (it passes
     * the corner), CO = 2 mm */
    double q[9] = {0.5, 0, 0, 1.002, 0, 0, 1.002, 0.2, 0};
    XT_CHECK(xn_iso9283_corner(c, out, q, 3, &cr, &co, &err) == XN_OK, "%s", err.message);
    XT_CHECK(fabs(cr) < 1e-15 && fabs(co - 2 * MM) < 1e-15, "overshoot: CR %g CO %g", cr, co);
}

int main(void) {
    pose();
    orientation();
    distance();
    stabilization();
    path();
    corner();
    return xt_done("iso9283");
}
