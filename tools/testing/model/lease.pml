// SPDX-License-Identifier: GPL-2.0
/*
 * lease.pml - Promela model of the vuicc profile-sharing lease protocol.
 *
 * Checked by tools/testing/model/check (make check; VUICC_MODEL_BOUND=big
 * for make soak).  Build variants (cpp -D, passed through spin -D...):
 *
 *   (none)       the protocol.  Must hold: at most one device on the
 *                network with the profile.
 *   CRASH        a slave's vuiccd may die once (kill -9) and start again;
 *                only its kernel's deadline takes the profile off its card
 *                meanwhile.  Must hold.
 *   MRESTART     the master's vuiccd may restart once, with only its
 *                stored epoch (and its card) left.  Must hold.
 *   NO_WAIT      broken: the master frees the profile as soon as it stops
 *                hearing from the holder (here: the holder's link drops),
 *                without waiting lease + margin -- a disconnect timer
 *                alone.  spin must find a violation.
 *   NO_MARGIN    broken: the master waits the lease but not the drift
 *                margin (DRIFT_MARGIN = 0 while DRIFT >= 1).  spin must
 *                find a violation.
 *   NO_GUARD     broken: the slave deactivates at its lease's end, not a
 *                guard time before it, so its modem is still detaching
 *                when the master frees the profile.  spin must find a
 *                violation.
 *   NO_KDEADLINE broken (with CRASH): the kernel holds no deadline; a
 *                slave whose vuiccd died stays on the network.  spin must
 *                find a violation.
 *   REACH        non-vacuity probe on the protocol: the assertion
 *                "no handover yet" must be violated, i.e. one slave
 *                becomes SLV_ACTIVE and later a different slave does.
 *   REACH_LATE, REACH_KNOWN, REACH_KERNEL
 *                probes that must be violated too: a late RELEASE is
 *                accepted after an expiry; after a master restart the
 *                holder makes itself known by renewing (with MRESTART);
 *                a kernel deadline fires while the slave's vuiccd is down
 *                (with CRASH).
 *   BIG          larger bounds (see below).
 *
 * The protocol
 * ------------
 * One master (the device that owns the profile) and NSLV slaves.  Messages
 * (mtype msg; the C enum uses the same names):
 *
 *   slave -> master   REQUEST(-, nonce)   RENEW(epoch, nonce)
 *                     RELEASE(epoch, nonce)
 *   master -> slave   GRANT(epoch, nonce) DENY(epoch, nonce)
 *                     RENEWED(epoch, nonce) RELEASED(epoch, nonce)
 *
 * Every message carries both fields; unused ones are 0.  Answers echo the
 * nonce of the message they answer.
 *
 * Master (mst, epoch, holder, last_holder, held_until): MST_FREE, MST_SELF
 * (the master uses the profile itself), MST_GRANTED (slave `holder` holds
 * lease `epoch` until the master's clock reaches `held_until`).  The
 * fencing epoch grows by one on every grant, MST_SELF included, and is
 * what the master's store keeps.
 *   MST_FREE    REQUEST(n) from s: new epoch, holder = s,
 *               held_until = now + LEASE + DRIFT_MARGIN, GRANT(epoch, n).
 *               May take the profile (share take): -> MST_SELF, new
 *               epoch, its own modem on the network (mnet).
 *               RELEASE(epoch) from last_holder (its lease expired, the
 *               master heard nothing): RELEASED, state taken back,
 *               nothing else changes.
 *   MST_SELF    REQUEST -> DENY.  May give the profile up (share give)
 *               at a tick: its modem leaves the network within GUARD, and
 *               the master frees the profile GUARD later.
 *   MST_GRANTED REQUEST (anyone, the holder too) -> DENY.
 *               RENEW(epoch, n) from holder: held_until = now + LEASE +
 *               DRIFT_MARGIN, RENEWED(epoch, n).
 *               RELEASE(epoch, n) from holder: -> MST_FREE, RELEASED.
 *               now >= held_until: -> MST_FREE (last_holder = holder).
 *   Any RENEW/RELEASE not matching is stale: DENY(epoch, n), no change.
 *   Restart (MRESTART): its own use goes on if its card still holds the
 *   profile (MST_SELF, not giving); otherwise, with an epoch stored, it
 *   counts the profile as held by an UNKNOWN holder for LEASE +
 *   DRIFT_MARGIN from now; the holder makes itself known by a RENEW of
 *   that epoch, and a RELEASE of it is accepted from anyone.
 *
 * Slave i, its agent (slv[i], sc[i], nonce[i], ep[i], lend[i]): SLV_IDLE,
 * SLV_REQUESTING, SLV_ACTIVE (holds a lease, the profile enabled),
 * SLV_HELD (deactivated, waiting for its modem to leave the network),
 * SLV_RELEASING, SLV_DOWN (its vuiccd is dead).
 *   SLV_IDLE        at local time t sends REQUEST(t + 1) -> SLV_REQUESTING.
 *   SLV_REQUESTING  GRANT(e, nonce): lend = t + LEASE on the slave's OWN
 *                   clock, t being the send time of the answered REQUEST
 *                   (nonce - 1); if the clock is already past lend - GUARD
 *                   the grant is of no use (the kernel refuses a deadline
 *                   that has passed): -> SLV_IDLE; else -> SLV_ACTIVE, the
 *                   profile enabled with the kernel deadline lend - GUARD,
 *                   the modem on the network at once.  DENY(nonce):
 *                   -> SLV_IDLE.  No answer by local t + LEASE: -> SLV_IDLE.
 *   SLV_ACTIVE      at local t' sends RENEW(ep, t' + 1); RENEWED(ep, nonce)
 *                   sets lend = t' + LEASE and moves the kernel deadline to
 *                   lend - GUARD (profile-renew).  At local lend - GUARD,
 *                   on a stale DENY, or when it gives the lease back: the
 *                   profile out of the card -> SLV_HELD.
 *   SLV_HELD        once its modem is off the network (the guard time):
 *                   RELEASE(ep, t' + 1) -> SLV_RELEASING.
 *   SLV_RELEASING   RELEASED(ep, nonce), a DENY (stale) or local time
 *                   t' + LEASE: -> SLV_IDLE.
 *   Crash (CRASH): any state -> SLV_DOWN, the agent's state lost; the
 *   card keeps the profile until the kernel's deadline.  Start: the
 *   profile left on the card is deleted -> SLV_IDLE.
 *   Answers whose nonce (or epoch) is not the current one are ignored.
 *   A slave sends at most one REQUEST/RENEW/RELEASE per local tick, so a
 *   nonce names exactly one message (duplicates aside).  This matters: a
 *   duplicated GRANT of an already released lease must not be taken for
 *   the answer to a new REQUEST.
 *
 * Slave i, its kernel and modem (ken[i], kdl[i], net[i], det[i]): the
 * profile enabled on the card, the kernel's deadline for it (on the
 * slave's clock: CLOCK_BOOTTIME of the same device), the modem on the
 * network with it, and when the modem is off at the latest.  Taking the
 * profile off the card (the agent, the kernel deadline, or the agent's
 * start after a crash) starts the detach: the modem is off the network
 * GUARD ticks later (reference time; the latest it may take, which is the
 * worst case for the property: the guard time is chosen to cover it).
 *
 * Property: mnet + net[0] + net[1] <= 1: at most one device on the network
 * with the profile, counting a modem until it has detached -- assert(
 * ONE_HOLDER) at the end of every atomic step.  Every transition of the
 * model is one atomic step of one process, so every reachable state is
 * checked (works with -DSAFETY, no never claim needed).
 *
 * Abstraction
 * -----------
 * Time: a global discrete tick `now` (the clock process), which is also
 * the master's clock.  Each slave clock sc[i] is monotone and lags the
 * reference by 0..DRIFT ticks; at each tick it advances nondeterministically
 * by any amount that keeps it in [now - DRIFT, now] (so it may stall and
 * catch up: bounded drift).  Fast slave clocks only end leases earlier and
 * are not modelled.  Timers fire at the tick that reaches them, before any
 * message of that tick is handled: the slaves' (agent, then kernel, then
 * modem detach) before the master's, so a detach and an expiry at the
 * same tick are in that order.  Time stops at TMAX; what is in flight is
 * still delivered afterwards.  Message handling takes no time, and
 * messages may stay in flight across ticks (arbitrary delay).
 *
 * Network: per slave one channel each way (s2m[i], m2s[i]) of capacity
 * CAP 2.  Every send may be lost, delivered, or duplicated (at most NDUP
 * duplications per run); a send is lost if the channel is full or if
 * NFLIGHT messages are already in flight over all links (this global
 * bound, not the capacity, is what keeps the state space finite and
 * small).  The receiver may take either of two messages in flight
 * (recv_any: reordering).  Messages stay in flight for any number of
 * ticks.  A link may drop (link[i] = 0: everything in flight on it is
 * lost, and sends are lost while it is down) and come back; at most NDROP
 * drops per run.
 *
 * State-space reductions, all sound for the property:
 *  - Epochs are only ever compared for equality (a RENEW/RELEASE is
 *    current iff its epoch == the master's epoch), so the model renames
 *    them: a grant takes the smallest value that no slave holds and no
 *    message in flight carries (new_epoch).  This is equivalent to the C
 *    counter's "epoch++ on every grant, MST_SELF included" (a new epoch
 *    differs from every earlier one still around) but keeps the values
 *    small.
 *  - forget(i): right before slave i sends and when it goes SLV_IDLE (or
 *    down), the answers in flight to it are dropped and the nonces of its
 *    messages in flight zeroed: answers are matched by nonce, none is
 *    accepted in SLV_IDLE and a new nonce exceeds all earlier ones, so
 *    those answers could only be ignored; the master sends no answer to
 *    nonce 0.
 *  - In SLV_IDLE the nonce only says whether the slave may send in this
 *    local tick; once it may, the nonce is reset to 0.
 *  - A modem detaches at the latest moment allowed (more time on the
 *    network only makes the property harder to keep).
 *  - Every step is one atomic transition of one process (slave i,
 *    master, network, clock), temporaries are reset at its end.
 *
 * Not modelled: message contents other than type/epoch/nonce (profile
 * data, authentication), the dynamic state a RELEASE returns, more than
 * one crash of a slave or restart of the master per run, a crash of the
 * slave's kernel (a reboot takes the profile off the card: it is the
 * agent's start after a crash, sooner), processing delays larger than a
 * tick, clock drift of more than DRIFT over a lease, fast slave clocks,
 * more than two messages in flight at once (NFLIGHT), the master giving
 * MST_SELF up other than at a tick, time beyond TMAX, the RELEASE retried
 * after a timeout (a RELEASE never activates anything).
 *
 * Bounds (default = make check; BIG = VUICC_MODEL_BOUND=big, make soak):
 *   NSLV 2, LEASE 3, GUARD 1 (LEASE > 2 GUARD, as the slave requires),
 *   DRIFT 1, DRIFT_MARGIN = DRIFT (0 with NO_MARGIN), CAP 2, NFLIGHT 2;
 *   TMAX 6 (7), NDUP 1, NDROP 1 (2); with CRASH or MRESTART: NDUP 0,
 *   NDROP 0 (the crash or restart takes their place; BIG: 1 and 1).
 *   Default: protocol about 4.3M states, ~20 s, 0.8 GB; CRASH 2.1M;
 *   MRESTART 1.5M.
 *
 * Mapping to C names: the message names are the wire message types, the
 * state names are the master/slave state enums (SLV_HELD is the C slave's
 * SLV_IDLE with `held` or `pending_state` set; SLV_DOWN is no vuiccd),
 * epoch/nonce/held_until/last_holder are the fields of the same names;
 * LEASE, GUARD and DRIFT_MARGIN are share_lease_ms, share_guard_ms and
 * share_drift_ms (in ticks here).  sc[], lend[], ep[] are the slave's
 * clock, lease end and held epoch; kdl[] is the profile-deadline it gives
 * the kernel (share_lease.c, slave_install_blob and slave_sync_deadline).
 */

