//! The threads guests run on: a blocking pool of their own, at a lower operating-system
//! priority than the threads that serve HTTP and talk to the database.
//!
//! Why a pool of their own: the gate bounds how many guests run at once, but on a machine with
//! two cores even eight guests of one plugin spinning to their deadline took all of both cores;
//! at the same priority as tokio's workers, the workers waited their turn behind them, so a
//! neighbour's request (parsing, the gate, the answer) and its timers waited too — 540× its
//! quiet p99 in the plugin benchmark. At nice 10 a spinning guest weighs about a tenth of a
//! worker for the scheduler: the workers run when they have work and the guests get the rest.
//! A short guest that wakes (a neighbour's no-op view) is still scheduled promptly, because the
//! scheduler favours threads that were sleeping over threads that spin.
//!
//! Why not lower the priority of tokio's shared blocking pool per call: raising it back needs a
//! privilege a service does not have, so a thread once lowered would stay low for whatever
//! blocking work it did next. These threads only ever run guests, so they are lowered once.

use std::sync::OnceLock;

/// How much lower than the server's own threads guests run, in nice steps (0 is the default,
/// 19 the lowest priority). Relative, so a server started under `nice` keeps its guests below
/// its workers instead of raising them to an absolute value.
const GUEST_NICE_STEP: i32 = 10;

/// The lowest priority there is.
const NICE_MAX: i32 = 19;

/// The runtime whose blocking pool runs guests. Its own worker is idle: the guests' futures are
/// driven with the caller's runtime handle (database I/O and timers live there).
fn pool() -> &'static tokio::runtime::Runtime {
    static POOL: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    POOL.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            // The gate admits at most the instance pool's size at once; a few more threads
            // cover calls whose slot was freed while their thread winds down.
            .max_blocking_threads(crate::runtime::POOL_INSTANCES as usize + 8)
            .thread_name("plugin-guest")
            .on_thread_start(lower_priority)
            .enable_time()
            .build()
            .expect("building the plugin guests' thread pool")
    })
}

/// Runs `f` on a guest thread; like `tokio::task::spawn_blocking`.
pub fn spawn<F, R>(f: F) -> tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    pool().spawn_blocking(f)
}

/// Lowers the calling thread's scheduling priority (Linux: nice is per thread). A failure only
/// costs fairness, never correctness, so it is logged and the thread goes on.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls on the calling thread; no memory is shared with them.
        // A new thread starts at the nice value of the thread that made it, the server's.
        let rc = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            let own = libc::getpriority(libc::PRIO_PROCESS, tid);
            libc::setpriority(
                libc::PRIO_PROCESS,
                tid,
                (own + GUEST_NICE_STEP).min(NICE_MAX),
            )
        };
        if rc != 0 {
            tracing::debug!(
                error = %std::io::Error::last_os_error(),
                "could not lower a plugin guest thread's priority"
            );
        }
    }
}

/// This thread's nice value (Linux), for tests.
#[cfg(all(test, target_os = "linux"))]
fn current_nice() -> i32 {
    // SAFETY: a plain system call on the calling thread.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::getpriority(libc::PRIO_PROCESS, tid)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn guests_run_below_the_workers_priority() {
        let worker = current_nice();
        let guest = spawn(current_nice).await.unwrap();
        assert_eq!(
            guest,
            (worker + GUEST_NICE_STEP).min(NICE_MAX),
            "guest {guest}, worker {worker}"
        );
        // And the caller's thread kept its own.
        assert_eq!(current_nice(), worker);
    }
}
