// SPDX-License-Identifier: GPL-2.0
/*
 * ckptinfo [--json] IMAGE: list every record of a kcr image and validate it.
 * The image may be gzip or zlib compressed (checkpoint -z): it is inflated
 * on the fly (libkcr compress.c) and a "compressed:" line reports it; an
 * invalid one is read to the end of its stream, so that a corrupt stream
 * is named even when it first decoded into a bad record.
 * IMAGE may be "-" for stdin.  Exit 0 if the image is valid, 1 if not (with
 * "ckptinfo: offset N: reason" on stderr), 2 on usage errors.
 *
 * One line per record with its main fields (print.c): the TREE with every
 * task's pids, flags, refs and who shares which object (sysvsem: the SysV
 * semaphore undo list), the SysV IPC namespace (IPC_NS: flags and limits)
 * and each of its objects (IPC_SHM, IPC_MSQ with its IPC_MSGs, IPC_SEM with
 * its values), each undo list (SEM_UNDO: the tasks using it, a SEM_ADJ per
 * array with its adjustments) and each shm attachment (VMA kind sysv_shm:
 * shmid, key, attachment ref).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kcr.h"
#include "print.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: ckptinfo [--json] IMAGE   (IMAGE may be - for stdin, and gzip or zlib compressed)\n");
}

/*
 * An invalid compressed image: corrupt deflate data may decode into a bad
 * record before the stream's checksum comes.  Inflate the rest, and say
 * first if the stream itself is bad.
 */
static void check_stream(struct kcr_zin *z)
{
	static char buf[65536];
	ssize_t n;

	while ((n = kcr_zin_read(z, buf, sizeof(buf))) > 0)
		;
	if (n < 0 && kcr_zin_error(z, NULL) != KCR_ZIN_EIO)
		fprintf(stderr, "ckptinfo: compressed image: %s\n", kcr_zin_reason(z));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct kcr_record *rec;
	struct kcr_reader r;
	struct printer p;
	const char *path;
	int c, json = 0, fd, ret;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	path = argv[optind];
	if (!strcmp(path, "-")) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "ckptinfo: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}

	kcr_reader_init_fd(&r, fd);
	pr_init(&p, stdout, json);
	p.reader = &r;
	pr_begin_doc(&p, path);
	while ((ret = kcr_reader_next(&r, &rec)) > 0)
		pr_record(&p, rec);
	pr_end_doc(&p, &r, ret == 0);
	fflush(stdout);
	if (ret < 0 && r.err_class != KCR_ERR_COMPRESSED && r.zin &&
	    (kcr_zin_format(r.zin) == KCR_Z_GZIP || kcr_zin_format(r.zin) == KCR_Z_ZLIB))
		check_stream(r.zin);
	if (ret < 0)
		fprintf(stderr, "ckptinfo: offset %llu: %s\n",
			(unsigned long long)r.err_offset, r.reason);
	kcr_reader_free(&r);
	if (fd != STDIN_FILENO)
		close(fd);
	return ret < 0 ? 1 : 0;
}
