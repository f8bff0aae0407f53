/* xn run: the main job. Run a robot program on a robot (the simulated Panda by default), show
 * progress, write a log and a report. SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef XN_HAVE_ROS2
#include "xiaonao/ros2.h"
#endif
#include "cli.h"
#include "io/json.h"
#include "run_balance.h"
#include "run_friction.h"
#include "run_replay.h"
#include "run_report.h"
#include "run_signals.h"
#include "run_walk.h"
#include "run_web.h"
#include "vibration.h"
#include "xiaonao/backends.h"
#include "xiaonao/ethercat.h"
#include "xiaonao/runtime.h"
#ifdef XN_HAVE_LEARN
#include "xiaonao/locomotion.h"
#endif

#ifndef XN_DEFAULT_ROBOT
#define XN_DEFAULT_ROBOT "models/mjcf/franka_panda/scene.xml"
#endif

static int usage(FILE *f) {
    fprintf(f,
            "usage: xn run PROGRAM [--robot SCENE] [--backend mujoco|loopback|ethercat]\n"
            "                      [--bus BUS.json] [--realtime]\n"
            "              [--log FILE] [--report DIR] [--limits FILE] [--mode torque|position]\n"
            "              [--bandwidth W] [--max-time S] [--latency CYCLES]\n"
            "              [--watchdog-margin MS]\n"
            "              [--encoder-counts N] [--position-noise RAD] [--inject J:KIND@S]\n"
            "              [--model FILE] [--friction FILE] [--drive-gains KP,KD]\n"
            "              [--shaper-table FILE]\n"
            "              [--quiet] [--ros2] [--web [--listen ADDR:PORT] [--token T]]\n"
            "       xn serve [the same options, without PROGRAM]\n\n"
            "Runs a robot program (see include/xiaonao/program.h for the language) at 1 kHz.\n"
            "  --robot SCENE    MJCF scene (default: the Franka Panda, %s)\n"
            "  --backend        mujoco (default: simulated physics), loopback (ideal joints) or\n"
            "                   ethercat (CiA 402 drives on an EtherCAT segment: --bus BUS.json)\n"
            "  --realtime       run on the wall clock (clock_nanosleep; SCHED_FIFO and mlockall\n"
            "                   when allowed); default: simulation lockstep, as fast as possible\n"
            "  --watchdog-margin MS  real time: how late (ms) a cycle may wake up or end before\n"
            "                   every drive quick-stops (default half a period; 0: off)\n"
            "  --log FILE       CSV log: time, line, state, q, qd, tau, references, events\n"
            "  --report DIR     log.csv, plots (gnuplot PNG) and index.html in DIR\n"
            "  --limits FILE    rated velocity/acceleration/jerk per joint (JSON; default:\n"
            "                   limits.json beside the scene when it exists)\n"
            "  --model FILE     the controller's model (default: the scene); e.g. the rigid\n"
            "                   model of a robot simulated with elastic joints, or the one\n"
            "                   xn identify dynamics wrote (model.xml)\n"
            "  --friction FILE  the joints' Coulomb and viscous friction for the collision\n"
            "                   observer (friction.json from xn identify dynamics)\n"
            "  --shaper-table FILE  the modes for 'set shaper auto' (xn tune-shaper --out)\n"
            "  --drive-gains KP,KD  the simulated drives' position servo (N m/rad, N m s/rad;\n"
            "                   default 2000,50)\n"
            "  --mode           torque: computed torque in the controller (default);\n"
            "                   position: the drives servo, with the model's torque feedforward\n"
            "  --inject J:KIND@S  a fault drill: at S seconds, joint J's encoder reads NaN (nan),\n"
            "                   stops updating (stale), or its drive faults (fault)\n"
            "  --ros2           with --realtime: the ROS 2 bridge over DDS (ROS_DOMAIN_ID):\n"
            "                   /joint_states published at 1 kHz, /joint_commands (one position\n"
            "                   per joint) followed while a 'stream' line runs (docs/ros2.md)\n"
            "  --tf F1,F2       with --ros2: these model frames on /tf (world -> frame, 50 Hz)\n"
            "  --web            with --realtime: the operator console in a browser (the live\n"
            "                   robot, jogging while a 'stream' line runs, the program check,\n"
            "                   a stop button; docs/web.md) at --listen (default 127.0.0.1:8080;\n"
            "                   another address needs --token, which the page's address\n"
            "                   carries as #token=T)\n"
            "xn serve runs the program 'stream' in real time with --ros2 (with --web instead,\n"
            "unless --ros2 is given too): the robot holds and follows ROS 2 commands, or the\n"
            "console's jogging, until Ctrl-C or the console's stop.\n"
            "Ctrl-C or SIGTERM: stop category 1 (brake, then power off), then the log and report;\n"
            "a second one: stop category 0 (power off at once).\n"
            "Exit status: 0 program completed, 1 bad input, 3 the robot stopped on a fault,\n"
            "130 stopped by a signal.\n",
            XN_DEFAULT_ROBOT);
    return f == stdout ? 0 : 1;
}

/* Put the rated limits into the controller's configuration (controlled joint k is the k-th
 * commandable joint of the robot). */
