/* SPDX-License-Identifier: GPL-2.0 */
/* stp_regex.h - `str =~ "re"` / `str !~ "re"`: a Pike VM over programs the
 * translator compiled (stap/regex.c), and the last match for matched().
 *
 * A program is an array of stp_re_insn, one per NFA state; the translator
 * emits it as static const data, one per distinct pattern.  Matching
 * simulates every thread of the NFA in lockstep over the subject (Pike's
 * VM, threads deduplicated by pc), so time is O(subject * program) and
 * nothing ever backtracks.  Captures are byte offsets carried per thread.
 *
 * Semantics (POSIX ERE, byte-wise, as glibc's regexec with REG_EXTENDED):
 * the search is unanchored unless ^/$ say otherwise; the overall match is
 * the leftmost-longest one.  Among the parses giving that overall match,
 * captures come from the highest-priority one: quantifiers greedy, earlier
 * alternatives first, a repeated group reporting its last iteration.
 * That is exactly POSIX's rule for the overall match and agrees with
 * glibc's submatches in the common cases (see testsuite/unit/regex_test.c
 * for the ones where they differ).
 *
 * Memory: matching allocates nothing.  Each CPU owns one scratch area,
 * sized at stp_regex_init() for the largest program of the module (thread
 * lists, the generation marks that deduplicate threads, the explicit stack
 * that replaces recursion), and one struct stp_re_last: a copy of the last
 * subject with its capture offsets, read by matched()/ngroups().  Probe
 * handlers on a CPU never interleave (the context is busy-guarded) and run
 * with preemption disabled, so per-CPU data needs no lock.
 *
 * Userspace (the unit test, the translator) includes this file with
 * STP_REGEX_DEFS_ONLY for the instruction set alone, or without __KERNEL__
 * for the VM as well (stp_regex_exec and its scratch sizing), after
 * <stdbool.h>, <stdint.h>, <string.h> and a definition of unlikely().
 */
#ifndef STP_REGEX_H
#define STP_REGEX_H

/* ---- the instruction set, shared with the translator */

/* X(name, operands) */
#define STP_RE_OPS(X)								\
	X(CHAR,   "arg: the byte")						\
	X(ANY,    "any byte")							\
	X(CLASS,  "x: index in classes[]")					\
	X(MATCH,  "the whole pattern matched")				\
	X(JMP,    "x: target")							\
	X(SPLIT,  "x: preferred target, y: other target")			\
	X(SAVE,   "arg: capture slot (2n start of group n, 2n+1 end)")	\
	X(BOL,    "^: at the start of the subject")				\
	X(EOL,    "$: at the end of the subject")				\
	X(WORDB,  "\\b: at a word boundary")					\
	X(NWORDB, "\\B: not at a word boundary")				\
	X(WBEG,   "\\<: at the start of a word")				\
	X(WEND,   "\\>: at the end of a word")

#define STP_RE_ENUM(name, doc) STP_RE_##name,
enum stp_re_op { STP_RE_OPS(STP_RE_ENUM) STP_RE_NOPS };
#undef STP_RE_ENUM

struct stp_re_insn {
	uint8_t op;			/* enum stp_re_op */
	uint8_t arg;			/* CHAR: byte; SAVE: slot */
	uint16_t x, y;			/* JMP/SPLIT targets; CLASS index */
};

#define STP_REGEX_MAX_INSNS 1024	/* translator's limit per program */
#define STP_REGEX_MAX_GROUPS 32		/* group 0 (whole match) included */
#define STP_REGEX_MAX_SLOTS (2 * STP_REGEX_MAX_GROUPS)
#define STP_RE_UNSET 0xffff		/* capture slot not set */
#define STP_RE_NOFIRST 0xffff		/* stp_regex.first: no skipping */

