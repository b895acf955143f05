// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd: provisioning, reconciliation with the kernel, and persistence of
 * the kernel's state events.
 *
 * The kernel is authoritative for what the modem did; the store for what
 * survives a reboot.  Every state-ntf carries the profile's state-seq: an
 * event at or below the stored one is stale, one that skips a number means
 * events were lost, and state-get then fetches the whole state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "lib/log.h"
#include "lib/profile.h"
#include "vuiccd.h"

static const char *const auth_results[] = {
	"success", "mac-failure", "sync-failure", "unsupported-context",
};

struct vprof *vd_find(struct vd *d, uint32_t card, const char *name)
{
	size_t i;

	for (i = 0; i < d->n_profs; i++)
		if (d->profs[i]->ps.card == card && !strcmp(d->profs[i]->ps.name, name))
			return d->profs[i];
	return NULL;
}

struct vprof *vd_get(struct vd *d, uint32_t card, const char *name)
{
	struct vprof *v = vd_find(d, card, name);

	if (v)
		return v;
	if (d->n_profs >= VD_PROFILES_MAX || strlen(name) > VUICC_PROFILE_NAME_MAX)
		return NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	strcpy(v->ps.name, name);
	v->ps.card = card;
	v->last_auth = -1;
	d->profs[d->n_profs++] = v;
	return v;
}

int vd_save(struct vd *d, struct vprof *v)
{
	uint64_t now = loop_now_ms();
	int ret = pstate_save(d->dirfd, &v->ps, d->io);

	/* how long the oldest change waited for the disk: the bound, measured */
	if (!ret && v->dirty && v->dirty_since && now > v->dirty_since &&
	    now - v->dirty_since > v->max_pending_ms)
		v->max_pending_ms = now - v->dirty_since;

	if (ret) {
		v->write_errors++;
		snprintf(v->last_error, sizeof(v->last_error), "writing its state: %s",
			 strerror(-ret));
		log_err("card %u profile %s: cannot write its state: %s; trying again", v->ps.card,
			v->ps.name, strerror(-ret));
		/* again after max(writeback_ms, 1 s), not in a loop */
		v->dirty = true;
		v->dirty_since = loop_now_ms() +
			(d->cfg.writeback_ms < 1000 ? 1000 - d->cfg.writeback_ms : 0);
		vd_arm_timer(d);
		return ret;
	}
	if (v->write_errors && v->last_error[0] && !strncmp(v->last_error, "writing", 7))
		v->last_error[0] = '\0';
	v->writes++;
	v->in_store = true;
	v->dirty = false;
	v->dirty_since = 0;
	return 0;
}

static void vd_save_card(struct vd *d, uint32_t card)
{
	struct vcard *c = &d->cards[card];
	int ret;

	if (!strcmp(c->cs.enabled, c->enabled) && c->cs.gen)
		return;
	c->cs.card = card;
	strcpy(c->cs.enabled, c->enabled);
	ret = cstate_save(d->dirfd, &c->cs, d->io);
	if (ret)
		log_err("card %u: cannot write its state: %s", card, strerror(-ret));
}

/* ---- the store ---- */

/* Moves every copy of @base aside as BASE*.damaged, for a human to look at. */
static void vd_set_aside(struct vd *d, const char *base)
{
	static const char *const suffix[] = { "", ".tmp", ".prev" };
	char from[300], to[320];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s%s", base, suffix[i]);
		snprintf(to, sizeof(to), "%s.damaged", from);
		if (!renameat(d->dirfd, from, d->dirfd, to))
			log_err("state: moved %s aside as %s", from, to);
	}
	fsync(d->dirfd);
}

