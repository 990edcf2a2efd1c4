// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: the task tree and its pids.
 *
 * Checkpoint collects the tasks of the tree rooted at the given process in
 * restore order: breadth first over processes, each thread group leader
 * followed by its other threads, then the children of every thread of it
 * (t->children holds only thread group leaders, and a child forked by a
 * non-leader thread is on that thread's list).  Zombies are part of the
 * tree.  For each task the TREE entry gets its pid at every pid namespace
 * level below the root's, its parent, group and session, and the objrefs of
 * the per-task kernel objects it uses (mm, fd table, fs_struct, sighand,
 * signal_struct, pid namespace), so that restart can see who shares what
 * before any task is touched.
 *
 * Leaks: every object of the tree must be used by tasks of the tree only.
 * The users the kernel counts (mm_users, files->count, fs->users,
 * sighand->count, signal->nr_threads) are compared with the users met in
 * the tree; a difference names the object and, when it can be found, the
 * outside task.  Open files and pipes are checked by files.c.
 *
 * Restart reads the TREE, checks it completely (the same rules as the
 * user-space reader) and, at each task's turn, checks that the task user
 * space built is the one the entry describes: its pids, its parent, its
 * thread group and its children.
 *
 * Locking: the tree is walked under tasklist_lock (read), taking a
 * reference on every task; entries are filled afterwards with RCU for pid
 * lookups and task_lock() for ->mm, ->files and ->fs.  The tasks should be
 * frozen, but a thaw or SIGKILL can undo that at any time: another task's
 * objects are only dereferenced after checking, under its lock, that it
 * still uses them.
 */
#include <linux/checkpoint.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/pid_namespace.h>
#include <linux/fdtable.h>
#include <linux/fs_struct.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/ipc_checkpoint.h>

/* pid of t at every level from ctx->pid_ns down; *nr_levels 0 if not in it */
void ckpt_pid_levels(struct ckpt_ctx *ctx, struct task_struct *t, s32 *pids,
		     u32 *nr_levels)
{
	unsigned int base = ctx->pid_ns->level, i;
	struct pid *pid;

	*nr_levels = 0;
	rcu_read_lock();
	pid = task_pid(t);
	if (pid && pid->level >= base && pid->numbers[base].ns == ctx->pid_ns) {
		*nr_levels = pid->level - base + 1;
		for (i = 0; i < *nr_levels && i < CKPT_PID_LEVELS_MAX; i++)
			pids[i] = pid->numbers[base + i].nr;
	}
	rcu_read_unlock();
}

static int collect_add(struct ckpt_ctx *ctx, struct task_struct *t)
{
	if (ctx->nr_tasks >= CKPT_TASKS_MAX)
		return -E2BIG;
	get_task_struct(t);
	ctx->tasks[ctx->nr_tasks++] = t;
	return 0;
}

/* A process and its other threads; exiting non-leader threads are left out. */
static int collect_process(struct ckpt_ctx *ctx, struct task_struct *leader)
{
	struct task_struct *t;
	int ret;

	ret = collect_add(ctx, leader);
	if (ret)
		return ret;
	for_each_thread(leader, t) {
		if (t == leader || t->exit_state)
			continue;
		ret = collect_add(ctx, t);
		if (ret)
			return ret;
	}
	return 0;
}

/* Breadth first over processes; tasklist_lock held for reading. */
static int collect_subtree(struct ckpt_ctx *ctx, struct task_struct *root)
{
	struct task_struct *p, *t, *child;
	int i, ret;

	ret = collect_process(ctx, root);
	for (i = 0; !ret && i < ctx->nr_tasks; i++) {
		p = ctx->tasks[i];
		if (!thread_group_leader(p))
			continue;
		for_each_thread(p, t) {
			list_for_each_entry(child, &t->children, sibling) {
				ret = collect_process(ctx, child);
				if (ret)
					return ret;
			}
		}
	}
	return ret;
}

static int tree_index_of(struct ckpt_ctx *ctx, pid_t pid, int before)
{
	int i;

	for (i = 0; i < before; i++)
		if (ctx->pids[i].pid == pid)
			return i;
	return -1;
}

/* objref of a per-task object; sets *first when it is met the first time */
static int tree_objref(struct ckpt_ctx *ctx, enum ckpt_obj_type type,
		       void *ptr, u32 *ref, bool *first)
{
	struct ckpt_obj *obj;

	*first = false;
	*ref = 0;
	if (!ptr)
		return 0;
	obj = ckpt_obj_find_ptr(ctx, ptr);
	if (obj) {
		if (obj->type != type)
			return ckpt_err(ctx, -EINVAL, "object clash in the tree");
	} else {
		obj = ckpt_obj_add_ptr(ctx, type, ptr, NULL);
		if (IS_ERR(obj))
			return ckpt_err(ctx, PTR_ERR(obj), "no memory for the tree");
		*first = true;
	}
	obj->users++;
	*ref = obj->objref;
	return 0;
}

static int tree_fill_refs(struct ckpt_ctx *ctx, int i)
{
	struct task_struct *t = ctx->tasks[i];
	struct ckpt_task_pids *p = &ctx->pids[i];
	struct files_struct *files;
	struct pid_namespace *ns;
	struct fs_struct *fs;
	struct mm_struct *mm;
	unsigned int users;
	bool first;
	int ret;

	task_lock(t);
	mm = t->mm;
	files = t->files;
	fs = t->fs;
	task_unlock(t);
	if (p->flags & CKPT_TASK_ZOMBIE) {
		mm = NULL;
		files = NULL;
		fs = NULL;
	} else if (!mm || !files || !fs) {
		return ckpt_err(ctx, -EBUSY, "pid %d is exiting", p->pid);
	}

	ret = tree_objref(ctx, CKPT_OBJ_MM, mm, &p->mm_ref, &first);
	if (ret)
		return ret;
	ctx->task_first[i] |= first ? CKPT_FIRST_MM : 0;
	ret = tree_objref(ctx, CKPT_OBJ_FILES, files, &p->files_ref, &first);
	if (ret)
		return ret;
	ctx->task_first[i] |= first ? CKPT_FIRST_FILES : 0;
	ret = tree_objref(ctx, CKPT_OBJ_FS, fs, &p->fs_ref, &first);
	if (ret)
		return ret;
	ctx->task_first[i] |= first ? CKPT_FIRST_FS : 0;
	if (!(p->flags & CKPT_TASK_ZOMBIE)) {
		ret = tree_objref(ctx, CKPT_OBJ_SIGHAND, t->sighand,
				  &p->sighand_ref, &first);
		if (ret)
			return ret;
		ctx->task_first[i] |= first ? CKPT_FIRST_SIGHAND : 0;
		/* a key only: compared, never dereferenced */
		ret = tree_objref(ctx, CKPT_OBJ_SYSVSEM,
				  (void *)sem_undo_list_key(t, &users),
				  &p->sysvsem_ref, &first);
		if (ret)
			return ret;
		ctx->task_first[i] |= first ? CKPT_FIRST_SYSVSEM : 0;
	}
	ret = tree_objref(ctx, CKPT_OBJ_SIGNAL, t->signal, &p->signal_ref,
			  &first);
	if (ret)
		return ret;
	rcu_read_lock();
	ns = task_active_pid_ns(t);
	rcu_read_unlock();
	if (!ns)	/* reaped meanwhile */
		return ckpt_err(ctx, -EBUSY, "pid %d was reaped", p->pid);
	/* only a key: the namespace is pinned by ctx->pid_ns, its ancestor */
	return tree_objref(ctx, CKPT_OBJ_PIDNS, ns, &p->pidns_ref, &first);
}

/* The TREE entry of ctx->tasks[i]; the entries before it are filled. */
static int tree_fill_entry(struct ckpt_ctx *ctx, int i)
{
	struct pid_namespace *ns = ctx->pid_ns;
	struct task_struct *t = ctx->tasks[i];
	struct ckpt_task_pids *p = &ctx->pids[i];
	struct ckpt_task_pids *parent = NULL;
	int pi;

	rcu_read_lock();
	p->pid = task_pid_nr_ns(t, ns);
	p->tgid = task_tgid_nr_ns(t, ns);
	p->ppid = i ? task_ppid_nr_ns(t, ns) : 0;
	p->pgid = task_pgrp_nr_ns(t, ns);
	p->sid = task_session_nr_ns(t, ns);
	rcu_read_unlock();
	ckpt_pid_levels(ctx, t, p->pids, &p->nr_levels);
	if (!p->pid || !p->nr_levels)
		return ckpt_err(ctx, -EBUSY,
				"a task of the tree has no pid in the root's namespace");
	if (p->nr_levels > CKPT_PID_LEVELS_MAX)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d is %u pid namespaces deep, at most %u supported",
				p->pid, p->nr_levels, CKPT_PID_LEVELS_MAX);

	if (!thread_group_leader(t)) {
		p->flags |= CKPT_TASK_THREAD;
	} else {
		p->exit_signal = t->exit_signal;
		if (t->exit_state == EXIT_ZOMBIE) {
			p->flags |= CKPT_TASK_ZOMBIE;
			/* what wait_task_zombie() reports */
			p->exit_code = (t->signal->flags & SIGNAL_GROUP_EXIT) ?
				       t->signal->group_exit_code : t->exit_code;
			if (!thread_group_empty(t))
				return ckpt_err(ctx, -EOPNOTSUPP,
						"pid %d: the thread group leader exited while other threads run, not supported yet",
						p->pid);
		} else if (t->exit_state) {
			return ckpt_err(ctx, -EBUSY, "pid %d is being reaped",
					p->pid);
		}
		if (!valid_signal(t->exit_signal))
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pid %d: exit signal %d", p->pid,
					t->exit_signal);
		if (p->sid == p->pid)
			p->flags |= CKPT_TASK_SESSION_LEADER;
		if (p->pgid == p->pid)
			p->flags |= CKPT_TASK_GROUP_LEADER;
	}

	if (p->flags & CKPT_TASK_THREAD) {
		/* its real_parent is the process's parent: the leader's entry */
		pi = tree_index_of(ctx, p->tgid, i);
		if (pi < 0)
			return ckpt_err(ctx, -EBUSY, "pid %d: thread without its leader",
					p->pid);
		p->ppid = ctx->pids[pi].ppid;
		if (p->nr_levels != ctx->pids[pi].nr_levels)
			return ckpt_err(ctx, -EINVAL,
					"pid %d: thread in another pid namespace",
					p->pid);
	} else if (i) {
		pi = tree_index_of(ctx, p->ppid, i);
		if (pi < 0)
			return ckpt_err(ctx, -EBUSY,
					"pid %d: parent %d is not in the tree",
					p->pid, p->ppid);
		parent = &ctx->pids[pi];
	}
	if (p->flags & CKPT_TASK_THREAD) {
		/* checked above */
	} else if (parent && p->nr_levels == parent->nr_levels + 1 &&
		   p->pids[p->nr_levels - 1] == 1) {
		p->flags |= CKPT_TASK_NEWPIDNS;
	} else if (parent && p->nr_levels != parent->nr_levels) {
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d is in a pid namespace its parent %d did not create for it (setns?), not supported",
				p->pid, p->ppid);
	}
	return 0;
}

