/* The claims: which source of motion writes each controlled joint's drive command this cycle.
 * As in ros2_control, where each controller claims the command interfaces it writes and the
 * resource manager lets no two claim the same one, every joint has exactly one source, and the
 * step dispatches on this table instead of on the flags of each source. The table is derived in
 * one place each cycle from what the controller is doing, so that a new source cannot write a
 * joint without appearing here; whatever any source writes then passes the one safety layer
 * (command_gate.c).
 *
 * Only the stream may claim part of the joints (`stream joints PATTERN...`): the program holds
 * the rest where its last motion left them. The policy, the balance, the compliant modes and
 * the collision reaction act on the whole robot and claim every joint.
 * SPDX-License-Identifier: Apache-2.0 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_internal.h"

const char *xn_source_str(xn_source s) {
    switch (s) {
    case XN_SOURCE_NONE: return "none";
    case XN_SOURCE_PROGRAM: return "program";
    case XN_SOURCE_COMPLIANCE: return "compliance";
    case XN_SOURCE_STREAM: return "stream";
    case XN_SOURCE_POLICY: return "policy";
    case XN_SOURCE_BALANCE: return "balance";
    case XN_SOURCE_REACTION: return "reaction";
    default: return "?";
    }
}

/* The source that acts on the whole robot this cycle, strongest first. */
static xn_source whole_robot(const xn_controller *c) {
    if (c->state == XN_CTL_FAULT) return XN_SOURCE_NONE; /* the drives quick-stop on their own */
    if (c->compliant) return XN_SOURCE_REACTION;
    if (c->policy_active) return XN_SOURCE_POLICY;
    if (c->hum_active || c->bal)
        return XN_SOURCE_BALANCE; /* from the first cycle: see humanoid.c */
    if (c->state != XN_CTL_RUNNING) return XN_SOURCE_NONE;
    if (c->interp.act == ACT_COMPLY) return XN_SOURCE_COMPLIANCE;
    return XN_SOURCE_PROGRAM;
}

void xn_ctl_claims_update(xn_controller *c) {
    xn_source whole = whole_robot(c);
    const unsigned char *mine = NULL;
    if (whole == XN_SOURCE_PROGRAM && c->interp.act == ACT_STREAM)
        mine = c->interp.stream_claim + (size_t)c->interp.pc * XN_OTG_MAX_DOFS;
    memset(c->nclaim, 0, sizeof c->nclaim);
    for (int k = 0; k < c->nj; k++) {
        xn_source s = mine && mine[k] ? XN_SOURCE_STREAM : whole;
        c->claim[k] = (unsigned char)s;
        c->nclaim[s]++;
    }
}

xn_source xn_controller_source(const xn_controller *c, int k) {
    return k >= 0 && k < c->nj ? (xn_source)c->claim[k] : XN_SOURCE_NONE;
}

/* One `stream joints ...` line: each space-separated pattern (fnmatch: `*`, `?`, `[...]`)
 * claims the controlled joints it matches, and must match one. */
static xn_status resolve(xn_controller *c, const xn_instruction *in, unsigned char *claim,
                         xn_error *err) {
    char list[sizeof in->path];
    memcpy(list, in->path, sizeof list);
    list[sizeof list - 1] = 0;
    char *save = NULL;
    for (char *pat = strtok_r(list, " ", &save); pat; pat = strtok_r(NULL, " ", &save)) {
        int matched = 0;
        for (int k = 0; k < c->nj; k++)
            if (fnmatch(pat, c->name[k], 0) == 0) claim[k] = matched = 1;
        if (!matched)
            return xn_program_line_fail(err, c->prog, in, XN_ERR_NOT_FOUND,
                                        "stream joints: '%s' matches no joint the controller "
                                        "commands",
                                        pat);
    }
    return XN_OK;
}

xn_status xn_ctl_claims_prepare(xn_controller *c, xn_error *err) {
    int n = c->prog ? c->prog->n : 0;
    c->interp.stream_claim = calloc((size_t)n * XN_OTG_MAX_DOFS + 1, 1);
    if (!c->interp.stream_claim) return XN_ERR_NOMEM;
    const xn_instruction *whole = NULL; /* a policy or balance load: it drives every joint */
    for (int i = 0; i < n; i++) {
        const xn_instruction *in = &c->prog->ins[i];
        unsigned char *claim = &c->interp.stream_claim[(size_t)i * XN_OTG_MAX_DOFS];
        if (in->op == XN_OP_POLICY_LOAD || in->op == XN_OP_BALANCE_LOAD) whole = in;
        if (in->op != XN_OP_STREAM) continue;
        if (in->value[1] == 0) { /* no joints named: every one */
            memset(claim, 1, (size_t)c->nj);
            continue;
        }
        if (whole)
            return xn_program_line_fail(
                err, c->prog, in, XN_ERR_INVALID,
                "stream joints: the %s loaded on line %d drives every joint from then on; a "
                "stream can give it commands (a plain `stream` line) but claim no joints",
                whole->op == XN_OP_POLICY_LOAD ? "policy" : "balance", whole->line);
        xn_status st = resolve(c, in, claim, err);
        if (st != XN_OK) return st;
    }
    return XN_OK;
}
