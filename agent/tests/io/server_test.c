// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the SIM-server client (agent/io/server.c) against the real
 * reference server (tools/simserver/vuicc-simserver) over TLS on
 * 127.0.0.1, driven by an epoll loop on srv_fd() / srv_timer_fd() as in
 * vuiccd.  A throwaway PKI (server_test_certs.sh) is made at run time in a
 * temporary directory; the pool is tools/simserver/pool.example.json.
 *
 * Seeds of distinct network systems, VSIM choice by country, operator,
 * RAT and signal, exclude, idempotent retries, release, reports, lease
 * expiry, Basic and client-certificate authentication, a wrong secret, a
 * wrong CA, retries with back-off and Retry-After, errors that are not
 * retried, timeouts, broken replies (garbage, truncated, oversized, wrong
 * types, bad profiles), and that neither side logs a key or a secret.
 *
 * Needs python3 and openssl (the test fails saying so without them).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "lib/log.h"
#include "io/server.h"
#include "../testlib.h"

static char top[PATH_MAX], dir[256], base_url[128];
static int port;
static pid_t server_pid = -1;
static int saved_stderr = -1;

/* keys and secrets of pool.example.json and the devices file */
static const char *const secrets[] = {
	"465b5ce8b199b49faa5f0a2ee238a6bc", "cd63cb71954a9f4e48a5994e37a02baf",
	"000102030405060708090a0b0c0d0e0f", "secret-a", "secret-b", "algorithm =",
};

static uint64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static char *path_in(const char *name)
{
	static char p[8][PATH_MAX];
	static int i;

	i = (i + 1) % 8;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = calloc(1, (size_t)n + 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	if (len)
		*len = (size_t)n;
	return b;
}

/* ---- the reference server ---- */

static int start_server(void)
{
	char script[PATH_MAX + 64], pool[PATH_MAX + 64], listen[] = "127.0.0.1:0";
	int i, st, fd;
	FILE *f;

	snprintf(script, sizeof(script), "%s/tools/simserver/vuicc-simserver", top);
	snprintf(pool, sizeof(pool), "%s/tools/simserver/pool.example.json", top);
	f = fopen(path_in("devices"), "w");
	if (!f)
		return -1;
	fprintf(f, "# test devices\ndev-a:secret-a\ndev-b:secret-b\n");
	fclose(f);
	server_pid = fork();
	if (server_pid < 0)
		return -1;
	if (!server_pid) {
		fd = open(path_in("server.log"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		execlp("python3", "python3", script, "--pool", pool, "--listen", listen,
		       "--cert", path_in("server.crt"), "--key", path_in("server.key"),
		       "--ca", path_in("ca.crt"), "--devices", path_in("devices"),
		       "--seed", "7", "--port-file", path_in("port"),
		       "--state-dump", path_in("state.json"), (char *)NULL);
		perror("exec python3");
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		char *p = slurp(path_in("port"), NULL);

		if (p) {
			port = atoi(p);
			free(p);
			snprintf(base_url, sizeof(base_url), "https://127.0.0.1:%d/v1", port);
			return port > 0 ? 0 : -1;
		}
		if (waitpid(server_pid, &st, WNOHANG) == server_pid) {
			server_pid = -1;
			break;
		}
		usleep(50000);
	}
	fprintf(stderr, "server_test: vuicc-simserver did not start; its log:\n");
	{
		char *log = slurp(path_in("server.log"), NULL);

		fprintf(stderr, "%s\n", log ? log : "(none)");
		free(log);
	}
	return -1;
}

static void stop_server(void)
{
	int st;

	if (server_pid <= 0)
		return;
	kill(server_pid, SIGTERM);
	waitpid(server_pid, &st, 0);
	server_pid = -1;
}

struct buf {
	char b[256 * 1024];
	size_t len;
};

static size_t buf_write(char *d, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t len = size * n;

	if (len > sizeof(b->b) - 1 - b->len)
		return 0;
	memcpy(b->b + b->len, d, len);
	b->len += len;
	b->b[b->len] = 0;
	return len;
}

/* A blocking request to the admin interface; the parsed reply or NULL. */
static json_object *admin(const char *path, const char *body)
{
	static struct buf b;
	char url[256];
	CURL *e = curl_easy_init();
	long http = 0;
	CURLcode rc;

	b.len = 0;
	b.b[0] = 0;
	snprintf(url, sizeof(url), "https://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CAINFO, path_in("ca.crt"));
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, buf_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	if (body)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &http);
	curl_easy_cleanup(e);
	if (rc != CURLE_OK || http != 200) {
		fprintf(stderr, "admin %s: %s, HTTP %ld: %s\n", path, curl_easy_strerror(rc),
			http, b.b);
		return NULL;
	}
	return json_tokener_parse(b.b);
}

static bool admin_ok(const char *path, const char *body)
{
	json_object *o = admin(path, body);

	json_object_put(o);
	return o != NULL;
}

static void reset(void)
{
	CHECK(admin_ok("/admin/reset", "{}"));
}

/* The lease of VSIM @name: its device, or "" when it is free. */
static const char *lease_holder(const char *name)
{
	static char dev[64];
	json_object *st = admin("/admin/state", NULL), *leases, *l, *v;
	size_t i;

	dev[0] = 0;
	if (st && json_object_object_get_ex(st, "leases", &leases))
		for (i = 0; i < json_object_array_length(leases); i++) {
			l = json_object_array_get_idx(leases, i);
			json_object_object_get_ex(l, "name", &v);
			if (!strcmp(json_object_get_string(v), name)) {
				json_object_object_get_ex(l, "device", &v);
				snprintf(dev, sizeof(dev), "%s", json_object_get_string(v));
			}
		}
	json_object_put(st);
	return dev;
}

static unsigned int count_leases(const char *device)
{
	json_object *st = admin("/admin/state", NULL), *leases, *l, *v;
	unsigned int n = 0;
	size_t i;

	if (st && json_object_object_get_ex(st, "leases", &leases))
		for (i = 0; i < json_object_array_length(leases); i++) {
			l = json_object_array_get_idx(leases, i);
			json_object_object_get_ex(l, "device", &v);
			n += !strcmp(json_object_get_string(v), device);
		}
	json_object_put(st);
	return n;
}

/* Requests the server saw on @path: how many, and whether with one key. */
static unsigned int seen_requests(const char *path, bool *one_key)
{
	json_object *st = admin("/admin/state", NULL), *reqs, *r, *v;
	char key[128] = "";
	unsigned int n = 0;
	size_t i;

	*one_key = true;
	if (st && json_object_object_get_ex(st, "requests", &reqs))
		for (i = 0; i < json_object_array_length(reqs); i++) {
			r = json_object_array_get_idx(reqs, i);
			json_object_object_get_ex(r, "path", &v);
			if (strcmp(json_object_get_string(v), path))
				continue;
			json_object_object_get_ex(r, "key", &v);
			if (n++ && strcmp(key, json_object_get_string(v)))
				*one_key = false;
			snprintf(key, sizeof(key), "%s", json_object_get_string(v));
		}
	json_object_put(st);
	return n;
}

static void inject(const char *rule)
{
	CHECK(admin_ok("/admin/fail", rule));
}

/* ---- the client, in an event loop ---- */

struct result {
	bool done;
	struct srv_reply rep;
	unsigned int wakeups;
};

static void on_done(void *arg, struct srv_reply *rep)
{
	struct result *r = arg;

	CHECK(!r->done);	/* exactly once */
	r->done = true;
	r->rep = *rep;
	rep->profiles = NULL;	/* taken */
	rep->texts = NULL;
}

static void release_result(struct result *r)
{
	unsigned int i;

	for (i = 0; i < r->rep.n_profiles && r->rep.profiles; i++)
		profile_wipe(&r->rep.profiles[i]);
	free(r->rep.profiles);
	for (i = 0; i < r->rep.n_profiles && r->rep.texts; i++)
		free(r->rep.texts[i]);
	free(r->rep.texts);
	memset(r, 0, sizeof(*r));
}

/* Runs the loop until every @n results are done (or 20 s). */
static void loop(struct srv *s, struct result **rs, unsigned int n)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[4];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	uint64_t end = mono_ms() + 20000;
	unsigned int i, wakeups = 0;
	bool all;
	int k, m;

	ev.data.fd = srv_fd(s);
	epoll_ctl(ep, EPOLL_CTL_ADD, srv_fd(s), &ev);
	ev.data.fd = srv_timer_fd(s);
	epoll_ctl(ep, EPOLL_CTL_ADD, srv_timer_fd(s), &ev);
	for (;;) {
		for (all = true, i = 0; i < n; i++)
			all &= rs[i]->done;
		if (all || mono_ms() > end)
			break;
		m = epoll_wait(ep, evs, 4, 1000);
		wakeups++;
		for (k = 0; k < m; k++) {
			if (evs[k].data.fd == srv_fd(s))
				srv_input(s);
			else
				srv_timer(s);
		}
	}
	close(ep);
	for (i = 0; i < n; i++) {
		CHECK(rs[i]->done);
		rs[i]->wakeups = wakeups;
	}
}

static void config(struct srv_config *c, const char *dev, const char *secret)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->url, sizeof(c->url), "%s", base_url);
	snprintf(c->device, sizeof(c->device), "%s", dev);
	snprintf(c->secret, sizeof(c->secret), "%s", secret);
	snprintf(c->ca_file, sizeof(c->ca_file), "%s", path_in("ca.crt"));
	c->timeout_ms = 3000;
	c->attempts = 4;
	c->backoff_base_ms = 100;
	c->backoff_cap_ms = 400;
}

