// SPDX-License-Identifier: GPL-2.0
/*
 * nextid NAME MODE: /proc/<pid>/task/<tid>/next_id (no checkpoint).
 *
 *   ipc    as root: "LONG X" gives the next shmget/msgget/semget that creates
 *          exactly id X (the same X in the three kinds); consumed success or
 *          not; a taken id is EEXIST, the id of a removed but attached
 *          segment EBUSY; a get of an existing key does not consume it;
 *          "LONG1 X" works, "LONG2 X Y" makes the creation fail
 *          (EINVAL); a second write replaces, "" and "NONE" clear; the
 *          read-back format; malformed writes EINVAL; another thread's or
 *          process's file EPERM; without CAP_CHECKPOINT_RESTORE and
 *          CAP_SYS_ADMIN (dropped after the write) the creation fails EPERM
 *   proc   as root: fork and pthread_create get the pid/tid written; a pid
 *          in use EEXIST; a zombie's pid and a pid that lives on only as a
 *          process group id EBUSY; consumed on failure; caps checked at use
 *   pidns  as root: in a new pid namespace, its init writes "LONG2 50 Q":
 *          the child is 50 inside and Q outside (innermost first, as clone3
 *          set_tid); "LONG 60": 60 inside; "LONG3 ..." at level 1 fails
 *          EINVAL (at the write or at the fork); taken inner or outer pid
 *          EEXIST
 *   user   as an unprivileged user: writing its own next_id is EPERM,
 *          reading it is fine (empty); pid 1's file is not writable
 *
 * FAIL lines as kcrtest.h; exit 0 iff every check passed.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <linux/capability.h>

static char self_path[96];

static const char *err_name(int e)
{
	static char b[32];

	switch (e) {
	case 0: return "success";
	case -1: return "a short write";
	case EINVAL: return "EINVAL";
	case EEXIST: return "EEXIST";
	case EBUSY: return "EBUSY";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	}
	snprintf(b, sizeof(b), "errno %d", e);
	return b;
}

static int try_write(const char *path, const char *buf)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), e = 0;
	size_t len = strlen(buf);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, buf, len);
	if (n < 0)
		e = errno;
	else if ((size_t)n != len)
		e = -1;
	close(fd);
	return e;
}

/* our own thread's file, by the pid and tid /proc (mounted outside) shows */
static void set_self(void)
{
	int pid[8], tid[8];

	if (kt_nspid("self", pid, 8) < 1 || kt_nspid("thread-self", tid, 8) < 1)
		kt_die("NSpid unreadable");
	snprintf(self_path, sizeof(self_path), "/proc/%d/task/%d/next_id", pid[0], tid[0]);
}

static void expect_write(const char *path, const char *text, int e1, int e2)
{
	char esc[200];
	int e = try_write(path, text);

	if (e != e1 && e != e2)
		kt_fail("write \"%s\" to %s: expected %s%s%s, got %s", kt_esc(text, esc, sizeof(esc)),
			path, err_name(e1), e2 != e1 ? " or " : "", e2 != e1 ? err_name(e2) : "",
			err_name(e));
}

static void nid(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void nid(const char *fmt, ...)
{
	char b[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	set_self();
	expect_write(self_path, b, 0, 0);
}

static void expect_pending(const char *exp1, const char *exp2, const char *when)
{
	char got[512], e[200], g[200];

	set_self();
	if (kt_read_file(self_path, got, sizeof(got)) < 0) {
		kt_fail("reading %s %s: %s", self_path, when, strerror(errno));
		return;
	}
	if (strcmp(got, exp1) && (!exp2 || strcmp(got, exp2)))
		kt_fail("%s %s: expected \"%s\"%s%s%s, got \"%s\"", self_path, when,
			kt_esc(exp1, e, sizeof(e)), exp2 ? " or \"" : "", exp2 ? exp2 : "",
			exp2 ? "\"" : "", kt_esc(got, g, sizeof(g)));
}

/* ------------------------------------------------------------ caps */
static struct __user_cap_data_struct saved_caps[2];

static void drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, saved_caps))
		kt_die_errno("capget");
	memcpy(d, saved_caps, sizeof(d));
	d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	d[CAP_CHECKPOINT_RESTORE / 32].effective &= ~(1u << (CAP_CHECKPOINT_RESTORE % 32));
	if (syscall(SYS_capset, &h, d))
		kt_die_errno("capset (drop)");
}