#if defined(BIG) && (defined(CRASH) || defined(MRESTART))
#define TMAX	7
#define NDROP	1
#define NDUP	1
#elif defined(BIG)
#define TMAX	7
#define NDROP	2
#define NDUP	1
#elif defined(CRASH) || defined(MRESTART)
#define TMAX	6
#define NDROP	0	/* a crash or a restart in place of a link drop */
#define NDUP	0
#else
#define TMAX	6
#define NDROP	1
#define NDUP	1
#endif
#define NSLV	2
#define NFLIGHT	2
#define LEASE	3
#define GUARD	1
#define DRIFT	1
#ifdef NO_MARGIN
#define DRIFT_MARGIN	0
#else
#define DRIFT_MARGIN	DRIFT
#endif
#ifdef NO_GUARD
#define EARLY	0	/* the slave deactivates at the lease's end */
#else
#define EARLY	GUARD	/* ... a guard time before it */
#endif
#define CAP	2
#define UNKNOWN	(NSLV + 1)	/* holder after a master restart */

mtype:msg = { REQUEST, GRANT, DENY, RENEW, RENEWED, RELEASE, RELEASED };
mtype:mst = { MST_FREE, MST_SELF, MST_GRANTED };
mtype:slv = { SLV_IDLE, SLV_REQUESTING, SLV_ACTIVE, SLV_HELD, SLV_RELEASING, SLV_DOWN };

