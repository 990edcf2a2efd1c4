// SPDX-License-Identifier: GPL-2.0-only
/*
 * kcr: AF_UNIX sockets (records UNIX, UNIX_SKB; file kind CKPT_FILE_UNIX).
 *
 * Saved: unconnected sockets, bound (abstract or path names) or not,
 * listening with the connections waiting in their backlog (each embryo
 * with the messages its connecting socket sent, in accept() order),
 * connected pairs whose two sockets are both held by the tree
 * (socketpair() or connect()/accept(), SOCK_STREAM, SOCK_DGRAM and
 * SOCK_SEQPACKET; each side's own name, the accepted side's name shared
 * with its listener), datagram sockets connected one way to a bound
 * unconnected one, with the messages queued in each direction (in order,
 * datagram boundaries kept, the unread rest of a partly read stream
 * message; on a bound unconnected datagram socket, from unnamed senders),
 * the credentials and the files in flight (SCM_RIGHTS) each message
 * carries, the shutdown state of each side, SO_PASSCRED, SO_SNDBUF and
 * SO_RCVBUF when they were set, and the file's O_NONBLOCK.  Refused with
 * a reason: other families, messages from a named socket on an
 * unconnected one, a peer outside the tree or already closed, a file in
 * flight of a kind not saved (named) or in its own socket's or peer's
 * queue (or a cycle of them), an out-of-band byte (MSG_OOB), SO_PEEK_OFF.
 *
 * Files in flight: each is saved with checkpoint_file() before the
 * record of the queue naming it; the file leak check (files.c) counts
 * their in-flight references as the tree's (ckpt_unix_inflight()).  The
 * sockets whose records are being written are kept in ctx->unix_busy: one
 * met again while the files in flight are saved is one in flight in its
 * own queue or its peer's, refused (the image could not restore it:
 * a FILE comes after its socket's records).
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
 * restored task's rights) at the first record, gives an accepted socket
 * its listener's name (unix_set_shared_addr(), patch 0022), connect()s a
 * connecting socket to its restored listener at its embryo's record and a
 * one-way datagram socket to its peer's name, sends the files in flight
 * again with SCM_RIGHTS (installed in the restorer's fd table for the
 * send: the kernel's in-flight accounting applies); binds a socket as the
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
 * receive queue lock to walk a queue, or a listener's backlog (both
 * spinning, one at a time, nothing allocated or written under them; the
 * files in flight and the embryos are referenced under the queue lock,
 * get_file()/sock_hold(), and used after it).  Restart uses the socket
 * calls with their locking (an embryo is found by unix_peer_get() on its
 * connecting socket and looked for in its listener's backlog
 * under the queue lock).
 */

#include <linux/checkpoint.h>
#include <linux/capability.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/fdtable.h>
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
 * sk is bound to a name of its own (bind() or autobind), not one
 * inherited from a listener by accept(): only a name's owner is hashed by
 * it (an abstract hash is above UNIX_HASH_MOD, an unbound one not; a path
 * owner is on the bsd list by its inode, sk_bind_node).  Called under
 * unix_state_lock(sk).
 */
static bool ckpt_unix_owns_name(struct sock *sk)
{
	struct unix_address *addr = unix_sk(sk)->addr;

	if (!addr || addr->len <= offsetof(struct sockaddr_un, sun_path))
		return false;
	if (!addr->name->sun_path[0])
		return sk->sk_hash > UNIX_HASH_MOD;
	return !hlist_unhashed(&sk->sk_bind_node);
}

/* What a socket of the tree may be (its own file being saved). */
static int ckpt_unix_check_self(struct ckpt_ctx *ctx, unsigned int fd,
				struct sock *sk)
{
	if (!ckpt_unix_type_ok(sk->sk_type))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: unix socket of type %d not supported",
				fd, sk->sk_type);
	return 0;
}

/* The sender of a queued message has a name (set once, never cleared). */
static bool ckpt_unix_named(struct sock *sk)
{
	/* pairs with the release of bind and autobind, as unix_getname() */
	return smp_load_acquire(&unix_sk(sk)->addr);
}

/* One queued message, as copied under the queue lock. */
struct ckpt_unix_msg {
	u32 len;
	u32 flags;
	s32 pid;
	u32 uid, gid;
	u32 nr_fds;
};

/*
 * A queue as copied: nr messages of bytes in total carrying nr_fds files
 * (fps, referenced; refs their FILE objrefs once saved).
 */
struct ckpt_unix_queue {
	u32 nr;
	u64 bytes;
	u32 nr_fds;
	struct ckpt_unix_msg *msgs;
	char *data;
	struct file **fps;
	u32 *refs;
};

/*
 * Walk sk's receive queue under its lock.  Without msgs, count the
 * messages and bytes (and check them); with them, copy them out (the
 * counts must not have changed).  Each message was sent by peer or,
 * without one (an unconnected datagram socket), by a socket without a
 * name.
 */
