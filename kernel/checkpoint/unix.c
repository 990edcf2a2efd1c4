// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: AF_UNIX sockets (records UNIX, UNIX_SKB; file kind CKPT_FILE_UNIX).
 *
 * Saved: unconnected sockets, bound (abstract or path names) or not,
 * listening with no connection waiting or not, and connected unbound
 * pairs whose two sockets are both held by the tree (socketpair(),
 * SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET), with the messages queued in
 * each direction (in
 * order, datagram boundaries kept, the unread rest of a partly read stream
 * message), the credentials each message carries, the shutdown state of
 * each side, SO_PASSCRED, SO_SNDBUF and SO_RCVBUF when they were set, and
 * the file's O_NONBLOCK.  Refused with a reason: other families, bound
 * connected sockets (connect/accept), a listener with connections not yet
 * accepted, messages queued on an unconnected socket, a peer outside the
 * tree or already closed, a dgram socket connected one way, file
 * descriptors in flight (SCM_RIGHTS), an out-of-band byte (MSG_OOB),
 * SO_PEEK_OFF.
 *
 * Checkpoint copies the queue without consuming it: the skbs are walked
 * under the receive queue lock into a buffer allocated beforehand (a first
 * walk counts them), and written after the lock is dropped.  A pair is
 * written when its first socket is met: both UNIX records, each followed
 * by its queue.  Every socket written must have its own file met in the
 * tree's fd tables (checkpoint_unix_check(), after every task is saved):
 * a peer held outside is refused, named by its address.
 *
 * Restart creates the pair with socketpair() (sock_create() with the
 * restored task's rights) at the first record; binds a socket as the
 * restored task (for a path name: a socket inode left at the path that no
 * socket is bound to any more, the killed original's, is unlinked first,
 * with the restored task's rights); and refills each queue by
 * sending every message from the peer (MSG_DONTWAIT), with the saved
 * credentials as SCM_CREDENTIALS: what the restored task may send
 * (scm_check_creds: its own pid unless CAP_SYS_ADMIN, its uids and gids
 * unless CAP_SETUID/CAP_SETGID), so nobody gets credentials forged.  The
 * sender's send buffer is raised while refilling, to at most what the
 * restored task could set itself (SO_SNDBUF up to 2 * wmem_max, or
 * anything with CAP_NET_ADMIN), then put back.  Shutdown and SO_PASSCRED
 * are applied once both queues of the pair are refilled (a shutdown side
 * could not be sent to; SO_PASSCRED would autobind a dgram sender).
 *
 * Locking: checkpoint takes unix_state_lock() to read a peer and the
 * receive queue lock to walk a queue (both spinning, nothing allocated or
 * written under them).  Restart uses the socket calls with their locking.
 */

#include <linux/checkpoint.h>
#include <linux/capability.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/security.h>
#include <linux/sched/signal.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/un.h>
#include <net/af_unix.h>
#include <net/scm.h>
#include <net/sock.h>

/* Status flags of a socket file: O_RDWR always, what F_SETFL may add. */
#define CKPT_SOCK_FLAGS		(O_RDWR | O_NONBLOCK | O_APPEND)

static int ckpt_unix_nomem(struct ckpt_ctx *ctx, const char *what)
{
	return ckpt_err(ctx, -ENOMEM, "no memory for %s", what);
}

/* ------------------------------------------------------------ checkpoint */

static const char *ckpt_family_name(int family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	case AF_NETLINK:
		return "netlink";
	case AF_PACKET:
		return "packet";
	default:
		return "non-unix";
	}
}

static bool ckpt_unix_type_ok(int type)
{
	return type == SOCK_STREAM || type == SOCK_DGRAM ||
	       type == SOCK_SEQPACKET;
}

bool ckpt_unix_can_save(struct file *file)
{
	return S_ISSOCK(file_inode(file)->i_mode) && sock_from_file(file);
}

static void ckpt_unix_release_sk(void *ptr)
{
	sock_put(ptr);
}

/* "@name", "/path" or "an unnamed socket", into buf */
static void ckpt_unix_name(struct sock *sk, char *buf, size_t size)
{
	struct unix_address *addr;
	int len;

	unix_state_lock(sk);
	addr = unix_sk(sk)->addr;
	if (!addr || addr->len <= offsetof(struct sockaddr_un, sun_path)) {
		snprintf(buf, size, "an unnamed socket");
	} else {
		len = addr->len - offsetof(struct sockaddr_un, sun_path);
		if (addr->name->sun_path[0])
			snprintf(buf, size, "%.*s", len, addr->name->sun_path);
		else
			snprintf(buf, size, "@%*pE", len - 1,
				 addr->name->sun_path + 1);
	}
	unix_state_unlock(sk);
}

/*
 * sk is bound to an abstract name of its own (bind() or autobind), not
 * one inherited from a listener by accept(): only a name's owner is
 * hashed by it (an abstract hash is above UNIX_HASH_MOD, an unbound one
 * not).  Called under unix_state_lock(sk).
 */
static bool ckpt_unix_owns_abstract(struct sock *sk)
{
	struct unix_address *addr = unix_sk(sk)->addr;

	return addr && addr->len > offsetof(struct sockaddr_un, sun_path) &&
	       !addr->name->sun_path[0] && sk->sk_hash > UNIX_HASH_MOD;
}

/* What a socket of the tree may be (its own file being saved). */
static int ckpt_unix_check_self(struct ckpt_ctx *ctx, unsigned int fd,
				struct sock *sk)
{
	struct unix_sock *u = unix_sk(sk);
	bool bound, peer, own;
	char name[64];
	u32 waiting;

	if (!ckpt_unix_type_ok(sk->sk_type))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: unix socket of type %d not supported",
				fd, sk->sk_type);
	unix_state_lock(sk);
	bound = u->addr;
	peer = u->peer;
	own = ckpt_unix_owns_abstract(sk);
	unix_state_unlock(sk);
	if (!bound)
		return 0;
	ckpt_unix_name(sk, name, sizeof(name));
	/* a pair's socket may have an abstract name (SO_PASSCRED autobinds) */
	if (peer && !own)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: unix socket %s is connected (connect/accept): bound connected unix sockets not supported yet",
				fd, name);
	waiting = skb_queue_len_lockless(&sk->sk_receive_queue);
	if (READ_ONCE(sk->sk_state) == TCP_LISTEN && waiting)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: listening unix socket %s has %u connections not yet accepted: not supported yet",
				fd, name, waiting);
	return 0;
}

