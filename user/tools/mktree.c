// SPDX-License-Identifier: GPL-2.0
/*
 * mktree: build the process tree of an image so that every task can enter
 * restart().
 *
 * The kernel does not create tasks.  Every TREE entry (processes, threads
 * and zombies) must exist, with its parent, thread group and pids, before
 * any of them enters restart(), and the kernel checks them; sessions and
 * process groups it does not set at all.  Linux offers few ways to put a
 * task into a session or group, and they constrain the order of creation:
 *
 *   - a child inherits its creator's session and group at fork;
 *   - setsid() makes a new session and group named by the caller's pid,
 *     and fails in a group leader;
 *   - setpgid(pid, pgid) moves the caller or one of its children into a
 *     group of the caller's session whose leader it can see (its pid
 *     namespace or one below), or makes it a group of its own;
 *   - CLONE_PARENT gives the new task its creator's parent, and its
 *     creator's exit signal (clone3 refuses exit_signal with it); an init
 *     may not use it;
 *   - a process whose parent exits is reparented to the init of its pid
 *     namespace (or the nearest subreaper), with exit signal SIGCHLD;
 *   - a session or group lives as long as any member does, and its id (a
 *     pid) stays allocated that long.
 *
 * THE PLAN
 *
 * mktree_plan_build() turns the TREE into nodes and a sequence of steps.
 * Nodes are the TREE's entries plus helpers, short-lived processes that
 * are not in the tree.  A step is done by one node (its actor): CREATE a
 * node with clone3, SETSID, SETPGID, EXIT (a helper), REAP a helper, SETNS.
 * At run time the steps are done strictly one after the other (each node
 * waits on a futex in shared memory for its next step), so the plan is all
 * the reasoning: "mktree --dry-run" prints it, and the unit tests replay it
 * in a model of the kernel.  Once the last step is done, every task enters
 * restart().
 *
 * 1. Who is in which session and group.  For each process the wanted
 * session is a node (its leader) or OUTSIDE, the restart tool's session:
 *   - sid == pid: the task leads its session;
 *   - sid 0 (its leader is not visible at level 0) or, if the root does not
 *     lead a session, the root's sid: OUTSIDE.  The root stays in the
 *     tool's session unless it led one (then it calls setsid());
 *   - the pid of a process of the tree: that one;
 *   - in the tool's own pid namespace, the pid of a live process outside
 *     the tree (the root's session before its setsid(), say): OUTSIDE;
 *   - otherwise the leader is gone: a session helper stands for it.
 * Groups are mapped alike: pgid 0 is the tool's group, and so, in the
 * tool's namespace, is the root's group (the root stays in it, for job
 * control: ctrl-c reaches it); in a new pid namespace the root's group is
 * restored as saved.  A gone group leader gets a group helper, unless a
 * session helper of that id leads it already (the double-fork daemon).  A
 * task whose pid is the pgid of others but which is in another group now
 * (it left the group it made) makes that group first and leaves it last.
 *
 * 2. What each process must be born into, bottom-up.  A process must be
 * born into its session, as sessions are only inherited; a session leader
 * into the session of its children that it forked before its setsid() (a
 * namespace init's children in other sessions may be orphans and say
 * nothing of it).  A process must be born into its group when it can never
 * join it (the leader is not visible from its namespace, nor from its
 * parent's), or when a child of its must inherit a group it leaves.
 *
 * 3. Who creates whom, top-down: the first way that gives the task its
 * parent, session and (if it must) group:
 *   a. its parent, now or before the parent's own setsid() or setpgid()
 *      ("pre" children: created first thing, like the real ones);
 *   b. the session helper of a session whose leader is gone, a child of
 *      the parent: it calls setsid() and creates the members with
 *      CLONE_PARENT.  Its pid is the sid, its exit signal theirs;
 *   c. a sibling in that session (its leader first), with CLONE_PARENT;
 *   d. if the parent is a reaper (the init of the namespace; or the root,
 *      made a child subreaper until the tree is complete): an orphan helper,
 *      made by a member of the session in the parent's namespace, creates
 *      the task and exits; the task is reparented to the parent, as it
 *      once was;
 *   e. else its parent, with a warning (no tree made by real programs
 *      needs it: the tests check it on thousands of random ones).
 *
 * 4. The steps.  Phase A, processes, depth first from the root.  Each
 * process: its pre children; the group helpers it stands for (they call
 * setpgid(0, 0)); its group (setpgid(0, 0), or joining an existing group
 * it can see); or, for a session leader, setsid(); then the nodes it
 * creates, each completed recursively; inits of pid namespaces that a
 * sibling enters come first.  An orphan helper exits and is reaped as soon
 * as its task is complete.  Phase B: every process not yet in its group
 * joins it (setpgid(0, pgid)), or, when it cannot see its leader, its
 * parent puts it there; former group leaders move last.  Phase C: every
 * helper exits and its parent reaps it, so that no task enters restart()
 * with a child outside the tree; a session helper's exit signal is blocked
 * in its parent until then, as it may be a fatal one.  Phase D: each leader
 * creates its threads, with CLONE_VM | CLONE_THREAD | CLONE_SIGHAND |
 * CLONE_SYSVSEM and CLONE_FILES / CLONE_FS when the thread shares its
 * leader's fd table / fs_struct, on a small mmap'ed stack.  A thread runs no
 * C library code: it reports that it exists, waits for the end of the plan
 * and makes the raw restart() system call.  Threads come last so that
 * processes fork single-threaded.  Last, a process with a child made init
 * of a new pid namespace enters that namespace for its future children
 * (setns through a pidfd), as after unshare(CLONE_NEWPID) and fork() (the
 * TREE does not say which it did: this is a guess); after its threads,
 * because CLONE_THREAD is refused once the two namespaces differ.
 *
 * Zombies are created like processes (nobody reaps them: only helpers are
 * waited for) and enter restart() like everybody else; the kernel makes
 * them exit with their exit code.
 *
 * Pids.  Unless --no-pids, every task is created with clone3 set_tid: its
 * pid at every level of the TREE, innermost first (the reverse of pids[]).
 * A task with CKPT_TASK_NEWPIDNS is created with CLONE_NEWPID (pid 1
 * inside).  A task in a pid namespace its parent is not in (the parent did
 * unshare(CLONE_NEWPID) and the namespace's init is a sibling) is created
 * after setns() into it through a pidfd of that init.  A session or group
 * helper gets the session or group id at level 0; where the image has no
 * pid for it (deeper levels; an orphan helper), it gets one the tree does
 * not use, and tries the next ones while clone3 says EEXIST.  When clone3
 * says EEXIST for a saved pid (it still belongs to a process, or to a
 * session or group whose members live), the creator retries for up to
 * wait_secs (--wait), killably, saying so once, then fails naming the pid:
 * this is what lets "checkpoint --kill PID | restart" wait for the old
 * tree to go away.
 *
 * What every task passes to restart(): the root restart(0, image, flags,
 * log); every other task the root's pid in the root's pid namespace (the
 * TREE's level 0), which is the root's pid as every task of that
 * namespace sees it; tasks in deeper namespaces cannot see the root and
 * pass the same number.  With --no-pids: restart(root, TREE index, ...).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include "mktree.h"

#define ANY_SESSION	(-3)	/* required session: any */
#define DEAD		(-4)	/* planning: the leader is gone, a helper is needed */

#define THREAD_STACK	(64 * 1024)
#define PID_WAIT_STEP_MS 20

#if defined(__has_attribute)
#if __has_attribute(no_stack_protector)
#define RAW_CODE	__attribute__((no_stack_protector))
#endif
#endif
#ifndef RAW_CODE
#define RAW_CODE
#endif

/* ================================================================ planning */

/* Planner state: a simulation of the kernel's view while steps are added. */
struct pb {
	struct mktree_plan *p;
	const struct ckpt_task_pids *t;
	uint32_t n;
	int root_sl;		/* the root leads a session */
	int pid_max;
	int32_t *proc_of_pid;	/* sorted (pid, index) pairs of the processes */
	uint32_t nr_procs;
	int32_t *parent;	/* per TREE entry: parent process (leader for threads) */
	/* per node */
	int32_t *wish;		/* session it must be born into, or ANY_SESSION */
	int32_t *gwish;		/* group it must be born into, or MKTREE_NONE */
	int32_t *bsess;		/* session it is born into */
	int32_t *fsess;		/* session it is in once set up */
	int8_t *pre;		/* created by its parent before the parent's setsid()
				 * or, for a parent that leads no session, before
				 * it changes its group */
	int8_t *decided;	/* its creator is chosen */
	int32_t *tkid_first, *tkid_next, *tkid_last;	/* TREE children */
	int32_t *kid_first, *kid_next, *kid_last;	/* nodes it creates */
	int8_t *early;		/* init of a namespace a sibling enters */
	int8_t *former;		/* leads a group it is no longer in */
	int32_t *bgrp;		/* group it is born into */
	/* the simulation of the kernel's state as steps are added */
	int8_t *created, *alive;
	int32_t *sess, *grp, *sparent;
	int32_t *grp_count, *grp_sess;	/* per node as a group leader */
	int32_t out_count;
};

static int perr(struct pb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct pb *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->p->err, sizeof(b->p->err), fmt, ap);
	va_end(ap);
	return -1;
}

