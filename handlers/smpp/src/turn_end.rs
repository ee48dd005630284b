//! The end of the runtime's current turn: the point after which tokio next
//! polls the sockets. Output held until then leaves in one write however
//! often its task runs within the turn (each submit, each report's
//! response wakes the connection task again).

use futures::task::AtomicWaker;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Wake, Waker};

#[derive(Debug, Default)]
pub struct TurnEnd {
    /// Set while waiting for a turn to end.
    armed: Option<Arc<Signal>>,
}

#[derive(Debug, Default)]
struct Signal {
    ended: AtomicBool,
    task: AtomicWaker,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.ended.store(true, Ordering::Release);
        self.task.wake();
    }
}

impl TurnEnd {
    /// `true` once the turn in which this was first asked has ended (and
    /// then starts over); until then the task is woken when it ends.
    pub fn poll_ended(&mut self, cx: &mut Context<'_>) -> bool {
        if let Some(signal) = &self.armed {
            if signal.ended.load(Ordering::Acquire) {
                self.armed = None;
                return true;
            }
            signal.task.register(cx.waker());
            return false;
        }
        let signal = Arc::new(Signal::default());
        signal.task.register(cx.waker());
        // tokio's yield_now hands its waker to the scheduler, which wakes
        // it once it has polled the I/O driver (at once outside a runtime).
        let waker = Waker::from(signal.clone());
        let _ = pin!(tokio::task::yield_now()).poll(&mut Context::from_waker(&waker));
        self.armed = Some(signal);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_turn_ends_after_the_runtime_has_polled_its_sockets() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let mut turn = TurnEnd::default();
        assert!(!turn.poll_ended(&mut cx));
        // Within the same turn: still waiting, nobody woken.
        assert!(!turn.poll_ended(&mut cx));
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
        // Letting the runtime run a turn ends it and wakes the task once.
        tokio::task::yield_now().await;
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(turn.poll_ended(&mut cx));
        // And the next question starts a new turn.
        assert!(!turn.poll_ended(&mut cx));
    }

    #[test]
    fn outside_a_runtime_a_turn_ends_at_once() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let mut turn = TurnEnd::default();
        assert!(!turn.poll_ended(&mut cx));
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(turn.poll_ended(&mut cx));
    }
}