static int apply_limits(const xn_rated_limits *rl, const char *path, xn_controller_config *cfg,
                        const xn_hal *hal) {
    for (int i = 0; i < rl->n; i++) {
        int k = -1, seen = 0;
        for (int h = 0; h < hal->njoint; h++) {
            if (!hal->joint_info[h].commandable) continue;
            if (strcmp(hal->joint_info[h].name, rl->name[i]) == 0) k = seen;
            seen++;
        }
        if (k < 0)
            return xn_cli_error("%s: joint \"%s\" is not a commandable joint of the robot", path,
                                rl->name[i]);
        xn_real *dst[3] = {&cfg->max_velocity[k], &cfg->max_acceleration[k], &cfg->max_jerk[k]};
        for (int f = 0; f < 3; f++)
            if (rl->value[i][f] > 0) *dst[f] = rl->value[i][f];
    }
    return 0;
}

/* ---- the modes for `set shaper auto` (written by xn tune-shaper) ---- */

static int read_shaper_table(const char *path, xn_shaper_table *t) {
    xn_json *j = xn_cli_json_file(path);
    if (!j) return -1;
    memset(t, 0, sizeof *t);
    t->type = XN_SHAPER_ZVD;
    t->v_tol = 0.05;
    const xn_json *kind = xn_json_get(j, "shaper"), *tol = xn_json_get(j, "tolerance"),
                  *modes = xn_json_get(j, "modes");
    static const char *const kinds[4] = {"zv", "zvd", "zvdd", "ei"};
    if (kind && kind->type == XN_JSON_STRING)
        for (int k = 0; k < 4; k++)
            if (strcmp(kind->str, kinds[k]) == 0) t->type = (xn_shaper_type)k;
    if (tol && tol->type == XN_JSON_NUMBER) t->v_tol = tol->num;
    int rc = 0;
    if (!modes || modes->type != XN_JSON_ARRAY || modes->n < 1 || modes->n > XN_SHAPER_TABLE_MAX) {
        xn_cli_error("%s: expected \"modes\": an array of 1 to %d entries", path,
                     XN_SHAPER_TABLE_MAX);
        rc = -1;
    }
    for (int i = 0; rc == 0 && i < modes->n; i++) {
        const xn_json *e = &modes->items[i], *q = xn_json_get(e, "q"),
                      *f = xn_json_get(e, "frequency"), *z = xn_json_get(e, "damping");
        int n = q ? xn_json_reals(q, t->q[i], XN_OTG_MAX_DOFS) : -1;
        if (n < 1 || (i > 0 && n != t->nj) || !f || f->type != XN_JSON_NUMBER || !(f->num > 0) ||
            !z || z->type != XN_JSON_NUMBER || !(z->num >= 0 && z->num < 1)) {
            xn_cli_error("%s: mode %d needs \"q\" (the joints), \"frequency\" > 0 and "
                         "\"damping\" in [0, 1)",
                         path, i + 1);
            rc = -1;
            break;
        }
        t->nj = n;
        t->frequency[i] = f->num;
        t->damping[i] = z->num;
        t->n = i + 1;
    }
    xn_json_free(j);
    return rc;
}

/* ---- learned policies ---- */

/* A program with `policy load`: the robot (unless --robot) and the control period come from the
 * policy's description, and the controller gets the learn layer's hook. 0, or 1 after printing
 * why. */
static int policy_setup(const xn_program *prog, const char *program_path, const char **robot,
                        int64_t *period_ns, xn_policy_hook **hook) {
    for (int i = 0; i < prog->n; i++) {
        if (prog->ins[i].op != XN_OP_POLICY_LOAD) continue;
#ifdef XN_HAVE_LEARN
        static char deploy[1024], onnx[1024], dir[1024];
        static xn_deploy d;
        const char *slash = strrchr(program_path, '/');
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - program_path + 1) : 0,
                 program_path);
        xn_error err;
        if (xn_deploy_locate(prog->ins[i].path, dir, deploy, onnx, sizeof deploy, &err) ||
            xn_deploy_load(deploy, &d, &err)) {
            fprintf(stderr, "xn: %s:%d: %s: %s\n", program_path, prog->ins[i].line, err.file,
                    err.message);
            return 1;
        }
        *period_ns = (int64_t)llround(d.simulation_dt * 1e9);
        if (!*robot && d.model[0]) *robot = d.model;
        *hook = xn_locomotion_hook_create();
        return *hook ? 0 : 1;
#else
        (void)robot;
        (void)period_ns;
        (void)hook;
        fprintf(stderr, "xn: %s:%d: this xn was built without the learned-control layer\n",
                program_path, prog->ins[i].line);
        return 1;
#endif
    }
    return 0;
}

/* ---- the run ---- */

typedef struct {
    xn_controller *c;
    FILE *log;
    int nj;
    int quiet, tty;
    double next_status_s;
    int last_line;
    int program_ended, faulted, stop_requested;
    double max_err[XN_OTG_MAX_DOFS], max_tau[XN_OTG_MAX_DOFS];
    double max_err_motion_s; /* when the largest error occurred */
    long samples;
    char pending_events[1024]; /* events not yet written to the log */
    const xn_program *prog;
    char *source;       /* the program's text, to show the line being run */
    const char **lines; /* start of each line in source */
    int nlines;
    volatile int done; /* real-time mode: the loop thread finished */
    /* --inject: a fault drill */
    xn_hal *hal;
    int inject_joint;
    xn_inject_kind inject_kind;
    int64_t inject_at_ns;
    int injected;
    /* a walking robot */
    xn_policy_hook *hook;
    walk_log *walk;
    /* a balancing humanoid */
    balance_log *bal;
    replay_log *replay; /* --report: the 3D replay */
    int console;        /* --web: the console's stop button may end the run */
} run_state;

