/* libFuzzer harness for what the ROS 2 bridge receives from the network: the first byte picks a
 * subscribed type (/joint_commands, /servo_pose, /joint_trajectory, /joint_efforts, /cmd_vel, the
 * follow_joint_trajectory action's send_goal, get_result and cancel_goal requests), the rest is
 * its CDR payload
 * (XCDR1, little-endian) as it would arrive. As in Cyclone DDS's receive path, the payload is
 * normalized (checked) against the type first and deserialized only when valid; the sample
 * then goes to the bridge's handler, which must refuse what is wrong with a reason and never
 * crash, whatever the lengths, names, NaNs or times. The controller is the Panda on the
 * loopback robot, waiting on a `stream` line. SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dds/ddsi/ddsi_cdrstream.h>
#include <dds/ddsi/q_protocol.h>

#include "ros2/bridge_internal.h"
#include "xiaonao/xiaonao.h"

static xn_ros2 *bridge;

static void setup(void) {
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_program *p = NULL;
    xn_controller *c = NULL;
    xn_error err;
    static const char text[] = "stream\n";
    static const char *const arm[7] = {"panda_joint1", "panda_joint2", "panda_joint3",
                                       "panda_joint4", "panda_joint5", "panda_joint6",
                                       "panda_joint7"};
    if (xn_load_model(XN_MODELS_DIR "/urdf/panda.urdf", NULL, &m, &err) ||
        xn_loopback_open(m, NULL, 1000000, arm, 7, &hal, &err) ||
        xn_program_parse(text, sizeof text - 1, "fuzz", &p, &err) ||
        xn_controller_create(m, hal, p, NULL, &c, &err))
        abort();
    for (int i = 0; i < 20; i++) { /* enabled, the stream line running, a cycle to read */
        xn_hal_read(hal);
        xn_controller_step(c);
        xn_hal_write(hal);
        xn_hal_advance(hal);
    }
    bridge = xn_ros2_detached(c);
    if (!bridge) abort();
}

enum { COMMAND, POSE, TRAJECTORY, EFFORTS, GOAL, RESULT, CANCEL, CMD_VEL, KINDS };

/* the bridge's handler for one sample of the kind; 1 for the action's services */
static int handle(int kind, const void *sample) {
    switch (kind) {
    case COMMAND: xn_ros2_take_command(bridge, sample); return 0;
    case POSE: xn_ros2_take_pose(bridge, sample); return 0;
    case TRAJECTORY: xn_ros2_take_trajectory(bridge, sample); return 0;
    case EFFORTS: xn_ros2_take_efforts(bridge, sample); return 0;
    case CMD_VEL: xn_ros2_take_cmd_vel(bridge, sample); return 0;
    case GOAL: xn_ros2_take_goal(bridge, sample); return 1;
    case RESULT: xn_ros2_take_result_request(bridge, sample); return 1;
    default: xn_ros2_take_cancel(bridge, sample); return 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!bridge) setup();
    if (size < 1 || size > 1 << 20) return 0;
    static const dds_topic_descriptor_t *const desc[KINDS] = {
        &std_msgs_msg_dds__Float64MultiArray__desc,
        &geometry_msgs_msg_dds__PoseStamped__desc,
        &trajectory_msgs_msg_dds__JointTrajectory__desc,
        &std_msgs_msg_dds__Float64MultiArray__desc,
        &control_msgs_action_dds__FollowJointTrajectory_SendGoal_Request__desc,
        &control_msgs_action_dds__FollowJointTrajectory_GetResult_Request__desc,
        &action_msgs_srv_dds__CancelGoal_Request__desc,
        &geometry_msgs_msg_dds__Twist__desc};
    int kind = data[0] % KINDS;
    const dds_topic_descriptor_t *d = desc[kind];
    uint32_t n = (uint32_t)(size - 1), off = 0;
    char *buf = malloc(n + 8);
    if (!buf) return 0;
    memcpy(buf, data + 1, n);
    if (dds_stream_normalize_data(buf, &off, n, false, CDR_ENC_VERSION_1, d->m_ops)) {
        void *sample = calloc(1, d->m_size);
        dds_istream_t is = {(const unsigned char *)buf, n, 0, CDR_ENC_VERSION_1};
        dds_stream_read(&is, sample, d->m_ops);
        xn_ros2_stats before = bridge->stats;
        int service = handle(kind, sample);
        const xn_ros2_stats *after = &bridge->stats;
        /* every command is counted, and a refusal says why; every goal is counted, and one
         * that ended aborted says why */
        if (!service && after->commands_received != before.commands_received + 1) abort();
        if (after->commands_refused && !after->last_refusal[0]) abort();
        if (kind == GOAL && after->goals_received != before.goals_received + 1) abort();
        if (after->goals_aborted != before.goals_aborted && !after->last_goal_error[0]) abort();
        /* the running goal's supervision on the controller's newest cycle */
        xn_ctl_sample s;
        if (xn_controller_latest(bridge->c, &s)) xn_ros2_action_tick(bridge, &s);
        dds_sample_free(sample, d, DDS_FREE_ALL);
    }
    free(buf);
    return 0;
}
