/* Time-synchronized multi-DoF trajectories (brake, step 1, step 2, synchronization) against
 * Ruckig 0.17.3 on every problem in tests/data/reference/otg (1, 3 and 7 DoF, position interface,
 * 6,000 problems; 7 DoF, velocity interface, 500): the duration within a relative 1e-8; every DoF's
 * trajectory, sampled densely (200 points), within its limits (1e-9; from the end of the braking
 * pre-phase, where the state may still be on its way back inside) and ending at the target; the
 * reference's samples within 1e-7 for the limiting DoF (the one whose own minimum duration is the
 * common one). */
#include <string.h>

#include "io/json.h"
#include "motion/otg_test_util.h"
#include "test_util.h"

static int dense_ok(const xn_otg_segments *b, const xn_otg_segments *m, const xn_otg_dof *d,
                    double tb, double T) {
    int inside = 0;
    double prev = INFINITY;
    for (int k = 0; k <= 200; k++) {
        double t = tb + (T - tb) * k / 200, p, v, a;
        xt_otg_state_at(b, m, d->p0, d->v0, d->a0, t, &p, &v, &a);
        double tv = 1e-9 * xt_max(1, d->vmax), ta = 1e-9 * xt_max(1, d->amax);
        double excess = xt_max(xt_max(v - d->vmax - tv, d->vmin - tv - v),
                               xt_max(a - d->amax - ta, d->amin - ta - a));
        if (excess <= 0)
            inside = 1;
        else if (inside || excess > prev + 1e-12)
            return 0;
        prev = excess;
        if (k == 200 &&
            ((!d->velocity_interface && fabs(p - d->pf) > 1e-8 * xt_max(1, fabs(d->pf))) ||
             fabs(v - d->vf) > 1e-8 * xt_max(1, fabs(d->vf)) ||
             fabs(a - d->af) > 1e-8 * xt_max(1, fabs(d->af))))
            return 0;
    }
    return 1;
}

static void run_file(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/reference/otg/%s", XN_DATA_DIR, name);
    size_t len;
    char *text = xt_slurp(path, &len);
    int n = 0, match = 0, valid = 0, dofs_total = 0, samples = 0, samples_ok = 0;
    double worst = 0, worst_sample = 0;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        xn_json *j = xn_json_parse(line, nl ? (size_t)(nl - line) : strlen(line), NULL, 0);
        line = nl ? nl + 1 : NULL;
        if (!j) continue;
        int nd = (int)xn_json_get(j, "dofs")->num;
        double P0[16], V0[16], A0[16], PF[16], VF[16], AF[16], VM[16], AM[16], JM[16];
        xn_json_reals(xn_json_get(j, "current_position"), P0, 16);
        xn_json_reals(xn_json_get(j, "current_velocity"), V0, 16);
        xn_json_reals(xn_json_get(j, "current_acceleration"), A0, 16);
        xn_json_reals(xn_json_get(j, "target_position"), PF, 16);
        xn_json_reals(xn_json_get(j, "target_velocity"), VF, 16);
        xn_json_reals(xn_json_get(j, "target_acceleration"), AF, 16);
        xn_json_reals(xn_json_get(j, "max_velocity"), VM, 16);
        xn_json_reals(xn_json_get(j, "max_acceleration"), AM, 16);
        xn_json_reals(xn_json_get(j, "max_jerk"), JM, 16);
        const xn_json *itf = xn_json_get(j, "interface");
        int vel = itf && itf->type == XN_JSON_STRING && strcmp(itf->str, "velocity") == 0;
        xn_otg_dof d[16];
        for (int i = 0; i < nd; i++) {
            xn_otg_dof x = {P0[i], V0[i],  A0[i], PF[i],  VF[i], AF[i],
                            VM[i], -VM[i], AM[i], -AM[i], JM[i], vel};
            if (vel) { /* no velocity limits, position free */
                x.vmax = INFINITY;
                x.vmin = -INFINITY;
            }
            d[i] = x;
        }
        xn_otg_segments brake[16], main_[16];
        double tb[16];
        static xn_otg_sync_work work;
        double T = xn_otg_synchronize(d, nd, 0, brake, main_, tb, &work),
               ref = xn_json_get(j, "duration")->num;
        n++;
        double e = fabs(T - ref) / xt_max(1, ref);
        if (!(e <= 1e-8) && getenv("OTG_DEBUG"))
            printf("%s id %g: T %.12g ref %.12g\n", name, xn_json_get(j, "id")->num, T, ref);
        if (!(e <= worst)) worst = e;
        match += e <= 1e-8;
        int all = isfinite(T);
        for (int i = 0; all && i < nd; i++) all = dense_ok(&brake[i], &main_[i], &d[i], tb[i], T);
        valid += all;
        /* the limiting DoF: the one whose own minimum is the common duration (if any) */
        const xn_json *sm = xn_json_get(j, "samples");
        for (int i = 0; sm && isfinite(T) && i < nd; i++) {
            xn_otg_dof after = d[i];
            xn_otg_segments tmp;
            for (int k = 0; k < brake[i].n; k++)
                xn_otg_integrate(&after.p0, &after.v0, &after.a0, brake[i].t[k], brake[i].j[k]);
            if (fabs(xn_otg_step1(&after, &tmp) + tb[i] - T) > 1e-9 * xt_max(1, T)) continue;
            for (int k = 0; k < sm->n; k++) {
                double t = xn_json_get(&sm->items[k], "t")->num, p, v, a, rp[16], rv[16], ra[16];
                xn_json_reals(xn_json_get(&sm->items[k], "p"), rp, 16);
                xn_json_reals(xn_json_get(&sm->items[k], "v"), rv, 16);
                xn_json_reals(xn_json_get(&sm->items[k], "a"), ra, 16);
                xt_otg_state_at(&brake[i], &main_[i], d[i].p0, d[i].v0, d[i].a0, t, &p, &v, &a);
                double es = xt_max(fabs(p - rp[i]), xt_max(fabs(v - rv[i]), fabs(a - ra[i])));
                if (!(es <= worst_sample)) worst_sample = es;
                samples++;
                samples_ok += es <= 1e-7;
            }
        }
        dofs_total += nd;
        xn_json_free(j);
    }
    free(text);
    printf("%-22s %4d problems (%5d DoFs): duration within 1e-8: %d (worst %.1e); all DoFs valid "
           "densely: %d; limiting-DoF samples within 1e-7: %d of %d (worst %.1e)\n",
           name, n, dofs_total, match, worst, valid, samples_ok, samples, worst_sample);
    XT_CHECK(match == n, "%s: %d durations differ", name, n - match);
    XT_CHECK(valid == n, "%s: %d problems with an invalid trajectory", name, n - valid);
    XT_CHECK(samples_ok == samples, "%s: %d samples differ", name, samples - samples_ok);
}

int main(void) {
    run_file("ruckig_1dof.jsonl");
    run_file("ruckig_3dof.jsonl");
    run_file("ruckig_7dof.jsonl");
    run_file("ruckig_7dof_velocity.jsonl");
    return xt_done("otg_reference");
}
