/* The robot-program parser: what a valid program means, and for each kind of mistake the line,
 * the column and the words of the message. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "test_util.h"
#include "xiaonao/program.h"
#include "xiaonao/safety.h"

#define M_PI 3.14159265358979323846

static xn_program *parse(const char *text, xn_error *err) {
    xn_program *p = NULL;
    xn_program_parse(text, strlen(text), "t.xnp", &p, err);
    return p;
}

static void valid(void) {
    const char *text = "# header\n"
                       "pose home = [0, -45deg, 0.5]   # comment\n"
                       "\n"
                       "set speed 80%\n"
                       "movej home speed 0.5 accel 50% blend 2deg\n"
                       "movej [1, 2e-1, -3] \n"
                       "wait 0.25\n"
                       "wait until settled\n"
                       "wait until settled 0.002\n"
                       "wait until j2 < -0.5\n"
                       "set payload 1.5 [0, 0, 0.1]\n"
                       "set tool [0, 0, 0.1, 0, 0, 90deg]\n"
                       "movej later\n"
                       "stop\n"
                       "pose later = [3, 2, 1]\n";
    xn_error err;
    xn_program *p = parse(text, &err);
    XT_CHECK(p != NULL, "valid program rejected: %s", err.message);
    if (!p) return;
    XT_CHECK(p->n == 11, "%d instructions, expected 11", p->n);
    const xn_instruction *in = p->ins;
    XT_CHECK(in[0].op == XN_OP_SET_SPEED && fabs(in[0].value[0] - 0.8) < 1e-15 && in[0].line == 4,
             "set speed 80%%");
    XT_CHECK(in[1].op == XN_OP_MOVEJ && in[1].naxes == 3 && strcmp(in[1].name, "home") == 0 &&
                 fabs(in[1].target[1] + M_PI / 4) < 1e-15 && in[1].speed == 0.5 &&
                 fabs(in[1].accel - 0.5) < 1e-15 && fabs(in[1].blend - M_PI / 90) < 1e-15,
             "movej home with options");
    XT_CHECK(in[2].op == XN_OP_MOVEJ && in[2].target[1] == 0.2 && in[2].speed == 1 &&
                 in[2].blend == 0 && in[2].column == 1,
             "movej literal with defaults");
    XT_CHECK(in[3].op == XN_OP_WAIT_TIME && in[3].value[0] == 0.25, "wait 0.25");
    XT_CHECK(in[4].op == XN_OP_WAIT_SETTLED && in[4].value[0] == 1e-3, "settled default 1 mrad");
    XT_CHECK(in[5].op == XN_OP_WAIT_SETTLED && in[5].value[0] == 0.002, "settled 0.002");
    XT_CHECK(in[6].op == XN_OP_WAIT_JOINT && in[6].cmp == '<' && in[6].value[0] == -0.5 &&
                 strcmp(in[6].name, "j2") == 0,
             "wait until j2 < -0.5");
    XT_CHECK(in[7].op == XN_OP_SET_PAYLOAD && in[7].value[0] == 1.5 && in[7].value[3] == 0.1,
             "payload");
    XT_CHECK(in[8].op == XN_OP_SET_TOOL && fabs(in[8].value[5] - M_PI / 2) < 1e-15, "tool");
    XT_CHECK(in[9].op == XN_OP_MOVEJ && in[9].target[0] == 3, "a pose defined further down");
    XT_CHECK(in[10].op == XN_OP_STOP && in[10].line == 14, "stop on line 14");
    xn_program *sp = NULL;
    XT_CHECK(xn_program_parse("stream\nstream timeout 0.25\n", 26, "s", &sp, &err) == XN_OK &&
                 sp->n == 2 && sp->ins[0].op == XN_OP_STREAM && sp->ins[0].value[0] == 0 &&
                 sp->ins[1].op == XN_OP_STREAM && sp->ins[1].value[0] == 0.25,
             "stream, and stream timeout 0.25");
    xn_program_free(sp);

    /* the check against a robot: joint count, limits (naming line and joint), joint names */
    const char *names[3] = {"j1", "j2", "j3"};
    double lo[3] = {-4, -4, -4}, hi[3] = {4, 4, 4};
    XT_CHECK(xn_program_check(p, 3, names, lo, hi, &err) == XN_OK, "in limits: %s", err.message);
    hi[0] = 2.5; /* the pose "later" puts j1 at 3 */
    XT_CHECK(xn_program_check(p, 3, names, lo, hi, &err) != XN_OK && err.line == 13 &&
                 strstr(err.message, "j1") && strstr(err.message, "later") &&
                 strstr(err.message, "limits"),
             "beyond a limit: line %d, %s", err.line, err.message);
    hi[0] = 4;
    names[1] = "other";
    XT_CHECK(xn_program_check(p, 3, names, lo, hi, &err) != XN_OK && err.line == 10 &&
                 strstr(err.message, "j2"),
             "unknown joint in wait: line %d, %s", err.line, err.message);
    XT_CHECK(xn_program_check(p, 2, names, lo, hi, &err) != XN_OK && err.line == 5 &&
                 strstr(err.message, "3 joint values") && strstr(err.message, "2 joints"),
             "wrong joint count: %s", err.message);
    xn_program_free(p);
}

