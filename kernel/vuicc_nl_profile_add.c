// SPDX-License-Identifier: GPL-2.0
/*
 * The "vuicc" family's profile-add: the request parsed and checked into a
 * profile (identity, algorithm and keys, SQN state, PINs, EF contents), its
 * files built, and the profile put on the card.
 *
 * Keys, operator keys and PINs are write-only: profile-add wipes them from
 * the request once parsed.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "vuicc_auth.h"
#include "vuicc_bytes.h"
#include "vuicc_card.h"
#include "vuicc_fs.h"
#include "vuicc_netlink.h"
#include "generated/vuicc_nl_gen.h"
#include "vuicc_nl.h"
#include "vuicc_profile.h"
#include "vuicc_svc.h"

/* TS 35.231 §6: the output lengths TUAK allows, in bits */
#define VUICC_TUAK_RES_BITS_DEFAULT	64
#define VUICC_TUAK_MAC_BITS_DEFAULT	64
#define VUICC_TUAK_CK_BITS_DEFAULT	128
#define VUICC_TUAK_IK_BITS_DEFAULT	128

/* nla_get_*_default() arrived after 6.1 */
static u8 vuicc_nl_u8(const struct nlattr *a, u8 def)
{
	return a ? nla_get_u8(a) : def;
}

static u16 vuicc_nl_u16(const struct nlattr *a, u16 def)
{
	return a ? nla_get_u16(a) : def;
}

static u64 vuicc_nl_u64(const struct nlattr *a, u64 def)
{
	return a ? nla_get_u64(a) : def;
}

/* Attributes that carry secrets: wiped from every request that holds them. */
static const u16 vuicc_nl_secret_attrs[] = {
	VUICC_A_K, VUICC_A_OP, VUICC_A_OPC, VUICC_A_MILENAGE_C, VUICC_A_TOP,
	VUICC_A_TOPC, VUICC_A_PIN1, VUICC_A_PUK1, VUICC_A_PIN2, VUICC_A_PUK2,
	VUICC_A_ADM1,
};

static void vuicc_nl_wipe_secrets(struct genl_info *info)
{
	struct nlattr *a;
	unsigned int i;
	int rem;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		for (i = 0; i < ARRAY_SIZE(vuicc_nl_secret_attrs); i++) {
			if (nla_type(a) == vuicc_nl_secret_attrs[i]) {
				memzero_explicit(nla_data(a), nla_len(a));
				break;
			}
		}
	}
}

static int vuicc_nl_parse_sqn(struct genl_info *info, struct vuicc_profile *p)
{
	struct nlattr *a = info->attrs[VUICC_A_SQN_STATE];
	size_t n = 1u << p->sqn_ind_bits, i;
	const u8 *d;

	p->sqn = kcalloc(n, sizeof(*p->sqn), GFP_KERNEL);
	if (!p->sqn)
		return -ENOMEM;
	if (!a)
		return 0;
	if (nla_len(a) != n * VUICC_SQN_LEN) {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "sqn-state must hold 6 bytes per IND slot (2^sqn-ind-bits)");
		return -EINVAL;
	}
	d = nla_data(a);
	for (i = 0; i < n; i++, d += VUICC_SQN_LEN)
		p->sqn[i] = vuicc_get_be48(d);
	return 0;
}

static int vuicc_nl_parse_files(struct genl_info *info, struct vuicc_profile *p,
				struct nlattr **fattrs)
{
	struct nlattr *tb[VUICC_A_FILE_MAX + 1];
	struct vuicc_file_content *f;
	struct nlattr *a, *path, *data;
	unsigned int i;
	int rem, ret;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) != VUICC_A_FILE)
			continue;
		if (p->n_files >= VUICC_FILES_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack, a, "more than files-max file attributes");
			return -E2BIG;
		}
		ret = nla_parse_nested(tb, VUICC_A_FILE_MAX, a, vuicc_file_nl_policy,
				       info->extack);
		if (ret)
			return ret;
		path = tb[VUICC_A_FILE_PATH];
		data = tb[VUICC_A_FILE_DATA];
		if (!path || !data) {
			NL_SET_ERR_MSG_ATTR(info->extack, a, "file needs path and data");
			return -EINVAL;
		}
		if (vuicc_file_path_check(nla_data(path), nla_len(path))) {
			NL_SET_ERR_MSG_ATTR(info->extack, path,
					    "file path: FIDs from 3F00, 4 to 16 bytes");
			return -EINVAL;
		}
		if (nla_len(data) > VUICC_FILE_DATA_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack, data,
					    "file data longer than file-data-max");
			return -E2BIG;
		}
		for (i = 0; i < p->n_files; i++) {
			if (p->files[i]->path_len == nla_len(path) &&
			    !memcmp(p->files[i]->path, nla_data(path), nla_len(path))) {
				NL_SET_ERR_MSG_ATTR(info->extack, path, "file path given twice");
				return -EINVAL;
			}
		}
		f = kzalloc(struct_size(f, data, nla_len(data)), GFP_KERNEL);
		if (!f)
			return -ENOMEM;
		f->path_len = nla_len(path);
		memcpy(f->path, nla_data(path), f->path_len);
		f->len = nla_len(data);
		memcpy(f->data, nla_data(data), f->len);
		fattrs[p->n_files] = a;
		p->files[p->n_files++] = f;
	}
	return 0;
}

