// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for compressed images (libkcr compress.c and the
 * reader on top of it): the magic that tells gzip, zlib and plain images
 * apart; kcr_deflate_fd() and inflating its stream back; the reader on
 * gzip and zlib images, from a pipe; a truncated, corrupt or trailing
 * compressed stream refused with KCR_ERR_COMPRESSED and a reason naming
 * it, and never handing out the whole image (the last bytes wait for the
 * stream's checksum); a change of source in the middle (restart's
 * feeder); a stream larger than every buffer.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include "kcr.h"
#include "imgwriter.h"

/* A gzip stream of buf (deflateInit2 15 + 16) at level, malloc'd. */
static unsigned char *gz(const void *buf, size_t len, int level, size_t *out_len)
{
	z_stream zs;
	size_t cap = compressBound(len) + 64;
	unsigned char *out = malloc(cap);

	ck_assert(out != NULL);
	memset(&zs, 0, sizeof(zs));
	ck_assert(deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	zs.next_in = (void *)buf;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	ck_assert(deflate(&zs, Z_FINISH) == Z_STREAM_END);
	*out_len = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

/* A pipe whose write end a child fills with buf, then closes. */
static int feed(const void *buf, size_t len, pid_t *child)
{
	int p[2];

	ck_assert(pipe(p) == 0);
	*child = fork();
	ck_assert(*child >= 0);
	if (*child == 0) {
		const char *q = buf;

		close(p[0]);
		signal(SIGPIPE, SIG_DFL);
		while (len) {
			ssize_t n = write(p[1], q, len);

			if (n <= 0)
				_exit(1);
			q += n;
			len -= (size_t)n;
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

static void reap(pid_t child, int fd)
{
	close(fd);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

struct zresult {
	int ret, nr, err_class, format;
	uint64_t offset, err_offset, in_bytes;
	char reason[KCR_REASON_MAX];
};

/* Read a whole image through an fd (a pipe fed with buf). */
static struct zresult read_fd_img(const void *buf, size_t len)
{
	const struct kcr_record *rec;
	struct kcr_reader r;
	struct zresult res;
	pid_t child;
	int fd = feed(buf, len, &child), ret;

	memset(&res, 0, sizeof(res));
	kcr_reader_init_fd(&r, fd);
	kcr_reader_set_page_size(&r, IMG_PAGE);
	while ((ret = kcr_reader_next(&r, &rec)) > 0)
		res.nr++;
	res.ret = ret;
	res.err_class = r.err_class;
	res.err_offset = r.err_offset;
	res.offset = r.offset;
	res.format = kcr_reader_compression(&r, &res.in_bytes);
	snprintf(res.reason, sizeof(res.reason), "%s", r.reason);
	kcr_reader_free(&r);
	reap(child, fd);
	return res;
}

/* Everything kcr_zin hands out for buf, into out (cap bytes); -1 on error. */
static ssize_t zin_all(const void *buf, size_t len, unsigned char *out, size_t cap,
		       int *err, char *reason, size_t rsz)
{
	struct kcr_zin *z;
	size_t got = 0;
	ssize_t n;
	pid_t child;
	int fd = feed(buf, len, &child);

	z = kcr_zin_new(fd);
	ck_assert(z != NULL);
	while ((n = kcr_zin_read(z, out + got, cap - got > 7777 ? 7777 : cap - got)) > 0)
		got += (size_t)n;
	*err = kcr_zin_error(z, NULL);
	snprintf(reason, rsz, "%s", kcr_zin_reason(z));
	kcr_zin_free(z);
	reap(child, fd);
	return n < 0 ? -(ssize_t)got - 1 : (ssize_t)got;
}

START_TEST(magic_tells_gzip_zlib_and_plain_apart)
{
	static const unsigned char gzip_m[] = { 0x1f, 0x8b }, zlib1[] = { 0x78, 0x01 },
		zlib6[] = { 0x78, 0x9c }, zlib9[] = { 0x78, 0xda }, small[] = { 0x28, 0x15 },
		badcheck[] = { 0x78, 0x9d }, notdeflate[] = { 0x79, 0x9c },
		plain[] = { 0x01, 0x00, 0x00, 0x00 };
	struct img im = { 0 };

	ck_assert_int_eq(kcr_z_magic(gzip_m, 2), KCR_Z_GZIP);
	ck_assert_int_eq(kcr_z_magic(zlib1, 2), KCR_Z_ZLIB);
	ck_assert_int_eq(kcr_z_magic(zlib6, 2), KCR_Z_ZLIB);
	ck_assert_int_eq(kcr_z_magic(zlib9, 2), KCR_Z_ZLIB);
	ck_assert_int_eq(kcr_z_magic(small, 2), KCR_Z_ZLIB);	/* 1 KiB window */
	ck_assert_int_eq(kcr_z_magic(badcheck, 2), KCR_Z_PLAIN);
	ck_assert_int_eq(kcr_z_magic(notdeflate, 2), KCR_Z_PLAIN);
	ck_assert_int_eq(kcr_z_magic(plain, 4), KCR_Z_PLAIN);
	ck_assert_int_eq(kcr_z_magic(gzip_m, 1), KCR_Z_PLAIN);
	ck_assert_int_eq(kcr_z_magic(gzip_m, 0), KCR_Z_PLAIN);
	/* every plain image starts with its HEADER record: never a magic */
	img_minimal(&im, 100);
	ck_assert_int_eq(kcr_z_magic(im.buf, im.len), KCR_Z_PLAIN);
	img_free(&im);
	ck_assert_str_eq(kcr_z_format_name(KCR_Z_GZIP), "gzip");
	ck_assert_str_eq(kcr_z_format_name(KCR_Z_ZLIB), "zlib");
	ck_assert_str_eq(kcr_z_format_name(KCR_Z_PLAIN), "plain");
}
END_TEST

START_TEST(gzip_image_from_a_pipe_reads_as_the_plain_one)
{
	struct img im = { 0 };
	struct zresult plain, z;
	unsigned char *c;
	size_t clen;

	img_full(&im, 4242);
	plain = read_fd_img(im.buf, im.len);
	ck_assert_msg(plain.ret == 0, "plain: %s", plain.reason);
	ck_assert_int_eq(plain.format, KCR_Z_PLAIN);
	c = gz(im.buf, im.len, 1, &clen);
	z = read_fd_img(c, clen);
	ck_assert_msg(z.ret == 0, "gzip: offset %llu: %s", (unsigned long long)z.err_offset,
		      z.reason);
	ck_assert_int_eq(z.format, KCR_Z_GZIP);
	ck_assert_int_eq(z.nr, plain.nr);
	ck_assert_uint_eq(z.offset, im.len);		/* offsets of the plain image */
	ck_assert_uint_eq(z.in_bytes, clen);
	free(c);
	img_free(&im);
}
END_TEST

START_TEST(zlib_image_reads_as_the_plain_one)
{
	struct img im = { 0 };
	struct zresult z;
	uLongf clen;
	unsigned char *c;

	img_full(&im, 4242);
	clen = compressBound(im.len);
	c = malloc(clen);
	ck_assert(compress2(c, &clen, im.buf, im.len, 9) == Z_OK);
	z = read_fd_img(c, clen);
	ck_assert_msg(z.ret == 0, "zlib: %s", z.reason);
	ck_assert_int_eq(z.format, KCR_Z_ZLIB);
	ck_assert_uint_eq(z.in_bytes, clen);
	free(c);
	img_free(&im);
}
END_TEST

/* Cut anywhere after the magic: refused as truncated, never the whole image. */
START_TEST(truncated_gzip_stream_is_refused_naming_it)
{
	unsigned char *c, *out;
	struct img im = { 0 };
	struct zresult z;
	size_t clen, cut;
	char reason[KCR_REASON_MAX];
	ssize_t got;
	int err;

	img_full(&im, 4242);
	c = gz(im.buf, im.len, 6, &clen);
	out = malloc(im.len + 100);
	for (cut = 2; cut < clen; cut += (cut < 40 || cut > clen - 40) ? 1 : 97) {
		z = read_fd_img(c, cut);
		ck_assert_msg(z.ret == -1 && z.err_class == KCR_ERR_COMPRESSED,
			      "cut at %zu of %zu: expected KCR_ERR_COMPRESSED, got ret %d class %d (%s)",
			      cut, clen, z.ret, z.err_class, z.reason);
		ck_assert_msg(strstr(z.reason, "compressed image: the gzip stream is truncated"),
			      "cut at %zu: reason \"%s\"", cut, z.reason);
		got = zin_all(c, cut, out, im.len + 100, &err, reason, sizeof(reason));
		ck_assert_msg(got < 0 && err == KCR_ZIN_ETRUNC, "cut at %zu: got %zd, err %d",
			      cut, got, err);
		/* the last bytes (the TAIL) never came out */
		ck_assert_msg((size_t)(-got - 1) < im.len - 32,
			      "cut at %zu: %zd of %zu bytes handed out", cut, -got - 1, im.len);
	}
	free(out);
	free(c);
	img_free(&im);
}
END_TEST

START_TEST(corrupt_gzip_stream_is_refused_with_zlibs_message)
{
	unsigned char *c, *out;
	struct img im = { 0 };
	struct zresult z;
	size_t clen, at, i;
	char reason[KCR_REASON_MAX];
	ssize_t got;
	int err, n = 0;

	img_full(&im, 4242);
	c = gz(im.buf, im.len, 1, &clen);
	out = malloc(im.len + 100);
	/* the deflate data, the crc32 and the length of the trailer */
	for (at = 10; at < clen; at += (at > clen - 10) ? 1 : 53) {
		for (i = 0; i < 4 && at + i < clen; i++)
			c[at + i] ^= 0xa5;
		z = read_fd_img(c, clen);
		got = zin_all(c, clen, out, im.len + 100, &err, reason, sizeof(reason));
		for (i = 0; i < 4 && at + i < clen; i++)
			c[at + i] ^= 0xa5;
		ck_assert_msg(z.ret == -1, "corrupt at %zu: read as valid", at);
		/* a corrupt stream may also decode as a bad image first */
		if (z.err_class != KCR_ERR_COMPRESSED)
			continue;
		n++;
		ck_assert_msg(strstr(z.reason, "compressed image: the gzip stream ") &&
			      (strstr(z.reason, "is corrupt at compressed byte") ||
			       strstr(z.reason, "is truncated")),
			      "corrupt at %zu: reason \"%s\"", at, z.reason);
		ck_assert_msg(got < 0 && (size_t)(-got - 1) < im.len,
			      "corrupt at %zu: the whole image came out", at);
		if (err == KCR_ZIN_ECORRUPT)
			ck_assert_msg(strstr(reason, "zlib: "), "no zlib message: %s", reason);
	}
	ck_assert_msg(n > 0, "no corruption was caught by zlib");
	/* the checksums: a flipped crc32 or length in the trailer */
	c[clen - 6] ^= 1;
	z = read_fd_img(c, clen);
	ck_assert_int_eq(z.err_class, KCR_ERR_COMPRESSED);
	ck_assert_msg(strstr(z.reason, "incorrect data check"), "%s", z.reason);
	c[clen - 6] ^= 1;
	c[clen - 2] ^= 1;
	z = read_fd_img(c, clen);
	ck_assert_int_eq(z.err_class, KCR_ERR_COMPRESSED);
	ck_assert_msg(strstr(z.reason, "incorrect length check"), "%s", z.reason);
	free(out);
	free(c);
	img_free(&im);
}
END_TEST

START_TEST(data_after_the_compressed_stream_is_refused)
{
	struct img im = { 0 };
	struct zresult z;
	unsigned char *c, *c2;
	size_t clen;

	img_full(&im, 4242);
	c = gz(im.buf, im.len, 1, &clen);
	c2 = malloc(clen + 1);
	memcpy(c2, c, clen);
	c2[clen] = 0;
	z = read_fd_img(c2, clen + 1);
	ck_assert_int_eq(z.ret, -1);
	ck_assert_int_eq(z.err_class, KCR_ERR_COMPRESSED);
	ck_assert_msg(strstr(z.reason, "data after the end of the gzip stream"), "%s", z.reason);
	free(c2);
	free(c);
	img_free(&im);
}
END_TEST

START_TEST(empty_and_one_byte_inputs_are_plain)
{
	struct zresult z;

	z = read_fd_img("", 0);
	ck_assert_int_eq(z.err_class, KCR_ERR_TRUNCATED);
	ck_assert_msg(strstr(z.reason, "empty image"), "%s", z.reason);
	z = read_fd_img("\x1f", 1);
	ck_assert_int_eq(z.err_class, KCR_ERR_TRUNCATED);
	ck_assert_int_eq(z.format, KCR_Z_PLAIN);
}
END_TEST

/* kcr_deflate_fd() of a stream larger than all buffers inflates back. */
START_TEST(deflate_fd_round_trip_of_a_large_stream)
{
	size_t len = 24u << 20, got = 0, i;
	unsigned char *data = malloc(len), *back = malloc(len);
	struct kcr_zstats st;
	struct kcr_zin *z;
	char err[256];
	int in[2], out[2];
	pid_t writer, comp;
	ssize_t n;
	uint32_t v = 1;

	for (i = 0; i < len; i++) {
		/* text-like: mostly a small alphabet, some noise */
		v = v * 1103515245 + 12345;
		data[i] = (v >> 16) % 7 ? "record "[i % 7] : (unsigned char)(v >> 8);
	}
	ck_assert(pipe(in) == 0 && pipe(out) == 0);
	writer = fork();
	if (writer == 0) {
		close(in[0]);
		close(out[0]);
		close(out[1]);
		for (i = 0; i < len; i += (size_t)n)
			if ((n = write(in[1], data + i, len - i > 100000 ? 100000 : len - i)) <= 0)
				_exit(1);
		_exit(0);
	}
	comp = fork();
	if (comp == 0) {
		close(in[1]);
		close(out[0]);
		_exit(kcr_deflate_fd(in[0], out[1], 1, &st, err, sizeof(err)) ||
		      st.in_bytes != len ? 1 : 0);
	}
	close(in[0]);
	close(in[1]);
	close(out[1]);
	z = kcr_zin_new(out[0]);
	while ((n = kcr_zin_read(z, back + got, len - got)) > 0)
		got += (size_t)n;
	ck_assert_msg(n == 0, "inflating: %s", kcr_zin_reason(z));
	ck_assert_int_eq(kcr_zin_format(z), KCR_Z_GZIP);
	ck_assert_uint_eq(got, len);
	ck_assert_msg(!memcmp(back, data, len), "the data differ");
	ck_assert_msg(kcr_zin_in_bytes(z) < len / 2, "only %llu -> %zu bytes",
		      (unsigned long long)kcr_zin_in_bytes(z), len);
	kcr_zin_free(z);
	close(out[0]);
	{
		int s1, s2;

		waitpid(writer, &s1, 0);
		waitpid(comp, &s2, 0);
		ck_assert(WIFEXITED(s1) && !WEXITSTATUS(s1));
		ck_assert_msg(WIFEXITED(s2) && !WEXITSTATUS(s2), "kcr_deflate_fd failed");
	}
	free(data);
	free(back);
}
END_TEST

START_TEST(deflate_fd_reports_write_errors_and_bad_levels)
{
	struct kcr_zstats st;
	char err[256] = "";
	int in[2], full;

	ck_assert(pipe(in) == 0);
	ck_assert(write(in[1], "some image bytes", 16) == 16);
	close(in[1]);
	full = open("/dev/full", O_WRONLY);
	if (full >= 0) {
		ck_assert_int_eq(kcr_deflate_fd(in[0], full, 1, &st, err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, "writing the compressed image: No space left on device"),
			      "%s", err);
		close(full);
	}
	ck_assert_int_eq(kcr_deflate_fd(in[0], 1, 42, &st, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "zlib: deflateInit2 (level 42): "), "%s", err);
	close(in[0]);
}
END_TEST

/* restart's feeder: the reader's state goes on with another source. */
struct two { const unsigned char *p; size_t len, off; };

static ssize_t from_mem(void *ctx, void *buf, size_t n)
{
	struct two *t = ctx;

	if (n > t->len - t->off)
		n = t->len - t->off;
	if (n > 1000)
		n = 1000;
	memcpy(buf, t->p + t->off, n);
	t->off += n;
	return (ssize_t)n;
}

START_TEST(prefix_then_another_source_gives_the_whole_image)
{
	struct img im = { 0 };
	struct kcr_reader r;
	struct two rest;
	const unsigned char *raw;
	unsigned char *c, *all;
	size_t clen, len, got, split;
	ssize_t n;
	int fd, p[2];

	img_full(&im, 4242);
	c = gz(im.buf, im.len, 1, &clen);
	split = clen / 3;
	/* the first third in a pipe, closed: the reader reads the prefix from it */
	ck_assert(pipe(p) == 0);
	ck_assert(write(p[1], c, split) == (ssize_t)split);
	close(p[1]);
	fd = p[0];
	kcr_reader_init_fd(&r, fd);
	kcr_reader_set_page_size(&r, IMG_PAGE);
	kcr_reader_keep_raw(&r);
	ck_assert_msg(kcr_reader_read_prefix(&r) == 0, "%s", r.reason);
	raw = kcr_reader_raw(&r, &len);
	all = malloc(im.len);
	memcpy(all, raw, len);
	got = len;
	/* what is left of the pipe, then the rest from memory */
	rest.p = c + split;
	rest.len = clen - split;
	rest.off = 0;
	{
		/* the pipe's remaining bytes first: read them into a copy */
		unsigned char tmp[65536];
		ssize_t m = read(fd, tmp, sizeof(tmp));
		size_t k = m > 0 ? (size_t)m : 0;
		unsigned char *joined = malloc(k + rest.len);

		memcpy(joined, tmp, k);
		memcpy(joined + k, rest.p, rest.len);
		rest.p = joined;
		rest.len += k;
	}
	kcr_zin_set_source(r.zin, from_mem, &rest);
	while ((n = kcr_zin_read(r.zin, all + got, im.len - got)) > 0)
		got += (size_t)n;
	ck_assert_msg(n == 0, "%s", kcr_zin_reason(r.zin));
	ck_assert_uint_eq(got, im.len);
	ck_assert_msg(!memcmp(all, im.buf, im.len), "the image differs");
	free((void *)rest.p);
	kcr_reader_free(&r);
	close(fd);
	free(all);
	free(c);
	img_free(&im);
}
END_TEST

static Suite *compress_suite(void)
{
	Suite *s = suite_create("compress");
	TCase *tc = tcase_create("zlib");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, magic_tells_gzip_zlib_and_plain_apart);
	tcase_add_test(tc, gzip_image_from_a_pipe_reads_as_the_plain_one);
	tcase_add_test(tc, zlib_image_reads_as_the_plain_one);
	tcase_add_test(tc, truncated_gzip_stream_is_refused_naming_it);
	tcase_add_test(tc, corrupt_gzip_stream_is_refused_with_zlibs_message);
	tcase_add_test(tc, data_after_the_compressed_stream_is_refused);
	tcase_add_test(tc, empty_and_one_byte_inputs_are_plain);
	tcase_add_test(tc, deflate_fd_round_trip_of_a_large_stream);
	tcase_add_test(tc, deflate_fd_reports_write_errors_and_bad_levels);
	tcase_add_test(tc, prefix_then_another_source_gives_the_whole_image);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(compress_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
