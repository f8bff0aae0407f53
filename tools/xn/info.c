/* xn info: what a model file describes, as the library built it. SPDX-License-Identifier:
 * Apache-2.0 */
#include <math.h>
#include <string.h>

#include "cli.h"

static void print_limit(FILE *f, double x) {
    if (isinf(x))
        fprintf(f, " %9s", x > 0 ? "inf" : "-inf");
    else
        fprintf(f, " %9.4g", x);
}

static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", *s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double x) {
    if (isinf(x))
        fputs("null", f); /* JSON has no infinity: null means "no limit" */
    else
        fprintf(f, "%.17g", x);
}

static void print_json(const xn_model *m) {
    FILE *f = stdout;
    fputs("{\"name\":", f);
    json_str(f, m->name);
    fprintf(f, ",\"nq\":%d,\"nv\":%d,\"nbody\":%d,\"mass\":%.17g,\"gravity\":", m->nq, m->nv,
            m->nbody, xn_model_mass(m));
    xn_cli_json_array(f, m->gravity, 3);
    fputs(",\"joints\":[", f);
    for (int b = 1; b < m->nbody; b++) {
        int q = m->body_qadr[b], v = m->body_vadr[b];
        fputs(b > 1 ? ",{\"name\":" : "{\"name\":", f);
        json_str(f, m->joint_name[b]);
        fprintf(f, ",\"type\":\"%s\",\"body\":", xn_joint_type_str(m->body_jtype[b]));
        json_str(f, m->body_name[b]);
        fputs(",\"parent\":", f);
        json_str(f, m->body_name[m->body_parent[b]]);
        fprintf(f, ",\"idx_q\":%d,\"nq\":%d,\"idx_v\":%d,\"nv\":%d,\"lower\":", q, m->body_nq[b], v,
                m->body_nv[b]);
        json_num(f, m->q_lower[q]);
        fputs(",\"upper\":", f);
        json_num(f, m->q_upper[q]);
        fputs(",\"velocity\":", f);
        json_num(f, m->dof_vmax[v]);
        fputs(",\"effort\":", f);
        json_num(f, m->dof_effort[v]);
        fprintf(f, ",\"damping\":%.17g,\"friction\":%.17g,\"armature\":%.17g", m->dof_damping[v],
                m->dof_friction[v], m->dof_armature[v]);
        if (m->joint_mimic[b]) {
            fputs(",\"mimic\":", f);
            json_str(f, m->joint_mimic[b]);
        }
        fputc('}', f);
    }
    fputs("],\"bodies\":[", f);
    for (int b = 1; b < m->nbody; b++) {
        xn_real c[3], Ic[6];
        xn_inertia_to_com(&m->body_inertia[b], c, Ic);
        fputs(b > 1 ? ",{\"name\":" : "{\"name\":", f);
        json_str(f, m->body_name[b]);
        fprintf(f, ",\"mass\":%.17g,\"com\":", m->body_inertia[b].m);
        xn_cli_json_array(f, c, 3);
        fputs(",\"inertia\":", f);
        xn_cli_json_array(f, Ic, 6);
        fputc('}', f);
    }
    fputs("],\"frames\":[", f);
    static const char *ft[] = {"body", "joint", "site"};
    for (int i = 0; i < m->nframe; i++) {
        fputs(i ? ",{\"name\":" : "{\"name\":", f);
        json_str(f, m->frame_name[i]);
        fprintf(f, ",\"type\":\"%s\",\"body\":", ft[m->frame_type[i]]);
        json_str(f, m->body_name[m->frame_body[i]]);
        fputs(",\"pos\":", f);
        xn_cli_json_array(f, m->frame_placement[i].p, 3);
        fputc('}', f);
    }
    fputs("],\"warnings\":[", f);
    for (int i = 0; i < m->nwarning; i++) {
        if (i) fputc(',', f);
        json_str(f, m->warning[i]);
    }
    fputs("]}\n", f);
}