int vd_load_store(struct vd *d)
{
	char note[512], base[300], name[VUICC_PROFILE_NAME_MAX + 1];
	struct dirent *e;
	struct pstate ps;
	struct vprof *v;
	unsigned int card;
	size_t n;
	DIR *dir;
	int fd, ret, count = 0;

	fd = dup(d->dirfd);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	rewinddir(dir);
	while ((e = readdir(dir))) {
		snprintf(base, sizeof(base), "%s", e->d_name);
		n = strlen(base);
		if (n > 4 && !strcmp(base + n - 4, ".tmp"))
			base[n -= 4] = '\0';
		else if (n > 5 && !strcmp(base + n - 5, ".prev"))
			base[n -= 5] = '\0';
		if (n < 7 || strcmp(base + n - 6, ".state"))
			continue;
		base[n - 6] = '\0';
		if (sscanf(base, "card%u", &card) == 1 && !strchr(base, '-')) {
			if (card >= VUICC_CARDS_MAX || d->cards[card].cs.gen)
				continue;
			ret = cstate_load(d->dirfd, card, &d->cards[card].cs, note, sizeof(note));
			if (ret == -EBADMSG) {
				log_err("state: card %u: %s", card, note);
				strcat(base, ".state");
				vd_set_aside(d, base);
			} else if (!ret && note[0]) {
				log_warn("state: card %u: recovered from an older copy (%s)", card, note);
			}
			continue;
		}
		if (sscanf(base, "%u-", &card) != 1 || card >= VUICC_CARDS_MAX)
			continue;
		snprintf(name, sizeof(name), "%s", strchr(base, '-') + 1);
		if (vd_find(d, card, name))
			continue;
		ret = pstate_load(d->dirfd, card, name, &ps, note, sizeof(note));
		if (ret == -EBADMSG) {
			log_err("state: card %u profile %s: no valid copy (%s); starting afresh",
				card, name, note);
			strcat(base, ".state");
			vd_set_aside(d, base);
			continue;
		}
		if (ret)
			continue;
		if (note[0])
			log_warn("state: card %u profile %s: recovered from an older copy (%s)",
				 card, name, note);
		v = vd_get(d, card, name);
		if (!v) {
			pstate_clear(&ps);
			continue;
		}
		pstate_clear(&v->ps);
		v->ps = ps;
		v->in_store = true;
		count++;
	}
	closedir(dir);
	log_info("state: %d profile states read from %s", count, d->cfg.state_dir);
	return count;
}

/* ---- the kernel's view ---- */

