// SPDX-License-Identifier: GPL-2.0
/*
 * epoll: epoll files across checkpoint/restart.
 *
 *   epoll basic    one epoll over pipes: items with data values, a pipe
 *                  with data (ready), an empty one (ready after restart
 *                  when written), the same pipe under a second (dup) fd,
 *                  a fired EPOLLONESHOT item (disarmed: not reported until
 *                  EPOLL_CTL_MOD re-arms it), an EPOLLET item whose edge
 *                  was not consumed (reported once after restart, not
 *                  twice), an EPOLLEXCLUSIVE item, a write end (EPOLLOUT).
 *   epoll nested   epoll A watches epoll B watches epoll C watches a pipe:
 *                  a byte written after restart is seen through all three.
 *   epoll shared   epoll_create then fork: after restart the child adds an
 *                  item and writes; the parent sees the item and the event
 *                  (one file, not two copies).
 *   epoll blocked  the parent is blocked in epoll_wait(-1) (raw syscall
 *                  232) at checkpoint; after restart the child writes a
 *                  byte (once the go file exists) and the wait returns
 *                  that one event with its data, not EINTR.
 *   epoll outside  refused: R's epoll watches a pipe end that only O, R's
 *                  parent outside the tree, holds (/tmp/epoll_outside.root
 *                  names R); both run on and exit 0 after the go file.
 *   epoll procfs   refused: the epoll watches /proc/self/mounts (a target
 *                  kcr does not save); it runs on and exits 0 after go.
 * Every mode compares the interest lists (/proc/self/fdinfo: tfd, events,
 * data, sorted) before and after.  KCRTEST_BREAK (selfcheck): "oneshot"
 * re-arms the fired oneshot, "data" changes an item's data, "drop" removes
 * an item, "et" consumes the pending edge.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <sys/epoll.h>

static const char *mode;

static int is(const char *m)
{
	return !strcmp(mode, m);
}

static void xpipe(int p[2])
{
	if (pipe(p))
		kt_die_errno("pipe");
}

static void add(int ep, int fd, unsigned int events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		kt_die_errno("epoll_ctl ADD");
}

static void xwrite(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		kt_die_errno("write");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The interest list of ep as sorted "tfd events data" lines. */
static void interest(int ep, char *out, size_t size)
{
	char path[64], buf[8192], *lines[256], *p, *save;
	int n = 0, i;
	size_t o = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ep);
	if (kt_read_file(path, buf, sizeof(buf)) < 0)
		kt_die_errno("reading fdinfo");
	for (p = strtok_r(buf, "\n", &save); p && n < 256;
	     p = strtok_r(NULL, "\n", &save)) {
		char *pos = strstr(p, " pos:");

		if (strncmp(p, "tfd:", 4))
			continue;
		if (pos)
			*pos = 0;
		lines[n++] = p;
	}
	qsort(lines, n, sizeof(lines[0]), cmp_str);
	out[0] = 0;
	for (i = 0; i < n; i++)
		o += snprintf(out + o, o < size ? size - o : 0, "%s\n", lines[i]);
}

/* epoll_wait(timeout) and the sorted data values it returns, as a string */
static int waited(int ep, int timeout, char *out, size_t size)
{
	struct epoll_event ev[16];
	uint64_t v[16], t;
	int n, i, j;
	size_t o = 0;

	n = epoll_wait(ep, ev, 16, timeout);
	if (n < 0) {
		snprintf(out, size, "error %s", strerror(errno));
		return n;
	}
	for (i = 0; i < n; i++)
		v[i] = ev[i].data.u64;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (v[j] < v[i]) {
				t = v[i];
				v[i] = v[j];
				v[j] = t;
			}
	out[0] = 0;
	for (i = 0; i < n; i++)
		o += snprintf(out + o, o < size ? size - o : 0, "%s%llx",
			      i ? " " : "", (unsigned long long)v[i]);
	return n;
}

static void expect_wait(const char *what, int ep, int timeout, const char *exp)
{
	char got[512];

	waited(ep, timeout, got, sizeof(got));
	KT_EXPECT_STR(what, exp, got);
}

static char before[8192], after[8192];

