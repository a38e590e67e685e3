//! End-to-end tests of web_console.
