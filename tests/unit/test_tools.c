// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the tools' command lines: ckptinfo on generated images,
 * restart's prefix validation, and restart's protocol handling against a
 * fake of the system calls (restart-fake, see fake/fake_kcr.c).  The
 * binaries come from $KCR_BIN and $KCR_TESTBIN (set by "make check").
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kcr.h"
#include "imgwriter.h"

static char dir[256];
static const char *bin, *testbin;

struct out {
	int rc;
	char out[65536];
	char err[8192];
};

static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* Run a shell command with stdout/stderr captured. */
static void run(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void run(struct out *o, const char *fmt, ...)
{
	char cmd[2048], full[4096], p[512];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd %s && { %s; } >out.txt 2>err.txt", dir, cmd);
	st = system(full);
	o->rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	snprintf(p, sizeof(p), "%s/out.txt", dir);
	slurp(p, o->out, sizeof(o->out));
	snprintf(p, sizeof(p), "%s/err.txt", dir);
	slurp(p, o->err, sizeof(o->err));
}

static void save(const char *name, const void *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert(fwrite(buf, 1, len, f) == len);
	fclose(f);
}

static void save_full(const char *name)
{
	struct img im = { 0 };

	img_full(&im, 4242);
	save(name, im.buf, im.len);
	img_free(&im);
}

#define ck_rc(o, want) ck_assert_msg((o).rc == (want),				\
	"expected exit status %d, got %d; stderr: %s", (want), (o).rc, (o).err)
#define ck_has(hay, needle) ck_assert_msg(strstr((hay), (needle)) != NULL,	\
	"expected output containing \"%s\", got \"%s\"", (needle), (hay))

