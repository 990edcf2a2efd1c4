// SPDX-License-Identifier: GPL-2.0
/*
 * ipc NAME MODE: SysV IPC objects survive checkpoint/restart.
 *
 * MODE says where the objects live and what the image holds:
 *
 *   all        the caller's IPC namespace; the driver uses "checkpoint --ipc"
 *              (every object saved), removes the originals, restarts.
 *   used       the caller's namespace; plain "checkpoint": only the
 *              segments the tree has attached (A, B, C, E) and the arrays
 *              in its undo lists (S1) are saved.  After restart D, the
 *              queues and S2 must not exist (the driver removed them all).
 *   ns         as all, restarted with "restart --ipcns": the originals
 *              still exist in the caller's namespace; the restored
 *              program must be in a new IPC namespace that holds exactly
 *              its objects.
 *   private    R unshare(CLONE_NEWIPC)s first and sets the namespace's
 *              limits (kernel.msgmnb, msgmax, msgmni, shmmni, shmmax,
 *              shmall, sem): the image is PRIVATE, restart makes a fresh
 *              namespace by itself; the limits come back too.
 *   container  L unshare(CLONE_NEWPID)s and forks I (pid 1), which
 *              unshare(CLONE_NEWIPC)s and plays R ("checkpoint
 *              --container"); /tmp/NAME.root holds I's pid outside.
 *   mixed      no objects: K unshare(CLONE_NEWIPC)s, so the tree spans two
 *              IPC namespaces and the checkpoint must be refused; after
 *              go both exit 0.
 *   locked     as all, with D SHM_LOCKed (CKPT_SHM_LOCKED): after restart
 *              D is still locked.
 *
 * Objects (R creates them after creating and removing a few, so the ids
 * have gaps a fresh allocation would not reproduce):
 *   shm A  key, 3 pages + 100 bytes, 0640: attached read-write and a
 *          second time SHM_RDONLY
 *   shm B  IPC_PRIVATE, 16 pages, 0600, at a fixed address; pages 0, 5, 6
 *          and 15 touched, pages 8-9 mprotect()ed read-only (one shmat
 *          split into three VMAs)
 *   shm C  key, 2 pages, 0666, attached, then IPC_RMID: removed but
 *          attached (SHM_DEST, key IPC_PRIVATE)
 *   shm D  key, 5 pages, 0644, written and detached: not attached by
 *          anyone at checkpoint (SHM_LOCKed in mode locked)
 *   shm E  key, 1 page, 0444, attached SHM_RDONLY only
 *   msq M1 key, 0620, 6 messages (types 1 5 3 7 1 2, sizes 0 1 100 4000
 *          17 8192; private: one more of 12000 bytes), one more sent and
 *          received before (lrpid, rtime), qbytes lowered by IPC_SET
 *   msq M2 IPC_PRIVATE, 0600, 200 messages of types 1..4, sizes 0..49
 *   msq M3 key, 0666, empty, owner changed to 1000:1001 by IPC_SET
 *   sem S1 key, 5 semaphores, 0660, SETALL {0 1 32767 12 500}, a semop
 *          on S1[3] without SEM_UNDO and one with SEM_UNDO on S1[4] (-100)
 *   sem S2 IPC_PRIVATE, 1 semaphore = 42, owner 1001:1000
 * K, R's child, is forked after the attachments (it inherits them), keeps
 * /tmp/NAME.kfile open (the driver deletes it to make K's restore fail).
 *
 * /tmp/NAME.ids: "KIND ID KEY" per object existing at checkpoint but C
 * (shm, msq, sem; ascending ids within a kind; C: "dest ID KEY").
 *
 * After restart (go) R checks: every id, key (shmget/msgget/semget of the
 * key gives the same id), size, mode (incl. SHM_DEST, SHM_LOCKED),
 * uid/gid/cuid/cgid, cpid/lpid, atime/dtime/ctime (the attachments made
 * again at restart do not show), nattch; the data of every segment
 * at its address in R and K (pages never touched are zero), the
 * attachments in /proc/self/maps (ranges, perms, offset, the inode that is
 * the shmid), writes through A's read-write mapping seen through its
 * read-only one and in K, SHM_RDONLY attachments fault on write; K's
 * exit lowers nattch by its attachments; C disappears when R detaches
 * it last; every message of every queue in order (type, size, contents;
 * msgrcv by type first), qnum, cbytes, qbytes, lspid, lrpid, stime,
 * rtime; every semaphore value and sempid, otime, ctime, and R's
 * /proc/self/semundo ("S1 0 0 0 0 100").  Then R removes its objects.
 *
 * Selfcheck breaks (KCRTEST_SELFCHECK=1 KCRTEST_BREAK=...): data ro msg
 * order sem nattch.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#define PG		4096UL
#define TMO		30
#define B_ADDR		0x500000000000UL
#define NM2		200
#define KMARK_OFF	(3 * PG + 200)	/* in A's last page, after its size */
#define SHARED_OFF	(3 * PG + 60)	/* in A: R's write after restart (K does not look) */

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

enum { M_ALL, M_USED, M_NS, M_PRIVATE, M_CONTAINER, M_MIXED, M_LOCKED };
static const char *const mode_names[] = { "all", "used", "ns", "private", "container", "mixed",
					  "locked" };
static int mode;
static char name[64];

enum { SA_, SB, SC, SD, SE, NSEG };
static const char *const seg_name[NSEG] = { "A", "B", "C", "D", "E" };
static const size_t seg_size[NSEG] = { 3 * PG + 100, 16 * PG, 2 * PG, 5 * PG, PG };
static const int seg_mode[NSEG] = { 0640, 0600, 0666, 0644, 0444 };

struct seg {
	key_t key;
	int id;
	char *rw, *ro;			/* R's attachments (A: both) */
	struct shmid_ds ds;		/* at checkpoint (after K forked) */
};

struct msgdef {
	long type;
	size_t size;
};
static const struct msgdef m1_msgs[] = { { 1, 0 }, { 5, 1 }, { 3, 100 }, { 7, 4000 }, { 1, 17 },
					 { 2, 8192 }, { 4, 12000 } };
#define NM1 (mode == M_PRIVATE || mode == M_CONTAINER ? 7 : 6)

struct qmsg {
	long mtype;
	char mtext[16384];
};

