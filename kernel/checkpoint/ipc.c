// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: SysV IPC: IPC_NS, IPC_SHM, IPC_MSQ, IPC_MSG, IPC_SEM, SEM_UNDO and
 * SEM_ADJ records.
 *
 * Every task of a tree is in one IPC namespace.  It is the tree's own
 * ("private") when it is not the initial one and no task outside the tree
 * is in it: then all of it is saved, and the root's TREE entry says
 * CKPT_TASK_NEWIPCNS so that restart recreates it in a fresh namespace.
 * Otherwise (the caller's namespace, typically) the image holds the
 * segments the tree has attached and the arrays its undo lists name, or
 * with CKPT_CHECKPOINT_IPC every object.  The objects are written by the
 * root, after its FILES: every mapping (memory.c, VMA SYSV_SHM) and undo
 * list of the tree is restored after them.  Each task whose TREE entry is
 * the first with its sysvsem_ref writes that undo list (SEM_UNDO and one
 * SEM_ADJ per array); tasks with the same ref share the list again.
 *
 * The structures are private to ipc/, which does the locked work
 * (include/linux/ipc_checkpoint.h); this file orders, bounds and checks.
 * The objects are read while the tree is frozen, each under its own lock:
 * a tree's arrays and segments are consistent, an object an outsider
 * changes meanwhile is saved as it was at its turn.
 *
 * Restart: the root creates each object through the public creation path
 * with its id written to its next_id (the one mechanism for chosen ids,
 * consumed in ipc_addid(): it needs CAP_CHECKPOINT_RESTORE over the IPC
 * namespace's user namespace, as the kernel.*_next_id sysctls), so a taken
 * id or key fails with EEXIST, then gives it the image's owner, mode,
 * contents, times and pids.  Undo entries are set as semop(SEM_UNDO)
 * would: alter permission on the array for the caller and for the
 * restored credentials.  A segment removed but attached in the image is
 * IPC_RMID'd, and the times the attachments changed are put back, once
 * every task is restored.  A restart that fails removes the objects it
 * created and drops the undo lists it restored without applying them.
 */
#include <linux/checkpoint.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/ipc.h>
#include <linux/ipc_checkpoint.h>
#include <linux/ipc_namespace.h>
#include <linux/mm.h>
#include <linux/next_id.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sem.h>
#include <linux/shm.h>
#include <linux/slab.h>
#include <linux/bsearch.h>
#include <linux/sort.h>
#include <linux/syscalls.h>

#define CKPT_IPC_KINDS	3
/* ipc_mni with ipcmni_extend (IPCMNI_EXTEND, private to ipc/) */
#define CKPT_IPCMNI_MAX	BIT(24)

static const char * const ckpt_ipc_kind_name[CKPT_IPC_KINDS] = {
	[IPC_CKPT_SEM] = "semaphore array",
	[IPC_CKPT_MSG] = "message queue",
	[IPC_CKPT_SHM] = "shm segment",
};

/* records come in this order of kinds: IPC_SHM, IPC_MSQ, IPC_SEM */
static const int ckpt_ipc_rank[CKPT_IPC_KINDS] = {
	[IPC_CKPT_SHM] = 0, [IPC_CKPT_MSG] = 1, [IPC_CKPT_SEM] = 2,
};

/* One restored array: SEM_ADJ records are checked against it. */
struct ckpt_ipc_sem {
	int id;
	u32 nsems;
};

/* ctx->ipc */
struct ckpt_ipc {
	struct ipc_namespace *ns;	/* the tree's, referenced */
	bool private;			/* the tree's own, saved whole */
	bool all;			/* every object of the namespace */
	/*
	 * checkpoint: the ids to save, ascending, per kind;
	 * restart: the ids created, in creation order (ascending)
	 */
	int *ids[CKPT_IPC_KINDS];
	unsigned int nr[CKPT_IPC_KINDS];
	unsigned int max[CKPT_IPC_KINDS];
	/* restart: the objects created, referenced (another may get the id) */
	struct kern_ipc_perm **objs[CKPT_IPC_KINDS];
	/* restart */
	struct ckpt_hdr_ipc_shm *shms;	/* restored segments, ascending ids */
	unsigned int nr_shms;
	struct ckpt_ipc_sem *sems;	/* restored arrays, ascending ids */
	unsigned int nr_sems;
	int last_rank, last_id;		/* order of the object records */
	bool restore_rmid_forced;	/* at the end: attachments come first */
	int shm_rmid_forced;
	bool committed;			/* every task restored: nothing to undo */
};

/* rt->ipc */
struct ckpt_ipc_task {
	struct ckpt_ctx *ctx;
	bool undo;			/* this task's undo list is the image's */
	struct ckpt_hdr_sem_adj **adj;	/* first user: its SEM_ADJ records */
	u32 nr_adj;
};

/* CKPT_OBJ_SYSVSEM at restart: a reference on an undo list */
struct ckpt_undo_ref {
	struct sem_undo_list *ulp;
	struct ipc_namespace *ns;
	struct ckpt_ctx *ctx;		/* whose table holds it */
};

static int ckpt_ipc_nomem(struct ckpt_ctx *ctx, const char *what)
{
	return ckpt_err(ctx, -ENOMEM, "no memory for %s", what);
}

/*
 * The table's reference is the last one only if every user died: after a
 * completed restart that is their exit (apply), else a failed restart.
 */
static void ckpt_release_undo_ref(void *ptr)
{
	struct ckpt_undo_ref *ur = ptr;

	sem_undo_list_put(ur->ulp, ur->ns, READ_ONCE(ur->ctx->done));
	put_ipc_ns(ur->ns);
	kfree(ur);
}

/* Room for one more id of @kind. */
static int ckpt_ipc_reserve(struct ckpt_ctx *ctx, struct ckpt_ipc *ci,
			    int kind)
{
	unsigned int total = ci->nr[0] + ci->nr[1] + ci->nr[2];
	struct kern_ipc_perm **objs;
	unsigned int max;
	int *ids;

	if (total >= CKPT_IPC_OBJECTS_MAX)
		return ckpt_err(ctx, -E2BIG, "more than %u SysV IPC objects",
				CKPT_IPC_OBJECTS_MAX);
	if (ci->nr[kind] == ci->max[kind]) {
		max = ci->max[kind] ? 2 * ci->max[kind] : 64;
		ids = kvrealloc(ci->ids[kind], ci->max[kind] * sizeof(*ids),
				max * sizeof(*ids), GFP_KERNEL_ACCOUNT);
		if (!ids)
			return ckpt_ipc_nomem(ctx, "IPC ids");
		ci->ids[kind] = ids;
		if (ctx->is_restart) {
			objs = kvrealloc(ci->objs[kind],
					 ci->max[kind] * sizeof(*objs),
					 max * sizeof(*objs), GFP_KERNEL_ACCOUNT);
			if (!objs)
				return ckpt_err(ctx, -ENOMEM, "no memory for IPC ids");
			ci->objs[kind] = objs;
		}
		ci->max[kind] = max;
	}
	return 0;
}

static int ckpt_ipc_add_id(struct ckpt_ctx *ctx, struct ckpt_ipc *ci,
			   int kind, int id)
{
	int ret = ckpt_ipc_reserve(ctx, ci, kind);

	if (!ret)
		ci->ids[kind][ci->nr[kind]++] = id;
	return ret;
}

/* Whether @ns is the tree's IPC namespace (memory.c, for attachments). */
bool checkpoint_ipc_ns_is(struct ckpt_ctx *ctx, struct ipc_namespace *ns)
{
	struct ckpt_ipc *ci = ctx->ipc;

	return ci && ci->ns == ns;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

static void ckpt_ipc_sort_ids(struct ckpt_ipc *ci)
{
	unsigned int k, i, n;

	for (k = 0; k < CKPT_IPC_KINDS; k++) {
		if (!ci->nr[k])
			continue;
		sort(ci->ids[k], ci->nr[k], sizeof(int), cmp_int, NULL);
		for (i = 1, n = 1; i < ci->nr[k]; i++)
			if (ci->ids[k][i] != ci->ids[k][n - 1])
				ci->ids[k][n++] = ci->ids[k][i];
		ci->nr[k] = n;
	}
}

static bool ckpt_ipc_has_id(struct ckpt_ipc *ci, int kind, int id)
{
	return ci->nr[kind] &&
	       bsearch(&id, ci->ids[kind], ci->nr[kind], sizeof(int),
		       cmp_int);
}

void ckpt_ipc_free(struct ckpt_ctx *ctx)
{
	struct ckpt_ipc *ci = ctx->ipc;
	unsigned int i;
	int k;

	if (!ci)
		return;
	for (k = 0; k < CKPT_IPC_KINDS; k++) {
		for (i = 0; ci->objs[k] && i < ci->nr[k]; i++)
			if (ci->objs[k][i])
				ipc_ckpt_put(k, ci->objs[k][i]);
		kvfree(ci->objs[k]);
		kvfree(ci->ids[k]);
	}
	kvfree(ci->shms);
	kvfree(ci->sems);
	if (ci->ns)
		put_ipc_ns(ci->ns);
	kfree(ci);
	ctx->ipc = NULL;
}

/* ------------------------------------------------------------ checkpoint */

/* The namespace of the tree; every task of it must be in it. */
static int ckpt_ipc_tree_ns(struct ckpt_ctx *ctx, struct ckpt_ipc *ci)
{
	struct ipc_namespace *ns;
	struct task_struct *t;
	int i, first = -1;

	for (i = 0; i < ctx->nr_tasks; i++) {
		if (ctx->pids[i].flags & CKPT_TASK_ZOMBIE)
			continue;
		t = ctx->tasks[i];
		task_lock(t);
		ns = t->nsproxy ? t->nsproxy->ipc_ns : NULL;
		if (ns && !ci->ns)
			ci->ns = get_ipc_ns(ns);
		task_unlock(t);
		if (!ns)
			return ckpt_err(ctx, -EBUSY, "pid %d is exiting",
					ctx->pids[i].pid);
		if (ns != ci->ns)
			return ckpt_err(ctx, -EBUSY,
					"pid %d is in another IPC namespace than pid %d: a tree must share one",
					ctx->pids[i].pid, ctx->pids[first].pid);
		if (first < 0)
			first = i;
	}
	return ci->ns ? 0 : ckpt_err(ctx, -EBUSY, "no live task in the tree");
}

/* Not the initial namespace, and no task outside the tree in it. */
static bool ckpt_ipc_ns_private(struct ckpt_ctx *ctx, struct ckpt_ipc *ci)
{
	struct task_struct *g, *p;
	int i, in_tree = 0, in_ns = 0;

	if (ci->ns == &init_ipc_ns)
		return false;
	for (i = 0; i < ctx->nr_tasks; i++)
		if (!(ctx->pids[i].flags & CKPT_TASK_ZOMBIE))
			in_tree++;
	rcu_read_lock();
	for_each_process_thread(g, p) {
		task_lock(p);
		if (p->nsproxy && p->nsproxy->ipc_ns == ci->ns)
			in_ns++;
		task_unlock(p);
	}
	rcu_read_unlock();
	return in_ns == in_tree;
}

/* The segments attached by the tree. */
static int ckpt_ipc_used_shm(struct ckpt_ctx *ctx, struct ckpt_ipc *ci)
{
	struct ipc_namespace *ns;
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	int i, id, ret = 0;

	for (i = 0; !ret && i < ctx->nr_tasks; i++) {
		if (!(ctx->task_first[i] & CKPT_FIRST_MM))
			continue;
		mm = get_task_mm(ctx->tasks[i]);
		if (!mm)
			return ckpt_err(ctx, -EBUSY, "pid %d is exiting",
					ctx->pids[i].pid);
		if (ckpt_mmap_lock(ctx, mm, false)) {
			mmput(mm);
			return ckpt_err(ctx, -EINTR, "interrupted");
		}
		{
			VMA_ITERATOR(vmi, mm, 0);

			for_each_vma(vmi, vma) {
				if (!vma->vm_file)
					continue;
				id = shm_file_ckpt_id(vma->vm_file, &ns);
				if (id == -EINVAL)
					continue;
				if (id < 0)
					ret = ckpt_err(ctx, id,
						       "pid %d: hugetlb SysV shm at %#lx not supported",
						       ctx->pids[i].pid,
						       vma->vm_start);
				else if (ns != ci->ns)
					ret = ckpt_err(ctx, -EBUSY,
						       "pid %d: SysV shm %d at %#lx is of another IPC namespace",
						       ctx->pids[i].pid, id,
						       vma->vm_start);
				else
					ret = ckpt_ipc_add_id(ctx, ci,
							      IPC_CKPT_SHM, id);
				if (ret)
					break;
			}
		}
		ckpt_mmap_unlock(ctx, mm, false);
		mmput(mm);
	}
	return ret;
}

struct ckpt_undo_ids {
	struct ckpt_ipc *ci;
	unsigned int count;
};

static int ckpt_undo_count(void *arg, int semid, int nsems,
			   const short *semadj)
{
	struct ckpt_undo_ids *u = arg;

	u->count++;
	return 0;
}

/* under the array lock: no allocation, the room was made before */
static int ckpt_undo_note(void *arg, int semid, int nsems,
			  const short *semadj)
{
	struct ckpt_undo_ids *u = arg;
	struct ckpt_ipc *ci = u->ci;

	if (ci->nr[IPC_CKPT_SEM] == ci->max[IPC_CKPT_SEM])
		return -EAGAIN;
	ci->ids[IPC_CKPT_SEM][ci->nr[IPC_CKPT_SEM]++] = semid;
	return 0;
}

/* The arrays the undo lists of the tree name. */
static int ckpt_ipc_used_sem(struct ckpt_ctx *ctx, struct ckpt_ipc *ci)
{
	struct ckpt_undo_ids u = { .ci = ci };
	unsigned int max;
	int i, ret;
	int *ids;

	for (i = 0; i < ctx->nr_tasks; i++) {
		if (!(ctx->task_first[i] & CKPT_FIRST_SYSVSEM))
			continue;
		u.count = 0;
		sem_undo_walk(ctx->tasks[i], ckpt_undo_count, &u);
		if (u.count > CKPT_SEM_UNDOS_MAX)
			return ckpt_err(ctx, -E2BIG,
					"pid %d has undo entries for %u semaphore arrays (at most %u)",
					ctx->pids[i].pid, u.count,
					CKPT_SEM_UNDOS_MAX);
		max = ci->nr[IPC_CKPT_SEM] + u.count;
		if (max > ci->max[IPC_CKPT_SEM]) {
			ids = kvrealloc(ci->ids[IPC_CKPT_SEM],
					ci->max[IPC_CKPT_SEM] * sizeof(*ids),
					max * sizeof(*ids), GFP_KERNEL_ACCOUNT);
			if (!ids)
				return ckpt_err(ctx, -ENOMEM,
						"no memory for IPC ids");
			ci->ids[IPC_CKPT_SEM] = ids;
			ci->max[IPC_CKPT_SEM] = max;
		}
		ret = sem_undo_walk(ctx->tasks[i], ckpt_undo_note, &u);
		if (ret)	/* frozen tasks: only IPC_RMID shrinks a list */
			return ckpt_err(ctx, -EBUSY,
					"pid %d: its undo list changed during the checkpoint",
					ctx->pids[i].pid);
	}
	return 0;
}

/*
 * Before anything is written: the namespace, whether it is private, and
 * the objects the image holds (they are written before any task's records
 * that use them).
 */
int checkpoint_ipc_prepare(struct ckpt_ctx *ctx)
{
	struct ckpt_ipc *ci;
	int k, id, pos, ret;

	ci = kzalloc(sizeof(*ci), GFP_KERNEL_ACCOUNT);
	if (!ci)
		return ckpt_ipc_nomem(ctx, "IPC state");
	ctx->ipc = ci;
	ret = ckpt_ipc_tree_ns(ctx, ci);
	if (ret)
		return ret;
	ci->private = ckpt_ipc_ns_private(ctx, ci);
	ci->all = ci->private || (ctx->flags & CKPT_CHECKPOINT_IPC);
	if (ci->private) {
		if (READ_ONCE(ci->ns->mq_queues_count))
			return ckpt_err(ctx, -EOPNOTSUPP,
					"the tree's IPC namespace has POSIX message queues, not supported yet");
		ctx->pids[0].flags |= CKPT_TASK_NEWIPCNS;
	}
	if (ci->all) {
		for (k = 0; k < CKPT_IPC_KINDS; k++) {
			pos = 0;
			while ((id = ipc_ckpt_next_id(ci->ns, k, &pos)) >= 0) {
				ret = ckpt_ipc_add_id(ctx, ci, k, id);
				if (ret)
					return ret;
			}
		}
	} else {
		ret = ckpt_ipc_used_shm(ctx, ci);
		if (!ret)
			ret = ckpt_ipc_used_sem(ctx, ci);
		if (ret)
			return ret;
	}
	ckpt_ipc_sort_ids(ci);
	if (ci->all || ci->nr[0] || ci->nr[1] || ci->nr[2])
		ckpt_log(ctx, "SysV IPC%s: %u shm, %u msg, %u sem",
			 ci->private ? " (private namespace)" : "",
			 ci->nr[IPC_CKPT_SHM], ci->nr[IPC_CKPT_MSG],
			 ci->nr[IPC_CKPT_SEM]);
	return 0;
}

static int ckpt_ipc_gone(struct ckpt_ctx *ctx, int kind, int id, int err)
{
	if (err == -EACCES)
		return ckpt_err(ctx, err, "no permission to read %s %d",
				ckpt_ipc_kind_name[kind], id);
	if (err == -EINVAL || err == -EIDRM)
		return ckpt_err(ctx, -EBUSY, "%s %d was removed during the checkpoint",
				ckpt_ipc_kind_name[kind], id);
	return ckpt_err(ctx, err, "saving %s %d", ckpt_ipc_kind_name[kind], id);
}

static int checkpoint_ipc_shm(struct ckpt_ctx *ctx, struct ckpt_ipc *ci,
			      int id)
{
	struct ckpt_hdr_ipc_shm h = {};
	struct file *file;
	int ret;

	ret = shm_ckpt_save(ci->ns, id, current_user_ns(), ctx->pid_ns, &h,
			    &file);
	if (ret == -EOPNOTSUPP)
		return ckpt_err(ctx, ret, "shm %d is a hugetlb segment, not supported yet",
				id);
	if (ret)
		return ckpt_ipc_gone(ctx, IPC_CKPT_SHM, id, ret);
	ret = checkpoint_shmem_pages(ctx, file_inode(file), CKPT_HDR_IPC_SHM,
				     &h, sizeof(h), &h.nr_pages);
	fput(file);
	return ret;
}

static int checkpoint_ipc_msq(struct ckpt_ctx *ctx, struct ckpt_ipc *ci,
			      int id)
{
	struct ckpt_hdr_ipc_msq h = {};
	struct ckpt_hdr_ipc_msg hm = {};
	struct msg_ckpt_item *item;
	void *buf, *p;
	size_t len;
	u32 i;
	int ret;

	ret = msg_ckpt_save(ci->ns, id, current_user_ns(), ctx->pid_ns, &h,
			    CKPT_MSG_SIZE_MAX, &buf, &len);
	if (ret == -EFBIG)
		return ckpt_err(ctx, ret, "message queue %d holds a message larger than %u bytes",
				id, CKPT_MSG_SIZE_MAX);
	if (ret)
		return ckpt_ipc_gone(ctx, IPC_CKPT_MSG, id, ret);
	if (h.nr_msgs > CKPT_MSG_COUNT_MAX) {
		ret = ckpt_err(ctx, -E2BIG, "message queue %d holds %u messages (at most %u)",
			       id, h.nr_msgs, CKPT_MSG_COUNT_MAX);
		goto out;
	}
	ret = ckpt_write_record(ctx, CKPT_HDR_IPC_MSQ, &h, sizeof(h));
	for (i = 0, p = buf; !ret && i < h.nr_msgs; i++) {
		if (fatal_signal_pending(current)) {
			ret = ckpt_err(ctx, -EINTR, "interrupted");
			break;
		}
		item = p;
		hm.mtype = item->mtype;
		hm.size = item->size;
		ret = ckpt_write_record_payload(ctx, CKPT_HDR_IPC_MSG, &hm,
						sizeof(hm), item + 1, hm.size);
		p = (void *)(item + 1) + ALIGN(item->size, 8);
	}
out:
	kvfree(buf);
	return ret;
}

static int checkpoint_ipc_sem(struct ckpt_ctx *ctx, struct ckpt_ipc *ci,
			      int id)
{
	struct ckpt_hdr_ipc_sem h = {};
	struct ckpt_ipc_semval *vals;
	int nsems, ret;

	nsems = sem_ckpt_save(ci->ns, id, current_user_ns(), ctx->pid_ns, &h,
			      NULL, 0);
	if (nsems < 0)
		return ckpt_ipc_gone(ctx, IPC_CKPT_SEM, id, nsems);
	if (nsems > CKPT_SEM_NSEMS_MAX)
		return ckpt_err(ctx, -E2BIG, "semaphore array %d has %d semaphores (at most %u)",
				id, nsems, CKPT_SEM_NSEMS_MAX);
	vals = kvmalloc_array(nsems, sizeof(*vals), GFP_KERNEL_ACCOUNT);
	if (!vals)
		return ckpt_err(ctx, -ENOMEM, "no memory for semaphore array %d", id);
	ret = sem_ckpt_save(ci->ns, id, current_user_ns(), ctx->pid_ns, &h,
			    vals, nsems);
	if (ret < 0)
		ret = ckpt_ipc_gone(ctx, IPC_CKPT_SEM, id, ret);
	else if (ret != nsems)	/* an array never changes size: reused id */
		ret = ckpt_ipc_gone(ctx, IPC_CKPT_SEM, id, -EIDRM);
	else
		ret = ckpt_write_record_payload(ctx, CKPT_HDR_IPC_SEM, &h,
						sizeof(h), vals,
						nsems * sizeof(*vals));
	kvfree(vals);
	return ret;
}

static int checkpoint_ipc_ns(struct ckpt_ctx *ctx, struct ckpt_ipc *ci)
{
	struct ipc_namespace *ns = ci->ns;
	struct ckpt_hdr_ipc_ns h = {
		.flags = (ci->private ? CKPT_IPC_NS_PRIVATE : 0) |
			 (ci->all ? CKPT_IPC_NS_ALL : 0),
		.nr_objects = ci->nr[0] + ci->nr[1] + ci->nr[2],
		.msg_ctlmax = ns->msg_ctlmax,
		.msg_ctlmnb = ns->msg_ctlmnb,
		.msg_ctlmni = ns->msg_ctlmni,
		.shm_ctlmni = ns->shm_ctlmni,
		.shm_ctlmax = ns->shm_ctlmax,
		.shm_ctlall = ns->shm_ctlall,
		.shm_rmid_forced = ns->shm_rmid_forced,
	};
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(h.sem_ctls); i++)
		h.sem_ctls[i] = ns->sem_ctls[i];
	ret = ckpt_write_record(ctx, CKPT_HDR_IPC_NS, &h, sizeof(h));
	for (i = 0; !ret && i < ci->nr[IPC_CKPT_SHM]; i++)
		ret = checkpoint_ipc_shm(ctx, ci, ci->ids[IPC_CKPT_SHM][i]);
	for (i = 0; !ret && i < ci->nr[IPC_CKPT_MSG]; i++)
		ret = checkpoint_ipc_msq(ctx, ci, ci->ids[IPC_CKPT_MSG][i]);
	for (i = 0; !ret && i < ci->nr[IPC_CKPT_SEM]; i++)
		ret = checkpoint_ipc_sem(ctx, ci, ci->ids[IPC_CKPT_SEM][i]);
	return ret;
}

/* A copy of one undo list, for writing after the locks are dropped. */
struct ckpt_undo_copy {
	unsigned int nr, max;
	size_t used, room;		/* semadj values in adj[] */
	struct ckpt_undo_entry {
		int semid;
		u32 nsems;
		size_t first;		/* in adj[] */
	} *entries;
	s16 *adj;
};

static int ckpt_undo_size(void *arg, int semid, int nsems,
			  const short *semadj)
{
	struct ckpt_undo_copy *uc = arg;

	uc->nr++;
	uc->used += nsems;
	return 0;
}

static int ckpt_undo_copy_one(void *arg, int semid, int nsems,
			      const short *semadj)
{
	struct ckpt_undo_copy *uc = arg;
	struct ckpt_undo_entry *e;

	if (uc->nr == uc->max || uc->used + nsems > uc->room)
		return -EAGAIN;
	e = &uc->entries[uc->nr++];
	e->semid = semid;
	e->nsems = nsems;
	e->first = uc->used;
	memcpy(uc->adj + uc->used, semadj, nsems * sizeof(*semadj));
	uc->used += nsems;
	return 0;
}

static int cmp_undo_entry(const void *a, const void *b)
{
	const struct ckpt_undo_entry *x = a, *y = b;

	return x->semid < y->semid ? -1 : x->semid > y->semid;
}

static int checkpoint_sem_undo(struct ckpt_ctx *ctx, struct task_struct *t,
			       int index)
{
	struct ckpt_hdr_sem_undo hu = { .objref = ctx->pids[index].sysvsem_ref };
	struct ckpt_hdr_sem_adj ha = {};
	struct ckpt_undo_copy uc = {};
	pid_t pid = ctx->pids[index].pid;
	unsigned int i;
	int ret;

	sem_undo_walk(t, ckpt_undo_size, &uc);
	if (uc.nr > CKPT_SEM_UNDOS_MAX)
		return ckpt_err(ctx, -E2BIG, "pid %d: undo entries for %u arrays",
				pid, uc.nr);
	uc.max = uc.nr;
	uc.room = uc.used;
	uc.nr = 0;
	uc.used = 0;
	uc.entries = kvmalloc_array(uc.max ? uc.max : 1, sizeof(*uc.entries),
				    GFP_KERNEL_ACCOUNT);
	uc.adj = kvmalloc_array(uc.room ? uc.room : 1, sizeof(*uc.adj),
				GFP_KERNEL_ACCOUNT);
	if (!uc.entries || !uc.adj) {
		ret = ckpt_err(ctx, -ENOMEM, "no memory for the undo list of pid %d",
			       pid);
		goto out;
	}
	/* frozen: only IPC_RMID changes the list, and it only shrinks it */
	ret = sem_undo_walk(t, ckpt_undo_copy_one, &uc);
	if (ret) {
		ret = ckpt_err(ctx, -EBUSY, "pid %d: its undo list changed during the checkpoint",
			       pid);
		goto out;
	}
	sort(uc.entries, uc.nr, sizeof(*uc.entries), cmp_undo_entry, NULL);
	hu.nr_undos = uc.nr;
	ret = ckpt_write_record(ctx, CKPT_HDR_SEM_UNDO, &hu, sizeof(hu));
	for (i = 0; !ret && i < uc.nr; i++) {
		struct ckpt_undo_entry *e = &uc.entries[i];

		if (!ckpt_ipc_has_id(ctx->ipc, IPC_CKPT_SEM, e->semid)) {
			ret = ckpt_err(ctx, -EBUSY,
				       "pid %d: undo entry for semaphore array %d, created during the checkpoint",
				       pid, e->semid);
			break;
		}
		ha.semid = e->semid;
		ha.nsems = e->nsems;
		ret = ckpt_write_record_payload(ctx, CKPT_HDR_SEM_ADJ, &ha,
						sizeof(ha), uc.adj + e->first,
						e->nsems * sizeof(*uc.adj));
	}
out:
	kvfree(uc.entries);
	kvfree(uc.adj);
	return ret;
}

int checkpoint_ipc(struct ckpt_ctx *ctx, struct task_struct *t, int index)
{
	struct ckpt_ipc *ci = ctx->ipc;
	int ret = 0;

	if (!index && (ci->all || ci->nr[0] || ci->nr[1] || ci->nr[2]))
		ret = checkpoint_ipc_ns(ctx, ci);
	if (!ret && (ctx->task_first[index] & CKPT_FIRST_SYSVSEM))
		ret = checkpoint_sem_undo(ctx, t, index);
	return ret;
}

/* --------------------------------------------------------------- restart */

static int rst_ipc_check_perm(struct ckpt_ctx *ctx, const char *what,
			      const struct ckpt_ipc_perm *p)
{
	if (p->id < 0 || p->pad || (p->mode & ~0777))
		return ckpt_err(ctx, -EINVAL, "%s: bad id %d or mode %#o",
				what, p->id, p->mode);
	return 0;
}

/* Records of objects: shm, then msq, then sem; ascending ids in each. */
static int rst_ipc_check_order(struct ckpt_ctx *ctx, struct ckpt_ipc *ci,
			       int kind, int id)
{
	int rank = ckpt_ipc_rank[kind];

	if (rank < ci->last_rank || (rank == ci->last_rank && id <= ci->last_id))
		return ckpt_err(ctx, -EINVAL, "%s %d: objects out of order",
				ckpt_ipc_kind_name[kind], id);
	ci->last_rank = rank;
	ci->last_id = id;
	return 0;
}

/*
 * Noted in the room rst_ipc_next_id() made, with a reference on the object:
 * removed if the restart fails, and never mistaken for another object
 * given its id after someone removed it meanwhile.
 */
static void rst_ipc_created(struct ckpt_ipc *ci, int kind, int id)
{
	ci->objs[kind][ci->nr[kind]] = ipc_ckpt_get(ci->ns, kind, id);
	ci->ids[kind][ci->nr[kind]++] = id;
}

/* The object created last of @kind. */
static struct kern_ipc_perm *rst_ipc_self(struct ckpt_ipc *ci, int kind)
{
	return ci->objs[kind][ci->nr[kind] - 1];
}

/*
 * The result @ret of creating one object with the chosen id, through the
 * public path and the task's next_id (ksys_shmget() & co. with
 * IPC_CREAT | IPC_EXCL).
 */
static int rst_ipc_create(struct ckpt_ctx *ctx, struct ckpt_ipc *ci, int kind,
			  const struct ckpt_ipc_perm *p, long ret)
{
	if (ret == p->id) {
		rst_ipc_created(ci, kind, p->id);
		return 0;
	}
	if (ret >= 0) {		/* can not happen: next_id gives exactly id */
		rst_ipc_created(ci, kind, ret);
		return ckpt_err(ctx, -EINVAL, "%s %d was created as %ld",
				ckpt_ipc_kind_name[kind], p->id, ret);
	}
	if (ret == -EEXIST)
		return ckpt_err(ctx, ret,
				"%s %d (key %#x): the id or the key is taken in this IPC namespace",
				ckpt_ipc_kind_name[kind], p->id, p->key);
	if (ret == -EBUSY)
		return ckpt_err(ctx, ret,
				"%s %d: the id is held by a removed segment still attached",
				ckpt_ipc_kind_name[kind], p->id);
	if (ret == -EPERM)
		return ckpt_err(ctx, ret,
				"%s %d: choosing the id needs CAP_CHECKPOINT_RESTORE over the IPC namespace",
				ckpt_ipc_kind_name[kind], p->id);
	return ckpt_err(ctx, ret, "creating %s %d (key %#x)",
			ckpt_ipc_kind_name[kind], p->id, p->key);
}

/* Before creating an object: room to note it, and its id in next_id. */
static int rst_ipc_next_id(struct ckpt_ctx *ctx, struct ckpt_ipc *ci,
			   int kind, int id)
{
	int ret = ckpt_ipc_reserve(ctx, ci, kind);

	if (ret)
		return ret;
	ret = next_id_set(&id, 1);
	return ret ? ckpt_err(ctx, ret, "setting next_id") : 0;
}

static int restore_ipc_shm(struct ckpt_ctx *ctx, struct ckpt_ipc *ci)
{
	struct ckpt_hdr_ipc_shm *h;
	struct file *file;
	long created;
	int ret;

	if (!(ci->nr_shms % 64)) {
		h = kvrealloc(ci->shms, ci->nr_shms * sizeof(*h),
			      (ci->nr_shms + 64) * sizeof(*h), GFP_KERNEL_ACCOUNT);
		if (!h)
			return ckpt_ipc_nomem(ctx, "shm segments");
		ci->shms = h;
	}
	h = &ci->shms[ci->nr_shms];
	ret = ckpt_read_record(ctx, CKPT_HDR_IPC_SHM, h, sizeof(*h), sizeof(*h));
	if (ret < 0)
		return ret;
	ret = rst_ipc_check_perm(ctx, "IPC_SHM", &h->perm);
	if (ret)
		return ret;
	if ((h->flags & ~CKPT_SHM_FLAGS) || !h->size || h->size > TASK_SIZE ||
	    h->nr_pages > DIV_ROUND_UP(h->size, PAGE_SIZE) ||
	    ((h->flags & CKPT_SHM_DEST) && h->perm.key != IPC_PRIVATE))
		return ckpt_err(ctx, -EINVAL, "IPC_SHM %d: bad size, pages or flags",
				h->perm.id);
	ret = rst_ipc_check_order(ctx, ci, IPC_CKPT_SHM, h->perm.id);
	if (!ret)
		ret = rst_ipc_next_id(ctx, ci, IPC_CKPT_SHM, h->perm.id);
	if (ret)
		return ret;
	created = ksys_shmget(h->perm.key, h->size,
			      IPC_CREAT | IPC_EXCL | 0600);
	next_id_set(NULL, 0);	/* not consumed if the key was taken */
	ret = rst_ipc_create(ctx, ci, IPC_CKPT_SHM, &h->perm, created);
	if (ret)
		return ret;
	ci->nr_shms++;
	/* as its creator: the rights and memlock accounting of SHM_LOCK */
	if (h->flags & CKPT_SHM_LOCKED) {
		ret = shm_ckpt_lock(ci->ns, h->perm.id);
		if (ret)
			return ckpt_err(ctx, ret, "shm %d: SHM_LOCK", h->perm.id);
	}
	ret = shm_ckpt_restore(ci->ns, h->perm.id,
			       rst_ipc_self(ci, IPC_CKPT_SHM), current_user_ns(),
			       ctx->pid_ns, h, &file);
	if (ret)
		return ckpt_err(ctx, ret, "restoring shm %d", h->perm.id);
	ret = restore_shmem_pages(ctx, file, h->size, h->nr_pages);
	fput(file);
	return ret;
}

static int restore_ipc_msq(struct ckpt_ctx *ctx, struct ckpt_ipc *ci)
{
	struct ckpt_hdr_ipc_msq h, first;
	struct ckpt_hdr_ipc_msg hm;
	void *text = NULL;
	u64 sum = 0;
	u32 i, room = 0;
	int len, ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_IPC_MSQ, &h, sizeof(h), sizeof(h));
	if (ret < 0)
		return ret;
	ret = rst_ipc_check_perm(ctx, "IPC_MSQ", &h.perm);
	if (ret)
		return ret;
	if (h.pad || h.nr_msgs > CKPT_MSG_COUNT_MAX ||
	    h.cbytes > (u64)h.nr_msgs * CKPT_MSG_SIZE_MAX || h.qbytes > INT_MAX)
		return ckpt_err(ctx, -EINVAL, "IPC_MSQ %d: bad counts", h.perm.id);
	ret = rst_ipc_check_order(ctx, ci, IPC_CKPT_MSG, h.perm.id);
	if (!ret)
		ret = rst_ipc_next_id(ctx, ci, IPC_CKPT_MSG, h.perm.id);
	if (ret)
		return ret;
	ret = rst_ipc_create(ctx, ci, IPC_CKPT_MSG, &h.perm,
			     ksys_msgget(h.perm.key, IPC_CREAT | IPC_EXCL | 0600));
	next_id_set(NULL, 0);
	if (ret)
		return ret;
	/* room for what is queued, even above a qbytes lowered since */
	first = h;
	first.qbytes = max(h.qbytes, h.cbytes);
	ret = msg_ckpt_restore(ci->ns, h.perm.id,
			       rst_ipc_self(ci, IPC_CKPT_MSG), current_user_ns(),
			       ctx->pid_ns, &first);
	if (ret)
		return ckpt_err(ctx, ret, "restoring message queue %d%s",
				h.perm.id, ret == -EPERM ?
				" (its size needs CAP_SYS_RESOURCE)" : "");
	for (i = 0; i < h.nr_msgs; i++) {
		if (fatal_signal_pending(current)) {
			ret = ckpt_err(ctx, -EINTR, "interrupted");
			break;
		}
		len = ckpt_read_hdr(ctx, CKPT_HDR_IPC_MSG, sizeof(hm),
				    sizeof(hm) + CKPT_MSG_SIZE_MAX);
		if (len < 0) {
			ret = len;
			break;
		}
		ret = ckpt_read_raw(ctx, &hm.mtype, sizeof(hm) - sizeof(hm.h));
		if (ret)
			break;
		if (hm.mtype < 1 || hm.pad || hm.size > CKPT_MSG_SIZE_MAX ||
		    len != sizeof(hm) + hm.size || sum + hm.size > h.cbytes) {
			ret = ckpt_err(ctx, -EINVAL,
				       "IPC_MSG %u of queue %d: bad type or size",
				       i, h.perm.id);
			break;
		}
		sum += hm.size;
		if (hm.size > room) {
			kvfree(text);
			room = max_t(u32, hm.size, PAGE_SIZE);
			text = kvmalloc(room, CKPT_GFP_IMAGE);
			if (!text) {
				ret = ckpt_ipc_nomem(ctx, "a message");
				break;
			}
		}
		ret = ckpt_read_raw(ctx, text, hm.size);
		if (!ret)
			ret = ckpt_read_end(ctx, len);
		if (ret)
			break;
		ret = msg_ckpt_add(ci->ns, h.perm.id,
				   rst_ipc_self(ci, IPC_CKPT_MSG), hm.mtype,
				   text, hm.size);
		if (ret) {
			ret = ckpt_err(ctx, ret, "queueing message %u of queue %d",
				       i, h.perm.id);
			break;
		}
	}
	kvfree(text);
	if (!ret && sum != h.cbytes)
		ret = ckpt_err(ctx, -EINVAL, "queue %d: %llu bytes of messages, %llu announced",
			       h.perm.id, sum, h.cbytes);
	if (!ret)
		ret = msg_ckpt_restore(ci->ns, h.perm.id,
				       rst_ipc_self(ci, IPC_CKPT_MSG),
				       current_user_ns(), ctx->pid_ns, &h);
	return ret;
}

static int restore_ipc_sem(struct ckpt_ctx *ctx, struct ckpt_ipc *ci)
{
	struct ckpt_hdr_ipc_sem *h;
	struct ckpt_ipc_sem *s;
	u32 len;
	int ret;

	h = ckpt_read_record_alloc(ctx, CKPT_HDR_IPC_SEM,
				   sizeof(*h) + sizeof(struct ckpt_ipc_semval),
				   sizeof(*h) + CKPT_SEM_NSEMS_MAX *
				   sizeof(struct ckpt_ipc_semval), &len);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = rst_ipc_check_perm(ctx, "IPC_SEM", &h->perm);
	if (ret)
		goto out;
	if (h->pad || !h->nsems || h->nsems > CKPT_SEM_NSEMS_MAX ||
	    len != sizeof(*h) + h->nsems * sizeof(struct ckpt_ipc_semval)) {
		ret = ckpt_err(ctx, -EINVAL, "IPC_SEM %d: bad size", h->perm.id);
		goto out;
	}
	ret = rst_ipc_check_order(ctx, ci, IPC_CKPT_SEM, h->perm.id);
	if (!ret)
		ret = rst_ipc_next_id(ctx, ci, IPC_CKPT_SEM, h->perm.id);
	if (ret)
		goto out;
	ret = rst_ipc_create(ctx, ci, IPC_CKPT_SEM, &h->perm,
			     ksys_semget(h->perm.key, h->nsems,
					 IPC_CREAT | IPC_EXCL | 0600));
	next_id_set(NULL, 0);
	if (ret)
		goto out;
	ret = sem_ckpt_restore(ci->ns, h->perm.id,
			       rst_ipc_self(ci, IPC_CKPT_SEM), current_user_ns(),
			       ctx->pid_ns, h, (void *)(h + 1));
	if (ret) {
		ret = ckpt_err(ctx, ret, "restoring semaphore array %d",
			       h->perm.id);
		goto out;
	}
	if (!(ci->nr_sems % 64)) {
		s = kvrealloc(ci->sems, ci->nr_sems * sizeof(*s),
			      (ci->nr_sems + 64) * sizeof(*s),
			      GFP_KERNEL_ACCOUNT);
		if (!s) {
			ret = ckpt_ipc_nomem(ctx, "arrays");
			goto out;
		}
		ci->sems = s;
	}
	ci->sems[ci->nr_sems].id = h->perm.id;
	ci->sems[ci->nr_sems++].nsems = h->nsems;
out:
	kvfree(h);
	return ret;
}

/* The limits of a fresh namespace, as its sysctls would set them. */
static int restore_ipc_limits(struct ckpt_ctx *ctx, struct ckpt_ipc *ci,
			      const struct ckpt_hdr_ipc_ns *h)
{
	struct ipc_namespace *ns = ci->ns;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(h->sem_ctls); i++)
		if (h->sem_ctls[i] > INT_MAX)
			goto bad;
	if (h->sem_ctls[3] > CKPT_IPCMNI_MAX || h->msg_ctlmni > CKPT_IPCMNI_MAX ||
	    h->shm_ctlmni > CKPT_IPCMNI_MAX || h->msg_ctlmax > INT_MAX ||
	    h->msg_ctlmnb > INT_MAX || h->shm_rmid_forced > 1 ||
	    h->shm_ctlmax > ULONG_MAX || h->shm_ctlall > ULONG_MAX)
		goto bad;
	if (!checkpoint_restore_ns_capable(ns->user_ns))
		return ckpt_err(ctx, -EPERM,
				"setting the IPC limits of the namespace needs CAP_CHECKPOINT_RESTORE over it");
	for (i = 0; i < ARRAY_SIZE(h->sem_ctls); i++)
		ns->sem_ctls[i] = h->sem_ctls[i];
	ns->msg_ctlmax = h->msg_ctlmax;
	ns->msg_ctlmnb = h->msg_ctlmnb;
	ns->msg_ctlmni = h->msg_ctlmni;
	ns->shm_ctlmni = h->shm_ctlmni;
	ns->shm_ctlmax = h->shm_ctlmax;
	ns->shm_ctlall = h->shm_ctlall;
	ci->shm_rmid_forced = h->shm_rmid_forced;
	ci->restore_rmid_forced = true;
	return 0;
bad:
	return ckpt_err(ctx, -EINVAL, "IPC_NS: limits out of range");
}

