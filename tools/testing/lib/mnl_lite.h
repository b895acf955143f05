/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mnl_lite.h - the small part of the libmnl API the vuicc selftests use,
 * header-only, for targets with no libmnl package (the 32-bit big-endian
 * PowerPC guest, built with -static).  Written from <linux/netlink.h> and
 * libmnl's documented behaviour; not libmnl's code.
 *
 * What the callers rely on, as libmnl does it:
 *  - attribute walks stop at the first attribute that is too short or runs
 *    past the end of its message or nest (mnl_attr_ok());
 *  - mnl_attr_parse*() call the callback for each attribute in turn and
 *    stop at the first return <= MNL_CB_STOP, returning it;
 *  - mnl_attr_get_type() drops NLA_F_NESTED and NLA_F_NET_BYTEORDER;
 *  - mnl_socket_bind() learns the port id the kernel gave;
 *  - mnl_socket_recvfrom() fails with ENOSPC on a truncated message.
 * The put functions do no bounds checks: the buffer must be big enough.
 */
#ifndef VUICC_MNL_LITE_H
#define VUICC_MNL_LITE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <linux/netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* callback verdicts */
#define MNL_CB_ERROR	-1
#define MNL_CB_STOP	0
#define MNL_CB_OK	1

typedef int (*mnl_attr_cb_t)(const struct nlattr *attr, void *data);

/* a page, at most 8 KiB: what libmnl recommends for a receive buffer */
#define MNL_SOCKET_BUFFER_SIZE \
	(sysconf(_SC_PAGESIZE) < 8192L ? sysconf(_SC_PAGESIZE) : 8192L)
#define MNL_SOCKET_AUTOPID	0

#define MNL_NLMSG_HDRLEN	NLMSG_ALIGN(sizeof(struct nlmsghdr))
#define MNL_ATTR_HDRLEN		NLA_ALIGN(sizeof(struct nlattr))

/* sockets */

struct mnl_socket {
	int fd;
	struct sockaddr_nl addr;
};

static inline struct mnl_socket *mnl_socket_open(int bus)
{
	struct mnl_socket *nl = calloc(1, sizeof(*nl));
	int err;

	if (!nl)
		return NULL;
	nl->fd = socket(AF_NETLINK, SOCK_RAW, bus);
	if (nl->fd < 0) {
		err = errno;
		free(nl);
		errno = err;
		return NULL;
	}
	return nl;
}

static inline int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups,
				  pid_t pid)
{
	socklen_t len = sizeof(nl->addr);

	memset(&nl->addr, 0, sizeof(nl->addr));
	nl->addr.nl_family = AF_NETLINK;
	nl->addr.nl_groups = groups;
	nl->addr.nl_pid = (uint32_t)pid;
	if (bind(nl->fd, (struct sockaddr *)&nl->addr, sizeof(nl->addr)) < 0)
		return -1;
	/* with MNL_SOCKET_AUTOPID the kernel chose the port id: read it back */
	if (getsockname(nl->fd, (struct sockaddr *)&nl->addr, &len) < 0)
		return -1;
	if (len != sizeof(nl->addr) || nl->addr.nl_family != AF_NETLINK) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static inline int mnl_socket_close(struct mnl_socket *nl)
{
	int ret = close(nl->fd);

	free(nl);
	return ret;
}

static inline int mnl_socket_get_fd(const struct mnl_socket *nl)
{
	return nl->fd;
}

static inline unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	return nl->addr.nl_pid;
}

static inline int mnl_socket_setsockopt(const struct mnl_socket *nl, int type,
					void *buf, socklen_t len)
{
	return setsockopt(nl->fd, SOL_NETLINK, type, buf, len);
}

/* to the kernel (port id 0) */
static inline ssize_t mnl_socket_sendto(const struct mnl_socket *nl,
					const void *buf, size_t len)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };

	return sendto(nl->fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to));
}