/* Keep the program's text so that progress can show each line as it starts. */
static void keep_source(run_state *rs, const char *path) {
    size_t len;
    FILE *f = fopen(path, "rb");
    if (!f) return;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    rs->source = n >= 0 ? malloc((size_t)n + 1) : NULL;
    len = rs->source ? fread(rs->source, 1, (size_t)n, f) : 0;
    fclose(f);
    if (!rs->source) return;
    rs->source[len] = 0;
    int count = 1;
    for (size_t i = 0; i < len; i++) count += rs->source[i] == '\n';
    rs->lines = malloc((size_t)count * sizeof *rs->lines);
    if (!rs->lines) return;
    rs->lines[0] = rs->source;
    rs->nlines = 1;
    for (size_t i = 0; i < len; i++)
        if (rs->source[i] == '\n') {
            rs->source[i] = 0;
            rs->lines[rs->nlines++] = rs->source + i + 1;
        }
}

static void status_line(run_state *rs, const xn_ctl_sample *s) {
    double worst = 0;
    for (int k = 0; k < rs->nj; k++) worst = fmax(worst, rs->max_err[k]);
    if (rs->tty)
        fprintf(stderr, "\r  t %7.3f s   line %3d   %-9s   max tracking error %.3f mrad   ",
                (double)s->time_ns * 1e-9, s->line, xn_ctl_state_str(s->state), worst * 1e3);
}

static void drain(run_state *rs) {
    xn_event ev;
    while (xn_controller_next_event(rs->c, &ev)) {
        if (ev.code == XN_EV_PROGRAM_END) rs->program_ended = 1;
        replay_log_event(rs->replay, (double)ev.time_ns * 1e-9, ev.code, ev.text);
        /* a stop asked for by a person (a signal, the console's button) before the program
         * ended or a fault stopped the robot; the loop's own stop at its end is not one */
        if (ev.code == XN_EV_STOP_REQUEST &&
            (run_signals_count() > 0 || (!rs->program_ended && !rs->faulted && rs->console)))
            rs->stop_requested = 1;
        if (ev.code == XN_EV_QUICK_STOP || ev.code == XN_EV_DRIVE_FAULT ||
            ev.code == XN_EV_SENSOR_NAN || ev.code == XN_EV_SENSOR_STALE ||
            ev.code == XN_EV_WATCHDOG)
            rs->faulted = 1;
        int important = ev.code != XN_EV_LINE;
        if (!rs->quiet && (important || ev.line != rs->last_line)) {
            if (rs->tty) fputc('\r', stderr);
            if (ev.code == XN_EV_LINE) {
                /* show the program line being started */
                const char *text =
                    ev.line >= 1 && ev.line <= rs->nlines ? rs->lines[ev.line - 1] : "";
                while (*text == ' ' || *text == '\t') text++;
                fprintf(stderr, "  t %7.3f s   line %-3d %s\n", (double)ev.time_ns * 1e-9, ev.line,
                        text);
            } else {
                fprintf(stderr, "  t %7.3f s   %s: %s\n", (double)ev.time_ns * 1e-9,
                        xn_event_str(ev.code), ev.text);
            }
            rs->last_line = ev.line;
        }
        size_t n = strlen(rs->pending_events);
        if (n + 8 < sizeof rs->pending_events)
            snprintf(rs->pending_events + n, sizeof rs->pending_events - n, "%s%s: %s",
                     n ? "; " : "", xn_event_str(ev.code), ev.text);
    }
    xn_ctl_sample s;
    while (xn_controller_next_sample(rs->c, &s)) {
        int tracking =
            s.state == XN_CTL_RUNNING || s.state == XN_CTL_STOPPING || s.state == XN_CTL_DONE;
        for (int k = 0; k < rs->nj; k++) {
            double e = fabs(s.q_ref[k] - s.q[k]);
            if (tracking && e > rs->max_err[k]) rs->max_err[k] = e;
            if (tracking && fabs(s.tau[k]) > rs->max_tau[k]) rs->max_tau[k] = fabs(s.tau[k]);
        }
        rs->samples++;
        if (rs->bal) balance_log_add(rs->bal, &s);
        replay_log_sample(rs->replay, &s);
        if (rs->log) {
            fprintf(rs->log, "%.6f,%d,%s", (double)s.time_ns * 1e-9, s.line,
                    xn_ctl_state_str(s.state));
            for (int k = 0; k < rs->nj; k++)
                fprintf(rs->log, ",%.9g,%.9g,%.6g,%.9g,%.9g,%.6g", s.q[k], s.v[k], s.tau[k],
                        s.q_ref[k], s.v_ref[k], s.a_ref[k]);
            if (s.has_tracker)
                fprintf(rs->log, ",%.9g,%.9g,%.9g", s.tracker[0], s.tracker[1], s.tracker[2]);
            /* events: quoted, inner quotes doubled (RFC 4180) */
            fputs(",\"", rs->log);
            for (const char *p = rs->pending_events; *p; p++) {
                if (*p == '"') fputc('"', rs->log);
                fputc(*p, rs->log);
            }
            fputs("\"\n", rs->log);
        }
        rs->pending_events[0] = 0;
        if (!rs->quiet && (double)s.time_ns * 1e-9 >= rs->next_status_s) {
            status_line(rs, &s);
            rs->next_status_s += 0.1;
        }
    }
}

