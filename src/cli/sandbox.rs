//! `talon-import sandbox`: runs the local Talon.One-compatible server until Ctrl-C, printing the URL and
//! the keys to use.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;

use crate::exit::{CmdResult, Exit, OK};
use crate::sandbox::{self, Faults, SandboxConfig};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (loopback by default; port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR:PORT")]
    pub listen: SocketAddr,
    /// Port on 127.0.0.1 (shortcut for --listen 127.0.0.1:PORT).
    #[arg(long, conflicts_with = "listen")]
    pub port: Option<u16>,
    /// Integration API key clients must send (`Authorization: ApiKey-v1 KEY`).
    #[arg(long, default_value = sandbox::DEFAULT_API_KEY)]
    pub api_key: String,
    /// Management API key (`Authorization: ManagementKey-v1 KEY`).
    #[arg(long, default_value = sandbox::DEFAULT_MANAGEMENT_KEY)]
    pub management_key: String,
    /// Custom attribute definitions (JSON as GET /v1/attributes lists them) on top of the built-in ones.
    #[arg(long, value_name = "FILE")]
    pub attributes: Option<PathBuf>,
    /// Delay every answer: MS, or MIN..MAX milliseconds drawn at random.
    #[arg(long, value_name = "MS|MIN..MAX", value_parser = sandbox::parse_latency)]
    pub latency: Option<(std::time::Duration, std::time::Duration)>,
    /// Requests per second before answering 429 with Retry-After.
    #[arg(long, value_name = "RPS")]
    pub rate_limit: Option<u32>,
    /// Probability (0..1) of answering 500/502/503 (half of them after storing the change).
    #[arg(long, default_value_t = 0.0, value_name = "P", alias = "fault-rate", value_parser = probability)]
    pub fail_rate: f64,
    /// Probability (0..1) of closing the connection without an answer.
    #[arg(long, default_value_t = 0.0, value_name = "P", value_parser = probability)]
    pub drop_rate: f64,
    /// Seed of the random faults, for reproducible rehearsals.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Keep profiles and sessions in this SQLite file (reloaded on start).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

fn probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "{s:?} is not a probability; use a number from 0 to 1, e.g. 0.05"
        )),
    }
}

pub fn run(args: Args) -> CmdResult {
    let mut custom_attributes = Vec::new();
    if let Some(path) = &args.attributes {
        custom_attributes = sandbox::load_attributes(path).map_err(Exit::usage)?;
    }
    let listen = match args.port {
        Some(port) => SocketAddr::from(([127, 0, 0, 1], port)),
        None => args.listen,
    };
    let cfg = SandboxConfig {
        listen,
        api_key: args.api_key,
        management_key: args.management_key,
        custom_attributes,
        faults: Faults {
            fail_rate: args.fail_rate,
            drop_rate: args.drop_rate,
            latency: args.latency,
            rate_limit: args.rate_limit,
            seed: args.seed,
        },
        state_file: args.state.clone(),
    };
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async move {
        let handle = sandbox::start(cfg.clone())
            .await
            .with_context(|| format!("cannot start the sandbox on {listen}"))
            .map_err(Exit::usage)?;
        let mut banner = format!(
            "Talon.One sandbox listening on {url}\n  base URL        {url}\n  API key         {}\n  \
             management key  {}\n",
            handle.api_key(),
            handle.management_key(),
            url = handle.url()
        );
        if let Some(state) = &cfg.state_file {
            banner += &format!("  state file      {}\n", state.display());
        }
        banner += &format!(
            "  inspect         {}/sandbox/stats\nPress Ctrl-C to stop.\n",
            handle.url()
        );
        super::out::print(banner)?;
        tokio::signal::ctrl_c()
            .await
            .context("cannot wait for Ctrl-C")?;
        let stats = handle.stats();
        handle.shutdown().await;
        super::out::print(format!(
            "Stopped: {} profiles, {} sessions stored.\n",
            stats.profiles, stats.sessions
        ))?;
        Ok(OK)
    })
}
