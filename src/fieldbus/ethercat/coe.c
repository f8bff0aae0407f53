/* CANopen over EtherCAT from the master's side: a request written into the slave's receive
 * mailbox (SM0), its send mailbox (SM1) polled until full and read, SDO transfers (expedited,
 * normal, segmented) on top, emergencies that arrive on the way kept in a ring. An abort is
 * reported with its code's meaning, so that "0x06020000" reads as "the object does not exist".
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>
#include <time.h>

#include "fieldbus/ethercat/coe.h"
#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/master_internal.h"
#include "model/error_internal.h"

#define MBX_MAX 1024 /* the largest mailbox served */
#define MBX_TIMEOUT_NS 1000000000LL

const char *xn_ecat_sdo_abort_str(uint32_t code) {
    switch (code) {
    case 0x05030000: return "toggle bit not alternated";
    case 0x05040000: return "SDO protocol timed out";
    case 0x05040001: return "command specifier not valid or unknown";
    case 0x05040005: return "out of memory";
    case 0x06010000: return "unsupported access to an object";
    case 0x06010001: return "attempt to read a write-only object";
    case 0x06010002: return "attempt to write a read-only object";
    case 0x06010003: return "subindex cannot be written, subindex 0 must be 0 for write access";
    case 0x06010004: return "complete access not supported for objects of variable length";
    case 0x06010005: return "object length exceeds the mailbox size";
    case 0x06010006: return "object mapped to an RxPDO, SDO download blocked";
    case 0x06020000: return "the object does not exist in the object dictionary";
    case 0x06040041: return "the object cannot be mapped into the PDO";
    case 0x06040042: return "the objects to be mapped would exceed the PDO length";
    case 0x06040043: return "general parameter incompatibility";
    case 0x06040047: return "general internal incompatibility in the device";
    case 0x06060000: return "access failed due to a hardware error";
    case 0x06070010: return "data type does not match, length of service parameter does not match";
    case 0x06070012: return "data type does not match, length of service parameter too high";
    case 0x06070013: return "data type does not match, length of service parameter too low";
    case 0x06090011: return "subindex does not exist";
    case 0x06090030: return "value range of parameter exceeded";
    case 0x06090031: return "value of parameter written too high";
    case 0x06090032: return "value of parameter written too low";
    case 0x06090036: return "maximum value is less than minimum value";
    case 0x08000000: return "general error";
    case 0x08000020: return "data cannot be transferred or stored to the application";
    case 0x08000021: return "data cannot be transferred or stored because of local control";
    case 0x08000022: return "data cannot be transferred or stored in the present device state";
    case 0x08000023: return "no object dictionary is present";
    default: return "unknown abort code";
    }
}

uint32_t xn_ecat_sdo_last_abort(const xn_ecat_master *m) { return m->last_abort; }

int xn_ecat_next_emergency(xn_ecat_master *m, xn_ecat_emergency *out) {
    if (!m->emcy_count) return 0;
    *out = m->emcy[m->emcy_head];
    m->emcy_head = (m->emcy_head + 1) % XN_ECAT_EMERGENCIES;
    m->emcy_count--;
    return 1;
}

static void keep_emergency(xn_ecat_master *m, int i, const uint8_t *e) {
    if (m->emcy_count == XN_ECAT_EMERGENCIES) { /* the oldest gives way */
        m->emcy_head = (m->emcy_head + 1) % XN_ECAT_EMERGENCIES;
        m->emcy_count--;
        m->emcy_lost++;
    }
    xn_ecat_emergency *x = &m->emcy[(m->emcy_head + m->emcy_count++) % XN_ECAT_EMERGENCIES];
    x->slave = i;
    x->code = xn_ecat_get16(e);
    x->reg = e[2];
    memcpy(x->data, e + 3, 5);
}

