// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: file locks held by the tree (record FILE_LOCK).
 *
 * Three kinds of locks are saved, with their type (read or write) and
 * byte range:
 *  - flock() locks and OFD locks (F_OFD_SETLK) belong to an open file
 *    description: written once, after the FDs of the FILES section that
 *    defines the FILE, and restored once on the restored file;
 *  - POSIX locks (F_SETLK) belong to an fd table (fl_owner) and a process
 *    (fl_pid): written after the FDs of that table's FILES section and
 *    restored by the first task using the table once it is installed, so
 *    the owner is the restored table and the pid the restored process.  A
 *    POSIX lock taken by another process sharing the table (CLONE_FILES)
 *    is refused.
 * Leases and delegations, and locks on a file the image does not hold
 * (the image or log of a self-checkpoint), are refused.  A task blocked
 * waiting for a lock (F_SETLKW, flock without LOCK_NB) holds nothing: it
 * was interrupted (-ERESTARTSYS) by the freezer and its syscall is
 * restarted, so it waits again after restart.
 *
 * Restart never waits for a lock: one that conflicts with a lock held
 * outside the tree fails the restart with EAGAIN, naming the file and the
 * range.  Locks are set as the task would set them (fcntl_setlk(), the
 * flock() path), with the file's access mode and the LSM checks.
 *
 * Locking: checkpoint takes task_lock(t) -> files->file_lock (iterate_fd)
 * only to take a reference on one file at a time, then the inode's
 * flc_lock (spinning) to copy the locks into a buffer allocated before;
 * records are written after unlocking.  Restart takes nothing itself.
 */

#include <linux/checkpoint.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#define CKPT_LOCK_SNAP_MAX	1024	/* locks of one file copied at once */

static int ckpt_locks_nomem(struct ckpt_ctx *ctx)
{
	return ckpt_err(ctx, -ENOMEM, "no memory for file locks");
}

/* ------------------------------------------------------------ checkpoint */

struct ckpt_lock_iter {
	struct file *file;		/* referenced */
	unsigned int fd;
};

static int ckpt_lock_iter_one(const void *p, struct file *file, unsigned int fd)
{
	struct ckpt_lock_iter *it = (struct ckpt_lock_iter *)p;

	it->file = get_file(file);
	it->fd = fd;
	return 1;
}

/* The file at fd >= @from of t's table, with a reference; false at the end. */
static bool ckpt_lock_next_fd(struct task_struct *t, unsigned int from,
			      struct ckpt_lock_iter *it)
{
	int ret = 0;

	it->file = NULL;
	task_lock(t);
	if (t->files)
		ret = iterate_fd(t->files, from, ckpt_lock_iter_one, it);
	task_unlock(t);
	return ret;
}

/* What a checkpoint writes or refuses about one lock of a file. */
enum ckpt_lock_verdict {
	CKPT_LV_SKIP,			/* not the tree's, or not written here */
	CKPT_LV_SAVE,
	CKPT_LV_LEASE,
	CKPT_LV_PID,			/* POSIX lock of another process */
	CKPT_LV_OTHER_FILE,		/* POSIX lock through a file not in the table */
};

struct ckpt_lock_snap {
	struct ckpt_hdr_file_lock rec;	/* h, file_ref, fd unset */
	enum ckpt_lock_verdict verdict;
	pid_t pid;
};

struct ckpt_lock_scan {
	struct ckpt_ctx *ctx;
	struct file *file;
	fl_owner_t owner;		/* the fd table */
	pid_t tgid;			/* global tgid of its first task */
	bool first;			/* the FILE is defined in this section */
	struct xarray *table;		/* objrefs of the table's files */
};

static enum ckpt_lock_verdict ckpt_lock_judge(struct ckpt_lock_scan *s,
					      struct file_lock *fl, u32 *kind)
{
	struct ckpt_obj *obj;