/* One PIN, PUK or ADM attribute into the secrets; true if it was bad. */
#define VUICC_NL_PIN(info, p, attr, ref, msg) ({				\
	struct genl_info *__vinfo = (info);				\
	struct vuicc_secrets *__s = (p)->secrets;			\
	enum vuicc_pin_ref __pref = (ref);				\
	struct nlattr *__a = __vinfo->attrs[attr];			\
	bool __bad = false;						\
	if (__a) {							\
		__bad = vuicc_pin_encode(nla_data(__a), __pref,		\
					 __s->pin[__pref]) != 0;		\
		if (__bad)						\
			NL_SET_ERR_MSG_ATTR(__vinfo->extack, __a, msg);	\
		else							\
			__s->pin_set[__pref] = true;			\
	}								\
	__bad;								\
})

static int vuicc_nl_parse_pins(struct genl_info *info, struct vuicc_profile *p)
{
	if (VUICC_NL_PIN(info, p, VUICC_A_PIN1, VUICC_PIN1, "pin1: 4 to 8 digits") ||
	    VUICC_NL_PIN(info, p, VUICC_A_PUK1, VUICC_PUK1, "puk1: 8 digits") ||
	    VUICC_NL_PIN(info, p, VUICC_A_PIN2, VUICC_PIN2, "pin2: 4 to 8 digits") ||
	    VUICC_NL_PIN(info, p, VUICC_A_PUK2, VUICC_PUK2, "puk2: 8 digits") ||
	    VUICC_NL_PIN(info, p, VUICC_A_ADM1, VUICC_ADM1,
			 "adm1: 8 digits or 16 hex digits"))
		return -EINVAL;
	p->pin1_enabled = vuicc_nl_u8(info->attrs[VUICC_A_PIN1_ENABLED], 0);
	if (p->pin1_enabled && !p->secrets->pin_set[VUICC_PIN1]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VUICC_A_PIN1_ENABLED],
				    "pin1-enabled needs pin1");
		return -EINVAL;
	}
	return 0;
}

static bool vuicc_nl_bits_valid(u16 v, const u16 *ok, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v == ok[i])
			return true;
	return false;
}

/* Refuses a parameter of another algorithm than @algorithm. */
static int vuicc_nl_check_foreign(struct genl_info *info, u32 algorithm)
{
	static const u16 milenage_only[] = { VUICC_A_OP, VUICC_A_OPC,
		VUICC_A_MILENAGE_C, VUICC_A_MILENAGE_R };
	static const u16 tuak_only[] = { VUICC_A_TOP, VUICC_A_TOPC,
		VUICC_A_TUAK_RES_BITS, VUICC_A_TUAK_MAC_BITS, VUICC_A_TUAK_CK_BITS,
		VUICC_A_TUAK_IK_BITS, VUICC_A_TUAK_ITERATIONS };
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **at = info->attrs;
	struct nlattr *a;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(milenage_only); i++) {
		a = at[milenage_only[i]];
		if (a && algorithm != VUICC_ALGORITHM_MILENAGE) {
			NL_SET_ERR_MSG_ATTR(extack, a, "a Milenage parameter, wrong algorithm");
			return -EINVAL;
		}
	}
	for (i = 0; i < ARRAY_SIZE(tuak_only); i++) {
		a = at[tuak_only[i]];
		if (a && algorithm != VUICC_ALGORITHM_TUAK) {
			NL_SET_ERR_MSG_ATTR(extack, a, "a TUAK parameter, wrong algorithm");
			return -EINVAL;
		}
	}
	return 0;
}

