/* An EtherCAT master (ETG.1000) in the library: frames over a raw Ethernet socket, or any
 * transport that moves whole frames. This part finds the slaves on a segment, gives them station
 * addresses, reads their EEPROMs (identity, mailbox and sync manager defaults, name), reads and
 * writes their registers, and takes them through the AL states with the status code of a refusal
 * by name. docs/ethercat.md tells what is tested and how.
 *
 * Threads: one master belongs to one thread at a time. Nothing here is for the control cycle yet
 * (every call waits for its frames).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_ETHERCAT_H
#define XIAONAO_ETHERCAT_H

#include <stddef.h>
#include <stdint.h>

#include "xiaonao/hal.h"
#include "xiaonao/runtime.h"
#include "xiaonao/types.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default)

/** How frames reach the segment: whole Ethernet frames (from the destination address on, no
 * FCS). The master owns the transport it is given and calls close when it is freed. */
typedef struct xn_ecat_transport {
    void *self;
    /** send one frame of len bytes: 0, or -1 (errno set) */
    int (*send)(void *self, const uint8_t *frame, size_t len);
    /** the next EtherCAT frame that arrives within timeout_ns into buf (cap bytes): its length, 0
     * on timeout, -1 on an error (errno set). Frames the transport itself sent are not
     * returned. */
    long (*recv)(void *self, uint8_t *buf, size_t cap, int64_t timeout_ns);
    void (*close)(void *self);
    uint8_t mac[6]; /**< the sender's address in the frames */
} xn_ecat_transport;

/** A raw socket (AF_PACKET) on network interface `iface`, EtherCAT frames only (needs root or
 * CAP_NET_RAW). */
xn_status xn_ecat_transport_raw(const char *iface, xn_ecat_transport **out, xn_error *err);

/** The AL states (the values of the AL control and status registers). */
typedef enum {
    XN_ECAT_INIT = 0x01,
    XN_ECAT_PREOP = 0x02,
    XN_ECAT_BOOT = 0x03,
    XN_ECAT_SAFEOP = 0x04,
    XN_ECAT_OP = 0x08
} xn_ecat_state;

/** "INIT", "PRE-OP", "BOOT", "SAFE-OP", "OP", "?" */
const char *xn_ecat_state_str(int state);
/** The meaning of an AL status code (register 0x0134), e.g. 0x001B "sync manager watchdog";
 * "unknown AL status code" for one ETG.1000.6 does not define. */
const char *xn_ecat_al_code_str(uint16_t code);

/** A sync manager's setting (from the EEPROM's defaults, or as configured). */
typedef struct {
    uint16_t start, length;
    uint8_t control, enable;
} xn_ecat_sm;

#define XN_ECAT_MAX_SLAVES 64
#define XN_ECAT_MAX_SM 8

/** What the scan found of one slave. */
typedef struct {
    int position;     /**< 0: the first after the master */
    uint16_t station; /**< the configured station address the scan gave it (0x1001 + position) */
    uint8_t esc_type, esc_revision, fmmus, syncmanagers; /**< the controller's own registers */
    uint32_t vendor, product, revision, serial;          /**< the EEPROM's identity */
    char name[64];                                       /**< the EEPROM's device name, or "" */
    uint16_t mbx_protocols;                              /**< bit 2 (0x0004): CoE; 0: no mailbox */
    uint16_t mbx_out_start, mbx_out_size; /**< the standard mailbox, master to slave */
    uint16_t mbx_in_start, mbx_in_size;   /**< slave to master */
    int nsm;                              /**< the EEPROM's sync managers (its category 41) */
    xn_ecat_sm sm[XN_ECAT_MAX_SM];
    uint8_t al_state;    /**< the AL status register's state bits, as last read */
    uint16_t al_code;    /**< the AL status code of the last refusal (0: none) */
    int has_dc;          /**< it has a distributed clock (register 0x0008 bit 2) */
    int64_t dc_delay_ns; /**< the frame's propagation delay from the reference clock (the first
                              slave), as xn_ecat_dc_measure found it; 0 before */
} xn_ecat_slave;

/** Counters since the master was opened. */
typedef struct {
    long frames_sent, frames_received;
    long frames_lost;      /**< sent and never answered within the timeout */
    long frames_malformed; /**< received and refused by the parser */
    long frames_stale;     /**< answers to a frame already given up (late) */
} xn_ecat_stats;

typedef struct xn_ecat_master xn_ecat_master;

/** A master on transport t (owned from here on, closed by xn_ecat_master_close even when this
 * fails). Nothing is sent yet. */
