// SPDX-License-Identifier: GPL-2.0
/*
 * pty - a program under a terminal multiplexer: the parent holds the pty
 * master, the child is a session leader whose stdin/stdout (and fd 3, a
 * second open of the slave) are /dev/pts/N, its controlling terminal.
 *
 *   pty pair   data both ways left unread at checkpoint (a line and a half
 *              in canonical mode to the child, raw bytes to the parent),
 *              custom termios and window size; after restart the child
 *              finds them all, the parent writes a line and the child
 *              answers.  Parent and child also share one open file of the
 *              slave (opened before the fork, O_NONBLOCK set by the child):
 *              after restart both write through it and the parent sees
 *              the flag.
 *   pty ctty   the child puts a grandchild in its own process group in the
 *              foreground; after restart tcgetsid/tcgetpgrp are the saved
 *              ones and the master's ^C reaches the grandchild (SIGINT).
 *   pty refuse CASE  a checkpoint of the tree root in /tmp/pty_refuse_CASE.root
 *              must be refused (kinds-tty.sh checks the reason); the program
 *              then runs on and exits 0.  CASE: master (the child is the
 *              root, the master stays outside), slave (the child's own pty
 *              has its slave opened by the parent, outside), session (the
 *              root is a grandchild holding the slave, its session leader
 *              stays outside), devtty (the child opens /dev/tty, its pty),
 *              notty (a grandchild of the session dropped the terminal,
 *              TIOCNOTTY), stopped (output stopped, TCOOFF), overflow (more
 *              unread input than n_tty holds), async (O_ASYNC on the
 *              master), rdonly (a master opened O_RDONLY).
 *   pty taken  a pair (as in ctty) checkpointed without being killed: the
 *              restart, while the original holds the pts number, must fail
 *              (kinds-tty.sh); the program then runs on.
 *
 * KCRTEST_BREAK (selfcheck): "termios" "winsize" "data" damage the child's
 * state where the restart would have happened.
 */
#include "kcrtest.h"
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>

static const char *mode, *rcase = "";
static char name[64], ptsname0[64];
static int master = -1, pslave = -1;	/* pslave: shared by parent and child */
static volatile sig_atomic_t got_int;

static void on_int(int sig)
{
	(void)sig;
	got_int = 1;
}

/*
 * Read from fd until want appears in what was read (or timeout); what
 * follows want is kept for the next call.  buf gets what was read.
 */
static char rbuf[1024];
static size_t rlen;

static int read_until(int fd, const char *want, char *buf, size_t size,
		      int timeout_ms)
{
	double end = kt_now(CLOCK_MONOTONIC) + timeout_ms / 1000.0;
	char *m;

	rbuf[rlen] = 0;
	while (!(m = strstr(rbuf, want))) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)((end - kt_now(CLOCK_MONOTONIC)) * 1000);
		ssize_t n;

		if (left <= 0 || rlen + 1 >= sizeof(rbuf))
			goto fail;
		if (poll(&p, 1, left) <= 0)
			continue;
		n = read(fd, rbuf + rlen, sizeof(rbuf) - 1 - rlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		rlen += n;
		rbuf[rlen] = 0;
	}
	m += strlen(want);
	snprintf(buf, size, "%.*s", (int)(m - rbuf), rbuf);
	rlen -= m - rbuf;
	memmove(rbuf, m, rlen + 1);
	return 0;
fail:
	kt_esc(rbuf, buf, size);
	return -1;
}

static void write_all(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			kt_die_errno("write");
		s += n;
		len -= n;
	}
}

static void expect_read(int fd, const char *what, const char *exp)
{
	char buf[256], e[128], g[128];
	ssize_t n;

	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		kt_fail("%s: expected \"%s\", got error %s", what,
			kt_esc(exp, e, sizeof(e)), strerror(errno));
		return;
	}
	buf[n] = 0;
	if (strcmp(buf, exp))
		kt_fail("%s: expected \"%s\", got \"%s\"", what,
			kt_esc(exp, e, sizeof(e)), kt_esc(buf, g, sizeof(g)));
}

