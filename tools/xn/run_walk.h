/* xn run's record of a walking robot: base velocity against the command, height. Filled after
 * each cycle; written as DIR/locomotion.dat with a per-line summary. SPDX-License-Identifier:
 * Apache-2.0 */
#ifndef XN_RUN_WALK_H
#define XN_RUN_WALK_H

#include <stdio.h>

#include "xiaonao/hal.h"
#include "xiaonao/program.h"

typedef struct walk_log walk_log;

walk_log *walk_log_create(void);
void walk_log_free(walk_log *w);
/* One cycle: time (s), program line, the command (vx, vy, yaw rate), the robot's readings (the
 * first IMU and the first position tracker, which is the base; the contact sensors, the feet). */
void walk_log_add(walk_log *w, double t, int line, const double cmd[3], const xn_hal *hal);
/* Write DIR/locomotion.dat (50 Hz: time, commanded and achieved vx, vy, yaw rate in the base's
 * heading frame, base height, the first two contact sensors' forces: the feet) and return an HTML
 * table of each walk or stand line's mean achieved velocity against its command (malloc'd; NULL
 * when nothing was recorded); the same table goes to out as text. */
char *walk_log_write(const walk_log *w, const xn_program *prog, const char *dir, FILE *out);

#endif
