/* The report of xn run: gnuplot draws the plots from the CSV log; a small HTML page shows them
 * beside the summary. SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "run_report.h"

/* gnuplot script: tracking error, torque and position per joint against time; the histogram of
 * cycle compute times. Columns of the log: 1 time, 2 line, 3 state, then 6 per joint. */
static int write_script(const char *dir, const char *log_csv, const xn_run_summary *s) {
    char path[4096];
    snprintf(path, sizeof path, "%s/plots.gp", dir);
    FILE *f = fopen(path, "w");
    if (!f) return xn_cli_error("cannot write %s", path);
    fprintf(f, "# drawn by xn run; rerun with: gnuplot %s\n", path);
    fprintf(f, "set terminal pngcairo size 1000,600 font 'sans,10'\n"
               "set datafile separator ','\nset grid\nset key outside right\n"
               "set xlabel 'time (s)'\n");
    fprintf(f, "names = '");
    for (int k = 0; k < s->nj; k++) fprintf(f, "%s%s", k ? " " : "", s->joint[k]);
    fprintf(f, "'\nn = %d\nlog = '%s'\n", s->nj, log_csv);
    fprintf(f,
            "set output '%s/tracking_error.png'\nset ylabel 'reference minus measured (mrad)'\n"
            "set title 'Joint tracking error'\n"
            "plot for [k=0:n-1] log using 1:((column(7+6*k)-column(4+6*k))*1000) skip 1 "
            "with lines title word(names, k+1)\n",
            dir);
    fprintf(f,
            "set output '%s/torque.png'\nset ylabel 'torque (N m)'\n"
            "set title 'Commanded joint torque'\n"
            "plot for [k=0:n-1] log using 1:(column(6+6*k)) skip 1 with lines "
            "title word(names, k+1)\n",
            dir);
    fprintf(f,
            "set output '%s/position.png'\nset ylabel 'position (rad)'\n"
            "set title 'Joint positions (reference dashed)'\n"
            "plot for [k=0:n-1] log using 1:(column(4+6*k)) skip 1 with lines lw 2 "
            "title word(names, k+1), for [k=0:n-1] log using 1:(column(7+6*k)) skip 1 "
            "with lines dt 2 lc rgb 'black' notitle\n",
            dir);
    fprintf(f,
            "set output '%s/cycle_times.png'\nset datafile separator whitespace\n"
            "set xlabel 'compute time per cycle (us, log scale)'\nset ylabel 'cycles'\nset "
            "logscale xy\n"
            "set title 'Control cycle compute time (read, step, write)'\nunset key\n"
            "plot '%s/cycle_hist.dat' using 1:2 with impulses lw 4\n",
            dir, dir);
    if (s->vibration) {
        /* the tool's deviation from rest after each motion (vibration.dat, by xn run) */
        fprintf(f,
                "set output '%s/residual_vibration.png'\nunset logscale\n"
                "set datafile separator whitespace\nset xlabel 'time (s)'\n"
                "set ylabel 'tool deviation from rest (mm)'\nunset key\n"
                "set title 'Residual vibration after each motion (position tracker); 0.1 mm "
                "dashed'\n"
                "plot '%s/vibration.dat' using 1:2 with lines lw 2, 0.1 with lines dt 2 lc rgb "
                "'black'\n",
                dir, dir);
    }
    if (s->locomotion_html) {
        /* a walking robot: base velocity against the command, and height (locomotion.dat) */
        fprintf(f,
                "set output '%s/locomotion.png'\nset terminal pngcairo size 1000,1000 font "
                "'sans,10'\nunset logscale\nset datafile separator whitespace\n"
                "set multiplot layout 4,1\nset key top right\nset xlabel 'time (s)'\n"
                "set ylabel 'forward (m/s)'\nset title 'Base velocity (heading frame) against "
                "the command'\nplot '%s/locomotion.dat' using 1:5 with lines lw 2 title "
                "'achieved vx', '' using 1:2 with lines dt 2 lc rgb 'black' title 'command', "
                "'' using 1:6 with lines lw 2 title 'achieved vy', '' using 1:3 with lines dt 3 "
                "lc rgb 'gray' title 'command vy'\nset title ''\nset ylabel 'yaw rate (rad/s)'\n"
                "plot '%s/locomotion.dat' using 1:7 with lines lw 2 title 'achieved', '' using "
                "1:4 with lines dt 2 lc rgb 'black' title 'command'\nset ylabel 'base height "
                "(m)'\nplot '%s/locomotion.dat' using 1:8 with lines lw 2 title 'pelvis'\n"
                "set ylabel 'foot contact force (N)'\nplot '%s/locomotion.dat' using 1:9 with "
                "lines title 'first foot', '' using 1:10 with lines title 'second foot'\n"
                "unset multiplot\n",
                dir, dir, dir, dir, dir);
    }
    if (s->balance_html) {
        /* a balancing humanoid: CoM, capture point and CoP against time, the feet's forces,
         * and the support polygons in the plane with the CoM's and the capture point's paths */
        fprintf(f,
                "set output '%s/balance.png'\nset terminal pngcairo size 1000,1000 font "
                "'sans,10'\nunset logscale\nset datafile separator whitespace\n"
                "set multiplot layout 3,1\nset key top right\nset xlabel 'time (s)'\n"
                "set ylabel 'x (m)'\nset title 'Centre of mass, capture point and centre of "
                "pressure (world)'\nplot '%s/balance.dat' using 1:2 with lines lw 2 title 'CoM', "
                "'' using 1:5 with lines lw 2 title 'capture point', '' using 1:7 with lines dt 2 "
                "title 'CoP (commanded)'\nset title ''\nset ylabel 'y (m)'\nplot "
                "'%s/balance.dat' using 1:3 with lines lw 2 title 'CoM', '' using 1:6 with lines "
                "lw 2 title 'capture point', '' using 1:8 with lines dt 2 title 'CoP'\n"
                "set ylabel 'normal force (N)'\nplot '%s/balance.dat' using 1:9 with lines lw 2 "
                "title 'left foot', '' using 1:10 with lines lw 2 title 'right foot'\n"
                "unset multiplot\n",
                dir, dir, dir, dir);
        fprintf(f,
                "set output '%s/support.png'\nset terminal pngcairo size 800,800 font 'sans,10'\n"
                "set size ratio -1\nset xlabel 'x (m)'\nset ylabel 'y (m)'\nset title 'Support "
                "polygons (gray), the CoM and the capture point in the plane'\n"
                "plot '%s/support.dat' using 1:2 with lines lc rgb 'gray' title 'support "
                "polygon', '%s/balance.dat' using 2:3 with lines lw 2 title 'CoM', '' using 5:6 "
                "with lines lw 1 title 'capture point'\nset size noratio\n",
                dir, dir, dir);
    }
    fclose(f);
    /* the histogram's data: bin centre (us) and count, up to the last occupied bin */
    snprintf(path, sizeof path, "%s/cycle_hist.dat", dir);
    f = fopen(path, "w");
    if (!f) return xn_cli_error("cannot write %s", path);
    const xn_stats *st = &s->loop->compute;
    int last = 0;
    for (int k = 0; k < XN_STATS_BINS; k++)
        if (st->bins[k]) last = k;
    for (int k = 0; k <= last; k++) {
        double lo, hi;
        xn_stats_bin_edges(k, &lo, &hi);
        if (k == XN_STATS_BINS - 1) hi = lo * 1.1;
        fprintf(f, "%.3f %ld\n", 0.5 * (lo + hi) * 1e-3, st->bins[k]);
    }
    fclose(f);
    return 0;
}

