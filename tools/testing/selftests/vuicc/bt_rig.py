#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The python side of the virtual Bluetooth rig (bt_rig.sh): BlueZ's D-Bus
# API (agent, adapter set-up, pairing) and RFCOMM test endpoints.  Runs with
# Debian's system python (/usr/bin/python3: python3-dbus, python3-gi and a
# socket module built with AF_BLUETOOTH).
#
#   agent CAPABILITY             a default agent that accepts everything:
#                                numeric comparison confirmed, services
#                                authorised; logs each request
#   adapters N TIMEOUT           wait for hci0..hci{N-1} in bluetoothd, then
#                                power them on, connectable, discoverable and
#                                pairable (no time-outs)
#   addr IDX                     print hciIDX's address
#   pair A B TIMEOUT             pair hciA with hciB (A initiates), both
#                                sides Paired and Trusted
#   power IDX on|off TIMEOUT     set Powered through bluetoothd
#   rfcomm-server ADDR CH        echo server (security high), one client at
#                                a time, forever
#   rfcomm-client LOCAL REMOTE CH STATEDIR TIMEOUT [hold]
#                                connect, exchange, then (hold) wait for the
#                                link to drop and record when
import os
import socket
import struct
import sys
import time

BLUEZ = 'org.bluez'
PROPS = 'org.freedesktop.DBus.Properties'
SOL_BLUETOOTH = 274
BT_SECURITY = 4
BT_SECURITY_HIGH = 3


def log(*args):
	print('bt_rig.py[%d] %.3f:' % (os.getpid(), time.time()), *args,
	      file=sys.stderr, flush=True)


def die(msg):
	log('error:', msg)
	sys.exit(1)


def dbus_mod():
	try:
		import dbus
	except ImportError:
		die('python3-dbus missing: install python3-dbus (make deps)')
	return dbus


def objects(bus):
	dbus = dbus_mod()
	om = dbus.Interface(bus.get_object(BLUEZ, '/'),
			    'org.freedesktop.DBus.ObjectManager')
	return om.GetManagedObjects()


def prop(bus, path, iface, name):
	return bus.get_object(BLUEZ, path).Get(iface, name, dbus_interface=PROPS)


def set_prop(bus, path, iface, name, value):
	bus.get_object(BLUEZ, path).Set(iface, name, value, dbus_interface=PROPS)


def dev_path(idx, addr):
	return '/org/bluez/hci%d/dev_%s' % (idx, addr.replace(':', '_'))


# ---- agent ----

def cmd_agent(cap):
	dbus = dbus_mod()
	import dbus.service
	import dbus.mainloop.glib
	from gi.repository import GLib

	dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
	bus = dbus.SystemBus()
	path = '/vuicc/bt_rig/agent'

	class Agent(dbus.service.Object):
		@dbus.service.method('org.bluez.Agent1', in_signature='',
				     out_signature='')
		def Release(self):
			log('agent: Release')

		@dbus.service.method('org.bluez.Agent1', in_signature='os',
				     out_signature='')
		def AuthorizeService(self, device, uuid):
			log('agent: AuthorizeService', device, uuid, '-> yes')

		@dbus.service.method('org.bluez.Agent1', in_signature='o',
				     out_signature='s')
		def RequestPinCode(self, device):
			log('agent: RequestPinCode', device, '-> 0000 (legacy!)')
			return '0000'

		@dbus.service.method('org.bluez.Agent1', in_signature='o',
				     out_signature='u')
		def RequestPasskey(self, device):
			log('agent: RequestPasskey', device, '-> 0')
			return dbus.UInt32(0)

		@dbus.service.method('org.bluez.Agent1', in_signature='ouq',
				     out_signature='')
		def DisplayPasskey(self, device, passkey, entered):
			log('agent: DisplayPasskey', device, '%06u' % passkey)

		@dbus.service.method('org.bluez.Agent1', in_signature='os',
				     out_signature='')
		def DisplayPinCode(self, device, pincode):
			log('agent: DisplayPinCode', device, pincode)

		@dbus.service.method('org.bluez.Agent1', in_signature='ou',
				     out_signature='')
		def RequestConfirmation(self, device, passkey):
			log('agent: RequestConfirmation (numeric comparison)',
			    device, '%06u' % passkey, '-> yes')

		@dbus.service.method('org.bluez.Agent1', in_signature='o',
				     out_signature='')
		def RequestAuthorization(self, device):
			log('agent: RequestAuthorization (just works)', device,
			    '-> yes')

		@dbus.service.method('org.bluez.Agent1', in_signature='',
				     out_signature='')
		def Cancel(self):
			log('agent: Cancel')

	Agent(bus, path)
	mgr = dbus.Interface(bus.get_object(BLUEZ, '/org/bluez'),
			     'org.bluez.AgentManager1')
	mgr.RegisterAgent(path, cap)
	mgr.RequestDefaultAgent(path)
	log('agent: registered as default,', cap)
	print('ready', flush=True)
	GLib.MainLoop().run()


