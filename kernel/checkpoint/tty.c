// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: Unix98 pseudo terminals (records TTY, TTY_DATA; file kind TTY).
 *
 * A pty pair held inside the tree: the master (from /dev/ptmx) and any
 * number of open files of the slave /dev/pts/N.  The pair is one object
 * (CKPT_OBJ_TTY, keyed by the master's tty_struct) written before the
 * first FILE of either side, with both sides' termios, the window size,
 * the lock and packet state, the slave's controlling-terminal session and
 * foreground process group (as TREE positions), and the unread input of
 * both line disciplines (n_tty's read buffers, with the line ends of
 * canonical mode).  Every open file of both sides must be in the tree
 * (checkpoint_tty_check()): a side held outside is refused, named.
 *
 * Restart opens /dev/ptmx of the restorer (its devpts) with the restored
 * task's credentials, asking for the same pts number (-ENOSPC refused if
 * it is taken: programs keep their tty name); the new slave is owned as
 * any pty the restored task opens (devpts rules).  Slave files are opened
 * from the master like TIOCGPTPEER does, never by a path.  The controlling
 * terminal is set in the resume_shared round, in every restored process
 * of the saved session, the session leader included.
 *
 * Locking: checkpoint reads each tty under its own locks (termios_rwsem,
 * winsize_mutex, ctrl.lock, files_lock, n_tty's locks in the helpers) and
 * writes the records after dropping them.
 */

#include <linux/checkpoint.h>
#include <linux/tty.h>		/* before devpts_fs.h, which uses tty_struct */
#include <linux/devpts_fs.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/major.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tty_ckpt.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>

/* Status flags a pty file may have (what open and F_SETFL can set). */
#define CKPT_TTY_FILE_FLAGS	(O_ACCMODE | O_NONBLOCK | O_APPEND | \
				 O_LARGEFILE | O_NOATIME)
#define CKPT_TTY_FILE_IGNORED	(O_CLOEXEC | O_NOCTTY | __FMODE_EXEC)

#define CKPT_PTMX_DEV		MKDEV(TTYAUX_MAJOR, 2)

/* checkpoint: a pty met (ctx->ttys) */
struct ckpt_tty_seen {
	struct list_head list;
	struct tty_struct *master;	/* referenced */
	unsigned int fd;		/* where it was met first */
};

/* restart: a restored pty (the CKPT_OBJ_TTY object and ctx->ttys) */
struct ckpt_rst_tty {
	struct list_head list;		/* on ctx->ttys until the context goes */
	struct kref kref;		/* the list's and the object table's */
	struct file *master;
	bool master_used;
	u32 objref;
	u32 index;
	u32 flags;
	u32 session;			/* TREE position + 1, or 0 */
	u32 fg_pgrp;
};

static int ckpt_tty_nomem(struct ckpt_ctx *ctx)
{
	return ckpt_err(ctx, -ENOMEM, "no memory for a pty");
}

static dev_t ckpt_pts_dev(u32 index)
{
	return MKDEV(UNIX98_PTY_SLAVE_MAJOR + index / 256, index % 256);
}

/*
 * The tty of an open file of a Unix98 pty, through any node: the side's
 * own (/dev/ptmx, /dev/pts/N) or /dev/tty, /dev/console naming it.
 */
static struct tty_struct *ckpt_pty_of(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct tty_struct *tty;

	if (!S_ISCHR(inode->i_mode) || (file->f_mode & FMODE_PATH))
		return NULL;
	tty = tty_of_file(file);
	if (!tty || tty->driver->type != TTY_DRIVER_TYPE_PTY ||
	    !(tty->driver->flags & TTY_DRIVER_DEVPTS_MEM) || !tty->link)
		return NULL;
	return tty;
}

/* Is file opened through the node of its own side? */
static bool ckpt_pty_own_node(struct file *file, struct tty_struct *tty)
{
	dev_t rdev = file_inode(file)->i_rdev;

	if (tty->driver->subtype == PTY_TYPE_MASTER)
		return rdev == CKPT_PTMX_DEV;
	return rdev == tty_devnum(tty);
}

bool ckpt_is_tty(struct file *file)
{
	return ckpt_pty_of(file);
}

/* ------------------------------------------------------------ checkpoint */

