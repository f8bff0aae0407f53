/* The controller's events for several readers (events.c), on the Panda's loopback robot: a
 * claimed reader gets the same events as the application, in the same order; one that never
 * reads loses only its own events once its ring is full (counted), never the application's;
 * readers run out at XN_CTL_EVENT_READERS, and a released one can be claimed again, starting
 * from the events after its claim. A reader on another thread takes events while the loop runs.
 * SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "runtime/panda_rig.h"
#include "test_util.h"

/* the events of n cycles: the application's into app, reader r's into got (when r > 0) */
static void cycles(rig *r, int n, int reader, rt_events *app, rt_events *got) {
    for (int i = 0; i < n; i++) {
        rt_cycle(r->c, r->hal);
        xn_event ev;
        while (xn_controller_next_event(r->c, &ev))
            if (app->n < 512) app->ev[app->n++] = ev;
        while (reader > 0 && xn_controller_next_event_of(r->c, reader, &ev))
            if (got->n < 512) got->ev[got->n++] = ev;
        xn_ctl_sample s;
        while (xn_controller_next_sample(r->c, &s)) {
        }
    }
}

static int same(const rt_events *a, const rt_events *b) {
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++)
        if (a->ev[i].code != b->ev[i].code || a->ev[i].time_ns != b->ev[i].time_ns ||
            strcmp(a->ev[i].text, b->ev[i].text))
            return 0;
    return 1;
}

typedef struct {
    xn_controller *c;
    int reader;
    volatile int stop;
    int n;
} watcher;

static void *watch(void *arg) {
    watcher *w = arg;
    xn_event ev;
    while (!w->stop)
        while (xn_controller_next_event_of(w->c, w->reader, &ev)) w->n++;
    while (xn_controller_next_event_of(w->c, w->reader, &ev)) w->n++;
    return NULL;
}

int main(void) {
    /* a program of many short lines: an event each */
    static char program[32 * 1024];
    size_t len = 0;
    for (int i = 0; i < 1500; i++)
        len += (size_t)snprintf(program + len, sizeof program - len, "wait 0.003\n");
    rig r;
    if (rig_open(&r, program, 0)) {
        XT_CHECK(0, "rig");
        return xt_done("test_events");
    }
    rt_events app = {0}, got = {0};
    int a = xn_controller_event_reader(r.c), b = xn_controller_event_reader(r.c),
        d = xn_controller_event_reader(r.c), e = xn_controller_event_reader(r.c);
    XT_CHECK(a == 1 && b == 2 && d == 3 && e == -1,
             "three readers besides the application's, then none (%d %d %d %d)", a, b, d, e);
    /* reader a reads along; b never reads; d is given back */
    xn_controller_event_reader_release(r.c, d);
    cycles(&r, 600, a, &app, &got);
    XT_CHECK(app.n > 50 && same(&app, &got),
             "reader 1 got the application's %d events, in order (%d)", app.n, got.n);
    /* b's ring: full after XN_CTL_EVENT_RING events, the rest counted lost; the application's
     * and a's unaffected */
    for (int i = 0; i < 3 * XN_CTL_EVENT_RING && xn_controller_events_lost_of(r.c, b) == 0; i++)
        cycles(&r, 10, a, &app, &got);
    rt_events flood = {0};
    xn_event ev;
    while (xn_controller_next_event_of(r.c, b, &ev)) flood.n++;
    XT_CHECK(flood.n == XN_CTL_EVENT_RING && xn_controller_events_lost_of(r.c, b) > 0 &&
                 xn_controller_events_lost(r.c) == 0 && xn_controller_events_lost_of(r.c, a) == 0,
             "a reader that never reads loses its own events only (%d kept, %ld lost; the "
             "application lost %ld)",
             flood.n, xn_controller_events_lost_of(r.c, b), xn_controller_events_lost(r.c));
    /* a claimed again: only events from its new claim */
    int d2 = xn_controller_event_reader(r.c);
    XT_CHECK(d2 == 3 && !xn_controller_next_event_of(r.c, d2, &ev),
             "a released reader is claimed again, with nothing from before (%d)", d2);
    /* a reader on another thread while the program runs on */
    watcher w = {r.c, d2, 0, 0};
    pthread_t th;
    pthread_create(&th, NULL, watch, &w);
    rt_events later = {0}, unused = {0};
    cycles(&r, 1200, 0, &later, &unused);
    w.stop = 1;
    pthread_join(th, NULL);
    /* (the loop here runs faster than real time: a thread descheduled for a few milliseconds
     * falls a ring behind, and what it loses is counted) */
    long lost = xn_controller_events_lost_of(r.c, d2);
    XT_CHECK(later.n > 0 && w.n + lost == later.n,
             "a reader on another thread got the %d events, every one taken or counted lost "
             "(%d taken, %ld lost)",
             later.n, w.n, lost);
    XT_CHECK(xn_controller_next_event_of(r.c, 7, &ev) == 0 &&
                 xn_controller_next_event_of(r.c, -1, &ev) == 0,
             "a reader that does not exist gets nothing");
    rig_close(&r);
    return xt_done("test_events");
}