static int vd_card_cb(const struct nlmsghdr *nlh, struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct vd *d = arg;
	struct vcard *c;
	uint32_t id;

	if (!tb[VUICC_A_CARD_ID])
		return 0;
	id = nla_get_u32(tb[VUICC_A_CARD_ID]);
	/* another vuiccd's cards (card_base) are not ours to look at */
	if (id >= VUICC_CARDS_MAX || !vd_card_mine(d, id))
		return 0;
	c = &d->cards[id];
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

static int vd_profile_cb(const struct nlmsghdr *nlh, struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct vd *d = arg;
	struct vprof *v;

	if (!tb[VUICC_A_CARD_ID] || !tb[VUICC_A_PROFILE_NAME] ||
	    !vd_card_mine(d, nla_get_u32(tb[VUICC_A_CARD_ID])))
		return 0;
	v = vd_get(d, nla_get_u32(tb[VUICC_A_CARD_ID]), nla_get_string(tb[VUICC_A_PROFILE_NAME]));
	if (!v)
		return 0;
	v->installed = true;
	v->enabled = tb[VUICC_A_PROFILE_ENABLED] && nla_get_u8(tb[VUICC_A_PROFILE_ENABLED]);
	v->kind = tb[VUICC_A_PROFILE_KIND] ? nla_get_u32(tb[VUICC_A_PROFILE_KIND]) : 0;
	v->role = tb[VUICC_A_PROFILE_ROLE] ? nla_get_u32(tb[VUICC_A_PROFILE_ROLE]) : 0;
	return 0;
}

/* Cards and profiles as the kernel has them now (no state). */
int vd_snapshot(struct vd *d)
{
	struct nl_msg *m;
	size_t i;
	int ret;

	for (i = 0; i < VUICC_CARDS_MAX; i++)
		d->cards[i].exists = false;
	m = vnl_request(&d->req, VUICC_CMD_CARD_GET, NLM_F_DUMP);
	if (!m)
		return -ENOMEM;
	ret = vnl_transact(&d->req, m, vd_card_cb, d);
	if (ret)
		goto err;
	for (i = 0; i < d->n_profs; i++) {
		d->profs[i]->installed = false;
		d->profs[i]->enabled = false;
	}
	m = vnl_request(&d->req, VUICC_CMD_PROFILE_GET, NLM_F_DUMP);
	if (!m)
		return -ENOMEM;
	ret = vnl_transact(&d->req, m, vd_profile_cb, d);
	if (ret)
		goto err;
	return 0;
err:
	log_err("reading the kernel's cards and profiles: %s", d->req.err);
	return ret;
}

/* Takes a full state (state-get) or one change (state-ntf) into @v; true if it changed. */
static bool vd_apply(struct vprof *v, const struct nlmsghdr *nlh, struct nlattr **tb)
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

static int vd_state_cb(const struct nlmsghdr *nlh, struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct vprof *v = arg;
	uint64_t seq;

	if (cmd != VUICC_CMD_STATE_GET || !tb[VUICC_A_STATE_SEQ])
		return 0;
	seq = nla_get_u64(tb[VUICC_A_STATE_SEQ]);
	if (vd_apply(v, nlh, tb) || seq != v->ps.seq || !v->in_store) {
		v->ps.seq = seq;
		v->dirty = true;
	}
	return 0;
}

/* state-get: the kernel's whole state of @v, stored at once if it differs. */
static int vd_fetch_state(struct vd *d, struct vprof *v)
{
	struct nl_msg *m = vnl_request(&d->req, VUICC_CMD_STATE_GET, 0);
	int ret;

	if (!m)
		return -ENOMEM;
	nla_put_u32(m, VUICC_A_CARD_ID, v->ps.card);
	nla_put_string(m, VUICC_A_PROFILE_NAME, v->ps.name);
	ret = vnl_transact(&d->req, m, vd_state_cb, v);
	if (ret) {
		if (ret == -ENOENT)
			v->installed = false;
		else
			log_err("card %u profile %s: state-get: %s", v->ps.card, v->ps.name,
				d->req.err);
		return ret;
	}
	v->resyncs++;
	if (v->dirty)
		return vd_save(d, v);
	return 0;
}

int vd_resync(struct vd *d)
{
	size_t i;
	int ret;

	d->resyncs++;
	ret = vd_snapshot(d);
	if (ret)
		return ret;
	for (i = 0; i < d->n_profs; i++)
		if (d->profs[i]->installed)
			vd_fetch_state(d, d->profs[i]);
	return 0;
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

/* What ranking needs of a profile file (never a key). */
void vd_prof_pol_info(struct vprof *v, const struct profile *p)
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

/* ---- provisioning ---- */

/* A stored SQN array for another ind_bits: every new slot at the highest SEQ seen. */
static void vd_convert_sqn(const struct pstate *ps, unsigned int ind_bits, uint8_t *out)
{
	unsigned int old_bits = 0, i, slots = 1u << ind_bits;
	uint64_t top = 0, sqn, seq;
	size_t j, k;

	while ((6u << old_bits) < ps->sqn_len)
		old_bits++;
	for (j = 0; j < ps->sqn_len; j += 6) {
		for (sqn = 0, k = 0; k < 6; k++)
			sqn = sqn << 8 | ps->sqn[j + k];
		if (sqn > top)
			top = sqn;
	}
	seq = top >> old_bits;
	for (i = 0; i < slots; i++) {
		sqn = (seq << ind_bits | i) & 0xFFFFFFFFFFFFULL;
		for (k = 0; k < 6; k++)
			out[6 * i + k] = (uint8_t)(sqn >> (8 * (5 - k)));
	}
}

/* profile-add of @p with the stored state of @v (SQN array, EFs). */
static int vd_install(struct vd *d, struct vprof *v, const struct profile *p)
{
	unsigned int ind_bits = p->ind_bits >= 0 ? (unsigned int)p->ind_bits : 5;
	struct profile *m;
	struct nl_msg *msg;
	size_t i, j;
	int ret;

	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	memcpy(m, p, sizeof(*m));
	if (v->ps.sqn_len == (size_t)6 << ind_bits) {
		memcpy(m->sqn_state, v->ps.sqn, v->ps.sqn_len);
		m->sqn_state_len = v->ps.sqn_len;
	} else if (v->ps.sqn_len) {
		log_notice("card %u profile %s: ind_bits changed; every SQN slot starts at the highest stored SEQ",
			   v->ps.card, v->ps.name);
		vd_convert_sqn(&v->ps, ind_bits, m->sqn_state);
		m->sqn_state_len = (size_t)6 << ind_bits;
	}
	for (i = 0; i < v->ps.n_efs; i++) {
		const struct store_ef *f = &v->ps.efs[i];

		for (j = 0; j < m->n_files; j++)
			if (m->files[j].path_len == f->path_len &&
			    !memcmp(m->files[j].path, f->path, f->path_len))
				break;
		if (j == m->n_files) {
			if (m->n_files == VUICC_FILES_MAX) {
				ret = -ENOSPC;
				snprintf(v->last_error, sizeof(v->last_error),
					 "its file sections and stored EFs are more than %d",
					 VUICC_FILES_MAX);
				goto out;
			}
			m->n_files++;
		}
		memcpy(m->files[j].path, f->path, f->path_len);
		m->files[j].path_len = f->path_len;
		memcpy(m->files[j].data, f->data, f->len);
		m->files[j].len = f->len;
	}
	msg = vnl_request_sized(&d->req, VUICC_CMD_PROFILE_ADD, 0,
				4096 + m->sqn_state_len + m->n_files * (VUICC_FILE_DATA_MAX + 64));
	ret = -ENOMEM;
	if (msg && vnl_put_profile(msg, m, v->ps.card) == 0)
		ret = vnl_transact(&d->req, msg, NULL, NULL);
	else if (msg)
		nlmsg_free(msg);
	if (ret)
		snprintf(v->last_error, sizeof(v->last_error), "profile-add: %s",
			 d->req.err[0] ? d->req.err : strerror(-ret));
out:
	profile_wipe(m);
	free(m);
	if (ret) {
		log_err("card %u profile %s (%s): not installed: %s", v->ps.card, v->ps.name,
			v->file, v->last_error);
		return ret;
	}
	v->installed = true;
	v->enabled = false;
	v->ps.seq = 0;		/* the kernel counts afresh */
	v->ps.fingerprint = p->fingerprint;
	v->last_error[0] = '\0';
	v->in_store = true;
	loop_event(&d->loop, "card %u: profile %s installed", v->ps.card, v->ps.name);
	log_info("card %u: profile %s installed from %s (%zu stored EFs%s)", v->ps.card,
		 v->ps.name, v->file, v->ps.n_efs, v->ps.sqn_len ? ", stored SQN array" : "");
	/* the store now describes this installation: its SQN array as the kernel has it */
	v->dirty = true;
	return vd_fetch_state(d, v);
}

static int vd_simple(struct vd *d, uint8_t cmd, uint32_t card, const char *name)
{
	struct nl_msg *m = vnl_request(&d->req, cmd, 0);

	if (!m)
		return -ENOMEM;
	nla_put_u32(m, VUICC_A_CARD_ID, card);
	if (name)
		nla_put_string(m, VUICC_A_PROFILE_NAME, name);
	return vnl_transact(&d->req, m, NULL, NULL);
}

/* Takes the profile out of the kernel, its last state stored first. */
static int vd_uninstall(struct vd *d, struct vprof *v)
{
	int ret;

	vd_fetch_state(d, v);
	ret = vd_simple(d, VUICC_CMD_PROFILE_DEL, v->ps.card, v->ps.name);
	if (ret && ret != -ENOENT) {
		log_err("card %u profile %s: profile-del: %s", v->ps.card, v->ps.name, d->req.err);
		return ret;
	}
	v->installed = false;
	v->enabled = false;
	return 0;
}

static int vd_enable(struct vd *d, uint32_t card, const char *name, const char *why)
{
	int ret = vd_simple(d, VUICC_CMD_PROFILE_ENABLE, card, name);

	if (ret) {
		log_err("card %u: cannot enable %s: %s", card, name, d->req.err);
		return ret;
	}
	log_notice("card %u: profile %s enabled (%s)", card, name, why);
	loop_event(&d->loop, "card %u: %s enabled (%s)", card, name, why);
	snprintf(d->cards[card].enabled, sizeof(d->cards[card].enabled), "%s", name);
	vd_save_card(d, card);
	return 0;
}

static int conf_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The profile a card should have when it has none (or must switch). */
static const char *vd_choose(struct vd *d, uint32_t card, const char **why)
{
	struct vprof *v;
	size_t i;

	v = d->cards[card].cs.enabled[0] ? vd_find(d, card, d->cards[card].cs.enabled) : NULL;
	if (v && v->installed) {
		*why = "in use before";
		return v->ps.name;
	}
	for (i = 0; i < d->cfg.n_enable; i++) {
		v = vd_find(d, card, d->cfg.enable[i]);
		if (v && v->installed) {
			*why = "configured";
			return v->ps.name;
		}
	}
	for (i = 0; i < d->n_profs; i++) {
		v = d->profs[i];
		if (v->ps.card == card && v->installed && v->kind == VUICC_PROFILE_KIND_SEED &&
		    v->role == VUICC_PROFILE_ROLE_MASTER) {
			*why = "the master seed";
			return v->ps.name;
		}
	}
	return NULL;
}

static int vd_create_cards(struct vd *d)
{
	struct nl_msg *m;
	unsigned int c;
	int ret;

	for (c = 0; c < VUICC_CARDS_MAX; c++)
		d->cards[c].configured = vd_card_mine(d, c);
	for (c = d->cfg.card_base; c < VD_CARD_END(d); c++) {
		if (d->cards[c].exists)
			continue;
		m = vnl_request(&d->req, VUICC_CMD_CARD_NEW, 0);
		if (!m)
			return -ENOMEM;
		nla_put_u32(m, VUICC_A_CARD_ID, c);
		ret = vnl_transact(&d->req, m, NULL, NULL);
		if (ret && ret != -EEXIST) {
			log_err("card %u: cannot create it: %s", c, d->req.err);
			return ret;
		}
		d->cards[c].exists = true;
		log_info("card %u: created (/dev/vuicc%u)", c, c);
		loop_event(&d->loop, "card %u created", c);
	}
	return 0;
}

int vd_provision(struct vd *d, bool at_start)
{
	char err[PROFILE_ERR_MAX], path[CONFIG_PATH_MAX + 64];
	char *names[VD_PROFILES_MAX];
	size_t n = 0, i, bad = 0;
	struct profile *p;
	const char *want, *why;
	struct dirent *e;
	struct vprof *v;
	bool was_enabled;
	unsigned int c;
	DIR *dir;
	int ret;

	ret = vd_create_cards(d);
	if (ret)
		return ret;
	dir = opendir(d->cfg.profiles_dir);
	if (!dir) {
		log_err("profiles: %s: %s", d->cfg.profiles_dir, strerror(errno));
	} else {
		while ((e = readdir(dir)) && n < VD_PROFILES_MAX) {
			size_t len = strlen(e->d_name);

			if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".conf"))
				continue;
			names[n] = strdup(e->d_name);
			if (names[n])
				n++;
		}
		closedir(dir);
	}
	qsort(names, n, sizeof(names[0]), conf_cmp);
	p = malloc(sizeof(*p));
	if (!p) {
		for (i = 0; i < n; i++)
			free(names[i]);
		return -ENOMEM;
	}
	for (i = 0; i < d->n_profs; i++)
		d->profs[i]->seen = false;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", d->cfg.profiles_dir, names[i]);
		free(names[i]);
		if (profile_load(path, p, err, sizeof(err))) {
			log_err("profile %s: skipped: %s", path, err);
			loop_event(&d->loop, "profile file %s skipped (invalid)", path);
			bad++;
			continue;
		}
		if (p->loose_permissions)
			log_warn("profile %s is readable by group or others; it holds keys (chmod 600 it)",
				 path);
		if (p->card < 0 || !vd_card_mine(d, (uint32_t)p->card)) {
			log_err("profile %s: skipped: card %d is not one of cards %u..%u", path,
				p->card, d->cfg.card_base, VD_CARD_END(d) - 1);
			bad++;
			profile_wipe(p);
			continue;
		}
		v = vd_get(d, (uint32_t)p->card, p->name);
		if (!v || v->seen) {
			log_err("profile %s: skipped: %s", path,
				v ? "another file has this name on this card" : "too many profiles");
			bad++;
			profile_wipe(p);
			continue;
		}
		v->seen = true;
		v->managed = true;
		snprintf(v->file, sizeof(v->file), "%s", path);
		v->file_fpr = p->fingerprint;
		v->kind = p->kind;
		v->role = p->role;
		vd_prof_pol_info(v, p);
		if (!v->installed) {
			vd_install(d, v, p);
		} else if (v->ps.fingerprint == p->fingerprint) {
			/* as installed: untouched */
		} else if (!v->ps.fingerprint && at_start) {
			log_info("card %u: profile %s was installed by someone else; taken as %s",
				 v->ps.card, v->ps.name, path);
			v->ps.fingerprint = p->fingerprint;
			vd_save(d, v);
		} else {
			was_enabled = v->enabled;
			log_notice("card %u: profile %s changed in %s; installing it again%s",
				   v->ps.card, v->ps.name, path,
				   was_enabled ? " (the modem sees the card removed and inserted)" : "");
			if (!vd_uninstall(d, v) && !vd_install(d, v, p) && was_enabled)
				vd_enable(d, v->ps.card, v->ps.name, "changed");
		}
		profile_wipe(p);
	}
	free(p);

	/* files removed: out of the kernel, their state kept (the SQN array matters) */
	for (i = 0; i < d->n_profs; i++) {
		v = d->profs[i];
		if (!v->managed || v->seen)
			continue;
		v->managed = false;
		if (v->installed && v->ps.fingerprint) {
			log_notice("card %u: profile %s: its file is gone; deleting it from the card",
				   v->ps.card, v->ps.name);
			loop_event(&d->loop, "card %u: profile %s deleted (file gone)", v->ps.card, v->ps.name);
			vd_uninstall(d, v);
		}
	}

	ret = vd_snapshot(d);
	if (ret)
		return ret;
	for (c = d->cfg.card_base; c < VD_CARD_END(d); c++) {
		if (!d->cards[c].exists)
			continue;
		if (d->cards[c].enabled[0] && (!at_start || d->cfg.keep_enabled)) {
			if (at_start) {
				log_info("card %u: keeps profile %s enabled", c, d->cards[c].enabled);
				d->restarted = true;
			}
			vd_save_card(d, c);
			continue;
		}
		/* the policy chooses the cards it runs */
		if (d->cfg.policy && d->cfg.modem[c][0])
			continue;
		want = vd_choose(d, c, &why);
		if (!want) {
			if (!d->cards[c].enabled[0])
				log_warn("card %u: no profile to enable", c);
			continue;
		}
		if (strcmp(want, d->cards[c].enabled))
			vd_enable(d, c, want, why);
	}
	if (bad)
		log_warn("profiles: %zu file(s) skipped; the others are in place", bad);
	return 0;
}

