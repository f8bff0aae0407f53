/* The FollowJointTrajectory action seen from outside, as MoveIt drives it: a client of the
 * project's own, in another process, plain Cyclone DDS with the ROS 2 IDL and the request header
 * ROS 2's Cyclone middleware puts before a service's fields, against the Panda on the loopback
 * robot with the bridge running and a program waiting on `stream`. The client sends goals on
 * send_goal, asks for their results on get_result, cancels one on cancel_goal and reads the
 * feedback and status topics: a valid goal succeeds with the arm at its last point; a goal
 * naming a joint the robot lacks ends INVALID_JOINTS, times that do not increase and a point
 * beyond a limit INVALID_GOAL, one stamped so long ago that it ended before it arrived
 * OLD_HEADER_TIMESTAMP, each with its reason and nothing moving; one whose path tolerance the
 * drives cannot keep PATH_TOLERANCE_VIOLATED, the arm stopped short; a canceled goal ends
 * CANCELED with the arm brought to rest short of its end; and a goal whose client vanishes right
 * after sending it still runs to success, which another client can ask for.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dds/dds.h>

#include "control_msgs.h"
#include "ros2/dds_loopback.h"
#include "ros2/ros2_rig.h"
#include "sensor_msgs.h"

#define ACTION "joint_trajectory_controller/follow_joint_trajectory/_action/"

static const char *const joints[7] = {"joint1", "joint2", "joint3", "joint4",
                                      "joint5", "joint6", "joint7"};

/* ---- the client ---- */

typedef struct {
    dds_entity_t participant, goal_w, goal_r, result_w, result_r, cancel_w, cancel_r, feedback_r,
        status_r, state_r;
    uint64_t guid;
    int64_t seq;
} client;

static dds_qos_t *reliable(int depth) {
    dds_qos_t *q = dds_create_qos();
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, depth);
    return q;
}

static dds_entity_t make(client *cl, const char *name, const dds_topic_descriptor_t *desc,
                         int reader, dds_qos_t *q) {
    dds_entity_t t = dds_create_topic(cl->participant, desc, name, NULL, NULL);
    if (t < 0) return t;
    return reader ? dds_create_reader(cl->participant, t, q, NULL)
                  : dds_create_writer(cl->participant, t, q, NULL);
}

/* wait until the writer and the reader have met the server's (as a ROS 2 client waits for its
 * server to be available): 1 when matched */
static int matched(dds_entity_t w, dds_entity_t r) {
    for (int i = 0; i < 500; i++) {
        dds_publication_matched_status_t pm;
        dds_subscription_matched_status_t sm;
        dds_get_publication_matched_status(w, &pm);
        dds_get_subscription_matched_status(r, &sm);
        if (pm.current_count > 0 && sm.current_count > 0) return 1;
        sleep_s(0.01);
    }
    return 0;
}

