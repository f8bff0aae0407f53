/* What the ROS 2 bridge tells besides the joints, seen from a client of the project's own in
 * another process (plain Cyclone DDS with the ROS 2 IDL), against the Panda in MuJoCo with a
 * program waiting on `stream`: /joint_states at the loop's 1 kHz; /wrench/flange carries the
 * force/torque sensor at the flange, which at rest must weigh what hangs below it (the hand and
 * fingers, their masses read by the client from the MJCF with MuJoCo); /diagnostics carries the
 * controller's state once a second (running, level OK) and each event as it happens: a streamed
 * setpoint starting to drive the joints (OK), then the stream's timeout once the client falls
 * silent (WARN). SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <dds/dds.h>
#include <mujoco/mujoco.h>

#include "diagnostic_msgs.h"
#include "geometry_msgs.h"
#include "ros2/dds_loopback.h"
#include "ros2/ros2_rig.h"
#include "sensor_msgs.h"
#include "std_msgs.h"

static dds_entity_t reader(dds_entity_t pp, const char *name, const dds_topic_descriptor_t *d,
                           int depth) {
    dds_entity_t t = dds_create_topic(pp, d, name, NULL, NULL);
    dds_qos_t *q = dds_create_qos();
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, depth);
    dds_entity_t r = t < 0 ? t : dds_create_reader(pp, t, q, NULL);
    dds_delete_qos(q);
    return r;
}

/* diagnostics seen so far */
static int saw_running, saw_driving, saw_timeout;

static void take_diagnostics(dds_entity_t rd) {
    void *smp[8] = {NULL};
    dds_sample_info_t inf[8];
    int n;
    while ((n = dds_take(rd, smp, inf, 8, 8)) > 0) {
        for (int i = 0; i < n; i++) {
            const diagnostic_msgs_msg_dds__DiagnosticArray_ *m = smp[i];
            for (uint32_t k = 0; inf[i].valid_data && k < m->status._length; k++) {
                const diagnostic_msgs_msg_dds__DiagnosticStatus_ *st = &m->status._buffer[k];
                if (!strcmp(st->name, "xiaonao: controller") && !strcmp(st->message, "running") &&
                    st->level == 0)
                    saw_running = 1;
                if (!strcmp(st->name, "xiaonao: event") && st->level == 0 &&
                    strstr(st->message, "streamed setpoints drive the joints"))
                    saw_driving = 1;
                if (!strcmp(st->name, "xiaonao: event") && st->level == 1 &&
                    strstr(st->message, "no setpoint for") && st->values._length == 5 &&
                    !strcmp(st->values._buffer[0].value, "stream-timeout"))
                    saw_timeout = 1;
            }
        }
        dds_return_loan(rd, smp, n);
    }
}

