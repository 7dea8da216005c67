/* uprobe_target.c - the program run/uprobe.stp probes: build.sh's lab_prog
 * compiles it with -g -O0 (parameters in stack slots its prologue fills).
 * Calls with known arguments, a struct through a pointer, a global. */
#include <stdio.h>

struct point {
	int x, y;
	const char *name;
};

long counter = 40;

long add(long a, long b)
{
	counter++;
	return a + b;
}

int area(struct point *p, int scale)
{
	return p->x * p->y * scale;
}

int main(int argc, char **argv)
{
	struct point p = { 3, 4, "box" };
	long sum = 0;
	int i;

	puts(p.name);	/* its page is then present for the probe's read */
	for (i = 1; i <= 3; i++)
		sum += add(i, 10 * i);
	printf("%ld %d\n", sum, area(&p, argc));
	return 0;
}
