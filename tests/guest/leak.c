// SPDX-License-Identifier: GPL-2.0
/*
 * leak MODE: a tree (R and its child C) that shares one object with a
 * process outside it.  "checkpoint R" must fail and name the object; the
 * tree must keep running with the sharing intact.
 *
 *   P  the driver's child, outside the tree (checkpointed: R, the pid in
 *      /tmp/leak_MODE.root; /tmp/leak_MODE.ready holds P's pid)
 *   R  the tree root; C its child
 *
 * MODE       the object shared between the tree and an outsider
 *   files      fd table: R is clone(CLONE_FILES)d by P
 *   fs         fs_struct (cwd, umask): R is clone(CLONE_FS)d by P
 *   vm         address space: R is clone(CLONE_VM)d by P (no CLONE_THREAD)
 *   vfork      address space: R is P's vfork child (P blocked in vfork)
 *   vfork_rev  address space: R vforks O with CLONE_PARENT (O is P's child,
 *              outside the tree; R is blocked in vfork)
 *   scm        an open file description R opened and passed to P by
 *              SCM_RIGHTS (both closed the socket)
 *   pipe       a pipe: R holds the read end, P the write end (unread data)
 *   shm        MAP_SHARED|MAP_ANONYMOUS memory mapped before P forked R
 * Apart from that object R shares nothing with P: it reopens its stdio
 * (except in "files", where the table itself is shared) and closes every
 * other fd.
 *
 * After /tmp/leak_MODE.go, R uses the object (a new fd, a chdir, a memory
 * write, an lseek, ...) and exits; P then sees the effect (the sharing
 * survived the refused checkpoint), C checks it still runs under R, and P
 * exits 0 iff R, C (and O) exited 0 and every check passed.
 * Selfcheck break: unshare (R drops the sharing after go: P's check fails).
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define TMO		60
#define MAGIC		0x6c65616b6d616769ULL
#define KEEP_FD		10		/* where R keeps its end of the object */
#define SHM_LEN		(4 * 4096)

static const char *mode;
static char name[64], path_root[96], path_psetup[96], path_obj[96], path_out[96];
static volatile uint64_t shared_word;	/* vm modes: the same memory in P and R */
static volatile int r_pid_shared;
static uint64_t *shm;
static int pipe_p[2] = { -1, -1 }, sv[2] = { -1, -1 };
static char r_stack[256 << 10] __attribute__((aligned(64)));

static int is(const char *m)
{
	return !strcmp(mode, m);
}

static int vm_mode(void)
{
	return is("vm") || is("vfork") || is("vfork_rev");
}

static uint64_t pat(size_t i)
{
	uint64_t x = i * 0x9e3779b97f4a7c15ULL + 0x1234;

	return x ^ (x >> 31);
}

static void write_text(const char *path, long v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", v);

	if (kt_write_file(path, buf, n))
		kt_die_errno(path);
}

