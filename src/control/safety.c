/* Power and force limiting: ISO/TS 15066's body-region data, the transient-contact speed limit
 * and the monitor of declared contact regions. SPDX-License-Identifier: Apache-2.0 */
#include "xiaonao/safety.h"
#include "model/error_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xiaonao/dynamics.h"
#include "xiaonao/spatial.h"

/* ISO/TS 15066:2016, Annex A. Maximum permissible forces: Table A.2 (quasi-static contact; the
 * transient-contact value is twice it). Effective masses and spring constants of the body
 * regions: Table A.3. The standard is sold by ISO and not reproduced here; these are the
 * region-level figures as they are widely quoted in the open literature (e.g. the tables of
 * cobot makers' application guides and the pain-threshold studies behind them). Check them
 * against your licensed copy before relying on them: a risk assessment must. Transient contact
 * with the head (skull, forehead, face) is to be avoided: its transient value here is the
 * quasi-static one, the conservative choice. */
static const xn_body_limits body_table[XN_BODY_COUNT] = {
    /* name           F quasi-static  F transient  m_H (kg)  k (N/m) */
    {"skull", 130, 130, 4.4, 150e3},  {"face", 65, 65, 4.4, 75e3},
    {"neck", 150, 300, 1.2, 50e3},    {"back", 210, 420, 40, 35e3},
    {"chest", 140, 280, 40, 25e3},    {"abdomen", 110, 220, 40, 10e3},
    {"pelvis", 180, 360, 40, 25e3},   {"upper_arm", 150, 300, 3, 30e3},
    {"lower_arm", 160, 320, 2, 40e3}, {"hand", 140, 280, 0.6, 75e3},
    {"thigh", 220, 440, 75, 50e3},    {"lower_leg", 130, 260, 75, 60e3},
};

const xn_body_limits *xn_body_region_limits(xn_body_region r) {
    return (int)r >= 0 && r < XN_BODY_COUNT ? &body_table[r] : NULL;
}

int xn_body_region_from_name(const char *name) {
    for (int r = 0; r < XN_BODY_COUNT; r++)
        if (name && strcmp(name, body_table[r].name) == 0) return r;
    return -1;
}

static xn_real reduced_mass(xn_real m_h, xn_real m_r) {
    if (!(m_r > 0)) return 0;
    return isinf(m_r) ? m_h : 1 / (1 / m_h + 1 / m_r);
}

/* the mass whose kinetic energy the spring takes: the reduced mass, or the robot's when the
 * person cannot move away */
static xn_real energy_mass(const xn_body_limits *b, xn_real robot_mass, int clamped) {
    return clamped ? (robot_mass > 0 ? robot_mass : 0) : reduced_mass(b->mass, robot_mass);
}

xn_real xn_pfl_max_speed(const xn_body_limits *b, xn_real robot_mass, int clamped) {
    xn_real mu = energy_mass(b, robot_mass, clamped);
    xn_real f = clamped ? b->force_quasistatic : b->force_transient;
    return mu > 0 && isfinite(mu) ? f / sqrt(mu * b->stiffness) : (mu > 0 ? 0 : INFINITY);
}

xn_real xn_pfl_peak_force(const xn_body_limits *b, xn_real robot_mass, xn_real v, int clamped) {
    return fabs(v) * sqrt(energy_mass(b, robot_mass, clamped) * b->stiffness);
}

/* ---- the monitor ---- */

typedef struct {
    xn_body_region region;
    xn_real centre[3], radius;
    int clamped;
} contact_region;

struct xn_pfl {
    int npoint;         /* watched points: bodies, then the tool (if any) */
    int *body;          /* per point: the body it is fixed to */
    int tool_frame;     /* -1: no tool point */
    xn_real tool[3];    /* the tool point in tool_frame's axes */
    xn_real tool_limit; /* m/s, 0: none */
    int nregion;
    contact_region regions[XN_PFL_MAX_REGIONS];
    xn_real *J, *work; /* 3 x nv, nv */
};

