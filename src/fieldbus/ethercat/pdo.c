/* Process data: each slave's PDO mapping (written or read by SDO in PRE-OP), the process image
 * laid out over the whole segment, the sync managers and FMMUs that connect each slave's
 * physical buffers to it, and the cyclic exchange: one LRW datagram that carries every slave's
 * outputs and brings back every slave's inputs, checked by its working counter.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>
#include <time.h>

#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/master_internal.h"
#include "model/error_internal.h"

static xn_status slave_ok(const xn_ecat_master *m, int i, const char *fn, xn_error *err) {
    if (i < 0 || i >= m->nslave)
        return xn_fail(err, XN_ERR_RANGE, fn, "slave %d (the scan found %d)", i, m->nslave);
    return XN_OK;
}

/* one direction's mapping (assign 0x1C12 / 0x1C13, PDO 0x1600 / 0x1A00) written */
static xn_status write_side(xn_ecat_master *m, int i, uint16_t assign, uint16_t pdo,
                            const xn_ecat_pdo_entry *e, int n, xn_error *err) {
    uint8_t zero = 0, count = (uint8_t)n;
    xn_status st = xn_ecat_sdo_write(m, i, assign, 0, &zero, 1, err);
    if (st == XN_OK) st = xn_ecat_sdo_write(m, i, pdo, 0, &zero, 1, err);
    for (int k = 0; k < n && st == XN_OK; k++) {
        uint8_t v[4];
        xn_ecat_put32(v, (uint32_t)e[k].index << 16 | (uint32_t)e[k].sub << 8 | e[k].bits);
        st = xn_ecat_sdo_write(m, i, pdo, (uint8_t)(k + 1), v, 4, err);
    }
    if (st == XN_OK) st = xn_ecat_sdo_write(m, i, pdo, 0, &count, 1, err);
    uint8_t p[2], one = 1;
    xn_ecat_put16(p, pdo);
    if (st == XN_OK && n) st = xn_ecat_sdo_write(m, i, assign, 1, p, 2, err);
    if (st == XN_OK && n) st = xn_ecat_sdo_write(m, i, assign, 0, &one, 1, err);
    return st;
}

