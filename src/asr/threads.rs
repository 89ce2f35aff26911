//! How many threads a transcription uses when the user does not say.
//!
//! whisper.cpp's thread pool spins while its threads wait for each other, so
//! every step goes at the pace of its slowest thread. With one of them on a
//! core another process keeps busy, a 60 s file that takes 2.3 s on two
//! idle cores took 35-123 s. A transcription therefore uses only the cores
//! other processes leave idle, measured from `/proc/stat` as it starts.

use std::time::Duration;

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
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    match busy_cores(SAMPLE) {
        Some(busy) => threads_left(cores, busy),
        None => cores.min(MAX_THREADS),
    }
}

/// Threads that fit on `cores` when other processes keep `busy` cores'
/// worth of them busy.
pub fn threads_left(cores: usize, busy: f64) -> usize {
    let taken = (busy - TAKEN_ABOVE).ceil().max(0.0) as usize;
    cores.saturating_sub(taken).clamp(1, MAX_THREADS)
}

/// Cores' worth of CPU time all processes used over `sample` (this one
/// sleeps meanwhile), or `None` where `/proc/stat` cannot be read.
fn busy_cores(sample: Duration) -> Option<f64> {
    let before = read_stat()?;
    std::thread::sleep(sample);
    let after = read_stat()?;
    let total = after.total.checked_sub(before.total)?;
    let idle = after.idle.checked_sub(before.idle)?;
    (total > 0).then(|| (total - idle.min(total)) as f64 / total as f64 * after.cores as f64)
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
    fn this_machine_gives_between_one_thread_and_all_its_cores() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let threads = idle_threads();
        assert!((1..=cores.min(MAX_THREADS)).contains(&threads), "{threads}");
    }
}
