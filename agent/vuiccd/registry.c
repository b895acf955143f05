// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's registry of cards and profiles, and its mirror of the kernel's
 * (registry.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "lib/log.h"
#include "registry.h"

const char *const reg_auth_names[4] = {
	"success", "mac-failure", "sync-failure", "unsupported-context",
};

void reg_init(struct registry *r, struct vnl *nl, uint32_t base, uint32_t n)
{
	memset(r, 0, sizeof(*r));
	r->nl = nl;
	r->card_base = base;
	r->n_cards = n;
}

void reg_free(struct registry *r)
{
	size_t i;

	for (i = 0; i < r->n_profs; i++) {
		pstate_clear(&r->profs[i]->ps);
		free(r->profs[i]);
	}
	r->n_profs = 0;
}

struct vprof *reg_find(struct registry *r, uint32_t card, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_profs; i++)
		if (r->profs[i]->ps.card == card && !strcmp(r->profs[i]->ps.name, name))
			return r->profs[i];
	return NULL;
}

struct vprof *reg_get(struct registry *r, uint32_t card, const char *name)
{
	struct vprof *v = reg_find(r, card, name);

	if (v)
		return v;
	if (r->n_profs >= VD_PROFILES_MAX || strlen(name) > VUICC_PROFILE_NAME_MAX)
		return NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	strcpy(v->ps.name, name);
	v->ps.card = card;
	v->last_auth = -1;
	r->profs[r->n_profs++] = v;
	return v;
}

void reg_remove(struct registry *r, struct vprof *v)
{
	size_t i;

	for (i = 0; i < r->n_profs; i++)
		if (r->profs[i] == v) {
			pstate_clear(&v->ps);
			explicit_bzero(v->pin1, sizeof(v->pin1));
			free(v);
			memmove(&r->profs[i], &r->profs[i + 1],
				(r->n_profs - i - 1) * sizeof(r->profs[0]));
			r->n_profs--;
			return;
		}
}

/* ---- the kernel's view ---- */

static int card_cb(const struct nlmsghdr *nlh, struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct registry *r = arg;
	struct vcard *c;
	uint32_t id;

	if (!tb[VUICC_A_CARD_ID])
		return 0;
	id = nla_get_u32(tb[VUICC_A_CARD_ID]);
	/* another vuiccd's cards (card_base) are not ours to look at */
	if (id >= VUICC_CARDS_MAX || !reg_mine(r, id))
		return 0;
	c = &r->cards[id];
	c->exists = true;
	c->powered = tb[VUICC_A_CARD_POWERED] && nla_get_u8(tb[VUICC_A_CARD_POWERED]);
	c->apdus = tb[VUICC_A_CARD_APDUS] ? nla_get_u64(tb[VUICC_A_CARD_APDUS]) : 0;
	c->resets = tb[VUICC_A_CARD_RESETS] ? nla_get_u64(tb[VUICC_A_CARD_RESETS]) : 0;
	c->switches = tb[VUICC_A_CARD_SWITCHES] ? nla_get_u64(tb[VUICC_A_CARD_SWITCHES]) : 0;
	c->enabled[0] = '\0';
	if (tb[VUICC_A_CARD_PROFILE])
		snprintf(c->enabled, sizeof(c->enabled), "%s", nla_get_string(tb[VUICC_A_CARD_PROFILE]));
	return 0;
}

static int profile_cb(const struct nlmsghdr *nlh, struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct registry *r = arg;
	struct vprof *v;

	if (!tb[VUICC_A_CARD_ID] || !tb[VUICC_A_PROFILE_NAME] ||
	    !reg_mine(r, nla_get_u32(tb[VUICC_A_CARD_ID])))
		return 0;
	v = reg_get(r, nla_get_u32(tb[VUICC_A_CARD_ID]), nla_get_string(tb[VUICC_A_PROFILE_NAME]));
	if (!v)
		return 0;
	v->installed = true;
	v->enabled = tb[VUICC_A_PROFILE_ENABLED] && nla_get_u8(tb[VUICC_A_PROFILE_ENABLED]);
	v->kind = tb[VUICC_A_PROFILE_KIND] ? nla_get_u32(tb[VUICC_A_PROFILE_KIND]) : 0;
	v->role = tb[VUICC_A_PROFILE_ROLE] ? nla_get_u32(tb[VUICC_A_PROFILE_ROLE]) : 0;
	return 0;
}

