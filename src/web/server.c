/* The console's server (web.h): libwebsockets on a thread of its own, the page from memory at /,
 * the WebSocket at /ws. Everything here runs on the server's thread; the control loop is reached
 * only through the controller's thread-safe calls (latest, event reader, stream, stop).
 * SPDX-License-Identifier: Apache-2.0 */
#include <libwebsockets.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/error_internal.h"
#include "web/web_internal.h"
#include "xiaonao/dynamics.h"
#include "xiaonao/program.h"

#define OUT_QUEUE 64          /* messages waiting for one connection, besides the newest state */
#define HTTP_CHUNK 16384      /* bytes of the page per write */
#define JOG_JOINT_SPEED 0.5   /* rad/s (m/s) at full jog speed */
#define JOG_LINEAR_SPEED 0.1  /* m/s: under ISO 10218's 250 mm/s for reduced-speed jogging */
#define JOG_ANGULAR_SPEED 0.3 /* rad/s */

typedef struct session {
    int ws; /* 1: a WebSocket connection (else an HTTP request) */
    int id; /* 1, 2, ... */
    int authed;
    char name[64];
    char *rx; /* a message arriving in fragments */
    size_t rxlen;
    unsigned char *out[OUT_QUEUE]; /* each LWS_PRE + text, NUL-terminated */
    size_t outlen[OUT_QUEUE];
    int head, count;
    long state_seq; /* the newest state this connection was sent */
    int close_after;
    size_t http_sent; /* HTTP: bytes of the page sent */
    struct lws *wsi;
    struct session *next;
} session;

struct xn_web {
    xn_controller *c;
    xn_web_config cfg;
    char *page, *robot_json, *token, *program_name;
    size_t page_len;
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    lws_sorted_usec_list_t tick;
    pthread_t thread;
    atomic_int quit;
    int port;
    int reader;    /* the controller's event reader */
    session *list; /* the WebSocket connections */
    int next_id, holder;
    long seq;
    unsigned char *state; /* LWS_PRE + the newest state message */
    size_t state_len, state_cap;
    xn_web_poser poser;
    xn_ctl_sample sample;                      /* the newest cycle, read at each tick */
    unsigned char chunk[LWS_PRE + HTTP_CHUNK]; /* the page's next piece on its way out */
    pthread_mutex_t stats_lock;
    xn_web_stats stats;
};

/* ---- outgoing messages ---- */

static unsigned char *message(const char *text, size_t *len) {
    size_t n = strlen(text);
    unsigned char *m = malloc(LWS_PRE + n + 1);
    if (!m) return NULL;
    memcpy(m + LWS_PRE, text, n + 1);
    *len = n;
    return m;
}

/* Queue a message for one connection; when its queue is full the message is dropped (a client
 * that does not read loses its own messages, never the server's memory). */
static void send_to(session *s, const char *text) {
    if (!s->ws || s->count == OUT_QUEUE) return;
    size_t len;
    unsigned char *m = message(text, &len);
    if (!m) return;
    int k = (s->head + s->count) % OUT_QUEUE;
    s->out[k] = m;
    s->outlen[k] = len;
    s->count++;
    lws_callback_on_writable(s->wsi);
}

static void send_all(xn_web *w, const char *text) {
    for (session *s = w->list; s; s = s->next)
        if (s->authed) send_to(s, text);
}

static void note_refusal(xn_web *w, const char *why) {
    pthread_mutex_lock(&w->stats_lock);
    w->stats.refused++;
    snprintf(w->stats.last_refusal, sizeof w->stats.last_refusal, "%.255s", why); /* cut */
    pthread_mutex_unlock(&w->stats_lock);
}

static void refuse(xn_web *w, session *s, const char *what, const char *why, int close) {
    char buf[768];
    xn_web_json_refusal(buf, sizeof buf, what, why);
    send_to(s, buf);
    if (close) s->close_after = 1;
    note_refusal(w, why);
}

static session *holder(xn_web *w) {
    for (session *s = w->list; s; s = s->next)
        if (s->id == w->holder) return s;
    return NULL;
}

