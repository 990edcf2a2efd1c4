// SPDX-License-Identifier: GPL-2.0
/*
 * event MODE: event fds across checkpoint/restart, checked from inside.
 *
 *   eventfd         three eventfds: count 7 with EFD_SEMAPHORE|EFD_NONBLOCK,
 *                   count 123 blocking (also at fd 20, a dup: one file),
 *                   count 0 non-blocking; after restart the counts, the
 *                   semaphore mode and the flags are back.
 *   eventfd_shared  two eventfds inherited by a child (one open file each
 *                   shared by parent and child): after restart the child
 *                   reads A's count (3), writes B; the parent reads B, then
 *                   writes A; the child reads that: the same files.
 *   timerfd         CLOCK_MONOTONIC one-shot (20 s), periodic (50 ms, not
 *                   read since it started), CLOCK_BOOTTIME expired and not
 *                   read, CLOCK_REALTIME disarmed non-blocking.  The driver
 *                   waits FROZEN_S (5 s) between checkpoint and restart:
 *                   the time left is kept (frozen time does not count, within
 *                   TOL_S 3 s), the periodic timer's unread ticks survive.
 *   timerfd_abs     CLOCK_REALTIME absolute with TFD_TIMER_CANCEL_ON_SET
 *                   (+30 s: the absolute expiry is kept, frozen time
 *                   counts), CLOCK_REALTIME absolute periodic started 1 s
 *                   in the past (every expiration since counts),
 *                   CLOCK_MONOTONIC absolute (+20 s: time left kept).  As
 *                   root, setting the clock after restart cancels the first.
 *   signalfd        a non-blocking signalfd for SIGUSR1|SIGUSR2 with SIGUSR2
 *                   pending, a blocking one for SIGRTMIN: masks and flags
 *                   back, the pending signal read through it.
 *   leak            P creates an eventfd and forks R, the tree root, which
 *                   keeps it (/tmp/event_leak.root): checkpoint R must be
 *                   refused (an open file held outside the tree); after go
 *                   R writes 5, P reads it (the sharing survived).
 * Selfcheck breaks (KCRTEST_SELFCHECK=1 KCRTEST_BREAK=...): count (eventfd:
 * one more count), share (eventfd_shared: the child uses a new eventfd),
 * ticks (timerfd: the periodic timer's ticks are read), mask (signalfd:
 * the mask is changed).
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#define FROZEN_S	5.0	/* the driver sleeps that long before restart */
#define TOL_S		3.0	/* running time around the checkpoint, TCG */

static const char *mode;
static char name[64];

static int is(const char *m)
{
	return !strcmp(mode, m);
}

static void must(int ok, const char *what)
{
	if (!ok)
		kt_die_errno(what);
}

/* fd at a fixed number, so that the image is easy to read */
static int at(int fd, int want)
{
	must(fd >= 0, "creating an event fd");
	if (fd != want) {
		must(dup2(fd, want) == want, "dup2");
		close(fd);
	}
	return want;
}

static uint64_t efd_read(int fd, int *err)
{
	uint64_t v = 0;

	*err = 0;
	if (read(fd, &v, sizeof(v)) != sizeof(v))
		*err = errno;
	return v;
}

static void efd_write(int fd, uint64_t v)
{
	must(write(fd, &v, sizeof(v)) == sizeof(v), "eventfd write");
}

static void expect_nonblock(const char *what, int fd, int want)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		kt_fail("%s: F_GETFL: %s", what, strerror(errno));
	else if (!!(fl & O_NONBLOCK) != want || (fl & O_ACCMODE) != O_RDWR)
		kt_fail("%s: expected f_flags O_RDWR%s, got 0%o", what,
			want ? "|O_NONBLOCK" : "", fl);
}

/* Value of "key:" in /proc/self/fdinfo/fd, or "" */
static const char *fdinfo(int fd, const char *key, char *out, size_t size)
{
	char path[64], buf[2048], *p;
	size_t k = strlen(key);

	out[0] = 0;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (kt_read_file(path, buf, sizeof(buf)) < 0)
		return out;
	for (p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, key, k) && p[k] == ':') {
			char *v = p + k + 1, *e;

			while (*v == ' ' || *v == '\t')
				v++;
			e = strchr(v, '\n');
			snprintf(out, size, "%.*s", (int)(e ? e - v : (long)strlen(v)), v);
			break;
		}
	}
	return out;
}

/* ------------------------------------------------------------ eventfd */

