// SPDX-License-Identifier: GPL-2.0
/*
 * threads: a multi-threaded process survives checkpoint/restart.
 *
 *   threads many [N]  (ready/go files: /tmp/threads_many.*)  N threads
 *       (default 100) besides the main one, each with its own TLS value,
 *       name (comm) and stack contents, all blocked in pthread_cond_wait
 *       (futex) across the checkpoint.  After restart: the thread count,
 *       each tid (unless KCR_NOPIDS=1: distinct), TLS, name and stack;
 *       then a broadcast wakes them and every one is joined (timed) with
 *       its own return value.  Also used by the benchmark (any N).
 *
 *   threads state  (/tmp/threads.*)  5 threads besides the main one:
 *       T1  blocked in a condvar; its signal mask {USR1, RTMIN}; a
 *           thread-directed SIGUSR1 pending for it alone (tgkill);
 *       T2  owns a robust mutex across the checkpoint, then exits
 *           without unlocking it;
 *       T3  blocked in a raw FUTEX_WAIT (no timeout) on a private word;
 *       T4  blocked in sigwaitinfo({RTMIN+3}); mask {USR2, RTMIN+3,
 *           RTMIN+4};
 *       T5  blocked in pthread_mutex_lock() of the robust mutex T2 owns.
 *     All threads have distinct TLS values, names and signal masks; every
 *     thread blocks RTMIN+4, and a process-directed RTMIN+4 with value
 *     0x1234 is queued across the checkpoint.  After restart: tids, thread
 *     names, per-thread masks (sigprocmask in each thread, and SigBlk in
 *     /proc/self/task/TID/status), T1's pending SIGUSR1 (its own, nobody
 *     else's), the shared RTMIN+4 and its value, TLS, pthread_self(); T3 is
 *     still in futex() (syscall 202) and wakes on FUTEX_WAKE; T4 gets a
 *     sigqueue()d RTMIN+3 with its value; T2 exits holding the robust
 *     mutex and T5 gets EOWNERDEAD (robust list restored); every thread is
 *     joined with a timeout (clear_child_tid restored).
 *
 * Selfcheck breaks: tid tls name stack mask pending shared futex robust
 * join count.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <linux/futex.h>

#define TMO	60	/* setup */
#define TMO_AFTER	20	/* after restart: joins (the driver allows 60 s in all) */

static __thread uint64_t tls_val;
static __thread char tls_str[32];

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dULL;
	return x ^ (x >> 33);
}

static int nthreads(void)
{
	char buf[4096], *p;

	if (kt_read_file("/proc/self/status", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "\nThreads:");
	return p ? atoi(p + 9) : -1;
}

/* Threads: reaches want within 5 s (an exited thread is released a bit after join). */
static int wait_threads(int want)
{
	double deadline = kt_now(CLOCK_MONOTONIC) + 5;
	int n;

	while ((n = nthreads()) != want && kt_now(CLOCK_MONOTONIC) < deadline)
		kt_sleep_ms(10);
	return n;
}

static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void thread_comm(pid_t tid, char *out, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)tid);
	n = kt_read_file(path, out, size);
	if (n <= 0)
		snprintf(out, size, "(unreadable)");
	else if (out[n - 1] == '\n')
		out[n - 1] = 0;
}

static int timed_join(pthread_t th, void **ret, double deadline)
{
	struct timespec ts;
	double now = kt_now(CLOCK_REALTIME), left = deadline - kt_now(CLOCK_MONOTONIC);

	if (left < 1)
		left = 1;
	now += left;
	ts.tv_sec = (time_t)now;
	ts.tv_nsec = (long)((now - ts.tv_sec) * 1e9);
	return pthread_timedjoin_np(th, ret, &ts);
}

/* ================================================================== many */
struct many {
	pthread_t th;
	int idx;
	pid_t tid0;
};

static struct many *mt;
static int n_many;
static pthread_mutex_t m_mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t m_cv = PTHREAD_COND_INITIALIZER;
static int m_waiting, m_go;