/* One queued message, as copied under the queue lock. */
struct ckpt_unix_msg {
	u32 len;
	u32 flags;
	s32 pid;
	u32 uid, gid;
};

/*
 * Walk sk's receive queue under its lock.  Without msgs, count the
 * messages and bytes (and check them); with them, copy them out (the
 * counts must not have changed).
 */
static int ckpt_unix_walk(struct ckpt_ctx *ctx, struct sock *sk,
			  struct sock *peer, u32 *nr, u64 *bytes,
			  struct ckpt_unix_msg *msgs, char *data,
			  const char **why)
{
	struct user_namespace *ns = current_user_ns();
	struct sk_buff_head *q = &sk->sk_receive_queue;
	struct sk_buff *skb;
	u64 total = 0;
	u32 n = 0;
	int ret = 0;

	spin_lock(&q->lock);
	skb_queue_walk(q, skb) {
		u32 off = sk->sk_type == SOCK_STREAM ? UNIXCB(skb).consumed : 0;
		u32 len;

		if (UNIXCB(skb).fp) {
			*why = "file descriptors in flight (SCM_RIGHTS) not supported yet";
			ret = -EOPNOTSUPP;
			break;
		}
		if (skb->sk != peer) {
			*why = "a message from another socket than its peer: not supported yet";
			ret = -EOPNOTSUPP;
			break;
		}
		if (off > skb->len) {
			*why = "a queued message consumed past its end";
			ret = -EINVAL;
			break;
		}
		len = skb->len - off;
		/*
		 * a stream's skb read to its end stays queued after
		 * recv(MSG_OOB) took its byte, until the next read drops
		 * it: nothing to read, not saved
		 */
		if (!len && sk->sk_type == SOCK_STREAM)
			continue;
		if (len > CKPT_UNIX_SKB_MAX) {
			*why = "a queued message larger than CKPT_UNIX_SKB_MAX not supported";
			ret = -EOPNOTSUPP;
			break;
		}
		if (msgs) {
			struct ckpt_unix_msg *m = &msgs[n];
			struct pid *pid = UNIXCB(skb).pid;

			if (n >= *nr || total + len > *bytes) {
				ret = -EAGAIN;
				break;
			}
			m->len = len;
			m->flags = 0;
			m->pid = 0;
			m->uid = 0;
			m->gid = 0;
			if (pid) {
				m->flags = CKPT_UNIX_SKB_CREDS;
				m->pid = pid_nr_ns(pid, ctx->pid_ns);
				m->uid = from_kuid_munged(ns, UNIXCB(skb).uid);
				m->gid = from_kgid_munged(ns, UNIXCB(skb).gid);
			}
			if (len && skb_copy_bits(skb, off, data + total, len)) {
				*why = "copying a queued message failed";
				ret = -EFAULT;
				break;
			}
		}
		n++;
		total += len;
		if (n > CKPT_UNIX_SKBS_MAX || total > CKPT_UNIX_QUEUE_MAX) {
			*why = "more queued messages or bytes than supported";
			ret = -EOPNOTSUPP;
			break;
		}
	}
	spin_unlock(&q->lock);
	if (ret == -EAGAIN || (!ret && msgs && (n != *nr || total != *bytes))) {
		*why = "the queue changed while being saved";
		return -EAGAIN;
	}
	*nr = n;
	*bytes = total;
	return ret;
}

/* The UNIX record of sk and its queue. */
/*
 * The name of an unconnected socket, in buf (CKPT_UNIX_ADDR_MAX bytes):
 * an abstract one as bound, a path one as the path of the socket inode
 * from the checkpointer's root (it must lead back to it).  Returns its
 * length, 0 if unbound.
 */
static int ckpt_unix_addr(struct ckpt_ctx *ctx, unsigned int fd,
			  struct sock *sk, char *buf)
{
	struct unix_sock *u = unix_sk(sk);
	struct unix_address *addr;
	struct path path = {};
	char *pbuf, *p, what[16];
	int len = 0;

	unix_state_lock(sk);
	addr = u->addr;
	if (addr && addr->len > offsetof(struct sockaddr_un, sun_path)) {
		len = addr->len - offsetof(struct sockaddr_un, sun_path);
		len = min_t(int, len, CKPT_UNIX_ADDR_MAX);
		memcpy(buf, addr->name->sun_path, len);
		if (buf[0]) {
			path = u->path;
			path_get(&path);
		}
	}
	unix_state_unlock(sk);
	if (!len || !buf[0])
		return len;

