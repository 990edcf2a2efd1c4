// SPDX-License-Identifier: GPL-2.0
/*
 * semundo NAME tree|private: a tree whose tasks hold SEM_UNDO adjustments
 * survives checkpoint/restart; after restart every task exits and the
 * semaphores end exactly as they would have without a checkpoint.
 *
 *   R   creates S1 (4 semaphores: 100 200 300 400), S2 (2: 50 60) and S3
 *       (1: 10, mode 0600); SEM_UNDO ops S1[0] -= 7, S1[3] += 11
 *   ├─ C3  clone(CLONE_SYSVSEM): shares R's undo list; SEM_UNDO S2[1] += 4,
 *   │      S1[1] += 2
 *   ├─ C1  its own list: SEM_UNDO S1[1] -= 20, S1[2] += 5, S2[0] -= 3; and
 *   │      S1[1] += 1 without SEM_UNDO (stays)
 *   ├─ C2  its own list: SEM_UNDO S1[0] += 9, S3[0] -= 2; and S2's
 *   │      adjustments set to {0, -6} through /proc/self/semundo
 *   ├─ T   3 threads (pthreads: CLONE_SYSVSEM, one list): SEM_UNDO S1[2] -= 1
 *   │      (main), S1[2] -= 2 (T1), S3[0] += 3 (T2)
 *   └─ W   no undo list; outlives R and checks the final values
 * "private": R unshare(CLONE_NEWIPC)s first (the image is PRIVATE and
 * restart makes a new IPC namespace); "tree": the caller's namespace and
 * a plain checkpoint (the arrays in undo lists are saved), the driver
 * removes the originals before the restart.
 *
 * After restart (go): every task checks its undo list through
 * /proc/self/semundo (threads: /proc/thread-self/semundo; C3 sees R's,
 * T1 and T2 see T's), R checks the values and sempids.  Then, one at a
 * time, C1, C2, T (after T2 exited and T saw nothing applied), C3 exit
 * and R checks after each that exactly that list's adjustments were
 * applied (none for C3: R still holds the list); R exits; W (reparented)
 * checks that the values are the initial ones plus the ops without
 * SEM_UNDO plus C2's written adjustments, writes "ok" or the failure to
 * /tmp/NAME.final, and removes the arrays.
 * Files: /tmp/NAME.ids (the arrays, "sem ID KEY"), /tmp/NAME.pids.
 *
 * Selfcheck breaks: list value exit final.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>

#define TMO	30

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

enum { A1, A2, A3, NARR };
static const int nsems[NARR] = { 4, 2, 1 };
static const unsigned short initv[NARR][4] = { { 100, 200, 300, 400 }, { 50, 60 }, { 10 } };
static const int amode[NARR] = { 0660, 0660, 0600 };

enum { M_R, M_C1, M_C2, M_C3, M_T, M_T1, M_T2, M_W, NMEM };
static const char *const mname[NMEM] = { "R", "C1", "C2", "C3", "T", "T1", "T2", "W" };
enum { L_R, L_C1, L_C2, L_T, NLIST };
static const int list_of[NMEM] = { L_R, L_C1, L_C2, L_R, L_T, L_T, L_T, -1 };

struct op {
	int mem, arr, num, val, undo;
};
static const struct op ops[] = {
	{ M_R, A1, 0, -7, 1 },	{ M_R, A1, 3, 11, 1 },	{ M_C3, A2, 1, 4, 1 },	{ M_C3, A1, 1, 2, 1 },
	{ M_C1, A1, 1, -20, 1 }, { M_C1, A1, 2, 5, 1 },	{ M_C1, A2, 0, -3, 1 },	{ M_C1, A1, 1, 1, 0 },
	{ M_C2, A1, 0, 9, 1 },	{ M_C2, A3, 0, -2, 1 },	{ M_T, A1, 2, -1, 1 },	{ M_T1, A1, 2, -2, 1 },
	{ M_T2, A3, 0, 3, 1 },
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))
/* C2 writes "S2 0 -6" to /proc/self/semundo */
static const short c2_set[2] = { 0, -6 };

struct shared {
	int id[NARR];
	int setup;			/* members (and threads) set up */
	int checked;			/* after restart: members that checked their list */
	int turn[NMEM];			/* 1: member may exit */
	int t2_exit;			/* T2 may end */
	int nfail[NMEM];
	pid_t pid[NMEM];
	unsigned short final[NARR][4];
	int final_set;
};

