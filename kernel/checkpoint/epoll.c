// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: epoll files (records EPOLL, EPOLL_ITEM; file kind CKPT_FILE_EPOLL).
 *
 * Checkpoint: an epoll file is a FILE of kind EPOLL whose object is its
 * epoll instance (CKPT_OBJ_EPOLL, one per file: an instance has exactly
 * one open file).  The interest list is copied under the instance's mutex
 * by fs/eventpoll.c's eventpoll_for_each_item() (an item whose target is
 * being released is not an item any more), then, with nothing locked,
 * every target is saved with checkpoint_file() (any kind kcr saves, an
 * epoll too: nesting recurses at most the depth epoll allows), then the
 * EPOLL record and one EPOLL_ITEM per item (target FILE objref, the fd
 * number it was added under, the events mask as the item holds it, the
 * data).  A target kcr can not save fails the checkpoint with the
 * target's reason.  epoll holds no reference on its targets, so the tree
 * must hold each one in an fd table: a target held only outside the tree
 * is refused (-EBUSY), it would vanish from the restored list.
 *
 * Restart: EPOLL creates a new epoll instance (charged to the restored
 * task's user) and adds every item through the EPOLL_CTL_ADD path of
 * epoll_ctl() (eventpoll_add_item(): poll support, EPOLLEXCLUSIVE rules,
 * loops, depth, max_user_watches) with the saved events exactly (armed
 * items carry EPOLLERR | EPOLLHUP as epoll_ctl() adds them; a disarmed
 * EPOLLONESHOT item holds only its private bits and stays disarmed).  The
 * fd numbers need not be installed.  EPOLLWAKEUP needs CAP_BLOCK_SUSPEND
 * as for epoll_ctl(); where epoll_ctl() would drop it silently, restart
 * refuses the image (-EPERM) rather than change the item.  Readiness is
 * not saved: adding an item polls its target, so a ready target is
 * reported again, edge-triggered ones included (a pending edge is never
 * lost; an edge already consumed whose target is still ready is reported
 * once more).
 *
 * Locking: checkpoint takes ep->mtx only inside eventpoll_for_each_item()
 * and writes nothing under it (the callback only copies, with references);
 * task_lock() around iterate_fd() (files->file_lock, spinning) to find a
 * target in the tree's fd tables.  Restart: the eventpoll helpers take
 * what epoll_ctl() takes.
 */

#include <linux/capability.h>
#include <linux/checkpoint.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/eventpoll.h>	/* after fs.h and uaccess.h, which it uses */
#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/stat.h>

/* what F_SETFL can change on an epoll file that we carry */
#define CKPT_EPOLL_FLAGS	(O_ACCMODE | O_NONBLOCK | O_APPEND)
/* the mode of the anonymous inode epoll files share */
#define CKPT_EPOLL_MODE		0600

/* ------------------------------------------------------------ checkpoint */

struct ckpt_epoll_ent {
	struct file *tfile;		/* referenced */
	int fd;
	u32 events;
	u64 data;
	u32 file_ref;
};

struct ckpt_epoll_items {
	struct ckpt_epoll_ent *ent;
	unsigned int nr, max;
};

/* eventpoll_for_each_item() callback: copy one item, under ep->mtx */
static int ckpt_epoll_copy_item(void *arg, struct file *tfile, int fd,
				const struct epoll_event *event)
{
	struct ckpt_epoll_items *c = arg;
	struct ckpt_epoll_ent *e;

	if (c->nr == c->max) {
		unsigned int max = c->max ? 2 * c->max : 16;
		struct ckpt_epoll_ent *n;

		if (c->max >= CKPT_EPOLL_ITEMS_MAX)
			return -E2BIG;
		max = min_t(unsigned int, max, CKPT_EPOLL_ITEMS_MAX);
		n = kvmalloc_array(max, sizeof(*n), GFP_KERNEL_ACCOUNT);
		if (!n)
			return -ENOMEM;
		if (c->nr)
			memcpy(n, c->ent, c->nr * sizeof(*n));
		kvfree(c->ent);
		c->ent = n;
		c->max = max;
	}
	e = &c->ent[c->nr++];
	e->tfile = get_file(tfile);
	e->fd = fd;
	e->events = (__force u32)event->events;
	e->data = event->data;
	e->file_ref = 0;
	return 0;
}

static int ckpt_epoll_match(const void *p, struct file *file, unsigned int fd)
{
	return file == p;
}

/* Does an fd table of the tree hold @tfile (epoll itself holds no reference)? */
static bool ckpt_epoll_held(struct ckpt_ctx *ctx, struct file *tfile)
{
	int i, found = 0;

	for (i = 0; !found && i < ctx->nr_tasks; i++) {
		struct task_struct *t = ctx->tasks[i];

		if (!t || !(ctx->task_first[i] & CKPT_FIRST_FILES))
			continue;
		task_lock(t);
		if (t->files)
			found = iterate_fd(t->files, 0, ckpt_epoll_match, tfile);
		task_unlock(t);
	}
	return found;
}

/* The key of an epoll object: never dereferenced, nothing to drop. */
static void ckpt_epoll_release_key(void *ptr)
{
}

static int ckpt_epoll_write(struct ckpt_ctx *ctx, unsigned int fd,
			    struct ckpt_epoll_items *c, u32 objref)
{
	struct ckpt_hdr_epoll_item hi;
	struct ckpt_hdr_epoll he;
	unsigned int i;
	int ret;

	memset(&he, 0, sizeof(he));
	he.objref = objref;
	he.nr_items = c->nr;
	ret = ckpt_write_record(ctx, CKPT_HDR_EPOLL, &he, sizeof(he));
	for (i = 0; !ret && i < c->nr; i++) {
		memset(&hi, 0, sizeof(hi));
		hi.file_ref = c->ent[i].file_ref;
		hi.fd = c->ent[i].fd;
		hi.events = c->ent[i].events;
		hi.data = c->ent[i].data;
		ret = ckpt_write_record(ctx, CKPT_HDR_EPOLL_ITEM, &hi,
					sizeof(hi));
	}
	return ret;
}

int ckpt_epoll_save(struct ckpt_ctx *ctx, unsigned int fd,
		    struct file *file, struct ckpt_hdr_file *hf,
		    char *buf, char **path)
{
	struct ckpt_epoll_items c = { };
	struct ckpt_epoll_ent *e;
	struct ckpt_obj *obj;
	unsigned int i;
	int ret;

	if ((file->f_flags & ~CKPT_EPOLL_FLAGS) ||
	    (file->f_flags & O_ACCMODE) != O_RDWR)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: epoll with flags %#o not supported",
				fd, file->f_flags);
	if (ckpt_obj_find_ptr(ctx, file->private_data))
		return ckpt_err(ctx, -EINVAL, "fd %u: epoll object clash", fd);

	ret = eventpoll_for_each_item(file, ckpt_epoll_copy_item, &c);
	if (ret == -E2BIG) {
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "fd %u: epoll with more than %u items",
			       fd, CKPT_EPOLL_ITEMS_MAX);
		goto out;
	}
	if (ret) {
		ret = ckpt_err(ctx, ret,
			       "fd %u: epoll: copying the interest list failed",
			       fd);
		goto out;
	}

	for (i = 0; i < c.nr; i++) {
		e = &c.ent[i];
		if (e->events & ~CKPT_EPOLL_EVENTS) {
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "fd %u: epoll item fd %d: events %#x not supported",
				       fd, e->fd, e->events);
			goto out;
		}
		if (e->fd < 0 || e->fd >= CKPT_FDS_MAX) {
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "fd %u: epoll item fd %d out of range",
				       fd, e->fd);
			goto out;
		}
		if (!ckpt_epoll_held(ctx, e->tfile)) {
			ret = ckpt_err(ctx, -EBUSY,
				       "fd %u: epoll item fd %d (%pD): the target is not held by the tree (only outside it, in flight or by a mapping)",
				       fd, e->fd, e->tfile);
			goto out;
		}
		ret = checkpoint_file(ctx, e->fd, e->tfile, &e->file_ref);
		if (ret) {
			/* the target's reason is logged already */
			ckpt_err(ctx, ret,
				 "fd %u: epoll item fd %d: the target can not be saved",
				 fd, e->fd);
			goto out;
		}
		cond_resched();
	}

	obj = ckpt_obj_add_ptr(ctx, CKPT_OBJ_EPOLL, file->private_data,
			       ckpt_epoll_release_key);
	if (IS_ERR(obj)) {
		ret = ckpt_err(ctx, PTR_ERR(obj), "fd %u: no memory for an epoll",
			       fd);
		goto out;
	}
	ret = ckpt_epoll_write(ctx, fd, &c, obj->objref);
	if (ret)
		goto out;

	hf->kind = CKPT_FILE_EPOLL;
	hf->f_flags = file->f_flags;
	hf->mode = CKPT_EPOLL_MODE;
	hf->obj_ref = obj->objref;
