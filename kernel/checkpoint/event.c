// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: event fds (records EVENTFD, SIGNALFD, TIMERFD; CKPT_OBJ_EVENT).
 *
 * An eventfd, signalfd or timerfd is an anonymous file whose state lives in
 * its private context.  Checkpoint writes that state as one object record
 * (eventfd: count and EFD_SEMAPHORE; signalfd: the signal mask; timerfd:
 * clock, settime flags, time left or absolute expiry, interval, ticks not
 * read yet) before the FILE that opens it; the fs helpers of patch 0018
 * read it without changing it.  An open file shared by several tasks
 * (inherited by fork) is one FILE, so restart creates one file for both.
 *
 * Refused: an eventfd whose context is also held inside the kernel
 * (io_uring, KVM irqfd, vfio, AIO), a second open file of one context,
 * status flags F_SETFL can not set on these files (a safety check).  Alarm
 * clocks are restored only for a caller with CAP_WAKE_ALARM.
 *
 * Locking: the helpers take the context's wait queue lock (a spinlock)
 * only to copy the state; records are written after it is dropped.
 */

#include <linux/checkpoint.h>
#include <linux/err.h>
#include <linux/eventfd.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/signal.h>
#include <linux/signalfd.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/time.h>
#include <linux/timerfd.h>

/* f_flags of an event fd: always O_RDWR, and what F_SETFL can set. */
#define CKPT_EVENT_FILE_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_NOATIME)

static void ckpt_event_nothing(void *ptr)
{
}

static bool ckpt_anon_named(struct file *file, const char *name)
{
	return file_inode(file)->i_sb->s_magic == ANON_INODE_FS_MAGIC &&
	       !strcmp(file->f_path.dentry->d_name.name, name);
}

bool ckpt_is_eventfd(struct file *file)
{
	return ckpt_anon_named(file, "[eventfd]");
}

bool ckpt_is_signalfd(struct file *file)
{
	return ckpt_anon_named(file, "[signalfd]");
}

bool ckpt_is_timerfd(struct file *file)
{
	return ckpt_anon_named(file, "[timerfd]");
}

/*
 * Common part of save: one object per context (its key), flags we can
 * restore; fills hf and returns the object's objref in *objref.
 */
static int ckpt_event_prepare(struct ckpt_ctx *ctx, unsigned int fd,
			      struct file *file, struct ckpt_hdr_file *hf,
			      u32 kind, const char *what, u32 *objref)
{
	struct ckpt_obj *obj;

	if ((file->f_flags & ~CKPT_EVENT_FILE_FLAGS) ||
	    (file->f_flags & O_ACCMODE) != O_RDWR)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: %s with flags %#o not supported yet",
				fd, what, file->f_flags);
	if (ckpt_obj_find_ptr(ctx, file->private_data))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: a second open file of one %s not supported",
				fd, what);
	/* the FILE object keeps the file, hence the context, alive */
	obj = ckpt_obj_add_ptr(ctx, CKPT_OBJ_EVENT, file->private_data,
			       ckpt_event_nothing);
	if (IS_ERR(obj))	/* logged */
		return PTR_ERR(obj);
	*objref = obj->objref;

	hf->kind = kind;
	hf->f_flags = file->f_flags;
	hf->obj_ref = obj->objref;
	return 0;
}

int ckpt_save_eventfd(struct ckpt_ctx *ctx, unsigned int fd,
		      struct file *file, struct ckpt_hdr_file *hf,
		      char *buf, char **path)
{
	struct ckpt_hdr_eventfd he;
	unsigned int flags, others;
	u64 count;
	int ret;

	ret = eventfd_checkpoint_state(file, &count, &flags, &others);
	if (ret)
		return ckpt_err(ctx, ret, "fd %u: not an eventfd", fd);
	if (others)
		return ckpt_err(ctx, -EBUSY,
				"fd %u: eventfd also used inside the kernel (io_uring, KVM irqfd, vfio, AIO: %u references), not supported",
				fd, others);

	memset(&he, 0, sizeof(he));
	ret = ckpt_event_prepare(ctx, fd, file, hf, CKPT_FILE_EVENTFD,
				 "eventfd", &he.objref);
	if (ret)
		return ret;
	he.flags = (flags & EFD_SEMAPHORE) ? CKPT_EVENTFD_SEMAPHORE : 0;
	he.count = count;
	return ckpt_write_record(ctx, CKPT_HDR_EVENTFD, &he, sizeof(he));
}

