/* The joint servo example on an emulated Cortex-M7 (tests/mcu/mcu_check.sh builds and runs it):
 * the Panda's shoulder (joint 2) driven at 16 kHz by joint_servo.c against the simulated joint
 * of motor_sim.c, integrated at 64 kHz. Gravity and inertia feedforward come from the Panda's
 * generated dynamics (gen.h); the simulated arm is 15 % heavier than the model and its friction
 * 25 % above the feedforward's.
 *
 * The scenario, one run: enable through the CiA 402 sequence; a jerk-limited motion of 1 rad
 * (the library's trajectory generator); rest; a collision (60 N m more than gravity, beyond the
 * joint's torque) that the following-error monitor must stop; fault reset and re-enable; a target
 * beyond the joint's range, which must be clamped; a NaN target, which must fault. Every figure is
 * printed as "servo KEY VALUE" for the test to judge; the servo cycle's instructions are timed as
 * in mcu/check/codegen_image.c. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "board.h"
#include "gen.h"
#include "joint_servo.h"
#include "motor_sim.h"
#include "xiaonao/otg.h"

#define J 1 /* the joint: panda_joint2, the shoulder */
#define RATE 16000
#define SUB 4 /* simulation steps per servo cycle */

static double arm[gen_NQ] = {0, 0, 0, -1.8, 0, 1.6, 0.8, 0.02, 0.02};
static js_servo servo;
static ms_joint joint;
static uint16_t cw;
static uint64_t servo_ticks, servo_cycles;
static double wall = INFINITY; /* an obstacle the arm meets at this angle (rad) */

/* Gravity's torque on the joint in the simulated world. */
static double true_gravity(double q) {
    double g[gen_NV], qa[gen_NQ];
    for (int i = 0; i < gen_NQ; i++) qa[i] = arm[i];
    qa[J] = q;
    gen_gravity(qa, g);
    return -1.15 * g[J]; /* the links 15 % heavier than the model says */
}

/* One servo cycle and its simulation; returns the servo's torque command. */
static double cycle(const js_target *t) {
    uint64_t t0 = xn_board_ticks();
    double q = ms_encoder(&joint), qa[gen_NQ], g[gen_NV], M[gen_NV * gen_NV];
    for (int i = 0; i < gen_NQ; i++) qa[i] = arm[i];
    qa[J] = q;
    gen_gravity(qa, g);
    gen_crba(qa, M);
    js_model_terms mt = {g[J], M[J * gen_NV + J] + 0.1}; /* + the rotor, reflected */
    uint16_t sw;
    double tau = js_servo_step(&servo, cw, t, q, &mt, &sw);
    servo_ticks += xn_board_ticks() - t0;
    servo_cycles++;
    int brake = servo.state != XN_CIA402_OPERATION_ENABLED &&
                servo.state != XN_CIA402_FAULT_REACTION && servo.state != XN_CIA402_QUICK_STOP;
    for (int k = 0; k < SUB; k++) {
        /* the obstacle: stiff (20 kN m/rad) and damped, on one side */
        double contact = joint.q > wall ? -2e4 * (joint.q - wall) - 50 * joint.qd : 0;
        ms_step(&joint, tau, true_gravity(joint.q) + contact, brake, 1.0 / (RATE * SUB));
    }
    return tau;
}

static int enable(int max_cycles) {
    js_target hold = {ms_encoder(&joint), 0, 0};
    for (int n = 0; n < max_cycles; n++) {
        if (servo.state == XN_CIA402_OPERATION_ENABLED) return n;
        cw = xn_cia402_enable_step(servo.state, cw);
        hold.q = ms_encoder(&joint);
        cycle(&hold);
    }
    return -1;
}