/* R: fresh stdio, and nothing but fd `keep` (moved to KEEP_FD) besides. */
static void isolate(int keep)
{
	int fd;

	if (keep >= 0 && keep != KEEP_FD) {
		if (dup2(keep, KEEP_FD) != KEEP_FD)
			kt_die_errno("dup2 KEEP_FD");
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		kt_die_errno("/dev/null");
	if (fd != 0)
		close(fd);
	fd = open(path_out, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		kt_die_errno(path_out);
	if (fd > 2)
		close(fd);
	for (fd = 3; fd < 1024; fd++)
		if (fd != KEEP_FD || keep < 0)
			close(fd);
}

/* C: R's child; it only has to keep running. */
static pid_t spawn_c(void)
{
	pid_t r = getpid(), c = (pid_t)syscall(SYS_fork);	/* no libc fork handlers (vm modes) */

	if (c < 0)
		kt_die_errno("fork C");
	if (c == 0) {
		kt_set_who("C");
		kt_wait_go();
		if (getppid() != r)
			kt_fail("C's parent: expected R (%d), got %d", (int)r, (int)getppid());
		_exit(kt_nfail ? 1 : 0);
	}
	return c;
}

static void reap(pid_t pid, const char *who)
{
	char b[64];
	int st;
	pid_t w = kt_wait_pid(pid, &st, TMO);

	if (w == 0) {
		kt_fail("%s (pid %d): expected it to exit within %d s after go, got timeout (left frozen?)",
			who, (int)pid, TMO);
		kill(pid, SIGKILL);
		kt_wait_pid(pid, &st, 5);
	} else if (w < 0) {
		kt_fail("waitpid(%s %d): %s", who, (int)pid, strerror(errno));
	} else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		kt_fail("%s (pid %d): expected exit 0, got %s", who, (int)pid,
			kt_status_str(st, b, sizeof(b)));
	}
}

static void publish(pid_t r, pid_t p)
{
	write_text(path_root, r);
	kt_ready_pid(p);
}

static void wait_file(const char *path)
{
	double deadline = kt_now(CLOCK_MONOTONIC) + TMO;

	while (access(path, F_OK)) {
		if (kt_now(CLOCK_MONOTONIC) > deadline)
			kt_die("expected %s within %d s, got nothing", path, TMO);
		kt_sleep_ms(5);
	}
}

/* After go, in R: use the shared object. */
static void r_use(void)
{
	int brk = kt_broken("unshare");

	if (is("files")) {
		int fd = open(path_obj, O_RDWR | O_CREAT, 0644);

		if (brk)
			unshare(CLONE_FILES);
		if (fd < 0 || dup2(fd, 40) != 40)
			kt_fail("opening fd 40 in the shared table: %s", strerror(errno));
	} else if (is("fs")) {
		if (brk)
			unshare(CLONE_FS);
		if (chdir(path_obj))
			kt_fail("chdir %s: %s", path_obj, strerror(errno));
		umask(027);
	} else if (vm_mode()) {
		if (is("vfork_rev"))
			return;		/* O writes, R checks */
		if (brk)
			return;
		shared_word = MAGIC;
	} else if (is("scm")) {
		if (lseek(KEEP_FD, brk ? 99 : 4321, SEEK_SET) < 0)
			kt_fail("lseek of the passed file: %s", strerror(errno));
	} else if (is("pipe")) {
		static char buf[8192];
		size_t have = 0;
		double deadline = kt_now(CLOCK_MONOTONIC) + 10;
		ssize_t n;
		size_t i;

		fcntl(KEEP_FD, F_SETFL, O_NONBLOCK);
		while (kt_now(CLOCK_MONOTONIC) < deadline) {
			n = read(KEEP_FD, buf + have, sizeof(buf) - have);
			if (n == 0)
				break;
			if (n > 0)
				have += n;
			else
				kt_sleep_ms(5);
		}
		if (n != 0)
			kt_fail("pipe from P: expected EOF once P closed its end, got none within 10 s");
		if (have != 6000)
			kt_fail("pipe from P: expected 6000 bytes (before and after the checkpoint), got %zu",
				have);
		for (i = 0; i < have && i < 6000; i++)
			if (buf[i] != (char)pat(i)) {
				kt_fail("pipe from P: byte %zu: expected 0x%02x, got 0x%02x", i,
					(unsigned char)pat(i), (unsigned char)buf[i]);
				break;
			}
	} else if (is("shm")) {
		size_t i;

		for (i = 0; i < SHM_LEN / 8; i++)
			if (shm[i] != pat(i)) {
				kt_fail("shared memory from P: word %zu: expected 0x%llx, got 0x%llx", i,
					(unsigned long long)pat(i), (unsigned long long)shm[i]);
				break;
			}
		if (brk) {
			void *p = mmap(shm, SHM_LEN, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			(void)p;
		}
		shm[7] = MAGIC;
	}
}

/* After R exited, in P: the effect must show. */
static void p_check(void)
{
	if (is("files")) {
		char l[64], buf[256];
		ssize_t n;

		snprintf(l, sizeof(l), "/proc/self/fd/40");
		n = readlink(l, buf, sizeof(buf) - 1);
		buf[n < 0 ? 0 : n] = 0;
		KT_EXPECT_STR("P's fd 40 (opened by R in the shared fd table)", path_obj, buf);
	} else if (is("fs")) {
		char cwd[256];
		mode_t m = umask(0);

		if (!getcwd(cwd, sizeof(cwd)))
			cwd[0] = 0;
		KT_EXPECT_STR("P's cwd (R did chdir in the shared fs_struct)", path_obj, cwd);
		KT_EXPECT_INT("P's umask (R set it in the shared fs_struct)", 027, m);
	} else if (is("vm") || is("vfork")) {
		KT_EXPECT_U64("P's view of the word R wrote in the shared address space", MAGIC,
			      shared_word);
	} else if (is("scm")) {
		KT_EXPECT_INT("offset of P's copy of the passed file (R did lseek)", 4321,
			      lseek(KEEP_FD + 1, 0, SEEK_CUR));
	} else if (is("shm")) {
		KT_EXPECT_U64("P's view of the shared memory R wrote", MAGIC, shm[7]);
	}
}

/* O (vfork_rev): P's child by CLONE_PARENT, in R's address space. */
static int o_main(void *arg)
{
	(void)arg;
	kt_set_who("O");
	isolate(-1);		/* O's fd table is a copy of R's: share no open file with R */
	publish(r_pid_shared, getppid());
	kt_wait_go();
	if (!kt_broken("unshare"))
		shared_word = MAGIC;
	return 0;		/* clone()'s fn: a plain exit, no libc exit handlers */
}

static char o_stack[256 << 10] __attribute__((aligned(64)));

/* Everything R does; returns its exit status. */
static int r_body(void)
{
	int keep = -1;
	pid_t c, o;

	kt_set_who("R");
	if (is("pipe"))
		keep = pipe_p[0];
	if (is("scm")) {
		char cbuf[CMSG_SPACE(sizeof(int))], d = 'f';
		struct iovec iov = { &d, 1 };
		struct msghdr mh;
		struct cmsghdr *cm;
		int fd = open(path_obj, O_RDWR | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || write(fd, "0123456789", 10) != 10 || lseek(fd, 3, SEEK_SET) != 3)
			kt_die_errno(path_obj);
		memset(&mh, 0, sizeof(mh));
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		if (sendmsg(sv[1], &mh, 0) != 1)
			kt_die_errno("sendmsg SCM_RIGHTS");
		keep = fd;
		wait_file(path_psetup);		/* P has it: nothing left in flight */
	}
	if (!is("files"))
		isolate(keep);			/* closes the socket too */
	c = spawn_c();
	if (is("vfork_rev")) {
		r_pid_shared = getpid();
		o = clone(o_main, o_stack + sizeof(o_stack), CLONE_VM | CLONE_VFORK | CLONE_PARENT,
			  NULL);
		kt_set_who("R");
		if (o < 0)
			kt_die_errno("clone(CLONE_VM|CLONE_VFORK|CLONE_PARENT)");
		/* O has exited: its write is in our address space */
		KT_EXPECT_U64("R's view of the word O wrote in the shared address space", MAGIC,
			      shared_word);
	} else {
		publish(getpid(), getppid());
		kt_wait_go();
		r_use();
	}
	reap(c, "C");
	return kt_nfail ? 1 : 0;
}

static int r_main(void *arg)
{
	(void)arg;
	return r_body();	/* clone()'s fn: returning is a plain exit() syscall */
}

int main(int argc, char **argv)
{
	double deadline;
	int flags = -1, st, nkids = 0;
	pid_t r, w;
	size_t i;
	char b[64];

	if (argc != 2) {
		kt_msg("usage: leak files|fs|vm|vfork|vfork_rev|scm|pipe|shm");
		return 2;
	}
	mode = argv[1];
	if (!is("files") && !is("fs") && !vm_mode() && !is("scm") && !is("pipe") && !is("shm")) {
		kt_msg("leak: unknown mode %s", mode);
		return 2;
	}
	snprintf(name, sizeof(name), "leak_%s", mode);
	kt_start(name);
	kt_set_who("P");
	snprintf(path_root, sizeof(path_root), "/tmp/%s.root", name);
	snprintf(path_psetup, sizeof(path_psetup), "/tmp/%s.psetup", name);
	snprintf(path_out, sizeof(path_out), "/tmp/%s.out", name);
	snprintf(path_obj, sizeof(path_obj), "/tmp/%s.%s", name,
		 is("fs") ? "dir" : is("scm") ? "scm" : "file");
	unlink(path_root);
	unlink(path_psetup);
	{	/* append, so that P's and R's lines do not overwrite each other */
		int fd = open(path_out, O_WRONLY | O_APPEND | O_CREAT, 0644);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			kt_die_errno(path_out);
		for (fd = 3; fd < 1024; fd++)	/* nothing inherited: only what MODE shares */
			close(fd);
	}
	if (is("fs") && mkdir(path_obj, 0755) && errno != EEXIST)
		kt_die_errno(path_obj);
	if (is("pipe")) {
		char buf[3000];

		if (pipe(pipe_p))
			kt_die_errno("pipe");
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (char)pat(i);
		if (write(pipe_p[1], buf, sizeof(buf)) != sizeof(buf))
			kt_die_errno("write pipe");
	}
	if (is("scm") && socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		kt_die_errno("socketpair");
	if (is("shm")) {
		shm = mmap(NULL, SHM_LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (shm == MAP_FAILED)
			kt_die_errno("mmap shared");
		for (i = 0; i < SHM_LEN / 8; i++)
			shm[i] = pat(i);
	}

	if (is("files"))
		flags = CLONE_FILES;
	else if (is("fs"))
		flags = CLONE_FS;
	else if (is("vm"))
		flags = CLONE_VM;
	else if (is("vfork"))
		flags = CLONE_VM | CLONE_VFORK;
	if (flags >= 0) {
		/* (vfork: we are blocked here until R has exited) */
		r = clone(r_main, r_stack + sizeof(r_stack), flags | SIGCHLD, NULL);
		if (r < 0)
			kt_die_errno("clone R");
	} else {
		r = fork();
		if (r < 0)
			kt_die_errno("fork R");
		if (r == 0)
			exit(r_body());
	}
	kt_set_who("P");
	nkids = is("vfork_rev") ? 2 : 1;

	if (is("pipe")) {
		char buf[3000];
		size_t len = kt_broken("unshare") ? 1000 : sizeof(buf);

		close(pipe_p[0]);
		kt_wait_go();
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (char)pat(3000 + i);
		if (write(pipe_p[1], buf, len) != (ssize_t)len)
			kt_fail("writing the pipe after go: %s", strerror(errno));
		close(pipe_p[1]);
	}
	if (is("scm")) {
		char cbuf[CMSG_SPACE(sizeof(int))], d;
		struct iovec iov = { &d, 1 };
		struct msghdr mh;
		struct cmsghdr *cm;
		int fd = -1;

		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		if (recvmsg(sv[0], &mh, 0) != 1 || !(cm = CMSG_FIRSTHDR(&mh)) ||
		    cm->cmsg_type != SCM_RIGHTS)
			kt_die("recvmsg: expected the file R passed, got %s", strerror(errno));
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		if (dup2(fd, KEEP_FD + 1) != KEEP_FD + 1)
			kt_die_errno("dup2");
		close(fd);
		close(sv[0]);
		close(sv[1]);
		if (kt_write_file(path_psetup, "1\n", 2))
			kt_die_errno(path_psetup);
	}

	/* R (and O) must end by themselves after go: the tree kept running */
	deadline = kt_now(CLOCK_MONOTONIC) + 2 * KT_GO_TIMEOUT_S;
	while (nkids > 0) {
		w = waitpid(-1, &st, WNOHANG | __WALL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			kt_fail("waitpid: expected %d more child(ren), got %s", nkids, strerror(errno));
			break;
		}
		if (w == 0) {
			if (kt_now(CLOCK_MONOTONIC) > deadline) {
				kt_fail("R: expected it to exit after go, got timeout");
				kill(r, SIGKILL);
				break;
			}
			kt_sleep_ms(5);
			continue;
		}
		nkids--;
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			kt_fail("%s (pid %d): expected exit 0, got %s", w == r ? "R" : "O", (int)w,
				kt_status_str(st, b, sizeof(b)));
	}
	kt_set_who("P");
	p_check();
	kt_done();
}
