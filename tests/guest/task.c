// SPDX-License-Identifier: GPL-2.0
/*
 * task: per-task state and credentials survive checkpoint/restart.
 *
 * comm (PR_SET_NAME "kcr-task-comm"), umask 027, cwd /tmp/task.cwd.d (and a
 * relative open there), root "/", uid/gid (unchanged: getres[ug]id and the
 * Uid/Gid lines), and as root: supplementary groups {5, 100, 1000}, CAP_SYS_BOOT
 * dropped from the effective set and the bounding set, CAP_NET_ADMIN raised
 * in the inheritable and ambient sets, SECBIT_KEEP_CAPS (Groups, Cap* lines of
 * /proc/self/status, capget, PR_GET_SECUREBITS); no_new_privs,
 * PR_SET_PDEATHSIG(SIGWINCH), dumpable, personality(ADDR_NO_RANDOMIZE),
 * the robust list and clear_child_tid pointers (get_robust_list,
 * PR_GET_TID_ADDRESS), and the rseq registration (the kernel still updates
 * the rseq cpu_id field on signal delivery).
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <sys/resource.h>
#include <grp.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#ifdef __has_include
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#define HAVE_RSEQ 1
#endif
#endif

#define COMM "kcr-task-comm"
#define CWD "/tmp/task.cwd.d"

static const char *const status_keys[] = {
	"Umask", "Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
	"NoNewPrivs",
};
#define NKEYS (int)(sizeof(status_keys) / sizeof(status_keys[0]))
static char status0[NKEYS][512];

struct state {
	uid_t r, e, s;
	gid_t gr, ge, gs;
	int ngroups;
	gid_t groups[64];
	struct __user_cap_data_struct cap[2];
	long securebits, nnp, pdeath, dumpable, pers;
	void *robust_head;
	size_t robust_len;
	void *tid_addr;
};

static volatile int usr1_count;

static void h_usr1(int sig)
{
	(void)sig;
	usr1_count++;
}

static void get_state(struct state *st)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	int sig = 0;

	memset(st, 0, sizeof(*st));
	getresuid(&st->r, &st->e, &st->s);
	getresgid(&st->gr, &st->ge, &st->gs);
	st->ngroups = getgroups(64, st->groups);
	syscall(SYS_capget, &h, st->cap);
	st->securebits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	st->nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
	st->pdeath = sig;
	st->dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	st->pers = personality(0xffffffff);
	syscall(SYS_get_robust_list, 0, &st->robust_head, &st->robust_len);
	prctl(PR_GET_TID_ADDRESS, &st->tid_addr, 0, 0, 0);
}

/* 1 if the kernel rewrote rseq->cpu_id on a signal delivery, 0 if not, -1 if no rseq. */
static int rseq_alive(void)
{
#ifdef HAVE_RSEQ
	struct rseq *rs;

	if (__rseq_size == 0)
		return -1;
	rs = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
	rs->cpu_id = 0x7777;
	kill(getpid(), SIGUSR1);	/* rseq_signal_deliver() refreshes cpu_id */
	return rs->cpu_id != 0x7777;
#else
	return -1;
#endif
}

static void capset_root_changes(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		kt_die_errno("capget");
	if (!(d[0].permitted & (1u << CAP_SYS_BOOT)) || !(d[0].permitted & (1u << CAP_NET_ADMIN))) {
		kt_msg("# task: no CAP_SYS_BOOT/CAP_NET_ADMIN: capability changes skipped");
		return;
	}
	d[0].effective &= ~(1u << CAP_SYS_BOOT);
	d[0].inheritable |= 1u << CAP_NET_ADMIN;
	if (syscall(SYS_capset, &h, d))
		kt_die_errno("capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0))
		kt_die_errno("PR_CAP_AMBIENT_RAISE");
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0))
		kt_die_errno("PR_CAPBSET_DROP");
	if (prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0))
		kt_die_errno("PR_SET_SECUREBITS");
}