xn_status xn_pfl_create(const xn_model *m, const unsigned char *moving, int tool_frame,
                        const xn_real tool_offset[3], xn_pfl **out, xn_error *err) {
    static const char *where = "xn_pfl_create";
    *out = NULL;
    if (tool_frame < -1 || tool_frame >= m->nframe)
        return xn_fail(err, XN_ERR_NOT_FOUND, where, "tool_frame %d: the model has frames 0..%d",
                       tool_frame, m->nframe - 1);
    if (tool_offset &&
        !(isfinite(tool_offset[0]) && isfinite(tool_offset[1]) && isfinite(tool_offset[2])))
        return xn_fail(err, XN_ERR_RANGE, where, "tool_offset is not finite");
    xn_pfl *p = calloc(1, sizeof *p);
    if (!p) return xn_fail(err, XN_ERR_NOMEM, where, "out of memory");
    p->body = calloc((size_t)m->nbody + 1, sizeof *p->body);
    p->J = calloc(3 * (size_t)m->nv + 1, sizeof(xn_real));
    p->work = calloc((size_t)m->nv + 1, sizeof(xn_real));
    if (!p->body || !p->J || !p->work) {
        xn_pfl_free(p);
        return xn_fail(err, XN_ERR_NOMEM, where, "out of memory");
    }
    /* a body is watched when one of the moving DoFs lies on its path to the root */
    for (int b = 1; b < m->nbody; b++) {
        int moved = 0;
        for (int a = b; a > 0 && !moved; a = m->body_parent[a])
            for (int k = m->body_vadr[a]; k < m->body_vadr[a] + m->body_nv[a]; k++)
                if (!moving || moving[k]) moved = 1;
        if (moved) p->body[p->npoint++] = b;
    }
    xn_pfl_set_tool(p, tool_frame, tool_offset);
    *out = p;
    return XN_OK;
}

void xn_pfl_free(xn_pfl *p) {
    if (!p) return;
    free(p->body);
    free(p->J);
    free(p->work);
    free(p);
}

void xn_pfl_set_tool(xn_pfl *p, int tool_frame, const xn_real tool_offset[3]) {
    p->tool_frame = tool_frame;
    for (int i = 0; i < 3; i++) p->tool[i] = tool_offset ? tool_offset[i] : 0;
}

xn_status xn_pfl_add_region(xn_pfl *p, xn_body_region region, const xn_real centre[3],
                            xn_real radius, int clamped, xn_error *err) {
    static const char *where = "xn_pfl_add_region";
    if (p->nregion >= XN_PFL_MAX_REGIONS)
        return xn_fail(err, XN_ERR_SIZE, where, "already %d regions, the most there is room for",
                       XN_PFL_MAX_REGIONS);
    if (!xn_body_region_limits(region))
        return xn_fail(err, XN_ERR_RANGE, where, "region %d is not a body region", (int)region);
    if (!(radius > 0) || !isfinite(radius))
        return xn_fail(err, XN_ERR_RANGE, where, "radius %g must be finite and > 0", radius);
    if (!isfinite(centre[0]) || !isfinite(centre[1]) || !isfinite(centre[2]))
        return xn_fail(err, XN_ERR_RANGE, where, "centre is not finite");
    contact_region *r = &p->regions[p->nregion++];
    r->region = region;
    memcpy(r->centre, centre, sizeof r->centre);
    r->radius = radius;
    r->clamped = clamped != 0;
    return XN_OK;
}

void xn_pfl_clear_regions(xn_pfl *p) { p->nregion = 0; }
void xn_pfl_set_tool_speed_limit(xn_pfl *p, xn_real speed) {
    p->tool_limit = speed > 0 && isfinite(speed) ? speed : 0;
}
int xn_pfl_active(const xn_pfl *p) { return p->nregion > 0 || p->tool_limit > 0; }
int xn_pfl_nregions(const xn_pfl *p) { return p->nregion; }

xn_real xn_effective_mass(const xn_model *m, const xn_data *d, const xn_real *J, const xn_real u[3],
                          xn_real *work) {
    /* u^T J M^-1 J^T u = w^T M^-1 w, w = J^T u: solve M x = w in place, then dot x with w
     * (recomputed: it is cheap, and it spares a second buffer) */
    int nv = m->nv;
    xn_real norm = 0;
    for (int k = 0; k < nv; k++) {
        work[k] = u[0] * J[k] + u[1] * J[nv + k] + u[2] * J[2 * nv + k];
        norm += work[k] * work[k];
    }
    if (norm == 0) return INFINITY; /* the point cannot move along u */
    xn_dyn_solve(m, d, work);
    xn_real s = 0;
    for (int k = 0; k < nv; k++)
        s += (u[0] * J[k] + u[1] * J[nv + k] + u[2] * J[2 * nv + k]) * work[k];
    return s > 0 ? 1 / s : INFINITY;
}