static void ckpt_tty_termios_get(struct tty_struct *tty,
				 struct ckpt_tty_termios *t)
{
	memset(t, 0, sizeof(*t));
	down_read(&tty->termios_rwsem);
	t->c_iflag = tty->termios.c_iflag;
	t->c_oflag = tty->termios.c_oflag;
	t->c_cflag = tty->termios.c_cflag;
	t->c_lflag = tty->termios.c_lflag;
	t->c_ispeed = tty->termios.c_ispeed;
	t->c_ospeed = tty->termios.c_ospeed;
	t->c_line = tty->termios.c_line;
	BUILD_BUG_ON(sizeof(t->c_cc) != sizeof(tty->termios.c_cc));
	memcpy(t->c_cc, tty->termios.c_cc, sizeof(t->c_cc));
	up_read(&tty->termios_rwsem);
}

/* The TREE position + 1 of the task whose pid (type) is pid, or 0. */
static u32 ckpt_tty_tree_pos(struct ckpt_ctx *ctx, struct pid *pid,
			     enum pid_type type)
{
	u32 pos = 0;
	int i;

	rcu_read_lock();
	for (i = 0; i < ctx->nr_tasks && !pos; i++)
		if (task_pid_type(ctx->tasks[i], type) == pid)
			pos = i + 1;
	rcu_read_unlock();
	return pos;
}

/*
 * Restart gives the pty back to every process of its session: each one
 * must have it now (none dropped it with TIOCNOTTY).  Only the pointer is
 * compared.
 */
static int ckpt_tty_check_session(struct ckpt_ctx *ctx, unsigned int fd,
				  struct tty_struct *slave, struct pid *session)
{
	struct tty_struct *ctty;
	struct task_struct *t;
	unsigned long flags;
	bool in;
	int i;

	for (i = 0; i < ctx->nr_tasks; i++) {
		t = ctx->tasks[i];
		if (ctx->pids[i].flags & CKPT_TASK_ZOMBIE)
			continue;
		rcu_read_lock();
		in = task_session(t) == session;
		rcu_read_unlock();
		if (!in || !lock_task_sighand(t, &flags))
			continue;
		ctty = t->signal->tty;
		unlock_task_sighand(t, &flags);
		if (ctty != slave)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"fd %u: pty %s is the controlling terminal of session %d, but pid %d of that session has none or another (TIOCNOTTY?): not supported",
					fd, slave->name, ctx->pids[i].sid,
					ctx->pids[i].pid);
	}
	return 0;
}

/* The unread input of one side, peeked (n_tty only). */
static int ckpt_tty_peek(struct ckpt_ctx *ctx, unsigned int fd,
			 struct tty_struct *tty, u32 side,
			 struct ckpt_hdr_tty_data *hd, u8 *data)
{
	unsigned long *eol;
	struct tty_ldisc *ld;
	size_t canon = 0;
	u32 i;
	int n;

	eol = bitmap_zalloc(CKPT_TTY_BUF, GFP_KERNEL);
	if (!eol)
		return ckpt_tty_nomem(ctx);
	ld = tty_ldisc_ref(tty);
	if (!ld) {
		bitmap_free(eol);
		return ckpt_err(ctx, -EBUSY,
				"fd %u: pty %s: no line discipline (changing or hung up)",
				fd, tty->name);
	}
	n = n_tty_ckpt_peek(tty, data, eol, &canon);
	tty_ldisc_deref(ld);
	if (n < 0) {
		bitmap_free(eol);
		return ckpt_err(ctx, n == -EOPNOTSUPP ? -EOPNOTSUPP : -EBUSY,
				"fd %u: pty %s: %s", fd, tty->name,
				n == -EOPNOTSUPP ?
				"line discipline other than n_tty not supported" :
				"echoes or a literal-next (^V) pending, try again");
	}
	memset(hd, 0, sizeof(*hd));
	hd->side = side;
	hd->len = n;
	hd->canon_len = canon;
	for (i = 0; i < n; i++)
		if (test_bit(i, eol))
			hd->eol[i / 8] |= 1 << (i % 8);
	bitmap_free(eol);
	return 0;
}

/* TTY and its two TTY_DATA records, for the pair of master. */
static int ckpt_write_tty(struct ckpt_ctx *ctx, unsigned int fd,
			  struct tty_struct *master, u32 objref)
{
	struct tty_struct *slave = master->link;
	struct ckpt_hdr_tty_data *hd = NULL;
	struct ckpt_hdr_tty ht;
	struct pid *session, *pgrp;
	u8 *data = NULL;
	unsigned long flags;
	int ret, side;