static void *many_main(void *arg)
{
	struct many *m = arg;
	volatile uint64_t stack[64];
	char name[16], comm[32], what[96];
	int k;

	m->tid0 = gettid();
	tls_val = mix(0x1000 + m->idx);
	snprintf(name, sizeof(name), "t%03d", m->idx);
	pthread_setname_np(pthread_self(), name);
	for (k = 0; k < 64; k++)
		stack[k] = mix(((uint64_t)m->idx << 8) + k);
	pthread_mutex_lock(&m_mx);
	m_waiting++;
	pthread_cond_broadcast(&m_cv);
	while (!m_go)
		pthread_cond_wait(&m_cv, &m_mx);
	pthread_mutex_unlock(&m_mx);

	/* after restart */
	snprintf(what, sizeof(what), "thread %d: tid", m->idx);
	if (!kt_nopids)
		KT_EXPECT_INT(what, m->tid0, gettid());
	if (m->idx == n_many - 1 && kt_broken("tls"))
		tls_val++;
	snprintf(what, sizeof(what), "thread %d: TLS value", m->idx);
	KT_EXPECT_U64(what, mix(0x1000 + m->idx), tls_val);
	if (m->idx == n_many / 2 && kt_broken("stack"))
		stack[7]++;
	for (k = 0; k < 64; k++)
		if (stack[k] != mix(((uint64_t)m->idx << 8) + k)) {
			kt_fail("thread %d: stack word %d: expected 0x%016llx, got 0x%016llx", m->idx,
				k, (unsigned long long)mix(((uint64_t)m->idx << 8) + k),
				(unsigned long long)stack[k]);
			break;
		}
	if (m->idx == 3 && kt_broken("name"))
		pthread_setname_np(pthread_self(), "renamed");
	thread_comm(gettid(), comm, sizeof(comm));
	snprintf(what, sizeof(what), "thread %d: name (comm)", m->idx);
	KT_EXPECT_STR(what, name, comm);
	return (void *)(intptr_t)(0x5000 + m->idx);
}

static int run_many(int n)
{
	double deadline;
	int i, k, nt;

	kt_start("threads_many");
	n_many = n;
	mt = calloc(n, sizeof(*mt));
	if (!mt)
		kt_die("out of memory");
	for (i = 0; i < n; i++) {
		pthread_attr_t a;

		mt[i].idx = i;
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 64 << 10);
		if (pthread_create(&mt[i].th, &a, many_main, &mt[i]))
			kt_die("pthread_create thread %d failed", i);
		pthread_attr_destroy(&a);
	}
	deadline = kt_now(CLOCK_MONOTONIC) + TMO;
	pthread_mutex_lock(&m_mx);
	while (m_waiting < n) {
		pthread_mutex_unlock(&m_mx);
		if (kt_now(CLOCK_MONOTONIC) > deadline)
			kt_die("setup: expected %d threads waiting within %d s, got %d", n, TMO, m_waiting);
		kt_sleep_ms(5);
		pthread_mutex_lock(&m_mx);
	}
	pthread_mutex_unlock(&m_mx);
	/* all of them asleep in the condvar's futex */
	for (i = 0; i < n; i++)
		while (kt_task_syscall(getpid(), mt[i].tid0) != SYS_futex) {
			if (kt_now(CLOCK_MONOTONIC) > deadline)
				kt_die("setup: thread %d not blocked in futex within %d s", i, TMO);
			kt_sleep_ms(2);
		}
	KT_EXPECT_INT("threads before the checkpoint", n + 1, nthreads());
	if (kt_nfail)
		kt_done();
	kt_ready();
	kt_wait_go();

	/* ---- after restart ---- */
	kt_after_restart();
	if (kt_broken("count")) {
		pthread_t x;

		pthread_create(&x, NULL, (void *(*)(void *))pause, NULL);
	}
	KT_EXPECT_INT("threads (/proc/self/status Threads)", n + 1, nthreads());
	KT_EXPECT_INT("tasks in /proc/self/task", n + 1, count_tasks());
	if (!kt_nopids)
		KT_EXPECT_INT("main thread tid", getpid(), gettid());
	if (kt_nopids)	/* distinct tids, none the main thread's */
		for (i = 0; i < n; i++)
			if (mt[i].tid0 == getpid())
				kt_fail("thread %d: expected its own tid, got the process's pid", i);
	pthread_mutex_lock(&m_mx);
	m_go = 1;
	pthread_cond_broadcast(&m_cv);
	pthread_mutex_unlock(&m_mx);
	deadline = kt_now(CLOCK_MONOTONIC) + TMO_AFTER;
	for (i = 0, k = 0; i < n; i++) {
		void *ret = NULL;
		int e = (kt_broken("join") && i == 0) ? ETIMEDOUT : timed_join(mt[i].th, &ret, deadline);

		if (e) {
			if (k++ < 3)
				kt_fail("pthread_join(thread %d): expected it to end within %d s, got %s",
					i, TMO_AFTER, strerror(e));
		} else if (ret != (void *)(intptr_t)(0x5000 + i)) {
			kt_fail("pthread_join(thread %d): expected return value %#x, got %p", i,
				0x5000 + i, ret);
		}
	}
	if (k > 3)
		kt_fail("pthread_join: %d threads in all did not end", k);
	nt = wait_threads(1);
	if (!kt_broken("join"))
		KT_EXPECT_INT("threads after joining them all", 1, nt);
	kt_done();
}

