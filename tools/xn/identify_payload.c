/* xn identify payload: a tool's mass, centre of mass and inertia from a short motion, with the
 * robot's own model known (the nominal one, or what xn identify dynamics found). The tool rides
 * on the last body, so only that body's ten parameters (and each joint's torque offset) are
 * left free; what they gain over the model is the payload. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "identify.h"
#include "math/dense.h"
#include "xiaonao/ident.h"

static void usage(FILE *f) {
    fprintf(f, "usage: xn identify payload MODEL LOG... [--frame NAME] [--body NAME]\n"
               "                           [--cutoff HZ] [--rate HZ] [--quiet]\n\n"
               "The payload the robot carries in the logs (xn run --log), from the torques the\n"
               "model does not explain: its mass (kg), centre of mass (m) and inertia about it\n"
               "(kg m^2) in --frame (default: flange, else the body's frame), and the line\n"
               "'set payload M [x, y, z]' for a program. MODEL is the robot without the payload\n"
               "(the nominal model, or model.xml from xn identify dynamics). --body: the body the\n"
               "tool is fixed to (default: the body of the last logged joint). Move the wrist\n"
               "joints and the joint before them through varied orientations (xn identify excite\n"
               "--joints joint4,joint5,joint6,joint7 --period 4 --periods 2).\n");
}

/* The payload: what the identified body has beyond the model's, expressed in the frame. */
typedef struct {
    double mass, com[3], inertia[6]; /* inertia about the com, frame axes: xx yy zz xy xz yz */
} payload;

static void payload_in_frame(const xn_inertia *delta, const xn_se3 *F, payload *out) {
    double c[3], Ic[6];
    xn_inertia_to_com(delta, c, Ic);
    out->mass = delta->m;
    /* com in the frame: R^T (c - p) */
    const double *R = F->R, *p = F->p;
    for (int i = 0; i < 3; i++)
        out->com[i] = R[i] * (c[0] - p[0]) + R[3 + i] * (c[1] - p[1]) + R[6 + i] * (c[2] - p[2]);
    /* inertia in the frame's axes: R^T Ic R */
    double I[3][3] = {{Ic[0], Ic[3], Ic[4]}, {Ic[3], Ic[1], Ic[5]}, {Ic[4], Ic[5], Ic[2]}}, T[3][3];
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double s = 0;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) s += R[3 * i + a] * I[i][j] * R[3 * j + b];
            T[a][b] = s;
        }
    out->inertia[0] = T[0][0], out->inertia[1] = T[1][1], out->inertia[2] = T[2][2];
    out->inertia[3] = T[0][1], out->inertia[4] = T[0][2], out->inertia[5] = T[1][2];
}

