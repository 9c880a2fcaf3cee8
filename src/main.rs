use std::process::ExitCode;

fn main() -> ExitCode {
    signate::cli::main()
}
