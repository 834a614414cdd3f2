//! Records as the admin reads them before anything is sent: an HTTP request, a `curl` command or JSON.
//!
//! `talon-import preview` and the wizard's preview screen both call this, so they show the same text. The
//! output is safe to print on a terminal: the API key is masked (only its last four characters, and only
//! for long keys), URLs carry the already percent-encoded path, and characters that could move the cursor or
//! reorder text are written as JSON `\uXXXX` escapes — the same JSON value, just spelled safely.

use serde_json::{Value, json};

use super::{Problem, Record};
use crate::text::for_terminal;

/// Shown when no base URL is configured.
pub const PLACEHOLDER_BASE_URL: &str = "https://YOUR_DEPLOYMENT.talon.one";

/// How to print records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Method, URL, headers, blank line, pretty JSON body.
    #[default]
    Http,
    /// A `curl` command reading the key from `$TALON_API_KEY`.
    Curl,
    /// A JSON array of `{"row", "valid", "method", "path", "body"}` (or `"errors"`).
    Json,
}

/// What the preview shows around the bodies: where requests go and a hint of which key is used.
#[derive(Clone, PartialEq, Eq)]
pub struct Context {
    base_url: String,
    /// The last four characters of the key, kept only for keys long enough that they reveal nothing.
    key_hint: Option<String>,
    key_set: bool,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("base_url", &self.base_url)
            .field("key", &self.masked_key())
            .finish()
    }
}

impl Context {
    /// `base_url` as given (a trailing `/` is dropped; none → a placeholder); only the masked form of
    /// `api_key` is kept.
    pub fn new(base_url: Option<&str>, api_key: Option<&str>) -> Self {
        let base_url = base_url
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| PLACEHOLDER_BASE_URL.to_string());
        let key = api_key.map(str::trim).filter(|k| !k.is_empty());
        let key_hint = key.filter(|k| k.chars().count() >= 16).map(|k| {
            let n = k.chars().count();
            k.chars().skip(n - 4).collect()
        });
        Context {
            base_url: for_terminal(&base_url).into_owned(),
            key_hint,
            key_set: key.is_some(),
        }
    }

    /// From `TALON_BASE_URL` and `TALON_API_KEY`.
    pub fn from_env() -> Self {
        let url = std::env::var("TALON_BASE_URL").ok();
        let key = std::env::var("TALON_API_KEY").ok();
        Context::new(url.as_deref(), key.as_deref())
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `ApiKey-v1 ****1234`; `ApiKey-v1 ****` for a short key; a note when no key is set.
    pub fn masked_key(&self) -> String {
        match (&self.key_hint, self.key_set) {
            (Some(h), _) => format!("ApiKey-v1 ****{h}"),
            (None, true) => "ApiKey-v1 ****".into(),
            (None, false) => "ApiKey-v1 **** (TALON_API_KEY is not set)".into(),
        }
    }
}

/// The `row` of a record in JSON: the data row, or the list of rows of a grouped session.
pub fn row_value(rows: &[u64]) -> Value {
    match rows {
        [one] => json!(one),
        many => json!(many),
    }
}

/// "row 3" or "rows 5, 6, 9".
pub fn row_label(rows: &[u64]) -> String {
    let list: Vec<String> = rows.iter().map(u64::to_string).collect();
    match rows.len() {
        1 => format!("row {}", list[0]),
        _ => format!("rows {}", list.join(", ")),
    }
}

/// One record as JSON: valid ones with method, path and body; invalid ones with `"valid": false` and their
/// problems instead of a body Talon.One would reject.
pub fn to_json(record: &Record) -> Value {
    match &record.request {
        Ok(req) => json!({
            "row": row_value(&record.rows),
            "valid": true,
            "method": req.method,
            "path": req.path,
            "body": req.body,
        }),
        Err(problems) => json!({
            "row": row_value(&record.rows),
            "valid": false,
            "id": record.id,
            "errors": problems.iter().map(problem_json).collect::<Vec<_>>(),
        }),
    }
}

fn problem_json(p: &Problem) -> Value {
    let mut v = json!({
        "row": p.row,
        "field": p.field,
        "kind": p.kind,
        "message": p.message,
    });
    if let Some(c) = &p.column {
        v["column"] = json!(c);
    }
    if let Some(x) = &p.value {
        v["value"] = json!(x);
    }
    v
}

/// Every record as one pretty JSON array (terminal-safe spelling).
pub fn render_json(records: &[Record]) -> String {
    let all: Vec<Value> = records.iter().map(to_json).collect();
    pretty(&Value::Array(all))
}

