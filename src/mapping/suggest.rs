//! Auto-suggest: a starting mapping from a file's columns, with a confidence per suggestion.
//!
//! Works on column names plus a few sample rows (no files), so the wizard can call it on what it already
//! has in memory and `talon-import map` on the first rows of a file. Each column is matched to the slots of
//! the target (the id, attributes, cart-item fields, …) by normalized name, by synonyms in the languages
//! exports commonly come in (English, German, French, Spanish, Dutch, Italian) and by fuzzy similarity;
//! every candidate is then checked against what the sample values look like, so a column of dates is never
//! offered as a phone number. Each column and each slot is used at most once, best match first.

use std::path::PathBuf;

use indexmap::IndexMap;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use super::{CartItemsSpec, Catalog, FieldSpec, Mapping, Target, TotalSpec};
use crate::talon::attributes::{AttrType, Entity};

/// Below this, a candidate is not suggested (the column is listed as unmatched, with the near miss).
const MIN_CONFIDENCE: f64 = 0.5;

/// What the non-empty sample values of a column look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// No sample values at all.
    Empty,
    Number,
    /// yes/no, true/false, ja/nein, … (or only 0 and 1).
    Boolean,
    Date,
    Email,
    Phone,
    Text,
}

impl ValueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::Empty => "empty",
            ValueKind::Number => "numbers",
            ValueKind::Boolean => "yes/no values",
            ValueKind::Date => "dates",
            ValueKind::Email => "email addresses",
            ValueKind::Phone => "phone numbers",
            ValueKind::Text => "text",
        }
    }
}

/// What the samples of one column look like.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnProfile {
    pub name: String,
    /// The kind at least 80% of the non-empty samples share; `Text` when they are mixed.
    pub kind: ValueKind,
    /// Sample rows with a value in this column.
    pub filled: usize,
    /// Sample rows looked at.
    pub rows: usize,
    /// At least half of the values contain a comma or semicolon (a list, e.g. tags).
    pub looks_like_list: bool,
}

impl ColumnProfile {
    /// Profiles a column from its sample values.
    pub fn of(name: &str, values: &[&str]) -> Self {
        let non_empty: Vec<&str> = values
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        let filled = non_empty.len();
        let kind = if filled == 0 {
            ValueKind::Empty
        } else if non_empty.iter().all(|v| matches!(*v, "0" | "1")) && filled >= 2 {
            ValueKind::Boolean
        } else {
            let mut counts: IndexMap<ValueKind, usize> = IndexMap::new();
            for v in &non_empty {
                *counts.entry(classify(v)).or_default() += 1;
            }
            // Phone numbers written without spaces read as numbers; a column of both is phones.
            if let (Some(p), Some(n)) = (
                counts.get(&ValueKind::Phone),
                counts.get(&ValueKind::Number),
            ) {
                let merged = p + n;
                counts.insert(ValueKind::Phone, merged);
                counts.shift_remove(&ValueKind::Number);
            }
            counts
                .into_iter()
                .find(|(_, n)| *n * 5 >= filled * 4)
                .map(|(k, _)| k)
                .unwrap_or(ValueKind::Text)
        };
        let listy = non_empty
            .iter()
            .filter(|v| v.contains(',') || v.contains(';'))
            .count();
        ColumnProfile {
            name: name.to_string(),
            kind,
            filled,
            rows: values.len(),
            looks_like_list: filled > 0 && kind == ValueKind::Text && listy * 2 >= filled,
        }
    }

    fn fill_ratio(&self) -> f64 {
        if self.rows == 0 {
            1.0
        } else {
            self.filled as f64 / self.rows as f64
        }
    }
}

/// The kind of one value.
pub fn classify(v: &str) -> ValueKind {
    // Excel's text marker (`'0049…`) when the reader has not removed it already.
    let v = v.trim();
    let v = v.strip_prefix('\'').unwrap_or(v);
    if v.is_empty() {
        return ValueKind::Empty;
    }
    let lower = v.to_lowercase();
    if BOOL_WORDS.contains(&lower.as_str()) {
        return ValueKind::Boolean;
    }
    if is_email(v) {
        return ValueKind::Email;
    }
    if is_date(v) {
        return ValueKind::Date;
    }
    if is_phone(v) {
        return ValueKind::Phone;
    }
    if is_number(v) {
        return ValueKind::Number;
    }
    ValueKind::Text
}

#[rustfmt::skip]
const BOOL_WORDS: &[&str] = &[
    "yes", "no", "true", "false", "y", "n", "ja", "nein", "wahr", "falsch", "oui", "non", "si", "sí", "vrai",
    "faux", "verdadero", "falso", "nee", "waar", "onwaar", "x",
];

fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.chars().any(char::is_whitespace)
}

/// Dates as exports write them: `2021-03-04`, `04.03.2021`, `3/4/21`, `2021/03/04`, optionally with a time.
fn is_date(v: &str) -> bool {
    let date = v.split([' ', 'T']).next().unwrap_or_default();
    let parts: Vec<&str> = date.split(['-', '.', '/']).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    let ok = matches!(
        lens.as_slice(),
        [4, 1..=2, 1..=2] | [1..=2, 1..=2, 2] | [1..=2, 1..=2, 4]
    );
    if !ok {
        return false;
    }
    // Whatever follows the date must look like a time ("10:30", "10:30:00+01:00", "10:30 UTC").
    let rest = &v[date.len()..];
    rest.is_empty() || rest.contains(':')
}

fn is_phone(v: &str) -> bool {
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let allowed = v
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '/' | '.'));
    let shaped = v.starts_with('+')
        || v.starts_with('(')
        || v.starts_with("00")
        || (v.contains([' ', '-', '/']) && v.starts_with('0'));
    allowed && shaped && (6..=16).contains(&digits)
}

