/* The virtual segment's slave controllers: each datagram of a frame, slave by slave in the order
 * of the chain, as ETG.1000.4 says an ESC processes it on the fly (sim.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fieldbus/ethercat/coe.h"
#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/frame.h"
#include "fieldbus/ethercat/sim_internal.h"
#include "model/error_internal.h"

typedef xn_sim_esc esc;

struct xn_ecat_sim {
    int n;
    esc *slave;
    long frames, dropped;
    int64_t last_ns;   /* the last frame: the drives' time step */
    int64_t plant_ns;  /* the plant's last step */
    int64_t period_ns; /* > 0: the simulated clock's step */
    int64_t sim_ns;    /* the simulated clock */
    int64_t now_ns;    /* the true time of the last frame at the first slave */
    xn_ecat_sim_plant plant;
    void *plant_user;
    xn_ecat_sim_outputs *out; /* per slave, for the plant */
    xn_ecat_sim_inputs *in;
};

void xn_ecat_sim_set_plant(xn_ecat_sim *s, xn_ecat_sim_plant plant, void *user) {
    s->plant = plant;
    s->plant_user = user;
}

void xn_ecat_sim_set_period(xn_ecat_sim *s, int64_t period_ns) {
    s->period_ns = period_ns > 0 ? period_ns : 0;
}

/* Registers the master may not write (the controller's own, the statuses, the EEPROM's data, the
 * clock's latches, its time and its difference: writes there are commands, sim_dc.c). */
static int read_only(uint32_t a) {
    return a < 0x0010 || (a >= XN_ESC_DL_STATUS && a < XN_ESC_DL_STATUS + 2) ||
           (a >= XN_ESC_AL_STATUS && a < XN_ESC_AL_CODE + 2) ||
           (a >= XN_ESC_SII_DATA && a < XN_ESC_SII_DATA + 8) ||
           (a >= XN_ESC_SM(0) && a < XN_ESC_SM(8) && (a - XN_ESC_SM(0)) % 8 == 5) ||
           (a >= XN_ESC_DC_RECEIVE(0) && a < XN_ESC_DC_OFFSET) ||
           (a >= XN_ESC_DC_DIFF && a < XN_ESC_DC_DIFF + 4) ||
           (a >= XN_ESC_DC_SYNC0_STATUS && a < XN_ESC_DC_SYNC0_STATUS + 2);
}

static void reset(esc *e) {
    memset(e->reg, 0, XN_ESC_SPACE);
    e->reg[XN_ESC_TYPE] = 0x11; /* an ET1100-like controller */
    e->reg[XN_ESC_REVISION] = 0x00;
    e->reg[XN_ESC_FMMUS] = 8;
    e->reg[XN_ESC_SYNCMANAGERS] = 8;
    e->reg[XN_ESC_RAM_SIZE] = 8; /* KB */
    e->reg[XN_ESC_PORTS] = 0x0F;
    e->reg[XN_ESC_FEATURES] = XN_ESC_FEATURE_DC | 0x08; /* a distributed clock, 64 bits */
    /* port 0: link, communication; port 1 the same when a slave follows (e->dc.loop) */
    xn_ecat_put16(e->reg + XN_ESC_DL_STATUS,
                  0x0010 | 0x0200 | (e->dc.loop > 0 ? 0x0020 | 0x0800 : 0x0400));
    e->reg[XN_ESC_AL_STATUS] = XN_AL_INIT;
    xn_ecat_put16(e->reg + XN_ESC_WD_DIVIDER, 2498); /* 100 us ticks */
    xn_ecat_put16(e->reg + XN_ESC_WD_SM, 1000);      /* 100 ms */
}

/* Where each slave sits in time along the line: the frame reaches slave i fwd ns after the
 * first; from its port 0 back to its port 1 it takes loop ns (through it, along the cable, round
 * everything after it, and back along the cable). */
