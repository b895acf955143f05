/* SPDX-License-Identifier: GPL-2.0 */
/* What the KUnit suites of vuicc_kunit.ko share. */
#ifndef _VUICC_TEST_H
#define _VUICC_TEST_H

struct kunit;
struct vuicc_profile;

struct vuicc_profile *vuicc_test_profile(struct kunit *test);

#endif /* _VUICC_TEST_H */
