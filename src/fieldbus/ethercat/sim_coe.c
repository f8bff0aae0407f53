/* The virtual slaves' CANopen over EtherCAT: the object dictionary of a CiA 402 servo drive
 * and an SDO server over the mailbox (expedited, normal and segmented transfers both ways, the
 * abort codes of CiA 301 for what a real drive refuses). The PDO assignment and mapping are
 * ordinary objects here, writable in PRE-OP only, and decide the process data sizes the AL state
 * machine checks the sync managers against.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "fieldbus/ethercat/coe.h"
#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/frame.h"
#include "fieldbus/ethercat/sim_internal.h"

static xn_sim_od_entry *add(xn_sim_esc *e, uint16_t index, uint8_t sub, uint8_t len, uint8_t access,
                            uint32_t value) {
    xn_sim_od_entry *o = &e->od[e->nod++];
    memset(o, 0, sizeof *o);
    o->index = index;
    o->sub = sub;
    o->len = len;
    o->access = access;
    for (int i = 0; i < len && i < 4; i++) o->v[i] = (uint8_t)(value >> (8 * i));
    return o;
}

static void add_string(xn_sim_esc *e, uint16_t index, const char *text) {
    xn_sim_od_entry *o = add(e, index, 0, 0, OD_RO, 0);
    size_t n = strlen(text);
    if (n > XN_SIM_OD_VALUE) n = XN_SIM_OD_VALUE;
    memcpy(o->v, text, n);
    o->len = (uint8_t)n;
    o->string = 1;
}

/* a PDO assignment or mapping: sub 0 the count, then the entries (room for `room`) */
static void add_list(xn_sim_esc *e, uint16_t index, const uint32_t *entries, int n, int bytes,
                     int room) {
    add(e, index, 0, 1, OD_PREOP, (uint32_t)n);
    for (int i = 0; i < room; i++)
        add(e, index, (uint8_t)(i + 1), (uint8_t)bytes, OD_PREOP, i < n ? entries[i] : 0);
}

static void identity(xn_sim_esc *e, uint32_t device_type, const char *hardware) {
    const xn_ecat_sim_slave *c = &e->cfg;
    add(e, 0x1000, 0, 4, OD_RO, device_type);
    add_string(e, 0x1008, c->name);
    add_string(e, 0x1009, hardware);
    add(e, 0x1018, 0, 1, OD_RO, 4);
    add(e, 0x1018, 1, 4, OD_RO, c->vendor);
    add(e, 0x1018, 2, 4, OD_RO, c->product);
    add(e, 0x1018, 3, 4, OD_RO, c->revision);
    add(e, 0x1018, 4, 4, OD_RO, c->serial);
}

/* an IMU: inputs only, ten REAL32 values in the manufacturer-specific range */
static void imu_od(xn_sim_esc *e) {
    identity(e, 0x00000000, "xiaonao virtual IMU, hardware 1.0 (a simulation, no hardware)");
    uint32_t tx[10];
    for (int i = 0; i < 10; i++) {
        uint16_t index = (uint16_t)(i < 4 ? 0x2100 : i < 7 ? 0x2101 : 0x2102);
        int sub = i < 4 ? i + 1 : i < 7 ? i - 3 : i - 6;
        tx[i] = (uint32_t)index << 16 | (uint32_t)sub << 8 | 32;
        add(e, index, (uint8_t)sub, 4, OD_RO, 0);
    }
    static const uint32_t tx_assign[] = {0x1A00}, none[] = {0};
    add_list(e, 0x1A00, tx, 10, 4, 10);
    add_list(e, 0x1C12, none, 0, 2, 1);
    add_list(e, 0x1C13, tx_assign, 1, 2, 1);
}

