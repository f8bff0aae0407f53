/* The virtual slaves' EEPROM (SII) images, laid out as ETG.2010 says: the configuration area
 * with its CRC, the identity, the standard mailbox, then the categories (strings, general, sync
 * managers). The master reads them through the SII interface exactly as it reads a real one's.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/sim_internal.h"

void xn_ecat_sim_slave_default(xn_ecat_sim_slave *s, int position) {
    memset(s, 0, sizeof *s);
    s->vendor = 0x00000A5A; /* not a registered vendor: a simulator's */
    s->product = 0x00000402;
    s->revision = 0x00010000;
    s->serial = 1000u + (uint32_t)position;
    strcpy(s->name, "xiaonao virtual CiA 402 drive");
    s->mbx_out_offset = 0x1000;
    s->mbx_out_size = 128;
    s->mbx_in_offset = 0x1080;
    s->mbx_in_size = 128;
    /* the default mapping: controlword, target position, target velocity, target torque, mode
     * (2 + 4 + 4 + 2 + 1); statusword, position, velocity, torque, mode display, error code
     * (2 + 4 + 4 + 2 + 1 + 2) */
    s->out_offset = 0x1100;
    s->out_size = 13;
    s->in_offset = 0x1180;
    s->in_size = 15;
    s->counts_per_rad = 1048576.0 / 6.283185307179586; /* 20 bits per turn */
    s->position = 0;
    /* clocks and cables that differ from slave to slave, the same on every run */
    s->dc_drift_ppm = 40.0 * sin(2.4 * (position + 1));
    s->dc_local0_ns = 1000000000LL * (3 + position % 7) + 7919LL * position;
    s->dc_esc_ns = 300;
    s->dc_cable_ns = 5 + (position * 17) % 46;
    s->sync_error_limit = 6;
}

void xn_ecat_sim_slave_imu(xn_ecat_sim_slave *s, int position) {
    xn_ecat_sim_slave_default(s, position);
    s->kind = XN_ECAT_SIM_IMU;
    s->product = 0x00000410;
    strcpy(s->name, "xiaonao virtual IMU");
    s->out_size = 0;
    s->in_size = 40;
}

/* CRC-8 of the configuration area (polynomial x^8 + x^2 + x + 1, initial value 0xFF), over its
 * first 14 bytes, stored in the low byte of word 7. */
static uint8_t config_crc(const uint8_t *b) {
    uint8_t crc = 0xFF;
    for (int i = 0; i < 14; i++) {
        crc ^= b[i];
        for (int k = 0; k < 8; k++) crc = (uint8_t)(crc & 0x80 ? (crc << 1) ^ 0x07 : crc << 1);
    }
    return crc;
}

static void put_word(uint16_t *w, int at, uint16_t v) { w[at] = v; }
static void put_dword(uint16_t *w, int at, uint32_t v) {
    w[at] = (uint16_t)v;
    w[at + 1] = (uint16_t)(v >> 16);
}

/* a category: type, size in words, then its bytes (padded to a word) */
static int category(uint16_t *w, int at, uint16_t type, const uint8_t *bytes, int n) {
    int words = (n + 1) / 2;
    w[at] = type;
    w[at + 1] = (uint16_t)words;
    for (int i = 0; i < words; i++)
        w[at + 2 + i] = (uint16_t)(bytes[2 * i] | (2 * i + 1 < n ? bytes[2 * i + 1] << 8 : 0));
    return at + 2 + words;
}

static void sm_entry(uint8_t *b, uint16_t start, uint16_t len, uint8_t control, uint8_t type) {
    b[0] = (uint8_t)start;
    b[1] = (uint8_t)(start >> 8);
    b[2] = (uint8_t)len;
    b[3] = (uint8_t)(len >> 8);
    b[4] = control;
    b[5] = 0;                  /* status */
    b[6] = len > 0 ? 0x01 : 0; /* enabled */
    b[7] = type;               /* 1 mailbox out, 2 mailbox in, 3 outputs, 4 inputs */
}

int xn_ecat_sim_eeprom(const xn_ecat_sim_slave *s, uint16_t *w, int cap) {
    memset(w, 0, (size_t)cap * sizeof *w);
    uint8_t cfg[16] = {0x80, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 7; i++) w[i] = (uint16_t)(cfg[2 * i] | cfg[2 * i + 1] << 8);
    w[7] = config_crc(cfg);
    put_dword(w, XN_SII_VENDOR, s->vendor);
    put_dword(w, XN_SII_PRODUCT, s->product);
    put_dword(w, XN_SII_REVISION, s->revision);
    put_dword(w, XN_SII_SERIAL, s->serial);
    put_word(w, XN_SII_RX_MBX_OFFSET, s->mbx_out_offset);
    put_word(w, XN_SII_RX_MBX_SIZE, s->mbx_out_size);
    put_word(w, XN_SII_TX_MBX_OFFSET, s->mbx_in_offset);
    put_word(w, XN_SII_TX_MBX_SIZE, s->mbx_in_size);
    put_word(w, XN_SII_MBX_PROTOCOLS, s->mbx_out_size ? XN_MBX_COE : 0);
    put_word(w, XN_SII_SIZE, 0x000F); /* 16 Kbit */
    put_word(w, XN_SII_VERSION, 1);
    int at = XN_SII_CATEGORIES;
    /* strings: a count, then each as a length and its characters; string 1 is the name */
    uint8_t str[64];
    size_t nl = strlen(s->name);
    str[0] = 1;
    str[1] = (uint8_t)nl;
    memcpy(str + 2, s->name, nl);
    at = category(w, at, XN_SII_CAT_STRINGS, str, (int)nl + 2);
    uint8_t general[32] = {0};
    general[3] = 1;    /* the name: string 1 */
    general[5] = 0x01; /* CoE: SDOs */
    general[9] = 1;    /* one CiA 402 axis */
    at = category(w, at, XN_SII_CAT_GENERAL, general, 32);
    uint8_t sm[32];
    sm_entry(sm, s->mbx_out_offset, s->mbx_out_size, XN_SM_CTRL_MBX_OUT, 1);
    sm_entry(sm + 8, s->mbx_in_offset, s->mbx_in_size, XN_SM_CTRL_MBX_IN, 2);
    sm_entry(sm + 16, s->out_offset, s->out_size, XN_SM_CTRL_OUTPUTS, 3);
    sm_entry(sm + 24, s->in_offset, s->in_size, XN_SM_CTRL_INPUTS, 4);
    at = category(w, at, XN_SII_CAT_SYNCM, sm, 32);
    w[at++] = XN_SII_CAT_END;
    return at;
}
