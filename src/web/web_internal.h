/* The console server's parts (web.h): the robot's poses and the messages' JSON (encode.c), the
 * listen address and token (access.c). Internal to xiaonao_web.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_WEB_INTERNAL_H
#define XN_WEB_INTERNAL_H

#include <stddef.h>

#include "xiaonao/web.h"

/* Places the page's bodies: forward kinematics of the controller's model at the measured joints. */
typedef struct {
    const xn_model *m;
    xn_data *d;
    xn_real *q;                /* the model's configuration (nq) */
    int nj;                    /* controlled joints */
    int qadr[XN_OTG_MAX_DOFS]; /* each controlled joint's entry in q, -1 when the model lacks it */
    int base_qadr;             /* a floating base's entries in q (7), -1 when fixed */
    xn_real lo[XN_OTG_MAX_DOFS], hi[XN_OTG_MAX_DOFS];
    int nbody;
    int frame[XN_WEB_MAX_BODIES]; /* the model frame each page body follows, -1: fixed */
    float *poses;                 /* 7 per body: position, quaternion w x y z */
    char *joints_json;            /* [{"name", "lower", "upper"}, ...] for the welcome */
    size_t joints_json_len;
} xn_web_poser;

xn_status xn_web_poser_init(xn_web_poser *p, const xn_controller *c, const xn_web_config *cfg,
                            xn_error *err);
void xn_web_poser_free(xn_web_poser *p);
void xn_web_joint_range(const xn_web_poser *p, int k, xn_real *lo, xn_real *hi);

/* The largest state message for this robot (bytes, with the NUL). */
size_t xn_web_state_size(const xn_web_poser *p);
/* The state message of sample s (and the loop's statistics when live is not NULL) into out
 * (cap bytes): its length. */
/* what the page shows of a program: xn_run_state, xn_controller_paused */
typedef struct {
    int streaming, run, paused;
} xn_web_flags;
size_t xn_web_json_state(xn_web_poser *p, const xn_ctl_sample *s, const xn_web_flags *f,
                         const xn_loop_live *live, char *out, size_t cap);
void xn_web_json_event(char *out, size_t cap, const xn_event *ev);
void xn_web_json_refusal(char *out, size_t cap, const char *what, const char *why);
void xn_web_json_control(char *out, size_t cap, const char *holder, int you);
/* {"type":"check","ok":true} or the error's line, column and reason */
void xn_web_json_check(char *out, size_t cap, const char *type, const xn_error *err);
/* The welcome's opening, without its closing brace: type, id, rate, program. */
void xn_web_json_welcome_head(char *out, size_t cap, int id, double rate, const char *program);

/* "ADDRESS:PORT" (IPv4, [IPv6] or localhost): 0, or -1 when it does not parse; loopback says
 * whether the address is one (127.x.x.x, ::1, localhost). */
int xn_web_parse_listen(const char *s, char *iface, size_t cap, int *port, int *loopback);
/* Tokens compared in a time that does not depend on where they differ. */
int xn_web_same_token(const char *want, const char *got);

#endif