static void run_client(void) {
    /* what hangs below the flange, from the MJCF: the subtree of the flange site's body */
    char mjerr[256];
    mjModel *mm = mj_loadXML(PANDA_SCENE, NULL, mjerr, sizeof mjerr);
    int site = mm ? mj_name2id(mm, mjOBJ_SITE, "flange") : -1;
    double weight = site >= 0 ? mm->body_subtreemass[mm->site_bodyid[site]] * 9.81 : NAN;
    if (mm) mj_deleteModel(mm);
    dds_entity_t pp =
        dds_create_participant((dds_domainid_t)atoi(getenv("ROS_DOMAIN_ID")), NULL, NULL);
    dds_entity_t wr =
        reader(pp, "rt/wrench/flange", &geometry_msgs_msg_dds__WrenchStamped__desc, 1);
    dds_entity_t dr =
        reader(pp, "rt/diagnostics", &diagnostic_msgs_msg_dds__DiagnosticArray__desc, 50);
    dds_entity_t sr = reader(pp, "rt/joint_states", &sensor_msgs_msg_dds__JointState__desc, 1);
    dds_entity_t all = reader(pp, "rt/joint_states", &sensor_msgs_msg_dds__JointState__desc, 2000);
    dds_entity_t ct = dds_create_topic(pp, &std_msgs_msg_dds__Float64MultiArray__desc,
                                       "rt/joint_commands", NULL, NULL);
    dds_entity_t cw = dds_create_writer(pp, ct, NULL, NULL);
    /* the newest wrench, after the arm has settled in the stream line */
    double force = NAN, torque = NAN;
    char frame[64] = "";
    double t0 = now_s();
    while (now_s() - t0 < 10 && !(isfinite(force) && now_s() - t0 > 2)) {
        void *smp[1] = {NULL};
        dds_sample_info_t inf[1];
        if (dds_take(wr, smp, inf, 1, 1) > 0) {
            const geometry_msgs_msg_dds__WrenchStamped_ *m = smp[0];
            if (inf[0].valid_data) {
                const geometry_msgs_msg_dds__Vector3_ *f = &m->wrench.force, *t = &m->wrench.torque;
                force = sqrt(f->x * f->x + f->y * f->y + f->z * f->z);
                torque = sqrt(t->x * t->x + t->y * t->y + t->z * t->z);
                snprintf(frame, sizeof frame, "%s", m->header.frame_id);
            }
            dds_return_loan(wr, smp, 1);
        }
        take_diagnostics(dr);
        sleep_s(0.01);
    }
    /* /joint_states from the MuJoCo robot at the loop's 1 kHz: every state of a second, counted */
    void *smp[64] = {NULL};
    dds_sample_info_t inf[64];
    int drained;
    while ((drained = dds_take(all, smp, inf, 64, 64)) > 0) dds_return_loan(all, smp, drained);
    long count = 0;
    double t1 = now_s();
    while (now_s() - t1 < 1) {
        int n;
        while ((n = dds_take(all, smp, inf, 64, 64)) > 0) {
            for (int i = 0; i < n; i++) count += inf[i].valid_data;
            dds_return_loan(all, smp, n);
        }
        sleep_s(0.02);
    }
    double rate = (double)count / (now_s() - t1);
    printf("client: /joint_states from MuJoCo at %.0f Hz\n", rate);
    /* a loaded CI machine's late wake-ups cost some */
    XT_CHECK(rate > 800 && rate < 1100, "/joint_states at the loop's 1 kHz on MuJoCo (%.0f Hz)",
             rate);
    printf("client: /wrench/flange: |force| %.4f N (what hangs below weighs %.4f N), |torque| "
           "%.4f N m, frame '%s'\n",
           force, weight, torque, frame);
    XT_CHECK(fabs(force - weight) < 0.01 * weight,
             "at rest the flange's sensor carries the hand's weight (%.4f N, expected %.4f N)",
             force, weight);
    XT_CHECK(!strcmp(frame, "flange"), "its frame is the sensor's ('%s')", frame);
    /* one setpoint where the arm is (it starts the stream), then silence (its timeout) */
    double q[16];
    uint32_t nj = 0; /* every controlled joint, where it is */
    for (int i = 0; i < 200 && !nj; i++) {
        void *smp[1] = {NULL};
        dds_sample_info_t inf[1];
        if (dds_take(sr, smp, inf, 1, 1) > 0) {
            const sensor_msgs_msg_dds__JointState_ *m = smp[0];
            if (inf[0].valid_data && m->position._length <= 16) {
                nj = m->position._length;
                memcpy(q, m->position._buffer, nj * sizeof(double));
            }
            dds_return_loan(sr, smp, 1);
        } else {
            sleep_s(0.01);
        }
    }
    std_msgs_msg_dds__Float64MultiArray_ cmd;
    memset(&cmd, 0, sizeof cmd);
    cmd.data = (dds_sequence_double){nj, nj, q, false};
    for (int i = 0; i < 200; i++) { /* the bridge's reader found first */
        dds_publication_matched_status_t pm;
        dds_get_publication_matched_status(cw, &pm);
        if (pm.current_count > 0) break;
        sleep_s(0.01);
    }
    dds_write(cw, &cmd);
    for (int i = 0; i < 150 && !(saw_running && saw_driving && saw_timeout); i++) {
        take_diagnostics(dr);
        sleep_s(0.01);
    }
    XT_CHECK(saw_running, "/diagnostics: the controller running, level OK");
    XT_CHECK(saw_driving, "/diagnostics: the event of the first streamed setpoint, level OK");
    XT_CHECK(saw_timeout, "/diagnostics: the stream's timeout, level WARN, with its values");
    dds_delete(pp);
}

static int server(void) {
    xn_ros2_config rc;
    xn_ros2_config_init(&rc);
    xn_ros2_stats st;
    return ros2_rig_serve("stream timeout 0.2\n", 1, 20, &rc, &st);
}

int main(void) {
    xn_dds_loopback(150 + (int)(getpid() % 25)); /* domains 150-174: this test's own */
    fflush(stdout);
    pid_t srv = fork();
    if (srv == 0) _exit(server());
    run_client();
    kill(srv, SIGTERM);
    int code = ros2_rig_wait(srv, 20);
    XT_CHECK(code == 0, "the server stopped cleanly (exit %d)", code);
    return xt_done("test_ros2_sensors");
}
