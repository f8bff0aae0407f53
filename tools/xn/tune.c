/* xn tune-shaper: identify the vibration modes in a logged run and propose an input shaper.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vibration.h"

static int usage(FILE *f) {
    fprintf(f,
            "usage: xn tune-shaper LOG [--shaper zv|zvd|zvdd|ei] [--tolerance V] [--out FILE]\n\n"
            "LOG is a log written by xn run on a robot with a position tracker at the tool.\n"
            "After each motion the tool's free decay is fitted with a damped oscillation; the\n"
            "modes found (frequency, damping, and the pose they belong to) are printed with a\n"
            "shaper to use (default ZVD, robust to +-20 %% error) and its predicted effect.\n"
            "--out writes the modes as a table for xn run --shaper-table FILE, which the\n"
            "program command 'set shaper auto' uses.\n");
    return f == stdout ? 0 : 1;
}

int xn_cmd_tune(int argc, char **argv) {
    const char *log = NULL, *out = NULL, *kind = "zvd";
    double tol = 0.05;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) return usage(stdout);
        if (a[0] == '-' && i + 1 >= argc) return xn_cli_error("tune-shaper: %s needs a value", a);
        if (strcmp(a, "--out") == 0)
            out = argv[++i];
        else if (strcmp(a, "--shaper") == 0)
            kind = argv[++i];
        else if (strcmp(a, "--tolerance") == 0) {
            char *end;
            tol = strtod(argv[++i], &end);
            if (*end || !(tol > 0 && tol < 1))
                return xn_cli_error("tune-shaper: --tolerance is in (0, 1), got '%s'", argv[i]);
        } else if (a[0] == '-')
            return xn_cli_error("tune-shaper: unknown option %s", a);
        else if (!log)
            log = a;
        else
            return xn_cli_error("tune-shaper: one log at a time");
    }
    if (!log) return usage(stderr);
    static const char *const kinds[4] = {"zv", "zvd", "zvdd", "ei"};
    int type = -1;
    for (int k = 0; k < 4; k++)
        if (strcmp(kind, kinds[k]) == 0) type = k;
    if (type < 0)
        return xn_cli_error("tune-shaper: --shaper is zv, zvd, zvdd or ei, not '%s'", kind);
    static xn_vib_report rep;
    if (xn_vib_analyse(log, 0.3, &rep)) return 1;
    printf("%d stop%s in %s\n", rep.n, rep.n == 1 ? "" : "s", log);
    printf("  %-6s %-9s %-14s %-14s %-10s %-8s %-6s\n", "line", "t (s)", "residual (mm)",
           "settling (ms)", "mode (Hz)", "damping", "fit");
    int good = 0, best = -1;
    for (int i = 0; i < rep.n; i++) {
        const xn_vib_stop *s = &rep.stop[i];
        if (s->has_mode)
            printf("  %-6d %-9.3f %-14.4f %-14.0f %-10.3f %-8.4f %-6.3f\n", s->line, s->t_stop,
                   s->residual * 1e3, s->settling * 1e3, s->mode.frequency, s->mode.damping,
                   s->mode.fit);
        else
            printf("  %-6d %-9.3f %-14.4f %-14.0f %-10s\n", s->line, s->t_stop, s->residual * 1e3,
                   s->settling * 1e3, "(no clear mode)");
        /* modes from stops with a visible vibration and a good fit count */
        if (s->has_mode && s->mode.fit > 0.9 && s->residual > 2e-5) {
            good++;
            if (best < 0 || s->residual > rep.stop[best].residual) best = i;
        }
    }
    if (best < 0) {
        printf("no vibration clear enough to identify a mode (the tool settles without ringing, or "
               "the decays are too short)\n");
        return 2;
    }
    /* the dominant mode: from the stop that rang most; the spread over the others */
    const xn_mode_fit *m = &rep.stop[best].mode;
    double flo = m->frequency;
    double fhi = flo;
    for (int i = 0; i < rep.n; i++) {
        const xn_vib_stop *s = &rep.stop[i];
        if (!(s->has_mode && s->mode.fit > 0.9 && s->residual > 2e-5)) continue;
        flo = flo < s->mode.frequency ? flo : s->mode.frequency;
        fhi = fhi > s->mode.frequency ? fhi : s->mode.frequency;
    }
    xn_shaper sh;
    char why[120];
    if (xn_shaper_design((xn_shaper_type)type, m->frequency, m->damping, tol, &sh, why) != XN_OK)
        return xn_cli_error("tune-shaper: %s", why);
    double worst = 0;
    for (double r = 0.8; r <= 1.2 + 1e-9; r += 0.01)
        worst = fmax(worst, xn_shaper_vibration(&sh, m->frequency * r, m->damping));
    printf("\ndominant mode: %.3f Hz, damping %.4f (line %d); %d mode%s between %.3f and %.3f Hz\n",
           m->frequency, m->damping, rep.stop[best].line, good, good == 1 ? "" : "s", flo, fhi);
    printf("use:   set shaper %s %.4g %.3g%s\n", kinds[type], m->frequency, m->damping,
           type == 3 ? " 0.05" : "");
    printf("predicted: residual vibration %.1f %% of unshaped at the identified frequency, at most "
           "%.1f %% within +-20 %% of it; adds %.0f ms to every motion\n",
           100 * xn_shaper_vibration(&sh, m->frequency, m->damping), 100 * worst,
           1e3 * xn_shaper_duration(&sh));
    if (fhi > 1.1 * flo)
        printf("the frequency changes with the pose by %.0f %%: use the table (--out) and 'set "
               "shaper auto'\n",
               100 * (fhi / flo - 1));
    if (out) {
        FILE *f = fopen(out, "w");
        if (!f) return xn_cli_error("tune-shaper: cannot write %s", out);
        fprintf(f,
                "{\n  \"source\": \"xn tune-shaper %s\",\n  \"shaper\": \"%s\",\n  \"tolerance\": "
                "%g,\n  \"modes\": [\n",
                log, kinds[type], tol);
        int first = 1;
        for (int i = 0; i < rep.n; i++) {
            const xn_vib_stop *s = &rep.stop[i];
            if (!(s->has_mode && s->mode.fit > 0.9 && s->residual > 2e-5)) continue;
            fprintf(f, "%s    {\"q\": ", first ? "" : ",\n");
            xn_cli_json_array(f, s->q, rep.nj);
            fprintf(f, ", \"frequency\": %.6g, \"damping\": %.6g, \"line\": %d}", s->mode.frequency,
                    s->mode.damping, s->line);
            first = 0;
        }
        fprintf(f, "\n  ]\n}\n");
        fclose(f);
        printf("wrote %s (%d modes)\n", out, good);
    }
    return 0;
}
