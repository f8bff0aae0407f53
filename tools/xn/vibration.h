/* Residual vibration from an xn run log (the tool's tracked position after each motion): the
 * measurement shared by the run summary and xn tune-shaper. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_VIBRATION_H
#define XN_VIBRATION_H

#include "xiaonao/xiaonao.h"

#define XN_VIB_MAX_MOTIONS 256

/* One stop: the reference came to rest at t_stop after moving; the tool's deviation from where
 * it settles in the window after it. */
typedef struct {
    double t_stop, window;     /* s */
    int line;                  /* the program line of the motion that ended */
    double residual;           /* m: the largest deviation from rest in the window */
    double settling;           /* s after t_stop until the deviation stays within 0.1 mm */
    double q[XN_OTG_MAX_DOFS]; /* the reference where it stopped */
    int has_mode;
    xn_mode_fit mode; /* the free decay's dominant mode */
} xn_vib_stop;

typedef struct {
    int nj;
    int n;
    xn_vib_stop stop[XN_VIB_MAX_MOTIONS];
} xn_vib_report;

/* Analyse a log written by xn run (it needs the tool_x/y/z columns of a position tracker).
 * Returns 0, or 1 after printing why. Only stops followed by at least `min_window` s of rest are
 * kept (the window ends at the next motion or the log's end, at most 1 s). */
int xn_vib_analyse(const char *log_path, double min_window, xn_vib_report *out);
/* As xn_vib_analyse, and (when dat_path is not NULL) write the deviation from rest in every
 * window as "time mm" lines, windows separated by blank lines (for gnuplot). */
int xn_vib_analyse_to(const char *log_path, double min_window, xn_vib_report *out,
                      const char *dat_path);

#endif