/* Processes may not share what only threads share. */
static int tree_check_sharing(struct ckpt_ctx *ctx, int i)
{
	struct ckpt_task_pids *p = &ctx->pids[i];
	int j;

	if (p->flags & CKPT_TASK_THREAD)
		return 0;
	for (j = 0; j < i; j++) {
		struct ckpt_task_pids *q = &ctx->pids[j];

		if (q->tgid == p->tgid)
			continue;
		if (p->mm_ref && q->mm_ref == p->mm_ref)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pid %d shares its address space with pid %d (CLONE_VM without threads, vfork), not supported",
					p->pid, q->pid);
		if (p->sighand_ref && q->sighand_ref == p->sighand_ref)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pid %d shares its signal handlers with pid %d (CLONE_SIGHAND), not supported",
					p->pid, q->pid);
	}
	return 0;
}

int checkpoint_collect_tree(struct ckpt_ctx *ctx, struct task_struct *root)
{
	int i, ret;

	ctx->tasks = kvcalloc(CKPT_TASKS_MAX, sizeof(*ctx->tasks),
			      GFP_KERNEL_ACCOUNT);
	ctx->pids = kvcalloc(CKPT_TASKS_MAX, sizeof(*ctx->pids),
			     GFP_KERNEL_ACCOUNT);
	ctx->task_first = kvcalloc(CKPT_TASKS_MAX, sizeof(*ctx->task_first),
				   GFP_KERNEL_ACCOUNT);
	ctx->task_ncsw = kvcalloc(CKPT_TASKS_MAX, sizeof(*ctx->task_ncsw),
				  GFP_KERNEL_ACCOUNT);
	if (!ctx->tasks || !ctx->pids || !ctx->task_first || !ctx->task_ncsw)
		return ckpt_err(ctx, -ENOMEM, "no memory for the task tree");

	read_lock(&tasklist_lock);
	ret = collect_subtree(ctx, root);
	read_unlock(&tasklist_lock);
	if (ret)
		return ckpt_err(ctx, ret, "more than %d tasks in the tree",
				CKPT_TASKS_MAX);

	for (i = 0; i < ctx->nr_tasks; i++) {
		ret = tree_fill_entry(ctx, i);
		if (!ret)
			ret = tree_fill_refs(ctx, i);
		if (!ret)
			ret = tree_check_sharing(ctx, i);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The tree, walked again at the end of the checkpoint: a process that
 * forked before it was frozen but after the tree was collected has a task
 * the image lacks.  Counting is enough: a task that left the tree fails
 * the per-task rechecks.
 */
int checkpoint_tree_unchanged(struct ckpt_ctx *ctx)
{
	struct task_struct **q, *p, *t, *child;
	int n = 0, i, nr = 0;

	/* the reason goes to the caller's log: no printk here */
	q = kvcalloc(CKPT_TASKS_MAX, sizeof(*q), GFP_KERNEL_ACCOUNT);
	n = q ? 0 : -ENOMEM;
	if (n)
		return ckpt_err(ctx, n, "no memory to walk the task tree again");
	read_lock(&tasklist_lock);
	q[n++] = ctx->tasks[0];
	for (i = 0; i < n; i++) {
		p = q[i];
		for_each_thread(p, t) {
			if (t != p && t->exit_state)
				continue;
			nr++;
			list_for_each_entry(child, &t->children, sibling) {
				if (n == CKPT_TASKS_MAX)
					goto out;
				q[n++] = child;
			}
		}
	}
out:
	read_unlock(&tasklist_lock);
	kvfree(q);
	if (nr != ctx->nr_tasks)
		return ckpt_err(ctx, -EBUSY,
				"the tree has %d tasks now, %d when the checkpoint started: a task forked before it was frozen",
				nr, ctx->nr_tasks);
	return 0;
}

/* The outside task using ptr as its mm, files, fs or sighand, if any. */
static pid_t tree_outside_user(struct ckpt_ctx *ctx, enum ckpt_obj_type type,
			       void *ptr, char *comm)
{
	struct task_struct *p, *t;
	pid_t found = 0;
	void *use;
	int i;

	rcu_read_lock();
	for_each_process_thread(p, t) {
		switch (type) {
		case CKPT_OBJ_MM:
			use = READ_ONCE(t->mm);
			break;
		case CKPT_OBJ_FILES:
			use = READ_ONCE(t->files);
			break;
		case CKPT_OBJ_FS:
			use = READ_ONCE(t->fs);
			break;
		case CKPT_OBJ_SYSVSEM:
			use = READ_ONCE(t->sysvsem.undo_list);
			break;
		default:
			use = READ_ONCE(t->sighand);
			break;
		}
		if (use != ptr)
			continue;
		for (i = 0; i < ctx->nr_tasks; i++)
			if (ctx->tasks[i] == t)
				break;
		if (i < ctx->nr_tasks)
			continue;
		found = task_pid_vnr(t);
		__get_task_comm(comm, TASK_COMM_LEN, t);
		break;
	}
	rcu_read_unlock();
	return found;
}

static int tree_leak(struct ckpt_ctx *ctx, struct ckpt_obj *obj, int users,
		     const char *what, const char *how, pid_t pid)
{
	char comm[TASK_COMM_LEN] = "";
	pid_t out;

	out = tree_outside_user(ctx, obj->type, obj->ptr, comm);
	if (out)
		return ckpt_err(ctx, -EBUSY,
				"the %s of pid %d is also used by pid %d (%s) outside the tree (%s)",
				what, pid, out, comm, how);
	return ckpt_err(ctx, -EBUSY,
			"the %s of pid %d has %d users, %lu in the tree: it is used outside the tree (%s)",
			what, pid, users, obj->users, how);
}

/*
 * The users the kernel counts for @obj, read through @t, which used it when
 * the tree was collected: -EBUSY if it does not any more (it exited, execed
 * or unshared meanwhile: a frozen state can be undone by SIGKILL or a
 * thaw, so nothing here relies on it).
 */
static int tree_users(struct task_struct *t, struct ckpt_obj *obj, int *users)
{
	unsigned long flags;
	unsigned int n;
	int ret = 0;

	if (obj->type == CKPT_OBJ_SYSVSEM) {
		if (sem_undo_list_key(t, &n) != obj->ptr)
			return -EBUSY;
		*users = n;
		return 0;
	}
	if (obj->type == CKPT_OBJ_SIGHAND) {
		if (!lock_task_sighand(t, &flags))
			return -EBUSY;
		if (t->sighand == obj->ptr)
			*users = refcount_read(&t->sighand->count);
		else
			ret = -EBUSY;
		unlock_task_sighand(t, &flags);
		return ret;
	}
	task_lock(t);
	switch (obj->type) {
	case CKPT_OBJ_MM:
		if (t->mm == obj->ptr)
			*users = atomic_read(&t->mm->mm_users);
		else
			ret = -EBUSY;
		break;
	case CKPT_OBJ_FILES:
		if (t->files == obj->ptr)
			*users = atomic_read(&t->files->count);
		else
			ret = -EBUSY;
		break;
	case CKPT_OBJ_FS:
		if (t->fs == obj->ptr) {
			spin_lock(&t->fs->lock);
			*users = t->fs->users;
			spin_unlock(&t->fs->lock);
		} else {
			ret = -EBUSY;
		}
		break;
	default:
		ret = -EINVAL;
		break;
	}
	task_unlock(t);
	return ret;
}

static const struct {
	u32 first;
	size_t ref;
	const char *what, *how;
} tree_shared[] = {
	{ CKPT_FIRST_MM, offsetof(struct ckpt_task_pids, mm_ref),
	  "address space", "vfork, CLONE_VM" },
	{ CKPT_FIRST_FILES, offsetof(struct ckpt_task_pids, files_ref),
	  "fd table", "CLONE_FILES" },
	{ CKPT_FIRST_FS, offsetof(struct ckpt_task_pids, fs_ref),
	  "fs_struct (cwd, root, umask)", "CLONE_FS" },
	{ CKPT_FIRST_SIGHAND, offsetof(struct ckpt_task_pids, sighand_ref),
	  "signal handlers", "CLONE_SIGHAND" },
	{ CKPT_FIRST_SYSVSEM, offsetof(struct ckpt_task_pids, sysvsem_ref),
	  "SysV semaphore undo list", "CLONE_SYSVSEM" },
};

/*
 * Every per-task object of the tree is used by tasks of the tree only.
 * The counts are compared with the users met in the tree; a transient
 * reference (a /proc reader) makes the checkpoint fail safely.
 */
int checkpoint_tree_leaks(struct ckpt_ctx *ctx)
{
	struct ckpt_obj *obj;
	int i, k, users;

	for (i = 0; i < ctx->nr_tasks; i++) {
		struct ckpt_task_pids *p = &ctx->pids[i];
		struct task_struct *t = ctx->tasks[i];

		for (k = 0; k < ARRAY_SIZE(tree_shared); k++) {
			if (!(ctx->task_first[i] & tree_shared[k].first))
				continue;
			obj = ckpt_obj_lookup_ref(ctx, *(u32 *)((char *)p +
							       tree_shared[k].ref));
			if (!obj || tree_users(t, obj, &users))
				return ckpt_err(ctx, -EBUSY,
						"pid %d changed (exited, execed or unshared) during the checkpoint",
						p->pid);
			if (users != obj->users)
				return tree_leak(ctx, obj, users,
						 tree_shared[k].what,
						 tree_shared[k].how, p->pid);
		}
		if (!(p->flags & (CKPT_TASK_THREAD | CKPT_TASK_ZOMBIE))) {
			obj = ckpt_obj_lookup_ref(ctx, p->signal_ref);
			users = READ_ONCE(t->signal->nr_threads);
			if (!obj || users != obj->users)
				return ckpt_err(ctx, -EBUSY,
						"pid %d has %d threads, %lu in the tree: a thread is exiting or being created",
						p->pid, users, obj ? obj->users : 0);
		}
	}
	return 0;
}

/*
 * checkpoint --container: the root is the init of its own pid namespace
 * (below the caller's), and every task of that namespace is in the tree.
 */
int checkpoint_check_container(struct ckpt_ctx *ctx, struct task_struct *root)
{
	struct pid_namespace *ns = ctx->pid_ns;
	struct task_struct *p, *t;
	int n = 0, i;
	pid_t out = 0;

	if (ns == task_active_pid_ns(current) || ns->child_reaper != root)
		return ckpt_err(ctx, -EINVAL,
				"pid %d is not the init of a pid namespace of its own (checkpoint --container)",
				task_pid_vnr(root));
	rcu_read_lock();
	for_each_process_thread(p, t) {
		if (t->exit_state == EXIT_DEAD || !pid_nr_ns(task_pid(t), ns))
			continue;
		if (!thread_group_leader(t) && t->exit_state)
			continue;
		n++;
		if (out)
			continue;
		for (i = 0; i < ctx->nr_tasks; i++)
			if (ctx->tasks[i] == t)
				break;
		if (i == ctx->nr_tasks)
			out = task_pid_vnr(t);
	}
	rcu_read_unlock();
	if (out || n != ctx->nr_tasks)
		return ckpt_err(ctx, -EBUSY,
				"pid %d of the container's pid namespace is not in the tree of its init (entered with setns?)",
				out);
	return 0;
}

int checkpoint_write_tree(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tree tree = { .nr_tasks = ctx->nr_tasks };

	return ckpt_write_record_payload(ctx, CKPT_HDR_TREE, &tree,
					 sizeof(tree), ctx->pids,
					 ctx->nr_tasks * sizeof(*ctx->pids));
}

/* ------------------------------------------------------------ restart */

/* Index of the earlier entry with the same ref (0 = none), or -1. */
static int tree_ref_before(struct ckpt_ctx *ctx, int i, size_t off)
{
	u32 ref = *(u32 *)((char *)&ctx->pids[i] + off);
	int j;

	for (j = 0; j < i; j++)
		if (*(u32 *)((char *)&ctx->pids[j] + off) == ref)
			return j;
	return -1;
}

#define REF_BEFORE(ctx, i, field) \
	tree_ref_before(ctx, i, offsetof(struct ckpt_task_pids, field))

static int tree_bad(struct ckpt_ctx *ctx, int i, const char *why)
{
	return ckpt_err(ctx, -EINVAL, "TREE entry %d (pid %d): %s", i,
			ctx->pids[i].pid, why);
}

static int restore_check_entry(struct ckpt_ctx *ctx, int i)
{
	struct ckpt_task_pids *p = &ctx->pids[i];
	struct ckpt_task_pids *parent, *leader;
	bool zombie = p->flags & CKPT_TASK_ZOMBIE;
	int j, k;

	if (p->pid <= 0 || (p->flags & ~CKPT_TASK_FLAGS_KNOWN) ||
	    p->pgid < 0 || p->sid < 0 || p->ppid < 0 || !p->nr_levels ||
	    p->nr_levels > CKPT_PID_LEVELS_MAX || p->pids[0] != p->pid)
		return tree_bad(ctx, i, "invalid pid values");
	for (k = 1; k < CKPT_PID_LEVELS_MAX; k++)
		if (k < p->nr_levels ? p->pids[k] <= 0 : p->pids[k] != 0)
			return tree_bad(ctx, i, "invalid pid levels");
	if (tree_index_of(ctx, p->pid, i) >= 0)
		return tree_bad(ctx, i, "pid appears twice");
	if (!valid_signal(p->exit_signal) || (!zombie && p->exit_code) ||
	    (p->exit_code & ~0xffff))
		return tree_bad(ctx, i, "invalid exit signal or code");
	if (zombie ? (p->mm_ref || p->files_ref || p->fs_ref ||
		      p->sighand_ref || (p->flags & CKPT_TASK_THREAD)) :
		     (!p->mm_ref || !p->files_ref || !p->fs_ref ||
		      !p->sighand_ref))
		return tree_bad(ctx, i, "invalid object refs for its kind");
	if (!p->signal_ref || !p->pidns_ref)
		return tree_bad(ctx, i, "no signal or pid namespace ref");
	if (zombie && p->sysvsem_ref)
		return tree_bad(ctx, i, "a zombie has no semaphore undo list");
	if (i && (p->flags & CKPT_TASK_NEWIPCNS))
		return tree_bad(ctx, i, "only the root has an IPC namespace flag");

	if (!i) {
		if (p->ppid || (p->flags & (CKPT_TASK_THREAD | CKPT_TASK_ZOMBIE |
					    CKPT_TASK_NEWPIDNS)) ||
		    p->tgid != p->pid || p->nr_levels != 1)
			return tree_bad(ctx, i, "the root must be a live process");
		return 0;
	}

	if (p->flags & CKPT_TASK_THREAD) {
		leader = &ctx->pids[i - 1];
		if (leader->tgid != p->tgid)
			return tree_bad(ctx, i, "a thread must follow its thread group");
		j = tree_index_of(ctx, p->tgid, i);
		leader = &ctx->pids[j];
		if (leader->flags & (CKPT_TASK_THREAD | CKPT_TASK_ZOMBIE) ||
		    p->ppid != leader->ppid || p->nr_levels != leader->nr_levels ||
		    p->mm_ref != leader->mm_ref ||
		    p->sighand_ref != leader->sighand_ref ||
		    p->signal_ref != leader->signal_ref ||
		    p->pidns_ref != leader->pidns_ref || p->exit_signal ||
		    (p->flags & (CKPT_TASK_NEWPIDNS | CKPT_TASK_SESSION_LEADER |
				 CKPT_TASK_GROUP_LEADER)))
			return tree_bad(ctx, i, "thread does not match its leader");
		return 0;
	}

	if (p->tgid != p->pid)
		return tree_bad(ctx, i, "a process's tgid is its pid");
	j = tree_index_of(ctx, p->ppid, i);
	if (j < 0)
		return tree_bad(ctx, i, "its parent is not an earlier task");
	parent = &ctx->pids[j];
	if (parent->flags & (CKPT_TASK_THREAD | CKPT_TASK_ZOMBIE))
		return tree_bad(ctx, i, "its parent is a thread or a zombie");
	if (p->flags & CKPT_TASK_NEWPIDNS) {
		if (p->nr_levels != parent->nr_levels + 1 ||
		    p->pids[p->nr_levels - 1] != 1 ||
		    REF_BEFORE(ctx, i, pidns_ref) >= 0)
			return tree_bad(ctx, i, "bad new pid namespace");
	} else if (p->nr_levels != parent->nr_levels ||
		   p->pidns_ref != parent->pidns_ref) {
		return tree_bad(ctx, i, "not in its parent's pid namespace");
	}
	/* what only threads share */
	for (j = 0; j < i; j++) {
		struct ckpt_task_pids *q = &ctx->pids[j];

		if (q->signal_ref == p->signal_ref ||
		    (p->mm_ref && q->mm_ref == p->mm_ref) ||
		    (p->sighand_ref && q->sighand_ref == p->sighand_ref))
			return tree_bad(ctx, i,
					"shares its mm, sighand or signal with another process");
	}
	return 0;
}

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
	if (nr < 1 || nr > CKPT_TASKS_MAX || tree.pad ||
	    len != sizeof(tree) + nr * sizeof(struct ckpt_task_pids))
		return ckpt_err(ctx, -EINVAL,
				"TREE: %u tasks do not fit a record of %d bytes",
				nr, len);
	ctx->pids = kvcalloc(nr, sizeof(*ctx->pids), GFP_KERNEL_ACCOUNT);
	ctx->task_pids = kvcalloc(nr, sizeof(*ctx->task_pids), GFP_KERNEL_ACCOUNT);
	ctx->task_first = kvcalloc(nr, sizeof(*ctx->task_first), GFP_KERNEL_ACCOUNT);
	if (!ctx->pids || !ctx->task_pids || !ctx->task_first)
		return ckpt_err(ctx, -ENOMEM, "no memory for %u tasks", nr);
	ctx->nr_tasks = nr;
	ret = ckpt_read_raw(ctx, ctx->pids, nr * sizeof(*ctx->pids));
	if (!ret)
		ret = ckpt_read_end(ctx, len);
	if (ret)
		return ret;

	for (i = 0; i < nr; i++) {
		struct ckpt_task_pids *p = &ctx->pids[i];

		ret = restore_check_entry(ctx, i);
		if (ret)
			return ret;
		if (p->flags & CKPT_TASK_ZOMBIE)
			continue;
		if (REF_BEFORE(ctx, i, mm_ref) < 0)
			ctx->task_first[i] |= CKPT_FIRST_MM;
		if (REF_BEFORE(ctx, i, files_ref) < 0)
			ctx->task_first[i] |= CKPT_FIRST_FILES;
		if (REF_BEFORE(ctx, i, fs_ref) < 0)
			ctx->task_first[i] |= CKPT_FIRST_FS;
		if (REF_BEFORE(ctx, i, sighand_ref) < 0)
			ctx->task_first[i] |= CKPT_FIRST_SIGHAND;
		if (p->sysvsem_ref && REF_BEFORE(ctx, i, sysvsem_ref) < 0)
			ctx->task_first[i] |= CKPT_FIRST_SYSVSEM;
	}
	return 0;
}

/* The entry a joining task with level-0 pid @pid takes, or -1. */
int restore_tree_index(struct ckpt_ctx *ctx, pid_t pid)
{
	return tree_index_of(ctx, pid, ctx->nr_tasks);
}

static void ckpt_put_pid_ns(void *ptr)
{
	put_pid_ns(ptr);
}

/* Is @pid the struct pid of one of the restart's tasks? */
static bool restore_is_ours(struct ckpt_ctx *ctx, struct pid *pid)
{
	int i;

	for (i = 0; i < ctx->nr_tasks; i++)
		if (ctx->task_pids[i] == pid)
			return true;
	return false;
}

/*
 * At the turn of entry @index: current is the task user space built for
 * it, in the right place.  Every task has entered (their struct pids are
 * in ctx->task_pids) and is waiting in restart(), so none changes.
 */
int restore_check_task(struct ckpt_ctx *ctx, int index)
{
	struct ckpt_task_pids *p = &ctx->pids[index];
	struct pid_namespace *ns = task_active_pid_ns(current), *seen;
	struct task_struct *t, *child;
	s32 pids[CKPT_PID_LEVELS_MAX] = {};
	u32 nr_levels;
	int i, n, ret;

	if (current->ptrace)	/* attached while it waited */
		return ckpt_err(ctx, -EBUSY, "task %d (pid %d) is being ptraced",
				index, p->pid);
	ckpt_pid_levels(ctx, current, pids, &nr_levels);
	if (nr_levels != p->nr_levels)
		return ckpt_err(ctx, -EINVAL,
				"task %d (pid %d) is %u pid namespaces deep, the image says %u",
				index, p->pid, nr_levels, p->nr_levels);
	if (!(ctx->flags & CKPT_RESTART_NO_PIDS) &&
	    memcmp(pids, p->pids, nr_levels * sizeof(s32)))
		return ckpt_err(ctx, -EINVAL,
				"task %d (pid %d) does not have the saved pid at every level",
				index, p->pid);
	seen = ckpt_obj_find_ref(ctx, CKPT_OBJ_PIDNS, p->pidns_ref);
	if (!seen) {
		ret = ckpt_obj_add_ref(ctx, CKPT_OBJ_PIDNS, p->pidns_ref,
				       get_pid_ns(ns), ckpt_put_pid_ns);
		if (ret)
			return ret;
		for (i = 0; i < index; i++)
			if (ckpt_obj_find_ref(ctx, CKPT_OBJ_PIDNS,
					      ctx->pids[i].pidns_ref) == ns &&
			    ctx->pids[i].pidns_ref != p->pidns_ref)
				return ckpt_err(ctx, -EINVAL,
						"task %d (pid %d) is not in a pid namespace of its own",
						index, p->pid);
	} else if (seen != ns) {
		return ckpt_err(ctx, -EINVAL,
				"task %d (pid %d) is in another pid namespace than the image says",
				index, p->pid);
	}

	if (p->flags & CKPT_TASK_THREAD) {
		i = restore_tree_index(ctx, p->tgid);
		if (task_tgid(current) != ctx->task_pids[i])
			return ckpt_err(ctx, -EINVAL,
					"task %d (tid %d) is not a thread of task %d",
					index, p->pid, i);
		return 0;
	}
	if (!thread_group_leader(current))
		return ckpt_err(ctx, -EINVAL, "task %d (pid %d) is a thread, not a process",
				index, p->pid);
	if (index) {
		i = restore_tree_index(ctx, p->ppid);
		rcu_read_lock();
		ret = task_tgid(rcu_dereference(current->real_parent)) !=
		      ctx->task_pids[i];
		rcu_read_unlock();
		if (ret)
			return ckpt_err(ctx, -EINVAL,
					"task %d (pid %d) is not a child of task %d",
					index, p->pid, i);
	}

	/* exactly the threads of the image, and only children of the image */
	n = 0;
	for (i = index + 1; i < ctx->nr_tasks &&
	     (ctx->pids[i].flags & CKPT_TASK_THREAD); i++)
		n++;
	ret = 0;
	read_lock(&tasklist_lock);
	if (get_nr_threads(current) != n + 1)
		ret = -EBUSY;
	for_each_thread(current, t) {
		if (!restore_is_ours(ctx, task_pid(t)))
			ret = -EBUSY;
		list_for_each_entry(child, &t->children, sibling)
			if (!restore_is_ours(ctx, task_pid(child)))
				ret = -ECHILD;
	}
	read_unlock(&tasklist_lock);
	if (ret == -EBUSY)
		return ckpt_err(ctx, ret,
				"task %d (pid %d) has threads that are not the image's %d",
				index, p->pid, n);
	if (ret)
		return ckpt_err(ctx, -EBUSY,
				"task %d (pid %d) has a child that is not a task of the restart",
				index, p->pid);
	return 0;
}