int main(void)
{
	static const gid_t groups[] = { 5, 100, 1000 };
	struct state s0, s1;
	char buf[512], what[64];
	struct sigaction sa;
	mode_t um;
	int i, fd, rseq0;

	kt_start("task");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h_usr1;
	sigaction(SIGUSR1, &sa, NULL);

	if (prctl(PR_SET_NAME, COMM, 0, 0, 0))
		kt_die_errno("PR_SET_NAME");
	umask(027);
	/* resource limits: a lowered soft NOFILE, a lowered hard CORE */
	{
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl))
			kt_die_errno("getrlimit");
		rl.rlim_cur = 200;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			kt_die_errno("setrlimit NOFILE");
		rl.rlim_cur = rl.rlim_max = 4096;
		if (setrlimit(RLIMIT_CORE, &rl))
			kt_die_errno("setrlimit CORE");
	}
	if (mkdir(CWD, 0755) && errno != EEXIST)
		kt_die_errno("mkdir " CWD);
	if (chdir(CWD))
		kt_die_errno("chdir " CWD);
	fd = open("marker", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "marker\n", 7) != 7 || close(fd))
		kt_die_errno("creating " CWD "/marker");
	if (geteuid() == 0) {
		if (setgroups(3, groups))
			kt_die_errno("setgroups");
		capset_root_changes();
	} else {
		kt_msg("# task: not root: groups and capability changes skipped");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		kt_die_errno("PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_PDEATHSIG, SIGWINCH, 0, 0, 0))
		kt_die_errno("PR_SET_PDEATHSIG");
	if (personality(ADDR_NO_RANDOMIZE) < 0)
		kt_die_errno("personality");

	rseq0 = rseq_alive();
	if (rseq0 == 0)
		kt_msg("# task: rseq registered but cpu_id not refreshed even before checkpoint: rseq check skipped");
	else if (rseq0 < 0)
		kt_msg("# task: no rseq registration (glibc without rseq): rseq check skipped");
	get_state(&s0);
	for (i = 0; i < NKEYS; i++)
		if (kt_status_field(status_keys[i], status0[i], sizeof(status0[i])))
			status0[i][0] = 0;

	kt_ready();
	kt_wait_go();

	/* ---- after restart ---- */
	kt_after_restart();

	if (prctl(PR_GET_NAME, buf, 0, 0, 0))
		buf[0] = 0;
	KT_EXPECT_STR("comm (PR_GET_NAME)", COMM, buf);
	if (kt_read_file("/proc/self/comm", buf, sizeof(buf)) < 0)
		buf[0] = 0;
	KT_EXPECT_STR("/proc/self/comm", COMM "\n", buf);
	um = umask(0);
	umask(um);
	KT_EXPECT_U64("umask", 027, um);
	{
		struct rlimit rl;

		getrlimit(RLIMIT_NOFILE, &rl);
		KT_EXPECT_U64("RLIMIT_NOFILE soft", 200, rl.rlim_cur);
		getrlimit(RLIMIT_CORE, &rl);
		KT_EXPECT_U64("RLIMIT_CORE hard", 4096, rl.rlim_max);
	}
	if (!getcwd(buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "(getcwd: %s)", strerror(errno));
	KT_EXPECT_STR("cwd", CWD, buf);
	if (kt_read_file("marker", buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "(open: %s)", strerror(errno));
	KT_EXPECT_STR("relative open in the cwd", "marker\n", buf);
	i = readlink("/proc/self/root", buf, sizeof(buf) - 1);
	buf[i < 0 ? 0 : i] = 0;
	KT_EXPECT_STR("root (/proc/self/root)", "/", buf);

	for (i = 0; i < NKEYS; i++) {
		if (kt_status_field(status_keys[i], buf, sizeof(buf)))
			buf[0] = 0;
		snprintf(what, sizeof(what), "/proc/self/status %s", status_keys[i]);
		KT_EXPECT_STR(what, status0[i], buf);
	}
	get_state(&s1);
	KT_EXPECT_INT("ruid", s0.r, s1.r);
	KT_EXPECT_INT("euid", s0.e, s1.e);
	KT_EXPECT_INT("suid", s0.s, s1.s);
	KT_EXPECT_INT("rgid", s0.gr, s1.gr);
	KT_EXPECT_INT("egid", s0.ge, s1.ge);
	KT_EXPECT_INT("sgid", s0.gs, s1.gs);
	KT_EXPECT_INT("number of groups", s0.ngroups, s1.ngroups);
	for (i = 0; i < s0.ngroups && i < s1.ngroups; i++)
		KT_EXPECT_INT("supplementary group", s0.groups[i], s1.groups[i]);
	for (i = 0; i < 2; i++) {
		KT_EXPECT_U64("capability effective", s0.cap[i].effective, s1.cap[i].effective);
		KT_EXPECT_U64("capability permitted", s0.cap[i].permitted, s1.cap[i].permitted);
		KT_EXPECT_U64("capability inheritable", s0.cap[i].inheritable, s1.cap[i].inheritable);
	}
	KT_EXPECT_U64("securebits", s0.securebits, s1.securebits);
	KT_EXPECT_INT("no_new_privs", 1, s1.nnp);
	KT_EXPECT_INT("parent death signal", SIGWINCH, s1.pdeath);
	KT_EXPECT_INT("dumpable", s0.dumpable, s1.dumpable);
	KT_EXPECT_U64("personality", s0.pers, s1.pers);
	KT_EXPECT_U64("robust list head", (unsigned long)s0.robust_head, (unsigned long)s1.robust_head);
	KT_EXPECT_U64("robust list length", s0.robust_len, s1.robust_len);
	KT_EXPECT_U64("clear_child_tid (PR_GET_TID_ADDRESS)", (unsigned long)s0.tid_addr,
		      (unsigned long)s1.tid_addr);
	if (rseq0 == 1 && rseq_alive() != 1)
		kt_fail("rseq: expected the kernel to refresh rseq->cpu_id (still registered), got the stale value");
	kt_done();
}
