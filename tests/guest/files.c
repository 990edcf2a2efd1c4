// SPDX-License-Identifier: GPL-2.0
/*
 * files: the fd table survives checkpoint/restart.
 *
 *   0 1 2  the console (the driver starts us with 0/1/2 on /dev/console):
 *          same device, same termios, and a write to stdout works after
 *          restart (one informational line "# files: ...");
 *   7      /tmp/files.rw O_RDWR at offset 1234;  42 = dup(7): same open file
 *          (reading through 42 moves 7; kcmp says equal);
 *   8      /tmp/files.rw opened again O_RDONLY at offset 100: independent;
 *   9      /tmp/files.app O_WRONLY|O_APPEND ("first\n" written before, a
 *          write after restart appends);
 *   10     /tmp/files.ro O_RDONLY|O_NONBLOCK with FD_CLOEXEC, offset 5;
 *   11     /dev/null O_WRONLY;  12 /dev/zero O_RDONLY;  1000 = dup(12);
 *   13 14  a pipe holding "hello" (read after restart; the two ends are
 *          still one pipe);
 *   15 16  a 256 KiB pipe holding 150000 bytes (several PIPE_DATA chunks),
 *          read end O_NONBLOCK;
 *   17     the directory /tmp/files.dir (openat through it works);
 *   50     our log /tmp/files.out (O_APPEND).
 * Every fd's F_GETFL, F_GETFD and position (/proc/self/fdinfo), the set of
 * open fds and their /proc/self/fd targets (pipe inodes compared by
 * identity) are unchanged.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <dirent.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <linux/kcmp.h>

#define RW_LEN 4096
#define BIGPIPE_LEN 150000
#define NFDS 64

static const int fds[] = { 0, 1, 2, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 42, 50, 1000 };
#define NEXP (int)(sizeof(fds) / sizeof(fds[0]))

struct fdstate {
	int fl, fd_flags;
	long long pos;
	char target[256];
};
static struct fdstate st0[NEXP], st1[NEXP];
static char fdlist0[4096], fdlist1[4096];
static struct stat con_st0[3];
static struct termios con_tio0[3];
static int con_tty0[3];
static unsigned char bigdata[BIGPIPE_LEN];

static unsigned char rw_byte(long off)
{
	return (unsigned char)('a' + (off * 7 + off / 26) % 26);
}

/* Replace pipe:[ino] by pipe:#N, N by order of first appearance. */
static void canon_pipes(char *targets[], int n)
{
	char seen[NFDS][64];
	int nseen = 0, i, j;

	for (i = 0; i < n; i++) {
		if (strncmp(targets[i], "pipe:[", 6))
			continue;
		for (j = 0; j < nseen; j++)
			if (!strcmp(seen[j], targets[i]))
				break;
		if (j == nseen && nseen < NFDS)
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", targets[i]);
		snprintf(targets[i], 256, "pipe:#%d", j);
	}
}

static void snapshot(struct fdstate *st, char *list, size_t listsize)
{
	char path[64], buf[1024], *targets[NEXP];
	DIR *d;
	struct dirent *de;
	int i, n, nums[NFDS], nnums = 0;
	size_t used = 0;

	for (i = 0; i < NEXP; i++) {
		ssize_t len;
		char *p;

		st[i].fl = fcntl(fds[i], F_GETFL);
		st[i].fd_flags = fcntl(fds[i], F_GETFD);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[i]);
		len = readlink(path, st[i].target, sizeof(st[i].target) - 1);
		st[i].target[len < 0 ? 0 : len] = 0;
		targets[i] = st[i].target;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fds[i]);
		st[i].pos = -1;
		if (kt_read_file(path, buf, sizeof(buf)) > 0 && (p = strstr(buf, "pos:")))
			st[i].pos = strtoll(p + 4, NULL, 10);
	}
	canon_pipes(targets, NEXP);

	/* the list of open fds, sorted (the directory stream's own fd excluded) */
	d = opendir("/proc/self/fd");
	if (!d) {
		snprintf(list, listsize, "(opendir: %s)", strerror(errno));
		return;
	}
	while ((de = readdir(d)) && nnums < NFDS) {
		if (de->d_name[0] == '.')
			continue;
		n = atoi(de->d_name);
		if (n == dirfd(d))
			continue;
		for (i = nnums; i > 0 && nums[i - 1] > n; i--)
			nums[i] = nums[i - 1];
		nums[i] = n;
		nnums++;
	}
	closedir(d);
	list[0] = 0;
	for (i = 0; i < nnums; i++)
		used += snprintf(list + used, listsize - used, "%d ", nums[i]);
}

static void place(int fd, int want)
{
	if (fd < 0)
		kt_die("open for fd %d: %s", want, strerror(errno));
	if (fd == want)
		return;
	if (dup2(fd, want) != want)
		kt_die("dup2 to %d: %s", want, strerror(errno));
	close(fd);
}

