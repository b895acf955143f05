// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccctl status: vuiccd's report through its control socket.
 * vuiccctl state: a profile's persistent state as the kernel has it
 * (state-get), as checksums: never EF contents or SQNs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "lib/nl.h"
#include "lib/store.h"
#include "vuiccctl.h"

#define DEFAULT_SOCKET "/run/vuicc/vuiccd.sock"

static int ctl_request(const char *path, const char *req);

int cmd_status(int argc, char **argv, const struct ctl_opts *o)
{
	const char *path = DEFAULT_SOCKET;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--socket") && i + 1 < argc)
			path = argv[++i];
		else
			return ctl_err("status: unexpected argument '%s' (status [--socket PATH])", argv[i]);
	}
	return ctl_request(path, o->json ? "status json\n" : "status\n");
}

/* vuiccctl share take|give|on|off: the master's own use, a slave's wish */
int cmd_share(int argc, char **argv, const struct ctl_opts *o)
{
	const char *path = DEFAULT_SOCKET, *what = NULL;
	char req[64];
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--socket") && i + 1 < argc)
			path = argv[++i];
		else if (!what && (!strcmp(argv[i], "take") || !strcmp(argv[i], "give") ||
				   !strcmp(argv[i], "on") || !strcmp(argv[i], "off")))
			what = argv[i];
		else
			return ctl_err("share: unexpected argument '%s' (share take|give|on|off [--socket PATH])",
				       argv[i]);
	}
	if (!what)
		return ctl_err("share: take, give (master) or on, off (slave)?");
	snprintf(req, sizeof(req), "share %s\n", what);
	return ctl_request(path, req);
}

static int ctl_request(const char *path, const char *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	ssize_t n;
	size_t total = 0;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return ctl_err("status: socket path too long");
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ctl_err("status: %s: %s%s", path, strerror(errno),
			errno == ENOENT || errno == ECONNREFUSED ? " (is vuiccd running?)" :
			errno == EACCES ? " (root or the socket_group only)" : "");
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (write(fd, req, strlen(req)) < 0) {
		close(fd);
		return ctl_err("status: %s: %s", path, strerror(errno));
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		total += (size_t)n;
	}
	close(fd);
	if (total >= 6 && !strncmp(buf, "error:", 6))
		return 1;
	return total ? 0 : ctl_err("status: vuiccd closed the connection without an answer");
}

static int print_state(const struct nlmsghdr *nlh, struct nlattr **tb, uint8_t cmd, void *arg)
{
	const struct ctl_opts *o = arg;
	struct nlattr *a, *ft[VUICC_A_FILE_MAX + 1];
	const uint8_t *sqn = NULL;
	unsigned int efs = 0;
	int rem, sqn_len = 0, k;
	char path[2 * VUICC_FILE_PATH_MAX + 1];

	if (tb[VUICC_A_SQN_STATE]) {
		sqn = nla_data(tb[VUICC_A_SQN_STATE]);
		sqn_len = nla_len(tb[VUICC_A_SQN_STATE]);
	}
	nlmsg_for_each_attr(a, (struct nlmsghdr *)nlh, GENL_HDRLEN, rem)
		efs += nla_type(a) == VUICC_A_FILE;
	if (o->json)
		printf("{\"seq\":%llu,\"sqn_slots\":%d,\"sqn_crc\":\"%08x\",\"efs\":[",
		       tb[VUICC_A_STATE_SEQ] ? (unsigned long long)nla_get_u64(tb[VUICC_A_STATE_SEQ]) : 0ULL,
		       sqn_len / 6, store_crc32(0, sqn, (size_t)sqn_len));
	else
		printf("seq %llu sqn-slots %d sqn-crc %08x efs %u\n",
		       tb[VUICC_A_STATE_SEQ] ? (unsigned long long)nla_get_u64(tb[VUICC_A_STATE_SEQ]) : 0ULL,
		       sqn_len / 6, store_crc32(0, sqn, (size_t)sqn_len), efs);
	efs = 0;
	nlmsg_for_each_attr(a, (struct nlmsghdr *)nlh, GENL_HDRLEN, rem) {
		if (nla_type(a) != VUICC_A_FILE || nla_parse_nested(ft, VUICC_A_FILE_MAX, a, NULL) ||
		    !ft[VUICC_A_FILE_PATH] || !ft[VUICC_A_FILE_DATA] ||
		    nla_len(ft[VUICC_A_FILE_PATH]) > VUICC_FILE_PATH_MAX)
			continue;
		for (k = 0; k < nla_len(ft[VUICC_A_FILE_PATH]); k++)
			sprintf(path + 2 * k, "%02X", ((uint8_t *)nla_data(ft[VUICC_A_FILE_PATH]))[k]);
		printf(o->json ? "%s{\"path\":\"%s\",\"len\":%d,\"crc\":\"%08x\"}" :
		       "%s  ef %s len %d crc %08x\n", o->json ? (efs ? "," : "") : "", path,
		       nla_len(ft[VUICC_A_FILE_DATA]),
		       store_crc32(0, nla_data(ft[VUICC_A_FILE_DATA]),
				   (size_t)nla_len(ft[VUICC_A_FILE_DATA])));
		efs++;
	}
	if (o->json)
		printf("]}\n");
	return 0;
}

int cmd_state(int argc, char **argv, const struct ctl_opts *o)
{
	const char *name = NULL;
	struct nl_msg *m;
	struct vnl v;
	int card = 0, i, ret;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--card") && i + 1 < argc) {
			card = ctl_parse_card(argv[++i]);
			if (card < 0)
				return ctl_err("state: bad card number '%s'", argv[i]);
		} else if (!name && argv[i][0] != '-') {
			name = argv[i];
		} else {
			return ctl_err("state: unexpected argument '%s'", argv[i]);
		}
	}
	if (!name)
		return ctl_err("state: which profile? (state NAME [--card N])");
	if (vnl_open(&v))
		return ctl_err("%s", v.err);
	m = vnl_request(&v, VUICC_CMD_STATE_GET, 0);
	if (!m) {
		vnl_close(&v);
		return ctl_err("out of memory");
	}
	nla_put_u32(m, VUICC_A_CARD_ID, (uint32_t)card);
	nla_put_string(m, VUICC_A_PROFILE_NAME, name);
	ret = vnl_transact(&v, m, print_state, (void *)o);
	vnl_close(&v);
	if (ret)
		return ctl_err("state: %s", v.err);
	return 0;
}