static bool open_client(struct srv *s, const struct srv_config *c)
{
	char err[256];

	if (srv_init(s, c, err, sizeof(err))) {
		fprintf(stderr, "srv_init: %s\n", err);
		return false;
	}
	return true;
}

/* One request, waited for. */
static void ask(struct srv *s, const struct srv_request *r, struct result *res)
{
	struct result *rs[] = { res };

	memset(res, 0, sizeof(*res));
	if (srv_submit(s, r, on_done, res)) {
		CHECK(!"srv_submit");
		return;
	}
	loop(s, rs, 1);
}

/* A client of device @dev with secret @secret doing one request. */
static void ask_as(const char *dev, const char *secret, const struct srv_request *r,
		   struct result *res)
{
	struct srv_config c;
	struct srv s;

	config(&c, dev, secret);
	memset(res, 0, sizeof(*res));
	if (!open_client(&s, &c)) {
		CHECK(0);
		return;
	}
	ask(&s, r, res);
	srv_free(&s);
}

static void seeds_req(struct srv_request *r, const char *plmn, unsigned int rats,
		      unsigned int count)
{
	srv_request_init(r, SRV_SEEDS);
	snprintf(r->location.plmn, sizeof(r->location.plmn), "%s", plmn);
	r->location.tac = 0x1a2b;
	r->location.cell = 0xabcd01;
	r->rats = rats;
	r->count = count;
}

static void add_op(struct srv_request *r, const char *plmn, enum srv_rat rat, int dbm)
{
	struct srv_operator *o = &r->operators[r->n_operators++];

	snprintf(o->plmn, sizeof(o->plmn), "%s", plmn);
	o->rat = rat;
	o->dbm = dbm;
}

#define ALL_RATS (SRV_RAT_BIT(SRV_RAT_GSM) | SRV_RAT_BIT(SRV_RAT_UMTS) | SRV_RAT_BIT(SRV_RAT_LTE))
#define LTE_UMTS (SRV_RAT_BIT(SRV_RAT_UMTS) | SRV_RAT_BIT(SRV_RAT_LTE))

/* In France (20801) seeing Orange -100, SFR -80 on LTE, Free -60 on GSM, Telekom -50. */
static void vsim_req(struct srv_request *r)
{
	srv_request_init(r, SRV_VSIM);
	snprintf(r->location.plmn, sizeof(r->location.plmn), "20801");
	r->location.tac = 0x1a2b;
	r->location.cell = 0x00abcd01;
	r->location.has_coords = true;
	r->location.lat = 48.85;
	r->location.lon = 2.35;
	r->rats = LTE_UMTS;
	r->signal_dbm[SRV_RAT_LTE] = -100;
	add_op(r, "20801", SRV_RAT_LTE, -100);
	add_op(r, "20810", SRV_RAT_LTE, -80);
	add_op(r, "20815", SRV_RAT_GSM, -60);
	add_op(r, "26201", SRV_RAT_LTE, -50);
}

static void add_name(struct srv_request *r, const char *name)
{
	snprintf(r->names[r->n_names++], SRV_NAME_LEN, "%s", name);
}

static const char *system_of(const char *seed)
{
	if (!strncmp(seed, "seed-orange-lte", 15))
		return "orange-lte";
	return seed;
}

/* ---- tests ---- */

