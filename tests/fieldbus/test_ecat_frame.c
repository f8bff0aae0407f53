/* EtherCAT frames against the layout ETG.1000.4 gives, byte by byte: a frame built by the master
 * equals one assembled here by hand from the specification's field positions; parsing gives the
 * fields back; and malformed frames (another Ethernet type, another header type, lengths that run
 * past the frame or disagree with the header, too many datagrams, too short) are refused with the
 * reason, without reading outside the bytes received (the sanitizers watch).
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "fieldbus/ethercat/frame.h"
#include "test_util.h"

static const uint8_t mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};

/* BRD of register 0x0000 (1 byte), then FPWR of 0x0002 to station 0x1001's AL control 0x0120,
 * assembled by hand */
static const uint8_t expected[] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* destination: broadcast */
    0x02, 0x11, 0x22, 0x33, 0x44, 0x55, /* source */
    0x88, 0xA4,                         /* EtherCAT */
    0x1B, 0x10,                         /* 0x1B = 27 bytes of datagrams, type 1 */
    0x07, 0x41, 0x00, 0x00, 0x00, 0x00, /* BRD, index 0x41, position 0, offset 0 */
    0x01, 0x80,                         /* 1 byte, "more follow" */
    0x00, 0x00,                         /* IRQ */
    0x00,                               /* data */
    0x00, 0x00,                         /* working counter */
    0x05, 0x42, 0x01, 0x10, 0x20, 0x01, /* FPWR, index 0x42, station 0x1001, 0x0120 */
    0x02, 0x00,                         /* 2 bytes, the last */
    0x00, 0x00,                         /* IRQ */
    0x02, 0x00,                         /* PRE-OP requested */
    0x00, 0x00                          /* working counter */
};

static void built_as_specified(void) {
    xn_ecat_frame f;
    xn_ecat_frame_begin(&f, mac);
    uint8_t al[2] = {0x02, 0x00};
    XT_CHECK(xn_ecat_frame_add(&f, XN_ECAT_BRD, 0x41, xn_ecat_address(0, 0), NULL, 1) != NULL &&
                 xn_ecat_frame_add(&f, XN_ECAT_FPWR, 0x42, xn_ecat_address(0x1001, 0x0120), al,
                                   2) != NULL,
             "two datagrams added");
    size_t n = xn_ecat_frame_end(&f);
    XT_CHECK(n == 60, "padded to Ethernet's 60 bytes (%zu)", n);
    int same = memcmp(f.buf, expected, sizeof expected) == 0;
    for (size_t i = sizeof expected; i < 60; i++) same &= f.buf[i] == 0;
    XT_CHECK(same, "the bytes are the specification's, padding zero");

    xn_ecat_datagram dg[4];
    int nd = 0;
    xn_error err;
    XT_CHECK(xn_ecat_parse(f.buf, n, dg, 4, &nd, &err) == XN_OK && nd == 2,
             "parsed back: %d datagrams", nd);
    XT_CHECK(dg[0].cmd == XN_ECAT_BRD && dg[0].idx == 0x41 && dg[0].len == 1 &&
                 dg[1].cmd == XN_ECAT_FPWR && dg[1].idx == 0x42 && dg[1].adp == 0x1001 &&
                 dg[1].ado == 0x0120 && dg[1].len == 2 && dg[1].data[0] == 2 && dg[1].wkc == 0,
             "the fields come back");
    xn_ecat_set_wkc(&dg[1], 0x1234);
    XT_CHECK(f.buf[41] == 0x34 && f.buf[42] == 0x12, "a working counter written in place (LE)");

    /* the largest datagram fills the frame; one byte more does not fit */
    xn_ecat_frame_begin(&f, mac);
    XT_CHECK(xn_ecat_frame_add(&f, XN_ECAT_LRW, 1, 0, NULL, XN_ECAT_DATA_MAX) != NULL &&
                 xn_ecat_frame_end(&f) == XN_ECAT_FRAME_MAX,
             "%d bytes of data fill a 1514-byte frame", XN_ECAT_DATA_MAX);
    xn_ecat_frame_begin(&f, mac);
    XT_CHECK(xn_ecat_frame_add(&f, XN_ECAT_LRW, 1, 0, NULL, XN_ECAT_DATA_MAX + 1) == NULL,
             "one byte more is refused");
}

/* a copy of the good frame with one change, parsed */
static xn_status parse_changed(size_t len, int at, uint8_t value, xn_error *err) {
    uint8_t *b = malloc(len); /* exactly len bytes: the sanitizers see any read past them */
    size_t have = len < sizeof expected ? len : sizeof expected;
    memcpy(b, expected, have);
    if (len > sizeof expected) memset(b + sizeof expected, 0, len - sizeof expected);
    if (at >= 0) b[at] = value;
    xn_ecat_datagram dg[4];
    int nd;
    xn_status st = xn_ecat_parse(b, len, dg, 4, &nd, err);
    free(b);
    return st;
}

static void malformed(void) {
    xn_error err;
    XT_CHECK(parse_changed(sizeof expected, -1, 0, &err) == XN_OK, "the frame itself parses");
    XT_CHECK(parse_changed(sizeof expected, 13, 0x00, &err) == XN_ERR_PARSE &&
                 strstr(err.message, "0x8800"),
             "another Ethernet type: %s", err.message);
    XT_CHECK(parse_changed(sizeof expected, 15, 0x20, &err) == XN_ERR_PARSE &&
                 strstr(err.message, "type 2"),
             "another EtherCAT header type: %s", err.message);
    XT_CHECK(parse_changed(sizeof expected, 14, 0xFF, &err) == XN_ERR_PARSE &&
                 strstr(err.message, "after it"),
             "a header length past the frame: %s", err.message);
    XT_CHECK(parse_changed(sizeof expected, 22, 0x7F, &err) == XN_ERR_PARSE &&
                 strstr(err.message, "byte 16: a datagram of 127 data bytes runs past"),
             "a datagram length past the header's: %s", err.message);
    XT_CHECK(parse_changed(sizeof expected, 23, 0x00, &err) == XN_ERR_PARSE &&
                 strstr(err.message, "take"),
             "a chain that ends before the header's length: %s", err.message);
    XT_CHECK(parse_changed(20, -1, 0, &err) == XN_ERR_PARSE, "a truncated frame: %s", err.message);
    XT_CHECK(parse_changed(10, -1, 0, &err) == XN_ERR_PARSE && strstr(err.message, "shorter"),
             "shorter than the headers: %s", err.message);
    /* more datagrams than the caller has room for */
    xn_ecat_frame f;
    xn_ecat_frame_begin(&f, mac);
    for (int i = 0; i < 6; i++) xn_ecat_frame_add(&f, XN_ECAT_NOP, (uint8_t)i, 0, NULL, 0);
    size_t n = xn_ecat_frame_end(&f);
    xn_ecat_datagram dg[4];
    int nd;
    XT_CHECK(xn_ecat_parse(f.buf, n, dg, 4, &nd, &err) == XN_ERR_PARSE &&
                 strstr(err.message, "more than 4"),
             "six datagrams for room for four: %s", err.message);
}

int main(void) {
    built_as_specified();
    malformed();
    return xt_done("test_ecat_frame");
}
