// SPDX-License-Identifier: GPL-2.0
/*
 * inotify MODE NAME: inotify instances across checkpoint/restart, checked
 * from inside.  Files live in /tmp/NAME.d (made afresh).
 *
 *   watch     a non-blocking instance at fd 10 with watches A (the
 *             directory: create, delete, moves, IN_EXCL_UNLINK), B (file f,
 *             IN_MODIFY | IN_ONESHOT), C (file g, removed again: its
 *             IN_IGNORED is queued) and unread events (IN_IGNORED of C,
 *             IN_CREATE "new1", the IN_MOVED_FROM/TO pair of new1 -> new2).
 *             After restart: the same fdinfo watch lines, FIONREAD and
 *             the queued events in order (a move pair with one cookie);
 *             new changes arrive with the same wds (IN_CREATE "new3" on A,
 *             IN_MODIFY then IN_IGNORED on B, the oneshot); rm_watch(A)
 *             works with the old number, rm_watch(B) and rm_watch(C) fail
 *             (EINVAL) as they would have; a new watch gets the next wd
 *             the original would have given (4, not the free 3).
 *   shared    a blocking instance (watch on the directory) inherited by a
 *             child: an event the child made before the checkpoint is
 *             unread; after restart the child makes another and adds a
 *             watch on f, whose wd it exits with; the parent reads both
 *             events and removes the child's watch (one instance).
 *   deleted   a watch on a file that is still open but was unlinked:
 *             checkpoint must be refused; after go, exit 0.
 *   hold      a watch on f; after go, exit 0 (the driver over-mounts the
 *             directory: checkpoint must be refused).
 *   plain     one watch on the directory (wd 1) and on f (wd 2), nothing
 *             queued: the driver's image for the limit, rights and hostile
 *             image tests; after restart an IN_CREATE on wd 1 arrives.
 * Selfcheck breaks (KCRTEST_SELFCHECK=1 KCRTEST_BREAK=...): events (the
 * queue is read at the restart point), wd (the instance is made again,
 * watches in another order), shared (the child uses its own instance).
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <poll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const char *mode;
static char dir[128], f_path[160], g_path[160];

static int is(const char *m)
{
	return !strcmp(mode, m);
}

static void must(int ok, const char *what)
{
	if (!ok)
		kt_die_errno(what);
}

static int at(int fd, int want)
{
	must(fd >= 0, "inotify_init1");
	if (fd != want) {
		must(dup2(fd, want) == want, "dup2");
		close(fd);
	}
	return want;
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644);

	must(fd >= 0, path);
	close(fd);
}

static void in_dir(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

static void setup_dir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	must(system(cmd) == 0, "rm -rf");
	must(mkdir(dir, 0755) == 0, "mkdir");
	in_dir(f_path, sizeof(f_path), "f");
	in_dir(g_path, sizeof(g_path), "g");
	touch(f_path);
	touch(g_path);
}

/* One event read, as a line "wd MASK name" (cookie apart). */
struct ev {
	int wd;
	uint32_t mask, cookie;
	char name[64];
};

/* Read what is queued (non-blocking fd, or after poll), up to max events. */
static int read_events(int fd, struct ev *out, int max)
{
	char buf[4096] __attribute__((aligned(8)));
	int n = 0;
	ssize_t len;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char *p;

	/* a blocking fd: nothing within 2 s is nothing */
	if (poll(&pfd, 1, 2000) != 1)
		return 0;
	len = read(fd, buf, sizeof(buf));
	if (len < 0)
		return errno == EAGAIN ? 0 : -1;
	for (p = buf; p < buf + len && n < max; n++) {
		struct inotify_event *e = (void *)p;

		out[n].wd = e->wd;
		out[n].mask = e->mask;
		out[n].cookie = e->cookie;
		snprintf(out[n].name, sizeof(out[n].name), "%s",
			 e->len ? e->name : "");
		p += sizeof(*e) + e->len;
	}
	return n;
}

static void expect_ev(const char *what, const struct ev *e, int n, int i,
		      int wd, uint32_t mask, const char *name)
{
	if (i >= n) {
		kt_fail("%s: expected event %d (wd %d mask %#x %s), got only %d events",
			what, i, wd, mask, name, n);
		return;
	}
	if (e[i].wd != wd || e[i].mask != mask || strcmp(e[i].name, name))
		kt_fail("%s: event %d: expected wd %d mask %#x \"%s\", got wd %d mask %#x \"%s\"",
			what, i, wd, mask, name, e[i].wd, e[i].mask, e[i].name);
}

