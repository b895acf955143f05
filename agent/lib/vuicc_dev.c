// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vuicc_dev.h"

void vuicc_dev_path(unsigned int card, char *path, size_t len)
{
	snprintf(path, len, "/dev/vuicc%u", card);
}

int vuicc_dev_open(unsigned int card, int flags)
{
	char path[VUICC_DEV_PATH_MAX];
	int fd;

	vuicc_dev_path(card, path, sizeof(path));
	fd = open(path, O_RDWR | O_CLOEXEC | flags);
	return fd < 0 ? -errno : fd;
}

int vuicc_dev_power_on(int fd, struct vuicc_atr *atr)
{
	return ioctl(fd, VUICC_IOC_POWER_ON, atr) ? -errno : 0;
}

int vuicc_dev_power_off(int fd)
{
	return ioctl(fd, VUICC_IOC_POWER_OFF) ? -errno : 0;
}

int vuicc_dev_reset(int fd, uint32_t flags, struct vuicc_atr *atr)
{
	struct vuicc_reset r;

	memset(&r, 0, sizeof(r));
	r.flags = flags;
	if (ioctl(fd, VUICC_IOC_RESET, &r))
		return -errno;
	*atr = r.atr;
	return 0;
}

int vuicc_dev_status(int fd, struct vuicc_status *st)
{
	return ioctl(fd, VUICC_IOC_GET_STATUS, st) ? -errno : 0;
}

long vuicc_dev_transmit(int fd, const uint8_t *capdu, size_t len,
			uint8_t *rsp, size_t max)
{
	ssize_t n;

	do {
		n = write(fd, capdu, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	do {
		n = read(fd, rsp, max);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n < 2)
		return -EIO;
	return n;
}

/*
 * GET RESPONSE goes on the command's logical channel (TS 102 221 §10.1.1):
 * CLA '0X' for channels 0-3, '4X' for 4-19, 'A0' for a GSM (TS 51.011) class.
 */
static uint8_t vuicc_get_response_cla(uint8_t cla)
{
	if (cla == 0xA0)
		return 0xA0;
	if (cla & 0x40)
		return 0x40 | (cla & 0x0F);
	return cla & 0x03;
}

long vuicc_dev_transmit_t0(int fd, const uint8_t *capdu, size_t len,
			   uint8_t *rsp, size_t max)
{
	uint8_t cmd[5 + 255];
	uint8_t sw1, sw2;
	long n;
	int round;

	n = vuicc_dev_transmit(fd, capdu, len, rsp, max);
	for (round = 0; n >= 2 && round < 8; round++) {
		sw1 = rsp[n - 2];
		sw2 = rsp[n - 1];
		if (sw1 == 0x6C && len >= 4 && len <= sizeof(cmd) - 1) {
			/* wrong Le: repeat the command with Le = SW2 */
			memcpy(cmd, capdu, len);
			if (len == 4)
				cmd[len++] = sw2;
			else
				cmd[len - 1] = sw2;
			capdu = cmd;
			n = vuicc_dev_transmit(fd, cmd, len, rsp, max);
		} else if (sw1 == 0x61 || (sw1 == 0x9F && capdu[0] == 0xA0)) {
			/* response data available: GET RESPONSE */
			cmd[0] = vuicc_get_response_cla(capdu[0]);
			cmd[1] = 0xC0;
			cmd[2] = 0x00;
			cmd[3] = 0x00;
			cmd[4] = sw2;
			capdu = cmd;
			len = 5;
			n = vuicc_dev_transmit(fd, cmd, len, rsp, max);
		} else {
			break;
		}
	}
	return n;
}
