/* Bringing back a slave that dropped out of a running segment (power lost and back, a cable out
 * and in) or left OP (its watchdog, a fault): a slave that lost power comes back in INIT without
 * its station address, mailbox, mapping, sync managers or FMMUs, so each is given again, in the
 * order a start gives them, after checking it is the same device the scan found there.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/master_internal.h"
#include "model/error_internal.h"

/* the SII identity of slave i again (vendor, product, serial) */
static xn_status same_device(xn_ecat_master *m, int i, xn_error *err) {
    uint16_t w[8];
    xn_status st = xn_ecat_sii_read(m, i, XN_SII_VENDOR, w, 8, err);
    if (st != XN_OK) return st;
    const xn_ecat_slave *s = &m->slave[i];
    uint32_t vendor = w[0] | (uint32_t)w[1] << 16, product = w[2] | (uint32_t)w[3] << 16,
             serial = w[6] | (uint32_t)w[7] << 16;
    if (vendor != s->vendor || product != s->product || serial != s->serial)
        return xn_fail_at(err, XN_ERR_INVALID, "xn_ecat_recover", i,
                          "slave %d is another device now (vendor 0x%08X product 0x%08X serial %u; "
                          "the scan found 0x%08X 0x%08X %u): scan again",
                          i, vendor, product, serial, s->vendor, s->product, s->serial);
    return XN_OK;
}

xn_status xn_ecat_recover(xn_ecat_master *m, int i, xn_error *err) {
    static const char *const fn = "xn_ecat_recover";
    if (i < 0 || i >= m->nslave)
        return xn_fail(err, XN_ERR_RANGE, fn, "slave %d (the scan found %d)", i, m->nslave);
    if (!m->pd_ready || !m->pd[i].configured)
        return xn_fail_at(err, XN_ERR_INVALID, fn, i, "no process data was running");
    xn_ecat_slave *s = &m->slave[i];
    /* the station address, by position: a slave that was powered off lost it */
    uint8_t b[2];
    uint16_t wkc = 0;
    xn_ecat_put16(b, s->station);
    xn_status st = xn_ecat_exchange(m, XN_ECAT_APWR, xn_ecat_address((uint16_t)-i, XN_ESC_STATION),
                                    b, 2, &wkc, fn, err);
    if (st != XN_OK) return st;
    if (wkc != 1)
        return xn_fail_at(err, XN_ERR_IO, fn, i,
                          "slave %d (station 0x%04X) still does not answer at its position", i,
                          s->station);
    /* to PRE-OP (straight down from above it, up from INIT), its mapping again, then up */
    if ((st = same_device(m, i, err)) != XN_OK ||
        (st = xn_ecat_set_state(m, i, XN_ECAT_PREOP, 2.0, err)) != XN_OK)
        return st;
    xn_ecat_pdo_map map = m->pd[i].map;
    if ((st = xn_ecat_pdo_configure(m, i, &map, err)) != XN_OK ||
        (st = xn_ecat_pd_sync(m, i, err)) != XN_OK ||
        (st = xn_ecat_dc_rejoin(m, i, err)) != XN_OK ||
        (st = xn_ecat_set_state(m, i, XN_ECAT_OP, 2.0, err)) != XN_OK)
        return st;
    return XN_OK;
}