int reg_snapshot(struct registry *r)
{
	struct nl_msg *m;
	size_t i;
	int ret;

	for (i = 0; i < VUICC_CARDS_MAX; i++)
		r->cards[i].exists = false;
	m = vnl_request(r->nl, VUICC_CMD_CARD_GET, NLM_F_DUMP);
	if (!m)
		return -ENOMEM;
	ret = vnl_transact(r->nl, m, card_cb, r);
	if (ret)
		goto err;
	for (i = 0; i < r->n_profs; i++) {
		r->profs[i]->installed = false;
		r->profs[i]->enabled = false;
	}
	m = vnl_request(r->nl, VUICC_CMD_PROFILE_GET, NLM_F_DUMP);
	if (!m)
		return -ENOMEM;
	ret = vnl_transact(r->nl, m, profile_cb, r);
	if (ret)
		goto err;
	return 0;
err:
	log_err("reading the kernel's cards and profiles: %s", r->nl->err);
	return ret;
}

bool reg_apply(struct vprof *v, const struct nlmsghdr *nlh, struct nlattr **tb)
{
	struct nlattr *a, *ft[VUICC_A_FILE_MAX + 1];
	uint8_t before[STORE_SQN_MAX];
	struct store_ef *f;
	bool changed = false;
	size_t before_len, plen, dlen;
	int rem;

	if (tb[VUICC_A_SQN_STATE] && nla_len(tb[VUICC_A_SQN_STATE]) <= STORE_SQN_MAX) {
		before_len = v->ps.sqn_len;
		memcpy(before, v->ps.sqn, before_len);
		pstate_merge_sqn(&v->ps, nla_data(tb[VUICC_A_SQN_STATE]),
				 (size_t)nla_len(tb[VUICC_A_SQN_STATE]));
		changed |= before_len != v->ps.sqn_len || memcmp(before, v->ps.sqn, before_len);
	}
	if (!nlh)
		return changed;
	nlmsg_for_each_attr(a, (struct nlmsghdr *)nlh, GENL_HDRLEN, rem) {
		if (nla_type(a) != VUICC_A_FILE ||
		    nla_parse_nested(ft, VUICC_A_FILE_MAX, a, NULL) ||
		    !ft[VUICC_A_FILE_PATH] || !ft[VUICC_A_FILE_DATA])
			continue;
		plen = (size_t)nla_len(ft[VUICC_A_FILE_PATH]);
		dlen = (size_t)nla_len(ft[VUICC_A_FILE_DATA]);
		if (plen > VUICC_FILE_PATH_MAX || dlen > VUICC_FILE_DATA_MAX)
			continue;
		f = pstate_find_ef(&v->ps, nla_data(ft[VUICC_A_FILE_PATH]), plen);
		if (f && f->len == dlen && !memcmp(f->data, nla_data(ft[VUICC_A_FILE_DATA]), dlen))
			continue;
		if (pstate_set_ef(&v->ps, nla_data(ft[VUICC_A_FILE_PATH]), plen,
				  nla_data(ft[VUICC_A_FILE_DATA]), dlen)) {
			snprintf(v->last_error, sizeof(v->last_error),
				 "more EFs changed than a profile can carry (%d)", VUICC_FILES_MAX);
			log_err("card %u profile %s: %s; one is not stored", v->ps.card, v->ps.name,
				v->last_error);
			continue;
		}
		changed = true;
	}
	return changed;
}

/* ---- ranking data of a profile (for the policy) ---- */

static unsigned int rats_parse(const char *s)
{
	unsigned int r = 0;

	if (strstr(s, "gsm"))
		r |= POL_RAT_BIT(POL_RAT_GSM);
	if (strstr(s, "umts"))
		r |= POL_RAT_BIT(POL_RAT_UMTS);
	if (strstr(s, "lte"))
		r |= POL_RAT_BIT(POL_RAT_LTE);
	return r;
}

void reg_pol_info(struct vprof *v, const struct profile *p)
{
	struct pol_profile *pp = &v->pol;
	const char *s = p->plmns;

	memset(pp, 0, sizeof(*pp));
	snprintf(pp->name, sizeof(pp->name), "%s", p->name);
	pp->kind = p->kind == VUICC_PROFILE_KIND_VSIM ? POL_VSIM :
		   p->role == VUICC_PROFILE_ROLE_MASTER ? POL_SEED_MASTER : POL_SEED_STANDBY;
	pp->rats = rats_parse(p->rats);
	pp->has_tariff = p->has_tariff;
	pp->tariff = p->tariff;
	pp->hard = p->hard;
	while (*s && pp->n_plmns < POL_PLMNS_MAX) {
		size_t n = strcspn(s, ", ");

		if (n >= 5 && n <= 6) {
			memcpy(pp->plmns[pp->n_plmns], s, n);
			pp->plmns[pp->n_plmns++][n] = '\0';
		}
		s += n;
		s += strspn(s, ", ");
	}
	v->has_pol = true;
}