	memset(&ht, 0, sizeof(ht));
	ht.objref = objref;
	ht.index = master->index;
	if (ht.index >= CKPT_TTY_INDEX_MAX)
		return ckpt_err(ctx, -EOPNOTSUPP, "fd %u: pty index %u too large",
				fd, ht.index);
	if (test_bit(TTY_HUPPED, &slave->flags) ||
	    test_bit(TTY_HUPPING, &slave->flags))
		return ckpt_err(ctx, -EOPNOTSUPP, "fd %u: pty %s was hung up",
				fd, slave->name);
	if (slave->flow.stopped || slave->flow.tco_stopped ||
	    master->flow.stopped || master->flow.tco_stopped)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: pty %s: output stopped (^S or TCOOFF) not supported yet",
				fd, slave->name);
	spin_lock_irqsave(&master->ctrl.lock, flags);
	session = master->ctrl.session;
	spin_unlock_irqrestore(&master->ctrl.lock, flags);
	if (session)	/* compared, never dereferenced */
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: a pty master as controlling terminal not supported",
				fd);

	ckpt_tty_termios_get(slave, &ht.termios[0]);
	ckpt_tty_termios_get(master, &ht.termios[1]);
	if (ht.termios[0].c_line != N_TTY || ht.termios[1].c_line != N_TTY)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: pty %s: line discipline other than n_tty not supported",
				fd, slave->name);
	mutex_lock(&slave->winsize_mutex);
	ht.ws_row = slave->winsize.ws_row;
	ht.ws_col = slave->winsize.ws_col;
	ht.ws_xpixel = slave->winsize.ws_xpixel;
	ht.ws_ypixel = slave->winsize.ws_ypixel;
	mutex_unlock(&slave->winsize_mutex);

	if (test_bit(TTY_PTY_LOCK, &master->flags))
		ht.flags |= CKPT_TTY_LOCKED;
	if (test_bit(TTY_OTHER_CLOSED, &master->flags))
		ht.flags |= CKPT_TTY_SLAVE_CLOSED;
	spin_lock_irqsave(&master->ctrl.lock, flags);
	if (master->ctrl.packet) {
		ht.flags |= CKPT_TTY_PACKET;
		ht.pktstatus = master->ctrl.pktstatus;
	}
	spin_unlock_irqrestore(&master->ctrl.lock, flags);

	spin_lock_irqsave(&slave->ctrl.lock, flags);
	session = get_pid(slave->ctrl.session);
	pgrp = get_pid(slave->ctrl.pgrp);
	spin_unlock_irqrestore(&slave->ctrl.lock, flags);
	ret = 0;
	if (session) {
		ht.session = ckpt_tty_tree_pos(ctx, session, PIDTYPE_PID);
		if (!ht.session)
			ret = ckpt_err(ctx, -EBUSY,
				       "fd %u: pty %s is the controlling terminal of session %d, whose leader is outside the tree",
				       fd, slave->name, pid_vnr(session));
	}
	if (!ret && pgrp && session) {
		ht.fg_pgrp = ckpt_tty_tree_pos(ctx, pgrp, PIDTYPE_PGID);
		if (!ht.fg_pgrp)
			ret = ckpt_err(ctx, -EBUSY,
				       "fd %u: pty %s: its foreground process group %d has no task in the tree",
				       fd, slave->name, pid_vnr(pgrp));
	}
	if (!ret && session)
		ret = ckpt_tty_check_session(ctx, fd, slave, session);
	put_pid(session);
	put_pid(pgrp);
	if (ret)
		return ret;

	/* input on its way to a line discipline gets there first */
	if (tty_buffer_ckpt_pending(slave->port) ||
	    tty_buffer_ckpt_pending(master->port))
		return ckpt_err(ctx, -EBUSY,
				"fd %u: pty %s: more unread input than its line discipline holds (%u bytes), not supported",
				fd, slave->name, CKPT_TTY_BUF);

	hd = kmalloc(sizeof(*hd), GFP_KERNEL);
	data = kmalloc(CKPT_TTY_BUF * 2, GFP_KERNEL);
	if (!hd || !data) {
		ret = ckpt_tty_nomem(ctx);
		goto out;
	}
	ret = ckpt_write_record(ctx, CKPT_HDR_TTY, &ht, sizeof(ht));
	for (side = 0; !ret && side < 2; side++) {
		ret = ckpt_tty_peek(ctx, fd, side ? master : slave, side, hd,
				    data);
		if (!ret)
			ret = ckpt_write_record_payload(ctx, CKPT_HDR_TTY_DATA,
							hd, sizeof(*hd), data,
							hd->len);
	}
