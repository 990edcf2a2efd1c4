// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of mktree's planner (user/tools/mktree.c) on synthetic
 * TREE arrays, without any kernel.
 *
 * model_run() is an independent model of what Linux does with the plan's
 * steps (clone3 with CLONE_PARENT / CLONE_THREAD / CLONE_NEWPID, setsid,
 * setpgid, exit with reparenting, wait): it refuses a step Linux would
 * refuse, and at the end compares every task's parent, exit signal,
 * session and process group with what the TREE says.  The tests check
 * specific plans (order of creation, helpers, clone flags, set_tid) and
 * run the model on them and on random trees made by simulating what real
 * programs do (fork, setsid, setpgid, exit, threads, new pid namespaces,
 * orphans reparented to their reaper).
 *
 * As root, the "probe" tests also build trees with the real clone3:
 * "mktree --probe" creates the tree, every task reports its pids, parent,
 * session and group, and mktree compares them with the image.
 */
#define _GNU_SOURCE
#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>
#include "kcr.h"
#include "mktree.h"
#include "imgwriter.h"

/* ---------------------------------------------------------------- TREE entries */

static struct ckpt_task_pids t_root(int32_t pid, int32_t pgid, int32_t sid)
{
	struct ckpt_task_pids e;

	memset(&e, 0, sizeof(e));
	e.pid = e.tgid = e.pids[0] = pid;
	e.nr_levels = 1;
	e.pgid = pgid;
	e.sid = sid;
	e.exit_signal = SIGCHLD;
	/* objrefs are unique across kinds */
	e.mm_ref = 10000 + (uint32_t)pid;
	e.files_ref = 20000 + (uint32_t)pid;
	e.fs_ref = 30000 + (uint32_t)pid;
	e.sighand_ref = 40000 + (uint32_t)pid;
	e.signal_ref = 50000 + (uint32_t)pid;
	e.pidns_ref = 1;
	if (pgid == pid)
		e.flags |= CKPT_TASK_GROUP_LEADER;
	if (sid == pid)
		e.flags |= CKPT_TASK_SESSION_LEADER;
	return e;
}

/* A child of p in p's namespace, its pids at deeper levels pid + 100 * level. */
static struct ckpt_task_pids t_child(const struct ckpt_task_pids *p, int32_t pid,
				     int32_t pgid, int32_t sid)
{
	struct ckpt_task_pids e = t_root(pid, pgid, sid);
	uint32_t k;

	e.ppid = p->tgid;
	e.nr_levels = p->nr_levels;
	e.pidns_ref = p->pidns_ref;
	for (k = 1; k < e.nr_levels; k++)
		e.pids[k] = pid + 100 * (int32_t)k;
	return e;
}

/* A child of p that is the init of a new pid namespace. */
static struct ckpt_task_pids t_newns(const struct ckpt_task_pids *p, int32_t pid,
				     int32_t pgid, int32_t sid)
{
	struct ckpt_task_pids e = t_child(p, pid, pgid, sid);

	e.nr_levels = p->nr_levels + 1;
	e.pids[e.nr_levels - 1] = 1;
	e.pidns_ref = 60000 + (uint32_t)pid;
	e.flags |= CKPT_TASK_NEWPIDNS;
	return e;
}

static struct ckpt_task_pids t_thread(const struct ckpt_task_pids *l, int32_t tid)
{
	struct ckpt_task_pids e = *l;
	uint32_t k;

	e.pid = e.pids[0] = tid;
	for (k = 1; k < e.nr_levels; k++)
		e.pids[k] = tid + 100 * (int32_t)k;
	e.flags = CKPT_TASK_THREAD;
	e.exit_signal = 0;
	return e;
}

/* ---------------------------------------------------------------- the model */

struct mproc {
	int exists, alive, reaped;
	int32_t parent, sess, grp;
	int32_t exit_signal;
};

struct model {
	const struct mktree_plan *p;
	struct mproc *m;
	int32_t *gsess;		/* session of the group led (once) by node */
	char err[600];
};

