/* MuJoCo's model of a robot for pictures: see mj_scene.h.
 * SPDX-License-Identifier: Apache-2.0 */
#include "mj_scene.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/xml_util.h"

/* What a URDF needs to be drawn as its author drew it: MuJoCo's own extension element, read
 * only by MuJoCo (discardvisual: keep <visual>; strippath: "meshes/arm.stl" stays relative to
 * the file instead of becoming "arm.stl" beside it). */
static const char EXTENSION[] = "<mujoco><compiler discardvisual=\"false\" strippath=\"false\"/>"
                                "</mujoco>";

static int is_urdf(const char *path) {
    size_t n = strlen(path);
    return n > 5 && strcasecmp(path + n - 5, ".urdf") == 0;
}

mjModel *xn_mj_load_scene(const char *path, char *err, int cap) {
    if (!is_urdf(path)) return mj_loadXML(path, NULL, err, cap);
    size_t len = 0;
    xn_error rerr;
    char *text = xn_io_read_file(path, &len, &rerr);
    if (!text) return mj_loadXML(path, NULL, err, cap); /* MuJoCo says why */
    /* after the <robot ...> tag, unless the file has MuJoCo's element already */
    char *robot = strstr(text, "<robot"), *end = robot ? strchr(robot, '>') : NULL;
    if (!end || strstr(text, "<mujoco")) {
        free(text);
        return mj_loadXML(path, NULL, err, cap);
    }
    mjVFS *vfs = malloc(sizeof *vfs); /* about 2 MB: MuJoCo's table of names */
    mjModel *m = NULL;
    int tried = 0;
    if (vfs) {
        mj_defaultVFS(vfs);
        /* the file under its own name: MuJoCo looks names up in the VFS first, and finds the
         * meshes on disk beside `path` */
        const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        int size = (int)(len + sizeof EXTENSION - 1), at = (int)(end + 1 - text);
        if (mj_makeEmptyFileVFS(vfs, name, size) == 0) {
            char *data = vfs->filedata[mj_findFileVFS(vfs, name)];
            memcpy(data, text, (size_t)at);
            memcpy(data + at, EXTENSION, sizeof EXTENSION - 1);
            memcpy(data + at + sizeof EXTENSION - 1, text + at, len - (size_t)at);
            m = mj_loadXML(path, vfs, err, cap);
            tried = 1;
        }
        mj_deleteVFS(vfs);
        free(vfs);
    }
    free(text);
    return tried ? m : mj_loadXML(path, NULL, err, cap); /* (a mesh missing: MuJoCo's reason) */
}