struct state {
	struct seg seg[NSEG];
	key_t km1, km3, ks1;
	int m1, m2, m3, s1, s2;
	struct msqid_ds m1ds, m2ds, m3ds;
	struct semid_ds s1ds, s2ds;
	unsigned short s1vals[5];
	int s1pids[5];
	char ns[64], initns[64];
	int limits_ok;
	pid_t rpid, kpid;		/* getpid() of R and K */
};
static struct state st;
static int rk_p[2] = { -1, -1 };		/* R -> K: "exit now" */
static volatile char *kmark;			/* in A: where K writes after restart */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dULL;
	return x ^ (x >> 33);
}

static unsigned char pbyte(unsigned int tag, size_t i)
{
	return (unsigned char)mix(((uint64_t)tag << 40) ^ (i * 0x9e3779b97f4a7c15ULL) ^ tag);
}

static void fill(char *p, size_t len, unsigned int tag)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pbyte(tag, i);
}

/* First differing byte, or -1. */
static long check_fill(const char *p, size_t len, unsigned int tag)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] != pbyte(tag, i))
			return (long)i;
	return -1;
}

static key_t key_of(int k)
{
	return (key_t)(0x4b430000 | (mode << 8) | k);
}

/* ------------------------------------------------------------------ setup */
static void warmup(void)
{
	int i, ids[6];

	/* a few objects created and removed: the real ones get ids a fresh
	 * namespace would not hand out first */
	for (i = 0; i < 3; i++)
		ids[i] = shmget(IPC_PRIVATE, PG, 0600);
	for (i = 0; i < 3; i++)
		if (ids[i] >= 0)
			shmctl(ids[i], IPC_RMID, NULL);
	for (i = 0; i < 2; i++) {
		int m = msgget(IPC_PRIVATE, 0600), s = semget(IPC_PRIVATE, 1, 0600);

		if (m >= 0)
			msgctl(m, IPC_RMID, NULL);
		if (s >= 0)
			semctl(s, 0, IPC_RMID);
	}
}

static int xshmget(key_t key, size_t size, int mode_bits, const char *what)
{
	int id = shmget(key, size, IPC_CREAT | IPC_EXCL | mode_bits);

	if (id < 0)
		kt_die("shmget %s (key 0x%x): %s (errno %d)", what, key, strerror(errno), errno);
	return id;
}

static char *xshmat(int id, const void *addr, int flags, const char *what)
{
	void *p = shmat(id, addr, flags);

	if (p == (void *)-1)
		kt_die("shmat %s: %s (errno %d)", what, strerror(errno), errno);
	return p;
}

static void send(int q, long type, size_t size, unsigned int tag)
{
	static struct qmsg m;

	m.mtype = type;
	fill(m.mtext, size, tag);
	if (msgsnd(q, &m, size, IPC_NOWAIT))
		kt_die("msgsnd(type %ld, %zu bytes): %s (errno %d)", type, size, strerror(errno),
		       errno);
}

static unsigned int m1_tag(int i)
{
	return 0x1100 + i;
}

static unsigned int m2_tag(int i)
{
	return 0x2200 + i;
}

static void write_sysctl(const char *path, const char *val)
{
	char buf[128];
	size_t n = strlen(val);
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, n) != (ssize_t)n)
		kt_die("writing \"%s\" to %s: %s", val, path, strerror(errno));
	close(fd);
	if (kt_read_file(path, buf, sizeof(buf)) < 0)
		kt_die_errno(path);
}

static const char *const sysctls[][2] = {
	{ "/proc/sys/kernel/msgmnb", "65536" },
	{ "/proc/sys/kernel/msgmax", "16384" },
	{ "/proc/sys/kernel/msgmni", "100" },
	{ "/proc/sys/kernel/shmmni", "200" },
	{ "/proc/sys/kernel/shmmax", "1073741824" },
	{ "/proc/sys/kernel/shmall", "1048576" },
	{ "/proc/sys/kernel/sem", "300\t40000\t40\t200" },
};
#define NSYSCTL (sizeof(sysctls) / sizeof(sysctls[0]))

static void nslink(const char *path, char *out, size_t size)
{
	ssize_t n = readlink(path, out, size - 1);

	out[n < 0 ? 0 : n] = 0;
}

