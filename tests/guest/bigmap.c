/* bigmap: an allocation bigger than the sandbox's memory fails at once with
 * ENOMEM under --memory (the heuristic of Linux's default overcommit mode),
 * instead of killing the process when it is touched. */
#include <stdio.h>
#include <sys/mman.h>
#include <errno.h>
#include <string.h>
#include <stdlib.h>
int main(){ void *p = mmap(0, 512<<20, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
 printf("mmap 512M: %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
 void *q = malloc(400<<20); printf("malloc 400M: %s\n", q ? "ok" : "NULL"); return 0; }
