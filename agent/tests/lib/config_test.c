// SPDX-License-Identifier: GPL-2.0
/* Host unit tests: vuiccd.conf, with good, bad and random input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/config.h"
#include "../testlib.h"

static struct config C;
static char err[CONFIG_ERR_MAX];

static int parse(const char *text)
{
	return config_parse(text, strlen(text), "v.conf", &C, err, sizeof(err));
}

static void test_defaults(void)
{
	CHECK(parse("# nothing\n\n") == 0);
	CHECK(C.cards == 1 && C.writeback_ms == 2000 && C.keep_enabled);
	CHECK(!strcmp(C.profiles_dir, "/etc/vuicc/profiles"));
	CHECK(!strcmp(C.state_dir, "/var/lib/vuicc"));
	CHECK(!strcmp(C.socket, "/run/vuicc/vuiccd.sock"));
	CHECK(C.socket_group[0] == 0 && C.n_enable == 0);
	CHECK(C.log == LOG_TO_DEFAULT && C.log_level == LOG_INFO);
	CHECK(config_load("/nonexistent/vuiccd.conf", true, &C, err, sizeof(err)) == 0);
	CHECK(config_load("/nonexistent/vuiccd.conf", false, &C, err, sizeof(err)) == -1);
	CHECK(strstr(err, "No such file") != NULL);
}

static void test_every_key(void)
{
	CHECK(parse("cards = 3\nprofiles_dir = /p\nstate_dir = /s\nsocket = /r/s.sock\n"
		    "socket_group = vuicc\nlog = stderr\nlog_level = debug\nwriteback_ms = 0\n"
		    "keep_enabled = no\nenable = seed-master\nenable = vsim.2\n") == 0);
	CHECK(C.cards == 3 && !strcmp(C.profiles_dir, "/p") && !strcmp(C.state_dir, "/s"));
	CHECK(!strcmp(C.socket, "/r/s.sock") && !strcmp(C.socket_group, "vuicc"));
	CHECK(C.log == LOG_TO_STDERR && C.log_level == LOG_DEBUG && C.writeback_ms == 0);
	CHECK(!C.keep_enabled && C.n_enable == 2 && !strcmp(C.enable[1], "vsim.2"));
}

static void test_policy_keys(void)
{
	static const char *const srv = "server_url = https://192.0.2.1:8443/v1\n"
				       "device_id = dev-1\n";
	char text[1024], path[] = "/tmp/config_test_secretXXXXXX";
	FILE *f;
	int fd;

	CHECK(parse("# defaults\n") == 0);
	CHECK(!C.policy && C.weight_signal == 0.5 && C.weight_tariff == 0.5 && C.vsim);
	CHECK(C.switchback && C.tariff_min == 0 && C.tariff_max == 1);
	snprintf(text, sizeof(text), "policy = yes\nweight_signal = 0.7\nweight_tariff = 0.3\n"
		 "tariff_min = 0.05\ntariff_max = 2\nt_card_ms = 4000\nt_register_ms = 15000\n"
		 "t_dial_ms = 9000\nt_data_ms = 8000\nt_scan_ms = 20000\nswitchback_ms = 60000\n"
		 "vsim = no\nstandby_count = 2\n%sdevice_secret = s3cret\n"
		 "server_timeout_ms = 3000\nserver_attempts = 2\n", srv);
	CHECK(parse(text) == 0);
	CHECK(C.policy && C.weight_signal == 0.7 && C.weight_tariff == 0.3);
	CHECK(C.tariff_min == 0.05 && C.tariff_max == 2 && C.t_card_ms == 4000);
	CHECK(C.t_register_ms == 15000 && C.t_dial_ms == 9000 && C.t_data_ms == 8000);
	CHECK(C.t_scan_ms == 20000 && C.switchback_ms == 60000 && !C.vsim);
	CHECK(C.standby_count == 2 && C.server_timeout_ms == 3000 && C.server_attempts == 2);
	CHECK(!strcmp(C.device_secret, "s3cret"));
	/* the policy's data stage needs the server; the server needs a device */
	CHECK(parse("policy = yes\n") == -1 && strstr(err, "server_url"));
	CHECK(parse("server_url = https://x/v1\n") == -1 && strstr(err, "device_id"));
	CHECK(parse("server_url = http://x/v1\ndevice_id = d\ndevice_secret = s\n") == -1 &&
	      strstr(err, "https"));
	CHECK(parse("weight_signal = -1\n") == -1 && strstr(err, "weight_signal"));
	CHECK(parse("weight_tariff = x\n") == -1 && strstr(err, "weight_tariff"));
	CHECK(parse("tariff_min = 2\ntariff_max = 1\n") == -1 && strstr(err, "tariff_max"));
	CHECK(parse("t_register_ms = 5\n") == -1 && strstr(err, "t_register_ms"));
	CHECK(parse("standby_count = 9\n") == -1 && strstr(err, "standby_count"));
	CHECK(parse("standby_count = 6\n") == -1 && strstr(err, "standby_count"));
	/* not given: CN105491555A's M = 5 where there is a SIM server, else none */
	CHECK(parse("cards = 1\n") == 0 && C.standby_count == 0);
	snprintf(text, sizeof(text), "%sdevice_secret = s3cret\n", srv);
	CHECK(parse(text) == 0 && C.standby_count == 5);
	snprintf(text, sizeof(text), "%sdevice_secret = s3cret\nstandby_count = 0\n", srv);
	CHECK(parse(text) == 0 && C.standby_count == 0);
	CHECK(parse("policy = maybe\n") == -1 && strstr(err, "not yes, no or cn105491555a"));
	CHECK(parse("policy = yes\npolicy = no\n") == -1 && strstr(err, "given twice"));

	/* device_secret_file: read by config_load, only from a private file */
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	fputs("file-secret\nsecond line\n", f);
	fclose(f);
	snprintf(text, sizeof(text), "/tmp/config_test_conf_%d", (int)getpid());
	f = fopen(text, "w");
	fprintf(f, "%sdevice_secret_file = %s\n", srv, path);
	fclose(f);
	chmod(path, 0600);
	CHECK(config_load(text, false, &C, err, sizeof(err)) == 0);
	CHECK(!strcmp(C.device_secret, "file-secret"));
	chmod(path, 0644);
	CHECK(config_load(text, false, &C, err, sizeof(err)) == -1 && strstr(err, "chmod 600"));
	CHECK(!strstr(err, "file-secret"));
	unlink(path);
	CHECK(config_load(text, false, &C, err, sizeof(err)) == -1 &&
	      strstr(err, "device_secret_file"));
	unlink(text);
	CHECK(parse("device_secret = a\ndevice_secret_file = /x\n") == -1 &&
	      strstr(err, "device_secret_file"));
}

