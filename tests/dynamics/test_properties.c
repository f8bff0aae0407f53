/* Properties every rigid-body algorithm must have, on fixed- and floating-base robots, including
 * ball joints (an MJCF test model):
 *  - M positive definite; the LTDL solve agrees with a dense Cholesky solve (1e-9 rel.)
 *  - M assembled two other ways: column j as RNEA(q, 0, e_j) - RNEA(q, 0, 0), which is symmetric
 *    only if RNEA is right (CRBA writes both triangles from one value, so its own symmetry proves
 *    nothing), and by polarisation of the kinetic energy, which is computed from body velocities
 *    and inertias without RNEA or CRBA: CRBA equals both (1e-9 rel.)
 *  - ABA(q, v, RNEA(q, v, a)) = a (1e-8)
 *  - gravity = dV/dq by central differences of the potential energy along the Lie group, and
 *    (on models whose q and v coordinates agree) nle = d(Mv)/dt - dT/dq + dV/dq, Lagrange's
 *    equation with every term a difference of energies (1e-6 rel.); MuJoCo's bias forces are the
 *    other reference (test_mujoco_compare)
 *  - kinetic energy = v^T M v / 2 (1e-10)
 *  - frame Jacobians (three conventions), J-dot v, frame velocities and the COM Jacobian against
 *    central finite differences along the Lie group (step 1e-6, tolerance 1e-6 relative)
 *  - integrate/difference are inverse (1e-10)
 *  - energy balance: with constant joint torques, the change of T + V over 0.2 s of RK4
 *    integration equals the work of the torques (1e-7 relative to the energy scale). */
#include <string.h>

#include "math/dense.h"
#include "test_util.h"
#include "xiaonao/xiaonao.h"

static unsigned seed = 7;
static double urand(double lo, double hi) {
    seed = seed * 1664525u + 1013904223u;
    return lo + (hi - lo) * ((seed >> 8) / 16777216.0);
}

static void random_q(const xn_model *m, double *q) {
    for (int b = 1; b < m->nbody; b++) {
        double *qj = q + m->body_qadr[b];
        if (m->body_jtype[b] == XN_JOINT_FREE || m->body_jtype[b] == XN_JOINT_BALL) {
            int o = m->body_jtype[b] == XN_JOINT_FREE ? 3 : 0;
            for (int i = 0; i < o; i++) qj[i] = urand(-1, 1);
            double n = 0;
            for (int i = 0; i < 4; i++) {
                qj[o + i] = urand(-1, 1);
                n += qj[o + i] * qj[o + i];
            }
            for (int i = 0; i < 4; i++) qj[o + i] /= sqrt(n);
        } else {
            int i = m->body_qadr[b];
            double lo = isfinite(m->q_lower[i]) ? m->q_lower[i] : -3;
            double hi = isfinite(m->q_upper[i]) ? m->q_upper[i] : 3;
            qj[0] = urand(lo, hi);
        }
    }
}

static double rel(double a, double b, double scale) {
    return fabs(a - b) / (scale > 1 ? scale : 1);
}

static double vmax_abs(const double *x, int n) {
    double s = 0;
    for (int i = 0; i < n; i++)
        if (fabs(x[i]) > s) s = fabs(x[i]);
    return s;
}

/* rotation vector of R (for small rotations: the finite-difference angular velocity) */
static void rot_log(const double R[9], double w[3]) {
    double c = (R[0] + R[4] + R[8] - 1) / 2;
    c = c > 1 ? 1 : c < -1 ? -1 : c;
    double th = acos(c), k = th < 1e-9 ? 0.5 : th / (2 * sin(th));
    w[0] = k * (R[7] - R[5]);
    w[1] = k * (R[2] - R[6]);
    w[2] = k * (R[3] - R[1]);
}

/* Kinetic energy alone: T(q, v). */
static double kinetic(const xn_model *m, xn_data *d, const double *q, const double *v) {
    double T, V;
    xn_dyn_energy(m, d, q, v, &T, &V);
    return T;
}

static double potential(const xn_model *m, xn_data *d, const double *q, double *zero_v) {
    double T, V;
    memset(zero_v, 0, sizeof(double) * (size_t)m->nv);
    xn_dyn_energy(m, d, q, zero_v, &T, &V);
    return V;
}

