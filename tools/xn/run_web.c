/* xn's operator console: the page and the robot's picture handed to the server (run_web.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include "run_web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "run_replay.h"

#if defined(XN_HAVE_WEB) && defined(XN_HAVE_WEB_SERVER)
#include "xiaonao/web.h"

extern const char xn_console_js[];
extern const unsigned long long xn_console_js_size;

struct xn_web *run_web_start(const char *scene, const char *keyframe, const xn_model *m,
                             xn_controller *c, const char *listen, const char *token,
                             const char *program) {
    static const char head[] =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>xn console</title>\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<link rel=\"icon\" href=\"data:,\">\n" /* no request for a favicon */
        "</head><body>\n<script>";
    static const char tail[] = "</script>\n</body></html>\n";
    size_t n = sizeof head - 1 + (size_t)xn_console_js_size + sizeof tail - 1;
    char *page = malloc(n + 1);
    const char *frames[XN_WEB_MAX_BODIES];
    int nbody = 0, has_base = 0;
    double base[7];
    char *robot =
        replay_robot_json(scene, keyframe, m, frames, XN_WEB_MAX_BODIES, &nbody, base, &has_base);
    xn_web *w = NULL;
    if (page && robot) {
        memcpy(page, head, sizeof head - 1);
        memcpy(page + sizeof head - 1, xn_console_js, (size_t)xn_console_js_size);
        memcpy(page + sizeof head - 1 + xn_console_js_size, tail, sizeof tail);
        xn_web_config cfg;
        xn_web_config_init(&cfg);
        if (listen) cfg.listen = listen;
        cfg.token = token;
        cfg.page = page;
        cfg.page_len = n;
        cfg.robot_json = robot;
        cfg.model = m;
        cfg.body_frame = frames;
        cfg.nbody = nbody;
        xn_real bq[7];
        for (int i = 0; i < 7; i++) bq[i] = base[i];
        cfg.base_q = has_base ? bq : NULL;
        cfg.program_name = program;
        xn_error err;
        if (xn_web_start(c, &cfg, &w, &err) != XN_OK) {
            xn_cli_error("the console: %s", err.message);
            w = NULL;
        } else {
            char host[128] = "127.0.0.1";
            const char *l = listen ? listen : "127.0.0.1:8080";
            const char *colon = strrchr(l, ':');
            if (colon && colon > l && (size_t)(colon - l) < sizeof host)
                snprintf(host, sizeof host, "%.*s", (int)(colon - l), l);
            fprintf(stderr, "xn: the console: http://%s:%d/%s%s\n", host, xn_web_port(w),
                    token ? "#token=" : "", token ? token : "");
        }
    } else if (!page) {
        xn_cli_error("the console: out of memory");
    }
    free(page);
    free(robot);
    return w;
}

void run_web_stop(struct xn_web *w) { xn_web_stop(w); }

#else

struct xn_web *run_web_start(const char *scene, const char *keyframe, const xn_model *m,
                             xn_controller *c, const char *listen, const char *token,
                             const char *program) {
    (void)scene, (void)keyframe, (void)m, (void)c, (void)listen, (void)token, (void)program;
    xn_cli_error("this xn was built without the console (libwebsockets, or Node.js and "
                 "web/node_modules for its page: make deps)");
    return NULL;
}

void run_web_stop(struct xn_web *w) { (void)w; }

#endif
