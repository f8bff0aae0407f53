/* The MuJoCo backend: an MJCF scene as a robot. Each motor-driven joint gets a simulated CiA 402
 * drive whose servo runs at the physics rate and turns the controller's commands into the
 * actuator's torque, the way a real drive's current loop does between two fieldbus cycles.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mujoco/mujoco.h>

#include "xiaonao/backends.h"

typedef struct {
    mjModel *m;
    mjData *d;
    xn_mujoco_options opt;
    int nsub; /* physics steps per control period */
    int n;    /* joint devices */
    int *jnt; /* per device: MuJoCo joint id */
    int *act; /* per device: motor actuator id, -1 for a passive joint */
    xn_drive_sim *drive;
    xn_drive_gains *gains; /* per device: the options' gains, the actuator's torque limit */
    unsigned char *nan, *stale;
    /* command latency: a ring of latency_cycles + 1 command sets */
    xn_joint_command *cmd_ring;
    int ring_len, ring_head;
    int *ft_force, *ft_torque;          /* per F/T device: sensor ids */
    int *imu_gyro, *imu_acc, *imu_quat; /* per IMU: sensor ids, -1 when absent */
    int *track;                         /* per tracker: framepos sensor id */
    int *touch;                         /* per contact sensor: touch sensor id */
    uint64_t rng;
    /* a push (xn_hal_push): the body, its force and the simulated time it ends */
    int push_body;
    xn_real push_force[3];
    mjtNum push_end;
} mujoco_backend;

