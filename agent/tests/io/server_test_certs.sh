#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Makes the throwaway PKI of server_test in DIR (never committed):
#   ca.crt         the CA of the server and of device certificates
#   server.crt/key the SIM server (SAN 127.0.0.1, ::1, 192.0.2.1 (netsim), localhost)
#   client.crt/key a device certificate, CN=dev-cert, signed by ca
#   other-ca.crt   another CA: the server's certificate does not verify with it
#   rogue.crt/key  a device certificate CN=dev-cert signed by other-ca
# EC P-256 keys: quick to make.
#
#   server_test_certs.sh DIR
set -eu
d=$1
command -v openssl >/dev/null 2>&1 || {
	echo "server_test_certs.sh: openssl not found: apt-get install openssl" >&2
	exit 1
}
cd "$d"
umask 077
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"

ca() {	# NAME SUBJECT
	openssl req -x509 $ec -keyout "$1.key" -out "$1.crt" -days 2 \
		-subj "$2" -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

leaf() {	# NAME SUBJECT CA EXT
	openssl req $ec -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
	printf '%s\n' "$4" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" -CAcreateserial \
		-days 2 -out "$1.crt" -extfile "$1.ext" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

ca ca "/CN=vuicc test CA"
ca other-ca "/CN=vuicc other CA"
leaf server "/CN=vuicc-simserver" ca \
	"subjectAltName=IP:127.0.0.1,IP:::1,IP:192.0.2.1,DNS:localhost
extendedKeyUsage=serverAuth"
leaf client "/CN=dev-cert" ca "extendedKeyUsage=clientAuth"
leaf rogue "/CN=dev-cert" other-ca "extendedKeyUsage=clientAuth"