static void html_escape(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else
            fputc(*s, f);
    }
}

int xn_run_write_report(const char *dir, const char *log_csv, const xn_run_summary *s) {
    if (write_script(dir, log_csv, s)) return 1;
    char cmd[8300];
    snprintf(cmd, sizeof cmd, "gnuplot '%s/plots.gp' 2>'%s/gnuplot.err'", dir, dir);
    int plotted = system(cmd) == 0;
    if (!plotted)
        fprintf(stderr,
                "xn: gnuplot failed or is missing (see %s/gnuplot.err); the report has "
                "no plots\n",
                dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/index.html", dir);
    FILE *f = fopen(path, "w");
    if (!f) return xn_cli_error("cannot write %s", path);
    const xn_loop_report *lr = s->loop;
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>xn run report</title>\n"
          "<style>body{font-family:sans-serif;max-width:1050px;margin:2em auto}"
          "td,th{padding:2px 10px;text-align:right}th{background:#eee}"
          "td:first-child,th:first-child{text-align:left}</style></head><body>\n",
          f);
    fputs("<h1>xn run: ", f);
    html_escape(f, s->program);
    fputs("</h1>\n<p>Robot <code>", f);
    html_escape(f, s->robot);
    fprintf(f, "</code>, %s backend. Result: <b>%s</b>.</p>\n", s->backend, s->result);
    if (s->replay)
        fputs("<p><a href=\"replay.html\"><b>Watch the run in 3D</b></a> (the robot, the tool's "
              "path, forces and events on a timeline; opens offline).</p>\n",
              f);
    fprintf(f,
            "<p>%.3f s of robot time in %.3f s of wall clock (%.1f&times; real time); %ld "
            "cycles, %ld overruns.</p>\n",
            lr->robot_s, lr->wall_s, lr->wall_s > 0 ? lr->robot_s / lr->wall_s : 0, lr->cycles,
            lr->overruns);
    fputs("<table><tr><th>per cycle (read, controller step, write)</th><th>p50 (&micro;s)</th>"
          "<th>p99</th><th>p99.9</th><th>max</th></tr>\n",
          f);
    const xn_stats *rows[2] = {&lr->compute, &lr->compute_cpu};
    static const char *const names[2] = {"wall time", "CPU time of the loop's thread"};
    for (int i = 0; i < 2; i++)
        fprintf(f, "<tr><td>%s</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td></tr>\n",
                names[i], xn_stats_quantile(rows[i], 0.5) * 1e-3,
                xn_stats_quantile(rows[i], 0.99) * 1e-3, xn_stats_quantile(rows[i], 0.999) * 1e-3,
                rows[i]->max_ns * 1e-3);
    fputs("</table>\n<p>A cycle whose wall time is far above its CPU time was preempted by "
          "another process, not slow.</p>\n",
          f);
    fprintf(f, "<p>The loop ended: %s; %s after %ld shutdown cycles.</p>\n",
            xn_loop_end_str(lr->end),
            lr->powered_off ? "every drive powered off" : "the drives were not seen powered off",
            lr->shutdown_cycles);
    if (s->limits_source && s->limits_source[0]) {
        fputs("<p>Rated limits: ", f);
        html_escape(f, s->limits_source);
        fputs("</p>\n", f);
    }
    fputs("<table><tr><th>joint</th><th>max |tracking error| (mrad)</th>"
          "<th>max |torque| (N m)</th></tr>\n",
          f);
    for (int k = 0; k < s->nj; k++) {
        fputs("<tr><td>", f);
        html_escape(f, s->joint[k]);
        fprintf(f, "</td><td>%.4f</td><td>%.2f</td></tr>\n", s->max_err[k] * 1e3, s->max_tau[k]);
    }
    fputs("</table>\n", f);
    if (s->locomotion_html) {
        fputs("<h2>Walking</h2>\n<p>Each walk or stand line: the command and the mean achieved "
              "velocity over the line's second half (base frame, from the position tracker and "
              "the IMU).</p>\n",
              f);
        fputs(s->locomotion_html, f);
        if (plotted) fputs("<p><img src=\"locomotion.png\" width=\"1000\"></p>\n", f);
    }
    if (s->balance_html) {
        fputs("<h2>Balance</h2>\n", f);
        fputs(s->balance_html, f);
        if (plotted)
            fputs("<p><img src=\"balance.png\" width=\"1000\"></p>\n"
                  "<p><img src=\"support.png\" width=\"800\"></p>\n",
                  f);
    }
    if (plotted) {
        const char *imgs[] = {"tracking_error", "torque", "position", "cycle_times"};
        for (int i = 0; i < 4; i++)
            fprintf(f, "<p><img src=\"%s.png\" width=\"1000\"></p>\n", imgs[i]);
    }
    fputs("<p>The full log (every cycle: q, qd, tau, references, events) is <a href=\"", f);
    html_escape(f, strrchr(log_csv, '/') ? strrchr(log_csv, '/') + 1 : log_csv);
    fputs("\">the CSV log</a>.</p>\n</body></html>\n", f);
    fclose(f);
    return 0;
}
