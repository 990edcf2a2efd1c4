// SPDX-License-Identifier: GPL-2.0
/*
 * taskstate: what prctl(), setpriority(), sched_setattr(), sched_setaffinity(),
 * mlock()/mlockall(), madvise(), membarrier() and /proc/self/ writes set
 * survives checkpoint/restart (Documentation/checkpoint/task-state.rst).
 *
 *   taskstate [rt|legacy]   as root or as kcruser (what needs no privilege
 *                    is set either way; "rt" (root) uses SCHED_RR 3 instead
 *                    of SCHED_BATCH, and PR_SET_IO_FLUSHER; "legacy" execs
 *                    itself with ADDR_COMPAT_LAYOUT | ADDR_NO_RANDOMIZE: the
 *                    legacy bottom-up mmap layout, PF_RANDOMIZE clear)
 *   taskstate mlockall   mlockall(MCL_CURRENT | MCL_FUTURE), then a thread
 *                    (its stack guard is a locked PROT_NONE mapping) and a
 *                    PROT_NONE mapping: the restart faults in what it can
 *                    and everything stays locked
 *
 * Set before the checkpoint and checked after restart, from inside:
 *   nice 7 (setpriority), SCHED_BATCH or SCHED_RR 3, SCHED_RESET_ON_FORK,
 *   affinity {CPU 0} (with 2+ CPUs), PR_SET_TIMERSLACK 123457 (not under RR),
 *   /proc/self/oom_score_adj 321, /proc/self/coredump_filter 0x3f,
 *   PR_SET_CHILD_SUBREAPER (an orphaned grandchild is reparented to us),
 *   the exit signal of a child (clone with SIGUSR2), PR_MCE_KILL early,
 *   PR_SET_THP_DISABLE, membarrier registrations (private expedited, sync
 *   core, rseq, global expedited: the commands work, not EPERM), an mlock()ed
 *   range (VmFlags "lo", faulted in), an mlock2(MLOCK_ONFAULT) range (locked,
 *   not faulted in), mlockall(MCL_FUTURE) (a new mapping is locked: VmLck
 *   grows), MADV_HUGEPAGE / MADV_NOHUGEPAGE (VmFlags hg / nh), MADV_DONTFORK,
 *   MADV_WIPEONFORK, MADV_DONTDUMP, MADV_RANDOM, MADV_SEQUENTIAL (VmFlags dc,
 *   wf, dd, rr, sr), the mapped data, VmLck; and a thread's own nice 9,
 *   SCHED_IDLE and timer slack 7777; under PR_SET_THP_DISABLE a 2 MiB aligned
 *   MADV_HUGEPAGE range stays without huge pages (the restart writes its page
 *   with the flag already set).
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/membarrier.h>
#include <linux/sched.h>

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#define PR_GET_IO_FLUSHER 58
#endif

#define NAME "taskstate"
#define SLACK 123457UL
#define OOM 321
#define FILTER 0x3f
#define PG 4096UL

struct kt_sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t runtime, deadline, period;
};

static volatile sig_atomic_t usr2_seen;
static int membarrier_cmds;	/* registered commands */
static char *lockbuf, *faultbuf, *hugebuf, *nohugebuf, *rolock, *thpbuf;
#define HUGE_SZ (2UL << 20)

/* madvise() flags, each on a mapping of its own, with its VmFlags name */
static const struct { int advice; const char *flag; } advised[] = {
	{ MADV_DONTFORK, "dc" }, { MADV_WIPEONFORK, "wf" }, { MADV_DONTDUMP, "dd" },
	{ MADV_RANDOM, "rr" }, { MADV_SEQUENTIAL, "sr" },
};
#define NADV (int)(sizeof(advised) / sizeof(advised[0]))
static char *advbuf[NADV];
static char advflags0[NADV][256];

static void go_wait(void)
{
	while (!kt_go_exists())
		usleep(10000);
}

/*
 * A thread with state of its own (nice, policy and timer slack are per
 * thread): it checks them itself after restart.
 */
