// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd: the agent daemon.  One epoll loop over the kernel's event
 * socket, a signalfd, a one-shot timerfd (armed only while EF changes wait
 * for write-back) and the control socket; nothing wakes it when nothing
 * happens.  See Documentation/admin-guide/vuiccd.rst.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/profile.h"
#include "core/share_chan.h"
#include "control.h"
#include "io/probe.h"
#include "learn.h"
#include "vuiccd.h"

#define DEFAULT_CONFIG	"/etc/vuicc/vuiccd.conf"

static struct vd vd;
static struct control ctl;
static int sigfd = -1;

/* --share-key FILE: this device's public key for the peers' share_peer_key */
static int share_key(const char *path)
{
	struct sc_identity id;
	int ret, i;

	umask(077);
	ret = vd_share_key_file(path, &id, true);
	if (ret) {
		fprintf(stderr, "vuiccd: %s: %s\n", path, strerror(-ret));
		return 1;
	}
	for (i = 0; i < SC_KEY_LEN; i++)
		printf("%02x", id.pk[i]);
	printf("\n");
	sc_identity_wipe(&id);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vuiccd [-f] [-c FILE]     run the agent (-f: in the foreground)\n"
		"       vuiccd -t [-c FILE]       check the configuration and the profile files\n"
		"       vuiccd --check-store DIR  check every state file in DIR and list what it\n"
		"                                 holds (checksums, never contents)\n"
		"       vuiccd --share-key FILE   print this device's sharing public key (for\n"
		"                                 the peers' share_peer_key), making FILE if absent\n"
		"       vuiccd --share-pair CODE [-c FILE]\n"
		"                                 pair with a peer by a one-time code (6-16\n"
		"                                 digits; the master shows it, the slave types it);\n"
		"                                 prints the peer's share_peer_key line\n"
		"\n"
		"  -c FILE   configuration (default " DEFAULT_CONFIG ")\n");
}

/* ---- start-up ---- */

static int open_state_dir(struct vd *d)
{
	char path[CONFIG_PATH_MAX], *p;
	int fd;

	/* mkdir -p, the last one private: it holds session keys and SQNs */
	strcpy(path, d->cfg.state_dir);
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			break;
		*p = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST) {
		log_err("state directory %s: %s", path, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_err("state directory %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		log_err("state directory %s is in use: is another vuiccd running?", path);
		close(fd);
		return -1;
	}
	return fd;
}

static void daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0) {
		perror("vuiccd: fork");
		exit(1);
	}
	if (pid)
		exit(0);
	setsid();
	pid = fork();
	if (pid < 0)
		exit(1);
	if (pid)
		exit(0);
	if (chdir("/"))
		exit(1);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

/* vuiccd -t: the configuration and every profile file, as vuiccd would read them */
/* The configuration's warnings (renamed keys): to the log, or to stderr. */
static void warnings(const struct config *cfg, bool to_log)
{
	const char *s = cfg->warnings;

	while (*s) {
		int len = (int)strcspn(s, "\n");

		if (to_log)
			log_warn("%.*s", len, s);
		else
			fprintf(stderr, "vuiccd: %.*s\n", len, s);
		s += len + (s[len] == '\n');
	}
}

