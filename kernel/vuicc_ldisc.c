// SPDX-License-Identifier: GPL-2.0
/*
 * The T=0 line discipline: a card on a UART wired to a modem's SIM
 * contacts (I/O on TX and RX, RST on DCD or watched by user space, CLK
 * setting the bit rate).  It drives the I/O-free machine of vuicc_t0.c:
 * bytes from the tty, DCD edges, ioctls and an hrtimer go in; bytes go out
 * through the tty driver, commands to the card engine through
 * vuicc_card_exchange(), exactly as /dev/vuiccN's writes do.
 *
 * Contexts: receive_buf2() runs in the tty's flip-buffer work, dcd_change()
 * and write_wakeup() in the driver's interrupt path (they only record and
 * schedule), everything else in two work items: @work for timers, wake-ups
 * and news, @exec for the engine, so that NULL bytes can leave while a
 * command runs.  @lock orders all of it; the card's lock nests inside.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/tty_ldisc.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "vuicc_card.h"
#include "vuicc_engine.h"
#include "vuicc_ldisc.h"
#include "vuicc_t0.h"
#include "vuicc_trace.h"

enum vuicc_ldisc_news {
	VUICC_LDISC_TIMER,	/* the hrtimer fired */
	VUICC_LDISC_WAKEUP,	/* the driver has room for more bytes */
	VUICC_LDISC_CARD,	/* the card was switched off or removed */
	VUICC_LDISC_DCD,	/* RST (DCD) changed */
};

/*
 * High priority: the ATR is due 400 clock cycles after RST and a NULL byte
 * before WWT runs out, whatever else the board is doing.
 */
static struct workqueue_struct *vuicc_ldisc_wq;

#define VUICC_LDISC_FLAGS	(VUICC_T0_RESET_DCD | VUICC_T0_ECHO | VUICC_T0_BYTEWISE)

/**
 * struct vuicc_ldisc - one tty carrying the card side of T=0
 * @tty: the tty
 * @lock: guards the machine, @card and @rate_pending
 * @t0: the T=0 machine
 * @card: the card on the line; NULL once detached
 * @line: what the card knows of the line
 * @baud_base: the UART's base rate (0: any rate)
 * @rate_pending: apply the machine's F and D once its bytes have left
 * @closing: the discipline is going away: nothing may be scheduled
 * @news: &enum vuicc_ldisc_news bits, atomic
 * @dcd_lock: guards the three fields below, written in interrupt context
 * @dcd_high: the level of DCD (RST) at the last edge
 * @dcd_at: the time of the last edge, ns
 * @dcd_edges: edges since the work last looked
 * @timer: fires at the machine's next deadline
 * @work: timers, wake-ups, DCD and card news
 * @exec: runs the machine's command on the card
 * @wait: poll() waits here for the detachment
 * @cmd: the command @exec runs
 * @rsp: its answer
 * @txbuf: bytes on their way to the driver
 */
struct vuicc_ldisc {
	struct tty_struct *tty;
	struct mutex lock;	/* see the kernel-doc above */
	struct vuicc_t0 t0;
	struct vuicc_card *card;
	struct vuicc_card_line line;
	u32 baud_base;
	bool rate_pending;
	bool closing;
	unsigned long news;

	spinlock_t dcd_lock;	/* see the kernel-doc above */
	bool dcd_high;
	u64 dcd_at;
	unsigned int dcd_edges;

	struct hrtimer timer;
	struct work_struct work;
	struct work_struct exec;
	wait_queue_head_t wait;
	u8 cmd[VUICC_T0_CMD_MAX];
	u8 rsp[VUICC_T0_TX_MAX];
	u8 txbuf[VUICC_T0_TX_MAX + VUICC_T0_PPS_MAX];
};

static u64 vuicc_ldisc_now(void)
{
	return ktime_get_ns();
}

static u32 vuicc_ldisc_bit_rate(u32 clock, u32 f, u32 d)
{
	return DIV_ROUND_CLOSEST_ULL((u64)clock * d, f);
}

