/* The fixed-rate control loop. Simulation: lockstep with the backend, as fast as the machine
 * allows. Real time: absolute deadlines with clock_nanosleep on CLOCK_MONOTONIC (no drift),
 * memory locked, the stack pre-faulted and SCHED_FIFO when the process may have them, else a note
 * and a normal thread; a second thread watches every step (watchdog.c).
 * Whatever ends the loop, the drives are stopped before it returns.
 * SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "runtime/loop_internal.h"
#include "runtime/runtime_internal.h"

/* The deepest the control step's stack may go (scripts/stack_check.py holds every step function
 * under 16 KB); pre-faulting 64 KB leaves room for libc and the signal frames. */
#define PREFAULT_STACK_BYTES (64 * 1024)

void xn_loop_config_init(xn_loop_config *c) {
    memset(c, 0, sizeof *c);
    c->priority = 80;
    c->watchdog_margin_ns = -1; /* half a period, resolved in xn_loop_run */
    c->overrun = XN_OVERRUN_WARN;
    c->max_time_s = 600;
    c->shutdown_time_s = 5;
}

const char *xn_loop_end_str(xn_loop_end e) {
    switch (e) {
    case XN_LOOP_FINISHED: return "finished";
    case XN_LOOP_TIME_LIMIT: return "time limit";
    case XN_LOOP_REQUESTED: return "requested";
    case XN_LOOP_BACKEND_ERROR: return "backend error";
    }
    return "unknown";
}