/* The watched point's position (world) and translational Jacobian (3 x nv, from d->Jw). */
static void point_jacobian(const xn_pfl *p, const xn_model *m, const xn_data *d, int i,
                           xn_real pos[3], xn_real *J) {
    int nv = m->nv, b;
    if (i < p->npoint) {
        b = p->body[i];
        memcpy(pos, d->oMi[b].p, 3 * sizeof(xn_real));
    } else {
        xn_se3 F;
        xn_dyn_frame_placement(m, d, p->tool_frame, &F);
        b = m->frame_body[p->tool_frame];
        for (int r = 0; r < 3; r++)
            pos[r] = F.p[r] + F.R[3 * r] * p->tool[0] + F.R[3 * r + 1] * p->tool[1] +
                     F.R[3 * r + 2] * p->tool[2];
    }
    memset(J, 0, 3 * (size_t)nv * sizeof(xn_real));
    /* the DoFs on b's path to the root: v_point = v_0 + w x pos from each motion axis */
    for (int a = b; a > 0; a = m->body_parent[a])
        for (int k = m->body_vadr[a]; k < m->body_vadr[a] + m->body_nv[a]; k++) {
            const xn_real v0[3] = {d->Jw[k], d->Jw[nv + k], d->Jw[2 * nv + k]};
            const xn_real w[3] = {d->Jw[3 * nv + k], d->Jw[4 * nv + k], d->Jw[5 * nv + k]};
            J[k] = v0[0] + w[1] * pos[2] - w[2] * pos[1];
            J[nv + k] = v0[1] + w[2] * pos[0] - w[0] * pos[2];
            J[2 * nv + k] = v0[2] + w[0] * pos[1] - w[1] * pos[0];
        }
}

static int inside_region(const contact_region *cr, const xn_real pos[3]) {
    xn_real dx = pos[0] - cr->centre[0], dy = pos[1] - cr->centre[1], dz = pos[2] - cr->centre[2];
    return dx * dx + dy * dy + dz * dz <= cr->radius * cr->radius;
}

int xn_pfl_check_motion(xn_pfl *p, const xn_model *m, xn_data *d, const xn_real *q,
                        const xn_real *qd, xn_pfl_check *out) {
    out->scale = 1;
    out->point = out->region = -1;
    out->speed = out->allowed = out->eff_mass = 0;
    if (!xn_pfl_active(p)) return 0;
    int nv = m->nv, inside = 0, factored = 0;
    xn_real best = INFINITY; /* the smallest allowed / speed so far */
    xn_dyn_joint_jacobians(m, d, q);
    int n = p->npoint + (p->tool_frame >= 0 ? 1 : 0);
    for (int i = 0; i < n; i++) {
        xn_real pos[3];
        point_jacobian(p, m, d, i, pos, p->J);
        int in_any = 0;
        for (int g = 0; g < p->nregion; g++) in_any |= inside_region(&p->regions[g], pos);
        int limited = i == p->npoint && p->tool_limit > 0;
        inside += in_any;
        if (!in_any && !limited) continue;
        xn_real v[3] = {0, 0, 0};
        for (int k = 0; k < nv; k++)
            for (int a = 0; a < 3; a++) v[a] += p->J[a * nv + k] * qd[k];
        xn_real speed = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        if (speed < 1e-3) continue;
        xn_real allowed = INFINITY, mr = 0;
        int r = -1;
        if (in_any) {
            if (!factored) {
                xn_dyn_crba(m, d, q);
                xn_dyn_factor(m, d);
                factored = 1;
            }
            xn_real u[3] = {v[0] / speed, v[1] / speed, v[2] / speed};
            mr = xn_effective_mass(m, d, p->J, u, p->work);
            /* the strictest region the point is in */
            for (int g = 0; g < p->nregion; g++) {
                const contact_region *cr = &p->regions[g];
                if (!inside_region(cr, pos)) continue;
                xn_real a = xn_pfl_max_speed(&body_table[cr->region], mr, cr->clamped);
                if (a < allowed) {
                    allowed = a;
                    r = g;
                }
            }
        }
        if (limited && p->tool_limit < allowed) {
            allowed = p->tool_limit;
            r = -1;
        }
        xn_real s = allowed / speed;
        if (out->point < 0 || s < best) {
            best = s;
            out->scale = fmin(s, 1);
            out->point = i;
            out->region = r;
            out->speed = speed;
            out->allowed = allowed;
            out->eff_mass = mr;
        }
    }
    return inside;
}

const char *xn_pfl_point_name(const xn_pfl *p, const xn_model *m, int i) {
    if (i >= 0 && i < p->npoint) return m->body_name[p->body[i]];
    if (i == p->npoint && p->tool_frame >= 0) return "tool";
    return "";
}
