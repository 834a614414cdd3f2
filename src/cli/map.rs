//! `talon-import map FILE --target profiles|sessions [-o MAPPING]`: reads the first rows of a file, suggests
//! a mapping with [`crate::mapping::suggest`] and writes it as commented TOML (or prints it). A summary of
//! what was matched, and how sure each match is, goes to stderr so stdout stays a clean mapping file.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::Context;

use crate::exit::{CmdResult, Exit, OK};
use crate::mapping::suggest::{Suggestions, confidence_word, suggest};
use crate::mapping::{Catalog, Mapping, Target};
use crate::source::SourceOptions;
use crate::text::for_terminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetArg {
    /// Customer profiles (one row per customer).
    Profiles,
    /// Past orders as closed customer sessions (one row per order or per line item).
    Sessions,
}

impl From<TargetArg> for Target {
    fn from(t: TargetArg) -> Target {
        match t {
            TargetArg::Profiles => Target::Profiles,
            TargetArg::Sessions => Target::Sessions,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The CSV or Excel file to map.
    pub file: PathBuf,
    /// What the file holds.
    #[arg(long, value_enum)]
    pub target: TargetArg,
    /// Write the mapping here (default: print it).
    #[arg(short = 'o', long = "output", value_name = "MAPPING")]
    pub output: Option<PathBuf>,
    /// Replace MAPPING if it exists.
    #[arg(long)]
    pub force: bool,
    /// Workbook sheet to read (default: the first sheet with data).
    #[arg(long)]
    pub sheet: Option<String>,
    /// 1-based row of the header (default: detected).
    #[arg(long, value_name = "ROW")]
    pub header_row: Option<usize>,
    /// CSV delimiter, e.g. ";" or "tab" (default: detected).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// How many data rows to look at when checking what the values look like.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub sample_rows: usize,
    /// Print the suggestions as JSON (with confidences and reasons) instead of a mapping.
    #[arg(long, conflicts_with = "output")]
    pub json: bool,
}

pub fn run(args: Args) -> CmdResult {
    let target: Target = args.target.into();
    if let Some(out) = &args.output
        && out.exists()
        && !args.force
    {
        return Err(Exit::usage(anyhow::anyhow!(
            "{} already exists; use --force to replace it or -o to choose another name",
            out.display()
        )));
    }
    let delimiter = match args.delimiter.as_deref() {
        None => None,
        Some(d) => {
            Some(crate::source::parse_delimiter(d).map_err(|m| Exit::usage(anyhow::anyhow!(m)))?)
        }
    };
    let opts = SourceOptions {
        sheet: args.sheet.clone(),
        header_row: args.header_row,
        delimiter,
        encoding: None,
    };
    let mut reader = crate::source::open(&args.file, &opts).map_err(Exit::usage)?;
    let columns = reader.info.columns.clone();
    let mut samples = vec![];
    for row in reader.by_ref().take(args.sample_rows) {
        let row = row.map_err(Exit::usage)?;
        samples.push(row.cells.into_iter().map(|c| c.value).collect::<Vec<_>>());
    }

    let catalog = load_catalog(None)?;
    let found = suggest(&columns, &samples, target, &catalog);

    if args.json {
        let text = serde_json::to_string_pretty(&found).context("writing JSON")?;
        super::out::print(format!("{text}\n"))?;
        return Ok(OK);
    }

    let file_in_mapping = match &args.output {
        Some(out) => relative_to(&args.file, out.parent().unwrap_or(Path::new("."))),
        None => relative_to(&args.file, Path::new(".")),
    };
    let mut mapping = found.to_mapping(file_in_mapping);
    mapping.source.sheet = args.sheet.clone().or(reader.info.sheet.clone());
    // A detected header below row 1 is written down, so later runs read the file the same way.
    mapping.source.header_row = args
        .header_row
        .or((reader.info.header_row > 1).then_some(reader.info.header_row));
    mapping.source.delimiter = args.delimiter.clone();
    let header = format!(
        "Mapping suggested by `talon-import map` from {} ({} columns, {} sample rows).\n\
         Review every line: the number above each table is how sure the match is (1 = same name).\n\
         Check it with: talon-import validate MAPPING, then talon-import preview MAPPING",
        args.file.display(),
        columns.len(),
        samples.len()
    );
    let text = found.to_commented_toml(&mapping, &header);

    match &args.output {
        Some(out) => {
            write_new(out, &text, args.force)
                .with_context(|| format!("writing {}", out.display()))
                .map_err(Exit::usage)?;
            eprint!("{}", summary(&found));
            eprintln!(
                "Wrote {}. Next: talon-import validate {}",
                out.display(),
                out.display()
            );
        }
        None => {
            eprint!("{}", summary(&found));
            super::out::print(text)?;
        }
    }
    Ok(OK)
}

/// Built-in attributes, plus the account's custom attributes when `TALON_MANAGEMENT_KEY` and
/// `TALON_BASE_URL` are set, plus what `mapping` declares (the admin's declaration wins).
pub(crate) fn load_catalog(mapping: Option<&Mapping>) -> Result<Catalog, Exit> {
    let mut catalog = Catalog::builtin();
    let fetched = crate::talon::management::fetch_from_env().map_err(|e| {
        let code = if e.is_connection() {
            crate::exit::ABORTED
        } else {
            crate::exit::USAGE
        };
        Exit {
            code,
            error: anyhow::Error::new(e)
                .context("loading custom attributes from the Management API"),
        }
    })?;
    if let Some(fetched) = fetched {
        eprintln!(
            "Loaded {} custom attributes from the Management API.",
            fetched.len()
        );
        catalog.extend(fetched);
    }
    if let Some(m) = mapping {
        catalog.declare(m);
    }
    Ok(catalog)
}

/// The human summary printed to stderr: one line per suggestion, then the columns left out.
pub fn summary(found: &Suggestions) -> String {
    let mut out = String::new();
    out.push_str("Suggested mapping:\n");
    let width = found
        .suggestions
        .iter()
        .map(|s| s.slot.key().len())
        .max()
        .unwrap_or(0);
    for s in &found.suggestions {
        let cols: Vec<String> = s
            .columns
            .iter()
            .map(|c| format!("{:?}", for_terminal(c)))
            .collect();
        out.push_str(&format!(
            "  {:<width$}  ← {}  {:.2} {}\n",
            s.slot.key(),
            cols.join(" + "),
            s.confidence,
            confidence_word(s.confidence),
        ));
    }
    if !found.unmatched.is_empty() {
        out.push_str("Not mapped:\n");
        for u in &found.unmatched {
            out.push_str(&format!(
                "  {:?} ({})\n",
                for_terminal(&u.column),
                u.kind.as_str()
            ));
        }
    }
    out
}

/// Writes `text` to `path`; without `force`, fails rather than replace a file created meanwhile.
fn write_new(path: &Path, text: &str, force: bool) -> std::io::Result<()> {
    let mut f = if force {
        std::fs::File::create(path)?
    } else {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?
    };
    f.write_all(text.as_bytes())
}

/// `file` as a path relative to `dir` (the mapping's folder), so the mapping and its data can move together.
/// Falls back to the absolute path when there is no relative one (another drive).
pub fn relative_to(file: &Path, dir: &Path) -> PathBuf {
    let (Ok(file_abs), Ok(dir_abs)) = (std::path::absolute(file), std::path::absolute(dir)) else {
        return file.to_path_buf();
    };
    fn norm(p: &Path) -> Vec<Component<'_>> {
        let mut out: Vec<Component<'_>> = vec![];
        for c in p.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                    out.pop();
                }
                c => out.push(c),
            }
        }
        out
    }
    let (f, d) = (norm(&file_abs), norm(&dir_abs));
    if f.first() != d.first() {
        return file_abs;
    }
    let common = f.iter().zip(&d).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..d.len() {
        rel.push("..");
    }
    for c in &f[common..] {
        rel.push(c.as_os_str());
    }
    rel
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_to(Path::new("/a/b/c.csv"), Path::new("/a/b")),
            PathBuf::from("c.csv")
        );
        assert_eq!(
            relative_to(Path::new("/a/x/c.csv"), Path::new("/a/b")),
            PathBuf::from("../x/c.csv")
        );
        assert_eq!(
            relative_to(Path::new("/a/b/./c.csv"), Path::new("/a/b/d/..")),
            PathBuf::from("c.csv")
        );
    }
}
