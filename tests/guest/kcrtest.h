/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcrtest.h - helpers shared by the kcr guest test programs (static inline
 * only, so every test stays one .c file).
 *
 * Protocol with tests/guest/run-tests.sh:
 *   kt_start(name)      remembers pid and ppid (in memory, so they are part of
 *                       the checkpointed state).
 *   kt_ready()          publishes /tmp/<name>.ready (our pid) atomically.
 *   kt_wait_go()        polls for /tmp/<name>.go (10 ms nanosleep steps).
 *   kt_after_restart()  the program must really have been restarted: the
 *                       parent changed (the restart tool instead of the
 *                       driver), and the pid is the original one unless the
 *                       environment said KCR_NOPIDS=1 when we started.
 *   kt_done()           exit 0 if no check failed, else 1.
 *
 * Failures are reported on stderr as "FAIL <what>: expected X, got Y", one
 * line each; the driver shows the first one.  Lines starting with "# " are
 * informational.
 *
 * KCRTEST_SELFCHECK=1 in the environment (development only, never set by
 * the driver) skips the restart check so a program can be run without
 * checkpoint/restart to validate its own checks.  With it,
 * KCRTEST_BREAK=WHAT[,WHAT...] makes kt_broken(WHAT) true: programs use it
 * to damage their own state at the point a restart would have happened, to
 * check that their checks catch it (each program lists its WHATs).
 *
 * Programs with several processes or threads (tree*, threads*, container*,
 * leak*) also use: kt_set_who() (a prefix for this process's FAIL lines),
 * kt_wait_pid() (waitpid with a timeout), kt_proc_stat(), kt_nspid(),
 * kt_ready_pid() and kt_sleep_ms().  kt_nfail is updated atomically.
 */
#ifndef KCRTEST_H
#define KCRTEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#define KT_GO_TIMEOUT_S	300

static const char *kt_name = "test";
static pid_t kt_pid0, kt_ppid0;
static int kt_nopids, kt_selfcheck, kt_nfail;
static char kt_ready_path[256], kt_go_path[256];
static int kt_log_fd = 2;		/* where kt_msg() writes */
static char kt_who[48];			/* "NAME: " prefix of FAIL lines, or "" */
static char kt_break_list[256];		/* KCRTEST_BREAK (selfcheck only) */

/* Unbuffered message to stderr (no stdio state involved). */
static inline __attribute__((format(printf, 1, 2))) void kt_msg(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	if (n == 0 || buf[n - 1] != '\n')
		buf[n++] = '\n';
	if (write(kt_log_fd, buf, n) < 0)
		return;
}

#define kt_fail(fmt, ...) \
	do { __atomic_add_fetch(&kt_nfail, 1, __ATOMIC_SEQ_CST); \
	     kt_msg("FAIL %s" fmt, kt_who, ##__VA_ARGS__); } while (0)
#define kt_die(fmt, ...) \
	do { kt_msg("FAIL %s" fmt, kt_who, ##__VA_ARGS__); exit(1); } while (0)
#define kt_die_errno(what) \
	kt_die("%s: %s (errno %d)", what, strerror(errno), errno)

#define KT_EXPECT_U64(what, exp, got) do {					\
	unsigned long long e_ = (unsigned long long)(exp);			\
	unsigned long long g_ = (unsigned long long)(got);			\
	if (e_ != g_)								\
		kt_fail("%s: expected 0x%llx, got 0x%llx", (what), e_, g_);	\
} while (0)

#define KT_EXPECT_INT(what, exp, got) do {					\
	long long e_ = (long long)(exp), g_ = (long long)(got);			\
	if (e_ != g_)								\
		kt_fail("%s: expected %lld, got %lld", (what), e_, g_);		\
} while (0)

/* Printable copy of s (newlines and control bytes escaped), truncated. */
static inline const char *kt_esc(const char *s, char *out, size_t size)
{
	size_t o = 0;

	for (; *s && o + 5 < size; s++) {
		unsigned char c = *s;

		if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c < 0x20 || c >= 0x7f) {
			o += snprintf(out + o, size - o, "\\x%02x", c);
		} else {
			out[o++] = c;
		}
	}
	out[o] = 0;
	return out;
}

static inline void kt_expect_str(const char *what, const char *exp, const char *got)
{
	char e[200], g[200];

	if (strcmp(exp, got))
		kt_fail("%s: expected \"%s\", got \"%s\"", what, kt_esc(exp, e, sizeof(e)),
			kt_esc(got, g, sizeof(g)));
}
#define KT_EXPECT_STR(what, exp, got) kt_expect_str((what), (exp), (got))

static inline double kt_now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void kt_start(const char *name)
{
	const char *e;

	kt_name = name;
	kt_pid0 = getpid();
	kt_ppid0 = getppid();
	e = getenv("KCR_NOPIDS");
	kt_nopids = e && *e == '1';
	e = getenv("KCRTEST_SELFCHECK");
	kt_selfcheck = e && *e == '1';
	e = getenv("KCRTEST_BREAK");
	if (kt_selfcheck && e)
		snprintf(kt_break_list, sizeof(kt_break_list), ",%s,", e);
	snprintf(kt_ready_path, sizeof(kt_ready_path), "/tmp/%s.ready", name);
	snprintf(kt_go_path, sizeof(kt_go_path), "/tmp/%s.go", name);
}

/* Write a whole buffer to a new file (tmp + rename, so readers see all or nothing). */
static inline int kt_write_file(const char *path, const void *buf, size_t len)
{
	char tmp[300];
	const char *p = buf;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= n;
	}
	if (close(fd) < 0)
		return -1;
	return rename(tmp, path);
}

/* Read a file (e.g. in /proc) into buf, NUL-terminated; returns bytes or -1. */
static inline ssize_t kt_read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = 0;
	close(fd);
	return len;
}

