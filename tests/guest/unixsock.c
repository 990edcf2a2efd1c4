// SPDX-License-Identifier: GPL-2.0
/*
 * unixsock - AF_UNIX sockets across checkpoint/restart.
 *
 *   unixsock stream|dgram|seqpacket   NAME unix_pair_<type>
 *	A socketpair of that type, parent P holds one end, child C the
 *	other.  Before the checkpoint each side sends three messages the
 *	other does not read (C reads the first 4 bytes of P's first one on
 *	a stream), P sets O_NONBLOCK, SO_SNDBUF, SO_PASSCRED on its end and
 *	C SO_RCVBUF on its own.  On a stream P then sends a byte with
 *	MSG_OOB that C reads with MSG_OOB (its skb, read to its end, stays
 *	queued behind P's messages).  After restart both check the settings, read
 *	the messages in order (boundaries for dgram/seqpacket, the rest of
 *	the partly read one on a stream, SCM_CREDENTIALS with C's pid on P's
 *	side), find nothing more queued, and exchange one more message each
 *	way.  Also an unconnected, unbound socket (P fd) survives.
 *   unixsock shutdown                 NAME unix_shutdown
 *	A stream pair: P sends, then shutdown(SHUT_WR).  After restart C
 *	reads P's data then EOF, P's send fails with EPIPE, C can still send
 *	to P.
 *   unixsock bound                    NAME unix_bound
 *	Bound, unconnected sockets: a dgram one on an abstract name, a
 *	stream one listening on /tmp/unix_bound.sock (backlog 5), a dgram one
 *	on /tmp/unix_bound.dgram.  The killed original leaves its socket
 *	inodes at the paths: restart removes them.  After restart the names
 *	are back, the listener accepts a new connection, datagrams sent to
 *	both dgram names arrive.
 *   unixsock accept                   NAME unix_accept
 *	P listens on /tmp/unix_accept.sock; C connects from a socket bound to
 *	@kcr-unix-client, P accepts: each sends the other a message left
 *	unread.  C also has a dgram socket connected (one way) to P's dgram
 *	socket bound to @kcr-unix-dgsrv, and sends two datagrams left
 *	queued there.  After restart: the names on both sides (getsockname,
 *	getpeername: the accepted socket has the listener's), the queued
 *	messages, datagrams from an unnamed sender, a new connection to the
 *	listener, more messages both ways.
 *   unixsock backlog                  NAME unix_backlog
 *	P listens on @kcr-unix-bl (stream, backlog 8), and accepts nothing
 *	before the checkpoint: C connects c1 (sends "m1", then
 *	shutdown(SHUT_WR)), c2 (bound to @kcr-unix-bl-c2, sends "m2a" and
 *	"m2b"), c3 (sends nothing); then P connects p4 itself.  After restart
 *	P accepts four connections in that order, each with its data (c1's
 *	then EOF; c2's peer name), replies on each; C reads the replies on
 *	c1..c3 and sends on c3.
 *   unixsock inflight                 NAME unix_inflight
 *	A socketpair ctl between P and C.  P sends C one message "fds"
 *	carrying (SCM_RIGHTS) a pipe's read end with "pipe-data" in it, a
 *	file opened on /tmp/unix_inflight.file at offset 5, and one end of a
 *	socketpair x with "x-data" queued, then closes them (in flight only);
 *	and a second message "dup" carrying the pipe's read end again.  C
 *	reads nothing before the checkpoint.  After restart C receives both
 *	messages with their files: the pipe's data, the file at offset 5,
 *	the socket's queued message; both pipe fds are the same pipe; C sends
 *	on x and P reads it on its end.
 *   unixsock refuse-MODE              NAME unix_refuse (not restarted)
 *	netlink: an AF_NETLINK socket.  closed: a listener with a
 *	connection waiting whose connecting socket was closed.  self: a
 *	dgram socket bound to @kcr-unix-self and connected to itself.
 *	outside: the checkpointed child C holds a socket whose peer (bound
 *	to @kcr-unix-outside) is held by P, outside the tree; C's pid is in
 *	/tmp/unix_refuse.root.  fdself: a socket in flight in its peer's
 *	queue.  fdkind: a netlink socket in flight.  fdoutside: the child C
 *	(checkpointed) holds a socketpair whose queue carries a pipe end P
 *	(outside) still holds.
 * Selfcheck breaks (KCRTEST_BREAK): data (P reads one message early),
 * passcred (P clears SO_PASSCRED), name (bound: a fresh abstract socket),
 * peername (accept: the accepted socket replaced by a new connection),
 * order (backlog: P accepts one connection before checking), fds
 * (inflight: C reads the pipe before checking).
 */
