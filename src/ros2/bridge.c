/* The ROS 2 bridge (see ros2.h): one thread that publishes the controller's newest cycle as
 * sensor_msgs/JointState and streams std_msgs/Float64MultiArray commands into it.
 * SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dds/dds.h>

#include "geometry_msgs.h"
#include "model/error_internal.h"
#include "ros2/bridge_internal.h"
#include "sensor_msgs.h"
#include "std_msgs.h"
#include "tf2_msgs.h"
#include "trajectory_msgs.h"
#include "xiaonao/dynamics.h"
#include "xiaonao/ros2.h"
#include "xiaonao/spatial.h"

const xn_ros2_entity *xn_ros2_failed(const xn_ros2_entity *list, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (list[i].e < 0) return &list[i];
    return NULL;
}

xn_ros2 *xn_ros2_detached(xn_controller *c) {
    xn_ros2 *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->traj = calloc(1, sizeof *r->traj);
    r->action = xn_ros2_action_create();
    if (!r->traj || !r->action) {
        free(r->traj);
        xn_ros2_action_free(r->action);
        free(r);
        return NULL;
    }
    r->c = c;
    xn_ros2_config_init(&r->cfg);
    pthread_mutex_init(&r->lock, NULL);
    r->nj = xn_controller_njoint(c);
    for (int k = 0; k < r->nj; k++) r->names[k] = (char *)xn_controller_joint_name(c, k);
    return r;
}

void xn_ros2_config_init(xn_ros2_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->domain_id = -1;
    cfg->state_rate = 1000;
    cfg->prefix = "";
    cfg->tf_rate = 50;
    cfg->trajectory_controller = "joint_trajectory_controller";
    cfg->goal_tolerance = 1e-3;
    cfg->goal_time = 1;
}

int64_t xn_ros2_clock_ns(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* a ROS header's stamp: the wall clock, as ROS 2 stamps its messages */
builtin_interfaces_msg_dds__Time_ xn_ros2_stamp(void) {
    int64_t t = xn_ros2_clock_ns(CLOCK_REALTIME);
    return (builtin_interfaces_msg_dds__Time_){(int32_t)(t / 1000000000LL),
                                               (uint32_t)(t % 1000000000LL)};
}

/* /tf: every asked frame's placement in the world at the newest cycle's joint positions */
static void publish_tf(xn_ros2 *r, const xn_ctl_sample *s) {
    const xn_model *m = r->cfg.model;
    for (int k = 0; k < r->nj; k++)
        if (r->qadr[k] >= 0) r->tf_q[r->qadr[k]] = s->q[k];
    xn_dyn_fk(m, r->tf_data, r->tf_q);
    geometry_msgs_msg_dds__TransformStamped_ tr[64];
    builtin_interfaces_msg_dds__Time_ now = xn_ros2_stamp();
    for (int i = 0; i < r->ntf; i++) {
        xn_se3 X;
        xn_dyn_frame_placement(m, r->tf_data, r->tf_frame[i], &X);
        xn_real qt[4];
        xn_rot_to_quat(X.R, qt);
        memset(&tr[i], 0, sizeof tr[i]);
        tr[i].header.stamp = now;
        tr[i].header.frame_id = "world";
        tr[i].child_frame_id = r->tf_name[i];
        tr[i].transform.translation = (geometry_msgs_msg_dds__Vector3_){X.p[0], X.p[1], X.p[2]};
        tr[i].transform.rotation = (geometry_msgs_msg_dds__Quaternion_){qt[1], qt[2], qt[3], qt[0]};
    }
    tf2_msgs_msg_dds__TFMessage_ msg;
    uint32_t n = (uint32_t)r->ntf;
    msg.transforms = (dds_sequence_geometry_msgs_msg_dds__TransformStamped_){n, n, tr, false};
    dds_write(r->tf_writer, &msg);
}

/* ROS 2's default QoS for topics: reliable, volatile, keep last 10 */
static dds_qos_t *ros_default_qos(void) {
    dds_qos_t *q = dds_create_qos();
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_durability(q, DDS_DURABILITY_VOLATILE);
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 10);
    return q;
}

