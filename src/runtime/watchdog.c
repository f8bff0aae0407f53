/* The independent watchdog of the real-time loop. The in-cycle checks of loop.c see lateness
 * only after a step returns; a step that never returns (a solver that does not converge, a
 * driver call that blocks) would leave the last commands standing. This thread sleeps until the
 * running step's limit and, if that same step is still running then, quick-stops every drive
 * through the backend and asks the controller for a quick stop, which its next step (if any)
 * reports.
 * SPDX-License-Identifier: Apache-2.0 */
#include <sched.h>
#include <time.h>

#include "runtime/loop_internal.h"

static void *watch(void *arg) {
    xn_watchdog *w = arg;
    while (!atomic_load_explicit(&w->quit, memory_order_acquire)) {
        int64_t limit = atomic_load_explicit(&w->deadline, memory_order_acquire);
        if (limit == 0 || atomic_load_explicit(&w->fired, memory_order_relaxed)) {
            xn_loop_sleep_until(xn_loop_now_ns() + w->idle_ns);
            continue;
        }
        xn_loop_sleep_until(limit);
        /* still the same step, still running: it is late */
        if (atomic_load_explicit(&w->deadline, memory_order_acquire) != limit) continue;
        int64_t now = xn_loop_now_ns();
        if (now < limit) continue;
        xn_hal_emergency_stop(w->hal);
        xn_controller_quick_stop(w->c, XN_EV_WATCHDOG,
                                 "the control step did not return by its deadline plus the "
                                 "margin: every drive quick-stopped by the independent watchdog");
        atomic_store_explicit(&w->fired_ns, now, memory_order_relaxed);
        atomic_store_explicit(&w->fired, 1, memory_order_release);
    }
    return NULL;
}

int xn_watchdog_start(xn_watchdog *w, xn_controller *c, xn_hal *hal, int64_t period_ns,
                      int priority) {
    w->c = c;
    w->hal = hal;
    w->idle_ns = period_ns / 2 > 0 ? period_ns / 2 : 1;
    atomic_init(&w->deadline, 0);
    atomic_init(&w->quit, 0);
    atomic_init(&w->fired, 0);
    atomic_init(&w->fired_ns, 0);
    if (pthread_create(&w->thread, NULL, watch, w) != 0) return 0;
    if (priority > 0) {
        struct sched_param sp = {.sched_priority = priority};
        (void)pthread_setschedparam(w->thread, SCHED_FIFO, &sp); /* best effort */
    }
    return 1;
}

void xn_watchdog_enter(xn_watchdog *w, int64_t limit_ns) {
    atomic_store_explicit(&w->deadline, limit_ns, memory_order_release);
}

void xn_watchdog_stop(xn_watchdog *w) {
    atomic_store_explicit(&w->quit, 1, memory_order_release);
    pthread_join(w->thread, NULL);
}

int xn_watchdog_fired(xn_watchdog *w, int64_t *when_ns) {
    int f = atomic_load_explicit(&w->fired, memory_order_acquire);
    if (when_ns) *when_ns = f ? atomic_load_explicit(&w->fired_ns, memory_order_relaxed) : 0;
    return f;
}