/* True when every joint is revolute or prismatic, so q + h e_i is a configuration and the
 * Lagrangian in (q, v) has no Boltzmann-Hamel terms. */
static int same_coordinates(const xn_model *m) {
    for (int b = 1; b < m->nbody; b++)
        if (m->body_jtype[b] == XN_JOINT_FREE || m->body_jtype[b] == XN_JOINT_BALL) return 0;
    return m->nq == m->nv;
}

/* M three ways. Column j of RNEA(q, 0, e_j) - RNEA(q, 0, 0); polarisation of the quadratic T:
 * M_ij = T(e_i + e_j) - T(e_i) - T(e_j) (exact, T is quadratic in v). Returns the asymmetry of the
 * RNEA matrix and CRBA's distance to both. Scratch: Mr nv*nv, e and t nv. */
static void check_mass_matrix(const xn_model *m, xn_data *d, const double *q, double *Mr, double *e,
                              double *t, double *e_sym, double *e_rnea, double *e_ke) {
    int nv = m->nv;
    double *zero = calloc((size_t)nv, sizeof *zero);
    memset(e, 0, sizeof(double) * (size_t)nv);
    xn_dyn_rnea(m, d, q, zero, e);
    memcpy(t, d->tau, sizeof(double) * (size_t)nv);
    for (int j = 0; j < nv; j++) {
        e[j] = 1;
        xn_dyn_rnea(m, d, q, zero, e);
        e[j] = 0;
        for (int i = 0; i < nv; i++) Mr[i * nv + j] = d->tau[i] - t[i];
    }
    free(zero);
    double Ms = vmax_abs(Mr, nv * nv);
    for (int i = 0; i < nv; i++)
        for (int j = 0; j < nv; j++)
            *e_sym = xt_max(*e_sym, rel(Mr[i * nv + j], Mr[j * nv + i], Ms));
    xn_dyn_crba(m, d, q);
    for (int i = 0; i < nv * nv; i++) *e_rnea = xt_max(*e_rnea, rel(d->M[i], Mr[i], Ms));
    /* d->M is read before xn_dyn_energy overwrites the kinematics; CRBA's M stays in d->M */
    for (int i = 0; i < nv; i++) {
        e[i] = 1;
        double Ti = kinetic(m, d, q, e);
        for (int j = 0; j <= i; j++) {
            double Mij;
            if (j == i) {
                Mij = 2 * Ti;
            } else {
                e[j] = 0;
                double Tj;
                memset(t, 0, sizeof(double) * (size_t)nv);
                t[j] = 1;
                Tj = kinetic(m, d, q, t);
                e[j] = 1;
                Mij = kinetic(m, d, q, e) - Ti - Tj;
                e[j] = 0;
            }
            *e_ke = xt_max(*e_ke, rel(d->M[i * nv + j], Mij, Ms));
            *e_ke = xt_max(*e_ke, rel(d->M[j * nv + i], Mij, Ms));
        }
        e[i] = 0;
    }
}

/* gravity_k = dV(q (+) t e_k)/dt at t = 0, central differences (h 1e-5); relative to the largest
 * gravity torque. Scratch: qh nq, e and z nv. */
static double check_gravity(const xn_model *m, xn_data *d, const double *q, double *qh, double *e,
                            double *z) {
    int nv = m->nv;
    const double h = 1e-5;
    xn_dyn_gravity(m, d, q);
    double s = vmax_abs(d->g, nv), err = 0;
    memset(e, 0, sizeof(double) * (size_t)nv);
    for (int k = 0; k < nv; k++) {
        e[k] = 1;
        xn_lie_integrate(m, q, e, h, qh);
        double Vp = potential(m, d, qh, z);
        xn_lie_integrate(m, q, e, -h, qh);
        double Vm = potential(m, d, qh, z);
        e[k] = 0;
        xn_dyn_gravity(m, d, q);
        err = xt_max(err, rel(d->g[k], (Vp - Vm) / (2 * h), s));
    }
    return err;
}