static int client_open(client *cl) {
    memset(cl, 0, sizeof *cl);
    cl->participant =
        dds_create_participant((dds_domainid_t)atoi(getenv("ROS_DOMAIN_ID")), NULL, NULL);
    if (cl->participant < 0) return -1;
    dds_qos_t *q = reliable(10);
    cl->goal_w = make(cl, "rq/" ACTION "send_goalRequest",
                      &control_msgs_action_dds__FollowJointTrajectory_SendGoal_Request__desc, 0, q);
    cl->goal_r =
        make(cl, "rr/" ACTION "send_goalReply",
             &control_msgs_action_dds__FollowJointTrajectory_SendGoal_Response__desc, 1, q);
    cl->result_w =
        make(cl, "rq/" ACTION "get_resultRequest",
             &control_msgs_action_dds__FollowJointTrajectory_GetResult_Request__desc, 0, q);
    cl->result_r =
        make(cl, "rr/" ACTION "get_resultReply",
             &control_msgs_action_dds__FollowJointTrajectory_GetResult_Response__desc, 1, q);
    cl->cancel_w = make(cl, "rq/" ACTION "cancel_goalRequest",
                        &action_msgs_srv_dds__CancelGoal_Request__desc, 0, q);
    cl->cancel_r = make(cl, "rr/" ACTION "cancel_goalReply",
                        &action_msgs_srv_dds__CancelGoal_Response__desc, 1, q);
    dds_qos_t *fq = reliable(200); /* every feedback message of a goal, to count them */
    cl->feedback_r =
        make(cl, "rt/" ACTION "feedback",
             &control_msgs_action_dds__FollowJointTrajectory_FeedbackMessage__desc, 1, fq);
    dds_delete_qos(fq);
    dds_qos_t *sq = reliable(1);
    dds_qset_durability(sq, DDS_DURABILITY_TRANSIENT_LOCAL);
    cl->status_r =
        make(cl, "rt/" ACTION "status", &action_msgs_msg_dds__GoalStatusArray__desc, 1, sq);
    cl->state_r = make(cl, "rt/joint_states", &sensor_msgs_msg_dds__JointState__desc, 1, q);
    dds_delete_qos(q);
    dds_delete_qos(sq);
    dds_instance_handle_t ih;
    dds_get_instance_handle(cl->goal_w, &ih);
    cl->guid = ih; /* the middleware's request header names the client's request writer */
    return cl->goal_w < 0 || cl->goal_r < 0 || cl->result_w < 0 || cl->result_r < 0 ||
                   cl->cancel_w < 0 || cl->cancel_r < 0 || cl->feedback_r < 0 || cl->status_r < 0 ||
                   cl->state_r < 0 || !matched(cl->goal_w, cl->goal_r) ||
                   !matched(cl->result_w, cl->result_r) || !matched(cl->cancel_w, cl->cancel_r)
               ? -1
               : 0;
}

/* the reply to request seq on reader rd (copied into out, size bytes), within timeout_s: 1 */
static int reply(client *cl, dds_entity_t rd, int64_t seq, void *out, size_t size,
                 double timeout_s) {
    double t0 = now_s();
    while (now_s() - t0 < timeout_s) {
        void *smp[1] = {NULL};
        dds_sample_info_t inf[1];
        while (dds_take(rd, smp, inf, 1, 1) > 0) {
            const uint64_t *hdr = smp[0]; /* every reply starts with the request header */
            int mine = inf[0].valid_data && hdr[0] == cl->guid && (int64_t)hdr[1] == seq;
            if (mine) memcpy(out, smp[0], size);
            dds_return_loan(rd, smp, 1);
            if (mine) return 1;
            smp[0] = NULL;
        }
        sleep_s(0.005);
    }
    return 0;
}

static double goal_pts[3][7];
/* what the next goal carries besides its points: a path tolerance, a header stamp */
static control_msgs_msg_dds__JointTolerance_ next_path_tolerance;
static int next_has_path_tolerance;
static builtin_interfaces_msg_dds__Time_ next_stamp;
static trajectory_msgs_msg_dds__JointTrajectoryPoint_ points[3];

/* a goal of n points at the given times, every joint named in the controller's order unless
 * names says otherwise */
