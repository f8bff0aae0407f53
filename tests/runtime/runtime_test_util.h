/* Helpers for the runtime tests: build a controller on a robot, run cycles by hand, collect
 * events. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_RUNTIME_TEST_UTIL_H
#define XN_RUNTIME_TEST_UTIL_H

#include <string.h>

#include "xiaonao/xiaonao.h"

#define PANDA_SCENE XN_MODELS_DIR "/mjcf/franka_panda/scene.xml"

/* Franka's rated joint limits (models/mjcf/franka_panda/limits.json) */
static const double panda_vmax[7] = {2.175, 2.175, 2.175, 2.175, 2.61, 2.61, 2.61};
static const double panda_amax[7] = {15, 7.5, 10, 12.5, 15, 20, 20};
static const double panda_jmax[7] = {7500, 3750, 5000, 6250, 7500, 10000, 10000};

static inline void rt_panda_config(xn_controller_config *cfg) {
    xn_controller_config_init(cfg);
    for (int k = 0; k < 7; k++) {
        cfg->max_velocity[k] = panda_vmax[k];
        cfg->max_acceleration[k] = panda_amax[k];
        cfg->max_jerk[k] = panda_jmax[k];
    }
}

/* events seen so far */
typedef struct {
    int n;
    xn_event ev[512];
} rt_events;

static inline void rt_drain(xn_controller *c, rt_events *e) {
    xn_event ev;
    while (xn_controller_next_event(c, &ev))
        if (e->n < 512) e->ev[e->n++] = ev;
    xn_ctl_sample s;
    while (xn_controller_next_sample(c, &s)) {
    }
}

static inline const xn_event *rt_find(const rt_events *e, xn_event_code code) {
    for (int i = 0; i < e->n; i++)
        if (e->ev[i].code == code) return &e->ev[i];
    return NULL;
}

/* A real-time loop with a watchdog margin (ns): generous in tests, where a sanitizer build beside
 * other tests wakes up late now and then. */
static inline void rt_realtime_config(xn_loop_config *lc, int64_t margin_ns) {
    xn_loop_config_init(lc);
    lc->realtime = 1;
    lc->watchdog_margin_ns = margin_ns;
}

/* One cycle the way the loop runs it: read, step, write, advance. */
static inline void rt_cycle(xn_controller *c, xn_hal *hal) {
    xn_hal_read(hal);
    xn_controller_step(c);
    xn_hal_write(hal);
    xn_hal_advance(hal);
}

#endif