static void publish_state(xn_ros2 *r, const xn_ctl_sample *s) {
    sensor_msgs_msg_dds__JointState_ m;
    memset(&m, 0, sizeof m);
    m.header.stamp = xn_ros2_stamp();
    m.header.frame_id = "";
    double pos[XN_OTG_MAX_DOFS], vel[XN_OTG_MAX_DOFS], eff[XN_OTG_MAX_DOFS];
    for (int k = 0; k < r->nj; k++) pos[k] = s->q[k], vel[k] = s->v[k], eff[k] = s->tau[k];
    uint32_t n = (uint32_t)r->nj;
    m.name = (dds_sequence_string){n, n, r->names, false};
    m.position = (dds_sequence_double){n, n, pos, false};
    m.velocity = (dds_sequence_double){n, n, vel, false};
    m.effort = (dds_sequence_double){n, n, eff, false};
    if (dds_write(r->state_writer, &m) == DDS_RETCODE_OK) {
        pthread_mutex_lock(&r->lock);
        r->stats.states_published++;
        pthread_mutex_unlock(&r->lock);
    }
}

/* The outcome of one command from `topic`, in the statistics (a refusal with its reason). */
static void tally(xn_ros2 *r, const char *topic, xn_status st, const xn_error *err) {
    pthread_mutex_lock(&r->lock);
    r->stats.commands_received++;
    if (st == XN_OK) {
        r->stats.commands_accepted++;
    } else {
        r->stats.commands_refused++;
        snprintf(r->stats.last_refusal, sizeof r->stats.last_refusal, "%.40s: %.400s", topic,
                 err->message);
    }
    pthread_mutex_unlock(&r->lock);
}

/* One forward command: a value for each joint the stream claims (every controlled joint unless
 * the `stream` line names some), in the controller's order, streamed into the controller as
 * positions (/joint_commands) or torques (/joint_efforts). */
static void take_forward(xn_ros2 *r, const std_msgs_msg_dds__Float64MultiArray_ *m,
                         xn_stream_mode mode, const char *topic) {
    xn_error err;
    xn_status st;
    int n = xn_controller_stream_joints(r->c, NULL);
    if (m->data._length != (uint32_t)n) {
        st = xn_fail(&err, XN_ERR_SIZE, topic,
                     n == r->nj ? "%u values; the controller commands %d joints"
                                : "%u values; the running stream line claims %d joints",
                     (unsigned)m->data._length, n);
    } else {
        xn_setpoint sp;
        memset(&sp, 0, sizeof sp);
        sp.mode = mode;
        sp.n = n;
        memcpy(mode == XN_STREAM_TORQUE ? sp.torque : sp.position, m->data._buffer,
               (size_t)n * sizeof(double));
        st = xn_controller_stream(r->c, &sp, &err);
    }
    if (st == XN_OK) xn_ros2_action_preempted(r, "replaced by a command on a forward topic");
    tally(r, topic, st, &err);
}

void xn_ros2_take_command(xn_ros2 *r, const std_msgs_msg_dds__Float64MultiArray_ *m) {
    take_forward(r, m, XN_STREAM_POSITION, "/joint_commands");
}

void xn_ros2_take_efforts(xn_ros2 *r, const std_msgs_msg_dds__Float64MultiArray_ *m) {
    take_forward(r, m, XN_STREAM_TORQUE, "/joint_efforts");
}

/* One /cmd_vel: the walking policy's command (linear x and y, angular z, in the base's heading
 * frame), streamed into the controller. */
void xn_ros2_take_cmd_vel(xn_ros2 *r, const geometry_msgs_msg_dds__Twist_ *m) {
    xn_setpoint sp;
    memset(&sp, 0, sizeof sp);
    sp.mode = XN_STREAM_WALK;
    sp.twist[0] = m->linear.x;
    sp.twist[1] = m->linear.y;
    sp.twist[5] = m->angular.z;
    xn_error err;
    xn_status st = xn_controller_stream(r->c, &sp, &err);
    tally(r, "/cmd_vel", st, &err);
}

/* One Cartesian command: the flange toward a pose (world frame), streamed into the controller. */
void xn_ros2_take_pose(xn_ros2 *r, const geometry_msgs_msg_dds__PoseStamped_ *m) {
    xn_setpoint sp;
    memset(&sp, 0, sizeof sp);
    sp.mode = XN_STREAM_POSE;
    const geometry_msgs_msg_dds__Quaternion_ *o = &m->pose.orientation;
    xn_real quat[4] = {o->w, o->x, o->y, o->z}; /* ROS orders x y z w */
    xn_error err;
    xn_status st = xn_quat_to_rot(quat, sp.pose.R);
    if (st != XN_OK) xn_fail(&err, st, "/servo_pose", "the orientation is no rotation");
    sp.pose.p[0] = m->pose.position.x;
    sp.pose.p[1] = m->pose.position.y;
    sp.pose.p[2] = m->pose.position.z;
    if (st == XN_OK) st = xn_controller_stream(r->c, &sp, &err);
    if (st == XN_OK) xn_ros2_action_preempted(r, "replaced by a pose on /servo_pose");
    tally(r, "/servo_pose", st, &err);
}

