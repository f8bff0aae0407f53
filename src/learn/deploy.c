/* Reading a policy's deployment description (deploy.json). SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "learn/policy_internal.h"
#include "model/error_internal.h"
#include "xiaonao/locomotion.h"

/* a number field, required or with a default (NAN: required) */
static int number(const xn_json *j, const char *key, xn_real def, xn_real *out) {
    const xn_json *v = xn_json_get(j, key);
    if (!v) {
        if (isnan(def)) return -1;
        *out = def;
        return 0;
    }
    if (v->type != XN_JSON_NUMBER || !isfinite(v->num)) return -1;
    *out = v->num;
    return 0;
}

/* an array of exactly n numbers */
static int numbers(const xn_json *j, const char *key, int n, xn_real *out) {
    double tmp[XN_DEPLOY_MAX_JOINTS];
    const xn_json *v = xn_json_get(j, key);
    if (!v || n > XN_DEPLOY_MAX_JOINTS || xn_json_reals(v, tmp, XN_DEPLOY_MAX_JOINTS) != n)
        return -1;
    for (int k = 0; k < n; k++) {
        if (!isfinite(tmp[k])) return -1;
        out[k] = tmp[k];
    }
    return 0;
}

static xn_status parse(const xn_json *j, const char *path, xn_deploy *d, xn_error *err) {
    if (j->type != XN_JSON_OBJECT) return xn_fail(err, XN_ERR_PARSE, path, "not a JSON object");
    const xn_json *pol = xn_json_get(j, "policy");
    if (pol && pol->type == XN_JSON_STRING) snprintf(d->policy, sizeof d->policy, "%s", pol->str);
    const xn_json *mdl = xn_json_get(j, "model");
    if (mdl && mdl->type == XN_JSON_STRING && mdl->str[0]) {
        /* relative to the description's folder */
        const char *slash = strrchr(path, '/');
        int dir = mdl->str[0] == '/' || !slash ? 0 : (int)(slash - path + 1);
        snprintf(d->model, sizeof d->model, "%.*s%s", dir, path, mdl->str);
    }
    const xn_json *joints = xn_json_get(j, "joints");
    if (!joints || joints->type != XN_JSON_ARRAY || joints->n < 1 ||
        joints->n > XN_DEPLOY_MAX_JOINTS)
        return xn_fail(err, XN_ERR_INVALID, path, "'joints' must list 1 to %d joint names",
                       XN_DEPLOY_MAX_JOINTS);
    d->njoint = joints->n;
    for (int k = 0; k < joints->n; k++) {
        if (joints->items[k].type != XN_JSON_STRING || !joints->items[k].str[0])
            return xn_fail(err, XN_ERR_INVALID, path, "'joints' entry %d is not a name", k);
        snprintf(d->joint[k], sizeof d->joint[k], "%s", joints->items[k].str);
    }
    const struct {
        const char *key;
        xn_real *to;
        int per_joint;
    } arrays[] = {{"kps", d->kp, 1},
                  {"kds", d->kd, 1},
                  {"default_angles", d->default_angles, 1},
                  {"cmd_scale", d->cmd_scale, 0}};
    for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++) {
        int n = arrays[a].per_joint ? d->njoint : 3;
        if (numbers(j, arrays[a].key, n, arrays[a].to))
            return xn_fail(err, XN_ERR_INVALID, path, "'%s' must be %d numbers", arrays[a].key, n);
    }
    for (int k = 0; k < d->njoint; k++)
        if (!(d->kp[k] >= 0) || !(d->kd[k] >= 0))
            return xn_fail(err, XN_ERR_RANGE, path, "joint %s: gains must be >= 0", d->joint[k]);
    xn_real dec = 0, nobs = 0, nact = 0;
    const struct {
        const char *key;
        xn_real *to;
        double def;
    } scalars[] = {
        {"simulation_dt", &d->simulation_dt, NAN}, {"ang_vel_scale", &d->ang_vel_scale, NAN},
        {"dof_pos_scale", &d->dof_pos_scale, NAN}, {"dof_vel_scale", &d->dof_vel_scale, NAN},
        {"action_scale", &d->action_scale, NAN},   {"gait_period_s", &d->gait_period, 0},
        {"max_tilt", &d->max_tilt, 0.8},           {"damping", &d->damping, 5}};
    for (size_t s = 0; s < sizeof scalars / sizeof scalars[0]; s++)
        if (number(j, scalars[s].key, scalars[s].def, scalars[s].to))
            return xn_fail(err, XN_ERR_INVALID, path, "'%s' must be a number%s", scalars[s].key,
                           isnan(scalars[s].def) ? " (required)" : "");
    if (number(j, "control_decimation", NAN, &dec) || !(dec >= 1 && dec <= 1000) ||
        dec != floor(dec))
        return xn_fail(err, XN_ERR_INVALID, path,
                       "'control_decimation' must be a whole number >= 1");
    d->decimation = (int)dec;
    if (number(j, "num_obs", NAN, &nobs) || number(j, "num_actions", NAN, &nact) || nobs < 1 ||
        nact != d->njoint)
        return xn_fail(err, XN_ERR_INVALID, path,
                       "'num_obs' and 'num_actions' must be given, and num_actions = %d joints",
                       d->njoint);
    d->nobs = (int)nobs;
    d->nact = (int)nact;
    int expect = 9 + 3 * d->njoint + (d->gait_period > 0 ? 2 : 0);
    if (d->nobs != expect)
        return xn_fail(err, XN_ERR_INVALID, path,
                       "num_obs is %d, but the observation terms make %d (9 + 3 x %d joints%s)",
                       d->nobs, expect, d->njoint, d->gait_period > 0 ? " + 2 phase" : "");
    if (!(d->simulation_dt > 0) || !(d->max_tilt > 0) || !(d->damping >= 0))
        return xn_fail(err, XN_ERR_RANGE, path, "simulation_dt and max_tilt must be > 0");
    for (int k = 0; k < 3; k++) d->command_max[k] = INFINITY;
    if (xn_json_get(j, "command_max") &&
        (numbers(j, "command_max", 3, d->command_max) || !(d->command_max[0] > 0) ||
         !(d->command_max[1] > 0) || !(d->command_max[2] > 0)))
        return xn_fail(err, XN_ERR_INVALID, path,
                       "'command_max' must be 3 numbers > 0 (vx, vy in m/s, yaw rate in rad/s)");
    d->budget_s = 0.5 * d->simulation_dt * d->decimation;
    xn_real budget = 0;
    if (!number(j, "budget_s", d->budget_s, &budget) && budget > 0) d->budget_s = budget;
    return XN_OK;
}

xn_status xn_deploy_load(const char *path, xn_deploy *d, xn_error *err) {
    memset(d, 0, sizeof *d);
    size_t len = 0;
    char *text = nn_read_file(path, 1 << 24, &len);
    if (!text) return xn_fail(err, XN_ERR_IO, path, "cannot read the file");
    char eb[256];
    xn_json *j = xn_json_parse(text, len, eb, sizeof eb);
    free(text);
    if (!j) return xn_fail(err, XN_ERR_PARSE, path, "%s", eb);
    xn_status st = parse(j, path, d, err);
    xn_json_free(j);
    return st;
}
