/*
 * auxv.c: /proc/self/auxv against the vector the program started with.
 * It prints AT_PAGESZ and AT_ENTRY as read from the file, whether every
 * pair of the file agrees with getauxval(3) (but AT_HWCAP and AT_HWCAP2,
 * which glibc replaces with its own view of the CPU), and whether the
 * file ends with AT_NULL.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>

int main(void) {
	uint64_t v[256];
	FILE *f = fopen("/proc/self/auxv", "r");
	if (!f) {
		perror("/proc/self/auxv");
		return 1;
	}
	size_t n = fread(v, 8, 256, f);
	fclose(f);
	int mismatches = 0, terminated = 0, pairs = 0;
	for (size_t i = 0; i + 1 < n; i += 2) {
		if (v[i] == AT_NULL) {
			terminated = 1;
			break;
		}
		pairs++;
		if (v[i] == AT_PAGESZ)
			printf("AT_PAGESZ=%llu\n", (unsigned long long)v[i + 1]);
		if (v[i] == AT_ENTRY)
			printf("AT_ENTRY=%#llx\n", (unsigned long long)v[i + 1]);
		if (v[i] != AT_HWCAP && v[i] != AT_HWCAP2 && getauxval(v[i]) != v[i + 1]) {
			printf("mismatch: key %llu file %#llx getauxval %#lx\n",
			       (unsigned long long)v[i], (unsigned long long)v[i + 1], getauxval(v[i]));
			mismatches++;
		}
	}
	printf("pairs>10: %s\nmismatches: %d\nends with AT_NULL: %s\n", pairs > 10 ? "yes" : "no",
	       mismatches, terminated ? "yes" : "no");
	return 0;
}
