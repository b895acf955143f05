// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/vuicc.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "vuicc_nl_gen.h"

#include <uapi/linux/vuicc_netlink.h>

/* Common nested types */
const struct nla_policy vuicc_file_nl_policy[VUICC_A_FILE_DATA + 1] = {
	[VUICC_A_FILE_PATH] = { .type = NLA_BINARY, },
	[VUICC_A_FILE_DATA] = { .type = NLA_BINARY, },
};

/* VUICC_CMD_CARD_GET - do */
const struct nla_policy vuicc_card_get_nl_policy[VUICC_A_CARD_ID + 1] = {
	[VUICC_A_CARD_ID] = NLA_POLICY_MAX(NLA_U32, 63),
};

/* VUICC_CMD_CARD_NEW - do */
const struct nla_policy vuicc_card_new_nl_policy[VUICC_A_CARD_ID + 1] = {
	[VUICC_A_CARD_ID] = NLA_POLICY_MAX(NLA_U32, 63),
};

/* VUICC_CMD_CARD_DEL - do */
const struct nla_policy vuicc_card_del_nl_policy[VUICC_A_CARD_ID + 1] = {
	[VUICC_A_CARD_ID] = NLA_POLICY_MAX(NLA_U32, 63),
};

/* VUICC_CMD_PROFILE_GET - do */
const struct nla_policy vuicc_profile_get_nl_policy[VUICC_A_PROFILE_NAME + 1] = {
	[VUICC_A_CARD_ID] = NLA_POLICY_MAX(NLA_U32, 63),
	[VUICC_A_PROFILE_NAME] = { .type = NLA_NUL_STRING, .len = VUICC_PROFILE_NAME_MAX, },
};

/* VUICC_CMD_PROFILE_ADD - do */
const struct nla_policy vuicc_profile_add_nl_policy[VUICC_A_FILE + 1] = {
	[VUICC_A_CARD_ID] = NLA_POLICY_MAX(NLA_U32, 63),
	[VUICC_A_PROFILE_NAME] = { .type = NLA_NUL_STRING, .len = VUICC_PROFILE_NAME_MAX, },
	[VUICC_A_PROFILE_KIND] = NLA_POLICY_RANGE(NLA_U32, 1, 2),
	[VUICC_A_PROFILE_ROLE] = NLA_POLICY_RANGE(NLA_U32, 1, 2),
	[VUICC_A_ICCID] = { .type = NLA_NUL_STRING, .len = 20, },
	[VUICC_A_IMSI] = { .type = NLA_NUL_STRING, .len = 15, },
	[VUICC_A_MNC_LEN] = NLA_POLICY_RANGE(NLA_U8, 2, 3),
	[VUICC_A_ALGORITHM] = NLA_POLICY_RANGE(NLA_U32, 1, 3),
	[VUICC_A_K] = { .type = NLA_BINARY, },
	[VUICC_A_OP] = NLA_POLICY_EXACT_LEN(16),
	[VUICC_A_OPC] = NLA_POLICY_EXACT_LEN(16),
	[VUICC_A_MILENAGE_C] = NLA_POLICY_EXACT_LEN(80),
	[VUICC_A_MILENAGE_R] = NLA_POLICY_EXACT_LEN(5),
	[VUICC_A_TOP] = NLA_POLICY_EXACT_LEN(32),
	[VUICC_A_TOPC] = NLA_POLICY_EXACT_LEN(32),
	[VUICC_A_TUAK_RES_BITS] = { .type = NLA_U16, },
	[VUICC_A_TUAK_MAC_BITS] = { .type = NLA_U16, },
	[VUICC_A_TUAK_CK_BITS] = { .type = NLA_U16, },
	[VUICC_A_TUAK_IK_BITS] = { .type = NLA_U16, },
	[VUICC_A_TUAK_ITERATIONS] = NLA_POLICY_RANGE(NLA_U16, 1, 255),
	[VUICC_A_XOR_RES_LEN] = NLA_POLICY_RANGE(NLA_U8, 4, 16),
	[VUICC_A_GSM_DERIVATION] = NLA_POLICY_RANGE(NLA_U8, 1, 2),
	[VUICC_A_SQN_IND_BITS] = NLA_POLICY_MAX(NLA_U8, VUICC_SQN_IND_BITS_MAX),
	[VUICC_A_SQN_DELTA] = { .type = NLA_U64, },
	[VUICC_A_SQN_AGE_LIMIT] = { .type = NLA_U64, },
	[VUICC_A_SQN_STATE] = { .type = NLA_BINARY, },
	[VUICC_A_PIN1] = { .type = NLA_NUL_STRING, .len = 8, },
	[VUICC_A_PUK1] = { .type = NLA_NUL_STRING, .len = 8, },
	[VUICC_A_PIN2] = { .type = NLA_NUL_STRING, .len = 8, },
	[VUICC_A_PUK2] = { .type = NLA_NUL_STRING, .len = 8, },
	[VUICC_A_ADM1] = { .type = NLA_NUL_STRING, .len = 16, },
	[VUICC_A_PIN1_ENABLED] = NLA_POLICY_MAX(NLA_U8, 1),
	[VUICC_A_FILE] = NLA_POLICY_NESTED(vuicc_file_nl_policy),
};

