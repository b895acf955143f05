// SPDX-License-Identifier: GPL-2.0
/*
 * lease.pml - Promela model of the vuicc profile-sharing lease protocol.
 *
 * Checked by tools/testing/model/check (make check; VUICC_MODEL_BOUND=big
 * for make soak).  Build variants (cpp -D, passed through spin -D...):
 *
 *   (none)      the protocol.  Must hold: at most one active holder.
 *   NO_WAIT     broken: the master frees the profile as soon as it stops
 *               hearing from the holder (here: the holder's link drops),
 *               without waiting lease + margin -- a disconnect timer
 *               alone.  spin must find a violation.
 *   NO_MARGIN   broken: the master waits the lease but not the drift
 *               margin (DRIFT_MARGIN = 0 while DRIFT >= 1).  spin must
 *               find a violation.
 *   REACH       non-vacuity probe on the protocol: the assertion
 *               "no handover yet" must be violated, i.e. one slave
 *               becomes SLV_ACTIVE and later a different slave does.
 *   BIG         larger bounds (see below).
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
 * Master (mst, epoch, holder, held_until): MST_FREE, MST_SELF (the master
 * uses the profile itself; counts as active), MST_GRANTED (slave `holder`
 * holds lease `epoch` until the master's clock reaches `held_until`).
 * The fencing epoch grows by one on every grant, MST_SELF included.
 *   MST_FREE    REQUEST(n) from s: epoch++, holder = s,
 *               held_until = now + LEASE + DRIFT_MARGIN, GRANT(epoch, n).
 *               May take the profile: -> MST_SELF, epoch++.
 *   MST_SELF    REQUEST -> DENY.  May give the profile up (at a tick).
 *   MST_GRANTED REQUEST (anyone, the holder too) -> DENY.
 *               RENEW(epoch, n) from holder: held_until = now + LEASE +
 *               DRIFT_MARGIN, RENEWED(epoch, n).
 *               RELEASE(epoch, n) from holder: -> MST_FREE, RELEASED.
 *               now >= held_until: -> MST_FREE.
 *   Any RENEW/RELEASE not matching (holder, current epoch, MST_GRANTED) is
 *   stale: DENY(epoch, n), no state change.
 *
 * Slave i (slv[i], sc[i], nonce[i], ep[i], lend[i]): SLV_IDLE,
 * SLV_REQUESTING, SLV_ACTIVE (on the network with the profile: the
 * property's "active holder"), SLV_RELEASING.
 *   SLV_IDLE        at local time t sends REQUEST(t + 1) -> SLV_REQUESTING.
 *   SLV_REQUESTING  GRANT(e, nonce): -> SLV_ACTIVE, ep = e,
 *                   lend = t + LEASE on the slave's OWN clock, t being the
 *                   send time of the answered REQUEST (nonce - 1), not the
 *                   receive time.  DENY(nonce): -> SLV_IDLE.  No answer by
 *                   local time t + LEASE: -> SLV_IDLE (may retry).
 *   SLV_ACTIVE      at local t' sends RENEW(ep, t' + 1); RENEWED(ep, nonce)
 *                   sets lend = t' + LEASE.  Local clock reaches lend:
 *                   deactivates -> SLV_IDLE (immediately here; the C code
 *                   starts its guard earlier so that it is off the network
 *                   by then).  DENY(nonce) (stale renew): deactivates.
 *                   May release: deactivates first, then RELEASE(ep, t'+1)
 *                   -> SLV_RELEASING.
 *   SLV_RELEASING   RELEASED(ep, nonce) or local time t' + LEASE:
 *                   -> SLV_IDLE.
 *   Answers whose nonce (or epoch) is not the current one are ignored.
 *   A slave sends at most one REQUEST/RENEW/RELEASE per local tick, so a
 *   nonce names exactly one message (duplicates aside).  This matters: a
 *   duplicated GRANT of an already released lease must not be taken for
 *   the answer to a new REQUEST.
 *
 * Property: at most one of { mst == MST_SELF, slv[i] == SLV_ACTIVE } --
 * assert(ONE_HOLDER) at the end of every atomic step.  Every transition of
 * the model is one atomic step of one process, so every reachable state
 * is checked (works with -DSAFETY, no never claim needed).
 *
 * Abstraction
 * -----------
 * Time: a global discrete tick `now` (the clock process), which is also
 * the master's clock.  Each slave clock sc[i] is monotone and lags the
 * reference by 0..DRIFT ticks; at each tick it advances nondeterministically
 * by any amount that keeps it in [now - DRIFT, now] (so it may stall and
 * catch up: bounded drift).  Fast slave clocks only end leases earlier and
 * are not modelled.  Timers fire at the tick that reaches them, before any
 * message of that tick is handled.  Time stops at TMAX; what is in flight
 * is still delivered afterwards.  Message handling takes no time, and
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
 *    current iff its epoch == the master's epoch in MST_GRANTED; nothing
 *    newer than the current epoch exists), so the model renames them:
 *    a grant takes the smallest value that no slave holds and no message
 *    in flight carries (new_epoch), and epoch is reset to 0 in MST_FREE
 *    and MST_SELF, where it is never compared.  This is equivalent to the
 *    C counter's "epoch++ on every grant, MST_SELF included" (a new
 *    epoch differs from every earlier one still around) but keeps the
 *    values small.
 *  - forget(i): right before slave i sends and when it goes SLV_IDLE, the
 *    answers in flight to it are dropped and the nonces of its messages
 *    in flight zeroed: answers are matched by nonce, none is accepted in
 *    SLV_IDLE and a new nonce exceeds all earlier ones, so those answers
 *    could only be ignored; the master sends no answer to nonce 0.
 *  - In SLV_IDLE the nonce only says whether the slave may send in this
 *    local tick; once it may, the nonce is reset to 0.
 *  - Every step is one atomic transition of one process (slave i,
 *    master, network, clock), temporaries are reset at its end.
 *
 * Not modelled: message contents other than type/epoch/nonce (profile
 * data, authentication), crashes and reboots with loss of state (a
 * rebooted slave is a slave that went SLV_IDLE; a master reboot would need
 * a persisted epoch and waiting lease + margin first), processing delays
 * larger than a tick, clock drift of more than DRIFT over a lease, fast
 * slave clocks, the slave's early guard (deactivation is exact at lend),
 * more than two messages in flight at once (NFLIGHT), the master giving
 * MST_SELF up other than at a tick, time beyond TMAX.
 *
 * Bounds (default = make check; BIG = VUICC_MODEL_BOUND=big, make soak):
 *   NSLV 2, LEASE 2, DRIFT 1, DRIFT_MARGIN = DRIFT (0 with NO_MARGIN),
 *   TMAX 6 (8), CAP 2, NFLIGHT 2, NDUP 1, NDROP 1 (2).
 *   Default: about 2.8M states, 18.5M transitions, ~20 s, ~0.5 GB.
 *   BIG: about 7.5M states, 57M transitions, ~80 s with -DCOLLAPSE.
 *   (3 slaves at TMAX 6 did not finish within 5 minutes / 12M states.)
 *
 * Mapping to C names: the message names are the wire message types, the
 * state names are the master/slave state enums, epoch/nonce/held_until are
 * the fields of the same names; LEASE and DRIFT_MARGIN are the lease
 * length and drift margin constants (in ticks here).  sc[], lend[], ep[]
 * are the slave's clock, lease end and held epoch.
 */