out:
	for (i = 0; i < c.nr; i++)
		fput(c.ent[i].tfile);
	kvfree(c.ent);
	return ret;
}

bool ckpt_epoll_can_save(struct file *file)
{
	return eventpoll_is_file(file);
}

/* ------------------------------------------------------------ restart */

/* A restored epoll instance (CKPT_OBJ_EPOLL) until the context goes. */
struct ckpt_rst_epoll {
	struct file *file;
	bool used;			/* claimed by its FILE record */
};

static int ckpt_epoll_nomem(struct ckpt_ctx *ctx, u32 objref)
{
	return ckpt_err(ctx, -ENOMEM, "epoll %u: no memory", objref);
}

static void ckpt_release_epoll(void *ptr)
{
	struct ckpt_rst_epoll *re = ptr;

	fput(re->file);
	kfree(re);
}

/* The events of a saved item: what epoll_ctl() could have left in it. */
static bool restore_epoll_events_ok(u32 events)
{
	if (events & ~CKPT_EPOLL_EVENTS)
		return false;
	if (!(events & ~CKPT_EPOLL_PRIVATE))	/* a oneshot that fired */
		return events & CKPT_EPOLL_ONESHOT;
	return (events & CKPT_EPOLL_ERRHUP) == CKPT_EPOLL_ERRHUP;
}

