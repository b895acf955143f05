// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the checks of profile names, ICCID/IMSI digits, PIN encodings and
 * file paths that profile-add applies.
 */

#include <kunit/test.h>

#include "../vuicc_profile.h"

static void vuicc_profile_name_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, vuicc_profile_name_valid("seed-1"));
	KUNIT_EXPECT_TRUE(test, vuicc_profile_name_valid("Seed_2.test"));
	KUNIT_EXPECT_TRUE(test, vuicc_profile_name_valid("a"));
	KUNIT_EXPECT_TRUE(test, vuicc_profile_name_valid("abcdefghijklmnopqrstuvwxyz01234"));
	KUNIT_EXPECT_FALSE(test, vuicc_profile_name_valid(""));
	KUNIT_EXPECT_FALSE(test, vuicc_profile_name_valid("abcdefghijklmnopqrstuvwxyz012345"));
	KUNIT_EXPECT_FALSE(test, vuicc_profile_name_valid("a b"));
	KUNIT_EXPECT_FALSE(test, vuicc_profile_name_valid("../x"));
	KUNIT_EXPECT_FALSE(test, vuicc_profile_name_valid("x\n"));
}

static void vuicc_digits_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, vuicc_digits_valid("001010123456789", 6, 15));
	KUNIT_EXPECT_TRUE(test, vuicc_digits_valid("001010", 6, 15));
	KUNIT_EXPECT_FALSE(test, vuicc_digits_valid("00101", 6, 15));
	KUNIT_EXPECT_FALSE(test, vuicc_digits_valid("0010101234567890", 6, 15));
	KUNIT_EXPECT_FALSE(test, vuicc_digits_valid("00101012345678F", 6, 15));
	KUNIT_EXPECT_FALSE(test, vuicc_digits_valid("", 0 + 1, 15));
	KUNIT_EXPECT_TRUE(test, vuicc_digits_valid("", 0, 15));
}

static void vuicc_pin_encode_test(struct kunit *test)
{
	u8 out[VUICC_PIN_LEN];

	KUNIT_ASSERT_EQ(test, vuicc_pin_encode("1234", VUICC_PIN1, out), 0);
	KUNIT_EXPECT_MEMEQ(test, out, "1234\xff\xff\xff\xff", VUICC_PIN_LEN);
	KUNIT_ASSERT_EQ(test, vuicc_pin_encode("12345678", VUICC_PIN2, out), 0);
	KUNIT_EXPECT_MEMEQ(test, out, "12345678", VUICC_PIN_LEN);
	KUNIT_EXPECT_EQ(test, vuicc_pin_encode("123", VUICC_PIN1, out), -EINVAL);
	KUNIT_EXPECT_EQ(test, vuicc_pin_encode("123456789", VUICC_PIN1, out), -EINVAL);
	KUNIT_EXPECT_EQ(test, vuicc_pin_encode("12a4", VUICC_PIN1, out), -EINVAL);
	KUNIT_EXPECT_EQ(test, vuicc_pin_encode("1234567", VUICC_PUK1, out), -EINVAL);
	KUNIT_ASSERT_EQ(test, vuicc_pin_encode("87654321", VUICC_PUK1, out), 0);
	KUNIT_ASSERT_EQ(test, vuicc_pin_encode("0123456789abcdef", VUICC_ADM1, out), 0);
	KUNIT_EXPECT_MEMEQ(test, out, "\x01\x23\x45\x67\x89\xab\xcd\xef", VUICC_PIN_LEN);
	KUNIT_ASSERT_EQ(test, vuicc_pin_encode("11111111", VUICC_ADM1, out), 0);
	KUNIT_EXPECT_MEMEQ(test, out, "11111111", VUICC_PIN_LEN);
	KUNIT_EXPECT_EQ(test, vuicc_pin_encode("0123456789abcdeg", VUICC_ADM1, out), -EINVAL);
	KUNIT_EXPECT_EQ(test, vuicc_pin_encode("123", VUICC_ADM1, out), -EINVAL);
}

static void vuicc_file_path_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vuicc_file_path_check((const u8 *)"\x3f\x00\x2f\xe2", 4), 0);
	KUNIT_EXPECT_EQ(test, vuicc_file_path_check((const u8 *)"\x3f\x00\x7f\xff\x6f\x07", 6), 0);
	KUNIT_EXPECT_EQ(test, vuicc_file_path_check((const u8 *)"\x3f\x00", 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, vuicc_file_path_check((const u8 *)"\x3f\x00\x2f", 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, vuicc_file_path_check((const u8 *)"\x7f\xff\x6f\x07", 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, vuicc_file_path_check((const u8 *)"\x3f\x00\x3f\x00", 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, vuicc_file_path_check((const u8 *)"\x3f\x00\xff\xff", 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, vuicc_file_path_check((const u8 *)
		"\x3f\x00\x7f\xff\x5f\xc0\x4f\x01\x4f\x02\x4f\x03\x4f\x04\x4f\x05", 16), 0);
	KUNIT_EXPECT_EQ(test, vuicc_file_path_check((const u8 *)
		"\x3f\x00\x7f\xff\x5f\xc0\x4f\x01\x4f\x02\x4f\x03\x4f\x04\x4f\x05\x4f\x06", 18),
		-EINVAL);
}

static struct kunit_case vuicc_profile_test_cases[] = {
	KUNIT_CASE(vuicc_profile_name_test),
	KUNIT_CASE(vuicc_digits_test),
	KUNIT_CASE(vuicc_pin_encode_test),
	KUNIT_CASE(vuicc_file_path_test),
	{}
};

static struct kunit_suite vuicc_profile_test_suite = {
	.name = "vuicc_profile",
	.test_cases = vuicc_profile_test_cases,
};

kunit_test_suite(vuicc_profile_test_suite);
