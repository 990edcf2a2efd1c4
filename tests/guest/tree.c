// SPDX-License-Identifier: GPL-2.0
/*
 * tree: a process tree survives checkpoint/restart.
 *
 *   R   root: leads its own process group; its session is the driver's
 *       (outside the tree); 2 threads (a helper blocked on a condvar)
 *   ├─ Z    zombie: exited with status 77 before the checkpoint, not reaped
 *   ├─ A    pipe writer (3000 unread bytes in the R<-A pipe at checkpoint)
 *   │  └─ A1   leads process group A1
 *   │     └─ A2   member of group A1
 *   ├─ S    setsid(): leads session S and group S
 *   │  ├─ (L)  led group L; exited and was reaped by S before the checkpoint
 *   │  ├─ M    member of group L (whose leader is gone), session S
 *   │  └─ S1   member of group S, session S
 *   └─ T    3 threads: H holds a pthread mutex across the checkpoint, W is
 *           blocked on it (futex), the main thread waits for go
 *
 * Shared state: a MAP_SHARED|MAP_ANONYMOUS area (created by R before any
 * fork) where every member writes its slot; an open file description
 * /tmp/tree.shared (opened by R before fork, offset 123 set by A) that all
 * members share; private memory (4 COW pages) whose contents differ
 * between processes; the R<-A pipe; a report pipe (every member -> R) and
 * a go pipe (R -> every member: members block in read() across the
 * checkpoint).
 *
 * After restart every member checks its pid, ppid, pgid and sid (and
 * thread tids) against what it recorded (unless KCR_NOPIDS=1: then the
 * structure only: parent, group and session leaders are the members they
 * were, by their new pids), the shared state (data written by every other
 * member before the checkpoint, then new writes seen both ways through two
 * barriers, the shared offset moved by A seen by all, COW pages private,
 * the pipe data and, once A exited, EOF on the pipe), and reports to R.
 * R reaps the zombie (it must be reapable at once, status 77), collects
 * the reports, reaps its children (each one exits 0 only if it and its own
 * children passed), joins its thread and exits 0 iff everything passed.
 *
 * Files: /tmp/tree.ready (R's pid), /tmp/tree.pids ("NAME pid [tids]" per
 * line, also Z and L), /tmp/tree.go, /tmp/tree.shared.
 *
 * Selfcheck breaks (KCRTEST_BREAK=...): pid ppid pgid sid tid threads
 * zombie zombie_status pipe pipe_eof shm cow offset ofd mutex report tls
 * exit.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

enum { M_R, M_A, M_A1, M_A2, M_S, M_M, M_S1, M_T, NMEM };
static const char *const mname[NMEM] = { "R", "A", "A1", "A2", "S", "M", "S1", "T" };
static const int mparent[NMEM] = { -1, M_R, M_A, M_A1, M_R, M_S, M_S, M_R };
/* process group leader (member index); -2: L, the leader that exited */
static const int mpgl[NMEM] = { M_R, M_R, M_A1, M_A1, M_S, -2, M_S, M_R };
/* session leader (member index); -1: R's original session, outside the tree */
static const int msl[NMEM] = { -1, -1, -1, -1, M_S, M_S, M_S, -1 };
static const int mthreads[NMEM] = { 2, 1, 1, 1, 1, 1, 1, 3 };

#define ZOMBIE_STATUS	77
#define DATA_BEFORE	3000
#define DATA_AFTER	2000
#define OFF_BEFORE	123
#define OFF_AFTER	777
#define COW_PAGES	4
#define SLOT_WORDS	16
#define TMO_SETUP	60
#define TMO_STEP	20	/* after restart: barriers, reports, children, joins */

struct slot {
	int pid0, ppid0, pgid0, sid0;
	int tid0[3];
	int pid1;			/* getpid() after restart */
	uint64_t before[SLOT_WORDS], after[SLOT_WORDS];
};

struct shared {
	int setup;			/* members fully set up */
	int arrive[2];			/* barriers after restart */
	int zombie_pid, l_pid;
	struct slot slot[NMEM];
};

struct report {
	int32_t idx, nfail;
};

static struct shared *sh;
static int me = M_R;
static int data_p[2] = { -1, -1 }, report_p[2] = { -1, -1 }, go_p[2] = { -1, -1 };
static int shared_fd = -1;
static int tmo_barrier = TMO_STEP;
static uint64_t cow[COW_PAGES][512] __attribute__((aligned(4096)));

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dULL;
	return x ^ (x >> 33);
}

static uint64_t pat(unsigned int tag, unsigned long i)
{
	return mix(((uint64_t)tag << 40) ^ i ^ 0x5851f42d4c957f2dULL);
}

/* ---------------------------------------------------------------- COW pages */
#define TAG_R		0x100
#define TAG_R_AFTER	0x1ff		/* R's page 3 after its forks */
#define TAG_OWN(i)	(0x100 + (i))	/* page 1 of member i, written at birth */
#define TAG_LATE(i)	(0x200 + (i))	/* page 2 of child i, written after restart */

