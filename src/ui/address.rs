//! The page's address fragment, both ways: what a fragment asks for ([`parse_fragment`],
//! `#stage=3&send=https-read&hop=12&tab=findings&load=…`) and the fragment that describes
//! what is on screen ([`address`]). A shared design (`#design=…`) is read by
//! [`Document::from_fragment`](crate::ui::document::Document::from_fragment), load test
//! settings by [`LoadSettings::from_fragment`].

use crate::sim::presets;
use crate::sim::trace::{RequestKind, RequestSpec};
use crate::ui::load_run::{LinkSettingsError, LoadSettings};
use crate::ui::state::{Action, PlaybackAction, Refusal, Tab, ViewAction, WorkAction, WorldAction};

/// What the page's address fragment asks for: `#stage=3&send=https-read&hop=12`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fragment {
    /// Load test settings (`load=rps:200,s:20,…`, see [`LoadSettings::to_fragment`]), or why
    /// they could not be read.
    pub load_test: Option<Result<LoadSettings, LinkSettingsError>>,
    pub stage: Option<u8>,
    /// A request to send as soon as the page opens.
    pub send: Option<RequestSpec>,
    /// Play that request from this hop (1 is the first) instead of from the start.
    pub hop: Option<usize>,
    /// The view to open in the side area.
    pub tab: Option<Tab>,
}

impl Fragment {
    /// The actions that open the page as the fragment asks.
    pub fn actions(self) -> Vec<Action> {
        let mut out = Vec::new();
        if let Some(n) = self.stage {
            out.push(WorkAction::SelectStage(n).into());
        }
        if let Some(tab) = self.tab {
            out.push(ViewAction::ShowTab(tab).into());
        }
        match self.load_test {
            Some(Ok(settings)) => {
                out.push(crate::ui::state::LoadTestAction::SetSettings(settings).into())
            }
            Some(Err(err)) => out.push(Refusal::LinkLoadSettings(err).into()),
            None => {}
        }
        if let Some(spec) = self.send {
            out.push(WorldAction::Send(spec).into());
            if let Some(hop) = self.hop {
                out.extend([
                    PlaybackAction::ShowHop(hop - 1).into(),
                    PlaybackAction::Play.into(),
                ]);
            }
        }
        out
    }
}

/// Reads the address fragment; unknown or malformed parts are ignored.
///
/// `stage=N` opens stage N; `send=PROTO-KIND` (`http` or `https`, then `static`, `read` or
/// `write`) sends one request on load, e.g. `#stage=3&send=https-read`; `hop=N` plays it from
/// its Nth hop (a link to a moment of a request); `tab=findings` (or `reach`, `export`,
/// `request`) opens that view of the side area.
pub fn parse_fragment(fragment: &str) -> Fragment {
    let mut out = Fragment::default();
    for part in fragment.trim_start_matches('#').split('&') {
        if let Some(value) = part.strip_prefix("stage=") {
            out.stage = value.parse().ok().filter(|n| presets::stage(*n).is_some());
        } else if let Some(value) = part.strip_prefix("send=") {
            out.send = parse_send(value);
        } else if let Some(value) = part.strip_prefix("hop=") {
            out.hop = value.parse().ok().filter(|n| *n >= 1);
        } else if let Some(value) = part.strip_prefix("tab=") {
            out.tab = Tab::from_key(value);
        } else if part.starts_with("load=") {
            out.load_test = Some(LoadSettings::from_fragment(part));
        }
    }
    out
}

fn parse_send(value: &str) -> Option<RequestSpec> {
    let (proto, kind) = value.split_once('-')?;
    let https = match proto {
        "http" => false,
        "https" => true,
        _ => return None,
    };
    let kind = match kind {
        "static" => RequestKind::Static,
        "read" => RequestKind::Read,
        "write" => RequestKind::Write,
        _ => return None,
    };
    Some(RequestSpec::new(kind, https))
}

/// Reads `#stage=N` (the page's address fragment); anything else is ignored.
pub fn parse_stage_fragment(fragment: &str) -> Option<u8> {
    parse_fragment(fragment).stage
}

/// The address fragment that describes what is on screen, as far as an address can: the
/// preset the design still is, the side tab and the load test settings.
pub fn address(stage: Option<u8>, tab: Tab, load_test: Option<&LoadSettings>) -> String {
    let mut parts = Vec::new();
    if let Some(n) = stage {
        parts.push(format!("stage={n}"));
    }
    if tab != Tab::Request {
        parts.push(format!("tab={}", tab.key()));
    }
    if let Some(settings) = load_test {
        parts.push(settings.to_fragment());
    }
    parts.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_fragment_parses_only_known_stages() {
        assert_eq!(parse_stage_fragment("#stage=3"), Some(3));
        assert_eq!(parse_stage_fragment("stage=0"), Some(0));
        assert_eq!(parse_stage_fragment("#stage=4"), None);
        assert_eq!(parse_stage_fragment("#stage=-1"), None);
        assert_eq!(parse_stage_fragment("#<script>"), None);
        assert_eq!(parse_stage_fragment(""), None);
    }

    #[test]
    fn fragment_may_ask_to_send_a_request_on_load() {
        assert_eq!(
            parse_fragment("#stage=3&send=https-read"),
            Fragment {
                stage: Some(3),
                send: Some(RequestSpec::new(RequestKind::Read, true)),
                hop: None,
                tab: None,
                load_test: None,
            }
        );
        assert_eq!(
            parse_fragment("#stage=3&send=https-read&hop=12").hop,
            Some(12)
        );
        assert_eq!(parse_fragment("#hop=0").hop, None);
        assert_eq!(parse_fragment("#hop=x").hop, None);
        assert_eq!(
            parse_fragment("send=http-write").send,
            Some(RequestSpec::new(RequestKind::Write, false))
        );
        assert_eq!(parse_fragment("#stage=1&send=ftp-read").send, None);
        assert_eq!(parse_fragment("#send=https-delete").send, None);
        assert_eq!(parse_fragment("#stage=1&send=").stage, Some(1));
    }

    #[test]
    fn tabs_are_read_by_key() {
        assert_eq!(parse_fragment("#stage=2&tab=reach").tab, Some(Tab::Reach));
        assert_eq!(parse_fragment("#tab=nope").tab, None);
    }

    #[test]
    fn the_address_names_the_stage_the_tab_and_the_load_test() {
        assert_eq!(address(Some(2), Tab::Request, None), "stage=2");
        assert_eq!(address(None, Tab::Findings, None), "tab=findings");
        let settings = LoadSettings::default();
        assert_eq!(
            address(Some(1), Tab::LoadTest, Some(&settings)),
            format!("stage=1&tab=load&{}", settings.to_fragment())
        );
    }
}
