// SPDX-License-Identifier: GPL-2.0
/*
 * container NAME [flat]: a process tree that is a whole pid namespace
 * ("flat": without N, N1 and N2, i.e. without the nested namespace).
 *
 *   L   launcher (the driver's child, outside the container):
 *       unshare(CLONE_NEWPID), fork I, wait for I; exits with I's exit
 *       status, or 128 + the signal that killed I (137 after
 *       "checkpoint --container --kill")
 *   I   pid 1 of the new namespace (ns1); setsid(); reaper of the tree
 *   ├─ Z    zombie: exited with status 55, not reaped
 *   ├─ C1   plain child
 *   │  ├─ C2   setsid(): its own session
 *   │  └─ (X)  forked O and exited (reaped by C1): O is an orphan
 *   ├─ O    orphan reparented to I (its ppid is 1)
 *   └─ N    unshare(CLONE_NEWPID): its children are in ns2
 *      └─ N1   pid 1 of ns2 (nested namespace)
 *         └─ N2   pid 2 of ns2
 *
 * I writes /tmp/NAME.ready (L's pid, for the driver) and /tmp/NAME.root
 * (its own pid as seen from outside: the PID for "checkpoint --container")
 * once every member is set up, and /tmp/NAME.pids (every member's NSpid).
 * I and its members share nothing with L (I reopens its stdio), so the
 * container can be checkpointed alone.
 *
 * After restart (/tmp/NAME.go) every member checks, as seen inside: its
 * pid at every pid namespace level below the outermost (NSpid without its
 * first entry, which is the pid in the restart tool's namespace and may
 * differ), its getpid(), getppid(), pgid and sid; and reports to I through
 * a pipe, with its /proc/self/ns/pid and pid_for_children links in shared
 * memory.  I checks that it was restarted (its parent outside changed),
 * that I, C1, C2, O and N share one pid namespace and N1, N2 another (N's
 * pid_for_children), both new to the restart tool; reaps Z (status 55)
 * and the others and exits 0 iff everything passed.
 *
 * Selfcheck breaks: nspid ppid pgid ns zombie report restarted.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>

enum { M_I, M_C1, M_C2, M_N, M_N1, M_N2, M_O, NMEM };
static const char *const mname[NMEM] = { "I", "C1", "C2", "N", "N1", "N2", "O" };

#define ZOMBIE_STATUS	55
#define MAXLEV		8
#define TMO		60	/* setup */
#define TMO_AFTER	20	/* after restart: reports, children */

struct slot {
	int nlev, nspid[MAXLEV];
	int ppid, pgid, sid;
	char ns[64], ns_children[64];		/* before the checkpoint */
	char ns1[64], ns_children1[64];		/* after restart */
};

struct shared {
	int setup;
	int host_ppid0;			/* I's parent outside (L) */
	int zombie_pid;			/* inside */
	struct slot slot[NMEM];
};

struct report {
	int32_t idx, nfail;
};

static struct shared *sh;
static int me, flat;

/* Is member i part of this run? */
static int present(int i)
{
	return !flat || (i != M_N && i != M_N1 && i != M_N2);
}

static int nmembers(void)
{
	return flat ? NMEM - 3 : NMEM;
}
static int report_p[2] = { -1, -1 }, go_p[2] = { -1, -1 };
static char name[64];

static void nslink(const char *which, char *out, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", which);
	n = readlink(path, out, size - 1);
	out[n < 0 ? 0 : n] = 0;
}

static void record(int i)
{
	struct slot *s = &sh->slot[i];

	s->nlev = kt_nspid("self", s->nspid, MAXLEV);
	if (s->nlev < 2)
		kt_die("NSpid: expected at least 2 levels (inside a pid namespace), got %d", s->nlev);
	s->ppid = getppid();
	s->pgid = getpgid(0);
	s->sid = getsid(0);
	nslink("pid", s->ns, sizeof(s->ns));
	nslink("pid_for_children", s->ns_children, sizeof(s->ns_children));
	__atomic_add_fetch(&sh->setup, 1, __ATOMIC_SEQ_CST);
}

static void fmt_levels(const int *p, int n, char *out, size_t size)
{
	size_t u = 0;
	int k;

	out[0] = 0;
	for (k = 0; k < n && u < size; k++)
		u += snprintf(out + u, size - u, "%s%d", k ? " " : "", p[k]);
}