static void restore_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };

	if (syscall(SYS_capset, &h, saved_caps))
		kt_die_errno("capset (restore)");
}

/* ------------------------------------------------------------ ipc */
/* An IPC id whose index and sequence a fresh allocation would not give. */
#define IPCMNI_SHIFT	15
static int mkid(int seq, int idx)
{
	return (seq << IPCMNI_SHIFT) + idx;
}

static int shm_new(void)
{
	return shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
}

static void expect_create(const char *what, int got, int exp_id, int exp_err)
{
	int e = got < 0 ? errno : 0;

	if (exp_err) {
		if (got >= 0)
			kt_fail("%s: expected %s, got id %d", what, err_name(exp_err), got);
		else if (e != exp_err)
			kt_fail("%s: expected %s, got %s", what, err_name(exp_err), err_name(e));
	} else if (got < 0) {
		kt_fail("%s: expected id %d, got %s", what, exp_id, err_name(e));
	} else if (exp_id >= 0 && got != exp_id) {
		kt_fail("%s: expected id %d, got %d", what, exp_id, got);
	}
}

struct othr {
	pid_t tid;
	int quit;
};

static void *idle_thread(void *arg)
{
	struct othr *o = arg;

	__atomic_store_n(&o->tid, gettid(), __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&o->quit, __ATOMIC_SEQ_CST))
		kt_sleep_ms(2);
	return NULL;
}

static void malformed(void)
{
	static const char *const bad[] = {
		"LONG", "LONG ", "LONG x", "LONG 1 2", "LONG -5", "LONG 12abc", "long 5", "LONG\t",
		"LONG0", "LONG0 1", "LONG01 1", "LONG33 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33",
		"LONG2 1", "LONG2 1 2 3", "LONGa 1", "LONG2,1 2", "LONG-1 1", "LONG2 1 -2", "LONG+1 5",
		"LONG<2> 1 2", "XX 5", "LONG 99999999999", "LONG 2147483648", "NONE 5", "LONG 1\n2",
	};
	size_t i;

	set_self();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_write(self_path, bad[i], EINVAL, EINVAL);
	nid("LONG32 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32");
	expect_pending("LONG32 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32\n",
		       NULL, "after LONG32 ...");
	nid("LONG 2147483647");
	nid("NONE");
	expect_pending("", NULL, "after NONE");
}

