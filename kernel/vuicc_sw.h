/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Status words, ISO/IEC 7816-4 §5.6 and ETSI TS 102 221 §10.2.1.
 */
#ifndef _VUICC_SW_H
#define _VUICC_SW_H

#define VUICC_SW_OK			0x9000
#define VUICC_SW_INS_NOT_SUPPORTED	0x6D00
#define VUICC_SW_CLA_NOT_SUPPORTED	0x6E00
#define VUICC_SW_WRONG_LENGTH		0x6700
#define VUICC_SW_TECHNICAL_PROBLEM	0x6F00

#endif /* _VUICC_SW_H */