static int after_cycle(void *user, xn_controller *c) {
    run_state *rs = user;
    drain(rs);
#ifdef XN_HAVE_LEARN
    const xn_locomotion *l = rs->hook ? xn_locomotion_hook_active(rs->hook) : NULL;
    if (l && rs->walk) {
        xn_real cmd[3];
        xn_locomotion_get_command(l, cmd);
        const xn_ctl_sample *s = xn_controller_sample(c);
        walk_log_add(rs->walk, (double)s->time_ns * 1e-9, s->line, cmd, rs->hal);
    }
#else
    (void)c;
#endif
    if (rs->inject_joint >= 0 && !rs->injected && rs->hal->time_ns >= rs->inject_at_ns) {
        xn_hal_inject(rs->hal, rs->inject_joint, rs->inject_kind);
        rs->injected = 1;
    }
    return 0;
}

/* --inject JOINT:KIND@SECONDS, KIND one of nan, stale, fault. */
static int parse_inject(const char *spec, const xn_hal *hal, run_state *rs) {
    char joint[64], kind[16];
    double at;
    int n = 0;
    if (sscanf(spec, "%63[^:]:%15[^@]@%lf%n", joint, kind, &at, &n) != 3 || spec[n] || !(at >= 0))
        return xn_cli_error("--inject expects JOINT:KIND@SECONDS (KIND: nan, stale or fault), "
                            "got '%s'",
                            spec);
    rs->inject_joint = xn_hal_joint_id(hal, joint);
    if (rs->inject_joint < 0) return xn_cli_error("--inject: the robot has no joint '%s'", joint);
    if (strcmp(kind, "nan") == 0)
        rs->inject_kind = XN_INJECT_SENSOR_NAN;
    else if (strcmp(kind, "stale") == 0)
        rs->inject_kind = XN_INJECT_SENSOR_STALE;
    else if (strcmp(kind, "fault") == 0)
        rs->inject_kind = XN_INJECT_DRIVE_FAULT;
    else
        return xn_cli_error("--inject: unknown fault '%s' (nan, stale or fault)", kind);
    rs->inject_at_ns = (int64_t)llround(at * 1e9);
    return 0;
}

typedef struct {
    xn_controller *c;
    xn_hal *hal;
    xn_loop_config *cfg;
    xn_loop_report *report;
    xn_status st;
    run_state *rs;
} loop_job;

static void *loop_thread(void *arg) {
    loop_job *job = arg;
    job->st = xn_loop_run(job->c, job->hal, job->cfg, job->report);
    job->rs->done = 1;
    return NULL;
}

static int make_dir(const char *path) {
    if (mkdir(path, 0777) == 0 || errno == EEXIST) return 0;
    return xn_cli_error("cannot create the report folder %s: %s", path, strerror(errno));
}

static void write_log_header(FILE *f, xn_controller *c, int nj, int tracker) {
    fputs("time,line,state", f);
    for (int k = 0; k < nj; k++) {
        const char *n = xn_controller_joint_name(c, k);
        fprintf(f, ",q_%s,qd_%s,tau_%s,qref_%s,qdref_%s,qddref_%s", n, n, n, n, n, n);
    }
    if (tracker) fputs(",tool_x,tool_y,tool_z", f);
    fputs(",events\n", f);
}

static const char *result_text(const run_state *rs, int long_form) {
    if (rs->stop_requested) return "stopped on request (a stop signal or the console)";
    if (rs->faulted)
        return long_form ? "stopped on a fault (see the events above)" : "stopped on a fault";
    return rs->program_ended ? (long_form ? "program completed" : "completed") : "stopped";
}

static void print_stats(const char *label, const char *what, const xn_stats *st) {
    printf("  %-12s %s p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us\n", label, what,
           xn_stats_quantile(st, 0.5) * 1e-3, xn_stats_quantile(st, 0.99) * 1e-3,
           xn_stats_quantile(st, 0.999) * 1e-3, st->max_ns * 1e-3);
}

static void print_summary(const run_state *rs, const xn_loop_report *lr, xn_controller *c,
                          const char *limits_source) {
    printf("\nsummary\n");
    printf("  result       %s\n", result_text(rs, 1));
    printf("  end          %s; %s after %ld shutdown cycles\n", xn_loop_end_str(lr->end),
           lr->powered_off ? "every drive powered off" : "the drives were NOT seen powered off",
           lr->shutdown_cycles);
    printf("  duration     %.3f s robot time, %.3f s wall clock (%.1fx real time)\n", lr->robot_s,
           lr->wall_s, lr->wall_s > 0 ? lr->robot_s / lr->wall_s : 0);
    printf("  cycles       %ld (overruns %ld, late wake-ups %ld)\n", lr->cycles, lr->overruns,
           lr->late_wakeups);
    print_stats("compute", "wall", &lr->compute);
    print_stats("", "CPU ", &lr->compute_cpu);
    if (lr->jitter.count)
        printf("  wake-up      p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us late\n",
               xn_stats_quantile(&lr->jitter, 0.5) * 1e-3,
               xn_stats_quantile(&lr->jitter, 0.99) * 1e-3,
               xn_stats_quantile(&lr->jitter, 0.999) * 1e-3, lr->jitter.max_ns * 1e-3);
    if (lr->note[0]) printf("  real time    %s\n", lr->note);
    if (limits_source[0]) printf("  rated limits %s\n", limits_source);
    printf("  %-10s %16s %14s\n", "joint", "max |error| mrad", "max |tau| N m");
    for (int k = 0; k < rs->nj; k++)
        printf("  %-10s %16.4f %14.2f\n", xn_controller_joint_name(c, k), rs->max_err[k] * 1e3,
               rs->max_tau[k]);
}

/* The EtherCAT bus's figures: the process data frame's round trip, frames lost, and the
 * distributed clocks' differences and the cycle's phase at the reference clock. */
