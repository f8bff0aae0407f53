/* xn run --friction FILE: the joints' friction as identified (friction.json from xn identify
 * dynamics) into the controller's friction model. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_RUN_FRICTION_H
#define XN_RUN_FRICTION_H

#include "xiaonao/runtime.h"

/* Read FILE ({"joints": {NAME: {"viscous", "coulomb", ...}}}) and set, for each commandable joint
 * it names, the collision observer's Coulomb friction and the viscous friction beyond the
 * model's own damping (the controller's model already carries that). 0, or 1 after printing an
 * error naming the file and the joint. */
int xn_run_apply_friction(const char *path, const xn_model *m, const xn_hal *hal,
                          xn_controller_config *cfg);

#endif
