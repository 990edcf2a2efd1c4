// SPDX-License-Identifier: GPL-2.0
/*
 * evloop - an event loop checkpointed while it is busy.
 *
 * The parent serves one epoll set over an eventfd, a timerfd (5 ms
 * interval), a signalfd (SIGUSR1, blocked) and a SOCK_SEQPACKET socketpair
 * to a child.  Every timer tick it sends requests (up to 4 in flight) to
 * the child, which answers each with 2 * seq + 1; every 10 answers the
 * parent adds to the eventfd counter, every 25 it queues itself a SIGUSR1.
 * It publishes its ready file after 100 answers and never stops: the
 * checkpoint catches it at any point of its loop, with requests and answers
 * in the socket queues, ticks not read, a counter not read, a signal
 * queued.  Once restarted (its parent changed) it serves 200 more answers
 * and checks that every answer matches its request, in order, that the
 * eventfd and signalfd gave exactly what was put in them, that the timer
 * kept ticking, and that the child exits 0 (it checked its requests too).
 */
#include "kcrtest.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

enum { TAG_EVENT = 1, TAG_TIMER, TAG_SIGNAL, TAG_SOCK };

#define IN_FLIGHT	4
#define AFTER		200

static void child(int sock)
{
	uint64_t seq, want = 0, ans;
	ssize_t n;

	kt_set_who("child");
	for (;;) {
		n = read(sock, &seq, sizeof(seq));
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			break;
		if (n != sizeof(seq)) {
			kt_fail("request: expected %zu bytes, got %zd (errno %d)",
				sizeof(seq), n, errno);
			break;
		}
		if (seq != want)
			kt_fail("request: expected seq %llu, got %llu",
				(unsigned long long)want, (unsigned long long)seq);
		want = seq + 1;
		ans = 2 * seq + 1;
		if (write(sock, &ans, sizeof(ans)) != sizeof(ans)) {
			kt_fail("answer: write failed (errno %d)", errno);
			break;
		}
	}
	exit(kt_nfail ? 1 : 0);
}

int main(void)
{
	struct itimerspec its = { { 0, 5000000 }, { 0, 5000000 } };
	uint64_t sent = 0, answered = 0, ev_put = 0, ev_got = 0, val;
	uint64_t sig_put = 0, sig_got = 0, ticks = 0, ticks_after = 0;
	uint64_t answered_at_restart = 0;
	struct epoll_event ev, evs[8];
	int efd, tfd, sfd, ep, sv[2], restarted = 0, i, n, st;
	struct signalfd_siginfo si;
	pid_t pid;
	sigset_t set;

	kt_start("evloop");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		kt_die_errno("socketpair");
	pid = fork();
	if (pid < 0)
		kt_die_errno("fork");
	if (!pid) {
		close(sv[0]);
		child(sv[1]);
	}
	close(sv[1]);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		kt_die_errno("sigprocmask");
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (efd < 0 || tfd < 0 || sfd < 0 || ep < 0)
		kt_die_errno("creating the event fds");
	if (timerfd_settime(tfd, 0, &its, NULL))
		kt_die_errno("timerfd_settime");
	ev.events = EPOLLIN;
	ev.data.u64 = TAG_EVENT;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev))
		kt_die_errno("epoll_ctl eventfd");
	ev.data.u64 = TAG_TIMER;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev))
		kt_die_errno("epoll_ctl timerfd");
	ev.data.u64 = TAG_SIGNAL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev))
		kt_die_errno("epoll_ctl signalfd");
	ev.data.u64 = TAG_SOCK;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev))
		kt_die_errno("epoll_ctl socket");

	while (!restarted || answered < answered_at_restart + AFTER) {
		n = epoll_wait(ep, evs, 8, 2000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			kt_die_errno("epoll_wait");
		if (n == 0)
			kt_die("epoll_wait: expected an event within 2 s (timer every 5 ms), got none");
		for (i = 0; i < n; i++) {
			switch (evs[i].data.u64) {
			case TAG_TIMER:
				if (read(tfd, &val, sizeof(val)) != sizeof(val)) {
					if (errno == EAGAIN)
						break;
					kt_die_errno("read timerfd");
				}
				ticks += val;
				if (restarted)
					ticks_after += val;
				while (sent - answered < IN_FLIGHT) {
					if (write(sv[0], &sent, sizeof(sent)) != sizeof(sent))
						kt_die_errno("request");
					sent++;
				}
				break;
			case TAG_SOCK:
				if (read(sv[0], &val, sizeof(val)) != sizeof(val))
					kt_die_errno("read answer");
				if (val != 2 * answered + 1)
					kt_fail("answer %llu: expected %llu, got %llu",
						(unsigned long long)answered,
						(unsigned long long)(2 * answered + 1),
						(unsigned long long)val);
				answered++;
				if (answered % 10 == 0) {
					val = answered;
					if (write(efd, &val, sizeof(val)) != sizeof(val))
						kt_die_errno("write eventfd");
					ev_put += val;
				}
				if (answered % 25 == 0) {
					if (kill(getpid(), SIGUSR1))
						kt_die_errno("kill");
					sig_put++;
				}
				break;
			case TAG_EVENT:
				if (read(efd, &val, sizeof(val)) != sizeof(val))
					kt_die_errno("read eventfd");
				ev_got += val;
				break;
			case TAG_SIGNAL:
				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					kt_die_errno("read signalfd");
				if (si.ssi_signo != SIGUSR1)
					kt_fail("signalfd: expected signal %d, got %u",
						SIGUSR1, si.ssi_signo);
				sig_got++;
				break;
			default:
				kt_fail("epoll data: expected a tag 1..4, got %llu",
					(unsigned long long)evs[i].data.u64);
			}
		}
		if (answered >= 100 && !restarted && answered_at_restart == 0) {
			kt_ready();
			answered_at_restart = ~0ULL;	/* ready once */
		}
		if (!restarted && getppid() != kt_ppid0) {
			restarted = 1;
			answered_at_restart = answered;
			kt_msg("# restarted at %llu answers, %llu in flight, %llu ticks",
			       (unsigned long long)answered,
			       (unsigned long long)(sent - answered),
			       (unsigned long long)ticks);
		}
		if (kt_selfcheck && !restarted && answered >= 150) {
			restarted = 1;
			answered_at_restart = answered;
		}
	}
	kt_after_restart();

	/* drain what is still queued: the counters must balance exactly */
	if (read(efd, &val, sizeof(val)) == sizeof(val))
		ev_got += val;
	while (read(sfd, &si, sizeof(si)) == sizeof(si))
		sig_got++;
	KT_EXPECT_U64("eventfd total", ev_put, ev_got);
	KT_EXPECT_U64("signalfd signals", sig_put, sig_got);
	if (ticks_after < 10)
		kt_fail("timerfd after restart: expected at least 10 ticks, got %llu",
			(unsigned long long)ticks_after);

	/* collect the answers in flight, then end the child */
	while (answered < sent) {
		if (read(sv[0], &val, sizeof(val)) != sizeof(val))
			kt_die_errno("read answer");
		if (val != 2 * answered + 1)
			kt_fail("answer %llu: expected %llu, got %llu",
				(unsigned long long)answered,
				(unsigned long long)(2 * answered + 1),
				(unsigned long long)val);
		answered++;
	}
	shutdown(sv[0], SHUT_WR);
	if (kt_wait_pid(pid, &st, 30) != pid)
		kt_fail("child: expected to exit within 30 s, got no exit");
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("child: expected exit 0, got status 0x%x", st);
	kt_done();
}
