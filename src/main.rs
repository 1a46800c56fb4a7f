//! The `techledger` command: serve (the default), migrate, user, import, export, verify,
//! keygen, demo, backup, restore.

use std::process::ExitCode;

/// mimalloc rather than glibc's malloc: an import builds rows on one thread and inserts them on
/// another, and under glibc the two spent much of their time waiting on each other's arena
/// locks (bench/README.md has the numbers).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    techledger::cli::main()
}
