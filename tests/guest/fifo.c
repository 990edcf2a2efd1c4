// SPDX-License-Identifier: GPL-2.0
/*
 * fifo MODE NAME: FIFOs, pipes reopened through /proc, O_PATH files.
 *
 *   data     a FIFO /tmp/NAME.fifo with buffered data: the root reads it,
 *            its child writes it (two processes); after restart the data is
 *            there, the child writes more, closes: the root reads EOF.
 *   shared   one open file of the FIFO shared by the root and its child
 *            (inherited by fork), and one of the child's own: after restart
 *            the child's F_SETFL on the shared one shows in the root's fd.
 *   rdwr     one process: the FIFO opened O_RDWR, plus an O_RDONLY and an
 *            O_WRONLY open file of it (several open files of one FIFO);
 *            the O_RDWR one holds a flock() lock.
 *   unlinked the same, with the FIFO's name unlinked before the checkpoint
 *            (restored as an anonymous pipe: same data, same open files).
 *   reopen   an anonymous pipe whose ends were reopened through
 *            /proc/self/fd: a second read end and a read-write file.
 *   opath    O_PATH files of a regular file, a directory, a symlink
 *            (O_NOFOLLOW), a FIFO, a socket node and /dev/null.
 *   reader   opens the FIFO O_RDONLY|O_NONBLOCK only; the driver writes
 *            "hello\n" into it (and closes) before the checkpoint: after
 *            restart the data is there, then EOF (rights test: restart
 *            needs the restored task's write permission to put it back).
 *   hold     opens /tmp/NAME.fifo O_RDWR and waits (refusal tests).
 *   sync     opens /tmp/NAME.fifo O_RDWR|O_DSYNC and waits (refused).
 *   proc1    opens /proc/1/stat (of a process outside the tree) and waits.
 *
 * fifo mksock PATH makes a socket node at PATH (for the driver).
 *
 * Every open file is checked after restart: its flags, that it is the same
 * pipe as the others (data written in one is read from another), that the
 * counts of readers and writers are right (EOF once every writer closed,
 * no internal file left open), and for named nodes the inode at the path.
 */
#include "kcrtest.h"
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#define DATA_LEN	10000

static char fifo_path[128];

static void fill(char *buf, size_t len, int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)('a' + (i * 7 + seed) % 26);
}

/* Read exactly len bytes (fd may be non-blocking: poll with sleeps). */
static void expect_data(const char *what, int fd, size_t len, int seed)
{
	static char got[DATA_LEN], exp[DATA_LEN];
	size_t done = 0;
	int tries = 0;

	fill(exp, len, seed);
	while (done < len && tries < 500) {
		ssize_t n = read(fd, got + done, len - done);

		if (n > 0) {
			done += n;
			continue;
		}
		if (n == 0)
			break;
		if (errno != EAGAIN) {
			kt_fail("%s: read: %s", what, strerror(errno));
			return;
		}
		tries++;
		kt_sleep_ms(10);
	}
	if (done != len) {
		kt_fail("%s: expected %zu bytes, got %zu", what, len, done);
		return;
	}
	if (memcmp(got, exp, len))
		kt_fail("%s: the bytes read are not the ones written", what);
}

static void put_data(const char *what, int fd, size_t len, int seed)
{
	static char buf[DATA_LEN];

	fill(buf, len, seed);
	if (write(fd, buf, len) != (ssize_t)len)
		kt_fail("%s: write: %s", what, strerror(errno));
}

/* A non-blocking read of an empty pipe: 0 (EOF, no writer) or -EAGAIN. */
static void expect_empty(const char *what, int fd, int eof)
{
	int fl = fcntl(fd, F_GETFL);
	char c;
	ssize_t n;

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	n = read(fd, &c, 1);
	fcntl(fd, F_SETFL, fl);
	if (eof && n != 0)
		kt_fail("%s: expected EOF (no writer left), got %zd (%s)", what,
			n, n < 0 ? strerror(errno) : "data");
	if (!eof && !(n < 0 && errno == EAGAIN))
		kt_fail("%s: expected EAGAIN (empty, a writer left), got %zd (%s)",
			what, n, n < 0 ? strerror(errno) : "data");
}

static void expect_flags(const char *what, int fd, int flags)
{
	int fl = fcntl(fd, F_GETFL);

	/* O_LARGEFILE is forced on 64-bit, not the test's business */
	KT_EXPECT_U64(what, flags, fl & ~0100000);
}

