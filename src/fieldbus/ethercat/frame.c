/* EtherCAT frames: building the master's, parsing whatever arrives (frame.h says the layout).
 * The parser is the first thing a byte from the wire meets: it checks every length against the
 * bytes actually received before it reads, so that a truncated, padded or hostile frame is
 * refused with its place and reason (fuzz_ecat exercises it).
 * SPDX-License-Identifier: Apache-2.0 */
#include "fieldbus/ethercat/frame.h"

#include <string.h>

#include "model/error_internal.h"

#define LEN_MASK 0x07FF
#define CIRCULATED 0x4000
#define MORE 0x8000
#define TYPE_DATAGRAMS 1

void xn_ecat_frame_begin(xn_ecat_frame *f, const uint8_t *src) {
    memset(f->buf, 0xFF, 6); /* to everyone: the segment is a ring, the first slave answers */
    memcpy(f->buf + 6, src, 6);
    f->buf[12] = XN_ECAT_ETHERTYPE >> 8; /* the Ethernet type is big-endian, as all of them */
    f->buf[13] = XN_ECAT_ETHERTYPE & 0xFF;
    f->len = XN_ECAT_ETH_HEADER + XN_ECAT_HEADER;
    f->last_header = NULL;
    f->ndatagram = 0;
}

uint8_t *xn_ecat_frame_add(xn_ecat_frame *f, xn_ecat_cmd cmd, uint8_t idx, uint32_t address,
                           const void *data, uint16_t len) {
    size_t need = XN_ECAT_DG_HEADER + (size_t)len + XN_ECAT_DG_FOOTER;
    if (len > XN_ECAT_DATA_MAX || f->len + need > XN_ECAT_FRAME_MAX ||
        f->ndatagram >= XN_ECAT_MAX_DATAGRAMS)
        return NULL;
    if (f->last_header) /* the one before says another follows */
        xn_ecat_put16(f->last_header + 6, (uint16_t)(xn_ecat_get16(f->last_header + 6) | MORE));
    uint8_t *h = f->buf + f->len;
    h[0] = (uint8_t)cmd;
    h[1] = idx;
    xn_ecat_put32(h + 2, address);
    xn_ecat_put16(h + 6, len);
    xn_ecat_put16(h + 8, 0); /* IRQ */
    uint8_t *d = h + XN_ECAT_DG_HEADER;
    if (data)
        memcpy(d, data, len);
    else
        memset(d, 0, len);
    xn_ecat_put16(d + len, 0); /* the working counter starts at 0 */
    f->len += need;
    f->last_header = h;
    f->ndatagram++;
    return d;
}

size_t xn_ecat_frame_end(xn_ecat_frame *f) {
    size_t body = f->len - XN_ECAT_ETH_HEADER - XN_ECAT_HEADER;
    xn_ecat_put16(f->buf + XN_ECAT_ETH_HEADER, (uint16_t)(body | TYPE_DATAGRAMS << 12));
    if (f->len < XN_ECAT_FRAME_MIN) {
        memset(f->buf + f->len, 0, XN_ECAT_FRAME_MIN - f->len);
        return XN_ECAT_FRAME_MIN;
    }
    return f->len;
}

void xn_ecat_set_wkc(xn_ecat_datagram *d, uint16_t wkc) {
    d->wkc = wkc;
    xn_ecat_put16(d->wkc_at, wkc);
}

xn_status xn_ecat_parse(uint8_t *frame, size_t len, xn_ecat_datagram *dg, int max, int *n,
                        xn_error *err) {
    static const char *const fn = "xn_ecat_parse";
    *n = 0;
    if (len < XN_ECAT_ETH_HEADER + XN_ECAT_HEADER)
        return xn_fail(err, XN_ERR_PARSE, fn,
                       "%zu bytes: shorter than the Ethernet and EtherCAT "
                       "headers",
                       len);
    unsigned type = (unsigned)frame[12] << 8 | frame[13];
    if (type != XN_ECAT_ETHERTYPE)
        return xn_fail(err, XN_ERR_PARSE, fn, "Ethernet type 0x%04X, not EtherCAT's 0x88A4", type);
    uint16_t h = xn_ecat_get16(frame + XN_ECAT_ETH_HEADER);
    size_t body = h & LEN_MASK, at = XN_ECAT_ETH_HEADER + XN_ECAT_HEADER;
    if (h >> 12 != TYPE_DATAGRAMS)
        return xn_fail(err, XN_ERR_PARSE, fn, "EtherCAT header type %u (datagrams are type 1)",
                       (unsigned)(h >> 12));
    if (at + body > len)
        return xn_fail(err, XN_ERR_PARSE, fn,
                       "the header says %zu bytes of datagrams; the frame "
                       "has %zu after it",
                       body, len - at);
    size_t end = at + body;
    for (;;) {
        if (*n >= max)
            return xn_fail(err, XN_ERR_PARSE, fn, "more than %d datagrams in one frame", max);
        if (at + XN_ECAT_DG_HEADER + XN_ECAT_DG_FOOTER > end)
            return xn_fail(err, XN_ERR_PARSE, fn,
                           "byte %zu: a datagram's header runs past the "
                           "%zu bytes the header announced",
                           at, body);
        uint8_t *p = frame + at;
        uint16_t lf = xn_ecat_get16(p + 6);
        size_t dlen = lf & LEN_MASK;
        if (at + XN_ECAT_DG_HEADER + dlen + XN_ECAT_DG_FOOTER > end)
            return xn_fail(err, XN_ERR_PARSE, fn,
                           "byte %zu: a datagram of %zu data bytes runs "
                           "past the %zu bytes the header announced",
                           at, dlen, body);
        xn_ecat_datagram *d = &dg[(*n)++];
        d->header = p;
        d->cmd = p[0];
        d->idx = p[1];
        d->adp = xn_ecat_get16(p + 2);
        d->ado = xn_ecat_get16(p + 4);
        d->logical = xn_ecat_get32(p + 2);
        d->len = (uint16_t)dlen;
        d->circulated = (lf & CIRCULATED) != 0;
        d->irq = xn_ecat_get16(p + 8);
        d->data = p + XN_ECAT_DG_HEADER;
        d->wkc_at = d->data + dlen;
        d->wkc = xn_ecat_get16(d->wkc_at);
        at += XN_ECAT_DG_HEADER + dlen + XN_ECAT_DG_FOOTER;
        if (!(lf & MORE)) break;
    }
    if (at != end)
        return xn_fail(err, XN_ERR_PARSE, fn,
                       "the header announced %zu bytes of datagrams; they "
                       "take %zu",
                       body, at - XN_ECAT_ETH_HEADER - XN_ECAT_HEADER);
    return XN_OK;
}