static int mfail(struct model *md, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int mfail(struct model *md, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(md->err, sizeof(md->err), fmt, ap);
	va_end(ap);
	return -1;
}

static int32_t tree_proc(const struct mktree_plan *p, int32_t pid)
{
	uint32_t i;

	for (i = 0; i < p->nr_tasks; i++)
		if (p->tasks[i].pid == pid && !(p->tasks[i].flags & CKPT_TASK_THREAD))
			return (int32_t)i;
	return MKTREE_NONE;
}

static int32_t helper_for(const struct mktree_plan *p, int kind, int32_t id)
{
	uint32_t i;

	for (i = p->nr_tasks; i < p->nr_nodes; i++)
		if (p->nodes[i].helper == kind && p->nodes[i].stands_for == id)
			return (int32_t)i;
	return MKTREE_NONE;
}

/* What the TREE says, in nodes: the rules of Documentation, independently. */
static int32_t want_session(const struct mktree_plan *p, uint32_t i)
{
	const struct ckpt_task_pids *e = &p->tasks[i], *r = &p->tasks[0];
	int rsl = r->sid == r->pid;
	int32_t l;

	if (e->sid == e->pid)
		return (int32_t)i;
	if (!e->sid || (!rsl && e->sid == r->sid))
		return MKTREE_OUTSIDE;
	l = tree_proc(p, e->sid);
	if (l < 0 && (p->flags & MKTREE_LIVE_OUTSIDE) && mktree_pid_in_use(e->sid))
		return MKTREE_OUTSIDE;	/* a live leader outside the tree */
	return l >= 0 ? l : helper_for(p, MKTREE_HELPER_SESSION, e->sid);
}

static int32_t want_group(const struct mktree_plan *p, uint32_t i)
{
	const struct ckpt_task_pids *e = &p->tasks[i], *r = &p->tasks[0];
	int rsl = r->sid == r->pid, newns = !!(p->flags & (MKTREE_PIDNS | MKTREE_SELF));
	int rgl = r->pgid == r->pid;
	int32_t l;

	/*
	 * A root that led its group leads it again; otherwise it stays in
	 * the tool's group, unless in a new pid namespace.
	 */
	if (i == 0 && !rsl && !newns && !rgl)
		return MKTREE_OUTSIDE;
	if (e->pgid == e->pid)
		return (int32_t)i;
	if (!e->pgid || (!rsl && !newns && !rgl && e->pgid == r->pgid))
		return MKTREE_OUTSIDE;
	l = tree_proc(p, e->pgid);
	if (l >= 0)
		return l;
	if ((p->flags & MKTREE_LIVE_OUTSIDE) && mktree_pid_in_use(e->pgid))
		return MKTREE_OUTSIDE;
	l = helper_for(p, MKTREE_HELPER_SESSION, e->pgid);
	return l >= 0 ? l : helper_for(p, MKTREE_HELPER_GROUP, e->pgid);
}

static int is_ns_init(const struct mktree_plan *p, int32_t node)
{
	if (node == 0)
		return !!(p->flags & (MKTREE_PIDNS | MKTREE_SELF));
	return (uint32_t)node < p->nr_tasks && (p->tasks[node].flags & CKPT_TASK_NEWPIDNS);
}

/* Who gets the children of an exiting helper: the init of its namespace. */
static int32_t reaper_of(const struct mktree_plan *p, int32_t node)
{
	int32_t ns = p->nodes[node].ns;

	if (ns > 0)
		return p->ns[ns].init;
	if ((p->flags & (MKTREE_PIDNS | MKTREE_SELF)) || p->root_subreaper)
		return 0;
	return MKTREE_OUTSIDE;
}

static int group_alive(struct model *md, int32_t g)
{
	uint32_t i;

	if (g == MKTREE_OUTSIDE)
		return 1;
	for (i = 0; i < md->p->nr_nodes; i++)
		if (md->m[i].exists && !md->m[i].reaped && md->m[i].grp == g)
			return 1;
	return 0;
}

static int model_step(struct model *md, uint32_t k)
{
	const struct mktree_plan *p = md->p;
	const struct mktree_step *s = &p->steps[k];
	struct mproc *a = &md->m[s->actor], *t;
	const struct mktree_node *nd;
	uint64_t f;
	uint32_t i;

	if (s->actor < 0 || (uint32_t)s->actor >= p->nr_nodes || !a->exists || !a->alive ||
	    p->nodes[s->actor].kind == MKTREE_THREAD)
		return mfail(md, "step %u: actor %d cannot act", k + 1, s->actor);
	switch (s->op) {
	case MKTREE_OP_CREATE:
		t = &md->m[s->target];
		nd = &p->nodes[s->target];
		f = nd->clone_flags;
		if (t->exists)
			return mfail(md, "step %u: node %d created twice", k + 1, s->target);
		t->exists = t->alive = 1;
		if (nd->kind == MKTREE_THREAD) {
			const struct ckpt_task_pids *e = &p->tasks[s->target];
			const struct ckpt_task_pids *l = &p->tasks[s->actor];
			uint64_t want = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_SYSVSEM;

			if (p->nodes[s->actor].kind != MKTREE_TASK || e->tgid != l->pid)
				return mfail(md, "step %u: thread %d created by %d, not its leader",
					     k + 1, s->target, s->actor);
			if (e->files_ref == l->files_ref)
				want |= CLONE_FILES;
			if (e->fs_ref == l->fs_ref)
				want |= CLONE_FS;
			if (f != want)
				return mfail(md, "step %u: thread %d flags 0x%llx, expected 0x%llx",
					     k + 1, s->target, (unsigned long long)f,
					     (unsigned long long)want);
			return 0;
		}
		if (f & (CLONE_THREAD | CLONE_VM | CLONE_SIGHAND))
			return mfail(md, "step %u: process %d with thread flags", k + 1, s->target);
		if (f & CLONE_PARENT) {
			/* Linux refuses it to an init; the child gets its creator's exit signal */
			if (is_ns_init(p, s->actor))
				return mfail(md, "step %u: CLONE_PARENT in an init (%d)", k + 1,
					     s->actor);
			t->parent = a->parent;
			t->exit_signal = a->exit_signal;
		} else {
			t->parent = s->actor;
			t->exit_signal = nd->exit_signal;
		}
		if (!!(f & CLONE_NEWPID) != ((uint32_t)s->target < p->nr_tasks &&
					     !!(p->tasks[s->target].flags & CKPT_TASK_NEWPIDNS)))
			return mfail(md, "step %u: CLONE_NEWPID of %d", k + 1, s->target);
		t->sess = a->sess;
		t->grp = a->grp;
		if (!(p->flags & MKTREE_NO_PIDS) && (uint32_t)s->target < p->nr_tasks) {
			const struct ckpt_task_pids *e = &p->tasks[s->target];
			pid_t tids[CKPT_PID_LEVELS_MAX];
			uint32_t n = mktree_set_tid(p, s->target, tids), j;

			if (n != e->nr_levels)
				return mfail(md, "step %u: set_tid of %d has %u pids", k + 1,
					     s->target, n);
			for (j = 0; j < n; j++)
				if (tids[j] != e->pids[e->nr_levels - 1 - j])
					return mfail(md, "step %u: set_tid[%u] of %d is %d", k + 1,
						     j, s->target, (int)tids[j]);
		}
		return 0;
	case MKTREE_OP_SETSID:
		if (a->grp == s->actor)
			return mfail(md, "step %u: setsid() in group leader %d", k + 1, s->actor);
		a->sess = a->grp = s->actor;
		md->gsess[s->actor] = s->actor;
		return 0;
	case MKTREE_OP_SETPGID:
		t = &md->m[s->target];
		if (s->target != s->actor && t->parent != s->actor)
			return mfail(md, "step %u: %d moves %d, not itself or its child", k + 1,
				     s->actor, s->target);
		if (!t->alive || t->sess == s->target)
			return mfail(md, "step %u: setpgid of session leader or dead %d", k + 1,
				     s->target);
		if (t->sess != a->sess)
			return mfail(md, "step %u: setpgid across sessions", k + 1);
		if (s->arg == s->target) {
			t->grp = s->target;
			md->gsess[s->target] = t->sess;
			return 0;
		}
		if (!group_alive(md, s->arg))
			return mfail(md, "step %u: group of %d does not exist", k + 1, s->arg);
		if ((s->arg == MKTREE_OUTSIDE ? MKTREE_OUTSIDE : md->gsess[s->arg]) != a->sess)
			return mfail(md, "step %u: group of %d in another session", k + 1, s->arg);
		t->grp = s->arg;
		return 0;
	case MKTREE_OP_EXIT:
		if (p->nodes[s->actor].kind != MKTREE_HELPER)
			return mfail(md, "step %u: task %d exits", k + 1, s->actor);
		a->alive = 0;
		for (i = 0; i < p->nr_nodes; i++)
			if (md->m[i].exists && md->m[i].alive && md->m[i].parent == s->actor &&
			    p->nodes[i].kind != MKTREE_THREAD) {
				md->m[i].parent = reaper_of(p, s->actor);
				md->m[i].exit_signal = SIGCHLD;	/* as reparenting does */
			}
		return 0;
	case MKTREE_OP_SETNS:	/* no effect on the tree: the target's init must exist */
		if ((uint32_t)s->target >= p->nr_tasks || !md->m[s->target].alive ||
		    !(p->tasks[s->target].flags & CKPT_TASK_NEWPIDNS) ||
		    md->m[s->target].parent != s->actor)
			return mfail(md, "step %u: setns into %d", k + 1, s->target);
		return 0;
	case MKTREE_OP_REAP:
		t = &md->m[s->target];
		if (t->parent != s->actor || t->alive || !t->exists)
			return mfail(md, "step %u: %d cannot reap %d", k + 1, s->actor, s->target);
		t->reaped = 1;
		return 0;
	}
	return mfail(md, "step %u: unknown op %d", k + 1, s->op);
}

/* Replay the plan; 0 if the result is the TREE, else -1 and md->err. */
static int model_run(const struct mktree_plan *p, char *err, size_t errsz)
{
	struct model md;
	uint32_t i, k;
	int ret = -1;

	memset(&md, 0, sizeof(md));
	md.p = p;
	md.m = calloc(p->nr_nodes, sizeof(*md.m));
	md.gsess = calloc(p->nr_nodes, sizeof(*md.gsess));
	md.m[0].exists = md.m[0].alive = 1;
	md.m[0].parent = md.m[0].sess = md.m[0].grp = MKTREE_OUTSIDE;
	md.m[0].exit_signal = SIGCHLD;
	for (k = 0; k < p->nr_steps; k++)
		if (model_step(&md, k))
			goto out;
	for (i = 0; i < p->nr_nodes; i++) {
		const struct mktree_node *nd = &p->nodes[i];
		struct mproc *m = &md.m[i];
		int32_t want;

		if (!m->exists) {
			mfail(&md, "node %u never created", i);
			goto out;
		}
		if (nd->kind == MKTREE_HELPER) {
			if (!m->reaped) {
				mfail(&md, "helper %u not reaped", i);
				goto out;
			}
			continue;
		}
		if (nd->kind == MKTREE_THREAD)
			continue;
		if (!m->alive) {
			mfail(&md, "task %u exited", i);
			goto out;
		}
		want = i ? tree_proc(p, p->tasks[i].ppid) : MKTREE_OUTSIDE;
		if (m->parent != want) {
			mfail(&md, "task %u (pid %d): parent %d, expected %d", i,
			      p->tasks[i].pid, m->parent, want);
			goto out;
		}
		if (i && m->exit_signal != (int32_t)p->tasks[i].exit_signal) {
			mfail(&md, "task %u: exit signal %d, expected %u", i, m->exit_signal,
			      p->tasks[i].exit_signal);
			goto out;
		}
		want = want_session(p, i);
		if (m->sess != want) {
			mfail(&md, "task %u (pid %d): session of %d, expected %d", i,
			      p->tasks[i].pid, m->sess, want);
			goto out;
		}
		want = want_group(p, i);
		if (m->grp != want) {
			mfail(&md, "task %u (pid %d): group of %d, expected %d", i,
			      p->tasks[i].pid, m->grp, want);
			goto out;
		}
	}
	ret = 0;
out:
	snprintf(err, errsz, "%s", md.err);
	free(md.m);
	free(md.gsess);
	return ret;
}

/* ---------------------------------------------------------------- helpers */

static void print_plan(const struct mktree_plan *p)
{
	mktree_plan_print(p, stderr);
}

/* Build a plan that must succeed without warnings and pass the model. */
static void plan_ok(struct mktree_plan *p, const struct ckpt_task_pids *e, uint32_t n,
		    unsigned int flags)
{
	char err[600];

	ck_assert_msg(mktree_plan_build(p, e, n, flags) == 0, "plan failed: %s", p->err);
	if (p->warnings)
		print_plan(p);
	ck_assert_msg(p->warnings == NULL, "unexpected warnings: %s", p->warnings);
	if (model_run(p, err, sizeof(err))) {
		print_plan(p);
		ck_abort_msg("the model rejects the plan: %s", err);
	}
}

/* Index of the first step with these fields (-1: any), or -1. */
static int find_step(const struct mktree_plan *p, int op, int32_t actor, int32_t target)
{
	uint32_t k;

	for (k = 0; k < p->nr_steps; k++)
		if (p->steps[k].op == op && (actor == -1 || p->steps[k].actor == actor) &&
		    (target == -1 || p->steps[k].target == target))
			return (int)k;
	return -1;
}

#define ck_step(p, op, a, t) ({ int _k = find_step((p), (op), (a), (t));		\
	ck_assert_msg(_k >= 0, "no step op %d actor %d target %d", (op), (a), (t));	\
	_k; })