#ifdef BIG
#define NSLV	2
#define TMAX	8
#define NDROP	2
#define NDUP	1
#define NFLIGHT	2
#else
#define NSLV	2
#define TMAX	6
#define NDROP	1
#define NDUP	1
#define NFLIGHT	2
#endif
#define LEASE	2
#define DRIFT	1
#ifdef NO_MARGIN
#define DRIFT_MARGIN	0
#else
#define DRIFT_MARGIN	DRIFT
#endif
#define CAP	2

mtype:msg = { REQUEST, GRANT, DENY, RENEW, RENEWED, RELEASE, RELEASED };
mtype:mst = { MST_FREE, MST_SELF, MST_GRANTED };
mtype:slv = { SLV_IDLE, SLV_REQUESTING, SLV_ACTIVE, SLV_RELEASING };

/* master */
mtype:mst mst = MST_FREE;
byte epoch;			/* fencing epoch, ++ on every grant */
byte holder = NSLV;		/* NSLV: none */
byte held_until;		/* master clock */
byte now;			/* reference (= master) clock */

/* slaves */
mtype:slv slv[NSLV];		/* initialised to SLV_IDLE below */
byte sc[NSLV];			/* slave clocks, now - DRIFT <= sc <= now */
byte nonce[NSLV];		/* last sent: send time + 1; 0 = none */
byte ep[NSLV];			/* epoch held (ACTIVE/RELEASING) */
byte lend[NSLV];		/* lease end, slave clock */

/* network */
chan s2m[NSLV] = [CAP] of { mtype:msg, byte, byte };	/* type, epoch, nonce */
chan m2s[NSLV] = [CAP] of { mtype:msg, byte, byte };
bool link[NSLV];
byte drops;			/* link drops so far, <= NDROP */
byte dups;			/* duplications so far, <= NDUP */

#ifdef REACH
byte lastact;			/* last slave that became active, + 1 */
#endif