/* A JointTrajectory's joints matched by name to those the stream claims (each named once, no
 * other; every controlled joint unless the `stream` line names some) and its points into
 * r->traj in the stream's order (sel: their controller indices, *nsel of them):
 * XN_ERR_NOT_FOUND for a joint the controller does not have, one the stream does not claim, or
 * one missing, XN_ERR_SIZE for the point count or a point's arrays, with the reason in err. The
 * curve itself is checked by xn_controller_follow. */
xn_status xn_ros2_convert_trajectory(xn_ros2 *r, const trajectory_msgs_msg_dds__JointTrajectory_ *m,
                                     const char *where, int *sel, int *nsel, xn_error *err) {
    xn_status st = XN_OK;
    int n = xn_controller_stream_joints(r->c, sel);
    int col[XN_OTG_MAX_DOFS]; /* per claimed joint: its column in the message */
    uint32_t nn = m->joint_names._length, np = m->points._length;
    *nsel = n;
    for (int i = 0; i < n; i++) col[i] = -1;
    for (uint32_t j = 0; j < nn && st == XN_OK; j++) {
        const char *name = m->joint_names._buffer[j];
        int i = 0, k = 0;
        while (i < n && strcmp(r->names[sel[i]], name)) i++;
        while (k < r->nj && strcmp(r->names[k], name)) k++;
        if (k == r->nj)
            st = xn_fail(err, XN_ERR_NOT_FOUND, where, "unknown joint '%.100s'", name);
        else if (i == n)
            st = xn_fail(err, XN_ERR_NOT_FOUND, where,
                         "joint '%.100s' is not the stream's: the running `stream` line claims "
                         "%d joints and the program holds the others",
                         name, n);
        else if (col[i] >= 0)
            st = xn_fail(err, XN_ERR_NOT_FOUND, where, "joint '%.100s' named twice", name);
        else
            col[i] = (int)j;
    }
    for (int i = 0; i < n && st == XN_OK; i++)
        if (col[i] < 0)
            st = xn_fail(err, XN_ERR_NOT_FOUND, where, "joint '%s' is missing", r->names[sel[i]]);
    if (st == XN_OK && (np < 1 || np > XN_TRAJ_MAX_POINTS))
        st = xn_fail(err, XN_ERR_SIZE, where, "%u points (1 to %d)", (unsigned)np,
                     XN_TRAJ_MAX_POINTS);
    xn_joint_trajectory *t = r->traj;
    if (st != XN_OK) return st;
    t->n = n;
    t->npoints = (int)np;
    t->has_velocity = 1;
    for (uint32_t i = 0; i < np && st == XN_OK; i++) {
        const trajectory_msgs_msg_dds__JointTrajectoryPoint_ *p = &m->points._buffer[i];
        if (p->positions._length != nn ||
            (p->velocities._length != 0 && p->velocities._length != nn))
            st = xn_fail(err, XN_ERR_SIZE, where,
                         "point %u: %u positions and %u velocities for %u joints", (unsigned)i,
                         (unsigned)p->positions._length, (unsigned)p->velocities._length,
                         (unsigned)nn);
        t->has_velocity &= p->velocities._length == nn;
        t->time[i] = p->time_from_start.sec + p->time_from_start.nanosec * 1e-9;
        for (int k = 0; k < n && st == XN_OK; k++) {
            t->position[i][k] = p->positions._buffer[col[k]];
            t->velocity[i][k] = p->velocities._length ? p->velocities._buffer[col[k]] : 0;
        }
    }
    return st;
}

/* One /joint_trajectory, converted and followed (xn_controller_follow checks the rest). */
void xn_ros2_take_trajectory(xn_ros2 *r, const trajectory_msgs_msg_dds__JointTrajectory_ *m) {
    xn_error err;
    int sel[XN_OTG_MAX_DOFS], n;
    xn_status st = xn_ros2_convert_trajectory(r, m, "/joint_trajectory", sel, &n, &err);
    if (st == XN_OK) st = xn_controller_follow(r->c, r->traj, &err);
    if (st == XN_OK) xn_ros2_action_preempted(r, "replaced by a trajectory on /joint_trajectory");
    tally(r, "/joint_trajectory", st, &err);
}