/* One datagram; -1 with errno ENOSPC when it did not fit in @bufsiz. */
static inline ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl,
					  void *buf, size_t bufsiz)
{
	struct sockaddr_nl from;
	struct iovec iov = { .iov_base = buf, .iov_len = bufsiz };
	struct msghdr msg = {
		.msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t ret;

	ret = recvmsg(nl->fd, &msg, 0);
	if (ret < 0)
		return ret;
	if (msg.msg_flags & MSG_TRUNC) {
		errno = ENOSPC;
		return -1;
	}
	if (msg.msg_namelen != sizeof(from)) {
		errno = EINVAL;
		return -1;
	}
	return ret;
}

/* messages */

static inline struct nlmsghdr *mnl_nlmsg_put_header(void *buf)
{
	struct nlmsghdr *nlh = buf;

	memset(nlh, 0, MNL_NLMSG_HDRLEN);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN;
	return nlh;
}

/* @size zeroed bytes (aligned) after the header: the family's own header */
static inline void *mnl_nlmsg_put_extra_header(struct nlmsghdr *nlh, size_t size)
{
	char *p = (char *)nlh + nlh->nlmsg_len;

	nlh->nlmsg_len += NLMSG_ALIGN(size);
	memset(p, 0, NLMSG_ALIGN(size));
	return p;
}

static inline void *mnl_nlmsg_get_payload(const struct nlmsghdr *nlh)
{
	return (char *)nlh + MNL_NLMSG_HDRLEN;
}

static inline void *mnl_nlmsg_get_payload_offset(const struct nlmsghdr *nlh,
						 size_t offset)
{
	return (char *)nlh + MNL_NLMSG_HDRLEN + NLMSG_ALIGN(offset);
}

static inline void *mnl_nlmsg_get_payload_tail(const struct nlmsghdr *nlh)
{
	return (char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len);
}

/* Whether a whole message starts at @nlh within the @len bytes left. */
static inline bool mnl_nlmsg_ok(const struct nlmsghdr *nlh, int len)
{
	return len >= (int)sizeof(*nlh) &&
	       nlh->nlmsg_len >= sizeof(*nlh) &&
	       (int)nlh->nlmsg_len <= len;
}

static inline struct nlmsghdr *mnl_nlmsg_next(const struct nlmsghdr *nlh,
					      int *len)
{
	uint32_t step = NLMSG_ALIGN(nlh->nlmsg_len);

	*len -= (int)step;
	return (void *)((char *)nlh + step);
}

/* attributes */

static inline uint16_t mnl_attr_get_type(const struct nlattr *attr)
{
	return attr->nla_type & NLA_TYPE_MASK;
}

static inline uint16_t mnl_attr_get_payload_len(const struct nlattr *attr)
{
	return attr->nla_len - MNL_ATTR_HDRLEN;
}

static inline void *mnl_attr_get_payload(const struct nlattr *attr)
{
	return (char *)attr + MNL_ATTR_HDRLEN;
}

/* Whether a whole attribute starts at @attr within the @len bytes left. */
static inline bool mnl_attr_ok(const struct nlattr *attr, int len)
{
	return len >= (int)sizeof(*attr) &&
	       attr->nla_len >= sizeof(*attr) &&
	       (int)attr->nla_len <= len;
}

static inline struct nlattr *mnl_attr_next(const struct nlattr *attr)
{
	return (void *)((char *)attr + NLA_ALIGN(attr->nla_len));
}

static inline uint8_t mnl_attr_get_u8(const struct nlattr *attr)
{
	return *(const uint8_t *)mnl_attr_get_payload(attr);
}

static inline uint16_t mnl_attr_get_u16(const struct nlattr *attr)
{
	uint16_t v;

	memcpy(&v, mnl_attr_get_payload(attr), sizeof(v));
	return v;
}

static inline uint32_t mnl_attr_get_u32(const struct nlattr *attr)
{
	uint32_t v;

	memcpy(&v, mnl_attr_get_payload(attr), sizeof(v));
	return v;
}

/* a u64 payload is only 4-byte aligned in the message */
static inline uint64_t mnl_attr_get_u64(const struct nlattr *attr)
{
	uint64_t v;

	memcpy(&v, mnl_attr_get_payload(attr), sizeof(v));
	return v;
}

static inline const char *mnl_attr_get_str(const struct nlattr *attr)
{
	return mnl_attr_get_payload(attr);
}

/* Every attribute after @offset bytes of family header in @nlh. */
#define mnl_attr_for_each(attr, nlh, offset)					\
	for ((attr) = mnl_nlmsg_get_payload_offset((nlh), (offset));		\
	     mnl_attr_ok((attr), (int)((char *)mnl_nlmsg_get_payload_tail(nlh) -	\
				       (char *)(attr)));			\
	     (attr) = mnl_attr_next(attr))

/* Every attribute inside the nest @nest. */
#define mnl_attr_for_each_nested(attr, nest)					\
	for ((attr) = mnl_attr_get_payload(nest);				\
	     mnl_attr_ok((attr), (int)((char *)mnl_attr_get_payload(nest) +	\
				       mnl_attr_get_payload_len(nest) -		\
				       (char *)(attr)));			\
	     (attr) = mnl_attr_next(attr))

static inline int mnl_attr_parse(const struct nlmsghdr *nlh, unsigned int offset,
				 mnl_attr_cb_t cb, void *data)
{
	const struct nlattr *attr;
	int ret;

	mnl_attr_for_each(attr, nlh, offset) {
		ret = cb(attr, data);
		if (ret <= MNL_CB_STOP)
			return ret;
	}
	return MNL_CB_OK;
}

static inline int mnl_attr_parse_nested(const struct nlattr *nest,
					mnl_attr_cb_t cb, void *data)
{
	const struct nlattr *attr;
	int ret;

	mnl_attr_for_each_nested(attr, nest) {
		ret = cb(attr, data);
		if (ret <= MNL_CB_STOP)
			return ret;
	}
	return MNL_CB_OK;
}

/* Appends an attribute at the tail of @nlh, its padding zeroed. */
static inline void mnl_attr_put(struct nlmsghdr *nlh, uint16_t type, size_t len,
				const void *data)
{
	struct nlattr *attr = mnl_nlmsg_get_payload_tail(nlh);
	size_t total = MNL_ATTR_HDRLEN + len;

	attr->nla_type = type;
	attr->nla_len = (uint16_t)total;
	memcpy(mnl_attr_get_payload(attr), data, len);
	memset((char *)attr + total, 0, NLA_ALIGN(total) - total);
	nlh->nlmsg_len += NLA_ALIGN(total);
}

static inline void mnl_attr_put_u8(struct nlmsghdr *nlh, uint16_t type,
				   uint8_t data)
{
	mnl_attr_put(nlh, type, sizeof(data), &data);
}

static inline void mnl_attr_put_u32(struct nlmsghdr *nlh, uint16_t type,
				    uint32_t data)
{
	mnl_attr_put(nlh, type, sizeof(data), &data);
}

static inline void mnl_attr_put_u64(struct nlmsghdr *nlh, uint16_t type,
				    uint64_t data)
{
	mnl_attr_put(nlh, type, sizeof(data), &data);
}

/* the string with its NUL */
static inline void mnl_attr_put_strz(struct nlmsghdr *nlh, uint16_t type,
				     const char *data)
{
	mnl_attr_put(nlh, type, strlen(data) + 1, data);
}

/* Opens a nest of @type; mnl_attr_nest_end() sets its length. */
static inline struct nlattr *mnl_attr_nest_start(struct nlmsghdr *nlh,
						 uint16_t type)
{
	struct nlattr *start = mnl_nlmsg_get_payload_tail(nlh);

	start->nla_type = NLA_F_NESTED | type;
	start->nla_len = 0;
	nlh->nlmsg_len += MNL_ATTR_HDRLEN;
	return start;
}

static inline void mnl_attr_nest_end(struct nlmsghdr *nlh, struct nlattr *start)
{
	start->nla_len = (uint16_t)((char *)mnl_nlmsg_get_payload_tail(nlh) -
				    (char *)start);
}

#endif /* VUICC_MNL_LITE_H */
