/* DDS for the project's own ROS 2 tests and benchmarks: the loopback interface only, unicast
 * discovery, in the given domain, set through the environment before any participant exists.
 * Each test takes its own range of 25 domains (test_ros2 100-124, test_ros2_walk 125-149,
 * test_ros2_sensors 150-174, test_ros2_action 175-199; bench_ros2 200), so that tests run in
 * parallel never see each other's robots.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_DDS_LOOPBACK_H
#define XN_DDS_LOOPBACK_H

#include <stdio.h>
#include <stdlib.h>

static inline void xn_dds_loopback(int domain) {
    char id[16];
    snprintf(id, sizeof id, "%d", domain);
    setenv("ROS_DOMAIN_ID", id, 1);
    setenv("CYCLONEDDS_URI",
           "<CycloneDDS><Domain id=\"any\"><General><Interfaces><NetworkInterface "
           "address=\"127.0.0.1\"/></Interfaces><AllowMulticast>false</AllowMulticast></General>"
           "<Discovery><ParticipantIndex>auto</ParticipantIndex><Peers><Peer "
           "address=\"127.0.0.1\"/></Peers></Discovery></Domain></CycloneDDS>",
           1);
}

#endif