static void check_self(int i)
{
	struct slot *s = &sh->slot[i];
	int now[MAXLEV], n, k;
	char e[128], g[128];

	if (i == M_N2 && kt_broken("nspid"))
		s->nspid[s->nlev - 1]++;
	if (i == M_O && kt_broken("ppid"))
		s->ppid = 7;
	if (i == M_C1 && kt_broken("pgid"))
		setpgid(0, 0);
	n = kt_nspid("self", now, MAXLEV);
	if (n != s->nlev) {
		fmt_levels(s->nspid, s->nlev, e, sizeof(e));
		fmt_levels(now, n, g, sizeof(g));
		kt_fail("pid namespace levels (NSpid): expected %d (%s), got %d (%s)", s->nlev, e, n,
			g);
	} else {
		for (k = 1; k < n; k++)
			if (now[k] != s->nspid[k])
				break;
		if (k < n) {
			fmt_levels(s->nspid + 1, s->nlev - 1, e, sizeof(e));
			fmt_levels(now + 1, n - 1, g, sizeof(g));
			kt_fail("pids inside (NSpid without the outermost level): expected %s, got %s",
				e, g);
		}
	}
	KT_EXPECT_INT("getpid()", s->nspid[s->nlev - 1], getpid());
	KT_EXPECT_INT("getppid()", s->ppid, getppid());
	KT_EXPECT_INT("pgid", s->pgid, getpgid(0));
	KT_EXPECT_INT("sid", s->sid, getsid(0));
	nslink("pid", s->ns1, sizeof(s->ns1));
	nslink("pid_for_children", s->ns_children1, sizeof(s->ns_children1));
	if (i == M_N2 && kt_broken("ns"))	/* as if ns2 were flattened into ns1 */
		snprintf(s->ns1, sizeof(s->ns1), "%s", sh->slot[M_I].ns);
}

static void wait_go(void)
{
	char c;
	ssize_t n;

	do
		n = read(go_p[0], &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		kt_die("go pipe: expected a byte from I, got %s", n ? strerror(errno) : "EOF (I gone)");
	close(go_p[0]);
}

static void report(int i)
{
	struct report r = { i, __atomic_load_n(&kt_nfail, __ATOMIC_SEQ_CST) };

	if (i == M_N2 && kt_broken("report"))
		return;
	if (write(report_p[1], &r, sizeof(r)) != sizeof(r))
		kt_fail("writing the report to I: %s", strerror(errno));
	close(report_p[1]);
}

static void reap(pid_t pid, const char *who)
{
	char b[64];
	int st;
	pid_t r = kt_wait_pid(pid, &st, TMO_AFTER);

	if (r == 0) {
		kt_fail("child %s (pid %d): expected it to exit within %d s, got timeout", who,
			(int)pid, TMO_AFTER);
		kill(pid, SIGKILL);
		kt_wait_pid(pid, &st, 5);
	} else if (r < 0) {
		kt_fail("waitpid(%s, pid %d): %s", who, (int)pid, strerror(errno));
	} else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		kt_fail("child %s (pid %d): expected exit 0, got %s", who, (int)pid,
			kt_status_str(st, b, sizeof(b)));
	}
}

static pid_t spawn(int i, void (*fn)(void))
{
	pid_t p = fork();

	if (p < 0)
		kt_die_errno("fork");
	if (p == 0) {
		me = i;
		kt_set_who(mname[i]);
		fn();
		exit(kt_nfail ? 1 : 0);
	}
	return p;
}

static void leaf(void)
{
	record(me);
	wait_go();
	check_self(me);
	report(me);
}

static void run_o(void)
{
	double deadline = kt_now(CLOCK_MONOTONIC) + TMO;

	while (getppid() != 1) {	/* X has exited: reparented to I */
		if (kt_now(CLOCK_MONOTONIC) > deadline)
			kt_die("orphan: expected to be reparented to pid 1 within %d s, got ppid %d", TMO,
			       (int)getppid());
		kt_sleep_ms(2);
	}
	leaf();
}

static void run_c2(void)
{
	if (setsid() < 0)
		kt_die_errno("setsid C2");
	leaf();
}