static struct shared *sh;
static int mode_private;
static char name[64];

/* adjustments of list l: adj[arr][num], present[arr] */
static void list_adj(int l, int adj[NARR][4], int present[NARR])
{
	size_t i;

	memset(adj, 0, sizeof(int) * NARR * 4);
	memset(present, 0, sizeof(int) * NARR);
	for (i = 0; i < NOPS; i++) {
		if (!ops[i].undo || list_of[ops[i].mem] != l)
			continue;
		adj[ops[i].arr][ops[i].num] -= ops[i].val;
		present[ops[i].arr] = 1;
	}
	if (l == L_C2) {
		adj[A2][0] = c2_set[0];
		adj[A2][1] = c2_set[1];
		present[A2] = 1;
	}
}

/* The expected /proc semundo text of list l, lines sorted. */
static void list_text(int l, char *out, size_t size)
{
	int adj[NARR][4], present[NARR], a, k, ord[NARR], n = 0, i, j;
	size_t u = 0;

	list_adj(l, adj, present);
	for (a = 0; a < NARR; a++)
		if (present[a])
			ord[n++] = a;
	/* sort by the text of the semid, as sort_lines() does */
	for (i = 1; i < n; i++)
		for (j = i; j > 0; j--) {
			char x[16], y[16];

			snprintf(x, sizeof(x), "%d", sh->id[ord[j - 1]]);
			snprintf(y, sizeof(y), "%d", sh->id[ord[j]]);
			if (strcmp(x, y) <= 0)
				break;
			k = ord[j];
			ord[j] = ord[j - 1];
			ord[j - 1] = k;
		}
	out[0] = 0;
	for (i = 0; i < n; i++) {
		a = ord[i];
		u += snprintf(out + u, size - u, "%d", sh->id[a]);
		for (k = 0; k < nsems[a]; k++)
			u += snprintf(out + u, size - u, " %d", adj[a][k]);
		u += snprintf(out + u, size - u, "\n");
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the lines of buf in place (the kernel gives list order). */
static void sort_lines(char *buf)
{
	char *lines[64], *copy = strdup(buf), *p, *save = NULL;
	int n = 0, i;
	size_t u = 0, len = strlen(buf) + 1;

	if (!copy)
		return;
	for (p = strtok_r(copy, "\n", &save); p && n < 64; p = strtok_r(NULL, "\n", &save))
		lines[n++] = p;
	qsort(lines, n, sizeof(lines[0]), cmp_str);
	buf[0] = 0;
	for (i = 0; i < n; i++)
		u += snprintf(buf + u, len - u, "%s\n", lines[i]);
	free(copy);
}

static void check_list(int m, const char *file)
{
	char got[1024], exp[1024], what[96];

	if (kt_read_file(file, got, sizeof(got)) < 0) {
		kt_fail("%s: %s", file, strerror(errno));
		return;
	}
	sort_lines(got);
	list_text(list_of[m], exp, sizeof(exp));
	if (m == M_C1 && kt_broken("list"))
		exp[0] = 0;
	snprintf(what, sizeof(what), "%s's undo list (%s)", mname[m], file);
	KT_EXPECT_STR(what, exp, got);
}

static void getall(unsigned short v[NARR][4])
{
	int a;

	for (a = 0; a < NARR; a++) {
		union semun su = { .array = v[a] };

		memset(v[a], 0, sizeof(v[a]));
		if (semctl(sh->id[a], 0, GETALL, su))
			kt_fail("GETALL S%d (id %d): %s", a + 1, sh->id[a], strerror(errno));
	}
}

static void expect_vals(const char *when, unsigned short exp[NARR][4])
{
	unsigned short now[NARR][4];
	int a, k;

	getall(now);
	for (a = 0; a < NARR; a++)
		for (k = 0; k < nsems[a]; k++)
			if (now[a][k] != exp[a][k])
				kt_fail("S%d[%d] %s: expected %u, got %u", a + 1, k, when, exp[a][k],
					now[a][k]);
}

static void apply_list(int l, unsigned short v[NARR][4])
{
	int adj[NARR][4], present[NARR], a, k;

	list_adj(l, adj, present);
	for (a = 0; a < NARR; a++)
		for (k = 0; k < nsems[a]; k++) {
			int x = v[a][k] + adj[a][k];

			v[a][k] = x < 0 ? 0 : x > 32767 ? 32767 : x;
		}
}

static void do_ops(int m)
{
	size_t i;

	for (i = 0; i < NOPS; i++) {
		struct sembuf sb;

		if (ops[i].mem != m)
			continue;
		sb.sem_num = ops[i].num;
		sb.sem_op = ops[i].val;
		sb.sem_flg = (ops[i].undo ? SEM_UNDO : 0) | IPC_NOWAIT;
		if (semop(sh->id[ops[i].arr], &sb, 1))
			kt_die("%s: semop S%d[%d] %+d%s: %s", mname[m], ops[i].arr + 1, ops[i].num,
			       ops[i].val, ops[i].undo ? " SEM_UNDO" : "", strerror(errno));
	}
	if (m == M_C2) {
		char line[64];
		int fd, n;

		n = snprintf(line, sizeof(line), "%d %d %d\n", sh->id[A2], c2_set[0], c2_set[1]);
		fd = open("/proc/self/semundo", O_WRONLY);
		if (fd < 0 || write(fd, line, n) != n)
			kt_die("C2: writing \"%d %d %d\" to /proc/self/semundo: %s", sh->id[A2],
			       c2_set[0], c2_set[1], strerror(errno));
		close(fd);
	}
}

static void setup_done(void)
{
	__atomic_add_fetch(&sh->setup, 1, __ATOMIC_SEQ_CST);
}

static int wait_until(int *word, int val, const char *what)
{
	double deadline = kt_now(CLOCK_MONOTONIC) + TMO;

	while (__atomic_load_n(word, __ATOMIC_SEQ_CST) < val) {
		if (kt_now(CLOCK_MONOTONIC) > deadline) {
			kt_fail("%s: expected it within %d s, got timeout", what, TMO);
			return -1;
		}
		kt_sleep_ms(2);
	}
	return 0;
}

static void checked(int m)
{
	sh->nfail[m] = __atomic_load_n(&kt_nfail, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&sh->checked, 1, __ATOMIC_SEQ_CST);
}

/* A plain member (C1, C2, C3): ops, go, check, wait for its turn, exit. */
static __attribute__((noreturn)) void run_member(int m)
{
	kt_set_who(mname[m]);
	sh->pid[m] = getpid();
	do_ops(m);
	setup_done();
	kt_wait_go();
	check_list(m, "/proc/self/semundo");
	checked(m);
	wait_until(&sh->turn[m], 1, "the turn to exit");
	if (m == M_C1 && kt_broken("exit"))
		kt_sleep_ms(100000);
	exit(kt_nfail ? 1 : 0);
}

/* -------------------------------------------------------------- T */
static void *t_thread(void *arg)
{
	int m = (int)(long)arg;

	do_ops(m);
	setup_done();
	kt_wait_go();
	check_list(m, "/proc/thread-self/semundo");
	checked(m);
	if (m == M_T2)
		wait_until(&sh->t2_exit, 1, "thread T2's turn to end");
	else
		wait_until(&sh->turn[M_T], 1, "thread T1's turn to end");
	return NULL;
}

static __attribute__((noreturn)) void run_t(void)
{
	unsigned short before[NARR][4];
	pthread_t t1, t2;

	kt_set_who("T");
	sh->pid[M_T] = getpid();
	do_ops(M_T);
	if (pthread_create(&t1, NULL, t_thread, (void *)(long)M_T1) ||
	    pthread_create(&t2, NULL, t_thread, (void *)(long)M_T2))
		kt_die("pthread_create failed");
	setup_done();
	kt_wait_go();
	check_list(M_T, "/proc/self/semundo");
	checked(M_T);
	wait_until(&sh->turn[M_T], 1, "T's turn to exit");
	/* a thread ends: the list is shared, nothing is applied */
	getall(before);
	__atomic_store_n(&sh->t2_exit, 1, __ATOMIC_SEQ_CST);
	pthread_join(t2, NULL);
	expect_vals("after thread T2 exited (T's list is shared by its threads)", before);
	check_list(M_T, "/proc/self/semundo");
	pthread_join(t1, NULL);
	exit(kt_nfail ? 1 : 0);
}

/* -------------------------------------------------------------- W */
static __attribute__((noreturn)) void run_w(void)
{
	char buf[512], path[128];
	unsigned short now[NARR][4];
	pid_t r = getppid();
	double deadline;
	size_t n;
	int a, k, bad = 0;

	kt_set_who("W");
	sh->pid[M_W] = getpid();
	setup_done();
	kt_wait_go();
	/* R exits last; its undo list is applied before we are reparented */
	deadline = kt_now(CLOCK_MONOTONIC) + 2 * TMO + 30;
	while (getppid() == r && kt_now(CLOCK_MONOTONIC) < deadline)
		kt_sleep_ms(5);
	snprintf(path, sizeof(path), "/tmp/%s.final", name);
	if (getppid() == r) {
		n = snprintf(buf, sizeof(buf), "FAIL W: R did not exit within %d s\n", 2 * TMO + 30);
		kt_write_file(path, buf, n);
		exit(1);
	}
	if (!__atomic_load_n(&sh->final_set, __ATOMIC_SEQ_CST)) {
		n = snprintf(buf, sizeof(buf), "FAIL W: R exited before it gave the final values (see its FAIL lines)\n");
		kt_write_file(path, buf, n);
		exit(1);
	}
	getall(now);
	if (kt_broken("final"))
		now[A1][0]++;
	n = 0;
	for (a = 0; a < NARR && !bad; a++)
		for (k = 0; k < nsems[a]; k++)
			if (now[a][k] != sh->final[a][k]) {
				n = snprintf(buf, sizeof(buf),
					     "FAIL W: S%d[%d] after every task exited: expected %u (as without a checkpoint), got %u\n",
					     a + 1, k, sh->final[a][k], now[a][k]);
				bad = 1;
				break;
			}
	if (!bad && kt_nfail)
		n = snprintf(buf, sizeof(buf), "FAIL W: %d check(s) failed\n", kt_nfail);
	else if (!bad)
		n = snprintf(buf, sizeof(buf), "ok\n");
	for (a = 0; a < NARR; a++)
		semctl(sh->id[a], 0, IPC_RMID);
	if (kt_write_file(path, buf, n))
		exit(1);
	exit(bad || kt_nfail ? 1 : 0);
}

/* -------------------------------------------------------------- R */
static pid_t spawn(int m, int sysvsem)
{
	pid_t p;

	if (sysvsem)
		p = syscall(SYS_clone, CLONE_SYSVSEM | SIGCHLD, 0, NULL, NULL, 0);
	else
		p = fork();
	if (p < 0)
		kt_die("fork %s: %s", mname[m], strerror(errno));
	if (p == 0) {
		if (m == M_T)
			run_t();
		if (m == M_W)
			run_w();
		run_member(m);
	}
	return p;
}

static void reap(pid_t pid, int m)
{
	char b[64];
	int st;
	pid_t r = kt_wait_pid(pid, &st, TMO);

	if (r == 0) {
		kt_fail("%s (pid %d): expected it to exit within %d s, got timeout", mname[m],
			(int)pid, TMO);
		kill(pid, SIGKILL);
		kt_wait_pid(pid, &st, 5);
	} else if (r < 0) {
		kt_fail("waitpid(%s, %d): %s", mname[m], (int)pid, strerror(errno));
	} else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		kt_fail("%s (pid %d): expected exit 0, got %s (its FAIL lines are above)", mname[m],
			(int)pid, kt_status_str(st, b, sizeof(b)));
	}
}

int main(int argc, char **argv)
{
	unsigned short ckpt[NARR][4], exp[NARR][4];
	pid_t kid[NMEM] = { 0 };
	char buf[512], path[128];
	int a, m, setup_n;
	size_t n = 0;

	if (argc != 3 || strlen(argv[1]) > 40 || (strcmp(argv[2], "tree") && strcmp(argv[2], "private"))) {
		kt_msg("usage: semundo NAME tree|private");
		return 2;
	}
	snprintf(name, sizeof(name), "%s", argv[1]);
	mode_private = !strcmp(argv[2], "private");
	kt_start(name);
	kt_set_who("R");
	if (mode_private && unshare(CLONE_NEWIPC))
		kt_die_errno("unshare(CLONE_NEWIPC)");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		kt_die_errno("mmap");
	for (a = 0; a < NARR; a++) {
		union semun su = { .array = (unsigned short *)initv[a] };
		key_t key = 0x4b435500 | (mode_private << 4) | a;

		sh->id[a] = semget(key, nsems[a], IPC_CREAT | IPC_EXCL | amode[a]);
		if (sh->id[a] < 0)
			kt_die("semget S%d (key 0x%x): %s", a + 1, key, strerror(errno));
		if (semctl(sh->id[a], 0, SETALL, su))
			kt_die_errno("SETALL");
		n += snprintf(buf + n, sizeof(buf) - n, "sem %d 0x%x\n", sh->id[a], key);
	}
	snprintf(path, sizeof(path), "/tmp/%s.ids", name);
	if (kt_write_file(path, buf, n))
		kt_die_errno(path);
	sh->pid[M_R] = getpid();
	do_ops(M_R);
	kid[M_C3] = spawn(M_C3, 1);
	kid[M_C1] = spawn(M_C1, 0);
	kid[M_C2] = spawn(M_C2, 0);
	kid[M_T] = spawn(M_T, 0);
	kid[M_W] = spawn(M_W, 0);
	setup_n = NMEM - 1;		/* all but R */
	if (wait_until(&sh->setup, setup_n, "setup of every member"))
		kt_die("setup failed");
	if (kt_nfail)
		kt_die("setup: %d check(s) failed", kt_nfail);
	n = 0;
	for (m = 0; m < NMEM; m++)
		if (m != M_T1 && m != M_T2)
			n += snprintf(buf + n, sizeof(buf) - n, "%s %d\n", mname[m], (int)sh->pid[m]);
	snprintf(path, sizeof(path), "/tmp/%s.pids", name);
	if (kt_write_file(path, buf, n))
		kt_die_errno(path);
	getall(ckpt);
	kt_ready();
	kt_wait_go();

	/* ---- after restart ---- */
	kt_after_restart();
	check_list(M_R, "/proc/self/semundo");
	if (kt_broken("value")) {
		struct sembuf sb = { 0, 1, 0 };

		semop(sh->id[A3], &sb, 1);
	}
	expect_vals("after restart", ckpt);
	wait_until(&sh->checked, NMEM - 2, "every member's check of its undo list");
	for (m = 1; m < NMEM; m++)
		if (sh->nfail[m])
			kt_fail("%s: %d check(s) failed (its FAIL lines are above)", mname[m], sh->nfail[m]);
	memcpy(exp, ckpt, sizeof(exp));
	/* one at a time: C1, C2, T, C3 */
	{
		static const int order[] = { M_C1, M_C2, M_T, M_C3 };
		size_t i;

		for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
			char when[96];

			m = order[i];
			__atomic_store_n(&sh->turn[m], 1, __ATOMIC_SEQ_CST);
			reap(kid[m], m);
			if (m != M_C3)
				apply_list(list_of[m], exp);
			snprintf(when, sizeof(when), "after %s exited (%s)", mname[m],
				 m == M_C3 ? "R still holds the list it shared: nothing applied" :
					     "its undo list applied");
			expect_vals(when, exp);
		}
	}
	check_list(M_R, "/proc/self/semundo");
	/* what W must see once R is gone: R's list applied too */
	apply_list(L_R, exp);
	{
		unsigned short noc[NARR][4];
		size_t i;

		/* the same, computed without the checkpoint: initial values, the
		 * ops without SEM_UNDO, C2's written adjustments */
		for (a = 0; a < NARR; a++)
			memcpy(noc[a], initv[a], sizeof(noc[a]));
		for (i = 0; i < NOPS; i++)
			if (!ops[i].undo)
				noc[ops[i].arr][ops[i].num] += ops[i].val;
		noc[A2][0] += c2_set[0];
		noc[A2][1] += c2_set[1];
		for (a = 0; a < NARR; a++)
			if (memcmp(noc[a], exp[a], sizeof(noc[a])))
				kt_fail("test bug: final values of S%d differ between the two computations", a + 1);
	}
	memcpy(sh->final, exp, sizeof(exp));
	__atomic_store_n(&sh->final_set, 1, __ATOMIC_SEQ_CST);
	kt_done();
}