#define on(i)	(slv[i] == SLV_ACTIVE)
#if NSLV == 2
#define ONE_HOLDER	((mst == MST_SELF) + on(0) + on(1) <= 1)
#elif NSLV == 3
#define ONE_HOLDER	((mst == MST_SELF) + on(0) + on(1) + on(2) <= 1)
#endif

/* epoch value v is referenced somewhere */
#define inflight(v)	(s2m[0]??[_, eval(v), _] || m2s[0]??[_, eval(v), _] || \
			 s2m[1]??[_, eval(v), _] || m2s[1]??[_, eval(v), _] || \
			 EXTRA_INFLIGHT(v))
#if NSLV == 2
#define EXTRA_INFLIGHT(v)	false
#define used(v)		(ep[0] == v || ep[1] == v || inflight(v))
#else
#define EXTRA_INFLIGHT(v)	(s2m[2]??[_, eval(v), _] || m2s[2]??[_, eval(v), _])
#define used(v)		(ep[0] == v || ep[1] == v || ep[2] == v || inflight(v))
#endif

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

inline master_free()
{
	mst = MST_FREE;
	holder = NSLV;
	held_until = 0;
	epoch = 0
}

/* messages in flight, all links */
#if NSLV == 2
#define FLIGHT	(len(s2m[0]) + len(m2s[0]) + len(s2m[1]) + len(m2s[1]))
#else
#define FLIGHT	(len(s2m[0]) + len(m2s[0]) + len(s2m[1]) + len(m2s[1]) + \
		 len(s2m[2]) + len(m2s[2]))
#endif

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

/*
 * Every answer is matched by nonce, a slave accepts none in SLV_IDLE, and a
 * new message gets a nonce above all earlier ones.  So right before slave i
 * sends, and when it goes SLV_IDLE, every answer in flight to it can only
 * be ignored, and the nonces of its older messages in flight can only be
 * echoed into such answers: drop those answers (the slave receives and
 * ignores them right now, one of the behaviours anyway) and zero those
 * nonces (the master does not answer nonce 0: the answer would be dead).
 * Sound, and it keeps the state space small.
 */
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
		slv[i] == SLV_ACTIVE ->		/* off the network first */
		slv[i] = SLV_RELEASING;
		lend[i] = 0;
		nonce[i] = sc[i] + 1;
		forget(i);
		send(s2m[i], i, RELEASE, ep[i], nonce[i]);
		check()
	}
	:: atomic {
		nempty(m2s[i]) ->
		recv_any(m2s[i], m, e, n);
		if
		:: m == GRANT && slv[i] == SLV_REQUESTING && n == nonce[i] ->
			slv[i] = SLV_ACTIVE;
			ep[i] = e;
			lend[i] = n - 1 + LEASE;
			assert(lend[i] > sc[i]);	/* timeout ran at the tick */
#ifdef REACH
			/* non-vacuity probe: must be violated */
			assert(lastact == 0 || lastact == i + 1);
			lastact = i + 1;
#endif
		:: m == DENY && n == nonce[i] && slv[i] != SLV_IDLE ->
			slave_idle(i)
		:: m == RENEWED && slv[i] == SLV_ACTIVE && e == ep[i] &&
		   n == nonce[i] ->
			lend[i] = n - 1 + LEASE
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
			held_until = now + LEASE + DRIFT_MARGIN;
			send(m2s[i], i, GRANT, epoch, n)
		:: m == REQUEST && mst != MST_FREE ->
			send(m2s[i], i, DENY, 0, n)
		:: m == RENEW && mst == MST_GRANTED && holder == i &&
		   e == epoch ->
			held_until = now + LEASE + DRIFT_MARGIN;
			send(m2s[i], i, RENEWED, e, n)
		:: m == RELEASE && mst == MST_GRANTED && holder == i &&
		   e == epoch ->
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
		mst == MST_FREE ->
		epoch = 0;			/* see "Epochs" above */
		mst = MST_SELF;
		check()
	}
	:: master_recv(0)
	:: master_recv(1)
#if NSLV > 2
	:: master_recv(2)
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
#if NSLV > 2
	:: linkdrop(2)
	:: linkup(2)
#endif
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
			/* slave timers */
			if
			:: slv[i] == SLV_ACTIVE && sc[i] >= lend[i] ->
				slave_idle(i)
			:: (slv[i] == SLV_REQUESTING || slv[i] == SLV_RELEASING) &&
			   sc[i] + 1 >= nonce[i] + LEASE ->
				slave_idle(i)
			:: slv[i] == SLV_IDLE && sc[i] >= nonce[i] -> nonce[i] = 0
			:: else -> skip
			fi;
			i++
		:: else -> break
		od;
		i = 0;
		/* master timer; the master may give its own use up */
		if
		:: mst == MST_GRANTED && now >= held_until -> master_free()
		:: mst == MST_SELF -> master_free()
		:: mst == MST_SELF -> skip
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
