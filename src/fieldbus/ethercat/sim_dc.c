/* The virtual slaves' distributed clocks (ETG.1000.4's DC unit, modelled): each slave's local
 * clock runs from its own power-on at its own crystal's rate error; its system time is the local
 * time plus the offset register. A write of the receive time register latches when the frame
 * arrived on each port (10 ns resolution, as a 100 MHz clock counts); a write of the system time
 * is compared with the slave's own plus its delay register, the difference is reported (0x092C)
 * and a time control loop corrects the clock: it slews the local time toward the reference by
 * at most XN_SIM_DC_SLEW ns per ns and learns the rate error, so that after some thousands of
 * comparisons the slave keeps time with the reference. SYNC0 fires at the start time and every
 * cycle after, in system time; a start time already past when SYNC0 is activated never comes
 * (a real ESC waits for its 32-bit time to wrap, 4.3 s), which a master must avoid.
 * The loop's gains are this model's, not any ESC's; what a master can rely on is only that the
 * reported difference falls as it sends comparisons.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/frame.h"
#include "fieldbus/ethercat/sim_internal.h"

#define XN_SIM_DC_SLEW 1e-3     /* the loop corrects 1 us per ms at most */
#define XN_SIM_DC_FREQ_MAX 2e-4 /* and learns rate errors up to 200 ppm */
#define LOOP_KP 0.5             /* share of a difference to take away */
#define LOOP_KI 0.05            /* share of the rate it shows, learnt */
#define FREQ_WINDOW_NS 100000.0 /* the shortest span the rate is learnt over */

void xn_ecat_sim_dc_init(xn_sim_esc *e) {
    xn_sim_dc *c = &e->dc;
    int64_t fwd = c->fwd, loop = c->loop; /* the segment's layout survives a power cycle */
    memset(c, 0, sizeof *c);
    c->fwd = fwd;
    c->loop = loop;
    c->drift = e->cfg.dc_drift_ppm * 1e-6;
    c->local_ref = (double)e->cfg.dc_local0_ns;
    c->t_ref = -1; /* set at the first frame: the clock starts with the segment */
}

/* the part of the correction the loop has made tau ns after the last rebase (signed) */
static double corrected(const xn_sim_dc *c, double tau) {
    return copysign(fmin(fabs(c->correct), XN_SIM_DC_SLEW * fmax(tau, 0)), c->correct);
}

/* local time at true time t: the rate, and the part of the correction done by then */
double xn_ecat_sim_dc_local(const xn_sim_esc *e, int64_t t) {
    const xn_sim_dc *c = &e->dc;
    if (c->t_ref < 0) return c->local_ref;
    double tau = (double)(t - c->t_ref);
    return c->local_ref + tau * (1 + c->drift + c->freq) + corrected(c, tau);
}

int64_t xn_ecat_sim_dc_system(const xn_sim_esc *e, int64_t t) {
    return (int64_t)floor(xn_ecat_sim_dc_local(e, t)) +
           (int64_t)xn_ecat_get64(e->reg + XN_ESC_DC_OFFSET);
}

/* a 100 MHz clock's reading: whole tens of ns */
static uint64_t tick(double local) { return (uint64_t)(floor(local / 10.0) * 10.0); }

/* the clock carried to the slave's now (set, with t_ref, before any frame is processed):
 * later changes of rate start from here */
static void rebase(xn_sim_esc *e) {
    xn_sim_dc *c = &e->dc;
    c->local_ref = xn_ecat_sim_dc_local(e, c->now);
    c->correct -= corrected(c, (double)(c->now - c->t_ref));
    c->t_ref = c->now;
}

static int overlaps(uint32_t ado, uint32_t len, uint32_t reg, uint32_t n) {
    return ado < reg + n && ado + len > reg;
}

void xn_ecat_sim_dc_refresh(xn_sim_esc *e, uint32_t ado, uint32_t len) {
    if (overlaps(ado, len, XN_ESC_DC_SYSTEM_TIME, 8))
        xn_ecat_put64(e->reg + XN_ESC_DC_SYSTEM_TIME,
                      (uint64_t)xn_ecat_sim_dc_system(e, e->dc.now));
    if (overlaps(ado, len, XN_ESC_DC_START, 8) && e->dc.sync_active)
        xn_ecat_put64(e->reg + XN_ESC_DC_START, (uint64_t)e->dc.next_sync0);
}

/* the comparison of a written system time v (64 bits, or the low 32 when only 4 were written)
 * with the slave's own, and the time control loop's step */