/* (M v)_i = T(v + e_i) - T(v) - T(e_i), exact for the quadratic T. */
static void momentum(const xn_model *m, xn_data *d, const double *q, const double *v, double *e,
                     double *p) {
    int nv = m->nv;
    double T = kinetic(m, d, q, v);
    memcpy(e, v, sizeof(double) * (size_t)nv);
    for (int i = 0; i < nv; i++) {
        e[i] = v[i] + 1;
        double Tvi = kinetic(m, d, q, e);
        e[i] = v[i];
        p[i] = Tvi - T;
    }
    /* subtract T(e_i) = M_ii / 2 */
    memset(e, 0, sizeof(double) * (size_t)nv);
    for (int i = 0; i < nv; i++) {
        e[i] = 1;
        p[i] -= kinetic(m, d, q, e);
        e[i] = 0;
    }
}

/* Lagrange's equation for q = v coordinates: nle = d(M v)/dt|_{q + t v} - dT/dq + dV/dq, each a
 * central difference (h 1e-5) of energies. Scratch: qh nq, e nv, w 3*nv. */
static double check_nle(const xn_model *m, xn_data *d, const double *q, const double *v, double *qh,
                        double *e, double *w) {
    int nv = m->nv;
    const double h = 1e-5;
    double *pp = w, *pm = w + nv, *lag = w + 2 * nv;
    for (int k = 0; k < nv; k++) qh[k] = q[k] + h * v[k];
    momentum(m, d, qh, v, e, pp);
    for (int k = 0; k < nv; k++) qh[k] = q[k] - h * v[k];
    momentum(m, d, qh, v, e, pm);
    for (int i = 0; i < nv; i++) lag[i] = (pp[i] - pm[i]) / (2 * h);
    memcpy(qh, q, sizeof(double) * (size_t)nv);
    for (int i = 0; i < nv; i++) {
        qh[i] = q[i] + h;
        double Tp = kinetic(m, d, qh, v), Vp = potential(m, d, qh, e);
        qh[i] = q[i] - h;
        double Tm = kinetic(m, d, qh, v), Vm = potential(m, d, qh, e);
        qh[i] = q[i];
        lag[i] += (-(Tp - Tm) + (Vp - Vm)) / (2 * h);
    }
    xn_dyn_nle(m, d, q, v);
    double s = vmax_abs(d->nle, nv), err = 0;
    for (int i = 0; i < nv; i++) err = xt_max(err, rel(d->nle[i], lag[i], s));
    return err;
}

