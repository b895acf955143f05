// SPDX-License-Identifier: GPL-2.0
/*
 * kselftests of /dev/vuiccN, the modem-side character device: power and
 * reset ioctls, APDU framing (ISO/IEC 7816-4 §5.1), read/write/poll
 * semantics, concurrency, and module unload while the device is in use.
 *
 * Run as root in the VM harness with vuicc.ko loaded with cards=2:
 *   tools/testing/vm/run --modargs cards=2 -- build/selftests/vuicc/chardev
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/vuicc.h>

#include "kselftest_harness.h"
#include "modload.h"

#define CARD0 "/dev/vuicc0"
#define CARD1 "/dev/vuicc1"

/* INS 02 is defined by no standard: every engine answers it with a status. */
#define NOP_APDU { 0x00, 0x02, 0x00, 0x00 }

/* An address no process maps, for EFAULT checks (hidden from the compiler). */
static void *volatile bad_ptr = (void *)8;

static int open_card(const char *path, int flags)
{
	return open(path, O_RDWR | O_CLOEXEC | flags);
}

/* write() then read(); returns the response length or -errno */
static long xfer(int fd, const void *capdu, size_t len, uint8_t *rsp, size_t max)
{
	ssize_t n = write(fd, capdu, len);

	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	n = read(fd, rsp, max);
	return n < 0 ? -errno : n;
}

static int power_on(int fd, struct vuicc_atr *atr)
{
	return ioctl(fd, VUICC_IOC_POWER_ON, atr) ? -errno : 0;
}

static uint32_t status_flags(int fd)
{
	struct vuicc_status st;

	if (ioctl(fd, VUICC_IOC_GET_STATUS, &st))
		return ~0u;
	return st.flags;
}

static short poll_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

static uint8_t atr_tck_ok(const struct vuicc_atr *atr)
{
	uint8_t x = 0;
	uint32_t i;

	for (i = 1; i < atr->len; i++)
		x ^= atr->bytes[i];
	return x == 0;
}

FIXTURE(card)
{
	int fd;
};

FIXTURE_SETUP(card)
{
	self->fd = open_card(CARD0, 0);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s (is vuicc.ko loaded?)", CARD0, strerror(errno));
}

FIXTURE_TEARDOWN(card)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(card, second_open_is_busy)
{
	int fd = open_card(CARD0, 0);

	ASSERT_EQ(-1, fd);
	EXPECT_EQ(EBUSY, errno);
	fd = open_card(CARD0, O_NONBLOCK);
	ASSERT_EQ(-1, fd);
	EXPECT_EQ(EBUSY, errno);
}