static void test_config_checks(void)
{
	struct srv_config c;
	struct srv s;
	char err[256];

	config(&c, "dev-a", "secret-a");
	snprintf(c.url, sizeof(c.url), "http://127.0.0.1:%d/v1", port);
	CHECK(srv_init(&s, &c, err, sizeof(err)) == -1 && strstr(err, "https"));
	config(&c, "dev a", "secret-a");
	CHECK(srv_init(&s, &c, err, sizeof(err)) == -1 && strstr(err, "device_id"));
	config(&c, "dev-a", "");
	CHECK(srv_init(&s, &c, err, sizeof(err)) == -1 && strstr(err, "secret"));
}

static void test_submit_checks(void)
{
	struct srv_request r;
	struct result res[SRV_MAX_INFLIGHT + 1];
	struct srv_config c;
	struct srv s;
	unsigned int i;

	config(&c, "dev-a", "secret-a");
	if (!open_client(&s, &c)) {
		CHECK(0);
		return;
	}
	seeds_req(&r, "20801", ALL_RATS, 0);
	CHECK(srv_submit(&s, &r, on_done, &res[0]) == -EINVAL);
	seeds_req(&r, "2080", ALL_RATS, 1);
	CHECK(srv_submit(&s, &r, on_done, &res[0]) == -EINVAL);
	vsim_req(&r);
	r.rats = 0;
	CHECK(srv_submit(&s, &r, on_done, &res[0]) == -EINVAL);
	vsim_req(&r);
	r.signal_dbm[0] = 20;
	CHECK(srv_submit(&s, &r, on_done, &res[0]) == -EINVAL);
	vsim_req(&r);
	add_name(&r, "bad name");
	CHECK(srv_submit(&s, &r, on_done, &res[0]) == -EINVAL);
	srv_request_init(&r, SRV_RELEASE);
	CHECK(srv_submit(&s, &r, on_done, &res[0]) == -EINVAL);

	/* a full queue, then cancelled: no callback at all */
	memset(res, 0, sizeof(res));
	srv_request_init(&r, SRV_REPORT);
	snprintf(r.name, sizeof(r.name), "seed-sfr-umts");
	r.report_kind = VUICC_PROFILE_KIND_SEED;
	for (i = 0; i < SRV_MAX_INFLIGHT; i++)
		CHECK(srv_submit(&s, &r, on_done, &res[i]) == 0);
	CHECK(srv_submit(&s, &r, on_done, &res[i]) == -EBUSY);
	CHECK(srv_pending(&s) == SRV_MAX_INFLIGHT);
	srv_cancel_all(&s);
	CHECK(srv_pending(&s) == 0);
	for (i = 0; i <= SRV_MAX_INFLIGHT; i++)
		CHECK(!res[i].done);
	srv_free(&s);
}

static void test_seeds(void)
{
	struct srv_request r;
	struct result res;
	unsigned int i, j;

	reset();
	/* in France: Telekom's seed is for Germany only; three other systems */
	seeds_req(&r, "20801", ALL_RATS, 3);
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.http == 200);
	CHECK(res.rep.attempts == 1);
	CHECK(res.rep.n_profiles == 3);
	for (i = 0; i < res.rep.n_profiles; i++) {
		const struct profile *p = &res.rep.profiles[i];

		CHECK(p->kind == VUICC_PROFILE_KIND_SEED);
		CHECK(p->role == VUICC_PROFILE_ROLE_STANDBY);
		CHECK(p->k_len == 16);
		CHECK(strncmp(p->name, "seed-telekom", 12));
		for (j = 0; j < i; j++)
			CHECK(strcmp(system_of(p->name), system_of(res.rep.profiles[j].name)));
		add_name(&r, p->name);
	}
	release_result(&res);

	/* with those three, in Germany: only the Telekom system is left (count is
	 * what the device holds in all: the three and one more) */
	snprintf(r.location.plmn, sizeof(r.location.plmn), "26201");
	r.count = 4;
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.n_profiles == 1);
	CHECK(res.rep.n_profiles == 1 && !strcmp(res.rep.profiles[0].name, "seed-telekom-lte"));
	CHECK(res.rep.n_withdraw == 0);
	/* the text as sent comes with each profile (vuiccd stores it) */
	if (res.rep.n_profiles == 1) {
		struct profile again;
		char err[PROFILE_ERR_MAX];

		CHECK(res.rep.texts && res.rep.texts[0]);
		CHECK(res.rep.texts && res.rep.texts[0] &&
		      profile_parse(res.rep.texts[0], strlen(res.rep.texts[0]), "t", &again,
				    err, sizeof(err)) == 0 &&
		      !strcmp(again.name, "seed-telekom-lte") &&
		      !memcmp(again.k, res.rep.profiles[0].k, 16));
		profile_wipe(&again);
	}
	release_result(&res);
	/* holding three, asking for three: nothing new */
	r.count = 3;
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_OK && res.rep.n_profiles == 0 && res.rep.n_withdraw == 0);
	release_result(&res);

	/* a seed the pool withdrew and one it no longer has are taken back; a
	 * seed of the withdrawn system is not given */
	seeds_req(&r, "20801", ALL_RATS, 2);
	add_name(&r, "seed-bouygues-gsm");
	add_name(&r, "seed-gone");
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.n_withdraw == 2);
	CHECK(res.rep.n_withdraw == 2 && !strcmp(res.rep.withdraw[0], "seed-bouygues-gsm") &&
	      !strcmp(res.rep.withdraw[1], "seed-gone"));
	CHECK(res.rep.n_profiles == 2);
	for (i = 0; i < res.rep.n_profiles; i++)
		CHECK(strcmp(res.rep.profiles[i].name, "seed-bouygues-gsm"));
	release_result(&res);

	/* a GSM-only device */
	seeds_req(&r, "20801", SRV_RAT_BIT(SRV_RAT_GSM), 3);
	ask_as("dev-b", "secret-b", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.n_profiles == 1);
	CHECK(res.rep.n_profiles == 1 && !strcmp(res.rep.profiles[0].name, "seed-free-gsm"));
	release_result(&res);

	/* the operators the device sees come first, the strongest first: SFR's
	 * UMTS seen at -70, Free's GSM at -90, Orange's LTE not seen; asked for
	 * 2 of 3 systems, 20 times: always SFR's and Free's */
	for (i = 0; i < 20; i++) {
		seeds_req(&r, "20801", ALL_RATS, 2);
		r.n_operators = 3;
		snprintf(r.operators[0].plmn, 7, "20815");
		r.operators[0].rat = SRV_RAT_GSM;
		r.operators[0].dbm = -90;
		snprintf(r.operators[1].plmn, 7, "20810");
		r.operators[1].rat = SRV_RAT_UMTS;
		r.operators[1].dbm = -70;
		snprintf(r.operators[2].plmn, 7, "20810");
		r.operators[2].rat = SRV_RAT_LTE;	/* SFR's LTE: no seed of it */
		r.operators[2].dbm = -60;
		ask_as("dev-b", "secret-b", &r, &res);
		CHECK(res.rep.status == SRV_OK && res.rep.n_profiles == 2);
		CHECK(res.rep.n_profiles == 2 && !strcmp(res.rep.profiles[0].name, "seed-sfr-umts") &&
		      !strcmp(res.rep.profiles[1].name, "seed-free-gsm"));
		release_result(&res);
	}

	/* count 1: one of them */
	seeds_req(&r, "20801", ALL_RATS, 1);
	ask_as("dev-b", "secret-b", &r, &res);
	CHECK(res.rep.status == SRV_OK && res.rep.n_profiles == 1);
	release_result(&res);
}

