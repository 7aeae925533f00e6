/*
 * tlb-idle: an arm64 Linux program (static, no libc: it is copied into the lab
 * guest as text over the serial channel, so it must stay tiny) that checks that a
 * vCPU idle in WFI does not keep a stale translation after another vCPU changed a
 * mapping and broadcast the TLB invalidation (TLBI ... IS).
 *
 * vmm patch 0060 lets QEMU's TCG skip the flush of a halted vCPU and have it flush
 * its whole TLB when it leaves the halt instead. If that deferred flush were lost,
 * the vCPU would read the old page through QEMU's software TLB: this program would
 * see it.
 *
 *   thread A, pinned to CPU 1: reads the word at address T (QEMU's TLB of vCPU 1
 *     now maps T to the frame behind it), then sleeps in a futex, so CPU 1 goes
 *     idle (WFI);
 *   thread B, pinned to CPU 0: once A sleeps, writes a value unique to the
 *     iteration into the *other* page of a 2-page memfd, maps that page at T
 *     (mmap MAP_FIXED: Linux unmaps the old page and broadcasts a TLBI ... IS),
 *     wakes A;
 *   A reads T again and must see the new value.
 * Both pages stay in the memfd, so a stale translation reads the previous
 * iteration's value, never a page Linux reused for something else. (With two
 * pages, a translation never flushed again is right by chance every other
 * iteration: the next lost flush shows.)
 *
 * Measured with a QEMU whose tlb_flush_deferred_run() only clears the flag: with
 * the pointer-authentication keys as below, every such iteration read the stale
 * value, failing at iteration 1 or 2; with the keys as Linux sets them, none did
 * in 2,000 (start() says why).
 *
 * Usage: tlb-idle ITERATIONS [SETTLE_US]; prints "ok N", or
 * "STALE iteration N got X want Y" and exits 1, or "FAIL <what>" and exits 2.
 */
#include <stddef.h>
#include <stdint.h>

#define SYS_openat 56
#define SYS_close 57
#define SYS_write 64
#define SYS_pread64 67
#define SYS_exit 93
#define SYS_exit_group 94
#define SYS_futex 98
#define SYS_sched_setaffinity 122
#define SYS_prctl 167
#define SYS_gettid 178
#define SYS_clone 220
#define SYS_mmap 222
#define SYS_memfd_create 279
#define SYS_ftruncate 46

#define AT_FDCWD -100
#define PROT_RW 3               /* PROT_READ | PROT_WRITE */
#define MAP_SHARED 0x01
#define MAP_FIXED 0x10
#define PR_PAC_SET_ENABLED_KEYS 60
#define PR_PAC_KEYS_BUT_IA 0xe  /* APIBKEY | APDAKEY | APDBKEY */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
/* A thread: CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM */
#define CLONE_THREAD_FLAGS 0x50f00UL

#define PAGE 4096
#define STACK_SIZE (64 * 1024)
#define VALUE_BASE 0x7100000000000000ULL

/* The futex word: whose turn it is. */
enum { TURN_B = 0, A_SLEEPS = 1, A_RUNS = 2 };

static long
sys6(long n, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;

    __asm__ volatile("svc #0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory");
    return x0;
}
#define sys(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

/*
 * spawn_thread(flags, stack_top, fn): clone; the child runs fn() on its own stack,
 * then exits (only itself). Assembly because the child must not return through
 * the parent's stack frame. Linux preserves x9 across the svc in both.
 */
long spawn_thread(unsigned long flags, void *stack_top, void (*fn)(void));
__asm__(".text\n"
        ".global spawn_thread\n"
        "spawn_thread:\n"
        "    mov x9, x2\n"
        "    mov x2, xzr\n"
        "    mov x3, xzr\n"
        "    mov x4, xzr\n"
        "    mov x8, #220\n"            /* SYS_clone */
        "    svc #0\n"
        "    cbnz x0, 1f\n"
        "    blr x9\n"
        "    mov x0, #0\n"
        "    mov x8, #93\n"             /* SYS_exit */
        "    svc #0\n"
        "1:  ret\n");

/* The entry point: hands the initial stack (argc, argv...) to start(). */
__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "    mov x0, sp\n"
        "    bl start\n");

static volatile uint64_t *target;       /* T: one page of the memfd at a time */
static volatile uint64_t *pages;        /* both pages of the memfd, B's view of them */
static volatile int turn;
static volatile int a_tid;
static int memfd;
static uint64_t iterations, settle_ticks;
static _Alignas(16) unsigned char a_stack[STACK_SIZE];

