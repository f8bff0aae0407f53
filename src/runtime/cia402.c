/* CiA 402 power drive state machine (IEC 61800-7-201): statusword encoding and the transitions a
 * controlword causes. Bit patterns from the profile's tables; the transition numbers in the
 * comments are the profile's.
 * SPDX-License-Identifier: Apache-2.0 */
#include "xiaonao/hal.h"

/* statusword bits */
#define SW_READY 0x0001u
#define SW_SWITCHED_ON 0x0002u
#define SW_OP_ENABLED 0x0004u
#define SW_FAULT 0x0008u
#define SW_VOLTAGE 0x0010u
#define SW_QUICK_STOP 0x0020u /* active low: 0 while a quick stop is active */
#define SW_SOD 0x0040u

uint16_t xn_cia402_statusword(xn_cia402_state s) {
    switch (s) {
    case XN_CIA402_NOT_READY: return 0x0000u;
    case XN_CIA402_SWITCH_ON_DISABLED: return SW_SOD;
    case XN_CIA402_READY: return SW_QUICK_STOP | SW_VOLTAGE | SW_READY;
    case XN_CIA402_SWITCHED_ON: return SW_QUICK_STOP | SW_VOLTAGE | SW_SWITCHED_ON | SW_READY;
    case XN_CIA402_OPERATION_ENABLED:
        return SW_QUICK_STOP | SW_VOLTAGE | SW_OP_ENABLED | SW_SWITCHED_ON | SW_READY;
    case XN_CIA402_QUICK_STOP: return SW_VOLTAGE | SW_OP_ENABLED | SW_SWITCHED_ON | SW_READY;
    case XN_CIA402_FAULT_REACTION:
        return SW_VOLTAGE | SW_FAULT | SW_OP_ENABLED | SW_SWITCHED_ON | SW_READY;
    case XN_CIA402_FAULT: return SW_FAULT;
    }
    return 0;
}

xn_cia402_state xn_cia402_decode(uint16_t sw) {
    /* masks per the profile: x0xx 0000 and the like; bit 4 (voltage) is don't-care */
    switch (sw & 0x4Fu) {
    case 0x00u: return XN_CIA402_NOT_READY;
    case 0x40u: return XN_CIA402_SWITCH_ON_DISABLED;
    case 0x0Fu: return XN_CIA402_FAULT_REACTION;
    case 0x08u: return XN_CIA402_FAULT;
    default: break;
    }
    switch (sw & 0x6Fu) {
    case 0x21u: return XN_CIA402_READY;
    case 0x23u: return XN_CIA402_SWITCHED_ON;
    case 0x27u: return XN_CIA402_OPERATION_ENABLED;
    case 0x07u: return XN_CIA402_QUICK_STOP;
    default: break;
    }
    return XN_CIA402_NOT_READY;
}

/* The device control command a controlword carries. */
typedef enum {
    CMD_NONE,
    CMD_DISABLE_VOLTAGE,
    CMD_QUICK_STOP,
    CMD_SHUTDOWN,
    CMD_SWITCH_ON,
    CMD_ENABLE_OP
} command;

static command decode_command(uint16_t cw) {
    if (!(cw & 0x0002u)) return CMD_DISABLE_VOLTAGE; /* xxxx xx0x */
    if (!(cw & 0x0004u)) return CMD_QUICK_STOP;      /* xxxx x01x */
    if (!(cw & 0x0001u)) return CMD_SHUTDOWN;        /* xxxx x110 */
    if (!(cw & 0x0008u)) return CMD_SWITCH_ON;       /* xxxx 0111 (also "disable operation") */
    return CMD_ENABLE_OP;                            /* xxxx 1111 */
}

