/* xn serve --web, xn run --realtime --web: the operator console (include/xiaonao/web.h) for the
 * running controller, with the page bundled into xn and the robot drawn from its scene.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_RUN_WEB_H
#define XN_RUN_WEB_H

#include "xiaonao/runtime.h"

struct xn_web;

/* Start the console for controller c driving the robot of `scene` (model m, started from
 * keyframe; NULL: "home") on listen ("ADDRESS:PORT"; NULL: 127.0.0.1:8080) with token (NULL:
 * none). Prints where it is; NULL after printing why. */
struct xn_web *run_web_start(const char *scene, const char *keyframe, const xn_model *m,
                             xn_controller *c, const char *listen, const char *token,
                             const char *program);
void run_web_stop(struct xn_web *w);

#endif