static void test_vsim_choice(void)
{
	struct srv_request r;
	struct result res;

	reset();
	/* best signal among operators of the country on a RAT the device has:
	 * SFR on LTE (Free is GSM only, Telekom is in Germany) */
	vsim_req(&r);
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.n_profiles == 1);
	if (res.rep.n_profiles == 1) {
		CHECK(!strcmp(res.rep.profiles[0].name, "vsim-fr-sfr-1"));
		CHECK(res.rep.profiles[0].kind == VUICC_PROFILE_KIND_VSIM);
		CHECK(res.rep.profiles[0].k_len == 16);
	}
	CHECK(res.rep.expires > time(NULL));
	CHECK(strlen(res.rep.lease) == 32);
	CHECK(!strcmp(lease_holder("vsim-fr-sfr-1"), "dev-a"));
	release_result(&res);

	/* SFR's only VSIM is dev-a's: dev-b gets Orange's */
	ask_as("dev-b", "secret-b", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.n_profiles == 1 &&
	      !strncmp(res.rep.profiles[0].name, "vsim-fr-orange-", 15));
	release_result(&res);

	/* a GSM device gets Free's */
	vsim_req(&r);
	r.rats = ALL_RATS;
	r.signal_dbm[SRV_RAT_GSM] = -60;
	ask_as("dev-b", "secret-b", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.n_profiles == 1 && !strcmp(res.rep.profiles[0].name, "vsim-fr-free-1"));
	release_result(&res);

	/* without an operator list: the serving operator on the RATs with a level */
	srv_request_init(&r, SRV_VSIM);
	snprintf(r.location.plmn, sizeof(r.location.plmn), "26201");
	r.rats = ALL_RATS;
	r.signal_dbm[SRV_RAT_LTE] = -90;
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.n_profiles == 1 &&
	      !strcmp(res.rep.profiles[0].name, "vsim-de-telekom-1"));
	release_result(&res);

	/* a country without VSIMs: no-vsim, not retried */
	srv_request_init(&r, SRV_VSIM);
	snprintf(r.location.plmn, sizeof(r.location.plmn), "310260");
	r.rats = ALL_RATS;
	r.signal_dbm[SRV_RAT_LTE] = -70;
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_ERR_SERVER);
	CHECK(res.rep.http == 409);
	CHECK(!strcmp(res.rep.error_code, "no-vsim"));
	CHECK(res.rep.attempts == 1);
	CHECK(res.rep.n_profiles == 0 && !res.rep.profiles);
	release_result(&res);
}

static void test_exclude(void)
{
	struct srv_request r;
	struct result res;
	char first[SRV_NAME_LEN] = "";

	reset();
	vsim_req(&r);
	add_name(&r, "vsim-fr-sfr-1");
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	if (res.rep.n_profiles == 1) {
		CHECK(!strncmp(res.rep.profiles[0].name, "vsim-fr-orange-", 15));
		snprintf(first, sizeof(first), "%s", res.rep.profiles[0].name);
	}
	release_result(&res);

	/* the current one and SFR excluded: the other Orange VSIM, and the
	 * device's earlier lease ends (a device holds one) */
	vsim_req(&r);
	add_name(&r, "vsim-fr-sfr-1");
	snprintf(r.current, sizeof(r.current), "%s", first);
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.n_profiles == 1 &&
	      !strncmp(res.rep.profiles[0].name, "vsim-fr-orange-", 15) &&
	      strcmp(res.rep.profiles[0].name, first));
	CHECK(count_leases("dev-a") == 1);
	CHECK(!strcmp(lease_holder(first), ""));
	release_result(&res);

	/* every one excluded */
	vsim_req(&r);
	add_name(&r, "vsim-fr-sfr-1");
	add_name(&r, "vsim-fr-orange-1");
	add_name(&r, "vsim-fr-orange-2");
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_ERR_SERVER && !strcmp(res.rep.error_code, "no-vsim"));
	CHECK(res.rep.attempts == 1);
	release_result(&res);
}

static void test_idempotent(void)
{
	struct srv_request r;
	struct result res;
	char name[SRV_NAME_LEN] = "", lease[64] = "", key[SRV_KEY_MAX] = "";
	bool one_key;

	reset();
	vsim_req(&r);
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(!strncmp(res.rep.idem_key, "dev-a-", 6) && strlen(res.rep.idem_key) == 6 + 32);
	if (res.rep.n_profiles == 1)
		snprintf(name, sizeof(name), "%s", res.rep.profiles[0].name);
	snprintf(lease, sizeof(lease), "%s", res.rep.lease);
	snprintf(key, sizeof(key), "%s", res.rep.idem_key);
	release_result(&res);

	/* the same request again with its key (a client that lost the reply):
	 * the same VSIM and lease, nothing allocated again */
	snprintf(r.idem_key, sizeof(r.idem_key), "%s", key);
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.n_profiles == 1 && !strcmp(res.rep.profiles[0].name, name));
	CHECK(!strcmp(res.rep.lease, lease));
	CHECK(!strcmp(res.rep.idem_key, key));
	CHECK(count_leases("dev-a") == 1);
	release_result(&res);

	/* another request with that key is refused */
	r.signal_dbm[SRV_RAT_LTE] = -90;
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_ERR_SERVER && res.rep.http == 422);
	CHECK(!strcmp(res.rep.error_code, "key-reused"));
	CHECK(res.rep.attempts == 1);
	release_result(&res);

	/* a lost reply for real: the first attempt is processed, its reply
	 * dropped (the server closes the connection), the retry carries the
	 * same key and gets the same VSIM */
	reset();
	inject("{\"path\":\"/v1/vsim\",\"mode\":\"delay\",\"delay_ms\":1500,\"count\":1}");
	vsim_req(&r);
	{
		struct srv_config c;
		struct srv s;

		config(&c, "dev-a", "secret-a");
		c.timeout_ms = 700;
		if (open_client(&s, &c)) {
			ask(&s, &r, &res);
			srv_free(&s);
		}
	}
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.attempts >= 2);
	CHECK(seen_requests("/v1/vsim", &one_key) == res.rep.attempts);
	CHECK(one_key);
	CHECK(count_leases("dev-a") == 1);
	CHECK(res.rep.n_profiles == 1 && !strcmp(lease_holder(res.rep.profiles[0].name), "dev-a"));
	release_result(&res);
}