static size_t
str_len(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

/* Appends @v in decimal (or hex) to @buf at *@pos. */
static void
put_num(char *buf, size_t *pos, uint64_t v, int hex)
{
    char tmp[24];
    int n = 0;

    if (hex) {
        buf[(*pos)++] = '0';
        buf[(*pos)++] = 'x';
    }
    do {
        tmp[n++] = "0123456789abcdef"[v % (hex ? 16 : 10)];
        v /= hex ? 16 : 10;
    } while (v);
    while (n)
        buf[(*pos)++] = tmp[--n];
}

static void
put_str(char *buf, size_t *pos, const char *s)
{
    while (*s)
        buf[(*pos)++] = *s++;
}

static __attribute__((noreturn)) void
finish(const char *line, int status)
{
    sys(SYS_write, 1, line, str_len(line));
    sys(SYS_exit_group, status, 0, 0);
    __builtin_unreachable();
}

static __attribute__((noreturn)) void
fail(const char *what, long ret)
{
    char line[128];
    size_t pos = 0;

    put_str(line, &pos, "FAIL ");
    put_str(line, &pos, what);
    put_str(line, &pos, " = ");
    put_num(line, &pos, (uint64_t)ret, 1);
    line[pos++] = '\n';
    line[pos] = '\0';
    finish(line, 2);
}

static uint64_t
ticks(void)
{
    uint64_t t;

    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t) :: "memory");
    return t;
}

static uint64_t
tick_hz(void)
{
    uint64_t f;

    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
    return f;
}

static void
pin_to(int cpu)
{
    unsigned long mask = 1UL << cpu;
    long ret = sys(SYS_sched_setaffinity, 0, sizeof(mask), &mask);

    if (ret)
        fail(cpu ? "sched_setaffinity(cpu 1)" : "sched_setaffinity(cpu 0)", ret);
}

/* Waits (at most 10 s of guest time, an eternity here) until turn is @want. */
static void
wait_turn(int want, const char *what)
{
    uint64_t deadline = ticks() + 10 * tick_hz();

    while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != want)
        if (ticks() > deadline)
            fail(what, turn);
}

static uint64_t
value_of(uint64_t iteration)
{
    return VALUE_BASE + iteration;
}

/* Thread A, on CPU 1: the reader that sleeps between reads. */
static void
reader(void)
{
    pin_to(1);
    __atomic_store_n(&a_tid, (int)sys(SYS_gettid, 0, 0, 0), __ATOMIC_RELEASE);
    for (uint64_t i = 1; i <= iterations; i++) {
        uint64_t got, want = value_of(i);

        /* Loads T's translation into vCPU 1's TLB, then sleeps: CPU 1 idles. */
        (void)*target;
        __atomic_store_n(&turn, A_SLEEPS, __ATOMIC_RELEASE);
        while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) == A_SLEEPS)
            sys6(SYS_futex, (long)&turn, FUTEX_WAIT_PRIVATE, A_SLEEPS, 0, 0, 0);
        got = *target;
        if (got != want) {
            char line[128];
            size_t pos = 0;

            put_str(line, &pos, "STALE iteration ");
            put_num(line, &pos, i, 0);
            put_str(line, &pos, " got ");
            put_num(line, &pos, got, 1);
            put_str(line, &pos, " want ");
            put_num(line, &pos, want, 1);
            line[pos++] = '\n';
            line[pos] = '\0';
            finish(line, 1);
        }
        __atomic_store_n(&turn, TURN_B, __ATOMIC_RELEASE);
    }
}

/* Whether thread A is asleep: the state in /proc/self/task/<tid>/stat is 'S'. */
static int
a_sleeps(int stat_fd)
{
    char buf[128];
    long n = sys6(SYS_pread64, stat_fd, (long)buf, sizeof(buf) - 1, 0, 0, 0);

    if (n <= 0)
        fail("pread(/proc/self/task/A/stat)", n);
    /* "tid (comm) S ...": the state follows the last ") ". */
    for (long k = n - 2; k > 0; k--)
        if (buf[k] == ')' && buf[k + 1] == ' ')
            return k + 2 < n && buf[k + 2] == 'S';
    fail("parse /proc/self/task/A/stat", n);
}

static int
open_a_stat(void)
{
    char path[64];
    size_t pos = 0;
    long fd;

    put_str(path, &pos, "/proc/self/task/");
    put_num(path, &pos, (uint64_t)a_tid, 0);
    put_str(path, &pos, "/stat");
    path[pos] = '\0';
    fd = sys6(SYS_openat, AT_FDCWD, (long)path, 0, 0, 0, 0);
    if (fd < 0)
        fail("open /proc/self/task/A/stat", fd);
    return (int)fd;
}

