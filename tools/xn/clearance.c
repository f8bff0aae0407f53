/* Clearance of a configuration: bodies above the floor, geoms apart. SPDX-License-Identifier:
 * Apache-2.0 */
#include "clearance.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#ifdef XN_HAVE_MUJOCO
#include "mj_scene.h"
#endif

#define MAX_DOF 64

struct xn_clearance {
    const xn_model *m;
    xn_data *d;
    int n, dof[MAX_DOF];
    double min_height;
#ifdef XN_HAVE_MUJOCO
    mjModel *mjm; /* every geom's margin half the clearance: a contact it reports is a pair of
                     geoms closer than the clearance (self-collision, the floor) */
    mjData *mjd;
    int qpos[MAX_DOF];
#endif
};

void xn_clearance_close(xn_clearance *c) {
    if (!c) return;
#ifdef XN_HAVE_MUJOCO
    if (c->mjd) mj_deleteData(c->mjd);
    if (c->mjm) mj_deleteModel(c->mjm);
#endif
    xn_data_free(c->d);
    free(c);
}

xn_clearance *xn_clearance_open(const xn_model *m, const char *scene, const int *dof, int n,
                                double clearance, double min_height, const double *centre) {
    xn_clearance *c = calloc(1, sizeof *c);
    if (!c || n > MAX_DOF || !(c->d = xn_data_create(m))) {
        xn_cli_error("out of memory");
        xn_clearance_close(c);
        return NULL;
    }
    c->m = m;
    c->n = n;
    memcpy(c->dof, dof, sizeof(int) * (size_t)n);
    c->min_height = min_height;
#ifdef XN_HAVE_MUJOCO
    if (clearance > 0) {
        char err[512];
        c->mjm = xn_mj_load_scene(scene, err, sizeof err);
        if (!c->mjm) {
            xn_cli_error("MuJoCo cannot load %s for the contact check: %s (--clearance 0 skips "
                         "it)",
                         scene, err);
            xn_clearance_close(c);
            return NULL;
        }
        for (int g = 0; g < c->mjm->ngeom; g++) c->mjm->geom_margin[g] = clearance / 2;
        c->mjd = mj_makeData(c->mjm);
        for (int j = 0; j < n; j++) {
            const char *name = m->joint_name[m->dof_body[dof[j]]];
            int id = mj_name2id(c->mjm, mjOBJ_JOINT, name);
            if (id < 0) {
                xn_cli_error("the MuJoCo scene %s has no joint %s", scene, name);
                xn_clearance_close(c);
                return NULL;
            }
            c->qpos[j] = c->mjm->jnt_qposadr[id];
        }
        if (!xn_clearance_ok(c, centre)) {
            xn_cli_error("%s has contacts within %g m with the joints at the centre of their "
                         "ranges: lower --clearance",
                         scene, clearance);
            xn_clearance_close(c);
            return NULL;
        }
    }
#else
    (void)scene;
    if (clearance > 0)
        fprintf(stderr, "xn: built without MuJoCo: only the floor is checked, not contacts\n");
#endif
    return c;
}

int xn_clearance_ok(xn_clearance *c, const double *q) {
    const xn_model *m = c->m;
    xn_dyn_fk(m, c->d, q);
    for (int b = 2; b < m->nbody; b++) /* body 1 sits on the base */
        if (c->d->oMi[b].p[2] < c->min_height) return 0;
#ifdef XN_HAVE_MUJOCO
    if (c->mjm) {
        for (int j = 0; j < c->n; j++)
            c->mjd->qpos[c->qpos[j]] = q[m->body_qadr[m->dof_body[c->dof[j]]]];
        mj_kinematics(c->mjm, c->mjd);
        mj_collision(c->mjm, c->mjd);
        if (c->mjd->ncon > 0) return 0;
    }
#endif
    return 1;
}
