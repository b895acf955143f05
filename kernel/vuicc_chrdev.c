// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vuiccN: the modem-side transport of a card.
 *
 * One opener at a time.  write() takes one command APDU and answers it at
 * once; read() returns the response (blocking until there is one, unless
 * O_NONBLOCK).  poll() reports EPOLLOUT when a command may be written,
 * EPOLLIN when a response waits, EPOLLPRI when card events are pending and
 * EPOLLHUP once the card is gone.  Documentation/userspace-api/vuicc.rst
 * is the reference.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "vuicc_card.h"
#include "vuicc_chrdev.h"

static int vuicc_chrdev_open(struct inode *inode, struct file *file)
{
	struct miscdevice *misc = file->private_data;
	struct vuicc_card *card = container_of(misc, struct vuicc_card, misc);

	if (test_and_set_bit(VUICC_CARD_OPEN, &card->bits))
		return -EBUSY;
	vuicc_card_get(card);
	vuicc_card_opened(card);
	file->private_data = card;
	return stream_open(inode, file);
}

static int vuicc_chrdev_release(struct inode *inode, struct file *file)
{
	struct vuicc_card *card = file->private_data;

	vuicc_card_closed(card);
	clear_bit(VUICC_CARD_OPEN, &card->bits);
	vuicc_card_put(card);
	return 0;
}

/* Commands up to this size (every short APDU: case 4 with Lc 255) come in on the stack. */
#define VUICC_CMD_SMALL		(4 + 1 + 255 + 1)

static ssize_t vuicc_chrdev_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct vuicc_card *card = file->private_data;
	u8 small[VUICC_CMD_SMALL], *capdu = small;
	int ret;

	if (count > VUICC_CAPDU_MAX)
		return -EINVAL;
	if (count <= sizeof(small)) {
		if (copy_from_user(small, ubuf, count))
			return -EFAULT;
	} else {
		capdu = vmemdup_user(ubuf, count);
		if (IS_ERR(capdu))
			return PTR_ERR(capdu);
	}
	ret = vuicc_card_transact(card, capdu, count);
	/* (a VERIFY or CHANGE PIN carries a PIN, PUK or ADM value) */
	if (capdu == small)
		memzero_explicit(small, count);
	else
		kvfree_sensitive(capdu, count);
	return ret ? ret : count;
}

/* Responses up to this size (every short APDU's) are copied out on the stack. */
#define VUICC_RSP_SMALL		(256 + 2)

/*
 * Called with card->lock held, a response ready: a copy of it in @small or
 * in an allocation, so that it reaches the user after the lock is dropped
 * (a reader whose buffer faults slowly must not hold up the card).
 */
static u8 *vuicc_chrdev_take(struct vuicc_card *card, u8 *small, size_t *len, u64 *seq)
{
	u8 *buf = small;

	if (card->rsp_len > VUICC_RSP_SMALL) {
		buf = kvmalloc(card->rsp_len, GFP_KERNEL);
		if (!buf)
			return NULL;
	}
	memcpy(buf, card->rsp, card->rsp_len);
	*len = card->rsp_len;
	*seq = card->rsp_seq;
	return buf;
}

/* A response for this reader: one is ready and no other reader is copying it. */
static bool vuicc_chrdev_readable(struct vuicc_card *card)
{
	return (READ_ONCE(card->rsp_ready) && !READ_ONCE(card->rsp_reading)) ||
	       READ_ONCE(card->dead);
}