void xn_ecat_sim_od_init(xn_sim_esc *e) {
    e->nod = 0;
    if (e->cfg.kind == XN_ECAT_SIM_IMU) {
        imu_od(e);
        return;
    }
    /* device type: CiA 402, a servo drive */
    identity(e, 0x00020192, "xiaonao virtual drive, hardware 1.0 (a simulation, no hardware)");
    static const uint32_t rx[] = {0x60400010, 0x607A0020, 0x60FF0020, 0x60710010, 0x60600008};
    static const uint32_t tx[] = {0x60410010, 0x60640020, 0x606C0020,
                                  0x60770010, 0x60610008, 0x603F0010};
    add_list(e, 0x1600, rx, 5, 4, 8); /* room for 8, as small drives offer */
    add_list(e, 0x1A00, tx, 6, 4, 8);
    static const uint32_t rx_assign[] = {0x1600}, tx_assign[] = {0x1A00};
    add_list(e, 0x1C12, rx_assign, 1, 2, 8);
    add_list(e, 0x1C13, tx_assign, 1, 2, 8);
    xn_sim_od_entry *note = add(e, 0x2000, 0, 0, OD_RW, 0); /* a note the drive keeps */
    note->string = 1;
    add(e, 0x603F, 0, 2, OD_RO, 0);          /* error code */
    add(e, 0x6040, 0, 2, OD_RW, 0);          /* controlword */
    add(e, 0x6041, 0, 2, OD_RO, 0x0250);     /* statusword: switch on disabled */
    add(e, 0x6060, 0, 1, OD_RW, 8);          /* modes of operation: CSP */
    add(e, 0x6061, 0, 1, OD_RO, 8);          /* its display */
    add(e, 0x6064, 0, 4, OD_RO, 0);          /* position actual (counts) */
    add(e, 0x606C, 0, 4, OD_RO, 0);          /* velocity actual */
    add(e, 0x6071, 0, 2, OD_RW, 0);          /* target torque (per mille of rated) */
    add(e, 0x6072, 0, 2, OD_RW, 3000);       /* max torque */
    add(e, 0x6076, 0, 4, OD_RO, 87000);      /* rated torque (mN m) */
    add(e, 0x6077, 0, 2, OD_RO, 0);          /* torque actual */
    add(e, 0x607A, 0, 4, OD_RW, 0);          /* target position */
    add(e, 0x60FF, 0, 4, OD_RW, 0);          /* target velocity */
    add(e, 0x6502, 0, 4, OD_RO, 0x00000380); /* supported modes: CSP, CSV, CST */
}

static xn_sim_od_entry *find(xn_sim_esc *e, uint16_t index, uint8_t sub, int *index_known) {
    *index_known = 0;
    for (int i = 0; i < e->nod; i++) {
        if (e->od[i].index != index) continue;
        *index_known = 1;
        if (e->od[i].sub == sub) return &e->od[i];
    }
    return NULL;
}

/* Walk the objects a PDO assignment (0x1C12 outputs, 0x1C13 inputs) maps, in order: where
 * object index:sub starts (bytes), its length into *bytes, or -1 when it is not mapped; with index
 * 0, the total of every mapped object's bytes. */
static int walk_mapping(const xn_sim_esc *e, int outputs, uint16_t index, uint8_t sub, int *bytes) {
    uint16_t assign = outputs ? 0x1C12 : 0x1C13;
    int bits = 0, known;
    xn_sim_esc *m = (xn_sim_esc *)e;
    const xn_sim_od_entry *n = find(m, assign, 0, &known);
    for (int i = 1; n && i <= n->v[0]; i++) {
        const xn_sim_od_entry *a = find(m, assign, (uint8_t)i, &known);
        uint16_t pdo = a ? xn_ecat_get16(a->v) : 0;
        const xn_sim_od_entry *pn = find(m, pdo, 0, &known);
        for (int k = 1; pn && k <= pn->v[0]; k++) {
            const xn_sim_od_entry *me = find(m, pdo, (uint8_t)k, &known);
            if (!me) continue;
            uint32_t entry = xn_ecat_get32(me->v); /* index, subindex, length in bits */
            if (index && entry >> 16 == index && (entry >> 8 & 0xFF) == sub) {
                *bytes = (int)(entry & 0xFF) / 8;
                return bits / 8;
            }
            bits += (int)(entry & 0xFF);
        }
    }
    return index ? -1 : bits / 8;
}

int xn_ecat_sim_pdo_bytes(const xn_sim_esc *e, int outputs) {
    int unused;
    return walk_mapping(e, outputs, 0, 0, &unused);
}