static int send_goal(client *cl, const uint8_t *id, int n, const double *times,
                     const char *const *names) {
    control_msgs_action_dds__FollowJointTrajectory_SendGoal_Request_ req;
    memset(&req, 0, sizeof req);
    req.client_guid = cl->guid;
    req.request_sequence = ++cl->seq;
    memcpy(req.goal_id.uuid, id, 16);
    for (int i = 0; i < n; i++) {
        memset(&points[i], 0, sizeof points[i]);
        points[i].positions = (dds_sequence_double){7, 7, goal_pts[i], false};
        points[i].time_from_start = (builtin_interfaces_msg_dds__Duration_){
            (int32_t)times[i], (uint32_t)llround((times[i] - floor(times[i])) * 1e9)};
    }
    control_msgs_action_dds__FollowJointTrajectory_Goal_ *g = &req.goal;
    g->trajectory.header.frame_id = "";
    g->trajectory.joint_names =
        (dds_sequence_string){7, 7, (char **)(names ? names : joints), false};
    g->trajectory.points = (dds_sequence_trajectory_msgs_msg_dds__JointTrajectoryPoint_){
        (uint32_t)n, (uint32_t)n, points, false};
    g->multi_dof_trajectory.header.frame_id = "";
    g->trajectory.header.stamp = next_stamp;
    if (next_has_path_tolerance)
        g->path_tolerance =
            (dds_sequence_control_msgs_msg_dds__JointTolerance_){1, 1, &next_path_tolerance, false};
    dds_write(cl->goal_w, &req);
    control_msgs_action_dds__FollowJointTrajectory_SendGoal_Response_ rep;
    return reply(cl, cl->goal_r, req.request_sequence, &rep, sizeof rep, 5) && rep.accepted;
}

/* get_result: the goal's status (-1 when no reply came), its code and string */
static int get_result(client *cl, const uint8_t *id, int *code, char *why, size_t nwhy,
                      double timeout_s) {
    control_msgs_action_dds__FollowJointTrajectory_GetResult_Request_ req;
    req.client_guid = cl->guid;
    req.request_sequence = ++cl->seq;
    memcpy(req.goal_id.uuid, id, 16);
    dds_write(cl->result_w, &req);
    double t0 = now_s();
    while (now_s() - t0 < timeout_s) {
        void *smp[1] = {NULL};
        dds_sample_info_t inf[1];
        while (dds_take(cl->result_r, smp, inf, 1, 1) > 0) {
            const control_msgs_action_dds__FollowJointTrajectory_GetResult_Response_ *rep = smp[0];
            int mine = inf[0].valid_data && rep->client_guid == cl->guid &&
                       rep->request_sequence == req.request_sequence;
            int status = rep->status;
            if (mine) {
                *code = rep->result.error_code;
                snprintf(why, nwhy, "%s", rep->result.error_string);
            }
            dds_return_loan(cl->result_r, smp, 1);
            if (mine) return status;
            smp[0] = NULL;
        }
        sleep_s(0.005);
    }
    return -1;
}

/* the newest joint positions from /joint_states, waiting up to a second for one to arrive
 * (left as they were when none did) */
static void positions(client *cl, double *q) {
    void *smp[16] = {NULL};
    dds_sample_info_t inf[16];
    int got = 0;
    for (int tries = 0; tries < 1000 && !got; tries++) {
        int n;
        while ((n = dds_take(cl->state_r, smp, inf, 16, 16)) > 0) {
            for (int i = 0; i < n; i++) {
                const sensor_msgs_msg_dds__JointState_ *m = smp[i];
                if (inf[i].valid_data && m->position._length == 7) {
                    memcpy(q, m->position._buffer, 7 * sizeof(double));
                    got = 1;
                }
            }
            dds_return_loan(cl->state_r, smp, n);
        }
        if (!got) sleep_s(0.001);
    }
}

static int count_feedback(client *cl, const uint8_t *id) {
    void *smp[16] = {NULL};
    dds_sample_info_t inf[16];
    int n, total = 0;
    while ((n = dds_take(cl->feedback_r, smp, inf, 16, 16)) > 0) {
        for (int i = 0; i < n; i++) {
            const control_msgs_action_dds__FollowJointTrajectory_FeedbackMessage_ *m = smp[i];
            total += inf[i].valid_data && !memcmp(m->goal_id.uuid, id, 16) &&
                     m->feedback.actual.positions._length == 7 &&
                     m->feedback.joint_names._length == 7;
        }
        dds_return_loan(cl->feedback_r, smp, n);
    }
    return total;
}

static double off_from(const double *q, const double *target) {
    double off = 0;
    for (int k = 0; k < 7; k++) off = xt_max(off, fabs(q[k] - target[k]));
    return off;
}

