/* The EtherCAT master: frames out and answers back, matched by their index; the scan that finds
 * the slaves and addresses them; register access; the AL state machine from the master's side
 * (ethercat.h). A frame that comes back malformed, or answers a frame already given up, is
 * counted and ignored, never trusted.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/master_internal.h"
#include "model/error_internal.h"

xn_status xn_ecat_master_open(xn_ecat_transport *t, xn_ecat_master **out, xn_error *err) {
    *out = NULL;
    if (!t) return xn_fail(err, XN_ERR_INVALID, "xn_ecat_master_open", "no transport");
    xn_ecat_master *m = calloc(1, sizeof *m);
    if (!m) {
        t->close(t->self);
        return XN_ERR_NOMEM;
    }
    m->t = t;
    m->next_idx = 0x40;
    *out = m;
    return XN_OK;
}

void xn_ecat_master_close(xn_ecat_master *m) {
    if (!m) return;
    m->t->close(m->t->self);
    free(m);
}

void xn_ecat_get_stats(const xn_ecat_master *m, xn_ecat_stats *out) { *out = m->stats; }

int xn_ecat_slave_count(const xn_ecat_master *m) { return m->nslave; }

const xn_ecat_slave *xn_ecat_slave_get(const xn_ecat_master *m, int i) {
    return i >= 0 && i < m->nslave ? &m->slave[i] : NULL;
}

int xn_ecat_receive(xn_ecat_master *m, int64_t deadline) {
    for (;;) {
        int64_t left = deadline - xn_ecat_now_ns();
        if (left <= 0) return 0;
        long n = m->t->recv(m->t->self, m->rx, sizeof m->rx, left);
        if (n < 0) return -1;
        if (n == 0) return 0;
        int nd = 0;
        if (xn_ecat_parse(m->rx, (size_t)n, m->dg, XN_ECAT_MAX_DATAGRAMS, &nd, NULL) != XN_OK) {
            m->stats.frames_malformed++;
            continue;
        }
        return nd;
    }
}

/* The answer to the one-datagram frame with index idx and command cmd within the deadline: 1
 * with it parsed in m->dg, 0 on timeout, -1 on the transport's error. Anything else that arrives
 * (late answers, malformed frames) is counted and passed over. */
static int await(xn_ecat_master *m, uint8_t idx, uint8_t cmd, int64_t deadline) {
    for (;;) {
        int nd = xn_ecat_receive(m, deadline);
        if (nd <= 0) return nd;
        if (nd != 1 || m->dg[0].idx != idx || m->dg[0].cmd != cmd) {
            m->stats.frames_stale++;
            continue;
        }
        m->stats.frames_received++;
        return 1;
    }
}

xn_status xn_ecat_exchange(xn_ecat_master *m, xn_ecat_cmd cmd, uint32_t address, uint8_t *data,
                           uint16_t len, uint16_t *wkc, const char *what, xn_error *err) {
    if (m->keep_ns && m->pd_op && xn_ecat_now_ns() - m->pd_last_ns >= m->keep_ns)
        xn_ecat_pd_exchange(m, m->keep_ns, NULL); /* the cycle's frame first */
    for (int attempt = 0; attempt < XN_ECAT_TRIES; attempt++) {
        uint8_t idx = m->next_idx++;
        xn_ecat_frame_begin(&m->tx, m->t->mac);
        if (!xn_ecat_frame_add(&m->tx, cmd, idx, address, data, len))
            return xn_fail(err, XN_ERR_SIZE, what, "%u bytes do not fit one frame", len);
        size_t n = xn_ecat_frame_end(&m->tx);
        if (m->t->send(m->t->self, m->tx.buf, n) != 0)
            return xn_fail(err, XN_ERR_IO, what, "the network interface refused the frame");
        m->stats.frames_sent++;
        int r = await(m, idx, (uint8_t)cmd, xn_ecat_now_ns() + XN_ECAT_TIMEOUT_NS);
        if (r < 0) return xn_fail(err, XN_ERR_IO, what, "receiving from the network failed");
        if (r == 0) {
            m->stats.frames_lost++;
            continue;
        }
        if (m->dg[0].len != len) {
            m->stats.frames_malformed++;
            continue;
        }
        memcpy(data, m->dg[0].data, len);
        *wkc = m->dg[0].wkc;
        return XN_OK;
    }
    return xn_fail(err, XN_ERR_TIMEOUT, what,
                   "no answer to %d frames in a row (%d ms each): is the segment connected and "
                   "its link up?",
                   XN_ECAT_TRIES, XN_ECAT_TIMEOUT_NS / 1000000);
}

/* ---- registers ---- */

static xn_status slave_index(const xn_ecat_master *m, int i, const char *fn, xn_error *err) {
    if (i < 0 || i >= m->nslave)
        return xn_fail(err, XN_ERR_RANGE, fn, "slave %d (the scan found %d)", i, m->nslave);
    return XN_OK;
}

