// Native side of Hosting/ProcessTeardown.cs, linked into the Native AOT provider on Linux (see the project file).
//
// When a process exits, the kernel frees its address space (exit_mmap: every page-table entry of code, data, heap and
// stacks) before its parent is told that it ended. For the provider after a session that takes ~1.3 ms, most of the time
// between go-plugin's Shutdown and Terraform seeing the process end. vgpuiac_detach_teardown starts a helper that shares
// the address space (CLONE_VM, a separate process: not a thread of ours) and only waits until the provider has ended. The
// provider's own exit then merely drops its reference: the parent is told at once, and the helper, woken when the
// provider's last file descriptor closes, frees the address space as it exits itself.
//
// The helper runs nothing of the .NET runtime or of libc: raw system calls on its own stack, every signal blocked (it is
// created with the mask full), and it first closes every descriptor it inherited but its pipe, so that no socket or
// standard stream of the provider outlives the provider.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_close_range
#define __NR_close_range 436
#endif

#if defined(__x86_64__) || defined(__aarch64__)
#define VGPUIAC_TEARDOWN_SUPPORTED 1

static inline long raw_syscall3(long number, long a, long b, long c)
{
#if defined(__x86_64__)
    long result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return result;
#else
    register long x8 __asm__("x8") = number;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
#endif
}

// The pipe between the provider and the helper: the helper reads from the read end until every write end is closed; the
// provider holds the only write end once the helper has closed its own inherited copy.
struct teardown_pipe
{
    long read_end;
    long write_end;
};

static struct teardown_pipe teardown_pipe;

// The helper: closes its copy of the pipe's write end (first and on its own, so that no failure below can leave the
// helper waiting for itself), then every other inherited descriptor but the read end, and reads until the provider has
// ended (read returns 0, or an error). It then returns: libc's clone calls exit, which frees the shared address space now
// that nobody else uses it.
static int hold_address_space(void *argument)
{
    const struct teardown_pipe *pipe_ends = argument;
    long read_end = pipe_ends->read_end;
    static const char name[] = "vgpu-teardown";
    raw_syscall3(__NR_prctl, PR_SET_NAME, (long)name, 0);
    raw_syscall3(__NR_close, pipe_ends->write_end, 0, 0);
    long closed_low = read_end > 0 ? raw_syscall3(__NR_close_range, 0, read_end - 1, 0) : 0;
    long closed_high = raw_syscall3(__NR_close_range, read_end + 1, (long)~0U, 0);
    if (closed_low != 0 || closed_high != 0)
    {
        for (long fd = 0; fd < 65536; fd++)
        {
            if (fd != read_end)
            {
                raw_syscall3(__NR_close, fd, 0, 0);
            }
        }
    }

    char byte;
    long got;
    do
    {
        got = raw_syscall3(__NR_read, read_end, (long)&byte, 1);
    } while (got == -EINTR || got > 0);
    return 0;
}
#endif

// Starts the helper. Returns its process id, or a negative errno when it could not be started (the process then tears its
// address space down itself when it exits, as any process does). Call once, when the process is about to end.
int vgpuiac_detach_teardown(void)
{
#if defined(VGPUIAC_TEARDOWN_SUPPORTED)
    enum { stack_size = 64 * 1024 };
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0)
    {
        return -errno;
    }

    void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
    {
        int error = errno;
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        return -error;
    }

    // The helper inherits the calling thread's signal mask: all blocked (the raw call, since libc's wrappers leave its own
    // internal signals out), so that no handler of the runtime ever runs on the helper.
    uint64_t all = ~(uint64_t)0;
    uint64_t previous = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &previous, sizeof all);
    teardown_pipe.read_end = pipe_fds[0];
    teardown_pipe.write_end = pipe_fds[1];
    int pid = clone(hold_address_space, (char *)stack + stack_size, CLONE_VM, &teardown_pipe);
    int error = errno;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &previous, NULL, sizeof previous);
    close(pipe_fds[0]);
    if (pid < 0)
    {
        close(pipe_fds[1]);
        munmap(stack, stack_size);
        return -error;
    }

    // pipe_fds[1] stays open (close-on-exec) until the process ends; its closing wakes the helper.
    return pid;
#else
    return -ENOSYS;
#endif
}