static void set_points(const double (*p)[7], int n) {
    for (int i = 0; i < n; i++) memcpy(goal_pts[i], p[i], sizeof goal_pts[i]);
}

enum { SUCCEEDED = 4, CANCELED = 5, ABORTED = 6 };

static void refused(client *cl, const uint8_t *id, int n, const double *times,
                    const char *const *names, int want_code, const char *want_text,
                    const char *what) {
    double before[7] = {NAN}, after[7] = {NAN};
    positions(cl, before);
    int accepted = send_goal(cl, id, n, times, names);
    int code = 99;
    char why[256] = "";
    int status = get_result(cl, id, &code, why, sizeof why, 5);
    sleep_s(0.2);
    positions(cl, after);
    printf("client: %s: status %d, error_code %d: %s\n", what, status, code, why);
    XT_CHECK(accepted && status == ABORTED && code == want_code && strstr(why, want_text),
             "%s: aborted with error_code %d naming '%s' (status %d, code %d: %s)", what, want_code,
             want_text, status, code, why);
    XT_CHECK(off_from(after, before) < 1e-12, "%s: nothing moved (%.3g rad)", what,
             off_from(after, before));
}

/* A client that sends goal id6 when told (a byte on fd) and exits without a word, leaving its
 * participant behind. Forked before any DDS participant exists in this process. */
static const uint8_t id6[16] = {6};
static const double home[1][7] = {{0, 0, 0, -1.57079, 0, 1.57079, -0.7853}};
static void vanishing_client(int fd) {
    char go;
    if (read(fd, &go, 1) != 1) _exit(1);
    client other;
    set_points(home, 1);
    double th[1] = {1.5};
    if (client_open(&other) == 0) send_goal(&other, id6, 1, th, NULL);
    _exit(0);
}