/// One record as an HTTP request; an invalid record as comment lines listing its problems.
pub fn render_http(record: &Record, ctx: &Context) -> String {
    let mut out = format!("# {}\n", row_label(&record.rows));
    match &record.request {
        Ok(req) => {
            out.push_str(&format!("{} {}{}\n", req.method, ctx.base_url, req.path));
            out.push_str(&format!("Authorization: {}\n", ctx.masked_key()));
            out.push_str("Content-Type: application/json\n\n");
            out.push_str(&pretty(&req.body));
            out.push('\n');
        }
        Err(problems) => out.push_str(&problem_lines(record, problems)),
    }
    out
}

/// One record as a `curl` command; the key is read from `$TALON_API_KEY` when it runs.
pub fn render_curl(record: &Record, ctx: &Context) -> String {
    let mut out = format!("# {}\n", row_label(&record.rows));
    match &record.request {
        Ok(req) => {
            out.push_str(&format!(
                "curl -X {} {} \\\n  -H \"Authorization: ApiKey-v1 $TALON_API_KEY\" \\\n  \
                 -H 'Content-Type: application/json' \\\n  --data-binary @- <<'JSON'\n",
                req.method,
                shell_quote(&format!("{}{}", ctx.base_url, req.path)),
            ));
            // Pretty JSON never has a line that is just `JSON` (strings escape their newlines).
            out.push_str(&pretty(&req.body));
            out.push_str("\nJSON\n");
        }
        Err(problems) => out.push_str(&problem_lines(record, problems)),
    }
    out
}

