/* The virtual segment's parts (sim.h is its interface). Not installed.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_ECAT_SIM_INTERNAL_H
#define XN_ECAT_SIM_INTERNAL_H

#include "fieldbus/ethercat/sim.h"

#define XN_SIM_EEPROM_WORDS 1024 /* 16 Kbit */

/* Slave s's EEPROM image into w (cap words): how many words it uses. */
int xn_ecat_sim_eeprom(const xn_ecat_sim_slave *s, uint16_t *w, int cap);

#endif
