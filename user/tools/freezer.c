// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup v2 freezer for the checkpoint tool.
 *
 * The tree of PID (its processes, found through
 * /proc/<pid>/task/<tid>/children) is moved into a transient cgroup
 * <mnt><cgroup of PID>/kcr.<pid>.<ourpid>; each process's original cgroup (the "0::" line
 * of /proc/<pid>/cgroup) is remembered.  Writing 1 to cgroup.freeze
 * freezes it; "frozen 1" in cgroup.events says every task is parked.  The
 * tree is walked again after freezing: a child forked before its parent
 * was moved is moved too, and we wait again, until the tree is stable.
 * Release thaws, moves every process back and removes the cgroup.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include "freezer.h"

volatile int *fz_stop;

static int fz_fail(struct freezer *fz, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fz_fail(struct freezer *fz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fz->err, sizeof(fz->err), fmt, ap);
	va_end(ap);
	return -1;
}

static int stopped(void)
{
	return fz_stop && *fz_stop;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Write a string to a file; returns 0 or -errno. */
static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != strlen(s))
		err = -EIO;
	close(fd);
	return err;
}

/* Read a small file into buf (NUL-terminated); returns length or -errno. */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t got;

	if (fd < 0)
		return -errno;
	while (n < size - 1) {
		got = read(fd, buf + n, size - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

static int find_cgroup2(struct freezer *fz)
{
	char line[4096], *p, *fields[10], *save;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = 0, n;

	if (!f)
		return fz_fail(fz, "cannot read /proc/self/mountinfo: %s",
			       strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE ... */
		p = strstr(line, " - ");
		if (!p || strncmp(p + 3, "cgroup2 ", 8))
			continue;
		*p = '\0';
		n = 0;
		for (p = strtok_r(line, " ", &save); p && n < 10;
		     p = strtok_r(NULL, " ", &save))
			fields[n++] = p;
		if (n < 5 || strlen(fields[4]) >= sizeof(fz->mnt))
			continue;
		/* Prefer /sys/fs/cgroup if there are several. */
		if (!found || !strcmp(fields[4], "/sys/fs/cgroup")) {
			snprintf(fz->mnt, sizeof(fz->mnt), "%s", fields[4]);
			found = 1;
		}
	}
	fclose(f);
	if (!found)
		return fz_fail(fz, "no cgroup2 file system is mounted (the freezer needs one: mount -t cgroup2 none /sys/fs/cgroup)");
	return 0;
}

static char *proc_cgroup(pid_t pid);

/* pid is gone or a zombie (its /proc/PID/cgroup then says nothing). */
static int proc_gone(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return 1;
	p = strrchr(buf, ')');	/* comm may hold spaces and parentheses */
	return p && (p[1] == ' ') && (p[2] == 'Z' || p[2] == 'X');
}

int fz_setup(struct freezer *fz, pid_t root)
{
	char path[600], *parent;

	memset(fz, 0, sizeof(*fz));
	if (find_cgroup2(fz))
		return -1;
	/*
	 * The transient cgroup is a child of the root process's own cgroup,
	 * so that a user who was delegated that cgroup can freeze there.
	 */
	parent = proc_cgroup(root);
	if (!parent && proc_gone(root))
		return fz_fail(fz, "process %d has exited", (int)root);
	if (!parent)
		return fz_fail(fz, "process %d: no cgroup v2 membership in /proc/%d/cgroup",
			       (int)root, (int)root);
	if ((size_t)snprintf(fz->dir, sizeof(fz->dir), "%s%s/kcr.%d.%d",
			     fz->mnt, strcmp(parent, "/") ? parent : "",
			     (int)root, (int)getpid()) >= sizeof(fz->dir)) {
		free(parent);
		return fz_fail(fz, "cgroup path of process %d too long", (int)root);
	}
	free(parent);
	if (mkdir(fz->dir, 0700))
		return fz_fail(fz, "cannot create cgroup %s: %s", fz->dir,
			       strerror(errno));
	fz->created = 1;
	snprintf(path, sizeof(path), "%s/cgroup.freeze", fz->dir);
	if (access(path, W_OK))
		return fz_fail(fz, "%s: %s (kernel without the cgroup v2 freezer?)",
			       path, strerror(errno));
	return 0;
}

/* The cgroup of pid (relative to the mount), malloc'd; NULL if gone. */
static char *proc_cgroup(pid_t pid)
{
	char path[64], buf[8192], *line, *save, *nl;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return NULL;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "0::", 3))
			continue;
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		return strdup(line + 3);
	}
	return NULL;
}

static int pid_in(const pid_t *v, size_t n, pid_t pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == pid)
			return 1;
	return 0;
}