out:
	kfree(hd);
	kfree(data);
	return ret;
}

int checkpoint_tty_file(struct ckpt_ctx *ctx, unsigned int fd,
			struct file *file, struct ckpt_hdr_file *hf, char *buf,
			char **path)
{
	struct tty_struct *tty = ckpt_pty_of(file), *master;
	unsigned int f_flags = file->f_flags & ~CKPT_TTY_FILE_IGNORED;
	struct ckpt_tty_seen *ts;
	struct ckpt_obj *obj;
	bool is_master;
	int ret;

	if (!tty)
		return ckpt_err(ctx, -EINVAL, "fd %u: not a pty", fd);
	is_master = tty->driver->subtype == PTY_TYPE_MASTER;
	master = is_master ? tty : tty->link;
	if (!ckpt_pty_own_node(file, tty))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: %pD names pty %s (the controlling terminal): not supported yet, reopened by path it would name another terminal",
				fd, file, tty->name);
	if (f_flags & ~CKPT_TTY_FILE_FLAGS)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: pty %s with flags %#o (O_ASYNC?) not supported yet",
				fd, tty->name, f_flags & ~CKPT_TTY_FILE_FLAGS);
	if (is_master && (f_flags & O_ACCMODE) != O_RDWR)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: pty master not opened read-write not supported",
				fd);

	obj = ckpt_obj_find_ptr(ctx, master);
	if (obj && obj->type != CKPT_OBJ_TTY)
		return ckpt_err(ctx, -EINVAL, "fd %u: pty object clash", fd);
	if (!obj) {
		ts = kzalloc(sizeof(*ts), GFP_KERNEL_ACCOUNT);
		if (!ts)
			return ckpt_tty_nomem(ctx);
		ts->master = tty_kref_get(master);
		ts->fd = fd;
		list_add_tail(&ts->list, &ctx->ttys);
		/* ctx->ttys holds the reference: nothing to drop here */
		obj = ckpt_obj_add_ptr(ctx, CKPT_OBJ_TTY, master, NULL);
		if (IS_ERR(obj))	/* logged */
			return PTR_ERR(obj);
		ret = ckpt_write_tty(ctx, fd, master, obj->objref);
		if (ret)
			return ret;
	}

	hf->kind = CKPT_FILE_TTY;
	hf->f_flags = f_flags;
	hf->mode = file_inode(file)->i_mode;
	hf->rdev = new_encode_dev(file_inode(file)->i_rdev);
	hf->obj_ref = obj->objref;
	return 0;
}

/* Every open file of one side of a pty must be an open file of the tree. */
static int ckpt_tty_check_side(struct ckpt_ctx *ctx, struct ckpt_tty_seen *ts,
			       struct tty_struct *tty)
{
	const char *side = tty == ts->master ? "master" : "slave";
	struct tty_file_private *priv;
	struct file *outside = NULL;
	struct ckpt_obj *obj;
	bool found = false;

	spin_lock(&tty->files_lock);
	list_for_each_entry(priv, &tty->tty_files, list) {
		obj = ckpt_obj_find_ptr(ctx, priv->file);
		if (!obj || obj->type != CKPT_OBJ_FILE) {
			found = true;
			/* not when it is being closed already */
			if (get_file_rcu(priv->file))
				outside = priv->file;
			break;
		}
	}
	spin_unlock(&tty->files_lock);
	if (!found)
		return 0;
	if (!outside)
		return ckpt_err(ctx, -EBUSY,
				"fd %u: pty %s: its %s is also open outside the tree (a file being closed)",
				ts->fd, ts->master->link->name, side);
	ckpt_err(ctx, -EBUSY,
		 "fd %u: pty %s: its %s is also open outside the tree (%pD)",
		 ts->fd, ts->master->link->name, side, outside);
	fput(outside);
	return -EBUSY;
}

