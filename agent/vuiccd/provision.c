// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's provisioning (provision.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "lib/log.h"
#include "provision.h"

void prov_init(struct provision *pv, const struct config *cfg, struct registry *reg,
	       struct persist *store, struct vnl *req, struct loop *loop)
{
	memset(pv, 0, sizeof(*pv));
	pv->cfg = cfg;
	pv->reg = reg;
	pv->store = store;
	pv->req = req;
	pv->loop = loop;
}

/* A stored SQN array for another ind_bits: every new slot at the highest SEQ seen. */
static void convert_sqn(const struct pstate *ps, unsigned int ind_bits, uint8_t *out)
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
static int install(struct provision *pv, struct vprof *v, const struct profile *p)
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
		convert_sqn(&v->ps, ind_bits, m->sqn_state);
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
	msg = vnl_request_sized(pv->req, VUICC_CMD_PROFILE_ADD, 0,
				4096 + m->sqn_state_len + m->n_files * (VUICC_FILE_DATA_MAX + 64));
	ret = -ENOMEM;
	if (msg && vnl_put_profile(msg, m, v->ps.card) == 0)
		ret = vnl_transact(pv->req, msg, NULL, NULL);
	else if (msg)
		nlmsg_free(msg);
	if (ret)
		snprintf(v->last_error, sizeof(v->last_error), "profile-add: %s",
			 pv->req->err[0] ? pv->req->err : strerror(-ret));
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
	loop_event(pv->loop, "card %u: profile %s installed", v->ps.card, v->ps.name);
	log_info("card %u: profile %s installed from %s (%zu stored EFs%s)", v->ps.card,
		 v->ps.name, v->file, v->ps.n_efs, v->ps.sqn_len ? ", stored SQN array" : "");
	/* the store now describes this installation: its SQN array as the kernel has it */
	v->dirty = true;
	return persist_fetch_state(pv->store, v);
}

/* A request about one profile, with a deadline (ms of CLOCK_BOOTTIME) unless 0. */
static int simple_until(struct provision *pv, uint8_t cmd, uint32_t card, const char *name,
			uint64_t deadline_ms)
{
	struct nl_msg *m = vnl_request(pv->req, cmd, 0);

	if (!m)
		return -ENOMEM;
	nla_put_u32(m, VUICC_A_CARD_ID, card);
	if (name)
		nla_put_string(m, VUICC_A_PROFILE_NAME, name);
	if (deadline_ms)
		nla_put_u64(m, VUICC_A_PROFILE_DEADLINE, deadline_ms * 1000000);
	return vnl_transact(pv->req, m, NULL, NULL);
}

static int simple(struct provision *pv, uint8_t cmd, uint32_t card, const char *name)
{
	return simple_until(pv, cmd, card, name, 0);
}

/* Takes the profile out of the kernel, its last state stored first. */
static int uninstall(struct provision *pv, struct vprof *v)
{
	int ret;

	persist_fetch_state(pv->store, v);
	ret = simple(pv, VUICC_CMD_PROFILE_DEL, v->ps.card, v->ps.name);
	if (ret && ret != -ENOENT) {
		log_err("card %u profile %s: profile-del: %s", v->ps.card, v->ps.name, pv->req->err);
		return ret;
	}
	v->installed = false;
	v->enabled = false;
	return 0;
}

int prov_enable_until(struct provision *pv, uint32_t card, const char *name, const char *why,
		      uint64_t deadline_ms)
{
	struct registry *r = pv->reg;
	int ret = simple_until(pv, VUICC_CMD_PROFILE_ENABLE, card, name, deadline_ms);

	if (ret) {
		log_err("card %u: cannot enable %s: %s", card, name, pv->req->err);
		return ret;
	}
	if (deadline_ms)
		log_notice("card %u: profile %s enabled (%s) until the kernel's deadline, "
			   "boot time %llu ms", card, name, why, (unsigned long long)deadline_ms);
	else
		log_notice("card %u: profile %s enabled (%s)", card, name, why);
	loop_event(pv->loop, "card %u: %s enabled (%s)", card, name, why);
	snprintf(r->cards[card].enabled, sizeof(r->cards[card].enabled), "%s", name);
	persist_save_card(pv->store, card);
	return 0;
}