static int ckpt_unix_walk(struct ckpt_ctx *ctx, struct sock *sk,
			  struct sock *peer, struct ckpt_unix_queue *uq,
			  bool copy, const char **why)
{
	struct user_namespace *ns = current_user_ns();
	struct sk_buff_head *q = &sk->sk_receive_queue;
	struct ckpt_unix_msg *msgs = copy ? uq->msgs : NULL;
	char *data = uq->data;
	struct sk_buff *skb;
	u32 n = 0, nfds = 0, i;
	u64 total = 0;
	int ret = 0;

	spin_lock(&q->lock);
	skb_queue_walk(q, skb) {
		u32 off = sk->sk_type == SOCK_STREAM ? UNIXCB(skb).consumed : 0;
		struct scm_fp_list *fp = UNIXCB(skb).fp;
		u32 len, cnt = fp ? fp->count : 0;

		if (cnt > CKPT_UNIX_SKB_FDS_MAX) {
			*why = "more files in flight in a message than SCM_MAX_FD";
			ret = -EINVAL;
			break;
		}
		if (peer && skb->sk != peer) {
			*why = "a message from another socket than its peer: not supported yet";
			ret = -EOPNOTSUPP;
			break;
		}
		if (!peer && (!skb->sk || skb->sk->sk_family != AF_UNIX ||
			      ckpt_unix_named(skb->sk))) {
			*why = "a message from a named socket: not supported yet";
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
		if (!len && sk->sk_type == SOCK_STREAM && !cnt)
			continue;
		if (!len && sk->sk_type == SOCK_STREAM) {
			*why = "files in flight with no byte left to read";
			ret = -EOPNOTSUPP;
			break;
		}
		if (len > CKPT_UNIX_SKB_MAX) {
			*why = "a queued message larger than CKPT_UNIX_SKB_MAX not supported";
			ret = -EOPNOTSUPP;
			break;
		}
		if (msgs) {
			struct ckpt_unix_msg *m = &msgs[n];
			struct pid *pid = UNIXCB(skb).pid;

			if (n >= uq->nr || total + len > uq->bytes ||
			    nfds + cnt > uq->nr_fds) {
				ret = -EAGAIN;
				break;
			}
			m->len = len;
			m->nr_fds = cnt;
			for (i = 0; i < cnt; i++)
				uq->fps[nfds + i] = get_file(fp->fp[i]);
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
		nfds += cnt;
		if (n > CKPT_UNIX_SKBS_MAX || total > CKPT_UNIX_QUEUE_MAX ||
		    nfds > CKPT_UNIX_INFLIGHT_MAX) {
			*why = "more queued messages or bytes than supported";
			ret = -EOPNOTSUPP;
			break;
		}
	}
	spin_unlock(&q->lock);
	if (ret == -EAGAIN ||
	    (!ret && copy && (n != uq->nr || total != uq->bytes ||
			      nfds != uq->nr_fds))) {
		*why = "the queue changed while being saved";
		return -EAGAIN;
	}
	if (!copy) {
		uq->nr = n;
		uq->bytes = total;
		uq->nr_fds = nfds;
	}
	return ret;
}

static void ckpt_unix_queue_free(struct ckpt_unix_queue *uq)
{
	u32 i;

	for (i = 0; uq->fps && i < uq->nr_fds; i++)
		if (uq->fps[i])
			fput(uq->fps[i]);
	kvfree(uq->fps);
	kvfree(uq->refs);
	kvfree(uq->msgs);
	kvfree(uq->data);
	memset(uq, 0, sizeof(*uq));
}

/*
 * Copy the queue of sk (sent by peer, or by unnamed sockets) and save the
 * files in flight in it (FILE records written now, before the UNIX
 * record of sk).
 */
static int ckpt_unix_queue_get(struct ckpt_ctx *ctx, unsigned int fd,
			       struct sock *sk, struct sock *peer,
			       struct ckpt_unix_queue *uq)
{
	const char *why = NULL;
	u32 i;
	int ret;

	ret = ckpt_unix_walk(ctx, sk, peer, uq, false, &why);
	if (ret)
		return ckpt_err(ctx, ret, "fd %u: unix socket: %s", fd, why);
	if (!uq->nr)
		return 0;
	uq->msgs = kvcalloc(uq->nr, sizeof(*uq->msgs), GFP_KERNEL_ACCOUNT);
	uq->data = kvmalloc(max_t(u64, uq->bytes, 1), GFP_KERNEL_ACCOUNT);
	if (uq->nr_fds) {
		uq->fps = kvcalloc(uq->nr_fds, sizeof(*uq->fps),
				   GFP_KERNEL_ACCOUNT);
		uq->refs = kvcalloc(uq->nr_fds, sizeof(*uq->refs),
				    GFP_KERNEL_ACCOUNT);
	}
	if (!uq->msgs || !uq->data || (uq->nr_fds && (!uq->fps || !uq->refs)))
		return ckpt_unix_nomem(ctx, "a socket's queue");
	ret = ckpt_unix_walk(ctx, sk, peer, uq, true, &why);
	if (ret)
		return ckpt_err(ctx, ret, "fd %u: unix socket: %s", fd, why);
	for (i = 0; i < uq->nr_fds; i++) {
		ret = checkpoint_file(ctx, fd, uq->fps[i], &uq->refs[i]);
		if (ret)
			return ckpt_err(ctx, ret,
					"fd %u: unix socket: a file in flight in its queue (SCM_RIGHTS) can not be saved",
					fd);
		cond_resched();
	}
	return 0;
}

/*
 * The name of a socket, in buf (CKPT_UNIX_ADDR_MAX bytes):
 * an abstract one as bound, a path one as the path of the socket inode
 * from the checkpointer's root (it must lead back to it); the shared
 * name of a restored accepted socket (no path: set, not bound) as it is,
 * absolute.  Returns its length, 0 if unbound.
 */
static int ckpt_unix_addr(struct ckpt_ctx *ctx, unsigned int fd,
			  struct sock *sk, char *buf)
{
	struct unix_sock *u = unix_sk(sk);
	struct unix_address *addr;
	struct path path = {};
	char *pbuf, *p, what[16];
	bool own = false;
	int len = 0;

	unix_state_lock(sk);
	own = ckpt_unix_owns_name(sk);
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
	if (!path.dentry && !own && buf[0] == '/' && len >= 2 &&
	    strnlen(buf, len) == len - 1)
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

/*
 * The UNIX record of sk and its queue.  peer: the other socket of its
 * pair, the socket it is connected to one way (mode CKPT_UNIX_ONEWAY),
 * the embryo it is connecting to (CKPT_UNIX_CONNECTING), the connecting
 * socket of an embryo (CKPT_UNIX_EMBRYO, waiting on listener lref), or
 * NULL.
 */
static int ckpt_unix_write_one(struct ckpt_ctx *ctx, unsigned int fd,
			       struct sock *sk, struct sock *peer, u32 objref,
			       u32 peer_ref, u32 mode, u32 lref)
{
	bool oneway = mode == CKPT_UNIX_ONEWAY, noqueue = oneway;
	struct ckpt_unix_queue uq = {};
	char addr[CKPT_UNIX_ADDR_MAX];
	struct ckpt_hdr_unix_skb hs;
	struct ckpt_hdr_unix hu;
	struct socket *sock;
	const char *why = NULL;
	u32 i, fds;
	bool own;
	u64 done;
	int ret;

	memset(&hu, 0, sizeof(hu));
	hu.objref = objref;
	hu.type = sk->sk_type;
	hu.peer_ref = peer_ref;
	hu.flags = mode;
	hu.listener_ref = lref;
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
	 * its own name, or its listener's (an accepted socket; an embryo's,
	 * given by connect() at restart)
	 */
	unix_state_lock(sk);
	own = ckpt_unix_owns_name(sk);
	unix_state_unlock(sk);
	if (mode != CKPT_UNIX_EMBRYO) {
		ret = ckpt_unix_addr(ctx, fd, sk, addr);
		if (ret < 0)
			return ret;
		hu.addr_len = ret;
	}
	if (hu.addr_len && !own)
		hu.flags |= CKPT_UNIX_SHARED_NAME;
	/* a listener's queue: its waiting connections (EMBRYOs) */
	if (hu.flags & CKPT_UNIX_LISTEN) {
		noqueue = true;
	} else if ((oneway || !peer) &&
		   skb_queue_len_lockless(&sk->sk_receive_queue)) {
		if (oneway)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"fd %u: unix socket: messages queued on a datagram socket connected one way not supported yet",
					fd);
		if (sk->sk_type != SOCK_DGRAM || !own)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"fd %u: unix socket: messages queued on an unconnected socket not supported yet",
					fd);
	}
	if (!noqueue) {
		ret = ckpt_unix_queue_get(ctx, fd, sk, peer, &uq);
		if (ret)
			goto out;
	}
	hu.nr_skbs = uq.nr;
	hu.queued = uq.bytes;
	ret = ckpt_write_record_payload(ctx, CKPT_HDR_UNIX, &hu, sizeof(hu),
					addr, hu.addr_len);
	for (i = 0, done = 0, fds = 0; !ret && i < uq.nr; i++) {
		struct ckpt_unix_msg *m = &uq.msgs[i];
		u32 flen = m->nr_fds * sizeof(u32);

		memset(&hs, 0, sizeof(hs));
		hs.len = m->len;
		hs.flags = m->flags;
		hs.pid = m->pid;
		hs.uid = m->uid;
		hs.gid = m->gid;
		hs.nr_fds = m->nr_fds;
		ret = ckpt_write_begin(ctx, CKPT_HDR_UNIX_SKB, &hs, sizeof(hs),
				       (u64)hs.len + flen);
		if (!ret && hs.len)
			ret = ckpt_write_raw(ctx, uq.data + done, hs.len);
		if (!ret && flen)
			ret = ckpt_write_raw(ctx, uq.refs + fds, flen);
		if (!ret)
			ret = ckpt_write_end(ctx, sizeof(hs) + hs.len + flen);
		done += hs.len;
		fds += m->nr_fds;
	}
out:
	ckpt_unix_queue_free(&uq);
	return ret;
}

