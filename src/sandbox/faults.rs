//! Bad days on demand: a token-bucket rate limit (429 with `Retry-After`), latency, and seeded random faults
//! (500/502/503 answers and dropped connections), half of them *after* the change was stored so client
//! retries meet already-applied changes, as on real networks.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Fault settings (all off by default).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Probability (0..=1) of answering 500, 502 or 503.
    pub fail_rate: f64,
    /// Probability (0..=1) of closing the connection without an answer.
    pub drop_rate: f64,
    /// Delay before answering, drawn uniformly from `min..=max`.
    pub latency: Option<(Duration, Duration)>,
    /// Requests per second before 429.
    pub rate_limit: Option<u32>,
    /// Seed of the fault draws, for reproducible rehearsals.
    pub seed: u64,
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    None,
    /// Answer with this status without storing.
    FailBefore(u16),
    /// Store, then answer with this status.
    FailAfter(u16),
    DropBefore,
    DropAfter,
}

pub(crate) struct FaultState {
    cfg: Faults,
    rng: Mutex<StdRng>,
    limiter: Option<DefaultDirectRateLimiter>,
}

impl FaultState {
    pub fn new(cfg: &Faults) -> Self {
        FaultState {
            cfg: cfg.clone(),
            rng: Mutex::new(StdRng::seed_from_u64(cfg.seed)),
            limiter: cfg
                .rate_limit
                .and_then(NonZeroU32::new)
                .map(|n| RateLimiter::direct(Quota::per_second(n))),
        }
    }

    /// `Err(seconds to wait)` when the request is over the rate limit.
    pub fn admit(&self) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter.check().map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    pub fn latency(&self) -> Option<Duration> {
        let (min, max) = self.cfg.latency?;
        if min == max {
            return Some(min);
        }
        let ms = super::lock(&self.rng).random_range(min.as_millis()..=max.as_millis());
        Some(Duration::from_millis(ms as u64))
    }

    pub fn draw(&self) -> Fault {
        if self.cfg.fail_rate <= 0.0 && self.cfg.drop_rate <= 0.0 {
            return Fault::None;
        }
        let mut rng = super::lock(&self.rng);
        let r: f64 = rng.random();
        let after = rng.random_bool(0.5);
        if r < self.cfg.fail_rate {
            let status = [500, 502, 503][rng.random_range(0..3)];
            if after {
                Fault::FailAfter(status)
            } else {
                Fault::FailBefore(status)
            }
        } else if r < self.cfg.fail_rate + self.cfg.drop_rate {
            if after {
                Fault::DropAfter
            } else {
                Fault::DropBefore
            }
        } else {
            Fault::None
        }
    }
}
