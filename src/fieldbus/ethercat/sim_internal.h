/* The virtual segment's parts (sim.h is its interface). Not installed.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ECAT_SIM_INTERNAL_H
#define XN_ECAT_SIM_INTERNAL_H

#include "fieldbus/ethercat/sim.h"
#include "xiaonao/hal.h"

#define XN_SIM_EEPROM_WORDS 1024 /* 16 Kbit */
#define XN_SIM_OD_MAX 96         /* object dictionary entries of one slave */
#define XN_SIM_OD_VALUE 64       /* the longest value (strings) */
#define XN_SIM_SDO_MAX 512       /* the longest object a segmented transfer carries */

/* Object dictionary entries' access. */
enum { OD_RW = 0, OD_RO = 1, OD_PREOP = 2 /* writable in PRE-OP only (PDO assignment, mapping) */ };

/* One entry (index, subindex) with its value inline; len 0 for a string's unused tail. */
typedef struct {
    uint16_t index;
    uint8_t sub, len, access, string;
    uint8_t v[XN_SIM_OD_VALUE];
} xn_sim_od_entry;

/* A segmented SDO transfer in progress (one per slave, as a slave serves one at a time). */
typedef struct {
    int active, upload, toggle;
    uint16_t index;
    uint8_t sub;
    uint8_t buf[XN_SIM_SDO_MAX];
    int len, at; /* the object's length, how far the transfer is */
} xn_sim_sdo;

/* The drive behind a slave controller: CiA 402 state machine and an ideal motor (CSP: at the
 * target; CSV: at the target velocity; CST: no load model, the joint stays). */
typedef struct {
    xn_drive_sim ds;
    double q, v;            /* rad (m), rad/s */
    int8_t mode;            /* 8 CSP, 9 CSV, 10 CST */
    int64_t last_output_ns; /* the sync manager watchdog: when outputs last arrived */
    int outputs_seen;       /* outputs arrived since SAFE-OP */
} xn_sim_drive;

/* A slave's distributed clock (sim_dc.c). Its local time runs at 1 + drift + freq of true
 * time, plus a correction of `correct` ns that the time control loop spreads at XN_SIM_DC_SLEW
 * per ns. */
typedef struct {
    double drift, freq;
    double local_ref;    /* local time (ns) at true time t_ref */
    int64_t t_ref;       /* true time (ns) of the last rebase */
    double correct;      /* ns still to add (or take away) */
    int64_t now;         /* true time at which the frame being processed passes this slave */
    int64_t fwd;         /* true time from the first slave to this one (ns) */
    int64_t loop;        /* from arriving on port 0 to returning on port 1 (0: the last slave) */
    double last_compare; /* local time of the last comparison (0: none yet) */
    int sync_active;     /* SYNC0 is armed */
    int sync_running;    /* and has fired: the drive acts on its events, not on frames */
    int64_t next_sync0;  /* system time of the next SYNC0 */
    int pending;         /* new outputs since the last SYNC0 */
    int sync_errors;     /* the drive's sync error counter: +3 a miss, -1 a good event */
    long events, missed;
} xn_sim_dc;

/* One slave controller. */
typedef struct {
    xn_ecat_sim_slave cfg;
    uint8_t *reg; /* XN_ESC_SPACE bytes */
    uint16_t eeprom[XN_SIM_EEPROM_WORDS];
    xn_sim_od_entry od[XN_SIM_OD_MAX];
    int nod;
    xn_sim_sdo sdo;
    uint8_t mbx_counter;
    int mbx_pending; /* a request waits for the master to empty the send mailbox */
    xn_sim_drive drive;
    int outputs_written; /* this frame wrote the outputs' sync manager */
    int unplugged;       /* it does not answer; frames pass it by */
    xn_sim_dc dc;
} xn_sim_esc;

/* sim_dc.c: the clock at power-on (drift and local time from the configuration) */
void xn_ecat_sim_dc_init(xn_sim_esc *e);
/* sim_dc.c: local and system time at true time t (ns) */
double xn_ecat_sim_dc_local(const xn_sim_esc *e, int64_t t);
int64_t xn_ecat_sim_dc_system(const xn_sim_esc *e, int64_t t);
/* sim_dc.c: before a read of [ado, ado + len): the system time and next SYNC0 registers as of
 * the slave's `now` */
void xn_ecat_sim_dc_refresh(xn_sim_esc *e, uint32_t ado, uint32_t len);
/* sim_dc.c: a write of [ado, ado + len) (data: what was written) carried out: the receive time
 * latch, a system time comparison, the loop's reset, SYNC0's activation */
void xn_ecat_sim_dc_write(xn_sim_esc *e, uint32_t ado, const uint8_t *data, uint32_t len);
/* sim_dc.c: 1 when a SYNC0 event is due at or before the slave's `now`: it is taken (the next
 * one is set) and its true time goes to *at */
int xn_ecat_sim_dc_sync0_due(xn_sim_esc *e, int64_t *at);
/* sim_dc.c: every SYNC0 event due at the slave's `now` passed over at once: how many */
long xn_ecat_sim_dc_sync0_skip(xn_sim_esc *e);
/* sim_dc.c: SYNC0's cycle (ns) */
int64_t xn_ecat_sim_dc_cycle(const xn_sim_esc *e);

/* sim_drive.c: after a frame: the drive takes fresh outputs (in OP), its motor moves by dt, the
 * inputs are written back; the sync manager watchdog drops a slave in OP whose outputs stopped
 * to SAFE-OP (0x001B) */
void xn_ecat_sim_drive_step(xn_sim_esc *e, int64_t now_ns, double dt);
/* sim_drive.c: slave e's outputs decoded for a plant, and a plant's inputs written */
void xn_ecat_sim_drive_outputs(const xn_sim_esc *e, xn_ecat_sim_outputs *out);
void xn_ecat_sim_drive_inputs(xn_sim_esc *e, const xn_ecat_sim_inputs *in);
/* sim_drive.c: the drive at power-on */
void xn_ecat_sim_drive_init(xn_sim_esc *e);

/* sim_coe.c: the object dictionary of a CiA 402 drive */
void xn_ecat_sim_od_init(xn_sim_esc *e);
/* sim_coe.c: a request the master wrote into the mailbox (SM0's area) answered into SM1's area;
 * SM1 is then full */
void xn_ecat_sim_mailbox(xn_sim_esc *e);
/* sim_coe.c: an emergency message in the send mailbox (when it is empty) */
void xn_ecat_sim_emergency_esc(xn_sim_esc *e, uint16_t code, uint8_t reg);
/* sim_coe.c: the process data sizes (bytes) the PDO assignment and mapping give */
int xn_ecat_sim_pdo_bytes(const xn_sim_esc *e, int outputs);
/* sim_coe.c: where object index:0 sits in the outputs (or inputs), bytes from the start, and its
 * length; -1 when it is not mapped */
int xn_ecat_sim_pdo_offset(const xn_sim_esc *e, int outputs, uint16_t index, int *bytes);
/* sim_coe.c: the same for index:sub */
int xn_ecat_sim_pdo_offset_sub(const xn_sim_esc *e, int outputs, uint16_t index, uint8_t sub,
                               int *bytes);
/* sim_coe.c: an object's value in the dictionary (for SDO reads of the drive's objects) */
void xn_ecat_sim_od_set(xn_sim_esc *e, uint16_t index, uint8_t sub, uint32_t value);

/* Slave s's EEPROM image into w (cap words): how many words it uses. */
int xn_ecat_sim_eeprom(const xn_ecat_sim_slave *s, uint16_t *w, int cap);

#endif