static void layout(xn_ecat_sim *s) {
    int64_t fwd = 0, back = 0; /* back: from entering slave i to leaving it toward the master */
    for (int i = s->n - 1; i >= 0; i--) {
        const xn_ecat_sim_slave *c = &s->slave[i].cfg;
        s->slave[i].dc.loop = i == s->n - 1 ? 0 : c->dc_esc_ns + 2 * c->dc_cable_ns + back;
        back = i == s->n - 1 ? c->dc_esc_ns : s->slave[i].dc.loop + c->dc_esc_ns;
    }
    for (int i = 0; i < s->n; i++) {
        s->slave[i].dc.fwd = fwd;
        fwd += s->slave[i].cfg.dc_esc_ns + s->slave[i].cfg.dc_cable_ns;
    }
}

xn_status xn_ecat_sim_create(int n, const xn_ecat_sim_slave *slaves, xn_ecat_sim **out,
                             xn_error *err) {
    *out = NULL;
    if (n < 1 || n > XN_ECAT_MAX_SLAVES)
        return xn_fail(err, XN_ERR_RANGE, "xn_ecat_sim_create", "%d slaves (1 to %d)", n,
                       XN_ECAT_MAX_SLAVES);
    xn_ecat_sim *s = calloc(1, sizeof *s);
    if (!s) return XN_ERR_NOMEM;
    s->n = n;
    s->slave = calloc((size_t)n, sizeof *s->slave);
    s->out = calloc((size_t)n, sizeof *s->out);
    s->in = calloc((size_t)n, sizeof *s->in);
    if (!s->slave || !s->out || !s->in) {
        free(s->slave);
        free(s->out);
        free(s->in);
        free(s);
        return XN_ERR_NOMEM;
    }
    for (int i = 0; i < n; i++) {
        esc *e = &s->slave[i];
        if (slaves)
            e->cfg = slaves[i];
        else
            xn_ecat_sim_slave_default(&e->cfg, i);
        e->reg = malloc(XN_ESC_SPACE);
        if (!e->reg) {
            xn_ecat_sim_free(s);
            return XN_ERR_NOMEM;
        }
    }
    layout(s);
    for (int i = 0; i < n; i++) {
        esc *e = &s->slave[i];
        reset(e);
        xn_ecat_sim_dc_init(e);
        xn_ecat_sim_eeprom(&e->cfg, e->eeprom, XN_SIM_EEPROM_WORDS);
        xn_ecat_sim_od_init(e);
        xn_ecat_sim_drive_init(e);
    }
    *out = s;
    return XN_OK;
}

void xn_ecat_sim_free(xn_ecat_sim *s) {
    if (!s) return;
    for (int i = 0; i < s->n; i++) free(s->slave[i].reg);
    free(s->slave);
    free(s->out);
    free(s->in);
    free(s);
}

uint8_t *xn_ecat_sim_registers(xn_ecat_sim *s, int position) {
    return position >= 0 && position < s->n ? s->slave[position].reg : NULL;
}

void xn_ecat_sim_emergency(xn_ecat_sim *s, int position, uint16_t code, uint8_t reg) {
    if (position >= 0 && position < s->n) xn_ecat_sim_emergency_esc(&s->slave[position], code, reg);
}

int xn_ecat_sim_drive(const xn_ecat_sim *s, int position, uint16_t *statusword, double *q,
                      int8_t *mode) {
    if (position < 0 || position >= s->n) return -1;
    const xn_sim_drive *d = &s->slave[position].drive;
    *statusword = xn_cia402_statusword(d->ds.state);
    *q = d->q;
    *mode = d->mode;
    return 0;
}

void xn_ecat_sim_fault(xn_ecat_sim *s, int position, uint16_t code) {
    if (position < 0 || position >= s->n) return;
    esc *e = &s->slave[position];
    xn_drive_sim_fault(&e->drive.ds, code, e->drive.q, e->drive.v);
    xn_ecat_sim_emergency_esc(e, code, 0x01); /* error register: generic error */
}

void xn_ecat_sim_unplug(xn_ecat_sim *s, int position, int unplugged) {
    if (position < 0 || position >= s->n) return;
    esc *e = &s->slave[position];
    if (e->unplugged && !unplugged) { /* back as after a power loss */
        double q = e->drive.q;
        reset(e);
        xn_ecat_sim_dc_init(e);
        xn_ecat_sim_od_init(e);
        xn_ecat_sim_drive_init(e);
        e->drive.q = q;
        xn_drive_sim_init(&e->drive.ds, q);
        e->sdo.active = 0;
        e->mbx_pending = 0;
    }
    e->unplugged = unplugged != 0;
}