fn is_number(v: &str) -> bool {
    let mut core = v.trim();
    // A currency code before or after the amount: "EUR 12,50", "12.50 USD".
    let is_code = |w: &str| w.len() == 3 && w.bytes().all(|b| b.is_ascii_uppercase());
    if let Some((a, b)) = core.split_once(' ') {
        if is_code(a) {
            core = b;
        } else if is_code(b) {
            core = a;
        }
    }
    let core: String = core
        .chars()
        .filter(|c| !matches!(c, '€' | '$' | '£' | '¥' | '%' | ' ' | '\u{a0}' | '\''))
        .collect();
    let core = core.trim_start_matches(['-', '+']);
    !core.is_empty()
        && core.bytes().any(|b| b.is_ascii_digit())
        && core
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
}

/// A cart-item field of `[cart_items]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CartField {
    Sku,
    Name,
    Quantity,
    Price,
    Category,
}

impl CartField {
    pub fn as_str(self) -> &'static str {
        match self {
            CartField::Sku => "sku",
            CartField::Name => "name",
            CartField::Quantity => "quantity",
            CartField::Price => "price",
            CartField::Category => "category",
        }
    }
}

/// Where a suggested column goes in the mapping.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "slot", content = "name", rename_all = "snake_case")]
pub enum Slot {
    /// `[id]`: the profile's integration id, or the session id.
    Id,
    /// `[profile_id]` (sessions).
    ProfileId,
    /// `[attributes.NAME]`.
    Attribute(String),
    /// `[cart_items] FIELD`.
    CartItem(CartField),
    /// `[cart_items.attributes.NAME]`.
    CartItemAttribute(String),
    /// `[additional_costs.NAME]`.
    AdditionalCost(String),
    /// `[total]`.
    Total,
}

impl Slot {
    /// How the slot reads in the mapping file, e.g. `attributes.Email`, `cart_items.sku`.
    pub fn key(&self) -> String {
        match self {
            Slot::Id => "id".into(),
            Slot::ProfileId => "profile_id".into(),
            Slot::Attribute(n) => format!("attributes.{n}"),
            Slot::CartItem(f) => format!("cart_items.{}", f.as_str()),
            Slot::CartItemAttribute(n) => format!("cart_items.attributes.{n}"),
            Slot::AdditionalCost(n) => format!("additional_costs.{n}"),
            Slot::Total => "total".into(),
        }
    }
}

/// One suggested line of the mapping.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub slot: Slot,
    /// The columns read (two for a first + last name template).
    pub columns: Vec<String>,
    pub spec: FieldSpec,
    /// 0–1: 1 is the attribute's own name, ~0.9 a known synonym, lower for partial or fuzzy matches.
    pub confidence: f64,
    /// Why, in one sentence for the admin.
    pub reason: String,
}

/// A column nothing was suggested for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unmatched {
    pub column: String,
    pub kind: ValueKind,
    /// What to do with it (declare a custom attribute, or the near miss that was rejected).
    pub hint: String,
}

/// Everything `suggest` found, in column order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestions {
    pub target: Target,
    pub suggestions: Vec<Suggestion>,
    pub unmatched: Vec<Unmatched>,
    pub profiles: Vec<ColumnProfile>,
    /// For the wizard's "map this column to…" list: per column, up to three acceptable slots, best first
    /// (whether or not they were chosen).
    pub alternatives: Vec<Alternative>,
}

/// One acceptable (column, slot) pair with its confidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    pub column: String,
    pub slot: Slot,
    pub confidence: f64,
    pub reason: String,
}

