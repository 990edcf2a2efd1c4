// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of ckptinfo's TREE listing: pid levels, flags, zombies' exit
 * status, who shares which object, and the summary, in text and JSON; and
 * of its SysV IPC records: the namespace, its objects, the undo lists and
 * the shm attachments; and the identity of files (format v4).
 * The images come from imgwriter.h; the binary from $KCR_BIN (set by
 * "make check").
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kcr.h"
#include "imgwriter.h"
#include "cmdrun.h"

static const char *bin;

static void save_tree(const char *name, const struct ckpt_task_pids *e,
		      uint32_t n, uint32_t hdr_flags)
{
	struct img im = { 0 };
	char path[512];
	FILE *f;

	img_build(&im, e, n, hdr_flags);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert(fwrite(im.buf, 1, im.len, f) == im.len);
	fclose(f);
	img_free(&im);
}

#define ck_rc(o, want) ck_assert_msg((o).rc == (want),				\
	"expected exit status %d, got %d; stderr: %s", (want), (o).rc, (o).err)
/* (at most 3000 bytes of the output: Check's messages are bounded) */
#define ck_has(hay, needle) ck_assert_msg(strstr((hay), (needle)) != NULL,	\
	"expected output containing \"%s\", got \"%.3000s\"", (needle), (hay))
#define ck_lacks(hay, needle) ck_assert_msg(strstr((hay), (needle)) == NULL,	\
	"expected no \"%s\" in \"%s\"", (needle), (hay))

