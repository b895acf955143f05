// SPDX-License-Identifier: GPL-2.0
/*
 * /init of a guest with no shell: the 32-bit big-endian PowerPC VM
 * (tools/testing/vm/run-ppc32), for which Debian 12 has no userspace.
 * One static program that does what tools/testing/selftests/vuicc/
 * arch_suite.sh does elsewhere: mounts what the tests need, loads vuicc.ko
 * with two cards, loads vuicc_kunit.ko and reads each vuicc KUnit suite's
 * KTAP from debugfs, runs every program in /bin (the char-device
 * and netlink kselftests) with VUICC_MODDIR set, unloads the module and asks
 * kmemleak.  It prints an "ok - " or "not ok - " line per part with its
 * time, then "vuicc-vm: exit N" (N parts failed), and powers off.  The host
 * side reads the console; its gate catches any sanitizer report.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../selftests/vuicc/modload.h"

#define MODDIR "/lib/vuicc"
#define KUNIT_DIR "/sys/kernel/debug/kunit"

static int failed;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failed++;
}

static void note(const char *what, double t0)
{
	printf("# %s: %.1f s\n", what, now() - t0);
	fflush(stdout);
}

/* a whole small file into buf (NUL-terminated); its length or -1 */
static long slurp(const char *path, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (n + 1 < size && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	return (long)n;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = write(fd, s, strlen(s));
	close(fd);
	return r == (ssize_t)strlen(s) ? 0 : -1;
}

/* "ok 1 NAME" at the top level and no "not ok" anywhere: the suite passed */
static void kunit_suite(const char *name)
{
	static char buf[1 << 16];
	char path[256], want[128];
	int cases = 0, bad = 0, top_ok = 0;
	char *line, *save;

	snprintf(path, sizeof(path), KUNIT_DIR "/%s/results", name);
	if (slurp(path, buf, sizeof(buf)) < 0) {
		result(0, "kunit %s: %s unreadable", name, path);
		return;
	}
	snprintf(want, sizeof(want), "ok 1 %s", name);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *p = line;

		if (!strcmp(line, want))
			top_ok = 1;
		while (*p == ' ')
			p++;
		if (!strncmp(p, "not ok ", 7))
			bad++;
		if (!strncmp(line, "    ok ", 7) || !strncmp(line, "    not ok ", 11))
			cases++;
	}
	if (top_ok && !bad)
		result(1, "kunit %s (%d cases)", name, cases);
	else
		result(0, "kunit %s (%d not ok of %d)", name, bad, cases);
}

static void kunit(void)
{
	double t0 = now();
	struct dirent *e;
	int n = 0;
	DIR *d;

	if (vuicc_insmod(MODDIR, "vuicc_kunit", "")) {
		result(0, "kunit: insmod vuicc_kunit.ko: %s", strerror(errno));
		return;
	}
	d = opendir(KUNIT_DIR);
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "vuicc", 5))
			continue;
		kunit_suite(e->d_name);
		n++;
	}
	if (d)
		closedir(d);
	if (!n)
		result(0, "kunit: no vuicc suite in " KUNIT_DIR);
	if (vuicc_rmmod("vuicc_kunit"))
		result(0, "kunit: rmmod vuicc_kunit: %s", strerror(errno));
	note("kunit", t0);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* every program in /bin, in name order, as a kselftest */
static void kselftests(void)
{
	char *names[32], path[256];
	struct dirent *e;
	int i, n = 0;
	DIR *d = opendir("/bin");

	while (d && n < 32 && (e = readdir(d)))
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	if (d)
		closedir(d);
	if (!n)
		result(0, "kselftests: no program in /bin");
	qsort(names, (size_t)n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		double t0 = now();
		int status = 0;
		pid_t pid;

		snprintf(path, sizeof(path), "/bin/%s", names[i]);
		pid = fork();
		if (pid == 0) {
			execl(path, names[i], (char *)NULL);
			fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0)
			result(0, "kselftest %s: %s", names[i], strerror(errno));
		else if (WIFEXITED(status) && !WEXITSTATUS(status))
			result(1, "kselftest %s", names[i]);
		else
			result(0, "kselftest %s (status 0x%x)", names[i], (unsigned int)status);
		note(names[i], t0);
		free(names[i]);
	}
}

static void kmemleak(void)
{
	static char buf[1 << 14];

	if (access("/sys/kernel/debug/kmemleak", W_OK))
		return;
	/*
	 * kmemleak reports only objects older than 5 s and advises a second
	 * scan against transient false positives (as tools/testing/vm/guest)
	 */
	write_str("/sys/kernel/debug/kmemleak", "scan");
	sleep(2);
	write_str("/sys/kernel/debug/kmemleak", "scan");
	if (slurp("/sys/kernel/debug/kmemleak", buf, sizeof(buf)) > 0) {
		fputs(buf, stdout);
		result(0, "kmemleak: objects left");
	} else {
		result(1, "kmemleak: nothing left");
	}
}

int main(void)
{
	double t0 = now();

	setvbuf(stdout, NULL, _IOLBF, 0);
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777");
	if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL))
		result(0, "mount debugfs: %s", strerror(errno));
	/* leaks from before the run (boot) are not ours to report */
	write_str("/sys/kernel/debug/kmemleak", "clear");
	setenv("VUICC_MODDIR", MODDIR, 1);
	setenv("PATH", "/bin", 1);

	printf("# static suite on a %u-bit %s-endian kernel\n",
	       (unsigned int)(sizeof(long) * 8),
	       *(const unsigned char *)&(const unsigned int){ 1 } ? "little" : "big");
	/* (vuicc_kunit.ko links against vuicc.ko) */
	if (vuicc_insmod(MODDIR, "vuicc", "cards=2")) {
		result(0, "insmod vuicc.ko cards=2: %s", strerror(errno));
	} else {
		kunit();
		kselftests();
	}
	if (vuicc_rmmod("vuicc") && errno != ENOENT)
		result(0, "rmmod vuicc: %s", strerror(errno));
	kmemleak();
	note("suite", t0);
	printf("vuicc-vm: exit %d\n", failed);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