#include "kcrtest.h"
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

static const char *mode;
static int type;
static int sv[2], lone = -1;
static int sndbuf_want, rcvbuf_want;

static int is(const char *m)
{
	return !strcmp(mode, m);
}

static void xsend(int fd, const char *s)
{
	if (send(fd, s, strlen(s), MSG_NOSIGNAL) != (ssize_t)strlen(s))
		kt_die_errno("send");
}

/* Receive one message (stream: exactly strlen(exp) bytes), check it. */
static void expect_msg(int fd, const char *what, const char *exp, pid_t cred_pid)
{
	char buf[256], cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { buf, type == SOCK_STREAM ? strlen(exp) : sizeof(buf) - 1 };
	struct msghdr mh;
	struct cmsghdr *cm;
	struct ucred uc;
	int got_cred = 0;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	n = recvmsg(fd, &mh, MSG_DONTWAIT | (type == SOCK_STREAM ? MSG_WAITALL : 0));
	if (n < 0) {
		kt_fail("%s: expected \"%s\", got error %s", what, exp, strerror(errno));
		return;
	}
	buf[n] = 0;
	KT_EXPECT_STR(what, exp, buf);
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
			memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
			got_cred = 1;
		}
	}
	if (cred_pid) {
		if (!got_cred)
			kt_fail("%s: expected SCM_CREDENTIALS, got none", what);
		else {
			KT_EXPECT_INT("SCM_CREDENTIALS pid", cred_pid, uc.pid);
			KT_EXPECT_INT("SCM_CREDENTIALS uid", getuid(), uc.uid);
		}
	}
}

static void expect_empty(int fd, const char *what)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);

	if (n >= 0 || errno != EAGAIN)
		kt_fail("%s: expected nothing more queued (EAGAIN), got %zd (%s)", what, n,
			n < 0 ? strerror(errno) : "data");
}

static int getint(int fd, int opt)
{
	int v = -1;
	socklen_t l = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, opt, &v, &l))
		kt_die_errno("getsockopt");
	return v;
}

static void set_int(int fd, int opt, int v)
{
	if (setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v)))
		kt_die_errno("setsockopt");
}

static void wait_readable(int fd)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char b;
	int i;

	for (i = 0; i < 500; i++) {
		if (recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) >= 0)
			return;
		nanosleep(&ts, NULL);
	}
}

/* The child: the other end of the pair. */
static int child(int ready_fd)
{
	char c = 'r', buf[16];

	kt_set_who("C");
	close(sv[0]);
	if (is("shutdown")) {
		xsend(sv[1], "from-c");
		if (write(ready_fd, &c, 1) != 1)
			kt_die_errno("ready pipe");
		close(ready_fd);
		kt_wait_go();
		expect_msg(sv[1], "C: P's data before SHUT_WR", "p-data", 0);
		if (recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) != 0)
			kt_fail("C: expected EOF after P's shutdown(SHUT_WR), got %s",
				strerror(errno));
		xsend(sv[1], "c-after");
		return kt_nfail ? 1 : 0;
	}
	set_int(sv[1], SO_RCVBUF, 50000);
	rcvbuf_want = getint(sv[1], SO_RCVBUF);
	if (type == SOCK_STREAM) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		int i;

		if (recv(sv[1], buf, 4, MSG_WAITALL) != 4 || memcmp(buf, "p0-h", 4))
			kt_die("C: partial read of p0 failed");
		/* P's out-of-band byte, sent after its three messages */
		for (i = 0; i < 500; i++) {
			if (recv(sv[1], buf, 1, MSG_OOB | MSG_DONTWAIT) == 1)
				break;
			nanosleep(&ts, NULL);
		}
		if (i == 500 || buf[0] != 'o')
			kt_die("C: no out-of-band byte from P");
	}
	xsend(sv[1], "c0");
	xsend(sv[1], "c1-longer");
	xsend(sv[1], "c2");
	if (write(ready_fd, &c, 1) != 1)
		kt_die_errno("ready pipe");
	close(ready_fd);
	kt_wait_go();
	KT_EXPECT_INT("C: SO_RCVBUF", rcvbuf_want, getint(sv[1], SO_RCVBUF));
	KT_EXPECT_INT("C: SO_TYPE", type, getint(sv[1], SO_TYPE));
	expect_msg(sv[1], "C: message 0 from P", type == SOCK_STREAM ? "ello" : "p0-hello", 0);
	expect_msg(sv[1], "C: message 1 from P", "p1", 0);
	expect_msg(sv[1], "C: message 2 from P", "p2-x", 0);
	/* P sends it once it found its own queue as expected */
	wait_readable(sv[1]);
	expect_msg(sv[1], "C: P's message after restart", "p-after", 0);
	expect_empty(sv[1], "C: queue from P");
	xsend(sv[1], "c-after");
	return kt_nfail ? 1 : 0;
}

