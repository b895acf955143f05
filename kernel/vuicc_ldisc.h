/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The T=0 line discipline (VUICC_T0_LDISC): a card on a UART.
 */
#ifndef _VUICC_LDISC_H
#define _VUICC_LDISC_H

int vuicc_ldisc_init(void);
void vuicc_ldisc_exit(void);

#endif /* _VUICC_LDISC_H */