int xn_ecat_sim_pdo_offset(const xn_sim_esc *e, int outputs, uint16_t index, int *bytes) {
    return walk_mapping(e, outputs, index, 0, bytes);
}

int xn_ecat_sim_pdo_offset_sub(const xn_sim_esc *e, int outputs, uint16_t index, uint8_t sub,
                               int *bytes) {
    return walk_mapping(e, outputs, index, sub, bytes);
}

void xn_ecat_sim_od_set(xn_sim_esc *e, uint16_t index, uint8_t sub, uint32_t value) {
    int known;
    xn_sim_od_entry *o = find(e, index, sub, &known);
    if (o)
        for (int i = 0; i < o->len && i < 4; i++) o->v[i] = (uint8_t)(value >> (8 * i));
}

/* ---- the SDO server ---- */

static uint8_t *response(xn_sim_esc *e, int sdo_len) {
    const xn_ecat_sim_slave *c = &e->cfg;
    uint8_t *r = e->reg + c->mbx_in_offset;
    memset(r, 0, c->mbx_in_size);
    xn_ecat_put16(r, (uint16_t)(XN_COE_HEADER + sdo_len));
    e->mbx_counter = (uint8_t)(e->mbx_counter % 7 + 1);
    r[5] = (uint8_t)(XN_MBX_TYPE_COE | e->mbx_counter << 4);
    xn_ecat_put16(r + XN_MBX_HEADER, XN_COE_SDO_RESPONSE << 12);
    return r + XN_MBX_HEADER + XN_COE_HEADER;
}

static void abort_sdo(xn_sim_esc *e, uint16_t index, uint8_t sub, uint32_t code) {
    uint8_t *s = response(e, XN_SDO_HEADER);
    s[0] = XN_SDO_ABORT;
    xn_ecat_put16(s + 1, index);
    s[3] = sub;
    xn_ecat_put32(s + 4, code);
    e->sdo.active = 0;
}

/* a value written: the access and the length checked (the CiA 301 abort codes) */
static uint32_t store(xn_sim_esc *e, xn_sim_od_entry *o, const uint8_t *data, int len) {
    uint8_t al = e->reg[XN_ESC_AL_STATUS] & 0x0F;
    if (o->access == OD_RO) return 0x06010002;                         /* read-only */
    if (o->access == OD_PREOP && al != XN_AL_PREOP) return 0x08000022; /* not in this state */
    if (o->string) { /* a visible string: any length that fits */
        if (len > XN_SIM_OD_VALUE) return 0x06070012;
        memcpy(o->v, data, (size_t)len);
        o->len = (uint8_t)len;
        return 0;
    }
    if (len > o->len) return 0x06070012; /* too long */
    if (len < o->len) return 0x06070013; /* too short */
    if (o->sub == 0 &&
        (o->index == 0x1C12 || o->index == 0x1C13 || o->index == 0x1600 || o->index == 0x1A00) &&
        data[0] > 8)
        return 0x06090031; /* more entries than there is room for */
    memcpy(o->v, data, (size_t)len);
    return 0;
}

static void upload_init(xn_sim_esc *e, uint16_t index, uint8_t sub) {
    int known;
    xn_sim_od_entry *o = find(e, index, sub, &known);
    if (!o) {
        abort_sdo(e, index, sub, known ? 0x06090011 : 0x06020000);
        return;
    }
    int room = e->cfg.mbx_in_size - XN_SDO_DATA_AT;
    if (o->len <= 4 && !o->string) { /* expedited: the data in the four bytes */
        uint8_t *s = response(e, XN_SDO_HEADER);
        s[0] = (uint8_t)(XN_SDO_R_UPLOAD_INIT | XN_SDO_EXPEDITED | XN_SDO_SIZE | (4 - o->len) << 2);
        xn_ecat_put16(s + 1, index);
        s[3] = sub;
        memcpy(s + 4, o->v, o->len);
        return;
    }
    /* normal: the size, then as much as fits; the rest in segments */
    int first = o->len < room ? o->len : room;
    uint8_t *s = response(e, XN_SDO_HEADER + first);
    s[0] = XN_SDO_R_UPLOAD_INIT | XN_SDO_SIZE;
    xn_ecat_put16(s + 1, index);
    s[3] = sub;
    xn_ecat_put32(s + 4, o->len);
    memcpy(s + 8, o->v, (size_t)first);
    if (first < o->len) {
        e->sdo = (xn_sim_sdo){1, 1, 0, index, sub, {0}, o->len, first};
        memcpy(e->sdo.buf, o->v, o->len);
    }
}

