/* The CiA 402 state machine against the profile's tables, and the simulated drive's quick-stop
 * ramp against its closed form. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "test_util.h"
#include "xiaonao/hal.h"

static const xn_cia402_state all[] = {XN_CIA402_NOT_READY,
                                      XN_CIA402_SWITCH_ON_DISABLED,
                                      XN_CIA402_READY,
                                      XN_CIA402_SWITCHED_ON,
                                      XN_CIA402_OPERATION_ENABLED,
                                      XN_CIA402_QUICK_STOP,
                                      XN_CIA402_FAULT_REACTION,
                                      XN_CIA402_FAULT};

static void statuswords(void) {
    /* the profile's statusword values (bits 0-6) for each state */
    const uint16_t expect[] = {0x0000, 0x0040, 0x0031, 0x0033, 0x0037, 0x0017, 0x001F, 0x0008};
    for (int i = 0; i < 8; i++) {
        uint16_t sw = xn_cia402_statusword(all[i]);
        XT_CHECK(sw == expect[i], "%s: statusword 0x%04X, expected 0x%04X",
                 xn_cia402_state_str(all[i]), sw, expect[i]);
        XT_CHECK(xn_cia402_decode(sw) == all[i], "decode(encode(%s))", xn_cia402_state_str(all[i]));
        /* manufacturer bits and bit 4 (voltage) must not change the decoded state */
        XT_CHECK(xn_cia402_decode((uint16_t)(sw | 0xFF80u)) == all[i], "%s with high bits",
                 xn_cia402_state_str(all[i]));
    }
}