int prov_enable(struct provision *pv, uint32_t card, const char *name, const char *why)
{
	return prov_enable_until(pv, card, name, why, 0);
}

int prov_renew(struct provision *pv, uint32_t card, const char *name, uint64_t deadline_ms)
{
	int ret = simple_until(pv, VUICC_CMD_PROFILE_RENEW, card, name, deadline_ms);

	if (ret)
		log_err("card %u: cannot renew the deadline of %s: %s", card, name, pv->req->err);
	return ret;
}

static int conf_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A slave's shared profile is enabled by the sharing glue under a lease,
 * never by provisioning: one left in the kernel by a vuiccd that died
 * (the kernel's deadline disabled it) must not come back on at the start.
 */
static bool slave_shared(struct provision *pv, const struct vprof *v)
{
	return pv->cfg->share == CONFIG_SHARE_SLAVE && !strcmp(v->ps.name, pv->cfg->share_profile);
}

/* The profile a card should have when it has none (or must switch). */
static const char *choose(struct provision *pv, uint32_t card, const char **why)
{
	struct registry *r = pv->reg;
	struct vprof *v;
	size_t i;

	v = r->cards[card].cs.enabled[0] ? reg_find(r, card, r->cards[card].cs.enabled) : NULL;
	if (v && v->installed && !slave_shared(pv, v)) {
		*why = "in use before";
		return v->ps.name;
	}
	for (i = 0; i < pv->cfg->n_enable; i++) {
		v = reg_find(r, card, pv->cfg->enable[i]);
		if (v && v->installed && !slave_shared(pv, v)) {
			*why = "configured";
			return v->ps.name;
		}
	}
	for (i = 0; i < r->n_profs; i++) {
		v = r->profs[i];
		if (v->ps.card == card && v->installed && v->kind == VUICC_PROFILE_KIND_SEED &&
		    v->role == VUICC_PROFILE_ROLE_MASTER && !slave_shared(pv, v)) {
			*why = "the master seed";
			return v->ps.name;
		}
	}
	return NULL;
}

static int create_cards(struct provision *pv)
{
	struct registry *r = pv->reg;
	struct nl_msg *m;
	unsigned int c;
	int ret;

	for (c = 0; c < VUICC_CARDS_MAX; c++)
		r->cards[c].configured = reg_mine(r, c);
	for (c = pv->cfg->card_base; c < REG_CARD_END(r); c++) {
		if (r->cards[c].exists)
			continue;
		m = vnl_request(pv->req, VUICC_CMD_CARD_NEW, 0);
		if (!m)
			return -ENOMEM;
		nla_put_u32(m, VUICC_A_CARD_ID, c);
		ret = vnl_transact(pv->req, m, NULL, NULL);
		if (ret && ret != -EEXIST) {
			log_err("card %u: cannot create it: %s", c, pv->req->err);
			return ret;
		}
		r->cards[c].exists = true;
		log_info("card %u: created (/dev/vuicc%u)", c, c);
		loop_event(pv->loop, "card %u created", c);
	}
	return 0;
}

/* The *.conf names of profiles_dir, sorted; how many (each malloc'ed). */
static size_t list_files(const char *dir_path, char **names)
{
	struct dirent *e;
	size_t n = 0;
	DIR *dir;

	dir = opendir(dir_path);
	if (!dir) {
		log_err("profiles: %s: %s", dir_path, strerror(errno));
		return 0;
	}
	while ((e = readdir(dir)) && n < VD_PROFILES_MAX) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".conf"))
			continue;
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(dir);
	qsort(names, n, sizeof(names[0]), conf_cmp);
	return n;
}

/*
 * kind = card: a physical card in one of the modem's slots.  Registered for
 * the policy, never installed: its keys are on the card, and the kernel's
 * card keeps whatever it has.
 */
static void provision_hard(struct provision *pv, struct vprof *v, const struct profile *p)
{
	if (!v->hard || v->slot != p->slot)
		log_info("card %u: profile %s is a physical card in modem slot %d (not installed)",
			 v->ps.card, v->ps.name, p->slot);
	v->hard = true;
	v->slot = p->slot;
	if (v->installed)
		log_warn("card %u: the kernel has a profile named %s too; it is left as it is",
			 v->ps.card, v->ps.name);
}