/* The "inotify wd:..." lines of /proc/self/fdinfo/FD, sorted. */
static void fdinfo_watches(int fd, char *out, size_t size)
{
	char path[64], buf[4096], *lines[64], *l, *save;
	int n = 0, i, j;
	size_t used = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	out[0] = '\0';
	if (kt_read_file(path, buf, sizeof(buf)) < 0)
		return;
	for (l = strtok_r(buf, "\n", &save); l && n < 64;
	     l = strtok_r(NULL, "\n", &save))
		if (!strncmp(l, "inotify wd:", 11))
			lines[n++] = l;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(lines[j], lines[i]) < 0) {
				l = lines[i];
				lines[i] = lines[j];
				lines[j] = l;
			}
	for (i = 0; i < n && used < size; i++)
		used += snprintf(out + used, size - used, "%s\n", lines[i]);
}

static int fionread(int fd)
{
	int v = -1;

	if (ioctl(fd, FIONREAD, &v) < 0)
		return -1;
	return v;
}

static void do_watch(void)
{
	uint32_t ma = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
		      IN_EXCL_UNLINK;
	char before[2048], after[2048], p1[160], p2[160], p3[160];
	int fd, wa, wb, wc, wd, q0, q1, n, fl;
	struct ev ev[16];

	setup_dir();
	in_dir(p1, sizeof(p1), "new1");
	in_dir(p2, sizeof(p2), "new2");
	in_dir(p3, sizeof(p3), "new3");
	fd = at(inotify_init1(IN_NONBLOCK), 10);
	wa = inotify_add_watch(fd, dir, ma);
	wb = inotify_add_watch(fd, f_path, IN_MODIFY | IN_ONESHOT);
	wc = inotify_add_watch(fd, g_path, IN_ATTRIB);
	must(wa == 1 && wb == 2 && wc == 3, "inotify_add_watch (wds 1, 2, 3)");
	must(inotify_rm_watch(fd, wc) == 0, "inotify_rm_watch C");
	touch(p1);
	must(rename(p1, p2) == 0, "rename");
	fdinfo_watches(fd, before, sizeof(before));
	q0 = fionread(fd);

	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_broken("events"))
		read_events(fd, ev, 16);
	if (kt_broken("wd")) {
		close(fd);
		fd = at(inotify_init1(IN_NONBLOCK), 10);
		inotify_add_watch(fd, f_path, IN_MODIFY | IN_ONESHOT);
		inotify_add_watch(fd, dir, ma);
	}

	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & (O_ACCMODE | O_NONBLOCK)) != (O_RDONLY | O_NONBLOCK))
		kt_fail("F_GETFL: expected O_RDONLY|O_NONBLOCK, got %#x", fl);
	fdinfo_watches(fd, after, sizeof(after));
	kt_compare_lines("fdinfo watches", before, after);
	q1 = fionread(fd);
	KT_EXPECT_INT("FIONREAD (bytes of unread events)", q0, q1);

	/* the queued events, in order */
	n = read_events(fd, ev, 16);
	if (n != 4)
		kt_fail("queued events: expected 4, got %d", n);
	expect_ev("queued", ev, n, 0, wc, IN_IGNORED, "");
	expect_ev("queued", ev, n, 1, wa, IN_CREATE, "new1");
	expect_ev("queued", ev, n, 2, wa, IN_MOVED_FROM, "new1");
	expect_ev("queued", ev, n, 3, wa, IN_MOVED_TO, "new2");
	if (n == 4 && (!ev[2].cookie || ev[2].cookie != ev[3].cookie))
		kt_fail("move cookies: expected one nonzero cookie, got %u and %u",
			ev[2].cookie, ev[3].cookie);

	/* new changes, the same wds */
	touch(p3);
	{
		int w = open(f_path, O_WRONLY);

		must(w >= 0 && write(w, "x", 1) == 1, "writing f");
		close(w);
	}
	n = read_events(fd, ev, 16);
	if (n != 3)
		kt_fail("new events: expected 3, got %d", n);
	expect_ev("new", ev, n, 0, wa, IN_CREATE, "new3");
	expect_ev("new", ev, n, 1, wb, IN_MODIFY, "");
	expect_ev("new", ev, n, 2, wb, IN_IGNORED, "");

	/* the old numbers */
	if (inotify_rm_watch(fd, wa) != 0)
		kt_fail("rm_watch(A = %d): expected 0, got %s", wa, strerror(errno));
	if (inotify_rm_watch(fd, wb) == 0 || errno != EINVAL)
		kt_fail("rm_watch(B = %d, oneshot fired): expected EINVAL, got %s",
			wb, strerror(errno));
	if (inotify_rm_watch(fd, wc) == 0 || errno != EINVAL)
		kt_fail("rm_watch(C = %d, removed): expected EINVAL, got %s",
			wc, strerror(errno));
	n = read_events(fd, ev, 16);
	expect_ev("after rm_watch(A)", ev, n, 0, wa, IN_IGNORED, "");
	wd = inotify_add_watch(fd, g_path, IN_ATTRIB);
	KT_EXPECT_INT("next wd (after 1, 2, 3)", 4, wd);
	kt_done();
}