/* ---------------------------------------------------------------- tests */

START_TEST(single_task_has_no_steps)
{
	/* in the tool's group and session: nothing to do but create it */
	struct ckpt_task_pids e[1] = { t_root(100, 50, 50) };
	struct mktree_plan p;

	plan_ok(&p, e, 1, 0);
	ck_assert_uint_eq(p.nr_steps, 0);
	ck_assert_uint_eq(p.nr_nodes, 1);
	ck_assert_int_eq(p.nodes[0].creator, MKTREE_OUTSIDE);
	ck_assert_uint_eq(p.nodes[0].clone_flags, 0);
	mktree_plan_free(&p);
}
END_TEST

START_TEST(children_are_created_by_their_parent_depth_first)
{
	struct ckpt_task_pids e[4];
	struct mktree_plan p;

	e[0] = t_root(100, 50, 50);
	e[1] = t_child(&e[0], 101, 50, 50);
	e[2] = t_child(&e[0], 102, 50, 50);
	e[3] = t_child(&e[1], 103, 50, 50);
	plan_ok(&p, e, 4, 0);
	ck_assert_uint_eq(p.nr_steps, 3);
	/* depth first: 101, then its child 103, then 102 */
	ck_assert_int_eq(p.steps[0].op, MKTREE_OP_CREATE);
	ck_assert_int_eq(p.steps[0].actor, 0);
	ck_assert_int_eq(p.steps[0].target, 1);
	ck_assert_int_eq(p.steps[1].actor, 1);
	ck_assert_int_eq(p.steps[1].target, 3);
	ck_assert_int_eq(p.steps[2].actor, 0);
	ck_assert_int_eq(p.steps[2].target, 2);
	ck_assert_int_eq(p.nodes[3].creator, 1);
	ck_assert_uint_eq(p.nodes[3].clone_flags, 0);
	ck_assert_int_eq(p.nodes[3].exit_signal, SIGCHLD);
	mktree_plan_free(&p);
}
END_TEST

/* A root that led its group leads it again, and its members join it. */
START_TEST(root_group_leader_leads_its_group_again)
{
	struct ckpt_task_pids e[3];
	struct mktree_plan p;

	e[0] = t_root(100, 100, 50);
	e[1] = t_child(&e[0], 101, 100, 50);
	e[2] = t_child(&e[0], 102, 102, 50);
	plan_ok(&p, e, 3, 0);
	ck_assert_int_eq(p.nodes[0].group, 0);
	ck_assert_int_eq(p.nodes[1].group, 0);
	ck_assert_int_eq(p.nodes[2].group, 2);
	ck_assert_int_eq(p.steps[0].op, MKTREE_OP_SETPGID);
	ck_assert_int_eq(p.steps[0].actor, 0);
	mktree_plan_free(&p);
}
END_TEST

START_TEST(set_tid_is_innermost_first_at_every_level)
{
	struct ckpt_task_pids e[4];
	struct mktree_plan p;
	pid_t tids[CKPT_PID_LEVELS_MAX];

	e[0] = t_root(1, 0, 0);
	e[1] = t_newns(&e[0], 5, 0, 0);		/* pids 5, 1 */
	e[2] = t_child(&e[1], 6, 0, 0);		/* pids 6, 106 */
	e[3] = t_newns(&e[2], 7, 0, 0);		/* pids 7, 107, 1 */
	plan_ok(&p, e, 4, MKTREE_PIDNS);
	ck_assert_uint_eq(mktree_set_tid(&p, 0, tids), 1);
	ck_assert_int_eq(tids[0], 1);
	ck_assert_uint_eq(p.nodes[0].clone_flags, CLONE_NEWPID);
	ck_assert_uint_eq(mktree_set_tid(&p, 1, tids), 2);
	ck_assert_int_eq(tids[0], 1);
	ck_assert_int_eq(tids[1], 5);
	ck_assert_uint_eq(p.nodes[1].clone_flags, CLONE_NEWPID);
	ck_assert_uint_eq(mktree_set_tid(&p, 2, tids), 2);
	ck_assert_int_eq(tids[0], 106);
	ck_assert_int_eq(tids[1], 6);
	ck_assert_uint_eq(p.nodes[2].clone_flags, 0);
	ck_assert_uint_eq(mktree_set_tid(&p, 3, tids), 3);
	ck_assert_int_eq(tids[0], 1);
	ck_assert_int_eq(tids[1], 107);
	ck_assert_int_eq(tids[2], 7);
	ck_assert_uint_eq(p.nodes[3].clone_flags, CLONE_NEWPID);
	ck_assert_uint_eq(p.nr_ns, 3);
	ck_assert_int_eq(p.ns[2].parent, 1);
	mktree_plan_free(&p);
}
END_TEST

