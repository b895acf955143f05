/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The card side of ISO/IEC 7816-3 T=0 as a state machine with no I/O and no
 * clock of its own: bytes, resets and the time go in; bytes to send, an
 * APDU to run and the next deadline come out.  vuicc_ldisc.c drives it on a
 * tty; the KUnit suite drives it with a fake clock.
 */
#ifndef _VUICC_T0_H
#define _VUICC_T0_H

#include <linux/types.h>

#include <uapi/linux/vuicc.h>

/* ISO/IEC 7816-3 §7.1: Fd = 372, Dd = 1 until a PPS exchange says otherwise */
#define VUICC_T0_FD			372
#define VUICC_T0_DD			1
/* §10.2: WI = 10 when the ATR has no TC2 */
#define VUICC_T0_WI_DEFAULT		10
/* §10.2: WWT = 960 x WI x Fi / f */
#define VUICC_T0_WWT_CYCLES_PER_WI	960
/* §6.2.2/§6.2.3: the ATR starts 400 to 40,000 clock cycles after RST goes high */
#define VUICC_T0_ATR_MIN_CYCLES		400
#define VUICC_T0_ATR_MAX_CYCLES		40000
/* §7.2: at least 16 etu between the leading edges of characters in opposite directions */
#define VUICC_T0_TURN_ETU		16
/* §10.3.3: procedure bytes */
#define VUICC_T0_NULL			0x60
/* §9.2: PPSS, then PPS0, up to three of PPS1..3, PCK */
#define VUICC_T0_PPSS			0xFF
#define VUICC_T0_PPS_MAX		6
/* the 7816-3 clock range (§5.2.3, Table 7 gives fmax 4-20 MHz by Fi) */
#define VUICC_T0_CLOCK_MIN		1000000
#define VUICC_T0_CLOCK_MAX		20000000
#define VUICC_T0_CLOCK_DEFAULT		3571200
/*
 * §7.1: a character is 10 etu sampled at its middles; a receiver that
 * starts on the leading edge misplaces the last (parity) bit by 9.5 x the
 * rate error and the standard's margin is 0.2 etu: 2 %.
 */
#define VUICC_T0_RATE_TOLERANCE_PPM	20000

/* the longest command: a 5-byte header and 255 data bytes (P3 = Lc) */
#define VUICC_T0_CMD_MAX		(5 + 255)
/* what leaves in one turn: ACK, 256 data bytes and SW1 SW2, or an ATR */
#define VUICC_T0_TX_MAX			(1 + 256 + 2)
/* bytes sent that a joined TX/RX line has not yet heard back */
#define VUICC_T0_ECHO_MAX		(2 * VUICC_T0_TX_MAX)

/**
 * enum vuicc_t0_dir - how a T=0 header's P3 is to be read (§12.2)
 * @VUICC_T0_DIR_NONE: the card does not know the command; it answers at
 *	once with a status word
 * @VUICC_T0_DIR_IN: P3 is Lc: the data follows the card's ACK (cases 3
 *	and 4; P3 = 0 is case 1)
 * @VUICC_T0_DIR_OUT: P3 is Le, 0 meaning 256 (case 2)
 * @VUICC_T0_DIR_CASE1: the command takes no data in either direction;
 *	P3 must be 0
 */
enum vuicc_t0_dir {
	VUICC_T0_DIR_NONE,
	VUICC_T0_DIR_IN,
	VUICC_T0_DIR_OUT,
	VUICC_T0_DIR_CASE1,
};

/* enum vuicc_t0_action - what the driver of the machine must do now */
enum vuicc_t0_action {
	/* take the bytes of vuicc_t0_tx() and send them */
	VUICC_T0_ACT_TX = BIT(0),
	/* activate or reset the card and give its ATR to vuicc_t0_atr() */
	VUICC_T0_ACT_ATR = BIT(1),
	/* run vuicc_t0->cmd on the card and give the answer to vuicc_t0_done() */
	VUICC_T0_ACT_EXEC = BIT(2),
	/* once the queued bytes have left, set the bit rate to f/d, then vuicc_t0_rate_set() */
	VUICC_T0_ACT_RATE = BIT(3),
	/* deactivate the card */
	VUICC_T0_ACT_POWER_OFF = BIT(4),
	/* a PPS exchange ended: vuicc_t0->pps and ->pps_rsp hold it */
	VUICC_T0_ACT_PPS = BIT(5),
};

enum vuicc_t0_state {
	VUICC_T0_S_OFF,		/* deactivated, or RST held low: silent */
	VUICC_T0_S_ATR,		/* RST released: waiting for the card's ATR */
	VUICC_T0_S_IDLE,	/* waiting for a header (or a PPS request) */
	VUICC_T0_S_PPS,		/* receiving a PPS request */
	VUICC_T0_S_HEADER,	/* part of a header received */
	VUICC_T0_S_DATA,	/* receiving command data after a procedure byte */
	VUICC_T0_S_BUSY,	/* the engine runs the command */
	VUICC_T0_S_DISCARD,	/* a corrupt command: dropping bytes until the line is quiet */
};

struct vuicc_t0;