static void run_c1(void)
{
	pid_t c2, x;
	int st;

	c2 = spawn(M_C2, run_c2);
	x = fork();
	if (x < 0)
		kt_die_errno("fork X");
	if (x == 0) {
		kt_set_who("X");
		if (fork() == 0) {
			me = M_O;
			kt_set_who("O");
			run_o();
			exit(kt_nfail ? 1 : 0);
		}
		_exit(0);
	}
	if (kt_wait_pid(x, &st, TMO) != x)
		kt_die("X did not exit");
	record(M_C1);
	wait_go();
	check_self(M_C1);
	report(M_C1);
	reap(c2, "C2");
}

static void run_n2(void)
{
	leaf();
}

static void run_n1(void)
{
	pid_t n2;

	if (getpid() != 1)
		kt_die("N1: expected pid 1 in the nested namespace, got %d", (int)getpid());
	n2 = spawn(M_N2, run_n2);
	record(M_N1);
	wait_go();
	check_self(M_N1);
	report(M_N1);
	reap(n2, "N2");
}

static void run_n(void)
{
	pid_t n1;

	if (unshare(CLONE_NEWPID))
		kt_die_errno("unshare(CLONE_NEWPID) in N");
	n1 = spawn(M_N1, run_n1);
	record(M_N);
	wait_go();
	check_self(M_N);
	report(M_N);
	reap(n1, "N1");
}

/* ------------------------------------------------------------------------ I */
static void write_files(int host_pid)
{
	char buf[2048], lv[128], path[128];
	size_t n = 0;
	int i;

	for (i = 0; i < NMEM; i++) {
		if (!present(i))
			continue;
		fmt_levels(sh->slot[i].nspid, sh->slot[i].nlev, lv, sizeof(lv));
		n += snprintf(buf + n, sizeof(buf) - n, "%s %s\n", mname[i], lv);
	}
	n += snprintf(buf + n, sizeof(buf) - n, "Z %d (inside)\n", sh->zombie_pid);
	snprintf(path, sizeof(path), "/tmp/%s.pids", name);
	if (kt_write_file(path, buf, n))
		kt_die_errno("writing the pids file");
	n = snprintf(buf, sizeof(buf), "%d\n", host_pid);
	snprintf(path, sizeof(path), "/tmp/%s.root", name);
	if (kt_write_file(path, buf, n))
		kt_die_errno("writing the root file");
}

static void check_namespaces(const char *when, int after)
{
	const struct slot *s = sh->slot;
#define NS(i) (after ? s[i].ns1 : s[i].ns)
#define NSC(i) (after ? s[i].ns_children1 : s[i].ns_children)
	static const int outer[] = { M_C1, M_C2, M_N, M_O }, inner[] = { M_N2 };
	size_t k;

	if (!NS(M_I)[0] || (!flat && !NS(M_N1)[0])) {
		kt_fail("pid namespace links %s: expected them, got none", when);
		return;
	}
	for (k = 0; k < sizeof(outer) / sizeof(outer[0]); k++)
		if (present(outer[k]) && strcmp(NS(outer[k]), NS(M_I)))
			kt_fail("pid namespace of %s %s: expected I's (%s), got %s", mname[outer[k]],
				when, NS(M_I), NS(outer[k]));
	if (flat)
		return;
	for (k = 0; k < sizeof(inner) / sizeof(inner[0]); k++)
		if (strcmp(NS(inner[k]), NS(M_N1)))
			kt_fail("pid namespace of %s %s: expected N1's (%s), got %s", mname[inner[k]],
				when, NS(M_N1), NS(inner[k]));
	if (!strcmp(NS(M_N1), NS(M_I)))
		kt_fail("nested pid namespace %s: expected N1's to differ from I's, got the same %s",
			when, NS(M_I));
	if (strcmp(NSC(M_N), NS(M_N1)))
		kt_fail("N's pid_for_children %s: expected N1's namespace %s, got %s", when,
			NS(M_N1), NSC(M_N));
#undef NS
#undef NSC
}

