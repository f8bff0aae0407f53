/* The walking G1 commanded over ROS 2: a client of the project's own, in another process (plain
 * Cyclone DDS with the ROS 2 IDL), streams geometry_msgs/Twist on /cmd_vel to the 12-joint G1
 * in MuJoCo walking with its learned policy (`policy load`, then a `stream` line), with the
 * bridge and a real-time loop. The G1 walks forward at the commanded 0.5 m/s (its pelvis
 * measured in MuJoCo by the server), stands again once the client falls silent (the stream's
 * timeout), and refuses with a reason a command beyond the range the policy was trained on and
 * a joint command while the policy owns the joints. Its IMU comes on /imu/imu: unit
 * quaternions, and on average gravity's 9.81 m/s^2 in the accelerometer while it walks.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dds/dds.h>
#include <mujoco/mujoco.h>

#include "geometry_msgs.h"
#include "ros2/dds_loopback.h"
#include "ros2/ros2_rig.h"
#include "sensor_msgs.h"
#include "std_msgs.h"
#include "xiaonao/locomotion.h"

#define G1_SCENE XN_MODELS_DIR "/mjcf/unitree_g1_12dof/scene.xml"
#define WALK_S 5.0 /* the client commands 0.5 m/s this long */
#define SPEED 0.5

/* ---- the server ---- */

/* while the controller runs (before the stop at the end powers the robot off and it falls):
 * the pelvis's x each cycle, the last second of it (500 cycles of 2 ms), and its lowest height */
static double xs[500], z_low = INFINITY;
static long cycles;
static mjData *md;

static int after_cycle(void *user, xn_controller *c) {
    (void)user;
    if (xn_controller_state(c) != XN_CTL_RUNNING) return 0;
    xs[cycles++ % 500] = md->qpos[0];
    if (md->qpos[2] < z_low) z_low = md->qpos[2];
    return 0;
}

static int server(void) {
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_program *p = NULL;
    xn_controller *c = NULL;
    xn_error err;
    xn_mujoco_options mo;
    memset(&mo, 0, sizeof mo);
    mo.period_ns = 2000000;
    const char *text = "policy load " XN_POLICIES_DIR "/unitree_g1_walk\n"
                       "stand for 1\n"
                       "stream timeout 0.3\n";
    xn_policy_hook *hook = xn_locomotion_hook_create();
    /* simulated time is what counts here; a sanitizer build's slow evaluation is not a fault */
    xn_locomotion_hook_set_budget(hook, 1);
    xn_controller_config cfg;
    xn_controller_config_init(&cfg);
    cfg.policy_hook = hook;
    if (xn_load_model(G1_SCENE, NULL, &m, &err) || xn_mujoco_open(G1_SCENE, &mo, &hal, &err) ||
        xn_program_parse(text, strlen(text), "walk.xnp", &p, &err) ||
        xn_controller_create(m, hal, p, &cfg, &c, &err)) {
        fprintf(stderr, "server: %s\n", err.message);
        return 10;
    }
    md = xn_mujoco_data(hal);
    double x0 = md->qpos[0];
    ros2_rig_controller = c;
    signal(SIGTERM, ros2_rig_on_term);
    xn_ros2_config rc;
    xn_ros2_config_init(&rc);
    rc.state_rate = 100;
    xn_ros2 *bridge = NULL;
    if (xn_ros2_start(c, &rc, &bridge, &err) != XN_OK) {
        fprintf(stderr, "server: %s\n", err.message);
        return 11;
    }
    xn_loop_config lc;
    rt_realtime_config(&lc, 50000000);
    lc.max_time_s = 25;
    lc.after_cycle = after_cycle;
    xn_loop_report rep;
    xn_loop_run(c, hal, &lc, &rep);
    xn_ros2_stats st;
    xn_ros2_get_stats(bridge, &st);
    xn_ros2_stop(bridge);
    /* walked, and standing at the end: the pelvis's speed over the last second */
    double dx = xs[(cycles - 1) % 500] - x0, z = z_low;
    double last_speed = (xs[(cycles - 1) % 500] - xs[cycles % 500]) / (499 * 0.002);
    int timed_out = 0;
    xn_event ev;
    while (xn_controller_next_event(c, &ev)) timed_out |= ev.code == XN_EV_STREAM_TIMEOUT;
    printf(
        "server: the G1 walked %.2f m (%.1f s at %.1f m/s commanded), pelvis never below %.2f m; "
        "%.3f m/s over the last second; %ld commands, %ld refused (last: %s)\n",
        dx, WALK_S, SPEED, z, last_speed, st.commands_received, st.commands_refused,
        st.last_refusal);
    fflush(stdout);
    xn_controller_free(c);
    xn_program_free(p);
    xn_hal_close(hal);
    xn_model_free(m);
    xn_locomotion_hook_free(hook);
    int ok = dx > 0.8 * SPEED * WALK_S && dx < 1.2 * SPEED * WALK_S && z > 0.6 &&
             fabs(last_speed) < 0.1 && timed_out && st.commands_refused == 2 &&
             strstr(st.last_refusal, "walking policy");
    return ok ? 0 : 12;
}

/* ---- the client ---- */

