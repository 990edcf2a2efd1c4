// SPDX-License-Identifier: GPL-2.0
/*
 * timers MODE: a process with timers, checkpointed, kept frozen (or dead)
 * about FROZEN_S seconds by the driver, then restarted.
 *
 *   real     setitimer(ITIMER_REAL, 3 s, interval 0.5 s)
 *   alarm    alarm(3)
 *   virt     ITIMER_VIRTUAL (0.4 s, interval 0.2 s) and ITIMER_PROF (20 s, 1 s)
 *   posix    POSIX timers on several clocks and sigevents (raw syscalls, so
 *            the kernel ids are the timer_t values)
 *   thread   SIGEV_THREAD_ID timers aimed at a second thread
 *   abs_rt, abs_mono   clock_nanosleep(TIMER_ABSTIME) 5 s ahead
 *   refuse   a timer on another thread's CPU clock: checkpoint refuses it
 *   passed   a periodic ITIMER_REAL and a periodic POSIX timer that fired
 *            with their signals blocked: each waits for its signal to be
 *            dequeued to rearm (from its passed expiry)
 *
 * Time frozen: the timers' time does not pass between checkpoint and
 * restart (relative timers resume with what they had left), absolute
 * CLOCK_REALTIME deadlines stay absolute.  Times are checked within TOL
 * (QEMU TCG is slow); before the checkpoint the program only sleeps in
 * 10 ms steps, so the time it runs around the checkpoint is bounded by
 * measuring: "left at restart" is between "left at ready" - (time run
 * before the checkpoint) and that - (time since the restart began) - TOL,
 * where the checkpoint time is the image header's time_ns the driver
 * writes into the go file and the restart time the go file's mtime.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#define TOL 0.3

static double t_ready_rt;	/* CLOCK_REALTIME at kt_ready() */
static double t_ckpt_rt;	/* header.time_ns */
static double t_go_rt;		/* go file mtime: restart began */

static volatile int alarms;
static double alarm_at[8];

static void on_alarm(int sig)
{
	(void)sig;
	if (alarms < 8)
		alarm_at[alarms] = kt_now(CLOCK_MONOTONIC);
	alarms++;
}

static double ts_d(const struct timespec *ts)
{
	return ts->tv_sec + ts->tv_nsec / 1e9;
}

static double tv_d(const struct timeval *tv)
{
	return tv->tv_sec + tv->tv_usec / 1e6;
}

/* After the go file: the checkpoint and restart times. */
static void read_go(void)
{
	unsigned long long ns = 0;
	char buf[64] = "";
	struct stat st;

	if (kt_read_file(kt_go_path, buf, sizeof(buf)) > 0 &&
	    sscanf(buf, "%llu", &ns) == 1 && ns && !stat(kt_go_path, &st)) {
		t_ckpt_rt = ns / 1e9;
		t_go_rt = ts_d(&st.st_mtim);
	} else if (!kt_selfcheck) {
		kt_fail("go file: expected the image's header.time_ns, got \"%s\"", buf);
	}
	if (kt_selfcheck)
		t_ckpt_rt = t_go_rt = kt_now(CLOCK_REALTIME);
}

/* Time of ours that a relative timer saw pass since kt_ready(). */
static double ran(void)
{
	return (t_ckpt_rt - t_ready_rt) + (kt_now(CLOCK_REALTIME) - t_go_rt);
}

/*
 * A relative timer that had left0 at ready: at least the time before the
 * checkpoint passed for it, at most that and the time since the go file
 * (which includes the restart itself, before the timer runs again), not
 * the time frozen in between (TIMERS_FROZEN, 2 s, in the driver).
 */
static void expect_left(const char *what, double left0, double got)
{
	double pre = t_ckpt_rt - t_ready_rt, exp = left0 - ran();

	if (got > left0 - pre + 0.05 || got < exp - TOL)
		kt_fail("%s: expected %.3f..%.3f s left (%.3f at ready, %.3f s run before the checkpoint, %.3f s since the restart began), got %.3f s",
			what, exp - TOL, left0 - pre, left0, pre, ran() - pre, got);
}