static void check_model(const char *label, xn_model *m) {
    int nq = m->nq, nv = m->nv;
    xn_data *d = xn_data_create(m);
    double *q = calloc((size_t)nq, 8), *qp = calloc((size_t)nq, 8), *qm = calloc((size_t)nq, 8);
    double *v = calloc((size_t)nv, 8), *a = calloc((size_t)nv, 8), *x = calloc((size_t)nv, 8);
    double *L = calloc((size_t)(nv * nv), 8), *J = calloc(6 * (size_t)nv, 8),
           *Jp = calloc(6 * (size_t)nv, 8), *Jm = calloc(6 * (size_t)nv, 8),
           *tmp = calloc((size_t)nv, 8);
    double e_sym = 0, e_Mrnea = 0, e_Mke = 0, e_solve = 0, e_aba = 0, e_g = 0, e_nle = 0, e_ke = 0,
           e_J = 0, e_dJ = 0, e_vel = 0, e_com = 0, e_lie = 0, e_conv = 0;
    int spd = 1;
    const double h = 1e-6;
    for (int c = 0; c < 20; c++) {
        random_q(m, q);
        for (int k = 0; k < nv; k++) {
            v[k] = urand(-2, 2);
            a[k] = urand(-5, 5);
        }
        check_mass_matrix(m, d, q, L, x, tmp, &e_sym, &e_Mrnea, &e_Mke);
        xn_dyn_crba(m, d, q);
        memcpy(L, d->M, sizeof(double) * (size_t)(nv * nv));
        if (xn_chol_factor(L, nv) != XN_OK) spd = 0;
        if (xn_dyn_factor(m, d) != XN_OK) spd = 0;
        for (int k = 0; k < nv; k++) x[k] = tmp[k] = a[k];
        xn_chol_solve(L, nv, tmp);
        xn_dyn_solve(m, d, x);
        for (int k = 0; k < nv; k++)
            e_solve = xt_max(e_solve, rel(x[k], tmp[k], vmax_abs(tmp, nv)));
        /* kinetic energy */
        double T, V, vMv = 0;
        for (int i = 0; i < nv; i++)
            for (int j = 0; j < nv; j++) vMv += v[i] * d->M[i * nv + j] * v[j];
        xn_dyn_energy(m, d, q, v, &T, &V);
        e_ke = xt_max(e_ke, rel(T, 0.5 * vMv, fabs(T)));
        /* ABA inverts RNEA */
        xn_dyn_rnea(m, d, q, v, a);
        memcpy(x, d->tau, sizeof(double) * (size_t)nv);
        xn_dyn_aba(m, d, q, v, x);
        for (int k = 0; k < nv; k++) e_aba = xt_max(e_aba, rel(d->qdd[k], a[k], 5));
        /* gravity and nle against derivatives of the energies */
        e_g = xt_max(e_g, check_gravity(m, d, q, qp, x, tmp));
        if (same_coordinates(m)) e_nle = xt_max(e_nle, check_nle(m, d, q, v, qp, x, L));
        /* Lie group: difference(q, integrate(q, v)) = v */
        xn_lie_integrate(m, q, v, 0.3, qp);
        xn_lie_difference(m, q, qp, x);
        for (int k = 0; k < nv; k++) e_lie = xt_max(e_lie, fabs(x[k] - 0.3 * v[k]));
        /* finite differences along q(t) = q (+) t v */
        xn_lie_integrate(m, q, v, h, qp);
        xn_lie_integrate(m, q, v, -h, qm);
        for (int f = 0; f < m->nframe; f += 3) {
            xn_se3 Xp, Xm, X;
            xn_dyn_fk(m, d, qp);
            xn_dyn_frame_placement(m, d, f, &Xp);
            xn_dyn_frame_jacobian(m, d, f, XN_LOCAL_WORLD_ALIGNED, Jp);
            xn_dyn_fk(m, d, qm);
            xn_dyn_frame_placement(m, d, f, &Xm);
            xn_dyn_frame_jacobian(m, d, f, XN_LOCAL_WORLD_ALIGNED, Jm);
            xn_dyn_fk_vel(m, d, q, v);
            xn_dyn_frame_placement(m, d, f, &X);
            xn_dyn_frame_jacobian(m, d, f, XN_LOCAL_WORLD_ALIGNED, J);
            double fd[6], Jv[6], vel[6], dR[9];
            for (int i = 0; i < 3; i++) fd[i] = (Xp.p[i] - Xm.p[i]) / (2 * h);
            for (int i = 0; i < 3; i++) /* dR = Rp Rm^T */
                for (int j = 0; j < 3; j++)
                    dR[3 * i + j] = Xp.R[3 * i] * Xm.R[3 * j] + Xp.R[3 * i + 1] * Xm.R[3 * j + 1] +
                                    Xp.R[3 * i + 2] * Xm.R[3 * j + 2];
            rot_log(dR, fd + 3);
            for (int i = 3; i < 6; i++) fd[i] /= 2 * h;
            for (int r = 0; r < 6; r++) {
                Jv[r] = 0;
                for (int k = 0; k < nv; k++) Jv[r] += J[r * nv + k] * v[k];
            }
            double s = vmax_abs(Jv, 6);
            for (int r = 0; r < 6; r++) e_J = xt_max(e_J, rel(Jv[r], fd[r], s));
            xn_dyn_frame_velocity(m, d, f, XN_LOCAL_WORLD_ALIGNED, vel);
            for (int r = 0; r < 6; r++) e_vel = xt_max(e_vel, rel(vel[r], Jv[r], s));
            /* the other conventions: J v equals the frame velocity in the same convention */
            for (int rf = 0; rf < 2; rf++) {
                xn_dyn_frame_jacobian(m, d, f, (xn_reference_frame)rf, Jp);
                xn_dyn_frame_velocity(m, d, f, (xn_reference_frame)rf, vel);
                for (int r = 0; r < 6; r++) {
                    double y = 0;
                    for (int k = 0; k < nv; k++) y += Jp[r * nv + k] * v[k];
                    e_conv = xt_max(e_conv, rel(y, vel[r], vmax_abs(vel, 6)));
                }
            }
            /* J-dot v: derivative of J v along the motion at constant v (LWA) */
            double drift[6];
            xn_dyn_frame_drift(m, d, q, v, f, XN_LOCAL_WORLD_ALIGNED, drift);
            xn_dyn_fk(m, d, qp);
            xn_dyn_frame_jacobian(m, d, f, XN_LOCAL_WORLD_ALIGNED, Jp);
            xn_dyn_fk(m, d, qm);
            xn_dyn_frame_jacobian(m, d, f, XN_LOCAL_WORLD_ALIGNED, Jm);
            double ds = vmax_abs(drift, 6);
            for (int r = 0; r < 6; r++) {
                double y = 0;
                for (int k = 0; k < nv; k++)
                    y += (Jp[r * nv + k] - Jm[r * nv + k]) * v[k] / (2 * h);
                e_dJ = xt_max(e_dJ, rel(drift[r], y, ds));
            }
        }
        /* centre-of-mass Jacobian */
        double cp[3], cm[3];
        xn_dyn_com(m, d, qp);
        memcpy(cp, d->com, sizeof cp);
        xn_dyn_com(m, d, qm);
        memcpy(cm, d->com, sizeof cm);
        xn_dyn_com_jacobian(m, d, q);
        for (int r = 0; r < 3; r++) {
            double y = 0;
            for (int k = 0; k < nv; k++) y += d->Jcom[r * nv + k] * v[k];
            e_com = xt_max(e_com, rel(y, (cp[r] - cm[r]) / (2 * h), 1));
        }
    }
    printf("%-22s M: sym %.0e rnea %.0e energy %.0e\n", label, e_sym, e_Mrnea, e_Mke);
    if (!same_coordinates(m)) /* nle is checked against MuJoCo's bias forces instead */
        printf("%-22s nle: no Lagrangian check (free or ball joints)\n", label);
    printf("%-22s sym %.0e solve %.0e aba %.0e g %.0e nle %.0e KE %.0e J %.0e vel %.0e conv %.0e "
           "Jdot %.0e Jcom %.0e lie %.0e\n",
           label, e_sym, e_solve, e_aba, e_g, e_nle, e_ke, e_J, e_vel, e_conv, e_dJ, e_com, e_lie);
    XT_CHECK(spd, "%s: M not positive definite", label);
    XT_CHECK(e_sym < 1e-9, "%s: M from RNEA columns not symmetric (%g)", label, e_sym);
    XT_CHECK(e_Mrnea < 1e-9, "%s: CRBA vs RNEA columns %g", label, e_Mrnea);
    XT_CHECK(e_Mke < 1e-9, "%s: CRBA vs kinetic-energy polarisation %g", label, e_Mke);
    XT_CHECK(e_solve < 1e-9, "%s: LTDL solve vs Cholesky %g", label, e_solve);
    XT_CHECK(e_aba < 1e-8, "%s: ABA(RNEA(a)) != a (%g)", label, e_aba);
    XT_CHECK(e_g < 1e-6, "%s: gravity vs dV/dq %g", label, e_g);
    XT_CHECK(e_nle < 1e-6, "%s: nle vs Lagrange's equation %g", label, e_nle);
    XT_CHECK(e_ke < 1e-10, "%s: kinetic energy != v'Mv/2 (%g)", label, e_ke);
    XT_CHECK(e_J < 1e-6, "%s: Jacobian vs finite differences %g", label, e_J);
    XT_CHECK(e_vel < 1e-12, "%s: frame velocity != J v (%g)", label, e_vel);
    XT_CHECK(e_conv < 1e-12, "%s: conventions disagree (%g)", label, e_conv);
    XT_CHECK(e_dJ < 1e-6, "%s: J-dot v vs finite differences %g", label, e_dJ);
    XT_CHECK(e_com < 1e-6, "%s: COM Jacobian vs finite differences %g", label, e_com);
    XT_CHECK(e_lie < 1e-10, "%s: difference(integrate) != v (%g)", label, e_lie);

    /* energy balance under constant torques, RK4 on (q, v, W) with dW/dt = tau . v */
    random_q(m, q);
    xn_dyn_crba(m, d, q);
    for (int k = 0; k < nv; k++) {
        v[k] = urand(-1, 1);
        /* constant torques of a size each joint's inertia can take without a stiff flow (tiny
         * gripper links would otherwise spin up by 1e5 rad/s^2) */
        a[k] = urand(-2, 2) * d->M[k * nv + k];
    }
    double T0, V0, W = 0, dt = 1e-4;
    xn_dyn_energy(m, d, q, v, &T0, &V0);
    double *k1 = calloc((size_t)nv, 8), *k2 = calloc((size_t)nv, 8), *k3 = calloc((size_t)nv, 8),
           *k4 = calloc((size_t)nv, 8), *vs = calloc((size_t)nv, 8), *qs = calloc((size_t)nq, 8);
    double *ks[4] = {k1, k2, k3, k4}, wk[4];
    static const double c[4] = {0, 0.5, 0.5, 1};
    /* q-velocity stages: vstage_i = v + c_i dt k_{i-1}; q_i = q (+) c_i dt * vstage_{i-1} (RK4 on
     * the Lie group with a fixed base point, exact to O(dt^5) for this smooth flow) */
    double *vst[4];
    for (int i = 0; i < 4; i++) vst[i] = calloc((size_t)nv, 8);
    for (int step = 0; step < 2000; step++) {
        for (int i = 0; i < 4; i++) {
            for (int k = 0; k < nv; k++) vst[i][k] = v[k] + (i ? c[i] * dt * ks[i - 1][k] : 0);
            if (i == 0)
                memcpy(qs, q, sizeof(double) * (size_t)nq);
            else
                xn_lie_integrate(m, q, vst[i - 1], c[i] * dt, qs);
            xn_dyn_aba(m, d, qs, vst[i], a);
            memcpy(ks[i], d->qdd, sizeof(double) * (size_t)nv);
            wk[i] = 0;
            for (int k = 0; k < nv; k++) wk[i] += a[k] * vst[i][k];
        }
        for (int k = 0; k < nv; k++)
            vs[k] = (vst[0][k] + 2 * vst[1][k] + 2 * vst[2][k] + vst[3][k]) / 6;
        xn_lie_integrate(m, q, vs, dt, q);
        for (int k = 0; k < nv; k++) v[k] += dt * (k1[k] + 2 * k2[k] + 2 * k3[k] + k4[k]) / 6;
        W += dt * (wk[0] + 2 * wk[1] + 2 * wk[2] + wk[3]) / 6;
    }
    double T1, V1;
    xn_dyn_energy(m, d, q, v, &T1, &V1);
    double scale = fabs(T0) + fabs(V0) + fabs(W) + 1;
    double e_energy = fabs((T1 + V1) - (T0 + V0) - W) / scale;
    printf("%-22s energy balance over 0.2 s: dE %.6g, work %.6g, relative mismatch %.1e\n", label,
           (T1 + V1) - (T0 + V0), W, e_energy);
    XT_CHECK(e_energy < 1e-7, "%s: energy change != work (%g)", label, e_energy);
    for (int i = 0; i < 4; i++) free(vst[i]);
    free(k1);
    free(k2);
    free(k3);
    free(k4);
    free(vs);
    free(qs);
    free(q);
    free(qp);
    free(qm);
    free(v);
    free(a);
    free(x);
    free(L);
    free(J);
    free(Jp);
    free(Jm);
    free(tmp);
    xn_data_free(d);
}

