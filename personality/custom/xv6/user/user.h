/* The xv6 user library for runos's xv6 personality: the system calls
 * (usys.S), string and memory helpers (ulib.c), printf (printf.c) and a
 * malloc (umalloc.c). Written for this project; the interface is xv6's. */
#ifndef XV6_USER_H
#define XV6_USER_H

typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;
typedef unsigned long uint64;

/* struct stat's type field */
#define T_DIR    1
#define T_FILE   2
#define T_DEVICE 3

struct stat {
	int dev;
	uint ino;
	short type;
	short nlink;
	uint64 size;
};

/* open's mode */
#define O_RDONLY 0x000
#define O_WRONLY 0x001
#define O_RDWR   0x002
#define O_CREATE 0x200
#define O_TRUNC  0x400

/* A directory reads as an array of these. */
#define DIRSIZ 14
struct dirent {
	ushort inum;
	char name[DIRSIZ];
};

#define CONSOLE 1 /* the console's major device number */
#define MAXARG 32

/* system calls (usys.S) */
int fork(void);
void exit(int status) __attribute__((noreturn));
int wait(int *status);
int pipe(int *fds);
int write(int fd, const void *buf, int n);
int read(int fd, void *buf, int n);
int close(int fd);
int kill(int pid);
int exec(const char *path, char **argv);
int open(const char *path, int mode);
int mknod(const char *path, short major, short minor);
int unlink(const char *path);
int fstat(int fd, struct stat *st);
int link(const char *oldpath, const char *newpath);
int mkdir(const char *path);
int chdir(const char *path);
int dup(int fd);
int getpid(void);
char *sbrk(int n);
int sleep(int ticks);
int uptime(void);

/* ulib.c */
int stat(const char *path, struct stat *st);
char *strcpy(char *dst, const char *src);
void *memmove(void *dst, const void *src, int n);
void *memcpy(void *dst, const void *src, uint64 n);
void *memset(void *dst, int c, uint64 n);
int memcmp(const void *a, const void *b, uint64 n);
char *strchr(const char *s, char c);
int strcmp(const char *a, const char *b);
uint strlen(const char *s);
char *gets(char *buf, int max);
int atoi(const char *s);

/* printf.c */
void printf(const char *fmt, ...);
void fprintf(int fd, const char *fmt, ...);

/* umalloc.c */
void *malloc(uint n);
void free(void *p);

#endif