/* ---- events ---- */

/*
 * At most this many events are handled before the SQN arrays they carry
 * are written: under a burst of challenges one write (two fsyncs) covers
 * many of them, so vuiccd keeps up with the card instead of falling ever
 * further behind with one write per event.
 */
#define VD_EVENT_BATCH	64

struct ev_ctx {
	struct vd *d;
	bool refresh;
	unsigned int n;
};

/* The SQN arrays read since the last batch (and the EF changes with them). */
static void vd_save_sqn_batch(struct vd *d, struct ev_ctx *x)
{
	size_t i;

	for (i = 0; i < d->n_profs; i++) {
		if (!d->profs[i]->sqn_dirty)
			continue;
		d->profs[i]->sqn_dirty = false;
		d->profs[i]->dirty = true;
		vd_save(d, d->profs[i]);
	}
	x->n = 0;
}

static int vd_event_cb(const struct nlmsghdr *nlh, struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct ev_ctx *x = arg;
	struct vd *d = x->d;
	struct vprof *v = NULL;
	uint32_t card = tb[VUICC_A_CARD_ID] ? nla_get_u32(tb[VUICC_A_CARD_ID]) : 0;
	uint64_t seq;
	uint32_t r;

	if (tb[VUICC_A_CARD_ID] && !vd_card_mine(d, card))
		return 0;	/* another vuiccd's card */
	if (tb[VUICC_A_PROFILE_NAME])
		v = vd_find(d, card, nla_get_string(tb[VUICC_A_PROFILE_NAME]));
	switch (cmd) {
	case VUICC_CMD_STATE_NTF:
		if (!v || !tb[VUICC_A_STATE_SEQ]) {
			x->refresh = true;
			return 0;
		}
		v->events++;
		seq = nla_get_u64(tb[VUICC_A_STATE_SEQ]);
		if (seq <= v->ps.seq) {
			v->stale_events++;
			return 0;
		}
		if (seq != v->ps.seq + 1) {
			log_info("card %u profile %s: state events %llu..%llu missed; fetching the state",
				 card, v->ps.name, (unsigned long long)v->ps.seq + 1,
				 (unsigned long long)seq - 1);
			vd_fetch_state(d, v);
			return 0;
		}
		vd_apply(v, nlh, tb);
		v->ps.seq = seq;
		if (tb[VUICC_A_SQN_STATE] || !d->cfg.writeback_ms) {
			/*
			 * the SQN array when this batch of events ends, before
			 * vuiccd waits again: a lost one would let a replay in
			 */
			v->sqn_dirty = true;
			if (!v->dirty_since)
				v->dirty_since = loop_now_ms();
			if (++x->n >= VD_EVENT_BATCH)
				vd_save_sqn_batch(d, x);
			return 0;
		} else if (!v->dirty) {
			v->dirty = true;
			v->dirty_since = loop_now_ms();
			vd_arm_timer(d);
		}
		return 0;
	case VUICC_CMD_AUTH_NTF:
		if (!v || !tb[VUICC_A_AUTH_RESULT])
			return 0;
		/* enum vuicc_auth_result starts at 1 (success) */
		r = nla_get_u32(tb[VUICC_A_AUTH_RESULT]) - 1;
		if (r < 4) {
			v->auth[r]++;
			v->last_auth = (int)r;
			v->last_auth_time = time(NULL);
			if (r)
				loop_event(&d->loop, "card %u: %s: authentication %s", card, v->ps.name,
					 auth_results[r]);
		}
		return 0;
	case VUICC_CMD_CARD_RESET_NTF:
		loop_event(&d->loop, "card %u reset", card);
		x->refresh = true;
		return 0;
	case VUICC_CMD_CARD_POWER_NTF:
		loop_event(&d->loop, "card %u powered %s", card,
			 tb[VUICC_A_CARD_POWERED] && nla_get_u8(tb[VUICC_A_CARD_POWERED]) ? "on" : "off");
		x->refresh = true;
		return 0;
	case VUICC_CMD_CARD_NEW_NTF:
	case VUICC_CMD_CARD_DEL_NTF:
	case VUICC_CMD_PROFILE_ADD_NTF:
	case VUICC_CMD_PROFILE_DEL_NTF:
	case VUICC_CMD_PROFILE_ENABLE_NTF:
		/* the events say what happened, not in which order with ours: ask */
		x->refresh = true;
		return 0;
	}
	return 0;
}