/* A floating robot 10 km from the world origin: the world-axis algorithms work about the robot's
 * own root, so ABA(RNEA(a)) = a and the LTDL solve keep their precision (1e-9). */
static void check_far_from_origin(const char *label, xn_model *m) {
    if (m->body_jtype[1] != XN_JOINT_FREE) return;
    int nq = m->nq, nv = m->nv;
    xn_data *d = xn_data_create(m);
    double *q = calloc((size_t)nq, 8), *v = calloc((size_t)nv, 8), *a = calloc((size_t)nv, 8),
           *x = calloc((size_t)nv, 8);
    double e = 0;
    for (int c = 0; c < 5; c++) {
        random_q(m, q);
        q[0] = 1e4;
        q[1] = -7e3;
        for (int k = 0; k < nv; k++) {
            v[k] = urand(-2, 2);
            a[k] = urand(-5, 5);
        }
        xn_dyn_rnea(m, d, q, v, a);
        memcpy(x, d->tau, sizeof(double) * (size_t)nv);
        xn_dyn_aba(m, d, q, v, x);
        for (int k = 0; k < nv; k++) e = xt_max(e, fabs(d->qdd[k] - a[k]));
        xn_dyn_nle(m, d, q, v);
        for (int k = 0; k < nv; k++) x[k] -= d->nle[k];
        xn_dyn_crba(m, d, q);
        xn_dyn_factor(m, d);
        xn_dyn_solve(m, d, x);
        for (int k = 0; k < nv; k++) e = xt_max(e, fabs(x[k] - a[k]));
    }
    printf("%-22s 10 km from the origin: ABA and CRBA+solve invert RNEA to %.1e\n", label, e);
    XT_CHECK(e < 1e-9, "%s: precision lost far from the origin (%g)", label, e);
    free(q);
    free(v);
    free(a);
    free(x);
    xn_data_free(d);
}