TEST(open_again_after_close)
{
	int fd = open_card(CARD0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
	fd = open_card(CARD0, 0);
	ASSERT_LE(0, fd);
	close(fd);
}

TEST_F(card, power_on_returns_the_atr)
{
	struct vuicc_atr atr, again;
	struct vuicc_status st, st2;

	memset(&atr, 0xAA, sizeof(atr));
	ASSERT_EQ(0, power_on(self->fd, &atr));
	ASSERT_LE(2, atr.len);
	ASSERT_GE(VUICC_ATR_MAX, atr.len);
	EXPECT_EQ(0x3B, atr.bytes[0]);		/* TS: direct convention */
	EXPECT_TRUE(atr_tck_ok(&atr));
	EXPECT_EQ(VUICC_STATUS_POWERED, status_flags(self->fd) & VUICC_STATUS_POWERED);

	/* Powering on a powered card only reports the ATR. */
	ASSERT_EQ(0, ioctl(self->fd, VUICC_IOC_GET_STATUS, &st));
	ASSERT_EQ(0, power_on(self->fd, &again));
	EXPECT_EQ(0, memcmp(&atr, &again, sizeof(atr)));
	ASSERT_EQ(0, ioctl(self->fd, VUICC_IOC_GET_STATUS, &st2));
	EXPECT_EQ(st.resets, st2.resets);
	EXPECT_EQ(0, memcmp(&st.atr, &atr, sizeof(atr)));
}

TEST_F(card, io_needs_power)
{
	uint8_t apdu[] = NOP_APDU, rsp[16];
	struct vuicc_reset r = { .flags = VUICC_RESET_WARM };
	int fl;

	EXPECT_EQ(0, status_flags(self->fd) & VUICC_STATUS_POWERED);
	EXPECT_EQ(-1, write(self->fd, apdu, sizeof(apdu)));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, ioctl(self->fd, VUICC_IOC_RESET, &r));
	EXPECT_EQ(ENXIO, errno);
	fl = fcntl(self->fd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-1, read(self->fd, rsp, sizeof(rsp)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(card, reset_flags_and_counters)
{
	struct vuicc_status a, b;
	struct vuicc_reset r;
	static const uint32_t bad[] = { 0, VUICC_RESET_COLD | VUICC_RESET_WARM, 4, 0x80000000 };
	size_t i;

	ASSERT_EQ(0, ioctl(self->fd, VUICC_IOC_GET_STATUS, &a));
	memset(&r, 0, sizeof(r));
	r.flags = VUICC_RESET_COLD;
	ASSERT_EQ(0, ioctl(self->fd, VUICC_IOC_RESET, &r));
	EXPECT_EQ(0x3B, r.atr.bytes[0]);
	EXPECT_TRUE(atr_tck_ok(&r.atr));
	memset(&r, 0, sizeof(r));
	r.flags = VUICC_RESET_WARM;
	ASSERT_EQ(0, ioctl(self->fd, VUICC_IOC_RESET, &r));
	EXPECT_EQ(0x3B, r.atr.bytes[0]);
	ASSERT_EQ(0, ioctl(self->fd, VUICC_IOC_GET_STATUS, &b));
	EXPECT_EQ(a.resets + 2, b.resets);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.flags = bad[i];
		EXPECT_EQ(-1, ioctl(self->fd, VUICC_IOC_RESET, &r)) TH_LOG("flags %#x", bad[i]);
		EXPECT_EQ(EINVAL, errno);
	}
	memset(&r, 0, sizeof(r));
	r.flags = VUICC_RESET_COLD;
	r.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, VUICC_IOC_RESET, &r));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(card, bad_ioctls)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(VUICC_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, VUICC_IOC_GET_STATUS, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, VUICC_IOC_RESET, bad_ptr));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

/* Builds header 00 02 00 00 + body of @blen bytes with given prefix/suffix. */
static uint8_t *make_apdu(size_t blen, const uint8_t *lead, size_t nlead,
			  const uint8_t *tail, size_t ntail, size_t *len)
{
	uint8_t *b = calloc(1, 4 + blen + 1);
	size_t i;

	if (!b)
		return NULL;
	b[1] = 0x02;
	for (i = 0; i < blen; i++)
		b[4 + i] = (uint8_t)(0x5A ^ i);
	memcpy(b + 4, lead, nlead);
	if (ntail)
		memcpy(b + 4 + blen - ntail, tail, ntail);
	*len = 4 + blen;
	return b;
}

struct framing {
	const char *name;
	size_t blen;
	uint8_t lead[3], nlead;
	uint8_t tail[2], ntail;
	int ok;
};

static const struct framing framings[] = {
	{ "case 1", 0, {}, 0, {}, 0, 1 },
	{ "case 2S", 1, { 0x00 }, 1, {}, 0, 1 },
	{ "case 3S Lc=1", 2, { 0x01 }, 1, {}, 0, 1 },
	{ "case 3S Lc=255", 256, { 0xFF }, 1, {}, 0, 1 },
	{ "case 4S", 3, { 0x01 }, 1, { 0x00 }, 1, 1 },
	{ "case 2E", 3, { 0, 0, 0 }, 3, {}, 0, 1 },
	{ "case 3E Lc=256", 3 + 256, { 0, 1, 0 }, 3, {}, 0, 1 },
	{ "case 3E Lc=65535", 3 + 65535, { 0, 0xFF, 0xFF }, 3, {}, 0, 1 },
	{ "case 4E Lc=65535", 3 + 65535 + 2, { 0, 0xFF, 0xFF }, 3, { 0, 0 }, 2, 1 },
	{ "1 byte", 0, {}, 0, {}, 0, 0 },	/* (built below as 1 byte) */
	{ "short Lc 1 byte short", 3, { 0x03 }, 1, {}, 0, 0 },
	{ "short Lc 2 bytes over", 6, { 0x03 }, 1, {}, 0, 0 },
	{ "B5=00 and 1 byte more", 2, { 0, 1 }, 2, {}, 0, 0 },
	{ "extended Lc=0", 5, { 0, 0, 0 }, 3, {}, 0, 0 },
	{ "extended Lc short", 3 + 4, { 0, 0, 5 }, 3, {}, 0, 0 },
	{ "extended one-byte Le", 3 + 5 + 1, { 0, 0, 5 }, 3, {}, 0, 0 },
	{ "extended 3 bytes over", 3 + 5 + 3, { 0, 0, 5 }, 3, {}, 0, 0 },
	{ "over the maximum", VUICC_CAPDU_MAX - 4 + 1, { 0, 0xFF, 0xFF }, 3, {}, 0, 0 },
};