/* one direction's mapping read: every PDO assigned, every entry of each */
static xn_status read_side(xn_ecat_master *m, int i, uint16_t assign, xn_ecat_pdo_entry *e, int *n,
                           xn_error *err) {
    static const char *const fn = "xn_ecat_pdo_configure";
    uint8_t count = 0, nent = 0, b[4];
    size_t len;
    *n = 0;
    xn_status st = xn_ecat_sdo_read(m, i, assign, 0, &count, 1, &len, err);
    for (int a = 1; a <= count && st == XN_OK; a++) {
        if ((st = xn_ecat_sdo_read(m, i, assign, (uint8_t)a, b, 2, &len, err)) != XN_OK) break;
        uint16_t pdo = xn_ecat_get16(b);
        if ((st = xn_ecat_sdo_read(m, i, pdo, 0, &nent, 1, &len, err)) != XN_OK) break;
        for (int k = 1; k <= nent && st == XN_OK; k++) {
            if ((st = xn_ecat_sdo_read(m, i, pdo, (uint8_t)k, b, 4, &len, err)) != XN_OK) break;
            if (*n == XN_ECAT_PDO_ENTRIES)
                return xn_fail_at(err, XN_ERR_SIZE, fn, i, "slave %d maps more than %d entries", i,
                                  XN_ECAT_PDO_ENTRIES);
            uint32_t v = xn_ecat_get32(b);
            e[*n] = (xn_ecat_pdo_entry){(uint16_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
            if (e[*n].bits == 0 || e[*n].bits % 8)
                return xn_fail_at(err, XN_ERR_UNSUPPORTED, fn, i,
                                  "slave %d maps 0x%04X:%02X with %u bits (whole bytes only)", i,
                                  e[*n].index, e[*n].sub, e[*n].bits);
            (*n)++;
        }
    }
    return st;
}

static uint16_t side_bytes(const xn_ecat_pdo_entry *e, int n) {
    int bits = 0;
    for (int k = 0; k < n; k++) bits += e[k].bits;
    return (uint16_t)(bits / 8);
}

xn_status xn_ecat_pdo_configure(xn_ecat_master *m, int i, const xn_ecat_pdo_map *map,
                                xn_error *err) {
    static const char *const fn = "xn_ecat_pdo_configure";
    xn_status st = slave_ok(m, i, fn, err);
    if (st != XN_OK) return st;
    if ((m->slave[i].al_state & 0x0F) != XN_ECAT_PREOP)
        return xn_fail_at(err, XN_ERR_INVALID, fn, i,
                          "slave %d is in %s: the mapping is set in "
                          "PRE-OP",
                          i, xn_ecat_state_str(m->slave[i].al_state));
    xn_ecat_pd_slave *p = &m->pd[i];
    if (map) {
        if (map->nout < 0 || map->nout > XN_ECAT_PDO_ENTRIES || map->nin < 0 ||
            map->nin > XN_ECAT_PDO_ENTRIES)
            return xn_fail_at(err, XN_ERR_SIZE, fn, i, "%d and %d entries (at most %d each)",
                              map->nout, map->nin, XN_ECAT_PDO_ENTRIES);
        for (int k = 0; k < map->nout + map->nin; k++) { /* checked whole before any write */
            const xn_ecat_pdo_entry *e = k < map->nout ? &map->out[k] : &map->in[k - map->nout];
            if (e->bits == 0 || e->bits % 8)
                return xn_fail_at(err, XN_ERR_UNSUPPORTED, fn, i,
                                  "slave %d: entry 0x%04X:%02X of %u bits (whole bytes only)", i,
                                  e->index, e->sub, e->bits);
        }
        if ((st = write_side(m, i, 0x1C12, 0x1600, map->out, map->nout, err)) != XN_OK ||
            (st = write_side(m, i, 0x1C13, 0x1A00, map->in, map->nin, err)) != XN_OK)
            return st;
    }
    /* what the drive has now, read back: the configuration it took, or its own */
    xn_ecat_pdo_map got;
    memset(&got, 0, sizeof got);
    if ((st = read_side(m, i, 0x1C12, got.out, &got.nout, err)) != XN_OK ||
        (st = read_side(m, i, 0x1C13, got.in, &got.nin, err)) != XN_OK)
        return st;
    if (map && (got.nout != map->nout || got.nin != map->nin ||
                memcmp(got.out, map->out, sizeof got.out[0] * (size_t)map->nout) != 0 ||
                memcmp(got.in, map->in, sizeof got.in[0] * (size_t)map->nin) != 0))
        return xn_fail_at(err, XN_ERR_IO, fn, i,
                          "slave %d reads back another mapping than was "
                          "written",
                          i);
    p->map = got;
    p->out_bytes = side_bytes(got.out, got.nout);
    p->in_bytes = side_bytes(got.in, got.nin);
    p->configured = 1;
    return XN_OK;
}

xn_status xn_ecat_pdo_get(const xn_ecat_master *m, int i, xn_ecat_pdo_map *out) {
    xn_status st = slave_ok(m, i, "xn_ecat_pdo_get", NULL);
    if (st != XN_OK || !m->pd[i].configured) return st != XN_OK ? st : XN_ERR_INVALID;
    *out = m->pd[i].map;
    return XN_OK;
}

/* the sync managers' settings from the EEPROM's defaults, the lengths from the mapping */
xn_status xn_ecat_pd_sync(xn_ecat_master *m, int i, xn_error *err) {
    const xn_ecat_slave *s = &m->slave[i];
    const xn_ecat_pd_slave *p = &m->pd[i];
    for (int k = 2; k < 4; k++) {
        uint8_t r[8] = {0};
        uint16_t len = k == 2 ? p->out_bytes : p->in_bytes;
        uint16_t start = k < s->nsm ? s->sm[k].start : (uint16_t)(k == 2 ? 0x1100 : 0x1180);
        uint8_t ctl = k < s->nsm ? s->sm[k].control
                                 : (uint8_t)(k == 2 ? XN_SM_CTRL_OUTPUTS : XN_SM_CTRL_INPUTS);
        xn_ecat_put16(r, start);
        xn_ecat_put16(r + 2, len);
        r[4] = ctl;
        r[6] = len ? 1 : 0;
        xn_status st = xn_ecat_write(m, i, (uint16_t)XN_ESC_SM(k), r, 8, err);
        if (st != XN_OK) return st;
        uint8_t f[16] = {0}; /* FMMU 0 outputs (write), 1 inputs (read) */
        xn_ecat_put32(f, XN_ECAT_LOGICAL_BASE + (k == 2 ? p->out_at : p->in_at));
        xn_ecat_put16(f + 4, len);
        f[6] = 0;
        f[7] = 7;
        xn_ecat_put16(f + 8, start);
        f[10] = 0;
        f[11] = k == 2 ? 2 : 1;
        f[12] = len ? 1 : 0;
        if ((st = xn_ecat_write(m, i, (uint16_t)XN_ESC_FMMU(k - 2), f, 16, err)) != XN_OK)
            return st;
    }
    return XN_OK;
}

/* 1 when [a, a + n) and [b, b + m) share a byte */
static int overlap(uint32_t a, uint32_t n, uint32_t b, uint32_t m) {
    return n && m && a < b + m && b < a + n;
}

/* The longest part of the image from `at`, at most cap bytes, that ends where a slave's area
 * does: a sync manager takes its buffer only when one datagram writes it whole. 0: none fits. */
static uint32_t cut(const xn_ecat_master *m, uint32_t at, uint32_t cap) {
    uint32_t best = 0;
    for (int i = 0; i < m->nslave; i++) {
        const xn_ecat_pd_slave *p = &m->pd[i];
        uint32_t ends[2] = {p->out_at + p->out_bytes, p->in_at + p->in_bytes};
        for (int k = 0; k < 2; k++)
            if (ends[k] > at && ends[k] - at <= cap && ends[k] - at > best) best = ends[k] - at;
    }
    return best;
}

/* The cycle's frames: the first carries an AL status read (10 + 2 + 2 bytes) of every slave and
 * room for the clocks' datagrams beside its part of the image, the others a datagram's worth
 * each; every frame's working counter expected from the slaves whose areas its part touches. */
static xn_status lay_out_frames(xn_ecat_master *m, uint32_t bytes, const char *fn, xn_error *err) {
    uint32_t first = XN_ECAT_DATA_MAX - 14u * (uint32_t)m->nslave - XN_ECAT_DC_FRAME_BYTES;
    uint32_t room = first + (XN_ECAT_PD_FRAMES - 1) * (uint32_t)XN_ECAT_DATA_MAX;
    if (bytes > room || bytes > XN_ECAT_IMAGE_MAX)
        return xn_fail(err, XN_ERR_SIZE, fn,
                       "%u bytes of process data (at most %u in %d frames beside %d AL status "
                       "reads and the clocks')",
                       bytes, room, XN_ECAT_PD_FRAMES, m->nslave);
    m->pd_nframe = 0;
    m->expected_wkc = 0;
    uint32_t at = 0;
    do {
        uint32_t cap = m->pd_nframe == 0 ? first : (uint32_t)XN_ECAT_DATA_MAX;
        uint32_t len = bytes - at <= cap ? bytes - at : cut(m, at, cap);
        if ((len == 0 && bytes > 0) || m->pd_nframe == XN_ECAT_PD_FRAMES)
            return xn_fail(err, XN_ERR_SIZE, fn,
                           "%u bytes of process data do not go into %d frames without cutting a "
                           "slave's area",
                           bytes, XN_ECAT_PD_FRAMES);
        xn_ecat_pd_frame *f = &m->pd_frame[m->pd_nframe];
        f->at = at;
        f->len = len;
        f->ndatagram = 1 + (m->pd_nframe == 0 ? m->nslave : 0);
        f->expected_wkc = 0;
        for (int i = 0; i < m->nslave; i++) {
            const xn_ecat_pd_slave *p = &m->pd[i];
            f->expected_wkc += (overlap(f->at, f->len, p->out_at, p->out_bytes) ? 2 : 0) +
                               (overlap(f->at, f->len, p->in_at, p->in_bytes) ? 1 : 0);
        }
        m->expected_wkc += f->expected_wkc;
        at += f->len;
        m->pd_nframe++;
    } while (at < bytes);
    return XN_OK;
}

xn_status xn_ecat_pd_start(xn_ecat_master *m, xn_error *err) {
    static const char *const fn = "xn_ecat_pd_start";
    if (m->nslave == 0) return xn_fail(err, XN_ERR_INVALID, fn, "no slaves: scan first");
    xn_status st = XN_OK;
    for (int i = 0; i < m->nslave && st == XN_OK; i++) {
        if (m->pd[i].configured) continue;
        if ((m->slave[i].al_state & 0x0F) != XN_ECAT_PREOP)
            st = xn_ecat_set_state(m, i, XN_ECAT_PREOP, 2.0, err);
        if (st == XN_OK) st = xn_ecat_pdo_configure(m, i, NULL, err);
    }
    if (st != XN_OK) return st;
    uint32_t out = 0, in = 0;
    for (int i = 0; i < m->nslave; i++) out += m->pd[i].out_bytes, in += m->pd[i].in_bytes;
    uint32_t at_out = 0, at_in = out;
    for (int i = 0; i < m->nslave; i++) {
        xn_ecat_pd_slave *p = &m->pd[i];
        p->out_at = at_out;
        p->in_at = at_in;
        at_out += p->out_bytes;
        at_in += p->in_bytes;
    }
    if ((st = lay_out_frames(m, out + in, fn, err)) != XN_OK) return st;
    for (int i = 0; i < m->nslave; i++)
        if ((st = xn_ecat_pd_sync(m, i, err)) != XN_OK) return st;
    m->image_out = out;
    m->image_in = in;
    memset(m->image, 0, sizeof m->image);
    m->pd_ready = 1;
    if ((st = xn_ecat_set_state(m, -1, XN_ECAT_SAFEOP, 2.0, err)) != XN_OK) return st;
    /* process data flows before OP: a slave takes OP only with valid outputs */
    for (int k = 0; k < 10; k++) xn_ecat_pd_exchange(m, 10000000, NULL);
    st = xn_ecat_set_state(m, -1, XN_ECAT_OP, 2.0, err);
    m->pd_op = st == XN_OK;
    return st;
}

int xn_ecat_pd_slave_ok(const xn_ecat_master *m, int i, uint16_t *al) {
    if (i < 0 || i >= m->nslave) return 0;
    if (al) *al = m->pd_al[i];
    return m->pd_seen[i];
}

/* the first slave that did not answer, or left OP, named: for the exchange's error */
static xn_status name_missing(xn_ecat_master *m, uint16_t wkc, const char *fn, xn_error *err) {
    for (int i = 0; i < m->nslave; i++) {
        const xn_ecat_slave *s = &m->slave[i];
        if (!m->pd_seen[i])
            return xn_fail_at(err, XN_ERR_IO, fn, i,
                              "working counter %u of %d: slave %d (station 0x%04X) does not "
                              "answer (link down or powered off)",
                              wkc, m->expected_wkc, i, s->station);
        uint16_t al = m->pd_al[i];
        if (m->pd_op && ((al & 0x0F) != XN_ECAT_OP || (al & 0x10)))
            return xn_fail_at(err, XN_ERR_IO, fn, i,
                              "slave %d (station 0x%04X) left OP: it is "
                              "in %s%s",
                              i, s->station, xn_ecat_state_str(al),
                              al & 0x10 ? " with an error flagged" : "");
    }
    return wkc != m->expected_wkc
               ? xn_fail(err, XN_ERR_IO, fn, "working counter %u of %d", wkc, m->expected_wkc)
               : XN_OK;
}

int xn_ecat_pd_expected_wkc(const xn_ecat_master *m) { return m->expected_wkc; }

uint8_t *xn_ecat_pd_outputs(xn_ecat_master *m, int i, size_t *len) {
    if (i < 0 || i >= m->nslave || !m->pd_ready) return NULL;
    if (len) *len = m->pd[i].out_bytes;
    return m->image + m->pd[i].out_at;
}

const uint8_t *xn_ecat_pd_inputs(const xn_ecat_master *m, int i, size_t *len) {
    if (i < 0 || i >= m->nslave || !m->pd_ready) return NULL;
    if (len) *len = m->pd[i].in_bytes;
    return m->image + m->pd[i].in_at;
}

int xn_ecat_pd_offset(const xn_ecat_master *m, int i, int output, uint16_t index, uint8_t sub,
                      int *bytes) {
    if (i < 0 || i >= m->nslave || !m->pd[i].configured) return -1;
    const xn_ecat_pdo_map *p = &m->pd[i].map;
    const xn_ecat_pdo_entry *e = output ? p->out : p->in;
    int n = output ? p->nout : p->nin, at = 0;
    for (int k = 0; k < n; k++) {
        if (e[k].index == index && e[k].sub == sub) {
            if (bytes) *bytes = e[k].bits / 8;
            return at;
        }
        at += e[k].bits / 8;
    }
    return -1;
}

/* An answer that came back: the inputs in its part of the image (a slave that answered has
 * valid ones, whatever the counter), and with the first frame every slave's AL status and the
 * clocks' datagrams. */
static void take_answer(xn_ecat_master *m, const xn_ecat_pd_frame *f, int first) {
    uint32_t lo = f->at > m->image_out ? f->at : m->image_out, hi = f->at + f->len;
    if (hi > lo) memcpy(m->image + lo, m->dg[0].data + (lo - f->at), hi - lo);
    if (!first) return;
    for (int i = 0; i < m->nslave; i++) {
        const xn_ecat_datagram *d = &m->dg[1 + i];
        m->pd_seen[i] = d->cmd == XN_ECAT_FPRD && d->len == 2 && d->wkc == 1;
        m->pd_al[i] = m->pd_seen[i] ? xn_ecat_get16(d->data) : 0;
    }
    if (m->dc.active) xn_ecat_dc_answer(m, &m->dg[1 + m->nslave]);
}

xn_status xn_ecat_pd_exchange(xn_ecat_master *m, int64_t timeout_ns, xn_error *err) {
    static const char *const fn = "xn_ecat_pd_exchange";
    if (!m->pd_ready) return xn_fail(err, XN_ERR_INVALID, fn, "no process data: xn_ecat_pd_start");
    int ndc = m->dc.active ? XN_ECAT_DC_DATAGRAMS : 0;
    for (int k = 0; k < m->pd_nframe; k++) { /* every frame out before any answer is awaited */
        xn_ecat_pd_frame *f = &m->pd_frame[k];
        f->idx = (uint8_t)(0x80 | (m->pd_idx++ & 0x3F)); /* apart from the acyclic indices */
        f->answered = 0;
        xn_ecat_frame_begin(&f->tx, m->t->mac);
        xn_ecat_frame_add(&f->tx, XN_ECAT_LRW, f->idx, XN_ECAT_LOGICAL_BASE + f->at,
                          m->image + f->at, (uint16_t)f->len);
        if (k == 0) {
            for (int i = 0; i < m->nslave; i++) /* who is there, and in which state */
                xn_ecat_frame_add(&f->tx, XN_ECAT_FPRD, f->idx,
                                  xn_ecat_address(m->slave[i].station, XN_ESC_AL_STATUS), NULL, 2);
            if (ndc) xn_ecat_dc_frame(m, &f->tx, f->idx);
        }
        size_t n = xn_ecat_frame_end(&f->tx);
        if (m->t->send(m->t->self, f->tx.buf, n) != 0)
            return xn_fail(err, XN_ERR_IO, fn, "the network interface refused the frame");
        m->stats.frames_sent++;
    }
    m->pd_last_ns = xn_ecat_now_ns();
    int64_t deadline = m->pd_last_ns + timeout_ns;
    int pending = m->pd_nframe;
    uint16_t wkc = 0;
    while (pending) { /* the answers, in whatever order they come */
        int nd = xn_ecat_receive(m, deadline);
        if (nd <= 0) {
            m->stats.frames_lost += pending;
            return xn_fail(err, nd < 0 ? XN_ERR_IO : XN_ERR_TIMEOUT, fn,
                           "%d of %d process data frames did not come back within %.3g ms", pending,
                           m->pd_nframe, (double)timeout_ns * 1e-6);
        }
        int k = 0;
        while (k < m->pd_nframe &&
               (m->pd_frame[k].answered || m->dg[0].idx != m->pd_frame[k].idx ||
                m->dg[0].cmd != XN_ECAT_LRW || m->dg[0].len != m->pd_frame[k].len ||
                nd != m->pd_frame[k].ndatagram + (k == 0 ? ndc : 0)))
            k++;
        if (k == m->pd_nframe) { /* not one of this cycle's: late, or another's */
            m->stats.frames_stale++;
            continue;
        }
        m->stats.frames_received++;
        m->pd_frame[k].answered = 1;
        pending--;
        wkc = (uint16_t)(wkc + m->dg[0].wkc);
        take_answer(m, &m->pd_frame[k], k == 0);
    }
    return name_missing(m, wkc, fn, err);
}