static void print_bus(const xn_hal *hal) {
    static xn_ecat_hal_report r;
    if (xn_ecat_hal_report_get(hal, &r, NULL) != XN_OK) return;
    print_stats("EtherCAT", "trip", &r.round_trip);
    printf("               frames sent %ld, lost %ld, late %ld, malformed %ld\n",
           r.frames.frames_sent, r.frames.frames_lost, r.frames.frames_stale,
           r.frames.frames_malformed);
    if (r.dc.active)
        printf("  clocks       slaves' difference from the reference RMS %.0f ns, max %lld ns "
               "(%ld read); cycle phase |p99| %.1f us, max %.1f us (SYNC0 %.0f us after)\n",
               r.dc_diff_rms_ns, (long long)r.dc.diff_max_ns, r.dc_diff_count,
               xn_stats_quantile(&r.phase, 0.99) * 1e-3, r.phase.max_ns * 1e-3,
               (double)r.dc.shift_ns * 1e-3);
    else
        printf("  clocks       distributed clocks off: each drive acts on the frame\n");
}

/* xn run, and xn serve (serve: no program file: the controller holds and follows streamed
 * commands, in real time, with the ROS 2 bridge) */
static int run_command(int argc, char **argv, int serve) {
    const char *program_path = NULL, *robot = NULL, *backend = "mujoco", *log_path = NULL,
               *report_dir = NULL, *limits_path = NULL, *mode = "torque", *inject = NULL,
               *model_path = NULL, *shaper_table = NULL, *tf_list = NULL, *bus_path = NULL,
               *friction_path = NULL;
    int realtime = serve, quiet = 0, ros2 = serve, ros2_asked = 0, web = 0;
    const char *web_listen = NULL, *web_token = NULL;
    double bandwidth = 0, max_time = 600, noise = 0, drive_gains[2] = {0, 0}, watchdog_ms = -1;
    long latency = 0, counts = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) return usage(stdout);
        if (strcmp(a, "--ros2") == 0)
            ros2 = ros2_asked = 1;
        else if (strcmp(a, "--web") == 0)
            web = 1;
        else if (strcmp(a, "--listen") == 0 && more)
            web_listen = argv[++i];
        else if (strcmp(a, "--token") == 0 && more)
            web_token = argv[++i];
        else if (strcmp(a, "--tf") == 0 && more)
            tf_list = argv[++i];
        else if (strcmp(a, "--realtime") == 0)
            realtime = 1;
        else if (strcmp(a, "--quiet") == 0)
            quiet = 1;
        else if (a[0] == '-' && a[1] == '-' && !more)
            return xn_cli_error("%s needs a value (see xn run --help)", a);
        else if (strcmp(a, "--robot") == 0)
            robot = argv[++i];
        else if (strcmp(a, "--backend") == 0)
            backend = argv[++i];
        else if (strcmp(a, "--log") == 0)
            log_path = argv[++i];
        else if (strcmp(a, "--bus") == 0)
            bus_path = argv[++i];
        else if (strcmp(a, "--report") == 0)
            report_dir = argv[++i];
        else if (strcmp(a, "--limits") == 0)
            limits_path = argv[++i];
        else if (strcmp(a, "--friction") == 0)
            friction_path = argv[++i];
        else if (strcmp(a, "--mode") == 0)
            mode = argv[++i];
        else if (strcmp(a, "--inject") == 0)
            inject = argv[++i];
        else if (strcmp(a, "--model") == 0)
            model_path = argv[++i];
        else if (strcmp(a, "--shaper-table") == 0)
            shaper_table = argv[++i];
        else if (strcmp(a, "--drive-gains") == 0) {
            if (xn_cli_list(argv[++i], drive_gains, 2) != 2 || !(drive_gains[0] > 0) ||
                !(drive_gains[1] > 0))
                return xn_cli_error("--drive-gains expects KP,KD (both > 0), got '%s'", argv[i]);
        } else if (strcmp(a, "--bandwidth") == 0 || strcmp(a, "--max-time") == 0 ||
                   strcmp(a, "--position-noise") == 0 || strcmp(a, "--watchdog-margin") == 0) {
            char *end;
            double x = strtod(argv[++i], &end);
            if (*end || !(x >= 0) || !isfinite(x) || (a[2] == 'w' && x > 1000))
                return xn_cli_error("%s expects a number >= 0%s, got '%s'", a,
                                    a[2] == 'w' ? " and <= 1000 (ms)" : "", argv[i]);
            if (a[2] == 'b')
                bandwidth = x;
            else if (a[2] == 'm')
                max_time = x;
            else if (a[2] == 'w')
                watchdog_ms = x;
            else
                noise = x;
        } else if (strcmp(a, "--latency") == 0 || strcmp(a, "--encoder-counts") == 0) {
            char *end;
            long x = strtol(argv[++i], &end, 10);
            if (*end || x < 0 || x > 100000000)
                return xn_cli_error("%s expects a whole number >= 0, got '%s'", a, argv[i]);
            if (a[2] == 'l')
                latency = x;
            else
                counts = x;
        } else if (a[0] == '-')
            return xn_cli_error("unknown option %s (see xn run --help)", a);
        else if (!program_path && !serve)
            program_path = a;
        else
            return xn_cli_error("one program at a time (got '%s' and '%s')", program_path, a);
    }
    if (serve) program_path = "xn serve";
    if (!program_path) return usage(stderr);
    if (web && serve && !ros2_asked) ros2 = 0; /* the console instead of ROS 2 */
    if (ros2 && !realtime)
        return xn_cli_error("--ros2 needs --realtime: ROS 2 clients live on the wall clock");
    if (web && !realtime)
        return xn_cli_error("--web needs --realtime: the console lives on the wall clock");
    if ((web_listen || web_token) && !web)
        return xn_cli_error("--listen and --token go with --web");
