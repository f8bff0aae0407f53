/* What the ROS 2 bridge tells about the robot besides its joints: each force/torque sensor on
 * /wrench/<sensor> (geometry_msgs/WrenchStamped), each IMU on /imu/<imu> (sensor_msgs/Imu), and
 * the controller on /diagnostics (diagnostic_msgs/DiagnosticArray): every event as it happens,
 * through an event reader of the bridge's own, and the controller's state once a second.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "diagnostic_msgs.h"
#include "model/error_internal.h"
#include "ros2/bridge_internal.h"
#include "sensor_msgs.h"

enum { DIAG_OK = 0, DIAG_WARN = 1, DIAG_ERROR = 2 };

/* a device's name as a topic name's last part: letters, digits and underscores */
static void topic_part(char *out, size_t cap, const char *name) {
    size_t i = 0;
    for (; name[i] && i + 1 < cap; i++) {
        char ch = name[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        out[i] = ok ? ch : '_';
    }
    out[i] = 0;
}

static dds_entity_t writer(xn_ros2 *r, const char *topic, const dds_topic_descriptor_t *desc) {
    dds_entity_t t = dds_create_topic(r->participant, desc, topic, NULL, NULL);
    if (t < 0) return t;
    dds_qos_t *q = dds_create_qos(); /* ROS 2's default: reliable, volatile, keep last 10 */
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 10);
    dds_entity_t w = dds_create_writer(r->participant, t, q, NULL);
    dds_delete_qos(q);
    return w;
}

xn_status xn_ros2_status_start(xn_ros2 *r, const char *prefix, xn_error *err) {
    static const char *const fn = "xn_ros2_start";
    const xn_hal *hal = xn_controller_hal(r->c);
    char topic[320], part[64];
    r->nft = hal->nft < XN_SAMPLE_FT ? hal->nft : XN_SAMPLE_FT;
    r->nimu = hal->nimu < XN_SAMPLE_IMU ? hal->nimu : XN_SAMPLE_IMU;
    for (int i = 0; i < r->nft; i++) {
        snprintf(r->ft_frame[i], sizeof r->ft_frame[i], "%s", hal->ft_name[i]);
        topic_part(part, sizeof part, hal->ft_name[i]);
        snprintf(topic, sizeof topic, "rt%s/wrench/%s", prefix, part);
        r->wrench_writer[i] = writer(r, topic, &geometry_msgs_msg_dds__WrenchStamped__desc);
        if (r->wrench_writer[i] < 0)
            return xn_fail(err, XN_ERR_IO, fn, "%s: %s", topic,
                           dds_strretcode(r->wrench_writer[i]));
    }
    for (int i = 0; i < r->nimu; i++) {
        snprintf(r->imu_frame[i], sizeof r->imu_frame[i], "%s", hal->imu_name[i]);
        topic_part(part, sizeof part, hal->imu_name[i]);
        snprintf(topic, sizeof topic, "rt%s/imu/%s", prefix, part);
        r->imu_writer[i] = writer(r, topic, &sensor_msgs_msg_dds__Imu__desc);
        if (r->imu_writer[i] < 0)
            return xn_fail(err, XN_ERR_IO, fn, "%s: %s", topic, dds_strretcode(r->imu_writer[i]));
    }
    snprintf(topic, sizeof topic, "rt%s/diagnostics", prefix);
    r->diag_writer = writer(r, topic, &diagnostic_msgs_msg_dds__DiagnosticArray__desc);
    if (r->diag_writer < 0)
        return xn_fail(err, XN_ERR_IO, fn, "%s: %s", topic, dds_strretcode(r->diag_writer));
    r->event_reader = xn_controller_event_reader(r->c);
    if (r->event_reader < 0)
        return xn_fail(err, XN_ERR_INVALID, fn,
                       "/diagnostics: every event reader of the controller is taken (%d)",
                       XN_CTL_EVENT_READERS - 1);
    return XN_OK;
}

void xn_ros2_publish_sensors(xn_ros2 *r, const xn_ctl_sample *s) {
    builtin_interfaces_msg_dds__Time_ now = xn_ros2_stamp();
    for (int i = 0; i < r->nft && i < s->nft; i++) {
        const xn_ft_reading *f = &s->ft[i];
        geometry_msgs_msg_dds__WrenchStamped_ m;
        m.header.stamp = now;
        m.header.frame_id = r->ft_frame[i];
        m.wrench.force = (geometry_msgs_msg_dds__Vector3_){f->force[0], f->force[1], f->force[2]};
        m.wrench.torque =
            (geometry_msgs_msg_dds__Vector3_){f->torque[0], f->torque[1], f->torque[2]};
        dds_write(r->wrench_writer[i], &m);
    }
    for (int i = 0; i < r->nimu && i < s->nimu; i++) {
        const xn_imu_reading *u = &s->imu[i];
        sensor_msgs_msg_dds__Imu_ m;
        memset(&m, 0, sizeof m); /* covariances unknown: zero, as ROS reads it */
        m.header.stamp = now;
        m.header.frame_id = r->imu_frame[i];
        m.orientation = (geometry_msgs_msg_dds__Quaternion_){u->orientation[1], u->orientation[2],
                                                             u->orientation[3], u->orientation[0]};
        m.angular_velocity = (geometry_msgs_msg_dds__Vector3_){
            u->angular_velocity[0], u->angular_velocity[1], u->angular_velocity[2]};
        m.linear_acceleration = (geometry_msgs_msg_dds__Vector3_){
            u->linear_acceleration[0], u->linear_acceleration[1], u->linear_acceleration[2]};
        dds_write(r->imu_writer[i], &m);
    }
}

