// SPDX-License-Identifier: GPL-2.0
/*
 * cycles: many checkpoint/restart cycles of small programs (for the
 * kmemleak test, also usable as a stress run on any kernel).
 *
 *   cycles run N [IMG]   N cycles spread over the three programs below, one
 *                        program at a time: start it, then again and again
 *                        "checkpoint --kill -o IMG PID" and "restart -d -i
 *                        IMG" (the restored tree replaces the killed one,
 *                        with the same pids), then /tmp/<name>.go: the
 *                        program checks its state and must exit 0.  We are
 *                        a child subreaper: the killed trees and the
 *                        restored ones (whose restart tool exits) are ours
 *                        to reap.  Prints "cycles: N done" or FAIL lines.
 *   cycles proc NAME     a process: heap pattern, an open file
 *   cycles tree NAME     a tree: two threads, a child and a grandchild, data
 *                        left unread in pipes between them
 *   cycles ipc NAME      SysV IPC in its own IPC namespace: a shm segment
 *                        (attached), a message queue with messages, a
 *                        semaphore with a SEM_UNDO adjustment
 * The programs use kcrtest.h's ready/go files but no restart check (their
 * parent changes with every cycle): what they check is their state.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "kcrtest.h"

#define HEAP_WORDS	(64 * 1024)

/* ------------------------------------------------------------ programs */

static void wait_go_plain(void)
{
	struct timespec step = { 0, 10 * 1000 * 1000 };

	while (!kt_go_exists())
		nanosleep(&step, NULL);
}

