/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and unloading vuicc.ko from a kselftest without a shell: the
 * finit_module and delete_module system calls that insmod and rmmod make.
 * The 32-bit big-endian guest (tools/testing/vm/run-ppc32) has no shell.
 */
#ifndef VUICC_MODLOAD_H
#define VUICC_MODLOAD_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

/* insmod DIR/vuicc.ko PARAMS: 0, or -1 with errno set */
static inline int vuicc_insmod(const char *dir, const char *params)
{
	char path[512];
	int fd, rc, err;

	if (!dir) {
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/vuicc.ko", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = (int)syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	errno = err;
	return rc ? -1 : 0;
}

/* rmmod vuicc: 0, or -1 with errno set (EBUSY/EWOULDBLOCK while in use) */
static inline int vuicc_rmmod(void)
{
	return syscall(SYS_delete_module, "vuicc", O_NONBLOCK) ? -1 : 0;
}

#endif /* VUICC_MODLOAD_H */
