/* xn run --report: the 3D replay's recorder and writer (run_replay.h says what the page holds).
 * SPDX-License-Identifier: Apache-2.0 */
#include "run_replay.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mj_scene.h"
#include "xiaonao/backends.h"

#if defined(XN_HAVE_MUJOCO) && defined(XN_HAVE_WEB)
#include <mujoco/mujoco.h>

/* The viewer (web/src/replay), bundled by esbuild at build time and linked in by
 * web_bundles.S.in. */
extern const char xn_replay_js[];
extern const unsigned long long xn_replay_js_size;

#define MAX_CONTACTS 32 /* a frame's contact arrows (bodies in contact) */
#define MAX_EVENTS 4000
#define POSE_BUDGET (3L << 20) /* bytes of body poses: longer runs keep every k-th frame */

typedef struct {
    float t;
    int humanoid, npoly;
    float com[3], dcm[2], cop[2], poly[8][2];
    int push_body;
    float push_point[3], push_force[3];
    long contact0, ncontact; /* into contacts[] (6 floats each: point, force) */
} frame;

typedef struct {
    float t;
    int code;
    char text[120];
} mark;

struct replay_log {
    mjModel *m; /* the scene, loaded again for the page: its geometry and kinematics */
    mjData *d;
    const mjModel *bm; /* the simulator behind the backend (NULL for another backend) */
    const mjData *bd;
    int same_model;            /* bm has m's configuration layout: its qpos is copied whole */
    double *key;               /* the starting configuration (nq) */
    int nj;                    /* controlled joints */
    int qadr[XN_OTG_MAX_DOFS]; /* each controlled joint's place in qpos, -1 when absent */
    char names[XN_OTG_MAX_DOFS][64];
    int tool_site; /* "tcp", else "flange", else -1 */
    double next_t;
    /* the largest tracking error and torque since the last frame, signed */
    float peak_err[XN_OTG_MAX_DOFS], peak_tau[XN_OTG_MAX_DOFS];
    int peak_any;
    frame *f;
    long nf, capf;
    double *qpos; /* nq per frame */
    long capq;    /* frames (each array's capacity counts what it grows by) */
    float *qref;  /* nj per frame */
    long capr;
    float *plot; /* 2 nj per frame: error (mrad), torque (N m) */
    long capp;
    float *contacts; /* 6 per contact */
    long ncontacts, capc;
    mark *ev;
    long nev, capev;
    int out_of_memory;
};

/* The scene's starting configuration: the keyframe (NULL: "home"), else the reference one, as
 * the MuJoCo backend starts the robot. */
static const double *start_qpos(const mjModel *m, const char *keyframe) {
    int k = mj_name2id(m, mjOBJ_KEY, keyframe ? keyframe : "home");
    return k >= 0 ? m->key_qpos + (size_t)k * m->nq : m->qpos0;
}

replay_log *replay_log_create(const char *scene, const char *keyframe, const xn_controller *c,
                              const xn_hal *hal, int read_sim) {
    char err[1000] = "";
    mjModel *m = xn_mj_load_scene(scene, err, sizeof err);
    if (!m) {
        xn_cli_error("the replay is left out: MuJoCo cannot load %s (%s)", scene, err);
        return NULL;
    }
    replay_log *r = calloc(1, sizeof *r);
    mjData *d = mj_makeData(m);
    if (!r || !d) {
        free(r);
        if (d) mj_deleteData(d);
        mj_deleteModel(m);
        return NULL;
    }
    r->m = m;
    r->d = d;
    r->bm = read_sim ? xn_mujoco_model(hal) : NULL;
    r->bd = read_sim ? xn_mujoco_data(hal) : NULL;
    r->same_model = r->bm && r->bm->nq == m->nq && r->bm->nbody == m->nbody;
    r->key = malloc(sizeof(double) * (size_t)(m->nq ? m->nq : 1));
    if (!r->key) {
        replay_log_free(r);
        return NULL;
    }
    memcpy(r->key, start_qpos(m, keyframe), sizeof(double) * m->nq);
    r->nj = xn_controller_njoint(c);
    for (int j = 0; j < r->nj; j++) {
        const char *name = xn_controller_joint_name(c, j);
        snprintf(r->names[j], sizeof r->names[j], "%s", name);
        int id = mj_name2id(m, mjOBJ_JOINT, name);
        r->qadr[j] = id >= 0 && (m->jnt_type[id] == mjJNT_HINGE || m->jnt_type[id] == mjJNT_SLIDE)
                         ? m->jnt_qposadr[id]
                         : -1;
    }
    r->tool_site = mj_name2id(m, mjOBJ_SITE, "tcp");
    if (r->tool_site < 0) r->tool_site = mj_name2id(m, mjOBJ_SITE, "flange");
    return r;
}

