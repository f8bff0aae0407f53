/* The master's state, shared by its files (not installed).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ECAT_MASTER_INTERNAL_H
#define XN_ECAT_MASTER_INTERNAL_H

#include <time.h>

#include "fieldbus/ethercat/frame.h"
#include "xiaonao/ethercat.h"

/* the monotonic clock (ns): deadlines of frames, mailboxes and state changes */
static inline int64_t xn_ecat_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#define XN_ECAT_TIMEOUT_NS 20000000 /* a frame's answer: 20 ms (a segment answers in us) */
#define XN_ECAT_TRIES 3

/* One slave's process data (pdo.c). */
typedef struct {
    int configured;
    xn_ecat_pdo_map map;
    uint16_t out_bytes, in_bytes;
    uint32_t out_at, in_at; /* where its areas start in the image */
} xn_ecat_pd_slave;

#define XN_ECAT_LOGICAL_BASE 0x00010000u /* the process image's logical address */

/* One of a cycle's process data frames: an LRW of part of the image (the first frame also
 * carries every slave's AL status read and the clocks' datagrams). */
#define XN_ECAT_PD_FRAMES 4
typedef struct {
    uint32_t at, len; /* the part of the image its LRW carries (bytes) */
    int expected_wkc; /* 2 for each slave whose outputs it touches, 1 for its inputs */
    int ndatagram;    /* the datagrams it carries */
    uint8_t idx;      /* this cycle's index */
    int answered;
    xn_ecat_frame tx;
} xn_ecat_pd_frame;

struct xn_ecat_master {
    xn_ecat_transport *t;
    uint8_t next_idx;
    int nslave;
    xn_ecat_slave slave[XN_ECAT_MAX_SLAVES];
    xn_ecat_stats stats;
    xn_ecat_frame tx;
    uint8_t rx[XN_ECAT_FRAME_MAX];
    xn_ecat_datagram dg[XN_ECAT_MAX_DATAGRAMS];
    /* CoE (coe.c) */
    uint8_t mbx_counter[XN_ECAT_MAX_SLAVES];
    uint32_t last_abort;
    xn_ecat_emergency emcy[XN_ECAT_EMERGENCIES]; /* a ring: the newest replace the oldest */
    int emcy_head, emcy_count;
    long emcy_lost;
    /* process data (pdo.c) */
    xn_ecat_pd_slave pd[XN_ECAT_MAX_SLAVES];
    uint8_t image[XN_ECAT_IMAGE_MAX];
    uint32_t image_out, image_in;                 /* bytes of outputs, of inputs */
    int expected_wkc, pd_ready, pd_op;            /* pd_op: every slave should be in OP */
    uint8_t pd_seen[XN_ECAT_MAX_SLAVES];          /* the last exchange: the slave answered */
    uint16_t pd_al[XN_ECAT_MAX_SLAVES];           /* and its AL status */
    xn_ecat_pd_frame pd_frame[XN_ECAT_PD_FRAMES]; /* a cycle's frames, all in flight at once */
    int pd_nframe;
    uint8_t pd_idx;
    /* process data kept flowing during acyclic work (a recovery, SDOs in OP): an exchange goes
     * out first when the last is keep_ns old (0: never), so that drives on SYNC0 and sync
     * manager watchdogs are not starved */
    int64_t keep_ns, pd_last_ns;
    /* distributed clocks (dc.c) */
    xn_ecat_dc_status dc;
    int dc_next;        /* the slave whose difference the next frame reads */
    int dc_locked;      /* xn_ecat_dc_lock has taken the phase once */
    double dc_integral; /* its integral of the phase (ns) */
    long dc_lock_frame; /* the frame it last acted on */
};

/* dc.c: the datagrams a process data frame carries for distributed clocks (appended after the
 * others), and what their answers say (dg: the first of them in the answer) */
void xn_ecat_dc_frame(xn_ecat_master *m, xn_ecat_frame *f, uint8_t idx);
void xn_ecat_dc_answer(xn_ecat_master *m, const xn_ecat_datagram *dg);
#define XN_ECAT_DC_DATAGRAMS 2
#define XN_ECAT_DC_FRAME_BYTES (12 + 8 + 2 + 12 + 4 + 2)
/* dc.c: slave i's clock set again after it lost power (offset from the reference, its delay as
 * measured, the loop reset, SYNC0 on the running grid) */
xn_status xn_ecat_dc_rejoin(xn_ecat_master *m, int i, xn_error *err);

/* The next well-formed frame that arrives by the deadline, parsed into m->dg: how many datagrams
 * it has, 0 on timeout, -1 on the transport's error (malformed frames counted and passed over). */
int xn_ecat_receive(xn_ecat_master *m, int64_t deadline);

/* One datagram out and its answer back (retried XN_ECAT_TRIES times): the answer's data into
 * data (len bytes, in place), its working counter into *wkc. XN_ERR_TIMEOUT without an answer,
 * XN_ERR_IO when the transport fails; `what` names it in err. */
xn_status xn_ecat_exchange(xn_ecat_master *m, xn_ecat_cmd cmd, uint32_t address, uint8_t *data,
                           uint16_t len, uint16_t *wkc, const char *what, xn_error *err);

/* state.c: slave s's mailbox sync managers (the EEPROM's category, else its standard mailbox) */
void xn_ecat_mailbox_layout(const xn_ecat_slave *s, xn_ecat_sm *out, xn_ecat_sm *in);

/* pdo.c: slave i's process data sync managers and FMMUs onto its place in the image */
xn_status xn_ecat_pd_sync(xn_ecat_master *m, int i, xn_error *err);

/* sii.c: slave i's identity, mailbox, sync managers and name from its EEPROM */
xn_status xn_ecat_sii_scan(xn_ecat_master *m, int i, xn_error *err);

#endif
