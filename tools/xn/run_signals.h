/* xn run: Ctrl-C and SIGTERM stop the robot instead of killing the process.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_RUN_SIGNALS_H
#define XN_RUN_SIGNALS_H

#include "xiaonao/runtime.h"

/* From now on SIGINT and SIGTERM ask controller c for a stop: the first for category 1 (brake,
 * then power off; the run then ends normally, with its log and report), any further one for
 * category 0 (power off at once). */
void run_signals_install(xn_controller *c);
/* Back to the default handlers. */
void run_signals_remove(void);
/* How many stop signals arrived (0: none). */
int run_signals_count(void);

#endif