static void ready_and_wait(void)
{
	t_ready_rt = kt_now(CLOCK_REALTIME);
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	read_go();
	kt_msg("# %s: %.3f s before the checkpoint, restart %.3f s after it",
	       kt_name, t_ckpt_rt - t_ready_rt, t_go_rt - t_ckpt_rt);
}

/* Wait (in 1 ms steps) until alarms > n or max_s passed. */
static void wait_alarms(int n, double max_s)
{
	double end = kt_now(CLOCK_MONOTONIC) + max_s;

	while (alarms <= n && kt_now(CLOCK_MONOTONIC) < end)
		usleep(1000);
}

static void mode_real(int use_alarm)
{
	struct itimerval v = { { 0, 500000 }, { 3, 0 } }, g;
	double left0, t0;

	signal(SIGALRM, on_alarm);
	if (use_alarm)
		alarm(3);
	else if (setitimer(ITIMER_REAL, &v, NULL))
		kt_die_errno("setitimer");
	getitimer(ITIMER_REAL, &g);
	left0 = tv_d(&g.it_value);
	ready_and_wait();
	t0 = kt_now(CLOCK_MONOTONIC);
	if (alarms)
		kt_fail("SIGALRM before its time: %d after restart", alarms);
	getitimer(ITIMER_REAL, &g);
	expect_left("ITIMER_REAL", left0, tv_d(&g.it_value));
	KT_EXPECT_INT("ITIMER_REAL interval us", use_alarm ? 0 : 500000,
		      g.it_interval.tv_sec * 1000000 + g.it_interval.tv_usec);
	left0 = tv_d(&g.it_value);
	wait_alarms(0, left0 + 2);
	if (!alarms)
		kt_fail("SIGALRM: none %.1f s after restart", left0 + 2);
	else if (alarm_at[0] - t0 < left0 - 0.05 || alarm_at[0] - t0 > left0 + TOL)
		kt_fail("SIGALRM after restart: expected in %.3f s, got %.3f s",
			left0, alarm_at[0] - t0);
	if (!use_alarm) {
		wait_alarms(1, 2);
		if (alarms < 2 || alarm_at[1] - alarm_at[0] < 0.45 ||
		    alarm_at[1] - alarm_at[0] > 0.5 + TOL)
			kt_fail("second SIGALRM: expected 0.5 s after the first, got %d alarms, %.3f s",
				alarms, alarms > 1 ? alarm_at[1] - alarm_at[0] : 0);
		memset(&v, 0, sizeof(v));
		setitimer(ITIMER_REAL, &v, NULL);
	} else {
		usleep(700000);
		KT_EXPECT_INT("alarms (one-shot)", 1, alarms);
	}
}

static volatile int vt_alarms;
static void on_vtalrm(int sig)
{
	(void)sig;
	vt_alarms++;
}

static double cpu_self(void)
{
	return kt_now(CLOCK_PROCESS_CPUTIME_ID);
}

static void mode_virt(void)
{
	struct itimerval vv = { { 0, 200000 }, { 0, 400000 } };
	struct itimerval pv = { { 1, 0 }, { 20, 0 } }, g;
	double v0, p0, c0, c1;
	volatile long spin;

	signal(SIGVTALRM, on_vtalrm);
	signal(SIGPROF, SIG_IGN);
	if (setitimer(ITIMER_VIRTUAL, &vv, NULL) || setitimer(ITIMER_PROF, &pv, NULL))
		kt_die_errno("setitimer");
	getitimer(ITIMER_VIRTUAL, &g);
	v0 = tv_d(&g.it_value);
	getitimer(ITIMER_PROF, &g);
	p0 = tv_d(&g.it_value);
	ready_and_wait();
	/* CPU time: the waiting loop used a little; nothing else counts */
	getitimer(ITIMER_VIRTUAL, &g);
	if (tv_d(&g.it_value) > v0 + 0.02 || tv_d(&g.it_value) < v0 - 0.1)
		kt_fail("ITIMER_VIRTUAL left: expected about %.3f s, got %.3f s", v0,
			tv_d(&g.it_value));
	KT_EXPECT_INT("ITIMER_VIRTUAL interval us", 200000, g.it_interval.tv_usec);
	v0 = tv_d(&g.it_value);
	getitimer(ITIMER_PROF, &g);
	if (tv_d(&g.it_value) > p0 + 0.02 || tv_d(&g.it_value) < p0 - 0.15)
		kt_fail("ITIMER_PROF left: expected about %.3f s, got %.3f s", p0,
			tv_d(&g.it_value));
	KT_EXPECT_INT("ITIMER_PROF interval s", 1, g.it_interval.tv_sec);
	/* burn user CPU time until SIGVTALRM */
	c0 = cpu_self();
	while (!vt_alarms && cpu_self() - c0 < v0 + 2)
		for (spin = 0; spin < 200000 && !vt_alarms; spin++)
			;	/* user time: the clock read is a system call */
	c1 = cpu_self();
	if (!vt_alarms)
		kt_fail("SIGVTALRM: none after %.3f s of CPU time", c1 - c0);
	else if (c1 - c0 < v0 - 0.05 || c1 - c0 > v0 + TOL)
		kt_fail("SIGVTALRM: expected after %.3f s of CPU time, got %.3f s", v0, c1 - c0);
	memset(&vv, 0, sizeof(vv));
	setitimer(ITIMER_VIRTUAL, &vv, NULL);
	setitimer(ITIMER_PROF, &vv, NULL);
}

