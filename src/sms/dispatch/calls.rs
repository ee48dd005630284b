//! Call events from modem lines, turned into writes of the calls table;
//! each is a fact on the bus once committed. Logs name callers only masked.

use crate::bus::{Bus, Fact};
use crate::store::WriteOp;
use switchboard_protocol::{Caller, Event, HandlerId};

/// The write for a call event; `None` for other events.
pub fn call_op(handler: &HandlerId, event: Event, bus: &Bus) -> Option<WriteOp> {
    let name = handler.clone();
    let (bus, on_line) = (bus.clone(), handler.clone());
    match event {
        Event::CallIncoming {
            call,
            caller,
            line,
            at,
        } => {
            tracing::info!(line = %handler, %call, caller = %masked(&caller), "incoming call");
            Some(WriteOp::CallIncoming {
                handler: name,
                call,
                caller,
                line,
                at: crate::store::system_ms(at),
                done: Box::new(move |r| match r {
                    Ok(row) => bus.publish(Fact::CallStarted {
                        call: row,
                        line: on_line,
                    }),
                    Err(e) => tracing::error!(error = %e, %call, "cannot store an incoming call"),
                }),
            })
        }
        Event::CallMissed(m) => {
            tracing::info!(
                line = %handler,
                call = %m.call,
                caller = %masked(&m.caller),
                rings = m.rings,
                rejected = m.rejected,
                "missed call"
            );
            let call = m.call;
            Some(WriteOp::CallMissed {
                handler: name,
                call: m,
                done: Box::new(move |r| match r {
                    Ok(row) => bus.publish(Fact::CallMissed {
                        call: row,
                        line: on_line,
                    }),
                    Err(e) => tracing::error!(error = %e, %call, "cannot store a missed call"),
                }),
            })
        }
        Event::CallProgress { call, progress, at } => {
            tracing::debug!(line = %handler, %call, ?progress, "call progress");
            Some(WriteOp::CallProgress {
                handler: name,
                call,
                progress,
                at: crate::store::system_ms(at),
                done: Box::new(move |r| match r {
                    Ok(Some(row)) => bus.publish(Fact::CallProgressed {
                        call: row,
                        line: on_line,
                    }),
                    Ok(None) => {}
                    Err(e) => tracing::error!(error = %e, %call, "cannot store a call's progress"),
                }),
            })
        }
        _ => None,
    }
}

fn masked(c: &Caller) -> String {
    match c {
        Caller::Number(a) => format!("{a:?}"),
        Caller::Withheld => "withheld".into(),
        Caller::Unavailable => "unavailable".into(),
    }
}
