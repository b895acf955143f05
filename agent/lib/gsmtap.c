// SPDX-License-Identifier: GPL-2.0
/*
 * GSMTAP SIM messages and pcap records of them (see gsmtap.h).
 */
#include <string.h>

#include "gsmtap.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

size_t gsmtap_sim(uint8_t *out, size_t max, uint8_t sub_type,
		  const uint8_t *payload, size_t len)
{
	if (len > max || GSMTAP_HDR_LEN > max - len)
		return 0;
	memset(out, 0, GSMTAP_HDR_LEN);
	out[0] = GSMTAP_VERSION;
	out[1] = GSMTAP_HDR_LEN / 4;
	out[2] = GSMTAP_TYPE_SIM;
	out[12] = sub_type;
	memcpy(out + GSMTAP_HDR_LEN, payload, len);
	return GSMTAP_HDR_LEN + len;
}

size_t gsmtap_sim_apdu_payload(uint8_t *out, size_t max, const uint8_t *cmd,
			       size_t cmd_len, const uint8_t *rsp, size_t rsp_len)
{
	size_t n, body = 0;

	if (cmd_len < 4 || rsp_len < 2)
		return 0;
	/* ISO/IEC 7816-3 §12.2: the TPDU of the APDU */
	if (cmd_len == 4 || cmd_len == 5) {
		body = 0;
	} else if (cmd[4] && (cmd_len == 5u + cmd[4] || cmd_len == 6u + cmd[4])) {
		body = cmd[4];
	} else {
		return 0;		/* extended lengths: no T=0 shape */
	}
	n = 5 + body + rsp_len;
	if (n > max)
		return 0;
	memcpy(out, cmd, 4);
	out[4] = cmd_len == 4 ? 0 : cmd[4];
	memcpy(out + 5, cmd + 5, body);
	memcpy(out + 5 + body, rsp, rsp_len);
	return n;
}

void pcap_file_header(uint8_t *out)
{
	put32le(out, 0xA1B23C4D);	/* nanosecond timestamps */
	out[4] = 2, out[5] = 0;		/* version 2.4, little endian */
	out[6] = 4, out[7] = 0;
	put32le(out + 8, 0);
	put32le(out + 12, 0);
	put32le(out + 16, 65535);	/* snaplen */
	put32le(out + 20, 228);		/* LINKTYPE_IPV4 */
}

static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)~s;
}

size_t pcap_gsmtap_record(uint8_t *out, size_t max, uint64_t time_ns,
			  const uint8_t *msg, size_t len)
{
	size_t pkt = PCAP_IPV4_UDP_LEN + len, n = PCAP_REC_HDR_LEN + pkt;
	uint8_t *ip = out + PCAP_REC_HDR_LEN, *udp = ip + 20;

	if (len > 65535 - PCAP_IPV4_UDP_LEN || n > max)
		return 0;
	put32le(out, (uint32_t)(time_ns / 1000000000u));
	put32le(out + 4, (uint32_t)(time_ns % 1000000000u));
	put32le(out + 8, (uint32_t)pkt);
	put32le(out + 12, (uint32_t)pkt);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)pkt);
	ip[8] = 64;			/* TTL */
	ip[9] = 17;			/* UDP */
	ip[12] = 127, ip[15] = 1;	/* 127.0.0.1 */
	ip[16] = 127, ip[19] = 1;
	put16(ip + 10, ip_checksum(ip, 20));
	put16(udp, GSMTAP_UDP_PORT);
	put16(udp + 2, GSMTAP_UDP_PORT);
	put16(udp + 4, (uint16_t)(8 + len));
	put16(udp + 6, 0);		/* no checksum (IPv4 allows it) */
	memcpy(udp + 8, msg, len);
	return n;
}
