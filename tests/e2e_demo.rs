//! End to end: the real `talon-import demo` binary in a pseudo-terminal (portable-pty), its screen read back
//! through a terminal emulator (vt100). Walks the customers through File → Mapping → Validate → Preview →
//! Run → Summary with keystrokes, as a person would, then the same for the orders (n on the Summary), then
//! quits and checks the terminal was handed back and both runs arrived.
//! Waits on the program's output (a channel fed by a reader thread), never on sleeps.

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const ROWS: u16 = 30;
const COLS: u16 = 100;

struct Screen {
    parser: vt100::Parser,
    out: mpsc::Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    master: Box<dyn portable_pty::MasterPty + Send>,
}

/// Starts `talon-import demo` in a pseudo-terminal of `rows` × `cols`, its files in `dir`.
fn spawn_demo(
    dir: &std::path::Path,
    rows: u16,
    cols: u16,
) -> (Screen, Box<dyn portable_pty::Child + Send + Sync>) {
    spawn(
        dir,
        rows,
        cols,
        &["demo", "--dir", &dir.display().to_string()],
    )
}

/// Starts `talon-import ARGS` in a pseudo-terminal of `rows` × `cols`, working in `dir`.
fn spawn(
    dir: &std::path::Path,
    rows: u16,
    cols: u16,
    args: &[&str],
) -> (Screen, Box<dyn portable_pty::Child + Send + Sync>) {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_talon-import"));
    cmd.args(args);
    cmd.cwd(dir);
    cmd.env("NO_COLOR", "1");
    cmd.env("TERM", "xterm-256color");
    cmd.env("TALON_IMPORT_LOG", dir.join("talon-import.log"));
    cmd.env("TALON_IMPORT_CONFIG_DIR", dir.join("config"));
    for var in ["TALON_API_KEY", "TALON_BASE_URL", "TALON_MANAGEMENT_KEY"] {
        cmd.env_remove(var);
    }
    let child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let screen = Screen {
        parser: vt100::Parser::new(
            std::num::NonZero::new(rows).unwrap(),
            std::num::NonZero::new(cols).unwrap(),
            0,
        ),
        out: rx,
        writer: pty.master.take_writer().unwrap(),
        master: pty.master,
    };
    (screen, child)
}

impl Screen {
    fn text(&self) -> String {
        self.parser.screen().contents()
    }

    /// Reads output until the screen shows `needle`; fails with the screen after `secs`.
    fn wait_for(&mut self, needle: &str, secs: u64) {
        self.wait_until(&format!("{needle:?}"), secs, |t| t.contains(needle));
    }

    /// Reads output until `ok(screen)`; fails with the screen after `secs`.
    fn wait_until(&mut self, what: &str, secs: u64, ok: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if ok(&self.text()) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.out.recv_timeout(left) {
                Ok(bytes) => self.parser.process(&bytes),
                Err(_) => panic!("the screen never showed {what}; it shows:\n{}", self.text()),
            }
        }
    }

    /// Resizes the terminal (the program gets SIGWINCH) and the emulator with it.
    fn resize(&mut self, rows: u16, cols: u16) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        self.parser.screen_mut().set_size(
            std::num::NonZero::new(rows).unwrap(),
            std::num::NonZero::new(cols).unwrap(),
        );
    }

    /// Waits for the program to exit (draining its output so it never blocks on a full pty).
    fn wait_exit(
        &mut self,
        child: &mut Box<dyn portable_pty::Child + Send + Sync>,
    ) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(st) = child.try_wait().unwrap() {
                return st;
            }
            if let Ok(bytes) = self.out.recv_timeout(Duration::from_millis(200)) {
                self.parser.process(&bytes);
            }
            assert!(
                Instant::now() < deadline,
                "the wizard did not exit:\n{}",
                self.text()
            );
        }
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }
}

