/* libFuzzer harness for the console's message decoder (src/web/protocol.c: every WebSocket text
 * frame a browser or anyone on the network sends): any bytes decode or are refused with a reason;
 * a decoded message holds only values the server may act on, and a program checked by the
 * decoder's caller is parsed the same way (its errors name a line).
 * SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xiaonao/program.h"
#include "xiaonao/web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    xn_web_msg m;
    xn_error err;
    if (xn_web_decode((const char *)data, size, &m, &err) != XN_OK) {
        if (!err.message[0] || m.kind != 0 || m.program) abort(); /* a refusal says why */
        return 0;
    }
    switch (m.kind) {
    case XN_WEB_JOG:
        if (m.axis < 0 || m.axis >= (m.cartesian ? 6 : XN_OTG_MAX_DOFS) ||
            (m.dir != 1 && m.dir != -1) || !(m.speed > 0 && m.speed <= 1))
            abort();
        break;
    case XN_WEB_HELLO:
        if (strlen(m.name) >= sizeof m.name || strlen(m.token) >= sizeof m.token) abort();
        for (const char *p = m.name; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == '<' || *p == '"') abort();
        break;
    case XN_WEB_CHECK:
    case XN_WEB_RUN: {
        if (!m.program || strlen(m.program) != m.program_len) abort();
        xn_program *p = NULL;
        if (xn_program_parse(m.program, m.program_len, "editor", &p, &err) != XN_OK &&
            (p || err.line < 0 || !err.message[0]))
            abort();
        xn_program_free(p);
        break;
    }
    case XN_WEB_TAKE:
    case XN_WEB_RELEASE:
    case XN_WEB_STOP:
    case XN_WEB_JOG_STOP:
    case XN_WEB_PAUSE:
    case XN_WEB_RESUME: break;
    default: abort();
    }
    xn_web_msg_free(&m);
    return 0;
}