long xn_ecat_sim_frames(const xn_ecat_sim *s, int dropped) {
    return dropped ? s->dropped : s->frames;
}

/* ---- the AL state machine ---- */

static void al_refuse(esc *e, uint16_t code) {
    e->reg[XN_ESC_AL_STATUS] = (uint8_t)((e->reg[XN_ESC_AL_STATUS] & 0x0F) | XN_AL_ERROR);
    xn_ecat_put16(e->reg + XN_ESC_AL_CODE, code);
}

/* sync manager i set as the EEPROM says: start, length, direction and mode, enabled (or, for
 * process data of no length, off) */
static int sm_matches(const esc *e, int i, uint16_t start, uint16_t len, uint8_t control) {
    const uint8_t *r = e->reg + XN_ESC_SM(i);
    if (len == 0 && i >= 2) return !(r[6] & 1) || xn_ecat_get16(r + 2) == 0;
    return xn_ecat_get16(r) == start && xn_ecat_get16(r + 2) == len &&
           (r[4] & 0x0F) == (control & 0x0F) && (r[6] & 1);
}

static void al_request(esc *e, uint8_t control) {
    uint8_t want = control & 0x0F, now = e->reg[XN_ESC_AL_STATUS] & 0x0F;
    int error = (e->reg[XN_ESC_AL_STATUS] & XN_AL_ERROR) != 0;
    if (want == XN_AL_INIT) { /* always allowed, and clears an error */
        e->reg[XN_ESC_AL_STATUS] = XN_AL_INIT;
        xn_ecat_put16(e->reg + XN_ESC_AL_CODE, 0);
        return;
    }
    if (error && !(control & XN_AL_ERROR)) return; /* stays until acknowledged */
    if (error) {
        e->reg[XN_ESC_AL_STATUS] = now;
        xn_ecat_put16(e->reg + XN_ESC_AL_CODE, 0);
    }
    if (want == now) return;
    const xn_ecat_sim_slave *c = &e->cfg;
    switch (want) {
    case XN_AL_PREOP:
        if (now == XN_AL_INIT &&
            !(sm_matches(e, 0, c->mbx_out_offset, c->mbx_out_size, XN_SM_CTRL_MBX_OUT) &&
              sm_matches(e, 1, c->mbx_in_offset, c->mbx_in_size, XN_SM_CTRL_MBX_IN))) {
            al_refuse(e, 0x0016); /* invalid mailbox configuration */
            return;
        }
        break; /* from INIT (configured), SAFE-OP or OP */
    case XN_AL_SAFEOP:
        if (now == XN_AL_INIT) {
            al_refuse(e, 0x0011); /* invalid requested state change */
            return;
        }
        if (now == XN_AL_PREOP) {
            /* the sync managers' lengths: what the PDO assignment and mapping give */
            uint16_t out = (uint16_t)xn_ecat_sim_pdo_bytes(e, 1),
                     in = (uint16_t)xn_ecat_sim_pdo_bytes(e, 0);
            if (!sm_matches(e, 2, c->out_offset, out, XN_SM_CTRL_OUTPUTS)) {
                al_refuse(e, 0x001D); /* invalid output configuration */
                return;
            }
            if (!sm_matches(e, 3, c->in_offset, in, XN_SM_CTRL_INPUTS)) {
                al_refuse(e, 0x001E); /* invalid input configuration */
                return;
            }
        }
        break;
    case XN_AL_OP:
        if (now != XN_AL_SAFEOP) {
            al_refuse(e, 0x0011);
            return;
        }
        if (e->drive.outputs_seen == 0 && xn_ecat_sim_pdo_bytes(e, 1) > 0) {
            al_refuse(e, 0x0019); /* no valid outputs: process data must flow first */
            return;
        }
        break;
    case XN_AL_BOOT: al_refuse(e, 0x0013); return; /* bootstrap not supported */
    default: al_refuse(e, 0x0012); return;         /* unknown requested state */
    }
    if (now == XN_AL_OP && want != XN_AL_OP) /* the outputs are no longer obeyed: it stops */
        xn_drive_sim_command(&e->drive.ds, 0x0002, e->drive.q, e->drive.v);
    e->reg[XN_ESC_AL_STATUS] = want;
}