static int prog_proc(void)
{
	unsigned long *heap = malloc(HEAP_WORDS * sizeof(*heap));
	char buf[8];
	int fd, i;

	if (!heap)
		kt_die_errno("malloc");
	for (i = 0; i < HEAP_WORDS; i++)
		heap[i] = i * 2654435761UL;
	fd = open("/tmp/cycles.proc.file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "kcr-proc", 8) != 8)
		kt_die_errno("/tmp/cycles.proc.file");
	kt_ready();
	wait_go_plain();
	for (i = 0; i < HEAP_WORDS; i++)
		if (heap[i] != i * 2654435761UL) {
			kt_fail("heap word %d: expected %lx, got %lx", i, i * 2654435761UL, heap[i]);
			break;
		}
	if (pread(fd, buf, 8, 0) != 8 || memcmp(buf, "kcr-proc", 8))
		kt_fail("file: expected kcr-proc, got %.8s", buf);
	KT_EXPECT_INT("file offset", 8, lseek(fd, 0, SEEK_CUR));
	kt_done();
}

static void *thread_wait(void *arg)
{
	wait_go_plain();
	return arg;
}

/* Bytes waiting in pipe @fd reach @n (the writers below wrote theirs). */
static void wait_pipe_data(int fd, int n)
{
	int i, got = 0;

	for (i = 0; i < 3000; i++) {
		if (ioctl(fd, FIONREAD, &got) == 0 && got >= n)
			return;
		kt_sleep_ms(10);
	}
	kt_die("pipe: expected %d bytes, got %d", n, got);
}

/* A child (depth 1) and its child (depth 2), each writing to its parent. */
static void __attribute__((noreturn)) child_tree(int depth, int out)
{
	pid_t pid = -1;
	int p[2], st;
	char buf[16];

	while (depth < 2) {
		if (pipe(p))
			kt_die_errno("pipe");
		pid = fork();
		if (pid < 0)
			kt_die_errno("fork");
		if (pid > 0)
			break;
		close(p[0]);
		close(out);
		out = p[1];
		depth++;
		pid = -1;
	}
	if (pid > 0) {
		close(p[1]);
		wait_pipe_data(p[0], 9);
	}
	if (write(out, "tree-data", 9) != 9)
		kt_die_errno("write the pipe");
	wait_go_plain();
	if (pid > 0) {
		if (read(p[0], buf, sizeof(buf)) != 9 || memcmp(buf, "tree-data", 9))
			kt_die("depth %d: pipe data lost", depth);
		if (kt_wait_pid(pid, &st, 60) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
			kt_die("depth %d: child %d failed (status %#x)", depth, pid, st);
	}
	_exit(0);
}

static int prog_tree(void)
{
	static int token[2];
	pthread_t th[2];
	int p[2], i, st;
	char buf[16];
	pid_t pid;
	void *r;

	if (pipe(p))
		kt_die_errno("pipe");
	pid = fork();
	if (pid < 0)
		kt_die_errno("fork");
	if (pid == 0) {
		close(p[0]);
		child_tree(1, p[1]);
	}
	close(p[1]);
	for (i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, thread_wait, &token[i]))
			kt_die("pthread_create failed");
	/* every pipe holds its data: each writer waited for the one below */
	wait_pipe_data(p[0], 9);
	kt_ready();
	wait_go_plain();
	for (i = 0; i < 2; i++)
		if (pthread_join(th[i], &r) || r != &token[i])
			kt_fail("thread %d: bad join", i);
	if (read(p[0], buf, sizeof(buf)) != 9 || memcmp(buf, "tree-data", 9))
		kt_fail("root: pipe data lost");
	if (kt_wait_pid(pid, &st, 60) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("child %d failed (status %#x)", pid, st);
	kt_done();
}

static int prog_ipc(void)
{
	struct { long type; char text[16]; } m;
	struct sembuf op = { 0, 3, SEM_UNDO };
	int shm, msq, sem, i;
	unsigned char *mem;

	if (unshare(CLONE_NEWIPC))
		kt_die_errno("unshare(CLONE_NEWIPC)");
	shm = shmget(IPC_PRIVATE, 65536, IPC_CREAT | 0600);
	msq = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	sem = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	if (shm < 0 || msq < 0 || sem < 0)
		kt_die_errno("shmget/msgget/semget");
	mem = shmat(shm, NULL, 0);
	if (mem == (void *)-1)
		kt_die_errno("shmat");
	for (i = 0; i < 65536; i++)
		mem[i] = i % 251;
	for (i = 0; i < 3; i++) {
		m.type = i + 1;
		snprintf(m.text, sizeof(m.text), "msg-%d", i);
		if (msgsnd(msq, &m, sizeof(m.text), 0))
			kt_die_errno("msgsnd");
	}
	if (semop(sem, &op, 1))
		kt_die_errno("semop");
	kt_ready();
	wait_go_plain();
	for (i = 0; i < 65536; i++)
		if (mem[i] != i % 251) {
			kt_fail("shm byte %d: expected %d, got %d", i, i % 251, mem[i]);
			break;
		}
	for (i = 0; i < 3; i++) {
		char exp[16];

		snprintf(exp, sizeof(exp), "msg-%d", i);
		if (msgrcv(msq, &m, sizeof(m.text), 0, IPC_NOWAIT) != sizeof(m.text))
			kt_fail("message %d: %s", i, strerror(errno));
		else
			KT_EXPECT_STR("message", exp, m.text);
	}
	KT_EXPECT_INT("semaphore 0", 3, semctl(sem, 0, GETVAL));
	shmdt(mem);
	shmctl(shm, IPC_RMID, NULL);
	msgctl(msq, IPC_RMID, NULL);
	semctl(sem, 0, IPC_RMID);
	kt_done();
}

/* ------------------------------------------------------------ driver */

/* Run a tool, stdout to @out (may be NULL), wait for it; returns its status. */
static int run_tool(char **argv, const char *out)
{
	pid_t pid = fork();
	int st, fd;

	if (pid < 0)
		kt_die_errno("fork");
	if (pid == 0) {
		fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		kt_die_errno("waitpid");
	return st;
}

/* Reap every descendant that has ended (all of them if @all). */
static void reap(int all, int *root_status, pid_t root)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, all ? 0 : WNOHANG)) > 0)
		if (pid == root && root_status)
			*root_status = st;
}