static void do_shared(void)
{
	char c0[160], c1[160];
	struct ev ev[8];
	pid_t child;
	int fd, wa, st, n, wchild;

	setup_dir();
	in_dir(c0, sizeof(c0), "c0");
	in_dir(c1, sizeof(c1), "c1");
	fd = at(inotify_init1(0), 10);
	wa = inotify_add_watch(fd, dir, IN_CREATE);
	must(wa == 1, "inotify_add_watch");
	child = fork();
	must(child >= 0, "fork");
	if (!child) {
		kt_set_who("child");
		touch(c0);
		kt_wait_go();
		if (kt_broken("shared")) {
			close(fd);
			fd = at(inotify_init1(0), 10);
		}
		touch(c1);
		exit(inotify_add_watch(fd, f_path, IN_MODIFY));
	}
	/* the child's c0 is queued before we are ready */
	while (access(c0, F_OK))
		kt_sleep_ms(10);
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_wait_pid(child, &st, 30) != child) {
		kt_fail("child: expected it to exit within 30 s, got timeout");
		kt_done();
	}
	if (!WIFEXITED(st))
		kt_fail("child: expected an exit, got status %#x", st);
	wchild = WEXITSTATUS(st);
	KT_EXPECT_INT("the child's new wd", 2, wchild);
	n = read_events(fd, ev, 8);
	if (n != 2)
		kt_fail("events: expected 2 (c0 queued, c1 made after restart), got %d", n);
	expect_ev("shared", ev, n, 0, wa, IN_CREATE, "c0");
	expect_ev("shared", ev, n, 1, wa, IN_CREATE, "c1");
	if (inotify_rm_watch(fd, wchild) != 0)
		kt_fail("rm_watch(the child's wd %d): expected 0 (one instance), got %s",
			wchild, strerror(errno));
	kt_done();
}

static void do_deleted(void)
{
	int fd, keep;

	setup_dir();
	fd = at(inotify_init1(IN_NONBLOCK), 10);
	must(inotify_add_watch(fd, f_path, IN_MODIFY) == 1, "inotify_add_watch");
	keep = open(f_path, O_RDONLY);
	must(keep >= 0, "open f");
	must(unlink(f_path) == 0, "unlink f");
	kt_ready();
	kt_wait_go();
	kt_done();
}

static void do_hold(void)
{
	int fd;

	setup_dir();
	fd = at(inotify_init1(IN_NONBLOCK), 10);
	must(inotify_add_watch(fd, f_path, IN_MODIFY) == 1, "inotify_add_watch");
	kt_ready();
	kt_wait_go();
	kt_done();
}

static void do_plain(void)
{
	char p[160];
	struct ev ev[4];
	int fd, n;

	setup_dir();
	in_dir(p, sizeof(p), "after");
	fd = at(inotify_init1(IN_NONBLOCK), 10);
	must(inotify_add_watch(fd, dir, IN_CREATE) == 1, "inotify_add_watch dir");
	must(inotify_add_watch(fd, f_path, IN_MODIFY) == 2, "inotify_add_watch f");
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	touch(p);
	n = read_events(fd, ev, 4);
	if (n != 1)
		kt_fail("events: expected 1, got %d", n);
	expect_ev("plain", ev, n, 0, 1, IN_CREATE, "after");
	kt_done();
}

int main(int argc, char **argv)
{
	if (argc != 3)
		kt_die("usage: inotify watch|shared|deleted|hold|plain NAME");
	mode = argv[1];
	kt_start(argv[2]);
	snprintf(dir, sizeof(dir), "/tmp/%s.d", argv[2]);
	if (is("watch"))
		do_watch();
	else if (is("shared"))
		do_shared();
	else if (is("deleted"))
		do_deleted();
	else if (is("hold"))
		do_hold();
	else if (is("plain"))
		do_plain();
	kt_die("unknown mode %s", mode);
}