static void test_release(void)
{
	struct srv_request r, rel;
	struct result res;

	reset();
	srv_request_init(&r, SRV_VSIM);	/* only SFR visible */
	snprintf(r.location.plmn, sizeof(r.location.plmn), "20810");
	r.rats = LTE_UMTS;
	r.signal_dbm[SRV_RAT_LTE] = -85;
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.n_profiles == 1 && !strcmp(res.rep.profiles[0].name, "vsim-fr-sfr-1"));
	srv_request_init(&rel, SRV_RELEASE);
	snprintf(rel.name, sizeof(rel.name), "vsim-fr-sfr-1");
	snprintf(rel.lease, sizeof(rel.lease), "%s", res.rep.lease);
	release_result(&res);

	ask_as("dev-b", "secret-b", &r, &res);
	CHECK(res.rep.status == SRV_ERR_SERVER && !strcmp(res.rep.error_code, "no-vsim"));
	release_result(&res);

	/* dev-b cannot release dev-a's lease */
	ask_as("dev-b", "secret-b", &rel, &res);
	CHECK(res.rep.status == SRV_OK && !res.rep.released);
	CHECK(!strcmp(lease_holder("vsim-fr-sfr-1"), "dev-a"));
	release_result(&res);

	ask_as("dev-a", "secret-a", &rel, &res);
	CHECK(res.rep.status == SRV_OK && res.rep.released);
	CHECK(!strcmp(lease_holder("vsim-fr-sfr-1"), ""));
	release_result(&res);
	ask_as("dev-a", "secret-a", &rel, &res);	/* idempotent */
	CHECK(res.rep.status == SRV_OK && !res.rep.released);
	release_result(&res);

	ask_as("dev-b", "secret-b", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.n_profiles == 1 && !strcmp(res.rep.profiles[0].name, "vsim-fr-sfr-1"));
	CHECK(!strcmp(lease_holder("vsim-fr-sfr-1"), "dev-b"));
	release_result(&res);
}

static void test_report(void)
{
	struct srv_request r, rep;
	struct result res;

	reset();
	vsim_req(&r);
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.n_profiles == 1 && !strcmp(res.rep.profiles[0].name, "vsim-fr-sfr-1"));
	release_result(&res);

	srv_request_init(&rep, SRV_REPORT);
	snprintf(rep.name, sizeof(rep.name), "vsim-fr-sfr-1");
	rep.report_kind = VUICC_PROFILE_KIND_VSIM;
	rep.stage = SRV_STAGE_REGISTER;
	rep.result = SRV_RESULT_REJECT;
	rep.cause = 15;
	rep.location = r.location;
	ask_as("dev-a", "secret-a", &rep, &res);
	CHECK(res.rep.status == SRV_OK);
	release_result(&res);
	CHECK(!strcmp(lease_holder("vsim-fr-sfr-1"), ""));

	/* it failed for dev-a: never again for dev-a, still for dev-b */
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.n_profiles == 1 && strcmp(res.rep.profiles[0].name, "vsim-fr-sfr-1"));
	release_result(&res);
	ask_as("dev-b", "secret-b", &r, &res);
	CHECK(res.rep.n_profiles == 1 && !strcmp(res.rep.profiles[0].name, "vsim-fr-sfr-1"));
	release_result(&res);

	/* a seed's success report */
	srv_request_init(&rep, SRV_REPORT);
	snprintf(rep.name, sizeof(rep.name), "seed-sfr-umts");
	rep.report_kind = VUICC_PROFILE_KIND_SEED;
	rep.stage = SRV_STAGE_DATA;
	rep.result = SRV_RESULT_OK;
	ask_as("dev-a", "secret-a", &rep, &res);
	CHECK(res.rep.status == SRV_OK);
	release_result(&res);
}

static void test_expiry(void)
{
	struct srv_request r;
	struct result res;

	reset();
	srv_request_init(&r, SRV_VSIM);
	snprintf(r.location.plmn, sizeof(r.location.plmn), "20810");
	r.rats = LTE_UMTS;
	r.signal_dbm[SRV_RAT_UMTS] = -85;
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.expires > time(NULL) + 3600);
	release_result(&res);
	ask_as("dev-b", "secret-b", &r, &res);
	CHECK(res.rep.status == SRV_ERR_SERVER && !strcmp(res.rep.error_code, "no-vsim"));
	release_result(&res);
	/* two days later (the server's clock) the lease is over */
	CHECK(admin_ok("/admin/advance", "{\"seconds\":172800}"));
	CHECK(!strcmp(lease_holder("vsim-fr-sfr-1"), ""));
	ask_as("dev-b", "secret-b", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.n_profiles == 1 && !strcmp(res.rep.profiles[0].name, "vsim-fr-sfr-1"));
	release_result(&res);
}