void replay_log_free(replay_log *r) {
    if (!r) return;
    if (r->d) mj_deleteData(r->d);
    if (r->m) mj_deleteModel(r->m);
    free(r->key);
    free(r->f);
    free(r->qpos);
    free(r->qref);
    free(r->plot);
    free(r->contacts);
    free(r->ev);
    free(r);
}

/* The simulator's contact forces at this frame, one arrow per body touched: the sum of its
 * contacts' forces at their force-weighted mean point (a foot's few capsule contacts read as one
 * arrow at its centre of pressure), and the push applied to a body. */
static void take_forces(replay_log *r, frame *fr) {
    const mjModel *bm = r->bm;
    const mjData *bd = r->bd;
    int body[MAX_CONTACTS];
    double sum[MAX_CONTACTS][7] = {{0}}; /* weighted point (3), force (3), weight */
    int nb = 0;
    for (int i = 0; i < bd->ncon; i++) {
        const mjContact *con = &bd->contact[i];
        mjtNum f6[6];
        mj_contactForce(bm, bd, i, f6);
        if (!(f6[0] > 1.0)) continue; /* under 1 N of normal force */
        /* the force on geom2's body (the normal points from geom1 to geom2); the world's body
         * takes none: the arrow goes to the robot's side */
        int b1 = bm->geom_bodyid[con->geom1], b2 = bm->geom_bodyid[con->geom2];
        int b = b2 ? b2 : b1, sign = b2 ? 1 : -1, k = 0;
        while (k < nb && body[k] != b) k++;
        if (k == nb) {
            if (nb == MAX_CONTACTS) continue;
            body[nb++] = b;
        }
        for (int a = 0; a < 3; a++) {
            sum[k][a] += f6[0] * con->pos[a];
            sum[k][3 + a] += sign * (f6[0] * con->frame[a] + f6[1] * con->frame[3 + a] +
                                     f6[2] * con->frame[6 + a]);
        }
        sum[k][6] += f6[0];
    }
    fr->contact0 = r->ncontacts;
    for (int k = 0; k < nb; k++) {
        if (xn_cli_reserve((void **)&r->contacts, &r->capc, r->ncontacts, 6 * sizeof(float), 1024))
            break;
        float *c = r->contacts + r->ncontacts * 6;
        for (int a = 0; a < 3; a++)
            c[a] = (float)(sum[k][a] / sum[k][6]), c[3 + a] = (float)sum[k][3 + a];
        r->ncontacts++;
        fr->ncontact++;
    }
    for (int b = 1; b < bm->nbody; b++) {
        const mjtNum *x = bd->xfrc_applied + 6 * b;
        if (x[0] == 0 && x[1] == 0 && x[2] == 0) continue;
        fr->push_body = b;
        for (int a = 0; a < 3; a++)
            fr->push_point[a] = (float)bd->xipos[3 * b + a], fr->push_force[a] = (float)x[a];
        break;
    }
}

