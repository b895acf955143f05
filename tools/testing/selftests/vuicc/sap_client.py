#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A small Bluetooth SIM Access Profile (SAP V11r00) client, written from the
specification (§5: message format, §5.1 messages, §5.2 parameters), sharing
nothing with vuicc's server (agent/core/sap.c): it is the test's oracle.

A message is
    MsgId(1) NumberOfParameters(1) Reserved(2, zero)
    NumberOfParameters x
        ParameterId(1) Reserved(1, zero) ParameterLength(2, big endian)
        ParameterValue(ParameterLength) Padding(zero, to a multiple of 4)

Transports: a stream socket (unix:PATH, tcp:HOST:PORT) or RFCOMM
(rfcomm:BDADDR:CHANNEL, AF_BLUETOOTH / BTPROTO_RFCOMM).  Nothing here prints
message contents: APDUs carry PINs, RANDs, RES and keys.
"""
import errno
import socket
import struct
import time

# message ids (§5.1)
CONNECT_REQ = 0x00
CONNECT_RESP = 0x01
DISCONNECT_REQ = 0x02
DISCONNECT_RESP = 0x03
DISCONNECT_IND = 0x04
TRANSFER_APDU_REQ = 0x05
TRANSFER_APDU_RESP = 0x06
TRANSFER_ATR_REQ = 0x07
TRANSFER_ATR_RESP = 0x08
POWER_SIM_OFF_REQ = 0x09
POWER_SIM_OFF_RESP = 0x0A
POWER_SIM_ON_REQ = 0x0B
POWER_SIM_ON_RESP = 0x0C
RESET_SIM_REQ = 0x0D
RESET_SIM_RESP = 0x0E
TRANSFER_CARD_READER_STATUS_REQ = 0x0F
TRANSFER_CARD_READER_STATUS_RESP = 0x10
STATUS_IND = 0x11
ERROR_RESP = 0x12
SET_TRANSPORT_PROTOCOL_REQ = 0x13
SET_TRANSPORT_PROTOCOL_RESP = 0x14

MSG_NAMES = {v: k for k, v in dict(globals()).items()
             if isinstance(v, int) and k.isupper() and (k.endswith("_REQ") or k.endswith("_RESP")
                                                         or k.endswith("_IND"))}

# parameter ids (§5.2)
P_MAX_MSG_SIZE = 0x00
P_CONNECTION_STATUS = 0x01
P_RESULT_CODE = 0x02
P_DISCONNECTION_TYPE = 0x03
P_COMMAND_APDU = 0x04
P_RESPONSE_APDU = 0x05
P_ATR = 0x06
P_CARD_READER_STATUS = 0x07
P_STATUS_CHANGE = 0x08
P_TRANSPORT_PROTOCOL = 0x09
P_COMMAND_APDU_7816 = 0x10

# ConnectionStatus (§5.2.2)
CONN_OK, CONN_ERROR, CONN_MAX_UNSUPPORTED, CONN_MAX_TOO_SMALL, CONN_OK_CALL = range(5)
# ResultCode (§5.2.3)
R_OK, R_ERROR, R_NOT_ACCESSIBLE, R_POWERED_OFF, R_REMOVED, R_POWERED_ON, \
    R_DATA_NOT_AVAILABLE, R_NOT_SUPPORTED = range(8)
RESULT_NAMES = ["OK", "no reason", "not accessible", "powered off", "removed",
                "already on", "data not available", "not supported"]
# StatusChange (§5.2.8)
ST_UNKNOWN, ST_RESET, ST_NOT_ACCESSIBLE, ST_REMOVED, ST_INSERTED, ST_RECOVERED = range(6)
STATUS_NAMES = ["unknown error", "card reset", "card not accessible", "card removed",
                "card inserted", "card recovered"]
# DisconnectionType (§5.2.4)
DISC_GRACEFUL, DISC_IMMEDIATE = 0, 1


class SapError(Exception):
    pass


class LinkClosed(SapError):
    pass


def msg_name(mid):
    return MSG_NAMES.get(mid, f"0x{mid:02X}")


def result_name(r):
    return RESULT_NAMES[r] if r is not None and 0 <= r < len(RESULT_NAMES) else f"{r}"


def encode(mid, params=(), reserved=b"\0\0", nparams=None, pad=b"\0"):
    """One message.  @params: (id, bytes) pairs.  The other arguments make
    malformed messages for the tests: the header's reserved bytes, a wrong
    parameter count, the padding byte."""
    out = bytearray([mid, len(params) if nparams is None else nparams]) + reserved
    for pid, val in params:
        out += struct.pack(">BBH", pid, 0, len(val)) + val
        out += pad * (-len(val) % 4)
    return bytes(out)


def frame_len(buf):
    """The length of the message at the start of @buf, None when more bytes
    are needed to tell."""
    if len(buf) < 4:
        return None
    n, off = buf[1], 4
    for _ in range(n):
        if len(buf) < off + 4:
            return None
        plen = struct.unpack_from(">H", buf, off + 2)[0]
        off += 4 + plen + (-plen % 4)
    return off


def decode(buf):
    """(MsgId, [(ParameterId, value)]) of one whole message; SapError when
    it breaks §5.1: reserved bytes, padding, trailing bytes."""
    if len(buf) < 4:
        raise SapError(f"message of {len(buf)} bytes")
    if buf[2] or buf[3]:
        raise SapError(f"{msg_name(buf[0])}: header reserved bytes {buf[2]:02X}{buf[3]:02X}")
    params, off = [], 4
    for i in range(buf[1]):
        if len(buf) < off + 4:
            raise SapError(f"{msg_name(buf[0])}: parameter {i} cut off")
        pid, res, plen = struct.unpack_from(">BBH", buf, off)
        if res:
            raise SapError(f"{msg_name(buf[0])}: parameter {pid:02X} reserved byte {res:02X}")
        off += 4
        val = bytes(buf[off:off + plen])
        pad = bytes(buf[off + plen:off + plen + (-plen % 4)])
        if len(val) < plen or len(pad) < -plen % 4:
            raise SapError(f"{msg_name(buf[0])}: parameter {pid:02X} cut off")
        if any(pad):
            raise SapError(f"{msg_name(buf[0])}: parameter {pid:02X} padding {pad.hex()}")
        params.append((pid, val))
        off += plen + len(pad)
    if off != len(buf):
        raise SapError(f"{msg_name(buf[0])}: {len(buf) - off} bytes after the parameters")
    return buf[0], params


# the parameters of each message the server sends (§5.1): (mandatory, optional)
SERVER_MSGS = {
    CONNECT_RESP: ({P_CONNECTION_STATUS}, {P_MAX_MSG_SIZE}),
    DISCONNECT_RESP: (set(), set()),
    DISCONNECT_IND: ({P_DISCONNECTION_TYPE}, set()),
    TRANSFER_APDU_RESP: ({P_RESULT_CODE}, {P_RESPONSE_APDU}),
    TRANSFER_ATR_RESP: ({P_RESULT_CODE}, {P_ATR}),
    POWER_SIM_OFF_RESP: ({P_RESULT_CODE}, set()),
    POWER_SIM_ON_RESP: ({P_RESULT_CODE}, set()),
    RESET_SIM_RESP: ({P_RESULT_CODE}, set()),
    TRANSFER_CARD_READER_STATUS_RESP: ({P_RESULT_CODE}, {P_CARD_READER_STATUS}),
    STATUS_IND: ({P_STATUS_CHANGE}, set()),
    ERROR_RESP: (set(), set()),
    SET_TRANSPORT_PROTOCOL_RESP: ({P_RESULT_CODE}, set()),
}
ONE_BYTE = {P_CONNECTION_STATUS, P_RESULT_CODE, P_DISCONNECTION_TYPE, P_CARD_READER_STATUS,
            P_STATUS_CHANGE, P_TRANSPORT_PROTOCOL}


class Msg:
    def __init__(self, mid, params):
        self.id, self.params = mid, params

    def get(self, pid):
        for p, v in self.params:
            if p == pid:
                return v
        return None

    def byte(self, pid):
        v = self.get(pid)
        return v[0] if v else None

    @property
    def result(self):
        return self.byte(P_RESULT_CODE)

    def __repr__(self):     # ids and lengths only, never values
        return f"{msg_name(self.id)}(" + ", ".join(
            f"{p:02X}:{v[0]:02X}" if p in ONE_BYTE and len(v) == 1 else f"{p:02X}:{len(v)}B"
            for p, v in self.params) + ")"


def check_server_msg(m):
    """A server message's parameters as §5.1 lists them; SapError if not."""
    if m.id not in SERVER_MSGS:
        raise SapError(f"server sent message id 0x{m.id:02X}")
    mand, opt = SERVER_MSGS[m.id]
    ids = [p for p, _ in m.params]
    if len(set(ids)) != len(ids):
        raise SapError(f"{m!r}: a parameter twice")
    if not mand <= set(ids) or not set(ids) <= mand | opt:
        raise SapError(f"{m!r}: parameters {sorted(ids)}, §5.1 wants {sorted(mand)} (+{sorted(opt)})")
    for p, v in m.params:
        if p in ONE_BYTE and len(v) != 1:
            raise SapError(f"{m!r}: parameter {p:02X} of {len(v)} bytes")
        if p == P_MAX_MSG_SIZE and len(v) != 2:
            raise SapError(f"{m!r}: MaxMsgSize of {len(v)} bytes")
    if m.id in (TRANSFER_APDU_RESP, TRANSFER_ATR_RESP, TRANSFER_CARD_READER_STATUS_RESP):
        has = len(m.params) == 2
        if has != (m.result == R_OK):
            raise SapError(f"{m!r}: data {'with' if has else 'without'} result {result_name(m.result)}")