static void upload_segment(xn_sim_esc *e, uint8_t cmd) {
    xn_sim_sdo *t = &e->sdo;
    if (!t->active || !t->upload) {
        abort_sdo(e, 0, 0, 0x05040001); /* no transfer: the command is not valid now */
        return;
    }
    if ((cmd & XN_SDO_TOGGLE) != (t->toggle ? XN_SDO_TOGGLE : 0)) {
        abort_sdo(e, t->index, t->sub, 0x05030000); /* toggle bit not alternated */
        return;
    }
    int room = e->cfg.mbx_in_size - XN_SDO_SEG_AT, left = t->len - t->at;
    int n = left < room ? left : room;
    int data_len = n < 7 ? 7 : n; /* a segment carries at least 7 bytes, n of them data */
    uint8_t *s = response(e, 1 + data_len);
    s[0] = (uint8_t)(XN_SDO_R_UPLOAD_SEG | (t->toggle ? XN_SDO_TOGGLE : 0) |
                     (n < 7 ? (7 - n) << 1 : 0) | (n == left ? XN_SDO_LAST : 0));
    memcpy(s + 1, t->buf + t->at, (size_t)n);
    t->at += n;
    t->toggle = !t->toggle;
    if (t->at >= t->len) t->active = 0;
}

static void download_init(xn_sim_esc *e, const uint8_t *sdo, int sdo_len) {
    uint8_t cmd = sdo[0], sub = sdo[3];
    uint16_t index = xn_ecat_get16(sdo + 1);
    int known;
    xn_sim_od_entry *o = find(e, index, sub, &known);
    if (!o) {
        abort_sdo(e, index, sub, known ? 0x06090011 : 0x06020000);
        return;
    }
    int len;
    const uint8_t *data;
    if (cmd & XN_SDO_EXPEDITED) {
        len = cmd & XN_SDO_SIZE ? 4 - ((cmd >> 2) & 3) : 4;
        data = sdo + 4;
    } else { /* normal: the size, then the data in this mailbox and in segments after it */
        len = (int)xn_ecat_get32(sdo + 4);
        if (len > XN_SIM_SDO_MAX || len < 0) {
            abort_sdo(e, index, sub, 0x06070012);
            return;
        }
        int here = sdo_len - XN_SDO_HEADER;
        if (here > len) here = len;
        if (here < len) {
            e->sdo = (xn_sim_sdo){1, 0, 0, index, sub, {0}, len, here};
            memcpy(e->sdo.buf, sdo + 8, (size_t)here);
            uint8_t *s = response(e, XN_SDO_HEADER);
            s[0] = XN_SDO_R_DOWNLOAD_INIT;
            xn_ecat_put16(s + 1, index);
            s[3] = sub;
            return;
        }
        data = sdo + 8;
    }
    uint32_t code = store(e, o, data, len);
    if (code) {
        abort_sdo(e, index, sub, code);
        return;
    }
    uint8_t *s = response(e, XN_SDO_HEADER);
    s[0] = XN_SDO_R_DOWNLOAD_INIT;
    xn_ecat_put16(s + 1, index);
    s[3] = sub;
}

