/* sh: the xv6 shell. Reads a line at a time (prompt "$ " on fd 2) and
 * runs it. The language:
 *
 *	list     := job { ';' job }          jobs in order
 *	job      := pipeline [ '&' ]         '&': do not wait for it
 *	pipeline := unit { '|' unit }
 *	unit     := '(' list ')' { redir } | { word | redir }+
 *	redir    := '<' word | '>' word | '>>' word
 *
 * "cd dir" on a line of its own changes the shell's own directory. A
 * command name without a '/' that is not found in the current directory
 * is looked for in / as well, where the programs live.
 *
 * The line is first cut into tokens, then parsed into a tree of nodes,
 * which a forked child runs (run never returns). */
#include "user.h"

#define MAXLINE  512
#define MAXTOK   128
#define MAXNODE  64
#define MAXREDIR 4

enum { T_WORD, T_PIPE, T_SEMI, T_AMP, T_LPAREN, T_RPAREN, T_IN, T_OUT, T_APPEND, T_END };

struct token {
	int kind;
	char *word; /* for T_WORD: NUL-terminated once tokenizing is done */
};

struct redir {
	int fd;      /* 0 or 1 */
	int mode;    /* open's mode */
	int append;  /* '>>': start at the end of the file */
	char *path;
};

enum { N_EXEC, N_PIPE, N_SEQ, N_BACK, N_SUB };

struct node {
	int kind;
	struct node *left, *right;  /* N_PIPE, N_SEQ; left for N_BACK, N_SUB */
	char *argv[MAXARG + 1];     /* N_EXEC */
	int argc;
	struct redir redirs[MAXREDIR];
	int nredir;
};

static struct token toks[MAXTOK];
static int ntok, pos;
static struct node nodes[MAXNODE];
static int nnode;
static int bad; /* set by the parser on a syntax error */

static void die(const char *msg) __attribute__((noreturn));
static void die(const char *msg)
{
	fprintf(2, "%s\n", msg);
	exit(1);
}

static int isblank_(char c) { return c && strchr(" \t\r\n\v", c) != 0; }
static int isspecial(char c) { return c && strchr("|;&()<>", c) != 0; }

/* tokenize cuts line into toks[]. Words are terminated only at the end,
 * because the byte after a word may be the start of the next token. */
static int tokenize(char *line)
{
	char *ends[MAXTOK];
	int nwords = 0;
	char *s = line;
	ntok = 0;
	for (;;) {
		while (isblank_(*s))
			s++;
		if (ntok == MAXTOK - 1)
			return -1;
		struct token *t = &toks[ntok++];
		t->word = 0;
		switch (*s) {
		case 0:
			t->kind = T_END;
			for (int i = 0; i < nwords; i++)
				*ends[i] = 0;
			return 0;
		case '|': t->kind = T_PIPE; s++; break;
		case ';': t->kind = T_SEMI; s++; break;
		case '&': t->kind = T_AMP; s++; break;
		case '(': t->kind = T_LPAREN; s++; break;
		case ')': t->kind = T_RPAREN; s++; break;
		case '<': t->kind = T_IN; s++; break;
		case '>':
			s++;
			t->kind = T_OUT;
			if (*s == '>') {
				t->kind = T_APPEND;
				s++;
			}
			break;
		default:
			t->kind = T_WORD;
			t->word = s;
			while (*s && !isblank_(*s) && !isspecial(*s))
				s++;
			ends[nwords++] = s;
		}
	}
}

static int peek(void) { return toks[pos].kind; }

static struct node *newnode(int kind)
{
	if (nnode == MAXNODE) {
		bad = 1;
		nnode = 0; /* keep going on a valid node; the line is dropped */
	}
	struct node *n = &nodes[nnode++];
	memset(n, 0, sizeof *n);
	n->kind = kind;
	return n;
}

/* redirs parses the redirections at pos into n; it returns how many. */
static int redirs(struct node *n)
{
	int got = 0;
	for (;;) {
		int k = peek();
		if (k != T_IN && k != T_OUT && k != T_APPEND)
			return got;
		pos++;
		if (peek() != T_WORD || n->nredir == MAXREDIR) {
			bad = 1;
			return got;
		}
		struct redir *r = &n->redirs[n->nredir++];
		r->path = toks[pos++].word;
		r->fd = k == T_IN ? 0 : 1;
		r->mode = k == T_IN ? O_RDONLY : k == T_OUT ? O_WRONLY | O_CREATE | O_TRUNC : O_RDWR | O_CREATE;
		r->append = k == T_APPEND;
		got++;
	}
}

static struct node *parse_list(void);

static struct node *parse_unit(void)
{
	if (peek() == T_LPAREN) {
		pos++;
		struct node *n = newnode(N_SUB);
		n->left = parse_list();
		if (peek() != T_RPAREN)
			bad = 1;
		else
			pos++;
		redirs(n);
		return n;
	}
	struct node *n = newnode(N_EXEC);
	for (;;) {
		if (peek() == T_WORD) {
			if (n->argc == MAXARG) {
				bad = 1;
				return n;
			}
			n->argv[n->argc++] = toks[pos++].word;
		} else if (redirs(n) == 0) {
			break;
		}
	}
	if (n->argc == 0)
		bad = 1;
	return n;
}

