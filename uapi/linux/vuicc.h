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

/* ---- the T=0 line discipline: the card on a UART (ISO/IEC 7816-3) ---- */

/**
 * define VUICC_T0_LDISC - the line discipline number of the T=0 card side
 *
 * N_DEVELOPMENT, the number Linux keeps for disciplines built out of tree,
 * until one is assigned.  Set it on a tty with TIOCSETD, then bind a card
 * with %VUICC_T0_IOC_ATTACH.
 */
#define VUICC_T0_LDISC		29

/**
 * enum vuicc_t0_flags - how the line is wired, for &struct vuicc_t0_attach
 * @VUICC_T0_RESET_DCD: SIM RST is wired to the UART's DCD input: a rising
 *	edge resets the card, a falling edge deactivates it.  Without it,
 *	only %VUICC_T0_IOC_RESET resets the card.
 * @VUICC_T0_ECHO: TX and RX are joined on the SIM I/O line: the UART hears
 *	its own bytes; they are discarded, and one that differs from what was
 *	sent counts as a collision.
 * @VUICC_T0_BYTEWISE: ask for command data one byte at a time (procedure
 *	byte INS xor FF, ISO/IEC 7816-3 §10.3.3) instead of all at once
 */
enum vuicc_t0_flags {
	VUICC_T0_RESET_DCD = 1 << 0,
	VUICC_T0_ECHO = 1 << 1,
	VUICC_T0_BYTEWISE = 1 << 2,
};

/**
 * struct vuicc_t0_attach - argument of %VUICC_T0_IOC_ATTACH
 * @card_id: the card to play on the line; it must not be open
 * @flags: &enum vuicc_t0_flags
 * @clock_hz: the SIM CLK the modem drives, 1 to 20 MHz; 0 for 3.5712 MHz
 * @baud_base: the UART's base rate (TIOCGSERIAL's baud_base): the rates it
 *	reaches are baud_base / n; 0 when it reaches any rate (a pty)
 * @reserved: zero
 */
struct vuicc_t0_attach {
	__u32 card_id;
	__u32 flags;
	__u32 clock_hz;
	__u32 baud_base;
	__u32 reserved[4];
};

/**
 * enum vuicc_t0_reset_kind - argument of %VUICC_T0_IOC_RESET
 * @VUICC_T0_RESET_COLD: activate the card (or deactivate and activate it)
 *	and send the ATR, as RST released after power-up
 * @VUICC_T0_RESET_WARM: reset an active card and send the ATR
 * @VUICC_T0_RESET_OFF: deactivate the card: the line goes silent
 */
enum vuicc_t0_reset_kind {
	VUICC_T0_RESET_COLD = 1,
	VUICC_T0_RESET_WARM = 2,
	VUICC_T0_RESET_OFF = 3,
};

/**
 * enum vuicc_t0_line_state - &struct vuicc_t0_stats.state
 * @VUICC_T0_LINE_DETACHED: no card is bound (detached, hung up, or the
 *	card was removed); the discipline stays until the tty is closed or
 *	given another one
 * @VUICC_T0_LINE_OFF: the card is deactivated; the line is silent until a
 *	reset
 * @VUICC_T0_LINE_ACTIVE: the card answered its ATR and takes commands
 */
enum vuicc_t0_line_state {
	VUICC_T0_LINE_DETACHED = 0,
	VUICC_T0_LINE_OFF = 1,
	VUICC_T0_LINE_ACTIVE = 2,
};

/**
 * struct vuicc_t0_stats - argument of %VUICC_T0_IOC_GET_STATS; the same
 *	counters are in the netlink card-get reply (attribute set "t0")
 * @card_id: the card on the line
 * @flags: &enum vuicc_t0_flags of the attachment
 * @state: &enum vuicc_t0_line_state
 * @clock_hz: the clock the line was attached with
 * @f: the clock rate conversion factor in use (372 until a PPS exchange)
 * @d: the baud rate adjustment factor in use (1 until a PPS exchange)
 * @bit_rate: clock_hz x d / f, in bit/s
 * @uart_rate: the rate the UART reaches for @bit_rate
 * @atr_delay_cycles: clock cycles from the last RST release to its ATR's
 *	first byte leaving (ISO/IEC 7816-3 §6.2 allows 400 to 40,000)
 * @reserved0: zero
 * @rx_bytes: bytes received (echo included)
 * @tx_bytes: bytes sent
 * @apdus: commands answered
 * @resets: cold and warm resets
 * @pps_accepted: PPS requests answered with the F/D asked for
 * @pps_refused: PPS requests answered with the default F/D, or not at all
 * @nulls: NULL procedure bytes sent while the card worked
 * @parity_errors: bytes received with a parity error
 * @line_errors: bytes received with a framing error, a break or an overrun
 * @collisions: echoed bytes that differed from what was sent
 * @timeouts: commands the terminal left unfinished for WWT
 * @unexpected: bytes received during the card's turn or while it was off
 * @aborted: exchanges cut short by a reset, deactivation or card removal
 * @invalid_ins: headers with an INS of 6X or 9X, or with CLA FF
 */
struct vuicc_t0_stats {
	__u32 card_id;
	__u32 flags;
	__u32 state;
	__u32 clock_hz;
	__u32 f;
	__u32 d;
	__u32 bit_rate;
	__u32 uart_rate;
	__u32 atr_delay_cycles;
	__u32 reserved0;
	__u64 rx_bytes;
	__u64 tx_bytes;
	__u64 apdus;
	__u64 resets;
	__u64 pps_accepted;
	__u64 pps_refused;
	__u64 nulls;
	__u64 parity_errors;
	__u64 line_errors;
	__u64 collisions;
	__u64 timeouts;
	__u64 unexpected;
	__u64 aborted;
	__u64 invalid_ins;
};

/*
 * The T=0 ioctls go to the tty that carries the discipline (any open file
 * of it).  ATTACH fails with EBUSY when the line already has a card or the
 * card is open, ENOENT for no such card, ERANGE when the UART cannot reach
 * clock/372 within 2 %; the others fail with ENXIO on a detached line.
 */

/**
 * define VUICC_T0_IOC_ATTACH - bind a card to the line
 *
 * Argument: &struct vuicc_t0_attach (in).  The line sets its tty to the
 * T=0 character frame (8 data bits, even parity, 2 stop bits, CLOCAL) at
 * clock/372 and stays silent until the first reset.
 */
#define VUICC_T0_IOC_ATTACH	_IOW(VUICC_IOC_MAGIC, 0x10, struct vuicc_t0_attach)

/**
 * define VUICC_T0_IOC_DETACH - let go of the card
 *
 * The card is deactivated and free for /dev/vuiccN again; poll() on the
 * tty reports EPOLLHUP so that the program holding it can close it.
 */
#define VUICC_T0_IOC_DETACH	_IO(VUICC_IOC_MAGIC, 0x11)

/**
 * define VUICC_T0_IOC_RESET - reset or deactivate the line's card
 *
 * Argument: __u32 (in), one of &enum vuicc_t0_reset_kind.  A reset sends
 * the ATR 400 clock cycles after the call, at clock/372.
 */
#define VUICC_T0_IOC_RESET	_IOW(VUICC_IOC_MAGIC, 0x12, __u32)

/**
 * define VUICC_T0_IOC_GET_STATS - read the line's counters
 *
 * Argument: &struct vuicc_t0_stats (out).
 */
#define VUICC_T0_IOC_GET_STATS	_IOR(VUICC_IOC_MAGIC, 0x13, struct vuicc_t0_stats)

#endif /* _UAPI_LINUX_VUICC_H */
