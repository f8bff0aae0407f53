/* xiaonao: the controller on ROS 2, over DDS without ROS: a DDS participant that follows ROS 2's
 * Cyclone DDS middleware to the letter (topic names under rt/, types
 * pkg::msg::dds_::Name_, final types in XCDR1, ROS 2's default QoS: reliable, volatile, keep
 * last 10; the domain from ROS_DOMAIN_ID), so that `ros2 topic echo /joint_states` sees the
 * robot and ROS 2 nodes can command it without this library linking ROS.
 *
 * Published: /joint_states (sensor_msgs/msg/JointState: the controlled joints' names, positions,
 * velocities and commanded torques, at a chosen rate) and /robot_description (std_msgs/msg/String,
 * transient local, when given) and /tf (tf2_msgs/msg/TFMessage: chosen frames, when asked).
 * Subscribed: /joint_commands (std_msgs/msg/Float64MultiArray, forward-command style: one position
 * per controlled joint, in the controller's order), streamed into the controller
 * (xn_controller_stream) while a program's `stream` line runs; a command with the wrong length, a
 * NaN or a position beyond a limit is refused with its reason and moves nothing.
 *
 * Every DDS call runs on the bridge's own thread; the control loop never waits for it (it reads
 * the newest cycle through xn_controller_latest and sends through xn_controller_stream).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_ROS2_H
#define XIAONAO_ROS2_H

#include "xiaonao/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

typedef struct {
    int domain_id;      /**< DDS domain; -1 (default): ROS_DOMAIN_ID, else 0 */
    double state_rate;  /**< Hz of /joint_states (default 1000) */
    const char *prefix; /**< prepended to every topic name, e.g. "/robot1" (default "") */
    const char *robot_description; /**< the robot's model as text (URDF for RViz), published
                                        once on /robot_description (std_msgs/String, transient
                                        local: late joiners get it too); NULL: not published.
                                        Read during xn_ros2_start only */
    /* /tf (tf2_msgs/TFMessage): the named frames' placements in the world ("world" -> each
     * frame), from the controlled joints' measured positions by forward kinematics on `model`
     * (the others at their neutral values), in the bridge's thread */
    const xn_model *model; /**< the controller's model (must outlive the bridge); NULL: no /tf */
    const char *const *tf_frames; /**< frame names of `model`, copied at start */
    int ntf;                      /**< how many (at most 64) */
    double tf_rate;               /**< Hz (default 50) */
} xn_ros2_config;

/** Defaults above. */
void xn_ros2_config_init(xn_ros2_config *cfg);

typedef struct xn_ros2 xn_ros2;

/** Start the bridge for controller c (which must outlive it) on its own thread. XN_ERR_RANGE
 * for a rate that is not finite and > 0 or a domain beyond 232, XN_ERR_NOT_FOUND for a /tf frame
 * the model lacks (err->index: which), XN_ERR_IO when DDS could not
 * create the participant, its topics or the thread (err says which). */
xn_status xn_ros2_start(xn_controller *c, const xn_ros2_config *cfg, xn_ros2 **out, xn_error *err);
/** Stop the thread and delete the participant. NULL is allowed. */
void xn_ros2_stop(xn_ros2 *r);

/** What the bridge did so far (any thread). */
typedef struct {
    long states_published;
    long commands_received, commands_accepted, commands_refused;
    char last_refusal[512]; /**< why the last refused command was refused ("" when none) */
} xn_ros2_stats;
void xn_ros2_get_stats(xn_ros2 *r, xn_ros2_stats *out);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