/* One message s with the fds (SCM_RIGHTS). */
static void send_fds(int fd, const char *s, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(8 * sizeof(int))];
	struct iovec iov = { (void *)s, strlen(s) };
	struct msghdr mh;
	struct cmsghdr *cm;

	memset(&mh, 0, sizeof(mh));
	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) != (ssize_t)strlen(s))
		kt_die_errno("sendmsg(SCM_RIGHTS)");
}

/* One message (blocking), expected exp, with exactly n fds into fds. */
static void recv_fds(int fd, const char *what, const char *exp, int *fds, int n)
{
	char buf[64], cbuf[CMSG_SPACE(8 * sizeof(int))];
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr mh;
	struct cmsghdr *cm;
	int got = 0, i;
	ssize_t r;

	for (i = 0; i < n; i++)
		fds[i] = -1;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	if (r < 0) {
		kt_fail("%s: recvmsg: %s", what, strerror(errno));
		return;
	}
	buf[r] = 0;
	KT_EXPECT_STR(what, exp, buf);
	if (mh.msg_flags & MSG_CTRUNC)
		kt_fail("%s: control data truncated", what);
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		got = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(cm), (got < n ? got : n) * sizeof(int));
	}
	KT_EXPECT_INT("fds in flight received", n, got);
}

static int refuse(void)
{
	struct sockaddr_un a;
	pid_t c;
	int fd, st;
	char buf[32];

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	if (is("refuse-netlink")) {
		fd = socket(AF_NETLINK, SOCK_RAW, 0);
		if (fd < 0)
			kt_die_errno("socket(AF_NETLINK)");
	} else if (is("refuse-self")) {
		fd = socket(AF_UNIX, SOCK_DGRAM, 0);
		strcpy(a.sun_path + 1, "kcr-unix-self");
		if (fd < 0 ||
		    bind(fd, (void *)&a, offsetof(struct sockaddr_un, sun_path) + 14) ||
		    connect(fd, (void *)&a, offsetof(struct sockaddr_un, sun_path) + 14))
			kt_die_errno("bind/connect to itself");
	} else if (is("refuse-closed")) {
		int cl = socket(AF_UNIX, SOCK_STREAM, 0);

		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		strcpy(a.sun_path + 1, "kcr-unix-backlog");
		if (fd < 0 || cl < 0 ||
		    bind(fd, (void *)&a, offsetof(struct sockaddr_un, sun_path) + 17) ||
		    listen(fd, 4) ||
		    connect(cl, (void *)&a, offsetof(struct sockaddr_un, sun_path) + 17))
			kt_die_errno("listen/connect");
		close(cl);
	} else if (is("refuse-fdself") || is("refuse-fdkind")) {
		int nl = is("refuse-fdkind") ? socket(AF_NETLINK, SOCK_RAW, 0) : -1;

		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) ||
		    (is("refuse-fdkind") && nl < 0))
			kt_die_errno("socketpair/netlink");
		send_fds(sv[0], "fd", nl >= 0 ? &nl : &sv[0], 1);
		if (nl >= 0)
			close(nl);
		fd = sv[0];
	} else if (is("refuse-fdoutside")) {
		int p[2];

		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) || pipe(p))
			kt_die_errno("socketpair/pipe");
		send_fds(sv[0], "fd", &p[0], 1);
		c = fork();
		if (c < 0)
			kt_die_errno("fork");
		if (c == 0) {
			int null = open("/dev/null", O_RDWR);

			close(p[0]);
			close(p[1]);
			if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
				_exit(1);
			close(null);
			kt_wait_go();
			_exit(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) == 2 ? 0 : 1);
		}
		close(sv[0]);
		close(sv[1]);
		close(p[1]);
		snprintf(buf, sizeof(buf), "%d", c);
		if (kt_write_file("/tmp/unix_refuse.root", buf, strlen(buf)))
			kt_die_errno("root file");
		kt_ready();
		kt_wait_go();
		if (kt_wait_pid(c, &st, 30) != c || !WIFEXITED(st) || WEXITSTATUS(st))
			kt_fail("child did not run on after the refused checkpoint");
		close(p[0]);
		kt_done();
	} else if (is("refuse-outside")) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			kt_die_errno("socketpair");
		strcpy(a.sun_path + 1, "kcr-unix-outside");
		if (bind(sv[0], (void *)&a, offsetof(struct sockaddr_un, sun_path) + 17))
			kt_die_errno("bind");
		c = fork();
		if (c < 0)
			kt_die_errno("fork");
		if (c == 0) {
			int null = open("/dev/null", O_RDWR);

			/* share nothing with P but the socket's other end */
			close(sv[0]);
			if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
				_exit(1);
			close(null);
			kt_wait_go();
			xsend(sv[1], "alive");
			_exit(0);
		}
		close(sv[1]);
		snprintf(buf, sizeof(buf), "%d", c);
		if (kt_write_file("/tmp/unix_refuse.root", buf, strlen(buf)))
			kt_die_errno("root file");
		kt_ready();
		kt_wait_go();
		if (kt_wait_pid(c, &st, 30) != c || !WIFEXITED(st) || WEXITSTATUS(st))
			kt_fail("child did not run on after the refused checkpoint");
		wait_readable(sv[0]);
		expect_msg(sv[0], "message from the child", "alive", 0);
		kt_done();
	} else {
		kt_die("unknown mode %s", mode);
	}
	kt_ready();
	kt_wait_go();
	close(fd);
	kt_done();
}

