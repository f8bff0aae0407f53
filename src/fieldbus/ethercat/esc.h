/* The EtherCAT slave controller's registers and its EEPROM's layout, as the master and the
 * virtual segment both use them (ETG.1000.4 table 31, ETG.2010 for the SII). Not installed.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ECAT_ESC_H
#define XN_ECAT_ESC_H

/* registers (byte offsets in the ESC's address space) */
#define XN_ESC_TYPE 0x0000
#define XN_ESC_REVISION 0x0001
#define XN_ESC_BUILD 0x0002
#define XN_ESC_FMMUS 0x0004        /* FMMUs supported */
#define XN_ESC_SYNCMANAGERS 0x0005 /* sync managers supported */
#define XN_ESC_RAM_SIZE 0x0006     /* process RAM, KB */
#define XN_ESC_PORTS 0x0007
#define XN_ESC_FEATURES 0x0008
#define XN_ESC_STATION 0x0010 /* configured station address, 16 bits */
#define XN_ESC_ALIAS 0x0012
#define XN_ESC_DL_CONTROL 0x0100
#define XN_ESC_DL_STATUS 0x0110
#define XN_ESC_AL_CONTROL 0x0120 /* bits 0-3 requested state, bit 4 error acknowledge */
#define XN_ESC_AL_STATUS 0x0130  /* bits 0-3 state, bit 4 error */
#define XN_ESC_AL_CODE 0x0134    /* why the last transition failed (xn_ecat_al_code_str) */
#define XN_ESC_WD_DIVIDER 0x0400
#define XN_ESC_WD_SM 0x0420 /* the process data watchdog's time, in divider ticks */
#define XN_ESC_SII_CONFIG 0x0500
#define XN_ESC_SII_CONTROL 0x0502 /* the EEPROM interface: command and status bits below */
#define XN_ESC_SII_ADDRESS 0x0504 /* word address */
#define XN_ESC_SII_DATA 0x0508    /* 4 bytes read (8 when XN_SII_READ8 is set) */
#define XN_ESC_FMMU(i) (0x0600 + 16 * (i))
#define XN_ESC_SM(i) (0x0800 + 8 * (i))
/* distributed clocks: a write to XN_ESC_DC_RECEIVE(0) latches, in every slave it passes, the
 * local time at which the frame arrived on each port (32 bits each) and at the processing unit
 * (64 bits); system time = local time + offset; a write of the system time is compared with the
 * slave's own (+ its delay) and drives its time control loop, which reports the difference */
#define XN_ESC_DC_RECEIVE(p) (0x0900 + 4 * (p)) /* a frame's arrival on port p, 32 bits */
#define XN_ESC_DC_SYSTEM_TIME 0x0910            /* 64 bits; a write is a comparison */
#define XN_ESC_DC_RECEIVE_EPU 0x0918            /* the latched arrival at the processing unit */
#define XN_ESC_DC_OFFSET 0x0920                 /* 64 bits */
#define XN_ESC_DC_DELAY 0x0928                  /* from the reference clock, 32 bits */
#define XN_ESC_DC_DIFF 0x092C /* the last comparison: bits 0-30 |difference|, bit 31 behind */
#define XN_ESC_DC_SPEED_START 0x0930 /* a write resets the time control loop */
#define XN_ESC_DC_ACTIVATION 0x0981  /* bit 0 cyclic operation, bit 1 SYNC0 */
#define XN_ESC_DC_SYNC0_STATUS 0x098E
#define XN_ESC_DC_START 0x0990   /* 64 bits: the first SYNC0 (system time); reads the next one */
#define XN_ESC_DC_CYCLE0 0x09A0  /* SYNC0's cycle (ns) */
#define XN_ESC_FEATURE_DC 0x0004 /* XN_ESC_FEATURES: the slave has a distributed clock */
#define XN_ESC_RAM 0x1000        /* process RAM: mailboxes and process data */
#define XN_ESC_SPACE 0x10000

/* 0x0502: the EEPROM interface */
#define XN_SII_READ8 0x0040 /* reads give 8 bytes */
#define XN_SII_CMD_READ 0x0100
#define XN_SII_ERR_CHECKSUM 0x0800
#define XN_SII_ERR_COMMAND 0x2000
#define XN_SII_BUSY 0x8000

/* a sync manager's 8 bytes: start (2), length (2), control (1), status (1), activate (1), PDI
 * control (1); control bits 0-1 the mode (0 buffered, 2 mailbox), bits 2-3 the direction (0
 * the master reads, 1 the master writes) */
#define XN_SM_MODE_MAILBOX 0x02
#define XN_SM_DIR_WRITE 0x04
#define XN_SM_CTRL_MBX_OUT 0x26 /* SM0: mailbox, the master writes, interrupts on */
#define XN_SM_CTRL_MBX_IN 0x22  /* SM1: mailbox, the master reads */
#define XN_SM_CTRL_OUTPUTS 0x64 /* SM2: buffered, the master writes, watchdog on */
#define XN_SM_CTRL_INPUTS 0x20  /* SM3: buffered, the master reads */

/* AL states */
#define XN_AL_INIT 0x01
#define XN_AL_PREOP 0x02
#define XN_AL_BOOT 0x03
#define XN_AL_SAFEOP 0x04
#define XN_AL_OP 0x08
#define XN_AL_ERROR 0x10 /* status: the last request failed; control: acknowledge it */

/* SII (EEPROM) word addresses */
#define XN_SII_VENDOR 0x0008
#define XN_SII_PRODUCT 0x000A
#define XN_SII_REVISION 0x000C
#define XN_SII_SERIAL 0x000E
#define XN_SII_RX_MBX_OFFSET 0x0018 /* the standard mailbox: master to slave */
#define XN_SII_RX_MBX_SIZE 0x0019
#define XN_SII_TX_MBX_OFFSET 0x001A /* slave to master */
#define XN_SII_TX_MBX_SIZE 0x001B
#define XN_SII_MBX_PROTOCOLS 0x001C /* bit 2: CoE */
#define XN_SII_SIZE 0x003E          /* (KiBit + 1) */
#define XN_SII_VERSION 0x003F
#define XN_SII_CATEGORIES 0x0040 /* categories from here: type, size in words, data */

/* SII categories */
#define XN_SII_CAT_STRINGS 10
#define XN_SII_CAT_GENERAL 30
#define XN_SII_CAT_FMMU 40
#define XN_SII_CAT_SYNCM 41
#define XN_SII_CAT_TXPDO 50
#define XN_SII_CAT_RXPDO 51
#define XN_SII_CAT_DC 60
#define XN_SII_CAT_END 0xFFFF

#define XN_MBX_COE 0x0004 /* XN_SII_MBX_PROTOCOLS: CANopen over EtherCAT */

#endif