	pbuf = __getname();
	if (!pbuf) {
		path_put(&path);
		return ckpt_unix_nomem(ctx, "a path");
	}
	snprintf(what, sizeof(what), "fd %u", fd);
	if (!path.dentry) {
		len = ckpt_err(ctx, -EOPNOTSUPP, "fd %u: unix socket %.*s: no path",
			       fd, len, buf);
		goto out;
	}
	p = ckpt_reachable_path(ctx, &path, pbuf, NULL, what);
	if (IS_ERR(p)) {
		len = PTR_ERR(p);
		goto out;
	}
	len = strlen(p) + 1;
	if (len > CKPT_UNIX_ADDR_MAX) {
		len = ckpt_err(ctx, -EOPNOTSUPP,
			       "fd %u: unix socket bound to %s: a path longer than sun_path",
			       fd, p);
		goto out;
	}
	memcpy(buf, p, len);
out:
	__putname(pbuf);
	path_put(&path);
	return len;
}

static int ckpt_unix_write_one(struct ckpt_ctx *ctx, unsigned int fd,
			       struct sock *sk, struct sock *peer, u32 objref,
			       u32 peer_ref)
{
	char addr[CKPT_UNIX_ADDR_MAX];
	struct ckpt_unix_msg *msgs = NULL;
	struct ckpt_hdr_unix_skb hs;
	struct ckpt_hdr_unix hu;
	struct socket *sock;
	const char *why = NULL;
	char *data = NULL;
	u64 bytes = 0, done;
	u32 nr = 0, i;
	bool own;
	int ret;

	memset(&hu, 0, sizeof(hu));
	hu.objref = objref;
	hu.type = sk->sk_type;
	hu.peer_ref = peer_ref;
	lock_sock(sk);
	sock = sk->sk_socket;
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		hu.flags |= CKPT_UNIX_SHUT_RD;
	if (sk->sk_shutdown & SEND_SHUTDOWN)
		hu.flags |= CKPT_UNIX_SHUT_WR;
	if (sock && test_bit(SOCK_PASSCRED, &sock->flags))
		hu.flags |= CKPT_UNIX_PASSCRED;
	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK) {
		hu.flags |= CKPT_UNIX_SNDBUF_SET;
		hu.sndbuf = sk->sk_sndbuf;
	}
	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK) {
		hu.flags |= CKPT_UNIX_RCVBUF_SET;
		hu.rcvbuf = sk->sk_rcvbuf;
	}
	if (sk->sk_state == TCP_LISTEN) {
		hu.flags |= CKPT_UNIX_LISTEN;
		hu.backlog = READ_ONCE(sk->sk_max_ack_backlog);
	}
	if (sk->sk_peek_off >= 0)
		why = "SO_PEEK_OFF not supported yet";
#if IS_ENABLED(CONFIG_AF_UNIX_OOB)
	if (unix_sk(sk)->oob_skb)
		why = "an out-of-band byte (MSG_OOB) queued: not supported yet";
#endif
	release_sock(sk);
	if (why)
		return ckpt_err(ctx, -EOPNOTSUPP, "fd %u: unix socket: %s", fd,
				why);

	/*
	 * a pair's socket has no name or an abstract one it owns (the
	 * sockets of the tree are checked for it)
	 */
	unix_state_lock(sk);
	own = ckpt_unix_owns_abstract(sk);
	unix_state_unlock(sk);
	if (!peer || own) {
		ret = ckpt_unix_addr(ctx, fd, sk, addr);
		if (ret < 0)
			return ret;
		hu.addr_len = ret;
	}
	if (!peer && skb_queue_len_lockless(&sk->sk_receive_queue))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: unix socket: messages queued on an unconnected socket not supported yet",
				fd);
	if (peer) {
		ret = ckpt_unix_walk(ctx, sk, peer, &nr, &bytes, NULL, NULL,
				     &why);
		if (ret)
			return ckpt_err(ctx, ret, "fd %u: unix socket: %s", fd,
					why);
	}
	if (nr) {
		msgs = kvcalloc(nr, sizeof(*msgs), GFP_KERNEL_ACCOUNT);
		data = kvmalloc(max_t(u64, bytes, 1), GFP_KERNEL_ACCOUNT);
		if (!msgs || !data) {
			ret = ckpt_unix_nomem(ctx, "a socket's queue");
			goto out;
		}
		ret = ckpt_unix_walk(ctx, sk, peer, &nr, &bytes, msgs, data,
				     &why);
		if (ret) {
			ckpt_err(ctx, ret, "fd %u: unix socket: %s", fd, why);
			goto out;
		}
	}
	hu.nr_skbs = nr;
	hu.queued = bytes;
	ret = ckpt_write_record_payload(ctx, CKPT_HDR_UNIX, &hu, sizeof(hu),
					addr, hu.addr_len);
	for (i = 0, done = 0; !ret && i < nr; i++) {
		memset(&hs, 0, sizeof(hs));
		hs.len = msgs[i].len;
		hs.flags = msgs[i].flags;
		hs.pid = msgs[i].pid;
		hs.uid = msgs[i].uid;
		hs.gid = msgs[i].gid;
		ret = ckpt_write_begin(ctx, CKPT_HDR_UNIX_SKB, &hs, sizeof(hs),
				       hs.len);
		if (!ret && hs.len)
			ret = ckpt_write_raw(ctx, data + done, hs.len);
		if (!ret)
			ret = ckpt_write_end(ctx, sizeof(hs) + hs.len);
		done += hs.len;
	}