/* the slave's mailbox, checked usable */
static xn_status mailbox(const xn_ecat_master *m, int i, xn_ecat_sm *out, xn_ecat_sm *in,
                         const char *fn, xn_error *err) {
    if (i < 0 || i >= m->nslave)
        return xn_fail(err, XN_ERR_RANGE, fn, "slave %d (the scan found %d)", i, m->nslave);
    const xn_ecat_slave *s = &m->slave[i];
    if (!(s->mbx_protocols & XN_MBX_COE))
        return xn_fail_at(err, XN_ERR_UNSUPPORTED, fn, i,
                          "slave %d (station 0x%04X) has no CoE "
                          "mailbox",
                          i, s->station);
    xn_ecat_mailbox_layout(s, out, in);
    if (out->length < XN_SDO_DATA_AT + 4 || in->length < XN_SDO_DATA_AT + 4 ||
        out->length > MBX_MAX || in->length > MBX_MAX)
        return xn_fail_at(err, XN_ERR_INVALID, fn, i, "slave %d: mailboxes of %u and %u bytes", i,
                          out->length, in->length);
    return XN_OK;
}

/* A CoE SDO request (sdo_len bytes) into slave i's receive mailbox. */
static xn_status send_sdo(xn_ecat_master *m, int i, const xn_ecat_sm *out, const uint8_t *sdo,
                          int sdo_len, const char *fn, xn_error *err) {
    uint8_t buf[MBX_MAX] = {0};
    xn_ecat_put16(buf, (uint16_t)(XN_COE_HEADER + sdo_len));
    m->mbx_counter[i] = (uint8_t)(m->mbx_counter[i] % 7 + 1);
    buf[5] = (uint8_t)(XN_MBX_TYPE_COE | m->mbx_counter[i] << 4);
    xn_ecat_put16(buf + XN_MBX_HEADER, XN_COE_SDO_REQUEST << 12);
    memcpy(buf + XN_MBX_HEADER + XN_COE_HEADER, sdo, (size_t)sdo_len);
    xn_status st = xn_ecat_write(m, i, out->start, buf, out->length, err);
    if (st == XN_ERR_IO) /* the working counter: the mailbox is still full */
        return xn_fail_at(err, XN_ERR_IO, fn, i,
                          "slave %d: its receive mailbox did not take the "
                          "request (still full, or the slave is below PRE-OP)",
                          i);
    return st;
}

/* Read slave i's send mailbox once if it is full: 1 and the message in buf, 0 when empty. */
static int read_mailbox(xn_ecat_master *m, int i, const xn_ecat_sm *in, uint8_t *buf, xn_status *st,
                        xn_error *err) {
    uint8_t status = 0;
    *st = xn_ecat_read(m, i, (uint16_t)(XN_ESC_SM(1) + 5), &status, 1, err);
    if (*st != XN_OK || !(status & XN_SM_STATUS_FULL)) return 0;
    *st = xn_ecat_read(m, i, in->start, buf, in->length, err);
    return *st == XN_OK;
}

int xn_ecat_poll_mailbox(xn_ecat_master *m, int i, xn_error *err) {
    xn_ecat_sm out, in;
    uint8_t buf[MBX_MAX];
    xn_status st = mailbox(m, i, &out, &in, "xn_ecat_poll_mailbox", err);
    if (st != XN_OK || !read_mailbox(m, i, &in, buf, &st, err)) return 0;
    uint16_t len = xn_ecat_get16(buf);
    if ((buf[5] & 0x0F) == XN_MBX_TYPE_COE && len >= XN_COE_HEADER + 8 &&
        len <= in.length - XN_MBX_HEADER &&
        xn_ecat_get16(buf + XN_MBX_HEADER) >> 12 == XN_COE_EMERGENCY)
        keep_emergency(m, i, buf + XN_MBX_HEADER + XN_COE_HEADER);
    return 1;
}

/* The SDO answer to the request just sent: its bytes at *sdo (*len), in buf. Emergencies that
 * come first are kept; an abort is an error with its meaning. */