int vd_handle_events(struct vd *d)
{
	struct ev_ctx x = { .d = d };
	size_t i;
	int ret;

	ret = vnl_events_read(&d->ev, vd_event_cb, &x);
	vd_save_sqn_batch(d, &x);
	if (ret == -ENOBUFS) {
		d->overflows++;
		log_warn("kernel events were lost (socket buffer full); fetching every state");
		loop_event(&d->loop, "events lost: full resynchronisation");
		return vd_resync(d);
	}
	if (ret < 0) {
		log_err("reading kernel events: %s", strerror(-ret));
		return ret;
	}
	if (x.refresh) {
		for (i = 0; i < d->n_profs; i++)
			d->profs[i]->was_installed = d->profs[i]->installed;
		vd_snapshot(d);
		/*
		 * A profile added (again) by someone else: the kernel counts its
		 * state-seq afresh, so take its state now, not from the events
		 */
		for (i = 0; i < d->n_profs; i++)
			if (d->profs[i]->installed && !d->profs[i]->was_installed)
				vd_fetch_state(d, d->profs[i]);
		/* which profile is in use, for the next boot */
		for (i = d->cfg.card_base; i < VD_CARD_END(d); i++)
			if (d->cards[i].exists)
				vd_save_card(d, (uint32_t)i);
		/* profiles that appeared: their state from now on */
		for (i = 0; i < d->n_profs; i++)
			if (d->profs[i]->installed && !d->profs[i]->in_store)
				vd_fetch_state(d, d->profs[i]);
	}
	return 0;
}

