/* The AL state machine from the master's side: what each transition needs configured first, the
 * request, the wait for the status, and a refusal told by its AL status code's name (the most
 * common trouble users of the open masters report is a slave stuck below OP with a code nobody
 * decodes). The names are ETG.1000.6's table of AL status codes, in our own words.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>
#include <time.h>

#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/master_internal.h"
#include "model/error_internal.h"

const char *xn_ecat_state_str(int state) {
    switch (state & 0x0F) {
    case XN_AL_INIT: return "INIT";
    case XN_AL_PREOP: return "PRE-OP";
    case XN_AL_BOOT: return "BOOT";
    case XN_AL_SAFEOP: return "SAFE-OP";
    case XN_AL_OP: return "OP";
    default: return "?";
    }
}

const char *xn_ecat_al_code_str(uint16_t code) {
    switch (code) {
    case 0x0000: return "no error";
    case 0x0001: return "unspecified error";
    case 0x0002: return "no memory";
    case 0x0003: return "invalid device setup";
    case 0x0011: return "invalid requested state change";
    case 0x0012: return "unknown requested state";
    case 0x0013: return "bootstrap not supported";
    case 0x0014: return "no valid firmware";
    case 0x0015: return "invalid mailbox configuration (bootstrap)";
    case 0x0016: return "invalid mailbox configuration";
    case 0x0017: return "invalid sync manager configuration";
    case 0x0018: return "no valid inputs available";
    case 0x0019: return "no valid outputs";
    case 0x001A: return "synchronization error";
    case 0x001B: return "sync manager watchdog";
    case 0x001C: return "invalid sync manager types";
    case 0x001D: return "invalid output configuration";
    case 0x001E: return "invalid input configuration";
    case 0x001F: return "invalid watchdog configuration";
    case 0x0020: return "slave needs cold start";
    case 0x0021: return "slave needs INIT";
    case 0x0022: return "slave needs PRE-OP";
    case 0x0023: return "slave needs SAFE-OP";
    case 0x0024: return "invalid input mapping";
    case 0x0025: return "invalid output mapping";
    case 0x0026: return "inconsistent settings";
    case 0x0027: return "free run not supported";
    case 0x0028: return "synchronization not supported";
    case 0x0029: return "free run needs 3-buffer mode";
    case 0x002A: return "background watchdog";
    case 0x002B: return "no valid inputs and outputs";
    case 0x002C: return "fatal sync error";
    case 0x002D: return "no sync error";
    case 0x002E: return "cycle time too small";
    case 0x0030: return "invalid DC SYNC configuration";
    case 0x0031: return "invalid DC latch configuration";
    case 0x0032: return "PLL error";
    case 0x0033: return "DC sync IO error";
    case 0x0034: return "DC sync timeout";
    case 0x0035: return "DC invalid sync cycle time";
    case 0x0036: return "DC SYNC0 cycle time";
    case 0x0037: return "DC SYNC1 cycle time";
    case 0x0041: return "mailbox AoE";
    case 0x0042: return "mailbox EoE";
    case 0x0043: return "mailbox CoE";
    case 0x0044: return "mailbox FoE";
    case 0x0045: return "mailbox SoE";
    case 0x004F: return "mailbox VoE";
    case 0x0050: return "EEPROM no access";
    case 0x0051: return "EEPROM error";
    case 0x0060: return "slave restarted locally";
    case 0x0061: return "device identification value updated";
    case 0x00F0: return "application controller available";
    default: return "unknown AL status code";
    }
}

/* sync manager k of slave i as given (8 bytes: start, length, control, status, activate) */
static xn_status set_sm(xn_ecat_master *m, int i, int k, uint16_t start, uint16_t len,
                        uint8_t control, xn_error *err) {
    uint8_t r[8] = {0};
    xn_ecat_put16(r, start);
    xn_ecat_put16(r + 2, len);
    r[4] = control;
    r[6] = len > 0 ? 1 : 0;
    return xn_ecat_write(m, i, (uint16_t)XN_ESC_SM(k), r, 8, err);
}

void xn_ecat_mailbox_layout(const xn_ecat_slave *s, xn_ecat_sm *out, xn_ecat_sm *in) {
    *out = (xn_ecat_sm){s->mbx_out_start, s->mbx_out_size, XN_SM_CTRL_MBX_OUT, 1};
    *in = (xn_ecat_sm){s->mbx_in_start, s->mbx_in_size, XN_SM_CTRL_MBX_IN, 1};
    if (s->nsm >= 2) { /* the sync manager category's, when there is one */
        *out = s->sm[0];
        *in = s->sm[1];
    }
}

/* What going to `state` from `now` needs set first: the mailbox before PRE-OP, the process
 * data's sync managers before SAFE-OP (the EEPROM's defaults, unless xn_ecat_pd_start has set
 * them from the mapping). */
static xn_status prepare(xn_ecat_master *m, int i, int now, int state, xn_error *err) {
    const xn_ecat_slave *s = &m->slave[i];
    xn_status st = XN_OK;
    if (now == XN_AL_INIT && state != XN_AL_INIT && s->mbx_out_size) {
        xn_ecat_sm o, in;
        xn_ecat_mailbox_layout(s, &o, &in);
        st = set_sm(m, i, 0, o.start, o.length, o.control, err);
        if (st == XN_OK) st = set_sm(m, i, 1, in.start, in.length, in.control, err);
    }
    if (st == XN_OK && (now == XN_AL_PREOP || now == XN_AL_INIT) &&
        (state == XN_AL_SAFEOP || state == XN_AL_OP) && !(m->pd_ready && m->pd[i].configured))
        for (int k = 2; k < s->nsm && k < 4 && st == XN_OK; k++)
            st = set_sm(m, i, k, s->sm[k].start, s->sm[k].length, s->sm[k].control, err);
    return st;
}

