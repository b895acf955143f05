// SPDX-License-Identifier: GPL-2.0
/*
 * vuicc: virtual UICC devices.  This file only orders start-up and
 * shut-down.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>

#include "vuicc_card.h"
#include "vuicc_ldisc.h"
#include "vuicc_netlink.h"

static unsigned int cards = 1;
module_param(cards, uint, 0444);
MODULE_PARM_DESC(cards, "number of cards created at load, /dev/vuicc0.. (default 1, at most 64)");

static int __init vuicc_init(void)
{
	struct vuicc_card *card;
	unsigned int i;
	int ret;

	if (cards > VUICC_CARDS_MAX) {
		pr_err("cards=%u: at most %u\n", cards, VUICC_CARDS_MAX);
		return -EINVAL;
	}
	ret = vuicc_nl_init();
	if (ret)
		return ret;
	for (i = 0; i < cards; i++) {
		card = vuicc_card_create(i);
		if (IS_ERR(card)) {
			ret = PTR_ERR(card);
			pr_err("cannot create card %u: %pe\n", i, card);
			goto err_cards;
		}
		vuicc_card_put(card);
	}
	ret = vuicc_ldisc_init();
	if (ret) {
		pr_err("cannot register the T=0 line discipline %d: %pe\n",
		       VUICC_T0_LDISC, ERR_PTR(ret));
		goto err_cards;
	}
	pr_info("%u card(s)\n", cards);
	return 0;

err_cards:
	/* the family first: no card-new can run once the cards are gone */
	vuicc_nl_exit();
	vuicc_card_destroy_all();
	return ret;
}

static void __exit vuicc_exit(void)
{
	/* no tty holds the discipline: each would hold the module */
	vuicc_ldisc_exit();
	/*
	 * The family before the cards: unregistering it waits for the
	 * operations under way, so no card-new racing rmmod can create a card
	 * (and its misc device) after the cards are destroyed.
	 */
	vuicc_nl_exit();
	vuicc_card_destroy_all();
}

module_init(vuicc_init);
module_exit(vuicc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Virtual UICC (SIM card) devices");
MODULE_AUTHOR("vuicc developers");
