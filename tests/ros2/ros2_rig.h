/* The ROS 2 tests' set-up: the server (the Panda on the loopback robot, a program waiting on
 * `stream`, the bridge and a real-time loop, in a process of its own, stopped by SIGTERM) and the
 * client's clock and sleep. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ROS2_RIG_H
#define XN_ROS2_RIG_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "runtime/panda_rig.h"
#include "test_util.h"
#include "xiaonao/ros2.h"

static inline double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void sleep_s(double s) {
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static xn_controller *ros2_rig_controller;
static void ros2_rig_on_term(int sig) {
    (void)sig;
    xn_controller_request_stop(ros2_rig_controller, XN_STOP_CATEGORY_1);
}

/* The server, on the loopback robot or (mujoco 1) in MuJoCo: runs until SIGTERM or max_time_s,
 * then fills *stats. cfg may set the bridge's options (the model is the rig's own). Returns 0,
 * or 10 + where the set-up failed. */
static inline int ros2_rig_serve(const char *program, int mujoco, double max_time_s,
                                 xn_ros2_config *cfg, xn_ros2_stats *stats) {
    rig r;
    if (rig_open(&r, program, mujoco)) return 10;
    ros2_rig_controller = r.c;
    signal(SIGTERM, ros2_rig_on_term);
    xn_ros2 *bridge = NULL;
    xn_error err;
    cfg->model = r.m;
    if (xn_ros2_start(r.c, cfg, &bridge, &err) != XN_OK) {
        fprintf(stderr, "server: %s\n", err.message);
        return 11;
    }
    xn_loop_config lc;
    rt_realtime_config(&lc, 50000000);
    lc.max_time_s = max_time_s;
    xn_loop_report rep;
    xn_loop_run(r.c, r.hal, &lc, &rep);
    xn_ros2_get_stats(bridge, stats);
    xn_ros2_stop(bridge);
    rig_close(&r);
    return 0;
}

/* Wait for the server process (SIGKILL after timeout_s): its exit code, or -1. */
static inline int ros2_rig_wait(pid_t srv, double timeout_s) {
    int status = 0;
    double t0 = now_s();
    while (waitpid(srv, &status, WNOHANG) == 0) {
        if (now_s() - t0 > timeout_s) {
            kill(srv, SIGKILL);
            waitpid(srv, &status, 0);
            break;
        }
        sleep_s(0.05);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#endif