static void run_client(int go_fd, pid_t gone) {
    client cl;
    if (client_open(&cl)) {
        XT_CHECK(0, "client: the action's services are available");
        return;
    }
    double q[7] = {NAN};
    for (int i = 0; i < 500 && isnan(q[0]); i++) {
        positions(&cl, q);
        sleep_s(0.01);
    }
    /* a valid goal as MoveIt sends it (the first point at time 0, where the arm is): succeeds,
     * the arm at its last point, feedback on the way */
    static const double path[2][7] = {{0.2, -0.1, 0.1, -1.9, 0.1, 1.7, 0.2},
                                      {0.4, 0.1, -0.1, -1.7, 0.2, 1.5, 0.3}};
    uint8_t id1[16] = {1, 2, 3};
    positions(&cl, q);
    double moveit[3][7];
    memcpy(moveit[0], q, sizeof moveit[0]);
    memcpy(moveit[1], path[0], sizeof moveit[1]);
    memcpy(moveit[2], path[1], sizeof moveit[2]);
    set_points((const double(*)[7])moveit, 3);
    double t3[3] = {0.0, 1.0, 1.8}, t2[2] = {1.0, 1.8};
    XT_CHECK(send_goal(&cl, id1, 3, t3, NULL), "a valid goal is accepted");
    int code = 99;
    char why[256] = "";
    int status = get_result(&cl, id1, &code, why, sizeof why, 8);
    sleep_s(0.05);
    positions(&cl, q);
    int fb = count_feedback(&cl, id1);
    printf("client: a valid goal: status %d, error_code %d; %d feedback messages; the arm %.3g "
           "rad from the last point\n",
           status, code, fb, off_from(q, path[1]));
    XT_CHECK(status == SUCCEEDED && code == 0, "it succeeds (status %d, code %d: %s)", status, code,
             why);
    XT_CHECK(off_from(q, path[1]) < 1e-6, "the arm is at its last point (%.3g rad)",
             off_from(q, path[1]));
    XT_CHECK(fb >= 20, "feedback at 20 Hz while it ran (%d messages)", fb);
    /* its status, transient local: the goal SUCCEEDED in the newest list */
    int seen = 0;
    for (int i = 0; i < 100 && !seen; i++) {
        void *smp[1] = {NULL};
        dds_sample_info_t inf[1];
        if (dds_take(cl.status_r, smp, inf, 1, 1) > 0) {
            const action_msgs_msg_dds__GoalStatusArray_ *m = smp[0];
            for (uint32_t j = 0; inf[0].valid_data && j < m->status_list._length; j++)
                seen |= !memcmp(m->status_list._buffer[j].goal_info.goal_id.uuid, id1, 16) &&
                        m->status_list._buffer[j].status == SUCCEEDED;
            dds_return_loan(cl.status_r, smp, 1);
        } else {
            sleep_s(0.01);
        }
    }
    XT_CHECK(seen, "the status topic lists the goal as succeeded");

    /* goals the controller refuses: the documented codes, the reason, nothing moving */
    static const char *const elbow[7] = {"joint1", "joint2", "joint3", "elbow",
                                         "joint5", "joint6", "joint7"};
    uint8_t id2[16] = {2}, id3[16] = {3}, id4[16] = {4};
    refused(&cl, id2, 2, t2, elbow, -2, "elbow", "an unknown joint");
    double back[2] = {1.0, 0.5};
    refused(&cl, id3, 2, back, NULL, -1, "does not come after", "times that go back");
    static const double beyond[2][7] = {{0.2, -0.1, 0.1, -1.9, 0.1, 1.7, 0.2},
                                        {0.4, 0.1, -0.1, 0.5, 0.2, 1.5, 0.3}};
    set_points(beyond, 2);
    refused(&cl, id4, 2, t2, NULL, -1, "limit", "a point beyond joint4's limit");

    /* a trajectory stamped 10 s ago that lasts 1.8 s: it ended before it arrived */
    set_points(path, 2);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    next_stamp = (builtin_interfaces_msg_dds__Time_){(int32_t)wall.tv_sec - 10, 0};
    uint8_t id7[16] = {7};
    refused(&cl, id7, 2, t2, NULL, -3, "ended before it arrived", "a stale header stamp");
    next_stamp = (builtin_interfaces_msg_dds__Time_){0, 0};

    /* a path tolerance the drives cannot keep (1e-6 rad: they follow one cycle behind): aborted
     * PATH_TOLERANCE_VIOLATED, the arm brought to rest short of the end */
    next_path_tolerance.name = "joint1";
    next_path_tolerance.position = 1e-6;
    next_has_path_tolerance = 1;
    uint8_t id8[16] = {8};
    double before_path[7];
    positions(&cl, before_path);
    XT_CHECK(send_goal(&cl, id8, 2, t2, NULL), "a goal with a path tolerance is accepted");
    next_has_path_tolerance = 0;
    status = get_result(&cl, id8, &code, why, sizeof why, 5);
    sleep_s(0.8);
    positions(&cl, q);
    printf("client: a path tolerance of 1e-6 rad: status %d, error_code %d: %s; the arm %.3g rad "
           "from its first point, %.3g from where it started\n",
           status, code, why, off_from(q, path[0]), off_from(q, before_path));
    XT_CHECK(status == ABORTED && code == -4 && strstr(why, "joint1"),
             "aborted PATH_TOLERANCE_VIOLATED naming joint1 (status %d, code %d: %s)", status, code,
             why);
    XT_CHECK(off_from(q, path[0]) > 0.1, "the arm stopped short of the first point (%.3g rad)",
             off_from(q, path[0]));

    /* cancel mid-goal: CANCELED, the arm brought to rest short of the end */
    static const double slow[1][7] = {{-0.4, -0.2, 0.2, -2.2, -0.1, 1.9, 0.0}};
    set_points(slow, 1);
    double t1[1] = {3.0};
    uint8_t id5[16] = {5};
    double start[7];
    positions(&cl, start);
    XT_CHECK(send_goal(&cl, id5, 1, t1, NULL), "a slow goal is accepted");
    sleep_s(0.8);
    action_msgs_srv_dds__CancelGoal_Request_ cr;
    memset(&cr, 0, sizeof cr);
    cr.client_guid = cl.guid;
    cr.request_sequence = ++cl.seq;
    memcpy(cr.goal_info.goal_id.uuid, id5, 16);
    dds_write(cl.cancel_w, &cr);
    struct {
        uint64_t guid;
        int64_t seq;
        int8_t code;
    } crep = {0, 0, 99};
    void *cs[1] = {NULL};
    dds_sample_info_t ci[1];
    int canceling = -1, got = 0;
    for (int i = 0; i < 500 && !got; i++) {
        if (dds_take(cl.cancel_r, cs, ci, 1, 1) > 0) {
            const action_msgs_srv_dds__CancelGoal_Response_ *m = cs[0];
            got = ci[0].valid_data && m->request_sequence == cr.request_sequence;
            if (got) crep.code = m->return_code, canceling = (int)m->goals_canceling._length;
            dds_return_loan(cl.cancel_r, cs, 1);
            cs[0] = NULL;
        } else {
            sleep_s(0.01);
        }
    }
    XT_CHECK(got && crep.code == 0 && canceling == 1,
             "the cancel is answered ERROR_NONE with the goal (code %d, %d goals)", crep.code,
             canceling);
    status = get_result(&cl, id5, &code, why, sizeof why, 5);
    sleep_s(1.0);
    double rest1[7], rest2[7];
    positions(&cl, rest1);
    sleep_s(0.3);
    positions(&cl, rest2);
    printf("client: canceled after 0.8 s of 3: status %d; at rest %.3g rad from the end, moved "
           "%.3g rad from the start\n",
           status, off_from(rest2, slow[0]), off_from(rest2, start));
    XT_CHECK(status == CANCELED, "the canceled goal ends CANCELED (status %d)", status);
    XT_CHECK(off_from(rest1, rest2) < 1e-9 && off_from(rest2, slow[0]) > 0.1 &&
                 off_from(rest2, start) > 0.01,
             "the arm came to rest between the start and the end");

    /* a client that vanishes right after its goal: the goal still runs to success, and another
     * client can ask for its result */
    if (write(go_fd, "g", 1) != 1) XT_CHECK(0, "telling the vanishing client to go");
    waitpid(gone, NULL, 0);
    status = get_result(&cl, id6, &code, why, sizeof why, 8);
    sleep_s(0.05);
    positions(&cl, q);
    XT_CHECK(status == SUCCEEDED && off_from(q, home[0]) < 1e-6,
             "a vanished client's goal succeeds (status %d, %.3g rad from its end)", status,
             off_from(q, home[0]));
    dds_delete(cl.participant);
}

