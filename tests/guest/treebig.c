// SPDX-License-Identifier: GPL-2.0
/*
 * treebig NAME N [KB]: a tree of N single-threaded processes (a 4-ary
 * tree: the parent of process i is (i - 1) / 4), each with KB KiB
 * (default 64) of private memory holding its own pattern.  Used by the
 * driver's kill_pipe, ctrlc, cutimage, pidtaken, killmid and latejoin
 * tests.
 *
 * Every process records its pid and ppid in a shared table, then blocks:
 * the root polls for /tmp/NAME.go, the others read() a go pipe (the root
 * writes one byte per process after go).  After go each process checks its
 * pid and ppid (unless KCR_NOPIDS=1) and its memory, waits for its own
 * children (each must exit 0, or die of SIGKILL if its pid is in
 * /tmp/NAME.killed) and exits 0 iff all of that passed.  The root also
 * does kt_after_restart() (with KCRTEST_SELFCHECK=1: skipped).
 *
 * /tmp/NAME.quit, seen by the original root (its parent unchanged: not a
 * restarted copy) while it waits for go, makes the original tree exit 0
 * at once without checks (pidtaken: the original frees its pids while a
 * restart waits for them); the root writes /tmp/NAME.quit.done once its
 * children are reaped, just before it exits.
 *
 * TREEBIG_ORIGINAL=1 (killmid: the checkpoint fails, the tree runs on):
 * the root checks that it was NOT restarted (same parent) instead of
 * kt_after_restart().
 *
 * Files: /tmp/NAME.ready (root pid), /tmp/NAME.pids (the N pids in index
 * order, one per line; index 0 is the root).
 * Selfcheck breaks: pid mem child.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <signal.h>
#include <sys/mman.h>

#define FANOUT		4
#define MAX_N		1000
#define TMO_SETUP	180
#define TMO_CHILD	180

struct ent {
	int pid0, ppid0;
};

struct table {
	int nready;
	struct ent e[MAX_N];
};

static struct table *tab;
static int n_procs, my_idx, go_p[2];
static size_t mem_len;
static uint64_t *mem;
static char name[64];

static uint64_t pat(int idx, size_t w)
{
	uint64_t x = ((uint64_t)idx << 32) ^ w ^ 0x9e3779b97f4a7c15ULL;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 32);
}

static int killed_pid(void)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), "/tmp/%s.killed", name);
	if (kt_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	return atoi(buf);
}

static void check_self(void)
{
	size_t w;

	if (!kt_nopids) {
		KT_EXPECT_INT("pid", tab->e[my_idx].pid0 + kt_broken("pid"), getpid());
		if (my_idx)
			KT_EXPECT_INT("ppid", tab->e[(my_idx - 1) / FANOUT].pid0, getppid());
	}
	if (kt_broken("mem") && my_idx == n_procs - 1)
		mem[mem_len / 16] ^= 4;
	for (w = 0; w < mem_len / 8; w++)
		if (mem[w] != pat(my_idx, w)) {
			kt_fail("private memory word %zu: expected 0x%016llx, got 0x%016llx", w,
				(unsigned long long)pat(my_idx, w), (unsigned long long)mem[w]);
			break;
		}
}

/*
 * One go byte per process, in one write (atomic: MAX_N < PIPE_BUF).  Byte
 * by byte, the last writes could find every reader gone, as the byte of a
 * member the driver killed is never read, and raise SIGPIPE.
 */
static int go_all(char c)
{
	char buf[MAX_N];

	if (n_procs < 2)
		return 0;
	memset(buf, c, n_procs - 1);
	return write(go_p[1], buf, n_procs - 1) != n_procs - 1;
}

static void reap_children(const pid_t *kids, int nkids)
{
	int k, st, kp = killed_pid();
	char b[64];

	for (k = 0; k < nkids; k++) {
		pid_t r = kt_wait_pid(kids[k], &st, TMO_CHILD);

		if (r == 0) {
			kt_fail("child %d: expected it to exit within %d s, got timeout", (int)kids[k],
				TMO_CHILD);
			kill(kids[k], SIGKILL);
			kt_wait_pid(kids[k], &st, 5);
			continue;
		}
		if (r < 0) {
			kt_fail("waitpid(child %d): %s", (int)kids[k], strerror(errno));
			continue;
		}
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && kids[k] == kp)
			continue;	/* the driver killed it on purpose */
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			kt_fail("child %d: expected exit 0, got %s", (int)kids[k],
				kt_status_str(st, b, sizeof(b)));
	}
}