static xn_status fp_access(xn_ecat_master *m, int i, xn_ecat_cmd cmd, uint16_t reg, uint8_t *buf,
                           uint16_t len, const char *fn, xn_error *err) {
    xn_status st = slave_index(m, i, fn, err);
    if (st != XN_OK) return st;
    uint16_t wkc = 0;
    st = xn_ecat_exchange(m, cmd, xn_ecat_address(m->slave[i].station, reg), buf, len, &wkc, fn,
                          err);
    if (st != XN_OK) return st;
    if (wkc != 1) /* nobody did it: the slave is gone or lost its address */
        return xn_fail(err, XN_ERR_IO, fn,
                       "slave %d (station 0x%04X): working counter %u for register 0x%04X, not 1 "
                       "(the slave is gone, or does not have that register)",
                       i, m->slave[i].station, wkc, reg);
    return XN_OK;
}

xn_status xn_ecat_read(xn_ecat_master *m, int i, uint16_t reg, void *buf, uint16_t len,
                       xn_error *err) {
    memset(buf, 0, len);
    return fp_access(m, i, XN_ECAT_FPRD, reg, buf, len, "xn_ecat_read", err);
}

xn_status xn_ecat_write(xn_ecat_master *m, int i, uint16_t reg, const void *buf, uint16_t len,
                        xn_error *err) {
    uint8_t tmp[XN_ECAT_DATA_MAX];
    if (len > sizeof tmp)
        return xn_fail(err, XN_ERR_SIZE, "xn_ecat_write", "%u bytes (at most %zu)", len,
                       sizeof tmp);
    memcpy(tmp, buf, len);
    return fp_access(m, i, XN_ECAT_FPWR, reg, tmp, len, "xn_ecat_write", err);
}

/* ---- the scan ---- */

/* a broadcast: how many slaves did it (the working counter) */
static xn_status broadcast(xn_ecat_master *m, xn_ecat_cmd cmd, uint16_t reg, uint8_t *data,
                           uint16_t len, uint16_t *wkc, xn_error *err) {
    return xn_ecat_exchange(m, cmd, xn_ecat_address(0, reg), data, len, wkc, "xn_ecat_scan", err);
}

xn_status xn_ecat_scan(xn_ecat_master *m, xn_error *err) {
    static const char *const fn = "xn_ecat_scan";
    m->nslave = 0;
    uint8_t b[8] = {0};
    uint16_t n = 0, wkc = 0;
    xn_status st = broadcast(m, XN_ECAT_BRD, XN_ESC_TYPE, b, 1, &n, err);
    if (st != XN_OK) return st;
    if (n == 0) return xn_fail(err, XN_ERR_NOT_FOUND, fn, "no slave answered on the segment");
    if (n > XN_ECAT_MAX_SLAVES)
        return xn_fail(err, XN_ERR_SIZE, fn, "%u slaves (at most %d)", n, XN_ECAT_MAX_SLAVES);
    /* every slave to INIT, its errors acknowledged, station addresses cleared */
    b[0] = XN_AL_INIT | XN_AL_ERROR;
    b[1] = 0;
    if ((st = broadcast(m, XN_ECAT_BWR, XN_ESC_AL_CONTROL, b, 2, &wkc, err)) != XN_OK) return st;
    for (int i = 0; i < n; i++) {
        xn_ecat_slave *s = &m->slave[i];
        memset(s, 0, sizeof *s);
        s->position = i;
        s->station = (uint16_t)(0x1001 + i);
        xn_ecat_put16(b, s->station);
        st = xn_ecat_exchange(m, XN_ECAT_APWR, xn_ecat_address((uint16_t)-i, XN_ESC_STATION), b, 2,
                              &wkc, fn, err);
        if (st != XN_OK) return st;
        if (wkc != 1)
            return xn_fail_at(err, XN_ERR_IO, fn, i,
                              "slave at position %d did not take its station address (working "
                              "counter %u): the segment changed during the scan?",
                              i, wkc);
    }
    m->nslave = n;
    for (int i = 0; i < n; i++) {
        xn_ecat_slave *s = &m->slave[i];
        uint8_t id[10];
        if ((st = xn_ecat_read(m, i, XN_ESC_TYPE, id, 10, err)) != XN_OK) return st;
        s->esc_type = id[0];
        s->esc_revision = id[1];
        s->fmmus = id[4];
        s->syncmanagers = id[5];
        s->has_dc = (id[XN_ESC_FEATURES] & XN_ESC_FEATURE_DC) != 0;
        if ((st = xn_ecat_sii_scan(m, i, err)) != XN_OK) return st;
        uint8_t al[6];
        if ((st = xn_ecat_read(m, i, XN_ESC_AL_STATUS, al, 6, err)) != XN_OK) return st;
        s->al_state = al[0];
        s->al_code = xn_ecat_get16(al + 4);
    }
    return XN_OK;
}
