/* The FollowJointTrajectory action server of the ROS 2 bridge (ros2.h): what MoveIt sends a
 * controller's trajectories through. An action on ROS 2's Cyclone middleware is three services
 * and two topics: send_goal, get_result and cancel_goal (requests on rq/<action>/_action/<name>
 * Request, replies on rr/<action>/_action/<name>Reply, each carrying the client's request
 * header, which the reply echoes so that the client can match it), feedback and status. All of
 * it runs on the bridge's thread; the goal's trajectory goes to the controller through
 * xn_controller_follow, its supervision reads the controller's newest cycle.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/error_internal.h"
#include "ros2/bridge_internal.h"

/* action_msgs/GoalStatus */
enum {
    ST_UNKNOWN = 0,
    ST_ACCEPTED,
    ST_EXECUTING,
    ST_CANCELING,
    ST_SUCCEEDED,
    ST_CANCELED,
    ST_ABORTED
};
/* control_msgs/FollowJointTrajectory result codes */
enum {
    FJT_SUCCESSFUL = 0,
    FJT_INVALID_GOAL = -1,
    FJT_INVALID_JOINTS = -2,
    FJT_OLD_HEADER_TIMESTAMP = -3,
    FJT_PATH_TOLERANCE_VIOLATED = -4,
    FJT_GOAL_TOLERANCE_VIOLATED = -5
};
/* action_msgs/CancelGoal return codes */
enum { CANCEL_NONE = 0, CANCEL_REJECTED = 1, CANCEL_UNKNOWN_GOAL = 2, CANCEL_TERMINATED = 3 };

#define GOALS 16             /* goals remembered, the newest replacing the oldest ended one */
#define PENDING 32           /* get_result requests waiting for their goal to end */
#define STOPPED_SPEED 0.01   /* rad/s (m/s): a joint at rest for the goal's check */
#define FEEDBACK_NS 50000000 /* feedback at 20 Hz, as joint_trajectory_controller's monitor */

typedef struct {
    uint8_t id[16];
    builtin_interfaces_msg_dds__Time_ stamp; /* when it was accepted */
    int8_t status;
    int32_t error_code;
    char error_string[256];
    int64_t start_ns, end_ns, deadline_ns; /* monotonic: started, trajectory over, settle limit */
    int n, sel[XN_OTG_MAX_DOFS];           /* the joints it moves (controller indices) */
    /* per controlled joint (the others than the goal's: not checked) */
    double final[XN_OTG_MAX_DOFS];    /* the last point */
    double goal_tol[XN_OTG_MAX_DOFS]; /* <= 0: not checked */
    double path_tol[XN_OTG_MAX_DOFS]; /* <= 0: not checked */
} goal;

typedef struct {
    uint64_t guid;
    int64_t seq;
    uint8_t id[16];
} pending;

struct xn_ros2_action {
    dds_entity_t goal_reader, goal_writer, result_reader, result_writer, cancel_reader,
        cancel_writer, feedback_writer, status_writer;
    goal goals[GOALS];
    int ngoal, next; /* remembered goals; where the next one goes */
    int active;      /* the executing goal, or -1 */
    pending wait[PENDING];
    int nwait;
    int64_t feedback_next;
};

xn_ros2_action *xn_ros2_action_create(void) {
    xn_ros2_action *a = calloc(1, sizeof *a);
    if (a) a->active = -1;
    return a;
}

void xn_ros2_action_free(xn_ros2_action *a) { free(a); }

static goal *find(xn_ros2_action *a, const uint8_t *id) {
    for (int i = 0; i < a->ngoal; i++)
        if (!memcmp(a->goals[i].id, id, 16)) return &a->goals[i];
    return NULL;
}

static int terminal(int8_t status) {
    return status == ST_SUCCEEDED || status == ST_CANCELED || status == ST_ABORTED;
}

/* ---- publications and replies ---- */