/* xn_model_copy: the copy computes the same bits as the original, outlives it, and a payload set
 * on it leaves the original as it was. */
static void check_copy(const char *label, xn_model *m) {
    int nq = m->nq, nv = m->nv;
    xn_model *c = xn_model_copy(m);
    XT_CHECK(c != NULL, "%s: copy", label);
    if (!c) return;
    xn_data *dm = xn_data_create(m), *dc = xn_data_create(c);
    double *q = calloc((size_t)nq, 8), *v = calloc((size_t)nv, 8), *a = calloc((size_t)nv, 8);
    random_q(m, q);
    for (int k = 0; k < nv; k++) v[k] = urand(-2, 2), a[k] = urand(-5, 5);
    xn_dyn_rnea(m, dm, q, v, a);
    xn_dyn_rnea(c, dc, q, v, a);
    int same = memcmp(dm->tau, dc->tau, sizeof(double) * (size_t)nv) == 0;
    xn_dyn_crba(m, dm, q);
    xn_dyn_crba(c, dc, q);
    same &= memcmp(dm->M, dc->M, sizeof(double) * (size_t)(nv * nv)) == 0;
    xn_dyn_fk(m, dm, q);
    xn_dyn_frames(m, dm);
    xn_dyn_fk(c, dc, q);
    xn_dyn_frames(c, dc);
    same &= memcmp(dm->oMf, dc->oMf, sizeof(xn_se3) * (size_t)m->nframe) == 0;
    same &= c->nframe == m->nframe &&
            strcmp(c->frame_name[m->nframe - 1], m->frame_name[m->nframe - 1]) == 0;
    XT_CHECK(same, "%s: the copy computes other bits than the original", label);
    xn_inertia before = m->body_inertia[m->nbody - 1], heavier = before;
    heavier.m += 1;
    XT_CHECK(xn_model_set_body_inertia(c, c->nbody - 1, &heavier) == XN_OK &&
                 memcmp(&m->body_inertia[m->nbody - 1], &before, sizeof before) == 0,
             "%s: a payload on the copy changed the original", label);
    xn_dyn_rnea(c, dc, q, v, a);
    XT_CHECK(memcmp(dm->tau, dc->tau, sizeof(double) * (size_t)nv) != 0 || nv == 0,
             "%s: the copy's payload has no effect", label);
    free(q);
    free(v);
    free(a);
    xn_data_free(dm);
    xn_data_free(dc);
    xn_model_free(c);
}

