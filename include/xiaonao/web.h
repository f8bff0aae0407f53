/* xiaonao: the operator console in a browser. An HTTP and WebSocket server (libwebsockets) on its
 * own thread serves the console page and, over a WebSocket at /ws, streams the robot's state
 * (body poses for the 3D view, joints, tracking error, torques, the controller's state and cycle
 * statistics) at a fixed rate, and every event; it takes the operator's commands: jogging with
 * hold-to-run semantics (each jog message is a heartbeat; a jog left without one stops on the
 * controller's stream timeout), a stop (category 1), and programs checked as the parser reports
 * them (line and column).
 *
 * Access: the server binds to 127.0.0.1 unless told otherwise, and an address other than a
 * loopback one needs a token, which every client must present in its first message. One client
 * at a time holds control (jog); the others watch and are told who holds it. A stop is every
 * client's: the stop button is a safety function, like an emergency stop on a pendant. Every
 * command is checked in the server's thread against the controller's limits (the stream's own
 * checks) before anything moves; a malformed, oversized or unknown message is refused with its
 * reason, and the server reads no file at all: it serves the page it was given from memory.
 *
 * The control loop never waits for the server: it reads the newest cycle through
 * xn_controller_latest, the events through an event reader of its own, and commands through
 * xn_controller_stream. A client that stops reading gets fewer state messages, never a queue:
 * each connection holds at most the newest state and a bounded ring of events.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_WEB_H
#define XIAONAO_WEB_H

#include <stddef.h>

#include "xiaonao/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

#define XN_WEB_MAX_CLIENTS 16    /**< connections at once; more are refused */
#define XN_WEB_MAX_MESSAGE 65536 /**< bytes of one client message (a program's text) */
#define XN_WEB_MAX_BODIES 128    /**< bodies of the page's robot */

typedef struct {
    const char *listen; /**< "ADDRESS:PORT" (default "127.0.0.1:8080"; port 0: any free one) */
    const char *token;  /**< required of clients when set; must be set for an address other than
                             127.x.x.x, ::1 or localhost (NULL: none) */
    double state_rate;  /**< Hz of the state messages (default 50, 1 to 200) */
    const char *page;   /**< the console page (HTML) served at / (copied at start) */
    size_t page_len;
    const char *robot_json; /**< the robot's geometry for the page, a JSON object (bodies, geoms,
                                 meshes; as the replay's), sent in the welcome (copied) */
    /* the geometry's bodies, placed each state by forward kinematics of `model` at the measured
     * joints (a floating base where the balance controller estimates it, else where base_q
     * puts it) */
    const xn_model *model;         /**< the controller's model (must outlive the server) */
    const char *const *body_frame; /**< per geometry body: the model frame it follows, or NULL
                                        (fixed in the world) */
    int nbody;                     /**< how many (at most XN_WEB_MAX_BODIES) */
    const xn_real *base_q;         /**< the model's first configuration entries for a floating
                                        base (position, quaternion w x y z), copied; NULL: the
                                        model's neutral */
    const char *program_name;      /**< shown on the page (e.g. the program run) */
} xn_web_config;

/** Defaults above. */
void xn_web_config_init(xn_web_config *cfg);

typedef struct xn_web xn_web;

/** Start serving controller c (which must outlive the server) on a thread of its own.
 * XN_ERR_INVALID for a listen address that does not parse, a non-loopback address without a
 * token, no page, or every event reader of the controller taken; XN_ERR_RANGE for a rate out of
 * range or too many bodies; XN_ERR_NOT_FOUND for a body frame the model lacks (err->index: which
 * body); XN_ERR_IO when the port cannot be bound (err says why). */
xn_status xn_web_start(xn_controller *c, const xn_web_config *cfg, xn_web **out, xn_error *err);
/** The port the server listens on (the one chosen when the configuration said 0). */
int xn_web_port(const xn_web *w);
/** Stop the thread, close every connection. NULL is allowed. */
void xn_web_stop(xn_web *w);

/** What the server did so far (any thread). */
typedef struct {
    long connections, clients; /**< accepted so far; connected now */
    long states_sent, events_sent;
    long commands, refused; /**< client messages taken; refused (malformed, unauthorized, ...) */
    long jogs;              /**< jog setpoints passed to the controller */
    char last_refusal[256]; /**< why the last refused message was refused */
    char holder[64];        /**< who holds control ("" when nobody) */
} xn_web_stats;
void xn_web_get_stats(xn_web *w, xn_web_stats *out);

/* ---- the message decoder (the server's, public for tests and fuzzing) ---- */

typedef enum {
    XN_WEB_HELLO = 1, /**< {"type":"hello","name":NAME,"token":TOKEN}: the first message */
    XN_WEB_TAKE,      /**< {"type":"take"}: take control when nobody holds it */
    XN_WEB_RELEASE,   /**< {"type":"release"} */
    XN_WEB_STOP,      /**< {"type":"stop"}: stop category 1 (any client) */
    XN_WEB_JOG,       /**< {"type":"jog","mode":"joint"|"cartesian","axis":K,"dir":1|-1,
                           "speed":S}: K the joint (0-based, the controller's order) or the
                           flange's axis (0-2 x y z, 3-5 rotations about them, world frame); S
                           in (0, 1], the fraction of the jog's top speed */
    XN_WEB_JOG_STOP,  /**< {"type":"jog_stop"}: the button was released */
    XN_WEB_CHECK,     /**< {"type":"check","program":TEXT}: parse and check a program */
    XN_WEB_RUN,       /**< {"type":"run","program":TEXT}: run it in the `stream` line's place
                           (xn_controller_run_program; the holder only) */
    XN_WEB_PAUSE,     /**< {"type":"pause"}: pause the program (any client: it only holds) */
    XN_WEB_RESUME     /**< {"type":"resume"}: resume it (the holder only) */
} xn_web_kind;

typedef struct {
    xn_web_kind kind;
    char name[64], token[128];
    int cartesian, axis, dir;
    double speed;
    const char *program; /**< XN_WEB_CHECK, XN_WEB_RUN: into the decoded message's own copy
                              (free with xn_web_msg_free) */
    size_t program_len;
} xn_web_msg;

/** Decode one client message (a WebSocket text frame, len bytes, not NUL-terminated). On a
 * refusal err->message says why, naming the field. */
xn_status xn_web_decode(const char *text, size_t len, xn_web_msg *out, xn_error *err);
void xn_web_msg_free(xn_web_msg *m);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