/* unshare(CLONE_NEWPID) + fork: the parent's later children go there too. */
START_TEST(parent_of_a_namespace_init_ends_in_its_namespace)
{
	struct ckpt_task_pids e[4];
	struct mktree_plan p;
	int k;

	e[0] = t_root(1, 0, 0);
	e[1] = t_thread(&e[0], 9);
	e[2] = t_newns(&e[0], 5, 0, 0);
	e[3] = t_child(&e[2], 6, 0, 0);
	plan_ok(&p, e, 4, MKTREE_PIDNS);
	k = ck_step(&p, MKTREE_OP_SETNS, 0, 2);
	ck_assert_uint_eq((unsigned int)k, p.nr_steps - 1);	/* after its thread */
	ck_assert_int_lt(ck_step(&p, MKTREE_OP_CREATE, 0, 1), k);
	ck_assert_int_eq(find_step(&p, MKTREE_OP_SETNS, 2, -1), -1);
	mktree_plan_free(&p);
}
END_TEST

START_TEST(no_pids_has_no_set_tid)
{
	struct ckpt_task_pids e[2];
	struct mktree_plan p;
	pid_t tids[CKPT_PID_LEVELS_MAX];

	e[0] = t_root(1, 0, 0);
	e[1] = t_newns(&e[0], 5, 0, 0);
	plan_ok(&p, e, 2, MKTREE_NO_PIDS);	/* pid 1 is fine without pids */
	ck_assert_uint_eq(mktree_set_tid(&p, 0, tids), 0);
	ck_assert_uint_eq(mktree_set_tid(&p, 1, tids), 0);
	ck_assert_uint_eq(p.nodes[1].clone_flags, CLONE_NEWPID);
	mktree_plan_free(&p);
}
END_TEST

START_TEST(root_pid_1_needs_pidns)
{
	struct ckpt_task_pids e[1] = { t_root(1, 1, 1) };
	struct mktree_plan p;

	ck_assert_int_eq(mktree_plan_build(&p, e, 1, 0), -1);
	ck_assert_msg(strstr(p.err, "--pidns") != NULL, "got \"%s\"", p.err);
	mktree_plan_free(&p);
	e[0] = t_root(7, 7, 7);
	ck_assert_int_eq(mktree_plan_build(&p, e, 1, MKTREE_PIDNS), -1);
	ck_assert_msg(strstr(p.err, "not 1") != NULL, "got \"%s\"", p.err);
	mktree_plan_free(&p);
}
END_TEST

/* The double-fork daemon: its session and group leader (3) is gone. */
START_TEST(session_with_a_gone_leader_uses_a_helper)
{
	struct ckpt_task_pids e[3];
	struct mktree_plan p;
	const struct mktree_node *h;
	pid_t tids[CKPT_PID_LEVELS_MAX];
	int c, s, c5, c6, x, r;

	e[0] = t_root(1, 1, 1);
	e[1] = t_child(&e[0], 5, 3, 3);
	e[2] = t_child(&e[1], 6, 3, 3);
	plan_ok(&p, e, 3, MKTREE_PIDNS);
	ck_assert_uint_eq(p.nr_nodes, 4);
	h = &p.nodes[3];
	ck_assert_int_eq(h->kind, MKTREE_HELPER);
	ck_assert_int_eq(h->helper, MKTREE_HELPER_SESSION);
	ck_assert_int_eq(h->stands_for, 3);
	ck_assert_int_eq(h->creator, 0);
	ck_assert_int_eq(h->exit_signal, SIGCHLD);
	ck_assert_uint_eq(mktree_set_tid(&p, 3, tids), 1);
	ck_assert_int_eq(tids[0], 3);		/* the helper has the session's id */
	c = ck_step(&p, MKTREE_OP_CREATE, 0, 3);
	s = ck_step(&p, MKTREE_OP_SETSID, 3, -1);
	c5 = ck_step(&p, MKTREE_OP_CREATE, 3, 1);	/* the helper creates 5 ... */
	ck_assert_uint_eq(p.nodes[1].clone_flags, CLONE_PARENT);	/* ... as 1's child */
	ck_assert_int_eq(p.nodes[1].parent, 0);
	c6 = ck_step(&p, MKTREE_OP_CREATE, 1, 2);	/* 6 is born in the session */
	x = ck_step(&p, MKTREE_OP_EXIT, 3, -1);
	r = ck_step(&p, MKTREE_OP_REAP, 0, 3);
	ck_assert_msg(c < s && s < c5 && c5 < c6 && c6 < x && x < r,
		      "order %d %d %d %d %d %d", c, s, c5, c6, x, r);
	ck_assert_int_eq(find_step(&p, MKTREE_OP_SETPGID, -1, -1), -1);	/* group 3 comes with setsid */
	mktree_plan_free(&p);
}
END_TEST

START_TEST(group_with_a_gone_leader_uses_a_helper)
{
	struct ckpt_task_pids e[4];
	struct mktree_plan p;
	int c, g, j1, j2, x, r;

	e[0] = t_root(100, 100, 50);
	e[1] = t_child(&e[0], 101, 99, 50);
	e[2] = t_child(&e[0], 102, 100, 50);
	e[3] = t_child(&e[0], 103, 99, 50);
	plan_ok(&p, e, 4, 0);
	ck_assert_uint_eq(p.nr_nodes, 5);
	ck_assert_int_eq(p.nodes[4].helper, MKTREE_HELPER_GROUP);
	ck_assert_int_eq(p.nodes[4].stands_for, 99);
	ck_assert_int_eq(p.nodes[4].creator, 1);	/* by a member */
	c = ck_step(&p, MKTREE_OP_CREATE, 1, 4);
	g = ck_step(&p, MKTREE_OP_SETPGID, 4, 4);
	ck_assert_int_eq(p.steps[g].arg, 4);		/* setpgid(0, 0) */
	j1 = ck_step(&p, MKTREE_OP_SETPGID, 1, 1);
	j2 = ck_step(&p, MKTREE_OP_SETPGID, 3, 3);
	ck_assert_int_eq(p.steps[j1].arg, 4);
	ck_assert_int_eq(p.steps[j2].arg, 4);
	x = ck_step(&p, MKTREE_OP_EXIT, 4, -1);
	r = ck_step(&p, MKTREE_OP_REAP, 1, 4);
	ck_assert_msg(c < g && g < j1 && j1 < j2 && j2 < x && x < r,
		      "order %d %d %d %d %d %d", c, g, j1, j2, x, r);
	ck_assert_int_eq(find_step(&p, MKTREE_OP_SETPGID, 2, -1), -1);	/* 102 stays with the root */
	mktree_plan_free(&p);
}
END_TEST

/* A session leader forks the children that stay in its old session first. */
START_TEST(session_leader_creates_old_session_children_first)
{
	struct ckpt_task_pids e[4];
	struct mktree_plan p;
	int old, s, news;

	e[0] = t_root(100, 100, 50);
	e[1] = t_child(&e[0], 101, 101, 101);		/* setsid() */
	e[2] = t_child(&e[1], 102, 101, 101);		/* in its new session */
	e[3] = t_child(&e[1], 103, 100, 50);		/* forked before its setsid() */
	plan_ok(&p, e, 4, 0);
	old = ck_step(&p, MKTREE_OP_CREATE, 1, 3);
	s = ck_step(&p, MKTREE_OP_SETSID, 1, -1);
	news = ck_step(&p, MKTREE_OP_CREATE, 1, 2);
	ck_assert_msg(old < s && s < news, "order %d %d %d", old, s, news);
	mktree_plan_free(&p);
}
END_TEST