/* master */
mtype:mst mst = MST_FREE;
byte epoch;			/* the last epoch granted (what the store keeps); 0: none */
byte holder = NSLV;		/* NSLV: none; UNKNOWN: after a restart */
byte last_holder = NSLV;	/* MST_FREE after an expiry: its RELEASE still counts */
byte held_until;		/* master clock */
byte now;			/* reference (= master) clock */
bool mnet;			/* the master's own modem on the network with the profile */
byte mgive;			/* its own use ends (MST_SELF -> MST_FREE) at this time */
byte mdet;			/* its modem is off the network by this time */
bool mcrashed;			/* restarts so far (at most one) */

/* slaves: the agent */
mtype:slv slv[NSLV];		/* initialised to SLV_IDLE below */
byte sc[NSLV];			/* slave clocks, now - DRIFT <= sc <= now */
byte nonce[NSLV];		/* last sent: send time + 1; 0 = none */
byte ep[NSLV];			/* epoch held (ACTIVE .. RELEASING) */
byte lend[NSLV];		/* lease end, slave clock */
/* slaves: the kernel and the modem */
bool ken[NSLV];			/* the shared profile enabled on the card */
byte kdl[NSLV];			/* the kernel's deadline for it, slave clock; 0: none */
bool net[NSLV];			/* the modem on the network with the profile */
byte det[NSLV];			/* ... off it by this time (the guard) */
bool crashed;			/* slave crashes so far (at most one) */