static void pwarn(struct pb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pwarn(struct pb *b, const char *fmt, ...)
{
	struct mktree_plan *p = b->p;
	char line[512];
	size_t n;
	char *w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = strlen(line);
	w = realloc(p->warnings, p->warnings_len + n + 2);
	if (!w)
		return;
	memcpy(w + p->warnings_len, line, n);
	w[p->warnings_len + n] = '\n';
	w[p->warnings_len + n + 1] = '\0';
	p->warnings = w;
	p->warnings_len += n + 1;
}

static int is_thread(const struct ckpt_task_pids *e)
{
	return (e->flags & CKPT_TASK_THREAD) != 0;
}

void mktree_node_name(const struct mktree_plan *p, int32_t node, char *buf,
		      size_t size)
{
	const struct mktree_node *nd;

	if (node == MKTREE_OUTSIDE) {
		snprintf(buf, size, "the tool");
		return;
	}
	if (node < 0 || (uint32_t)node >= p->nr_nodes) {
		snprintf(buf, size, "?");
		return;
	}
	nd = &p->nodes[node];
	if (nd->kind == MKTREE_HELPER && nd->helper == MKTREE_HELPER_ORPHAN)
		snprintf(buf, size, "h%d (orphan maker for [%d])",
			 node - (int32_t)p->nr_tasks + 1, nd->stands_for);
	else if (nd->kind == MKTREE_HELPER)
		snprintf(buf, size, "h%d (%s %d)", node - (int32_t)p->nr_tasks + 1,
			 nd->helper == MKTREE_HELPER_SESSION ? "session" : "group",
			 nd->stands_for);
	else
		snprintf(buf, size, "[%d] %s %d", node,
			 nd->kind == MKTREE_THREAD ? "tid" : "pid",
			 p->tasks[node].pid);
}

static const char *nname(struct pb *b, int32_t node, char *buf, size_t size)
{
	mktree_node_name(b->p, node, buf, size);
	return buf;
}

static int cmp_pair(const void *a, const void *b)
{
	const int32_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	if (x[1] != y[1])
		return x[1] < y[1] ? -1 : 1;
	return 0;
}

/* TREE index of the process with level-0 pid `pid`, or -1. */
static int32_t proc_by_pid(const struct pb *b, int32_t pid)
{
	uint32_t lo = 0, hi = b->nr_procs;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		int32_t v = b->proc_of_pid[2 * mid];

		if (v == pid)
			return b->proc_of_pid[2 * mid + 1];
		if (v < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int32_t add_node(struct pb *b)
{
	struct mktree_plan *p = b->p;
	struct mktree_node *nd;

	if (p->nr_nodes == p->nodes_cap) {
		uint32_t cap = p->nodes_cap ? 2 * p->nodes_cap : 16;

		nd = realloc(p->nodes, cap * sizeof(*nd));
		if (!nd)
			return -1;
		p->nodes = nd;
		p->nodes_cap = cap;
	}
	nd = &p->nodes[p->nr_nodes];
	memset(nd, 0, sizeof(*nd));
	nd->index = -1;
	nd->creator = nd->parent = nd->setns = MKTREE_NONE;
	nd->session = nd->group = MKTREE_NONE;
	nd->create_step = -1;
	return (int32_t)p->nr_nodes++;
}

static int add_step(struct pb *b, int op, int32_t actor, int32_t target, int32_t arg)
{
	struct mktree_plan *p = b->p;
	struct mktree_step *s;

	if (p->nr_steps == p->steps_cap) {
		uint32_t cap = p->steps_cap ? 2 * p->steps_cap : 64;

		s = realloc(p->steps, cap * sizeof(*s));
		if (!s)
			return perr(b, "out of memory");
		p->steps = s;
		p->steps_cap = cap;
	}
	s = &p->steps[p->nr_steps++];
	s->op = op;
	s->actor = actor;
	s->target = target;
	s->arg = arg;
	return 0;
}

static int32_t add_ns(struct pb *b, int32_t init, uint32_t level, uint32_t ref)
{
	struct mktree_plan *p = b->p;
	struct mktree_ns *ns;

	if (p->nr_ns == p->ns_cap) {
		uint32_t cap = p->ns_cap ? 2 * p->ns_cap : 8;

		ns = realloc(p->ns, cap * sizeof(*ns));
		if (!ns)
			return -1;
		p->ns = ns;
		p->ns_cap = cap;
	}
	ns = &p->ns[p->nr_ns];
	ns->init = init;
	ns->parent = -1;
	ns->level = level;
	ns->ref = ref;
	return (int32_t)p->nr_ns++;
}

/* Whether namespace `anc` is `ns` or one of its ancestors. */
static int ns_is_ancestor(const struct mktree_plan *p, int32_t anc, int32_t ns)
{
	while (ns >= 0) {
		if (ns == anc)
			return 1;
		ns = p->ns[ns].parent;
	}
	return 0;
}

/* The ancestor of namespace ns at `level`. */
static int32_t ns_at_level(const struct mktree_plan *p, int32_t ns, uint32_t level)
{
	while (ns >= 0 && p->ns[ns].level > level)
		ns = p->ns[ns].parent;
	return ns;
}

/* ---- validation and pid namespaces ---- */

static int check_entries(struct pb *b)
{
	const struct ckpt_task_pids *t = b->t;
	uint32_t i, k, n = b->n;
	int32_t leader = 0;

	if (n < 1 || n > CKPT_TASKS_MAX)
		return perr(b, "the TREE has %u tasks (expected 1..%d)", n, CKPT_TASKS_MAX);
	b->proc_of_pid = malloc(2 * n * sizeof(int32_t));
	b->parent = malloc(n * sizeof(int32_t));
	if (!b->proc_of_pid || !b->parent)
		return perr(b, "out of memory");
	for (i = 0; i < n; i++) {
		const struct ckpt_task_pids *e = &t[i];

		if (e->flags & ~CKPT_TASK_FLAGS_KNOWN)
			return perr(b, "TREE entry %u (pid %d): unknown flags 0x%x",
				    i, e->pid, e->flags);
		if (e->nr_levels < 1 || e->nr_levels > CKPT_PID_LEVELS_MAX)
			return perr(b, "TREE entry %u (pid %d): nr_levels %u out of range 1..%d",
				    i, e->pid, e->nr_levels, CKPT_PID_LEVELS_MAX);
		if (e->pid <= 0 || e->pids[0] != e->pid)
			return perr(b, "TREE entry %u (pid %d): pids[0] is %d",
				    i, e->pid, e->pids[0]);
		for (k = 0; k < e->nr_levels; k++)
			if (e->pids[k] <= 0)
				return perr(b, "TREE entry %u (pid %d): pid %d at level %u",
					    i, e->pid, e->pids[k], k);
		if (e->exit_signal > 64)
			return perr(b, "TREE entry %u (pid %d): exit signal %u out of range",
				    i, e->pid, e->exit_signal);
		if (is_thread(e)) {
			if (i == 0)
				return perr(b, "the TREE's root (pid %d) is a thread", e->pid);
			if (t[leader].pid != e->tgid)
				return perr(b, "TREE entry %u (tid %d): thread of %d, which does not come right before it",
					    i, e->pid, e->tgid);
			if (e->nr_levels != t[leader].nr_levels)
				return perr(b, "TREE entry %u (tid %d): %u pid levels, its leader has %u",
					    i, e->pid, e->nr_levels, t[leader].nr_levels);
			if (e->flags & (CKPT_TASK_NEWPIDNS | CKPT_TASK_ZOMBIE))
				return perr(b, "TREE entry %u (tid %d): a thread with flags 0x%x",
					    i, e->pid, e->flags);
			b->parent[i] = leader;
			continue;
		}
		leader = (int32_t)i;
		if (e->tgid != e->pid)
			return perr(b, "TREE entry %u (pid %d): tgid %d of a process is not its pid",
				    i, e->pid, e->tgid);
		b->proc_of_pid[2 * b->nr_procs] = e->pid;
		b->proc_of_pid[2 * b->nr_procs + 1] = (int32_t)i;
		b->nr_procs++;
	}
	qsort(b->proc_of_pid, b->nr_procs, 2 * sizeof(int32_t), cmp_pair);
	for (i = 1; i < b->nr_procs; i++)
		if (b->proc_of_pid[2 * i] == b->proc_of_pid[2 * i - 2])
			return perr(b, "pid %d is in the TREE twice", b->proc_of_pid[2 * i]);

	if (t[0].flags & CKPT_TASK_ZOMBIE)
		return perr(b, "the TREE's root (pid %d) is a zombie", t[0].pid);
	if (t[0].nr_levels != 1)
		return perr(b, "the TREE's root (pid %d) has %u pid levels (expected 1)",
			    t[0].pid, t[0].nr_levels);
	b->parent[0] = -1;
	for (i = 1; i < n; i++) {
		int32_t par;

		if (is_thread(&t[i]))
			continue;
		par = proc_by_pid(b, t[i].ppid);
		if (par < 0 || (uint32_t)par >= i)
			return perr(b, "TREE entry %u (pid %d): its parent %d is not an earlier process of the TREE",
				    i, t[i].pid, t[i].ppid);
		if (t[par].flags & CKPT_TASK_ZOMBIE)
			return perr(b, "TREE entry %u (pid %d): its parent %d is a zombie",
				    i, t[i].pid, t[i].ppid);
		b->parent[i] = par;
	}

	/* Sessions and groups must be consistent: the planner relies on it. */
	for (i = 0; i < n; i++) {
		const struct ckpt_task_pids *e = &t[i];
		int32_t l;

		if (is_thread(e))
			continue;
		if (!(e->flags & CKPT_TASK_SESSION_LEADER) != (e->sid != e->pid))
			return perr(b, "TREE entry %u (pid %d): sid %d does not match its session leader flag",
				    i, e->pid, e->sid);
		if (!(e->flags & CKPT_TASK_GROUP_LEADER) != (e->pgid != e->pid))
			return perr(b, "TREE entry %u (pid %d): pgid %d does not match its group leader flag",
				    i, e->pid, e->pgid);
		if (e->sid == e->pid && e->pgid != e->pid)
			return perr(b, "TREE entry %u (pid %d): leads session %d but is in group %d",
				    i, e->pid, e->sid, e->pgid);
		if (e->sid && e->sid != e->pid) {
			l = proc_by_pid(b, e->sid);
			if (l >= 0 && t[l].sid != t[l].pid)
				return perr(b, "TREE entry %u (pid %d): its sid %d names a task that leads no session",
					    i, e->pid, e->sid);
		}
	}
	return 0;
}

/* The pid namespaces of the tree, and every task's one. */
static int plan_namespaces(struct pb *b)
{
	struct mktree_plan *p = b->p;
	const struct ckpt_task_pids *t = b->t;
	uint32_t i, j, k, m = 0;
	int32_t *pairs;

	if (add_ns(b, (p->flags & (MKTREE_PIDNS | MKTREE_SELF)) ? 0 : MKTREE_NONE,
		   0, t[0].pidns_ref) < 0)
		return perr(b, "out of memory");
	/* Every NEWPIDNS entry (but the root) makes one. */
	for (i = 1; i < b->n; i++) {
		if (!(t[i].flags & CKPT_TASK_NEWPIDNS) || is_thread(&t[i]))
			continue;
		if (t[i].pids[t[i].nr_levels - 1] != 1)
			return perr(b, "TREE entry %u (pid %d): init of a pid namespace with pid %d there, not 1",
				    i, t[i].pid, t[i].pids[t[i].nr_levels - 1]);
		if (t[i].pidns_ref)
			for (j = 0; j < p->nr_ns; j++)
				if (p->ns[j].ref == t[i].pidns_ref)
					return perr(b, "TREE entry %u (pid %d): init of pid namespace %u, which is not new",
						    i, t[i].pid, t[i].pidns_ref);
		if (add_ns(b, (int32_t)i, t[i].nr_levels - 1, t[i].pidns_ref) < 0)
			return perr(b, "out of memory");
	}
	/* Each task's own namespace. */
	p->nodes[0].ns = 0;
	for (i = 1; i < b->n; i++) {
		struct mktree_node *nd = &p->nodes[i];
		int32_t par = b->parent[i], ns = -1;

		if (is_thread(&t[i])) {
			nd->ns = p->nodes[par].ns;
			continue;
		}
		if (t[i].flags & CKPT_TASK_NEWPIDNS) {
			for (j = 1; j < p->nr_ns; j++)
				if (p->ns[j].init == (int32_t)i)
					ns = (int32_t)j;
		} else if (t[i].pidns_ref) {
			for (j = 0; j < p->nr_ns; j++)
				if (p->ns[j].ref == t[i].pidns_ref)
					ns = (int32_t)j;
			if (ns < 0)
				return perr(b, "TREE entry %u (pid %d): its pid namespace (ref %u) has no init in the TREE",
					    i, t[i].pid, t[i].pidns_ref);
		} else {
			ns = p->nodes[par].ns;	/* no ref recorded: its parent's */
		}
		nd->ns = ns;
	}
	/* A new namespace is a child of its creator's (the parent's) one. */
	for (j = 1; j < p->nr_ns; j++) {
		int32_t init = p->ns[j].init, pns = p->nodes[b->parent[init]].ns;

		if (p->ns[pns].level + 1 != p->ns[j].level)
			return perr(b, "TREE entry %d (pid %d): its pid namespace is not a child of its parent's (unsupported)",
				    init, t[init].pid);
		p->ns[j].parent = pns;
	}
	for (i = 0; i < b->n; i++) {
		struct mktree_node *nd = &p->nodes[i];
		int32_t pns;

		if (p->ns[nd->ns].level + 1 != t[i].nr_levels)
			return perr(b, "TREE entry %u (pid %d): %u pid levels, its pid namespace is at level %u",
				    i, t[i].pid, t[i].nr_levels, p->ns[nd->ns].level);
		if (i == 0 || is_thread(&t[i]))
			continue;
		if (t[i].pids[t[i].nr_levels - 1] == 1 && !(t[i].flags & CKPT_TASK_NEWPIDNS))
			return perr(b, "TREE entry %u (pid %d): pid 1 in its namespace but not its init",
				    i, t[i].pid);
		pns = p->nodes[b->parent[i]].ns;
		if (t[i].flags & CKPT_TASK_NEWPIDNS || nd->ns == pns)
			continue;
		if (!ns_is_ancestor(p, pns, nd->ns))
			return perr(b, "TREE entry %u (pid %d): in a pid namespace its parent cannot enter (unsupported)",
				    i, t[i].pid);
		nd->setns = p->ns[nd->ns].init;	/* the parent enters it first */
	}

	/* Pids are unique in each namespace at each level. */
	pairs = malloc(b->n * CKPT_PID_LEVELS_MAX * 2 * sizeof(int32_t));
	if (!pairs)
		return perr(b, "out of memory");
	for (i = 0; i < b->n; i++)
		for (k = 0; k < t[i].nr_levels; k++) {
			pairs[2 * m] = ns_at_level(p, p->nodes[i].ns, k);
			pairs[2 * m + 1] = t[i].pids[k];
			m++;
		}
	qsort(pairs, m, 2 * sizeof(int32_t), cmp_pair);
	for (i = 1; i < m; i++)
		if (pairs[2 * i] == pairs[2 * i - 2] && pairs[2 * i + 1] == pairs[2 * i - 1]) {
			perr(b, "pid %d is used twice in the pid namespace at level %u",
			     pairs[2 * i + 1], p->ns[pairs[2 * i]].level);
			free(pairs);
			return -1;
		}
	p->used = pairs;
	p->nr_used = m;
	p->used_cap = b->n * CKPT_PID_LEVELS_MAX;
	return 0;
}

/* ---- helpers ---- */

static int used_cmp_find(const struct mktree_plan *p, int32_t ns, int32_t pid,
			 uint32_t *pos)
{
	uint32_t lo = 0, hi = p->nr_used;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		const int32_t *v = &p->used[2 * mid];

		if (v[0] == ns && v[1] == pid) {
			*pos = mid;
			return 1;
		}
		if (v[0] < ns || (v[0] == ns && v[1] < pid))
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return 0;
}

/* Whether the plan gives pid to a node of namespace ns. */
static int pid_planned(const struct mktree_plan *p, int32_t ns, int32_t pid)
{
	uint32_t pos;

	return used_cmp_find(p, ns, pid, &pos);
}

static int used_add(struct mktree_plan *p, int32_t ns, int32_t pid)
{
	uint32_t pos;

	if (used_cmp_find(p, ns, pid, &pos))
		return 0;
	if (p->nr_used == p->used_cap) {
		uint32_t cap = p->used_cap ? 2 * p->used_cap : 64;
		int32_t *v = realloc(p->used, 2 * cap * sizeof(int32_t));

		if (!v)
			return -1;
		p->used = v;
		p->used_cap = cap;
	}
	memmove(&p->used[2 * (pos + 1)], &p->used[2 * pos],
		(p->nr_used - pos) * 2 * sizeof(int32_t));
	p->used[2 * pos] = ns;
	p->used[2 * pos + 1] = pid;
	p->nr_used++;
	return 0;
}

/*
 * The pids of a helper: the id it stands for at level 0 (session and group
 * helpers); elsewhere, where the image does not say, pids the tree does
 * not use, starting from `start`.
 */
static int helper_pids(struct pb *b, struct mktree_node *h, int32_t id, int32_t start)
{
	struct mktree_plan *p = b->p;
	uint32_t k;

	if (h->helper != MKTREE_HELPER_ORPHAN) {
		h->pids[0] = id;
		if (used_add(p, ns_at_level(p, h->ns, 0), id))
			return perr(b, "out of memory");
	}
	for (k = h->helper == MKTREE_HELPER_ORPHAN ? 0 : 1; k < h->nr_levels; k++) {
		int32_t ns = ns_at_level(p, h->ns, k), pid = k ? 2 : start, tries = 0;

		while (pid_planned(p, ns, pid)) {
			if (++pid >= b->pid_max)
				pid = 2;
			if (++tries > b->pid_max)
				return perr(b, "no free pid for a helper");
		}
		if (used_add(p, ns, pid))
			return perr(b, "out of memory");
		h->pids[k] = pid;
		h->free_levels |= 1u << k;
	}
	return 0;
}

/* Final session of a node (what it is in once it has done its setup). */
static int32_t final_session(struct pb *b, int32_t node)
{
	return b->fsess[node];
}

static int32_t new_helper(struct pb *b, int kind, int32_t creator, int32_t id,
			  int32_t exit_signal)
{
	struct mktree_plan *p = b->p;
	struct mktree_node *h;
	int32_t hn, start;
	uint32_t i;

	if (kind != MKTREE_HELPER_ORPHAN)
		for (i = 0; i < b->n; i++)
			if (is_thread(&b->t[i]) && b->t[i].pid == id) {
				perr(b, "%s id %d is the tid of a thread (TREE entry %u)",
				     kind == MKTREE_HELPER_SESSION ? "session" : "group",
				     id, i);
				return -1;
			}
	hn = add_node(b);
	if (hn < 0) {
		perr(b, "out of memory");
		return -1;
	}
	h = &p->nodes[hn];
	h->kind = MKTREE_HELPER;
	h->helper = kind;
	h->creator = h->parent = creator;
	h->exit_signal = exit_signal;
	h->ns = p->nodes[creator].ns;
	h->nr_levels = p->nodes[creator].nr_levels;
	h->stands_for = id;
	h->session = kind == MKTREE_HELPER_SESSION ? hn : p->nodes[creator].session;
	h->group = kind == MKTREE_HELPER_ORPHAN ? p->nodes[creator].group : hn;
	b->fsess[hn] = kind == MKTREE_HELPER_SESSION ? hn : b->fsess[creator];
	/*
	 * An orphan helper's level-0 pid in the tool's namespace may be taken
	 * by any process: start high, the creator tries the next ones.
	 */
	start = (p->flags & (MKTREE_PIDNS | MKTREE_SELF)) ? 2 : b->pid_max / 2;
	if (!(p->flags & MKTREE_NO_PIDS) && helper_pids(b, h, id, start))
		return -1;
	return hn;
}

static int32_t find_helper(struct pb *b, int32_t id, int kind)
{
	uint32_t i;

	for (i = b->n; i < b->p->nr_nodes; i++)
		if (b->p->nodes[i].helper == kind && b->p->nodes[i].stands_for == id)
			return (int32_t)i;
	return -1;
}

static int pid_in_use(pid_t pid)
{
	return !kill(pid, 0) || errno == EPERM;
}

int (*mktree_pid_in_use)(pid_t pid) = pid_in_use;

/* A session or group id not in the TREE, of a leader still alive outside. */
static int live_outside(struct pb *b, int32_t id)
{
	return (b->p->flags & MKTREE_LIVE_OUTSIDE) && mktree_pid_in_use(id);
}

/* Wanted session and group of every process; helpers for gone leaders. */
static int plan_targets(struct pb *b)
{
	struct mktree_plan *p = b->p;
	const struct ckpt_task_pids *t = b->t, *root = &t[0];
	int in_new_ns = !!(p->flags & (MKTREE_PIDNS | MKTREE_SELF));
	uint32_t i, j;
	char n1[64];
	int root_gl;

	b->root_sl = root->sid == root->pid;
	root_gl = root->pgid == root->pid;
	for (i = 0; i < b->n; i++) {
		struct mktree_node *nd = &p->nodes[i];
		const struct ckpt_task_pids *e = &t[i];
		int32_t l;

		if (is_thread(e))
			continue;
		if (e->sid == e->pid)
			nd->session = (int32_t)i;
		else if (!e->sid || (!b->root_sl && e->sid == root->sid))
			nd->session = MKTREE_OUTSIDE;
		else if ((l = proc_by_pid(b, e->sid)) >= 0)
			nd->session = l;
		else if (live_outside(b, e->sid))
			nd->session = MKTREE_OUTSIDE;	/* the root's before its setsid() */
		else
			nd->session = DEAD;

		/*
		 * A root that led its own group leads it again (its members
		 * join it).  Otherwise, in the tool's namespace, the root and
		 * the tasks of its group stay in the tool's group, for job
		 * control; in a new one that group is out of sight (and
		 * terminal signals do not reach an init): as saved.
		 */
		if (i == 0 && !b->root_sl && !in_new_ns && !root_gl)
			nd->group = MKTREE_OUTSIDE;
		else if (e->pgid == e->pid)
			nd->group = (int32_t)i;
		else if (!e->pgid || (!b->root_sl && !in_new_ns && !root_gl &&
				      e->pgid == root->pgid))
			nd->group = MKTREE_OUTSIDE;
		else if ((l = proc_by_pid(b, e->pgid)) >= 0 && t[l].sid != e->sid) {
			/* its leader left it, then the session: nobody can make it */
			pwarn(b, "%s stays in the group it is born into, not in group %d: its leader %d is in another session now",
			      nname(b, (int32_t)i, n1, sizeof(n1)), e->pgid, e->pgid);
			nd->group = MKTREE_NONE;
		} else if (l >= 0)
			nd->group = l;
		else if (live_outside(b, e->pgid))
			nd->group = MKTREE_OUTSIDE;
		else
			nd->group = DEAD;
		if (nd->group >= 0 && nd->group != (int32_t)i && t[nd->group].pgid != t[nd->group].pid)
			b->former[nd->group] = 1;
	}

	/*
	 * Sessions whose leader is gone.  Their first member in TREE order has
	 * its parent outside the session (the parent is earlier): the helper
	 * is a child of that parent, and creates the members that are its
	 * children with CLONE_PARENT.  Every member of such a session that
	 * is not born of another member was reparented to the same reaper,
	 * so one helper does.
	 */
	for (i = 1; i < b->n; i++) {
		int32_t h;

		if (is_thread(&t[i]) || p->nodes[i].session != DEAD)
			continue;
		h = find_helper(b, t[i].sid, MKTREE_HELPER_SESSION);
		if (h < 0) {
			if (t[i].exit_signal == SIGKILL || t[i].exit_signal == SIGSTOP)
				return perr(b, "TREE entry %u (pid %d): exit signal %u cannot be given to a session helper",
					    i, t[i].pid, t[i].exit_signal);
			b->fsess[b->parent[i]] = p->nodes[b->parent[i]].session;
			h = new_helper(b, MKTREE_HELPER_SESSION, b->parent[i], t[i].sid,
				       (int32_t)t[i].exit_signal);
			if (h < 0)
				return -1;
		}
		p->nodes[i].session = h;
	}
	for (i = 0; i < b->n; i++)
		if (p->nodes[i].kind == MKTREE_TASK)
			b->fsess[i] = p->nodes[i].session;

	/* Groups whose leader is gone: a helper made by a member. */
	for (i = 0; i < b->n; i++) {
		int32_t h, best = -1;

		if (is_thread(&t[i]) || p->nodes[i].group != DEAD)
			continue;
		h = find_helper(b, t[i].pgid, MKTREE_HELPER_SESSION);
		if (h < 0)
			h = find_helper(b, t[i].pgid, MKTREE_HELPER_GROUP);
		if (h < 0) {
			/* The member in the outermost namespace: all can see it. */
			for (j = i; j < b->n; j++)
				if (!is_thread(&t[j]) && t[j].pgid == t[i].pgid &&
				    (best < 0 || t[j].nr_levels < t[best].nr_levels))
					best = (int32_t)j;
			h = new_helper(b, MKTREE_HELPER_GROUP, best, t[i].pgid, SIGCHLD);
			if (h < 0)
				return -1;
		}
		p->nodes[i].group = h;
	}
	return 0;
}

/* ---- who creates whom ---- */

static void link_kid(struct pb *b, int32_t creator, int32_t kid)
{
	b->kid_next[kid] = -1;
	if (b->kid_first[creator] < 0)
		b->kid_first[creator] = kid;
	else
		b->kid_next[b->kid_last[creator]] = kid;
	b->kid_last[creator] = kid;
}

static int is_init(const struct pb *b, int32_t node)
{
	if (node == 0)
		return !!(b->p->flags & (MKTREE_PIDNS | MKTREE_SELF));
	return node > 0 && (uint32_t)node < b->n &&
	       (b->t[node].flags & CKPT_TASK_NEWPIDNS);
}

static int32_t needed_group(struct pb *b, int32_t task);

/*
 * The group a process is in while creating, as far as it depends on itself
 * (MKTREE_NONE: the one it is born into).
 */
static int32_t own_creating_group(struct pb *b, int32_t node);

/*
 * The session each process wants to be born into, bottom-up: its own
 * one, or for a session leader the one it was in before setsid(), as its
 * children that stayed there say.  A child of an init in another session
 * may have been reparented to it instead: it says nothing of the init.
 */
static void plan_wishes(struct pb *b)
{
	struct mktree_plan *p = b->p;
	int32_t i, k, par;

	for (i = (int32_t)b->n - 1; i >= 1; i--) {
		struct mktree_node *nd = &p->nodes[i];

		if (nd->kind != MKTREE_TASK)
			continue;
		if (nd->session != i) {
			b->wish[i] = nd->session;
			continue;
		}
		b->wish[i] = ANY_SESSION;
		for (k = b->tkid_first[i]; k >= 0; k = b->tkid_next[k]) {
			int32_t y = b->wish[k];

			if (y == ANY_SESSION || y == i)
				continue;
			if (y >= (int32_t)b->n && p->nodes[y].creator == i)
				continue;	/* its session helper is i's child */
			/* its parent's session (or, for a leader, maybe its old one) */
			par = b->parent[i];
			if (is_init(b, i) && y != p->nodes[par].session &&
			    !(p->nodes[par].session == par && (par || y == MKTREE_OUTSIDE)))
				continue;
			b->wish[i] = y;
			break;
		}
	}
	/*
	 * The group it must be born into, bottom-up: the one it cannot join
	 * later (needed_group()), or the one a child must inherit from it and
	 * that it leaves (that child is then created before its setpgid()).
	 */
	for (i = (int32_t)b->n - 1; i >= 1; i--) {
		int32_t own;

		if (p->nodes[i].kind != MKTREE_TASK)
			continue;
		b->gwish[i] = needed_group(b, i);
		if (b->gwish[i] != MKTREE_NONE)
			continue;
		own = own_creating_group(b, i);
		for (k = b->tkid_first[i]; k >= 0; k = b->tkid_next[k])
			if (b->gwish[k] != MKTREE_NONE && b->gwish[k] != own) {
				b->gwish[i] = b->gwish[k];
				break;
			}
	}
}

static int visible(struct pb *b, int32_t g, int32_t node);

/*
 * The group a node is in while it creates in phase A (after its pre
 * children): a session leader's own one, the one a former group leader
 * made, the one a process joins first thing (see group_now()) if it can
 * see it, else the one it was born into; helpers' as they are.
 */
static int32_t own_creating_group(struct pb *b, int32_t node)
{
	const struct mktree_node *nd = &b->p->nodes[node];

	if (nd->session == node || b->former[node])
		return node;
	if (nd->group == MKTREE_NONE || !visible(b, nd->group, node))
		return MKTREE_NONE;
	return nd->group;
}

static int32_t creating_group(struct pb *b, int32_t node)
{
	const struct mktree_node *nd = &b->p->nodes[node];
	int32_t g;

	if (nd->kind == MKTREE_HELPER)
		return nd->helper == MKTREE_HELPER_ORPHAN ? creating_group(b, nd->creator) : node;
	g = own_creating_group(b, node);
	return g == MKTREE_NONE ? b->bgrp[node] : g;
}

/*
 * The group a task must be born into, or MKTREE_NONE: a task that can
 * see its group's leader joins it later, or its parent moves it; one that
 * cannot (an init of a namespace whose group leader is outside it) must
 * inherit it from its creator, as it once did.
 */
static int32_t needed_group(struct pb *b, int32_t task)
{
	int32_t g = b->p->nodes[task].group, par = b->parent[task];

	if (g == MKTREE_NONE || visible(b, g, task) || (visible(b, g, par) &&
				    final_session(b, par) == final_session(b, task)))
		return MKTREE_NONE;
	return g;
}

static void set_creator(struct pb *b, int32_t task, int32_t creator, int clone_parent)
{
	struct mktree_node *nd = &b->p->nodes[task];

	b->bgrp[task] = b->pre[task] ? b->bgrp[creator] : creating_group(b, creator);
	nd->creator = creator;
	if (clone_parent)
		nd->clone_flags |= CLONE_PARENT;
	b->decided[task] = 1;
	if (nd->session != task)
		b->fsess[task] = b->bsess[task];
}

/*
 * Choose who creates `task` so that it is born into the session it wants,
 * with its parent as its parent.  Returns 1 if decided, 0 to try again
 * once more tasks are decided (unless `last`: then its parent creates it
 * in whatever session, with a warning).
 */
static int choose_creator(struct pb *b, int32_t task, int last)
{
	struct mktree_plan *p = b->p;
	const struct ckpt_task_pids *t = b->t;
	int32_t par = b->parent[task], z = b->wish[task], m, q = -1, h, g;
	int pass, par_leads = p->nodes[par].session == par;
	uint32_t i;
	char n1[64], n2[64], n3[64];

#define GROUP_OK(x) (g == MKTREE_NONE || creating_group(b, (x)) == g)
	b->bsess[task] = z;
	/*
	 * 1. The parent is in that session now, or was before its setsid() or
	 * setpgid() ("pre" children).  First where the task is born into its
	 * group too, then where it is born into a group it can leave.
	 */
	for (pass = 0; pass < 2; pass++) {
		g = pass ? b->gwish[task] : p->nodes[task].group;
		if (!pass && b->gwish[task] != MKTREE_NONE && b->gwish[task] != g)
			continue;	/* it must be born into another group */
		if ((z == ANY_SESSION || z == final_session(b, par)) && GROUP_OK(par)) {
			if (z == ANY_SESSION)
				b->bsess[task] = final_session(b, par);
			set_creator(b, task, par, 0);
			return 1;
		}
		if (g != MKTREE_NONE && b->bgrp[par] != g)
			continue;
		if ((par_leads && (z == ANY_SESSION || z == b->bsess[par])) ||
		    (!par_leads && (z == ANY_SESSION || z == final_session(b, par)))) {
			if (z == ANY_SESSION)
				b->bsess[task] = b->bsess[par];
			b->pre[task] = 1;
			set_creator(b, task, par, 0);
			return 1;
		}
	}
	if (z == ANY_SESSION)
		z = b->bsess[task] = final_session(b, par);	/* but another group */
	g = b->gwish[task];
	/* 2. The helper of a session whose leader is gone, a child of the parent. */
	if (z >= (int32_t)b->n && p->nodes[z].helper == MKTREE_HELPER_SESSION &&
	    p->nodes[z].creator == par && GROUP_OK(z) &&
	    p->nodes[z].exit_signal == (int32_t)t[task].exit_signal) {
		set_creator(b, task, z, 1);
		return 1;
	}
	/* 3. A sibling in that session, with CLONE_PARENT (the leader first). */
	for (m = b->tkid_first[par]; m >= 0; m = b->tkid_next[m]) {
		if (m == task || !b->decided[m] || is_init(b, m) || !GROUP_OK(m) ||
		    final_session(b, m) != z || t[m].exit_signal != t[task].exit_signal)
			continue;
		if (q < 0 || m == z)
			q = m;
	}
	if (q >= 0) {
		set_creator(b, task, q, 1);
		return 1;
	}
	/*
	 * 4. The parent is a reaper (an init; or the root, made a subreaper
	 * while the tree is built): a member of the session in the parent's
	 * namespace creates an orphan helper, which creates the task and
	 * exits; the task is reparented to the parent, as it once was.
	 */
	if ((is_init(b, par) || par == 0) && t[task].exit_signal == SIGCHLD) {
		if (z >= 0 && b->decided[z] && p->nodes[z].ns == p->nodes[par].ns &&
		    final_session(b, z) == z && GROUP_OK(z))
			q = z;
		for (i = 0; q < 0 && i < p->nr_nodes; i++)
			if (p->nodes[i].kind != MKTREE_THREAD &&
			    (p->nodes[i].kind == MKTREE_HELPER ?
			     p->nodes[i].helper == MKTREE_HELPER_SESSION : b->decided[i]) &&
			    p->nodes[i].ns == p->nodes[par].ns && GROUP_OK((int32_t)i) &&
			    final_session(b, (int32_t)i) == z)
				q = (int32_t)i;
		if (q >= 0) {
			h = new_helper(b, MKTREE_HELPER_ORPHAN, q, task, SIGCHLD);
			if (h < 0)
				return -1;
			p->nodes[task].orphan = 1;
			if (par == 0 && !is_init(b, 0))
				p->root_subreaper = 1;
			set_creator(b, task, h, 0);
			return 1;
		}
	}
#undef GROUP_OK
	if (!last)
		return 0;
	if (z == final_session(b, par)) {	/* only the group is wrong */
		set_creator(b, task, par, 0);
		return 1;	/* phase B says why */
	}
	pwarn(b, "%s is born into the session of its parent %s, not into the one of %s: nothing in that session can create it as a child of its parent",
	      nname(b, task, n1, sizeof(n1)), nname(b, par, n2, sizeof(n2)),
	      z == MKTREE_OUTSIDE ? "the tool" : nname(b, z, n3, sizeof(n3)));
	b->bsess[task] = final_session(b, par);
	set_creator(b, task, par, 0);
	return 1;
}

static int plan_creators(struct pb *b)
{
	uint32_t i;
	int progress, last = 0, r;

	b->decided[0] = 1;
	b->bsess[0] = MKTREE_OUTSIDE;
	b->bgrp[0] = MKTREE_OUTSIDE;
	for (;;) {
		int left = 0;

		progress = 0;
		for (i = 1; i < b->n; i++) {
			if (b->p->nodes[i].kind != MKTREE_TASK || b->decided[i])
				continue;
			if (!b->decided[b->parent[i]]) {
				left = 1;
				continue;
			}
			r = choose_creator(b, (int32_t)i, last);
			if (r < 0)
				return -1;
			if (r) {
				progress = 1;
				last = 0;
			} else {
				left = 1;
			}
		}
		if (!left)
			return 0;
		if (!progress)
			last = 1;	/* stuck: the first undecided one gives in */
	}
}

/* ---- phase A ---- */

static void sim_group(struct pb *b, int32_t node, int32_t g)
{
	if (b->grp[node] == MKTREE_OUTSIDE)
		b->out_count--;
	else if (b->grp[node] >= 0)
		b->grp_count[b->grp[node]]--;
	b->grp[node] = g;
	if (g == MKTREE_OUTSIDE)
		b->out_count++;
	else if (g >= 0)
		b->grp_count[g]++;
}

static int group_exists(struct pb *b, int32_t g)
{
	return g == MKTREE_OUTSIDE || b->grp_count[g] > 0;
}

static int32_t group_session(struct pb *b, int32_t g)
{
	return g == MKTREE_OUTSIDE ? MKTREE_OUTSIDE : b->grp_sess[g];
}

/* Whether the pid of group leader g is visible from node's namespace. */
static int visible(struct pb *b, int32_t g, int32_t node)
{
	struct mktree_plan *p = b->p;

	if (g == MKTREE_OUTSIDE)
		return !(p->flags & (MKTREE_PIDNS | MKTREE_SELF)) && p->nodes[node].ns == 0;
	return ns_is_ancestor(p, p->nodes[node].ns, p->nodes[g].ns);
}

static int setpgid_step(struct pb *b, int32_t actor, int32_t target, int32_t g)
{
	if (add_step(b, MKTREE_OP_SETPGID, actor, target, g))
		return -1;
	if (g == target)
		b->grp_sess[target] = b->sess[target];
	sim_group(b, target, g);
	return 0;
}

/* Step 1 of a process: its group now, if it can. */
static int group_now(struct pb *b, int32_t node)
{
	int32_t g = b->p->nodes[node].group;

	if (b->former[node])	/* it makes its group; it leaves it in phase B */
		return setpgid_step(b, node, node, node);
	if (b->grp[node] == g || g == MKTREE_NONE)
		return 0;
	if (g == node)
		return setpgid_step(b, node, node, node);
	if (group_exists(b, g) && group_session(b, g) == b->sess[node] &&
	    visible(b, g, node))
		return setpgid_step(b, node, node, g);
	return 0;	/* later, in phase B */
}

static int create(struct pb *b, int32_t actor, int32_t kid);

/* The nodes `creator` creates; pre: only those born before its setsid(). */
static int create_kids(struct pb *b, int32_t creator, int pre)
{
	int32_t k;
	int early;

	for (early = 1; early >= 0; early--)
		for (k = b->kid_first[creator]; k >= 0; k = b->kid_next[k]) {
			if (b->created[k] || b->early[k] != early)
				continue;
			if (pre && !b->pre[k])
				continue;
			if (create(b, creator, k))
				return -1;
		}
	return 0;
}

static int setsid_step(struct pb *b, int32_t node)
{
	if (add_step(b, MKTREE_OP_SETSID, node, MKTREE_NONE, MKTREE_NONE))
		return -1;
	b->sess[node] = node;
	b->grp_sess[node] = node;
	sim_group(b, node, node);
	return 0;
}

/* Everything a process or helper does in phase A, once created. */
static int build(struct pb *b, int32_t node)
{
	struct mktree_node *nd = &b->p->nodes[node];

	if (nd->kind == MKTREE_HELPER) {
		if (nd->helper == MKTREE_HELPER_GROUP)
			return 0;	/* phase B */
		if (nd->helper == MKTREE_HELPER_SESSION && setsid_step(b, node))
			return -1;
		return create_kids(b, node, 0);
	}
	if (nd->session != node) {
		uint32_t i;

		/* the children that stay in the group it was born into */
		if (create_kids(b, node, 1))
			return -1;
		/* the helpers of the gone group leaders it stands for */
		for (i = b->n; i < b->p->nr_nodes; i++)
			if (b->p->nodes[i].helper == MKTREE_HELPER_GROUP &&
			    b->p->nodes[i].creator == node &&
			    (create(b, node, (int32_t)i) ||
			     setpgid_step(b, (int32_t)i, (int32_t)i, (int32_t)i)))
				return -1;
		if (group_now(b, node))
			return -1;
		return create_kids(b, node, 0);
	}
	if (create_kids(b, node, 1) || setsid_step(b, node))
		return -1;
	return create_kids(b, node, 0);
}

static int create(struct pb *b, int32_t actor, int32_t kid)
{
	struct mktree_plan *p = b->p;
	struct mktree_node *kd = &p->nodes[kid];
	char n1[64], n2[64];
	int32_t k;

	if (kd->setns >= 0 && !b->alive[kd->setns])
		return perr(b, "%s enters the pid namespace of %s, which does not exist yet when it is created (unsupported)",
			    nname(b, kid, n1, sizeof(n1)), nname(b, kd->setns, n2, sizeof(n2)));
	kd->creator = actor;
	kd->create_step = (int32_t)p->nr_steps;
	if (add_step(b, MKTREE_OP_CREATE, actor, kid, MKTREE_NONE))
		return -1;
	b->created[kid] = b->alive[kid] = 1;
	if (kd->clone_flags & CLONE_PARENT) {
		kd->exit_signal = 0;	/* it gets its creator's */
		b->sparent[kid] = b->sparent[actor];
	} else if (kd->kind == MKTREE_THREAD) {
		b->sparent[kid] = b->sparent[actor];	/* a thread's is its leader's */
	} else {
		b->sparent[kid] = actor;
	}
	if (kd->kind == MKTREE_THREAD)
		return 0;
	b->sess[kid] = b->sess[actor];
	b->grp[kid] = MKTREE_NONE;
	sim_group(b, kid, b->grp[actor]);
	if (build(b, kid))
		return -1;
	if (kd->kind == MKTREE_HELPER && kd->helper == MKTREE_HELPER_ORPHAN) {
		/* Its task is complete: it exits, the task goes to its reaper. */
		if (add_step(b, MKTREE_OP_EXIT, kid, MKTREE_NONE, MKTREE_NONE) ||
		    add_step(b, MKTREE_OP_REAP, actor, kid, MKTREE_NONE))
			return -1;
		b->alive[kid] = 0;
		sim_group(b, kid, MKTREE_NONE);
		for (k = b->kid_first[kid]; k >= 0; k = b->kid_next[k])
			b->sparent[k] = b->parent[k];
	}
	return 0;
}

/* ---- phases B, C, D ---- */

static int plan_groups(struct pb *b)
{
	struct mktree_plan *p = b->p;
	uint32_t i, pass;
	char n1[64], n2[64];

	/* former group leaders move last: their group must exist until then */
	for (pass = 0; pass < 2 * b->n; pass++) {
		int32_t node = (int32_t)(pass % b->n), g = p->nodes[node].group, par;

		i = (uint32_t)node;
		if (p->nodes[i].kind != MKTREE_TASK || b->grp[node] == g ||
		    g == MKTREE_NONE || (pass < b->n) == !!b->former[node])
			continue;
		if (!group_exists(b, g)) {
			pwarn(b, "%s stays out of the process group of %s: that group does not exist any more",
			      nname(b, node, n1, sizeof(n1)), nname(b, g, n2, sizeof(n2)));
			continue;
		}
		if (group_session(b, g) != b->sess[node]) {
			pwarn(b, "%s stays out of the process group of %s: they are in different sessions",
			      nname(b, node, n1, sizeof(n1)), g == MKTREE_OUTSIDE ?
			      "the tool" : nname(b, g, n2, sizeof(n2)));
			continue;
		}
		if (visible(b, g, node)) {
			if (setpgid_step(b, node, node, g))
				return -1;
			continue;
		}
		par = b->sparent[node];
		if (par >= 0 && p->nodes[par].kind == MKTREE_TASK &&
		    b->sess[par] == b->sess[node] && visible(b, g, par)) {
			if (setpgid_step(b, par, node, g))
				return -1;
			continue;
		}
		pwarn(b, "%s stays out of the process group of %s: no task that may move it can see that group",
		      nname(b, node, n1, sizeof(n1)), g == MKTREE_OUTSIDE ?
		      "the tool" : nname(b, g, n2, sizeof(n2)));
	}
	return 0;
}

static int plan_exits(struct pb *b)
{
	struct mktree_plan *p = b->p;
	uint32_t i;
	int kind;

	/* group helpers first: they may be children of a session helper's tasks */
	for (kind = MKTREE_HELPER_GROUP; kind >= MKTREE_HELPER_SESSION; kind--)
		for (i = b->n; i < p->nr_nodes; i++) {
			if (p->nodes[i].helper != kind)
				continue;
			if (add_step(b, MKTREE_OP_EXIT, (int32_t)i, MKTREE_NONE, MKTREE_NONE) ||
			    add_step(b, MKTREE_OP_REAP, p->nodes[i].parent, (int32_t)i,
				     MKTREE_NONE))
				return -1;
			b->alive[i] = 0;
			sim_group(b, (int32_t)i, MKTREE_NONE);
		}
	return 0;
}

static int plan_threads(struct pb *b)
{
	struct mktree_plan *p = b->p;
	uint32_t i;

	for (i = 1; i < b->n; i++)
		if (p->nodes[i].kind == MKTREE_THREAD &&
		    create(b, b->parent[i], (int32_t)i))
			return -1;
	return 0;
}

/*
 * The namespace of a process's future children.  The TREE does not keep
 * it; a process with a child made init of a new namespace is taken to
 * have done unshare(CLONE_NEWPID) and fork() (what unshare -f does), so
 * its later children go there too.  After its threads: CLONE_THREAD is
 * refused once it differs from the process's own namespace.
 */
static int plan_children_ns(struct pb *b)
{
	uint32_t i;
	int32_t k, last;

	for (i = 0; i < b->n; i++) {
		if (b->p->nodes[i].kind != MKTREE_TASK)
			continue;
		last = -1;
		for (k = b->tkid_first[i]; k >= 0; k = b->tkid_next[k])
			if (b->t[k].flags & CKPT_TASK_NEWPIDNS)
				last = k;
		if (last >= 0 && add_step(b, MKTREE_OP_SETNS, (int32_t)i, last, MKTREE_NONE))
			return -1;
	}
	return 0;
}

static int read_pid_max(void)
{
	char buf[32];
	int fd = open("/proc/sys/kernel/pid_max", O_RDONLY | O_CLOEXEC), v = 0;
	ssize_t n;

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			v = atoi(buf);
		}
		close(fd);
	}
	return v > 300 ? v : 32768;
}

static void pb_free(struct pb *b)
{
	free(b->proc_of_pid);
	free(b->parent);
	free(b->wish);
	free(b->gwish);
	free(b->bsess);
	free(b->fsess);
	free(b->pre);
	free(b->decided);
	free(b->tkid_first);
	free(b->tkid_next);
	free(b->tkid_last);
	free(b->kid_first);
	free(b->kid_next);
	free(b->kid_last);
	free(b->early);
	free(b->former);
	free(b->bgrp);
	free(b->created);
	free(b->alive);
	free(b->sess);
	free(b->grp);
	free(b->sparent);
	free(b->grp_count);
	free(b->grp_sess);
}

/*
 * Per-node arrays of the builder.  Nodes: the TREE's, at most one session
 * and one group helper per distinct id, one orphan helper per task.
 */
static int pb_alloc(struct pb *b)
{
	uint32_t i, nn = 4 * b->n + 1;

#define PB_ARRAY(f, sz) do { b->f = calloc(nn, sz); if (!b->f) goto nomem; } while (0)
	PB_ARRAY(wish, sizeof(int32_t));
	PB_ARRAY(gwish, sizeof(int32_t));
	PB_ARRAY(bsess, sizeof(int32_t));
	PB_ARRAY(fsess, sizeof(int32_t));
	PB_ARRAY(pre, 1);
	PB_ARRAY(decided, 1);
	PB_ARRAY(tkid_first, sizeof(int32_t));
	PB_ARRAY(tkid_next, sizeof(int32_t));
	PB_ARRAY(tkid_last, sizeof(int32_t));
	PB_ARRAY(kid_first, sizeof(int32_t));
	PB_ARRAY(kid_next, sizeof(int32_t));
	PB_ARRAY(kid_last, sizeof(int32_t));
	PB_ARRAY(early, 1);
	PB_ARRAY(former, 1);
	PB_ARRAY(bgrp, sizeof(int32_t));
	PB_ARRAY(created, 1);
	PB_ARRAY(alive, 1);
	PB_ARRAY(sess, sizeof(int32_t));
	PB_ARRAY(grp, sizeof(int32_t));
	PB_ARRAY(sparent, sizeof(int32_t));
	PB_ARRAY(grp_count, sizeof(int32_t));
	PB_ARRAY(grp_sess, sizeof(int32_t));
#undef PB_ARRAY
	for (i = 0; i < nn; i++) {
		b->kid_first[i] = b->kid_next[i] = b->kid_last[i] = -1;
		b->tkid_first[i] = b->tkid_next[i] = b->tkid_last[i] = -1;
		b->sess[i] = b->grp[i] = b->sparent[i] = MKTREE_NONE;
		b->grp_sess[i] = b->wish[i] = b->bsess[i] = b->fsess[i] = MKTREE_NONE;
		b->bgrp[i] = b->gwish[i] = MKTREE_NONE;
	}
	return 0;
nomem:
	return perr(b, "out of memory");
}

static void plan_clone_args(struct mktree_plan *p)
{
	uint32_t i;

	for (i = 0; i < p->nr_tasks; i++) {
		struct mktree_node *nd = &p->nodes[i];
		const struct ckpt_task_pids *e = &p->tasks[i];

		if (nd->kind == MKTREE_THREAD) {
			const struct ckpt_task_pids *l = &p->tasks[nd->creator];

			nd->clone_flags = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND |
					  CLONE_SYSVSEM;
			if (e->files_ref == l->files_ref)
				nd->clone_flags |= CLONE_FILES;
			if (e->fs_ref == l->fs_ref)
				nd->clone_flags |= CLONE_FS;
			nd->exit_signal = 0;
		} else if (i == 0) {
			nd->clone_flags = (p->flags & MKTREE_PIDNS) ? CLONE_NEWPID : 0;
			/* the tool is its parent: it is waited for with SIGCHLD */
			nd->exit_signal = SIGCHLD;
		} else if (e->flags & CKPT_TASK_NEWPIDNS) {
			nd->clone_flags |= CLONE_NEWPID;
		}
	}
}

int mktree_plan_build(struct mktree_plan *p, const struct ckpt_task_pids *tasks,
		      uint32_t nr, unsigned int flags)
{
	struct pb b;
	uint32_t i;
	int ret = -1;

	memset(p, 0, sizeof(*p));
	memset(&b, 0, sizeof(b));
	p->tasks = tasks;
	p->nr_tasks = nr;
	p->flags = flags;
	b.p = p;
	b.t = tasks;
	b.n = nr;
	b.pid_max = p->pid_max = read_pid_max();
	if (check_entries(&b))
		goto out;
	if (!(flags & (MKTREE_PIDNS | MKTREE_SELF)) && !(flags & MKTREE_NO_PIDS) &&
	    (tasks[0].pid == 1 || (tasks[0].flags & CKPT_TASK_NEWPIDNS))) {
		perr(&b, "the image's root has pid 1: it is the init of a pid namespace (a container image); restart it in a new pid namespace with --pidns");
		goto out;
	}
	if ((flags & MKTREE_PIDNS) && !(flags & MKTREE_NO_PIDS) && tasks[0].pid != 1) {
		perr(&b, "--pidns: the image's root has pid %d, not 1: it is not a container image (restart it without --pidns, or with --no-pids)",
		     tasks[0].pid);
		goto out;
	}
	if (pb_alloc(&b))
		goto out;
	for (i = 0; i < nr; i++) {
		int32_t n = add_node(&b);
		struct mktree_node *nd;

		if (n < 0) {
			perr(&b, "out of memory");
			goto out;
		}
		nd = &p->nodes[n];
		nd->kind = is_thread(&tasks[i]) ? MKTREE_THREAD : MKTREE_TASK;
		nd->index = (int32_t)i;
		nd->nr_levels = tasks[i].nr_levels;
		if (!(flags & MKTREE_NO_PIDS))
			memcpy(nd->pids, tasks[i].pids, sizeof(nd->pids));
		nd->exit_signal = (int32_t)tasks[i].exit_signal;
	}
	if (plan_namespaces(&b))
		goto out;
	for (i = 1; i < nr; i++) {
		p->nodes[i].creator = p->nodes[i].parent = b.parent[i];
		if (p->nodes[i].kind == MKTREE_TASK) {
			int32_t par = b.parent[i];

			b.tkid_next[i] = -1;
			if (b.tkid_first[par] < 0)
				b.tkid_first[par] = (int32_t)i;
			else
				b.tkid_next[b.tkid_last[par]] = (int32_t)i;
			b.tkid_last[par] = (int32_t)i;
		}
	}
	p->nodes[0].creator = p->nodes[0].parent = MKTREE_OUTSIDE;
	plan_clone_args(p);
	if (plan_targets(&b))
		goto out;
	plan_wishes(&b);
	if (plan_creators(&b))
		goto out;

	/* Who creates whom in phase A: processes, then helpers. */
	for (i = 1; i < nr; i++)
		if (p->nodes[i].kind == MKTREE_TASK)
			link_kid(&b, p->nodes[i].creator, (int32_t)i);
	for (i = nr; i < p->nr_nodes; i++)
		if (p->nodes[i].helper != MKTREE_HELPER_GROUP)
			link_kid(&b, p->nodes[i].creator, (int32_t)i);
	for (i = 1; i < nr; i++)
		if (p->nodes[i].setns >= 0)
			b.early[p->nodes[i].setns] = 1;

	/* The root exists (the tool or the caller made it): phase A from it. */
	b.created[0] = b.alive[0] = 1;
	b.sess[0] = MKTREE_OUTSIDE;
	b.sparent[0] = MKTREE_OUTSIDE;
	sim_group(&b, 0, MKTREE_OUTSIDE);
	if (build(&b, 0) || plan_groups(&b) || plan_exits(&b) || plan_threads(&b) ||
	    plan_children_ns(&b))
		goto out;
	for (i = 1; i < p->nr_nodes; i++)
		if (!b.created[i]) {
			char n1[64];

			perr(&b, "internal error: %s is never created",
			     nname(&b, (int32_t)i, n1, sizeof(n1)));
			goto out;
		}

	p->first_step = malloc(p->nr_nodes * sizeof(int32_t));
	p->next_step = malloc((p->nr_steps + 1) * sizeof(int32_t));
	if (!p->first_step || !p->next_step) {
		perr(&b, "out of memory");
		goto out;
	}
	for (i = 0; i < p->nr_nodes; i++)
		p->first_step[i] = -1;
	for (i = p->nr_steps; i-- > 0;) {
		int32_t a = p->steps[i].actor;

		p->next_step[i] = p->first_step[a];
		p->first_step[a] = (int32_t)i;
	}
	ret = 0;
out:
	pb_free(&b);
	return ret;
}

uint32_t mktree_set_tid(const struct mktree_plan *p, int32_t node,
			pid_t tids[CKPT_PID_LEVELS_MAX])
{
	const struct mktree_node *nd = &p->nodes[node];
	uint32_t k;

	if (p->flags & MKTREE_NO_PIDS)
		return 0;
	for (k = 0; k < nd->nr_levels; k++)
		tids[k] = nd->pids[nd->nr_levels - 1 - k];	/* innermost first */
	return nd->nr_levels;
}

void mktree_plan_free(struct mktree_plan *p)
{
	free(p->nodes);
	free(p->ns);
	free(p->steps);
	free(p->first_step);
	free(p->next_step);
	free(p->warnings);
	free(p->used);
	p->used = NULL;
	p->nodes = NULL;
	p->ns = NULL;
	p->steps = NULL;
	p->first_step = p->next_step = NULL;
	p->warnings = NULL;
}

/* ================================================================ printing */

static void print_flags(FILE *f, uint64_t fl)
{
	static const struct { uint64_t bit; const char *name; } names[] = {
		{ CLONE_VM, "CLONE_VM" }, { CLONE_FS, "CLONE_FS" },
		{ CLONE_FILES, "CLONE_FILES" }, { CLONE_SIGHAND, "CLONE_SIGHAND" },
		{ CLONE_PARENT, "CLONE_PARENT" }, { CLONE_THREAD, "CLONE_THREAD" },
		{ CLONE_SYSVSEM, "CLONE_SYSVSEM" }, { CLONE_NEWPID, "CLONE_NEWPID" },
	};
	size_t i;
	int any = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (fl & names[i].bit) {
			fprintf(f, "%s%s", any ? "|" : "", names[i].name);
			any = 1;
		}
	if (!any)
		fputs("0", f);
}

static void print_clone(const struct mktree_plan *p, int32_t node, FILE *f)
{
	const struct mktree_node *nd = &p->nodes[node];
	pid_t tids[CKPT_PID_LEVELS_MAX];
	uint32_t k, n = mktree_set_tid(p, node, tids);

	fputs("clone3(flags=", f);
	print_flags(f, nd->clone_flags);
	if (nd->clone_flags & (CLONE_PARENT | CLONE_THREAD))
		fputs(", exit_signal=0", f);
	else
		fprintf(f, ", exit_signal=%d", nd->exit_signal);
	if (n) {
		fputs(", set_tid={", f);
		for (k = 0; k < n; k++)
			fprintf(f, "%d%s", (int)tids[k], k + 1 < n ? "," : "");
		fputs("}", f);
	}
	fputs(")", f);
}

static void print_levels(const struct mktree_plan *p, const struct mktree_node *nd,
			 FILE *f)
{
	uint32_t k;

	if (nd->nr_levels <= 1 || (p->flags & MKTREE_NO_PIDS))
		return;
	fputs(" (pids by level", f);
	for (k = 0; k < nd->nr_levels; k++)
		fprintf(f, "%s%d", k ? "/" : " ", nd->pids[k]);
	fputs(")", f);
}

void mktree_plan_print(const struct mktree_plan *p, FILE *f)
{
	uint32_t i, nthreads = 0, nzombies = 0, nhelpers = 0;
	char n1[64], n2[64], n3[64];
	unsigned long rflags;

	for (i = 0; i < p->nr_tasks; i++) {
		nthreads += p->nodes[i].kind == MKTREE_THREAD;
		nzombies += !!(p->tasks[i].flags & CKPT_TASK_ZOMBIE);
	}
	nhelpers = p->nr_nodes - p->nr_tasks;
	fprintf(f, "plan: %u tasks (%u threads, %u zombies), %u helpers, %u steps; %s%s\n",
		p->nr_tasks, nthreads, nzombies, nhelpers, p->nr_steps,
		(p->flags & MKTREE_NO_PIDS) ? "pids not restored" : "pids restored",
		(p->flags & MKTREE_PIDNS) ? "; the root in a new pid namespace" :
		(p->flags & MKTREE_SELF) ? "; the calling process is the root" : "");
	mktree_node_name(p, 0, n1, sizeof(n1));
	if (p->flags & MKTREE_SELF) {
		fprintf(f, "   0. the calling process is %s\n", n1);
	} else {
		fprintf(f, "   0. the tool creates %s: ", n1);
		print_clone(p, 0, f);
		fputc('\n', f);
	}
	for (i = 0; i < p->nr_steps; i++) {
		const struct mktree_step *s = &p->steps[i];
		const struct mktree_node *t = s->target >= 0 ? &p->nodes[s->target] : NULL;

		mktree_node_name(p, s->actor, n1, sizeof(n1));
		fprintf(f, "%4u. %s: ", i + 1, n1);
		switch (s->op) {
		case MKTREE_OP_CREATE:
			mktree_node_name(p, s->target, n2, sizeof(n2));
			fprintf(f, "creates %s%s", t->kind == MKTREE_THREAD ? "thread " :
				t->kind == MKTREE_HELPER ? "helper " : "", n2);
			if (t->index >= 0 && (p->tasks[t->index].flags & CKPT_TASK_ZOMBIE))
				fputs(" (zombie)", f);
			print_levels(p, t, f);
			if (t->clone_flags & CLONE_PARENT) {
				mktree_node_name(p, t->parent, n3, sizeof(n3));
				fprintf(f, " as a child of %s", n3);
			}
			if (t->setns >= 0) {
				mktree_node_name(p, t->setns, n3, sizeof(n3));
				fprintf(f, " in the pid namespace of %s (setns)", n3);
			}
			fputs(": ", f);
			print_clone(p, s->target, f);
			break;
		case MKTREE_OP_SETSID:
			fputs("setsid()", f);
			break;
		case MKTREE_OP_SETPGID:
			if (s->target == s->actor && s->arg == s->actor) {
				fputs("setpgid(0, 0)", f);
				break;
			}
			mktree_node_name(p, s->target, n2, sizeof(n2));
			if (s->arg == MKTREE_OUTSIDE)
				snprintf(n3, sizeof(n3), "the tool's group");
			else
				mktree_node_name(p, s->arg, n3, sizeof(n3));
			if (s->target == s->actor)
				fprintf(f, "setpgid(0, <%s>): joins the group of %s", n3, n3);
			else
				fprintf(f, "setpgid(<%s>, <%s>): puts its child into the group of %s",
					n2, n3, n3);
			break;
		case MKTREE_OP_EXIT:
			fputs("exits", f);
			break;
		case MKTREE_OP_REAP:
			mktree_node_name(p, s->target, n2, sizeof(n2));
			fprintf(f, "reaps %s", n2);
			break;
		case MKTREE_OP_SETNS:
			mktree_node_name(p, s->target, n2, sizeof(n2));
			fprintf(f, "setns(<pidfd of %s>, CLONE_NEWPID): its next children go into that namespace",
				n2);
			break;
		}
		fputc('\n', f);
	}
	rflags = ((p->flags & MKTREE_NO_PIDS) ? CKPT_RESTART_NO_PIDS : 0) |
		 ((p->flags & MKTREE_FORCE_FILES) ? CKPT_RESTART_FORCE_FILES : 0);
	if (p->flags & MKTREE_NO_PIDS)
		fprintf(f, "then every task enters restart(): %s restart(0, image, 0x%lx, log), every other one restart(<root pid>, <its TREE index>, 0x%lx, -1)\n",
			"the root", rflags, rflags);
	else
		fprintf(f, "then every task enters restart(): the root restart(0, image, 0x%lx, log), every other one restart(%d, -1, 0x%lx, -1)\n",
			rflags, p->tasks[0].pid, rflags);
	if (p->warnings)
		for (i = 0; p->warnings[i]; ) {
			const char *nl = strchr(p->warnings + i, '\n');
			size_t len = nl ? (size_t)(nl - (p->warnings + i)) : strlen(p->warnings + i);

			fprintf(f, "warning: %.*s\n", (int)len, p->warnings + i);
			i += (uint32_t)len + (nl ? 1 : 0);
		}
}

/* ================================================================ running */

/*
 * Raw system calls: the threads of the tree run on a stack of their own
 * without the C library (whose errno and locks belong to the leader), so
 * everything they use is here, with no stack protector either.
 */
static inline long rsys(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;

	__asm__ volatile ("syscall"
			  : "=a"(ret)
			  : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			  : "rcx", "r11", "memory");
	return ret;
}

struct mktree_shared {
	_Atomic uint32_t step;		/* the step being done */
	_Atomic uint32_t go;		/* 1: every step is done */
	_Atomic uint32_t abort;		/* 1: give up */
	_Atomic uint32_t failed;	/* 1: fail holds the first failure */
	struct mktree_status fail;
	int32_t root_pid;		/* the root's pid in its namespace */
	int32_t root_pgrp;		/* the root's group at its start, 0 if invisible */
	uint32_t nr_nodes;
	uint32_t nr_steps;
	/* then: seq[nr_nodes], pids[nr_nodes][levels], gone[nr_nodes] */
};

static _Atomic uint32_t *sh_seq(struct mktree_shared *sh)
{
	return (_Atomic uint32_t *)(sh + 1);
}

static int32_t *sh_pids(struct mktree_shared *sh, int32_t node)
{
	return (int32_t *)(sh_seq(sh) + sh->nr_nodes) + (size_t)node * CKPT_PID_LEVELS_MAX;
}

static _Atomic uint32_t *sh_gone(struct mktree_shared *sh)
{
	return (_Atomic uint32_t *)sh_pids(sh, (int32_t)sh->nr_nodes);
}

static RAW_CODE void futex_wait(_Atomic uint32_t *w, uint32_t val)
{
	rsys(SYS_futex, (long)w, FUTEX_WAIT, val, 0, 0, 0);
}

static RAW_CODE void futex_wake(_Atomic uint32_t *w)
{
	rsys(SYS_futex, (long)w, FUTEX_WAKE, INT_MAX, 0, 0, 0);
}

static RAW_CODE void raw_write(int fd, const void *buf, long len)
{
	long n;

	if (fd < 0)
		return;
	do {
		n = rsys(SYS_write, fd, (long)buf, len, 0, 0, 0);
	} while (n == -EINTR);
}

/* Shared by the threads: what they need, at the bottom of their stack. */
struct thread_arg {
	struct mktree_shared *sh;
	const struct mktree_step *steps;
	uint32_t nr_steps;
	int32_t node, index, step;
	int status_fd, ready_fd;
	int own_files;		/* its fd table is a copy: close it */
	int nested;		/* below the root's pid namespace: join by ancestry */
	int no_pids;
	int probe;
	unsigned long flags;
};

static RAW_CODE void wake_all(struct mktree_shared *sh)
{
	uint32_t i;

	futex_wake(&sh->go);
	for (i = 0; i < sh->nr_nodes; i++) {
		atomic_fetch_add(&sh_seq(sh)[i], 1);
		futex_wake(&sh_seq(sh)[i]);
	}
}

/* Record the first failure, tell the tool, make everybody give up. */
static RAW_CODE void fail_raw(struct mktree_shared *sh, int status_fd,
			      const struct mktree_status *st)
{
	uint32_t zero = 0;

	if (atomic_compare_exchange_strong(&sh->failed, &zero, 1))
		sh->fail = *st;
	raw_write(status_fd, st, sizeof(*st));
	atomic_store(&sh->abort, 1);
	wake_all(sh);
}

/* Step k is done: hand over to the actor of the next one. */
static RAW_CODE void advance(struct mktree_shared *sh, const struct mktree_step *steps,
			     int ready_fd, uint32_t k)
{
	int32_t a;

	atomic_store(&sh->step, k + 1);
	if (k + 1 >= sh->nr_steps) {
		/*
		 * Tell the tool first: once go is set the others close their
		 * fds, and a thread's may be its leader's.
		 */
		raw_write(ready_fd, "G", 1);
		atomic_store(&sh->go, 1);
		futex_wake(&sh->go);
		return;
	}
	a = steps[k + 1].actor;
	atomic_fetch_add(&sh_seq(sh)[a], 1);
	futex_wake(&sh_seq(sh)[a]);
}

/* 0 once every step is done, -1 on abort. */
static RAW_CODE int wait_go(struct mktree_shared *sh)
{
	for (;;) {
		if (atomic_load(&sh->abort))
			return -1;
		if (atomic_load(&sh->go))
			return 0;
		futex_wait(&sh->go, 0);
	}
}

static int wait_turn(struct mktree_shared *sh, int32_t me, uint32_t k)
{
	for (;;) {
		uint32_t s = atomic_load(&sh_seq(sh)[me]);

		if (atomic_load(&sh->abort))
			return -1;
		if (atomic_load(&sh->step) >= k)
			return 0;
		futex_wait(&sh_seq(sh)[me], s);
	}
}

static RAW_CODE long raw_restart(long pid, long fd, unsigned long flags, long logfd)
{
	return rsys(__NR_restart, pid, fd, (long)flags, logfd, 0, 0);
}

long (*mktree_thread_restart)(long pid, long fd, unsigned long flags, long logfd) =
	raw_restart;

/* A thread of the tree, from its first instruction. */
static RAW_CODE __attribute__((noreturn)) void thread_main(void *p)
{
	struct thread_arg *a = p;
	struct mktree_status st;
	long ret;

	raw_write(a->ready_fd, "t", 1);
	advance(a->sh, a->steps, a->ready_fd, (uint32_t)a->step);
	if (!wait_go(a->sh)) {
		if (a->probe) {
			for (;;)	/* its leader reports it */
				rsys(SYS_pause, 0, 0, 0, 0, 0, 0);
		}
		if (a->own_files && a->status_fd > 3)
			rsys(SYS_close_range, 3, a->status_fd - 1, 0, 0, 0, 0);
		if (a->own_files)
			rsys(SYS_close_range, a->status_fd >= 3 ? a->status_fd + 1 : 3,
			     ~0U, 0, 0, 0, 0);
		ret = mktree_thread_restart(a->nested ? -1 : a->sh->root_pid,
					    a->no_pids ? a->index : -1, a->flags, -1);
		st.stage = MKTREE_STAGE_RESTART;
		st.index = a->index;
		st.pid = 0;
		st.err = ret < 0 ? (int32_t)-ret : EPROTO;
		st.node = a->node;
		st.op = 0;
		st.step = 0;
		st.secs = 0;
		fail_raw(a->sh, a->status_fd, &st);
	}
	for (;;)
		rsys(SYS_exit, 127, 0, 0, 0, 0, 0);
}

/*
 * clone3 for a thread: the child starts on its own stack, so it must not
 * return through the C code of the caller; it calls fn(arg) instead.
 */
static long clone3_thread(struct clone_args *args, void (*fn)(void *), void *arg)
{
	long ret;
	register void *r12 __asm__("r12") = (void *)fn;
	register void *r13 __asm__("r13") = arg;

	__asm__ volatile ("syscall\n\t"
			  "testq %%rax, %%rax\n\t"
			  "jnz 1f\n\t"
			  "xorl %%ebp, %%ebp\n\t"
			  "movq %%r13, %%rdi\n\t"
			  "callq *%%r12\n\t"
			  "ud2\n"
			  "1:\n\t"
			  : "=a"(ret)
			  : "a"((long)SYS_clone3), "D"(args), "S"(sizeof(*args)),
			    "r"(r12), "r"(r13)
			  : "rcx", "r11", "memory");
	return ret;
}

/* ---- the process side ---- */

int mktree_init(struct mktree *mt, const struct mktree_plan *plan)
{
	struct mktree_shared *sh;
	size_t size;
	uint32_t i;

	memset(mt, 0, sizeof(*mt));
	mt->plan = plan;
	mt->image_fd = mt->log_fd = mt->status_fd = mt->ready_fd = mt->probe_fd = -1;
	mt->wait_secs = 5;
	mt->prog = "mktree";
	size = sizeof(*sh) + plan->nr_nodes * (2 * sizeof(uint32_t) +
					       CKPT_PID_LEVELS_MAX * sizeof(int32_t));
	sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -1;
	sh->nr_nodes = plan->nr_nodes;
	sh->nr_steps = plan->nr_steps;
	for (i = 0; i < plan->nr_nodes; i++)
		memcpy(sh_pids(sh, (int32_t)i), plan->nodes[i].pids,
		       sizeof(plan->nodes[i].pids));
	mt->sh = sh;
	mt->sh_size = size;
	return 0;
}

void mktree_free(struct mktree *mt)
{
	if (mt->sh)
		munmap(mt->sh, mt->sh_size);
	mt->sh = NULL;
}

static int my_level(const struct mktree *mt, int32_t node)
{
	return (int)mt->plan->nodes[node].nr_levels - 1;
}

static void status_init(struct mktree_status *st, const struct mktree *mt,
			int stage, int32_t node, int err)
{
	const struct mktree_node *nd = &mt->plan->nodes[node];

	memset(st, 0, sizeof(*st));
	st->stage = stage;
	st->node = node;
	st->index = nd->index;
	st->pid = nd->index >= 0 ? mt->plan->tasks[nd->index].pid : nd->stands_for;
	st->err = err;
}

static void fail_node(const struct mktree *mt, int stage, int32_t node, int err,
		      int op, int32_t step)
{
	struct mktree_status st;

	status_init(&st, mt, stage, node, err);
	st.op = op;
	st.step = step;
	fail_raw(mt->sh, mt->status_fd, &st);
}

/* Values of a "Name:\tv1 v2 ..." line of a /proc status file. */
static int status_ints(const char *text, const char *name, int32_t *v, int max)
{
	const char *p = text;
	size_t len = strlen(name);
	int n = 0;

	while (p && *p) {
		if (!strncmp(p, name, len) && p[len] == ':') {
			char *end;

			p += len + 1;
			while (n < max) {
				long x = strtol(p, &end, 10);

				if (end == p)
					break;
				v[n++] = (int32_t)x;
				p = end;
			}
			return n;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static ssize_t slurp_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	while (n < size - 1) {
		r = read(fd, buf + n, size - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

/* A new node learns its pids (without --no-pids the plan has them). */
static int record_pids(struct mktree *mt, int32_t me)
{
	const struct mktree_node *nd = &mt->plan->nodes[me];
	int32_t *pids = sh_pids(mt->sh, me), v[MKTREE_PROBE_MAX];
	char buf[4096];
	int n;
	uint32_t k;

	if (!(mt->plan->flags & MKTREE_NO_PIDS))
		return 0;
	if (nd->nr_levels == 1) {
		pids[0] = getpid();
		return 0;
	}
	/* Every level at once: NSpid, from /proc's namespace down to ours. */
	if (slurp_file("/proc/self/status", buf, sizeof(buf)) < 0)
		return -1;
	n = status_ints(buf, "NSpid", v, MKTREE_PROBE_MAX);
	if (n < (int)nd->nr_levels) {
		errno = ENOENT;
		return -1;
	}
	for (k = 0; k < nd->nr_levels; k++)
		pids[k] = v[n - (int)nd->nr_levels + (int)k];
	return 0;
}

static void reset_signals(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Say once that a pid is taken; the tool prints it (or we do). */
static void say_waiting(const struct mktree *mt, int32_t node)
{
	struct mktree_status st;

	status_init(&st, mt, MKTREE_STAGE_WAITING, node, EEXIST);
	st.secs = mt->wait_secs;
	if (mt->status_fd >= 0)
		raw_write(mt->status_fd, &st, sizeof(st));
	else
		dprintf(STDERR_FILENO, "%s: pid %d is taken, waiting up to %d s\n",
			mt->prog, st.pid, mt->wait_secs);
}

/* set_tid from the pids the node is to get (shared: a creator may change them). */
static void set_tid_of(const struct mktree *mt, int32_t node, struct clone_args *args,
		       pid_t *tids)
{
	const struct mktree_node *nd = &mt->plan->nodes[node];
	const int32_t *pids = sh_pids(mt->sh, node);
	uint32_t k;

	if (mt->plan->flags & MKTREE_NO_PIDS)
		return;
	for (k = 0; k < nd->nr_levels; k++)
		tids[k] = pids[nd->nr_levels - 1 - k];	/* innermost first */
	args->set_tid = (uint64_t)(uintptr_t)tids;
	args->set_tid_size = nd->nr_levels;
}

/* A helper's freely chosen pid is taken: the next ones the tree does not use. */
static void bump_free_pids(struct mktree *mt, int32_t node)
{
	const struct mktree_plan *p = mt->plan;
	const struct mktree_node *nd = &p->nodes[node];
	int32_t *pids = sh_pids(mt->sh, node);
	uint32_t k;

	for (k = 0; k < nd->nr_levels; k++) {
		int32_t ns = ns_at_level(p, nd->ns, k), pid = pids[k];

		if (!(nd->free_levels & (1u << k)))
			continue;
		do {
			if (++pid >= p->pid_max)
				pid = 2;
		} while (pid_planned(p, ns, pid));
		pids[k] = pid;
	}
}

/*
 * clone3, waiting (bounded, killable) while a pid is taken.  The child
 * returns 0 from here; a thread never returns.
 */
static long clone_waiting(struct mktree *mt, int32_t node, struct clone_args *args,
			  pid_t *tids, struct thread_arg *ta)
{
	const struct mktree_node *nd = &mt->plan->nodes[node];
	long deadline = 0, ret;
	int bumps = 0;

	for (;;) {
		set_tid_of(mt, node, args, tids);
		if (ta) {
			ret = clone3_thread(args, thread_main, ta);
			if (ret < 0) {
				errno = (int)-ret;
				ret = -1;
			}
		} else {
			ret = syscall(SYS_clone3, args, sizeof(*args));
		}
		if (ret >= 0 || errno != EEXIST || (mt->plan->flags & MKTREE_NO_PIDS))
			return ret;
		if (nd->free_levels) {
			bump_free_pids(mt, node);
			if (++bumps < 64)
				continue;	/* most likely one of those */
		}
		if (!deadline) {
			if (mt->wait_secs <= 0)
				return -1;
			say_waiting(mt, node);
			deadline = now_ms() + mt->wait_secs * 1000L;
		}
		if (now_ms() >= deadline) {
			errno = EEXIST;
			return -1;
		}
		sleep_ms(PID_WAIT_STEP_MS);
	}
}

static __attribute__((noreturn)) void task_entry(struct mktree *mt, int32_t me);

static int create_thread(struct mktree *mt, int32_t me, uint32_t k,
			 const struct mktree_node *t)
{
	struct clone_args args;
	struct thread_arg *ta;
	pid_t tids[CKPT_PID_LEVELS_MAX];
	char *stack;
	size_t skip = (sizeof(*ta) + 63) & ~(size_t)63;

	stack = mmap(NULL, THREAD_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	ta = (struct thread_arg *)stack;
	memset(ta, 0, sizeof(*ta));
	ta->sh = mt->sh;
	ta->steps = mt->plan->steps;
	ta->nr_steps = mt->plan->nr_steps;
	ta->node = mt->plan->steps[k].target;
	ta->index = t->index;
	ta->step = (int32_t)k;
	ta->status_fd = mt->status_fd;
	ta->ready_fd = mt->ready_fd;
	ta->own_files = !(t->clone_flags & CLONE_FILES);
	ta->nested = t->nr_levels > 1;
	ta->no_pids = !!(mt->plan->flags & MKTREE_NO_PIDS);
	ta->probe = mt->probe;
	ta->flags = mt->flags;
	memset(&args, 0, sizeof(args));
	args.flags = t->clone_flags;
	args.stack = (uint64_t)(uintptr_t)(stack + skip);
	args.stack_size = THREAD_STACK - skip;
	(void)me;
	if (clone_waiting(mt, ta->node, &args, tids, ta) < 0) {
		int err = errno;

		munmap(stack, THREAD_STACK);
		errno = err;
		return -1;
	}
	return 0;
}

static int enter_ns(int32_t pid, int *self)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0), err;

	if (fd < 0)
		return -1;
	*self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (*self < 0 || setns(fd, CLONE_NEWPID)) {
		err = errno;
		close(fd);
		if (*self >= 0)
			close(*self);
		errno = err;
		return -1;
	}
	close(fd);
	return 0;
}

static int do_create(struct mktree *mt, int32_t me, uint32_t k)
{
	const struct mktree_plan *p = mt->plan;
	int32_t target = p->steps[k].target;
	const struct mktree_node *t = &p->nodes[target];
	struct clone_args args;
	pid_t tids[CKPT_PID_LEVELS_MAX];
	int self = -1, err;
	long pid;

	if (t->kind == MKTREE_THREAD) {
		if (create_thread(mt, me, k, t) < 0) {
			fail_node(mt, MKTREE_STAGE_CREATE, target, errno, MKTREE_OP_CREATE,
				  (int32_t)k);
			return -1;
		}
		return 0;	/* the thread advances */
	}
	memset(&args, 0, sizeof(args));
	args.flags = t->clone_flags;
	args.exit_signal = (t->clone_flags & CLONE_PARENT) ? 0 : (uint64_t)t->exit_signal;
	if (t->setns >= 0 && enter_ns(sh_pids(mt->sh, t->setns)[my_level(mt, me)], &self)) {
		fail_node(mt, MKTREE_STAGE_STEP, target, errno, MKTREE_OP_CREATE, (int32_t)k);
		return -1;
	}
	/* A helper's exit signal may be fatal: keep it pending until the reap. */
	if (t->kind == MKTREE_HELPER && t->exit_signal && t->exit_signal != SIGCHLD) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, t->exit_signal);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	pid = clone_waiting(mt, target, &args, tids, NULL);
	if (pid == 0)
		task_entry(mt, target);
	err = errno;
	if (self >= 0) {
		setns(self, CLONE_NEWPID);	/* our own children's namespace again */
		close(self);
	}
	if (pid < 0) {
		fail_node(mt, MKTREE_STAGE_CREATE, target, err, MKTREE_OP_CREATE, (int32_t)k);
		return -1;
	}
	if (p->flags & MKTREE_NO_PIDS)
		sh_pids(mt->sh, target)[my_level(mt, me)] = (int32_t)pid;
	return 0;	/* the child advances */
}

static int do_step(struct mktree *mt, int32_t me, uint32_t k)
{
	const struct mktree_plan *p = mt->plan;
	const struct mktree_step *s = &p->steps[k];
	int lvl = my_level(mt, me), st;
	pid_t pid, pgid;

	switch (s->op) {
	case MKTREE_OP_CREATE:
		return do_create(mt, me, k);
	case MKTREE_OP_SETSID:
		if (setsid() < 0)
			goto fail;
		break;
	case MKTREE_OP_SETPGID:
		pid = s->target == me ? 0 : sh_pids(mt->sh, s->target)[lvl];
		if (s->arg == s->target)
			pgid = pid;
		else if (s->arg == MKTREE_OUTSIDE)
			pgid = mt->sh->root_pgrp;
		else
			pgid = sh_pids(mt->sh, s->arg)[lvl];
		if (setpgid(pid, pgid) < 0)
			goto fail;
		break;
	case MKTREE_OP_SETNS: {
		int fd = (int)syscall(SYS_pidfd_open, sh_pids(mt->sh, s->target)[lvl], 0);

		if (fd < 0 || setns(fd, CLONE_NEWPID)) {
			if (fd >= 0)
				close(fd);
			goto fail;
		}
		close(fd);
		break;
	}
	case MKTREE_OP_EXIT:
		advance(mt->sh, p->steps, mt->ready_fd, k);
		_exit(0);
	case MKTREE_OP_REAP:
		pid = sh_pids(mt->sh, s->target)[lvl];
		while (waitpid(pid, &st, __WALL) < 0)
			if (errno != EINTR)
				goto fail;
		atomic_store(&sh_gone(mt->sh)[s->target], 1);
		if (p->nodes[s->target].exit_signal &&
		    p->nodes[s->target].exit_signal != SIGCHLD) {
			struct timespec zero = { 0, 0 };
			sigset_t set;

			sigemptyset(&set);
			sigaddset(&set, p->nodes[s->target].exit_signal);
			sigtimedwait(&set, NULL, &zero);
			sigprocmask(SIG_UNBLOCK, &set, NULL);
		}
		break;
	}
	advance(mt->sh, p->steps, mt->ready_fd, k);
	return 0;
fail:
	fail_node(mt, MKTREE_STAGE_STEP, s->target >= 0 ? s->target : me, errno,
		  s->op, (int32_t)k);
	return -1;
}

static int run_steps(struct mktree *mt, int32_t me)
{
	int32_t k;

	for (k = mt->plan->first_step[me]; k >= 0; k = mt->plan->next_step[k]) {
		if (wait_turn(mt->sh, me, (uint32_t)k))
			return -1;
		if (do_step(mt, me, (uint32_t)k))
			return -1;
	}
	return 0;
}

/* Everything a new node does before its own steps. */
static int node_setup(struct mktree *mt, int32_t me)
{
	const struct mktree_node *nd = &mt->plan->nodes[me];

	reset_signals();
	/*
	 * A node whose creator dies would wait forever: die with it.  Not a
	 * task whose creator is an orphan helper: that one exits on purpose.
	 */
	if (!(me == 0 && (mt->plan->flags & MKTREE_SELF)) && !nd->orphan)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (me == 0 && mt->plan->root_subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (record_pids(mt, me)) {
		fail_node(mt, MKTREE_STAGE_CREATE, me, errno, 0, nd->create_step);
		return -1;
	}
	if (me == 0) {
		mt->sh->root_pid = getpid();
		mt->sh->root_pgrp = getpgrp();
	}
	if (nd->kind == MKTREE_TASK)
		raw_write(mt->ready_fd, "p", 1);
	if (nd->create_step >= 0)
		advance(mt->sh, mt->plan->steps, mt->ready_fd, (uint32_t)nd->create_step);
	else if (!mt->plan->nr_steps)
		advance(mt->sh, mt->plan->steps, mt->ready_fd, 0);
	return 0;
}

static void probe_report(struct mktree *mt, int32_t me);

static __attribute__((noreturn)) void task_entry(struct mktree *mt, int32_t me)
{
	const struct mktree_node *nd = &mt->plan->nodes[me];
	int keep[4], nkeep = 0;
	long ret;

	if (node_setup(mt, me) || run_steps(mt, me))
		_exit(127);
	if (nd->kind == MKTREE_HELPER)
		_exit(0);
	if (wait_go(mt->sh))
		_exit(127);
	if (me == 0 && mt->plan->root_subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 0);	/* no trace of mktree in the root */
	if (mt->probe) {
		probe_report(mt, me);
		for (;;)
			pause();
	}
	keep[nkeep++] = mt->status_fd;
	if (me == 0) {
		keep[nkeep++] = mt->image_fd;
		keep[nkeep++] = mt->log_fd;
	}
	close_all_but(keep, nkeep);
	if (me == 0)
		ret = kcr_restart(0, mt->image_fd, mt->flags, mt->log_fd);
	else
		/*
		 * A task below the root's pid namespace can not name the root:
		 * -1 joins the restart its nearest ancestor leads.
		 */
		ret = kcr_restart(nd->nr_levels > 1 ? -1 : mt->sh->root_pid,
				  (mt->plan->flags & MKTREE_NO_PIDS) ?
				  nd->index : -1, mt->flags, -1);
	/* Only on failure before the point of no return. */
	fail_node(mt, MKTREE_STAGE_RESTART, me, ret < 0 ? errno : EPROTO, 0, 0);
	_exit(127);
}

pid_t mktree_spawn_root(struct mktree *mt)
{
	const struct mktree_node *nd = &mt->plan->nodes[0];
	struct clone_args args;
	pid_t tids[CKPT_PID_LEVELS_MAX];
	long pid;

	memset(&args, 0, sizeof(args));
	args.flags = nd->clone_flags;
	args.exit_signal = SIGCHLD;
	set_tid_of(mt, 0, &args, tids);
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		task_entry(mt, 0);
	if (pid > 0) {
		mt->root = (pid_t)pid;
		if (!(mt->plan->flags & MKTREE_PIDNS))
			sh_pids(mt->sh, 0)[0] = (int32_t)pid;
	}
	return (pid_t)pid;
}

int mktree_complete(const struct mktree *mt)
{
	return mt->sh && atomic_load(&mt->sh->go);
}

int mktree_failure(const struct mktree *mt, struct mktree_status *st)
{
	if (!mt->sh || !atomic_load(&mt->sh->failed))
		return 0;
	*st = mt->sh->fail;
	return 1;
}

pid_t mktree_actual_pid(const struct mktree *mt, int32_t node)
{
	if (!mt->sh || node < 0 || (uint32_t)node >= mt->plan->nr_nodes)
		return 0;
	return sh_pids(mt->sh, node)[0];
}

void mktree_kill_all(const struct mktree *mt)
{
	uint32_t i;
	pid_t pid;

	if (mt->root > 0)
		kill(mt->root, SIGKILL);
	if (!mt->sh || (mt->plan->flags & MKTREE_PIDNS))
		return;		/* the namespace dies with its init */
	for (i = 0; i < mt->plan->nr_nodes; i++) {
		if (mt->plan->nodes[i].kind == MKTREE_THREAD ||
		    atomic_load(&sh_gone(mt->sh)[i]))
			continue;
		/*
		 * Only a node that exists: a planned pid may still belong to
		 * another process (the original tree, during a pid wait).
		 */
		pid = sh_pids(mt->sh, (int32_t)i)[0];
		if (i == 0 || pid <= 0 || pid == getpid() ||
		    atomic_load(&mt->sh->step) <= (uint32_t)mt->plan->nodes[i].create_step)
			continue;
		kill(pid, SIGKILL);
	}
}

void mktree_create_error(char *buf, size_t size, pid_t pid, int err, int no_pids,
			 int wait_secs)
{
	switch (err) {
	case EEXIST:
		if (wait_secs > 0)
			snprintf(buf, size, "pid %d is still in use after %d s (use --no-pids)",
				 (int)pid, wait_secs);
		else
			snprintf(buf, size, "pid %d is in use (use --no-pids)", (int)pid);
		break;
	case EPERM:
		snprintf(buf, size, "restoring pids needs CAP_CHECKPOINT_RESTORE (use --no-pids)");
		break;
	case EINVAL:
		snprintf(buf, size, "cannot create pid %d: %s%s", (int)pid,
			 strerror(err), no_pids ? "" :
			 " (above pid_max? use --no-pids)");
		break;
	case ENOSYS:
		snprintf(buf, size, "cannot create pid %d: clone3 is not available%s",
			 (int)pid, no_pids ? "" : " (use --no-pids)");
		break;
	default:
		snprintf(buf, size, "cannot create the task for pid %d: %s",
			 (int)pid, strerror(err));
		break;
	}
}

void mktree_status_message(const struct mktree *mt, const struct mktree_status *st,
			   char *buf, size_t size)
{
	const struct mktree_plan *p = mt->plan;
	static const char *const ops[] = { "", "creating it", "setsid()", "setpgid()",
					   "exit", "waiting for it", "setns()" };
	char name[64], msg[400];

	mktree_node_name(p, st->node, name, sizeof(name));
	switch (st->stage) {
	case MKTREE_STAGE_WAITING:
		snprintf(buf, size, "pid %d is taken, waiting up to %d s", st->pid, st->secs);
		break;
	case MKTREE_STAGE_CREATE:
		mktree_create_error(msg, sizeof(msg), st->pid, st->err,
				    !!(p->flags & MKTREE_NO_PIDS), mt->wait_secs);
		if (st->index < 0)
			snprintf(buf, size, "%s: %s", name, msg);
		else
			snprintf(buf, size, "%s", msg);
		break;
	case MKTREE_STAGE_STEP:
		snprintf(buf, size, "step %d (%s) for %s failed: %s", st->step + 1,
			 st->op >= 1 && st->op <= 6 ? ops[st->op] : "?", name,
			 strerror(st->err));
		break;
	default:
		snprintf(buf, size, "%s: restart() failed: %s", name, strerror(st->err));
		break;
	}
}

/* ---- probe mode ---- */

static void probe_fill(struct mktree_probe_rec *r, const char *status)
{
	int32_t v[1];

	r->nr = status_ints(status, "NSpid", r->nspid, MKTREE_PROBE_MAX);
	status_ints(status, "NStgid", r->nstgid, MKTREE_PROBE_MAX);
	status_ints(status, "NSpgid", r->nspgid, MKTREE_PROBE_MAX);
	status_ints(status, "NSsid", r->nssid, MKTREE_PROBE_MAX);
	if (status_ints(status, "PPid", v, 1) == 1)
		r->ppid = v[0];
}

/* Field 38 of /proc/self/stat: the exit signal. */
static int stat_exit_signal(void)
{
	char buf[2048], *p;
	int field = 2;

	if (slurp_file("/proc/self/stat", buf, sizeof(buf)) < 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	for (p++; *p && field < 38; p++)
		if (*p == ' ')
			field++;
	return atoi(p);
}

static void probe_report(struct mktree *mt, int32_t me)
{
	struct mktree_probe_rec r;
	char buf[4096], path[300];
	struct dirent *de;
	struct stat st;
	pid_t self;
	DIR *d;

	memset(&r, 0, sizeof(r));
	r.index = mt->plan->nodes[me].index;
	if (slurp_file("/proc/self/status", buf, sizeof(buf)) >= 0)
		probe_fill(&r, buf);
	r.exit_signal = stat_exit_signal();
	if (!stat("/proc/self/ns/pid", &st))
		r.ns_ino = st.st_ino;
	if (!stat("/proc/self/ns/pid_for_children", &st))
		r.ns_children_ino = st.st_ino;
	self = r.nr > 0 ? r.nspid[0] : 0;
	raw_write(mt->probe_fd, &r, sizeof(r));
	d = opendir("/proc/self/task");
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == self)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.200s/status", de->d_name);
		memset(&r, 0, sizeof(r));
		r.index = mt->plan->nodes[me].index;
		r.thread = 1;
		if (slurp_file(path, buf, sizeof(buf)) >= 0)
			probe_fill(&r, buf);
		raw_write(mt->probe_fd, &r, sizeof(r));
	}
	closedir(d);
}

uint32_t mktree_probe_count(const struct mktree_plan *p)
{
	return p->nr_tasks;
}

static int probe_diff(FILE *f, const struct mktree_plan *p, uint32_t i,
		      const char *what, int32_t got, int32_t want)
{
	char name[64];

	if (got == want)
		return 0;
	mktree_node_name(p, (int32_t)i, name, sizeof(name));
	fprintf(f, "probe: %s: %s %d, expected %d\n", name, what, got, want);
	return 1;
}

int mktree_probe_verify(const struct mktree *mt, const struct mktree_probe_rec *recs,
			uint32_t nr, pid_t tool_sid, pid_t tool_pgid, FILE *f)
{
	const struct mktree_plan *p = mt->plan;
	const struct ckpt_task_pids *t = p->tasks;
	int no_pids = !!(p->flags & MKTREE_NO_PIDS), bad = 0, off = -1;
	const struct mktree_probe_rec **proc;
	int32_t *actual, *nthreads;
	uint32_t i, j, k;
	char name[64];

	proc = calloc(p->nr_tasks, sizeof(*proc));
	actual = calloc(p->nr_nodes, sizeof(*actual));
	nthreads = calloc(p->nr_tasks, sizeof(*nthreads));
	if (!proc || !actual || !nthreads) {
		fprintf(f, "probe: out of memory\n");
		free(proc);
		free(actual);
		free(nthreads);
		return 1;
	}
	for (i = 0; i < nr; i++)
		if (!recs[i].thread && recs[i].index >= 0 &&
		    (uint32_t)recs[i].index < p->nr_tasks)
			proc[recs[i].index] = &recs[i];
	if (proc[0])
		off = proc[0]->nr - 1;	/* the root's innermost pid is level 0 */
	/* Level-0 pids each node got. */
	for (i = 0; i < p->nr_nodes; i++)
		actual[i] = sh_pids(mt->sh, (int32_t)i)[0];
	for (i = 0; i < p->nr_tasks; i++)
		if (proc[i] && off >= 0 && proc[i]->nr > off)
			actual[i] = proc[i]->nspid[off];

	for (i = 0; i < p->nr_tasks; i++) {
		const struct mktree_probe_rec *r = proc[i];
		const struct mktree_node *nd = &p->nodes[i];
		int32_t want;

		if (nd->kind == MKTREE_THREAD)
			continue;
		mktree_node_name(p, (int32_t)i, name, sizeof(name));
		if (!r || off < 0) {
			fprintf(f, "probe: %s: no report\n", name);
			bad++;
			continue;
		}
		if (r->nr - off != (int)t[i].nr_levels) {
			fprintf(f, "probe: %s: %d pid levels, expected %u\n", name,
				r->nr - off, t[i].nr_levels);
			bad++;
			continue;
		}
		if (!no_pids)
			for (k = 0; k < t[i].nr_levels; k++) {
				char what[32];

				snprintf(what, sizeof(what), "pid at level %u", k);
				bad += probe_diff(f, p, i, what, r->nspid[off + (int)k],
						  t[i].pids[k]);
			}
		bad += probe_diff(f, p, i, "tgid", r->nstgid[off], r->nspid[off]);
		if (i > 0) {
			int32_t par = -1;

			for (j = 0; j < p->nr_tasks; j++)
				if (proc[j] && p->nodes[j].kind == MKTREE_TASK &&
				    proc[j]->nspid[0] == r->ppid)
					par = (int32_t)j;
			bad += probe_diff(f, p, i, "parent (TREE index)", par, nd->parent);
			bad += probe_diff(f, p, i, "exit signal", r->exit_signal,
					  (int32_t)t[i].exit_signal);
		}
		/* the same pid namespace as the others of its plan namespace only */
		for (j = 0; j < i; j++) {
			if (!proc[j] || p->nodes[j].kind != MKTREE_TASK)
				continue;
			if ((p->nodes[j].ns == nd->ns) != (proc[j]->ns_ino == r->ns_ino)) {
				fprintf(f, "probe: %s: pid namespace %s the one of [%u]\n", name,
					p->nodes[j].ns == nd->ns ? "is not" : "is", j);
				bad++;
			}
		}
		want = -1;	/* its children's namespace: its own, or after SETNS */
		for (k = 0; k < p->nr_steps; k++)
			if (p->steps[k].op == MKTREE_OP_SETNS && p->steps[k].actor == (int32_t)i)
				want = p->steps[k].target;
		if (want >= 0 && proc[want] && r->ns_children_ino != proc[want]->ns_ino) {
			fprintf(f, "probe: %s: pid_for_children is not the namespace of [%d]\n",
				name, want);
			bad++;
		} else if (want < 0 && r->ns_children_ino != r->ns_ino) {
			fprintf(f, "probe: %s: pid_for_children is not its own namespace\n", name);
			bad++;
		}
		want = nd->session == MKTREE_OUTSIDE ? tool_sid : actual[nd->session];
		bad += probe_diff(f, p, i, "sid", r->nssid[off], want);
		want = nd->group == MKTREE_OUTSIDE ? tool_pgid : actual[nd->group];
		bad += probe_diff(f, p, i, "pgid", r->nspgid[off], want);
	}
	/* Threads: exactly those of the TREE, with their tids. */
	for (i = 0; i < nr; i++) {
		const struct mktree_probe_rec *r = &recs[i];
		int found = -1;

		if (!r->thread || r->index < 0 || (uint32_t)r->index >= p->nr_tasks)
			continue;
		nthreads[r->index]++;
		if (no_pids || off < 0 || r->nr <= off)
			continue;
		for (j = (uint32_t)r->index + 1; j < p->nr_tasks &&
		     p->nodes[j].kind == MKTREE_THREAD; j++)
			if (t[j].pid == r->nspid[off])
				found = (int)j;
		if (found < 0) {
			mktree_node_name(p, r->index, name, sizeof(name));
			fprintf(f, "probe: %s: has a thread %d that is not in the TREE\n",
				name, r->nspid[off]);
			bad++;
			continue;
		}
		for (k = 0; k < t[found].nr_levels && off + (int)k < r->nr; k++)
			bad += probe_diff(f, p, (uint32_t)found, "tid at a level",
					  r->nspid[off + (int)k], t[found].pids[k]);
	}
	for (i = 0; i < p->nr_tasks; i++) {
		int32_t want = 0;

		if (p->nodes[i].kind != MKTREE_TASK)
			continue;
		for (j = i + 1; j < p->nr_tasks && p->nodes[j].kind == MKTREE_THREAD; j++)
			want++;
		bad += probe_diff(f, p, i, "threads", nthreads[i], want);
	}
	free(proc);
	free(actual);
	free(nthreads);
	return bad;
}

/* ================================================================ in-process */

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int mktree_read_prefix(int fd, struct ckpt_hdr_header *hdr,
		       struct ckpt_task_pids **tasks, uint32_t *nr,
		       char *err, size_t errsz)
{
	struct ckpt_hdr_tree tree;
	struct ckpt_task_pids *v;
	size_t len;
	char pad[8];

	if (read_full(fd, hdr, sizeof(*hdr)) ||
	    hdr->h.type != CKPT_HDR_HEADER || hdr->h.len != sizeof(*hdr) ||
	    hdr->magic != CKPT_MAGIC) {
		snprintf(err, errsz, "not a kcr image (no HEADER)");
		return -1;
	}
	if (hdr->version != CKPT_VERSION) {
		snprintf(err, errsz, "unsupported image version %u (expected %d)",
			 hdr->version, CKPT_VERSION);
		return -1;
	}
	if (read_full(fd, pad, CKPT_ALIGN_UP(sizeof(*hdr)) - sizeof(*hdr)) ||
	    read_full(fd, &tree, sizeof(tree)) || tree.h.type != CKPT_HDR_TREE ||
	    tree.nr_tasks < 1 || tree.nr_tasks > CKPT_TASKS_MAX ||
	    tree.h.len != sizeof(tree) + tree.nr_tasks * sizeof(*v)) {
		snprintf(err, errsz, "the image has no valid TREE after its HEADER");
		return -1;
	}
	len = tree.nr_tasks * sizeof(*v);
	v = malloc(len);
	if (!v || read_full(fd, v, len) ||
	    read_full(fd, pad, CKPT_ALIGN_UP(tree.h.len) - tree.h.len)) {
		free(v);
		snprintf(err, errsz, "the image ends in its TREE");
		return -1;
	}
	*tasks = v;
	*nr = tree.nr_tasks;
	return 0;
}

static void kill_and_reap(struct mktree *mt)
{
	mktree_kill_all(mt);
	while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
		;
}

int mktree_run_self(int image_fd, unsigned long flags, int log_fd, int wait_secs,
		    char *err, size_t errsz)
{
	struct ckpt_hdr_header hdr;
	struct ckpt_task_pids *tasks = NULL;
	struct mktree_plan plan;
	struct mktree_status st;
	struct mktree mt;
	uint32_t nr;
	off_t off;
	long ret;
	char msg[400];

	off = lseek(image_fd, 0, SEEK_CUR);
	if (off < 0) {
		snprintf(err, errsz, "the image must be a regular file (it is read twice): %s",
			 strerror(errno));
		return -1;
	}
	if (mktree_read_prefix(image_fd, &hdr, &tasks, &nr, err, errsz))
		return -1;
	if (lseek(image_fd, off, SEEK_SET) < 0) {
		snprintf(err, errsz, "cannot rewind the image: %s", strerror(errno));
		free(tasks);
		return -1;
	}
	if (mktree_plan_build(&plan, tasks, nr, MKTREE_SELF |
			      ((flags & CKPT_RESTART_NO_PIDS) ? MKTREE_NO_PIDS : 0))) {
		snprintf(err, errsz, "%s", plan.err);
		goto fail_plan;
	}
	if (!(flags & CKPT_RESTART_NO_PIDS) && getpid() != tasks[0].pid) {
		snprintf(err, errsz, "this process has pid %d, the image's root had %d%s",
			 (int)getpid(), tasks[0].pid, tasks[0].pid == 1 ?
			 " (run it as the init of a new pid namespace)" : "");
		goto fail_plan;
	}
	if (plan.warnings) {
		const char *w = plan.warnings, *nl;

		for (; (nl = strchr(w, '\n')); w = nl + 1)
			fprintf(stderr, "mktree: warning: %.*s\n", (int)(nl - w), w);
	}
	if (mktree_init(&mt, &plan)) {
		snprintf(err, errsz, "%s", strerror(errno));
		goto fail_plan;
	}
	mt.flags = flags;
	mt.wait_secs = wait_secs;
	mt.image_fd = image_fd;
	mt.log_fd = log_fd;
	if (node_setup(&mt, 0) || run_steps(&mt, 0) || wait_go(mt.sh)) {
		if (mktree_failure(&mt, &st))
			mktree_status_message(&mt, &st, msg, sizeof(msg));
		else
			snprintf(msg, sizeof(msg), "interrupted");
		snprintf(err, errsz, "%s", msg);
		goto fail_tree;
	}
	ret = kcr_restart(0, image_fd, flags, log_fd);
	snprintf(err, errsz, "restart() failed: %s",
		 ret < 0 ? strerror(errno) : "it returned");
fail_tree:
	kill_and_reap(&mt);
	mktree_free(&mt);
fail_plan:
	mktree_plan_free(&plan);
	free(tasks);
	return -1;
}

/* ================================================================ fds */

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void close_from_to(unsigned int from, unsigned int to)
{
	unsigned int fd, max;

	if (from > to || !close_range(from, to, 0))
		return;
	max = to > 65535 ? 65535 : to;	/* no close_range: close one by one */
	for (fd = from; fd <= max; fd++)
		close((int)fd);
}

void close_all_but(const int *keep, int n)
{
	int k[16], i, m = 0;
	unsigned int from = 3;

	for (i = 0; i < n && m < 16; i++)
		if (keep[i] >= 3)
			k[m++] = keep[i];
	qsort(k, (size_t)m, sizeof(k[0]), cmp_int);
	for (i = 0; i < m; i++) {
		if ((unsigned int)k[i] < from)
			continue;	/* duplicate */
		if ((unsigned int)k[i] > from)
			close_from_to(from, (unsigned int)k[i] - 1);
		from = (unsigned int)k[i] + 1;
	}
	close_from_to(from, ~0U);
}
