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
} xn_sim_esc;

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
/* sim_coe.c: an object's value in the dictionary (for SDO reads of the drive's objects) */
void xn_ecat_sim_od_set(xn_sim_esc *e, uint16_t index, uint32_t value);

/* Slave s's EEPROM image into w (cap words): how many words it uses. */
int xn_ecat_sim_eeprom(const xn_ecat_sim_slave *s, uint16_t *w, int cap);

#endif
