/* Compliance on the simulated Panda (MuJoCo): Cartesian impedance's measured stiffness (force over
 * displacement in a quasi-static push at the tool centre point) within 1 % of the commanded
 * stiffness on every axis, and no growing oscillation over the documented range; hand guiding:
 * a 20 N push moves the tool at the speed the virtual damping predicts (F / D) within 10 %, and
 * the speed limit holds; joint impedance: tau = K dq at rest. SPDX-License-Identifier: Apache-2.0
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "runtime/runtime_test_util.h"
#include "test_util.h"

static const double A[9] = {0, -0.3, 0, -2.2, 0, 1.9, 0.785, 0.04, 0.04};

typedef struct {
    xn_model *m;
    xn_data *d;
    xn_hal *hal;
    mjModel *mm;
    mjData *md;
    xn_compliance *comp;
    int hand, tcp;
} rig;

static int rig_open(rig *r) {
    xn_error err;
    memset(r, 0, sizeof *r);
    if (xn_load_model(PANDA_SCENE, NULL, &r->m, &err) ||
        xn_mujoco_open(PANDA_SCENE, NULL, &r->hal, &err))
        return -1;
    r->d = xn_data_create(r->m);
    xn_compliance_create(r->m, &r->comp, NULL);
    r->mm = xn_mujoco_model(r->hal);
    r->md = xn_mujoco_data(r->hal);
    r->hand = mj_name2id(r->mm, mjOBJ_BODY, "hand");
    r->tcp = mj_name2id(r->mm, mjOBJ_SITE, "tcp");
    /* start in pose A, at rest */
    for (int i = 0; i < 9; i++) r->md->qpos[i] = A[i];
    mj_forward(r->mm, r->md);
    return 0;
}

static void rig_close(rig *r) {
    xn_compliance_free(r->comp);
    xn_data_free(r->d);
    xn_hal_close(r->hal);
    xn_model_free(r->m);
}

/* A force (and moment) applied at the tool centre point, through the hand body. */
static void push(rig *r, const double F[3], const double M[3]) {
    memset(r->md->xfrc_applied, 0, sizeof(double) * 6 * r->mm->nbody);
    const double *pc = &r->md->xipos[3 * r->hand], *pt = &r->md->site_xpos[3 * r->tcp];
    double arm[3] = {pt[0] - pc[0], pt[1] - pc[1], pt[2] - pc[2]};
    double *x = &r->md->xfrc_applied[6 * r->hand];
    for (int i = 0; i < 3; i++) x[i] = F[i];
    x[3] = M[0] + arm[1] * F[2] - arm[2] * F[1];
    x[4] = M[1] + arm[2] * F[0] - arm[0] * F[2];
    x[5] = M[2] + arm[0] * F[1] - arm[1] * F[0];
}

typedef void (*law_fn)(rig *r, const double *q, const double *v, double *tau, void *ctx);

/* Run the torque law for n cycles at 1 kHz (the arm's joints; the fingers hold themselves). */
static void run(rig *r, law_fn law, void *ctx, int n, const double F[3], const double M[3],
                double *peak_speed) {
    double q[9], v[9], tau[9];
    for (int k = 0; k < n; k++) {
        xn_hal_read(r->hal);
        for (int i = 0; i < 9; i++) {
            q[i] = r->hal->joint[i].position;
            v[i] = r->hal->joint[i].velocity;
        }
        law(r, q, v, tau, ctx);
        for (int i = 0; i < 7; i++) {
            xn_joint_command *c = &r->hal->command[i];
            c->controlword = xn_cia402_enable_step(xn_hal_joint_state(r->hal, i), c->controlword);
            c->mode = XN_MODE_CST;
            c->torque = tau[i];
        }
        if (F) push(r, F, M);
        xn_hal_write(r->hal);
        xn_hal_advance(r->hal);
        if (peak_speed) {
            double *vel = peak_speed + 1;
            (void)vel;
        }
    }
}