xn_status xn_ecat_master_open(xn_ecat_transport *t, xn_ecat_master **out, xn_error *err);
/** Close the master and its transport. NULL is allowed. */
void xn_ecat_master_close(xn_ecat_master *m);

/** Find the slaves: count them (a broadcast read's working counter), reset them to INIT, give
 * each a station address (0x1001 + position), read each one's controller registers, EEPROM
 * (identity, mailbox, sync managers, name) and AL status. XN_ERR_TIMEOUT when no frame comes
 * back (nothing connected, or the link down), XN_ERR_NOT_FOUND for a segment without slaves,
 * XN_ERR_SIZE beyond XN_ECAT_MAX_SLAVES; an EEPROM that cannot be read names the slave. */
xn_status xn_ecat_scan(xn_ecat_master *m, xn_error *err);
/** Slaves the last scan found. */
int xn_ecat_slave_count(const xn_ecat_master *m);
/** Slave i of the last scan (0 <= i < count), or NULL. */
const xn_ecat_slave *xn_ecat_slave_get(const xn_ecat_master *m, int i);

/** Take slave i (-1: every slave) to `state`, upward through each state on the way (every slave
 * one step before the next), configuring what each transition needs first (OP needs process
 * data: without xn_ecat_pd_start before, the first request for OP calls it, for every slave;
 * with it, some cycles of process data go out before OP is asked): the
 * mailbox sync managers from the EEPROM before PRE-OP, the process data ones before SAFE-OP.
 * Waits up to timeout_s for the AL status. A refusal is XN_ERR_INVALID with the slave, its
 * station, the AL status code and its meaning in err (the error is acknowledged, so a retry
 * starts clean); XN_ERR_TIMEOUT when the slave neither reached nor refused the state. */
xn_status xn_ecat_set_state(xn_ecat_master *m, int i, xn_ecat_state state, double timeout_s,
                            xn_error *err);

/** Read or write len bytes of slave i's registers from `reg` (FPRD, FPWR to its station
 * address): XN_ERR_IO when the working counter says the slave did not do it, XN_ERR_TIMEOUT
 * without an answer. */
xn_status xn_ecat_read(xn_ecat_master *m, int i, uint16_t reg, void *buf, uint16_t len,
                       xn_error *err);
xn_status xn_ecat_write(xn_ecat_master *m, int i, uint16_t reg, const void *buf, uint16_t len,
                        xn_error *err);

/** Read n words of slave i's EEPROM from word address `word` through its SII interface. */
xn_status xn_ecat_sii_read(xn_ecat_master *m, int i, uint16_t word, uint16_t *out, int n,
                           xn_error *err);

void xn_ecat_get_stats(const xn_ecat_master *m, xn_ecat_stats *out);

/* Process data: the PDO mapping of each slave, one process image for the segment (every
 * slave's outputs, then every slave's inputs), exchanged through the FMMUs by one LRW datagram
 * per cycle, or one per frame in up to 4 frames sent together when it does not fit one. */

#define XN_ECAT_PDO_ENTRIES 16 /**< entries one direction of one slave may map */
#define XN_ECAT_IMAGE_MAX                                                                          \
    5944 /**< bytes of process image: up to 4 frames a cycle, all in                               \
               flight at once */

/** One mapped object: index, subindex, length in bits (a multiple of 8). */
typedef struct {
    uint16_t index;
    uint8_t sub, bits;
} xn_ecat_pdo_entry;

/** What a slave maps: into its RxPDO (outputs, master to slave: 0x1600 assigned in 0x1C12) and
 * its TxPDO (inputs: 0x1A00 in 0x1C13). */
typedef struct {
    int nout, nin;
    xn_ecat_pdo_entry out[XN_ECAT_PDO_ENTRIES], in[XN_ECAT_PDO_ENTRIES];
} xn_ecat_pdo_map;

/** Slave i (in PRE-OP) maps `map` (written by SDO: the assignment cleared, the mapping written
 * entry by entry, then both enabled), or, with map NULL, keeps the drive's own mapping, which is
 * read. Entries that are not whole bytes are XN_ERR_UNSUPPORTED; a refusal by the drive carries
 * its abort code. */
xn_status xn_ecat_pdo_configure(xn_ecat_master *m, int i, const xn_ecat_pdo_map *map,
                                xn_error *err);
/** The mapping slave i has (after xn_ecat_pdo_configure). */
xn_status xn_ecat_pdo_get(const xn_ecat_master *m, int i, xn_ecat_pdo_map *out);