	if (fl->fl_flags & FL_FLOCK) {
		*kind = CKPT_LOCK_FLOCK;
		return fl->fl_file == s->file && s->first ?
		       CKPT_LV_SAVE : CKPT_LV_SKIP;
	}
	if (fl->fl_flags & (FL_LEASE | FL_DELEG | FL_LAYOUT))
		return fl->fl_file == s->file ? CKPT_LV_LEASE : CKPT_LV_SKIP;
	if (fl->fl_flags & FL_OFDLCK) {
		*kind = CKPT_LOCK_OFD;
		return fl->fl_file == s->file && s->first ?
		       CKPT_LV_SAVE : CKPT_LV_SKIP;
	}
	if (!(fl->fl_flags & FL_POSIX) || fl->fl_owner != s->owner)
		return CKPT_LV_SKIP;
	*kind = CKPT_LOCK_POSIX;
	if (fl->fl_file != s->file) {
		/* saved with its own file, if that one is in the table */
		obj = ckpt_obj_find_ptr(s->ctx, fl->fl_file);
		if (obj && obj->type == CKPT_OBJ_FILE &&
		    xa_load(s->table, obj->objref))
			return CKPT_LV_SKIP;
		return CKPT_LV_OTHER_FILE;
	}
	return fl->fl_pid == s->tgid ? CKPT_LV_SAVE : CKPT_LV_PID;
}

static void ckpt_lock_add(struct ckpt_lock_snap *snap, unsigned int *nr,
			  unsigned int max, bool *more, struct file_lock *fl,
			  enum ckpt_lock_verdict v, u32 kind)
{
	struct ckpt_lock_snap *e;

	if (*nr >= max) {
		*more = true;
		return;
	}
	e = &snap[(*nr)++];
	memset(e, 0, sizeof(*e));
	e->verdict = v;
	e->pid = fl->fl_pid;
	e->rec.kind = kind;
	e->rec.type = fl->fl_type == F_WRLCK ? CKPT_LOCK_WRITE : CKPT_LOCK_READ;
	e->rec.start = fl->fl_start;
	e->rec.end = fl->fl_end >= OFFSET_MAX ? CKPT_LOCK_EOF : fl->fl_end;
}

/*
 * Copy what matters about the locks of s->file's inode into snap (max
 * entries): those to save, and those to refuse (first in snap).
 */
static int ckpt_lock_snapshot(struct ckpt_lock_scan *s,
			      struct ckpt_lock_snap *snap, unsigned int max,
			      unsigned int *nrp)
{
	struct file_lock_context *flctx;
	struct list_head *lists[3];
	enum ckpt_lock_verdict v;
	struct file_lock *fl;
	unsigned int nr = 0, i;
	bool more = false;
	u32 kind = 0;

	*nrp = 0;
	/* pairs with the cmpxchg that installs i_flctx (locks_get_lock_context) */
	flctx = smp_load_acquire(&file_inode(s->file)->i_flctx);
	if (!flctx)
		return 0;
	lists[0] = &flctx->flc_flock;
	lists[1] = &flctx->flc_posix;
	lists[2] = &flctx->flc_lease;
	spin_lock(&flctx->flc_lock);
	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		list_for_each_entry(fl, lists[i], fl_list) {
			v = ckpt_lock_judge(s, fl, &kind);
			if (v != CKPT_LV_SKIP)
				ckpt_lock_add(snap, &nr, max, &more, fl, v,
					      kind);
		}
	}
	spin_unlock(&flctx->flc_lock);
	*nrp = nr;
	return more ? -E2BIG : 0;
}

static const char *ckpt_lock_kind_name(u32 kind)
{
	switch (kind) {
	case CKPT_LOCK_FLOCK:
		return "flock";
	case CKPT_LOCK_POSIX:
		return "POSIX";
	default:
		return "OFD";
	}
}