/* A member created before its group's leader joins it later. */
START_TEST(member_created_before_its_group_leader_joins_later)
{
	struct ckpt_task_pids e[3];
	struct mktree_plan p;
	int cl, j;

	e[0] = t_root(100, 100, 50);
	e[1] = t_child(&e[0], 101, 102, 50);		/* member of 102's group */
	e[2] = t_child(&e[0], 102, 102, 50);		/* leader */
	plan_ok(&p, e, 3, 0);
	cl = ck_step(&p, MKTREE_OP_CREATE, 0, 2);
	ck_step(&p, MKTREE_OP_SETPGID, 2, 2);
	j = ck_step(&p, MKTREE_OP_SETPGID, 1, 1);
	ck_assert_int_eq(p.steps[j].arg, 2);
	ck_assert_msg(cl < j, "joins at step %d before its leader exists (%d)", j, cl);
	mktree_plan_free(&p);
}
END_TEST

START_TEST(threads_get_thread_flags_and_come_last)
{
	struct ckpt_task_pids e[5];
	struct mktree_plan p;
	int t1, t2, t3, c;

	e[0] = t_root(100, 100, 50);
	e[1] = t_thread(&e[0], 101);		/* shares everything */
	e[2] = t_thread(&e[0], 102);
	e[2].files_ref = 70000;			/* its own fd table and fs */
	e[2].fs_ref = 70001;
	e[3] = t_child(&e[0], 103, 100, 50);
	e[4] = t_thread(&e[3], 104);
	plan_ok(&p, e, 5, 0);
	ck_assert_int_eq(p.nodes[1].kind, MKTREE_THREAD);
	ck_assert_uint_eq(p.nodes[1].clone_flags, CLONE_VM | CLONE_THREAD | CLONE_SIGHAND |
			  CLONE_SYSVSEM | CLONE_FILES | CLONE_FS);
	ck_assert_uint_eq(p.nodes[2].clone_flags, CLONE_VM | CLONE_THREAD | CLONE_SIGHAND |
			  CLONE_SYSVSEM);
	ck_assert_int_eq(p.nodes[1].exit_signal, 0);
	t1 = ck_step(&p, MKTREE_OP_CREATE, 0, 1);
	t2 = ck_step(&p, MKTREE_OP_CREATE, 0, 2);
	t3 = ck_step(&p, MKTREE_OP_CREATE, 3, 4);	/* by its own leader */
	c = ck_step(&p, MKTREE_OP_CREATE, 0, 3);
	ck_assert_msg(c < t1 && t1 < t2 && t2 < t3, "order %d %d %d %d", c, t1, t2, t3);
	mktree_plan_free(&p);
}
END_TEST

START_TEST(zombies_are_created_like_processes_and_never_reaped)
{
	struct ckpt_task_pids e[3];
	struct mktree_plan p;

	e[0] = t_root(100, 100, 50);
	e[1] = t_child(&e[0], 101, 100, 50);
	e[1].flags |= CKPT_TASK_ZOMBIE;
	e[1].exit_code = 3 << 8;
	e[1].exit_signal = SIGUSR1;	/* not SIGCHLD: still given to clone3 */
	e[2] = t_child(&e[0], 102, 100, 50);
	plan_ok(&p, e, 3, 0);
	ck_assert_int_eq(p.nodes[1].kind, MKTREE_TASK);
	ck_step(&p, MKTREE_OP_CREATE, 0, 1);
	ck_assert_int_eq(p.nodes[1].exit_signal, SIGUSR1);
	ck_assert_int_eq(find_step(&p, MKTREE_OP_REAP, -1, 1), -1);
	mktree_plan_free(&p);
}
END_TEST

/*
 * An orphan (its parent exited) reparented to the container's init, in a
 * session whose leader lives elsewhere: a sibling in that session creates
 * it with CLONE_PARENT, or, if none, an orphan helper does.
 */
START_TEST(orphans_are_recreated_under_their_reaper)
{
	struct ckpt_task_pids e[6];
	struct mktree_plan p;
	int32_t h;

	e[0] = t_root(1, 1, 1);
	e[1] = t_child(&e[0], 2, 2, 2);		/* a shell: its own session */
	e[2] = t_child(&e[0], 3, 2, 2);		/* orphan of a subshell of 2 */
	e[3] = t_child(&e[0], 4, 4, 1);
	e[4] = t_child(&e[3], 5, 5, 5);		/* deeper: 1 -> 4 -> 5 (session 5) */
	e[5] = t_child(&e[0], 6, 5, 5);		/* orphan of a child of 5 */
	plan_ok(&p, e, 6, MKTREE_PIDNS);
	ck_assert_int_eq(p.nodes[2].creator, 1);	/* its sibling, the leader */
	ck_assert_uint_eq(p.nodes[2].clone_flags, CLONE_PARENT);
	h = p.nodes[5].creator;
	ck_assert_int_ge(h, 6);
	ck_assert_int_eq(p.nodes[h].helper, MKTREE_HELPER_ORPHAN);
	ck_assert_int_eq(p.nodes[h].creator, 4);	/* made by the session's leader */
	ck_assert_uint_eq(p.nodes[5].clone_flags, 0);
	ck_assert_int_eq(p.nodes[5].orphan, 1);
	ck_assert_int_lt(ck_step(&p, MKTREE_OP_EXIT, h, -1),
			 ck_step(&p, MKTREE_OP_REAP, 4, h));
	mktree_plan_free(&p);
}
END_TEST

/* Without a new pid namespace, orphans come back to a subreaper root. */
START_TEST(root_becomes_a_subreaper_for_orphans)
{
	struct ckpt_task_pids e[4];
	struct mktree_plan p;

	e[0] = t_root(100, 100, 50);
	e[1] = t_child(&e[0], 101, 101, 50);
	e[2] = t_child(&e[1], 102, 102, 102);	/* 100 -> 101 -> 102 */
	plan_ok(&p, e, 3, 0);
	ck_assert_int_eq(p.root_subreaper, 0);
	mktree_plan_free(&p);
	e[3] = t_child(&e[0], 103, 102, 102);	/* orphan of a child of 102 */
	plan_ok(&p, e, 4, 0);
	ck_assert_int_eq(p.root_subreaper, 1);
	ck_assert_int_eq(p.nodes[p.nodes[3].creator].helper, MKTREE_HELPER_ORPHAN);
	ck_assert_int_eq(p.nodes[p.nodes[3].creator].creator, 2);
	mktree_plan_free(&p);
}
END_TEST

/* What no real tree needs is done as well as possible, with a warning. */
START_TEST(impossible_session_gives_a_warning)
{
	struct ckpt_task_pids e[5];
	struct mktree_plan p;

	e[0] = t_root(1, 1, 1);
	e[1] = t_child(&e[0], 2, 1, 1);
	e[2] = t_child(&e[0], 3, 1, 1);
	e[3] = t_child(&e[1], 4, 9, 9);		/* session 9 is gone ... */
	e[4] = t_child(&e[2], 5, 9, 9);		/* ... and has two unrelated parents */
	ck_assert_int_eq(mktree_plan_build(&p, e, 5, MKTREE_PIDNS), 0);
	ck_assert_msg(p.warnings && strstr(p.warnings, "[4] pid 5 is born into the session of its parent [2] pid 3"),
		      "warnings: %s", p.warnings);
	mktree_plan_free(&p);
}
END_TEST

