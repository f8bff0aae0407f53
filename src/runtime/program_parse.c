/* The robot-program parser: one command per line, a table of commands, errors with line and
 * column. Two passes: named poses first (so a pose may be used before the line that defines it
 * is reached), then the commands.
 * SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xiaonao/program.h"
#include "xiaonao/safety.h"

#include "model/error_internal.h"
#include "runtime/runtime_internal.h"

#define MAX_POSES 256
#define DEG (3.14159265358979323846 / 180.0)

typedef enum { T_END, T_WORD, T_NUMBER, T_PUNCT } token_kind;

typedef struct {
    token_kind kind;
    int column;    /* 1-based */
    char text[64]; /* the token as written (truncated) */
    xn_real number;
    char unit; /* numbers: 'd' for deg, '%' for percent, 0 for none */
} token;

typedef struct {
    const char *s; /* the line */
    size_t len, pos;
    int line;
    const char *source;
    xn_error *err;
    token tok; /* the current token */
} lexer;

typedef struct {
    char name[64];
    int n;
    int cart; /* 1: p[x, y, z, roll, pitch, yaw], a Cartesian pose */
    xn_real v[XN_PROGRAM_MAX_AXES];
} pose;

typedef struct {
    pose poses[MAX_POSES];
    int npose;
} pose_table;

