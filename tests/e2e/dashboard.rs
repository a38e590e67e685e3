//! End-to-end tests of dashboard.
