/* The EtherCAT master against the virtual segment in the same process: the scan finds the seven
 * slaves of an arm, gives them station addresses in order and reads each one's identity, name and
 * sync managers from its EEPROM; the EEPROM's configuration area carries a CRC that this test
 * recomputes (CRC-8, x^8 + x^2 + x + 1, from 0xFF) over the words the master read; the slaves go
 * INIT -> PRE-OP -> SAFE-OP -> OP with the sync managers the EEPROM asks for in their registers;
 * a transition the slave refuses comes back with its AL status code by name (0x0011 for INIT to
 * OP, 0x0016 for a mailbox set up wrong), acknowledged so that the next request works; a segment
 * that never answers, or answers with broken frames, ends in a timeout with every frame counted.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/frame.h"
#include "fieldbus/ethercat/sim.h"
#include "test_util.h"

static xn_ecat_master *open_on(xn_ecat_sim *sim) {
    xn_ecat_transport *t = NULL;
    xn_ecat_master *m = NULL;
    if (xn_ecat_sim_transport(sim, &t, NULL) != XN_OK || xn_ecat_master_open(t, &m, NULL) != XN_OK)
        return NULL;
    return m;
}

static uint8_t crc8(const uint16_t *w) {
    uint8_t c = 0xFF;
    for (int i = 0; i < 14; i++) {
        c ^= (uint8_t)(w[i / 2] >> (8 * (i % 2)));
        for (int k = 0; k < 8; k++) c = (uint8_t)(c & 0x80 ? (c << 1) ^ 0x07 : c << 1);
    }
    return c;
}

static void scan_and_states(void) {
    xn_ecat_sim *sim = NULL;
    xn_error err;
    XT_CHECK(xn_ecat_sim_create(7, NULL, &sim, &err) == XN_OK, "a segment of 7");
    xn_ecat_master *m = open_on(sim);
    XT_CHECK(m != NULL, "a master on it");
    if (!m) return;
    XT_CHECK(xn_ecat_scan(m, &err) == XN_OK && xn_ecat_slave_count(m) == 7, "scan: %d slaves (%s)",
             xn_ecat_slave_count(m), err.message);
    int ok = 1;
    for (int i = 0; i < xn_ecat_slave_count(m); i++) {
        const xn_ecat_slave *s = xn_ecat_slave_get(m, i);
        const uint8_t *reg = xn_ecat_sim_registers(sim, i);
        ok &= s->station == 0x1001 + i && xn_ecat_get16(reg + XN_ESC_STATION) == s->station;
        ok &= s->vendor == 0x0A5A && s->product == 0x0402 && s->serial == 1000u + (unsigned)i;
        ok &= strcmp(s->name, "xiaonao virtual CiA 402 drive") == 0 && s->esc_type == 0x11;
        ok &= s->nsm == 4 && s->sm[0].start == 0x1000 && s->sm[0].length == 128 &&
              s->sm[2].start == 0x1100 && s->sm[2].length == 13 && s->sm[3].length == 15;
        ok &= s->mbx_protocols == 0x0004 && (s->al_state & 0x0F) == XN_ECAT_INIT;
    }
    XT_CHECK(ok, "each slave: station in order, identity, name, sync managers, INIT");
    const xn_ecat_slave *s6 = xn_ecat_slave_get(m, 6);
    printf("slave 6: station 0x%04X, vendor 0x%08X product 0x%08X serial %u, '%s'\n",
           s6 ? s6->station : 0, s6 ? s6->vendor : 0, s6 ? s6->product : 0, s6 ? s6->serial : 0,
           s6 ? s6->name : "");
    XT_CHECK(xn_ecat_slave_get(m, 7) == NULL && xn_ecat_slave_get(m, -1) == NULL,
             "no slave beyond them");
    uint16_t words[8] = {0};
    XT_CHECK(xn_ecat_sii_read(m, 3, 0, words, 8, &err) == XN_OK && (words[7] & 0xFF) == crc8(words),
             "the EEPROM's configuration CRC checks (0x%02X)", words[7] & 0xFF);

    /* registers: a write read back */
    uint8_t alias[2] = {0x34, 0x12}, back[2] = {0};
    XT_CHECK(xn_ecat_write(m, 2, XN_ESC_ALIAS, alias, 2, &err) == XN_OK &&
                 xn_ecat_read(m, 2, XN_ESC_ALIAS, back, 2, &err) == XN_OK && back[0] == 0x34 &&
                 back[1] == 0x12,
             "a register written and read back");
    XT_CHECK(xn_ecat_read(m, 9, 0, back, 2, &err) == XN_ERR_RANGE && strstr(err.message, "9"),
             "slave 9 of 7: %s", err.message);

    /* the states, in order */
    XT_CHECK(xn_ecat_set_state(m, -1, XN_ECAT_PREOP, 1, &err) == XN_OK, "PRE-OP: %s", err.message);
    const uint8_t *r0 = xn_ecat_sim_registers(sim, 0);
    XT_CHECK(xn_ecat_get16(r0 + XN_ESC_SM(0)) == 0x1000 &&
                 xn_ecat_get16(r0 + XN_ESC_SM(0) + 2) == 128 && r0[XN_ESC_SM(0) + 4] == 0x26 &&
                 r0[XN_ESC_SM(1) + 4] == 0x22 && (r0[XN_ESC_SM(1) + 6] & 1),
             "the mailbox sync managers as the EEPROM says");
    XT_CHECK(xn_ecat_set_state(m, -1, XN_ECAT_SAFEOP, 1, &err) == XN_OK, "SAFE-OP: %s",
             err.message);
    XT_CHECK(xn_ecat_set_state(m, -1, XN_ECAT_OP, 1, &err) == XN_OK, "OP: %s", err.message);
    int all_op = 1;
    for (int i = 0; i < 7; i++) all_op &= xn_ecat_sim_registers(sim, i)[XN_ESC_AL_STATUS] == 8;
    XT_CHECK(all_op, "every slave in OP");

    /* refusals, by name */
    XT_CHECK(xn_ecat_set_state(m, 2, XN_ECAT_INIT, 1, &err) == XN_OK, "slave 2 back to INIT");
    XT_CHECK(xn_ecat_set_state(m, 2, XN_ECAT_OP, 1, &err) == XN_OK &&
                 xn_ecat_sim_registers(sim, 2)[XN_ESC_AL_STATUS] == XN_ECAT_OP,
             "INIT to OP through PRE-OP and SAFE-OP: %s", err.message);
    XT_CHECK(xn_ecat_set_state(m, 2, XN_ECAT_BOOT, 1, &err) == XN_ERR_INVALID && err.index == 2 &&
                 strstr(err.message, "station 0x1003") && strstr(err.message, "0x0013") &&
                 strstr(err.message, "bootstrap not supported") && strstr(err.message, "in OP"),
             "BOOT refused by name: %s", err.message);
    XT_CHECK(xn_ecat_set_state(m, 2, XN_ECAT_INIT, 1, &err) == XN_OK, "slave 2 to INIT");
    uint8_t op[2] = {XN_ECAT_OP, 0}, st0[6] = {0};
    XT_CHECK(xn_ecat_write(m, 2, XN_ESC_AL_CONTROL, op, 2, &err) == XN_OK &&
                 xn_ecat_read(m, 2, XN_ESC_AL_STATUS, st0, 6, &err) == XN_OK &&
                 st0[0] == (XN_ECAT_INIT | 0x10) && xn_ecat_get16(st0 + 4) == 0x0011,
             "OP asked straight from INIT: refused, 0x%04X", xn_ecat_get16(st0 + 4));
    XT_CHECK(xn_ecat_set_state(m, 2, XN_ECAT_PREOP, 1, &err) == XN_OK,
             "then PRE-OP works (the flagged error acknowledged first): %s", err.message);
    XT_CHECK(xn_ecat_set_state(m, 2, XN_ECAT_INIT, 1, &err) == XN_OK, "INIT again");
    uint8_t sm0[8] = {0x00, 0x10, 0x40, 0x00, 0x26, 0, 1, 0}; /* 64 bytes: not the EEPROM's 128 */
    uint8_t req[2] = {XN_ECAT_PREOP, 0}, al[6] = {0};
    XT_CHECK(xn_ecat_write(m, 2, XN_ESC_SM(0), sm0, 8, &err) == XN_OK &&
                 xn_ecat_write(m, 2, XN_ESC_AL_CONTROL, req, 2, &err) == XN_OK &&
                 xn_ecat_read(m, 2, XN_ESC_AL_STATUS, al, 6, &err) == XN_OK,
             "PRE-OP requested over a mailbox set up wrong");
    uint16_t code = xn_ecat_get16(al + 4);
    XT_CHECK(al[0] == (XN_ECAT_INIT | 0x10) && code == 0x0016 &&
                 strcmp(xn_ecat_al_code_str(code), "invalid mailbox configuration") == 0,
             "refused with 0x%04X, %s", code, xn_ecat_al_code_str(code));
    XT_CHECK(strcmp(xn_ecat_al_code_str(0x001B), "sync manager watchdog") == 0 &&
                 strcmp(xn_ecat_al_code_str(0x7777), "unknown AL status code") == 0 &&
                 strcmp(xn_ecat_state_str(XN_ECAT_SAFEOP), "SAFE-OP") == 0,
             "the names of codes and states");
    XT_CHECK(xn_ecat_set_state(m, 1, (xn_ecat_state)5, 1, &err) == XN_ERR_RANGE &&
                 xn_ecat_set_state(m, 1, XN_ECAT_OP, 0, &err) == XN_ERR_RANGE,
             "an unknown state, a zero timeout: refused");
    /* a slave that lost its station address (power-cycled behind the master's back): its
     * registers' working counter says so */
    uint8_t *r4 = xn_ecat_sim_registers(sim, 4);
    r4[XN_ESC_STATION] = 0;
    r4[XN_ESC_STATION + 1] = 0;
    XT_CHECK(xn_ecat_read(m, 4, XN_ESC_AL_STATUS, back, 2, &err) == XN_ERR_IO &&
                 strstr(err.message, "working counter 0") && strstr(err.message, "0x1005"),
             "a read nobody answers: %s", err.message);
    xn_ecat_stats st;
    xn_ecat_get_stats(m, &st);
    printf("%ld frames sent, %ld answered, %ld lost, %ld malformed\n", st.frames_sent,
           st.frames_received, st.frames_lost, st.frames_malformed);
    XT_CHECK(st.frames_sent == st.frames_received && st.frames_lost == 0, "no frame lost");
    xn_ecat_master_close(m);
    xn_ecat_sim_free(sim);
}

