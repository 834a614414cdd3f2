//! `cargo bench --bench inspect`: reading speed and peak memory of the source layer against the raw csv crate.
//!
//! Generates a 10-column CSV (default 200 MB; `INSPECT_BENCH_MB=1000` for the 1 GB run), then in the same
//! process measures: the raw `csv` crate reading byte records only (the baseline), `source::open` + iterating
//! every row as owned `Row`s (clean values, notes), `source::open` + `read_into` (one reused `Row`, what
//! profiling and validation use), and the full `inspect` work (open + column profile). Prints MB/s, the
//! ratio to the baseline, CPU time of all threads (and its ratio: what counts when no second core is free) and
//! peak RSS of each phase (Linux: VmHWM, reset between phases via clear_refs). The
//! phases run interleaved for `INSPECT_BENCH_ROUNDS` rounds (default 3) and each keeps its best time.

mod common;

use common::{cpu_secs, peak_rss_mb, reset_peak};
use std::io::Write;
use std::time::Instant;
use talon_import::source::{self, SourceOptions, profile};

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

    let rounds: usize = std::env::var("INSPECT_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    // Each round runs every phase once; each phase keeps its best time and its peak RSS. Interleaving the
    // phases and taking the best of several rounds keeps the ratios meaningful on a busy shared machine.
    let names = [
        "raw csv crate (records only)",
        "source::open + iterate",
        "source::open + read_into",
        "inspect (open + profile)",
    ];
    let mut best = [f64::INFINITY; 4];
    let mut cpu = [f64::INFINITY; 4];
    let mut rss = [0f64; 4];
    let mut counts = [0u64; 4];
    for _ in 0..rounds {
        for phase in 0..4 {
            reset_peak();
            let (t, c) = (Instant::now(), cpu_secs());
            counts[phase] = run_phase(phase, &path);
            best[phase] = best[phase].min(t.elapsed().as_secs_f64());
            cpu[phase] = cpu[phase].min(cpu_secs() - c);
            rss[phase] = rss[phase].max(peak_rss_mb());
        }
    }
    println!("best of {rounds} rounds:");
    for i in 0..4 {
        println!(
            "{:<30} {:>7.1} MB/s  {} rows  ratio {:.2}x raw  CPU {:.2} s (ratio {:.2}x)  peak RSS {:.0} MB",
            format!("{}:", names[i]),
            size / best[i],
            counts[i],
            best[0] / best[i],
            cpu[i],
            cpu[0] / cpu[i],
            rss[i]
        );
    }
    assert!(counts.iter().all(|c| *c == counts[0]));
}

/// One phase over the whole file; returns the number of data rows seen.
fn run_phase(phase: usize, path: &std::path::Path) -> u64 {
    match phase {
        0 => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_path(path)
                .unwrap();
            let mut rec = csv::ByteRecord::new();
            let mut rows = 0u64;
            while reader.read_byte_record(&mut rec).unwrap() {
                rows += 1;
            }
            rows
        }
        1 => {
            let reader = source::open(path, &SourceOptions::default()).unwrap();
            let mut rows = 0u64;
            for row in reader {
                std::hint::black_box(row.unwrap());
                rows += 1;
            }
            rows
        }
        2 => {
            let mut reader = source::open(path, &SourceOptions::default()).unwrap();
            let mut row = source::Row::empty();
            let mut rows = 0u64;
            while let Some(r) = reader.read_into(&mut row) {
                r.unwrap();
                rows += 1;
            }
            rows
        }
        _ => {
            let mut reader = source::open(path, &SourceOptions::default()).unwrap();
            profile::profile(&mut reader, None).unwrap().rows
        }
    }
}
