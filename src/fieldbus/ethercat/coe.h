/* The mailbox and CANopen over EtherCAT (ETG.1000.6, SDOs as CiA 301 defines them), as the
 * master and the virtual segment both use them. Not installed.
 *
 *   mailbox header  length of what follows (2), address (2), channel and priority (1),
 *                   type (bits 0-3: 3 CoE) and counter (bits 4-6) (1)
 *   CoE header      number (bits 0-8), service (bits 12-15: 1 emergency, 2 SDO request,
 *                   3 SDO response) (2)
 *   SDO             command (1), index (2), subindex (1), data or size (4), more data
 *
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ECAT_COE_H
#define XN_ECAT_COE_H

#define XN_MBX_HEADER 6
#define XN_MBX_TYPE_COE 3
#define XN_COE_HEADER 2
#define XN_COE_EMERGENCY 1
#define XN_COE_SDO_REQUEST 2
#define XN_COE_SDO_RESPONSE 3
#define XN_SDO_HEADER 8 /* command, index, subindex, 4 bytes: the smallest SDO */
/* bytes of a mailbox before an initiate's data: mailbox, CoE and SDO headers */
#define XN_SDO_DATA_AT (XN_MBX_HEADER + XN_COE_HEADER + XN_SDO_HEADER)
/* before a segment's data: the command byte only */
#define XN_SDO_SEG_AT (XN_MBX_HEADER + XN_COE_HEADER + 1)

/* SDO commands (the top three bits: the client's or server's command specifier) */
#define XN_SDO_DOWNLOAD_INIT 0x20 /* client: initiate download; bit 1 expedited, 0 size given */
#define XN_SDO_DOWNLOAD_SEG 0x00  /* client: a segment; bit 4 toggle, bit 0 the last */
#define XN_SDO_UPLOAD_INIT 0x40   /* client: initiate upload */
#define XN_SDO_UPLOAD_SEG 0x60    /* client: the next segment; bit 4 toggle */
#define XN_SDO_ABORT 0x80
#define XN_SDO_R_UPLOAD_SEG 0x00    /* server: a segment; bit 4 toggle, bits 1-3 unused, 0 last */
#define XN_SDO_R_DOWNLOAD_SEG 0x20  /* server: segment taken; bit 4 toggle */
#define XN_SDO_R_UPLOAD_INIT 0x40   /* server: initiate upload; bit 1 expedited, 0 size given */
#define XN_SDO_R_DOWNLOAD_INIT 0x60 /* server: download initiated */
#define XN_SDO_EXPEDITED 0x02
#define XN_SDO_SIZE 0x01
#define XN_SDO_TOGGLE 0x10
#define XN_SDO_LAST 0x01

/* a sync manager's status byte (offset 5): the mailbox is full */
#define XN_SM_STATUS_FULL 0x08

#endif