/* VUICC_CMD_PROFILE_DEL - do */
const struct nla_policy vuicc_profile_del_nl_policy[VUICC_A_PROFILE_NAME + 1] = {
	[VUICC_A_CARD_ID] = NLA_POLICY_MAX(NLA_U32, 63),
	[VUICC_A_PROFILE_NAME] = { .type = NLA_NUL_STRING, .len = VUICC_PROFILE_NAME_MAX, },
};

/* VUICC_CMD_PROFILE_ENABLE - do */
const struct nla_policy vuicc_profile_enable_nl_policy[VUICC_A_PROFILE_DEADLINE + 1] = {
	[VUICC_A_CARD_ID] = NLA_POLICY_MAX(NLA_U32, 63),
	[VUICC_A_PROFILE_NAME] = { .type = NLA_NUL_STRING, .len = VUICC_PROFILE_NAME_MAX, },
	[VUICC_A_PROFILE_DEADLINE] = { .type = NLA_U64, },
};

/* VUICC_CMD_PROFILE_DISABLE - do */
const struct nla_policy vuicc_profile_disable_nl_policy[VUICC_A_PROFILE_NAME + 1] = {
	[VUICC_A_CARD_ID] = NLA_POLICY_MAX(NLA_U32, 63),
	[VUICC_A_PROFILE_NAME] = { .type = NLA_NUL_STRING, .len = VUICC_PROFILE_NAME_MAX, },
};

/* VUICC_CMD_STATE_GET - do */
const struct nla_policy vuicc_state_get_nl_policy[VUICC_A_PROFILE_NAME + 1] = {
	[VUICC_A_CARD_ID] = NLA_POLICY_MAX(NLA_U32, 63),
	[VUICC_A_PROFILE_NAME] = { .type = NLA_NUL_STRING, .len = VUICC_PROFILE_NAME_MAX, },
};

/* VUICC_CMD_PROFILE_RENEW - do */
const struct nla_policy vuicc_profile_renew_nl_policy[VUICC_A_PROFILE_DEADLINE + 1] = {
	[VUICC_A_CARD_ID] = NLA_POLICY_MAX(NLA_U32, 63),
	[VUICC_A_PROFILE_NAME] = { .type = NLA_NUL_STRING, .len = VUICC_PROFILE_NAME_MAX, },
	[VUICC_A_PROFILE_DEADLINE] = { .type = NLA_U64, },
};

/* Ops table for vuicc */
const struct genl_ops vuicc_nl_ops[10] = {
	{
		.cmd		= VUICC_CMD_CARD_GET,
		.doit		= vuicc_nl_card_get_doit,
		.dumpit		= vuicc_nl_card_get_dumpit,
		.policy		= vuicc_card_get_nl_policy,
		.maxattr	= VUICC_A_CARD_ID,
	},
	{
		.cmd		= VUICC_CMD_CARD_NEW,
		.doit		= vuicc_nl_card_new_doit,
		.policy		= vuicc_card_new_nl_policy,
		.maxattr	= VUICC_A_CARD_ID,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= VUICC_CMD_CARD_DEL,
		.doit		= vuicc_nl_card_del_doit,
		.policy		= vuicc_card_del_nl_policy,
		.maxattr	= VUICC_A_CARD_ID,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= VUICC_CMD_PROFILE_GET,
		.doit		= vuicc_nl_profile_get_doit,
		.dumpit		= vuicc_nl_profile_get_dumpit,
		.policy		= vuicc_profile_get_nl_policy,
		.maxattr	= VUICC_A_PROFILE_NAME,
	},
	{
		.cmd		= VUICC_CMD_PROFILE_ADD,
		.doit		= vuicc_nl_profile_add_doit,
		.policy		= vuicc_profile_add_nl_policy,
		.maxattr	= VUICC_A_FILE,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= VUICC_CMD_PROFILE_DEL,
		.doit		= vuicc_nl_profile_del_doit,
		.policy		= vuicc_profile_del_nl_policy,
		.maxattr	= VUICC_A_PROFILE_NAME,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= VUICC_CMD_PROFILE_ENABLE,
		.doit		= vuicc_nl_profile_enable_doit,
		.policy		= vuicc_profile_enable_nl_policy,
		.maxattr	= VUICC_A_PROFILE_DEADLINE,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= VUICC_CMD_PROFILE_DISABLE,
		.doit		= vuicc_nl_profile_disable_doit,
		.policy		= vuicc_profile_disable_nl_policy,
		.maxattr	= VUICC_A_PROFILE_NAME,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= VUICC_CMD_STATE_GET,
		.doit		= vuicc_nl_state_get_doit,
		.policy		= vuicc_state_get_nl_policy,
		.maxattr	= VUICC_A_PROFILE_NAME,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= VUICC_CMD_PROFILE_RENEW,
		.doit		= vuicc_nl_profile_renew_doit,
		.policy		= vuicc_profile_renew_nl_policy,
		.maxattr	= VUICC_A_PROFILE_DEADLINE,
		.flags		= GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group vuicc_nl_mcgrps[] = {
	[VUICC_NLGRP_MONITOR] = { "monitor", },
	[VUICC_NLGRP_TRACE] = { "trace", },
};