int xn_identify_payload(int argc, char **argv) {
    const char *model_path = NULL, *frame = NULL, *body = NULL, *logs[16];
    int nlogs = 0, quiet = 0;
    double cutoff = 8, rate = 100;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--frame") == 0 && more) {
            frame = argv[++i];
        } else if (strcmp(a, "--body") == 0 && more) {
            body = argv[++i];
        } else if ((strcmp(a, "--cutoff") == 0 || strcmp(a, "--rate") == 0) && more) {
            char *end;
            double x = strtod(argv[++i], &end);
            if (*end || !(x > 0) || !isfinite(x))
                return xn_cli_error("identify payload: %s takes a number of Hz > 0, not '%s'", a,
                                    argv[i]);
            *(a[2] == 'c' ? &cutoff : &rate) = x;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (a[0] == '-') {
            usage(stderr);
            return xn_cli_error("identify payload: unknown option '%s' (or its value is missing)",
                                a);
        } else if (!model_path) {
            model_path = a;
        } else if (nlogs < 16) {
            logs[nlogs++] = a;
        } else {
            return xn_cli_error("identify payload: at most 16 logs");
        }
    }
    if (!model_path || nlogs == 0) {
        usage(stderr);
        return xn_cli_error("identify payload: a model and at least one log are needed");
    }
    xn_model *m = xn_cli_load(model_path, 0, 0);
    if (!m) return 1;
    int rc = 1, dof[64];
    unsigned char *free_params = NULL;
    xn_log first = {0};
    xn_ident *id = NULL;
    xn_error err;
    if (xn_identify_read_log(m, logs[0], &first, dof, NULL)) goto done;
    /* the body the tool rides on, and the frame to give the payload in */
    int b = -1;
    if (body) {
        b = xn_model_body_id(m, body);
        if (b < 1) {
            rc = xn_cli_error("identify payload: --body %s: no such moving body in %s", body,
                              model_path);
            goto done;
        }
    } else {
        for (int j = 0; j < first.nj; j++)
            if (b < 0 || m->dof_body[dof[j]] > b) b = m->dof_body[dof[j]];
    }
    xn_se3 F;
    xn_se3_identity(&F);
    const char *frame_name = m->body_name[b];
    int f = xn_model_frame_id(m, frame ? frame : "flange");
    if (frame && f < 0) {
        rc = xn_cli_error("identify payload: --frame %s: no such frame in %s", frame, model_path);
        goto done;
    }
    if (f >= 0) {
        if (m->frame_body[f] != b) {
            rc = xn_cli_error("identify payload: frame %s is not on body %s, which carries the "
                              "payload",
                              m->frame_name[f], m->body_name[b]);
            goto done;
        }
        F = m->frame_placement[f];
        frame_name = m->frame_name[f];
    }
    /* free: the body's ten parameters and each logged joint's offset; the rest is the model's */
    xn_ident_options o;
    xn_ident_default_options(&o);
    o.nmeasured = first.nj;
    o.measured = dof;
    int nd = xn_dyn_regressor_cols(m);
    free_params = calloc((size_t)(nd + 3 * m->nv), 1);
    if (!free_params) {
        rc = xn_cli_error("out of memory");
        goto done;
    }
    for (int k = 0; k < XN_DYN_BODY_PARAMS; k++) free_params[XN_DYN_BODY_PARAMS * (b - 1) + k] = 1;
    for (int j = 0; j < first.nj; j++) free_params[nd + 3 * dof[j] + 2] = 1;
    o.free_params = free_params;
    if (xn_ident_create(m, &o, &id, &err) != XN_OK) {
        rc = xn_cli_error("identify payload: %s", err.message);
        goto done;
    }
    if (xn_identify_add_logs(m, logs, nlogs, &first, dof, cutoff, rate, id)) goto done;
    if (xn_ident_solve(id, 1, &err) != XN_OK) {
        rc = xn_cli_error("identify payload: %s", err.message);
        goto done;
    }
    xn_ident_summary s;
    xn_ident_summary_get(id, &s);
    /* the mass and the first moment must be among what the motion identified */
    const char *need[4] = {"m", "mcx", "mcy", "mcz"};
    for (int k = 0; k < 4; k++) {
        int col = XN_DYN_BODY_PARAMS * (b - 1) + k, found = 0;
        for (int j = 0; j < s.nbase && !found; j++) {
            xn_ident_base bp;
            xn_ident_base_get(id, j, &bp);
            found = bp.lead == col;
            for (int t = 0; t < bp.ncombined && !found; t++) found = bp.index[t] == col;
        }
        if (!found) {
            rc = xn_cli_error("identify payload: the motion does not tell the payload's %s: move "
                              "the wrist through more orientations",
                              need[k]);
            goto done;
        }
    }
    xn_inertia before = m->body_inertia[b], after, delta;
    xn_dyn_params_to_inertia(xn_ident_params(id) + XN_DYN_BODY_PARAMS * (b - 1), &after);
    delta.m = after.m - before.m;
    for (int i = 0; i < 3; i++) delta.h[i] = after.h[i] - before.h[i];
    for (int i = 0; i < 6; i++) delta.I[i] = after.I[i] - before.I[i];
    if (!(delta.m > 1e-3)) {
        rc = xn_cli_error("identify payload: no payload: the body's mass changed by %.4g kg",
                          delta.m);
        goto done;
    }
    payload pl;
    payload_in_frame(&delta, &F, &pl);
    if (!quiet) {
        printf("model        %s, payload on %s, given in frame %s\n", model_path, m->body_name[b],
               frame_name);
        printf("samples      %d from %d log%s, %d joints; torque rms %.4g -> %.4g N m\n",
               s.nsamples, nlogs, nlogs > 1 ? "s" : "", first.nj, s.rms_nominal, s.rms_consistent);
        printf("mass         %.4f kg\n", pl.mass);
        printf("com          [%.5f, %.5f, %.5f] m\n", pl.com[0], pl.com[1], pl.com[2]);
        /* an inertia no rigid body has (the principal moments must be >= 0 and each at most
         * the sum of the others) is the motion's, not the tool's: said, not given */
        double I[9] = {pl.inertia[0], pl.inertia[3], pl.inertia[4], pl.inertia[3], pl.inertia[1],
                       pl.inertia[5], pl.inertia[4], pl.inertia[5], pl.inertia[2]},
               ev[3];
        double S[6] = {I[0], I[4], I[8], I[1], I[2], I[5]}, V[9];
        xn_sym3_eig(S, ev, V);
        int valid = ev[0] >= 0 && ev[2] <= ev[0] + ev[1] + 1e-12;
        printf(
            "inertia      xx %.4g yy %.4g zz %.4g xy %.4g xz %.4g yz %.4g kg m^2 about the com%s\n",
            pl.inertia[0], pl.inertia[1], pl.inertia[2], pl.inertia[3], pl.inertia[4],
            pl.inertia[5],
            valid ? ""
                  : "\n             (no rigid body has it: this motion does not tell the "
                    "tool's inertia; a longer one with faster wrist turns may)");
    }
    printf("set payload %.4f [%.5f, %.5f, %.5f]\n", pl.mass, pl.com[0], pl.com[1], pl.com[2]);
    rc = 0;
done:
    free(free_params);
    xn_ident_free(id);
    xn_log_free(&first);
    xn_model_free(m);
    return rc;
}
