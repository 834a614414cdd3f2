//! `cargo bench --bench validate`: whole-file validation speed and peak memory against the raw csv crate.
//!
//! Generates a 10-column customer CSV (default 200,000 rows so the run stays under a minute;
//! `VALIDATE_BENCH_ROWS=1000000` for the 1M-row run of the README) and a 10-field profiles mapping (id,
//! template, email, phone, date without a format so the day/month order is decided over the whole column,
//! city, country, and three declared custom attributes of type string, number and boolean). In the same process
//! it measures the raw `csv` crate reading byte records only (the baseline) and `mapping::validate` over the
//! same file. Prints MB/s, rows/s, the ratio to the baseline and peak RSS of each phase (Linux: VmHWM, reset
//! between phases via clear_refs), best of `VALIDATE_BENCH_ROUNDS` interleaved rounds (default 3).

use std::io::Write;
use std::time::Instant;
use talon_import::mapping::validate::validate;
use talon_import::mapping::{Catalog, Mapping};

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

const MAPPING: &str = r#"target = "profiles"
[source]
file = "customers.csv"
[id]
column = "Customer Number"
prefix = "shop-"
[attributes.Name]
template = "{First Name} {Last Name}"
[attributes.Email]
column = "Email"
[attributes.Phone]
column = "Phone"
[attributes.SignupDate]
column = "Signup Date"
[attributes.City]
column = "City"
[attributes.Country]
column = "Country"
[attributes.LoyaltyTier]
column = "Tier"
[attributes.LifetimeValue]
column = "Lifetime Value"
[attributes.Newsletter]
column = "Newsletter"
[custom_attributes]
LoyaltyTier = "string"
LifetimeValue = "number"
Newsletter = "boolean"
"#;

fn generate(path: &std::path::Path, rows: u64) -> u64 {
    let file = std::fs::File::create(path).expect("create bench file");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let header = "Customer Number,First Name,Last Name,Email,Phone,Signup Date,City,Country,Tier,Lifetime Value,\
                  Newsletter\n";
    out.write_all(header.as_bytes()).unwrap();
    let mut written = header.len() as u64;
    let firsts = ["Lena", "Jürgen", "Émilie", "Oliver", "Lucía", "Noah"];
    let lasts = ["Müller", "Schmidt", "Dubois", "Smith", "García", "O'Connor"];
    let cities = ["Berlin", "München", "Paris", "London", "Madrid", "Köln"];
    let tiers = ["Bronze", "Silver", "Gold"];
    for i in 0..rows {
        let f = firsts[(i % 6) as usize];
        let l = lasts[(i / 6 % 6) as usize];
        // Day first, and row 13 of every 31 has a day above 12, which settles the order.
        let line = format!(
            "{:08},{f},{l},customer{i}@example.com,+49 30 {:07},{:02}/{:02}/20{:02},{},DE,{},\"{},{:02}\",{}\n",
            i,
            i % 10_000_000,
            1 + i % 28,
            1 + i % 12,
            10 + i % 15,
            cities[(i % 6) as usize],
            tiers[(i % 3) as usize],
            i % 5000,
            i % 100,
            if i % 2 == 0 { "yes" } else { "no" },
        );
        out.write_all(line.as_bytes()).unwrap();
        written += line.len() as u64;
    }
    out.flush().unwrap();
    written
}

fn main() {
    let rows: u64 = std::env::var("VALIDATE_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("customers.csv");
    let size = generate(&path, rows) as f64 / 1e6;
    let mapping_path = dir.path().join("customers.toml");
    std::fs::write(&mapping_path, MAPPING).unwrap();
    println!(
        "validate bench: {rows} rows, {size:.0} MB, 10 columns (11 in the file), 10-field mapping"
    );

    let rounds: usize = std::env::var("VALIDATE_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    // Interleaved rounds, best time per phase: keeps the ratio meaningful on a busy shared machine.
    let (mut raw, mut took) = (f64::INFINITY, f64::INFINITY);
    let (mut raw_rss, mut rss) = (0f64, 0f64);
    let mut raw_rows = 0u64;
    let mut report = None;
    for _ in 0..rounds {
        reset_peak();
        let t = Instant::now();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(&path)
            .unwrap();
        let mut rec = csv::ByteRecord::new();
        raw_rows = 0;
        while reader.read_byte_record(&mut rec).unwrap() {
            raw_rows += 1;
        }
        raw = raw.min(t.elapsed().as_secs_f64());
        raw_rss = raw_rss.max(peak_rss_mb().unwrap_or(f64::NAN));

        reset_peak();
        let t = Instant::now();
        let mapping = Mapping::load(&mapping_path).unwrap();
        let catalog = Catalog::for_mapping(&mapping);
        report = Some(validate(&mapping, &catalog, |_| {}).unwrap());
        took = took.min(t.elapsed().as_secs_f64());
        rss = rss.max(peak_rss_mb().unwrap_or(f64::NAN));
    }
    let report = report.expect("at least one round");
    println!("best of {rounds} rounds:");
    println!(
        "raw csv crate (records only): {:>7.1} MB/s  {:>9.0} rows/s  peak RSS {raw_rss:.0} MB",
        size / raw,
        raw_rows as f64 / raw,
    );
    println!(
        "mapping::validate:            {:>7.1} MB/s  {:>9.0} rows/s  ratio {:.2}x raw  peak RSS {rss:.0} MB",
        size / took,
        report.rows as f64 / took,
        raw / took,
    );
    println!(
        "report: {} rows, {} valid, {} invalid, {} warnings",
        report.rows, report.valid, report.invalid, report.warnings
    );
    for line in report.lines() {
        println!("  {line}");
    }
    assert_eq!(report.rows, raw_rows);
    assert_eq!(report.invalid, 0, "the generated file should be valid");
}
