/* The ROS 2 bridge seen from outside: a client of the project's own, in another process, plain
 * Cyclone DDS with the ROS 2 IDL (as a ROS 2 node on the Cyclone middleware would be), against
 * the Panda on the loopback robot with the bridge running and a program waiting on `stream`.
 * The client receives /joint_states at the loop's rate, drives the arm through /joint_commands
 * to a target and sees it arrive, and sends a command of the wrong length, which moves nothing
 * and which the server reports refused with its reason. DDS runs on the loopback interface
 * only, unicast, in a domain of its own.
 * `test_ros2 claims`: the program's `stream joints joint6 joint7` line claims two joints; the
 * client's two-value /joint_commands and a /joint_trajectory naming those two move them while the
 * other five stay where they are; seven values, and a trajectory naming joint1, are refused with
 * their reasons. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dds/dds.h>

#include "geometry_msgs.h"
#include "ros2/dds_loopback.h"
#include "ros2/ros2_rig.h"
#include "sensor_msgs.h"
#include "std_msgs.h"
#include "test_util.h"
#include "tf2_msgs.h"
#include "trajectory_msgs.h"
#include "xiaonao/ros2.h"

static const double goal[7] = {0.3, -0.2, 0.25, -1.9, 0.2, 1.7, 0.4};

/* ---- the server: the controller, the loop and the bridge ---- */

static int server(void) {
    xn_ros2_config rc;
    xn_ros2_config_init(&rc);
    size_t len;
    char *description = xt_slurp(XN_MODELS_DIR "/urdf/panda.urdf", &len);
    rc.robot_description = description; /* read during the start only */
    static const char *const tf[1] = {"flange"};
    rc.tf_frames = tf;
    rc.ntf = 1;
    xn_ros2_stats st;
    int rc_serve = ros2_rig_serve("stream timeout 0.5\n", 0, 20, &rc, &st);
    free(description);
    if (rc_serve) return rc_serve;
    printf("server: %ld states published, %ld commands (%ld accepted, %ld refused: %s)\n",
           st.states_published, st.commands_received, st.commands_accepted, st.commands_refused,
           st.last_refusal);
    fflush(stdout);
    /* the exit code tells the client what the server saw of the bad command */
    return st.commands_refused == 2 && strstr(st.last_refusal, "unknown joint 'elbow'") ? 0 : 12;
}

/* ---- the client ---- */

typedef struct {
    dds_entity_t participant, reader, writer, pose_writer, tf_reader, traj_writer;
} client;

static int client_open(client *cl) {
    cl->participant =
        dds_create_participant((dds_domainid_t)atoi(getenv("ROS_DOMAIN_ID")), NULL, NULL);
    if (cl->participant < 0) return -1;
    dds_entity_t st = dds_create_topic(cl->participant, &sensor_msgs_msg_dds__JointState__desc,
                                       "rt/joint_states", NULL, NULL);
    dds_entity_t ct = dds_create_topic(cl->participant, &std_msgs_msg_dds__Float64MultiArray__desc,
                                       "rt/joint_commands", NULL, NULL);
    dds_qos_t *q = dds_create_qos();
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 10);
    cl->writer = dds_create_writer(cl->participant, ct, q, NULL);
    dds_entity_t pt = dds_create_topic(cl->participant, &geometry_msgs_msg_dds__PoseStamped__desc,
                                       "rt/servo_pose", NULL, NULL);
    cl->pose_writer = dds_create_writer(cl->participant, pt, q, NULL);
    dds_entity_t tt =
        dds_create_topic(cl->participant, &tf2_msgs_msg_dds__TFMessage__desc, "rt/tf", NULL, NULL);
    cl->tf_reader = dds_create_reader(cl->participant, tt, q, NULL);
    dds_entity_t jt =
        dds_create_topic(cl->participant, &trajectory_msgs_msg_dds__JointTrajectory__desc,
                         "rt/joint_trajectory", NULL, NULL);
    cl->traj_writer = dds_create_writer(cl->participant, jt, q, NULL);
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 2000); /* every state of a second, to count them */
    cl->reader = dds_create_reader(cl->participant, st, q, NULL);
    dds_delete_qos(q);
    return st < 0 || ct < 0 || pt < 0 || cl->reader < 0 || cl->writer < 0 || cl->pose_writer < 0
               ? -1
               : 0;
}