/* Milenage's OP or OPc (into @op) and its constants c1-c5 and r1-r5, if given. */
static int vuicc_nl_parse_milenage(struct genl_info *info, struct vuicc_profile *p,
				   struct nlattr **op)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **at = info->attrs;
	struct vuicc_secrets *s = p->secrets;
	unsigned int i;

	if (!!at[VUICC_A_OP] == !!at[VUICC_A_OPC]) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_OP] ?: at[VUICC_A_ALGORITHM],
				    "milenage needs exactly one of op and opc");
		return -EINVAL;
	}
	if (!!at[VUICC_A_MILENAGE_C] != !!at[VUICC_A_MILENAGE_R]) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_MILENAGE_C] ?:
				    at[VUICC_A_MILENAGE_R],
				    "milenage-c and milenage-r go together");
		return -EINVAL;
	}
	if (at[VUICC_A_MILENAGE_R]) {
		const u8 *r = nla_data(at[VUICC_A_MILENAGE_R]);

		for (i = 0; i < 5; i++) {
			if (r[i] > 127) {
				NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_MILENAGE_R],
						    "milenage-r: rotations of 0 to 127 bits");
				return -EINVAL;
			}
		}
		memcpy(s->milenage_c, nla_data(at[VUICC_A_MILENAGE_C]),
		       sizeof(s->milenage_c));
		memcpy(s->milenage_r, r, sizeof(s->milenage_r));
		s->has_milenage_consts = true;
	}
	*op = at[VUICC_A_OPC] ?: at[VUICC_A_OP];
	s->op_is_c = !!at[VUICC_A_OPC];
	return 0;
}

/* TUAK's TOP or TOPc (into @op), its output lengths and its iterations. */
static int vuicc_nl_parse_tuak(struct genl_info *info, struct vuicc_profile *p,
			       struct nlattr **op)
{
	static const u16 res_ok[] = { 32, 64, 128, 256 };
	static const u16 mac_ok[] = { 64, 128, 256 };
	static const u16 key_ok[] = { 128, 256 };
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **at = info->attrs;

	if (!!at[VUICC_A_TOP] == !!at[VUICC_A_TOPC]) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_TOP] ?: at[VUICC_A_ALGORITHM],
				    "tuak needs exactly one of top and topc");
		return -EINVAL;
	}
	p->tuak_res_bits = vuicc_nl_u16(at[VUICC_A_TUAK_RES_BITS],
					VUICC_TUAK_RES_BITS_DEFAULT);
	p->tuak_mac_bits = vuicc_nl_u16(at[VUICC_A_TUAK_MAC_BITS],
					VUICC_TUAK_MAC_BITS_DEFAULT);
	p->tuak_ck_bits = vuicc_nl_u16(at[VUICC_A_TUAK_CK_BITS],
				       VUICC_TUAK_CK_BITS_DEFAULT);
	p->tuak_ik_bits = vuicc_nl_u16(at[VUICC_A_TUAK_IK_BITS],
				       VUICC_TUAK_IK_BITS_DEFAULT);
	p->tuak_iterations = vuicc_nl_u16(at[VUICC_A_TUAK_ITERATIONS], 1);
	if (!vuicc_nl_bits_valid(p->tuak_res_bits, res_ok, ARRAY_SIZE(res_ok))) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_TUAK_RES_BITS],
				    "tuak-res-bits: 32, 64, 128 or 256");
		return -EINVAL;
	}
	if (!vuicc_nl_bits_valid(p->tuak_mac_bits, mac_ok, ARRAY_SIZE(mac_ok))) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_TUAK_MAC_BITS],
				    "tuak-mac-bits: 64, 128 or 256");
		return -EINVAL;
	}
	if (!vuicc_nl_bits_valid(p->tuak_ck_bits, key_ok, ARRAY_SIZE(key_ok))) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_TUAK_CK_BITS],
				    "tuak-ck-bits: 128 or 256");
		return -EINVAL;
	}
	if (!vuicc_nl_bits_valid(p->tuak_ik_bits, key_ok, ARRAY_SIZE(key_ok))) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_TUAK_IK_BITS],
				    "tuak-ik-bits: 128 or 256");
		return -EINVAL;
	}
	*op = at[VUICC_A_TOPC] ?: at[VUICC_A_TOP];
	p->secrets->op_is_c = !!at[VUICC_A_TOPC];
	return 0;
}

