/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-util.h: helpers shared by the C test programs */

#pragma once

#include <spacetest-glib/spacetest-glib.h>

#include "send-datagram.h"

G_BEGIN_DECLS

/* Short names for the namespace types, as the tests write them. */
#define CGROUP SPACETEST_NAMESPACE_TYPE_CGROUP
#define IPC    SPACETEST_NAMESPACE_TYPE_IPC
#define MNT    SPACETEST_NAMESPACE_TYPE_MNT
#define NET    SPACETEST_NAMESPACE_TYPE_NET
#define PID    SPACETEST_NAMESPACE_TYPE_PID
#define TIME   SPACETEST_NAMESPACE_TYPE_TIME
#define USER   SPACETEST_NAMESPACE_TYPE_USER
#define UTS    SPACETEST_NAMESPACE_TYPE_UTS
#define NONE   SPACETEST_NAMESPACE_TYPE_NONE

/* The types a spacer makes as rooms. */
#define ROOM_TYPES (CGROUP | IPC | MNT | NET | TIME | UTS)

/* The uid (and gid) of the ordinary user "nobody". */
#define NOBODY 65534

/* The inode of the calling thread's current namespace of @type, read
 * straight from /proc/thread-self (independently of the library). */
guint64  tu_thread_ns_inode     (SpacetestNamespaceType type);

/* The calling thread's namespace of @type (fails the test on error). */
SpacetestNamespace *tu_current  (SpacetestNamespaceType type);

/* The number of open file descriptors of the process. */
guint    tu_count_fds           (void);

/* Drops every capability of the calling process (effective, permitted,
 * inheritable), so the kernel refuses namespace operations with EPERM.
 * Use only in a g_test_trap_subprocess() child. */
void     tu_drop_capabilities   (void);

/* Under AddressSanitizer: LeakSanitizer's check, now, instead of at exit.
 * For a child about to drop its privileges: LeakSanitizer then cannot
 * stop the process's other threads (GLib's), reads none of their
 * thread-local data, and would report all of that as leaked. A no-op
 * otherwise; tu_drop_capabilities*() call it. */
void     tu_leak_check_now      (void);

/* Makes the process multi-threaded until tu_stop_extra_thread(): a thread
 * that just waits. */
void     tu_start_extra_thread  (void);
void     tu_stop_extra_thread   (void);

/* The hostname as the calling thread's UTS namespace sees it. */
char    *tu_hostname            (void);

/* Binds a TCP socket to 127.0.0.1:@port in the calling thread's network
 * namespace and listens; returns the fd, or -1 with errno set. */
int      tu_listen_loopback     (guint16 port);

/* ---- added for execute.c and isolation.c ---------------------------- */

#include <sys/types.h>

/* The eight namespace types in the library's canonical order. */
#define TU_N_TYPES 8
extern const SpacetestNamespaceType tu_all_types[TU_N_TYPES];

/* The index of @type in tu_all_types, or -1. */
int      tu_type_index          (SpacetestNamespaceType type);

/* The calling thread's kernel thread id. */
pid_t    tu_gettid              (void);

/* The number of threads of the process (entries of /proc/self/task). */
guint    tu_count_threads       (void);

/* The thread ids of the process (entries of /proc/self/task), as a set
 * of GINT_TO_POINTER (tid). */
GHashTable *tu_thread_ids       (void);

/* The number of threads of the process that are not in @before and are
 * in the namespace of @type with @inode. (Counting all threads is not
 * enough: an idle thread of GLib's thread pools ends after a while.) */
guint    tu_count_new_threads_in (GHashTable             *before,
                                  SpacetestNamespaceType  type,
                                  guint64                 inode);

/* Waits up to @timeout_ms for every thread that is not in @before to be
 * gone (a joined thread can linger in /proc/self/task for a moment);
 * returns how many are still there. Threads of @before that ended do not
 * count. */
guint    tu_wait_new_threads_gone (GHashTable *before,
                                   guint       timeout_ms);

/* A snapshot of the calling thread: its eight namespaces (inodes, in the
 * order of tu_all_types) and the process's number of open fds. */
typedef struct
{
  guint64 inodes[TU_N_TYPES];
  guint n_fds;
  guint64 cwd_dev;   /* the working directory, by identity */
  guint64 cwd_ino;
} TuThreadState;

void     tu_thread_state_get    (TuThreadState *state);

/* Fails the test (reporting the caller's file and line) unless the
 * calling thread is in the same namespaces and working directory as in
 * @before and the process has as many open fds. */
#define tu_assert_thread_state_unchanged(before) \
  tu_thread_state_assert_unchanged_at ((before), __FILE__, __LINE__, G_STRFUNC)
void     tu_thread_state_assert_unchanged_at (const TuThreadState *before,
                                              const char          *file,
                                              int                  line,
                                              const char          *func);

/* Whether @uid is mapped into the process's user namespace. */
gboolean tu_uid_is_mapped       (uid_t uid);

/* Whether "lo" is up in the calling thread's network namespace. */
gboolean tu_lo_is_up            (void);

/* Drops every capability of the calling process except @keep (-1 for
 * none), in the effective, permitted and inheritable sets. Use only in a
 * g_test_trap_subprocess() child. */
void     tu_drop_capabilities_except (int keep);

/* Installs a seccomp filter that makes unshare() fail with EPERM (and
 * clone3() with ENOSYS) for the rest of the process's life, as container
 * runtimes do to refuse user namespaces. Use only in a g_test_trap_subprocess() child. */
void     tu_forbid_unshare      (void);

/* ---- descriptors: limits and identities ------------------------------ */

#include <sys/resource.h>

/* Lowers the soft RLIMIT_NOFILE so that exactly @n_free more descriptors
 * can be opened (the lowest free numbers), saving the old limits in
 * @saved for tu_restore_fd_limit(). */