void xn_ros2_take_each(xn_ros2 *r, dds_entity_t reader, xn_ros2_handler handle) {
    void *samples[1] = {NULL};
    dds_sample_info_t info[1];
    for (;;) {
        int n = dds_take(reader, samples, info, 1, 1);
        if (n <= 0) break;
        if (info[0].valid_data) handle(r, samples[0]);
        dds_return_loan(reader, samples, n);
        samples[0] = NULL;
    }
}

/* the commands' handlers as the reading loop calls them */
static void on_command(xn_ros2 *r, const void *m) { xn_ros2_take_command(r, m); }
static void on_efforts(xn_ros2 *r, const void *m) { xn_ros2_take_efforts(r, m); }
static void on_pose(xn_ros2 *r, const void *m) { xn_ros2_take_pose(r, m); }
static void on_trajectory(xn_ros2 *r, const void *m) { xn_ros2_take_trajectory(r, m); }
static void on_cmd_vel(xn_ros2 *r, const void *m) { xn_ros2_take_cmd_vel(r, m); }

/* The bridge's thread: /joint_states on its own clock; between two publications it sleeps in a
 * waitset that a command's arrival ends at once, so a command reaches the controller without
 * waiting for the next tick. */
static void *run(void *arg) {
    xn_ros2 *r = arg;
    int64_t period = (int64_t)llround(1e9 / r->cfg.state_rate),
            next = xn_ros2_clock_ns(CLOCK_MONOTONIC);
    while (!atomic_load(&r->quit)) {
        int64_t now = xn_ros2_clock_ns(CLOCK_MONOTONIC);
        if (now >= next) {
            xn_ctl_sample s;
            int have = xn_controller_latest(r->c, &s);
            if (have) publish_state(r, &s);
            if (have) xn_ros2_publish_sensors(r, &s);
            xn_ros2_publish_diagnostics(r, have ? &s : NULL, now);
            next += period;
            if (next < now) next = now + period; /* behind: do not try to catch up */
            if (have && r->ntf && now >= r->tf_next) {
                publish_tf(r, &s);
                r->tf_next = now + r->tf_period;
            }
        }
        /* every command that arrived, oldest first (the controller keeps the newest) */
        xn_ros2_take_each(r, r->command_reader, on_command);
        xn_ros2_take_each(r, r->effort_reader, on_efforts);
        xn_ros2_take_each(r, r->pose_reader, on_pose);
        xn_ros2_take_each(r, r->traj_reader, on_trajectory);
        xn_ros2_take_each(r, r->cmd_vel_reader, on_cmd_vel);
        xn_ros2_action_take(r);
        xn_ctl_sample s;
        if (xn_controller_latest(r->c, &s)) xn_ros2_action_tick(r, &s);
        /* until the next publication, or a command */
        dds_waitset_wait(r->waitset, NULL, 0, next - xn_ros2_clock_ns(CLOCK_MONOTONIC));
    }
    return NULL;
}

static xn_status dds_fail(xn_ros2 *r, xn_error *err, const char *what, dds_return_t rc) {
    xn_ros2_stop(r);
    return xn_fail(err, XN_ERR_IO, "xn_ros2_start", "%s: %s", what, dds_strretcode(rc));
}

/* The DDS topic of ROS 2 topic `name` under `prefix` (rt<prefix><name>) on r's participant, and
 * a reader (reader 1) or a writer on it with qos: the reader or writer, or a negative DDS return
 * code. The topic is deleted with the participant. */
static dds_entity_t endpoint(xn_ros2 *r, const char *prefix, const char *name,
                             const dds_topic_descriptor_t *desc, const dds_qos_t *qos, int reader) {
    char dds_name[256];
    snprintf(dds_name, sizeof dds_name, "rt%s%s", prefix, name);
    dds_entity_t topic = dds_create_topic(r->participant, desc, dds_name, NULL, NULL);
    if (topic < 0) return topic;
    return reader ? dds_create_reader(r->participant, topic, qos, NULL)
                  : dds_create_writer(r->participant, topic, qos, NULL);
}