/* frame indices and conventions outside their range: refused, outputs NaN (not a plausible
 * Jacobian of some other frame), nothing written past the arrays (ASan in CI) */
static void check_bad_frames(const char *label, const xn_model *m) {
    xn_data *d = xn_data_create(m);
    int nv = m->nv;
    double *J = calloc(6 * (size_t)nv, 8), *q = calloc((size_t)m->nq, 8), out[6];
    memcpy(q, m->q_neutral, sizeof(double) * (size_t)m->nq);
    xn_dyn_fk(m, d, q);
    xn_se3 X;
    int bad[3] = {-1, m->nframe, 1 << 30}, refused = 1, nan = 1;
    for (int i = 0; i < 3; i++) {
        int f = bad[i];
        refused &= xn_dyn_frame_placement(m, d, f, &X) == XN_ERR_RANGE;
        nan &= isnan(X.p[0]) && isnan(X.R[8]);
        refused &= xn_dyn_frame_jacobian(m, d, f, XN_LOCAL, J) == XN_ERR_RANGE;
        nan &= isnan(J[0]) && isnan(J[6 * nv - 1]);
        refused &= xn_dyn_frame_jacobian_at(m, d, q, f, XN_WORLD, J) == XN_ERR_RANGE;
        refused &= xn_dyn_frame_jacobian_from_joints(m, d, f, XN_WORLD, J) == XN_ERR_RANGE;
        refused &= xn_dyn_frame_velocity(m, d, f, XN_WORLD, out) == XN_ERR_RANGE;
        refused &= xn_dyn_frame_drift(m, d, q, q, f, XN_WORLD, out) == XN_ERR_RANGE;
        nan &= isnan(out[5]);
    }
    refused &= xn_dyn_frame_jacobian(m, d, 0, (xn_reference_frame)7, J) == XN_ERR_RANGE;
    XT_CHECK(refused && nan, "%s: bad frame indices and conventions refused (%d), outputs NaN (%d)",
             label, refused, nan);
    XT_CHECK(xn_dyn_frame_jacobian(m, d, m->nframe - 1, XN_LOCAL, J) == XN_OK,
             "%s: the last frame is accepted", label);
    free(J);
    free(q);
    xn_data_free(d);
}

