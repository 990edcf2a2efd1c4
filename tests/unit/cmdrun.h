/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmdrun.h - running the tools from host unit tests: a shell command in
 * the test's scratch directory (dir, set by the test's setup) with its
 * exit status, stdout and stderr captured.
 */
#ifndef KCR_CMDRUN_H
#define KCR_CMDRUN_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

static char dir[256];

struct out {
	int rc;			/* exit status, 128 + signal if killed */
	char out[1 << 17];
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

#endif /* KCR_CMDRUN_H */