static void create_objects(void)
{
	union semun su;
	struct sembuf op;
	int i;

	warmup();
	/* shm */
	for (i = 0; i < NSEG; i++) {
		struct seg *s = &st.seg[i];

		s->key = i == SB ? IPC_PRIVATE : key_of(0x10 + i);
		s->id = xshmget(s->key, seg_size[i], seg_mode[i], seg_name[i]);
		if (i == SB) {		/* a gap among the ids */
			int g = shmget(IPC_PRIVATE, PG, 0600);

			if (g >= 0)
				shmctl(g, IPC_RMID, NULL);
		}
	}
	st.seg[SA_].rw = xshmat(st.seg[SA_].id, NULL, 0, "A");
	fill(st.seg[SA_].rw, seg_size[SA_], 0xa0);
	st.seg[SA_].ro = xshmat(st.seg[SA_].id, NULL, SHM_RDONLY, "A read-only");
	kmark = st.seg[SA_].rw + KMARK_OFF;
	st.seg[SB].rw = xshmat(st.seg[SB].id, (void *)B_ADDR, 0, "B");
	fill(st.seg[SB].rw, PG, 0xb0);
	fill(st.seg[SB].rw + 5 * PG, 2 * PG, 0xb5);
	fill(st.seg[SB].rw + 15 * PG, PG, 0xbf);
	if (mprotect(st.seg[SB].rw + 8 * PG, 2 * PG, PROT_READ))
		kt_die_errno("mprotect B");
	st.seg[SC].rw = xshmat(st.seg[SC].id, NULL, 0, "C");
	fill(st.seg[SC].rw, seg_size[SC], 0xc0);
	if (shmctl(st.seg[SC].id, IPC_RMID, NULL))
		kt_die_errno("IPC_RMID C");
	{
		char *d = xshmat(st.seg[SD].id, NULL, 0, "D");

		fill(d, seg_size[SD], 0xd0);
		if (shmdt(d))
			kt_die_errno("shmdt D");
		if (mode == M_LOCKED && shmctl(st.seg[SD].id, SHM_LOCK, NULL))
			kt_die_errno("SHM_LOCK D");
	}
	{
		char *e = xshmat(st.seg[SE].id, NULL, 0, "E (to fill it)");

		fill(e, seg_size[SE], 0xe0);
		shmdt(e);
		st.seg[SE].ro = xshmat(st.seg[SE].id, NULL, SHM_RDONLY, "E");
	}

	/* queues */
	st.km1 = key_of(0x20);
	st.km3 = key_of(0x22);
	st.m1 = msgget(st.km1, IPC_CREAT | IPC_EXCL | 0620);
	st.m2 = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	{
		int g = msgget(IPC_PRIVATE, 0600);	/* a gap */

		if (g >= 0)
			msgctl(g, IPC_RMID, NULL);
	}
	st.m3 = msgget(st.km3, IPC_CREAT | IPC_EXCL | 0666);
	if (st.m1 < 0 || st.m2 < 0 || st.m3 < 0)
		kt_die_errno("msgget");
	{
		struct qmsg *m = malloc(sizeof(*m));
		struct msqid_ds ds;

		send(st.m1, 9, 33, 0x1199);	/* received at once: lrpid, rtime */
		if (!m || msgrcv(st.m1, m, sizeof(m->mtext), 9, IPC_NOWAIT) != 33)
			kt_die_errno("msgrcv type 9");
		free(m);
		for (i = 0; i < NM1; i++)
			send(st.m1, m1_msgs[i].type, m1_msgs[i].size, m1_tag(i));
		if (msgctl(st.m1, IPC_STAT, &ds))
			kt_die_errno("IPC_STAT M1");
		ds.msg_qbytes = NM1 == 7 ? 30000 : 14000;
		if (msgctl(st.m1, IPC_SET, &ds))
			kt_die_errno("IPC_SET M1 qbytes");
	}
	for (i = 0; i < NM2; i++)
		send(st.m2, i % 4 + 1, i % 50, m2_tag(i));
	{
		struct msqid_ds ds;

		if (msgctl(st.m3, IPC_STAT, &ds))
			kt_die_errno("IPC_STAT M3");
		ds.msg_perm.uid = 1000;
		ds.msg_perm.gid = 1001;
		if (msgctl(st.m3, IPC_SET, &ds))
			kt_die_errno("IPC_SET M3 owner");
	}

	/* semaphores */
	st.ks1 = key_of(0x30);
	st.s1 = semget(st.ks1, 5, IPC_CREAT | IPC_EXCL | 0660);
	{
		int g = semget(IPC_PRIVATE, 2, 0600);	/* a gap */

		if (g >= 0)
			semctl(g, 0, IPC_RMID);
	}
	st.s2 = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	if (st.s1 < 0 || st.s2 < 0)
		kt_die_errno("semget");
	{
		unsigned short v[5] = { 0, 1, 32767, 12, 500 };
		struct semid_ds ds;

		su.array = v;
		if (semctl(st.s1, 0, SETALL, su))
			kt_die_errno("SETALL S1");
		su.val = 42;
		if (semctl(st.s2, 0, SETVAL, su))
			kt_die_errno("SETVAL S2");
		su.buf = &ds;
		if (semctl(st.s2, 0, IPC_STAT, su))
			kt_die_errno("IPC_STAT S2");
		ds.sem_perm.uid = 1001;
		ds.sem_perm.gid = 1000;
		if (semctl(st.s2, 0, IPC_SET, su))
			kt_die_errno("IPC_SET S2");
	}
	op.sem_num = 3;
	op.sem_op = 3;
	op.sem_flg = 0;
	if (semop(st.s1, &op, 1))
		kt_die_errno("semop S1[3] += 3");
	op.sem_num = 4;
	op.sem_op = -100;
	op.sem_flg = SEM_UNDO;
	if (semop(st.s1, &op, 1))
		kt_die_errno("semop S1[4] -= 100 SEM_UNDO");
}

/* ------------------------------------------------------------------ K */
static void run_k(void)
{
	char path[128], b[64];
	double deadline;
	int fd;
	ssize_t n;

	kt_set_who("K");
	close(rk_p[1]);
	snprintf(path, sizeof(path), "/tmp/%s.kfile", name);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		kt_die_errno(path);
	if (mode == M_MIXED && unshare(CLONE_NEWIPC))
		kt_die_errno("K: unshare(CLONE_NEWIPC)");
	kt_wait_go();
	if (mode != M_MIXED) {
		long d;

		/* K's view of the segments (inherited attachments) */
		d = check_fill(st.seg[SA_].rw, 3 * PG + 50, 0xa0);
		if (d >= 0)
			kt_fail("A (read-write) in K: data differs at byte %ld", d);
		d = check_fill(st.seg[SA_].ro, 3 * PG + 50, 0xa0);
		if (d >= 0)
			kt_fail("A (read-only) in K: data differs at byte %ld", d);
		d = check_fill(st.seg[SC].rw, seg_size[SC], 0xc0);
		if (d >= 0)
			kt_fail("C (removed, attached) in K: data differs at byte %ld", d);
		d = check_fill(st.seg[SE].ro, seg_size[SE], 0xe0);
		if (d >= 0)
			kt_fail("E in K: data differs at byte %ld", d);
		*kmark = 'K';
	}
	deadline = kt_now(CLOCK_MONOTONIC) + TMO;
	for (;;) {
		struct pollfd pfd = { rk_p[0], POLLIN, 0 };

		if (poll(&pfd, 1, 100) > 0)
			break;
		if (kt_now(CLOCK_MONOTONIC) > deadline) {
			kt_fail("expected R's word to exit within %d s, got none", TMO);
			break;
		}
	}
	n = read(rk_p[0], b, 1);
	(void)n;
	close(fd);
	exit(kt_nfail ? 1 : 0);
}

/* ------------------------------------------------------------------ checks */
struct mapline {
	unsigned long start, end, off, ino;
	char perms[8], path[128];
};

static int find_map(unsigned long addr, struct mapline *m)
{
	static char buf[65536];
	char *p, *e;

	if (kt_read_file("/proc/self/maps", buf, sizeof(buf)) <= 0)
		return -1;
	for (p = buf; *p; p = e + 1) {
		int n = 0;

		e = strchr(p, '\n');
		if (!e)
			break;
		*e = 0;
		m->path[0] = 0;
		if (sscanf(p, "%lx-%lx %7s %lx %*s %lu %n", &m->start, &m->end, m->perms, &m->off,
			   &m->ino, &n) >= 5) {
			if (n > 0)
				snprintf(m->path, sizeof(m->path), "%s", p + n);
			if (m->start == addr) {
				*e = '\n';
				return 0;
			}
		}
		*e = '\n';
	}
	return -1;
}

