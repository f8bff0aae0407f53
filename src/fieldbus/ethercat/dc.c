/* Distributed clocks from the master's side (ethercat.h): propagation delays from the receive
 * time latches of a line, offsets that put every slave's system time on the master's clock,
 * drift compensation by comparisons with the reference clock, SYNC0 on one grid, and in every
 * process data frame the reference's time carried to the others (FRMW) and one slave's
 * difference read back.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/master_internal.h"
#include "model/error_internal.h"

#define LATCHES 8               /* delay measurements averaged */
#define SETTLED_NS 100          /* a difference that counts as in step */
#define COMPARE_BURST 500       /* comparisons between two looks at the differences */
#define COMPARE_MAX 20000       /* comparisons before giving up */
#define SYNC0_AHEAD_NS 20000000 /* the first SYNC0 at least this far ahead of the setting */
#define REJOIN_COMPARES 100     /* a returning clock's first comparisons; frames go on after */

/* the difference register's value as signed ns (bit 31: the slave is behind) */
static int64_t diff_ns(uint32_t v) {
    int64_t mag = (int64_t)(v & 0x7FFFFFFFu);
    return v & 0x80000000u ? -mag : mag;
}

static xn_status read64(xn_ecat_master *m, int i, uint16_t reg, uint64_t *v, xn_error *err) {
    uint8_t b[8];
    xn_status st = xn_ecat_read(m, i, reg, b, 8, err);
    *v = xn_ecat_get64(b);
    return st;
}

static xn_status write64(xn_ecat_master *m, int i, uint16_t reg, uint64_t v, xn_error *err) {
    uint8_t b[8];
    xn_ecat_put64(b, v);
    return xn_ecat_write(m, i, reg, b, 8, err);
}

/* every slave latches when this frame passes its ports (all must, or only some: a slave being
 * brought back while another is still away) */
static xn_status latch(xn_ecat_master *m, int all, xn_error *err) {
    uint8_t b[4] = {0};
    uint16_t wkc = 0;
    xn_status st = xn_ecat_exchange(m, XN_ECAT_BWR, xn_ecat_address(0, XN_ESC_DC_RECEIVE(0)), b, 4,
                                    &wkc, "xn_ecat_dc_measure", err);
    if (st == XN_OK && all && wkc != m->nslave)
        return xn_fail(err, XN_ERR_IO, "xn_ecat_dc_measure",
                       "%u of %d slaves latched their receive times", wkc, m->nslave);
    return st;
}

/* the segment as a line of clocks: each slave has one, port 0 toward the master, port 1 open
 * exactly when a slave follows (DL status 0x0110: bit 4 + p link on port p, bit 9 + 2p
 * communication on it) */
static xn_status check_line(xn_ecat_master *m, xn_error *err) {
    static const char *const fn = "xn_ecat_dc_measure";
    for (int i = 0; i < m->nslave; i++) {
        if (!m->slave[i].has_dc)
            return xn_fail_at(err, XN_ERR_UNSUPPORTED, fn, i,
                              "slave %d (station 0x%04X) has no distributed clock", i,
                              m->slave[i].station);
        uint8_t b[2];
        xn_status st = xn_ecat_read(m, i, XN_ESC_DL_STATUS, b, 2, err);
        if (st != XN_OK) return st;
        uint16_t dl = xn_ecat_get16(b);
        int open1 = (dl & 0x0800) != 0, open23 = (dl & (0x2000 | 0x8000)) != 0;
        if (open23 || open1 != (i + 1 < m->nslave))
            return xn_fail_at(err, XN_ERR_UNSUPPORTED, fn, i,
                              "slave %d (station 0x%04X): ports open 0x%04X (DL status): only a "
                              "line (port 1 to the next slave, ports 2 and 3 closed) is supported",
                              i, m->slave[i].station, dl);
    }
    return XN_OK;
}

