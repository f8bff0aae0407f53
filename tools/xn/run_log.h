/* Reading the CSV logs `xn run --log` writes, for the commands that analyse them (identify,
 * calibrate, iso9283). SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_RUN_LOG_H
#define XN_RUN_LOG_H

/* The joints' measured signals of one log, row by row. */
typedef struct {
    int nrow, nj;
    char (*joint)[64];      /* nj names, from the q_NAME columns */
    double *t;              /* nrow times (s) */
    double *q, *qd, *tau;   /* nrow x nj each */
    unsigned char *running; /* per row: the controller's state was "running" */
    int *line;              /* per row: its line in the file */
    int *program_line;      /* per row: the program line running (the log's line column), or
                               NULL when the log has none */
    double *tool;           /* nrow x 3: the tracker's position (tool_x, tool_y, tool_z), or NULL */
} xn_log;

/* Read a log: every q_NAME, qd_NAME, tau_NAME column (each joint needs all three), time and
 * state, and line and tool_x, tool_y, tool_z when present. Refuses, naming file, line and column: a
 * file that is not such a log, a field that is not a finite number, a row with too few fields, time
 * that does not increase, and a gap (a step over 1.5 times the log's median period). 0, or 1 after
 * printing the error. */
int xn_log_read(const char *path, xn_log *log);
/* The same on a log's text (NUL-terminated, changed in place); path names it in messages. */
int xn_log_parse(char *text, const char *path, xn_log *log);
void xn_log_free(xn_log *log);

#endif