/* The locks of one file of the table (at its lowest fd). */
static int ckpt_save_file_locks(struct ckpt_lock_scan *s, unsigned int fd,
				u32 objref, struct ckpt_lock_snap *snap)
{
	struct ckpt_ctx *ctx = s->ctx;
	struct ckpt_lock_snap *e;
	unsigned int nr, i;
	int ret;

	ret = ckpt_lock_snapshot(s, snap, CKPT_LOCK_SNAP_MAX, &nr);
	if (ret)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: %pD: more than %u locks on the file",
				fd, s->file, CKPT_LOCK_SNAP_MAX);
	for (i = 0; i < nr; i++) {
		e = &snap[i];
		switch (e->verdict) {
		case CKPT_LV_LEASE:
			return ckpt_err(ctx, -EOPNOTSUPP,
					"fd %u: %pD holds a lease (F_SETLEASE) or delegation, not supported",
					fd, s->file);
		case CKPT_LV_PID:
			return ckpt_err(ctx, -EOPNOTSUPP,
					"fd %u: %pD: POSIX lock taken by pid %d (global), another process sharing this fd table, not supported",
					fd, s->file, e->pid);
		case CKPT_LV_OTHER_FILE:
			return ckpt_err(ctx, -EOPNOTSUPP,
					"fd %u: %pD: POSIX lock of this fd table taken through a file it does not hold, not supported",
					fd, s->file);
		default:
			break;
		}
		if (!objref)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"fd %u: %pD holds a file lock but is not saved (image or log file)",
					fd, s->file);
	}
	for (i = 0; i < nr; i++) {
		e = &snap[i];
		e->rec.file_ref = objref;
		e->rec.fd = fd;
		ckpt_log(ctx, "fd %u: %s %s lock on bytes %lld-%lld", fd,
			 ckpt_lock_kind_name(e->rec.kind),
			 e->rec.type == CKPT_LOCK_WRITE ? "write" : "read",
			 (long long)e->rec.start, (long long)e->rec.end);
		ret = ckpt_write_record(ctx, CKPT_HDR_FILE_LOCK, &e->rec,
					sizeof(e->rec));
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Before a regular file is saved (its FASYNC flag, which a lease sets,
 * would be refused first): a lease or delegation on it is refused by name.
 */
int checkpoint_file_lease(struct ckpt_ctx *ctx, unsigned int fd,
			  struct file *file)
{
	struct file_lock_context *flctx;
	struct file_lock *fl;
	bool lease = false;

	/* pairs with the cmpxchg that installs i_flctx (locks_get_lock_context) */
	flctx = smp_load_acquire(&file_inode(file)->i_flctx);
	if (!flctx)
		return 0;
	spin_lock(&flctx->flc_lock);
	list_for_each_entry(fl, &flctx->flc_lease, fl_list)
		lease |= fl->fl_file == file;
	spin_unlock(&flctx->flc_lock);
	if (lease)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: %pD holds a lease (F_SETLEASE) or delegation, not supported",
				fd, file);
	return 0;
}

/*
 * Does file itself own a flock() or OFD lock?  Those are saved with the
 * FILE at an fd of its section; a file the tree holds otherwise (only
 * mapped, only in flight in a socket queue) would lose them: callers
 * refuse it.  (An epoll item never outlives the file's last fd.)
 */
static bool ckpt_file_owns_locks(struct file *file)
{
	struct file_lock_context *flctx;
	struct file_lock *fl;
	bool owns = false;

	/* pairs with the cmpxchg that installs i_flctx (locks_get_lock_context) */
	flctx = smp_load_acquire(&file_inode(file)->i_flctx);
	if (!flctx)
		return false;
	spin_lock(&flctx->flc_lock);
	list_for_each_entry(fl, &flctx->flc_flock, fl_list)
		owns |= fl->fl_file == file;
	list_for_each_entry(fl, &flctx->flc_posix, fl_list)
		owns |= (fl->fl_flags & FL_OFDLCK) && fl->fl_file == file;
	spin_unlock(&flctx->flc_lock);
	return owns;
}

static int ckpt_lock_find_one(const void *p, struct file *file,
			      unsigned int fd)
{
	return file == p;
}

/*
 * A mapped file: refused if it owns a flock or OFD lock and is at no fd
 * of t (the lock would be lost: only FILEs at an fd carry locks).
 */
int checkpoint_mapped_file_locks(struct ckpt_ctx *ctx, struct task_struct *t,
				 struct file *file, const char *what)
{
	int held = 0;

	if (!ckpt_file_owns_locks(file))
		return 0;
	task_lock(t);
	if (t->files)
		held = iterate_fd(t->files, 0, ckpt_lock_find_one, file);
	task_unlock(t);
	if (held)
		return 0;
	return ckpt_err(ctx, -EOPNOTSUPP,
			"%s: %pD holds a flock or OFD lock but no fd of pid %d holds the file, not supported",
			what, file, task_pid_vnr(t));
}

/*
 * After the FDs of t's FILES section: its POSIX locks, and the flock and
 * OFD locks of the files first saved in this section (objref >= first_ref).
 * ctx->files_owner is t's fd table.
 */