/**
 * struct vuicc_t0_ops - what the machine asks of its driver
 * @dir: how P3 of @hdr (5 bytes) is to be read
 * @rate_ok: whether the UART reaches clock x @d / @f within the tolerance
 */
struct vuicc_t0_ops {
	enum vuicc_t0_dir (*dir)(const u8 *hdr);
	bool (*rate_ok)(struct vuicc_t0 *t0, u32 f, u32 d);
};

/**
 * struct vuicc_t0 - one card side of a T=0 line
 * @ops: the driver's callbacks
 * @clock_hz: the clock the terminal drives (f)
 * @flags: &enum vuicc_t0_flags
 * @state: &enum vuicc_t0_state
 * @active: the card has been activated since the last deactivation
 * @first: nothing was exchanged since the ATR: a PPS request may come
 * @ta1: the Fi/Di byte of the ATR (0x11 when absent)
 * @wi: the waiting integer of the ATR
 * @f: the F in use
 * @d: the D in use
 * @deadline: the next moment vuicc_t0_timer() must run, ns; 0 for none
 * @last_rx: when the last byte came in, ns
 * @last_io: when the last byte went either way, ns (WWT counts from it)
 * @rst_at: when RST was released, ns
 * @hdr: the header being received
 * @hdr_len: its bytes so far
 * @dir: how its P3 is read
 * @pps: the PPS request being received (the last one, once done)
 * @pps_len: its bytes so far
 * @pps_rsp: the card's response to the last PPS request
 * @pps_rsp_len: its length; 0 when the card gave none
 * @rst_kind: &enum vuicc_t0_reset_kind of the reset under way
 * @atr_unsent: the ATR is queued and its first byte has not left
 * @cmd: the command APDU for the engine
 * @cmd_len: its length
 * @data_need: command data bytes still to come
 * @exec_seq: numbers each command handed to the engine; an answer for an
 *	older one (a reset came in between) is dropped
 * @tx: bytes to send
 * @tx_len: bytes in @tx
 * @tx_not_before: @tx may not leave before this, ns
 * @echo: bytes sent and not yet heard back (with %VUICC_T0_ECHO)
 * @echo_head: the oldest in @echo
 * @echo_len: bytes in @echo
 * @stats: the counters, as %VUICC_T0_IOC_GET_STATS reports them
 */
struct vuicc_t0 {
	const struct vuicc_t0_ops *ops;
	u32 clock_hz;
	u32 flags;

	enum vuicc_t0_state state;
	bool active;
	bool first;
	u8 ta1;
	u8 wi;
	u32 f;
	u32 d;
	u64 deadline;
	u64 last_rx;
	u64 last_io;
	u64 rst_at;

	u8 hdr[5];
	u8 hdr_len;
	enum vuicc_t0_dir dir;
	u8 pps[VUICC_T0_PPS_MAX];
	u8 pps_len;
	u8 pps_rsp[VUICC_T0_PPS_MAX];
	u8 pps_rsp_len;
	u32 rst_kind;
	bool atr_unsent;
	u8 cmd[VUICC_T0_CMD_MAX];
	u16 cmd_len;
	u16 data_need;
	u32 exec_seq;

	u8 tx[VUICC_T0_TX_MAX + VUICC_T0_PPS_MAX];
	u16 tx_len;
	u64 tx_not_before;
	u8 echo[VUICC_T0_ECHO_MAX];
	u16 echo_head;
	u16 echo_len;

	struct vuicc_t0_stats stats;
};

void vuicc_t0_init(struct vuicc_t0 *t0, const struct vuicc_t0_ops *ops,
		   u32 clock_hz, u32 flags);
u32 vuicc_t0_reset(struct vuicc_t0 *t0, u32 kind, u64 now);
u32 vuicc_t0_rst(struct vuicc_t0 *t0, bool high, unsigned int edges, u64 at);
u32 vuicc_t0_timer(struct vuicc_t0 *t0, u64 now);
u32 vuicc_t0_atr(struct vuicc_t0 *t0, const u8 *atr, size_t len, u64 now);
u32 vuicc_t0_rx(struct vuicc_t0 *t0, const u8 *buf, const u8 *flags,
		size_t n, u64 now);
u32 vuicc_t0_done(struct vuicc_t0 *t0, u32 seq, const u8 *rsp, size_t len,
		  u64 now);
u32 vuicc_t0_card_gone(struct vuicc_t0 *t0);
size_t vuicc_t0_tx(struct vuicc_t0 *t0, u8 *buf, size_t max, u64 now);
void vuicc_t0_sent(struct vuicc_t0 *t0, const u8 *buf, size_t n, u64 now);
void vuicc_t0_rate_set(struct vuicc_t0 *t0, u32 f, u32 d);
u64 vuicc_t0_etu_ns(const struct vuicc_t0 *t0, u32 etus);
u64 vuicc_t0_wwt_ns(const struct vuicc_t0 *t0);
u64 vuicc_t0_cycles_ns(const struct vuicc_t0 *t0, u32 cycles);
u32 vuicc_t0_fi(u8 ta1);
u32 vuicc_t0_di(u8 ta1);
u32 vuicc_t0_uart_rate(u32 want, u32 baud_base);
bool vuicc_t0_rate_within(u32 want, u32 got);

#endif /* _VUICC_T0_H */