static void setup(void)
{
	bin = getenv("KCR_BIN");
	testbin = getenv("KCR_TESTBIN");
	ck_assert_msg(bin && testbin, "KCR_BIN/KCR_TESTBIN not set (run via make check)");
	snprintf(dir, sizeof(dir), "/tmp/kcr-test.XXXXXX");
	ck_assert(mkdtemp(dir) != NULL);
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

START_TEST(ckptinfo_valid_image_exits_0_with_valid_line)
{
	struct out o;

	save_full("a.img");
	run(&o, "%s/ckptinfo a.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "TREE");
	ck_has(o.out, "pid=4242");
	ck_has(o.out, "comm=\"full\"");
	ck_has(o.out, "start=0x7f0000000000 end=0x7f0000004000 prot=rw-p- vm_flags=0x3 kind=anon pgoff=0 nr_pages=2");
	ck_has(o.out, "ip=0x401000 sp=0x7f0000003ff0");
	ck_has(o.out, "valid: 22 records, 12872 bytes, 1 tasks");
}
END_TEST

START_TEST(ckptinfo_truncated_image_exits_1_with_offset_and_reason)
{
	struct out o;

	save_full("a.img");
	run(&o, "head -c 5000 a.img > t.img; %s/ckptinfo t.img", bin);
	ck_rc(o, 1);
	ck_has(o.err, "ckptinfo: offset 5000: unexpected end of image in PAGES at offset 2016");
}
END_TEST

START_TEST(ckptinfo_reads_stdin_when_image_is_dash)
{
	struct out o;

	save_full("a.img");
	run(&o, "cat a.img | %s/ckptinfo -", bin);
	ck_rc(o, 0);
	ck_has(o.out, "valid: 22 records");
}
END_TEST

START_TEST(ckptinfo_json_is_one_document)
{
	struct out o;
	size_t n;

	save_full("a.img");
	run(&o, "%s/ckptinfo --json a.img", bin);
	ck_rc(o, 0);
	n = strlen(o.out);
	ck_assert_msg(n > 2 && o.out[0] == '{' && !strcmp(o.out + n - 2, "}\n"),
		      "expected a JSON object, got \"%.40s...\"", o.out);
	ck_has(o.out, "\"type\":\"PAGES\"");
	ck_has(o.out, "\"valid\":true");
	if (!system("command -v python3 >/dev/null 2>&1")) {
		run(&o, "%s/ckptinfo --json a.img | python3 -m json.tool >/dev/null", bin);
		ck_rc(o, 0);
	}
}
END_TEST

START_TEST(ckptinfo_json_of_bad_image_has_error)
{
	struct out o;

	save_full("a.img");
	run(&o, "head -c 300 a.img | %s/ckptinfo --json -", bin);
	ck_rc(o, 1);
	ck_has(o.out, "\"valid\":false");
	ck_has(o.out, "\"error\":{\"offset\":300");
}
END_TEST

START_TEST(ckptinfo_without_image_is_a_usage_error)
{
	struct out o;

	run(&o, "%s/ckptinfo", bin);
	ck_rc(o, 2);
	ck_has(o.err, "usage: ckptinfo");
}
END_TEST

START_TEST(restart_bad_prefix_reports_offset_and_reason)
{
	struct out o;
	struct img im = { 0 };

	img_minimal(&im, 100);
	((struct ckpt_hdr_header *)im.buf)->version = 9;
	save("v.img", im.buf, im.len);
	img_free(&im);
	run(&o, "%s/restart -i v.img", bin);
	ck_rc(o, 1);
	ck_has(o.err, "restart: offset 0: unsupported image version 9 (expected 1)");
}
END_TEST

START_TEST(restart_refuses_threads_for_now)
{
	struct out o;
	struct img im = { 0 };
	struct ckpt_task_pids e[2] = {
		{ .pid = 10, .tgid = 10 },
		{ .pid = 11, .tgid = 10, .ppid = 10, .flags = CKPT_TASK_THREAD },
	};

	img_header(&im);
	img_tree(&im, e, 2);
	img_task(&im, 10, "a");
	img_task(&im, 11, "a");
	img_tail(&im);
	save("t.img", im.buf, im.len);
	img_free(&im);
	run(&o, "%s/restart -i t.img", bin);
	ck_rc(o, 1);
	ck_has(o.err, "restart: threads are not supported yet");
}
END_TEST

START_TEST(restart_success_exits_with_the_root_status)
{
	struct out o;

	save_full("a.img");
	run(&o, "KCR_FAKE=ok KCR_FAKE_EXIT=7 %s/restart-fake --no-pids -i a.img -l log.txt; echo rc=$?; cat log.txt",
	    testbin);
	ck_has(o.out, "rc=7");
	ck_has(o.out, "restart done: 1 task(s)");
}
END_TEST

START_TEST(restart_success_from_a_pipe)
{
	struct out o;

	save_full("a.img");
	run(&o, "cat a.img | KCR_FAKE=ok KCR_FAKE_EXIT=5 %s/restart-fake --no-pids",
	    testbin);
	ck_rc(o, 5);
}
END_TEST

START_TEST(restart_detach_prints_the_root_pid)
{
	struct out o;
	long pid;

	save_full("a.img");
	run(&o, "KCR_FAKE=ok %s/restart-fake --no-pids -d -i a.img", testbin);
	ck_rc(o, 0);
	pid = strtol(o.out, NULL, 10);
	ck_assert_msg(pid > 1, "expected a pid on stdout, got \"%s\"", o.out);
}
END_TEST

START_TEST(restart_root_killed_by_signal_exits_128_plus_signal)
{
	struct out o;

	save_full("a.img");
	run(&o, "KCR_FAKE=sig %s/restart-fake --no-pids -i a.img", testbin);
	ck_rc(o, 128 + 15);
}
END_TEST

START_TEST(restart_failure_reports_errno_and_log_reason)
{
	struct out o;

	save_full("a.img");
	run(&o, "KCR_FAKE=fail %s/restart-fake --no-pids -i a.img", testbin);
	ck_rc(o, 1);
	ck_has(o.err, "restart: No such file or directory: files: cannot open /tmp/x (errno=2)");
}
END_TEST

START_TEST(restart_failure_after_point_of_no_return_reports_log_errno)
{
	struct out o;

	save_full("a.img");
	run(&o, "KCR_FAKE=die %s/restart-fake --no-pids -i a.img", testbin);
	ck_rc(o, 1);
	ck_has(o.err, "restart: Bad address: mm: bad address (errno=14)");
}
END_TEST

START_TEST(restart_kernel_sees_whole_image_from_byte_0)
{
	struct out o;

	/* The fake validates the image it is fed: a bad body makes it fail. */
	save_full("a.img");
	run(&o, "head -c 5000 a.img | KCR_FAKE=ok %s/restart-fake --no-pids", testbin);
	ck_rc(o, 1);
	ck_has(o.err, "restart: Invalid argument: image: offset 5000: unexpected end of image in PAGES");
}
END_TEST

START_TEST(checkpoint_invalid_pid_is_a_usage_error)
{
	struct out o;

	run(&o, "%s/checkpoint -o x.img 12abc", bin);
	ck_rc(o, 2);
	ck_has(o.err, "checkpoint: invalid pid \"12abc\"");
}
END_TEST


/* The freezer tests need a cgroup2 mount we may write to. */
static int have_cgroup2(void)
{
	char line[1024];
	FILE *f;
	int found = 0;

	if (geteuid() != 0)
		return 0;
	f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " - cgroup2 "))
			found = 1;
	fclose(f);
	if (!found)
		fprintf(stderr, "note: no cgroup2 mount; freezer test skipped\n");
	return found;
}

