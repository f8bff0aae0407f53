/* The console's robot poses and the server's JSON messages (web_internal.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/error_internal.h"
#include "web/web_internal.h"
#include "xiaonao/dynamics.h"

/* Append to a bounded buffer; the length grows even past cap, so that the caller can tell. */
typedef struct {
    char *p;
    size_t cap, len;
} sbuf;

static void put(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void put(sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->len < b->cap ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0) b->len += (size_t)n;
}

/* A JSON string, safe inside HTML too (<, >, & escaped). */
static void put_str(sbuf *b, const char *s) {
    put(b, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            put(b, "\\%c", *c);
        else if (*c < 0x20 || *c == '<' || *c == '>' || *c == '&')
            put(b, "\\u%04x", *c);
        else
            put(b, "%c", *c);
    }
    put(b, "\"");
}

static void put_b64(sbuf *b, const void *data, size_t bytes) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    put(b, "\"");
    for (size_t i = 0; i < bytes; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < bytes) v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < bytes) v |= p[i + 2];
        put(b, "%c%c%c%c", tab[v >> 18], tab[v >> 12 & 63], i + 1 < bytes ? tab[v >> 6 & 63] : '=',
            i + 2 < bytes ? tab[v & 63] : '=');
    }
    put(b, "\"");
}

/* A number, or null when it is not finite (JSON has no NaN). */
static void put_num(sbuf *b, double x) {
    if (isfinite(x))
        put(b, "%.6g", x);
    else
        put(b, "null");
}

xn_status xn_web_poser_init(xn_web_poser *p, const xn_controller *c, const xn_web_config *cfg,
                            xn_error *err) {
    memset(p, 0, sizeof *p);
    const xn_model *m = cfg->model;
    if (!m)
        return xn_fail_at(err, XN_ERR_INVALID, "xn_web_start", -1,
                          "no model to place the page's bodies with");
    p->m = m;
    p->d = xn_data_create(m);
    p->q = calloc((size_t)m->nq, sizeof *p->q);
    p->nbody = cfg->nbody;
    p->poses = calloc((size_t)(cfg->nbody ? cfg->nbody : 1) * 7, sizeof *p->poses);
    if (!p->d || !p->q || !p->poses) {
        xn_web_poser_free(p);
        return xn_fail_at(err, XN_ERR_NOMEM, "xn_web_start", -1, "out of memory");
    }
    memcpy(p->q, m->q_neutral, sizeof(xn_real) * (size_t)m->nq);
    p->base_qadr = -1;
    for (int b = 1; b < m->nbody; b++)
        if (m->body_jtype[b] == XN_JOINT_FREE && p->base_qadr < 0) {
            p->base_qadr = m->body_qadr[b];
            if (cfg->base_q) memcpy(p->q + p->base_qadr, cfg->base_q, 7 * sizeof(xn_real));
        }
    p->nj = xn_controller_njoint(c);
    sbuf js = {NULL, 0, 0};
    for (int pass = 0; pass < 2; pass++) { /* measure, then write */
        js.len = 0;
        put(&js, "[");
        for (int k = 0; k < p->nj; k++) {
            const char *name = xn_controller_joint_name(c, k);
            int b = xn_model_joint_body(m, name);
            p->qadr[k] = b > 0 && m->body_nq[b] == 1 ? m->body_qadr[b] : -1;
            p->lo[k] = p->qadr[k] >= 0 ? m->q_lower[p->qadr[k]] : -INFINITY;
            p->hi[k] = p->qadr[k] >= 0 ? m->q_upper[p->qadr[k]] : INFINITY;
            put(&js, "%s{\"name\":", k ? "," : "");
            put_str(&js, name);
            put(&js, ",\"lower\":");
            put_num(&js, p->lo[k]);
            put(&js, ",\"upper\":");
            put_num(&js, p->hi[k]);
            put(&js, "}");
        }
        put(&js, "]");
        if (pass == 0) {
            js.cap = js.len + 1;
            js.p = malloc(js.cap);
            if (!js.p) {
                xn_web_poser_free(p);
                return xn_fail_at(err, XN_ERR_NOMEM, "xn_web_start", -1, "out of memory");
            }
        }
    }
    p->joints_json = js.p;
    p->joints_json_len = js.len;
    for (int i = 0; i < cfg->nbody; i++) {
        const char *f = cfg->body_frame ? cfg->body_frame[i] : NULL;
        p->frame[i] = f ? xn_model_frame_id(m, f) : -1;
        if (f && p->frame[i] < 0) {
            xn_web_poser_free(p);
            return xn_fail_at(err, XN_ERR_NOT_FOUND, "xn_web_start", i,
                              "the model has no frame \"%s\" for body %d", f, i);
        }
    }
    return XN_OK;
}

void xn_web_poser_free(xn_web_poser *p) {
    xn_data_free(p->d);
    free(p->q);
    free(p->poses);
    free(p->joints_json);
    memset(p, 0, sizeof *p);
}

void xn_web_joint_range(const xn_web_poser *p, int k, xn_real *lo, xn_real *hi) {
    *lo = p->lo[k];
    *hi = p->hi[k];
}

size_t xn_web_state_size(const xn_web_poser *p) {
    /* base64 poses, three numbers of at most 16 characters per joint, and the rest */
    return 4 * ((size_t)p->nbody * 7 * sizeof(float) + 2) / 3 + (size_t)p->nj * 3 * 18 + 1024;
}