xn_cia402_state xn_cia402_next(xn_cia402_state s, uint16_t cw, uint16_t prev_cw) {
    int reset_edge = (cw & 0x0080u) && !(prev_cw & 0x0080u);
    if (s == XN_CIA402_FAULT) return reset_edge ? XN_CIA402_SWITCH_ON_DISABLED : s; /* 15 */
    if (cw & 0x0080u) return s; /* while fault reset is held, the other bits are ignored */
    command c = decode_command(cw);
    switch (s) {
    case XN_CIA402_SWITCH_ON_DISABLED: return c == CMD_SHUTDOWN ? XN_CIA402_READY : s; /* 2 */
    case XN_CIA402_READY:
        if (c == CMD_DISABLE_VOLTAGE || c == CMD_QUICK_STOP) return XN_CIA402_SWITCH_ON_DISABLED;
        if (c == CMD_SWITCH_ON) return XN_CIA402_SWITCHED_ON;       /* 3 */
        if (c == CMD_ENABLE_OP) return XN_CIA402_OPERATION_ENABLED; /* 3 + 4 */
        return s;
    case XN_CIA402_SWITCHED_ON:
        if (c == CMD_DISABLE_VOLTAGE || c == CMD_QUICK_STOP) return XN_CIA402_SWITCH_ON_DISABLED;
        if (c == CMD_SHUTDOWN) return XN_CIA402_READY;              /* 6 */
        if (c == CMD_ENABLE_OP) return XN_CIA402_OPERATION_ENABLED; /* 4 */
        return s;
    case XN_CIA402_OPERATION_ENABLED:
        if (c == CMD_DISABLE_VOLTAGE) return XN_CIA402_SWITCH_ON_DISABLED; /* 9 */
        if (c == CMD_QUICK_STOP) return XN_CIA402_QUICK_STOP;              /* 11 */
        if (c == CMD_SHUTDOWN) return XN_CIA402_READY;                     /* 8 */
        if (c == CMD_SWITCH_ON) return XN_CIA402_SWITCHED_ON;              /* 5 */
        return s;
    case XN_CIA402_QUICK_STOP:
        if (c == CMD_DISABLE_VOLTAGE) return XN_CIA402_SWITCH_ON_DISABLED; /* 12 */
        if (c == CMD_ENABLE_OP) return XN_CIA402_OPERATION_ENABLED;        /* 16 */
        return s;
    case XN_CIA402_NOT_READY:
    case XN_CIA402_FAULT_REACTION:
    case XN_CIA402_FAULT: return s; /* left only automatically (1, 14) or by a reset (15) */
    }
    return s;
}

uint16_t xn_cia402_enable_step(xn_cia402_state s, uint16_t prev_cw) {
    switch (s) {
    case XN_CIA402_FAULT: return (prev_cw & 0x0080u) ? 0x0000u : XN_CW_FAULT_RESET;
    case XN_CIA402_SWITCH_ON_DISABLED: return XN_CW_SHUTDOWN;
    case XN_CIA402_READY: return XN_CW_SWITCH_ON;
    case XN_CIA402_SWITCHED_ON:
    case XN_CIA402_OPERATION_ENABLED:
    case XN_CIA402_QUICK_STOP: return XN_CW_ENABLE_OPERATION;
    case XN_CIA402_NOT_READY:
    case XN_CIA402_FAULT_REACTION: return 0x0000u;
    }
    return 0x0000u;
}

const char *xn_cia402_state_str(xn_cia402_state s) {
    switch (s) {
    case XN_CIA402_NOT_READY: return "not ready to switch on";
    case XN_CIA402_SWITCH_ON_DISABLED: return "switch on disabled";
    case XN_CIA402_READY: return "ready to switch on";
    case XN_CIA402_SWITCHED_ON: return "switched on";
    case XN_CIA402_OPERATION_ENABLED: return "operation enabled";
    case XN_CIA402_QUICK_STOP: return "quick stop active";
    case XN_CIA402_FAULT_REACTION: return "fault reaction active";
    case XN_CIA402_FAULT: return "fault";
    }
    return "unknown";
}