/* ---- the EEPROM interface ---- */

static void sii_command(esc *e) {
    uint16_t ctl = xn_ecat_get16(e->reg + XN_ESC_SII_CONTROL);
    uint32_t word = xn_ecat_get32(e->reg + XN_ESC_SII_ADDRESS);
    ctl &= (uint16_t) ~(XN_SII_BUSY | XN_SII_ERR_COMMAND);
    if ((ctl & 0x0700) == XN_SII_CMD_READ) {
        for (int i = 0; i < 2; i++) { /* 4 bytes per read (XN_SII_READ8 not offered) */
            uint32_t a = word + (uint32_t)i;
            uint16_t v = a < XN_SIM_EEPROM_WORDS ? e->eeprom[a] : 0xFFFF;
            xn_ecat_put16(e->reg + XN_ESC_SII_DATA + 2 * i, v);
        }
    } else if (ctl & 0x0700) {
        ctl |= XN_SII_ERR_COMMAND; /* write and reload: not offered */
    }
    ctl &= (uint16_t)~0x0700; /* done at once: never busy */
    xn_ecat_put16(e->reg + XN_ESC_SII_CONTROL, ctl);
}

/* ---- one datagram at one slave ---- */

/* What a write of len bytes at ado changed, carried out. */
static void after_write(esc *e, uint32_t ado, uint32_t len) {
    if (ado <= XN_ESC_AL_CONTROL && ado + len > XN_ESC_AL_CONTROL)
        al_request(e, e->reg[XN_ESC_AL_CONTROL]);
    if (ado <= XN_ESC_SII_CONTROL + 1 && ado + len > XN_ESC_SII_CONTROL + 1) sii_command(e);
}

/* 1 when [ado, ado + len) covers the last byte of sync manager k's area, it is enabled, and
 * the mailbox works (PRE-OP and up) */
static int ends_mailbox(const esc *e, int k, uint32_t ado, uint32_t len) {
    const uint8_t *sm = e->reg + XN_ESC_SM(k);
    uint32_t last = (uint32_t)xn_ecat_get16(sm) + xn_ecat_get16(sm + 2) - 1;
    uint8_t al = e->reg[XN_ESC_AL_STATUS] & 0x0F;
    return (sm[6] & 1) && xn_ecat_get16(sm + 2) > 0 && ado <= last && ado + len > last &&
           al != XN_AL_INIT && al != XN_AL_BOOT;
}

static void do_write(esc *e, uint32_t ado, const uint8_t *data, uint32_t len) {
    for (uint32_t i = 0; i < len; i++)
        if (!read_only(ado + i)) e->reg[ado + i] = data[i];
    after_write(e, ado, len);
    if (ado < XN_ESC_DC_CYCLE0 + 8 && ado + len > XN_ESC_DC_RECEIVE(0))
        xn_ecat_sim_dc_write(e, ado, data, len);
    if (ends_mailbox(e, 0, ado, len)) { /* a request in: answered once the send mailbox is free */
        if (e->reg[XN_ESC_SM(1) + 5] & XN_SM_STATUS_FULL)
            e->mbx_pending = 1;
        else
            xn_ecat_sim_mailbox(e);
    }
}

/* A logical command through the slave's FMMUs (byte granular: start bit 0, end bit 7): each
 * active FMMU that overlaps the datagram's logical range copies between it and the physical
 * memory it maps, reading (type bit 0) or writing (bit 1). The working counter's increment: 1
 * for a read, 2 for a write (LRW: both, 3). */
