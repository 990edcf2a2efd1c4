/* SPDX-License-Identifier: GPL-2.0 */
/*
 * textgen.h - realistic heap data for the compression test and bench:
 * neither zeros nor random bytes, but log-like text records (a timestamp,
 * a host, a request line, a status, sizes, a user agent) built from a
 * deterministic generator, so that the restored program can rebuild and
 * compare them.  Level-1 deflate shrinks it about 3 to 5 times.
 */
#ifndef KCR_TEXTGEN_H
#define KCR_TEXTGEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline uint64_t tg_next(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Fill buf[0..len) with records, seeded by seed (the same seed and len
 * give the same bytes).
 */
static inline void tg_fill(char *buf, size_t len, uint64_t seed)
{
	static const char *const methods[] = { "GET", "GET", "GET", "POST", "PUT", "DELETE" };
	static const char *const paths[] = {
		"/api/v1/items", "/api/v1/users", "/static/css/site.css",
		"/static/js/app.js", "/index.html", "/api/v2/orders", "/health",
		"/api/v1/search?q=", "/images/logo.png", "/api/v2/cart",
	};
	static const char *const agents[] = {
		"Mozilla/5.0 (X11; Linux x86_64) Firefox/118.0",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/119.0",
		"curl/7.88.1", "python-requests/2.31.0", "Go-http-client/1.1",
	};
	static const int status[] = { 200, 200, 200, 200, 304, 404, 500, 201, 302 };
	uint64_t s = seed, t = 1700000000ULL + seed % 1000;
	char rec[320];
	size_t off = 0;
	int n;

	while (off < len) {
		uint64_t r = tg_next(&s), q = tg_next(&s);

		t += r % 3;
		n = snprintf(rec, sizeof(rec),
			     "%llu.%03u host%02u.example.net %s %s/%u HTTP/1.1 status=%d bytes=%u user=user%04u ms=%u agent=\"%s\"\n",
			     (unsigned long long)t, (unsigned int)(q % 1000),
			     (unsigned int)(r >> 8) % 40,
			     methods[(r >> 16) % 6], paths[(r >> 20) % 10],
			     (unsigned int)(q >> 10) % 100000,
			     status[(r >> 28) % 9], (unsigned int)(q >> 30) % 65536,
			     (unsigned int)(r >> 36) % 5000, (unsigned int)(q >> 50) % 900,
			     agents[(r >> 48) % 5]);
		if (n > (int)(len - off))
			n = (int)(len - off);
		memcpy(buf + off, rec, (size_t)n);
		off += (size_t)n;
	}
}

#endif /* KCR_TEXTGEN_H */