static xn_status answer(xn_ecat_master *m, int i, const xn_ecat_sm *in, uint16_t index, uint8_t sub,
                        uint8_t *buf, const uint8_t **sdo, int *len, const char *fn,
                        xn_error *err) {
    int64_t deadline = xn_ecat_now_ns() + MBX_TIMEOUT_NS;
    for (;;) {
        xn_status st;
        if (!read_mailbox(m, i, in, buf, &st, err)) {
            if (st != XN_OK) return st;
            if (xn_ecat_now_ns() > deadline)
                return xn_fail_at(err, XN_ERR_TIMEOUT, fn, i,
                                  "slave %d: no answer in its mailbox within 1 s to SDO "
                                  "0x%04X:%02X",
                                  i, index, sub);
            struct timespec pause = {0, 50000};
            nanosleep(&pause, NULL);
            continue;
        }
        uint16_t mlen = xn_ecat_get16(buf);
        if (mlen > in->length - XN_MBX_HEADER || mlen < XN_COE_HEADER ||
            (buf[5] & 0x0F) != XN_MBX_TYPE_COE)
            return xn_fail_at(err, XN_ERR_PARSE, fn, i,
                              "slave %d: a mailbox message of type %u and length %u in a %u-byte "
                              "mailbox, not a CoE answer",
                              i, buf[5] & 0x0F, mlen, in->length);
        uint16_t service = xn_ecat_get16(buf + XN_MBX_HEADER) >> 12;
        const uint8_t *p = buf + XN_MBX_HEADER + XN_COE_HEADER;
        int plen = mlen - XN_COE_HEADER;
        if (service == XN_COE_EMERGENCY && plen >= 8) {
            keep_emergency(m, i, p);
            continue;
        }
        if (service != XN_COE_SDO_RESPONSE || plen < 1)
            return xn_fail_at(err, XN_ERR_PARSE, fn, i,
                              "slave %d: CoE service %u, not an SDO "
                              "answer",
                              i, service);
        if (p[0] == XN_SDO_ABORT && plen >= 8) {
            uint32_t code = xn_ecat_get32(p + 4);
            m->last_abort = code;
            return xn_fail_at(err, XN_ERR_INVALID, fn, i,
                              "slave %d (station 0x%04X): SDO 0x%04X:%02X aborted with 0x%08X, "
                              "%s",
                              i, m->slave[i].station, index, sub, code,
                              xn_ecat_sdo_abort_str(code));
        }
        *sdo = p;
        *len = plen;
        return XN_OK;
    }
}

static xn_status protocol(xn_error *err, const char *fn, int i, uint16_t index, uint8_t sub,
                          const char *what) {
    return xn_fail_at(err, XN_ERR_PARSE, fn, i, "slave %d: SDO 0x%04X:%02X: %s", i, index, sub,
                      what);
}

xn_status xn_ecat_sdo_read(xn_ecat_master *m, int i, uint16_t index, uint8_t sub, void *buf,
                           size_t cap, size_t *len, xn_error *err) {
    static const char *const fn = "xn_ecat_sdo_read";
    *len = 0;
    xn_ecat_sm out, in;
    xn_status st = mailbox(m, i, &out, &in, fn, err);
    if (st != XN_OK) return st;
    uint8_t req[XN_SDO_HEADER] = {XN_SDO_UPLOAD_INIT, (uint8_t)index, (uint8_t)(index >> 8), sub};
    uint8_t mbx[MBX_MAX];
    const uint8_t *p;
    int plen;
    if ((st = send_sdo(m, i, &out, req, XN_SDO_HEADER, fn, err)) != XN_OK ||
        (st = answer(m, i, &in, index, sub, mbx, &p, &plen, fn, err)) != XN_OK)
        return st;
    if ((p[0] & 0xE0) != XN_SDO_R_UPLOAD_INIT || plen < XN_SDO_HEADER ||
        xn_ecat_get16(p + 1) != index || p[3] != sub)
        return protocol(err, fn, i, index, sub, "the answer is not this upload's");
    uint8_t *dst = buf;
    if (p[0] & XN_SDO_EXPEDITED) {
        size_t n = p[0] & XN_SDO_SIZE ? 4 - ((p[0] >> 2) & 3) : 4;
        if (n > cap)
            return xn_fail_at(err, XN_ERR_SIZE, fn, i, "SDO 0x%04X:%02X: %zu bytes for %zu", index,
                              sub, n, cap);
        memcpy(dst, p + 4, n);
        *len = n;
        return XN_OK;
    }
    size_t total = xn_ecat_get32(p + 4), have = (size_t)(plen - XN_SDO_HEADER);
    if (total > cap)
        return xn_fail_at(err, XN_ERR_SIZE, fn, i, "SDO 0x%04X:%02X: %zu bytes for %zu", index, sub,
                          total, cap);
    if (have > total) have = total;
    memcpy(dst, p + XN_SDO_HEADER, have);
    for (int toggle = 0; have < total; toggle = !toggle) { /* the rest, segment by segment */
        uint8_t seg[XN_SDO_HEADER] = {(uint8_t)(XN_SDO_UPLOAD_SEG | (toggle ? XN_SDO_TOGGLE : 0))};
        if ((st = send_sdo(m, i, &out, seg, XN_SDO_HEADER, fn, err)) != XN_OK ||
            (st = answer(m, i, &in, index, sub, mbx, &p, &plen, fn, err)) != XN_OK)
            return st;
        if ((p[0] & 0xE0) != XN_SDO_R_UPLOAD_SEG ||
            (p[0] & XN_SDO_TOGGLE) != (toggle ? XN_SDO_TOGGLE : 0) || plen < 2)
            return protocol(err, fn, i, index, sub, "a segment out of turn");
        size_t n = (size_t)plen - 1;
        if (n <= 7) n = 7 - ((p[0] >> 1) & 7);
        if (n > (size_t)plen - 1 || have + n > total)
            return protocol(err, fn, i, index, sub, "a segment longer than the object");
        memcpy(dst + have, p + 1, n);
        have += n;
        if ((p[0] & XN_SDO_LAST) && have < total)
            return protocol(err, fn, i, index, sub, "the last segment came before the end");
    }
    *len = total;
    return XN_OK;
}