#define PK "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ABCDEF"

static void test_share_keys(void)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "share = both\n", "not off, master or slave" },
		{ "share = slave\n", "needs share_profile and share_key_file" },
		{ "share = slave\nshare_profile = p\nshare_key_file = /k\n",
		  "a slave needs share_connect" },
		{ "share = master\nshare_profile = p\nshare_key_file = /k\nshare_listen = tcp:0.0.0.0:1\n",
		  "a master needs share_listen and share_profile_file" },
		{ "share_listen = 0.0.0.0:1\n", "not tcp:HOST:PORT or rfcomm" },
		{ "share_adapter = 00:11:22:33:44\n", "is not a Bluetooth address" },
		{ "share_adapter = 00:11:22:33:44:5G\n", "is not a Bluetooth address" },
		{ "share_peer_key = 0123\n", "not 64 hex digits" },
		{ "share_peer_key = " PK "0\n", "not 64 hex digits" },
		{ "share_peer_key = 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\n",
		  "not 64 hex digits" },
		{ "share_mode = 6\n", "key 'share_mode': '6' is not push or compare" },
		{ "share_embodiment = 6\n", "key 'share_mode': '6' is not push or compare" },
		{ "share_mode = push\nshare_embodiment = compare\n", "key 'share_mode': given twice" },
		{ "share_profile = a/b\n", "not a profile name" },
		{ "share_lease_ms = 10\n", "from 3000 to 3600000" },
		{ "share = slave\nshare_profile = p\nshare_key_file = /k\nshare_connect = tcp:h:1\n"
		  "share_lease_ms = 10000\nshare_guard_ms = 5000\n", "not less than half" },
		{ "share = slave\nshare_profile = p\nshare_key_file = /k\nshare_connect = tcp:h:1\n"
		  "share_peer_key = " PK "\nshare_peer_key = " PK "\n", "at most one share_peer_key" },
		{ "card_base = 63\ncards = 2\n", "there are only 64" },
		{ "card_base = 2\nmodem = 1 /dev/ttyS0\n", "card 1 is not one of cards 2..2" },
		{ "modem_scan_port = 0 /dev/ttyUSB3\n", "key 'modem_scan_port': card 0 has no 'modem'" },
		{ "modem = 0 /dev/ttyUSB2\nmodem_scan_port = 0 ttyUSB3\n", "must be an absolute path" },
		{ "modem = 0 /dev/ttyUSB2\nmodem_scan_port = 0 /dev/a\nmodem_scan_port = 0 /dev/b\n",
		  "card 0 has one already" },
		{ "modem_vuicc_slot = 0\n", "is not 'CARD N'" },
		{ "modem_vuicc_slot = 0 0\n", "is not a modem SIM slot" },
		{ "modem_vuicc_slot = 0 9\n", "is not a modem SIM slot" },
		{ "modem_vuicc_slot = 0 2x\n", "is not a modem SIM slot" },
		{ "modem_vuicc_slot = 0 2\nmodem_vuicc_slot = 0 1\n", "card 0 has one already" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(parse(cases[i].text) == -1);
		if (!strstr(err, cases[i].want))
			fprintf(stderr, "case %zu: got \"%s\", want \"%s\"\n", i, err, cases[i].want);
		CHECK(strstr(err, cases[i].want) != NULL);
	}
	CHECK(parse("modem = 0 /dev/ttyUSB2\nmodem_scan_port = 0 /dev/ttyUSB3\n") == 0);
	CHECK(!strcmp(C.modem[0], "/dev/ttyUSB2") && !strcmp(C.modem_scan[0], "/dev/ttyUSB3"));
	CHECK(config_vuicc_slot(&C, 0) == 1);	/* the default */
	CHECK(parse("modem = 0 /dev/ttyUSB2\nmodem_vuicc_slot = 0 2\n") == 0);
	CHECK(config_vuicc_slot(&C, 0) == 2 && config_vuicc_slot(&C, 1) == 1);
	CHECK(parse("policy = cn105491555a\nserver_url = https://s/v1\ndevice_id = d\n"
		    "device_secret = x\n") == 0 && C.policy && C.policy_source);
	CHECK(parse("share = slave\nshare_profile = p\nshare_key_file = /k\n"
		    "share_connect = rfcomm:00:11:22:33:44:55:3\nshare_peer_key = " PK "\n"
		    "share_mode = compare\ncard_base = 2\nshare_want = no\n"
		    "share_adapter = 00:1b:dc:0A:00:02\n") == 0);
	CHECK(C.share == CONFIG_SHARE_SLAVE && C.n_share_peers == 1 && C.share_compare);
	CHECK(!strcmp(C.share_adapter, "00:1b:dc:0A:00:02"));
	CHECK(C.warnings[0] == '\0');
	CHECK(C.card_base == 2 && !C.share_want && C.share_lease_ms == 30000);
	CHECK(C.share_peer_key[0][0] == 0x01 && C.share_peer_key[0][31] == 0xEF);
	/* the old name of share_mode still works, with a warning naming the new one */
	CHECK(parse("share_embodiment = compare\n") == 0);
	CHECK(C.share_compare);
	CHECK(strstr(C.warnings, ":1: key 'share_embodiment' is deprecated: use 'share_mode'") != NULL);
	CHECK(parse("\nshare_embodiment = push\n") == 0);
	CHECK(!C.share_compare && strstr(C.warnings, ":2: key 'share_embodiment'") != NULL);
}

