/* The robot as a set of devices: allocation and the calls that forward to the backend.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "xiaonao/hal.h"

/* The public struct and what only this file touches: the emergency flag is atomic, so it lives
 * outside the installed header (which C++ also includes). `pub` comes first: a pointer to it is a
 * pointer to the box. */
typedef struct {
    xn_hal pub;
    atomic_int estop;
} hal_box;

static hal_box *box_of(const xn_hal *h) { return (hal_box *)(uintptr_t)h; }

xn_hal *xn_hal_alloc(int njoint, int nft, int nimu, int ntracker) {
    if (njoint < 0 || nft < 0 || nimu < 0 || ntracker < 0) return NULL;
    hal_box *box = calloc(1, sizeof *box);
    if (!box) return NULL;
    atomic_init(&box->estop, 0);
    xn_hal *h = &box->pub;
    h->njoint = njoint;
    h->nft = nft;
    h->nimu = nimu;
    /* +1: calloc(0) may return NULL, which would read as out of memory */
    h->joint_info = calloc((size_t)njoint + 1, sizeof *h->joint_info);
    h->joint = calloc((size_t)njoint + 1, sizeof *h->joint);
    h->command = calloc((size_t)njoint + 1, sizeof *h->command);
    h->ft_name = calloc((size_t)nft + 1, sizeof *h->ft_name);
    h->ft = calloc((size_t)nft + 1, sizeof *h->ft);
    h->imu_name = calloc((size_t)nimu + 1, sizeof *h->imu_name);
    h->imu = calloc((size_t)nimu + 1, sizeof *h->imu);
    h->ntracker = ntracker;
    h->tracker_name = calloc((size_t)ntracker + 1, sizeof *h->tracker_name);
    h->tracker = calloc((size_t)ntracker + 1, sizeof *h->tracker);
    if (!h->tracker_name || !h->tracker || !h->joint_info || !h->joint || !h->command ||
        !h->ft_name || !h->ft || !h->imu_name || !h->imu) {
        xn_hal_close(h);
        return NULL;
    }
    for (int i = 0; i < njoint; i++) {
        h->joint_info[i].torque_max = INFINITY;
        h->joint_info[i].position_lo = -INFINITY;
        h->joint_info[i].position_hi = INFINITY;
        h->command[i].mode = XN_MODE_CSP;
        h->joint[i].statusword = xn_cia402_statusword(XN_CIA402_NOT_READY);
    }
    for (int i = 0; i < nimu; i++) h->imu[i].orientation[0] = 1;
    return h;
}

xn_status xn_hal_read(xn_hal *hal) { return hal->ops->read(hal->self, hal); }
xn_status xn_hal_write(xn_hal *hal) {
    if (atomic_load_explicit(&box_of(hal)->estop, memory_order_acquire))
        for (int i = 0; i < hal->njoint; i++)
            if (hal->joint_info[i].commandable &&
                xn_cia402_decode(hal->joint[i].statusword) == XN_CIA402_OPERATION_ENABLED)
                hal->command[i].controlword = XN_CW_QUICK_STOP;
    return hal->ops->write(hal->self, hal);
}

void xn_hal_emergency_stop(xn_hal *hal) {
    atomic_store_explicit(&box_of(hal)->estop, 1, memory_order_release);
    if (hal->ops && hal->ops->emergency_stop) hal->ops->emergency_stop(hal->self);
}

int xn_hal_emergency_stopped(const xn_hal *hal) {
    return atomic_load_explicit(&box_of(hal)->estop, memory_order_acquire);
}
xn_status xn_hal_advance(xn_hal *hal) {
    return hal->ops->advance ? hal->ops->advance(hal->self, hal) : XN_OK;
}

int64_t xn_hal_clock_correction(xn_hal *hal) {
    return hal->ops->clock_correction ? hal->ops->clock_correction(hal->self) : 0;
}

xn_status xn_hal_inject(xn_hal *hal, int joint, xn_inject_kind kind) {
    if (joint < 0 || joint >= hal->njoint) return XN_ERR_RANGE;
    if (!hal->ops->inject) return XN_ERR_UNSUPPORTED;
    return hal->ops->inject(hal->self, hal, joint, kind);
}

xn_status xn_hal_push(xn_hal *hal, const char *body, const xn_real force[3], xn_real duration) {
    if (!hal->ops->push) return XN_ERR_UNSUPPORTED;
    if (!body || !(duration >= 0) || !isfinite(duration) || !isfinite(force[0]) ||
        !isfinite(force[1]) || !isfinite(force[2]))
        return XN_ERR_RANGE;
    return hal->ops->push(hal->self, hal, body, force, duration);
}

void xn_hal_close(xn_hal *hal) {
    if (!hal) return;
    if (hal->ops && hal->ops->destroy) hal->ops->destroy(hal->self);
    free(hal->joint_info);
    free(hal->joint);
    free(hal->command);
    free(hal->ft_name);
    free(hal->ft);
    free(hal->imu_name);
    free(hal->imu);
    free(hal->tracker_name);
    free(hal->tracker);
    free(hal->contact_name);
    free(hal->contact);
    free(box_of(hal));
}

int xn_hal_joint_id(const xn_hal *hal, const char *name) {
    for (int i = 0; i < hal->njoint; i++)
        if (strcmp(hal->joint_info[i].name, name) == 0) return i;
    return -1;
}

xn_cia402_state xn_hal_joint_state(const xn_hal *hal, int i) {
    return xn_cia402_decode(hal->joint[i].statusword);
}

xn_status xn_hal_alloc_contacts(xn_hal *hal, int n) {
    if (n < 0) return XN_ERR_RANGE;
    free(hal->contact_name);
    free(hal->contact);
    hal->contact_name = calloc((size_t)n + 1, sizeof *hal->contact_name);
    hal->contact = calloc((size_t)n + 1, sizeof *hal->contact);
    hal->ncontact = hal->contact_name && hal->contact ? n : 0;
    return hal->ncontact == n ? XN_OK : XN_ERR_NOMEM;
}
