/* The console's server (xiaonao_web) on the Panda (loopback robot, real-time loop, a `stream`
 * line), spoken to by a WebSocket client written apart from it (ws_client.h): the page and the
 * refusals of HTTP; the WebSocket's refusals (path, another site's Origin, a message before
 * hello, malformed, binary and oversized messages, a wrong token, a second client taking
 * control); the state at its rate; jogging that moves while the heartbeats come and stops when
 * they end, when released and when the holder's connection drops; a program checked with its
 * line and column; the stop; a client that never reads. SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <time.h>

#include "io/json.h"
#include "runtime/panda_rig.h"
#include "test_util.h"
#include "web/ws_client.h"
#include "xiaonao/web.h"

static rig R;
static xn_loop_report rep;

static void *loop_thread(void *arg) {
    (void)arg;
    xn_loop_config lc;
    rt_realtime_config(&lc, 50000000); /* a busy test machine: lateness is not what is tested */
    lc.max_time_s = 40;
    xn_loop_run(R.c, R.hal, &lc, &rep);
    return NULL;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void sleep_s(double s) {
    struct timespec t = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&t, NULL);
}

/* Joint k's position in the newest state message (NAN when none comes): what queued up while
 * the test did other things is read first. */
static double state_q(ws_client *c, int k) {
    static char last[8192];
    if (!ws_drain(c, "\"type\":\"state\"", last, sizeof last) &&
        !(ws_wait(c, "\"type\":\"state\"", 200) && snprintf(last, sizeof last, "%s", c->buf)))
        return NAN;
    char e[100];
    xn_json *j = xn_json_parse(last, strlen(last), e, sizeof e);
    double q[16] = {NAN};
    int n = j ? xn_json_reals(xn_json_get(j, "q"), q, 16) : -1;
    xn_json_free(j);
    return n > k ? q[k] : NAN;
}

static int hello(ws_client *c, int port, const char *name, const char *token) {
    if (ws_open(c, port, "/ws", NULL)) return 0;
    char m[256];
    snprintf(m, sizeof m, "{\"type\":\"hello\",\"name\":\"%s\"%s%s%s}", name,
             token ? ",\"token\":\"" : "", token ? token : "", token ? "\"" : "");
    ws_send(c, m);
    return ws_wait(c, "\"type\":\"welcome\"", 50);
}

/* Send jog heartbeats every 50 ms for `seconds`. */
static void jog_for(ws_client *c, int joint, int dir, double seconds) {
    char m[128];
    snprintf(m, sizeof m,
             "{\"type\":\"jog\",\"mode\":\"joint\",\"axis\":%d,\"dir\":%d,\"speed\":1}", joint,
             dir);
    for (double t0 = now_s(); now_s() - t0 < seconds;) {
        ws_send(c, m);
        sleep_s(0.05);
    }
}

static const char page[] = "<!DOCTYPE html><html><body>the console</body></html>";

static void test_http_and_handshake(int port) {
    char body[256];
    XT_CHECK(http_get(port, "/", body, sizeof body) == 200 && strcmp(body, page) == 0,
             "GET / serves the page (%s)", body);
    XT_CHECK(http_get(port, "/../../etc/passwd", body, sizeof body) / 100 == 4,
             "a path with .. is refused");
    XT_CHECK(http_get(port, "/etc/passwd", NULL, 0) == 404,
             "a path the server does not serve: 404");
    ws_client c;
    XT_CHECK(ws_open(&c, port, "/other", NULL) != 0, "a WebSocket on another path is refused");
    XT_CHECK(ws_open(&c, port, "/ws", "http://attacker.example") != 0,
             "a WebSocket from another site's page (Origin) is refused");
    char own[64];
    snprintf(own, sizeof own, "http://127.0.0.1:%d", port);
    XT_CHECK(ws_open(&c, port, "/ws", own) == 0, "a WebSocket from the served page is taken");
    ws_close(&c);
}