static int restore_ipc_ns(struct ckpt_ctx *ctx, struct ckpt_ipc *ci,
			  struct ckpt_rst_task *rt)
{
	struct ckpt_hdr_ipc_ns h;
	bool newns = rt->entry->flags & CKPT_TASK_NEWIPCNS;
	unsigned int i;
	int type, ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_IPC_NS, &h, sizeof(h), sizeof(h));
	if (ret < 0)
		return ret;
	ret = 0;
	if ((h.flags & ~CKPT_IPC_NS_FLAGS) || h.pad ||
	    h.nr_objects > CKPT_IPC_OBJECTS_MAX ||
	    ((h.flags & CKPT_IPC_NS_PRIVATE) && !(h.flags & CKPT_IPC_NS_ALL)) ||
	    !!(h.flags & CKPT_IPC_NS_PRIVATE) != newns)
		return ckpt_err(ctx, -EINVAL, "IPC_NS: bad flags %#x or %u objects",
				h.flags, h.nr_objects);
	ci->private = h.flags & CKPT_IPC_NS_PRIVATE;
	ci->all = h.flags & CKPT_IPC_NS_ALL;
	if (h.nr_objects && !checkpoint_restore_ns_capable(ci->ns->user_ns))
		return ckpt_err(ctx, -EPERM,
				"restoring SysV IPC objects with their ids needs CAP_CHECKPOINT_RESTORE over the IPC namespace");
	if (ci->private) {
		if (ci->ns == &init_ipc_ns || ipc_ckpt_nr_objects(ci->ns))
			return ckpt_err(ctx, -EBUSY,
					"the image holds a whole IPC namespace: restart it in a fresh one (restart --ipcns)");
		ret = restore_ipc_limits(ctx, ci, &h);
		if (ret)
			return ret;
	}
	ci->last_rank = -1;
	for (i = 0; !ret && i < h.nr_objects; i++) {
		type = ckpt_peek_type(ctx);
		if (type < 0)
			return type;
		switch (type) {
		case CKPT_HDR_IPC_SHM:
			ret = restore_ipc_shm(ctx, ci);
			break;
		case CKPT_HDR_IPC_MSQ:
			ret = restore_ipc_msq(ctx, ci);
			break;
		case CKPT_HDR_IPC_SEM:
			ret = restore_ipc_sem(ctx, ci);
			break;
		default:
			ret = ckpt_err(ctx, -EINVAL, "IPC_NS: object %u is a %s record",
				       i, ckpt_record_name(type));
		}
	}
	if (!ret && h.nr_objects)
		ckpt_log(ctx, "SysV IPC: %u objects restored", h.nr_objects);
	return ret;
}

