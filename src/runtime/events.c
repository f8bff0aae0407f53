/* The controller's events for several readers: the application's (reader 0, always there) and
 * up to XN_CTL_EVENT_READERS - 1 more that other threads claim (a network bridge, a console).
 * Each reader has a ring of its own that the step writes and only that reader takes from, so a
 * reader that falls behind loses its own oldest events and never slows the step or the others.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "runtime/runtime_internal.h"

struct xn_ctl_event_ring {
    xn_event ev[XN_CTL_EVENT_RING];
    atomic_long head, tail; /* written by the step and by the reader */
    atomic_long lost;       /* events that found the ring full */
    atomic_int claimed;     /* 1: the step writes this ring (reader 0's always); 0: free;
                               2: being claimed */
};

xn_ctl_event_ring *xn_ctl_events_create(void) {
    xn_ctl_event_ring *r = calloc(XN_CTL_EVENT_READERS, sizeof *r);
    if (!r) return NULL;
    for (int i = 0; i < XN_CTL_EVENT_READERS; i++) {
        atomic_init(&r[i].head, 0);
        atomic_init(&r[i].tail, 0);
        atomic_init(&r[i].lost, 0);
        atomic_init(&r[i].claimed, i == 0);
    }
    return r;
}

void xn_ctl_events_free(xn_ctl_event_ring *r) { free(r); }

void xn_ctl_event(xn_controller *c, xn_event_code code, int joint, double value, const char *fmt,
                  ...) {
    xn_event e;
    e.time_ns = c->time_ns;
    e.code = code;
    e.joint = joint;
    e.line = c->interp.line;
    e.value = value;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.text, sizeof e.text, fmt, ap);
    va_end(ap);
    for (int i = 0; i < XN_CTL_EVENT_READERS; i++) {
        xn_ctl_event_ring *r = &c->events[i];
        if (atomic_load_explicit(&r->claimed, memory_order_acquire) != 1) continue;
        long head = atomic_load_explicit(&r->head, memory_order_relaxed);
        long tail = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (head - tail >= XN_CTL_EVENT_RING) {
            atomic_fetch_add_explicit(&r->lost, 1, memory_order_relaxed);
            continue;
        }
        r->ev[head % XN_CTL_EVENT_RING] = e;
        atomic_store_explicit(&r->head, head + 1, memory_order_release);
    }
}

int xn_controller_next_event_of(xn_controller *c, int reader, xn_event *ev) {
    if (reader < 0 || reader >= XN_CTL_EVENT_READERS) return 0;
    xn_ctl_event_ring *r = &c->events[reader];
    long tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    long head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (tail == head) return 0;
    *ev = r->ev[tail % XN_CTL_EVENT_RING];
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
    return 1;
}

int xn_controller_next_event(xn_controller *c, xn_event *ev) {
    return xn_controller_next_event_of(c, 0, ev);
}

long xn_controller_events_lost_of(const xn_controller *c, int reader) {
    if (reader < 0 || reader >= XN_CTL_EVENT_READERS) return 0;
    return atomic_load(&c->events[reader].lost);
}

long xn_controller_events_lost(const xn_controller *c) {
    return xn_controller_events_lost_of(c, 0);
}

int xn_controller_event_reader(xn_controller *c) {
    for (int i = 1; i < XN_CTL_EVENT_READERS; i++) {
        xn_ctl_event_ring *r = &c->events[i];
        int free_ring = 0;
        if (!atomic_compare_exchange_strong(&r->claimed, &free_ring, 2)) continue;
        /* from now on: the events from here, none of a former reader's (the step owns head) */
        atomic_store(&r->tail, atomic_load(&r->head));
        atomic_store(&r->lost, 0);
        atomic_store_explicit(&r->claimed, 1, memory_order_release);
        return i;
    }
    return -1;
}

void xn_controller_event_reader_release(xn_controller *c, int reader) {
    if (reader > 0 && reader < XN_CTL_EVENT_READERS) atomic_store(&c->events[reader].claimed, 0);
}
