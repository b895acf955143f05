// SPDX-License-Identifier: GPL-2.0
/*
 * vuicc-sap: the SIM Access profile registered with BlueZ (org.bluez.
 * ProfileManager1.RegisterProfile, BlueZ's doc/profile-api.txt), with the
 * SDP record SAP V11r00 §7.1 defines, written here (no sdptool).
 *
 * BlueZ listens on the RFCOMM channel with the security asked
 * (RequireAuthentication: an authenticated, encrypted link;
 * RequireAuthorization: the device must be trusted, or its user's agent
 * must say yes) and calls our org.bluez.Profile1.NewConnection with the
 * connected socket.  When bluetoothd restarts, the profile is registered
 * again (NameOwnerChanged of org.bluez).
 *
 * libdbus-1 is used directly (OpenWrt's BlueZ package uses it too); the bus
 * is driven from vuicc-sap's epoll loop through its fd.
 */
#include <dbus/dbus.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "sapd.h"

#define SAP_UUID	"0000112d-0000-1000-8000-00805f9b34fb"
#define PROFILE_PATH	"/org/vuicc/sap"

struct sapd_bluez {
	DBusConnection *bus;
	uint16_t channel;
	sapd_bluez_conn_cb cb;
	void *arg;
	bool registered;
	int fd;
};

/* SAP V11r00 §7.1: SIM Access + Generic Telephony, L2CAP, RFCOMM channel,
 * the public browse group, profile version 1.1 (V11r00: 0x0101), a service name */
static const char sdp_record_fmt[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
	"<record>\n"
	" <attribute id=\"0x0001\"><sequence>\n"
	"  <uuid value=\"0x112d\"/><uuid value=\"0x1204\"/>\n"
	" </sequence></attribute>\n"
	" <attribute id=\"0x0004\"><sequence>\n"
	"  <sequence><uuid value=\"0x0100\"/></sequence>\n"
	"  <sequence><uuid value=\"0x0003\"/><uint8 value=\"0x%02x\"/></sequence>\n"
	" </sequence></attribute>\n"
	" <attribute id=\"0x0005\"><sequence><uuid value=\"0x1002\"/></sequence></attribute>\n"
	" <attribute id=\"0x0009\"><sequence>\n"
	"  <sequence><uuid value=\"0x112d\"/><uint16 value=\"0x0101\"/></sequence>\n"
	" </sequence></attribute>\n"
	" <attribute id=\"0x0100\"><text value=\"SIM Access\"/></attribute>\n"
	"</record>\n";

static void dict_add(DBusMessageIter *dict, const char *key, int type, const void *val)
{
	DBusMessageIter entry, var;
	char sig[2] = { (char)type, 0 };

	dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
	dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
	dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, sig, &var);
	dbus_message_iter_append_basic(&var, type, val);
	dbus_message_iter_close_container(&entry, &var);
	dbus_message_iter_close_container(dict, &entry);
}

static int register_profile(struct sapd_bluez *b)
{
	const char *path = PROFILE_PATH, *uuid = SAP_UUID;
	const char *name = "SIM Access", *role = "server";
	char record[sizeof(sdp_record_fmt) + 8];
	const char *rec = record;
	dbus_bool_t yes = TRUE, no = FALSE;
	DBusMessageIter it, dict;
	DBusMessage *m, *r;
	DBusError err;

	snprintf(record, sizeof(record), sdp_record_fmt, b->channel);
	m = dbus_message_new_method_call("org.bluez", "/org/bluez",
					 "org.bluez.ProfileManager1", "RegisterProfile");
	if (!m)
		return -ENOMEM;
	dbus_message_iter_init_append(m, &it);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_OBJECT_PATH, &path);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &uuid);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict);
	dict_add(&dict, "Name", DBUS_TYPE_STRING, &name);
	dict_add(&dict, "Role", DBUS_TYPE_STRING, &role);
	dict_add(&dict, "Channel", DBUS_TYPE_UINT16, &b->channel);
	dict_add(&dict, "RequireAuthentication", DBUS_TYPE_BOOLEAN, &yes);
	dict_add(&dict, "RequireAuthorization", DBUS_TYPE_BOOLEAN, &yes);
	dict_add(&dict, "AutoConnect", DBUS_TYPE_BOOLEAN, &no);
	dict_add(&dict, "ServiceRecord", DBUS_TYPE_STRING, &rec);
	dbus_message_iter_close_container(&it, &dict);

	dbus_error_init(&err);
	r = dbus_connection_send_with_reply_and_block(b->bus, m, 5000, &err);
	dbus_message_unref(m);
	if (!r) {
		log_err("sap: BlueZ RegisterProfile: %s", err.message ? err.message : "failed");
		dbus_error_free(&err);
		return -EIO;
	}
	dbus_message_unref(r);
	b->registered = true;
	log_notice("sap: SIM Access profile registered with BlueZ on RFCOMM channel %u",
		   (unsigned int)b->channel);
	return 0;
}

/* /org/bluez/hci0/dev_00_11_22_33_44_55 -> 00:11:22:33:44:55 */
static void device_addr(const char *path, char *out, size_t len)
{
	const char *d = strstr(path, "/dev_");
	size_t i;

	snprintf(out, len, "%s", d ? d + 5 : "?");
	for (i = 0; out[i]; i++)
		if (out[i] == '_')
			out[i] = ':';
}

