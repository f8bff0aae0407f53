/* libFuzzer harness for the JSON reader (src/io/json.c: the policy deployment file, reference
 * data, case files): any bytes must parse or fail with a message naming the line and byte; a
 * parsed tree is walked through every accessor. SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"

static void walk(const xn_json *j, int depth) {
    double buf[8];
    if (depth > 300) abort(); /* the reader refuses nesting past 256 */
    if (j->type == XN_JSON_STRING && !j->str) abort();
    if (j->type == XN_JSON_ARRAY || j->type == XN_JSON_OBJECT) {
        (void)xn_json_reals(j, buf, 8);
        for (int i = 0; i < j->n; i++) {
            if (j->type == XN_JSON_OBJECT && (!j->keys || !j->keys[i])) abort();
            if (j->type == XN_JSON_OBJECT) (void)xn_json_get(j, j->keys[i]);
            walk(&j->items[i], depth + 1);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[256] = "";
    xn_json *j = xn_json_parse((const char *)data, size, err, sizeof err);
    if (!j) {
        if (!strstr(err, "line ") || !strstr(err, "byte ")) abort(); /* errors name the place */
        return 0;
    }
    walk(j, 0);
    xn_json_free(j);
    return 0;
}
