//go:build ignore

// The constraint above keeps the go command from treating this directory as
// a cgo package: the bench harness compiles this file with gcc itself.

/*
 * kvm_floor: the cheapest possible KVM exit and resume, to compare a KVM
 * platform against.
 *
 * The guest is 64-bit code running in ring 3 (CPL 3, with IOPL 3 so that
 * port I/O is allowed there) that executes "out %al, (%dx)" in a loop. Every
 * out leaves the guest with KVM_EXIT_IO, and the host simply calls
 * KVM_RUN again: one exit and one entry, the least a platform pays for a
 * guest system call that the host kernel must see. See the KVM API
 * documentation (Documentation/virt/kvm/api.rst): KVM_RUN, KVM_SET_SREGS,
 * KVM_SET_CPUID2.
 *
 * Usage: kvm_floor [iterations]
 * Exits with status 2 and a message when /dev/kvm cannot be used.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE (2 << 20)
#define PML4 0x1000
#define PDPT 0x2000
#define PD 0x3000
#define CODE 0x8000
#define STACK 0x9000
#define PORT 0x10

static void die(const char *what)
{
	fprintf(stderr, "kvm_floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* unusable reports that KVM is not there; the harness skips the floor. */
static void unusable(const char *what)
{
	fprintf(stderr, "kvm_floor: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* user_segment fills a flat 64-bit ring-3 segment: code if code != 0. */
static void user_segment(struct kvm_segment *s, int code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->present = 1;
	s->dpl = 3;
	s->s = 1;
	s->g = 1;
	if (code) {
		s->selector = 0x23; /* GDT entry 4, RPL 3 */
		s->type = 11;       /* execute/read, accessed */
		s->l = 1;
	} else {
		s->selector = 0x1b; /* GDT entry 3, RPL 3 */
		s->type = 3;        /* read/write, accessed */
		s->db = 1;
	}
}

/* set_cpuid gives the vCPU what the host supports, so that long mode
 * (EFER.LME) is accepted. */
static void set_cpuid(int kvm, int vcpu)
{
	int n = 128;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	c->nent = n;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) < 0)
		die("KVM_GET_SUPPORTED_CPUID");
	if (ioctl(vcpu, KVM_SET_CPUID2, c) < 0)
		die("KVM_SET_CPUID2");
	free(c);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000;

	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		unusable("/dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		unusable("KVM_GET_API_VERSION");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		unusable("KVM_CREATE_VM");

	uint8_t *mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = MEM_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");

	/* Identity-map the first 2 MiB with one large page, user-accessible. */
	uint64_t *pml4 = (uint64_t *)(mem + PML4);
	uint64_t *pdpt = (uint64_t *)(mem + PDPT);
	uint64_t *pd = (uint64_t *)(mem + PD);
	pml4[0] = PDPT | 7;      /* present, writable, user */
	pdpt[0] = PD | 7;
	pd[0] = 0 | 0x80 | 7;    /* 2 MiB page */

	/* 1: out %al, (%dx); jmp 1b */
	static const uint8_t code[] = {0xee, 0xeb, 0xfd};
	memcpy(mem + CODE, code, sizeof(code));

	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		unusable("KVM_CREATE_VCPU");
	int runsz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (runsz < 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	struct kvm_run *run = mmap(NULL, runsz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	set_cpuid(kvm, vcpu);

	struct kvm_sregs sregs;
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	sregs.cr3 = PML4;
	sregs.cr4 = 1 << 5;                  /* PAE */
	sregs.cr0 = 0x80050033;              /* PG, AM, WP, NE, ET, MP, PE */
	sregs.efer = (1 << 8) | (1 << 10);   /* LME, LMA */
	user_segment(&sregs.cs, 1);
	user_segment(&sregs.ss, 0);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");

	struct kvm_regs regs;
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE;
	regs.rsp = STACK;
	regs.rdx = PORT;
	regs.rflags = 0x3002; /* IOPL 3: out is allowed in ring 3 */
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");

	/* Warm up, and check that the guest does what we think. */
	for (int i = 0; i < 10; i++) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			die("KVM_RUN");
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != PORT) {
			fprintf(stderr, "kvm_floor: unexpected exit %u\n", run->exit_reason);
			return 1;
		}
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			die("KVM_RUN");
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "kvm_floor: unexpected exit %u\n", run->exit_reason);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	printf("kvm_floor: %ld exits, %.0f ns per exit\n", n, ns / (double)n);
	return 0;
}
