/* EtherCAT frames (ETG.1000.4): an Ethernet frame of type 0x88A4 carrying a two-byte EtherCAT
 * header and one or more datagrams. Shared by the master and the virtual segment (not
 * installed). Every multi-byte field on the wire is little-endian.
 *
 *   Ethernet  dst(6) src(6) type 0x88A4(2)
 *   header    bits 0-10 length of the datagrams, bit 11 reserved, bits 12-15 type (1)
 *   datagram  cmd(1) idx(1) address(4: ADP(2) ADO(2), or a logical address)
 *             bits 0-10 data length, 11-13 reserved, 14 circulated, 15 more follow (2)
 *             IRQ(2) data(length) working counter(2)
 *
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ECAT_FRAME_H
#define XN_ECAT_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "xiaonao/types.h"

#define XN_ECAT_ETHERTYPE 0x88A4
#define XN_ECAT_ETH_HEADER 14
#define XN_ECAT_HEADER 2       /* the EtherCAT header after the Ethernet one */
#define XN_ECAT_DG_HEADER 10   /* a datagram's header */
#define XN_ECAT_DG_FOOTER 2    /* its working counter */
#define XN_ECAT_FRAME_MIN 60   /* Ethernet's minimum without the FCS: shorter frames are padded */
#define XN_ECAT_FRAME_MAX 1514 /* Ethernet's maximum without the FCS */
#define XN_ECAT_DATA_MAX                                                                           \
    (XN_ECAT_FRAME_MAX - XN_ECAT_ETH_HEADER - XN_ECAT_HEADER - XN_ECAT_DG_HEADER -                 \
     XN_ECAT_DG_FOOTER) /* one datagram's data, alone in a frame: 1486 bytes */
#define XN_ECAT_MAX_DATAGRAMS                                                                      \
    72 /* datagrams one frame may carry here (process data and                                     \
         an AL status read for each of 64 slaves) */

/* The commands (ETG.1000.4 table 12). AP: auto-increment (position) addressing, FP: configured
 * station address, B: broadcast, L: logical (through the FMMUs). */
typedef enum {
    XN_ECAT_NOP = 0,
    XN_ECAT_APRD = 1,
    XN_ECAT_APWR = 2,
    XN_ECAT_APRW = 3,
    XN_ECAT_FPRD = 4,
    XN_ECAT_FPWR = 5,
    XN_ECAT_FPRW = 6,
    XN_ECAT_BRD = 7,
    XN_ECAT_BWR = 8,
    XN_ECAT_BRW = 9,
    XN_ECAT_LRD = 10,
    XN_ECAT_LWR = 11,
    XN_ECAT_LRW = 12,
    XN_ECAT_ARMW = 13,
    XN_ECAT_FRMW = 14
} xn_ecat_cmd;

/* One datagram of a parsed frame: its fields, and where its data and working counter sit in
 * the frame's buffer (so that a slave can change them in place). */
typedef struct {
    uint8_t cmd, idx;
    uint16_t adp, ado; /* the address: position or station, and offset (register) */
    uint32_t logical;  /* the same four bytes as a logical address */
    uint16_t len;      /* bytes of data */
    int circulated;
    uint16_t irq;
    uint8_t *data;   /* len bytes, in the frame */
    uint8_t *header; /* the datagram's first byte, in the frame */
    uint16_t wkc;    /* the working counter as read */
    uint8_t *wkc_at; /* where it is, in the frame */
} xn_ecat_datagram;

/* A frame under construction (the master's side). */
typedef struct {
    uint8_t buf[XN_ECAT_FRAME_MAX];
    size_t len;           /* bytes so far */
    uint8_t *last_header; /* the last datagram's header (its "more" bit is set on the next) */
    int ndatagram;
} xn_ecat_frame;

/* Start a frame from src (6 bytes, the sender's MAC) to the broadcast address. */
void xn_ecat_frame_begin(xn_ecat_frame *f, const uint8_t *src);
/* Append a datagram; data (len bytes, may be NULL: zeros) is copied. Returns the datagram's data
 * in the frame, or NULL when it does not fit. */
uint8_t *xn_ecat_frame_add(xn_ecat_frame *f, xn_ecat_cmd cmd, uint8_t idx, uint32_t address,
                           const void *data, uint16_t len);
/* Finish: the EtherCAT header's length, padding to the Ethernet minimum. Returns the length to
 * send. */
size_t xn_ecat_frame_end(xn_ecat_frame *f);

/* The address of AP and FP commands: position (or station) p and register offset o. */
static inline uint32_t xn_ecat_address(uint16_t p, uint16_t o) {
    return (uint32_t)p | (uint32_t)o << 16;
}

/* Parse a received frame (len bytes from the Ethernet header on) into at most max datagrams:
 * XN_OK with *n; XN_ERR_PARSE when it is no EtherCAT frame (another Ethernet type, a header type
 * other than 1) or malformed (a length beyond the frame, the header's length not the datagrams',
 * a datagram chain longer than max), with the byte offset and the reason in err. Never reads
 * outside [frame, frame + len). */
xn_status xn_ecat_parse(uint8_t *frame, size_t len, xn_ecat_datagram *dg, int max, int *n,
                        xn_error *err);

/* The working counter of a parsed datagram, written in place. */
void xn_ecat_set_wkc(xn_ecat_datagram *d, uint16_t wkc);

/* little-endian access */
static inline uint16_t xn_ecat_get16(const uint8_t *p) {
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t xn_ecat_get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t xn_ecat_get64(const uint8_t *p) {
    return (uint64_t)xn_ecat_get32(p) | (uint64_t)xn_ecat_get32(p + 4) << 32;
}
static inline void xn_ecat_put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void xn_ecat_put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void xn_ecat_put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

#endif
