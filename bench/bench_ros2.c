/* The ROS 2 bridge's costs, on the Panda on the loopback robot in real time:
 * 1. latency from a client's dds_write of a /joint_commands sample to the end of the first
 *    control cycle whose drive command moves toward it (the command crosses the loopback
 *    network, the bridge's thread, the stream's triple buffer and one control step), p50/p99;
 * 2. what publishing /joint_states at 1 kHz adds to the control step: its CPU time p50/p99 with
 *    the bridge running and without, in the same process, one after the other.
 * The client is another participant in this process (its own thread), talking over UDP on the
 * loopback interface only. Usage: bench_ros2 [SECONDS per phase, default 5]
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dds/dds.h>

#include "ros2/dds_loopback.h"
#include "std_msgs.h"
#include "xiaonao/ros2.h"
#include "xiaonao/xiaonao.h"

#define PANDA_SCENE XN_MODELS_DIR "/mjcf/franka_panda/scene.xml"
#define MAX_SAMPLES 4096

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* the shared state of the client thread and the loop's after_cycle */
typedef struct {
    xn_hal *hal;
    atomic_llong sent_ns; /* when the pending command was written (0: none pending) */
    atomic_int target;    /* 0 or 1: which of the two poses it asks for */
    double pose[2][7];
    long long lat[MAX_SAMPLES];
    atomic_int nlat;
    atomic_int quit;
    double seconds;
} shared;

/* after each cycle: has the drive command left the old pose toward the new one? */
static int after(void *user, xn_controller *c) {
    shared *sh = user;
    (void)c;
    long long sent = atomic_load(&sh->sent_ns);
    if (!sent) return atomic_load(&sh->quit);
    int t = atomic_load(&sh->target);
    double from = sh->pose[1 - t][0], cmd = sh->hal->command[0].position;
    if (fabs(cmd - from) > 1e-9) {
        int n = atomic_load(&sh->nlat);
        if (n < MAX_SAMPLES) sh->lat[n] = mono_ns() - sent;
        atomic_store(&sh->nlat, n + 1);
        atomic_store(&sh->sent_ns, 0);
    }
    return atomic_load(&sh->quit);
}

static void sleep_ns(int64_t ns) {
    struct timespec ts = {(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
    nanosleep(&ts, NULL);
}

static void *client(void *arg) {
    shared *sh = arg;
    dds_entity_t p = dds_create_participant(100, NULL, NULL);
    dds_entity_t t = dds_create_topic(p, &std_msgs_msg_dds__Float64MultiArray__desc,
                                      "rt/joint_commands", NULL, NULL);
    dds_qos_t *q = dds_create_qos();
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 10);
    dds_entity_t w = dds_create_writer(p, t, q, NULL);
    dds_delete_qos(q);
    sleep_ns(1500000000LL); /* discovery */
    int64_t end = mono_ns() + (int64_t)(sh->seconds * 1e9);
    int target = 1;
    while (mono_ns() < end) {
        /* at rest at the other pose: ask for this one, keep asking at 100 Hz while it moves */
        std_msgs_msg_dds__Float64MultiArray_ m;
        memset(&m, 0, sizeof m);
        m.data = (dds_sequence_double){7, 7, sh->pose[target], false};
        atomic_store(&sh->target, target);
        atomic_store(&sh->sent_ns, mono_ns());
        dds_write(w, &m);
        for (int i = 0; i < 40; i++) {
            sleep_ns(10000000);
            dds_write(w, &m); /* the stream must not time out while it moves */
        }
        target = 1 - target;
    }
    atomic_store(&sh->quit, 1);
    dds_delete(p);
    return NULL;
}

static void stats(const char *what, long long *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_ll);
    printf("| %s | %d | %.1f | %.1f | %.1f |\n", what, n, v[n / 2] * 1e-3,
           v[(int)(0.99 * (n - 1))] * 1e-3, v[n - 1] * 1e-3);
}

