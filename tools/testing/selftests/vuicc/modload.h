/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and unloading vuicc's modules without a shell: the finit_module
 * and delete_module system calls that insmod and rmmod make.  The 32-bit
 * big-endian guest (tools/testing/vm/run-ppc32) has no shell; its /init
 * (tools/testing/vm/init-static.c) and the kselftests use these.
 */
#ifndef VUICC_MODLOAD_H
#define VUICC_MODLOAD_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

/* insmod DIR/NAME.ko PARAMS: 0, or -1 with errno set */
static inline int vuicc_insmod(const char *dir, const char *name, const char *params)
{
	char path[512];
	int fd, rc, err;

	if (!dir) {
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.ko", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = (int)syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	errno = err;
	return rc ? -1 : 0;
}

/* rmmod NAME: 0, or -1 with errno set (EBUSY/EWOULDBLOCK while in use) */
static inline int vuicc_rmmod(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -1 : 0;
}

#endif /* VUICC_MODLOAD_H */