/* Root: 0 once the go file exists; 1 if the original is told to quit. */
static int wait_go_or_quit(void)
{
	double deadline = kt_now(CLOCK_MONOTONIC) + KT_GO_TIMEOUT_S;
	char quit[128];

	snprintf(quit, sizeof(quit), "/tmp/%s.quit", name);
	while (!kt_go_exists()) {
		if (getppid() == kt_ppid0 && !access(quit, F_OK))
			return 1;
		if (kt_now(CLOCK_MONOTONIC) > deadline)
			kt_die("go file: expected %s within %d s, got timeout", kt_go_path,
			       KT_GO_TIMEOUT_S);
		kt_sleep_ms(10);
	}
	return 0;
}

static __attribute__((noreturn)) void run(int idx)
{
	pid_t kids[FANOUT];
	int nkids = 0, c;
	char who[32];
	size_t w;

	my_idx = idx;
	snprintf(who, sizeof(who), "treebig[%d]", idx);
	kt_set_who(who);
	tab->e[idx].pid0 = getpid();
	tab->e[idx].ppid0 = getppid();
	mem = mmap(NULL, mem_len ? mem_len : 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		kt_die_errno("mmap");
	for (w = 0; w < mem_len / 8; w++)
		mem[w] = pat(idx, w);
	for (c = FANOUT * idx + 1; c <= FANOUT * idx + FANOUT && c < n_procs; c++) {
		pid_t p = fork();

		if (p < 0)
			kt_die_errno("fork");
		if (p == 0) {
			/* only the root writes: a reader sees EOF if the root is gone */
			if (idx == 0)
				close(go_p[1]);
			munmap(mem, mem_len ? mem_len : 4096);
			run(c);
		}
		kids[nkids++] = p;
	}
	__atomic_add_fetch(&tab->nready, 1, __ATOMIC_SEQ_CST);
	if (idx) {
		char b;
		ssize_t r;

		do
			r = read(go_p[0], &b, 1);
		while (r < 0 && errno == EINTR);
		if (r != 1)
			kt_die("go pipe: expected a byte from the root, got %s",
			       r ? strerror(errno) : "EOF (root gone)");
		close(go_p[0]);
		if (b == 'q') {		/* the original, told to quit */
			reap_children(kids, nkids);
			exit(0);
		}
		check_self();
		if (kt_broken("child") && idx == n_procs - 1)
			kt_nfail++;
		reap_children(kids, nkids);
		exit(kt_nfail ? 1 : 0);
	}

	/* root */
	{
		double deadline = kt_now(CLOCK_MONOTONIC) + TMO_SETUP;
		char *buf = malloc(16 * (size_t)n_procs + 16), path[128];
		size_t len = 0;
		int i, n;

		close(go_p[0]);
		while ((n = __atomic_load_n(&tab->nready, __ATOMIC_SEQ_CST)) < n_procs) {
			if (kt_now(CLOCK_MONOTONIC) > deadline)
				kt_die("setup: expected %d processes within %d s, got %d", n_procs,
				       TMO_SETUP, n);
			kt_sleep_ms(5);
		}
		if (!buf)
			kt_die("out of memory");
		for (i = 0; i < n_procs; i++)
			len += snprintf(buf + len, 16, "%d\n", tab->e[i].pid0);
		snprintf(path, sizeof(path), "/tmp/%s.pids", name);
		if (kt_write_file(path, buf, len))
			kt_die_errno("writing the pids file");
		free(buf);
		kt_ready();
		if (wait_go_or_quit()) {
			go_all('q');
			close(go_p[1]);
			reap_children(kids, nkids);
			snprintf(path, sizeof(path), "/tmp/%s.quit.done", name);
			kt_write_file(path, "1\n", 2);
			exit(0);
		}

		/* ---- after restart ---- */
		if (getenv("TREEBIG_ORIGINAL")) {
			if (getppid() != kt_ppid0)
				kt_fail("the original tree: expected our parent %d (no restart), got %d",
					(int)kt_ppid0, (int)getppid());
		} else {
			kt_after_restart();
		}
		if (go_all('g'))
			kt_fail("go pipe: writing %d bytes: %s", n_procs - 1,
				strerror(errno));
		close(go_p[1]);
		check_self();
		reap_children(kids, nkids);
		kt_done();
	}
}

int main(int argc, char **argv)
{
	if (argc < 3 || strlen(argv[1]) > 40 || atoi(argv[2]) < 1 || atoi(argv[2]) > MAX_N) {
		kt_msg("usage: treebig NAME N(1..%d) [KB]", MAX_N);
		return 2;
	}
	snprintf(name, sizeof(name), "%s", argv[1]);
	kt_start(name);
	n_procs = atoi(argv[2]);
	mem_len = (argc > 3 ? (size_t)atol(argv[3]) : 64) << 10;
	tab = mmap(NULL, sizeof(*tab), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tab == MAP_FAILED)
		kt_die_errno("mmap table");
	if (pipe(go_p))
		kt_die_errno("pipe");
	run(0);
}