static void cow_fill(int page, unsigned int tag)
{
	int w;

	for (w = 0; w < 512; w++)
		cow[page][w] = pat(tag, page * 512 + w);
}

static unsigned int cow_expected(int i, int page, int late)
{
	switch (page) {
	case 1:
		return TAG_OWN(i);
	case 2:
		return (late && i != M_R) ? TAG_LATE(i) : TAG_R;
	case 3:
		return i == M_R ? TAG_R_AFTER : TAG_R;
	}
	return TAG_R;
}

static void cow_check(const char *when, int late)
{
	int page, w;

	for (page = 0; page < COW_PAGES; page++) {
		unsigned int tag = cow_expected(me, page, late);

		for (w = 0; w < 512; w++)
			if (cow[page][w] != pat(tag, page * 512 + w)) {
				kt_fail("private COW page %d %s: expected 0x%016llx (tag 0x%x), got 0x%016llx",
					page, when, (unsigned long long)pat(tag, page * 512 + w), tag,
					(unsigned long long)cow[page][w]);
				break;
			}
	}
}

/* ---------------------------------------------------------------- helpers */
static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* In a new child: drop the pipe ends only R (or A) may hold. */
static void child_fds(int i)
{
	close_fd(&data_p[0]);
	close_fd(&report_p[0]);
	close_fd(&go_p[1]);
	if (i != M_A)
		close_fd(&data_p[1]);
}

static void record(int i)
{
	struct slot *s = &sh->slot[i];
	int w;

	s->pid0 = getpid();
	s->ppid0 = getppid();
	s->pgid0 = getpgid(0);
	s->sid0 = getsid(0);
	s->tid0[0] = gettid();
	for (w = 0; w < SLOT_WORDS; w++)
		s->before[w] = pat(0x300 + i, w);
}

static void setup_done(void)
{
	__atomic_add_fetch(&sh->setup, 1, __ATOMIC_SEQ_CST);
}

static int nthreads(void)
{
	char buf[4096], *p;

	if (kt_read_file("/proc/self/status", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "\nThreads:");
	return p ? atoi(p + 9) : -1;
}

/* tids of this process (from /proc/self/task), sorted; returns the count. */
static int task_tids(int *tids, int max)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0, i, j;

	if (!d)
		return -1;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.')
			continue;
		tids[n++] = atoi(de->d_name);
	}
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && tids[j - 1] > tids[j]; j--) {
			int t = tids[j];

			tids[j] = tids[j - 1];
			tids[j - 1] = t;
		}
	return n;
}

static int barrier(int k)
{
	double deadline = kt_now(CLOCK_MONOTONIC) + tmo_barrier;
	int n = __atomic_add_fetch(&sh->arrive[k], 1, __ATOMIC_SEQ_CST);

	while (n < NMEM) {
		if (kt_now(CLOCK_MONOTONIC) > deadline) {
			kt_fail("barrier %d after restart: expected all %d members in the shared memory, got %d within %d s (shared anonymous memory not shared after restart?)",
				k + 1, NMEM, n, tmo_barrier);
			return -1;
		}
		kt_sleep_ms(2);
		n = __atomic_load_n(&sh->arrive[k], __ATOMIC_SEQ_CST);
	}
	return 0;
}

static void check_slots(const char *when, int after)
{
	int i, w;

	for (i = 0; i < NMEM; i++) {
		const uint64_t *v = after ? sh->slot[i].after : sh->slot[i].before;
		unsigned int tag = (after ? 0x400 : 0x300) + i;

		for (w = 0; w < SLOT_WORDS; w++)
			if (v[w] != pat(tag, w)) {
				kt_fail("shared memory: %s's %s data %s: expected 0x%016llx, got 0x%016llx",
					mname[i], after ? "post-restart" : "pre-checkpoint", when,
					(unsigned long long)pat(tag, w), (unsigned long long)v[w]);
				break;
			}
	}
}

static void check_offset(long want, const char *when)
{
	KT_EXPECT_INT(when, want, lseek(shared_fd, 0, SEEK_CUR));
}

/* Read exactly len bytes of the A->R pipe pattern starting at pattern offset off. */
static void read_data(size_t off, size_t len, const char *what)
{
	static unsigned char buf[DATA_BEFORE + DATA_AFTER];
	double deadline = kt_now(CLOCK_MONOTONIC) + 10;
	size_t have = 0, i;

	while (have < len) {
		struct pollfd pfd = { data_p[0], POLLIN, 0 };
		ssize_t n;
		int r;

		if (kt_now(CLOCK_MONOTONIC) > deadline)
			break;
		r = poll(&pfd, 1, 100);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0 || !pfd.revents)
			continue;
		n = read(data_p[0], buf + have, len - have);
		if (n <= 0)
			break;
		have += n;
	}
	if (have != len) {
		kt_fail("%s: expected %zu bytes from A, got %zu", what, len, have);
		return;
	}
	for (i = 0; i < len; i++)
		if (buf[i] != (unsigned char)pat(0x500, off + i)) {
			kt_fail("%s: byte %zu: expected 0x%02x, got 0x%02x", what, off + i,
				(unsigned char)pat(0x500, off + i), buf[i]);
			return;
		}
}