int checkpoint_tty_check(struct ckpt_ctx *ctx)
{
	struct ckpt_tty_seen *ts;
	int ret = 0;

	if (ctx->is_restart)
		return 0;
	list_for_each_entry(ts, &ctx->ttys, list) {
		ret = ckpt_tty_check_side(ctx, ts, ts->master);
		if (!ret)
			ret = ckpt_tty_check_side(ctx, ts, ts->master->link);
		if (ret)
			break;
	}
	return ret;
}

/* ------------------------------------------------------------ restart */

static void ckpt_rst_tty_free(struct kref *kref)
{
	struct ckpt_rst_tty *rt = container_of(kref, struct ckpt_rst_tty, kref);

	if (rt->master)
		fput(rt->master);
	kfree(rt);
}

/* The object table's reference. */
static void ckpt_release_rst_tty(void *ptr)
{
	struct ckpt_rst_tty *rt = ptr;

	kref_put(&rt->kref, ckpt_rst_tty_free);
}

void ckpt_tty_free(struct ckpt_ctx *ctx)
{
	struct ckpt_tty_seen *ts, *tn;
	struct ckpt_rst_tty *rt, *rn;

	if (!ctx->is_restart) {
		list_for_each_entry_safe(ts, tn, &ctx->ttys, list) {
			list_del(&ts->list);
			tty_kref_put(ts->master);
			kfree(ts);
		}
		return;
	}
	list_for_each_entry_safe(rt, rn, &ctx->ttys, list) {
		list_del(&rt->list);
		kref_put(&rt->kref, ckpt_rst_tty_free);
	}
}

static bool restore_termios_valid(const struct ckpt_tty_termios *t)
{
	return !t->pad && t->c_line == N_TTY;
}

static int restore_termios(struct tty_struct *tty,
			   const struct ckpt_tty_termios *t)
{
	struct ktermios kt;

	down_read(&tty->termios_rwsem);
	kt = tty->termios;
	up_read(&tty->termios_rwsem);
	kt.c_iflag = t->c_iflag;
	kt.c_oflag = t->c_oflag;
	kt.c_cflag = t->c_cflag;
	kt.c_lflag = t->c_lflag;
	kt.c_ispeed = t->c_ispeed;
	kt.c_ospeed = t->c_ospeed;
	memcpy(kt.c_cc, t->c_cc, sizeof(kt.c_cc));
	/* what TCSETS makes of them (set_termios() in tty_ioctl.c) */
	kt.c_ispeed = tty_termios_input_baud_rate(&kt);
	kt.c_ospeed = tty_termios_baud_rate(&kt);
	return tty_set_termios(tty, &kt);
}

/* One TTY_DATA record into the read buffer of tty. */
static int restore_tty_data(struct ckpt_ctx *ctx, struct ckpt_rst_tty *rt,
			    struct tty_struct *tty, u32 side, bool icanon)
{
	struct ckpt_hdr_tty_data *hd;
	unsigned long *eol = NULL;
	struct tty_ldisc *ld;
	u32 len, i, last = 0;
	bool any = false;
	int ret;

	hd = ckpt_read_record_alloc(ctx, CKPT_HDR_TTY_DATA, sizeof(*hd),
				    sizeof(*hd) + CKPT_TTY_BUF, &len);
	if (IS_ERR(hd))
		return PTR_ERR(hd);
	ret = -EINVAL;
	if (hd->side != side || hd->pad || hd->len > CKPT_TTY_BUF ||
	    len != sizeof(*hd) + hd->len || hd->canon_len > hd->len) {
		ckpt_err(ctx, ret, "pty %u: bad data record (side %u)",
			 rt->objref, side);
		goto out;
	}
	eol = bitmap_zalloc(CKPT_TTY_BUF, GFP_KERNEL_ACCOUNT);
	if (!eol) {
		ret = ckpt_tty_nomem(ctx);
		goto out;
	}
	for (i = 0; i < CKPT_TTY_BUF; i++) {
		if (!(hd->eol[i / 8] & (1 << (i % 8))))
			continue;
		set_bit(i, eol);
		any = true;
		last = i;
	}
	/* line ends only in canonical mode, the last one ends the lines */
	if ((!icanon && (any || hd->canon_len)) ||
	    (icanon && (any != !!hd->canon_len ||
			(any && last + 1 != hd->canon_len)))) {
		ckpt_err(ctx, ret, "pty %u: bad line ends (side %u)",
			 rt->objref, side);
		goto out;
	}
	ld = tty_ldisc_ref(tty);
	if (!ld) {
		ret = ckpt_err(ctx, -EIO, "pty %u: no line discipline",
			       rt->objref);
		goto out;
	}
	ret = n_tty_ckpt_fill(tty, (const u8 *)(hd + 1), hd->len, eol,
			      hd->canon_len);
	tty_ldisc_deref(ld);
	if (ret)
		ckpt_err(ctx, ret, "pty %u: refilling its input failed (side %u)",
			 rt->objref, side);
out:
	bitmap_free(eol);
	kvfree(hd);
	return ret;
}

