/* What the MCU images ask of the board (mcu/qemu/startup.c): a free-running count of processor
 * clocks from the SysTick, and its conversion to instructions. Under QEMU's -icount shift=0 the
 * emulated clock advances one nanosecond per instruction executed, so a count of processor
 * clocks is a count of instructions times a constant, measured here by a loop of known length.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_MCU_BOARD_H
#define XN_MCU_BOARD_H

#include <stdint.h>

/* Start the SysTick: processor clock, full 24-bit reload, an interrupt on each wrap (counted by
 * startup.c). */
void xn_board_ticks_start(void);
/* Processor clocks since the start (64 bits, wraps included). */
uint64_t xn_board_ticks(void);
/* Instructions per tick, from a loop of exactly 2 instructions per turn. */
double xn_board_instructions_per_tick(void);

#endif