static void write_data(size_t off, size_t len)
{
	static unsigned char buf[DATA_BEFORE + DATA_AFTER];
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)pat(0x500, off + i);
	if (write(data_p[1], buf, len) != (ssize_t)len)
		kt_fail("writing %zu bytes into the A->R pipe: %s", len, strerror(errno));
}

/*
 * Wait for child member idx, which must exit 0.  pid is the one fork()
 * gave; with --no-pids it has the pid it reported after the restart.
 */
static void reap_child(pid_t pid, int idx, const char *name)
{
	char b[64];
	int st;
	pid_t r;

	if (kt_nopids)
		pid = sh->slot[idx].pid1;
	r = kt_wait_pid(pid, &st, TMO_STEP);

	if (r == 0) {
		kt_fail("child %s (pid %d): expected it to exit within %d s, got timeout",
			name, (int)pid, TMO_STEP);
		kill(pid, SIGKILL);
		kt_wait_pid(pid, &st, 5);
	} else if (r < 0) {
		kt_fail("waitpid(%s, pid %d): expected the child, got %s", name, (int)pid,
			strerror(errno));
	} else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		kt_fail("child %s (pid %d): expected exit 0, got %s", name, (int)pid,
			kt_status_str(st, b, sizeof(b)));
	}
}

/* ------------------------------------------------------------- R's thread */
static __thread uint64_t tls_word;
static pthread_mutex_t rt_mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rt_cv = PTHREAD_COND_INITIALIZER;
static int rt_go, rt_ready;

static void *r_thread(void *arg)
{
	(void)arg;
	tls_word = pat(0x600, 1);
	sh->slot[M_R].tid0[1] = gettid();
	pthread_mutex_lock(&rt_mx);
	rt_ready = 1;
	pthread_cond_broadcast(&rt_cv);
	while (!rt_go)
		pthread_cond_wait(&rt_cv, &rt_mx);
	pthread_mutex_unlock(&rt_mx);
	/* after restart */
	if (!kt_nopids)
		KT_EXPECT_INT("R's helper thread: tid", sh->slot[M_R].tid0[1], gettid());
	KT_EXPECT_U64("R's helper thread: TLS value", pat(0x600, 1), tls_word);
	return (void *)0x52;
}

/* ------------------------------------------------------------- T's threads */
static pthread_mutex_t t_mx = PTHREAD_MUTEX_INITIALIZER;	/* held across the checkpoint */
static pthread_mutex_t h_mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t h_cv = PTHREAD_COND_INITIALIZER;
static int h_locked, h_release, t_released, w_started, w_got;

static void *t_holder(void *arg)
{
	(void)arg;
	tls_word = pat(0x600, 2);
	pthread_mutex_lock(&t_mx);
	sh->slot[M_T].tid0[1] = gettid();
	pthread_mutex_lock(&h_mx);
	h_locked = 1;
	pthread_cond_broadcast(&h_cv);
	while (!h_release)
		pthread_cond_wait(&h_cv, &h_mx);
	pthread_mutex_unlock(&h_mx);
	/* after restart: still the owner; let W in */
	if (!kt_nopids)
		KT_EXPECT_INT("T's holder thread: tid", sh->slot[M_T].tid0[1], gettid());
	KT_EXPECT_U64("T's holder thread: TLS value", pat(0x600, 2), tls_word);
	if (__atomic_load_n(&w_got, __ATOMIC_SEQ_CST))
		kt_fail("mutex: expected the waiter to be still blocked while the holder owns it, got it acquired");
	kt_sleep_ms(50);
	if (!kt_broken("mutex"))
		__atomic_store_n(&t_released, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&t_mx);
	return (void *)0x48;
}

static void *t_waiter(void *arg)
{
	(void)arg;
	tls_word = pat(0x600, 3);
	sh->slot[M_T].tid0[2] = gettid();
	__atomic_store_n(&w_started, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&t_mx);	/* blocks: the holder has it */
	__atomic_store_n(&w_got, 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&t_released, __ATOMIC_SEQ_CST))
		kt_fail("mutex: expected the waiter to get it only after the holder released it, got it while held");
	if (!kt_nopids)
		KT_EXPECT_INT("T's waiter thread: tid", sh->slot[M_T].tid0[2], gettid());
	KT_EXPECT_U64("T's waiter thread: TLS value", pat(0x600, 3), tls_word);
	pthread_mutex_unlock(&t_mx);
	return (void *)0x57;
}