/* The termios the child sets in pty pair (and checks after restart). */
static void pair_termios(struct termios *t)
{
	tcgetattr(0, t);
	t->c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE);
	t->c_lflag |= ICANON | ISIG;
	t->c_oflag &= ~OPOST;
	t->c_iflag |= IGNBRK;
	t->c_iflag &= ~IXON;
	t->c_cc[VERASE] = 0x08;
	t->c_cc[VKILL] = 0x15;
	t->c_cc[VINTR] = 0x07;
	cfsetispeed(t, B9600);
	cfsetospeed(t, B9600);
}

/* The child: a session leader with the slave as controlling terminal. */
static void child_setup(void)
{
	int fd, err = fcntl(2, F_DUPFD, 10);

	if (err < 0)
		kt_die_errno("dup stderr");
	kt_log_fd = err;	/* FAIL lines go to the driver's log */
	if (setsid() < 0)
		kt_die_errno("setsid");
	fd = open(ptsname0, O_RDWR);	/* no O_NOCTTY: our ctty */
	if (fd < 0)
		kt_die_errno("open the slave");
	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 3) != 3)
		kt_die_errno("dup2");
	if (fd > 3)
		close(fd);
	close(3);
	if (open(ptsname0, O_RDWR | O_NOCTTY) != 3)	/* a second open file */
		kt_die_errno("open the slave again");
}

static void check_tty_name(void)
{
	char *n = ttyname(0);

	kt_expect_str("ttyname(0)", ptsname0, n ? n : "(none)");
}

static int pair_child(int sync)
{
	struct termios want, got;
	struct winsize ws;

	child_setup();
	if (dup2(pslave, 4) != 4 || (pslave != 4 && close(pslave)))
		kt_die_errno("dup2 the shared slave");
	/* a status flag of the open file both processes share */
	if (fcntl(4, F_SETFL, O_NONBLOCK))
		kt_die_errno("F_SETFL");
	pair_termios(&want);
	if (tcsetattr(0, TCSANOW, &want))
		kt_die_errno("tcsetattr");
	write_all(1, "from-child\n");
	write_all(sync, "c");
	close(sync);

	kt_wait_go();
	if (kt_broken("termios")) {
		want.c_cc[VERASE] = 0x7f;
		tcsetattr(0, TCSANOW, &want);
		pair_termios(&want);
	}
	if (kt_broken("winsize")) {
		struct winsize w = { .ws_row = 1, .ws_col = 2 };

		ioctl(0, TIOCSWINSZ, &w);
	}
	if (kt_broken("data"))
		tcflush(0, TCIFLUSH);
	check_tty_name();
	if (tcgetattr(0, &got))
		kt_fail("tcgetattr: expected 0, got %s", strerror(errno));
	else if (got.c_iflag != want.c_iflag || got.c_oflag != want.c_oflag ||
		 got.c_cflag != want.c_cflag || got.c_lflag != want.c_lflag ||
		 memcmp(got.c_cc, want.c_cc, NCCS) ||
		 cfgetispeed(&got) != B9600 || cfgetospeed(&got) != B9600)
		kt_fail("termios: expected iflag %#x oflag %#x cflag %#x lflag %#x erase %#x, got %#x %#x %#x %#x %#x",
			want.c_iflag, want.c_oflag, want.c_cflag, want.c_lflag,
			want.c_cc[VERASE], got.c_iflag, got.c_oflag,
			got.c_cflag, got.c_lflag, got.c_cc[VERASE]);
	if (ioctl(3, TIOCGWINSZ, &ws))
		kt_fail("TIOCGWINSZ: expected 0, got %s", strerror(errno));
	else if (ws.ws_row != 33 || ws.ws_col != 111 || ws.ws_xpixel != 7)
		kt_fail("winsize: expected 33x111 (7 px), got %ux%u (%u px)",
			ws.ws_row, ws.ws_col, ws.ws_xpixel);
	/* canonical: the complete line first, then the rest once ended */
	expect_read(0, "first line (unread at checkpoint)", "hello world\n");
	write_all(1, "ready\n");
	expect_read(3, "second line (half of it unread at checkpoint)",
		    "partial more\n");
	write_all(1, "answer\n");
	write_all(4, "c-shared\n");	/* the shared open file */
	kt_done();
}

