//! Finds libtrainmetrics through pkg-config and tells cargo how to link it.
//!
//! Against a build tree, point pkg-config at Meson's uninstalled file:
//! `PKG_CONFIG_PATH=<builddir>/meson-uninstalled`.

fn main() {
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    let library = match pkg_config::Config::new().atleast_version("0.1.0").probe("trainmetrics") {
        Ok(library) => library,
        Err(error) => {
            eprintln!("trainmetrics-sys: pkg-config cannot find trainmetrics >= 0.1.0: {error}");
            eprintln!("install libtrainmetrics-dev, or set PKG_CONFIG_PATH=<builddir>/meson-uninstalled");
            std::process::exit(1);
        }
    };
    // Published to dependents' build scripts as DEP_TRAINMETRICS_INCLUDE / _LIBDIR
    // (the `links` key), and to this crate's tests, which regenerate the bindings.
    let join = |paths: &[std::path::PathBuf]| {
        std::env::join_paths(paths).expect("pkg-config path with a separator").into_string().expect("UTF-8 path")
    };
    let include = join(&library.include_paths);
    println!("cargo:include={include}");
    println!("cargo:libdir={}", join(&library.link_paths));
    println!("cargo:rustc-env=TRAINMETRICS_SYS_INCLUDE={include}");
}