/*
 * Sockets whose records are being written while the files in flight in
 * their queues are saved first: one of them met again is a socket in
 * flight in its own queue or its peer's, or a cycle of sockets in flight.
 */
static bool ckpt_unix_busy(struct ckpt_ctx *ctx, struct sock *sk)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_unix_busy; i++)
		if (ctx->unix_busy[i] == sk)
			return true;
	return false;
}

static int ckpt_unix_busy_push(struct ckpt_ctx *ctx, unsigned int fd,
			       struct sock *sk)
{
	if (ctx->nr_unix_busy >= CKPT_UNIX_BUSY_MAX)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: unix sockets in flight in the queues of sockets in flight, nested more than %u deep: not supported",
				fd, CKPT_UNIX_BUSY_MAX / 2);
	ctx->unix_busy[ctx->nr_unix_busy++] = sk;
	return 0;
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

/*
 * What the peer of sk is, under unix_state_lock(peer): *mode 0 if sk and
 * peer are a pair, CKPT_UNIX_ONEWAY if sk is a datagram socket connected
 * to a socket not connected back, CKPT_UNIX_CONNECTING if peer is the
 * embryo of a connection not accepted yet; or a reason to refuse.
 */
static const char *ckpt_unix_peer_kind(struct sock *sk, struct sock *peer,
				       u32 *mode)
{
	struct sock *back = unix_sk(peer)->peer;

	*mode = 0;
	if (peer == sk)
		return "a datagram socket connected to itself not supported yet";
	if (sock_flag(peer, SOCK_DEAD))
		return "its peer was closed (a half-closed pair) not supported yet";
	if (back == sk && !READ_ONCE(peer->sk_socket)) {
		if (sk->sk_type == SOCK_DGRAM)
			return "a peer without a socket";
		*mode = CKPT_UNIX_CONNECTING;
		return NULL;
	}
	if (back == sk)
		return NULL;
	if (sk->sk_type != SOCK_DGRAM)
		return "connected one way (peer not connected back)";
	/* the socket it sends to is unconnected (else it could not be) */
	if (back)
		return "connected to a dgram socket itself connected to another: not supported yet";
	if (!ckpt_unix_owns_name(peer))
		return "connected to a datagram socket without a name of its own";
	*mode = CKPT_UNIX_ONEWAY;
	return NULL;
}

/*
 * The embryos of the connections waiting on listener sk, in its backlog
 * order (each referenced): *nr 0 if none.
 */
static int ckpt_unix_embryos(struct ckpt_ctx *ctx, struct sock *sk,
			     struct sock ***list, u32 *nr)
{
	struct sk_buff_head *q = &sk->sk_receive_queue;
	struct sk_buff *skb;
	struct sock **e;
	u32 n, got, i;

	*list = NULL;
	*nr = 0;
	if (READ_ONCE(sk->sk_state) != TCP_LISTEN)
		return 0;
	n = skb_queue_len_lockless(q);
	if (!n)
		return 0;
	if (n > CKPT_UNIX_SKBS_MAX)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"a listening unix socket with %u connections waiting, more than %u",
				n, CKPT_UNIX_SKBS_MAX);
	e = kvcalloc(n, sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return ckpt_unix_nomem(ctx, "the connections waiting");
	got = 0;
	spin_lock(&q->lock);
	skb_queue_walk(q, skb) {
		if (got == n || !skb->sk) {
			got = n + 1;
			break;
		}
		sock_hold(skb->sk);
		e[got++] = skb->sk;
	}
	spin_unlock(&q->lock);
	if (got != n) {
		for (i = 0; i < min(got, n); i++)
			sock_put(e[i]);
		kvfree(e);
		return ckpt_err(ctx, -EAGAIN,
				"the connections waiting on a listening unix socket changed while being saved");
	}
	*list = e;
	*nr = n;
	return 0;
}