static void test_errors(void)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "cards = 0\n", "v.conf:1: key 'cards': '0' is not a number from 1 to 64" },
		{ "cards = 65\n", "from 1 to 64" },
		{ "\n\ncards = x\n", "v.conf:3: key 'cards': 'x' is not a number" },
		{ "cards = 1\ncards = 2\n", "v.conf:2: key 'cards': given twice" },
		{ "state_dir = var/lib\n", "not an absolute path" },
		{ "log = journal\n", "not stderr or syslog" },
		{ "log_level = loud\n", "not err, warning, notice, info or debug" },
		{ "writeback_ms = 600001\n", "from 0 to 600000" },
		{ "keep_enabled = maybe\n", "not yes or no" },
		{ "enable = a/b\n", "not a profile name" },
		{ "enable = a\nenable = a\n", "given twice" },
		{ "colour = blue\n", "v.conf:1: key 'colour': unknown key" },
		{ "just words\n", "v.conf:1: not 'key = value'" },
		{ "cards =\n", "no value" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(parse(cases[i].text) == -1);
		if (!strstr(err, cases[i].want))
			fprintf(stderr, "case %zu: got \"%s\", want \"%s\"\n", i, err, cases[i].want);
		CHECK(strstr(err, cases[i].want) != NULL);
	}
	CHECK(config_parse("cards = 1\0", 10, "v.conf", &C, err, sizeof(err)) == -1);
	CHECK(strstr(err, "NUL") != NULL);
}

static void test_random(void)
{
	static const char *const words[] = {
		"cards", "=", "3", "\n", "enable", "seed", "#", " ", "log", "stderr",
		"writeback_ms", "99999999999999999999", "/", "keep_enabled", "yes", "\t", "\r",
	};
	char text[512];
	uint64_t rng = 7;
	int i, n, ok = 0;

	for (i = 0; i < 20000; i++) {
		text[0] = '\0';
		for (n = 0; n < 30; n++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			strcat(text, words[rng % (sizeof(words) / sizeof(words[0]))]);
		}
		if (parse(text) == 0)
			ok++;
		else
			CHECK(err[0] != 0);
	}
	printf("# 20000 random files: %d accepted\n", ok);
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_every_key);
	RUN(test_policy_keys);
	RUN(test_share_keys);
	RUN(test_errors);
	RUN(test_random);
	DONE();
}