/* one real-time run of `seconds` with or without the bridge; the step's CPU p50/p99 (µs) */
static int run(int bridge, double seconds, double *p50, double *p99, int latency) {
    xn_model *m = NULL;
    xn_hal *hal = NULL;
    xn_program *prog = NULL;
    xn_controller *c = NULL;
    xn_error err;
    static const char *const arm[7] = {"joint1", "joint2", "joint3", "joint4",
                                       "joint5", "joint6", "joint7"};
    static const char text[] = "stream timeout 0.5\n";
    xn_real q0[9] = {0, 0, 0, -1.57079, 0, 1.57079, -0.7853, 0.04, 0.04};
    if (xn_load_model(PANDA_SCENE, NULL, &m, &err) ||
        xn_loopback_open(m, q0, 1000000, arm, 7, &hal, &err) ||
        xn_program_parse(text, sizeof text - 1, "bench", &prog, &err))
        return fprintf(stderr, "%s\n", err.message), 1;
    xn_controller_config cfg;
    xn_controller_config_init(&cfg);
    cfg.command_mode = XN_CMD_POSITION;
    if (xn_controller_create(m, hal, prog, &cfg, &c, &err))
        return fprintf(stderr, "%s\n", err.message), 1;
    xn_ros2 *r = NULL;
    if (bridge && xn_ros2_start(c, NULL, &r, &err)) return fprintf(stderr, "%s\n", err.message), 1;
    static shared sh;
    memset(&sh, 0, sizeof sh);
    sh.hal = hal;
    sh.seconds = seconds;
    double a[7] = {0, 0, 0, -1.57079, 0, 1.57079, -0.7853},
           b[7] = {0.2, 0, 0, -1.57079, 0, 1.57079, -0.7853};
    memcpy(sh.pose[0], a, sizeof a);
    memcpy(sh.pose[1], b, sizeof b);
    pthread_t th;
    if (latency) pthread_create(&th, NULL, client, &sh);
    xn_loop_config lc;
    xn_loop_config_init(&lc);
    lc.realtime = 1;
    lc.watchdog_margin_ns = 0; /* this VM wakes up late now and then: measure, do not stop */
    lc.max_time_s = latency ? seconds + 5 : seconds;
    lc.after_cycle = after;
    lc.user = &sh;
    xn_loop_report rep;
    xn_loop_run(c, hal, &lc, &rep);
    if (latency) pthread_join(th, NULL);
    *p50 = xn_stats_quantile(&rep.compute_cpu, 0.5) * 1e-3;
    *p99 = xn_stats_quantile(&rep.compute_cpu, 0.99) * 1e-3;
    if (latency) {
        printf("| from | samples | p50 (µs) | p99 (µs) | max (µs) |\n|---|---|---|---|---|\n");
        stats("dds_write of /joint_commands to the drive command", sh.lat, atomic_load(&sh.nlat));
        xn_ros2_stats s;
        xn_ros2_get_stats(r, &s);
        printf("\n(%ld commands, %ld accepted; %ld joint states published)\n\n",
               s.commands_received, s.commands_accepted, s.states_published);
    }
    xn_ros2_stop(r);
    xn_controller_free(c);
    xn_hal_close(hal);
    xn_program_free(prog);
    xn_model_free(m);
    return 0;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 5;
    xn_dds_loopback(200); /* apart from the tests' domains (100-199) */
    printf("### ROS 2 bridge on the loopback robot, real time (%.0f s per phase)\n\n", seconds);
    double b50, b99, c50, c99, unused;
    if (run(1, seconds, &unused, &unused, 1))
        return 1; /* the latency run: its step times are
                      not the comparison's */
    /* the step's cost with and without /joint_states at 1 kHz, twice each, alternating */
    double w50[2], w99[2], o50[2], o99[2];
    for (int k = 0; k < 2; k++) {
        if (run(1, seconds, &w50[k], &w99[k], 0) || run(0, seconds, &o50[k], &o99[k], 0)) return 1;
    }
    b50 = fmin(w50[0], w50[1]), b99 = fmin(w99[0], w99[1]);
    c50 = fmin(o50[0], o50[1]), c99 = fmin(o99[0], o99[1]);
    printf("| control step CPU (µs) | p50 | p99 |\n|---|---|---|\n");
    printf("| publishing /joint_states at 1 kHz | %.2f | %.2f |\n", b50, b99);
    printf("| without the bridge | %.2f | %.2f |\n", c50, c99);
    printf("| difference | %+.2f | %+.2f |\n", b50 - c50, b99 - c99);
    printf("\n(the lesser of two runs each, alternating; p99 over %.0f s of 1 kHz cycles)\n",
           seconds);
    return 0;
}