static socklen_t sun_set(struct sockaddr_un *a, const char *path, const char *abstract)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (path) {
		strcpy(a->sun_path, path);
		return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
	}
	strcpy(a->sun_path + 1, abstract);
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(abstract);
}

static void expect_name(int fd, const char *what, const struct sockaddr_un *exp, socklen_t elen)
{
	struct sockaddr_un got;
	socklen_t glen = sizeof(got);

	memset(&got, 0, sizeof(got));
	if (getsockname(fd, (void *)&got, &glen)) {
		kt_fail("%s: getsockname: %s", what, strerror(errno));
		return;
	}
	if (glen != elen || memcmp(&got, exp, elen))
		kt_fail("%s: expected name \"%s%s\" (%u bytes), got \"%s%s\" (%u bytes)", what,
			exp->sun_path[0] ? "" : "@", exp->sun_path[0] ? exp->sun_path : exp->sun_path + 1,
			elen, got.sun_path[0] ? "" : "@",
			got.sun_path[0] ? got.sun_path : got.sun_path + 1, glen);
}

static int bound(void)
{
	struct sockaddr_un aa, al, ad;
	socklen_t la = sun_set(&aa, NULL, "kcr-unix-abs");
	socklen_t ll = sun_set(&al, "/tmp/unix_bound.sock", NULL);
	socklen_t ld = sun_set(&ad, "/tmp/unix_bound.dgram", NULL);
	int a, l, d, c, s, u;
	struct stat st;

	unlink(al.sun_path);
	unlink(ad.sun_path);
	a = socket(AF_UNIX, SOCK_DGRAM, 0);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	d = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (a < 0 || l < 0 || d < 0 || bind(a, (void *)&aa, la) || bind(l, (void *)&al, ll) ||
	    listen(l, 5) || bind(d, (void *)&ad, ld))
		kt_die_errno("bind");
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_broken("name")) {
		close(a);
		a = socket(AF_UNIX, SOCK_DGRAM, 0);
	}
	expect_name(a, "abstract dgram socket", &aa, la);
	expect_name(l, "listening socket", &al, ll);
	expect_name(d, "path dgram socket", &ad, ld);
	KT_EXPECT_INT("SO_ACCEPTCONN of the listener", 1, getint(l, SO_ACCEPTCONN));
	if (stat(al.sun_path, &st) || !S_ISSOCK(st.st_mode))
		kt_fail("%s: expected a socket inode", al.sun_path);
	type = SOCK_STREAM;
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(c, (void *)&al, ll)) {
		kt_fail("connect to the restored listener: %s", strerror(errno));
	} else {
		s = accept(l, NULL, NULL);
		if (s < 0) {
			kt_fail("accept on the restored listener: %s", strerror(errno));
		} else {
			xsend(c, "hi");
			expect_msg(s, "accepted connection", "hi", 0);
			close(s);
		}
	}
	close(c);
	type = SOCK_DGRAM;
	u = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (sendto(u, "to-abs", 6, 0, (void *)&aa, la) != 6)
		kt_fail("sendto the abstract name: %s", strerror(errno));
	else
		expect_msg(a, "datagram to the abstract name", "to-abs", 0);
	if (sendto(u, "to-path", 7, 0, (void *)&ad, ld) != 7)
		kt_fail("sendto the path name: %s", strerror(errno));
	else
		expect_msg(d, "datagram to the path name", "to-path", 0);
	unlink(al.sun_path);
	unlink(ad.sun_path);
	kt_done();
}