static DBusHandlerResult profile_call(DBusConnection *bus, DBusMessage *m, void *data)
{
	struct sapd_bluez *b = data;
	DBusMessage *reply = NULL;

	if (dbus_message_is_method_call(m, "org.bluez.Profile1", "NewConnection")) {
		DBusMessageIter it;
		const char *dev = NULL;
		char addr[32];
		int fd = -1;

		if (dbus_message_iter_init(m, &it) &&
		    dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_OBJECT_PATH) {
			dbus_message_iter_get_basic(&it, &dev);
			if (dbus_message_iter_next(&it) &&
			    dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_UNIX_FD)
				dbus_message_iter_get_basic(&it, &fd);	/* ours */
		}
		if (!dev || fd < 0) {
			reply = dbus_message_new_error(m, "org.bluez.Error.InvalidArguments",
						       "NewConnection(o, h, a{sv})");
			if (fd >= 0)
				close(fd);
		} else {
			device_addr(dev, addr, sizeof(addr));
			reply = dbus_message_new_method_return(m);
			b->cb(b->arg, fd, addr);
		}
	} else if (dbus_message_is_method_call(m, "org.bluez.Profile1", "RequestDisconnection")) {
		/* the session's link is closed by the peer or by us; nothing kept here */
		reply = dbus_message_new_method_return(m);
	} else if (dbus_message_is_method_call(m, "org.bluez.Profile1", "Release")) {
		b->registered = false;
		log_warn("sap: BlueZ released the SIM Access profile");
		reply = dbus_message_new_method_return(m);
	} else {
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	}
	if (reply) {
		dbus_connection_send(bus, reply, NULL);
		dbus_message_unref(reply);
	}
	return DBUS_HANDLER_RESULT_HANDLED;
}

/* bluetoothd (re)started: register again */
static DBusHandlerResult bus_signal(DBusConnection *bus, DBusMessage *m, void *data)
{
	struct sapd_bluez *b = data;
	const char *name, *old, *new;

	if (!dbus_message_is_signal(m, DBUS_INTERFACE_DBUS, "NameOwnerChanged") ||
	    !dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &old,
				   DBUS_TYPE_STRING, &new, DBUS_TYPE_INVALID) ||
	    strcmp(name, "org.bluez"))
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	if (!*new) {
		b->registered = false;
		log_warn("sap: bluetoothd left the bus");
	} else {
		register_profile(b);	/* logs its own failure */
	}
	return DBUS_HANDLER_RESULT_HANDLED;
}

static const DBusObjectPathVTable profile_vtable = {
	.message_function = profile_call,
};

struct sapd_bluez *sapd_bluez_start(uint16_t channel, sapd_bluez_conn_cb cb, void *arg)
{
	struct sapd_bluez *b;
	DBusError err;

	if (channel < 1 || channel > 30) {
		log_err("sap: RFCOMM channel %u: 1 to 30", (unsigned int)channel);
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->channel = channel;
	b->cb = cb;
	b->arg = arg;
	dbus_error_init(&err);
	b->bus = dbus_bus_get_private(DBUS_BUS_SYSTEM, &err);
	if (!b->bus) {
		log_err("sap: the system bus: %s", err.message ? err.message : "unreachable");
		dbus_error_free(&err);
		free(b);
		return NULL;
	}
	dbus_connection_set_exit_on_disconnect(b->bus, FALSE);
	if (!dbus_connection_get_unix_fd(b->bus, &b->fd) ||
	    !dbus_connection_register_object_path(b->bus, PROFILE_PATH, &profile_vtable, b) ||
	    !dbus_connection_add_filter(b->bus, bus_signal, b, NULL)) {
		log_err("sap: the system bus: cannot set up");
		sapd_bluez_stop(b);
		return NULL;
	}
	dbus_bus_add_match(b->bus, "type='signal',sender='org.freedesktop.DBus',"
			   "member='NameOwnerChanged',arg0='org.bluez'", NULL);
	if (register_profile(b)) {
		sapd_bluez_stop(b);
		return NULL;
	}
	return b;
}

bool sapd_bluez_registered(const struct sapd_bluez *b)
{
	return b->registered;
}

int sapd_bluez_fd(const struct sapd_bluez *b)
{
	return b->fd;
}

int sapd_bluez_process(struct sapd_bluez *b)
{
	if (!dbus_connection_read_write(b->bus, 0)) {
		log_err("sap: the system bus closed");
		b->registered = false;
		return -ENOTCONN;
	}
	while (dbus_connection_dispatch(b->bus) == DBUS_DISPATCH_DATA_REMAINS)
		;
	dbus_connection_flush(b->bus);
	return 0;
}

void sapd_bluez_stop(struct sapd_bluez *b)
{
	if (!b)
		return;
	if (b->registered) {
		const char *path = PROFILE_PATH;
		DBusMessage *m = dbus_message_new_method_call("org.bluez", "/org/bluez",
							      "org.bluez.ProfileManager1",
							      "UnregisterProfile");

		if (m) {
			dbus_message_append_args(m, DBUS_TYPE_OBJECT_PATH, &path,
						 DBUS_TYPE_INVALID);
			dbus_connection_send(b->bus, m, NULL);
			dbus_connection_flush(b->bus);
			dbus_message_unref(m);
		}
	}
	if (b->bus) {
		dbus_connection_close(b->bus);
		dbus_connection_unref(b->bus);
	}
	free(b);
}
