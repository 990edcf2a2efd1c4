// SPDX-License-Identifier: GPL-2.0
/*
 * A fake of the kcr system calls for host tests of the tools' protocol
 * handling (linked instead of libkcr's syscall.o into restart-fake and
 * checkpoint-fake).
 *
 * restart(): every task of a tree enters it, as the protocol says.  A
 * task other than the root (and every thread, through mktree's
 * mktree_thread_restart hook) appends one line to $KCR_FAKE_DIR/entered:
 *   task index=I pid=P ppid=Q pgid=G sid=S root=R fd=F flags=X
 *   thread tid=T root=R fd=F flags=X
 * (pids as the task sees them; fd is the TREE index with NO_PIDS, else
 * -1; root is -1 for a task below the root's pid namespace), then behaves like a restored task: closes its fds and lives until
 * the root is gone.  Every task, the root and the threads included, first
 * appends its IPC namespace (restart --ipcns) to $KCR_FAKE_DIR/ipcns:
 *   root pid=P ns=ipc:[N]  /  task pid=P ns=ipc:[N]  /  thread tid=T ns=ipc:[N]  The root reads and validates the whole image, waits
 * until nr_tasks - 1 lines are there, and then does what KCR_FAKE says:
 *   ok    log "fake root flags=F" (its restart() flags) and "restart
 *         done", close the fds (as restoring the fd table
 *         does), then behave like the restored program: sleep 200 ms and
 *         exit with KCR_FAKE_EXIT (7)
 *   sig   like ok, but the program kills itself with SIGTERM
 *   fail  fail before the point of no return: log an error, return ENOENT
 *   die   fail after it: log "error: ..." and "restart failed: errno=14",
 *         SIGKILL self (an init, which cannot, exits with 137)
 * Log lines follow Documentation/checkpoint/restart-protocol.rst.  Any
 * image error makes it fail with EINVAL and log the reader's reason; tasks
 * that do not all enter within 10 s make it fail with ETIMEDOUT.
 *
 * checkpoint(): KCR_FAKE_CKPT=ok checks that pid and every process of its
 * tree are in a frozen cgroup, writes "fake image flags=F" and returns 42;
 * KCR_FAKE_CKPT=partial checks the same, writes "fake image (partial)"
 * and fails with EIO and a log line ("error: fake write error (errno=5)");
 * otherwise it fails with EOPNOTSUPP and a log line.  With
 * KCR_FAKE_CKPT_WAIT=MS, ok writes "fake image part 1", creates
 * $KCR_FAKE_DIR/ckpt-waiting and sleeps MS ms through the signals the tool
 * catches (as the real kernel, which stops only for a fatal signal, goes
 * on writing a file) -- after such a signal, only until
 * $KCR_FAKE_DIR/ckpt-go exists -- before it writes the rest and returns 42.
 *
 * KCR_FAKE_CKPT_IMAGE=FILE: ok writes FILE's bytes instead of its line
 * (a write error fails with its errno and a log line).
 *
 * KCR_FAKE_RUN_MS: how long the program of ok and sig runs (default 200).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "kcr.h"

#define ENTER_TIMEOUT_MS	10000

/* Replaced in mktree when it is linked in (restart-fake), absent otherwise. */
extern long (*mktree_thread_restart)(long pid, long fd, unsigned long flags,
				     long logfd) __attribute__((weak));

static char entered_path[4096], ipcns_path[4096];

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------------- checkpoint */

static int frozen(pid_t pid)
{
	char path[4200], buf[4096], *cg, *nl;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "r");
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	cg = strstr(buf, "0::");
	if (!cg)
		return 0;
	cg += 3;
	nl = strchr(cg, '\n');
	if (nl)
		*nl = '\0';
	/* The tests only run where cgroup2 is at one of these. */
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cgroup.events", cg);
	f = fopen(path, "r");
	if (!f) {
		snprintf(path, sizeof(path), "/sys/fs/cgroup/unified%s/cgroup.events", cg);
		f = fopen(path, "r");
	}
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	return strstr(buf, "frozen 1") != NULL;
}

/* The first process of pid's tree (through every thread's children) not frozen. */
static pid_t not_frozen(pid_t pid, int depth)
{
	char path[128], buf[8192], *tok, *save;
	struct dirent *de;
	pid_t bad = 0;
	DIR *d;
	FILE *f;
	size_t n;

	if (!frozen(pid))
		return pid;
	if (depth > 64)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	while (d && !bad && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/children", (int)pid,
			 de->d_name);
		f = fopen(path, "r");
		n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (f)
			fclose(f);
		buf[n] = '\0';
		for (tok = strtok_r(buf, " \n", &save); tok && !bad;
		     tok = strtok_r(NULL, " \n", &save))
			bad = not_frozen((pid_t)atoi(tok), depth + 1);
	}
	if (d)
		closedir(d);
	return bad;
}