/* ================================================================= state */
#define NST 6	/* index 0 = main */
static pid_t st_tid0[NST];
static sigset_t st_mask0[NST];
static char st_name[NST][16] = { "threads", "t1-cond", "t2-robust", "t3-futex", "t4-sigwait",
				 "t5-robustwait" };
static pthread_t st_th[NST];
static pthread_t st_self0[NST];
static pthread_mutex_t s_mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_cv = PTHREAD_COND_INITIALIZER;
static int s_go, s_setup;
static pthread_mutex_t robust;
static int t2_locked, t5_started;
static int fword;
static int t3_early;		/* futex returns while fword was still 0 */
static int t4_sig;
static union sigval t4_val;

static int sig_n(int k)
{
	return SIGRTMIN + k;
}

static void set_mask(int i)
{
	sigset_t m;

	sigemptyset(&m);
	sigaddset(&m, sig_n(4));		/* everybody blocks RTMIN+4 */
	sigaddset(&m, sig_n(3));		/* and RTMIN+3 (T4 waits for it) */
	switch (i) {
	case 1:
		sigaddset(&m, SIGUSR1);
		sigaddset(&m, SIGRTMIN);
		break;
	case 2:
		sigaddset(&m, SIGHUP);
		break;
	case 3:
		sigaddset(&m, SIGUSR2);
		sigaddset(&m, SIGALRM);
		break;
	case 4:
		sigaddset(&m, SIGUSR2);
		break;
	case 5:
		sigaddset(&m, SIGWINCH);
		sigaddset(&m, sig_n(7));
		break;
	}
	pthread_sigmask(SIG_SETMASK, &m, NULL);
	st_mask0[i] = m;
}

static uint64_t mask_bits(const sigset_t *m)
{
	uint64_t v = 0;
	int s;

	for (s = 1; s <= 64; s++)
		if (sigismember(m, s) == 1)
			v |= 1ULL << (s - 1);
	return v;
}

static void st_common_setup(int i)
{
	st_tid0[i] = gettid();
	st_self0[i] = pthread_self();
	tls_val = mix(0x2000 + i);
	snprintf(tls_str, sizeof(tls_str), "tls of thread %d", i);
	if (i)
		pthread_setname_np(pthread_self(), st_name[i]);
	set_mask(i);
}

