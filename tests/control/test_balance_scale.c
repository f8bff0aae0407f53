/* Carrying the balance tuning to another biped (xn_balance_measure, xn_balance_config_scale): the
 * G1 measures exactly as the reference, so its tuning is untouched bit for bit (the push figures
 * stand); the scaling itself against the pendulum's similarity worked by hand; the measurement
 * against the soles' corners and the model's mass summed another way; bad input refused.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "control/g1_wbc.h"
#include "test_util.h"

/* a scaled value against its hand-worked expectation, relative; fails on NaN */
static void expect(const char *name, double got, double want) {
    XT_CHECK(fabs(got - want) <= 1e-12 * fabs(want), "%s: %.17g, want %.17g", name, got, want);
}

static void g1_is_the_reference(const xn_model *m) {
    xn_balance_config c;
    g1_balance_config(m, &c);
    xn_balance_dims g1, ref;
    xn_error err;
    XT_CHECK(xn_balance_measure(m, &c.wbc, m->q_neutral, &g1, &err) == XN_OK, "measure: %s",
             err.message);
    xn_balance_reference_dims(&ref);
    printf("G1: CoM %.4f m above the soles, feet %.4f m apart, soles %.3f m, %.2f kg\n",
           g1.com_height, g1.feet_distance, g1.foot_length, g1.mass);
    XT_CHECK(memcmp(&g1, &ref, sizeof g1) == 0, "the G1 is the reference robot, digit for digit");
    /* independent of the measurement's code: the sole's corners run from 8 cm behind the foot
     * frame to 7.5 cm ahead; the mass is the model's bodies summed (xn_model_mass) */
    expect("G1 sole length", g1.foot_length, 0.155);
    expect("G1 mass", g1.mass, xn_model_mass(m));
    XT_CHECK(g1.com_height > 0.6 && g1.com_height < 0.8 && g1.feet_distance > 0.2 &&
                 g1.feet_distance < 0.3,
             "a G1's proportions: %.4f m, %.4f m", g1.com_height, g1.feet_distance);
    for (int no_step = 0; no_step < 2; no_step++) {
        if (no_step) xn_balance_config_no_step(&c);
        xn_balance_config scaled = c;
        XT_CHECK(xn_balance_config_scale(&scaled, &g1, &err) == XN_OK &&
                     memcmp(&scaled, &c, sizeof c) == 0,
                 "scaled to the G1, the G1's %s tuning is unchanged bit for bit",
                 no_step ? "no-step" : "stepping");
    }
}

static void similarity(void) {
    xn_balance_dims ref, big;
    xn_balance_reference_dims(&ref);
    /* a robot with its CoM 4 times as high: lengths x4, times x2, rates /2, stiffness /4 */
    big = ref;
    big.com_height *= 4;
    big.foot_length *= 3;
    big.feet_distance *= 1.5;
    big.mass *= 10;
    xn_balance_config c, s;
    xn_balance_config_init(&c);
    s = c;
    xn_error err;
    XT_CHECK(xn_balance_config_scale(&s, &big, &err) == XN_OK, "scale: %s", err.message);
    expect("step_length_max", s.step_length_max, 4 * c.step_length_max);
    expect("step_height", s.step_height, 4 * c.step_height);
    expect("cmp_max", s.cmp_max, 4 * c.cmp_max);
    expect("step_duration", s.step_duration, 2 * c.step_duration);
    expect("min_double_support", s.min_double_support, 2 * c.min_double_support);
    expect("dcm_gain", s.dcm_gain, c.dcm_gain / 2);
    expect("height_kd", s.height_kd, c.height_kd / 2);
    expect("height_kp", s.height_kp, c.height_kp / 4);
    expect("cop_margin", s.cop_margin, 3 * c.cop_margin);
    expect("step_width_min", s.step_width_min, 1.5 * c.step_width_min);
    expect("damping", s.damping, c.damping * 10 * 4 * 2);
    expect("height_unload (an acceleration)", s.height_unload, c.height_unload);
    expect("hip_relax (a ratio)", s.hip_relax, c.hip_relax);
    /* the capture point's dynamics keep their shape: dcm_gain / omega is the same number */
    double omega_ref = sqrt(9.81 / ref.com_height), omega_big = sqrt(9.81 / big.com_height);
    expect("dcm_gain / omega", s.dcm_gain / omega_big, c.dcm_gain / omega_ref);
    expect("step_duration x omega", s.step_duration * omega_big, c.step_duration * omega_ref);
}

static void refusals(const xn_model *m) {
    xn_balance_config c;
    g1_balance_config(m, &c);
    xn_balance_dims d;
    xn_error err;
    c.wbc.ncontact = 1;
    XT_CHECK(xn_balance_measure(m, &c.wbc, m->q_neutral, &d, &err) == XN_ERR_INVALID &&
                 strstr(err.message, "ncontact 1"),
             "one foot: %s", err.message);
    c.wbc.ncontact = 2;
    c.wbc.contact[1].frame = 9999;
    XT_CHECK(xn_balance_measure(m, &c.wbc, m->q_neutral, &d, &err) == XN_ERR_NOT_FOUND &&
                 err.index == 1 && strstr(err.message, "frame 9999"),
             "a foot frame the model lacks: %s", err.message);
    xn_balance_reference_dims(&d);
    d.com_height = NAN;
    xn_balance_config before = c;
    XT_CHECK(xn_balance_config_scale(&c, &d, &err) == XN_ERR_RANGE &&
                 memcmp(&c, &before, sizeof c) == 0 &&
                 strcmp(err.file, "xn_balance_config_scale") == 0,
             "NaN height refused, nothing changed: %s", err.message);
}

int main(void) {
    xn_model *m = NULL;
    xn_error err;
    if (xn_load_model(G1_SCENE, NULL, &m, &err)) {
        XT_CHECK(0, "G1: %s", err.message);
        return xt_done("test_balance_scale");
    }
    g1_is_the_reference(m);
    similarity();
    refusals(m);
    xn_model_free(m);
    return xt_done("test_balance_scale");
}