/** Lay out the process image (every slave must have been configured; those that were not keep
 * their own mapping), set each slave's process data sync managers and FMMUs, take the segment to
 * SAFE-OP, exchange process data until the inputs arrive, then OP. */
xn_status xn_ecat_pd_start(xn_ecat_master *m, xn_error *err);
/** One cycle: the outputs out and the inputs in, by the cycle's LRW frames (all sent, then their
 * answers taken in any order, waiting up to timeout_ns for the last).
 * XN_ERR_TIMEOUT when the frame does not come back (the inputs keep their last values),
 * XN_ERR_IO when its working counter is short (a slave gone or no longer in SAFE-OP/OP: the
 * message says how many of how many answered). No allocation. */
xn_status xn_ecat_pd_exchange(xn_ecat_master *m, int64_t timeout_ns, xn_error *err);
/** Slave i's outputs and inputs in the process image (their lengths into *len; may be NULL). */
uint8_t *xn_ecat_pd_outputs(xn_ecat_master *m, int i, size_t *len);
const uint8_t *xn_ecat_pd_inputs(const xn_ecat_master *m, int i, size_t *len);
/** Where object index:sub sits in slave i's outputs (output 1) or inputs (0): bytes from the
 * start of its area, its length into *bytes; -1 when it is not mapped. */
int xn_ecat_pd_offset(const xn_ecat_master *m, int i, int output, uint16_t index, uint8_t sub,
                      int *bytes);
/** After an exchange (each carries an AL status read of every slave beside the process data):
 * 1 when slave i answered in it, 0 when it did not (link down, powered off); its AL status
 * register into *al (may be NULL). */
int xn_ecat_pd_slave_ok(const xn_ecat_master *m, int i, uint16_t *al);
/** Bring slave i back after it dropped out (powered off and on, a cable out and in) or left OP:
 * its station address given again at its position, its identity checked against what the scan
 * found (another device there is refused), its mailbox, PDO mapping, sync managers and FMMUs set
 * again, then SAFE-OP and OP with process data flowing. Not while a control loop exchanges
 * process data (this uses the master from the caller's thread). */
xn_status xn_ecat_recover(xn_ecat_master *m, int i, xn_error *err);
/** The working counter one exchange expects (3 per slave with outputs and inputs). */
int xn_ecat_pd_expected_wkc(const xn_ecat_master *m);

/* Distributed clocks (ETG.1000.4 DC): every slave's clock set to one system time, kept there by
 * the reference clock (the first slave), and SYNC0 pulses at the same instants everywhere, on
 * which the drives act. The master's own cycle is then locked to the reference clock
 * (xn_ecat_dc_status.phase_ns; the ethercat backend does it). Segments that are one line (each
 * slave's port 0 toward the master, port 1 toward the next) are supported. */

/** Measure every slave's propagation delay from the first (a write of the receive time register
 * latches, in each slave, when the frame passed its ports; the time the frame spends beyond a
 * slave, less that beyond the next, is the way there and back): dc_delay_ns of each slave, the
 * average of 8 latches. XN_ERR_UNSUPPORTED, naming the slave, when one has no clock or the
 * segment is no line. */
xn_status xn_ecat_dc_measure(xn_ecat_master *m, xn_error *err);

/** Start distributed clocks (before OP: call it in PRE-OP or SAFE-OP): the delays measured, each
 * slave's offset set so that its system time is the master's monotonic clock (ns) and its delay
 * written, then comparisons with the reference clock (FRMW of its system time) until every slave
 * reports a difference under 100 ns twice running (XN_ERR_TIMEOUT after 20,000, with the worst
 * slave named); then SYNC0 every cycle_ns (> 0) at the instants whose system time is shift_ns
 * after a whole number of cycles (0 <= shift_ns < cycle_ns), the first at least 20 ms ahead.
 * From then on every process data frame carries the reference's time to the other slaves and
 * reads one slave's difference in turn (xn_ecat_dc_get). */
xn_status xn_ecat_dc_start(xn_ecat_master *m, int64_t cycle_ns, int64_t shift_ns, xn_error *err);

/** Distributed clocks as the process data frames see them. */
typedef struct {
    int active; /**< xn_ecat_dc_start succeeded */
    int64_t cycle_ns, shift_ns;
    int64_t sync0_start_ns; /**< the first SYNC0 (system time) */
    int64_t reference_ns;   /**< the reference clock's system time as the last frame passed it */
    int64_t phase_ns;       /**< where in its cycle that was: reference_ns modulo cycle_ns, in
                                 [-cycle_ns/2, cycle_ns/2); SYNC0 fires shift_ns after phase 0 */
    int64_t diff_ns[XN_ECAT_MAX_SLAVES]; /**< each slave's last reported difference from the
                                reference (ns, + ahead), one slave read per frame in turn */
    int diff_slave;      /**< the slave whose difference the last frame brought (-1: none) */
    int64_t diff_max_ns; /**< the largest |difference| reported since the start */
    long frames;         /**< process data frames since the start */
} xn_ecat_dc_status;
/** The state of distributed clocks (all zero before xn_ecat_dc_start). */
void xn_ecat_dc_get(const xn_ecat_master *m, xn_ecat_dc_status *out);

