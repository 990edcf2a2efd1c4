/* counter: print "count N" with an incrementing N every 0.2 s, forever.
 * The counter lives only in this process's memory, so after a checkpoint and
 * restart the sequence continues only if the memory state was restored. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;
	struct timespec ts = { 0, 200 * 1000 * 1000 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		printf("count %lu\n", n++);
		fflush(stdout);
		while (nanosleep(&ts, &ts) != 0)
			;	/* interrupted: finish the remaining time */
		ts.tv_sec = 0;
		ts.tv_nsec = 200 * 1000 * 1000;
	}
}
