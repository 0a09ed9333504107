//! The committed declarations are what bindgen makes of the headers this crate
//! was built against: `regenerate.sh --check` regenerates them and diffs.

use std::path::Path;
use std::process::Command;

#[test]
fn bindings_match_the_headers() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The same headers build.rs found: PKG_CONFIG_PATH as cargo saw it.
    let output = Command::new(crate_dir.join("regenerate.sh"))
        .arg("--check")
        .output()
        .expect("regenerate.sh runs (bindgen and pkg-config installed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "src/bindings.rs differs from the headers in {}:\n{stdout}\n{stderr}",
        env!("TRAINMETRICS_SYS_INCLUDE")
    );
    assert!(stdout.contains("matches the headers"), "{stdout}");
}