static bool vuicc_ldisc_rate_ok(struct vuicc_t0 *t0, u32 f, u32 d)
{
	struct vuicc_ldisc *l = container_of(t0, struct vuicc_ldisc, t0);
	u32 want = vuicc_ldisc_bit_rate(t0->clock_hz, f, d);

	return vuicc_t0_rate_within(want, vuicc_t0_uart_rate(want, l->baud_base));
}

static const struct vuicc_t0_ops vuicc_ldisc_t0_ops = {
	.dir = vuicc_engine_t0_dir,
	.rate_ok = vuicc_ldisc_rate_ok,
};

/* Called with @l->lock held: the counters, for netlink. */
static void vuicc_ldisc_publish(struct vuicc_ldisc *l)
{
	struct vuicc_t0_stats st = l->t0.stats;

	st.card_id = l->card ? l->card->id : st.card_id;
	if (!l->card)
		st.state = VUICC_T0_LINE_DETACHED;
	else if (l->t0.state <= VUICC_T0_S_ATR)
		st.state = VUICC_T0_LINE_OFF;
	else
		st.state = VUICC_T0_LINE_ACTIVE;
	st.bit_rate = vuicc_ldisc_bit_rate(st.clock_hz, st.f, st.d);
	st.uart_rate = vuicc_t0_uart_rate(st.bit_rate, l->baud_base);
	spin_lock(&l->line.lock);
	l->line.stats = st;
	spin_unlock(&l->line.lock);
}

/* Called with @l->lock held: the tty at the T=0 frame and @rate. */
static void vuicc_ldisc_set_termios(struct vuicc_ldisc *l, u32 rate, bool frame)
{
	struct tty_struct *tty = l->tty;
	struct ktermios tio;

	down_read(&tty->termios_rwsem);
	tio = tty->termios;
	up_read(&tty->termios_rwsem);
	if (frame) {
		/* ISO/IEC 7816-3 §7.1: 8 data bits, even parity; the guard time as a stop bit */
		tio.c_iflag = INPCK;
		tio.c_oflag = 0;
		tio.c_lflag = 0;
		tio.c_cflag = CS8 | PARENB | CSTOPB | CREAD | CLOCAL;
	}
	tty_termios_encode_baud_rate(&tio, rate, rate);
	tty_set_termios(tty, &tio);
}

/* Called with @l->lock held: the queued bytes have left; the new rate applies. */
static void vuicc_ldisc_apply_rate(struct vuicc_ldisc *l)
{
	struct vuicc_t0 *t0 = &l->t0;

	if (!l->rate_pending || t0->tx_len)
		return;
	l->rate_pending = false;
	/* §9.3: only once the PPS response has left the UART */
	tty_wait_until_sent(l->tty, HZ / 10);
	vuicc_ldisc_set_termios(l, vuicc_ldisc_bit_rate(t0->clock_hz, t0->f, t0->d), false);
	vuicc_t0_rate_set(t0, t0->f, t0->d);
}

/* Called with @l->lock held: send what may leave now. */
static void vuicc_ldisc_push(struct vuicc_ldisc *l, u64 now)
{
	struct tty_struct *tty = l->tty;
	size_t n;
	int w;

	n = vuicc_t0_tx(&l->t0, l->txbuf, sizeof(l->txbuf), now);
	if (!n)
		return;
	set_bit(TTY_DO_WRITE_WAKEUP, &tty->flags);
	w = tty->ops->write(tty, l->txbuf, n);
	if (w > 0)
		vuicc_t0_sent(&l->t0, l->txbuf, w, now);
	if (!l->t0.tx_len)
		clear_bit(TTY_DO_WRITE_WAKEUP, &tty->flags);
}

/* Called with @l->lock held: the timer at the machine's next moment. */
static void vuicc_ldisc_arm(struct vuicc_ldisc *l)
{
	struct vuicc_t0 *t0 = &l->t0;
	u64 next = t0->deadline;

	if (t0->tx_len && (!next || t0->tx_not_before < next))
		next = t0->tx_not_before;
	if (l->rate_pending && !t0->tx_len) {
		queue_work(vuicc_ldisc_wq, &l->work);
		return;
	}
	if (next)
		hrtimer_start(&l->timer, ns_to_ktime(next), HRTIMER_MODE_ABS);
}