int main(void) {
    xn_board_ticks_start();
    js_servo_init(&servo, 1.0 / RATE);
    servo.kp = 150;
    servo.kv = 1500;
    servo.ki = 150000;
    servo.coulomb = 1.6;
    servo.viscous = 0.8;
    servo.torque_max = 87; /* the Panda's joint 2 */
    servo.velocity_max = 2.175;
    servo.q_min = -1.7628;
    servo.q_max = 1.7628;
    servo.range_margin = 0.02;
    servo.following_max = 0.005; /* 50 times the tracking error of a fast motion */
    servo.stop_decel = 20;
    double M[gen_NV * gen_NV];
    gen_crba(arm, M);
    ms_joint jt = {M[J * gen_NV + J] + 0.1,     2.0,  1.0, 2e-4,
                   4194304 / 6.283185307179586, -0.5, 0,   0};
    joint = jt;

    printf("servo enable_cycles %d\n", enable(100));

    /* a jerk-limited motion of 1 rad from rest, then 0.3 s at rest */
    xn_otg_problem p;
    xn_trajectory tr;
    xn_error err;
    xn_otg_problem_init(&p, 1);
    p.current_position[0] = -0.5;
    p.target_position[0] = 0.5;
    p.max_velocity[0] = 1.5;
    p.max_acceleration[0] = 5;
    p.max_jerk[0] = 50;
    if (xn_otg_calculate(&p, &tr, &err) != XN_OK) {
        printf("servo: the trajectory failed: %s\n", err.message);
        return 1;
    }
    double worst = 0, worst_rest = 0, peak_tau = 0;
    int n_motion = (int)ceil(tr.duration * RATE), n_rest = (int)(0.3 * RATE);
    for (int n = 0; n < n_motion + n_rest; n++) {
        js_target t;
        xn_trajectory_at(&tr, (double)n / RATE, &t.q, &t.qd, &t.qdd, NULL);
        double tau = cycle(&t);
        double e = fabs(joint.q - t.q);
        if (n < n_motion) worst = e > worst ? e : worst;
        if (n >= n_motion + n_rest / 2) worst_rest = e > worst_rest ? e : worst_rest;
        peak_tau = fabs(tau) > peak_tau ? fabs(tau) : peak_tau;
    }
    printf("servo motion_s %.4f\n", tr.duration);
    printf("servo track_max_rad %.3e\n", worst);
    printf("servo rest_max_rad %.3e\n", worst_rest);
    printf("servo peak_torque_nm %.2f\n", peak_tau);
    printf("servo state_after_motion %s\n", xn_cia402_state_str(servo.state));

    /* a collision: a motion to 1.3 rad meets an obstacle at 0.7 rad that the trajectory does
     * not know; the following-error monitor must stop it */
    wall = 0.7;
    xn_otg_problem_init(&p, 1);
    p.current_position[0] = ms_encoder(&joint);
    p.target_position[0] = 1.3;
    p.max_velocity[0] = 1.5;
    p.max_acceleration[0] = 5;
    p.max_jerk[0] = 50;
    xn_otg_calculate(&p, &tr, &err);
    int n_contact = -1, n_fault = -1, n_stopped = -1;
    double press = 0;
    for (int n = 0; n < (int)ceil(tr.duration * RATE); n++) {
        js_target t;
        xn_trajectory_at(&tr, (double)n / RATE, &t.q, &t.qd, &t.qdd, NULL);
        cycle(&t);
        if (n_contact < 0 && joint.q > wall) n_contact = n;
        if (n_fault < 0 && servo.state == XN_CIA402_FAULT_REACTION) n_fault = n;
        if (n_stopped < 0 && servo.state == XN_CIA402_FAULT) n_stopped = n;
        if (joint.q > wall) press = fmax(press, 2e4 * (joint.q - wall));
    }
    wall = INFINITY;
    printf("servo collision_fault_cycles %d\n",
           n_fault >= 0 && n_contact >= 0 ? n_fault - n_contact : -1);
    printf("servo collision_fault_code 0x%04x\n", (unsigned)servo.fault);
    printf("servo collision_stopped_cycles %d\n",
           n_stopped >= 0 && n_contact >= 0 ? n_stopped - n_contact : -1);
    printf("servo collision_peak_force_nm %.1f\n", press);
    printf("servo state_after_collision %s\n", xn_cia402_state_str(servo.state));

    /* reset, enable, and a target beyond the range: clamped, the joint stops inside */
    printf("servo reenable_cycles %d\n", enable(100));
    xn_otg_problem_init(&p, 1);
    p.current_position[0] = ms_encoder(&joint);
    p.target_position[0] = 2.5; /* beyond q_max = 1.7628 */
    p.max_velocity[0] = 1.5;
    p.max_acceleration[0] = 5;
    p.max_jerk[0] = 50;
    xn_otg_calculate(&p, &tr, &err);
    double q_peak = -INFINITY;
    for (int n = 0; n < (int)ceil(tr.duration * RATE) + RATE / 4; n++) {
        js_target t;
        xn_trajectory_at(&tr, (double)n / RATE, &t.q, &t.qd, &t.qdd, NULL);
        cycle(&t);
        q_peak = joint.q > q_peak ? joint.q : q_peak;
    }
    printf("servo beyond_range_peak_rad %.5f\n", q_peak);
    printf("servo state_after_range %s\n", xn_cia402_state_str(servo.state));

    /* a NaN target: an input fault, not a motion */
    js_target bad = {NAN, 0, 0};
    double q_bad = joint.q;
    for (int n = 0; n < RATE / 10; n++) cycle(&bad);
    printf("servo nan_fault_code 0x%04x\n", (unsigned)servo.fault);
    printf("servo nan_travel_rad %.3e\n", fabs(joint.q - q_bad));
    printf("servo state_after_nan %s\n", xn_cia402_state_str(servo.state));

    /* the instructions of one servo cycle (model terms included), as the images count them */
    double ipt = xn_board_instructions_per_tick();
    printf("insn servo-cycle %.0f\n", (double)servo_ticks * ipt / (double)servo_cycles);
    printf("servo: done\n");
    return 0;
}