out:
	kvfree(msgs);
	kvfree(data);
	return ret;
}

/* A new socket object for sk (a reference held by the table). */
static struct ckpt_obj *ckpt_unix_add(struct ckpt_ctx *ctx, struct sock *sk)
{
	struct ckpt_obj *obj;

	sock_hold(sk);
	obj = ckpt_obj_add_ptr(ctx, CKPT_OBJ_SOCK, sk, ckpt_unix_release_sk);
	if (IS_ERR(obj))
		sock_put(sk);
	return obj;
}

/* Write sk (and its peer, if it has one) as new objects. */
static int ckpt_unix_write(struct ckpt_ctx *ctx, unsigned int fd,
			   struct sock *sk, struct ckpt_obj **objp)
{
	struct ckpt_obj *obj, *pobj = NULL;
	struct sock *peer, *back = NULL;
	const char *why = NULL;
	int ret;

	unix_state_lock(sk);
	peer = unix_sk(sk)->peer;
	if (peer)
		sock_hold(peer);
	unix_state_unlock(sk);
	if (peer) {
		unix_state_lock(peer);
		back = unix_sk(peer)->peer;
		if (peer == sk)
			why = "a datagram socket connected to itself not supported yet";
		else if (sock_flag(peer, SOCK_DEAD))
			why = "its peer was closed (a half-closed pair) not supported yet";
		else if (back != sk)
			why = "connected one way (peer not connected back): not supported yet";
		unix_state_unlock(peer);
		if (!why && ckpt_obj_find_ptr(ctx, peer))
			why = "peer already saved (object clash)";
		if (why) {
			ret = ckpt_err(ctx, -EOPNOTSUPP, "fd %u: unix socket: %s",
				       fd, why);
			goto out;
		}
	}

	obj = ckpt_unix_add(ctx, sk);
	if (IS_ERR(obj)) {
		ret = PTR_ERR(obj);
		goto out;
	}
	if (peer) {
		pobj = ckpt_unix_add(ctx, peer);
		if (IS_ERR(pobj)) {
			ret = PTR_ERR(pobj);
			goto out;
		}
	}
	ret = ckpt_unix_write_one(ctx, fd, sk, peer, obj->objref,
				  pobj ? pobj->objref : 0);
	if (!ret && peer)
		ret = ckpt_unix_write_one(ctx, fd, peer, sk, pobj->objref,
					  obj->objref);
	*objp = obj;
out:
	if (peer)
		sock_put(peer);
	return ret;
}

int ckpt_unix_save(struct ckpt_ctx *ctx, unsigned int fd, struct file *file,
		   struct ckpt_hdr_file *hf, char *buf, char **path)
{
	struct socket *sock = sock_from_file(file);
	struct sock *sk = sock ? sock->sk : NULL;
	struct ckpt_obj *obj;
	int ret;

	if (!sk)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: socket without a sock not supported", fd);
	if (sk->sk_family != AF_UNIX)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: %s socket (family %d) not supported",
				fd, ckpt_family_name(sk->sk_family),
				sk->sk_family);
	if (file->f_flags & ~CKPT_SOCK_FLAGS)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: unix socket with flags %#o not supported yet",
				fd, file->f_flags);
	ret = ckpt_unix_check_self(ctx, fd, sk);
	if (ret)
		return ret;

	obj = ckpt_obj_find_ptr(ctx, sk);
	if (obj && obj->type != CKPT_OBJ_SOCK)
		return ckpt_err(ctx, -EINVAL, "fd %u: socket object clash", fd);
	if (!obj) {
		ret = ckpt_unix_write(ctx, fd, sk, &obj);
		if (ret)
			return ret;
	}
	/* its own file is in the tree (checkpoint_unix_check) */
	obj->users++;

	hf->kind = CKPT_FILE_UNIX;
	hf->f_flags = file->f_flags;
	hf->mode = file_inode(file)->i_mode;
	hf->obj_ref = obj->objref;
	return 0;
}

/*
 * Every socket written (a peer of a socket of the tree) has its own file
 * in the tree: a peer held by a process outside is refused, by name.
 */
int checkpoint_unix_check(struct ckpt_ctx *ctx)
{
	struct ckpt_obj *obj;
	char name[64];
	u32 ref;

	for (ref = 1; ref < ctx->next_objref; ref++) {
		obj = ckpt_obj_lookup_ref(ctx, ref);
		if (!obj || obj->type != CKPT_OBJ_SOCK || obj->users)
			continue;
		ckpt_unix_name(obj->ptr, name, sizeof(name));
		return ckpt_err(ctx, -EBUSY,
				"a unix socket of the tree is connected to a peer outside the tree (%s, socket:[%lu]): not supported",
				name, sock_i_ino(obj->ptr));
	}
	return 0;
}

/* ------------------------------------------------------------ restart */

/* A restored socket (CKPT_OBJ_SOCK). */
struct ckpt_rst_sock {
	struct file *file;		/* the socket's file */
	u32 objref;
	u32 peer_ref;			/* the other socket of the pair, or 0 */
	u32 type;
	u32 flags;			/* CKPT_UNIX_*: applied at the end */
	bool defined;			/* its UNIX record was read */
	bool used;			/* claimed by a FILE */
};

