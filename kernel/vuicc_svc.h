/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The service tables (EF_UST, TS 31.102 §4.2.8; EF_SST, TS 51.011 §10.3.7)
 * against the file system: which files each service brings, which files
 * every card has, and which files shall not be available while their
 * service is off.
 */
#ifndef _VUICC_SVC_H
#define _VUICC_SVC_H

#include <linux/types.h>

struct vuicc_file;
struct vuicc_fs;
struct vuicc_profile;

enum vuicc_svc_table {
	VUICC_SVC_NONE,		/* mandatory: every card has it */
	VUICC_SVC_UST,		/* a service of EF_UST */
	VUICC_SVC_SST,		/* a service of EF_SST */
};

/* the row's file shall not be available to the terminal while its service is off */
#define VUICC_SVC_HIDE_OFF	BIT(0)

/**
 * struct vuicc_svc_file - a file the specifications tie to a service
 * @table: &enum vuicc_svc_table
 * @service: the service number in that table (0 with %VUICC_SVC_NONE)
 * @flags: %VUICC_SVC_HIDE_OFF
 * @depth: FIDs in @path
 * @path: the path below the MF (7FFF: the USIM ADF)
 * @spec: the clause of the specification that lists the file
 * @need: the error when the service is on and the card lacks the file
 * @off: for %VUICC_SVC_HIDE_OFF, the error when a profile gives the file's
 *	content while the service is off
 */
struct vuicc_svc_file {
	u8 table;
	u8 service;
	u8 flags;
	u8 depth;
	u16 path[3];
	const char *spec;
	const char *need;
	const char *off;
};

/**
 * struct vuicc_svc_err - why a profile's file system was refused
 * @bad_file: the index in the profile's files of the content at fault, or -1
 * @why: for -EPROTO, the message naming the service and the file (static)
 * @table: for -EPROTO, the service table of a service the card does not
 *	support (&enum vuicc_svc_table), or 0
 * @service: that service's number
 */
struct vuicc_svc_err {
	int bad_file;
	const char *why;
	u8 table;
	u8 service;
};

extern const struct vuicc_svc_file vuicc_svc_files[];
extern const unsigned int vuicc_svc_n_files;

bool vuicc_svc_on(struct vuicc_fs *fs, u8 table, u8 service);
struct vuicc_file *vuicc_svc_find(struct vuicc_fs *fs, const struct vuicc_svc_file *r);
bool vuicc_svc_known(u8 table, u8 service);
bool vuicc_svc_is_table(const struct vuicc_file *f);
void vuicc_svc_refresh(struct vuicc_fs *fs);
int vuicc_svc_check(struct vuicc_fs *fs, const struct vuicc_profile *p,
		    struct vuicc_svc_err *err);
struct vuicc_fs *vuicc_svc_build(const struct vuicc_profile *p, struct vuicc_svc_err *err);

#endif /* _VUICC_SVC_H */
