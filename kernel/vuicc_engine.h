/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The card engine: what a card answers to a command APDU.
 */
#ifndef _VUICC_ENGINE_H
#define _VUICC_ENGINE_H

#include <linux/types.h>

#include <uapi/linux/vuicc.h>

struct vuicc_apdu;
struct vuicc_card;

void vuicc_engine_atr(struct vuicc_card *card, struct vuicc_atr *atr);
void vuicc_engine_reset(struct vuicc_card *card);
size_t vuicc_engine_process(struct vuicc_card *card,
			    const struct vuicc_apdu *apdu, u8 *rsp);

#endif /* _VUICC_ENGINE_H */
