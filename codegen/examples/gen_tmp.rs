fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&args[1]).unwrap();
    match litemodel_codegen::check_for_rust(&args[1], &text) {
        Ok(c) => {
            eprint!("{}", c.warnings.render(false));
            std::fs::write(&args[2], litemodel_codegen::rust(&c.schema, &args[1])).unwrap();
        }
        Err(d) => eprint!("{}", d.render(false)),
    }
}