static int known(const struct freezer *fz, pid_t pid)
{
	size_t i;

	for (i = 0; i < fz->nr; i++)
		if (fz->procs[i].pid == pid)
			return 1;
	return 0;
}

/* Collect the processes of the tree rooted at root (root first). */
static int walk_tree(struct freezer *fz, pid_t root, pid_t **out, size_t *nout)
{
	size_t n = 0, cap = 64, i;
	pid_t *v = malloc(cap * sizeof(*v));
	char path[128], buf[65536], *tok, *save;
	struct dirent *de;
	DIR *d;
	long child;

	if (!v)
		return fz_fail(fz, "out of memory");
	v[n++] = root;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/task", (int)v[i]);
		d = opendir(path);
		if (!d) {
			if (i == 0) {
				free(v);
				return fz_fail(fz, "process %d: %s", (int)root,
					       strerror(errno));
			}
			continue;	/* exited meanwhile */
		}
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/task/%.20s/children",
				 (int)v[i], de->d_name);
			if (read_file(path, buf, sizeof(buf)) < 0)
				continue;
			for (tok = strtok_r(buf, " \n", &save); tok;
			     tok = strtok_r(NULL, " \n", &save)) {
				child = strtol(tok, NULL, 10);
				if (child <= 0 || pid_in(v, n, (pid_t)child))
					continue;
				if (n == cap) {
					pid_t *nv;

					cap *= 2;
					nv = realloc(v, cap * sizeof(*v));
					if (!nv) {
						closedir(d);
						free(v);
						return fz_fail(fz, "out of memory");
					}
					v = nv;
				}
				v[n++] = (pid_t)child;
			}
		}
		closedir(d);
	}
	*out = v;
	*nout = n;
	return 0;
}

static int move_pid(const char *cgdir, pid_t pid)
{
	char path[PATH_MAX + 16], s[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgdir);
	snprintf(s, sizeof(s), "%d\n", (int)pid);
	return write_file(path, s);
}

