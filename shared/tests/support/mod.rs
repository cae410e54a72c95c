//! The Booxi body builder lives in the workspace's test kit (`testkit/src/bodies.rs`).
#![allow(unused_imports)]

pub use testkit::bodies::*;
