use std::process::ExitCode;

fn main() -> ExitCode {
    match linkwell::cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The chain of causes in plain words; no backtrace for people at a terminal.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
