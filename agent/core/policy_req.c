// SPDX-License-Identifier: GPL-2.0
/*
 * The policy core's SIM-server requests (policy_int.h): queued while the
 * data connection comes up, sent one at a time.
 */
#include <stdio.h>
#include <string.h>

#include "policy_int.h"

struct pol_action *pol_queue_action(struct policy *p, enum pol_srv_req r, int prof)
{
	struct pol_action *a;

	if (p->n_queue >= sizeof(p->queue) / sizeof(p->queue[0]))
		return NULL;
	a = &p->queue[p->n_queue++];
	memset(a, 0, sizeof(*a));
	a->kind = POL_ACT_SERVER;
	a->req = r;
	a->cause = -1;
	if (prof >= 0)
		pol_str_copy(a->profile, sizeof(a->profile), p->prof[prof].name);
	return a;
}

void pol_queue_request(struct policy *p, enum pol_srv_req r)
{
	struct pol_action *a = pol_queue_action(p, r, p->cur);
	unsigned int k;

	if (!a)
		return;
	switch (r) {
	case POL_REQ_SEEDS:
		a->count = p->cfg.standby_count;
		snprintf(a->why, sizeof(a->why), "first connection: ask for %u standby seeds",
			 a->count);
		break;
	case POL_REQ_VSIM:
		a->n_exclude = p->n_exclude;
		for (k = 0; k < p->n_exclude; k++)
			memcpy(a->exclude[k], p->exclude[k], sizeof(a->exclude[k]));
		if (p->phase == POL_P_VSIM_UP && p->cur >= 0)
			pol_str_copy(a->current, sizeof(a->current), p->prof[p->cur].name);
		pol_str_copy(a->why, sizeof(a->why), a->current[0] ?
			     "the VSIM expires soon: ask for the next one" :
			     "data is up: ask for a local VSIM");
		break;
	case POL_REQ_REPORT:
		a->report_kind = p->cur >= 0 ? p->prof[p->cur].kind : POL_SEED_MASTER;
		a->stage = POL_STAGE_UP;
		a->success = true;
		snprintf(a->why, sizeof(a->why), "report: connected");
		break;
	case POL_REQ_RELEASE:
		break;
	}
}

void pol_send_next_request(struct policy *p)
{
	struct pol_action *a;

	if (p->req_pending || !p->n_queue)
		return;
	a = pol_emit(p, POL_ACT_SERVER, -1, "%s", "");
	*a = p->queue[0];
	memmove(&p->queue[0], &p->queue[1], (--p->n_queue) * sizeof(p->queue[0]));
	p->req_pending = true;
	p->req_kind = a->req;
	/* past the data stage the client's own retries run first */
	p->req_deadline = p->now + 3ull * p->cfg.t_data_ms;
}

void pol_clear_requests(struct policy *p)
{
	p->n_queue = 0;
	p->req_pending = false;
	p->req_deadline = 0;
}
