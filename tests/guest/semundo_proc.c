// SPDX-License-Identifier: GPL-2.0
/*
 * semundo_proc: the /proc/<pid>/semundo interface (no checkpoint), and the
 * rights around undo entries.
 *
 *   semundo_proc NAME iface       as root: reading and writing the file,
 *                                 malformed input, EPERM for another task's
 *                                 file, what a write does at exit
 *   semundo_proc NAME forge-setup as root: arrays F644 (2 semaphores = 100,
 *                                 mode 0644, owner root), F666 (1 = 100,
 *                                 mode 0666) and F600 (1 = 100, 0600);
 *                                 /tmp/NAME.ids
 *   semundo_proc NAME forge       as an unprivileged user: semop SEM_UNDO on
 *                                 F644 and writing "F644 -50 -50" to
 *                                 /proc/self/semundo fail with EACCES,
 *                                 "F666 7" works; root's (pid 1) semundo can
 *                                 neither be read nor written
 *   semundo_proc NAME forge-check as root, after forge exited: F644 is still
 *                                 100 100, F666 is 107 (the 7 applied at
 *                                 exit); removes both
 *   semundo_proc NAME hold        (any user) SEM_UNDO F666 -= 1, ready, go,
 *                                 after restart: /proc/self/semundo says
 *                                 "F666 1"; exit 0
 *   semundo_proc NAME edge        as root: an array whose semadj is -32768
 *                                 (as far as semop() lets it go: +32767,
 *                                 -1 without SEM_UNDO, +1), ready, go;
 *                                 after restart the entry and the value
 *                                 (32767) are back
 *   semundo_proc NAME zero        (unprivileged) a failed semop(SEM_UNDO)
 *                                 on F600 leaves a zero entry; with one on
 *                                 F666, ready, go; after restart the same
 *                                 /proc/self/semundo
 *   semundo_proc NAME leak        P holds an undo list and creates R with
 *                                 clone(CLONE_SYSVSEM): the driver's
 *                                 checkpoint of R (/tmp/NAME.root) must be
 *                                 refused; after go both exit 0
 *
 * FAIL lines as kcrtest.h; exit 0 iff every check passed.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static char name[64];

/* write(2) of len bytes in one call; 0 or the errno (open's too) */
static int try_write(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), e = 0;
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, buf, len);
	if (n < 0)
		e = errno;
	else if ((size_t)n != len)
		e = -1;		/* short write */
	close(fd);
	return e;
}

static const char *err_name(int e)
{
	static char b[32];

	switch (e) {
	case 0: return "success";
	case -1: return "a short write";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EIDRM: return "EIDRM";
	case EFBIG: return "EFBIG";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	}
	snprintf(b, sizeof(b), "errno %d", e);
	return b;
}