static void cart_law(rig *r, const double *q, const double *v, double *tau, void *ctx) {
    xn_cartesian_impedance(r->comp, r->m, r->d, q, v, (const xn_cartesian_law *)ctx, tau, NULL,
                           NULL);
}

static void guide_law(rig *r, const double *q, const double *v, double *tau, void *ctx) {
    xn_hand_guiding(r->comp, r->m, r->d, q, v, (const xn_cartesian_law *)ctx, tau, NULL);
}

/* The law with the tool centre point (0.1034 m out along the flange's z) as controlled point,
 * target where it is now. */
static void tcp_law(rig *r, xn_cartesian_law *law) {
    xn_cartesian_law_init(law, xn_model_frame_id(r->m, "flange"));
    law->offset.p[2] = 0.1034;
    xn_se3 F;
    xn_dyn_fk(r->m, r->d, A);
    xn_dyn_frame_placement(r->m, r->d, law->frame, &F);
    xn_se3_mul(&law->target, &F, &law->offset);
    law->posture = A;
    law->null_stiffness = 10;
    law->null_damping = 2;
}

static void stiffness(void) {
    double K[6] = {1000, 2000, 1500, 60, 80, 40};
    double push_size[6] = {10, 10, 10, 1, 1, 1}; /* N and N m */
    for (int axis = 0; axis < 6; axis++) {
        rig r;
        if (rig_open(&r)) {
            XT_CHECK(0, "rig");
            return;
        }
        xn_cartesian_law law;
        tcp_law(&r, &law);
        memcpy(law.K, K, sizeof K);
        for (int i = 0; i < 6; i++) law.D[i] = 2 * 0.7 * sqrt(K[i] * (i < 3 ? 3.0 : 0.02));
        double F[3] = {0, 0, 0}, M[3] = {0, 0, 0};
        run(&r, cart_law, &law, 4000, NULL, NULL, NULL); /* settle (the enable transient) */
        double p0[3], R0[9];
        memcpy(p0, &r.md->site_xpos[3 * r.tcp], sizeof p0);
        memcpy(R0, &r.md->site_xmat[9 * r.tcp], sizeof R0);
        if (axis < 3)
            F[axis] = push_size[axis];
        else
            M[axis - 3] = push_size[axis];
        run(&r, cart_law, &law, 4000, F, M, NULL);
        double measured;
        if (axis < 3) {
            measured = push_size[axis] / (r.md->site_xpos[3 * r.tcp + axis] - p0[axis]);
        } else {
            /* the rotation from R0 to R, as a rotation vector (world) */
            const double *R = &r.md->site_xmat[9 * r.tcp];
            double D[9], w[3];
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++)
                    D[3 * a + b] = R[3 * a] * R0[3 * b] + R[3 * a + 1] * R0[3 * b + 1] +
                                   R[3 * a + 2] * R0[3 * b + 2];
            xn_rot_log(D, w);
            measured = push_size[axis] / w[axis - 3];
        }
        double e = fabs(measured / K[axis] - 1);
        XT_CHECK(e < 0.01, "axis %d: measured stiffness %.1f, commanded %.0f (%.2f %%)", axis,
                 measured, K[axis], e * 100);
        printf("Cartesian impedance, axis %d: commanded %.0f, measured %.1f (%+.2f %%)\n", axis,
               K[axis], measured, (measured / K[axis] - 1) * 100);
        rig_close(&r);
    }
}

/* The documented range: translation 100..5000 N/m, rotation 5..300 N m/rad: after a push is
 * released, the tool's motion decays (no growing oscillation). */