/* Whether text has a line equal to want (want ends with a newline). */
static int has_line(const char *text, const char *want)
{
	const char *p = text;
	size_t n = strlen(want);

	while (p && *p) {
		if (!strncmp(p, want, n))
			return 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* Wait until cgroup.events has "<key> <val>". */
static int wait_events(struct freezer *fz, const char *key, int val,
		       int timeout_ms)
{
	char path[600], buf[512], want[64];
	int waited = 0;

	snprintf(path, sizeof(path), "%s/cgroup.events", fz->dir);
	snprintf(want, sizeof(want), "%s %d\n", key, val);
	for (;;) {
		if (read_file(path, buf, sizeof(buf)) < 0)
			return fz_fail(fz, "%s: %s", path, strerror(errno));
		if (has_line(buf, want))
			return 0;
		if (stopped())
			return fz_fail(fz, "interrupted");
		if (waited >= timeout_ms)
			return fz_fail(fz, "timed out after %d ms waiting for \"%s %d\" in %s",
				       timeout_ms, key, val, path);
		sleep_ms(5);
		waited += 5;
	}
}

static int add_proc(struct freezer *fz, pid_t pid, const char *orig)
{
	if (fz->nr == fz->cap) {
		size_t cap = fz->cap ? 2 * fz->cap : 16;
		struct fz_proc *np = realloc(fz->procs, cap * sizeof(*np));

		if (!np)
			return fz_fail(fz, "out of memory");
		fz->procs = np;
		fz->cap = cap;
	}
	fz->procs[fz->nr].pid = pid;
	fz->procs[fz->nr].orig = strdup(orig);
	if (!fz->procs[fz->nr].orig)
		return fz_fail(fz, "out of memory");
	fz->nr++;
	return 0;
}

int fz_freeze_tree(struct freezer *fz, pid_t root, int timeout_ms)
{
	const char *ours = fz->dir + strlen(fz->mnt);
	size_t i, n, moved;
	pid_t *v;
	char *orig, path[600];
	int round, err;

	for (round = 0; round < 20; round++) {
		if (walk_tree(fz, root, &v, &n))
			return -1;
		if (pid_in(v, n, getpid())) {
			free(v);
			return fz_fail(fz, "process %d is an ancestor of this checkpoint tool",
				       (int)root);
		}
		moved = 0;
		for (i = 0; i < n; i++) {
			if (known(fz, v[i]))
				continue;
			orig = proc_cgroup(v[i]);
			if (!orig) {
				if (i == 0) {
					free(v);
					if (proc_gone(root))
						return fz_fail(fz, "process %d has exited",
							       (int)root);
					return fz_fail(fz, "process %d: no cgroup v2 membership in /proc/%d/cgroup",
						       (int)root, (int)root);
				}
				continue;	/* exited */
			}
			/* Born inside our cgroup: it goes back with the root. */
			err = add_proc(fz, v[i], strcmp(orig, ours) ? orig :
				       (fz->nr ? fz->procs[0].orig : "/"));
			free(orig);
			if (err) {
				free(v);
				return -1;
			}
			err = move_pid(fz->dir, v[i]);
			if (err == -ESRCH && i > 0)
				continue;
			if (err) {
				free(v);
				return fz_fail(fz, "cannot move process %d into %s: %s",
					       (int)v[i], fz->dir, strerror(-err));
			}
			moved++;
		}
		free(v);
		if (round > 0 && !moved)
			return 0;	/* stable and frozen */
		if (!fz->frozen) {
			snprintf(path, sizeof(path), "%s/cgroup.freeze", fz->dir);
			err = write_file(path, "1");
			if (err)
				return fz_fail(fz, "%s: %s", path, strerror(-err));
			fz->frozen = 1;
		}
		if (wait_events(fz, "frozen", 1, timeout_ms))
			return -1;
	}
	return fz_fail(fz, "the tree of %d keeps changing; cannot freeze it",
		       (int)root);
}

/* Pids currently in the transient cgroup. */
static size_t cgroup_pids(struct freezer *fz, pid_t *v, size_t max)
{
	char path[600], buf[65536], *tok, *save;
	size_t n = 0;
	long pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", fz->dir);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	for (tok = strtok_r(buf, "\n", &save); tok && n < max;
	     tok = strtok_r(NULL, "\n", &save)) {
		pid = strtol(tok, NULL, 10);
		if (pid > 0)
			v[n++] = (pid_t)pid;
	}
	return n;
}

static int thaw(struct freezer *fz)
{
	char path[600];
	int err;

	if (!fz->frozen)
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.freeze", fz->dir);
	err = write_file(path, "0");
	if (err)
		return fz_fail(fz, "%s: %s", path, strerror(-err));
	fz->frozen = 0;
	return 0;
}

int fz_kill(struct freezer *fz, int timeout_ms)
{
	pid_t v[4096];
	size_t i, n;
	int round;

	/* Kill what we moved and whatever else is in the cgroup. */
	for (i = 0; i < fz->nr; i++)
		kill(fz->procs[i].pid, SIGKILL);
	for (round = 0; round < 10; round++) {
		n = cgroup_pids(fz, v, sizeof(v) / sizeof(v[0]));
		if (!n)
			break;
		for (i = 0; i < n; i++)
			kill(v[i], SIGKILL);
		if (n < sizeof(v) / sizeof(v[0]))
			break;
	}
	if (thaw(fz))
		return -1;
	return wait_events(fz, "populated", 0, timeout_ms);
}

int fz_release(struct freezer *fz)
{
	char path[PATH_MAX];
	pid_t v[4096];
	size_t i, n;
	int err, ret = 0, tries;

	if (!fz->created)
		return 0;
	if (thaw(fz))
		ret = -1;
	for (i = 0; i < fz->nr; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s", fz->mnt,
				     strcmp(fz->procs[i].orig, "/") ?
				     fz->procs[i].orig : "") >= sizeof(path))
			err = -ENAMETOOLONG;
		else
			err = move_pid(path, fz->procs[i].pid);
		if (err && err != -ESRCH && !ret)
			ret = fz_fail(fz, "cannot move process %d back to %s: %s",
				      (int)fz->procs[i].pid, path, strerror(-err));
	}
	/* Children born in the cgroup go where the root came from. */
	n = cgroup_pids(fz, v, sizeof(v) / sizeof(v[0]));
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s", fz->mnt,
				     fz->nr && strcmp(fz->procs[0].orig, "/") ?
				     fz->procs[0].orig : "") >= sizeof(path))
			err = -ENAMETOOLONG;
		else
			err = move_pid(path, v[i]);
		if (err && err != -ESRCH && !ret)
			ret = fz_fail(fz, "cannot move process %d back to %s: %s",
				      (int)v[i], path, strerror(-err));
	}
	for (tries = 0; tries < 200; tries++) {
		if (!rmdir(fz->dir)) {
			fz->created = 0;
			return ret;
		}
		if (errno != EBUSY)
			break;
		sleep_ms(10);
	}
	if (!ret)
		ret = fz_fail(fz, "cannot remove cgroup %s: %s", fz->dir,
			      strerror(errno));
	return ret;
}

void fz_free(struct freezer *fz)
{
	size_t i;

	for (i = 0; i < fz->nr; i++)
		free(fz->procs[i].orig);
	free(fz->procs);
	fz->procs = NULL;
	fz->nr = fz->cap = 0;
}
