//! `cargo bench --bench validate`: whole-file validation speed and peak memory against the raw csv crate.
//!
//! Profiles: generates a 10-column customer CSV per size in `VALIDATE_BENCH_ROWS` (a comma-separated list,
//! default `200000,1000000` so the run stays under a minute; the README's run adds 3,000,000) and a 10-field
//! profiles mapping (id with prefix, template, email, phone, date without a format so the day/month order is
//! decided over the whole column, city, country, and three declared custom attributes of type string, number
//! and boolean). For each size it measures, in the same process, the raw `csv` crate reading byte records only
//! (the baseline), `source::open` + `read_into` alone (what validate's reading thread does, its ceiling when
//! a second core is free) and `mapping::validate` over the same file: MB/s, rows/s, the ratio to the baseline,
//! CPU time of all threads, and peak RSS (Linux: VmHWM, reset between phases via clear_refs), best of
//! `VALIDATE_BENCH_ROUNDS` interleaved rounds (default 3). The last lines compare validate's peak RSS across
//! the sizes: flat memory means about the same figure for every size.
//!
//! Sessions: an order export with 3 line items per order, written unsorted (every order's rows are a whole
//! pass apart: the worst case for grouping), validated at each order count in `VALIDATE_BENCH_ORDERS` (default
//! `20000,60000`); the growth of peak RSS between the sizes divided by the added orders is the memory the
//! grouping needs per order.

mod common;

use common::{cpu_secs, peak_rss_mb, reset_peak, rss_mb, thread_cpu_secs};
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use talon_import::mapping::validate::{Report, validate};
use talon_import::mapping::{Catalog, Mapping};

fn sizes(var: &str, default: &str) -> Vec<u64> {
    let text = std::env::var(var).unwrap_or_else(|_| default.to_string());
    let sizes: Vec<u64> = text
        .split(',')
        .filter_map(|s| s.trim().replace('_', "").parse().ok())
        .collect();
    assert!(
        !sizes.is_empty(),
        "{var} should be a comma-separated list of numbers"
    );
    sizes
}

const PROFILES: &str = r#"target = "profiles"
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

const SESSIONS: &str = r#"target = "sessions"
[source]
file = "orders.csv"
[id]
column = "Name"
[profile_id]
column = "Customer ID"
[cart_items]
sku = { column = "Lineitem sku" }
name = { column = "Lineitem name" }
quantity = { column = "Lineitem quantity" }
price = { column = "Lineitem price" }
[additional_costs.shipping]
column = "Shipping"
[attributes.BillingCity]
column = "Billing City"
"#;