static void join(pthread_t th, const char *what, void *want)
{
	struct timespec ts;
	void *ret = NULL;
	int e;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += TMO_STEP;
	e = pthread_timedjoin_np(th, &ret, &ts);
	if (e)
		kt_fail("pthread_join(%s): expected it to end within %d s, got %s", what, TMO_STEP,
			strerror(e));
	else if (ret != want)
		kt_fail("pthread_join(%s): expected return value %p, got %p", what, want, ret);
}

/* --------------------------------------------------------- after restart */
static void check_ids(int i)
{
	struct slot *s = &sh->slot[i];

	if (kt_nopids)
		return;
	KT_EXPECT_INT("pid", s->pid0, getpid());
	KT_EXPECT_INT("ppid", s->ppid0 + (i != M_R && kt_broken("ppid") ? 1000 : 0),
		      i == M_R ? s->ppid0 : getppid());
	KT_EXPECT_INT("pgid", s->pgid0, getpgid(0));
	KT_EXPECT_INT("sid", s->sid0, getsid(0));
	KT_EXPECT_INT("main thread tid", s->tid0[0], gettid());
}

/* Structure, by the new pids (every slot's pid1 is set: after barrier 1). */
static void check_structure(int i)
{
	char what[128];
	int j, pgid = getpgid(0), sid = getsid(0);

	if (i != M_R) {
		snprintf(what, sizeof(what), "ppid (the pid of %s now)", mname[mparent[i]]);
		KT_EXPECT_INT(what, sh->slot[mparent[i]].pid1, getppid());
	}
	if (mpgl[i] >= 0) {
		snprintf(what, sizeof(what), "pgid (the pid of group leader %s now)", mname[mpgl[i]]);
		KT_EXPECT_INT(what, sh->slot[mpgl[i]].pid1, pgid);
	} else {
		/* M: the group of the exited L, M's alone */
		if (pgid == getpid())
			kt_fail("pgid: expected the group of the exited leader L, got M's own pid %d (M became a leader)",
				pgid);
		for (j = 0; j < NMEM; j++) {
			if (j == i)
				continue;
			if (sh->slot[j].pid1 == pgid)
				kt_fail("pgid: expected the group of the exited leader L, got the pid of %s (%d)",
					mname[j], pgid);
			if (getpgid(sh->slot[j].pid1) == pgid)
				kt_fail("pgid: expected M alone in L's group, got %s in it too (pgid %d)",
					mname[j], pgid);
		}
		errno = 0;
		if (kill(pgid, 0) == 0 || errno != ESRCH)
			kt_fail("kill(pgid %d, 0): expected ESRCH (the group leader L exited before the checkpoint), got %s",
				pgid, errno ? strerror(errno) : "success: a process has L's pid");
		if (kill(-pgid, 0))
			kt_fail("kill(-%d, 0) (L's group, M in it): expected success, got %s", pgid,
				strerror(errno));
	}
	if (msl[i] >= 0) {
		snprintf(what, sizeof(what), "sid (the pid of session leader %s now)", mname[msl[i]]);
		KT_EXPECT_INT(what, sh->slot[msl[i]].pid1, sid);
	} else {
		KT_EXPECT_INT("sid (R's original session, outside the tree)", sh->slot[M_R].sid0, sid);
	}
}

static void check_threads(int i)
{
	int tids[8], want[3], n, k, m = mthreads[i];

	KT_EXPECT_INT("threads (/proc/self/status Threads)", m, nthreads());
	n = task_tids(tids, 8);
	if (n != m) {
		kt_fail("tasks in /proc/self/task: expected %d, got %d", m, n);
		return;
	}
	if (kt_nopids) {
		for (k = 0; k < n && tids[k] != getpid(); k++)
			;
		if (k == n)
			kt_fail("thread ids: expected the main thread's tid %d among them, got none",
				(int)getpid());
		return;
	}
	for (k = 0; k < m; k++)
		want[k] = sh->slot[i].tid0[k];
	for (k = 1; k < m; k++) {
		int j;

		for (j = k; j > 0 && want[j - 1] > want[j]; j--) {
			int x = want[j];

			want[j] = want[j - 1];
			want[j - 1] = x;
		}
	}
	for (k = 0; k < m; k++)
		if (tids[k] != want[k]) {
			kt_fail("thread ids (sorted): expected %d %d %d, got %d %d %d", want[0],
				m > 1 ? want[1] : 0, m > 2 ? want[2] : 0, tids[0],
				m > 1 ? tids[1] : 0, m > 2 ? tids[2] : 0);
			break;
		}
}