TEST_F(card, apdu_framing)
{
	static uint8_t rsp[VUICC_RAPDU_MAX];
	uint8_t nop[] = NOP_APDU;
	struct vuicc_atr atr;
	size_t i, len;
	uint8_t *b;
	long n;
	int fl;

	ASSERT_EQ(0, power_on(self->fd, &atr));
	fl = fcntl(self->fd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
	for (i = 0; i < sizeof(framings) / sizeof(framings[0]); i++) {
		const struct framing *f = &framings[i];

		b = make_apdu(f->blen, f->lead, f->nlead, f->tail, f->ntail, &len);
		ASSERT_TRUE(b != NULL);
		if (!strcmp(f->name, "1 byte"))
			len = 1;
		n = xfer(self->fd, b, len, rsp, sizeof(rsp));
		free(b);
		if (f->ok) {
			EXPECT_LE(2, n) TH_LOG("%s: %s", f->name, n < 0 ? strerror(-n) : "short");
		} else {
			EXPECT_EQ(-EINVAL, n) TH_LOG("%s", f->name);
			/* a rejected command leaves nothing to read */
			EXPECT_EQ(-1, read(self->fd, rsp, sizeof(rsp)));
			EXPECT_EQ(EAGAIN, errno);
		}
	}
	/* empty and oversized writes */
	EXPECT_EQ(-1, write(self->fd, rsp, 0));
	EXPECT_EQ(EINVAL, errno);
	b = calloc(1, 1 << 20);
	ASSERT_TRUE(b != NULL);
	EXPECT_EQ(-1, write(self->fd, b, 1 << 20));
	EXPECT_EQ(EINVAL, errno);
	free(b);
	/* a bad user pointer */
	EXPECT_EQ(-1, write(self->fd, bad_ptr, 5));
	EXPECT_EQ(EFAULT, errno);
	/* and the card still answers */
	n = xfer(self->fd, nop, sizeof(nop), rsp, sizeof(rsp));
	EXPECT_EQ(2, n);
	EXPECT_EQ(0x6D, rsp[0]);
	EXPECT_EQ(0x00, rsp[1]);
}

TEST_F(card, response_must_be_read_first)
{
	uint8_t apdu[] = NOP_APDU, rsp[16];
	struct vuicc_atr atr;

	ASSERT_EQ(0, power_on(self->fd, &atr));
	ASSERT_EQ(4, write(self->fd, apdu, sizeof(apdu)));
	EXPECT_EQ(VUICC_STATUS_RESPONSE, status_flags(self->fd) & VUICC_STATUS_RESPONSE);
	EXPECT_EQ(-1, write(self->fd, apdu, sizeof(apdu)));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(2, read(self->fd, rsp, sizeof(rsp)));
	EXPECT_EQ(0, status_flags(self->fd) & VUICC_STATUS_RESPONSE);
	EXPECT_EQ(4, write(self->fd, apdu, sizeof(apdu)));
	EXPECT_EQ(2, read(self->fd, rsp, sizeof(rsp)));
}

TEST_F(card, short_read_keeps_the_response)
{
	uint8_t apdu[] = NOP_APDU, rsp[16];
	struct vuicc_atr atr;

	ASSERT_EQ(0, power_on(self->fd, &atr));
	ASSERT_EQ(4, write(self->fd, apdu, sizeof(apdu)));
	EXPECT_EQ(-1, read(self->fd, rsp, 1));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, read(self->fd, rsp, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, read(self->fd, bad_ptr, 16));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(2, read(self->fd, rsp, sizeof(rsp)));
	EXPECT_EQ(0x6D, rsp[0]);
}

TEST_F(card, poll_follows_the_exchange)
{
	uint8_t apdu[] = NOP_APDU, rsp[16];
	struct vuicc_atr atr;
	short ev;

	ev = poll_now(self->fd);
	EXPECT_EQ(0, ev & (POLLIN | POLLOUT | POLLHUP | POLLERR | POLLPRI));
	ASSERT_EQ(0, power_on(self->fd, &atr));
	ev = poll_now(self->fd);
	EXPECT_EQ(POLLOUT, ev & (POLLIN | POLLOUT));
	ASSERT_EQ(4, write(self->fd, apdu, sizeof(apdu)));
	ev = poll_now(self->fd);
	EXPECT_EQ(POLLIN, ev & (POLLIN | POLLOUT));
	ASSERT_EQ(2, read(self->fd, rsp, sizeof(rsp)));
	ev = poll_now(self->fd);
	EXPECT_EQ(POLLOUT, ev & (POLLIN | POLLOUT));
}

TEST_F(card, power_off_drops_the_response)
{
	uint8_t apdu[] = NOP_APDU, rsp[16];
	struct vuicc_atr atr;
	int fl;

	ASSERT_EQ(0, power_on(self->fd, &atr));
	ASSERT_EQ(4, write(self->fd, apdu, sizeof(apdu)));
	ASSERT_EQ(0, ioctl(self->fd, VUICC_IOC_POWER_OFF));
	EXPECT_EQ(0, status_flags(self->fd) & (VUICC_STATUS_RESPONSE | VUICC_STATUS_POWERED));
	fl = fcntl(self->fd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-1, read(self->fd, rsp, sizeof(rsp)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, write(self->fd, apdu, sizeof(apdu)));
	EXPECT_EQ(ENXIO, errno);
	/* power off twice is fine */
	EXPECT_EQ(0, ioctl(self->fd, VUICC_IOC_POWER_OFF));
}

TEST_F(card, status_counts_apdus_and_events_start_empty)
{
	uint8_t apdu[] = NOP_APDU, rsp[16];
	struct vuicc_status a, b;
	struct vuicc_atr atr;
	uint32_t events = 0xffffffff;
	int i;

	ASSERT_EQ(0, power_on(self->fd, &atr));
	ASSERT_EQ(0, ioctl(self->fd, VUICC_IOC_GET_STATUS, &a));
	EXPECT_EQ(0, a.card_id);
	EXPECT_EQ(0, a.reserved);
	for (i = 0; i < 10; i++)
		ASSERT_EQ(2, xfer(self->fd, apdu, sizeof(apdu), rsp, sizeof(rsp)));
	ASSERT_EQ(0, ioctl(self->fd, VUICC_IOC_GET_STATUS, &b));
	EXPECT_EQ(a.apdus + 10, b.apdus);
	ASSERT_EQ(0, ioctl(self->fd, VUICC_IOC_GET_EVENTS, &events));
	EXPECT_EQ(0, events);
	EXPECT_EQ(0, poll_now(self->fd) & POLLPRI);
}

TEST(closing_powers_the_card_off)
{
	struct vuicc_atr atr;
	int fd = open_card(CARD0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, power_on(fd, &atr));
	close(fd);
	fd = open_card(CARD0, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, status_flags(fd) & VUICC_STATUS_POWERED);
	close(fd);
}

struct reader_arg {
	int fd;
	long n;
	uint8_t rsp[16];
};

static void *blocking_reader(void *p)
{
	struct reader_arg *a = p;
	ssize_t n = read(a->fd, a->rsp, sizeof(a->rsp));

	a->n = n < 0 ? -errno : n;
	return NULL;
}

TEST_F(card, blocking_read_waits_for_the_response)
{
	uint8_t apdu[] = NOP_APDU;
	struct reader_arg a = { .fd = self->fd, .n = -1000 };
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	struct vuicc_atr atr;
	pthread_t t;

	ASSERT_EQ(0, power_on(self->fd, &atr));
	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_reader, &a));
	nanosleep(&ts, NULL);
	EXPECT_EQ(-1000, a.n);	/* still blocked: nothing was sent */
	ASSERT_EQ(4, write(self->fd, apdu, sizeof(apdu)));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(2, a.n);
	EXPECT_EQ(0x6D, a.rsp[0]);
}