static void ckpt_unix_embryos_put(struct sock **e, u32 nr)
{
	u32 i;

	for (i = 0; i < nr; i++)
		sock_put(e[i]);
	kvfree(e);
}

static int ckpt_unix_write(struct ckpt_ctx *ctx, unsigned int fd,
			   struct sock *sk, struct ckpt_obj **objp);

/*
 * The EMBRYO records of the connections waiting on listener sk (objref
 * lref), after its record: each connecting socket written before its
 * embryo, if it was not already.
 */
static int ckpt_unix_write_embryos(struct ckpt_ctx *ctx, unsigned int fd,
				   struct sock *sk, u32 lref)
{
	struct ckpt_obj *cobj, *eobj;
	struct sock **e, *c;
	unsigned int busy;
	bool dead;
	u32 nr, i;
	int ret;

	ret = ckpt_unix_embryos(ctx, sk, &e, &nr);
	for (i = 0; !ret && i < nr; i++) {
		unix_state_lock(e[i]);
		c = unix_peer(e[i]);
		if (c)
			sock_hold(c);
		unix_state_unlock(e[i]);
		dead = !c;
		if (c) {
			unix_state_lock(c);
			dead = sock_flag(c, SOCK_DEAD) || unix_peer(c) != e[i];
			unix_state_unlock(c);
		}
		if (dead) {
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "fd %u: listening unix socket: a connection waiting whose connecting socket was closed: not supported yet",
				       fd);
			if (c)
				sock_put(c);
			break;
		}
		cobj = ckpt_obj_find_ptr(ctx, c);
		if (!cobj)
			ret = ckpt_unix_write(ctx, fd, c, &cobj);
		eobj = ret ? NULL : ckpt_obj_find_ptr(ctx, e[i]);
		if (!ret && (!eobj || eobj->users || cobj->type != CKPT_OBJ_SOCK))
			ret = ckpt_err(ctx, -EINVAL,
				       "fd %u: listening unix socket: a connection waiting saved twice",
				       fd);
		busy = ctx->nr_unix_busy;
		if (!ret)
			ret = ckpt_unix_busy_push(ctx, fd, e[i]);
		if (!ret)
			ret = ckpt_unix_busy_push(ctx, fd, c);
		if (!ret)
			ret = ckpt_unix_write_one(ctx, fd, e[i], c, eobj->objref,
						  cobj->objref,
						  CKPT_UNIX_EMBRYO, lref);
		ctx->nr_unix_busy = busy;
		/* held by the listener, a socket of the tree */
		if (!ret)
			eobj->users++;
		sock_put(c);
	}
	if (e)
		ckpt_unix_embryos_put(e, nr);
	return ret;
}

/*
 * Write sk (and its peer, if it is a pair) as new objects; the socket a
 * datagram socket is connected to one way is written before it, unless
 * it was already; a connecting socket's embryo becomes an object, its
 * record written with its listener's; a listener's waiting connections
 * follow it.
 */
static int ckpt_unix_write(struct ckpt_ctx *ctx, unsigned int fd,
			   struct sock *sk, struct ckpt_obj **objp)
{
	struct ckpt_obj *obj, *pobj = NULL;
	const char *why = NULL;
	bool pair = false;
	unsigned int busy;
	struct sock *peer;
	u32 mode = 0;
	int ret = 0;

	/* busy until its records (and its embryos') are written */
	busy = ctx->nr_unix_busy;
	ret = ckpt_unix_busy_push(ctx, fd, sk);
	if (ret)
		return ret;
	unix_state_lock(sk);
	peer = unix_sk(sk)->peer;
	if (peer)
		sock_hold(peer);
	unix_state_unlock(sk);
	if (peer) {
		unix_state_lock(peer);
		why = ckpt_unix_peer_kind(sk, peer, &mode);
		unix_state_unlock(peer);
		pair = !why && !mode;
		pobj = why ? NULL : ckpt_obj_find_ptr(ctx, peer);
		if (pobj && (mode != CKPT_UNIX_ONEWAY ||
			     pobj->type != CKPT_OBJ_SOCK))
			why = "peer already saved (object clash)";
		if (why) {
			ret = ckpt_err(ctx, -EOPNOTSUPP, "fd %u: unix socket: %s",
				       fd, why);
			goto out;
		}
		/* its peer has no peer: one level, no more */
		if (mode == CKPT_UNIX_ONEWAY && !pobj)
			ret = ckpt_unix_write(ctx, fd, peer, &pobj);
		if (ret)
			goto out;
	}

	obj = ckpt_unix_add(ctx, sk);
	if (IS_ERR(obj)) {
		ret = PTR_ERR(obj);
		goto out;
	}
	/* the other of a pair, or an embryo (its record comes later) */
	if (pair || mode == CKPT_UNIX_CONNECTING) {
		pobj = ckpt_unix_add(ctx, peer);
		if (IS_ERR(pobj)) {
			ret = PTR_ERR(pobj);
			goto out;
		}
	}
	if (pair)
		ret = ckpt_unix_busy_push(ctx, fd, peer);
	if (!ret)
		ret = ckpt_unix_write_one(ctx, fd, sk, peer, obj->objref,
					  pobj ? pobj->objref : 0, mode, 0);
	if (!ret && pair)
		ret = ckpt_unix_write_one(ctx, fd, peer, sk, pobj->objref,
					  obj->objref, 0, 0);
	if (!ret && !peer)
		ret = ckpt_unix_write_embryos(ctx, fd, sk, obj->objref);
	*objp = obj;
out:
	ctx->nr_unix_busy = busy;
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
	if (ckpt_unix_busy(ctx, sk))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"fd %u: unix socket in flight (SCM_RIGHTS) in its own queue or its peer's, or in a cycle of sockets in flight: not supported",
				fd);

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
 * The files in flight in the receive queue of the unix socket file (one
 * reference each, as many times as they are in flight), for the file
 * leak check: *files is NULL if none.
 */
static int ckpt_unix_inflight_sk(struct ckpt_ctx *ctx, struct sock *sk,
				 struct file ***files, unsigned int *nr)
{
	struct sk_buff_head *q = &sk->sk_receive_queue;
	struct sk_buff *skb;
	unsigned int n, got, i, tries;
	struct file **f;