static void expect_peer(int fd, const char *what, const struct sockaddr_un *exp, socklen_t elen)
{
	struct sockaddr_un got;
	socklen_t glen = sizeof(got);

	memset(&got, 0, sizeof(got));
	if (getpeername(fd, (void *)&got, &glen)) {
		kt_fail("%s: getpeername: %s", what, strerror(errno));
		return;
	}
	if (glen != elen || memcmp(&got, exp, elen))
		kt_fail("%s: expected peer name \"%s%s\" (%u bytes), got \"%s%s\" (%u bytes)", what,
			exp->sun_path[0] ? "" : "@", exp->sun_path[0] ? exp->sun_path : exp->sun_path + 1,
			elen, got.sun_path[0] ? "" : "@",
			got.sun_path[0] ? got.sun_path : got.sun_path + 1, glen);
}

/* Blocking receive of exactly exp (stream: its length). */
static void expect_block(int fd, const char *what, const char *exp)
{
	char buf[128];
	ssize_t n = recv(fd, buf, type == SOCK_STREAM ? strlen(exp) : sizeof(buf) - 1,
			 type == SOCK_STREAM ? MSG_WAITALL : 0);

	if (n < 0) {
		kt_fail("%s: expected \"%s\", got error %s", what, exp, strerror(errno));
		return;
	}
	buf[n] = 0;
	KT_EXPECT_STR(what, exp, buf);
}

static void child_ready(int ready_fd)
{
	char c = 'r';

	if (write(ready_fd, &c, 1) != 1)
		kt_die_errno("ready pipe");
	close(ready_fd);
}

static void parent_wait_child(int rfd)
{
	char ch;

	if (read(rfd, &ch, 1) != 1)
		kt_die("child not ready");
	close(rfd);
}

static void reap_child(pid_t c)
{
	int st;

	if (kt_wait_pid(c, &st, 60) != c)
		kt_fail("C did not end");
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("C: exit status 0x%x", st);
}