static void mode_ipc(void)
{
	int x = mkid(3, 100), id, k, q, s, d;
	struct shmid_ds ds;
	struct othr o = { 0 };
	pthread_t th;
	char b[128];
	void *p;
	pid_t kid;
	int kp[2];

	expect_pending("", NULL, "at start");
	/* one number, three kinds */
	nid("LONG %d", x);
	snprintf(b, sizeof(b), "LONG %d\n", x);
	expect_pending(b, NULL, "after writing it");
	id = shm_new();
	expect_create("shmget with next_id LONG X", id, x, 0);
	expect_pending("", NULL, "after the shmget that used it");
	nid("LONG %d", x);
	q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	expect_create("msgget with next_id LONG X", q, x, 0);
	nid("LONG1 %d", x);
	snprintf(b, sizeof(b), "LONG %d\n", x);
	{
		char b2[128];

		snprintf(b2, sizeof(b2), "LONG1 %d\n", x);
		expect_pending(b, b2, "after LONG1 X");
	}
	s = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	expect_create("semget with next_id LONG1 X", s, x, 0);

	/* taken: EEXIST, and consumed */
	nid("LONG %d", x);
	expect_create("shmget with next_id of a taken shm id", shm_new(), -1, EEXIST);
	expect_pending("", NULL, "after the failed shmget (EEXIST)");
	k = shm_new();
	if (k == x)
		kt_fail("shmget after a failed one: expected a new id, got the taken %d", x);
	if (k >= 0)
		shmctl(k, IPC_RMID, NULL);
	nid("LONG %d", x);
	expect_create("msgget with next_id of a taken msq id", msgget(IPC_PRIVATE, IPC_CREAT | 0600), -1, EEXIST);
	nid("LONG %d", x);
	expect_create("semget with next_id of a taken sem id", semget(IPC_PRIVATE, 1, IPC_CREAT | 0600), -1, EEXIST);

	/* a get of an existing key creates nothing: not consumed */
	k = shmget(0x4b434e01, 4096, IPC_CREAT | IPC_EXCL | 0600);
	if (k < 0)
		kt_die_errno("shmget key");
	nid("LONG %d", mkid(5, 200));
	expect_create("shmget(existing key, IPC_CREAT) with next_id pending", shmget(0x4b434e01, 4096, IPC_CREAT | 0600), k, 0);
	snprintf(b, sizeof(b), "LONG %d\n", mkid(5, 200));
	expect_pending(b, NULL, "after a shmget of an existing key (nothing created)");
	d = shm_new();
	expect_create("shmget after that", d, mkid(5, 200), 0);
	shmctl(d, IPC_RMID, NULL);
	shmctl(k, IPC_RMID, NULL);

	/* removed but attached: the id is held, EBUSY; free after the detach */
	nid("LONG %d", mkid(7, 300));
	d = shm_new();
	expect_create("shmget for the removed-attached case", d, mkid(7, 300), 0);
	p = shmat(d, NULL, 0);
	if (p == (void *)-1)
		kt_die_errno("shmat");
	shmctl(d, IPC_RMID, NULL);
	if (shmctl(d, IPC_STAT, &ds) || !(ds.shm_perm.mode & SHM_DEST))
		kt_fail("shm %d after IPC_RMID while attached: expected SHM_DEST", d);
	nid("LONG %d", d);
	expect_create("shmget with next_id of a removed but attached segment", shm_new(), -1, EBUSY);
	shmdt(p);
	nid("LONG %d", d);
	k = shm_new();
	expect_create("shmget with that id once detached (gone)", k, d, 0);
	shmctl(k, IPC_RMID, NULL);

	/* LONG2: an IPC creation needs one id */
	nid("LONG2 %d %d", mkid(2, 400), mkid(2, 401));
	snprintf(b, sizeof(b), "LONG2 %d %d\n", mkid(2, 400), mkid(2, 401));
	expect_pending(b, NULL, "after LONG2 X Y");
	expect_create("shmget with next_id LONG2 (two ids)", shm_new(), -1, EINVAL);
	expect_pending("", NULL, "after the failed shmget (LONG2)");
	/* an id beyond the namespace's index range: EINVAL, consumed */
	nid("LONG %d", 0x7fff8000 + 5);		/* sequence 65535: ipcid_seq_max() */
	expect_create("shmget with next_id of an id whose sequence is out of range", shm_new(), -1, EINVAL);

	/* replace, clear */
	nid("LONG %d", mkid(1, 500));
	nid("LONG %d", mkid(1, 501));
	k = shm_new();
	expect_create("shmget after two writes (the second replaces)", k, mkid(1, 501), 0);
	shmctl(k, IPC_RMID, NULL);
	nid("LONG %d", mkid(1, 502));
	nid("%s", "  \n");
	expect_pending("", NULL, "after writing blanks");
	k = shm_new();
	if (k == mkid(1, 502))
		kt_fail("shmget after clearing next_id: expected a normal id, got the cleared %d", k);
	shmctl(k, IPC_RMID, NULL);
	nid("LONG %d", mkid(1, 503));
	nid("\n");
	expect_pending("", NULL, "after writing \"\\n\"");
	nid("LONG %d", mkid(1, 504));
	nid("NONE\n");
	expect_pending("", NULL, "after writing NONE");

	malformed();

	/* rights checked again at use */
	nid("LONG %d", mkid(4, 600));
	drop_caps();
	k = shm_new();
	restore_caps();
	expect_create("shmget with next_id after CAP_SYS_ADMIN and CAP_CHECKPOINT_RESTORE were dropped", k, -1, EPERM);
	if (k >= 0)
		shmctl(k, IPC_RMID, NULL);
	expect_pending("", NULL, "after the failed shmget (EPERM)");
	/* and at write */
	drop_caps();
	set_self();
	expect_write(self_path, "LONG 5", EPERM, EPERM);
	restore_caps();

	/* another thread's file, another process's */
	if (pthread_create(&th, NULL, idle_thread, &o))
		kt_die("pthread_create");
	while (!__atomic_load_n(&o.tid, __ATOMIC_SEQ_CST))
		kt_sleep_ms(1);
	snprintf(b, sizeof(b), "/proc/%d/task/%d/next_id", (int)getpid(), (int)o.tid);
	expect_write(b, "LONG 5", EPERM, EPERM);
	{
		char g[64];

		if (kt_read_file(b, g, sizeof(g)) < 0)
			kt_fail("reading another thread's next_id (%s): %s", b, strerror(errno));
	}
	__atomic_store_n(&o.quit, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	if (pipe(kp))
		kt_die_errno("pipe");
	kid = fork();
	if (kid == 0) {
		char c;

		close(kp[1]);
		_exit(read(kp[0], &c, 1) < 0);
	}
	close(kp[0]);
	snprintf(b, sizeof(b), "/proc/%d/task/%d/next_id", (int)kid, (int)kid);
	expect_write(b, "LONG 5", EPERM, EPERM);
	close(kp[1]);
	waitpid(kid, NULL, 0);
	/* /proc/self/... from the main thread is ours */
	expect_write("/proc/thread-self/next_id", "LONG 5", 0, 0);
	expect_write("/proc/thread-self/next_id", "NONE", 0, 0);

	shmctl(id, IPC_RMID, NULL);
	msgctl(q, IPC_RMID, NULL);
	semctl(s, 0, IPC_RMID);
}

/* ------------------------------------------------------------ proc */
static int pid_free(int p)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d", p);
	return access(path, F_OK) != 0;
}