static void run_eventfd(void)
{
	int a, b, c, err, i;
	uint64_t v;
	char s[64];

	a = at(eventfd(5, EFD_SEMAPHORE | EFD_NONBLOCK), 10);
	efd_write(a, 2);
	b = at(eventfd(0, 0), 11);
	efd_write(b, 123);
	c = at(eventfd(0, EFD_NONBLOCK), 12);
	must(dup2(b, 20) == 20, "dup2");

	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_broken("count"))
		efd_write(a, 1);

	KT_EXPECT_STR("eventfd 10 fdinfo eventfd-count", "7",
		      fdinfo(a, "eventfd-count", s, sizeof(s)));
	expect_nonblock("eventfd 10 (EFD_NONBLOCK)", a, 1);
	expect_nonblock("eventfd 11", b, 0);
	expect_nonblock("eventfd 12 (EFD_NONBLOCK)", c, 1);
	/* semaphore: seven reads of 1, then EAGAIN */
	for (i = 0; i < 7; i++) {
		v = efd_read(a, &err);
		if (err || v != 1) {
			kt_fail("eventfd 10 (semaphore, count 7) read %d: expected 1, got %llu (%s)",
				i + 1, (unsigned long long)v, err ? strerror(err) : "ok");
			break;
		}
	}
	v = efd_read(a, &err);
	if (err != EAGAIN)
		kt_fail("eventfd 10 after 7 reads: expected EAGAIN, got %llu (%s)",
			(unsigned long long)v, err ? strerror(err) : "a value");
	/* fd 20 is the same open file as 11 */
	must(fcntl(20, F_SETFL, O_NONBLOCK) == 0, "F_SETFL");
	expect_nonblock("eventfd 11 after F_SETFL on its dup 20", b, 1);
	v = efd_read(b, &err);
	KT_EXPECT_INT("eventfd 11 count", 123, err ? -err : (long long)v);
	efd_write(20, 9);
	v = efd_read(b, &err);
	KT_EXPECT_INT("eventfd 11 read after a write to its dup 20", 9,
		      err ? -err : (long long)v);
	v = efd_read(c, &err);
	if (err != EAGAIN)
		kt_fail("eventfd 12 (count 0): expected EAGAIN, got %llu (%s)",
			(unsigned long long)v, err ? strerror(err) : "a value");
	kt_done();
}

static void run_eventfd_shared(void)
{
	int a, b, st, err;
	pid_t child;
	uint64_t v;
	char buf[64];

	a = at(eventfd(3, 0), 10);
	b = at(eventfd(0, 0), 11);
	child = fork();
	must(child >= 0, "fork");
	if (child == 0) {
		pid_t me = getpid();

		kt_set_who("child");
		kt_wait_go();
		if (!kt_selfcheck && getpid() != me)
			kt_fail("pid: expected %d, got %d", (int)me, (int)getpid());
		if (kt_broken("share")) {
			close(b);
			b = at(eventfd(0, 0), 11);
		}
		v = efd_read(a, &err);
		KT_EXPECT_INT("A's count read by the child", 3, err ? -err : (long long)v);
		efd_write(b, 1000);
		/* the parent writes A once it has read B */
		v = efd_read(a, &err);
		KT_EXPECT_INT("A written by the parent, read by the child", 7,
			      err ? -err : (long long)v);
		exit(kt_nfail ? 1 : 0);
	}

	kt_ready();
	kt_wait_go();
	kt_after_restart();
	{
		struct pollfd p = { .fd = b, .events = POLLIN };

		if (poll(&p, 1, 30000) != 1)
			kt_fail("B: expected the child's write within 30 s, got none (not the same file?)");
		else {
			v = efd_read(b, &err);
			KT_EXPECT_INT("B written by the child, read by the parent", 1000,
				      err ? -err : (long long)v);
		}
	}
	efd_write(a, 7);
	if (kt_wait_pid(child, &st, 30) != child)
		kt_fail("child: expected it to exit within 30 s, got timeout");
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("child: expected exit 0, got %s",
			kt_status_str(st, buf, sizeof(buf)));
	kt_done();
}

/* ------------------------------------------------------------ timerfd */

static double ts_d(const struct timespec *t)
{
	return t->tv_sec + t->tv_nsec / 1e9;
}

static struct timespec d_ts(double d)
{
	struct timespec t;

	t.tv_sec = (time_t)d;
	t.tv_nsec = (long)((d - t.tv_sec) * 1e9);
	return t;
}

static int tfd_new(clockid_t clk, int flags, int want, int sflags,
		   double value, double interval)
{
	struct itimerspec its = { d_ts(interval), d_ts(value) };
	int fd = at(timerfd_create(clk, flags), want);

	if (value || interval)
		must(timerfd_settime(fd, sflags, &its, NULL) == 0,
		     "timerfd_settime");
	return fd;
}