static void check_map(const char *what, const void *addr, size_t len, const char *perms,
		      unsigned long off, int id, key_t key)
{
	struct mapline m;
	char path[64];

	if (find_map((unsigned long)addr, &m)) {
		kt_fail("%s in /proc/self/maps: expected a mapping at %p, got none", what, addr);
		return;
	}
	if (m.end - m.start != len)
		kt_fail("%s mapping at %p: expected %zu bytes, got %lu", what, addr, len,
			m.end - m.start);
	KT_EXPECT_STR(what, perms, m.perms);
	if (m.off != off)
		kt_fail("%s mapping at %p: expected offset 0x%lx, got 0x%lx", what, addr, off, m.off);
	if (m.ino != (unsigned long)id)
		kt_fail("%s mapping at %p: expected the inode number to be the shmid %d, got %lu",
			what, addr, id, m.ino);
	if (key != (key_t)-1) {
		snprintf(path, sizeof(path), "/SYSV%08x (deleted)", (unsigned int)key);
		KT_EXPECT_STR(what, path, m.path);
	}
}

static sigjmp_buf fault_jb;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(fault_jb, 1);
}

/* Does a write to p fault? (the byte is written back unchanged otherwise) */
static int write_faults(volatile char *p)
{
	struct sigaction sa, old;
	int faulted = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(fault_jb, 1) == 0) {
		char c = *p;

		*p = c;
	} else {
		faulted = 1;
	}
	sigaction(SIGSEGV, &old, NULL);
	return faulted;
}

static int gone_shm(int id)
{
	struct shmid_ds ds;

	return shmctl(id, IPC_STAT, &ds) < 0 && (errno == EINVAL || errno == EIDRM);
}

static void check_perm(const char *what, const struct ipc_perm *exp, const struct ipc_perm *got)
{
	char w[96];

	snprintf(w, sizeof(w), "%s key", what);
	KT_EXPECT_U64(w, (unsigned int)exp->__key, (unsigned int)got->__key);
	snprintf(w, sizeof(w), "%s mode", what);
	KT_EXPECT_U64(w, exp->mode, got->mode);
	snprintf(w, sizeof(w), "%s uid", what);
	KT_EXPECT_INT(w, exp->uid, got->uid);
	snprintf(w, sizeof(w), "%s gid", what);
	KT_EXPECT_INT(w, exp->gid, got->gid);
	snprintf(w, sizeof(w), "%s cuid", what);
	KT_EXPECT_INT(w, exp->cuid, got->cuid);
	snprintf(w, sizeof(w), "%s cgid", what);
	KT_EXPECT_INT(w, exp->cgid, got->cgid);
}

static void stat_segs(struct shmid_ds *ds)
{
	int i;

	for (i = 0; i < NSEG; i++) {
		memset(&ds[i], 0, sizeof(ds[i]));
		if (shmctl(st.seg[i].id, IPC_STAT, &ds[i]))
			ds[i].shm_nattch = (shmatt_t)-1;
	}
}

static int seg_saved(int i)
{
	return mode != M_USED || i != SD;
}

static void check_segs(void)
{
	char w[96];
	int i;

	for (i = 0; i < NSEG; i++) {
		struct seg *s = &st.seg[i];
		struct shmid_ds ds;
		int id;

		if (!seg_saved(i)) {
			if (!gone_shm(s->id))
				kt_fail("shm D (id %d, never attached): expected it not to be saved without --ipc, got it back",
					s->id);
			errno = 0;
			id = shmget(s->key, 0, 0);
			if (id >= 0 || errno != ENOENT)
				kt_fail("shm D's key 0x%x: expected ENOENT (not saved), got %s %d", s->key,
					id >= 0 ? "id" : strerror(errno), id);
			continue;
		}
		if (shmctl(s->id, IPC_STAT, &ds)) {
			kt_fail("shm %s: expected id %d (key 0x%x) to exist, got %s", seg_name[i], s->id,
				s->key, strerror(errno));
			continue;
		}
		if (s->key != IPC_PRIVATE && i != SC) {
			id = shmget(s->key, 0, 0);

			snprintf(w, sizeof(w), "shm %s: shmget(key 0x%x)", seg_name[i], s->key);
			KT_EXPECT_INT(w, s->id, id);
		}
		snprintf(w, sizeof(w), "shm %s (id %d)", seg_name[i], s->id);
		check_perm(w, &s->ds.shm_perm, &ds.shm_perm);
		snprintf(w, sizeof(w), "shm %s size", seg_name[i]);
		KT_EXPECT_INT(w, seg_size[i], ds.shm_segsz);
		snprintf(w, sizeof(w), "shm %s cpid", seg_name[i]);
		KT_EXPECT_INT(w, s->ds.shm_cpid, ds.shm_cpid);
		snprintf(w, sizeof(w), "shm %s ctime", seg_name[i]);
		KT_EXPECT_INT(w, s->ds.shm_ctime, ds.shm_ctime);
		snprintf(w, sizeof(w), "shm %s nattch", seg_name[i]);
		if (i == SA_ && kt_broken("nattch"))
			ds.shm_nattch++;
		KT_EXPECT_INT(w, s->ds.shm_nattch, ds.shm_nattch);
		/* the attachments made again at restart must not show */
		snprintf(w, sizeof(w), "shm %s atime", seg_name[i]);
		KT_EXPECT_INT(w, s->ds.shm_atime, ds.shm_atime);
		snprintf(w, sizeof(w), "shm %s dtime", seg_name[i]);
		KT_EXPECT_INT(w, s->ds.shm_dtime, ds.shm_dtime);
		snprintf(w, sizeof(w), "shm %s lpid", seg_name[i]);
		KT_EXPECT_INT(w, s->ds.shm_lpid, ds.shm_lpid);
	}
	errno = 0;
	i = shmget(st.seg[SC].key, 0, 0);
	if (i >= 0 || errno != ENOENT)
		kt_fail("shm C's old key 0x%x: expected ENOENT (C was removed), got %s %d",
			st.seg[SC].key, i >= 0 ? "id" : strerror(errno), i);
}

