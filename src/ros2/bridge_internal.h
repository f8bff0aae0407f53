/* The ROS 2 bridge's state and its handling of one received command, shared with the fuzz
 * harness (fuzz/fuzz_ros2.c), which feeds them samples deserialized from arbitrary bytes the way
 * Cyclone DDS's receive path does. Not installed. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ROS2_BRIDGE_INTERNAL_H
#define XN_ROS2_BRIDGE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <dds/dds.h>

#include "geometry_msgs.h"
#include "std_msgs.h"
#include "trajectory_msgs.h"
#include "xiaonao/ros2.h"

struct xn_ros2 {
    xn_controller *c;
    xn_ros2_config cfg;
    dds_entity_t participant, state_writer, command_reader, pose_reader, traj_reader;
    xn_joint_trajectory *traj; /* the one being converted (the bridge's thread only) */
    dds_entity_t waitset;      /* wakes the thread when a command arrives */
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

/* A bridge without DDS (no participant, no thread): the command handlers below work on it.
 * Free it with xn_ros2_stop. NULL when out of memory. */
xn_ros2 *xn_ros2_detached(xn_controller *c);

/* One received command, checked and streamed into the controller; counted in r->stats. */
void xn_ros2_take_command(xn_ros2 *r, const std_msgs_msg_dds__Float64MultiArray_ *m);
void xn_ros2_take_pose(xn_ros2 *r, const geometry_msgs_msg_dds__PoseStamped_ *m);
void xn_ros2_take_trajectory(xn_ros2 *r, const trajectory_msgs_msg_dds__JointTrajectory_ *m);

#endif
