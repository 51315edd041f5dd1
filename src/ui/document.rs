//! What a user saves, opens, autosaves and shares: a design with where its nodes sit and how
//! the canvas looks at it (UI-side and pure, natively tested).
//!
//! A saved file is a [`Document`]:
//! `{"stacksim": 1, "topology": {…}, "positions": {"web-01": [x, y]}, "view": {…}}`.
//! Opening also accepts a bare design (what `stacksim export`, the CLI and older saves write):
//! its nodes are then placed automatically. A share link carries the same document, deflated
//! and base64url-encoded, in the address fragment (`#design=…`).

use crate::sim::by_id::ById;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::sim::format::{self, LoadError, MAX_JSON_BYTES};
use crate::sim::number::shortest;
use crate::sim::topology::Topology;
use crate::ui::layout::Point;
use crate::ui::viewport::View;

/// The document format version this build writes.
pub const DOCUMENT_VERSION: u32 = 1;

/// The member of an autosave that holds what was on screen besides the design
/// ([`crate::ui::session::Session`]); a saved file has none.
pub const SESSION_KEY: &str = "session";

/// The fragment key of a share link: `#design=…`.
pub const SHARE_KEY: &str = "design=";

/// A design with its drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub topology: Topology,
    /// The top-left corner of each node's box; nodes without one are placed automatically.
    pub positions: ById<Point>,
    /// How the canvas looked; `None`: fit the drawing.
    pub view: Option<View>,
}

#[derive(Serialize)]
struct Out<'a> {
    stacksim: u32,
    topology: &'a Topology,
    positions: Places<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    view: Option<View>,
}

/// A drawing's positions in the order of their ids, written as a JSON object as a `BTreeMap`
/// of them is: a map of their own type put its code into the WebAssembly.
struct Places<'a>(Vec<(&'a str, [f64; 2])>);

impl Serialize for Places<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(id, xy)| (id, xy)))
    }
}

/// A document's members besides its version and design.
#[derive(Default)]
struct Drawing {
    /// In the order of their ids.
    positions: Vec<(String, [f64; 2])>,
    view: Option<View>,
}

/// Reads `positions` as `BTreeMap::<String, [f64; 2]>::deserialize` does (the same values and
/// messages, in the object's order, which is its ids' order) without a map of its own type.
fn read_positions(value: serde_json::Value) -> Result<Vec<(String, [f64; 2])>, serde_json::Error> {
    let serde_json::Value::Object(entries) = value else {
        return Err(format::refuse(value, "a map"));
    };
    let mut positions = Vec::with_capacity(entries.len());
    for (id, xy) in entries {
        let xy = <[f64; 2]>::deserialize(xy)?;
        positions.push((id, xy));
    }
    Ok(positions)
}

impl Drawing {
    /// Reads the members in the object's order, as serde's derive reads them (unknown members
    /// refused), and names the place of the first bad value as serde_path_to_error did
    /// (`positions.web-01[1]`, `view.zoom`, `extra`): wrapping every value in a tracking
    /// deserializer cost the browser app more code.
    fn read(map: serde_json::Map<String, serde_json::Value>) -> Result<Drawing, LoadError> {
        use serde_json::Value;
        let syntax = |path: String, err: serde_json::Error| LoadError::Syntax {
            path,
            message: err.to_string(),
        };
        // The first of `values` (at most `len`) that is not a number.
        let not_a_number = |values: &[Value], len: usize| {
            values
                .iter()
                .take(len)
                .position(|v| !v.is_number())
                .map(|i| format!("[{i}]"))
        };
        let mut drawing = Drawing::default();
        for (key, value) in map {
            match key.as_str() {
                "positions" => {
                    let place = match &value {
                        Value::Object(entries) => entries.iter().find_map(|(id, v)| match v {
                            Value::Array(xy) if xy.len() == 2 && not_a_number(xy, 2).is_none() => {
                                None
                            }
                            Value::Array(xy) => {
                                Some(format!(".{id}{}", not_a_number(xy, 2).unwrap_or_default()))
                            }
                            _ => Some(format!(".{id}")),
                        }),
                        _ => None,
                    };
                    drawing.positions = read_positions(value).map_err(|err| {
                        syntax(format!("{key}{}", place.unwrap_or_default()), err)
                    })?;
                }
                "view" => {
                    let place = match &value {
                        Value::Object(fields) => ["x", "y", "zoom"].into_iter().find_map(|f| {
                            fields
                                .get(f)
                                .filter(|v| !v.is_number())
                                .map(|_| format!(".{f}"))
                        }),
                        Value::Array(values) => not_a_number(values, 3),
                        _ => None,
                    };
                    drawing.view = Option::deserialize(value).map_err(|err| {
                        syntax(format!("{key}{}", place.unwrap_or_default()), err)
                    })?;
                }
                _ => {
                    let err = serde::de::Error::unknown_field(&key, &["positions", "view"]);
                    return Err(syntax(key, err));
                }
            }
        }
        Ok(drawing)
    }
}