/* One profile file into the kernel (@p: room for it); false if it was skipped. */
static bool provision_file(struct provision *pv, const char *path, struct profile *p,
			   bool at_start)
{
	struct registry *r = pv->reg;
	char err[PROFILE_ERR_MAX];
	struct vprof *v;
	bool was_enabled;

	if (profile_load(path, p, err, sizeof(err))) {
		log_err("profile %s: skipped: %s", path, err);
		loop_event(pv->loop, "profile file %s skipped (invalid)", path);
		return false;
	}
	if (p->loose_permissions)
		log_warn("profile %s is readable by group or others; it holds keys (chmod 600 it)",
			 path);
	if (p->card < 0 || !reg_mine(r, (uint32_t)p->card)) {
		log_err("profile %s: skipped: card %d is not one of cards %u..%u", path,
			p->card, pv->cfg->card_base, REG_CARD_END(r) - 1);
		profile_wipe(p);
		return false;
	}
	v = reg_get(r, (uint32_t)p->card, p->name);
	if (!v || v->seen) {
		log_err("profile %s: skipped: %s", path,
			v ? "another file has this name on this card" : "too many profiles");
		profile_wipe(p);
		return false;
	}
	v->seen = true;
	v->managed = true;
	snprintf(v->file, sizeof(v->file), "%s", path);
	v->file_fpr = p->fingerprint;
	v->kind = p->kind;
	v->role = p->role;
	explicit_bzero(v->pin1, sizeof(v->pin1));
	memcpy(v->pin1, p->pin1, sizeof(v->pin1) - 1);
	reg_pol_info(v, p);
	if (p->hard) {
		provision_hard(pv, v, p);
	} else if (!v->installed) {
		/* a file edited while the kernel lost the profile (a reboot) */
		if (v->in_store && v->ps.fingerprint && v->ps.fingerprint != p->fingerprint)
			v->changed = true;
		install(pv, v, p);
	} else if (v->ps.fingerprint == p->fingerprint) {
		/* as installed: untouched */
	} else if (!v->ps.fingerprint && at_start) {
		log_info("card %u: profile %s was installed by someone else; taken as %s",
			 v->ps.card, v->ps.name, path);
		v->ps.fingerprint = p->fingerprint;
		persist_save(pv->store, v);
	} else {
		was_enabled = v->enabled;
		v->changed = true;
		log_notice("card %u: profile %s changed in %s; installing it again%s",
			   v->ps.card, v->ps.name, path,
			   was_enabled ? " (the modem sees the card removed and inserted)" : "");
		if (!uninstall(pv, v) && !install(pv, v, p) && was_enabled)
			prov_enable(pv, v->ps.card, v->ps.name, "changed");
	}
	profile_wipe(p);
	return true;
}

/* Files removed: out of the kernel, their state kept (the SQN array matters). */
static void drop_removed(struct provision *pv)
{
	struct registry *r = pv->reg;
	struct vprof *v;
	size_t i;

	for (i = 0; i < r->n_profs; i++) {
		v = r->profs[i];
		if (!v->managed || v->seen)
			continue;
		v->managed = false;
		if (v->installed && v->ps.fingerprint) {
			log_notice("card %u: profile %s: its file is gone; deleting it from the card",
				   v->ps.card, v->ps.name);
			loop_event(pv->loop, "card %u: profile %s deleted (file gone)", v->ps.card,
				   v->ps.name);
			uninstall(pv, v);
		}
	}
}

/* A profile on each card that has none (the policy chooses on the cards it runs). */
static void enable_cards(struct provision *pv, bool at_start)
{
	struct registry *r = pv->reg;
	const char *want, *why;
	unsigned int c;

	for (c = r->card_base; c < REG_CARD_END(r); c++) {
		if (!r->cards[c].exists)
			continue;
		if (r->cards[c].enabled[0] && (!at_start || pv->cfg->keep_enabled)) {
			if (at_start) {
				log_info("card %u: keeps profile %s enabled", c, r->cards[c].enabled);
				pv->restarted = true;
			}
			persist_save_card(pv->store, c);
			continue;
		}
		if (pv->cfg->policy && pv->cfg->modem[c][0])
			continue;
		want = choose(pv, c, &why);
		if (!want) {
			if (!r->cards[c].enabled[0])
				log_warn("card %u: no profile to enable", c);
			continue;
		}
		if (strcmp(want, r->cards[c].enabled))
			prov_enable(pv, c, want, why);
	}
}