static void print_text(const xn_model *m, const char *path) {
    printf("model   %s (%s)\n", m->name[0] ? m->name : "(unnamed)", path);
    printf("size    nq %d, nv %d, %d moving bodies, %d frames\n", m->nq, m->nv, m->nbody - 1,
           m->nframe);
    printf("mass    %.4f kg (moving bodies)\ngravity %g %g %g m/s^2\n\n", xn_model_mass(m),
           m->gravity[0], m->gravity[1], m->gravity[2]);
    printf("tree (body <- joint, parent)\n");
    for (int b = 1; b < m->nbody; b++) {
        int depth = 0;
        for (int p = m->body_parent[b]; p > 0; p = m->body_parent[p]) depth++;
        printf("  %*s%s <- %s (%s)%s%s\n", 2 * depth, "", m->body_name[b], m->joint_name[b],
               xn_joint_type_str(m->body_jtype[b]), m->joint_mimic[b] ? ", mimics " : "",
               m->joint_mimic[b] ? m->joint_mimic[b] : "");
    }
    printf("\njoints\n  %-28s %-10s %4s %4s %9s %9s %9s %9s %8s %8s %8s\n", "name", "type", "q",
           "v", "lower", "upper", "vel", "effort", "damping", "friction", "armature");
    for (int b = 1; b < m->nbody; b++) {
        int q = m->body_qadr[b], v = m->body_vadr[b];
        printf("  %-28s %-10s %4d %4d", m->joint_name[b], xn_joint_type_str(m->body_jtype[b]), q,
               v);
        int one = m->body_nv[b] == 1;
        print_limit(stdout, one ? m->q_lower[q] : -INFINITY);
        print_limit(stdout, one ? m->q_upper[q] : INFINITY);
        print_limit(stdout, m->dof_vmax[v]);
        print_limit(stdout, m->dof_effort[v]);
        printf(" %8.4g %8.4g %8.4g\n", m->dof_damping[v], m->dof_friction[v], m->dof_armature[v]);
    }
    printf("\nbodies\n  %-28s %10s  %s\n", "name", "mass (kg)", "centre of mass (m, body frame)");
    for (int b = 1; b < m->nbody; b++) {
        xn_real c[3], Ic[6];
        xn_inertia_to_com(&m->body_inertia[b], c, Ic);
        printf("  %-28s %10.4f  %8.4f %8.4f %8.4f\n", m->body_name[b], m->body_inertia[b].m, c[0],
               c[1], c[2]);
    }
    static const char *ft[] = {"body", "joint", "site"};
    printf("\nframes (%d)\n", m->nframe);
    for (int i = 0; i < m->nframe; i++)
        printf("  %-32s %-5s on %s\n", m->frame_name[i], ft[m->frame_type[i]],
               m->body_name[m->frame_body[i]]);
    if (m->nwarning) {
        printf("\nwarnings (%d)\n", m->nwarning);
        for (int i = 0; i < m->nwarning; i++) printf("  %s\n", m->warning[i]);
    }
}

int xn_cmd_info(int argc, char **argv) {
    const char *path = NULL;
    int json = 0, floating = 0, strict = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--floating-base") == 0)
            floating = 1;
        else if (strcmp(argv[i], "--strict") == 0)
            strict = 1;
        else if (strcmp(argv[i], "--help") == 0) {
            printf("usage: xn info MODEL [--floating-base] [--strict] [--json]\n"
                   "  --floating-base  URDF: a free joint above the root link\n"
                   "  --strict         reject inertias that violate A + B >= C\n"
                   "  --json           machine-readable output\n");
            return 0;
        } else if (argv[i][0] == '-')
            return xn_cli_error("info: unknown option '%s'", argv[i]);
        else if (!path)
            path = argv[i];
        else
            return xn_cli_error("info: more than one model given ('%s')", argv[i]);
    }
    if (!path) return xn_cli_error("info: no model file given (usage: xn info MODEL)");
    xn_model *m = xn_cli_load(path, floating, strict);
    if (!m) return 1;
    if (json)
        print_json(m);
    else
        print_text(m, path);
    xn_model_free(m);
    return 0;
}