static void check_data(void)
{
	const struct seg *a = &st.seg[SA_], *b = &st.seg[SB];
	long d;
	int i;

	if (kt_broken("data"))
		a->rw[77] ^= 1;
	d = check_fill(a->rw, seg_size[SA_], 0xa0);
	if (d >= 0)
		kt_fail("shm A at %p: data differs at byte %ld", a->rw, d);
	d = check_fill(a->ro, seg_size[SA_], 0xa0);
	if (d >= 0)
		kt_fail("shm A (SHM_RDONLY) at %p: data differs at byte %ld", a->ro, d);
	for (i = seg_size[SA_]; i < (int)(4 * PG); i++)
		if (a->rw[i] && i != (int)KMARK_OFF) {
			kt_fail("shm A: expected zeros after its size, got 0x%02x at byte %d",
				(unsigned char)a->rw[i], i);
			break;
		}
	d = check_fill(b->rw, PG, 0xb0);
	if (d >= 0)
		kt_fail("shm B page 0: differs at byte %ld", d);
	d = check_fill(b->rw + 5 * PG, 2 * PG, 0xb5);
	if (d >= 0)
		kt_fail("shm B pages 5-6: differ at byte %ld", d);
	d = check_fill(b->rw + 15 * PG, PG, 0xbf);
	if (d >= 0)
		kt_fail("shm B page 15: differs at byte %ld", d);
	for (i = 0; i < 16; i++) {
		size_t k;

		if (i == 0 || i == 5 || i == 6 || i == 15)
			continue;
		for (k = 0; k < PG; k++)
			if (b->rw[i * PG + k]) {
				kt_fail("shm B page %d (never written): expected zeros, got 0x%02x at byte %zu",
					i, (unsigned char)b->rw[i * PG + k], k);
				break;
			}
	}
	d = check_fill(st.seg[SC].rw, seg_size[SC], 0xc0);
	if (d >= 0)
		kt_fail("shm C (removed, attached): data differs at byte %ld", d);
	d = check_fill(st.seg[SE].ro, seg_size[SE], 0xe0);
	if (d >= 0)
		kt_fail("shm E (SHM_RDONLY): data differs at byte %ld", d);

	check_map("shm A (read-write)", a->rw, 4 * PG, "rw-s", 0, a->id, a->key);
	check_map("shm A (SHM_RDONLY)", a->ro, 4 * PG, "r--s", 0, a->id, a->key);
	if (b->rw != (char *)B_ADDR)
		kt_fail("shm B: expected it at 0x%lx, got %p", B_ADDR, b->rw);
	check_map("shm B pages 0-7", b->rw, 8 * PG, "rw-s", 0, b->id, 0);
	check_map("shm B pages 8-9 (mprotect)", b->rw + 8 * PG, 2 * PG, "r--s", 8 * PG, b->id, 0);
	check_map("shm B pages 10-15", b->rw + 10 * PG, 6 * PG, "rw-s", 10 * PG, b->id, 0);
	check_map("shm C", st.seg[SC].rw, 2 * PG, "rw-s", 0, st.seg[SC].id, (key_t)-1);
	check_map("shm E", st.seg[SE].ro, PG, "r--s", 0, st.seg[SE].id, st.seg[SE].key);

	/* the two attachments of A are one segment */
	a->rw[SHARED_OFF] = 0x5a;
	if (a->ro[SHARED_OFF] != 0x5a)
		kt_fail("shm A: a write through the read-write attachment is not seen through the read-only one (0x%02x)",
			(unsigned char)a->ro[SHARED_OFF]);
	a->rw[SHARED_OFF] = pbyte(0xa0, SHARED_OFF);
	/* read-only stays read-only */
	if (!write_faults(kt_broken("ro") ? a->rw + 10 : a->ro + 10))
		kt_fail("shm A SHM_RDONLY attachment at %p: expected a write to fault, it did not",
			a->ro);
	if (!write_faults(st.seg[SE].ro))
		kt_fail("shm E SHM_RDONLY attachment at %p: expected a write to fault, it did not",
			st.seg[SE].ro);
	if (!write_faults(b->rw + 8 * PG))
		kt_fail("shm B read-only part at %p: expected a write to fault, it did not",
			b->rw + 8 * PG);
	if (write_faults(b->rw + 15 * PG))
		kt_fail("shm B page 15: expected it writable, a write faulted");
}

static void check_d_contents(void)
{
	char *d;
	long off;

	if (!seg_saved(SD))
		return;
	d = shmat(st.seg[SD].id, NULL, SHM_RDONLY);
	if (d == (void *)-1) {
		kt_fail("shmat D after restart: %s", strerror(errno));
		return;
	}
	off = check_fill(d, seg_size[SD], 0xd0);
	if (off >= 0)
		kt_fail("shm D (not attached at checkpoint): data differs at byte %ld", off);
	shmdt(d);
	if (!(st.seg[SD].ds.shm_perm.mode & SHM_LOCKED) != (mode != M_LOCKED))
		kt_fail("shm D: expected SHM_LOCKED %s at checkpoint, mode was 0%o",
			mode == M_LOCKED ? "set" : "clear", st.seg[SD].ds.shm_perm.mode);
}

static void check_msq_stat(const char *what, int q, const struct msqid_ds *exp)
{
	struct msqid_ds ds;
	char w[96];

	if (msgctl(q, IPC_STAT, &ds)) {
		kt_fail("%s: expected msqid %d to exist, got %s", what, q, strerror(errno));
		return;
	}
	check_perm(what, &exp->msg_perm, &ds.msg_perm);
#define X(f)	do { snprintf(w, sizeof(w), "%s " #f, what); KT_EXPECT_INT(w, exp->f, ds.f); } while (0)
	X(msg_qnum);
	X(__msg_cbytes);
	X(msg_qbytes);
	X(msg_lspid);
	X(msg_lrpid);
	X(msg_stime);
	X(msg_rtime);
	X(msg_ctime);
#undef X
}