#ifndef XN_HAVE_ROS2
    if (ros2) return xn_cli_error("this xn was built without the ROS 2 bridge (Cyclone DDS)");
#endif
    if (strcmp(mode, "torque") != 0 && strcmp(mode, "position") != 0)
        return xn_cli_error("--mode is torque or position, not '%s'", mode);
    xn_error err;
    xn_program *prog = NULL;
    static const char serve_program[] = "stream\n"; /* held until a client ends it */
    xn_status pst =
        serve ? xn_program_parse(serve_program, sizeof serve_program - 1, "xn serve", &prog, &err)
              : xn_program_load(program_path, &prog, &err);
    if (pst != XN_OK) {
        if (err.line)
            fprintf(stderr, "xn: %s:%d: %s\n", err.file, err.line, err.message);
        else
            fprintf(stderr, "xn: %s: %s\n", program_path, err.message);
        return 1;
    }
    /* a program that loads a policy runs on the policy's robot, at the policy's period */
    int64_t period_ns = 1000000;
    xn_policy_hook *hook = NULL;
    if (policy_setup(prog, program_path, &robot, &period_ns, &hook)) {
        xn_program_free(prog);
        return 1;
    }
    /* a program that loads a balance description runs on the robot it names, from its keyframe */
    static xn_humanoid_config hum;
    static char bal_scene[1024], bal_key[64];
    int have_bal = 0;
    if (balance_describe(prog, program_path, &hum, &have_bal, bal_scene, sizeof bal_scene, bal_key,
                         sizeof bal_key)) {
        xn_program_free(prog);
        return 1;
    }
    if (have_bal && !robot && bal_scene[0]) robot = bal_scene;
    if (!robot) robot = XN_DEFAULT_ROBOT;
    /* the controller's model: the scene itself, or (--model) a different description, such as
     * the rigid model of a robot whose simulation has elastic joints */
    xn_model *m = xn_cli_load(model_path ? model_path : robot, 0, 0);
    if (!m) {
        xn_program_free(prog);
        return 1;
    }
    if (have_bal && balance_bind(NULL, m, &hum)) {
        xn_model_free(m);
        xn_program_free(prog);
        return 1;
    }
    char default_limits[4096];
    const char *slash = strrchr(robot, '/');
    snprintf(default_limits, sizeof default_limits, "%.*slimits.json",
             slash ? (int)(slash - robot + 1) : 0, robot);
    if (!limits_path) limits_path = default_limits;
    xn_rated_limits *rl = calloc(1, sizeof *rl);
    int have_limits = rl ? xn_cli_read_limits(limits_path, limits_path != default_limits, rl) : -1;
    if (have_limits < 0) {
        free(rl);
        xn_model_free(m);
        xn_program_free(prog);
        return 1;
    }
    xn_hal *hal = NULL;
    xn_status st;
    if (strcmp(backend, "loopback") == 0) {
        /* the joints the limits file names are the ones to command (else every joint) */
        const char *names[XN_OTG_MAX_DOFS];
        for (int i = 0; i < rl->n; i++) names[i] = rl->name[i];
        st = xn_loopback_open(m, NULL, 1000000, have_limits ? names : NULL, rl->n, &hal, &err);
    } else if (strcmp(backend, "mujoco") == 0) {
#ifdef XN_HAVE_MUJOCO
        xn_mujoco_options mo = {0};
        mo.period_ns = period_ns;
        mo.latency_cycles = (int)latency;
        mo.encoder_counts = counts;
        mo.position_noise = noise;
        mo.drive.kp = drive_gains[0];
        mo.drive.kd = drive_gains[1];
        if (have_bal && bal_key[0]) mo.keyframe = bal_key;
        st = xn_mujoco_open(robot, &mo, &hal, &err);
#else
        st = XN_ERR_UNSUPPORTED;
        snprintf(err.message, sizeof err.message, "this xn was built without MuJoCo");
        snprintf(err.file, sizeof err.file, "%s", robot);
#endif
    } else if (strcmp(backend, "ethercat") == 0) {
        /* the drives on an EtherCAT segment, as the bus description says */
        xn_ecat_bus *bus = calloc(1, sizeof *bus);
        st = !bus ? XN_ERR_NOMEM : !bus_path ? XN_ERR_INVALID : XN_OK;
        if (st == XN_ERR_INVALID) {
            snprintf(err.file, sizeof err.file, "--backend ethercat");
            snprintf(err.message, sizeof err.message, "needs --bus BUS.json (docs/ethercat.md)");
        }
        if (st == XN_OK) st = xn_ecat_bus_load(bus_path, bus, &err);
        if (st == XN_OK) st = xn_ecat_hal_open(bus, NULL, period_ns, &hal, &err);
        free(bus);
    } else {
        st = XN_ERR_INVALID;
        snprintf(err.file, sizeof err.file, "--backend");
        snprintf(err.message, sizeof err.message,
                 "unknown backend '%s' (mujoco, loopback or ethercat)", backend);
    }
    int rc = 1;
    xn_controller *c = NULL;
#ifdef XN_HAVE_ROS2
    xn_ros2 *bridge = NULL;
