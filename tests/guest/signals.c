// SPDX-License-Identifier: GPL-2.0
/*
 * signals: signal state survives checkpoint/restart.
 *
 * Before: handlers with SA_SIGINFO, SA_RESTART, SA_ONSTACK, SA_RESETHAND,
 * SA_NODEFER and masks (one with a full mask), SIG_IGN, SIG_DFL with flags;
 * a blocked mask; pending blocked standard signals (SIGUSR2 by kill(): shared
 * pending; SIGWINCH by tgkill(): per-task pending); three SIGRTMIN+1 queued
 * by sigqueue() with values 101 102 103 (shared queue) and two SIGRTMAX
 * queued by rt_tgsigqueueinfo() with 201 202 (per-task queue); an alternate
 * signal stack with SS_AUTODISARM.
 * After: every rt_sigaction (handler, flags, restorer, mask) of signals
 * 1..64, the blocked mask, rt_sigpending, the SigPnd ShdPnd SigBlk SigIgn
 * SigCgt lines of /proc/self/status and sigaltstack are unchanged; unblocking one signal
 * at a time delivers exactly the queued signals, in order, with their
 * si_code, si_pid, si_uid and si_value; SIGUSR2 runs on the alternate stack;
 * a new SIGUSR1 runs its handler with the right mask.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <signal.h>

struct ksigaction {
	unsigned long handler;
	unsigned long flags;
	unsigned long restorer;
	uint64_t mask;
};

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)	/* linux/signal.h; not in glibc headers */
#endif

#define SIGRT1 (SIGRTMIN + 1)
#define ALTSTACK_SIZE (64 << 10)

static struct ksigaction act0[65];
static uint64_t blocked0, pending0;
static char status0[5][128];
static const char *const status_keys[5] = { "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt" };
static stack_t ss0;
static char altstack[ALTSTACK_SIZE] __attribute__((aligned(16)));

struct delivery {
	int sig, code, pid, uid, value, on_altstack;
};
static struct delivery got[32];
static volatile int ngot;
static volatile int usr1_count, term_count;
static volatile uint64_t usr1_mask;

static uint64_t sigbit(int sig)
{
	return 1ULL << (sig - 1);
}

static uint64_t get_blocked(void)
{
	uint64_t m = 0;

	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
	return m;
}

static void record(int sig, siginfo_t *si)
{
	char here;
	int n = ngot;

	if (n >= 32)
		return;
	got[n].sig = sig;
	got[n].code = si->si_code;
	got[n].pid = si->si_pid;
	got[n].uid = si->si_uid;
	got[n].value = si->si_value.sival_int;
	got[n].on_altstack = &here >= altstack && &here < altstack + ALTSTACK_SIZE;
	ngot = n + 1;
}

static void h_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	record(sig, si);
}

static void h_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)si; (void)uc;
	usr1_mask = get_blocked();
	usr1_count++;
}

static void h_term(int sig)
{
	(void)sig;
	term_count++;
}

static void h_alrm(int sig)
{
	(void)sig;
}

static void set(int sig, void *handler, int flags, const int *mask_sigs, int full)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	if (flags & SA_SIGINFO)
		sa.sa_sigaction = handler;
	else
		sa.sa_handler = handler;
	sa.sa_flags = flags;
	if (full)
		sigfillset(&sa.sa_mask);
	else
		sigemptyset(&sa.sa_mask);
	while (mask_sigs && *mask_sigs)
		sigaddset(&sa.sa_mask, *mask_sigs++);
	if (sigaction(sig, &sa, NULL))
		kt_die("sigaction(%d): %s", sig, strerror(errno));
}

static void snapshot_actions(struct ksigaction *a)
{
	int sig;

	for (sig = 1; sig <= 64; sig++) {
		memset(&a[sig], 0, sizeof(a[sig]));
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, NULL, &a[sig], 8))
			kt_die("rt_sigaction(%d) read: %s", sig, strerror(errno));
	}
}

static void unblock(int sig)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);	/* pending ones are delivered on return */
}