static void cgroup_of(pid_t pid, char *buf, size_t size)
{
	char path[64], all[4096], *p, *nl;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	slurp(path, all, sizeof(all));
	p = strstr(all, "0::");
	p = p ? p + 3 : all;
	nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	strncpy(buf, p, size - 1);
	buf[size - 1] = 0;
}

/* State letter of /proc/pid/stat, 0 if gone. */
static char proc_state(pid_t pid)
{
	char path[64], buf[1024], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	slurp(path, buf, sizeof(buf));
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* A child with one grandchild, both sleeping; returns both pids. */
static void make_tree(pid_t *child, pid_t *grandchild)
{
	int p[2];
	pid_t c, g;

	ck_assert(pipe(p) == 0);
	c = fork();
	ck_assert(c >= 0);
	if (c == 0) {
		g = fork();
		if (g == 0) {
			for (;;)
				pause();
		}
		if (write(p[1], &g, sizeof(g)) != sizeof(g))
			_exit(1);
		for (;;)
			pause();
	}
	ck_assert(read(p[0], &g, sizeof(g)) == sizeof(g));
	close(p[0]);
	close(p[1]);
	*child = c;
	*grandchild = g;
}

START_TEST(checkpoint_freezes_then_thaws_and_restores_cgroups)
{
	char before_c[512], before_g[512], after[512];
	pid_t c, g;
	struct out o;

	if (!have_cgroup2())
		return;
	make_tree(&c, &g);
	cgroup_of(c, before_c, sizeof(before_c));
	cgroup_of(g, before_g, sizeof(before_g));
	run(&o, "KCR_FAKE_CKPT=ok %s/checkpoint-fake -v -o x.img %d; cat x.img",
	    testbin, (int)c);
	ck_rc(o, 0);
	ck_has(o.out, "checkpoint id 42");
	ck_has(o.out, "fake image");
	cgroup_of(c, after, sizeof(after));
	ck_assert_msg(!strcmp(after, before_c), "child: expected cgroup %s, got %s",
		      before_c, after);
	cgroup_of(g, after, sizeof(after));
	ck_assert_msg(!strcmp(after, before_g), "grandchild: expected cgroup %s, got %s",
		      before_g, after);
	ck_assert_msg(proc_state(c) == 'S' && proc_state(g) == 'S',
		      "expected both sleeping, got %c %c", proc_state(c), proc_state(g));
	run(&o, "ls -d /sys/fs/cgroup/kcr.%d.* /sys/fs/cgroup/unified/kcr.%d.* 2>/dev/null",
	    (int)c, (int)c);
	ck_assert_msg(o.out[0] == '\0', "transient cgroup left behind: %s", o.out);
	kill(g, SIGKILL);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
}
END_TEST

START_TEST(checkpoint_kill_kills_the_whole_tree)
{
	struct timespec ts = { 0, 10000000L };
	pid_t c, g;
	struct out o;
	int st, i;

	if (!have_cgroup2())
		return;
	make_tree(&c, &g);
	run(&o, "KCR_FAKE_CKPT=ok %s/checkpoint-fake --kill -o x.img %d", testbin, (int)c);
	ck_rc(o, 0);
	ck_assert(waitpid(c, &st, 0) == c);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		      "expected the child killed by SIGKILL, got status 0x%x", st);
	for (i = 0; i < 100 && proc_state(g) && proc_state(g) != 'Z'; i++)
		nanosleep(&ts, NULL);
	ck_assert_msg(!proc_state(g) || proc_state(g) == 'Z',
		      "expected the grandchild dead, got state %c", proc_state(g));
}
END_TEST