/* Called with @l->lock held and a card: carry out what the machine asked. */
static void vuicc_ldisc_act(struct vuicc_ldisc *l, u32 act, u64 now)
{
	struct vuicc_t0 *t0 = &l->t0;
	struct vuicc_atr atr;
	u32 flags;
	int ret;

	if (act & VUICC_T0_ACT_POWER_OFF)
		vuicc_card_power_off(l->card);
	if (act & VUICC_T0_ACT_PPS)
		vuicc_trace_pps(l->card, t0->pps, t0->pps_len, t0->pps_rsp,
				t0->pps_rsp_len);
	if (act & VUICC_T0_ACT_RATE)
		l->rate_pending = true;
	if (act & VUICC_T0_ACT_ATR) {
		flags = t0->rst_kind == VUICC_T0_RESET_WARM ?
			VUICC_RESET_WARM : VUICC_RESET_COLD;
		ret = vuicc_card_reset(l->card, flags, &atr);
		if (ret == -ENXIO)
			ret = vuicc_card_reset(l->card, VUICC_RESET_COLD, &atr);
		act |= vuicc_t0_atr(t0, ret ? NULL : atr.bytes, atr.len, now);
	}
	if (act & VUICC_T0_ACT_EXEC)
		queue_work(vuicc_ldisc_wq, &l->exec);
	vuicc_ldisc_push(l, now);
	vuicc_ldisc_arm(l);
}

/* Called with @l->lock held: let go of the card; poll() reports EPOLLHUP. */
static void vuicc_ldisc_detach_locked(struct vuicc_ldisc *l)
{
	struct vuicc_card *card = l->card;

	if (!card)
		return;
	vuicc_t0_card_gone(&l->t0);
	l->rate_pending = false;
	vuicc_card_line_detach(card, &l->line);
	l->card = NULL;
	vuicc_card_put(card);
	vuicc_ldisc_publish(l);
	wake_up_interruptible_all(&l->wait);
}

/* Called with @l->lock held: carry out a reset's actions. */
static void vuicc_ldisc_reset_act(struct vuicc_ldisc *l, u32 act)
{
	/* back to the default rate before the ATR, which comes at once */
	if (act & VUICC_T0_ACT_RATE) {
		l->rate_pending = true;
		vuicc_ldisc_apply_rate(l);
	}
	vuicc_ldisc_act(l, act & ~VUICC_T0_ACT_RATE, vuicc_ldisc_now());
}

static void vuicc_ldisc_work(struct work_struct *work)
{
	struct vuicc_ldisc *l = container_of(work, struct vuicc_ldisc, work);
	struct vuicc_t0 *t0 = &l->t0;
	unsigned int edges;
	u32 act = 0;
	bool high;
	u64 now, at;

	mutex_lock(&l->lock);
	if (l->closing || !l->card)
		goto out;
	if (test_and_clear_bit(VUICC_LDISC_CARD, &l->news)) {
		if (READ_ONCE(l->card->dead)) {
			vuicc_ldisc_detach_locked(l);
			goto out;
		}
		act |= vuicc_t0_card_gone(t0);
	}
	if (test_and_clear_bit(VUICC_LDISC_DCD, &l->news)) {
		spin_lock_irq(&l->dcd_lock);
		high = l->dcd_high;
		at = l->dcd_at;
		edges = l->dcd_edges;
		l->dcd_edges = 0;
		spin_unlock_irq(&l->dcd_lock);
		vuicc_ldisc_reset_act(l, vuicc_t0_rst(t0, high, edges, at));
	}
	clear_bit(VUICC_LDISC_TIMER, &l->news);
	clear_bit(VUICC_LDISC_WAKEUP, &l->news);
	if (act & VUICC_T0_ACT_RATE)
		l->rate_pending = true;
	vuicc_ldisc_apply_rate(l);
	now = vuicc_ldisc_now();
	act |= vuicc_t0_timer(t0, now);
	vuicc_ldisc_act(l, act & ~VUICC_T0_ACT_RATE, now);
	vuicc_ldisc_apply_rate(l);
	vuicc_ldisc_publish(l);
out:
	mutex_unlock(&l->lock);
}