/* ---- POSIX timers through the raw system calls ---- */

static int ptimer(clockid_t clk, int notify, int sig, long val, int tid)
{
	struct sigevent sev;
	int id = -1;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = notify;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_ptr = (void *)val;
	sev._sigev_un._tid = tid;
	if (syscall(SYS_timer_create, clk, &sev, &id))
		kt_die_errno("timer_create");
	return id;
}

static void pset(int id, int flags, double value, double interval)
{
	struct itimerspec its = {
		{ (time_t)interval, (long)((interval - (time_t)interval) * 1e9) },
		{ (time_t)value, (long)((value - (time_t)value) * 1e9) },
	};

	if (syscall(SYS_timer_settime, id, flags, &its, NULL))
		kt_die_errno("timer_settime");
}

static double pget(int id, double *interval)
{
	struct itimerspec its;

	if (syscall(SYS_timer_gettime, id, &its)) {
		kt_fail("timer_gettime(%d): %s (the id is not there)", id, strerror(errno));
		return -1;
	}
	if (interval)
		*interval = ts_d(&its.it_interval);
	return ts_d(&its.it_value);
}

static int take(int sig, siginfo_t *si, double wait_s)
{
	struct timespec ts = { (time_t)wait_s, (long)((wait_s - (time_t)wait_s) * 1e9) };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	return sigtimedwait(&set, si, &ts);
}

static void expect_timer_sig(const char *what, siginfo_t *si, int id, long val)
{
	KT_EXPECT_INT(what, SI_TIMER, si->si_code);
	if (si->si_code == SI_TIMER) {
		KT_EXPECT_INT("si_timerid", id, si->si_timerid);
		KT_EXPECT_INT("si_value", val, (long)si->si_value.sival_ptr);
	}
}

