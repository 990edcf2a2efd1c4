// SPDX-License-Identifier: GPL-2.0
/*
 * ghost MODE: deleted files and memfds, checked after restart.
 *   fd      a deleted file with a hole, open three times (two descriptions
 *           sharing nothing but the inode, one O_APPEND) plus a dup:
 *           offsets, flags, mode, contents, one inode, in /tmp again
 *   shared  a deleted file held by a parent and its child through two
 *           open file descriptions: a write by one is seen by the other
 *   map     deleted files mapped MAP_SHARED and MAP_PRIVATE, one with an
 *           fd left and one without: COWed pages, shared writes seen
 *           through the fd and the other way round
 *   limit   a deleted file of 5 MiB (refused by default, saved with a
 *           larger --ghost-limit)
 *   memfd   memfds: name, close-on-exec, seals, contents, offset, a
 *           shared mapping of the same inode as the fd
 *   exe     a copy of this program that deleted itself (its text is a
 *           mapping of a deleted file, with no fd)
 *   leak, link, dir   refused (see mode_refuse)
 * Exits 0 only if everything is as it was.
 */
#include "kcrtest.h"
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define PG		4096
#define HOLE_AT		(200 * 1024)

static char pat(size_t i, int seed)
{
	return (char)('a' + (i * 7 + seed) % 26);
}

static void fill(char *buf, size_t n, size_t base, int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = pat(base + i, seed);
}

/* Compare n bytes of fd at off with the pattern (or zeros if seed < 0). */
static void check_bytes(const char *what, int fd, off_t off, size_t n, int seed)
{
	static char buf[65536];
	size_t i, got;

	if (n > sizeof(buf))
		n = sizeof(buf);
	got = pread(fd, buf, n, off);
	if (got != n) {
		kt_fail("%s: expected %zu bytes at %lld, got %zd", what, n,
			(long long)off, (ssize_t)got);
		return;
	}
	for (i = 0; i < n; i++) {
		char want = seed < 0 ? 0 : pat(off + i, seed);

		if (buf[i] != want) {
			kt_fail("%s: byte %lld: expected 0x%02x, got 0x%02x", what,
				(long long)(off + i), want & 0xff, buf[i] & 0xff);
			return;
		}
	}
}

static int make_file(const char *path, size_t data, off_t size, int seed)
{
	static char buf[65536];
	size_t done = 0;
	int fd;

	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		kt_die_errno(path);
	while (done < data) {
		size_t n = data - done < sizeof(buf) ? data - done : sizeof(buf);

		fill(buf, n, done, seed);
		if (pwrite(fd, buf, n, done) != (ssize_t)n)
			kt_die_errno("pwrite");
		done += n;
	}
	if (ftruncate(fd, size) < 0)
		kt_die_errno("ftruncate");
	return fd;
}

static void check_link(const char *what, int fd, const char *want)
{
	char p[64], got[512];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, got, sizeof(got) - 1);
	if (n < 0) {
		kt_fail("%s: readlink: %s", what, strerror(errno));
		return;
	}
	got[n] = 0;
	KT_EXPECT_STR(what, want, got);
}

static void check_deleted(const char *what, int fd)
{
	char p[64], got[512];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, got, sizeof(got) - 1);
	got[n < 0 ? 0 : n] = 0;
	if (n < 10 || strcmp(got + n - 10, " (deleted)"))
		kt_fail("%s: link expected \"... (deleted)\", got \"%s\"", what, got);
}

/* ------------------------------------------------------------ fd */

