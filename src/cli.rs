//! The command line: `signate [serve]`, `migrate-db`, `config`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{Config, Overrides};

#[derive(Debug, Parser)]
#[command(
    name = "signate",
    version,
    about = "Open-source digital signage server"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Args)]
struct GlobalArgs {
    /// Configuration file [default: ./signate.toml when present; env SIGNATE_CONFIG]
    #[arg(long, global = true, value_name = "FILE", env = "SIGNATE_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on, e.g. 0.0.0.0:8080
    #[arg(long, global = true, value_name = "ADDR")]
    listen: Option<String>,
    /// Directory for the SQLite database and files
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST/DB
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default command)
    Serve,
    /// Apply pending database migrations and exit
    MigrateDb,
    /// Print the effective configuration, secrets redacted
    Config,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let overrides = Overrides {
        listen: cli.global.listen.clone(),
        data_dir: cli.global.data_dir.clone(),
        database_url: cli.global.database_url.clone(),
    };
    let config = match Config::load(cli.global.config.as_deref(), &overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("signate: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Config => {
            print!("{}", config.redacted_toml());
            Ok(())
        }
        Command::MigrateDb => migrate_db(&config),
        Command::Serve => serve(config),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("signate: {e}");
            ExitCode::FAILURE
        }
    }
}

fn migrate_db(config: &Config) -> Result<(), crate::error::Error> {
    crate::telemetry::init(&config.log);
    let url = crate::db::DatabaseUrl::parse(&config.database_url())?;
    let applied = crate::db::migrate(&url, &config.database_app_role)?;
    if applied.is_empty() {
        println!("database {} is up to date", url.describe());
    }
    for version in applied {
        println!("applied {version}");
    }
    Ok(())
}

fn serve(config: Config) -> Result<(), crate::error::Error> {
    crate::telemetry::init(&config.log);
    // The main thread only starts things and accepts connections; actix runs its own worker
    // threads, so one thread is enough here (and lighter on a Pi).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::error::Error::Startup(e.to_string()))?;
    runtime.block_on(async move {
        let started = crate::app::start(config).await?;
        started
            .server
            .await
            .map_err(|e| crate::error::Error::Internal(e.to_string()))
    })
}
