/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What share_chan.c (the handshake and the records) gives share_chan_pair.c
 * (the pairing); share_chan.h is the API.
 */
#ifndef VUICC_SHARE_CHAN_INT_H
#define VUICC_SHARE_CHAN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "share_chan.h"

/* BLAKE2b-256 of @m keyed with @key */
void sc_mac(uint8_t out[32], const uint8_t key[32], const uint8_t *m, size_t mlen);
/* BLAKE2b-256 of @label keyed with @key */
void sc_kdf(uint8_t out[32], const uint8_t key[32], const char *label);
/* ChaCha20-Poly1305 (IETF) under the zero nonce: each key seals once */
int sc_aead_seal(uint8_t *ct, const uint8_t key[32], const uint8_t *pt, size_t len,
		 const uint8_t *ad, size_t ad_len);
int sc_aead_open(uint8_t *pt, const uint8_t key[32], const uint8_t *ct, size_t len,
		 const uint8_t *ad, size_t ad_len);

#endif
