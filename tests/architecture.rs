//! The crate layering: area crates depend on `ai4s-core` and never on each other.
//!
//! Shared maths lives in `ai4s-core` (see docs/architecture.md); a task that needs another
//! area's helper moves the helper into core instead of importing the area crate.

use std::path::Path;

/// Every `ai4s-*` crate named in any dependency table of a manifest.
fn ai4s_dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).expect("crate manifests should be readable");
    let doc: toml::Table = toml::from_str(&text).expect("crate manifests should be valid TOML");
    let mut found = Vec::new();
    let mut tables: Vec<&toml::Table> = Vec::new();
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(t) = doc.get(key).and_then(toml::Value::as_table) {
            tables.push(t);
        }
    }
    // Target-specific tables: [target.'cfg(..)'.dependencies] and friends.
    if let Some(targets) = doc.get("target").and_then(toml::Value::as_table) {
        for t in targets.values().filter_map(toml::Value::as_table) {
            for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
                if let Some(d) = t.get(key).and_then(toml::Value::as_table) {
                    tables.push(d);
                }
            }
        }
    }
    for t in tables {
        for (name, spec) in t {
            // A renamed dependency names its crate in `package`.
            let real = spec
                .get("package")
                .and_then(toml::Value::as_str)
                .unwrap_or(name);
            if real.starts_with("ai4s") {
                found.push(real.to_string());
            }
        }
    }
    found
}

#[test]
fn area_crates_depend_on_core_only() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates");
    let mut checked = 0;
    let mut violations = Vec::new();
    for entry in std::fs::read_dir(&crates).expect("crates/ should exist") {
        let dir = entry.expect("directory entry").path();
        let manifest = dir.join("Cargo.toml");
        if !manifest.exists() {
            continue;
        }
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("crate folder names are UTF-8")
            .to_string();
        let allowed: &[&str] = if name == "ai4s-core" {
            &[]
        } else {
            &["ai4s-core"]
        };
        for dep in ai4s_dependencies(&manifest) {
            if !allowed.contains(&dep.as_str()) {
                violations.push(format!("{name} depends on {dep}"));
            }
        }
        checked += 1;
    }
    assert!(
        checked >= 6,
        "expected the core and five area crates, found {checked}"
    );
    assert!(
        violations.is_empty(),
        "area crates must depend on ai4s-core only (move shared code into core): {violations:?}"
    );
}

#[test]
fn the_check_sees_a_forbidden_dependency() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let manifest = dir.path().join("Cargo.toml");
    std::fs::write(
        &manifest,
        "[package]\nname = \"x\"\n[dependencies]\nai4s-core.workspace = true\nsup = { package = \"ai4s-supervised\", path = \"../s\" }\n[target.'cfg(unix)'.dev-dependencies]\nai4s-rl = { path = \"../r\" }\n",
    )
    .expect("write manifest");
    let mut deps = ai4s_dependencies(&manifest);
    deps.sort();
    assert_eq!(deps, ["ai4s-core", "ai4s-rl", "ai4s-supervised"]);
}