/** The master's cycle locked to the reference clock: called once after each process data
 * exchange, it says by how many ns to move the start of the next cycle (added to the period) so
 * that the frames pass the reference clock at phase 0, shift_ns before SYNC0, whatever the rate
 * of the host's clock against the reference's. The first call takes the whole phase at once;
 * after that a proportional-integral law on the phase, bounded by a tenth of the cycle. 0 when
 * distributed clocks are not running. No allocation. */
int64_t xn_ecat_dc_lock(xn_ecat_master *m);
/** The next xn_ecat_dc_lock takes the whole phase at once again (another thread's cycles take
 * over from here, with a start of their own). */
void xn_ecat_dc_relock(xn_ecat_master *m);

/* The HAL backend `ethercat`: CiA 402 drives on an EtherCAT segment as the robot's joints. */

#define XN_ECAT_BUS_JOINTS 64

/** One drive of the bus description: which slave drives which joint, and how its counts and
 * per-mille torques become SI units. */
typedef struct {
    int slave;             /**< its position on the segment (0: the first) */
    char joint[64];        /**< the joint's name in the robot description */
    double counts_per_rev; /**< encoder counts per motor revolution (0x6064's unit) */
    double gear_ratio;     /**< motor turns per joint turn (> 0) */
    int direction;         /**< +1, or -1 when the motor turns against the joint */
    double rated_torque;   /**< the motor's rated torque (N m; 0x6076): 0x6071 and 0x6077
                                are per mille of it */
    int mode;              /**< 8 CSP, 9 CSV, 10 CST: what the drive is told (0x6060) */
    int has_map;           /**< 1: map is the drive's PDO mapping to set ("pdo" in the file);
                                0: the drive keeps its own */
    xn_ecat_pdo_map map;
} xn_ecat_bus_joint;

#define XN_ECAT_BUS_IMUS 4

/** An IMU on the bus: its slave maps the orientation quaternion (w x y z, 0x2100:01-04), the
 * angular velocity (rad/s, 0x2101:01-03) and the specific force (m/s^2, 0x2102:01-03), each a
 * REAL32, in the IMU's frame, into its inputs. */
typedef struct {
    int slave;     /**< its position on the segment */
    char name[64]; /**< the IMU's name in the robot (xn_hal.imu_name) */
} xn_ecat_bus_imu;

/** A bus description (a JSON file, docs/ethercat.md gives its form): the network interface, the
 * drives, the IMUs and the clocks. */
typedef struct {
    char interface[64];
    int njoint;
    xn_ecat_bus_joint joint[XN_ECAT_BUS_JOINTS];
    int nimu;
    xn_ecat_bus_imu imu[XN_ECAT_BUS_IMUS];
    int dc;             /**< 1 (the default): distributed clocks, SYNC0 every period and the loop
                             locked to the reference clock ("distributed_clocks": false: 0) */
    double sync0_shift; /**< SYNC0 this many s after the frame passes the reference clock
                             ("sync0_shift_us"); < 0 (the default): half the period */
} xn_ecat_bus;

/** Read a bus description: XN_ERR_IO for a file that cannot be read, XN_ERR_PARSE for one that
 * is no JSON (the place in err), XN_ERR_INVALID or XN_ERR_RANGE for a field that is missing or
 * wrong (the joint and the field named). */
xn_status xn_ecat_bus_load(const char *path, xn_ecat_bus *out, xn_error *err);

/** Open the robot the bus describes: the segment scanned (a slave the description names must be
 * there), each drive's mapping read and checked for the objects its mode needs, distributed
 * clocks started (unless the description turns them off: then the drives act on each frame),
 * process data started, every slave in OP. With clocks, the backend's clock_correction locks a
 * real-time loop's cycle to the reference clock (xn_ecat_dc_lock). Each cycle's write sends the
 * commands and brings the readings back (the readings of a cycle are those the drives sent one
 * cycle before). period_ns: the control period. A drive fault (statusword fault bit, 0x603F)
 * reaches the controller as the joint's drive fault. A process data frame that does not come
 * back by 90 % of the period after the cycle's read (at least a quarter period) is lost: the last
 * readings stand for it, up to 2 in a row; the third leaves them stale (the controller's sensor
 * check stops the robot) and fails the write. A frame short of its working counter, or a slave that
 * no longer answers or has left OP (each frame reads every slave's AL status), leaves that slave's
 * joints' readings stale: the controller stops the robot in the next cycle, naming the joints, and
 * xn_ecat_hal_problem names the slave. `transport` (may be NULL: a raw socket on the description's
 * interface) is owned from here on. */