/* ---- standby seeds from the SIM server, stored ---- */

/* Installs the parsed seed @p as the server's (in the kernel already: left). */
static int install_seed(struct provision *pv, uint32_t card, struct profile *p, const char *why)
{
	struct vprof *v = reg_get(pv->reg, card, p->name);
	int ret;

	if (!v)
		return -ENOSPC;
	if (v->managed) {
		log_err("card %u: the server's standby seed %s has the name of a profile file; "
			"not installed", card, p->name);
		return -EEXIST;
	}
	v->from_server = true;
	v->withdrawn = false;
	if (v->installed && v->ps.fingerprint == p->fingerprint) {
		snprintf(v->file, sizeof(v->file), "(SIM server)");
		v->kind = p->kind;
		v->role = p->role;
		reg_pol_info(v, p);
		log_info("card %u: standby seed %s (%s) is in the kernel already", card, p->name, why);
		return 0;
	}
	ret = prov_install_remote(pv, card, p);
	if (!ret) {
		reg_pol_info(v, p);
		log_notice("card %u: standby seed %s installed (%s)", card, p->name, why);
	}
	return ret;
}

static bool valid_seed(const struct profile *p)
{
	return p->kind == VUICC_PROFILE_KIND_SEED && p->role == VUICC_PROFILE_ROLE_STANDBY;
}

int prov_add_seed(struct provision *pv, uint32_t card, struct profile *p, const char *text)
{
	struct vprof *v;
	int ret;

	if (!valid_seed(p))
		return -EINVAL;
	p->fingerprint = store_fnv1a(text, strlen(text));
	ret = install_seed(pv, card, p, "from the SIM server");
	if (ret)
		return ret;
	v = reg_find(pv->reg, card, p->name);
	if (!v)
		return -ENOENT;
	ret = persist_save_seed(pv->store, card, p->name, text, v->seed_gen);
	if (!ret) {
		v->seed_gen++;
		loop_event(pv->loop, "card %u: standby seed %s stored", card, p->name);
	}
	return ret;
}

struct restore_ctx {
	struct provision *pv;
	unsigned int restored, bad;
};

static void restore_one(void *arg, uint32_t card, const char *name, const char *text,
			size_t len, uint64_t gen)
{
	struct restore_ctx *rc = arg;
	char err[PROFILE_ERR_MAX];
	struct profile *p = malloc(sizeof(*p));
	struct vprof *v;

	if (!p)
		return;
	if (profile_parse(text, len, "(stored standby seed)", p, err, sizeof(err)) ||
	    !valid_seed(p) || strcmp(p->name, name)) {
		log_err("state: card %u standby seed %s: not a standby seed named so; dropped (%s)",
			card, name, err[0] ? err : "name, kind or role");
		persist_forget_seed(rc->pv->store, card, name);
		rc->bad++;
	} else {
		p->fingerprint = store_fnv1a(text, len);
		if (!install_seed(rc->pv, card, p, "stored; the SIM server's")) {
			v = reg_find(rc->pv->reg, card, name);
			if (v)
				v->seed_gen = gen;
			rc->restored++;
		}
	}
	profile_wipe(p);
	free(p);
}

/* At the start: the stored standby seeds into the kernel, before the policy starts. */
static void restore_seeds(struct provision *pv)
{
	struct restore_ctx rc = { .pv = pv };
	uint64_t cards = 0;
	unsigned int c;

	for (c = pv->reg->card_base; c < REG_CARD_END(pv->reg) && c < 64; c++)
		cards |= 1ULL << c;
	persist_load_seeds(pv->store, cards, restore_one, &rc);
	if (rc.restored || rc.bad)
		log_info("state: %u standby seed%s of the SIM server restored%s", rc.restored,
			 rc.restored == 1 ? "" : "s", rc.bad ? " (some dropped: see above)" : "");
}