static void stability(void) {
    double Ks[2][2] = {{100, 5}, {5000, 300}};
    for (int c = 0; c < 2; c++) {
        rig r;
        rig_open(&r);
        xn_cartesian_law law;
        tcp_law(&r, &law);
        for (int i = 0; i < 6; i++) {
            law.K[i] = Ks[c][i < 3 ? 0 : 1];
            law.D[i] = 2 * 0.7 * sqrt(law.K[i] * (i < 3 ? 3.0 : 0.02));
        }
        double F[3] = {15, -10, 10}, M[3] = {0.5, 0, 0.5};
        run(&r, cart_law, &law, 300, F, M, NULL);
        run(&r, cart_law, &law, 1, NULL, NULL, NULL);
        memset(r.md->xfrc_applied, 0, sizeof(double) * 6 * r.mm->nbody);
        double early = 0, late = 0;
        for (int k = 0; k < 6000; k++) {
            run(&r, cart_law, &law, 1, NULL, NULL, NULL);
            double s = 0;
            for (int i = 0; i < 7; i++) s += r.md->qvel[i] * r.md->qvel[i];
            if (k < 500) early = xt_max(early, s);
            if (k > 5000) late = xt_max(late, s);
        }
        XT_CHECK(late < 0.01 * early + 1e-12,
                 "K = %.0f N/m, %.0f N m/rad: the motion decays "
                 "(%.2e -> %.2e)",
                 Ks[c][0], Ks[c][1], early, late);
        rig_close(&r);
    }
}

/* At the joint limits: a target turned 2.5 rad about the tool's axis asks joint 7 to go past
 * its limit (2.9 rad); the limit barrier holds every joint inside its range (MuJoCo's own limits
 * never engage) and the arm comes to rest there instead of chattering. */
static void at_the_limits(void) {
    rig r;
    if (rig_open(&r)) return;
    xn_cartesian_law law;
    tcp_law(&r, &law);
    xn_real Rz[9], turned[9];
    xn_rot_rpy(0, 0, 2.5, Rz);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            turned[3 * a + b] = law.target.R[3 * a] * Rz[b] + law.target.R[3 * a + 1] * Rz[3 + b] +
                                law.target.R[3 * a + 2] * Rz[6 + b];
    memcpy(law.target.R, turned, sizeof turned);
    for (int i = 0; i < 6; i++) {
        law.K[i] = i < 3 ? 1000 : 50;
        law.D[i] = 2 * 0.7 * sqrt(law.K[i] * (i < 3 ? 3.0 : 0.02));
    }
    law.limit_margin = 0.1;
    law.limit_stiffness = 50;
    law.limit_damping = 30;
    double worst = -1, early = 0, late = 0;
    for (int k = 0; k < 5000; k++) {
        run(&r, cart_law, &law, 1, NULL, NULL, NULL);
        for (int j = 0; j < 7; j++) {
            double over = xt_max(r.m->q_lower[j] - r.md->qpos[j], r.md->qpos[j] - r.m->q_upper[j]);
            worst = xt_max(worst, over);
        }
        for (int j = 0; j < 7; j++) {
            if (k < 1000) early = xt_max(early, fabs(r.md->qvel[j]));
            if (k > 4000) late = xt_max(late, fabs(r.md->qvel[j]));
        }
    }
    XT_CHECK(worst < 1e-3, "every joint stayed inside its range (deepest %.4f rad past it)", worst);
    XT_CHECK(late < 0.02 && late < 0.05 * early,
             "settling against the barrier, no chatter (top speed %.2e rad/s in the first second, "
             "%.2e in the last)",
             early, late);
    printf("Cartesian impedance toward a target past joint 7's limit: joint 7 at %.4f rad (limit "
           "%.4f), deepest %.4f rad past a limit, top speed %.1e rad/s in the last second\n",
           r.md->qpos[6], r.m->q_upper[6], worst, late);
    rig_close(&r);
}

/* Toward a target out of reach, the arm stretches to the elbow singularity, where the task's
 * damping vanishes along the singular direction: the joint damping floor settles it. */
