/*
 * bigwrite: writes 100 MiB of a deterministic pattern to stdout in 64 KiB
 * write(2) calls, retrying short writes as write(2) allows for pipes. The
 * tests hash the output with sha256sum; the Go side computes the same pattern
 * (bigwritePattern in behaviour_test.go), so keep the two in step.
 *
 * Byte i of the stream is (i*7 + (i>>12)) & 0xff.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#define TOTAL (100UL << 20)
#define CHUNK (64UL << 10)

static unsigned char buf[CHUNK];

int main(void)
{
	for (unsigned long off = 0; off < TOTAL; off += CHUNK) {
		for (unsigned long j = 0; j < CHUNK; j++) {
			unsigned long i = off + j;
			buf[j] = (unsigned char)(i * 7 + (i >> 12));
		}
		unsigned long done = 0;
		while (done < CHUNK) {
			ssize_t n = write(1, buf + done, CHUNK - done);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				perror("bigwrite: write");
				return 1;
			}
			done += (unsigned long)n;
		}
	}
	return 0;
}
