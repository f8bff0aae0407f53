/* xn run --report: the 3D replay (DIR/replay.html), one self-contained page that opens offline.
 * While the robot runs, the recorder keeps the robot's whole configuration 50 times a second
 * (the simulator's, or the measured joints on the model's keyframe for another backend), the
 * controller's references, the balance controller's CoM, capture point and support polygon, the
 * simulator's contact and push forces, and the events; at the end it turns them into body poses
 * with MuJoCo's kinematics of the robot's scene and writes the page: the geometry, the poses,
 * the overlays and the plots as JSON, beside the three.js viewer bundled into xn at build time.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_RUN_REPLAY_H
#define XN_RUN_REPLAY_H

#include <stdio.h>

#include "xiaonao/hal.h"
#include "xiaonao/runtime.h"

#define XN_REPLAY_RATE 50 /* frames per second of robot time */

typedef struct replay_log replay_log;

/* A recorder for the robot of `scene` (an MJCF or URDF file MuJoCo loads) driven by c through
 * hal. With read_sim and a MuJoCo backend, each frame is the simulator's whole state (floating
 * base, contacts, pushes), read by the thread that steps it; otherwise the measured joints on the
 * scene's keyframe (NULL: "home" when the scene has it, else its reference configuration). NULL
 * after printing why (no MuJoCo, a scene MuJoCo cannot load, no viewer in this build): the run
 * goes on without a replay. */
replay_log *replay_log_create(const char *scene, const char *keyframe, const xn_controller *c,
                              const xn_hal *hal, int read_sim);
void replay_log_free(replay_log *r);
/* Every cycle's sample, in order (keeps each plot's largest value between two frames); a frame
 * is taken when the sample reaches the next frame's time. Never blocks; drops frames when memory
 * runs out. */
void replay_log_sample(replay_log *r, const xn_ctl_sample *s);
/* An event at time t (s) for the timeline: its kind (xn_event_code) and text. */
void replay_log_event(replay_log *r, double t, int code, const char *text);
/* Write DIR/replay.html and print a line saying where to out: 0, or 1 after printing why (r NULL:
 * 1 without a word, the recorder said why when it was not made). A
 * run whose body poses would pass 3 MB keeps every k-th frame (the plots keep the largest value
 * of the frames left out). */
int replay_log_write(replay_log *r, const char *dir, const char *program, const char *result,
                     FILE *out);

/* The robot of `scene` as the browser pages draw it (bodies, geoms, meshes: JSON, malloc'd), for
 * the console: each body's frame in `model` (frames[b], NULL when fixed in the world or absent;
 * at most cap bodies, *nbody of them) and, for a floating base, its keyframe pose (base_q:
 * position, quaternion w x y z; *has_base). NULL after printing why. */
char *replay_robot_json(const char *scene, const char *keyframe, const xn_model *model,
                        const char **frames, int cap, int *nbody, double base_q[7], int *has_base);

#endif
