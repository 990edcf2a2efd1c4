// SPDX-License-Identifier: GPL-2.0
/*
 * runas UID GID CMD [ARG...]: run CMD with all user ids set to UID, all
 * group ids to GID and GID as the only supplementary group (setgroups,
 * setresgid, setresuid, then execvp).  Used by the driver's rights test.
 * Exits 127 if a step fails, with a message on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_id(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || !*s || *end || *out > 0xfffffffeUL ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long uid, gid;
	gid_t g;

	if (argc < 4 || parse_id(argv[1], &uid) || parse_id(argv[2], &gid)) {
		fprintf(stderr, "usage: runas UID GID CMD [ARG...]\n");
		return 127;
	}
	g = gid;
	if (setgroups(1, &g)) {
		perror("runas: setgroups");
		return 127;
	}
	if (setresgid(gid, gid, gid)) {
		perror("runas: setresgid");
		return 127;
	}
	if (setresuid(uid, uid, uid)) {
		perror("runas: setresuid");
		return 127;
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid) {
		fprintf(stderr, "runas: ids did not change\n");
		return 127;
	}
	execvp(argv[3], argv + 3);
	fprintf(stderr, "runas: exec %s: %s\n", argv[3], strerror(errno));
	return 127;
}
