// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: inotify instances (records INOTIFY, INOTIFY_WATCH, INOTIFY_EVENT;
 * file kind CKPT_FILE_INOTIFY, object CKPT_OBJ_EVENT).
 *
 * Checkpoint: an inotify file is a FILE of kind INOTIFY whose object is
 * its instance (the fsnotify group; one open file per instance).  The
 * watches are copied under the group's mark mutex by patch 0020's
 * inotify_checkpoint_watches() (wd, mask, a reference on the inode), with
 * the idr cursor (where the next inotify_add_watch() looks for a wd);
 * then, with nothing locked, each watched inode gets the path by which
 * restart finds it again: one of its dentries, seen through every mount
 * of the checkpointer's root that holds it (collect_mounts()), whose path
 * looked up now leads to that very inode.  A watch on a deleted inode, or
 * on an inode that no path reaches (not in the dcache, another mount
 * namespace, over-mounted, procfs) is refused with its wd.  The unread
 * events are copied under the notification lock (inotify_checkpoint_
 * events(), not consumed), twice if the queue grew in between.
 *
 * Restart: INOTIFY creates a new instance with the restored task's
 * credentials (its max_user_instances), sets the idr cursor, and adds
 * every watch with its wd after looking its path up as that task and the
 * checks of inotify_add_watch() (read permission, LSM, max_user_watches);
 * the inode found must be the one saved (type, device, inode number)
 * unless CKPT_RESTART_FORCE_FILES.  The unread events are queued again in
 * order, as read() returns them (wd, mask, cookie, name); the queue must
 * fit in max_queued_events.  Events that restart's own work makes in a
 * watched place (reopening the tree's files, reading an image kept in a
 * watched directory) are queued after them.
 *
 * Locking: the helpers take the group's mark mutex and notification
 * spinlock only to copy; nothing is written to the image or the log under
 * them.  collect_mounts() takes namespace_sem.
 */

#include <linux/checkpoint.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/inotify.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

/* f_flags of an inotify file: O_RDONLY, and what F_SETFL can set */
#define CKPT_INOTIFY_FILE_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_NOATIME)

/* ------------------------------------------------------------ checkpoint */

struct ckpt_ino_watch {
	struct inode *inode;		/* referenced */
	int wd;
	u32 mask;
};

struct ckpt_ino_watches {
	struct ckpt_ino_watch *w;
	unsigned int nr, max;
};

/* inotify_checkpoint_watches() callback: copy one watch, under the mutex */
static int ckpt_ino_copy_watch(void *arg, struct inode *inode, int wd,
			       u32 mask)
{
	struct ckpt_ino_watches *c = arg;

	if (c->nr == c->max) {
		unsigned int max = c->max ? 2 * c->max : 16;
		struct ckpt_ino_watch *n;

		if (c->max >= CKPT_INOTIFY_WATCHES_MAX)
			return -E2BIG;
		max = min_t(unsigned int, max, CKPT_INOTIFY_WATCHES_MAX);
		n = kvmalloc_array(max, sizeof(*n), GFP_KERNEL_ACCOUNT);
		if (!n)
			return -ENOMEM;
		if (c->nr)
			memcpy(n, c->w, c->nr * sizeof(*n));
		kvfree(c->w);
		c->w = n;
		c->max = max;
	}
	ihold(inode);
	c->w[c->nr].inode = inode;
	c->w[c->nr].wd = wd;
	c->w[c->nr].mask = mask;
	c->nr++;
	return 0;
}

static int ckpt_ino_cmp_wd(const void *a, const void *b)
{
	const struct ckpt_ino_watch *x = a, *y = b;

	return x->wd < y->wd ? -1 : x->wd > y->wd;
}

/* The unread events, as INOTIFY_EVENT records (headers not filled yet). */
struct ckpt_ino_events {
	char *buf;			/* NULL: counting */
	size_t size, used;
	u32 nr;
	bool name_too_long;
};

static size_t ckpt_ino_event_len(u32 name_len)
{
	return CKPT_ALIGN_UP(sizeof(struct ckpt_hdr_inotify_event) +
			     (name_len ? name_len + 1 : 0));
}

