/* The console's client messages (web.h): one JSON object per WebSocket text frame, decoded and
 * checked field by field; anything else is refused with the field and the reason.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "model/error_internal.h"
#include "xiaonao/web.h"

/* every refusal names the message as its place */
#define WHERE "console message"

/* A string member copied into out (cap bytes with the NUL); absent: "" when optional. */
static xn_status get_string(const xn_json *j, const char *key, char *out, size_t cap, int optional,
                            xn_error *err) {
    const xn_json *v = xn_json_get(j, key);
    out[0] = 0;
    if (!v) return optional ? XN_OK : xn_fail(err, XN_ERR_INVALID, WHERE, "\"%s\" is missing", key);
    if (v->type != XN_JSON_STRING)
        return xn_fail(err, XN_ERR_INVALID, WHERE, "\"%s\" must be a string", key);
    if (strlen(v->str) >= cap)
        return xn_fail(err, XN_ERR_RANGE, WHERE, "\"%s\" is longer than %zu characters", key,
                       cap - 1);
    memcpy(out, v->str, strlen(v->str) + 1);
    return XN_OK;
}

static xn_status get_number(const xn_json *j, const char *key, double lo, double hi, double *out,
                            xn_error *err) {
    const xn_json *v = xn_json_get(j, key);
    if (!v) return xn_fail(err, XN_ERR_INVALID, WHERE, "\"%s\" is missing", key);
    if (v->type != XN_JSON_NUMBER)
        return xn_fail(err, XN_ERR_INVALID, WHERE, "\"%s\" must be a number", key);
    if (!(v->num >= lo && v->num <= hi))
        return xn_fail(err, XN_ERR_RANGE, WHERE, "\"%s\" must be in [%g, %g], got %g", key, lo, hi,
                       v->num);
    *out = v->num;
    return XN_OK;
}

static xn_status decode_jog(const xn_json *j, xn_web_msg *m, xn_error *err) {
    char mode[16];
    xn_status st = get_string(j, "mode", mode, sizeof mode, 0, err);
    if (st) return st;
    if (strcmp(mode, "joint") == 0)
        m->cartesian = 0;
    else if (strcmp(mode, "cartesian") == 0)
        m->cartesian = 1;
    else
        return xn_fail(err, XN_ERR_INVALID, WHERE,
                       "\"mode\" must be \"joint\" or \"cartesian\", got \"%s\"", mode);
    double axis = 0, dir = 0, speed = 0;
    if ((st = get_number(j, "axis", 0, m->cartesian ? 5 : XN_OTG_MAX_DOFS - 1, &axis, err)) ||
        (st = get_number(j, "dir", -1, 1, &dir, err)) ||
        (st = get_number(j, "speed", 0, 1, &speed, err)))
        return st;
    if (axis != floor(axis))
        return xn_fail(err, XN_ERR_INVALID, WHERE, "\"axis\" must be a whole number");
    if (dir != 1 && dir != -1)
        return xn_fail(err, XN_ERR_INVALID, WHERE, "\"dir\" must be 1 or -1");
    if (!(speed > 0)) return xn_fail(err, XN_ERR_RANGE, WHERE, "\"speed\" must be above 0");
    m->axis = (int)axis;
    m->dir = (int)dir;
    m->speed = speed;
    return XN_OK;
}

xn_status xn_web_decode(const char *text, size_t len, xn_web_msg *out, xn_error *err) {
    memset(out, 0, sizeof *out);
    if (len > XN_WEB_MAX_MESSAGE)
        return xn_fail(err, XN_ERR_RANGE, WHERE, "a message of %zu bytes (at most %d)", len,
                       XN_WEB_MAX_MESSAGE);
    char jerr[200];
    xn_json *j = xn_json_parse(text, len, jerr, sizeof jerr);
    if (!j) return xn_fail(err, XN_ERR_PARSE, WHERE, "not JSON: %s", jerr);
    xn_status st = XN_OK;
    char type[16];
    if (j->type != XN_JSON_OBJECT) {
        st = xn_fail(err, XN_ERR_INVALID, WHERE, "a message must be a JSON object");
        goto done;
    }
    if ((st = get_string(j, "type", type, sizeof type, 0, err))) goto done;
    if (strcmp(type, "hello") == 0) {
        out->kind = XN_WEB_HELLO;
        if ((st = get_string(j, "name", out->name, sizeof out->name, 1, err)) ||
            (st = get_string(j, "token", out->token, sizeof out->token, 1, err)))
            goto done;
        for (const char *p = out->name; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\' || *p == '<' || *p == '>') {
                st = xn_fail(err, XN_ERR_INVALID, WHERE,
                             "\"name\" may not hold control characters, "
                             "quotes, backslashes or angle brackets");
                goto done;
            }
    } else if (strcmp(type, "take") == 0) {
        out->kind = XN_WEB_TAKE;
    } else if (strcmp(type, "release") == 0) {
        out->kind = XN_WEB_RELEASE;
    } else if (strcmp(type, "stop") == 0) {
        out->kind = XN_WEB_STOP;
    } else if (strcmp(type, "jog") == 0) {
        out->kind = XN_WEB_JOG;
        st = decode_jog(j, out, err);
    } else if (strcmp(type, "jog_stop") == 0) {
        out->kind = XN_WEB_JOG_STOP;
    } else if (strcmp(type, "pause") == 0) {
        out->kind = XN_WEB_PAUSE;
    } else if (strcmp(type, "resume") == 0) {
        out->kind = XN_WEB_RESUME;
    } else if (strcmp(type, "check") == 0 || strcmp(type, "run") == 0) {
        out->kind = type[0] == 'c' ? XN_WEB_CHECK : XN_WEB_RUN;
        const xn_json *p = xn_json_get(j, "program");
        if (!p || p->type != XN_JSON_STRING) {
            st = xn_fail(err, XN_ERR_INVALID, WHERE, "\"program\" must be a string");
            goto done;
        }
        size_t n = strlen(p->str);
        char *copy = malloc(n + 1);
        if (!copy) {
            st = xn_fail(err, XN_ERR_NOMEM, WHERE, "out of memory");
            goto done;
        }
        memcpy(copy, p->str, n + 1);
        out->program = copy;
        out->program_len = n;
    } else {
        st = xn_fail(err, XN_ERR_INVALID, WHERE,
                     "unknown message type \"%s\" (hello, take, release, stop, jog, jog_stop, "
                     "check, run, pause, resume)",
                     type);
    }
done:
    xn_json_free(j);
    if (st != XN_OK) {
        xn_web_msg_free(out);
        out->kind = 0;
    }
    return st;
}

void xn_web_msg_free(xn_web_msg *m) {
    if (!m) return;
    free((void *)m->program);
    m->program = NULL;
    m->program_len = 0;
}
