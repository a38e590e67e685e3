fn main() -> anyhow::Result<()> {
    liaison::cli::main()
}