/* inotify_checkpoint_events() callback, under a spinlock: no sleeping */
static int ckpt_ino_copy_event(void *arg, int wd, u32 mask, u32 cookie,
			       const char *name, u32 name_len)
{
	struct ckpt_ino_events *c = arg;
	size_t len = ckpt_ino_event_len(name_len);
	struct ckpt_hdr_inotify_event *e;

	if (name_len >= CKPT_INOTIFY_NAME_MAX) {
		c->name_too_long = true;
		return -ENAMETOOLONG;
	}
	if (c->nr >= CKPT_INOTIFY_EVENTS_MAX)
		return -E2BIG;
	if (c->buf) {
		if (len > c->size - c->used)
			return -EAGAIN;		/* grew since counted */
		e = (void *)(c->buf + c->used);
		memset(e, 0, len);
		e->wd = wd;
		e->mask = mask;
		e->cookie = cookie;
		if (name_len) {
			e->name_len = name_len + 1;
			memcpy(e + 1, name, name_len);
		}
	}
	c->used += len;
	c->nr++;
	return 0;
}

/* Snapshot the queue in @c; a queue that grows while copied is retried. */
static int ckpt_ino_events(struct ckpt_ctx *ctx, unsigned int fd,
			   struct file *file, struct ckpt_ino_events *c)
{
	int tries, ret;

	for (tries = 0; tries < 4; tries++) {
		kvfree(c->buf);
		memset(c, 0, sizeof(*c));
		ret = inotify_checkpoint_events(file, ckpt_ino_copy_event, c);
		if (ret)
			break;
		if (!c->used)
			return 0;
		c->size = c->used + 16 * ckpt_ino_event_len(NAME_MAX);
		c->buf = kvmalloc(c->size, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!c->buf)
			return ckpt_err(ctx, -ENOMEM,
					"fd %u: no memory for %u inotify events",
					fd, c->nr);
		c->used = 0;
		c->nr = 0;
		ret = inotify_checkpoint_events(file, ckpt_ino_copy_event, c);
		if (ret != -EAGAIN)
			break;
	}
	if (ret == -E2BIG)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: inotify instance with more than %u unread events",
				fd, CKPT_INOTIFY_EVENTS_MAX);
	if (ret == -ENAMETOOLONG)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: inotify event with a name over %u bytes",
				fd, CKPT_INOTIFY_NAME_MAX - 1);
	if (ret == -EAGAIN)
		return ckpt_err(ctx, -EAGAIN,
				"fd %u: inotify events keep coming while being saved",
				fd);
	return ret;
}

/* iterate_mounts() of the checkpointer's root: a path to @dentry */
struct ckpt_ino_find {
	struct dentry *dentry;
	char *buf;			/* PATH_MAX */
	char *path;			/* found, in buf */
};

static int ckpt_ino_try_mount(struct vfsmount *mnt, void *arg)
{
	struct ckpt_ino_find *f = arg;
	struct path p = { .mnt = mnt, .dentry = f->dentry };
	struct path found;
	char *name;
	bool same;

	if (mnt->mnt_sb != f->dentry->d_sb || !is_subdir(f->dentry, mnt->mnt_root))
		return 0;
	/* a mount of the copy: its path from the copied root, our root */
	name = d_path(&p, f->buf, PATH_MAX);
	if (IS_ERR(name) || name[0] != '/')
		return 0;
	if (kern_path(name, 0, &found))
		return 0;
	same = d_inode(found.dentry) == d_inode(f->dentry);
	path_put(&found);
	if (!same)
		return 0;
	f->path = name;
	return 1;
}

/*
 * The path that reaches @inode from the checkpointer's root, in @buf
 * (PATH_MAX), or an ERR_PTR (logged).  *@mnts is the copy of the mount
 * tree, made at the first call.
 */
static char *ckpt_ino_path(struct ckpt_ctx *ctx, unsigned int fd,
			   const struct ckpt_ino_watch *w,
			   struct vfsmount **mnts, char *buf)
{
	struct inode *inode = w->inode;
	struct ckpt_ino_find f = { .buf = buf };
	struct path root;
	char *name;