int64_t xn_loop_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t cpu_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void xn_loop_sleep_until(int64_t t) {
    struct timespec ts = {(time_t)(t / 1000000000LL), (long)(t % 1000000000LL)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

/* Touch the stack the step will use, so that its first deep call (a replan, a relaxed QP) does
 * not take page faults in the middle of a cycle; with mlockall the pages then stay. */
__attribute__((noinline)) static void prefault_stack(void) {
    volatile unsigned char buf[PREFAULT_STACK_BYTES];
    for (size_t i = 0; i < sizeof buf; i += 4096) buf[i] = 0;
    buf[sizeof buf - 1] = 0;
}

static void go_realtime(const xn_loop_config *cfg, xn_loop_report *r) {
    char note[200] = "";
    if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0)
        r->memory_locked = 1;
    else
        snprintf(note, sizeof note, "mlockall: %s", strerror(errno));
    prefault_stack();
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

typedef struct {
    xn_controller *c;
    xn_hal *hal;
    const xn_loop_config *cfg;
    xn_loop_report *r;
    int64_t period, margin, deadline;
    long cycle;
    xn_watchdog *wd; /* NULL in simulation */
} loop_state;

static void late(loop_state *L, const char *what, int64_t by) {
    if (!(L->margin > 0 && by > L->margin && armed(L->c))) return;
    char text[120];
    snprintf(text, sizeof text, "cycle %ld %s %.3f ms late (margin %.3f ms)", L->cycle, what,
             (double)by * 1e-6, (double)L->margin * 1e-6);
    xn_ctl_quick_stop(L->c, XN_EV_WATCHDOG, text);
}

/* One cycle up to the write: wait for the deadline (real time), read, step, write, measure. */
/* The statistics so far for another thread (a console): the quantiles walk the histograms, so
 * this runs once in 100 cycles, after a cycle's timed part. */
static void publish_live(loop_state *L) {
    const xn_loop_report *r = L->r;
    xn_loop_live s = {r->cycles,
                      r->overruns,
                      r->late_wakeups,
                      xn_stats_quantile(&r->compute, 0.5) * 1e-3,
                      xn_stats_quantile(&r->compute, 0.99) * 1e-3,
                      r->compute.max_ns * 1e-3,
                      xn_stats_quantile(&r->compute_cpu, 0.5) * 1e-3,
                      xn_stats_quantile(&r->compute_cpu, 0.99) * 1e-3,
                      r->compute_cpu.max_ns * 1e-3};
    xn_ctl_live_publish(L->c, &s);
}

static xn_status cycle(loop_state *L) {
    const xn_loop_config *cfg = L->cfg;
    xn_loop_report *r = L->r;
    if (cfg->realtime) {
        xn_loop_sleep_until(L->deadline);
        int64_t woke = xn_loop_now_ns(), by = woke - L->deadline;
        xn_stats_add(&r->jitter, (double)by);
        if (by > L->period) r->late_wakeups++;
        late(L, "woke", by);
    }
    int64_t t0 = xn_loop_now_ns(), c0 = cpu_now_ns();
    if (L->wd) xn_watchdog_enter(L->wd, armed(L->c) ? L->deadline + L->period + L->margin : 0);
    xn_status st = xn_hal_read(L->hal);
    if (st != XN_OK) {
        if (L->wd) xn_watchdog_enter(L->wd, 0);
        return st;
    }
    if (cfg->inject_delay) cfg->inject_delay(cfg->user, L->cycle);
    xn_controller_step(L->c);
    st = xn_hal_write(L->hal);
    if (L->wd) xn_watchdog_enter(L->wd, 0);
    int64_t t1 = xn_loop_now_ns(), c1 = cpu_now_ns();
    double compute = (double)(t1 - t0);
    xn_stats_add(&r->compute, compute);
    xn_stats_add(&r->compute_cpu, (double)(c1 - c0));
    r->cycles++;
    if (r->cycles % 100 == 0) publish_live(L); /* after the timed part: not in the cycle's cost */
    if (compute > (double)L->period) {
        r->overruns++;
        if (cfg->overrun == XN_OVERRUN_WARN && r->overruns <= 10)
            xn_ctl_event(L->c, XN_EV_OVERRUN, -1, compute,
                         "cycle %ld computed for %.1f us (%.1f us of CPU)%s", L->cycle,
                         compute * 1e-3, (double)(c1 - c0) * 1e-3,
                         r->overruns == 10 ? " (further overruns are only counted)" : "");
        if (cfg->overrun == XN_OVERRUN_STOP)
            xn_ctl_quick_stop(L->c, XN_EV_OVERRUN, "a cycle overran its period");
    }
    return st;
}

/* After the write: advance the simulation and move the deadline on. */
static xn_status next(loop_state *L) {
    xn_status st = xn_hal_advance(L->hal);
    L->deadline += L->period;
    L->cycle++;
    if (L->cfg->realtime) {
        L->deadline += xn_hal_clock_correction(L->hal); /* locked to the bus's clock */
        /* a cycle that ends past the next deadline makes the next one late: the watchdog acts
         * now, before the next command; then skip the wake-ups already missed rather than run
         * a burst */
        int64_t now = xn_loop_now_ns();
        late(L, "ended", now - L->deadline);
        while (L->deadline + L->period < now) L->deadline += L->period;
    }
    return st;
}

/* The robot must not be left powered: a stop of category 1, cycled until every drive reports
 * its power stage off. */
static xn_status shut_down(loop_state *L) {
    xn_controller *c = L->c;
    xn_ctl_stop_category(c, 1, xn_loop_end_str(L->r->end));
    long limit = (long)(L->cfg->shutdown_time_s * 1e9 / (double)L->period) + 1;
    xn_status st = XN_OK;
    for (long n = 0; n < limit; n++) {
        if ((st = next(L)) != XN_OK || (st = cycle(L)) != XN_OK) return st;
        L->r->shutdown_cycles++;
        if (L->cfg->after_cycle) L->cfg->after_cycle(L->cfg->user, c);
        if (xn_controller_powered_off(c)) return XN_OK;
    }
    snprintf(L->r->note + strlen(L->r->note), sizeof L->r->note - strlen(L->r->note),
             "%sthe drives did not power off within %.1f s", L->r->note[0] ? "; " : "",
             L->cfg->shutdown_time_s);
    return XN_ERR_TIMEOUT;
}

/* The backend failed: the controller cannot see the robot any more. Quick stop through the
 * backend's emergency path and once more through the ordinary write. */
static void emergency(loop_state *L) {
    xn_hal *hal = L->hal;
    xn_hal_emergency_stop(hal);
    for (int i = 0; i < hal->njoint; i++)
        if (hal->joint_info[i].commandable) hal->command[i].controlword = XN_CW_QUICK_STOP;
    (void)xn_hal_write(hal);
}

xn_status xn_loop_run(xn_controller *c, xn_hal *hal, const xn_loop_config *cfg, xn_loop_report *r) {
    xn_loop_config defaults;
    if (!cfg) {
        xn_loop_config_init(&defaults);
        cfg = &defaults;
    }
    memset(r, 0, sizeof *r);
    xn_stats_reset(&r->compute);
    xn_stats_reset(&r->compute_cpu);
    xn_stats_reset(&r->jitter);
    loop_state L = {c, hal, cfg, r, hal->period_ns, 0, 0, 0, NULL};
    L.margin = cfg->watchdog_margin_ns < 0 ? L.period / 2 : cfg->watchdog_margin_ns;
    xn_watchdog wd;
    if (cfg->realtime) {
        go_realtime(cfg, r);
        if (L.margin > 0 &&
            xn_watchdog_start(&wd, c, hal, L.period, r->realtime_sched ? cfg->priority + 1 : 0))
            L.wd = &wd;
    }
    int64_t start = xn_loop_now_ns();
    L.deadline = start;
    int64_t robot_start = hal->time_ns;
    xn_status st;
    for (;;) {
        if ((st = cycle(&L)) != XN_OK) break;
        if (cfg->after_cycle && cfg->after_cycle(cfg->user, c)) {
            r->end = XN_LOOP_REQUESTED;
            break;
        }
        if (xn_controller_finished(c)) {
            r->end = XN_LOOP_FINISHED;
            break;
        }
        if ((double)(hal->time_ns - robot_start) * 1e-9 >= cfg->max_time_s) {
            r->end = XN_LOOP_TIME_LIMIT;
            break;
        }
        if ((st = next(&L)) != XN_OK) break;
    }
    if (st != XN_OK) {
        r->end = XN_LOOP_BACKEND_ERROR;
        emergency(&L);
    } else {
        st = shut_down(&L);
        if (st != XN_OK && st != XN_ERR_TIMEOUT) emergency(&L);
    }
    r->powered_off = st == XN_OK && xn_controller_powered_off(c);
    if (L.wd) {
        xn_watchdog_stop(L.wd);
        r->watchdog_fired = xn_watchdog_fired(L.wd, &r->watchdog_fired_ns);
    }
    r->wall_s = (double)(xn_loop_now_ns() - start) * 1e-9;
    r->robot_s = (double)(hal->time_ns - robot_start) * 1e-9;
    return st;
}