#endif
    FILE *logf = NULL;
    run_state *rs = NULL;
    struct xn_web *console = NULL; /* --web */
    char log_buf[4096];
    if (st != XN_OK) {
        fprintf(stderr, "xn: %s: %s\n", err.file, err.message);
        goto out;
    }
    xn_controller_config cfg;
    xn_controller_config_init(&cfg);
    cfg.command_mode = strcmp(mode, "position") == 0 ? XN_CMD_POSITION : XN_CMD_TORQUE;
    if (bandwidth > 0) cfg.bandwidth = bandwidth;
    static xn_shaper_table table;
    if (shaper_table) {
        if (read_shaper_table(shaper_table, &table)) goto out;
        cfg.shaper_table = &table;
    }
    cfg.policy_hook = hook;
    if (have_bal) cfg.humanoid = &hum;
    const char *limits_source = rl->source;
    if (have_limits && apply_limits(rl, limits_path, &cfg, hal)) goto out;
    if (friction_path && xn_run_apply_friction(friction_path, m, hal, &cfg)) goto out;
    st = xn_controller_create(m, hal, prog, &cfg, &c, &err);
    if (st != XN_OK) {
        if (err.line)
            fprintf(stderr, "xn: %s:%d: %s\n", err.file, err.line, err.message);
        else
            fprintf(stderr, "xn: %s: %s\n", err.file, err.message);
        goto out;
    }
    char report_log[4096];
    if (report_dir) {
        if (make_dir(report_dir)) goto out;
        snprintf(report_log, sizeof report_log, "%s/log.csv", report_dir);
        if (!log_path) log_path = report_log;
    }
    if (log_path) {
        logf = fopen(log_path, "w");
        if (!logf) {
            xn_cli_error("cannot write the log %s: %s", log_path, strerror(errno));
            goto out;
        }
        setvbuf(logf, log_buf, _IOFBF, sizeof log_buf);
    }
    rs = calloc(1, sizeof *rs);
    if (!rs) goto out;
    rs->c = c;
    rs->log = logf;
    rs->nj = xn_controller_njoint(c);
    rs->quiet = quiet;
    rs->tty = isatty(2);
    rs->prog = prog;
    rs->last_line = -1;
    rs->hal = hal;
    rs->hook = hook;
    if (hook) rs->walk = walk_log_create();
    if (have_bal) rs->bal = balance_log_create();
    if (report_dir) /* in real time the log is drained by another thread than the simulator's */
        rs->replay =
            replay_log_create(robot, have_bal && bal_key[0] ? bal_key : NULL, c, hal, !realtime);
    rs->inject_joint = -1;
    if (inject && (realtime || parse_inject(inject, hal, rs))) {
        if (realtime) xn_cli_error("--inject works in simulation (without --realtime)");
        goto out;
    }
    keep_source(rs, program_path);
    if (logf) write_log_header(logf, c, rs->nj, hal->ntracker > 0);
    if (!quiet)
        fprintf(stderr, "xn %s%s on %s (%s backend, %d joints, %s, %s)\n", serve ? "serve" : "run ",
                serve ? "" : program_path, robot, hal->ops->name, rs->nj,
                realtime ? "real time" : "simulation lockstep",
                hook                                ? "joint PD under a learned policy"
                : cfg.command_mode == XN_CMD_TORQUE ? "computed torque"
                                                    : "drive position servo");
    xn_loop_config lc;
    xn_loop_config_init(&lc);
    lc.realtime = realtime;
    lc.max_time_s = max_time;
    if (watchdog_ms >= 0) lc.watchdog_margin_ns = (int64_t)llround(watchdog_ms * 1e6);
    xn_loop_report lr;
    run_signals_install(c);
#ifdef XN_HAVE_ROS2
    if (ros2) {
        /* the model's own text on /robot_description (a URDF is what RViz reads) */
        xn_ros2_config rc;
        xn_ros2_config_init(&rc);
        size_t text_len;
        char *text = xn_cli_slurp(model_path ? model_path : robot, &text_len); /* loaded above */
        rc.robot_description = text && text[0] ? text : NULL;
        /* --tf a,b,c: those frames on /tf */
        static char tf_buf[1024];
        static const char *tf_names[64];
        if (tf_list) {
            snprintf(tf_buf, sizeof tf_buf, "%s", tf_list);
            for (char *save = NULL, *t = strtok_r(tf_buf, ",", &save); t && rc.ntf < 64;
                 t = strtok_r(NULL, ",", &save))
                tf_names[rc.ntf++] = t;
            rc.model = m;
            rc.tf_frames = tf_names;
        }
        xn_status bst = xn_ros2_start(c, &rc, &bridge, &err);
        free(text);
        if (bst != XN_OK) {
            xn_cli_error("ROS 2: %s", err.message);
            goto out;
        }
        if (!quiet)
            fprintf(stderr,
                    "xn: ROS 2 (DDS domain %s): /joint_states published, /joint_commands "
                    "followed%s\n",
                    getenv("ROS_DOMAIN_ID") ? getenv("ROS_DOMAIN_ID") : "0",
                    serve ? "; Ctrl-C stops" : " while a stream line runs");
    }