/* Value of "Key:" in /proc/self/status, copied into out (trimmed). */
static inline int kt_status_field(const char *key, char *out, size_t size)
{
	static char buf[8192];
	size_t klen = strlen(key);
	char *p;

	if (kt_read_file("/proc/self/status", buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == ':') {
			char *v = p + klen + 1, *e;

			while (*v == ' ' || *v == '\t')
				v++;
			e = strchr(v, '\n');
			if (!e)
				e = v + strlen(v);
			if ((size_t)(e - v) >= size)
				return -1;
			memcpy(out, v, e - v);
			out[e - v] = 0;
			return 0;
		}
	}
	return -1;
}

static inline void kt_ready(void)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (kt_write_file(kt_ready_path, buf, n) < 0)
		kt_die_errno("writing the ready file");
}

static inline int kt_go_exists(void)
{
	return access(kt_go_path, F_OK) == 0;
}

/*
 * KCRTEST_GO_TIMEOUT=S in the environment: wait up to S seconds instead
 * (the fuzz test restarts its images for longer than KT_GO_TIMEOUT_S; a
 * program frozen between two polls finds its deadline already passed).
 */
static inline void kt_wait_go(void)
{
	struct timespec step = { 0, 10 * 1000 * 1000 };
	const char *env = getenv("KCRTEST_GO_TIMEOUT");
	int secs = env && atoi(env) > 0 ? atoi(env) : KT_GO_TIMEOUT_S;
	double deadline = kt_now(CLOCK_MONOTONIC) + secs;

	while (!kt_go_exists()) {
		if (kt_now(CLOCK_MONOTONIC) > deadline)
			kt_die("go file: expected %s within %d s, got timeout",
			       kt_go_path, secs);
		nanosleep(&step, NULL);	/* EINTR is fine: we loop */
	}
}

/* The checks that make a test fail when it was never checkpointed/restarted. */
static inline void kt_after_restart(void)
{
	pid_t pid = getpid(), ppid = getppid();

	if (kt_selfcheck) {
		kt_msg("# %s: KCRTEST_SELFCHECK set: restart check skipped", kt_name);
		return;
	}
	if (ppid == kt_ppid0)
		kt_fail("restarted: expected a new parent (the restart tool), got the original parent %d",
			(int)ppid);
	if (!kt_nopids && pid != kt_pid0)
		kt_fail("pid: expected the original pid %d, got %d", (int)kt_pid0, (int)pid);
}

static inline __attribute__((noreturn)) void kt_done(void)
{
	if (kt_nfail) {
		kt_msg("# %s: %d check(s) failed", kt_name, kt_nfail);
		exit(1);
	}
	exit(0);
}

