// SPDX-License-Identifier: GPL-2.0
/*
 * The SIM-server client's libcurl (server_int.h), opened at the first
 * srv_init() rather than linked.
 */
#include <dlfcn.h>
#include <stdio.h>

#include "server_int.h"

struct srv_curl srv_cu;

#define CURL_SYM(f) { "curl_" #f, (void **)&srv_cu.f }

int srv_load_curl(char *err, size_t errlen)
{
	static const struct { const char *name; void **p; } syms[] = {
		CURL_SYM(global_init), CURL_SYM(global_cleanup), CURL_SYM(easy_init),
		CURL_SYM(easy_setopt), CURL_SYM(easy_getinfo), CURL_SYM(easy_cleanup),
		CURL_SYM(easy_strerror), CURL_SYM(multi_init), CURL_SYM(multi_setopt),
		CURL_SYM(multi_add_handle), CURL_SYM(multi_remove_handle),
		CURL_SYM(multi_socket_action), CURL_SYM(multi_info_read),
		CURL_SYM(multi_cleanup), CURL_SYM(multi_strerror), CURL_SYM(slist_append),
		CURL_SYM(slist_free_all), CURL_SYM(getdate),
	};
	const curl_version_info_data *(*version)(CURLversion v);
	const curl_version_info_data *vi;
	void *lib;
	size_t i;

	if (srv_cu.lib)
		return 0;
	lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(err, errlen, "server: cannot load libcurl (install libcurl4): %s",
			 dlerror());
		return -1;
	}
	*(void **)&version = dlsym(lib, "curl_version_info");
	vi = version ? version(CURLVERSION_NOW) : NULL;
	/* CURLOPT_PROTOCOLS_STR is 7.85 */
	if (!vi || vi->version_num < 0x075500 || !(vi->features & CURL_VERSION_SSL)) {
		snprintf(err, errlen, "server: libcurl %s: 7.85 or later with TLS needed",
			 vi ? vi->version : "?");
		dlclose(lib);
		return -1;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		*syms[i].p = dlsym(lib, syms[i].name);
		if (!*syms[i].p) {
			snprintf(err, errlen, "server: libcurl: no %s", syms[i].name);
			dlclose(lib);
			return -1;
		}
	}
	srv_cu.lib = lib;	/* never closed: OpenSSL does not like to be unloaded */
	return 0;
}
