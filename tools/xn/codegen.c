/* xn codegen: C code specialized to one robot model (xiaonao/codegen.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "xiaonao/codegen.h"

#define MAX_FRAMES 64

static void usage(FILE *f) {
    fprintf(f, "usage: xn codegen MODEL --out DIR [--floating-base] [--real float|double]\n"
               "                  [--prefix NAME] [--frame NAME]... [--model-description]\n\n"
               "Writes DIR/NAME.h and DIR/NAME.c: forward kinematics, centre of mass, RNEA,\n"
               "gravity, CRBA, its factorization and solve, and ABA, as straight-line C11 with\n"
               "the model's axes, placements and inertias folded in (libm only, no allocation).\n"
               "Each --frame adds NAME_<frame>_pose and NAME_<frame>_jacobian.\n"
               "--model-description adds NAME_model.c: the model rebuilt in code through the\n"
               "builder, for the generic library on a target with no loader.\n"
               "NAME defaults to the model's name. Layouts: xiaonao/codegen.h.\n");
}

int xn_cmd_codegen(int argc, char **argv) {
    const char *model = NULL, *out = NULL, *prefix = NULL;
    const char *frames[MAX_FRAMES];
    int nframes = 0, floating = 0, single = 0, describe = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--out") == 0 && more) {
            out = argv[++i];
        } else if (strcmp(a, "--prefix") == 0 && more) {
            prefix = argv[++i];
        } else if (strcmp(a, "--floating-base") == 0) {
            floating = 1;
        } else if (strcmp(a, "--model-description") == 0) {
            describe = 1;
        } else if (strcmp(a, "--real") == 0 && more) {
            const char *r = argv[++i];
            if (strcmp(r, "float") == 0)
                single = 1;
            else if (strcmp(r, "double") == 0)
                single = 0;
            else
                return xn_cli_error("codegen: --real takes float or double, not '%s'", r);
        } else if (strcmp(a, "--frame") == 0 && more) {
            if (nframes == MAX_FRAMES)
                return xn_cli_error("codegen: at most %d --frame options", MAX_FRAMES);
            frames[nframes++] = argv[++i];
        } else if (a[0] == '-') {
            usage(stderr);
            return xn_cli_error("codegen: unknown option '%s' (or its value is missing)", a);
        } else if (!model) {
            model = a;
        } else {
            usage(stderr);
            return xn_cli_error("codegen: one MODEL only ('%s' is a second)", a);
        }
    }
    if (!model || !out) {
        usage(stderr);
        return xn_cli_error("codegen: MODEL and --out DIR are required");
    }
    struct stat sb;
    if (stat(out, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return xn_cli_error("codegen: %s: not a directory", out);
    size_t len = 0;
    char *text = xn_cli_slurp(model, &len);
    if (!text) return 1;
    char hash[65];
    xn_sha256_hex(text, len, hash);
    free(text);
    xn_model *m = xn_cli_load(model, floating, 0);
    if (!m) return 1;
    const char *base = strrchr(model, '/');
    xn_codegen_options opt = {prefix, single,  frames, nframes, base ? base + 1 : model,
                              hash,   describe};
    xn_error err;
    xn_status st = xn_codegen_write(m, &opt, out, &err);
    xn_model_free(m);
    if (st != XN_OK) return xn_cli_error("codegen: %s: %s", err.file, err.message);
    return 0;
}
