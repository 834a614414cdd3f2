//! `cargo bench --bench inspect`: reading speed and peak memory of the source layer against the raw csv crate.
//!
//! Generates a 10-column CSV (default 200 MB; `INSPECT_BENCH_MB=1000` for the 1 GB run), then in the same
//! process measures: the raw `csv` crate reading byte records only (the baseline), `source::open` + iterating
//! every row as owned `Row`s (clean values, notes), `source::open` + `read_into` (one reused `Row`, what
//! profiling and validation use), and the full `inspect` work (open + column profile). Prints MB/s, the
//! ratio to the baseline and peak RSS of each phase (Linux: VmHWM, reset between phases via clear_refs).

use std::io::Write;
use std::time::Instant;
use talon_import::source::{self, SourceOptions, profile};

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn generate(path: &std::path::Path, target_mb: u64) -> u64 {
    let file = std::fs::File::create(path).expect("create bench file");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    writeln!(out, "Customer Number,First Name,Last Name,Email,Phone,Signup Date,City,Country,Tier,Lifetime Value")
        .unwrap();
    let firsts = ["Lena", "Jürgen", "Émilie", "Oliver", "Lucía", "Noah"];
    let lasts = ["Müller", "Schmidt", "Dubois", "Smith", "García", "O'Connor"];
    let cities = ["Berlin", "München", "Paris", "London", "Madrid", "Köln"];
    let mut written = 0u64;
    let mut i = 0u64;
    while written < target_mb * 1_000_000 {
        let f = firsts[(i % 6) as usize];
        let l = lasts[(i / 6 % 6) as usize];
        let line = format!(
            "{:08},{f},{l},customer{i}@example.com,+49 30 {:07},20{:02}-{:02}-{:02},{},\"Germany, EU\",Gold,{}.{:02}\n",
            i,
            i % 10_000_000,
            19 + i % 6,
            1 + i % 12,
            1 + i % 28,
            cities[(i % 6) as usize],
            i % 5000,
            i % 100
        );
        out.write_all(line.as_bytes()).unwrap();
        written += line.len() as u64;
        i += 1;
    }
    out.flush().unwrap();
    written
}

fn main() {
    let mb: u64 = std::env::var("INSPECT_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.csv");
    let size = generate(&path, mb) as f64 / 1e6;
    println!("inspect bench: {size:.0} MB, 10 columns");

    reset_peak();
    let t = Instant::now();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(&path)
        .unwrap();
    let mut rec = csv::ByteRecord::new();
    let mut raw_rows = 0u64;
    while reader.read_byte_record(&mut rec).unwrap() {
        raw_rows += 1;
    }
    let raw = t.elapsed().as_secs_f64();
    let raw_rss = peak_rss_mb();
    println!(
        "raw csv crate (records only): {:>7.1} MB/s  {raw_rows} rows  peak RSS {:.0} MB",
        size / raw,
        raw_rss.unwrap_or(f64::NAN)
    );

    reset_peak();
    let t = Instant::now();
    let reader = source::open(&path, &SourceOptions::default()).unwrap();
    let rows = reader.filter(|r| r.is_ok()).count() as u64;
    let open = t.elapsed().as_secs_f64();
    println!(
        "source::open + iterate:        {:>7.1} MB/s  {rows} rows  ratio {:.2}x raw  peak RSS {:.0} MB",
        size / open,
        raw / open,
        peak_rss_mb().unwrap_or(f64::NAN)
    );

    reset_peak();
    let t = Instant::now();
    let mut reader = source::open(&path, &SourceOptions::default()).unwrap();
    let mut row = source::Row::empty();
    let mut reused = 0u64;
    while let Some(r) = reader.read_into(&mut row) {
        r.unwrap();
        reused += 1;
    }
    let into = t.elapsed().as_secs_f64();
    println!(
        "source::open + read_into:      {:>7.1} MB/s  {reused} rows  ratio {:.2}x raw  peak RSS {:.0} MB",
        size / into,
        raw / into,
        peak_rss_mb().unwrap_or(f64::NAN)
    );

    reset_peak();
    let t = Instant::now();
    let mut reader = source::open(&path, &SourceOptions::default()).unwrap();
    let p = profile::profile(&mut reader, None).unwrap();
    let full = t.elapsed().as_secs_f64();
    println!(
        "inspect (open + profile):      {:>7.1} MB/s  {} rows  ratio {:.2}x raw  peak RSS {:.0} MB",
        size / full,
        p.rows,
        raw / full,
        peak_rss_mb().unwrap_or(f64::NAN)
    );
    assert_eq!(rows, raw_rows);
    assert_eq!(reused, raw_rows);
}