/// Why a file or link could not be opened.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Design(#[from] LoadError),
    #[error("document version {0} is not supported (this build reads 1 to {DOCUMENT_VERSION})")]
    Version(u64),
    #[error("the share link is damaged: {0}")]
    Link(String),
}

impl Document {
    /// Pretty JSON, the format of saved files and of the autosave.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.out()).unwrap_or_default()
    }

    /// The document as a JSON value (the autosave adds its `session` member to it): the value
    /// `serde_json::to_value` gives. It is built from the design's saved text and the drawing's
    /// numbers instead, because serializing into a value put a second copy of every design
    /// type's `Serialize` into the WebAssembly. The design holds only text and whole numbers,
    /// which read back exactly as they were written.
    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::{Map, Value};
        let Out {
            stacksim,
            topology,
            positions,
            view,
        } = self.out();
        let mut map = Map::new();
        map.insert("stacksim".to_owned(), stacksim.into());
        let topology = serde_json::from_str(&format::to_json(topology)).unwrap_or_default();
        map.insert("topology".to_owned(), topology);
        let mut places = Map::new();
        for (id, [x, y]) in positions.0 {
            places.insert(id.to_owned(), Value::Array(vec![x.into(), y.into()]));
        }
        map.insert("positions".to_owned(), Value::Object(places));
        if let Some(View { x, y, zoom }) = view {
            let mut fields = Map::new();
            fields.insert("x".to_owned(), x.into());
            fields.insert("y".to_owned(), y.into());
            fields.insert("zoom".to_owned(), zoom.into());
            map.insert("view".to_owned(), Value::Object(fields));
        }
        Value::Object(map)
    }

    fn out(&self) -> Out<'_> {
        let positions = self
            .positions
            .iter()
            // Only the nodes of the design: a stale position is not saved.
            .filter(|(id, _)| self.topology.node(id).is_some())
            .map(|(id, p)| (id.as_str(), [round(p.x), round(p.y)]))
            .collect();
        Out {
            stacksim: DOCUMENT_VERSION,
            topology: &self.topology,
            positions: Places(positions),
            view: self.view,
        }
    }

    /// Reads a saved document or a bare design. Errors say where (a path into the JSON).
    ///
    /// An autosave's `session` member (see [`crate::ui::session`]) is allowed and ignored here:
    /// a downloaded autosave opens like a saved file.
    pub fn from_json(text: &str) -> Result<Document, OpenError> {
        let mut value = format::parse_json(text)?;
        if let serde_json::Value::Object(map) = &mut value {
            map.remove(SESSION_KEY);
        }
        Document::from_value(value)
    }

    /// [`Document::from_json`] on JSON already parsed (without a `session` member).
    pub fn from_value(value: serde_json::Value) -> Result<Document, OpenError> {
        let serde_json::Value::Object(mut map) = value else {
            return Err(LoadError::Syntax {
                path: "the top level".to_owned(),
                message: "expected a JSON object: a Stacksim document, or a design with its format version".to_owned(),
            }
            .into());
        };
        let Some(version) = map.remove("stacksim") else {
            // A bare design.
            let topology = format::from_value(serde_json::Value::Object(map))?;
            return Ok(Document {
                topology,
                positions: ById::default(),
                view: None,
            });
        };
        match version.as_u64() {
            Some(v) if v == u64::from(DOCUMENT_VERSION) => {}
            Some(v) => return Err(OpenError::Version(v)),
            None => {
                return Err(LoadError::Syntax {
                    path: "stacksim".to_owned(),
                    message: "the document version must be a whole number".to_owned(),
                }
                .into());
            }
        }
        let topology = map.remove("topology").ok_or_else(|| LoadError::Syntax {
            path: "topology".to_owned(),
            message: "missing: a document holds one design".to_owned(),
        })?;
        let topology = format::from_value(topology).map_err(|err| match err {
            LoadError::Syntax { path, message } => LoadError::Syntax {
                path: format!("topology.{path}"),
                message,
            },
            other => other,
        })?;
        let drawing = Drawing::read(map)?;
        let mut positions = ById::default();
        for (id, [x, y]) in drawing.positions {
            if !(x.is_finite() && y.is_finite() && x.abs() <= MAX_COORD && y.abs() <= MAX_COORD) {
                return Err(LoadError::Syntax {
                    path: format!("positions.{id}"),
                    message: format!("coordinates must be within ±{}", shortest(MAX_COORD)),
                }
                .into());
            }
            // Positions of nodes the design does not have are dropped.
            if topology.node(&id).is_some() {
                positions.insert(id, Point { x, y });
            }
        }
        let view = drawing.view.filter(|v| {
            v.x.is_finite()
                && v.y.is_finite()
                && v.x.abs() <= MAX_COORD
                && v.y.abs() <= MAX_COORD
                && (crate::ui::viewport::MIN_ZOOM..=crate::ui::viewport::MAX_ZOOM).contains(&v.zoom)
        });
        Ok(Document {
            topology,
            positions,
            view,
        })
    }

    /// The share link's fragment: `design=` and the deflated document, base64url.
    pub fn to_fragment(&self) -> String {
        let json = Document {
            view: None,
            ..self.clone()
        }
        .to_json();
        let compact = serde_json::from_str::<serde_json::Value>(&json)
            .map(|v| v.to_string())
            .unwrap_or(json);
        let packed = miniz_oxide::deflate::compress_to_vec(compact.as_bytes(), 9);
        format!("{SHARE_KEY}{}", URL_SAFE_NO_PAD.encode(packed))
    }

    /// Reads the `design=` part of an address fragment; `None` if it has none.
    pub fn from_fragment(fragment: &str) -> Option<Result<Document, OpenError>> {
        let value = fragment
            .trim_start_matches('#')
            .split('&')
            .find_map(|part| part.strip_prefix(SHARE_KEY))?;
        Some(decode_link(value))
    }
}