#define TSLACK 7777UL
static volatile int thread_ready, thread_fails = -1;

static void *thread_fn(void *arg)
{
	struct sched_param sp = { 0 };
	int fails = 0;

	(void)arg;
	if (setpriority(PRIO_PROCESS, 0, 9) || sched_setscheduler(0, SCHED_IDLE, &sp) ||
	    prctl(PR_SET_TIMERSLACK, TSLACK, 0, 0, 0)) {
		kt_fail("thread: setting its state: %s", strerror(errno));
		thread_fails = 1;
		return NULL;
	}
	thread_ready = 1;
	go_wait();
	errno = 0;
	if (getpriority(PRIO_PROCESS, 0) != 9) {
		kt_fail("thread nice: expected 9, got %d", getpriority(PRIO_PROCESS, 0));
		fails++;
	}
	if (sched_getscheduler(0) != SCHED_IDLE) {
		kt_fail("thread policy: expected SCHED_IDLE, got %d", sched_getscheduler(0));
		fails++;
	}
	if (prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) != (int)TSLACK) {
		kt_fail("thread timer slack: expected %lu, got %d", TSLACK,
			prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
		fails++;
	}
	thread_fails = fails;
	return NULL;
}

static void h_usr2(int sig)
{
	(void)sig;
	usr2_seen++;
}

static long membarrier(int cmd, unsigned int flags)
{
	return syscall(__NR_membarrier, cmd, flags, 0);
}

/* VmFlags of the mapping that holds addr, from /proc/self/smaps. */
static void vmflags(void *addr, char *out, size_t size)
{
	static char buf[1 << 17];
	unsigned long a = (unsigned long)addr, start, end;
	char *p;
	int n;

	out[0] = 0;
	if (kt_read_file("/proc/self/smaps", buf, sizeof(buf)) < 0)
		return;
	for (p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (sscanf(p, "%lx-%lx ", &start, &end) != 2 || a < start || a >= end)
			continue;
		p = strstr(p, "VmFlags:");
		if (p) {
			char *e = strchr(p, '\n');

			n = e ? e - p : (int)strlen(p);
			snprintf(out, size, "%.*s", n, p);
		}
		return;
	}
}

/* AnonHugePages (kB) of the mapping that starts at addr, -1 if none. */
static long anon_huge_kb(void *addr)
{
	static char buf[1 << 17];
	char key[32], *p, *e;
	long kb = -1;
	int n;

	if (kt_read_file("/proc/self/smaps", buf, sizeof(buf)) < 0)
		return -1;
	n = snprintf(key, sizeof(key), "%lx-", (unsigned long)addr);
	for (p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, n))
			continue;
		e = strstr(p, "VmFlags:");
		p = strstr(p, "AnonHugePages:");
		if (p && (!e || p < e))
			sscanf(p, "AnonHugePages: %ld kB", &kb);
		break;
	}
	return kb;
}

static int has_flag(const char *flags, const char *f)
{
	char k[8];

	snprintf(k, sizeof(k), " %s", f);
	return strstr(flags, k) != NULL;
}

/* Pages of [addr, addr + len) that are resident. */
static int resident(void *addr, size_t len)
{
	unsigned char vec[64];
	size_t i;
	int n = 0;

	if (mincore(addr, len, vec))
		return -1;
	for (i = 0; i < len / PG; i++)
		n += vec[i] & 1;
	return n;
}

/* the flags field (9) of /proc/self/stat: PF_RANDOMIZE is 0x400000 */
static unsigned long stat_flags(void)
{
	char buf[1024], *p;
	int i;

	if (kt_read_file("/proc/self/stat", buf, sizeof(buf)) < 0 ||
	    !(p = strrchr(buf, ')')))
		return 0;
	for (i = 3; i <= 9 && p; i++)
		p = strchr(p + 1, ' ');
	return p ? strtoul(p + 1, NULL, 10) : 0;
}

