/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Byte-order helpers for APDUs, files and Keccak lanes.  (The kernel's
 * unaligned helpers moved header between 6.1 and 6.12; these serve both.)
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

static inline u64 vuicc_get_le64(const u8 *p)
{
	u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline void vuicc_put_le64(u64 v, u8 *p)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = v & 0xff;
}

/* SQN: 48 bits, big-endian */
static inline u64 vuicc_get_be48(const u8 *p)
{
	return (u64)vuicc_get_be16(p) << 32 | (u64)vuicc_get_be16(p + 2) << 16 |
	       vuicc_get_be16(p + 4);
}

static inline void vuicc_put_be48(u64 v, u8 *p)
{
	vuicc_put_be16(v >> 32, p);
	vuicc_put_be16(v >> 16, p + 2);
	vuicc_put_be16(v, p + 4);
}

#endif /* _VUICC_BYTES_H */