int checkpoint_file_locks(struct ckpt_ctx *ctx, struct task_struct *t,
			  u32 first_ref)
{
	struct ckpt_lock_scan s = {
		.ctx = ctx,
		.owner = ctx->files_owner,
		.tgid = task_tgid_nr(t),
	};
	struct ckpt_lock_snap *snap;
	struct ckpt_lock_iter it;
	struct ckpt_obj *obj;
	struct xarray table;
	unsigned int from;
	u32 objref;
	int ret = 0;

	snap = kvmalloc_array(CKPT_LOCK_SNAP_MAX, sizeof(*snap),
			      GFP_KERNEL_ACCOUNT);
	if (!snap)
		return ckpt_locks_nomem(ctx);
	xa_init(&table);
	s.table = &table;

	/* the files of the table, by objref: value is the lowest fd + 1 */
	for (from = 0; !ret && ckpt_lock_next_fd(t, from, &it);
	     from = it.fd + 1) {
		obj = ckpt_obj_find_ptr(ctx, it.file);
		if (obj && obj->type == CKPT_OBJ_FILE) {
			ret = xa_insert(&table, obj->objref,
					xa_mk_value(it.fd + 1),
					GFP_KERNEL_ACCOUNT);
			if (ret == -EBUSY)
				ret = 0;
			else if (ret)
				ret = ckpt_locks_nomem(ctx);
		}
		fput(it.file);
		cond_resched();
	}

	for (from = 0; !ret && ckpt_lock_next_fd(t, from, &it);
	     from = it.fd + 1) {
		obj = ckpt_obj_find_ptr(ctx, it.file);
		objref = obj && obj->type == CKPT_OBJ_FILE ? obj->objref : 0;
		/* each file once, at its lowest fd */
		if (!objref ||
		    xa_to_value(xa_load(&table, objref)) == it.fd + 1) {
			s.file = it.file;
			/* an unsaved file: every lock of ours on it refused */
			s.first = !objref || objref >= first_ref;
			ret = ckpt_save_file_locks(&s, it.fd, objref, snap);
		}
		fput(it.file);
		cond_resched();
	}

	/* FILEs first saved here but at no fd of the table (fds in flight) */
	for (objref = first_ref; !ret && objref < ctx->next_objref; objref++) {
		obj = ckpt_obj_lookup_ref(ctx, objref);
		if (!obj || obj->type != CKPT_OBJ_FILE ||
		    xa_load(&table, objref) || !ckpt_file_owns_locks(obj->ptr))
			continue;
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "%pD holds a flock or OFD lock but no fd of pid %d holds the file (only in another record, e.g. an fd in flight), not supported",
			       (struct file *)obj->ptr, task_pid_vnr(t));
	}

	xa_destroy(&table);
	kvfree(snap);
	return ret;
}

/* ------------------------------------------------------------ restart */

/* rt->locks: the records read, applied once the fd table is installed */
struct ckpt_rst_locks {
	unsigned int nr;
	unsigned int max;
	struct ckpt_hdr_file_lock ent[];
};

static int restore_lock_check(struct ckpt_ctx *ctx,
			      const struct ckpt_hdr_file_lock *l)
{
	if (l->kind < CKPT_LOCK_FLOCK || l->kind > CKPT_LOCK_KIND_MAX ||
	    (l->type != CKPT_LOCK_READ && l->type != CKPT_LOCK_WRITE) ||
	    l->start < 0 || l->end < l->start || l->fd >= CKPT_FDS_MAX ||
	    (l->kind == CKPT_LOCK_FLOCK &&
	     (l->start || l->end != CKPT_LOCK_EOF)))
		return ckpt_err(ctx, -EINVAL,
				"file lock: bad record (fd %u, kind %u, type %u, bytes %lld-%lld)",
				l->fd, l->kind, l->type, (long long)l->start,
				(long long)l->end);
	if (!restore_file_get(ctx, l->file_ref))
		return ckpt_err(ctx, -EINVAL, "file lock: fd %u: unknown file %u",
				l->fd, l->file_ref);
	return 0;
}

