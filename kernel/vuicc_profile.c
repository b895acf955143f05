// SPDX-License-Identifier: GPL-2.0
/*
 * Profiles: allocation, the checks of their identities and PINs, and their
 * destruction, which wipes every key.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vuicc_fs.h"
#include "vuicc_kunit.h"
#include "vuicc_profile.h"

/**
 * vuicc_profile_alloc() - a new, empty profile
 *
 * Return: the profile with its secrets area and fresh PIN counters, or NULL.
 */
struct vuicc_profile *vuicc_profile_alloc(void)
{
	struct vuicc_profile *p;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	p->secrets = kzalloc(sizeof(*p->secrets), GFP_KERNEL);
	if (!p->secrets) {
		kfree(p);
		return NULL;
	}
	INIT_LIST_HEAD(&p->node);
	/* TS 102 221 §9.5.1: 3 tries for a PIN, 10 for a PUK */
	p->pin_tries[VUICC_PIN1] = 3;
	p->pin_tries[VUICC_PUK1] = 10;
	p->pin_tries[VUICC_PIN2] = 3;
	p->pin_tries[VUICC_PUK2] = 10;
	p->pin_tries[VUICC_ADM1] = 3;
	return p;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_profile_alloc);

/**
 * vuicc_profile_free() - free a profile, wiping its keys and state
 * @p: the profile, not on any list; NULL is allowed
 */
void vuicc_profile_free(struct vuicc_profile *p)
{
	unsigned int i;

	if (!p)
		return;
	vuicc_fs_free(p->fs);
	kfree_sensitive(p->secrets);
	kfree_sensitive(p->sqn);
	for (i = 0; i < p->n_files; i++)
		kfree_sensitive(p->files[i]);
	kfree_sensitive(p);
}

VUICC_EXPORT_FOR_KUNIT(vuicc_profile_free);

/**
 * vuicc_profile_name_valid() - check a profile name
 * @name: NUL-terminated
 *
 * Return: true for 1 to %VUICC_PROFILE_NAME_MAX letters, digits, '.', '_'
 * and '-' (names appear in file names and logs of the agent).
 */
bool vuicc_profile_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > VUICC_PROFILE_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum(name[i]) && !strchr("._-", name[i]))
			return false;
	return true;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_profile_name_valid);

/**
 * vuicc_digits_valid() - check a string of decimal digits
 * @s: NUL-terminated
 * @min: fewest digits
 * @max: most digits
 *
 * Return: true if @s is @min to @max digits and nothing else.
 */
bool vuicc_digits_valid(const char *s, size_t min, size_t max)
{
	size_t i, n = strlen(s);

	if (n < min || n > max)
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit(s[i]))
			return false;
	return true;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_digits_valid);

static int vuicc_hex_to_bytes(const char *s, u8 *out, size_t n)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		hi = hex_to_bin(s[2 * i]);
		lo = hex_to_bin(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = hi << 4 | lo;
	}
	return 0;
}

/**
 * vuicc_pin_encode() - encode a PIN, PUK or ADM key as the card stores it
 * @s: the value as given: digits; ADM1 also as 16 hex digits
 * @ref: which one it is
 * @out: %VUICC_PIN_LEN bytes: the ASCII digits padded with FF (TS 102 221
 *	§9.5.1), or the 8 bytes an ADM1 in hex stands for
 *
 * Return: 0, or -EINVAL: a PIN is 4 to 8 digits, a PUK 8 digits, ADM1 8
 * digits or 16 hex digits.
 */
int vuicc_pin_encode(const char *s, enum vuicc_pin_ref ref, u8 *out)
{
	size_t n = strlen(s);

	memset(out, 0xFF, VUICC_PIN_LEN);
	switch (ref) {
	case VUICC_PIN1:
	case VUICC_PIN2:
		if (!vuicc_digits_valid(s, 4, 8))
			return -EINVAL;
		break;
	case VUICC_PUK1:
	case VUICC_PUK2:
		if (!vuicc_digits_valid(s, 8, 8))
			return -EINVAL;
		break;
	case VUICC_ADM1:
		if (n == 2 * VUICC_PIN_LEN)
			return vuicc_hex_to_bytes(s, out, VUICC_PIN_LEN);
		if (!vuicc_digits_valid(s, 8, 8))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	memcpy(out, s, n);
	return 0;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_pin_encode);

/**
 * vuicc_file_path_check() - check the path of an EF content
 * @path: FIDs, two bytes each
 * @len: bytes in @path
 *
 * Return: 0 for an even length of 4 to %VUICC_FILE_PATH_MAX bytes starting
 * at the MF (3F00), with no further 3F00 and no reserved FID FFFF; -EINVAL
 * otherwise.
 */
int vuicc_file_path_check(const u8 *path, size_t len)
{
	size_t i;

	if (len < 4 || len > VUICC_FILE_PATH_MAX || len % 2)
		return -EINVAL;
	if (path[0] != 0x3F || path[1] != 0x00)
		return -EINVAL;
	for (i = 2; i < len; i += 2) {
		if (path[i] == 0x3F && path[i + 1] == 0x00)
			return -EINVAL;
		if (path[i] == 0xFF && path[i + 1] == 0xFF)
			return -EINVAL;
	}
	return 0;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_file_path_check);
