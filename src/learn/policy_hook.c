/* The controller's policy hook backed by the learn layer: `policy load`, `walk`, `stand` in a
 * robot program. SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xiaonao/locomotion.h"

#define MAX_LOADED 8

typedef struct {
    xn_policy_hook hook; /* first: the hook's self is this struct */
    int n, active;
    xn_real budget_s; /* > 0: replaces each description's budget_s */
    struct {
        xn_deploy d;
        xn_policy *p;
        xn_locomotion *l;
    } item[MAX_LOADED];
} hook_state;

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0;
}

xn_status xn_deploy_locate(const char *path, const char *dir, char *deploy, char *onnx, size_t cap,
                           xn_error *err) {
    char where[1024];
    snprintf(where, sizeof where, "%s", path);
    if (!exists(where) && path[0] != '/' && dir && dir[0]) {
        snprintf(where, sizeof where, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", path);
    }
    if (!exists(where)) {
        if (err) {
            err->index = -1;
            snprintf(err->file, sizeof err->file, "%.255s", path);
            snprintf(err->message, sizeof err->message,
                     "no such folder or file (tried from here and from the program's folder)");
        }
        return XN_ERR_NOT_FOUND;
    }
    char folder[1024];
    if (is_dir(where)) {
        snprintf(folder, sizeof folder, "%s", where);
        snprintf(deploy, cap, "%s/deploy.json", where);
    } else {
        snprintf(deploy, cap, "%s", where);
        snprintf(folder, sizeof folder, "%s", where);
        char *slash = strrchr(folder, '/');
        if (slash)
            *slash = 0;
        else
            snprintf(folder, sizeof folder, ".");
    }
    /* the ONNX file: the only .onnx in the folder */
    onnx[0] = 0;
    DIR *dp = opendir(folder);
    int count = 0;
    for (struct dirent *e = dp ? readdir(dp) : NULL; e; e = readdir(dp)) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".onnx") == 0) {
            snprintf(onnx, cap, "%s/%s", folder, e->d_name);
            count++;
        }
    }
    if (dp) closedir(dp);
    if (count != 1) {
        if (err) {
            err->index = -1;
            snprintf(err->file, sizeof err->file, "%.255s", folder);
            snprintf(err->message, sizeof err->message,
                     "expected one .onnx file in the policy's folder, found %d", count);
        }
        return XN_ERR_NOT_FOUND;
    }
    return XN_OK;
}

static int prepare(void *self, const char *path, const char *dir, xn_hal *hal, xn_error *err) {
    hook_state *h = self;
    if (h->n >= MAX_LOADED) {
        err->index = -1;
        snprintf(err->file, sizeof err->file, "%s", path);
        snprintf(err->message, sizeof err->message, "at most %d policies per program", MAX_LOADED);
        return -1;
    }
    char deploy[1024], onnx[1024];
    if (xn_deploy_locate(path, dir, deploy, onnx, sizeof deploy, err)) return -1;
    int k = h->n;
    if (xn_deploy_load(deploy, &h->item[k].d, err)) return -1;
    if (h->budget_s > 0) h->item[k].d.budget_s = h->budget_s;
    if (xn_policy_load(onnx, &h->item[k].p, err) ||
        xn_locomotion_create(&h->item[k].d, h->item[k].p, hal, &h->item[k].l, err)) {
        xn_policy_free(h->item[k].p);
        h->item[k].p = NULL;
        return -1;
    }
    return h->n++;
}

static void activate(void *self, int id) {
    hook_state *h = self;
    if (id >= 0 && id < h->n) h->active = id;
}

static void command(void *self, xn_real vx, xn_real vy, xn_real wz) {
    hook_state *h = self;
    if (h->active >= 0) xn_locomotion_command(h->item[h->active].l, vx, vy, wz);
}

static void command_range(void *self, int id, xn_real max[3]) {
    hook_state *h = self;
    for (int k = 0; k < 3; k++)
        max[k] = id >= 0 && id < h->n ? h->item[id].d.command_max[k] : INFINITY;
}

static int step(void *self) {
    hook_state *h = self;
    if (h->active < 0) return 0;
    xn_locomotion *l = h->item[h->active].l;
    xn_locomotion_step(l);
    return xn_locomotion_state(l) == XN_LOCO_DAMPING;
}

static const char *reason(void *self) {
    hook_state *h = self;
    return h->active >= 0 ? xn_locomotion_reason(h->item[h->active].l) : "";
}

xn_policy_hook *xn_locomotion_hook_create(void) {
    hook_state *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->active = -1;
    h->hook.self = h;
    h->hook.prepare = prepare;
    h->hook.activate = activate;
    h->hook.command = command;
    h->hook.command_range = command_range;
    h->hook.step = step;
    h->hook.reason = reason;
    return &h->hook;
}

void xn_locomotion_hook_free(xn_policy_hook *hook) {
    if (!hook) return;
    hook_state *h = hook->self;
    for (int k = 0; k < h->n; k++) {
        xn_locomotion_free(h->item[k].l);
        xn_policy_free(h->item[k].p);
    }
    free(h);
}

void xn_locomotion_hook_set_budget(xn_policy_hook *hook, xn_real budget_s) {
    if (!hook) return;
    hook_state *h = hook->self;
    h->budget_s = budget_s > 0 ? budget_s : 0;
}

xn_locomotion *xn_locomotion_hook_active(xn_policy_hook *hook) {
    hook_state *h = hook->self;
    return h->active >= 0 ? h->item[h->active].l : NULL;
}