/* /dev/ptmx of the restorer, opened as open(2) would (no fsnotify). */
static struct file *restore_open_ptmx(struct ckpt_ctx *ctx, u32 objref,
				      u32 index)
{
	struct inode *inode;
	struct file *file;
	struct path path;
	int ret;

	ret = kern_path("/dev/ptmx", LOOKUP_FOLLOW, &path);
	if (ret)
		return ERR_PTR(ckpt_err(ctx, ret, "pty %u: /dev/ptmx: lookup failed",
					objref));
	inode = d_inode(path.dentry);
	ret = -ENODEV;
	if (!S_ISCHR(inode->i_mode) || inode->i_rdev != CKPT_PTMX_DEV) {
		ckpt_err(ctx, ret, "pty %u: /dev/ptmx is not the ptmx device",
			 objref);
		goto out;
	}
	ret = -EACCES;
	if ((path.mnt->mnt_flags & MNT_NODEV) ||
	    (path.mnt->mnt_sb->s_iflags & SB_I_NODEV)) {
		ckpt_err(ctx, ret, "pty %u: /dev/ptmx is on a nodev mount",
			 objref);
		goto out;
	}
	ret = inode_permission(mnt_user_ns(path.mnt), inode,
			       MAY_OPEN | MAY_READ | MAY_WRITE);
	if (ret) {
		ckpt_err(ctx, ret, "pty %u: the restored task may not open /dev/ptmx",
			 objref);
		goto out;
	}
	file = ptmx_open_index(&path, O_RDWR | O_NOCTTY | O_LARGEFILE, index);
	path_put(&path);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		if (ret == -ENOSPC)
			ckpt_err(ctx, ret, "pty %u: pts %u is in use in the restorer's devpts (or beyond its max, or no pty left): refused, the program keeps its tty name",
				 objref, index);
		else
			ckpt_err(ctx, ret, "pty %u: opening /dev/ptmx failed",
				 objref);
	}
	return file;
out:
	path_put(&path);
	return ERR_PTR(ret);
}

