/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels vuicc supports (6.1 and 6.12 LTS),
 * kept in one place.
 */
#ifndef _VUICC_COMPAT_H
#define _VUICC_COMPAT_H

/* Linux 6.12 moved asm/unaligned.h to linux/unaligned.h. */
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#endif /* _VUICC_COMPAT_H */