static int pair_parent(pid_t child)
{
	struct winsize ws = { .ws_row = 33, .ws_col = 111, .ws_xpixel = 7 };
	char buf[512];
	int st;

	if (ioctl(master, TIOCSWINSZ, &ws))
		kt_die_errno("TIOCSWINSZ");
	/* a line and a half the child has not read yet (erase applied) */
	write_all(master, "hello worlx\bd\npartial");
	kt_sleep_ms(100);	/* let the line discipline take it */
	kt_ready();
	kt_wait_go();
	kt_after_restart();
	/* what the child wrote before the checkpoint, then after */
	if (read_until(master, "from-child\n", buf, sizeof(buf), 10000))
		kt_fail("master: expected \"from-child\", got \"%s\"", buf);
	if (read_until(master, "ready\n", buf, sizeof(buf), 10000))
		kt_fail("master: expected \"ready\", got \"%s\"", buf);
	write_all(master, " more\n");
	if (read_until(master, "answer\n", buf, sizeof(buf), 10000))
		kt_fail("master: expected \"answer\", got \"%s\"", buf);
	if (read_until(master, "c-shared\n", buf, sizeof(buf), 10000))
		kt_fail("master: expected \"c-shared\" (the child's write to the shared slave file), got \"%s\"",
			buf);
	if (!(fcntl(pslave, F_GETFL) & O_NONBLOCK))
		kt_fail("shared slave file: expected O_NONBLOCK (set by the child), got flags %#x",
			fcntl(pslave, F_GETFL));
	write_all(pslave, "p-shared\n");
	if (read_until(master, "p-shared\n", buf, sizeof(buf), 10000))
		kt_fail("master: expected \"p-shared\" (the parent's write to the shared slave file), got \"%s\"",
			buf);
	if (kt_wait_pid(child, &st, 20) < 0)
		kt_fail("child: expected to exit, got timeout");
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("child: expected exit 0, got status %#x", st);
	kt_done();
}

/* ctty: grandchild in the foreground group, SIGINT from the master's ^C */
static int ctty_grandchild(void)
{
	struct timespec step = { 0, 10 * 1000 * 1000 };
	double end;

	kt_wait_go();
	if (tcgetpgrp(0) != getpgrp())
		kt_fail("grandchild: tcgetpgrp: expected its group %d, got %d",
			(int)getpgrp(), (int)tcgetpgrp(0));
	if (tcgetsid(0) != getsid(0))
		kt_fail("grandchild: tcgetsid: expected %d, got %d",
			(int)getsid(0), (int)tcgetsid(0));
	write_all(1, "gc-ready\n");
	end = kt_now(CLOCK_MONOTONIC) + 20;
	while (!got_int && kt_now(CLOCK_MONOTONIC) < end)
		nanosleep(&step, NULL);
	if (!got_int)
		kt_fail("grandchild: expected SIGINT from ^C, got none");
	else
		write_all(1, "got-sigint\n");
	kt_done();
}

static int ctty_child(int sync)
{
	pid_t gc, fg;
	int st;

	child_setup();
	gc = fork();
	if (gc < 0)
		kt_die_errno("fork");
	if (!gc) {
		kt_set_who("grandchild");
		if (setpgid(0, 0))
			kt_die_errno("setpgid");
		signal(SIGINT, on_int);
		ctty_grandchild();
	}
	setpgid(gc, gc);
	signal(SIGTTOU, SIG_IGN);
	if (tcsetpgrp(0, gc))
		kt_die_errno("tcsetpgrp");
	write_all(sync, "c");
	close(sync);

	kt_wait_go();
	check_tty_name();
	if (tcgetsid(0) != getpid())
		kt_fail("tcgetsid: expected the session leader %d, got %d",
			(int)getpid(), (int)tcgetsid(0));
	fg = tcgetpgrp(3);
	if (fg != gc)
		kt_fail("tcgetpgrp: expected the grandchild's group %d, got %d",
			(int)gc, (int)fg);
	if (kt_wait_pid(gc, &st, 30) < 0)
		kt_fail("grandchild: expected to exit, got timeout");
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("grandchild: expected exit 0, got status %#x", st);
	kt_done();
}