static void publish_status(xn_ros2 *r) {
    xn_ros2_action *a = r->action;
    if (!a->status_writer) return;
    action_msgs_msg_dds__GoalStatus_ list[GOALS];
    for (int i = 0; i < a->ngoal; i++) {
        memcpy(list[i].goal_info.goal_id.uuid, a->goals[i].id, 16);
        list[i].goal_info.stamp = a->goals[i].stamp;
        list[i].status = a->goals[i].status;
    }
    action_msgs_msg_dds__GoalStatusArray_ msg;
    uint32_t n = (uint32_t)a->ngoal;
    msg.status_list = (dds_sequence_action_msgs_msg_dds__GoalStatus_){n, n, list, false};
    dds_write(a->status_writer, &msg);
}

static void reply_result(xn_ros2 *r, uint64_t guid, int64_t seq, const goal *g) {
    control_msgs_action_dds__FollowJointTrajectory_GetResult_Response_ rep;
    memset(&rep, 0, sizeof rep);
    rep.client_guid = guid;
    rep.request_sequence = seq;
    rep.status = g ? g->status : ST_UNKNOWN;
    rep.result.error_code = g ? g->error_code : 0;
    rep.result.error_string = g ? (char *)g->error_string : "";
    if (r->action->result_writer) dds_write(r->action->result_writer, &rep);
}

/* The goal ends: its status and result, every get_result waiting for it answered. */
static void finish(xn_ros2 *r, goal *g, int8_t status, int32_t code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void finish(xn_ros2 *r, goal *g, int8_t status, int32_t code, const char *fmt, ...) {
    xn_ros2_action *a = r->action;
    g->status = status;
    g->error_code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->error_string, sizeof g->error_string, fmt, ap);
    va_end(ap);
    if (a->active >= 0 && &a->goals[a->active] == g) a->active = -1;
    int kept = 0;
    for (int i = 0; i < a->nwait; i++) {
        if (!memcmp(a->wait[i].id, g->id, 16))
            reply_result(r, a->wait[i].guid, a->wait[i].seq, g);
        else
            a->wait[kept++] = a->wait[i];
    }
    a->nwait = kept;
    pthread_mutex_lock(&r->lock);
    if (status == ST_SUCCEEDED) r->stats.goals_succeeded++;
    if (status == ST_ABORTED) r->stats.goals_aborted++;
    if (status == ST_CANCELED) r->stats.goals_canceled++;
    r->stats.last_error_code = code;
    snprintf(r->stats.last_goal_error, sizeof r->stats.last_goal_error, "%s", g->error_string);
    pthread_mutex_unlock(&r->lock);
    publish_status(r);
}

/* Every joint to rest from where it is (a cancel, a path error): a velocity setpoint of zero,
 * jerk-limited, replacing the goal's trajectory. */
static void hold(xn_ros2 *r) {
    xn_setpoint sp;
    memset(&sp, 0, sizeof sp);
    sp.mode = XN_STREAM_VELOCITY;
    sp.n = xn_controller_stream_joints(r->c, NULL);
    xn_controller_stream(r->c, &sp, NULL);
}

/* ---- a new goal ---- */

/* A slot for a new goal: a free one, else the oldest ended one (NULL: every one still runs). */
static goal *slot(xn_ros2_action *a) {
    if (a->ngoal < GOALS) return &a->goals[a->ngoal++];
    for (int n = 0; n < GOALS; n++) {
        int i = (a->next + n) % GOALS;
        if (terminal(a->goals[i].status)) {
            a->next = (i + 1) % GOALS;
            return &a->goals[i];
        }
    }
    return NULL;
}

/* The goal's tolerances per controlled joint: JointTolerance by name; 0 keeps the default, a
 * negative value removes the check. An unknown name is an error (INVALID_JOINTS). */
