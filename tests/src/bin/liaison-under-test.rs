//! The `liaison` command, built inside the test package so the end-to-end tests can run the real
//! binary as a child process (and kill it) without depending on another package's binary.

fn main() -> anyhow::Result<()> {
    liaison::cli::main()
}