/* R: the zombie must still be a zombie, with its status. */
static void check_zombie(void)
{
	struct kt_stat st;
	char path[64], buf[4096], *p, b[64];
	pid_t z = kt_nopids ? 0 : sh->zombie_pid, r;
	int k, ntasks, tids[8], status;

	if (kt_nopids) {
		/* the child of R that no member claims */
		ntasks = task_tids(tids, 8);
		for (k = 0; k < ntasks && !z; k++) {
			snprintf(path, sizeof(path), "/proc/self/task/%d/children", tids[k]);
			if (kt_read_file(path, buf, sizeof(buf)) < 0)
				continue;
			for (p = buf;;) {
				char *e;
				long c = strtol(p, &e, 10);

				if (e == p)
					break;
				p = e;
				if (c > 0 && c != sh->slot[M_A].pid1 && c != sh->slot[M_S].pid1 &&
				    c != sh->slot[M_T].pid1)
					z = (pid_t)c;
			}
		}
		if (!z) {
			kt_fail("zombie: expected a fourth child of R (besides A, S, T), got none in /proc/self/task/*/children");
			return;
		}
	}
	if (kt_broken("zombie"))
		waitpid(z, NULL, 0);
	if (kt_proc_stat(z, &st)) {
		kt_fail("zombie %d: expected /proc/%d/stat, got none (no such process)", (int)z, (int)z);
	} else {
		if (st.state != 'Z')
			kt_fail("zombie %d: expected state Z, got %c", (int)z, st.state);
		KT_EXPECT_INT("zombie: ppid", getpid(), st.ppid);
		KT_EXPECT_INT("zombie: pgrp (R's group)", getpgid(0), st.pgrp);
		KT_EXPECT_INT("zombie: session", getsid(0), st.session);
	}
	r = waitpid(z, &status, WNOHANG);
	if (r != z) {
		kt_fail("zombie %d: expected waitpid(WNOHANG) to reap it at once, got %d (%s)", (int)z,
			(int)r, r < 0 ? strerror(errno) : "still running");
		if (r == 0) {
			kill(z, SIGKILL);
			waitpid(z, NULL, 0);
		}
		return;
	}
	if (kt_broken("zombie_status"))
		status = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != ZOMBIE_STATUS)
		kt_fail("zombie %d: expected exit status %d, got %s", (int)z, ZOMBIE_STATUS,
			kt_status_str(status, b, sizeof(b)));
}

static pthread_t r_th, h_th, w_th;

/* Everything a member checks after restart, then its report to R. */
static void after(int i)
{
	struct report rep;
	int w;

	/* selfcheck: damage the state the way a broken restart would */
	if (i == M_M && kt_broken("pgid"))
		setpgid(0, 0);
	if (i == M_S1 && kt_broken("sid"))
		setsid();
	if (i == M_A2 && kt_broken("pid"))
		sh->slot[i].pid0++;
	if (i == M_T && kt_broken("tid"))
		sh->slot[i].tid0[2]++;
	if (i == M_A && kt_broken("cow"))
		cow[0][5] ^= 1;
	if (i == M_A && kt_broken("offset"))
		lseek(shared_fd, 1, SEEK_CUR);
	if (i == M_R && kt_broken("pipe"))
		read(data_p[0], &w, 1);
	if (i == M_R && kt_broken("tls"))
		tls_word = 1;
	if (i == M_A && kt_broken("ofd")) {
		int fd = open("/tmp/tree.shared", O_RDWR);

		lseek(fd, OFF_BEFORE, SEEK_SET);
		dup2(fd, shared_fd);
		close(fd);
	}
	if (i == M_A && kt_broken("shm")) {
		void *copy = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		memcpy(copy, sh, sizeof(*sh));
		mremap(copy, sizeof(*sh), sizeof(*sh), MREMAP_MAYMOVE | MREMAP_FIXED, sh);
	}
	if (kt_break_list[0])
		tmo_barrier = 5;
	if (i == M_T && kt_broken("threads")) {
		pthread_t x;

		pthread_create(&x, NULL, (void *(*)(void *))pause, NULL);
	}

	/* phase 1: the state as checkpointed */
	check_ids(i);
	KT_EXPECT_U64("main thread TLS value", pat(0x600, 0), tls_word);
	sh->slot[i].pid1 = getpid();
	check_threads(i);
	cow_check("as checkpointed", 0);
	check_slots("as checkpointed", 0);
	check_offset(OFF_BEFORE, "shared file offset as checkpointed (set by A)");
	if (i == M_R) {
		int n = -1;

		ioctl(data_p[0], FIONREAD, &n);
		KT_EXPECT_INT("unread bytes in the A->R pipe (FIONREAD)", DATA_BEFORE, n);
		read_data(0, DATA_BEFORE, "A->R pipe data written before the checkpoint");
	}
	if (barrier(0))
		goto report;

	/* phase 2: structure by the new pids; new writes */
	check_structure(i);
	if (i == M_R)
		check_zombie();
	if (i == M_A) {
		if (lseek(shared_fd, OFF_AFTER, SEEK_SET) != OFF_AFTER)
			kt_fail("lseek of the shared file: %s", strerror(errno));
		write_data(DATA_BEFORE, DATA_AFTER);
	}
	if (i != M_R)
		cow_fill(2, TAG_LATE(i));
	for (w = 0; w < SLOT_WORDS; w++)
		sh->slot[i].after[w] = pat(0x400 + i, w);
	if (barrier(1))
		goto report;

	/* phase 3: everybody's writes seen everywhere, private ones nowhere else */
	check_slots("after restart", 1);
	check_offset(OFF_AFTER, "shared file offset after A's lseek after restart (shared open file)");
	cow_check("after restart", 1);
	if (i == M_R)
		read_data(DATA_BEFORE, DATA_AFTER, "A->R pipe data written after restart");
	if (i == M_R) {
		pthread_mutex_lock(&rt_mx);
		rt_go = 1;
		pthread_cond_broadcast(&rt_cv);
		pthread_mutex_unlock(&rt_mx);
		join(r_th, "R's helper thread", (void *)0x52);
	}
	if (i == M_T) {
		pthread_mutex_lock(&h_mx);
		h_release = 1;
		pthread_cond_broadcast(&h_cv);
		pthread_mutex_unlock(&h_mx);
		join(h_th, "T's holder thread", (void *)0x48);
		join(w_th, "T's waiter thread", (void *)0x57);
	}
report:
	if (i == M_R)
		return;
	if (i == M_A1 && kt_broken("report"))
		return;
	rep.idx = i;
	rep.nfail = __atomic_load_n(&kt_nfail, __ATOMIC_SEQ_CST);
	if (write(report_p[1], &rep, sizeof(rep)) != sizeof(rep))
		kt_fail("writing the report to R: %s", strerror(errno));
	close_fd(&report_p[1]);
}