/// The largest coordinate a saved drawing may hold.
pub const MAX_COORD: f64 = 1.0e6;

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn decode_link(value: &str) -> Result<Document, OpenError> {
    // Base64 of the largest allowed compressed document is far below this.
    if value.len() > MAX_JSON_BYTES {
        return Err(OpenError::Link(format!(
            "it is {} characters long; links are limited to {MAX_JSON_BYTES}",
            value.len()
        )));
    }
    let packed = URL_SAFE_NO_PAD
        .decode(value.trim())
        .map_err(|err| OpenError::Link(format!("not base64url ({err})")))?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_JSON_BYTES)
        .map_err(|err| {
            OpenError::Link(match err.status {
                miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                    format!("it unpacks to more than {MAX_JSON_BYTES} bytes")
                }
                _ => "the compressed data is cut short or corrupt".to_owned(),
            })
        })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| OpenError::Link("the design is not UTF-8 text".to_owned()))?;
    Document::from_json(&text)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::sim::presets;

    fn doc(stage: u8) -> Document {
        let topology = presets::topology(stage).unwrap_or_else(|| panic!("stage {stage}"));
        let positions = crate::ui::layout::auto_layout(&topology)
            .boxes
            .iter()
            .map(|(id, r)| (id.clone(), Point { x: r.x, y: r.y }))
            .collect();
        Document {
            topology,
            positions,
            view: Some(View {
                x: 10.0,
                y: -20.0,
                zoom: 1.5,
            }),
        }
    }

    #[test]
    fn a_document_round_trips_through_json() {
        for stage in 0..=3 {
            let d = doc(stage);
            assert_eq!(Document::from_json(&d.to_json()), Ok(d));
        }
    }

    #[test]
    fn a_document_writes_what_serde_wrote_with_a_map_of_positions() {
        for stage in 0..=3 {
            let mut d = doc(stage);
            d.topology.name = "Caf\u{e9} \"quoted\"\n\u{1f600}\\".to_owned();
            for (i, p) in d.positions.values_mut().enumerate() {
                p.x = 0.1 + 0.2 + i as f64 * 1.37;
                p.y = -1.0 / 3.0 - i as f64 * 1e5;
            }
            // A stale position is not written.
            d.positions
                .insert("gone".to_owned(), Point { x: 1.0, y: 2.0 });
            d.view = Some(View {
                x: 0.1 + 0.2,
                y: -1.0 / 3.0,
                zoom: 1.1f64.powi(7),
            });
            for view in [d.view, None] {
                d.view = view;
                let before = Before::of(&d);
                let expected = serde_json::to_value(&before).unwrap_or_default();
                assert_eq!(d.to_value(), expected, "stage {stage}");
                let expected = serde_json::to_string_pretty(&before).unwrap_or_default();
                assert_eq!(d.to_json(), expected, "stage {stage}");
            }
        }
    }

    /// How a document was written with serde's own map of positions.
    #[derive(Serialize)]
    struct Before<'a> {
        stacksim: u32,
        topology: &'a Topology,
        positions: BTreeMap<&'a str, [f64; 2]>,
        #[serde(skip_serializing_if = "Option::is_none")]
        view: Option<View>,
    }

    impl Before<'_> {
        fn of(d: &Document) -> Before<'_> {
            Before {
                stacksim: DOCUMENT_VERSION,
                topology: &d.topology,
                positions: d
                    .positions
                    .iter()
                    .filter(|(id, _)| d.topology.node(id).is_some())
                    .map(|(id, p)| (id.as_str(), [round(p.x), round(p.y)]))
                    .collect(),
                view: d.view,
            }
        }
    }

    #[test]
    fn a_bare_design_opens_without_positions() {
        let topology = presets::topology(2).unwrap_or_else(|| panic!("stage 2"));
        let d = Document::from_json(&format::to_json(&topology)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.topology, topology);
        assert!(d.positions.is_empty());
        assert_eq!(d.view, None);
    }

    #[test]
    fn a_share_link_round_trips_without_the_view_and_is_short() {
        for stage in 0..=3 {
            let d = doc(stage);
            let fragment = d.to_fragment();
            assert!(fragment.starts_with(SHARE_KEY));
            assert!(
                fragment.len() < 4000,
                "stage {stage}: {} chars",
                fragment.len()
            );
            let back = Document::from_fragment(&format!("#{fragment}&tab=findings"));
            assert_eq!(back, Some(Ok(Document { view: None, ..d })));
        }
        assert_eq!(Document::from_fragment("#stage=3"), None);
    }

    #[test]
    fn bad_documents_say_what_and_where() {
        let cases: &[(&str, &str)] = &[
            ("{", "line 1 column 1"),
            ("[]", "expected a JSON object"),
            (r#"{"stacksim": 2, "topology": {}}"#, "document version 2"),
            (r#"{"stacksim": "x"}"#, "at stacksim"),
            (r#"{"stacksim": 1}"#, "at topology: missing"),
            (
                r#"{"stacksim": 1, "topology": {"version": 1, "name": "x", "nodes": 3}}"#,
                "at topology.nodes",
            ),
        ];
        for (text, expected) in cases {
            let err = Document::from_json(text)
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
        let mut json: serde_json::Value =
            serde_json::from_str(&doc(0).to_json()).unwrap_or_default();
        json["positions"]["web-01"] = serde_json::json!([1e300, 0]);
        json["positions"]["server-01"] = serde_json::json!([1e300, 0]);
        let err = Document::from_json(&json.to_string())
            .map(|_| ())
            .unwrap_err();
        assert!(err.to_string().contains("positions.server-01"), "{err}");
        json["positions"] = serde_json::json!({"ghost": [1, 2]});
        json["extra"] = serde_json::json!(1);
        let err = Document::from_json(&json.to_string())
            .map(|_| ())
            .unwrap_err();
        assert!(err.to_string().contains("extra"), "{err}");
    }

    #[test]
    fn positions_read_as_a_map_of_them_reads() {
        let values = serde_json::json!([
            null, true, 3, -1, 2.5, "a", [], [1, 2], {},
            {"a": [1, 2], "b": [3.5, -4]},
            {"a": [1, 2], "b": [1, "x"]},
            {"a": [1, 2, 3]},
            {"a": [1]},
            {"a": null},
            {"a": {"x": 1}},
        ]);
        for value in values.as_array().into_iter().flatten() {
            let ours = read_positions(value.clone()).map_err(|e| e.to_string());
            let serde = BTreeMap::<String, [f64; 2]>::deserialize(value.clone())
                .map(|m| m.into_iter().collect::<Vec<_>>())
                .map_err(|e| e.to_string());
            assert_eq!(ours, serde, "{value}");
        }
    }

    #[test]
    fn bad_positions_and_views_are_named_by_their_place() {
        let cases = [
            (
                serde_json::json!({"positions": {"a": [1, 2], "b": [1, "x"]}}),
                "at positions.b[1]: invalid type: string \"x\", expected f64",
            ),
            (
                serde_json::json!({"positions": {"a": [1, 2, 3]}}),
                "at positions.a: invalid length 3, expected fewer elements in array",
            ),
            (
                serde_json::json!({"positions": []}),
                "at positions: invalid type: sequence, expected a map",
            ),
            (
                serde_json::json!({"positions": null}),
                "at positions: invalid type: null, expected a map",
            ),
            (
                serde_json::json!({"positions": "a"}),
                "at positions: invalid type: string \"a\", expected a map",
            ),
            (
                serde_json::json!({"positions": {"a": -1}}),
                "at positions.a: invalid type: integer `-1`, expected an array of length 2",
            ),
            (
                serde_json::json!({"view": {"x": 1, "y": "q", "zoom": 1}}),
                "at view.y: invalid type: string \"q\", expected f64",
            ),
            (
                serde_json::json!({"view": [1, "a", 3]}),
                "at view[1]: invalid type: string \"a\", expected f64",
            ),
            (
                serde_json::json!({"view": [1]}),
                "at view: invalid length 1, expected struct View with 3 elements",
            ),
            (
                serde_json::json!({"view": {}}),
                "at view: missing field `x`",
            ),
            (
                serde_json::json!({"extra": 12}),
                "at extra: unknown field `extra`, expected `positions` or `view`",
            ),
        ];
        for (members, expected) in cases {
            let mut json: serde_json::Value =
                serde_json::from_str(&doc(0).to_json()).unwrap_or_default();
            if let (Some(json), serde_json::Value::Object(members)) =
                (json.as_object_mut(), &members)
            {
                json.extend(members.clone());
            }
            let err = Document::from_json(&json.to_string()).map(|_| ());
            assert_eq!(
                err.map_err(|e| e.to_string()),
                Err(expected.to_owned()),
                "{members}"
            );
        }
    }

    #[test]
    fn damaged_links_are_refused_with_a_reason() {
        let cases: &[(&str, &str)] = &[
            ("#design=%%%", "not base64url"),
            ("#design=AAAA", "cut short or corrupt"),
        ];
        for (fragment, expected) in cases {
            let err = Document::from_fragment(fragment)
                .unwrap_or_else(|| panic!("{fragment}"))
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{fragment}: {err}");
        }
        // A bomb: 3 MB of zeros deflates to a few kilobytes.
        let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b' '; 3 << 20], 9);
        let fragment = format!("design={}", URL_SAFE_NO_PAD.encode(bomb));
        let err = Document::from_fragment(&fragment).map(|r| r.map(|_| ()));
        assert!(
            matches!(&err, Some(Err(OpenError::Link(m))) if m.contains("more than")),
            "{err:?}"
        );
        // Markup in a link's design stays data: it is parsed as JSON and refused or kept as
        // text, never executed (the browser tests check the text rendering).
        let text = r#"{"version":1,"name":"<script>alert(1)</script>","nodes":[]}"#;
        let packed = miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9);
        let fragment = format!("design={}", URL_SAFE_NO_PAD.encode(packed));
        let d = Document::from_fragment(&fragment).and_then(Result::ok);
        assert_eq!(
            d.map(|d| d.topology.name),
            Some("<script>alert(1)</script>".to_owned())
        );
    }
}
