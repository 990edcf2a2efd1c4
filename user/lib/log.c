// SPDX-License-Identifier: GPL-2.0
/* Helpers to read the kernel's checkpoint/restart log text. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kcr.h"

/* Iterate lines: returns the next line start/length, or NULL at the end. */
static const char *next_line(const char *log, size_t len, size_t *pos,
			     size_t *llen)
{
	const char *start, *nl;

	if (*pos >= len)
		return NULL;
	start = log + *pos;
	nl = memchr(start, '\n', len - *pos);
	*llen = nl ? (size_t)(nl - start) : len - *pos;
	*pos += *llen + (nl ? 1 : 0);
	return start;
}

static int line_has(const char *line, size_t llen, const char *word)
{
	size_t wlen = strlen(word);
	size_t i;

	for (i = 0; i + wlen <= llen; i++)
		if (!strncasecmp(line + i, word, wlen))
			return 1;
	return 0;
}

static void copy_line(char *out, size_t outsz, const char *line, size_t llen)
{
	if (!outsz)
		return;
	if (llen >= outsz)
		llen = outsz - 1;
	memcpy(out, line, llen);
	out[llen] = '\0';
}

/* Skip a "[PID] " prefix (the kernel starts every line with one). */
static const char *skip_pid(const char *line, size_t *llen)
{
	size_t i = 1;

	if (!*llen || line[0] != '[')
		return line;
	while (i < *llen && line[i] >= '0' && line[i] <= '9')
		i++;
	if (i < *llen && line[i] == ']') {
		i++;
		while (i < *llen && line[i] == ' ')
			i++;
		*llen -= i;
		return line + i;
	}
	return line;
}

static int starts_with(const char *line, size_t llen, const char *word)
{
	size_t n = strlen(word);

	return llen >= n && !strncmp(line, word, n);
}

/*
 * The reason of a failure, in order of preference:
 *  1. the first "error: REASON" line (the kernel's first error is the
 *     cause), without the "[PID] " and "error: " prefixes;
 *  2. the last line that mentions "error" or "failed", except the
 *     summary "restart failed: errno=N" line;
 *  3. the last non-empty line.
 */
int kcr_log_reason(const char *log, size_t len, char *out, size_t outsz)
{
	const char *line, *err = NULL, *last = NULL;
	size_t pos = 0, llen, errlen = 0, lastlen = 0;

	while ((line = next_line(log, len, &pos, &llen))) {
		line = skip_pid(line, &llen);
		if (!llen)
			continue;
		if (starts_with(line, llen, "error: ")) {
			copy_line(out, outsz, line + 7, llen - 7);
			return 0;
		}
		if (starts_with(line, llen, "restart failed: errno="))
			continue;
		last = line;
		lastlen = llen;
		if (line_has(line, llen, "error") || line_has(line, llen, "failed")) {
			err = line;
			errlen = llen;
		}
	}
	if (err) {
		copy_line(out, outsz, err, errlen);
		return 0;
	}
	if (last) {
		copy_line(out, outsz, last, lastlen);
		return 0;
	}
	copy_line(out, outsz, "", 0);
	return -1;
}

/*
 * "restart failed: errno=N[: reason]": returns N (0 if no such line).  The
 * reason is the text after N if there is one, else kcr_log_reason().
 */
int kcr_log_restart_failed(const char *log, size_t len, char *reason,
			   size_t reasonsz)
{
	static const char key[] = "restart failed: errno=";
	const char *line, *p, *end;
	size_t pos = 0, llen, i;
	int found = 0, have_reason = 0;

	while ((line = next_line(log, len, &pos, &llen))) {
		for (i = 0; i + sizeof(key) - 1 <= llen; i++) {
			if (memcmp(line + i, key, sizeof(key) - 1))
				continue;
			p = line + i + sizeof(key) - 1;
			end = line + llen;
			found = 0;
			while (p < end && *p >= '0' && *p <= '9' && found < 100000)
				found = found * 10 + (*p++ - '0');
			if (p < end && *p == ':')
				p++;
			while (p < end && *p == ' ')
				p++;
			have_reason = p < end;
			if (have_reason)
				copy_line(reason, reasonsz, p, (size_t)(end - p));
			break;
		}
	}
	if (found && !have_reason &&
	    kcr_log_reason(log, len, reason, reasonsz))
		copy_line(reason, reasonsz, "no reason in the kernel log",
			  strlen("no reason in the kernel log"));
	return found;
}

int kcr_log_restart_done(const char *log, size_t len)
{
	const char *line;
	size_t pos = 0, llen;

	while ((line = next_line(log, len, &pos, &llen)))
		if (line_has(line, llen, "restart done"))
			return 1;
	return 0;
}

char *kcr_read_all(int fd, size_t max, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1), *nbuf;
	ssize_t got;

	if (!buf)
		return NULL;
	while (n < max) {
		if (n == cap) {
			cap *= 2;
			nbuf = realloc(buf, cap + 1);
			if (!nbuf) {
				free(buf);
				return NULL;
			}
			buf = nbuf;
		}
		got = read(fd, buf + n, (cap - n < max - n) ? cap - n : max - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}
