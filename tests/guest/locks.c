// SPDX-License-Identifier: GPL-2.0
/*
 * locks: file locks held by a tree, restored on the same files and ranges
 * with the same type and owner.
 *   locks flock|posix|ofd|shared|wait [NAME]  the tree of test lock_MODE
 *                 (NAME, default lock_MODE); after restart its members check the locks
 *                 from inside, write /tmp/NAME.restored and wait for
 *                 /tmp/NAME.go2 (the driver probes from outside meanwhile)
 *   locks lease NAME  holds a read lease (F_SETLEASE): checkpoint must refuse
 *   locks mapped NAME holds flock LOCK_EX through a file it only maps now
 *                 (its fd closed): checkpoint must refuse, not lose the lock
 *   locks hold PATH   holds flock LOCK_EX on PATH, writes PATH.held
 *   locks probe flock PATH sh|ex
 *   locks probe posix|ofd PATH r|w START LEN
 *                 from outside: prints "free", or "busy" (flock), or
 *                 "busy TYPE PID" (F_GETLK, F_OFD_GETLK: r or w, and pid)
 * Files are /tmp/NAME.a, /tmp/NAME.b.  KCRTEST_BREAK=unlock (selfcheck)
 * drops the locks where a restart would happen.
 */
#include "kcrtest.h"
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static char name[64], path_a[96], path_b[96];

static int xopen(const char *p, int flags)
{
	int fd = open(p, flags | O_CREAT, 0644);

	if (fd < 0)
		kt_die_errno(p);
	return fd;
}

static int posix_lock(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET,
			    .l_start = start, .l_len = len };

	return fcntl(fd, cmd, &fl);
}

/* F_GETLK / F_OFD_GETLK: the conflicting type (F_UNLCK if none) and pid */
static short get_lock(int fd, int cmd, short type, off_t start, off_t len,
		      pid_t *pid)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET,
			    .l_start = start, .l_len = len };

	if (fcntl(fd, cmd, &fl))
		kt_die_errno("F_GETLK");
	*pid = fl.l_pid;
	return fl.l_type;
}

static const char *tname(short t)
{
	return t == F_RDLCK ? "read" : t == F_WRLCK ? "write" :
	       t == F_UNLCK ? "none" : "?";
}

static void expect_getlk(const char *what, int fd, int cmd, short type,
			 off_t start, off_t len, short exp_type, pid_t exp_pid)
{
	pid_t pid;
	short t = get_lock(fd, cmd, type, start, len, &pid);

	if (t != exp_type)
		kt_fail("%s: expected conflicting lock %s, got %s", what,
			tname(exp_type), tname(t));
	else if (t != F_UNLCK && pid != exp_pid)
		kt_fail("%s: expected owner pid %d, got %d", what,
			(int)exp_pid, (int)pid);
}

/* flock(fd, op | LOCK_NB) must succeed (exp 0) or fail EWOULDBLOCK (exp 1) */
static void expect_flock(const char *what, int fd, int op, int exp_busy)
{
	int r = flock(fd, op | LOCK_NB);

	if (r && errno != EWOULDBLOCK)
		kt_fail("%s: flock: expected 0 or EWOULDBLOCK, got %s", what,
			strerror(errno));
	else if (!!r != exp_busy)
		kt_fail("%s: expected the lock to be %s, got %s", what,
			exp_busy ? "busy" : "free", r ? "busy" : "free");
}

static ino_t ino_of(const char *p)
{
	struct stat st;

	if (stat(p, &st))
		kt_die_errno(p);
	return st.st_ino;
}