xn_status xn_ecat_hal_open(const xn_ecat_bus *bus, xn_ecat_transport *transport, int64_t period_ns,
                           xn_hal **out, xn_error *err);
/** What the ethercat backend last found wrong on the bus, naming the joint and the slave (e.g.
 * "joint joint4: ... slave 3 (station 0x1004) does not answer (link down or powered off)"), or ""
 * when nothing; NULL for a robot not opened by xn_ecat_hal_open. */
const char *xn_ecat_hal_problem(const xn_hal *hal);
/** How the bus went in the control loop's cycles (from its first read on). */
typedef struct {
    xn_ecat_stats frames;  /**< the master's counters since the open */
    xn_stats round_trip;   /**< each cycle's process data frame, sent to answered (ns) */
    xn_stats phase;        /**< |phase| of each cycle's frame at the reference clock (ns) */
    xn_ecat_dc_status dc;  /**< distributed clocks now (dc.active 0: not used) */
    double dc_diff_rms_ns; /**< the slaves' reported differences from the reference, RMS */
    long dc_diff_count;    /**< how many were read */
} xn_ecat_hal_report;
/** The report of a robot opened by xn_ecat_hal_open (XN_ERR_INVALID for another). out is
 * large (two histograms): keep it static or on the heap. */
xn_status xn_ecat_hal_report_get(const xn_hal *hal, xn_ecat_hal_report *out, xn_error *err);

/** Bring every slave of the robot that dropped out or left OP back (xn_ecat_recover), after the
 * controller has stopped: XN_OK when all are back in OP. */
xn_status xn_ecat_hal_recover(xn_hal *hal, xn_error *err);

/* CANopen over EtherCAT: SDOs through the mailbox of a slave in PRE-OP, SAFE-OP or OP. */

/** Read object index:sub of slave i into buf (cap bytes): its length into *len. Expedited,
 * normal and segmented uploads. A refusal is XN_ERR_INVALID with the abort code and its meaning
 * in err (xn_ecat_sdo_last_abort gives the code); an object longer than cap is XN_ERR_SIZE;
 * XN_ERR_TIMEOUT when the slave does not answer within a second. */
xn_status xn_ecat_sdo_read(xn_ecat_master *m, int i, uint16_t index, uint8_t sub, void *buf,
                           size_t cap, size_t *len, xn_error *err);
/** Write len bytes to object index:sub of slave i: expedited up to 4 bytes, else normal and
 * segmented. Refusals as xn_ecat_sdo_read. */
xn_status xn_ecat_sdo_write(xn_ecat_master *m, int i, uint16_t index, uint8_t sub, const void *data,
                            size_t len, xn_error *err);
/** The abort code of the last refused SDO transfer (0: none so far). */
uint32_t xn_ecat_sdo_last_abort(const xn_ecat_master *m);
/** The meaning of an SDO abort code (CiA 301, ETG.1000.6), e.g. 0x06020000 "the object does not
 * exist in the object dictionary"; "unknown abort code" otherwise. */
const char *xn_ecat_sdo_abort_str(uint32_t code);

/** An emergency message a slave sent through its mailbox (CoE service 1). */
typedef struct {
    int slave;
    uint16_t code;   /**< the error code (CiA 301 / 402, e.g. 0x2310 overcurrent) */
    uint8_t reg;     /**< the error register (0x1001) */
    uint8_t data[5]; /**< manufacturer-specific */
} xn_ecat_emergency;
#define XN_ECAT_EMERGENCIES 32 /**< kept until read; the oldest give way */
/** The oldest emergency not yet read into *out: 1, or 0 when none. Emergencies arrive with
 * mailbox traffic (an SDO transfer, or xn_ecat_poll_mailbox). */
int xn_ecat_next_emergency(xn_ecat_master *m, xn_ecat_emergency *out);
/** Read slave i's mailbox once if it holds something (emergencies into the queue): 1 if it did,
 * 0 if it was empty. */
int xn_ecat_poll_mailbox(xn_ecat_master *m, int i, xn_error *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