/// Records in one format, separated by blank lines (`Json`: one array).
pub fn render(records: &[Record], format: Format, ctx: &Context) -> String {
    match format {
        Format::Json => {
            let mut s = render_json(records);
            s.push('\n');
            s
        }
        Format::Http | Format::Curl => records
            .iter()
            .map(|r| match format {
                Format::Curl => render_curl(r, ctx),
                _ => render_http(r, ctx),
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn problem_lines(record: &Record, problems: &[Problem]) -> String {
    let id = if record.id.is_empty() {
        String::new()
    } else {
        format!(" (id {:?})", for_terminal(&record.id))
    };
    let n = problems.len();
    let mut out = format!(
        "# NOT SENT{id}: {n} problem{} — fix the file or the mapping, then preview again\n",
        if n == 1 { "" } else { "s" }
    );
    for p in problems {
        let value = p
            .value
            .as_deref()
            .map(|v| format!(" {:?}", for_terminal(v)))
            .unwrap_or_default();
        let column = p
            .column
            .as_deref()
            .map(|c| format!(" (column {:?})", for_terminal(c)))
            .unwrap_or_default();
        out.push_str(&format!(
            "#   row {}, {}{column}{value}: {}\n",
            p.row,
            for_terminal(&p.field),
            for_terminal(&p.message).replace('\u{240a}', " ")
        ));
    }
    out
}

/// Pretty JSON with every character that could upset a terminal spelled as a `\uXXXX` escape. Outside
/// strings JSON text is plain ASCII, so only string contents change, and only in spelling.
pub fn pretty(v: &Value) -> String {
    let text = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into());
    if !text.chars().any(unsafe_in_terminal) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_in_terminal(c) {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters serde_json leaves raw that a terminal would act on: DEL, C1 controls, bidi controls,
/// zero-width characters and the BOM. (C0 controls inside strings are already escaped; the newlines and
/// spaces of pretty printing stay.)
fn unsafe_in_terminal(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c,
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
            | '\u{2028}' | '\u{2029}')
}

/// A single-quoted shell word.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::Request;

    fn profile(row: u64, id: &str, path: &str, body: Value) -> Record {
        Record {
            rows: vec![row],
            id: id.into(),
            profile_id: Some(id.into()),
            source: vec![],
            request: Ok(Request {
                method: "PUT",
                path: path.into(),
                body,
            }),
        }
    }

    fn ctx() -> Context {
        Context::new(
            Some("https://acme.europe-west1.talon.one/"),
            Some("fa31c0ffee0ddba11deadbeef0001234"),
        )
    }

    #[test]
    fn http_shows_url_masked_key_and_pretty_body() {
        let r = profile(
            3,
            "shop-0042/a b",
            "/v2/customer_profiles/shop-0042%2Fa%20b",
            json!({"attributes": {"Name": "Anna Müller", "Email": "anna@example.de"}}),
        );
        let text = render_http(&r, &ctx());
        assert_eq!(
            text,
            "# row 3\n\
             PUT https://acme.europe-west1.talon.one/v2/customer_profiles/shop-0042%2Fa%20b\n\
             Authorization: ApiKey-v1 ****1234\n\
             Content-Type: application/json\n\
             \n\
             {\n  \"attributes\": {\n    \"Name\": \"Anna Müller\",\n    \"Email\": \"anna@example.de\"\n  }\n}\n"
        );
        assert!(!text.contains("fa31c0ffee"));
    }

    #[test]
    fn curl_reads_the_key_from_the_environment() {
        let r = profile(
            1,
            "o'brien",
            "/v2/customer_profiles/o'brien",
            json!({"attributes": {}}),
        );
        let text = render_curl(&r, &ctx());
        assert!(
            text.contains(
                "curl -X PUT 'https://acme.europe-west1.talon.one/v2/customer_profiles/o'\\''brien'"
            ),
            "{text}"
        );
        assert!(text.contains("\"Authorization: ApiKey-v1 $TALON_API_KEY\""));
        assert!(
            text.ends_with("<<'JSON'\n{\n  \"attributes\": {}\n}\nJSON\n"),
            "{text}"
        );
        assert!(!text.contains("1234"));
    }

    #[test]
    fn short_or_missing_keys_show_nothing_of_the_key() {
        assert_eq!(
            Context::new(None, Some("abc12345")).masked_key(),
            "ApiKey-v1 ****"
        );
        assert!(Context::new(None, None).masked_key().contains("not set"));
        assert_eq!(Context::new(None, None).base_url(), PLACEHOLDER_BASE_URL);
        assert!(!format!("{:?}", ctx()).contains("fa31c0ffee"));
    }

    #[test]
    fn json_lists_rows_and_errors() {
        let ok = Record {
            rows: vec![5, 6, 9],
            id: "#1001".into(),
            profile_id: Some("c1".into()),
            source: vec![],
            request: Ok(Request {
                method: "PUT",
                path: "/v2/customer_sessions/%231001".into(),
                body: json!({"customerSession": {"profileId": "c1", "state": "closed"}}),
            }),
        };
        let bad = Record {
            rows: vec![7],
            id: String::new(),
            profile_id: None,
            source: vec![],
            request: Err(vec![Problem {
                row: 7,
                field: "id".into(),
                column: Some("Customer ID".into()),
                value: Some(String::new()),
                kind: "missing_id".into(),
                message: "the id is empty; fill in Customer ID or drop the row".into(),
            }]),
        };
        let v: Value = serde_json::from_str(&render_json(&[ok, bad.clone()])).unwrap();
        assert_eq!(v[0]["row"], json!([5, 6, 9]));
        assert_eq!(v[0]["valid"], json!(true));
        assert_eq!(v[0]["method"], "PUT");
        assert_eq!(v[0]["path"], "/v2/customer_sessions/%231001");
        assert_eq!(v[0]["body"]["customerSession"]["state"], "closed");
        assert_eq!(v[1]["row"], json!(7));
        assert_eq!(v[1]["valid"], json!(false));
        assert!(v[1].get("body").is_none());
        assert_eq!(v[1]["errors"][0]["kind"], "missing_id");
        assert_eq!(v[1]["errors"][0]["column"], "Customer ID");

        let text = render_http(&bad, &ctx());
        assert!(text.starts_with("# row 7\n# NOT SENT: 1 problem"), "{text}");
        assert!(
            text.contains("row 7, id (column \"Customer ID\") \"\": the id is empty"),
            "{text}"
        );
    }

    #[test]
    fn terminal_tricks_in_values_are_escaped_but_the_json_is_the_same() {
        let body = json!({"attributes": {"Name": "evil\u{1b}[2J\u{202e}txt\u{7f}"}});
        let r = profile(1, "x", "/v2/customer_profiles/x", body.clone());
        let text = render_http(&r, &ctx());
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}') && !text.contains('\u{7f}'));
        let json_part = &text[text.find('{').unwrap()..];
        let back: Value = serde_json::from_str(json_part).unwrap();
        assert_eq!(back, body);
    }

    #[test]
    fn render_joins_records() {
        let a = profile(1, "a", "/v2/customer_profiles/a", json!({"attributes": {}}));
        let b = profile(2, "b", "/v2/customer_profiles/b", json!({"attributes": {}}));
        let text = render(&[a.clone(), b.clone()], Format::Http, &ctx());
        assert!(text.contains("}\n\n# row 2\n"), "{text}");
        let json_text = render(&[a, b], Format::Json, &ctx());
        assert_eq!(
            serde_json::from_str::<Value>(&json_text)
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
}