static void ckpt_release_rst_sock(void *ptr)
{
	struct ckpt_rst_sock *rs = ptr;

	if (rs->file)
		fput(rs->file);
	kfree(rs);
}

static struct socket *rst_sock(struct ckpt_rst_sock *rs)
{
	return rs->file->private_data;
}

static struct ckpt_rst_sock *restore_unix_new(struct ckpt_ctx *ctx,
					      struct socket *sock, u32 objref,
					      u32 type)
{
	struct ckpt_rst_sock *rs;
	struct file *file;
	int ret;

	rs = kzalloc(sizeof(*rs), GFP_KERNEL_ACCOUNT);
	if (!rs) {
		sock_release(sock);
		return ERR_PTR(ckpt_unix_nomem(ctx, "a socket"));
	}
	/* O_RDWR; the FILE sets the flags */
	file = sock_alloc_file(sock, 0, NULL);	/* releases sock on failure */
	if (IS_ERR(file)) {
		kfree(rs);
		return ERR_PTR(ckpt_err(ctx, PTR_ERR(file),
					"unix socket %u: no file", objref));
	}
	rs->file = file;
	rs->objref = objref;
	rs->type = type;
	ret = ckpt_obj_add_ref(ctx, CKPT_OBJ_SOCK, objref, rs,
			       ckpt_release_rst_sock);
	return ret ? ERR_PTR(ret) : rs;
}

/* socketpair(AF_UNIX, type): both objects, the second not yet defined */
static int restore_unix_pair(struct ckpt_ctx *ctx,
			     const struct ckpt_hdr_unix *hu,
			     struct ckpt_rst_sock **rsp)
{
	struct socket *a = NULL, *b = NULL;
	struct ckpt_rst_sock *ra, *rb;
	int ret;

	ret = sock_create(AF_UNIX, hu->type, 0, &a);
	if (!ret)
		ret = sock_create(AF_UNIX, hu->type, 0, &b);
	if (!ret)
		ret = a->ops->socketpair(a, b);
	if (ret) {
		if (a)
			sock_release(a);
		if (b)
			sock_release(b);
		return ckpt_err(ctx, ret,
				"unix socket %u: socketpair(AF_UNIX, %u) failed",
				hu->objref, hu->type);
	}
	ra = restore_unix_new(ctx, a, hu->objref, hu->type);
	if (IS_ERR(ra)) {
		sock_release(b);
		return PTR_ERR(ra);
	}
	rb = restore_unix_new(ctx, b, hu->peer_ref, hu->type);
	if (IS_ERR(rb))
		return PTR_ERR(rb);
	ra->peer_ref = hu->peer_ref;
	rb->peer_ref = hu->objref;
	*rsp = ra;
	return 0;
}

static int restore_unix_sun(struct sockaddr_un *sun, const char *name,
			    u32 len)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, name, len);
	return offsetof(struct sockaddr_un, sun_path) + len;
}

/*
 * A socket inode at @name that no socket is bound to any more (the killed
 * original's): unlinked, with the restored task's rights.  -EADDRINUSE if
 * it is anything else or in use.
 */
static int restore_unix_stale(struct ckpt_ctx *ctx, u32 objref,
			      const char *name, u32 len)
{
	struct sockaddr_un sun;
	struct socket *probe;
	struct dentry *d;
	struct path parent;
	int alen, ret;

	/* a datagram connect finds the socket bound to the inode, if any */
	alen = restore_unix_sun(&sun, name, len);
	ret = sock_create(AF_UNIX, SOCK_DGRAM, 0, &probe);
	if (ret)
		return ret;
	ret = kernel_connect(probe, (struct sockaddr *)&sun, alen, O_NONBLOCK);
	sock_release(probe);
	if (ret != -ECONNREFUSED)
		return -EADDRINUSE;

	/* the parent; then as do_unlinkat(): write access before its lock */
	d = kern_path_locked(name, &parent);
	if (IS_ERR(d))
		return PTR_ERR(d);
	dput(d);
	inode_unlock(d_inode(parent.dentry));
	ret = mnt_want_write(parent.mnt);
	if (ret)
		goto out;
	inode_lock_nested(d_inode(parent.dentry), I_MUTEX_PARENT);
	d = lookup_one(mnt_user_ns(parent.mnt), kbasename(name),
		       parent.dentry, strlen(kbasename(name)));
	if (IS_ERR(d)) {
		ret = PTR_ERR(d);
	} else {
		ret = -EADDRINUSE;
		if (d_is_positive(d) && S_ISSOCK(d_inode(d)->i_mode)) {
			ret = security_path_unlink(&parent, d);
			if (!ret)
				ret = vfs_unlink(mnt_user_ns(parent.mnt),
						 d_inode(parent.dentry), d, NULL);
		}
		dput(d);
	}
	inode_unlock(d_inode(parent.dentry));
	mnt_drop_write(parent.mnt);
out:
	path_put(&parent);
	if (!ret)
		ckpt_log(ctx, "unix socket %u: removed the stale socket inode at %s",
			 objref, name);
	return ret;
}