int ckpt_save_signalfd(struct ckpt_ctx *ctx, unsigned int fd,
		       struct file *file, struct ckpt_hdr_file *hf,
		       char *buf, char **path)
{
	struct ckpt_hdr_signalfd hs;
	sigset_t mask;
	int ret;

	BUILD_BUG_ON(_NSIG_WORDS != 1);
	ret = signalfd_checkpoint_state(file, &mask);
	if (ret)
		return ckpt_err(ctx, ret, "fd %u: not a signalfd", fd);

	memset(&hs, 0, sizeof(hs));
	ret = ckpt_event_prepare(ctx, fd, file, hf, CKPT_FILE_SIGNALFD,
				 "signalfd", &hs.objref);
	if (ret)
		return ret;
	hs.sigmask = mask.sig[0];
	return ckpt_write_record(ctx, CKPT_HDR_SIGNALFD, &hs, sizeof(hs));
}

int ckpt_save_timerfd(struct ckpt_ctx *ctx, unsigned int fd,
		      struct file *file, struct ckpt_hdr_file *hf,
		      char *buf, char **path)
{
	struct timerfd_ckpt_state st;
	struct ckpt_hdr_timerfd ht;
	int ret;

	ret = timerfd_checkpoint_state(file, &st);
	if (ret)
		return ckpt_err(ctx, ret, "fd %u: not a timerfd", fd);
	if (st.value < 0 || st.interval < 0 ||
	    st.ticks > CKPT_TIMERFD_TICKS_MAX ||
	    (st.settime_flags & ~CKPT_TIMERFD_SETTIME_FLAGS))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: timerfd in a state not supported (flags %#x, ticks %llu)",
				fd, st.settime_flags, st.ticks);

	memset(&ht, 0, sizeof(ht));
	ret = ckpt_event_prepare(ctx, fd, file, hf, CKPT_FILE_TIMERFD,
				 "timerfd", &ht.objref);
	if (ret)
		return ret;
	ht.clockid = st.clockid;
	ht.settime_flags = st.settime_flags;
	ht.flags = (st.abs ? CKPT_TIMERFD_ABS : 0) |
		   (st.canceled ? CKPT_TIMERFD_CANCELED : 0);
	ht.value_ns = st.value;
	ht.interval_ns = st.interval;
	ht.ticks = st.ticks;
	return ckpt_write_record(ctx, CKPT_HDR_TIMERFD, &ht, sizeof(ht));
}

/* ------------------------------------------------------------ restart */

/* A restored event fd (CKPT_OBJ_EVENT): its file until the context goes. */
struct ckpt_rst_event {
	struct file *file;
	u32 kind;			/* CKPT_FILE_* */
	bool used;			/* claimed by a FILE record */
};

static void ckpt_release_event(void *ptr)
{
	struct ckpt_rst_event *re = ptr;

	fput(re->file);
	kfree(re);
}

/*
 * Keep file as the object objref of kind (event fds, inotify.c); the
 * table owns it from here.
 */
int restore_event_add(struct ckpt_ctx *ctx, u32 objref, u32 kind,
		      struct file *file)
{
	struct ckpt_rst_event *re;

	re = kzalloc(sizeof(*re), GFP_KERNEL_ACCOUNT);
	if (!re) {
		fput(file);
		return ckpt_err(ctx, -ENOMEM, "no memory for an event fd");
	}
	re->file = file;
	re->kind = kind;
	/* on failure re is released and the error logged */
	return ckpt_obj_add_ref(ctx, CKPT_OBJ_EVENT, objref, re,
				ckpt_release_event);
}

int restore_eventfd_obj(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_eventfd he;
	struct file *file;
	int ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_EVENTFD, &he, sizeof(he),
			       sizeof(he));
	if (ret < 0)
		return ret;
	if ((he.flags & ~CKPT_EVENTFD_FLAGS) || he.count == U64_MAX)
		return ckpt_err(ctx, -EINVAL,
				"eventfd %u: bad flags %#x or count", he.objref,
				he.flags);
	file = eventfd_restore_file(he.count,
				    (he.flags & CKPT_EVENTFD_SEMAPHORE) ?
				    EFD_SEMAPHORE : 0);
	if (IS_ERR(file))
		return ckpt_err(ctx, PTR_ERR(file),
				"eventfd %u: can not create it", he.objref);
	return restore_event_add(ctx, he.objref, CKPT_FILE_EVENTFD, file);
}