/* TTY + 2 TTY_DATA: a new pty pair with the saved state. */
int restore_tty_obj(struct ckpt_ctx *ctx)
{
	struct tty_struct *master, *slave;
	struct ckpt_rst_tty *rt;
	struct ckpt_tty_termios mt;
	struct ckpt_hdr_tty ht;
	struct winsize ws;
	unsigned long flags;
	int ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_TTY, &ht, sizeof(ht), sizeof(ht));
	if (ret < 0)
		return ret;
	if (ht.index >= CKPT_TTY_INDEX_MAX || (ht.flags & ~CKPT_TTY_FLAGS) ||
	    ht.session > ctx->nr_tasks || ht.fg_pgrp > ctx->nr_tasks ||
	    (ht.fg_pgrp && !ht.session) || ht.pktstatus > 0xff ||
	    (ht.pktstatus && !(ht.flags & CKPT_TTY_PACKET)) ||
	    !restore_termios_valid(&ht.termios[0]) ||
	    !restore_termios_valid(&ht.termios[1]))
		return ckpt_err(ctx, -EINVAL, "pty %u: bad record", ht.objref);
	if (ckpt_obj_find_ref(ctx, CKPT_OBJ_TTY, ht.objref))
		return ckpt_err(ctx, -EINVAL, "pty %u: defined twice",
				ht.objref);
	/* a session leader's terminal, a group of that session in front */
	if (ht.session &&
	    !(ctx->pids[ht.session - 1].flags & CKPT_TASK_SESSION_LEADER))
		return ckpt_err(ctx, -EINVAL,
				"pty %u: the controlling terminal of TREE entry %u, which leads no session",
				ht.objref, ht.session - 1);
	if (ht.fg_pgrp &&
	    ctx->pids[ht.fg_pgrp - 1].sid != ctx->pids[ht.session - 1].pid)
		return ckpt_err(ctx, -EINVAL,
				"pty %u: its foreground group (TREE entry %u) is not in its session",
				ht.objref, ht.fg_pgrp - 1);

	rt = kzalloc(sizeof(*rt), GFP_KERNEL_ACCOUNT);
	if (!rt)
		return ckpt_tty_nomem(ctx);
	kref_init(&rt->kref);
	rt->objref = ht.objref;
	rt->index = ht.index;
	rt->flags = ht.flags;
	rt->session = ht.session;
	rt->fg_pgrp = ht.fg_pgrp;
	/* from here the object table owns rt, the list a second reference */
	ret = ckpt_obj_add_ref(ctx, CKPT_OBJ_TTY, ht.objref, rt,
			       ckpt_release_rst_tty);
	if (ret)	/* logged */
		return ret;
	kref_get(&rt->kref);
	list_add_tail(&rt->list, &ctx->ttys);

	rt->master = restore_open_ptmx(ctx, ht.objref, ht.index);
	if (IS_ERR(rt->master)) {
		ret = PTR_ERR(rt->master);
		rt->master = NULL;
		return ret;
	}
	master = tty_of_file(rt->master);
	if (!master || master->index != ht.index || !master->link)
		return ckpt_err(ctx, -EIO, "pty %u: got another pty", ht.objref);
	slave = master->link;

	/* the master's termios are the driver's: termios ioctls set the slave's */
	ckpt_tty_termios_get(master, &mt);
	if (memcmp(&mt, &ht.termios[1], sizeof(mt)))
		return ckpt_err(ctx, -EINVAL, "pty %u: master termios other than the driver's",
				ht.objref);
	ret = restore_termios(slave, &ht.termios[0]);
	if (ret)
		return ckpt_err(ctx, ret, "pty %u: setting its termios failed",
				ht.objref);
	memset(&ws, 0, sizeof(ws));
	ws.ws_row = ht.ws_row;
	ws.ws_col = ht.ws_col;
	ws.ws_xpixel = ht.ws_xpixel;
	ws.ws_ypixel = ht.ws_ypixel;
	ret = tty_do_resize(slave, &ws);
	if (ret)
		return ckpt_err(ctx, ret, "pty %u: setting its window size failed",
				ht.objref);

	ret = restore_tty_data(ctx, rt, slave, 0,
			       ht.termios[0].c_lflag & ICANON);
	if (!ret)
		ret = restore_tty_data(ctx, rt, master, 1,
				       ht.termios[1].c_lflag & ICANON);
	if (ret)
		return ret;

	/* ptmx_open() locked the slave: unlockpt() unless saved locked */
	if (!(ht.flags & CKPT_TTY_LOCKED))
		clear_bit(TTY_PTY_LOCK, &master->flags);
	if (ht.flags & CKPT_TTY_SLAVE_CLOSED)
		set_bit(TTY_OTHER_CLOSED, &master->flags);
	spin_lock_irqsave(&master->ctrl.lock, flags);
	master->ctrl.packet = ht.flags & CKPT_TTY_PACKET;
	master->ctrl.pktstatus = ht.pktstatus;
	spin_unlock_irqrestore(&master->ctrl.lock, flags);
	return 0;
}

/*
 * A slave is opened from the master, as TIOCGPTPEER does: the task that
 * restored the master (its credentials opened it) may, any other needs
 * the rights open(2) of the new /dev/pts/N would check.
 */
static int restore_pts_may_open(struct ckpt_rst_tty *rt, struct file *file)
{
	unsigned int acc = 0;

	if (rt->master->f_cred == current_cred())
		return 0;
	if (file->f_mode & FMODE_READ)
		acc |= MAY_READ;
	if (file->f_mode & FMODE_WRITE)
		acc |= MAY_WRITE;
	if ((file->f_path.mnt->mnt_flags & MNT_NODEV) ||
	    (file->f_path.mnt->mnt_sb->s_iflags & SB_I_NODEV))
		return -EACCES;
	return inode_permission(file_mnt_user_ns(file), file_inode(file),
				MAY_OPEN | acc);
}