static int fail(lexer *lx, int column, const char *fmt, ...) {
    if (lx->err) {
        char what[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        lx->err->index = -1;
        snprintf(lx->err->file, sizeof lx->err->file, "%s", lx->source);
        lx->err->line = lx->line;
        snprintf(lx->err->message, sizeof lx->err->message, "line %d, column %d: %s", lx->line,
                 column, what);
    }
    return -1;
}

static const char *describe(const token *t) {
    static const char *const names[] = {"the end of the line", NULL, NULL, NULL};
    return t->kind == T_END ? names[0] : t->text;
}

/* Read the next token into lx->tok. Returns -1 on a character that starts no token. */
static int next(lexer *lx) {
    while (lx->pos < lx->len &&
           (lx->s[lx->pos] == ' ' || lx->s[lx->pos] == '\t' || lx->s[lx->pos] == '\r'))
        lx->pos++;
    token *t = &lx->tok;
    memset(t, 0, sizeof *t);
    t->column = (int)lx->pos + 1;
    if (lx->pos >= lx->len || lx->s[lx->pos] == '#') {
        t->kind = T_END;
        return 0;
    }
    const char *p = lx->s + lx->pos;
    size_t rest = lx->len - lx->pos;
    char c = *p;
    if (isalpha((unsigned char)c) || c == '_') {
        size_t n = 0;
        while (n < rest && (isalnum((unsigned char)p[n]) || p[n] == '_')) n++;
        t->kind = T_WORD;
        snprintf(t->text, sizeof t->text, "%.*s", (int)(n < 63 ? n : 63), p);
        if (n >= sizeof t->text)
            return fail(lx, t->column, "name too long (63 characters at most)");
        lx->pos += n;
        return 0;
    }
    if (isdigit((unsigned char)c) || c == '-' || c == '+' || c == '.') {
        char buf[64];
        size_t n = 0;
        while (n < rest && n < sizeof buf - 1 &&
               (isdigit((unsigned char)p[n]) || p[n] == '.' || p[n] == '-' || p[n] == '+' ||
                ((p[n] == 'e' || p[n] == 'E') && n > 0 && isdigit((unsigned char)p[n - 1]))))
            n++;
        memcpy(buf, p, n);
        buf[n] = 0;
        char *end = NULL;
        errno = 0;
        double x = strtod(buf, &end);
        if (end == buf || (size_t)(end - buf) != n || errno == ERANGE || !isfinite(x))
            return fail(lx, t->column, "'%s' is not a number", buf);
        t->kind = T_NUMBER;
        t->number = x;
        snprintf(t->text, sizeof t->text, "%s", buf);
        lx->pos += n;
        if (lx->pos + 3 <= lx->len && strncmp(lx->s + lx->pos, "deg", 3) == 0 &&
            !(lx->pos + 3 < lx->len && isalnum((unsigned char)lx->s[lx->pos + 3]))) {
            t->unit = 'd';
            t->number *= DEG;
            lx->pos += 3;
        } else if (lx->pos < lx->len && lx->s[lx->pos] == '%') {
            t->unit = '%';
            t->number *= 0.01;
            lx->pos += 1;
        } else if (lx->pos < lx->len && isalpha((unsigned char)lx->s[lx->pos])) {
            return fail(lx, (int)lx->pos + 1, "unknown unit after %s (use deg, %%, or none)", buf);
        }
        return 0;
    }
    if (strchr("[],=<>", c)) {
        t->kind = T_PUNCT;
        t->text[0] = c;
        lx->pos++;
        return 0;
    }
    if ((unsigned char)c < 32 || (unsigned char)c >= 127)
        return fail(lx, t->column, "unexpected character (code %d)", (unsigned char)c);
    return fail(lx, t->column, "unexpected character '%c'", c);
}

static int is_word(const token *t, const char *w) {
    return t->kind == T_WORD && strcmp(t->text, w) == 0;
}
static int is_punct(const token *t, char c) { return t->kind == T_PUNCT && t->text[0] == c; }

static int expect_punct(lexer *lx, char c, const char *context) {
    if (!is_punct(&lx->tok, c))
        return fail(lx, lx->tok.column, "expected '%c' %s, found %s", c, context,
                    describe(&lx->tok));
    return next(lx);
}

/* A number (any unit allowed by `units`: "d%" etc.) */
static int number(lexer *lx, const char *what, const char *units, xn_real *out) {
    if (lx->tok.kind != T_NUMBER)
        return fail(lx, lx->tok.column, "expected %s, found %s", what, describe(&lx->tok));
    if (lx->tok.unit && !strchr(units, lx->tok.unit))
        return fail(lx, lx->tok.column, "%s takes no '%s' unit", what,
                    lx->tok.unit == 'd' ? "deg" : "%");
    *out = lx->tok.number;
    return next(lx);
}

/* [a, b, c]: between min and max numbers. */
static int vector(lexer *lx, const char *what, int min, int max, xn_real *v, int *n) {
    if (expect_punct(lx, '[', what) < 0) return -1;
    *n = 0;
    while (!is_punct(&lx->tok, ']')) {
        if (*n == max) return fail(lx, lx->tok.column, "%s has more than %d values", what, max);
        if (number(lx, "a number", "d", &v[*n]) < 0) return -1;
        (*n)++;
        if (is_punct(&lx->tok, ',')) {
            if (next(lx) < 0) return -1;
        } else if (!is_punct(&lx->tok, ']')) {
            return fail(lx, lx->tok.column, "expected ',' or ']' in %s, found %s", what,
                        describe(&lx->tok));
        }
    }
    if (*n < min) return fail(lx, lx->tok.column, "%s needs %d values, found %d", what, min, *n);
    return next(lx);
}

static int end_of_line(lexer *lx, const char *command) {
    if (lx->tok.kind != T_END)
        return fail(lx, lx->tok.column, "unexpected %s after the %s command", describe(&lx->tok),
                    command);
    return 0;
}

static const pose *find_pose(const pose_table *pt, const char *name) {
    for (int i = 0; i < pt->npose; i++)
        if (strcmp(pt->poses[i].name, name) == 0) return &pt->poses[i];
    return NULL;
}

/* ---- the commands ---- */

typedef int (*parse_fn)(lexer *lx, const pose_table *pt, xn_instruction *in);

/* A motion target: a pose name, [joint values], or p[x, y, z, roll, pitch, yaw] (metres and
 * radians, in the base frame). */
static int parse_target(lexer *lx, const pose_table *pt, const char *command, xn_real *v, int *n,
                        int *cart, char name[64]) {
    name[0] = 0;
    *cart = 0;
    if (is_word(&lx->tok, "p") && lx->pos < lx->len && lx->s[lx->pos] == '[') {
        if (next(lx) < 0) return -1;
        *cart = 1;
        return vector(lx, "the Cartesian pose p[x, y, z, roll, pitch, yaw]", 6, 6, v, n);
    }
    if (lx->tok.kind == T_WORD) {
        const pose *p = find_pose(pt, lx->tok.text);
        if (!p)
            return fail(lx, lx->tok.column, "no pose named '%s' (define it with: pose %s = [...])",
                        lx->tok.text, lx->tok.text);
        snprintf(name, 64, "%s", p->name);
        *n = p->n;
        *cart = p->cart;
        memcpy(v, p->v, sizeof p->v);
        return next(lx);
    }
    if (is_punct(&lx->tok, '['))
        return vector(lx, "the joint target", 1, XN_PROGRAM_MAX_AXES, v, n);
    return fail(lx, lx->tok.column,
                "expected a pose name, [joint values] or p[x, y, z, roll, pitch, yaw] after %s, "
                "found %s",
                command, describe(&lx->tok));
}

/* Options after a motion: speed, accel, blend. Joint motions take fractions of the rated
 * limits, Cartesian ones the tool's speed (m/s) and acceleration (m/s^2). */
static int motion_options(lexer *lx, xn_instruction *in, int cartesian, const char *command) {
    while (lx->tok.kind == T_WORD) {
        token opt = lx->tok;
        if (next(lx) < 0) return -1;
        if (strcmp(opt.text, "speed") == 0) {
            if (cartesian) {
                if (number(lx, "a tool speed (m/s) after 'speed'", "", &in->speed) < 0) return -1;
                if (!(in->speed > 0 && in->speed <= 10))
                    return fail(lx, opt.column, "a tool speed must be in (0, 10] m/s, found %g",
                                in->speed);
            } else {
                if (number(lx, "a speed fraction (0..1] after 'speed'", "%", &in->speed) < 0)
                    return -1;
                if (!(in->speed > 0 && in->speed <= 1))
                    return fail(lx, opt.column, "speed must be in (0, 1], found %g", in->speed);
            }
        } else if (strcmp(opt.text, "accel") == 0) {
            if (cartesian) {
                if (number(lx, "a tool acceleration (m/s^2) after 'accel'", "", &in->accel) < 0)
                    return -1;
                if (!(in->accel > 0 && in->accel <= 100))
                    return fail(lx, opt.column,
                                "a tool acceleration must be in (0, 100] m/s^2, found %g",
                                in->accel);
            } else {
                if (number(lx, "an acceleration fraction (0..1] after 'accel'", "%", &in->accel) <
                    0)
                    return -1;
                if (!(in->accel > 0 && in->accel <= 1))
                    return fail(lx, opt.column, "accel must be in (0, 1], found %g", in->accel);
            }
        } else if (strcmp(opt.text, "blend") == 0) {
            if (number(lx,
                       cartesian ? "a blend radius (m) after 'blend'"
                                 : "a blend radius (rad) after 'blend'",
                       cartesian ? "" : "d", &in->blend) < 0)
                return -1;
            if (!(in->blend >= 0))
                return fail(lx, opt.column, "blend must be >= 0, found %g", in->blend);
        } else {
            return fail(lx, opt.column, "unknown %s option '%s' (expected speed, accel or blend)",
                        command, opt.text);
        }
    }
    return end_of_line(lx, command);
}

static int parse_movej(lexer *lx, const pose_table *pt, xn_instruction *in) {
    in->op = XN_OP_MOVEJ;
    in->speed = in->accel = 1;
    in->blend = 0;
    if (parse_target(lx, pt, "movej", in->target, &in->naxes, &in->cart, in->name) < 0) return -1;
    return motion_options(lx, in, 0, "movej");
}

static int cartesian_target(lexer *lx, const pose_table *pt, const char *command, xn_real *v,
                            char name[64]) {
    int col = lx->tok.column, n = 0, cart = 0;
    if (parse_target(lx, pt, command, v, &n, &cart, name) < 0) return -1;
    if (!cart)
        return fail(lx, col,
                    "%s needs a Cartesian pose (p[x, y, z, roll, pitch, yaw] or a pose "
                    "defined with p[...]), not joint values",
                    command);
    return 0;
}

static int parse_movel(lexer *lx, const pose_table *pt, xn_instruction *in) {
    in->op = XN_OP_MOVEL;
    in->speed = 0.25; /* m/s */
    in->accel = 1.2;  /* m/s^2 */
    in->cart = 1;
    in->naxes = 6;
    if (cartesian_target(lx, pt, "movel", in->target, in->name) < 0) return -1;
    return motion_options(lx, in, 1, "movel");
}

static int parse_movec(lexer *lx, const pose_table *pt, xn_instruction *in) {
    in->op = XN_OP_MOVEC;
    in->speed = 0.25;
    in->accel = 1.2;
    in->cart = 1;
    in->naxes = 6;
    char via[64];
    if (cartesian_target(lx, pt, "movec (its via point)", in->value, via) < 0) return -1;
    if (cartesian_target(lx, pt, "movec", in->target, in->name) < 0) return -1;
    return motion_options(lx, in, 1, "movec");
}

static int parse_wait(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    if (lx->tok.kind == T_NUMBER) {
        in->op = XN_OP_WAIT_TIME;
        int col = lx->tok.column;
        if (number(lx, "a time (s)", "", &in->value[0]) < 0) return -1;
        if (!(in->value[0] >= 0)) return fail(lx, col, "a wait time must be >= 0");
        return end_of_line(lx, "wait");
    }
    if (!is_word(&lx->tok, "until"))
        return fail(lx, lx->tok.column, "expected a time (s) or 'until' after wait, found %s",
                    describe(&lx->tok));
    if (next(lx) < 0) return -1;
    if (is_word(&lx->tok, "settled")) {
        in->op = XN_OP_WAIT_SETTLED;
        in->value[0] = 1e-3;
        if (next(lx) < 0) return -1;
        if (lx->tok.kind == T_NUMBER) {
            int col = lx->tok.column;
            if (number(lx, "a tolerance (rad)", "d", &in->value[0]) < 0) return -1;
            if (!(in->value[0] > 0)) return fail(lx, col, "a tolerance must be > 0");
        }
        return end_of_line(lx, "wait");
    }
    if (lx->tok.kind != T_WORD)
        return fail(lx, lx->tok.column,
                    "expected 'settled' or a joint name after 'until', found %s",
                    describe(&lx->tok));
    in->op = XN_OP_WAIT_JOINT;
    snprintf(in->name, sizeof in->name, "%s", lx->tok.text);
    if (next(lx) < 0) return -1;
    if (!is_punct(&lx->tok, '<') && !is_punct(&lx->tok, '>'))
        return fail(lx, lx->tok.column, "expected '<' or '>' after %s, found %s", in->name,
                    describe(&lx->tok));
    in->cmp = lx->tok.text[0];
    if (next(lx) < 0) return -1;
    if (number(lx, "a joint position", "d", &in->value[0]) < 0) return -1;
    return end_of_line(lx, "wait");
}

static int parse_set(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    token what = lx->tok;
    if (what.kind != T_WORD)
        return fail(lx, what.column,
                    "expected speed, payload, tool, base, shaper, collision, contact or "
                    "collaborative after set, found %s",
                    describe(&what));
    if (next(lx) < 0) return -1;
    int n = 0;
    if (strcmp(what.text, "speed") == 0) {
        in->op = XN_OP_SET_SPEED;
        int col = lx->tok.column;
        if (number(lx, "a speed override (e.g. 80% or 0.8)", "%", &in->value[0]) < 0) return -1;
        if (!(in->value[0] > 0 && in->value[0] <= 1))
            return fail(lx, col, "the speed override must be in (0, 100%%], found %g%%",
                        in->value[0] * 100);
    } else if (strcmp(what.text, "payload") == 0) {
        in->op = XN_OP_SET_PAYLOAD;
        int col = lx->tok.column;
        if (number(lx, "a payload mass (kg)", "", &in->value[0]) < 0) return -1;
        if (!(in->value[0] >= 0)) return fail(lx, col, "a payload mass must be >= 0");
        if (is_punct(&lx->tok, '[')) {
            if (vector(lx, "the payload's centre of mass [x, y, z]", 3, 3, &in->value[1], &n) < 0)
                return -1;
        }
    } else if (strcmp(what.text, "tool") == 0) {
        in->op = XN_OP_SET_TOOL;
        if (vector(lx, "the tool frame [x, y, z, roll, pitch, yaw]", 6, 6, in->value, &n) < 0)
            return -1;
    } else if (strcmp(what.text, "base") == 0) {
        in->op = XN_OP_SET_BASE;
        if (vector(lx, "the base frame [x, y, z, roll, pitch, yaw]", 6, 6, in->value, &n) < 0)
            return -1;
    } else if (strcmp(what.text, "collision") == 0) {
        in->op = XN_OP_SET_COLLISION;
        static const char *const kinds[] = {"stop0", "stop1", "stop2", "reflex", "compliant"};
        token kind = lx->tok;
        int k = is_word(&kind, "off") ? -1 : -2;
        for (int i = 0; i < 5; i++)
            if (is_word(&kind, kinds[i])) k = i;
        if (k == -2)
            return fail(lx, kind.column,
                        "expected stop0, stop1, stop2, reflex, compliant or off after 'set "
                        "collision', found %s",
                        describe(&kind));
        in->value[0] = k;
        in->value[1] = 1;
        if (next(lx) < 0) return -1;
        if (k >= 0 && lx->tok.kind == T_NUMBER) {
            int col = lx->tok.column;
            if (number(lx, "a threshold scale", "%", &in->value[1]) < 0) return -1;
            if (!(in->value[1] > 0) || !isfinite(in->value[1]))
                return fail(lx, col,
                            "the threshold scale must be > 0 (a threshold of zero would "
                            "stop on noise)");
        }
    } else if (strcmp(what.text, "shaper") == 0) {
        in->op = XN_OP_SET_SHAPER;
        static const char *const kinds[] = {"zv", "zvd", "zvdd", "ei"};
        token kind = lx->tok;
        int k = -3;
        if (is_word(&kind, "off"))
            k = -1;
        else if (is_word(&kind, "auto"))
            k = -2;
        for (int i = 0; i < 4; i++)
            if (is_word(&kind, kinds[i])) k = i;
        if (k == -3)
            return fail(lx, kind.column,
                        "expected zv, zvd, zvdd, ei, auto or off after 'set shaper', found %s",
                        describe(&kind));
        in->value[0] = k;
        if (next(lx) < 0) return -1;
        if (k >= 0) {
            int col = lx->tok.column;
            if (number(lx, "the mode's frequency (Hz)", "", &in->value[1]) < 0) return -1;
            if (!(in->value[1] > 0)) return fail(lx, col, "the frequency must be > 0 Hz");
            col = lx->tok.column;
            if (number(lx, "the mode's damping ratio", "", &in->value[2]) < 0) return -1;
            if (!(in->value[2] >= 0 && in->value[2] < 1))
                return fail(lx, col, "the damping ratio must be in [0, 1), found %g", in->value[2]);
            in->value[3] = 0.05;
            if (k == 3 && lx->tok.kind == T_NUMBER) {
                col = lx->tok.column;
                if (number(lx, "the vibration tolerance", "%", &in->value[3]) < 0) return -1;
                if (!(in->value[3] > 0 && in->value[3] < 1))
                    return fail(lx, col, "the vibration tolerance must be in (0, 1), found %g",
                                in->value[3]);
            }
        }
    } else if (strcmp(what.text, "contact") == 0) {
        /* set contact REGION [x, y, z] RADIUS | off */
        in->op = XN_OP_SET_CONTACT;
        token region = lx->tok;
        in->value[0] = -1;
        if (is_word(&region, "off")) {
            if (next(lx) < 0) return -1;
            return end_of_line(lx, "set");
        }
        int r = region.kind == T_WORD ? xn_body_region_from_name(region.text) : -1;
        if (r < 0) {
            char names[256] = "";
            for (int k = 0; k < XN_BODY_COUNT; k++) {
                size_t len = strlen(names);
                snprintf(names + len, sizeof names - len, "%s%s", k ? ", " : "",
                         xn_body_region_limits((xn_body_region)k)->name);
            }
            return fail(lx, region.column,
                        "expected a body region (%s) or off after 'set contact', found %s", names,
                        describe(&region));
        }
        in->value[0] = r;
        if (next(lx) < 0) return -1;
        if (vector(lx, "the region's centre [x, y, z] (m, base frame)", 3, 3, &in->value[1], &n) <
            0)
            return -1;
        int col = lx->tok.column;
        if (number(lx, "the region's radius (m)", "", &in->value[4]) < 0) return -1;
        if (!(in->value[4] > 0)) return fail(lx, col, "the radius must be > 0 m");
        if (is_word(&lx->tok, "clamped")) { /* the person may be pinned: quasi-static limits */
            in->value[5] = 1;
            if (next(lx) < 0) return -1;
        }
    } else if (strcmp(what.text, "collaborative") == 0) {
        /* set collaborative SPEED | off: the tool-speed limit */
        in->op = XN_OP_SET_COLLABORATIVE;
        in->value[0] = 0;
        if (is_word(&lx->tok, "off")) {
            if (next(lx) < 0) return -1;
        } else {
            int col = lx->tok.column;
            if (number(lx, "a tool-speed limit (m/s)", "", &in->value[0]) < 0) return -1;
            if (!(in->value[0] > 0 && in->value[0] <= 10))
                return fail(lx, col, "the tool-speed limit must be in (0, 10] m/s, found %g",
                            in->value[0]);
        }
    } else {
        return fail(lx, what.column,
                    "unknown setting '%s' (expected speed, payload, tool, base, shaper, "
                    "collision, contact or collaborative)",
                    what.text);
    }
    return end_of_line(lx, "set");
}

static int parse_stop(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    in->op = XN_OP_STOP;
    return end_of_line(lx, "stop");
}

/* The patterns after `stream joints`, read as raw text (a pattern's `*`, `?` and `[...]` are no
 * tokens of the lexer) up to `timeout` or the end of the line, into in->path separated by
 * spaces; in->value[1] = 1. Each is matched to the robot's joints when the controller is made. */
static int stream_joints(lexer *lx, xn_instruction *in) {
    size_t used = 0;
    for (;;) {
        while (lx->pos < lx->len &&
               (lx->s[lx->pos] == ' ' || lx->s[lx->pos] == '\t' || lx->s[lx->pos] == '\r'))
            lx->pos++;
        size_t start = lx->pos, n = 0;
        while (start + n < lx->len && !strchr(" \t\r#", lx->s[start + n])) n++;
        if (n == 0 || (n == 7 && strncmp(lx->s + start, "timeout", 7) == 0)) break;
        for (size_t i = 0; i < n; i++) {
            char ch = lx->s[start + i];
            if (!isalnum((unsigned char)ch) && !strchr("_*?[]!-.", ch))
                return fail(lx, (int)(start + i) + 1,
                            "'%c' in a joint pattern (names, with * ? [...] for several)", ch);
        }
        if (used + n + 1 >= sizeof in->path)
            return fail(lx, (int)start + 1,
                        "stream joints: the patterns take more than %d "
                        "characters (use * to match several joints)",
                        (int)sizeof in->path - 1);
        if (used) in->path[used++] = ' ';
        memcpy(in->path + used, lx->s + start, n);
        used += n;
        in->path[used] = 0;
        lx->pos = start + n;
    }
    if (!used)
        return fail(lx, (int)lx->pos + 1,
                    "stream joints: expected the joints' names or patterns (e.g. 'finger*')");
    in->value[1] = 1;
    return next(lx);
}

/* `stream [joints PATTERN...] [timeout SECONDS]`: the joints (every one, or those the patterns
 * match) follow setpoints from outside the program; the program holds the others. */
static int parse_stream(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    in->op = XN_OP_STREAM;
    in->value[0] = 0; /* the controller's stream_timeout */
    in->value[1] = 0; /* every joint */
    if (is_word(&lx->tok, "joints") && stream_joints(lx, in) < 0) return -1;
    if (is_word(&lx->tok, "timeout")) {
        if (next(lx) < 0) return -1;
        int col = lx->tok.column;
        if (number(lx, "a timeout (s)", "", &in->value[0]) < 0) return -1;
        if (!(in->value[0] > 0)) return fail(lx, col, "a stream's timeout must be > 0 s");
    }
    return end_of_line(lx, "stream");
}

/* `for T`: the duration every compliant mode needs. */
static int duration(lexer *lx, xn_instruction *in, const char *command) {
    if (!is_word(&lx->tok, "for"))
        return fail(lx, lx->tok.column, "expected 'for SECONDS' (how long %s lasts), found %s",
                    command, describe(&lx->tok));
    if (next(lx) < 0) return -1;
    int col = lx->tok.column;
    if (number(lx, "a duration (s)", "", &in->duration) < 0) return -1;
    if (!(in->duration > 0)) return fail(lx, col, "the duration must be > 0 s");
    return end_of_line(lx, command);
}

/* A number or [numbers]: n values (a single number fills all n). */
static int values(lexer *lx, const char *what, int n, xn_real *out, int *count) {
    if (is_punct(&lx->tok, '[')) return vector(lx, what, 1, n, out, count);
    xn_real x = 0;
    if (number(lx, what, "", &x) < 0) return -1;
    for (int i = 0; i < n; i++) out[i] = x;
    *count = 0; /* a scalar: any joint count */
    return 0;
}

static int all_positive(const xn_real *v, int n) {
    for (int i = 0; i < n; i++)
        if (!(v[i] >= 0) || !isfinite(v[i])) return 0;
    return 1;
}

static int parse_impedance(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    in->op = XN_OP_IMPEDANCE;
    if (is_word(&lx->tok, "joint")) {
        if (next(lx) < 0) return -1;
        int col = lx->tok.column;
        if (values(lx, "the stiffness (N m/rad, or [one per joint])", XN_PROGRAM_MAX_AXES,
                   in->target, &in->naxes) < 0)
            return -1;
        if (!all_positive(in->target, XN_PROGRAM_MAX_AXES))
            return fail(lx, col, "a stiffness must be >= 0 (a negative one pushes away)");
        col = lx->tok.column;
        if (number(lx, "the damping (N m s/rad)", "", &in->value[0]) < 0) return -1;
        if (!(in->value[0] > 0))
            return fail(lx, col,
                        "the damping must be > 0 N m s/rad (without damping the arm rings on "
                        "its springs; a negative one feeds energy in)");
        if (is_word(&lx->tok, "inertia")) {
            if (next(lx) < 0) return -1;
            col = lx->tok.column;
            if (values(lx, "the desired inertia (kg m^2, or [one per joint])", XN_PROGRAM_MAX_AXES,
                       in->inertia, &in->ninertia) < 0)
                return -1;
            for (int k = 0; k < XN_PROGRAM_MAX_AXES; k++)
                if (!(in->inertia[k] > 0) && (in->ninertia == 0 || k < in->ninertia))
                    return fail(lx, col, "a desired inertia must be > 0 kg m^2");
        }
        return duration(lx, in, "impedance");
    }
    if (!is_word(&lx->tok, "cartesian"))
        return fail(lx, lx->tok.column, "expected 'joint' or 'cartesian' after impedance, found %s",
                    describe(&lx->tok));
    in->cart = 1;
    if (next(lx) < 0) return -1;
    int col = lx->tok.column, n;
    if (vector(lx, "the stiffness [x, y, z (N/m), rx, ry, rz (N m/rad)]", 6, 6, in->target, &n) < 0)
        return -1;
    if (!all_positive(in->target, 6))
        return fail(lx, col, "a stiffness must be >= 0 (a negative one pushes away)");
    if (is_word(&lx->tok, "damping")) {
        if (next(lx) < 0) return -1;
        col = lx->tok.column;
        if (vector(lx, "the damping [x, y, z (N s/m), rx, ry, rz (N m s/rad)]", 6, 6, in->value,
                   &n) < 0)
            return -1;
        for (int i = 0; i < 6; i++)
            if (!(in->value[i] > 0) || !isfinite(in->value[i]))
                return fail(lx, col,
                            "the damping must be positive definite: every value > 0 (value %d "
                            "is %g)",
                            i + 1, in->value[i]);
    }
    return duration(lx, in, "impedance");
}

static int parse_guide(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    in->op = XN_OP_GUIDE;
    in->value[0] = 50;
    in->value[1] = 0.25;
    static const char *const axes[6] = {"x", "y", "z", "rx", "ry", "rz"};
    while (lx->tok.kind == T_WORD && !is_word(&lx->tok, "for")) {
        token opt = lx->tok;
        if (next(lx) < 0) return -1;
        if (strcmp(opt.text, "damping") == 0) {
            int col = lx->tok.column;
            if (number(lx, "the damping (N s/m)", "", &in->value[0]) < 0) return -1;
            if (!(in->value[0] > 0)) return fail(lx, col, "the damping must be > 0 N s/m");
        } else if (strcmp(opt.text, "speed") == 0) {
            int col = lx->tok.column;
            if (number(lx, "the speed limit (m/s)", "", &in->value[1]) < 0) return -1;
            if (!(in->value[1] > 0)) return fail(lx, col, "the speed limit must be > 0 m/s");
        } else if (strcmp(opt.text, "lock") == 0) {
            int any = 0;
            for (int found = 1; found && lx->tok.kind == T_WORD;) {
                found = 0;
                for (int a = 0; a < 6; a++)
                    if (is_word(&lx->tok, axes[a])) {
                        in->target[a] = 1;
                        found = any = 1;
                    }
                if (found && next(lx) < 0) return -1;
            }
            if (!any)
                return fail(lx, lx->tok.column, "expected axes to lock (x y z rx ry rz), found %s",
                            describe(&lx->tok));
        } else {
            return fail(lx, opt.column,
                        "unknown guide option '%s' (expected damping, speed or lock)", opt.text);
        }
    }
    return duration(lx, in, "guide");
}

static int parse_admittance(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    in->op = XN_OP_ADMITTANCE;
    in->value[0] = 5;
    in->value[1] = 100;
    in->value[2] = 0;
    static const char *const keys[3] = {"mass", "damping", "stiffness"};
    while (lx->tok.kind == T_WORD && !is_word(&lx->tok, "for")) {
        token opt = lx->tok;
        int k = -1;
        for (int i = 0; i < 3; i++)
            if (strcmp(opt.text, keys[i]) == 0) k = i;
        if (k < 0)
            return fail(lx, opt.column,
                        "unknown admittance option '%s' (expected mass, damping or stiffness)",
                        opt.text);
        if (next(lx) < 0) return -1;
        int col = lx->tok.column;
        if (number(lx,
                   k == 0   ? "a mass (kg)"
                   : k == 1 ? "a damping (N s/m)"
                            : "a stiffness (N/m)",
                   "", &in->value[k]) < 0)
            return -1;
        if (k == 0 ? !(in->value[0] > 0) : !(in->value[k] >= 0))
            return fail(lx, col,
                        k == 0 ? "the virtual mass must be > 0 kg"
                               : "damping and stiffness must be >= 0");
    }
    return duration(lx, in, "admittance");
}

/* `policy load PATH`, `balance load PATH`: the rest of the line (quotes optional) is the path. */
static int load_path(lexer *lx, xn_instruction *in, const char *command, const char *what) {
    if (!is_word(&lx->tok, "load"))
        return fail(lx, lx->tok.column, "expected 'load' after %s, found %s", command,
                    describe(&lx->tok));
    size_t start = lx->pos;
    while (start < lx->len && (lx->s[start] == ' ' || lx->s[start] == '\t')) start++;
    size_t end = start;
    while (end < lx->len && lx->s[end] != '#') end++;
    while (end > start &&
           (lx->s[end - 1] == ' ' || lx->s[end - 1] == '\t' || lx->s[end - 1] == '\r'))
        end--;
    if (end - start >= 2 && lx->s[start] == '"' && lx->s[end - 1] == '"') {
        start++;
        end--;
    }
    if (end == start) return fail(lx, (int)start + 1, "expected %s after '%s load'", what, command);
    if (end - start >= sizeof in->path)
        return fail(lx, (int)start + 1, "the path is too long (%zu characters at most)",
                    sizeof in->path - 1);
    memcpy(in->path, lx->s + start, end - start);
    in->path[end - start] = 0;
    lx->pos = lx->len;
    return next(lx);
}

static int parse_policy(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    in->op = XN_OP_POLICY_LOAD;
    return load_path(lx, in, "policy", "the policy's folder");
}

static int parse_balance(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    in->op = XN_OP_BALANCE_LOAD;
    return load_path(lx, in, "balance", "the robot's balance description (balance.json)");
}

/* `push BODY FX FY FZ [for T]`: a force on a body (N, world), 0.1 s by default */
static int parse_push(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    in->op = XN_OP_PUSH;
    if (lx->tok.kind != T_WORD)
        return fail(lx, lx->tok.column, "expected the body to push (a name), found %s",
                    describe(&lx->tok));
    snprintf(in->name, sizeof in->name, "%s", lx->tok.text);
    if (next(lx) < 0) return -1;
    static const char *const what[3] = {"the force along x (N)", "the force along y (N)",
                                        "the force along z (N)"};
    for (int k = 0; k < 3; k++) {
        int col = lx->tok.column;
        if (number(lx, what[k], "", &in->value[k]) < 0) return -1;
        if (fabs(in->value[k]) > 5000) return fail(lx, col, "%s must be within +-5000", what[k]);
    }
    in->duration = 0.1;
    if (lx->tok.kind == T_END) return 0;
    int col = lx->tok.kind == T_WORD ? lx->tok.column : 0;
    if (duration(lx, in, "push") < 0) return -1;
    if (in->duration > 10) return fail(lx, col, "a push lasts at most 10 s");
    return 0;
}

/* `posture JOINT ANGLE` (rad, or deg), `posture home` */
static int parse_posture(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    in->op = XN_OP_POSTURE;
    if (lx->tok.kind != T_WORD)
        return fail(lx, lx->tok.column, "expected a joint's name or 'home', found %s",
                    describe(&lx->tok));
    if (is_word(&lx->tok, "home")) {
        in->value[1] = 1;
        if (next(lx) < 0) return -1;
        return end_of_line(lx, "posture");
    }
    snprintf(in->name, sizeof in->name, "%s", lx->tok.text);
    if (next(lx) < 0) return -1;
    if (number(lx, "the joint's angle (rad, or deg)", "d", &in->value[0]) < 0) return -1;
    return end_of_line(lx, "posture");
}

/* `hand left|right X Y Z` (m, from the pelvis in the heading frame), `hand left|right off` */
static int parse_hand(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    in->op = XN_OP_HAND;
    if (!is_word(&lx->tok, "left") && !is_word(&lx->tok, "right"))
        return fail(lx, lx->tok.column, "expected 'left' or 'right' after hand, found %s",
                    describe(&lx->tok));
    in->value[0] = is_word(&lx->tok, "right");
    if (next(lx) < 0) return -1;
    if (is_word(&lx->tok, "off")) {
        in->value[4] = 0;
        if (next(lx) < 0) return -1;
        return end_of_line(lx, "hand");
    }
    static const char *const what[3] = {"the hand's x (m, forward)", "the hand's y (m, left)",
                                        "the hand's z (m, up)"};
    for (int k = 0; k < 3; k++) {
        int col = lx->tok.column;
        if (number(lx, what[k], "", &in->value[1 + k]) < 0) return -1;
        if (fabs(in->value[1 + k]) > 1.5)
            return fail(lx, col, "%s must be within 1.5 m of the pelvis", what[k]);
    }
    in->value[4] = 1;
    return end_of_line(lx, "hand");
}

/* `walk VX VY WZ [for T]`, `stand [for T]` */
static int optional_duration(lexer *lx, xn_instruction *in, const char *command) {
    if (lx->tok.kind == T_END) return 0;
    return duration(lx, in, command);
}

static int parse_walk(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    in->op = XN_OP_WALK;
    static const char *const what[3] = {"the forward speed vx (m/s)", "the sideways speed vy (m/s)",
                                        "the yaw rate (rad/s)"};
    for (int k = 0; k < 3; k++) {
        int col = lx->tok.column;
        if (number(lx, what[k], "", &in->value[k]) < 0) return -1;
        if (fabs(in->value[k]) > 5) return fail(lx, col, "%s must be within +-5", what[k]);
    }
    return optional_duration(lx, in, "walk");
}

static int parse_stand(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    in->op = XN_OP_STAND;
    return optional_duration(lx, in, "stand");
}

/* `fourier JOINT Q0 a [A1, ...] b [B1, ...]`: one joint's periodic excitation */
static int parse_fourier(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    in->op = XN_OP_FOURIER;
    if (lx->tok.kind != T_WORD)
        return fail(lx, lx->tok.column, "expected a joint's name after fourier, found %s",
                    describe(&lx->tok));
    snprintf(in->name, sizeof in->name, "%s", lx->tok.text);
    if (next(lx) < 0) return -1;
    int col = lx->tok.column;
    if (number(lx, "the joint's offset q0 (rad, or deg)", "d", &in->value[0]) < 0) return -1;
    int na = 0, nb = 0;
    if (!is_word(&lx->tok, "a"))
        return fail(lx, lx->tok.column,
                    "expected 'a [...]' (the cosine velocity amplitudes, "
                    "rad/s), found %s",
                    describe(&lx->tok));
    if (next(lx) < 0) return -1;
    if (vector(lx, "the amplitudes a_h (rad/s)", 1, XN_PROGRAM_MAX_HARMONICS, in->target, &na) < 0)
        return -1;
    if (!is_word(&lx->tok, "b"))
        return fail(lx, lx->tok.column,
                    "expected 'b [...]' (the sine velocity amplitudes, "
                    "rad/s), found %s",
                    describe(&lx->tok));
    if (next(lx) < 0) return -1;
    if (vector(lx, "the amplitudes b_h (rad/s)", 1, XN_PROGRAM_MAX_HARMONICS,
               in->target + XN_PROGRAM_MAX_HARMONICS, &nb) < 0)
        return -1;
    if (na != nb)
        return fail(lx, col, "%d amplitudes a and %d amplitudes b: one of each per harmonic", na,
                    nb);
    in->naxes = na;
    /* it must start (and so end, after whole periods) at rest: no jump in velocity or
     * acceleration when it takes over from the resting robot */
    xn_real sa = 0, sb = 0, size = 0;
    for (int h = 0; h < na; h++) {
        sa += in->target[h];
        sb += (h + 1) * in->target[XN_PROGRAM_MAX_HARMONICS + h];
        size += fabs(in->target[h]) + (h + 1) * fabs(in->target[XN_PROGRAM_MAX_HARMONICS + h]);
    }
    if (fabs(sa) > 1e-6 * size + 1e-12 || fabs(sb) > 1e-6 * size + 1e-12)
        return fail(lx, col,
                    "the excitation must start at rest: the a sum to %g and the h * b sum to %g, "
                    "both must be 0",
                    sa, sb);
    return end_of_line(lx, "fourier");
}

/* `excite period T for D` */
static int parse_excite(lexer *lx, const pose_table *pt, xn_instruction *in) {
    (void)pt;
    in->op = XN_OP_EXCITE;
    if (!is_word(&lx->tok, "period"))
        return fail(lx, lx->tok.column, "expected 'period SECONDS' after excite, found %s",
                    describe(&lx->tok));
    if (next(lx) < 0) return -1;
    int col = lx->tok.column;
    if (number(lx, "the period (s)", "", &in->value[0]) < 0) return -1;
    if (!(in->value[0] >= 0.1 && in->value[0] <= 1000))
        return fail(lx, col, "the period must be in [0.1, 1000] s, found %g", in->value[0]);
    col = lx->tok.column;
    if (duration(lx, in, "excite") < 0) return -1;
    xn_real periods = in->duration / in->value[0];
    if (fabs(periods - round(periods)) > 1e-9 * periods || round(periods) < 1)
        return fail(lx, col, "excite runs whole periods: %g s is %g periods of %g s", in->duration,
                    periods, in->value[0]);
    return 0;
}

/* After parsing: every fourier line belongs to the excite after it, each excite has one at
 * least, and no joint is given twice to one excite. */
static int check_excitations(const xn_program *prog, xn_error *err) {
    int first = 0;
    for (int i = 0; i < prog->n; i++) {
        const xn_instruction *in = &prog->ins[i];
        if (in->op == XN_OP_FOURIER) {
            for (int k = first; k < i; k++)
                if (prog->ins[k].op == XN_OP_FOURIER && strcmp(prog->ins[k].name, in->name) == 0)
                    return xn_program_line_fail(err, prog, in, XN_ERR_PARSE,
                                                "joint %s already has a fourier line (line %d) "
                                                "for this excite",
                                                in->name, prog->ins[k].line);
            continue;
        }
        if (in->op == XN_OP_EXCITE) {
            int any = 0;
            for (int k = first; k < i; k++) any |= prog->ins[k].op == XN_OP_FOURIER;
            if (!any)
                return xn_program_line_fail(err, prog, in, XN_ERR_PARSE,
                                            "excite needs fourier lines before it (one per "
                                            "joint to move)");
            first = i + 1;
        } else {
            for (int k = first; k < i; k++)
                if (prog->ins[k].op == XN_OP_FOURIER)
                    return xn_program_line_fail(err, prog, &prog->ins[k], XN_ERR_PARSE,
                                                "a fourier line must be followed by its excite, "
                                                "not by another command (line %d)",
                                                in->line);
        }
    }
    for (int k = first; k < prog->n; k++)
        if (prog->ins[k].op == XN_OP_FOURIER)
            return xn_program_line_fail(err, prog, &prog->ins[k], XN_ERR_PARSE,
                                        "a fourier line with no excite after it");
    return 0;
}

void xn_program_fourier_eval(const xn_instruction *f, xn_real period, xn_real t, xn_real *q,
                             xn_real *qd, xn_real *qdd) {
    const xn_real w = 2 * 3.14159265358979323846 / period;
    xn_real p = f->value[0], v = 0, a = 0;
    for (int h = 0; h < f->naxes; h++) {
        xn_real wh = w * (h + 1), s = sin(wh * t), c = cos(wh * t);
        xn_real ah = f->target[h], bh = f->target[XN_PROGRAM_MAX_HARMONICS + h];
        p += (ah * s + bh * (1 - c)) / wh;
        v += ah * c + bh * s;
        a += wh * (bh * c - ah * s);
    }
    if (q) *q = p;
    if (qd) *qd = v;
    if (qdd) *qdd = a;
}

/* The command table: later issues add their commands here. */
static const struct {
    const char *name;
    parse_fn parse;
} commands[] = {
    {"movej", parse_movej},         {"movel", parse_movel},   {"movec", parse_movec},
    {"wait", parse_wait},           {"set", parse_set},       {"stop", parse_stop},
    {"impedance", parse_impedance}, {"guide", parse_guide},   {"admittance", parse_admittance},
    {"policy", parse_policy},       {"walk", parse_walk},     {"stand", parse_stand},
    {"balance", parse_balance},     {"push", parse_push},     {"posture", parse_posture},
    {"hand", parse_hand},           {"stream", parse_stream}, {"fourier", parse_fourier},
    {"excite", parse_excite},
};

/* pass 1: `pose NAME = [...]` lines */
static int parse_pose(lexer *lx, pose_table *pt) {
    if (lx->tok.kind != T_WORD)
        return fail(lx, lx->tok.column, "expected a pose name after 'pose', found %s",
                    describe(&lx->tok));
    token name = lx->tok;
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
        if (strcmp(name.text, commands[c].name) == 0 || strcmp(name.text, "pose") == 0)
            return fail(lx, name.column, "'%s' is a command and cannot name a pose", name.text);
    if (strcmp(name.text, "p") == 0)
        return fail(lx, name.column, "'p' starts a Cartesian pose and cannot name one");
    if (find_pose(pt, name.text))
        return fail(lx, name.column, "pose '%s' is defined twice", name.text);
    if (pt->npose == MAX_POSES) return fail(lx, name.column, "more than %d poses", MAX_POSES);
    if (next(lx) < 0 || expect_punct(lx, '=', "after the pose name") < 0) return -1;
    pose *p = &pt->poses[pt->npose];
    p->cart = 0;
    if (is_word(&lx->tok, "p") && lx->pos < lx->len && lx->s[lx->pos] == '[') {
        if (next(lx) < 0) return -1;
        p->cart = 1;
        if (vector(lx, "the Cartesian pose p[x, y, z, roll, pitch, yaw]", 6, 6, p->v, &p->n) < 0)
            return -1;
    } else if (vector(lx, "the pose", 1, XN_PROGRAM_MAX_AXES, p->v, &p->n) < 0) {
        return -1;
    }
    if (end_of_line(lx, "pose") < 0) return -1;
    snprintf(p->name, sizeof p->name, "%s", name.text);
    pt->npose++;
    return 0;
}

static int parse_line(lexer *lx, pose_table *pt, xn_program *prog, int pass) {
    if (next(lx) < 0) return -1;
    if (lx->tok.kind == T_END) return 0;
    token cmd = lx->tok;
    if (cmd.kind != T_WORD)
        return pass == 0 ? 0 : fail(lx, cmd.column, "expected a command, found %s", describe(&cmd));
    if (next(lx) < 0) return pass == 0 && strcmp(cmd.text, "pose") != 0 ? 0 : -1;
    if (strcmp(cmd.text, "pose") == 0) return pass == 0 ? parse_pose(lx, pt) : 0;
    if (pass == 0) return 0;
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
        if (strcmp(cmd.text, commands[c].name) != 0) continue;
        xn_instruction *in = &prog->ins[prog->n];
        memset(in, 0, sizeof *in);
        in->line = lx->line;
        in->column = cmd.column;
        if (commands[c].parse(lx, pt, in) < 0) return -1;
        prog->n++;
        return 0;
    }
    return fail(lx, cmd.column,
                "unknown command '%s' (expected pose, movej, movel, movec, wait, set, stop, "
                "impedance, guide, admittance, policy, walk, stand, balance, push, posture, "
                "hand, stream, fourier or excite)",
                cmd.text);
}

