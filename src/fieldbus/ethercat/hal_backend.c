/* The HAL backend `ethercat`: each joint a CiA 402 drive on the segment, so that the controller
 * above is the same as on the simulated robot ("an EtherCAT drive can take a simulated one's
 * place without changes above this layer"). Readings and commands are the drives' process data,
 * wherever each drive's PDO mapping puts its objects, converted between counts (and per mille of
 * rated torque) and SI units by the bus description. A cycle is one LRW in write: the commands
 * out, the readings back for the next read.
 * SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/master_internal.h"
#include "fieldbus/ethercat/units.h"
#include "model/error_internal.h"

#define MAX_LOST 2         /* lost process data frames in a row that repeat the last readings */
#define KEEPER_PRIORITY 80 /* the keeper's SCHED_FIFO priority (xn_loop_config's default too) */

/* where a joint's objects sit in its slave's areas (-1: not mapped) */
typedef struct {
    int cw, target_q, target_v, target_t, mode; /* outputs */
    int sw, q, v, t, error, mode_display;       /* inputs */
    int bytes_target_t, bytes_t;                /* 2 (the usual) or 4 */
    double k_q;                                 /* counts per rad (or m) at the joint */
    double k_t;                                 /* per mille per N m at the joint */
} joint_map;

typedef struct {
    xn_ecat_master *m;
    xn_ecat_bus bus;
    joint_map map[XN_ECAT_BUS_JOINTS];
    /* the robot's clock starts at the open, as a simulation's does: the reference clock's time
     * as the last frame passed it, with distributed clocks (the drives sample on it), else the
     * host's */
    int64_t period_ns, t0_ns;
    int dc_clock;
    int lost;                  /* process data frames lost in a row */
    int64_t correction;        /* the next cycle's start moved by this (distributed clocks) */
    int64_t read_ns;           /* when this cycle's read came (host clock) */
    xn_ecat_hal_report report; /* the loop's cycles (xn_ecat_hal_report_get) */
    double diff_sq;            /* sum of the squared differences read */
    long diff_frame;           /* the dc frame count when a difference was last taken */
    int failed;                /* the exchange failed otherwise: no reading can be trusted */
    /* per bus entry: its slave did not answer, or left OP, in the last exchange: its readings
     * cannot be trusted */
    unsigned char out_of_service[XN_ECAT_BUS_JOINTS];
    int imu_at[XN_ECAT_BUS_IMUS][10]; /* where each IMU's ten REAL32 sit in its inputs */
    unsigned char imu_out[XN_ECAT_BUS_IMUS];
    char problem[256]; /* the last thing found wrong, named (xn_ecat_hal_problem) */
    /* between the open and the control loop's first read, a thread keeps the process data
     * flowing, so that the drives' sync manager watchdogs do not take them out of OP */
    pthread_t keeper;
    int keeping;
    atomic_int handover;
    xn_ecat_frame stop_frame; /* the emergency path's own frame (any thread) */
} ecat_hal;

static int32_t get(const uint8_t *p, int at, int bytes) {
    return at < 0 ? 0 : xn_ecat_get_sized(p + at, bytes);
}

static void put(uint8_t *p, int at, int bytes, int32_t v) {
    if (at >= 0) xn_ecat_put_sized(p + at, bytes, v);
}

/* a cycle of the keeper: absolute deadlines, locked to the reference clock as the loop's are,
 * so that drives on SYNC0 get outputs every cycle before the loop takes over */
static void *keep_alive(void *arg) {
    ecat_hal *h = arg;
    int64_t deadline = xn_ecat_now_ns();
    while (!atomic_load(&h->handover)) {
        xn_ecat_pd_exchange(h->m, h->period_ns / 2, NULL);
        deadline += h->period_ns + xn_ecat_dc_lock(h->m);
        struct timespec at = {(time_t)(deadline / 1000000000), (long)(deadline % 1000000000)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR) {
        }
    }
    return NULL;
}

/* the control loop takes over the process data (its first cycle waits for the keeper's last
 * exchange, at most one period and one frame) */