/* pids are below kernel.pid_max (4096 on a small kernel): wrap there */
static int pid_max(void)
{
	char buf[32];
	int max = 0;

	if (kt_read_file("/proc/sys/kernel/pid_max", buf, sizeof(buf)) > 0)
		max = atoi(buf);
	return max > 300 ? max : 32768;
}

/*
 * A pid at @from or after (wrapping below pid_max, above the reserved
 * 300) that no task, group or session uses.
 */
static int free_pid(int from)
{
	int max = pid_max(), i, p;

	for (i = 0; i < max; i++) {
		p = 300 + (from - 300 + i) % (max - 300);
		if (p < 300)
			p += max - 300;
		if (pid_free(p) && getpgid(p) < 0 && getsid(p) < 0)
			return p;
	}
	kt_die("no free pid from %d", from);
}

static pid_t fork_exit(int code)
{
	pid_t p = fork();

	if (p == 0)
		_exit(code);
	return p;
}

static void expect_fork(const char *what, pid_t exp, int exp_err)
{
	pid_t p = fork_exit(0);
	int e = p < 0 ? errno : 0;

	if (p > 0)
		waitpid(p, NULL, 0);
	if (exp_err) {
		if (p >= 0)
			kt_fail("%s: expected fork to fail with %s, got pid %d", what, err_name(exp_err), (int)p);
		else if (e != exp_err)
			kt_fail("%s: expected fork to fail with %s, got %s", what, err_name(exp_err), err_name(e));
	} else if (p < 0) {
		kt_fail("%s: expected pid %d, got %s", what, (int)exp, err_name(e));
	} else if (exp > 0 && p != exp) {
		kt_fail("%s: expected pid %d, got %d", what, (int)exp, (int)p);
	}
}

