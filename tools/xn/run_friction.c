/* xn run --friction FILE. SPDX-License-Identifier: Apache-2.0 */
#include "run_friction.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io/json.h"

int xn_run_apply_friction(const char *path, const xn_model *m, const xn_hal *hal,
                          xn_controller_config *cfg) {
    xn_json *j = xn_cli_json_file(path);
    if (!j) return 1;
    int rc = 0;
    const xn_json *joints = xn_json_get(j, "joints");
    if (!joints || joints->type != XN_JSON_OBJECT) {
        rc = xn_cli_error("%s: expected an object \"joints\" (written by xn identify dynamics)",
                          path);
        goto done;
    }
    for (int i = 0; i < joints->n && rc == 0; i++) {
        const char *name = joints->keys[i];
        int k = -1, seen = 0;
        for (int h = 0; h < hal->njoint; h++) {
            if (!hal->joint_info[h].commandable) continue;
            if (strcmp(hal->joint_info[h].name, name) == 0) k = seen;
            seen++;
        }
        int b = xn_model_joint_body(m, name);
        if (k < 0 || b < 0 || m->body_nv[b] != 1) {
            rc = xn_cli_error("%s: joint \"%s\" is not a commandable 1-DoF joint of the robot and "
                              "its model",
                              path, name);
            break;
        }
        static const char *const keys[2] = {"viscous", "coulomb"};
        double val[2];
        for (int f = 0; f < 2; f++) {
            const xn_json *x = xn_json_get(&joints->items[i], keys[f]);
            if (!x || x->type != XN_JSON_NUMBER || !(x->num >= 0) || !isfinite(x->num)) {
                rc = xn_cli_error("%s: joint \"%s\": \"%s\" must be a number >= 0", path, name,
                                  keys[f]);
                break;
            }
            val[f] = x->num;
        }
        if (rc) break;
        cfg->friction_coulomb[k] = val[1];
        cfg->friction_viscous[k] = fmax(0, val[0] - m->dof_damping[m->body_vadr[b]]);
    }
done:
    xn_json_free(j);
    return rc;
}