	if (!inode->i_nlink)
		return ERR_PTR(ckpt_err(ctx, -EBUSY,
					"fd %u: inotify watch %d: the watched inode %lu was deleted",
					fd, w->wd, inode->i_ino));
	if (inode->i_sb->s_magic == PROC_SUPER_MAGIC)
		return ERR_PTR(ckpt_err(ctx, -EOPNOTSUPP,
					"fd %u: inotify watch %d: a procfs inode, not supported",
					fd, w->wd));
	f.dentry = d_find_alias(inode);
	if (!f.dentry)
		return ERR_PTR(ckpt_err(ctx, -EOPNOTSUPP,
					"fd %u: inotify watch %d: inode %lu has no name in the dcache",
					fd, w->wd, inode->i_ino));
	if (d_unlinked(f.dentry)) {
		ckpt_err(ctx, -EBUSY, "fd %u: inotify watch %d: %pd was deleted",
			 fd, w->wd, f.dentry);
		dput(f.dentry);
		return ERR_PTR(-EBUSY);
	}
	if (!*mnts) {
		get_fs_root(current->fs, &root);
		*mnts = collect_mounts(&root);
		path_put(&root);
		if (IS_ERR(*mnts)) {
			int ret = PTR_ERR(*mnts);

			*mnts = NULL;
			dput(f.dentry);
			return ERR_PTR(ckpt_err(ctx, ret,
						"fd %u: inotify: can not list the mounts",
						fd));
		}
	}
	iterate_mounts(ckpt_ino_try_mount, &f, *mnts);
	if (!f.path) {
		name = dentry_path_raw(f.dentry, buf, PATH_MAX);
		ckpt_err(ctx, -EOPNOTSUPP,
			 "fd %u: inotify watch %d: %s in its file system (inode %lu) is not reachable by path from the checkpointer's root (mount namespace, chroot or over-mount?)",
			 fd, w->wd, IS_ERR(name) ? "?" : name, inode->i_ino);
		dput(f.dentry);
		return ERR_PTR(-EOPNOTSUPP);
	}
	dput(f.dentry);
	return f.path;
}

static void ckpt_ino_nothing(void *ptr)
{
}

static int ckpt_ino_write(struct ckpt_ctx *ctx, unsigned int fd,
			  struct ckpt_ino_watches *c, struct ckpt_ino_events *ev,
			  u32 objref, u32 next_wd)
{
	struct ckpt_hdr_inotify_watch hw;
	struct ckpt_hdr_inotify hi;
	struct vfsmount *mnts = NULL;
	unsigned int i;
	size_t off;
	char *buf, *path;
	int ret;

	buf = __getname();
	if (!buf)
		return ckpt_err(ctx, -ENOMEM, "fd %u: no memory for a path", fd);
	memset(&hi, 0, sizeof(hi));
	hi.objref = objref;
	hi.nr_watches = c->nr;
	hi.nr_events = ev->nr;
	/* idr_alloc_cyclic() starts at 1 from a cursor of 0 or past INT_MAX */
	hi.next_wd = next_wd >= 1 && next_wd <= CKPT_INOTIFY_WD_MAX ? next_wd : 1;
	ret = ckpt_write_record(ctx, CKPT_HDR_INOTIFY, &hi, sizeof(hi));
	for (off = 0, i = 0; !ret && i < ev->nr; i++) {
		struct ckpt_hdr_inotify_event *e = (void *)(ev->buf + off);

		off += ckpt_ino_event_len(e->name_len ? e->name_len - 1 : 0);
		ret = ckpt_write_record_payload(ctx, CKPT_HDR_INOTIFY_EVENT, e,
						sizeof(*e), e + 1, e->name_len);
	}
	for (i = 0; !ret && i < c->nr; i++) {
		struct ckpt_ino_watch *w = &c->w[i];

		path = ckpt_ino_path(ctx, fd, w, &mnts, buf);
		if (IS_ERR(path)) {
			ret = PTR_ERR(path);
			break;
		}
		memset(&hw, 0, sizeof(hw));
		hw.wd = w->wd;
		hw.mask = w->mask;
		hw.mode = w->inode->i_mode & S_IFMT;
		hw.path_len = strlen(path) + 1;
		hw.dev = new_encode_dev(w->inode->i_sb->s_dev);
		hw.ino = w->inode->i_ino;
		ret = ckpt_write_record_payload(ctx, CKPT_HDR_INOTIFY_WATCH, &hw,
						sizeof(hw), path, hw.path_len);
		cond_resched();
	}
	if (mnts)
		drop_collected_mounts(mnts);
	__putname(buf);
	return ret;
}