static int logical(esc *e, xn_ecat_datagram *d) {
    int did_read = 0, did_write = 0;
    for (int f = 0; f < e->reg[XN_ESC_FMMUS] && f < 16; f++) {
        const uint8_t *r = e->reg + XN_ESC_FMMU(f);
        if (!(r[12] & 1)) continue;
        uint32_t ls = xn_ecat_get32(r), flen = xn_ecat_get16(r + 4);
        uint32_t ps = xn_ecat_get16(r + 8), type = r[11];
        uint32_t lo = ls > d->logical ? ls : d->logical;
        uint64_t end_f = (uint64_t)ls + flen, end_d = (uint64_t)d->logical + d->len;
        uint64_t hi = end_f < end_d ? end_f : end_d;
        if (hi <= lo) continue;
        uint32_t n = (uint32_t)(hi - lo), at_d = lo - d->logical, at_p = ps + (lo - ls);
        if (at_p + n > XN_ESC_SPACE) continue;
        if ((type & 1) && (d->cmd == XN_ECAT_LRD || d->cmd == XN_ECAT_LRW)) {
            memcpy(d->data + at_d, e->reg + at_p, n);
            did_read = 1;
        }
        if ((type & 2) && (d->cmd == XN_ECAT_LWR || d->cmd == XN_ECAT_LRW)) {
            do_write(e, at_p, d->data + at_d, n);
            did_write = 1;
            const uint8_t *sm2 = e->reg + XN_ESC_SM(2);
            if ((sm2[6] & 1) && at_p <= xn_ecat_get16(sm2) &&
                at_p + n >= (uint32_t)xn_ecat_get16(sm2) + xn_ecat_get16(sm2 + 2)) {
                e->outputs_written = 1; /* the whole output buffer: the drive takes it */
                e->dc.pending = 1;      /* (at the next SYNC0, when that is active) */
            }
        }
    }
    return did_read + 2 * did_write;
}

/* read: 1, write: 2, both: 3 (the working counter's increments); 0 not addressed */
static int process(esc *e, xn_ecat_datagram *d) {
    uint16_t station = xn_ecat_get16(e->reg + XN_ESC_STATION);
    uint32_t ado = d->ado, len = d->len;
    int in_range = ado + len <= XN_ESC_SPACE;
    int addressed = 0, rd = 0, wr = 0, or_read = 0;
    switch (d->cmd) {
    case XN_ECAT_APRD: addressed = d->adp == 0, rd = 1; break;
    case XN_ECAT_APWR: addressed = d->adp == 0, wr = 1; break;
    case XN_ECAT_APRW: addressed = d->adp == 0, rd = wr = 1; break;
    case XN_ECAT_FPRD: addressed = d->adp == station, rd = 1; break;
    case XN_ECAT_FPWR: addressed = d->adp == station, wr = 1; break;
    case XN_ECAT_FPRW: addressed = d->adp == station, rd = wr = 1; break;
    case XN_ECAT_BRD: addressed = 1, rd = or_read = 1; break;
    case XN_ECAT_BWR: addressed = 1, wr = 1; break;
    case XN_ECAT_BRW: addressed = 1, rd = or_read = wr = 1; break;
    case XN_ECAT_ARMW: addressed = 1, rd = d->adp == 0, wr = d->adp != 0; break;
    case XN_ECAT_FRMW: addressed = 1, rd = d->adp == station, wr = d->adp != station; break;
    case XN_ECAT_LRD:
    case XN_ECAT_LWR:
    case XN_ECAT_LRW: return logical(e, d);
    default: break; /* NOP */
    }
    /* position addressing counts down the chain: every slave adds one */
    if (d->cmd == XN_ECAT_APRD || d->cmd == XN_ECAT_APWR || d->cmd == XN_ECAT_APRW ||
        d->cmd == XN_ECAT_BRD || d->cmd == XN_ECAT_BWR || d->cmd == XN_ECAT_BRW ||
        d->cmd == XN_ECAT_ARMW) {
        d->adp = (uint16_t)(d->adp + 1);
        xn_ecat_put16(d->header + 2, d->adp);
    }
    if (!addressed || !in_range) return 0;
    if (rd) xn_ecat_sim_dc_refresh(e, ado, len);
    if (rd && wr && !or_read) { /* APRW, FPRW: the old contents out, the datagram's in */
        uint8_t tmp[XN_ECAT_DATA_MAX];
        memcpy(tmp, e->reg + ado, len);
        do_write(e, ado, d->data, len);
        memcpy(d->data, tmp, len);
        return 3;
    }
    int inc = 0;
    if (rd) { /* a broadcast read ORs every slave's contents */
        if (or_read)
            for (uint32_t i = 0; i < len; i++) d->data[i] |= e->reg[ado + i];
        else
            memcpy(d->data, e->reg + ado, len);
        inc += 1;
        if (ends_mailbox(e, 1, ado, len)) { /* the answer read out: the mailbox empty again */
            e->reg[XN_ESC_SM(1) + 5] &= (uint8_t)~XN_SM_STATUS_FULL;
            if (e->mbx_pending) {
                e->mbx_pending = 0;
                xn_ecat_sim_mailbox(e);
            }
        }
    }
    if (wr) { /* BRW writes what arrived ORed with what it read */
        do_write(e, ado, d->data, len);
        inc += rd ? 2 : 1;
    }
    return inc;
}