int restore_signalfd_obj(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_signalfd hs;
	struct file *file;
	sigset_t mask;
	int ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_SIGNALFD, &hs, sizeof(hs),
			       sizeof(hs));
	if (ret < 0)
		return ret;
	mask.sig[0] = hs.sigmask;
	if (hs.pad || sigismember(&mask, SIGKILL) ||
	    sigismember(&mask, SIGSTOP))
		return ckpt_err(ctx, -EINVAL,
				"signalfd %u: bad record (mask %#llx)",
				hs.objref, hs.sigmask);
	file = signalfd_restore_file(&mask, 0);
	if (IS_ERR(file))
		return ckpt_err(ctx, PTR_ERR(file),
				"signalfd %u: can not create it", hs.objref);
	return restore_event_add(ctx, hs.objref, CKPT_FILE_SIGNALFD, file);
}

static bool restore_clock_valid(u32 clockid)
{
	switch (clockid) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_BOOTTIME_ALARM:
		return true;
	default:
		return false;
	}
}

int restore_timerfd_obj(struct ckpt_ctx *ctx)
{
	struct timerfd_ckpt_state st;
	struct ckpt_hdr_timerfd ht;
	struct file *file;
	bool realtime;
	int ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_TIMERFD, &ht, sizeof(ht),
			       sizeof(ht));
	if (ret < 0)
		return ret;
	realtime = ht.clockid == CLOCK_REALTIME ||
		   ht.clockid == CLOCK_REALTIME_ALARM;
	if (!restore_clock_valid(ht.clockid) ||
	    (ht.settime_flags & ~CKPT_TIMERFD_SETTIME_FLAGS) ||
	    (ht.flags & ~CKPT_TIMERFD_FLAGS) ||
	    ((ht.flags & CKPT_TIMERFD_ABS) &&
	     (!realtime || !(ht.settime_flags & TFD_TIMER_ABSTIME))) ||
	    ((ht.flags & CKPT_TIMERFD_CANCELED) &&
	     (!(ht.flags & CKPT_TIMERFD_ABS) ||
	      !(ht.settime_flags & TFD_TIMER_CANCEL_ON_SET))) ||
	    ht.value_ns > CKPT_TIMERFD_NS_MAX ||
	    ht.interval_ns > CKPT_TIMERFD_NS_MAX ||
	    ht.ticks > CKPT_TIMERFD_TICKS_MAX)
		return ckpt_err(ctx, -EINVAL,
				"timerfd %u: bad record (clock %u, flags %#x/%#x)",
				ht.objref, ht.clockid, ht.settime_flags,
				ht.flags);

	memset(&st, 0, sizeof(st));
	st.clockid = ht.clockid;
	st.settime_flags = ht.settime_flags;
	st.abs = ht.flags & CKPT_TIMERFD_ABS;
	st.canceled = ht.flags & CKPT_TIMERFD_CANCELED;
	st.value = ht.value_ns;
	st.interval = ht.interval_ns;
	st.ticks = ht.ticks;
	file = timerfd_restore_file(&st, 0);
	if (IS_ERR(file)) {
		if (PTR_ERR(file) == -EPERM)
			return ckpt_err(ctx, -EPERM,
					"timerfd %u: clock %u is an alarm clock: needs CAP_WAKE_ALARM",
					ht.objref, ht.clockid);
		return ckpt_err(ctx, PTR_ERR(file),
				"timerfd %u: can not create it", ht.objref);
	}
	return restore_event_add(ctx, ht.objref, CKPT_FILE_TIMERFD, file);
}

/*
 * FILE of an event fd or an inotify instance (read-only): the object's
 * file, with the saved flags.
 */
struct file *restore_event_file(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_file *hf,
				const char *path)
{
	unsigned int acc = hf->kind == CKPT_FILE_INOTIFY ? O_RDONLY : O_RDWR;
	struct ckpt_rst_event *re;

	if (hf->mode || hf->pos || hf->rdev || hf->path_len ||
	    (hf->f_flags & ~CKPT_EVENT_FILE_FLAGS) ||
	    (hf->f_flags & O_ACCMODE) != acc) {
		ckpt_err(ctx, -EINVAL, "file %u: bad event fd record",
			 hf->objref);
		return ERR_PTR(-EINVAL);
	}
	re = ckpt_obj_find_ref(ctx, CKPT_OBJ_EVENT, hf->obj_ref);
	if (!re || re->kind != hf->kind) {
		ckpt_err(ctx, -EINVAL, "file %u: unknown event fd %u",
			 hf->objref, hf->obj_ref);
		return ERR_PTR(-EINVAL);
	}
	if (re->used) {
		ckpt_err(ctx, -EINVAL, "file %u: event fd %u opened twice",
			 hf->objref, hf->obj_ref);
		return ERR_PTR(-EINVAL);
	}
	re->used = true;
	ckpt_set_file_flags(re->file, hf->f_flags);
	return get_file(re->file);
}
