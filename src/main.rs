//! The `techledger` command: serve (the default), migrate, user, import, export, verify,
//! keygen, demo, backup, restore.

use std::process::ExitCode;

/// mimalloc rather than glibc's malloc: an import builds rows on one thread and inserts them on
/// another, and under glibc the two spent much of their time waiting on each other's arena
/// locks (bench/README.md has the numbers).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    end_quietly_when_the_reader_goes_away();
    techledger::cli::main()
}

/// `techledger verify | head -1`: the reader closes the pipe while we still write. Rust ignores
/// SIGPIPE, so `println!` would panic with a backtrace; a command whose reader went away ends
/// quietly instead, with the status a shell reports for SIGPIPE (128 + 13), as Unix tools do.
fn end_quietly_when_the_reader_goes_away() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}
