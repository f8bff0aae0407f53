/* The HAL backend `ethercat` under the controller, in one process: the Panda's seven joints on
 * seven drives of the virtual segment, with gear ratios from 1 to 160 and two motors turning
 * against their joints. A program's movej runs to its end through the drives' process data, and
 * the drives' own joint angles (the simulator's, not the controller's readings) arrive at the
 * program's target: counts, gears and directions converted right both ways. The bus description
 * file is read and its mistakes refused by joint and field; a bus naming a slave the segment does
 * not have, or a drive whose mapping lacks what its mode needs, is refused at the open.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc_count.h"
#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/sim.h"
#include "runtime/runtime_test_util.h"
#include "test_util.h"

static const double home[7] = {0, 0, 0, -1.57079, 0, 1.57079, -0.7853};
static const double goal[7] = {0.3, -0.4, 0.25, -2.0, 0.5, 1.9, 0.3};
static const double gear[7] = {1, 100, 160, 50, 1, 30, 2};
static const int dir[7] = {1, 1, -1, 1, -1, 1, 1};

static void bus_of(xn_ecat_bus *bus) {
    memset(bus, 0, sizeof *bus);
    snprintf(bus->interface, sizeof bus->interface, "in-process");
    bus->njoint = 7;
    for (int k = 0; k < 7; k++) {
        xn_ecat_bus_joint *j = &bus->joint[k];
        j->slave = k;
        snprintf(j->joint, sizeof j->joint, "joint%d", k + 1);
        j->counts_per_rev = 1048576;
        j->gear_ratio = gear[k];
        j->direction = dir[k];
        j->rated_torque = k < 4 ? 0.87 : 0.12;
        j->mode = 8;
    }
    /* joint1's drive remapped by the description: CSP without the torque objects */
    bus->joint[0].has_map = 1;
    bus->joint[0].map = (xn_ecat_pdo_map){3,
                                          3,
                                          {{0x6040, 0, 16}, {0x607A, 0, 32}, {0x6060, 0, 8}},
                                          {{0x6041, 0, 16}, {0x6064, 0, 32}, {0x606C, 0, 32}}};
}

static xn_status write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) return XN_ERR_IO;
    fputs(text, f);
    fclose(f);
    return XN_OK;
}