static void test_auth(void)
{
	struct srv_request r;
	struct srv_config c;
	struct result res;
	struct srv s;

	reset();
	seeds_req(&r, "20801", ALL_RATS, 2);
	/* a wrong secret: 401, never retried */
	ask_as("dev-a", "secret-b", &r, &res);
	CHECK(res.rep.status == SRV_ERR_SERVER);
	CHECK(res.rep.http == 401);
	CHECK(!strcmp(res.rep.error_code, "unauthorized"));
	CHECK(res.rep.attempts == 1);
	release_result(&res);
	ask_as("dev-x", "secret-a", &r, &res);
	CHECK(res.rep.http == 401 && res.rep.attempts == 1);
	release_result(&res);

	/* a client certificate instead of a secret */
	config(&c, "dev-cert", "");
	snprintf(c.cert_file, sizeof(c.cert_file), "%s", path_in("client.crt"));
	snprintf(c.key_file, sizeof(c.key_file), "%s", path_in("client.key"));
	if (open_client(&s, &c)) {
		ask(&s, &r, &res);
		CHECK(res.rep.status == SRV_OK);
		CHECK(res.rep.n_profiles == 2);
		release_result(&res);
		srv_free(&s);
	} else {
		CHECK(0);
	}

	/* the certificate is dev-cert's: asking as dev-a is forbidden */
	snprintf(c.device, sizeof(c.device), "dev-a");
	if (open_client(&s, &c)) {
		ask(&s, &r, &res);
		CHECK(res.rep.status == SRV_ERR_SERVER && res.rep.http == 403);
		CHECK(res.rep.attempts == 1);
		release_result(&res);
		srv_free(&s);
	}

	/* a certificate of another CA: the handshake fails */
	config(&c, "dev-cert", "");
	c.attempts = 1;
	snprintf(c.cert_file, sizeof(c.cert_file), "%s", path_in("rogue.crt"));
	snprintf(c.key_file, sizeof(c.key_file), "%s", path_in("rogue.key"));
	if (open_client(&s, &c)) {
		ask(&s, &r, &res);
		CHECK(res.rep.status == SRV_ERR_TRANSPORT || res.rep.status == SRV_ERR_TLS);
		CHECK(res.rep.http == 0);
		release_result(&res);
		srv_free(&s);
	}

	/* the server's certificate against another CA: a TLS error, not retried */
	config(&c, "dev-a", "secret-a");
	snprintf(c.ca_file, sizeof(c.ca_file), "%s", path_in("other-ca.crt"));
	if (open_client(&s, &c)) {
		ask(&s, &r, &res);
		CHECK(res.rep.status == SRV_ERR_TLS);
		CHECK(res.rep.attempts == 1);
		CHECK(res.rep.http == 0);
		release_result(&res);
		srv_free(&s);
	}
}

static void test_retries(void)
{
	struct srv_request r;
	struct result res;
	bool one_key;

	reset();
	/* 503 twice: three attempts with the same key, after 50-100 ms and
	 * 100-200 ms of back-off, without busy waiting */
	inject("{\"path\":\"/v1/vsim\",\"status\":503,\"count\":2}");
	vsim_req(&r);
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.attempts == 3);
	CHECK(res.rep.elapsed_ms >= 150);
	CHECK(res.wakeups < 40);
	CHECK(seen_requests("/v1/vsim", &one_key) == 3);
	CHECK(one_key);
	CHECK(count_leases("dev-a") == 1);
	release_result(&res);

	/* Retry-After is honoured */
	reset();
	inject("{\"path\":\"/v1/seeds\",\"status\":429,\"retry_after\":1,\"count\":1}");
	seeds_req(&r, "20801", ALL_RATS, 1);
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_OK);
	CHECK(res.rep.attempts == 2);
	CHECK(res.rep.elapsed_ms >= 1000);
	release_result(&res);

	/* one longer than SRV_RETRY_AFTER_MAX_S is not waited for */
	inject("{\"path\":\"/v1/seeds\",\"status\":503,\"retry_after\":3600,\"count\":1}");
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_ERR_SERVER && res.rep.http == 503);
	CHECK(res.rep.attempts == 1);
	CHECK(strstr(res.rep.message, "Retry-After"));
	release_result(&res);

	/* 503 every time: all 4 attempts, the last error */
	reset();
	inject("{\"path\":\"/v1/seeds\",\"status\":503,\"count\":-1,\"code\":\"overloaded\"}");
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_ERR_SERVER);
	CHECK(res.rep.http == 503);
	CHECK(!strcmp(res.rep.error_code, "overloaded"));
	CHECK(res.rep.attempts == 4);
	CHECK(res.rep.elapsed_ms >= 50 + 100 + 200);
	release_result(&res);

	/* not retried: 400, 404, 409, 500 */
	reset();
	inject("{\"path\":\"/v1/seeds\",\"status\":400,\"count\":-1,\"code\":\"bad-request\"}");
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_ERR_SERVER && res.rep.http == 400);
	CHECK(!strcmp(res.rep.error_code, "bad-request"));
	CHECK(res.rep.attempts == 1);
	CHECK(seen_requests("/v1/seeds", &one_key) == 1);
	release_result(&res);
	reset();
	inject("{\"path\":\"/v1/seeds\",\"status\":500,\"count\":-1}");
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.http == 500 && res.rep.attempts == 1);
	release_result(&res);
	reset();
	inject("{\"path\":\"/v1/seeds\",\"status\":404,\"count\":-1,\"raw\":\"<html>\","
	       "\"mode\":\"raw\",\"content_type\":\"text/html\"}");
	ask_as("dev-a", "secret-a", &r, &res);
	CHECK(res.rep.status == SRV_ERR_SERVER && res.rep.http == 404);
	CHECK(!strcmp(res.rep.error_code, "http-404"));
	CHECK(res.rep.attempts == 1);
	release_result(&res);
}

static void test_timeouts(void)
{
	struct srv_request r;
	struct srv_config c;
	struct result res;
	struct srv s;
	int fd;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);

	reset();
	/* the server answers after 1.5 s; 400 ms per attempt, 2 attempts */
	inject("{\"path\":\"/v1/report\",\"mode\":\"delay\",\"delay_ms\":1500,\"count\":2}");
	srv_request_init(&r, SRV_REPORT);
	snprintf(r.name, sizeof(r.name), "seed-sfr-umts");
	r.report_kind = VUICC_PROFILE_KIND_SEED;
	config(&c, "dev-a", "secret-a");
	c.timeout_ms = 400;
	c.attempts = 2;
	if (open_client(&s, &c)) {
		ask(&s, &r, &res);
		CHECK(res.rep.status == SRV_ERR_TRANSPORT);
		CHECK(res.rep.attempts == 2);
		CHECK(res.rep.elapsed_ms >= 800 + 50);
		CHECK(res.rep.elapsed_ms < 3000);
		CHECK(strstr(res.rep.message, "imeout"));
		release_result(&res);
		srv_free(&s);
	}

	/* nobody listening: connection refused, retried */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	close(fd);
	config(&c, "dev-a", "secret-a");
	snprintf(c.url, sizeof(c.url), "https://127.0.0.1:%d/v1", ntohs(sa.sin_port));
	c.attempts = 3;
	if (open_client(&s, &c)) {
		ask(&s, &r, &res);
		CHECK(res.rep.status == SRV_ERR_TRANSPORT);
		CHECK(res.rep.attempts == 3);
		CHECK(res.rep.http == 0);
		release_result(&res);
		srv_free(&s);
	}
}

struct bad_case {
	const char *path, *rule, *want;
	int status;
	bool retried;
};