static void setup(void)
{
	bin = getenv("KCR_BIN");
	ck_assert_msg(bin != NULL, "KCR_BIN not set (run via make check)");
	snprintf(dir, sizeof(dir), "/tmp/kcr-info.XXXXXX");
	ck_assert(mkdtemp(dir) != NULL);
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

/*
 * 10: a process with threads 11 and 12; 13 its zombie child (exit 1);
 * 14 a child sharing 10's fd table; 15 the init of a new pid namespace
 * sharing 14's fs; 16 its child; 17 a zombie killed by SIGKILL.
 */
static uint32_t mixed_tree(struct ckpt_task_pids *e)
{
	e[0] = img_proc(NULL, 10);
	e[1] = img_thread(&e[0], 11);
	e[2] = img_thread(&e[0], 12);
	e[3] = img_zombie(&e[0], 13, 0x100);
	e[4] = img_proc(&e[0], 14);
	e[4].files_ref = e[0].files_ref;
	e[5] = img_newns(&e[4], 15);
	e[5].fs_ref = e[4].fs_ref;
	e[6] = img_proc(&e[5], 16);
	e[7] = img_zombie(&e[5], 17, 9);
	return 8;
}

START_TEST(tree_lists_levels_flags_and_sharing)
{
	struct ckpt_task_pids e[8];
	struct out o;

	save_tree("t.img", e, mixed_tree(e), 0);
	run(&o, "%s/ckptinfo t.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "nr_tasks=8");
	ck_has(o.out, "pid=10 pids=10 tgid=10 ppid=0 pgid=10 sid=0 flags=group-leader exit_signal=17 "
		      "refs=mm:100010,files:200010,fs:300010,sighand:400010,signal:500010,pidns:600010 "
		      "shared: mm, fs, sighand, signal with 11, 12; files with 11, 12, 14\n");
	ck_has(o.out, "pid=11 pids=11 tgid=10 ppid=0 pgid=10 sid=0 flags=thread exit_signal=0 ");
	ck_has(o.out, "shared: mm, fs, sighand, signal with 10, 12; files with 10, 12, 14\n");
	ck_has(o.out, "pid=13 pids=13 tgid=13 ppid=10 pgid=10 sid=0 flags=zombie exit_signal=17 "
		      "exit_code=256 status=\"exited 1\" refs=signal:500013,pidns:600010\n");
	ck_has(o.out, "pid=14 pids=14 tgid=14 ppid=10 ");
	ck_has(o.out, "shared: files with 10, 11, 12; fs with 15\n");
	ck_has(o.out, "pid=15 pids=15/1 tgid=15 ppid=14 pgid=10 sid=0 flags=newpidns ");
	ck_has(o.out, "pid=16 pids=16/1016 tgid=16 ppid=15 ");
	ck_has(o.out, "status=\"killed by signal 9\"");
	ck_has(o.out, "summary: tasks=8 processes=6 threads=2 zombies=2 pid_namespaces=2 "
		      "max_levels=2 shared=mm:1,files:1,fs:2,sighand:1,signal:1\n");
	ck_has(o.out, "valid: 51 records");
}
END_TEST

START_TEST(tree_json_has_the_same_fields)
{
	struct ckpt_task_pids e[8];
	struct out o;

	save_tree("t.img", e, mixed_tree(e), 0);
	run(&o, "%s/ckptinfo --json t.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "{\"pid\":15,\"pids\":[15,1],\"nr_levels\":2,\"tgid\":15,\"ppid\":14,"
		      "\"pgid\":10,\"sid\":0,\"flags\":\"newpidns\",\"exit_signal\":17,"
		      "\"refs\":{\"mm\":100015,\"files\":200015,\"fs\":300014,\"sighand\":400015,"
		      "\"signal\":500015,\"pidns\":600015},"
		      "\"shared\":[{\"objects\":[\"fs\"],\"with\":[14]}]}");
	ck_has(o.out, "\"shared\":[{\"objects\":[\"mm\",\"fs\",\"sighand\",\"signal\"],\"with\":[11,12]},"
		      "{\"objects\":[\"files\"],\"with\":[11,12,14]}]");
	ck_has(o.out, "\"exit_code\":256,\"status\":\"exited 1\"");
	ck_has(o.out, "\"summary\":{\"tasks\":8,\"processes\":6,\"threads\":2,\"zombies\":2,"
		      "\"pid_namespaces\":2,\"max_levels\":2,"
		      "\"shared\":{\"mm\":1,\"files\":1,\"fs\":2,\"sighand\":1,\"signal\":1}}");
	if (!system("command -v python3 >/dev/null 2>&1")) {
		run(&o, "%s/ckptinfo --json t.img | python3 -m json.tool >/dev/null", bin);
		ck_rc(o, 0);
	}
}
END_TEST

START_TEST(single_task_shares_nothing)
{
	struct ckpt_task_pids e = img_proc(NULL, 4242);
	char want[128];
	struct out o;

	save_tree("t.img", &e, 1, 0);
	run(&o, "%s/ckptinfo t.img", bin);
	ck_rc(o, 0);
	ck_lacks(o.out, "shared:");
	ck_has(o.out, "shared=none");
	ck_has(o.out, "FS              28  objref=304242 umask=0022");
	ck_has(o.out, "FILES           16  objref=204242 nr_fds=0");
	/* MM with the exe "/bin/prog" (10 bytes) */
	snprintf(want, sizeof(want), "MM        %8zu  objref=104242 nr_vmas=0",
		 sizeof(struct ckpt_hdr_mm) + 10);
	ck_has(o.out, want);
	ck_has(o.out, "SIGHAND       2064  objref=404242 non_default=0");
}
END_TEST

START_TEST(long_sharing_lists_are_cut)
{
	struct ckpt_task_pids e[20];
	struct out o;
	uint32_t i;

	e[0] = img_proc(NULL, 10);
	for (i = 1; i < 20; i++)
		e[i] = img_thread(&e[0], 10 + (int32_t)i);
	save_tree("t.img", e, 20, 0);
	run(&o, "%s/ckptinfo t.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "pid=10 ");
	ck_has(o.out, "with 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26 and 3 more\n");
	run(&o, "%s/ckptinfo --json t.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "\"with\":[11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26],\"more\":3}");
}
END_TEST

START_TEST(container_image_says_so)
{
	struct ckpt_task_pids e[2];
	struct out o;

	e[0] = img_proc(NULL, 1);
	e[1] = img_proc(&e[0], 2);
	save_tree("t.img", e, 2, CKPT_CHECKPOINT_CONTAINER);
	run(&o, "%s/ckptinfo t.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "flags=0x1 container=true ");
	ck_has(o.out, "pid=1 pids=1 tgid=1 ppid=0 pgid=1 ");
}
END_TEST

START_TEST(bad_tree_is_reported_with_entry_and_pid)
{
	struct ckpt_task_pids e[3];
	struct out o;

	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[2] = img_thread(&e[0], 12);
	save_tree("t.img", e, 3, 0);
	run(&o, "%s/ckptinfo t.img", bin);
	ck_rc(o, 1);
	ck_has(o.err, "ckptinfo: offset 184: TREE entry 2 (pid 12): thread of tgid 10 does not directly follow its leader");
	ck_has(o.out, "invalid: offset 184: TREE entry 2 (pid 12)");
	ck_lacks(o.out, "nr_tasks=3");
}
END_TEST

START_TEST(missing_record_is_reported_with_entry_and_pid)
{
	struct ckpt_task_pids e[2];
	struct img im = { 0 };
	struct out o;
	char path[512];
	FILE *f;

	/* 11 shares 10's fd table, but 10's image has no FILES */
	e[0] = img_proc(NULL, 10);
	e[1] = img_proc(&e[0], 11);
	e[1].files_ref = e[0].files_ref;
	img_header(&im);
	img_tree(&im, e, 2);
	img_task_records(&im, &e[0], IMG_HAS_FS | IMG_HAS_MM | IMG_HAS_SIGHAND);
	img_task_records(&im, &e[1], IMG_HAS_FS | IMG_HAS_MM | IMG_HAS_SIGHAND);
	img_tail(&im);
	snprintf(path, sizeof(path), "%s/t.img", dir);
	f = fopen(path, "w");
	ck_assert(f && fwrite(im.buf, 1, im.len, f) == im.len);
	fclose(f);
	img_free(&im);
	run(&o, "%s/ckptinfo t.img", bin);
	ck_rc(o, 1);
	ck_has(o.err, "TREE entry 0 (pid 10): no FILES record before MM, but it is the first task with files_ref 200010");
	/* what was valid up to there is listed */
	ck_has(o.out, "nr_tasks=2");
	ck_has(o.out, "shared: files with 11\n");
}
END_TEST

/* The line of ckptinfo's text output that contains needle ("" if none). */
static void line_with(const char *out, const char *needle, char *buf, size_t size)
{
	const char *s = strstr(out, needle), *b = s;

	buf[0] = '\0';
	if (!s)
		return;
	while (b > out && b[-1] != '\n')
		b--;
	snprintf(buf, size, "%.*s", (int)strcspn(b, "\n"), b);
}

/*
 * File identities (format v4): dev as major:minor, inode, size and mtime,
 * for an open regular file, a file mapping and the exe; none for a pipe
 * end or an anonymous mapping.
 */
START_TEST(file_identities_are_printed)
{
	struct ckpt_hdr_file *file;
	struct img im = { 0 };
	char path[512], l[1024];
	struct out o;
	FILE *f;

	img_full(&im, 100);
	/* a device number with a minor above 255, as new_encode_dev() puts it */
	file = (void *)(im.buf + img_find(&im, CKPT_HDR_FILE, 1));
	file->id.dev = (65537u & 0xff) | (259u << 8) | ((65537u & ~0xffu) << 12);
	img_refresh_tail(&im);
	snprintf(path, sizeof(path), "%s/f.img", dir);
	f = fopen(path, "w");
	ck_assert(f && fwrite(im.buf, 1, im.len, f) == im.len);
	fclose(f);
	img_free(&im);

	run(&o, "%s/ckptinfo f.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "path=\"/tmp/log\" dev=259:65537 ino=12 size=42 mtime=1700000000.123456789\n");
	ck_has(o.out, "exe=\"/bin/prog\" exe_dev=8:1 exe_ino=77 exe_size=16384 exe_mtime=1700000000.123456789\n");
	ck_has(o.out, "kind=file pgoff=0 nr_pages=0 path=\"/bin/prog\" dev=8:1 ino=77 size=16384 mtime=1700000000.123456789\n");
	line_with(o.out, "kind=pipe", l, sizeof(l));
	ck_assert_msg(l[0] && !strstr(l, "ino="), "pipe: \"%s\"", l);
	line_with(o.out, "kind=anon", l, sizeof(l));
	ck_assert_msg(l[0] && !strstr(l, "ino="), "anonymous VMA: \"%s\"", l);

	run(&o, "%s/ckptinfo --json f.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "\"path\":\"/tmp/log\",\"dev\":\"259:65537\",\"ino\":12,\"size\":42,\"mtime\":\"1700000000.123456789\"");
	ck_has(o.out, "\"exe\":\"/bin/prog\",\"exe_dev\":\"8:1\",\"exe_ino\":77,\"exe_size\":16384,\"exe_mtime\":\"1700000000.123456789\"");
	ck_has(o.out, "\"path\":\"/bin/prog\",\"dev\":\"8:1\",\"ino\":77,\"size\":16384,\"mtime\":\"1700000000.123456789\"");
}
END_TEST

static void save_img(const char *name, struct img *im)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert(fwrite(im->buf, 1, im->len, f) == im->len);
	fclose(f);
	img_free(im);
}

/* img_ipc_full(): the namespace, its objects, the undo lists, the attachments. */
START_TEST(ipc_image_lists_namespace_objects_undo_lists_and_attachments)
{
	struct img im = { 0 };
	struct out o;

	img_ipc_full(&im);
	save_img("ipc.img", &im);
	run(&o, "%s/ckptinfo ipc.img", bin);
	ck_rc(o, 0);
	/* the TREE: NEWIPCNS, the undo lists as shared objects */
	ck_has(o.out, "pid=10 pids=10 tgid=10 ppid=0 pgid=10 sid=0 flags=group-leader,newipcns exit_signal=17 "
		      "refs=mm:100010,files:200010,fs:300010,sighand:400010,signal:500010,pidns:600010,sysvsem:700010 "
		      "shared: mm, files, fs, sighand, signal with 11; sysvsem with 11, 12\n");
	ck_has(o.out, "pid=12 pids=12 tgid=12 ppid=10 pgid=10 sid=0 flags=- exit_signal=17 "
		      "refs=mm:100012,files:200012,fs:300012,sighand:400012,signal:500012,pidns:600010,sysvsem:700010 "
		      "shared: sysvsem with 10, 11\n");
	ck_has(o.out, ",pidns:600010,sysvsem:700013\n");
	ck_has(o.out, "refs=signal:500014,pidns:600010\n");	/* the zombie: none */
	ck_has(o.out, "summary: tasks=5 processes=4 threads=1 zombies=1 pid_namespaces=1 max_levels=1 "
		      "shared=mm:1,files:1,fs:1,sighand:1,signal:1,sysvsem:1\n");
	/* the namespace and its limits */
	ck_has(o.out, "IPC_NS          72  flags=private,all nr_objects=5 sem=32000,1024000000,500,32000 "
		      "msgmax=8192 msgmnb=16384 msgmni=32000 shmmax=18446744073692774399 "
		      "shmall=18446744073692774399 shmmni=4096 shm_rmid_forced=0\n");
	/* the objects */
	ck_has(o.out, "IPC_SHM         96  id=0 key=0x1234 uid=1000 gid=1000 cuid=1000 cgid=1000 mode=0600 "
		      "size=8192 nattch=1 flags=- nr_pages=1 cpid=10 lpid=12\n");
	ck_has(o.out, "PAGES         4120  nr_pages=1 first=0x1000 last=0x1000\n");
	ck_has(o.out, "IPC_SHM         96  id=32769 key=0x0 uid=1000 gid=1000 cuid=1000 cgid=1000 mode=01600 "
		      "size=4097 nattch=1 flags=dest nr_pages=0 ");
	ck_has(o.out, "IPC_MSQ         96  id=1 key=0x2222 uid=1000 gid=1000 cuid=1000 cgid=1000 mode=0600 "
		      "qbytes=16384 cbytes=8 nr_msgs=2 lspid=10 lrpid=0\n");
	ck_has(o.out, "IPC_MSG         27  mtype=1 size=3\n");
	ck_has(o.out, "IPC_MSG         29  mtype=2 size=5\n");
	ck_has(o.out, "IPC_SEM         88  id=2 key=0x3333 uid=1000 gid=1000 cuid=1000 cgid=1000 mode=0600 "
		      "nsems=3 semval=1,0,5\n");
	ck_has(o.out, "id=98306 key=0x0 ");
	ck_has(o.out, "nsems=1 semval=32767\n");
	/* the undo lists: who uses them, the adjustments per array */
	ck_has(o.out, "SEM_UNDO        16  objref=700010 nr_undos=2 used by 10, 11, 12\n");
	ck_has(o.out, "SEM_ADJ         22  semid=2 nsems=3 adj=-1,0,2\n");
	ck_has(o.out, "SEM_ADJ         18  semid=98306 nsems=1 adj=-32767\n");
	ck_has(o.out, "SEM_UNDO        16  objref=700013 nr_undos=1 used by 13\n");
	ck_has(o.out, "SEM_ADJ         22  semid=2 nsems=3 adj=0,0,1\n");
	/* the attachments */
	ck_has(o.out, "start=0x7f1000000000 end=0x7f1000002000 prot=rw-s- vm_flags=0xbb kind=sysv_shm "
		      "pgoff=0 nr_pages=0 shmid=0 shm_key=0x1234 shm_ref=900\n");
	ck_has(o.out, "start=0x7f2000000000 end=0x7f2000001000 prot=r--s- vm_flags=0x99 kind=sysv_shm "
		      "pgoff=1 nr_pages=0 shmid=32769 shm_key=0x0 shm_ref=901\n");
	ck_has(o.out, "valid: 55 records");
}
END_TEST

START_TEST(ipc_json_has_the_same_fields)
{
	struct img im = { 0 };
	struct out o;

	img_ipc_full(&im);
	save_img("ipc.img", &im);
	run(&o, "%s/ckptinfo --json ipc.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "\"flags\":\"group-leader,newipcns\"");
	ck_has(o.out, "\"pidns\":600010,\"sysvsem\":700010},\"shared\":[{\"objects\":[\"mm\",\"files\",\"fs\",\"sighand\",\"signal\"],\"with\":[11]},"
		      "{\"objects\":[\"sysvsem\"],\"with\":[11,12]}]");
	/* the zombie: no sysvsem at all (as in the text) */
	ck_has(o.out, "\"refs\":{\"mm\":0,\"files\":0,\"fs\":0,\"sighand\":0,\"signal\":500014,\"pidns\":600010}");
	ck_has(o.out, "\"shared\":{\"mm\":1,\"files\":1,\"fs\":1,\"sighand\":1,\"signal\":1,\"sysvsem\":1}");
	ck_has(o.out, "\"type\":\"IPC_NS\",\"len\":72,\"flags\":\"private,all\",\"nr_objects\":5,"
		      "\"sem\":[32000,1024000000,500,32000],\"msgmax\":8192,\"msgmnb\":16384,\"msgmni\":32000,"
		      "\"shmmax\":18446744073692774399,\"shmall\":18446744073692774399,\"shmmni\":4096,"
		      "\"shm_rmid_forced\":0}");
	ck_has(o.out, "\"type\":\"IPC_SHM\",\"len\":96,\"id\":32769,\"key\":\"0x0\",\"uid\":1000,\"gid\":1000,"
		      "\"cuid\":1000,\"cgid\":1000,\"mode\":\"01600\",\"size\":4097,\"nattch\":1,\"flags\":\"dest\","
		      "\"nr_pages\":0,");
	ck_has(o.out, "\"qbytes\":16384,\"cbytes\":8,\"nr_msgs\":2,");
	ck_has(o.out, "\"type\":\"IPC_MSG\",\"len\":29,\"mtype\":2,\"size\":5}");
	ck_has(o.out, "\"nsems\":3,\"semval\":[1,0,5]}");
	ck_has(o.out, "\"type\":\"SEM_UNDO\",\"len\":16,\"objref\":700010,\"nr_undos\":2,\"used_by\":[10,11,12]}");
	ck_has(o.out, "\"semid\":98306,\"nsems\":1,\"adj\":[-32767]}");
	ck_has(o.out, "\"kind\":\"sysv_shm\",\"pgoff\":1,\"nr_pages\":0,\"shmid\":32769,\"shm_key\":\"0x0\",\"shm_ref\":901}");
	if (!system("command -v python3 >/dev/null 2>&1")) {
		run(&o, "%s/ckptinfo --json ipc.img | python3 -m json.tool >/dev/null", bin);
		ck_rc(o, 0);
	}
}
END_TEST

/*
 * An array of 100 semaphores and an undo list of 20 threads: the values
 * and the users are cut, in text and in JSON.
 */
START_TEST(big_semaphore_arrays_and_undo_lists_are_cut)
{
	struct ckpt_task_pids e[20];
	int32_t vals[100];
	int16_t adj[100];
	struct img im = { 0 };
	struct out o;
	uint32_t i;

	for (i = 0; i < 100; i++) {
		vals[i] = (int32_t)i;
		adj[i] = (int16_t)-(int32_t)i;
	}
	e[0] = img_proc(NULL, 10);
	e[0].sysvsem_ref = IMG_REF(IMG_SYSVSEM, 10);
	for (i = 1; i < 20; i++)
		e[i] = img_thread(&e[0], 10 + (int32_t)i);
	img_header_flags(&im, CKPT_CHECKPOINT_IPC);
	img_tree(&im, e, 20);
	img_task_head(&im, &e[0], IMG_HAS_ALL);
	img_ipc_ns(&im, CKPT_IPC_NS_ALL, 1);
	img_ipc_sem(&im, 0, 0x42, 100, vals);
	img_sem_undo(&im, e[0].sysvsem_ref, 1);
	img_sem_adj(&im, 0, 100, adj);
	img_mm(&im, e[0].mm_ref, 0);
	img_task_tail(&im, &e[0], IMG_HAS_ALL);
	for (i = 1; i < 20; i++)
		img_task_records(&im, &e[i], img_needs(e, 20, i));
	img_tail(&im);
	save_img("big.img", &im);
	run(&o, "%s/ckptinfo big.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "flags=0x2 ipc=true ");
	ck_has(o.out, "flags=all nr_objects=1 ");
	ck_has(o.out, " nsems=100 semval=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,"
		      "24,25,26,27,28,29,30,31,...\n");
	ck_has(o.out, " nsems=100 adj=0,-1,-2,-3,-4,-5,-6,-7,-8,-9,-10,-11,-12,-13,-14,-15,-16,-17,-18,-19,"
		      "-20,-21,-22,-23,-24,-25,-26,-27,-28,-29,-30,-31,...\n");
	ck_has(o.out, "used by 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25 and 4 more\n");
	run(&o, "%s/ckptinfo --json big.img", bin);
	ck_rc(o, 0);
	ck_has(o.out, "\"nsems\":100,\"semval\":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,"
		      "24,25,26,27,28,29,30,31]}");
	ck_has(o.out, "\"adj\":[0,-1,-2,-3,-4,-5,-6,-7,-8,-9,-10,-11,-12,-13,-14,-15,-16,-17,-18,-19,"
		      "-20,-21,-22,-23,-24,-25,-26,-27,-28,-29,-30,-31]}");
	ck_has(o.out, "\"used_by\":[10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25],\"more\":4}");
	ck_has(o.out, "\"ipc\":true");
}
END_TEST

/* A broken IPC record is reported with its record and field. */
START_TEST(bad_ipc_record_is_reported)
{
	struct img im = { 0 };
	struct out o;
	size_t off;
	char want[160];

	img_ipc_full(&im);
	off = img_find(&im, CKPT_HDR_SEM_ADJ, 0);
	((struct ckpt_hdr_sem_adj *)(im.buf + off))->semid = 3;
	img_refresh_tail(&im);
	save_img("bad.img", &im);
	run(&o, "%s/ckptinfo bad.img", bin);
	ck_rc(o, 1);
	snprintf(want, sizeof(want), "ckptinfo: offset %zu: SEM_ADJ semid 3 names no IPC_SEM of the image", off);
	ck_has(o.err, want);
	ck_has(o.out, "SEM_UNDO        16  objref=700010 nr_undos=2 used by 10, 11, 12\n");
}
END_TEST

static Suite *ckptinfo_suite(void)
{
	Suite *s = suite_create("ckptinfo");
	TCase *tc = tcase_create("tree");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tree_lists_levels_flags_and_sharing);
	tcase_add_test(tc, tree_json_has_the_same_fields);
	tcase_add_test(tc, single_task_shares_nothing);
	tcase_add_test(tc, long_sharing_lists_are_cut);
	tcase_add_test(tc, container_image_says_so);
	tcase_add_test(tc, bad_tree_is_reported_with_entry_and_pid);
	tcase_add_test(tc, missing_record_is_reported_with_entry_and_pid);
	tcase_add_test(tc, file_identities_are_printed);
	tcase_add_test(tc, ipc_image_lists_namespace_objects_undo_lists_and_attachments);
	tcase_add_test(tc, ipc_json_has_the_same_fields);
	tcase_add_test(tc, big_semaphore_arrays_and_undo_lists_are_cut);
	tcase_add_test(tc, bad_ipc_record_is_reported);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ckptinfo_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