struct tt {
	pid_t tid;
};

static void *tid_thread(void *arg)
{
	((struct tt *)arg)->tid = gettid();
	return NULL;
}

static void mode_proc(void)
{
	int p, z, g;
	struct tt t = { 0 };
	pthread_t th;
	char b[64];

	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		kt_die_errno("PR_SET_CHILD_SUBREAPER");
	p = free_pid(getpid() + 500);
	nid("LONG %d", p);
	snprintf(b, sizeof(b), "LONG %d\n", p);
	expect_pending(b, NULL, "after writing a pid");
	expect_fork("fork with next_id LONG P", p, 0);
	expect_pending("", NULL, "after the fork that used it");

	/* a thread */
	p = free_pid(p + 1);
	nid("LONG %d", p);
	if (pthread_create(&th, NULL, tid_thread, &t))
		kt_fail("pthread_create with next_id LONG T: %s", strerror(errno));
	else {
		pthread_join(th, NULL);
		KT_EXPECT_INT("tid of a thread created with next_id LONG T", p, t.tid);
	}

	/* in use: EEXIST, consumed */
	nid("LONG %d", (int)getpid());
	expect_fork("fork with next_id of our own pid", 0, EEXIST);
	expect_pending("", NULL, "after the failed fork (EEXIST)");
	expect_fork("fork after that", 0, 0);

	/* a zombie's pid: EBUSY */
	z = fork_exit(0);
	if (z < 0)
		kt_die_errno("fork");
	{
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		waitid(P_PID, z, &si, WEXITED | WNOWAIT);
	}
	nid("LONG %d", z);
	expect_fork("fork with next_id of an unreaped zombie's pid", 0, EBUSY);
	waitpid(z, NULL, 0);

	/* a pid that lives on as a process group id only: EBUSY */
	{
		int gp[2];
		pid_t g2 = 0;
		ssize_t n;

		if (pipe(gp))
			kt_die_errno("pipe");
		g = fork();
		if (g == 0) {
			pid_t c;

			setpgid(0, 0);
			c = fork();
			if (c == 0) {
				char x;

				close(gp[1]);
				pause();
				_exit(read(gp[0], &x, 1) < 0);
			}
			_exit(write(gp[1], &c, sizeof(c)) != sizeof(c));
		}
		n = read(gp[0], &g2, sizeof(g2));
		waitpid(g, NULL, 0);
		if (n != sizeof(g2) || g2 <= 0 || getpgid(g2) != g) {
			kt_fail("setup: expected a process in group %d whose leader has exited, got %d", g,
				(int)g2);
		} else {
			if (!pid_free(g))
				kt_fail("setup: the group leader %d still exists", g);
			nid("LONG %d", g);
			expect_fork("fork with next_id of a pid used only as a process group id", 0, EBUSY);
		}
		if (g2 > 0) {
			kill(g2, SIGKILL);
			waitpid(g2, NULL, 0);	/* we are its subreaper */
		}
		close(gp[0]);
		close(gp[1]);
	}

	/* rights at use */
	p = free_pid(getpid() + 700);
	nid("LONG %d", p);
	drop_caps();
	{
		pid_t c = fork_exit(0);
		int e = errno;

		restore_caps();
		if (c > 0) {
			waitpid(c, NULL, 0);
			kt_fail("fork with next_id after the caps were dropped: expected EPERM, got pid %d", (int)c);
		} else if (e != EPERM) {
			kt_fail("fork with next_id after the caps were dropped: expected EPERM, got %s", err_name(e));
		}
	}
	malformed();
}