static void tell_control(xn_web *w) {
    const session *h = holder(w);
    for (session *s = w->list; s; s = s->next) {
        if (!s->authed) continue;
        char buf[256];
        xn_web_json_control(buf, sizeof buf, h ? h->name : NULL, h == s);
        send_to(s, buf);
    }
    pthread_mutex_lock(&w->stats_lock);
    snprintf(w->stats.holder, sizeof w->stats.holder, "%s", h ? h->name : "");
    pthread_mutex_unlock(&w->stats_lock);
}

/* ---- commands ---- */

/* A jog as a streamed velocity or twist: each one a heartbeat, the stream's timeout the stop. */
static void jog(xn_web *w, session *s, const xn_web_msg *m, int stop) {
    if (w->holder != s->id) {
        refuse(w, s, "jog", "take control first: only the client holding control may jog", 0);
        return;
    }
    if (!stop && xn_controller_run_state(w->c) != XN_RUN_NONE) {
        refuse(w, s, "jog", "a program runs: jogging waits for its end (pause or stop it)", 0);
        return;
    }
    if (!xn_controller_streaming(w->c)) {
        refuse(w, s, "jog", "the robot is not taking motion from outside (no stream line runs)", 0);
        return;
    }
    xn_setpoint sp;
    memset(&sp, 0, sizeof sp);
    int idx[XN_OTG_MAX_DOFS];
    int n = xn_controller_stream_joints(w->c, idx);
    if (!stop && m->cartesian) {
        sp.mode = XN_STREAM_TWIST;
        sp.twist[m->axis] =
            m->dir * m->speed * (m->axis < 3 ? JOG_LINEAR_SPEED : JOG_ANGULAR_SPEED);
    } else {
        sp.mode = XN_STREAM_VELOCITY;
        sp.n = n;
        int found = stop;
        for (int i = 0; i < n && !stop; i++)
            if (idx[i] == m->axis) {
                sp.velocity[i] = m->dir * m->speed * JOG_JOINT_SPEED;
                found = 1;
            }
        if (!found) {
            refuse(w, s, "jog", "that joint is not one the stream line hands over", 0);
            return;
        }
    }
    xn_error err;
    if (xn_controller_stream(w->c, &sp, &err) != XN_OK) {
        refuse(w, s, "jog", err.message, 0);
        return;
    }
    pthread_mutex_lock(&w->stats_lock);
    w->stats.jogs++;
    pthread_mutex_unlock(&w->stats_lock);
}

/* Check a program from the editor against the robot, or run it (XN_WEB_RUN: the holder's; the
 * controller checks it then as at creation, limits included, and takes it). */
static void check_program(xn_web *w, session *s, const xn_web_msg *m) {
    xn_program *p = NULL;
    xn_error err;
    char buf[1024];
    int run = m->kind == XN_WEB_RUN;
    if (run && w->holder != s->id) {
        refuse(w, s, "run", "take control first: only the holder runs programs", 0);
        return;
    }
    xn_status st = xn_program_parse(m->program, m->program_len, "editor", &p, &err);
    if (st == XN_OK && !run) {
        const xn_controller *c = w->c;
        int nj = xn_controller_njoint(c);
        const char *names[XN_OTG_MAX_DOFS];
        xn_real lo[XN_OTG_MAX_DOFS], hi[XN_OTG_MAX_DOFS];
        for (int k = 0; k < nj; k++) {
            names[k] = xn_controller_joint_name(c, k);
            xn_web_joint_range(&w->poser, k, &lo[k], &hi[k]);
        }
        st = xn_program_check(p, nj, names, lo, hi, &err);
    }
    if (run && st == XN_OK) {
        st = xn_controller_run_program(w->c, p, &err); /* it owns the program from here */
        p = NULL;
    }
    xn_program_free(p);
    xn_web_json_check(buf, sizeof buf, run ? "run" : "check", st == XN_OK ? NULL : &err);
    send_to(s, buf);
}