static int check_config(const struct config *cfg)
{
	char err[PROFILE_ERR_MAX], path[CONFIG_PATH_MAX + 300];
	struct profile *p = malloc(sizeof(*p));
	struct probe_target pt;
	struct dirent *e;
	int bad = 0, good = 0;
	DIR *dir;

	/* the data check's target as vuiccd will read it at the start */
	if (cfg->data_check[0] && probe_parse_target(cfg->data_check, &pt, err, sizeof(err))) {
		fprintf(stderr, "vuiccd: data_check: %s\n", err);
		free(p);
		return 1;
	}
	if (!p)
		return 1;
	dir = opendir(cfg->profiles_dir);
	if (!dir) {
		fprintf(stderr, "vuiccd: %s: %s\n", cfg->profiles_dir, strerror(errno));
		free(p);
		return 1;
	}
	while ((e = readdir(dir))) {
		size_t n = strlen(e->d_name);

		if (e->d_name[0] == '.' || n < 6 || strcmp(e->d_name + n - 5, ".conf"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", cfg->profiles_dir, e->d_name);
		if (profile_load(path, p, err, sizeof(err))) {
			fprintf(stderr, "vuiccd: %s\n", err);
			bad++;
			continue;
		}
		if ((unsigned int)p->card >= cfg->cards) {
			fprintf(stderr, "vuiccd: %s: card %d, but cards = %u\n", path, p->card, cfg->cards);
			bad++;
		} else {
			printf("%s: card %d profile %s\n", path, p->card, p->name);
			good++;
		}
		profile_wipe(p);
	}
	closedir(dir);
	free(p);
	printf("vuiccd: configuration ok; %d profile file(s) ok, %d with errors\n", good, bad);
	return bad ? 1 : 0;
}

/*
 * A stored standby seed (C-NAME.seed: a standby seed's profile text named
 * so) or a card's learning (cardC.learn): 0 valid, 1 damaged.  Neither's
 * content is printed (a seed holds keys): a CRC-32 is.
 */
static int check_blob(int dirfd, const char *fname)
{
	bool seed = strstr(fname, ".seed") != NULL;
	char note[512], why[PROFILE_ERR_MAX] = "";
	struct pol_learned *l = NULL;
	struct profile *p = NULL;
	uint8_t *buf = NULL;
	uint64_t gen;
	size_t len;
	int ret;

	ret = store_read_blob(dirfd, fname, seed ? STORE_KIND_SEED : STORE_KIND_LEARN, &buf, &len,
			      &gen, note, sizeof(note));
	if (ret) {
		printf("%s: DAMAGED: %s\n", fname, note);
		return 1;
	}
	if (seed) {
		char name[VUICC_PROFILE_NAME_MAX + 1] = "";

		const char *dash = strchr(fname, '-');
		size_t nlen = dash ? strlen(dash + 1) - 5 : 0;	/* (".seed") */

		p = malloc(sizeof(*p));
		if (dash && nlen <= VUICC_PROFILE_NAME_MAX)
			snprintf(name, sizeof(name), "%.*s", (int)nlen, dash + 1);
		if (!p || profile_parse((const char *)buf, len, fname, p, why, sizeof(why)))
			ret = -1;
		else if (p->kind != VUICC_PROFILE_KIND_SEED || p->role != VUICC_PROFILE_ROLE_STANDBY ||
			 strcmp(p->name, name))
			ret = -1, snprintf(why, sizeof(why), "not a standby seed named %s", name);
		if (p)
			profile_wipe(p);
	} else {
		l = malloc(sizeof(*l));
		if (!l || learn_decode((const char *)buf, len, 0, l, why, sizeof(why)))
			ret = -1;
	}
	if (ret)
		printf("%s: DAMAGED: %s\n", fname, why);
	else if (seed)
		printf("%s: gen %llu standby seed, text crc %08x%s%s\n", fname,
		       (unsigned long long)gen, store_crc32(0, buf, len),
		       note[0] ? " recovered: " : "", note);
	else
		printf("%s: gen %llu learning: %u seeds, %u location outcomes, %u congested%s%s\n",
		       fname, (unsigned long long)gen, l->n_seeds, l->n_memory, l->n_congested,
		       note[0] ? " recovered: " : "", note);
	explicit_bzero(buf, len);
	free(buf);
	free(p);
	free(l);
	return ret ? 1 : 0;
}

/* vuiccd --check-store DIR */
static int check_store(const char *dir)
{
	char note[512], name[VUICC_PROFILE_NAME_MAX + 1];
	struct pstate ps;
	struct cstate cs;
	struct dirent *e;
	unsigned int card;
	int dirfd, bad = 0, ret;
	size_t i, n;
	DIR *d;

	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = dirfd < 0 ? NULL : fdopendir(dup(dirfd));
	if (!d) {
		fprintf(stderr, "vuiccd: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((e = readdir(d))) {
		n = strlen(e->d_name);
		if ((n > 6 && !strcmp(e->d_name + n - 6, ".learn")) ||
		    (n > 5 && !strcmp(e->d_name + n - 5, ".seed"))) {
			bad += check_blob(dirfd, e->d_name);
			continue;
		}
		if (n < 7 || strcmp(e->d_name + n - 6, ".state"))
			continue;
		if (sscanf(e->d_name, "card%u.state", &card) == 1) {
			ret = cstate_load(dirfd, card, &cs, note, sizeof(note));
			if (ret) {
				printf("card %u: DAMAGED: %s\n", card, note);
				bad++;
			} else {
				printf("card %u: gen %llu enabled %s%s%s\n", card,
				       (unsigned long long)cs.gen, cs.enabled[0] ? cs.enabled : "-",
				       note[0] ? " recovered: " : "", note);
			}
			continue;
		}
		if (sscanf(e->d_name, "%u-", &card) != 1)
			continue;
		/* "C-NAME.state" */
		n -= 6;
		i = (size_t)(strchr(e->d_name, '-') + 1 - e->d_name);
		if (n - i > VUICC_PROFILE_NAME_MAX || n == i)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(n - i), e->d_name + i);
		ret = pstate_load(dirfd, card, name, &ps, note, sizeof(note));
		if (ret) {
			printf("card %u profile %s: DAMAGED: %s\n", card, name, note);
			bad++;
			continue;
		}
		printf("card %u profile %s: gen %llu seq %llu sqn-slots %zu sqn-crc %08x efs %zu%s%s\n",
		       card, name, (unsigned long long)ps.gen, (unsigned long long)ps.seq,
		       ps.sqn_len / 6, store_crc32(0, ps.sqn, ps.sqn_len), ps.n_efs,
		       note[0] ? " recovered: " : "", note);
		for (i = 0; i < ps.n_efs; i++) {
			char path[2 * VUICC_FILE_PATH_MAX + 1];
			size_t k;

			for (k = 0; k < ps.efs[i].path_len; k++)
				sprintf(path + 2 * k, "%02X", ps.efs[i].path[k]);
			printf("  ef %s len %zu crc %08x\n", path, ps.efs[i].len,
			       store_crc32(0, ps.efs[i].data, ps.efs[i].len));
		}
		pstate_clear(&ps);
	}
	closedir(d);
	close(dirfd);
	return bad ? 1 : 0;
}

/* ---- what the loop calls ---- */

/* the control socket's requests */
static char *request(void *arg, const char *req, size_t *len)
{
	static const char bad[] = "error: unknown request (status, status json, share ...)\n";
	struct vd *d = arg;
	char msg[256], *out;

	if (!strcmp(req, "status") || !strcmp(req, "status json")) {
		reg_snapshot(&d->reg);
		return status_report(&d->status, req[6] != '\0', len);
	}
	if (!strncmp(req, "share ", 6))
		vd_share_command(d->share, req + 6, msg, sizeof(msg));
	else
		snprintf(msg, sizeof(msg), "%s", bad);
	out = strdup(msg);
	*len = out ? strlen(out) : 0;
	return out;
}

/* the kernel's events */
static void on_kernel(void *arg, uint32_t events)
{
	struct vd *d = arg;

	persist_events(&d->store);
	modems_card_check(&d->modems);
}

/* write-back of EF changes that waited */
static void on_writeback(void *arg, uint32_t events)
{
	persist_on_timer(arg);
}

static void on_signal(void *arg, uint32_t events)
{
	struct vd *d = arg;
	struct signalfd_siginfo si;

	while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_notice("SIGHUP: reading the profile files again");
			prov_run(&d->prov, false);
			modems_card_check(&d->modems);
			vd_policy_sync_profiles(&d->pol);
			vd_policy_arm(&d->pol);
		} else {
			loop_stop(&d->loop);
		}
	}
}