static int basic(void)
{
	int a[2], b[2], c[2], d[2], e[2], ep, bdup;
	char got[512];

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		kt_die_errno("epoll_create1");
	xpipe(a);
	xpipe(b);
	xpipe(c);
	xpipe(d);
	xpipe(e);
	bdup = dup(b[0]);
	xwrite(a[1], "abc");
	xwrite(c[1], "c");
	add(ep, a[0], EPOLLIN, 0x1111000000000001ULL);
	add(ep, a[1], EPOLLOUT, 0x5555);
	add(ep, b[0], EPOLLIN, 0x2222);
	add(ep, bdup, EPOLLIN | EPOLLRDNORM, 0x2223);
	add(ep, c[0], EPOLLIN | EPOLLONESHOT, 0x3333);
	add(ep, d[0], EPOLLIN | EPOLLET, 0x4444);
	add(ep, e[0], EPOLLIN | EPOLLEXCLUSIVE, 0x6666);
	/* fire the oneshot (and see the level-triggered ones) */
	expect_wait("before: ready", ep, 0, "3333 5555 1111000000000001");
	/* an edge that nobody consumed */
	xwrite(d[1], "d");
	interest(ep, before, sizeof(before));

	kt_ready();
	kt_wait_go();
	kt_after_restart();

	if (kt_broken("oneshot")) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x3333 };

		epoll_ctl(ep, EPOLL_CTL_MOD, c[0], &ev);
	}
	if (kt_broken("data")) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x2220 };

		epoll_ctl(ep, EPOLL_CTL_MOD, b[0], &ev);
	}
	if (kt_broken("drop"))
		epoll_ctl(ep, EPOLL_CTL_DEL, e[0], NULL);
	if (kt_broken("et"))
		epoll_wait(ep, (struct epoll_event[8]){ }, 8, 0);

	interest(ep, after, sizeof(after));
	kt_compare_lines("interest list", before, after);
	/* the pending edge once, the level-triggered ones, not the oneshot */
	expect_wait("after: ready", ep, 0, "4444 5555 1111000000000001");
	expect_wait("after: ready again (the edge is gone)", ep, 0,
		    "5555 1111000000000001");
	/* data still in the pipes */
	if (read(a[0], got, sizeof(got)) != 3 || memcmp(got, "abc", 3))
		kt_fail("pipe a: expected \"abc\"");
	expect_wait("after reading a", ep, 0, "5555");
	xwrite(b[1], "b");
	xwrite(e[1], "e");
	expect_wait("after writing b and e", ep, 0, "2222 2223 5555 6666");
	/* re-arm the oneshot: its data is still there */
	{
		struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT,
					  .data.u64 = 0x3334 };

		if (epoll_ctl(ep, EPOLL_CTL_MOD, c[0], &ev))
			kt_fail("re-arming the oneshot: %s", strerror(errno));
	}
	expect_wait("after re-arming", ep, 0, "2222 2223 3334 5555 6666");
	/* ET: a new edge is reported */
	xwrite(d[1], "d");
	expect_wait("new edge", ep, 0, "2222 2223 4444 5555 6666");
	if (!(fcntl(ep, F_GETFD) & FD_CLOEXEC))
		kt_fail("epoll fd: expected FD_CLOEXEC");
	return 0;
}

static int nested(void)
{
	int a, b, c, p[2], q[2];
	char bi[4096], ci[4096];

	a = epoll_create1(0);
	b = epoll_create1(0);
	c = epoll_create1(0);
	if (a < 0 || b < 0 || c < 0)
		kt_die_errno("epoll_create1");
	xpipe(p);
	xpipe(q);
	add(c, p[0], EPOLLIN, 0xc0);
	add(b, c, EPOLLIN, 0xb0);
	add(a, b, EPOLLIN, 0xa0);
	add(a, q[0], EPOLLIN | EPOLLET, 0xa1);
	if (fcntl(b, F_SETFL, O_NONBLOCK))
		kt_die_errno("F_SETFL");
	interest(a, before, sizeof(before));
	interest(b, bi, sizeof(bi));
	interest(c, ci, sizeof(ci));

	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_broken("drop"))
		epoll_ctl(b, EPOLL_CTL_DEL, c, NULL);

	interest(a, after, sizeof(after));
	kt_compare_lines("A interest list", before, after);
	interest(b, after, sizeof(after));
	kt_compare_lines("B interest list", bi, after);
	interest(c, after, sizeof(after));
	kt_compare_lines("C interest list", ci, after);
	if (!(fcntl(b, F_GETFL) & O_NONBLOCK))
		kt_fail("B: expected O_NONBLOCK");
	expect_wait("A before writing", a, 0, "");
	xwrite(p[1], "x");
	expect_wait("A after writing", a, 1000, "a0");
	expect_wait("B after writing", b, 0, "b0");
	expect_wait("C after writing", c, 0, "c0");
	xwrite(q[1], "y");
	expect_wait("A after writing q", a, 1000, "a0 a1");
	/* a loop is still refused */
	{
		struct epoll_event ev = { .events = EPOLLIN };

		if (epoll_ctl(c, EPOLL_CTL_ADD, a, &ev) == 0 || errno != ELOOP)
			kt_fail("adding A to C: expected ELOOP, got %s",
				strerror(errno));
	}
	return 0;
}