	*files = NULL;
	*nr = 0;
	for (tries = 0; tries < 3; tries++) {
		n = 0;
		spin_lock(&q->lock);
		skb_queue_walk(q, skb)
			if (UNIXCB(skb).fp)
				n += UNIXCB(skb).fp->count;
		spin_unlock(&q->lock);
		if (!n)
			return 0;
		if (n > CKPT_UNIX_INFLIGHT_MAX)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"a unix socket (socket:[%lu]) has %u files in flight, more than %u",
					sock_i_ino(sk), n, CKPT_UNIX_INFLIGHT_MAX);
		f = kvcalloc(n, sizeof(*f), GFP_KERNEL_ACCOUNT);
		if (!f)
			return ckpt_unix_nomem(ctx, "the files in flight");
		got = 0;
		spin_lock(&q->lock);
		skb_queue_walk(q, skb) {
			struct scm_fp_list *fp = UNIXCB(skb).fp;

			for (i = 0; fp && i < fp->count && got < n; i++)
				f[got++] = get_file(fp->fp[i]);
			if (fp && i < fp->count)
				got = n + 1;	/* grew: again */
		}
		spin_unlock(&q->lock);
		if (got == n) {
			*files = f;
			*nr = n;
			return 0;
		}
		for (i = 0; i < min(got, n); i++)
			fput(f[i]);
		kvfree(f);
		cond_resched();
	}
	return ckpt_err(ctx, -EAGAIN,
			"a unix socket (socket:[%lu]): its files in flight keep changing",
			sock_i_ino(sk));
}

static void ckpt_unix_fput_all(struct file **f, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		fput(f[i]);
	kvfree(f);
}

/* ...and in the queues of a listener's waiting connections */
int ckpt_unix_inflight(struct ckpt_ctx *ctx, struct file *file,
		       struct file ***files, unsigned int *nr)
{
	struct socket *sock = sock_from_file(file);
	struct sock *sk = sock ? sock->sk : NULL;
	struct file **all = NULL, **f, **n;
	unsigned int total = 0, got;
	struct sock **e;
	u32 ne, i;
	int ret;

	*files = NULL;
	*nr = 0;
	if (!S_ISSOCK(file_inode(file)->i_mode) || !sk ||
	    sk->sk_family != AF_UNIX)
		return 0;
	if (READ_ONCE(sk->sk_state) != TCP_LISTEN)
		return ckpt_unix_inflight_sk(ctx, sk, files, nr);
	ret = ckpt_unix_embryos(ctx, sk, &e, &ne);
	for (i = 0; !ret && i < ne; i++) {
		ret = ckpt_unix_inflight_sk(ctx, e[i], &f, &got);
		if (ret || !got)
			continue;
		if (total + got > CKPT_UNIX_INFLIGHT_MAX) {
			ckpt_unix_fput_all(f, got);
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "more than %u files in flight in the connections waiting on a listening unix socket",
				       CKPT_UNIX_INFLIGHT_MAX);
			break;
		}
		n = kvmalloc_array(total + got, sizeof(*n), GFP_KERNEL_ACCOUNT);
		if (!n) {
			ckpt_unix_fput_all(f, got);
			ret = ckpt_unix_nomem(ctx, "the files in flight");
			break;
		}
		if (total)
			memcpy(n, all, total * sizeof(*n));
		memcpy(n + total, f, got * sizeof(*n));
		kvfree(all);
		kvfree(f);
		all = n;
		total += got;
	}
	if (e)
		ckpt_unix_embryos_put(e, ne);
	if (ret) {
		if (all)
			ckpt_unix_fput_all(all, total);
		return ret;
	}
	*files = all;
	*nr = total;
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
	bool connected;			/* CONNECTING: its EMBRYO was read */
	u32 name_len;			/* bytes of its own name, once bound */
	char name[CKPT_UNIX_ADDR_MAX];
	struct sock *embryo;		/* EMBRYO: the sock (no file), referenced */
};

static void ckpt_release_rst_sock(void *ptr)
{
	struct ckpt_rst_sock *rs = ptr;

	if (rs->file)
		fput(rs->file);
	if (rs->embryo)
		sock_put(rs->embryo);
	kfree(rs);
}

static struct socket *rst_sock(struct ckpt_rst_sock *rs)
{
	return rs->file->private_data;
}