static void take_frame(replay_log *r, const xn_ctl_sample *s) {
    const mjModel *m = r->m;
    int nq = m->nq, nj = r->nj;
    /* each array grows by frames: nq, nj and 2 nj numbers a frame */
    if (xn_cli_reserve((void **)&r->f, &r->capf, r->nf, sizeof *r->f, 1024) ||
        xn_cli_reserve((void **)&r->qpos, &r->capq, r->nf, sizeof(double) * (size_t)nq, 1024) ||
        xn_cli_reserve((void **)&r->qref, &r->capr, r->nf, sizeof(float) * (size_t)nj, 1024) ||
        xn_cli_reserve((void **)&r->plot, &r->capp, r->nf, 2 * sizeof(float) * (size_t)nj, 1024)) {
        r->out_of_memory = 1;
        return;
    }
    frame *fr = &r->f[r->nf];
    memset(fr, 0, sizeof *fr);
    fr->t = (float)((double)s->time_ns * 1e-9);
    double *q = r->qpos + r->nf * nq;
    if (r->same_model) {
        memcpy(q, r->bd->qpos, sizeof(double) * nq);
    } else { /* the measured joints on the starting configuration */
        memcpy(q, r->key, sizeof(double) * nq);
        for (int j = 0; j < nj; j++)
            if (r->qadr[j] >= 0) q[r->qadr[j]] = s->q[j];
        if (s->humanoid && m->njnt > 0 && m->jnt_type[0] == mjJNT_FREE) /* the estimated base */
            for (int a = 0; a < 7; a++) q[m->jnt_qposadr[0] + a] = s->base[a];
    }
    float *qr = r->qref + r->nf * nj, *pl = r->plot + r->nf * 2 * nj;
    for (int j = 0; j < nj; j++) {
        qr[j] = (float)s->q_ref[j];
        pl[j] = r->peak_err[j];
        pl[nj + j] = r->peak_tau[j];
    }
    if (s->humanoid) {
        fr->humanoid = 1;
        for (int a = 0; a < 3; a++) fr->com[a] = (float)s->com[a];
        for (int a = 0; a < 2; a++) fr->dcm[a] = (float)s->dcm[a], fr->cop[a] = (float)s->cop[a];
        fr->npoly = s->npolygon > 8 ? 8 : s->npolygon;
        for (int i = 0; i < fr->npoly; i++)
            fr->poly[i][0] = (float)s->polygon[i][0], fr->poly[i][1] = (float)s->polygon[i][1];
    }
    if (r->bm) take_forces(r, fr);
    r->nf++;
    r->peak_any = 0;
}

void replay_log_sample(replay_log *r, const xn_ctl_sample *s) {
    if (!r || r->out_of_memory) return;
    int tracking =
        s->state == XN_CTL_RUNNING || s->state == XN_CTL_STOPPING || s->state == XN_CTL_DONE;
    for (int j = 0; j < r->nj; j++) {
        float e = tracking ? (float)((s->q_ref[j] - s->q[j]) * 1e3) : 0.0f;
        float tau = (float)s->tau[j];
        if (!r->peak_any || fabsf(e) > fabsf(r->peak_err[j])) r->peak_err[j] = e;
        if (!r->peak_any || fabsf(tau) > fabsf(r->peak_tau[j])) r->peak_tau[j] = tau;
    }
    r->peak_any = 1;
    double t = (double)s->time_ns * 1e-9;
    if (r->nf == 0 || t >= r->next_t - 1e-9) {
        take_frame(r, s);
        r->next_t = (r->nf == 1 ? t : r->next_t) + 1.0 / XN_REPLAY_RATE;
    }
}

void replay_log_event(replay_log *r, double t, int code, const char *text) {
    if (!r || r->nev >= MAX_EVENTS) return;
    if (xn_cli_reserve((void **)&r->ev, &r->capev, r->nev, sizeof *r->ev, 256)) return;
    mark *e = &r->ev[r->nev++];
    e->t = (float)t;
    e->code = code;
    snprintf(e->text, sizeof e->text, "%s", text);
}

/* ---- writing the page ---- */

/* Two frames' support polygons within half a millimetre of each other. */
static int same_polygon(const frame *a, const frame *b) {
    if (a->npoly != b->npoly) return 0;
    for (int i = 0; i < a->npoly; i++)
        for (int k = 0; k < 2; k++)
            if (!(fabsf(a->poly[i][k] - b->poly[i][k]) < 5e-4f)) return 0;
    return 1;
}

/* A JSON string, safe inside <script>: <, > and & as \u escapes. */
static void jstr(FILE *o, const char *s) {
    fputc('"', o);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(o, "\\%c", *p);
        else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&')
            fprintf(o, "\\u%04x", *p);
        else
            fputc(*p, o);
    }
    fputc('"', o);
}

