//! `stacksim`: the simulation core on the command line. See `stacksim --help`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (text, code) = stacksim::cli::run(&args, &|path| std::fs::read_to_string(path));
    if code == 0 {
        println!("{text}");
    } else {
        eprintln!("{text}");
    }
    std::process::exit(code);
}