static struct sock *rst_sk(struct ckpt_rst_sock *rs)
{
	return rs->embryo ? rs->embryo : rst_sock(rs)->sk;
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

/*
 * bind() to the saved name as the restored task; listen().  A name of
 * its listener's (an accepted socket) is set, not bound.
 */
static int restore_unix_bind(struct ckpt_ctx *ctx, struct ckpt_rst_sock *rs,
			     const struct ckpt_hdr_unix *hu, const char *name)
{
	struct socket *sock = rst_sock(rs);
	struct sockaddr_un sun;
	int alen, ret;

	alen = restore_unix_sun(&sun, name, hu->addr_len);
	if (hu->flags & CKPT_UNIX_SHARED_NAME) {
		ret = unix_set_shared_addr(sock->sk, &sun, alen);
		if (ret)
			return ckpt_err(ctx, ret,
					"unix socket %u: can not give it its listener's name",
					hu->objref);
		return 0;
	}
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
	memcpy(rs->name, name, hu->addr_len);
	rs->name_len = hu->addr_len;
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

/*
 * Who refills a queue: the peer, or (to set) an unnamed socket sending
 * to the socket's name.
 */
struct ckpt_unix_sender {
	struct socket *sock;
	struct sockaddr_un to;
	int tolen;			/* 0: to its peer */
};

/*
 * The files in flight of a message, as SCM_RIGHTS: installed for the
 * send in the restorer's fd table (the kernel's own path, with its
 * accounting: unix_inflight, too_many_unix_fds), closed after.
 */
struct ckpt_unix_fds {
	u32 refs[CKPT_UNIX_SKB_FDS_MAX];
	int fds[CKPT_UNIX_SKB_FDS_MAX];
	u32 nr;				/* installed */
	char cbuf[CMSG_SPACE(sizeof(struct ucred)) +
		  CMSG_SPACE(CKPT_UNIX_SKB_FDS_MAX * sizeof(int))];
};

static int restore_unix_fds_install(struct ckpt_ctx *ctx,
				    struct ckpt_rst_sock *rs,
				    struct ckpt_unix_fds *uf, u32 nr)
{
	struct file *file;
	u32 i;
	int fd;

	for (i = 0; i < nr; i++) {
		file = restore_file_get(ctx, uf->refs[i]);
		if (!file)
			return ckpt_err(ctx, -EINVAL,
					"unix socket %u: a file in flight names no file restored before (%u)",
					rs->objref, uf->refs[i]);
		fd = get_unused_fd_flags(O_CLOEXEC);
		if (fd < 0)
			return ckpt_err(ctx, fd,
					"unix socket %u: no fd to send a file in flight",
					rs->objref);
		fd_install(fd, get_file(file));
		uf->fds[uf->nr++] = fd;
	}
	return 0;
}

static void restore_unix_fds_close(struct ckpt_unix_fds *uf)
{
	while (uf->nr)
		close_fd(uf->fds[--uf->nr]);
}

/* One UNIX_SKB: sent by @from into @rs's queue. */
static int restore_unix_skb(struct ckpt_ctx *ctx, struct ckpt_rst_sock *rs,
			    struct ckpt_unix_sender *from, char *data,
			    struct ckpt_unix_fds *uf, u32 *left, u64 *bytes)
{
	struct ckpt_hdr_unix_skb hs;
	struct msghdr msg = {};
	struct cmsghdr *cm;
	struct ucred uc;
	struct kvec iov;
	u32 rlen, flen;
	int ret;

	ret = ckpt_read_hdr(ctx, CKPT_HDR_UNIX_SKB, sizeof(hs),
			    sizeof(hs) + CKPT_UNIX_SKB_MAX +
			    CKPT_UNIX_SKB_FDS_MAX * sizeof(u32));
	if (ret < 0)
		return ret;
	rlen = ret;
	ret = ckpt_read_raw(ctx, (char *)&hs + sizeof(hs.h),
			    sizeof(hs) - sizeof(hs.h));
	if (ret)
		return ret;
	flen = hs.nr_fds * sizeof(u32);
	if (hs.nr_fds > CKPT_UNIX_SKB_FDS_MAX || hs.len > CKPT_UNIX_SKB_MAX ||
	    rlen != sizeof(hs) + hs.len + flen ||
	    (hs.flags & ~CKPT_UNIX_SKB_FLAGS) || hs.len > *bytes ||
	    (!(hs.flags & CKPT_UNIX_SKB_CREDS) && (hs.pid || hs.uid || hs.gid)) ||
	    hs.pid < 0 || (!hs.len && rs->type == SOCK_STREAM) || !*left)
		return ckpt_err(ctx, -EINVAL, "unix socket %u: bad message record",
				rs->objref);
	ret = ckpt_read_raw(ctx, data, hs.len);
	if (!ret && flen)
		ret = ckpt_read_raw(ctx, uf->refs, flen);
	if (!ret)
		ret = ckpt_read_end(ctx, rlen);
	if (ret)
		return ret;
	(*left)--;
	*bytes -= hs.len;

	memset(uf->cbuf, 0, sizeof(uf->cbuf));
	msg.msg_control = uf->cbuf;
	msg.msg_controllen = sizeof(uf->cbuf);
	cm = CMSG_FIRSTHDR(&msg);
	msg.msg_controllen = 0;
	if (hs.flags & CKPT_UNIX_SKB_CREDS) {
		uc.pid = restore_unix_pid(ctx, hs.pid);
		uc.uid = hs.uid;
		uc.gid = hs.gid;
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_CREDENTIALS;
		cm->cmsg_len = CMSG_LEN(sizeof(uc));
		memcpy(CMSG_DATA(cm), &uc, sizeof(uc));
		msg.msg_controllen += CMSG_SPACE(sizeof(uc));
		cm = (struct cmsghdr *)(uf->cbuf + msg.msg_controllen);
	}
	if (hs.nr_fds) {
		ret = restore_unix_fds_install(ctx, rs, uf, hs.nr_fds);
		if (ret)
			goto out;
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(flen);
		memcpy(CMSG_DATA(cm), uf->fds, flen);
		msg.msg_controllen += CMSG_SPACE(flen);
	}
	if (!msg.msg_controllen)
		msg.msg_control = NULL;
	msg.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
	if (from->tolen) {
		msg.msg_name = &from->to;
		msg.msg_namelen = from->tolen;
	}
	iov.iov_base = data;
	iov.iov_len = hs.len;
	ret = kernel_sendmsg(from->sock, &msg, &iov, 1, hs.len);
	if (ret == hs.len) {
		ret = 0;
		goto out;
	}
	if (ret == -ETOOMANYREFS)
		ckpt_err(ctx, ret,
			 "unix socket %u: the restored task may not have more files in flight (RLIMIT_NOFILE)",
			 rs->objref);
	else if (ret == -EPERM || ret == -EINVAL)
		ckpt_err(ctx, ret,
			 "unix socket %u: a queued message's credentials (pid %d uid %u gid %u) are not ones the restored task may send",
			 rs->objref, hs.pid, hs.uid, hs.gid);
	else
		ckpt_err(ctx, ret < 0 ? ret : -EIO,
			 "unix socket %u: refilling its queue failed (%u bytes, sent %d): more than the restored task may buffer?",
			 rs->objref, hs.len, ret);
	ret = ret < 0 ? ret : -EIO;
out:
	restore_unix_fds_close(uf);
	return ret;
}

/* The queue of rs: nr messages of bytes in total, sent by from. */
static int restore_unix_queue(struct ckpt_ctx *ctx, struct ckpt_rst_sock *rs,
			      struct ckpt_unix_sender *from, u32 nr, u64 bytes)
{
	struct sock *fsk = from->sock->sk;
	int old = READ_ONCE(fsk->sk_sndbuf), lim;
	struct ckpt_unix_fds *uf;
	char *data;
	int ret = 0;

	if (!nr)
		return 0;
	uf = kzalloc(sizeof(*uf), GFP_KERNEL_ACCOUNT);
	data = kvmalloc(min_t(u64, max_t(u64, bytes, 1), CKPT_UNIX_SKB_MAX),
			CKPT_GFP_IMAGE);
	if (!data || !uf) {
		kfree(uf);
		kvfree(data);
		return ckpt_unix_nomem(ctx, "a socket's queue");
	}
	/* what the restored task could set with SO_SNDBUF(FORCE) */
	if (capable(CAP_NET_ADMIN))
		lim = INT_MAX / 2;
	else
		lim = max_t(int, old, 2 * READ_ONCE(sysctl_wmem_max));
	WRITE_ONCE(fsk->sk_sndbuf, lim);
	while (!ret && nr) {
		ret = restore_unix_skb(ctx, rs, from, data, uf, &nr, &bytes);
		cond_resched();
	}
	WRITE_ONCE(fsk->sk_sndbuf, old);
	if (!ret && bytes)
		ret = ckpt_err(ctx, -EINVAL,
			       "unix socket %u: fewer bytes queued than announced",
			       rs->objref);
	kfree(uf);
	kvfree(data);
	return ret;
}

/* Shutdown and SO_PASSCRED, once nothing more is sent to or from rs. */
static int restore_unix_finish(struct ckpt_ctx *ctx, struct ckpt_rst_sock *rs)
{
	struct sock *sk = rst_sk(rs);
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

/*
 * A datagram socket connect()ed to the bound socket peer, by its name with
 * the restored task's rights: it must be peer it finds.
 */
static int restore_unix_connect(struct ckpt_ctx *ctx, struct ckpt_rst_sock *rs,
				struct ckpt_rst_sock *peer)
{
	struct sock *psk = rst_sock(peer)->sk, *got;
	struct sockaddr_un sun;
	int alen, ret;

	alen = restore_unix_sun(&sun, peer->name, peer->name_len);
	ret = kernel_connect(rst_sock(rs), (struct sockaddr *)&sun, alen,
			     O_NONBLOCK);
	if (ret)
		return ckpt_err(ctx, ret, "unix socket %u: can not connect it to %u",
				rs->objref, peer->objref);
	got = unix_peer_get(rst_sock(rs)->sk);
	if (got)
		sock_put(got);
	if (got != psk)
		return ckpt_err(ctx, -EADDRINUSE,
				"unix socket %u: its peer's name found another socket than %u",
				rs->objref, peer->objref);
	return restore_unix_finish(ctx, rs);
}

/*
 * The queue of a bound unconnected datagram socket: each message sent to
 * its name by an unnamed socket, made for it and released after (the
 * messages keep it while queued).
 */
static int restore_unix_unnamed_senders(struct ckpt_ctx *ctx,
					struct ckpt_rst_sock *rs,
					const struct ckpt_hdr_unix *hu)
{
	struct ckpt_unix_sender from = {};
	int ret;

	if (!hu->nr_skbs)
		return 0;
	if (!rs->name_len)
		return ckpt_err(ctx, -EINVAL,
				"unix socket %u: messages queued on an unbound socket",
				rs->objref);
	ret = sock_create(AF_UNIX, SOCK_DGRAM, 0, &from.sock);
	if (ret)
		return ckpt_err(ctx, ret, "unix socket %u: no socket to refill its queue",
				rs->objref);
	from.tolen = restore_unix_sun(&from.to, rs->name, rs->name_len);
	ret = restore_unix_queue(ctx, rs, &from, hu->nr_skbs, hu->queued);
	sock_release(from.sock);
	return ret;
}

/* shutdown() of a stream or seqpacket socket shuts its peer too */
static bool restore_unix_shut_ok(const struct ckpt_rst_sock *a,
				 const struct ckpt_rst_sock *b)
{
	return a->type == SOCK_DGRAM ||
	       (!(a->flags & CKPT_UNIX_SHUT_RD) == !(b->flags & CKPT_UNIX_SHUT_WR) &&
		!(a->flags & CKPT_UNIX_SHUT_WR) == !(b->flags & CKPT_UNIX_SHUT_RD));
}

/*
 * EMBRYO: connect() the connecting socket to the listener, by its name
 * with the restored task's rights, not waiting (a full backlog fails);
 * the new connection must be the one it queued last.  Then the messages
 * sent to the embryo.
 */
static int restore_unix_embryo(struct ckpt_ctx *ctx,
			       const struct ckpt_hdr_unix *hu)
{
	struct ckpt_rst_sock *l, *c, *rs;
	struct ckpt_unix_sender from = {};
	struct sk_buff_head *q;
	struct sockaddr_un sun;
	struct sk_buff *skb;
	bool found = false;
	struct sock *e;
	int alen, ret;

	l = ckpt_obj_find_ref(ctx, CKPT_OBJ_SOCK, hu->listener_ref);
	c = ckpt_obj_find_ref(ctx, CKPT_OBJ_SOCK, hu->peer_ref);
	if (ckpt_obj_lookup_ref(ctx, hu->objref) || !l || !l->defined ||
	    !l->file || !(l->flags & CKPT_UNIX_LISTEN) || l->type != hu->type ||
	    !l->name_len || !c || !c->defined || c->connected ||
	    !(c->flags & CKPT_UNIX_CONNECTING) || c->peer_ref != hu->objref ||
	    c->type != hu->type)
		return ckpt_err(ctx, -EINVAL,
				"unix socket %u: not a connection from %u waiting on a listener %u restored before",
				hu->objref, hu->peer_ref, hu->listener_ref);
	c->connected = true;
	alen = restore_unix_sun(&sun, l->name, l->name_len);
	ret = kernel_connect(rst_sock(c), (struct sockaddr *)&sun, alen,
			     O_NONBLOCK);
	if (ret)
		return ckpt_err(ctx, ret,
				"unix socket %u: can not connect it to the listener %u again (backlog full?)",
				c->objref, l->objref);
	/* the embryo, in the listener's backlog */
	e = unix_peer_get(rst_sock(c)->sk);
	q = &rst_sock(l)->sk->sk_receive_queue;
	spin_lock(&q->lock);
	skb_queue_walk(q, skb)
		found |= e && skb->sk == e;
	spin_unlock(&q->lock);
	if (!found) {
		if (e)
			sock_put(e);
		return ckpt_err(ctx, -EADDRINUSE,
				"unix socket %u: connected to another socket than its listener %u",
				c->objref, l->objref);
	}
	rs = kzalloc(sizeof(*rs), GFP_KERNEL_ACCOUNT);
	if (!rs) {
		sock_put(e);
		return ckpt_unix_nomem(ctx, "a socket");
	}
	rs->embryo = e;
	rs->objref = hu->objref;
	rs->peer_ref = hu->peer_ref;
	rs->type = hu->type;
	rs->flags = hu->flags;
	rs->defined = true;
	ret = ckpt_obj_add_ref(ctx, CKPT_OBJ_SOCK, hu->objref, rs,
			       ckpt_release_rst_sock);
	if (ret)
		return ret;
	from.sock = rst_sock(c);
	ret = restore_unix_queue(ctx, rs, &from, hu->nr_skbs, hu->queued);
	if (ret)
		return ret;
	if (!restore_unix_shut_ok(rs, c))
		return ckpt_err(ctx, -EINVAL,
				"unix socket %u: its shutdown state does not match its peer %u's",
				hu->objref, hu->peer_ref);
	ret = restore_unix_finish(ctx, c);
	return ret ? ret : restore_unix_finish(ctx, rs);
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
	bool listen, oneway, shared, connecting, embryo;
	int ret;

	ret = ckpt_read_record(ctx, CKPT_HDR_UNIX, &rec, sizeof(rec.hu),
			       sizeof(rec));
	if (ret < 0)
		return ret;
	hu = rec.hu;
	listen = hu.flags & CKPT_UNIX_LISTEN;
	oneway = hu.flags & CKPT_UNIX_ONEWAY;
	shared = hu.flags & CKPT_UNIX_SHARED_NAME;
	connecting = hu.flags & CKPT_UNIX_CONNECTING;
	embryo = hu.flags & CKPT_UNIX_EMBRYO;
	if ((connecting &&
	     (!hu.peer_ref || hu.type == SOCK_DGRAM || hu.nr_skbs ||
	      (hu.flags & (CKPT_UNIX_LISTEN | CKPT_UNIX_ONEWAY |
			   CKPT_UNIX_SHARED_NAME | CKPT_UNIX_EMBRYO)))) ||
	    (embryo &&
	     (!hu.peer_ref || !hu.listener_ref || hu.type == SOCK_DGRAM ||
	      hu.addr_len || hu.backlog || hu.sndbuf || hu.rcvbuf ||
	      (hu.flags & ~(CKPT_UNIX_EMBRYO | CKPT_UNIX_SHUT_RD |
			    CKPT_UNIX_SHUT_WR)))) ||
	    (!embryo && hu.listener_ref))
		return ckpt_err(ctx, -EINVAL, "unix socket %u: bad connection waiting",
				hu.objref);
	if (ret != sizeof(hu) + hu.addr_len || hu.addr_len > CKPT_UNIX_ADDR_MAX ||
	    !restore_unix_name_ok(name, hu.addr_len) ||
	    (shared && (!hu.addr_len || !hu.peer_ref || oneway || listen ||
			hu.type == SOCK_DGRAM)) ||
	    (oneway && (!hu.peer_ref || hu.type != SOCK_DGRAM || hu.nr_skbs)) ||
	    (!listen && hu.backlog) ||
	    (listen && (hu.type == SOCK_DGRAM || !hu.addr_len || hu.peer_ref)) ||
	    hu.backlog > INT_MAX)
		return ckpt_err(ctx, -EINVAL, "unix socket %u: bad name or listen state",
				hu.objref);
	if ((hu.flags & ~CKPT_UNIX_FLAGS) ||
	    !ckpt_unix_type_ok(hu.type) || hu.nr_skbs > CKPT_UNIX_SKBS_MAX ||
	    hu.queued > CKPT_UNIX_QUEUE_MAX || hu.peer_ref == hu.objref ||
	    (!hu.peer_ref && hu.nr_skbs &&
	     (hu.type != SOCK_DGRAM || !hu.addr_len)) ||
	    (hu.queued && !hu.nr_skbs) ||
	    (!(hu.flags & CKPT_UNIX_SNDBUF_SET) && hu.sndbuf) ||
	    (!(hu.flags & CKPT_UNIX_RCVBUF_SET) && hu.rcvbuf))
		return ckpt_err(ctx, -EINVAL, "unix socket %u: bad record",
				hu.objref);

	if (embryo)
		return restore_unix_embryo(ctx, &hu);
	rs = ckpt_obj_find_ref(ctx, CKPT_OBJ_SOCK, hu.objref);
	if (connecting) {
		/* connect()ed by its EMBRYO record, after its listener's */
		if (ckpt_obj_lookup_ref(ctx, hu.objref) ||
		    ckpt_obj_lookup_ref(ctx, hu.peer_ref))
			return ckpt_err(ctx, -EINVAL,
					"unix socket %u: objref %u already used",
					hu.objref, hu.peer_ref);
		ret = restore_unix_single(ctx, &hu, name, &rs);
		if (ret)
			return ret;
		rs->peer_ref = hu.peer_ref;
	} else if (oneway) {
		/* a new socket connected to one defined before, bound */
		peer = ckpt_obj_find_ref(ctx, CKPT_OBJ_SOCK, hu.peer_ref);
		if (ckpt_obj_lookup_ref(ctx, hu.objref) || !peer ||
		    !peer->defined || peer->type != SOCK_DGRAM ||
		    !peer->name_len)
			return ckpt_err(ctx, -EINVAL,
					"unix socket %u: connected to %u, not a bound datagram socket restored before",
					hu.objref, hu.peer_ref);
		ret = restore_unix_single(ctx, &hu, name, &rs);
		if (ret)
			return ret;
	} else if (rs) {
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
	if (hu.addr_len && hu.peer_ref && !oneway && !connecting) {
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
	if (oneway)
		return restore_unix_connect(ctx, rs, peer);
	/* its shutdown and SO_PASSCRED once its EMBRYO has its messages */
	if (connecting)
		return 0;
	if (peer) {
		struct ckpt_unix_sender from = { .sock = rst_sock(peer) };

		ret = restore_unix_queue(ctx, rs, &from, hu.nr_skbs, hu.queued);
		if (ret)
			return ret;
	}
	/* an unconnected socket, or the pair complete */
	if (!peer) {
		ret = restore_unix_unnamed_senders(ctx, rs, &hu);
		return ret ? ret : restore_unix_finish(ctx, rs);
	}
	if (!peer->defined)
		return 0;
	if (!restore_unix_shut_ok(rs, peer))
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
	if (!rs || !rs->defined || !rs->file) {
		ckpt_err(ctx, -EINVAL, "file %u: unknown unix socket %u (or an embryo)",
			 hf->objref, hf->obj_ref);
		return ERR_PTR(-EINVAL);
	}
	/* a connecting socket's embryo may come later, with its listener */
	if (rs->peer_ref && !(rs->flags & CKPT_UNIX_CONNECTING)) {
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
