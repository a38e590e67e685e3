//! The end-to-end tests of Liaison live in `e2e/`; this package also builds the
//! `liaison-under-test` binary they start as a child process.