static ssize_t vuicc_chrdev_read(struct file *file, char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct vuicc_card *card = file->private_data;
	u8 small[VUICC_RSP_SMALL], *buf = NULL;
	size_t len = 0;
	ssize_t ret;
	u64 seq = 0;

	mutex_lock(&card->lock);
	while (!vuicc_chrdev_readable(card)) {
		mutex_unlock(&card->lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(card->wait, vuicc_chrdev_readable(card)))
			return -ERESTARTSYS;
		mutex_lock(&card->lock);
	}

	if (card->dead) {
		ret = -ENODEV;
	} else if (count < card->rsp_len) {
		/* The response stays for a read with a large enough buffer. */
		ret = -EMSGSIZE;
	} else {
		buf = vuicc_chrdev_take(card, small, &len, &seq);
		ret = buf ? 0 : -ENOMEM;
		card->rsp_reading = !!buf;
	}
	mutex_unlock(&card->lock);
	if (ret)
		return ret;

	/*
	 * Outside the lock, so that a reader whose buffer faults slowly holds
	 * up nothing but other readers of this card.  The response is
	 * consumed once it reached the user (after EFAULT it stays), and only
	 * if it is still the card's (no reset came between).
	 */
	ret = copy_to_user(ubuf, buf, len) ? -EFAULT : (ssize_t)len;
	mutex_lock(&card->lock);
	card->rsp_reading = false;
	if (ret > 0 && card->rsp_ready && card->rsp_seq == seq)
		vuicc_card_rsp_clear(card);
	mutex_unlock(&card->lock);
	wake_up_interruptible(&card->wait);
	if (buf == small)
		memzero_explicit(small, len);
	else
		kvfree_sensitive(buf, len);
	return ret;
}

static __poll_t vuicc_chrdev_poll(struct file *file, poll_table *wait)
{
	struct vuicc_card *card = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &card->wait, wait);

	mutex_lock(&card->lock);
	if (card->dead) {
		mask = EPOLLHUP | EPOLLERR;
	} else {
		if (card->rsp_ready)
			mask |= EPOLLIN | EPOLLRDNORM;
		else if (card->powered)
			mask |= EPOLLOUT | EPOLLWRNORM;
		if (card->events)
			mask |= EPOLLPRI;
	}
	mutex_unlock(&card->lock);
	return mask;
}

static long vuicc_chrdev_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	struct vuicc_card *card = file->private_data;
	void __user *argp = (void __user *)arg;
	struct vuicc_status status;
	struct vuicc_reset reset;
	struct vuicc_atr atr;
	u32 events;
	int ret;

	switch (cmd) {
	case VUICC_IOC_POWER_ON:
		ret = vuicc_card_power_on(card, &atr);
		if (!ret && copy_to_user(argp, &atr, sizeof(atr)))
			ret = -EFAULT;
		return ret;
	case VUICC_IOC_POWER_OFF:
		return vuicc_card_power_off(card);
	case VUICC_IOC_RESET:
		if (copy_from_user(&reset, argp, sizeof(reset)))
			return -EFAULT;
		if (reset.reserved)
			return -EINVAL;
		ret = vuicc_card_reset(card, reset.flags, &reset.atr);
		if (!ret && copy_to_user(argp, &reset, sizeof(reset)))
			ret = -EFAULT;
		return ret;
	case VUICC_IOC_GET_STATUS:
		ret = vuicc_card_status(card, &status);
		if (!ret && copy_to_user(argp, &status, sizeof(status)))
			ret = -EFAULT;
		return ret;
	case VUICC_IOC_GET_EVENTS:
		ret = vuicc_card_take_events(card, &events);
		if (!ret && put_user(events, (u32 __user *)argp))
			ret = -EFAULT;
		return ret;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vuicc_chrdev_fops = {
	.owner = THIS_MODULE,
	.open = vuicc_chrdev_open,
	.release = vuicc_chrdev_release,
	.read = vuicc_chrdev_read,
	.write = vuicc_chrdev_write,
	.poll = vuicc_chrdev_poll,
	.unlocked_ioctl = vuicc_chrdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

int vuicc_chrdev_register(struct vuicc_card *card)
{
	card->misc.minor = MISC_DYNAMIC_MINOR;
	card->misc.name = card->name;
	card->misc.fops = &vuicc_chrdev_fops;
	card->misc.mode = 0600;
	return misc_register(&card->misc);
}

void vuicc_chrdev_unregister(struct vuicc_card *card)
{
	misc_deregister(&card->misc);
}