xn_status xn_ecat_dc_measure(xn_ecat_master *m, xn_error *err) {
    if (m->nslave == 0)
        return xn_fail(err, XN_ERR_INVALID, "xn_ecat_dc_measure", "no slaves: scan first");
    xn_status st = check_line(m, err);
    if (st != XN_OK) return st;
    int64_t sum[XN_ECAT_MAX_SLAVES] = {0};
    for (int k = 0; k < LATCHES; k++) {
        if ((st = latch(m, 1, err)) != XN_OK) return st;
        /* each slave's time beyond it: from port 0 to port 1 (none for the last), wrapped */
        int64_t beyond[XN_ECAT_MAX_SLAVES + 1] = {0};
        for (int i = 0; i < m->nslave; i++) {
            uint8_t b[8];
            if ((st = xn_ecat_read(m, i, XN_ESC_DC_RECEIVE(0), b, 8, err)) != XN_OK) return st;
            if (i + 1 < m->nslave)
                beyond[i] = (int64_t)(uint32_t)(xn_ecat_get32(b + 4) - xn_ecat_get32(b));
        }
        /* slave i is half the difference further than slave i-1: the way there and back */
        for (int i = 1; i < m->nslave; i++) sum[i] += beyond[i - 1] - beyond[i];
    }
    int64_t delay = 0;
    m->slave[0].dc_delay_ns = 0;
    for (int i = 1; i < m->nslave; i++) {
        delay += (sum[i] + LATCHES) / (2 * LATCHES);
        m->slave[i].dc_delay_ns = delay;
    }
    return XN_OK;
}

/* every slave's offset, so that its system time reads the master's clock as the reference's
 * does, its delay, its time control loop started over */
static xn_status set_offsets(xn_ecat_master *m, xn_error *err) {
    xn_status st = latch(m, 1, err);
    int64_t host = xn_ecat_now_ns(); /* the reference's system time at the latch, as set here */
    for (int i = 0; i < m->nslave && st == XN_OK; i++) {
        uint64_t local = 0;
        uint8_t delay[4], reset[2] = {0x00, 0x10};
        xn_ecat_put32(delay, (uint32_t)m->slave[i].dc_delay_ns);
        if ((st = read64(m, i, XN_ESC_DC_RECEIVE_EPU, &local, err)) != XN_OK) break;
        uint64_t offset = (uint64_t)(host + m->slave[i].dc_delay_ns) - local;
        if ((st = write64(m, i, XN_ESC_DC_OFFSET, offset, err)) == XN_OK &&
            (st = xn_ecat_write(m, i, XN_ESC_DC_DELAY, delay, 4, err)) == XN_OK)
            st = xn_ecat_write(m, i, XN_ESC_DC_SPEED_START, reset, 2, err);
    }
    return st;
}

/* one comparison: the reference's time read and written to every other slave */
static xn_status compare(xn_ecat_master *m, xn_error *err) {
    uint8_t b[8] = {0};
    uint16_t wkc = 0;
    return xn_ecat_exchange(m, XN_ECAT_FRMW,
                            xn_ecat_address(m->slave[0].station, XN_ESC_DC_SYSTEM_TIME), b, 8, &wkc,
                            "xn_ecat_dc_start", err);
}

/* the largest |difference| the slaves report now, and which slave */
static xn_status worst_diff(xn_ecat_master *m, int64_t *worst, int *who, xn_error *err) {
    *worst = 0;
    *who = 0;
    for (int i = 1; i < m->nslave; i++) {
        uint8_t b[4];
        xn_status st = xn_ecat_read(m, i, XN_ESC_DC_DIFF, b, 4, err);
        if (st != XN_OK) return st;
        int64_t d = diff_ns(xn_ecat_get32(b));
        m->dc.diff_ns[i] = d;
        if ((d < 0 ? -d : d) > *worst) *worst = d < 0 ? -d : d, *who = i;
    }
    return XN_OK;
}

/* the first instant of the grid (system time shift after a whole number of cycles) at least
 * SYNC0_AHEAD_NS after the reference clock's now */
static xn_status next_on_grid(xn_ecat_master *m, int64_t *start, xn_error *err) {
    uint64_t now = 0;
    xn_status st = read64(m, 0, XN_ESC_DC_SYSTEM_TIME, &now, err);
    int64_t c = m->dc.cycle_ns, first = (int64_t)now + SYNC0_AHEAD_NS;
    *start = (first / c + 1) * c + m->dc.shift_ns;
    return st;
}

