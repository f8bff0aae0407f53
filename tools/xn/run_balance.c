/* xn run and a balancing humanoid (see run_balance.h). SPDX-License-Identifier: Apache-2.0 */
#include "run_balance.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io/json.h"

#define DESC_BRAKES 16  /* joints a description may brake */
#define DESC_GAINS 64   /* settings a description may give in "balance" and "wbc" */
#define DESC_MAX_NV 256 /* the brake array's size: DoFs of the largest model braked */

/* what the description names, until the model is loaded */
static struct {
    char path[1024];
    char foot[2][64], torso[64], hand[2][64];
    double corner[2][4][3], friction[2];
    int stepping;
    int nbrake;
    char brake_joint[DESC_BRAKES][64];
    double brake_accel[DESC_BRAKES];
    int ngain;
    char gain_name[DESC_GAINS][48]; /* "balance.dcm_gain", "wbc.com_kp", ... */
    double gain_value[DESC_GAINS];
} desc;

/* The settings of xn_balance_config and its xn_wbc_config a description may give, by name: the
 * robot's tuning lives in its description, not in the library. Each value is checked by
 * xn_balance_create, whose message names it. */
#define BAL(f)                                                                                     \
    { "balance." #f, offsetof(xn_balance_config, f), 0 }
#define WBC(f)                                                                                     \
    { "wbc." #f, offsetof(xn_balance_config, wbc) + offsetof(xn_wbc_config, f), 0 }
static const struct {
    const char *name;
    size_t offset;
    int is_int;
} gain_fields[] = {
    BAL(dcm_gain),
    BAL(cop_margin),
    BAL(cmp_max),
    BAL(height_kp),
    BAL(height_kd),
    BAL(step_trigger),
    BAL(step_duration),
    BAL(step_height),
    BAL(step_length_max),
    BAL(step_width_min),
    BAL(step_side_max),
    BAL(touchdown_height),
    BAL(min_double_support),
    BAL(damping),
    BAL(dcm_filter),
    BAL(step_offset),
    BAL(hip_relax),
    BAL(stance_lift),
    BAL(dcm_gain_near),
    BAL(dcm_gain_span),
    BAL(stand_lower),
    BAL(hip_relax_time),
    BAL(height_boost),
    BAL(height_boost_time),
    BAL(height_unload),
    BAL(height_trigger),
    WBC(com_kp),
    WBC(com_kd),
    WBC(com_weight),
    WBC(base_kp),
    WBC(base_kd),
    WBC(base_weight),
    WBC(posture_kp),
    WBC(posture_kd),
    WBC(posture_weight),
    WBC(contact_kd),
    WBC(accel_weight),
    WBC(force_weight),
    WBC(momentum_kd),
    WBC(momentum_weight),
    WBC(torso_kp),
    WBC(torso_kd),
    WBC(torso_weight),
    WBC(swing_kp),
    WBC(swing_kd),
    WBC(swing_weight),
    WBC(hand_kp),
    WBC(hand_kd),
    WBC(hand_weight),
    WBC(limit_horizon),
    WBC(brake_time),
    {"wbc.max_iterations",
     offsetof(xn_balance_config, wbc) + offsetof(xn_wbc_config, max_iterations), 1},
};
#undef BAL
#undef WBC
#define NGAIN_FIELDS (int)(sizeof gain_fields / sizeof gain_fields[0])

static int gain_field(const char *name) {
    for (int i = 0; i < NGAIN_FIELDS; i++)
        if (strcmp(gain_fields[i].name, name) == 0) return i;
    return -1;
}

/* wbc.brake_accel for the bound model (the whole-body controller copies it at creation) */
static xn_real brake_by_dof[DESC_MAX_NV];

static int desc_fail(const char *path, const char *what) {
    return xn_cli_error("%s: %s", path, what);
}

static int text(const xn_json *j, const char *key, char *out, size_t cap) {
    const xn_json *v = xn_json_get(j, key);
    out[0] = 0;
    if (!v) return 0;
    if (v->type != XN_JSON_STRING || strlen(v->str) >= cap) return -1;
    snprintf(out, cap, "%s", v->str);
    return 1;
}

static int parse(const char *path, const xn_json *j, xn_humanoid_config *h, char *scene,
                 size_t scene_cap, char *keyframe, size_t keyframe_cap) {
    if (j->type != XN_JSON_OBJECT) return desc_fail(path, "not a JSON object");
    char model[512];
    if (text(j, "model", model, sizeof model) < 0)
        return desc_fail(path, "\"model\" must be a file name (the robot's scene)");
    scene[0] = 0;
    if (model[0]) { /* relative to the description */
        const char *slash = strrchr(path, '/');
        int dir = model[0] == '/' || !slash ? 0 : (int)(slash - path + 1);
        snprintf(scene, scene_cap, "%.*s%s", dir, path, model);
    }
    if (text(j, "keyframe", keyframe, keyframe_cap) < 0)
        return desc_fail(path, "\"keyframe\" must be a keyframe's name");
    if (text(j, "imu", h->imu, sizeof h->imu) <= 0)
        return desc_fail(path, "\"imu\": the base IMU's name is required");
    if (text(j, "torso", desc.torso, sizeof desc.torso) < 0)
        return desc_fail(path, "\"torso\" must be a frame's name");
    const xn_json *hands = xn_json_get(j, "hands");
    desc.hand[0][0] = desc.hand[1][0] = 0;
    if (hands) {
        if (hands->type != XN_JSON_ARRAY || hands->n != 2 ||
            hands->items[0].type != XN_JSON_STRING || hands->items[1].type != XN_JSON_STRING)
            return desc_fail(path, "\"hands\" must be two frame names (left, right)");
        for (int k = 0; k < 2; k++)
            snprintf(desc.hand[k], sizeof desc.hand[k], "%s", hands->items[k].str);
    }
    const xn_json *feet = xn_json_get(j, "feet");
    if (!feet || feet->type != XN_JSON_ARRAY || feet->n != 2)
        return desc_fail(path, "\"feet\" must list two feet (left, right)");
    for (int f = 0; f < 2; f++) {
        const xn_json *ft = &feet->items[f];
        if (ft->type != XN_JSON_OBJECT || text(ft, "frame", desc.foot[f], sizeof desc.foot[f]) <= 0)
            return desc_fail(path, "each foot needs \"frame\": its sole's frame");
        const xn_json *cs = xn_json_get(ft, "corners");
        if (!cs || cs->type != XN_JSON_ARRAY || cs->n != 4)
            return desc_fail(path, "each foot needs \"corners\": four points of its sole (m)");
        for (int k = 0; k < 4; k++)
            if (xn_json_reals(&cs->items[k], desc.corner[f][k], 3) != 3)
                return desc_fail(path, "a sole corner is three numbers (m, in the foot frame)");
        const xn_json *mu = xn_json_get(ft, "friction");
        desc.friction[f] = mu && mu->type == XN_JSON_NUMBER ? mu->num : 0.8;
        if (!(desc.friction[f] > 0 && desc.friction[f] <= 2))
            return desc_fail(path, "a foot's \"friction\" must be in (0, 2]");
    }
    const xn_json *flt = xn_json_get(j, "imu_filter");
    h->imu_filter = 0;
    if (flt && (flt->type != XN_JSON_NUMBER || !(flt->num >= 0 && flt->num <= 10)))
        return desc_fail(path, "\"imu_filter\" must be a time constant in [0, 10] s");
    if (flt) h->imu_filter = flt->num;
    const xn_json *st = xn_json_get(j, "stepping");
    desc.stepping = !st || (st->type == XN_JSON_BOOL && st->num != 0);
    /* joints that must not run into a limit faster than they could stop from (rad/s^2): a
     * robot kept on its feet folds its trunk far, and the knees can straighten into their limit
     * under it (xn_wbc_config.brake_accel) */
    const xn_json *br = xn_json_get(j, "brake");
    desc.nbrake = 0;
    if (br) {
        if (br->type != XN_JSON_OBJECT || br->n > DESC_BRAKES)
            return desc_fail(path, "\"brake\" must be an object of at most 16 joints, each "
                                   "with its braking deceleration (rad/s^2)");
        for (int k = 0; k < br->n; k++) {
            const xn_json *a = &br->items[k];
            if (a->type != XN_JSON_NUMBER || !(a->num > 0 && a->num < 1e6) ||
                strlen(br->keys[k]) >= sizeof desc.brake_joint[0])
                return desc_fail(path, "each \"brake\" entry is a joint's name and a positive "
                                       "deceleration (rad/s^2)");
            snprintf(desc.brake_joint[k], sizeof desc.brake_joint[k], "%s", br->keys[k]);
            desc.brake_accel[k] = a->num;
        }
        desc.nbrake = br->n;
    }
    /* the robot's tuning: "balance": {"dcm_gain": 2.5, ...}, "wbc": {"com_kp": 100, ...} */
    desc.ngain = 0;
    static const char *const groups[2] = {"balance", "wbc"};
    for (int g = 0; g < 2; g++) {
        const xn_json *o = xn_json_get(j, groups[g]);
        if (!o) continue;
        if (o->type != XN_JSON_OBJECT)
            return xn_cli_error("%s: \"%s\" must be an object of settings by name", path,
                                groups[g]);
        for (int k = 0; k < o->n; k++) {
            char name[48];
            snprintf(name, sizeof name, "%s.%s", groups[g], o->keys[k]);
            if (gain_field(name) < 0)
                return xn_cli_error("%s: \"%s\" has no setting \"%s\" (see xn_balance_config "
                                    "and xn_wbc_config in the headers)",
                                    path, groups[g], o->keys[k]);
            if (o->items[k].type != XN_JSON_NUMBER || desc.ngain == DESC_GAINS)
                return xn_cli_error("%s: \"%s\" must be a number", path, name);
            snprintf(desc.gain_name[desc.ngain], sizeof desc.gain_name[0], "%s", name);
            desc.gain_value[desc.ngain++] = o->items[k].num;
        }
    }
    return 0;
}

int balance_describe(const xn_program *prog, const char *program_path, xn_humanoid_config *h,
                     int *found, char *scene, size_t scene_cap, char *keyframe,
                     size_t keyframe_cap) {
    *found = 0;
    for (int i = 0; i < prog->n; i++) {
        const xn_instruction *in = &prog->ins[i];
        if (in->op != XN_OP_BALANCE_LOAD) continue;
        /* relative to the working directory, else to the program's folder */
        const char *slash = strrchr(program_path, '/');
        FILE *probe = fopen(in->path, "rb");
        if (probe) {
            fclose(probe);
            snprintf(desc.path, sizeof desc.path, "%s", in->path);
        } else {
            snprintf(desc.path, sizeof desc.path, "%.*s%s",
                     in->path[0] != '/' && slash ? (int)(slash - program_path + 1) : 0,
                     program_path, in->path);
        }
        size_t len = 0;
        char *body = xn_cli_slurp(desc.path, &len);
        if (!body) {
            fprintf(stderr, "xn: %s:%d: cannot read the balance description '%s'\n", program_path,
                    in->line, in->path);
            return 1;
        }
        char eb[256];
        xn_json *j = xn_json_parse(body, len, eb, sizeof eb);
        free(body);
        if (!j) {
            fprintf(stderr, "xn: %s:%d: %s: %s\n", program_path, in->line, desc.path, eb);
            return 1;
        }
        memset(h, 0, sizeof *h);
        int rc = parse(desc.path, j, h, scene, scene_cap, keyframe, keyframe_cap);
        xn_json_free(j);
        if (rc) {
            fprintf(stderr, "xn: %s:%d: in the balance description above\n", program_path,
                    in->line);
            return 1;
        }
        *found = 1;
        return 0;
    }
    return 0;
}

static int frame(const xn_model *m, const char *name, const char *what, int *out) {
    *out = name[0] ? xn_model_frame_id(m, name) : -1;
    if (name[0] && *out < 0)
        return xn_cli_error("%s: the model has no frame '%s' (%s)", desc.path, name, what);
    return 0;
}

int balance_bind(const char *desc_path, const xn_model *m, xn_humanoid_config *h) {
    (void)desc_path;
    xn_balance_config *b = &h->balance;
    xn_balance_config_init(b);
    b->wbc.ncontact = 2;
    if (!desc.stepping) xn_balance_config_no_step(b);
    for (int f = 0; f < 2; f++) {
        if (frame(m, desc.foot[f], "a foot", &b->wbc.contact[f].frame) ||
            b->wbc.contact[f].frame < 0)
            return 1;
        memcpy(b->wbc.contact[f].corner, desc.corner[f], sizeof desc.corner[f]);
        b->wbc.contact[f].mu = desc.friction[f];
        b->wbc.contact[f].fz_min = 1;
    }
    /* the library's tuning carried to this robot's size (the identity on the G1, which it was
     * tuned on), then the description's own values */
    xn_balance_dims dims;
    xn_error err;
    if (xn_balance_measure(m, &b->wbc, m->q_neutral, &dims, &err) ||
        xn_balance_config_scale(b, &dims, &err))
        return xn_cli_error("%s: %s", desc.path, err.message);
    for (int i = 0; i < desc.ngain; i++) { /* xn_balance_create checks each value's range */
        int f = gain_field(desc.gain_name[i]);
        unsigned char *at = (unsigned char *)b + gain_fields[f].offset;
        if (gain_fields[f].is_int) {
            int v = (int)desc.gain_value[i];
            memcpy(at, &v, sizeof v);
        } else {
            xn_real v = desc.gain_value[i];
            memcpy(at, &v, sizeof v);
        }
    }
    if (frame(m, desc.torso, "the torso", &b->wbc.torso_frame)) return 1;
    for (int k = 0; k < 2; k++)
        if (frame(m, desc.hand[k], "a hand", &b->wbc.hand_frame[k])) return 1;
    b->wbc.brake_accel = NULL;
    if (desc.nbrake > 0) {
        if (m->nv > DESC_MAX_NV)
            return xn_cli_error("%s: \"brake\" is for models of at most %d DoFs (this one has "
                                "%d)",
                                desc.path, DESC_MAX_NV, m->nv);
        for (int k = 0; k < m->nv; k++) brake_by_dof[k] = 0;
        for (int i = 0; i < desc.nbrake; i++) {
            int bd = xn_model_joint_body(m, desc.brake_joint[i]);
            if (bd <= 0 || m->body_nv[bd] != 1)
                return xn_cli_error("%s: \"brake\": the model has no 1-DoF joint '%s'", desc.path,
                                    desc.brake_joint[i]);
            brake_by_dof[m->body_vadr[bd]] = desc.brake_accel[i];
        }
        b->wbc.brake_accel = brake_by_dof;
    }
    return 0;
}

/* ---- the record ---- */

typedef struct {
    float t, com[3], dcm[2], cop[2], force[2];
    signed char phase, steps;
} bal_row;

typedef struct {
    float t;
    int n;
    float p[8][2];
} bal_poly;

struct balance_log {
    bal_row *rows;
    long n, cap;
    bal_poly *polys;
    long np, capp;
    int last_phase;
    double last_poly_t, start_com[3];
    int have_start;
};

balance_log *balance_log_create(void) {
    balance_log *b = calloc(1, sizeof *b);
    if (b) b->last_phase = -1, b->last_poly_t = -1;
    return b;
}

void balance_log_free(balance_log *b) {
    if (!b) return;
    free(b->rows);
    free(b->polys);
    free(b);
}

void balance_log_add(balance_log *b, const xn_ctl_sample *s) {
    if (!s->humanoid) return;
    double t = (double)s->time_ns * 1e-9;
    if (!b->have_start) {
        memcpy(b->start_com, s->com, sizeof b->start_com);
        b->have_start = 1;
    }
    if (b->n == 0 || t - b->rows[b->n - 1].t >= 0.01 - 1e-9) { /* 100 Hz */
        if (xn_cli_reserve((void **)&b->rows, &b->cap, b->n, sizeof *b->rows, 4096)) return;
        bal_row *r = &b->rows[b->n++];
        r->t = (float)t;
        for (int a = 0; a < 3; a++) r->com[a] = (float)s->com[a];
        for (int a = 0; a < 2; a++) {
            r->dcm[a] = (float)s->dcm[a];
            r->cop[a] = (float)s->cop[a];
            r->force[a] = (float)s->foot_force[a];
        }
        r->phase = (signed char)s->phase;
        r->steps = (signed char)(s->steps > 127 ? 127 : s->steps);
    }
    if (s->phase != b->last_phase || t - b->last_poly_t >= 0.5) {
        if (xn_cli_reserve((void **)&b->polys, &b->capp, b->np, sizeof *b->polys, 256)) return;
        bal_poly *p = &b->polys[b->np++];
        p->t = (float)t;
        p->n = s->npolygon > 8 ? 8 : s->npolygon;
        for (int i = 0; i < p->n; i++)
            p->p[i][0] = (float)s->polygon[i][0], p->p[i][1] = (float)s->polygon[i][1];
        b->last_phase = s->phase;
        b->last_poly_t = t;
    }
}

char *balance_log_write(const balance_log *b, const char *dir, FILE *out) {
    if (!b || b->n == 0) return NULL;
    double worst = 0;
    int steps = 0, damped = 0;
    for (long i = 0; i < b->n; i++) {
        const bal_row *r = &b->rows[i];
        worst = fmax(worst, hypot(r->com[0] - b->start_com[0], r->com[1] - b->start_com[1]));
        if (r->steps > steps) steps = r->steps;
        damped |= r->phase == XN_BALANCE_DAMPING;
    }
    char path[4096];
    FILE *f = NULL;
    if (dir) { /* the report's data; without a report, the summary alone */
        snprintf(path, sizeof path, "%s/balance.dat", dir);
        f = fopen(path, "w");
    }
    if (f) {
        fprintf(f, "# time com_x com_y com_z dcm_x dcm_y cop_x cop_y force_left force_right "
                   "phase steps\n");
        for (long i = 0; i < b->n; i++) {
            const bal_row *r = &b->rows[i];
            fprintf(f, "%.3f %.5f %.5f %.5f %.5f %.5f %.5f %.5f %.2f %.2f %d %d\n", r->t, r->com[0],
                    r->com[1], r->com[2], r->dcm[0], r->dcm[1], r->cop[0], r->cop[1], r->force[0],
                    r->force[1], r->phase, r->steps);
        }
        fclose(f);
        snprintf(path, sizeof path, "%s/support.dat", dir);
        f = fopen(path, "w");
    }
    if (f) {
        for (long i = 0; i < b->np; i++) {
            const bal_poly *p = &b->polys[i];
            for (int k = 0; k <= p->n && p->n > 0; k++)
                fprintf(f, "%.5f %.5f %.3f\n", p->p[k % p->n][0], p->p[k % p->n][1], p->t);
            fprintf(f, "\n\n");
        }
        fclose(f);
    }
    const bal_row *last = &b->rows[b->n - 1];
    fprintf(out,
            "  balance      %d recovery step%s, the CoM at most %.3f m from where it started, "
            "standing at %.3f m%s\n",
            steps, steps == 1 ? "" : "s", worst, last->com[2], damped ? "; ended in damping" : "");
    char *html = malloc(600);
    if (html)
        snprintf(html, 600,
                 "<p>Balance: %d recovery step%s; the centre of mass moved at most %.3f m in the "
                 "plane and stands at %.3f m at the end%s.</p>\n",
                 steps, steps == 1 ? "" : "s", worst, last->com[2],
                 damped ? "; the controller ended in joint damping" : "");
    return html;
}