static int accept_test(void)
{
	struct sockaddr_un al, ac, ad;
	socklen_t ll = sun_set(&al, "/tmp/unix_accept.sock", NULL);
	socklen_t lc = sun_set(&ac, NULL, "kcr-unix-client");
	socklen_t ld = sun_set(&ad, NULL, "kcr-unix-dgsrv");
	struct sockaddr_un from;
	socklen_t flen;
	int l, a, b, rp[2], n;
	char buf[32];
	pid_t c;

	signal(SIGPIPE, SIG_IGN);
	type = SOCK_STREAM;
	unlink(al.sun_path);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	b = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (l < 0 || b < 0 || bind(l, (void *)&al, ll) || listen(l, 8) ||
	    bind(b, (void *)&ad, ld) || pipe(rp))
		kt_die_errno("listen/bind");
	c = fork();
	if (c < 0)
		kt_die_errno("fork");
	if (c == 0) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0), d = socket(AF_UNIX, SOCK_DGRAM, 0);
		int s2;

		kt_set_who("C");
		close(rp[0]);
		close(l);
		close(b);
		if (s < 0 || d < 0 || bind(s, (void *)&ac, lc) || connect(s, (void *)&al, ll) ||
		    connect(d, (void *)&ad, ld))
			kt_die_errno("C: bind/connect");
		xsend(s, "c-hello");
		xsend(d, "d0");
		xsend(d, "d1-longer");
		child_ready(rp[1]);
		kt_wait_go();
		expect_name(s, "C: its own name", &ac, lc);
		expect_peer(s, "C: its peer's name (the listener's)", &al, ll);
		expect_peer(d, "C: the dgram socket's peer", &ad, ld);
		expect_block(s, "C: P's message", "p-hello");
		/* once P checked its queues */
		expect_block(s, "C: P's message after restart", "p-after");
		xsend(s, "c-after");
		type = SOCK_DGRAM;
		xsend(d, "d-after");
		/* a new connection to the restored listener */
		s2 = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s2 < 0 || connect(s2, (void *)&al, ll))
			kt_fail("C: connect to the restored listener: %s", strerror(errno));
		else
			xsend(s2, "new");
		_exit(kt_nfail ? 1 : 0);
	}
	close(rp[1]);
	kt_set_who("P");
	parent_wait_child(rp[0]);
	a = accept(l, NULL, NULL);
	if (a < 0)
		kt_die_errno("accept");
	xsend(a, "p-hello");
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_broken("peername")) {
		close(a);
		a = socket(AF_UNIX, SOCK_STREAM, 0);
	}
	expect_name(l, "P: the listener's name", &al, ll);
	expect_name(a, "P: the accepted socket's name (the listener's)", &al, ll);
	expect_peer(a, "P: the accepted socket's peer", &ac, lc);
	expect_name(b, "P: the dgram server's name", &ad, ld);
	expect_msg(a, "P: C's message", "c-hello", 0);
	/* datagrams from C's unnamed socket: no source name */
	type = SOCK_DGRAM;
	for (n = 0; n < 2; n++) {
		const char *exp = n ? "d1-longer" : "d0";

		flen = sizeof(from);
		memset(buf, 0, sizeof(buf));
		if (recvfrom(b, buf, sizeof(buf) - 1, MSG_DONTWAIT, (void *)&from, &flen) < 0)
			kt_fail("P: datagram %d from C: %s", n, strerror(errno));
		else
			KT_EXPECT_STR("P: datagram from C", exp, buf);
		KT_EXPECT_INT("P: source name length of an unnamed sender", 0, (int)flen);
	}
	expect_empty(b, "P: dgram queue");
	xsend(a, "p-after");
	type = SOCK_STREAM;
	expect_block(a, "P: C's message after restart", "c-after");
	type = SOCK_DGRAM;
	expect_block(b, "P: C's datagram after restart", "d-after");
	type = SOCK_STREAM;
	n = accept(l, NULL, NULL);
	if (n < 0)
		kt_fail("P: accept after restart: %s", strerror(errno));
	else
		expect_block(n, "P: the new connection's data", "new");
	reap_child(c);
	unlink(al.sun_path);
	kt_done();
}

static int backlog_test(void)
{
	struct sockaddr_un al, a2;
	socklen_t ll = sun_set(&al, NULL, "kcr-unix-bl");
	socklen_t l2 = sun_set(&a2, NULL, "kcr-unix-bl-c2");
	int l, p4, rp[2], s[4], i;
	char buf[8];
	pid_t c;

	signal(SIGPIPE, SIG_IGN);
	type = SOCK_STREAM;
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (void *)&al, ll) || listen(l, 8) || pipe(rp))
		kt_die_errno("listen");
	c = fork();
	if (c < 0)
		kt_die_errno("fork");
	if (c == 0) {
		int c1 = socket(AF_UNIX, SOCK_STREAM, 0), c2 = socket(AF_UNIX, SOCK_STREAM, 0);
		int c3 = socket(AF_UNIX, SOCK_STREAM, 0);

		kt_set_who("C");
		close(rp[0]);
		close(l);
		if (c1 < 0 || c2 < 0 || c3 < 0 || connect(c1, (void *)&al, ll) ||
		    bind(c2, (void *)&a2, l2) || connect(c2, (void *)&al, ll) ||
		    connect(c3, (void *)&al, ll))
			kt_die_errno("C: connect");
		xsend(c1, "m1");
		if (shutdown(c1, SHUT_WR))
			kt_die_errno("shutdown");
		xsend(c2, "m2a");
		xsend(c2, "m2b");
		child_ready(rp[1]);
		kt_wait_go();
		expect_peer(c2, "C: c2's peer (the listener's name)", &al, ll);
		expect_block(c1, "C: reply on c1", "r1");
		expect_block(c2, "C: reply on c2", "r2");
		expect_block(c3, "C: reply on c3", "r3");
		xsend(c3, "late");
		_exit(kt_nfail ? 1 : 0);
	}
	close(rp[1]);
	kt_set_who("P");
	parent_wait_child(rp[0]);
	p4 = socket(AF_UNIX, SOCK_STREAM, 0);
	if (p4 < 0 || connect(p4, (void *)&al, ll))
		kt_die_errno("P: connect");
	xsend(p4, "m4");
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_broken("order"))
		close(accept(l, NULL, NULL));
	for (i = 0; i < 4; i++) {
		s[i] = accept4(l, NULL, NULL, SOCK_NONBLOCK);
		if (s[i] < 0) {
			kt_fail("P: accept %d after restart: %s", i + 1, strerror(errno));
			kt_done();
		}
	}
	expect_name(s[0], "P: accepted socket 1's name (the listener's)", &al, ll);
	expect_msg(s[0], "P: connection 1's data", "m1", 0);
	if (recv(s[0], buf, sizeof(buf), MSG_DONTWAIT) != 0)
		kt_fail("P: connection 1: expected EOF after its shutdown(SHUT_WR), got %s",
			strerror(errno));
	expect_peer(s[1], "P: connection 2's peer", &a2, l2);
	expect_msg(s[1], "P: connection 2's data", "m2am2b", 0);
	expect_empty(s[2], "P: connection 3's queue");
	expect_msg(s[3], "P: connection 4's data (P's own)", "m4", 0);
	if (fcntl(l, F_SETFL, O_NONBLOCK))
		kt_die_errno("F_SETFL");
	if (accept4(l, NULL, NULL, SOCK_NONBLOCK) >= 0 || errno != EAGAIN)
		kt_fail("P: a fifth connection waiting");
	xsend(s[0], "r1");
	xsend(s[1], "r2");
	xsend(s[2], "r3");
	xsend(s[3], "r4");
	expect_block(p4, "P: reply on its own connection", "r4");
	fcntl(s[2], F_SETFL, 0);
	expect_block(s[2], "P: connection 3's message after restart", "late");
	reap_child(c);
	kt_done();
}

