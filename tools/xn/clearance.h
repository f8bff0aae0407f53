/* Whether a configuration of the robot keeps clear of itself and the floor: every body's origin
 * above a height, and (with MuJoCo) no two geoms of the scene closer than a clearance. Shared by
 * the commands that invent motions (xn identify excite, xn calibrate poses).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_CLEARANCE_H
#define XN_CLEARANCE_H

#include "xiaonao/xiaonao.h"

typedef struct xn_clearance xn_clearance;

/* For the model m (kept) and its scene file (MJCF or URDF, MuJoCo's contact check when MuJoCo is
 * built in and clearance > 0), the joints `dof` (n, the ones a configuration gives). NULL after
 * printing an error (the scene's joints do not match, or the configuration `centre` (nq) of the
 * joints is in contact already). */
xn_clearance *xn_clearance_open(const xn_model *m, const char *scene, const int *dof, int n,
                                double clearance, double min_height, const double *centre);
/* 1 when the configuration q (nq) is clear. */
int xn_clearance_ok(xn_clearance *c, const double *q);
void xn_clearance_close(xn_clearance *c);

#endif
