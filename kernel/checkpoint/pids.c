// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: the task tree and its pids.
 *
 * Checkpoint collects the tasks of the tree rooted at the given task in
 * the order restart uses (a parent before its children, depth first) and
 * writes the TREE record: for each task its pid, tgid, ppid, pgid and sid
 * as seen in the pid namespace of the root.  Restart reads the TREE and
 * checks it before any task is touched.
 *
 * Locking: the tree is walked under tasklist_lock (read); a reference is
 * taken on every task collected.
 */
#include <linux/checkpoint.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <linux/mm.h>

/* Depth-first walk of the children lists, parents first. */
static int collect_subtree(struct ckpt_ctx *ctx, struct task_struct *root,
			   int max)
{
	struct task_struct *t = root, *child;
	int n = 0;

	for (;;) {
		if (n >= max)
			return -E2BIG;
		get_task_struct(t);
		ctx->tasks[n++] = t;
		/* descend to the first child */
		child = list_first_entry_or_null(&t->children,
						 struct task_struct, sibling);
		if (child) {
			t = child;
			continue;
		}
		/* else climb until a next sibling exists */
		while (t != root) {
			if (!list_is_last(&t->sibling, &t->real_parent->children)) {
				t = list_next_entry(t, sibling);
				break;
			}
			t = t->real_parent;
		}
		if (t == root)
			return n;
	}
}

int checkpoint_collect_tree(struct ckpt_ctx *ctx, struct task_struct *root)
{
	struct pid_namespace *ns = ctx->pid_ns;
	int i, n;

	ctx->tasks = kvcalloc(CKPT_TASKS_MAX, sizeof(*ctx->tasks), GFP_KERNEL);
	ctx->pids = kvcalloc(CKPT_TASKS_MAX, sizeof(*ctx->pids), GFP_KERNEL);
	if (!ctx->tasks || !ctx->pids)
		return ckpt_err(ctx, -ENOMEM, "no memory for the task tree");

	read_lock(&tasklist_lock);
	n = collect_subtree(ctx, root, CKPT_TASKS_MAX);
	if (n < 0) {
		read_unlock(&tasklist_lock);
		ctx->nr_tasks = CKPT_TASKS_MAX;	/* every slot holds a reference */
		return ckpt_err(ctx, n, "more than %d tasks in the tree",
				CKPT_TASKS_MAX);
	}
	ctx->nr_tasks = n;
	for (i = 0; i < n; i++) {
		struct task_struct *t = ctx->tasks[i];
		struct ckpt_task_pids *p = &ctx->pids[i];

		p->pid = task_pid_nr_ns(t, ns);
		p->tgid = task_tgid_nr_ns(t, ns);
		p->ppid = i ? task_ppid_nr_ns(t, ns) : 0;
		p->pgid = task_pgrp_nr_ns(t, ns);
		p->sid = task_session_nr_ns(t, ns);
		if (!thread_group_leader(t))
			p->flags |= CKPT_TASK_THREAD;
		if (t->exit_state)
			p->flags |= CKPT_TASK_ZOMBIE;
		if (p->sid == p->pid)
			p->flags |= CKPT_TASK_SESSION_LEADER;
		if (p->pgid == p->pid)
			p->flags |= CKPT_TASK_GROUP_LEADER;
	}
	read_unlock(&tasklist_lock);

	/*
	 * Threads, other processes and zombies of the tree come with the
	 * next stage of kcr; refuse rather than write an image that would
	 * restart only part of the tree.
	 */
	if (get_nr_threads(root) > 1)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has %d threads: multi-threaded processes are not supported yet",
				ctx->pids[0].pid, get_nr_threads(root));
	if (n > 1)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has child processes (%d tasks): process trees are not supported yet",
				ctx->pids[0].pid, n);
	return 0;
}

int checkpoint_write_tree(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tree tree = { .nr_tasks = ctx->nr_tasks };

	return ckpt_write_record_payload(ctx, CKPT_HDR_TREE, &tree,
					 sizeof(tree), ctx->pids,
					 ctx->nr_tasks * sizeof(*ctx->pids));
}

static int tree_index_of(struct ckpt_ctx *ctx, pid_t pid, int before)
{
	int i;

	for (i = 0; i < before; i++)
		if (ctx->pids[i].pid == pid)
			return i;
	return -1;
}

#define CKPT_TASK_FLAGS_KNOWN (CKPT_TASK_THREAD | CKPT_TASK_ZOMBIE | \
			       CKPT_TASK_SESSION_LEADER | CKPT_TASK_GROUP_LEADER)

int restore_read_tree(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tree tree;
	int len, ret, i;
	u32 nr;

	len = ckpt_read_hdr(ctx, CKPT_HDR_TREE,
			    sizeof(tree) + sizeof(struct ckpt_task_pids),
			    sizeof(tree) + CKPT_TASKS_MAX *
			    sizeof(struct ckpt_task_pids));
	if (len < 0)
		return len;
	tree.h = ctx->peek;
	ret = ckpt_read_raw(ctx, &tree.h + 1, sizeof(tree) - sizeof(tree.h));
	if (ret)
		return ret;
	nr = tree.nr_tasks;
	if (nr < 1 || nr > CKPT_TASKS_MAX ||
	    len != sizeof(tree) + nr * sizeof(struct ckpt_task_pids))
		return ckpt_err(ctx, -EINVAL,
				"TREE: %u tasks do not fit a record of %d bytes",
				nr, len);
	ctx->pids = kvcalloc(nr, sizeof(*ctx->pids), GFP_KERNEL);
	ctx->task_pids = kvcalloc(nr, sizeof(*ctx->task_pids), GFP_KERNEL);
	if (!ctx->pids || !ctx->task_pids)
		return ckpt_err(ctx, -ENOMEM, "no memory for %u tasks", nr);
	ctx->nr_tasks = nr;
	ret = ckpt_read_raw(ctx, ctx->pids, nr * sizeof(*ctx->pids));
	if (!ret)
		ret = ckpt_read_end(ctx, len);
	if (ret)
		return ret;

	for (i = 0; i < nr; i++) {
		struct ckpt_task_pids *p = &ctx->pids[i];

		if (p->pid <= 0 || p->tgid <= 0 || p->pgid < 0 || p->sid < 0 ||
		    p->ppid < 0 || (p->flags & ~CKPT_TASK_FLAGS_KNOWN))
			return ckpt_err(ctx, -EINVAL,
					"TREE entry %d: invalid pid values", i);
		if (tree_index_of(ctx, p->pid, i) >= 0)
			return ckpt_err(ctx, -EINVAL,
					"TREE entry %d: pid %d appears twice",
					i, p->pid);
		if (i && tree_index_of(ctx, p->ppid, i) < 0)
			return ckpt_err(ctx, -EINVAL,
					"TREE entry %d: parent %d is not an earlier task",
					i, p->ppid);
		if (p->flags & (CKPT_TASK_THREAD | CKPT_TASK_ZOMBIE) || i)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"TREE entry %d: only single-process images are supported yet",
					i);
	}
	return 0;
}