/* The algorithm's keys and parameters, and nothing of another algorithm. */
static int vuicc_nl_parse_algorithm(struct genl_info *info, struct vuicc_profile *p)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **at = info->attrs;
	struct vuicc_secrets *s = p->secrets;
	struct nlattr *k = at[VUICC_A_K], *op = NULL;
	int ret;

	if (VUICC_NL_REQUIRE(info, VUICC_A_ALGORITHM, "algorithm") ||
	    VUICC_NL_REQUIRE(info, VUICC_A_K, "k"))
		return -EINVAL;
	p->algorithm = nla_get_u32(at[VUICC_A_ALGORITHM]);
	if (nla_len(k) != 16 &&
	    !(nla_len(k) == 32 && p->algorithm == VUICC_ALGORITHM_TUAK)) {
		NL_SET_ERR_MSG_ATTR(extack, k, "k: 16 bytes (TUAK: 16 or 32)");
		return -EINVAL;
	}
	ret = vuicc_nl_check_foreign(info, p->algorithm);
	if (ret)
		return ret;

	switch (p->algorithm) {
	case VUICC_ALGORITHM_MILENAGE:
		ret = vuicc_nl_parse_milenage(info, p, &op);
		break;
	case VUICC_ALGORITHM_TUAK:
		ret = vuicc_nl_parse_tuak(info, p, &op);
		break;
	case VUICC_ALGORITHM_XOR:
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_ALGORITHM], "unknown algorithm");
		return -EINVAL;
	}
	if (ret)
		return ret;

	s->k_len = nla_len(k);
	memcpy(s->k, nla_data(k), s->k_len);
	if (op) {
		s->op_len = nla_len(op);
		memcpy(s->op, nla_data(op), s->op_len);
	}
	return 0;
}

/*
 * The service tables disagree with the files: the message names the
 * service and the file (a static string of the table), or the service the
 * card does not support (formatted where the kernel can, from 6.2 on).
 */
static int vuicc_nl_svc_error(struct netlink_ext_ack *extack, struct nlattr *a,
			      const struct vuicc_svc_err *err)
{
	if (!extack)
		return -EINVAL;
#ifdef NL_SET_ERR_MSG_FMT
	if (err->service) {
		NL_SET_ERR_MSG_FMT(extack, "%s service %u is on; this card does not support it",
				   err->table == VUICC_SVC_UST ? "USIM" : "GSM", err->service);
		return -EINVAL;
	}
#endif
	/*
	 * The table's messages are longer than NL_SET_ERR_MSG_FMT's buffer
	 * and static, so they are set as NL_SET_ERR_MSG would (without its
	 * tracepoint, which wants a literal).
	 */
	extack->_msg = err->why;
	extack->bad_attr = a;
	return -EINVAL;
}

/* The card's files: the template, the identity, the EF contents given. */
static int vuicc_nl_build_fs(struct genl_info *info, struct vuicc_profile *p,
			     struct nlattr **fattrs)
{
	struct vuicc_svc_err err;
	struct nlattr *a;
	int ret;

	p->fs = vuicc_svc_build(p, &err);
	if (!IS_ERR(p->fs))
		return 0;
	ret = PTR_ERR(p->fs);
	p->fs = NULL;
	a = err.bad_file >= 0 ? fattrs[err.bad_file] : NULL;
	if (ret == -EPROTO)
		return vuicc_nl_svc_error(info->extack, a, &err);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, a, "file: no such EF in the card's template");
	else if (ret == -EFBIG)
		NL_SET_ERR_MSG_ATTR(info->extack, a, "file: data larger than the EF");
	else if (ret == -EINVAL)
		NL_SET_ERR_MSG_ATTR(info->extack, a, "file: data is not whole records");
	return ret;
}