static void transitions(void) {
    struct {
        xn_cia402_state from;
        uint16_t cw;
        xn_cia402_state to;
        const char *what;
    } t[] = {
        {XN_CIA402_SWITCH_ON_DISABLED, XN_CW_SHUTDOWN, XN_CIA402_READY, "2 shutdown"},
        {XN_CIA402_SWITCH_ON_DISABLED, XN_CW_ENABLE_OPERATION, XN_CIA402_SWITCH_ON_DISABLED,
         "no jump from switch on disabled"},
        {XN_CIA402_READY, XN_CW_SWITCH_ON, XN_CIA402_SWITCHED_ON, "3 switch on"},
        {XN_CIA402_READY, XN_CW_ENABLE_OPERATION, XN_CIA402_OPERATION_ENABLED, "3+4"},
        {XN_CIA402_SWITCHED_ON, XN_CW_ENABLE_OPERATION, XN_CIA402_OPERATION_ENABLED, "4 enable"},
        {XN_CIA402_OPERATION_ENABLED, XN_CW_SWITCH_ON, XN_CIA402_SWITCHED_ON, "5 disable op"},
        {XN_CIA402_SWITCHED_ON, XN_CW_SHUTDOWN, XN_CIA402_READY, "6 shutdown"},
        {XN_CIA402_READY, XN_CW_DISABLE_VOLTAGE, XN_CIA402_SWITCH_ON_DISABLED, "7 disable voltage"},
        {XN_CIA402_READY, XN_CW_QUICK_STOP, XN_CIA402_SWITCH_ON_DISABLED, "7 quick stop"},
        {XN_CIA402_OPERATION_ENABLED, XN_CW_SHUTDOWN, XN_CIA402_READY, "8 shutdown"},
        {XN_CIA402_OPERATION_ENABLED, XN_CW_DISABLE_VOLTAGE, XN_CIA402_SWITCH_ON_DISABLED, "9"},
        {XN_CIA402_SWITCHED_ON, XN_CW_DISABLE_VOLTAGE, XN_CIA402_SWITCH_ON_DISABLED, "10"},
        {XN_CIA402_SWITCHED_ON, XN_CW_QUICK_STOP, XN_CIA402_SWITCH_ON_DISABLED, "10 quick stop"},
        {XN_CIA402_OPERATION_ENABLED, XN_CW_QUICK_STOP, XN_CIA402_QUICK_STOP, "11 quick stop"},
        {XN_CIA402_QUICK_STOP, XN_CW_DISABLE_VOLTAGE, XN_CIA402_SWITCH_ON_DISABLED, "12"},
        {XN_CIA402_QUICK_STOP, XN_CW_QUICK_STOP, XN_CIA402_QUICK_STOP, "quick stop holds"},
        {XN_CIA402_QUICK_STOP, XN_CW_ENABLE_OPERATION, XN_CIA402_OPERATION_ENABLED, "16"},
        {XN_CIA402_FAULT, XN_CW_ENABLE_OPERATION, XN_CIA402_FAULT, "fault ignores commands"},
        {XN_CIA402_FAULT_REACTION, XN_CW_FAULT_RESET, XN_CIA402_FAULT_REACTION,
         "fault reaction cannot be reset"},
        {XN_CIA402_FAULT, XN_CW_FAULT_RESET, XN_CIA402_SWITCH_ON_DISABLED, "15 fault reset"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        xn_cia402_state got = xn_cia402_next(t[i].from, t[i].cw, 0);
        XT_CHECK(got == t[i].to, "transition %s: %s -> %s, expected %s", t[i].what,
                 xn_cia402_state_str(t[i].from), xn_cia402_state_str(got),
                 xn_cia402_state_str(t[i].to));
    }
    /* the reset needs a rising edge: bit 7 held from the previous cycle does nothing */
    XT_CHECK(xn_cia402_next(XN_CIA402_FAULT, XN_CW_FAULT_RESET, XN_CW_FAULT_RESET) ==
                 XN_CIA402_FAULT,
             "a held fault reset is not an edge");
}

static void enable_sequence(void) {
    /* the master's sequence from every state reaches operation enabled within 5 cycles */
    for (int i = 1; i < 8; i++) {
        if (all[i] == XN_CIA402_FAULT_REACTION) continue;
        xn_cia402_state s = all[i];
        uint16_t cw = 0;
        int n = 0;
        while (s != XN_CIA402_OPERATION_ENABLED && n < 10) {
            uint16_t next = xn_cia402_enable_step(s, cw);
            s = xn_cia402_next(s, next, cw);
            cw = next;
            n++;
        }
        XT_CHECK(s == XN_CIA402_OPERATION_ENABLED && n <= 5, "from %s: %d steps, ends in %s",
                 xn_cia402_state_str(all[i]), n, xn_cia402_state_str(s));
    }
}

static void quick_stop_ramp(void) {
    /* a drive at 2 rad/s told to quick stop brakes at 10 rad/s^2: it stops after 0.2 s and
     * 0.2 rad (v^2 / 2a), then holds */
    xn_drive_sim ds;
    xn_drive_sim_init(&ds, 0);
    uint16_t seq[] = {XN_CW_SHUTDOWN, XN_CW_SWITCH_ON, XN_CW_ENABLE_OPERATION};
    for (int i = 0; i < 3; i++) xn_drive_sim_command(&ds, seq[i], 0, 0);
    XT_CHECK(ds.state == XN_CIA402_OPERATION_ENABLED, "enabled");
    xn_drive_sim_command(&ds, XN_CW_QUICK_STOP, 1.0, 2.0);
    XT_CHECK(ds.state == XN_CIA402_QUICK_STOP, "quick stop active");
    double dt = 1e-3, t = 0;
    while (xn_drive_sim_brake_step(&ds, 10.0, dt) && t < 1) t += dt;
    XT_CHECK(fabs(t - 0.2) <= 1.5 * dt, "stopped after %.4f s, expected 0.2", t);
    XT_CHECK(fabs(ds.ref_position - 1.2) < 1e-9, "stopped at %.12f, expected 1.2 (1 + v^2/2a)",
             ds.ref_position);
    XT_CHECK(ds.state == XN_CIA402_QUICK_STOP && ds.ref_velocity == 0, "holds in quick stop");

    /* a fault while moving: fault reaction (braking), then fault, error code kept */
    xn_drive_sim_init(&ds, 0);
    for (int i = 0; i < 3; i++) xn_drive_sim_command(&ds, seq[i], 0, 0);
    xn_drive_sim_fault(&ds, XN_DRIVE_ERR_EXTERNAL, 0.5, -1.0);
    XT_CHECK(ds.state == XN_CIA402_FAULT_REACTION, "fault reaction while moving");
    xn_drive_sim_fault(&ds, XN_DRIVE_ERR_SENSOR, 0.5, -1.0);
    XT_CHECK(ds.error_code == XN_DRIVE_ERR_EXTERNAL, "the first error code is kept");
    while (xn_drive_sim_brake_step(&ds, 10.0, dt)) {
    }
    XT_CHECK(ds.state == XN_CIA402_FAULT, "fault once at rest");
    XT_CHECK(fabs(ds.ref_position - 0.45) < 1e-9, "fault stop at %.12f, expected 0.45",
             ds.ref_position);
    xn_drive_sim_command(&ds, XN_CW_FAULT_RESET, 0.45, 0);
    XT_CHECK(ds.state == XN_CIA402_SWITCH_ON_DISABLED && ds.error_code == 0,
             "reset clears the fault");

    /* the drive's servo: a NaN encoder reading faults it and gives no torque */
    xn_drive_sim_init(&ds, 0);
    for (int i = 0; i < 3; i++) xn_drive_sim_command(&ds, seq[i], 0, 0);
    xn_joint_command cmd = {XN_CW_ENABLE_OPERATION, XN_MODE_CSP, 0.1, 0, 0.5};
    xn_drive_gains g = {100, 10, 10, 50};
    double tau = xn_drive_sim_torque(&ds, &cmd, &g, 0.0, 0.0, dt);
    XT_CHECK(fabs(tau - (100 * 0.1 + 0.5)) < 1e-12, "CSP torque %g", tau);
    cmd.position = 10; /* saturates */
    tau = xn_drive_sim_torque(&ds, &cmd, &g, 0.0, 0.0, dt);
    XT_CHECK(tau == 50, "clipped at the torque limit: %g", tau);
    tau = xn_drive_sim_torque(&ds, &cmd, &g, NAN, 0.0, dt);
    XT_CHECK(tau == 0 && ds.error_code == XN_DRIVE_ERR_SENSOR, "NaN: sensor fault, no torque");
}

int main(void) {
    statuswords();
    transitions();
    enable_sequence();
    quick_stop_ramp();
    return xt_done("test_cia402");
}