fn generate_customers(path: &Path, rows: u64) -> u64 {
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

/// `orders` orders of 3 line items; pass `p` writes line item `p` of every order, so an order's rows are
/// `orders` rows apart. Order-level columns are filled on the first line item only, as exports do.
fn generate_orders(path: &Path, orders: u64) {
    let file = std::fs::File::create(path).expect("create bench file");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    out.write_all(
        b"Name,Customer ID,Shipping,Lineitem sku,Lineitem name,Lineitem quantity,Lineitem price,Billing City\n",
    )
    .unwrap();
    let cities = ["Berlin", "Paris", "London", "Madrid"];
    for pass in 0..3u64 {
        for o in 0..orders {
            let (customer, shipping, city) = if pass == 0 {
                (
                    format!("C{:07}", o / 2),
                    format!("{}.50", o % 9),
                    cities[(o % 4) as usize],
                )
            } else {
                (String::new(), String::new(), "")
            };
            writeln!(
                out,
                "#{:08},{customer},{shipping},SKU-{:05},Product {pass},{},\"{},{:02}\",{city}",
                o,
                (o * 7 + pass) % 20_000,
                1 + (o + pass) % 4,
                1 + o % 90,
                o % 100,
            )
            .unwrap();
        }
    }
    out.flush().unwrap();
}

fn run_validate(mapping_path: &Path) -> Report {
    let mapping = Mapping::load(mapping_path).unwrap();
    let catalog = Catalog::for_mapping(&mapping);
    validate(&mapping, &catalog, |_| {}).unwrap()
}

struct Figures {
    rows: u64,
    rss: f64,
}

fn profiles(dir: &Path, rows: u64, rounds: usize) -> Figures {
    let path = dir.join("customers.csv");
    let size = generate_customers(&path, rows) as f64 / 1e6;
    let mapping_path = dir.join("customers.toml");
    std::fs::write(&mapping_path, PROFILES).unwrap();
    println!(
        "\nprofiles: {rows} rows, {size:.0} MB, 10 columns (11 in the file), 10-field mapping; best of {rounds} rounds"
    );
    // Interleaved rounds, best time per phase: keeps the ratio meaningful on a busy shared machine.
    let (mut raw, mut took) = (f64::INFINITY, f64::INFINITY);
    let (mut raw_cpu, mut cpu) = (f64::INFINITY, f64::INFINITY);
    // Validate's CPU split: the calling (checking) thread, and every other thread (parsing).
    let (mut checking, mut parsing) = (f64::INFINITY, f64::INFINITY);
    let (mut read, mut read_cpu) = (f64::INFINITY, f64::INFINITY);
    let (mut raw_rss, mut rss) = (0f64, 0f64);
    let mut raw_rows = 0u64;
    let mut report = None;
    for _ in 0..rounds {
        reset_peak();
        let (t, c) = (Instant::now(), cpu_secs());
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
        raw_cpu = raw_cpu.min(cpu_secs() - c);
        raw_rss = raw_rss.max(peak_rss_mb());

        // The reading thread's share alone: source::open + read_into over every row, nothing checked.
        let (t, c) = (Instant::now(), cpu_secs());
        let mapping = Mapping::load(&mapping_path).unwrap();
        let mut reader =
            talon_import::source::open(&mapping.source_path(), &mapping.source_options()).unwrap();
        let mut row = talon_import::source::Row::empty();
        let mut n = 0u64;
        while let Some(r) = reader.read_into(&mut row) {
            r.unwrap();
            n += 1;
        }
        assert_eq!(n, raw_rows);
        read = read.min(t.elapsed().as_secs_f64());
        read_cpu = read_cpu.min(cpu_secs() - c);

        reset_peak();
        let (t, c, own) = (Instant::now(), cpu_secs(), thread_cpu_secs());
        report = Some(run_validate(&mapping_path));
        took = took.min(t.elapsed().as_secs_f64());
        let (all, own) = (cpu_secs() - c, thread_cpu_secs() - own);
        cpu = cpu.min(all);
        checking = checking.min(own);
        parsing = parsing.min(all - own);
        rss = rss.max(peak_rss_mb());
    }
    let report = report.expect("at least one round");
    println!(
        "  raw csv crate (records only): {:>7.1} MB/s  {:>9.0} rows/s               peak RSS {raw_rss:.0} MB",
        size / raw,
        raw_rows as f64 / raw,
    );
    println!(
        "  source read_into only:        {:>7.1} MB/s  {:>9.0} rows/s  ratio {:.2}x raw  (validate's reading thread)",
        size / read,
        raw_rows as f64 / read,
        raw / read,
    );
    println!(
        "  mapping::validate:            {:>7.1} MB/s  {:>9.0} rows/s  ratio {:.2}x raw  peak RSS {rss:.0} MB",
        size / took,
        report.rows as f64 / took,
        raw / took,
    );
    println!(
        "  CPU time (all threads, 10 ms ticks): raw {raw_cpu:.2} s, read_into only {read_cpu:.2} s, validate \
         {cpu:.2} s, ratio {:.2}x",
        raw_cpu / cpu
    );
    // When the machine is busy, the threads take turns and the wall time is the CPU time. With a free second
    // core the slower thread sets the pace: parsing (the source's thread) or checking (the calling thread).
    let slower = parsing.max(checking);
    println!(
        "  estimate with a free second core: parsing {parsing:.2} s, checking {checking:.2} s of CPU; the \
         slower sets the pace: ratio {:.2}x raw",
        raw_cpu / slower
    );
    println!(
        "  report: {} rows, {} valid, {} invalid, {} warnings",
        report.rows, report.valid, report.invalid, report.warnings
    );
    for line in report.lines() {
        println!("    {line}");
    }
    assert_eq!(report.rows, raw_rows);
    assert_eq!(report.invalid, 0, "the generated file should be valid");
    std::fs::remove_file(&path).unwrap();
    Figures { rows, rss }
}

fn sessions(dir: &Path, orders: u64) -> Figures {
    let path = dir.join("orders.csv");
    generate_orders(&path, orders);
    let mapping_path = dir.join("orders.toml");
    std::fs::write(&mapping_path, SESSIONS).unwrap();
    reset_peak();
    let t = Instant::now();
    let report = run_validate(&mapping_path);
    let took = t.elapsed().as_secs_f64();
    let rss = peak_rss_mb();
    println!(
        "  {orders} orders ({} unsorted line-item rows): {:.2} s, {:.0} rows/s, peak RSS {rss:.0} MB",
        report.rows,
        took,
        report.rows as f64 / took
    );
    assert_eq!(report.rows, orders * 3);
    assert_eq!(report.invalid, 0, "the generated orders should be valid");
    std::fs::remove_file(&path).unwrap();
    Figures { rows: orders, rss }
}

fn main() {
    let rounds: usize = std::env::var("VALIDATE_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().expect("tempdir");
    println!(
        "validate bench (RSS before: {:.0} MB; rows are generated, not counted in the time)",
        rss_mb()
    );
    let mut sizes_rows = sizes("VALIDATE_BENCH_ROWS", "200000,1000000");
    sizes_rows.sort_unstable();
    let figures: Vec<Figures> = sizes_rows
        .iter()
        .map(|&rows| profiles(dir.path(), rows, rounds))
        .collect();
    if figures.len() > 1 {
        let line: Vec<String> = figures
            .iter()
            .map(|f| format!("{} rows: {:.0} MB", f.rows, f.rss))
            .collect();
        println!("\nprofiles, validate peak RSS by size: {}", line.join(", "));
    }

    let mut sizes_orders = sizes("VALIDATE_BENCH_ORDERS", "20000,60000");
    sizes_orders.sort_unstable();
    println!("\nsessions, unsorted line items (3 per order):");
    let figures: Vec<Figures> = sizes_orders
        .iter()
        .map(|&orders| sessions(dir.path(), orders))
        .collect();
    if let [first, .., last] = figures.as_slice() {
        let per_order = (last.rss - first.rss) * 1024.0 * 1024.0 / (last.rows - first.rows) as f64;
        println!(
            "sessions grouping: {per_order:.0} bytes per order ({:.0} per line-item row), from the peak RSS growth \
             between {} and {} orders",
            per_order / 3.0,
            first.rows,
            last.rows
        );
    }
}