/* network */
chan s2m[NSLV] = [CAP] of { mtype:msg, byte, byte };	/* type, epoch, nonce */
chan m2s[NSLV] = [CAP] of { mtype:msg, byte, byte };
bool link[NSLV];
byte drops;			/* link drops so far, <= NDROP */
byte dups;			/* duplications so far, <= NDUP */

#ifdef REACH
byte lastact;			/* last slave that became active, + 1 */
#endif
bool late_release;		/* probes (REACH_LATE, REACH_KNOWN, REACH_KERNEL) */
bool known_again;
bool kernel_only;

/* the property counts devices on the network with the profile */
#define ONE_HOLDER	(mnet + net[0] + net[1] <= 1)

/* epoch value v is referenced somewhere */
#define inflight(v)	(s2m[0]??[_, eval(v), _] || m2s[0]??[_, eval(v), _] || \
			 s2m[1]??[_, eval(v), _] || m2s[1]??[_, eval(v), _])
#define used(v)		(ep[0] == v || ep[1] == v || inflight(v))

/*
 * A new epoch, different from every epoch the slaves hold or that is in
 * flight: the smallest such value (see "Epochs" above).
 */
inline new_epoch()
{
	e2 = 1;
	do
	:: used(e2) -> e2++
	:: else -> break
	od;
	epoch = e2;
	e2 = 0
}