static void test_refusals(int port) {
    ws_client c;
    XT_CHECK(ws_open(&c, port, "/ws", NULL) == 0, "connect");
    ws_send(&c, "{\"type\":\"take\"}");
    XT_CHECK(ws_wait(&c, "say hello first", 5), "a command before hello is refused (%s)",
             c.buf ? c.buf : "nothing");
    ws_recv(&c);
    XT_CHECK(c.closed, "and the connection closed");
    ws_close(&c);

    XT_CHECK(hello(&c, port, "tester", NULL), "hello: welcome");
    XT_CHECK(strstr(c.buf, "\"joint1\"") && strstr(c.buf, "\"robot\":"),
             "the welcome names the joints and carries the robot");
    ws_send(&c, "{\"type\":");
    XT_CHECK(ws_wait(&c, "not JSON", 20), "malformed JSON refused: %s", c.buf);
    ws_send(&c, "{\"type\":\"fly\"}");
    XT_CHECK(ws_wait(&c, "unknown message type", 20), "an unknown type refused, naming the known");
    ws_send(&c, "{\"type\":\"jog\",\"mode\":\"joint\",\"axis\":0,\"dir\":1,\"speed\":1e9}");
    XT_CHECK(ws_wait(&c, "\\\"speed\\\" must be in", 20), "an out-of-range speed refused: %s",
             c.buf);
    ws_send(&c, "{\"type\":\"jog\",\"mode\":\"joint\",\"axis\":0,\"dir\":1,\"speed\":0.5}");
    XT_CHECK(ws_wait(&c, "take control first", 20), "a jog without control refused");
    ws_send_frame(&c, 2, "\x01\x02", 2);
    XT_CHECK(ws_wait(&c, "binary messages", 20), "a binary message refused");
    size_t big = XN_WEB_MAX_MESSAGE + 100;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    huge[big] = 0;
    ws_send(&c, huge);
    free(huge);
    while (ws_recv(&c)) {
    }
    XT_CHECK(c.closed && c.close_code == 1009, "a message over 64 KiB closes with 1009 (got %d)",
             c.close_code);
    ws_close(&c);
}

