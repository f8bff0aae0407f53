/* xn run's stop signals. The handler only raises the controller's lock-free stop request
 * (xn_controller_request_stop is async-signal-safe) and writes one line with write(2); the
 * control loop carries the stop out at its next cycle and then ends, so the log and report are
 * written as after any other run.
 * SPDX-License-Identifier: Apache-2.0 */
#include "run_signals.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static xn_controller *_Atomic target;
static atomic_int count;

static void on_signal(int sig) {
    (void)sig;
    int n = atomic_fetch_add(&count, 1) + 1;
    xn_controller *c = atomic_load(&target);
    if (!c) return;
    xn_controller_request_stop(c, n == 1 ? XN_STOP_CATEGORY_1 : XN_STOP_CATEGORY_0);
    static const char first[] = "\nxn run: stop requested (category 1: braking, then power off; "
                                "again for category 0)\n";
    static const char again[] = "\nxn run: stop category 0 (power off now)\n";
    ssize_t w = n == 1 ? write(2, first, sizeof first - 1) : write(2, again, sizeof again - 1);
    (void)w;
}

static void set_handler(void (*h)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void run_signals_install(xn_controller *c) {
    atomic_store(&count, 0);
    atomic_store(&target, c);
    set_handler(on_signal);
}

void run_signals_remove(void) {
    set_handler(SIG_DFL);
    atomic_store(&target, (xn_controller *)0);
}

int run_signals_count(void) { return atomic_load(&count); }