/* /tf's frames and workspace (before any DDS entity; the writer comes with the others) */
static xn_status prepare_tf(xn_ros2 *r, const xn_ros2_config *cfg, xn_error *err) {
    static const char *const fn = "xn_ros2_start";
    const xn_model *m = cfg->model;
    if (cfg->ntf > 64 || !(cfg->tf_rate > 0) || !isfinite(cfg->tf_rate))
        return xn_fail(err, XN_ERR_RANGE, fn, "/tf: %d frames (at most 64) at %g Hz (> 0)",
                       cfg->ntf, cfg->tf_rate);
    for (int i = 0; i < cfg->ntf; i++) {
        r->tf_frame[i] = xn_model_frame_id(m, cfg->tf_frames[i]);
        if (r->tf_frame[i] < 0)
            return xn_fail_at(err, XN_ERR_NOT_FOUND, fn, i, "/tf: the model has no frame '%s'",
                              cfg->tf_frames[i]);
        r->tf_name[i] = strdup(cfg->tf_frames[i]);
    }
    r->ntf = cfg->ntf;
    r->tf_data = xn_data_create(m);
    r->tf_q = malloc((size_t)m->nq * sizeof(xn_real));
    if (!r->tf_data || !r->tf_q) return xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
    memcpy(r->tf_q, m->q_neutral, (size_t)m->nq * sizeof(xn_real));
    for (int k = 0; k < r->nj; k++) { /* the controlled joints in the model, by name */
        int b = xn_model_joint_body(m, r->names[k]);
        r->qadr[k] = b > 0 && m->body_nq[b] == 1 ? m->body_qadr[b] : -1;
    }
    r->tf_period = (int64_t)llround(1e9 / cfg->tf_rate);
    return XN_OK;
}