static void mode_fd(void)
{
	const char *path = "/tmp/ghost_fd.dat";
	struct stat a, b, tmp;
	int rw, ro, ap, dupfd;
	char buf[8];

	rw = make_file(path, 100000, HOLE_AT + 10, 1);
	if (pwrite(rw, "TAIL", 4, HOLE_AT) != 4)
		kt_die_errno("pwrite tail");
	ro = open(path, O_RDONLY | O_NONBLOCK);
	ap = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (ro < 0 || ap < 0)
		kt_die_errno("open");
	dupfd = dup(rw);
	if (fchmod(rw, 0640) < 0 || unlink(path) < 0)
		kt_die_errno("fchmod/unlink");
	lseek(rw, 1234, SEEK_SET);
	lseek(ro, 777, SEEK_SET);

	kt_ready();
	kt_wait_go();
	kt_after_restart();

	if (fstat(rw, &a) < 0 || fstat(ro, &b) < 0 || stat("/tmp", &tmp) < 0)
		kt_die_errno("fstat");
	KT_EXPECT_U64("nlink", 0, a.st_nlink);
	KT_EXPECT_U64("mode", S_IFREG | 0640, a.st_mode);
	KT_EXPECT_U64("size", HOLE_AT + 10, a.st_size);
	KT_EXPECT_U64("same inode for both open files", a.st_ino, b.st_ino);
	KT_EXPECT_U64("created in /tmp's file system", tmp.st_dev, a.st_dev);
	KT_EXPECT_INT("rw offset", 1234, (int)lseek(rw, 0, SEEK_CUR));
	KT_EXPECT_INT("ro offset", 777, (int)lseek(ro, 0, SEEK_CUR));
	KT_EXPECT_INT("dup shares the offset", 1234, (int)lseek(dupfd, 0, SEEK_CUR));
	KT_EXPECT_INT("rw flags", O_RDWR, fcntl(rw, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	KT_EXPECT_INT("ro flags", O_RDONLY | O_NONBLOCK,
		      fcntl(ro, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	KT_EXPECT_INT("append flags", O_WRONLY | O_APPEND,
		      fcntl(ap, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	KT_EXPECT_INT("append cloexec", FD_CLOEXEC, fcntl(ap, F_GETFD));
	KT_EXPECT_INT("rw not cloexec", 0, fcntl(rw, F_GETFD));
	check_deleted("rw link", rw);
	check_bytes("contents", ro, 0, 65536, 1);
	check_bytes("contents 2", ro, 65536, 100000 - 65536, 1);
	check_bytes("hole", ro, 100000, HOLE_AT - 100000, -1);
	if (pread(ro, buf, 4, HOLE_AT) != 4 || memcmp(buf, "TAIL", 4))
		kt_fail("tail: expected TAIL at %d", HOLE_AT);
	/* one inode: a write through one is read through the other */
	if (write(ap, "APPENDED", 8) != 8)
		kt_fail("append write: %s", strerror(errno));
	if (pread(ro, buf, 8, HOLE_AT + 10) != 8 || memcmp(buf, "APPENDED", 8))
		kt_fail("append: expected APPENDED at the end, seen through the other fd");
	kt_done();
}

/* ------------------------------------------------------------ shared */

static int wait_bytes(int fd, off_t off, const char *want)
{
	size_t n = strlen(want);
	char buf[32];
	int i;

	for (i = 0; i < 1000; i++) {
		if (pread(fd, buf, n, off) == (ssize_t)n && !memcmp(buf, want, n))
			return 0;
		usleep(10000);
	}
	return -1;
}

static void mode_shared(void)
{
	const char *path = "/tmp/ghost_shared.dat";
	int pfd, cfd, st;
	pid_t child;

	pfd = make_file(path, 4096, 4096, 2);
	cfd = open(path, O_RDWR);
	if (cfd < 0)
		kt_die_errno("open");
	if (unlink(path) < 0)
		kt_die_errno("unlink");
	child = fork();
	if (child < 0)
		kt_die_errno("fork");
	if (!child) {
		close(pfd);
		lseek(cfd, 99, SEEK_SET);
		while (!kt_go_exists())
			usleep(10000);
		if (lseek(cfd, 0, SEEK_CUR) != 99)
			_exit(3);
		if (wait_bytes(cfd, 0, "PARENT"))
			_exit(4);
		if (pwrite(cfd, "CHILD!", 6, 100) != 6)
			_exit(5);
		_exit(0);
	}
	close(cfd);
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	check_bytes("contents", pfd, 6, 94, 2);
	if (pwrite(pfd, "PARENT", 6, 0) != 6)
		kt_fail("pwrite: %s", strerror(errno));
	if (wait_bytes(pfd, 100, "CHILD!"))
		kt_fail("the child's write: expected CHILD! at 100, never seen");
	if (waitpid(child, &st, 0) != child)
		kt_fail("waitpid: %s", strerror(errno));
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("child: expected exit 0, got status 0x%x (3 offset, 4 parent's write unseen, 5 write)",
			st);
	kt_done();
}

/* ------------------------------------------------------------ map */

static void check_mem(const char *what, const char *p, size_t base, size_t n,
		      int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != pat(base + i, seed)) {
			kt_fail("%s: byte %zu: expected 0x%02x, got 0x%02x", what,
				base + i, pat(base + i, seed) & 0xff, p[i] & 0xff);
			return;
		}
}

static void mode_map(void)
{
	char *sh, *pr, *osh, *opr, buf[16];
	int fd, ofd;

	/* with an fd: shared and private mappings of 3 pages */
	fd = make_file("/tmp/ghost_map.dat", 3 * PG, 3 * PG, 3);
	ofd = make_file("/tmp/ghost_map2.dat", 2 * PG, 2 * PG, 4);
	sh = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	pr = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	/* and one with no fd left: only mapped */
	osh = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, ofd, 0);
	opr = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, ofd, 0);
	if (sh == MAP_FAILED || pr == MAP_FAILED || osh == MAP_FAILED ||
	    opr == MAP_FAILED)
		kt_die_errno("mmap");
	close(ofd);
	unlink("/tmp/ghost_map.dat");
	unlink("/tmp/ghost_map2.dat");
	memcpy(pr + PG, "PRIVATE", 7);		/* a COWed page */
	memcpy(sh + 2 * PG, "SHARED", 6);	/* in the file */
	memcpy(osh + 10, "ONLYMAP", 7);

	kt_ready();
	kt_wait_go();
	kt_after_restart();

	check_mem("shared page 0", sh, 0, PG, 3);
	if (pread(fd, buf, 6, 2 * PG) != 6 || memcmp(buf, "SHARED", 6))
		kt_fail("a write through the shared mapping: not in the file");
	if (memcmp(pr + PG, "PRIVATE", 7))
		kt_fail("private COWed page: lost");
	check_mem("private COWed page, rest", pr + PG + 7, PG + 7, PG - 7, 3);
	check_mem("private page 0", pr, 0, PG, 3);
	/* shared both ways after restart */
	memcpy(sh + 5, "AFTER", 5);
	if (pread(fd, buf, 5, 5) != 5 || memcmp(buf, "AFTER", 5))
		kt_fail("shared mapping after restart: write not seen through the fd");
	if (pwrite(fd, "BYFD", 4, PG + 100) != 4 || memcmp(sh + PG + 100, "BYFD", 4))
		kt_fail("fd write after restart: not seen through the shared mapping");
	if (!memcmp(pr + PG + 100, "BYFD", 4))
		kt_fail("fd write after restart: seen through the private COWed page");
	/* the mapping with no fd */
	if (memcmp(osh + 10, "ONLYMAP", 7))
		kt_fail("mapping-only file: shared write lost");
	check_mem("mapping-only file", osh + PG, PG, PG, 4);
	if (memcmp(opr + 10, "ONLYMAP", 7))
		kt_fail("mapping-only file: private mapping does not share the inode");
	memcpy(osh + 20, "X", 1);
	if (opr[20] != 'X')
		kt_fail("mapping-only file: private and shared mappings of two inodes");
	kt_done();
}

/* ------------------------------------------------------------ limit */

static void mode_limit(void)
{
	int fd = make_file("/tmp/ghost_limit.dat", 300000, 5 << 20, 5);

	unlink("/tmp/ghost_limit.dat");
	lseek(fd, 4242, SEEK_SET);
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	check_bytes("contents", fd, 0, 65536, 5);
	check_bytes("contents end", fd, 300000 - 1000, 1000, 5);
	check_bytes("hole", fd, 300000, 65536, -1);
	KT_EXPECT_U64("size", 5 << 20, (uint64_t)lseek(fd, 0, SEEK_END));
	kt_done();
}

/* ------------------------------------------------------------ memfd */

static void mode_memfd(void)
{
	int sealed, plain, ro, i;
	char *map, buf[16];

	sealed = memfd_create("kcr-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	plain = memfd_create("plain", 0);
	ro = memfd_create("ro", MFD_ALLOW_SEALING);
	if (sealed < 0 || plain < 0 || ro < 0)
		kt_die_errno("memfd_create");
	for (i = 0; i < 3; i++) {
		char page[PG];

		fill(page, PG, i * PG, 6);
		if (write(sealed, page, PG) != PG)
			kt_die_errno("write");
	}
	map = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, sealed, 0);
	if (map == MAP_FAILED)
		kt_die_errno("mmap");
	memcpy(map + PG, "VIAMAP", 6);
	if (fcntl(sealed, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
		kt_die_errno("F_ADD_SEALS");
	lseek(sealed, 100, SEEK_SET);
	if (write(plain, "plain data", 10) != 10 || write(ro, "read only", 9) != 9)
		kt_die_errno("write");
	if (fcntl(ro, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		kt_die_errno("F_ADD_SEALS ro");

	kt_ready();
	kt_wait_go();
	kt_after_restart();

	check_link("name", sealed, "/memfd:kcr-test (deleted)");
	check_link("plain name", plain, "/memfd:plain (deleted)");
	KT_EXPECT_INT("cloexec", FD_CLOEXEC, fcntl(sealed, F_GETFD));
	KT_EXPECT_INT("plain not cloexec", 0, fcntl(plain, F_GETFD));
	KT_EXPECT_INT("seals", F_SEAL_SHRINK | F_SEAL_GROW,
		      fcntl(sealed, F_GET_SEALS));
	KT_EXPECT_INT("plain seals", F_SEAL_SEAL, fcntl(plain, F_GET_SEALS));
	KT_EXPECT_INT("ro seals", F_SEAL_WRITE | F_SEAL_SEAL, fcntl(ro, F_GET_SEALS));
	KT_EXPECT_INT("offset", 100, (int)lseek(sealed, 0, SEEK_CUR));
	KT_EXPECT_INT("flags", O_RDWR, fcntl(sealed, F_GETFL) & O_ACCMODE);
	KT_EXPECT_INT("size", 3 * PG, (int)lseek(sealed, 0, SEEK_END));
	lseek(sealed, 100, SEEK_SET);
	if (ftruncate(sealed, 4 * PG) == 0 || errno != EPERM)
		kt_fail("F_SEAL_GROW: expected EPERM growing it, got %s",
			strerror(errno));
	if (pwrite(ro, "x", 1, 0) == 1 || errno != EPERM)
		kt_fail("F_SEAL_WRITE: expected EPERM writing, got %s",
			strerror(errno));
	check_bytes("page 0", sealed, 0, PG, 6);
	if (pread(sealed, buf, 6, PG) != 6 || memcmp(buf, "VIAMAP", 6))
		kt_fail("a write through the mapping: not in the memfd");
	if (pread(plain, buf, 10, 0) != 10 || memcmp(buf, "plain data", 10))
		kt_fail("plain memfd contents");
	/* the mapping and the fd share one inode */
	if (pwrite(sealed, "BYFD", 4, 2 * PG) != 4 || memcmp(map + 2 * PG, "BYFD", 4))
		kt_fail("fd write after restart: not seen through the mapping");
	memcpy(map + 8, "MAPW", 4);
	if (pread(sealed, buf, 4, 8) != 4 || memcmp(buf, "MAPW", 4))
		kt_fail("mapping write after restart: not seen through the fd");
	kt_done();
}

/* ------------------------------------------------------------ refusals */

/*
 * Refused, then run on: "leak" a deleted file the test opens from outside
 * through /proc/PID/fd/3; "link" a deleted name of a file with another
 * link; "dir" a deleted directory.
 */
static void mode_refuse(const char *what)
{
	int fd = -1;

	if (!strcmp(what, "leak")) {
		fd = make_file("/tmp/ghost_leak.dat", 100, 100, 7);
		unlink("/tmp/ghost_leak.dat");
	} else if (!strcmp(what, "link")) {
		fd = make_file("/tmp/ghost_link.dat", 100, 100, 7);
		unlink("/tmp/ghost_link2.dat");
		if (link("/tmp/ghost_link.dat", "/tmp/ghost_link2.dat") < 0)
			kt_die_errno("link");
		unlink("/tmp/ghost_link.dat");
	} else {
		rmdir("/tmp/ghost_dir.d");
		if (mkdir("/tmp/ghost_dir.d", 0700) < 0)
			kt_die_errno("mkdir");
		fd = open("/tmp/ghost_dir.d", O_RDONLY | O_DIRECTORY);
		rmdir("/tmp/ghost_dir.d");
	}
	if (fd != 3)
		kt_die("fd: expected 3, got %d", fd);
	kt_ready();
	kt_wait_go();
	unlink("/tmp/ghost_link2.dat");
	kt_done();
}

/* A copy of this program, exec'ed, that deletes itself: the mapped text. */
static void mode_exe(int argc, char **argv)
{
	static char buf[1 << 16];
	int in, out;
	ssize_t n;

	if (argc < 3) {
		in = open("/proc/self/exe", O_RDONLY);
		unlink("/tmp/ghost_exe.bin");
		out = open("/tmp/ghost_exe.bin", O_WRONLY | O_CREAT | O_EXCL, 0755);
		if (in < 0 || out < 0)
			kt_die_errno("copying the program");
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, n) != n)
				kt_die_errno("write");
		close(in);
		close(out);
		execl("/tmp/ghost_exe.bin", "ghost", "exe", "run", (char *)NULL);
		kt_die_errno("exec");
	}
	if (unlink("/tmp/ghost_exe.bin") < 0)
		kt_die_errno("unlink");
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	{
		static char maps[65536];

		if (kt_read_file("/proc/self/maps", maps, sizeof(maps)) < 0 ||
		    !strstr(maps, "r-xp") || !strstr(maps, " (deleted)"))
			kt_fail("maps: expected the text mapped from a deleted file, got:\n%s",
				maps);
	}
	kt_done();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	char name[32];

	snprintf(name, sizeof(name), "ghost_%s", mode);
	if (!strcmp(mode, "memfd"))
		snprintf(name, sizeof(name), "memfd");
	kt_start(strdup(name));
	if (!strcmp(mode, "fd"))
		mode_fd();
	if (!strcmp(mode, "shared"))
		mode_shared();
	if (!strcmp(mode, "map"))
		mode_map();
	if (!strcmp(mode, "limit"))
		mode_limit();
	if (!strcmp(mode, "memfd"))
		mode_memfd();
	if (!strcmp(mode, "exe"))
		mode_exe(argc, argv);
	if (!strcmp(mode, "leak") || !strcmp(mode, "link") || !strcmp(mode, "dir"))
		mode_refuse(mode);
	kt_die("usage: ghost fd|shared|map|limit|memfd");
}
