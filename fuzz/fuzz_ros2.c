/* libFuzzer harness for what the ROS 2 bridge receives from the network: the first byte picks a
 * subscribed type (/joint_commands, /servo_pose, /joint_trajectory), the rest is its CDR payload
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!bridge) setup();
    if (size < 1 || size > 1 << 20) return 0;
    static const dds_topic_descriptor_t *const desc[3] = {
        &std_msgs_msg_dds__Float64MultiArray__desc, &geometry_msgs_msg_dds__PoseStamped__desc,
        &trajectory_msgs_msg_dds__JointTrajectory__desc};
    const dds_topic_descriptor_t *d = desc[data[0] % 3];
    uint32_t n = (uint32_t)(size - 1), off = 0;
    char *buf = malloc(n + 8);
    if (!buf) return 0;
    memcpy(buf, data + 1, n);
    if (dds_stream_normalize_data(buf, &off, n, false, CDR_ENC_VERSION_1, d->m_ops)) {
        void *sample = calloc(1, d->m_size);
        dds_istream_t is = {(const unsigned char *)buf, n, 0, CDR_ENC_VERSION_1};
        dds_stream_read(&is, sample, d->m_ops);
        long before = bridge->stats.commands_received;
        if (data[0] % 3 == 0) xn_ros2_take_command(bridge, sample);
        if (data[0] % 3 == 1) xn_ros2_take_pose(bridge, sample);
        if (data[0] % 3 == 2) xn_ros2_take_trajectory(bridge, sample);
        /* every command is counted, and a refusal says why */
        if (bridge->stats.commands_received != before + 1) abort();
        if (bridge->stats.commands_refused && !bridge->stats.last_refusal[0]) abort();
        dds_sample_free(sample, d, DDS_FREE_ALL);
    }
    free(buf);
    return 0;
}
