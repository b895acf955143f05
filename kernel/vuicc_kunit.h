/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbols that vuicc_kunit.ko tests.  They are exported into the
 * VUICC_KUNIT namespace only when the kernel has KUnit, so a production
 * kernel sees no extra exports.  (kunit/visibility.h does the same from
 * Linux 6.2 on; vuicc also builds on 6.1.)
 */
#ifndef _VUICC_KUNIT_H
#define _VUICC_KUNIT_H

#include <linux/build_bug.h>
#include <linux/export.h>

#if IS_ENABLED(CONFIG_KUNIT)
#define VUICC_EXPORT_FOR_KUNIT(sym)	EXPORT_SYMBOL_NS_GPL(sym, VUICC_KUNIT)
#else
/* nothing exported; a no-op that takes the statement's semicolon */
#define VUICC_EXPORT_FOR_KUNIT(sym)	static_assert(1, #sym)
#endif

#endif /* _VUICC_KUNIT_H */