static double tfd_left(int fd, double *interval)
{
	struct itimerspec its;

	must(timerfd_gettime(fd, &its) == 0, "timerfd_gettime");
	if (interval)
		*interval = ts_d(&its.it_interval);
	return ts_d(&its.it_value);
}

static uint64_t tfd_read(int fd, int *err)
{
	return efd_read(fd, err);	/* same: one u64 */
}

static void run_timerfd(void)
{
	int one, per, boot, off, err;
	double left0, left1, iv, t0, t1, start_per, ready;
	uint64_t v, min_ticks;

	t0 = kt_now(CLOCK_MONOTONIC);
	one = tfd_new(CLOCK_MONOTONIC, 0, 10, 0, 20, 0);
	start_per = kt_now(CLOCK_MONOTONIC);
	per = tfd_new(CLOCK_MONOTONIC, TFD_NONBLOCK, 11, 0, 0.05, 0.05);
	boot = tfd_new(CLOCK_BOOTTIME, 0, 12, 0, 0.001, 0);
	off = tfd_new(CLOCK_REALTIME, TFD_NONBLOCK, 13, 0, 0, 0);
	kt_sleep_ms(400);	/* boot expires, per runs up 8 ticks */
	left0 = tfd_left(one, NULL);
	ready = kt_now(CLOCK_MONOTONIC);
	/* at least the expirations up to now survive */
	min_ticks = (uint64_t)((ready - start_per) / 0.05) - 1;

	kt_ready();
	kt_wait_go();
	kt_after_restart();
	t1 = kt_now(CLOCK_MONOTONIC);
	if (kt_broken("ticks"))
		tfd_read(per, &err);
	kt_msg("# %.2f s from ready to the checks (driver waits %.0f s frozen)",
	       t1 - ready, FROZEN_S);
	if (!kt_selfcheck && t1 - ready < FROZEN_S)
		kt_fail("elapsed: expected at least %.0f s between ready and restart, got %.2f",
			FROZEN_S, t1 - ready);

	/* one-shot, monotonic: the time left is kept, frozen time does not count */
	left1 = tfd_left(one, &iv);
	kt_msg("# one-shot: %.3f s left at ready, %.3f s after restart", left0, left1);
	if (left1 > left0 || left1 < left0 - TOL_S || iv != 0)
		kt_fail("monotonic one-shot: expected %.3f s left (within -%.0f s; frozen time does not count) and no interval, got %.3f s, interval %.3f",
			left0, TOL_S, left1, iv);
	expect_nonblock("timerfd 10", one, 0);

	/* periodic: the unread expirations survive */
	expect_nonblock("timerfd 11 (TFD_NONBLOCK)", per, 1);
	left1 = tfd_left(per, &iv);
	if (iv < 0.0499 || iv > 0.0501 || left1 > 0.05)
		kt_fail("periodic: expected interval 0.05 s and at most 0.05 s left, got %.4f, %.4f",
			iv, left1);
	v = tfd_read(per, &err);
	kt_msg("# periodic: %llu ticks read, at least %llu expected",
	       (unsigned long long)v, (unsigned long long)min_ticks);
	if (err || v < min_ticks)
		kt_fail("periodic ticks: expected at least %llu (the unread expirations before checkpoint), got %llu (%s)",
			(unsigned long long)min_ticks, (unsigned long long)v,
			err ? strerror(err) : "ok");
	else if (!kt_selfcheck &&
		 v > (uint64_t)((t1 - start_per - FROZEN_S + TOL_S) / 0.05) + 2)
		kt_fail("periodic ticks: expected frozen time not to count (at most %.0f), got %llu",
			(t1 - start_per - FROZEN_S + TOL_S) / 0.05 + 2,
			(unsigned long long)v);

	/* boottime, expired and not read: one tick, disarmed */
	left1 = tfd_left(boot, &iv);
	if (left1 != 0 || iv != 0)
		kt_fail("boottime one-shot: expected disarmed after expiring, got %.3f s left, interval %.3f",
			left1, iv);
	v = tfd_read(boot, &err);
	KT_EXPECT_INT("boottime one-shot ticks", 1, err ? -err : (long long)v);

	/* disarmed */
	expect_nonblock("timerfd 13 (TFD_NONBLOCK)", off, 1);
	left1 = tfd_left(off, &iv);
	if (left1 != 0 || iv != 0)
		kt_fail("disarmed timerfd: expected 0/0, got %.3f/%.3f", left1, iv);
	v = tfd_read(off, &err);
	if (err != EAGAIN)
		kt_fail("disarmed timerfd: expected EAGAIN, got %llu (%s)",
			(unsigned long long)v, err ? strerror(err) : "a value");
	KT_EXPECT_STR("timerfd 13 clockid", "0", fdinfo(off, "clockid", (char[16]){0}, 16));
	KT_EXPECT_STR("timerfd 12 clockid", "7", fdinfo(boot, "clockid", (char[16]){0}, 16));
	(void)t0;
	kt_done();
}

