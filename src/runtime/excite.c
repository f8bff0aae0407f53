/* Excitation trajectories for identification (`fourier` and `excite` lines): each named joint
 * follows its finite Fourier series (Swevers et al. 1997) on the program's clock, the others
 * hold. The series are checked against the joints' range when the program is checked, and
 * against the rated velocity and acceleration here, when the controller is made, so a line
 * that would exceed them never starts. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_internal.h"

/* The largest |qd| and |qdd| of one fourier line over its period. */
static void peaks(const xn_instruction *f, xn_real period, xn_real *vmax, xn_real *amax) {
    *vmax = *amax = 0;
    for (int s = 0; s < 2000; s++) {
        xn_real v, a;
        xn_program_fourier_eval(f, period, period * s / 2000, NULL, &v, &a);
        *vmax = fmax(*vmax, fabs(v));
        *amax = fmax(*amax, fabs(a));
    }
}

xn_status xn_ctl_excite_prepare(xn_controller *c, xn_error *err) {
    const xn_program *prog = c->prog;
    c->interp.fourier_joint = malloc(((size_t)prog->n + 1) * sizeof(int));
    if (!c->interp.fourier_joint) return XN_ERR_NOMEM;
    for (int i = 0; i < prog->n; i++) {
        const xn_instruction *in = &prog->ins[i];
        c->interp.fourier_joint[i] = -1;
        if (in->op != XN_OP_FOURIER) continue;
        int k = 0;
        while (k < c->nj && strcmp(c->name[k], in->name) != 0) k++;
        if (k == c->nj)
            return xn_program_line_fail(err, prog, in, XN_ERR_NOT_FOUND,
                                        "the controller commands no joint named '%s'", in->name);
        const xn_instruction *ex = in;
        while (ex->op != XN_OP_EXCITE) ex++;
        xn_real vmax, amax;
        peaks(in, ex->value[0], &vmax, &amax);
        if (vmax > c->cfg.max_velocity[k] || amax > c->cfg.max_acceleration[k])
            return xn_program_line_fail(
                err, prog, in, XN_ERR_RANGE,
                "the excitation needs %.4g rad/s and %.4g rad/s^2 of joint %s, beyond its rated "
                "%.4g rad/s and %.4g rad/s^2",
                vmax, amax, in->name, c->cfg.max_velocity[k], c->cfg.max_acceleration[k]);
        c->interp.fourier_joint[i] = k;
    }
    return XN_OK;
}

void xn_ctl_excite_start(xn_controller *c, const xn_instruction *in) {
    int first = c->interp.pc;
    while (first > 0 && c->prog->ins[first - 1].op == XN_OP_FOURIER) first--;
    /* the robot must rest where the series start: q(0) = q0 */
    for (int i = first; i < c->interp.pc; i++) {
        const xn_instruction *f = &c->prog->ins[i];
        int k = c->interp.fourier_joint[i];
        xn_real off = fabs(c->output.position[k] - f->value[0]);
        if (off > 1e-4 || fabs(c->output.velocity[k]) > 1e-6) {
            char text[160];
            snprintf(text, sizeof text,
                     "line %d: joint %s is %.3g rad from where its excitation starts (move "
                     "there first: movej)",
                     in->line, f->name, off);
            xn_ctl_begin_stop(c, XN_EV_LIMIT_STOP, text);
            return;
        }
    }
    c->interp.excite_first = first;
    c->interp.excite_t = 0;
    c->interp.act = ACT_EXCITE;
}

void xn_ctl_excite_follow(xn_controller *c, xn_real dt) {
    const xn_instruction *ex = &c->prog->ins[c->interp.pc];
    xn_real end = ex->duration;
    c->interp.excite_t = fmin(c->interp.excite_t + c->rate * dt, end);
    for (int k = 0; k < c->nj; k++) { /* the joints without a series hold */
        c->output.velocity[k] = c->output.acceleration[k] = 0;
        c->q_ref[c->qadr[k]] = c->output.position[k];
        c->v_ref[c->vadr[k]] = c->a_ref[c->vadr[k]] = 0;
    }
    for (int i = c->interp.excite_first; i < c->interp.pc; i++) {
        int k = c->interp.fourier_joint[i], v = c->vadr[k];
        xn_real q, qd, qdd;
        xn_program_fourier_eval(&c->prog->ins[i], ex->value[0], c->interp.excite_t, &q, &qd, &qdd);
        /* on the program's clock: v = rate qd, a = rate^2 qdd + rate' qd */
        c->q_ref[c->qadr[k]] = q;
        c->v_ref[v] = c->rate * qd;
        c->a_ref[v] = c->rate * c->rate * qdd + c->rate_dot * qd;
        c->output.position[k] = q;
        c->output.velocity[k] = c->v_ref[v];
        c->output.acceleration[k] = c->a_ref[v];
    }
    if (c->interp.excite_t >= end) {
        /* whole periods: at rest where it began; the trajectory generator holds there */
        c->input.interface = XN_OTG_POSITION;
        for (int k = 0; k < c->nj; k++) {
            c->input.target_position[k] = c->output.position[k];
            c->input.target_velocity[k] = 0;
            c->input.target_acceleration[k] = 0;
            c->output.velocity[k] = c->output.acceleration[k] = 0;
        }
    }
}

int xn_ctl_excite_done(const xn_controller *c) {
    return c->interp.excite_t >= c->prog->ins[c->interp.pc].duration;
}