/* n little-endian float32 (or int32) values as a base64 JSON string. */
static void jb64(FILE *o, const void *data, size_t bytes) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    fputc('"', o);
    size_t i = 0;
    for (; i + 3 <= bytes; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        fputc(tab[v >> 18], o), fputc(tab[v >> 12 & 63], o), fputc(tab[v >> 6 & 63], o),
            fputc(tab[v & 63], o);
    }
    if (bytes - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        fprintf(o, "%c%c==", tab[v >> 18], tab[v >> 12 & 63]);
    } else if (bytes - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        fprintf(o, "%c%c%c=", tab[v >> 18], tab[v >> 12 & 63], tab[v >> 6 & 63]);
    }
    fputc('"', o);
}

static void jfloats(FILE *o, const double *x, int n) {
    fputc('[', o);
    for (int i = 0; i < n; i++) fprintf(o, "%s%.6g", i ? "," : "", x[i]);
    fputc(']', o);
}

static const char *geom_kind(int type) {
    switch (type) {
    case mjGEOM_PLANE: return "plane";
    case mjGEOM_SPHERE: return "sphere";
    case mjGEOM_CAPSULE: return "capsule";
    case mjGEOM_ELLIPSOID: return "ellipsoid";
    case mjGEOM_CYLINDER: return "cylinder";
    case mjGEOM_BOX: return "box";
    case mjGEOM_MESH: return "mesh";
    default: return NULL; /* height fields: not drawn */
    }
}

static void write_geometry(FILE *o, const mjModel *m) {
    fputs(",\"bodies\":[", o);
    for (int b = 0; b < m->nbody; b++) {
        fputs(b ? "," : "", o);
        jstr(o, m->names + m->name_bodyadr[b]);
    }
    fputs("],\"geoms\":[", o);
    int first = 1;
    for (int g = 0; g < m->ngeom; g++) {
        const char *kind = geom_kind(m->geom_type[g]);
        const float *rgba =
            m->geom_matid[g] >= 0 ? m->mat_rgba + 4 * m->geom_matid[g] : m->geom_rgba + 4 * g;
        if (!kind || !(rgba[3] > 0)) continue; /* invisible geoms stay out */
        double c[4] = {rgba[0], rgba[1], rgba[2], rgba[3]};
        fprintf(o, "%s{\"body\":%d,\"type\":\"%s\",\"size\":", first ? "" : ",", m->geom_bodyid[g],
                kind);
        jfloats(o, m->geom_size + 3 * g, 3);
        fputs(",\"pos\":", o);
        jfloats(o, m->geom_pos + 3 * g, 3);
        fputs(",\"quat\":", o);
        jfloats(o, m->geom_quat + 4 * g, 4);
        fputs(",\"rgba\":", o);
        jfloats(o, c, 4);
        fprintf(o, ",\"group\":%d", m->geom_group[g]);
        if (m->geom_type[g] == mjGEOM_MESH) fprintf(o, ",\"mesh\":%d", m->geom_dataid[g]);
        fputs(",\"name\":", o);
        jstr(o, m->name_geomadr[g] >= 0 ? m->names + m->name_geomadr[g] : "");
        fputc('}', o);
        first = 0;
    }
    fputs("],\"meshes\":[", o);
    for (int k = 0; k < m->nmesh; k++) {
        fputs(k ? ",{\"vert\":" : "{\"vert\":", o);
        jb64(o, m->mesh_vert + 3 * (size_t)m->mesh_vertadr[k],
             sizeof(float) * 3 * (size_t)m->mesh_vertnum[k]);
        fputs(",\"face\":", o);
        jb64(o, m->mesh_face + 3 * (size_t)m->mesh_faceadr[k],
             sizeof(int) * 3 * (size_t)m->mesh_facenum[k]);
        fputc('}', o);
    }
    fputc(']', o);
}