/* /proc/locks lines "CLASS ADVISORY TYPE PID dev:INO START END" for ino */
static int proc_locks_count(const char *cls, const char *type, long pid,
			    ino_t ino, const char *range)
{
	static char buf[65536];
	char *line, *save;
	int n = 0;

	if (kt_read_file("/proc/locks", buf, sizeof(buf)) < 0)
		kt_die_errno("/proc/locks");
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char c[16], adv[16], t[16], dev[64], r1[32], r2[32], rng[80];
		long p;
		char *colon;

		if (strstr(line, "->"))	/* a blocked request */
			continue;
		if (sscanf(line, "%*d: %15s %15s %15s %ld %63s %31s %31s",
			   c, adv, t, &p, dev, r1, r2) != 7)
			continue;
		colon = strrchr(dev, ':');
		if (!colon || strtoul(colon + 1, NULL, 10) != ino)
			continue;
		snprintf(rng, sizeof(rng), "%s %s", r1, r2);
		if (!strcmp(c, cls) && !strcmp(t, type) && p == pid &&
		    (!range || !strcmp(rng, range)))
			n++;
	}
	return n;
}

static void expect_proc_lock(const char *cls, const char *type, long pid,
			     const char *p, const char *range, int exp)
{
	int n = proc_locks_count(cls, type, pid, ino_of(p), range);

	if (n != exp)
		kt_fail("/proc/locks: %s %s pid %ld on %s bytes %s: expected %d line(s), got %d",
			cls, type, pid, p, range ? range : "*", exp, n);
}

static int probe(int argc, char **argv)
{
	int fd, r, op;
	short t;
	pid_t pid;

	if (argc < 5)
		return 2;
	fd = open(argv[3], O_RDWR);
	if (fd < 0)
		return 2;
	if (!strcmp(argv[2], "flock")) {
		op = !strcmp(argv[4], "ex") ? LOCK_EX : LOCK_SH;
		r = flock(fd, op | LOCK_NB);
		printf("%s\n", r ? "busy" : "free");
		return 0;
	}
	if (argc < 7)
		return 2;
	t = get_lock(fd, !strcmp(argv[2], "ofd") ? F_OFD_GETLK : F_GETLK,
		     argv[4][0] == 'w' ? F_WRLCK : F_RDLCK, atol(argv[5]),
		     atol(argv[6]), &pid);
	if (t == F_UNLCK)
		printf("free\n");
	else
		printf("busy %c %d\n", t == F_WRLCK ? 'w' : 'r', (int)pid);
	return 0;
}

/* hold LOCK_EX on path (outside the tree), say so in path.held, sleep */
static int hold(const char *path)
{
	char p[128];
	int fd = open(path, O_RDWR);

	if (fd < 0 || flock(fd, LOCK_EX))
		return 3;
	snprintf(p, sizeof(p), "%s.held", path);
	if (kt_write_file(p, "1\n", 2))
		return 3;
	for (;;)
		pause();
}

/* the end of every tree mode: the driver probes, then we exit */
static void wait_go2(void)
{
	char p[128];
	int i;

	snprintf(p, sizeof(p), "/tmp/%s.restored", name);
	if (kt_write_file(p, "1\n", 2))
		kt_die_errno("restored file");
	snprintf(p, sizeof(p), "/tmp/%s.go2", name);
	for (i = 0; access(p, F_OK); i++) {
		if (i > 30000)
			kt_die("go2: expected %s, got timeout", p);
		kt_sleep_ms(10);
	}
}

static void reap(pid_t c, const char *who)
{
	int st;
	char buf[64];

	if (kt_wait_pid(c, &st, 60) != c)
		kt_die("%s: did not end", who);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("%s: expected exit 0, got %s", who,
			kt_status_str(st, buf, sizeof(buf)));
}

/* a child of the tree: waits for the restart, then checks from inside */
static pid_t spawn(void (*fn)(void))
{
	pid_t c = fork();

	if (c < 0)
		kt_die_errno("fork");
	if (!c) {
		kt_set_who("child");
		fn();
		exit(kt_nfail ? 1 : 0);
	}
	return c;
}

static void wait_restart(void)
{
	kt_wait_go();
	/* the driver touches go before the restart, the restored tree sees it */
}

/* ------------------------------------------------------------ flock */

static void flock_child(void)
{
	int a, b;

	wait_restart();
	a = xopen(path_a, O_RDWR);
	b = xopen(path_b, O_RDONLY);
	expect_flock("a (shared by the root) LOCK_SH", a, LOCK_SH, 0);
	expect_flock("a (shared by the root) LOCK_EX", a, LOCK_EX, 1);
	expect_flock("b (exclusive) LOCK_SH", b, LOCK_SH, 1);
	close(a);
	close(b);
}

