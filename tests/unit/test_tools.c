// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the tools' command lines: ckptinfo on generated images,
 * restart's prefix validation, and restart's protocol handling against a
 * fake of the system calls (restart-fake, see fake/fake_kcr.c): single
 * tasks and trees (every task, thread and zombie enters restart() with
 * the arguments of the protocol), saved pids that are still taken,
 * new pid namespaces, new IPC namespaces (--ipcns, and its refusal
 * without privilege); checkpoint's freezing of whole trees, --container
 * and --ipc; what the tools never destroy (an existing image kept by a
 * failed or interrupted checkpoint, replaced atomically by a successful
 * one, FIFOs and devices written in place, log files appended to).  The
 * binaries come from $KCR_BIN and $KCR_TESTBIN (set by "make check").  Tests that need root (set_tid, namespaces, cgroups)
 * say so and pass trivially without it.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "kcr.h"
#include "imgwriter.h"
#include "cmdrun.h"

static const char *bin, *testbin;

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
	/* the fake kernel's tasks say where they entered restart() */
	setenv("KCR_FAKE_DIR", dir, 1);
}

static int is_root(const char *what)
{
	if (geteuid() == 0)
		return 1;
	fprintf(stderr, "note: not root: %s skipped\n", what);
	return 0;
}

static void save_img(const char *name, struct img *im)
{
	save(name, im->buf, im->len);
	img_free(im);
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
	struct img im = { 0 };
	struct out o;
	char want[128];

	img_full(&im, 4242);
	snprintf(want, sizeof(want), "valid: %llu records, %zu bytes, 1 tasks",
		 (unsigned long long)im.nr_records, im.len);
	save_img("a.img", &im);
	run(&o, "%s/ckptinfo a.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "TREE");
	ck_has(o.out, "pid=4242");
	ck_has(o.out, "comm=\"full\"");
	ck_has(o.out, "start=0x7f0000000000 end=0x7f0000004000 prot=rw-p- vm_flags=0x3 kind=anon pgoff=0 nr_pages=2");
	ck_has(o.out, "ip=0x401000 sp=0x7f0000003ff0");
	ck_has(o.out, want);
}
END_TEST

START_TEST(ckptinfo_truncated_image_exits_1_with_offset_and_reason)
{
	struct img im = { 0 };
	struct out o;
	char want[128];

	img_full(&im, 4242);
	snprintf(want, sizeof(want),
		 "ckptinfo: offset 5000: unexpected end of image in PAGES at offset %zu",
		 img_find(&im, CKPT_HDR_PAGES, 0));
	save_img("a.img", &im);
	run(&o, "head -c 5000 a.img > t.img; %s/ckptinfo t.img", bin);
	ck_rc(o, 1);
	ck_has(o.err, want);
}
END_TEST

START_TEST(ckptinfo_reads_stdin_when_image_is_dash)
{
	struct out o;

	save_full("a.img");
	run(&o, "cat a.img | %s/ckptinfo -", bin);
	ck_rc(o, 0);
	ck_has(o.out, "valid: 23 records");
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
	ck_has(o.err, "restart: offset 0: unsupported image version 9 (expected 6)");
}
END_TEST

/* ---- trees ---- */

/* The lines of the fake kernel's "entered" file, one per task but the root. */
static int entered(char *buf, size_t size)
{
	char path[512];
	int n = 0;
	char *p;

	snprintf(path, sizeof(path), "%s/entered", dir);
	slurp(path, buf, size);
	for (p = buf; *p; p++)
		n += *p == '\n';
	return n;
}

/* The value of "key=" in the line starting with `start`, or -9999. */
static long field(const char *text, const char *start, const char *key)
{
	const char *l = text, *v;
	char k[32];

	snprintf(k, sizeof(k), " %s=", key);
	while (l && *l) {
		if (!strncmp(l, start, strlen(start))) {
			const char *nl = strchr(l, '\n');

			v = strstr(l, k);
			if (v && (!nl || v < nl))
				return strtol(v + strlen(k), NULL, 10);
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return -9999;
}

/*
 *   R 100 (group leader; session 50 outside)
 *   ├─ T 101     thread of R
 *   ├─ A 102     group leader
 *   │  └─ A1 103 in A's group
 *   ├─ B 104     setsid()
 *   └─ Z 105     zombie
 */
static uint32_t small_tree(struct ckpt_task_pids *e)
{
	e[0] = img_proc(NULL, 100);
	e[0].sid = 50;
	e[1] = img_thread(&e[0], 101);
	e[2] = img_proc(&e[0], 102);
	e[2].pgid = 102;
	e[2].flags |= CKPT_TASK_GROUP_LEADER;
	e[3] = img_proc(&e[2], 103);
	e[4] = img_proc(&e[0], 104);
	e[4].pgid = e[4].sid = 104;
	e[4].flags |= CKPT_TASK_GROUP_LEADER | CKPT_TASK_SESSION_LEADER;
	e[5] = img_zombie(&e[0], 105, 3 << 8);
	return 6;
}

START_TEST(restart_tree_every_task_enters_with_its_index)
{
	struct ckpt_task_pids e[8];
	struct img im = { 0 };
	struct out o;
	char ent[8192], line[32];
	long root, a, i;
	uint32_t n = small_tree(e);

	img_build(&im, e, n, 0);
	save_img("t.img", &im);
	run(&o, "KCR_FAKE=ok %s/restart-fake --no-pids -i t.img -l log.txt; echo rc=$?; cat log.txt",
	    testbin);
	ck_has(o.out, "rc=7");
	ck_has(o.out, "restart done: 6 task(s)");
	ck_assert_int_eq(entered(ent, sizeof(ent)), 5);
	root = strtol(strstr(o.out, "\n[") + 2, NULL, 10);	/* "[pid] restart done" */
	/* every task but the root: restart(root, its TREE index, NO_PIDS, -1) */
	for (i = 2; i <= 5; i++) {
		snprintf(line, sizeof(line), "task index=%ld ", i);
		ck_assert_msg(strstr(ent, line), "no %s in\n%s", line, ent);
		ck_assert_int_eq(field(ent, line, "root"), root);
		ck_assert_int_eq(field(ent, line, "flags"), CKPT_RESTART_NO_PIDS);
	}
	ck_assert_int_eq(field(ent, "thread", "fd"), 1);
	ck_assert_int_eq(field(ent, "thread", "root"), root);
	/* the tree: parents, groups and the session, by the new pids */
	a = field(ent, "task index=2 ", "pid");
	ck_assert_int_eq(field(ent, "task index=2 ", "ppid"), root);
	ck_assert_int_eq(field(ent, "task index=2 ", "pgid"), a);
	ck_assert_int_eq(field(ent, "task index=3 ", "ppid"), a);
	ck_assert_int_eq(field(ent, "task index=3 ", "pgid"), a);
	ck_assert_int_eq(field(ent, "task index=4 ", "sid"), field(ent, "task index=4 ", "pid"));
	ck_assert_int_eq(field(ent, "task index=5 ", "ppid"), root);
	ck_assert_int_eq(field(ent, "task index=5 ", "sid"), getsid(0));
}
END_TEST

/*
 * restart --force-files: every task of the tree, its threads and the root
 * included, passes CKPT_RESTART_FORCE_FILES to restart(), with or without
 * CKPT_RESTART_NO_PIDS; the plan shows the flags; without the option no
 * task passes it.
 */
START_TEST(restart_force_files_passes_the_flag_to_every_task)
{
	struct ckpt_task_pids e[8];
	struct img im = { 0 };
	char ent[8192], line[32], want[64];
	struct out o;
	long i;
	uint32_t n = small_tree(e);

	img_build(&im, e, n, 0);
	save_img("t.img", &im);
	run(&o, "KCR_FAKE=ok %s/restart-fake --force-files --no-pids -i t.img -l log.txt; echo rc=$?; cat log.txt",
	    testbin);
	ck_has(o.out, "rc=7");
	ck_has(o.out, "restart done: 6 task(s)");
	snprintf(want, sizeof(want), "fake root flags=%lu\n",
		 (unsigned long)(CKPT_RESTART_NO_PIDS | CKPT_RESTART_FORCE_FILES));
	ck_has(o.out, want);
	ck_assert_int_eq(entered(ent, sizeof(ent)), 5);
	for (i = 2; i <= 5; i++) {
		snprintf(line, sizeof(line), "task index=%ld ", i);
		ck_assert_msg(strstr(ent, line), "no %s in\n%s", line, ent);
		ck_assert_int_eq(field(ent, line, "flags"),
				 CKPT_RESTART_NO_PIDS | CKPT_RESTART_FORCE_FILES);
	}
	ck_assert_int_eq(field(ent, "thread", "flags"),
			 CKPT_RESTART_NO_PIDS | CKPT_RESTART_FORCE_FILES);

	/* without the option: not given */
	run(&o, "rm -f entered; KCR_FAKE=ok %s/restart-fake --no-pids -i t.img -l log2.txt; echo rc=$?; cat log2.txt",
	    testbin);
	ck_has(o.out, "rc=7");
	snprintf(want, sizeof(want), "fake root flags=%lu\n", (unsigned long)CKPT_RESTART_NO_PIDS);
	ck_has(o.out, want);
	ck_assert_int_eq(entered(ent, sizeof(ent)), 5);
	ck_assert_int_eq(field(ent, "task index=2 ", "flags"), CKPT_RESTART_NO_PIDS);
	ck_assert_int_eq(field(ent, "thread", "flags"), CKPT_RESTART_NO_PIDS);

	/* the plan */
	run(&o, "%s/mktree --dry-run --force-files < t.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "the root restart(0, image, 0x2, log), every other one restart(100, -1, 0x2, -1)");
	run(&o, "%s/restart --dry-run --force-files --no-pids -i t.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "restart(0, image, 0x3, log), every other one restart(<root pid>, <its TREE index>, 0x3, -1)");
	run(&o, "%s/restart --help", bin);
	ck_rc(o, 0);
	ck_has(o.out, "--force-files   reopen saved files even if they changed since the\n");
}
END_TEST

/*
 * The last step creates a thread, which then tells the tool the tree is
 * complete while its leader (sharing its fds) goes on: once raced (the
 * leader closed the ready pipe first, 1 time in 5).
 */
START_TEST(restart_tree_ending_with_a_thread_is_reliable)
{
	struct ckpt_task_pids e[8];
	struct img im = { 0 };
	struct out o;
	uint32_t n = small_tree(e);

	img_build(&im, e, n, 0);
	save_img("t.img", &im);
	run(&o, "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do rm -f entered; "
	    "KCR_FAKE=ok %s/restart-fake --no-pids -i t.img; echo rc=$?; done", testbin);
	ck_assert_msg(!strstr(o.out, "rc=1"), "%s\nstderr: %s", o.out, o.err);
	ck_assert_msg(o.err[0] == '\0', "stderr: %s", o.err);
}
END_TEST

/*
 * A container with a daemon whose session and group leader (3) is gone
 * and a nested pid namespace, restarted with its pids in a new namespace
 * (the default for a container image): pids as every task sees them.
 */
START_TEST(restart_container_tree_with_saved_pids_in_a_new_namespace)
{
	struct ckpt_task_pids e[8];
	struct img im = { 0 };
	struct out o;
	char ent[8192];

	if (!is_root("restart_container_tree_with_saved_pids_in_a_new_namespace"))
		return;
	e[0] = img_proc(NULL, 1);
	e[0].sid = 1;
	e[0].flags |= CKPT_TASK_SESSION_LEADER;
	e[1] = img_proc(&e[0], 2);
	e[2] = img_proc(&e[0], 5);		/* the daemon */
	e[2].sid = e[2].pgid = 3;
	e[3] = img_thread(&e[2], 6);
	e[4] = img_newns(&e[0], 7);		/* pids 7, 1 */
	e[5] = img_proc(&e[4], 8);		/* pids 8, 1008 */
	img_build(&im, e, 6, CKPT_CHECKPOINT_CONTAINER);
	save_img("c.img", &im);
	run(&o, "KCR_FAKE=ok KCR_FAKE_EXIT=3 %s/restart-fake -i c.img -l log.txt; echo rc=$?; cat log.txt",
	    testbin);
	ck_has(o.out, "rc=3");
	ck_has(o.out, "restart done: 6 task(s)");
	ck_assert_int_eq(entered(ent, sizeof(ent)), 5);
	ck_assert_msg(strstr(ent, "task index=-1 pid=2 ppid=1 pgid=1 sid=1 root=1 fd=-1 flags=0\n"), "%s", ent);
	ck_assert_msg(strstr(ent, "task index=-1 pid=5 ppid=1 pgid=3 sid=3 root=1 fd=-1 flags=0\n"), "%s", ent);
	ck_assert_msg(strstr(ent, "thread tid=6 root=1 fd=-1 flags=0\n"), "%s", ent);
	/* the nested init: its parent, group and session leaders are outside */
	/* ... and they can not name the root: they join their ancestor's restart */
	ck_assert_msg(strstr(ent, "task index=-1 pid=1 ppid=0 pgid=0 sid=0 root=-1 "), "%s", ent);
	ck_assert_msg(strstr(ent, "task index=-1 pid=1008 ppid=1 pgid=0 sid=0 root=-1 "), "%s", ent);
}
END_TEST

START_TEST(restart_of_a_container_image_needs_a_new_pid_namespace)
{
	struct ckpt_task_pids e[2];
	struct img im = { 0 };
	struct out o;

	e[0] = img_proc(NULL, 1);
	e[1] = img_proc(&e[0], 2);
	img_build(&im, e, 2, 0);		/* pid 1, without the container flag */
	save_img("p1.img", &im);
	run(&o, "%s/restart -i p1.img", bin);
	ck_rc(o, 1);
	ck_has(o.err, "restart: the image's root has pid 1: it is the init of a pid namespace (a container image); restart it in a new pid namespace with --pidns");
	img_build(&im, e, 2, CKPT_CHECKPOINT_CONTAINER);
	save_img("c.img", &im);
	run(&o, "%s/restart --no-pidns -i c.img", bin);
	ck_rc(o, 1);
	ck_has(o.err, "--pidns");
	run(&o, "%s/mktree --dry-run -i c.img", bin);	/* the default */
	ck_rc(o, 0);
	ck_has(o.out, "the root in a new pid namespace");
	ck_has(o.out, "the tool creates [0] pid 1: clone3(flags=CLONE_NEWPID, exit_signal=17, set_tid={1})");
	run(&o, "%s/mktree --dry-run --pidns -i p1.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "CLONE_NEWPID");
	save_full("a.img");
	run(&o, "%s/restart --pidns -i a.img", bin);
	ck_rc(o, 1);
	ck_has(o.err, "--pidns: the image's root has pid 4242, not 1");
}
END_TEST

START_TEST(mktree_dry_run_prints_the_plan)
{
	struct ckpt_task_pids e[8];
	struct img im = { 0 };
	struct out o;
	uint32_t n = small_tree(e);

	img_build(&im, e, n, 0);
	save_img("t.img", &im);
	run(&o, "%s/mktree --dry-run < t.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "plan: 6 tasks (1 threads, 1 zombies), 0 helpers, 8 steps; pids restored\n");
	ck_has(o.out, "   0. the tool creates [0] pid 100: clone3(flags=0, exit_signal=17, set_tid={100})\n");
	ck_has(o.out, "[2] pid 102: setpgid(0, 0)\n");
	ck_has(o.out, "[2] pid 102: creates [3] pid 103: clone3(flags=0, exit_signal=17, set_tid={103})\n");
	ck_has(o.out, "[4] pid 104: setsid()\n");
	ck_has(o.out, "creates [5] pid 105 (zombie)");
	ck_has(o.out, "[0] pid 100: creates thread [1] tid 101: clone3(flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0, set_tid={101})\n");
	ck_has(o.out, "every other one restart(100, -1, 0x0, -1)");
	run(&o, "%s/mktree --dry-run --no-pids < t.img", bin);
	ck_has(o.out, "pids not restored");
	ck_has(o.out, "restart(<root pid>, <its TREE index>, 0x1, -1)");
}
END_TEST

/*
 * A process that holds pid `*held` until killed; its parent (our child,
 * returned: wait for it at the end) reaps it at once, so the pid is free
 * as soon as it dies.
 */
static pid_t hold_pid(pid_t *held)
{
	int p[2];
	pid_t r, h;

	ck_assert(pipe(p) == 0);
	r = fork();
	ck_assert(r >= 0);
	if (r == 0) {
		h = fork();
		if (h == 0) {
			signal(SIGTERM, SIG_DFL);	/* check's handler is inherited */
			for (;;)
				pause();
		}
		if (write(p[1], &h, sizeof(h)) != sizeof(h))
			_exit(1);
		waitpid(h, NULL, 0);
		_exit(0);
	}
	close(p[1]);
	ck_assert(read(p[0], held, sizeof(*held)) == sizeof(*held));
	close(p[0]);
	return r;
}

/* An image of one task with pid `pid`, big enough to fill a pipe twice. */
static void big_image(struct img *im, pid_t pid)
{
	enum { NPAGES = 40 };
	static unsigned char data[NPAGES * (8 + IMG_PAGE)];
	struct ckpt_task_pids e = img_proc(NULL, pid);
	struct ckpt_hdr_vma vma;
	struct ckpt_hdr_pages pages;
	uint64_t *addr = (uint64_t *)data;
	int i;

	e.sid = getsid(0);
	img_header(im);
	img_tree(im, &e, 1);
	img_task(im, pid, "big");
	img_creds(im);
	img_fs(im, e.fs_ref);
	img_files(im, e.files_ref, 0);
	img_mm(im, e.mm_ref, 1);
	memset(&vma, 0, sizeof(vma));
	vma.start = 0x7f0000000000ULL;
	vma.end = vma.start + NPAGES * IMG_PAGE;
	vma.vm_flags = CKPT_VM_READ | CKPT_VM_WRITE;
	vma.kind = CKPT_VMA_ANON;
	vma.nr_pages = NPAGES;
	img_rec(im, CKPT_HDR_VMA, &vma, sizeof(vma), NULL, 0);
	memset(&pages, 0, sizeof(pages));
	pages.nr_pages = NPAGES;
	for (i = 0; i < NPAGES; i++)
		addr[i] = vma.start + (uint64_t)i * IMG_PAGE;
	memset(data + NPAGES * 8, 0x5a, NPAGES * IMG_PAGE);
	img_rec(im, CKPT_HDR_PAGES, &pages, sizeof(pages), data, sizeof(data));
	img_sighand(im, e.sighand_ref);
	img_signal(im, 0, 0, 0);
	img_cpu(im);
	img_fpu(im);
	img_tail(im);
}

/*
 * checkpoint --kill PID | restart: the original holds the pids until the
 * whole image is written.  Here the writer frees the pid only once it has
 * written it all (more than a pipe holds): restart must keep reading
 * while it waits, and then succeed with the saved pid.
 */
START_TEST(restart_waits_for_a_taken_pid_while_reading_its_input)
{
	struct img im = { 0 };
	struct out o;
	pid_t held, r;

	if (!is_root("restart_waits_for_a_taken_pid_while_reading_its_input"))
		return;
	r = hold_pid(&held);
	big_image(&im, held);
	ck_assert_uint_gt(im.len, 2 * 65536);	/* more than a pipe holds */
	save_img("big.img", &im);
	/* the pid is freed only once the whole image is in the pipe */
	run(&o, "{ cat big.img; kill -9 %d; } | KCR_FAKE=ok %s/restart-fake --wait 10 -l log.txt; echo rc=$?; grep done log.txt",
	    (int)held, testbin);
	kill(held, SIGKILL);
	waitpid(r, NULL, 0);
	ck_has(o.err, "pid");
	ck_assert_msg(strstr(o.err, "is taken, waiting up to 10 s"), "stderr: %s", o.err);
	ck_assert_msg(strstr(o.out, "rc=7"), "%s; stderr: %s", o.out, o.err);
	ck_has(o.out, "restart done: 1 task(s)");
}
END_TEST

START_TEST(restart_gives_up_on_a_taken_pid)
{
	struct img im = { 0 };
	struct out o;
	char want[128];
	pid_t held, r;

	if (!is_root("restart_gives_up_on_a_taken_pid"))
		return;
	r = hold_pid(&held);
	big_image(&im, held);
	save_img("big.img", &im);
	run(&o, "KCR_FAKE=ok %s/restart-fake --wait 1 -i big.img", testbin);
	kill(held, SIGKILL);
	waitpid(r, NULL, 0);
	ck_rc(o, 1);
	snprintf(want, sizeof(want), "pid %d is taken, waiting up to 1 s", (int)held);
	ck_has(o.err, want);
	snprintf(want, sizeof(want), "restart: pid %d is still in use after 1 s (use --no-pids)",
		 (int)held);
	ck_has(o.err, want);
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

/* ---- SysV IPC: checkpoint --ipc, restart --ipcns / --no-ipcns ---- */

/* Our own IPC namespace, "ipc:[N]". */
static void own_ipcns(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/ns/ipc", buf, size - 1);

	ck_assert(n > 0);
	buf[n] = '\0';
}

/*
 * The namespaces in the fake kernel's ipcns file: every line's must be
 * the same (returned in ns), `want` lines.
 */
static int count_lines_with(const char *s, const char *what)
{
	int n = 0;

	for (; (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

static void ipcns_of_tasks(int want, char *ns, size_t size)
{
	char path[512], all[8192], *l, *v;
	int n = 0, tries;

	snprintf(path, sizeof(path), "%s/ipcns", dir);
	/*
	 * The tool returns with the root's status; a task that is still
	 * exiting may not have written its line yet on a loaded machine.
	 */
	for (tries = 0; tries < 100; tries++) {
		slurp(path, all, sizeof(all));
		if (count_lines_with(all, " ns=") >= want)
			break;
		usleep(50000);
	}
	ns[0] = '\0';
	for (l = all; (v = strstr(l, " ns=")); l = strchr(v, '\n') ? strchr(v, '\n') + 1 : v + 4) {
		size_t len = strcspn(v + 4, "\n");

		if (!ns[0])
			snprintf(ns, size, "%.*s", (int)len, v + 4);
		else
			ck_assert_msg(strlen(ns) == len && !strncmp(ns, v + 4, len),
				      "tasks in different IPC namespaces:\n%s", all);
		n++;
	}
	ck_assert_msg(n == want, "expected %d ipcns lines, got %d:\n%s", want, n, all);
}

/* Root 100 with its thread 101 and child 102 (root_flags added to the root). */
static void save_ipc_tree(const char *name, uint32_t root_flags, int32_t pid1)
{
	struct ckpt_task_pids e[3];
	struct img im = { 0 };

	e[0] = img_proc(NULL, pid1);
	e[0].flags |= root_flags;
	e[1] = img_thread(&e[0], pid1 + 1);
	e[2] = img_proc(&e[0], pid1 + 2);
	img_build(&im, e, 3, pid1 == 1 ? CKPT_CHECKPOINT_CONTAINER : 0);
	save_img(name, &im);
}

START_TEST(restart_ipcns_puts_every_task_in_a_new_ipc_namespace)
{
	char mine[64], ns[64];
	struct out o;

	if (!is_root("restart_ipcns_puts_every_task_in_a_new_ipc_namespace"))
		return;
	own_ipcns(mine, sizeof(mine));
	save_ipc_tree("t.img", 0, 100);
	/* by default: the tool's namespace */
	run(&o, "KCR_FAKE=ok %s/restart-fake --no-pids -i t.img; echo rc=$?", testbin);
	ck_has(o.out, "rc=7");
	ipcns_of_tasks(3, ns, sizeof(ns));
	ck_assert_str_eq(ns, mine);
	/* --ipcns: the root, its thread and its child in one new namespace */
	run(&o, "rm -f ipcns; KCR_FAKE=ok %s/restart-fake --no-pids --ipcns -i t.img; echo rc=$?",
	    testbin);
	ck_has(o.out, "rc=7");
	ipcns_of_tasks(3, ns, sizeof(ns));
	ck_assert_str_ne(ns, mine);
}
END_TEST

START_TEST(restart_default_ipcns_for_newipcns_and_container_images)
{
	char mine[64], ns[64];
	struct out o;

	if (!is_root("restart_default_ipcns_for_newipcns_and_container_images"))
		return;
	own_ipcns(mine, sizeof(mine));
	/* the root had its own IPC namespace (its IPC_NS is PRIVATE) */
	save_ipc_tree("n.img", CKPT_TASK_NEWIPCNS, 100);
	run(&o, "KCR_FAKE=ok %s/restart-fake --no-pids -i n.img; echo rc=$?", testbin);
	ck_has(o.out, "rc=7");
	ipcns_of_tasks(3, ns, sizeof(ns));
	ck_assert_str_ne(ns, mine);
	run(&o, "rm -f ipcns; KCR_FAKE=ok %s/restart-fake --no-pids --no-ipcns -i n.img; echo rc=$?",
	    testbin);
	ck_has(o.out, "rc=7");
	ipcns_of_tasks(3, ns, sizeof(ns));
	ck_assert_str_eq(ns, mine);
	/* a container image (in a new pid namespace too) */
	save_ipc_tree("c.img", 0, 1);
	run(&o, "rm -f ipcns; KCR_FAKE=ok %s/restart-fake -i c.img; echo rc=$?", testbin);
	ck_has(o.out, "rc=7");
	ipcns_of_tasks(3, ns, sizeof(ns));
	ck_assert_str_ne(ns, mine);
	run(&o, "rm -f ipcns; KCR_FAKE=ok %s/restart-fake --no-ipcns -i c.img; echo rc=$?", testbin);
	ck_has(o.out, "rc=7");
	ipcns_of_tasks(3, ns, sizeof(ns));
	ck_assert_str_eq(ns, mine);
}
END_TEST

/*
 * Without CAP_SYS_ADMIN the unshare fails: the tool says so and stops
 * before anything exists (no task entered restart(), no log file).  As
 * root, the tool runs as nobody (setpriv); otherwise as we are.
 */
START_TEST(restart_ipcns_without_privilege_fails_before_creating_anything)
{
	char drop[128] = "", path[512];
	struct out o;

	if (geteuid() == 0) {
		if (system("command -v setpriv >/dev/null 2>&1")) {
			fprintf(stderr, "note: no setpriv: unprivileged --ipcns test skipped\n");
			return;
		}
		snprintf(drop, sizeof(drop), "setpriv --reuid=65534 --regid=65534 --clear-groups");
	}
	save_ipc_tree("t.img", 0, 100);
	save_ipc_tree("n.img", CKPT_TASK_NEWIPCNS, 100);
	/* a place where the unprivileged tool could create its log and the fake its files */
	run(&o, "cp %s/restart-fake . && chmod 0777 . && chmod 0644 t.img n.img", testbin);
	ck_rc(o, 0);
	run(&o, "KCR_FAKE=ok %s ./restart-fake --no-pids --ipcns -l %s/log.txt < t.img", drop, dir);
	ck_rc(o, 1);
	ck_has(o.err, "restart: cannot restart in a new IPC namespace (--ipcns): unshare(CLONE_NEWIPC): "
		      "Operation not permitted (it needs CAP_SYS_ADMIN)\n");
	/* by default, for an image whose root had its own namespace */
	run(&o, "KCR_FAKE=ok %s ./restart-fake --no-pids -l %s/log.txt < n.img", drop, dir);
	ck_rc(o, 1);
	ck_has(o.err, "restart: cannot restart in a new IPC namespace (the default: the image's root had "
		      "an IPC namespace of its own, NEWIPCNS): unshare(CLONE_NEWIPC): Operation not permitted "
		      "(it needs CAP_SYS_ADMIN); --no-ipcns restarts in the tool's IPC namespace\n");
	snprintf(path, sizeof(path), "%s/log.txt", dir);
	ck_assert_msg(access(path, F_OK), "the log file was created");
	snprintf(path, sizeof(path), "%s/ipcns", dir);
	ck_assert_msg(access(path, F_OK), "a task was created");
	snprintf(path, sizeof(path), "%s/entered", dir);
	ck_assert_msg(access(path, F_OK), "a task entered restart()");
	/* --no-ipcns: nothing to unshare, the (fake) restart goes on */
	run(&o, "KCR_FAKE=ok %s ./restart-fake --no-pids --no-ipcns < n.img; echo rc=$?", drop);
	ck_has(o.out, "rc=7");
}
END_TEST

START_TEST(mktree_dry_run_says_where_the_ipc_objects_go)
{
	struct out o;

	save_ipc_tree("t.img", 0, 100);
	save_ipc_tree("n.img", CKPT_TASK_NEWIPCNS, 100);
	save_ipc_tree("c.img", 0, 1);
	run(&o, "%s/mktree --dry-run -i t.img", bin);
	ck_rc(o, 0);
	ck_assert_msg(!strstr(o.out, "ipc:"), "%s", o.out);
	ck_assert_msg(!strncmp(o.out, "plan: ", 6), "%s", o.out);
	run(&o, "%s/mktree --dry-run --ipcns -i t.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "ipc: the tool first unshares CLONE_NEWIPC: the tree is restored in a new IPC namespace (--ipcns)\nplan: ");
	run(&o, "%s/mktree --dry-run -i n.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "ipc: the tool first unshares CLONE_NEWIPC: the tree is restored in a new IPC namespace "
		      "(the default: the image's root had an IPC namespace of its own, NEWIPCNS)\n");
	run(&o, "%s/mktree --dry-run --no-ipcns -i n.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "ipc: the tree stays in the tool's IPC namespace (--no-ipcns), although the image's root "
		      "had one of its own (NEWIPCNS): the kernel accepts that only if the namespace is empty "
		      "and not the initial one\n");
	run(&o, "%s/mktree --dry-run -i c.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "restored in a new IPC namespace (the default for a container image)\n");
	/* the last of --ipcns / --no-ipcns counts */
	run(&o, "%s/mktree --dry-run --ipcns --no-ipcns -i c.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "ipc: the tree stays in the tool's IPC namespace (--no-ipcns)\n");
	run(&o, "%s/mktree --dry-run --no-ipcns --ipcns -i t.img", bin);
	ck_has(o.out, "(--ipcns)\n");
	run(&o, "%s/restart --help", bin);
	ck_rc(o, 0);
	ck_has(o.out, "[--ipcns|--no-ipcns]");
	ck_has(o.out, "      --ipcns         restart in a new IPC namespace");
	ck_has(o.out, "      --no-ipcns      not in a new IPC namespace");
}
END_TEST

START_TEST(checkpoint_ipc_option_is_documented)
{
	struct out o;

	run(&o, "%s/checkpoint --help", bin);
	ck_rc(o, 0);
	ck_has(o.out, "usage: checkpoint [-o FILE] [-z] [--level N] [--kill] [--container] [--ipc]\n");
	ck_has(o.out, "      --ipc           save every SysV IPC object of the tree's IPC namespace\n");
	run(&o, "%s/checkpoint --ipcx 1", bin);
	ck_rc(o, 2);
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

/* A thread of make_thread_tree()'s child: it forks the grandchild. */
static void *forking_thread(void *arg)
{
	int *wfd = arg;
	pid_t g = fork();

	if (g == 0) {
		for (;;)
			pause();
	}
	if (write(*wfd, &g, sizeof(g)) != sizeof(g))
		_exit(1);
	for (;;)
		pause();
	return NULL;
}

/* A child whose second thread forked a grandchild (found only through that thread). */
static void make_thread_tree(pid_t *child, pid_t *grandchild)
{
	static int p[2];
	pthread_t th;
	pid_t c;

	ck_assert(pipe(p) == 0);
	c = fork();
	ck_assert(c >= 0);
	if (c == 0) {
		if (pthread_create(&th, NULL, forking_thread, &p[1]))
			_exit(1);
		for (;;)
			pause();
	}
	ck_assert(read(p[0], grandchild, sizeof(*grandchild)) == sizeof(*grandchild));
	close(p[0]);
	close(p[1]);
	*child = c;
}

START_TEST(checkpoint_freezes_the_children_of_every_thread)
{
	char before[512], after[512];
	pid_t c, g;
	struct out o;

	if (!have_cgroup2())
		return;
	make_thread_tree(&c, &g);
	cgroup_of(g, before, sizeof(before));
	/* the fake kernel fails unless every process of the tree is frozen */
	run(&o, "KCR_FAKE_CKPT=ok %s/checkpoint-fake -o x.img %d; cat x.img", testbin, (int)c);
	ck_rc(o, 0);
	ck_has(o.out, "fake image flags=0");
	cgroup_of(g, after, sizeof(after));
	ck_assert_msg(!strcmp(after, before), "grandchild: expected cgroup %s, got %s",
		      before, after);
	ck_assert_msg(proc_state(g) == 'S', "expected the grandchild sleeping, got %c",
		      proc_state(g));
	kill(g, SIGKILL);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
}
END_TEST

/*
 * A container: L (our child) unshares its pid namespace and forks I, pid 1
 * there, which forks C (pid 2).  Outside pids of I and C in *init, *inner.
 */
static pid_t make_container(pid_t *init, pid_t *inner)
{
	int p[2];
	pid_t l, i, c;

	ck_assert(pipe(p) == 0);
	l = fork();
	ck_assert(l >= 0);
	if (l == 0) {
		if (unshare(CLONE_NEWPID))
			_exit(1);
		i = fork();
		if (i == 0) {
			c = fork();
			if (c == 0) {
				for (;;)
					pause();
			}
			for (;;)
				pause();
		}
		if (write(p[1], &i, sizeof(i)) != sizeof(i))
			_exit(1);
		waitpid(i, NULL, 0);
		_exit(0);
	}
	close(p[1]);
	ck_assert(read(p[0], init, sizeof(*init)) == sizeof(*init));
	close(p[0]);
	*inner = 0;
	{	/* C: I's child, as seen from here */
		char path[64], buf[256];
		int k;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)*init, (int)*init);
		for (k = 0; k < 200 && !*inner; k++) {
			slurp(path, buf, sizeof(buf));
			*inner = (pid_t)atoi(buf);
			if (!*inner)
				usleep(10000);
		}
	}
	return l;
}

START_TEST(checkpoint_container_needs_an_init_and_passes_the_flag)
{
	pid_t l, init, inner;
	struct out o;

	if (!have_cgroup2())
		return;
	l = make_container(&init, &inner);
	ck_assert_int_gt(inner, 0);
	run(&o, "KCR_FAKE_CKPT=ok %s/checkpoint-fake --container -o x.img %d; cat x.img",
	    testbin, (int)init);
	ck_rc(o, 0);
	ck_has(o.out, "fake image flags=1");	/* CKPT_CHECKPOINT_CONTAINER */
	run(&o, "KCR_FAKE_CKPT=ok %s/checkpoint-fake --container -o y.img %d; ls y.img",
	    testbin, (int)inner);
	ck_has(o.err, "is not the init of a pid namespace (its pid in its own namespace is 2, not 1)");
	ck_has(o.err, "y.img': No such file");
	ck_assert_msg(proc_state(init) == 'S' && proc_state(inner) == 'S',
		      "expected both sleeping, got %c %c", proc_state(init), proc_state(inner));
	kill(init, SIGKILL);		/* the namespace goes with its init */
	waitpid(l, NULL, 0);
}
END_TEST

START_TEST(checkpoint_ipc_passes_the_flag)
{
	pid_t c, g;
	struct out o;

	if (!have_cgroup2())
		return;
	make_tree(&c, &g);
	run(&o, "KCR_FAKE_CKPT=ok %s/checkpoint-fake --ipc -o x.img %d; cat x.img", testbin, (int)c);
	ck_rc(o, 0);
	ck_has(o.out, "fake image flags=2\n");	/* CKPT_CHECKPOINT_IPC */
	run(&o, "KCR_FAKE_CKPT=ok %s/checkpoint-fake -o x.img %d; cat x.img", testbin, (int)c);
	ck_rc(o, 0);
	ck_has(o.out, "fake image flags=0\n");
	kill(g, SIGKILL);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
}
END_TEST

/* ---- the tools lose no data ---- */

#define NO_PID "1073741823"	/* a valid pid for the parser, never a process */

static const char old_img[] = "a previous good image\n\001\002\377\n";
static const char old_log[] = "previous run\n[1] error: an old reason (errno=1)\n";

static void path_in_dir(char *path, size_t size, const char *name)
{
	snprintf(path, size, "%s/%s", dir, name);
}

/* dir/name holds exactly len bytes of want. */
static void ck_file_is(const char *name, const void *want, size_t len)
{
	char path[512], *buf = malloc(len + 2);
	size_t n = 0;
	FILE *f;

	ck_assert(buf != NULL);
	path_in_dir(path, sizeof(path), name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s is gone", name);
	n = fread(buf, 1, len + 1, f);
	fclose(f);
	buf[n] = '\0';
	ck_assert_msg(n == len && !memcmp(buf, want, len),
		      "%s changed: expected %zu bytes \"%.*s\", got %zu bytes \"%.*s\"", name,
		      len, (int)len, (const char *)want, n, (int)n, buf);
	free(buf);
}

/* dir/name begins with the len bytes of want, and holds needle after them. */
static void ck_file_starts_with(const char *name, const char *want, const char *needle)
{
	char path[512];
	static char buf[1 << 16];

	path_in_dir(path, sizeof(path), name);
	slurp(path, buf, sizeof(buf));
	ck_assert_msg(!strncmp(buf, want, strlen(want)),
		      "%s lost its earlier text: expected it to begin with \"%s\", got \"%s\"",
		      name, want, buf);
	if (needle)
		ck_has(buf + strlen(want), needle);
}

static struct stat stat_of(const char *name)
{
	char path[512];
	struct stat st;

	path_in_dir(path, sizeof(path), name);
	ck_assert_msg(!lstat(path, &st), "%s: %m", name);
	return st;
}

/* No hidden entry (a ".FILE.XXXXXX" temporary) in dir/sub. */
static void ck_no_temporary(const char *sub)
{
	char path[512], left[1024] = "";
	struct dirent *de;
	DIR *d;

	path_in_dir(path, sizeof(path), sub);
	d = opendir(path);
	ck_assert(d != NULL);
	while ((de = readdir(d)))
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strlen(left) + strlen(de->d_name) + 2 < sizeof(left)) {
			strcat(left, " ");
			strcat(left, de->d_name);
		}
	closedir(d);
	ck_assert_msg(!left[0], "temporary file(s) left behind in %s:%s", path, left);
}

/* Its state letter once it sleeps again (a thawed task may run a moment). */
static char sleeping(pid_t pid)
{
	struct timespec ts = { 0, 10000000L };
	int i;

	for (i = 0; i < 100 && proc_state(pid) != 'S'; i++)
		nanosleep(&ts, NULL);
	return proc_state(pid);
}

static void kill_tree(pid_t c, pid_t g)
{
	kill(g, SIGKILL);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
}

START_TEST(checkpoint_failure_keeps_the_existing_image)
{
	struct stat before, after;
	struct out o;
	pid_t c, g;

	save("good.img", old_img, sizeof(old_img) - 1);
	before = stat_of("good.img");
	/* a mistyped pid */
	run(&o, "%s/checkpoint -o good.img " NO_PID, bin);
	ck_rc(o, 1);
	ck_file_is("good.img", old_img, sizeof(old_img) - 1);
	after = stat_of("good.img");
	ck_assert_msg(after.st_ino == before.st_ino, "good.img was replaced");
	ck_no_temporary(".");
	run(&o, "%s/checkpoint -o new.img " NO_PID "; ls new.img", bin);
	ck_has(o.err, "new.img': No such file");
	ck_no_temporary(".");
	if (!have_cgroup2())
		return;
	/* the kernel refuses at once, or fails after writing part of the image */
	make_tree(&c, &g);
	run(&o, "%s/checkpoint-fake -o good.img %d", testbin, (int)c);
	ck_rc(o, 1);
	ck_has(o.err, "fake kernel (errno=95)");
	ck_file_is("good.img", old_img, sizeof(old_img) - 1);
	ck_no_temporary(".");
	run(&o, "KCR_FAKE_CKPT=partial %s/checkpoint-fake -o good.img %d", testbin, (int)c);
	ck_rc(o, 1);
	ck_has(o.err, "checkpoint: Input/output error: fake write error (errno=5)");
	ck_file_is("good.img", old_img, sizeof(old_img) - 1);
	after = stat_of("good.img");
	ck_assert_msg(after.st_ino == before.st_ino, "good.img was replaced");
	ck_no_temporary(".");
	kill_tree(c, g);
}
END_TEST

START_TEST(checkpoint_success_replaces_the_image_atomically)
{
	static const char want[] = "fake image flags=0\n";
	struct stat before, after;
	char path[512], target[512];
	struct out o;
	pid_t c, g;

	if (!have_cgroup2())
		return;
	path_in_dir(path, sizeof(path), "sub");
	ck_assert(!mkdir(path, 0755));
	save("sub/x.img", old_img, sizeof(old_img) - 1);
	path_in_dir(path, sizeof(path), "sub/x.img");
	ck_assert(!chmod(path, 0644));
	before = stat_of("sub/x.img");
	make_tree(&c, &g);
	run(&o, "KCR_FAKE_CKPT=ok %s/checkpoint-fake -o sub/x.img %d", testbin, (int)c);
	ck_rc(o, 0);
	ck_file_is("sub/x.img", want, sizeof(want) - 1);
	after = stat_of("sub/x.img");
	ck_assert_msg(after.st_ino != before.st_ino,
		      "sub/x.img was rewritten in place, not replaced (same inode)");
	ck_assert_msg(S_ISREG(after.st_mode) && (after.st_mode & 07777) == 0600,
		      "expected a regular file of mode 0600, got 0%o", (unsigned)after.st_mode);
	ck_no_temporary("sub");
	ck_no_temporary(".");
	/* through a symbolic link: the file it names is replaced, the link stays */
	save("real.img", old_img, sizeof(old_img) - 1);
	path_in_dir(path, sizeof(path), "link.img");
	ck_assert(!symlink("real.img", path));
	run(&o, "KCR_FAKE_CKPT=ok %s/checkpoint-fake -o link.img %d", testbin, (int)c);
	ck_rc(o, 0);
	ck_assert_msg(S_ISLNK(stat_of("link.img").st_mode), "link.img is no longer a link");
	ck_assert(readlink(path, target, sizeof(target)) == 8);
	ck_file_is("real.img", want, sizeof(want) - 1);
	ck_no_temporary(".");
	kill_tree(c, g);
}
END_TEST

START_TEST(checkpoint_writes_a_fifo_or_a_device_in_place)
{
	struct out o;
	char path[512];
	pid_t c, g;
	int dev = 0, fd;

	path_in_dir(path, sizeof(path), "f");
	ck_assert(!mkfifo(path, 0600));
	/* read by a child; a failed checkpoint leaves the FIFO where it was */
	run(&o, "timeout 10 cat f > got & %s/checkpoint -o f " NO_PID "; echo rc=$?; wait; test -p f && echo kept",
	    bin);
	ck_has(o.out, "rc=1\n");
	ck_has(o.out, "kept\n");
	/* a device node of our own (/dev/null's numbers), if we may make one */
	path_in_dir(path, sizeof(path), "null");
	if (geteuid() == 0 && !mknod(path, S_IFCHR | 0666, makedev(1, 3))) {
		fd = open(path, O_WRONLY);
		dev = fd >= 0;
		if (fd >= 0)
			close(fd);
		run(&o, "%s/checkpoint -o null " NO_PID, bin);
		ck_rc(o, 1);
		ck_assert_msg(S_ISCHR(stat_of("null").st_mode) &&
			      stat_of("null").st_rdev == makedev(1, 3), "the device node is gone");
	}
	ck_no_temporary(".");
	if (!have_cgroup2())
		return;
	make_tree(&c, &g);
	run(&o, "timeout 10 cat f > got & KCR_FAKE_CKPT=ok %s/checkpoint-fake -o f %d; echo rc=$?; wait; cat got; test -p f && echo kept",
	    testbin, (int)c);
	ck_has(o.out, "rc=0\nfake image flags=0\nkept\n");
	if (dev) {
		run(&o, "KCR_FAKE_CKPT=ok %s/checkpoint-fake -o null %d", testbin, (int)c);
		ck_rc(o, 0);
		ck_assert_msg(S_ISCHR(stat_of("null").st_mode), "the device node was replaced");
	}
	ck_no_temporary(".");
	kill_tree(c, g);
}
END_TEST

START_TEST(checkpoint_signal_leaves_the_image_and_no_temporary)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "TERM", SIGTERM }, { "INT", SIGINT }, { "HUP", SIGHUP },
	};
	char before_c[512], after[512], path[512], want[128];
	struct stat before;
	struct out o;
	pid_t c, g;
	size_t i;

	if (!have_cgroup2())
		return;
	save("good.img", old_img, sizeof(old_img) - 1);
	save("ck.log", old_log, sizeof(old_log) - 1);
	before = stat_of("good.img");
	make_tree(&c, &g);
	cgroup_of(c, before_c, sizeof(before_c));
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		path_in_dir(path, sizeof(path), "ckpt-waiting");
		unlink(path);
		path_in_dir(path, sizeof(path), "ckpt-go");
		unlink(path);
		/*
		 * The fake kernel sleeps in the middle of the image
		 * (KCR_FAKE_CKPT_WAIT), after the signal until ckpt-go exists:
		 * the handler itself removes the temporary file at once.
		 */
		run(&o, "KCR_FAKE_CKPT=ok KCR_FAKE_CKPT_WAIT=5000 %s/checkpoint-fake -o good.img -l ck.log %d & c=$!; "
		    "i=0; while [ ! -e ckpt-waiting ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done; "
		    "ls -a | grep '^\\.good\\.img\\.' >/dev/null && echo temporary; kill -%s $c; "
		    "i=0; while ls -a | grep '^\\.good\\.img\\.' >/dev/null && [ $i -lt 300 ]; do sleep 0.01; i=$((i + 1)); done; "
		    "ls -a | grep '^\\.good\\.img\\.' >/dev/null || echo removed; kill -0 $c && echo in-the-kernel; "
		    "touch ckpt-go; wait $c; echo rc=$?", testbin, (int)c, sigs[i].name);
		snprintf(want, sizeof(want), "temporary\nremoved\nin-the-kernel\nrc=%d\n",
			 128 + sigs[i].sig);
		ck_has(o.out, want);
		snprintf(want, sizeof(want), "checkpoint: interrupted by signal %d: good.img left as it was",
			 sigs[i].sig);
		ck_has(o.err, want);
		ck_file_is("good.img", old_img, sizeof(old_img) - 1);
		ck_assert_msg(stat_of("good.img").st_ino == before.st_ino, "good.img was replaced");
		ck_no_temporary(".");
		ck_file_starts_with("ck.log", old_log, NULL);
		/* and the tree runs on, thawed, where it was */
		cgroup_of(c, after, sizeof(after));
		ck_assert_msg(!strcmp(after, before_c), "expected cgroup %s, got %s", before_c, after);
		ck_assert_msg(sleeping(c) == 'S' && sleeping(g) == 'S',
			      "expected both sleeping, got %c %c", proc_state(c), proc_state(g));
	}
	kill_tree(c, g);
}
END_TEST

/* ---- compressed images (checkpoint -z, restart and ckptinfo inflating) ---- */

/* gzip of a file in the scratch dir into another (zlib, level 1). */
static void gzip_file(const char *from, const char *to)
{
	struct out o;

	run(&o, "gzip -1 -c %s > %s", from, to);
	ck_rc(o, 0);
}

/* A zlib (RFC 1950) stream of a file into another. */
static void zlib_file(const char *from, const char *to)
{
	char path[512];
	unsigned char *buf, *z;
	uLongf zlen;
	FILE *f;
	long len;

	path_in_dir(path, sizeof(path), from);
	f = fopen(path, "r");
	ck_assert(f && !fseek(f, 0, SEEK_END) && (len = ftell(f)) > 0);
	rewind(f);
	buf = malloc((size_t)len);
	ck_assert(fread(buf, 1, (size_t)len, f) == (size_t)len);
	fclose(f);
	zlen = compressBound((uLong)len);
	z = malloc(zlen);
	ck_assert(compress2(z, &zlen, buf, (uLong)len, 6) == Z_OK);
	save(to, z, zlen);
	free(buf);
	free(z);
}

/*
 * An image of one task with npages pseudo-random pages: deflate cannot
 * shrink them, so the compressed image is larger than the tools' buffers
 * and a corrupt byte decodes into wrong page data, which only the gzip
 * checksum at the end tells.  With text, pages of text-like bytes: a
 * corrupt byte there breaks the Huffman codes (a zlib error, or garbage
 * the kernel refuses first).
 */
static void random_img(struct img *im_out, int npages, int text)
{
	struct ckpt_task_pids e = img_proc(NULL, 4242);
	size_t dlen = (size_t)npages * (8 + IMG_PAGE);
	unsigned char *data = malloc(dlen);
	uint64_t *addr = (uint64_t *)data;
	struct ckpt_hdr_pages pages;
	struct ckpt_hdr_vma vma;
	struct img im = { 0 };
	uint32_t v = 12345;
	size_t i;

	ck_assert(data != NULL);
	img_header(&im);
	img_tree(&im, &e, 1);
	img_task(&im, 4242, "rand");
	img_creds(&im);
	img_fs(&im, e.fs_ref);
	img_files(&im, e.files_ref, 0);
	img_mm(&im, e.mm_ref, 1);
	memset(&vma, 0, sizeof(vma));
	vma.start = 0x7f0000000000ULL;
	vma.end = vma.start + (uint64_t)npages * IMG_PAGE;
	vma.vm_flags = CKPT_VM_READ | CKPT_VM_WRITE;
	vma.kind = CKPT_VMA_ANON;
	vma.nr_pages = npages;
	img_rec(&im, CKPT_HDR_VMA, &vma, sizeof(vma), NULL, 0);
	memset(&pages, 0, sizeof(pages));
	pages.nr_pages = npages;
	for (i = 0; i < (size_t)npages; i++)
		addr[i] = vma.start + i * IMG_PAGE;
	for (i = (size_t)npages * 8; i < dlen; i++) {
		v = v * 1103515245 + 12345;
		data[i] = (unsigned char)(v >> 16);
		if (text)	/* words of a small alphabet: deflate shrinks it */
			data[i] = (v >> 16) % 5 ? "abcdefgh "[(v >> 20) % 9] : '\n';
	}
	img_rec(&im, CKPT_HDR_PAGES, &pages, sizeof(pages), data, dlen);
	img_sighand(&im, e.sighand_ref);
	img_signal(&im, 0, 0, 0);
	img_cpu(&im);
	img_fpu(&im);
	img_tail(&im);
	*im_out = im;
	free(data);
}

static void random_image(const char *name, int npages, int text)
{
	struct img im = { 0 };

	random_img(&im, npages, text);
	save_img(name, &im);
}

START_TEST(ckptinfo_reports_a_compressed_image)
{
	struct out o;

	save_full("a.img");
	gzip_file("a.img", "a.img.gz");
	run(&o, "%s/ckptinfo a.img.gz | tail -n 2; %s/ckptinfo a.img | tail -n 1", bin, bin);
	ck_rc(o, 0);
	ck_has(o.out, "compressed: gzip, ");
	ck_has(o.out, " bytes of image (ratio ");
	/* the same records, crc and size as the plain image */
	run(&o, "%s/ckptinfo a.img.gz | tail -n 1 > z; %s/ckptinfo a.img | tail -n 1 > p; cmp z p && echo same",
	    bin, bin);
	ck_has(o.out, "same");
	run(&o, "cat a.img.gz | %s/ckptinfo --json -", bin);
	ck_rc(o, 0);
	ck_has(o.out, "\"compression\":\"gzip\",\"compressed_bytes\":");
	ck_has(o.out, "\"valid\":true");
	/* truncated: exit 1, the reason names the compressed stream */
	run(&o, "head -c -5 a.img.gz > cut.gz; %s/ckptinfo cut.gz", bin);
	ck_rc(o, 1);
	ck_has(o.err, "compressed image: the gzip stream is truncated");
	ck_has(o.out, "invalid: offset ");
}
END_TEST

START_TEST(restart_of_a_compressed_image_from_a_file_and_a_pipe)
{
	struct out o;

	random_image("r.img", 250, 0);	/* 1 MiB */
	gzip_file("r.img", "r.img.gz");
	run(&o, "KCR_FAKE=ok %s/restart-fake --no-pids -i r.img.gz -l log.txt; echo rc=$?; grep done log.txt",
	    testbin);
	ck_assert_msg(strstr(o.out, "rc=7"), "%s; stderr: %s", o.out, o.err);
	ck_has(o.out, "restart done: 1 task(s)");
	run(&o, "cat r.img.gz | KCR_FAKE=ok KCR_FAKE_EXIT=5 %s/restart-fake --no-pids", testbin);
	ck_rc(o, 5);
	/* the zlib format too */
	zlib_file("r.img", "r.img.zz");
	run(&o, "KCR_FAKE=ok KCR_FAKE_EXIT=4 %s/restart-fake --no-pids -i r.img.zz", testbin);
	ck_rc(o, 4);
}
END_TEST

/*
 * Corrupt or truncated past the prefix: the feeder stops before the end,
 * the (fake) kernel sees a short image and fails, nothing is left, and
 * the first line names the compressed stream.
 */
START_TEST(restart_refuses_a_corrupt_or_truncated_compressed_image)
{
	char path[512];
	struct stat st;
	struct out o;
	FILE *f;

	random_image("r.img", 250, 0);
	gzip_file("r.img", "r.img.gz");
	path_in_dir(path, sizeof(path), "r.img.gz");
	ck_assert(!stat(path, &st));
	/* 8 bytes zeroed at 3/4 of the stream, in a stored block of random data */
	f = fopen(path, "r+");
	ck_assert(f && !fseek(f, st.st_size * 3 / 4, SEEK_SET));
	ck_assert(fwrite("\0\0\0\0\0\0\0\0", 1, 8, f) == 8);
	fclose(f);
	run(&o, "KCR_FAKE=ok %s/restart-fake --no-pids -i r.img.gz -l log.txt", testbin);
	ck_rc(o, 1);
	ck_assert_msg(!strncmp(o.err, "restart: the image cannot be read whole: the gzip stream is corrupt at compressed byte ",
			       strlen("restart: the image cannot be read whole: the gzip stream is corrupt at compressed byte ")),
		      "stderr: %s", o.err);
	ck_has(o.err, "zlib: incorrect data check");
	ck_has(o.err, "unexpected end of image");	/* what the kernel saw */
	/* the same through a pipe, and cut: the gzip length missing */
	run(&o, "cat r.img.gz | KCR_FAKE=ok %s/restart-fake --no-pids", testbin);
	ck_rc(o, 1);
	ck_has(o.err, "the gzip stream is corrupt");
	gzip_file("r.img", "r2.img.gz");
	run(&o, "head -c -4 r2.img.gz | KCR_FAKE=ok %s/restart-fake --no-pids", testbin);
	ck_rc(o, 1);
	ck_has(o.err, "restart: the image cannot be read whole: the gzip stream is truncated");
	/* corrupt Huffman-coded data: zlib's error, or a bad image first */
	random_image("t.img", 250, 1);
	gzip_file("t.img", "t.img.gz");
	path_in_dir(path, sizeof(path), "t.img.gz");
	ck_assert(!stat(path, &st));
	f = fopen(path, "r+");
	ck_assert(f && !fseek(f, st.st_size / 2, SEEK_SET));
	ck_assert(fwrite("\0\0\0\0\0\0\0\0", 1, 8, f) == 8);
	fclose(f);
	run(&o, "cat t.img.gz | KCR_FAKE=ok %s/restart-fake --no-pids", testbin);
	ck_rc(o, 1);
	ck_assert_msg(!strncmp(o.err, "restart: the image cannot be read whole: the gzip stream is corrupt at compressed byte ",
			       strlen("restart: the image cannot be read whole: the gzip stream is corrupt at compressed byte ")),
		      "stderr: %s", o.err);
	/* nothing of the fake tree is left */
	run(&o, "sleep 0.3; ps -eo comm= | grep -c '^rand$'");
	ck_has(o.out, "0");
}
END_TEST

/*
 * Corrupt deflate data can decode into a bad record before the stream's
 * checksum comes: made here of a bad record (the MM, 1 MiB before the end) in a
 * stream whose crc32 is wrong too.  The kernel refuses the record first;
 * restart and ckptinfo still say first that the stream is corrupt.
 */
START_TEST(corrupt_stream_decoding_into_a_bad_image_is_named)
{
	struct img im = { 0 };
	struct out o;
	char path[512];
	struct stat st;
	FILE *f;

	random_img(&im, 250, 0);
	im.buf[img_find(&im, CKPT_HDR_MM, 0)] = 0x7f;	/* its type */
	save_img("b.img", &im);
	gzip_file("b.img", "b.img.gz");
	path_in_dir(path, sizeof(path), "b.img.gz");
	ck_assert(!stat(path, &st));
	f = fopen(path, "r+");
	ck_assert(f && !fseek(f, st.st_size - 8, SEEK_SET));	/* the crc32 */
	ck_assert(fwrite("\xde\xad", 1, 2, f) == 2);
	fclose(f);
	run(&o, "cat b.img.gz | KCR_FAKE=ok %s/restart-fake --no-pids", testbin);
	ck_rc(o, 1);
	ck_assert_msg(!strncmp(o.err, "restart: the image cannot be read whole: the gzip stream is corrupt at compressed byte ",
			       strlen("restart: the image cannot be read whole: the gzip stream is corrupt at compressed byte ")),
		      "stderr: %s", o.err);
	ck_has(o.err, "zlib: incorrect data check");
	ck_has(o.err, "unknown record type 127");	/* what the kernel saw */
	run(&o, "%s/ckptinfo b.img.gz", bin);
	ck_rc(o, 1);
	ck_assert_msg(!strncmp(o.err, "ckptinfo: compressed image: the gzip stream is corrupt",
			       strlen("ckptinfo: compressed image: the gzip stream is corrupt")),
		      "stderr: %s", o.err);
	ck_has(o.err, "unknown record type 127");
}
END_TEST

START_TEST(checkpoint_level_is_checked)
{
	struct out o;

	run(&o, "%s/checkpoint --level 0 " NO_PID, bin);
	ck_rc(o, 2);
	ck_has(o.err, "invalid --level \"0\" (1..9)");
	run(&o, "%s/checkpoint --level 10 " NO_PID, bin);
	ck_rc(o, 2);
	run(&o, "%s/checkpoint --help", bin);
	ck_has(o.out, "-z, --compress");
	ck_has(o.out, "--level N");
}
END_TEST

START_TEST(checkpoint_z_writes_gzip_replacing_the_image_only_when_complete)
{
	char path[512], want[128];
	struct stat before, after;
	struct out o;
	pid_t c, g;

	if (!have_cgroup2())
		return;
	random_image("r.img", 250, 0);
	path_in_dir(path, sizeof(path), "r.img");
	save("good.img", old_img, sizeof(old_img) - 1);
	before = stat_of("good.img");
	make_tree(&c, &g);
	/* a failure (after part of the image): the old image stays, no temporary */
	run(&o, "KCR_FAKE_CKPT=partial %s/checkpoint-fake -z -o good.img %d", testbin, (int)c);
	ck_rc(o, 1);
	ck_file_is("good.img", old_img, sizeof(old_img) - 1);
	ck_no_temporary(".");
	/* the compressor cannot write: its reason */
	run(&o, "KCR_FAKE_CKPT=ok KCR_FAKE_CKPT_IMAGE=%s %s/checkpoint-fake -z -o /dev/full %d",
	    path, testbin, (int)c);
	ck_rc(o, 1);
	ck_has(o.err, "checkpoint: -z: writing the compressed image: No space left on device");
	/* success: a new file, gzip, the image inside */
	run(&o, "KCR_FAKE_CKPT=ok KCR_FAKE_CKPT_IMAGE=%s %s/checkpoint-fake -v -z -o good.img %d && "
	    "od -An -tx1 -N2 good.img && zcat good.img | cmp - r.img && echo same && %s/ckptinfo good.img | tail -n 2",
	    path, testbin, (int)c, bin);
	ck_rc(o, 0);
	ck_has(o.out, "compressed: gzip level 1, ");
	ck_has(o.out, " 1f 8b\n");
	ck_has(o.out, "same\n");
	ck_has(o.out, "compressed: gzip, ");
	after = stat_of("good.img");
	ck_assert_msg(after.st_ino != before.st_ino, "good.img was rewritten in place");
	ck_no_temporary(".");
	/* --level 9 to stdout, read back by restart */
	run(&o, "KCR_FAKE_CKPT=ok KCR_FAKE_CKPT_IMAGE=%s %s/checkpoint-fake --level 9 %d | "
	    "KCR_FAKE=ok KCR_FAKE_EXIT=3 %s/restart-fake --no-pids", path, testbin, (int)c, testbin);
	ck_rc(o, 3);
	/* interrupted in the middle: the image stays, no temporary */
	save("good.img", old_img, sizeof(old_img) - 1);
	path_in_dir(path, sizeof(path), "ckpt-waiting");
	unlink(path);
	run(&o, "KCR_FAKE_CKPT=ok KCR_FAKE_CKPT_WAIT=5000 %s/checkpoint-fake -z -o good.img %d & c=$!; "
	    "i=0; while [ ! -e ckpt-waiting ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done; "
	    "ls -a | grep '^\\.good\\.img\\.' >/dev/null && echo temporary; kill -TERM $c; "
	    "i=0; while ls -a | grep '^\\.good\\.img\\.' >/dev/null && [ $i -lt 300 ]; do sleep 0.01; i=$((i + 1)); done; "
	    "ls -a | grep '^\\.good\\.img\\.' >/dev/null || echo removed; touch ckpt-go; wait $c; echo rc=$?",
	    testbin, (int)c);
	snprintf(want, sizeof(want), "temporary\nremoved\nrc=%d\n", 128 + SIGTERM);
	ck_has(o.out, want);
	ck_has(o.err, "good.img left as it was");
	ck_file_is("good.img", old_img, sizeof(old_img) - 1);
	ck_no_temporary(".");
	kill_tree(c, g);
}
END_TEST

START_TEST(checkpoint_log_is_appended_never_truncated)
{
	struct out o;
	pid_t c, g;

	save("ck.log", old_log, sizeof(old_log) - 1);
	run(&o, "%s/checkpoint -o x.img -l ck.log " NO_PID, bin);
	ck_rc(o, 1);
	ck_file_is("ck.log", old_log, sizeof(old_log) - 1);	/* nothing logged: no freeze */
	/* the log cannot be the image */
	save("good.img", old_img, sizeof(old_img) - 1);
	run(&o, "%s/checkpoint -o good.img -l good.img " NO_PID, bin);
	ck_rc(o, 1);
	ck_has(o.err, "checkpoint: good.img: the log file is the image file");
	ck_file_is("good.img", old_img, sizeof(old_img) - 1);
	ck_no_temporary(".");
	if (!have_cgroup2())
		return;
	make_tree(&c, &g);
	run(&o, "%s/checkpoint-fake -o x.img -l ck.log %d", testbin, (int)c);
	ck_rc(o, 1);
	/* the reason is this run's, not the old one's */
	ck_has(o.err, "checkpoint: Operation not supported: fake kernel (errno=95)");
	ck_file_starts_with("ck.log", old_log, "error: fake kernel (errno=95)");
	run(&o, "KCR_FAKE_CKPT=ok %s/checkpoint-fake -o x.img -l ck.log %d", testbin, (int)c);
	ck_rc(o, 0);
	ck_file_starts_with("ck.log", old_log, "error: fake kernel (errno=95)");
	run(&o, "KCR_FAKE_CKPT=ok %s/checkpoint-fake -o x.img -l new.log %d; ls new.log", testbin,
	    (int)c);
	ck_rc(o, 0);
	kill_tree(c, g);
}
END_TEST

START_TEST(restart_log_is_appended_never_truncated)
{
	struct img im = { 0 };
	struct out o;

	img_full(&im, 4242);
	save("a.img", im.buf, im.len);
	save("rst.log", old_log, sizeof(old_log) - 1);
	run(&o, "KCR_FAKE=fail %s/restart-fake --no-pids -i a.img -l rst.log", testbin);
	ck_rc(o, 1);
	ck_file_starts_with("rst.log", old_log, "restart failed: errno=2");
	run(&o, "KCR_FAKE=ok %s/restart-fake --no-pids -i a.img -l rst.log", testbin);
	ck_rc(o, 7);
	ck_file_starts_with("rst.log", old_log, "restart failed: errno=2");
	ck_file_starts_with("rst.log", old_log, "restart done");
	/* a SIGTERM to the tool (passed on to the restored root) */
	save("rst.log", old_log, sizeof(old_log) - 1);
	run(&o, "KCR_FAKE=ok KCR_FAKE_RUN_MS=5000 %s/restart-fake --no-pids -i a.img -l rst.log & r=$!; "
	    "i=0; while ! grep -q 'restart done' rst.log && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done; "
	    "kill -TERM $r; wait $r; echo rc=$?", testbin);
	ck_has(o.out, "rc=143\n");
	ck_file_starts_with("rst.log", old_log, "restart done");
	/* the log cannot be the image */
	run(&o, "KCR_FAKE=ok %s/restart-fake --no-pids -i a.img -l a.img", testbin);
	ck_rc(o, 1);
	ck_has(o.err, "restart: a.img: the log file is the image file");
	ck_file_is("a.img", im.buf, im.len);
	img_free(&im);
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
	tcase_add_test(tc, restart_tree_every_task_enters_with_its_index);
	tcase_add_test(tc, restart_force_files_passes_the_flag_to_every_task);
	tcase_add_test(tc, restart_tree_ending_with_a_thread_is_reliable);
	tcase_add_test(tc, restart_container_tree_with_saved_pids_in_a_new_namespace);
	tcase_add_test(tc, restart_of_a_container_image_needs_a_new_pid_namespace);
	tcase_add_test(tc, mktree_dry_run_prints_the_plan);
	tcase_add_test(tc, restart_waits_for_a_taken_pid_while_reading_its_input);
	tcase_add_test(tc, restart_gives_up_on_a_taken_pid);
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
	tcase_add_test(tc, checkpoint_freezes_the_children_of_every_thread);
	tcase_add_test(tc, checkpoint_container_needs_an_init_and_passes_the_flag);
	tcase_add_test(tc, restart_ipcns_puts_every_task_in_a_new_ipc_namespace);
	tcase_add_test(tc, restart_default_ipcns_for_newipcns_and_container_images);
	tcase_add_test(tc, restart_ipcns_without_privilege_fails_before_creating_anything);
	tcase_add_test(tc, mktree_dry_run_says_where_the_ipc_objects_go);
	tcase_add_test(tc, checkpoint_ipc_option_is_documented);
	tcase_add_test(tc, checkpoint_ipc_passes_the_flag);
	tcase_add_test(tc, checkpoint_failure_keeps_the_existing_image);
	tcase_add_test(tc, checkpoint_success_replaces_the_image_atomically);
	tcase_add_test(tc, checkpoint_writes_a_fifo_or_a_device_in_place);
	tcase_add_test(tc, checkpoint_signal_leaves_the_image_and_no_temporary);
	tcase_add_test(tc, checkpoint_log_is_appended_never_truncated);
	tcase_add_test(tc, restart_log_is_appended_never_truncated);
	tcase_add_test(tc, ckptinfo_reports_a_compressed_image);
	tcase_add_test(tc, restart_of_a_compressed_image_from_a_file_and_a_pipe);
	tcase_add_test(tc, restart_refuses_a_corrupt_or_truncated_compressed_image);
	tcase_add_test(tc, corrupt_stream_decoding_into_a_bad_image_is_named);
	tcase_add_test(tc, checkpoint_level_is_checked);
	tcase_add_test(tc, checkpoint_z_writes_gzip_replacing_the_image_only_when_complete);
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