static int tolerances(xn_ros2 *r, const dds_sequence_control_msgs_msg_dds__JointTolerance_ *seq,
                      double dflt, double *out, char *why, size_t nwhy) {
    for (int k = 0; k < r->nj; k++) out[k] = dflt;
    for (uint32_t i = 0; i < seq->_length; i++) {
        const control_msgs_msg_dds__JointTolerance_ *t = &seq->_buffer[i];
        int k = 0;
        while (k < r->nj && strcmp(r->names[k], t->name)) k++;
        if (k == r->nj) {
            snprintf(why, nwhy, "a tolerance for unknown joint '%.100s'", t->name);
            return -1;
        }
        if (!isfinite(t->position)) {
            snprintf(why, nwhy, "joint %s: tolerance %g is not finite", t->name, t->position);
            return -1;
        }
        if (t->position != 0) out[k] = t->position;
    }
    return 0;
}

static void start_goal(xn_ros2 *r, goal *g,
                       const control_msgs_action_dds__FollowJointTrajectory_Goal_ *m) {
    xn_ros2_action *a = r->action;
    char why[256];
    if (m->multi_dof_trajectory.joint_names._length || m->multi_dof_trajectory.points._length) {
        finish(r, g, ST_ABORTED, FJT_INVALID_JOINTS,
               "multi-DoF joints (multi_dof_trajectory) are not supported");
        return;
    }
    xn_error err;
    xn_status st = xn_ros2_convert_trajectory(r, &m->trajectory, "follow_joint_trajectory", g->sel,
                                              &g->n, &err);
    if (st != XN_OK) {
        finish(r, g, ST_ABORTED, st == XN_ERR_NOT_FOUND ? FJT_INVALID_JOINTS : FJT_INVALID_GOAL,
               "%s", err.message);
        return;
    }
    if (tolerances(r, &m->goal_tolerance, r->cfg.goal_tolerance, g->goal_tol, why, sizeof why) ||
        tolerances(r, &m->path_tolerance, 0, g->path_tol, why, sizeof why)) {
        finish(r, g, ST_ABORTED, FJT_INVALID_JOINTS, "%s", why);
        return;
    }
    unsigned char mine[XN_OTG_MAX_DOFS] = {0};
    for (int i = 0; i < g->n; i++) mine[g->sel[i]] = 1;
    for (int k = 0; k < r->nj; k++) /* the program holds the others: not the goal's to check */
        if (!mine[k]) g->goal_tol[k] = g->path_tol[k] = 0;
    const xn_joint_trajectory *t = r->traj;
    double duration = t->time[t->npoints - 1];
    /* a trajectory stamped so long ago that it ended before it arrived */
    const builtin_interfaces_msg_dds__Time_ *hs = &m->trajectory.header.stamp;
    if (hs->sec != 0 || hs->nanosec != 0) {
        builtin_interfaces_msg_dds__Time_ now = xn_ros2_stamp();
        double age = (double)(now.sec - hs->sec) + ((double)now.nanosec - hs->nanosec) * 1e-9;
        if (age > duration) {
            finish(r, g, ST_ABORTED, FJT_OLD_HEADER_TIMESTAMP,
                   "the trajectory was stamped %.3f s ago and lasts %.3f s: it ended before it "
                   "arrived",
                   age, duration);
            return;
        }
    }
    if (!xn_controller_streaming(r->c)) {
        finish(r, g, ST_ABORTED, FJT_INVALID_GOAL,
               "the controller follows no trajectory now (no `stream` line runs)");
        return;
    }
    st = xn_controller_follow(r->c, t, &err);
    if (st != XN_OK) {
        finish(r, g, ST_ABORTED, FJT_INVALID_GOAL, "%s", err.message);
        return;
    }
    if (a->active >= 0)
        finish(r, &a->goals[a->active], ST_CANCELED, FJT_SUCCESSFUL, "preempted by a new goal");
    double gt = m->goal_time_tolerance.sec + m->goal_time_tolerance.nanosec * 1e-9;
    if (!(gt > 0)) gt = r->cfg.goal_time;
    for (int i = 0; i < g->n; i++) g->final[g->sel[i]] = t->position[t->npoints - 1][i];
    g->start_ns = xn_ros2_clock_ns(CLOCK_MONOTONIC);
    g->end_ns = g->start_ns + (int64_t)llround(duration * 1e9);
    g->deadline_ns = g->end_ns + (int64_t)llround(gt * 1e9);
    g->status = ST_EXECUTING;
    a->active = (int)(g - a->goals);
    a->feedback_next = 0;
    publish_status(r);
}

