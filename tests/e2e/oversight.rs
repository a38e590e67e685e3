//! End-to-end tests of oversight.