static void compare(xn_sim_esc *e, uint64_t v, int bits32) {
    xn_sim_dc *c = &e->dc;
    rebase(e);
    /* its own time as its 100 MHz clock has it: to 10 ns */
    uint64_t own = tick(xn_ecat_sim_dc_local(e, c->now)) + xn_ecat_get64(e->reg + XN_ESC_DC_OFFSET);
    uint64_t want = v + xn_ecat_get32(e->reg + XN_ESC_DC_DELAY);
    int64_t diff = bits32 ? (int64_t)(int32_t)(uint32_t)(own - want) : (int64_t)(own - want);
    uint64_t mag = (uint64_t)(diff < 0 ? -diff : diff);
    xn_ecat_put32(e->reg + XN_ESC_DC_DIFF,
                  (uint32_t)(mag > 0x7FFFFFFF ? 0x7FFFFFFF : mag) | (diff < 0 ? 0x80000000u : 0));
    c->correct = -LOOP_KP * (double)diff;
    /* the rate, learnt over FREQ_WINDOW_NS at least: over shorter spans the 10 ns steps of the
     * comparison would read as large rate errors */
    double prev = c->last_compare, dt = c->local_ref - prev; /* local ns since the last one */
    if (prev > 0 && dt < FREQ_WINDOW_NS) return;
    c->last_compare = c->local_ref;
    if (prev > 0 && dt < 1e9) {
        c->freq -= LOOP_KI * (double)diff / dt;
        c->freq = fmax(-XN_SIM_DC_FREQ_MAX, fmin(XN_SIM_DC_FREQ_MAX, c->freq));
    }
}

void xn_ecat_sim_dc_write(xn_sim_esc *e, uint32_t ado, const uint8_t *data, uint32_t len) {
    xn_sim_dc *c = &e->dc;
    if (overlaps(ado, len, XN_ESC_DC_RECEIVE(0), 4)) { /* latch the arrival on every port */
        double at = xn_ecat_sim_dc_local(e, c->now);
        memset(e->reg + XN_ESC_DC_RECEIVE(0), 0, 16);
        xn_ecat_put32(e->reg + XN_ESC_DC_RECEIVE(0), (uint32_t)tick(at));
        if (c->loop > 0) /* the frame comes back from downstream on port 1 */
            xn_ecat_put32(e->reg + XN_ESC_DC_RECEIVE(1),
                          (uint32_t)tick(xn_ecat_sim_dc_local(e, c->now + c->loop)));
        xn_ecat_put64(e->reg + XN_ESC_DC_RECEIVE_EPU, tick(at));
    }
    if (overlaps(ado, len, XN_ESC_DC_SYSTEM_TIME, 8) && ado >= XN_ESC_DC_SYSTEM_TIME) {
        uint32_t at = ado - XN_ESC_DC_SYSTEM_TIME;
        if (at == 0 && len >= 8)
            compare(e, xn_ecat_get64(data), 0);
        else if (at == 0 && len >= 4)
            compare(e, xn_ecat_get32(data), 1);
    }
    if (overlaps(ado, len, XN_ESC_DC_SPEED_START, 2)) { /* the loop starts over */
        rebase(e);
        c->freq = 0;
        c->correct = 0;
        c->last_compare = 0;
    }
    if (overlaps(ado, len, XN_ESC_DC_ACTIVATION, 1)) {
        uint8_t a = e->reg[XN_ESC_DC_ACTIVATION];
        int64_t start = (int64_t)xn_ecat_get64(e->reg + XN_ESC_DC_START);
        c->sync_active = (a & 0x03) == 0x03 && xn_ecat_get32(e->reg + XN_ESC_DC_CYCLE0) > 0 &&
                         start > xn_ecat_sim_dc_system(e, c->now);
        c->next_sync0 = start;
        c->sync_running = 0;
        c->pending = 0;
        c->sync_errors = 0;
        e->reg[XN_ESC_DC_SYNC0_STATUS] = (uint8_t)c->sync_active;
    }
}

int64_t xn_ecat_sim_dc_cycle(const xn_sim_esc *e) {
    return (int64_t)xn_ecat_get32(e->reg + XN_ESC_DC_CYCLE0);
}

int xn_ecat_sim_dc_sync0_due(xn_sim_esc *e, int64_t *at) {
    xn_sim_dc *c = &e->dc;
    if (!c->sync_active) return 0;
    int64_t sys = xn_ecat_sim_dc_system(e, c->now);
    if (c->next_sync0 > sys) return 0;
    *at = c->now - (sys - c->next_sync0); /* at the clock's rate, within ns */
    c->sync_running = 1;
    c->next_sync0 += xn_ecat_sim_dc_cycle(e);
    return 1;
}

long xn_ecat_sim_dc_sync0_skip(xn_sim_esc *e) {
    xn_sim_dc *c = &e->dc;
    int64_t sys = xn_ecat_sim_dc_system(e, c->now), cycle = xn_ecat_sim_dc_cycle(e);
    if (!c->sync_active || c->next_sync0 > sys || cycle <= 0) return 0;
    long k = (long)((sys - c->next_sync0) / cycle) + 1;
    c->next_sync0 += k * cycle;
    c->pending = 0;
    return k;
}