static int recv_check(const char *what, int q, long want_type, long type, size_t size,
		      unsigned int tag, int idx)
{
	static struct qmsg m;
	ssize_t n;
	long d;

	n = msgrcv(q, &m, sizeof(m.mtext), want_type, IPC_NOWAIT);
	if (n < 0) {
		kt_fail("%s message %d: expected type %ld, %zu bytes, got %s", what, idx, type, size,
			strerror(errno));
		return -1;
	}
	if (m.mtype != type || (size_t)n != size) {
		kt_fail("%s message %d: expected type %ld, %zu bytes, got type %ld, %zd bytes", what,
			idx, type, size, m.mtype, n);
		return -1;
	}
	d = check_fill(m.mtext, size, tag);
	if (d >= 0) {
		kt_fail("%s message %d (type %ld, %zu bytes): contents differ at byte %ld", what, idx,
			type, size, d);
		return -1;
	}
	return 0;
}

static void check_queues(void)
{
	struct qmsg *m;
	int i;

	if (mode == M_USED) {
		struct msqid_ds ds;

		int q;

		errno = 0;
		q = msgget(st.km1, 0);
		if (q >= 0 || errno != ENOENT)
			kt_fail("msq M1 (key 0x%x): expected it not to be saved without --ipc (ENOENT), got %s %d",
				st.km1, q >= 0 ? "id" : strerror(errno), q);
		if (msgctl(st.m2, IPC_STAT, &ds) == 0)
			kt_fail("msq M2 (id %d): expected it not to be saved without --ipc, got it",
				st.m2);
		return;
	}
	KT_EXPECT_INT("msq M1: msgget(key)", st.m1, msgget(st.km1, 0));
	KT_EXPECT_INT("msq M3: msgget(key)", st.m3, msgget(st.km3, 0));
	check_msq_stat("msq M1", st.m1, &st.m1ds);
	check_msq_stat("msq M2", st.m2, &st.m2ds);
	check_msq_stat("msq M3", st.m3, &st.m3ds);
	if (kt_broken("order")) {
		static struct qmsg t;

		msgrcv(st.m1, &t, sizeof(t.mtext), 5, IPC_NOWAIT);
		msgsnd(st.m1, &t, 1, 0);
	}
	/* by type first: the 4000 bytes of type 7 */
	recv_check("msq M1 (msgrcv type 7)", st.m1, 7, 7, 4000, m1_tag(3), 3);
	for (i = 0; i < NM1; i++) {
		if (i == 3)
			continue;
		if (recv_check("msq M1", st.m1, 0, m1_msgs[i].type, m1_msgs[i].size, m1_tag(i), i))
			break;
	}
	if (kt_broken("msg"))
		send(st.m2, 3, 10, 0);
	for (i = 0; i < NM2; i++)
		if (recv_check("msq M2", st.m2, 0, i % 4 + 1, i % 50, m2_tag(i), i))
			break;
	m = malloc(sizeof(*m));
	if (m && msgrcv(st.m1, m, sizeof(m->mtext), 0, IPC_NOWAIT) >= 0)
		kt_fail("msq M1: expected it empty after its %d messages, got one more (type %ld)",
			NM1, m->mtype);
	if (m && msgrcv(st.m2, m, sizeof(m->mtext), 0, IPC_NOWAIT) >= 0)
		kt_fail("msq M2: expected it empty after its %d messages, got one more (type %ld)",
			NM2, m->mtype);
	if (m && (msgrcv(st.m3, m, sizeof(m->mtext), 0, IPC_NOWAIT) >= 0 || errno != ENOMSG))
		kt_fail("msq M3: expected it empty (ENOMSG), got %s",
			errno == ENOMSG ? "a message" : strerror(errno));
	free(m);
}

static void check_sem_stat(const char *what, int s, const struct semid_ds *exp)
{
	struct semid_ds ds;
	union semun su = { .buf = &ds };
	char w[96];

	if (semctl(s, 0, IPC_STAT, su)) {
		kt_fail("%s: expected semid %d to exist, got %s", what, s, strerror(errno));
		return;
	}
	check_perm(what, &exp->sem_perm, &ds.sem_perm);
	snprintf(w, sizeof(w), "%s nsems", what);
	KT_EXPECT_INT(w, exp->sem_nsems, ds.sem_nsems);
	snprintf(w, sizeof(w), "%s otime", what);
	KT_EXPECT_INT(w, exp->sem_otime, ds.sem_otime);
	snprintf(w, sizeof(w), "%s ctime", what);
	KT_EXPECT_INT(w, exp->sem_ctime, ds.sem_ctime);
}

static void check_sems(void)
{
	unsigned short v[5];
	union semun su = { .array = v };
	char buf[512], exp[128], w[64];
	int i;

	KT_EXPECT_INT("sem S1: semget(key)", st.s1, semget(st.ks1, 0, 0));
	check_sem_stat("sem S1", st.s1, &st.s1ds);
	if (kt_broken("sem")) {
		struct sembuf op = { 0, 1, 0 };

		semop(st.s1, &op, 1);
	}
	if (semctl(st.s1, 0, GETALL, su) == 0) {
		for (i = 0; i < 5; i++) {
			snprintf(w, sizeof(w), "sem S1[%d] value", i);
			KT_EXPECT_INT(w, st.s1vals[i], v[i]);
		}
	} else {
		kt_fail("GETALL S1: %s", strerror(errno));
	}
	for (i = 0; i < 5; i++) {
		snprintf(w, sizeof(w), "sem S1[%d] sempid (GETPID)", i);
		KT_EXPECT_INT(w, st.s1pids[i], semctl(st.s1, i, GETPID));
	}
	if (mode == M_USED) {
		struct semid_ds ds;

		su.buf = &ds;
		if (semctl(st.s2, 0, IPC_STAT, su) == 0)
			kt_fail("sem S2 (id %d, in no undo list): expected it not to be saved without --ipc, got it",
				st.s2);
	} else {
		check_sem_stat("sem S2", st.s2, &st.s2ds);
		KT_EXPECT_INT("sem S2 value", 42, semctl(st.s2, 0, GETVAL));
	}
	snprintf(exp, sizeof(exp), "%d 0 0 0 0 100\n", st.s1);
	if (kt_read_file("/proc/self/semundo", buf, sizeof(buf)) < 0)
		kt_fail("/proc/self/semundo: %s", strerror(errno));
	else
		KT_EXPECT_STR("R's /proc/self/semundo", exp, buf);
}

/* The IPC namespace holds exactly our objects (fresh namespaces only). */
static int count_lines(const char *path)
{
	static char buf[65536];
	int n = 0;
	char *p;

	if (kt_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; (p = strchr(p, '\n')); p++)
		n++;
	return n - 1;		/* the header line */
}