/* bind() to the saved name as the restored task; listen() */
static int restore_unix_bind(struct ckpt_ctx *ctx, struct ckpt_rst_sock *rs,
			     const struct ckpt_hdr_unix *hu, const char *name)
{
	struct socket *sock = rst_sock(rs);
	struct sockaddr_un sun;
	int alen, ret;

	alen = restore_unix_sun(&sun, name, hu->addr_len);
	ret = kernel_bind(sock, (struct sockaddr *)&sun, alen);
	if (ret == -EADDRINUSE && name[0] == '/') {
		ret = restore_unix_stale(ctx, hu->objref, name, hu->addr_len);
		if (!ret)
			ret = kernel_bind(sock, (struct sockaddr *)&sun, alen);
	}
	if (ret && name[0])
		return ckpt_err(ctx, ret, "unix socket %u: can not bind it to %s",
				hu->objref, name);
	if (ret)
		return ckpt_err(ctx, ret, "unix socket %u: can not bind it to @%*pE",
				hu->objref, hu->addr_len - 1, name + 1);
	if (hu->flags & CKPT_UNIX_LISTEN) {
		ret = kernel_listen(sock, hu->backlog);
		if (ret)
			return ckpt_err(ctx, ret, "unix socket %u: listen(%u) failed",
					hu->objref, hu->backlog);
	}
	return 0;
}

static int restore_unix_single(struct ckpt_ctx *ctx,
			       const struct ckpt_hdr_unix *hu,
			       const char *name, struct ckpt_rst_sock **rsp)
{
	struct ckpt_rst_sock *rs;
	struct socket *sock;
	int ret;

	ret = sock_create(AF_UNIX, hu->type, 0, &sock);
	if (ret)
		return ckpt_err(ctx, ret,
				"unix socket %u: socket(AF_UNIX, %u) failed",
				hu->objref, hu->type);
	rs = restore_unix_new(ctx, sock, hu->objref, hu->type);
	if (IS_ERR(rs))
		return PTR_ERR(rs);
	*rsp = rs;
	return hu->addr_len ? restore_unix_bind(ctx, rs, hu, name) : 0;
}

static int restore_unix_setopt(struct ckpt_ctx *ctx, struct ckpt_rst_sock *rs,
			       int opt, int val)
{
	int ret = sock_setsockopt(rst_sock(rs), SOL_SOCKET, opt,
				  KERNEL_SOCKPTR(&val), sizeof(val));

	if (ret)
		ckpt_err(ctx, ret, "unix socket %u: setsockopt %d to %d failed",
			 rs->objref, opt, val);
	return ret;
}

/* SO_SNDBUF or SO_RCVBUF as the task would set them (FORCE if capable). */
static int restore_unix_buf(struct ckpt_ctx *ctx, struct ckpt_rst_sock *rs,
			    bool snd, u32 want)
{
	struct sock *sk = rst_sock(rs)->sk;
	u32 max = snd ? READ_ONCE(sysctl_wmem_max) : READ_ONCE(sysctl_rmem_max);
	int opt, ret;
	u32 got;

	if (want > INT_MAX)
		return ckpt_err(ctx, -EINVAL, "unix socket %u: bad buffer size %u",
				rs->objref, want);
	if (want / 2 > max)
		opt = snd ? SO_SNDBUFFORCE : SO_RCVBUFFORCE;
	else
		opt = snd ? SO_SNDBUF : SO_RCVBUF;
	ret = restore_unix_setopt(ctx, rs, opt, want / 2);
	if (ret)
		return ret;
	got = snd ? READ_ONCE(sk->sk_sndbuf) : READ_ONCE(sk->sk_rcvbuf);
	if (got != want)
		return ckpt_err(ctx, -EINVAL,
				"unix socket %u: %s is %u, not the saved %u",
				rs->objref, snd ? "SO_SNDBUF" : "SO_RCVBUF",
				got, want);
	return 0;
}

/* The saved pid of a message's credentials, as the restored tree sees it. */
static pid_t restore_unix_pid(struct ckpt_ctx *ctx, s32 saved)
{
	struct pid *pid = NULL;
	pid_t nr;
	int i;

	for (i = 0; saved > 0 && i < ctx->nr_tasks; i++) {
		if (ctx->pids[i].tgid == saved && ctx->pids[i].pid == saved) {
			pid = ctx->task_pids[i];
			break;
		}
	}
	nr = pid ? pid_vnr(pid) : 0;
	/* a sender that is not (or no longer) a task: the restorer sends */
	return nr ? nr : task_tgid_vnr(current);
}