static void take_message(xn_web *w, session *s, const char *text, size_t len) {
    xn_web_msg m;
    xn_error err;
    pthread_mutex_lock(&w->stats_lock);
    w->stats.commands++;
    pthread_mutex_unlock(&w->stats_lock);
    if (xn_web_decode(text, len, &m, &err) != XN_OK) {
        refuse(w, s, "message", err.message, 0);
        return;
    }
    if (!s->authed && m.kind != XN_WEB_HELLO) {
        refuse(w, s, "message", "say hello first (with the token, when the server asks one)", 1);
    } else if (m.kind == XN_WEB_HELLO) {
        if (w->token && !xn_web_same_token(w->token, m.token)) {
            refuse(w, s, "hello", "wrong token", 1);
        } else if (!s->authed) {
            s->authed = 1;
            snprintf(s->name, sizeof s->name, "%s", m.name[0] ? m.name : "operator");
            char head[512];
            xn_web_json_welcome_head(head, sizeof head, s->id, w->cfg.state_rate, w->program_name);
            /* the welcome: the head, then the robot's geometry and joints */
            size_t n = strlen(head) + strlen(w->robot_json) + w->poser.joints_json_len + 64;
            char *welcome = malloc(n);
            if (welcome) {
                snprintf(welcome, n, "%s,\"robot\":%s,\"joints\":%s}", head, w->robot_json,
                         w->poser.joints_json);
                send_to(s, welcome);
                free(welcome);
            }
            tell_control(w);
        }
    } else if (m.kind == XN_WEB_TAKE) {
        if (w->holder && w->holder != s->id) {
            char why[160];
            snprintf(why, sizeof why, "control is held by %s", holder(w) ? holder(w)->name : "?");
            refuse(w, s, "take", why, 0);
        } else {
            w->holder = s->id;
            tell_control(w);
        }
    } else if (m.kind == XN_WEB_RELEASE) {
        if (w->holder == s->id) {
            jog(w, s, &m, 1);
            w->holder = 0;
            tell_control(w);
        }
    } else if (m.kind == XN_WEB_STOP) {
        xn_controller_request_stop(w->c, XN_STOP_CATEGORY_1);
    } else if (m.kind == XN_WEB_JOG || m.kind == XN_WEB_JOG_STOP) {
        jog(w, s, &m, m.kind == XN_WEB_JOG_STOP);
    } else if (m.kind == XN_WEB_CHECK || m.kind == XN_WEB_RUN) {
        check_program(w, s, &m);
    } else if (m.kind == XN_WEB_PAUSE) {
        xn_controller_pause(w->c);
    } else if (m.kind == XN_WEB_RESUME) {
        if (w->holder == s->id)
            xn_controller_resume(w->c);
        else
            refuse(w, s, "resume", "take control first: only the holder resumes", 0);
    }
    xn_web_msg_free(&m);
}

/* ---- the state, the events, the tick ---- */

static void tick(lws_sorted_usec_list_t *sul) {
    xn_web *w = lws_container_of(sul, xn_web, tick);
    if (xn_controller_latest(w->c, &w->sample)) {
        size_t need = LWS_PRE + xn_web_state_size(&w->poser);
        if (need > w->state_cap) {
            unsigned char *p = realloc(w->state, need);
            if (p) w->state = p, w->state_cap = need;
        }
        if (need <= w->state_cap) {
            xn_loop_live live;
            int have_live = xn_controller_loop_live(w->c, &live);
            xn_web_flags f = {xn_controller_streaming(w->c), (int)xn_controller_run_state(w->c),
                              xn_controller_paused(w->c)};
            w->state_len = xn_web_json_state(&w->poser, &w->sample, &f, have_live ? &live : NULL,
                                             (char *)w->state + LWS_PRE, w->state_cap - LWS_PRE);
            w->seq++;
            for (session *c = w->list; c; c = c->next)
                if (c->authed) lws_callback_on_writable(c->wsi);
        }
    }
    xn_event ev;
    char buf[512];
    while (xn_controller_next_event_of(w->c, w->reader, &ev)) {
        xn_web_json_event(buf, sizeof buf, &ev);
        send_all(w, buf);
        pthread_mutex_lock(&w->stats_lock);
        w->stats.events_sent++;
        pthread_mutex_unlock(&w->stats_lock);
    }
    lws_sul_schedule(w->ctx, 0, &w->tick, tick, (lws_usec_t)(1e6 / w->cfg.state_rate));
}