static void expect_write(const char *path, const char *text, int e1, int e2)
{
	char esc[200];
	int e = try_write(path, text, strlen(text));

	if (e != e1 && e != e2)
		kt_fail("write \"%s\" to %s: expected %s%s%s, got %s", kt_esc(text, esc, sizeof(esc)),
			path, err_name(e1), e2 != e1 ? " or " : "", e2 != e1 ? err_name(e2) : "",
			err_name(e));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_lines(char *buf, size_t size)
{
	char *lines[256], *copy = strdup(buf), *p, *save = NULL;
	int n = 0, i;
	size_t u = 0;

	if (!copy)
		return;
	for (p = strtok_r(copy, "\n", &save); p && n < 256; p = strtok_r(NULL, "\n", &save))
		lines[n++] = p;
	qsort(lines, n, sizeof(lines[0]), cmp_str);
	buf[0] = 0;
	for (i = 0; i < n; i++)
		u += snprintf(buf + u, size - u, "%s\n", lines[i]);
	free(copy);
}

/* The file's lines (sorted) must be exp's (sorted). */
static void expect_read(const char *path, const char *exp_in)
{
	static char got[131072], exp[131072];
	char what[160];

	snprintf(exp, sizeof(exp), "%s", exp_in);
	if (kt_read_file(path, got, sizeof(got)) < 0) {
		kt_fail("reading %s: %s", path, strerror(errno));
		return;
	}
	sort_lines(got, sizeof(got));
	sort_lines(exp, sizeof(exp));
	snprintf(what, sizeof(what), "contents of %s", path);
	if (strlen(exp) > 150 || strlen(got) > 150) {
		if (strcmp(exp, got))
			kt_fail("%s: expected %zu bytes starting \"%.60s\", got %zu bytes starting \"%.60s\"",
				what, strlen(exp), exp, strlen(got), got);
		return;
	}
	KT_EXPECT_STR(what, exp, got);
}

static int mksem(int nsems, int val, int mode)
{
	int id = semget(IPC_PRIVATE, nsems, IPC_CREAT | mode), i;
	unsigned short *v = calloc(nsems, sizeof(*v));
	union semun su = { .array = v };

	if (id < 0 || !v)
		kt_die("semget(%d): %s", nsems, strerror(errno));
	for (i = 0; i < nsems; i++)
		v[i] = val;
	if (semctl(id, 0, SETALL, su))
		kt_die_errno("SETALL");
	free(v);
	return id;
}

static void undo_op(int id, int num, int op)
{
	struct sembuf sb = { num, op, SEM_UNDO | IPC_NOWAIT };

	if (semop(id, &sb, 1))
		kt_die("semop(%d, [%d] %+d, SEM_UNDO): %s", id, num, op, strerror(errno));
}

static void expect_vals(const char *when, int id, int n, const int *exp)
{
	int i;

	for (i = 0; i < n; i++) {
		int v = semctl(id, i, GETVAL);

		if (v != exp[i])
			kt_fail("array %d [%d] %s: expected %d, got %d", id, i, when, exp[i], v);
	}
}

/* --------------------------------------------------------------- iface */
struct thr {
	pid_t tid;
	int x;
	int ok, done, quit;
};

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	char line[64];

	t->tid = gettid();
	/* a thread writes through thread-self: its list is the process's */
	snprintf(line, sizeof(line), "%d 2 2 2", t->x);
	t->ok = try_write("/proc/thread-self/semundo", line, strlen(line));
	__atomic_store_n(&t->done, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&t->quit, __ATOMIC_SEQ_CST))
		kt_sleep_ms(2);
	return NULL;
}

static void child_exit_test(int x, const char *line, const int *before, const int *after,
			    const char *what)
{
	pid_t p = fork();
	int st;

	if (p < 0)
		kt_die_errno("fork");
	if (p == 0) {
		char b[256];
		int e, k;

		/* no undo list yet (fork does not copy it) */
		if (kt_read_file("/proc/self/semundo", b, sizeof(b)) != 0)
			_exit(10);
		for (k = 0; line[k]; k += strlen(line + k) + 1) {
			e = try_write("/proc/self/semundo", line + k, strlen(line + k));
			if (e)
				_exit(11);
		}
		_exit(0);
	}
	if (kt_wait_pid(p, &st, 20) != p || !WIFEXITED(st) || WEXITSTATUS(st)) {
		kt_fail("%s: the child failed (status 0x%x: 10 its semundo was not empty, 11 a write failed)",
			what, st);
		return;
	}
	(void)before;
	expect_vals(what, x, 3, after);
}