/* ------------------------------------------------------------ pidns */
static void mode_pidns(void)
{
	int q = free_pid(getpid() + 900), qt = free_pid(q + 1);
	pid_t i;
	int st;

	if (unshare(CLONE_NEWPID))
		kt_die_errno("unshare(CLONE_NEWPID)");
	i = fork();
	if (i < 0)
		kt_die_errno("fork init");
	if (i == 0) {
		int lv[8], n, e;
		pid_t c;

		/* pid 1 of the new namespace: level 1 */
		kt_set_who("init");
		if (getpid() != 1)
			kt_die("expected pid 1, got %d", (int)getpid());
		nid("LONG2 50 %d", q);
		c = fork();
		if (c == 0) {
			pause();
			_exit(0);
		}
		if (c < 0) {
			kt_fail("fork with next_id LONG2 50 %d: %s", q, strerror(errno));
		} else {
			char who[16];

			KT_EXPECT_INT("child's pid inside (X0, innermost first)", 50, c);
			snprintf(who, sizeof(who), "%d", q);
			n = kt_nspid(who, lv, 8);
			if (n != 2 || lv[0] != q || lv[1] != 50)
				kt_fail("NSpid of /proc/%d (the child's pid outside, X1): expected \"%d 50\", got %d level(s) starting %d",
					q, q, n, n > 0 ? lv[0] : -1);
		}
		/* taken inside, taken outside */
		nid("LONG2 50 %d", qt);
		expect_fork("fork with next_id LONG2 (inner pid taken)", 0, EEXIST);
		nid("LONG2 51 %d", q);
		expect_fork("fork with next_id LONG2 (outer pid taken)", 0, EEXIST);
		/* one id: inside */
		nid("LONG 60");
		expect_fork("fork with next_id LONG 60 at level 1", 60, 0);
		/* three ids at level 1: too many */
		set_self();
		e = try_write(self_path, "LONG3 70 71 72");
		if (e == 0)
			expect_fork("fork with next_id LONG3 at level 1", 0, EINVAL);
		else if (e != EINVAL)
			kt_fail("write \"LONG3 70 71 72\" at level 1: expected EINVAL (or at the fork), got %s",
				err_name(e));
		expect_pending("", NULL, "at the end");
		if (c > 0) {
			kill(c, SIGKILL);
			waitpid(c, NULL, 0);
		}
		exit(kt_nfail ? 1 : 0);
	}
	if (kt_wait_pid(i, &st, 60) != i || !WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("the namespace's init: expected exit 0, got status 0x%x", st);
}

/* ------------------------------------------------------------ user */
static void mode_user(void)
{
	if (geteuid() == 0)
		kt_die("user: expected an unprivileged user, got uid 0");
	set_self();
	expect_write(self_path, "LONG 5000", EPERM, EPERM);
	expect_write(self_path, "LONG1 5000", EPERM, EPERM);
	expect_pending("", NULL, "after the refused writes");
	expect_write("/proc/1/task/1/next_id", "LONG 5000", EPERM, EACCES);
	{
		int k = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);

		expect_create("shmget as an unprivileged user (nothing pending)", k, -1, 0);
		if (k >= 0)
			shmctl(k, IPC_RMID, NULL);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3 || strlen(argv[1]) > 40)
		goto usage;
	kt_start(argv[1]);
	if (!strcmp(argv[2], "ipc"))
		mode_ipc();
	else if (!strcmp(argv[2], "proc"))
		mode_proc();
	else if (!strcmp(argv[2], "pidns"))
		mode_pidns();
	else if (!strcmp(argv[2], "user"))
		mode_user();
	else
		goto usage;
	kt_done();
usage:
	kt_msg("usage: nextid NAME ipc|proc|pidns|user");
	return 2;
}