static void expect_delivery(int idx, int sig, int code, int value, int altstack_expected)
{
	char what[64];

	snprintf(what, sizeof(what), "delivery %d", idx);
	if (idx >= ngot) {
		kt_fail("%s: expected signal %d (value %d), got nothing", what, sig, value);
		return;
	}
	if (got[idx].sig != sig || got[idx].value != value)
		kt_fail("%s: expected signal %d value %d, got signal %d value %d", what, sig, value,
			got[idx].sig, got[idx].value);
	if (got[idx].code != code)
		kt_fail("%s (signal %d): si_code expected %d, got %d", what, sig, code, got[idx].code);
	if (got[idx].pid != kt_pid0 && !kt_nopids)
		kt_fail("%s (signal %d): si_pid expected %d, got %d", what, sig, (int)kt_pid0,
			got[idx].pid);
	if (got[idx].uid != (int)getuid())
		kt_fail("%s (signal %d): si_uid expected %d, got %d", what, sig, (int)getuid(),
			got[idx].uid);
	if (got[idx].on_altstack != altstack_expected)
		kt_fail("%s (signal %d): on the alternate stack expected %d, got %d", what, sig,
			altstack_expected, got[idx].on_altstack);
}

static int tgsigqueue(int sig, int value)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = value;
	return syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), sig, &si);
}

