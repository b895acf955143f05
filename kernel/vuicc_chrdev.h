/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/vuiccN, the modem-side character device of a card.
 */
#ifndef _VUICC_CHRDEV_H
#define _VUICC_CHRDEV_H

struct vuicc_card;

int vuicc_chrdev_register(struct vuicc_card *card);
void vuicc_chrdev_unregister(struct vuicc_card *card);

#endif /* _VUICC_CHRDEV_H */