static struct ckpt_ipc_sem *rst_find_sem(struct ckpt_ipc *ci, int semid)
{
	unsigned int lo = 0, hi = ci->nr_sems, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ci->sems[mid].id == semid)
			return &ci->sems[mid];
		if (ci->sems[mid].id < semid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

u64 restore_ipc_shm_size(struct ckpt_ctx *ctx, int shmid)
{
	struct ckpt_ipc *ci = ctx->ipc;
	unsigned int lo = 0, hi, mid;

	if (!ci)
		return 0;
	hi = ci->nr_shms;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ci->shms[mid].perm.id == shmid)
			return ci->shms[mid].size;
		if (ci->shms[mid].perm.id < shmid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * Read this task's SEM_UNDO and SEM_ADJ records (checked), kept in @it
 * until the finish step sets them.
 */
static int restore_sem_undo(struct ckpt_ctx *ctx, struct ckpt_ipc *ci,
			    struct ckpt_rst_task *rt, struct ckpt_ipc_task *it)
{
	struct ckpt_hdr_sem_undo hu;
	struct ckpt_hdr_sem_adj *ha;
	struct ckpt_ipc_sem *s;
	int prev = -1, ret;
	u32 len;

	ret = ckpt_read_record(ctx, CKPT_HDR_SEM_UNDO, &hu, sizeof(hu),
			       sizeof(hu));
	if (ret < 0)
		return ret;
	if (hu.objref != rt->entry->sysvsem_ref ||
	    hu.nr_undos > CKPT_SEM_UNDOS_MAX)
		return ckpt_err(ctx, -EINVAL, "SEM_UNDO: ref %u, %u entries",
				hu.objref, hu.nr_undos);
	it->adj = kvcalloc(hu.nr_undos ? hu.nr_undos : 1, sizeof(*it->adj),
			   CKPT_GFP_IMAGE);
	if (!it->adj)
		return ckpt_ipc_nomem(ctx, "an undo list");
	for (it->nr_adj = 0; it->nr_adj < hu.nr_undos; it->nr_adj++) {
		ha = ckpt_read_record_alloc(ctx, CKPT_HDR_SEM_ADJ,
					    sizeof(*ha) + sizeof(s16),
					    sizeof(*ha) + CKPT_SEM_NSEMS_MAX *
					    sizeof(s16), &len);
		if (IS_ERR(ha))
			return PTR_ERR(ha);
		it->adj[it->nr_adj] = ha;
		s = rst_find_sem(ci, ha->semid);
		if (ha->semid <= prev || !s || s->nsems != ha->nsems ||
		    len != sizeof(*ha) + ha->nsems * sizeof(s16)) {
			it->nr_adj++;
			return ckpt_err(ctx, -EINVAL,
					"SEM_ADJ for array %d: not an array of the image, out of order or of the wrong size",
					ha->semid);
		}
		prev = ha->semid;
	}
	return 0;
}

int restore_ipc(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct ckpt_ipc *ci = ctx->ipc;
	struct ckpt_ipc_task *it;
	int type, ret = 0;

	it = kzalloc(sizeof(*it), GFP_KERNEL_ACCOUNT);
	if (!it)
		return ckpt_ipc_nomem(ctx, "IPC state");
	it->ctx = ctx;
	rt->ipc = it;
	if (!rt->index) {
		ci = kzalloc(sizeof(*ci), GFP_KERNEL_ACCOUNT);
		if (!ci)
			return ckpt_ipc_nomem(ctx, "IPC state");
		ci->ns = get_ipc_ns(ns);
		ctx->ipc = ci;
		type = ckpt_peek_type(ctx);
		if (type < 0)
			return type;
		if (type == CKPT_HDR_IPC_NS)
			ret = restore_ipc_ns(ctx, ci, rt);
		else if (rt->entry->flags & CKPT_TASK_NEWIPCNS)
			ret = ckpt_err(ctx, -EINVAL, "TREE says NEWIPCNS, the image has no IPC_NS");
		if (ret)
			return ret;
	} else if (!ci || ns != ci->ns) {
		return ckpt_err(ctx, -EINVAL,
				"task %d is not in the IPC namespace of the root",
				rt->index);
	}
	if (rt->first & CKPT_FIRST_SYSVSEM)
		return restore_sem_undo(ctx, ci, rt, it);
	return 0;
}

static void rst_free_adj(struct ckpt_ipc_task *it)
{
	u32 i;

	for (i = 0; i < it->nr_adj; i++)
		kvfree(it->adj[i]);
	kvfree(it->adj);
	it->adj = NULL;
	it->nr_adj = 0;
}

/* Set one array's adjustments: the caller's rights, then the restored ones. */
static int rst_undo_set(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt,
			int semid, u32 nsems, const short *adj)
{
	const struct cred *old;
	int ret;

	ret = sem_undo_set(semid, nsems, adj);
	if (!ret && rt->new_creds) {
		old = override_creds(rt->new_creds);
		ret = sem_undo_set(semid, nsems, adj);
		revert_creds(old);
	}
	if (ret == -EACCES || ret == -EPERM)
		return ckpt_err(ctx, ret,
				"undo entry for semaphore array %d: no permission to alter it",
				semid);
	return ret ? ckpt_err(ctx, ret, "undo entry for semaphore array %d",
			      semid) : 0;
}

/*
 * Past the point of no return (after the memory): the task leaves the
 * undo list it entered restart() with, as unshare(CLONE_SYSVSEM) does
 * (the last user applies it; user space made it with CLONE_SYSVSEM, it
 * is empty), then builds or adopts the image's.
 */
int restore_ipc_finish(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ckpt_ipc_task *it = rt->ipc;
	struct ckpt_ipc *ci = ctx->ipc;
	u32 ref = rt->entry->sysvsem_ref;
	struct ckpt_hdr_sem_adj *ha;
	struct ckpt_undo_ref *ur;
	struct sem_undo_list *ulp;
	unsigned int i;
	int ret;

	sem_undo_list_drop(true);
	if (!ref)
		return 0;
	it->undo = true;	/* from here on a failure drops it unapplied */
	if (!(rt->first & CKPT_FIRST_SYSVSEM)) {
		ur = ckpt_obj_find_ref(ctx, CKPT_OBJ_SYSVSEM, ref);
		if (!ur)
			return ckpt_err(ctx, -EINVAL, "undo list %u was not restored",
					ref);
		sem_undo_list_adopt(ur->ulp);
		return 0;
	}
	for (i = 0, ret = 0; !ret && i < it->nr_adj; i++) {
		ha = it->adj[i];
		ret = rst_undo_set(ctx, rt, ha->semid, ha->nsems,
				   (const short *)(ha + 1));
	}
	rst_free_adj(it);
	if (ret)
		return ret;
	/* the list exists now (if empty too): the next users adopt it */
	ulp = sem_undo_list_share();
	if (IS_ERR(ulp))
		return ckpt_err(ctx, PTR_ERR(ulp), "no memory for an undo list");
	ur = kmalloc(sizeof(*ur), GFP_KERNEL_ACCOUNT);
	if (!ur) {
		sem_undo_list_put(ulp, ci->ns, false);
		return ckpt_ipc_nomem(ctx, "an undo list");
	}
	ur->ulp = ulp;
	ur->ns = get_ipc_ns(ci->ns);
	ur->ctx = ctx;
	return ckpt_obj_add_ref(ctx, CKPT_OBJ_SYSVSEM, ref, ur,
				ckpt_release_undo_ref);
}

/*
 * Every task is restored: the root puts back what the attachments changed
 * and removes the segments that were removed but attached.
 */
int restore_ipc_resume(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ckpt_ipc *ci = ctx->ipc;
	struct ckpt_hdr_ipc_shm *h;
	unsigned int i;
	int ret = 0;

	if (rt->index || !ci)
		return 0;
	ci->committed = true;
	for (i = 0; i < ci->nr_shms; i++) {
		h = &ci->shms[i];
		ret = shm_ckpt_restore(ci->ns, h->perm.id,
				       ci->objs[IPC_CKPT_SHM][i],
				       current_user_ns(), ctx->pid_ns, h, NULL);
		if (!ret && (h->flags & CKPT_SHM_DEST))
			ret = shm_ckpt_remove(ci->ns, h->perm.id,
					      ci->objs[IPC_CKPT_SHM][i]);
		if (ret)
			return ckpt_err(ctx, ret, "finishing shm %d", h->perm.id);
	}
	if (ci->restore_rmid_forced) {
		WRITE_ONCE(ci->ns->shm_rmid_forced, ci->shm_rmid_forced);
		if (ci->shm_rmid_forced)
			shm_destroy_orphaned(ci->ns);
	}
	return 0;
}

/* A failed restart: no restored undo adjustment applies, no object stays. */
void restore_ipc_release(struct ckpt_rst_task *rt)
{
	struct ckpt_ipc_task *it = rt->ipc;
	struct ckpt_ctx *ctx;
	struct ckpt_ipc *ci;
	unsigned int i;

	if (!it)
		return;
	ctx = it->ctx;
	ci = ctx->ipc;
	rt->ipc = NULL;
	rst_free_adj(it);
	if (!READ_ONCE(ctx->done)) {
		if (it->undo)
			sem_undo_list_drop(false);
		if (!rt->index && ci && !ci->committed) {
			for (i = 0; i < ci->nr[IPC_CKPT_SHM]; i++)
				shm_ckpt_remove(ci->ns, ci->ids[IPC_CKPT_SHM][i],
						ci->objs[IPC_CKPT_SHM][i]);
			for (i = 0; i < ci->nr[IPC_CKPT_MSG]; i++)
				msg_ckpt_remove(ci->ns, ci->ids[IPC_CKPT_MSG][i],
						ci->objs[IPC_CKPT_MSG][i]);
			for (i = 0; i < ci->nr[IPC_CKPT_SEM]; i++)
				sem_ckpt_remove(ci->ns, ci->ids[IPC_CKPT_SEM][i],
						ci->objs[IPC_CKPT_SEM][i]);
		}
	}
	kfree(it);
}