char *replay_robot_json(const char *scene, const char *keyframe, const xn_model *model,
                        const char **frames, int cap, int *nbody, double base_q[7], int *has_base) {
    char err[1000] = "";
    mjModel *m = xn_mj_load_scene(scene, err, sizeof err);
    if (!m) {
        xn_cli_error("MuJoCo cannot load %s for the console's picture (%s)", scene, err);
        return NULL;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&text, &len);
    if (o) {
        fputs("{\"format\":\"xn-robot\"", o);
        write_geometry(o, m);
        fputc('}', o);
        fclose(o);
    }
    *nbody = m->nbody < cap ? m->nbody : cap;
    for (int b = 0; b < *nbody; b++) { /* each MuJoCo body follows the model's frame of its name */
        int f = b > 0 ? xn_model_frame_id(model, m->names + m->name_bodyadr[b]) : -1;
        frames[b] = f >= 0 ? model->frame_name[f] : NULL;
    }
    *has_base = m->njnt > 0 && m->jnt_type[0] == mjJNT_FREE;
    if (*has_base) memcpy(base_q, start_qpos(m, keyframe), 7 * sizeof(double));
    mj_deleteModel(m);
    return text;
}

static const char *event_class(int code) {
    switch (code) {
    case XN_EV_QUICK_STOP:
    case XN_EV_LIMIT_STOP:
    case XN_EV_TORQUE_LIMIT:
    case XN_EV_WATCHDOG:
    case XN_EV_STOPPED:
    case XN_EV_STOP_REQUEST:
    case XN_EV_POLICY_STOP:
    case XN_EV_BALANCE_DAMP:
    case XN_EV_STREAM_TIMEOUT: return "stop";
    case XN_EV_SENSOR_NAN:
    case XN_EV_SENSOR_STALE:
    case XN_EV_DRIVE_FAULT:
    case XN_EV_COMMAND_INVALID:
    case XN_EV_OTG_ERROR: return "fault";
    case XN_EV_COLLISION:
    case XN_EV_PFL_SLOWED:
    case XN_EV_PFL_SPEED: return "collision";
    case XN_EV_PUSH: return "push";
    case XN_EV_BALANCE_STEP:
    case XN_EV_BALANCE_SLIP:
    case XN_EV_BALANCE_SET_DOWN: return "step";
    case XN_EV_LINE: return "line";
    default: return "info";
    }
}