/* the wall clock (ns) */
static int64_t wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The segment at true time now (the frame, or a look between frames, at the first slave): each
 * slave sees it as far along the line as it sits; a clock runs from the first such moment. */
static void at_time(xn_ecat_sim *s, int64_t now) {
    s->now_ns = now;
    for (int i = 0; i < s->n; i++) {
        xn_sim_dc *c = &s->slave[i].dc;
        c->now = now + c->fwd;
        if (c->t_ref < 0) c->t_ref = c->now;
    }
}

/* The plant moves by dt with every slave's outputs and fills the inputs of those whose process
 * data is valid. */
static void plant_step(xn_ecat_sim *s, double dt) {
    for (int i = 0; i < s->n; i++) xn_ecat_sim_drive_outputs(&s->slave[i], &s->out[i]);
    s->plant(s->plant_user, s->n, s->out, s->in, dt);
    for (int i = 0; i < s->n; i++) {
        uint8_t al = s->slave[i].reg[XN_ESC_AL_STATUS] & 0x0F;
        if (al == XN_AL_SAFEOP || al == XN_AL_OP) xn_ecat_sim_drive_inputs(&s->slave[i], &s->in[i]);
    }
}

/* The SYNC0 events due before this frame reaches each slave: each moves the slave's drive (and
 * the plant) by one cycle with the outputs that arrived since the event before, or with the last
 * ones again when none did (counted as missed). A pause of more
 * than MAX_EVENTS cycles (a master that stopped) counts them missed without moving. */
#define MAX_EVENTS 64
static void sync0_events(xn_ecat_sim *s) {
    for (int round = 0;; round++) {
        int due = 0;
        double dt = 0;
        int64_t at = 0;
        for (int i = 0; i < s->n; i++) {
            esc *e = &s->slave[i];
            if (e->unplugged || !xn_ecat_sim_dc_sync0_due(e, &at)) continue;
            due = 1;
            dt = (double)xn_ecat_sim_dc_cycle(e) * 1e-9;
            xn_sim_dc *c = &e->dc;
            c->events++;
            if (xn_ecat_sim_pdo_bytes(e, 1) == 0) c->pending = 1; /* no outputs to wait for */
            uint8_t al = e->reg[XN_ESC_AL_STATUS] & 0x0F;
            if (!c->pending) c->missed++;
            if (al == XN_AL_OP) {
                c->sync_errors =
                    c->pending ? (c->sync_errors > 0 ? c->sync_errors - 1 : 0) : c->sync_errors + 3;
                if (c->sync_errors > e->cfg.sync_error_limit) { /* (xn_ecat_sim_slave) */
                    e->reg[XN_ESC_AL_STATUS] = XN_AL_SAFEOP | XN_AL_ERROR;
                    xn_ecat_put16(e->reg + XN_ESC_AL_CODE, 0x001A); /* synchronisation error */
                    xn_drive_sim_command(&e->drive.ds, 0x0002, e->drive.q, e->drive.v);
                }
            }
            e->outputs_written = c->pending;
            xn_ecat_sim_drive_step(e, at, dt);
            c->pending = 0;
        }
        if (!due) break;
        if (s->plant) plant_step(s, dt);
        if (round + 1 == MAX_EVENTS) { /* the rest at once: missed, no motion */
            for (int i = 0; i < s->n; i++) {
                long k = xn_ecat_sim_dc_sync0_skip(&s->slave[i]);
                s->slave[i].dc.events += k;
                s->slave[i].dc.missed += k;
            }
            break;
        }
    }
}

