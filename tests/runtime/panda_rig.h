/* The Panda on the loopback robot (drives in position mode: they follow exactly) or on MuJoCo
 * (torque mode), with a program and a controller: the set-up the runtime's fault and stop tests
 * share. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_PANDA_RIG_H
#define XN_PANDA_RIG_H

#include <stdio.h>
#include <string.h>

#include "runtime/runtime_test_util.h"

#define MOVE                                                                                       \
    "movej [0.5, -0.3, 0.4, -2.0, 0.3, 1.8, 1.0]\nmovej [-0.5, 0.3, -0.4, -1.5, -0.3, 1.2, 0.2]\n"

typedef struct {
    xn_model *m;
    xn_hal *hal;
    xn_program *prog;
    xn_controller *c;
    rt_events ev;
} rig;

/* A rig: the Panda model on the loopback robot (drives in position mode: they follow exactly)
 * or on MuJoCo (torque mode: computed torque). */
static inline int rig_open(rig *r, const char *program, int mujoco) {
    memset(r, 0, sizeof *r);
    xn_error err;
    if (xn_load_model(PANDA_SCENE, NULL, &r->m, &err) != XN_OK) {
        fprintf(stderr, "model: %s\n", err.message);
        return -1;
    }
    xn_status st;
    if (mujoco) {
#ifdef XN_HAVE_MUJOCO
        st = xn_mujoco_open(PANDA_SCENE, NULL, &r->hal, &err);
#else
        return -1;
#endif
    } else {
        xn_real q0[9] = {0, 0, 0, -1.57079, 0, 1.57079, -0.7853, 0.04, 0.04};
        static const char *const arm[7] = {"joint1", "joint2", "joint3", "joint4",
                                           "joint5", "joint6", "joint7"};
        st = xn_loopback_open(r->m, q0, 1000000, arm, 7, &r->hal, &err);
    }
    if (st != XN_OK) {
        fprintf(stderr, "backend: %s\n", err.message);
        return -1;
    }
    if (program && xn_program_parse(program, strlen(program), "test.xnp", &r->prog, &err)) {
        fprintf(stderr, "program: %s\n", err.message);
        return -1;
    }
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    if (!mujoco) cfg.command_mode = XN_CMD_POSITION;
    if (xn_controller_create(r->m, r->hal, r->prog, &cfg, &r->c, &err) != XN_OK) {
        fprintf(stderr, "controller: %s\n", err.message);
        return -1;
    }
    return 0;
}

static inline void rig_close(rig *r) {
    xn_controller_free(r->c);
    xn_hal_close(r->hal);
    xn_program_free(r->prog);
    xn_model_free(r->m);
}

/* Run until mid-motion (joint 1 past 0.2 rad), returning the cycle count. */
static inline int run_to_mid_motion(rig *r) {
    for (int i = 0; i < 5000; i++) {
        rt_cycle(r->c, r->hal);
        rt_drain(r->c, &r->ev);
        if (xn_controller_state(r->c) == XN_CTL_RUNNING && r->hal->joint[0].position > 0.2)
            return i;
    }
    return -1;
}

#endif