/* ---- libwebsockets ---- */

/* A WebSocket from a browser must come from the page this server served: its Origin's host and
 * port are the Host it asked for (a page from elsewhere cannot drive the robot through the
 * operator's browser). Clients that send no Origin (programs, not browsers) pass. */
static int same_origin(struct lws *wsi) {
    char origin[256] = "", host[256] = "";
    if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0) return 1;
    if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0) return 0;
    const char *o = strstr(origin, "://");
    return o && strcmp(o + 3, host) == 0;
}

static void drop_session(xn_web *w, session *s) {
    int listed = 0;
    for (session **p = &w->list; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            listed = 1;
            break;
        }
    if (!listed) return; /* not a WebSocket this server took */
    for (int i = 0; i < s->count; i++) free(s->out[(s->head + i) % OUT_QUEUE]);
    s->count = 0;
    free(s->rx);
    s->rx = NULL;
    if (w->holder == s->id) { /* the holder left: its jog ends now, not at the timeout */
        /* a program it started pauses: nobody watches it any more (take control and resume) */
        if (xn_controller_run_state(w->c) == XN_RUN_RUNNING) xn_controller_pause(w->c);
        if (xn_controller_streaming(w->c)) {
            xn_setpoint sp;
            memset(&sp, 0, sizeof sp);
            sp.mode = XN_STREAM_VELOCITY;
            sp.n = xn_controller_stream_joints(w->c, NULL);
            xn_error err;
            (void)xn_controller_stream(w->c, &sp, &err);
        }
        w->holder = 0;
        tell_control(w);
    }
    pthread_mutex_lock(&w->stats_lock);
    w->stats.clients--;
    pthread_mutex_unlock(&w->stats_lock);
}

static int serve_page(xn_web *w, session *s, struct lws *wsi, const char *uri) {
    /* the page is all there is: no file is ever read */
    int dots = strstr(uri, "..") != NULL;
    if (dots || (strcmp(uri, "/") != 0 && strcmp(uri, "/index.html") != 0)) {
        note_refusal(w, dots ? "a path with .." : "a path the server does not serve");
        if (lws_return_http_status(wsi, dots ? HTTP_STATUS_BAD_REQUEST : HTTP_STATUS_NOT_FOUND,
                                   NULL))
            return -1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start,
                                       *end = buf + sizeof buf - 1;
    if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "text/html; charset=utf-8",
                                    (lws_filepos_t)w->page_len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return 1;
    s->http_sent = 0;
    lws_callback_on_writable(wsi);
    return 0;
}

static int page_writeable(xn_web *w, session *s, struct lws *wsi) {
    unsigned char *buf = w->chunk;
    size_t left = w->page_len - s->http_sent, n = left < HTTP_CHUNK ? left : HTTP_CHUNK;
    memcpy(buf + LWS_PRE, w->page + s->http_sent, n);
    int last = n == left;
    if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return 1;
    s->http_sent += n;
    if (last) return lws_http_transaction_completed(wsi) ? -1 : 0;
    lws_callback_on_writable(wsi);
    return 0;
}

static int ws_writeable(xn_web *w, session *s, struct lws *wsi) {
    if (s->count) {
        unsigned char *m = s->out[s->head];
        size_t len = s->outlen[s->head];
        s->head = (s->head + 1) % OUT_QUEUE;
        s->count--;
        int r = lws_write(wsi, m + LWS_PRE, len, LWS_WRITE_TEXT);
        free(m);
        if (r < (int)len) return -1;
        if (s->count == 0 && s->close_after) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, NULL, 0);
            return -1;
        }
    } else if (s->authed && s->state_seq != w->seq && w->state_len) {
        s->state_seq = w->seq;
        if (lws_write(wsi, w->state + LWS_PRE, w->state_len, LWS_WRITE_TEXT) < (int)w->state_len)
            return -1;
        pthread_mutex_lock(&w->stats_lock);
        w->stats.states_sent++;
        pthread_mutex_unlock(&w->stats_lock);
    }
    if (s->count || (s->authed && s->state_seq != w->seq)) lws_callback_on_writable(wsi);
    return 0;
}