static void run_flock(void)
{
	int a = xopen(path_a, O_RDWR), b = xopen(path_b, O_RDWR);
	pid_t c;

	if (flock(a, LOCK_SH) || flock(b, LOCK_EX))
		kt_die_errno("flock");
	c = spawn(flock_child);
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_broken("unlock")) {
		flock(a, LOCK_UN);
		flock(b, LOCK_UN);
	}
	reap(c, "child");
	expect_proc_lock("FLOCK", "READ", getpid(), path_a, "0 EOF", 1);
	expect_proc_lock("FLOCK", "WRITE", getpid(), path_b, "0 EOF", 1);
	wait_go2();
}

/* ------------------------------------------------------------ posix */

static pid_t posix_root;

static void posix_child(void)
{
	int fd = 3;	/* inherited: the root's fd 3 */
	int own;

	/* our own POSIX lock, through the inherited file */
	if (posix_lock(fd, F_SETLK, F_WRLCK, 200, 10))
		kt_die_errno("child F_SETLK");
	wait_restart();
	own = xopen(path_a, O_RDWR);
	expect_getlk("write 0-9", own, F_GETLK, F_WRLCK, 0, 1, F_WRLCK,
		     posix_root);
	expect_getlk("read 20-29 vs read", own, F_GETLK, F_RDLCK, 20, 1,
		     F_UNLCK, 0);
	expect_getlk("read 20-29 vs write", own, F_GETLK, F_WRLCK, 25, 1,
		     F_RDLCK, posix_root);
	expect_getlk("hole 50", own, F_GETLK, F_WRLCK, 50, 1, F_UNLCK, 0);
	expect_getlk("write 1000-EOF", own, F_GETLK, F_WRLCK, 100000, 1,
		     F_WRLCK, posix_root);
	if (!posix_lock(own, F_SETLK, F_RDLCK, 5, 1))
		kt_fail("F_SETLK read on 5: expected EAGAIN, got success");
	/* ours, restored with our fd table: no conflict for us */
	expect_getlk("own 200-209", own, F_GETLK, F_WRLCK, 205, 1, F_UNLCK, 0);
	wait_go2();
}

static void run_posix(void)
{
	int fd = xopen(path_a, O_RDWR);
	char buf[32];
	pid_t c;
	int n;

	if (fd != 3)
		kt_die("fd: expected 3, got %d", fd);
	posix_root = getpid();
	if (posix_lock(fd, F_SETLK, F_WRLCK, 0, 10) ||
	    posix_lock(fd, F_SETLK, F_RDLCK, 20, 10) ||
	    posix_lock(fd, F_SETLK, F_WRLCK, 1000, 0))
		kt_die_errno("F_SETLK");
	c = spawn(posix_child);
	n = snprintf(buf, sizeof(buf), "%d\n", (int)c);
	snprintf(path_b, sizeof(path_b), "/tmp/%s.child", name);
	kt_write_file(path_b, buf, n);
	/* until the child holds its lock */
	for (n = 0; proc_locks_count("POSIX", "WRITE", c, ino_of(path_a),
				     "200 209") != 1; n++) {
		if (n > 3000)
			kt_die("child lock: expected it within 30 s, got none");
		kt_sleep_ms(10);
	}
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_broken("unlock"))
		posix_lock(fd, F_SETLK, F_UNLCK, 0, 0);
	expect_proc_lock("POSIX", "WRITE", getpid(), path_a, "0 9", 1);
	expect_proc_lock("POSIX", "READ", getpid(), path_a, "20 29", 1);
	expect_proc_lock("POSIX", "WRITE", getpid(), path_a, "1000 EOF", 1);
	/* the child's lock, from us: its pid */
	expect_getlk("the child's 200-209", fd, F_GETLK, F_WRLCK, 200, 1,
		     F_WRLCK, c);
	expect_proc_lock("POSIX", "WRITE", c, path_a, "200 209", 1);
	wait_go2();
	reap(c, "child");
}