/* One UNIX_SKB: sent by the peer @from into @rs's queue. */
static int restore_unix_skb(struct ckpt_ctx *ctx, struct ckpt_rst_sock *rs,
			    struct ckpt_rst_sock *from, char *data, u32 *left,
			    u64 *bytes)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct ckpt_hdr_unix_skb hs;
	struct msghdr msg = {};
	struct cmsghdr *cm;
	struct ucred uc;
	struct kvec iov;
	u32 rlen;
	int ret;

	ret = ckpt_read_hdr(ctx, CKPT_HDR_UNIX_SKB, sizeof(hs),
			    sizeof(hs) + CKPT_UNIX_SKB_MAX);
	if (ret < 0)
		return ret;
	rlen = ret;
	ret = ckpt_read_raw(ctx, (char *)&hs + sizeof(hs.h),
			    sizeof(hs) - sizeof(hs.h));
	if (ret)
		return ret;
	if (rlen != sizeof(hs) + hs.len || hs.pad ||
	    (hs.flags & ~CKPT_UNIX_SKB_FLAGS) || hs.len > *bytes ||
	    hs.len > CKPT_UNIX_SKB_MAX ||
	    (!(hs.flags & CKPT_UNIX_SKB_CREDS) && (hs.pid || hs.uid || hs.gid)) ||
	    hs.pid < 0 || (!hs.len && rs->type == SOCK_STREAM) || !*left)
		return ckpt_err(ctx, -EINVAL, "unix socket %u: bad message record",
				rs->objref);
	ret = ckpt_read_raw(ctx, data, hs.len);
	if (!ret)
		ret = ckpt_read_end(ctx, sizeof(hs) + hs.len);
	if (ret)
		return ret;
	(*left)--;
	*bytes -= hs.len;

	if (hs.flags & CKPT_UNIX_SKB_CREDS) {
		memset(cbuf, 0, sizeof(cbuf));
		uc.pid = restore_unix_pid(ctx, hs.pid);
		uc.uid = hs.uid;
		uc.gid = hs.gid;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_CREDENTIALS;
		cm->cmsg_len = CMSG_LEN(sizeof(uc));
		memcpy(CMSG_DATA(cm), &uc, sizeof(uc));
	}
	msg.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
	iov.iov_base = data;
	iov.iov_len = hs.len;
	ret = kernel_sendmsg(rst_sock(from), &msg, &iov, 1, hs.len);
	if (ret == hs.len)
		return 0;
	if (ret == -EPERM || ret == -EINVAL)
		return ckpt_err(ctx, ret,
				"unix socket %u: a queued message's credentials (pid %d uid %u gid %u) are not ones the restored task may send",
				rs->objref, hs.pid, hs.uid, hs.gid);
	return ckpt_err(ctx, ret < 0 ? ret : -EIO,
			"unix socket %u: refilling its queue failed (%u bytes, sent %d): more than the restored task may buffer?",
			rs->objref, hs.len, ret);
}

/* The queue of rs: nr messages of bytes in total, sent by from. */
static int restore_unix_queue(struct ckpt_ctx *ctx, struct ckpt_rst_sock *rs,
			      struct ckpt_rst_sock *from, u32 nr, u64 bytes)
{
	struct sock *fsk = rst_sock(from)->sk;
	int old = READ_ONCE(fsk->sk_sndbuf), lim;
	char *data;
	int ret = 0;

	if (!nr)
		return 0;
	data = kvmalloc(min_t(u64, max_t(u64, bytes, 1), CKPT_UNIX_SKB_MAX),
			CKPT_GFP_IMAGE);
	if (!data)
		return ckpt_unix_nomem(ctx, "a socket's queue");
	/* what the restored task could set with SO_SNDBUF(FORCE) */
	if (capable(CAP_NET_ADMIN))
		lim = INT_MAX / 2;
	else
		lim = max_t(int, old, 2 * READ_ONCE(sysctl_wmem_max));
	WRITE_ONCE(fsk->sk_sndbuf, lim);
	while (!ret && nr) {
		ret = restore_unix_skb(ctx, rs, from, data, &nr, &bytes);
		cond_resched();
	}
	WRITE_ONCE(fsk->sk_sndbuf, old);
	if (!ret && bytes)
		ret = ckpt_err(ctx, -EINVAL,
			       "unix socket %u: fewer bytes queued than announced",
			       rs->objref);
	kvfree(data);
	return ret;
}

/* Shutdown and SO_PASSCRED, once nothing more is sent to or from rs. */
static int restore_unix_finish(struct ckpt_ctx *ctx, struct ckpt_rst_sock *rs)
{
	struct sock *sk = rst_sock(rs)->sk;
	int mode = 0, ret;

	if (rs->flags & CKPT_UNIX_PASSCRED) {
		ret = restore_unix_setopt(ctx, rs, SO_PASSCRED, 1);
		if (ret)
			return ret;
	}
	if (rs->flags & CKPT_UNIX_SHUT_RD)
		mode |= RCV_SHUTDOWN;
	if (rs->flags & CKPT_UNIX_SHUT_WR)
		mode |= SEND_SHUTDOWN;
	if (mode) {
		/* exactly the saved state: shutdown() would change the peer */
		unix_state_lock(sk);
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | mode);
		unix_state_unlock(sk);
	}
	return 0;
}

/* A name as bind() takes it: abstract, or an absolute path with its NUL. */
static bool restore_unix_name_ok(const char *name, u32 len)
{
	if (!len)
		return true;
	if (!name[0])
		return true;
	return name[0] == '/' && len >= 2 && strnlen(name, len) == len - 1;
}