/* Two threads hammer one O_NONBLOCK fd: no response is lost or doubled. */
struct hammer {
	int fd;
	int iterations;
	atomic_long writes;
	atomic_long reads;
	atomic_long bad;
};

static void *hammer_thread(void *p)
{
	struct hammer *h = p;
	uint8_t apdu[] = NOP_APDU, rsp[16];
	ssize_t n;
	int i;

	for (i = 0; i < h->iterations; i++) {
		n = write(h->fd, apdu, sizeof(apdu));
		if (n == 4)
			atomic_fetch_add(&h->writes, 1);
		else if (errno != EBUSY)
			atomic_fetch_add(&h->bad, 1);
		n = read(h->fd, rsp, sizeof(rsp));
		if (n == 2 && rsp[0] == 0x6D && rsp[1] == 0x00)
			atomic_fetch_add(&h->reads, 1);
		else if (n >= 0 || errno != EAGAIN)
			atomic_fetch_add(&h->bad, 1);
	}
	return NULL;
}

TEST_F_TIMEOUT(card, two_threads_one_fd, 120)
{
	struct hammer h = { .fd = self->fd, .iterations = 2000 };
	struct vuicc_atr atr;
	uint8_t rsp[16];
	pthread_t t[2];
	int fl;

	ASSERT_EQ(0, power_on(self->fd, &atr));
	fl = fcntl(self->fd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
	ASSERT_EQ(0, pthread_create(&t[0], NULL, hammer_thread, &h));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, hammer_thread, &h));
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	if (read(self->fd, rsp, sizeof(rsp)) == 2)
		atomic_fetch_add(&h.reads, 1);
	EXPECT_EQ(0, atomic_load(&h.bad));
	EXPECT_LT(0, atomic_load(&h.writes));
	EXPECT_EQ(atomic_load(&h.writes), atomic_load(&h.reads));
	TH_LOG("%ld exchanges from two threads", atomic_load(&h.writes));
}