/// Suggests a mapping for `columns`, looking at `samples` (rows of cells in column order; short rows are
/// fine) to check each candidate against what the values look like. `catalog` supplies the attributes
/// (built-in, fetched and declared ones alike).
pub fn suggest(
    columns: &[String],
    samples: &[Vec<String>],
    target: Target,
    catalog: &Catalog,
) -> Suggestions {
    let profiles: Vec<ColumnProfile> = columns
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let values: Vec<&str> = samples
                .iter()
                .map(|r| r.get(i).map(String::as_str).unwrap_or(""))
                .collect();
            ColumnProfile::of(name, &values)
        })
        .collect();
    let slots = slots_for(target, catalog);

    // Every acceptable (column, slot) candidate, best first.
    let mut candidates: Vec<(usize, usize, f64, String)> = vec![];
    let mut near_miss: Vec<Option<(f64, String)>> = vec![None; columns.len()];
    for (ci, profile) in profiles.iter().enumerate() {
        let col = Normalized::new(&profile.name);
        for (si, slot) in slots.iter().enumerate() {
            let Some((score, why)) = slot.best_match(&col) else {
                continue;
            };
            match slot.check(profile, score) {
                Ok((score, note)) => {
                    let reason = match note {
                        Some(n) => format!("{why}; {n}"),
                        None => why,
                    };
                    candidates.push((ci, si, score, reason));
                }
                Err(rejected) => {
                    let keep = near_miss[ci].as_ref().is_none_or(|(s, _)| *s < score);
                    if keep && score >= MIN_CONFIDENCE {
                        near_miss[ci] = Some((
                            score,
                            format!("looks like {} by name, but {rejected}", slot.slot.key()),
                        ));
                    }
                }
            }
        }
    }
    // Stable sort keeps column order among equals; slot order breaks ties (specific slots come first).
    candidates.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.1.cmp(&b.1)));
    let mut alternatives: Vec<Alternative> = vec![];
    for (ci, si, score, reason) in &candidates {
        let taken = alternatives
            .iter()
            .filter(|a| a.column == columns[*ci])
            .count();
        if taken < 3 && *score >= MIN_CONFIDENCE * 0.8 {
            alternatives.push(Alternative {
                column: columns[*ci].clone(),
                slot: slots[*si].slot.clone(),
                confidence: round2(*score),
                reason: reason.clone(),
            });
        }
    }

    let mut used_col = vec![false; columns.len()];
    let mut used_slot = vec![false; slots.len()];
    let mut chosen: Vec<(usize, Suggestion)> = vec![];
    // First + last name beat a column that merely contains "name", but not a real full-name column.
    if let Some(name_slot) = slots
        .iter()
        .position(|s| s.slot == Slot::Attribute("Name".into()))
    {
        let full_name = candidates
            .iter()
            .any(|(_, si, score, _)| *si == name_slot && *score >= 0.9);
        if !full_name && name_template(&profiles, &mut used_col, &mut chosen, target) {
            used_slot[name_slot] = true;
        }
    }
    for (ci, si, score, reason) in candidates {
        if score < MIN_CONFIDENCE {
            if near_miss[ci].as_ref().is_none_or(|(s, _)| *s < score) {
                near_miss[ci] = Some((
                    score,
                    format!("closest: {} ({score:.2}, {reason})", slots[si].slot.key()),
                ));
            }
            continue;
        }
        if used_col[ci] || used_slot[si] {
            continue;
        }
        used_col[ci] = true;
        used_slot[si] = true;
        chosen.push((
            ci,
            Suggestion {
                slot: slots[si].slot.clone(),
                columns: vec![columns[ci].clone()],
                spec: FieldSpec::column(&columns[ci]),
                confidence: round2(score),
                reason,
            },
        ));
    }

    id_fallback(&profiles, &mut chosen, target);

    // With line items the cart carries the prices; a total column would be ignored, so leave it unmapped.
    let has_cart = chosen
        .iter()
        .any(|(_, s)| s.slot == Slot::CartItem(CartField::Sku));
    if has_cart && let Some(pos) = chosen.iter().position(|(_, s)| s.slot == Slot::Total) {
        let (ci, _) = chosen.remove(pos);
        used_col[ci] = false;
        near_miss[ci] = Some((
            0.0,
            "the order total: not needed, Talon.One computes it from the line items".into(),
        ));
    }
    // Cart-item fields only make sense with a SKU.
    if !has_cart {
        for (ci, _) in chosen
            .iter()
            .filter(|(_, s)| matches!(s.slot, Slot::CartItem(_) | Slot::CartItemAttribute(_)))
        {
            used_col[*ci] = false;
            near_miss[*ci] = Some((
                0.0,
                "a line-item field, but no SKU column was found to build cart items from".into(),
            ));
        }
        chosen.retain(|(_, s)| !matches!(s.slot, Slot::CartItem(_) | Slot::CartItemAttribute(_)));
    }

    for (_, s) in chosen.iter_mut() {
        if target == Target::Sessions
            && s.slot == Slot::Id
            && s.columns
                .first()
                .is_some_and(|c| Normalized::new(c).compact == "name")
        {
            s.reason
                .push_str("; Shopify's order export calls the order number \"Name\" (#1001)");
        }
    }
    chosen.sort_by_key(|(ci, s)| (slot_rank(&s.slot), *ci));
    let unmatched = profiles
        .iter()
        .enumerate()
        .filter(|(ci, _)| !used_col[*ci] && !chosen.iter().any(|(c, _)| c == ci))
        .map(|(ci, p)| Unmatched {
            column: p.name.clone(),
            kind: p.kind,
            hint: match &near_miss[ci] {
                Some((_, h)) => format!("{h}; {}", declare_hint(p, target)),
                None => declare_hint(p, target),
            },
        })
        .collect();
    Suggestions {
        target,
        suggestions: chosen.into_iter().map(|(_, s)| s).collect(),
        unmatched,
        profiles,
        alternatives,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn slot_rank(s: &Slot) -> u8 {
    match s {
        Slot::Id => 0,
        Slot::ProfileId => 1,
        Slot::Attribute(_) => 2,
        Slot::Total => 3,
        Slot::CartItem(_) => 4,
        Slot::CartItemAttribute(_) => 5,
        Slot::AdditionalCost(_) => 6,
    }
}

/// How to import a column nothing matched: declare it as a custom attribute of a type that fits its values.
fn declare_hint(p: &ColumnProfile, target: Target) -> String {
    let kind = suggested_type(p);
    let name = attribute_name(&p.name);
    let entity = match target {
        Target::Profiles => "CustomerProfile",
        Target::Sessions => "CustomerSession",
    };
    if name.is_empty() {
        return "no Talon.One attribute matches".into();
    }
    format!(
        "to import it, create a {entity} attribute in Talon.One (or declare it under [custom_attributes], \
         e.g. {name} = \"{kind}\") and add [attributes.{name}] column = {:?}",
        p.name
    )
}

/// The Talon.One type that fits a column's values.
pub fn suggested_type(p: &ColumnProfile) -> AttrType {
    match p.kind {
        ValueKind::Number => AttrType::Number,
        ValueKind::Boolean => AttrType::Boolean,
        ValueKind::Date => AttrType::Time,
        _ if p.looks_like_list => AttrType::ListString,
        _ => AttrType::String,
    }
}

/// A valid attribute name (`^[A-Za-z]\w*$`) from a column name: `Accepts Email Marketing` →
/// `AcceptsEmailMarketing`.
pub fn attribute_name(column: &str) -> String {
    let words = Normalized::new(column).words;
    let mut out = String::new();
    for w in words {
        let mut cs = w.chars();
        if let Some(first) = cs.next() {
            out.extend(first.to_uppercase());
            out.push_str(cs.as_str());
        }
    }
    let start = out
        .char_indices()
        .find(|(_, c)| c.is_ascii_alphabetic())
        .map(|(i, _)| i);
    match start {
        Some(i) => out[i..].to_string(),
        None => String::new(),
    }
}

/// `Name = "{First Name} {Last Name}"` when the file has first and last name but no full-name column.
fn name_template(
    profiles: &[ColumnProfile],
    used_col: &mut [bool],
    chosen: &mut Vec<(usize, Suggestion)>,
    target: Target,
) -> bool {
    if target != Target::Profiles {
        return false;
    }
    let find = |phrases: &[&str]| {
        let mut best: Option<(usize, f64)> = None;
        for (ci, p) in profiles.iter().enumerate() {
            if used_col[ci]
                || matches!(
                    p.kind,
                    ValueKind::Date | ValueKind::Number | ValueKind::Email
                )
            {
                continue;
            }
            let col = Normalized::new(&p.name);
            if let Some((score, _)) = match_phrases(&col, phrases, 0.95)
                && score >= MIN_CONFIDENCE
                && best.is_none_or(|(_, s)| s < score)
            {
                best = Some((ci, score));
            }
        }
        best
    };
    let (Some((first, s1)), Some((last, s2))) = (find(FIRST_NAME), find(LAST_NAME)) else {
        return false;
    };
    if first == last {
        return false;
    }
    used_col[first] = true;
    used_col[last] = true;
    let (f, l) = (&profiles[first].name, &profiles[last].name);
    chosen.push((
        first,
        Suggestion {
            slot: Slot::Attribute("Name".into()),
            columns: vec![f.clone(), l.clone()],
            spec: FieldSpec::template(format!("{{{f}}} {{{l}}}")),
            confidence: round2(s1.min(s2) * 0.95),
            reason: format!("first name {f:?} and last name {l:?} joined into the full name"),
        },
    ));
    true
}

/// Without an id column, the email address is the only thing that identifies a customer; say why it is weak.
fn id_fallback(profiles: &[ColumnProfile], chosen: &mut Vec<(usize, Suggestion)>, target: Target) {
    let slot = match target {
        Target::Profiles => Slot::Id,
        Target::Sessions => Slot::ProfileId,
    };
    if chosen.iter().any(|(_, s)| s.slot == slot) {
        return;
    }
    let email = chosen
        .iter()
        .find(|(_, s)| s.slot == Slot::Attribute("Email".into()))
        .map(|(ci, _)| *ci)
        .or_else(|| profiles.iter().position(|p| p.kind == ValueKind::Email));
    if let Some(ci) = email {
        let name = &profiles[ci].name;
        chosen.push((
            ci,
            Suggestion {
                slot,
                columns: vec![name.clone()],
                spec: FieldSpec::column(name),
                confidence: 0.4,
                reason: format!(
                    "no customer id column found, so the email address {name:?} is used; a poor id because \
                     customers change their address — prefer a customer number if the shop has one"
                ),
            },
        ));
    }
}

/// A column name in comparable form: lower case, accents folded, camelCase and digits split into words.
#[derive(Debug, Clone)]
struct Normalized {
    words: Vec<String>,
    compact: String,
}

impl Normalized {
    fn new(s: &str) -> Self {
        let mut spaced = String::new();
        let mut prev: Option<char> = None;
        // "e-mail" and "E_Mail" should read as one word, but "Billing-City" as two: only a lone letter
        // before the dash joins.
        for c in s.nfd().filter(|c| !is_combining(*c)) {
            let c = match c {
                'ß' => {
                    spaced.push_str("ss");
                    prev = Some('s');
                    continue;
                }
                c => c,
            };
            if let Some(p) = prev {
                let camel = p.is_lowercase() && c.is_uppercase();
                let digit = (p.is_alphabetic() && c.is_ascii_digit())
                    || (p.is_ascii_digit() && c.is_alphabetic());
                if camel || digit {
                    spaced.push(' ');
                }
            }
            if c.is_alphanumeric() {
                spaced.extend(c.to_lowercase());
            } else {
                spaced.push(' ');
            }
            prev = Some(c);
        }
        let mut words: Vec<String> = spaced.split_whitespace().map(str::to_string).collect();
        // "e mail" → "email"
        let mut i = 0;
        while i + 1 < words.len() {
            if words[i] == "e" && words[i + 1].starts_with("mail") {
                let next = words.remove(i + 1);
                words[i].push_str(&next);
            }
            i += 1;
        }
        let compact = words.concat();
        Normalized { words, compact }
    }
}

fn is_combining(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// Words that may surround a field name without changing its meaning (`Default Address City` is the city).
const NOISE: &[&str] = &[
    "default",
    "address",
    "customer",
    "customers",
    "client",
    "kunden",
    "kunde",
    "primary",
    "main",
    "the",
    "of",
    "de",
    "du",
    "del",
    "la",
    "le",
    "der",
    "des",
    "code",
    "your",
];

/// The best score of `col` against `phrases` (each at confidence `base` when equal), with the reason.
fn match_phrases(col: &Normalized, phrases: &[&str], base: f64) -> Option<(f64, String)> {
    let mut best: Option<(f64, String)> = None;
    let mut offer = |score: f64, why: String| {
        if best.as_ref().is_none_or(|(s, _)| *s < score) {
            best = Some((score, why));
        }
    };
    for phrase in phrases {
        let p = Normalized::new(phrase);
        if p.compact.is_empty() {
            continue;
        }
        if p.compact == col.compact {
            offer(base, format!("{phrase:?} is a known name for it"));
            continue;
        }
        // Every word of the phrase appears in the column name.
        if p.words.iter().all(|w| col.words.contains(w)) && p.compact.len() >= 3 {
            let extra: Vec<&String> = col.words.iter().filter(|w| !p.words.contains(w)).collect();
            if extra.iter().all(|w| NOISE.contains(&w.as_str())) {
                offer(base * 0.9, format!("contains {phrase:?}"));
            } else {
                offer(base * 0.62, format!("contains {phrase:?}"));
            }
            continue;
        }
        if p.compact.len() >= 4 && col.compact.len() >= 4 {
            let sim = strsim::normalized_damerau_levenshtein(&p.compact, &col.compact);
            if sim >= 0.8 {
                offer(base * sim * 0.85, format!("spelled like {phrase:?}"));
            }
        }
    }
    best
}

/// What a slot accepts, from the attribute's type or the field's meaning.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Accepts {
    Identifier,
    Type(AttrType),
    Email,
    Phone,
    Number,
}

/// A slot with the names it goes by.
struct SlotDef {
    slot: Slot,
    accepts: Accepts,
    /// (phrases, confidence when equal).
    names: Vec<(Vec<String>, f64)>,
}

impl SlotDef {
    fn best_match(&self, col: &Normalized) -> Option<(f64, String)> {
        let mut best: Option<(f64, String)> = None;
        for (phrases, base) in &self.names {
            let refs: Vec<&str> = phrases.iter().map(String::as_str).collect();
            if let Some((s, why)) = match_phrases(col, &refs, *base)
                && best.as_ref().is_none_or(|(b, _)| *b < s)
            {
                best = Some((s, why));
            }
        }
        best
    }

    /// Checks the column's values against the slot; `Ok` with the adjusted score and an optional note, or
    /// `Err` saying why the values rule it out.
    fn check(&self, p: &ColumnProfile, score: f64) -> Result<(f64, Option<String>), String> {
        use ValueKind as K;
        if p.kind == K::Empty {
            return Ok((
                score * 0.8,
                Some("no sample values to check it against".into()),
            ));
        }
        let reject = || Err(format!("its values are {}", p.kind.as_str()));
        match self.accepts {
            Accepts::Identifier => {
                if matches!(p.kind, K::Date | K::Boolean) {
                    return reject();
                }
                let fill = p.fill_ratio();
                let mut note = None;
                let mut score = score;
                if fill < 1.0 {
                    score *= fill.max(0.3);
                    note = Some(format!(
                        "empty in {} of {} sample rows",
                        p.rows - p.filled,
                        p.rows
                    ));
                }
                if p.kind == K::Email {
                    score *= 0.8;
                    note = Some(
                        "these are email addresses: a poor id because customers change them".into(),
                    );
                }
                Ok((score, note))
            }
            Accepts::Email => match p.kind {
                K::Email => Ok((score, None)),
                _ => reject(),
            },
            Accepts::Phone => match p.kind {
                K::Phone | K::Number | K::Text => Ok((score, None)),
                _ => reject(),
            },
            Accepts::Number => match p.kind {
                K::Number => Ok((score, None)),
                _ => reject(),
            },
            Accepts::Type(t) => match (t, p.kind) {
                (AttrType::Time | AttrType::ListTime, K::Date) => Ok((score, None)),
                (AttrType::Time | AttrType::ListTime, _) => reject(),
                (AttrType::Number | AttrType::ListNumber, K::Number) => Ok((score, None)),
                (AttrType::Number | AttrType::ListNumber, _) => reject(),
                (AttrType::Boolean, K::Boolean) => Ok((score, None)),
                (AttrType::Boolean, _) => reject(),
                (AttrType::ListString, _) => Ok((score, None)),
                (_, K::Date | K::Boolean | K::Email) => reject(),
                _ => Ok((score, None)),
            },
        }
    }
}

fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The slots a target has, specific ones first (they win ties).
fn slots_for(target: Target, catalog: &Catalog) -> Vec<SlotDef> {
    let mut out = vec![];
    match target {
        Target::Profiles => {
            out.push(SlotDef {
                slot: Slot::Id,
                accepts: Accepts::Identifier,
                names: vec![
                    (v(CUSTOMER_ID), 0.95),
                    (v(&["id", "nr", "no", "number"]), 0.75),
                ],
            });
        }
        Target::Sessions => {
            out.push(SlotDef {
                slot: Slot::Id,
                accepts: Accepts::Identifier,
                names: vec![
                    (v(ORDER_ID), 0.95),
                    (v(&["id", "nr", "no", "number"]), 0.7),
                    // Shopify's order export calls the order number "Name" (#1001).
                    (v(&["name"]), 0.6),
                ],
            });
            out.push(SlotDef {
                slot: Slot::ProfileId,
                accepts: Accepts::Identifier,
                names: vec![
                    (v(CUSTOMER_ID), 0.95),
                    (v(&["email", "customer email"]), 0.55),
                ],
            });
            out.push(SlotDef {
                slot: Slot::AdditionalCost("shipping".into()),
                accepts: Accepts::Number,
                names: vec![(v(SHIPPING_COST), 0.97)],
            });
            for (field, names) in [
                (CartField::Sku, CART_SKU),
                (CartField::Quantity, CART_QUANTITY),
                (CartField::Price, CART_PRICE),
                (CartField::Name, CART_NAME),
                (CartField::Category, CART_CATEGORY),
            ] {
                out.push(SlotDef {
                    slot: Slot::CartItem(field),
                    accepts: match field {
                        CartField::Quantity | CartField::Price => Accepts::Number,
                        _ => Accepts::Type(AttrType::String),
                    },
                    names: vec![(v(names), 0.95)],
                });
            }
            out.push(SlotDef {
                slot: Slot::Total,
                accepts: Accepts::Number,
                names: vec![(v(ORDER_TOTAL), 0.9)],
            });
        }
    }
    let entity = match target {
        Target::Profiles => Entity::CustomerProfile,
        Target::Sessions => Entity::CustomerSession,
    };
    for a in catalog.of(entity) {
        // Shipping is sent as an additional cost (what Talon.One's cart logic uses), not as this attribute.
        if target == Target::Sessions && a.name == "ShippingCost" {
            continue;
        }
        out.push(attribute_slot(
            Slot::Attribute(a.name.clone()),
            &a.name,
            &a.title,
            a.kind,
        ));
    }
    if target == Target::Sessions {
        for a in catalog.of(Entity::CartItem) {
            out.push(attribute_slot(
                Slot::CartItemAttribute(a.name.clone()),
                &a.name,
                &a.title,
                a.kind,
            ));
        }
    }
    out
}

fn attribute_slot(slot: Slot, name: &str, title: &str, kind: AttrType) -> SlotDef {
    let accepts = match name {
        "Email" => Accepts::Email,
        "Phone" => Accepts::Phone,
        _ => Accepts::Type(kind),
    };
    let mut names = vec![(vec![name.to_string(), title.to_string()], 1.0)];
    if let Some((_, syn)) = SYNONYMS.iter().find(|(n, _)| *n == name) {
        names.push((v(syn), 0.95));
    }
    if let Some((_, syn)) = WEAK_SYNONYMS.iter().find(|(n, _)| *n == name) {
        names.push((v(syn), 0.8));
    }
    // Cart-item attributes share words with the session's ("Color"); prefix them so "Lineitem color" fits.
    if matches!(&slot, Slot::CartItemAttribute(_)) {
        names.push((
            vec![
                format!("lineitem {name}"),
                format!("line item {name}"),
                format!("item {name}"),
            ],
            0.95,
        ));
    }
    SlotDef {
        slot,
        accepts,
        names,
    }
}

#[rustfmt::skip]
const CUSTOMER_ID: &[&str] = &[
    "customer id", "customer no", "customer number", "customer nr", "customer code", "customer ref",
    "customer reference", "client id", "client number", "member id", "member number", "membership number",
    "user id", "account id", "account number", "integration id", "profile id", "contact id", "kundennummer",
    "kunden nr", "kundennr", "kunden id", "kundenid", "kd nr", "mitgliedsnummer", "numero client",
    "numéro de client", "id client", "code client", "numero de cliente", "id cliente", "id de cliente",
    "klantnummer", "klant id", "klantnr", "codice cliente", "numero cliente", "customer",
];

#[rustfmt::skip]
const ORDER_ID: &[&str] = &[
    "order id", "order number", "order no", "order nr", "order", "order name", "order reference", "order ref",
    "transaction id", "transaction number", "session id", "receipt number", "receipt id", "bestellnummer",
    "bestell nr", "bestellnr", "bestellung", "auftragsnummer", "auftrags nr", "auftrag", "belegnummer",
    "bonnummer", "numero de commande", "numéro de commande", "commande", "id commande", "numero de pedido",
    "número de pedido", "pedido", "id pedido", "ordernummer", "bestelnummer", "numero ordine", "ordine",
    "id ordine",
];

#[rustfmt::skip]
const SHIPPING_COST: &[&str] = &[
    "shipping", "shipping cost", "shipping costs", "shipping price", "shipping fee", "shipping amount",
    "shipping total", "delivery cost", "delivery fee", "delivery charge", "freight", "postage", "versand",
    "versandkosten", "lieferkosten", "porto", "frais de port", "frais de livraison", "livraison",
    "gastos de envio", "envio", "verzendkosten", "spese di spedizione", "spedizione",
];

#[rustfmt::skip]
const CART_SKU: &[&str] = &[
    "lineitem sku", "line item sku", "item sku", "product sku", "variant sku", "sku", "article number",
    "article no", "item number", "item no", "product code", "product id", "item code", "ean", "gtin",
    "artikelnummer", "artikel nr", "artikelnr", "art nr", "produktnummer", "reference", "référence produit",
    "referencia", "artikelnummer", "codice articolo", "codice prodotto",
];

#[rustfmt::skip]
const CART_QUANTITY: &[&str] = &[
    "lineitem quantity", "line item quantity", "item quantity", "quantity", "qty", "units", "menge", "anzahl",
    "stuck", "stückzahl", "quantite", "quantité", "cantidad", "aantal", "quantita", "quantità",
];

#[rustfmt::skip]
const CART_PRICE: &[&str] = &[
    "lineitem price", "line item price", "item price", "unit price", "price", "price per unit", "preis",
    "einzelpreis", "stuckpreis", "stückpreis", "prix", "prix unitaire", "precio", "precio unitario", "prijs",
    "stukprijs", "prezzo", "prezzo unitario",
];

#[rustfmt::skip]
const CART_NAME: &[&str] = &[
    "lineitem name", "line item name", "item name", "product name", "product title", "product", "item",
    "produkt", "produktname", "artikel", "artikelname", "artikelbezeichnung", "bezeichnung", "nom du produit",
    "produit", "article", "producto", "nombre del producto", "productnaam", "nome prodotto", "prodotto",
];

#[rustfmt::skip]
const CART_CATEGORY: &[&str] = &[
    "lineitem category", "line item category", "category", "product category", "product type",
    "item category", "kategorie", "produktkategorie", "warengruppe", "catégorie", "categorie", "categoria",
    "categoría",
];

#[rustfmt::skip]
const ORDER_TOTAL: &[&str] = &[
    "total", "order total", "grand total", "total amount", "order amount", "amount", "total price", "gesamt",
    "gesamtbetrag", "gesamtsumme", "summe", "betrag", "bestellwert", "montant", "montant total", "total ttc",
    "importe", "importe total", "totaal", "totaalbedrag", "totale", "importo",
];

#[rustfmt::skip]
const FIRST_NAME: &[&str] = &[
    "first name", "firstname", "given name", "forename", "vorname", "prenom", "prénom", "nombre", "voornaam",
    "nome",
];

#[rustfmt::skip]
const LAST_NAME: &[&str] = &[
    "last name", "lastname", "surname", "family name", "nachname", "familienname", "nom", "nom de famille",
    "apellido", "apellidos", "achternaam", "cognome",
];

/// Extra names of built-in attributes (the attribute's own name and title always count).
#[rustfmt::skip]
const SYNONYMS: &[(&str, &[&str])] = &[
    ("Name", &[
        "full name", "name", "customer name", "kundenname", "vollständiger name", "nom complet",
        "nombre completo", "volledige naam", "naam", "nome completo", "contact name"
    ]),
    ("Email", &[
        "email", "email address", "e-mail-adresse", "mail", "mail address", "customer email", "courriel",
        "adresse email", "correo", "correo electronico", "emailadres", "indirizzo email"
    ]),
    ("Phone", &[
        "phone", "phone number", "telephone", "tel", "telefon", "telefonnummer", "mobile", "mobile phone",
        "mobile number", "mobil", "handy", "handynummer", "cell", "cell phone", "téléphone", "portable",
        "telefono", "teléfono", "movil", "telefoonnummer", "cellulare"
    ]),
    ("Title", &[
        "salutation", "anrede", "civilité", "tratamiento", "aanhef", "titolo"
    ]),
    ("Gender", &[
        "gender", "sex", "geschlecht", "genre", "sexe", "sexo", "género", "geslacht", "sesso"
    ]),
    ("BirthDate", &[
        "birth date", "birthday", "date of birth", "dob", "born", "geburtsdatum", "geburtstag",
        "date de naissance", "fecha de nacimiento", "geboortedatum", "data di nascita"
    ]),
    ("SignupDate", &[
        "signup", "sign up", "signup date", "signed up", "created", "created at", "creation date",
        "date created", "registered", "registered at", "registration date", "registration", "member since",
        "customer since", "joined", "date joined", "anmeldedatum", "registrierungsdatum", "registriert",
        "registriert am", "erstellt", "erstellt am", "angelegt am", "kunde seit", "date d'inscription",
        "inscription", "date de création", "fecha de registro", "fecha de alta", "alta", "aangemaakt",
        "registratiedatum", "data di registrazione", "iscrizione"
    ]),
    ("Address1", &[
        "address", "address1", "address line 1", "street", "street address", "street 1", "strasse", "straße",
        "straße und hausnummer", "anschrift", "adresse", "rue", "calle", "direccion", "dirección", "straat",
        "adres", "indirizzo", "via"
    ]),
    ("Address2", &[
        "address2", "address line 2", "street 2", "adresszusatz", "complément d'adresse", "adresse 2"
    ]),
    ("City", &[
        "city", "town", "ort", "stadt", "wohnort", "ville", "ciudad", "localidad", "stad", "plaats",
        "woonplaats", "città", "citta"
    ]),
    ("PostCode", &[
        "postcode", "post code", "postal code", "zip", "zip code", "zipcode", "plz", "postleitzahl",
        "code postal", "cp", "código postal", "codigo postal", "cap"
    ]),
    ("Region", &[
        "region", "state", "province", "province code", "state code", "county", "bundesland", "provinz",
        "kanton", "département", "provincia", "estado", "provincie"
    ]),
    ("Country", &[
        "country", "country code", "land", "pays", "pais", "país", "paese", "nation", "landcode",
        "ländercode"
    ]),
    ("Company", &[
        "company", "company name", "organization", "organisation", "firma", "firmenname", "unternehmen",
        "société", "entreprise", "empresa", "bedrijf", "azienda", "business name"
    ]),
    ("Language", &[
        "language", "locale", "preferred language", "sprache", "langue", "idioma", "taal", "lingua"
    ]),
    ("ReferralCode", &[
        "referral code", "referral", "referred by", "empfehlungscode", "werbecode", "code de parrainage",
        "código de referido"
    ]),
    ("BillingName", &[
        "billing name", "bill to name", "rechnungsname", "name rechnungsadresse", "nom de facturation"
    ]),
    ("BillingAddress1", &[
        "billing address", "billing street", "billing address1", "billing address line 1", "rechnungsadresse",
        "rechnungsstrasse", "adresse de facturation"
    ]),
    ("BillingAddress2", &[
        "billing address2", "billing address line 2"
    ]),
    ("BillingCity", &[
        "billing city", "billing town", "rechnungsort", "rechnungsstadt", "ville de facturation"
    ]),
    ("BillingPostalCode", &[
        "billing zip", "billing postcode", "billing post code", "billing postal code", "billing zip code",
        "rechnungs plz", "rechnungspostleitzahl"
    ]),
    ("BillingCountry", &[
        "billing country", "billing country code", "rechnungsland", "pays de facturation"
    ]),
    ("ShippingName", &[
        "shipping name", "ship to name", "delivery name", "lieferadresse name", "nom de livraison"
    ]),
    ("ShippingAddress1", &[
        "shipping address", "shipping street", "shipping address1", "shipping address line 1",
        "delivery address", "lieferadresse", "lieferstrasse", "adresse de livraison"
    ]),
    ("ShippingAddress2", &[
        "shipping address2", "shipping address line 2"
    ]),
    ("ShippingCity", &[
        "shipping city", "delivery city", "lieferort", "lieferstadt", "ville de livraison"
    ]),
    ("ShippingPostalCode", &[
        "shipping zip", "shipping postcode", "shipping post code", "shipping postal code",
        "shipping zip code", "delivery zip", "liefer plz", "lieferpostleitzahl"
    ]),
    ("ShippingCountry", &[
        "shipping country", "shipping country code", "delivery country", "lieferland", "pays de livraison"
    ]),
    ("ShippingMethod", &[
        "shipping method", "shipping type", "delivery method", "carrier", "versandart", "versandmethode",
        "lieferart", "mode de livraison", "método de envío"
    ]),
    ("PaymentMethod", &[
        "payment method", "payment", "payment type", "zahlungsart", "zahlungsmethode", "zahlweise",
        "mode de paiement", "moyen de paiement", "método de pago", "metodo de pago", "betaalmethode",
        "metodo di pagamento"
    ]),
    ("Currency", &[
        "currency", "currency code", "währung", "devise", "monnaie", "moneda", "valuta"
    ]),
    ("OrderDate", &[
        "order date", "ordered at", "created", "created at", "purchase date", "bestelldatum", "datum",
        "bestellt am", "auftragsdatum", "date de commande", "fecha del pedido", "besteldatum", "orderdatum",
        "data ordine"
    ]),
    ("Color", &[
        "colour", "color name", "farbe", "couleur", "kleur", "colore"
    ]),
    ("Size", &[
        "grosse", "größe", "taille", "talla", "maat", "taglia"
    ]),
    ("Brand", &[
        "brand name", "marke", "marque", "marca", "merk"
    ]),
    ("Material", &[
        "fabric", "stoff", "matière", "tejido", "materiaal", "materiale"
    ]),
    ("StoreCode", &[
        "store", "store code", "store id", "shop", "shop id", "location", "branch", "filiale", "filialnummer",
        "magasin", "tienda", "winkel", "negozio"
    ]),
];

/// Names that usually, but not always, mean the attribute (a payment date is near the order date).
#[rustfmt::skip]
const WEAK_SYNONYMS: &[(&str, &[&str])] = &[
    ("OrderDate", &[
        "date", "paid at", "processed at", "datum", "fecha"
    ]),
    ("SignupDate", &[
        "first order", "first order date"
    ]),
    ("Brand", &[
        "vendor", "manufacturer", "hersteller", "fabricant", "fabricante"
    ]),
];

impl Suggestions {
    /// The acceptable slots for one column, best first (for a picker).
    pub fn alternatives_for<'a>(
        &'a self,
        column: &'a str,
    ) -> impl Iterator<Item = &'a Alternative> {
        self.alternatives.iter().filter(move |a| a.column == column)
    }

    /// The suggestion for a slot, if any.
    pub fn get(&self, slot: &Slot) -> Option<&Suggestion> {
        self.suggestions.iter().find(|s| &s.slot == slot)
    }

    /// The mapping the suggestions describe, reading `file`. Without an id suggestion the id column is
    /// left empty for the admin to fill in (the mapping will not validate until then, on purpose).
    pub fn to_mapping(&self, file: impl Into<PathBuf>) -> Mapping {
        let id = self
            .get(&Slot::Id)
            .and_then(|s| s.spec.column.clone())
            .unwrap_or_default();
        let mut m = Mapping::new(self.target, file, id);
        for s in &self.suggestions {
            let spec = s.spec.clone();
            match &s.slot {
                Slot::Id => {}
                Slot::ProfileId => m.profile_id = Some(spec),
                Slot::Attribute(n) => {
                    m.attributes.insert(n.clone(), spec);
                }
                Slot::Total => {
                    m.total = Some(TotalSpec {
                        field: spec,
                        ..Default::default()
                    })
                }
                Slot::AdditionalCost(n) => {
                    m.additional_costs.insert(n.clone(), spec);
                }
                Slot::CartItem(f) => {
                    let cart = m.cart_items.get_or_insert_with(CartItemsSpec::default);
                    match f {
                        CartField::Sku => cart.sku = spec,
                        CartField::Name => cart.name = Some(spec),
                        CartField::Quantity => cart.quantity = Some(spec),
                        CartField::Price => cart.price = Some(spec),
                        CartField::Category => cart.category = Some(spec),
                    }
                }
                Slot::CartItemAttribute(n) => {
                    let cart = m.cart_items.get_or_insert_with(CartItemsSpec::default);
                    cart.attributes.insert(n.clone(), spec);
                }
            }
        }
        if m.target == Target::Sessions {
            m.state = Some("closed".into());
        }
        m
    }

    /// The mapping as TOML with a comment above each suggested table giving its confidence and reason, and
    /// the unmatched columns listed at the end as comments. It parses back to `mapping`.
    pub fn to_commented_toml(&self, mapping: &Mapping, header: &str) -> String {
        let body = mapping.to_toml();
        let mut out = String::new();
        for line in header.lines() {
            out.push_str(&comment(line));
        }
        if !header.is_empty() {
            out.push('\n');
        }
        if self.get(&Slot::Id).is_none() {
            out.push_str(&comment(
                "TODO: no id column was found; set [id] column to the column that identifies each record.",
            ));
        }
        for line in body.lines() {
            if let Some(table) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let table = table.trim_matches('[').trim_matches(']');
                let hit = self.suggestions.iter().find(|s| s.slot.key() == table);
                if let Some(s) = hit {
                    out.push_str(&comment(&format!(
                        "{:.2} {}: {}",
                        s.confidence,
                        confidence_word(s.confidence),
                        s.reason
                    )));
                } else if table == "cart_items" {
                    for s in self
                        .suggestions
                        .iter()
                        .filter(|s| matches!(s.slot, Slot::CartItem(_)))
                    {
                        out.push_str(&comment(&format!(
                            "{}: {:.2} {}: {}",
                            s.slot.key(),
                            s.confidence,
                            confidence_word(s.confidence),
                            s.reason
                        )));
                    }
                }
            }
            out.push_str(line);
            out.push('\n');
        }
        if !self.unmatched.is_empty() {
            out.push('\n');
            out.push_str(&comment("Columns not mapped (nothing is sent for them):"));
            for u in &self.unmatched {
                out.push_str(&comment(&format!(
                    "  {:?} ({}): {}",
                    u.column,
                    u.kind.as_str(),
                    u.hint
                )));
            }
        }
        out
    }
}

