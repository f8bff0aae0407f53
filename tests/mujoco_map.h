/* Mapping between a xiaonao model and the same robot compiled by MuJoCo, by joint name, for
 * tests and benchmarks that compare the two. MuJoCo's free joint has a world-frame linear
 * velocity; xiaonao's a local one: the map converts. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_MUJOCO_MAP_H
#define XN_MUJOCO_MAP_H

#include <mujoco/mujoco.h>
#include <string.h>

#include "xiaonao/xiaonao.h"

typedef struct {
    int nbody;
    int qadr_mj[256], vadr_mj[256]; /* per xiaonao body: where its joint sits in MuJoCo */
} xn_mj_map;

/* Returns 0 when every movable joint of m exists in mm with the same type. */
static inline int xn_mj_map_build(const xn_model *m, const mjModel *mm, xn_mj_map *map) {
    map->nbody = m->nbody;
    if (m->nbody > 256) return -1;
    for (int b = 1; b < m->nbody; b++) {
        int j = mj_name2id(mm, mjOBJ_JOINT, m->joint_name[b]);
        if (j < 0) return -1;
        int t = mm->jnt_type[j];
        int want = m->body_jtype[b] == XN_JOINT_FREE        ? mjJNT_FREE
                   : m->body_jtype[b] == XN_JOINT_BALL      ? mjJNT_BALL
                   : m->body_jtype[b] == XN_JOINT_PRISMATIC ? mjJNT_SLIDE
                                                            : mjJNT_HINGE;
        if (t != want) return -1;
        map->qadr_mj[b] = mm->jnt_qposadr[j];
        map->vadr_mj[b] = mm->jnt_dofadr[j];
    }
    return 0;
}

static inline void xn_mj_set_q(const xn_model *m, const xn_mj_map *map, const xn_real *q,
                               mjtNum *qpos) {
    for (int b = 1; b < m->nbody; b++)
        memcpy(qpos + map->qadr_mj[b], q + m->body_qadr[b],
               sizeof(xn_real) * (size_t)m->body_nq[b]);
}

/* v_mj = T v: the free joint's linear part rotated into the world. */
static inline void xn_mj_set_v(const xn_model *m, const xn_mj_map *map, const xn_real *q,
                               const xn_real *v, mjtNum *qvel) {
    for (int b = 1; b < m->nbody; b++) {
        const xn_real *vj = v + m->body_vadr[b];
        mjtNum *o = qvel + map->vadr_mj[b];
        if (m->body_jtype[b] == XN_JOINT_FREE) {
            xn_real R[9];
            xn_quat_to_rot(q + m->body_qadr[b] + 3, R);
            for (int i = 0; i < 3; i++)
                o[i] = R[3 * i] * vj[0] + R[3 * i + 1] * vj[1] + R[3 * i + 2] * vj[2];
            for (int i = 3; i < 6; i++) o[i] = vj[i];
        } else {
            memcpy(o, vj, sizeof(xn_real) * (size_t)m->body_nv[b]);
        }
    }
}

/* A generalized force in MuJoCo's coordinates brought to xiaonao's: f = T^T f_mj. */
static inline void xn_mj_get_force(const xn_model *m, const xn_mj_map *map, const xn_real *q,
                                   const mjtNum *f_mj, xn_real *f) {
    for (int b = 1; b < m->nbody; b++) {
        const mjtNum *i_ = f_mj + map->vadr_mj[b];
        xn_real *o = f + m->body_vadr[b];
        if (m->body_jtype[b] == XN_JOINT_FREE) {
            xn_real R[9];
            xn_quat_to_rot(q + m->body_qadr[b] + 3, R);
            for (int i = 0; i < 3; i++) o[i] = R[i] * i_[0] + R[3 + i] * i_[1] + R[6 + i] * i_[2];
            for (int i = 3; i < 6; i++) o[i] = i_[i];
        } else {
            memcpy(o, i_, sizeof(xn_real) * (size_t)m->body_nv[b]);
        }
    }
}

/* Index of xiaonao's DoF k in MuJoCo's velocity vector. */
static inline int xn_mj_dof(const xn_model *m, const xn_mj_map *map, int k) {
    int b = m->dof_body[k];
    return map->vadr_mj[b] + (k - m->body_vadr[b]);
}

#endif