void xn_ros2_take_goal(xn_ros2 *r,
                       const control_msgs_action_dds__FollowJointTrajectory_SendGoal_Request_ *m) {
    xn_ros2_action *a = r->action;
    pthread_mutex_lock(&r->lock);
    r->stats.goals_received++;
    pthread_mutex_unlock(&r->lock);
    control_msgs_action_dds__FollowJointTrajectory_SendGoal_Response_ rep;
    memset(&rep, 0, sizeof rep);
    rep.client_guid = m->client_guid;
    rep.request_sequence = m->request_sequence;
    rep.stamp = xn_ros2_stamp();
    /* a goal id seen before, or no room: rejected (the client learns nothing more) */
    goal *g = find(a, m->goal_id.uuid) ? NULL : slot(a);
    rep.accepted = g != NULL;
    if (a->goal_writer) dds_write(a->goal_writer, &rep);
    if (!g) return;
    memset(g, 0, sizeof *g);
    memcpy(g->id, m->goal_id.uuid, 16);
    g->stamp = rep.stamp;
    g->status = ST_ACCEPTED;
    start_goal(r, g, &m->goal);
}

void xn_ros2_take_result_request(
    xn_ros2 *r, const control_msgs_action_dds__FollowJointTrajectory_GetResult_Request_ *m) {
    xn_ros2_action *a = r->action;
    goal *g = find(a, m->goal_id.uuid);
    if (!g || terminal(g->status)) {
        reply_result(r, m->client_guid, m->request_sequence, g); /* unknown: status UNKNOWN */
        return;
    }
    if (a->nwait == PENDING) { /* the oldest waiting client is told the goal is unknown */
        reply_result(r, a->wait[0].guid, a->wait[0].seq, NULL);
        memmove(a->wait, a->wait + 1, (PENDING - 1) * sizeof a->wait[0]);
        a->nwait--;
    }
    pending *p = &a->wait[a->nwait++];
    p->guid = m->client_guid;
    p->seq = m->request_sequence;
    memcpy(p->id, m->goal_id.uuid, 16);
}

/* action_msgs/CancelGoal: a zero id cancels every goal accepted at or before the stamp (every
 * goal when the stamp is zero too); an id cancels that goal (and, with a stamp, those before). */
void xn_ros2_take_cancel(xn_ros2 *r, const action_msgs_srv_dds__CancelGoal_Request_ *m) {
    xn_ros2_action *a = r->action;
    static const uint8_t zero[16] = {0};
    const action_msgs_msg_dds__GoalInfo_ *gi = &m->goal_info;
    int by_id = memcmp(gi->goal_id.uuid, zero, 16) != 0;
    int by_time = gi->stamp.sec != 0 || gi->stamp.nanosec != 0;
    action_msgs_srv_dds__CancelGoal_Response_ rep;
    memset(&rep, 0, sizeof rep);
    rep.client_guid = m->client_guid;
    rep.request_sequence = m->request_sequence;
    action_msgs_msg_dds__GoalInfo_ canceling[1];
    uint32_t n = 0;
    goal *named = by_id ? find(a, gi->goal_id.uuid) : NULL;
    if (a->active >= 0) {
        goal *g = &a->goals[a->active];
        int before =
            by_time && (g->stamp.sec < gi->stamp.sec ||
                        (g->stamp.sec == gi->stamp.sec && g->stamp.nanosec <= gi->stamp.nanosec));
        if ((!by_id && !by_time) || g == named || before) {
            memcpy(canceling[0].goal_id.uuid, g->id, 16);
            canceling[0].stamp = g->stamp;
            n = 1;
            hold(r); /* to rest where they are, not at the goal's end */
            finish(r, g, ST_CANCELED, FJT_SUCCESSFUL, "canceled by the client");
        }
    }
    if (n)
        rep.return_code = CANCEL_NONE;
    else if (by_id && !named)
        rep.return_code = CANCEL_UNKNOWN_GOAL;
    else if (named && terminal(named->status))
        rep.return_code = CANCEL_TERMINATED;
    else
        rep.return_code = CANCEL_REJECTED;
    rep.goals_canceling =
        (dds_sequence_action_msgs_msg_dds__GoalInfo_){n, n, n ? canceling : NULL, false};
    if (a->cancel_writer) dds_write(a->cancel_writer, &rep);
}

