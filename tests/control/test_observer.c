/* The momentum observer on the simulated Panda (MuJoCo): in free motion its residual stays near
 * zero; a known force applied to a link shows up as J^T F within the observer's lag, on the right
 * link, and the force is recovered from the residual; the baseline is noisier. Reference: the
 * force MuJoCo applies and J^T F from xiaonao's Jacobian. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "runtime/runtime_test_util.h"
#include "test_util.h"

int main(void) {
    xn_error err;
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    XT_CHECK(xn_load_model(PANDA_SCENE, NULL, &m, &err) == XN_OK, "model");
    XT_CHECK(xn_mujoco_open(PANDA_SCENE, NULL, &hal, &err) == XN_OK, "mujoco");
    if (!m || !hal) return xt_done("test_observer");
    mjModel *mm = xn_mujoco_model(hal);
    mjData *md = xn_mujoco_data(hal);
    xn_data *d = xn_data_create(m);
    xn_servo *servo;
    xn_servo_create(m, &servo, NULL);
    xn_observer *ob;
    xn_observer_create(m, &ob, NULL);
    for (int k = 7; k < m->nv; k++) servo->active[k] = 0; /* the fingers hold themselves */
    xn_servo_tune(servo, m, d, m->q_neutral, 40);
    double q[9], v[9], tau[9], qr[9], vr[9], ar[9],
        q0[9] = {0, -0.3, 0, -2.2, 0, 1.9, 0.785, 0.04, 0.04};
    double dt = 0.001, free_worst = 0, base_worst = 0;
    int link5 = mj_name2id(mm, mjOBJ_BODY, "link5"), hits = 0, first_hit = -1;
    const double F[3] = {0, 25, -10}; /* N, world */
    double r_err = 0, force_err = 0;
    int isolated = -2;
    for (int k = 0; k < 4000; k++) {
        xn_hal_read(hal);
        for (int i = 0; i < 9; i++) {
            q[i] = hal->joint[i].position;
            v[i] = hal->joint[i].velocity;
            tau[i] = hal->joint[i].torque;
        }
        /* a smooth free motion: every joint swinging 0.3 rad at 0.5 Hz */
        double t = k * dt, w = 2 * 3.14159265358979 * 0.5;
        for (int i = 0; i < 9; i++) {
            double amp = i < 7 ? 0.3 : 0;
            qr[i] = q0[i] + amp * sin(w * t);
            vr[i] = amp * w * cos(w * t);
            ar[i] = -amp * w * w * sin(w * t);
        }
        double u[9];
        xn_servo_compute(servo, m, d, q, v, qr, vr, ar, dt, u);
        int over = k > 0 ? xn_observer_step(ob, m, d, q, v, tau, 0, dt) : 0;
        double diff[9];
        int base_over = xn_collision_baseline(ob, m, d, q, v, ar, tau, 0, diff);
        (void)base_over;
        if (k > 200 && k < 2000)
            for (int i = 0; i < 7; i++) {
                free_worst = xt_max(free_worst, fabs(ob->r[i]));
                base_worst = xt_max(base_worst, fabs(diff[i]));
            }
        for (int i = 0; i < hal->njoint; i++) {
            xn_joint_command *c = &hal->command[i];
            c->controlword = xn_cia402_enable_step(xn_hal_joint_state(hal, i), c->controlword);
            c->mode = XN_MODE_CST;
            c->torque = u[i];
        }
        /* the push: from 2.0 s on, a constant force at link 5's centre of mass */
        memset(md->xfrc_applied, 0, sizeof(double) * 6 * mm->nbody);
        if (k >= 2000) {
            for (int i = 0; i < 3; i++) md->xfrc_applied[6 * link5 + i] = F[i];
            if (over && first_hit < 0) first_hit = k;
            hits += over > 0;
        }
        if (k == 2300) { /* 0.3 s in: 30 time constants, the residual has converged */
            /* expected: J^T F at the point of application, from xiaonao's joint Jacobians */
            double point[3];
            memcpy(point, &md->xipos[3 * link5], sizeof point);
            int b = xn_model_body_id(m, "link5");
            xn_dyn_joint_jacobians(m, d, q);
            double worst = 0, scale = 0;
            for (int j = 0; j < 7; j++) {
                double c[6], jt = 0;
                for (int r = 0; r < 6; r++) c[r] = d->Jw[r * m->nv + j];
                double col[3] = {c[0] + c[4] * point[2] - c[5] * point[1],
                                 c[1] + c[5] * point[0] - c[3] * point[2],
                                 c[2] + c[3] * point[1] - c[4] * point[0]};
                if (j < 5) jt = col[0] * F[0] + col[1] * F[1] + col[2] * F[2];
                worst = xt_max(worst, fabs(ob->r[j] - jt));
                scale = xt_max(scale, fabs(jt));
            }
            r_err = worst / scale;
            isolated = xn_observer_isolate(ob, m, v);
            double est[3];
            if (xn_observer_contact_force(ob, m, d, q, b, point, est) == XN_OK)
                force_err =
                    sqrt(pow(est[0] - F[0], 2) + pow(est[1] - F[1], 2) + pow(est[2] - F[2], 2)) /
                    sqrt(F[0] * F[0] + F[1] * F[1] + F[2] * F[2]);
            else
                force_err = 1;
        }
        xn_hal_write(hal);
        xn_hal_advance(hal);
    }
    XT_CHECK(free_worst < 0.5, "free motion: residual within %.3f N m (thresholds 5 N m)",
             free_worst);
    XT_CHECK(r_err < 0.02, "pushed: residual = J^T F within %.2f %%", r_err * 100);
    XT_CHECK(isolated == 4, "isolated on joint 5's link (DoF %d)", isolated);
    XT_CHECK(force_err < 0.03, "contact force recovered within %.2f %%", force_err * 100);
    XT_CHECK(first_hit >= 2000 && first_hit - 2000 <= 20, "detected %d ms after the push starts",
             first_hit - 2000);
    printf("observer: free motion %.3f N m, baseline %.3f N m; J^T F within %.2f %%, force within "
           "%.2f %%, detected after %d ms\n",
           free_worst, base_worst, r_err * 100, force_err * 100, first_hit - 2000);
    xn_observer_free(ob);
    xn_servo_free(servo);
    xn_data_free(d);
    xn_hal_close(hal);
    xn_model_free(m);
    return xt_done("test_observer");
}