/* unshare(CLONE_NEWPID) in the parent: a child in its sibling's namespace. */
START_TEST(child_in_a_sibling_namespace_is_created_after_setns)
{
	struct ckpt_task_pids e[3];
	struct mktree_plan p;

	e[0] = t_root(100, 100, 50);
	e[1] = t_child(&e[0], 102, 100, 50);		/* listed first */
	e[2] = t_newns(&e[0], 101, 100, 50);		/* the namespace's init */
	e[1].nr_levels = 2;
	e[1].pids[1] = 2;
	e[1].pidns_ref = e[2].pidns_ref;
	plan_ok(&p, e, 3, 0);
	ck_assert_int_eq(p.nodes[1].setns, 2);
	ck_assert_int_lt(ck_step(&p, MKTREE_OP_CREATE, 0, 2), ck_step(&p, MKTREE_OP_CREATE, 0, 1));
	mktree_plan_free(&p);
}
END_TEST

START_TEST(inconsistent_trees_are_refused)
{
	struct ckpt_task_pids e[3];
	struct mktree_plan p;

	e[0] = t_root(100, 100, 50);
	e[1] = t_child(&e[0], 101, 100, 50);
	e[2] = t_thread(&e[0], 102);		/* not right after its leader */
	ck_assert_int_eq(mktree_plan_build(&p, e, 3, 0), -1);
	ck_assert_msg(strstr(p.err, "thread of 100") != NULL, "got \"%s\"", p.err);
	mktree_plan_free(&p);

	e[2] = t_newns(&e[0], 102, 100, 50);
	e[2].pids[1] = 4;			/* an init that is not pid 1 */
	ck_assert_int_eq(mktree_plan_build(&p, e, 3, 0), -1);
	ck_assert_msg(strstr(p.err, "not 1") != NULL, "got \"%s\"", p.err);
	mktree_plan_free(&p);

	e[2] = t_child(&e[1], 102, 100, 50);
	e[1].flags |= CKPT_TASK_ZOMBIE;		/* a zombie with a child */
	ck_assert_int_eq(mktree_plan_build(&p, e, 3, 0), -1);
	ck_assert_msg(strstr(p.err, "zombie") != NULL, "got \"%s\"", p.err);
	mktree_plan_free(&p);

	e[1] = t_child(&e[0], 101, 100, 50);
	e[1].flags |= CKPT_TASK_SESSION_LEADER;	/* flag and sid disagree */
	ck_assert_int_eq(mktree_plan_build(&p, e, 2, 0), -1);
	ck_assert_msg(strstr(p.err, "session leader flag") != NULL, "got \"%s\"", p.err);
	mktree_plan_free(&p);

	e[1] = t_child(&e[0], 101, 100, 50);
	e[1].nr_levels = 0;
	ck_assert_int_eq(mktree_plan_build(&p, e, 2, 0), -1);
	ck_assert_msg(strstr(p.err, "nr_levels 0") != NULL, "got \"%s\"", p.err);
	mktree_plan_free(&p);

	e[0].flags |= CKPT_TASK_ZOMBIE;
	ck_assert_int_eq(mktree_plan_build(&p, e, 1, 0), -1);
	ck_assert_msg(strstr(p.err, "root") != NULL, "got \"%s\"", p.err);
	mktree_plan_free(&p);
}
END_TEST

START_TEST(dry_run_print_shows_the_steps)
{
	struct ckpt_task_pids e[4];
	struct mktree_plan p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	e[0] = t_root(1, 1, 1);
	e[1] = t_child(&e[0], 5, 3, 3);
	e[2] = t_thread(&e[1], 6);
	e[3] = t_newns(&e[1], 7, 3, 3);
	plan_ok(&p, e, 4, MKTREE_PIDNS);
	f = open_memstream(&buf, &len);
	mktree_plan_print(&p, f);
	fclose(f);
	ck_assert_msg(strstr(buf, "0. the tool creates [0] pid 1: clone3(flags=CLONE_NEWPID, exit_signal=17, set_tid={1})"), "%s", buf);
	ck_assert_msg(strstr(buf, "[0] pid 1: setsid()"), "%s", buf);
	ck_assert_msg(strstr(buf, "creates helper h1 (session 3)"), "%s", buf);
	ck_assert_msg(strstr(buf, "h1 (session 3): creates [1] pid 5 as a child of [0] pid 1: clone3(flags=CLONE_PARENT, exit_signal=0, set_tid={5})"), "%s", buf);
	ck_assert_msg(strstr(buf, "creates [3] pid 7 (pids by level 7/1): clone3(flags=CLONE_NEWPID, exit_signal=17, set_tid={1,7})"), "%s", buf);
	ck_assert_msg(strstr(buf, "creates thread [2] tid 6: clone3(flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0, set_tid={6})"), "%s", buf);
	ck_assert_msg(strstr(buf, "h1 (session 3): exits"), "%s", buf);
	ck_assert_msg(strstr(buf, "reaps h1"), "%s", buf);
	ck_assert_msg(strstr(buf, "[1] pid 5: setns(<pidfd of [3] pid 7>, CLONE_NEWPID)"), "%s", buf);
	ck_assert_msg(strstr(buf, "every other one restart(1, -1, 0x0, -1)"), "%s", buf);
	free(buf);
	mktree_plan_free(&p);
}
END_TEST

/* ---------------------------------------------------------------- random trees */

/*
 * A random tree as programs make them: start with one process and apply
 * random fork (sometimes with CLONE_NEWPID), setsid, setpgid (own group or
 * one of its session), exit (its children go to their reaper: the init of
 * the namespace, the root in the first one), thread creation.  Not made:
 * a process that left the group it made and then called setsid() (the
 * planner warns that nothing can rebuild that group).
 */
struct gproc {
	int used, alive, zombie;
	int ns, parent;
	int32_t pids[CKPT_PID_LEVELS_MAX];
	int32_t pgid, sid;
	int gns;		/* namespace where its group was made */
	int led_group;		/* it once made a group */
	int threads;
	int32_t tids[4][CKPT_PID_LEVELS_MAX];
	int own_files[4];
	uint32_t order;		/* creation order */
};

struct gns {
	int parent, level, init;
	int32_t next;
};

struct gen {
	struct gproc p[64];
	struct gns ns[8];
	int np, nns;
	uint32_t clock;
	unsigned int seed;
	int container;
};

static int rnd(struct gen *g, int n)
{
	return (int)(rand_r(&g->seed) % (unsigned int)n);
}

static void alloc_pids(struct gen *g, int ns, int32_t *pids)
{
	int level = g->ns[ns].level;

	for (; ns >= 0; ns = g->ns[ns].parent, level--)
		pids[level] = g->ns[ns].next++;
}

static int gfork(struct gen *g, int parent, int newns)
{
	struct gproc *c, *par = &g->p[parent];
	int ns = par->ns;

	if (g->np >= 64)
		return -1;
	if (newns) {
		if (g->nns >= 8 || g->ns[ns].level >= 3)
			return -1;
		g->ns[g->nns] = (struct gns){ .parent = ns, .level = g->ns[ns].level + 1,
					     .init = g->np, .next = 1 };
		ns = g->nns++;
	}
	c = &g->p[g->np];
	memset(c, 0, sizeof(*c));
	c->used = c->alive = 1;
	c->ns = ns;
	c->parent = parent;
	c->pgid = par->pgid;
	c->sid = par->sid;
	c->gns = par->gns;
	c->order = g->clock++;
	alloc_pids(g, ns, c->pids);
	return g->np++;
}

static int is_reaper_gen(struct gen *g, int i)
{
	return i == 0 || g->ns[g->p[i].ns].init == i;
}