static void test_bad_replies(void)
{
	static const char bad_k[] =
		"name = vsim-fr-sfr-1\\nkind = vsim\\niccid = 8988211000000000018\\n"
		"imsi = 208100000000018\\nalgorithm = milenage\\n"
		"k = 465b5ce8b199b49faa5f0a2ee238a6\\nopc = cd63cb71954a9f4e48a5994e37a02baf\\n";
	static const char good_vsim[] =
		"name = vsim-fr-sfr-1\\nkind = vsim\\niccid = 8988211000000000018\\n"
		"imsi = 208100000000018\\nalgorithm = milenage\\n"
		"k = 465b5ce8b199b49faa5f0a2ee238a6bc\\nopc = cd63cb71954a9f4e48a5994e37a02baf\\n";
	static const char good_seed[] =
		"name = seed-x\\nkind = seed\\nrole = standby\\niccid = 8988211000000000018\\n"
		"imsi = 208100000000018\\nalgorithm = xor\\n"
		"k = 000102030405060708090a0b0c0d0e0f\\n";
	char rules[16][1024];
	const struct bad_case cases[] = {
		{ "/v1/vsim", "\"mode\":\"raw\",\"raw\":\"this is not json {\"", "not JSON",
		  SRV_ERR_REPLY, false },
		{ "/v1/vsim", "\"mode\":\"raw\",\"raw\":\"{\\\"ok\\\":true,\\\"vsim\\\":{\"",
		  "truncated JSON", SRV_ERR_REPLY, false },
		{ "/v1/vsim", "\"mode\":\"truncated\"", "", SRV_ERR_TRANSPORT, true },
		{ "/v1/vsim", "\"mode\":\"close\"", "", SRV_ERR_TRANSPORT, true },
		{ "/v1/vsim", "\"mode\":\"oversized\"", "larger than 65536", SRV_ERR_REPLY, false },
		{ "/v1/vsim", "\"mode\":\"body\",\"body\":[1,2]", "not an object",
		  SRV_ERR_REPLY, false },
		{ "/v1/vsim", "\"mode\":\"body\",\"body\":{\"vsim\":{}}", "ok: not true",
		  SRV_ERR_REPLY, false },
		{ "/v1/vsim", "\"mode\":\"raw\",\"raw\":\"{\\\"ok\\\":true} {}\"", "bad reply: not JSON",
		  SRV_ERR_REPLY, false },
		{ "/v1/vsim", "\"mode\":\"body\",\"body\":{\"ok\":true,\"vsim\":{\"name\":5}}",
		  "vsim.name: not a string", SRV_ERR_REPLY, false },
		{ "/v1/vsim", "\"mode\":\"body\",\"body\":{\"ok\":true,\"vsim\":{\"name\":"
		  "\"vsim-fr-sfr-1\",\"expires\":\"soon\",\"lease\":\"l1\",\"profile\":\"x\"}}",
		  "vsim.expires: not an integer", SRV_ERR_REPLY, false },
		{ "/v1/vsim", "\"mode\":\"body\",\"body\":{\"ok\":true,\"vsim\":{\"name\":"
		  "\"vsim-fr-sfr-1\",\"expires\":4000000000,\"profile\":\"x\"}}",
		  "vsim.lease: missing", SRV_ERR_REPLY, false },
		{ "/v1/vsim", NULL /* bad k */, "key 'k'", SRV_ERR_REPLY, false },
		{ "/v1/vsim", NULL /* another name */, "vsim.profile: name", SRV_ERR_REPLY, false },
		{ "/v1/vsim", "\"mode\":\"body\",\"content_type\":\"text/plain\","
		  "\"body\":{\"ok\":true}", "Content-Type", SRV_ERR_REPLY, false },
		{ "/v1/seeds", NULL /* too many */, "seeds: 2 new seeds and 0 kept, 1 asked for",
		  SRV_ERR_REPLY, false },
		{ "/v1/seeds", NULL /* a VSIM as a seed */, "kind: not seed", SRV_ERR_REPLY, false },
		{ "/v1/seeds", "\"mode\":\"body\",\"body\":{\"ok\":true,\"seeds\":[],"
		  "\"withdraw\":[\"seed-x\"]}", "withdraw[0]: 'seed-x' is not one the device has",
		  SRV_ERR_REPLY, false },
		{ "/v1/seeds", "\"mode\":\"body\",\"body\":{\"ok\":true,\"seeds\":[],"
		  "\"withdraw\":\"seed-x\"}", "withdraw: not an array", SRV_ERR_REPLY, false },
	};
	unsigned int i;

	snprintf(rules[11], sizeof(rules[11]), "\"mode\":\"body\",\"body\":{\"ok\":true,\"vsim\":"
		 "{\"name\":\"vsim-fr-sfr-1\",\"expires\":4000000000,\"lease\":\"l1\","
		 "\"profile\":\"%s\"}}", bad_k);
	snprintf(rules[12], sizeof(rules[12]), "\"mode\":\"body\",\"body\":{\"ok\":true,\"vsim\":"
		 "{\"name\":\"vsim-fr-orange-1\",\"expires\":4000000000,\"lease\":\"l1\","
		 "\"profile\":\"%s\"}}", good_vsim);
	snprintf(rules[14], sizeof(rules[14]), "\"mode\":\"body\",\"body\":{\"ok\":true,\"seeds\":"
		 "[{\"name\":\"seed-x\",\"profile\":\"%s\"},{\"name\":\"seed-y\",\"profile\":\"\"}]}",
		 good_seed);
	snprintf(rules[15], sizeof(rules[15]), "\"mode\":\"body\",\"body\":{\"ok\":true,\"seeds\":"
		 "[{\"name\":\"vsim-fr-sfr-1\",\"profile\":\"%s\"}]}", good_vsim);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *bc = &cases[i];
		struct srv_request r;
		struct srv_config c;
		struct result res;
		struct srv s;
		char rule[1200];
		int n;

		reset();
		/* (the length checked: gcc for arm64 sees a possible truncation) */
		n = snprintf(rule, sizeof(rule), "{\"path\":\"%s\",\"count\":-1,%s}", bc->path,
			     bc->rule ? bc->rule : rules[i]);
		CHECK(n > 0 && (size_t)n < sizeof(rule));
		inject(rule);
		if (!strcmp(bc->path, "/v1/seeds"))
			seeds_req(&r, "20801", ALL_RATS, 1);
		else
			vsim_req(&r);
		config(&c, "dev-a", "secret-a");
		c.attempts = 2;
		if (!open_client(&s, &c)) {
			CHECK(0);
			continue;
		}
		ask(&s, &r, &res);
		srv_free(&s);
		if (res.rep.status != bc->status || !strstr(res.rep.message, bc->want) ||
		    res.rep.attempts != (bc->retried ? 2u : 1u) || res.rep.n_profiles ||
		    res.rep.profiles) {
			fprintf(stderr, "case %u (%s): status %d, attempts %u, message '%s'\n", i,
				bc->rule ? bc->rule : "", res.rep.status, res.rep.attempts,
				res.rep.message);
			CHECK(0);
		}
		/* the message never quotes a key */
		CHECK(!strstr(res.rep.message, "465b5ce8"));
		release_result(&res);
	}
}