static int shared(void)
{
	int ep, p[2], q[2], st;
	pid_t child;

	ep = epoll_create1(0);
	if (ep < 0)
		kt_die_errno("epoll_create1");
	xpipe(p);
	xpipe(q);
	add(ep, p[0], EPOLLIN, 0x51);
	child = fork();
	if (child < 0)
		kt_die_errno("fork");
	if (!child) {
		pid_t parent = getppid();

		kt_set_who("child");
		interest(ep, before, sizeof(before));
		kt_wait_go();
		if (getppid() != parent)
			kt_fail("parent: expected %d, got %d", (int)parent,
				(int)getppid());
		interest(ep, after, sizeof(after));
		kt_compare_lines("child: interest list", before, after);
		add(ep, q[0], EPOLLIN, 0x52);
		xwrite(q[1], "q");
		kt_done();
	}
	interest(ep, before, sizeof(before));
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_wait_pid(child, &st, 60) != child || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		kt_fail("child: expected exit 0, got status 0x%x", st);
	/* the child's item is in our epoll: one file */
	xwrite(p[1], "p");
	expect_wait("parent: events", ep, 0, "51 52");
	return 0;
}

static int blocked(void)
{
	struct epoll_event ev[4];
	int ep, p[2], st, n, err;
	pid_t child;

	ep = epoll_create1(0);
	if (ep < 0)
		kt_die_errno("epoll_create1");
	xpipe(p);
	add(ep, p[0], EPOLLIN, 0xdeadbeef00000001ULL);
	interest(ep, before, sizeof(before));
	child = fork();
	if (child < 0)
		kt_die_errno("fork");
	if (!child) {
		kt_set_who("child");
		kt_wait_go();
		kt_sleep_ms(300);	/* the parent is waiting again by now */
		xwrite(p[1], "z");
		kt_done();
	}
	kt_ready();
	memset(ev, 0, sizeof(ev));
	n = syscall(SYS_epoll_wait, ep, ev, 4, -1);	/* checkpointed here */
	err = errno;

	kt_after_restart();
	if (!kt_go_exists())
		kt_fail("epoll_wait returned before restart: n=%d", n);
	if (n < 0)
		kt_fail("epoll_wait: expected 1 event, got -1 (%s)",
			strerror(err));
	else if (n != 1)
		kt_fail("epoll_wait: expected 1 event, got %d", n);
	else
		KT_EXPECT_U64("event data", 0xdeadbeef00000001ULL,
			      ev[0].data.u64);
	if (n == 1 && ev[0].events != EPOLLIN)
		kt_fail("event: expected EPOLLIN, got 0x%x", ev[0].events);
	interest(ep, after, sizeof(after));
	kt_compare_lines("interest list", before, after);
	if (kt_wait_pid(child, &st, 60) != child || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		kt_fail("child: expected exit 0, got status 0x%x", st);
	return 0;
}

/* Refused checkpoints: the epoll is as it was, the process runs on. */
static int outside(void)
{
	int ep, p[2], st;
	char buf[32];
	pid_t r;

	ep = epoll_create1(0);
	if (ep < 0)
		kt_die_errno("epoll_create1");
	xpipe(p);
	add(ep, p[0], EPOLLIN, 0x0e);
	r = fork();
	if (r < 0)
		kt_die_errno("fork");
	if (!r) {
		int fd;

		kt_set_who("R");
		close(p[0]);
		close(p[1]);
		/* R shares nothing else with O: its own stdio files */
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0)
			kt_die_errno("reopening stdin");
		close(fd);
		fd = open("/tmp/epoll_outside.out", O_WRONLY | O_APPEND | O_CREAT, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			kt_die_errno("reopening stdout");
		close(fd);
		interest(ep, before, sizeof(before));
		kt_wait_go();
		interest(ep, after, sizeof(after));
		kt_compare_lines("R: interest list", before, after);
		kt_done();
	}
	close(ep);
	snprintf(buf, sizeof(buf), "%d\n", (int)r);
	if (kt_write_file("/tmp/epoll_outside.root", buf, strlen(buf)) < 0)
		kt_die_errno("writing the root file");
	kt_ready();
	kt_wait_go();
	if (kt_wait_pid(r, &st, 60) != r || !WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("R: expected exit 0, got status 0x%x", st);
	return 0;
}

static int procfs(void)
{
	int ep, m;

	ep = epoll_create1(0);
	m = open("/proc/self/mounts", O_RDONLY);
	if (ep < 0 || m < 0)
		kt_die_errno("epoll_create1 or open");
	add(ep, m, EPOLLPRI, 0x0f);
	interest(ep, before, sizeof(before));
	kt_ready();
	kt_wait_go();
	interest(ep, after, sizeof(after));
	kt_compare_lines("interest list", before, after);
	return 0;
}

int main(int argc, char **argv)
{
	static char name[64];

	mode = argc > 1 ? argv[1] : "basic";
	snprintf(name, sizeof(name), "epoll%s%s", is("basic") ? "" : "_",
		 is("basic") ? "" : mode);
	if (is("blocked"))
		snprintf(name, sizeof(name), "epoll_wait_blocked");
	kt_start(name);
	if (is("basic"))
		basic();
	else if (is("nested"))
		nested();
	else if (is("shared"))
		shared();
	else if (is("blocked"))
		blocked();
	else if (is("outside"))
		outside();
	else if (is("procfs"))
		procfs();
	else
		kt_die("usage: epoll basic|nested|shared|blocked|outside|procfs");
	kt_done();
}
