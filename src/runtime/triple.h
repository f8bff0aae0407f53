/* The indexes of a triple buffer: one writer and one reader exchange three buffers without
 * either waiting. The writer fills buffer `back`, then publishes it (it becomes the middle one,
 * and the old middle becomes the writer's next back); the reader takes the middle one when it is
 * newer than its own (`front`). The buffers themselves belong to the user (three of anything).
 * Several writers or several readers must take turns among themselves; the two sides never
 * wait for each other. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_TRIPLE_H
#define XN_TRIPLE_H

#include <stdatomic.h>

#define XN_TRIPLE_FRESH 4 /* in `middle`: the buffer there is newer than the reader's */

typedef struct {
    atomic_int middle; /* the exchanged buffer's index, | XN_TRIPLE_FRESH when unread */
    int back;          /* the writer's buffer */
    int front;         /* the reader's buffer */
} xn_triple;

static inline void xn_triple_init(xn_triple *t) {
    atomic_init(&t->middle, 1);
    t->back = 0;
    t->front = 2;
}

/* The writer has filled buffer t->back: publish it; t->back is then the next one to fill. */
static inline void xn_triple_publish(xn_triple *t) {
    t->back = atomic_exchange(&t->middle, t->back | XN_TRIPLE_FRESH) & 3;
}

/* The reader: 1 when a newer buffer was published, which is now t->front; 0 when none. */
static inline int xn_triple_take(xn_triple *t) {
    if (!(atomic_load(&t->middle) & XN_TRIPLE_FRESH)) return 0;
    t->front = atomic_exchange(&t->middle, t->front) & 3;
    return 1;
}

#endif
