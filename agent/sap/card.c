// SPDX-License-Identifier: GPL-2.0
/*
 * vuicc-sap: the card behind the SAP server, /dev/vuiccN.
 *
 * APDUs pass through as on the card's contacts (TS 102 221 §7.3, T=0 at
 * APDU level): the client sees '61xx' / '9Fxx' and fetches the data with GET
 * RESPONSE, as a modem does with a card in its slot.  SAP V11r00 §4.6 leaves
 * that exchange to the client, which speaks to the card through the server.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/vuicc_dev.h"
#include "sapd.h"

int sapd_card_open(struct sapd_card *c, unsigned int num)
{
	int fd = vuicc_dev_open(num, 0);

	memset(c, 0, sizeof(*c));
	c->num = num;
	c->fd = -1;
	if (fd < 0)
		return fd;
	c->fd = fd;
	return 0;
}

void sapd_card_close(struct sapd_card *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* errno of a /dev/vuiccN call -> what the client is told */
static int card_result(struct sapd_card *c, int err)
{
	c->card_errors++;
	switch (err) {
	case -ENXIO:
		return SAP_R_POWERED_OFF;
	case -ENODEV:
		return SAP_R_REMOVED;
	default:
		return SAP_R_NOT_ACCESSIBLE;
	}
}

static bool card_present(void *ctx)
{
	struct sapd_card *c = ctx;
	struct vuicc_status st;

	if (vuicc_dev_status(c->fd, &st))
		return false;
	return st.flags & VUICC_STATUS_PROFILE;
}

static int card_atr(struct sapd_card *c, const struct vuicc_atr *atr,
		    uint8_t *out, size_t *len)
{
	if (atr->len < 2 || atr->len > VUICC_ATR_MAX || atr->len > *len)
		return card_result(c, -EIO);
	memcpy(out, atr->bytes, atr->len);
	*len = atr->len;
	return SAP_R_OK;
}

static int card_power_on(void *ctx, uint8_t *atr, size_t *atr_len)
{
	struct sapd_card *c = ctx;
	struct vuicc_atr a;
	int err;

	if (!card_present(c))
		return SAP_R_REMOVED;
	err = vuicc_dev_power_on(c->fd, &a);
	if (err)
		return card_result(c, err);
	return card_atr(c, &a, atr, atr_len);
}

static int card_power_off(void *ctx)
{
	struct sapd_card *c = ctx;
	int err = vuicc_dev_power_off(c->fd);

	return err ? card_result(c, err) : SAP_R_OK;
}

static int card_reset(void *ctx, uint8_t *atr, size_t *atr_len)
{
	struct sapd_card *c = ctx;
	struct vuicc_atr a;
	int err;

	if (!card_present(c))
		return SAP_R_REMOVED;
	err = vuicc_dev_reset(c->fd, VUICC_RESET_WARM, &a);
	if (err == -ENXIO)	/* off: a reset powers it, as SAP §5.1.14 allows */
		err = vuicc_dev_reset(c->fd, VUICC_RESET_COLD, &a);
	if (err)
		return card_result(c, err);
	return card_atr(c, &a, atr, atr_len);
}

static int card_apdu(void *ctx, const uint8_t *cmd, size_t len,
		     uint8_t *rsp, size_t rsp_max, size_t *rsp_len)
{
	struct sapd_card *c = ctx;
	long n = vuicc_dev_transmit(c->fd, cmd, len, rsp, rsp_max);

	if (n == -EINVAL) {	/* not a well-formed APDU: the card's answer */
		if (rsp_max < 2)
			return SAP_R_ERROR;
		rsp[0] = 0x67;	/* wrong length (TS 102 221 §10.2.1.3) */
		rsp[1] = 0x00;
		*rsp_len = 2;
		return SAP_R_OK;
	}
	if (n < 0)
		return card_result(c, (int)n);
	*rsp_len = (size_t)n;
	return SAP_R_OK;
}

const struct sap_card_ops sapd_card_ops = {
	.power_on = card_power_on,
	.power_off = card_power_off,
	.reset = card_reset,
	.apdu = card_apdu,
	.present = card_present,
};

int sapd_card_events(struct sapd_card *c, enum sap_status_change *out)
{
	__u32 ev = 0;
	int n = 0;

	if (ioctl(c->fd, VUICC_IOC_GET_EVENTS, &ev)) {
		c->card_errors++;
		return 0;
	}
	/* a profile switch raises both: removed, then inserted */
	if (ev & VUICC_EVENT_REMOVED)
		out[n++] = SAP_ST_CARD_REMOVED;
	if (ev & VUICC_EVENT_INSERTED)
		out[n++] = SAP_ST_CARD_INSERTED;
	return n;
}
