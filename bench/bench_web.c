/* What viewers of the console cost the control loop: `xn run PROGRAM --realtime` without the
 * console, with it and no viewer, and with 5 viewers reading the state at 50 Hz (and a sixth
 * connection that never reads), in turns, R rounds; the control step's CPU time p50, p99 and max
 * as xn's summary reports them (the loop thread's CPU time: what the machine's other work adds
 * to wall time is not in it). Median over the rounds of each statistic.
 *
 *   bench_web XN PROGRAM [ROUNDS]      e.g. bench_web build/xn examples/g1_balance.xnp 3
 * SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "web/ws_client.h"

#define VIEWERS 5

typedef struct {
    int port;
    atomic_int *stop;
    long states;
} viewer;

static void *watch(void *arg) {
    viewer *v = arg;
    ws_client c;
    if (ws_open(&c, v->port, "/ws", NULL)) return NULL;
    ws_send(&c, "{\"type\":\"hello\",\"name\":\"viewer\"}");
    while (!atomic_load(v->stop) && ws_recv(&c))
        if (strstr(c.buf, "\"type\":\"state\"")) v->states++;
    ws_close(&c);
    return NULL;
}

/* One run; its CPU p50, p99, max (us) from xn's summary. viewers < 0: without --web. */
static int run(const char *xn, const char *program, int viewers, double out[3], long *states) {
    int err_pipe[2], out_pipe[2];
    if (pipe(err_pipe) || pipe(out_pipe)) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(err_pipe[1], 2);
        dup2(out_pipe[1], 1);
        close(err_pipe[0]);
        close(out_pipe[0]);
        if (viewers < 0)
            execl(xn, xn, "run", program, "--realtime", "--quiet", "--watchdog-margin", "50",
                  (char *)NULL);
        else
            execl(xn, xn, "run", program, "--realtime", "--quiet", "--watchdog-margin", "50",
                  "--web", "--listen", "127.0.0.1:0", (char *)NULL);
        _exit(127);
    }
    close(err_pipe[1]);
    close(out_pipe[1]);
    FILE *err = fdopen(err_pipe[0], "r"), *so = fdopen(out_pipe[0], "r");
    char line[1024];
    int port = 0;
    atomic_int stop = 0;
    viewer v[VIEWERS + 1];
    pthread_t th[VIEWERS + 1];
    int started = 0;
    ws_client stalled = {.fd = -1};
    if (viewers >= 0) {
        while (fgets(line, sizeof line, err)) {
            const char *p = strstr(line, "http://127.0.0.1:");
            if (p && sscanf(p, "http://127.0.0.1:%d", &port) == 1) break;
        }
        for (int i = 0; i < viewers && port; i++) {
            v[i] = (viewer){port, &stop, 0};
            if (pthread_create(&th[i], NULL, watch, &v[i]) == 0) started++;
        }
        if (viewers > 0 && port && ws_open(&stalled, port, "/ws", NULL) == 0)
            ws_send(&stalled, "{\"type\":\"hello\",\"name\":\"stalled\"}"); /* never read */
    }
    double p50 = -1, p99 = -1, max = -1;
    while (fgets(line, sizeof line, so)) {
        const char *p = strstr(line, "CPU  p50");
        if (p) sscanf(p, "CPU  p50 %lf us, p99 %lf us, p99.9 %*f us, max %lf us", &p50, &p99, &max);
    }
    atomic_store(&stop, 1);
    *states = 0;
    for (int i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
        *states += v[i].states;
    }
    ws_close(&stalled);
    while (fgets(line, sizeof line, err)) {
    }
    fclose(err);
    fclose(so);
    int status;
    waitpid(pid, &status, 0);
    out[0] = p50, out[1] = p99, out[2] = max;
    return p50 >= 0 ? 0 : -1;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_web XN PROGRAM [ROUNDS]\n");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    int rounds = argc > 3 ? atoi(argv[3]) : 3;
    if (rounds < 1 || rounds > 20) rounds = 3;
    const int cases[3] = {-1, 0, VIEWERS};
    static const char *const names[3] = {"no console", "console, no viewer",
                                         "console, 5 viewers + 1 stalled"};
    double stat[3][3][20];
    long states[3] = {0};
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < 3; k++) { /* in turns, so that the machine's drift spreads evenly */
            double o[3];
            long s = 0;
            if (run(argv[1], argv[2], cases[k], o, &s)) {
                fprintf(stderr, "bench_web: a run of %s gave no summary\n", argv[2]);
                return 1;
            }
            for (int i = 0; i < 3; i++) stat[k][i][r] = o[i];
            states[k] += s;
            fprintf(stderr, "round %d, %s: p50 %.1f p99 %.1f max %.1f us (%ld states read)\n",
                    r + 1, names[k], o[0], o[1], o[2], s);
        }
    /* each round's difference, viewers against the console alone (the same machine state, one
     * run apart): the median and the range over the rounds */
    double diff[20];
    for (int r = 0; r < rounds; r++) diff[r] = stat[2][1][r] - stat[1][1][r];
    qsort(diff, (size_t)rounds, sizeof(double), cmp);
    printf("| %s, %d rounds | CPU p50 (us) | p99 | max | states read by the viewers |\n"
           "|---|---|---|---|---|\n",
           argv[2], rounds);
    double med[3][3];
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < 3; i++) {
            qsort(stat[k][i], (size_t)rounds, sizeof(double), cmp);
            med[k][i] = stat[k][i][rounds / 2];
        }
        printf("| %s | %.1f | %.1f | %.1f | %ld |\n", names[k], med[k][0], med[k][1], med[k][2],
               states[k]);
    }
    printf("\n5 viewers add %.1f us to the step's p99 CPU time (median of the rounds; against "
           "the console with no viewer: %.1f us)\n",
           med[2][1] - med[0][1], med[2][1] - med[1][1]);
    printf(
        "per round, viewers minus the console alone, p99: median %.1f us, from %.1f to %.1f us\n",
        diff[rounds / 2], diff[0], diff[rounds - 1]);
    return 0;
}