/* ------------------------------------------------------------ ofd */

static void ofd_child(void)
{
	int own;

	wait_restart();
	own = xopen(path_a, O_RDWR);
	expect_getlk("ofd write 0-99", own, F_OFD_GETLK, F_WRLCK, 50, 1,
		     F_WRLCK, -1);
	expect_getlk("ofd read 200-299 vs read", own, F_OFD_GETLK, F_RDLCK,
		     250, 1, F_UNLCK, 0);
	if (!posix_lock(own, F_OFD_SETLK, F_WRLCK, 250, 1))
		kt_fail("F_OFD_SETLK write on 250: expected EAGAIN, got success");
	/* the inherited descriptions own the locks: no conflict for them */
	expect_getlk("fd 3 (owner) on 0-99", 3, F_OFD_GETLK, F_WRLCK, 50, 1,
		     F_UNLCK, 0);
	close(own);
}

static void run_ofd(void)
{
	int fd1 = xopen(path_a, O_RDWR), fd2 = xopen(path_a, O_RDWR);
	pid_t c;

	if (fd1 != 3 || fd2 != 4)
		kt_die("fds: expected 3 4, got %d %d", fd1, fd2);
	if (posix_lock(fd1, F_OFD_SETLK, F_WRLCK, 0, 100) ||
	    posix_lock(fd2, F_OFD_SETLK, F_RDLCK, 200, 100))
		kt_die_errno("F_OFD_SETLK");
	if (dup2(fd1, 7) != 7)
		kt_die_errno("dup2");
	c = spawn(ofd_child);
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_broken("unlock"))
		posix_lock(fd1, F_OFD_SETLK, F_UNLCK, 0, 0);
	reap(c, "child");
	/* fd2 is another description: fd1's lock conflicts with it */
	expect_getlk("fd 4 vs fd 3's 0-99", fd2, F_OFD_GETLK, F_WRLCK, 10, 1,
		     F_WRLCK, -1);
	expect_getlk("fd 7 (dup of 3) on 0-99", 7, F_OFD_GETLK, F_WRLCK, 10,
		     1, F_UNLCK, 0);
	expect_proc_lock("OFDLCK", "WRITE", -1, path_a, "0 99", 1);
	expect_proc_lock("OFDLCK", "READ", -1, path_a, "200 299", 1);
	wait_go2();
}

/* ------------------------------------------------------------ shared */

static void shared_child(void)
{
	/* fd 3 inherited: the same description as the root's */
	if (flock(3, LOCK_EX))
		kt_die_errno("child flock");
	wait_restart();
	expect_flock("inherited fd, LOCK_EX again", 3, LOCK_EX, 0);
	wait_go2();
	close(3);
}

static void run_shared(void)
{
	int fd = xopen(path_a, O_RDWR), other, n;
	pid_t c;

	if (fd != 3)
		kt_die("fd: expected 3, got %d", fd);
	c = spawn(shared_child);
	for (n = 0; proc_locks_count("FLOCK", "WRITE", c, ino_of(path_a),
				     "0 EOF") != 1; n++) {
		if (n > 3000)
			kt_die("child lock: expected it within 30 s, got none");
		kt_sleep_ms(10);
	}
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_broken("unlock"))
		flock(fd, LOCK_UN);
	/* one lock, once: restored by the root, the first holder */
	expect_proc_lock("FLOCK", "WRITE", getpid(), path_a, "0 EOF", 1);
	expect_proc_lock("FLOCK", "WRITE", c, path_a, "0 EOF", 0);
	expect_flock("the root's fd (same description) LOCK_EX", fd, LOCK_EX, 0);
	other = xopen(path_a, O_RDONLY);
	expect_flock("another description LOCK_SH", other, LOCK_SH, 1);
	/* the lock stays while the child still holds the description */
	close(fd);
	expect_flock("after the root's close, LOCK_SH", other, LOCK_SH, 1);
	wait_go2();
	reap(c, "child");
	expect_flock("after both closed, LOCK_SH", other, LOCK_SH, 0);
}