/*
 * Thread B, on CPU 0: once A sleeps and CPU 1 has had @settle_ticks to reach its
 * WFI, moves T to the other page and wakes A.
 */
static void
writer(void)
{
    int stat_fd;

    pin_to(0);
    while (!__atomic_load_n(&a_tid, __ATOMIC_ACQUIRE))
        ;
    stat_fd = open_a_stat();
    for (uint64_t i = 1; i <= iterations; i++) {
        uint64_t page = i & 1, deadline;
        long ret;

        wait_turn(A_SLEEPS, "thread A never went to sleep: turn");
        /* A may have set A_SLEEPS and not be in the futex yet. */
        deadline = ticks() + 10 * tick_hz();
        while (!a_sleeps(stat_fd))
            if (ticks() > deadline)
                fail("thread A never slept in the futex", (long)i);
        /*
         * From sleeping to WFI: the scheduler switches CPU 1 to its idle task.
         * Reading A's state above already took long enough in every iteration
         * measured (SETTLE_US 0 caught as many); the default 200 us, 0.4 s over
         * 2,000 iterations, is a margin for a vCPU thread the host runs late.
         */
        deadline = ticks() + settle_ticks;
        while (ticks() < deadline)
            ;
        pages[page * PAGE / sizeof(uint64_t)] = value_of(i);
        ret = sys6(SYS_mmap, (long)target, PAGE, PROT_RW, MAP_SHARED | MAP_FIXED, memfd,
                   (long)(page * PAGE));
        if (ret != (long)target)
            fail("mmap(MAP_FIXED) of the other page at T", ret);
        __atomic_store_n(&turn, A_RUNS, __ATOMIC_RELEASE);
        sys6(SYS_futex, (long)&turn, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
        /* A checks T, then sets A_SLEEPS for the next iteration, or TURN_B after the last. */
    }
    wait_turn(TURN_B, "thread A never checked T: turn");
    sys(SYS_close, stat_fd, 0, 0);
}

static uint64_t
parse_num(const char *s)
{
    uint64_t v = 0;

    if (!s || !*s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    return v;
}

__attribute__((used, noreturn)) void start(long *sp);

void
start(long *sp)
{
    long argc = sp[0];
    char **argv = (char **)(sp + 1);
    uint64_t settle_us = argc > 2 ? parse_num(argv[2]) : 200;
    char line[64];
    size_t pos = 0;
    long ret;

    iterations = argc > 1 ? parse_num(argv[1]) : 0;
    if (!iterations)
        finish("FAIL usage: tlb-idle ITERATIONS [SETTLE_US]\n", 2);
    settle_ticks = settle_us * tick_hz() / 1000000;

    /*
     * QEMU flushes a vCPU's whole TLB on every change of SCTLR_EL1, and Linux
     * changes its EnIB, EnDA and EnDB bits when it switches between the idle task
     * (pointer-authentication keys disabled) and a process (all enabled): the
     * switch back to A would flush vCPU 1's TLB and hide a lost flush. So A runs
     * with those three keys disabled (a thread inherits them). EnIA stays: the
     * kernel keeps it set for itself and would otherwise set and clear it on
     * every entry and exit. Without pointer authentication (-EINVAL) there is no
     * such change to avoid.
     */
    sys6(SYS_prctl, PR_PAC_SET_ENABLED_KEYS, PR_PAC_KEYS_BUT_IA, 0, 0, 0, 0);
    memfd = (int)sys(SYS_memfd_create, "tlb-idle", 0, 0);
    if (memfd < 0)
        fail("memfd_create", memfd);
    ret = sys(SYS_ftruncate, memfd, 2 * PAGE, 0);
    if (ret)
        fail("ftruncate", ret);
    pages = (volatile uint64_t *)sys6(SYS_mmap, 0, 2 * PAGE, PROT_RW, MAP_SHARED, memfd, 0);
    if ((long)pages < 0)
        fail("mmap of the memfd", (long)pages);
    /* T starts on page 0; iteration 1 moves it to page 1, 2 back to page 0... */
    target = (volatile uint64_t *)sys6(SYS_mmap, 0, PAGE, PROT_RW, MAP_SHARED, memfd, 0);
    if ((long)target < 0)
        fail("mmap of T", (long)target);

    ret = spawn_thread(CLONE_THREAD_FLAGS, a_stack + sizeof(a_stack), reader);
    if (ret < 0)
        fail("clone", ret);
    writer();

    put_str(line, &pos, "ok ");
    put_num(line, &pos, iterations, 0);
    line[pos++] = '\n';
    line[pos] = '\0';
    finish(line, 0);
}
