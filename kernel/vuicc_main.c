// SPDX-License-Identifier: GPL-2.0
/*
 * vuicc: virtual UICC devices.  This file only orders start-up and
 * shut-down.
 */

#include <linux/module.h>
#include <linux/moduleparam.h>

#include "vuicc_card.h"

static unsigned int cards = 1;
module_param(cards, uint, 0444);
MODULE_PARM_DESC(cards, "number of cards created at load, /dev/vuicc0.. (default 1, at most 64)");

static int __init vuicc_init(void)
{
	struct vuicc_card *card;
	unsigned int i;

	if (cards > VUICC_CARDS_MAX) {
		pr_err("cards=%u: at most %u\n", cards, VUICC_CARDS_MAX);
		return -EINVAL;
	}
	for (i = 0; i < cards; i++) {
		card = vuicc_card_create(i);
		if (IS_ERR(card)) {
			pr_err("cannot create card %u: %pe\n", i, card);
			vuicc_card_destroy_all();
			return PTR_ERR(card);
		}
	}
	pr_info("%u card(s)\n", cards);
	return 0;
}

static void __exit vuicc_exit(void)
{
	vuicc_card_destroy_all();
}

module_init(vuicc_init);
module_exit(vuicc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Virtual UICC (SIM card) devices");
MODULE_AUTHOR("vuicc developers");