bool prov_withdraw_seed(struct provision *pv, uint32_t card, const char *name)
{
	struct vprof *v = reg_find(pv->reg, card, name);

	if (!v || !v->from_server) {
		log_warn("card %u: the SIM server withdrew %s, which is not one of its seeds here",
			 card, name);
		return false;
	}
	/* never restored again, whatever happens next */
	persist_forget_seed(pv->store, card, name);
	v->withdrawn = true;
	if (!strcmp(pv->reg->cards[card].enabled, name)) {
		log_notice("card %u: the SIM server withdrew standby seed %s; in use: deleted once "
			   "the card moves off it", card, name);
		return true;
	}
	log_notice("card %u: the SIM server withdrew standby seed %s: deleted", card, name);
	prov_delete_remote(pv, card, name);
	return true;
}

void prov_sweep_withdrawn(struct provision *pv, uint32_t card)
{
	char names[VD_PROFILES_MAX][VUICC_PROFILE_NAME_MAX + 1];
	struct registry *r = pv->reg;
	size_t i, n = 0;

	for (i = 0; i < r->n_profs && n < VD_PROFILES_MAX; i++) {
		struct vprof *v = r->profs[i];

		if (v->ps.card == card && v->withdrawn &&
		    strcmp(r->cards[card].enabled, v->ps.name))
			snprintf(names[n++], sizeof(names[0]), "%s", v->ps.name);
	}
	for (i = 0; i < n; i++) {
		log_notice("card %u: withdrawn standby seed %s no longer in use: deleted", card,
			   names[i]);
		prov_delete_remote(pv, card, names[i]);
	}
}

int prov_run(struct provision *pv, bool at_start)
{
	struct registry *r = pv->reg;
	char path[CONFIG_PATH_MAX + 64];
	char *names[VD_PROFILES_MAX];
	size_t n, i, bad = 0;
	struct profile *p;
	int ret;

	ret = create_cards(pv);
	if (ret)
		return ret;
	n = list_files(pv->cfg->profiles_dir, names);
	p = malloc(sizeof(*p));
	if (!p) {
		for (i = 0; i < n; i++)
			free(names[i]);
		return -ENOMEM;
	}
	for (i = 0; i < r->n_profs; i++)
		r->profs[i]->seen = false;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", pv->cfg->profiles_dir, names[i]);
		free(names[i]);
		bad += !provision_file(pv, path, p, at_start);
	}
	free(p);
	drop_removed(pv);
	if (at_start)
		restore_seeds(pv);
	ret = reg_snapshot(r);
	if (ret)
		return ret;
	enable_cards(pv, at_start);
	if (bad)
		log_warn("profiles: %zu file(s) skipped; the others are in place", bad);
	return 0;
}

/* ---- profiles of the policy: from the SIM server, no file ---- */

int prov_install_remote(struct provision *pv, uint32_t card, const struct profile *p)
{
	struct registry *r = pv->reg;
	struct vprof *v = reg_get(r, card, p->name);
	int ret;

	if (!v)
		return -ENOSPC;
	if (v->managed) {
		log_err("card %u: the server's profile %s has the name of a profile file; not installed",
			card, p->name);
		return -EEXIST;
	}
	if (v->installed) {
		ret = uninstall(pv, v);
		if (ret)
			return ret;
	}
	snprintf(v->file, sizeof(v->file), "(SIM server)");
	v->kind = p->kind;
	v->role = p->role;
	ret = install(pv, v, p);
	if (!ret)
		persist_save(pv->store, v);
	return ret;
}

int prov_delete_remote(struct provision *pv, uint32_t card, const char *name)
{
	struct registry *r = pv->reg;
	struct vprof *v = reg_find(r, card, name);
	int ret = 0;

	if (!v)
		return -ENOENT;
	if (v->installed) {
		ret = simple(pv, VUICC_CMD_PROFILE_DEL, card, name);
		if (ret && ret != -ENOENT) {
			log_err("card %u profile %s: profile-del: %s", card, name, pv->req->err);
			return ret;
		}
	}
	ret = persist_forget(pv->store, card, name);
	if (v->from_server)
		persist_forget_seed(pv->store, card, name);
	reg_remove(r, v);
	if (!strcmp(r->cards[card].enabled, name))
		r->cards[card].enabled[0] = '\0';
	loop_event(pv->loop, "card %u: profile %s deleted (kernel and store)", card, name);
	return ret;
}