/* d->v means one thing whatever ran last: after RNEA it holds what xn_dyn_fk_vel gives (body
 * frames), and ABA leaves it alone (it used to leave its world-axis velocities there). */
static void check_data_meaning(const char *label, const xn_model *m) {
    int nv = m->nv, nb = m->nbody;
    xn_data *d = xn_data_create(m);
    double *q = calloc((size_t)m->nq, 8), *v = calloc((size_t)nv, 8), *a = calloc((size_t)nv, 8),
           *ref = calloc(6 * (size_t)nb, 8);
    random_q(m, q);
    for (int k = 0; k < nv; k++) v[k] = urand(-2, 2), a[k] = urand(-5, 5);
    xn_dyn_fk_vel(m, d, q, v);
    memcpy(ref, d->v, sizeof(double) * 6 * (size_t)nb);
    xn_dyn_aba(m, d, q, v, a);
    double e_aba = 0, e_rnea = 0;
    for (int i = 6; i < 6 * nb; i++) e_aba = xt_max(e_aba, fabs(d->v[i] - ref[i]));
    xn_dyn_rnea(m, d, q, v, a);
    for (int i = 6; i < 6 * nb; i++)
        e_rnea = xt_max(e_rnea, fabs(d->v[i] - ref[i]) / (1 + fabs(ref[i])));
    XT_CHECK(e_aba == 0 && e_rnea < 1e-12,
             "%s: d->v after ABA changed by %g, after RNEA differs from fk_vel's by %g", label,
             e_aba, e_rnea);
    free(q);
    free(v);
    free(a);
    free(ref);
    xn_data_free(d);
}

static void run(const char *label, const char *path, int floating) {
    xn_load_options opt = {floating, 0};
    xn_model *m = NULL;
    xn_error err;
    xn_status st = xn_load_model(path, &opt, &m, &err);
    XT_CHECK(st == XN_OK, "%s: %s:%d: %s", label, err.file, err.line, err.message);
    if (st) return;
    check_model(label, m);
    check_far_from_origin(label, m);
    check_copy(label, m);
    check_bad_frames(label, m);
    check_data_meaning(label, m);
    xn_model_free(m);
}

int main(void) {
    run("panda (fixed)", XN_MODELS_DIR "/urdf/panda.urdf", 0);
    run("ur5 (fixed)", XN_MODELS_DIR "/urdf/ur5_robot.urdf", 0);
    run("talos (floating)", XN_MODELS_DIR "/urdf/talos_full_v2.urdf", 1);
    run("go2 (floating)", XN_MODELS_DIR "/urdf/go2.urdf", 1);
    run("mjcf floating+ball", XN_DATA_DIR "/mjcf/floating.xml", 0);
    run("mjcf features", XN_DATA_DIR "/mjcf/features.xml", 0);
    return xt_done("dynamics_properties");
}
