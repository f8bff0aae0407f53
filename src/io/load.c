/* Format detection: a model file is URDF when its root element is <robot>, MJCF when <mujoco>.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/xml_util.h"
#include "xiaonao/io.h"

/* The first element name in the text, skipping the prolog, comments and processing
 * instructions; enough to tell the formats apart without a second parse. */
static int root_is(const char *buf, size_t len, const char *name) {
    size_t i = 0, n = strlen(name);
    while (i < len) {
        if (buf[i] != '<') {
            i++;
            continue;
        }
        if (i + 1 < len && (buf[i + 1] == '?' || buf[i + 1] == '!')) {
            const char *end = buf[i + 1] == '!' && i + 3 < len && buf[i + 2] == '-' ? "-->" : ">";
            const char *e = strstr(buf + i, end);
            if (!e) return 0;
            i = (size_t)(e - buf) + strlen(end);
            continue;
        }
        return i + 1 + n <= len && strncmp(buf + i + 1, name, n) == 0;
    }
    return 0;
}

xn_status xn_load_model(const char *path, const xn_load_options *opt, xn_model **out,
                        xn_error *err) {
    xn_error dummy;
    if (!err) err = &dummy;
    memset(err, 0, sizeof *err);
    *out = NULL;
    size_t len;
    char *buf = xn_io_read_file(path, &len, err);
    if (!buf) return XN_ERR_IO;
    xn_status st;
    if (root_is(buf, len, "mujoco")) {
        /* includes are relative to the main file's folder */
        char dir[1024];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
        else
            snprintf(dir, sizeof dir, ".");
        st = xn_load_mjcf_string(buf, len, path, dir, opt, out, err);
    } else {
        st = xn_load_urdf_string(buf, len, path, opt, out, err);
    }
    free(buf);
    return st;
}