void xn_ros2_action_preempted(xn_ros2 *r, const char *why) {
    xn_ros2_action *a = r->action;
    if (a->active >= 0) finish(r, &a->goals[a->active], ST_ABORTED, FJT_INVALID_GOAL, "%s", why);
}

/* ---- supervision, once per wake-up of the bridge ---- */

static void feedback(xn_ros2 *r, const goal *g, const xn_ctl_sample *s) {
    double des_q[XN_OTG_MAX_DOFS], des_v[XN_OTG_MAX_DOFS], act_q[XN_OTG_MAX_DOFS],
        act_v[XN_OTG_MAX_DOFS], err_q[XN_OTG_MAX_DOFS], err_v[XN_OTG_MAX_DOFS];
    char *names[XN_OTG_MAX_DOFS];
    for (int i = 0; i < g->n; i++) { /* the goal's joints */
        int k = g->sel[i];
        names[i] = r->names[k];
        des_q[i] = s->q_ref[k], des_v[i] = s->v_ref[k];
        act_q[i] = s->q[k], act_v[i] = s->v[k];
        err_q[i] = s->q_ref[k] - s->q[k], err_v[i] = s->v_ref[k] - s->v[k];
    }
    control_msgs_action_dds__FollowJointTrajectory_FeedbackMessage_ m;
    memset(&m, 0, sizeof m);
    memcpy(m.goal_id.uuid, g->id, 16);
    m.feedback.header.stamp = xn_ros2_stamp();
    m.feedback.header.frame_id = "";
    uint32_t n = (uint32_t)g->n;
    m.feedback.joint_names = (dds_sequence_string){n, n, names, false};
    m.feedback.desired.positions = (dds_sequence_double){n, n, des_q, false};
    m.feedback.desired.velocities = (dds_sequence_double){n, n, des_v, false};
    m.feedback.actual.positions = (dds_sequence_double){n, n, act_q, false};
    m.feedback.actual.velocities = (dds_sequence_double){n, n, act_v, false};
    m.feedback.error.positions = (dds_sequence_double){n, n, err_q, false};
    m.feedback.error.velocities = (dds_sequence_double){n, n, err_v, false};
    int64_t t = xn_ros2_clock_ns(CLOCK_MONOTONIC) - g->start_ns;
    m.feedback.desired.time_from_start = (builtin_interfaces_msg_dds__Duration_){
        (int32_t)(t / 1000000000), (uint32_t)(t % 1000000000)};
    m.feedback.actual.time_from_start = m.feedback.desired.time_from_start;
    m.feedback.error.time_from_start = m.feedback.desired.time_from_start;
    dds_write(r->action->feedback_writer, &m);
}