/* a lease ends without a RELEASE: its holder's late RELEASE still counts */
inline master_expire()
{
	mst = MST_FREE;
	last_holder = holder;
	holder = NSLV;
	held_until = 0
}

inline master_free()
{
	mst = MST_FREE;
	holder = NSLV;
	last_holder = NSLV;
	held_until = 0
}

#define FLIGHT	(len(s2m[0]) + len(m2s[0]) + len(s2m[1]) + len(m2s[1]))

inline check()
{
	assert(ONE_HOLDER)
}

/* lossy, duplicating send on link l */
inline send(c, l, m, e, n)
{
	if
	:: true					/* lost */
	:: n != 0 && link[l] && nfull(c) && FLIGHT + 1 <= NFLIGHT -> c!m, e, n
	:: n != 0 && link[l] && len(c) + 2 <= CAP && FLIGHT + 2 <= NFLIGHT &&
	   dups < NDUP ->			/* duplicated */
		c!m, e, n; c!m, e, n; dups++
	fi
}

inline flush(c)
{
	do
	:: nempty(c) -> c?m, e, n
	:: empty(c) -> break
	od
}

/*
 * Receive any message of c (CAP <= 2: the head or the one behind it):
 * reordering.
 */
inline recv_any(c, m, e, n)
{
	if
	:: c?m, e, n
	:: len(c) == 2 -> c?m2, e2, n2; c?m, e, n; c!m2, e2, n2;
		m2 = 0; e2 = 0; n2 = 0
	fi
}

/* see "forget" above */
inline forget(i)
{
	flush(m2s[i]);
	k = len(s2m[i]);
	do
	:: k > 0 ->
		s2m[i]?m, e, n;
		s2m[i]!m, e, 0;
		k--
	:: else -> break
	od;
	m = 0; e = 0; n = 0
}

inline slave_idle(i)
{
	slv[i] = SLV_IDLE;
	ep[i] = 0;
	lend[i] = 0;
	forget(i);
	if
	:: sc[i] >= nonce[i] -> nonce[i] = 0	/* only "may send" matters */
	:: else -> skip
	fi
}

/* the profile out of the card: the modem is off the network a guard time later */
inline card_off(i)
{
	if
	:: ken[i] ->
		ken[i] = 0;
		kdl[i] = 0;
		det[i] = now + GUARD
	:: else -> skip
	fi
}

/* the agent deactivates: the profile out of the card, RELEASE after the guard */
inline deactivate(i)
{
	card_off(i);
	slv[i] = SLV_HELD;
	lend[i] = 0;
	forget(i)
}

/* the kernel's deadline: the lease's end less the guard time */
inline set_kdl(i)
{
#ifdef NO_KDEADLINE
	kdl[i] = 0
#else
	kdl[i] = lend[i] - EARLY
#endif
}

