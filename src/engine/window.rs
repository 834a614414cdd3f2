//! The congestion window: how many requests may be in flight right now. Additive increase (one more per
//! window's worth of successes), multiplicative decrease (halve) when the server says 429 or 409, the way TCP
//! backs off. The limit never grows past `--concurrency` and never falls below one.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// Several 429s from one burst count as one signal: cuts closer together than this are ignored.
const CUT_COOLDOWN: Duration = Duration::from_millis(200);

#[derive(Debug)]
struct State {
    limit: f64,
    in_use: usize,
    last_cut: Option<Instant>,
}

#[derive(Debug)]
pub struct Window {
    max: usize,
    state: Mutex<State>,
    notify: Notify,
}

/// A request slot; dropping it frees the slot.
pub struct Slot<'a>(&'a Window);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        {
            let mut s = self.0.lock();
            s.in_use = s.in_use.saturating_sub(1);
        }
        // One slot freed: wake one waiter (FIFO), not all of them — thousands of units may be waiting, and
        // waking them all for every answer costs more CPU than the requests. A waiter that finds the slot
        // taken (or the window shrunk) waits again; every release wakes someone, so none is forgotten.
        self.0.notify.notify_one();
    }
}

impl Window {
    pub fn new(max: usize) -> Self {
        let max = max.max(1);
        Window {
            max,
            state: Mutex::new(State {
                limit: max as f64,
                in_use: 0,
                last_cut: None,
            }),
            notify: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means another task panicked mid-update of plain numbers; they stay usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Current limit (whole requests).
    pub fn limit(&self) -> usize {
        (self.lock().limit.floor() as usize).max(1)
    }

    pub fn in_use(&self) -> usize {
        self.lock().in_use
    }

    pub async fn acquire(&self) -> Slot<'_> {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut s = self.lock();
                if s.in_use < (s.limit.floor() as usize).max(1) {
                    s.in_use += 1;
                    return Slot(self);
                }
            }
            notified.await;
        }
    }

    /// A request succeeded: grow by one slot per window of successes.
    pub fn on_success(&self) {
        let grew = {
            let mut s = self.lock();
            let before = s.limit.floor();
            s.limit = (s.limit + 1.0 / s.limit).min(self.max as f64);
            s.limit.floor() > before
        };
        if grew {
            self.notify.notify_waiters();
        }
    }

    /// The server pushed back (429/409): halve, at most once per cooldown.
    pub fn on_pushback(&self) {
        let mut s = self.lock();
        let now = Instant::now();
        if s.last_cut
            .is_some_and(|t| now.duration_since(t) < CUT_COOLDOWN)
        {
            return;
        }
        s.last_cut = Some(now);
        s.limit = (s.limit / 2.0).max(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn halves_on_pushback_and_grows_back() {
        let w = Window::new(8);
        assert_eq!(w.limit(), 8);
        w.on_pushback();
        assert_eq!(w.limit(), 4);
        w.on_pushback(); // same burst: ignored
        assert_eq!(w.limit(), 4);
        for _ in 0..40 {
            w.on_success();
        }
        assert_eq!(w.limit(), 8);
        let a = w.acquire().await;
        assert_eq!(w.in_use(), 1);
        drop(a);
        assert_eq!(w.in_use(), 0);
    }

    #[tokio::test]
    async fn waits_for_a_free_slot() {
        let w = std::sync::Arc::new(Window::new(1));
        let first = w.acquire().await;
        let w2 = w.clone();
        let waiter = tokio::spawn(async move {
            let _s = w2.acquire().await;
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(first);
        waiter.await.unwrap();
    }
}
