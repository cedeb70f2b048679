/* A first-fit allocator over sbrk, in the style of K&R's section 8.7:
 * free blocks form a circular list sorted by address; free() merges a
 * block with its neighbours. Sizes are counted in header-sized units. */
#include "user.h"

union header {
	struct {
		union header *next;
		uint units; /* size of this block, header included */
	} s;
	long align; /* every block is 8-byte aligned */
};
typedef union header Header;

static Header base;
static Header *freelist;

void free(void *p)
{
	if (p == 0)
		return;
	Header *b = (Header *)p - 1;
	Header *q = freelist;
	/* Find q with q < b < q->next, or the wrap point of the list. */
	while (!(b > q && b < q->s.next)) {
		if (q >= q->s.next && (b > q || b < q->s.next))
			break;
		q = q->s.next;
	}
	if (b + b->s.units == q->s.next) {
		b->s.units += q->s.next->s.units;
		b->s.next = q->s.next->s.next;
	} else {
		b->s.next = q->s.next;
	}
	if (q + q->s.units == b) {
		q->s.units += b->s.units;
		q->s.next = b->s.next;
	} else {
		q->s.next = b;
	}
	freelist = q;
}

/* grow asks the kernel for at least n units (4096 at the least, so that
 * small allocations do not each cost an sbrk) and frees them into the
 * list. */
static Header *grow(uint n)
{
	if (n < 4096)
		n = 4096;
	char *p = sbrk(n * sizeof(Header));
	if (p == (char *)-1)
		return 0;
	Header *h = (Header *)p;
	h->s.units = n;
	free(h + 1);
	return freelist;
}

void *malloc(uint nbytes)
{
	uint units = (nbytes + sizeof(Header) - 1) / sizeof(Header) + 1;
	if (freelist == 0) {
		base.s.next = &base;
		base.s.units = 0;
		freelist = &base;
	}
	Header *prev = freelist;
	for (Header *p = prev->s.next;; prev = p, p = p->s.next) {
		if (p->s.units >= units) {
			if (p->s.units == units) {
				prev->s.next = p->s.next;
			} else {
				/* Hand out the tail of the block. */
				p->s.units -= units;
				p += p->s.units;
				p->s.units = units;
			}
			freelist = prev;
			return p + 1;
		}
		if (p == freelist && (p = grow(units)) == 0)
			return 0;
	}
}
