//! Where `joblint serve` writes its logs: lines gathered in memory and written to stderr by a
//! thread of their own, a batch at a time.
//!
//! Writing each decision's line from the request thread cost the webhook about 15% of its
//! throughput under load (BENCHMARKS.md, session 9): not the formatting but the write itself, and
//! the wakeup of the log reader (the container runtime) that each write to a pipe causes. A
//! writer thread that flushes whenever its queue runs dry (tracing-appender's non-blocking
//! writer) still wrote about one line per write under load, and gained nothing measurable.
//!
//! Here a request thread appends its line to a buffer; the writer thread, woken by the first line
//! of a batch, waits [`BATCH_WINDOW`] for more and writes the batch with one `write`. Idle, the
//! writer sleeps; a line reaches stderr at most [`BATCH_WINDOW`] after it was logged. If stderr
//! is not read and [`MAX_PENDING`] bytes wait, further lines are dropped (and counted in a
//! warning once stderr moves again) rather than requests held up or memory grown.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long the writer gathers lines after the first one of a batch.
pub const BATCH_WINDOW: Duration = Duration::from_millis(50);
/// Bytes of log lines that may wait for a slow reader before lines are dropped.
pub const MAX_PENDING: usize = 8 << 20;

#[derive(Default)]
struct State {
    lines: Vec<u8>,
    /// Lines dropped since the last batch went out.
    dropped: u64,
    closed: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled by the first line of a batch, and on close.
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves a byte buffer, which is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The `MakeWriter` for the log subscriber; cheap to clone.
#[derive(Clone)]
pub struct BatchedStderr {
    shared: Arc<Shared>,
}

/// Writes the lines still waiting and stops the writer thread when dropped.
pub struct FlushOnDrop {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Starts the writer thread.
pub fn batched_stderr() -> (BatchedStderr, FlushOnDrop) {
    batched(std::io::stderr())
}

fn batched(mut out: impl Write + Send + 'static) -> (BatchedStderr, FlushOnDrop) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        wake: Condvar::new(),
    });
    let writer = Arc::clone(&shared);
    let thread = std::thread::Builder::new()
        .name("log-writer".to_owned())
        .spawn(move || write_batches(&writer, &mut out))
        .ok();
    if thread.is_none() {
        // No writer thread: each line goes straight to stderr, as after shutdown.
        shared.lock().closed = true;
    }
    (
        BatchedStderr {
            shared: Arc::clone(&shared),
        },
        FlushOnDrop { shared, thread },
    )
}

fn write_batches(shared: &Shared, out: &mut impl Write) {
    let mut batch = Vec::new();
    loop {
        let (dropped, closed) = {
            let mut state = shared.lock();
            while state.lines.is_empty() && state.dropped == 0 && !state.closed {
                state = shared
                    .wake
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if !state.closed {
                // Gather the rest of the batch (a close cuts the wait short).
                state = shared
                    .wake
                    .wait_timeout(state, BATCH_WINDOW)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            std::mem::swap(&mut batch, &mut state.lines);
            (std::mem::take(&mut state.dropped), state.closed)
        };
        // Errors are ignored: there is nowhere else to report them.
        let _ = out.write_all(&batch);
        let _ = out.flush();
        batch.clear();
        if dropped > 0 {
            // Goes out with the next batch, in the subscriber's format.
            tracing::warn!(
                dropped,
                "log lines dropped: stderr was not read fast enough"
            );
        }
        if closed {
            let state = shared.lock();
            let _ = out.write_all(&state.lines);
            let _ = out.flush();
            return;
        }
    }
}

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One log line's write: appends to the batch.
pub struct Line<'a> {
    shared: &'a Shared,
}

impl Write for Line<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let mut state = self.shared.lock();
        if state.closed {
            // After shutdown (a line from a thread still running): straight through.
            drop(state);
            return std::io::stderr().write(data);
        }
        if state.lines.len() + data.len() > MAX_PENDING {
            state.dropped += 1;
            return Ok(data.len());
        }
        let first = state.lines.is_empty();
        state.lines.extend_from_slice(data);
        drop(state);
        if first {
            self.shared.wake.notify_one();
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchedStderr {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Line<'a> {
        Line {
            shared: &self.shared,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// A writer whose output the test can read while the writer thread runs.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<(Vec<u8>, usize)>>);

    impl Write for Sink {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            let mut sink = self.0.lock().unwrap();
            sink.0.extend_from_slice(data);
            sink.1 += 1;
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_go_out_in_batches_soon_after_they_are_logged() {
        let sink = Sink::default();
        let (make, guard) = batched(sink.clone());
        for i in 0..100 {
            writeln!(make.make_writer(), "line {i}").unwrap();
        }
        let logged = Instant::now();
        while sink.0.lock().unwrap().0.is_empty() {
            assert!(logged.elapsed() < Duration::from_secs(5), "nothing written");
            std::thread::sleep(Duration::from_millis(5));
        }
        let (text, writes) = sink.0.lock().unwrap().clone();
        let text = String::from_utf8(text).unwrap();
        assert!(text.starts_with("line 0\nline 1\n"), "{text}");
        // A hundred lines logged at once go out in one write, or very few.
        assert!(writes <= 2, "{writes} writes");
        writeln!(make.make_writer(), "last").unwrap();
        drop(guard);
        let text = String::from_utf8(sink.0.lock().unwrap().0.clone()).unwrap();
        assert_eq!(text.lines().count(), 101);
        assert!(text.ends_with("line 99\nlast\n"), "{text}");
    }

    #[test]
    fn a_reader_that_never_reads_costs_lines_not_memory() {
        let shared = Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
        };
        let mut line = Line { shared: &shared };
        let text = [b'x'; 1000];
        for _ in 0..(MAX_PENDING / text.len() + 10) {
            line.write_all(&text).unwrap();
        }
        let state = shared.lock();
        assert!(state.lines.len() <= MAX_PENDING);
        assert_eq!(state.dropped, 10);
    }
}