static int ctty_parent(pid_t child)
{
	char buf[512];
	int st;

	kt_ready();
	kt_wait_go();
	kt_after_restart();
	/* OPOST|ONLCR (the default) turns \n into \r\n */
	if (read_until(master, "gc-ready", buf, sizeof(buf), 20000))
		kt_fail("master: expected \"gc-ready\", got \"%s\"", buf);
	write_all(master, "\003");
	if (read_until(master, "got-sigint", buf, sizeof(buf), 20000))
		kt_fail("master: expected \"got-sigint\", got \"%s\"", buf);
	if (kt_wait_pid(child, &st, 30) < 0)
		kt_fail("child: expected to exit, got timeout");
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("child: expected exit 0, got status %#x", st);
	kt_done();
}

/* The tree root of a refuse case, for kinds-tty.sh. */
static void write_root(pid_t root)
{
	char path[96], buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)root);

	snprintf(path, sizeof(path), "/tmp/%s.root", name);
	if (kt_write_file(path, buf, n))
		kt_die_errno("root file");
}

/*
 * A process that shares nothing with its parent but what the case wants:
 * stdout and stderr to a log of its own (kt_log_fd too).
 */
static void own_log(const char *who)
{
	char path[96];
	int o;

	snprintf(path, sizeof(path), "/tmp/%s.%s", name, who);
	o = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (o < 0 || dup2(o, 1) < 0 || dup2(o, 2) < 0)
		kt_die_errno("own log");
	close(o);
	kt_log_fd = 2;
}

static void wait_child(pid_t child, const char *who)
{
	int st;

	if (kt_wait_pid(child, &st, 30) < 0)
		kt_fail("%s: expected to exit, got timeout", who);
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("%s: expected exit 0, got status %#x", who, st);
}

/* refuse: each case sets up its tree, signals sync, waits for go. */
static int refuse_child(int sync)
{
	pid_t gc;

	if (!strcmp(rcase, "master")) {
		/* the child alone is the tree: the master stays outside */
		own_log("child");
		child_setup();
		write_all(sync, "c");
		close(sync);
		kt_wait_go();
		kt_done();
	}
	if (!strcmp(rcase, "slave")) {
		/* the child's own pty; the parent opens its slave */
		int m;

		own_log("child");
		m = posix_openpt(O_RDWR | O_NOCTTY);
		if (m < 0 || grantpt(m) || unlockpt(m) || !ptsname(m))
			kt_die_errno("posix_openpt");
		write_all(sync, ptsname(m));
		close(sync);
		kt_wait_go();
		kt_done();
	}
	if (!strcmp(rcase, "session")) {
		/* the grandchild is the tree; its session leader stays out */
		child_setup();
		gc = fork();
		if (gc < 0)
			kt_die_errno("fork");
		if (!gc) {
			char buf[32];

			kt_set_who("grandchild");
			/* nothing shared with its parent but the pty */
			close(0);
			close(3);
			close(kt_log_fd);
			own_log("grandchild");
			/* an open file of its own of the slave, its ctty */
			if (open(ptsname0, O_RDWR | O_NOCTTY) != 0)
				kt_die_errno("open the slave");
			snprintf(buf, sizeof(buf), "%d", (int)getpid());
			write_all(sync, buf);
			close(sync);
			kt_wait_go();
			kt_done();
		}
		close(sync);
		wait_child(gc, "grandchild");
		kt_done();
	}
	child_setup();
	if (!strcmp(rcase, "devtty")) {
		if (open("/dev/tty", O_RDWR) < 0)
			kt_die_errno("open /dev/tty");
	} else if (!strcmp(rcase, "notty")) {
		gc = fork();
		if (gc < 0)
			kt_die_errno("fork");
		if (!gc) {
			kt_set_who("grandchild");
			if (ioctl(0, TIOCNOTTY))
				kt_die_errno("TIOCNOTTY");
			write_all(sync, "c");
			close(sync);
			kt_wait_go();
			kt_done();
		}
		close(sync);
		wait_child(gc, "grandchild");
		kt_done();
	} else if (!strcmp(rcase, "stopped")) {
		if (tcflow(0, TCOOFF))
			kt_die_errno("tcflow TCOOFF");
	} else if (!strcmp(rcase, "overflow")) {
		struct termios t;

		if (tcgetattr(0, &t))
			kt_die_errno("tcgetattr");
		cfmakeraw(&t);
		if (tcsetattr(0, TCSANOW, &t))
			kt_die_errno("tcsetattr");
	}
	write_all(sync, "c");
	close(sync);
	kt_wait_go();
	if (!strcmp(rcase, "stopped") && tcflow(0, TCOON))
		kt_fail("tcflow TCOON: expected 0, got %s", strerror(errno));
	kt_done();
}