/* Compare two text blobs line by line; report the first difference. */
static inline int kt_compare_lines(const char *what, const char *exp, const char *got)
{
	int line = 1;

	while (*exp || *got) {
		const char *ee = strchr(exp, '\n'), *ge = strchr(got, '\n');
		size_t el = ee ? (size_t)(ee - exp) : strlen(exp);
		size_t gl = ge ? (size_t)(ge - got) : strlen(got);

		if (el != gl || memcmp(exp, got, el)) {
			kt_fail("%s line %d: expected \"%.*s\", got \"%.*s\"", what, line,
				(int)(el > 160 ? 160 : el), exp, (int)(gl > 160 ? 160 : gl), got);
			return -1;
		}
		exp += el + (ee ? 1 : 0);
		got += gl + (ge ? 1 : 0);
		line++;
	}
	return 0;
}

/* ------------------------------------------------------------------
 * Helpers for programs with several processes or threads.
 */

/* Prefix this process's FAIL lines with "WHO: " (e.g. the tree member). */
static inline void kt_set_who(const char *who)
{
	snprintf(kt_who, sizeof(kt_who), "%s: ", who);
}

/* Selfcheck fault injection: is WHAT listed in KCRTEST_BREAK? */
static inline int kt_broken(const char *what)
{
	char key[64];

	if (!kt_break_list[0])
		return 0;
	snprintf(key, sizeof(key), ",%s,", what);
	if (!strstr(kt_break_list, key))
		return 0;
	kt_msg("# %s: KCRTEST_BREAK: breaking \"%s\" on purpose", kt_name, what);
	return 1;
}

static inline void kt_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Like kt_ready(), for a program whose driver-visible pid is not getpid(). */
static inline void kt_ready_pid(pid_t pid)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);

	if (kt_write_file(kt_ready_path, buf, n) < 0)
		kt_die_errno("writing the ready file");
}

/*
 * waitpid(pid, status, 0) for at most timeout_s seconds: returns pid, 0 on
 * timeout, -1 on error (errno set).
 */
static inline pid_t kt_wait_pid(pid_t pid, int *status, double timeout_s)
{
	double deadline = kt_now(CLOCK_MONOTONIC) + timeout_s;
	long step = 1;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG | __WALL);

		if (r != 0 && !(r < 0 && errno == EINTR))
			return r;
		if (kt_now(CLOCK_MONOTONIC) > deadline)
			return 0;
		kt_sleep_ms(step);
		if (step < 20)
			step *= 2;
	}
}

/* "exited 3", "killed by signal 9", ... for messages. */
static inline const char *kt_status_str(int st, char *buf, size_t size)
{
	if (WIFEXITED(st))
		snprintf(buf, size, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, size, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, size, "status 0x%x", st);
	return buf;
}

struct kt_stat {
	char state;
	int ppid, pgrp, session;
};

/* State, ppid, pgrp and session of /proc/<pid>/stat (pid 0: self); -1 if none. */
static inline int kt_proc_stat(pid_t pid, struct kt_stat *st)
{
	char path[64], buf[1024], *p;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/stat");
	if (kt_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %d %d %d", &st->state, &st->ppid, &st->pgrp,
			 &st->session) != 4)
		return -1;
	return 0;
}

/*
 * NSpid of /proc/<path>/status ("self", "thread-self", "1234"...): the pids
 * from the /proc mount's pid namespace down to the task's own; returns the
 * number of levels (at most max), -1 if unreadable.  Thread safe.
 */
static inline int kt_nspid(const char *who, int *pids, int max)
{
	char path[64], buf[4096], *p;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%s/status", who);
	if (kt_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "\nNSpid:");
	if (!p)
		return -1;
	p += 7;
	while (n < max) {
		char *e;
		long v;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			break;
		v = strtol(p, &e, 10);
		pids[n++] = (int)v;
		p = e;
	}
	return n;
}

/* First field of /proc/<pid>/task/<tid>/syscall: the syscall it is blocked in, or -1. */
static inline long kt_task_syscall(pid_t pid, pid_t tid)
{
	char path[96], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	if (kt_read_file(path, buf, sizeof(buf)) <= 0)
		return -2;
	if (!strncmp(buf, "running", 7))
		return -1;
	return strtol(buf, NULL, 10);
}

#endif /* KCRTEST_H */
