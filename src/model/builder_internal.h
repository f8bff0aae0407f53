/* Internal layout of xn_builder, shared by builder.c (adding parts) and compile.c (building the
 * model). SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_BUILDER_INTERNAL_H
#define XN_BUILDER_INTERNAL_H

#include "xiaonao/model.h"

typedef struct {
    char *name;
    xn_real mass, com[3], inertia[6];
    int parent_joint;            /* -1 until a joint names this link as its child */
    int first_child, last_child; /* joints whose parent is this link, in insertion order */
    int first_frame, last_frame; /* sites fixed to this link */
} xn_blink;

typedef struct {
    char *name;
    int parent, child;
    xn_se3 placement;
    xn_joint_spec spec; /* spec.mimic points to an owned copy */
    int next_sibling;
} xn_bjoint;

typedef struct {
    char *name;
    int link;
    xn_se3 placement;
    int next;
} xn_bframe;

struct xn_builder {
    xn_blink *links;
    int nlinks, caplinks;
    xn_bjoint *joints;
    int njoints, capjoints;
    xn_bframe *frames;
    int nframes, capframes;
    char **warnings;
    int nwarnings, capwarnings;
    xn_real gravity[3];
    char *name;
    int strict;
    char message[512];
};

#endif