static void test_concurrent(void)
{
	struct srv_request r[3];
	struct result res[3], *rs[] = { &res[0], &res[1], &res[2] };
	struct srv_config c;
	struct srv s;
	unsigned int i;

	reset();
	config(&c, "dev-a", "secret-a");
	if (!open_client(&s, &c)) {
		CHECK(0);
		return;
	}
	memset(res, 0, sizeof(res));
	seeds_req(&r[0], "20801", ALL_RATS, 2);
	vsim_req(&r[1]);
	srv_request_init(&r[2], SRV_REPORT);
	snprintf(r[2].name, sizeof(r[2].name), "seed-sfr-umts");
	r[2].report_kind = VUICC_PROFILE_KIND_SEED;
	for (i = 0; i < 3; i++)
		CHECK(srv_submit(&s, &r[i], on_done, &res[i]) == 0);
	CHECK(srv_pending(&s) == 3);
	loop(&s, rs, 3);
	CHECK(srv_pending(&s) == 0);
	CHECK(res[0].rep.status == SRV_OK && res[0].rep.n_profiles == 2);
	CHECK(res[1].rep.status == SRV_OK && res[1].rep.n_profiles == 1);
	CHECK(res[2].rep.status == SRV_OK);
	CHECK(res[0].rep.kind == SRV_SEEDS && res[1].rep.kind == SRV_VSIM &&
	      res[2].rep.kind == SRV_REPORT);
	for (i = 0; i < 3; i++)
		release_result(&res[i]);
	/* idle: neither fd is armed */
	{
		struct epoll_event ev = { .events = EPOLLIN };
		int ep = epoll_create1(0);

		epoll_ctl(ep, EPOLL_CTL_ADD, srv_fd(&s), &ev);
		epoll_ctl(ep, EPOLL_CTL_ADD, srv_timer_fd(&s), &ev);
		CHECK(epoll_wait(ep, &ev, 1, 200) == 0);
		close(ep);
	}
	srv_free(&s);
}

static bool contains(const char *hay, size_t len, const char *needle)
{
	return memmem(hay, len, needle, strlen(needle)) != NULL;
}

/* Neither the client's log nor the server's has a key or a secret. */
static void test_logs_clean(void)
{
	size_t clen = 0, slen = 0, i;
	char *client = slurp(path_in("client.log"), &clen);
	char *server = slurp(path_in("server.log"), &slen);

	CHECK(client && server);
	if (!client || !server)
		goto out;
	CHECK(contains(client, clen, "server: POST"));	/* it did log */
	CHECK(contains(server, slen, "POST /v1/vsim device=dev-a status=200"));
	CHECK(contains(server, slen, "status=401 result=unauthorized"));
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		CHECK(!contains(client, clen, secrets[i]));
		CHECK(!contains(server, slen, secrets[i]));
	}
out:
	free(client);
	free(server);
}

static int setup(void)
{
	char cmd[PATH_MAX * 2 + 64];
	const char *env = getenv("VUICC_TOP");
	const char *slash = strrchr(__FILE__, '/');
	char probe[PATH_MAX + 64];
	int fd;

	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		fprintf(stderr, "server_test: python3 not found: apt-get install python3\n");
		return -1;
	}
	if (system("command -v openssl >/dev/null 2>&1") != 0) {
		fprintf(stderr, "server_test: openssl not found: apt-get install openssl\n");
		return -1;
	}
	if (env)
		snprintf(top, sizeof(top), "%s", env);
	else	/* agent/tests/io/server_test.c -> the top of the tree */
		snprintf(top, sizeof(top), "%.*s/../../..", slash ? (int)(slash - __FILE__) : 1,
			 slash ? __FILE__ : ".");
	snprintf(probe, sizeof(probe), "%s/tools/simserver/vuicc-simserver", top);
	if (access(probe, R_OK)) {
		fprintf(stderr, "server_test: %s: %s (run from the top of the tree, or set "
			"VUICC_TOP)\n", probe, strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "/tmp/vuicc-server-test.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "sh '%s/agent/tests/io/server_test_certs.sh' '%s'", top, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "server_test: making the test certificates failed\n");
		return -1;
	}
	if (start_server())
		return -1;
	/* the client's log goes to a file, to be checked for secrets */
	fflush(stderr);
	saved_stderr = dup(2);
	fd = open(path_in("client.log"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || saved_stderr < 0)
		return -1;
	dup2(fd, 2);
	close(fd);
	setvbuf(stderr, NULL, _IONBF, 0);
	log_setup(false, LOG_DEBUG);
	return 0;
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];
	char *log;

	stop_server();
	if (saved_stderr >= 0) {	/* the test's messages and the client's log */
		dup2(saved_stderr, 2);
		close(saved_stderr);
		if (getenv("VUICC_TEST_VERBOSE") || tl_failed) {
			log = slurp(path_in("client.log"), NULL);
			fprintf(stderr, "---- client log and test messages\n%s", log ? log : "");
			free(log);
			log = slurp(path_in("server.log"), NULL);
			fprintf(stderr, "---- server log\n%s", log ? log : "");
			free(log);
		}
	}
	if (dir[0] && !getenv("VUICC_KEEP_TMP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "server_test: could not remove %s\n", dir);
	}
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (setup()) {
		printf("not ok - setup\n");
		tl_failed++;
		teardown();
		curl_global_cleanup();
		DONE();
	}
	RUN(test_config_checks);
	RUN(test_submit_checks);
	RUN(test_seeds);
	RUN(test_vsim_choice);
	RUN(test_exclude);
	RUN(test_idempotent);
	RUN(test_release);
	RUN(test_report);
	RUN(test_expiry);
	RUN(test_auth);
	RUN(test_retries);
	RUN(test_timeouts);
	RUN(test_bad_replies);
	RUN(test_concurrent);
	stop_server();		/* flushes its log */
	RUN(test_logs_clean);
	teardown();
	curl_global_cleanup();
	DONE();
}