static void st_mark_setup(void)
{
	pthread_mutex_lock(&s_mx);
	s_setup++;
	pthread_cond_broadcast(&s_cv);
	pthread_mutex_unlock(&s_mx);
}

static void st_wait_go(void)
{
	pthread_mutex_lock(&s_mx);
	while (!s_go)
		pthread_cond_wait(&s_cv, &s_mx);
	pthread_mutex_unlock(&s_mx);
}

/* Checks every thread does on itself after restart. */
static void st_check_self(int i)
{
	char what[96], buf[40];
	sigset_t m;

	if (!kt_nopids) {
		snprintf(what, sizeof(what), "thread %s: tid", st_name[i]);
		KT_EXPECT_INT(what, st_tid0[i] + (i == 3 && kt_broken("tid")), gettid());
	}
	snprintf(what, sizeof(what), "thread %s: pthread_self()", st_name[i]);
	KT_EXPECT_U64(what, st_self0[i], pthread_self());
	if (i == 2 && kt_broken("tls"))
		tls_str[0] = 'X';
	snprintf(what, sizeof(what), "thread %s: TLS value", st_name[i]);
	KT_EXPECT_U64(what, mix(0x2000 + i), tls_val);
	snprintf(buf, sizeof(buf), "tls of thread %d", i);
	snprintf(what, sizeof(what), "thread %s: TLS string", st_name[i]);
	KT_EXPECT_STR(what, buf, tls_str);
	if (i == 4 && kt_broken("mask"))
		set_mask(3);
	pthread_sigmask(SIG_SETMASK, NULL, &m);
	snprintf(what, sizeof(what), "thread %s: signal mask", st_name[i]);
	KT_EXPECT_U64(what, mask_bits(&st_mask0[i]), mask_bits(&m));
	if (i == 1 && kt_broken("pending")) {
		struct timespec zero = { 0, 0 };
		sigset_t u;

		sigemptyset(&u);
		sigaddset(&u, SIGUSR1);
		sigtimedwait(&u, NULL, &zero);
	}
	sigpending(&m);
	snprintf(what, sizeof(what), "thread %s: SIGUSR1 pending (only T1's own)", st_name[i]);
	KT_EXPECT_INT(what, i == 1, sigismember(&m, SIGUSR1));
	snprintf(what, sizeof(what), "thread %s: process-wide RTMIN+4 pending", st_name[i]);
	KT_EXPECT_INT(what, 1, sigismember(&m, sig_n(4)));
}

static void *st_t1(void *arg)
{
	struct timespec zero = { 0, 0 };
	sigset_t m;
	siginfo_t si;

	(void)arg;
	st_common_setup(1);
	st_mark_setup();
	st_wait_go();
	st_check_self(1);
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	if (sigtimedwait(&m, &si, &zero) != SIGUSR1)
		kt_fail("thread t1-cond: sigtimedwait(SIGUSR1): expected its pending SIGUSR1, got %s",
			strerror(errno));
	return (void *)0x11;
}

static void *st_t2(void *arg)
{
	(void)arg;
	st_common_setup(2);
	if (pthread_mutex_lock(&robust))
		kt_die("t2: locking the robust mutex failed");
	__atomic_store_n(&t2_locked, 1, __ATOMIC_SEQ_CST);
	st_mark_setup();
	st_wait_go();
	st_check_self(2);
	if (kt_broken("robust"))
		pthread_mutex_unlock(&robust);
	return (void *)0x22;	/* exits still owning it */
}

static void *st_t3(void *arg)
{
	(void)arg;
	st_common_setup(3);
	st_mark_setup();
	while (!__atomic_load_n(&fword, __ATOMIC_SEQ_CST)) {
		long r = syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);

		if (!__atomic_load_n(&fword, __ATOMIC_SEQ_CST) && !(r < 0 && errno == EAGAIN))
			t3_early++;
	}
	st_check_self(3);
	return (void *)0x33;
}