# ---- adapters, pairing ----

def wait_for(what, timeout, fn, step=0.2):
	end = time.monotonic() + timeout
	last = None
	while True:
		try:
			v = fn()
			if v:
				return v
		except Exception as e:		# D-Bus errors while things appear
			last = e
		if time.monotonic() > end:
			die('timed out after %ss waiting for %s%s' %
			    (timeout, what, ' (last error: %s)' % last if last else ''))
		time.sleep(step)


def cmd_adapters(n, timeout):
	"""Wait for n adapters in bluetoothd (hci indexes may have gaps: a
	controller whose init timed out never reaches bluetoothd), set the
	first n up and print their indexes."""
	dbus = dbus_mod()
	bus = dbus.SystemBus()

	def present():
		objs = objects(bus)
		idx = sorted(int(p[len('/org/bluez/hci'):]) for p in objs
			     if p.startswith('/org/bluez/hci') and '/dev_' not in p
			     and 'org.bluez.Adapter1' in objs[p])
		return idx[:n] if len(idx) >= n else None
	idx = wait_for('%d adapters in bluetoothd' % n, timeout, present)
	paths = ['/org/bluez/hci%d' % i for i in idx]
	a = 'org.bluez.Adapter1'
	# a spare that came up too stays off (bluetoothd's AutoEnable is off,
	# but one powered by someone else would take unbound sockets' routes)
	objs = objects(bus)
	for p in objs:
		if (p.startswith('/org/bluez/hci') and '/dev_' not in p and p not in paths
				and a in objs[p] and bool(prop(bus, p, a, 'Powered'))):
			set_prop(bus, p, a, 'Powered', dbus.Boolean(False))
			log('adapter', p, 'spare: powered off')
	for p in paths:
		set_prop(bus, p, a, 'Powered', dbus.Boolean(True))
	for p in paths:
		wait_for('%s powered' % p, timeout,
			 lambda: bool(prop(bus, p, a, 'Powered')))
		set_prop(bus, p, a, 'DiscoverableTimeout', dbus.UInt32(0))
		set_prop(bus, p, a, 'PairableTimeout', dbus.UInt32(0))
		set_prop(bus, p, a, 'Pairable', dbus.Boolean(True))
		set_prop(bus, p, a, 'Discoverable', dbus.Boolean(True))
	for p in paths:
		wait_for('%s discoverable' % p, timeout,
			 lambda: bool(prop(bus, p, a, 'Discoverable')))
		log('adapter', p, str(prop(bus, p, a, 'Address')), 'up')
	print(' '.join(str(i) for i in idx))


def cmd_addr(idx):
	dbus = dbus_mod()
	bus = dbus.SystemBus()
	print(str(prop(bus, '/org/bluez/hci%d' % idx, 'org.bluez.Adapter1',
		       'Address')))


def cmd_power(idx, on, timeout):
	dbus = dbus_mod()
	bus = dbus.SystemBus()
	p = '/org/bluez/hci%d' % idx
	set_prop(bus, p, 'org.bluez.Adapter1', 'Powered', dbus.Boolean(on))
	wait_for('%s powered %s' % (p, on), timeout,
		 lambda: bool(prop(bus, p, 'org.bluez.Adapter1', 'Powered')) == on)


def cmd_pair(a, b, timeout):
	dbus = dbus_mod()
	bus = dbus.SystemBus()
	ai = 'org.bluez.Adapter1'
	di = 'org.bluez.Device1'
	apath = '/org/bluez/hci%d' % a
	addr_a = str(prop(bus, apath, ai, 'Address'))
	addr_b = str(prop(bus, '/org/bluez/hci%d' % b, ai, 'Address'))
	pa = dev_path(a, addr_b)	# B as seen from A
	pb = dev_path(b, addr_a)	# A as seen from B
	t0 = time.monotonic()

	if pa not in objects(bus):
		adapter = dbus.Interface(bus.get_object(BLUEZ, apath), ai)
		adapter.SetDiscoveryFilter({'Transport': 'bredr'})
		adapter.StartDiscovery()
		try:
			wait_for('hci%d to discover %s' % (a, addr_b), timeout,
				 lambda: pa in objects(bus))
		finally:
			try:
				adapter.StopDiscovery()
			except dbus.exceptions.DBusException:
				pass
		log('pair: hci%d found %s in %.2fs' % (a, addr_b,
						      time.monotonic() - t0))
	dev = dbus.Interface(bus.get_object(BLUEZ, pa), di)
	if not bool(prop(bus, pa, di, 'Paired')):
		try:
			dev.Pair(timeout=timeout)
		except dbus.exceptions.DBusException as e:
			if e.get_dbus_name() != 'org.bluez.Error.AlreadyExists':
				die('pair hci%d -> %s: %s' % (a, addr_b, e))
	wait_for('%s Paired' % pa, timeout,
		 lambda: bool(prop(bus, pa, di, 'Paired')))
	set_prop(bus, pa, di, 'Trusted', dbus.Boolean(True))
	wait_for('%s Paired (the other side)' % pb, timeout,
		 lambda: bool(prop(bus, pb, di, 'Paired')))
	set_prop(bus, pb, di, 'Trusted', dbus.Boolean(True))
	log('pair: hci%d (%s) <-> hci%d (%s) paired and trusted in %.2fs' %
	    (a, addr_a, b, addr_b, time.monotonic() - t0))
	# no open link left behind: the tests make their own
	try:
		dev.Disconnect(timeout=timeout)
	except dbus.exceptions.DBusException:
		pass


