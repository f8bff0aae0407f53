/* Programs from other threads: an operator's console or a cell's supervisor gives a program
 * while the controller holds at a `stream` line. Everything a program needs before it runs
 * (checks, Cartesian plans, shapers, compliance) is allocated and computed where
 * xn_controller_create does it, in a controller of its own made in the caller's thread (the
 * `sub`). At a safe point (the line's joints at rest, nothing streamed driving them) the loop
 * trades its interpreter and program for the sub's: a few pointer copies, no allocation. When
 * the program ends they trade back and the `stream` line waits for setpoints again; the caller's
 * next call frees what is left.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "model/error_internal.h"
#include "runtime/runtime_internal.h"

static const char *const FN = "xn_controller_run_program";

#define START_TOLERANCE 1e-6 /* rad (m): the plans' start, as start_path checks it */

/* The first line that needs what only xn_controller_create prepares (a policy through the hook,
 * the humanoid's balance and estimator), or NULL. */
static const xn_instruction *creation_only(const xn_program *p, const char **what) {
    for (int i = 0; i < p->n; i++) {
        switch (p->ins[i].op) {
        case XN_OP_POLICY_LOAD: *what = "policy load"; return &p->ins[i];
        case XN_OP_BALANCE_LOAD: *what = "balance load"; return &p->ins[i];
        case XN_OP_WALK: *what = "walk"; return &p->ins[i];
        case XN_OP_STAND: *what = "stand"; return &p->ins[i];
        case XN_OP_PUSH: *what = "push"; return &p->ins[i];
        case XN_OP_POSTURE: *what = "posture"; return &p->ins[i];
        case XN_OP_HAND: *what = "hand"; return &p->ins[i];
        default: break;
        }
    }
    return NULL;
}

#define SWAP(T, a, b)                                                                              \
    do {                                                                                           \
        T swap_tmp_ = (a);                                                                         \
        (a) = (b);                                                                                 \
        (b) = swap_tmp_;                                                                           \
    } while (0)

/* The controller and the sub trade interpreters and programs (and the compliance the sub's
 * program prepared): each then holds a consistent pair, which is what freeing either needs. */
static void trade(xn_controller *c, xn_controller *sub) {
    SWAP(xn_ctl_interp, c->interp, sub->interp);
    SWAP(const xn_program *, c->prog, sub->prog);
    if (!sub->sub_comply) return;
    SWAP(xn_compliance *, c->comp, sub->comp);
    SWAP(xn_real *, c->Kj, sub->Kj);
    SWAP(xn_real *, c->Dj, sub->Dj);
    SWAP(xn_real *, c->Mj, sub->Mj);
    SWAP(xn_real *, c->q_anchor, sub->q_anchor);
    SWAP(xn_real *, c->scratch, sub->scratch);
    SWAP(xn_ik *, c->ik, sub->ik);
    SWAP(int, c->flange, sub->flange);
}

/* A sub the loop is done with: the next call from outside frees it. One at a time: a new
 * program is taken only after the last one's sub was collected (xn_controller_run_program
 * collects first). */
static void retire(xn_controller *c, xn_controller *sub) {
    atomic_store_explicit(&c->load_done, sub, memory_order_release);
    atomic_store(&c->run_state, XN_RUN_NONE);
}