static void mode_posix(void)
{
	int mono, rtabs, none, shot, idle, gone, next, i;
	double m0, a0, n0, iv, abs_rt, t, g;
	sigset_t set;
	siginfo_t si;

	/* every timer signal blocked: they stay queued */
	sigemptyset(&set);
	for (i = SIGRTMIN; i <= SIGRTMIN + 8; i++)
		sigaddset(&set, i);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, NULL);

	gone = ptimer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 0);
	mono = ptimer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN + 1, 111, 0);
	rtabs = ptimer(CLOCK_REALTIME, SIGEV_SIGNAL, SIGRTMIN + 2, 222, 0);
	none = ptimer(CLOCK_BOOTTIME, SIGEV_NONE, 0, 0, 0);
	shot = ptimer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN + 5, 555, 0);
	if (syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &idle))
		kt_die_errno("timer_create(NULL)");
	syscall(SYS_timer_delete, gone);	/* a hole in the ids */

	pset(mono, 0, 4, 1);
	abs_rt = kt_now(CLOCK_REALTIME) + 8;
	pset(rtabs, TIMER_ABSTIME, abs_rt, 0);
	pset(none, 0, 10, 0);
	pset(shot, 0, 0.05, 0);
	usleep(300000);		/* shot fires: its signal queued */
	m0 = pget(mono, NULL);
	n0 = pget(none, NULL);
	a0 = pget(rtabs, NULL);
	(void)a0;

	ready_and_wait();

	/* the same ids, each with its state */
	g = pget(mono, &iv);
	expect_left("CLOCK_MONOTONIC timer", m0, g);
	if (iv < 0.999 || iv > 1.001)
		kt_fail("CLOCK_MONOTONIC timer interval: expected 1 s, got %.6f", iv);
	g = pget(rtabs, &iv);
	t = abs_rt - kt_now(CLOCK_REALTIME);
	if (g < t - 0.05 || g > t + 0.05)
		kt_fail("CLOCK_REALTIME TIMER_ABSTIME timer: expected %.3f s left (absolute expiry kept), got %.3f s",
			t, g);
	expect_left("CLOCK_BOOTTIME SIGEV_NONE timer", n0, pget(none, NULL));
	KT_EXPECT_INT("disarmed timer value", 0, (long)(pget(idle, NULL) * 1e9));
	if (!syscall(SYS_timer_gettime, gone, &(struct itimerspec){}))
		kt_fail("deleted timer %d: exists after restart", gone);

	/* the one-shot's signal, queued before the checkpoint */
	if (take(SIGRTMIN + 5, &si, 0) != SIGRTMIN + 5)
		kt_fail("one-shot timer signal: not queued after restart");
	else
		expect_timer_sig("one-shot si_code", &si, shot, 555);
	/* a new timer gets the next id, as it would have */
	next = ptimer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 0);
	KT_EXPECT_INT("id of a timer created after restart", idle + 1, next);
	/* the monotonic timer fires when its time is up */
	g = pget(mono, NULL);
	if (take(SIGRTMIN + 1, &si, g + 1) != SIGRTMIN + 1)
		kt_fail("CLOCK_MONOTONIC timer: no signal in %.3f s", g + 1);
	else
		expect_timer_sig("monotonic si_code", &si, mono, 111);
}

/* ---- SIGEV_THREAD_ID ---- */

static volatile int th_tid, th_ok;
static int th_timer, th_shot;
static double th_left0;

static void *thread_main(void *arg)
{
	siginfo_t si;
	sigset_t set;
	double t0;

	(void)arg;
	th_tid = gettid();
	while (!th_ok)
		usleep(1000);
	/* after restart: the pending one-shot is in this thread's queue */
	sigpending(&set);
	if (!sigismember(&set, SIGRTMIN + 7))
		kt_fail("thread: the SIGEV_THREAD_ID one-shot signal is not pending for it");
	if (take(SIGRTMIN + 7, &si, 0) != SIGRTMIN + 7)
		kt_fail("thread: no SIGEV_THREAD_ID one-shot signal");
	else
		expect_timer_sig("thread one-shot si_code", &si, th_shot, 777);
	t0 = kt_now(CLOCK_MONOTONIC);
	if (take(SIGRTMIN + 6, &si, th_left0 + 2) != SIGRTMIN + 6) {
		kt_fail("thread: no SIGEV_THREAD_ID signal in %.1f s", th_left0 + 2);
	} else {
		expect_timer_sig("thread si_code", &si, th_timer, 666);
		if (kt_now(CLOCK_MONOTONIC) - t0 > th_left0 + TOL)
			kt_fail("thread: SIGEV_THREAD_ID signal after %.3f s, expected %.3f s",
				kt_now(CLOCK_MONOTONIC) - t0, th_left0);
	}
	th_ok = 2;
	return NULL;
}

