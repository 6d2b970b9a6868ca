fn main() -> anyhow::Result<()> {
    linkwell::cli::run()
}
