/* The virtual slaves' application: a CiA 402 servo drive behind each controller. After a frame
 * has passed, each drive in OP takes the outputs the frame left in its sync manager 2 (wherever
 * the PDO mapping put the controlword and the targets), runs its state machine (the project's
 * own simulated drive, xn_drive_sim) and an ideal motor, and writes its inputs (statusword,
 * position, velocity, torque, mode, error code) where the mapping says, for the next frame to
 * read: one cycle of delay, as on a real segment. In SAFE-OP the inputs are valid and the
 * outputs ignored. A slave in OP whose outputs stop for longer than its sync manager watchdog
 * (registers 0x0400 and 0x0420: 100 ms by default) drops to SAFE-OP with AL status code 0x001B,
 * and its drive quick-stops.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/frame.h"
#include "fieldbus/ethercat/sim_internal.h"
#include "fieldbus/ethercat/units.h"

void xn_ecat_sim_drive_init(xn_sim_esc *e) {
    xn_sim_drive *d = &e->drive;
    memset(d, 0, sizeof *d);
    d->q = e->cfg.position;
    d->mode = 8;
    xn_drive_sim_init(&d->ds, d->q);
}

/* an object's value in the outputs (signed, by its mapped length), or `dflt` when not mapped */
static int32_t get_out(const xn_sim_esc *e, uint16_t index, int32_t dflt) {
    int n = 0, at = xn_ecat_sim_pdo_offset(e, 1, index, &n);
    if (at < 0) return dflt;
    return xn_ecat_get_sized(e->reg + e->cfg.out_offset + at, n);
}

static void put_in(xn_sim_esc *e, uint16_t index, int32_t value) {
    xn_ecat_sim_od_set(e, index, 0, (uint32_t)value);
    int n = 0, at = xn_ecat_sim_pdo_offset(e, 0, index, &n);
    if (at < 0) return;
    xn_ecat_put_sized(e->reg + e->cfg.in_offset + at, n, value);
}

/* an IMU's value k (0-9: w x y z, angular velocity, specific force) as a REAL32, in the object
 * dictionary and where its mapping puts it */
static void put_imu(xn_sim_esc *e, int k, float value) {
    uint32_t bits;
    memcpy(&bits, &value, 4);
    uint16_t index = (uint16_t)(k < 4 ? 0x2100 : k < 7 ? 0x2101 : 0x2102);
    uint8_t sub = (uint8_t)(k < 4 ? k + 1 : k < 7 ? k - 3 : k - 6);
    xn_ecat_sim_od_set(e, index, sub, bits);
    int n = 0, at = xn_ecat_sim_pdo_offset_sub(e, 0, index, sub, &n);
    if (at >= 0 && n == 4) xn_ecat_put32(e->reg + e->cfg.in_offset + at, bits);
}

void xn_ecat_sim_drive_step(xn_sim_esc *e, int64_t now_ns, double dt) {
    xn_sim_drive *d = &e->drive;
    uint8_t al = e->reg[XN_ESC_AL_STATUS] & 0x0F;
    double k = e->cfg.counts_per_rad;
    if (al != XN_AL_SAFEOP && al != XN_AL_OP) {
        d->outputs_seen = 0;
        return;
    }
    uint32_t wd_ticks = xn_ecat_get16(e->reg + XN_ESC_WD_SM),
             divider = xn_ecat_get16(e->reg + XN_ESC_WD_DIVIDER);
    int64_t wd_ns = (int64_t)wd_ticks * (divider + 2) * 40; /* ticks of (divider + 2) x 40 ns */
    int has_outputs = xn_ecat_sim_pdo_bytes(e, 1) > 0; /* the watchdog needs outputs to watch */
    if (al == XN_AL_OP && wd_ticks && has_outputs && now_ns - d->last_output_ns > wd_ns) {
        e->reg[XN_ESC_AL_STATUS] = XN_AL_SAFEOP | XN_AL_ERROR;
        xn_ecat_put16(e->reg + XN_ESC_AL_CODE, 0x001B);   /* sync manager watchdog */
        xn_drive_sim_command(&d->ds, 0x0002, d->q, d->v); /* quick stop: the outputs are gone */
        al = XN_AL_SAFEOP;
    }
    if (e->outputs_written) { /* after the check: the watchdog ran out while they were away */
        d->last_output_ns = now_ns;
        d->outputs_seen = 1;
    }
    double q0 = d->q;
    /* on SYNC0 the outputs in the buffer count at every event (the last again when no new ones
     * came); without, only those a frame just wrote */
    if (al == XN_AL_OP && (e->outputs_written || e->dc.sync_running)) {
        uint16_t cw = (uint16_t)get_out(e, 0x6040, 0);
        int8_t mode = (int8_t)get_out(e, 0x6060, d->mode);
        if (mode == 8 || mode == 9 || mode == 10) d->mode = mode;
        xn_drive_sim_command(&d->ds, cw, d->q, d->v);
        if (d->ds.state == XN_CIA402_OPERATION_ENABLED) {
            if (d->mode == 8)
                d->q = get_out(e, 0x607A, xn_ecat_to_counts(d->q * k)) / k;
            else if (d->mode == 9)
                d->q += get_out(e, 0x60FF, 0) / k * dt;
            /* CST: no load here; the joint stays (a physics model takes its place later) */
        }
    }
    if (d->ds.state != XN_CIA402_OPERATION_ENABLED) {
        if (xn_drive_sim_brake_step(&d->ds, 10.0, dt))
            d->q = d->ds.ref_position;
        else
            d->q = d->ds.hold_position;
    }
    d->v = dt > 0 ? (d->q - q0) / dt : 0;
    put_in(e, 0x6041, xn_cia402_statusword(d->ds.state));
    put_in(e, 0x6064, xn_ecat_to_counts(d->q * k));
    put_in(e, 0x606C, xn_ecat_to_counts(d->v * k));
    put_in(e, 0x6077, 0);
    put_in(e, 0x6061, d->mode);
    put_in(e, 0x603F, d->ds.error_code);
}

void xn_ecat_sim_drive_outputs(const xn_sim_esc *e, xn_ecat_sim_outputs *out) {
    uint8_t al = e->reg[XN_ESC_AL_STATUS] & 0x0F;
    out->fresh = al == XN_AL_OP && (e->outputs_written || e->dc.sync_running);
    out->controlword = (uint16_t)get_out(e, 0x6040, 0);
    out->mode = (int8_t)get_out(e, 0x6060, e->drive.mode);
    out->target_position = get_out(e, 0x607A, 0);
    out->target_velocity = get_out(e, 0x60FF, 0);
    out->target_torque = get_out(e, 0x6071, 0);
}

void xn_ecat_sim_drive_inputs(xn_sim_esc *e, const xn_ecat_sim_inputs *in) {
    if (e->cfg.kind == XN_ECAT_SIM_IMU) {
        for (int k = 0; k < 10; k++) put_imu(e, k, in->imu[k]);
        return;
    }
    put_in(e, 0x6041, in->statusword);
    put_in(e, 0x6064, in->position);
    put_in(e, 0x606C, in->velocity);
    put_in(e, 0x6077, in->torque);
    put_in(e, 0x6061, in->mode);
    put_in(e, 0x603F, in->error_code);
}