int ckpt_save_inotify(struct ckpt_ctx *ctx, unsigned int fd,
		      struct file *file, struct ckpt_hdr_file *hf,
		      char *buf, char **path)
{
	struct ckpt_ino_watches c = { };
	struct ckpt_ino_events ev = { };
	struct ckpt_obj *obj;
	unsigned int i;
	u32 next_wd = 0;
	int ret;

	if (file->f_flags & FASYNC)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: inotify with O_ASYNC (SIGIO) not supported yet",
				fd);
	if ((file->f_flags & ~CKPT_INOTIFY_FILE_FLAGS) ||
	    (file->f_flags & O_ACCMODE) != O_RDONLY)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: inotify with flags %#o not supported yet",
				fd, file->f_flags);
	if (ckpt_obj_find_ptr(ctx, file->private_data))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: a second open file of one inotify instance not supported",
				fd);

	ret = inotify_checkpoint_watches(file, ckpt_ino_copy_watch, &c,
					 &next_wd);
	if (ret == -E2BIG) {
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "fd %u: inotify instance with more than %u watches",
			       fd, CKPT_INOTIFY_WATCHES_MAX);
		goto out;
	}
	if (ret) {
		ret = ckpt_err(ctx, ret, "fd %u: inotify: copying the watches failed",
			       fd);
		goto out;
	}
	sort(c.w, c.nr, sizeof(*c.w), ckpt_ino_cmp_wd, NULL);
	ret = ckpt_ino_events(ctx, fd, file, &ev);
	if (ret)
		goto out;

	/* the FILE object keeps the file, hence the group, alive */
	obj = ckpt_obj_add_ptr(ctx, CKPT_OBJ_EVENT, file->private_data,
			       ckpt_ino_nothing);
	if (IS_ERR(obj)) {
		ret = ckpt_err(ctx, PTR_ERR(obj), "fd %u: no memory for an inotify",
			       fd);
		goto out;
	}
	ret = ckpt_ino_write(ctx, fd, &c, &ev, obj->objref, next_wd);
	if (ret)
		goto out;
	ckpt_log(ctx, "fd %u: inotify: %u watches, %u unread events", fd, c.nr,
		 ev.nr);

	hf->kind = CKPT_FILE_INOTIFY;
	hf->f_flags = file->f_flags;
	hf->obj_ref = obj->objref;
out:
	for (i = 0; i < c.nr; i++)
		iput(c.w[i].inode);
	kvfree(c.w);
	kvfree(ev.buf);
	return ret;
}

bool ckpt_is_inotify(struct file *file)
{
	return inotify_is_file(file);
}

/* ------------------------------------------------------------ restart */

static bool restore_ino_mode_valid(u32 mode)
{
	switch (mode) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFLNK:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		return true;
	default:
		return false;
	}
}

/* One INOTIFY_WATCH: look the path up as the restored task, add the wd. */
static int restore_ino_watch(struct ckpt_ctx *ctx, u32 objref,
			     struct file *file, s32 *prev_wd)
{
	struct ckpt_hdr_inotify_watch *hw;
	const char *name;
	struct inode *inode;
	struct path path;
	u32 len;
	int ret;

	hw = ckpt_read_record_alloc(ctx, CKPT_HDR_INOTIFY_WATCH,
				    sizeof(*hw) + 2, sizeof(*hw) + CKPT_PATH_MAX,
				    &len);
	if (IS_ERR(hw))
		return PTR_ERR(hw);
	ret = -EINVAL;
	name = (const char *)(hw + 1);
	if (len != sizeof(*hw) + hw->path_len || hw->path_len < 2 ||
	    strnlen(name, hw->path_len) != hw->path_len - 1 || name[0] != '/' ||
	    hw->pad) {
		ckpt_err(ctx, ret, "inotify %u: watch %d: bad length or path",
			 objref, hw->wd);
		goto out;
	}
	if (hw->wd < 1 || hw->wd <= *prev_wd) {
		ckpt_err(ctx, ret, "inotify %u: watch %d: bad wd (not above %d: duplicate or out of order)",
			 objref, hw->wd, *prev_wd);
		goto out;
	}
	if ((hw->mask & ~CKPT_INOTIFY_WATCH_MASK) ||
	    !restore_ino_mode_valid(hw->mode)) {
		ckpt_err(ctx, ret, "inotify %u: watch %d: bad mask %#x or mode %#o",
			 objref, hw->wd, hw->mask, hw->mode);
		goto out;
	}
	*prev_wd = hw->wd;

	ret = kern_path(name, 0, &path);
	if (ret) {
		ckpt_err(ctx, ret, "inotify %u: watch %d: %s: lookup failed",
			 objref, hw->wd, name);
		goto out;
	}
	inode = d_inode(path.dentry);
	if ((inode->i_mode & S_IFMT) != hw->mode ||
	    (!(ctx->flags & CKPT_RESTART_FORCE_FILES) &&
	     (hw->dev != new_encode_dev(inode->i_sb->s_dev) ||
	      hw->ino != inode->i_ino))) {
		ret = ckpt_err(ctx, -ESTALE,
			       "inotify %u: watch %d: %s is not the inode that was watched (type, device or inode number changed); restart --force-files watches it anyway",
			       objref, hw->wd, name);
		goto put;
	}
	ret = inotify_restore_watch(file, &path, hw->mask, hw->wd);
	if (ret == -ENOSPC)
		ckpt_err(ctx, ret, "inotify %u: watch %d: %s: over the restored user's fs.inotify.max_user_watches",
			 objref, hw->wd, name);
	else if (ret == -EEXIST)
		ckpt_err(ctx, -EINVAL, "inotify %u: watch %d: %s: the inode is watched twice",
			 objref, hw->wd, name);
	else if (ret)
		ckpt_err(ctx, ret, "inotify %u: watch %d: %s: the restored task may not watch it (inotify_add_watch refuses it)",
			 objref, hw->wd, name);
	if (ret == -EEXIST)
		ret = -EINVAL;
put:
	path_put(&path);
out:
	kvfree(hw);
	return ret;
}