xn_status xn_controller_run_program(xn_controller *c, xn_program *program, xn_error *err) {
    if (err) memset(err, 0, sizeof *err);
    if (!program) return xn_fail(err, XN_ERR_INVALID, FN, "no program given");
    xn_controller_free(atomic_exchange_explicit(&c->load_done, NULL, memory_order_acquire));
    xn_status st = XN_OK;
    const char *what = NULL;
    const xn_instruction *in = creation_only(program, &what);
    int expected = XN_RUN_NONE;
    xn_ctl_sample *s = malloc(sizeof *s);
    xn_real *q0 = c->model0 ? malloc(((size_t)c->model0->nq + 1) * sizeof *q0) : NULL;
    if (!s || !q0)
        st = xn_fail(err, XN_ERR_NOMEM, FN, "out of memory");
    else if (in)
        st = xn_program_line_fail(err, program, in, XN_ERR_INVALID,
                                  "'%s' needs what only the controller's creation prepares: put "
                                  "it in the program the controller starts with",
                                  what);
    else if (xn_ctl_stream_line(c) < 0 || !xn_controller_latest(c, s) || s->state != XN_CTL_RUNNING)
        st = xn_fail(err, XN_ERR_STATE, FN,
                     "no `stream` line runs: a program given from outside takes the place of "
                     "one");
    else if (!atomic_compare_exchange_strong(&c->run_state, &expected, XN_RUN_WAITING))
        st = xn_fail(err, XN_ERR_STATE, FN, "the program given before has not ended");
    if (st != XN_OK) {
        free(s);
        free(q0);
        xn_program_free(program);
        return st;
    }
    /* an abandoned one (the controller stopped before it could run) */
    xn_controller_free(atomic_exchange(&c->load_pending, NULL));
    /* plan from where the loop's reference is: the joints must rest there */
    memcpy(q0, c->model0->q_neutral, (size_t)c->model0->nq * sizeof *q0);
    for (int k = 0; k < c->nj && st == XN_OK; k++) {
        q0[c->qadr[k]] = s->q_ref[k];
        if (!(s->v_ref[k] == 0))
            st = xn_fail(err, XN_ERR_STATE, FN,
                         "joint %s moves (%.3g rad/s): give the program once the joints rest",
                         c->name[k], s->v_ref[k]);
    }
    free(s);
    xn_controller *sub = NULL;
    if (st == XN_OK) st = xn_ctl_create(c->model0, c->hal, program, &c->cfg, q0, 1, &sub, err);
    if (st != XN_OK) {
        free(q0);
        xn_program_free(program);
        atomic_store(&c->run_state, XN_RUN_NONE);
        return st;
    }
    sub->owned_prog = program;
    sub->start_q = q0;
    sub->sub_comply = sub->comp != NULL;
    atomic_store_explicit(&c->load_pending, sub, memory_order_release);
    return XN_OK;
}

xn_run_state xn_controller_run_state(const xn_controller *c) {
    return (xn_run_state)atomic_load(&c->run_state);
}

void xn_ctl_load_step(xn_controller *c) {
    xn_controller *sub = atomic_load_explicit(&c->load_pending, memory_order_acquire);
    if (!sub || c->load_running || c->pause_u < 1 || !xn_ctl_stream_idle(c) ||
        !xn_ctl_shaper_settled(c))
        return;
    atomic_store(&c->load_pending, NULL);
    xn_real off = 0;
    int worst = 0;
    for (int k = 0; k < c->nj; k++) {
        xn_real d = fabs(sub->start_q[c->qadr[k]] - c->output.position[k]);
        if (!(d <= off)) worst = k;
        off = !(d <= off) ? d : off;
    }
    if (!(off <= START_TOLERANCE)) { /* (NaN too) */
        xn_ctl_event(c, XN_EV_PROGRAM_RUN, worst, -1,
                     "%s: joint %s moved %.3g rad since the program was planned: not run",
                     sub->prog->source, c->name[worst], off);
        retire(c, sub);
        return;
    }
    c->load_shaper = c->shaper;
    c->load_shaper_auto = c->shaper_auto;
    xn_ctl_stream_yield(c);
    trade(c, sub);
    c->load_running = sub;
    atomic_store(&c->run_state, XN_RUN_RUNNING);
    xn_ctl_event(c, XN_EV_PROGRAM_RUN, -1, 1,
                 "%s (%d instructions) runs in the stream line's place", c->prog->source,
                 c->prog->n);
}

int xn_ctl_load_end(xn_controller *c) {
    xn_controller *sub = c->load_running;
    if (!sub) return 0;
    xn_ctl_event(c, XN_EV_PROGRAM_RUN, -1, 0, "%s ended: the stream line takes setpoints again",
                 c->prog->source);
    trade(c, sub);
    c->load_running = NULL;
    /* its shaper goes with it (freed with the sub): the one in use before comes back, its
     * history set to where the joints rest now */
    c->shaper = c->load_shaper;
    c->shaper_auto = c->load_shaper_auto;
    if (c->shaper) xn_ctl_shaper_reset(c);
    c->interp.line = c->prog->ins[c->interp.pc].line;
    xn_ctl_stream_begin(c, &c->prog->ins[c->interp.pc]);
    retire(c, sub);
    return 1;
}

void xn_ctl_load_abandon(xn_controller *c) { atomic_store(&c->run_state, XN_RUN_NONE); }

void xn_ctl_load_free(xn_controller *c) {
    if (c->load_running) {
        trade(c, c->load_running); /* each back with its own program */
        xn_controller_free(c->load_running);
        c->load_running = NULL;
        c->shaper = c->load_shaper;
    }
    xn_controller_free(atomic_exchange(&c->load_pending, NULL));
    xn_controller_free(atomic_exchange(&c->load_done, NULL));
}