#[test]
fn demo_imports_the_customers_and_quits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, mut child) = spawn_demo(dir.path(), ROWS, COLS);

    // The demo tests its connection by itself and lands on the File step with the customers loaded.
    s.wait_for("customers.csv", 60);
    s.wait_for("Enter to map the columns", 30);
    // The mouse wheel scrolls the grid (SGR mouse report: button 65 = wheel down, at column 10, row 10).
    assert!(s.text().contains("004102"));
    s.send("\x1b[<65;10;10M");
    s.wait_until("the first row scrolled away", 10, |t| !t.contains("004102"));
    s.send("\r");
    s.wait_for("LoyaltyTier", 30);
    // Mapping → Validate (whole file in the background).
    s.send("\r");
    s.wait_for("Every row can be sent", 60);
    // Validate → Preview: the exact request, key masked.
    s.send("\r");
    s.wait_for("PUT http://127.0.0.1:", 30);
    assert!(
        !s.text().contains("sandbox-api-key"),
        "the key is never drawn"
    );
    // Preview → confirmation → import.
    s.send("\r");
    s.wait_for("Ready to import", 10);
    s.send("y");
    s.wait_for("succeeded", 60);
    s.wait_for("The import finished", 60);
    // The Summary says where the log is.
    s.wait_for("talon-import.log", 10);
    // Then the past orders: n proposes the demo's orders workbook with the target set to orders.
    s.send("n");
    s.wait_for("orders.xlsx", 10);
    s.send("\r");
    s.wait_for("Enter to map the columns", 30);
    s.send("\r");
    s.wait_for("item SKU", 30);
    // A click on "2 File" in the step bar goes back there (SGR press and release at column 31, row 1 of the
    // 100-column bar " talon-import 1 Connect › 2 File …"); Enter comes back to the mapping.
    s.send("\x1b[<0;31;1M\x1b[<0;31;1m");
    s.wait_for("Enter to map the columns", 10);
    s.send("\r");
    s.wait_for("item SKU", 30);
    s.send("\r");
    s.wait_for("388 rows", 60);
    s.wait_for("Enter: ", 60);
    s.send("\r");
    s.wait_for("PUT http://127.0.0.1:", 30);
    s.wait_for("/v2/customer_sessions/", 30);
    s.send("\r");
    s.wait_for("Ready to import", 10);
    s.send("y");
    s.wait_for("The import finished", 60);
    s.send("q");
    let status = s.wait_exit(&mut child);
    assert!(status.success(), "exit status {status:?}:\n{}", s.text());
    // Drain what is left: the terminal must be handed back (main screen, cursor shown).
    while let Ok(bytes) = s.out.recv_timeout(Duration::from_secs(10)) {
        s.parser.process(&bytes);
    }
    assert!(
        !s.parser.screen().alternate_screen(),
        "still on the alternate screen"
    );
    assert!(
        !s.parser.screen().hide_cursor(),
        "the cursor is still hidden"
    );
    // The run directory holds the results of 200 customers.
    let runs: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "summary.json"))
        .collect();
    assert_eq!(
        runs.len(),
        2,
        "two run directories with a summary: {runs:?}"
    );
    let mut succeeded: Vec<u64> = runs
        .iter()
        .map(|p| {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            v["succeeded"].as_u64().unwrap_or(0)
        })
        .collect();
    succeeded.sort();
    // 160 orders (388 line-item rows) and 200 customers.
    assert_eq!(succeeded, [160, 200]);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn demo_works_at_80x24_redraws_on_resize_and_quits_on_q() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, mut child) = spawn_demo(dir.path(), 24, 80);
    s.wait_for("Enter to map the columns", 60);
    s.send("\r");
    s.wait_for("LoyaltyTier", 30);
    // Narrow: no app title in the step bar. Wider: the title appears after the redraw.
    assert!(!s.text().contains("talon-import 1 Connect"), "{}", s.text());
    s.resize(40, 120);
    s.wait_for("talon-import 1 Connect", 10);
    s.send("q");
    let status = s.wait_exit(&mut child);
    assert!(status.success(), "exit status {status:?}:\n{}", s.text());
}

#[test]
fn without_arguments_the_file_picker_finds_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("customers.csv"),
        "Customer Number,Email\n004102,a@example.com\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.pdf"), "").unwrap();
    let (mut s, mut child) = spawn(dir.path(), 24, 80, &[]);
    s.wait_for("Deployment URL", 30);
    // F5: on without a connection; the File step lists the folder (supported files only).
    s.send("\x1b[15~");
    s.wait_for("customers.csv", 30);
    assert!(!s.text().contains("notes.pdf"), "{}", s.text());
    // Tab completes the selected file, Enter loads it.
    s.send("\t\r");
    s.wait_for("Enter to map the columns", 30);
    assert!(s.text().contains("004102"), "{}", s.text());
    // Ctrl-C quits even while a text field has the keys.
    s.send("\x03");
    let status = s.wait_exit(&mut child);
    assert!(status.success(), "exit status {status:?}:\n{}", s.text());
}
