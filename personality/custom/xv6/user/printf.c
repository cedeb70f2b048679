/* printf and fprintf for xv6 programs: %d, %u, %x, %l (with d/u/x), %p,
 * %s, %c and %%. Each call writes its output with as few write calls as
 * a small buffer allows, so lines from concurrent processes rarely
 * interleave mid-line. */
#include <stdarg.h>
#include "user.h"

struct out {
	int fd;
	int n;
	char buf[128];
};

static void flush(struct out *o)
{
	if (o->n > 0)
		write(o->fd, o->buf, o->n);
	o->n = 0;
}

static void putc_(struct out *o, char c)
{
	if (o->n == sizeof o->buf)
		flush(o);
	o->buf[o->n++] = c;
}

static void putnum(struct out *o, uint64 v, int base, int neg)
{
	const char *digits = "0123456789abcdef";
	char tmp[24];
	int i = 0;
	do {
		tmp[i++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		putc_(o, '-');
	while (i > 0)
		putc_(o, tmp[--i]);
}

static void format(int fd, const char *fmt, va_list ap)
{
	struct out o = {.fd = fd};
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			putc_(&o, *fmt);
			continue;
		}
		fmt++;
		int islong = 0;
		while (*fmt == 'l') {
			islong = 1;
			fmt++;
		}
		switch (*fmt) {
		case 'd': {
			long v = islong ? va_arg(ap, long) : va_arg(ap, int);
			putnum(&o, v < 0 ? -(uint64)v : (uint64)v, 10, v < 0);
			break;
		}
		case 'u':
			putnum(&o, islong ? va_arg(ap, uint64) : va_arg(ap, uint), 10, 0);
			break;
		case 'x':
			putnum(&o, islong ? va_arg(ap, uint64) : va_arg(ap, uint), 16, 0);
			break;
		case 'p':
			putc_(&o, '0');
			putc_(&o, 'x');
			putnum(&o, (uint64)va_arg(ap, void *), 16, 0);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (s == 0)
				s = "(null)";
			while (*s)
				putc_(&o, *s++);
			break;
		}
		case 'c':
			putc_(&o, (char)va_arg(ap, int));
			break;
		case '%':
			putc_(&o, '%');
			break;
		case 0:
			fmt--; /* a lone % at the end */
			break;
		default:
			/* Unknown verb: print it as written. */
			putc_(&o, '%');
			putc_(&o, *fmt);
		}
	}
	flush(&o);
}

void fprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	format(fd, fmt, ap);
	va_end(ap);
}

void printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	format(1, fmt, ap);
	va_end(ap);
}
