/* xn identify's parts. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_IDENTIFY_H
#define XN_IDENTIFY_H

/* xn identify excite MODEL --out PROGRAM ... (argv[0] is "excite") */
int xn_identify_excite(int argc, char **argv);

#endif