/* ------------------------------------------------------------ wait */

static void wait_child(void)
{
	int fd = xopen(path_a, O_RDWR);

	kt_msg("# child: waiting for the lock");
	/* blocked here at checkpoint; waits again after restart */
	if (flock(fd, LOCK_EX))
		kt_die_errno("child flock");
	if (!kt_selfcheck && !kt_go_exists())
		kt_fail("child: got the lock before the restart");
	close(fd);
}

static void run_wait(void)
{
	int fd = xopen(path_a, O_RDWR), n;
	pid_t c;
	long sc;

	if (flock(fd, LOCK_EX))
		kt_die_errno("flock");
	c = spawn(wait_child);
	for (n = 0; (sc = kt_task_syscall(c, c)) != SYS_flock; n++) {
		if (n > 3000)
			kt_die("child: expected it blocked in flock, got syscall %ld",
			       sc);
		kt_sleep_ms(10);
	}
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	kt_sleep_ms(300);
	sc = kt_task_syscall(c, c);
	if (sc != SYS_flock)
		kt_fail("child after restart: expected blocked in flock (%d), got %ld",
			SYS_flock, sc);
	expect_proc_lock("FLOCK", "WRITE", getpid(), path_a, "0 EOF", 1);
	wait_go2();
	flock(fd, LOCK_UN);
	reap(c, "child");
}

/* ------------------------------------------------------------ lease */

static void run_lease(void)
{
	int fd = xopen(path_a, O_RDONLY);
	struct timespec step = { 0, 10 * 1000 * 1000 };

	if (fcntl(fd, F_SETLEASE, F_RDLCK))
		kt_die_errno("F_SETLEASE");
	kt_ready();
	while (!kt_go_exists())
		nanosleep(&step, NULL);
	if (fcntl(fd, F_GETLEASE) != F_RDLCK)
		kt_fail("lease after the refused checkpoint: expected F_RDLCK, got %d",
			fcntl(fd, F_GETLEASE));
}

/* ------------------------------------------- locks only another holder keeps */

static void wait_go_step(void)
{
	struct timespec step = { 0, 10 * 1000 * 1000 };

	kt_ready();
	while (!kt_go_exists())
		nanosleep(&step, NULL);
}

static void run_mapped(void)
{
	int fd = xopen(path_a, O_RDWR), probe_fd;
	char *p;

	if (ftruncate(fd, 4096))
		kt_die_errno("ftruncate");
	if (flock(fd, LOCK_EX))
		kt_die_errno("flock");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		kt_die_errno("mmap");
	close(fd);
	p[0] = 1;
	probe_fd = xopen(path_a, O_RDWR);
	if (flock(probe_fd, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK)
		kt_die("flock through the mapping: not held after close");
	wait_go_step();
	if (flock(probe_fd, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK)
		kt_fail("flock through the mapping: gone after the refused checkpoint");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "probe"))
		return probe(argc, argv);
	if (!strcmp(mode, "hold") && argc > 2)
		return hold(argv[2]);
	if (argc > 2)
		snprintf(name, sizeof(name), "%s", argv[2]);
	else
		snprintf(name, sizeof(name), "lock_%s", mode);
	snprintf(path_a, sizeof(path_a), "/tmp/%s.a", name);
	snprintf(path_b, sizeof(path_b), "/tmp/%s.b", name);
	kt_start(name);
	kt_set_who("root");
	if (!strcmp(mode, "flock"))
		run_flock();
	else if (!strcmp(mode, "posix"))
		run_posix();
	else if (!strcmp(mode, "ofd"))
		run_ofd();
	else if (!strcmp(mode, "shared"))
		run_shared();
	else if (!strcmp(mode, "wait"))
		run_wait();
	else if (!strcmp(mode, "lease"))
		run_lease();
	else if (!strcmp(mode, "mapped"))
		run_mapped();
	else
		kt_die("mode: expected flock posix ofd shared wait lease mapped, got %s",
		       mode);
	kt_done();
}