void     tu_limit_free_fds      (guint          n_free,
                                 struct rlimit *saved);
void     tu_restore_fd_limit    (const struct rlimit *saved);

/* The open descriptors of the process, each with the identity (device
 * and inode) of what it refers to: fd → "dev:ino". */
GHashTable *tu_fd_identities    (void);

/* Fails the test unless every descriptor of @before is still open and
 * refers to the same file, and no other descriptor is open. */
#define tu_assert_fds_unchanged(before) \
  tu_fds_assert_unchanged_at ((before), __FILE__, __LINE__, G_STRFUNC)
void     tu_fds_assert_unchanged_at (GHashTable *before,
                                     const char *file,
                                     int         line,
                                     const char *func);

/* ---- added for tests that run build-tree files as another user ------ */

/* Whether @uid, with group @gid, no supplementary groups and no
 * capabilities, can reach @path: search every directory on the way and
 * execute @path itself (search it, for a directory). Decided by trying:
 * a forked child becomes that user and calls access(). A checkout in a
 * directory only its owner can enter (/root, mode 0700, or a mktemp -d
 * directory) is closed to other users, and to root without
 * CAP_DAC_OVERRIDE when someone else owns it. On FALSE, @why (if not
 * NULL) says which directory is closed, or why the check could not run. */
gboolean tu_uid_can_reach       (uid_t        uid,
                                 gid_t        gid,
                                 const char  *path,
                                 char       **why);

/* A path of the program @path that @uid (as for tu_uid_can_reach()) can
 * execute: @path itself, or else a copy in a new temporary directory
 * that it can reach, returned in @copy_dir (remove it with
 * tu_remove_copy_dir()); with a copy, @why says why @path itself would
 * not do. Returns NULL with @why set when no copy will do either. Copy
 * only programs that need nothing else from their tree: no RUNPATH to a
 * library beside them, no data files found relative to them. */
char    *tu_reachable_path      (uid_t        uid,
                                 gid_t        gid,
                                 const char  *path,
                                 char       **copy_dir,
                                 char       **why);

/* Copies the program @path into the directory @dir (mode 0755) and
 * returns the copy's path. */
char    *tu_copy_program        (const char  *path,
                                 const char  *dir);

/* Removes a directory that tu_reachable_path() made, with its copy. */
void     tu_remove_copy_dir     (const char  *copy_dir);

/* ---- a test's own process, with TAP output --------------------------- */

/* A test that checks on a child of its own has two branches: the child's,
 * taken when g_test_subprocess() is TRUE, and the parent's, which runs
 * g_test_trap_subprocess (NULL, ...). The child runs the same test path
 * with -p, and GLib's -p also runs every test below that path: a test
 * that traps (or uses tu_self_run()) must be a leaf of the test tree.
 *
 * Trap children run with -q and without TAP, so they print neither skip
 * reasons nor g_test_fail_printf() messages. For those, tu_self_run()
 * runs the current test in a new process of this program with TAP
 * output; tu_test_subprocess() is TRUE there as in a trap child. */
typedef struct
{
  char *out;
  char *err;
  int wait_status;
} TuSelfRun;

/* Runs the current test again in a new process of this program (--tap
 * --keep-going -p PATH), where tu_test_subprocess() is TRUE, and collects
 * its output and wait status in @run. @env: NULL-terminated "NAME=VALUE"
 * to set, or "NAME" to unset, in the child's environment;
 * SPACETEST_REQUIRE is unset unless @env sets it (the child decides).
 * @child_setup as for g_spawn_sync(). */
void     tu_self_run            (TuSelfRun            *run,
                                 const char * const   *env,
                                 GSpawnChildSetupFunc  child_setup);
void     tu_self_run_clear      (TuSelfRun            *run);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TuSelfRun, tu_self_run_clear)

/* The exit status of a tu_self_run() child (that must have exited). */
int      tu_self_run_exit_code  (const TuSelfRun      *run);

/* Whether this process is the child of the current test: a trap child
 * (g_test_subprocess()) or one tu_self_run() started. */
gboolean tu_test_subprocess     (void);

/* Whether this process is a tu_self_run() child running @test_path; for
 * main(), before spacetest_test_init(), when the child must be prepared
 * before it. */
gboolean tu_is_self_run_of      (const char *test_path);

/* ---- other processes --------------------------------------------------- */

/* The state letter of a process (from /proc/PID/stat), and its parent in
 * *@ppid (if not NULL); 0 if there is no such process. */
char     tu_process_state       (pid_t       pid,
                                 pid_t      *ppid);

/* Whether /proc/@pid is gone (a zombie is not). */
gboolean tu_process_gone        (pid_t       pid);

/* Whether @pid is one of this process's (unreaped) children. */
gboolean tu_is_our_child        (pid_t       pid);

/* The number of open descriptors of the process @pid. */
guint    tu_count_proc_fds      (pid_t       pid);

/* pidfd_open(2): a descriptor of the process @pid, or -1 with errno. */
int      tu_pidfd_open          (pid_t       pid);

/* Runs the current test's trap child, for a test whose failure may be a
 * critical warning or a crash: a failure fails this test, saying @what
 * went wrong, without aborting the whole program, so that the other
 * tests still run. For programs started with tu_keep_going(). */
void     tu_trap_expect_pass    (const char *what);

/* Puts --keep-going first in the arguments, for programs whose failing
 * tests (see tu_trap_expect_pass()) should not keep the others from
 * running. Returns the new vector, which *@argv then is: free it (not
 * its strings) with g_free() after g_test_run(). */
char   **tu_keep_going          (int        *argc,
                                 char     ***argv);

G_END_DECLS
