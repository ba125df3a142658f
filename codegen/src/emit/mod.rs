//! Emitters: from the checked [`Schema`](crate::model::Schema) to output text.
//!
//! Emitters are pure functions of the schema; they never fail and do no I/O.

pub mod diagram;
pub mod python;
pub mod rust;
pub mod sql;