/* take every state that arrived; the newest positions into q; returns how many */
static int take_states(client *cl, double *q) {
    void *samples[64] = {NULL};
    dds_sample_info_t info[64];
    int total = 0;
    for (;;) {
        int n = dds_take(cl->reader, samples, info, 64, 64);
        if (n <= 0) break;
        for (int i = 0; i < n; i++) {
            if (!info[i].valid_data) continue;
            const sensor_msgs_msg_dds__JointState_ *m = samples[i];
            if (m->position._length == 7 && m->name._length == 7 &&
                strcmp(m->name._buffer[0], "joint1") == 0)
                memcpy(q, m->position._buffer, 7 * sizeof(double));
            total++;
        }
        dds_return_loan(cl->reader, samples, n);
    }
    return total;
}

static void send_command(client *cl, const double *q, int n) {
    std_msgs_msg_dds__Float64MultiArray_ m;
    memset(&m, 0, sizeof m);
    m.data = (dds_sequence_double){(uint32_t)n, (uint32_t)n, (double *)q, false};
    dds_write(cl->writer, &m);
}

static void run_client(pid_t srv) {
    client cl;
    if (client_open(&cl)) {
        XT_CHECK(0, "client: DDS participant and topics");
        return;
    }
    double q[7] = {NAN}, t0 = now_s();
    int got = 0;
    while (now_s() - t0 < 10 && !(got = take_states(&cl, q))) sleep_s(0.01);
    XT_CHECK(got > 0, "the client receives /joint_states (%.2f s after start)", now_s() - t0);
    /* the rate: every state of two seconds, counted */
    take_states(&cl, q);
    double t1 = now_s();
    long count = 0;
    while (now_s() - t1 < 2) {
        count += take_states(&cl, q);
        sleep_s(0.05);
    }
    double rate = (double)count / (now_s() - t1);
    printf("client: /joint_states at %.0f Hz\n", rate);
    /* 1 kHz from the bridge's own clock; a loaded CI machine's late wake-ups cost some */
    XT_CHECK(rate > 800 && rate < 1100, "/joint_states at the loop's 1 kHz (%.0f Hz)", rate);
    /* drive the arm: commands at 100 Hz for 2 s */
    for (int i = 0; i < 200; i++) {
        send_command(&cl, goal, 7);
        take_states(&cl, q);
        sleep_s(0.01);
    }
    sleep_s(0.1);
    take_states(&cl, q);
    double off = 0;
    for (int k = 0; k < 7; k++) off = xt_max(off, fabs(q[k] - goal[k]));
    printf("client: the arm %.3g rad from the commanded positions\n", off);
    XT_CHECK(off < 1e-6, "the arm went where /joint_commands said (%.3g rad off)", off);
    /* a command of 6 values: refused, nothing moves */
    double before[7];
    memcpy(before, q, sizeof before);
    double wrong[6] = {0, 0, 0, -1, 0, 1};
    send_command(&cl, wrong, 6);
    sleep_s(0.3);
    take_states(&cl, q);
    double moved = 0;
    for (int k = 0; k < 7; k++) moved = xt_max(moved, fabs(q[k] - before[k]));
    XT_CHECK(moved < 1e-12, "a 6-value command moves nothing (%.3g rad)", moved);
    /* /joint_trajectory: two points, the joints named in another order than the controller's */
    static const char *const shuffled[7] = {"joint3", "joint1", "joint2", "joint7",
                                            "joint5", "joint6", "joint4"};
    static const int from[7] = {2, 0, 1, 6, 4, 5, 3}; /* column j is controller joint from[j] */
    double p1[7], p2[7], mid[7] = {0.1, -0.1, 0.1, -2.0, 0.1, 1.8, 0.3},
                         last[7] = {0.2, 0.0, 0.0, -1.7, 0.0, 1.6, 0.2};
    for (int j = 0; j < 7; j++) p1[j] = mid[from[j]], p2[j] = last[from[j]];
    trajectory_msgs_msg_dds__JointTrajectoryPoint_ pts[2];
    memset(pts, 0, sizeof pts);
    pts[0].positions = (dds_sequence_double){7, 7, p1, false};
    pts[0].time_from_start = (builtin_interfaces_msg_dds__Duration_){1, 0};
    pts[1].positions = (dds_sequence_double){7, 7, p2, false};
    pts[1].time_from_start = (builtin_interfaces_msg_dds__Duration_){1, 600000000};
    trajectory_msgs_msg_dds__JointTrajectory_ tj;
    memset(&tj, 0, sizeof tj);
    tj.header.frame_id = "";
    tj.joint_names = (dds_sequence_string){7, 7, (char **)shuffled, false};
    tj.points = (dds_sequence_trajectory_msgs_msg_dds__JointTrajectoryPoint_){2, 2, pts, false};
    dds_write(cl.traj_writer, &tj);
    for (int i = 0; i < 200; i++) {
        take_states(&cl, q);
        sleep_s(0.01);
    }
    take_states(&cl, q);
    double terr = 0;
    for (int k = 0; k < 7; k++) terr = xt_max(terr, fabs(q[k] - last[k]));
    printf("client: /joint_trajectory ended %.3g rad from its last point\n", terr);
    XT_CHECK(terr < 1e-9, "the arm followed /joint_trajectory to its last point (%.3g rad)", terr);
    /* a joint the robot does not have: refused (the server says why), nothing moves */
    static const char *const unknown[7] = {"joint3", "joint1", "joint2", "joint7",
                                           "joint5", "joint6", "elbow"};
    tj.joint_names._buffer = (char **)unknown;
    memcpy(before, q, sizeof before);
    dds_write(cl.traj_writer, &tj);
    sleep_s(0.3);
    take_states(&cl, q);
    moved = 0;
    for (int k = 0; k < 7; k++) moved = xt_max(moved, fabs(q[k] - before[k]));
    XT_CHECK(moved < 1e-12, "a trajectory naming an unknown joint moves nothing (%.3g rad)", moved);
    /* /robot_description: transient local, so this late reader still gets it */
    dds_entity_t dt = dds_create_topic(cl.participant, &std_msgs_msg_dds__String__desc,
                                       "rt/robot_description", NULL, NULL);
    dds_qos_t *dq = dds_create_qos();
    dds_qset_reliability(dq, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_durability(dq, DDS_DURABILITY_TRANSIENT_LOCAL);
    dds_qset_history(dq, DDS_HISTORY_KEEP_LAST, 1);
    dds_entity_t dr = dds_create_reader(cl.participant, dt, dq, NULL);
    dds_delete_qos(dq);
    int described = 0;
    for (int i = 0; i < 300 && !described; i++) {
        void *smp[1] = {NULL};
        dds_sample_info_t inf[1];
        if (dds_take(dr, smp, inf, 1, 1) > 0) {
            const std_msgs_msg_dds__String_ *text = smp[0];
            described = inf[0].valid_data && strstr(text->data, "<robot name=\"panda\"") != NULL;
            dds_return_loan(dr, smp, 1);
        } else {
            sleep_s(0.01);
        }
    }
    XT_CHECK(described, "a late reader gets /robot_description (the Panda's URDF)");
    /* /servo_pose: the flange to where forward kinematics puts it at a known configuration */
    xn_model *m = NULL;
    xn_error err;
    xn_load_model(PANDA_SCENE, NULL, &m, &err);
    xn_data *d = m ? xn_data_create(m) : NULL;
    int flange = m ? xn_model_frame_id(m, "flange") : -1;
    if (d && flange >= 0) {
        double qk[9] = {0.1, -0.2, 0.2, -2.0, 0.1, 1.8, 0.5, 0, 0}, qn[9] = {0};
        xn_se3 target, reached;
        xn_dyn_fk(m, d, qk);
        xn_dyn_frame_placement(m, d, flange, &target);
        double quat[4];
        xn_rot_to_quat(target.R, quat);
        geometry_msgs_msg_dds__PoseStamped_ ps;
        memset(&ps, 0, sizeof ps);
        ps.header.frame_id = "world";
        ps.pose.position = (geometry_msgs_msg_dds__Point_){target.p[0], target.p[1], target.p[2]};
        ps.pose.orientation =
            (geometry_msgs_msg_dds__Quaternion_){quat[1], quat[2], quat[3], quat[0]};
        for (int i = 0; i < 200; i++) {
            dds_write(cl.pose_writer, &ps);
            take_states(&cl, q);
            sleep_s(0.01);
        }
        sleep_s(0.1);
        take_states(&cl, q);
        memcpy(qn, q, 7 * sizeof(double));
        xn_dyn_fk(m, d, qn);
        xn_dyn_frame_placement(m, d, flange, &reached);
        double perr = 0;
        for (int i = 0; i < 3; i++) perr = xt_max(perr, fabs(reached.p[i] - target.p[i]));
        printf("client: /servo_pose reached within %.3g m\n", perr);
        XT_CHECK(perr < 1e-6, "the flange went to the /servo_pose pose (%.3g m off)", perr);
        /* /tf says the same: the newest world -> flange transform is the target */
        void *smp[16] = {NULL};
        dds_sample_info_t inf[16];
        double terr = NAN;
        int n;
        while ((n = dds_take(cl.tf_reader, smp, inf, 16, 16)) > 0) {
            for (int i = 0; i < n; i++) {
                const tf2_msgs_msg_dds__TFMessage_ *tm = smp[i];
                if (!inf[i].valid_data || tm->transforms._length != 1) continue;
                const geometry_msgs_msg_dds__TransformStamped_ *ts = &tm->transforms._buffer[0];
                const geometry_msgs_msg_dds__Quaternion_ *o = &ts->transform.rotation;
                double dot =
                    fabs(o->w * quat[0] + o->x * quat[1] + o->y * quat[2] + o->z * quat[3]);
                terr =
                    strcmp(ts->child_frame_id, "flange") || strcmp(ts->header.frame_id, "world")
                        ? NAN
                        : xt_max(xt_max(fabs(ts->transform.translation.x - target.p[0]),
                                        fabs(ts->transform.translation.y - target.p[1])),
                                 xt_max(fabs(ts->transform.translation.z - target.p[2]), 1 - dot));
            }
            dds_return_loan(cl.tf_reader, smp, n);
        }
        XT_CHECK(terr < 1e-6, "/tf: world -> flange is the pose reached (%.3g off)", terr);
    } else {
        XT_CHECK(0, "client: the Panda model for /servo_pose");
    }
    xn_data_free(d);
    xn_model_free(m);
    dds_delete(cl.participant);
    kill(srv, SIGTERM);
}

/* ---- `claims`: a stream line that claims joint6 and joint7 ---- */

static int claims_server(void) {
    xn_ros2_config rc;
    xn_ros2_config_init(&rc);
    xn_ros2_stats st;
    int r = ros2_rig_serve("stream joints joint6 joint7 timeout 0.5\n", 0, 12, &rc, &st);
    if (r) return r;
    printf("server: %ld commands (%ld accepted, %ld refused: %s)\n", st.commands_received,
           st.commands_accepted, st.commands_refused, st.last_refusal);
    fflush(stdout);
    return st.commands_refused == 2 && strstr(st.last_refusal, "'joint1' is not the stream's") ? 0
                                                                                               : 12;
}

static double held_moved(const double *q, const double *before) {
    double moved = 0;
    for (int k = 0; k < 5; k++) moved = xt_max(moved, fabs(q[k] - before[k]));
    return moved;
}

static void claims_client(pid_t srv) {
    client cl;
    if (client_open(&cl)) {
        XT_CHECK(0, "client: DDS participant and topics");
        return;
    }
    double q[7] = {NAN}, before[7], t0 = now_s();
    int got = 0;
    while (now_s() - t0 < 10 && !(got = take_states(&cl, q))) sleep_s(0.01);
    XT_CHECK(got > 0, "the client receives /joint_states");
    sleep_s(0.3); /* the drives enabled and the line running */
    take_states(&cl, q);
    memcpy(before, q, sizeof before);
    double wrist[2] = {1.9, 0.3}, seven[7];
    for (int i = 0; i < 150; i++) {
        send_command(&cl, wrist, 2);
        take_states(&cl, q);
        sleep_s(0.01);
    }
    sleep_s(0.1);
    take_states(&cl, q);
    double off = xt_max(fabs(q[5] - wrist[0]), fabs(q[6] - wrist[1]));
    printf("client: joint6 and joint7 %.3g rad from the command; the others moved %.3g rad\n", off,
           held_moved(q, before));
    XT_CHECK(off < 1e-6 && held_moved(q, before) == 0,
             "two values on /joint_commands move the two claimed joints, the others held");
    memcpy(seven, q, sizeof seven);
    seven[0] += 0.2;
    send_command(&cl, seven, 7);
    /* a trajectory naming joint1 (not the stream's), then one naming joint7 and joint6 */
    static const char *const wrong[2] = {"joint7", "joint1"}, *const pair[2] = {"joint7", "joint6"};
    double p1[2] = {0.6, 1.6};
    trajectory_msgs_msg_dds__JointTrajectoryPoint_ pt;
    memset(&pt, 0, sizeof pt);
    pt.positions = (dds_sequence_double){2, 2, p1, false};
    pt.time_from_start = (builtin_interfaces_msg_dds__Duration_){1, 0};
    trajectory_msgs_msg_dds__JointTrajectory_ tj;
    memset(&tj, 0, sizeof tj);
    tj.header.frame_id = "";
    tj.joint_names = (dds_sequence_string){2, 2, (char **)wrong, false};
    tj.points = (dds_sequence_trajectory_msgs_msg_dds__JointTrajectoryPoint_){1, 1, &pt, false};
    dds_write(cl.traj_writer, &tj);
    sleep_s(0.3);
    take_states(&cl, q);
    XT_CHECK(fabs(q[6] - wrist[1]) < 1e-9 && held_moved(q, before) == 0,
             "seven values, and a trajectory naming joint1, move nothing");
    tj.joint_names._buffer = (char **)pair;
    dds_write(cl.traj_writer, &tj);
    sleep_s(1.4);
    take_states(&cl, q);
    off = xt_max(fabs(q[6] - p1[0]), fabs(q[5] - p1[1]));
    XT_CHECK(off < 1e-9 && held_moved(q, before) == 0,
             "a trajectory naming joint7 and joint6 is followed (%.3g rad), the others held", off);
    dds_delete(cl.participant);
    kill(srv, SIGTERM);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "claims") == 0) {
        xn_dds_loopback(210 + (int)(getpid() % 15)); /* domains 210-224: this mode's own */
        fflush(stdout);
        pid_t srv = fork();
        if (srv == 0) _exit(claims_server());
        claims_client(srv);
        int code = ros2_rig_wait(srv, 20);
        XT_CHECK(code == 0, "the server counted two refusals, the last naming joint1 (exit %d)",
                 code);
        return xt_done("test_ros2 claims");
    }
    xn_dds_loopback(100 + (int)(getpid() % 25)); /* domains 100-124: this test's own */
    fflush(stdout);
    pid_t srv = fork();
    if (srv == 0) _exit(server());
    run_client(srv);
    int code = ros2_rig_wait(srv, 20);
    XT_CHECK(code == 0,
             "the server stopped cleanly and counted two commands refused, the last with its "
             "reason (exit %d)",
             code);
    return xt_done("test_ros2");
}
