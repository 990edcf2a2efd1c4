// SPDX-License-Identifier: GPL-2.0
/*
 * Compressed images (checkpoint -z, restart, ckptinfo).
 *
 * The kernel only ever reads and writes the plain image stream: the tools
 * compress and inflate it on the way, with zlib, in bounded memory (one
 * fixed buffer each way plus zlib's own state), without seeking, so pipes
 * and stdin work.
 *
 *   - kcr_deflate_fd(): copy an fd to its end into another one as a gzip
 *     stream (checkpoint -z: the kernel writes into a pipe, a thread of the
 *     tool reads it here).
 *   - struct kcr_zin: read an image that may be compressed.  The first two
 *     bytes say what it is: the gzip magic 1f 8b, a zlib header (CMF/FLG:
 *     deflate, window <= 32K, check bits), or else a plain image (which
 *     starts with the HEADER record, type 1: neither).  A plain image is
 *     passed through as it is, only those two bytes read ahead.  A
 *     compressed one is inflated; its end must be the end of the input.
 *     The last KCR_ZIN_HOLD bytes of the inflated data are handed out only
 *     once the compressed stream has ended with a good checksum (gzip
 *     crc32 and length, zlib adler32) and the input has ended: whatever
 *     reads the data (the kernel, fed by restart's feeder) never sees the
 *     whole image, TAIL included, unless the compressed stream was intact.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "kcr.h"

#define ZIN_IBUF	(128 * 1024)
#define ZIN_OBUF	(256 * 1024)
#define KCR_ZIN_HOLD	64	/* more than a TAIL record */
#define ZOUT_IBUF	(256 * 1024)
#define ZOUT_OBUF	(256 * 1024)

struct kcr_zin {
	int fd;
	kcr_zin_src_fn src;
	void *src_ctx;
	int format;		/* KCR_Z_*: KCR_Z_UNKNOWN until the first read */
	int raw_eof;		/* the input ended */
	int zend;		/* the compressed stream ended (checksum good) */
	int done;		/* zend and raw_eof: everything may go out */
	int err;		/* KCR_ZIN_E*, 0 if none */
	int err_errno;
	char reason[KCR_REASON_MAX];
	uint64_t in_bytes;	/* input bytes consumed (compressed) */
	uint64_t out_bytes;	/* bytes handed out */
	z_stream zs;
	int zs_live;
	unsigned char *ibuf;
	size_t ipos, ilen;
	unsigned char *obuf;
	size_t opos, olen;
};

const char *kcr_z_format_name(int format)
{
	switch (format) {
	case KCR_Z_PLAIN:	return "plain";
	case KCR_Z_GZIP:	return "gzip";
	case KCR_Z_ZLIB:	return "zlib";
	}
	return "unknown";
}

