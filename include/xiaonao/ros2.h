/* xiaonao: the controller on ROS 2, over DDS without ROS: a DDS participant that follows ROS 2's
 * Cyclone DDS middleware to the letter (topic names under rt/, types
 * pkg::msg::dds_::Name_, final types in XCDR1, ROS 2's default QoS: reliable, volatile, keep
 * last 10; the domain from ROS_DOMAIN_ID), so that `ros2 topic echo /joint_states` sees the
 * robot and ROS 2 nodes can command it without this library linking ROS.
 *
 * Published: /joint_states (sensor_msgs/msg/JointState: the controlled joints' names, positions,
 * velocities and commanded torques, at a chosen rate) and /robot_description (std_msgs/msg/String,
 * transient local, when given) and /tf (tf2_msgs/msg/TFMessage: chosen frames, when asked);
 * /wrench/<sensor> (geometry_msgs/WrenchStamped) and /imu/<imu> (sensor_msgs/Imu) with the joint
 * states; /diagnostics (diagnostic_msgs/DiagnosticArray: every event as it happens, through an
 * event reader the bridge claims, and the controller's state once a second).
 * Subscribed: /joint_commands (std_msgs/msg/Float64MultiArray, forward-command style: one position
 * per controlled joint, in the controller's order), streamed into the controller
 * (xn_controller_stream) while a program's `stream` line runs; a command with the wrong length, a
 * NaN or a position beyond a limit is refused with its reason and moves nothing. Likewise
 * /joint_efforts (Float64MultiArray: one torque per joint, XN_STREAM_TORQUE), /servo_pose
 * (geometry_msgs/PoseStamped), /joint_trajectory (trajectory_msgs/JointTrajectory) and /cmd_vel
 * (geometry_msgs/Twist: a walking policy's command, XN_STREAM_WALK).
 *
 * The action /<trajectory_controller>/follow_joint_trajectory
 * (control_msgs/action/FollowJointTrajectory, as MoveIt drives ros2_control's
 * joint_trajectory_controller): its send_goal, get_result and cancel_goal services and its
 * feedback and status topics. Every well-formed goal is accepted, then executed, or ended
 * ABORTED with the action's error code and the reason in error_string (INVALID_JOINTS for an
 * unknown or missing joint, INVALID_GOAL for a trajectory the controller refuses,
 * OLD_HEADER_TIMESTAMP for one that ended before it arrived, PATH_TOLERANCE_VIOLATED when the
 * joints leave the path's tolerance or the controller stops, GOAL_TOLERANCE_VIOLATED when they
 * are not within the goal's tolerance in time), as ROS 1's trajectory controller reported them;
 * a new goal cancels the running one, a cancel brings the joints to rest.
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
    /** the controller name the action is under (default "joint_trajectory_controller": the
     * action /joint_trajectory_controller/follow_joint_trajectory); "" or NULL: no action */
    const char *trajectory_controller;
    double goal_tolerance; /**< rad (m): a goal's default position tolerance (default 1e-3) */
    double goal_time;      /**< s: how long after its end a trajectory may take to come within
                                the goal's tolerance, when the goal gives no goal_time_tolerance
                                (default 1) */
} xn_ros2_config;

/** Defaults above. */
void xn_ros2_config_init(xn_ros2_config *cfg);

typedef struct xn_ros2 xn_ros2;

/** Start the bridge for controller c (which must outlive it) on its own thread. XN_ERR_RANGE
 * for a rate, goal tolerance or goal time that is not finite and > 0 or a domain beyond 232,
 * XN_ERR_NOT_FOUND for a /tf frame the model lacks (err->index: which), XN_ERR_INVALID when
 * every event reader of the controller is taken (xn_controller_event_reader), XN_ERR_IO when DDS
 * could not create the participant, its topics or the thread (err says which). */
xn_status xn_ros2_start(xn_controller *c, const xn_ros2_config *cfg, xn_ros2 **out, xn_error *err);
/** Stop the thread and delete the participant. NULL is allowed. */
void xn_ros2_stop(xn_ros2 *r);

/** What the bridge did so far (any thread). */
typedef struct {
    long states_published;
    long commands_received, commands_accepted, commands_refused;
    char last_refusal[512]; /**< why the last refused command was refused ("" when none) */
    long goals_received, goals_succeeded, goals_aborted, goals_canceled;
    int last_error_code;       /**< the last ended goal's FollowJointTrajectory error code */
    char last_goal_error[512]; /**< its error_string */
} xn_ros2_stats;
void xn_ros2_get_stats(xn_ros2 *r, xn_ros2_stats *out);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
