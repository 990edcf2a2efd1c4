// SPDX-License-Identifier: GPL-2.0
/*
 * compat NAME: checkpoint (451) and restart (452) are 64-bit only.  Called
 * the x32 way (syscall with rax = 0x40000000 | nr) and the ia32 way
 * (int $0x80, eax = nr), each must return -1 with ENOSYS (no such call for
 * that ABI) or EINVAL (the kernel's compat refusal), and do nothing:
 *   checkpoint(child, image fd, 0, log fd): no byte in the image nor the
 *   log, the child (paused) still there and not stopped;
 *   restart(0, pipe, 0, log fd): the 16 bytes in the pipe still unread,
 *   nothing in the log.
 * First, the same checkpoint call made the 64-bit way with an unknown flag
 * must fail with EINVAL: the call exists, so ENOSYS above means "not for
 * this ABI".  Prints one "# ..." line per call; exits 0 iff all passed.
 * Selfcheck (KCRTEST_SELFCHECK=1 KCRTEST_BREAK=x32): the "x32" calls are
 * made the 64-bit way, with the real arguments: the checks must fail.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/ioctl.h>

#include "kcrtest.h"

#define NR_CHECKPOINT	451
#define NR_RESTART	452
#define X32_BIT		0x40000000L

static long x32_call(long nr, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	if (kt_broken("x32"))
		nr &= ~X32_BIT;		/* selfcheck: the 64-bit call */
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

static long ia32_call(long nr, long a, long b, long c, long d)
{
	int ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "0"((int)nr), "b"((int)a), "c"((int)b), "d"((int)c), "S"((int)d)
			 : "r8", "r9", "r10", "r11", "memory");
	return ret;
}

static off_t fsize(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

static void expect_refused(const char *what, long ret)
{
	kt_msg("# %s: %ld", what, ret);
	if (ret != -ENOSYS && ret != -EINVAL)
		kt_fail("%s: expected -%d (ENOSYS) or -%d (EINVAL), got %ld", what, ENOSYS,
			EINVAL, ret);
}

static void expect_nothing_done(const char *what, int img, int logfd, int rd, pid_t child)
{
	int n = -1;

	KT_EXPECT_INT("image bytes after a compat checkpoint", 0, fsize(img));
	KT_EXPECT_INT("log bytes after a compat call", 0, fsize(logfd));
	if (ioctl(rd, FIONREAD, &n))
		n = -1;
	if (n != 16)
		kt_fail("%s: expected the 16 image bytes still in the pipe, got %d", what, n);
	if (kill(child, 0))
		kt_fail("%s: expected the child %d alive, got %s", what, (int)child,
			strerror(errno));
}

int main(int argc, char **argv)
{
	char path[300], junk[16];
	int img, logfd, p[2], st;
	pid_t child;
	long ret;

	if (argc != 2) {
		kt_msg("usage: compat NAME");
		return 2;
	}
	kt_start(argv[1]);
	snprintf(path, sizeof(path), "/tmp/%s.img", argv[1]);
	img = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	snprintf(path, sizeof(path), "/tmp/%s.log", argv[1]);
	logfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (img < 0 || logfd < 0 || pipe(p))
		kt_die_errno("image, log or pipe");
	memset(junk, 'K', sizeof(junk));
	if (write(p[1], junk, sizeof(junk)) != sizeof(junk))
		kt_die_errno("pipe write");
	child = fork();
	if (child < 0)
		kt_die_errno("fork");
	if (child == 0) {
		for (;;)
			pause();
	}

	/* the call exists for a 64-bit caller */
	ret = syscall(NR_CHECKPOINT, child, img, 1UL << 30, -1);
	kt_msg("# 64-bit checkpoint with an unknown flag: %ld (errno %d)", ret, errno);
	if (ret != -1 || errno != EINVAL)
		kt_fail("64-bit checkpoint(flags 1<<30): expected -1 EINVAL, got %ld errno %d",
			ret, errno);

	expect_refused("x32 checkpoint", x32_call(X32_BIT | NR_CHECKPOINT, child, img, 0, logfd));
	expect_nothing_done("x32 checkpoint", img, logfd, p[0], child);
	expect_refused("x32 restart", x32_call(X32_BIT | NR_RESTART, 0, p[0], 0, logfd));
	expect_nothing_done("x32 restart", img, logfd, p[0], child);
	expect_refused("ia32 checkpoint", ia32_call(NR_CHECKPOINT, child, img, 0, logfd));
	expect_nothing_done("ia32 checkpoint", img, logfd, p[0], child);
	expect_refused("ia32 restart", ia32_call(NR_RESTART, 0, p[0], 0, logfd));
	expect_nothing_done("ia32 restart", img, logfd, p[0], child);

	kill(child, SIGKILL);
	if (kt_wait_pid(child, &st, 10) != child)
		kt_fail("child %d: expected to reap it, got nothing", (int)child);
	kt_done();
}