static void errors(void) {
    struct {
        const char *text;
        int line, column;
        const char *words;
    } cases[] = {
        {"movej [0, 0]\nmovex [1]\n", 2, 1, "unknown command 'movex'"},
        {"movel [1, 2, 3, 4, 5, 6]\n", 1, 7, "movel needs a Cartesian pose"},
        {"movel p[1, 2, 3]\n", 1, 16, "needs 6 values"},
        {"movel p[0.4, 0, 0.3, 0, 0, 0] speed 0\n", 1, 31, "a tool speed must be in (0, 10] m/s"},
        {"movel p[0.4, 0, 0.3, 0, 0, 0] blend 1deg\n", 1, 37, "takes no 'deg' unit"},
        {"movec p[0.4, 0, 0.3, 0, 0, 0]\n", 1, 30, "after movec, found the end of the line"},
        {"pose p = [1]\n", 1, 6, "'p' starts a Cartesian pose"},
        {"set base [1, 2]\n", 1, 15, "needs 6 values"},
        {"movej\n", 1, 6, "expected a pose name, [joint values] or p[x, y, z, roll, pitch, yaw]"},
        {"movej nowhere\n", 1, 7, "no pose named 'nowhere'"},
        {"movej [0, 1\n", 1, 12, "expected ',' or ']'"},
        {"movej [0, x]\n", 1, 11, "expected a number"},
        {"movej [0] speed\n", 1, 16, "expected a speed fraction"},
        {"movej [0] speed 1.5\n", 1, 11, "speed must be in (0, 1]"},
        {"movej [0] speed fast\n", 1, 17, "found fast"},
        {"movej [0] velocity 1\n", 1, 11, "unknown movej option 'velocity'"},
        {"movej [0] blend -1\n", 1, 11, "blend must be >= 0"},
        {"movej [0] 5\n", 1, 11, "unexpected 5 after the movej command"},
        {"movej [0rad]\n", 1, 9, "unknown unit"},
        {"movej [1e999]\n", 1, 8, "is not a number"},
        {"wait\n", 1, 5, "expected a time (s) or 'until'"},
        {"wait -1\n", 1, 6, "a wait time must be >= 0"},
        {"wait 5%\n", 1, 6, "takes no '%' unit"},
        {"wait until j1 = 3\n", 1, 15, "expected '<' or '>'"},
        {"wait until settled 0\n", 1, 20, "a tolerance must be > 0"},
        {"set speed 0\n", 1, 11, "the speed override must be in (0, 100%]"},
        {"set colour red\n", 1, 5, "unknown setting 'colour'"},
        {"set tool [1, 2, 3]\n", 1, 18, "needs 6 values"},
        {"set payload -1\n", 1, 13, "payload mass must be >= 0"},
        {"pose a = [1]\npose a = [2]\n", 2, 6, "pose 'a' is defined twice"},
        {"pose movej = [1]\n", 1, 6, "is a command"},
        {"pose q [1]\n", 1, 8, "expected '='"},
        {"stop now\n", 1, 6, "unexpected now"},
        {"stream timeout 0\n", 1, 16, "a stream's timeout must be > 0 s"},
        {"stream timeout\n", 1, 15, "expected a timeout (s)"},
        {"stream now\n", 1, 8, "unexpected now"},
        {"\n\n  @\n", 3, 3, "unexpected character '@'"},
        {"[1]\n", 1, 1, "expected a command"},
        {"movej [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]\n", 1, 47, "more than 16 values"},
        {"impedance joint -5 2 for 1\n", 1, 17, "a stiffness must be >= 0"},
        {"impedance joint 100 0 for 1\n", 1, 21, "the damping must be > 0"},
        {"impedance joint 100 5\n", 1, 22, "expected 'for SECONDS'"},
        {"impedance joint 100 5 for 0\n", 1, 27, "the duration must be > 0 s"},
        {"impedance joint 100 5 inertia 0 for 1\n", 1, 31, "a desired inertia must be > 0"},
        {"impedance cartesian [1, 1, 1, 1, 1, -1] for 1\n", 1, 21, "a stiffness must be >= 0"},
        {"impedance cartesian [1, 1, 1, 1, 1, 1] damping [5, 5, 5, 0, 1, 1] for 1\n", 1, 48,
         "positive definite: every value > 0 (value 4 is 0)"},
        {"impedance spring 1 for 1\n", 1, 11, "expected 'joint' or 'cartesian'"},
        {"guide damping 0 for 1\n", 1, 15, "the damping must be > 0 N s/m"},
        {"guide lock q for 1\n", 1, 12, "expected axes to lock"},
        {"guide stiff 1 for 1\n", 1, 7, "unknown guide option 'stiff'"},
        {"admittance mass 0 for 1\n", 1, 17, "the virtual mass must be > 0 kg"},
        {"admittance spring 1 for 1\n", 1, 12, "unknown admittance option 'spring'"},
        {"set collision stop2 0\n", 1, 21, "a threshold of zero would stop on noise"},
        {"set contact elbow [0, 0, 0] 0.1\n", 1, 13, "expected a body region (skull, face"},
        {"set contact hand [0, 0] 0.1\n", 1, 23, "needs 3 values"},
        {"set contact hand [0, 0, 0] 0\n", 1, 28, "the radius must be > 0 m"},
        {"balance\n", 1, 8, "expected 'load' after balance"},
        {"balance load\n", 1, 13, "expected the robot's balance description"},
        {"push 1 2 3\n", 1, 6, "expected the body to push"},
        {"push pelvis 10 0\n", 1, 17, "expected the force along z (N)"},
        {"push pelvis 9000 0 0\n", 1, 13, "must be within +-5000"},
        {"push pelvis 10 0 0 for 0\n", 1, 24, "the duration must be > 0 s"},
        {"push pelvis 10 0 0 for 20\n", 1, 20, "a push lasts at most 10 s"},
        {"posture\n", 1, 8, "expected a joint's name or 'home'"},
        {"posture knee\n", 1, 13, "expected the joint's angle"},
        {"posture home now\n", 1, 14, "unexpected now after the posture command"},
        {"hand up 0 0 0\n", 1, 6, "expected 'left' or 'right'"},
        {"hand left 0 0\n", 1, 14, "expected the hand's z"},
        {"hand left 2 0 0\n", 1, 11, "within 1.5 m of the pelvis"},
        {"set contact hand [0, 0, 0] 0.1 pinned\n", 1, 32, "unexpected pinned"},
        {"set collaborative 0\n", 1, 19, "the tool-speed limit must be in (0, 10] m/s"},
        {"policy walk\n", 1, 8, "expected 'load' after policy"},
        {"policy load\n", 1, 12, "expected the policy's folder"},
        {"walk 0.5 0\n", 1, 11, "expected the yaw rate"},
        {"walk 9 0 0\n", 1, 6, "must be within +-5"},
        {"stand for -1\n", 1, 11, "the duration must be > 0 s"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        xn_error err;
        xn_program *p = parse(cases[i].text, &err);
        char where[64];
        snprintf(where, sizeof where, "line %d, column %d:", cases[i].line, cases[i].column);
        XT_CHECK(!p && err.line == cases[i].line && strstr(err.message, where) &&
                     strstr(err.message, cases[i].words),
                 "case %zu: expected \"%s %s\", got line %d \"%s\"", i, where, cases[i].words,
                 err.line, err.message);
        xn_program_free(p);
    }
    /* a NUL byte inside a line, and a missing file */
    xn_program *p = NULL;
    xn_error err;
    XT_CHECK(xn_program_parse("stop\0x\n", 7, "nul", &p, &err) != XN_OK && !p &&
                 strstr(err.message, "NUL"),
             "NUL byte: %s", err.message);
    XT_CHECK(xn_program_load("/nonexistent/x.xnp", &p, &err) == XN_ERR_IO && !p &&
                 strstr(err.message, "cannot open"),
             "missing file: %s", err.message);
    /* an empty program is valid and does nothing */
    XT_CHECK(xn_program_parse("", 0, "empty", &p, &err) == XN_OK && p && p->n == 0, "empty");
    xn_program_free(p);
}

static void cartesian(void) {
    const char *text = "pose above = p[0.5, 0, 0.3, 180deg, 0, 0]\n"
                       "set base [0, 0, 0.1, 0, 0, 90deg]\n"
                       "movel above speed 0.2 accel 1 blend 0.01\n"
                       "movec p[0.5, 0.1, 0.35, 180deg, 0, 0] p[0.5, 0.2, 0.3, 3.14, 0, 0]\n"
                       "movej above speed 0.5\n"
                       "movel p[0.4, 0, 0.3, 3.14, 0, 0]\n";
    xn_error err;
    xn_program *p = parse(text, &err);
    XT_CHECK(p && p->n == 5, "Cartesian program: %s", p ? "" : err.message);
    if (!p) return;
    const xn_instruction *in = p->ins;
    XT_CHECK(in[0].op == XN_OP_SET_BASE && fabs(in[0].value[5] - M_PI / 2) < 1e-15, "set base");
    XT_CHECK(in[1].op == XN_OP_MOVEL && in[1].cart && in[1].naxes == 6 && in[1].speed == 0.2 &&
                 in[1].accel == 1 && in[1].blend == 0.01 && fabs(in[1].target[3] - M_PI) < 1e-15 &&
                 strcmp(in[1].name, "above") == 0,
             "movel above with options");
    XT_CHECK(in[2].op == XN_OP_MOVEC && in[2].value[1] == 0.1 && in[2].target[1] == 0.2 &&
                 in[2].speed == 0.25 && in[2].accel == 1.2,
             "movec via, target, default tool speed 0.25 m/s and acceleration 1.2 m/s^2");
    XT_CHECK(in[3].op == XN_OP_MOVEJ && in[3].cart && in[3].speed == 0.5,
             "movej to a Cartesian pose");
    XT_CHECK(in[4].op == XN_OP_MOVEL && in[4].cart && in[4].target[0] == 0.4, "movel p[...]");
    /* the joint-limit check leaves Cartesian targets to the planner */
    const char *names[2] = {"a", "b"};
    double lo[2] = {-1, -1}, hi[2] = {1, 1};
    XT_CHECK(xn_program_check(p, 2, names, lo, hi, &err) == XN_OK, "check: %s", err.message);
    xn_program_free(p);
}

static void compliance(void) {
    const char *text = "impedance joint [1, 2, 3] 4 inertia [0.5, 0.4, 0.3] for 1.5\n"
                       "impedance cartesian [1000, 1000, 800, 50, 50, 40] for 2\n"
                       "impedance cartesian [1, 2, 3, 4, 5, 6] damping [7, 8, 9, 1, 2, 3] for 2\n"
                       "guide damping 40 speed 0.2 lock rx ry rz for 30\n"
                       "guide for 5\n"
                       "admittance mass 3 damping 90 stiffness 400 for 10\n"
                       "set contact lower_arm [0.3, 0.1, 0.5] 0.15 clamped\n"
                       "set contact off\n"
                       "set collaborative 0.25\n"
                       "policy load \"policies/my policy\"  # a comment\n"
                       "walk 0.5 -0.1 0.2 for 3\n"
                       "stand\n";
    xn_error err;
    xn_program *p = parse(text, &err);
    XT_CHECK(p && p->n == 12, "compliance program: %s", p ? "" : err.message);
    if (!p) return;
    const xn_instruction *in = p->ins;
    XT_CHECK(in[0].op == XN_OP_IMPEDANCE && !in[0].cart && in[0].naxes == 3 &&
                 in[0].target[2] == 3 && in[0].value[0] == 4 && in[0].duration == 1.5 &&
                 in[0].ninertia == 3 && in[0].inertia[2] == 0.3,
             "joint impedance, K and inertia per joint");
    XT_CHECK(in[1].inertia[0] == 0, "no inertia shaping unless asked");
    XT_CHECK(in[1].op == XN_OP_IMPEDANCE && in[1].cart && in[1].target[2] == 800 &&
                 in[1].value[0] == 0,
             "Cartesian impedance, damping left to the controller");
    XT_CHECK(in[2].value[3] == 1 && in[2].target[5] == 6, "Cartesian impedance with damping");
    XT_CHECK(in[3].op == XN_OP_GUIDE && in[3].value[0] == 40 && in[3].value[1] == 0.2 &&
                 in[3].target[0] == 0 && in[3].target[3] == 1 && in[3].target[5] == 1 &&
                 in[3].duration == 30,
             "guide with options");
    XT_CHECK(in[4].value[0] == 50 && in[4].value[1] == 0.25, "guide defaults 50 N s/m, 0.25 m/s");
    XT_CHECK(in[5].op == XN_OP_ADMITTANCE && in[5].value[0] == 3 && in[5].value[1] == 90 &&
                 in[5].value[2] == 400,
             "admittance");
    XT_CHECK(in[6].op == XN_OP_SET_CONTACT && in[6].value[0] == XN_BODY_LOWER_ARM &&
                 in[6].value[2] == 0.1 && in[6].value[4] == 0.15 && in[6].value[5] == 1,
             "set contact, clamped");
    XT_CHECK(in[7].op == XN_OP_SET_CONTACT && in[7].value[0] == -1, "set contact off");
    XT_CHECK(in[8].op == XN_OP_SET_COLLABORATIVE && in[8].value[0] == 0.25, "set collaborative");
    XT_CHECK(in[9].op == XN_OP_POLICY_LOAD && strcmp(in[9].path, "policies/my policy") == 0,
             "policy load with a quoted path: '%s'", in[9].path);
    XT_CHECK(in[10].op == XN_OP_WALK && in[10].value[1] == -0.1 && in[10].duration == 3, "walk");
    XT_CHECK(in[11].op == XN_OP_STAND && in[11].duration == 0, "stand");
    xn_program_free(p);
}

int main(void) {
    valid();
    compliance();
    cartesian();
    errors();
    return xt_done("test_program");
}
