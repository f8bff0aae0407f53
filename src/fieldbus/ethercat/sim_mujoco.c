/* The virtual segment's drives on a MuJoCo robot: each slave's CiA 402 outputs, in the units the
 * bus description gives (counts, per mille of rated torque), become the command of the joint it
 * drives in the MuJoCo backend, whose own simulated drives (state machine, CSP/CSV/CST servo,
 * quick-stop ramp, holding brake) act on the physics; one control period is simulated per
 * process data frame, and the joints' readings go back as the slaves' inputs. So a program runs
 * through the same master, frames and drives as on hardware, on the same physics as the direct
 * MuJoCo backend. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fieldbus/ethercat/sim_mujoco.h"
#include "fieldbus/ethercat/units.h"
#include "model/error_internal.h"

struct xn_ecat_sim_robot {
    xn_hal *hal;
    xn_ecat_bus bus;
    int joint_of[XN_ECAT_BUS_JOINTS]; /* per bus entry: the robot's joint */
    int entry_of[XN_ECAT_MAX_SLAVES]; /* per slave: the bus entry, or -1 */
    int imu_of[XN_ECAT_MAX_SLAVES];   /* per slave: the scene's IMU it reports, or -1 */
    double k_q[XN_ECAT_BUS_JOINTS], k_t[XN_ECAT_BUS_JOINTS];
};

static void plant(void *user, int n, const xn_ecat_sim_outputs *out, xn_ecat_sim_inputs *in,
                  double dt) {
    (void)dt; /* the robot advances one control period per process data frame */
    xn_ecat_sim_robot *r = user;
    xn_hal *hal = r->hal;
    for (int i = 0; i < n; i++) {
        int b = i < XN_ECAT_MAX_SLAVES ? r->entry_of[i] : -1;
        if (b < 0) continue;
        xn_joint_command *c = &hal->command[r->joint_of[b]];
        const xn_ecat_sim_outputs *o = &out[i];
        /* without valid outputs (not in OP, or none this frame) the drive stops */
        c->controlword = o->fresh ? o->controlword : 0x0002;
        c->mode = o->mode == 10 ? XN_MODE_CST : o->mode == 9 ? XN_MODE_CSV : XN_MODE_CSP;
        c->position = o->target_position / r->k_q[b];
        c->velocity = o->target_velocity / r->k_q[b];
        c->torque = o->target_torque / r->k_t[b];
    }
    xn_hal_write(hal);
    /* While every drive holds on its brake, the physics waits: the simulated brake is a stiff
     * servo without gravity compensation, and a minute of commissioning frames before the
     * controller starts would let the arm sag and swing on it, which a mechanical brake does
     * not allow. It runs from the first drive that moves on. */
    int moving = 0;
    for (int k = 0; k < hal->njoint; k++) {
        xn_cia402_state st = xn_cia402_decode(hal->joint[k].statusword);
        moving |= st == XN_CIA402_OPERATION_ENABLED || st == XN_CIA402_QUICK_STOP ||
                  st == XN_CIA402_FAULT_REACTION;
    }
    if (moving) xn_hal_advance(hal);
    xn_hal_read(hal);
    for (int i = 0; i < n && i < XN_ECAT_MAX_SLAVES; i++) { /* the IMUs, as REAL32 */
        if (r->imu_of[i] < 0) continue;
        const xn_imu_reading *u = &hal->imu[r->imu_of[i]];
        for (int k = 0; k < 4; k++) in[i].imu[k] = (float)u->orientation[k];
        for (int k = 0; k < 3; k++) in[i].imu[4 + k] = (float)u->angular_velocity[k];
        for (int k = 0; k < 3; k++) in[i].imu[7 + k] = (float)u->linear_acceleration[k];
    }
    for (int i = 0; i < n; i++) {
        int b = i < XN_ECAT_MAX_SLAVES ? r->entry_of[i] : -1;
        if (b < 0) continue;
        const xn_joint_reading *j = &hal->joint[r->joint_of[b]];
        xn_ecat_sim_inputs *p = &in[i];
        p->statusword = j->statusword;
        p->error_code = j->error_code;
        p->mode = out[i].mode;
        p->position = xn_ecat_to_counts(j->position * r->k_q[b]);
        p->velocity = xn_ecat_to_counts(j->velocity * r->k_q[b]);
        p->torque = xn_ecat_to_counts(j->torque * r->k_t[b]);
    }
}

xn_status xn_ecat_sim_robot_open(xn_ecat_sim *sim, int nslave, const char *scene,
                                 const char *keyframe, const xn_ecat_bus *bus, int64_t period_ns,
                                 xn_ecat_sim_robot **out, xn_error *err) {
    static const char *const fn = "xn_ecat_sim_robot_open";
    *out = NULL;
    xn_ecat_sim_robot *r = calloc(1, sizeof *r);
    if (!r) return XN_ERR_NOMEM;
    r->bus = *bus;
    xn_mujoco_options mo = {0};
    mo.period_ns = period_ns;
    mo.keyframe = keyframe;
    xn_status st = xn_mujoco_open(scene, &mo, &r->hal, err);
    if (st != XN_OK) {
        free(r);
        return st;
    }
    for (int i = 0; i < XN_ECAT_MAX_SLAVES; i++) r->entry_of[i] = r->imu_of[i] = -1;
    for (int k = 0; k < bus->nimu && st == XN_OK; k++) {
        const xn_ecat_bus_imu *u = &bus->imu[k];
        int id = -1;
        for (int i = 0; i < r->hal->nimu; i++)
            if (strcmp(r->hal->imu_name[i], u->name) == 0) id = i;
        if (id < 0)
            st = xn_fail_at(err, XN_ERR_NOT_FOUND, fn, k, "IMU %s: not in the scene %s", u->name,
                            scene);
        else if (u->slave >= nslave)
            st = xn_fail_at(err, XN_ERR_RANGE, fn, k, "IMU %s: slave %d of a segment of %d",
                            u->name, u->slave, nslave);
        else
            r->imu_of[u->slave] = id;
    }
    for (int b = 0; b < bus->njoint && st == XN_OK; b++) {
        const xn_ecat_bus_joint *j = &bus->joint[b];
        r->joint_of[b] = xn_hal_joint_id(r->hal, j->joint);
        if (r->joint_of[b] < 0)
            st = xn_fail_at(err, XN_ERR_NOT_FOUND, fn, b, "joint %s: not in the scene %s", j->joint,
                            scene);
        else if (j->slave >= nslave)
            st = xn_fail_at(err, XN_ERR_RANGE, fn, b, "joint %s: slave %d of a segment of %d",
                            j->joint, j->slave, nslave);
        else
            r->entry_of[j->slave] = b;
        r->k_q[b] = xn_ecat_counts_per_unit(j);
        r->k_t[b] = xn_ecat_permille_per_nm(j);
    }
    if (st != XN_OK) {
        xn_ecat_sim_robot_close(r);
        return st;
    }
    xn_hal_read(r->hal);
    xn_ecat_sim_set_plant(sim, plant, r);
    *out = r;
    return XN_OK;
}

void xn_ecat_sim_robot_close(xn_ecat_sim_robot *r) {
    if (!r) return;
    xn_hal_close(r->hal);
    free(r);
}

const xn_hal *xn_ecat_sim_robot_hal(const xn_ecat_sim_robot *r) { return r->hal; }

xn_hal *xn_ecat_sim_robot_mutable(xn_ecat_sim_robot *r) { return r->hal; }