xn_status xn_ros2_start(xn_controller *c, const xn_ros2_config *cfg, xn_ros2 **out, xn_error *err) {
    static const char *const fn = "xn_ros2_start";
    *out = NULL;
    xn_ros2_config d;
    if (!cfg) xn_ros2_config_init(&d), cfg = &d;
    if (!(cfg->state_rate > 0) || !isfinite(cfg->state_rate) || cfg->state_rate > 1e5)
        return xn_fail(err, XN_ERR_RANGE, fn, "state_rate %g Hz (in (0, 1e5])", cfg->state_rate);
    if (!(cfg->goal_tolerance > 0) || !isfinite(cfg->goal_tolerance) || !(cfg->goal_time > 0) ||
        !isfinite(cfg->goal_time))
        return xn_fail(err, XN_ERR_RANGE, fn, "goal_tolerance %g and goal_time %g (finite, > 0)",
                       cfg->goal_tolerance, cfg->goal_time);
    int domain = cfg->domain_id;
    if (domain < 0) {
        const char *env = getenv("ROS_DOMAIN_ID");
        domain = env && *env ? atoi(env) : 0;
    }
    if (domain < 0 || domain > 232)
        return xn_fail(err, XN_ERR_RANGE, fn, "domain %d (ROS 2 uses 0 to 232)", domain);
    xn_ros2 *r = xn_ros2_detached(c);
    if (!r) return xn_fail(err, XN_ERR_NOMEM, fn, "out of memory");
    r->cfg = *cfg;
    r->cfg.prefix = NULL; /* used only here */
    r->cfg.robot_description = NULL;
    xn_status st = cfg->model && cfg->ntf > 0 ? prepare_tf(r, cfg, err) : XN_OK;
    if (st != XN_OK) {
        xn_ros2_stop(r);
        return st;
    }
    const char *prefix = cfg->prefix ? cfg->prefix : "";
    r->participant = dds_create_participant((dds_domainid_t)domain, NULL, NULL);
    if (r->participant < 0) return dds_fail(r, err, "the DDS participant", r->participant);
    /* ROS 2's defaults for topics: reliable, volatile, keep last 10; /tf keeps the last 100;
     * /robot_description is transient local and keeps the last one, so late joiners get it */
    dds_qos_t *qos = ros_default_qos(), *tq = ros_default_qos(), *dq = ros_default_qos();
    dds_qset_history(tq, DDS_HISTORY_KEEP_LAST, 100);
    dds_qset_durability(dq, DDS_DURABILITY_TRANSIENT_LOCAL);
    dds_qset_history(dq, DDS_HISTORY_KEEP_LAST, 1);
    r->state_writer =
        endpoint(r, prefix, "/joint_states", &sensor_msgs_msg_dds__JointState__desc, qos, 0);
    r->command_reader =
        endpoint(r, prefix, "/joint_commands", &std_msgs_msg_dds__Float64MultiArray__desc, qos, 1);
    r->effort_reader =
        endpoint(r, prefix, "/joint_efforts", &std_msgs_msg_dds__Float64MultiArray__desc, qos, 1);
    r->pose_reader =
        endpoint(r, prefix, "/servo_pose", &geometry_msgs_msg_dds__PoseStamped__desc, qos, 1);
    r->cmd_vel_reader =
        endpoint(r, prefix, "/cmd_vel", &geometry_msgs_msg_dds__Twist__desc, qos, 1);
    r->traj_reader = endpoint(r, prefix, "/joint_trajectory",
                              &trajectory_msgs_msg_dds__JointTrajectory__desc, qos, 1);
    r->tf_writer =
        r->ntf ? endpoint(r, prefix, "/tf", &tf2_msgs_msg_dds__TFMessage__desc, tq, 0) : 0;
    dds_entity_t description =
        cfg->robot_description
            ? endpoint(r, prefix, "/robot_description", &std_msgs_msg_dds__String__desc, dq, 0)
            : 0;
    dds_delete_qos(qos);
    dds_delete_qos(tq);
    dds_delete_qos(dq);
    const xn_ros2_entity made[] = {
        {"/joint_states", r->state_writer},    {"/joint_commands", r->command_reader},
        {"/joint_efforts", r->effort_reader},  {"/servo_pose", r->pose_reader},
        {"/joint_trajectory", r->traj_reader}, {"/tf", r->tf_writer},
        {"/robot_description", description},   {"/cmd_vel", r->cmd_vel_reader}};
    const xn_ros2_entity *bad = xn_ros2_failed(made, sizeof made / sizeof made[0]);
    if (bad) return dds_fail(r, err, bad->what, bad->e);
    if (description) {
        std_msgs_msg_dds__String_ text = {(char *)cfg->robot_description};
        dds_return_t rc = dds_write(description, &text); /* kept by the writer */
        if (rc != DDS_RETCODE_OK) return dds_fail(r, err, "writing /robot_description", rc);
    }
    r->waitset = dds_create_waitset(r->participant);
    dds_entity_t conds[5] = {dds_create_readcondition(r->command_reader, DDS_ANY_STATE),
                             dds_create_readcondition(r->effort_reader, DDS_ANY_STATE),
                             dds_create_readcondition(r->pose_reader, DDS_ANY_STATE),
                             dds_create_readcondition(r->traj_reader, DDS_ANY_STATE),
                             dds_create_readcondition(r->cmd_vel_reader, DDS_ANY_STATE)};
    for (int i = 0; i < 5; i++)
        if (r->waitset < 0 || conds[i] < 0 || dds_waitset_attach(r->waitset, conds[i], 0) < 0)
            return dds_fail(r, err, "the waitset", r->waitset < 0 ? r->waitset : conds[i]);
    st = xn_ros2_status_start(r, prefix, err);
    if (st != XN_OK) {
        xn_ros2_stop(r);
        return st;
    }
    r->cfg.trajectory_controller = cfg->trajectory_controller; /* read during the start only */
    st = xn_ros2_action_start(r, prefix, err);
    r->cfg.trajectory_controller = NULL;
    if (st != XN_OK) {
        xn_ros2_stop(r);
        return st;
    }
    if (pthread_create(&r->thread, NULL, run, r) != 0) {
        xn_ros2_stop(r);
        return xn_fail(err, XN_ERR_IO, fn, "the bridge's thread could not be started");
    }
    r->thread_started = 1;
    *out = r;
    return XN_OK;
}

void xn_ros2_stop(xn_ros2 *r) {
    if (!r) return;
    if (r->thread_started) {
        atomic_store(&r->quit, 1);
        pthread_join(r->thread, NULL);
    }
    if (r->participant > 0) dds_delete(r->participant); /* its topics, writer and reader too */
    if (r->event_reader > 0) xn_controller_event_reader_release(r->c, r->event_reader);
    for (int i = 0; i < 64; i++) free(r->tf_name[i]);
    xn_data_free(r->tf_data);
    free(r->traj);
    xn_ros2_action_free(r->action);
    free(r->tf_q);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

void xn_ros2_get_stats(xn_ros2 *r, xn_ros2_stats *out) {
    pthread_mutex_lock(&r->lock);
    *out = r->stats;
    pthread_mutex_unlock(&r->lock);
}