static int refuse_parent(pid_t child, const char *got)
{
	pid_t root = getpid();
	int fd;

	if (!strcmp(rcase, "master")) {
		root = child;
	} else if (!strcmp(rcase, "slave")) {
		root = child;
		fd = open(got, O_RDWR | O_NOCTTY);	/* held outside */
		if (fd < 0)
			kt_die_errno("open the child's slave");
		(void)fd;	/* kept open until the end */
	} else if (!strcmp(rcase, "session")) {
		root = atoi(got);
	} else if (!strcmp(rcase, "overflow")) {
		static char junk[6000];

		/* 4095 bytes fit in n_tty, the rest waits in the flip buffers */
		memset(junk, 'x', sizeof(junk));
		if (fcntl(master, F_SETFL, O_NONBLOCK))
			kt_die_errno("F_SETFL");
		if (write(master, junk, sizeof(junk)) <= 4096)
			kt_die("overflow: expected to write more than 4096 bytes to the master");
		kt_sleep_ms(200);
	} else if (!strcmp(rcase, "async")) {
		if (fcntl(master, F_SETOWN, getpid()) ||
		    fcntl(master, F_SETFL, O_ASYNC))
			kt_die_errno("O_ASYNC");
	} else if (!strcmp(rcase, "rdonly")) {
		if (open("/dev/ptmx", O_RDONLY | O_NOCTTY) < 0)
			kt_die_errno("open /dev/ptmx O_RDONLY");
	}
	write_root(root);
	kt_ready();
	kt_wait_go();
	if (!strcmp(rcase, "async"))	/* the SIGIO it may have had */
		fcntl(master, F_SETFL, 0);
	wait_child(child, "child");
	kt_done();
}

/* taken: the ctty pair idle; the restart while it runs must fail */
static int taken_child(int sync)
{
	child_setup();
	write_all(sync, "c");
	close(sync);
	kt_wait_go();
	kt_done();
}

int main(int argc, char **argv)
{
	char got[64] = "", *p;
	int sync[2];
	pid_t child;
	ssize_t n;

	mode = argc > 1 ? argv[1] : "pair";
	if (!strcmp(mode, "refuse")) {
		rcase = argc > 2 ? argv[2] : "master";
		snprintf(name, sizeof(name), "pty_refuse_%s", rcase);
	} else {
		snprintf(name, sizeof(name), "pty_%s", mode);
	}
	kt_start(name);
	signal(SIGIO, SIG_IGN);
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master))
		kt_die_errno("posix_openpt");
	p = ptsname(master);
	if (!p)
		kt_die_errno("ptsname");
	snprintf(ptsname0, sizeof(ptsname0), "%s", p);
	if (!strcmp(mode, "pair")) {
		pslave = open(ptsname0, O_RDWR | O_NOCTTY);
		if (pslave < 0)
			kt_die_errno("open the shared slave");
	}
	if (pipe(sync))
		kt_die_errno("pipe");
	child = fork();
	if (child < 0)
		kt_die_errno("fork");
	if (!child) {
		kt_set_who("child");
		close(master);
		close(sync[0]);
		if (!strcmp(mode, "pair"))
			pair_child(sync[1]);
		if (!strcmp(mode, "ctty"))
			ctty_child(sync[1]);
		if (!strcmp(mode, "taken"))
			taken_child(sync[1]);
		refuse_child(sync[1]);
	}
	close(sync[1]);
	n = read(sync[0], got, sizeof(got) - 1);
	if (n <= 0)
		kt_die("child setup: expected a sync message, got none");
	got[n] = 0;
	close(sync[0]);
	if (!strcmp(mode, "pair"))
		pair_parent(child);
	if (!strcmp(mode, "ctty"))
		ctty_parent(child);
	if (!strcmp(mode, "taken")) {
		kt_ready();
		kt_wait_go();
		wait_child(child, "child");
		kt_done();
	}
	return refuse_parent(child, got);
}