static void test_control_and_jog(int port, xn_web *w) {
    ws_client a, b;
    XT_CHECK(hello(&a, port, "alice", NULL) && hello(&b, port, "bob", NULL), "two clients");
    ws_send(&a, "{\"type\":\"take\"}");
    XT_CHECK(ws_wait(&a, "\"holder\":\"alice\",\"you\":true", 50), "alice holds control");
    XT_CHECK(ws_wait(&b, "\"holder\":\"alice\",\"you\":false", 50), "bob sees alice hold it");
    ws_send(&b, "{\"type\":\"take\"}");
    XT_CHECK(ws_wait(&b, "control is held by alice", 50), "bob cannot take it");

    /* the state at its rate */
    double t0 = now_s();
    int states = 0;
    while (now_s() - t0 < 1.0)
        if (ws_recv(&a) && strstr(a.buf, "\"type\":\"state\"")) states++;
    XT_CHECK(states >= 40 && states <= 60, "%d state messages in 1 s at 50 Hz", states);
    /* the loop's statistics ride along: cycles counted, compute times positive and ordered */
    char e[100];
    xn_json *j = xn_json_parse(a.buf, a.len, e, sizeof e);
    const xn_json *cy = j ? xn_json_get(j, "cycle") : NULL;
    const xn_json *n = cy ? xn_json_get(cy, "n") : NULL, *p50 = cy ? xn_json_get(cy, "p50") : NULL,
                  *p99 = cy ? xn_json_get(cy, "p99") : NULL,
                  *mx = cy ? xn_json_get(cy, "max") : NULL;
    XT_CHECK(n && p50 && p99 && mx && n->num >= 100 && p50->num > 0 && p50->num <= p99->num &&
                 p99->num <= mx->num,
             "the state carries the loop's statistics: %s", a.buf);
    xn_json_free(j);

    double q0 = state_q(&b, 0);
    jog_for(&a, 0, 1, 0.6);
    double q1 = state_q(&b, 0);
    XT_CHECK(q1 - q0 > 0.1 && q1 - q0 < 0.35, "0.6 s of jog heartbeats moved joint 1 by %.3f rad",
             q1 - q0);
    sleep_s(0.6); /* no heartbeat: the stream's timeout brings it to rest */
    double q2 = state_q(&b, 0);
    sleep_s(0.3);
    double q3 = state_q(&b, 0);
    XT_CHECK(q2 - q1 < 0.06 && fabs(q3 - q2) < 1e-4,
             "the heartbeats ended: stopped %.4f rad later, then still (%.2e)", q2 - q1, q3 - q2);

    jog_for(&a, 0, -1, 0.3);
    ws_send(&a, "{\"type\":\"jog_stop\"}");
    sleep_s(0.3);
    double q4 = state_q(&b, 0);
    sleep_s(0.2);
    double q5 = state_q(&b, 0);
    XT_CHECK(q4 < q3 && fabs(q5 - q4) < 1e-4, "released: joint 1 back by %.3f, then still",
             q3 - q4);

    /* the holder's connection drops mid-jog: the jog ends, control is free */
    jog_for(&a, 0, 1, 0.3);
    ws_close(&a);
    XT_CHECK(ws_wait(&b, "\"holder\":null", 100), "bob sees control freed when alice left");
    sleep_s(0.3);
    double q6 = state_q(&b, 0);
    sleep_s(0.2);
    double q7 = state_q(&b, 0);
    XT_CHECK(fabs(q7 - q6) < 1e-4, "and the arm still (%.2e rad in 0.2 s)", q7 - q6);

    char junk[16];
    ws_drain(&b, "\"type\":\"never\"", junk, sizeof junk);
    ws_send(&b, "{\"type\":\"check\",\"program\":\"movej [0, 0, 0, -1.5, 0, 1.5, 0]\\nmovej "
                "[0, 0, 0, -1.5, 0, 1.5, 0] sped 2\\n\"}");
    XT_CHECK(ws_wait(&b, "\"type\":\"check\",\"ok\":false,\"line\":2,\"column\":", 100),
             "a typo reported at its line and column: %s", b.buf);
    ws_send(&b, "{\"type\":\"check\",\"program\":\"movej [9, 0, 0, -1.5, 0, 1.5, 0]\\n\"}");
    XT_CHECK(ws_wait(&b, "\"ok\":false,\"line\":1", 100), "a target past a limit reported: %s",
             b.buf);
    ws_send(&b,
            "{\"type\":\"check\",\"program\":\"movej [0, 0, 0, -1.5, 0, 1.5, 0]\\nwait 1\\n\"}");
    XT_CHECK(ws_wait(&b, "\"type\":\"check\",\"ok\":true", 100), "a good program passes");

    /* running a program: the holder's only; a typo at its line; then it runs, jogs wait */
    ws_send(&b, "{\"type\":\"run\",\"program\":\"wait 1\\n\"}");
    XT_CHECK(ws_wait(&b, "take control first: only the holder runs", 100),
             "a watcher's run refused: %s", b.buf);
    ws_send(&b, "{\"type\":\"take\"}");
    XT_CHECK(ws_wait(&b, "\"you\":true", 100), "bob takes control");
    ws_send(&b, "{\"type\":\"run\",\"program\":\"wait 1\\nmovej [0.3, 0, 0, -1.5, 0, 1.5, 0] "
                "sped 2\\n\"}");
    XT_CHECK(ws_wait(&b, "\"type\":\"run\",\"ok\":false,\"line\":2,\"column\":", 100),
             "a typo in a program to run reported at its line: %s", b.buf);
    ws_send(&b, "{\"type\":\"run\",\"program\":\"movej [0.3, 0, 0, -1.5, 0, 1.5, 0]\\nwait "
                "0.3\\n\"}");
    XT_CHECK(ws_wait(&b, "\"type\":\"run\",\"ok\":true", 100), "a good one runs: %s", b.buf);
    XT_CHECK(ws_wait(&b, "\"run\":\"running\"", 100), "the state says it runs");
    ws_send(&b, "{\"type\":\"jog\",\"mode\":\"joint\",\"axis\":0,\"dir\":1,\"speed\":1}");
    XT_CHECK(ws_wait(&b, "a program runs: jogging waits", 100), "a jog meanwhile refused: %s",
             b.buf);
    XT_CHECK(ws_wait(&b, "ended: the stream line takes setpoints again", 400),
             "it ended and gave the stream line back");
    double qr = state_q(&b, 0);
    XT_CHECK(fabs(qr - 0.3) < 1e-9, "joint 1 at the program's target (%.9f)", qr);

    /* a client that never reads: the others and the loop go on */
    ws_client stall;
    XT_CHECK(hello(&stall, port, "stalled", NULL), "a client that will stop reading");
    sleep_s(2.0);
    t0 = now_s();
    states = 0;
    while (now_s() - t0 < 0.5)
        if (ws_recv(&b) && strstr(b.buf, "\"type\":\"state\"")) states++;
    XT_CHECK(states >= 18, "with a stalled client, %d states in 0.5 s for the others", states);
    ws_drain(&b, "\"type\":\"never\"", junk, sizeof junk);
    xn_web_stats st;
    xn_web_get_stats(w, &st);
    XT_CHECK(st.clients == 2, "%ld clients connected", st.clients);
    ws_close(&stall);

    ws_send(&b, "{\"type\":\"stop\"}");
    XT_CHECK(ws_wait(&b, "stop category 1", 200), "the stop: category 1 (%s)", b.buf);
    ws_close(&b);
}

