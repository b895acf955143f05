/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GSMTAP for SIM traffic (osmocom's SIMtrace convention: GSMTAP_TYPE_SIM,
 * UDP port 4729) and pcap files of it, for Wireshark and tshark.  No I/O
 * here: the encoders fill buffers, the caller sends or writes them.
 */
#ifndef VUICC_GSMTAP_H
#define VUICC_GSMTAP_H

#include <stddef.h>
#include <stdint.h>

#define GSMTAP_UDP_PORT		4729
#define GSMTAP_VERSION		0x02
#define GSMTAP_HDR_LEN		16
#define GSMTAP_TYPE_SIM		0x04
/* sub-types for GSMTAP_TYPE_SIM (libosmocore gsmtap.h) */
#define GSMTAP_SIM_APDU		0x00
#define GSMTAP_SIM_ATR		0x01
#define GSMTAP_SIM_PPS_REQ	0x02
#define GSMTAP_SIM_PPS_RSP	0x03

/* the longest GSMTAP SIM message: header, command and response */
#define GSMTAP_SIM_MAX		(GSMTAP_HDR_LEN + 5 + 255 + 256 + 2)

/*
 * A GSMTAP SIM message of @sub_type carrying @payload into @out.
 * Returns its length, or 0 when it does not fit in @max.
 */
size_t gsmtap_sim(uint8_t *out, size_t max, uint8_t sub_type,
		  const uint8_t *payload, size_t len);

/*
 * The APDU payload Wireshark's gsm_sim dissector reads: CLA INS P1 P2 P3,
 * the command data, the response data, SW1 SW2 -- the shape of a T=0
 * exchange.  A case 1 command gets P3 = 00, a case 4 command loses its Le.
 * Returns the length, or 0 when @cmd or @rsp is malformed or too long.
 */
size_t gsmtap_sim_apdu_payload(uint8_t *out, size_t max, const uint8_t *cmd,
			       size_t cmd_len, const uint8_t *rsp, size_t rsp_len);

/* pcap: LINKTYPE_IPV4 packets, 127.0.0.1 to 127.0.0.1, UDP to port 4729 */
#define PCAP_HDR_LEN		24
#define PCAP_REC_HDR_LEN	16
#define PCAP_IPV4_UDP_LEN	28

/* The pcap file header into @out (PCAP_HDR_LEN bytes). */
void pcap_file_header(uint8_t *out);

/*
 * One pcap record holding @msg (a GSMTAP message) in IPv4/UDP, stamped
 * @time_ns since the epoch.  Returns its length, or 0 when @max is short.
 */
size_t pcap_gsmtap_record(uint8_t *out, size_t max, uint64_t time_ns,
			  const uint8_t *msg, size_t len);

#endif