/* how serious an event is, for /diagnostics */
static uint8_t event_level(xn_event_code code) {
    switch (code) {
    case XN_EV_SENSOR_NAN:
    case XN_EV_SENSOR_STALE:
    case XN_EV_DRIVE_FAULT:
    case XN_EV_QUICK_STOP:
    case XN_EV_WATCHDOG:
    case XN_EV_COLLISION:
    case XN_EV_OTG_ERROR:
    case XN_EV_POLICY_STOP:
    case XN_EV_BALANCE_DAMP:
    case XN_EV_COMMAND_INVALID: return DIAG_ERROR;
    case XN_EV_LIMIT_STOP:
    case XN_EV_TORQUE_LIMIT:
    case XN_EV_OVERRUN:
    case XN_EV_BLEND_REFUSED:
    case XN_EV_PFL_SPEED:
    case XN_EV_BALANCE_SLIP:
    case XN_EV_BALANCE_BUDGET:
    case XN_EV_STOP_REQUEST:
    case XN_EV_POWER_OFF:
    case XN_EV_STREAM_TIMEOUT:
    case XN_EV_COMMAND_CLAMPED: return DIAG_WARN;
    default: return DIAG_OK;
    }
}

static void publish(xn_ros2 *r, uint8_t level, const char *name, const char *message,
                    diagnostic_msgs_msg_dds__KeyValue_ *kv, uint32_t nkv) {
    diagnostic_msgs_msg_dds__DiagnosticStatus_ st;
    st.level = level;
    st.name = (char *)name;
    st.message = (char *)message;
    st.hardware_id = "";
    st.values = (dds_sequence_diagnostic_msgs_msg_dds__KeyValue_){nkv, nkv, kv, false};
    diagnostic_msgs_msg_dds__DiagnosticArray_ m;
    m.header.stamp = xn_ros2_stamp();
    m.header.frame_id = "";
    m.status = (dds_sequence_diagnostic_msgs_msg_dds__DiagnosticStatus_){1, 1, &st, false};
    dds_write(r->diag_writer, &m);
}

/* Every new event, one status each; the controller's state once a second. */
void xn_ros2_publish_diagnostics(xn_ros2 *r, const xn_ctl_sample *s, int64_t now_ns) {
    xn_event ev;
    while (r->event_reader > 0 && xn_controller_next_event_of(r->c, r->event_reader, &ev)) {
        char kind[48], t[32], joint[80], line[16], value[32];
        snprintf(kind, sizeof kind, "%s", xn_event_str(ev.code));
        snprintf(t, sizeof t, "%.6f", (double)ev.time_ns * 1e-9);
        snprintf(joint, sizeof joint, "%s",
                 ev.joint >= 0 && ev.joint < r->nj ? r->names[ev.joint] : "");
        snprintf(line, sizeof line, "%d", ev.line);
        snprintf(value, sizeof value, "%.6g", ev.value);
        diagnostic_msgs_msg_dds__KeyValue_ kv[5] = {
            {"event", kind}, {"time (s)", t}, {"joint", joint}, {"line", line}, {"value", value}};
        publish(r, event_level(ev.code), "xiaonao: event", ev.text, kv, 5);
    }
    if (!s || now_ns < r->diag_next) return;
    r->diag_next = now_ns + 1000000000LL;
    xn_ros2_stats st;
    xn_ros2_get_stats(r, &st);
    char line[16], accepted[24], refused[24], goals[24], lost[24];
    snprintf(line, sizeof line, "%d", s->line);
    snprintf(accepted, sizeof accepted, "%ld", st.commands_accepted);
    snprintf(refused, sizeof refused, "%ld", st.commands_refused);
    snprintf(goals, sizeof goals, "%ld", st.goals_received);
    snprintf(lost, sizeof lost, "%ld",
             r->event_reader > 0 ? xn_controller_events_lost_of(r->c, r->event_reader) : 0);
    diagnostic_msgs_msg_dds__KeyValue_ kv[7] = {
        {"line", line},
        {"streaming", xn_controller_streaming(r->c) ? "yes" : "no"},
        {"commands accepted", accepted},
        {"commands refused", refused},
        {"last refusal", st.last_refusal},
        {"trajectory goals", goals},
        {"events lost", lost}};
    uint8_t level = s->state == XN_CTL_FAULT      ? DIAG_ERROR
                    : s->state == XN_CTL_STOPPING ? DIAG_WARN
                                                  : DIAG_OK;
    publish(r, level, "xiaonao: controller", xn_ctl_state_str(s->state), kv, 7);
}