/* One INOTIFY_EVENT, queued again. */
static int restore_ino_event(struct ckpt_ctx *ctx, u32 objref,
			     struct file *file)
{
	struct {
		struct ckpt_hdr_inotify_event e;
		char name[CKPT_INOTIFY_NAME_MAX];
	} r;
	const char *name = NULL;
	bool overflow;
	int ret, len;

	len = ckpt_read_record(ctx, CKPT_HDR_INOTIFY_EVENT, &r, sizeof(r.e),
			       sizeof(r));
	if (len < 0)
		return len;
	if (len != sizeof(r.e) + r.e.name_len || r.e.pad || r.e.name_len == 1 ||
	    (r.e.name_len &&
	     (strnlen(r.name, r.e.name_len) != r.e.name_len - 1 ||
	      strchr(r.name, '/'))))
		return ckpt_err(ctx, -EINVAL,
				"inotify %u: event: bad length or name", objref);
	if (r.e.name_len)
		name = r.name;
	overflow = r.e.mask == CKPT_INOTIFY_OVERFLOW;
	if (overflow ? r.e.wd != -1 || r.e.cookie || name :
	    !r.e.mask || (r.e.mask & ~CKPT_INOTIFY_EVENT_MASK) || r.e.wd < 1)
		return ckpt_err(ctx, -EINVAL,
				"inotify %u: event: bad wd %d or mask %#x",
				objref, r.e.wd, r.e.mask);
	ret = inotify_restore_event(file, r.e.wd, r.e.mask, r.e.cookie, name);
	if (ret == -ENOSPC)
		return ckpt_err(ctx, ret,
				"inotify %u: more unread events than fs.inotify.max_queued_events",
				objref);
	if (ret == -EEXIST)
		return ckpt_err(ctx, -EINVAL, "inotify %u: two overflow events",
				objref);
	if (ret)
		return ckpt_err(ctx, ret, "inotify %u: queueing an event failed",
				objref);
	return 0;
}

/* INOTIFY + its WATCHes and EVENTs: a new instance with the same wds. */
int restore_inotify_obj(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_inotify hi;
	struct file *file;
	s32 prev_wd = 0;
	u32 i;
	int ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_INOTIFY, &hi, sizeof(hi),
			       sizeof(hi));
	if (ret < 0)
		return ret;
	if (hi.nr_watches > CKPT_INOTIFY_WATCHES_MAX ||
	    hi.nr_events > CKPT_INOTIFY_EVENTS_MAX || hi.next_wd < 1)
		return ckpt_err(ctx, -EINVAL,
				"inotify %u: bad record (%u watches, %u events, next wd %d)",
				hi.objref, hi.nr_watches, hi.nr_events,
				hi.next_wd);
	if (ckpt_obj_lookup_ref(ctx, hi.objref))
		return ckpt_err(ctx, -EINVAL, "inotify %u: defined twice",
				hi.objref);

	file = inotify_restore_file(0, hi.next_wd);
	if (IS_ERR(file)) {
		if (PTR_ERR(file) == -EMFILE)
			return ckpt_err(ctx, -EMFILE,
					"inotify %u: over the restored user's fs.inotify.max_user_instances",
					hi.objref);
		return ckpt_err(ctx, PTR_ERR(file),
				"inotify %u: can not create it", hi.objref);
	}
	/* from here the object table owns the file */
	ret = restore_event_add(ctx, hi.objref, CKPT_FILE_INOTIFY, file);
	if (ret)
		return ret;
	/* the events before the watches: no new one comes in between */
	for (i = 0; i < hi.nr_events; i++) {
		ret = restore_ino_event(ctx, hi.objref, file);
		if (ret)
			return ret;
		cond_resched();
	}
	for (i = 0; i < hi.nr_watches; i++) {
		ret = restore_ino_watch(ctx, hi.objref, file, &prev_wd);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}