static ino_t ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* fd is an open file of the FIFO at fifo_path (reopened by path) */
static void expect_node(const char *what, int fd)
{
	struct stat a, b;
	char w[96];

	if (fstat(fd, &a) || stat(fifo_path, &b)) {
		kt_fail("%s: stat: %s", what, strerror(errno));
		return;
	}
	snprintf(w, sizeof(w), "%s: inode (the FIFO's)", what);
	KT_EXPECT_U64(w, b.st_ino, a.st_ino);
	snprintf(w, sizeof(w), "%s: a FIFO", what);
	KT_EXPECT_U64(w, 1, S_ISFIFO(a.st_mode));
}

/* Wait until fd (a pipe) holds len bytes. */
static void wait_buffered(int fd, int len)
{
	int i, n;

	for (i = 0; i < 1000; i++) {
		n = 0;
		if (!ioctl(fd, FIONREAD, &n) && n == len)
			return;
		kt_sleep_ms(10);
	}
}

static int mode_data(const char *name)
{
	int fd, st;
	pid_t child;

	child = fork();
	if (child < 0)
		kt_die_errno("fork");
	if (!child) {
		kt_set_who("writer");
		fd = open(fifo_path, O_WRONLY);		/* blocks for the reader */
		if (fd < 0)
			kt_die_errno("open O_WRONLY");
		put_data("before", fd, DATA_LEN, 1);
		kt_wait_go();
		expect_flags("f_flags", fd, O_WRONLY);
		expect_node("the FIFO", fd);
		put_data("after", fd, 100, 2);
		close(fd);
		kt_done();
	}
	fd = open(fifo_path, O_RDONLY);
	if (fd < 0)
		kt_die_errno("open O_RDONLY");
	wait_buffered(fd, DATA_LEN);
	if (kt_broken("data"))
		expect_data("break", fd, 5, 1);
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	expect_flags("reader: f_flags", fd, O_RDONLY);
	expect_node("reader", fd);
	expect_data("reader: data buffered at checkpoint", fd, DATA_LEN, 1);
	if (kt_wait_pid(child, &st, 60) != child)
		kt_fail("writer: did not exit");
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("writer: exit status 0x%x", st);
	expect_data("reader: data written after restart", fd, 100, 2);
	expect_empty("reader, the writer gone", fd, 1);
	(void)name;
	return 0;
}

static int mode_shared(void)
{
	int rw, wo, st;
	pid_t child;

	rw = open(fifo_path, O_RDWR);	/* never blocks */
	if (rw < 0)
		kt_die_errno("open O_RDWR");
	child = fork();
	if (child < 0)
		kt_die_errno("fork");
	if (!child) {
		kt_set_who("child");
		wo = open(fifo_path, O_WRONLY);
		if (wo < 0)
			kt_die_errno("open O_WRONLY");
		put_data("wo: before", wo, 1000, 11);
		kt_wait_go();
		expect_flags("shared rw: f_flags", rw, O_RDWR);
		expect_flags("wo: f_flags", wo, O_WRONLY);
		expect_node("shared rw", rw);
		expect_node("wo", wo);
		/* on the open file the root holds too */
		if (fcntl(rw, F_SETFL, O_NONBLOCK))
			kt_fail("F_SETFL: %s", strerror(errno));
		put_data("shared rw: after", rw, 200, 12);
		close(wo);
		kt_done();
	}
	wait_buffered(rw, 1000);
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	if (kt_wait_pid(child, &st, 60) != child)
		kt_fail("child: did not exit");
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("child: exit status 0x%x", st);
	expect_flags("root: the child's F_SETFL on the shared open file", rw,
		     O_RDWR | O_NONBLOCK);
	expect_node("root: shared rw", rw);
	expect_data("root: the child's data from before", rw, 1000, 11);
	expect_data("root: the child's data from after", rw, 200, 12);
	expect_empty("root: rw, itself a writer", rw, 0);
	return 0;
}

/*
 * rdwr and unlinked: O_RDWR (with a flock() lock),
 * O_RDONLY|O_NONBLOCK|O_NOFOLLOW, O_WRONLY|O_APPEND files
 */