# ---- RFCOMM ----

def rfcomm_socket():
	if not hasattr(socket, 'AF_BLUETOOTH'):
		die('%s has no AF_BLUETOOTH: use /usr/bin/python3' % sys.executable)
	s = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_STREAM,
			  socket.BTPROTO_RFCOMM)
	# authenticated and encrypted, as the SIM Access Profile requires
	s.setsockopt(SOL_BLUETOOTH, BT_SECURITY, struct.pack('BB',
							     BT_SECURITY_HIGH, 0))
	return s


def readline(s):
	buf = b''
	while not buf.endswith(b'\n'):
		c = s.recv(1)
		if not c:
			raise ConnectionError('EOF')
		buf += c
	return buf


def cmd_rfcomm_server(addr, ch):
	srv = rfcomm_socket()
	srv.bind((addr, ch))
	srv.listen(1)
	log('server: listening on %s channel %d' % (addr, ch))
	print('listening', flush=True)
	n = 0
	while True:
		c, peer = srv.accept()
		n += 1
		log('server: connection %d from %s' % (n, peer[0]))
		try:
			hello = b'HELLO %d\n' % n
			c.sendall(hello)
			while True:
				line = readline(c)
				if line.startswith(b'ECHO '):
					ok = line[5:] == hello
					log('server: client echoed our bytes: %s' %
					    ('ok' if ok else 'WRONG %r' % line))
					print('server-echo %s %d' % ('ok' if ok else 'bad', n),
					      flush=True)
				else:
					c.sendall(line)
		except OSError as e:
			log('server: connection %d ended: %s' % (n, e))
		c.close()


def cmd_rfcomm_client(local, remote, ch, state, timeout, hold):
	s = rfcomm_socket()
	s.bind((local, 0))
	s.settimeout(timeout)
	t0 = time.monotonic()
	s.connect((remote, ch))
	dt = time.monotonic() - t0
	log('client: connected %s -> %s channel %d in %.2fs' % (local, remote, ch, dt))
	with open(os.path.join(state, 'connect-time'), 'w') as f:
		f.write('%.2f\n' % dt)
	hello = readline(s)
	s.sendall(b'ECHO ' + hello)
	data = b'PING %s\n' % os.urandom(32).hex().encode()
	s.sendall(data)
	back = readline(s)
	if back != data:
		die('client: echo mismatch: sent %r got %r' % (data, back))
	log('client: server echoed our bytes')
	open(os.path.join(state, 'connected'), 'w').close()
	print('client-echo ok', flush=True)
	if not hold:
		s.close()
		return
	s.settimeout(None)
	try:
		while True:
			d = s.recv(256)
			if not d:
				why = 'EOF'
				break
	except OSError as e:
		why = str(e)
	t = time.time()
	log('client: link dropped (%s)' % why)
	with open(os.path.join(state, 'dropped.tmp'), 'w') as f:
		f.write('%.3f %s\n' % (t, why))
	os.rename(os.path.join(state, 'dropped.tmp'),
		  os.path.join(state, 'dropped'))


def main(argv):
	if len(argv) < 2:
		die('usage: see the head of %s' % argv[0])
	c, a = argv[1], argv[2:]
	if c == 'agent':
		cmd_agent(a[0] if a else 'DisplayYesNo')
	elif c == 'adapters':
		cmd_adapters(int(a[0]), float(a[1]))
	elif c == 'addr':
		cmd_addr(int(a[0]))
	elif c == 'pair':
		cmd_pair(int(a[0]), int(a[1]), float(a[2]))
	elif c == 'power':
		cmd_power(int(a[0]), a[1] == 'on', float(a[2]))
	elif c == 'rfcomm-server':
		cmd_rfcomm_server(a[0], int(a[1]))
	elif c == 'rfcomm-client':
		cmd_rfcomm_client(a[0], a[1], int(a[2]), a[3], float(a[4]),
				  len(a) > 5 and a[5] == 'hold')
	else:
		die('unknown command %s' % c)


if __name__ == '__main__':
	main(sys.argv)