/// A word for the wizard and the file: how sure the match is.
pub fn confidence_word(c: f64) -> &'static str {
    if c >= 0.9 {
        "sure"
    } else if c >= 0.7 {
        "likely"
    } else {
        "check"
    }
}

/// A TOML comment line; newlines in user text (column names) cannot break out of the comment.
fn comment(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("# {flat}\n").replace("# \n", "#\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }
    fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|r| cols(r)).collect()
    }

    #[test]
    fn normalizes_case_accents_camel_case_and_email() {
        assert_eq!(Normalized::new("CustomerId").compact, "customerid");
        assert_eq!(
            Normalized::new("E-Mail-Adresse").words,
            ["email", "adresse"]
        );
        assert_eq!(Normalized::new("Straße").compact, "strasse");
        assert_eq!(Normalized::new("Währung").compact, "wahrung");
        assert_eq!(Normalized::new("Address1").words, ["address", "1"]);
    }

    #[test]
    fn classifies_values() {
        assert_eq!(classify("2021-03-04"), ValueKind::Date);
        assert_eq!(classify("04.03.2021 10:30"), ValueKind::Date);
        assert_eq!(classify("3/4/21"), ValueKind::Date);
        assert_eq!(classify("anna@example.com"), ValueKind::Email);
        assert_eq!(classify("+49 30 1234567"), ValueKind::Phone);
        assert_eq!(classify("1.234,50 €"), ValueKind::Number);
        assert_eq!(classify("Ja"), ValueKind::Boolean);
        assert_eq!(classify("Berlin"), ValueKind::Text);
        assert_eq!(classify("10115"), ValueKind::Number);
    }

    #[test]
    fn attribute_names_are_valid() {
        assert_eq!(
            attribute_name("Accepts Email Marketing"),
            "AcceptsEmailMarketing"
        );
        assert_eq!(attribute_name("2nd tier"), "NdTier");
        assert_eq!(attribute_name("--"), "");
    }

    #[test]
    fn a_date_column_is_never_a_phone() {
        let s = suggest(
            &cols(&["Telefon"]),
            &rows(&[&["2021-03-04"], &["2022-01-01"]]),
            Target::Profiles,
            &Catalog::builtin(),
        );
        assert!(
            s.suggestions
                .iter()
                .all(|x| x.slot != Slot::Attribute("Phone".into()))
        );
        assert_eq!(s.unmatched.len(), 1);
        assert!(
            s.unmatched[0].hint.contains("dates"),
            "{}",
            s.unmatched[0].hint
        );
    }
}