int restore_unix_obj(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_sock *rs, *peer = NULL;
	struct {
		struct ckpt_hdr_unix hu;
		char name[CKPT_UNIX_ADDR_MAX];
	} rec;
	struct ckpt_hdr_unix hu;
	const char *name = rec.name;
	bool listen;
	int ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_UNIX, &rec, sizeof(rec.hu),
			       sizeof(rec));
	if (ret < 0)
		return ret;
	hu = rec.hu;
	listen = hu.flags & CKPT_UNIX_LISTEN;
	if (ret != sizeof(hu) + hu.addr_len || hu.addr_len > CKPT_UNIX_ADDR_MAX ||
	    !restore_unix_name_ok(name, hu.addr_len) ||
	    (hu.addr_len && hu.peer_ref && name[0]) ||
	    (!listen && hu.backlog) ||
	    (listen && (hu.type == SOCK_DGRAM || !hu.addr_len || hu.peer_ref)) ||
	    hu.backlog > INT_MAX)
		return ckpt_err(ctx, -EINVAL, "unix socket %u: bad name or listen state",
				hu.objref);
	if (hu.pad || (hu.flags & ~CKPT_UNIX_FLAGS) ||
	    !ckpt_unix_type_ok(hu.type) || hu.nr_skbs > CKPT_UNIX_SKBS_MAX ||
	    hu.queued > CKPT_UNIX_QUEUE_MAX || hu.peer_ref == hu.objref ||
	    (!hu.peer_ref && (hu.nr_skbs || hu.queued)) ||
	    (hu.queued && !hu.nr_skbs) ||
	    (!(hu.flags & CKPT_UNIX_SNDBUF_SET) && hu.sndbuf) ||
	    (!(hu.flags & CKPT_UNIX_RCVBUF_SET) && hu.rcvbuf))
		return ckpt_err(ctx, -EINVAL, "unix socket %u: bad record",
				hu.objref);

	rs = ckpt_obj_find_ref(ctx, CKPT_OBJ_SOCK, hu.objref);
	if (rs) {
		/* the second socket of a pair */
		if (rs->defined || rs->peer_ref != hu.peer_ref ||
		    rs->type != hu.type)
			return ckpt_err(ctx, -EINVAL,
					"unix socket %u: defined twice, or not the peer of %u",
					hu.objref, hu.peer_ref);
		peer = ckpt_obj_find_ref(ctx, CKPT_OBJ_SOCK, hu.peer_ref);
		if (!peer || !peer->defined)
			return ckpt_err(ctx, -EINVAL,
					"unix socket %u: bad pair", hu.objref);
	} else {
		if (ckpt_obj_lookup_ref(ctx, hu.objref) ||
		    (hu.peer_ref && ckpt_obj_lookup_ref(ctx, hu.peer_ref)))
			return ckpt_err(ctx, -EINVAL,
					"unix socket %u: objref %u already used",
					hu.objref, hu.peer_ref);
		ret = hu.peer_ref ? restore_unix_pair(ctx, &hu, &rs) :
				    restore_unix_single(ctx, &hu, name, &rs);
		if (ret)
			return ret;
		if (hu.peer_ref)
			peer = ckpt_obj_find_ref(ctx, CKPT_OBJ_SOCK,
						 hu.peer_ref);
	}
	rs->defined = true;
	rs->flags = hu.flags;
	if (hu.addr_len && hu.peer_ref) {
		ret = restore_unix_bind(ctx, rs, &hu, name);
		if (ret)
			return ret;
	}

	if (hu.flags & CKPT_UNIX_SNDBUF_SET) {
		ret = restore_unix_buf(ctx, rs, true, hu.sndbuf);
		if (ret)
			return ret;
	}
	if (hu.flags & CKPT_UNIX_RCVBUF_SET) {
		ret = restore_unix_buf(ctx, rs, false, hu.rcvbuf);
		if (ret)
			return ret;
	}
	if (peer) {
		ret = restore_unix_queue(ctx, rs, peer, hu.nr_skbs, hu.queued);
		if (ret)
			return ret;
	}
	/* an unconnected socket, or the pair complete */
	if (!peer)
		return restore_unix_finish(ctx, rs);
	if (!peer->defined)
		return 0;
	/* shutdown() of a stream or seqpacket socket shuts its peer too */
	if (hu.type != SOCK_DGRAM &&
	    (!(rs->flags & CKPT_UNIX_SHUT_RD) != !(peer->flags & CKPT_UNIX_SHUT_WR) ||
	     !(rs->flags & CKPT_UNIX_SHUT_WR) != !(peer->flags & CKPT_UNIX_SHUT_RD)))
		return ckpt_err(ctx, -EINVAL,
				"unix socket %u: its shutdown state does not match its peer %u's",
				hu.objref, hu.peer_ref);
	ret = restore_unix_finish(ctx, peer);
	if (!ret)
		ret = restore_unix_finish(ctx, rs);
	return ret;
}

struct file *restore_unix_file(struct ckpt_ctx *ctx,
			       const struct ckpt_hdr_file *hf,
			       const char *path)
{
	struct ckpt_rst_sock *rs, *peer;

	if ((hf->mode & S_IFMT) != S_IFSOCK || hf->pos || hf->rdev ||
	    hf->path_len || (hf->f_flags & ~CKPT_SOCK_FLAGS) ||
	    (hf->f_flags & O_ACCMODE) != O_RDWR) {
		ckpt_err(ctx, -EINVAL, "file %u: bad unix socket file",
			 hf->objref);
		return ERR_PTR(-EINVAL);
	}
	rs = ckpt_obj_find_ref(ctx, CKPT_OBJ_SOCK, hf->obj_ref);
	if (!rs || !rs->defined) {
		ckpt_err(ctx, -EINVAL, "file %u: unknown unix socket %u",
			 hf->objref, hf->obj_ref);
		return ERR_PTR(-EINVAL);
	}
	if (rs->peer_ref) {
		peer = ckpt_obj_find_ref(ctx, CKPT_OBJ_SOCK, rs->peer_ref);
		if (!peer || !peer->defined) {
			ckpt_err(ctx, -EINVAL,
				 "file %u: unix socket %u: its peer %u was not restored",
				 hf->objref, hf->obj_ref, rs->peer_ref);
			return ERR_PTR(-EINVAL);
		}
	}
	if (rs->used) {
		ckpt_err(ctx, -EINVAL, "file %u: unix socket %u used twice",
			 hf->objref, hf->obj_ref);
		return ERR_PTR(-EINVAL);
	}
	rs->used = true;
	ckpt_set_file_flags(rs->file, hf->f_flags);
	return get_file(rs->file);
}
