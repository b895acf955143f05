/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vuicc: virtual UICC (SIM card) devices, user-space ABI.
 *
 * The modem-side transport is a character device per card, /dev/vuiccN, in
 * the style of /dev/tpm0: power and reset by ioctl, one command APDU per
 * write(), its response APDU by read(), poll() for readiness and for card
 * events.  Documentation/userspace-api/vuicc.rst describes the semantics.
 *
 * The control plane is the Generic Netlink family "vuicc", described by
 * Documentation/netlink/specs/vuicc.yaml (reference: Documentation/netlink/
 * vuicc.rst); its constants and enums are in linux/vuicc_netlink.h.
 */
#ifndef _UAPI_LINUX_VUICC_H
#define _UAPI_LINUX_VUICC_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* The Generic Netlink family, generated from its YNL spec */
#include <linux/vuicc_netlink.h>

/**
 * define VUICC_ATR_MAX - longest answer-to-reset in bytes
 *
 * ISO/IEC 7816-3 §8.2.1: TS followed by at most 32 characters.
 */
#define VUICC_ATR_MAX		33

/**
 * define VUICC_CAPDU_MAX - longest command APDU a write() may carry
 *
 * ISO/IEC 7816-4 §5.1, case 4 extended: header (4), Lc (3), 65535 data
 * bytes, Le (2).
 */
#define VUICC_CAPDU_MAX		(4 + 3 + 65535 + 2)

/**
 * define VUICC_RAPDU_MAX - longest response APDU a read() may return
 *
 * ISO/IEC 7816-4 §5.1: at most 65536 data bytes and the status word.
 */
#define VUICC_RAPDU_MAX		(65536 + 2)

/**
 * define VUICC_CARDS_MAX - most cards the module serves at once
 */
#define VUICC_CARDS_MAX		64

/**
 * struct vuicc_atr - an answer-to-reset
 * @len: number of valid bytes in @bytes, 2 to %VUICC_ATR_MAX
 * @bytes: the ATR, starting with TS
 * @reserved: zero
 */
struct vuicc_atr {
	__u32 len;
	__u8 bytes[VUICC_ATR_MAX];
	__u8 reserved[3];
};

/**
 * enum vuicc_reset_flags - kind of reset for %VUICC_IOC_RESET
 * @VUICC_RESET_COLD: deactivate and activate the card (ISO/IEC 7816-3
 *	§6.2.2); powers the card on if it was off
 * @VUICC_RESET_WARM: reset a powered card without removing power
 *	(ISO/IEC 7816-3 §6.2.3); fails with ENXIO when the card is off
 *
 * Exactly one of the two must be given.
 */
enum vuicc_reset_flags {
	VUICC_RESET_COLD = 1 << 0,
	VUICC_RESET_WARM = 1 << 1,
};

/**
 * struct vuicc_reset - argument of %VUICC_IOC_RESET
 * @flags: one of &enum vuicc_reset_flags
 * @reserved: zero
 * @atr: filled with the ATR the card answered
 */
struct vuicc_reset {
	__u32 flags;
	__u32 reserved;
	struct vuicc_atr atr;
};

/**
 * enum vuicc_status_flags - card state reported by %VUICC_IOC_GET_STATUS
 * @VUICC_STATUS_POWERED: the card is activated; APDUs may be exchanged
 * @VUICC_STATUS_RESPONSE: a response APDU waits to be read
 * @VUICC_STATUS_PROFILE: a profile is enabled (otherwise the card answers
 *	its ATR but selects no application)
 */
enum vuicc_status_flags {
	VUICC_STATUS_POWERED = 1 << 0,
	VUICC_STATUS_RESPONSE = 1 << 1,
	VUICC_STATUS_PROFILE = 1 << 2,
};

/**
 * enum vuicc_event - card events, reported by poll() as EPOLLPRI and
 *	collected with %VUICC_IOC_GET_EVENTS
 * @VUICC_EVENT_REMOVED: the card was removed (its profile disabled or
 *	switched); the card is powered off
 * @VUICC_EVENT_INSERTED: a card was inserted (a profile enabled); power it
 *	on to use it
 *
 * A profile switch raises both: the modem sees a removal and a new card.
 */
enum vuicc_event {
	VUICC_EVENT_REMOVED = 1 << 0,
	VUICC_EVENT_INSERTED = 1 << 1,
};

/**
 * struct vuicc_status - argument of %VUICC_IOC_GET_STATUS
 * @card_id: the card's number (N of /dev/vuiccN)
 * @flags: &enum vuicc_status_flags
 * @events: pending &enum vuicc_event bits (left pending)
 * @reserved: zero
 * @apdus: command APDUs answered since the card was created
 * @resets: activations and resets since the card was created
 * @atr: the ATR the card answers (also while powered off)
 */
struct vuicc_status {
	__u32 card_id;
	__u32 flags;
	__u32 events;
	__u32 reserved;
	__u64 apdus;
	__u64 resets;
	struct vuicc_atr atr;
};

#define VUICC_IOC_MAGIC		0xC7

/**
 * define VUICC_IOC_POWER_ON - activate the card and read its ATR
 *
 * A cold reset if the card is off; if it is already on, only reports the
 * ATR.  Argument: &struct vuicc_atr (out).
 */
#define VUICC_IOC_POWER_ON	_IOR(VUICC_IOC_MAGIC, 0x00, struct vuicc_atr)

/**
 * define VUICC_IOC_POWER_OFF - deactivate the card
 *
 * Drops any unread response and all session state (selected files, logical
 * channels, verified PINs).  No argument.
 */
#define VUICC_IOC_POWER_OFF	_IO(VUICC_IOC_MAGIC, 0x01)

/**
 * define VUICC_IOC_RESET - cold or warm reset, returning the ATR
 *
 * Argument: &struct vuicc_reset (in: @flags; out: @atr).
 */
#define VUICC_IOC_RESET		_IOWR(VUICC_IOC_MAGIC, 0x02, struct vuicc_reset)

/**
 * define VUICC_IOC_GET_STATUS - read the card's state
 *
 * Argument: &struct vuicc_status (out).
 */
#define VUICC_IOC_GET_STATUS	_IOR(VUICC_IOC_MAGIC, 0x03, struct vuicc_status)

/**
 * define VUICC_IOC_GET_EVENTS - collect and clear pending card events
 *
 * Argument: __u32 (out), a mask of &enum vuicc_event.
 */
#define VUICC_IOC_GET_EVENTS	_IOR(VUICC_IOC_MAGIC, 0x04, __u32)

#endif /* _UAPI_LINUX_VUICC_H */