static void mode_thread(void)
{
	pthread_t th;
	sigset_t set;
	double left0;
	int i;

	sigemptyset(&set);
	for (i = SIGRTMIN; i <= SIGRTMIN + 8; i++)
		sigaddset(&set, i);
	sigprocmask(SIG_BLOCK, &set, NULL);	/* inherited by the thread */
	if (pthread_create(&th, NULL, thread_main, NULL))
		kt_die("pthread_create");
	while (!th_tid)
		usleep(1000);
	th_timer = ptimer(CLOCK_MONOTONIC, SIGEV_THREAD_ID, SIGRTMIN + 6, 666, th_tid);
	th_shot = ptimer(CLOCK_MONOTONIC, SIGEV_THREAD_ID, SIGRTMIN + 7, 777, th_tid);
	pset(th_timer, 0, 3, 0);
	pset(th_shot, 0, 0.02, 0);
	usleep(100000);
	left0 = pget(th_timer, NULL);
	ready_and_wait();
	sigpending(&set);
	if (sigismember(&set, SIGRTMIN + 7))
		kt_fail("leader: the thread's one-shot timer signal is pending for the leader");
	th_left0 = left0 - ran();
	expect_left("SIGEV_THREAD_ID timer", left0, pget(th_timer, NULL));
	th_left0 = pget(th_timer, NULL);
	th_ok = 1;
	pthread_join(th, NULL);
}

/* ---- clock_nanosleep(TIMER_ABSTIME) ---- */

static void mode_abs(clockid_t clk)
{
	struct timespec dl;
	double d, t;
	long r;

	t_ready_rt = kt_now(CLOCK_REALTIME);
	clock_gettime(clk, &dl);
	dl.tv_sec += 5;
	d = ts_d(&dl);
	kt_ready();
	r = syscall(SYS_clock_nanosleep, clk, TIMER_ABSTIME, &dl, NULL);
	t = kt_now(clk);
	kt_after_restart();
	if (!kt_go_exists())
		kt_fail("sleep returned before the go file existed (before restart)");
	if (r)
		kt_fail("clock_nanosleep(TIMER_ABSTIME): expected 0, got %ld (%s)", r, strerror(errno));
	if (t < d || t > d + TOL)
		kt_fail("clock_nanosleep(TIMER_ABSTIME) woke at %+.3f s from its deadline, expected 0..%.2f",
			t - d, TOL);
}

/* ---- refused: a timer counting another thread's CPU time ---- */

static volatile int spin_stop;
static void *spin_main(void *arg)
{
	(void)arg;
	while (!spin_stop)
		usleep(1000);
	return NULL;
}

/*
 * A periodic timer of interval iv that first expired e seconds ago, with
 * e in [elow, ehigh] (frozen time excluded), and rearmed by a dequeue:
 * it has iv - (e mod iv) left.  Does got fit some e of the range?
 */
static int phase_ok(double iv, double elow, double ehigh, double got)
{
	double x = iv - got, e;
	long long k;

	if (ehigh - elow >= iv)
		return 1;	/* every phase fits: nothing to check */
	k = (long long)((elow - x) / iv);
	for (e = x + (k - 1) * iv; e <= ehigh + 0.001; e += iv)
		if (e >= elow - 0.001)
			return 1;
	return 0;
}