struct opts {
	bool foreground, test, cfg_given;
	const char *cfg_path, *pair_code;
};

/* The command line into @o; -1 to go on, or the exit status of a one-shot option. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {
		{ "check-store", required_argument, NULL, 'S' },
		{ "share-key", required_argument, NULL, 'K' },
		{ "share-pair", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	o->cfg_path = DEFAULT_CONFIG;
	while ((opt = getopt_long(argc, argv, "fc:th", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			o->foreground = true;
			break;
		case 'c':
			o->cfg_path = optarg;
			o->cfg_given = true;
			break;
		case 't':
			o->test = true;
			break;
		case 'S':
			return check_store(optarg);
		case 'K':
			return share_key(optarg);
		case 'P':
			o->pair_code = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

/* vuiccd --share-pair CODE */
static int pair(const struct config *cfg, const char *code)
{
	int ret = vd_share_pair(cfg, code, 120);

	if (ret)
		fprintf(stderr, "vuiccd: pairing failed: %s\n",
			ret == -EBADMSG ? "the codes differ (or the exchange was tampered with)" :
			ret == -ECONNRESET ? "the peer ended it (a wrong code?)" :
			strerror(-ret));
	return ret ? 1 : 0;
}

/* The kernel's sockets, the signals and the parts, bottom up; 0 or -1. */
static int start(struct vd *d)
{
	sigset_t mask;
	int dirfd, evfd;

	/* the report reads the parts; they are all in place once the loop runs */
	d->status = (struct status){
		.cfg = &d->cfg, .req = &d->req, .reg = &d->reg, .store = &d->store,
		.modems = &d->modems, .pol = &d->pol, .loop = &d->loop, .share = &d->share,
		.started = d->started,
	};
	dirfd = open_state_dir(d);
	if (dirfd < 0)
		return -1;
	if (vnl_open(&d->req) || vnl_open(&d->ev)) {
		log_err("%s", d->req.err[0] ? d->req.err : d->ev.err);
		return -1;
	}
	evfd = vnl_events_open(&d->ev);
	if (evfd < 0) {
		log_err("%s", d->ev.err);
		return -1;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	reg_init(&d->reg, &d->req, d->cfg.card_base, d->cfg.cards);
	if (sigfd < 0 || loop_init(&d->loop) ||
	    persist_init(&d->store, &d->reg, &d->req, &d->ev, &d->loop, &store_libc_io, dirfd,
			 d->cfg.state_dir, d->cfg.writeback_ms)) {
		log_err("start-up: %s", strerror(errno));
		return -1;
	}
	log_notice("starting: %u card(s), profiles in %s, state in %s", d->cfg.cards,
		   d->cfg.profiles_dir, d->cfg.state_dir);
	prov_init(&d->prov, &d->cfg, &d->reg, &d->store, &d->req, &d->loop);
	persist_load(&d->store);
	/* what happened while no vuiccd listened: the kernel kept serving */
	if (persist_resync(&d->store) || prov_run(&d->prov, true)) {
		log_err("start-up failed");
		return -1;
	}
	if (loop_add(&d->loop, evfd, EPOLLIN, on_kernel, d) ||
	    loop_add(&d->loop, sigfd, EPOLLIN, on_signal, d) ||
	    loop_add(&d->loop, d->store.timerfd, EPOLLIN, on_writeback, &d->store) ||
	    control_open(&ctl, &d->loop, d->cfg.socket, d->cfg.socket_group, request, d))
		return -1;
	modems_start(&d->modems, &d->cfg, &d->reg, &d->loop, vd_policy_modem_event, &d->pol);
	if (vd_policy_start(&d->pol, &d->cfg, &d->reg, &d->prov, &d->modems, &d->loop)) {
		log_err("start-up failed: the policy");
		return -1;
	}
	if (vd_share_start(&d->share, &d->cfg, &d->loop, &d->reg, &d->store, &d->prov)) {
		log_err("start-up failed: sharing");
		return -1;
	}
	return 0;
}

/* Top down; what waits for write-back goes to the disk now. */
static void stop(struct vd *d)
{
	vd_share_stop(&d->share);
	vd_policy_stop(&d->pol);
	modems_stop(&d->modems);
	persist_events(&d->store);
	persist_writeback(&d->store, true);
	log_notice("stopped");
	control_close(&ctl);
	loop_close(&d->loop);
	vnl_close(&d->ev);
	vnl_close(&d->req);
	persist_close(&d->store);
	reg_free(&d->reg);
}

int main(int argc, char **argv)
{
	char err[CONFIG_ERR_MAX];
	struct opts o = { 0 };
	int ret;

	ret = parse_opts(argc, argv, &o);
	if (ret >= 0)
		return ret;
	if (config_load(o.cfg_path, !o.cfg_given, &vd.cfg, err, sizeof(err))) {
		fprintf(stderr, "vuiccd: %s\n", err);
		return 1;
	}
	if (o.test || o.pair_code)
		warnings(&vd.cfg, false);
	if (o.test)
		return check_config(&vd.cfg);
	if (o.pair_code)
		return pair(&vd.cfg, o.pair_code);
	vd.cfg_path = o.cfg_path;
	vd.started = time(NULL);

	if (!o.foreground)
		daemonize();
	log_setup(vd.cfg.log == LOG_TO_SYSLOG || (vd.cfg.log == LOG_TO_DEFAULT && !o.foreground),
		  vd.cfg.log_level);
	warnings(&vd.cfg, true);
	umask(077);
	if (start(&vd))
		return 1;
	log_notice("ready: control socket %s", vd.cfg.socket);
	loop_run(&vd.loop);
	stop(&vd);
	return 0;
}