static void gexit(struct gen *g, int i)
{
	struct gproc *x = &g->p[i];
	int j, reaper = g->ns[x->ns].init;

	for (j = 0; j < g->np; j++) {
		if (!g->p[j].used || g->p[j].parent != i)
			continue;
		if (g->p[j].zombie)
			g->p[j].used = 0;	/* the reaper reaps it */
		else
			g->p[j].parent = reaper;
	}
	x->alive = 0;
	x->threads = 0;
	if (rnd(g, 3) == 0)
		x->zombie = 1;
	else
		x->used = 0;	/* reaped: its pid may stay as a group or session id */
}

static void gen_tree(struct gen *g, unsigned int seed, int container)
{
	int steps, s, i, j;

	memset(g, 0, sizeof(*g));
	g->seed = seed;
	g->container = container;
	g->ns[0] = (struct gns){ .parent = -1, .level = 0, .init = 0,
				 .next = container ? 1 : 300 + rnd(g, 100) };
	g->nns = 1;
	gfork(g, 0, 0);		/* the root, as if its own parent */
	g->p[0].parent = -1;
	if (container) {
		g->p[0].pgid = g->p[0].sid = 0;	/* the leaders are outside */
		g->p[0].gns = -1;		/* invisible: nobody can join it */
		if (rnd(g, 2)) {
			g->p[0].sid = g->p[0].pgid = 1;
			g->p[0].gns = 0;
		}
	} else {
		g->p[0].sid = 50;
		g->p[0].pgid = rnd(g, 2) ? g->p[0].pids[0] : 60;
	}
	steps = 5 + rnd(g, 40);
	for (s = 0; s < steps; s++) {
		i = rnd(g, g->np);
		if (!g->p[i].used || !g->p[i].alive)
			continue;
		switch (rnd(g, 10)) {
		case 0: case 1: case 2:
			gfork(g, i, 0);
			break;
		case 3:
			gfork(g, i, rnd(g, 4) == 0);
			break;
		case 4:		/* setsid (not by a former group leader: see above) */
			if (g->p[i].pgid != g->p[i].pids[0] && !g->p[i].led_group) {
				g->p[i].sid = g->p[i].pgid = g->p[i].pids[0];
				g->p[i].gns = g->p[i].ns;
			}
			break;
		case 5:		/* setpgid(0, 0) */
			if (g->p[i].sid != g->p[i].pids[0]) {
				g->p[i].led_group = 1;
				g->p[i].pgid = g->p[i].pids[0];
				g->p[i].gns = g->p[i].ns;
			}
			break;
		case 6:		/* join a group of its session made in its namespace */
			j = rnd(g, g->np);
			if (g->p[j].used && g->p[i].sid != g->p[i].pids[0] &&
			    g->p[j].sid == g->p[i].sid && g->p[j].gns == g->p[i].ns &&
			    g->p[i].ns == g->p[j].ns) {
				g->p[i].pgid = g->p[j].pgid;
				g->p[i].gns = g->p[j].gns;
			}
			break;
		case 7: case 8:
			if (!is_reaper_gen(g, i))
				gexit(g, i);
			break;
		case 9:
			if (g->p[i].threads < 4) {
				j = g->p[i].threads++;
				alloc_pids(g, g->p[i].ns, g->p[i].tids[j]);
				g->p[i].own_files[j] = rnd(g, 3) == 0;
			}
			break;
		}
	}
}

/* The TREE of a generated tree: parents first, threads after their leader. */
static uint32_t gen_entries(struct gen *g, struct ckpt_task_pids *e, int i, uint32_t n)
{
	struct gproc *x = &g->p[i];
	struct ckpt_task_pids *t = &e[n++];
	int j, k, level = g->ns[x->ns].level;
	uint32_t order;

	memset(t, 0, sizeof(*t));
	t->pid = t->tgid = x->pids[0];
	t->ppid = x->parent >= 0 ? g->p[x->parent].pids[0] : 0;
	t->pgid = x->pgid;
	t->sid = x->sid;
	t->nr_levels = (uint32_t)level + 1;
	memcpy(t->pids, x->pids, sizeof(t->pids));
	t->exit_signal = SIGCHLD;
	if (t->sid == t->pid)
		t->flags |= CKPT_TASK_SESSION_LEADER;
	if (t->pgid == t->pid)
		t->flags |= CKPT_TASK_GROUP_LEADER;
	if (i && g->ns[x->ns].init == i)
		t->flags |= CKPT_TASK_NEWPIDNS;
	t->pidns_ref = 5000 + (uint32_t)x->ns;
	t->signal_ref = 10000 + (uint32_t)t->pid;
	if (x->zombie) {
		t->flags |= CKPT_TASK_ZOMBIE;
		t->exit_code = (i % 7) << 8;
	} else {
		t->mm_ref = 20000 + (uint32_t)t->pid;
		t->files_ref = 30000 + (uint32_t)t->pid;
		t->fs_ref = 40000 + (uint32_t)t->pid;
		t->sighand_ref = 50000 + (uint32_t)t->pid;
	}
	for (j = 0; j < x->threads; j++) {
		struct ckpt_task_pids *th = &e[n++];

		*th = *t;
		th->flags = CKPT_TASK_THREAD;
		th->exit_signal = 0;
		th->pid = x->tids[j][0];
		memcpy(th->pids, x->tids[j], sizeof(th->pids));
		if (x->own_files[j]) {
			th->files_ref = 60000 + (uint32_t)th->pid;
			th->fs_ref = 70000 + (uint32_t)th->pid;
		}
	}
	/* children in creation order */
	for (order = 0; order < g->clock; order++)
		for (k = 0; k < g->np; k++)
			if (g->p[k].used && g->p[k].parent == i && g->p[k].order == order)
				n = gen_entries(g, e, k, n);
	return n;
}

/* The generator's outside sessions and groups (50, 60) are alive. */
static int outside_alive(pid_t pid)
{
	return pid < 100;
}

START_TEST(random_trees_are_rebuilt_exactly)
{
	static struct ckpt_task_pids e[64 * 5];
	struct mktree_plan p;
	struct gen g;
	unsigned int seed;
	uint32_t n, i, helpers = 0, orphans = 0, siblings = 0, steps = 0;
	char err[600];
	int mode;

	mktree_pid_in_use = outside_alive;
	for (seed = 1; seed <= 1000; seed++) {
		for (mode = 0; mode < 4; mode++) {
			int container = mode & 1;
			unsigned int flags = (container ? MKTREE_PIDNS : MKTREE_LIVE_OUTSIDE) |
					     ((mode & 2) ? MKTREE_NO_PIDS : 0);

			gen_tree(&g, seed, container);
			n = gen_entries(&g, e, 0, 0);
			if (mktree_plan_build(&p, e, n, flags))
				ck_abort_msg("seed %u mode %d: plan failed: %s", seed, mode, p.err);
			if (p.warnings || model_run(&p, err, sizeof(err))) {
				print_plan(&p);
				ck_abort_msg("seed %u mode %d: %s", seed, mode,
					     p.warnings ? p.warnings : err);
			}
			helpers += p.nr_nodes - p.nr_tasks;
			for (i = p.nr_tasks; i < p.nr_nodes; i++)
				orphans += p.nodes[i].helper == MKTREE_HELPER_ORPHAN;
			for (i = 0; i < p.nr_tasks; i++)
				siblings += p.nodes[i].creator >= 0 &&
					    p.nodes[p.nodes[i].creator].kind == MKTREE_TASK &&
					    (p.nodes[i].clone_flags & CLONE_PARENT);
			steps += p.nr_steps;
			mktree_plan_free(&p);
		}
	}
	/* the generator does make the hard cases */
	ck_assert_uint_gt(helpers, 100);
	ck_assert_uint_gt(orphans, 10);
	ck_assert_uint_gt(siblings, 10);
	fprintf(stderr, "note: 4000 random plans: %u steps, %u helpers (%u orphan makers), %u tasks created by a sibling\n",
		steps, helpers, orphans, siblings);
}
END_TEST