static int restore_epoll_item(struct ckpt_ctx *ctx, u32 objref,
			      struct file *file)
{
	struct ckpt_hdr_epoll_item hi;
	struct epoll_event ev;
	struct file *tfile;
	int ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_EPOLL_ITEM, &hi, sizeof(hi),
			       sizeof(hi));
	if (ret < 0)
		return ret;
	if (hi.pad || hi.fd >= CKPT_FDS_MAX ||
	    !restore_epoll_events_ok(hi.events))
		return ckpt_err(ctx, -EINVAL,
				"epoll %u: bad item (fd %u, events %#x)",
				objref, hi.fd, hi.events);
	tfile = restore_file_get(ctx, hi.file_ref);
	if (!tfile)
		return ckpt_err(ctx, -EINVAL,
				"epoll %u: item fd %u: unknown file %u",
				objref, hi.fd, hi.file_ref);
	if ((hi.events & (__force u32)EPOLLWAKEUP) &&
	    (!IS_ENABLED(CONFIG_PM_SLEEP) || !capable(CAP_BLOCK_SUSPEND)))
		return ckpt_err(ctx, -EPERM,
				"epoll %u: item fd %u: EPOLLWAKEUP needs CAP_BLOCK_SUSPEND (and CONFIG_PM_SLEEP)",
				objref, hi.fd);

	ev.events = (__force __poll_t)hi.events;
	ev.data = hi.data;
	ret = eventpoll_add_item(file, tfile, hi.fd, &ev);
	if (ret)
		return ckpt_err(ctx, ret,
				"epoll %u: item fd %u (file %u): epoll_ctl(ADD) refuses it",
				objref, hi.fd, hi.file_ref);
	return 0;
}

/* EPOLL + EPOLL_ITEMs: a new epoll instance with the saved interest list. */
int restore_epoll_obj(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_epoll *re;
	struct ckpt_hdr_epoll he;
	struct file *file;
	u32 i;
	int ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_EPOLL, &he, sizeof(he),
			       sizeof(he));
	if (ret < 0)
		return ret;
	if (he.nr_items > CKPT_EPOLL_ITEMS_MAX)
		return ckpt_err(ctx, -EINVAL, "epoll %u: %u items", he.objref,
				he.nr_items);
	if (ckpt_obj_lookup_ref(ctx, he.objref))
		return ckpt_err(ctx, -EINVAL, "epoll %u: defined twice",
				he.objref);

	re = kzalloc(sizeof(*re), GFP_KERNEL_ACCOUNT);
	if (!re)
		return ckpt_epoll_nomem(ctx, he.objref);
	file = eventpoll_create_file(0);
	if (IS_ERR(file)) {
		kfree(re);
		return ckpt_err(ctx, PTR_ERR(file), "epoll %u: can not create it",
				he.objref);
	}
	re->file = file;
	/* from here the object table owns re (released by it on failure) */
	ret = ckpt_obj_add_ref(ctx, CKPT_OBJ_EPOLL, he.objref, re,
			       ckpt_release_epoll);
	if (ret)	/* logged */
		return ret;

	for (i = 0; i < he.nr_items; i++) {
		ret = restore_epoll_item(ctx, he.objref, file);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

/* FILE of kind EPOLL: the file of its restored instance. */
struct file *restore_epoll_file(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_file *hf,
				const char *path)
{
	struct ckpt_rst_epoll *re;

	if (hf->mode != CKPT_EPOLL_MODE || hf->pos || hf->rdev ||
	    hf->path_len || (hf->f_flags & ~CKPT_EPOLL_FLAGS) ||
	    (hf->f_flags & O_ACCMODE) != O_RDWR) {
		ckpt_err(ctx, -EINVAL, "file %u: bad epoll file", hf->objref);
		return ERR_PTR(-EINVAL);
	}
	re = ckpt_obj_find_ref(ctx, CKPT_OBJ_EPOLL, hf->obj_ref);
	if (!re) {
		ckpt_err(ctx, -EINVAL, "file %u: unknown epoll %u",
			 hf->objref, hf->obj_ref);
		return ERR_PTR(-EINVAL);
	}
	if (re->used) {
		ckpt_err(ctx, -EINVAL, "file %u: epoll %u used twice",
			 hf->objref, hf->obj_ref);
		return ERR_PTR(-EINVAL);
	}
	re->used = true;
	ckpt_set_file_flags(re->file, hf->f_flags);
	return get_file(re->file);
}
