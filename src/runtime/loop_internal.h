/* The loop's parts shared between loop.c and watchdog.c (not installed).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_LOOP_INTERNAL_H
#define XN_LOOP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "xiaonao/runtime.h"

/* CLOCK_MONOTONIC now, and a sleep to an absolute time on it (EINTR resumed). */
int64_t xn_loop_now_ns(void);
void xn_loop_sleep_until(int64_t t);

/* The independent watchdog: a thread that sees a step which does not return by its deadline
 * and quick-stops the drives through the backend (xn_hal_emergency_stop) without waiting for
 * it. The loop publishes, around each read -> write, the time by which it must end (0: not in
 * a step, or the watchdog not armed). */
typedef struct {
    xn_controller *c;
    xn_hal *hal;
    int64_t idle_ns;        /* how long to sleep when no step is running */
    atomic_llong deadline;  /* the running step's limit (CLOCK_MONOTONIC ns), 0 none */
    atomic_int quit, fired; /* ask the thread to end; it fired */
    atomic_llong fired_ns;  /* when it fired */
    pthread_t thread;
} xn_watchdog;

/* Start the thread (priority > 0: SCHED_FIFO at that priority, where allowed). Returns 1 when it
 * runs, 0 when no thread could be made (the loop then has only its in-cycle checks). */
int xn_watchdog_start(xn_watchdog *w, xn_controller *c, xn_hal *hal, int64_t period_ns,
                      int priority);
/* A step begins with this limit (ns, CLOCK_MONOTONIC), or ended (0). Lock-free. */
void xn_watchdog_enter(xn_watchdog *w, int64_t limit_ns);
/* End the thread and wait for it. */
void xn_watchdog_stop(xn_watchdog *w);
/* 1 if it fired, with when. */
int xn_watchdog_fired(xn_watchdog *w, int64_t *when_ns);

#endif