static void bus_files(void) {
    xn_ecat_bus bus;
    xn_error err;
    const char *path = "/tmp/xn_test_bus.json";
    write_file(path, "{\"interface\": \"eth1\", \"joints\": [{\"slave\": 0, \"joint\": \"joint1\", "
                     "\"counts_per_rev\": 1048576, \"gear_ratio\": 100, \"direction\": -1, "
                     "\"rated_torque\": 0.64, \"mode\": \"cst\", \"pdo\": {\"outputs\": "
                     "[\"6040:00/16\", \"6071:00/16\"], \"inputs\": [\"6041:00/16\", "
                     "\"6064:00/32\", \"6077:00/16\"]}}]}");
    XT_CHECK(xn_ecat_bus_load(path, &bus, &err) == XN_OK && bus.njoint == 1 &&
                 strcmp(bus.interface, "eth1") == 0 && bus.joint[0].gear_ratio == 100 &&
                 bus.joint[0].direction == -1 && bus.joint[0].mode == 10 && bus.joint[0].has_map &&
                 bus.joint[0].map.nout == 2 && bus.joint[0].map.out[1].index == 0x6071 &&
                 bus.joint[0].map.nin == 3 && bus.joint[0].map.in[1].bits == 32,
             "a bus description with a PDO mapping read: %s", err.message);
    XT_CHECK(bus.dc == 1 && bus.sync0_shift < 0 && bus.nimu == 0,
             "clocks on with the default shift, no IMU, when the file says nothing");
    write_file(path, "{\"interface\": \"eth1\", \"joints\": [{\"slave\": 0, \"joint\": "
                     "\"a\", \"counts_per_rev\": 4096, \"rated_torque\": 1}], \"imus\": "
                     "[{\"slave\": 1, \"imu\": \"imu_in_pelvis\"}], \"distributed_clocks\": "
                     "false, \"sync0_shift_us\": 250}");
    XT_CHECK(xn_ecat_bus_load(path, &bus, &err) == XN_OK && bus.nimu == 1 &&
                 bus.imu[0].slave == 1 && strcmp(bus.imu[0].name, "imu_in_pelvis") == 0 &&
                 bus.dc == 0 && fabs(bus.sync0_shift - 250e-6) < 1e-12,
             "an IMU slave, clocks off and a SYNC0 shift read: %s", err.message);
    static const struct {
        const char *text, *expect;
    } bad[] = {
        {"{\"interface\": \"eth1\", \"joints\": [", "line"},
        {"{\"joints\": []}", "'interface'"},
        {"{\"interface\": \"eth1\", \"joints\": [{\"slave\": 0, \"joint\": \"j\", "
         "\"rated_torque\": 1}]}",
         "joints[0]: 'counts_per_rev' is missing"},
        {"{\"interface\": \"eth1\", \"joints\": [{\"slave\": 0.5, \"joint\": \"j\", "
         "\"counts_per_rev\": 4096, \"rated_torque\": 1}]}",
         "joints[0]: 'slave' is 0.5"},
        {"{\"interface\": \"eth1\", \"joints\": [{\"slave\": 0, \"joint\": \"j\", "
         "\"counts_per_rev\": 4096, \"rated_torque\": 1, \"mode\": \"pp\"}]}",
         "'mode' is \"csp\""},
        {"{\"interface\": \"eth1\", \"joints\": [{\"slave\": 0, \"joint\": \"a\", "
         "\"counts_per_rev\": 4096, \"rated_torque\": 1}, {\"slave\": 0, \"joint\": \"b\", "
         "\"counts_per_rev\": 4096, \"rated_torque\": 1}]}",
         "joints[1]: slave 0 already drives joint 'a'"},
        {"{\"interface\": \"eth1\", \"joints\": [{\"slave\": 0, \"joint\": \"a\", "
         "\"counts_per_rev\": 4096, \"rated_torque\": 1, \"direction\": 0}]}",
         "'direction' is 1 or -1"},
        {"{\"interface\": \"eth1\", \"joints\": [{\"slave\": 0, \"joint\": \"a\", "
         "\"counts_per_rev\": 4096, \"rated_torque\": 1, \"pdo\": {\"outputs\": "
         "[\"6040:00/12\"]}}]}",
         "pdo.outputs[0] must read INDEX:SUB/BITS"},
        {"{\"interface\": \"eth1\", \"joints\": [{\"slave\": 0, \"joint\": \"a\", "
         "\"counts_per_rev\": 4096, \"rated_torque\": 1}], \"imus\": [{\"slave\": 0, "
         "\"imu\": \"imu\"}]}",
         "imus[0]: slave 0 already drives joint 'a'"},
        {"{\"interface\": \"eth1\", \"joints\": [{\"slave\": 0, \"joint\": \"a\", "
         "\"counts_per_rev\": 4096, \"rated_torque\": 1}], \"imus\": [{\"slave\": 99, "
         "\"imu\": \"imu\"}]}",
         "imus[0]: 'slave' must be a position"},
        {"{\"interface\": \"eth1\", \"joints\": [{\"slave\": 0, \"joint\": \"a\", "
         "\"counts_per_rev\": 4096, \"rated_torque\": 1}], \"imus\": [{\"slave\": 1}]}",
         "imus[0]: 'imu' must name"},
        {"{\"interface\": \"eth1\", \"joints\": [{\"slave\": 0, \"joint\": \"a\", "
         "\"counts_per_rev\": 4096, \"rated_torque\": 1}], \"distributed_clocks\": 1}",
         "'distributed_clocks' must be true or false"},
        {"{\"interface\": \"eth1\", \"joints\": [{\"slave\": 0, \"joint\": \"a\", "
         "\"counts_per_rev\": 4096, \"rated_torque\": 1}], \"sync0_shift_us\": -5}",
         "'sync0_shift_us' must be a time within the cycle"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(path, bad[i].text);
        xn_status st = xn_ecat_bus_load(path, &bus, &err);
        XT_CHECK(st != XN_OK && strstr(err.message, bad[i].expect) &&
                     strstr(err.file, "xn_test_bus.json"),
                 "bad bus %zu refused: %s: %s", i, err.file, err.message);
    }
    remove(path);
    XT_CHECK(xn_ecat_bus_load("/nonexistent/bus.json", &bus, &err) == XN_ERR_IO,
             "a missing file: %s", err.message);
}

static xn_ecat_sim *segment(int n) {
    xn_ecat_sim_slave cfg[7];
    for (int k = 0; k < n; k++) {
        xn_ecat_sim_slave_default(&cfg[k], k);
        cfg[k].counts_per_rad = 1048576 * gear[k] * dir[k] / 6.283185307179586;
        cfg[k].position = home[k];
    }
    xn_ecat_sim *sim = NULL;
    xn_ecat_sim_create(n, cfg, &sim, NULL);
    if (sim) xn_ecat_sim_set_period(sim, 1000000); /* stepped as fast as it goes: 1 ms a cycle */
    return sim;
}

/* A controller on hal in position mode (the drives in CSP) running program text. */
static xn_controller *controller_on(xn_hal *hal, const char *text, xn_model **m, xn_program **p,
                                    xn_error *err) {
    xn_controller_config cfg;
    rt_panda_config(&cfg);
    cfg.command_mode = XN_CMD_POSITION;
    xn_controller *c = NULL;
    if (xn_load_model(PANDA_SCENE, NULL, m, err) != XN_OK ||
        xn_program_parse(text, strlen(text), "t.xnp", p, err) != XN_OK ||
        xn_controller_create(*m, hal, *p, &cfg, &c, err) != XN_OK)
        return NULL;
    return c;
}

static void program_over_ethercat(void) {
    xn_ecat_sim *sim = segment(7);
    xn_ecat_transport *t = NULL;
    xn_ecat_bus bus;
    bus_of(&bus);
    xn_hal *hal = NULL;
    xn_error err;
    if (!sim || xn_ecat_sim_transport(sim, &t, &err) != XN_OK ||
        xn_ecat_hal_open(&bus, t, 1000000, &hal, &err) != XN_OK) {
        XT_CHECK(0, "the ethercat backend opened: %s", err.message);
        return;
    }
    XT_CHECK(hal->njoint == 7 && strcmp(hal->joint_info[3].name, "joint4") == 0 &&
                 strcmp(hal->ops->name, "ethercat") == 0,
             "7 joints, named as the bus says");
    xn_hal_read(hal);
    double start = 0;
    for (int k = 0; k < 7; k++) start = xt_max(start, fabs(hal->joint[k].position - home[k]));
    XT_CHECK(start < 1e-5, "the first readings are where the drives' joints are (%.2g rad)", start);
    xn_model *m = NULL;
    xn_program *p = NULL;
    char text[200];
    snprintf(text, sizeof text, "movej [%g, %g, %g, %g, %g, %g, %g]\n", goal[0], goal[1], goal[2],
             goal[3], goal[4], goal[5], goal[6]);
    xn_controller *c = controller_on(hal, text, &m, &p, &err);
    if (!c) {
        XT_CHECK(0, "a controller on it: %s", err.message);
        return;
    }
    int cycles = 0;
    long allocs = 0;
    for (; cycles < 20000 && !xn_controller_finished(c); cycles++) {
        if (cycles == 2) xt_counting = 1; /* after the keeper's hand-over */
        xn_hal_read(hal);
        xn_controller_step(c);
        xn_hal_write(hal);
    }
    xt_counting = 0;
    allocs = xt_allocs;
    rt_events ev = {0};
    rt_drain(c, &ev);
    double worst = 0;
    for (int k = 0; k < 7; k++) {
        uint16_t sw;
        double q;
        int8_t mode;
        xn_ecat_sim_drive(sim, k, &sw, &q, &mode);
        worst = xt_max(worst, fabs(q - goal[k]));
    }
    printf("over EtherCAT: %d cycles; the drives' joints %.2g rad from the program's target\n",
           cycles, worst);
    XT_CHECK(xn_controller_state(c) == XN_CTL_DONE && rt_find(&ev, XN_EV_PROGRAM_END) &&
                 !rt_find(&ev, XN_EV_QUICK_STOP),
             "the program ran to its end (state %s)", xn_ctl_state_str(xn_controller_state(c)));
    XT_CHECK(allocs == 0, "read, step and write on EtherCAT allocate nothing (%ld calls)", allocs);
    XT_CHECK(worst < 1e-5,
             "the drives' own joints at the target: counts, gears (1 to 160) and "
             "directions right both ways (%.2g rad)",
             worst);
    xn_controller_free(c);
    xn_program_free(p);
    xn_model_free(m);
    xn_hal_close(hal);
    xn_ecat_sim_free(sim);
}

/* Seven drives on the virtual segment, the ethercat backend on them, a controller running
 * `program`, and what to run a cycle with. */
typedef struct {
    xn_ecat_sim *sim;
    xn_hal *hal;
    xn_model *m;
    xn_program *p;
    xn_controller *c;
} ecat_rig;

static int rig_up(ecat_rig *r, const char *program) {
    memset(r, 0, sizeof *r);
    xn_ecat_transport *t = NULL;
    xn_ecat_bus bus;
    bus_of(&bus);
    xn_error err;
    r->sim = segment(7);
    if (xn_ecat_sim_transport(r->sim, &t, &err) != XN_OK ||
        xn_ecat_hal_open(&bus, t, 1000000, &r->hal, &err) != XN_OK ||
        !(r->c = controller_on(r->hal, program, &r->m, &r->p, &err))) {
        XT_CHECK(0, "a controller on EtherCAT: %s", err.message);
        return -1;
    }
    return 0;
}

static void rig_cycle(ecat_rig *r) {
    xn_hal_read(r->hal);
    xn_controller_step(r->c);
    xn_hal_write(r->hal);
}

static void rig_controller_down(ecat_rig *r) {
    xn_controller_free(r->c);
    xn_program_free(r->p);
    xn_model_free(r->m);
    r->c = NULL;
    r->p = NULL;
    r->m = NULL;
}

static void rig_down(ecat_rig *r) {
    rig_controller_down(r);
    xn_hal_close(r->hal);
    xn_ecat_sim_free(r->sim);
}

/* 1 when no drive but `skip` is left operation enabled */
static int others_stopped(xn_ecat_sim *sim, int skip) {
    int stopped = 1;
    for (int k = 0; k < 7; k++) {
        uint16_t sw;
        double q;
        int8_t mode;
        xn_ecat_sim_drive(sim, k, &sw, &q, &mode);
        stopped &= k == skip || xn_cia402_decode(sw) != XN_CIA402_OPERATION_ENABLED;
    }
    return stopped;
}

#define MOTION "movej [0.3, -0.4, 0.25, -2.0, 0.5, 1.9, 0.3]\n"

/* A drive that faults mid-motion: the controller hears it through the statusword and 0x603F,
 * names the joint and the code, and quick-stops the others, as with the simulated drives. */
static void drive_fault(void) {
    ecat_rig r;
    if (rig_up(&r, MOTION)) return;
    for (int i = 0; i < 200; i++) {
        if (i == 150) xn_ecat_sim_fault(r.sim, 3, 0x2310); /* overcurrent, mid-motion */
        rig_cycle(&r);
    }
    rt_events ev = {0};
    rt_drain(r.c, &ev);
    const xn_event *f = rt_find(&ev, XN_EV_DRIVE_FAULT);
    XT_CHECK(f && f->joint == 3 && f->value == 0x2310 && strstr(f->text, "joint4") &&
                 strstr(f->text, "0x2310") && xn_controller_state(r.c) == XN_CTL_FAULT,
             "joint4's fault reported with its code: %s", f ? f->text : "(none)");
    XT_CHECK(others_stopped(r.sim, -1),
             "and no drive left in operation enabled: the others quick-stopped");
    rig_down(&r);
}

/* A slave unplugged mid-motion: every frame reads each slave's AL status, so the cycle after
 * sees it gone; its joint's readings go stale and the controller quick-stops the others, naming
 * the joint; the backend names the slave. Plugged back (it returns as after a power loss, in
 * INIT without its address), it is brought back to OP, and a program runs again. */
static void slave_lost(void) {
    ecat_rig r;
    xn_error err;
    if (rig_up(&r, MOTION)) return;
    int unplugged_at = 150, fault_at = -1;
    for (int i = 0; i < 300; i++) {
        if (i == unplugged_at) xn_ecat_sim_unplug(r.sim, 3, 1);
        rig_cycle(&r);
        if (fault_at < 0 && xn_controller_state(r.c) == XN_CTL_FAULT) fault_at = i;
    }
    rt_events ev = {0};
    rt_drain(r.c, &ev);
    const xn_event *stale = rt_find(&ev, XN_EV_SENSOR_STALE);
    const char *problem = xn_ecat_hal_problem(r.hal);
    XT_CHECK(fault_at >= unplugged_at && fault_at <= unplugged_at + 2 && stale &&
                 strstr(stale->text, "joint4"),
             "unplugged at cycle %d, the controller in fault at %d: %s", unplugged_at, fault_at,
             stale ? stale->text : "(no event)");
    XT_CHECK(problem && strstr(problem, "joint joint4") && strstr(problem, "slave 3") &&
                 strstr(problem, "0x1004") && strstr(problem, "does not answer"),
             "the backend names the slave: %s", problem ? problem : "(none)");
    XT_CHECK(others_stopped(r.sim, 3), "the other six drives were stopped");
    rig_controller_down(&r);
    /* back: plugged in again, brought back to OP on request, a program runs */
    xn_ecat_sim_unplug(r.sim, 3, 0);
    XT_CHECK(xn_ecat_sim_registers(r.sim, 3)[XN_ESC_AL_STATUS] == XN_ECAT_INIT,
             "the slave came back in INIT");
    XT_CHECK(xn_ecat_hal_recover(r.hal, &err) == XN_OK && xn_ecat_hal_problem(r.hal)[0] == 0,
             "recovered: %s", err.message);
    int op = 1;
    for (int k = 0; k < 7; k++) op &= xn_ecat_sim_registers(r.sim, k)[XN_ESC_AL_STATUS] == 8;
    XT_CHECK(op, "every slave in OP again");
    r.c =
        controller_on(r.hal, "movej [0, 0, 0, -1.57079, 0, 1.57079, -0.7853]\n", &r.m, &r.p, &err);
    int cycles = 0;
    for (; r.c && cycles < 20000 && !xn_controller_finished(r.c); cycles++) rig_cycle(&r);
    XT_CHECK(r.c && xn_controller_state(r.c) == XN_CTL_DONE,
             "a program runs to its end after the recovery (%d cycles, state %s)", cycles,
             r.c ? xn_ctl_state_str(xn_controller_state(r.c)) : "no controller");
    rig_down(&r);
}

static void refused(void) {
    xn_ecat_bus bus;
    bus_of(&bus);
    xn_error err;
    xn_hal *hal = NULL;
    xn_ecat_sim *sim = segment(5); /* two slaves short */
    xn_ecat_transport *t = NULL;
    xn_ecat_sim_transport(sim, &t, NULL);
    XT_CHECK(xn_ecat_hal_open(&bus, t, 1000000, &hal, &err) == XN_ERR_NOT_FOUND && !hal &&
                 strstr(err.message, "joint6: slave 5 is not on the segment (5 slaves found)"),
             "a bus for 7 on a segment of 5: %s", err.message);
    xn_ecat_sim_free(sim);
    /* a drive remapped to the CSP minimum beforehand (its mapping stays), then asked for CSV */
    sim = segment(7);
    xn_ecat_master *m = NULL;
    xn_ecat_sim_transport(sim, &t, NULL);
    xn_ecat_pdo_map csp = {
        2, 2, {{0x6040, 0, 16}, {0x607A, 0, 32}}, {{0x6041, 0, 16}, {0x6064, 0, 32}}};
    XT_CHECK(xn_ecat_master_open(t, &m, &err) == XN_OK && xn_ecat_scan(m, &err) == XN_OK &&
                 xn_ecat_set_state(m, 2, XN_ECAT_PREOP, 1, &err) == XN_OK &&
                 xn_ecat_pdo_configure(m, 2, &csp, &err) == XN_OK,
             "slave 2 remapped: %s", err.message);
    xn_ecat_master_close(m);
    xn_ecat_sim_transport(sim, &t, NULL);
    bus.joint[2].mode = 9;
    XT_CHECK(xn_ecat_hal_open(&bus, t, 1000000, &hal, &err) == XN_ERR_INVALID && !hal &&
                 strstr(err.message, "joint3 (slave 2)") && strstr(err.message, "0x60FF"),
             "CSV on a drive without 0x60FF mapped: %s", err.message);
    xn_ecat_sim_free(sim);
}

int main(void) {
    bus_files();
    program_over_ethercat();
    drive_fault();
    slave_lost();
    refused();
    return xt_done("test_ecat_hal");
}
