//! Telling a quiet room from a dead device.
//!
//! A microphone in a silent room still delivers samples (of silence); a
//! device that was unplugged, suspended or hung delivers none. So the test
//! is the sample counter the callback advances, not the signal level.

use std::time::{Duration, Instant};

/// Watches a monotonically increasing sample counter and reports when it has
/// not moved for longer than a limit.
///
/// The caller passes the clock in, so the logic is testable without waiting.
#[derive(Debug, Clone)]
pub struct StallDetector {
    /// Silence longer than this is a stall.
    limit: Duration,
    /// Counter value at the last observation.
    last_count: u64,
    /// When the counter last moved (or when watching started).
    last_progress: Instant,
}

impl StallDetector {
    /// Starts watching at `now`, with the counter at `count`. The device
    /// gets the full `limit` to deliver its first samples.
    pub fn new(limit: Duration, count: u64, now: Instant) -> Self {
        StallDetector {
            limit,
            last_count: count,
            last_progress: now,
        }
    }

    /// Records the counter's value at `now`. Returns how long the counter
    /// has stood still if that exceeds the limit, `None` otherwise.
    pub fn observe(&mut self, count: u64, now: Instant) -> Option<Duration> {
        if count != self.last_count {
            self.last_count = count;
            self.last_progress = now;
            return None;
        }
        let idle = now.saturating_duration_since(self.last_progress);
        (idle > self.limit).then_some(idle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Duration = Duration::from_millis(1_500);

    #[test]
    fn progress_is_never_a_stall() {
        let start = Instant::now();
        let mut detector = StallDetector::new(LIMIT, 0, start);
        for step in 1..100_u64 {
            let now = start + Duration::from_secs(step);
            assert_eq!(detector.observe(step * 480, now), None);
        }
    }

    #[test]
    fn no_samples_past_the_limit_is_a_stall() {
        let start = Instant::now();
        let mut detector = StallDetector::new(LIMIT, 0, start);
        assert_eq!(
            detector.observe(0, start + Duration::from_millis(1_000)),
            None
        );
        assert_eq!(
            detector.observe(0, start + Duration::from_millis(1_500)),
            None
        );
        assert_eq!(
            detector.observe(0, start + Duration::from_millis(1_600)),
            Some(Duration::from_millis(1_600))
        );
    }

    #[test]
    fn the_clock_restarts_when_samples_resume() {
        let start = Instant::now();
        let mut detector = StallDetector::new(LIMIT, 0, start);
        assert!(detector
            .observe(0, start + Duration::from_secs(2))
            .is_some());
        assert_eq!(detector.observe(960, start + Duration::from_secs(3)), None);
        assert_eq!(detector.observe(960, start + Duration::from_secs(4)), None);
        assert_eq!(
            detector.observe(960, start + Duration::from_secs(5)),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn a_clock_going_backwards_is_not_a_stall() {
        let start = Instant::now() + Duration::from_secs(10);
        let mut detector = StallDetector::new(LIMIT, 5, start);
        assert_eq!(detector.observe(5, start - Duration::from_secs(5)), None);
    }
}
