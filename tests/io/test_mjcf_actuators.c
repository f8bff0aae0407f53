/* MJCF: the torque limit of each joint from the actuator that drives it (a motor's gear times
 * its ctrlrange, any actuator's forcerange, the joint's own actuatorfrcrange first), with
 * default classes; a malformed range is an error with its line. And the shipped G1's limits.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "test_util.h"
#include "xiaonao/xiaonao.h"

static const char *const xml =
    "<mujoco>\n"
    "  <default>\n"
    "    <motor ctrlrange=\"-4 4\"/>\n"
    "    <default class=\"strong\"><motor gear=\"3\"/></default>\n"
    "  </default>\n"
    "  <worldbody>\n"
    "    <body name=\"a\"><inertial pos=\"0 0 0\" mass=\"1\" diaginertia=\"1 1 1\"/>\n"
    "      <joint name=\"j_gear\" axis=\"0 0 1\"/>\n"
    "      <body name=\"b\"><inertial pos=\"0 0 0\" mass=\"1\" diaginertia=\"1 1 1\"/>\n"
    "        <joint name=\"j_force\" axis=\"0 0 1\"/>\n"
    "        <body name=\"c\"><inertial pos=\"0 0 0\" mass=\"1\" diaginertia=\"1 1 1\"/>\n"
    "          <joint name=\"j_position\" axis=\"0 0 1\"/>\n"
    "          <body name=\"d\"><inertial pos=\"0 0 0\" mass=\"1\" diaginertia=\"1 1 1\"/>\n"
    "            <joint name=\"j_unlimited\" axis=\"0 0 1\"/>\n"
    "            <body name=\"e\"><inertial pos=\"0 0 0\" mass=\"1\" diaginertia=\"1 1 1\"/>\n"
    "              <joint name=\"j_own\" axis=\"0 0 1\" actuatorfrcrange=\"-9 9\"/>\n"
    "            </body></body></body></body></body>\n"
    "  </worldbody>\n"
    "  <actuator>\n"
    "    <motor class=\"strong\" joint=\"j_gear\"/>\n"
    "    <motor joint=\"j_force\" forcerange=\"-2.5 2.5\"/>\n"
    "    <position joint=\"j_position\" kp=\"10\" forcerange=\"-7 6\"/>\n"
    "    <motor joint=\"j_unlimited\" ctrllimited=\"false\"/>\n"
    "    <motor joint=\"j_own\" ctrlrange=\"-1 1\"/>\n"
    "  </actuator>\n"
    "</mujoco>\n";

static double effort_of(const xn_model *m, const char *joint) {
    for (int b = 1; b < m->nbody; b++)
        if (strcmp(m->joint_name[b], joint) == 0) return m->dof_effort[m->body_vadr[b]];
    return NAN;
}

int main(void) {
    xn_model *m = NULL;
    xn_error err;
    xn_status st = xn_load_mjcf_string(xml, strlen(xml), "actuators.xml", NULL, NULL, &m, &err);
    XT_CHECK(st == XN_OK, "loads: %s:%d: %s", err.file, err.line, err.message);
    if (st == XN_OK) {
        XT_CHECK(effort_of(m, "j_gear") == 12, "gear 3 x ctrlrange 4 (class default): %g",
                 effort_of(m, "j_gear"));
        XT_CHECK(effort_of(m, "j_force") == 2.5, "forcerange under gear x ctrl: %g",
                 effort_of(m, "j_force"));
        XT_CHECK(effort_of(m, "j_position") == 7, "a position actuator's forcerange: %g",
                 effort_of(m, "j_position"));
        XT_CHECK(isinf(effort_of(m, "j_unlimited")), "ctrllimited=false: no limit (%g)",
                 effort_of(m, "j_unlimited"));
        XT_CHECK(effort_of(m, "j_own") == 9, "the joint's actuatorfrcrange first: %g",
                 effort_of(m, "j_own"));
        xn_model_free(m);
    }
    /* an empty range names the element and the line */
    const char *bad = "<mujoco><worldbody><body><inertial pos=\"0 0 0\" mass=\"1\" "
                      "diaginertia=\"1 1 1\"/><joint name=\"j\"/></body></worldbody>\n"
                      "<actuator>\n<motor joint=\"j\" ctrlrange=\"3 -3\"/></actuator></mujoco>";
    st = xn_load_mjcf_string(bad, strlen(bad), "bad.xml", NULL, NULL, &m, &err);
    XT_CHECK(st == XN_ERR_RANGE && err.line == 3 && strstr(err.message, "<motor>") &&
                 strstr(err.message, "ctrlrange"),
             "an empty ctrlrange: %d %s:%d: %s", st, err.file, err.line, err.message);
    /* the shipped G1: its motors' limits */
    st = xn_load_model(XN_MODELS_DIR "/mjcf/unitree_g1/scene.xml", NULL, &m, &err);
    XT_CHECK(st == XN_OK, "the G1 loads: %s", err.message);
    if (st == XN_OK) {
        XT_CHECK(effort_of(m, "left_hip_pitch_joint") == 88 &&
                     effort_of(m, "left_knee_joint") == 139 &&
                     effort_of(m, "right_ankle_roll_joint") == 50,
                 "G1 hip pitch 88, knee 139, ankle 50 N m: %g %g %g",
                 effort_of(m, "left_hip_pitch_joint"), effort_of(m, "left_knee_joint"),
                 effort_of(m, "right_ankle_roll_joint"));
        xn_model_free(m);
    }
    return xt_done("test_mjcf_actuators");
}