int main(void)
{
	static const int usr1_mask_sigs[] = { SIGUSR2, SIGTERM, 0 };
	static struct ksigaction act1[65];
	char buf[128];
	sigset_t block;
	stack_t ss;
	union sigval v;
	uint64_t m, want;
	int sig, i;

	kt_start("signals");

	set(SIGUSR1, h_usr1, SA_SIGINFO | SA_RESTART, usr1_mask_sigs, 0);
	set(SIGUSR2, h_info, SA_SIGINFO | SA_ONSTACK, NULL, 0);
	set(SIGTERM, h_term, SA_RESETHAND | SA_NODEFER, NULL, 0);
	set(SIGALRM, h_alrm, SA_RESTART, NULL, 1);
	set(SIGWINCH, h_info, SA_SIGINFO, NULL, 0);
	set(SIGRT1, h_info, SA_SIGINFO | SA_RESTART, NULL, 0);
	set(SIGRTMAX, h_info, SA_SIGINFO, NULL, 0);
	set(SIGINT, SIG_IGN, 0, NULL, 0);
	set(SIGCHLD, SIG_DFL, SA_NOCLDSTOP, NULL, 0);

	ss.ss_sp = altstack;
	ss.ss_size = ALTSTACK_SIZE;
	ss.ss_flags = SS_AUTODISARM;
	if (sigaltstack(&ss, NULL))
		kt_die_errno("sigaltstack");

	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGWINCH);
	sigaddset(&block, SIGRT1);
	sigaddset(&block, SIGRTMAX);
	sigaddset(&block, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &block, NULL))
		kt_die_errno("sigprocmask");

	if (kill(getpid(), SIGUSR2))
		kt_die_errno("kill SIGUSR2");
	if (syscall(SYS_tgkill, getpid(), gettid(), SIGWINCH))
		kt_die_errno("tgkill SIGWINCH");
	for (i = 0; i < 3; i++) {
		v.sival_int = 101 + i;
		if (sigqueue(getpid(), SIGRT1, v))
			kt_die_errno("sigqueue");
	}
	for (i = 0; i < 2; i++)
		if (tgsigqueue(SIGRTMAX, 201 + i))
			kt_die_errno("rt_tgsigqueueinfo");

	snapshot_actions(act0);
	blocked0 = get_blocked();
	syscall(SYS_rt_sigpending, &pending0, 8);
	want = sigbit(SIGUSR2) | sigbit(SIGWINCH) | sigbit(SIGRT1) | sigbit(SIGRTMAX);
	if (pending0 != want)
		kt_die("setup: pending expected 0x%llx, got 0x%llx", (unsigned long long)want,
		       (unsigned long long)pending0);
	for (i = 0; i < 5; i++)
		if (kt_status_field(status_keys[i], status0[i], sizeof(status0[i])))
			kt_die("setup: no %s in /proc/self/status", status_keys[i]);
	if (sigaltstack(NULL, &ss0))
		kt_die_errno("sigaltstack read");

	kt_ready();
	kt_wait_go();

	/* ---- after restart ---- */
	kt_after_restart();

	snapshot_actions(act1);
	for (sig = 1; sig <= 64; sig++) {
		if (act0[sig].handler != act1[sig].handler)
			kt_fail("signal %d handler: expected 0x%lx, got 0x%lx", sig, act0[sig].handler,
				act1[sig].handler);
		if (act0[sig].flags != act1[sig].flags)
			kt_fail("signal %d sa_flags: expected 0x%lx, got 0x%lx", sig, act0[sig].flags,
				act1[sig].flags);
		if (act0[sig].restorer != act1[sig].restorer)
			kt_fail("signal %d sa_restorer: expected 0x%lx, got 0x%lx", sig,
				act0[sig].restorer, act1[sig].restorer);
		if (act0[sig].mask != act1[sig].mask)
			kt_fail("signal %d sa_mask: expected 0x%llx, got 0x%llx", sig,
				(unsigned long long)act0[sig].mask, (unsigned long long)act1[sig].mask);
	}
	KT_EXPECT_U64("blocked mask", blocked0, get_blocked());
	m = 0;
	syscall(SYS_rt_sigpending, &m, 8);
	KT_EXPECT_U64("pending signals", pending0, m);
	for (i = 0; i < 5; i++) {
		char what[64];

		if (kt_status_field(status_keys[i], buf, sizeof(buf)))
			buf[0] = 0;
		snprintf(what, sizeof(what), "/proc/self/status %s", status_keys[i]);
		KT_EXPECT_STR(what, status0[i], buf);
	}
	if (sigaltstack(NULL, &ss))
		kt_fail("sigaltstack read after restart: %s", strerror(errno));
	KT_EXPECT_U64("sigaltstack ss_sp", (unsigned long)ss0.ss_sp, (unsigned long)ss.ss_sp);
	KT_EXPECT_U64("sigaltstack ss_size", ss0.ss_size, ss.ss_size);
	KT_EXPECT_U64("sigaltstack ss_flags", ss0.ss_flags, ss.ss_flags);

	/* Deliveries, one signal at a time. */
	unblock(SIGRTMAX);
	unblock(SIGRT1);
	unblock(SIGUSR2);
	unblock(SIGWINCH);
	KT_EXPECT_INT("number of delivered signals", 7, ngot);
	expect_delivery(0, SIGRTMAX, SI_QUEUE, 201, 0);
	expect_delivery(1, SIGRTMAX, SI_QUEUE, 202, 0);
	expect_delivery(2, SIGRT1, SI_QUEUE, 101, 0);
	expect_delivery(3, SIGRT1, SI_QUEUE, 102, 0);
	expect_delivery(4, SIGRT1, SI_QUEUE, 103, 0);
	expect_delivery(5, SIGUSR2, SI_USER, 0, 1);
	expect_delivery(6, SIGWINCH, SI_TKILL, 0, 0);
	m = 0;
	syscall(SYS_rt_sigpending, &m, 8);
	KT_EXPECT_U64("pending signals after the deliveries", 0, m);

	/* A new signal uses the restored handler and mask. */
	kill(getpid(), SIGUSR1);
	KT_EXPECT_INT("SIGUSR1 handler runs", 1, usr1_count);
	KT_EXPECT_U64("blocked mask inside the SIGUSR1 handler",
		      sigbit(SIGQUIT) | sigbit(SIGUSR1) | sigbit(SIGUSR2) | sigbit(SIGTERM), usr1_mask);
	kill(getpid(), SIGTERM);	/* SA_RESETHAND: handler once, then SIG_DFL */
	KT_EXPECT_INT("SIGTERM handler runs", 1, term_count);
	{
		struct ksigaction k;

		syscall(SYS_rt_sigaction, SIGTERM, NULL, &k, 8);
		KT_EXPECT_U64("SIGTERM handler after SA_RESETHAND", 0, k.handler);
	}
	kt_done();
}
