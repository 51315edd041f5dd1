//! The trace's words for outcomes and values.

use crate::trace::Outcome;

pub(super) fn value_text(value: Option<u64>) -> String {
    match value {
        Some(v) => format!("value {v}"),
        None => "no row yet".to_owned(),
    }
}

pub(super) fn outcome_reason(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Served {
            status,
            backend,
            stale,
        } => {
            let via = backend
                .as_deref()
                .map(|b| format!(" (served by {b})"))
                .unwrap_or_default();
            let stale = if *stale { ", stale data" } else { "" };
            format!("the browser receives {status}{via}{stale}")
        }
        Outcome::Dropped { host, .. } => format!("dropped at {host}: the browser times out"),
        Outcome::Refused { place, .. } => {
            format!("refused at {place}: the browser shows an error at once")
        }
        Outcome::TimedOut { place, .. } => format!("no answer from {place}: the browser times out"),
        Outcome::NoServer { place } => format!("{place} answers 503 Service Unavailable"),
        Outcome::Failed { status, place, .. } => format!("{place} fails the request ({status})"),
    }
}