static int server(void) {
    xn_ros2_config rc;
    xn_ros2_config_init(&rc);
    xn_ros2_stats st;
    int r = ros2_rig_serve("stream timeout 0.5\n", 0, 40, &rc, &st);
    if (r) return r;
    printf("server: %ld goals: %ld succeeded, %ld aborted, %ld canceled\n", st.goals_received,
           st.goals_succeeded, st.goals_aborted, st.goals_canceled);
    fflush(stdout);
    return st.goals_received == 8 && st.goals_succeeded == 2 && st.goals_aborted == 5 &&
                   st.goals_canceled == 1
               ? 0
               : 12;
}

int main(void) {
    xn_dds_loopback(175 + (int)(getpid() % 25)); /* domains 175-199: this test's own */
    fflush(stdout);
    pid_t srv = fork();
    if (srv == 0) _exit(server());
    int go[2];
    if (pipe(go)) return 1;
    pid_t gone = fork();
    if (gone == 0) vanishing_client(go[0]);
    run_client(go[1], gone);
    kill(srv, SIGTERM);
    int code = ros2_rig_wait(srv, 20);
    XT_CHECK(code == 0, "the server counted 8 goals: 2 succeeded, 5 aborted, 1 canceled (exit %d)",
             code);
    return xt_done("test_ros2_action");
}