/* SYNC0 of slave i every cycle from start (system time) */
static xn_status sync0_on(xn_ecat_master *m, int i, int64_t start, xn_error *err) {
    uint8_t off = 0, on = 0x03, cycle[4];
    xn_ecat_put32(cycle, (uint32_t)m->dc.cycle_ns);
    xn_status st;
    if ((st = xn_ecat_write(m, i, XN_ESC_DC_ACTIVATION, &off, 1, err)) == XN_OK &&
        (st = xn_ecat_write(m, i, XN_ESC_DC_CYCLE0, cycle, 4, err)) == XN_OK &&
        (st = write64(m, i, XN_ESC_DC_START, (uint64_t)start, err)) == XN_OK)
        st = xn_ecat_write(m, i, XN_ESC_DC_ACTIVATION, &on, 1, err);
    return st;
}

xn_status xn_ecat_dc_start(xn_ecat_master *m, int64_t cycle_ns, int64_t shift_ns, xn_error *err) {
    static const char *const fn = "xn_ecat_dc_start";
    if (!(cycle_ns > 0 && cycle_ns <= 0x7FFFFFFF) || shift_ns < 0 || shift_ns >= cycle_ns)
        return xn_fail(err, XN_ERR_RANGE, fn,
                       "cycle %lld ns and shift %lld ns (a cycle of 1 ns to 2.1 s, a shift "
                       "within it)",
                       (long long)cycle_ns, (long long)shift_ns);
    memset(&m->dc, 0, sizeof m->dc);
    xn_status st = xn_ecat_dc_measure(m, err);
    if (st == XN_OK) st = set_offsets(m, err);
    int64_t worst = 0;
    int who = 0, settled = 0, sent = 0;
    while (st == XN_OK && settled < 2) {
        if (sent >= COMPARE_MAX)
            return xn_fail_at(err, XN_ERR_TIMEOUT, fn, who,
                              "slave %d's clock is still %lld ns from the reference after %d "
                              "comparisons",
                              who, (long long)worst, sent);
        for (int k = 0; k < COMPARE_BURST && st == XN_OK; k++, sent++) st = compare(m, err);
        if (st == XN_OK) st = worst_diff(m, &worst, &who, err);
        settled = worst < SETTLED_NS ? settled + 1 : 0;
    }
    m->dc.cycle_ns = cycle_ns;
    m->dc.shift_ns = shift_ns;
    if (st == XN_OK) st = next_on_grid(m, &m->dc.sync0_start_ns, err);
    for (int i = 0; i < m->nslave && st == XN_OK; i++)
        st = sync0_on(m, i, m->dc.sync0_start_ns, err);
    if (st != XN_OK) return st;
    m->dc.active = 1;
    m->dc.diff_max_ns = 0; /* from the first process data frame on */
    m->keep_ns = cycle_ns; /* drives on SYNC0 need a frame every cycle, acyclic work or not */
    m->dc_locked = 0;
    m->dc_integral = 0;
    m->dc_lock_frame = 0;
    m->dc_next = m->nslave > 1 ? 1 : 0;
    m->dc.diff_slave = -1;
    return XN_OK;
}

void xn_ecat_dc_get(const xn_ecat_master *m, xn_ecat_dc_status *out) { *out = m->dc; }

void xn_ecat_dc_frame(xn_ecat_master *m, xn_ecat_frame *f, uint8_t idx) {
    xn_ecat_frame_add(f, XN_ECAT_FRMW, idx,
                      xn_ecat_address(m->slave[0].station, XN_ESC_DC_SYSTEM_TIME), NULL, 8);
    xn_ecat_frame_add(f, XN_ECAT_FPRD, idx,
                      xn_ecat_address(m->slave[m->dc_next].station, XN_ESC_DC_DIFF), NULL, 4);
}