static int receive(xn_web *w, session *s, struct lws *wsi, const char *in, size_t len) {
    if (lws_frame_is_binary(wsi)) {
        refuse(w, s, "message", "binary messages are not taken: send JSON text", 0);
        return 0;
    }
    if (lws_is_first_fragment(wsi)) s->rxlen = 0;
    if (s->rxlen + len > XN_WEB_MAX_MESSAGE) {
        note_refusal(w, "a message over 64 KiB");
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                         (unsigned char *)"message over 64 KiB", 19);
        return -1;
    }
    if (!s->rx && !(s->rx = malloc(XN_WEB_MAX_MESSAGE))) return -1;
    memcpy(s->rx + s->rxlen, in, len);
    s->rxlen += len;
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi)) return 0;
    take_message(w, s, s->rx, s->rxlen);
    s->rxlen = 0;
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len) {
    struct lws_vhost *vh = lws_get_vhost(wsi);
    xn_web *w = vh ? lws_get_vhost_user(vh) : NULL;
    session *s = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP: memset(s, 0, sizeof *s); return serve_page(w, s, wsi, (const char *)in);
    case LWS_CALLBACK_HTTP_WRITEABLE: return page_writeable(w, s, wsi);
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        char uri[64] = "";
        lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
        int n = 0;
        for (session *c = w->list; c; c = c->next) n++;
        if (strcmp(uri, "/ws") != 0) {
            note_refusal(w, "a WebSocket on a path other than /ws");
            return 1;
        }
        if (!same_origin(wsi)) {
            note_refusal(w, "a WebSocket from a page another site served (Origin is not Host)");
            return 1;
        }
        if (n >= XN_WEB_MAX_CLIENTS) {
            note_refusal(w, "too many connections");
            return 1;
        }
        return 0;
    }
    case LWS_CALLBACK_ESTABLISHED:
        memset(s, 0, sizeof *s);
        s->ws = 1;
        s->wsi = wsi;
        s->id = ++w->next_id;
        s->next = w->list;
        w->list = s;
        pthread_mutex_lock(&w->stats_lock);
        w->stats.connections++;
        w->stats.clients++;
        pthread_mutex_unlock(&w->stats_lock);
        return 0;
    case LWS_CALLBACK_RECEIVE: return receive(w, s, wsi, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE: return ws_writeable(w, s, wsi);
    case LWS_CALLBACK_CLOSED: drop_session(w, s); return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED: return 0;
    default: return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"xn-console", callback, sizeof(session), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}, /* the list's end */
};

static void *serve(void *arg) {
    xn_web *w = arg;
    lws_sul_schedule(w->ctx, 0, &w->tick, tick, 1000);
    while (!atomic_load(&w->quit))
        if (lws_service(w->ctx, 0) < 0) break;
    return NULL;
}

void xn_web_config_init(xn_web_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->listen = "127.0.0.1:8080";
    cfg->state_rate = 50;
}

