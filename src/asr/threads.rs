//! How many threads a transcription uses when the user does not say.
//!
//! whisper.cpp's thread pool spins while its threads wait for each other, so
//! every step goes at the pace of its slowest thread. With one of them on a
//! core another process keeps busy, a 60 s file that takes 2.3 s on two
//! idle cores took 35-123 s. A transcription therefore uses only the cores
//! other processes leave idle, measured from `/proc/stat` as it starts.
//! A live meeting looks again between decodes ([`IdleCores`]), since what
//! else runs changes over an hour.

use std::time::{Duration, Instant};

/// Most threads worth using for the small models.
pub const MAX_THREADS: usize = 8;
/// How long the machine's load is sampled before a transcription.
const SAMPLE: Duration = Duration::from_millis(150);
/// A core counts as taken once other processes use more than this much of
/// it (on top of whole cores).
const TAKEN_ABOVE: f64 = 0.25;

/// Threads for a transcription that starts now: the cores other processes
/// leave idle over the next 150 ms, at least 1, at most [`MAX_THREADS`].
/// Where the load cannot be read (not Linux), all cores.
pub fn idle_threads() -> usize {
    match busy_cores(SAMPLE) {
        Some(busy) => threads_left(cores(), busy),
        None => cores().min(MAX_THREADS),
    }
}

/// Cores this process may run on.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Threads that fit on `cores` when other processes keep `busy` cores'
/// worth of them busy.
pub fn threads_left(cores: usize, busy: f64) -> usize {
    let taken = (busy - TAKEN_ABOVE).ceil().max(0.0) as usize;
    cores.saturating_sub(taken).clamp(1, MAX_THREADS)
}

/// Threads for a live meeting's decodes, chosen again between them: the
/// cores other processes (not this one) left idle since the last look, so
/// a build started during the meeting takes a thread away and gives it back
/// when it ends. Where the load cannot be read, the threads it started with.
#[derive(Debug)]
pub struct IdleCores {
    cores: usize,
    threads: usize,
    last: Option<Look>,
}

/// The machine's and this process's CPU time at one moment.
#[derive(Debug)]
struct Look {
    at: Instant,
    stat: Stat,
    own: u64,
}

/// Shortest time between two looks: shorter ones measure noise.
const LOOK_EVERY: Duration = Duration::from_secs(1);

impl IdleCores {
    /// Starts with `threads` (chosen by [`idle_threads`] before the meeting
    /// started, say) until there is a second of load to go by.
    pub fn new(threads: usize) -> IdleCores {
        IdleCores {
            cores: cores(),
            threads,
            last: Look::now(),
        }
    }

    /// Threads for the decode that starts now.
    pub fn threads(&mut self) -> usize {
        if self
            .last
            .as_ref()
            .is_some_and(|last| last.at.elapsed() < LOOK_EVERY)
        {
            return self.threads;
        }
        let Some(look) = Look::now() else {
            return self.threads;
        };
        if let Some(busy) = self.last.as_ref().and_then(|last| others_busy(last, &look)) {
            self.threads = threads_left(self.cores, busy);
        }
        self.last = Some(look);
        self.threads
    }
}

impl Look {
    fn now() -> Option<Look> {
        Some(Look {
            at: Instant::now(),
            stat: read_stat()?,
            own: parse_own_ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)?,
        })
    }
}

/// Cores' worth of CPU time other processes used between two looks.
fn others_busy(before: &Look, after: &Look) -> Option<f64> {
    let own = after.own.checked_sub(before.own)?;
    cores_used(&before.stat, &after.stat, own)
}

