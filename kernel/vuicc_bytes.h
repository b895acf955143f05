/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Big-endian fields of APDUs and files.  (The kernel's unaligned helpers
 * moved header between 6.1 and 6.12; these three lines serve both.)
 */
#ifndef _VUICC_BYTES_H
#define _VUICC_BYTES_H

#include <linux/types.h>

static inline u16 vuicc_get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static inline void vuicc_put_be16(u16 v, u8 *p)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

#endif /* _VUICC_BYTES_H */