struct stp_regex {
	const struct stp_re_insn *prog;
	const uint32_t (*classes)[8];	/* 256-bit byte sets for CLASS */
	uint16_t len;			/* instructions */
	uint16_t nthreads;		/* CHAR/ANY/CLASS/MATCH: thread list bound */
	uint16_t first;			/* class of the bytes a match can start with */
	uint8_t ngroups;		/* capture groups, group 0 included */
	bool anchored;			/* a match can only start at 0 (^...) */
	const char *pattern;		/* as written, for diagnostics */
};

#ifndef STP_REGEX_DEFS_ONLY

/* ---- the VM (pure: no kernel service used) */

/* Scratch layout, for a program of len instructions and s slots:
 *   u32 gen; u32 mark[STP_REGEX_MAX_INSNS]; u32 stack[len + 1];
 *   u16 work[s]; u16 best[s]; u16 list[2][nthreads][1 + s]  (pc, caps)
 * The marks have the same place and size for every program, so that the
 * programs of a module can share one scratch area: a mark never exceeds
 * the current gen, and all are cleared when gen wraps. */
static inline size_t stp_regex_scratch_size(const struct stp_regex *re)
{
	size_t slots = 2 * (size_t)re->ngroups;

	return sizeof(uint32_t) * (1 + STP_REGEX_MAX_INSNS + (size_t)re->len + 1) +
	       sizeof(uint16_t) * (2 * slots + 2 * (size_t)re->nthreads * (1 + slots));
}

struct stp_re_vm {
	const struct stp_regex *re;
	const unsigned char *s;
	unsigned int n;			/* subject length */
	unsigned int slots;		/* 2 * ngroups */
	uint32_t gen;			/* current step's mark */
	uint32_t *mark;			/* [len]: gen when the pc was last added */
	uint32_t *stack;		/* [len + 1]: closure work list */
	uint16_t *work;			/* [slots]: captures along the closure */
};

struct stp_re_list {
	uint16_t *t;			/* threads: pc then slots, stride 1 + slots */
	unsigned int n;
};