int replay_log_write(replay_log *r, const char *dir, const char *program, const char *result,
                     FILE *out) {
    if (!r) return 1;
    if (r->nf == 0) return xn_cli_error("the replay is left out: the run recorded no cycle");
    const mjModel *m = r->m;
    mjData *d = r->d;
    int nb = m->nbody, nj = r->nj, nq = m->nq;
    /* every k-th frame when the poses would exceed the budget (a long run) */
    long stride = 1 + (long)((double)r->nf * nb * 7 * sizeof(float) / (double)POSE_BUDGET);
    long n = (r->nf + stride - 1) / stride;
    float *pose = malloc(sizeof(float) * 7 * (size_t)nb * (size_t)n);
    float *tool = malloc(sizeof(float) * 10 * (size_t)n); /* actual xyz, quat wxyz, ref xyz */
    float *ts = malloc(sizeof(float) * (size_t)n);
    float *plot = malloc(sizeof(float) * 2 * (size_t)nj * (size_t)n);
    float *hum = malloc(sizeof(float) * 7 * (size_t)n);
    float *push = malloc(sizeof(float) * 6 * (size_t)n);
    int32_t *cidx = malloc(sizeof(int32_t) * (size_t)(n + 1));
    float *cdat = malloc(sizeof(float) * 6 * (size_t)(r->ncontacts + 1));
    int rc = 1, humanoid = 0, pushed = 0;
    FILE *o = NULL;
    if (!pose || !tool || !ts || !plot || !hum || !push || !cidx || !cdat) {
        xn_cli_error("the replay is left out: out of memory");
        goto done;
    }
    long nc = 0;
    for (long i = 0; i < n; i++) {
        const frame *fr = &r->f[i * stride];
        ts[i] = fr->t;
        memcpy(d->qpos, r->qpos + i * stride * nq, sizeof(double) * nq);
        mj_kinematics(m, d);
        for (int b = 0; b < nb; b++) {
            float *p = pose + 7 * ((size_t)i * nb + b);
            for (int a = 0; a < 3; a++) p[a] = (float)d->xpos[3 * b + a];
            for (int a = 0; a < 4; a++) p[3 + a] = (float)d->xquat[4 * b + a];
        }
        float *tl = tool + 10 * i;
        if (r->tool_site >= 0) {
            mjtNum qt[4];
            mju_mat2Quat(qt, d->site_xmat + 9 * r->tool_site);
            for (int a = 0; a < 3; a++) tl[a] = (float)d->site_xpos[3 * r->tool_site + a];
            for (int a = 0; a < 4; a++) tl[3 + a] = (float)qt[a];
            /* the reference: the same configuration with the controller's references */
            const float *qr = r->qref + i * stride * nj;
            for (int j = 0; j < nj; j++)
                if (r->qadr[j] >= 0) d->qpos[r->qadr[j]] = qr[j];
            mj_kinematics(m, d);
            for (int a = 0; a < 3; a++) tl[7 + a] = (float)d->site_xpos[3 * r->tool_site + a];
        }
        /* each plot's largest value over the frames this one stands for */
        float *pl = plot + 2 * (size_t)nj * i;
        for (int k = 0; k < 2 * nj; k++) {
            float v = 0;
            for (long s = i * stride; s < (i + 1) * stride && s < r->nf; s++) {
                float x = r->plot[s * 2 * nj + k];
                if (s == i * stride || fabsf(x) > fabsf(v)) v = x;
            }
            pl[k] = v;
        }
        float *h = hum + 7 * i;
        memcpy(h, fr->com, sizeof fr->com);
        memcpy(h + 3, fr->dcm, sizeof fr->dcm);
        memcpy(h + 5, fr->cop, sizeof fr->cop);
        humanoid |= fr->humanoid;
        float *pu = push + 6 * i;
        memset(pu, 0, 6 * sizeof(float));
        if (fr->push_body > 0) {
            memcpy(pu, fr->push_point, sizeof fr->push_point);
            memcpy(pu + 3, fr->push_force, sizeof fr->push_force);
            pushed = 1;
        }
        cidx[i] = (int32_t)nc;
        if (fr->ncontact) /* contacts is NULL until the first one */
            memcpy(cdat + 6 * nc, r->contacts + 6 * fr->contact0, sizeof(float) * 6 * fr->ncontact);
        nc += fr->ncontact;
    }
    cidx[n] = (int32_t)nc;

    char path[4096];
    snprintf(path, sizeof path, "%s/replay.html", dir);
    o = fopen(path, "w");
    if (!o) {
        xn_cli_error("cannot write %s", path);
        goto done;
    }
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>xn replay</title>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "</head><body>\n<script id=\"xn-replay-data\" type=\"application/json\">",
          o);
    fprintf(o, "{\"format\":\"xn-replay\",\"version\":1,\"rate\":%g,\"n\":%ld,\"program\":",
            (double)XN_REPLAY_RATE / (double)stride, n);
    jstr(o, program ? program : "");
    fputs(",\"result\":", o);
    jstr(o, result ? result : "");
    fputs(",\"simulated\":", o);
    fputs(r->bm ? "true" : "false", o);
    write_geometry(o, m);
    fputs(",\"t\":", o);
    jb64(o, ts, sizeof(float) * (size_t)n);
    fputs(",\"poses\":", o);
    jb64(o, pose, sizeof(float) * 7 * (size_t)nb * (size_t)n);
    if (r->tool_site >= 0) {
        fputs(",\"tool\":{\"name\":", o);
        jstr(o, m->names + m->name_siteadr[r->tool_site]);
        fputs(",\"data\":", o);
        jb64(o, tool, sizeof(float) * 10 * (size_t)n);
        fputc('}', o);
    }
    if (humanoid) {
        fputs(",\"balance\":", o);
        jb64(o, hum, sizeof(float) * 7 * (size_t)n);
        fputs(",\"polygons\":[", o);
        const frame *prev = NULL; /* a polygon is written when it moves */
        for (long i = 0, first = 1; i < n; i++) {
            const frame *fr = &r->f[i * stride];
            if (!fr->humanoid || fr->npoly < 2) continue;
            if (prev && same_polygon(prev, fr)) continue;
            prev = fr;
            fprintf(o, "%s{\"t\":%.4f,\"p\":[", first ? "" : ",", fr->t);
            for (int k = 0; k < fr->npoly; k++)
                fprintf(o, "%s[%.4f,%.4f]", k ? "," : "", fr->poly[k][0], fr->poly[k][1]);
            fputs("]}", o);
            first = 0;
        }
        fputc(']', o);
    }
    if (pushed) {
        fputs(",\"push\":", o);
        jb64(o, push, sizeof(float) * 6 * (size_t)n);
    }
    if (nc) {
        fputs(",\"contacts\":{\"index\":", o);
        jb64(o, cidx, sizeof(int32_t) * (size_t)(n + 1));
        fputs(",\"data\":", o);
        jb64(o, cdat, sizeof(float) * 6 * (size_t)nc);
        fputc('}', o);
    }
    fputs(",\"joints\":[", o);
    for (int j = 0; j < nj; j++) {
        fputs(j ? "," : "", o);
        jstr(o, r->names[j]);
    }
    fputs("],\"plots\":[{\"title\":\"Joint tracking error (largest between frames)\","
          "\"unit\":\"mrad\",\"offset\":0},{\"title\":\"Commanded joint torque (largest between "
          "frames)\",\"unit\":\"N m\",\"offset\":",
          o);
    fprintf(o, "%d}],\"plot\":", nj);
    jb64(o, plot, sizeof(float) * 2 * (size_t)nj * (size_t)n);
    fputs(",\"events\":[", o);
    for (long i = 0; i < r->nev; i++) {
        fprintf(o, "%s{\"t\":%.4f,\"class\":\"%s\",\"kind\":", i ? "," : "", r->ev[i].t,
                event_class(r->ev[i].code));
        jstr(o, xn_event_str((xn_event_code)r->ev[i].code));
        fputs(",\"text\":", o);
        jstr(o, r->ev[i].text);
        fputc('}', o);
    }
    fputs("]}</script>\n<script>", o);
    fwrite(xn_replay_js, 1, (size_t)xn_replay_js_size, o);
    fputs("</script>\n</body></html>\n", o);
    long bytes = ftell(o); /* the page's size, for the line below */
    if (fclose(o) != 0) {
        o = NULL;
        xn_cli_error("cannot write %s", path);
        goto done;
    }
    o = NULL;
    if (out)
        fprintf(out, "  replay       %s (%ld frames at %g Hz, %.1f MB)\n", path, n,
                (double)XN_REPLAY_RATE / (double)stride, (double)bytes / 1e6);
    rc = 0;