static void vuicc_ldisc_exec(struct work_struct *work)
{
	struct vuicc_ldisc *l = container_of(work, struct vuicc_ldisc, exec);
	struct vuicc_card *card;
	size_t len, n = 0;
	u32 seq, act;
	int ret;

	mutex_lock(&l->lock);
	card = l->card;
	if (l->closing || !card || l->t0.state != VUICC_T0_S_BUSY) {
		mutex_unlock(&l->lock);
		return;
	}
	seq = l->t0.exec_seq;
	len = l->t0.cmd_len;
	memcpy(l->cmd, l->t0.cmd, len);
	vuicc_card_get(card);
	mutex_unlock(&l->lock);

	/* the engine runs without @lock: NULL bytes may leave meanwhile */
	ret = vuicc_card_exchange(card, l->cmd, len, l->rsp, sizeof(l->rsp), &n);

	mutex_lock(&l->lock);
	if (l->card == card && !l->closing) {
		act = vuicc_t0_done(&l->t0, seq, ret ? NULL : l->rsp, n,
				    vuicc_ldisc_now());
		vuicc_ldisc_act(l, act, vuicc_ldisc_now());
		vuicc_ldisc_publish(l);
	}
	mutex_unlock(&l->lock);
	/* PIN values and RES or keys */
	memzero_explicit(l->cmd, sizeof(l->cmd));
	memzero_explicit(l->rsp, sizeof(l->rsp));
	vuicc_card_put(card);
}

static enum hrtimer_restart vuicc_ldisc_timer(struct hrtimer *timer)
{
	struct vuicc_ldisc *l = container_of(timer, struct vuicc_ldisc, timer);

	set_bit(VUICC_LDISC_TIMER, &l->news);
	queue_work(vuicc_ldisc_wq, &l->work);
	return HRTIMER_NORESTART;
}

static void vuicc_ldisc_changed(struct vuicc_card_line *line)
{
	struct vuicc_ldisc *l = container_of(line, struct vuicc_ldisc, line);

	set_bit(VUICC_LDISC_CARD, &l->news);
	queue_work(vuicc_ldisc_wq, &l->work);
}

static const struct vuicc_card_line_ops vuicc_ldisc_line_ops = {
	.changed = vuicc_ldisc_changed,
};