/* The FILE_LOCK records after the FDs of a FILES section. */
int restore_file_locks_read(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ckpt_rst_locks *rl = rt->locks, *bigger;
	struct ckpt_hdr_file_lock l;
	unsigned int max;
	int type, ret;

	for (;;) {
		type = ckpt_peek_type(ctx);
		if (type < 0)
			return type;
		if (type != CKPT_HDR_FILE_LOCK)
			return 0;
		ret = ckpt_read_record(ctx, CKPT_HDR_FILE_LOCK, &l, sizeof(l),
				       sizeof(l));
		if (ret < 0)
			return ret;
		ret = restore_lock_check(ctx, &l);
		if (ret)
			return ret;
		if (!rl || rl->nr == rl->max) {
			max = rl ? 2 * rl->max : 16;
			if (max > CKPT_FILE_LOCKS_MAX)
				return ckpt_err(ctx, -EINVAL,
						"file locks: more than %u after one FILES",
						CKPT_FILE_LOCKS_MAX);
			bigger = kvmalloc(struct_size(bigger, ent, max),
					  CKPT_GFP_IMAGE);
			if (!bigger)
				return ckpt_locks_nomem(ctx);
			bigger->nr = 0;
			if (rl) {
				memcpy(bigger->ent, rl->ent,
				       rl->nr * sizeof(rl->ent[0]));
				bigger->nr = rl->nr;
				kvfree(rl);
			}
			bigger->max = max;
			rl = bigger;
			rt->locks = rl;
		}
		rl->ent[rl->nr++] = l;
		cond_resched();
	}
}

/* flock(fd, LOCK_SH or LOCK_EX | LOCK_NB), as the syscall does it */
static int restore_flock(struct file *file, unsigned char type)
{
	struct file_lock fl;
	int ret;

	if (!(file->f_mode & (FMODE_READ | FMODE_WRITE)))
		return -EBADF;
	locks_init_lock(&fl);
	fl.fl_file = file;
	fl.fl_owner = file;
	fl.fl_pid = current->tgid;
	fl.fl_flags = FL_FLOCK;
	fl.fl_type = type;
	fl.fl_end = OFFSET_MAX;
	ret = security_file_lock(file, fl.fl_type);
	if (ret)
		return ret;
	if (file->f_op->flock)
		ret = file->f_op->flock(file, F_SETLK, &fl);
	else
		ret = locks_lock_file_wait(file, &fl);
	locks_release_private(&fl);
	return ret;
}

static int restore_one_lock(struct ckpt_ctx *ctx,
			    const struct ckpt_hdr_file_lock *l)
{
	unsigned char type = l->type == CKPT_LOCK_WRITE ? F_WRLCK : F_RDLCK;
	struct file *want = restore_file_get(ctx, l->file_ref);
	struct file *file;
	struct flock fl;
	int ret;

	file = fget(l->fd);
	if (!file || file != want) {
		ret = ckpt_err(ctx, -EINVAL, "file lock: fd %u is not file %u",
			       l->fd, l->file_ref);
		goto out;
	}
	if (l->kind == CKPT_LOCK_FLOCK) {
		ret = restore_flock(file, type);
	} else {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = type;
		fl.l_whence = SEEK_SET;
		fl.l_start = l->start;
		fl.l_len = l->end == CKPT_LOCK_EOF ? 0 : l->end - l->start + 1;
		ret = fcntl_setlk(l->fd, file, l->kind == CKPT_LOCK_OFD ?
				  F_OFD_SETLK : F_SETLK, &fl);
	}
	if (ret == -EAGAIN || ret == -EACCES)
		ret = ckpt_err(ctx, -EAGAIN,
			       "fd %u: %pD: %s %s lock on bytes %lld-%lld conflicts with a lock held outside the tree",
			       l->fd, file, ckpt_lock_kind_name(l->kind),
			       type == F_WRLCK ? "write" : "read",
			       (long long)l->start, (long long)l->end);
	else if (ret)
		ret = ckpt_err(ctx, ret,
			       "fd %u: %pD: can not set a %s %s lock on bytes %lld-%lld",
			       l->fd, file, ckpt_lock_kind_name(l->kind),
			       type == F_WRLCK ? "write" : "read",
			       (long long)l->start, (long long)l->end);
out:
	if (file)
		fput(file);
	return ret;
}

/* Once the restored fd table is current->files: set its locks. */
int restore_file_locks_apply(struct ckpt_ctx *ctx, struct ckpt_rst_task *rt)
{
	struct ckpt_rst_locks *rl = rt->locks;
	unsigned int i;
	int ret;

	if (!rl)
		return 0;
	for (i = 0; i < rl->nr; i++) {
		ret = restore_one_lock(ctx, &rl->ent[i]);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

void restore_file_locks_cleanup(struct ckpt_rst_task *rt)
{
	kvfree(rt->locks);
	rt->locks = NULL;
}