static void read_expect(int fd, const char *what, const char *want)
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	buf[n < 0 ? 0 : n] = 0;
	if (n < 0)
		kt_fail("%s: expected \"%s\", got error %s", what, want, strerror(errno));
	else
		KT_EXPECT_STR(what, want, buf);
}

int main(void)
{
	static char rw[RW_LEN];
	int p[2], i, log, fd;
	char buf[256], what[128];
	long off;

	kt_start("files");
	log = open("/tmp/files.out", O_WRONLY | O_CREAT | O_APPEND, 0644);
	place(log, 50);
	kt_log_fd = 50;

	for (i = 0; i < 3; i++) {
		if (fstat(i, &con_st0[i]))
			kt_die("fd %d (console) not open: %s", i, strerror(errno));
		con_tty0[i] = isatty(i);
		if (con_tty0[i])
			tcgetattr(i, &con_tio0[i]);
	}

	for (off = 0; off < RW_LEN; off++)
		rw[off] = rw_byte(off);
	fd = open("/tmp/files.rw", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, rw, RW_LEN) != RW_LEN)
		kt_die_errno("creating /tmp/files.rw");
	place(fd, 7);
	lseek(7, 1234, SEEK_SET);
	if (dup2(7, 42) != 42)
		kt_die_errno("dup2 42");
	place(open("/tmp/files.rw", O_RDONLY), 8);
	lseek(8, 100, SEEK_SET);

	place(open("/tmp/files.app", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644), 9);
	if (write(9, "first\n", 6) != 6)
		kt_die_errno("write files.app");

	fd = open("/tmp/files.ro", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "0123456789", 10) != 10 || close(fd))
		kt_die_errno("creating /tmp/files.ro");
	place(open("/tmp/files.ro", O_RDONLY | O_NONBLOCK | O_CLOEXEC), 10);
	if (fcntl(10, F_SETFD, FD_CLOEXEC))	/* dup2 dropped it */
		kt_die_errno("F_SETFD");
	lseek(10, 5, SEEK_SET);

	place(open("/dev/null", O_WRONLY), 11);
	place(open("/dev/zero", O_RDONLY), 12);
	if (dup2(12, 1000) != 1000)
		kt_die_errno("dup2 1000");

	if (pipe(p))
		kt_die_errno("pipe");
	place(p[0], 13);
	place(p[1], 14);
	if (write(14, "hello", 5) != 5)
		kt_die_errno("write pipe");

	if (pipe(p))
		kt_die_errno("pipe");
	place(p[0], 15);
	place(p[1], 16);
	if (fcntl(16, F_SETPIPE_SZ, 256 << 10) < (256 << 10))
		kt_die_errno("F_SETPIPE_SZ");
	for (i = 0; i < BIGPIPE_LEN; i++)
		bigdata[i] = (unsigned char)(i * 31 + (i >> 8));
	if (write(16, bigdata, BIGPIPE_LEN) != BIGPIPE_LEN)
		kt_die_errno("write big pipe");
	if (fcntl(15, F_SETFL, O_NONBLOCK))
		kt_die_errno("F_SETFL O_NONBLOCK");

	if (mkdir("/tmp/files.dir", 0755) && errno != EEXIST)
		kt_die_errno("mkdir /tmp/files.dir");
	fd = open("/tmp/files.dir/inside", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "inside\n", 7) != 7 || close(fd))
		kt_die_errno("creating /tmp/files.dir/inside");
	place(open("/tmp/files.dir", O_RDONLY | O_DIRECTORY), 17);

	snapshot(st0, fdlist0, sizeof(fdlist0));
	kt_ready();
	kt_wait_go();

	/* ---- after restart ---- */
	snapshot(st1, fdlist1, sizeof(fdlist1));
	kt_after_restart();

	KT_EXPECT_STR("open fds", fdlist0, fdlist1);
	for (i = 0; i < NEXP; i++) {
		snprintf(what, sizeof(what), "fd %d F_GETFL", fds[i]);
		KT_EXPECT_U64(what, st0[i].fl, st1[i].fl);
		snprintf(what, sizeof(what), "fd %d F_GETFD", fds[i]);
		KT_EXPECT_U64(what, st0[i].fd_flags, st1[i].fd_flags);
		snprintf(what, sizeof(what), "fd %d position", fds[i]);
		KT_EXPECT_INT(what, st0[i].pos, st1[i].pos);
		snprintf(what, sizeof(what), "fd %d target", fds[i]);
		KT_EXPECT_STR(what, st0[i].target, st1[i].target);
	}

	/* console */
	for (i = 0; i < 3; i++) {
		struct stat s;
		struct termios t;

		snprintf(what, sizeof(what), "fd %d (console) device", i);
		if (fstat(i, &s)) {
			kt_fail("%s: expected open, got %s", what, strerror(errno));
			continue;
		}
		KT_EXPECT_U64(what, con_st0[i].st_rdev, s.st_rdev);
		snprintf(what, sizeof(what), "fd %d (console) isatty", i);
		KT_EXPECT_INT(what, con_tty0[i], isatty(i));
		if (con_tty0[i] && !tcgetattr(i, &t)) {
			snprintf(what, sizeof(what), "fd %d (console) termios c_lflag", i);
			KT_EXPECT_U64(what, con_tio0[i].c_lflag, t.c_lflag);
			snprintf(what, sizeof(what), "fd %d (console) termios c_cflag", i);
			KT_EXPECT_U64(what, con_tio0[i].c_cflag, t.c_cflag);
		}
	}
	{
		static const char line[] = "# files: stdout (the console) works after restart\n";

		KT_EXPECT_INT("write to stdout", (int)sizeof(line) - 1,
			      write(1, line, sizeof(line) - 1));
	}

	/* regular files and shared offsets */
	KT_EXPECT_INT("fd 7 offset", 1234, lseek(7, 0, SEEK_CUR));
	KT_EXPECT_INT("fd 42 offset", 1234, lseek(42, 0, SEEK_CUR));
	if (read(42, buf, 10) != 10 || memcmp(buf, rw + 1234, 10))
		kt_fail("read fd 42: expected the file bytes at 1234, got something else");
	KT_EXPECT_INT("fd 7 offset after reading 10 bytes through fd 42 (shared)", 1244,
		      lseek(7, 0, SEEK_CUR));
	KT_EXPECT_INT("fd 8 offset (separate open file, must not move)", 100,
		      lseek(8, 0, SEEK_CUR));
	if (read(8, buf, 10) != 10 || memcmp(buf, rw + 100, 10))
		kt_fail("read fd 8: expected the file bytes at 100, got something else");
	if (write(7, "XY", 2) != 2)
		kt_fail("write fd 7 (O_RDWR): %s", strerror(errno));
	if (pread(8, buf, 2, 1244) != 2 || memcmp(buf, "XY", 2))
		kt_fail("write through fd 7: expected \"XY\" in the file at 1244, got other bytes");
	{
		long r = syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, 7, 42);

		if (r < 0 && errno == ENOSYS) {
			kt_msg("# files: no kcmp, skipped");
		} else {
			KT_EXPECT_INT("kcmp(KCMP_FILE, 7, 42)", 0, r);
			KT_EXPECT_INT("kcmp(KCMP_FILE, 7, 8) != 0", 1,
				      syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, 7, 8) != 0);
		}
	}
	if (write(9, "second\n", 7) != 7)
		kt_fail("write fd 9 (O_APPEND): %s", strerror(errno));
	if (kt_read_file("/tmp/files.app", buf, sizeof(buf)) < 0)
		buf[0] = 0;
	KT_EXPECT_STR("/tmp/files.app", "first\nsecond\n", buf);
	read_expect(10, "read fd 10 (O_RDONLY at 5)", "56789");
	if (write(10, "x", 1) != -1)
		kt_fail("write to O_RDONLY fd 10: expected EBADF, got success");

	/* devices */
	KT_EXPECT_INT("write /dev/null", 100, write(11, bigdata, 100));
	memset(buf, 1, 64);
	KT_EXPECT_INT("read /dev/zero", 64, read(12, buf, 64));
	for (i = 0; i < 64; i++)
		if (buf[i]) {
			kt_fail("read /dev/zero: expected zeros, got 0x%02x", buf[i]);
			break;
		}
	memset(buf, 1, 64);
	KT_EXPECT_INT("read fd 1000 (/dev/zero)", 64, read(1000, buf, 64));
	KT_EXPECT_INT("fd 1000 reads zero", 0, buf[7]);

	/* pipes */
	{
		int n = -1;

		ioctl(13, FIONREAD, &n);
		KT_EXPECT_INT("FIONREAD of the \"hello\" pipe", 5, n);
		read_expect(13, "read the pipe", "hello");
		if (write(14, "again", 5) != 5)
			kt_fail("write pipe after restart: %s", strerror(errno));
		read_expect(13, "read the pipe after writing its other end", "again");
	}
	{
		static unsigned char got[BIGPIPE_LEN + 1];
		size_t have = 0;
		ssize_t n;

		KT_EXPECT_INT("F_GETPIPE_SZ", 256 << 10, fcntl(15, F_GETPIPE_SZ));
		while (have <= BIGPIPE_LEN && (n = read(15, got + have, BIGPIPE_LEN + 1 - have)) > 0)
			have += n;
		KT_EXPECT_INT("bytes in the big pipe", BIGPIPE_LEN, have);
		if (have == BIGPIPE_LEN && memcmp(got, bigdata, BIGPIPE_LEN))
			kt_fail("big pipe data: expected the written pattern, got different bytes");
	}

	/* directory */
	fd = openat(17, "inside", O_RDONLY);
	if (fd < 0) {
		kt_fail("openat(fd 17 = /tmp/files.dir, \"inside\"): %s", strerror(errno));
	} else {
		read_expect(fd, "file opened through the directory fd", "inside\n");
		close(fd);
	}
	kt_done();
}