long kcr_checkpoint(pid_t pid, int fd, unsigned long flags, int logfd)
{
	const char *mode = getenv("KCR_FAKE_CKPT");
	const char *wait_ms = getenv("KCR_FAKE_CKPT_WAIT");
	char out[64], marker[4200];
	pid_t bad;
	int n;

	if (!mode || (strcmp(mode, "ok") && strcmp(mode, "partial"))) {
		dprintf(logfd, "[%d] checkpoint of %d\n[%d] error: fake kernel (errno=95)\n",
			(int)getpid(), (int)pid, (int)getpid());
		errno = EOPNOTSUPP;
		return -1;
	}
	if (kill(pid, 0)) {
		errno = ESRCH;
		return -1;
	}
	bad = not_frozen(pid, 0);
	if (bad) {
		dprintf(logfd, "[%d] error: pid %d is not frozen (errno=16)\n",
			(int)getpid(), (int)bad);
		errno = EBUSY;
		return -1;
	}
	if (!strcmp(mode, "partial")) {
		dprintf(fd, "fake image (partial)\n");
		dprintf(logfd, "[%d] checkpoint of %d\n[%d] error: fake write error (errno=5)\n",
			(int)getpid(), (int)pid, (int)getpid());
		errno = EIO;
		return -1;
	}
	if (wait_ms) {
		const char *d = getenv("KCR_FAKE_DIR") ? getenv("KCR_FAKE_DIR") : "/tmp";
		struct timespec step = { 0, 10000000L };
		int waited, signalled = 0;

		dprintf(fd, "fake image part 1\n");
		snprintf(marker, sizeof(marker), "%s/ckpt-waiting", d);
		close(open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
		snprintf(marker, sizeof(marker), "%s/ckpt-go", d);
		for (waited = 0; waited < atoi(wait_ms); waited += 10) {
			if (signalled && !access(marker, F_OK))
				break;
			if (nanosleep(&step, NULL))
				signalled = 1;
		}
	}
	if (getenv("KCR_FAKE_CKPT_IMAGE")) {
		/* the bytes of a real image, in pieces as the kernel writes */
		static char buf[65536];
		int in = open(getenv("KCR_FAKE_CKPT_IMAGE"), O_RDONLY | O_CLOEXEC);
		ssize_t got;

		if (in < 0)
			return -1;
		while ((got = read(in, buf, sizeof(buf))) > 0) {
			char *p = buf;

			while (got > 0) {
				ssize_t w = write(fd, p, (size_t)got);

				if (w < 0) {
					int e = errno;

					dprintf(logfd, "[%d] error: writing the image (errno=%d)\n",
						(int)getpid(), e);
					close(in);
					errno = e;
					return -1;
				}
				p += w;
				got -= w;
			}
		}
		close(in);
		return 42;
	}
	n = snprintf(out, sizeof(out), "fake image flags=%lu\n", flags);
	if (write(fd, out, (size_t)n) != n)
		return -1;
	return 42;
}

/* ---------------------------------------------------------------- restart */

/*
 * A thread of the tree: no C library here (see mktree_thread_restart), so
 * raw system calls and hand-made numbers.
 */
static long rsys(long n, long a, long b, long c)
{
	long ret;

	__asm__ volatile ("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c)
			  : "rcx", "r11", "memory");
	return ret;
}

static char *put_num(char *p, long v)
{
	char tmp[24];
	int n = 0;

	if (v < 0) {
		*p++ = '-';
		v = -v;
	}
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

/* Append "<who>=<id> ns=<its /proc/thread-self/ns/ipc>" to the ipcns file. */
static void raw_ipcns_line(const char *who, long id)
{
	char line[160], *p = line;
	long out, n;

	p = put_str(p, who);
	p = put_num(p, id);
	p = put_str(p, " ns=");
	n = rsys(SYS_readlink, (long)"/proc/thread-self/ns/ipc", (long)p, 64);
	if (n <= 0)
		return;
	p += n;
	*p++ = '\n';
	out = rsys(SYS_open, (long)ipcns_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		   0644);
	if (out < 0)
		return;
	rsys(SYS_write, out, (long)line, p - line);
	rsys(SYS_close, out, 0, 0);
}

static long fake_thread_restart(long pid, long fd, unsigned long flags, long logfd)
{
	char line[160], *p = line;
	long out, n;
	int tries;

	(void)logfd;
	raw_ipcns_line("thread tid=", rsys(SYS_gettid, 0, 0, 0));
	p = put_str(p, "thread tid=");
	p = put_num(p, rsys(SYS_gettid, 0, 0, 0));
	p = put_str(p, " root=");
	p = put_num(p, pid);
	p = put_str(p, " fd=");
	p = put_num(p, fd);
	p = put_str(p, " flags=");
	p = put_num(p, (long)flags);
	*p++ = '\n';
	/*
	 * Its fd table may be its leader's, which closes every other fd
	 * before entering restart(): a write on a closed (or reused,
	 * read-only) fd fails, so try again.
	 */
	for (tries = 0; tries < 1000; tries++) {
		out = rsys(SYS_open, (long)entered_path,
			   O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (out < 0)
			return out;
		n = rsys(SYS_write, out, (long)line, p - line);
		rsys(SYS_close, out, 0, 0);
		if (n == p - line)
			break;
	}
	for (;;)		/* restored: it runs until its process exits */
		rsys(SYS_pause, 0, 0, 0);
}

__attribute__((constructor)) static void fake_init(void)
{
	const char *dir = getenv("KCR_FAKE_DIR");

	snprintf(entered_path, sizeof(entered_path), "%s/entered", dir ? dir : "/tmp");
	snprintf(ipcns_path, sizeof(ipcns_path), "%s/ipcns", dir ? dir : "/tmp");
	if (&mktree_thread_restart)
		mktree_thread_restart = fake_thread_restart;
}

static int count_lines(void)
{
	char buf[65536];
	int fd = open(entered_path, O_RDONLY | O_CLOEXEC), n = 0;
	ssize_t got, i;

	if (fd < 0)
		return 0;
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < got; i++)
			n += buf[i] == '\n';
	close(fd);
	return n;
}

/* A task other than the root. */
static long restart_other(pid_t root, int fd, unsigned long flags)
{
	char line[256];
	int out, n, i;

	/* -1: the restart of an ancestor (a task below the root's pid namespace) */
	if (root == 0 || root < -1 || (root > 0 && kill(root, 0))) {
		errno = ESRCH;
		return -1;
	}
	raw_ipcns_line("task pid=", getpid());
	n = snprintf(line, sizeof(line),
		     "task index=%d pid=%d ppid=%d pgid=%d sid=%d root=%d fd=%d flags=%lu\n",
		     fd, (int)getpid(), (int)getppid(), (int)getpgrp(), (int)getsid(0),
		     (int)root, fd, flags);
	out = open(entered_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (out < 0 || write(out, line, (size_t)n) != n)
		return -1;
	close(out);
	close_range(3, ~0U, 0);
	/* with -1, until the root's pid namespace ends (or the timeout) */
	for (i = 0; i < ENTER_TIMEOUT_MS / 20 && (root < 0 || !kill(root, 0)); i++)
		sleep_ms(20);
	_exit(0);
}

long kcr_restart(pid_t pid, int fd, unsigned long flags, int logfd)
{
	const char *mode = getenv("KCR_FAKE");
	const char *code = getenv("KCR_FAKE_EXIT");
	const struct kcr_record *rec;
	const char *run_ms = getenv("KCR_FAKE_RUN_MS");
	struct timespec ts = { 0, 200000000L };
	struct kcr_reader r;
	int ret, waited;

	if (!mode)
		mode = "ok";
	if (pid != 0)
		return restart_other(pid, fd, flags);
	raw_ipcns_line("root pid=", getpid());
	kcr_reader_init_fd(&r, fd);
	while ((ret = kcr_reader_next(&r, &rec)) > 0)
		;
	if (ret < 0) {
		dprintf(logfd, "[%d] error: image: offset %llu: %s (errno=22)\n",
			(int)getpid(), (unsigned long long)r.err_offset, r.reason);
		dprintf(logfd, "[%d] restart failed: errno=22\n", (int)getpid());
		errno = EINVAL;
		return -1;
	}
	/* Every other task enters. */
	for (waited = 0; count_lines() < (int)r.nr_tasks - 1; waited += 20) {
		if (waited >= ENTER_TIMEOUT_MS) {
			dprintf(logfd, "[%d] error: only %d of %u tasks entered (errno=110)\n"
				"[%d] restart failed: errno=110\n", (int)getpid(),
				count_lines() + 1, r.nr_tasks, (int)getpid());
			errno = ETIMEDOUT;
			return -1;
		}
		sleep_ms(20);
	}
	if (!strcmp(mode, "fail")) {
		dprintf(logfd, "[%d] restart of checkpoint 42 taken on 6.1\n"
			"[%d] error: files: cannot open /tmp/x (errno=2)\n"
			"[%d] restart failed: errno=2\n",
			(int)getpid(), (int)getpid(), (int)getpid());
		errno = ENOENT;
		return -1;
	}
	if (!strcmp(mode, "die")) {
		dprintf(logfd, "[%d] error: mm: bad address (errno=14)\n"
			"[%d] restart failed: errno=14\n", (int)getpid(), (int)getpid());
		kill(getpid(), SIGKILL);
		_exit(128 + SIGKILL);	/* a namespace's init ignores its own SIGKILL */
	}
	dprintf(logfd, "[%d] fake root flags=%lu\n", (int)getpid(), flags);
	dprintf(logfd, "[%d] restart done: %u task(s)\n", (int)getpid(), r.nr_tasks);
	close_range(3, ~0U, 0);
	if (run_ms) {
		ts.tv_sec = atoi(run_ms) / 1000;
		ts.tv_nsec = (long)(atoi(run_ms) % 1000) * 1000000L;
	}
	nanosleep(&ts, NULL);
	if (!strcmp(mode, "sig"))
		kill(getpid(), SIGTERM);
	_exit(code ? atoi(code) : 7);
}
