/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of vuicc (events/vuicc/ in tracefs): what the modem side and
 * a card exchanged, already redacted by vuicc_trace.c.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vuicc

#if !defined(_VUICC_TRACE_EVENTS_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VUICC_TRACE_EVENTS_H

#include <linux/tracepoint.h>

TRACE_EVENT(vuicc_event,
	    TP_PROTO(u32 card, u32 path, u32 event),
	    TP_ARGS(card, path, event),
	    TP_STRUCT__entry(__field(u32, card)
			     __field(u32, path)
			     __field(u32, event)),
	    TP_fast_assign(__entry->card = card;
			   __entry->path = path;
			   __entry->event = event;),
	    TP_printk("card=%u path=%s %s", __entry->card,
		      __entry->path == 2 ? "t0" : "chardev",
		      __print_symbolic(__entry->event,
				       { 1, "power-on" }, { 2, "power-off" },
				       { 3, "reset-cold" }, { 4, "reset-warm" }))
);

TRACE_EVENT(vuicc_atr,
	    TP_PROTO(u32 card, u32 path, const u8 *atr, u32 len),
	    TP_ARGS(card, path, atr, len),
	    TP_STRUCT__entry(__field(u32, card)
			     __field(u32, path)
			     __dynamic_array(u8, atr, len)),
	    TP_fast_assign(__entry->card = card;
			   __entry->path = path;
			   memcpy(__get_dynamic_array(atr), atr, len);),
	    TP_printk("card=%u path=%s atr=%*phN", __entry->card,
		      __entry->path == 2 ? "t0" : "chardev",
		      __get_dynamic_array_len(atr), __get_dynamic_array(atr))
);

TRACE_EVENT(vuicc_pps,
	    TP_PROTO(u32 card, const u8 *req, u32 req_len, const u8 *rsp, u32 rsp_len),
	    TP_ARGS(card, req, req_len, rsp, rsp_len),
	    TP_STRUCT__entry(__field(u32, card)
			     __dynamic_array(u8, req, req_len)
			     __dynamic_array(u8, rsp, rsp_len)),
	    TP_fast_assign(__entry->card = card;
			   memcpy(__get_dynamic_array(req), req, req_len);
			   memcpy(__get_dynamic_array(rsp), rsp, rsp_len);),
	    TP_printk("card=%u request=%*phN response=%*phN", __entry->card,
		      __get_dynamic_array_len(req), __get_dynamic_array(req),
		      __get_dynamic_array_len(rsp), __get_dynamic_array(rsp))
);

/* the bytes are redacted before they get here (vuicc_trace.c) */
TRACE_EVENT(vuicc_apdu,
	    TP_PROTO(u32 card, u32 path, const u8 *cmd, u32 cmd_len, const u8 *rsp,
		     u32 rsp_len, bool redacted),
	    TP_ARGS(card, path, cmd, cmd_len, rsp, rsp_len, redacted),
	    TP_STRUCT__entry(__field(u32, card)
			     __field(u32, path)
			     __field(bool, redacted)
			     __dynamic_array(u8, cmd, cmd_len)
			     __dynamic_array(u8, rsp, rsp_len)),
	    TP_fast_assign(__entry->card = card;
			   __entry->path = path;
			   __entry->redacted = redacted;
			   memcpy(__get_dynamic_array(cmd), cmd, cmd_len);
			   memcpy(__get_dynamic_array(rsp), rsp, rsp_len);),
	    TP_printk("card=%u path=%s command=%*phN response=%*phN%s", __entry->card,
		      __entry->path == 2 ? "t0" : "chardev",
		      __get_dynamic_array_len(cmd), __get_dynamic_array(cmd),
		      __get_dynamic_array_len(rsp), __get_dynamic_array(rsp),
		      __entry->redacted ? " (redacted)" : "")
);

#endif /* _VUICC_TRACE_EVENTS_H */

/* out of tree: the header is found beside this file */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vuicc_trace_events
#include <trace/define_trace.h>