#define PF_RANDOMIZE_BIT 0x00400000UL
#define LEGACY_TOP 0x400000000000UL	/* bottom-up mmaps start at TASK_SIZE / 3 */

static long status_kb(const char *key)
{
	char buf[64];

	if (kt_status_field(key, buf, sizeof(buf)))
		return -1;
	return atol(buf);
}

static long read_num(const char *path, int base)
{
	char buf[64];

	if (kt_read_file(path, buf, sizeof(buf)) < 0)
		return -99999;
	return strtol(buf, NULL, base);
}

static long read_long(const char *path)
{
	return read_num(path, 10);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}


/*
 * The grandchild: once its parent (the child) exits after restart, it must
 * be reparented to us, the subreaper: it reports its new parent.
 */
static void grandchild(void)
{
	char buf[32];
	pid_t child;
	int i, n;

	go_wait();
	child = getppid();	/* after restart: pids may have changed */
	for (i = 0; i < 1000 && getppid() == child; i++)
		usleep(10000);
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getppid());
	kt_write_file("/tmp/" NAME ".gppid", buf, n);
	_exit(0);
}

/* The child, created with exit signal SIGUSR2: exits 3 after restart. */
static int child_fn(void)
{
	pid_t g = fork();

	if (g < 0)
		_exit(90);
	if (g == 0)
		grandchild();
	go_wait();
	usleep(500000);
	_exit(3);
}

static void set_membarrier(void)
{
	long q = membarrier(MEMBARRIER_CMD_QUERY, 0);

	if (q < 0) {
		kt_msg("# " NAME ": no membarrier: skipped");
		return;
	}
	if ((q & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) &&
	    !membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0))
		membarrier_cmds |= MEMBARRIER_CMD_PRIVATE_EXPEDITED;
	if ((q & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE) &&
	    !membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0))
		membarrier_cmds |= MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE;
	if ((q & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ) &&
	    !membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0))
		membarrier_cmds |= MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ;
	if ((q & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) &&
	    !membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0))
		membarrier_cmds |= MEMBARRIER_CMD_GLOBAL_EXPEDITED;
	if (!(membarrier_cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		kt_fail("membarrier: could not register private expedited");
	/* the commands work before the checkpoint */
	if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0))
		kt_fail("membarrier private expedited before checkpoint: %s", strerror(errno));
}