static int mode_rdwr(int unlinked)
{
	int rw, ro, wo;

	rw = open(fifo_path, O_RDWR);
	ro = open(fifo_path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
	wo = open(fifo_path, O_WRONLY | O_APPEND);
	if (rw < 0 || ro < 0 || wo < 0)
		kt_die_errno("open the FIFO");
	if (unlinked && unlink(fifo_path))
		kt_die_errno("unlink");
	if (flock(rw, LOCK_EX | LOCK_NB))
		kt_die_errno("flock");
	put_data("rw: before", rw, 3000, 3);
	put_data("wo: before", wo, 3000, 4);
	if (kt_broken("count"))
		close(wo);
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	expect_flags("rw: f_flags", rw, O_RDWR);
	expect_flags("ro: f_flags", ro, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
	expect_flags("wo: f_flags", wo, O_WRONLY | O_APPEND);
	if (!unlinked) {
		expect_node("rw", rw);
		expect_node("ro", ro);
		expect_node("wo", wo);
	} else {
		struct stat st;

		KT_EXPECT_U64("unlinked: still no name", 1,
			    stat(fifo_path, &st) < 0 && errno == ENOENT);
		KT_EXPECT_U64("unlinked: rw is a FIFO", 1,
			    !fstat(rw, &st) && S_ISFIFO(st.st_mode));
	}
	KT_EXPECT_U64("ro: rw's flock() lock is held", 1,
		      flock(ro, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK);
	KT_EXPECT_U64("rw: its flock() lock is held", 0,
		      flock(rw, LOCK_EX | LOCK_NB));
	KT_EXPECT_U64("ro and rw: one pipe (inode)", ino_of(rw), ino_of(ro));
	KT_EXPECT_U64("wo and rw: one pipe (inode)", ino_of(rw), ino_of(wo));
	expect_data("ro: data written by rw", ro, 3000, 3);
	expect_data("rw: data written by wo", rw, 3000, 4);
	put_data("wo: after", wo, 500, 5);
	expect_data("ro: data written by wo after restart", ro, 500, 5);
	expect_empty("ro, writers left", ro, 0);
	close(wo);
	expect_empty("ro, rw still writes", ro, 0);
	close(rw);
	expect_empty("ro, every writer closed", ro, 1);
	return 0;
}

static int mode_reopen(void)
{
	char path[64];
	int p[2], r2, rw;

	if (pipe(p))
		kt_die_errno("pipe");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	r2 = open(path, O_RDONLY | O_NONBLOCK);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
	rw = open(path, O_RDWR);
	if (r2 < 0 || rw < 0)
		kt_die_errno("reopen through /proc/self/fd");
	put_data("write end: before", p[1], 2000, 6);
	put_data("rw: before", rw, 2000, 7);
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	expect_flags("read end: f_flags", p[0], O_RDONLY);
	expect_flags("write end: f_flags", p[1], O_WRONLY);
	expect_flags("second read end: f_flags", r2, O_RDONLY | O_NONBLOCK);
	expect_flags("rw: f_flags", rw, O_RDWR);
	KT_EXPECT_U64("second read end: the same pipe", ino_of(p[0]), ino_of(r2));
	KT_EXPECT_U64("rw: the same pipe", ino_of(p[0]), ino_of(rw));
	KT_EXPECT_U64("write end: the same pipe", ino_of(p[0]), ino_of(p[1]));
	expect_data("second read end", r2, 2000, 6);
	expect_data("rw reads what rw wrote", rw, 2000, 7);
	put_data("rw: after", rw, 100, 8);
	expect_data("read end: what rw wrote after", p[0], 100, 8);
	close(p[1]);
	expect_empty("read end, rw still writes", p[0], 0);
	close(rw);
	expect_empty("second read end, every writer closed", r2, 1);
	expect_empty("read end, every writer closed", p[0], 1);
	return 0;
}

struct opath_case {
	const char *what;
	char path[128];
	int flags;
	int fd;
	struct stat st;		/* lstat of the path */
};

static int mode_opath(const char *name)
{
	struct opath_case c[6];
	struct sockaddr_un sun;
	char buf[256], link[160];
	unsigned int i;
	int s, fd;

	memset(c, 0, sizeof(c));
	c[0].what = "regular file";
	snprintf(c[0].path, sizeof(c[0].path), "/tmp/%s.file", name);
	c[1].what = "directory";
	snprintf(c[1].path, sizeof(c[1].path), "/tmp/%s.dir", name);
	c[1].flags = O_DIRECTORY;
	c[2].what = "symlink";
	snprintf(c[2].path, sizeof(c[2].path), "/tmp/%s.link", name);
	c[2].flags = O_NOFOLLOW;
	c[3].what = "FIFO";
	snprintf(c[3].path, sizeof(c[3].path), "/tmp/%s.fifo", name);
	c[4].what = "socket node";
	snprintf(c[4].path, sizeof(c[4].path), "/tmp/%s.sock", name);
	c[5].what = "/dev/null";
	snprintf(c[5].path, sizeof(c[5].path), "/dev/null");

	if (kt_write_file(c[0].path, "content\n", 8) ||
	    mkdir(c[1].path, 0700) || symlink(c[0].path, c[2].path))
		kt_die_errno("make the nodes");
	/* the FIFO is made by the driver */
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/%s.sock", name);
	if (s < 0 || bind(s, (struct sockaddr *)&sun, sizeof(sun)))
		kt_die_errno("bind the socket node");
	close(s);	/* the node stays */

	for (i = 0; i < 6; i++) {
		c[i].fd = open(c[i].path, O_PATH | c[i].flags);
		if (c[i].fd < 0 || lstat(c[i].path, &c[i].st))
			kt_die("open O_PATH %s: %s", c[i].path, strerror(errno));
	}
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	for (i = 0; i < 6; i++) {
		struct stat st;
		char w[96];
		ssize_t n;

		snprintf(w, sizeof(w), "%s: f_flags", c[i].what);
		expect_flags(w, c[i].fd, O_PATH | c[i].flags);
		if (fstatat(c[i].fd, "", &st, AT_EMPTY_PATH)) {
			kt_fail("%s: fstatat: %s", c[i].what, strerror(errno));
			continue;
		}
		snprintf(w, sizeof(w), "%s: inode", c[i].what);
		KT_EXPECT_U64(w, c[i].st.st_ino, st.st_ino);
		snprintf(w, sizeof(w), "%s: mode", c[i].what);
		KT_EXPECT_U64(w, c[i].st.st_mode, st.st_mode);
		snprintf(link, sizeof(link), "/proc/self/fd/%d", c[i].fd);
		n = readlink(link, buf, sizeof(buf) - 1);
		buf[n < 0 ? 0 : n] = 0;
		snprintf(w, sizeof(w), "%s: path", c[i].what);
		kt_expect_str(w, c[i].path, buf);
		/* O_PATH: no I/O */
		snprintf(w, sizeof(w), "%s: read fails EBADF", c[i].what);
		KT_EXPECT_U64(w, 1, read(c[i].fd, buf, 1) < 0 && errno == EBADF);
	}
	/* the directory works as a dirfd */
	fd = openat(c[1].fd, ".", O_RDONLY | O_DIRECTORY);
	KT_EXPECT_U64("directory: usable as a dirfd", 1, fd >= 0);
	if (fd >= 0)
		close(fd);
	return 0;
}

static int mode_reader(void)
{
	int fd = open(fifo_path, O_RDONLY | O_NONBLOCK);
	char buf[16];

	if (fd < 0)
		kt_die_errno("open O_RDONLY");
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	expect_flags("reader: f_flags", fd, O_RDONLY | O_NONBLOCK);
	expect_node("reader", fd);
	memset(buf, 0, sizeof(buf));
	KT_EXPECT_U64("reader: the bytes buffered at checkpoint", 6,
		      read(fd, buf, sizeof(buf)));
	kt_expect_str("reader: data", "hello\n", buf);
	expect_empty("reader: no writer", fd, 1);
	return 0;
}

static int mode_hold(int how)
{
	int fd = how == 1 ? open("/proc/1/stat", O_RDONLY) :
		 open(fifo_path, O_RDWR | (how == 2 ? O_DSYNC : 0));

	if (fd < 0)
		kt_die_errno("open O_RDWR");
	kt_ready();
	kt_wait_go();
	return 0;
}

static int mksock(const char *path)
{
	struct sockaddr_un sun;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (s < 0 || bind(s, (struct sockaddr *)&sun, sizeof(sun))) {
		perror(path);
		return -1;
	}
	close(s);	/* the node stays */
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode, *name;

	/* fifo mksock PATH: a socket node at PATH (for the driver) */
	if (argc == 3 && !strcmp(argv[1], "mksock"))
		return mksock(argv[2]) ? 1 : 0;
	if (argc != 3) {
		fprintf(stderr, "usage: fifo data|shared|rdwr|unlinked|reopen|opath|reader|hold|sync|proc1 NAME\n");
		return 2;
	}
	mode = argv[1];
	name = argv[2];
	kt_start(name);
	snprintf(fifo_path, sizeof(fifo_path), "/tmp/%s.fifo", name);
	if (!strcmp(mode, "data"))
		mode_data(name);
	else if (!strcmp(mode, "shared"))
		mode_shared();
	else if (!strcmp(mode, "rdwr"))
		mode_rdwr(0);
	else if (!strcmp(mode, "unlinked"))
		mode_rdwr(1);
	else if (!strcmp(mode, "reopen"))
		mode_reopen();
	else if (!strcmp(mode, "opath"))
		mode_opath(name);
	else if (!strcmp(mode, "reader"))
		mode_reader();
	else if (!strcmp(mode, "hold"))
		mode_hold(0);
	else if (!strcmp(mode, "sync"))
		mode_hold(2);
	else if (!strcmp(mode, "proc1"))
		mode_hold(1);
	else
		kt_die("unknown mode %s", mode);
	kt_done();
}