/* ---- noise: xorshift64* and Box-Muller (deterministic, no allocation) ---- */
static double uniform01(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return ((double)((*s * 2685821657736338717ull) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
static double gauss(uint64_t *s) {
    double u1 = uniform01(s), u2 = uniform01(s);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static xn_real quantize(xn_real x, long counts) {
    if (counts <= 0) return x;
    xn_real step = 6.283185307179586 / (xn_real)counts;
    return step * floor(x / step + 0.5);
}

static const xn_joint_command *delayed_command(mujoco_backend *mb, int i) {
    /* the oldest set in the ring is the one that takes effect now */
    int slot = (mb->ring_head + 1) % mb->ring_len;
    return &mb->cmd_ring[(size_t)slot * (size_t)mb->n + (size_t)i];
}

static xn_status mj_read(void *self, xn_hal *hal) {
    mujoco_backend *mb = self;
    const mjModel *m = mb->m;
    const mjData *d = mb->d;
    int64_t stamp = (int64_t)llround(d->time * 1e9);
    hal->time_ns = stamp;
    for (int i = 0; i < mb->n; i++) {
        xn_joint_reading *r = &hal->joint[i];
        if (mb->stale[i]) continue;
        int j = mb->jnt[i];
        xn_real q = d->qpos[m->jnt_qposadr[j]], v = d->qvel[m->jnt_dofadr[j]];
        if (mb->opt.position_noise > 0) q += mb->opt.position_noise * gauss(&mb->rng);
        if (mb->opt.velocity_noise > 0) v += mb->opt.velocity_noise * gauss(&mb->rng);
        q = quantize(q, mb->opt.encoder_counts);
        r->position = mb->nan[i] ? NAN : q;
        r->velocity = v;
        r->torque = d->qfrc_actuator[m->jnt_dofadr[j]];
        if (mb->opt.torque_noise > 0) r->torque += mb->opt.torque_noise * gauss(&mb->rng);
        r->statusword =
            xn_cia402_statusword(mb->act[i] >= 0 ? mb->drive[i].state : XN_CIA402_NOT_READY);
        r->error_code = mb->drive[i].error_code;
        r->stamp_ns = stamp;
    }
    for (int k = 0; k < hal->nft; k++) {
        for (int c = 0; c < 3; c++) {
            hal->ft[k].force[c] = d->sensordata[m->sensor_adr[mb->ft_force[k]] + c];
            hal->ft[k].torque[c] = d->sensordata[m->sensor_adr[mb->ft_torque[k]] + c];
        }
        hal->ft[k].stamp_ns = stamp;
    }
    for (int k = 0; k < hal->nimu; k++) {
        xn_imu_reading *u = &hal->imu[k];
        for (int c = 0; c < 3; c++) {
            u->angular_velocity[c] = d->sensordata[m->sensor_adr[mb->imu_gyro[k]] + c];
            u->linear_acceleration[c] =
                mb->imu_acc[k] >= 0 ? d->sensordata[m->sensor_adr[mb->imu_acc[k]] + c] : 0;
        }
        if (mb->imu_quat[k] >= 0)
            for (int c = 0; c < 4; c++)
                u->orientation[c] = d->sensordata[m->sensor_adr[mb->imu_quat[k]] + c];
        u->stamp_ns = stamp;
    }
    for (int k = 0; k < hal->ntracker; k++) {
        for (int c = 0; c < 3; c++)
            hal->tracker[k].position[c] = d->sensordata[m->sensor_adr[mb->track[k]] + c];
        hal->tracker[k].stamp_ns = stamp;
    }
    for (int k = 0; k < hal->ncontact; k++) {
        hal->contact[k].force = d->sensordata[m->sensor_adr[mb->touch[k]]];
        hal->contact[k].stamp_ns = stamp;
    }
    return XN_OK;
}

static xn_status mj_write(void *self, xn_hal *hal) {
    mujoco_backend *mb = self;
    mb->ring_head = (mb->ring_head + 1) % mb->ring_len;
    memcpy(&mb->cmd_ring[(size_t)mb->ring_head * (size_t)mb->n], hal->command,
           (size_t)mb->n * sizeof *hal->command);
    for (int i = 0; i < mb->n; i++) {
        if (mb->act[i] < 0) continue;
        int j = mb->jnt[i];
        const xn_joint_command *c = delayed_command(mb, i);
        xn_drive_sim_command(&mb->drive[i], c->controlword, mb->d->qpos[mb->m->jnt_qposadr[j]],
                             mb->d->qvel[mb->m->jnt_dofadr[j]]);
    }
    return XN_OK;
}

static xn_status mj_advance(void *self, xn_hal *hal) {
    mujoco_backend *mb = self;
    const mjModel *m = mb->m;
    mjData *d = mb->d;
    (void)hal;
    for (int s = 0; s < mb->nsub; s++) {
        if (mb->push_body > 0) { /* on for the push's time, then off */
            int on = d->time < mb->push_end;
            for (int a = 0; a < 3; a++)
                d->xfrc_applied[6 * mb->push_body + a] = on ? mb->push_force[a] : 0;
            if (!on) mb->push_body = 0;
        }
        for (int i = 0; i < mb->n; i++) {
            int a = mb->act[i];
            if (a < 0) continue;
            int j = mb->jnt[i];
            xn_real q = quantize(d->qpos[m->jnt_qposadr[j]], mb->opt.encoder_counts);
            xn_real v = d->qvel[m->jnt_dofadr[j]];
            /* a failed encoder faults the drive; the brake then acts on the real joint */
            if (mb->nan[i]) xn_drive_sim_fault(&mb->drive[i], XN_DRIVE_ERR_SENSOR, q, v);
            xn_real tau = xn_drive_sim_torque(&mb->drive[i], delayed_command(mb, i), &mb->gains[i],
                                              q, v, m->opt.timestep);
            xn_real gear = m->actuator_gear[6 * a];
            d->ctrl[a] = gear != 0 ? tau / gear : 0;
        }
        mj_step(m, d);
    }
    for (int k = 0; k < m->nq; k++)
        if (!isfinite(d->qpos[k])) return XN_ERR_NUMERIC; /* the simulation diverged */
    return XN_OK;
}

static xn_status mj_inject(void *self, xn_hal *hal, int i, xn_inject_kind kind) {
    mujoco_backend *mb = self;
    (void)hal;
    int j = mb->jnt[i];
    switch (kind) {
    case XN_INJECT_CLEAR: mb->nan[i] = mb->stale[i] = 0; break;
    case XN_INJECT_SENSOR_NAN: mb->nan[i] = 1; break;
    case XN_INJECT_SENSOR_STALE: mb->stale[i] = 1; break;
    case XN_INJECT_DRIVE_FAULT:
        if (mb->act[i] < 0) return XN_ERR_UNSUPPORTED;
        xn_drive_sim_fault(&mb->drive[i], XN_DRIVE_ERR_EXTERNAL, mb->d->qpos[mb->m->jnt_qposadr[j]],
                           mb->d->qvel[mb->m->jnt_dofadr[j]]);
        break;
    default: return XN_ERR_UNSUPPORTED;
    }
    return XN_OK;
}

static void mj_destroy(void *self) {
    mujoco_backend *mb = self;
    if (!mb) return;
    if (mb->d) mj_deleteData(mb->d);
    if (mb->m) mj_deleteModel(mb->m);
    free(mb->jnt);
    free(mb->act);
    free(mb->drive);
    free(mb->gains);
    free(mb->nan);
    free(mb->stale);
    free(mb->cmd_ring);
    free(mb->ft_force);
    free(mb->ft_torque);
    free(mb->imu_gyro);
    free(mb->imu_acc);
    free(mb->imu_quat);
    free(mb->track);
    free(mb->touch);
    free(mb);
}

static xn_status mj_push(void *self, xn_hal *hal, const char *body, const xn_real force[3],
                         xn_real duration) {
    mujoco_backend *mb = self;
    (void)hal;
    int b = mj_name2id(mb->m, mjOBJ_BODY, body);
    if (b <= 0) return XN_ERR_NOT_FOUND; /* the world cannot be pushed */
    if (mb->push_body > 0 && mb->push_body != b)
        for (int a = 0; a < 3; a++) mb->d->xfrc_applied[6 * mb->push_body + a] = 0;
    mb->push_body = b;
    memcpy(mb->push_force, force, sizeof mb->push_force);
    mb->push_end = mb->d->time + duration;
    return XN_OK;
}

static const xn_backend_ops mujoco_ops = {.name = "mujoco",
                                          .read = mj_read,
                                          .write = mj_write,
                                          .advance = mj_advance,
                                          .destroy = mj_destroy,
                                          .inject = mj_inject,
                                          .push = mj_push};

static xn_status fail(xn_error *err, const char *scene, xn_status st, const char *msg) {
    if (err) {
        err->index = -1;
        snprintf(err->file, sizeof err->file, "%s", scene);
        err->line = 0;
        snprintf(err->message, sizeof err->message, "%s", msg);
    }
    return st;
}

/* The motor actuator driving joint j: joint transmission, fixed gain, no bias. */
static int motor_for_joint(const mjModel *m, int j) {
    for (int a = 0; a < m->nu; a++)
        if (m->actuator_trntype[a] == mjTRN_JOINT && m->actuator_trnid[2 * a] == j &&
            m->actuator_gaintype[a] == mjGAIN_FIXED && m->actuator_biastype[a] == mjBIAS_NONE &&
            m->actuator_dyntype[a] == mjDYN_NONE)
            return a;
    return -1;
}

static int sensor_on_site(const mjModel *m, int type, int site) {
    for (int s = 0; s < m->nsensor; s++)
        if (m->sensor_type[s] == type && m->sensor_objtype[s] == mjOBJ_SITE &&
            m->sensor_objid[s] == site)
            return s;
    return -1;
}

static xn_real actuator_torque_limit(const mjModel *m, int a) {
    xn_real gear = fabs(m->actuator_gear[6 * a]), lim = INFINITY;
    if (m->actuator_forcelimited[a])
        lim = fmax(fabs(m->actuator_forcerange[2 * a]), fabs(m->actuator_forcerange[2 * a + 1]));
    if (m->actuator_ctrllimited[a]) {
        xn_real c =
            gear * fmax(fabs(m->actuator_ctrlrange[2 * a]), fabs(m->actuator_ctrlrange[2 * a + 1]));
        lim = fmin(lim, c);
    }
    return lim;
}

static xn_status setup(mujoco_backend *mb, const char *scene, xn_hal **out, xn_error *err) {
    const mjModel *m = mb->m;
    char msg[512];
    int64_t step_ns = (int64_t)llround(m->opt.timestep * 1e9);
    if (step_ns <= 0 || mb->opt.period_ns % step_ns != 0) {
        snprintf(msg, sizeof msg,
                 "the control period (%lld ns) is not a whole multiple of the scene's timestep "
                 "(%g s)",
                 (long long)mb->opt.period_ns, m->opt.timestep);
        return fail(err, scene, XN_ERR_INVALID, msg);
    }
    mb->nsub = (int)(mb->opt.period_ns / step_ns);
    int n = 0, nft = 0, nimu = 0, ntrack = 0, ntouch = 0;
    for (int j = 0; j < m->njnt; j++)
        if (m->jnt_type[j] == mjJNT_HINGE || m->jnt_type[j] == mjJNT_SLIDE) n++;
    for (int s = 0; s < m->nsite; s++) {
        if (sensor_on_site(m, mjSENS_FORCE, s) >= 0 && sensor_on_site(m, mjSENS_TORQUE, s) >= 0)
            nft++;
        if (sensor_on_site(m, mjSENS_GYRO, s) >= 0) nimu++;
        if (sensor_on_site(m, mjSENS_FRAMEPOS, s) >= 0) ntrack++;
        if (sensor_on_site(m, mjSENS_TOUCH, s) >= 0) ntouch++;
    }
    xn_hal *hal = xn_hal_alloc(n, nft, nimu, ntrack);
    if (!hal) return fail(err, scene, XN_ERR_NOMEM, "out of memory");
    hal->ops = &mujoco_ops;
    hal->self = mb;
    hal->period_ns = mb->opt.period_ns;
    *out = hal;
    if (xn_hal_alloc_contacts(hal, ntouch) != XN_OK)
        return fail(err, scene, XN_ERR_NOMEM, "out of memory");
    size_t sz = (size_t)n + 1;
    mb->n = n;
    mb->jnt = calloc(sz, sizeof *mb->jnt);
    mb->act = calloc(sz, sizeof *mb->act);
    mb->drive = calloc(sz, sizeof *mb->drive);
    mb->gains = calloc(sz, sizeof *mb->gains);
    mb->nan = calloc(sz, 1);
    mb->stale = calloc(sz, 1);
    mb->ring_len = mb->opt.latency_cycles + 1;
    mb->cmd_ring = calloc(sz * (size_t)mb->ring_len, sizeof *mb->cmd_ring);
    mb->ft_force = calloc((size_t)nft + 1, sizeof(int));
    mb->ft_torque = calloc((size_t)nft + 1, sizeof(int));
    mb->imu_gyro = calloc((size_t)nimu + 1, sizeof(int));
    mb->imu_acc = calloc((size_t)nimu + 1, sizeof(int));
    mb->imu_quat = calloc((size_t)nimu + 1, sizeof(int));
    mb->track = calloc((size_t)ntrack + 1, sizeof(int));
    mb->touch = calloc((size_t)ntouch + 1, sizeof(int));
    if (!mb->jnt || !mb->act || !mb->drive || !mb->gains || !mb->nan || !mb->stale ||
        !mb->cmd_ring || !mb->ft_force || !mb->ft_torque || !mb->imu_gyro || !mb->imu_acc ||
        !mb->imu_quat || !mb->track || !mb->touch)
        return fail(err, scene, XN_ERR_NOMEM, "out of memory");
    int i = 0;
    for (int j = 0; j < m->njnt; j++) {
        if (m->jnt_type[j] != mjJNT_HINGE && m->jnt_type[j] != mjJNT_SLIDE) continue;
        xn_joint_info *ji = &hal->joint_info[i];
        const char *name = mj_id2name(m, mjOBJ_JOINT, j);
        snprintf(ji->name, sizeof ji->name, "%s", name ? name : "");
        mb->jnt[i] = j;
        mb->act[i] = motor_for_joint(m, j);
        ji->commandable = mb->act[i] >= 0;
        ji->has_torque = ji->commandable;
        ji->torque_max = ji->commandable ? actuator_torque_limit(m, mb->act[i]) : 0;
        mb->gains[i] = mb->opt.drive;
        if (!(mb->gains[i].torque_max > 0) || mb->gains[i].torque_max > ji->torque_max)
            mb->gains[i].torque_max = ji->torque_max;
        if (m->jnt_limited[j]) {
            ji->position_lo = m->jnt_range[2 * j];
            ji->position_hi = m->jnt_range[2 * j + 1];
        }
        xn_drive_sim_init(&mb->drive[i], mb->d->qpos[m->jnt_qposadr[j]]);
        i++;
    }
    for (size_t k = 0; k < sz * (size_t)mb->ring_len; k++) mb->cmd_ring[k].mode = XN_MODE_CSP;
    int f = 0, u = 0, tr = 0, tc = 0;
    for (int s = 0; s < m->nsite; s++) {
        const char *name = mj_id2name(m, mjOBJ_SITE, s);
        int sf = sensor_on_site(m, mjSENS_FORCE, s), st = sensor_on_site(m, mjSENS_TORQUE, s);
        if (sf >= 0 && st >= 0) {
            snprintf(hal->ft_name[f], sizeof hal->ft_name[f], "%s", name ? name : "");
            mb->ft_force[f] = sf;
            mb->ft_torque[f] = st;
            f++;
        }
        int sg = sensor_on_site(m, mjSENS_GYRO, s);
        if (sg >= 0) {
            snprintf(hal->imu_name[u], sizeof hal->imu_name[u], "%s", name ? name : "");
            mb->imu_gyro[u] = sg;
            mb->imu_acc[u] = sensor_on_site(m, mjSENS_ACCELEROMETER, s);
            mb->imu_quat[u] = sensor_on_site(m, mjSENS_FRAMEQUAT, s);
            u++;
        }
        int sp = sensor_on_site(m, mjSENS_FRAMEPOS, s);
        if (sp >= 0) {
            snprintf(hal->tracker_name[tr], sizeof hal->tracker_name[tr], "%s", name ? name : "");
            mb->track[tr++] = sp;
        }
        int sc = sensor_on_site(m, mjSENS_TOUCH, s);
        if (sc >= 0) {
            snprintf(hal->contact_name[tc], sizeof hal->contact_name[tc], "%s", name ? name : "");
            mb->touch[tc++] = sc;
        }
    }
    return XN_OK;
}

xn_status xn_mujoco_open(const char *scene, const xn_mujoco_options *opt, xn_hal **out,
                         xn_error *err) {
    *out = NULL;
    mujoco_backend *mb = calloc(1, sizeof *mb);
    if (!mb) return fail(err, scene, XN_ERR_NOMEM, "out of memory");
    if (opt) mb->opt = *opt;
    xn_mujoco_options *o = &mb->opt;
    if (o->period_ns == 0) o->period_ns = 1000000;
    if (o->drive.kp == 0) o->drive.kp = 2000;
    if (o->drive.kd == 0) o->drive.kd = 50;
    if (o->drive.quick_stop_decel == 0) o->drive.quick_stop_decel = 10;
    mb->rng = o->seed ? o->seed : 1;
    char msg[512];
    if (o->period_ns < 0 || o->latency_cycles < 0 || o->latency_cycles > 1000 ||
        o->encoder_counts < 0 || !(o->position_noise >= 0) || !(o->velocity_noise >= 0) ||
        !(o->torque_noise >= 0) || !(o->drive.kp > 0) || !(o->drive.kd > 0) ||
        !(o->drive.quick_stop_decel > 0)) {
        free(mb);
        return fail(err, scene, XN_ERR_RANGE,
                    "invalid backend option: period, latency (0..1000 cycles), encoder counts, "
                    "noise and drive gains must be positive or zero");
    }
    char mjerr[1000] = "";
    mb->m = mj_loadXML(scene, NULL, mjerr, sizeof mjerr);
    if (!mb->m) {
        snprintf(msg, sizeof msg, "MuJoCo could not load the scene: %.440s", mjerr);
        free(mb);
        return fail(err, scene, XN_ERR_PARSE, msg);
    }
    mb->d = mj_makeData(mb->m);
    if (!mb->d) {
        mj_destroy(mb);
        return fail(err, scene, XN_ERR_NOMEM, "out of memory");
    }
    const char *key = o->keyframe ? o->keyframe : "home";
    int k = mj_name2id(mb->m, mjOBJ_KEY, key);
    if (k >= 0)
        mj_resetDataKeyframe(mb->m, mb->d, k);
    else if (o->keyframe) {
        snprintf(msg, sizeof msg, "the scene has no keyframe named \"%s\"", o->keyframe);
        mj_destroy(mb);
        return fail(err, scene, XN_ERR_NOT_FOUND, msg);
    }
    mj_forward(mb->m, mb->d);
    xn_hal *hal = NULL;
    xn_status st = setup(mb, scene, &hal, err);
    if (st != XN_OK) {
        if (hal)
            xn_hal_close(hal); /* destroys mb too */
        else
            mj_destroy(mb);
        return st;
    }
    for (int i = 0; i < mb->n; i++)
        mb->drive[i].hold_position = mb->d->qpos[mb->m->jnt_qposadr[mb->jnt[i]]];
    mj_read(mb, hal);
    *out = hal;
    return XN_OK;
}

void *xn_mujoco_model(const xn_hal *hal) {
    return hal && hal->ops == &mujoco_ops ? ((mujoco_backend *)hal->self)->m : NULL;
}
void *xn_mujoco_data(const xn_hal *hal) {
    return hal && hal->ops == &mujoco_ops ? ((mujoco_backend *)hal->self)->d : NULL;
}