/* ---------------------------------------------------------------- real clone3 */

static const char *bin;
static char dir[256];

static int can_probe(void)
{
	bin = getenv("KCR_BIN");
	if (!bin || geteuid() != 0) {
		fprintf(stderr, "note: not root or no KCR_BIN: probe tests skipped\n");
		return 0;
	}
	return 1;
}

/* Run mktree --probe on an image of the tree; its output in out. */
static int probe_tree(const struct ckpt_task_pids *e, uint32_t n, uint32_t hdr_flags,
		      const char *opts, char *out, size_t outsz)
{
	struct img im = { 0 };
	char path[300], cmd[1024];
	FILE *f;
	size_t got;
	int st;

	snprintf(dir, sizeof(dir), "/tmp/kcr-mktree.XXXXXX");
	ck_assert(mkdtemp(dir) != NULL);
	img_build(&im, e, n, hdr_flags);
	snprintf(path, sizeof(path), "%s/t.img", dir);
	f = fopen(path, "w");
	ck_assert(f && fwrite(im.buf, 1, im.len, f) == im.len);
	fclose(f);
	img_free(&im);
	snprintf(cmd, sizeof(cmd), "timeout 30 %s/mktree --probe %s -i %s > %s/out 2>&1; echo rc=$? >> %s/out",
		 bin, opts, path, dir, dir);
	st = system(cmd);
	snprintf(path, sizeof(path), "%s/out", dir);
	f = fopen(path, "r");
	got = f ? fread(out, 1, outsz - 1, f) : 0;
	if (f)
		fclose(f);
	out[got] = '\0';
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
	return st;
}

START_TEST(probe_builds_a_container_tree_with_real_clone3)
{
	struct ckpt_task_pids e[10];
	char out[8192];

	if (!can_probe())
		return;
	e[0] = t_root(1, 1, 1);
	e[1] = t_child(&e[0], 5, 3, 3);		/* daemon: session 3 is gone */
	e[2] = t_thread(&e[1], 7);
	e[3] = t_child(&e[1], 6, 3, 3);
	e[4] = t_child(&e[0], 8, 1, 1);
	e[4].flags |= CKPT_TASK_ZOMBIE;
	e[4].mm_ref = e[4].files_ref = e[4].fs_ref = e[4].sighand_ref = 0;
	e[5] = t_child(&e[0], 9, 9, 1);
	e[6] = t_child(&e[5], 10, 40, 1);	/* group 40 is gone */
	e[7] = t_child(&e[0], 11, 40, 1);
	e[8] = t_newns(&e[0], 12, 12, 12);
	e[9] = t_child(&e[8], 13, 12, 12);
	probe_tree(e, 10, CKPT_CHECKPOINT_CONTAINER, "", out, sizeof(out));
	ck_assert_msg(strstr(out, "probe: 10 tasks as in the image\nrc=0"), "%s", out);
	probe_tree(e, 10, CKPT_CHECKPOINT_CONTAINER, "--no-pids", out, sizeof(out));
	ck_assert_msg(strstr(out, "probe: 10 tasks as in the image\nrc=0"), "%s", out);
}
END_TEST

/* The probe itself: a tree that cannot be right is reported. */
START_TEST(probe_reports_what_differs)
{
	struct ckpt_task_pids e[5];
	char out[8192];

	if (!can_probe())
		return;
	e[0] = t_root(1, 1, 1);
	e[1] = t_child(&e[0], 2, 1, 1);
	e[2] = t_child(&e[0], 3, 1, 1);
	e[3] = t_child(&e[1], 4, 9, 9);
	e[4] = t_child(&e[2], 5, 9, 9);		/* see impossible_session_gives_a_warning */
	e[4].exit_signal = SIGUSR2;
	probe_tree(e, 5, CKPT_CHECKPOINT_CONTAINER, "", out, sizeof(out));
	ck_assert_msg(strstr(out, "warning: [4] pid 5 is born into the session of its parent"), "%s", out);
	ck_assert_msg(strstr(out, "probe: [4] pid 5: sid 1, expected 9\n"), "%s", out);
	ck_assert_msg(strstr(out, "probe: [4] pid 5: pgid 1, expected 9\n"), "%s", out);
	ck_assert_msg(!strstr(out, "exit signal"), "%s", out);
	ck_assert_msg(strstr(out, "rc=1"), "%s", out);
}
END_TEST

START_TEST(probe_builds_random_trees_with_real_clone3)
{
	static struct ckpt_task_pids e[64 * 5];
	struct gen g;
	unsigned int seed;
	uint32_t n;
	char out[16384];
	int container;

	if (!can_probe())
		return;
	for (seed = 1; seed <= 12; seed++)
		for (container = 0; container < 2; container++) {
			gen_tree(&g, seed * 7919, container);
			n = gen_entries(&g, e, 0, 0);
			/* outside a new namespace the saved pids may be taken here */
			probe_tree(e, n, container ? CKPT_CHECKPOINT_CONTAINER : 0,
				   container ? "" : "--no-pids", out, sizeof(out));
			ck_assert_msg(strstr(out, "as in the image\nrc=0"),
				      "seed %u container %d: %s", seed * 7919, container, out);
		}
}
END_TEST

static Suite *mktree_suite(void)
{
	Suite *s = suite_create("mktree");
	TCase *tc = tcase_create("plan");
	TCase *tp = tcase_create("probe");

	tcase_add_test(tc, single_task_has_no_steps);
	tcase_add_test(tc, children_are_created_by_their_parent_depth_first);
	tcase_add_test(tc, root_group_leader_leads_its_group_again);
	tcase_add_test(tc, set_tid_is_innermost_first_at_every_level);
	tcase_add_test(tc, parent_of_a_namespace_init_ends_in_its_namespace);
	tcase_add_test(tc, no_pids_has_no_set_tid);
	tcase_add_test(tc, root_pid_1_needs_pidns);
	tcase_add_test(tc, session_with_a_gone_leader_uses_a_helper);
	tcase_add_test(tc, group_with_a_gone_leader_uses_a_helper);
	tcase_add_test(tc, session_leader_creates_old_session_children_first);
	tcase_add_test(tc, member_created_before_its_group_leader_joins_later);
	tcase_add_test(tc, threads_get_thread_flags_and_come_last);
	tcase_add_test(tc, zombies_are_created_like_processes_and_never_reaped);
	tcase_add_test(tc, orphans_are_recreated_under_their_reaper);
	tcase_add_test(tc, root_becomes_a_subreaper_for_orphans);
	tcase_add_test(tc, impossible_session_gives_a_warning);
	tcase_add_test(tc, child_in_a_sibling_namespace_is_created_after_setns);
	tcase_add_test(tc, inconsistent_trees_are_refused);
	tcase_add_test(tc, dry_run_print_shows_the_steps);
	tcase_add_test(tc, random_trees_are_rebuilt_exactly);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tcase_add_test(tp, probe_builds_a_container_tree_with_real_clone3);
	tcase_add_test(tp, probe_reports_what_differs);
	tcase_add_test(tp, probe_builds_random_trees_with_real_clone3);
	tcase_set_timeout(tp, 120);
	suite_add_tcase(s, tp);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mktree_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
