//! Wizard frame time with a million records in the run table (issue target: ≤ 50 ms a frame), beside the
//! cheapest screen (Connect) drawn the same way, in the same run.
//!
//! `cargo bench --bench frame` — `FRAME_BENCH_RECORDS` (default 1000000), `FRAME_BENCH_FRAMES` (default 200).

use std::time::Instant;

use ratatui::{Terminal, backend::TestBackend};
use talon_import::engine::{ImportEvent, RecordOutcome, RecordStatus};
use talon_import::tui::app::{App, Step};
use talon_import::tui::steps::run::on_event;
use talon_import::tui::theme::Theme;
use talon_import::tui::view::View;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Average milliseconds to draw `app` on a 120×40 terminal, scrolling one line per frame.
fn frame_ms(app: &mut App, frames: usize) -> f64 {
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let start = Instant::now();
    for i in 0..frames {
        app.run.selected = (app.run.selected + i * 997) % app.run.visible_len().max(1);
        t.draw(|f| {
            f.render_widget(
                View {
                    app,
                    theme: Theme { color: true },
                },
                f.area(),
            )
        })
        .unwrap();
    }
    start.elapsed().as_secs_f64() * 1000.0 / frames as f64
}

fn main() {
    let records = env("FRAME_BENCH_RECORDS", 1_000_000);
    let frames = env("FRAME_BENCH_FRAMES", 200);

    let mut empty = App::new("https://acme.talon.one".into(), "k".into(), String::new());
    let base = frame_ms(&mut empty, frames);

    let mut app = App::new("https://acme.talon.one".into(), "k".into(), String::new());
    app.step = Step::Run;
    app.run.started = true;
    let fill = Instant::now();
    for i in 0..records as u64 {
        let failed = i % 50 == 0;
        on_event(
            &mut app,
            ImportEvent::Record(RecordOutcome {
                job: 0,
                rows: vec![i + 1],
                id: format!("C{i:07}"),
                status: if failed {
                    RecordStatus::Failed
                } else {
                    RecordStatus::Succeeded
                },
                http_status: Some(if failed { 400 } else { 200 }),
                attempts: 1,
                latency_ms: 12,
                error: failed.then(|| "HTTP 400: unknown attribute \"Tier\"".to_string()),
                response: None,
                resumed: false,
            }),
        );
        if i % 1000 == 0 {
            on_event(
                &mut app,
                ImportEvent::Progress {
                    in_flight: 8,
                    window: 8,
                    requests: i,
                    paused: false,
                },
            );
        }
    }
    let fill_s = fill.elapsed().as_secs_f64();
    let all = frame_ms(&mut app, frames);
    app.run.failed_only = true;
    app.run.selected = 0;
    let failed = frame_ms(&mut app, frames);

    println!("| screen | ms per frame | ratio to Connect screen |");
    println!("| --- | --- | --- |");
    println!("| Connect (baseline) | {base:.2} | 1.0 |");
    println!("| Run, {records} records | {all:.2} | {:.1} |", all / base);
    println!(
        "| Run, failed only ({}) | {failed:.2} | {:.1} |",
        app.run.failed.len(),
        failed / base
    );
    println!(
        "Folding {records} record events into the state: {:.0} events/s.",
        records as f64 / fill_s
    );
}
