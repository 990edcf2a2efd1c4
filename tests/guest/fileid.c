// SPDX-License-Identifier: GPL-2.0
/*
 * fileid NAME [-n] [-p FILE] [-s FILE] [-f FILE] [-r FILE] [-c DIR] [-t|-T FILE]:
 * a process holding files by path, for the driver's tests of file
 * identities, of the one-lookup reopen, of the rights a restart opens them
 * with, of the exe link and of paths that are not reachable at checkpoint
 * (t_fileid_*, run-tests.sh).
 *   -n       not restarted: no kt_after_restart() check (a checkpoint
 *            that is refused leaves the program running as it was)
 *   -p FILE  a MAP_PRIVATE PROT_READ mapping of FILE (its fd closed)
 *   -s FILE  a MAP_SHARED PROT_READ|PROT_WRITE mapping of FILE, opened
 *            O_RDWR (its fd closed)
 *   -f FILE  an fd of FILE open O_RDWR
 *   -r FILE  an fd of FILE open O_RDONLY
 *   -c DIR   the cwd
 *   -t FILE  a tree: open FILE O_RDONLY (as root), fork; the child drops
 *            to uid/gid 1000 (setresgid, setresuid); both keep the fd,
 *            the same open file, and wait for the go file.
 *   -T FILE  the same tree, FILE unlinked once open (a deleted file)
 * Every file's first byte and the cwd are noted at start.  After the go
 * file: the same bytes read through the mappings and fds (nothing is
 * written: the files must keep their size and mtime), the same cwd,
 * kt_after_restart(); then /tmp/NAME.exe gets what readlink(/proc/self/exe)
 * says ("ERR errno" if it fails), and the exit status is 0 iff every check
 * passed (the child's status too).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/mman.h>

#include "kcrtest.h"

struct held {
	char kind;		/* p, s, f, r, t */
	const char *path;
	int fd;
	unsigned char *map;
	unsigned char first;
};

static struct held held[8];
static int nheld;
static char cwd0[4096];

static void hold(char kind, const char *path)
{
	struct held *h = &held[nheld++];
	int flags = (kind == 's' || kind == 'f') ? O_RDWR : O_RDONLY;

	h->kind = kind;
	h->path = path;
	h->fd = open(path, flags);
	if (h->fd < 0)
		kt_die("open %s: %s", path, strerror(errno));
	if (pread(h->fd, &h->first, 1, 0) != 1)
		kt_die("read %s: empty or unreadable", path);
	if (kind == 'p' || kind == 's') {
		h->map = mmap(NULL, 4096, kind == 's' ? PROT_READ | PROT_WRITE : PROT_READ,
			      kind == 's' ? MAP_SHARED : MAP_PRIVATE, h->fd, 0);
		if (h->map == MAP_FAILED)
			kt_die("mmap %s: %s", path, strerror(errno));
		close(h->fd);
		h->fd = -1;
	}
}

static void check_held(void)
{
	unsigned char c;
	char buf[4096];
	int i;

	for (i = 0; i < nheld; i++) {
		struct held *h = &held[i];

		if (h->map) {
			KT_EXPECT_INT(h->path, h->first, h->map[0]);
			continue;
		}
		if (pread(h->fd, &c, 1, 0) != 1)
			kt_fail("%s: fd %d: expected a byte, got %s", h->path, h->fd,
				strerror(errno));
		else
			KT_EXPECT_INT(h->path, h->first, c);
	}
	if (cwd0[0]) {
		if (!getcwd(buf, sizeof(buf)))
			kt_fail("cwd: expected %s, got %s", cwd0, strerror(errno));
		else
			KT_EXPECT_STR("cwd", cwd0, buf);
	}
}

static void write_exe(void)
{
	char path[300], buf[4096];
	ssize_t n;
	int fd;

	n = readlink("/proc/self/exe", buf, sizeof(buf) - 2);
	if (n < 0)
		n = snprintf(buf, sizeof(buf), "ERR %d", errno);
	buf[n++] = '\n';
	snprintf(path, sizeof(path), "/tmp/%s.exe", kt_name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0 || write(fd, buf, n) != n || close(fd))
		kt_fail("writing %s: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
	pid_t child = -1;
	int c, st, restarted = 1;

	if (argc < 2) {
		kt_msg("usage: fileid NAME [-n] [-p FILE] [-s FILE] [-f FILE] [-r FILE] [-c DIR]"
		       " [-t FILE] [-T FILE]");
		return 2;
	}
	kt_start(argv[1]);
	optind = 2;
	while ((c = getopt(argc, argv, "np:s:f:r:c:t:T:")) != -1) {
		switch (c) {
		case 'p': case 's': case 'f': case 'r': case 't': case 'T':
			if (nheld == 8)
				kt_die("too many files");
			hold(c == 'T' ? 't' : c, optarg);
			if (c == 'T' && unlink(optarg))
				kt_die("unlink %s: %s", optarg, strerror(errno));
			break;
		case 'n':
			restarted = 0;
			break;
		case 'c':
			if (chdir(optarg) || !getcwd(cwd0, sizeof(cwd0)))
				kt_die("cwd %s: %s", optarg, strerror(errno));
			break;
		default:
			return 2;
		}
	}
	if (nheld && held[nheld - 1].kind == 't') {
		char b = 0;
		int p[2];

		if (pipe(p))
			kt_die_errno("pipe");
		child = fork();
		if (child < 0)
			kt_die_errno("fork");
		if (child == 0) {
			kt_set_who("child");
			if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) ||
			    setresuid(1000, 1000, 1000))
				kt_die_errno("setresuid 1000");
			if (write(p[1], &b, 1) != 1)
				kt_die_errno("pipe write");
			close(p[0]);
			close(p[1]);
			kt_wait_go();
			check_held();
			_exit(kt_nfail ? 1 : 0);
		}
		/* the child has its ids before it is checkpointed */
		if (read(p[0], &b, 1) != 1)
			kt_die("child %d: expected its ids set, got %s", (int)child,
			       strerror(errno));
		close(p[0]);
		close(p[1]);
	}
	kt_ready();
	kt_wait_go();
	if (restarted)
		kt_after_restart();
	check_held();
	write_exe();
	if (child > 0) {
		/* (its pid, restored with --no-pids, may be another) */
		child = kt_wait_pid(-1, &st, 30);
		if (child <= 0)
			kt_fail("child: expected its exit, got none in 30 s");
		else if (!WIFEXITED(st) || WEXITSTATUS(st))
			kt_fail("child %d: expected status 0, got 0x%x", (int)child, st);
	}
	kt_done();
}