static int host_ppid(void)
{
	char buf[4096], *p;

	if (kt_read_file("/proc/self/status", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "\nPPid:");
	return p ? atoi(p + 6) : -1;
}

/*
 * The pid, as /proc (mounted outside) shows it, of our child whose pid
 * inside is inner: /proc/self/task/TID/children lists children with /proc's
 * pids; their NSpid's last entry is the pid inside.  0 if none.
 */
static pid_t proc_pid_of_child(pid_t inner)
{
	char path[96], buf[4096], *p, *e;
	int tid[MAXLEV], n;

	if (kt_nspid("thread-self", tid, MAXLEV) < 1)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", tid[0]);
	if (kt_read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	for (p = buf;; p = e) {
		long c = strtol(p, &e, 10);
		int lv[MAXLEV];
		char who[24];

		if (e == p)
			break;
		snprintf(who, sizeof(who), "%ld", c);
		n = kt_nspid(who, lv, MAXLEV);
		if (n > 0 && lv[n - 1] == inner)
			return (pid_t)c;
	}
	return 0;
}

static void collect(void)
{
	double deadline = kt_now(CLOCK_MONOTONIC) + TMO_AFTER;
	int got[NMEM] = { 0 }, n = 0, i;
	struct report r;

	while (n < nmembers() - 1 && kt_now(CLOCK_MONOTONIC) < deadline) {
		struct pollfd pfd = { report_p[0], POLLIN, 0 };
		ssize_t len;

		if (poll(&pfd, 1, 100) <= 0 || !pfd.revents)
			continue;
		len = read(report_p[0], &r, sizeof(r));
		if (len == 0)
			break;
		if (len != sizeof(r))
			continue;
		if (r.idx <= 0 || r.idx >= NMEM || got[r.idx]) {
			kt_fail("report pipe: expected a member's report, got index %d", r.idx);
			continue;
		}
		got[r.idx] = 1;
		n++;
		if (r.nfail)
			kt_fail("member %s reported %d failed check(s) (its FAIL lines are above)",
				mname[r.idx], r.nfail);
	}
	for (i = 1; i < NMEM; i++)
		if (present(i) && !got[i])
			kt_fail("report from %s: expected one within %d s, got none", mname[i], TMO_AFTER);
}

static __attribute__((noreturn)) void run_i(void)
{
	pid_t z, c1, n, o = 0;
	double deadline;
	int fd, k, host[MAXLEV], st;
	siginfo_t si;
	char b[128], pp[64], ppns[64];

	kt_set_who("I");
	/* nothing shared with L: fresh stdio */
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		kt_die_errno("/dev/null");
	close(fd);
	snprintf(b, sizeof(b), "/tmp/%s.out", name);
	fd = open(b, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		kt_die_errno(b);
	close(fd);
	if (getpid() != 1)
		kt_die("I: expected pid 1 in the new namespace, got %d", (int)getpid());
	if (setsid() < 0)
		kt_die_errno("setsid I");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		kt_die_errno("mmap");
	if (pipe(report_p) || pipe(go_p))
		kt_die_errno("pipe");
	sh->host_ppid0 = host_ppid();
	record(M_I);

	z = fork();
	if (z < 0)
		kt_die_errno("fork Z");
	if (z == 0)
		_exit(ZOMBIE_STATUS);
	sh->zombie_pid = z;
	/* the members' ends of the pipes */
	{
		int keep_go = go_p[1], keep_rep = report_p[0];

		go_p[1] = report_p[0] = -1;
		c1 = fork();
		if (c1 == 0) {
			close(keep_go);
			close(keep_rep);
			me = M_C1;
			kt_set_who("C1");
			run_c1();
			exit(kt_nfail ? 1 : 0);
		}
		n = flat ? 0 : fork();
		if (!flat && n == 0) {
			close(keep_go);
			close(keep_rep);
			me = M_N;
			kt_set_who("N");
			run_n();
			exit(kt_nfail ? 1 : 0);
		}
		if (c1 < 0 || n < 0)
			kt_die_errno("fork");
		go_p[1] = keep_go;
		report_p[0] = keep_rep;
	}
	close(report_p[1]);
	close(go_p[0]);

	deadline = kt_now(CLOCK_MONOTONIC) + TMO;
	while ((k = __atomic_load_n(&sh->setup, __ATOMIC_SEQ_CST)) < nmembers()) {
		if (kt_now(CLOCK_MONOTONIC) > deadline)
			kt_die("setup: expected %d members set up within %d s, got %d", nmembers(), TMO,
			       k);
		kt_sleep_ms(5);
	}
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, z, &si, WEXITED | WNOHANG | WNOWAIT) || si.si_pid != z) {
		if (kt_now(CLOCK_MONOTONIC) > deadline)
			kt_die("zombie: expected it to exit within %d s", TMO);
		kt_sleep_ms(5);
	}
	o = sh->slot[M_O].nspid[sh->slot[M_O].nlev - 1];
	check_namespaces("before the checkpoint", 0);
	if (kt_nfail)
		kt_die("setup: %d check(s) failed before the checkpoint", kt_nfail);
	if (kt_nspid("self", host, MAXLEV) < 2)
		kt_die("NSpid of I unreadable");
	write_files(host[0]);
	kt_ready_pid(sh->host_ppid0);
	kt_wait_go();

	/* ---- after restart ---- */
	if (kt_broken("restarted"))
		kt_selfcheck = 0;
	if (!kt_selfcheck && host_ppid() == sh->host_ppid0)
		kt_fail("restarted: expected a new parent outside the container (the restart tool), got the launcher %d",
			sh->host_ppid0);
	for (k = 1; k < nmembers(); k++)
		if (write(go_p[1], "g", 1) != 1)
			kt_fail("go pipe: %s", strerror(errno));
	close(go_p[1]);
	check_self(M_I);
	collect();
	check_namespaces("after restart", 1);
	snprintf(b, sizeof(b), "/proc/%d/ns/pid", host_ppid());
	k = readlink(b, ppns, sizeof(ppns) - 1);
	ppns[k < 0 ? 0 : k] = 0;
	snprintf(pp, sizeof(pp), "%d", host_ppid());
	if (k > 0 && !strcmp(ppns, sh->slot[M_I].ns1))
		kt_fail("I's pid namespace after restart: expected a namespace of its own, got its parent's (%s, pid %s outside)",
			ppns, pp);
	/* the zombie: reapable at once, with its status */
	if (kt_broken("zombie"))
		waitpid(z, NULL, 0);
	{
		pid_t r, zp = proc_pid_of_child(z);
		struct kt_stat zs;

		if (!zp)
			kt_fail("zombie %d: expected it among I's children, got none", (int)z);
		else if (kt_proc_stat(zp, &zs))
			kt_fail("zombie %d: expected /proc/%d/stat, got none", (int)z, (int)zp);
		else if (zs.state != 'Z')
			kt_fail("zombie %d: expected state Z, got %c", (int)z, zs.state);
		r = waitpid(z, &st, WNOHANG);
		if (r != z)
			kt_fail("zombie %d: expected waitpid(WNOHANG) to reap it at once, got %d (%s)",
				(int)z, (int)r, r < 0 ? strerror(errno) : "still running");
		else if (!WIFEXITED(st) || WEXITSTATUS(st) != ZOMBIE_STATUS)
			kt_fail("zombie %d: expected exit status %d, got %s", (int)z, ZOMBIE_STATUS,
				kt_status_str(st, b, sizeof(b)));
		if (r == 0) {
			kill(z, SIGKILL);
			waitpid(z, NULL, 0);
		}
	}
	reap(c1, "C1");
	if (!flat)
		reap(n, "N");
	reap(o, "O (the orphan)");
	kt_done();
}

int main(int argc, char **argv)
{
	pid_t i;
	int st, fd;
	char b[80];

	if (argc < 2 || argc > 3 || strlen(argv[1]) > 40 || (argc == 3 && strcmp(argv[2], "flat"))) {
		kt_msg("usage: container NAME [flat]");
		return 2;
	}
	flat = argc == 3;
	snprintf(name, sizeof(name), "%s", argv[1]);
	kt_start(name);
	kt_set_who("L");
	/* L's own log file description, not the one I will use */
	snprintf(b, sizeof(b), "/tmp/%s.out", name);
	fd = open(b, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		kt_die_errno(b);
	close(fd);
	if (unshare(CLONE_NEWPID))
		kt_die_errno("unshare(CLONE_NEWPID)");
	i = fork();
	if (i < 0)
		kt_die_errno("fork I");
	if (i == 0)
		run_i();
	if (kt_wait_pid(i, &st, 2 * KT_GO_TIMEOUT_S) != i) {
		kill(i, SIGKILL);
		kt_die("I (pid %d): expected it to end within %d s, got timeout", (int)i,
		       2 * KT_GO_TIMEOUT_S);
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
