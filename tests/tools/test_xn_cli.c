/* The xn command end to end: `xn dyn --convention pinocchio` on the reference files reproduces
 * Pinocchio's numbers (1e-9); bad input gives a non-zero exit and a message naming the place. */
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "io/json.h"
#include "test_util.h"

static char out_buf[1 << 16];

/* Run a shell command; capture stderr+stdout (truncated) and return the exit status. */
static int run(const char *cmd) {
    char full[4096];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    if (!p) return -1;
    size_t n = fread(out_buf, 1, sizeof out_buf - 1, p);
    out_buf[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static double max_err(const xn_json *a, const xn_json *b) {
    if (!a || !b || a->type != XN_JSON_ARRAY || b->type != XN_JSON_ARRAY || a->n != b->n)
        return INFINITY;
    double e = 0;
    for (int i = 0; i < a->n; i++) {
        double d = xt_err(a->items[i].num, b->items[i].num);
        if (!(d <= e)) e = d;
    }
    return e;
}

static void check_reference(const char *json, const char *urdf) {
    char cmd[2048], outp[512], refp[512];
    snprintf(outp, sizeof outp, "%s/xn_dyn_%s.jsonl", XN_TMP_DIR, json);
    snprintf(refp, sizeof refp, "%s/reference/dynamics/%s", XN_DATA_DIR, json);
    snprintf(cmd, sizeof cmd, "%s dyn %s/urdf/%s --in %s --out %s --convention pinocchio", XN_BIN,
             XN_MODELS_DIR, urdf, refp, outp);
    int rc = run(cmd);
    XT_CHECK(rc == 0, "%s: exit %d: %s", cmd, rc, out_buf);
    if (rc) return;
    size_t len;
    char *rtext = xt_slurp(refp, &len);
    xn_json *ref = xn_json_parse(rtext, len, NULL, 0);
    free(rtext);
    char *otext = xt_slurp(outp, &len);
    const xn_json *cases = xn_json_get(ref, "cases");
    char *line = otext;
    double e = 0;
    int n = 0;
    for (int c = 0; c < cases->n && line && *line; c++) {
        char *nl = strchr(line, '\n');
        xn_json *o = xn_json_parse(line, nl ? (size_t)(nl - line) : strlen(line), NULL, 0);
        XT_CHECK(o != NULL, "%s: output line %d is not JSON", json, c + 1);
        if (!o) break;
        const xn_json *rc_ = &cases->items[c];
        static const char *keys[] = {"tau", "nle", "gravity_torque", "M", "qdd", "com"};
        for (int k = 0; k < 6; k++) {
            double x = max_err(xn_json_get(o, keys[k]), xn_json_get(rc_, keys[k]));
            if (!(x <= e)) e = x;
        }
        const xn_json *of = xn_json_get(o, "frames"), *rf = xn_json_get(rc_, "frames");
        for (int f = 0; rf && f < rf->n; f++) {
            static const char *fk[] = {"pos", "rot", "J"};
            for (int k = 0; k < 3; k++) {
                double x = max_err(xn_json_get(xn_json_get(of, rf->keys[f]), fk[k]),
                                   xn_json_get(&rf->items[f], fk[k]));
                if (!(x <= e)) e = x;
            }
        }
        xn_json_free(o);
        n++;
        line = nl ? nl + 1 : NULL;
    }
    XT_CHECK(n == cases->n, "%s: %d output lines for %d cases", json, n, cases->n);
    XT_CHECK(e <= 1e-9, "%s: xn dyn differs from the reference by %g", json, e);
    printf("xn dyn %-12s %d cases, max error %.1e\n", json, n, e);
    free(otext);
    xn_json_free(ref);
}

/* A command that must fail with exit 1 and say `expect`. */
static void check_error(const char *args, const char *expect) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s", XN_BIN, args);
    int rc = run(cmd);
    XT_CHECK(rc == 1, "'%s': exit %d, expected 1 (output: %s)", args, rc, out_buf);
    XT_CHECK(strstr(out_buf, expect) != NULL, "'%s': output lacks '%s': %s", args, expect, out_buf);
}

static void write_file(const char *name, const char *text, char *path, size_t cap) {
    snprintf(path, cap, "%s/%s", XN_TMP_DIR, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* xn run: a program on the loopback and the simulated robot, its log and report; programs with
 * mistakes stop before any motion with the file, the line and the reason. */
static void check_run(void) {
    char prog[512], cmd[4096], dir[512];
    write_file("ok.xnp",
               "pose a = [0.3, -0.5, 0.2, -2.0, 0.1, 1.7, 0.9]\nmovej a speed 0.8\nwait 0.05\n",
               prog, sizeof prog);
    snprintf(dir, sizeof dir, "%s/run_report", XN_TMP_DIR);
    snprintf(cmd, sizeof cmd, "%s run %s --backend loopback --report %s --quiet", XN_BIN, prog,
             dir);
    int rc = run(cmd);
    XT_CHECK(rc == 0 && strstr(out_buf, "program completed"), "loopback run: exit %d: %s", rc,
             out_buf);
    XT_CHECK(strstr(out_buf, "report") && strstr(out_buf, "index.html"), "report path printed");
    char path[1024];
    snprintf(path, sizeof path, "%s/log.csv", dir);
    size_t len = 0;
    char *log = xt_slurp(path, &len);
    XT_CHECK(strncmp(log, "time,line,state,q_joint1,qd_joint1,tau_joint1,qref_joint1", 57) == 0 &&
                 strstr(log, "enabled: 7 drives") && strstr(log, "program end"),
             "log: header and events");
    int rows = 0;
    for (size_t i = 0; i < len; i++) rows += log[i] == '\n';
    XT_CHECK(rows > 500, "log: one row per cycle (%d rows)", rows);
    free(log);
    snprintf(path, sizeof path, "%s/index.html", dir);
    char *html = xt_slurp(path, NULL);
    XT_CHECK(strstr(html, "tracking error") && strstr(html, "completed"), "index.html");
    free(html);
#ifdef XN_HAVE_MUJOCO
    snprintf(cmd, sizeof cmd, "%s run %s --quiet", XN_BIN, prog);
    rc = run(cmd);
    XT_CHECK(rc == 0 && strstr(out_buf, "program completed") && strstr(out_buf, "joint7"),
             "MuJoCo run: exit %d: %s", rc, out_buf);
#endif
    /* a fault drill: the drive fault is in the output and in the log, the exit status is 3 */
    snprintf(path, sizeof path, "%s/drill.csv", XN_TMP_DIR);
    snprintf(cmd, sizeof cmd, "%s run %s --backend loopback --inject joint4:fault@0.2 --log %s",
             XN_BIN, prog, path);
    rc = run(cmd);
    XT_CHECK(rc == 3 && strstr(out_buf, "drive fault: joint joint4") &&
                 strstr(out_buf, "stopped on a fault"),
             "fault drill: exit %d: %s", rc, out_buf);
    log = xt_slurp(path, NULL);
    XT_CHECK(strstr(log, "drive fault: joint joint4: the drive reports a fault (error code "
                         "0x9000); quick stop"),
             "the drill's events are in the log");
    free(log);
    snprintf(cmd, sizeof cmd, "run %s --backend loopback --inject joint9:nan@1", prog);
    check_error(cmd, "--inject: the robot has no joint 'joint9'");
    snprintf(cmd, sizeof cmd, "run %s --backend loopback --inject joint1:smoke@1", prog);
    check_error(cmd, "--inject: unknown fault 'smoke'");
    write_file("typo.xnp", "pose a = [0, 0, 0, -1.5, 0, 1.5, 0]\nmovej a\nmvoej a\n", prog,
               sizeof prog);
    snprintf(cmd, sizeof cmd, "run %s --backend loopback", prog);
    check_error(cmd, "typo.xnp:3: line 3, column 1: unknown command 'mvoej'");
    write_file("limit.xnp", "movej [0, 0, 0, -1.5, 0, 1.5, 0]\nmovej [0, 2, 0, -1.5, 0, 1.5, 0]\n",
               prog, sizeof prog);
    snprintf(cmd, sizeof cmd, "run %s --backend loopback", prog);
    check_error(cmd, "limit.xnp:2: line 2, column 1: the target puts joint joint2 at 2 rad, "
                     "outside its limits");
    check_error("run /nonexistent.xnp", "cannot open the program");
    snprintf(cmd, sizeof cmd, "run %s --backend sim", prog);
    check_error(cmd, "unknown backend 'sim'");
    snprintf(cmd, sizeof cmd, "run %s --backend loopback --watchdog-margin 2000", prog);
    check_error(cmd, "--watchdog-margin expects a number >= 0 and <= 1000 (ms), got '2000'");
    snprintf(cmd, sizeof cmd, "run %s --mode fast", prog);
    check_error(cmd, "--mode is torque or position");
    snprintf(cmd, sizeof cmd, "run %s --robot /nonexistent/scene.xml", prog);
    check_error(cmd, "/nonexistent/scene.xml");
    char lim[512];
    write_file("limits.json", "{\"joints\": {\"joint1\": {\"velocity\": -1}}}", lim, sizeof lim);
    snprintf(cmd, sizeof cmd, "run %s --backend loopback --limits %s", prog, lim);
    check_error(cmd, "joint \"joint1\": \"velocity\" must be a number > 0");
}

/* xn run in real time, stopped by Ctrl-C (SIGINT) mid-motion: stop category 1, then the log and
 * the report as after any run, exit status 130; a second SIGINT during the braking is category
 * 0. The shell puts the run in the background and signals it. */
static void check_interrupt(void) {
    char prog[512], cmd[4096], dir[512], path[1024], err[512];
    write_file("long.xnp", "movej [1.2, -0.5, 0.8, -2.0, 0.5, 1.7, 1.5] speed 0.3\nwait 5\n", prog,
               sizeof prog);
    snprintf(dir, sizeof dir, "%s/interrupted", XN_TMP_DIR);
    snprintf(err, sizeof err, "%s/interrupted.err", XN_TMP_DIR);
    /* signal only once the motion has started (the run prints its first line then): before
     * that the shell's background job would still ignore SIGINT. A generous watchdog margin: a
     * sanitizer build beside the other tests on two cores wakes up late now and then */
    static const char *const fmt =
        "(%s run %s --backend loopback --realtime --watchdog-margin 200 %s >%s.out 2>%s & "
        "pid=$!; "
        "for i in $(seq 200); do grep -q 'line 1' %s && break; sleep 0.05; done; sleep 0.3; "
        "kill -INT $pid; %s wait $pid; echo \"exit status $?\"; cat %s.out %s)";
    char opts[600];
    snprintf(opts, sizeof opts, "--report %s", dir);
    snprintf(cmd, sizeof cmd, fmt, XN_BIN, prog, opts, err, err, err, "", err, err);
    run(cmd);
    XT_CHECK(strstr(out_buf, "exit status 130") && strstr(out_buf, "stop requested (category 1") &&
                 strstr(out_buf, "stopped on request") &&
                 strstr(out_buf, "every drive powered off"),
             "SIGINT: stop category 1, powered off, exit 130: %s", out_buf);
    snprintf(path, sizeof path, "%s/log.csv", dir);
    char *log = xt_slurp(path, NULL);
    XT_CHECK(strstr(log, "stop requested: stop category 1") && strstr(log, "power off"),
             "SIGINT: the stop is in the log");
    free(log);
    snprintf(path, sizeof path, "%s/index.html", dir);
    char *html = xt_slurp(path, NULL);
    XT_CHECK(strstr(html, "stopped on request") && strstr(html, "CPU time"),
             "SIGINT: the report was written");
    free(html);
    snprintf(cmd, sizeof cmd, fmt, XN_BIN, prog, "", err, err, err, "sleep 0.02; kill -INT $pid;",
             err, err);
    run(cmd);
    XT_CHECK(strstr(out_buf, "exit status 130") && strstr(out_buf, "stop category 0 (power off"),
             "a second SIGINT: stop category 0: %s", out_buf);
}

/* xn otg on a Ruckig reference file: every duration within 1e-8 of the reference. */
static void check_otg(const char *file) {
    char cmd[2048], outp[512], refp[512];
    snprintf(outp, sizeof outp, "%s/xn_otg_%s", XN_TMP_DIR, file);
    snprintf(refp, sizeof refp, "%s/reference/otg/%s", XN_DATA_DIR, file);
    snprintf(cmd, sizeof cmd, "%s otg --in %s --out %s --samples", XN_BIN, refp, outp);
    int rc = run(cmd);
    XT_CHECK(rc == 0, "%s: exit %d: %s", cmd, rc, out_buf);
    size_t len;
    char *rt = xt_slurp(refp, &len), *ot = xt_slurp(outp, &len);
    int n = 0, ok = 0;
    char *a = rt, *b = ot;
    while (a && *a && b && *b) {
        char *na = strchr(a, '\n'), *nb = strchr(b, '\n');
        xn_json *ra = xn_json_parse(a, na ? (size_t)(na - a) : strlen(a), NULL, 0);
        xn_json *rb = xn_json_parse(b, nb ? (size_t)(nb - b) : strlen(b), NULL, 0);
        if (ra && rb && xn_json_get(rb, "duration")) {
            double x = xn_json_get(ra, "duration")->num, y = xn_json_get(rb, "duration")->num;
            ok += fabs(x - y) <= 1e-8 * xt_max(1, x);
        }
        n++;
        xn_json_free(ra);
        xn_json_free(rb);
        a = na ? na + 1 : NULL;
        b = nb ? nb + 1 : NULL;
    }
    XT_CHECK(n == 2000 && ok == n, "xn otg %s: %d of %d durations match", file, ok, n);
    printf("xn otg %s: %d of %d durations within 1e-8\n", file, ok, n);
    free(rt);
    free(ot);
}

/* xn ik: numerical and closed-form answers checked by forward kinematics in the output; bad
 * input named. */
static void check_ik(void) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s ik %s/urdf/panda.urdf panda_hand --pose 0.5,0,0.4,3.14159,0,0",
             XN_BIN, XN_MODELS_DIR);
    int rc = run(cmd);
    XT_CHECK(rc == 0 && strstr(out_buf, "converged"), "xn ik numerical: exit %d: %s", rc, out_buf);
    snprintf(cmd, sizeof cmd,
             "%s ik %s/urdf/ur5_robot.urdf tool0 --pose 0.4,0.2,0.3,3.14159,0,0 --closed-form ur",
             XN_BIN, XN_MODELS_DIR);
    rc = run(cmd);
    XT_CHECK(rc == 0 && strstr(out_buf, "8 closed-form solutions"), "xn ik ur: exit %d: %s", rc,
             out_buf);
    /* every reported forward-kinematics error is tiny */
    int n = 0, bad = 0;
    for (const char *p = strstr(out_buf, "position error "); p;
         p = strstr(p + 1, "position error ")) {
        n++;
        bad += atof(p + 15) > 1e-9;
    }
    XT_CHECK(n == 8 && bad == 0, "8 solutions checked by forward kinematics (%d bad)", bad);
    snprintf(cmd, sizeof cmd, "%s ik %s/urdf/panda.urdf panda_hand --pose 3,0,0.4,0,0,0 --starts 2",
             XN_BIN, XN_MODELS_DIR);
    rc = run(cmd);
    XT_CHECK(rc == 2 && strstr(out_buf, "not reached"), "out of reach: exit %d", rc);
    char args[1024];
    snprintf(args, sizeof args, "ik %s/urdf/panda.urdf nosuch --pose 0,0,0,0,0,0", XN_MODELS_DIR);
    check_error(args, "no frame named 'nosuch'");
    snprintf(args, sizeof args, "ik %s/urdf/panda.urdf panda_hand --pose 1,2,3", XN_MODELS_DIR);
    check_error(args, "is not six numbers");
    snprintf(args, sizeof args,
             "ik %s/urdf/panda.urdf panda_hand --pose 0,0,0,0,0,0 --closed-form ur", XN_MODELS_DIR);
    check_error(args, "not a UR-type arm");
}

/* xn path: a blended Cartesian path planned and timed; its CSV; refusals named. */
static void check_path(void) {
    char cmd[2048], csv[512];
    snprintf(csv, sizeof csv, "%s/path.csv", XN_TMP_DIR);
    snprintf(cmd, sizeof cmd,
             "%s path %s/urdf/panda.urdf panda_link8 --q0 0,-0.3,0,-2.2,0,1.9,0.785,0,0 "
             "--to 0.45,0,0.45,3.14159,0,-0.785 --to 0.45,0.2,0.4,3.14159,0,-0.785 --blend 0.03 "
             "--csv %s",
             XN_BIN, XN_MODELS_DIR, csv);
    int rc = run(cmd);
    XT_CHECK(rc == 0 && strstr(out_buf, "3 segments") && strstr(out_buf, "peak tool speed 0.25"),
             "xn path: exit %d: %s", rc, out_buf);
    char *text = xt_slurp(csv, NULL);
    XT_CHECK(strncmp(text, "t,s,panda_joint1", 16) == 0, "path CSV header");
    free(text);
    char args[2048];
    snprintf(args, sizeof args,
             "path %s/urdf/panda.urdf panda_link8 --q0 0,-0.3,0,-2.2,0,1.9,0.785,0,0 "
             "--to 0.45,0,0.45,3.14159,0,-0.785 --to 0.46,0,0.45,3.14159,0,-0.785 --blend 0.05",
             XN_MODELS_DIR);
    check_error(args, "larger than the segment");
    snprintf(args, sizeof args, "path %s/urdf/panda.urdf panda_link8 --q0 0,0 --to 0,0,0,0,0,0",
             XN_MODELS_DIR);
    check_error(args, "--q0 needs 9 numbers");
    snprintf(cmd, sizeof cmd,
             "%s path %s/urdf/panda.urdf panda_link8 --q0 0,-0.3,0,-2.2,0,1.9,0.785,0,0 --to "
             "2,0,0.45,3.14159,0,0",
             XN_BIN, XN_MODELS_DIR);
    rc = run(cmd);
    XT_CHECK(rc == 2 && strstr(out_buf, "out of reach"), "unreachable: exit %d: %s", rc, out_buf);
}

/* The tuning loop from the command line: a run of the flexible Panda logs its tool; xn
 * tune-shaper finds the mode and writes the table; a second run with `set shaper auto` rings
 * much less. */
static void check_tune(void) {
#ifdef XN_HAVE_MUJOCO
    char prog[512], cmd[4096], log[512], table[512];
    write_file("ring.xnp",
               "set payload 2.0 [0, 0, 0.15]\nmovej [0, -0.3, 0, -2.2, 0, 1.9, 0.785]\nwait 0.6\n"
               "movej [0.8, 0.2, 0, -1.8, 0, 2.0, 0.785]\nwait 0.8\n",
               prog, sizeof prog);
    snprintf(log, sizeof log, "%s/ring.csv", XN_TMP_DIR);
    snprintf(table, sizeof table, "%s/modes.json", XN_TMP_DIR);
    const char *robot =
        "--robot " XN_MODELS_DIR "/mjcf/franka_panda_flex/scene.xml --model " XN_MODELS_DIR
        "/mjcf/franka_panda/scene.xml --mode position --drive-gains 20000,100";
    snprintf(cmd, sizeof cmd, "%s run %s %s --log %s --quiet", XN_BIN, prog, robot, log);
    int rc = run(cmd);
    XT_CHECK(rc == 0 && strstr(out_buf, "residual vibration at the tool"), "flexible run: %s",
             out_buf);
    snprintf(cmd, sizeof cmd, "%s tune-shaper %s --out %s", XN_BIN, log, table);
    rc = run(cmd);
    XT_CHECK(rc == 0 && strstr(out_buf, "use:   set shaper zvd") &&
                 strstr(out_buf, "dominant mode"),
             "tune-shaper: exit %d: %s", rc, out_buf);
    write_file("auto.xnp",
               "set payload 2.0 [0, 0, 0.15]\nmovej [0, -0.3, 0, -2.2, 0, 1.9, 0.785]\nwait 0.6\n"
               "set shaper auto\nmovej [0.8, 0.2, 0, -1.8, 0, 2.0, 0.785]\nwait 0.8\n",
               prog, sizeof prog);
    snprintf(cmd, sizeof cmd, "%s run %s %s --shaper-table %s --log %s --quiet", XN_BIN, prog,
             robot, table, log);
    rc = run(cmd);
    /* the summary's residual line for line 5 */
    const char *p = strstr(out_buf, "\n  5 ");
    double shaped = p ? atof(p + 4 + strspn(p + 4, " ")) : 1;
    XT_CHECK(rc == 0 && p && shaped < 0.05, "set shaper auto: %.4f mm after the move: %s", shaped,
             out_buf);
    check_error("tune-shaper /nonexistent.csv", "/nonexistent.csv");
    snprintf(cmd, sizeof cmd, "run %s %s --shaper-table /nonexistent.json", prog, robot);
    check_error(cmd, "/nonexistent.json");
#endif
}

/* xn run on the G1 with its balance description: a push caught by a step, the report's balance
 * data and plots (and without a report, no data files left where it ran); kept on its feet, the
 * height strategy; a description with a mistake is refused naming the field. */
static void check_balance(void) {
#ifdef XN_HAVE_MUJOCO
    char prog[512], cmd[4096], dir[512], path[1024];
    write_file("balance.xnp",
               "balance load " XN_MODELS_DIR "/mjcf/unitree_g1/balance.json\nstand for 0.3\n"
               "push pelvis 160 0 0 for 0.1\nstand for 1.5\n",
               prog, sizeof prog);
    snprintf(dir, sizeof dir, "%s/balance_report", XN_TMP_DIR);
    snprintf(cmd, sizeof cmd, "%s run %s --report %s", XN_BIN, prog, dir);
    int rc = run(cmd);
    XT_CHECK(rc == 0 && strstr(out_buf, "program completed") && strstr(out_buf, "balance-step") &&
                 strstr(out_buf, "1 recovery step"),
             "G1 balance run: exit %d: %s", rc, out_buf);
    snprintf(path, sizeof path, "%s/balance.dat", dir);
    char *dat = xt_slurp(path, NULL);
    XT_CHECK(strstr(dat, "com_x com_y com_z dcm_x dcm_y") != NULL, "balance.dat");
    free(dat);
    snprintf(path, sizeof path, "%s/index.html", dir);
    char *html = xt_slurp(path, NULL);
    XT_CHECK(strstr(html, "Balance") && strstr(html, "support.png"), "the report's balance part");
    free(html);
    /* without --report the summary is printed and nothing is written where xn runs */
    char here[512];
    snprintf(here, sizeof here, "%s/balance_noreport", XN_TMP_DIR);
    snprintf(cmd, sizeof cmd, "mkdir -p %s && cd %s && rm -f balance.dat && %s run %s", here, here,
             XN_BIN, prog);
    rc = run(cmd);
    snprintf(path, sizeof path, "%s/balance.dat", here);
    FILE *stray = fopen(path, "r");
    XT_CHECK(rc == 0 && strstr(out_buf, "1 recovery step") && !stray,
             "without --report: the summary, no balance.dat in the working directory (exit %d)",
             rc);
    if (stray) fclose(stray);
    char desc[512];
    write_file("bad_balance.json", "{\"model\": \"scene.xml\", \"feet\": []}", desc, sizeof desc);
    write_file("bad_balance.xnp", "balance load bad_balance.json\nstand for 1\n", prog,
               sizeof prog);
    snprintf(cmd, sizeof cmd, "run %s", prog);
    check_error(cmd, "\"imu\": the base IMU's name is required");
    /* kept on its feet (the description says "stepping": false and brakes the knees): a push
     * backward brings in the height strategy, no step */
    write_file("feet_kept.xnp",
               "balance load " XN_MODELS_DIR "/mjcf/unitree_g1/balance_no_step.json\n"
               "stand for 1\npush pelvis -180 0 0 for 0.1\nstand for 2\n",
               prog, sizeof prog);
    snprintf(cmd, sizeof cmd, "%s run %s", XN_BIN, prog);
    rc = run(cmd);
    XT_CHECK(rc == 0 && strstr(out_buf, "program completed") && strstr(out_buf, "balance-height") &&
                 strstr(out_buf, "0 recovery steps"),
             "G1 kept on its feet: exit %d: %s", rc, out_buf);
    /* the example the README names: three pushes (20 N s backward and forward, 25 sideways),
     * no step, still standing: a change to the QP's rounding once made it fall at the first */
    snprintf(cmd, sizeof cmd, "%s run %s/examples/g1_feet_kept.xnp --quiet", XN_BIN, XN_SOURCE_DIR);
    rc = run(cmd);
    const char *standing = strstr(out_buf, "standing at ");
    double height = standing ? atof(standing + strlen("standing at ")) : 0;
    XT_CHECK(rc == 0 && strstr(out_buf, "program completed") &&
                 strstr(out_buf, "0 recovery steps") && height > 0.5,
             "examples/g1_feet_kept.xnp: on its feet at the end (pelvis %.3f m), exit %d: %s",
             height, rc, out_buf);
    /* mistakes in a balance description, each refused with its place named: a brake for a joint
     * the robot lacks and one that is not a deceleration; a tuning setting the library lacks and
     * two out of range (named by xn_balance_create, through the controller) */
    const char *desc_head =
        "{\"model\": \"" XN_MODELS_DIR "/mjcf/unitree_g1/scene.xml\", \"imu\": "
        "\"imu_in_pelvis\", \"feet\": [{\"frame\": \"left_foot\", \"corners\": [[0.07, 0, 0], "
        "[0.05, 0.02, 0], [-0.08, 0, 0], [0.05, -0.02, 0]]}, {\"frame\": \"right_foot\", "
        "\"corners\": [[0.07, 0, 0], [0.05, 0.02, 0], [-0.08, 0, 0], [0.05, -0.02, 0]]}], "
        "\"stepping\": false, ";
    static const struct {
        const char *tail, *says;
    } bad_desc[] = {
        {"\"brake\": {\"left_knee\": 50}}", "\"brake\": the model has no 1-DoF joint 'left_knee'"},
        {"\"brake\": {\"left_knee_joint\": -50}}",
         "each \"brake\" entry is a joint's name and a positive deceleration"},
        {"\"balance\": {\"dcm_gian\": 3}}", "\"balance\" has no setting \"dcm_gian\""},
        {"\"balance\": {\"stand_lower\": 0.6}}", "stand_lower 0.6 (in [0, 0.5))"},
        {"\"wbc\": {\"brake_time\": 0}}", "wbc: brake_time 0"},
    };
    write_file("bad_brake.xnp", "balance load bad_brake.json\nstand for 1\n", prog, sizeof prog);
    snprintf(cmd, sizeof cmd, "run %s", prog);
    for (size_t i = 0; i < sizeof bad_desc / sizeof bad_desc[0]; i++) {
        char body[2048];
        snprintf(body, sizeof body, "%s%s", desc_head, bad_desc[i].tail);
        write_file("bad_brake.json", body, desc, sizeof desc);
        check_error(cmd, bad_desc[i].says);
    }
#endif
}

int main(void) {
    check_tune();
    check_balance();
    check_path();
    check_ik();
    check_run();
    check_interrupt();
    check_otg("ruckig_3dof.jsonl");
    char otgbad[512], otgargs[2048];
    write_file("bad_otg.jsonl",
               "{\"dofs\":1,\"current_position\":[0],\"current_velocity\":[0],"
               "\"current_acceleration\":[0],\"target_position\":[1,2],\"max_velocity\":[1],"
               "\"max_acceleration\":[1],\"max_jerk\":[1]}\n",
               otgbad, sizeof otgbad);
    snprintf(otgargs, sizeof otgargs, "otg --in %s", otgbad);
    check_error(otgargs, "bad_otg.jsonl:1: \"target_position\" has 2 entries for 1 DoFs");
    check_error("otg --from 0 --to 1x --vmax 1 --amax 1 --jmax 1",
                "--to '1x' is not a list of numbers");
    check_error("otg --from 0 --to 1 --vmax 1 --amax -1 --jmax 1",
                "max velocity, acceleration and jerk must be > 0");
    check_error("otg --from 0,1 --to 1,2,3 --vmax 1 --amax 1 --jmax 1",
                "--from has 2 values; give 1 or 3");
    check_reference("panda.json", "panda.urdf");
    check_reference("ur5.json", "ur5_robot.urdf");
    check_reference("talos.json", "talos_full_v2.urdf");
    check_reference("go2.json", "go2.urdf");

    char bad1[512], bad2[512], bad3[512], args[2048];
    write_file("short_q.jsonl", "{\"q\":[0,0,0],\"v\":[0,0,0,0,0,0],\"a\":[0,0,0,0,0,0]}\n", bad1,
               sizeof bad1);
    snprintf(args, sizeof args, "dyn %s/urdf/ur5_robot.urdf --in %s", XN_MODELS_DIR, bad1);
    check_error(args, "short_q.jsonl:1: \"q\" has 3 entries, the model needs 6");
    write_file("text_q.jsonl",
               "\n{\"q\":[0,0,0,0,0,\"x\"],\"v\":[0,0,0,0,0,0],\"a\":[0,0,0,0,0,0]}\n", bad2,
               sizeof bad2);
    snprintf(args, sizeof args, "dyn %s/urdf/ur5_robot.urdf --in %s", XN_MODELS_DIR, bad2);
    check_error(args, "text_q.jsonl:2: \"q\" must be an array of numbers");
    write_file("nan_q.jsonl", "{\"q\":[0,0,0,0,0,NaN],\"v\":[0,0,0,0,0,0],\"a\":[0,0,0,0,0,0]}\n",
               bad3, sizeof bad3);
    snprintf(args, sizeof args, "dyn %s/urdf/ur5_robot.urdf --in %s", XN_MODELS_DIR, bad3);
    check_error(args, "nan_q.jsonl:1: JSON error");
    snprintf(args, sizeof args, "dyn %s/urdf/ur5_robot.urdf --in %s --frames nosuchframe",
             XN_MODELS_DIR, bad1);
    check_error(args, "no frame named 'nosuchframe'");
    check_error("info /nonexistent/robot.urdf", "/nonexistent/robot.urdf");
    check_error("info", "no model file");
    check_error("dyn --in x", "no model file");
    char badurdf[512];
    write_file("bad.urdf",
               "<robot name=\"r\">\n  <link name=\"a\">\n    <inertial><mass value=\"-1\"/>"
               "<inertia ixx=\"1\" iyy=\"1\" izz=\"1\" ixy=\"0\" ixz=\"0\" iyz=\"0\"/></inertial>\n"
               "  </link>\n</robot>\n",
               badurdf, sizeof badurdf);
    snprintf(args, sizeof args, "info %s", badurdf);
    check_error(args, "bad.urdf:3: link 'a': mass -1");
    return xt_done("xn_cli");
}