size_t xn_web_json_state(xn_web_poser *p, const xn_ctl_sample *s, const xn_web_flags *f,
                         const xn_loop_live *live, char *out, size_t cap) {
    static const char *const run[3] = {"none", "waiting", "running"};
    const xn_model *m = p->m;
    for (int k = 0; k < p->nj; k++)
        if (p->qadr[k] >= 0 && isfinite(s->q[k])) p->q[p->qadr[k]] = s->q[k];
    if (s->humanoid && p->base_qadr >= 0) { /* the balance's estimate of the floating base */
        int finite = 1;
        for (int a = 0; a < 7; a++) finite &= isfinite(s->base[a]) != 0;
        if (finite) memcpy(p->q + p->base_qadr, s->base, sizeof s->base);
    }
    xn_dyn_fk(m, p->d, p->q);
    xn_dyn_frames(m, p->d);
    for (int i = 0; i < p->nbody; i++) {
        float *o = p->poses + 7 * i;
        if (p->frame[i] < 0) {
            memset(o, 0, 7 * sizeof *o);
            o[3] = 1;
            continue;
        }
        const xn_se3 *X = &p->d->oMf[p->frame[i]];
        xn_real q[4];
        xn_rot_to_quat(X->R, q);
        for (int a = 0; a < 3; a++) o[a] = (float)X->p[a];
        for (int a = 0; a < 4; a++) o[3 + a] = (float)q[a];
    }
    sbuf b = {out, cap, 0};
    put(&b,
        "{\"type\":\"state\",\"t\":%.4f,\"state\":\"%s\",\"line\":%d,\"streaming\":%s,"
        "\"run\":\"%s\",\"paused\":%d",
        (double)s->time_ns * 1e-9, xn_ctl_state_str(s->state), s->line,
        f->streaming ? "true" : "false", run[f->run >= 0 && f->run < 3 ? f->run : 0], f->paused);
    put(&b, ",\"poses\":");
    put_b64(&b, p->poses, sizeof(float) * 7 * (size_t)p->nbody);
    const char *names[3] = {"q", "err", "tau"};
    for (int f = 0; f < 3; f++) {
        put(&b, ",\"%s\":[", names[f]);
        for (int k = 0; k < p->nj; k++) {
            double v = f == 0 ? s->q[k] : f == 1 ? s->q_ref[k] - s->q[k] : s->tau[k];
            if (k) put(&b, ",");
            put_num(&b, v);
        }
        put(&b, "]");
    }
    if (live)
        put(&b,
            ",\"cycle\":{\"n\":%ld,\"overruns\":%ld,\"late\":%ld,\"p50\":%.2f,\"p99\":%.2f,"
            "\"max\":%.2f,\"cpu_p50\":%.2f,\"cpu_p99\":%.2f,\"cpu_max\":%.2f}",
            live->cycles, live->overruns, live->late_wakeups, live->p50_us, live->p99_us,
            live->max_us, live->cpu_p50_us, live->cpu_p99_us, live->cpu_max_us);
    put(&b, "}");
    if (b.len >= cap) { /* cannot happen with xn_web_state_size's room; say so rather than cut */
        snprintf(out, cap, "{\"type\":\"state\",\"error\":\"too large\"}");
        return strlen(out);
    }
    return b.len;
}

void xn_web_json_event(char *out, size_t cap, const xn_event *ev) {
    sbuf b = {out, cap, 0};
    put(&b, "{\"type\":\"event\",\"t\":%.4f,\"kind\":", (double)ev->time_ns * 1e-9);
    put_str(&b, xn_event_str(ev->code));
    put(&b, ",\"line\":%d,\"text\":", ev->line);
    put_str(&b, ev->text);
    put(&b, "}");
}

void xn_web_json_refusal(char *out, size_t cap, const char *what, const char *why) {
    sbuf b = {out, cap, 0};
    put(&b, "{\"type\":\"refused\",\"what\":");
    put_str(&b, what);
    put(&b, ",\"reason\":");
    put_str(&b, why);
    put(&b, "}");
}

void xn_web_json_control(char *out, size_t cap, const char *holder, int you) {
    sbuf b = {out, cap, 0};
    put(&b, "{\"type\":\"control\",\"holder\":");
    if (holder)
        put_str(&b, holder);
    else
        put(&b, "null");
    put(&b, ",\"you\":%s}", you ? "true" : "false");
}

void xn_web_json_check(char *out, size_t cap, const char *type, const xn_error *err) {
    sbuf b = {out, cap, 0};
    if (!err) {
        put(&b, "{\"type\":\"%s\",\"ok\":true}", type);
        return;
    }
    int line = err->line, column = 0, n = 0;
    const char *what = err->message;
    /* the parser's messages open with "line L, column C: " */
    if (sscanf(err->message, "line %d, column %d: %n", &line, &column, &n) == 2 && n > 0)
        what = err->message + n;
    put(&b, "{\"type\":\"%s\",\"ok\":false,\"line\":%d,\"column\":%d,\"message\":", type, line,
        column);
    put_str(&b, what);
    put(&b, "}");
}

void xn_web_json_welcome_head(char *out, size_t cap, int id, double rate, const char *program) {
    sbuf b = {out, cap, 0};
    put(&b, "{\"type\":\"welcome\",\"id\":%d,\"rate\":%g,\"program\":", id, rate);
    put_str(&b, program);
}