static struct node *parse_pipeline(void)
{
	struct node *n = parse_unit();
	if (peek() == T_PIPE) {
		pos++;
		struct node *p = newnode(N_PIPE);
		p->left = n;
		p->right = parse_pipeline();
		return p;
	}
	return n;
}

static struct node *parse_list(void)
{
	struct node *n = parse_pipeline();
	if (peek() == T_AMP) {
		pos++;
		struct node *b = newnode(N_BACK);
		b->left = n;
		n = b;
		/* "a & b": another job may follow without a ';'. */
		if (peek() == T_END || peek() == T_RPAREN)
			return n;
		if (peek() != T_SEMI) {
			struct node *s = newnode(N_SEQ);
			s->left = n;
			s->right = parse_list();
			return s;
		}
	}
	if (peek() == T_SEMI) {
		pos++;
		if (peek() == T_END || peek() == T_RPAREN)
			return n; /* a trailing ';' */
		struct node *s = newnode(N_SEQ);
		s->left = n;
		s->right = parse_list();
		return s;
	}
	return n;
}

static struct node *parse(char *line)
{
	nnode = 0;
	pos = 0;
	bad = 0;
	if (tokenize(line) < 0)
		return 0;
	struct node *n = parse_list();
	if (bad || peek() != T_END)
		return 0;
	return n;
}

static int forkordie(void)
{
	int pid = fork();
	if (pid < 0)
		die("fork failed");
	return pid;
}

/* apply performs n's redirections: each closes its descriptor and opens
 * the file, which takes the lowest free descriptor, the one just closed. */
static void apply(struct node *n)
{
	for (int i = 0; i < n->nredir; i++) {
		struct redir *r = &n->redirs[i];
		close(r->fd);
		if (open(r->path, r->mode) < 0) {
			fprintf(2, "open %s failed\n", r->path);
			exit(1);
		}
		if (r->append) {
			/* xv6 has no lseek; but one offset serves reads
			 * and writes, so reading to the end appends. */
			char b[512];
			while (read(r->fd, b, sizeof b) > 0)
				;
		}
	}
}

static void run(struct node *n) __attribute__((noreturn));

static void run(struct node *n)
{
	int p[2];
	switch (n->kind) {
	case N_EXEC:
		apply(n);
		n->argv[n->argc] = 0;
		exec(n->argv[0], n->argv);
		if (!strchr(n->argv[0], '/')) {
			char path[DIRSIZ + 2] = "/";
			if (strlen(n->argv[0]) <= DIRSIZ) {
				strcpy(path + 1, n->argv[0]);
				exec(path, n->argv);
			}
		}
		fprintf(2, "exec %s failed\n", n->argv[0]);
		exit(1);
	case N_SUB:
		apply(n);
		run(n->left);
	case N_SEQ:
		if (forkordie() == 0)
			run(n->left);
		wait(0);
		run(n->right);
	case N_BACK:
		if (forkordie() == 0)
			run(n->left);
		exit(0);
	case N_PIPE:
		if (pipe(p) < 0)
			die("pipe failed");
		if (forkordie() == 0) {
			close(1);
			dup(p[1]);
			close(p[0]);
			close(p[1]);
			run(n->left);
		}
		if (forkordie() == 0) {
			close(0);
			dup(p[0]);
			close(p[0]);
			close(p[1]);
			run(n->right);
		}
		close(p[0]);
		close(p[1]);
		wait(0);
		wait(0);
		exit(0);
	}
	die("sh: bad node");
}

int main(void)
{
	static char line[MAXLINE];
	int fd;
	/* Make sure descriptors 0-2 are open (on the console, if init did
	 * not give us any). */
	while ((fd = open("console", O_RDWR)) >= 0) {
		if (fd >= 3) {
			close(fd);
			break;
		}
	}
	for (;;) {
		fprintf(2, "$ ");
		memset(line, 0, sizeof line);
		gets(line, sizeof line);
		if (line[0] == 0)
			break; /* end of input */
		char *s = line;
		while (isblank_(*s))
			s++;
		if (*s == 0)
			continue;
		if (s[0] == 'c' && s[1] == 'd' && (s[2] == ' ' || s[2] == '\t')) {
			char *dir = s + 3;
			while (isblank_(*dir))
				dir++;
			char *e = dir;
			while (*e && !isblank_(*e))
				e++;
			*e = 0;
			if (chdir(dir) < 0)
				fprintf(2, "cannot cd %s\n", dir);
			continue;
		}
		struct node *n = parse(s);
		if (n == 0) {
			fprintf(2, "syntax error\n");
			continue;
		}
		int pid = forkordie();
		if (pid == 0)
			run(n);
		/* Wait for this command; a background job's child that was
		 * handed to us as an orphan may be reaped on the way. */
		int w;
		while ((w = wait(0)) != pid && w >= 0)
			;
	}
	exit(0);
}