static inline bool stp_re_isword(unsigned int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* Does zero-width assertion op hold at pos? */
static bool stp_re_assert(const struct stp_re_vm *vm, unsigned int op, unsigned int pos)
{
	bool before = pos > 0 && stp_re_isword(vm->s[pos - 1]);
	bool after = pos < vm->n && stp_re_isword(vm->s[pos]);

	switch (op) {
	case STP_RE_BOL:
		return pos == 0;
	case STP_RE_EOL:
		return pos == vm->n;
	case STP_RE_WORDB:
		return before != after;
	case STP_RE_NWORDB:
		return before == after;
	case STP_RE_WBEG:
		return !before && after;
	case STP_RE_WEND:
		return before && !after;
	}
	return false;
}

/* Stack entries: a pc to explore, or (top bit) a capture slot to restore. */
#define STP_RE_RESTORE 0x80000000u

/* Add the thread at pc, with captures vm->work, and everything reachable
 * from it without consuming input, to l in priority order.  Each pc is
 * added once per step (vm->gen); vm->work is unchanged on return. */
static void stp_re_add(struct stp_re_vm *vm, struct stp_re_list *l,
		       unsigned int pc0, unsigned int pos)
{
	const struct stp_re_insn *prog = vm->re->prog;
	unsigned int stride = 1 + vm->slots;
	unsigned int sp = 0;

	vm->stack[sp++] = pc0;
	while (sp) {
		uint32_t e = vm->stack[--sp];
		unsigned int pc = e;

		if (e & STP_RE_RESTORE) {
			vm->work[(e >> 16) & 0x7fff] = e & 0xffff;
			continue;
		}
		while (vm->mark[pc] != vm->gen) {
			const struct stp_re_insn *in = &prog[pc];
			uint16_t *t;

			vm->mark[pc] = vm->gen;
			switch (in->op) {
			case STP_RE_JMP:
				pc = in->x;
				continue;
			case STP_RE_SPLIT:
				vm->stack[sp++] = in->y;
				pc = in->x;
				continue;
			case STP_RE_SAVE:
				vm->stack[sp++] = STP_RE_RESTORE | (uint32_t)in->arg << 16 |
						  vm->work[in->arg];
				vm->work[in->arg] = pos;
				pc++;
				continue;
			case STP_RE_CHAR:
			case STP_RE_ANY:
			case STP_RE_CLASS:
			case STP_RE_MATCH:
				t = l->t + l->n++ * stride;
				t[0] = pc;
				memcpy(t + 1, vm->work, vm->slots * sizeof(*t));
				break;
			default:
				if (!stp_re_assert(vm, in->op, pos))
					break;
				pc++;
				continue;
			}
			break;
		}
	}
}

static inline bool stp_re_inclass(const struct stp_regex *re, unsigned int cls, unsigned int c)
{
	return (re->classes[cls][c >> 5] >> (c & 31)) & 1;
}

/* Does thread instruction in accept byte c? */
static inline bool stp_re_accepts(const struct stp_regex *re,
				  const struct stp_re_insn *in, unsigned int c)
{
	switch (in->op) {
	case STP_RE_CHAR:
		return c == in->arg;
	case STP_RE_ANY:
		return true;
	case STP_RE_CLASS:
		return stp_re_inclass(re, in->x, c);
	}
	return false;
}

/* The next step's mark; *last is the last one used in this scratch. */
static void stp_re_next_gen(struct stp_re_vm *vm, uint32_t *last)
{
	if (unlikely(++*last == 0)) {
		memset(vm->mark, 0, STP_REGEX_MAX_INSNS * sizeof(*vm->mark));
		*last = 1;
	}
	vm->gen = *last;
}

/* Match re against the n bytes at s.  scratch holds at least
 * stp_regex_scratch_size(re) bytes, 4-aligned, and has been zeroed once
 * before its first use.  On a match, caps (2 * ngroups slots) receives the
 * byte offsets of each group, STP_RE_UNSET for groups that did not take
 * part.  No allocation, no recursion. */
static bool stp_regex_exec(const struct stp_regex *re, const char *s, unsigned int n,
			   void *scratch, uint16_t *caps)
{
	struct stp_re_vm vm = { .re = re, .s = (const unsigned char *)s, .n = n };
	uint32_t *last_gen = scratch;
	unsigned int stride, pos, i;
	struct stp_re_list clist, nlist, tmp;
	uint16_t *best;
	bool matched = false;

	vm.slots = 2 * re->ngroups;
	stride = 1 + vm.slots;
	vm.mark = last_gen + 1;
	vm.stack = vm.mark + STP_REGEX_MAX_INSNS;
	vm.work = (uint16_t *)(vm.stack + re->len + 1);
	best = vm.work + vm.slots;
	clist.t = best + vm.slots;
	nlist.t = clist.t + (size_t)re->nthreads * stride;
	clist.n = 0;

	stp_re_next_gen(&vm, last_gen);
	for (pos = 0;; pos++) {
		/* no thread alive: skip to where a match could start */
		if (!matched && !clist.n) {
			if (re->anchored && pos > 0)
				break;
			if (re->first != STP_RE_NOFIRST)
				while (pos < n && !stp_re_inclass(re, re->first, vm.s[pos]))
					pos++;
		}
		/* a new thread starting here, lowest priority; none once a
		 * match is known (it could only start further right) */
		if (!matched) {
			for (i = 0; i < vm.slots; i++)
				vm.work[i] = STP_RE_UNSET;
			stp_re_add(&vm, &clist, 0, pos);
		}
		if (!clist.n && (matched || pos >= n))
			break;

		stp_re_next_gen(&vm, last_gen);
		nlist.n = 0;
		for (i = 0; i < clist.n; i++) {
			uint16_t *t = clist.t + i * stride;
			const struct stp_re_insn *in = &re->prog[t[0]];

			/* threads are in order of start: later starters lose */
			if (matched && t[1] > best[0])
				continue;
			if (in->op == STP_RE_MATCH) {
				if (!matched || t[1] < best[0] || pos > best[1]) {
					memcpy(best, t + 1, vm.slots * sizeof(*t));
					matched = true;
				}
				continue;
			}
			if (pos >= n || !stp_re_accepts(re, in, vm.s[pos]))
				continue;
			memcpy(vm.work, t + 1, vm.slots * sizeof(*t));
			stp_re_add(&vm, &nlist, t[0] + 1, pos + 1);
		}
		if (pos >= n)
			break;
		tmp = clist;
		clist = nlist;
		nlist = tmp;
	}
	if (matched && caps)
		memcpy(caps, best, vm.slots * sizeof(*best));
	return matched;
}

#ifdef __KERNEL__

#if MAXSTRINGLEN > 65535
#error "regular expression captures are 16-bit offsets: MAXSTRINGLEN is too large"
#endif

/* ---- the module's side: per-CPU scratch and the last match */

/* The last =~ / !~ evaluated on this CPU. */
struct stp_re_last {
	bool valid;			/* it matched */
	uint8_t ngroups;		/* its pattern's groups, group 0 included */
	uint16_t caps[STP_REGEX_MAX_SLOTS];
	char subject[MAXSTRINGLEN];	/* what it matched against */
};

struct stp_re_cpu {
	struct stp_re_last last;
	uint32_t scratch[];		/* stp_regex_scratch_size() of the largest */
};

static struct stp_re_cpu *__percpu *stp_re_cpus;	/* NULL: no regex in the module */

static void stp_regex_exit(void)
{
	int cpu;

	if (!stp_re_cpus)
		return;
	for_each_possible_cpu(cpu) {
		vfree(*per_cpu_ptr(stp_re_cpus, cpu));
		*per_cpu_ptr(stp_re_cpus, cpu) = NULL;
	}
	free_percpu(stp_re_cpus);
	stp_re_cpus = NULL;
}

/* Allocate every CPU's scratch for the module's n programs; 0 or -ENOMEM.
 * With no program, nothing is allocated and matched() reports no match. */
static int stp_regex_init(const struct stp_regex *const *all, int n)
{
	size_t size = 0;
	int i, cpu;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		size = max(size, stp_regex_scratch_size(all[i]));
	stp_re_cpus = alloc_percpu(struct stp_re_cpu *);
	if (!stp_re_cpus)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct stp_re_cpu *rc = vzalloc(sizeof(*rc) + size);

		if (!rc)
			goto fail_alloc;
		*per_cpu_ptr(stp_re_cpus, cpu) = rc;
	}
	return 0;
fail_alloc:
	stp_regex_exit();
	return -ENOMEM;
}

/* This CPU's last match, or NULL; the caller has preemption disabled. */
static inline struct stp_re_last *stp_regex_last(void)
{
	return stp_re_cpus ? &(*this_cpu_ptr(stp_re_cpus))->last : NULL;
}

/* `s =~ re` from generated code (probe context, preemption disabled).
 * A match copies s and its captures for matched(); a failure forgets
 * the previous match, as SystemTap's matched() then raises an error. */
static bool stp_regex_match(const struct stp_regex *re, const char *s)
{
	struct stp_re_cpu *rc = *this_cpu_ptr(stp_re_cpus);
	unsigned int n = strnlen(s, MAXSTRINGLEN - 1);

	rc->last.valid = stp_regex_exec(re, s, n, rc->scratch, rc->last.caps);
	if (!rc->last.valid)
		return false;
	rc->last.ngroups = re->ngroups;
	memcpy(rc->last.subject, s, n);
	rc->last.subject[n] = '\0';
	return true;
}

#endif /* __KERNEL__ */
#endif /* !STP_REGEX_DEFS_ONLY */
#endif /* STP_REGEX_H */
