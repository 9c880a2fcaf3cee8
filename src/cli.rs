//! The command line: `signate [serve]`, `migrate-db`, `config`, `migrate`.

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
    /// Move a Signate device's (or an Anthias's) content into a cloud tenant: resumable,
    /// idempotent, verified. Exit status 0 only when everything is there.
    Migrate(MigrateArgs),
    /// Write a device's backup archive (manifest and files) to FILE, from a running server
    /// (--from) or from the data directory of the configuration
    Export(ExportArgs),
    /// Put an archive (from export, a device's backup or an Anthias backup) into a cloud tenant
    Import(ImportArgs),
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// The archive to write (.tar.gz)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// A running server to ask for the backup, e.g. http://127.0.0.1:8080 [default: the data directory, read directly]
    #[arg(long, value_name = "URL")]
    from: Option<String>,
    #[command(flatten)]
    login: SourceLogin,
}

/// The user name and password of a server being read: shared by `export` and `migrate`.
#[derive(Debug, Args)]
struct SourceLogin {
    /// The source's user name, when it asks for one
    #[arg(long, value_name = "USER")]
    from_user: Option<String>,
    /// The source's password [env SIGNATE_FROM_PASSWORD]
    #[arg(
        long,
        value_name = "PASSWORD",
        env = "SIGNATE_FROM_PASSWORD",
        hide_env_values = true
    )]
    from_password: Option<String>,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The archive (.tar.gz) to import
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    target: TargetArgs,
}

/// Where a move writes, and how it reports: shared by `migrate` and `import`.
#[derive(Debug, Args)]
struct TargetArgs {
    /// The cloud server to write, e.g. https://acme.signs.example.com
    #[arg(long, value_name = "URL")]
    to: String,
    /// An API key of the tenant (tenant_admin; content_manager copies no settings or screen) [env SIGNATE_API_KEY]
    #[arg(
        long,
        value_name = "KEY",
        env = "SIGNATE_API_KEY",
        hide_env_values = true
    )]
    api_key: String,
    /// Print the plan and the bytes it would move; change nothing
    #[arg(long)]
    dry_run: bool,
    /// Print the report as JSON on stdout (progress stays on stderr)
    #[arg(long)]
    json: bool,
    /// Progress as plain lines, also on a terminal
    #[arg(long)]
    plain: bool,
    /// Where partial transfers are kept between runs [default: ~/.cache/signate/migrate/…]
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct MigrateArgs {
    /// The device or Anthias to read, e.g. http://pi.local:8080
    #[arg(long, value_name = "URL")]
    from: String,
    #[command(flatten)]
    login: SourceLogin,
    #[command(flatten)]
    target: TargetArgs,
    /// Claim the screen showing this pairing code for the tenant
    #[arg(long, value_name = "CODE")]
    screen_code: Option<String>,
    /// Bytes per upload request
    #[arg(long, value_name = "BYTES", default_value_t = 8 * 1024 * 1024, hide = true)]
    chunk_size: u64,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // A client of two servers: it needs no configuration of its own.
    let command = match cli.command {
        Some(Command::Migrate(args)) => return migrate(args),
        Some(Command::Import(args)) => return import(args),
        other => other,
    };
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
    let result = match command.unwrap_or(Command::Serve) {
        Command::Config => {
            print!("{}", config.redacted_toml());
            Ok(())
        }
        Command::MigrateDb => migrate_db(&config),
        Command::Serve => serve(config),
        Command::Migrate(_) | Command::Import(_) => {
            unreachable!("handled before the configuration is read")
        }
        Command::Export(args) => export(config, args),
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

/// `signate migrate`: 0 when everything is there (or, for a dry run, could be), 1 when some
/// of it is not, 2 when the move could not start.
fn migrate(args: MigrateArgs) -> ExitCode {
    let options = crate::migrate::Options {
        from: args.from,
        from_user: args.login.from_user,
        from_password: args.login.from_password,
        to: args.target.to,
        api_key: args.target.api_key,
        dry_run: args.target.dry_run,
        screen_code: args.screen_code,
        plain: args.target.plain || args.target.json,
        work_dir: args.target.work_dir,
        // Each chunk is held in memory once: between 16 KiB and 64 MiB.
        chunk_size: args.chunk_size.clamp(16 * 1024, 64 * 1024 * 1024),
        source_label: None,
    };
    finish_move("migrate", args.target.json, |rt| {
        rt.block_on(crate::migrate::run(&options))
    })
}

/// Runs a move on a runtime of its own and prints its report: exit 0 when everything is
/// there (or, for a dry run, could be), 1 when some of it is not, 2 when it could not start.
fn finish_move(
    what: &str,
    json: bool,
    run: impl FnOnce(
        &tokio::runtime::Runtime,
    ) -> Result<crate::migrate::Report, crate::migrate::MigrateError>,
) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("signate {what}: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&runtime) {
        Ok(report) => {
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("plain struct")
                );
            } else {
                print!("{}", report.render());
            }
            if report.complete {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("signate {what}: {e}");
            ExitCode::from(2)
        }
    }
}

/// `signate import FILE --to URL --api-key KEY`
fn import(args: ImportArgs) -> ExitCode {
    let options = crate::migrate::Options {
        from: String::new(),
        from_user: None,
        from_password: None,
        to: args.target.to,
        api_key: args.target.api_key,
        dry_run: args.target.dry_run,
        screen_code: None,
        plain: args.target.plain || args.target.json,
        work_dir: args.target.work_dir,
        chunk_size: 8 * 1024 * 1024,
        source_label: None,
    };
    let file = args.file;
    finish_move("import", args.target.json, |rt| {
        rt.block_on(crate::portable::import(&file, options))
    })
}

/// `signate export FILE [--from URL]`
fn export(config: Config, args: ExportArgs) -> Result<(), crate::error::Error> {
    let from = match args.from {
        Some(url) => crate::portable::ExportFrom::Server {
            url,
            user: args.login.from_user,
            password: args.login.from_password,
        },
        None => crate::portable::ExportFrom::DataDir(Box::new(config)),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::error::Error::Startup(e.to_string()))?;
    let n = runtime
        .block_on(crate::portable::export(from, &args.file))
        .map_err(|e| crate::error::Error::Startup(e.to_string()))?;
    println!(
        "wrote {} ({})",
        args.file.display(),
        crate::domain::migration::human_bytes(n)
    );
    Ok(())
}