# the local controller RFCOMM connects from when none is given (a test
# sets it once: sap_e2e.py --local)
RFCOMM_LOCAL = None


def open_transport(spec, timeout=10.0, local=None):
    """unix:PATH, tcp:HOST:PORT or rfcomm:BDADDR:CHANNEL -> a connected socket
    (over RFCOMM from the controller whose address is local, if given: the
    kernel's route for an unbound socket is whichever controller is up)"""
    kind, _, rest = spec.partition(":")
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        addr = rest
    elif kind == "tcp":
        host, _, port = rest.rpartition(":")
        s = socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(timeout)
        return s
    elif kind == "rfcomm":
        bd, _, ch = rest.rpartition(":")
        local = local or RFCOMM_LOCAL
        # the previous session's DLC on the channel may still be closing
        # (reset, busy or refused for a moment): try again for 5 s, as a
        # car kit does
        deadline = time.monotonic() + 5.0
        while True:
            s = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_STREAM, socket.BTPROTO_RFCOMM)
            s.settimeout(timeout)
            try:
                if local:
                    s.bind((local, 0))
                s.connect((bd, int(ch)))
                return s
            except OSError as e:
                s.close()
                if (e.errno not in (errno.ECONNRESET, errno.ECONNREFUSED, errno.EBUSY)
                        or time.monotonic() > deadline):
                    raise
                time.sleep(0.2)
    else:
        raise ValueError(f"transport {spec!r}: unix:PATH, tcp:HOST:PORT or rfcomm:BDADDR:CHANNEL")
    s.settimeout(timeout)
    s.connect(addr)
    return s


