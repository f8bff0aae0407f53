/* Support polygons: the convex hull of the points a robot stands on, shrunk by a margin, and the
 * nearest point inside. Internal header of the control layer. Points are (x, y) in the ground
 * plane; polygons are counter-clockwise, at most XN_SUPPORT_MAX points.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_CONTROL_SUPPORT_H
#define XN_CONTROL_SUPPORT_H

#include "xiaonao/types.h"

#define XN_SUPPORT_MAX 16

/* The convex hull of pts[0..n) (n <= XN_SUPPORT_MAX) into hull (Andrew's monotone chain,
 * collinear points dropped). Returns its vertex count (1 or 2 for degenerate input, 0 for none). */
int xn_support_hull(const xn_real (*pts)[2], int n, xn_real (*hull)[2]);

/* The polygon with every edge moved inward by margin (m >= 0): each vertex where two moved edges
 * meet. Where the margin is more than the polygon allows, its centroid alone. Returns the count. */
int xn_support_shrink(const xn_real (*poly)[2], int n, xn_real margin, xn_real (*out)[2]);

/* The point of the polygon nearest to p (p itself when inside) into out; returns the distance
 * from p to the polygon (0 inside). */
xn_real xn_support_clamp(const xn_real (*poly)[2], int n, const xn_real p[2], xn_real out[2]);

#endif