static int run_pass(const char *text, size_t len, const char *name, pose_table *pt,
                    xn_program *prog, int pass, xn_error *err) {
    lexer lx = {0};
    lx.source = name;
    lx.err = err;
    size_t start = 0;
    int line = 1;
    while (start <= len) {
        size_t end = start;
        while (end < len && text[end] != '\n') end++;
        lx.s = text + start;
        lx.len = end - start;
        lx.pos = 0;
        lx.line = line;
        if (memchr(lx.s, 0, lx.len)) return fail(&lx, 1, "the line contains a NUL byte");
        if (parse_line(&lx, pt, prog, pass) < 0) return -1;
        if (end >= len) break;
        start = end + 1;
        line++;
    }
    return 0;
}

xn_status xn_program_parse(const char *text, size_t len, const char *name, xn_program **out,
                           xn_error *err) {
    *out = NULL;
    if (err) memset(err, 0, sizeof *err);
    size_t lines = 1;
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    pose_table *pt = calloc(1, sizeof *pt);
    xn_program *prog = calloc(1, sizeof *prog);
    if (prog) prog->ins = calloc(lines, sizeof *prog->ins);
    if (!pt || !prog || !prog->ins) {
        free(pt);
        xn_program_free(prog);
        return xn_fail(err, XN_ERR_NOMEM, name ? name : "program", "out of memory");
    }
    snprintf(prog->source, sizeof prog->source, "%s", name ? name : "program");
    int bad = run_pass(text, len, prog->source, pt, prog, 0, err) < 0;
    if (!bad && err) memset(err, 0, sizeof *err); /* pass 0 may have noted errors it skips */
    if (bad || run_pass(text, len, prog->source, pt, prog, 1, err) < 0 ||
        check_excitations(prog, err) < 0) {
        free(pt);
        xn_program_free(prog);
        return XN_ERR_PARSE;
    }
    free(pt);
    *out = prog;
    return XN_OK;
}

