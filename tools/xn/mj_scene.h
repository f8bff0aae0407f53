/* MuJoCo's model of a robot for pictures (the replay, the console): an MJCF scene as it is; a
 * URDF with its <visual> elements kept, which MuJoCo's URDF reader drops unless told, and its
 * mesh paths kept relative to the file (STL and OBJ). Shared by xn and the replay test's
 * reference (tests/web/replay_expect.c).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_MJ_SCENE_H
#define XN_MJ_SCENE_H

#include <mujoco/mujoco.h>

/* The model, or NULL with MuJoCo's reason in err (cap bytes). */
mjModel *xn_mj_load_scene(const char *path, char *err, int cap);

#endif
