/* libFuzzer harness for the robot-program parser and interpreter: any bytes must parse or fail
 * with a message naming a line; a program that parses and passes the check against the Panda's
 * joints runs for up to 300 cycles on the loopback robot without crashing.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xiaonao/xiaonao.h"

static xn_model *panda;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    xn_error err;
    if (!panda && xn_load_model(XN_MODELS_DIR "/urdf/panda.urdf", NULL, &panda, &err) != XN_OK)
        abort();
    xn_program *p = NULL;
    if (xn_program_parse((const char *)data, size, "fuzz.xnp", &p, &err) != XN_OK) {
        if (err.line < 1 || !strstr(err.message, "line ")) abort(); /* errors name the line */
        return 0;
    }
    static const char *const arm[7] = {"panda_joint1", "panda_joint2", "panda_joint3",
                                       "panda_joint4", "panda_joint5", "panda_joint6",
                                       "panda_joint7"};
    xn_hal *hal = NULL;
    xn_controller *c = NULL;
    if (p->n <= 16 && xn_loopback_open(panda, NULL, 1000000, arm, 7, &hal, &err) == XN_OK &&
        xn_controller_create(panda, hal, p, NULL, &c, &err) == XN_OK) {
        for (int i = 0; i < 300 && !xn_controller_finished(c); i++) {
            xn_hal_read(hal);
            xn_controller_step(c);
            xn_hal_write(hal);
            xn_hal_advance(hal);
            xn_event ev;
            xn_ctl_sample s;
            while (xn_controller_next_event(c, &ev)) {
            }
            while (xn_controller_next_sample(c, &s)) {
            }
        }
    }
    xn_controller_free(c);
    xn_hal_close(hal);
    xn_program_free(p);
    return 0;
}