proctype slave(byte i)
{
	mtype:msg m, m2;
	byte e, n, e2, n2, k;

end:
	do
	:: atomic {
		slv[i] == SLV_IDLE && sc[i] >= nonce[i] ->
		nonce[i] = sc[i] + 1;
		slv[i] = SLV_REQUESTING;
		forget(i);
		send(s2m[i], i, REQUEST, 0, nonce[i]);
		check()
	}
	:: atomic {
		slv[i] == SLV_ACTIVE && sc[i] >= nonce[i] ->
		nonce[i] = sc[i] + 1;
		forget(i);
		send(s2m[i], i, RENEW, ep[i], nonce[i]);
		check()
	}
	:: atomic {
		slv[i] == SLV_ACTIVE ->		/* gives the lease back */
		deactivate(i);
		check()
	}
	:: atomic {
		/* the guard time has passed (the modem is off): RELEASE */
		slv[i] == SLV_HELD && !net[i] && sc[i] >= nonce[i] ->
		slv[i] = SLV_RELEASING;
		nonce[i] = sc[i] + 1;
		forget(i);
		send(s2m[i], i, RELEASE, ep[i], nonce[i]);
		check()
	}
#ifdef CRASH
	:: atomic {
		/* vuiccd dies (kill -9): the kernel and the modem go on */
		!crashed && slv[i] != SLV_DOWN ->
		crashed = 1;
		slv[i] = SLV_DOWN;
		ep[i] = 0;
		lend[i] = 0;
		forget(i);
		check()
	}
	:: atomic {
		/* ... and starts again: it deletes what a lease left on the card */
		slv[i] == SLV_DOWN ->
		card_off(i);
		slave_idle(i);
		check()
	}
#endif
	:: atomic {
		nempty(m2s[i]) && slv[i] != SLV_DOWN ->
		recv_any(m2s[i], m, e, n);
		if
		:: m == GRANT && slv[i] == SLV_REQUESTING && n == nonce[i] &&
		   sc[i] < n - 1 + LEASE - EARLY ->
			slv[i] = SLV_ACTIVE;
			ep[i] = e;
			lend[i] = n - 1 + LEASE;
			/* enabled with the kernel's deadline; on the network at once */
			ken[i] = 1;
			set_kdl(i);
			net[i] = 1;
			det[i] = 0;
#ifdef REACH
			/* non-vacuity probe: must be violated */
			assert(lastact == 0 || lastact == i + 1);
			lastact = i + 1;
#endif
		:: m == GRANT && slv[i] == SLV_REQUESTING && n == nonce[i] &&
		   sc[i] >= n - 1 + LEASE - EARLY ->
			slave_idle(i)		/* too late to use: the kernel refuses it */
		:: m == DENY && n == nonce[i] && slv[i] == SLV_ACTIVE ->
			deactivate(i)		/* a stale renewal: the lease is over */
		:: m == DENY && n == nonce[i] &&
		   (slv[i] == SLV_REQUESTING || slv[i] == SLV_RELEASING) ->
			slave_idle(i)
		:: m == RENEWED && slv[i] == SLV_ACTIVE && e == ep[i] &&
		   n == nonce[i] ->
			lend[i] = n - 1 + LEASE;
			set_kdl(i)		/* profile-renew */
		:: m == RELEASED && slv[i] == SLV_RELEASING && e == ep[i] &&
		   n == nonce[i] ->
			slave_idle(i)
		:: else -> skip			/* old nonce/epoch: ignored */
		fi;
		m = 0; e = 0; n = 0;
		check()
	}
	od
}

inline master_recv(i)
{
	atomic {
		nempty(s2m[i]) ->
		recv_any(s2m[i], m, e, n);
		if
		:: m == REQUEST && mst == MST_FREE ->
			new_epoch();
			mst = MST_GRANTED;
			holder = i;
			last_holder = NSLV;
			held_until = now + LEASE + DRIFT_MARGIN;
			send(m2s[i], i, GRANT, epoch, n)
		:: m == REQUEST && mst != MST_FREE ->
			send(m2s[i], i, DENY, 0, n)
		:: m == RENEW && mst == MST_GRANTED && (holder == i || holder == UNKNOWN) &&
		   e == epoch ->
#ifdef REACH_KNOWN
			known_again = holder == UNKNOWN;
			assert(!known_again);
#endif
			holder = i;		/* (after a restart: makes itself known) */
			held_until = now + LEASE + DRIFT_MARGIN;
			send(m2s[i], i, RENEWED, e, n)
		:: m == RELEASE && e == epoch &&
		   ((mst == MST_GRANTED && (holder == i || holder == UNKNOWN)) ||
		    (mst == MST_FREE && last_holder == i)) ->
			/* a late RELEASE after an expiry returns state, nothing else */
#ifdef REACH_LATE
			late_release = mst == MST_FREE;
			assert(!late_release);
#endif
			master_free();
			send(m2s[i], i, RELEASED, e, n)
		:: else ->			/* stale RENEW/RELEASE */
			send(m2s[i], i, DENY, e, n)
		fi;
		m = 0; e = 0; n = 0;
		check()
	}
}

