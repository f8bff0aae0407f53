/* The slaves' EEPROMs (SII), read through each controller's EEPROM interface: a read command and
 * a word address into 0x0502, the busy bit polled, four bytes from 0x0508. The scan takes the
 * identity, the standard mailbox and the categories it needs (strings, general for the name,
 * sync managers) from what it reads; a category that runs past the EEPROM's end is an error
 * naming the slave, never a read outside what was read.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/master_internal.h"
#include "model/error_internal.h"

#define SII_POLLS 100
#define SII_SCAN_WORDS 512 /* how much of an EEPROM the scan reads at most */

/* two words from word address `word` */
static xn_status read2(xn_ecat_master *m, int i, uint32_t word, uint16_t *out, xn_error *err) {
    static const char *const fn = "xn_ecat_sii_read";
    uint8_t cmd[6];
    xn_ecat_put16(cmd, XN_SII_CMD_READ);
    xn_ecat_put32(cmd + 2, word);
    xn_status st = xn_ecat_write(m, i, XN_ESC_SII_CONTROL, cmd, 6, err);
    if (st != XN_OK) return st;
    for (int poll = 0; poll < SII_POLLS; poll++) {
        uint8_t ctl[2];
        if ((st = xn_ecat_read(m, i, XN_ESC_SII_CONTROL, ctl, 2, err)) != XN_OK) return st;
        uint16_t c = xn_ecat_get16(ctl);
        if (c & XN_SII_BUSY) continue;
        if (c & (XN_SII_ERR_COMMAND | XN_SII_ERR_CHECKSUM))
            return xn_fail(err, XN_ERR_IO, fn,
                           "slave %d: its EEPROM interface reports an error (0x%04X) reading word "
                           "0x%04X",
                           i, c, (unsigned)word);
        uint8_t data[4];
        if ((st = xn_ecat_read(m, i, XN_ESC_SII_DATA, data, 4, err)) != XN_OK) return st;
        out[0] = xn_ecat_get16(data);
        out[1] = xn_ecat_get16(data + 2);
        return XN_OK;
    }
    return xn_fail(err, XN_ERR_TIMEOUT, fn, "slave %d: its EEPROM stayed busy reading word 0x%04X",
                   i, (unsigned)word);
}

xn_status xn_ecat_sii_read(xn_ecat_master *m, int i, uint16_t word, uint16_t *out, int n,
                           xn_error *err) {
    if (i < 0 || i >= m->nslave)
        return xn_fail(err, XN_ERR_RANGE, "xn_ecat_sii_read", "slave %d (the scan found %d)", i,
                       m->nslave);
    for (int k = 0; k < n; k += 2) {
        uint16_t two[2] = {0, 0};
        xn_status st = read2(m, i, (uint32_t)word + (uint32_t)k, two, err);
        if (st != XN_OK) return st;
        out[k] = two[0];
        if (k + 1 < n) out[k + 1] = two[1];
    }
    return XN_OK;
}

static uint32_t dword(const uint16_t *w, int at) {
    return (uint32_t)w[at] | (uint32_t)w[at + 1] << 16;
}

/* string `index` (1-based) of a strings category (bytes b, n of them) into out; "" if absent */
static void string_at(const uint8_t *b, int n, int index, char *out, size_t cap) {
    out[0] = 0;
    if (n < 1 || index < 1 || index > b[0]) return;
    int at = 1;
    for (int k = 1; k <= b[0] && at < n; k++) {
        int len = b[at];
        if (at + 1 + len > n) return; /* runs past the category */
        if (k == index) {
            size_t c = (size_t)len < cap - 1 ? (size_t)len : cap - 1;
            memcpy(out, b + at + 1, c);
            out[c] = 0;
            return;
        }
        at += 1 + len;
    }
}

xn_status xn_ecat_sii_scan(xn_ecat_master *m, int i, xn_error *err) {
    static const char *const fn = "xn_ecat_scan";
    xn_ecat_slave *s = &m->slave[i];
    uint16_t w[SII_SCAN_WORDS];
    xn_status st = xn_ecat_sii_read(m, i, 0, w, XN_SII_CATEGORIES, err);
    if (st != XN_OK) return st;
    s->vendor = dword(w, XN_SII_VENDOR);
    s->product = dword(w, XN_SII_PRODUCT);
    s->revision = dword(w, XN_SII_REVISION);
    s->serial = dword(w, XN_SII_SERIAL);
    s->mbx_protocols = w[XN_SII_MBX_PROTOCOLS];
    s->mbx_out_start = w[XN_SII_RX_MBX_OFFSET];
    s->mbx_out_size = w[XN_SII_RX_MBX_SIZE];
    s->mbx_in_start = w[XN_SII_TX_MBX_OFFSET];
    s->mbx_in_size = w[XN_SII_TX_MBX_SIZE];
    /* the categories, one header at a time: only what each needs is read */
    const uint8_t *strings = NULL;
    int nstrings = 0, name_index = 0, at = XN_SII_CATEGORIES;
    for (;;) {
        if (at + 2 > SII_SCAN_WORDS)
            return xn_fail(err, XN_ERR_PARSE, fn,
                           "slave %d: its EEPROM's categories run past word %d without an end", i,
                           SII_SCAN_WORDS);
        if ((st = xn_ecat_sii_read(m, i, (uint16_t)at, w + at, 2, err)) != XN_OK) return st;
        uint16_t type = w[at], size = w[at + 1];
        if (type == XN_SII_CAT_END || type == 0) break;
        if (at + 2 + size > SII_SCAN_WORDS)
            return xn_fail(err, XN_ERR_PARSE, fn,
                           "slave %d: EEPROM category %u at word 0x%04X of %u words runs past "
                           "word %d",
                           i, type, at, size, SII_SCAN_WORDS);
        const uint16_t *d = w + at + 2;
        if (type == XN_SII_CAT_STRINGS || type == XN_SII_CAT_GENERAL || type == XN_SII_CAT_SYNCM) {
            if ((st = xn_ecat_sii_read(m, i, (uint16_t)(at + 2), w + at + 2, size, err)) != XN_OK)
                return st;
        }
        /* the words as bytes, little-endian in place (the host may be either) */
        uint8_t *bytes = (uint8_t *)(w + at + 2);
        for (int k = 0; k < size; k++) {
            uint16_t v = d[k];
            bytes[2 * k] = (uint8_t)v;
            bytes[2 * k + 1] = (uint8_t)(v >> 8);
        }
        if (type == XN_SII_CAT_STRINGS) {
            strings = bytes;
            nstrings = 2 * size;
        } else if (type == XN_SII_CAT_GENERAL && size >= 2) {
            name_index = bytes[3];
        } else if (type == XN_SII_CAT_SYNCM) {
            s->nsm = 0;
            for (int k = 0; k + 8 <= 2 * size && s->nsm < XN_ECAT_MAX_SM; k += 8) {
                xn_ecat_sm *sm = &s->sm[s->nsm++];
                sm->start = xn_ecat_get16(bytes + k);
                sm->length = xn_ecat_get16(bytes + k + 2);
                sm->control = bytes[k + 4];
                sm->enable = bytes[k + 6];
            }
        }
        at += 2 + size;
    }
    if (strings && name_index) string_at(strings, nstrings, name_index, s->name, sizeof s->name);
    return XN_OK;
}
