/* xn run and a balancing humanoid: the robot's balance description (balance.json, named by the
 * program's `balance load`) turned into the controller's configuration, and the record of each
 * cycle's balance (centre of mass, capture point, support polygon, foot forces) for the report.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_RUN_BALANCE_H
#define XN_RUN_BALANCE_H

#include <stdio.h>

#include "xiaonao/program.h"
#include "xiaonao/runtime.h"

/* The description a program's `balance load` names, for the model m: fills h and, from the
 * description, the scene (its "model", relative to the file) and the MuJoCo keyframe to start
 * from (both static strings; "" when not given). 1 after printing why (the program's line and
 * the description's field); 0 when the program has no balance load (h untouched) or on success. */
int balance_describe(const xn_program *prog, const char *program_path, xn_humanoid_config *h,
                     int *found, char *scene, size_t scene_cap, char *keyframe,
                     size_t keyframe_cap);
/* The frames the description names, for the controller's model: 1 after printing which one is
 * missing. */
int balance_bind(const char *desc_path, const xn_model *m, xn_humanoid_config *h);

typedef struct balance_log balance_log;
balance_log *balance_log_create(void);
void balance_log_free(balance_log *b);
/* One cycle's sample (s->humanoid set). */
void balance_log_add(balance_log *b, const xn_ctl_sample *s);
/* Write DIR/balance.dat (100 Hz: time, CoM x y z, capture point x y, CoP x y, foot forces left
 * right, phase, steps) and DIR/support.dat (the support polygon every 0.5 s and at each phase
 * change, blank-line separated) when dir is not NULL, print a summary to out; returns an HTML
 * paragraph (malloc'd). */
char *balance_log_write(const balance_log *b, const char *dir, FILE *out);

#endif