static void download_segment(xn_sim_esc *e, const uint8_t *sdo, int sdo_len) {
    xn_sim_sdo *t = &e->sdo;
    uint8_t cmd = sdo[0];
    if (!t->active || t->upload) {
        abort_sdo(e, 0, 0, 0x05040001);
        return;
    }
    if ((cmd & XN_SDO_TOGGLE) != (t->toggle ? XN_SDO_TOGGLE : 0)) {
        abort_sdo(e, t->index, t->sub, 0x05030000);
        return;
    }
    int n = sdo_len - 1;
    if (n <= 7) n = 7 - ((cmd >> 1) & 7); /* a short segment says how many of 7 are unused */
    if (n < 0 || t->at + n > t->len) {
        abort_sdo(e, t->index, t->sub, 0x06070012);
        return;
    }
    memcpy(t->buf + t->at, sdo + 1, (size_t)n);
    t->at += n;
    uint8_t toggle = t->toggle ? XN_SDO_TOGGLE : 0;
    t->toggle = !t->toggle;
    if (cmd & XN_SDO_LAST) {
        int known;
        xn_sim_od_entry *o = find(e, t->index, t->sub, &known);
        uint32_t code = t->at != t->len ? 0x06070013 : o ? store(e, o, t->buf, t->len) : 0x06020000;
        t->active = 0;
        if (code) {
            abort_sdo(e, t->index, t->sub, code);
            return;
        }
    }
    uint8_t *s = response(e, XN_SDO_HEADER);
    s[0] = (uint8_t)(XN_SDO_R_DOWNLOAD_SEG | toggle);
}

void xn_ecat_sim_mailbox(xn_sim_esc *e) {
    const xn_ecat_sim_slave *c = &e->cfg;
    const uint8_t *m = e->reg + c->mbx_out_offset;
    int len = xn_ecat_get16(m);
    if (len > c->mbx_out_size - XN_MBX_HEADER || (m[5] & 0x0F) != XN_MBX_TYPE_COE ||
        len < XN_COE_HEADER + 1)
        return; /* not for us, or malformed: a real slave answers with a mailbox error; ignored */
    uint16_t coe = xn_ecat_get16(m + XN_MBX_HEADER);
    if (coe >> 12 != XN_COE_SDO_REQUEST) return;
    const uint8_t *sdo = m + XN_MBX_HEADER + XN_COE_HEADER;
    int sdo_len = len - XN_COE_HEADER;
    uint8_t cmd = sdo[0];
    if ((cmd & 0xE0) != XN_SDO_DOWNLOAD_SEG && (cmd & 0xE0) != XN_SDO_UPLOAD_SEG &&
        sdo_len < XN_SDO_HEADER)
        return;
    switch (cmd & 0xE0) {
    case XN_SDO_DOWNLOAD_INIT: download_init(e, sdo, sdo_len); break;
    case XN_SDO_DOWNLOAD_SEG: download_segment(e, sdo, sdo_len); break;
    case XN_SDO_UPLOAD_INIT:
        if (cmd & 0x10) { /* complete access */
            abort_sdo(e, xn_ecat_get16(sdo + 1), sdo[3], 0x06010000);
            break;
        }
        upload_init(e, xn_ecat_get16(sdo + 1), sdo[3]);
        break;
    case XN_SDO_UPLOAD_SEG: upload_segment(e, cmd); break;
    case XN_SDO_ABORT: e->sdo.active = 0; return; /* the master gave up: no answer */
    default: abort_sdo(e, 0, 0, 0x05040001); break;
    }
    e->reg[XN_ESC_SM(1) + 5] |= XN_SM_STATUS_FULL;
}

void xn_ecat_sim_emergency_esc(xn_sim_esc *e, uint16_t code, uint8_t reg) {
    if (e->reg[XN_ESC_SM(1) + 5] & XN_SM_STATUS_FULL) return; /* the master reads it first */
    const xn_ecat_sim_slave *c = &e->cfg;
    uint8_t *r = e->reg + c->mbx_in_offset;
    memset(r, 0, c->mbx_in_size);
    xn_ecat_put16(r, XN_COE_HEADER + 8);
    e->mbx_counter = (uint8_t)(e->mbx_counter % 7 + 1);
    r[5] = (uint8_t)(XN_MBX_TYPE_COE | e->mbx_counter << 4);
    xn_ecat_put16(r + XN_MBX_HEADER, XN_COE_EMERGENCY << 12);
    xn_ecat_put16(r + XN_MBX_HEADER + XN_COE_HEADER, code);
    r[XN_MBX_HEADER + XN_COE_HEADER + 2] = reg;
    e->reg[XN_ESC_SM(1) + 5] |= XN_SM_STATUS_FULL;
}