static void out_of_reach(void) {
    rig r;
    if (rig_open(&r)) return;
    xn_cartesian_law law;
    tcp_law(&r, &law);
    law.target.p[0] += 0.45;
    for (int i = 0; i < 6; i++) {
        law.K[i] = i < 3 ? 1000 : 50;
        law.D[i] = 2 * 0.7 * sqrt(law.K[i] * (i < 3 ? 3.0 : 0.02));
    }
    law.limit_margin = 0.1;
    law.limit_stiffness = 50;
    law.limit_damping = 30;
    law.joint_damping = 2;
    double early = 0, late = 0;
    for (int k = 0; k < 5000; k++) {
        run(&r, cart_law, &law, 1, NULL, NULL, NULL);
        for (int j = 0; j < 7; j++) {
            if (k < 1000) early = xt_max(early, fabs(r.md->qvel[j]));
            if (k > 4000) late = xt_max(late, fabs(r.md->qvel[j]));
        }
    }
    XT_CHECK(late < 1e-3 && late < 0.01 * early,
             "out of reach: the stretched arm settles (top speed %.2e rad/s in the first second, "
             "%.2e in the last)",
             early, late);
    printf("Cartesian impedance toward a target 0.45 m out of reach, joint damping 2 N m s/rad: "
           "top joint speed %.1e rad/s in the last second (without the damping floor it kept "
           "swinging at about 1 rad/s)\n",
           late);
    rig_close(&r);
}

static void guiding(void) {
    double D = 50, Fy = 20;
    for (int limited = 0; limited < 2; limited++) {
        rig r;
        rig_open(&r);
        xn_cartesian_law law;
        tcp_law(&r, &law);
        law.posture = NULL;
        law.null_stiffness = 0;
        law.null_damping = 2;
        for (int i = 0; i < 3; i++) law.D[i] = D;
        for (int i = 3; i < 6; i++) law.D[i] = 2;
        if (limited) law.speed_limit = 0.25;
        double F[3] = {0, Fy, 0}, M[3] = {0, 0, 0}, y0;
        run(&r, guide_law, &law, 200, NULL, NULL, NULL);
        run(&r, guide_law, &law, 1000, F, M, NULL);
        y0 = r.md->site_xpos[3 * r.tcp + 1];
        run(&r, guide_law, &law, 200, F, M, NULL);
        double speed = (r.md->site_xpos[3 * r.tcp + 1] - y0) / 0.2;
        if (!limited)
            XT_CHECK(fabs(speed / (Fy / D) - 1) < 0.10,
                     "a %.0f N push with %.0f N s/m of damping: %.3f m/s (F / D = %.3f)", Fy, D,
                     speed, Fy / D);
        else
            XT_CHECK(speed < 0.25 * 1.05 && speed > 0.2,
                     "with a 0.25 m/s limit the same push moves it at %.3f m/s", speed);
        printf("hand guiding%s: %.3f m/s\n", limited ? " (limit 0.25 m/s)" : "", speed);
        rig_close(&r);
    }
}

static void joint_impedance(void) {
    xn_model *m = NULL;
    xn_error err;
    xn_load_model(PANDA_SCENE, NULL, &m, &err);
    xn_data *d = xn_data_create(m);
    double q[9], q0[9], qd[9] = {0}, K[9], D[9], tau[9];
    memcpy(q, A, sizeof q);
    memcpy(q0, A, sizeof q0);
    for (int i = 0; i < 9; i++) K[i] = 100 + 10 * i, D[i] = 5;
    q0[1] += 0.01;
    xn_joint_impedance(m, d, q, qd, q0, K, D, tau);
    xn_dyn_gravity(m, d, q);
    XT_CHECK(fabs(tau[1] - d->g[1] - 110 * 0.01) < 1e-12 && fabs(tau[0] - d->g[0]) < 1e-12,
             "joint impedance at rest: gravity + K dq");
    xn_data_free(d);
    xn_model_free(m);
}

int main(void) {
    joint_impedance();
    stiffness();
    stability();
    at_the_limits();
    out_of_reach();
    guiding();
    return xt_done("test_compliance");
}