xn_status xn_program_load(const char *path, xn_program **out, xn_error *err) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err) {
            err->index = -1;
            snprintf(err->file, sizeof err->file, "%s", path);
            err->line = 0;
            snprintf(err->message, sizeof err->message, "cannot open the program: %s",
                     strerror(errno));
        }
        return XN_ERR_IO;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *nb = cap < ((size_t)64 << 20) ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) {
        if (err) {
            err->index = -1;
            snprintf(err->file, sizeof err->file, "%s", path);
            snprintf(err->message, sizeof err->message,
                     "the program is too large (64 MiB at most)");
        }
        return XN_ERR_NOMEM;
    }
    xn_status st = xn_program_parse(buf, len, path, out, err);
    free(buf);
    return st;
}

void xn_program_free(xn_program *p) {
    if (!p) return;
    free(p->ins);
    free(p);
}

xn_status xn_program_line_fail(xn_error *err, const xn_program *p, const xn_instruction *in,
                               xn_status st, const char *fmt, ...) {
    if (err) {
        err->index = -1;
        snprintf(err->file, sizeof err->file, "%s", p->source);
        err->line = in->line;
        int n = snprintf(err->message, sizeof err->message, "line %d, column %d: ", in->line,
                         in->column);
        if (n < 0) n = 0;
        if ((size_t)n < sizeof err->message) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err->message + n, sizeof err->message - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return st;
}

xn_status xn_program_check(const xn_program *p, int njoint, const char *const *names,
                           const xn_real *lo, const xn_real *hi, xn_error *err) {
    for (int i = 0; i < p->n; i++) {
        const xn_instruction *in = &p->ins[i];
        if (in->op == XN_OP_MOVEJ && !in->cart) {
            const char *what = in->name[0] ? in->name : "the target";
            if (in->naxes != njoint)
                return xn_program_line_fail(err, p, in, XN_ERR_RANGE,
                                            "%s has %d joint values, the robot has %d joints", what,
                                            in->naxes, njoint);
            for (int k = 0; k < njoint; k++)
                if (in->target[k] < lo[k] || in->target[k] > hi[k])
                    return xn_program_line_fail(err, p, in, XN_ERR_RANGE,
                                                "%s puts joint %s at %.6g rad, outside its limits "
                                                "[%.6g, %.6g]",
                                                what, names[k], in->target[k], lo[k], hi[k]);
        } else if (in->op == XN_OP_FOURIER) {
            int k = 0;
            while (k < njoint && strcmp(names[k], in->name) != 0) k++;
            if (k == njoint)
                return xn_program_line_fail(err, p, in, XN_ERR_RANGE,
                                            "the robot has no joint named '%s'", in->name);
            const xn_instruction *ex = in;
            while (ex->op != XN_OP_EXCITE) ex++; /* its excite (the parser saw one follows) */
            xn_real period = ex->value[0], lo_q = INFINITY, hi_q = -INFINITY;
            for (int s = 0; s <= 2000; s++) {
                xn_real q;
                xn_program_fourier_eval(in, period, period * s / 2000, &q, NULL, NULL);
                lo_q = fmin(lo_q, q);
                hi_q = fmax(hi_q, q);
            }
            if (!(lo_q >= lo[k] && hi_q <= hi[k]))
                return xn_program_line_fail(err, p, in, XN_ERR_RANGE,
                                            "the excitation takes joint %s over [%.6g, %.6g] rad, "
                                            "outside its limits [%.6g, %.6g]",
                                            in->name, lo_q, hi_q, lo[k], hi[k]);
        } else if (in->op == XN_OP_WAIT_JOINT) {
            int found = 0;
            for (int k = 0; k < njoint && !found; k++) found = strcmp(names[k], in->name) == 0;
            if (!found)
                return xn_program_line_fail(err, p, in, XN_ERR_RANGE,
                                            "the robot has no joint named '%s'", in->name);
        }
    }
    return XN_OK;
}
