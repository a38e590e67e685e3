//! Reads the platform's sources and fails on a role or scope check outside the policy, so that
//! every face and service keeps asking [`super`] instead of comparing roles itself.

use std::path::{Path, PathBuf};

/// Where role checks belong: the policy, where `Role` and `Actor` are defined, and the case
/// state machine's role table. Paths relative to the `core` folder.
const ALLOWED: [&str; 3] = [
    "domain/src/policy/",
    "domain/src/auth/mod.rs",
    "domain/src/cases/lifecycle.rs",
];

/// The crates whose sources are read.
const CRATES: [&str; 5] = ["domain", "host", "api", "web", "app"];

/// Whether `s` (with its whitespace removed) names a variant of `Role` at `at`: `Role::` then
/// an upper-case letter and a lower-case one, so `Role::USER_ROLES` and `Role::parse` pass.
fn variant_at(s: &str, at: usize) -> Option<usize> {
    let rest = &s[at + "Role::".len()..];
    let mut chars = rest.chars();
    let first = chars.next()?;
    let second = chars.next()?;
    if !(first.is_ascii_uppercase() && second.is_ascii_lowercase()) {
        return None;
    }
    let len = rest
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(rest.len());
    Some(at + "Role::".len() + len)
}

/// Whether `word` occurs in `s` as a whole identifier.
fn has_word(s: &str, word: &str) -> bool {
    s.match_indices(word).any(|(i, _)| {
        let before = s[..i].chars().next_back();
        let after = s[i + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

/// The line with the insides of its string literals left out.
fn without_strings(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let (mut inside, mut escaped) = (false, false);
    for c in line.chars() {
        if inside {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                inside = false;
                out.push(c);
            }
        } else {
            if c == '"' {
                inside = true;
            }
            out.push(c);
        }
    }
    out
}

/// What is wrong with one line of source, if anything.
fn offence(line: &str) -> Option<&'static str> {
    let trimmed = line.trim_start();
    if trimmed.starts_with("//") {
        return None;
    }
    // What a string says is not a check: "role" in a message or a form field's name.
    let line = &without_strings(line);
    let trimmed = line.trim_start();
    let s: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    if s.contains(".scope()") {
        return Some("scope read off the actor (use policy::scope)");
    }
    if s.contains(".require(") || s.contains("require_station_admin(") {
        return Some("role requirement outside the policy (use policy::require)");
    }
    if s.contains(".role==") || s.contains(".role!=") {
        return Some("role compared (ask policy::may)");
    }
    if s.contains(".role)") && s.contains("contains(") {
        return Some("role looked up in a list (ask policy::may)");
    }
    if let Some(i) = trimmed.find("matches!(")
        && let Some(first) = trimmed[i..].split(',').next()
        && has_word(first, "role")
    {
        return Some("role matched (ask policy::may)");
    }
    let match_on_role = trimmed.match_indices("match ").any(|(i, _)| {
        let word = !trimmed[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        let scrutinee = trimmed[i..].split('{').next().unwrap_or_default();
        // Matching on the policy's own answer is asking the policy.
        word && has_word(scrutinee, "role") && !scrutinee.contains("policy::")
    });
    if match_on_role {
        return Some("role matched (ask policy::may)");
    }
    let arrow = s.find("=>");
    for (at, _) in s.match_indices("Role::") {
        let Some(end) = variant_at(&s, at) else {
            continue;
        };
        let before = &s[..at];
        let after = &s[end..];
        if before.ends_with("==")
            || before.ends_with("!=")
            || after.starts_with("==")
            || after.starts_with("!=")
        {
            return Some("role compared (ask policy::may)");
        }
        if arrow.is_some_and(|a| at < a) {
            return Some("role matched in a pattern (ask the policy)");
        }
        if (after.starts_with('|') && !after.starts_with("||"))
            || (before.ends_with('|') && !before.ends_with("||"))
        {
            return Some("roles matched in a pattern (ask the policy)");
        }
        if before.ends_with('[') {
            return Some("list of roles (ask policy::may)");
        }
    }
    None
}

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

#[test]
fn no_role_checks_outside_policy() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the domain crate sits in the core folder");
    let mut files = Vec::new();
    for krate in CRATES {
        rust_files(&core.join(krate).join("src"), &mut files);
    }
    files.sort();
    assert!(
        files.len() > 50,
        "read only {} source files: is the core folder where it was?",
        files.len()
    );
    let mut found = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(core)
            .expect("walked under the core folder")
            .to_string_lossy()
            .replace('\\', "/");
        if ALLOWED.iter().any(|a| rel.starts_with(a)) {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for (n, line) in text.lines().enumerate() {
            if let Some(why) = offence(line) {
                found.push(format!("core/{rel}:{}: {why}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "role or scope checks outside the policy ({}):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_detector_tells_checks_from_uses() {
    for bad in [
        "if actor.role == Role::Ops {",
        "    a.role != x",
        "match actor.role {",
        "match (actor.role, actor.deputy_id) {",
        "    Role::StationStaff => {",
        "    (Role::Deputy, Some(d)) => d,",
        "    Role::Ops | Role::Viewer",
        "    | Role::Viewer",
        "matches!(a.role, Role::Ops)",
        "matches!(role, Role::Ops | Role::Viewer)",
        "let here = match actor.scope() {",
        "actor.require(&[Role::Ops])?;",
        "actor.require_station_admin(id)?;",
        "REVEAL_ROLES.contains(&actor.role)",
        "pub const R: [Role; 2] = [Role::Ops, Role::Viewer];",
        "x == Role::Deputy",
    ] {
        assert!(offence(bad).is_some(), "missed: {bad}");
    }
    for fine in [
        "// actor.scope() in a comment",
        "/// `match actor.role` in a doc comment",
        "Performer::System => Role::System,",
        "let r = Role::parse(&s)?;",
        "for role in Role::USER_ROLES {",
        "role: Role::Deputy,",
        "    Role::StationStaff,",
        "label: role.as_str(),",
        "policy::require(&actor, Permission::AdministerDistrict)?;",
        "match policy::scope(actor) {",
        "let matched = a || b;",
        "match policy::attachment(role) {",
        "let role = match Role::parse(&f.text(\"role\")) {",
        "message: \"if actor.role == ops\",",
    ] {
        assert!(offence(fine).is_none(), "flagged: {fine}");
    }
}
