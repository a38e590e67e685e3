//! Reads the domain's sources and fails on a table mapping that other crates could name: every
//! sea-orm entity stays private to the domain, so the host, the API, the pages and the command
//! reach a table only through a service here (the crate graph keeps sea-orm out of the API and
//! the pages; this keeps the domain's own tables out of the host and the command).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The offences in one file's text: a `pub mod` whose body maps a table (outside a file that is
/// itself an entity module, whose declaration is checked where it is declared), or an entity
/// file declared `pub`.
fn offences(text: &str, is_entity_file: bool) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix("pub mod ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if rest[name.len()..].trim_start().starts_with(';') {
            if name == "entity" || name.ends_with("_entity") {
                found.push((i + 1, format!("`pub mod {name};` (make it pub(crate))")));
            }
            continue;
        }
        if is_entity_file {
            continue;
        }
        // The inline module's body: up to the line where its braces close.
        let mut depth = 0i32;
        let mut maps_a_table = false;
        for body in &lines[i..] {
            depth += body.matches('{').count() as i32 - body.matches('}').count() as i32;
            maps_a_table |= body.contains("DeriveEntityModel");
            if depth <= 0 {
                break;
            }
        }
        if maps_a_table {
            found.push((
                i + 1,
                format!("`pub mod {name}` maps a table (make it pub(crate))"),
            ));
        }
    }
    found
}

#[test]
fn no_entity_is_public() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 20, "the domain's sources were not found");
    let mut all = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("a readable source");
        let entity_file = f.file_name().is_some_and(|n| n == "entity.rs");
        for (line, what) in offences(&text, entity_file) {
            all.push(format!("{}:{line}: {what}", f.display()));
        }
    }
    assert!(
        all.is_empty(),
        "entities reachable from other crates:\n{}",
        all.join("\n")
    );
}

#[test]
fn the_detector_sees_public_tables_and_passes_private_ones() {
    let public = "pub mod shifts {\n    #[derive(DeriveEntityModel)]\n    pub struct Model {}\n}\n";
    assert_eq!(offences(public, false).len(), 1);
    assert!(offences(&public.replace("pub mod", "pub(crate) mod"), false).is_empty());
    assert_eq!(offences("pub mod entity;\n", false).len(), 1);
    assert!(offences("pub(crate) mod entity;\npub mod queries;\n", false).is_empty());
    // A module that maps nothing may be public, whatever follows it.
    let plain =
        "pub mod metric {\n    pub const A: &str = \"a\";\n}\n#[derive(DeriveEntityModel)]\n";
    assert!(offences(plain, false).is_empty());
}