/* ---- write-back ---- */

void vd_arm_timer(struct vd *d)
{
	struct itimerspec its = { 0 };
	uint64_t next = 0, t;
	size_t i;

	for (i = 0; i < d->n_profs; i++) {
		if (!d->profs[i]->dirty)
			continue;
		t = d->profs[i]->dirty_since + d->cfg.writeback_ms;
		if (!next || t < next)
			next = t;
	}
	if (next) {
		its.it_value.tv_sec = (time_t)(next / 1000);
		its.it_value.tv_nsec = (long)(next % 1000) * 1000000;
		/* a deadline already past still fires */
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(d->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
	d->timer_armed = next != 0;
}

void vd_writeback(struct vd *d, bool all)
{
	uint64_t now = loop_now_ms();
	size_t i;

	for (i = 0; i < d->n_profs; i++) {
		struct vprof *v = d->profs[i];

		if (v->dirty && (all || v->dirty_since + d->cfg.writeback_ms <= now))
			vd_save(d, v);
	}
	vd_arm_timer(d);
}

/* ---- profiles of the policy (policy.c): from the SIM server, no file ---- */

int vd_enable_profile(struct vd *d, uint32_t card, const char *name, const char *why)
{
	return vd_enable(d, card, name, why);
}

int vd_share_refresh_state(struct vd *d, struct vprof *v)
{
	return vd_fetch_state(d, v);
}

int vd_install_remote(struct vd *d, uint32_t card, const struct profile *p)
{
	struct vprof *v = vd_get(d, card, p->name);
	int ret;

	if (!v)
		return -ENOSPC;
	if (v->managed) {
		log_err("card %u: the server's profile %s has the name of a profile file; not installed",
			card, p->name);
		return -EEXIST;
	}
	if (v->installed) {
		ret = vd_uninstall(d, v);
		if (ret)
			return ret;
	}
	snprintf(v->file, sizeof(v->file), "(SIM server)");
	v->kind = p->kind;
	v->role = p->role;
	ret = vd_install(d, v, p);
	if (!ret)
		vd_save(d, v);
	return ret;
}

/* Out of the kernel and out of the store: its keys are gone everywhere. */
int vd_delete_remote(struct vd *d, uint32_t card, const char *name)
{
	static const char *const suffix[] = { "", ".prev", ".tmp" };
	struct vprof *v = vd_find(d, card, name);
	char base[VUICC_PROFILE_NAME_MAX + 64], path[VUICC_PROFILE_NAME_MAX + 80];
	size_t i;
	int ret = 0;

	if (!v)
		return -ENOENT;
	if (v->installed) {
		ret = vd_simple(d, VUICC_CMD_PROFILE_DEL, card, name);
		if (ret && ret != -ENOENT) {
			log_err("card %u profile %s: profile-del: %s", card, name, d->req.err);
			return ret;
		}
		ret = 0;
	}
	pstate_filename(card, name, base, sizeof(base));
	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", base, suffix[i]);
		if (unlinkat(d->dirfd, path, 0) && errno != ENOENT) {
			log_err("card %u profile %s: %s: %s", card, name, path, strerror(errno));
			ret = -errno;
		}
	}
	fsync(d->dirfd);
	for (i = 0; i < d->n_profs; i++)
		if (d->profs[i] == v) {
			pstate_clear(&v->ps);
			free(v);
			memmove(&d->profs[i], &d->profs[i + 1],
				(d->n_profs - i - 1) * sizeof(d->profs[0]));
			d->n_profs--;
			break;
		}
	if (!strcmp(d->cards[card].enabled, name))
		d->cards[card].enabled[0] = '\0';
	loop_event(&d->loop, "card %u: profile %s deleted (kernel and store)", card, name);
	return ret;
}