int kcr_z_magic(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (len < 2)
		return KCR_Z_PLAIN;
	if (p[0] == 0x1f && p[1] == 0x8b)
		return KCR_Z_GZIP;
	/* RFC 1950: CM 8 (deflate), CINFO <= 7, (CMF * 256 + FLG) % 31 == 0 */
	if ((p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 &&
	    ((unsigned int)p[0] << 8 | p[1]) % 31 == 0)
		return KCR_Z_ZLIB;
	return KCR_Z_PLAIN;
}

static ssize_t fd_src(void *ctx, void *buf, size_t n)
{
	struct kcr_zin *z = ctx;
	ssize_t ret;

	do
		ret = read(z->fd, buf, n);
	while (ret < 0 && errno == EINTR);
	return ret;
}

struct kcr_zin *kcr_zin_new(int fd)
{
	struct kcr_zin *z = calloc(1, sizeof(*z));

	if (!z)
		return NULL;
	z->fd = fd;
	z->src = fd_src;
	z->src_ctx = z;
	z->ibuf = malloc(ZIN_IBUF);
	if (!z->ibuf) {
		free(z);
		return NULL;
	}
	return z;
}

void kcr_zin_set_source(struct kcr_zin *z, kcr_zin_src_fn fn, void *ctx)
{
	z->src = fn ? fn : fd_src;
	z->src_ctx = fn ? ctx : z;
}

void kcr_zin_free(struct kcr_zin *z)
{
	if (!z)
		return;
	if (z->zs_live)
		inflateEnd(&z->zs);
	free(z->ibuf);
	free(z->obuf);
	free(z);
}

int kcr_zin_format(const struct kcr_zin *z)
{
	return z->format;
}

uint64_t kcr_zin_in_bytes(const struct kcr_zin *z)
{
	return z->format == KCR_Z_PLAIN ? z->out_bytes : z->in_bytes;
}

int kcr_zin_error(const struct kcr_zin *z, int *errnum)
{
	if (errnum)
		*errnum = z->err_errno;
	return z->err;
}

const char *kcr_zin_reason(const struct kcr_zin *z)
{
	return z->err ? z->reason : "";
}

static ssize_t zin_fail(struct kcr_zin *z, int err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static ssize_t zin_fail(struct kcr_zin *z, int err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (!z->err) {
		z->err = err;
		z->err_errno = errnum;
		va_start(ap, fmt);
		vsnprintf(z->reason, sizeof(z->reason), fmt, ap);
		va_end(ap);
	}
	errno = z->err_errno;
	return -1;
}

/* More input after ilen (at most want bytes); 0 at its end, -1 on error. */
static ssize_t zin_fill(struct kcr_zin *z, size_t want)
{
	ssize_t n;

	if (z->ipos == z->ilen)
		z->ipos = z->ilen = 0;
	if (want > ZIN_IBUF - z->ilen)
		want = ZIN_IBUF - z->ilen;
	n = z->src(z->src_ctx, z->ibuf + z->ilen, want);
	if (n < 0) {
		int e = errno;

		return zin_fail(z, KCR_ZIN_EIO, e, "reading the %s image: %s",
				kcr_z_format_name(z->format), strerror(e));
	}
	if (n == 0)
		z->raw_eof = 1;
	z->ilen += (size_t)n;
	return n;
}

/* The first two bytes say what the input is. */
static int zin_detect(struct kcr_zin *z)
{
	int ret;

	while (z->ilen < 2 && !z->raw_eof)
		if (zin_fill(z, 2 - z->ilen) < 0)
			return -1;
	z->format = kcr_z_magic(z->ibuf, z->ilen);
	if (z->format == KCR_Z_PLAIN)
		return 0;
	z->obuf = malloc(ZIN_OBUF);
	if (!z->obuf)
		return (int)zin_fail(z, KCR_ZIN_ENOMEM, ENOMEM, "out of memory");
	memset(&z->zs, 0, sizeof(z->zs));
	/* 15 + 16: a gzip wrapper, 15: a zlib one; both with their checksums */
	ret = inflateInit2(&z->zs, z->format == KCR_Z_GZIP ? 15 + 16 : 15);
	if (ret != Z_OK)
		return (int)zin_fail(z, ret == Z_MEM_ERROR ? KCR_ZIN_ENOMEM : KCR_ZIN_ECORRUPT,
				     ret == Z_MEM_ERROR ? ENOMEM : EINVAL,
				     "zlib: inflateInit2: %s", zError(ret));
	z->zs_live = 1;
	return 0;
}

static ssize_t zin_plain(struct kcr_zin *z, void *buf, size_t n)
{
	ssize_t got;

	if (z->ipos < z->ilen) {
		if (n > z->ilen - z->ipos)
			n = z->ilen - z->ipos;
		memcpy(buf, z->ibuf + z->ipos, n);
		z->ipos += n;
		z->out_bytes += n;
		return (ssize_t)n;
	}
	if (z->raw_eof)
		return 0;
	got = z->src(z->src_ctx, buf, n);
	if (got < 0) {
		int e = errno;

		return zin_fail(z, KCR_ZIN_EIO, e, "reading the image: %s", strerror(e));
	}
	if (got == 0)
		z->raw_eof = 1;
	z->out_bytes += (uint64_t)got;
	return got;
}

/* Inflate more into obuf; 0 on progress or a state change, -1 on error. */
static int zin_inflate(struct kcr_zin *z)
{
	const char *name = kcr_z_format_name(z->format);
	size_t in_before, out_before;
	int ret;

	if (z->opos) {
		memmove(z->obuf, z->obuf + z->opos, z->olen - z->opos);
		z->olen -= z->opos;
		z->opos = 0;
	}
	if (z->zend) {
		/* The end of the stream must be the end of the input. */
		if (z->ipos == z->ilen && !z->raw_eof && zin_fill(z, ZIN_IBUF) < 0)
			return -1;
		if (z->ipos < z->ilen)
			return (int)zin_fail(z, KCR_ZIN_ETRAILING, EINVAL,
					     "data after the end of the %s stream (at compressed byte %llu)",
					     name, (unsigned long long)z->in_bytes);
		if (z->raw_eof)
			z->done = 1;
		return 0;
	}
	if (z->ipos == z->ilen && !z->raw_eof && zin_fill(z, ZIN_IBUF) < 0)
		return -1;
	z->zs.next_in = z->ibuf + z->ipos;
	z->zs.avail_in = (uInt)(z->ilen - z->ipos);
	z->zs.next_out = z->obuf + z->olen;
	z->zs.avail_out = (uInt)(ZIN_OBUF - z->olen);
	in_before = z->zs.avail_in;
	out_before = z->zs.avail_out;
	ret = inflate(&z->zs, Z_NO_FLUSH);
	z->ipos += in_before - z->zs.avail_in;
	z->in_bytes += in_before - z->zs.avail_in;
	z->olen += out_before - z->zs.avail_out;
	switch (ret) {
	case Z_STREAM_END:
		z->zend = 1;
		return 0;
	case Z_OK:
		return 0;
	case Z_BUF_ERROR:
		/* no progress: it needs input (the output has room) */
		if (z->ipos == z->ilen && z->raw_eof)
			return (int)zin_fail(z, KCR_ZIN_ETRUNC, EIO,
					     "the %s stream is truncated: the input ends at compressed byte %llu, before the end of the stream",
					     name, (unsigned long long)z->in_bytes);
		return 0;
	case Z_MEM_ERROR:
		return (int)zin_fail(z, KCR_ZIN_ENOMEM, ENOMEM, "zlib: out of memory");
	case Z_NEED_DICT:
		return (int)zin_fail(z, KCR_ZIN_ECORRUPT, EINVAL,
				     "the %s stream is corrupt at compressed byte %llu: it needs a preset dictionary",
				     name, (unsigned long long)z->in_bytes);
	}
	return (int)zin_fail(z, KCR_ZIN_ECORRUPT, EINVAL,
			     "the %s stream is corrupt at compressed byte %llu: zlib: %s",
			     name, (unsigned long long)z->in_bytes,
			     z->zs.msg ? z->zs.msg : zError(ret));
}

ssize_t kcr_zin_read(struct kcr_zin *z, void *buf, size_t n)
{
	size_t ready;

	if (z->err) {
		errno = z->err_errno;
		return -1;
	}
	if (!n)
		return 0;
	if (z->format == KCR_Z_UNKNOWN && zin_detect(z))
		return -1;
	if (z->format == KCR_Z_PLAIN)
		return zin_plain(z, buf, n);
	for (;;) {
		if (z->done)
			ready = z->olen;
		else
			ready = z->olen > KCR_ZIN_HOLD ? z->olen - KCR_ZIN_HOLD : 0;
		if (z->opos < ready) {
			if (n > ready - z->opos)
				n = ready - z->opos;
			memcpy(buf, z->obuf + z->opos, n);
			z->opos += n;
			z->out_bytes += n;
			return (ssize_t)n;
		}
		if (z->done)
			return 0;
		if (zin_inflate(z))
			return -1;
	}
}

/* ------------------------------------------------------------------ output */

int kcr_write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int kcr_deflate_fd(int in_fd, int out_fd, int level, struct kcr_zstats *st,
		   char *err, size_t errsz)
{
	unsigned char *ibuf = malloc(ZOUT_IBUF), *obuf = malloc(ZOUT_OBUF);
	int ret, flush = Z_NO_FLUSH, rc = -1;
	z_stream zs;
	ssize_t n;

	memset(st, 0, sizeof(*st));
	memset(&zs, 0, sizeof(zs));
	if (!ibuf || !obuf) {
		snprintf(err, errsz, "out of memory");
		goto out_free;
	}
	/* a gzip stream (15 + 16): "zcat IMAGE" shows the plain image */
	ret = deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	if (ret != Z_OK) {
		snprintf(err, errsz, "zlib: deflateInit2 (level %d): %s", level,
			 zError(ret));
		goto out_free;
	}
	do {
		n = read(in_fd, ibuf, ZOUT_IBUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errsz, "reading the image: %s", strerror(errno));
			goto out_end;
		}
		if (n == 0)
			flush = Z_FINISH;
		st->in_bytes += (uint64_t)n;
		zs.next_in = ibuf;
		zs.avail_in = (uInt)n;
		do {
			zs.next_out = obuf;
			zs.avail_out = ZOUT_OBUF;
			ret = deflate(&zs, flush);
			if (ret == Z_STREAM_ERROR) {
				snprintf(err, errsz, "zlib: deflate: %s",
					 zs.msg ? zs.msg : zError(ret));
				goto out_end;
			}
			if (kcr_write_all(out_fd, obuf, ZOUT_OBUF - zs.avail_out)) {
				snprintf(err, errsz, "writing the compressed image: %s",
					 strerror(errno));
				goto out_end;
			}
			st->out_bytes += ZOUT_OBUF - zs.avail_out;
		} while (zs.avail_out == 0);
	} while (flush != Z_FINISH);
	if (ret != Z_STREAM_END) {
		snprintf(err, errsz, "zlib: deflate did not finish the stream: %s",
			 zs.msg ? zs.msg : zError(ret));
		goto out_end;
	}
	rc = 0;
out_end:
	deflateEnd(&zs);
out_free:
	free(ibuf);
	free(obuf);
	return rc;
}
