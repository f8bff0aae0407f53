/* The fixed-rate control loop. Simulation: lockstep with the backend, as fast as the machine
 * allows. Real time: absolute deadlines with clock_nanosleep on CLOCK_MONOTONIC (no drift),
 * memory locked and SCHED_FIFO when the process may have them, else a note and a normal thread.
 * SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "runtime/runtime_internal.h"

void xn_loop_config_init(xn_loop_config *c) {
    memset(c, 0, sizeof *c);
    c->priority = 80;
    c->watchdog_margin_ns = -1; /* half a period, resolved in xn_loop_run */
    c->overrun = XN_OVERRUN_WARN;
    c->max_time_s = 600;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until(int64_t t) {
    struct timespec ts = {(time_t)(t / 1000000000LL), (long)(t % 1000000000LL)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

static void go_realtime(const xn_loop_config *cfg, xn_loop_report *r) {
    char note[200] = "";
    if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0)
        r->memory_locked = 1;
    else
        snprintf(note, sizeof note, "mlockall: %s", strerror(errno));
    struct sched_param sp = {.sched_priority = cfg->priority};
    int e = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    if (e == 0)
        r->realtime_sched = 1;
    else {
        size_t n = strlen(note);
        snprintf(note + n, sizeof note - n, "%sSCHED_FIFO %d: %s (running at normal priority)",
                 n ? "; " : "", cfg->priority, strerror(e));
    }
    snprintf(r->note, sizeof r->note, "%s", note);
}

/* The watchdog guards motion: it is armed once the drives are enabled (the first cycles touch
 * memory and caches for the first time and may be slow, while nothing moves yet) and until a
 * fault has stopped everything. */
static int armed(const xn_controller *c) {
    xn_ctl_state s = xn_controller_state(c);
    return s != XN_CTL_ENABLING && s != XN_CTL_FAULT;
}

xn_status xn_loop_run(xn_controller *c, xn_hal *hal, const xn_loop_config *cfg, xn_loop_report *r) {
    xn_loop_config defaults;
    if (!cfg) {
        xn_loop_config_init(&defaults);
        cfg = &defaults;
    }
    memset(r, 0, sizeof *r);
    xn_stats_reset(&r->compute);
    xn_stats_reset(&r->jitter);
    const int64_t period = hal->period_ns;
    int64_t margin = cfg->watchdog_margin_ns < 0 ? period / 2 : cfg->watchdog_margin_ns;
    if (cfg->realtime) go_realtime(cfg, r);
    int64_t start = now_ns(), deadline = start;
    int64_t robot_start = hal->time_ns;
    xn_status st = XN_OK;
    for (long cycle = 0;; cycle++) {
        if (cfg->realtime) {
            sleep_until(deadline);
            int64_t woke = now_ns(), late = woke - deadline;
            xn_stats_add(&r->jitter, (double)late);
            if (late > period) r->late_wakeups++;
            if (margin > 0 && late > margin && armed(c)) {
                char text[120];
                snprintf(text, sizeof text, "cycle %ld woke %.3f ms late (margin %.3f ms)", cycle,
                         (double)late * 1e-6, (double)margin * 1e-6);
                xn_controller_quick_stop(c, XN_EV_WATCHDOG, text);
            }
        }
        int64_t t0 = now_ns();
        st = xn_hal_read(hal);
        if (st != XN_OK) break;
        if (cfg->inject_delay) cfg->inject_delay(cfg->user, cycle);
        xn_controller_step(c);
        st = xn_hal_write(hal);
        int64_t t1 = now_ns();
        double compute = (double)(t1 - t0);
        xn_stats_add(&r->compute, compute);
        r->cycles++;
        if (compute > (double)period) {
            r->overruns++;
            if (cfg->overrun == XN_OVERRUN_WARN && r->overruns <= 10)
                xn_ctl_event(c, XN_EV_OVERRUN, -1, compute, "cycle %ld computed for %.1f us%s",
                             cycle, compute * 1e-3,
                             r->overruns == 10 ? " (further overruns are only counted)" : "");
            if (cfg->overrun == XN_OVERRUN_STOP)
                xn_controller_quick_stop(c, XN_EV_OVERRUN, "a cycle overran its period");
        }
        if (st != XN_OK) break;
        if (cfg->after_cycle && cfg->after_cycle(cfg->user, c)) break;
        if (xn_controller_finished(c)) break;
        if ((double)(hal->time_ns - robot_start) * 1e-9 >= cfg->max_time_s) break;
        st = xn_hal_advance(hal);
        if (st != XN_OK) break;
        deadline += period;
        if (cfg->realtime) {
            /* a cycle that ends past the next deadline makes the next one late: the watchdog
             * acts now, before the next command; then skip the wake-ups already missed rather
             * than run a burst */
            int64_t now = now_ns(), late = now - deadline;
            if (margin > 0 && late > margin && armed(c)) {
                char text[120];
                snprintf(text, sizeof text, "cycle %ld ended %.3f ms late (margin %.3f ms)", cycle,
                         (double)late * 1e-6, (double)margin * 1e-6);
                xn_controller_quick_stop(c, XN_EV_WATCHDOG, text);
            }
            while (deadline + period < now) deadline += period;
        }
    }
    r->wall_s = (double)(now_ns() - start) * 1e-9;
    r->robot_s = (double)(hal->time_ns - robot_start) * 1e-9;
    return st;
}