START_TEST(checkpoint_failure_leaves_the_tree_running)
{
	char before[512], after[512];
	pid_t c, g;
	struct out o;

	if (!have_cgroup2())
		return;
	make_tree(&c, &g);
	cgroup_of(c, before, sizeof(before));
	run(&o, "%s/checkpoint-fake -o x.img %d; ls x.img", testbin, (int)c);
	ck_has(o.err, "checkpoint: Operation not supported: fake kernel (errno=95)");
	ck_has(o.err, "x.img': No such file");
	cgroup_of(c, after, sizeof(after));
	ck_assert_msg(!strcmp(after, before), "expected cgroup %s, got %s", before, after);
	ck_assert_msg(proc_state(c) == 'S' && proc_state(g) == 'S',
		      "expected both sleeping, got %c %c", proc_state(c), proc_state(g));
	kill(g, SIGKILL);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
}
END_TEST

START_TEST(checkpoint_refuses_to_checkpoint_its_ancestor)
{
	struct out o;

	if (!have_cgroup2())
		return;
	run(&o, "KCR_FAKE_CKPT=ok %s/checkpoint-fake -o x.img %d", testbin, (int)getpid());
	ck_rc(o, 1);
	ck_has(o.err, "is an ancestor of this checkpoint tool");
}
END_TEST

static Suite *tools_suite(void)
{
	Suite *s = suite_create("tools");
	TCase *tc = tcase_create("cli");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ckptinfo_valid_image_exits_0_with_valid_line);
	tcase_add_test(tc, ckptinfo_truncated_image_exits_1_with_offset_and_reason);
	tcase_add_test(tc, ckptinfo_reads_stdin_when_image_is_dash);
	tcase_add_test(tc, ckptinfo_json_is_one_document);
	tcase_add_test(tc, ckptinfo_json_of_bad_image_has_error);
	tcase_add_test(tc, ckptinfo_without_image_is_a_usage_error);
	tcase_add_test(tc, restart_bad_prefix_reports_offset_and_reason);
	tcase_add_test(tc, restart_refuses_threads_for_now);
	tcase_add_test(tc, restart_success_exits_with_the_root_status);
	tcase_add_test(tc, restart_success_from_a_pipe);
	tcase_add_test(tc, restart_detach_prints_the_root_pid);
	tcase_add_test(tc, restart_root_killed_by_signal_exits_128_plus_signal);
	tcase_add_test(tc, restart_failure_reports_errno_and_log_reason);
	tcase_add_test(tc, restart_failure_after_point_of_no_return_reports_log_errno);
	tcase_add_test(tc, restart_kernel_sees_whole_image_from_byte_0);
	tcase_add_test(tc, checkpoint_invalid_pid_is_a_usage_error);
	tcase_add_test(tc, checkpoint_freezes_then_thaws_and_restores_cgroups);
	tcase_add_test(tc, checkpoint_kill_kills_the_whole_tree);
	tcase_add_test(tc, checkpoint_failure_leaves_the_tree_running);
	tcase_add_test(tc, checkpoint_refuses_to_checkpoint_its_ancestor);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tools_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