static void take_over(ecat_hal *h) {
    if (!h->keeping) return;
    atomic_store(&h->handover, 1);
    pthread_join(h->keeper, NULL);
    h->keeping = 0;
    xn_ecat_dc_relock(h->m); /* the loop's cycles have their own start: found at the first */
}

static int64_t robot_time(const ecat_hal *h) {
    if (!h->dc_clock) return xn_ecat_now_ns() - h->t0_ns;
    xn_ecat_dc_status d;
    xn_ecat_dc_get(h->m, &d); /* a frame lost: a period on from the last that came back */
    return d.reference_ns + h->lost * h->period_ns - h->t0_ns;
}

static float get_real32(const uint8_t *p) {
    uint32_t bits = xn_ecat_get32(p);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* the IMUs' readings, as the joints': none fresh from a slave that is out */
static void read_imus(ecat_hal *h, xn_hal *hal) {
    for (int k = 0; k < h->bus.nimu; k++) {
        if (h->failed || h->lost > MAX_LOST || h->imu_out[k]) continue;
        xn_imu_reading *u = &hal->imu[k];
        u->stamp_ns = hal->time_ns;
        if (h->lost) continue;
        const uint8_t *in = xn_ecat_pd_inputs(h->m, h->bus.imu[k].slave, NULL);
        xn_real v[10];
        for (int i = 0; i < 10; i++) v[i] = get_real32(in + h->imu_at[k][i]);
        memcpy(u->orientation, v, 4 * sizeof *v);
        memcpy(u->angular_velocity, v + 4, 3 * sizeof *v);
        memcpy(u->linear_acceleration, v + 7, 3 * sizeof *v);
    }
}

static xn_status hal_read(void *self, xn_hal *hal) {
    ecat_hal *h = self;
    take_over(h);
    h->read_ns = xn_ecat_now_ns(); /* the cycle's start, for the frame's deadline */
    hal->time_ns = robot_time(h);
    read_imus(h, hal);
    for (int k = 0; k < h->bus.njoint; k++) {
        const joint_map *j = &h->map[k];
        const uint8_t *in = xn_ecat_pd_inputs(h->m, h->bus.joint[k].slave, NULL);
        xn_joint_reading *r = &hal->joint[k];
        if (h->failed || h->lost > MAX_LOST || h->out_of_service[k]) {
            continue; /* no fresh readings: the stamps stay, the controller sees them stale */
        }
        if (h->lost) { /* a frame lost on the wire: the last readings, one period older */
            r->stamp_ns = hal->time_ns;
            continue;
        }
        r->statusword = (uint16_t)get(in, j->sw, 2);
        r->position = get(in, j->q, 4) / j->k_q;
        r->velocity = j->v >= 0 ? get(in, j->v, 4) / j->k_q : 0;
        r->torque = j->t >= 0 ? get(in, j->t, j->bytes_t) / j->k_t : 0;
        r->error_code = (uint16_t)get(in, j->error, 2);
        r->stamp_ns = hal->time_ns;
    }
    return XN_OK;
}

/* slave i answered the last exchange, in OP without an error */
static int in_op(const ecat_hal *h, int i) {
    uint16_t al = 0;
    int ok = xn_ecat_pd_slave_ok(h->m, i, &al);
    return ok && (al & 0x0F) == XN_ECAT_OP && !(al & 0x10);
}

/* one cycle's figures for the report: its round trip, its phase, the difference it read */
static void measure(ecat_hal *h, xn_status st, int64_t round_trip) {
    xn_ecat_hal_report *r = &h->report;
    if (st == XN_ERR_TIMEOUT) return;
    xn_stats_add(&r->round_trip, (double)round_trip);
    const xn_ecat_dc_status *d = &h->m->dc;
    if (!d->active || d->frames == h->diff_frame) return;
    h->diff_frame = d->frames;
    xn_stats_add(&r->phase, (double)(d->phase_ns < 0 ? -d->phase_ns : d->phase_ns));
    if (d->diff_slave < 0) return; /* no difference came back with this frame */
    double v = (double)d->diff_ns[d->diff_slave];
    h->diff_sq += v * v;
    r->dc_diff_count++;
}

static xn_status hal_write(void *self, xn_hal *hal) {
    ecat_hal *h = self;
    for (int k = 0; k < h->bus.njoint; k++) {
        const joint_map *j = &h->map[k];
        const xn_joint_command *c = &hal->command[k];
        uint8_t *out = xn_ecat_pd_outputs(h->m, h->bus.joint[k].slave, NULL);
        put(out, j->cw, 2, c->controlword);
        int mode = c->mode == XN_MODE_CST ? 10 : c->mode == XN_MODE_CSV ? 9 : 8;
        put(out, j->mode, 1, mode);
        put(out, j->target_q, 4, xn_ecat_to_counts(c->position * j->k_q));
        put(out, j->target_v, 4, xn_ecat_to_counts(c->velocity * j->k_q));
        double t = c->torque * j->k_t;
        double tmax = j->bytes_target_t == 2 ? 32767 : 2147483647.0;
        put(out, j->target_t, j->bytes_target_t,
            (int32_t)(t == t ? (t > tmax    ? tmax
                                : t < -tmax ? -tmax
                                            : nearbyint(t))
                             : 0));
    }
    /* the round trip may take what is left of the cycle, up to 90 % of the period from its read
     * (at least a quarter period): a frame later than that counts as lost */
    xn_error e;
    int64_t sent = xn_ecat_now_ns();
    int64_t left = h->read_ns + h->period_ns * 9 / 10 - sent;
    xn_status st = xn_ecat_pd_exchange(h->m, left > h->period_ns / 4 ? left : h->period_ns / 4, &e);
    h->lost = st == XN_ERR_TIMEOUT ? h->lost + 1 : 0;
    h->correction = xn_ecat_dc_lock(h->m); /* the next cycle onto the reference clock */
    measure(h, st, xn_ecat_now_ns() - sent);
    if (st == XN_ERR_IO && e.index >= 0) { /* a slave named: its devices out, the others on */
        for (int k = 0; k < h->bus.njoint; k++) {
            int out = !in_op(h, h->bus.joint[k].slave);
            if (out && !h->out_of_service[k])
                snprintf(h->problem, sizeof h->problem, "joint %.60s: %.180s",
                         h->bus.joint[k].joint, e.message);
            h->out_of_service[k] = (unsigned char)out;
        }
        for (int k = 0; k < h->bus.nimu; k++) {
            int out = !in_op(h, h->bus.imu[k].slave);
            if (out && !h->imu_out[k])
                snprintf(h->problem, sizeof h->problem, "IMU %.60s: %.180s", h->bus.imu[k].name,
                         e.message);
            h->imu_out[k] = (unsigned char)out;
        }
        return XN_OK; /* the controller stops the robot on the stale joints, in the next cycle */
    }
    h->failed = st != XN_OK && st != XN_ERR_TIMEOUT;
    if (h->failed) snprintf(h->problem, sizeof h->problem, "%.250s", e.message);
    if (h->lost > MAX_LOST)
        snprintf(h->problem, sizeof h->problem, "%d process data frames lost in a row", h->lost);
    return h->failed || h->lost > MAX_LOST ? XN_ERR_IO : XN_OK;
}

static void hal_destroy(void *self) {
    ecat_hal *h = self;
    take_over(h);
    xn_ecat_master_close(h->m);
    free(h);
}

/* Out of band, from any thread while the control thread may be stuck: one broadcast frame of
 * its own asks every slave for SAFE-OP, where a drive's outputs are no longer obeyed and it
 * stops. Sent, not awaited (its answer reaches the control thread as a late frame, ignored). */
static void hal_emergency(void *self) {
    ecat_hal *h = self;
    uint8_t safeop[2] = {XN_AL_SAFEOP, 0};
    xn_ecat_frame_begin(&h->stop_frame, h->m->t->mac);
    xn_ecat_frame_add(&h->stop_frame, XN_ECAT_BWR, 0x3F, xn_ecat_address(0, XN_ESC_AL_CONTROL),
                      safeop, 2);
    size_t n = xn_ecat_frame_end(&h->stop_frame);
    h->m->t->send(h->m->t->self, h->stop_frame.buf, n);
}

const char *xn_ecat_hal_problem(const xn_hal *hal) {
    if (!hal || !hal->ops || strcmp(hal->ops->name, "ethercat") != 0) return NULL;
    return ((const ecat_hal *)hal->self)->problem;
}

xn_status xn_ecat_hal_report_get(const xn_hal *hal, xn_ecat_hal_report *out, xn_error *err) {
    if (!xn_ecat_hal_problem(hal))
        return xn_fail(err, XN_ERR_INVALID, "xn_ecat_hal_report_get", "not an ethercat robot");
    const ecat_hal *h = hal->self;
    *out = h->report;
    xn_ecat_get_stats(h->m, &out->frames);
    xn_ecat_dc_get(h->m, &out->dc);
    out->dc_diff_rms_ns = out->dc_diff_count ? sqrt(h->diff_sq / (double)out->dc_diff_count) : 0;
    return XN_OK;
}

xn_status xn_ecat_hal_recover(xn_hal *hal, xn_error *err) {
    if (!xn_ecat_hal_problem(hal))
        return xn_fail(err, XN_ERR_INVALID, "xn_ecat_hal_recover", "not an ethercat robot");
    ecat_hal *h = hal->self;
    take_over(h);
    xn_ecat_pd_exchange(h->m, h->period_ns, NULL); /* where each slave is now */
    for (int k = 0; k < h->bus.njoint; k++) {
        int i = h->bus.joint[k].slave;
        uint16_t al = 0;
        int ok = xn_ecat_pd_slave_ok(h->m, i, &al);
        if (ok && (al & 0x0F) == XN_ECAT_OP && !(al & 0x10)) {
            h->out_of_service[k] = 0;
            continue;
        }
        xn_status st = xn_ecat_recover(h->m, i, err);
        if (st != XN_OK) return st;
        h->out_of_service[k] = 0;
    }
    for (int k = 0; k < h->bus.nimu; k++) {
        if (!in_op(h, h->bus.imu[k].slave)) {
            xn_status st = xn_ecat_recover(h->m, h->bus.imu[k].slave, err);
            if (st != XN_OK) return st;
        }
        h->imu_out[k] = 0;
    }
    h->failed = h->lost = 0;
    h->problem[0] = 0;
    return XN_OK;
}

static int64_t hal_clock_correction(void *self) { return ((ecat_hal *)self)->correction; }

static const xn_backend_ops ops = {.name = "ethercat",
                                   .read = hal_read,
                                   .write = hal_write,
                                   .destroy = hal_destroy,
                                   .emergency_stop = hal_emergency,
                                   .clock_correction = hal_clock_correction};

/* a joint's objects located in its slave's mapping; the ones its mode needs must be there */
static xn_status locate(ecat_hal *h, int k, xn_error *err) {
    static const char *const fn = "xn_ecat_hal_open";
    const xn_ecat_bus_joint *b = &h->bus.joint[k];
    joint_map *j = &h->map[k];
    int i = b->slave, n = 0;
    j->cw = xn_ecat_pd_offset(h->m, i, 1, 0x6040, 0, NULL);
    j->target_q = xn_ecat_pd_offset(h->m, i, 1, 0x607A, 0, NULL);
    j->target_v = xn_ecat_pd_offset(h->m, i, 1, 0x60FF, 0, NULL);
    j->target_t = xn_ecat_pd_offset(h->m, i, 1, 0x6071, 0, &n);
    j->bytes_target_t = n ? n : 2;
    j->mode = xn_ecat_pd_offset(h->m, i, 1, 0x6060, 0, NULL);
    j->sw = xn_ecat_pd_offset(h->m, i, 0, 0x6041, 0, NULL);
    j->q = xn_ecat_pd_offset(h->m, i, 0, 0x6064, 0, NULL);
    j->v = xn_ecat_pd_offset(h->m, i, 0, 0x606C, 0, NULL);
    n = 0;
    j->t = xn_ecat_pd_offset(h->m, i, 0, 0x6077, 0, &n);
    j->bytes_t = n ? n : 2;
    j->error = xn_ecat_pd_offset(h->m, i, 0, 0x603F, 0, NULL);
    j->mode_display = xn_ecat_pd_offset(h->m, i, 0, 0x6061, 0, NULL);
    const char *missing = j->cw < 0                          ? "0x6040 (controlword)"
                          : j->sw < 0                        ? "0x6041 (statusword)"
                          : j->q < 0                         ? "0x6064 (position actual)"
                          : b->mode == 8 && j->target_q < 0  ? "0x607A (target position)"
                          : b->mode == 9 && j->target_v < 0  ? "0x60FF (target velocity)"
                          : b->mode == 10 && j->target_t < 0 ? "0x6071 (target torque)"
                                                             : NULL;
    if (missing)
        return xn_fail_at(err, XN_ERR_INVALID, fn, k,
                          "joint %s (slave %d): its drive's PDO mapping lacks %s, which mode %d "
                          "needs",
                          b->joint, i, missing, b->mode);
    j->k_q = xn_ecat_counts_per_unit(b);
    j->k_t = xn_ecat_permille_per_nm(b);
    return XN_OK;
}

/* an IMU's ten values located in its slave's inputs: each REAL32 must be there */
static xn_status locate_imu(ecat_hal *h, int k, xn_error *err) {
    const xn_ecat_bus_imu *u = &h->bus.imu[k];
    for (int i = 0; i < 10; i++) {
        uint16_t index = (uint16_t)(i < 4 ? 0x2100 : i < 7 ? 0x2101 : 0x2102);
        uint8_t sub = (uint8_t)(i < 4 ? i + 1 : i < 7 ? i - 3 : i - 6);
        int bytes = 0, at = xn_ecat_pd_offset(h->m, u->slave, 0, index, sub, &bytes);
        if (at < 0 || bytes != 4)
            return xn_fail_at(err, XN_ERR_INVALID, "xn_ecat_hal_open", k,
                              "IMU %s (slave %d): its mapping lacks 0x%04X:%02X as a REAL32 "
                              "(orientation 0x2100:01-04, angular velocity 0x2101:01-03, specific "
                              "force 0x2102:01-03)",
                              u->name, u->slave, index, sub);
        h->imu_at[k][i] = at;
    }
    return XN_OK;
}

xn_status xn_ecat_hal_open(const xn_ecat_bus *bus, xn_ecat_transport *transport, int64_t period_ns,
                           xn_hal **out, xn_error *err) {
    static const char *const fn = "xn_ecat_hal_open";
    *out = NULL;
    xn_status st = XN_OK;
    if (!transport) st = xn_ecat_transport_raw(bus->interface, &transport, err);
    if (st != XN_OK) return st;
    ecat_hal *h = calloc(1, sizeof *h);
    if (!h) {
        transport->close(transport->self);
        return XN_ERR_NOMEM;
    }
    h->bus = *bus;
    h->period_ns = period_ns > 0 ? period_ns : 1000000;
    if ((st = xn_ecat_master_open(transport, &h->m, err)) != XN_OK) {
        free(h);
        return st;
    }
    if ((st = xn_ecat_scan(h->m, err)) != XN_OK) goto fail;
    for (int k = 0; k < bus->nimu; k++)
        if (bus->imu[k].slave >= xn_ecat_slave_count(h->m)) {
            st = xn_fail_at(err, XN_ERR_NOT_FOUND, fn, k,
                            "IMU %s: slave %d is not on the segment (%d slaves found)",
                            bus->imu[k].name, bus->imu[k].slave, xn_ecat_slave_count(h->m));
            goto fail;
        }
    for (int k = 0; k < bus->njoint; k++)
        if (bus->joint[k].slave >= xn_ecat_slave_count(h->m)) {
            st = xn_fail_at(err, XN_ERR_NOT_FOUND, fn, k,
                            "joint %s: slave %d is not on the segment (%d slaves found)",
                            bus->joint[k].joint, bus->joint[k].slave, xn_ecat_slave_count(h->m));
            goto fail;
        }
    for (int k = 0; k < bus->njoint; k++) /* the mappings the description gives, in PRE-OP */
        if (bus->joint[k].has_map &&
            ((st = xn_ecat_set_state(h->m, bus->joint[k].slave, XN_ECAT_PREOP, 2.0, err)) !=
                 XN_OK ||
             (st = xn_ecat_pdo_configure(h->m, bus->joint[k].slave, &bus->joint[k].map, err)) !=
                 XN_OK))
            goto fail;
    if (bus->dc) { /* SYNC0 every period, shifted from the frames as the description says */
        double shift = bus->sync0_shift >= 0 ? bus->sync0_shift * 1e9 : 0.5 * (double)h->period_ns;
        if (shift >= (double)h->period_ns) {
            st = xn_fail(err, XN_ERR_RANGE, fn,
                         "sync0_shift_us %.0f: not within the period of %.0f us", shift * 1e-3,
                         (double)h->period_ns * 1e-3);
            goto fail;
        }
        if ((st = xn_ecat_dc_start(h->m, h->period_ns, (int64_t)shift, err)) != XN_OK) goto fail;
    }
    if ((st = xn_ecat_pd_start(h->m, err)) != XN_OK) goto fail;
    for (int k = 0; k < bus->njoint; k++)
        if ((st = locate(h, k, err)) != XN_OK) goto fail;
    for (int k = 0; k < bus->nimu; k++)
        if ((st = locate_imu(h, k, err)) != XN_OK) goto fail;
    xn_hal *hal = xn_hal_alloc(bus->njoint, 0, bus->nimu, 0);
    if (!hal) {
        st = XN_ERR_NOMEM;
        goto fail;
    }
    for (int k = 0; k < bus->njoint; k++) {
        xn_joint_info *ji = &hal->joint_info[k];
        snprintf(ji->name, sizeof ji->name, "%s", bus->joint[k].joint);
        ji->commandable = 1;
        ji->has_torque = h->map[k].t >= 0;
        ji->torque_max = INFINITY;
        ji->position_lo = -INFINITY;
        ji->position_hi = INFINITY;
    }
    for (int k = 0; k < bus->nimu; k++) {
        snprintf(hal->imu_name[k], sizeof hal->imu_name[k], "%s", bus->imu[k].name);
        hal->imu[k].orientation[0] = 1; /* until the first reading */
    }
    hal->period_ns = h->period_ns;
    xn_ecat_dc_status dc;
    xn_ecat_dc_get(h->m, &dc);
    h->dc_clock = dc.active;
    h->t0_ns = 0;
    h->t0_ns = robot_time(h);
    hal->ops = &ops;
    hal->self = h;
    /* the first readings, with every drive's state; with clocks, until the drives act on
     * SYNC0 (a cycle after its first: at most 20 ms and a cycle, counted in frames); then the
     * keeper until the loop starts */
    xn_ecat_pd_exchange(h->m, h->period_ns, NULL);
    xn_ecat_pd_exchange(h->m, h->period_ns, NULL);
    for (int k = 0; k < 1000; k++) {
        xn_ecat_dc_get(h->m, &dc);
        if (!dc.active || dc.reference_ns > dc.sync0_start_ns + dc.cycle_ns) break;
        xn_ecat_pd_exchange(h->m, h->period_ns, NULL);
        struct timespec pause = {0, (long)(h->period_ns / 2)};
        nanosleep(&pause, NULL);
    }
    atomic_init(&h->handover, 0);
    xn_stats_reset(&h->report.round_trip);
    xn_stats_reset(&h->report.phase);
    h->keeping = pthread_create(&h->keeper, NULL, keep_alive, h) == 0;
    if (h->keeping) { /* real time where allowed, as the loop will be: the drives on SYNC0 miss
                         their outputs when a busy open starves this thread */
        struct sched_param sp = {.sched_priority = KEEPER_PRIORITY};
        pthread_setschedparam(h->keeper, SCHED_FIFO, &sp);
    }
    *out = hal;
    return XN_OK;
fail:
    xn_ecat_master_close(h->m);
    free(h);
    return st;
}