static void check_ns(void)
{
	char now[64], buf[128];
	size_t i;

	nslink("/proc/self/ns/ipc", now, sizeof(now));
	if (mode == M_ALL || mode == M_USED || mode == M_LOCKED) {
		KT_EXPECT_STR("IPC namespace (restarted in the caller's)", st.initns, now);
		return;
	}
	/* (the original namespace died with the tree: its inode number may be
	 * reused, so only the initial one is compared) */
	if (!strcmp(now, st.initns))
		kt_fail("IPC namespace after restart: expected a new one, got the initial %s", now);
	KT_EXPECT_INT("shm segments in the new IPC namespace (/proc/sysvipc/shm)", NSEG,
		      count_lines("/proc/sysvipc/shm"));
	KT_EXPECT_INT("queues in the new IPC namespace (/proc/sysvipc/msg)", 3,
		      count_lines("/proc/sysvipc/msg"));
	KT_EXPECT_INT("arrays in the new IPC namespace (/proc/sysvipc/sem)", 2,
		      count_lines("/proc/sysvipc/sem"));
	if (mode == M_NS)
		return;
	for (i = 0; i < NSYSCTL; i++) {
		if (kt_read_file(sysctls[i][0], buf, sizeof(buf)) < 0) {
			kt_fail("%s: %s", sysctls[i][0], strerror(errno));
			continue;
		}
		buf[strcspn(buf, "\n")] = 0;
		KT_EXPECT_STR(sysctls[i][0], sysctls[i][1], buf);
	}
}

static void write_ids(void)
{
	char buf[1024], path[128];
	size_t n = 0;
	int i;

	for (i = 0; i < NSEG; i++)
		if (i != SC)
			n += snprintf(buf + n, sizeof(buf) - n, "shm %d 0x%x\n", st.seg[i].id,
				      st.seg[i].key);
	n += snprintf(buf + n, sizeof(buf) - n, "msq %d 0x%x\nmsq %d 0x0\nmsq %d 0x%x\n", st.m1,
		      st.km1, st.m2, st.m3, st.km3);
	n += snprintf(buf + n, sizeof(buf) - n, "sem %d 0x%x\nsem %d 0x0\n", st.s1, st.ks1, st.s2);
	n += snprintf(buf + n, sizeof(buf) - n, "dest %d 0x%x\n", st.seg[SC].id, st.seg[SC].key);
	snprintf(path, sizeof(path), "/tmp/%s.ids", name);
	if (kt_write_file(path, buf, n))
		kt_die_errno(path);
}

static void snapshot(void)
{
	union semun su;
	struct shmid_ds ds[NSEG];
	int i;

	stat_segs(ds);
	for (i = 0; i < NSEG; i++) {
		if (ds[i].shm_nattch == (shmatt_t)-1)
			kt_die("IPC_STAT shm %s: %s", seg_name[i], strerror(errno));
		st.seg[i].ds = ds[i];
	}
	if (msgctl(st.m1, IPC_STAT, &st.m1ds) || msgctl(st.m2, IPC_STAT, &st.m2ds) ||
	    msgctl(st.m3, IPC_STAT, &st.m3ds))
		kt_die_errno("IPC_STAT queues");
	su.buf = &st.s1ds;
	if (semctl(st.s1, 0, IPC_STAT, su))
		kt_die_errno("IPC_STAT S1");
	su.buf = &st.s2ds;
	if (semctl(st.s2, 0, IPC_STAT, su))
		kt_die_errno("IPC_STAT S2");
	su.array = st.s1vals;
	if (semctl(st.s1, 0, GETALL, su))
		kt_die_errno("GETALL S1");
	for (i = 0; i < 5; i++)
		st.s1pids[i] = semctl(st.s1, i, GETPID);
	/* sanity: what the checks after restart rely on */
	if (st.seg[SA_].ds.shm_nattch != 4 || st.seg[SB].ds.shm_nattch != 6 ||
	    st.seg[SC].ds.shm_nattch != 2 || st.seg[SD].ds.shm_nattch != 0 ||
	    st.seg[SE].ds.shm_nattch != 2)
		kt_die("nattch before the checkpoint: expected A 4 B 6 C 2 D 0 E 2, got %lu %lu %lu %lu %lu",
		       (unsigned long)st.seg[SA_].ds.shm_nattch, (unsigned long)st.seg[SB].ds.shm_nattch,
		       (unsigned long)st.seg[SC].ds.shm_nattch, (unsigned long)st.seg[SD].ds.shm_nattch,
		       (unsigned long)st.seg[SE].ds.shm_nattch);
	if (!(st.seg[SC].ds.shm_perm.mode & SHM_DEST) || st.seg[SC].ds.shm_perm.__key != 0)
		kt_die("shm C after IPC_RMID: expected SHM_DEST and key 0, got mode 0%o key 0x%x",
		       st.seg[SC].ds.shm_perm.mode, st.seg[SC].ds.shm_perm.__key);
}

static void reap_k(void)
{
	char b[64];
	int s;
	pid_t r = kt_wait_pid(st.kpid, &s, TMO);

	if (r == 0) {
		kt_fail("K (pid %d): expected it to exit within %d s, got timeout", (int)st.kpid, TMO);
		kill(st.kpid, SIGKILL);
		kt_wait_pid(st.kpid, &s, 5);
	} else if (r < 0) {
		kt_fail("waitpid(K %d): %s", (int)st.kpid, strerror(errno));
	} else if (!WIFEXITED(s) || WEXITSTATUS(s)) {
		kt_fail("K (pid %d): expected exit 0, got %s (its FAIL lines are above)",
			(int)st.kpid, kt_status_str(s, b, sizeof(b)));
	}
}

static void cleanup(void)
{
	int i;

	for (i = 0; i < NSEG; i++) {
		if (st.seg[i].rw && i != SC)
			shmdt(st.seg[i].rw);
		if (st.seg[i].ro)
			shmdt(st.seg[i].ro);
		if (i != SC)
			shmctl(st.seg[i].id, IPC_RMID, NULL);
	}
	msgctl(st.m1, IPC_RMID, NULL);
	msgctl(st.m2, IPC_RMID, NULL);
	msgctl(st.m3, IPC_RMID, NULL);
	semctl(st.s1, 0, IPC_RMID);
	semctl(st.s2, 0, IPC_RMID);
}