static int vuicc_nl_parse_profile(struct genl_info *info, struct vuicc_profile *p)
{
	struct nlattr *fattrs[VUICC_FILES_MAX];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **at = info->attrs;
	int ret;

	if (VUICC_NL_REQUIRE(info, VUICC_A_PROFILE_NAME, "profile-name") ||
	    VUICC_NL_REQUIRE(info, VUICC_A_PROFILE_KIND, "profile-kind") ||
	    VUICC_NL_REQUIRE(info, VUICC_A_ICCID, "iccid") ||
	    VUICC_NL_REQUIRE(info, VUICC_A_IMSI, "imsi"))
		return -EINVAL;

	if (!vuicc_profile_name_valid(nla_data(at[VUICC_A_PROFILE_NAME]))) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_PROFILE_NAME],
				    "profile-name: 1 to 31 of A-Z a-z 0-9 . _ -");
		return -EINVAL;
	}
	strscpy(p->name, nla_data(at[VUICC_A_PROFILE_NAME]), sizeof(p->name));

	p->kind = nla_get_u32(at[VUICC_A_PROFILE_KIND]);
	if (p->kind == VUICC_PROFILE_KIND_SEED) {
		if (VUICC_NL_REQUIRE(info, VUICC_A_PROFILE_ROLE, "profile-role (a seed's)"))
			return -EINVAL;
		p->role = nla_get_u32(at[VUICC_A_PROFILE_ROLE]);
	} else if (at[VUICC_A_PROFILE_ROLE]) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_PROFILE_ROLE],
				    "profile-role is for seeds only");
		return -EINVAL;
	}

	/* ITU-T E.118: up to 20 digits in an ICCID; 18 and 19 are common */
	if (!vuicc_digits_valid(nla_data(at[VUICC_A_ICCID]), 18, 20)) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_ICCID], "iccid: 18 to 20 digits");
		return -EINVAL;
	}
	strscpy(p->iccid, nla_data(at[VUICC_A_ICCID]), sizeof(p->iccid));
	/* ITU-T E.212: MCC (3) + MNC (2 or 3) + MSIN, at most 15 digits */
	if (!vuicc_digits_valid(nla_data(at[VUICC_A_IMSI]), 6, 15)) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_IMSI], "imsi: 6 to 15 digits");
		return -EINVAL;
	}
	strscpy(p->imsi, nla_data(at[VUICC_A_IMSI]), sizeof(p->imsi));
	p->mnc_len = vuicc_nl_u8(at[VUICC_A_MNC_LEN], 2);

	ret = vuicc_nl_parse_algorithm(info, p);
	if (ret)
		return ret;

	if (at[VUICC_A_XOR_RES_LEN] && p->algorithm != VUICC_ALGORITHM_XOR) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_XOR_RES_LEN], "xor-res-len is for xor");
		return -EINVAL;
	}
	p->xor_res_len = vuicc_nl_u8(at[VUICC_A_XOR_RES_LEN], 8);
	ret = vuicc_auth_prepare(p);
	if (ret) {
		NL_SET_ERR_MSG_MOD(extack, "cannot derive OPc/TOPc");
		return ret;
	}
	p->gsm_derivation = vuicc_nl_u8(at[VUICC_A_GSM_DERIVATION], 1);
	p->sqn_ind_bits = vuicc_nl_u8(at[VUICC_A_SQN_IND_BITS],
				      VUICC_SQN_IND_BITS_DEFAULT);
	p->sqn_delta = vuicc_nl_u64(at[VUICC_A_SQN_DELTA], VUICC_SQN_DELTA_DEFAULT);
	p->sqn_age_limit = vuicc_nl_u64(at[VUICC_A_SQN_AGE_LIMIT], 0);
	ret = vuicc_nl_parse_sqn(info, p);
	if (ret)
		return ret;
	ret = vuicc_nl_parse_pins(info, p);
	if (ret)
		return ret;
	ret = vuicc_nl_parse_files(info, p, fattrs);
	if (ret)
		return ret;
	return vuicc_nl_build_fs(info, p, fattrs);
}

int vuicc_nl_profile_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vuicc_profile *p = NULL;
	struct vuicc_card *card;
	int ret;

	ret = vuicc_nl_check_duplicates(info);
	if (ret)
		goto out;
	card = vuicc_nl_card(info);
	if (IS_ERR(card)) {
		ret = PTR_ERR(card);
		goto out;
	}
	p = vuicc_profile_alloc();
	ret = p ? vuicc_nl_parse_profile(info, p) : -ENOMEM;
	if (!ret) {
		ret = vuicc_card_profile_add(card, p);
		if (ret == -EEXIST)
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VUICC_A_PROFILE_NAME],
					    "a profile of that name is on the card");
		else if (ret == -ENOSPC)
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VUICC_A_CARD_ID],
					    "the card holds profiles-max profiles");
		if (!ret)
			p = NULL;
	}
	vuicc_card_put(card);
	vuicc_profile_free(p);
out:
	vuicc_nl_wipe_secrets(info);
	return ret;
}