static void *st_t4(void *arg)
{
	sigset_t m;
	siginfo_t si;
	int s;

	(void)arg;
	st_common_setup(4);
	st_mark_setup();
	sigemptyset(&m);
	sigaddset(&m, sig_n(3));
	do
		s = sigwaitinfo(&m, &si);
	while (s < 0 && errno == EINTR);
	t4_sig = s;
	t4_val = si.si_value;
	st_wait_go();
	st_check_self(4);
	return (void *)0x44;
}

static void *st_t5(void *arg)
{
	int e;

	(void)arg;
	st_common_setup(5);
	st_mark_setup();
	__atomic_store_n(&t5_started, 1, __ATOMIC_SEQ_CST);
	e = pthread_mutex_lock(&robust);	/* T2 owns it */
	st_check_self(5);
	if (e != EOWNERDEAD)
		kt_fail("thread t5-robustwait: lock of the robust mutex after its owner exited: expected EOWNERDEAD, got %s",
			e ? strerror(e) : "success");
	if (e == EOWNERDEAD)
		pthread_mutex_consistent(&robust);
	if (!e || e == EOWNERDEAD)
		pthread_mutex_unlock(&robust);
	return (void *)0x55;
}

static int run_state(void)
{
	void *(*fn[NST])(void *) = { NULL, st_t1, st_t2, st_t3, st_t4, st_t5 };
	pthread_mutexattr_t ma;
	double deadline;
	union sigval v;
	int i, e;

	kt_start("threads");
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &ma);
	st_common_setup(0);
	for (i = 1; i < NST; i++) {
		if (i == 5) {	/* T5 only once T2 owns the robust mutex */
			deadline = kt_now(CLOCK_MONOTONIC) + TMO;
			while (!__atomic_load_n(&t2_locked, __ATOMIC_SEQ_CST)) {
				if (kt_now(CLOCK_MONOTONIC) > deadline)
					kt_die("setup: t2 did not lock the robust mutex");
				kt_sleep_ms(2);
			}
		}
		if (pthread_create(&st_th[i], NULL, fn[i], NULL))
			kt_die("pthread_create %s failed", st_name[i]);
	}
	deadline = kt_now(CLOCK_MONOTONIC) + TMO;
	pthread_mutex_lock(&s_mx);
	while (s_setup < NST - 1) {
		pthread_mutex_unlock(&s_mx);
		if (kt_now(CLOCK_MONOTONIC) > deadline)
			kt_die("setup: expected %d threads set up, got %d", NST - 1, s_setup);
		kt_sleep_ms(2);
		pthread_mutex_lock(&s_mx);
	}
	pthread_mutex_unlock(&s_mx);
	/* each one in its blocking call */
	for (i = 1; i < NST; i++) {
		long want = i == 4 ? SYS_rt_sigtimedwait : SYS_futex;

		while (kt_task_syscall(getpid(), st_tid0[i]) != want) {
			if (kt_now(CLOCK_MONOTONIC) > deadline)
				kt_die("setup: thread %s: expected it blocked in syscall %ld, got %ld",
				       st_name[i], want, kt_task_syscall(getpid(), st_tid0[i]));
			kt_sleep_ms(2);
		}
	}
	if (syscall(SYS_tgkill, getpid(), st_tid0[1], SIGUSR1))
		kt_die_errno("tgkill SIGUSR1");
	v.sival_int = 0x1234;
	if (sigqueue(getpid(), sig_n(4), v))
		kt_die_errno("sigqueue RTMIN+4");
	kt_ready();
	kt_wait_go();

	/* ---- after restart ---- */
	kt_after_restart();
	KT_EXPECT_INT("threads (/proc/self/status Threads)", NST, nthreads());
	for (i = 0; i < NST; i++) {
		char comm[32], buf[4096], what[96], *p;

		if (kt_nopids && i)
			break;
		if (i == 4 && kt_broken("name"))
			pthread_setname_np(st_th[4], "renamed");
		thread_comm(st_tid0[i], comm, sizeof(comm));
		snprintf(what, sizeof(what), "thread %s: name (/proc/self/task/%d/comm)", st_name[i],
			 st_tid0[i]);
		KT_EXPECT_STR(what, st_name[i], comm);
		snprintf(what, sizeof(what), "/proc/self/task/%d/status", st_tid0[i]);
		if (kt_read_file(what, buf, sizeof(buf)) > 0 && (p = strstr(buf, "\nSigBlk:"))) {
			uint64_t want = mask_bits(&st_mask0[i]);

			/* in sigwaitinfo() the awaited signal is unblocked for the call */
			if (i == 4)
				want &= ~(1ULL << (sig_n(3) - 1));
			snprintf(what, sizeof(what), "thread %s: SigBlk in /proc%s", st_name[i],
				 i == 4 ? " (inside sigwaitinfo)" : "");
			KT_EXPECT_U64(what, want, strtoull(p + 8, NULL, 16));
		} else {
			kt_fail("thread %s: expected %s, got none", st_name[i], what);
		}
	}
	/* T3 must still be inside its futex wait */
	if (!kt_nopids) {
		long sc = kt_task_syscall(getpid(), st_tid0[3]);

		if (sc != SYS_futex)
			kt_fail("thread t3-futex: expected it still blocked in futex (%d), got syscall %ld",
				SYS_futex, sc);
	}
	if (kt_broken("shared")) {
		struct timespec zero = { 0, 0 };
		sigset_t m;

		sigemptyset(&m);
		sigaddset(&m, sig_n(4));
		sigtimedwait(&m, NULL, &zero);
	}
	if (kt_broken("futex"))
		t3_early++;
	pthread_mutex_lock(&s_mx);
	s_go = 1;
	pthread_cond_broadcast(&s_cv);
	pthread_mutex_unlock(&s_mx);
	/* every thread checks itself, with RTMIN+4 still pending; then main takes it */
	kt_sleep_ms(200);
	st_check_self(0);
	__atomic_store_n(&fword, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &fword, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	v.sival_int = 0xabc;
	if (sigqueue(getpid(), sig_n(3), v))
		kt_fail("sigqueue RTMIN+3 after restart: %s", strerror(errno));
	deadline = kt_now(CLOCK_MONOTONIC) + TMO_AFTER;
	for (i = 1; i < NST; i++) {
		void *ret = NULL;

		e = timed_join(st_th[i], &ret, deadline);
		if (e)
			kt_fail("pthread_join(%s): expected it to end within %d s, got %s", st_name[i],
				TMO_AFTER, strerror(e));
		else if (ret != (void *)(intptr_t)(0x11 * i))
			kt_fail("pthread_join(%s): expected return value %#x, got %p", st_name[i],
				0x11 * i, ret);
	}
	KT_EXPECT_INT("thread t3-futex: futex() returns before the wake (expected none: a wait without timeout resumes)",
		      0, t3_early);
	KT_EXPECT_INT("thread t4-sigwait: signal received", sig_n(3), t4_sig);
	KT_EXPECT_INT("thread t4-sigwait: its value", 0xabc, t4_val.sival_int);
	{
		struct timespec zero = { 0, 0 };
		siginfo_t si;
		sigset_t m;
		int s;

		sigemptyset(&m);
		sigaddset(&m, sig_n(4));
		s = sigtimedwait(&m, &si, &zero);
		KT_EXPECT_INT("process-wide queued RTMIN+4", sig_n(4), s);
		if (s == sig_n(4))
			KT_EXPECT_INT("process-wide queued RTMIN+4: value", 0x1234, si.si_value.sival_int);
	}
	KT_EXPECT_INT("threads after joining", 1, wait_threads(1));
	kt_done();
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "many"))
		return run_many(argc > 2 ? atoi(argv[2]) : 100);
	if (argc > 1 && !strcmp(argv[1], "state"))
		return run_state();
	kt_msg("usage: threads many [N] | threads state");
	return 2;
}