static void test_token(void) {
    xn_web_config cfg;
    xn_web_config_init(&cfg);
    cfg.page = page;
    cfg.page_len = sizeof page - 1;
    cfg.model = R.m;
    cfg.listen = "0.0.0.0:0";
    xn_web *w = NULL;
    xn_error err;
    XT_CHECK(xn_web_start(R.c, &cfg, &w, &err) == XN_ERR_INVALID && strstr(err.message, "token"),
             "listening beyond the loopback without a token is refused: %s", err.message);
    cfg.listen = "127.0.0.1:notaport";
    XT_CHECK(xn_web_start(R.c, &cfg, &w, &err) == XN_ERR_INVALID, "a bad listen address refused");
    cfg.listen = "127.0.0.1:0";
    cfg.token = "s3cret";
    XT_CHECK(xn_web_start(R.c, &cfg, &w, &err) == XN_OK, "with a token: %s", err.message);
    int port = xn_web_port(w);
    ws_client c;
    xn_web_stats st;
    XT_CHECK(!hello(&c, port, "mallory", "guess"), "a wrong token refused");
    xn_web_get_stats(w, &st);
    XT_CHECK(strcmp(st.last_refusal, "wrong token") == 0, "and said so: %s", st.last_refusal);
    ws_close(&c);
    XT_CHECK(!hello(&c, port, "mallory", NULL), "no token refused");
    ws_close(&c);
    XT_CHECK(hello(&c, port, "alice", "s3cret"), "the right token welcomed");
    ws_close(&c);
    xn_web_stop(w);
}

int main(void) {
    if (rig_open(&R, "stream\n", 0)) return 1;
    pthread_t th;
    pthread_create(&th, NULL, loop_thread, NULL);
    test_token();
    xn_web_config cfg;
    xn_web_config_init(&cfg);
    cfg.listen = "127.0.0.1:0";
    cfg.page = page;
    cfg.page_len = sizeof page - 1;
    cfg.model = R.m;
    cfg.robot_json = "{\"bodies\":[\"world\",\"link1\",\"hand\"]}";
    const char *frames[3] = {NULL, "link1", "hand"};
    cfg.body_frame = frames;
    cfg.nbody = 3;
    xn_web *w = NULL;
    xn_error err;
    XT_CHECK(xn_web_start(R.c, &cfg, &w, &err) == XN_OK, "start: %s", err.message);
    if (!w) return xt_done("test_web_server");
    int port = xn_web_port(w);
    test_http_and_handshake(port);
    test_refusals(port);
    test_control_and_jog(port, w);
    pthread_join(th, NULL);
    xn_web_stats st;
    xn_web_get_stats(w, &st);
    printf("server: %ld connections, %ld states, %ld events, %ld commands, %ld refused, %ld jogs; "
           "loop: %ld cycles, %ld overruns\n",
           st.connections, st.states_sent, st.events_sent, st.commands, st.refused, st.jogs,
           rep.cycles, rep.overruns);
    XT_CHECK(st.jogs > 20, "the jogs reached the controller");
    xn_web_stop(w);
    const char *frames_bad[1] = {"no_such_frame"};
    cfg.body_frame = frames_bad;
    cfg.nbody = 1;
    XT_CHECK(xn_web_start(R.c, &cfg, &w, &err) == XN_ERR_NOT_FOUND && err.index == 0,
             "a body frame the model lacks is named: %s", err.message);
    rig_close(&R);
    return xt_done("test_web_server");
}