static void run_timerfd_abs(void)
{
	int rt, per, mono, err;
	double target, start, left0, left1, iv, now, ready;
	struct timespec ts;
	uint64_t v, min_ticks;

	now = kt_now(CLOCK_REALTIME);
	target = now + 30;
	rt = tfd_new(CLOCK_REALTIME, TFD_NONBLOCK, 10,
		     TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, target, 0);
	start = now - 1;
	per = tfd_new(CLOCK_REALTIME, TFD_NONBLOCK, 11, TFD_TIMER_ABSTIME,
		      start, 0.1);
	mono = tfd_new(CLOCK_MONOTONIC, 0, 12, TFD_TIMER_ABSTIME,
		       kt_now(CLOCK_MONOTONIC) + 20, 0);
	kt_sleep_ms(100);
	left0 = tfd_left(mono, NULL);
	ready = kt_now(CLOCK_MONOTONIC);

	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (!kt_selfcheck && kt_now(CLOCK_MONOTONIC) - ready < FROZEN_S)
		kt_fail("elapsed: expected at least %.0f s between ready and restart, got %.2f",
			FROZEN_S, kt_now(CLOCK_MONOTONIC) - ready);

	expect_nonblock("timerfd 10 (TFD_NONBLOCK)", rt, 1);
	expect_nonblock("timerfd 12", mono, 0);
	/* absolute realtime: the same expiry, whatever the time in between */
	left1 = tfd_left(rt, &iv);
	now = kt_now(CLOCK_REALTIME);
	if (left1 < target - now - 0.5 || left1 > target - now + 0.01 || iv != 0)
		kt_fail("realtime absolute: expected %.3f s left (expiry kept), got %.3f s, interval %.3f",
			target - now, left1, iv);

	/* absolute periodic, started in the past: every expiration since counts */
	v = tfd_read(per, &err);
	now = kt_now(CLOCK_REALTIME);
	min_ticks = (uint64_t)((now - start) / 0.1) - 2;
	kt_msg("# realtime periodic: %llu ticks, at least %llu expected",
	       (unsigned long long)v, (unsigned long long)min_ticks);
	if (err || v < min_ticks)
		kt_fail("realtime absolute periodic: expected at least %llu ticks, got %llu (%s)",
			(unsigned long long)min_ticks, (unsigned long long)v,
			err ? strerror(err) : "ok");

	/* absolute monotonic: the time left is kept */
	left1 = tfd_left(mono, &iv);
	if (left1 > left0 || left1 < left0 - TOL_S)
		kt_fail("monotonic absolute: expected %.3f s left (within -%.0f s), got %.3f",
			left0, TOL_S, left1);

	/* TFD_TIMER_CANCEL_ON_SET: setting the clock cancels rt */
	clock_gettime(CLOCK_REALTIME, &ts);
	if (clock_settime(CLOCK_REALTIME, &ts) == 0) {
		v = tfd_read(rt, &err);
		if (err != ECANCELED)
			kt_fail("realtime CANCEL_ON_SET after clock_settime: expected ECANCELED, got %llu (%s)",
				(unsigned long long)v, err ? strerror(err) : "a value");
	} else {
		kt_msg("# clock_settime: %s: CANCEL_ON_SET not checked", strerror(errno));
	}
	kt_done();
}

/* ------------------------------------------------------------ signalfd */