static void run_client(pid_t srv) {
    dds_entity_t pp =
        dds_create_participant((dds_domainid_t)atoi(getenv("ROS_DOMAIN_ID")), NULL, NULL);
    dds_qos_t *q = dds_create_qos();
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 10);
    dds_entity_t vt =
        dds_create_topic(pp, &geometry_msgs_msg_dds__Twist__desc, "rt/cmd_vel", NULL, NULL);
    dds_entity_t cw = dds_create_writer(pp, vt, q, NULL);
    dds_entity_t jt = dds_create_topic(pp, &std_msgs_msg_dds__Float64MultiArray__desc,
                                       "rt/joint_commands", NULL, NULL);
    dds_entity_t jw = dds_create_writer(pp, jt, q, NULL);
    dds_entity_t st =
        dds_create_topic(pp, &sensor_msgs_msg_dds__JointState__desc, "rt/joint_states", NULL, NULL);
    dds_entity_t sr = dds_create_reader(pp, st, q, NULL);
    dds_entity_t it =
        dds_create_topic(pp, &sensor_msgs_msg_dds__Imu__desc, "rt/imu/imu", NULL, NULL);
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 200);
    dds_entity_t ir = dds_create_reader(pp, it, q, NULL);
    dds_delete_qos(q);
    /* the G1's 12 joints on /joint_states: the server is up */
    int joints = 0;
    for (int i = 0; i < 1000 && joints != 12; i++) {
        void *smp[1] = {NULL};
        dds_sample_info_t inf[1];
        if (dds_take(sr, smp, inf, 1, 1) > 0) {
            const sensor_msgs_msg_dds__JointState_ *m = smp[0];
            if (inf[0].valid_data) joints = (int)m->name._length;
            dds_return_loan(sr, smp, 1);
        } else {
            sleep_s(0.01);
        }
    }
    XT_CHECK(joints == 12, "the client sees the G1's 12 joints on /joint_states (%d)", joints);
    sleep_s(1.5); /* `stand for 1`, then the stream line waits */
    /* a command beyond the trained range: refused (the server reports it) */
    geometry_msgs_msg_dds__Twist_ tw;
    memset(&tw, 0, sizeof tw);
    tw.linear.x = 3.0;
    dds_write(cw, &tw);
    /* 0.5 m/s forward at 20 Hz for WALK_S */
    tw.linear.x = SPEED;
    double t0 = now_s(), acc_sum = 0, worst_norm = 0;
    long nimu = 0;
    int framed = 1;
    while (now_s() - t0 < WALK_S) {
        dds_write(cw, &tw);
        sleep_s(0.05);
        /* /imu/imu while it walks: a unit quaternion, and gravity in the accelerometer */
        void *smp[16] = {NULL};
        dds_sample_info_t inf[16];
        int n;
        while ((n = dds_take(ir, smp, inf, 16, 16)) > 0) {
            for (int i = 0; i < n; i++) {
                const sensor_msgs_msg_dds__Imu_ *m = smp[i];
                if (!inf[i].valid_data) continue;
                const geometry_msgs_msg_dds__Quaternion_ *o = &m->orientation;
                const geometry_msgs_msg_dds__Vector3_ *a = &m->linear_acceleration;
                worst_norm =
                    xt_max(worst_norm,
                           fabs(sqrt(o->w * o->w + o->x * o->x + o->y * o->y + o->z * o->z) - 1));
                acc_sum += sqrt(a->x * a->x + a->y * a->y + a->z * a->z);
                framed &= !strcmp(m->header.frame_id, "imu");
                nimu++;
            }
            dds_return_loan(ir, smp, n);
        }
    }
    double acc = acc_sum / (double)nimu;
    printf("client: %ld /imu/imu samples while walking: mean |acceleration| %.3f m/s^2, "
           "quaternion norm within %.2g of 1\n",
           nimu, acc, worst_norm);
    XT_CHECK(nimu > 100 && worst_norm < 1e-6 && fabs(acc - 9.81) < 0.1 * 9.81 && framed,
             "/imu/imu: %ld samples framed 'imu', unit quaternions, gravity's 9.81 m/s^2 on "
             "average (%.3f)",
             nimu, acc);
    /* a joint command while the policy owns the joints: refused */
    double q12[12] = {0};
    std_msgs_msg_dds__Float64MultiArray_ jc;
    memset(&jc, 0, sizeof jc);
    jc.data = (dds_sequence_double){12, 12, q12, false};
    dds_write(jw, &jc);
    /* silence: the stream's timeout makes the G1 stand; a few seconds to settle */
    sleep_s(3.0);
    dds_delete(pp);
    kill(srv, SIGTERM);
}

int main(void) {
    xn_dds_loopback(125 + (int)(getpid() % 25)); /* domains 125-149: this test's own */
    fflush(stdout);
    pid_t srv = fork();
    if (srv == 0) _exit(server());
    run_client(srv);
    int code = ros2_rig_wait(srv, 20);
    XT_CHECK(code == 0,
             "the G1 walked 0.8-1.2x the commanded distance and stood again after the timeout; "
             "the server refused the command beyond the trained range and the joint command "
             "(exit %d)",
             code);
    return xt_done("test_ros2_walk");
}