/* Tests that need more than the harness's default 30 s under emulation. */
FIXTURE(slow)
{
	int unused;
};

FIXTURE_SETUP(slow)
{
}

FIXTURE_TEARDOWN(slow)
{
}

/* One thread per card, two cards: each sees only its own exchanges. */
struct card_worker {
	const char *path;
	int n;
	int errors;
	unsigned long long apdus;
};

static void *card_worker(void *p)
{
	struct card_worker *w = p;
	uint8_t apdu[] = NOP_APDU, rsp[16];
	struct vuicc_status a, b;
	struct vuicc_atr atr;
	int fd, i;

	fd = open_card(w->path, 0);
	if (fd < 0) {
		w->errors = -1;
		return NULL;
	}
	if (power_on(fd, &atr) || ioctl(fd, VUICC_IOC_GET_STATUS, &a))
		w->errors++;
	for (i = 0; i < w->n; i++)
		if (xfer(fd, apdu, sizeof(apdu), rsp, sizeof(rsp)) != 2 || rsp[0] != 0x6D)
			w->errors++;
	if (ioctl(fd, VUICC_IOC_GET_STATUS, &b))
		w->errors++;
	w->apdus = b.apdus - a.apdus;
	close(fd);
	return NULL;
}

TEST_F_TIMEOUT(slow, one_thread_per_card, 120)
{
	struct card_worker w[2] = { { .path = CARD0, .n = 3000 }, { .path = CARD1, .n = 3000 } };
	pthread_t t[2];
	int i;

	ASSERT_EQ(0, access(CARD1, F_OK)) TH_LOG("%s missing: load vuicc.ko with cards=2", CARD1);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, card_worker, &w[i]));
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, w[i].errors) TH_LOG("%s", w[i].path);
		EXPECT_EQ((unsigned long long)w[i].n, w[i].apdus) TH_LOG("%s", w[i].path);
	}
}

