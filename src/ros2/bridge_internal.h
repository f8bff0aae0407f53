/* The ROS 2 bridge's state and its handling of one received command, shared with the fuzz
 * harness (fuzz/fuzz_ros2.c), which feeds them samples deserialized from arbitrary bytes the way
 * Cyclone DDS's receive path does. Not installed. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ROS2_BRIDGE_INTERNAL_H
#define XN_ROS2_BRIDGE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <dds/dds.h>

#include "action_msgs.h"
#include "control_msgs.h"
#include "geometry_msgs.h"
#include "std_msgs.h"
#include "trajectory_msgs.h"
#include "xiaonao/ros2.h"

/* The FollowJointTrajectory action server's state (action.c). */
typedef struct xn_ros2_action xn_ros2_action;

struct xn_ros2 {
    xn_controller *c;
    xn_ros2_config cfg;
    dds_entity_t participant, state_writer, command_reader, pose_reader, traj_reader, effort_reader,
        cmd_vel_reader;
    xn_ros2_action *action;
    xn_joint_trajectory *traj; /* the one being converted (the bridge's thread only) */
    dds_entity_t waitset;      /* wakes the thread when a command arrives */
    /* /wrench/<sensor>, /imu/<imu>, /diagnostics (status.c) */
    int nft, nimu;
    dds_entity_t wrench_writer[XN_SAMPLE_FT], imu_writer[XN_SAMPLE_IMU], diag_writer;
    char ft_frame[XN_SAMPLE_FT][64], imu_frame[XN_SAMPLE_IMU][64];
    int event_reader; /* the bridge's own event reader (0: none) */
    int64_t diag_next;
    /* /tf */
    dds_entity_t tf_writer;
    int ntf, tf_frame[64], qadr[XN_OTG_MAX_DOFS];
    char *tf_name[64];
    xn_data *tf_data;
    xn_real *tf_q;
    int64_t tf_period, tf_next;
    pthread_t thread;
    int thread_started;
    atomic_int quit;
    int nj;
    char *names[XN_OTG_MAX_DOFS];
    /* statistics, written by the bridge's thread under `lock` */
    pthread_mutex_t lock;
    xn_ros2_stats stats;
};

/* The bridge's clocks: a clock's time (ns), and a ROS header's stamp (the wall clock). */
int64_t xn_ros2_clock_ns(clockid_t id);
builtin_interfaces_msg_dds__Time_ xn_ros2_stamp(void);

/* DDS entities just made, by what they are for: the first that failed (e < 0), or NULL. */
typedef struct {
    const char *what;
    dds_entity_t e;
} xn_ros2_entity;
const xn_ros2_entity *xn_ros2_failed(const xn_ros2_entity *list, size_t n);

/* Every sample that arrived on a reader, oldest first, each handed to handle (bridge.c). */
typedef void (*xn_ros2_handler)(xn_ros2 *r, const void *sample);
void xn_ros2_take_each(xn_ros2 *r, dds_entity_t reader, xn_ros2_handler handle);

/* A bridge without DDS (no participant, no thread): the command handlers below work on it.
 * Free it with xn_ros2_stop. NULL when out of memory. */
xn_ros2 *xn_ros2_detached(xn_controller *c);

/* One received command, checked and streamed into the controller; counted in r->stats. */
void xn_ros2_take_command(xn_ros2 *r, const std_msgs_msg_dds__Float64MultiArray_ *m);
void xn_ros2_take_pose(xn_ros2 *r, const geometry_msgs_msg_dds__PoseStamped_ *m);
void xn_ros2_take_trajectory(xn_ros2 *r, const trajectory_msgs_msg_dds__JointTrajectory_ *m);
void xn_ros2_take_efforts(xn_ros2 *r, const std_msgs_msg_dds__Float64MultiArray_ *m);
void xn_ros2_take_cmd_vel(xn_ros2 *r, const geometry_msgs_msg_dds__Twist_ *m);
/* a JointTrajectory's points into r->traj, its joints matched by name to the stream's (sel: their
 * controller indices, XN_OTG_MAX_DOFS entries; *nsel: how many; where: the error's place) */
xn_status xn_ros2_convert_trajectory(xn_ros2 *r, const trajectory_msgs_msg_dds__JointTrajectory_ *m,
                                     const char *where, int *sel, int *nsel, xn_error *err);

/* status.c: the sensors' writers and /diagnostics, with an event reader of the bridge's own */
xn_status xn_ros2_status_start(xn_ros2 *r, const char *prefix, xn_error *err);
void xn_ros2_publish_sensors(xn_ros2 *r, const xn_ctl_sample *s);
/* every new event; the controller's state once a second (s: the newest cycle, or NULL) */
void xn_ros2_publish_diagnostics(xn_ros2 *r, const xn_ctl_sample *s, int64_t now_ns);

/* action.c: the FollowJointTrajectory action server */
xn_ros2_action *xn_ros2_action_create(void);
void xn_ros2_action_free(xn_ros2_action *a);
/* its services and topics under <prefix>/<trajectory_controller>/follow_joint_trajectory, their
 * readers on r->waitset (nothing when the configuration names no controller) */
xn_status xn_ros2_action_start(xn_ros2 *r, const char *prefix, xn_error *err);
/* every request that arrived */
void xn_ros2_action_take(xn_ros2 *r);
/* one request of each kind (the fuzz harness calls them without DDS) */
void xn_ros2_take_goal(xn_ros2 *r,
                       const control_msgs_action_dds__FollowJointTrajectory_SendGoal_Request_ *m);
void xn_ros2_take_result_request(
    xn_ros2 *r, const control_msgs_action_dds__FollowJointTrajectory_GetResult_Request_ *m);
void xn_ros2_take_cancel(xn_ros2 *r, const action_msgs_srv_dds__CancelGoal_Request_ *m);
/* the running goal against the newest cycle: path and goal tolerances, feedback, its end */
void xn_ros2_action_tick(xn_ros2 *r, const xn_ctl_sample *s);
/* another command replaced the running goal's trajectory: it ends, aborted, saying why */
void xn_ros2_action_preempted(xn_ros2 *r, const char *why);

#endif