static char *file_text(const char *path, char *buf, size_t size)
{
	if (kt_read_file(path, buf, size) < 0)
		buf[0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static int run_one(const char *self, const char *mode, long n, const char *img)
{
	char name[64], log[96], pidstr[32], out[96], msg[512];
	char *ckpt[] = { "checkpoint", "--kill", "-o", (char *)img, "-l", log, pidstr, NULL };
	char *rst[] = { "restart", "-d", "-i", (char *)img, "-l", log, NULL };
	int st, fd, root_st = -1;
	pid_t pid;
	double t0;
	long i;

	snprintf(name, sizeof(name), "cycles-%s", mode);
	snprintf(log, sizeof(log), "/tmp/%s.log", name);
	snprintf(out, sizeof(out), "/tmp/%s.rst.out", name);
	kt_start(name);
	unlink(kt_ready_path);
	unlink(kt_go_path);
	unlink(log);
	pid = fork();
	if (pid < 0)
		kt_die_errno("fork");
	if (pid == 0) {
		/* files of its own: an fd shared with us would be a leak */
		snprintf(out, sizeof(out), "/tmp/%s.out", name);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		close(fd);
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(126);
		close(fd);
		execl(self, self, mode, name, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 3000 && access(kt_ready_path, F_OK); i++)
		kt_sleep_ms(10);
	if (access(kt_ready_path, F_OK))
		kt_die("%s: no ready file", name);
	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	t0 = kt_now(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		st = run_tool(ckpt, NULL);
		if (st) {
			kill(pid, SIGKILL);
			reap(1, NULL, 0);
			kt_die("%s cycle %ld: checkpoint status %#x: %s", name, i, st,
			       file_text(log, msg, sizeof(msg)));
		}
		reap(1, &root_st, pid);		/* the killed tree, all of it */
		unlink(log);
		st = run_tool(rst, out);
		if (st) {
			reap(0, NULL, 0);
			kt_die("%s cycle %ld: restart status %#x: %s", name, i, st,
			       file_text(log, msg, sizeof(msg)));
		}
		if (atoi(file_text(out, msg, sizeof(msg))) != pid)
			kt_die("%s cycle %ld: restored pid %s, expected %d", name, i, msg, pid);
		reap(0, NULL, 0);		/* the restart tool's helpers */
		unlink(log);
	}
	unlink(img);
	if (kt_write_file(kt_go_path, "go\n", 3))
		kt_die_errno("go file");
	root_st = -1;
	reap(1, &root_st, pid);
	if (root_st) {
		snprintf(out, sizeof(out), "/tmp/%s.out", name);
		kt_die("%s: after %ld cycles the program ended with status %#x: %s", name, n,
		       root_st, file_text(out, msg, sizeof(msg)));
	}
	kt_msg("# %s: %ld cycles in %.1f s", name, n, kt_now(CLOCK_MONOTONIC) - t0);
	return 0;
}

int main(int argc, char **argv)
{
	const char *img;
	long n;

	if (argc == 3 && !strcmp(argv[1], "proc")) {
		kt_start(argv[2]);
		return prog_proc();
	}
	if (argc == 3 && !strcmp(argv[1], "tree")) {
		kt_start(argv[2]);
		return prog_tree();
	}
	if (argc == 3 && !strcmp(argv[1], "ipc")) {
		kt_start(argv[2]);
		return prog_ipc();
	}
	if ((argc != 3 && argc != 4) || strcmp(argv[1], "run") || (n = atol(argv[2])) < 3) {
		kt_msg("usage: cycles run N [IMG] | cycles proc|tree|ipc NAME");
		return 2;
	}
	img = argc == 4 ? argv[3] : "/tmp/cycles.img";
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		kt_die_errno("PR_SET_CHILD_SUBREAPER");
	/* 40% single processes, 30% trees, 30% IPC */
	run_one("/proc/self/exe", "proc", n - 2 * (3 * n / 10), img);
	run_one("/proc/self/exe", "tree", 3 * n / 10, img);
	run_one("/proc/self/exe", "ipc", 3 * n / 10, img);
	printf("cycles: %ld done\n", n);
	return 0;
}