static int vuicc_ldisc_open(struct tty_struct *tty)
{
	struct vuicc_ldisc *l;

	if (!tty->ops->write)
		return -EOPNOTSUPP;
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	l->tty = tty;
	mutex_init(&l->lock);
	spin_lock_init(&l->dcd_lock);
	spin_lock_init(&l->line.lock);
	l->line.ops = &vuicc_ldisc_line_ops;
	strscpy(l->line.tty_name, tty_name(tty), sizeof(l->line.tty_name));
	hrtimer_init(&l->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	l->timer.function = vuicc_ldisc_timer;
	INIT_WORK(&l->work, vuicc_ldisc_work);
	INIT_WORK(&l->exec, vuicc_ldisc_exec);
	init_waitqueue_head(&l->wait);
	vuicc_t0_init(&l->t0, &vuicc_ldisc_t0_ops, VUICC_T0_CLOCK_DEFAULT, 0);
	tty->disc_data = l;
	tty->receive_room = 65536;
	return 0;
}

static void vuicc_ldisc_close(struct tty_struct *tty)
{
	struct vuicc_ldisc *l = tty->disc_data;

	mutex_lock(&l->lock);
	l->closing = true;
	vuicc_ldisc_detach_locked(l);
	mutex_unlock(&l->lock);
	/* with @closing set, nothing arms the timer or queues work again */
	hrtimer_cancel(&l->timer);
	cancel_work_sync(&l->exec);
	cancel_work_sync(&l->work);
	hrtimer_cancel(&l->timer);
	tty->disc_data = NULL;
	mutex_destroy(&l->lock);
	kfree_sensitive(l);
}

static void vuicc_ldisc_hangup(struct tty_struct *tty)
{
	struct vuicc_ldisc *l = tty->disc_data;

	mutex_lock(&l->lock);
	vuicc_ldisc_detach_locked(l);
	mutex_unlock(&l->lock);
}

static void vuicc_ldisc_rx(struct tty_struct *tty, const u8 *cp, const u8 *fp,
			   size_t count)
{
	struct vuicc_ldisc *l = tty->disc_data;
	u64 now = vuicc_ldisc_now();
	u32 act;

	mutex_lock(&l->lock);
	if (l->card && !l->closing) {
		act = vuicc_t0_rx(&l->t0, cp, fp, count, now);
		vuicc_ldisc_act(l, act, now);
		vuicc_ldisc_publish(l);
	}
	mutex_unlock(&l->lock);
	/*
	 * Everything is taken at once; a pty's other end may wait for room
	 * and learns of it only from an unthrottle (as ppp_async does).
	 */
	tty_unthrottle(tty);
}

#ifdef VUICC_LDISC_RECEIVE_SIZE_T
static size_t vuicc_ldisc_receive_buf2(struct tty_struct *tty, const u8 *cp,
				       const u8 *fp, size_t count)
{
	vuicc_ldisc_rx(tty, cp, fp, count);
	return count;
}
#else
static int vuicc_ldisc_receive_buf2(struct tty_struct *tty, const unsigned char *cp,
				    const char *fp, int count)
{
	vuicc_ldisc_rx(tty, cp, (const u8 *)fp, count);
	return count;
}
#endif

static void vuicc_ldisc_write_wakeup(struct tty_struct *tty)
{
	struct vuicc_ldisc *l = tty->disc_data;

	clear_bit(TTY_DO_WRITE_WAKEUP, &tty->flags);
	set_bit(VUICC_LDISC_WAKEUP, &l->news);
	queue_work(vuicc_ldisc_wq, &l->work);
}

static void vuicc_ldisc_dcd_change(struct tty_struct *tty, bool active)
{
	struct vuicc_ldisc *l = tty->disc_data;
	unsigned long irqflags;

	if (!(READ_ONCE(l->t0.flags) & VUICC_T0_RESET_DCD))
		return;
	spin_lock_irqsave(&l->dcd_lock, irqflags);
	l->dcd_high = active;
	l->dcd_at = vuicc_ldisc_now();
	l->dcd_edges++;
	spin_unlock_irqrestore(&l->dcd_lock, irqflags);
	set_bit(VUICC_LDISC_DCD, &l->news);
	queue_work(vuicc_ldisc_wq, &l->work);
}

static int vuicc_ldisc_attach(struct vuicc_ldisc *l, void __user *argp)
{
	struct vuicc_t0_attach a;
	struct vuicc_card *card;
	u32 clock, rate;
	int ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (memchr_inv(a.reserved, 0, sizeof(a.reserved)) ||
	    (a.flags & ~VUICC_LDISC_FLAGS))
		return -EINVAL;
	clock = a.clock_hz ?: VUICC_T0_CLOCK_DEFAULT;
	if (clock < VUICC_T0_CLOCK_MIN || clock > VUICC_T0_CLOCK_MAX)
		return -EINVAL;
	rate = vuicc_ldisc_bit_rate(clock, VUICC_T0_FD, VUICC_T0_DD);
	if (!vuicc_t0_rate_within(rate, vuicc_t0_uart_rate(rate, a.baud_base)))
		return -ERANGE;

	mutex_lock(&l->lock);
	if (l->card) {
		ret = -EBUSY;
		goto out;
	}
	card = vuicc_card_lookup(a.card_id);
	if (!card) {
		ret = -ENOENT;
		goto out;
	}
	ret = vuicc_card_line_attach(card, &l->line);
	if (ret) {
		vuicc_card_put(card);
		goto out;
	}
	vuicc_t0_init(&l->t0, &vuicc_ldisc_t0_ops, clock, a.flags);
	l->t0.stats.card_id = a.card_id;
	l->baud_base = a.baud_base;
	l->rate_pending = false;
	l->news = 0;
	l->card = card;
	vuicc_ldisc_set_termios(l, rate, true);
	vuicc_ldisc_publish(l);
	pr_debug("%s: card %u attached at %u Hz\n", l->line.tty_name, a.card_id, clock);
out:
	mutex_unlock(&l->lock);
	return ret;
}

static int vuicc_ldisc_ioctl(struct tty_struct *tty, unsigned int cmd,
			     unsigned long arg)
{
	struct vuicc_ldisc *l = tty->disc_data;
	void __user *argp = (void __user *)arg;
	struct vuicc_t0_stats st;
	u32 kind;
	int ret = 0;

	switch (cmd) {
	case VUICC_T0_IOC_ATTACH:
		if (!capable(CAP_NET_ADMIN))
			return -EPERM;
		return vuicc_ldisc_attach(l, argp);
	case VUICC_T0_IOC_DETACH:
		if (!capable(CAP_NET_ADMIN))
			return -EPERM;
		mutex_lock(&l->lock);
		if (l->card)
			vuicc_ldisc_detach_locked(l);
		else
			ret = -ENXIO;
		mutex_unlock(&l->lock);
		return ret;
	case VUICC_T0_IOC_RESET:
		if (!capable(CAP_NET_ADMIN))
			return -EPERM;
		if (get_user(kind, (u32 __user *)argp))
			return -EFAULT;
		if (kind < VUICC_T0_RESET_COLD || kind > VUICC_T0_RESET_OFF)
			return -EINVAL;
		mutex_lock(&l->lock);
		if (l->card) {
			vuicc_ldisc_reset_act(l, vuicc_t0_reset(&l->t0, kind, vuicc_ldisc_now()));
			vuicc_ldisc_publish(l);
		} else {
			ret = -ENXIO;
		}
		mutex_unlock(&l->lock);
		return ret;
	case VUICC_T0_IOC_GET_STATS:
		mutex_lock(&l->lock);
		vuicc_ldisc_publish(l);
		spin_lock(&l->line.lock);
		st = l->line.stats;
		spin_unlock(&l->line.lock);
		mutex_unlock(&l->lock);
		return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
	default:
		/* termios and flushing, as every discipline does */
		return n_tty_ioctl_helper(tty, cmd, arg);
	}
}

static __poll_t vuicc_ldisc_poll(struct tty_struct *tty, struct file *file,
				 poll_table *wait)
{
	struct vuicc_ldisc *l = tty->disc_data;

	poll_wait(file, &l->wait, wait);
	return READ_ONCE(l->card) ? 0 : EPOLLHUP;
}

static struct tty_ldisc_ops vuicc_ldisc_ops = {
	.owner = THIS_MODULE,
	.num = VUICC_T0_LDISC,
	.name = "vuicc_t0",
	.open = vuicc_ldisc_open,
	.close = vuicc_ldisc_close,
	.hangup = vuicc_ldisc_hangup,
	.ioctl = vuicc_ldisc_ioctl,
	.poll = vuicc_ldisc_poll,
	.receive_buf2 = vuicc_ldisc_receive_buf2,
	.write_wakeup = vuicc_ldisc_write_wakeup,
	.dcd_change = vuicc_ldisc_dcd_change,
};

int vuicc_ldisc_init(void)
{
	int ret;

	vuicc_ldisc_wq = alloc_workqueue("vuicc_t0", WQ_HIGHPRI, 0);
	if (!vuicc_ldisc_wq)
		return -ENOMEM;
	ret = tty_register_ldisc(&vuicc_ldisc_ops);
	if (ret)
		destroy_workqueue(vuicc_ldisc_wq);
	return ret;
}

void vuicc_ldisc_exit(void)
{
	tty_unregister_ldisc(&vuicc_ldisc_ops);
	destroy_workqueue(vuicc_ldisc_wq);
}