/// This process's user and system time, in the ticks `/proc/stat` counts:
/// the 14th and 15th fields of `/proc/self/stat`, counted after the
/// command name (which may hold spaces and parentheses).
fn parse_own_ticks(text: &str) -> Option<u64> {
    let after_name = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Cores' worth of CPU time all processes used over `sample` (this one
/// sleeps meanwhile), or `None` where `/proc/stat` cannot be read.
fn busy_cores(sample: Duration) -> Option<f64> {
    let before = read_stat()?;
    std::thread::sleep(sample);
    cores_used(&before, &read_stat()?, 0)
}

/// Cores' worth of CPU time used from `before` to `after`, leaving out
/// `excluded` ticks (this process's own), or `None` when the counters went
/// back or no tick went by.
fn cores_used(before: &Stat, after: &Stat, excluded: u64) -> Option<f64> {
    let total = after.total.checked_sub(before.total)?;
    let idle = after.idle.checked_sub(before.idle)?;
    let busy = (total - idle.min(total)).saturating_sub(excluded);
    (total > 0).then(|| busy as f64 / total as f64 * after.cores as f64)
}

/// The machine's CPU time counters, summed over its cores, in ticks.
#[derive(Debug, PartialEq)]
struct Stat {
    total: u64,
    idle: u64,
    cores: usize,
}

fn read_stat() -> Option<Stat> {
    parse_stat(&std::fs::read_to_string("/proc/stat").ok()?)
}

/// Reads the `cpu` line (user, nice, system, idle, iowait, irq, softirq,
/// steal) and counts the `cpuN` lines.
fn parse_stat(text: &str) -> Option<Stat> {
    let mut lines = text.lines();
    let fields: Vec<u64> = lines
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .take(8)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    if fields.len() < 5 {
        return None;
    }
    let cores = lines
        .take_while(|l| l.starts_with("cpu"))
        .filter(|l| l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .count();
    Some(Stat {
        total: fields.iter().sum(),
        idle: fields[3] + fields[4],
        cores: cores.max(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_core_is_left_to_its_process() {
        assert_eq!(threads_left(2, 0.05), 2);
        assert_eq!(threads_left(2, 0.2), 2);
        // Half a core busy is enough to make the spinning pool wait.
        assert_eq!(threads_left(2, 0.5), 1);
        assert_eq!(threads_left(2, 1.0), 1);
        // Never none, never more than the models use.
        assert_eq!(threads_left(2, 3.0), 1);
        assert_eq!(threads_left(16, 0.0), MAX_THREADS);
        assert_eq!(threads_left(16, 9.9), 6);
    }

    #[test]
    fn the_cpu_lines_of_proc_stat_are_read() {
        let text = "cpu  100 5 50 800 20 3 2 0 0 0\n\
                    cpu0 50 2 25 400 10 1 1 0 0 0\n\
                    cpu1 50 3 25 400 10 2 1 0 0 0\n\
                    intr 12345\n";
        assert_eq!(
            parse_stat(text),
            Some(Stat {
                total: 980,
                idle: 820,
                cores: 2
            })
        );
        assert_eq!(parse_stat("intr 1\n"), None);
        assert_eq!(parse_stat("cpu  1 2 x 4 5\n"), None);
    }

    #[test]
    fn this_process_is_not_counted_as_load() {
        let look = |total, idle, own| Look {
            at: Instant::now(),
            stat: Stat {
                total,
                idle,
                cores: 2,
            },
            own,
        };
        // 200 ticks over 2 cores; 150 busy, 120 of them this process's.
        let busy = others_busy(&look(1000, 500, 40), &look(1200, 550, 160)).unwrap();
        assert!((busy - 0.3).abs() < 1e-9, "{busy}");
        assert_eq!(threads_left(2, busy), 1);
        // Only this process: nobody else's load.
        let busy = others_busy(&look(1000, 500, 40), &look(1200, 500, 240)).unwrap();
        assert_eq!(threads_left(2, busy), 2);
        // Counters that went back (a new boot's) give no figure.
        assert_eq!(others_busy(&look(1000, 500, 40), &look(900, 500, 40)), None);
    }

    #[test]
    fn own_ticks_are_read_after_the_command_name() {
        let text = "4242 (asr (x) y) S 1 4242 4242 0 -1 4194304 900 0 0 0 \
                    130 25 0 0 20 0 5 0 100 1000 200";
        assert_eq!(parse_own_ticks(text), Some(155));
        assert_eq!(parse_own_ticks("4242 (short) S 1"), None);
        let live = std::fs::read_to_string("/proc/self/stat").unwrap();
        assert!(parse_own_ticks(&live).is_some(), "{live}");
    }

    #[test]
    fn a_live_look_reads_the_machine_and_this_process() {
        let mut idle = IdleCores::new(1);
        assert_eq!(idle.threads(), 1, "no second of load to go by yet");
        let first = Look::now().expect("/proc is readable");
        std::thread::sleep(Duration::from_millis(100));
        let busy = others_busy(&first, &Look::now().unwrap()).expect("ticks went by");
        assert!((0.0..=first.stat.cores as f64).contains(&busy), "{busy}");
    }

    #[test]
    fn this_machine_gives_between_one_thread_and_all_its_cores() {
        let threads = idle_threads();
        assert!(
            (1..=cores().min(MAX_THREADS)).contains(&threads),
            "{threads}"
        );
    }
}