void xn_ros2_action_tick(xn_ros2 *r, const xn_ctl_sample *s) {
    xn_ros2_action *a = r->action;
    if (a->active < 0) return;
    goal *g = &a->goals[a->active];
    int64_t now = xn_ros2_clock_ns(CLOCK_MONOTONIC);
    if (s->state != XN_CTL_RUNNING || !xn_controller_streaming(r->c)) {
        finish(r, g, ST_ABORTED, FJT_PATH_TOLERANCE_VIOLATED,
               "the controller stopped following (state %s)", xn_ctl_state_str(s->state));
        return;
    }
    for (int k = 0; k < r->nj; k++) {
        double e = fabs(s->q[k] - s->q_ref[k]);
        if (g->path_tol[k] > 0 && !(e <= g->path_tol[k])) {
            hold(r);
            finish(r, g, ST_ABORTED, FJT_PATH_TOLERANCE_VIOLATED,
                   "joint %s: %.4g from the path, beyond its tolerance %.4g", r->names[k], e,
                   g->path_tol[k]);
            return;
        }
    }
    if (a->feedback_writer && now >= a->feedback_next) {
        feedback(r, g, s);
        a->feedback_next = now + FEEDBACK_NS;
    }
    if (now < g->end_ns) return;
    int worst = -1;
    double worst_off = 0;
    int at_rest = 1;
    for (int k = 0; k < r->nj; k++) {
        double off = fabs(s->q[k] - g->final[k]);
        at_rest &= fabs(s->v[k]) <= STOPPED_SPEED;
        if (g->goal_tol[k] > 0 && !(off <= g->goal_tol[k]) && (worst < 0 || off > worst_off))
            worst = k, worst_off = off;
    }
    if (worst < 0 && at_rest) {
        finish(r, g, ST_SUCCEEDED, FJT_SUCCESSFUL, "%s", "");
    } else if (now > g->deadline_ns) {
        if (worst >= 0)
            finish(r, g, ST_ABORTED, FJT_GOAL_TOLERANCE_VIOLATED,
                   "joint %s: %.4g from its goal, beyond its tolerance %.4g, %.3f s after the "
                   "trajectory's end",
                   r->names[worst], worst_off, g->goal_tol[worst],
                   (double)(now - g->end_ns) * 1e-9);
        else
            finish(r, g, ST_ABORTED, FJT_GOAL_TOLERANCE_VIOLATED,
                   "the joints did not come to rest within %.3f s of the trajectory's end",
                   (double)(now - g->end_ns) * 1e-9);
    }
}

/* ---- DDS ---- */

/* A service endpoint: rq/<action>/_action/<name>Request (reader) or rr/...Reply (writer), each
 * tagged with the same serviceid in its user data, which is how ROS 2's Cyclone middleware pairs
 * a service's request reader with its reply writer when a client asks if the server is there. */
static dds_entity_t service_endpoint(xn_ros2 *r, const char *action, const char *name,
                                     const dds_topic_descriptor_t *desc, int reader) {
    char topic[300], userdata[64];
    snprintf(topic, sizeof topic, "%s%s/_action/%s%s", reader ? "rq" : "rr", action, name,
             reader ? "Request" : "Reply");
    dds_entity_t t = dds_create_topic(r->participant, desc, topic, NULL, NULL);
    if (t < 0) return t;
    dds_qos_t *q = dds_create_qos(); /* services: reliable, volatile, keep last 10 */
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_durability(q, DDS_DURABILITY_VOLATILE);
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 10);
    int len = snprintf(userdata, sizeof userdata, "serviceid=%016llx.%s;",
                       (unsigned long long)(uintptr_t)r->action, name);
    dds_qset_userdata(q, userdata, (size_t)len);
    dds_entity_t e = reader ? dds_create_reader(r->participant, t, q, NULL)
                            : dds_create_writer(r->participant, t, q, NULL);
    dds_delete_qos(q);
    return e;
}

