/* Reset for QEMU's MPS2 boards: the vector table, the FPU switched on, .bss cleared, newlib's
 * semihosting set up (printf reaches QEMU's standard output), then main; its return value ends
 * the emulation (semihosting SYS_EXIT). A fault prints its name and stops. The one file of the
 * MCU images that knows the board. SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"

extern int main(void);
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);
extern char __bss_start__[], __bss_end__[], __stack_top[];

void xn_reset(void);
/* newlib's __libc_init_array and __libc_fini_array call these; the C runtime's crti/crtn that
 * define them are left out with -nostartfiles, and nothing here needs them */
void _init(void);
void _fini(void);
void _init(void) {}
void _fini(void) {}

static void fault(const char *what) {
    printf("mcu: %s\n", what);
    exit(3);
}
static void hard_fault(void) { fault("hard fault"); }
static void mem_fault(void) { fault("memory management fault"); }
static void bus_fault(void) { fault("bus fault"); }
static void usage_fault(void) { fault("usage fault (an FPU instruction with the FPU off?)"); }
static void unused(void) { fault("unexpected exception"); }

/* The SysTick counts down at the processor clock; its wraps are counted here (board.h). */
static volatile uint32_t systick_wraps;
static void systick(void) { systick_wraps++; }

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

void xn_board_ticks_start(void) {
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* enabled, interrupt on wrap, processor clock */
}

uint64_t xn_board_ticks(void) {
    uint32_t w, c;
    do { /* a wrap between the two reads is seen as a changed count: read again */
        w = systick_wraps;
        c = SYST_CVR;
    } while (w != systick_wraps);
    return ((uint64_t)w << 24) + (0xFFFFFFu - c);
}

double xn_board_instructions_per_tick(void) {
    uint32_t n = 1000000;
    uint64_t t0 = xn_board_ticks();
    __asm__ volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
    return 2e6 / (double)(xn_board_ticks() - t0);
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)__stack_top,
    xn_reset,
    unused,      /* NMI */
    hard_fault,  /* HardFault */
    mem_fault,   /* MemManage */
    bus_fault,   /* BusFault */
    usage_fault, /* UsageFault */
    0,
    0,
    0,
    0,       /* reserved */
    unused,  /* SVCall */
    unused,  /* DebugMon */
    0,       /* reserved */
    unused,  /* PendSV */
    systick, /* SysTick */
};

void xn_reset(void) {
    volatile uint32_t *cpacr = (volatile uint32_t *)0xE000ED88u;
    *cpacr |= 0xFu << 20; /* CP10 and CP11: full access to the FPU */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    volatile uint32_t *shcsr = (volatile uint32_t *)0xE000ED24u;
    *shcsr |= 7u << 16; /* the memory, bus and usage faults by name, not as a hard fault */
    memset(__bss_start__, 0, (size_t)(__bss_end__ - __bss_start__));
    initialise_monitor_handles();
    __libc_init_array();
    exit(main());
}