void xn_ecat_dc_answer(xn_ecat_master *m, const xn_ecat_datagram *dg) {
    xn_ecat_dc_status *d = &m->dc;
    if (dg[0].cmd == XN_ECAT_FRMW && dg[0].len == 8 && dg[0].wkc >= 1) {
        d->reference_ns = (int64_t)xn_ecat_get64(dg[0].data);
        int64_t p = d->reference_ns % d->cycle_ns;
        if (p < 0) p += d->cycle_ns;
        d->phase_ns = p >= d->cycle_ns / 2 ? p - d->cycle_ns : p;
    }
    d->diff_slave = -1;
    if (dg[1].cmd == XN_ECAT_FPRD && dg[1].len == 4 && dg[1].wkc == 1) {
        int64_t v = diff_ns(xn_ecat_get32(dg[1].data)), mag = v < 0 ? -v : v;
        d->diff_ns[m->dc_next] = v;
        d->diff_slave = m->dc_next;
        if (mag > d->diff_max_ns) d->diff_max_ns = mag;
    }
    d->frames++;
    m->dc_next = m->dc_next + 1 < m->nslave ? m->dc_next + 1 : (m->nslave > 1 ? 1 : 0);
}

xn_status xn_ecat_dc_rejoin(xn_ecat_master *m, int i, xn_error *err) {
    if (!m->dc.active || i == 0) /* the reference itself: its time is the grid's; not rejoined */
        return m->dc.active ? xn_fail_at(err, XN_ERR_UNSUPPORTED, "xn_ecat_recover", i,
                                         "the reference clock (slave 0) lost its time: start "
                                         "the segment again")
                            : XN_OK;
    xn_status st = latch(m, 0, err);
    uint64_t ref_local = 0, ref_offset = 0, local = 0;
    uint8_t delay[4], reset[2] = {0x00, 0x10};
    if (st == XN_OK) st = read64(m, 0, XN_ESC_DC_RECEIVE_EPU, &ref_local, err);
    if (st == XN_OK) st = read64(m, 0, XN_ESC_DC_OFFSET, &ref_offset, err);
    if (st == XN_OK) st = read64(m, i, XN_ESC_DC_RECEIVE_EPU, &local, err);
    if (st != XN_OK) return st;
    /* when the latch passed the reference its system time was ref_local + ref_offset */
    uint64_t offset = ref_local + ref_offset + (uint64_t)m->slave[i].dc_delay_ns - local;
    xn_ecat_put32(delay, (uint32_t)m->slave[i].dc_delay_ns);
    if ((st = write64(m, i, XN_ESC_DC_OFFSET, offset, err)) == XN_OK &&
        (st = xn_ecat_write(m, i, XN_ESC_DC_DELAY, delay, 4, err)) == XN_OK &&
        (st = xn_ecat_write(m, i, XN_ESC_DC_SPEED_START, reset, 2, err)) == XN_OK)
        for (int k = 0; k < REJOIN_COMPARES && st == XN_OK; k++) st = compare(m, err);
    int64_t start = 0;
    if (st == XN_OK) st = next_on_grid(m, &start, err);
    return st == XN_OK ? sync0_on(m, i, start, err) : st;
}

/* The lock's gains: with a phase error e (ns) after a cycle, the next cycle moves by
 * -(KP e + KI sum e). Their closed loop has poles at |z| = sqrt(1 - KP) = 0.95: a host clock
 * off by r ppm settles within about 100 cycles with no phase left, the integral carrying r ns a
 * microsecond of cycle. */
#define LOCK_KP 0.1
#define LOCK_KI 0.005

int64_t xn_ecat_dc_lock(xn_ecat_master *m) {
    xn_ecat_dc_status *d = &m->dc;
    if (!d->active || d->frames == m->dc_lock_frame) return 0; /* no new frame: nothing known */
    m->dc_lock_frame = d->frames;
    double e = (double)d->phase_ns, bound = 0.1 * (double)d->cycle_ns;
    if (!m->dc_locked) { /* the first time: straight onto the phase */
        m->dc_locked = 1;
        return -d->phase_ns;
    }
    m->dc_integral += e;
    double c = -(LOCK_KP * e + LOCK_KI * m->dc_integral);
    if (c > bound || c < -bound) { /* held at the bound: the integral stops growing */
        m->dc_integral -= e;
        c = c > bound ? bound : -bound;
    }
    return (int64_t)c;
}

void xn_ecat_dc_relock(xn_ecat_master *m) { m->dc_locked = 0; }