static int inflight_test(void)
{
	static const char path[] = "/tmp/unix_inflight.file";
	int ctl[2], p[2], x[2], f, rp[2], fds[3];
	struct stat s1, s2;
	char buf[32];
	pid_t c;
	ssize_t n;

	signal(SIGPIPE, SIG_IGN);
	unlink(path);
	f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (f < 0 || write(f, "file-data", 9) != 9 || lseek(f, 5, SEEK_SET) != 5)
		kt_die_errno("the file");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, ctl) || pipe(p) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, x) || pipe(rp))
		kt_die_errno("socketpair/pipe");
	if (write(p[1], "pipe-data", 9) != 9)
		kt_die_errno("pipe write");
	type = SOCK_SEQPACKET;
	xsend(x[0], "x-data");
	c = fork();
	if (c < 0)
		kt_die_errno("fork");
	if (c == 0) {
		int dup[1];

		kt_set_who("C");
		close(rp[0]);
		close(ctl[0]);
		close(p[0]);
		close(p[1]);
		close(x[0]);
		close(x[1]);
		close(f);
		child_ready(rp[1]);
		kt_wait_go();
		type = SOCK_STREAM;
		recv_fds(ctl[1], "C: message with 3 fds", "fds", fds, 3);
		type = SOCK_STREAM;
		recv_fds(ctl[1], "C: message with the pipe again", "dup", dup, 1);
		if (kt_broken("fds") && read(fds[0], buf, 1) < 0)
			kt_die_errno("read");
		memset(buf, 0, sizeof(buf));
		n = read(fds[0], buf, sizeof(buf) - 1);
		KT_EXPECT_STR("C: the pipe in flight", "pipe-data", n > 0 ? buf : "");
		if (fstat(fds[0], &s1) || fstat(dup[0], &s2) || s1.st_ino != s2.st_ino)
			kt_fail("C: the two pipe fds in flight are not the same pipe");
		KT_EXPECT_INT("C: the file's offset", 5, (int)lseek(fds[1], 0, SEEK_CUR));
		memset(buf, 0, sizeof(buf));
		n = read(fds[1], buf, sizeof(buf) - 1);
		KT_EXPECT_STR("C: the file in flight", "data", n > 0 ? buf : "");
		type = SOCK_SEQPACKET;
		expect_msg(fds[2], "C: the socket in flight's queue", "x-data", 0);
		xsend(fds[2], "via-x");
		_exit(kt_nfail ? 1 : 0);
	}
	close(rp[1]);
	close(ctl[1]);
	kt_set_who("P");
	parent_wait_child(rp[0]);
	fds[0] = p[0];
	fds[1] = f;
	fds[2] = x[1];
	send_fds(ctl[0], "fds", fds, 3);
	send_fds(ctl[0], "dup", &p[0], 1);
	close(p[0]);
	close(p[1]);
	close(f);
	close(x[1]);
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	type = SOCK_SEQPACKET;
	expect_block(x[0], "P: message on the socket passed to C", "via-x");
	reap_child(c);
	unlink(path);
	kt_done();
}