static void check_membarrier(void)
{
	static const struct { int cmd; const char *name; } c[] = {
		{ MEMBARRIER_CMD_PRIVATE_EXPEDITED, "private expedited" },
		{ MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, "private expedited sync core" },
		{ MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, "private expedited rseq" },
		{ MEMBARRIER_CMD_GLOBAL_EXPEDITED, "global expedited" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (!(membarrier_cmds & c[i].cmd))
			continue;
		if (membarrier(c[i].cmd, 0))
			kt_fail("membarrier %s after restart: %s (registration lost)",
				c[i].name, strerror(errno));
	}
}

/* mlockall mode: a thread that only waits, its guard page locked */
static void *ml_thread(void *arg)
{
	(void)arg;
	go_wait();
	return NULL;
}

static int mlockall_main(void)
{
	char fnone[256], fbuf[256], fstack[256], buf[256];
	char *none, *data, *p;
	pthread_attr_t tattr;
	size_t ssize, gsize;
	void *stack;
	pthread_t th;
	long lck0;
	int i;

	kt_start(NAME);
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		kt_die_errno("mlockall MCL_CURRENT|MCL_FUTURE");
	if (pthread_create(&th, NULL, ml_thread, NULL))
		kt_die_errno("pthread_create");
	if (pthread_getattr_np(th, &tattr) ||
	    pthread_attr_getstack(&tattr, &stack, &ssize) ||
	    pthread_attr_getguardsize(&tattr, &gsize) || !gsize)
		kt_die_errno("pthread_getattr_np");
	none = mmap(NULL, 4 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	data = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (none == MAP_FAILED || data == MAP_FAILED)
		kt_die_errno("mmap");
	memset(data, 0x33, 4 * PG);
	vmflags(none, fnone, sizeof(fnone));
	vmflags(data, fbuf, sizeof(fbuf));
	/* the guard page below the thread's stack (glibc: PROT_NONE) */
	vmflags((char *)stack - gsize, fstack, sizeof(fstack));
	if (!has_flag(fnone, "lo") || !has_flag(fbuf, "lo") || !has_flag(fstack, "lo"))
		kt_fail("flags before checkpoint: %s / %s / guard %s", fnone, fbuf, fstack);
	lck0 = status_kb("VmLck");

	kt_ready();
	kt_wait_go();

	/* ---- after restart ---- */
	kt_after_restart();
	vmflags(none, buf, sizeof(buf));
	KT_EXPECT_STR("VmFlags of the locked PROT_NONE mapping", fnone, buf);
	vmflags(data, buf, sizeof(buf));
	KT_EXPECT_STR("VmFlags of a locked mapping", fbuf, buf);
	vmflags((char *)stack - gsize, buf, sizeof(buf));
	KT_EXPECT_STR("VmFlags of the thread's stack guard", fstack, buf);
	for (i = 0; i < (int)(4 * PG); i++)
		if (data[i] != 0x33)
			break;
	KT_EXPECT_INT("locked data", (int)(4 * PG), i);
	KT_EXPECT_INT("locked range resident", 4, resident(data, 4 * PG));
	KT_EXPECT_INT("VmLck", lck0, status_kb("VmLck"));
	p = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		kt_fail("mmap after restart: %s", strerror(errno));
	else
		KT_EXPECT_INT("VmLck after a new mapping (MCL_FUTURE)", lck0 + 8,
			      status_kb("VmLck"));
	pthread_join(th, NULL);
	kt_done();
}

int main(int argc, char **argv)
{
	int rt = argc > 1 && !strcmp(argv[1], "rt");
	int legacy = argc > 1 && !strcmp(argv[1], "legacy2");
	unsigned long pflags0 = 0;
	void *m0 = NULL;
	int root = geteuid() == 0, ncpu, policy0, i, st;
	char flags0[5][256], buf[256];
	struct kt_sched_attr sa = { .size = sizeof(sa) };
	struct sigaction act;
	cpu_set_t cpus;
	long lck0, v;
	pid_t child, w;
	pthread_attr_t tattr;
	pthread_t th;

	if (argc > 1 && !strcmp(argv[1], "mlockall"))
		return mlockall_main();
	if (argc > 1 && !strcmp(argv[1], "legacy")) {
		char *args[] = { argv[0], "legacy2", NULL };

		if (personality(ADDR_COMPAT_LAYOUT | ADDR_NO_RANDOMIZE) < 0)
			kt_die_errno("personality");
		execv("/proc/self/exe", args);
		kt_die_errno("execv");
	}
	kt_start(NAME);
	unlink("/tmp/" NAME ".gppid");
	if (legacy) {
		pflags0 = stat_flags();
		m0 = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m0 == MAP_FAILED || (unsigned long)m0 >= LEGACY_TOP ||
		    (pflags0 & PF_RANDOMIZE_BIT))
			kt_fail("legacy layout before checkpoint: mmap at %p, flags %#lx",
				m0, pflags0);
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = h_usr2;
	sigaction(SIGUSR2, &act, NULL);

	/* scheduling */
	if (setpriority(PRIO_PROCESS, 0, 7))
		kt_die_errno("setpriority 7");
	if (rt && root) {
		sa.sched_policy = SCHED_RR;
		sa.sched_priority = 3;
	} else {
		sa.sched_policy = SCHED_BATCH;
		sa.sched_nice = 7;
	}
	sa.sched_flags = SCHED_FLAG_RESET_ON_FORK;
	if (syscall(SYS_sched_setattr, 0, &sa, 0))
		kt_die_errno("sched_setattr");
	if (rt && root && setpriority(PRIO_PROCESS, 0, 7))
		kt_die_errno("setpriority 7 under SCHED_RR");
	policy0 = sched_getscheduler(0);
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu > 1) {
		CPU_ZERO(&cpus);
		CPU_SET(0, &cpus);
		if (sched_setaffinity(0, sizeof(cpus), &cpus))
			kt_die_errno("sched_setaffinity");
	} else {
		kt_msg("# " NAME ": one CPU: affinity not changed");
	}
	if (prctl(PR_SET_TIMERSLACK, SLACK, 0, 0, 0))
		kt_die_errno("PR_SET_TIMERSLACK");

	/* process */
	snprintf(buf, sizeof(buf), "%d", OOM);
	if (write_str("/proc/self/oom_score_adj", buf))
		kt_die_errno("oom_score_adj");
	snprintf(buf, sizeof(buf), "%#x", FILTER);
	if (write_str("/proc/self/coredump_filter", buf))
		kt_die_errno("coredump_filter");
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		kt_die_errno("PR_SET_CHILD_SUBREAPER");
	if (prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0))
		kt_die_errno("PR_MCE_KILL");
	if (rt && root && prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0))
		kt_die_errno("PR_SET_IO_FLUSHER");

	/* before mlockall(MCL_FUTURE): its stack is not locked */
	pthread_attr_init(&tattr);
	pthread_attr_setstacksize(&tattr, 256 * 1024);
	if (pthread_create(&th, &tattr, thread_fn, NULL))
		kt_die_errno("pthread_create");
	for (i = 0; i < 500 && !thread_ready && thread_fails < 0; i++)
		usleep(10000);

	/* the address space */
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		kt_die_errno("PR_SET_THP_DISABLE");
	set_membarrier();
	/*
	 * A huge-page-sized MADV_HUGEPAGE range under PR_SET_THP_DISABLE:
	 * small pages, before and after restart (which writes its page).
	 */
	{
		char *raw = mmap(NULL, 2 * HUGE_SZ, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (raw == MAP_FAILED)
			kt_die_errno("mmap");
		thpbuf = (char *)(((unsigned long)raw + HUGE_SZ - 1) & ~(HUGE_SZ - 1));
		if (thpbuf > raw)
			munmap(raw, thpbuf - raw);
		munmap(thpbuf + HUGE_SZ, raw + HUGE_SZ - thpbuf);
		if (madvise(thpbuf, HUGE_SZ, MADV_HUGEPAGE))
			kt_die_errno("MADV_HUGEPAGE (huge range)");
		thpbuf[0] = 0x77;
		if (anon_huge_kb(thpbuf) != 0)
			kt_fail("THP disabled: %ld kB AnonHugePages before checkpoint",
				anon_huge_kb(thpbuf));
	}
	lockbuf = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	faultbuf = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hugebuf = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	nohugebuf = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* read-only: mlock() maps the zero page, which the image does not hold */
	rolock = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (lockbuf == MAP_FAILED || faultbuf == MAP_FAILED || hugebuf == MAP_FAILED ||
	    nohugebuf == MAP_FAILED || rolock == MAP_FAILED)
		kt_die_errno("mmap");
	memset(lockbuf, 0x5a, PG);	/* one page with data, three never touched */
	if (mlock(lockbuf, 4 * PG))
		kt_die_errno("mlock");
	if (mlock(rolock, 4 * PG))
		kt_die_errno("mlock read-only");
	if (syscall(SYS_mlock2, faultbuf, 4 * PG, MLOCK_ONFAULT))
		kt_die_errno("mlock2 MLOCK_ONFAULT");
	faultbuf[0] = 1;		/* one page faulted in */
	if (madvise(hugebuf, 4 * PG, MADV_HUGEPAGE))
		kt_die_errno("MADV_HUGEPAGE");
	if (madvise(nohugebuf, 4 * PG, MADV_NOHUGEPAGE))
		kt_die_errno("MADV_NOHUGEPAGE");
	for (i = 0; i < NADV; i++) {
		advbuf[i] = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (advbuf[i] == MAP_FAILED || madvise(advbuf[i], 2 * PG, advised[i].advice))
			kt_die_errno("madvise");
		advbuf[i][0] = (char)i;
		vmflags(advbuf[i], advflags0[i], sizeof(advflags0[i]));
		if (!has_flag(advflags0[i], advised[i].flag))
			kt_fail("madvise: no %s in %s", advised[i].flag, advflags0[i]);
	}
	if (mlockall(MCL_FUTURE))
		kt_die_errno("mlockall MCL_FUTURE");
	vmflags(lockbuf, flags0[0], sizeof(flags0[0]));
	vmflags(faultbuf, flags0[1], sizeof(flags0[1]));
	vmflags(hugebuf, flags0[2], sizeof(flags0[2]));
	vmflags(nohugebuf, flags0[3], sizeof(flags0[3]));
	vmflags(rolock, flags0[4], sizeof(flags0[4]));
	if (!has_flag(flags0[0], "lo") || !has_flag(flags0[1], "lo") ||
	    !has_flag(flags0[2], "hg") || !has_flag(flags0[3], "nh"))
		kt_fail("flags before checkpoint: %s / %s / %s / %s", flags0[0], flags0[1],
			flags0[2], flags0[3]);
	if (read_num("/proc/self/coredump_filter", 16) != FILTER)
		kt_fail("coredump_filter before checkpoint: %ld",
			read_num("/proc/self/coredump_filter", 16));
	if (resident(faultbuf, 4 * PG) != 1)
		kt_fail("MLOCK_ONFAULT range: %d pages resident before checkpoint, expected 1",
			resident(faultbuf, 4 * PG));

	/* a child with exit signal SIGUSR2, which has a child of its own */
	child = syscall(SYS_clone, SIGUSR2, NULL, NULL, NULL, 0);
	if (child < 0)
		kt_die_errno("clone");
	if (child == 0)
		child_fn();
	usleep(100000);
	lck0 = status_kb("VmLck");

	kt_ready();
	kt_wait_go();

	/* ---- after restart ---- */
	kt_after_restart();

	errno = 0;
	v = getpriority(PRIO_PROCESS, 0);
	KT_EXPECT_INT("nice (getpriority)", 7, v);
	KT_EXPECT_INT("scheduling policy", policy0, sched_getscheduler(0));
	KT_EXPECT_INT("policy is the one set", (rt && root ? SCHED_RR : SCHED_BATCH) |
		      SCHED_RESET_ON_FORK, policy0);
	memset(&sa, 0, sizeof(sa));
	if (syscall(SYS_sched_getattr, 0, &sa, sizeof(sa), 0))
		kt_fail("sched_getattr: %s", strerror(errno));
	KT_EXPECT_INT("sched_getattr priority", rt && root ? 3 : 0, sa.sched_priority);
	KT_EXPECT_INT("sched_getattr reset-on-fork", SCHED_FLAG_RESET_ON_FORK,
		      sa.sched_flags & SCHED_FLAG_RESET_ON_FORK);
	if (!(rt && root))	/* sched_getattr() reports no nice under RT */
		KT_EXPECT_INT("sched_getattr nice", 7, sa.sched_nice);
	if (ncpu > 1) {
		CPU_ZERO(&cpus);
		sched_getaffinity(0, sizeof(cpus), &cpus);
		KT_EXPECT_INT("affinity: CPUs", 1, CPU_COUNT(&cpus));
		KT_EXPECT_INT("affinity: CPU 0", 1, CPU_ISSET(0, &cpus));
	}
	v = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	KT_EXPECT_INT("timer slack (PR_GET_TIMERSLACK)", rt && root ? 0 : (long)SLACK, v);
	KT_EXPECT_INT("oom_score_adj", OOM, read_long("/proc/self/oom_score_adj"));
	/* "%08lx" */
	KT_EXPECT_INT("coredump_filter", FILTER, read_num("/proc/self/coredump_filter", 16));
	v = 0;
	prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0);
	KT_EXPECT_INT("PR_GET_CHILD_SUBREAPER", 1, v);
	KT_EXPECT_INT("PR_MCE_KILL_GET", PR_MCE_KILL_EARLY, prctl(PR_MCE_KILL_GET, 0, 0, 0, 0));
	if (rt && root)
		KT_EXPECT_INT("PR_GET_IO_FLUSHER", 1, prctl(PR_GET_IO_FLUSHER, 0, 0, 0, 0));
	KT_EXPECT_INT("PR_GET_THP_DISABLE", 1, prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
	check_membarrier();
	KT_EXPECT_INT("THP disabled: data of a huge-page-sized range", 0x77, thpbuf[0]);
	KT_EXPECT_INT("THP disabled: AnonHugePages of a huge-page-sized range", 0,
		      anon_huge_kb(thpbuf));

	for (i = 0; i < 5; i++) {
		char *a[5] = { lockbuf, faultbuf, hugebuf, nohugebuf, rolock };

		vmflags(a[i], buf, sizeof(buf));
		KT_EXPECT_STR("VmFlags of a mapping", flags0[i], buf);
	}
	for (i = 0; i < NADV; i++) {
		vmflags(advbuf[i], buf, sizeof(buf));
		KT_EXPECT_STR("VmFlags of an madvise()d mapping", advflags0[i], buf);
	}
	KT_EXPECT_INT("mlocked data", 0x5a, lockbuf[0]);
	KT_EXPECT_INT("mlocked range resident (faulted in)", 4, resident(lockbuf, 4 * PG));
	KT_EXPECT_INT("read-only mlocked range resident (faulted in)", 4,
		      resident(rolock, 4 * PG));
	KT_EXPECT_INT("MLOCK_ONFAULT range resident (not faulted in)", 1,
		      resident(faultbuf, 4 * PG));
	KT_EXPECT_INT("VmLck", lck0, status_kb("VmLck"));
	{
		char *p = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			kt_fail("mmap after restart: %s", strerror(errno));
		else
			KT_EXPECT_INT("VmLck after a new mapping (MCL_FUTURE)", lck0 + 8,
				      status_kb("VmLck"));
	}

	/* after the VmLck checks: MCL_FUTURE locks this mapping too */
	if (legacy) {
		void *m1 = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		KT_EXPECT_U64("PF_RANDOMIZE (stat flags)", pflags0 & PF_RANDOMIZE_BIT,
			      stat_flags() & PF_RANDOMIZE_BIT);
		if (m1 == MAP_FAILED || (unsigned long)m1 >= LEGACY_TOP)
			kt_fail("legacy layout after restart: a new mmap at %p, expected below %#lx (bottom-up)",
				m1, LEGACY_TOP);
	}

	/* the child exits 3 with SIGUSR2; its child is then reparented to us */
	/* (its pid is another with --no-pids; the grandchild is not ours yet) */
	w = waitpid(-1, &st, __WALL);
	if (!kt_nopids)
		KT_EXPECT_INT("waitpid(child)", child, w);
	KT_EXPECT_INT("child exit status", 3, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	for (i = 0; i < 500 && !usr2_seen; i++)
		usleep(10000);
	KT_EXPECT_INT("the child's exit signal (SIGUSR2) was delivered", 1, usr2_seen);
	for (i = 0; i < 1000 && read_long("/tmp/" NAME ".gppid") == -99999; i++)
		usleep(10000);
	KT_EXPECT_INT("orphaned grandchild's parent (subreaper)", getpid(),
		      read_long("/tmp/" NAME ".gppid"));
	while (waitpid(-1, &st, __WALL) > 0)
		;
	pthread_join(th, NULL);
	KT_EXPECT_INT("thread: its checks ran and passed", 0, thread_fails);
	kt_done();
}