int xn_ecat_sim_process(xn_ecat_sim *s, uint8_t *frame, size_t len) {
    xn_ecat_datagram dg[XN_ECAT_MAX_DATAGRAMS];
    int n = 0;
    if (xn_ecat_parse(frame, len, dg, XN_ECAT_MAX_DATAGRAMS, &n, NULL) != XN_OK) {
        s->dropped++;
        return -1;
    }
    /* the time: the wall clock, or the simulated one (every frame takes some) */
    int pd = 0; /* the frame carries process data: the plant moves with it */
    for (int k = 0; k < n; k++)
        pd |= dg[k].cmd == XN_ECAT_LRW || dg[k].cmd == XN_ECAT_LWR || dg[k].cmd == XN_ECAT_LRD;
    int64_t now = wall_ns();
    if (s->period_ns) {
        s->sim_ns += pd ? s->period_ns : XN_ECAT_SIM_ACYCLIC_NS;
        now = s->sim_ns;
    }
    /* what SYNC0 did before the frame arrived */
    at_time(s, now);
    sync0_events(s);
    for (int i = 0; i < s->n; i++) { /* the frame passes each slave in turn */
        s->slave[i].outputs_written = 0;
        if (s->slave[i].unplugged) continue; /* passed by: no address counted, no answer */
        for (int k = 0; k < n; k++) {
            int inc = process(&s->slave[i], &dg[k]);
            if (inc) xn_ecat_set_wkc(&dg[k], (uint16_t)(dg[k].wkc + inc));
        }
    }
    /* then the drives not on SYNC0, on the time since the last frame */
    double dt = s->last_ns ? (double)(now - s->last_ns) * 1e-9 : 0;
    s->last_ns = now;
    int on_sync0 = 0;
    for (int i = 0; i < s->n; i++) {
        esc *e = &s->slave[i];
        on_sync0 |= e->dc.sync_running;
        if (!e->unplugged && !e->dc.sync_running) xn_ecat_sim_drive_step(e, now, dt);
    }
    if (s->plant && pd && !on_sync0) {
        plant_step(s, s->plant_ns ? (double)(now - s->plant_ns) * 1e-9 : 0);
        s->plant_ns = now;
    }
    frame[6] |= 0x02; /* the source address as the first slave returns it (locally administered) */
    s->frames++;
    return 0;
}

int64_t xn_ecat_sim_poll(xn_ecat_sim *s) {
    if (s->period_ns) return 0; /* a simulated clock moves with the frames only */
    int64_t next = INT64_MAX;
    at_time(s, wall_ns());
    sync0_events(s);
    for (int i = 0; i < s->n; i++) { /* the next event, at the clock's rate within ns */
        const esc *e = &s->slave[i];
        if (e->unplugged || !e->dc.sync_active) continue;
        int64_t at = e->dc.next_sync0 - xn_ecat_sim_dc_system(e, e->dc.now);
        if (at < next) next = at;
    }
    return next == INT64_MAX ? 0 : next < 1 ? 1 : next;
}

int64_t xn_ecat_sim_dc_system_time(const xn_ecat_sim *s, int position) {
    if (position < 0 || position >= s->n) return 0;
    return xn_ecat_sim_dc_system(&s->slave[position], s->now_ns);
}

int64_t xn_ecat_sim_dc_spread(const xn_ecat_sim *s) {
    int64_t worst = 0, first = 0;
    int have = 0;
    /* one instant after the last frame passed them all: every clock's state holds there */
    int64_t at = s->now_ns + s->slave[s->n - 1].dc.fwd;
    for (int i = 0; i < s->n; i++) {
        if (!s->slave[i].dc.sync_active || s->slave[i].unplugged) continue;
        int64_t t = xn_ecat_sim_dc_system(&s->slave[i], at);
        if (!have++) first = t;
        int64_t d = t > first ? t - first : first - t;
        if (d > worst) worst = d;
    }
    return worst;
}

int64_t xn_ecat_sim_dc_true_delay(const xn_ecat_sim *s, int position) {
    return position >= 0 && position < s->n ? s->slave[position].dc.fwd : 0;
}

long xn_ecat_sim_sync0_events(const xn_ecat_sim *s, int position, long *missed) {
    if (position < 0 || position >= s->n) return 0;
    if (missed) *missed = s->slave[position].dc.missed;
    return s->slave[position].dc.events;
}
