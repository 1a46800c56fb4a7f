//! The `techledger` command: serve (the default), migrate, user, import, export, verify,
//! keygen, demo.

use std::process::ExitCode;

fn main() -> ExitCode {
    techledger::cli::main()
}