static xn_status one(xn_ecat_master *m, int i, xn_ecat_state state, double timeout_s,
                     xn_error *err) {
    static const char *const fn = "xn_ecat_set_state";
    xn_ecat_slave *s = &m->slave[i];
    uint8_t al[6];
    xn_status st = xn_ecat_read(m, i, XN_ESC_AL_STATUS, al, 6, err);
    if (st != XN_OK) return st;
    int now = al[0] & 0x0F;
    if (al[0] & XN_AL_ERROR) { /* an earlier refusal still flagged: acknowledged first */
        uint8_t ack[2] = {(uint8_t)(now | XN_AL_ERROR), 0};
        if ((st = xn_ecat_write(m, i, XN_ESC_AL_CONTROL, ack, 2, err)) != XN_OK) return st;
    }
    if ((st = prepare(m, i, now, (int)state, err)) != XN_OK) return st;
    uint8_t req[2] = {(uint8_t)state, 0};
    if ((st = xn_ecat_write(m, i, XN_ESC_AL_CONTROL, req, 2, err)) != XN_OK) return st;
    int64_t deadline = xn_ecat_now_ns() + (int64_t)(timeout_s * 1e9);
    for (;;) {
        if ((st = xn_ecat_read(m, i, XN_ESC_AL_STATUS, al, 6, err)) != XN_OK) return st;
        s->al_state = al[0];
        s->al_code = xn_ecat_get16(al + 4);
        if (al[0] & XN_AL_ERROR) {
            uint16_t code = s->al_code;
            /* acknowledge, so that the next request starts clean */
            uint8_t ack[2] = {(uint8_t)((al[0] & 0x0F) | XN_AL_ERROR), 0};
            xn_ecat_write(m, i, XN_ESC_AL_CONTROL, ack, 2, NULL);
            return xn_fail_at(err, XN_ERR_INVALID, fn, i,
                              "slave %d (station 0x%04X%s%s) refused %s and stays in %s: AL "
                              "status code 0x%04X, %s",
                              i, s->station, s->name[0] ? ", " : "", s->name,
                              xn_ecat_state_str(state), xn_ecat_state_str(al[0]), code,
                              xn_ecat_al_code_str(code));
        }
        if ((al[0] & 0x0F) == state) return XN_OK;
        if (xn_ecat_now_ns() > deadline)
            return xn_fail_at(err, XN_ERR_TIMEOUT, fn, i,
                              "slave %d (station 0x%04X) neither reached nor refused %s within "
                              "%.3g s (it is in %s)",
                              i, s->station, xn_ecat_state_str(state), timeout_s,
                              xn_ecat_state_str(al[0]));
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
}

xn_status xn_ecat_set_state(xn_ecat_master *m, int i, xn_ecat_state state, double timeout_s,
                            xn_error *err) {
    static const char *const fn = "xn_ecat_set_state";
    if (state != XN_ECAT_INIT && state != XN_ECAT_PREOP && state != XN_ECAT_BOOT &&
        state != XN_ECAT_SAFEOP && state != XN_ECAT_OP)
        return xn_fail(err, XN_ERR_RANGE, fn,
                       "state %d (INIT 1, PRE-OP 2, BOOT 3, SAFE-OP 4, OP 8)", (int)state);
    if (!(timeout_s > 0)) return xn_fail(err, XN_ERR_RANGE, fn, "timeout %g s (> 0)", timeout_s);
    if (i != -1 && (i < 0 || i >= m->nslave))
        return xn_fail(err, XN_ERR_RANGE, fn, "slave %d (the scan found %d)", i, m->nslave);
    /* OP needs process data flowing: the first request for it sets the image up for the whole
     * segment (which walks every slave up to OP through here again) */
    if (state == XN_ECAT_OP && !m->pd_ready) return xn_ecat_pd_start(m, err);
    /* upward through each state on the way, as a slave accepts them only one at a time; every
     * slave takes a step before any takes the next, so that they arrive together */
    static const xn_ecat_state order[4] = {XN_ECAT_INIT, XN_ECAT_PREOP, XN_ECAT_SAFEOP, XN_ECAT_OP};
    int lo = i < 0 ? 0 : i, hi = i < 0 ? m->nslave : i + 1, target = 0;
    while (target < 4 && order[target] != state) target++;
    int level[XN_ECAT_MAX_SLAVES] = {0}; /* each slave's state as an index of order */
    for (int k = lo; k < hi && target < 4; k++) {
        uint8_t al[2];
        xn_status st = xn_ecat_read(m, k, XN_ESC_AL_STATUS, al, 2, err);
        if (st != XN_OK) return st;
        m->slave[k].al_state = al[0];
        while (level[k] < 4 && order[level[k]] != (al[0] & 0x0F)) level[k]++;
        if (level[k] == 4) level[k] = 0; /* BOOT or unknown: from INIT's side */
    }
    for (int step = 1; step <= target && target < 4; step++) {
        if (order[step] == XN_ECAT_OP && m->pd_ready) /* valid outputs before OP is asked */
            for (int c = 0; c < 10; c++) xn_ecat_pd_exchange(m, 10000000, NULL);
        for (int k = lo; k < hi; k++) {
            if (level[k] >= step) continue;
            xn_status st = one(m, k, order[step], timeout_s, err);
            if (st != XN_OK) return st;
            level[k] = step;
        }
    }
    for (int k = lo; k < hi; k++) { /* downward, the target itself, or BOOT: straight there */
        if (target < 4 && level[k] == target && (m->slave[k].al_state & 0x0F) == state) continue;
        xn_status st = one(m, k, state, timeout_s, err);
        if (st != XN_OK) return st;
    }
    return XN_OK;
}
