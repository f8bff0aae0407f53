/* A Cartesian path in joint space: inverse kinematics at every grid point, each starting from the
 * previous answer (so the joints follow one continuous branch), derivatives by central
 * differences of the samples. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xiaonao/ik.h"
#include "xiaonao/path.h"

#include "model/error_internal.h"

/* A refusal of xn_path_to_joints at grid point i (-1: none). */
static void fail(xn_error *err, int i, const char *msg) {
    xn_fail_at(err, XN_ERR_RANGE, "xn_path_to_joints", i, "%s", msg);
}

xn_status xn_path_to_joints(const xn_path *path, xn_ik *ik, const xn_se3 *base, const xn_se3 *tool,
                            const xn_real *q_start, xn_real max_joint_rate, xn_joint_path *jp,
                            xn_error *err) {
    int N = jp->N, nq = jp->nq, nv = jp->nv;
    if (!path->cartesian || N < 3 || nq != nv) {
        fail(err, -1, "a Cartesian path and a grid of 3 or more points on 1-DoF joints");
        return XN_ERR_INVALID;
    }
    if (!(max_joint_rate > 0)) max_joint_rate = 50;
    xn_se3 tool_inv, target, pose, tmp;
    if (tool) xn_se3_inv(&tool_inv, tool);
    xn_ik_options o;
    xn_ik_options_init(&o);
    o.tol_position = 1e-10;
    o.tol_rotation = 1e-10;
    o.max_iterations = 60;
    xn_real h = path->length / (N - 1);
    char msg[200];
    for (int i = 0; i < N; i++) {
        xn_real s = h * i;
        if (i == N - 1) s = path->length;
        jp->s[i] = s;
        xn_real dx[3], ddx[3];
        xn_path_eval(path, s, pose.p, dx, ddx, pose.R, NULL);
        if (jp->dp) {
            memcpy(&jp->dp[3 * i], dx, sizeof dx);
            memcpy(&jp->ddp[3 * i], ddx, sizeof ddx);
        }
        if (base)
            xn_se3_mul(&tmp, base, &pose);
        else
            tmp = pose;
        if (tool)
            xn_se3_mul(&target, &tmp, &tool_inv);
        else
            target = tmp;
        xn_real *q = &jp->q[(size_t)i * (size_t)nq];
        const xn_real *from = i == 0 ? q_start : &jp->q[(size_t)(i - 1) * (size_t)nq];
        xn_ik_result r;
        if (xn_ik_solve(ik, &target, from, &o, q, &r, NULL) != XN_OK) {
            snprintf(msg, sizeof msg,
                     "the pose %.0f %% along the path is out of reach or blocked by a joint limit "
                     "(%.2g m, %.2g rad away)",
                     100 * s / path->length, r.err_position, r.err_rotation);
            fail(err, i, msg);
            return XN_ERR_RANGE;
        }
        if (i > 0) {
            xn_real jump = 0;
            for (int k = 0; k < nq; k++) jump = fmax(jump, fabs(q[k] - from[k]));
            if (jump > 0.2 || jump > max_joint_rate * h * 1.5 + 1e-9) {
                snprintf(msg, sizeof msg,
                         "the path passes through or near a singularity %.0f %% along it (the "
                         "joints would jump %.2g rad in %.2g m)",
                         100 * s / path->length, jump, h);
                fail(err, i, msg);
                return XN_ERR_NUMERIC;
            }
        }
    }
    /* derivatives: central inside, one-sided (second order) at the ends */
    for (int i = 0; i < N; i++)
        for (int k = 0; k < nv; k++) {
            const xn_real *q = jp->q;
            xn_real d1, d2;
            if (i == 0) {
                d1 = (-3 * q[k] + 4 * q[nq + k] - q[2 * nq + k]) / (2 * h);
                d2 = (q[k] - 2 * q[nq + k] + q[2 * nq + k]) / (h * h);
            } else if (i == N - 1) {
                size_t a = (size_t)(N - 1) * nq, b = (size_t)(N - 2) * nq, c = (size_t)(N - 3) * nq;
                d1 = (3 * q[a + k] - 4 * q[b + k] + q[c + k]) / (2 * h);
                d2 = (q[a + k] - 2 * q[b + k] + q[c + k]) / (h * h);
            } else {
                size_t a = (size_t)(i + 1) * nq, b = (size_t)i * nq, c = (size_t)(i - 1) * nq;
                d1 = (q[a + k] - q[c + k]) / (2 * h);
                d2 = (q[a + k] - 2 * q[b + k] + q[c + k]) / (h * h);
            }
            jp->dq[(size_t)i * nv + k] = d1;
            jp->ddq[(size_t)i * nv + k] = d2;
            if (fabs(d1) > max_joint_rate) {
                snprintf(msg, sizeof msg,
                         "the path passes near a singularity %.0f %% along it (a joint would move "
                         "%.3g rad per metre of path)",
                         100 * jp->s[i] / path->length, fabs(d1));
                fail(err, i, msg);
                return XN_ERR_NUMERIC;
            }
        }
    return XN_OK;
}