/* A member other than R: wait for go (R writes one byte per member), check. */
static void member_wait_go(void)
{
	char c;
	ssize_t n;

	do
		n = read(go_p[0], &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		kt_die("go pipe: expected a byte from R, got %s", n ? strerror(errno) : "EOF (R gone)");
	close_fd(&go_p[0]);
}

static __attribute__((noreturn)) void member_exit(void)
{
	if (kt_broken("exit") && me == M_S1)
		exit(3);
	exit(kt_nfail ? 1 : 0);
}

/* ---------------------------------------------------------------- members */
static __attribute__((noreturn)) void run_leaf(int i)
{
	record(i);
	setup_done();
	member_wait_go();
	after(i);
	member_exit();
}

static __attribute__((noreturn)) void run_a1(void)
{
	pid_t a2;

	setpgid(0, 0);
	cow_fill(1, TAG_OWN(M_A1));
	record(M_A1);
	a2 = fork();
	if (a2 < 0)
		kt_die_errno("fork A2");
	if (a2 == 0) {
		me = M_A2;
		kt_set_who("A2");
		cow_fill(1, TAG_OWN(M_A2));
		run_leaf(M_A2);
	}
	setup_done();
	member_wait_go();
	after(M_A1);
	reap_child(a2, M_A2, "A2");
	member_exit();
}

static __attribute__((noreturn)) void run_a(void)
{
	pid_t a1;

	cow_fill(1, TAG_OWN(M_A));
	record(M_A);
	if (lseek(shared_fd, OFF_BEFORE, SEEK_SET) != OFF_BEFORE)
		kt_die_errno("lseek shared file");
	write_data(0, DATA_BEFORE);
	a1 = fork();
	if (a1 < 0)
		kt_die_errno("fork A1");
	if (a1 == 0) {
		me = M_A1;
		kt_set_who("A1");
		close_fd(&data_p[1]);
		run_a1();
	}
	setup_done();
	member_wait_go();
	after(M_A);
	close_fd(&data_p[1]);
	reap_child(a1, M_A1, "A1");
	member_exit();
}

static __attribute__((noreturn)) void run_s(void)
{
	int lp[2], st;
	pid_t l, m, s1;
	char c;

	if (setsid() < 0)
		kt_die_errno("setsid");
	cow_fill(1, TAG_OWN(M_S));
	record(M_S);
	if (pipe(lp))
		kt_die_errno("pipe");
	l = fork();
	if (l < 0)
		kt_die_errno("fork L");
	if (l == 0) {		/* L: leads a group, waits for M to join, exits */
		kt_set_who("L");
		close(lp[1]);
		setpgid(0, 0);
		while (read(lp[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	setpgid(l, l);
	m = fork();
	if (m < 0)
		kt_die_errno("fork M");
	if (m == 0) {
		me = M_M;
		kt_set_who("M");
		close(lp[0]);
		close(lp[1]);
		if (setpgid(0, l) && getpgid(0) != l)
			kt_die("M joining L's group %d: %s", (int)l, strerror(errno));
		cow_fill(1, TAG_OWN(M_M));
		run_leaf(M_M);
	}
	if (setpgid(m, l) && getpgid(m) != l)
		kt_die("putting M into L's group %d: %s", (int)l, strerror(errno));
	close(lp[0]);
	close(lp[1]);		/* L exits */
	if (kt_wait_pid(l, &st, TMO_SETUP) != l || !WIFEXITED(st) || WEXITSTATUS(st))
		kt_die("L (pid %d): expected it to exit 0, got no or another status", (int)l);
	sh->l_pid = l;
	if (getpgid(m) != l)
		kt_die("M's group after L exited: expected %d, got %d", (int)l, (int)getpgid(m));
	s1 = fork();
	if (s1 < 0)
		kt_die_errno("fork S1");
	if (s1 == 0) {
		me = M_S1;
		kt_set_who("S1");
		cow_fill(1, TAG_OWN(M_S1));
		run_leaf(M_S1);
	}
	setup_done();
	member_wait_go();
	after(M_S);
	reap_child(m, M_M, "M");
	reap_child(s1, M_S1, "S1");
	member_exit();
}

static __attribute__((noreturn)) void run_t(void)
{
	double deadline;
	long sc = -3;

	cow_fill(1, TAG_OWN(M_T));
	record(M_T);
	if (pthread_create(&h_th, NULL, t_holder, NULL))
		kt_die("pthread_create holder failed");
	pthread_mutex_lock(&h_mx);
	while (!h_locked)
		pthread_cond_wait(&h_cv, &h_mx);
	pthread_mutex_unlock(&h_mx);
	if (pthread_create(&w_th, NULL, t_waiter, NULL))
		kt_die("pthread_create waiter failed");
	/* the waiter must be blocked in futex() on the held mutex */
	deadline = kt_now(CLOCK_MONOTONIC) + TMO_SETUP;
	while (!__atomic_load_n(&w_started, __ATOMIC_SEQ_CST) || !sh->slot[M_T].tid0[2] ||
	       (sc = kt_task_syscall(getpid(), sh->slot[M_T].tid0[2])) != SYS_futex) {
		if (kt_now(CLOCK_MONOTONIC) > deadline)
			kt_die("waiter thread: expected it blocked in futex (%d) within %d s, got syscall %ld",
			       SYS_futex, TMO_SETUP, sc);
		kt_sleep_ms(5);
	}
	setup_done();
	member_wait_go();
	after(M_T);
	member_exit();
}

/* ------------------------------------------------------------------- root */
static void write_pids_file(void)
{
	char buf[1024];
	size_t n = 0;
	int i;

	for (i = 0; i < NMEM; i++) {
		struct slot *s = &sh->slot[i];

		n += snprintf(buf + n, sizeof(buf) - n, "%s %d", mname[i], s->pid0);
		if (mthreads[i] > 1)
			n += snprintf(buf + n, sizeof(buf) - n, " %d", s->tid0[1]);
		if (mthreads[i] > 2)
			n += snprintf(buf + n, sizeof(buf) - n, " %d", s->tid0[2]);
		n += snprintf(buf + n, sizeof(buf) - n, "\n");
	}
	n += snprintf(buf + n, sizeof(buf) - n, "Z %d\nL %d\n", sh->zombie_pid, sh->l_pid);
	if (kt_write_file("/tmp/tree.pids", buf, n))
		kt_die_errno("writing /tmp/tree.pids");
}

static void collect_reports(void)
{
	double deadline = kt_now(CLOCK_MONOTONIC) + TMO_STEP;
	int got[NMEM] = { 0 }, n = 0, i;
	struct report rep;

	while (n < NMEM - 1) {
		struct pollfd pfd = { report_p[0], POLLIN, 0 };
		ssize_t r;

		if (kt_now(CLOCK_MONOTONIC) > deadline)
			break;
		if (poll(&pfd, 1, 100) <= 0 || !pfd.revents)
			continue;
		r = read(report_p[0], &rep, sizeof(rep));
		if (r == 0)
			break;
		if (r != sizeof(rep)) {
			if (r < 0 && errno == EINTR)
				continue;
			kt_fail("report pipe: expected %zu-byte reports, got %zd", sizeof(rep), r);
			break;
		}
		if (rep.idx <= 0 || rep.idx >= NMEM || got[rep.idx]) {
			kt_fail("report pipe: expected a report from a member, got member index %d",
				rep.idx);
			continue;
		}
		got[rep.idx] = 1;
		n++;
		if (rep.nfail)
			kt_fail("member %s reported %d failed check(s) (its FAIL lines are above)",
				mname[rep.idx], rep.nfail);
	}
	for (i = 1; i < NMEM; i++)
		if (!got[i])
			kt_fail("report from %s: expected one within %d s, got none", mname[i], TMO_STEP);
}

int main(void)
{
	double deadline;
	pid_t z, a, s, t;
	char buf[4096];
	int i, n;
	siginfo_t si;

	kt_start("tree");
	kt_set_who("R");
	if (setpgid(0, 0))
		kt_die_errno("setpgid R");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		kt_die_errno("mmap shared");
	shared_fd = open("/tmp/tree.shared", O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(buf, 's', sizeof(buf));
	if (shared_fd < 0 || write(shared_fd, buf, sizeof(buf)) != sizeof(buf) ||
	    lseek(shared_fd, 0, SEEK_SET))
		kt_die_errno("/tmp/tree.shared");
	if (pipe(data_p) || pipe(report_p) || pipe(go_p))
		kt_die_errno("pipe");
	for (i = 0; i < COW_PAGES; i++)
		cow_fill(i, TAG_R);
	tls_word = pat(0x600, 0);	/* inherited by every member's main thread */
	record(M_R);

	z = fork();
	if (z < 0)
		kt_die_errno("fork Z");
	if (z == 0)
		_exit(ZOMBIE_STATUS);
	sh->zombie_pid = z;

	a = fork();
	if (a < 0)
		kt_die_errno("fork A");
	if (a == 0) {
		me = M_A;
		kt_set_who("A");
		child_fds(M_A);
		run_a();
	}
	close_fd(&data_p[1]);
	s = fork();
	if (s < 0)
		kt_die_errno("fork S");
	if (s == 0) {
		me = M_S;
		kt_set_who("S");
		child_fds(M_S);
		run_s();
	}
	t = fork();
	if (t < 0)
		kt_die_errno("fork T");
	if (t == 0) {
		me = M_T;
		kt_set_who("T");
		child_fds(M_T);
		run_t();
	}
	close_fd(&report_p[1]);
	close_fd(&go_p[0]);
	cow_fill(3, TAG_R_AFTER);
	if (pthread_create(&r_th, NULL, r_thread, NULL))
		kt_die("pthread_create R's helper failed");
	pthread_mutex_lock(&rt_mx);
	while (!rt_ready)
		pthread_cond_wait(&rt_cv, &rt_mx);
	pthread_mutex_unlock(&rt_mx);

	/* everybody set up, Z a zombie */
	deadline = kt_now(CLOCK_MONOTONIC) + TMO_SETUP;
	while ((n = __atomic_load_n(&sh->setup, __ATOMIC_SEQ_CST)) < NMEM - 1) {
		if (kt_now(CLOCK_MONOTONIC) > deadline)
			kt_die("setup: expected %d members set up within %d s, got %d", NMEM - 1,
			       TMO_SETUP, n);
		kt_sleep_ms(5);
	}
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, z, &si, WEXITED | WNOHANG | WNOWAIT) || si.si_pid != z) {
		if (kt_now(CLOCK_MONOTONIC) > deadline)
			kt_die("zombie %d: expected it to exit within %d s, got nothing", (int)z, TMO_SETUP);
		kt_sleep_ms(5);
	}
	/* the state the checks expect holds before the checkpoint */
	check_offset(OFF_BEFORE, "shared file offset before the checkpoint (set by A)");
	check_slots("before the checkpoint", 0);
	cow_check("before the checkpoint", 0);
	if (kt_nfail)
		kt_die("setup: %d check(s) failed before the checkpoint", kt_nfail);
	write_pids_file();
	kt_ready();
	kt_wait_go();

	/* ---- after restart ---- */
	kt_after_restart();
	for (i = 1; i < NMEM; i++)
		if (write(go_p[1], "g", 1) != 1)
			kt_fail("go pipe: writing the byte for a member: %s", strerror(errno));
	close_fd(&go_p[1]);
	after(M_R);
	collect_reports();
	cow_check("at the end (no child's write may show)", 1);
	reap_child(a, M_A, "A");
	reap_child(s, M_S, "S");
	reap_child(t, M_T, "T");
	/* A (the only writer) is gone: EOF, unless someone else holds a write end */
	{
		struct pollfd pfd = { data_p[0], POLLIN, 0 };
		char c;
		ssize_t r = -1;

		if (kt_broken("pipe_eof")) {
			char path[64];

			snprintf(path, sizeof(path), "/proc/self/fd/%d", data_p[0]);
			open(path, O_WRONLY | O_NONBLOCK);
		}
		if (poll(&pfd, 1, 5000) == 1)
			r = read(data_p[0], &c, 1);
		if (r != 0)
			kt_fail("A->R pipe after A exited: expected EOF (A held the only write end), got %s",
				r > 0 ? "data" : "no EOF within 5 s");
	}
	{
		int st;
		pid_t r = waitpid(-1, &st, WNOHANG);

		if (r > 0 || (r < 0 && errno != ECHILD))
			kt_fail("children left: expected none after reaping Z, A, S, T, got %d", (int)r);
	}
	kt_done();
}