done:
    if (o) fclose(o);
    free(pose);
    free(tool);
    free(ts);
    free(plot);
    free(hum);
    free(push);
    free(cidx);
    free(cdat);
    return rc;
}

#else /* without MuJoCo or the bundled viewer: no replay */

struct replay_log {
    int unused;
};

replay_log *replay_log_create(const char *scene, const char *keyframe, const xn_controller *c,
                              const xn_hal *hal, int read_sim) {
    (void)scene, (void)keyframe, (void)c, (void)hal, (void)read_sim;
#ifndef XN_HAVE_WEB
    xn_cli_error("the replay is left out: this xn was built without its viewer (the web bundle "
                 "needs `make deps`: Node.js and web/node_modules)");
#endif
    return NULL;
}
void replay_log_free(replay_log *r) { (void)r; }
void replay_log_sample(replay_log *r, const xn_ctl_sample *s) { (void)r, (void)s; }
void replay_log_event(replay_log *r, double t, int code, const char *text) {
    (void)r, (void)t, (void)code, (void)text;
}
int replay_log_write(replay_log *r, const char *dir, const char *program, const char *result,
                     FILE *out) {
    (void)r, (void)dir, (void)program, (void)result, (void)out;
    return 1;
}
char *replay_robot_json(const char *scene, const char *keyframe, const xn_model *model,
                        const char **frames, int cap, int *nbody, double base_q[7], int *has_base) {
    (void)scene, (void)keyframe, (void)model, (void)frames, (void)cap, (void)base_q;
    *nbody = 0;
    *has_base = 0;
    return NULL;
}

#endif