xn_status xn_ecat_sdo_write(xn_ecat_master *m, int i, uint16_t index, uint8_t sub, const void *data,
                            size_t len, xn_error *err) {
    static const char *const fn = "xn_ecat_sdo_write";
    xn_ecat_sm out, in;
    xn_status st = mailbox(m, i, &out, &in, fn, err);
    if (st != XN_OK) return st;
    if (len < 1 || len > 0x7FFFFFFF)
        return xn_fail_at(err, XN_ERR_SIZE, fn, i, "SDO 0x%04X:%02X: %zu bytes", index, sub, len);
    const uint8_t *src = data;
    uint8_t req[MBX_MAX] = {0}, mbx[MBX_MAX];
    const uint8_t *p;
    int plen, rlen = XN_SDO_HEADER;
    size_t sent;
    req[1] = (uint8_t)index;
    req[2] = (uint8_t)(index >> 8);
    req[3] = sub;
    if (len <= 4) { /* expedited */
        req[0] = (uint8_t)(XN_SDO_DOWNLOAD_INIT | XN_SDO_EXPEDITED | XN_SDO_SIZE | (4 - len) << 2);
        memcpy(req + 4, src, len);
        sent = len;
    } else { /* normal: the size, and what fits after it */
        size_t room = (size_t)(out.length - XN_SDO_DATA_AT);
        sent = len < room ? len : room;
        req[0] = XN_SDO_DOWNLOAD_INIT | XN_SDO_SIZE;
        xn_ecat_put32(req + 4, (uint32_t)len);
        memcpy(req + XN_SDO_HEADER, src, sent);
        rlen = XN_SDO_HEADER + (int)sent;
    }
    if ((st = send_sdo(m, i, &out, req, rlen, fn, err)) != XN_OK ||
        (st = answer(m, i, &in, index, sub, mbx, &p, &plen, fn, err)) != XN_OK)
        return st;
    if (p[0] != XN_SDO_R_DOWNLOAD_INIT || plen < 4 || xn_ecat_get16(p + 1) != index || p[3] != sub)
        return protocol(err, fn, i, index, sub, "the answer is not this download's");
    for (int toggle = 0; sent < len; toggle = !toggle) {
        size_t room = (size_t)(out.length - XN_SDO_SEG_AT), n = len - sent;
        if (n > room) n = room;
        int last = sent + n == len;
        memset(req, 0, sizeof req);
        req[0] = (uint8_t)(XN_SDO_DOWNLOAD_SEG | (toggle ? XN_SDO_TOGGLE : 0) |
                           (n < 7 ? (7 - n) << 1 : 0) | (last ? XN_SDO_LAST : 0));
        memcpy(req + 1, src + sent, n);
        if ((st = send_sdo(m, i, &out, req, 1 + (int)(n < 7 ? 7 : n), fn, err)) != XN_OK ||
            (st = answer(m, i, &in, index, sub, mbx, &p, &plen, fn, err)) != XN_OK)
            return st;
        if ((p[0] & 0xE0) != XN_SDO_R_DOWNLOAD_SEG ||
            (p[0] & XN_SDO_TOGGLE) != (toggle ? XN_SDO_TOGGLE : 0))
            return protocol(err, fn, i, index, sub, "a segment answered out of turn");
        sent += n;
    }
    return XN_OK;
}