proctype master()
{
	mtype:msg m, m2;
	byte e, n, e2, n2;

end:
	do
	:: atomic {
		/* share take: its own card, a new epoch */
		mst == MST_FREE ->
		new_epoch();
		mst = MST_SELF;
		holder = NSLV;
		last_holder = NSLV;
		mnet = 1;
		mdet = 0;
		check()
	}
	:: master_recv(0)
	:: master_recv(1)
#ifdef MRESTART
	:: atomic {
		/*
		 * vuiccd restarts with the epoch in its store: its own use goes
		 * on if its card still holds the profile, else a lease may be
		 * out; it waits one lease and margin
		 */
		!mcrashed ->
		mcrashed = 1;
		if
		:: mst == MST_SELF && !mgive -> skip
		:: else ->
			mgive = 0;
			last_holder = NSLV;
			if
			:: epoch != 0 ->
				mst = MST_GRANTED;
				holder = UNKNOWN;
				held_until = now + LEASE + DRIFT_MARGIN
			:: else -> master_free()
			fi
		fi;
		check()
	}
#endif
	od
}

inline linkdrop(i)
{
	atomic {
		link[i] && drops < NDROP ->
		link[i] = 0;
		drops++;
		flush(s2m[i]);
		flush(m2s[i]);
		m = 0; e = 0; n = 0;
#ifdef NO_WAIT
		/* broken: the disconnect timer alone frees the profile */
		if
		:: mst == MST_GRANTED && holder == i -> master_free()
		:: else -> skip
		fi;
#endif
		check()
	}
}

inline linkup(i)
{
	atomic {
		!link[i] ->
		link[i] = 1;
		check()
	}
}

proctype network()
{
	mtype:msg m;
	byte e, n, e2;

end:
	do
	:: linkdrop(0)
	:: linkup(0)
	:: linkdrop(1)
	:: linkup(1)
	od
}

proctype clock()
{
	mtype:msg m;
	byte i, e, n, k;

end:
	do
	:: atomic {
		now < TMAX ->
		now++;
		i = 0;
		do
		:: i < NSLV ->
			/* bounded drift: sc in [now - DRIFT, now] */
			do
			:: sc[i] + DRIFT < now -> sc[i]++
			:: else -> break
			od;
			do
			:: sc[i] < now -> sc[i]++
			:: true -> break
			od;
			/* the agent's timers */
			if
			:: slv[i] == SLV_ACTIVE && sc[i] + EARLY >= lend[i] ->
				deactivate(i)
			:: slv[i] == SLV_REQUESTING && sc[i] + 1 >= nonce[i] + LEASE ->
				slave_idle(i)
			:: slv[i] == SLV_RELEASING && sc[i] + 1 >= nonce[i] + LEASE ->
				slave_idle(i)
			:: slv[i] == SLV_IDLE && sc[i] >= nonce[i] -> nonce[i] = 0
			:: else -> skip
			fi;
			/* the kernel's deadline, on the same clock */
			if
			:: ken[i] && kdl[i] != 0 && sc[i] >= kdl[i] ->
#ifdef REACH_KERNEL
				kernel_only = slv[i] == SLV_DOWN;
				assert(!kernel_only);
#endif
				card_off(i)
			:: else -> skip
			fi;
			/* the modem leaves the network at the latest a guard time after */
			if
			:: net[i] && !ken[i] && now >= det[i] -> net[i] = 0; det[i] = 0
			:: else -> skip
			fi;
			i++
		:: else -> break
		od;
		i = 0;
		/* the master's own modem, its own use, and the lease timer */
		if
		:: mnet && mdet != 0 && now >= mdet -> mnet = 0; mdet = 0
		:: else -> skip
		fi;
		if
		:: mst == MST_SELF && mgive != 0 && now >= mgive ->
			mgive = 0;
			master_free()
		:: mst == MST_GRANTED && now >= held_until -> master_expire()
		:: mst == MST_SELF && mgive == 0 ->	/* share give */
			mgive = now + GUARD;
			mdet = now + GUARD
		:: mst == MST_SELF && mgive == 0 -> skip
		:: else -> skip
		fi;
		check()
	}
	od
}

init
{
	atomic {
		byte i;

		do
		:: i < NSLV ->
			slv[i] = SLV_IDLE;
			link[i] = 1;
			run slave(i);
			i++
		:: else -> break
		od;
		run master();
		run network();
		run clock()
	}
}
