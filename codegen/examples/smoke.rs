fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    match litemodel_codegen::check(&path, &text) {
        Ok(c) => {
            eprint!("{}", c.warnings.render(false));
            print!("{}", litemodel_codegen::ddl(&c.schema));
        }
        Err(d) => eprint!("{}", d.render(false)),
    }
}
