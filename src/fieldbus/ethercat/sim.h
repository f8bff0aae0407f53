/* The virtual EtherCAT segment: a chain of EtherCAT slave controllers (ESCs) in software, which
 * answers frames as real ones would, so that the master can be proven without hardware. Used by
 * `xn ecat-sim` (on a network interface) and by the tests (in the same process, through
 * xn_ecat_sim_transport). Not installed: a simulator, not part of the master.
 *
 * Each ESC has the full 64 KiB address space: registers, and process RAM from 0x1000. It carries
 * out every command as the frame passes it (auto-increment addressing counts the position down
 * slave by slave, as on the wire), raises the working counter as ETG.1000.4 says, reads its
 * EEPROM through the SII interface, and runs the AL state machine with the real error codes: a
 * mailbox configuration that differs from its EEPROM's refuses PRE-OP (0x0016), process data
 * sync managers that differ refuse SAFE-OP (0x001D outputs, 0x001E inputs).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ECAT_SIM_H
#define XN_ECAT_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "xiaonao/ethercat.h"

/* What a simulated slave is. */
typedef enum {
    XN_ECAT_SIM_DRIVE = 0, /* a CiA 402 servo drive */
    XN_ECAT_SIM_IMU = 1    /* an IMU: no outputs; its inputs the orientation quaternion (w x y z,
                              0x2100:01-04), angular velocity (rad/s, 0x2101:01-03) and specific
                              force (m/s^2, 0x2102:01-03), each a REAL32, in its own frame */
} xn_ecat_sim_kind;

/* One simulated slave's identity and layout (what its EEPROM says). */
typedef struct {
    xn_ecat_sim_kind kind;
    uint32_t vendor, product, revision, serial;
    char name[40];
    uint16_t mbx_out_offset, mbx_out_size; /* SM0: master to slave */
    uint16_t mbx_in_offset, mbx_in_size;   /* SM1: slave to master */
    uint16_t out_offset, out_size;         /* SM2: process data outputs (RxPDO) */
    uint16_t in_offset, in_size;           /* SM3: process data inputs (TxPDO) */
    double counts_per_rad;                 /* the encoder: 0x6064 counts per radian (or m) */
    double position;                       /* where the joint starts (rad or m) */
    /* its distributed clock: the crystal's rate error (ppm, e.g. +30: it runs 30 us/s fast),
     * its local time at power-on (ns); how long a frame takes through it (ns, either way, and
     * to turn round at the end of the line) and along the cable to the next slave (ns) */
    double dc_drift_ppm;
    int64_t dc_local0_ns;
    int64_t dc_esc_ns, dc_cable_ns;
    /* its drive's sync error counter limit (as ETG's object 0x10F1:2): on SYNC0 the counter
     * goes up 3 when no new outputs arrived since the last event and down 1 when they did; over
     * the limit the slave leaves OP with AL status code 0x001A. Default 6: three misses close
     * together */
    int sync_error_limit;
} xn_ecat_sim_slave;

/* The defaults of an IMU at that position: product 0x0410, no outputs, 40 bytes of inputs at
 * 0x1180; its clock as a drive's. */
void xn_ecat_sim_slave_imu(xn_ecat_sim_slave *s, int position);

/* The defaults of a CiA 402 servo drive: CoE mailbox of 128 bytes at 0x1000 and 0x1080,
 * outputs at 0x1100, inputs at 0x1180 (sizes from the default PDO mapping); a clock that drifts
 * by up to +-40 ppm and was powered on at a different time from its neighbours', 300 ns through
 * the controller and 5-50 ns of cable to the next (spread over the positions, the same for the
 * same position). */
void xn_ecat_sim_slave_default(xn_ecat_sim_slave *s, int position);

typedef struct xn_ecat_sim xn_ecat_sim;

/* A segment of n slaves (1 to 64), each as described (NULL: every one the default). */
xn_status xn_ecat_sim_create(int n, const xn_ecat_sim_slave *slaves, xn_ecat_sim **out,
                             xn_error *err);
void xn_ecat_sim_free(xn_ecat_sim *s);

/* A frame passes the segment, changed in place as the slaves answer it: 0, or -1 when it is no
 * well-formed EtherCAT frame (dropped, as an ESC drops a frame whose checks fail; counted). */
int xn_ecat_sim_process(xn_ecat_sim *s, uint8_t *frame, size_t len);

/* On the wall clock: the SYNC0 events due by now carried out while no frame is there (the drives
 * and the plant act on SYNC0's time, not when the next frame happens to arrive, so that a frame is
 * never held up by them); returns the ns until the next one (0: none armed). A program that
 * answers frames on a network calls it whenever it wakes up and waits no longer than that for
 * the next frame. Nothing on a simulated clock. */