class SapLink:
    """The framing of a stream: whole messages in, whole messages out."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()
        self.closed = False

    @classmethod
    def open(cls, spec, timeout=10.0):
        return cls(open_transport(spec, timeout))

    def send(self, data):
        self.sock.sendall(data)

    def recv_raw(self, timeout=5.0):
        """One message's bytes; LinkClosed at EOF (a partial message then
        raises SapError), socket.timeout when none comes."""
        deadline = time.monotonic() + timeout
        while True:
            n = frame_len(self.buf)
            if n is not None and len(self.buf) >= n:
                raw = bytes(self.buf[:n])
                del self.buf[:n]
                return raw
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout(f"no whole message in {timeout} s ({len(self.buf)} bytes held)")
            self.sock.settimeout(left)
            try:
                d = self.sock.recv(65536)
            except ConnectionResetError:
                d = b""
            if not d:
                self.closed = True
                if self.buf:
                    raise SapError(f"link closed inside a message ({len(self.buf)} bytes)")
                raise LinkClosed("link closed")
            self.buf += d

    def recv(self, timeout=5.0):
        m = Msg(*decode(self.recv_raw(timeout)))
        check_server_msg(m)
        return m

    def wait_closed(self, timeout=3.0):
        """True when the peer closes within @timeout (messages before the
        close are dropped and returned as the second value)."""
        got = []
        try:
            while True:
                got.append(self.recv(timeout))
        except LinkClosed:
            return True, got
        except socket.timeout:
            return False, got
        except OSError:
            return True, got

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class SapClient:
    """A SAP client's procedures (§4).  STATUS_IND and DISCONNECT_IND that
    arrive while waiting for a response are kept in .indications."""

    def __init__(self, link):
        self.link = link
        self.indications = []
        self.max_msg_size = None
        self.atr = None

    @classmethod
    def open(cls, spec, timeout=10.0):
        return cls(SapLink.open(spec, timeout))

    def send(self, mid, params=()):
        self.link.send(encode(mid, params))

    def expect(self, mid, timeout=5.0):
        while True:
            m = self.link.recv(timeout)
            if m.id in (STATUS_IND, DISCONNECT_IND) and mid not in (STATUS_IND, DISCONNECT_IND):
                self.indications.append(m)
                continue
            if m.id != mid:
                raise SapError(f"expected {msg_name(mid)}, got {m!r}")
            return m

    def indication(self, timeout=5.0):
        if self.indications:
            return self.indications.pop(0)
        m = self.link.recv(timeout)
        if m.id not in (STATUS_IND, DISCONNECT_IND):
            raise SapError(f"expected STATUS_IND, got {m!r}")
        return m

    def connect_req(self, size):
        self.send(CONNECT_REQ, [(P_MAX_MSG_SIZE, struct.pack(">H", size))])
        m = self.expect(CONNECT_RESP)
        mx = m.get(P_MAX_MSG_SIZE)
        return m.byte(P_CONNECTION_STATUS), (struct.unpack(">H", mx)[0] if mx else None)

    def connect(self, size=0xFFFF, retries=1):
        """§4.1: CONNECT_REQ; on 0x02 (or 0x03) once more with the size the
        server gave.  Returns the list of (asked, status, server's size)."""
        steps = []
        for _ in range(retries + 1):
            st, mx = self.connect_req(size)
            steps.append((size, st, mx))
            if st in (CONN_OK, CONN_OK_CALL):
                self.max_msg_size = size
                return steps
            if st in (CONN_MAX_UNSUPPORTED, CONN_MAX_TOO_SMALL) and mx:
                size = mx
                continue
            break
        raise SapError(f"CONNECT refused: {steps}")

    def transfer_atr(self):
        self.send(TRANSFER_ATR_REQ)
        m = self.expect(TRANSFER_ATR_RESP)
        if m.result == R_OK:
            self.atr = m.get(P_ATR)
        return m.result, m.get(P_ATR)

    def apdu_raw(self, cmd, p=P_COMMAND_APDU, timeout=5.0):
        self.send(TRANSFER_APDU_REQ, [(p, bytes(cmd))])
        m = self.expect(TRANSFER_APDU_RESP, timeout)
        return m.result, m.get(P_RESPONSE_APDU)

    def apdu(self, cmd, timeout=5.0):
        """One APDU as a T=0 terminal's user sees it: GET RESPONSE after 61xx
        and the command again with Le=XX after 6Cxx, should the server leave
        them to the client.  Returns (result, response, extra exchanges)."""
        cmd = bytes(cmd)
        extra = 0
        res, rsp = self.apdu_raw(cmd, timeout=timeout)
        if res == R_OK and rsp and len(rsp) == 2 and rsp[0] == 0x6C:
            extra += 1
            res, rsp = self.apdu_raw(cmd[:4] + bytes([rsp[1]]) if len(cmd) <= 5
                                     else cmd, timeout=timeout)
        while res == R_OK and rsp and len(rsp) >= 2 and (rsp[-2] == 0x61 or
                                                          (rsp[-2] == 0x9F and cmd[0] == 0xA0)):
            extra += 1
            data = rsp[:-2]
            # GET RESPONSE on the command's channel (TS 102 221 §10.1.1)
            cla = 0xA0 if cmd[0] == 0xA0 else (0x40 | cmd[0] & 0x0F) if cmd[0] & 0x40 else cmd[0] & 0x03
            res, rsp = self.apdu_raw(bytes([cla, 0xC0, 0, 0, rsp[-1]]), timeout=timeout)
            if res == R_OK:
                rsp = data + rsp
        return res, rsp, extra

    def simple(self, req, resp, params=()):
        self.send(req, params)
        return self.expect(resp).result

    def power_off(self):
        return self.simple(POWER_SIM_OFF_REQ, POWER_SIM_OFF_RESP)

    def power_on(self):
        return self.simple(POWER_SIM_ON_REQ, POWER_SIM_ON_RESP)

    def reset(self):
        return self.simple(RESET_SIM_REQ, RESET_SIM_RESP)

    def reader_status(self):
        self.send(TRANSFER_CARD_READER_STATUS_REQ)
        m = self.expect(TRANSFER_CARD_READER_STATUS_RESP)
        return m.result, m.byte(P_CARD_READER_STATUS)

    def set_protocol(self, t):
        return self.simple(SET_TRANSPORT_PROTOCOL_REQ, SET_TRANSPORT_PROTOCOL_RESP,
                           [(P_TRANSPORT_PROTOCOL, bytes([t]))])

    def disconnect(self):
        self.send(DISCONNECT_REQ)
        return self.expect(DISCONNECT_RESP)

    def close(self):
        self.link.close()


def parse_atr(atr):
    """ISO/IEC 7816-3 §8.2: the ATR's structure.  Returns a dict (protocols,
    historical bytes, tck) or raises SapError."""
    if len(atr) < 2 or atr[0] not in (0x3B, 0x3F):
        raise SapError(f"ATR: TS {atr[:1].hex()} is neither 3B nor 3F")
    i, y, k = 1, atr[1] >> 4, atr[1] & 0x0F
    protos, n = set(), 1
    i = 2
    while True:
        for bit in (0x1, 0x2, 0x4):
            if y & bit:
                i += 1
        td = None
        if y & 0x8:
            if i >= len(atr):
                raise SapError("ATR cut off in the interface bytes")
            td = atr[i]
            i += 1
            protos.add(td & 0x0F)
        if i > len(atr):
            raise SapError("ATR cut off in the interface bytes")
        if td is None:
            break
        y, n = td >> 4, n + 1
    if not protos:
        protos.add(0)
    hist = atr[i:i + k]
    if len(hist) < k:
        raise SapError(f"ATR: {k} historical bytes announced, {len(hist)} there")
    i += k
    need_tck = protos != {0}
    tck = None
    if need_tck:
        if i >= len(atr):
            raise SapError("ATR: TCK missing (a protocol other than T=0 is offered)")
        x = 0
        for b in atr[1:i + 1]:
            x ^= b
        if x:
            raise SapError(f"ATR: TCK wrong (XOR of T0..TCK is {x:02X})")
        tck = atr[i]
        i += 1
    if i != len(atr):
        raise SapError(f"ATR: {len(atr) - i} bytes after the end")
    return {"protocols": sorted(protos), "historical": hist, "tck": tck}


def _selftest():
    """the codec against hand-made bytes (SAP V11r00 §5.1 layout)"""
    m = encode(CONNECT_REQ, [(P_MAX_MSG_SIZE, b"\x01\x10")])
    assert m == bytes.fromhex("00010000" "00000002" "01100000"), m.hex()
    m = encode(TRANSFER_APDU_REQ, [(P_COMMAND_APDU, bytes.fromhex("80F2000C00"))])
    assert m == bytes.fromhex("05010000" "04000005" "80F2000C00" "000000"), m.hex()
    assert frame_len(m[:3]) is None and frame_len(m[:8]) == 16 and frame_len(m) == 16
    assert decode(m) == (TRANSFER_APDU_REQ, [(P_COMMAND_APDU, bytes.fromhex("80F2000C00"))])
    two = encode(TRANSFER_APDU_RESP, [(P_RESULT_CODE, b"\0"), (P_RESPONSE_APDU, b"\x90\x00")])
    assert two == bytes.fromhex("06020000" "02000001" "00000000" "05000002" "90000000"), two.hex()
    check_server_msg(Msg(*decode(two)))
    for bad in (encode(5, [(4, b"\1")], reserved=b"\0\1"), encode(5, [(4, b"\1")], pad=b"\xff"),
                two + b"\0", two[:-1]):
        try:
            decode(bad)
            raise AssertionError(f"decoded {bad.hex()}")
        except SapError:
            pass
    for bad in (Msg(TRANSFER_APDU_RESP, [(P_RESULT_CODE, b"\0")]),
                Msg(TRANSFER_APDU_RESP, [(P_RESULT_CODE, b"\3"), (P_RESPONSE_APDU, b"\x90\0")]),
                Msg(STATUS_IND, [(P_STATUS_CHANGE, b"\1\1")]), Msg(CONNECT_REQ, [])):
        try:
            check_server_msg(bad)
            raise AssertionError(f"accepted {bad!r}")
        except SapError:
            pass
    a = parse_atr(bytes.fromhex("3B9A96801FC78031E073FE211B829000A0"))
    assert a["protocols"] == [0, 15] and len(a["historical"]) == 10 and a["tck"] == 0xA0
    assert parse_atr(bytes.fromhex("3B0200FF"))["tck"] is None
    for bad in ("3B9A96801FC78031E073FE211B829000A1", "3B9A96801FC78031E073FE211B8290", "3C00"):
        try:
            parse_atr(bytes.fromhex(bad))
            raise AssertionError(f"ATR {bad} accepted")
        except SapError:
            pass
    print("ok - sap_client codec self-test")


if __name__ == "__main__":
    _selftest()