#endif
    rs->console = web;
    if (web && !(console = run_web_start(robot, have_bal && bal_key[0] ? bal_key : NULL, m, c,
                                         web_listen, web_token, program_path)))
        goto out;
    if (!realtime) {
        lc.after_cycle = after_cycle;
        lc.user = rs;
        st = xn_loop_run(c, hal, &lc, &lr);
    } else {
        /* the loop in its own thread; this one drains the rings and writes the log */
        loop_job job = {c, hal, &lc, &lr, XN_OK, rs};
        pthread_t th;
        if (pthread_create(&th, NULL, loop_thread, &job) != 0) {
            xn_cli_error("cannot start the control thread");
            goto out;
        }
        while (!rs->done) {
            struct timespec ts = {0, 10000000};
            nanosleep(&ts, NULL);
            drain(rs);
        }
        pthread_join(th, NULL);
        st = job.st;
    }
    run_signals_remove();
    run_web_stop(console);
    console = NULL;
#ifdef XN_HAVE_ROS2
    if (bridge) {
        xn_ros2_stats bs;
        xn_ros2_get_stats(bridge, &bs);
        xn_ros2_stop(bridge);
        bridge = NULL;
        printf("ROS 2: %ld joint states published; %ld commands, %ld accepted, %ld refused%s%s\n",
               bs.states_published, bs.commands_received, bs.commands_accepted, bs.commands_refused,
               bs.last_refusal[0] ? " (last: " : "", bs.last_refusal);
    }
#endif
    drain(rs);
    if (rs->tty && !quiet) fputc('\n', stderr);
    if (st != XN_OK) {
        if (st == XN_ERR_TIMEOUT)
            xn_cli_error("the drives did not power off within %.1f s", lc.shutdown_time_s);
        else
            xn_cli_error("the %s backend failed: %s", hal->ops->name, xn_status_str(st));
        rs->faulted = 1;
    }
    const char *bus_problem = xn_ecat_hal_problem(hal); /* a fieldbus names the device */
    if (bus_problem && bus_problem[0]) xn_cli_error("EtherCAT: %s", bus_problem);
    print_summary(rs, &lr, c, limits_source);
    if (bus_problem) print_bus(hal);
    if (xn_controller_samples_lost(c) || xn_controller_events_lost(c))
        printf("  lost         %ld log samples, %ld events (the log was not drained in time)\n",
               xn_controller_samples_lost(c), xn_controller_events_lost(c));
    if (logf) {
        fclose(logf);
        logf = NULL;
        printf("  log          %s\n", log_path);
    }
    static xn_vib_report vib;
    int have_vib = 0;
    char vib_dat[4200] = "";
    if (report_dir) snprintf(vib_dat, sizeof vib_dat, "%s/vibration.dat", report_dir);
    if (log_path && hal->ntracker > 0 &&
        xn_vib_analyse_to(log_path, 0.2, &vib, vib_dat[0] ? vib_dat : NULL) == 0 && vib.n > 0) {
        have_vib = 1;
        printf("  residual vibration at the tool after each motion (position tracker '%s')\n",
               hal->tracker_name[0]);
        printf("  %-6s %-14s %-16s %s\n", "line", "residual (mm)", "settling (ms)", "mode");
        for (int i = 0; i < vib.n; i++) {
            const xn_vib_stop *v = &vib.stop[i];
            char mode[64] = "-";
            if (v->has_mode && v->mode.fit > 0.9 && v->residual > 2e-5)
                snprintf(mode, sizeof mode, "%.2f Hz, damping %.3f", v->mode.frequency,
                         v->mode.damping);
            printf("  %-6d %-14.4f %-16.0f %s\n", v->line, v->residual * 1e3, v->settling * 1e3,
                   mode);
        }
    }
    char *walk_html = rs->walk ? walk_log_write(rs->walk, prog, report_dir, stdout) : NULL;
    char *bal_html = rs->bal ? balance_log_write(rs->bal, report_dir, stdout) : NULL;
    if (report_dir) {
        xn_run_summary sum = {0};
        sum.locomotion_html = walk_html;
        sum.balance_html = bal_html;
        sum.program = program_path;
        sum.robot = robot;
        sum.backend = hal->ops->name;
        sum.nj = rs->nj;
        for (int k = 0; k < rs->nj; k++) {
            sum.joint[k] = xn_controller_joint_name(c, k);
            sum.max_err[k] = rs->max_err[k];
            sum.max_tau[k] = rs->max_tau[k];
        }
        sum.loop = &lr;
        sum.result = result_text(rs, 0);
        sum.limits_source = limits_source;
        sum.vibration = have_vib ? &vib : NULL;
        /* the replay first, so that the report's page can link to it */
        sum.replay = rs->replay && replay_log_write(rs->replay, report_dir, program_path,
                                                    sum.result, stdout) == 0;
        if (xn_run_write_report(report_dir, log_path, &sum) == 0)
            printf("  report       %s/index.html\n", report_dir);
    }
    free(walk_html);
    free(bal_html);
    rc = rs->stop_requested ? 130 : rs->faulted ? 3 : 0;
out:
#ifdef XN_HAVE_ROS2
    xn_ros2_stop(bridge);
#endif
    run_web_stop(console);
    if (logf) fclose(logf);
    free(rl);
    if (rs) {
        free(rs->lines);
        free(rs->source);
        walk_log_free(rs->walk);
        balance_log_free(rs->bal);
        replay_log_free(rs->replay);
    }
    free(rs);
    xn_controller_free(c);
#ifdef XN_HAVE_LEARN
    xn_locomotion_hook_free(hook);
#endif
    xn_hal_close(hal);
    xn_model_free(m);
    xn_program_free(prog);
    return rc;
}

int xn_cmd_run(int argc, char **argv) { return run_command(argc, argv, 0); }
int xn_cmd_serve(int argc, char **argv) { return run_command(argc, argv, 1); }