static void iface(void)
{
	char b[512], path[96];
	int x, y, z, big, e, i, xv[3] = { 10, 10, 10 };
	const char *self = "/proc/self/semundo";
	struct thr t = { 0 };
	pthread_t th;
	pid_t kid;
	int kp[2];

	/* 1. no undo list: empty */
	expect_read(self, "");
	x = mksem(3, 10, 0600);
	y = mksem(1, 5, 0600);

	/* 2. semop SEM_UNDO shows up */
	undo_op(x, 0, -1);
	xv[0] = 9;
	snprintf(b, sizeof(b), "%d 1 0 0\n", x);
	expect_read(self, b);
	undo_op(y, 0, 2);
	snprintf(b, sizeof(b), "%d 1 0 0\n%d -2\n", x, y);
	expect_read(self, b);

	/* 3. a write sets the adjustments of one array, not the values */
	snprintf(b, sizeof(b), "%d 4 -5 6\n", x);
	expect_write(self, b, 0, 0);
	snprintf(b, sizeof(b), "%d 4 -5 6\n%d -2\n", x, y);
	expect_read(self, b);
	expect_vals("after writing its adjustments (values unchanged)", x, 3, xv);
	snprintf(b, sizeof(b), "%d\t1\t2\t3", x);		/* tabs, no newline */
	expect_write(self, b, 0, 0);
	snprintf(b, sizeof(b), "%d 1 2 3\n%d -2\n", x, y);
	expect_read(self, b);
	snprintf(b, sizeof(b), "%d 32767 -32767 0\n", x);	/* the limits */
	expect_write(self, b, 0, 0);
	snprintf(b, sizeof(b), "%d 0 0 0\n", x);		/* zeros: entry kept */
	expect_write(self, b, 0, 0);
	snprintf(b, sizeof(b), "%d 0 0 0\n%d -2\n", x, y);
	expect_read(self, b);

	/* 4. malformed input */
	snprintf(b, sizeof(b), "%d 1 2 3", x + 32768);		/* same index, other seq */
	expect_write(self, b, EINVAL, EINVAL);
	expect_write(self, "2147483647 1", EINVAL, EINVAL);
	snprintf(b, sizeof(b), "%d 1 2", x);			/* count */
	expect_write(self, b, EINVAL, EINVAL);
	snprintf(b, sizeof(b), "%d 1 2 3 4", x);
	expect_write(self, b, EINVAL, EINVAL);
	snprintf(b, sizeof(b), "%d", x);
	expect_write(self, b, EINVAL, EINVAL);
	snprintf(b, sizeof(b), "%d 32768 0 0", x);		/* range */
	expect_write(self, b, ERANGE, ERANGE);
	/* -32768: semop(SEM_UNDO) itself lets semadj reach it (-SEMAEM - 1) */
	snprintf(b, sizeof(b), "%d 0 -32768 0", x);
	expect_write(self, b, ERANGE, 0);
	snprintf(b, sizeof(b), "%d 0 0 0", x);			/* back, if it was taken */
	expect_write(self, b, 0, 0);
	snprintf(b, sizeof(b), "%d 0 -32769 0", x);
	expect_write(self, b, ERANGE, ERANGE);
	snprintf(b, sizeof(b), "%d 0 0 99999999999999999999", x);
	expect_write(self, b, ERANGE, EINVAL);
	snprintf(b, sizeof(b), "%d 1 2 x", x);			/* syntax */
	expect_write(self, b, EINVAL, EINVAL);
	snprintf(b, sizeof(b), "%d 1 2 3 junk", x);
	expect_write(self, b, EINVAL, EINVAL);
	snprintf(b, sizeof(b), "%d 1 2 3x", x);
	expect_write(self, b, EINVAL, EINVAL);
	expect_write(self, "-1 0", EINVAL, EINVAL);
	expect_write(self, "abc 0", EINVAL, EINVAL);
	expect_write(self, "\n", EINVAL, EINVAL);
	snprintf(b, sizeof(b), "%d 0 0 0\n%d 0\n", x, y);	/* one line per write */
	expect_write(self, b, EINVAL, EINVAL);
	/* a huge line (2 MiB): refused, nothing changed */
	{
		size_t len = 2 << 20, u;
		char *h = malloc(len + 1);

		if (!h)
			kt_die("malloc");
		u = snprintf(h, len, "%d", x);
		while (u + 2 < len) {
			h[u++] = ' ';
			h[u++] = '0';
		}
		h[u] = 0;
		e = try_write(self, h, u);
		if (e != EINVAL && e != EFBIG)
			kt_fail("write of a %zu-byte line to %s: expected EINVAL or EFBIG, got %s", u,
				self, err_name(e));
		free(h);
	}
	snprintf(b, sizeof(b), "%d 0 0 0\n%d -2\n", x, y);
	expect_read(self, b);
	/* a big array: a long line that is valid (3000 x "-32767") */
	big = mksem(3000, 0, 0600);
	{
		size_t len = 3000 * 8 + 32, u;
		char *h = malloc(len), *r = malloc(len + 256);

		if (!h || !r)
			kt_die("malloc");
		u = snprintf(h, len, "%d", big);
		for (i = 0; i < 3000; i++)
			u += snprintf(h + u, len - u, " %d", i % 2 ? -32767 : i);
		e = try_write(self, h, u);
		if (e)
			kt_fail("write of a %zu-byte line (3000 adjustments) to %s: expected success, got %s",
				u, self, err_name(e));
		snprintf(r, len + 256, "%s\n%d 0 0 0\n%d -2\n", h, x, y);
		expect_read(self, r);
		free(h);
		free(r);
	}
	/* a removed array: its entry disappears from the file; writing it fails */
	z = mksem(2, 3, 0600);
	undo_op(z, 1, 1);
	semctl(z, 0, IPC_RMID);
	semctl(big, 0, IPC_RMID);
	snprintf(b, sizeof(b), "%d 0 0 0\n%d -2\n", x, y);
	expect_read(self, b);
	snprintf(b, sizeof(b), "%d 1 1", z);
	expect_write(self, b, EINVAL, EIDRM);

	/* 5. a thread: thread-self works and is the process's list; another
	 *    thread's file is EPERM */
	t.x = x;
	if (pthread_create(&th, NULL, thread_main, &t))
		kt_die("pthread_create");
	while (!__atomic_load_n(&t.done, __ATOMIC_SEQ_CST))
		kt_sleep_ms(2);
	if (t.ok)
		kt_fail("a thread's write to /proc/thread-self/semundo: expected success, got %s",
			err_name(t.ok));
	snprintf(b, sizeof(b), "%d 2 2 2\n%d -2\n", x, y);
	expect_read(self, b);
	snprintf(path, sizeof(path), "/proc/self/task/%d/semundo", (int)t.tid);
	expect_read(path, b);				/* another thread's: readable */
	snprintf(b, sizeof(b), "%d 1 1 1", x);
	expect_write(path, b, EPERM, EPERM);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/semundo", (int)getpid(), (int)getpid());
	expect_write(path, b, 0, 0);			/* our own tid's file */
	__atomic_store_n(&t.quit, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);

	/* 6. another process: readable (root), not writable */
	if (pipe(kp))
		kt_die_errno("pipe");
	kid = fork();
	if (kid < 0)
		kt_die_errno("fork");
	if (kid == 0) {
		char c;

		close(kp[1]);
		undo_op(y, 0, 1);
		if (read(kp[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(kp[0]);
	snprintf(path, sizeof(path), "/proc/%d/semundo", (int)kid);
	snprintf(b, sizeof(b), "%d -1\n", y);
	for (i = 0; i < 500; i++) {	/* the child's semop */
		char g[128];

		if (kt_read_file(path, g, sizeof(g)) > 0)
			break;
		kt_sleep_ms(5);
	}
	expect_read(path, b);
	snprintf(b, sizeof(b), "%d 3", y);
	expect_write(path, b, EPERM, EPERM);
	close(kp[1]);
	waitpid(kid, NULL, 0);		/* its -1 is undone: y back to 5 + 2 (ours) */

	/* 7. what a write does: applied at exit, as semop's adjustments */
	{
		int after[3] = { 12, 10, 8 };
		char lines[64];
		size_t u;

		/* "X 3 0 -2" then exit: 9+3, 10, 10-2 */
		u = snprintf(lines, sizeof(lines), "%d 3 0 -2", x);
		lines[u + 1] = 0;
		child_exit_test(x, lines, xv, after, "after a child wrote \"X 3 0 -2\" and exited");
		/* written, then reset to zeros: nothing applied */
		u = snprintf(lines, sizeof(lines), "%d 5 5 5", x) + 1;
		u += snprintf(lines + u, sizeof(lines) - u, "%d 0 0 0", x);
		lines[u + 1] = 0;
		child_exit_test(x, lines, after, after,
				"after a child wrote \"X 5 5 5\", then \"X 0 0 0\", and exited");
	}
	semctl(x, 0, IPC_RMID);
	semctl(y, 0, IPC_RMID);
}

/* --------------------------------------------------------------- forge */
static void ids_path(char *p, size_t n)
{
	snprintf(p, n, "/tmp/%s.ids", name);
}

static int f600 = -1;

static void read_ids(int *f644, int *f666)
{
	char p[128], b[256];

	ids_path(p, sizeof(p));
	if (kt_read_file(p, b, sizeof(b)) <= 0 ||
	    sscanf(b, "sem %d %*x sem %d %*x sem %d", f644, f666, &f600) < 2)
		kt_die("%s: expected \"sem ID KEY\" lines, got none", p);
}

static void forge_setup(void)
{
	int f644 = mksem(2, 100, 0644), f666 = mksem(1, 100, 0666), g600 = mksem(1, 100, 0600);
	char p[128], b[128];
	int n = snprintf(b, sizeof(b), "sem %d 0x0\nsem %d 0x0\nsem %d 0x0\n", f644, f666, g600);

	ids_path(p, sizeof(p));
	if (kt_write_file(p, b, n))
		kt_die_errno(p);
}

static void forge(void)
{
	const char *self = "/proc/self/semundo";
	struct sembuf sb = { 0, -1, SEM_UNDO | IPC_NOWAIT };
	int f644, f666, fd;
	char b[128];

	read_ids(&f644, &f666);
	if (getuid() == 0 || geteuid() == 0)
		kt_die("forge: expected to run as an unprivileged user, got uid %d", (int)getuid());
	/* sanity: we may not alter F644 (in a child: a failed semop with
	 * SEM_UNDO still leaves a zero entry in the caller's list) */
	{
		pid_t c = fork();
		int st;

		if (c == 0)
			_exit(semop(f644, &sb, 1) == 0 ? 1 : errno == EACCES ? 0 : 2);
		if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
			kt_fail("semop SEM_UNDO on array %d (mode 0644, root's): expected EACCES, got %s",
				f644, c > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1 ? "success" : "another error");
	}
	snprintf(b, sizeof(b), "%d -50 -50", f644);
	expect_write(self, b, EACCES, EACCES);
	snprintf(b, sizeof(b), "%d 7", f666);
	expect_write(self, b, 0, 0);
	snprintf(b, sizeof(b), "%d 7\n", f666);
	expect_read(self, b);
	/* root's task (pid 1): no ptrace-read rights, not our file */
	fd = open("/proc/1/semundo", O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, b, sizeof(b));

		if (n >= 0)
			kt_fail("reading /proc/1/semundo as uid %d: expected EACCES or EPERM, got %zd bytes",
				(int)getuid(), n);
		close(fd);
	} else if (errno != EACCES && errno != EPERM) {
		kt_fail("open /proc/1/semundo as uid %d: expected EACCES or EPERM, got %s",
			(int)getuid(), strerror(errno));
	}
	snprintf(b, sizeof(b), "%d 7", f666);
	expect_write("/proc/1/semundo", b, EACCES, EPERM);
}

static void forge_check(void)
{
	int f644, f666, v644[2] = { 100, 100 }, v666[1] = { 107 };

	read_ids(&f644, &f666);
	expect_vals("(0644, root's) after the unprivileged user tried to forge -50 -50 and exited",
		    f644, 2, v644);
	expect_vals("(0666) after the unprivileged user wrote 7 and exited", f666, 1, v666);
	semctl(f644, 0, IPC_RMID);
	semctl(f666, 0, IPC_RMID);
	if (f600 >= 0)
		semctl(f600, 0, IPC_RMID);
}

/* The extreme adjustment semop() allows, -32768, survives checkpoint/restart. */
static void edge(void)
{
	struct sembuf up = { 0, 32767, SEM_UNDO | IPC_NOWAIT }, down = { 0, -1, IPC_NOWAIT },
		      one = { 0, 1, SEM_UNDO | IPC_NOWAIT };
	int id = mksem(1, 0, 0600), n;
	char p[128], b[128];

	n = snprintf(b, sizeof(b), "sem %d 0x0\n", id);
	ids_path(p, sizeof(p));
	if (kt_write_file(p, b, n))
		kt_die_errno(p);
	if (semop(id, &up, 1) || semop(id, &down, 1) || semop(id, &one, 1))
		kt_die("semop to reach semadj -32768: %s", strerror(errno));
	snprintf(b, sizeof(b), "%d -32768\n", id);
	expect_read("/proc/self/semundo", b);
	if (kt_nfail)
		kt_die("setup failed");
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	expect_read("/proc/self/semundo", b);
	KT_EXPECT_INT("the array's value after restart", 32767, semctl(id, 0, GETVAL));
	semctl(id, 0, IPC_RMID);
}

/*
 * An undo list shared with a process outside the tree: P (outside) holds
 * a SEM_UNDO entry and creates R with clone(CLONE_SYSVSEM); a checkpoint of
 * R must be refused.  /tmp/NAME.ready: P's pid; /tmp/NAME.root: R's.
 */
static void leak(void)
{
	struct sembuf sb = { 0, -1, SEM_UNDO | IPC_NOWAIT };
	int id = mksem(1, 5, 0600), n, st;
	char p[128], b[64];
	pid_t r;

	if (semop(id, &sb, 1))
		kt_die("semop SEM_UNDO: %s", strerror(errno));
	r = syscall(SYS_clone, CLONE_SYSVSEM | SIGCHLD, 0, NULL, NULL, 0);
	if (r < 0)
		kt_die_errno("clone(CLONE_SYSVSEM)");
	if (r == 0) {
		kt_set_who("R");
		kt_wait_go();
		_exit(kt_nfail ? 1 : 0);
	}
	n = snprintf(b, sizeof(b), "%d\n", (int)r);
	snprintf(p, sizeof(p), "/tmp/%s.root", name);
	if (kt_write_file(p, b, n))
		kt_die_errno(p);
	kt_ready();
	if (kt_wait_pid(r, &st, KT_GO_TIMEOUT_S + 10) != r || !WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("R: expected exit 0 after go, got status 0x%x", st);
	semctl(id, 0, IPC_RMID);
}

/*
 * A failed semop(SEM_UNDO) on an array we may neither alter nor read
 * (F600) still leaves an all-zero entry in our list (find_alloc_undo()
 * comes before the permission check): a state any process can reach,
 * which must survive checkpoint/restart (it changes nothing at exit).
 */
static void zero(void)
{
	struct sembuf sb = { 0, -1, SEM_UNDO | IPC_NOWAIT };
	int f644, f666;
	char b[128];

	read_ids(&f644, &f666);
	if (f600 < 0)
		kt_die("no third array in the ids file");
	if (semop(f600, &sb, 1) == 0 || errno != EACCES)
		kt_die("semop SEM_UNDO on root's 0600 array %d: expected EACCES, got %s", f600,
		       errno ? strerror(errno) : "success");
	if (semop(f666, &sb, 1))
		kt_die("semop SEM_UNDO on %d: %s", f666, strerror(errno));
	if (kt_read_file("/proc/self/semundo", b, sizeof(b)) < 0)
		kt_die_errno("/proc/self/semundo");
	kt_msg("# zero: /proc/self/semundo before the checkpoint: %s", b);
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	expect_read("/proc/self/semundo", b);
}

static void hold(void)
{
	struct sembuf sb = { 0, -1, SEM_UNDO | IPC_NOWAIT };
	int f644, f666;
	char b[64];

	read_ids(&f644, &f666);
	if (semop(f666, &sb, 1))
		kt_die("semop SEM_UNDO on %d: %s", f666, strerror(errno));
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	snprintf(b, sizeof(b), "%d 1\n", f666);
	expect_read("/proc/self/semundo", b);
}

int main(int argc, char **argv)
{
	if (argc != 3 || strlen(argv[1]) > 40)
		goto usage;
	snprintf(name, sizeof(name), "%s", argv[1]);
	kt_start(name);
	if (!strcmp(argv[2], "iface"))
		iface();
	else if (!strcmp(argv[2], "forge-setup"))
		forge_setup();
	else if (!strcmp(argv[2], "forge"))
		forge();
	else if (!strcmp(argv[2], "forge-check"))
		forge_check();
	else if (!strcmp(argv[2], "hold"))
		hold();
	else if (!strcmp(argv[2], "edge"))
		edge();
	else if (!strcmp(argv[2], "leak"))
		leak();
	else if (!strcmp(argv[2], "zero"))
		zero();
	else
		goto usage;
	kt_done();
usage:
	kt_msg("usage: semundo_proc NAME iface|forge-setup|forge|forge-check|hold|edge|leak|zero");
	return 2;
}