/* One side of a restored pty: the master once, any number of slaves. */
struct file *restore_tty_file(struct ckpt_ctx *ctx,
			      const struct ckpt_hdr_file *hf, const char *path)
{
	struct tty_struct *master;
	struct ckpt_rst_tty *rt;
	struct file *file;
	bool is_master;
	dev_t dev;
	int ret;

	rt = ckpt_obj_find_ref(ctx, CKPT_OBJ_TTY, hf->obj_ref);
	if (!rt || !rt->master) {
		ckpt_err(ctx, -EINVAL, "file %u: unknown pty %u", hf->objref,
			 hf->obj_ref);
		return ERR_PTR(-EINVAL);
	}
	dev = hf->rdev <= U32_MAX ? new_decode_dev((u32)hf->rdev) : 0;
	is_master = dev == CKPT_PTMX_DEV;
	if ((hf->mode & S_IFMT) != S_IFCHR || hf->pos || hf->path_len ||
	    (hf->f_flags & ~CKPT_TTY_FILE_FLAGS) ||
	    (hf->f_flags & O_ACCMODE) == O_ACCMODE ||
	    (!is_master && dev != ckpt_pts_dev(rt->index)) ||
	    (is_master && (hf->f_flags & O_ACCMODE) != O_RDWR) ||
	    (rt->flags & CKPT_TTY_SLAVE_CLOSED && !is_master)) {
		ckpt_err(ctx, -EINVAL, "file %u: bad pty file", hf->objref);
		return ERR_PTR(-EINVAL);
	}
	master = tty_of_file(rt->master);
	if (is_master) {
		if (rt->master_used) {
			ckpt_err(ctx, -EINVAL, "file %u: pty %u master used twice",
				 hf->objref, hf->obj_ref);
			return ERR_PTR(-EINVAL);
		}
		rt->master_used = true;
		ckpt_set_file_flags(rt->master, hf->f_flags);
		return get_file(rt->master);
	}

	/* a slave saved locked (TIOCSPTLCK after its open) opens all the same */
	if (rt->flags & CKPT_TTY_LOCKED)
		clear_bit(TTY_PTY_LOCK, &master->flags);
	file = ptm_open_peer_file(rt->master, master, hf->f_flags | O_NOCTTY);
	if (rt->flags & CKPT_TTY_LOCKED)
		set_bit(TTY_PTY_LOCK, &master->flags);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "file %u: opening pts %u failed",
			 hf->objref, rt->index);
		return file;
	}
	ret = restore_pts_may_open(rt, file);
	if (ret) {
		fput(file);
		ckpt_err(ctx, ret, "file %u: the restored task may not open pts %u (flags %#o)",
			 hf->objref, rt->index, hf->f_flags);
		return ERR_PTR(ret);
	}
	return file;
}

/*
 * resume_shared: a process of a session whose controlling terminal was a
 * restored pty gets it back; the first one sets the foreground group.
 */
int restore_tty_ctty(struct ckpt_ctx *ctx, struct ckpt_rst_task *task)
{
	struct ckpt_rst_tty *rt;
	struct task_struct *t;
	struct pid *fg;
	int ret;

	list_for_each_entry(rt, &ctx->ttys, list) {
		struct tty_struct *master;

		if (!rt->session || !rt->master ||
		    task_session(current) != ctx->task_pids[rt->session - 1])
			continue;
		master = tty_of_file(rt->master);
		if (!master)
			continue;
		fg = NULL;
		if (rt->fg_pgrp) {
			rcu_read_lock();
			t = pid_task(ctx->task_pids[rt->fg_pgrp - 1],
				     PIDTYPE_PID);
			if (t && task_session(t) == task_session(current))
				fg = get_pid(task_pgrp(t));
			rcu_read_unlock();
			if (!fg)
				return ckpt_err(ctx, -EINVAL,
						"pty %u: its foreground group is not in its session",
						rt->objref);
		}
		ret = tty_restore_ctty(master->link, fg);
		put_pid(fg);
		if (ret)
			return ckpt_err(ctx, ret,
					"pty %u: pts %u is the controlling terminal of another session",
					rt->objref, rt->index);
	}
	return 0;
}
