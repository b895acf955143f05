/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VUICC_HEX_H
#define VUICC_HEX_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses hex digits into @out.  Spaces, tabs and ':' between bytes are
 * ignored.  Returns the number of bytes, or -1 for an odd number of digits,
 * a non-hex character, or more than @max bytes.
 */
long hex_decode(const char *s, uint8_t *out, size_t max);

/* Writes 2 * @len upper-case hex digits and a NUL to @out. */
void hex_encode(const uint8_t *in, size_t len, char *out);

#endif
