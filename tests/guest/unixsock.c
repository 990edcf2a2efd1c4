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
 *   unixsock refuse-MODE              NAME unix_refuse (not restarted)
 *	netlink: an AF_NETLINK socket.  backlog: a listener with a connection
 *	not yet accepted.  self: a dgram socket bound to @kcr-unix-self and
 *	connected to itself.  outside: the checkpointed child C holds a socket whose peer
 *	(bound to @kcr-unix-outside) is held by P, outside the tree; C's pid
 *	is in /tmp/unix_refuse.root.
 * Selfcheck breaks (KCRTEST_BREAK): data (P reads one message early),
 * passcred (P clears SO_PASSCRED), name (bound: a fresh abstract socket).
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
	} else if (is("refuse-backlog")) {
		int cl = socket(AF_UNIX, SOCK_STREAM, 0);

		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		strcpy(a.sun_path + 1, "kcr-unix-backlog");
		if (fd < 0 || cl < 0 ||
		    bind(fd, (void *)&a, offsetof(struct sockaddr_un, sun_path) + 17) ||
		    listen(fd, 4) ||
		    connect(cl, (void *)&a, offsetof(struct sockaddr_un, sun_path) + 17))
			kt_die_errno("listen/connect");
	} else if (is("refuse-self")) {
		fd = socket(AF_UNIX, SOCK_DGRAM, 0);
		strcpy(a.sun_path + 1, "kcr-unix-self");
		if (fd < 0 ||
		    bind(fd, (void *)&a, offsetof(struct sockaddr_un, sun_path) + 14) ||
		    connect(fd, (void *)&a, offsetof(struct sockaddr_un, sun_path) + 14))
			kt_die_errno("bind/connect to itself");
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