int main(int argc, char **argv)
{
	int rp[2], fl;
	pid_t c, me;
	char ch;
	int st;

	if (argc < 3)
		kt_die("usage: unixsock stream|dgram|seqpacket|shutdown|refuse-MODE NAME");
	mode = argv[1];
	kt_start(argv[2]);
	if (!strncmp(mode, "refuse-", 7))
		return refuse();
	if (is("bound"))
		return bound();
	if (is("accept"))
		return accept_test();
	if (is("backlog"))
		return backlog_test();
	if (is("inflight"))
		return inflight_test();
	type = is("stream") || is("shutdown") ? SOCK_STREAM :
	       is("dgram") ? SOCK_DGRAM : SOCK_SEQPACKET;
	signal(SIGPIPE, SIG_IGN);
	if (socketpair(AF_UNIX, type, 0, sv) || pipe(rp))
		kt_die_errno("socketpair");
	lone = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (lone < 0)
		kt_die_errno("socket");
	if (!is("shutdown")) {
		set_int(sv[0], SO_PASSCRED, 1);
		set_int(sv[0], SO_SNDBUF, 40000);
		sndbuf_want = getint(sv[0], SO_SNDBUF);
		fl = fcntl(sv[0], F_GETFL);
		if (fcntl(sv[0], F_SETFL, fl | O_NONBLOCK))
			kt_die_errno("F_SETFL");
	}
	c = fork();
	if (c < 0)
		kt_die_errno("fork");
	if (c == 0) {
		close(rp[0]);
		_exit(child(rp[1]));
	}
	close(rp[1]);
	close(sv[1]);
	kt_set_who("P");
	if (is("shutdown")) {
		xsend(sv[0], "p-data");
		if (shutdown(sv[0], SHUT_WR))
			kt_die_errno("shutdown");
	} else {
		xsend(sv[0], "p0-hello");
		xsend(sv[0], "p1");
		xsend(sv[0], "p2-x");
		if (type == SOCK_STREAM && send(sv[0], "o", 1, MSG_OOB | MSG_NOSIGNAL) != 1)
			kt_die_errno("send(MSG_OOB)");
	}
	if (read(rp[0], &ch, 1) != 1)
		kt_die("child not ready");
	close(rp[0]);
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	me = c;
	if (is("shutdown")) {
		expect_msg(sv[0], "P: C's data", "from-c", 0);
		if (send(sv[0], "x", 1, MSG_NOSIGNAL) >= 0 || errno != EPIPE)
			kt_fail("P: send after shutdown(SHUT_WR): expected EPIPE, got %s",
				strerror(errno));
		wait_readable(sv[0]);
		expect_msg(sv[0], "P: C's message after restart", "c-after", 0);
	} else {
		if (kt_broken("passcred"))
			set_int(sv[0], SO_PASSCRED, 0);
		if (kt_broken("data")) {
			char b[64];

			if (recv(sv[0], b, type == SOCK_STREAM ? 2 : sizeof(b), 0) < 0)
				kt_die_errno("recv");
		}
		KT_EXPECT_INT("P: O_NONBLOCK", O_NONBLOCK, fcntl(sv[0], F_GETFL) & O_NONBLOCK);
		KT_EXPECT_INT("P: SO_SNDBUF", sndbuf_want, getint(sv[0], SO_SNDBUF));
		KT_EXPECT_INT("P: SO_PASSCRED", 1, getint(sv[0], SO_PASSCRED));
		KT_EXPECT_INT("P: SO_TYPE", type, getint(sv[0], SO_TYPE));
		KT_EXPECT_INT("P: unconnected socket SO_TYPE", SOCK_DGRAM, getint(lone, SO_TYPE));
		expect_msg(sv[0], "P: message 0 from C", "c0", me);
		expect_msg(sv[0], "P: message 1 from C", "c1-longer", me);
		expect_msg(sv[0], "P: message 2 from C", "c2", me);
		expect_empty(sv[0], "P: queue from C");
		xsend(sv[0], "p-after");
		wait_readable(sv[0]);
		expect_msg(sv[0], "P: C's message after restart", "c-after", me);
	}
	if (kt_wait_pid(c, &st, 30) != c)
		kt_fail("C did not end");
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("C: exit status 0x%x", st);
	kt_done();
}
