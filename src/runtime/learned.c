/* The controller's side of learned behaviours: the program's `policy load`, `walk` and `stand`
 * handed to the policy hook (the learn layer), which then drives the joints.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_internal.h"

xn_status xn_ctl_policy_prepare(xn_controller *c, xn_error *err) {
    const xn_program *prog = c->prog;
    const xn_policy_hook *h = c->cfg.policy_hook;
    int loaded = 0;
    xn_real range[3]; /* the command range of the policy loaded last */
    c->interp.policy_id = malloc(((size_t)prog->n + 1) * sizeof *c->interp.policy_id);
    if (!c->interp.policy_id) return XN_ERR_NOMEM;
    /* the program's folder, for relative paths */
    char dir[256];
    snprintf(dir, sizeof dir, "%s", prog->source);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[1] = 0;
    else
        dir[0] = 0;
    for (int i = 0; i < prog->n; i++) {
        const xn_instruction *in = &prog->ins[i];
        c->interp.policy_id[i] = -1;
        if (in->op == XN_OP_POLICY_LOAD) {
            if (!h)
                return xn_program_line_fail(
                    err, prog, in, XN_ERR_INVALID,
                    "policy load needs the learned-control layer (xiaonao_learn), "
                    "which this controller was not given");
            xn_error perr;
            int id = h->prepare(h->self, in->path, dir, c->hal, &perr);
            if (id < 0) {
                return xn_program_line_fail(err, prog, in, XN_ERR_INVALID, "policy '%s': %s: %s",
                                            in->path, perr.file, perr.message);
            }
            c->interp.policy_id[i] = id;
            loaded = 1;
            h->command_range(h->self, id, range);
        } else if (in->op == XN_OP_WALK && !loaded) {
            return xn_program_line_fail(err, prog, in, XN_ERR_INVALID,
                                        "walk commands a policy: put 'policy load ...' before");
        } else if (in->op == XN_OP_WALK) {
            static const char *const what[3] = {"vx", "vy", "the yaw rate"};
            for (int k = 0; k < 3; k++)
                if (fabs(in->value[k]) > range[k])
                    return xn_program_line_fail(err, prog, in, XN_ERR_RANGE,
                                                "%s %g is beyond the %g the policy was trained on",
                                                what[k], in->value[k], range[k]);
        }
    }
    return XN_OK;
}

void xn_ctl_policy_instruction(xn_controller *c, const xn_instruction *in) {
    const xn_policy_hook *h = c->cfg.policy_hook;
    if (in->op == XN_OP_POLICY_LOAD) {
        h->activate(h->self, c->interp.policy_id[c->interp.pc]);
        c->policy_current = c->interp.policy_id[c->interp.pc];
        c->policy_active = 1;
        xn_ctl_event(c, XN_EV_SETTING, -1, 0, "the policy from %s drives the joints", in->path);
        return;
    }
    xn_real v[3] = {0, 0, 0};
    if (in->op == XN_OP_WALK) memcpy(v, in->value, sizeof v);
    h->command(h->self, v[0], v[1], v[2]);
    xn_ctl_event(c, XN_EV_SETTING, -1, v[0], "command vx %g m/s, vy %g m/s, yaw rate %g rad/s",
                 v[0], v[1], v[2]);
}

void xn_ctl_policy_step(xn_controller *c) {
    const xn_policy_hook *h = c->cfg.policy_hook;
    int stopped = h->step(h->self);
    if (stopped && !c->policy_stopped) {
        c->policy_stopped = 1;
        xn_ctl_event(c, XN_EV_POLICY_STOP, -1, 0, "the policy was stopped: %s", h->reason(h->self));
        c->state = XN_CTL_DONE;
        c->interp.act = ACT_NONE;
    }
}
