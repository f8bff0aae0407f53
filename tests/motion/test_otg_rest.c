/* Rest to rest in closed form (src/motion/otg_rest.c) against the general search.
 * Step 1: on random DoFs at rest at both ends, limits over six decades, the closed-form minimum
 * equals the minimum the general polynomial search finds for the same DoF with a start velocity
 * of 1e-200 (which sends it down the general path), within a relative 1e-8 (the general search
 * stops at a residual of 1e-13 in absolute terms below 1 m: for a distance of 2.5 um that is
 * 4e-8 of it, and a duration 4e-9 apart); every profile passes the validity check (limits 1e-9,
 * target 1e-8). Step 2: at durations from the minimum to 20
 * times it, a valid profile of exactly that duration (relative 1e-12); just below the minimum,
 * none (-1). */
#include "motion/otg_internal.h"
#include "test_util.h"

static double uniform(unsigned long long *s) { /* splitmix64 -> [0, 1) */
    unsigned long long z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

static double total(const xn_otg_segments *s) {
    double T = 0;
    for (int i = 0; i < s->n; i++) T += s->t[i];
    return T;
}

int main(void) {
    unsigned long long seed = 42;
    int n = 0, agree = 0, step2_ok = 0, step2_tried = 0, below_none = 0, applies = 0, refused = 0;
    double worst = 0;
    for (int k = 0; k < 20000; k++) {
        int wide = k % 2;
        double vm = wide ? pow(10, -3 + 6 * uniform(&seed)) : 0.1 + 11.9 * uniform(&seed);
        double am = wide ? pow(10, -3 + 6 * uniform(&seed)) : 0.1 + 11.9 * uniform(&seed);
        double jm = wide ? pow(10, -3 + 6 * uniform(&seed)) : 0.1 + 11.9 * uniform(&seed);
        double D = (uniform(&seed) - 0.5) * 16 * (wide ? vm : 1);
        if (D == 0) continue;
        xn_otg_dof d = {0.3, 0, 0, 0.3 + D, 0, 0, vm, -vm, am, -am, jm, 0};
        applies += xn_otg_rest_applies(&d);
        xn_otg_segments fast, general;
        double Tf = xn_otg_step1(&d, &fast);
        xn_otg_dof g = d;
        g.v0 = 1e-200;
        refused += !xn_otg_rest_applies(&g);
        double Tg = xn_otg_step1(&g, &general);
        n++;
        double e = fabs(Tf - Tg) / xt_max(1, Tg);
        if (e > worst || !(e == e)) worst = e;
        agree += e <= 1e-8 && xn_otg_check(&d, &fast);
        for (int m = 0; m < 4; m++) {
            double T = Tf * (1 + (m == 0 ? 0 : m == 1 ? 1e-6 : m == 2 ? 0.7 : 19));
            xn_otg_segments s;
            step2_tried++;
            step2_ok += xn_otg_rest_step2(&d, T, &s) == 1 && xn_otg_check(&d, &s) &&
                        fabs(total(&s) - T) <= 1e-12 * xt_max(1, T);
        }
        xn_otg_segments s;
        below_none += xn_otg_rest_step2(&d, Tf * (1 - 1e-9), &s) == -1;
    }
    /* counted once each, not once per DoF: 40,000 passes of two trivial conditions drowned the
     * suite's check count */
    XT_CHECK(applies == n, "the fast path applies to every rest-to-rest DoF: %d of %d", applies, n);
    XT_CHECK(refused == n, "and to none that starts at 1e-200 rad/s: %d of %d refused", refused, n);
    XT_CHECK(agree == n, "closed-form minimum = general search's, valid: %d of %d (worst %.2e)",
             agree, n, worst);
    XT_CHECK(step2_ok == step2_tried, "step 2 valid at exactly T: %d of %d", step2_ok, step2_tried);
    XT_CHECK(below_none == n, "no profile below the minimum: %d of %d", below_none, n);
    printf("rest to rest: %d DoFs, worst relative difference to the general search %.2e\n", n,
           worst);
    return xt_done("otg_rest");
}