static void mode_passed(void)
{
	struct itimerval v = { { 1, 500000 }, { 0, 100000 } }, g;
	double fired_rt, elow, ehigh, left, iv;
	sigset_t set;
	siginfo_t si;
	int id;

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigaddset(&set, SIGRTMIN + 3);
	sigprocmask(SIG_BLOCK, &set, NULL);
	id = ptimer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN + 3, 333, 0);
	fired_rt = kt_now(CLOCK_REALTIME) + 0.1;
	pset(id, 0, 0.1, 0.5);
	if (setitimer(ITIMER_REAL, &v, NULL))
		kt_die_errno("setitimer");
	usleep(800000);		/* both fired at 0.1 s; neither rearmed since */
	sigpending(&set);
	if (!sigismember(&set, SIGALRM) || !sigismember(&set, SIGRTMIN + 3))
		kt_die("the timer signals are not pending before the checkpoint");

	ready_and_wait();

	sigpending(&set);
	if (!sigismember(&set, SIGALRM))
		kt_fail("SIGALRM of the fired periodic ITIMER_REAL: not pending after restart");
	if (!sigismember(&set, SIGRTMIN + 3))
		kt_fail("signal of the fired periodic POSIX timer: not pending after restart");
	getitimer(ITIMER_REAL, &g);
	KT_EXPECT_INT("ITIMER_REAL interval us (waiting for its SIGALRM)", 1500000,
		      g.it_interval.tv_sec * 1000000 + g.it_interval.tv_usec);

	/* since the first expiry, frozen time excluded */
	elow = t_ckpt_rt - fired_rt - 0.02;
	ehigh = t_ckpt_rt - fired_rt + 0.2 + (kt_now(CLOCK_REALTIME) - t_go_rt);
	if (take(SIGALRM, &si, 0) != SIGALRM) {
		kt_fail("SIGALRM: not taken after restart");
	} else {
		getitimer(ITIMER_REAL, &g);
		left = tv_d(&g.it_value);
		ehigh += 0.05;
		if (left <= 0 || left > 1.5001 || !phase_ok(1.5, elow, ehigh, left))
			kt_fail("ITIMER_REAL rearmed by SIGALRM: %.3f s left, expected 1.5 - (e mod 1.5), e in %.3f..%.3f s since it fired",
				left, elow, ehigh);
		if (take(SIGALRM, &si, left + 1) != SIGALRM)
			kt_fail("ITIMER_REAL: no SIGALRM %.3f s after its rearm", left + 1);
	}

	ehigh = t_ckpt_rt - fired_rt + 0.2 + (kt_now(CLOCK_REALTIME) - t_go_rt);
	if (take(SIGRTMIN + 3, &si, 0) != SIGRTMIN + 3) {
		kt_fail("POSIX timer signal: not taken after restart");
		return;
	}
	expect_timer_sig("passed POSIX timer si_code", &si, id, 333);
	/* the periods it missed, frozen time excluded: floor(e / 0.5) */
	if (si.si_overrun < (int)(elow / 0.5) || si.si_overrun > (int)(ehigh / 0.5))
		kt_fail("POSIX timer overrun: expected %d..%d (%.3f..%.3f s since it fired), got %d",
			(int)(elow / 0.5), (int)(ehigh / 0.5), elow, ehigh, si.si_overrun);
	left = pget(id, &iv);
	if (iv < 0.499 || iv > 0.501)
		kt_fail("POSIX timer interval: expected 0.5 s, got %.6f", iv);
	if (left <= 0 || left > 0.5001 || !phase_ok(0.5, elow, ehigh + 0.05, left))
		kt_fail("POSIX timer rearmed: %.3f s left, expected 0.5 - (e mod 0.5), e in %.3f..%.3f s",
			left, elow, ehigh);
	if (take(SIGRTMIN + 3, &si, left + 1) != SIGRTMIN + 3)
		kt_fail("POSIX timer: no signal %.3f s after its rearm", left + 1);
	memset(&v, 0, sizeof(v));
	setitimer(ITIMER_REAL, &v, NULL);
	kt_msg("# passed: %.3f..%.3f s since the timers fired", elow, ehigh);
}

static void mode_refuse(void)
{
	pthread_t th;
	clockid_t clk;
	int id;

	if (pthread_create(&th, NULL, spin_main, NULL) || pthread_getcpuclockid(th, &clk))
		kt_die("thread");
	id = ptimer(clk, SIGEV_NONE, 0, 0, 0);
	pset(id, 0, 100, 0);
	kt_ready();
	while (access("/tmp/timers_refuse.go", F_OK))
		usleep(1000);
	KT_EXPECT_INT("pid", kt_pid0, getpid());
	if (pget(id, NULL) <= 0)
		kt_fail("timer on the thread's CPU clock is gone after the refused checkpoint");
	spin_stop = 1;
	pthread_join(th, NULL);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	char name[64];

	snprintf(name, sizeof(name), "timers_%s", mode);
	kt_start(strdup(name));
	if (!strcmp(mode, "real"))
		mode_real(0);
	else if (!strcmp(mode, "alarm"))
		mode_real(1);
	else if (!strcmp(mode, "virt"))
		mode_virt();
	else if (!strcmp(mode, "posix"))
		mode_posix();
	else if (!strcmp(mode, "thread"))
		mode_thread();
	else if (!strcmp(mode, "abs_rt"))
		mode_abs(CLOCK_REALTIME);
	else if (!strcmp(mode, "abs_mono"))
		mode_abs(CLOCK_MONOTONIC);
	else if (!strcmp(mode, "refuse"))
		mode_refuse();
	else if (!strcmp(mode, "passed"))
		mode_passed();
	else
		kt_die("usage: timers real|alarm|virt|posix|thread|abs_rt|abs_mono|refuse|passed");
	kt_done();
}