/* ---- the module going away ---- */

static int module_loaded(void)
{
	return access("/sys/module/vuicc", F_OK) == 0;
}

static int load_module(void)
{
	if (module_loaded())
		return 0;
	return vuicc_insmod(getenv("VUICC_MODDIR"), "vuicc", "cards=2");
}

TEST(rmmod_is_refused_while_open)
{
	uint8_t apdu[] = NOP_APDU, rsp[16];
	struct vuicc_atr atr;
	int fd = open_card(CARD0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, power_on(fd, &atr));
	EXPECT_NE(0, vuicc_rmmod("vuicc"));
	EXPECT_TRUE(module_loaded());
	/* the opener is undisturbed */
	EXPECT_EQ(2, xfer(fd, apdu, sizeof(apdu), rsp, sizeof(rsp)));
	close(fd);
}

struct churn {
	atomic_int stop;
	atomic_long ops;
	atomic_long unexpected;
	int last_errno;
};

/* open, power, exchange, ioctl, close, over and over, as the module comes and goes */
static void *churn_thread(void *p)
{
	struct churn *c = p;
	uint8_t apdu[] = NOP_APDU, rsp[16];
	struct vuicc_status st;
	struct vuicc_atr atr;
	long n;
	int fd, e;

	while (!atomic_load(&c->stop)) {
		fd = open_card(CARD0, 0);
		if (fd < 0) {
			e = errno;
			/* the node is gone, going, or another thread holds it */
			if (e != ENOENT && e != ENODEV && e != ENXIO && e != EBUSY) {
				atomic_fetch_add(&c->unexpected, 1);
				c->last_errno = e;
			}
			sched_yield();
			continue;
		}
		if (power_on(fd, &atr) == 0) {
			n = xfer(fd, apdu, sizeof(apdu), rsp, sizeof(rsp));
			if (n != 2) {
				atomic_fetch_add(&c->unexpected, 1);
				c->last_errno = n < 0 ? (int)-n : 0;
			}
		}
		if (ioctl(fd, VUICC_IOC_GET_STATUS, &st)) {
			atomic_fetch_add(&c->unexpected, 1);
			c->last_errno = errno;
		}
		close(fd);
		atomic_fetch_add(&c->ops, 1);
	}
	return NULL;
}

TEST_F_TIMEOUT(slow, open_close_ioctl_while_rmmod, 300)
{
	uint8_t apdu[] = NOP_APDU, rsp[16];
	struct churn c = { 0 };
	int i, fd, unloaded = 0, refused = 0;
	struct vuicc_atr atr;
	pthread_t t[2];

	ASSERT_TRUE(getenv("VUICC_MODDIR") != NULL) TH_LOG("VUICC_MODDIR unset: run in the VM harness");
	ASSERT_EQ(0, load_module());
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, churn_thread, &c));
	for (i = 0; i < 40; i++) {
		if (vuicc_rmmod("vuicc") == 0) {
			unloaded++;
			usleep(20000);
			ASSERT_EQ(0, load_module());
		} else {
			refused++;
		}
		usleep(10000);
	}
	atomic_store(&c.stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ASSERT_EQ(0, load_module());
	EXPECT_EQ(0, atomic_load(&c.unexpected)) TH_LOG("last errno %d", c.last_errno);
	EXPECT_LT(0, atomic_load(&c.ops));
	TH_LOG("%d unloads, %d refused, %ld open/use/close cycles",
	       unloaded, refused, atomic_load(&c.ops));
	/* the reloaded module serves the card */
	fd = open_card(CARD0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, power_on(fd, &atr));
	EXPECT_EQ(2, xfer(fd, apdu, sizeof(apdu), rsp, sizeof(rsp)));
	close(fd);
}

TEST_HARNESS_MAIN