static char *dup_n(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* Everything the server holds, its thread stopped or never started. */
static void release(xn_web *w) {
    if (w->ctx) lws_context_destroy(w->ctx); /* closes the connections: sessions dropped */
    if (w->reader > 0) xn_controller_event_reader_release(w->c, w->reader);
    xn_web_poser_free(&w->poser);
    free(w->state);
    free(w->page);
    free(w->robot_json);
    free(w->token);
    free(w->program_name);
    pthread_mutex_destroy(&w->stats_lock);
    free(w);
}

xn_status xn_web_start(xn_controller *c, const xn_web_config *cfg, xn_web **out, xn_error *err) {
    *out = NULL;
    xn_web_config def;
    if (!cfg) {
        xn_web_config_init(&def);
        cfg = &def;
    }
    char iface[128];
    int port;
    int loopback;
    if (xn_web_parse_listen(cfg->listen ? cfg->listen : "127.0.0.1:8080", iface, sizeof iface,
                            &port, &loopback) != 0)
        return xn_fail(err, XN_ERR_INVALID, "xn_web_start",
                       "the listen address must be ADDRESS:PORT (an IPv4 address, [IPv6] or "
                       "localhost, and a port 0-65535)");
    if (!loopback && !(cfg->token && cfg->token[0]))
        return xn_fail(err, XN_ERR_INVALID, "xn_web_start",
                       "listening on an address other than the loopback needs a token");
    if (!cfg->page || !cfg->page_len)
        return xn_fail(err, XN_ERR_INVALID, "xn_web_start", "no page to serve");
    if (!(cfg->state_rate >= 1 && cfg->state_rate <= 200))
        return xn_fail(err, XN_ERR_RANGE, "xn_web_start", "the state rate must be 1 to 200 Hz");
    if (cfg->nbody < 0 || cfg->nbody > XN_WEB_MAX_BODIES)
        return xn_fail(err, XN_ERR_RANGE, "xn_web_start", "too many bodies for the page");
    xn_web *w = calloc(1, sizeof *w);
    if (!w) return xn_fail(err, XN_ERR_NOMEM, "xn_web_start", "out of memory");
    w->c = c;
    w->cfg = *cfg;
    w->page = dup_n(cfg->page, cfg->page_len);
    w->page_len = cfg->page_len;
    w->robot_json = dup_n(cfg->robot_json ? cfg->robot_json : "{}",
                          strlen(cfg->robot_json ? cfg->robot_json : "{}"));
    w->token = cfg->token && cfg->token[0] ? dup_n(cfg->token, strlen(cfg->token)) : NULL;
    const char *pn = cfg->program_name ? cfg->program_name : "";
    w->program_name = dup_n(pn, strlen(pn));
    pthread_mutex_init(&w->stats_lock, NULL);
    w->reader = -1;
    xn_status st = XN_OK;
    if (!w->page || !w->robot_json || !w->program_name ||
        (cfg->token && cfg->token[0] && !w->token))
        st = xn_fail(err, XN_ERR_NOMEM, "xn_web_start", "out of memory");
    if (st == XN_OK) st = xn_web_poser_init(&w->poser, c, cfg, err);
    if (st == XN_OK && (w->reader = xn_controller_event_reader(c)) <= 0)
        st = xn_fail(err, XN_ERR_INVALID, "xn_web_start",
                     "every event reader of the controller is taken");
    if (st == XN_OK) {
        lws_set_log_level(LLL_ERR, NULL);
        struct lws_context_creation_info info;
        memset(&info, 0, sizeof info);
        info.port = port;
        info.iface = iface;
        info.protocols = protocols;
        info.user = w;
        info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
        if (!strchr(iface, ':')) info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
        info.vhost_name = "xn";
        info.timeout_secs = 10;
        w->ctx = lws_create_context(&info);
        if (w->ctx) w->vhost = lws_create_vhost(w->ctx, &info);
        if (!w->ctx || !w->vhost) {
            st = xn_fail(err, XN_ERR_IO, "xn_web_start",
                         "cannot listen on %s (in use, or not an address of this machine)",
                         cfg->listen ? cfg->listen : "127.0.0.1:8080");
        } else {
            w->port = lws_get_vhost_listen_port(w->vhost);
            if (pthread_create(&w->thread, NULL, serve, w) != 0)
                st = xn_fail(err, XN_ERR_IO, "xn_web_start", "cannot start the server's thread");
        }
    }
    if (st != XN_OK) {
        release(w);
        return st;
    }
    *out = w;
    return XN_OK;
}

int xn_web_port(const xn_web *w) { return w ? w->port : 0; }

void xn_web_stop(xn_web *w) {
    if (!w) return;
    atomic_store(&w->quit, 1);
    lws_cancel_service(w->ctx);
    pthread_join(w->thread, NULL);
    release(w);
}

void xn_web_get_stats(xn_web *w, xn_web_stats *out) {
    pthread_mutex_lock(&w->stats_lock);
    *out = w->stats;
    pthread_mutex_unlock(&w->stats_lock);
}