/* ---- a segment that does not answer, or answers broken frames ---- */

typedef struct {
    xn_ecat_transport t;
    int mode; /* 0 silent, 1 truncated answers */
    uint8_t last[XN_ECAT_FRAME_MAX];
    size_t len;
} bad_wire;

static int bad_send(void *self, const uint8_t *f, size_t n) {
    bad_wire *b = self;
    memcpy(b->last, f, n);
    b->len = n;
    return 0;
}
static long bad_recv(void *self, uint8_t *buf, size_t cap, int64_t timeout_ns) {
    (void)timeout_ns;
    bad_wire *b = self;
    if (b->mode == 0 || !b->len) return 0;
    size_t n = 20 < cap ? 20 : cap; /* a frame cut short */
    memcpy(buf, b->last, n);
    b->len = 0;
    return (long)n;
}
static void bad_close(void *self) { (void)self; }

static void bad_segments(void) {
    for (int mode = 0; mode < 2; mode++) {
        static bad_wire b;
        memset(&b, 0, sizeof b);
        b.mode = mode;
        b.t = (xn_ecat_transport){&b, bad_send, bad_recv, bad_close, {2, 0, 0, 0, 0, 9}};
        xn_ecat_master *m = NULL;
        xn_error err;
        xn_ecat_master_open(&b.t, &m, NULL);
        xn_status st = xn_ecat_scan(m, &err);
        xn_ecat_stats s;
        xn_ecat_get_stats(m, &s);
        XT_CHECK(st == XN_ERR_TIMEOUT && strstr(err.message, "no answer") && s.frames_sent == 3 &&
                     s.frames_lost == 3 && s.frames_malformed == (mode ? 3 : 0),
                 "%s: a timeout after 3 frames (%ld lost, %ld malformed): %s",
                 mode ? "broken answers" : "silence", s.frames_lost, s.frames_malformed,
                 err.message);
        xn_ecat_master_close(m);
    }
}

int main(void) {
    scan_and_states();
    bad_segments();
    return xt_done("test_ecat_master");
}