static __attribute__((noreturn)) void run_r(void)
{
	struct shmid_ds ds[NSEG];
	double deadline;
	size_t i;

	kt_set_who("R");
	nslink("/proc/self/ns/ipc", st.initns, sizeof(st.initns));
	if (mode == M_PRIVATE || mode == M_CONTAINER) {
		if (unshare(CLONE_NEWIPC))
			kt_die_errno("unshare(CLONE_NEWIPC)");
		for (i = 0; i < NSYSCTL; i++)
			write_sysctl(sysctls[i][0], sysctls[i][1]);
	}
	nslink("/proc/self/ns/ipc", st.ns, sizeof(st.ns));
	st.rpid = getpid();
	if (mode != M_MIXED)
		create_objects();
	if (pipe(rk_p))
		kt_die_errno("pipe");
	st.kpid = fork();
	if (st.kpid < 0)
		kt_die_errno("fork K");
	if (st.kpid == 0)
		run_k();
	close(rk_p[0]);
	if (mode == M_MIXED) {
		char path[64], kns[64];

		/* K's unshare done: its IPC namespace differs from ours */
		snprintf(path, sizeof(path), "/proc/%d/ns/ipc", (int)st.kpid);
		deadline = kt_now(CLOCK_MONOTONIC) + TMO;
		do {
			kt_sleep_ms(5);
			nslink(path, kns, sizeof(kns));
		} while ((!kns[0] || !strcmp(kns, st.ns)) && kt_now(CLOCK_MONOTONIC) < deadline);
		if (!kns[0] || !strcmp(kns, st.ns))
			kt_die("K: expected it in a new IPC namespace, got %s", kns);
		kt_ready();
		kt_wait_go();
		if (write(rk_p[1], "x", 1) != 1)
			kt_fail("writing to K: %s", strerror(errno));
		reap_k();
		kt_done();
	}
	snapshot();
	write_ids();
	if (mode == M_CONTAINER) {
		char b[4096], *p, path[128];
		int n;

		/* ready: L's pid; root: I's pid outside */
		if (kt_read_file("/proc/self/status", b, sizeof(b)) <= 0 || !(p = strstr(b, "\nPPid:")))
			kt_die("PPid unreadable");
		kt_ppid0 = atoi(p + 6);
		p = strstr(b, "\nNSpid:");
		if (!p)
			kt_die("NSpid unreadable");
		n = snprintf(b, sizeof(b), "%d\n", atoi(p + 7));
		snprintf(path, sizeof(path), "/tmp/%s.root", name);
		if (kt_write_file(path, b, n))
			kt_die_errno(path);
		kt_ready_pid(kt_ppid0);
	} else {
		kt_ready();
	}
	kt_wait_go();

	/* ---- after restart ---- */
	if (mode == M_CONTAINER) {
		char b[4096], *p;

		if (!kt_selfcheck && kt_read_file("/proc/self/status", b, sizeof(b)) > 0 &&
		    (p = strstr(b, "\nPPid:")) && atoi(p + 6) == kt_ppid0)
			kt_fail("restarted: expected a new parent outside the container, got the launcher %d",
				(int)kt_ppid0);
		KT_EXPECT_INT("I's pid inside", 1, getpid());
	} else {
		kt_after_restart();
	}
	check_ns();
	check_segs();
	check_data();
	check_d_contents();
	check_queues();
	check_sems();

	/* K's write into A is seen here */
	deadline = kt_now(CLOCK_MONOTONIC) + TMO;
	while (*kmark != 'K' && kt_now(CLOCK_MONOTONIC) < deadline)
		kt_sleep_ms(5);
	if (*kmark != 'K')
		kt_fail("shm A: expected K's write after restart at %p, got 0x%02x (not shared?)",
			(void *)kmark, (unsigned char)*kmark);
	/* K exits: nattch drops by K's attachments */
	if (write(rk_p[1], "x", 1) != 1)
		kt_fail("writing to K: %s", strerror(errno));
	reap_k();
	stat_segs(ds);
	KT_EXPECT_INT("shm A nattch after K exited", 2, ds[SA_].shm_nattch);
	KT_EXPECT_INT("shm B nattch after K exited", 3, ds[SB].shm_nattch);
	KT_EXPECT_INT("shm C nattch after K exited", 1, ds[SC].shm_nattch);
	KT_EXPECT_INT("shm E nattch after K exited", 1, ds[SE].shm_nattch);
	/* the removed segment goes with its last detach */
	if (shmdt(st.seg[SC].rw))
		kt_fail("shmdt C: %s", strerror(errno));
	if (!gone_shm(st.seg[SC].id))
		kt_fail("shm C (IPC_RMID, attached): expected it gone after the last detach, IPC_STAT still works");
	cleanup();
	kt_done();
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc != 3 || strlen(argv[1]) > 40)
		goto usage;
	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(argv[2], mode_names[i]))
			break;
	if (i == sizeof(mode_names) / sizeof(mode_names[0]))
		goto usage;
	mode = i;
	snprintf(name, sizeof(name), "%s", argv[1]);
	kt_start(name);
	if (mode == M_CONTAINER) {
		char b[128];
		pid_t pi;
		int s, fd;

		kt_set_who("L");
		if (unshare(CLONE_NEWPID))
			kt_die_errno("unshare(CLONE_NEWPID)");
		pi = fork();
		if (pi < 0)
			kt_die_errno("fork I");
		if (pi == 0) {
			/* I: nothing shared with L */
			fd = open("/dev/null", O_RDONLY);
			if (fd < 0 || dup2(fd, 0) < 0)
				kt_die_errno("/dev/null");
			close(fd);
			snprintf(b, sizeof(b), "/tmp/%s.out", name);
			fd = open(b, O_WRONLY | O_APPEND | O_CREAT, 0644);
			if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
				kt_die_errno(b);
			close(fd);
			if (setsid() < 0)
				kt_die_errno("setsid");
			run_r();
		}
		if (waitpid(pi, &s, 0) != pi)
			kt_die_errno("waitpid I");
		return WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s);
	}
	run_r();
usage:
	kt_msg("usage: ipc NAME all|used|ns|private|container|mixed|locked");
	return 2;
}
