/* Trajectory generation: a stress run over random problems of every kind (bench/otg_stress.h),
 * counting failures by kind, and calculation times (mean, median, p99, worst) for 1, 3 and 7 DoF
 * with target velocity and acceleration, and rest to rest (each problem's best of 5 passes).
 * Usage: bench_otg [problems]   (default 100000; the long run is 10^7)
 * Ruckig 0.17.3 on this machine kind (its own benchmark, 7 DoF, random targets): 9.1 us mean,
 * about 135 us worst over 32,768 problems. Ruckig cannot be part of xiaonao (not a Debian
 * package); the same-process comparison, made outside the project, is in docs/performance.md. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_util.h"
#include "otg_stress.h"

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Each problem solved in PASSES passes; a problem's time is its fastest pass, so that a pass the
 * shared machine preempted does not count. The first pass draws each problem just before solving
 * it, as Ruckig's benchmark does, and its plain mean is shown beside. */
#define PASSES 5
static void timing(const char *label, int kind, int dofs, int n) {
    xs_rng r = {777};
    double *t = malloc(sizeof(double) * (size_t)n), first = 0, sum = 0;
    xn_otg_problem *P = malloc(sizeof(xn_otg_problem) * (size_t)n);
    xn_trajectory tr;
    xn_error e;
    for (int pass = 0; pass < PASSES; pass++)
        for (int i = 0; i < n; i++) {
            if (pass == 0) xs_draw(&r, kind, dofs, &P[i]);
            double t0 = xb_now_ns();
            xn_otg_calculate(&P[i], &tr, &e);
            double dt = (xb_now_ns() - t0) / 1e3;
            if (pass == 0) first += dt;
            t[i] = pass == 0 || dt < t[i] ? dt : t[i];
        }
    for (int i = 0; i < n; i++) sum += t[i];
    qsort(t, (size_t)n, sizeof *t, cmp);
    printf("| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f |\n", label, n, first / n, sum / n,
           t[n / 2], t[n * 99 / 100], t[n - 1]);
    free(t);
    free(P);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000;
    long fails[XS_KINDS][XS_FAIL_KINDS], rejected[XS_KINDS];
    xs_run(2024, n, fails, rejected);
    printf("## Stress: %ld random problems, 1-7 DoF\n\n", n);
    printf("| kind | solved and valid | rejected (reason code) | no trajectory | limit exceeded | "
           "boundary state |\n");
    printf("|---|---:|---:|---:|---:|---:|\n");
    for (int k = 0; k < XS_KINDS; k++)
        printf("| %s | %ld | %ld | %ld | %ld | %ld |\n", xs_kind_names[k], fails[k][XS_OK],
               rejected[k], fails[k][XS_FAIL_CALCULATE], fails[k][XS_FAIL_LIMITS],
               fails[k][XS_FAIL_BOUNDARY]);
    printf(
        "\n## Calculation time (us; best of %d passes per problem, and the first pass's mean)\n\n"
        "| problems | count | mean, first pass | mean | median | p99 | worst |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n",
        PASSES);
    timing("1 DoF, target velocity and acceleration", XS_RANDOM, 1, 2000);
    timing("3 DoF, target velocity and acceleration", XS_RANDOM, 3, 2000);
    timing("7 DoF, target velocity and acceleration", XS_RANDOM, 7, 2000);
    timing("7 DoF, rest to rest", XS_REST, 7, 2000);
    return 0;
}