static void run_signalfd(void)
{
	struct signalfd_siginfo si;
	sigset_t m, all;
	union sigval sv = { .sival_int = 77 };
	int a, b;
	ssize_t n;
	char s[64];

	sigemptyset(&all);
	sigaddset(&all, SIGUSR1);
	sigaddset(&all, SIGUSR2);
	sigaddset(&all, SIGRTMIN);
	must(sigprocmask(SIG_BLOCK, &all, NULL) == 0, "sigprocmask");
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGUSR2);
	a = at(signalfd(-1, &m, SFD_NONBLOCK), 10);
	sigemptyset(&m);
	sigaddset(&m, SIGRTMIN);
	b = at(signalfd(-1, &m, 0), 11);
	must(raise(SIGUSR2) == 0, "raise");

	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_broken("mask")) {
		sigemptyset(&m);
		sigaddset(&m, SIGUSR1);
		sigaddset(&m, SIGRTMIN);
		signalfd(a, &m, 0);
	}

	/* fdinfo shows the mask as a hex bitmap: SIGUSR1 10, SIGUSR2 12 */
	KT_EXPECT_STR("signalfd 10 fdinfo sigmask", "0000000000000a00",
		      fdinfo(a, "sigmask", s, sizeof(s)));
	{
		char want[32];

		snprintf(want, sizeof(want), "%016llx", 1ULL << (SIGRTMIN - 1));
		KT_EXPECT_STR("signalfd 11 fdinfo sigmask", want,
			      fdinfo(b, "sigmask", s, sizeof(s)));
	}
	expect_nonblock("signalfd 10 (SFD_NONBLOCK)", a, 1);
	expect_nonblock("signalfd 11", b, 0);

	must(sigqueue(getpid(), SIGRTMIN, sv) == 0, "sigqueue");
	n = read(a, &si, sizeof(si));
	if (n != sizeof(si) || si.ssi_signo != SIGUSR2)
		kt_fail("signalfd 10: expected the pending SIGUSR2, got %s %u",
			n < 0 ? strerror(errno) : "signal", n < 0 ? 0 : si.ssi_signo);
	n = read(a, &si, sizeof(si));
	if (n >= 0 || errno != EAGAIN)
		kt_fail("signalfd 10 (not SIGRTMIN): expected EAGAIN, got %s %u",
			n < 0 ? strerror(errno) : "signal", n < 0 ? 0 : si.ssi_signo);
	n = read(b, &si, sizeof(si));
	if (n != sizeof(si) || si.ssi_signo != (uint32_t)SIGRTMIN || si.ssi_int != 77)
		kt_fail("signalfd 11: expected SIGRTMIN value 77, got %s %u value %d",
			n < 0 ? strerror(errno) : "signal", n < 0 ? 0 : si.ssi_signo,
			n < 0 ? 0 : si.ssi_int);
	must(raise(SIGUSR1) == 0, "raise");
	n = read(a, &si, sizeof(si));
	if (n != sizeof(si) || si.ssi_signo != SIGUSR1)
		kt_fail("signalfd 10: expected SIGUSR1 raised after restart, got %s %u",
			n < 0 ? strerror(errno) : "signal", n < 0 ? 0 : si.ssi_signo);
	kt_done();
}

/* ------------------------------------------------------------ leak */

static void run_leak(void)
{
	char root_path[96], buf[64];
	int efd, st, err;
	pid_t r;
	uint64_t v;

	snprintf(root_path, sizeof(root_path), "/tmp/%s.root", name);
	unlink(root_path);
	efd = at(eventfd(0, 0), 10);
	r = fork();
	must(r >= 0, "fork");
	if (r == 0) {
		char out[96];
		int fd;

		/* R shares nothing else with P: its own stdio */
		kt_set_who("R");
		snprintf(out, sizeof(out), "/tmp/%s.out", name);
		fd = open(out, O_WRONLY | O_APPEND);
		must(fd >= 0, "reopening the output");
		must(dup2(fd, 1) == 1 && dup2(fd, 2) == 2, "dup2");
		close(fd);
		fd = open("/dev/null", O_RDONLY);
		must(fd >= 0 && dup2(fd, 0) == 0, "stdin");
		close(fd);
		kt_log_fd = 2;
		kt_wait_go();
		efd_write(efd, 5);
		exit(0);
	}
	snprintf(buf, sizeof(buf), "%d\n", (int)r);
	if (kt_write_file(root_path, buf, strlen(buf)) < 0)
		kt_die_errno("writing the root file");
	kt_ready();
	kt_wait_go();
	v = efd_read(efd, &err);
	KT_EXPECT_INT("the eventfd R wrote after the refused checkpoint", 5,
		      err ? -err : (long long)v);
	if (kt_wait_pid(r, &st, 30) != r || !WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("R: expected exit 0 after go, got %s",
			kt_status_str(st, buf, sizeof(buf)));
	kt_done();
}

int main(int argc, char **argv)
{
	mode = argc > 1 ? argv[1] : "eventfd";
	snprintf(name, sizeof(name), "%s", argc > 2 ? argv[2] : "event");
	kt_start(name);
	if (is("eventfd"))
		run_eventfd();
	else if (is("eventfd_shared"))
		run_eventfd_shared();
	else if (is("timerfd"))
		run_timerfd();
	else if (is("timerfd_abs"))
		run_timerfd_abs();
	else if (is("signalfd"))
		run_signalfd();
	else if (is("leak"))
		run_leak();
	kt_die("unknown mode %s", mode);
}
