// Generated code names the codegen version it came from; compiled against another
// runtime version it stops with one error naming both.
litemodel::__check_version!("0.0.1");

fn main() {}