xn_status xn_ros2_action_start(xn_ros2 *r, const char *prefix, xn_error *err) {
    static const char *const fn = "xn_ros2_start";
    xn_ros2_action *a = r->action;
    const char *ctl = r->cfg.trajectory_controller;
    if (!ctl || !*ctl) return XN_OK;
    char action[256];
    snprintf(action, sizeof action, "%s/%s/follow_joint_trajectory", prefix, ctl);
    a->goal_reader =
        service_endpoint(r, action, "send_goal",
                         &control_msgs_action_dds__FollowJointTrajectory_SendGoal_Request__desc, 1);
    a->goal_writer = service_endpoint(
        r, action, "send_goal",
        &control_msgs_action_dds__FollowJointTrajectory_SendGoal_Response__desc, 0);
    a->result_reader = service_endpoint(
        r, action, "get_result",
        &control_msgs_action_dds__FollowJointTrajectory_GetResult_Request__desc, 1);
    a->result_writer = service_endpoint(
        r, action, "get_result",
        &control_msgs_action_dds__FollowJointTrajectory_GetResult_Response__desc, 0);
    a->cancel_reader = service_endpoint(r, action, "cancel_goal",
                                        &action_msgs_srv_dds__CancelGoal_Request__desc, 1);
    a->cancel_writer = service_endpoint(r, action, "cancel_goal",
                                        &action_msgs_srv_dds__CancelGoal_Response__desc, 0);
    /* feedback: the default topic QoS; status: transient local, keep last 1, so that a client
     * that joins late sees where every goal stands */
    char topic[300];
    snprintf(topic, sizeof topic, "rt%s/_action/feedback", action);
    dds_qos_t *q = dds_create_qos();
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 10);
    dds_entity_t ft = dds_create_topic(
        r->participant, &control_msgs_action_dds__FollowJointTrajectory_FeedbackMessage__desc,
        topic, NULL, NULL);
    a->feedback_writer = ft < 0 ? ft : dds_create_writer(r->participant, ft, q, NULL);
    snprintf(topic, sizeof topic, "rt%s/_action/status", action);
    dds_qset_durability(q, DDS_DURABILITY_TRANSIENT_LOCAL);
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 1);
    dds_entity_t stt = dds_create_topic(r->participant, &action_msgs_msg_dds__GoalStatusArray__desc,
                                        topic, NULL, NULL);
    a->status_writer = stt < 0 ? stt : dds_create_writer(r->participant, stt, q, NULL);
    dds_delete_qos(q);
    const xn_ros2_entity made[] = {
        {"send_goal", a->goal_reader},     {"send_goal", a->goal_writer},
        {"get_result", a->result_reader},  {"get_result", a->result_writer},
        {"cancel_goal", a->cancel_reader}, {"cancel_goal", a->cancel_writer},
        {"feedback", a->feedback_writer},  {"status", a->status_writer}};
    const xn_ros2_entity *bad = xn_ros2_failed(made, sizeof made / sizeof made[0]);
    if (bad)
        return xn_fail(err, XN_ERR_IO, fn, "the action's %s: %s", bad->what,
                       dds_strretcode(bad->e));
    dds_entity_t readers[3] = {a->goal_reader, a->result_reader, a->cancel_reader};
    for (int i = 0; i < 3; i++) {
        dds_entity_t cond = dds_create_readcondition(readers[i], DDS_ANY_STATE);
        if (cond < 0 || dds_waitset_attach(r->waitset, cond, 0) < 0)
            return xn_fail(err, XN_ERR_IO, fn, "the action's waitset");
    }
    publish_status(r); /* no goal yet: an empty list for late joiners */
    return XN_OK;
}

/* the requests' handlers as the reading loop calls them */
static void on_goal(xn_ros2 *r, const void *m) { xn_ros2_take_goal(r, m); }
static void on_result(xn_ros2 *r, const void *m) { xn_ros2_take_result_request(r, m); }
static void on_cancel(xn_ros2 *r, const void *m) { xn_ros2_take_cancel(r, m); }

void xn_ros2_action_take(xn_ros2 *r) {
    xn_ros2_action *a = r->action;
    if (!a->goal_reader) return;
    xn_ros2_take_each(r, a->goal_reader, on_goal);
    xn_ros2_take_each(r, a->result_reader, on_result);
    xn_ros2_take_each(r, a->cancel_reader, on_cancel);
}
