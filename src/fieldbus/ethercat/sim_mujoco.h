/* The virtual segment's drives on a MuJoCo robot (sim_mujoco.c; not installed).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ECAT_SIM_MUJOCO_H
#define XN_ECAT_SIM_MUJOCO_H

#include "fieldbus/ethercat/sim.h"
#include "xiaonao/backends.h"

typedef struct xn_ecat_sim_robot xn_ecat_sim_robot;

/* The slaves of sim (nslave of them) drive the joints of MuJoCo scene `scene` as the bus
 * description maps them (its units: counts per revolution, gear, direction, rated torque), and
 * its IMU slaves report the scene's IMUs; the robot starts at `keyframe` (NULL: the scene's
 * initial state); one control period of period_ns is simulated per SYNC0 (per process data
 * frame without distributed clocks). Close it after the sim stops using it (xn_ecat_sim_free
 * does not). */
xn_status xn_ecat_sim_robot_open(xn_ecat_sim *sim, int nslave, const char *scene,
                                 const char *keyframe, const xn_ecat_bus *bus, int64_t period_ns,
                                 xn_ecat_sim_robot **out, xn_error *err);
/* the robot behind the drives, to push it (a simulated disturbance) */
xn_hal *xn_ecat_sim_robot_mutable(xn_ecat_sim_robot *r);
void xn_ecat_sim_robot_close(xn_ecat_sim_robot *r);
/* the robot behind the drives (its joints' true state, for tests) */
const xn_hal *xn_ecat_sim_robot_hal(const xn_ecat_sim_robot *r);

#endif