int64_t xn_ecat_sim_poll(xn_ecat_sim *s);

/* What the drive of slave `position` does now: its CiA 402 statusword, its joint position (rad
 * or m), its mode of operation. 0, or -1 for no such slave. */
int xn_ecat_sim_drive(const xn_ecat_sim *s, int position, uint16_t *statusword, double *q,
                      int8_t *mode);

/* A plant in place of the drives' ideal motors (a physics simulation, `xn ecat-sim --robot`):
 * after each frame that carried process data, it gets every slave's outputs in the drive's units
 * (fresh: the slave is in OP and the frame wrote them, or its SYNC0 runs: the last ones hold
 * until new ones come; else the drive must stop) and fills every
 * slave's inputs; its statusword replaces the drive's own state machine. */
typedef struct {
    int fresh;
    uint16_t controlword;
    int8_t mode;
    int32_t target_position, target_velocity; /* counts, counts/s */
    int32_t target_torque;                    /* per mille of rated torque */
} xn_ecat_sim_outputs;
typedef struct {
    uint16_t statusword, error_code;
    int8_t mode;
    int32_t position, velocity, torque;
    float imu[10]; /* an IMU slave's: orientation w x y z, angular velocity, specific force */
} xn_ecat_sim_inputs;
typedef void (*xn_ecat_sim_plant)(void *user, int n, const xn_ecat_sim_outputs *out,
                                  xn_ecat_sim_inputs *in, double dt);
void xn_ecat_sim_set_plant(xn_ecat_sim *s, xn_ecat_sim_plant plant, void *user);

/* The segment's clock: by default the wall clock (a drive's time step is the time between
 * frames, its watchdog runs in real time); with period_ns > 0, a simulated clock that advances
 * by period_ns at each frame that carries process data and by XN_ECAT_SIM_ACYCLIC_NS at any
 * other (the shortest frame's time on a wire: clocks see time pass between comparisons, and a
 * master's acyclic work between two cycles stays within a cycle), for a master stepped faster
 * than real time in the same process. A harness that plays a host whose cycles vary may set a
 * new period before each cycle. Drives whose SYNC0 runs move on its events (one cycle each),
 * not on the frames. */
#define XN_ECAT_SIM_ACYCLIC_NS 1000
void xn_ecat_sim_set_period(xn_ecat_sim *s, int64_t period_ns);

/* Distributed clocks, as the segment's true time sees them: slave `position`'s system time
 * now (its local clock + offset, ns), and how far apart the system times of the slaves whose
 * SYNC0 is active are at the same true instant (ns: the largest difference from the first such
 * slave; 0 when fewer than two). The true propagation delay of the frame from the first slave
 * to slave `position` (ns), against which a master's measured delays are checked. */
int64_t xn_ecat_sim_dc_system_time(const xn_ecat_sim *s, int position);
int64_t xn_ecat_sim_dc_spread(const xn_ecat_sim *s);
int64_t xn_ecat_sim_dc_true_delay(const xn_ecat_sim *s, int position);
/* SYNC0 events slave `position` has had, and those among them that found no new outputs since
 * the one before (its drive counts these: xn_ecat_sim_slave.sync_error_limit). */
long xn_ecat_sim_sync0_events(const xn_ecat_sim *s, int position, long *missed);

/* frames that went through, frames dropped as malformed */
long xn_ecat_sim_frames(const xn_ecat_sim *s, int dropped);

/* Slave `position` sends an emergency message (error code, error register) through its mailbox,
 * once the master has read what is there. */
void xn_ecat_sim_emergency(xn_ecat_sim *s, int position, uint16_t code, uint8_t reg);

/* The drive of slave `position` faults with this error code (CiA 402 / 301, e.g. 0x2310
 * overcurrent): its statusword says fault after its fault reaction, 0x603F holds the code, and
 * an emergency message goes out through its mailbox. */
void xn_ecat_sim_fault(xn_ecat_sim *s, int position, uint16_t code);

/* Slave `position` unplugged (1: it no longer answers, and frames pass it by, as behind a
 * junction port) or plugged back (0: it comes back as after a power loss: INIT, no station
 * address, its registers and object dictionary at their defaults; its joint where it was). */
void xn_ecat_sim_unplug(xn_ecat_sim *s, int position, int unplugged);

/* A slave's register space, for tests that look inside (64 KiB). */
uint8_t *xn_ecat_sim_registers(xn_ecat_sim *s, int position);

/* A transport that hands every frame sent to the segment and returns it, as the wire would:
 * the master's tests in one process. The transport owns nothing of s. */
xn_status xn_ecat_sim_transport(xn_ecat_sim *s, xn_ecat_transport **out, xn_error *err);

#endif
